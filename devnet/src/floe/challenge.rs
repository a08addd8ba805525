//! `floe::challenge` (handlers being written).

use crate::handlers::HandlerRegistry;

pub fn register(_registry: &mut HandlerRegistry) {}

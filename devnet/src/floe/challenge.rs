//! `floe::challenge`: random availability challenges and slashing.
//!
//! Mirrors `move/floe/sources/challenge.move` function by function.

use floe_sdk::move_types::{self, challenge::ChallengeBoard};
use sui_sdk_types::{Address, ExecutionError};

use super::{table_new, tag};
use crate::handlers::HandlerRegistry;
use crate::runtime::CallContext;

const MODULE: &str = "challenge";

pub fn register(_registry: &mut HandlerRegistry) {}

/// `challenge::init`: shares an empty `ChallengeBoard`; returns its ID.
pub fn init(ctx: &mut CallContext<'_>) -> Result<Address, ExecutionError> {
    let id = ctx.fresh_id();
    let open = table_new(ctx);
    let board = ChallengeBoard::new(move_types::uid(id), None, 0, open);
    ctx.create_object(tag(MODULE, "ChallengeBoard"), false, &board)?;
    ctx.share(id)?;
    Ok(id)
}

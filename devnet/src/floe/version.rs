//! `floe::version`: the package version every shared object records, and the rule that only
//! the package of that version acts on it.

use sui_sdk_types::{ExecutionError, TypeTag};

use super::{FloeFn, abort_in, add, arity, ret};
use crate::handlers::HandlerRegistry;
use crate::runtime::{CallContext, Value};

const MODULE: &str = "version";

/// The version of this package (`version::VERSION`).
pub const VERSION: u64 = 1;

/// The abort codes of `floe::version`, generated from the Move source.
pub use floe_sdk::move_aborts::version::*;

pub fn register(registry: &mut HandlerRegistry) {
    let handlers: [(&str, FloeFn); 1] = [("current", current)];
    for (name, handler) in handlers {
        add(registry, MODULE, name, handler);
    }
}

/// `current(): u64`
fn current(
    _ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 0)?;
    Ok(vec![ret(&VERSION)?])
}

/// `assert_current(version)`: aborts `EWrongVersion` (located in `version`) unless an
/// object's `version` field is this package's.
pub fn assert_current(version: u64) -> Result<(), ExecutionError> {
    if version == VERSION {
        Ok(())
    } else {
        Err(abort_in(MODULE, E_WRONG_VERSION))
    }
}

/// `migrated(version)`: the version an object at `version` migrates to, this package's.
/// Aborts `EAlreadyMigrated` (located in `version`) unless `version` is older.
pub fn migrated(version: u64) -> Result<u64, ExecutionError> {
    if version < VERSION {
        Ok(VERSION)
    } else {
        Err(abort_in(MODULE, E_ALREADY_MIGRATED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_version_passes() {
        assert!(assert_current(VERSION).is_ok());
        assert!(assert_current(VERSION + 1).is_err());
        assert!(assert_current(VERSION - 1).is_err());
    }

    #[test]
    fn only_older_versions_migrate() {
        assert_eq!(migrated(VERSION - 1).ok(), Some(VERSION));
        assert!(migrated(VERSION).is_err());
        assert!(migrated(VERSION + 1).is_err());
    }
}

//! `floe::version`: the package version every shared object records, and the rule that only
//! the package of that version acts on it.

use sui_sdk_types::ExecutionError;

use super::abort_in;
use crate::runtime::CallContext;

const MODULE: &str = "version";

/// `VERSION`, the version of this package, generated from the Move source.
pub use floe_sdk::move_constants::version::*;

/// The abort codes of `floe::version`, generated from the Move source.
pub use floe_sdk::move_aborts::version::*;

include!(concat!(env!("OUT_DIR"), "/floe_version.rs"));

fn current(_ctx: &mut CallContext<'_>) -> Result<u64, ExecutionError> {
    Ok(VERSION)
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

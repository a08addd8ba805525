//! `floe::upgrade`: the admin brings the protocol's shared objects to this package's version
//! after an upgrade.

use floe_sdk::move_types::{
    self, blob::BlobRegistry, challenge::ChallengeBoard, events::PackageMigrated, system::AdminCap,
    system::System, wal::Treasury,
};
use sui_sdk_types::ExecutionError;

use super::args::Obj;
use super::system::E_WRONG_ADMIN_CAP;
use super::{abort_in, emit, version};
use crate::runtime::CallContext;

include!(concat!(env!("OUT_DIR"), "/floe_upgrade.rs"));

/// `migrate`: only the `AdminCap` that created the `System`; each of the four objects must be older
/// than this version. Emits `PackageMigrated`. Aborts `system::EWrongAdminCap` (located in
/// `system`, where `assert_admin` runs), `version::EAlreadyMigrated`.
fn migrate(
    ctx: &mut CallContext<'_>,
    cap: Obj<AdminCap>,
    mut system: Obj<System>,
    mut treasury: Obj<Treasury>,
    mut registry: Obj<BlobRegistry>,
    mut board: Obj<ChallengeBoard>,
) -> Result<(), ExecutionError> {
    let cap = cap.value;
    if cap.system_id != Some(move_types::id(system.id)) {
        return Err(abort_in("system", E_WRONG_ADMIN_CAP));
    }
    system.version = version::migrated(system.version)?;
    treasury.version = version::migrated(treasury.version)?;
    registry.version = version::migrated(registry.version)?;
    board.version = version::migrated(board.version)?;
    system.save(ctx)?;
    treasury.save(ctx)?;
    registry.save(ctx)?;
    board.save(ctx)?;
    emit(
        ctx,
        &PackageMigrated {
            version: version::VERSION,
            system_id: move_types::id(system.id),
        },
    )?;
    Ok(())
}

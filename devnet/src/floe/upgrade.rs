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
use crate::runtime::{CallContext, Value};

include!(concat!(env!("OUT_DIR"), "/floe_upgrade.rs"));

/// `migrate(cap: &AdminCap, system: &mut System, treasury: &mut Treasury,
/// registry: &mut BlobRegistry, board: &mut ChallengeBoard)`: only the `AdminCap` that
/// created the `System`; each of the four objects must be older than this version.
/// Emits `PackageMigrated`. Aborts `system::EWrongAdminCap` (located in `system`, where
/// `assert_admin` runs), `version::EAlreadyMigrated`.
fn migrate(
    ctx: &mut CallContext<'_>,
    cap: Obj<AdminCap>,
    system: Obj<System>,
    treasury: Obj<Treasury>,
    registry: Obj<BlobRegistry>,
    board: Obj<ChallengeBoard>,
) -> Result<Vec<Value>, ExecutionError> {
    let cap = cap.value;
    let Obj {
        id: system_id,
        value: mut system,
    } = system;
    let Obj {
        id: treasury_id,
        value: mut treasury,
    } = treasury;
    let Obj {
        id: registry_id,
        value: mut registry,
    } = registry;
    let Obj {
        id: board_id,
        value: mut board,
    } = board;
    if cap.system_id != Some(move_types::id(system_id)) {
        return Err(abort_in("system", E_WRONG_ADMIN_CAP));
    }
    system.version = version::migrated(system.version)?;
    treasury.version = version::migrated(treasury.version)?;
    registry.version = version::migrated(registry.version)?;
    board.version = version::migrated(board.version)?;
    ctx.write(system_id, &system)?;
    ctx.write(treasury_id, &treasury)?;
    ctx.write(registry_id, &registry)?;
    ctx.write(board_id, &board)?;
    emit(
        ctx,
        "PackageMigrated",
        &PackageMigrated::new(version::VERSION, move_types::id(system_id)),
    )?;
    Ok(vec![])
}

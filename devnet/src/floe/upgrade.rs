//! `floe::upgrade`: the admin brings the protocol's shared objects to this package's version
//! after an upgrade.

use floe_sdk::move_types::{self, events::PackageMigrated};
use sui_sdk_types::{ExecutionError, TypeTag};

use super::system::{E_WRONG_ADMIN_CAP, admin_cap_arg, system_arg};
use super::{FloeFn, abort_in, add, arity, emit, version};
use crate::handlers::HandlerRegistry;
use crate::runtime::{CallContext, Value};

const MODULE: &str = "upgrade";

pub fn register(registry: &mut HandlerRegistry) {
    let handlers: [(&str, FloeFn); 1] = [("migrate", migrate)];
    for (name, handler) in handlers {
        add(registry, MODULE, name, handler);
    }
}

/// `migrate(cap: &AdminCap, system: &mut System, treasury: &mut Treasury,
/// registry: &mut BlobRegistry, board: &mut ChallengeBoard)`: only the `AdminCap` that
/// created the `System`; each of the four objects must be older than this version.
/// Emits `PackageMigrated`. Aborts `system::EWrongAdminCap` (located in `system`, where
/// `assert_admin` runs), `version::EAlreadyMigrated`.
fn migrate(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 5)?;
    let (_, cap) = admin_cap_arg(ctx, &args, 0)?;
    let (system_id, mut system) = system_arg(ctx, &args, 1)?;
    let (treasury_id, mut treasury) = super::wal::treasury_arg(ctx, &args, 2)?;
    let (registry_id, mut registry) = super::blob::registry_arg(ctx, &args, 3)?;
    let (board_id, mut board) = super::challenge::board_arg(ctx, &args, 4)?;
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

/// Migration of the protocol's shared objects after a package upgrade (see `floe::version`
/// for the upgrade path).
///
/// It lives in its own module because it touches every protocol object: `blob`,
/// `challenge`, `staking` and `license` depend on `system`, so `system` cannot call them.
module floe::upgrade;

use floe::blob::BlobRegistry;
use floe::challenge::ChallengeBoard;
use floe::events;
use floe::system::{AdminCap, System};
use floe::version;
use floe::wal::Treasury;

/// Brings the `System`, the `Treasury`, the `BlobRegistry` and the `ChallengeBoard` to this
/// package's version, after which only this package's functions act on them. Only the
/// `AdminCap` that created this `System` may migrate it. Models and offers are migrated by
/// anyone afterwards (`model::migrate`, `license::migrate_offer`).
/// Emits `PackageMigrated`. Aborts `system::EWrongAdminCap`, `version::EAlreadyMigrated` (any
/// of the four objects at this version already).
public fun migrate(
    cap: &AdminCap,
    system: &mut System,
    treasury: &mut Treasury,
    registry: &mut BlobRegistry,
    board: &mut ChallengeBoard,
) {
    system.assert_admin(cap);
    system.migrate_version();
    treasury.migrate_version();
    registry.migrate_version();
    board.migrate_version();
    events::emit_package_migrated(version::current(), object::id(system));
}

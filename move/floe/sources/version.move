/// The package version, and the rule every shared object of the package follows across
/// upgrades.
///
/// A published Sui package is upgraded, not redeployed: an upgrade publishes a new package
/// next to the old one, and the old package's functions stay callable on the same shared
/// objects. So each shared object (`System`, `Treasury`, `BlobRegistry`, `ChallengeBoard`,
/// `Model`, `LicenseOffer`, `SharedBlob`, `Dataset`, `ModelService`, `ComputeProvider`, `Job`,
/// `Memory`)
/// records in its `version` field the version of the package that
/// last migrated it, and every function that changes state, or acts on what it reads, first
/// checks that this is `VERSION`, the version of the package being called (`assert_current`).
/// Reads that only return a field (e.g. `system::epoch`) answer for any version.
///
/// The upgrade path:
/// 1. publish the upgrade, with `VERSION` raised by one here (the only place it lives) and
///    whatever the new version needs done to old objects in the `migrate` functions;
/// 2. the admin calls `upgrade::migrate` with the `AdminCap` that created the `System`: it
///    brings the `System`, `Treasury`, `BlobRegistry` and `ChallengeBoard` to the new version
///    in one transaction (`PackageMigrated`);
/// 3. anyone calls `model::migrate` on each `Model`, `license::migrate_offer` on each
///    `LicenseOffer`, `shared_blob::migrate` on each `SharedBlob`, `dataset::migrate` on each
///    `Dataset`, `service::migrate_service` on each `ModelService`, and
///    `compute::migrate_provider` / `compute::migrate_job` on each `ComputeProvider` and open
///    `Job`, `memory::migrate` on each `Memory` (migrating applies only the new package's rules, so it needs no cap).
///
/// From then on the old package's functions abort `EWrongVersion` on those objects, and the
/// new package's functions abort `EWrongVersion` on objects not migrated yet.
module floe::version;

/// The version of this package. Raise it by one in every upgrade that must stop the previous
/// package from acting on the shared objects.
const VERSION: u64 = 1;

/// The object was last migrated by another version of the floe package.
/// Call the current package's functions, after `upgrade::migrate` (or the object's own
/// migrate function: model, license offer, shared blob, dataset, service, compute) if an upgrade just landed.
const EWrongVersion: u64 = 0;
/// Nothing to do: the object is already at this package's version.
const EAlreadyMigrated: u64 = 1;

/// The version of this package; shared objects created by it start at this version.
public fun current(): u64 { VERSION }

/// Aborts `EWrongVersion` unless `version` (an object's `version` field) is this package's.
public(package) fun assert_current(version: u64) {
    assert!(version == VERSION, EWrongVersion);
}

/// The version an object at `version` migrates to: this package's. Aborts `EAlreadyMigrated`
/// unless `version` is older than this package's (an object is never migrated backwards).
public(package) fun migrated(version: u64): u64 {
    assert!(version < VERSION, EAlreadyMigrated);
    VERSION
}

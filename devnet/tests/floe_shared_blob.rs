//! `floe::shared_blob` on the devnet: the scenarios of
//! `move/floe/tests/shared_blob_tests.move` with the same expectations (abort codes read from
//! the Move sources), plus what only a chain shows: the shared object cannot be transferred,
//! the wrapped `Blob` is no longer an object anyone can pass, and WAL is conserved by every
//! transaction (the devnet's conservation check runs after each one and counts the funds).
//!
//! The blob is planted (certified, permanent, 1 MiB of storage) instead of stored with the
//! committee's signatures: what is tested here is the shared blob, not certification
//! (`floe_blob.rs` covers that).
#![allow(clippy::unwrap_used)]

mod support;

use floe_sdk::move_aborts;
use floe_sdk::move_types::{
    blob::Blob,
    events::{BlobExtended, SharedBlobCreated, SharedBlobExtended, SharedBlobFunded},
    shared_blob::SharedBlob,
    system::System,
};
use sui_sdk_types::{Address, ExecutionError};
use support::{Arg, Chain, Cmd, Failure, Outcome, call, plant_blob};

const EPOCH_MS: u64 = 86_400_000;
/// A planted blob's storage: 1 MiB, so one epoch costs the storage price per MiB-epoch.
const STORAGE_SIZE: u64 = 1 << 20;
const BLOB_ID: u64 = 0x5b;

struct World {
    chain: Chain,
    system: Address,
    registry: Address,
    owner: Address,
    funder: Address,
    stranger: Address,
}

fn maddr(address: Address) -> moverox::types::Address {
    moverox::types::Address::new(address.into_inner())
}

fn assert_abort<T>(result: Result<T, Failure>, module: &str, code: u64) {
    let name = support::abort_name(module, code);
    match result {
        Ok(_) => panic!("expected {module}::{name}, the transaction succeeded"),
        Err(failure) => assert_eq!(failure.abort(), (module.to_owned(), code), "{name}"),
    }
}

/// A 7-shard system in epoch 0 and three accounts.
fn world() -> World {
    let mut chain = Chain::new();
    let publisher = chain.publisher;
    let admin_cap = chain.genesis.admin_cap;
    let outcome = chain
        .call(
            publisher,
            call::system::create_system(admin_cap, 7u16, EPOCH_MS),
        )
        .unwrap();
    let system = outcome.created("system", "System")[0];
    let registry = chain.genesis.blob_registry;
    let owner = chain.new_account();
    let funder = chain.new_account();
    let stranger = chain.new_account();
    World {
        chain,
        system,
        registry,
        owner,
        funder,
        stranger,
    }
}

impl World {
    fn price(&self) -> u64 {
        self.chain
            .object::<System>(self.system)
            .storage_price_per_mib_epoch
    }

    /// OWNER shares `blob` with `funds` WAL (`new` when 0).
    fn share(&mut self, blob: Address, funds: u64) -> Result<Outcome, Failure> {
        let owner = self.owner;
        if funds == 0 {
            return self
                .chain
                .call(owner, call::shared_blob::new(self.system, blob));
        }
        let coin = self.chain.give_wal(owner, funds);
        self.chain.call(
            owner,
            call::shared_blob::new_funded(self.system, blob, coin),
        )
    }

    /// A certified, permanent blob ending at epoch 5, shared with `funds`: the SharedBlob's ID.
    fn shared(&mut self, funds: u64) -> Address {
        let owner = self.owner;
        let blob = plant_blob(&mut self.chain, owner, BLOB_ID, true, 5, 0);
        let outcome = self.share(blob, funds).unwrap();
        outcome.created("shared_blob", "SharedBlob")[0]
    }

    fn fund(&mut self, who: Address, shared: Address, amount: u64) -> Result<Outcome, Failure> {
        let coin = self.chain.give_wal(who, amount);
        self.chain.call(who, call::shared_blob::fund(shared, coin))
    }

    fn extend(&mut self, who: Address, shared: Address, epochs: u64) -> Result<Outcome, Failure> {
        self.chain.call(
            who,
            call::shared_blob::extend(shared, self.system, self.registry, epochs),
        )
    }

    /// (funds, end epoch).
    fn state(&self, shared: Address) -> (u64, u64) {
        let shared: SharedBlob = self.chain.object(shared);
        (shared.funds.value, shared.blob.storage.end_epoch)
    }

    fn fees_for_epoch(&mut self, epoch: u64) -> u64 {
        let stranger = self.stranger;
        self.chain
            .call(
                stranger,
                call::system::fees_for_epoch(Arg::ObjRead(self.system), epoch),
            )
            .unwrap()
            .ret(0, 0)
    }

    /// One epoch later (the clock moves and anyone calls `challenge::advance_epoch`).
    fn next_epoch(&mut self) {
        self.chain.advance_clock(EPOCH_MS);
        let stranger = self.stranger;
        self.chain
            .call(
                stranger,
                call::challenge::advance_epoch(
                    self.chain.genesis.challenge_board,
                    self.system,
                    self.chain.genesis.treasury,
                ),
            )
            .unwrap();
    }
}

// === Sharing ===

#[test]
fn sharing_with_funds_wraps_the_blob_and_keeps_the_funds() {
    let mut w = world();
    let owner = w.owner;
    let blob = plant_blob(&mut w.chain, owner, BLOB_ID, true, 5, 0);
    let outcome = w.share(blob, 1_000_000).unwrap();
    let created: SharedBlobCreated = outcome.event("SharedBlobCreated");
    let shared = outcome.created("shared_blob", "SharedBlob")[0];
    assert_eq!(
        floe_sdk::move_types::address_of(&created.shared_blob_id),
        shared
    );
    assert_eq!(
        floe_sdk::move_types::address_of(&created.blob_object_id),
        blob
    );
    assert_eq!((created.funds, created.end_epoch), (1_000_000, 5));
    assert_eq!(created.creator, maddr(owner));
    assert_eq!(w.state(shared), (1_000_000, 5));
    assert!(matches!(
        w.chain.owner(shared),
        sui_sdk_types::Owner::Shared(_)
    ));
    // The blob is wrapped: no longer an object of its own, so no transaction can name it as
    // an input (to delete it or change its attributes), and its owner holds no Blob.
    assert!(!w.chain.exists(blob));
    assert!(w.chain.owned(owner, "blob", "Blob").is_empty());
    let inside: SharedBlob = w.chain.object(shared);
    assert_eq!(floe_sdk::move_types::address_of(&inside.blob.id.id), blob);
}

#[test]
fn new_shares_without_funds() {
    let mut w = world();
    let shared = w.shared(0);
    assert_eq!(w.state(shared), (0, 5));
}

#[test]
fn sharing_a_deletable_blob_aborts() {
    let mut w = world();
    let owner = w.owner;
    let blob = plant_blob(&mut w.chain, owner, BLOB_ID, true, 5, 0);
    w.chain.edit_object::<Blob>(blob, |b| b.deletable = true);
    assert_abort(
        w.share(blob, 1_000),
        "shared_blob",
        move_aborts::shared_blob::E_BLOB_DELETABLE,
    );
    assert!(w.chain.exists(blob));
}

#[test]
fn sharing_an_uncertified_blob_aborts() {
    let mut w = world();
    let owner = w.owner;
    let blob = plant_blob(&mut w.chain, owner, BLOB_ID, false, 5, 0);
    assert_abort(
        w.share(blob, 1_000),
        "shared_blob",
        move_aborts::shared_blob::E_NOT_CERTIFIED,
    );
}

#[test]
fn sharing_an_expired_blob_aborts() {
    let mut w = world();
    let owner = w.owner;
    let blob = plant_blob(&mut w.chain, owner, BLOB_ID, true, 1, 0);
    w.next_epoch();
    assert_abort(
        w.share(blob, 1_000),
        "shared_blob",
        move_aborts::shared_blob::E_BLOB_EXPIRED,
    );
}

#[test]
fn sharing_with_a_system_of_another_version_aborts() {
    let mut w = world();
    let owner = w.owner;
    let blob = plant_blob(&mut w.chain, owner, BLOB_ID, true, 5, 0);
    let system = w.system;
    w.chain.edit_object::<System>(system, |s| s.version += 1);
    assert_abort(
        w.share(blob, 0),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
}

// === Funding ===

#[test]
fn anyone_funds() {
    let mut w = world();
    let shared = w.shared(1_000);
    let funder = w.funder;
    let outcome = w.fund(funder, shared, 500).unwrap();
    let funded: SharedBlobFunded = outcome.event("SharedBlobFunded");
    assert_eq!((funded.amount, funded.funds), (500, 1_500));
    assert_eq!(funded.funder, maddr(funder));
    let stranger = w.stranger;
    w.fund(stranger, shared, 250).unwrap();
    assert_eq!(w.state(shared).0, 1_750);
    assert_eq!(w.chain.wal_balance(funder), 0);
}

#[test]
fn a_shared_blob_of_a_newer_package_refuses_funding() {
    let mut w = world();
    let shared = w.shared(1_000);
    w.chain
        .edit_object::<SharedBlob>(shared, |s| s.version += 1);
    let funder = w.funder;
    assert_abort(
        w.fund(funder, shared, 500),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    // The funder keeps the coin.
    assert_eq!(w.chain.wal_balance(funder), 500);
}

// === Extending ===

#[test]
fn a_stranger_extends_at_exactly_the_price_and_gains_nothing() {
    let mut w = world();
    let price = w.price();
    let shared = w.shared(10 * price);
    let stranger = w.stranger;
    let fees_before: Vec<u64> = (5..8).map(|e| w.fees_for_epoch(e)).collect();
    let outcome = w.extend(stranger, shared, 3).unwrap();
    let extended: SharedBlobExtended = outcome.event("SharedBlobExtended");
    assert_eq!(
        (
            extended.old_end_epoch,
            extended.new_end_epoch,
            extended.price,
            extended.funds
        ),
        (5, 8, 3 * price, 7 * price)
    );
    assert_eq!(extended.extender, maddr(stranger));
    let blob_extended: BlobExtended = outcome.event("BlobExtended");
    assert_eq!(blob_extended.price, 3 * price);
    assert_eq!(w.state(shared), (7 * price, 8));
    // Each added epoch's committee is owed one epoch's price; the stranger got nothing.
    for (k, e) in (5..8).enumerate() {
        assert_eq!(w.fees_for_epoch(e), fees_before[k] + price);
    }
    assert_eq!(w.chain.wal_balance(stranger), 0);
    // The blob's size is reserved in each added epoch.
    let system: System = w.chain.object(w.system);
    let used = floe_devnet::floe::system::capacity_used_at(&system, 7);
    assert_eq!(used, STORAGE_SIZE);
}

#[test]
fn extending_twice_spends_both_prices() {
    let mut w = world();
    let price = w.price();
    let shared = w.shared(6 * price);
    let (stranger, funder, owner) = (w.stranger, w.funder, w.owner);
    w.extend(stranger, shared, 2).unwrap();
    w.fund(funder, shared, price).unwrap();
    w.extend(owner, shared, 5).unwrap();
    assert_eq!(w.state(shared), (0, 12));
}

/// Attack: a stranger asks for one epoch more than the funds pay. It aborts; nothing moves.
#[test]
fn extending_beyond_what_the_funds_pay_aborts() {
    let mut w = world();
    let price = w.price();
    let shared = w.shared(5 * price - 1);
    let stranger = w.stranger;
    assert_abort(
        w.extend(stranger, shared, 5),
        "shared_blob",
        move_aborts::shared_blob::E_INSUFFICIENT_FUNDS,
    );
    assert_eq!(w.state(shared), (5 * price - 1, 5));
    w.extend(stranger, shared, 4).unwrap();
    assert_eq!(w.state(shared), (price - 1, 9));
}

#[test]
fn extending_an_unfunded_shared_blob_aborts() {
    let mut w = world();
    let shared = w.shared(0);
    let stranger = w.stranger;
    assert_abort(
        w.extend(stranger, shared, 1),
        "shared_blob",
        move_aborts::shared_blob::E_INSUFFICIENT_FUNDS,
    );
}

#[test]
fn extending_by_zero_epochs_aborts() {
    let mut w = world();
    let shared = w.shared(1_000_000_000);
    let stranger = w.stranger;
    assert_abort(
        w.extend(stranger, shared, 0),
        "blob",
        move_aborts::blob::E_INVALID_EPOCHS_AHEAD,
    );
}

/// The funds would pay, but the new end would be more than `max_epochs_ahead` (52) epochs
/// ahead of epoch 0: 5 + 47 = 52 is allowed, one more is not.
#[test]
fn extending_past_max_epochs_ahead_aborts() {
    let mut w = world();
    let price = w.price();
    let shared = w.shared(100 * price);
    let stranger = w.stranger;
    w.extend(stranger, shared, 47).unwrap();
    assert_eq!(w.state(shared).1, 52);
    assert_abort(
        w.extend(stranger, shared, 1),
        "blob",
        move_aborts::blob::E_INVALID_EPOCHS_AHEAD,
    );
    assert_eq!(w.state(shared), (53 * price, 52));
}

/// Late: the blob's storage ended before anyone extended it.
#[test]
fn extending_an_expired_shared_blob_aborts() {
    let mut w = world();
    let owner = w.owner;
    let blob = plant_blob(&mut w.chain, owner, BLOB_ID, true, 1, 0);
    let shared = w
        .share(blob, 1_000_000_000)
        .unwrap()
        .created("shared_blob", "SharedBlob")[0];
    w.next_epoch();
    let stranger = w.stranger;
    assert_abort(
        w.extend(stranger, shared, 1),
        "blob",
        move_aborts::blob::E_BLOB_EXPIRED,
    );
}

#[test]
fn extending_into_full_epochs_aborts() {
    let mut w = world();
    let shared = w.shared(1_000_000_000);
    let system = w.system;
    w.chain
        .edit_object::<System>(system, |s| s.total_capacity = STORAGE_SIZE - 1);
    let stranger = w.stranger;
    assert_abort(
        w.extend(stranger, shared, 1),
        "system",
        move_aborts::system::E_CAPACITY_EXCEEDED,
    );
}

#[test]
fn a_shared_blob_of_an_older_package_refuses_extension() {
    let mut w = world();
    let shared = w.shared(1_000_000_000);
    w.chain
        .edit_object::<SharedBlob>(shared, |s| s.version -= 1);
    let stranger = w.stranger;
    assert_abort(
        w.extend(stranger, shared, 1),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
}

#[test]
fn extending_with_a_registry_of_another_version_aborts() {
    let mut w = world();
    let shared = w.shared(1_000_000_000);
    let registry = w.registry;
    w.chain
        .edit_object::<floe_sdk::move_types::blob::BlobRegistry>(registry, |r| r.version += 1);
    let stranger = w.stranger;
    assert_abort(
        w.extend(stranger, shared, 1),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
}

// === What a stranger cannot do ===

/// Attack: take the shared blob (with its blob and funds) by transferring it. Sui refuses to
/// transfer a shared object, and so does the devnet; nothing changes.
#[test]
fn a_stranger_cannot_transfer_the_shared_blob() {
    let mut w = world();
    let shared = w.shared(1_000);
    let stranger = w.stranger;
    let result = w.chain.ptb(
        stranger,
        vec![Cmd::Transfer(vec![Arg::obj(shared)], stranger)],
    );
    let failure = result.expect_err("transferring a shared object must fail");
    assert!(
        matches!(failure.error, ExecutionError::InvalidTransferObject),
        "{:?}",
        failure.error
    );
    assert_eq!(w.state(shared), (1_000, 5));
}

/// Attack: pass the `SharedBlob` where a `Blob` is expected (to delete it, or to change its
/// attributes). The types differ: the call fails and nothing changes.
#[test]
fn a_shared_blob_is_not_a_blob() {
    let mut w = world();
    let shared = w.shared(1_000);
    let stranger = w.stranger;
    let result = w.chain.call(
        stranger,
        call::blob::set_attribute(shared, "content-type".to_owned(), "text/html".to_owned()),
    );
    assert!(result.is_err());
    assert_eq!(w.state(shared), (1_000, 5));
}

// === Versions ===

#[test]
fn a_stranger_migrating_an_old_shared_blob_changes_only_its_version() {
    let mut w = world();
    let shared = w.shared(1_000);
    w.chain
        .edit_object::<SharedBlob>(shared, |s| s.version -= 1);
    let stranger = w.stranger;
    w.chain
        .call(stranger, call::shared_blob::migrate(shared))
        .unwrap();
    assert_eq!(w.state(shared), (1_000, 5));
    w.fund(stranger, shared, 1).unwrap();
    assert_eq!(w.state(shared).0, 1_001);
}

#[test]
fn migrating_a_current_shared_blob_aborts() {
    let mut w = world();
    let shared = w.shared(1_000);
    let stranger = w.stranger;
    assert_abort(
        w.chain.call(stranger, call::shared_blob::migrate(shared)),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
}

#[test]
fn funds_reads_the_balance() {
    let mut w = world();
    let shared = w.shared(4_321);
    let stranger = w.stranger;
    let funds: u64 = w
        .chain
        .call(stranger, call::shared_blob::funds(Arg::ObjRead(shared)))
        .unwrap()
        .ret(0, 0);
    assert_eq!(funds, 4_321);
}

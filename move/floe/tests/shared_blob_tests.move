/// Shared, funded blobs (`floe::shared_blob`): sharing, funding by anyone, extension by anyone
/// paid from the funds at exactly the system's price, every abort path, the version rule, and
/// the attacks a stranger could try.
///
/// Taking the blob or the funds out of a `SharedBlob` is not a test here because it cannot be
/// written: the module has no function that returns the `Blob`, a `Coin` or a `Balance`, the
/// `blob` accessor returns `&Blob`, and `SharedBlob` has `key` without `store`, so
/// `transfer::public_transfer` does not accept it. What a stranger can do is call `extend`:
/// the tests show the funds then go, to the last unit, to the fees of the epochs added, and
/// that asking for more than the funds pay aborts and changes nothing. (`blob::EPriceOverflow`,
/// which `extend` can also abort with, needs a storage price no test can set; `blob_tests`
/// checks `price_of`'s overflow.)
#[test_only]
module floe::shared_blob_tests;

use floe::blob::{Self, Blob, BlobRegistry};
use floe::events::{SharedBlobCreated, SharedBlobExtended, SharedBlobFunded};
use floe::floe_test_utils as tu;
use floe::shared_blob::{Self, SharedBlob};
use floe::staking::NodeCap;
use floe::system::{Self, System};
use floe::version;
use floe::wal::WAL;
use std::string::utf8;
use std::unit_test::assert_eq;
use sui::clock::Clock;
use sui::coin::Coin;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const OWNER: address = @0x0B0E;
const FUNDER: address = @0xF0AD;
const STRANGER: address = @0x5157;

/// Blob A's encoded size on 7 shards: under 1 MiB, so one epoch costs the price per MiB.
const ENCODED_A: u64 = 3_584;

// === Helpers ===

fun start(): (Scenario, Clock, vector<NodeCap>) {
    tu::setup()
}

fun stop(scenario: Scenario, clock: Clock, caps: vector<NodeCap>) {
    tu::finish(scenario, clock, caps);
}

/// OWNER stores blob A for `epochs` epochs (`deletable` as given, certified if `certify`).
fun store_a(scenario: &mut Scenario, epochs: u64, deletable: bool, certify: bool): Blob {
    scenario.next_tx(OWNER);
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut stored = tu::register_a(scenario, &mut system, &mut registry, epochs, deletable);
    if (certify) tu::certify_a(&system, &mut registry, &mut stored);
    ts::return_shared(system);
    ts::return_shared(registry);
    stored
}

/// OWNER shares `stored` with `funds` WAL (none: `new`); returns the `SharedBlob`'s ID.
fun share(scenario: &mut Scenario, stored: Blob, funds: u64): ID {
    scenario.next_tx(OWNER);
    let system = scenario.take_shared<System>();
    if (funds == 0) {
        shared_blob::new(&system, stored, scenario.ctx());
    } else {
        let coin = tu::wal_coin(scenario, funds);
        shared_blob::new_funded(&system, stored, coin, scenario.ctx());
    };
    ts::return_shared(system);
    scenario.next_tx(OWNER);
    ts::most_recent_id_shared<SharedBlob>().destroy_some()
}

/// A certified, permanent blob A stored for 5 epochs, shared with `funds`.
fun shared_a(scenario: &mut Scenario, funds: u64): ID {
    let stored = store_a(scenario, 5, false, true);
    share(scenario, stored, funds)
}

/// `who` adds `amount` WAL to the shared blob.
fun fund_as(scenario: &mut Scenario, who: address, id: ID, amount: u64) {
    scenario.next_tx(who);
    let mut shared = scenario.take_shared_by_id<SharedBlob>(id);
    let coin = tu::wal_coin(scenario, amount);
    shared.fund(coin, scenario.ctx());
    ts::return_shared(shared);
}

/// `who` extends the shared blob by `epochs`.
fun extend_as(scenario: &mut Scenario, who: address, id: ID, epochs: u64) {
    scenario.next_tx(who);
    let mut shared = scenario.take_shared_by_id<SharedBlob>(id);
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    shared.extend(&mut system, &mut registry, epochs, scenario.ctx());
    ts::return_shared(shared);
    ts::return_shared(system);
    ts::return_shared(registry);
}

/// (funds, end epoch) of the shared blob.
fun state(scenario: &mut Scenario, id: ID): (u64, u64) {
    scenario.next_tx(OWNER);
    let shared = scenario.take_shared_by_id<SharedBlob>(id);
    let result = (shared.funds(), shared.blob().storage().end_epoch());
    ts::return_shared(shared);
    result
}

/// The price of one epoch of blob A's storage.
fun epoch_price(scenario: &mut Scenario): u64 {
    scenario.next_tx(OWNER);
    let system = scenario.take_shared<System>();
    let price = system.storage_price_per_mib_epoch();
    ts::return_shared(system);
    price
}

/// Sets the system's epoch.
fun set_epoch(scenario: &mut Scenario, epoch: u64) {
    scenario.next_tx(OWNER);
    let mut system = scenario.take_shared<System>();
    system::set_epoch_for_testing(&mut system, epoch);
    ts::return_shared(system);
}

// === Sharing ===

#[test]
fun sharing_with_funds_wraps_the_blob_and_keeps_the_funds() {
    let (mut scenario, clock, caps) = start();
    let mut stored = store_a(&mut scenario, 5, false, true);
    let blob_object = object::id(&stored);
    stored.set_attribute(utf8(b"content-type"), utf8(b"text/plain"));
    let id = share(&mut scenario, stored, 1_000_000);
    let shared = scenario.take_shared_by_id<SharedBlob>(id);
    assert_eq!(shared.funds(), 1_000_000);
    assert_eq!(shared.blob().blob_id(), tu::blob_id_a());
    assert_eq!(object::id(shared.blob()), blob_object);
    assert_eq!(shared.blob().storage().end_epoch(), tu::start_epoch() + 5);
    // Attributes set before sharing stay, readable by anyone; nothing can change them now.
    assert_eq!(shared.blob().attribute(utf8(b"content-type")), option::some(utf8(b"text/plain")));
    ts::return_shared(shared);
    stop(scenario, clock, caps);
}

#[test]
fun sharing_emits_shared_blob_created() {
    let (mut scenario, clock, caps) = start();
    let stored = store_a(&mut scenario, 5, false, true);
    scenario.next_tx(OWNER);
    let system = scenario.take_shared<System>();
    let coin = tu::wal_coin(&mut scenario, 7);
    shared_blob::new_funded(&system, stored, coin, scenario.ctx());
    assert_eq!(event::events_by_type<SharedBlobCreated>().length(), 1);
    ts::return_shared(system);
    stop(scenario, clock, caps);
}

#[test]
fun new_shares_without_funds() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 0);
    let (funds, end) = state(&mut scenario, id);
    assert_eq!(funds, 0);
    assert_eq!(end, tu::start_epoch() + 5);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::shared_blob::EBlobDeletable)]
fun sharing_a_deletable_blob_aborts() {
    let (mut scenario, clock, caps) = start();
    let stored = store_a(&mut scenario, 5, true, true);
    let _ = share(&mut scenario, stored, 1_000);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::shared_blob::ENotCertified)]
fun sharing_an_uncertified_blob_aborts() {
    let (mut scenario, clock, caps) = start();
    let stored = store_a(&mut scenario, 5, false, false);
    let _ = share(&mut scenario, stored, 1_000);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::shared_blob::EBlobExpired)]
fun sharing_an_expired_blob_aborts() {
    let (mut scenario, clock, caps) = start();
    let stored = store_a(&mut scenario, 2, false, true);
    set_epoch(&mut scenario, tu::start_epoch() + 2);
    let _ = share(&mut scenario, stored, 1_000);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun sharing_with_a_system_of_another_version_aborts() {
    let (mut scenario, clock, caps) = start();
    let stored = store_a(&mut scenario, 5, false, true);
    scenario.next_tx(OWNER);
    let mut system = scenario.take_shared<System>();
    system::set_version_for_testing(&mut system, version::current() + 1);
    shared_blob::new(&system, stored, scenario.ctx());
    ts::return_shared(system);
    stop(scenario, clock, caps);
}

// === Funding ===

#[test]
fun anyone_funds() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000);
    fund_as(&mut scenario, FUNDER, id, 500);
    assert_eq!(event::events_by_type<SharedBlobFunded>().length(), 1);
    fund_as(&mut scenario, STRANGER, id, 250);
    let (funds, _) = state(&mut scenario, id);
    assert_eq!(funds, 1_750);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun a_shared_blob_of_a_newer_package_refuses_funding() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000);
    scenario.next_tx(FUNDER);
    let mut shared = scenario.take_shared_by_id<SharedBlob>(id);
    shared.set_version_for_testing(version::current() + 1);
    let coin = tu::wal_coin(&mut scenario, 500);
    shared.fund(coin, scenario.ctx());
    ts::return_shared(shared);
    stop(scenario, clock, caps);
}

// === Extending ===

#[test]
fun a_stranger_extends_at_exactly_the_price_and_gains_nothing() {
    let (mut scenario, clock, caps) = start();
    let price = epoch_price(&mut scenario);
    let id = shared_a(&mut scenario, 10 * price);
    let old_end = tu::start_epoch() + 5;
    scenario.next_tx(OWNER);
    let system = scenario.take_shared<System>();
    let fees_before = system.fees_for_epoch(old_end);
    let used_before = system.used_capacity_at(old_end + 2);
    ts::return_shared(system);

    extend_as(&mut scenario, STRANGER, id, 3);
    assert_eq!(event::events_by_type<SharedBlobExtended>().length(), 1);
    let (funds, end) = state(&mut scenario, id);
    assert_eq!(funds, 7 * price);
    assert_eq!(end, old_end + 3);
    scenario.next_tx(OWNER);
    let system = scenario.take_shared<System>();
    let registry = scenario.take_shared<BlobRegistry>();
    // The 3 epochs' price went to those epochs' committees, one epoch's part each...
    assert_eq!(system.fees_for_epoch(old_end), fees_before + price);
    assert_eq!(system.fees_for_epoch(old_end + 2), price);
    // ...their capacity is reserved, and the registry knows the new end.
    assert_eq!(system.used_capacity_at(old_end + 2), used_before + ENCODED_A);
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), old_end + 3);
    ts::return_shared(system);
    ts::return_shared(registry);
    // The stranger paid nothing and received nothing.
    assert!(!ts::has_most_recent_for_address<Coin<WAL>>(STRANGER));
    stop(scenario, clock, caps);
}

#[test]
fun extending_twice_spends_both_prices() {
    let (mut scenario, clock, caps) = start();
    let price = epoch_price(&mut scenario);
    let id = shared_a(&mut scenario, 6 * price);
    extend_as(&mut scenario, STRANGER, id, 2);
    fund_as(&mut scenario, FUNDER, id, price);
    extend_as(&mut scenario, OWNER, id, 5);
    let (funds, end) = state(&mut scenario, id);
    assert_eq!(funds, 0);
    assert_eq!(end, tu::start_epoch() + 12);
    stop(scenario, clock, caps);
}

#[test]
fun extending_by_what_the_funds_pay_empties_them() {
    let (mut scenario, clock, caps) = start();
    let price = epoch_price(&mut scenario);
    let id = shared_a(&mut scenario, 4 * price);
    extend_as(&mut scenario, STRANGER, id, 4);
    let (funds, end) = state(&mut scenario, id);
    assert_eq!(funds, 0);
    assert_eq!(end, tu::start_epoch() + 9);
    stop(scenario, clock, caps);
}

/// Attack: a stranger asks for one epoch more than the funds pay. It aborts; nothing moves.
#[test, expected_failure(abort_code = floe::shared_blob::EInsufficientFunds)]
fun extending_beyond_what_the_funds_pay_aborts() {
    let (mut scenario, clock, caps) = start();
    let price = epoch_price(&mut scenario);
    let id = shared_a(&mut scenario, 4 * price + price - 1);
    extend_as(&mut scenario, STRANGER, id, 5);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::shared_blob::EInsufficientFunds)]
fun extending_an_unfunded_shared_blob_aborts() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 0);
    extend_as(&mut scenario, STRANGER, id, 1);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidEpochsAhead)]
fun extending_by_zero_epochs_aborts() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000_000_000);
    extend_as(&mut scenario, STRANGER, id, 0);
    stop(scenario, clock, caps);
}

/// The funds would pay, but the new end would be more than `max_epochs_ahead` (52) epochs
/// ahead: 1 + 5 + 47 - 1 = 52 is allowed, one more is not.
#[test, expected_failure(abort_code = floe::blob::EInvalidEpochsAhead)]
fun extending_past_max_epochs_ahead_aborts() {
    let (mut scenario, clock, caps) = start();
    let price = epoch_price(&mut scenario);
    let id = shared_a(&mut scenario, 100 * price);
    extend_as(&mut scenario, STRANGER, id, 47);
    let (_, end) = state(&mut scenario, id);
    assert_eq!(end, tu::start_epoch() + 52);
    extend_as(&mut scenario, STRANGER, id, 1);
    stop(scenario, clock, caps);
}

/// Late: the blob's storage ended before anyone extended it.
#[test, expected_failure(abort_code = floe::blob::EBlobExpired)]
fun extending_an_expired_shared_blob_aborts() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000_000_000);
    set_epoch(&mut scenario, tu::start_epoch() + 5);
    extend_as(&mut scenario, STRANGER, id, 1);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::system::ECapacityExceeded)]
fun extending_into_full_epochs_aborts() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000_000_000);
    scenario.next_tx(OWNER);
    let mut system = scenario.take_shared<System>();
    system::set_total_capacity_for_testing(&mut system, ENCODED_A - 1);
    ts::return_shared(system);
    extend_as(&mut scenario, STRANGER, id, 1);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun a_shared_blob_of_an_older_package_refuses_extension() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000_000_000);
    scenario.next_tx(OWNER);
    let mut shared = scenario.take_shared_by_id<SharedBlob>(id);
    shared.set_version_for_testing(version::current() - 1);
    ts::return_shared(shared);
    extend_as(&mut scenario, STRANGER, id, 1);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun extending_with_a_system_of_another_version_aborts() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000_000_000);
    scenario.next_tx(OWNER);
    let mut system = scenario.take_shared<System>();
    system::set_version_for_testing(&mut system, version::current() + 1);
    ts::return_shared(system);
    extend_as(&mut scenario, STRANGER, id, 1);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun extending_with_a_registry_of_another_version_aborts() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000_000_000);
    scenario.next_tx(OWNER);
    let mut registry = scenario.take_shared<BlobRegistry>();
    blob::set_version_for_testing(&mut registry, version::current() + 1);
    ts::return_shared(registry);
    extend_as(&mut scenario, STRANGER, id, 1);
    stop(scenario, clock, caps);
}

// === Versions ===

#[test]
fun a_stranger_migrating_an_old_shared_blob_changes_only_its_version() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000);
    scenario.next_tx(OWNER);
    let mut shared = scenario.take_shared_by_id<SharedBlob>(id);
    shared.set_version_for_testing(version::current() - 1);
    ts::return_shared(shared);
    scenario.next_tx(STRANGER);
    let mut shared = scenario.take_shared_by_id<SharedBlob>(id);
    shared.migrate();
    assert_eq!(shared.funds(), 1_000);
    assert_eq!(shared.blob().storage().end_epoch(), tu::start_epoch() + 5);
    ts::return_shared(shared);
    fund_as(&mut scenario, STRANGER, id, 1);
    let (funds, _) = state(&mut scenario, id);
    assert_eq!(funds, 1_001);
    stop(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_a_current_shared_blob_aborts() {
    let (mut scenario, clock, caps) = start();
    let id = shared_a(&mut scenario, 1_000);
    scenario.next_tx(STRANGER);
    let mut shared = scenario.take_shared_by_id<SharedBlob>(id);
    shared.migrate();
    ts::return_shared(shared);
    stop(scenario, clock, caps);
}

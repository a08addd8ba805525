/// Unit tests of `floe::blob`: RS2 sizes and blob IDs against generated vectors, storage
/// reservation, splitting and fusing, registration, BLS certification with real signatures,
/// the certified-blob registry, extension, deletion and expiry, and every abort path.
#[test_only]
module floe::blob_tests;

use floe::blob::{Self, BlobRegistry};
use floe::floe_test_utils as tu;
use floe::staking::NodeCap;
use floe::system::{AdminCap, System};
use std::string::{String, utf8};
use std::unit_test::{assert_eq, destroy};
use sui::bcs;
use sui::clock::Clock;
use sui::test_scenario::{Self as ts, Scenario};

const ENCODED_A: u64 = 3_584;

fun start(): (Scenario, Clock, vector<NodeCap>, System, BlobRegistry) {
    let (scenario, clock, caps) = tu::setup();
    let system = scenario.take_shared<System>();
    let registry = scenario.take_shared<BlobRegistry>();
    (scenario, clock, caps, system, registry)
}

fun stop(
    scenario: Scenario,
    clock: Clock,
    caps: vector<NodeCap>,
    system: System,
    registry: BlobRegistry,
) {
    ts::return_shared(system);
    ts::return_shared(registry);
    tu::finish(scenario, clock, caps);
}

// === Pure functions ===

#[test]
fun sizes_follow_rs2_rules() {
    assert_eq!(blob::symbol_size(0, 7), 2);
    assert_eq!(blob::symbol_size(100, 7), 8);
    assert_eq!(blob::symbol_size(200, 7), 14);
    assert_eq!(blob::symbol_size(1_048_576, 1000), 6);
    assert_eq!(blob::encoded_size(0, 7), 3_248);
    assert_eq!(blob::encoded_size(100, 7), ENCODED_A);
    assert_eq!(blob::encoded_size(1, 1), 68);
    assert_eq!(blob::encoded_size(100, 4), 1_384);
    assert_eq!(blob::encoded_size(1_048_576, 1000), 70_006_000);
    // 15 = p·s for n = 7: the largest blob has symbols of exactly 65 534 bytes.
    assert_eq!(blob::symbol_size(983_010, 7), 65_534);
}

#[test, expected_failure(abort_code = floe::blob::EBlobTooLarge)]
fun symbol_size_above_limit_aborts() {
    let _ = blob::symbol_size(983_011, 7);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidShardCount)]
fun zero_shards_abort() {
    let _ = blob::encoded_size(1, 0);
}

#[test]
fun blob_ids_match_vectors() {
    assert_eq!(blob::compute_blob_id(1, tu::size_a(), tu::root_a()), tu::blob_id_a());
    assert_eq!(blob::compute_blob_id(1, tu::size_b(), tu::root_b()), tu::blob_id_b());
    // The Merkle trees rebuilt in Move give the generator's roots.
    assert_eq!(tu::synthetic_root(tu::seed_a(), 7, 8), bcs::to_bytes(&tu::root_a()));
    assert_eq!(tu::synthetic_root(tu::seed_b(), 7, 14), bcs::to_bytes(&tu::root_b()));
}

#[test]
fun certification_message_layout() {
    let mut expected = vector[1u8, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0];
    expected.append(bcs::to_bytes(&tu::blob_id_a()));
    assert_eq!(blob::certification_message(1, tu::blob_id_a()), expected);
}

#[test]
fun price_rounds_up_to_mib() {
    assert_eq!(blob::price_of_for_testing(0, 10, 1), 0);
    assert_eq!(blob::price_of_for_testing(1, 10, 3), 30);
    assert_eq!(blob::price_of_for_testing(1_048_576, 10, 1), 10);
    assert_eq!(blob::price_of_for_testing(1_048_577, 10, 1), 20);
}

#[test, expected_failure(abort_code = floe::blob::EPriceOverflow)]
fun price_overflow_aborts() {
    let _ = blob::price_of_for_testing(
        18_446_744_073_709_551_615,
        18_446_744_073_709_551_615,
        2,
    );
}

// === Storage ===

#[test]
fun reserve_space_charges_and_reserves_capacity() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let price = system.storage_price_per_mib_epoch();
    let used_before = system.used_capacity();
    let mut payment = tu::wal_coin(&mut scenario, 10 * price);
    let storage = blob::reserve_space(&mut system, tu::size_a(), 5, &mut payment, scenario.ctx());
    // 3 584 encoded bytes round up to 1 MiB, for 5 epochs; the change stays in the coin.
    assert_eq!(payment.value(), 5 * price);
    assert_eq!(storage.start_epoch(), tu::start_epoch());
    assert_eq!(storage.end_epoch(), tu::start_epoch() + 5);
    assert_eq!(storage.storage_size(), ENCODED_A);
    assert_eq!(system.used_capacity(), used_before + ENCODED_A);
    // Each of the 5 epochs holds the encoded size, the one after none.
    let s = tu::start_epoch();
    assert_eq!(system.used_capacity_at(s + 4), ENCODED_A);
    assert_eq!(system.used_capacity_at(s + 5), 0);
    assert_eq!(system.future_capacity_entries_for_testing(), 4);
    blob::destroy_storage(&mut system, storage);
    assert_eq!(system.used_capacity(), used_before);
    assert_eq!(system.used_capacity_at(s + 4), 0);
    assert_eq!(system.future_capacity_entries_for_testing(), 0);
    destroy(payment);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidEpochsAhead)]
fun reserve_space_zero_epochs_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 0);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidEpochsAhead)]
fun reserve_space_too_far_ahead_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let epochs = system.max_epochs_ahead() + 1;
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), epochs);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInsufficientPayment)]
fun reserve_space_underpaid_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let mut payment = tu::wal_coin(&mut scenario, system.storage_price_per_mib_epoch() - 1);
    let storage = blob::reserve_space(&mut system, tu::size_a(), 1, &mut payment, scenario.ctx());
    blob::destroy_storage(&mut system, storage);
    destroy(payment);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EBlobTooLarge)]
fun reserve_space_too_large_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let storage = tu::reserve(&mut scenario, &mut system, 983_011, 1);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

#[test]
fun split_and_fuse_storage() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let used_before = system.used_capacity();
    let s = tu::start_epoch();
    let mut storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let mut later = storage.split_by_epoch(s + 5, scenario.ctx());
    assert_eq!(storage.end_epoch(), s + 5);
    assert_eq!(later.start_epoch(), s + 5);
    assert_eq!(later.end_epoch(), s + 10);
    assert_eq!(later.storage_size(), ENCODED_A);
    // Reshaping moves no capacity: every epoch still holds one encoded size.
    assert_eq!(system.used_capacity_at(s + 4), used_before + ENCODED_A);
    assert_eq!(system.used_capacity_at(s + 5), ENCODED_A);
    let part = later.split_by_size(1_000, scenario.ctx());
    assert_eq!(later.storage_size(), 1_000);
    assert_eq!(part.storage_size(), ENCODED_A - 1_000);
    assert_eq!(part.start_epoch(), s + 5);
    // Same epochs: sizes add.
    later.fuse(part);
    assert_eq!(later.storage_size(), ENCODED_A);
    // Same size, `later` starts where `storage` ends.
    storage.fuse(later);
    assert_eq!(storage.start_epoch(), s);
    assert_eq!(storage.end_epoch(), s + 10);
    // Same size, the second ends where the first starts.
    let mut tail = storage.split_by_epoch(s + 3, scenario.ctx());
    tail.fuse(storage);
    assert_eq!(tail.start_epoch(), s);
    assert_eq!(tail.end_epoch(), s + 10);
    assert_eq!(system.used_capacity_at(s + 9), ENCODED_A);
    blob::destroy_storage(&mut system, tail);
    assert_eq!(system.used_capacity(), used_before);
    assert_eq!(system.used_capacity_at(s + 9), 0);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidSplitEpoch)]
fun split_by_epoch_at_start_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let mut storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let other = storage.split_by_epoch(tu::start_epoch(), scenario.ctx());
    blob::destroy_storage(&mut system, other);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidSplitSize)]
fun split_by_size_zero_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let mut storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let other = storage.split_by_size(0, scenario.ctx());
    blob::destroy_storage(&mut system, other);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EIncompatibleStorage)]
fun fuse_incompatible_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let mut first = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let second = tu::reserve(&mut scenario, &mut system, 0, 5);
    first.fuse(second);
    blob::destroy_storage(&mut system, first);
    stop(scenario, clock, caps, system, registry);
}

// === Capacity per epoch (issue 12, hole 2) ===

/// Storage that ends frees its capacity at its end; nobody has to destroy it.
#[test]
fun ended_storage_frees_capacity_without_destroy() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let s = tu::start_epoch();
    system.set_total_capacity_for_testing(2 * ENCODED_A);
    let first = tu::reserve(&mut scenario, &mut system, tu::size_a(), 1);
    let second = tu::reserve(&mut scenario, &mut system, tu::size_a(), 1);
    assert_eq!(system.used_capacity(), 2 * ENCODED_A);
    floe::system::set_epoch_for_testing(&mut system, s + 1);
    assert_eq!(system.used_capacity(), 0);
    assert_eq!(system.used_capacity_at(s), 0);
    // All of it can be sold again, for the longest time allowed.
    let max = system.max_epochs_ahead();
    let again = tu::reserve(&mut scenario, &mut system, tu::size_a(), max);
    let more = tu::reserve(&mut scenario, &mut system, tu::size_a(), max);
    assert_eq!(system.used_capacity_at(s + max), 2 * ENCODED_A);
    // Destroying the ended storage now gives back nothing: no double free.
    blob::destroy_storage(&mut system, first);
    blob::destroy_storage(&mut system, second);
    assert_eq!(system.used_capacity(), 2 * ENCODED_A);
    assert_eq!(system.used_capacity_at(s + max), 2 * ENCODED_A);
    destroy(again);
    destroy(more);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::system::ECapacityExceeded)]
fun reserving_a_full_epoch_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    system.set_total_capacity_for_testing(2 * ENCODED_A);
    let first = tu::reserve(&mut scenario, &mut system, tu::size_a(), 1);
    let second = tu::reserve(&mut scenario, &mut system, tu::size_a(), 1);
    let third = tu::reserve(&mut scenario, &mut system, tu::size_a(), 1);
    destroy(first);
    destroy(second);
    destroy(third);
    stop(scenario, clock, caps, system, registry);
}

/// A reservation is checked in every epoch it covers, not only the current one.
#[test, expected_failure(abort_code = floe::system::ECapacityExceeded)]
fun reserving_over_a_full_later_epoch_aborts() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let s = tu::start_epoch();
    system.set_total_capacity_for_testing(ENCODED_A);
    // Epochs s + 3.. are held by the later half of a split reservation.
    let mut head = tu::reserve(&mut scenario, &mut system, tu::size_a(), 6);
    let tail = head.split_by_epoch(s + 3, scenario.ctx());
    blob::destroy_storage(&mut system, head);
    assert_eq!(system.used_capacity(), 0);
    assert_eq!(system.used_capacity_at(s + 3), ENCODED_A);
    let over = tu::reserve(&mut scenario, &mut system, tu::size_a(), 4);
    destroy(tail);
    destroy(over);
    stop(scenario, clock, caps, system, registry);
}

/// Destroying storage early gives back exactly the epochs it still covers.
#[test]
fun destroy_unended_storage_releases_remaining_epochs() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let s = tu::start_epoch();
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 5);
    floe::system::set_epoch_for_testing(&mut system, s + 2);
    assert_eq!(system.used_capacity(), ENCODED_A);
    blob::destroy_storage(&mut system, storage);
    assert_eq!(system.used_capacity(), 0);
    assert_eq!(system.used_capacity_at(s + 4), 0);
    assert_eq!(system.future_capacity_entries_for_testing(), 0);
    stop(scenario, clock, caps, system, registry);
}

/// Splitting, fusing and destroying every piece frees each byte-epoch once: another user's
/// reservation over the same epochs is untouched (a double free would eat into it).
#[test]
fun pieces_free_capacity_exactly_once() {
    let (mut scenario, clock, caps, mut system, registry) = start();
    let s = tu::start_epoch();
    let victim = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let mut storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let mut later = storage.split_by_epoch(s + 5, scenario.ctx());
    let part = later.split_by_size(1_000, scenario.ctx());
    // The early piece gives back epochs s..s + 5 only.
    blob::destroy_storage(&mut system, storage);
    assert_eq!(system.used_capacity_at(s + 4), ENCODED_A);
    assert_eq!(system.used_capacity_at(s + 5), 2 * ENCODED_A);
    // Epochs later, the two later pieces are fused back and destroyed: the epochs left are
    // given back once.
    floe::system::set_epoch_for_testing(&mut system, s + 6);
    later.fuse(part);
    assert_eq!(later.storage_size(), ENCODED_A);
    blob::destroy_storage(&mut system, later);
    let mut e = s + 6;
    while (e < s + 10) {
        assert_eq!(system.used_capacity_at(e), ENCODED_A);
        e = e + 1;
    };
    assert_eq!(system.used_capacity_at(s + 5), 0);
    blob::destroy_storage(&mut system, victim);
    assert_eq!(system.used_capacity(), 0);
    assert_eq!(system.future_capacity_entries_for_testing(), 0);
    stop(scenario, clock, caps, system, registry);
}

/// Extending a blob with payment reserves the added epochs.
#[test]
fun extend_with_payment_reserves_added_epochs() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let s = tu::start_epoch();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    assert_eq!(system.used_capacity_at(s + 5), 0);
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    blob::extend_blob_with_payment(&mut system, &mut registry, &mut blob, 3, &mut payment);
    assert_eq!(system.used_capacity_at(s + 7), ENCODED_A);
    assert_eq!(system.used_capacity_at(s + 8), 0);
    // Deleting it and destroying its storage gives all of it back.
    let storage = blob::delete_blob(&system, &mut registry, blob);
    blob::destroy_storage(&mut system, storage);
    assert_eq!(system.used_capacity(), 0);
    assert_eq!(system.future_capacity_entries_for_testing(), 0);
    destroy(payment);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::system::ECapacityExceeded)]
fun extend_with_payment_into_full_epochs_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    let other = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    // Epoch s + 5 holds `other`; one encoded size is all there is now.
    system.set_total_capacity_for_testing(ENCODED_A);
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    blob::extend_blob_with_payment(&mut system, &mut registry, &mut blob, 1, &mut payment);
    destroy(payment);
    destroy(other);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

// === Registration ===

#[test]
fun register_blob_records_the_blob() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let write_price = system.write_price_per_mib();
    let mut payment = tu::wal_coin(&mut scenario, 10 * write_price);
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 5);
    let blob = blob::register_blob(
        &mut system,
        &mut registry,
        storage,
        tu::blob_id_a(),
        tu::root_a(),
        tu::size_a(),
        1,
        true,
        &mut payment,
        scenario.ctx(),
    );
    assert_eq!(payment.value(), 9 * write_price);
    assert_eq!(blob.blob_id(), tu::blob_id_a());
    assert_eq!(blob.root_hash(), tu::root_a());
    assert_eq!(blob.size(), tu::size_a());
    assert_eq!(blob.encoding_type(), 1);
    assert_eq!(blob.registered_epoch(), tu::start_epoch());
    assert_eq!(blob.certified_epoch(), option::none());
    assert!(!blob.is_blob_certified());
    assert!(blob.is_deletable());
    assert_eq!(blob.storage().end_epoch(), tu::start_epoch() + 5);
    assert_eq!(registry.total_registered(), 1);
    assert!(!registry.is_certified(tu::blob_id_a()));
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidEncodingType)]
fun register_wrong_encoding_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 5);
    let blob = blob::register_blob(
        &mut system,
        &mut registry,
        storage,
        tu::blob_id_a(),
        tu::root_a(),
        tu::size_a(),
        2,
        true,
        &mut payment,
        scenario.ctx(),
    );
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidBlobId)]
fun register_wrong_blob_id_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 5);
    let blob = blob::register_blob(
        &mut system,
        &mut registry,
        storage,
        tu::blob_id_b(),
        tu::root_a(),
        tu::size_a(),
        1,
        true,
        &mut payment,
        scenario.ctx(),
    );
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EStorageNotCurrent)]
fun register_on_ended_storage_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 2);
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 2);
    let blob = blob::register_blob(
        &mut system,
        &mut registry,
        storage,
        tu::blob_id_a(),
        tu::root_a(),
        tu::size_a(),
        1,
        true,
        &mut payment,
        scenario.ctx(),
    );
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EStorageTooSmall)]
fun register_on_small_storage_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    let storage = tu::reserve(&mut scenario, &mut system, 0, 5);
    let blob = blob::register_blob(
        &mut system,
        &mut registry,
        storage,
        tu::blob_id_a(),
        tu::root_a(),
        tu::size_a(),
        1,
        true,
        &mut payment,
        scenario.ctx(),
    );
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInsufficientPayment)]
fun register_unpaid_write_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut payment = tu::wal_coin(&mut scenario, 0);
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 5);
    let blob = blob::register_blob(
        &mut system,
        &mut registry,
        storage,
        tu::blob_id_a(),
        tu::root_a(),
        tu::size_a(),
        1,
        true,
        &mut payment,
        scenario.ctx(),
    );
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EBlobTooLarge)]
fun register_too_large_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    let storage = tu::reserve(&mut scenario, &mut system, tu::size_a(), 5);
    let blob = blob::register_blob(
        &mut system,
        &mut registry,
        storage,
        blob::compute_blob_id(1, 983_011, tu::root_a()),
        tu::root_a(),
        983_011,
        1,
        true,
        &mut payment,
        scenario.ctx(),
    );
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

// === Certification and the registry ===

#[test]
fun certify_blob_makes_it_live() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let s = tu::start_epoch();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    tu::certify_a(&system, &mut registry, &mut blob);
    assert!(blob.is_blob_certified());
    assert_eq!(blob.certified_epoch(), option::some(s));
    assert!(registry.is_certified(tu::blob_id_a()));
    assert_eq!(registry.certified_count(), 1);
    let (blob_id, root_hash, end_epoch) = registry.certified_at(0);
    assert_eq!(blob_id, tu::blob_id_a());
    assert_eq!(root_hash, tu::root_a());
    assert_eq!(end_epoch, s + 5);
    assert_eq!(registry.root_hash_of(tu::blob_id_a()), tu::root_a());
    assert_eq!(registry.size_of(tu::blob_id_a()), tu::size_a());
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), s + 5);
    assert_eq!(registry.reference_count(tu::blob_id_a()), 1);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EAlreadyCertified)]
fun certify_twice_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    tu::certify_a(&system, &mut registry, &mut blob);
    tu::certify_a(&system, &mut registry, &mut blob);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EBlobExpired)]
fun certify_expired_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 2, true);
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 2);
    tu::certify_a(&system, &mut registry, &mut blob);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::system::EInvalidSignature)]
fun certify_with_wrong_signer_set_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    // Signed by members 0, 1, 3 but claimed for 0, 1, 2.
    blob::certify_blob(&system, &mut registry, &mut blob, vector[0, 1, 2], tu::sig_a_e1_signers_013());
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test]
fun certify_with_other_quorum() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    // Members 0, 1, 3 hold 5 of 7 shards = 2f + 1.
    blob::certify_blob(&system, &mut registry, &mut blob, vector[0, 1, 3], tu::sig_a_e1_signers_013());
    assert!(registry.is_certified(tu::blob_id_a()));
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test]
fun same_blob_id_stays_live_until_last_reference() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let s = tu::start_epoch();
    let mut first = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    tu::certify_a(&system, &mut registry, &mut first);
    let mut second = tu::register_a(&mut scenario, &mut system, &mut registry, 8, true);
    tu::certify_a(&system, &mut registry, &mut second);
    assert_eq!(registry.certified_count(), 1);
    assert_eq!(registry.reference_count(tu::blob_id_a()), 2);
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), s + 8);
    let storage = blob::delete_blob(&system, &mut registry, second);
    assert_eq!(storage.end_epoch(), s + 8);
    assert!(registry.is_certified(tu::blob_id_a()));
    assert_eq!(registry.reference_count(tu::blob_id_a()), 1);
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), s + 5);
    blob::destroy_storage(&mut system, storage);
    let storage = blob::delete_blob(&system, &mut registry, first);
    assert!(!registry.is_certified(tu::blob_id_a()));
    assert_eq!(registry.certified_count(), 0);
    assert_eq!(registry.reference_count(tu::blob_id_a()), 0);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

/// Copies of one blob ID are counted per end epoch, not listed one by one (the registry
/// entry used to grow by one end epoch per copy and be scanned linearly), and references
/// that ended are dropped when another copy is certified.
#[test]
fun copies_are_counted_per_end_epoch() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let s = tu::start_epoch();
    let mut copies = vector[];
    let mut k = 0;
    while (k < 5) {
        let mut blob_copy = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
        tu::certify_a(&system, &mut registry, &mut blob_copy);
        copies.push_back(blob_copy);
        k = k + 1;
    };
    let mut short = tu::register_a(&mut scenario, &mut system, &mut registry, 1, true);
    tu::certify_a(&system, &mut registry, &mut short);
    assert_eq!(registry.reference_count(tu::blob_id_a()), 6);
    assert_eq!(blob::end_epoch_count_for_testing(&registry, tu::blob_id_a()), 2);
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), s + 5);
    // `short` has ended: certifying another copy drops its reference.
    floe::system::set_epoch_for_testing(&mut system, s + 1);
    let mut late = tu::register_a(&mut scenario, &mut system, &mut registry, 2, true);
    tu::certify_a(&system, &mut registry, &mut late);
    assert_eq!(registry.reference_count(tu::blob_id_a()), 6);
    assert_eq!(blob::end_epoch_count_for_testing(&registry, tu::blob_id_a()), 2);
    // Deleting one of the five copies ending at s + 5 counts it down.
    let storage = blob::delete_blob(&system, &mut registry, copies.pop_back());
    assert_eq!(registry.reference_count(tu::blob_id_a()), 5);
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), s + 5);
    destroy(storage);
    destroy(copies);
    destroy(short);
    destroy(late);
    stop(scenario, clock, caps, system, registry);
}

#[test]
fun registry_swap_removes() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut a = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    tu::certify_a(&system, &mut registry, &mut a);
    let mut b = tu::register_b(&mut scenario, &mut system, &mut registry, 5, true);
    tu::certify_b(&system, &mut registry, &mut b);
    // An uncertified blob with A's ID does not touch the registry.
    let c = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    assert_eq!(registry.certified_count(), 2);
    let (first, _, _) = registry.certified_at(0);
    let (second, _, _) = registry.certified_at(1);
    assert_eq!(first, tu::blob_id_a());
    assert_eq!(second, tu::blob_id_b());
    let storage_c = blob::delete_blob(&system, &mut registry, c);
    assert_eq!(registry.reference_count(tu::blob_id_a()), 1);
    let storage_a = blob::delete_blob(&system, &mut registry, a);
    assert_eq!(registry.certified_count(), 1);
    let (moved, root, _) = registry.certified_at(0);
    assert_eq!(moved, tu::blob_id_b());
    assert_eq!(root, tu::root_b());
    assert_eq!(registry.root_hash_of(tu::blob_id_b()), tu::root_b());
    assert_eq!(registry.size_of(tu::blob_id_b()), tu::size_b());
    let storage_b = blob::delete_blob(&system, &mut registry, b);
    assert_eq!(registry.certified_count(), 0);
    assert_eq!(registry.total_registered(), 3);
    blob::destroy_storage(&mut system, storage_a);
    blob::destroy_storage(&mut system, storage_b);
    blob::destroy_storage(&mut system, storage_c);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EIndexOutOfRange)]
fun certified_at_out_of_range_aborts() {
    let (scenario, clock, caps, system, registry) = start();
    let (_, _, _) = registry.certified_at(0);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::ENotCertified)]
fun root_hash_of_unknown_aborts() {
    let (scenario, clock, caps, system, registry) = start();
    let _ = registry.root_hash_of(tu::blob_id_a());
    stop(scenario, clock, caps, system, registry);
}

// === Extension ===

#[test]
fun extend_blob_with_storage() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let s = tu::start_epoch();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    tu::certify_a(&system, &mut registry, &mut blob);
    let mut head = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let tail = head.split_by_epoch(s + 5, scenario.ctx());
    blob::extend_blob(&system, &mut registry, &mut blob, tail);
    assert_eq!(blob.storage().end_epoch(), s + 10);
    assert_eq!(blob.storage().start_epoch(), s);
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), s + 10);
    blob::destroy_storage(&mut system, head);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EExtensionNotContiguous)]
fun extend_with_overlapping_storage_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    let extension = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    blob::extend_blob(&system, &mut registry, &mut blob, extension);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EExtensionSizeMismatch)]
fun extend_with_smaller_storage_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    let mut head = tu::reserve(&mut scenario, &mut system, 0, 10);
    let tail = head.split_by_epoch(tu::start_epoch() + 5, scenario.ctx());
    blob::extend_blob(&system, &mut registry, &mut blob, tail);
    blob::destroy_storage(&mut system, head);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EBlobExpired)]
fun extend_expired_blob_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    let mut head = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let tail = head.split_by_epoch(tu::start_epoch() + 5, scenario.ctx());
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 5);
    blob::extend_blob(&system, &mut registry, &mut blob, tail);
    blob::destroy_storage(&mut system, head);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidEpochsAhead)]
fun extend_too_far_ahead_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    let mut head = tu::reserve(&mut scenario, &mut system, tu::size_a(), 10);
    let tail = head.split_by_epoch(tu::start_epoch() + 5, scenario.ctx());
    let admin_cap = scenario.take_from_sender<AdminCap>();
    system.set_max_epochs_ahead(&admin_cap, 5);
    scenario.return_to_sender(admin_cap);
    blob::extend_blob(&system, &mut registry, &mut blob, tail);
    blob::destroy_storage(&mut system, head);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test]
fun extend_blob_with_payment_charges() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let s = tu::start_epoch();
    let price = system.storage_price_per_mib_epoch();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    tu::certify_a(&system, &mut registry, &mut blob);
    let mut payment = tu::wal_coin(&mut scenario, 10 * price);
    blob::extend_blob_with_payment(&mut system, &mut registry, &mut blob, 3, &mut payment);
    assert_eq!(payment.value(), 7 * price);
    assert_eq!(blob.storage().end_epoch(), s + 8);
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), s + 8);
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInvalidEpochsAhead)]
fun extend_with_payment_zero_epochs_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    blob::extend_blob_with_payment(&mut system, &mut registry, &mut blob, 0, &mut payment);
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EBlobExpired)]
fun extend_with_payment_expired_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 5);
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    blob::extend_blob_with_payment(&mut system, &mut registry, &mut blob, 1, &mut payment);
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EInsufficientPayment)]
fun extend_with_payment_underpaid_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    let mut payment = tu::wal_coin(&mut scenario, 0);
    blob::extend_blob_with_payment(&mut system, &mut registry, &mut blob, 1, &mut payment);
    destroy(payment);
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

// === Deletion and expiry ===

#[test]
fun delete_blob_returns_storage() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let used_before = system.used_capacity();
    let blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    let storage = blob::delete_blob(&system, &mut registry, blob);
    assert_eq!(storage.storage_size(), ENCODED_A);
    assert_eq!(storage.end_epoch(), tu::start_epoch() + 5);
    // The storage can carry the blob again.
    let mut payment = tu::wal_coin(&mut scenario, 1_000_000_000);
    let again = blob::register_blob(
        &mut system,
        &mut registry,
        storage,
        tu::blob_id_a(),
        tu::root_a(),
        tu::size_a(),
        1,
        true,
        &mut payment,
        scenario.ctx(),
    );
    let storage = blob::delete_blob(&system, &mut registry, again);
    blob::destroy_storage(&mut system, storage);
    assert_eq!(system.used_capacity(), used_before);
    destroy(payment);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::ENotDeletable)]
fun delete_permanent_blob_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, false);
    let storage = blob::delete_blob(&system, &mut registry, blob);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EBlobExpired)]
fun delete_expired_blob_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 5);
    let storage = blob::delete_blob(&system, &mut registry, blob);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

#[test]
fun destroy_expired_releases_everything() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let used_before = system.used_capacity();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, false);
    tu::certify_a(&system, &mut registry, &mut blob);
    assert_eq!(system.used_capacity(), used_before + ENCODED_A);
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 5);
    blob::destroy_expired(&mut system, &mut registry, blob);
    assert!(!registry.is_certified(tu::blob_id_a()));
    assert_eq!(system.used_capacity(), used_before);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EBlobNotExpired)]
fun destroy_live_blob_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, false);
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 4);
    blob::destroy_expired(&mut system, &mut registry, blob);
    stop(scenario, clock, caps, system, registry);
}

#[test]
fun prune_expired_then_destroy() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut short = tu::register_a(&mut scenario, &mut system, &mut registry, 2, false);
    tu::certify_a(&system, &mut registry, &mut short);
    let mut long = tu::register_a(&mut scenario, &mut system, &mut registry, 6, false);
    tu::certify_a(&system, &mut registry, &mut long);
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 2);
    // Only the reference of `short` has ended.
    blob::prune_expired(&system, &mut registry, tu::blob_id_a());
    assert_eq!(registry.reference_count(tu::blob_id_a()), 1);
    assert_eq!(registry.end_epoch_of(tu::blob_id_a()), tu::start_epoch() + 6);
    // Destroying the pruned blob later leaves the live reference alone.
    blob::destroy_expired(&mut system, &mut registry, short);
    assert_eq!(registry.reference_count(tu::blob_id_a()), 1);
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 6);
    blob::prune_expired(&system, &mut registry, tu::blob_id_a());
    assert!(!registry.is_certified(tu::blob_id_a()));
    blob::destroy_expired(&mut system, &mut registry, long);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::ENothingToPrune)]
fun prune_live_blob_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    tu::certify_a(&system, &mut registry, &mut blob);
    blob::prune_expired(&system, &mut registry, tu::blob_id_a());
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::ENotCertified)]
fun prune_unknown_blob_aborts() {
    let (scenario, clock, caps, system, mut registry) = start();
    blob::prune_expired(&system, &mut registry, tu::blob_id_a());
    stop(scenario, clock, caps, system, registry);
}

// === Attributes ===

fun text(bytes: vector<u8>): String { utf8(bytes) }

/// A string of `n` bytes.
fun long(n: u64): String {
    let mut bytes = vector[];
    n.do!(|_| bytes.push_back(97u8));
    utf8(bytes)
}

/// Attributes are set, replaced (the key moves last), read, removed one by one and cleared;
/// a blob that carries attributes can still be deleted.
#[test]
fun attributes_set_replace_remove_and_clear() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    assert_eq!(blob.attribute_keys(), vector[]);
    assert!(blob.attribute(text(b"content-type")).is_none());
    blob.set_attribute(text(b"content-type"), text(b"text/plain"));
    blob.set_attribute(text(b"filename"), text(b"notes.txt"));
    blob.set_attribute(text(b"content-type"), text(b"text/markdown"));
    assert_eq!(blob.attribute_keys(), vector[text(b"filename"), text(b"content-type")]);
    assert_eq!(blob.attribute(text(b"content-type")), option::some(text(b"text/markdown")));
    // The limits themselves are allowed.
    blob.set_attribute(long(128), long(1_024));
    blob.remove_attribute(text(b"filename"));
    assert!(blob.attribute(text(b"filename")).is_none());
    assert_eq!(blob.attribute_keys().length(), 2);
    blob.clear_attributes();
    assert_eq!(blob.attribute_keys(), vector[]);
    // Clearing a blob without attributes does nothing.
    blob.clear_attributes();
    blob.set_attribute(text(b"k"), text(b""));
    assert_eq!(blob.attribute(text(b"k")), option::some(text(b"")));
    let storage = blob::delete_blob(&system, &mut registry, blob);
    blob::destroy_storage(&mut system, storage);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EAttributeTooLarge)]
fun empty_attribute_key_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    blob.set_attribute(text(b""), text(b"v"));
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EAttributeTooLarge)]
fun attribute_key_over_128_bytes_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    blob.set_attribute(long(129), text(b"v"));
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EAttributeTooLarge)]
fun attribute_value_over_1024_bytes_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    blob.set_attribute(text(b"k"), long(1_025));
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

/// 64 attributes fit, replacing one of them still works, a 65th aborts.
#[test, expected_failure(abort_code = floe::blob::ETooManyAttributes)]
fun a_65th_attribute_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    64u64.do!(|k| blob.set_attribute(long(k + 1), text(b"v")));
    blob.set_attribute(long(1), text(b"w"));
    blob.set_attribute(long(65), text(b"v"));
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EAttributeNotFound)]
fun removing_from_a_blob_without_attributes_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    blob.remove_attribute(text(b"k"));
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

#[test, expected_failure(abort_code = floe::blob::EAttributeNotFound)]
fun removing_an_unknown_attribute_aborts() {
    let (mut scenario, clock, caps, mut system, mut registry) = start();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 5, true);
    blob.set_attribute(text(b"k"), text(b"v"));
    blob.remove_attribute(text(b"other"));
    destroy(blob);
    stop(scenario, clock, caps, system, registry);
}

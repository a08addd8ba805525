#[test_only]
module floe::model_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::events::{
    ModelDescriptionUpdated,
    ModelOwnerChanged,
    ModelRegistered,
    ModelRevenueWithdrawn,
    ModelVersionPublished
};
use floe::floe_test_utils as tu;
use floe::model::{Self, Model, ModelCap};
use floe::system::{Self, System};
use floe::wal::WAL;
use std::string::{String, utf8};
use std::unit_test::{assert_eq, destroy};
use sui::balance;
use sui::clock::Clock;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const SELLER: address = @0xA11CE;
const OTHER: address = @0xB0B;

const NOW_MS: u64 = 1_700_000_000_000;

// === Helpers ===

/// A string of `n` 'a's.
fun long_string(n: u64): String {
    let mut bytes = vector[];
    let mut i = 0;
    while (i < n) {
        bytes.push_back(97u8);
        i = i + 1;
    };
    utf8(bytes)
}

/// Blob ID of the test vectors' blob A (`floe_test_utils`).
fun blob_a(): u256 { tu::blob_id_a() }

/// Blob ID of the test vectors' blob B.
fun blob_b(): u256 { tu::blob_id_b() }

/// A 7-shard system with a committee (`floe_test_utils::setup`), a clock at NOW_MS, real
/// certified `Blob` objects of blobs A and B (2 epochs) owned by SELLER, and a model
/// registered by SELLER (cap in SELLER's account). The next transaction is SELLER's.
fun setup(): (Scenario, Clock, ID) {
    let (mut scenario, mut clock, node_caps) = tu::setup();
    // The committee's keys live in the System; the node caps are not needed here.
    destroy(node_caps);
    clock.set_for_testing(NOW_MS);
    let _ = store_blob(&mut scenario, SELLER, blob_a(), 2, true);
    let _ = store_blob(&mut scenario, SELLER, blob_b(), 2, true);
    scenario.next_tx(SELLER);
    let cap = model::register_model(utf8(b"floe-llm"), utf8(b"a small model"), scenario.ctx());
    let model_id = model::cap_model_id(&cap);
    transfer::public_transfer(cap, SELLER);
    scenario.next_tx(SELLER);
    (scenario, clock, model_id)
}

/// `owner` stores blob A or B (`blob_id`) for `epochs` epochs: reserves storage, registers a
/// `Blob` (its own object, whoever else stored the same bytes) and, if `certify`, certifies
/// it with the committee's signature. The `Blob` goes to `owner`; returns its object ID.
fun store_blob(
    scenario: &mut Scenario,
    owner: address,
    blob_id: u256,
    epochs: u64,
    certify: bool,
): ID {
    scenario.next_tx(owner);
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut stored = if (blob_id == blob_a()) {
        tu::register_a(scenario, &mut system, &mut registry, epochs, false)
    } else {
        tu::register_b(scenario, &mut system, &mut registry, epochs, false)
    };
    if (certify) {
        if (blob_id == blob_a()) tu::certify_a(&system, &mut registry, &mut stored)
        else tu::certify_b(&system, &mut registry, &mut stored);
    };
    let object_id = object::id(&stored);
    transfer::public_transfer(stored, owner);
    ts::return_shared(system);
    ts::return_shared(registry);
    object_id
}

/// The sender's `Blob` object with blob ID `blob_id` (the first found).
fun sender_blob(scenario: &Scenario, blob_id: u256): Blob {
    let ids = scenario.ids_for_sender<Blob>();
    let mut i = 0;
    while (i < ids.length()) {
        let candidate = scenario.take_from_sender_by_id<Blob>(ids[i]);
        if (candidate.blob_id() == blob_id) return candidate;
        scenario.return_to_sender(candidate);
        i = i + 1;
    };
    abort 999
}

fun finish(scenario: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}

/// Publishes a version of the model as the sender, with the sender's `Blob` of `blob_id`;
/// returns its number.
fun publish(scenario: &mut Scenario, clock: &Clock, model_id: ID, blob_id: u256): u64 {
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let system = scenario.take_shared<System>();
    let stored = sender_blob(scenario, blob_id);
    let number = model::publish_version(
        &mut m,
        &cap,
        &system,
        &stored,
        utf8(b"transformer-7b"),
        x"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
        vector[utf8(b"accuracy_bps"), utf8(b"f1_bps")],
        vector[9_100, 8_750],
        clock,
        scenario.ctx(),
    );
    ts::return_shared(m);
    ts::return_shared(system);
    scenario.return_to_sender(stored);
    scenario.return_to_sender(cap);
    number
}

/// Publishes with the given architecture, hash and metrics (for abort tests).
fun publish_with(
    scenario: &mut Scenario,
    clock: &Clock,
    model_id: ID,
    blob_id: u256,
    architecture: String,
    dataset_hash: vector<u8>,
    metric_names: vector<String>,
    metric_values: vector<u64>,
): u64 {
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let system = scenario.take_shared<System>();
    let stored = sender_blob(scenario, blob_id);
    let number = model::publish_version(
        &mut m,
        &cap,
        &system,
        &stored,
        architecture,
        dataset_hash,
        metric_names,
        metric_values,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(m);
    ts::return_shared(system);
    scenario.return_to_sender(stored);
    scenario.return_to_sender(cap);
    number
}

// === register_model ===

#[test]
fun register_model_shares_model_and_returns_cap() {
    let mut scenario = ts::begin(SELLER);
    let cap = model::register_model(utf8(b"floe-llm"), utf8(b"a small model"), scenario.ctx());
    assert_eq!(event::events_by_type<ModelRegistered>().length(), 1);
    let model_id = model::cap_model_id(&cap);
    let cap_id = object::id(&cap);
    transfer::public_transfer(cap, SELLER);
    scenario.next_tx(SELLER);

    let m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    assert_eq!(object::id(&cap), cap_id);
    assert_eq!(model::cap_id(&m), cap_id);
    assert_eq!(model::owner(&m), SELLER);
    assert_eq!(model::name(&m), utf8(b"floe-llm"));
    assert_eq!(model::description(&m), utf8(b"a small model"));
    assert_eq!(model::version_count(&m), 0);
    assert_eq!(model::revenue(&m), 0);
    assert_eq!(model::total_revenue(&m), 0);
    assert_eq!(model::id_bytes(&m), object::id_to_bytes(&model_id));
    assert!(!model::has_version(&m, 1));
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    scenario.end();
}

#[test]
fun register_model_accepts_limits() {
    let mut scenario = ts::begin(SELLER);
    let cap = model::register_model(long_string(128), long_string(4096), scenario.ctx());
    destroy(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::model::EEmptyName)]
fun register_model_empty_name_aborts() {
    let mut scenario = ts::begin(SELLER);
    let cap = model::register_model(utf8(b""), utf8(b"d"), scenario.ctx());
    destroy(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::model::ENameTooLong)]
fun register_model_name_too_long_aborts() {
    let mut scenario = ts::begin(SELLER);
    let cap = model::register_model(long_string(129), utf8(b"d"), scenario.ctx());
    destroy(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::model::EDescriptionTooLong)]
fun register_model_description_too_long_aborts() {
    let mut scenario = ts::begin(SELLER);
    let cap = model::register_model(utf8(b"n"), long_string(4097), scenario.ctx());
    destroy(cap);
    scenario.end();
}

// === publish_version ===

#[test]
fun publish_version_numbers_from_one_and_keeps_versions() {
    let (mut scenario, mut clock, model_id) = setup();
    let first = publish(&mut scenario, &clock, model_id, blob_a());
    assert_eq!(first, 1);
    assert_eq!(event::events_by_type<ModelVersionPublished>().length(), 1);
    scenario.next_tx(SELLER);
    clock.increment_for_testing(5_000);
    let second = publish_with(
        &mut scenario,
        &clock,
        model_id,
        blob_b(),
        utf8(b"moe-8x7b"),
        vector[],
        vector[],
        vector[],
    );
    assert_eq!(second, 2);
    scenario.next_tx(OTHER);

    let m = scenario.take_shared_by_id<Model>(model_id);
    assert_eq!(model::version_count(&m), 2);
    assert!(model::has_version(&m, 1));
    assert!(model::has_version(&m, 2));
    assert!(!model::has_version(&m, 3));

    let v1 = model::version(&m, 1);
    assert_eq!(model::version_number(v1), 1);
    assert_eq!(model::version_blob_id(v1), blob_a());
    assert_eq!(model::version_architecture(v1), utf8(b"transformer-7b"));
    let hash = model::version_dataset_hash(v1);
    assert_eq!(hash.length(), 32);
    let metrics = model::version_metrics(v1);
    assert_eq!(metrics.length(), 2);
    assert_eq!(*metrics.get(&utf8(b"accuracy_bps")), 9_100);
    assert_eq!(*metrics.get(&utf8(b"f1_bps")), 8_750);
    assert_eq!(model::version_published_at_ms(v1), NOW_MS);
    assert_eq!(model::version_publisher(v1), SELLER);

    let v2 = model::version(&m, 2);
    assert_eq!(model::version_number(v2), 2);
    assert_eq!(model::version_blob_id(v2), blob_b());
    assert_eq!(model::version_architecture(v2), utf8(b"moe-8x7b"));
    let metrics2 = model::version_metrics(v2);
    assert!(metrics2.is_empty());
    assert_eq!(model::version_published_at_ms(v2), NOW_MS + 5_000);
    ts::return_shared(m);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun publish_version_wrong_cap_aborts() {
    let (mut scenario, clock, model_id) = setup();
    // A second model; its cap must not publish to the first.
    let other_cap = model::register_model(utf8(b"other"), utf8(b""), scenario.ctx());
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let system = scenario.take_shared<System>();
    let stored = sender_blob(&scenario, blob_a());
    let number = model::publish_version(
        &mut m,
        &other_cap,
        &system,
        &stored,
        utf8(b"a"),
        vector[],
        vector[],
        vector[],
        &clock,
        scenario.ctx(),
    );
    assert_eq!(number, 1);
    ts::return_shared(m);
    ts::return_shared(system);
    scenario.return_to_sender(stored);
    destroy(other_cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EBlobNotCertified)]
fun publish_version_uncertified_blob_aborts() {
    let (mut scenario, clock, model_id) = setup();
    // A second model whose seller registered blob A but never had it certified.
    scenario.next_tx(OTHER);
    let cap = model::register_model(utf8(b"uncertified"), utf8(b""), scenario.ctx());
    let other_model = model::cap_model_id(&cap);
    transfer::public_transfer(cap, OTHER);
    let _ = store_blob(&mut scenario, OTHER, blob_a(), 2, false);
    scenario.next_tx(OTHER);
    publish(&mut scenario, &clock, other_model, blob_a());
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EBlobExpired)]
fun publish_version_expired_blob_aborts() {
    let (mut scenario, clock, model_id) = setup();
    // SELLER's blobs were stored for 2 epochs: move the system to the epoch they end at.
    {
        let mut system = scenario.take_shared<System>();
        let ends = system.epoch() + 2;
        system::set_epoch_for_testing(&mut system, ends);
        ts::return_shared(system);
    };
    scenario.next_tx(SELLER);
    publish(&mut scenario, &clock, model_id, blob_a());
    finish(scenario, clock);
}

#[test]
fun publish_version_in_the_last_epoch_of_the_blob_succeeds() {
    let (mut scenario, clock, model_id) = setup();
    {
        let mut system = scenario.take_shared<System>();
        let last = system.epoch() + 1;
        system::set_epoch_for_testing(&mut system, last);
        ts::return_shared(system);
    };
    scenario.next_tx(SELLER);
    assert_eq!(publish(&mut scenario, &clock, model_id, blob_a()), 1);
    finish(scenario, clock);
}

/// Issue 12, hole 3: a stranger cannot claim the seller's blob. Publishing takes the `Blob`
/// object, and the stranger's account does not hold the seller's (a transaction naming
/// someone else's owned object is refused before it runs). Its only path is to store the same
/// bytes itself, which yields its own `Blob` object: its version records that object, the
/// seller's version keeps recording the seller's, so nothing confuses the two copies.
#[test]
fun publish_version_claims_only_the_publishers_own_blob_object() {
    let (mut scenario, clock, model_id) = setup();
    assert_eq!(publish(&mut scenario, &clock, model_id, blob_a()), 1);
    scenario.next_tx(SELLER);
    let seller_blob = {
        let stored = sender_blob(&scenario, blob_a());
        let id = object::id(&stored);
        scenario.return_to_sender(stored);
        id
    };

    // The stranger has a model but none of the seller's objects: nothing to pass.
    scenario.next_tx(OTHER);
    let cap = model::register_model(utf8(b"copycat"), utf8(b""), scenario.ctx());
    let copycat = model::cap_model_id(&cap);
    transfer::public_transfer(cap, OTHER);
    scenario.next_tx(OTHER);
    assert!(ts::ids_for_address<Blob>(SELLER).contains(&seller_blob));
    assert!(!ts::ids_for_address<Blob>(OTHER).contains(&seller_blob));
    let strangers_blobs = scenario.ids_for_sender<Blob>();
    assert!(strangers_blobs.is_empty());

    // Storing the same bytes again (paying for storage) gives the stranger its own object.
    let own_blob = store_blob(&mut scenario, OTHER, blob_a(), 2, true);
    assert!(own_blob != seller_blob);
    scenario.next_tx(OTHER);
    assert_eq!(publish(&mut scenario, &clock, copycat, blob_a()), 1);
    scenario.next_tx(OTHER);

    let copycat_model = scenario.take_shared_by_id<Model>(copycat);
    let copied = model::version(&copycat_model, 1);
    assert_eq!(model::version_blob_id(copied), blob_a());
    assert_eq!(model::version_blob_object_id(copied), own_blob);
    assert_eq!(model::version_publisher(copied), OTHER);
    let original = scenario.take_shared_by_id<Model>(model_id);
    let v1 = model::version(&original, 1);
    assert_eq!(model::version_blob_object_id(v1), seller_blob);
    assert_eq!(model::version_publisher(v1), SELLER);
    ts::return_shared(copycat_model);
    ts::return_shared(original);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EArchitectureTooLong)]
fun publish_version_architecture_too_long_aborts() {
    let (mut scenario, clock, model_id) = setup();
    publish_with(
        &mut scenario,
        &clock,
        model_id,
        blob_a(),
        long_string(129),
        vector[],
        vector[],
        vector[],
    );
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EDatasetHashTooLong)]
fun publish_version_dataset_hash_too_long_aborts() {
    let (mut scenario, clock, model_id) = setup();
    let mut hash = vector[];
    let mut i = 0;
    while (i < 65) {
        hash.push_back(1u8);
        i = i + 1;
    };
    publish_with(
        &mut scenario,
        &clock,
        model_id,
        blob_a(),
        utf8(b"a"),
        hash,
        vector[],
        vector[],
    );
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EMetricsLengthMismatch)]
fun publish_version_metrics_length_mismatch_aborts() {
    let (mut scenario, clock, model_id) = setup();
    publish_with(
        &mut scenario,
        &clock,
        model_id,
        blob_a(),
        utf8(b"a"),
        vector[],
        vector[utf8(b"acc")],
        vector[1, 2],
    );
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::ETooManyMetrics)]
fun publish_version_too_many_metrics_aborts() {
    let (mut scenario, clock, model_id) = setup();
    let mut names = vector[];
    let mut values = vector[];
    let mut i = 0;
    while (i < 33) {
        names.push_back(long_string(i + 1));
        values.push_back(i);
        i = i + 1;
    };
    publish_with(&mut scenario, &clock, model_id, blob_a(), utf8(b"a"), vector[], names, values);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EDuplicateMetric)]
fun publish_version_duplicate_metric_aborts() {
    let (mut scenario, clock, model_id) = setup();
    publish_with(
        &mut scenario,
        &clock,
        model_id,
        blob_a(),
        utf8(b"a"),
        vector[],
        vector[utf8(b"acc"), utf8(b"acc")],
        vector[1, 2],
    );
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EVersionNotFound)]
fun version_missing_aborts() {
    let (scenario, clock, model_id) = setup();
    let m = scenario.take_shared_by_id<Model>(model_id);
    let v = model::version(&m, 1);
    assert_eq!(model::version_number(v), 1);
    ts::return_shared(m);
    finish(scenario, clock);
}

// === update_description ===

#[test]
fun update_description_replaces_it() {
    let (mut scenario, clock, model_id) = setup();
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    model::update_description(&mut m, &cap, utf8(b"now with more layers"), scenario.ctx());
    assert_eq!(model::description(&m), utf8(b"now with more layers"));
    assert_eq!(event::events_by_type<ModelDescriptionUpdated>().length(), 1);
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun update_description_wrong_cap_aborts() {
    let (mut scenario, clock, model_id) = setup();
    let other_cap = model::register_model(utf8(b"other"), utf8(b""), scenario.ctx());
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    model::update_description(&mut m, &other_cap, utf8(b"hijacked"), scenario.ctx());
    ts::return_shared(m);
    destroy(other_cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EDescriptionTooLong)]
fun update_description_too_long_aborts() {
    let (mut scenario, clock, model_id) = setup();
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    model::update_description(&mut m, &cap, long_string(4097), scenario.ctx());
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

// === revenue ===

#[test]
fun withdraw_revenue_takes_everything_accrued() {
    let (mut scenario, clock, model_id) = setup();
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    model::add_revenue(&mut m, balance::create_for_testing<WAL>(700));
    model::add_revenue(&mut m, balance::create_for_testing<WAL>(300));
    assert_eq!(model::revenue(&m), 1_000);
    assert_eq!(model::total_revenue(&m), 1_000);

    let coin = model::withdraw_revenue(&mut m, &cap, scenario.ctx());
    assert_eq!(coin.value(), 1_000);
    assert_eq!(model::revenue(&m), 0);
    assert_eq!(model::total_revenue(&m), 1_000);
    assert_eq!(event::events_by_type<ModelRevenueWithdrawn>().length(), 1);
    assert_eq!(coin.burn_for_testing(), 1_000);
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::ENoRevenue)]
fun withdraw_revenue_nothing_aborts() {
    let (mut scenario, clock, model_id) = setup();
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let coin = model::withdraw_revenue(&mut m, &cap, scenario.ctx());
    destroy(coin);
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun withdraw_revenue_wrong_cap_aborts() {
    let (mut scenario, clock, model_id) = setup();
    let other_cap = model::register_model(utf8(b"other"), utf8(b""), scenario.ctx());
    scenario.next_tx(OTHER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    model::add_revenue(&mut m, balance::create_for_testing<WAL>(10));
    let coin = model::withdraw_revenue(&mut m, &other_cap, scenario.ctx());
    destroy(coin);
    ts::return_shared(m);
    destroy(other_cap);
    finish(scenario, clock);
}

// === ownership ===

#[test]
fun cap_transfer_moves_ownership() {
    let (mut scenario, clock, model_id) = setup();
    let cap = scenario.take_from_sender<ModelCap>();
    transfer::public_transfer(cap, OTHER);
    scenario.next_tx(OTHER);

    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    assert_eq!(model::owner(&m), SELLER);
    model::refresh_owner(&mut m, &cap, scenario.ctx());
    assert_eq!(model::owner(&m), OTHER);
    assert_eq!(event::events_by_type<ModelOwnerChanged>().length(), 1);
    // Refreshing again changes nothing and emits nothing new.
    model::refresh_owner(&mut m, &cap, scenario.ctx());
    assert_eq!(event::events_by_type<ModelOwnerChanged>().length(), 1);
    ts::return_shared(m);
    scenario.return_to_sender(cap);

    // The new holder can publish, with a `Blob` object of its own.
    let _ = store_blob(&mut scenario, OTHER, blob_a(), 2, true);
    scenario.next_tx(OTHER);
    let number = publish(&mut scenario, &clock, model_id, blob_a());
    assert_eq!(number, 1);
    finish(scenario, clock);
}

#[test]
fun cap_use_by_new_holder_records_owner() {
    let (mut scenario, clock, model_id) = setup();
    let cap = scenario.take_from_sender<ModelCap>();
    transfer::public_transfer(cap, OTHER);
    scenario.next_tx(OTHER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    model::update_description(&mut m, &cap, utf8(b"new owner"), scenario.ctx());
    assert_eq!(model::owner(&m), OTHER);
    assert_eq!(event::events_by_type<ModelOwnerChanged>().length(), 1);
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun refresh_owner_wrong_cap_aborts() {
    let (mut scenario, clock, model_id) = setup();
    let other_cap = model::register_model(utf8(b"other"), utf8(b""), scenario.ctx());
    scenario.next_tx(OTHER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    model::refresh_owner(&mut m, &other_cap, scenario.ctx());
    ts::return_shared(m);
    destroy(other_cap);
    finish(scenario, clock);
}

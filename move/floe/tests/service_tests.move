/// Paid, composable model calls (`floe::service`): a three-call chain in one transaction,
/// answers, revenue; one test per abort path and an attacker's test per rule that moves value.
#[test_only]
module floe::service_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::events::ServiceCalled;
use floe::floe_test_utils as tu;
use floe::model::{Self, Model, ModelCap};
use floe::service::{Self, ModelService, ServiceCap};
use floe::system::System;
use floe::wal::{Self, Treasury};
use std::string::utf8;
use std::unit_test::{assert_eq, destroy};
use sui::clock::Clock;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const SELLER: address = @0xA11CE;
const CALLER: address = @0xCA11;
const PROVIDER: address = @0x9A0;
const STRANGER: address = @0x5157;

const NOW_MS: u64 = 1_700_000_000_000;
/// 3, 5 and 7 WAL: summarize, classify, render.
const PRICE_1: u64 = 3_000_000_000;
const PRICE_2: u64 = 5_000_000_000;
const PRICE_3: u64 = 7_000_000_000;
/// 20 WAL.
const FUNDS: u64 = 20_000_000_000;
const HASH: vector<u8> = x"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

// === Helpers ===

public struct World has drop {
    model_id: ID,
    s1: ID,
    s2: ID,
    s3: ID,
}

/// A 7-shard system, the clock at NOW_MS, SELLER's model with one version and three services
/// of it at PRICE_1..3 served by PROVIDER (their caps SELLER's). The next transaction is
/// CALLER's.
fun setup(): (Scenario, Clock, World) {
    let (mut scenario, mut clock, node_caps) = tu::setup();
    destroy(node_caps);
    clock.set_for_testing(NOW_MS);
    let model_id = model_with_version(&mut scenario, &clock, SELLER, tu::blob_id_a());
    let s1 = create(&mut scenario, SELLER, model_id, 1, PRICE_1);
    let s2 = create(&mut scenario, SELLER, model_id, 1, PRICE_2);
    let s3 = create(&mut scenario, SELLER, model_id, 1, PRICE_3);
    scenario.next_tx(CALLER);
    (scenario, clock, World { model_id, s1, s2, s3 })
}

/// `owner` stores blob A or B, registers a model and publishes the blob as version 1; the
/// `ModelCap` is `owner`'s.
fun model_with_version(scenario: &mut Scenario, clock: &Clock, owner: address, blob_id: u256): ID {
    scenario.next_tx(owner);
    {
        let mut system = scenario.take_shared<System>();
        let mut registry = scenario.take_shared<BlobRegistry>();
        let mut stored = if (blob_id == tu::blob_id_a()) {
            tu::register_a(scenario, &mut system, &mut registry, 2, false)
        } else {
            tu::register_b(scenario, &mut system, &mut registry, 2, false)
        };
        if (blob_id == tu::blob_id_a()) tu::certify_a(&system, &mut registry, &mut stored)
        else tu::certify_b(&system, &mut registry, &mut stored);
        transfer::public_transfer(stored, owner);
        ts::return_shared(system);
        ts::return_shared(registry);
    };
    scenario.next_tx(owner);
    let cap = model::register_model(utf8(b"summarizer"), utf8(b""), scenario.ctx());
    let model_id = model::cap_model_id(&cap);
    transfer::public_transfer(cap, owner);
    scenario.next_tx(owner);
    {
        let mut m = scenario.take_shared_by_id<Model>(model_id);
        let cap = scenario.take_from_sender<ModelCap>();
        let system = scenario.take_shared<System>();
        let weights = scenario.take_from_sender<Blob>();
        let _ = m.publish_version(
            &cap,
            &system,
            &weights,
            utf8(b"onnx-mlp"),
            vector[],
            vector[],
            vector[],
            clock,
            scenario.ctx(),
        );
        ts::return_shared(m);
        ts::return_shared(system);
        scenario.return_to_sender(weights);
        scenario.return_to_sender(cap);
    };
    model_id
}

/// `who` creates a service of `model_id`'s `version` at `price`, served by PROVIDER, with the
/// `ModelCap` it owns; returns the service's ID (the cap goes to `who`).
fun create(scenario: &mut Scenario, who: address, model_id: ID, version: u64, price: u64): ID {
    scenario.next_tx(who);
    let m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let service_cap = service::create_service(&m, &cap, version, PROVIDER, price, scenario.ctx());
    let id = service::cap_service_id(&service_cap);
    transfer::public_transfer(service_cap, who);
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    id
}

/// CALLER calls `service_id` once with a coin of `funds`, quoting `max_price`; returns what
/// is left in the coin.
fun call_once(
    scenario: &mut Scenario,
    clock: &Clock,
    service_id: ID,
    funds: u64,
    max_price: u64,
    input: vector<u8>,
): u64 {
    scenario.next_tx(CALLER);
    let mut s = scenario.take_shared_by_id<ModelService>(service_id);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let mut coin = tu::wal_coin(scenario, funds);
    let _ = service::call(
        &mut s,
        &system,
        &mut treasury,
        &mut coin,
        max_price,
        input,
        clock,
        scenario.ctx(),
    );
    let left = coin.value();
    destroy(coin);
    ts::return_shared(s);
    ts::return_shared(system);
    ts::return_shared(treasury);
    left
}

/// `who` answers call `number` of `service_id` with `hash`.
fun respond(
    scenario: &mut Scenario,
    clock: &Clock,
    who: address,
    service_id: ID,
    number: u64,
    hash: vector<u8>,
) {
    scenario.next_tx(who);
    let mut s = scenario.take_shared_by_id<ModelService>(service_id);
    service::respond(&mut s, number, 0xb0, hash, clock, scenario.ctx());
    ts::return_shared(s);
}

/// SELLER's cap of service `service_id`.
fun seller_cap(scenario: &mut Scenario, service_id: ID): ServiceCap {
    scenario.next_tx(SELLER);
    let mut ids = scenario.ids_for_sender<ServiceCap>();
    while (!ids.is_empty()) {
        let cap = scenario.take_from_sender_by_id<ServiceCap>(ids.pop_back());
        if (service::cap_service_id(&cap) == service_id) return cap;
        scenario.return_to_sender(cap);
    };
    abort 0
}

fun revenue(scenario: &mut Scenario, service_id: ID): u64 {
    scenario.next_tx(STRANGER);
    let s = scenario.take_shared_by_id<ModelService>(service_id);
    let value = service::service_revenue(&s);
    ts::return_shared(s);
    value
}

fun fee(price: u64): u64 { price * 500 / 10_000 }

fun finish(scenario: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}

// === Chains ===

#[test]
fun a_three_call_chain_pays_each_call_exactly_in_one_transaction() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(CALLER);
    let burned_before;
    {
        let mut s1 = scenario.take_shared_by_id<ModelService>(w.s1);
        let mut s2 = scenario.take_shared_by_id<ModelService>(w.s2);
        let mut s3 = scenario.take_shared_by_id<ModelService>(w.s3);
        let system = scenario.take_shared<System>();
        let mut treasury = scenario.take_shared<Treasury>();
        burned_before = wal::total_burned(&treasury);
        let mut coin = tu::wal_coin(&mut scenario, FUNDS);
        let c1 = service::call(
            &mut s1,
            &system,
            &mut treasury,
            &mut coin,
            PRICE_1,
            b"a long article",
            &clock,
            scenario.ctx(),
        );
        let c2 = service::call_next(
            &mut s2,
            &system,
            &mut treasury,
            &mut coin,
            PRICE_2,
            c1,
            &clock,
            scenario.ctx(),
        );
        let c3 = service::call_next(
            &mut s3,
            &system,
            &mut treasury,
            &mut coin,
            PRICE_3,
            c2,
            &clock,
            scenario.ctx(),
        );
        assert_eq!(service::call_position(&c3), 2);
        assert_eq!(service::call_number(&c3), 0);
        assert_eq!(service::call_service_id(&c3), w.s3);
        let called = event::events_by_type<ServiceCalled>();
        assert_eq!(called.length(), 3);
        // 20 − (3 + 5 + 7) WAL: exactly the prices.
        assert_eq!(coin.value(), FUNDS - PRICE_1 - PRICE_2 - PRICE_3);
        assert_eq!(
            wal::total_burned(&treasury) - burned_before,
            fee(PRICE_1) + fee(PRICE_2) + fee(PRICE_3),
        );
        destroy(coin);
        ts::return_shared(s1);
        ts::return_shared(s2);
        ts::return_shared(s3);
        ts::return_shared(system);
        ts::return_shared(treasury);
    };
    assert_eq!(revenue(&mut scenario, w.s1), PRICE_1 - fee(PRICE_1));
    assert_eq!(revenue(&mut scenario, w.s2), PRICE_2 - fee(PRICE_2));
    assert_eq!(revenue(&mut scenario, w.s3), PRICE_3 - fee(PRICE_3));
    // The provider answers; the answer is readable.
    respond(&mut scenario, &clock, PROVIDER, w.s2, 0, HASH);
    scenario.next_tx(STRANGER);
    let s2 = scenario.take_shared_by_id<ModelService>(w.s2);
    assert!(service::is_served(&s2, 0));
    assert_eq!(service::response_output_hash(&s2, 0), HASH);
    assert_eq!(service::response_output_blob_id(&s2, 0), 0xb0);
    ts::return_shared(s2);
    // The owner takes the revenue, exactly.
    let cap = seller_cap(&mut scenario, w.s1);
    let mut s1 = scenario.take_shared_by_id<ModelService>(w.s1);
    let taken = service::withdraw_revenue(&mut s1, &cap, scenario.ctx());
    assert_eq!(taken.value(), PRICE_1 - fee(PRICE_1));
    assert_eq!(service::service_revenue(&s1), 0);
    destroy(taken);
    ts::return_shared(s1);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EChainTooLong)]
fun a_seventeenth_call_in_a_chain_aborts() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(CALLER);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let mut coin = tu::wal_coin(&mut scenario, 100 * FUNDS);
    let mut c = service::call(
        &mut s,
        &system,
        &mut treasury,
        &mut coin,
        PRICE_1,
        b"x",
        &clock,
        scenario.ctx(),
    );
    let mut i = 0;
    while (i < 16) {
        c =
            service::call_next(
                &mut s,
                &system,
                &mut treasury,
                &mut coin,
                PRICE_1,
                c,
                &clock,
                scenario.ctx(),
            );
        i = i + 1;
    };
    assert_eq!(service::call_position(&c), 16);
    destroy(coin);
    ts::return_shared(s);
    ts::return_shared(system);
    ts::return_shared(treasury);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EBadInput)]
fun an_empty_input_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, vector[]);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EBadInput)]
fun an_input_over_4096_bytes_aborts() {
    let (mut scenario, clock, w) = setup();
    let mut input = vector[];
    while (input.length() < 4097) input.push_back(1);
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, input);
    finish(scenario, clock);
}

// === Payment attacks ===

/// Attack: paying less than the price.
#[test, expected_failure(abort_code = floe::service::EInsufficientPayment)]
fun paying_less_than_the_price_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, PRICE_1 - 1, PRICE_1, b"x");
    finish(scenario, clock);
}

/// Attack: the owner reprices after the caller's quote; the caller's max_price stops it.
#[test, expected_failure(abort_code = floe::service::EPriceAboveMax)]
fun a_service_repriced_above_max_price_aborts() {
    let (mut scenario, clock, w) = setup();
    let cap = seller_cap(&mut scenario, w.s1);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_price(&mut s, &cap, 10 * PRICE_1);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    finish(scenario, clock);
}

#[test]
fun the_price_taken_is_the_price_not_the_coin() {
    let (mut scenario, clock, w) = setup();
    let left = call_once(&mut scenario, &clock, w.s2, FUNDS, FUNDS, b"x");
    assert_eq!(left, FUNDS - PRICE_2);
    assert_eq!(revenue(&mut scenario, w.s2), PRICE_2 - fee(PRICE_2));
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EServicePaused)]
fun a_call_on_a_paused_service_aborts() {
    let (mut scenario, clock, w) = setup();
    let cap = seller_cap(&mut scenario, w.s1);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_paused(&mut s, &cap, true);
    assert!(service::service_paused(&s));
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    finish(scenario, clock);
}

// === Answers ===

/// Attack: answering a call twice (replaying an answer).
#[test, expected_failure(abort_code = floe::service::EAlreadyServed)]
fun answering_a_call_twice_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond(&mut scenario, &clock, PROVIDER, w.s1, 0, HASH);
    respond(&mut scenario, &clock, PROVIDER, w.s1, 0, HASH);
    finish(scenario, clock);
}

/// Attack: answering a call as someone other than the service's provider.
#[test, expected_failure(abort_code = floe::service::ENotProvider)]
fun answering_as_a_stranger_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond(&mut scenario, &clock, STRANGER, w.s1, 0, HASH);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::ENoSuchCall)]
fun answering_a_call_never_made_aborts() {
    let (mut scenario, clock, w) = setup();
    respond(&mut scenario, &clock, PROVIDER, w.s1, 0, HASH);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EBadOutputHash)]
fun a_short_output_hash_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond(&mut scenario, &clock, PROVIDER, w.s1, 0, b"short");
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::ENotServed)]
fun reading_an_unanswered_call_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    scenario.next_tx(STRANGER);
    let s = scenario.take_shared_by_id<ModelService>(w.s1);
    let _ = service::response_output_hash(&s, 0);
    ts::return_shared(s);
    finish(scenario, clock);
}

// === Owners ===

/// Attack: a stranger takes a service's revenue with the cap of its own service.
#[test, expected_failure(abort_code = floe::service::EWrongCap)]
fun withdrawing_with_another_services_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    let own_model = model_with_version(&mut scenario, &clock, STRANGER, tu::blob_id_b());
    let _ = create(&mut scenario, STRANGER, own_model, 1, 1);
    scenario.next_tx(STRANGER);
    let cap = scenario.take_from_sender<ServiceCap>();
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    let taken = service::withdraw_revenue(&mut s, &cap, scenario.ctx());
    destroy(taken);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

/// Attack: a stranger sells calls of a model it does not own, with its own model's cap.
#[test, expected_failure(abort_code = floe::service::EWrongModelCap)]
fun creating_a_service_with_another_models_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = model_with_version(&mut scenario, &clock, STRANGER, tu::blob_id_b());
    let _ = create(&mut scenario, STRANGER, w.model_id, 1, PRICE_1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EVersionNotFound)]
fun creating_a_service_of_a_missing_version_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = create(&mut scenario, SELLER, w.model_id, 2, PRICE_1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EZeroPrice)]
fun creating_a_free_service_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = create(&mut scenario, SELLER, w.model_id, 1, 0);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EZeroPrice)]
fun repricing_to_zero_aborts() {
    let (mut scenario, clock, w) = setup();
    let cap = seller_cap(&mut scenario, w.s1);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_price(&mut s, &cap, 0);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::ENoRevenue)]
fun withdrawing_nothing_aborts() {
    let (mut scenario, clock, w) = setup();
    let cap = seller_cap(&mut scenario, w.s1);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    let taken = service::withdraw_revenue(&mut s, &cap, scenario.ctx());
    destroy(taken);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

#[test]
fun a_new_provider_answers_the_next_calls() {
    let (mut scenario, clock, w) = setup();
    let cap = seller_cap(&mut scenario, w.s1);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_provider(&mut s, &cap, STRANGER);
    assert_eq!(service::service_provider(&s), STRANGER);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond(&mut scenario, &clock, STRANGER, w.s1, 0, HASH);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_a_current_service_aborts() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(STRANGER);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::migrate_service(&mut s);
    ts::return_shared(s);
    finish(scenario, clock);
}

/// Attack: a stranger pauses someone else's service with the cap of its own service.
#[test, expected_failure(abort_code = floe::service::EWrongCap)]
fun pausing_with_another_services_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let own_model = model_with_version(&mut scenario, &clock, STRANGER, tu::blob_id_b());
    let _ = create(&mut scenario, STRANGER, own_model, 1, 1);
    scenario.next_tx(STRANGER);
    let cap = scenario.take_from_sender<ServiceCap>();
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_paused(&mut s, &cap, true);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

/// Attack: a stranger reprices someone else's service with the cap of its own service.
#[test, expected_failure(abort_code = floe::service::EWrongCap)]
fun repricing_with_another_services_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let own_model = model_with_version(&mut scenario, &clock, STRANGER, tu::blob_id_b());
    let _ = create(&mut scenario, STRANGER, own_model, 1, 1);
    scenario.next_tx(STRANGER);
    let cap = scenario.take_from_sender<ServiceCap>();
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_price(&mut s, &cap, 1);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

/// A service left at another package version takes no calls until migrated.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun calling_a_service_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    {
        let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
        service::set_version_for_testing(&mut s, 2);
        ts::return_shared(s);
    };
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    finish(scenario, clock);
}

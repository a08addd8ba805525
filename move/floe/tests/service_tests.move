/// Paid, composable model calls (`floe::service`): a three-call chain in one transaction held
/// in escrow, answers that pay the model (and the datasets it was trained on), refunds of
/// unanswered calls, the model's owner taking a service over; one test per abort path and an
/// attacker's test per rule that moves value or grants control.
#[test_only]
module floe::service_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::dataset::{Self, Contribution, Dataset, DatasetCap};
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
const BUYER: address = @0xB0B;
const CURATOR: address = @0xC0A;
const CONTRIBUTOR: address = @0xC1;

const NOW_MS: u64 = 1_700_000_000_000;
/// The providers' response window: 1 minute.
const WINDOW_MS: u64 = 60_000;
/// 3, 5 and 7 WAL: summarize, classify, render.
const PRICE_1: u64 = 3_000_000_000;
const PRICE_2: u64 = 5_000_000_000;
const PRICE_3: u64 = 7_000_000_000;
/// 20 WAL.
const FUNDS: u64 = 20_000_000_000;
const HASH: vector<u8> = x"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
/// The dataset's share of the model's revenue: 20 %.
const SHARE_BPS: u64 = 2_000;

// === Helpers ===

public struct World has drop {
    model_id: ID,
    s1: ID,
    s2: ID,
    s3: ID,
}

/// A 7-shard system, the clock at NOW_MS, SELLER's model with one version and three services
/// of it at PRICE_1..3 served by PROVIDER within WINDOW_MS (their caps SELLER's). The next
/// transaction is CALLER's.
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

/// `owner` stores blob A or B (certified), the `Blob` is `owner`'s.
fun store_blob(scenario: &mut Scenario, owner: address, blob_id: u256) {
    scenario.next_tx(owner);
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
}

/// `owner` stores blob A or B, registers a model and publishes the blob as version 1; the
/// `ModelCap` is `owner`'s.
fun model_with_version(scenario: &mut Scenario, clock: &Clock, owner: address, blob_id: u256): ID {
    store_blob(scenario, owner, blob_id);
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

/// `who` creates a service of `model_id`'s `version` at `price`, served by PROVIDER within
/// WINDOW_MS, with the `ModelCap` it owns; returns the service's ID (the cap goes to `who`).
fun create(scenario: &mut Scenario, who: address, model_id: ID, version: u64, price: u64): ID {
    create_with_window(scenario, who, model_id, version, price, WINDOW_MS)
}

fun create_with_window(
    scenario: &mut Scenario,
    who: address,
    model_id: ID,
    version: u64,
    price: u64,
    window_ms: u64,
): ID {
    scenario.next_tx(who);
    let m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let service_cap = service::create_service(
        &m,
        &cap,
        version,
        PROVIDER,
        price,
        window_ms,
        scenario.ctx(),
    );
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
    let mut coin = tu::wal_coin(scenario, funds);
    let _ = service::call(&mut s, &mut coin, max_price, input, clock, scenario.ctx());
    let left = coin.value();
    destroy(coin);
    ts::return_shared(s);
    left
}

/// `who` answers call `number` of `service_id` with `hash`, paying the model `model_id`.
fun respond_for(
    scenario: &mut Scenario,
    clock: &Clock,
    who: address,
    service_id: ID,
    model_id: ID,
    number: u64,
    hash: vector<u8>,
) {
    scenario.next_tx(who);
    let mut s = scenario.take_shared_by_id<ModelService>(service_id);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    service::respond(
        &mut s,
        &mut m,
        &system,
        &mut treasury,
        number,
        0xb0,
        hash,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(s);
    ts::return_shared(m);
    ts::return_shared(system);
    ts::return_shared(treasury);
}

/// `who` answers call `number` of `service_id` (a service of `w`'s model) with `hash`.
fun respond(
    scenario: &mut Scenario,
    clock: &Clock,
    w: &World,
    who: address,
    service_id: ID,
    number: u64,
    hash: vector<u8>,
) {
    respond_for(scenario, clock, who, service_id, w.model_id, number, hash);
}

/// `who` takes call `number` of `service_id`'s payment back; returns the amount.
fun refund(scenario: &mut Scenario, clock: &Clock, who: address, service_id: ID, number: u64): u64 {
    scenario.next_tx(who);
    let mut s = scenario.take_shared_by_id<ModelService>(service_id);
    let coin = service::refund(&mut s, number, clock, scenario.ctx());
    let amount = coin.value();
    transfer::public_transfer(coin, who);
    ts::return_shared(s);
    amount
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

fun escrow(scenario: &mut Scenario, service_id: ID): u64 {
    scenario.next_tx(STRANGER);
    let s = scenario.take_shared_by_id<ModelService>(service_id);
    let value = service::service_escrow(&s);
    ts::return_shared(s);
    value
}

fun model_revenue(scenario: &mut Scenario, model_id: ID): u64 {
    scenario.next_tx(STRANGER);
    let m = scenario.take_shared_by_id<Model>(model_id);
    let value = m.revenue();
    ts::return_shared(m);
    value
}

fun burned(scenario: &mut Scenario): u64 {
    scenario.next_tx(STRANGER);
    let treasury = scenario.take_shared<Treasury>();
    let value = wal::total_burned(&treasury);
    ts::return_shared(treasury);
    value
}

fun fee(price: u64): u64 { price * 500 / 10_000 }

fun finish(scenario: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}

// === Chains ===

#[test]
fun a_three_call_chain_is_paid_in_one_transaction_and_each_answer_pays_the_model() {
    let (mut scenario, clock, w) = setup();
    let burned_before = burned(&mut scenario);
    scenario.next_tx(CALLER);
    {
        let mut s1 = scenario.take_shared_by_id<ModelService>(w.s1);
        let mut s2 = scenario.take_shared_by_id<ModelService>(w.s2);
        let mut s3 = scenario.take_shared_by_id<ModelService>(w.s3);
        let mut coin = tu::wal_coin(&mut scenario, FUNDS);
        let input = b"a long article";
        let c1 = service::call(&mut s1, &mut coin, PRICE_1, input, &clock, scenario.ctx());
        let c2 = service::call_next(&mut s2, &mut coin, PRICE_2, c1, &clock, scenario.ctx());
        let c3 = service::call_next(&mut s3, &mut coin, PRICE_3, c2, &clock, scenario.ctx());
        assert_eq!(service::call_position(&c3), 2);
        assert_eq!(service::call_number(&c3), 0);
        assert_eq!(service::call_service_id(&c3), w.s3);
        let called = event::events_by_type<ServiceCalled>();
        assert_eq!(called.length(), 3);
        // 20 − (3 + 5 + 7) WAL: exactly the prices.
        assert_eq!(coin.value(), FUNDS - PRICE_1 - PRICE_2 - PRICE_3);
        assert!(service::is_pending(&s3, 0));
        destroy(coin);
        ts::return_shared(s1);
        ts::return_shared(s2);
        ts::return_shared(s3);
    };
    // In escrow, nothing burned or paid yet.
    assert_eq!(escrow(&mut scenario, w.s1), PRICE_1);
    assert_eq!(escrow(&mut scenario, w.s2), PRICE_2);
    assert_eq!(escrow(&mut scenario, w.s3), PRICE_3);
    assert_eq!(burned(&mut scenario), burned_before);
    assert_eq!(model_revenue(&mut scenario, w.model_id), 0);
    // Each answer settles its call: the fee burned, the rest to the model.
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, HASH);
    respond(&mut scenario, &clock, &w, PROVIDER, w.s2, 0, HASH);
    respond(&mut scenario, &clock, &w, PROVIDER, w.s3, 0, HASH);
    assert_eq!(escrow(&mut scenario, w.s1), 0);
    assert_eq!(escrow(&mut scenario, w.s2), 0);
    assert_eq!(escrow(&mut scenario, w.s3), 0);
    assert_eq!(burned(&mut scenario) - burned_before, fee(PRICE_1) + fee(PRICE_2) + fee(PRICE_3));
    let paid = PRICE_1 + PRICE_2 + PRICE_3 - fee(PRICE_1) - fee(PRICE_2) - fee(PRICE_3);
    assert_eq!(model_revenue(&mut scenario, w.model_id), paid);
    scenario.next_tx(STRANGER);
    let s2 = scenario.take_shared_by_id<ModelService>(w.s2);
    assert!(service::is_served(&s2, 0));
    assert!(!service::is_pending(&s2, 0));
    assert_eq!(service::response_output_hash(&s2, 0), HASH);
    assert_eq!(service::response_output_blob_id(&s2, 0), 0xb0);
    ts::return_shared(s2);
    // The model's owner takes it, as license revenue.
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let taken = m.withdraw_revenue(&cap, scenario.ctx());
    assert_eq!(taken.value(), paid);
    destroy(taken);
    scenario.return_to_sender(cap);
    ts::return_shared(m);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EChainTooLong)]
fun a_seventeenth_call_in_a_chain_aborts() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(CALLER);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    let mut coin = tu::wal_coin(&mut scenario, 100 * FUNDS);
    let mut c = service::call(&mut s, &mut coin, PRICE_1, b"x", &clock, scenario.ctx());
    let mut i = 0;
    while (i < 16) {
        c = service::call_next(&mut s, &mut coin, PRICE_1, c, &clock, scenario.ctx());
        i = i + 1;
    };
    assert_eq!(service::call_position(&c), 16);
    destroy(coin);
    ts::return_shared(s);
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
    assert_eq!(escrow(&mut scenario, w.s2), PRICE_2);
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

// === Revenue reaches the datasets ===

/// The model was trained on a sealed dataset with a 20 % share: an answered call sets 20 % of
/// its revenue aside for the dataset, and the contributor claims it.
#[test]
fun an_answered_call_pays_the_datasets_the_model_was_trained_on() {
    let (mut scenario, clock, w) = setup();
    // CURATOR's dataset, CONTRIBUTOR's one contribution at weight 1, sealed; SELLER names it.
    scenario.next_tx(CURATOR);
    let dcap = dataset::create_dataset(utf8(b"text"), utf8(b""), scenario.ctx());
    let dataset_id = dataset::cap_dataset_id(&dcap);
    transfer::public_transfer(dcap, CURATOR);
    store_blob(&mut scenario, CONTRIBUTOR, tu::blob_id_b());
    scenario.next_tx(CONTRIBUTOR);
    let contribution_id;
    {
        let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
        let blob = scenario.take_from_sender<Blob>();
        let k = d.contribute(&blob, scenario.ctx());
        contribution_id = object::id(&k);
        transfer::public_transfer(k, CONTRIBUTOR);
        scenario.return_to_sender(blob);
        ts::return_shared(d);
    };
    scenario.next_tx(CURATOR);
    {
        let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
        let cap = scenario.take_from_sender<DatasetCap>();
        d.set_weight(&cap, contribution_id, 1, scenario.ctx());
        d.seal(&cap, scenario.ctx());
        scenario.return_to_sender(cap);
        ts::return_shared(d);
    };
    scenario.next_tx(SELLER);
    {
        let d = scenario.take_shared_by_id<Dataset>(dataset_id);
        let mut m = scenario.take_shared_by_id<Model>(w.model_id);
        let cap = scenario.take_from_sender<ModelCap>();
        dataset::train_on(&d, &mut m, &cap, 1, SHARE_BPS, scenario.ctx());
        scenario.return_to_sender(cap);
        ts::return_shared(m);
        ts::return_shared(d);
    };
    let _ = call_once(&mut scenario, &clock, w.s2, FUNDS, PRICE_2, b"x");
    respond(&mut scenario, &clock, &w, PROVIDER, w.s2, 0, HASH);
    let revenue = PRICE_2 - fee(PRICE_2);
    let share = revenue * SHARE_BPS / 10_000;
    assert_eq!(model_revenue(&mut scenario, w.model_id), revenue - share);
    scenario.next_tx(STRANGER);
    {
        let mut m = scenario.take_shared_by_id<Model>(w.model_id);
        let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
        assert_eq!(m.dataset_share_pending(dataset_id), share);
        assert_eq!(dataset::distribute(&mut m, &mut d, scenario.ctx()), share);
        ts::return_shared(m);
        ts::return_shared(d);
    };
    scenario.next_tx(CONTRIBUTOR);
    let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
    let k = scenario.take_from_sender_by_id<Contribution>(contribution_id);
    let coin = d.claim(&k, scenario.ctx());
    assert_eq!(coin.value(), share);
    destroy(coin);
    scenario.return_to_sender(k);
    ts::return_shared(d);
    finish(scenario, clock);
}

/// Attack: the provider answers with its own model, to credit the call's payment there.
#[test, expected_failure(abort_code = floe::service::EWrongModel)]
fun answering_with_another_model_aborts() {
    let (mut scenario, clock, w) = setup();
    let own_model = model_with_version(&mut scenario, &clock, PROVIDER, tu::blob_id_b());
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond_for(&mut scenario, &clock, PROVIDER, w.s1, own_model, 0, HASH);
    finish(scenario, clock);
}

// === Answers ===

/// Attack: answering a call twice (replaying an answer).
#[test, expected_failure(abort_code = floe::service::EAlreadyServed)]
fun answering_a_call_twice_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, HASH);
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, HASH);
    finish(scenario, clock);
}

/// Attack: answering a call as someone other than the service's provider.
#[test, expected_failure(abort_code = floe::service::ENotProvider)]
fun answering_as_a_stranger_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond(&mut scenario, &clock, &w, STRANGER, w.s1, 0, HASH);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::ENoSuchCall)]
fun answering_a_call_never_made_aborts() {
    let (mut scenario, clock, w) = setup();
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, HASH);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EBadOutputHash)]
fun a_short_output_hash_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, b"short");
    finish(scenario, clock);
}

/// Attack: a late answer to be paid for a call whose caller may already take its payment back.
#[test, expected_failure(abort_code = floe::service::EResponseTooLate)]
fun answering_at_the_deadline_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    clock.set_for_testing(NOW_MS + WINDOW_MS);
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, HASH);
    finish(scenario, clock);
}

#[test]
fun answering_just_before_the_deadline_is_paid() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    clock.set_for_testing(NOW_MS + WINDOW_MS - 1);
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, HASH);
    assert_eq!(model_revenue(&mut scenario, w.model_id), PRICE_1 - fee(PRICE_1));
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

// === Refunds ===

#[test]
fun an_unanswered_call_is_refunded_in_full_to_its_payer() {
    let (mut scenario, mut clock, w) = setup();
    let burned_before = burned(&mut scenario);
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    clock.set_for_testing(NOW_MS + WINDOW_MS);
    assert_eq!(refund(&mut scenario, &clock, CALLER, w.s1, 0), PRICE_1);
    assert_eq!(escrow(&mut scenario, w.s1), 0);
    assert_eq!(burned(&mut scenario), burned_before);
    assert_eq!(model_revenue(&mut scenario, w.model_id), 0);
    scenario.next_tx(STRANGER);
    let s = scenario.take_shared_by_id<ModelService>(w.s1);
    assert!(!service::is_pending(&s, 0));
    assert!(!service::is_served(&s, 0));
    ts::return_shared(s);
    finish(scenario, clock);
}

/// Attack: a stranger takes an unanswered call's payment.
#[test, expected_failure(abort_code = floe::service::ENotPayer)]
fun a_stranger_refunding_a_call_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    clock.set_for_testing(NOW_MS + WINDOW_MS);
    let _ = refund(&mut scenario, &clock, STRANGER, w.s1, 0);
    finish(scenario, clock);
}

/// Attack: the caller takes its payment back while the provider may still answer.
#[test, expected_failure(abort_code = floe::service::EDeadlineNotPassed)]
fun refunding_before_the_deadline_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    clock.set_for_testing(NOW_MS + WINDOW_MS - 1);
    let _ = refund(&mut scenario, &clock, CALLER, w.s1, 0);
    finish(scenario, clock);
}

/// Attack: refunding the same call twice.
#[test, expected_failure(abort_code = floe::service::ERefunded)]
fun refunding_twice_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    clock.set_for_testing(NOW_MS + WINDOW_MS);
    let _ = refund(&mut scenario, &clock, CALLER, w.s1, 0);
    let _ = refund(&mut scenario, &clock, CALLER, w.s1, 0);
    finish(scenario, clock);
}

/// Attack: the provider answers a refunded call (to be paid with WAL no longer there).
#[test, expected_failure(abort_code = floe::service::ERefunded)]
fun answering_a_refunded_call_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    clock.set_for_testing(NOW_MS + WINDOW_MS);
    let _ = refund(&mut scenario, &clock, CALLER, w.s1, 0);
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, HASH);
    finish(scenario, clock);
}

/// Attack: the caller gets its answer, then takes the payment back too.
#[test, expected_failure(abort_code = floe::service::EAlreadyServed)]
fun refunding_an_answered_call_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 0, HASH);
    clock.set_for_testing(NOW_MS + WINDOW_MS);
    let _ = refund(&mut scenario, &clock, CALLER, w.s1, 0);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::ENoSuchCall)]
fun refunding_a_call_never_made_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = refund(&mut scenario, &clock, CALLER, w.s1, 0);
    finish(scenario, clock);
}

/// A new window applies to the calls made after it; a call made before keeps its deadline.
#[test]
fun a_new_response_window_applies_to_later_calls_only() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    let cap = seller_cap(&mut scenario, w.s1);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_response_window(&mut s, &cap, 10 * WINDOW_MS);
    assert_eq!(service::service_response_window_ms(&s), 10 * WINDOW_MS);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    clock.set_for_testing(NOW_MS + WINDOW_MS);
    assert_eq!(refund(&mut scenario, &clock, CALLER, w.s1, 0), PRICE_1);
    respond(&mut scenario, &clock, &w, PROVIDER, w.s1, 1, HASH);
    assert_eq!(model_revenue(&mut scenario, w.model_id), PRICE_1 - fee(PRICE_1));
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EBadResponseWindow)]
fun a_response_window_under_5_seconds_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = create_with_window(&mut scenario, SELLER, w.model_id, 1, PRICE_1, 4_999);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EBadResponseWindow)]
fun a_response_window_over_7_days_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = create_with_window(&mut scenario, SELLER, w.model_id, 1, PRICE_1, 604_800_001);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::service::EBadResponseWindow)]
fun setting_a_window_over_7_days_aborts() {
    let (mut scenario, clock, w) = setup();
    let cap = seller_cap(&mut scenario, w.s1);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_response_window(&mut s, &cap, 604_800_001);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

/// Attack: a stranger lengthens someone else's window with the cap of its own service.
#[test, expected_failure(abort_code = floe::service::EWrongCap)]
fun setting_a_window_with_another_services_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let own_model = model_with_version(&mut scenario, &clock, STRANGER, tu::blob_id_b());
    let _ = create(&mut scenario, STRANGER, own_model, 1, 1);
    scenario.next_tx(STRANGER);
    let cap = scenario.take_from_sender<ServiceCap>();
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_response_window(&mut s, &cap, WINDOW_MS);
    ts::return_shared(s);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

// === Owners ===

/// The model is sold (its ModelCap moves to BUYER): BUYER takes the service over and pauses
/// it; the seller's old ServiceCap no longer works.
#[test]
fun the_buyer_of_the_model_takes_its_services_over() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(SELLER);
    let model_cap = scenario.take_from_sender<ModelCap>();
    transfer::public_transfer(model_cap, BUYER);
    scenario.next_tx(BUYER);
    let model_cap = scenario.take_from_sender<ModelCap>();
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    let new_cap = service::take_over(&mut s, &model_cap, scenario.ctx());
    assert_eq!(service::service_cap_id(&s), object::id(&new_cap));
    service::set_paused(&mut s, &new_cap, true);
    assert!(service::service_paused(&s));
    ts::return_shared(s);
    transfer::public_transfer(new_cap, BUYER);
    scenario.return_to_sender(model_cap);
    finish(scenario, clock);
}

/// Attack: the seller of a model resumes (or reprices) a service with its old ServiceCap
/// after the buyer took it over.
#[test, expected_failure(abort_code = floe::service::EWrongCap)]
fun the_sellers_old_service_cap_is_void_after_a_take_over() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(SELLER);
    let model_cap = scenario.take_from_sender<ModelCap>();
    transfer::public_transfer(model_cap, BUYER);
    scenario.next_tx(BUYER);
    {
        let model_cap = scenario.take_from_sender<ModelCap>();
        let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
        let new_cap = service::take_over(&mut s, &model_cap, scenario.ctx());
        service::set_paused(&mut s, &new_cap, true);
        ts::return_shared(s);
        transfer::public_transfer(new_cap, BUYER);
        scenario.return_to_sender(model_cap);
    };
    let old_cap = seller_cap(&mut scenario, w.s1);
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_paused(&mut s, &old_cap, false);
    ts::return_shared(s);
    scenario.return_to_sender(old_cap);
    finish(scenario, clock);
}

/// The buyer takes a service over; the seller deletes its void ServiceCap (for the storage
/// rebate) and the buyer's new cap still controls the service.
#[test]
fun a_voided_service_cap_is_destroyed() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(SELLER);
    let model_cap = scenario.take_from_sender<ModelCap>();
    transfer::public_transfer(model_cap, BUYER);
    scenario.next_tx(BUYER);
    {
        let model_cap = scenario.take_from_sender<ModelCap>();
        let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
        let new_cap = service::take_over(&mut s, &model_cap, scenario.ctx());
        ts::return_shared(s);
        transfer::public_transfer(new_cap, BUYER);
        scenario.return_to_sender(model_cap);
    };
    let old_cap = seller_cap(&mut scenario, w.s1);
    let old_cap_id = object::id(&old_cap);
    let s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::destroy_voided_cap(&s, old_cap);
    ts::return_shared(s);
    let effects = scenario.next_tx(BUYER);
    let deleted = ts::deleted(&effects);
    assert!(deleted.contains(&old_cap_id));
    let sellers_caps = ts::ids_for_address<ServiceCap>(SELLER);
    assert!(!sellers_caps.contains(&old_cap_id));
    // The SELLER keeps the caps of the services not taken over.
    assert_eq!(sellers_caps.length(), 2);
    let new_cap = scenario.take_from_sender<ServiceCap>();
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_paused(&mut s, &new_cap, true);
    assert!(service::service_paused(&s));
    ts::return_shared(s);
    scenario.return_to_sender(new_cap);
    finish(scenario, clock);
}

/// Attack on the holder's control: the service's current cap cannot be destroyed (it alone
/// reprices, pauses and redirects the service).
#[test, expected_failure(abort_code = floe::service::ECapNotVoided)]
fun destroying_a_live_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let cap = seller_cap(&mut scenario, w.s1);
    let s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::destroy_voided_cap(&s, cap);
    ts::return_shared(s);
    finish(scenario, clock);
}

/// Attack: a live cap of one service is passed with another service, where it is not the
/// current cap; judged there it would look void and be destroyed.
#[test, expected_failure(abort_code = floe::service::ECapOfAnotherService)]
fun destroying_a_cap_with_another_service_aborts() {
    let (mut scenario, clock, w) = setup();
    let cap = seller_cap(&mut scenario, w.s1);
    let s = scenario.take_shared_by_id<ModelService>(w.s2);
    service::destroy_voided_cap(&s, cap);
    ts::return_shared(s);
    finish(scenario, clock);
}

/// Attack: a stranger takes over a service with the ModelCap of its own model.
#[test, expected_failure(abort_code = floe::service::EWrongModelCap)]
fun taking_over_with_another_models_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = model_with_version(&mut scenario, &clock, STRANGER, tu::blob_id_b());
    scenario.next_tx(STRANGER);
    let model_cap = scenario.take_from_sender<ModelCap>();
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    let cap = service::take_over(&mut s, &model_cap, scenario.ctx());
    destroy(cap);
    ts::return_shared(s);
    scenario.return_to_sender(model_cap);
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
    respond(&mut scenario, &clock, &w, STRANGER, w.s1, 0, HASH);
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

/// Attack: a stranger points someone else's service at its own account.
#[test, expected_failure(abort_code = floe::service::EWrongCap)]
fun setting_the_provider_with_another_services_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let own_model = model_with_version(&mut scenario, &clock, STRANGER, tu::blob_id_b());
    let _ = create(&mut scenario, STRANGER, own_model, 1, 1);
    scenario.next_tx(STRANGER);
    let cap = scenario.take_from_sender<ServiceCap>();
    let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
    service::set_provider(&mut s, &cap, STRANGER);
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

/// A service left at another package version refunds nothing until migrated.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun refunding_on_a_service_of_another_version_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let _ = call_once(&mut scenario, &clock, w.s1, FUNDS, PRICE_1, b"x");
    scenario.next_tx(STRANGER);
    {
        let mut s = scenario.take_shared_by_id<ModelService>(w.s1);
        service::set_version_for_testing(&mut s, 2);
        ts::return_shared(s);
    };
    clock.set_for_testing(NOW_MS + WINDOW_MS);
    let _ = refund(&mut scenario, &clock, CALLER, w.s1, 0);
    finish(scenario, clock);
}

/// Self-funding model iteration (`model::set_tuning`, the tuning reserve in
/// `model::add_revenue`, `compute::open_tuning_job`, `submit_tuning_result`,
/// `settle_tuning_job`, `refund_tuning_job`, `model::approve_tuned_version`,
/// `reject_tuned_version`): one test per abort path, and the attacker's tests: a stranger
/// cannot change the plan, open below the threshold, choose the providers or price, take the
/// escrow by refunding, or approve; a second job is refused while one is open; a refund goes
/// back into the reserve.
#[test_only]
module floe::tuning_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::compute::{Self, ComputeProvider, Job, ProviderCap};
use floe::events::{TunedVersionProposed, TunedVersionPublished, TuningReserveAccrued};
use floe::floe_test_utils as tu;
use floe::model::{Self, Model, ModelCap};
use floe::system::System;
use floe::wal::{Treasury, WAL};
use std::string::utf8;
use std::unit_test::{assert_eq, destroy};
use sui::balance;
use sui::clock::Clock;
use sui::coin::Coin;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const SELLER: address = @0xA11CE;
const STRANGER: address = @0x5157;
/// Buys the model (its ModelCap) from SELLER.
const BUYER: address = @0xB0B;

const KEY_1: vector<u8> = x"1111111111111111111111111111111111111111111111111111111111111111";
const P1: address = @0x0a0cb64ee9932145bb2398a0964c964dc89f917b6b8d5809f3b1487c80cf827d;
const KEY_2: vector<u8> = x"2222222222222222222222222222222222222222222222222222222222222222";
const P2: address = @0x0ebaae06fc7cfc07684ba9a6f67de7ae3e98301ed0e5e6b5fbda147741be21e4;
const KEY_3: vector<u8> = x"3333333333333333333333333333333333333333333333333333333333333333";
const P3: address = @0x56214d287e93a7ee8b4879aecb35e1ddc848e983f950a4f792bfd3eefc6366dc;
/// The stranger's own provider, which the plan does not name.
const KEY_4: vector<u8> = x"4444444444444444444444444444444444444444444444444444444444444444";
const P4: address = @0xd8db50ba6ffd40c6bea044f46cac3302400411525c7bd498d9f65bd93b7d2e4a;

const NOW_MS: u64 = 1_700_000_000_000;
const HOUR_MS: u64 = 3_600_000;
/// 100 WAL.
const STAKE: u64 = 100_000_000_000;
/// 10 % of STAKE.
const BOND: u64 = 10_000_000_000;
/// 20 % of every revenue credit goes to the reserve.
const TUNING_BPS: u64 = 2_000;
/// 100 WAL.
const THRESHOLD: u64 = 100_000_000_000;
/// 80 WAL.
const PRICE: u64 = 80_000_000_000;
/// 5 % of PRICE (the default license fee).
const FEE: u64 = 4_000_000_000;
/// Revenue that fills the reserve to exactly THRESHOLD: 500 WAL.
const FILLING: u64 = 500_000_000_000;
const HASH_A: vector<u8> = x"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const HASH_B: vector<u8> = x"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const INPUT: u256 = 42;

// === Helpers ===

public struct World has drop {
    model_id: ID,
    p1: ID,
    p2: ID,
    p3: ID,
    p4: ID,
}

/// A 7-shard system, the clock at NOW_MS, SELLER's model with version 1 (blob A), four
/// providers with STAKE; P1, P2 and P4 own certified copies of blob A (the honest output), P3
/// of blob B. The next transaction is SELLER's.
fun setup(): (Scenario, Clock, World) {
    let (mut scenario, mut clock, node_caps) = tu::setup();
    destroy(node_caps);
    clock.set_for_testing(NOW_MS);
    store_blob(&mut scenario, SELLER, tu::blob_id_a());
    scenario.next_tx(SELLER);
    let cap = model::register_model(utf8(b"tiny-mlp"), utf8(b""), scenario.ctx());
    let model_id = model::cap_model_id(&cap);
    transfer::public_transfer(cap, SELLER);
    scenario.next_tx(SELLER);
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
            &clock,
            scenario.ctx(),
        );
        ts::return_shared(m);
        ts::return_shared(system);
        scenario.return_to_sender(weights);
        scenario.return_to_sender(cap);
    };
    let p1 = register(&mut scenario, P1, KEY_1);
    let p2 = register(&mut scenario, P2, KEY_2);
    let p3 = register(&mut scenario, P3, KEY_3);
    let p4 = register(&mut scenario, P4, KEY_4);
    store_blob(&mut scenario, P1, tu::blob_id_a());
    store_blob(&mut scenario, P2, tu::blob_id_a());
    store_blob(&mut scenario, P3, tu::blob_id_b());
    store_blob(&mut scenario, P4, tu::blob_id_a());
    scenario.next_tx(SELLER);
    (scenario, clock, World { model_id, p1, p2, p3, p4 })
}

fun register(scenario: &mut Scenario, who: address, key: vector<u8>): ID {
    scenario.next_tx(who);
    let coin = tu::wal_coin(scenario, STAKE);
    compute::register_provider_for_testing(key, utf8(b"http://127.0.0.1:9000"), coin, scenario.ctx());
    scenario.next_tx(who);
    let cap = scenario.take_from_sender<ProviderCap>();
    let id = compute::cap_provider_id(&cap);
    scenario.return_to_sender(cap);
    id
}

/// `owner` stores blob A or B, certified, for 2 epochs.
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

/// SELLER sets the plan: TUNING_BPS, THRESHOLD, PRICE, INPUT, `providers`, `k`, an hour.
fun plan(scenario: &mut Scenario, w: &World, providers: vector<ID>, k: u64, auto_publish: bool) {
    set_plan(scenario, w, TUNING_BPS, THRESHOLD, PRICE, providers, k, HOUR_MS, auto_publish);
}

fun set_plan(
    scenario: &mut Scenario,
    w: &World,
    bps: u64,
    threshold: u64,
    price: u64,
    providers: vector<ID>,
    k: u64,
    duration_ms: u64,
    auto_publish: bool,
) {
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    m.set_tuning(
        &cap,
        bps,
        threshold,
        price,
        INPUT,
        providers,
        k,
        duration_ms,
        auto_publish,
        scenario.ctx(),
    );
    ts::return_shared(m);
    scenario.return_to_sender(cap);
}

/// The model earns `amount` (as a license sale's seller part would credit it).
fun earn(scenario: &mut Scenario, w: &World, amount: u64) {
    scenario.next_tx(STRANGER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    model::add_revenue(&mut m, balance::create_for_testing<WAL>(amount));
    ts::return_shared(m);
}

/// `who` opens the model's tuning job; returns its ID.
fun open(scenario: &mut Scenario, clock: &Clock, w: &World, who: address): ID {
    scenario.next_tx(who);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let id = compute::open_tuning_job(&mut m, clock, scenario.ctx());
    ts::return_shared(m);
    id
}

/// `who` gives its newest `Blob` with `hash` to tuning job `job_id` as `provider`; returns
/// the Blob's ID.
fun submit(
    scenario: &mut Scenario,
    clock: &Clock,
    who: address,
    job_id: ID,
    provider: ID,
    hash: vector<u8>,
): ID {
    scenario.next_tx(who);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    let mut p = scenario.take_shared_by_id<ComputeProvider>(provider);
    let cap = scenario.take_from_sender<ProviderCap>();
    let system = scenario.take_shared<System>();
    let output = scenario.take_from_sender<Blob>();
    let output_id = object::id(&output);
    compute::submit_tuning_result(&mut job, &mut p, &cap, &system, output, hash, clock);
    ts::return_shared(job);
    ts::return_shared(p);
    ts::return_shared(system);
    scenario.return_to_sender(cap);
    output_id
}

/// STRANGER settles tuning job `job_id` of the model.
fun settle(scenario: &mut Scenario, clock: &Clock, w: &World, job_id: ID) {
    scenario.next_tx(STRANGER);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    compute::settle_tuning_job(&mut job, &mut m, &system, &mut treasury, clock, scenario.ctx());
    ts::return_shared(job);
    ts::return_shared(m);
    ts::return_shared(system);
    ts::return_shared(treasury);
}

/// STRANGER refunds tuning job `job_id` into the model's reserve.
fun refund(scenario: &mut Scenario, clock: &Clock, w: &World, job_id: ID) {
    scenario.next_tx(STRANGER);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    compute::refund_tuning_job(&mut job, &mut m, clock, scenario.ctx());
    ts::return_shared(job);
    ts::return_shared(m);
}

/// SELLER approves the proposal; returns the new version's Blob ID (SELLER keeps the Blob).
fun approve(scenario: &mut Scenario, clock: &Clock, w: &World): ID {
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let system = scenario.take_shared<System>();
    let blob = m.approve_tuned_version(&cap, &system, clock, scenario.ctx());
    let id = object::id(&blob);
    transfer::public_transfer(blob, SELLER);
    ts::return_shared(m);
    ts::return_shared(system);
    scenario.return_to_sender(cap);
    id
}

fun reserve(scenario: &mut Scenario, w: &World): u64 {
    scenario.next_tx(STRANGER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    let value = m.tuning_reserve();
    ts::return_shared(m);
    value
}

/// The WAL coins `who` received (taken out of its account).
fun received(scenario: &mut Scenario, who: address): u64 {
    scenario.next_tx(who);
    let mut total = 0;
    let ids = scenario.ids_for_sender<Coin<WAL>>();
    let mut i = 0;
    while (i < ids.length()) {
        let coin = scenario.take_from_sender_by_id<Coin<WAL>>(ids[i]);
        total = total + coin.value();
        destroy(coin);
        i = i + 1;
    };
    total
}

/// `who` takes the automatically published Blob of version `number` with the ModelCap it
/// owns and keeps it; returns the Blob's ID.
fun take_tuned_blob(scenario: &mut Scenario, w: &World, who: address, number: u64): ID {
    scenario.next_tx(who);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let blob = m.take_tuned_blob(&cap, number, scenario.ctx());
    let id = object::id(&blob);
    transfer::public_transfer(blob, who);
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    id
}

/// SELLER sells the model: its ModelCap goes to BUYER, who does not act with it yet (the
/// model's `owner` still says SELLER).
fun sell_to_buyer(scenario: &mut Scenario) {
    scenario.next_tx(SELLER);
    let cap = scenario.take_from_sender<ModelCap>();
    transfer::public_transfer(cap, BUYER);
}

/// Whether `who` owns the Blob `id`.
fun owns_blob(scenario: &mut Scenario, who: address, id: ID): bool {
    scenario.next_tx(who);
    scenario.ids_for_sender<Blob>().contains(&id)
}

fun finish(scenario: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}

/// SELLER's plan naming P1 alone, the reserve filled to THRESHOLD, STRANGER opening the job.
fun opened(auto_publish: bool): (Scenario, Clock, World, ID) {
    let (mut scenario, clock, w) = setup();
    plan(&mut scenario, &w, vector[w.p1], 1, auto_publish);
    earn(&mut scenario, &w, FILLING);
    let job_id = open(&mut scenario, &clock, &w, STRANGER);
    (scenario, clock, w, job_id)
}

// === The plan and the reserve ===

#[test]
fun revenue_fills_the_reserve_by_the_tuning_share() {
    let (mut scenario, clock, w) = setup();
    plan(&mut scenario, &w, vector[w.p1], 1, false);
    earn(&mut scenario, &w, 1_000);
    assert_eq!(event::events_by_type<TuningReserveAccrued>().length(), 1);
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert_eq!(m.tuning_bps(), TUNING_BPS);
    assert_eq!(m.tuning_reserve(), 200);
    assert_eq!(m.tuning_total(), 200);
    // The owner keeps the rest; the reserve is not revenue it can withdraw.
    assert_eq!(m.revenue(), 800);
    assert_eq!(m.total_revenue(), 1_000);
    ts::return_shared(m);
    finish(scenario, clock);
}

#[test]
fun dataset_shares_and_the_tuning_share_come_from_the_same_amount() {
    let (mut scenario, clock, w) = setup();
    let dataset = object::id_from_address(@0xDA7A);
    scenario.next_tx(SELLER);
    {
        let mut m = scenario.take_shared_by_id<Model>(w.model_id);
        let cap = scenario.take_from_sender<ModelCap>();
        m.set_dataset_share(&cap, 1, dataset, 3_000, scenario.ctx());
        ts::return_shared(m);
        scenario.return_to_sender(cap);
    };
    plan(&mut scenario, &w, vector[w.p1], 1, false);
    earn(&mut scenario, &w, 1_001);
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    // 30 % of 1001 = 300 to the dataset, 20 % = 200 to the reserve, the rest and the dust to
    // the owner.
    assert_eq!(m.dataset_share_pending(dataset), 300);
    assert_eq!(m.tuning_reserve(), 200);
    assert_eq!(m.revenue(), 501);
    ts::return_shared(m);
    finish(scenario, clock);
}

/// Attack: a stranger cannot change the plan (here with the cap of a model of its own).
#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun a_stranger_cannot_set_the_plan() {
    let (mut scenario, _clock, w) = setup();
    scenario.next_tx(STRANGER);
    let other_cap = model::register_model(utf8(b"mine"), utf8(b""), scenario.ctx());
    scenario.next_tx(STRANGER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    m.set_tuning(
        &other_cap,
        TUNING_BPS,
        THRESHOLD,
        THRESHOLD,
        INPUT,
        vector[w.p4],
        1,
        HOUR_MS,
        true,
        scenario.ctx(),
    );
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ETuningShareTooHigh)]
fun a_tuning_share_above_what_the_datasets_leave_aborts() {
    let (mut scenario, _clock, w) = setup();
    scenario.next_tx(SELLER);
    {
        let mut m = scenario.take_shared_by_id<Model>(w.model_id);
        let cap = scenario.take_from_sender<ModelCap>();
        m.set_dataset_share(&cap, 1, object::id_from_address(@0xDA7A), 9_000, scenario.ctx());
        ts::return_shared(m);
        scenario.return_to_sender(cap);
    };
    set_plan(&mut scenario, &w, 1_001, THRESHOLD, PRICE, vector[w.p1], 1, HOUR_MS, false);
    abort 0
}

/// A share near u64::MAX aborts by name, not by the overflow of adding the datasets' shares.
#[test, expected_failure(abort_code = floe::model::ETuningShareTooHigh)]
fun a_tuning_share_that_would_overflow_aborts_by_name() {
    let (mut scenario, _clock, w) = setup();
    scenario.next_tx(SELLER);
    {
        let mut m = scenario.take_shared_by_id<Model>(w.model_id);
        let cap = scenario.take_from_sender<ModelCap>();
        m.set_dataset_share(&cap, 1, object::id_from_address(@0xDA7A), 9_000, scenario.ctx());
        ts::return_shared(m);
        scenario.return_to_sender(cap);
    };
    set_plan(
        &mut scenario,
        &w,
        18_446_744_073_709_551_615,
        THRESHOLD,
        PRICE,
        vector[w.p1],
        1,
        HOUR_MS,
        false,
    );
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ESharesTooHigh)]
fun a_dataset_share_above_what_the_tuning_share_leaves_aborts() {
    let (mut scenario, _clock, w) = setup();
    set_plan(&mut scenario, &w, 9_000, THRESHOLD, PRICE, vector[w.p1], 1, HOUR_MS, false);
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    m.set_dataset_share(&cap, 1, object::id_from_address(@0xDA7A), 1_001, scenario.ctx());
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ETuningPrice)]
fun a_price_above_the_threshold_aborts() {
    let (mut scenario, _clock, w) = setup();
    set_plan(&mut scenario, &w, TUNING_BPS, THRESHOLD, THRESHOLD + 1, vector[w.p1], 1, HOUR_MS, false);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ETuningPrice)]
fun a_zero_price_aborts() {
    let (mut scenario, _clock, w) = setup();
    set_plan(&mut scenario, &w, TUNING_BPS, THRESHOLD, 0, vector[w.p1], 1, HOUR_MS, false);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ETuningProviders)]
fun a_plan_without_providers_aborts() {
    let (mut scenario, _clock, w) = setup();
    set_plan(&mut scenario, &w, TUNING_BPS, THRESHOLD, PRICE, vector[], 1, HOUR_MS, false);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ETuningProviders)]
fun a_plan_naming_a_provider_twice_aborts() {
    let (mut scenario, _clock, w) = setup();
    set_plan(&mut scenario, &w, TUNING_BPS, THRESHOLD, PRICE, vector[w.p1, w.p1], 2, HOUR_MS, false);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ETuningQuorum)]
fun a_plan_with_k_not_above_half_aborts() {
    let (mut scenario, _clock, w) = setup();
    set_plan(&mut scenario, &w, TUNING_BPS, THRESHOLD, PRICE, vector[w.p1, w.p2], 1, HOUR_MS, false);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ETuningDuration)]
fun a_plan_longer_than_30_days_aborts() {
    let (mut scenario, _clock, w) = setup();
    set_plan(&mut scenario, &w, TUNING_BPS, THRESHOLD, PRICE, vector[w.p1], 1, 2_592_000_001, false);
    abort 0
}

// === Opening ===

/// Attack: a stranger opens the job once the reserve is full, and it carries the owner's
/// terms: the owner's provider, the owner's price, from the reserve; the stranger pays and
/// receives nothing.
#[test]
fun anyone_opens_the_job_with_the_owners_terms_from_the_reserve() {
    let (mut scenario, clock, w, job_id) = opened(false);
    scenario.next_tx(STRANGER);
    let job = scenario.take_shared_by_id<Job>(job_id);
    assert_eq!(compute::job_providers(&job), vector[w.p1]);
    assert_eq!(compute::job_price(&job), PRICE);
    assert_eq!(compute::job_k(&job), 1);
    assert_eq!(compute::job_deadline_ms(&job), NOW_MS + HOUR_MS);
    assert!(compute::job_is_tuning(&job));
    assert_eq!(compute::job_model_id(&job), w.model_id);
    ts::return_shared(job);
    assert_eq!(reserve(&mut scenario, &w), THRESHOLD - PRICE);
    assert_eq!(received(&mut scenario, STRANGER), 0);
    finish(scenario, clock);
}

/// Attack: the stranger's own provider, not in the plan, cannot take the job's payment.
#[test, expected_failure(abort_code = floe::compute::ENotChosen)]
fun a_provider_outside_the_plan_cannot_submit() {
    let (mut scenario, clock, w, job_id) = opened(false);
    submit(&mut scenario, &clock, P4, job_id, w.p4, HASH_A);
    abort 0
}

/// Attack: a stranger cannot open a job before the reserve reaches the threshold.
#[test, expected_failure(abort_code = floe::model::EReserveBelowThreshold)]
fun opening_below_the_threshold_aborts() {
    let (mut scenario, clock, w) = setup();
    plan(&mut scenario, &w, vector[w.p1], 1, false);
    earn(&mut scenario, &w, FILLING - 5);
    open(&mut scenario, &clock, &w, STRANGER);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ENoTuning)]
fun opening_without_a_plan_aborts() {
    let (mut scenario, clock, w) = setup();
    earn(&mut scenario, &w, FILLING);
    open(&mut scenario, &clock, &w, STRANGER);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ENoVersionToTune)]
fun opening_for_a_model_without_versions_aborts() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(SELLER);
    let cap = model::register_model(utf8(b"empty"), utf8(b""), scenario.ctx());
    let model_id = model::cap_model_id(&cap);
    transfer::public_transfer(cap, SELLER);
    let w2 = World { model_id, p1: w.p1, p2: w.p2, p3: w.p3, p4: w.p4 };
    plan(&mut scenario, &w2, vector[w.p1], 1, false);
    earn(&mut scenario, &w2, FILLING);
    open(&mut scenario, &clock, &w2, STRANGER);
    abort 0
}

/// Attack: one tuning job at a time, even with enough in the reserve for two.
#[test, expected_failure(abort_code = floe::model::ETuningJobOpen)]
fun a_second_job_while_one_is_open_aborts() {
    let (mut scenario, clock, w, _job_id) = opened(false);
    earn(&mut scenario, &w, FILLING);
    open(&mut scenario, &clock, &w, STRANGER);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::EProposalPending)]
fun a_job_while_a_tuned_version_awaits_approval_aborts() {
    let (mut scenario, clock, w, job_id) = opened(false);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    earn(&mut scenario, &w, FILLING);
    open(&mut scenario, &clock, &w, STRANGER);
    abort 0
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun opening_on_a_model_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    plan(&mut scenario, &w, vector[w.p1], 1, false);
    earn(&mut scenario, &w, FILLING);
    scenario.next_tx(STRANGER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    m.set_version_for_testing(2);
    compute::open_tuning_job(&mut m, &clock, scenario.ctx());
    abort 0
}

// === Settlement, approval ===

#[test]
fun a_settled_job_proposes_and_the_owner_approves_the_next_version() {
    let (mut scenario, clock, w, job_id) = opened(false);
    let output = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    assert_eq!(event::events_by_type<TunedVersionProposed>().length(), 1);
    // The provider is paid the price less the fee, with its bond.
    assert_eq!(received(&mut scenario, P1), PRICE - FEE + BOND);
    scenario.next_tx(SELLER);
    {
        let m = scenario.take_shared_by_id<Model>(w.model_id);
        assert!(m.has_proposal());
        assert!(!m.has_tuning_job());
        assert_eq!(m.version_count(), 1);
        ts::return_shared(m);
    };
    assert_eq!(approve(&mut scenario, &clock, &w), output);
    assert_eq!(event::events_by_type<TunedVersionPublished>().length(), 1);
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert_eq!(m.version_count(), 2);
    let v2 = m.version(2);
    assert_eq!(v2.version_blob_object_id(), output);
    assert_eq!(v2.version_blob_id(), tu::blob_id_a());
    assert_eq!(v2.version_architecture(), utf8(b"onnx-mlp"));
    assert_eq!(v2.version_publisher(), SELLER);
    assert!(!m.has_proposal());
    ts::return_shared(m);
    // The owner holds the version's Blob, as after publish_version.
    assert!(owns_blob(&mut scenario, SELLER, output));
    finish(scenario, clock);
}

#[test]
fun with_auto_publish_settlement_publishes_the_next_version() {
    let (mut scenario, clock, w, job_id) = opened(true);
    let output = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    let published = event::events_by_type<TunedVersionPublished>();
    assert_eq!(published.length(), 1);
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert_eq!(m.version_count(), 2);
    assert_eq!(m.version(2).version_blob_object_id(), output);
    assert!(!m.has_proposal());
    // The Blob waits in the model for the cap holder.
    assert!(m.has_tuned_blob(2));
    ts::return_shared(m);
    assert!(!owns_blob(&mut scenario, SELLER, output));
    assert_eq!(take_tuned_blob(&mut scenario, &w, SELLER, 2), output);
    assert!(owns_blob(&mut scenario, SELLER, output));
    // The next job may open once the reserve is full again.
    earn(&mut scenario, &w, FILLING);
    let _ = open(&mut scenario, &clock, &w, STRANGER);
    finish(scenario, clock);
}

/// Attack: the model is sold (its ModelCap to BUYER) while an auto-publishing job is open,
/// and BUYER has not acted with the cap when a stranger settles the job, so the model's
/// `owner` still names SELLER. The tuned Blob goes to neither account; it waits in the
/// model, and BUYER, the cap's holder, takes it (and becomes the recorded owner).
#[test]
fun the_old_owner_does_not_receive_the_new_owners_tuned_blob() {
    let (mut scenario, clock, w, job_id) = opened(true);
    sell_to_buyer(&mut scenario);
    let output = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    scenario.next_tx(STRANGER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert_eq!(m.owner(), SELLER);
    assert_eq!(m.version_count(), 2);
    assert!(m.has_tuned_blob(2));
    ts::return_shared(m);
    assert!(!owns_blob(&mut scenario, SELLER, output));
    assert!(!owns_blob(&mut scenario, BUYER, output));
    assert_eq!(take_tuned_blob(&mut scenario, &w, BUYER, 2), output);
    assert!(owns_blob(&mut scenario, BUYER, output));
    assert!(!owns_blob(&mut scenario, SELLER, output));
    scenario.next_tx(STRANGER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert_eq!(m.owner(), BUYER);
    assert!(!m.has_tuned_blob(2));
    ts::return_shared(m);
    finish(scenario, clock);
}

/// Attack: after the sale, SELLER tries to take the tuned Blob with the ModelCap of another
/// model of its own.
#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun the_old_owner_cannot_take_the_tuned_blob_with_another_cap() {
    let (mut scenario, clock, w, job_id) = opened(true);
    sell_to_buyer(&mut scenario);
    let _ = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    scenario.next_tx(SELLER);
    let other = model::register_model(utf8(b"other"), utf8(b""), scenario.ctx());
    transfer::public_transfer(other, SELLER);
    let _ = take_tuned_blob(&mut scenario, &w, SELLER, 2);
    finish(scenario, clock);
}

/// A tuned Blob is taken once; a version published by hand (1) or never published has none.
#[test, expected_failure(abort_code = floe::model::ENoTunedBlob)]
fun taking_a_tuned_blob_twice_aborts() {
    let (mut scenario, clock, w, job_id) = opened(true);
    let _ = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    let _ = take_tuned_blob(&mut scenario, &w, SELLER, 2);
    let _ = take_tuned_blob(&mut scenario, &w, SELLER, 2);
    finish(scenario, clock);
}

/// A version published with `publish_version` leaves no Blob in the model.
#[test, expected_failure(abort_code = floe::model::ENoTunedBlob)]
fun taking_the_blob_of_a_version_published_by_hand_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = take_tuned_blob(&mut scenario, &w, SELLER, 1);
    finish(scenario, clock);
}

/// A job keeps the terms it was opened with: the owner turning auto-publish on while the job
/// is open does not publish its output unreviewed.
#[test]
fun auto_publish_turned_on_after_opening_only_proposes() {
    let (mut scenario, clock, w, job_id) = opened(false);
    plan(&mut scenario, &w, vector[w.p1], 1, true);
    let _ = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    assert_eq!(event::events_by_type<TunedVersionPublished>().length(), 0);
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert!(m.has_proposal());
    assert_eq!(m.version_count(), 1);
    ts::return_shared(m);
    finish(scenario, clock);
}

/// Turning auto-publish off does not stop a job opened with it.
#[test]
fun auto_publish_turned_off_after_opening_still_publishes() {
    let (mut scenario, clock, w, job_id) = opened(true);
    plan(&mut scenario, &w, vector[w.p1], 1, false);
    let _ = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    assert_eq!(event::events_by_type<TunedVersionPublished>().length(), 1);
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert!(!m.has_proposal());
    assert_eq!(m.version_count(), 2);
    ts::return_shared(m);
    finish(scenario, clock);
}

// === The model's open tuning job ===

/// The model no longer names the job as its open tuning job.
fun forget_job(scenario: &mut Scenario, w: &World) {
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    m.forget_tuning_job_for_testing();
    ts::return_shared(m);
}

/// A settlement hands its output only to the model whose open tuning job it is.
#[test, expected_failure(abort_code = floe::model::ENotOpenTuningJob)]
fun settling_a_job_the_model_does_not_name_aborts() {
    let (mut scenario, clock, w, job_id) = opened(false);
    let _ = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    forget_job(&mut scenario, &w);
    settle(&mut scenario, &clock, &w, job_id);
    abort 0
}

/// A refund returns escrow only into the model whose open tuning job it is.
#[test, expected_failure(abort_code = floe::model::ENotOpenTuningJob)]
fun refunding_a_job_the_model_does_not_name_aborts() {
    let (mut scenario, mut clock, w, job_id) = opened(false);
    forget_job(&mut scenario, &w);
    clock.increment_for_testing(HOUR_MS);
    refund(&mut scenario, &clock, &w, job_id);
    abort 0
}

// === clear_tuning_reserve ===

/// SELLER (the cap holder) clears the reserve with its cap.
fun clear_reserve(scenario: &mut Scenario, w: &World) {
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    m.clear_tuning_reserve(&cap, scenario.ctx());
    ts::return_shared(m);
    scenario.return_to_sender(cap);
}

#[test]
fun clearing_the_reserve_moves_it_into_the_revenue() {
    let (mut scenario, clock, w) = setup();
    plan(&mut scenario, &w, vector[w.p1], 1, false);
    earn(&mut scenario, &w, FILLING);
    let reserve = FILLING * TUNING_BPS / 10_000;
    scenario.next_tx(SELLER);
    {
        let m = scenario.take_shared_by_id<Model>(w.model_id);
        assert_eq!(m.tuning_reserve(), reserve);
        assert_eq!(m.revenue(), FILLING - reserve);
        ts::return_shared(m);
    };
    clear_reserve(&mut scenario, &w);
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert_eq!(m.tuning_reserve(), 0);
    assert_eq!(m.revenue(), FILLING);
    assert_eq!(m.tuning_total(), reserve);
    assert!(m.has_tuning());
    ts::return_shared(m);
    finish(scenario, clock);
}

/// Attack: a stranger moving a model's reserve (here with the cap of a model of its own).
#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun a_stranger_cannot_clear_the_reserve() {
    let (mut scenario, _clock, w) = setup();
    plan(&mut scenario, &w, vector[w.p1], 1, false);
    earn(&mut scenario, &w, FILLING);
    scenario.next_tx(STRANGER);
    let other_cap = model::register_model(utf8(b"mine"), utf8(b""), scenario.ctx());
    scenario.next_tx(STRANGER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    m.clear_tuning_reserve(&other_cap, scenario.ctx());
    abort 0
}

/// The open job's escrow comes back into the reserve on refund: no clearing meanwhile.
#[test, expected_failure(abort_code = floe::model::ETuningJobOpen)]
fun clearing_the_reserve_while_a_job_is_open_aborts() {
    let (mut scenario, _clock, w, _job_id) = opened(false);
    clear_reserve(&mut scenario, &w);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::EProposalPending)]
fun clearing_the_reserve_while_a_proposal_is_pending_aborts() {
    let (mut scenario, clock, w, job_id) = opened(false);
    let _ = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    clear_reserve(&mut scenario, &w);
    abort 0
}

/// 2 of 3 with a dishonest provider: the model gets the first agreeing output's Blob, the
/// other agreeing provider and the slashed one get theirs back.
#[test]
fun the_other_outputs_go_back_to_their_providers() {
    let (mut scenario, clock, w) = setup();
    plan(&mut scenario, &w, vector[w.p1, w.p2, w.p3], 2, false);
    earn(&mut scenario, &w, FILLING);
    let job_id = open(&mut scenario, &clock, &w, STRANGER);
    let liar = submit(&mut scenario, &clock, P3, job_id, w.p3, HASH_B);
    let first = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    let second = submit(&mut scenario, &clock, P2, job_id, w.p2, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    assert!(owns_blob(&mut scenario, P2, second));
    assert!(owns_blob(&mut scenario, P3, liar));
    assert!(!owns_blob(&mut scenario, P1, first));
    assert_eq!(approve(&mut scenario, &clock, &w), first);
    finish(scenario, clock);
}

/// Attack: a stranger cannot approve (here with the cap of its own model).
#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun a_stranger_cannot_approve() {
    let (mut scenario, clock, w, job_id) = opened(false);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    scenario.next_tx(STRANGER);
    let other_cap = model::register_model(utf8(b"mine"), utf8(b""), scenario.ctx());
    scenario.next_tx(STRANGER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let system = scenario.take_shared<System>();
    let blob = m.approve_tuned_version(&other_cap, &system, &clock, scenario.ctx());
    destroy(blob);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ENoProposal)]
fun approving_without_a_proposal_aborts() {
    let (mut scenario, clock, w) = setup();
    approve(&mut scenario, &clock, &w);
    abort 0
}

#[test, expected_failure(abort_code = floe::model::ENoProposal)]
fun rejecting_without_a_proposal_aborts() {
    let (mut scenario, _clock, w) = setup();
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let blob = m.reject_tuned_version(&cap, scenario.ctx());
    destroy(blob);
    abort 0
}

#[test]
fun a_rejected_version_returns_the_blob_and_frees_the_next_job() {
    let (mut scenario, clock, w, job_id) = opened(false);
    let output = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    scenario.next_tx(SELLER);
    {
        let mut m = scenario.take_shared_by_id<Model>(w.model_id);
        let cap = scenario.take_from_sender<ModelCap>();
        let blob = m.reject_tuned_version(&cap, scenario.ctx());
        assert_eq!(object::id(&blob), output);
        transfer::public_transfer(blob, SELLER);
        assert_eq!(m.version_count(), 1);
        ts::return_shared(m);
        scenario.return_to_sender(cap);
    };
    earn(&mut scenario, &w, FILLING);
    let _ = open(&mut scenario, &clock, &w, STRANGER);
    finish(scenario, clock);
}

// === Refund ===

/// Attack: after the deadline the escrow goes back into the reserve, not to the stranger who
/// opened and refunds the job; the provider's bond and Blob go back to it.
#[test]
fun a_refund_goes_back_into_the_reserve() {
    let (mut scenario, mut clock, w) = setup();
    plan(&mut scenario, &w, vector[w.p1, w.p2, w.p3], 2, false);
    earn(&mut scenario, &w, FILLING);
    let job_id = open(&mut scenario, &clock, &w, STRANGER);
    let output = submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    assert_eq!(reserve(&mut scenario, &w), THRESHOLD - PRICE);
    clock.increment_for_testing(HOUR_MS);
    refund(&mut scenario, &clock, &w, job_id);
    assert_eq!(reserve(&mut scenario, &w), THRESHOLD);
    assert_eq!(received(&mut scenario, STRANGER), 0);
    assert_eq!(received(&mut scenario, P1), BOND);
    assert!(owns_blob(&mut scenario, P1, output));
    // Another job may open.
    let _ = open(&mut scenario, &clock, &w, STRANGER);
    finish(scenario, clock);
}

/// Attack: the plain `refund` would pay the escrow to whoever opened the job; it refuses
/// tuning jobs.
#[test, expected_failure(abort_code = floe::compute::ETuningJob)]
fun the_plain_refund_refuses_a_tuning_job() {
    let (mut scenario, mut clock, _w, job_id) = opened(false);
    clock.increment_for_testing(HOUR_MS);
    scenario.next_tx(STRANGER);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    compute::refund(&mut job, &clock, scenario.ctx());
    abort 0
}

#[test, expected_failure(abort_code = floe::compute::ETuningJob)]
fun the_plain_settle_refuses_a_tuning_job() {
    let (mut scenario, clock, w, job_id) = opened(false);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    scenario.next_tx(STRANGER);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    compute::settle(&mut job, &system, &mut treasury, &clock, scenario.ctx());
    abort 0
}

/// A tuning job takes the output Blob itself: a result by reference is refused.
#[test, expected_failure(abort_code = floe::compute::ETuningJob)]
fun the_plain_submit_refuses_a_tuning_job() {
    let (mut scenario, clock, w, job_id) = opened(false);
    scenario.next_tx(P1);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    let mut p = scenario.take_shared_by_id<ComputeProvider>(w.p1);
    let cap = scenario.take_from_sender<ProviderCap>();
    let system = scenario.take_shared<System>();
    let output = scenario.take_from_sender<Blob>();
    compute::submit_result(&mut job, &mut p, &cap, &system, &output, HASH_A, &clock);
    abort 0
}

/// A plain job (paid by the model's owner, SELLER) for the `ENotTuningJob` tests.
fun plain_job(scenario: &mut Scenario, clock: &Clock, w: &World): ID {
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let payment = tu::wal_coin(scenario, PRICE);
    let id = compute::create_job(
        &m,
        &cap,
        1,
        INPUT,
        vector[w.p1],
        1,
        NOW_MS + HOUR_MS,
        payment,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    id
}

#[test, expected_failure(abort_code = floe::compute::ENotTuningJob)]
fun submit_tuning_result_refuses_a_plain_job() {
    let (mut scenario, clock, w) = setup();
    let job_id = plain_job(&mut scenario, &clock, &w);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    abort 0
}

#[test, expected_failure(abort_code = floe::compute::ENotTuningJob)]
fun settle_tuning_job_refuses_a_plain_job() {
    let (mut scenario, clock, w) = setup();
    let job_id = plain_job(&mut scenario, &clock, &w);
    settle(&mut scenario, &clock, &w, job_id);
    abort 0
}

/// Attack: a plain job's owner cannot refund its escrow into a model's reserve (or take a
/// reserve through it).
#[test, expected_failure(abort_code = floe::compute::ENotTuningJob)]
fun refund_tuning_job_refuses_a_plain_job() {
    let (mut scenario, mut clock, w) = setup();
    let job_id = plain_job(&mut scenario, &clock, &w);
    clock.increment_for_testing(HOUR_MS);
    refund(&mut scenario, &clock, &w, job_id);
    abort 0
}

/// Attack: settling with another model cannot publish the output elsewhere.
#[test, expected_failure(abort_code = floe::compute::EWrongModel)]
fun settling_with_another_model_aborts() {
    let (mut scenario, clock, w, job_id) = opened(false);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    scenario.next_tx(STRANGER);
    let cap = model::register_model(utf8(b"mine"), utf8(b""), scenario.ctx());
    let other = World { model_id: model::cap_model_id(&cap), p1: w.p1, p2: w.p2, p3: w.p3, p4: w.p4 };
    destroy(cap);
    settle(&mut scenario, &clock, &other, job_id);
    abort 0
}

/// Attack: refunding into another model's reserve is refused.
#[test, expected_failure(abort_code = floe::compute::EWrongModel)]
fun refunding_into_another_model_aborts() {
    let (mut scenario, mut clock, w, job_id) = opened(false);
    scenario.next_tx(STRANGER);
    let cap = model::register_model(utf8(b"mine"), utf8(b""), scenario.ctx());
    let other = World { model_id: model::cap_model_id(&cap), p1: w.p1, p2: w.p2, p3: w.p3, p4: w.p4 };
    destroy(cap);
    clock.increment_for_testing(HOUR_MS);
    refund(&mut scenario, &clock, &other, job_id);
    abort 0
}

/// The proposal's Blob expired before the owner approved it: approving aborts (the owner
/// rejects it instead and takes the Blob back).
#[test, expected_failure(abort_code = floe::model::EBlobExpired)]
fun approving_an_expired_output_aborts() {
    let (mut scenario, clock, w, job_id) = opened(false);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    scenario.next_tx(SELLER);
    {
        let mut system = scenario.take_shared<System>();
        let epoch = system.epoch();
        system.set_epoch_for_testing(epoch + 10);
        ts::return_shared(system);
    };
    approve(&mut scenario, &clock, &w);
    abort 0
}

/// With auto-publish, an output whose Blob expired by settlement is not published: it waits
/// as a proposal the owner can only reject.
#[test]
fun with_auto_publish_an_expired_output_is_only_proposed() {
    let (mut scenario, clock, w, job_id) = opened(true);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    scenario.next_tx(SELLER);
    {
        let mut system = scenario.take_shared<System>();
        let epoch = system.epoch();
        system.set_epoch_for_testing(epoch + 10);
        ts::return_shared(system);
    };
    settle(&mut scenario, &clock, &w, job_id);
    assert_eq!(event::events_by_type<TunedVersionProposed>().length(), 1);
    assert_eq!(event::events_by_type<TunedVersionPublished>().length(), 0);
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    assert_eq!(m.version_count(), 1);
    assert!(m.has_proposal());
    ts::return_shared(m);
    finish(scenario, clock);
}

/// `model` is made to look migrated by another package version.
fun age_model(scenario: &mut Scenario, w: &World) {
    scenario.next_tx(STRANGER);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    m.set_version_for_testing(2);
    ts::return_shared(m);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun setting_a_plan_on_a_model_of_another_version_aborts() {
    let (mut scenario, _clock, w) = setup();
    age_model(&mut scenario, &w);
    plan(&mut scenario, &w, vector[w.p1], 1, false);
    abort 0
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun settling_into_a_model_of_another_version_aborts() {
    let (mut scenario, clock, w, job_id) = opened(false);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    age_model(&mut scenario, &w);
    settle(&mut scenario, &clock, &w, job_id);
    abort 0
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun refunding_into_a_model_of_another_version_aborts() {
    let (mut scenario, mut clock, w, job_id) = opened(false);
    age_model(&mut scenario, &w);
    clock.increment_for_testing(HOUR_MS);
    refund(&mut scenario, &clock, &w, job_id);
    abort 0
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun approving_on_a_model_of_another_version_aborts() {
    let (mut scenario, clock, w, job_id) = opened(false);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, &w, job_id);
    age_model(&mut scenario, &w);
    approve(&mut scenario, &clock, &w);
    abort 0
}

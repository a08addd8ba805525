/// Compute jobs (`floe::compute`): providers, jobs, the Seal policy, results, settlement,
/// slashing and refunds; one test per abort path and an attacker's test per rule that moves
/// value or grants a key.
#[test_only]
module floe::compute_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::compute::{Self, ComputeProvider, Job, ProviderCap};
use floe::events::{ComputeJobSettled, ComputeProviderSlashed};
use floe::floe_test_utils as tu;
use floe::model::{Self, Model, ModelCap};
use floe::system::System;
use floe::wal::{Self, Treasury, WAL};
use std::string::utf8;
use std::unit_test::{assert_eq, destroy};
use sui::clock::Clock;
use sui::coin::Coin;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const SELLER: address = @0xA11CE;
const OWNER: address = @0x0B0E;
const STRANGER: address = @0x5157;

// Providers: the address of each is blake2b256(0x00 ‖ key) of its 32-byte "ed25519 key"
// (the check on-chain is the derivation; the key bytes are not curve points here).
const KEY_1: vector<u8> = x"1111111111111111111111111111111111111111111111111111111111111111";
const P1: address = @0x0a0cb64ee9932145bb2398a0964c964dc89f917b6b8d5809f3b1487c80cf827d;
const KEY_2: vector<u8> = x"2222222222222222222222222222222222222222222222222222222222222222";
const P2: address = @0x0ebaae06fc7cfc07684ba9a6f67de7ae3e98301ed0e5e6b5fbda147741be21e4;
const KEY_3: vector<u8> = x"3333333333333333333333333333333333333333333333333333333333333333";
const P3: address = @0x56214d287e93a7ee8b4879aecb35e1ddc848e983f950a4f792bfd3eefc6366dc;
/// A registered provider no job chooses: the attacker.
const KEY_4: vector<u8> = x"4444444444444444444444444444444444444444444444444444444444444444";
const P4: address = @0xd8db50ba6ffd40c6bea044f46cac3302400411525c7bd498d9f65bd93b7d2e4a;

const NOW_MS: u64 = 1_700_000_000_000;
const HOUR_MS: u64 = 3_600_000;
/// 100 WAL.
const STAKE: u64 = 100_000_000_000;
/// 10 % of STAKE.
const BOND: u64 = 10_000_000_000;
/// 1000 WAL.
const PRICE: u64 = 1_000_000_000_000;
/// 5 % (the default license fee).
const FEE: u64 = 50_000_000_000;
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

/// A 7-shard system (`floe_test_utils::setup`), the clock at NOW_MS, a model with one version
/// (blob A) by SELLER whose ModelCap then goes to OWNER, four registered providers with STAKE each; P1 and P2 own certified
/// copies of blob A (the honest output), P3 of blob B (a different output), each stored for 2
/// epochs. The next transaction is OWNER's.
fun setup(): (Scenario, Clock, World) {
    let (mut scenario, mut clock, node_caps) = tu::setup();
    destroy(node_caps);
    clock.set_for_testing(NOW_MS);
    store_blob(&mut scenario, SELLER, tu::blob_id_a(), 2, true);
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
        // OWNER runs the model's jobs: only the ModelCap's holder opens them.
        transfer::public_transfer(cap, OWNER);
    };
    let p1 = register(&mut scenario, P1, KEY_1, STAKE);
    let p2 = register(&mut scenario, P2, KEY_2, STAKE);
    let p3 = register(&mut scenario, P3, KEY_3, STAKE);
    let p4 = register(&mut scenario, P4, KEY_4, STAKE);
    store_blob(&mut scenario, P1, tu::blob_id_a(), 2, true);
    store_blob(&mut scenario, P2, tu::blob_id_a(), 2, true);
    store_blob(&mut scenario, P3, tu::blob_id_b(), 2, true);
    store_blob(&mut scenario, P4, tu::blob_id_a(), 2, true);
    scenario.next_tx(OWNER);
    (scenario, clock, World { model_id, p1, p2, p3, p4 })
}

/// `who` registers as a provider with `key` and `stake`; returns the provider's ID.
fun register(scenario: &mut Scenario, who: address, key: vector<u8>, stake: u64): ID {
    scenario.next_tx(who);
    let coin = tu::wal_coin(scenario, stake);
    compute::register_provider_for_testing(key, utf8(b"http://127.0.0.1:9000"), coin, scenario.ctx());
    scenario.next_tx(who);
    let cap = scenario.take_from_sender<ProviderCap>();
    let id = compute::cap_provider_id(&cap);
    scenario.return_to_sender(cap);
    id
}

/// `owner` stores blob A or B for `epochs` epochs (certified if `certify`); the `Blob` is
/// `owner`'s.
fun store_blob(scenario: &mut Scenario, owner: address, blob_id: u256, epochs: u64, certify: bool) {
    scenario.next_tx(owner);
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut stored = if (blob_id == tu::blob_id_a()) {
        tu::register_a(scenario, &mut system, &mut registry, epochs, false)
    } else {
        tu::register_b(scenario, &mut system, &mut registry, epochs, false)
    };
    if (certify) {
        if (blob_id == tu::blob_id_a()) tu::certify_a(&system, &mut registry, &mut stored)
        else tu::certify_b(&system, &mut registry, &mut stored);
    };
    transfer::public_transfer(stored, owner);
    ts::return_shared(system);
    ts::return_shared(registry);
}

/// OWNER opens a job on version 1 with `providers`, `k`, a deadline an hour from now and
/// PRICE; returns its ID. The next transaction is OWNER's.
fun create(scenario: &mut Scenario, clock: &Clock, w: &World, providers: vector<ID>, k: u64): ID {
    scenario.next_tx(OWNER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let payment = tu::wal_coin(scenario, PRICE);
    let id = compute::create_job(
        &m,
        &cap,
        1,
        INPUT,
        providers,
        k,
        NOW_MS + HOUR_MS,
        payment,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    scenario.next_tx(OWNER);
    id
}

/// `who` submits its newest `Blob` with `hash` to job `job_id` as provider `provider`, with
/// its own `ProviderCap`.
fun submit(
    scenario: &mut Scenario,
    clock: &Clock,
    who: address,
    job_id: ID,
    provider: ID,
    hash: vector<u8>,
) {
    scenario.next_tx(who);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    let mut p = scenario.take_shared_by_id<ComputeProvider>(provider);
    let cap = scenario.take_from_sender<ProviderCap>();
    let system = scenario.take_shared<System>();
    let output = scenario.take_from_sender<Blob>();
    compute::submit_result(&mut job, &mut p, &cap, &system, &output, hash, clock);
    ts::return_shared(job);
    ts::return_shared(p);
    ts::return_shared(system);
    scenario.return_to_sender(cap);
    scenario.return_to_sender(output);
}

/// Anyone (STRANGER) settles job `job_id`.
fun settle(scenario: &mut Scenario, clock: &Clock, job_id: ID) {
    scenario.next_tx(STRANGER);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    compute::settle(&mut job, &system, &mut treasury, clock, scenario.ctx());
    ts::return_shared(job);
    ts::return_shared(system);
    ts::return_shared(treasury);
}

/// Anyone (STRANGER) refunds job `job_id`.
fun refund(scenario: &mut Scenario, clock: &Clock, job_id: ID) {
    scenario.next_tx(STRANGER);
    let mut job = scenario.take_shared_by_id<Job>(job_id);
    compute::refund(&mut job, clock, scenario.ctx());
    ts::return_shared(job);
}

/// `who` asks for the model key of job `job_id` as provider `provider`.
fun approve(scenario: &mut Scenario, clock: &Clock, who: address, job_id: ID, provider: ID) {
    scenario.next_tx(who);
    let job = scenario.take_shared_by_id<Job>(job_id);
    let p = scenario.take_shared_by_id<ComputeProvider>(provider);
    let id = object::id_to_bytes(&compute::job_model_id(&job));
    compute::seal_approve_job_for_testing(id, &job, &p, clock, scenario.ctx());
    ts::return_shared(job);
    ts::return_shared(p);
}

/// The total value of the WAL coins `who` owns (taken out of its account, so a second call
/// counts only what arrived since).
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

fun provider_stake(scenario: &mut Scenario, provider: ID): u64 {
    scenario.next_tx(STRANGER);
    let p = scenario.take_shared_by_id<ComputeProvider>(provider);
    let stake = compute::provider_stake(&p);
    ts::return_shared(p);
    stake
}

fun finish(scenario: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}

// === Providers ===

#[test]
fun register_provider_records_key_address_and_stake() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(STRANGER);
    let p = scenario.take_shared_by_id<ComputeProvider>(w.p1);
    assert_eq!(compute::provider_operator(&p), P1);
    assert_eq!(compute::provider_public_key(&p), KEY_1);
    assert_eq!(compute::provider_network_address(&p), utf8(b"http://127.0.0.1:9000"));
    assert_eq!(compute::provider_stake(&p), STAKE);
    ts::return_shared(p);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EBadPublicKey)]
fun register_provider_short_key_aborts() {
    let (mut scenario, clock, _) = setup();
    let _ = register(&mut scenario, P1, x"11", STAKE);
    finish(scenario, clock);
}

/// Attack: registering someone else's key (to act as, or be mistaken for, that provider).
#[test, expected_failure(abort_code = floe::compute::EKeyNotSender)]
fun register_provider_with_another_accounts_key_aborts() {
    let (mut scenario, clock, _) = setup();
    let _ = register(&mut scenario, STRANGER, KEY_1, STAKE);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EBadNetworkAddress)]
fun register_provider_empty_network_address_aborts() {
    let (mut scenario, clock, _) = setup();
    scenario.next_tx(P1);
    let coin = tu::wal_coin(&mut scenario, STAKE);
    compute::register_provider_for_testing(KEY_1, utf8(b""), coin, scenario.ctx());
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EStakeTooLow)]
fun register_provider_below_min_stake_aborts() {
    let (mut scenario, clock, _) = setup();
    let _ = register(&mut scenario, P1, KEY_1, 9_999_999_999);
    finish(scenario, clock);
}

#[test]
fun add_and_withdraw_stake() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(P1);
    let mut p = scenario.take_shared_by_id<ComputeProvider>(w.p1);
    let cap = scenario.take_from_sender<ProviderCap>();
    let coin = tu::wal_coin(&mut scenario, 5);
    compute::add_stake(&mut p, &cap, coin);
    assert_eq!(compute::provider_stake(&p), STAKE + 5);
    let taken = compute::withdraw_stake(&mut p, &cap, STAKE, scenario.ctx());
    assert_eq!(taken.value(), STAKE);
    assert_eq!(compute::provider_stake(&p), 5);
    compute::set_network_address(&mut p, &cap, utf8(b"http://10.0.0.1:1"));
    assert_eq!(compute::provider_network_address(&p), utf8(b"http://10.0.0.1:1"));
    destroy(taken);
    ts::return_shared(p);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

/// Attack: taking another provider's stake with one's own cap.
#[test, expected_failure(abort_code = floe::compute::EWrongCap)]
fun withdraw_stake_with_another_providers_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(P4);
    let mut p = scenario.take_shared_by_id<ComputeProvider>(w.p1);
    let cap = scenario.take_from_sender<ProviderCap>();
    let taken = compute::withdraw_stake(&mut p, &cap, STAKE, scenario.ctx());
    destroy(taken);
    ts::return_shared(p);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::ENotEnoughStake)]
fun withdraw_more_than_the_stake_aborts() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(P1);
    let mut p = scenario.take_shared_by_id<ComputeProvider>(w.p1);
    let cap = scenario.take_from_sender<ProviderCap>();
    let taken = compute::withdraw_stake(&mut p, &cap, STAKE + 1, scenario.ctx());
    destroy(taken);
    ts::return_shared(p);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

// === create_job ===

#[test]
fun create_job_holds_the_payment_and_names_the_version() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1, w.p2, w.p3], 2);
    let job = scenario.take_shared_by_id<Job>(job_id);
    assert_eq!(compute::job_state(&job), 0);
    assert_eq!(compute::job_owner(&job), OWNER);
    assert_eq!(compute::job_model_id(&job), w.model_id);
    assert_eq!(compute::job_providers(&job), vector[w.p1, w.p2, w.p3]);
    assert_eq!(compute::job_k(&job), 2);
    assert_eq!(compute::job_deadline_ms(&job), NOW_MS + HOUR_MS);
    assert_eq!(compute::job_price(&job), PRICE);
    assert_eq!(compute::job_submission_count(&job), 0);
    ts::return_shared(job);
    finish(scenario, clock);
}

/// Creates a job with the given parameters (for abort tests).
fun create_with(
    scenario: &mut Scenario,
    clock: &Clock,
    w: &World,
    version: u64,
    providers: vector<ID>,
    k: u64,
    deadline_ms: u64,
    price: u64,
) {
    scenario.next_tx(OWNER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let payment = tu::wal_coin(scenario, price);
    let _ = compute::create_job(&m, &cap, version, INPUT, providers, k, deadline_ms, payment, clock, scenario.ctx());
    ts::return_shared(m);
    scenario.return_to_sender(cap);
}

/// Attack (free license): a stranger opens a job on someone else's model naming only its own
/// provider, so `seal_approve_job` would release the model's key to it. Without a ModelCap
/// the call cannot be written; with the cap of a model of its own it aborts.
#[test, expected_failure(abort_code = floe::compute::EWrongModelCap)]
fun a_stranger_cannot_open_a_job_on_another_model() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(STRANGER);
    let other_cap = model::register_model(utf8(b"mine"), utf8(b""), scenario.ctx());
    scenario.next_tx(STRANGER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    let payment = tu::wal_coin(&mut scenario, 1);
    let _ = compute::create_job(
        &m,
        &other_cap,
        1,
        INPUT,
        vector[w.p4],
        1,
        NOW_MS + HOUR_MS,
        payment,
        &clock,
        scenario.ctx(),
    );
    abort 0
}

#[test, expected_failure(abort_code = floe::compute::EVersionNotFound)]
fun create_job_unknown_version_aborts() {
    let (mut scenario, clock, w) = setup();
    create_with(&mut scenario, &clock, &w, 2, vector[w.p1], 1, NOW_MS + HOUR_MS, PRICE);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EBadProviderCount)]
fun create_job_without_providers_aborts() {
    let (mut scenario, clock, w) = setup();
    create_with(&mut scenario, &clock, &w, 1, vector[], 1, NOW_MS + HOUR_MS, PRICE);
    finish(scenario, clock);
}

/// Attack: naming one provider twice to reach k with a single result.
#[test, expected_failure(abort_code = floe::compute::EDuplicateProvider)]
fun create_job_naming_a_provider_twice_aborts() {
    let (mut scenario, clock, w) = setup();
    create_with(&mut scenario, &clock, &w, 1, vector[w.p1, w.p1], 2, NOW_MS + HOUR_MS, PRICE);
    finish(scenario, clock);
}

/// k = 1 of 2 would let two different outputs both settle.
#[test, expected_failure(abort_code = floe::compute::EBadQuorum)]
fun create_job_with_k_not_above_half_aborts() {
    let (mut scenario, clock, w) = setup();
    create_with(&mut scenario, &clock, &w, 1, vector[w.p1, w.p2], 1, NOW_MS + HOUR_MS, PRICE);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EBadDeadline)]
fun create_job_with_a_past_deadline_aborts() {
    let (mut scenario, clock, w) = setup();
    create_with(&mut scenario, &clock, &w, 1, vector[w.p1], 1, NOW_MS, PRICE);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EZeroPayment)]
fun create_job_without_payment_aborts() {
    let (mut scenario, clock, w) = setup();
    create_with(&mut scenario, &clock, &w, 1, vector[w.p1], 1, NOW_MS + HOUR_MS, 0);
    finish(scenario, clock);
}

// === seal_approve_job ===

#[test]
fun a_chosen_provider_gets_the_key_while_the_job_is_open() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    approve(&mut scenario, &clock, P1, job_id, w.p1);
    finish(scenario, clock);
}

/// Attack: a registered provider the job did not choose asks for the model's key.
#[test, expected_failure(abort_code = floe::compute::ENotChosen)]
fun an_unchosen_provider_cannot_get_the_key() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    approve(&mut scenario, &clock, P4, job_id, w.p4);
    finish(scenario, clock);
}

/// Attack: a stranger passes the chosen provider's (shared) object as its own.
#[test, expected_failure(abort_code = floe::compute::ENotProvider)]
fun a_stranger_passing_a_chosen_provider_cannot_get_the_key() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    approve(&mut scenario, &clock, STRANGER, job_id, w.p1);
    finish(scenario, clock);
}

/// Attack: a chosen provider asks for the key of another model through this job.
#[test, expected_failure(abort_code = floe::compute::EWrongId)]
fun a_job_does_not_open_another_model() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    scenario.next_tx(P1);
    let job = scenario.take_shared_by_id<Job>(job_id);
    let p = scenario.take_shared_by_id<ComputeProvider>(w.p1);
    compute::seal_approve_job_for_testing(
        object::id_to_bytes(&w.p2),
        &job,
        &p,
        &clock,
        scenario.ctx(),
    );
    ts::return_shared(job);
    ts::return_shared(p);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EDeadlinePassed)]
fun no_key_after_the_deadline() {
    let (mut scenario, mut clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    clock.set_for_testing(NOW_MS + HOUR_MS);
    approve(&mut scenario, &clock, P1, job_id, w.p1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EJobClosed)]
fun no_key_after_settlement() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, job_id);
    approve(&mut scenario, &clock, P1, job_id, w.p1);
    finish(scenario, clock);
}

// === submit_result ===

#[test]
fun submitting_bonds_a_tenth_of_the_stake() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    assert_eq!(provider_stake(&mut scenario, w.p1), STAKE - BOND);
    let job = scenario.take_shared_by_id<Job>(job_id);
    assert_eq!(compute::job_submission_count(&job), 1);
    ts::return_shared(job);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EWrongCap)]
fun submit_with_another_providers_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    // P4 passes P1's provider object with its own cap.
    submit(&mut scenario, &clock, P4, job_id, w.p1, HASH_A);
    finish(scenario, clock);
}

/// Attack: an unchosen provider submits a result to be paid.
#[test, expected_failure(abort_code = floe::compute::ENotChosen)]
fun an_unchosen_provider_cannot_submit() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P4, job_id, w.p4, HASH_A);
    finish(scenario, clock);
}

/// Attack: one provider submits twice to make up a quorum alone.
#[test, expected_failure(abort_code = floe::compute::EAlreadySubmitted)]
fun a_provider_cannot_submit_twice() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1, w.p2, w.p3], 2);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EBadOutputHash)]
fun submit_with_a_short_hash_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P1, job_id, w.p1, x"aa");
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EOutputNotCertified)]
fun submit_with_an_uncertified_output_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    // P1's newest Blob (the one `submit` passes) is registered but not certified.
    store_blob(&mut scenario, P1, tu::blob_id_b(), 2, false);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EOutputExpired)]
fun submit_with_an_expired_output_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    scenario.next_tx(OWNER);
    let mut system = scenario.take_shared<System>();
    // P1's output was stored for 2 epochs from epoch 1: it ends at epoch 3.
    system.set_epoch_for_testing(3);
    ts::return_shared(system);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EStakeTooLow)]
fun submit_below_min_stake_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    scenario.next_tx(P1);
    let mut p = scenario.take_shared_by_id<ComputeProvider>(w.p1);
    let cap = scenario.take_from_sender<ProviderCap>();
    let taken = compute::withdraw_stake(&mut p, &cap, STAKE - 1, scenario.ctx());
    destroy(taken);
    ts::return_shared(p);
    scenario.return_to_sender(cap);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    finish(scenario, clock);
}

/// Attack: a result after the deadline, to be paid for late work.
#[test, expected_failure(abort_code = floe::compute::EDeadlinePassed)]
fun a_late_result_is_refused() {
    let (mut scenario, mut clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    clock.set_for_testing(NOW_MS + HOUR_MS);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::EJobClosed)]
fun a_result_after_settlement_is_refused() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1, w.p2, w.p3], 2);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    submit(&mut scenario, &clock, P2, job_id, w.p2, HASH_A);
    settle(&mut scenario, &clock, job_id);
    submit(&mut scenario, &clock, P3, job_id, w.p3, HASH_B);
    finish(scenario, clock);
}

// === settle ===

#[test]
fun one_of_one_settles_pays_the_provider_and_burns_the_fee() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    scenario.next_tx(STRANGER);
    let treasury = scenario.take_shared<Treasury>();
    let burned_before = wal::total_burned(&treasury);
    ts::return_shared(treasury);
    settle(&mut scenario, &clock, job_id);
    // Events are seen only within the transaction that emitted them.
    let settled = event::events_by_type<ComputeJobSettled>();
    assert_eq!(settled.length(), 1);
    // The provider receives the payment less the fee, and its bond back.
    assert_eq!(received(&mut scenario, P1), PRICE - FEE + BOND);
    scenario.next_tx(STRANGER);
    let treasury = scenario.take_shared<Treasury>();
    assert_eq!(wal::total_burned(&treasury) - burned_before, FEE);
    ts::return_shared(treasury);
    let job = scenario.take_shared_by_id<Job>(job_id);
    assert_eq!(compute::job_state(&job), 1);
    assert_eq!(compute::settled_output_hash(&job), HASH_A);
    assert_eq!(compute::settled_output_blob_id(&job), tu::blob_id_a());
    ts::return_shared(job);
    finish(scenario, clock);
}

/// Attack (a dishonest provider among three): its different output is not paid and its bond
/// is burned; nobody receives it.
#[test]
fun a_mismatching_result_is_not_paid_and_is_slashed() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1, w.p2, w.p3], 2);
    submit(&mut scenario, &clock, P3, job_id, w.p3, HASH_B);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    submit(&mut scenario, &clock, P2, job_id, w.p2, HASH_A);
    scenario.next_tx(STRANGER);
    let treasury = scenario.take_shared<Treasury>();
    let burned_before = wal::total_burned(&treasury);
    ts::return_shared(treasury);
    settle(&mut scenario, &clock, job_id);
    // Events are seen only within the transaction that emitted them.
    let slashed = event::events_by_type<ComputeProviderSlashed>();
    assert_eq!(slashed.length(), 1);
    let share = (PRICE - FEE) / 2;
    assert_eq!(received(&mut scenario, P1), share + BOND);
    assert_eq!(received(&mut scenario, P2), share + BOND);
    assert_eq!(received(&mut scenario, P3), 0);
    assert_eq!(received(&mut scenario, OWNER), 0);
    assert_eq!(received(&mut scenario, STRANGER), 0);
    assert_eq!(provider_stake(&mut scenario, w.p3), STAKE - BOND);
    scenario.next_tx(STRANGER);
    let treasury = scenario.take_shared<Treasury>();
    assert_eq!(wal::total_burned(&treasury) - burned_before, FEE + BOND);
    ts::return_shared(treasury);
    let job = scenario.take_shared_by_id<Job>(job_id);
    assert_eq!(compute::settled_output_hash(&job), HASH_A);
    ts::return_shared(job);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::ENoQuorum)]
fun settle_without_k_matching_results_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1, w.p2, w.p3], 2);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    submit(&mut scenario, &clock, P3, job_id, w.p3, HASH_B);
    settle(&mut scenario, &clock, job_id);
    finish(scenario, clock);
}

/// Attack: a provider claims the agreed hash for another blob (P3 holds blob B); the blob a
/// job settles on must be the one k providers submitted, so the results do not agree.
#[test, expected_failure(abort_code = floe::compute::ENoQuorum)]
fun the_same_hash_with_another_blob_does_not_agree() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1, w.p3], 2);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    submit(&mut scenario, &clock, P3, job_id, w.p3, HASH_A);
    settle(&mut scenario, &clock, job_id);
    finish(scenario, clock);
}

/// 2 of 3: P3 claims the agreed hash for blob B; the two on blob A settle, P3's bond burns.
#[test]
fun the_same_hash_with_another_blob_is_slashed() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1, w.p2, w.p3], 2);
    submit(&mut scenario, &clock, P3, job_id, w.p3, HASH_A);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    submit(&mut scenario, &clock, P2, job_id, w.p2, HASH_A);
    settle(&mut scenario, &clock, job_id);
    assert_eq!(event::events_by_type<ComputeProviderSlashed>().length(), 1);
    scenario.next_tx(OWNER);
    let job = scenario.take_shared_by_id<Job>(job_id);
    assert_eq!(compute::settled_output_blob_id(&job), tu::blob_id_a());
    ts::return_shared(job);
    finish(scenario, clock);
}

/// Attack: settling twice to be paid twice.
#[test, expected_failure(abort_code = floe::compute::EJobClosed)]
fun settle_twice_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, job_id);
    settle(&mut scenario, &clock, job_id);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::compute::ENotSettled)]
fun the_output_of_an_open_job_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    let job = scenario.take_shared_by_id<Job>(job_id);
    let _ = compute::settled_output_hash(&job);
    ts::return_shared(job);
    finish(scenario, clock);
}

// === refund ===

#[test]
fun refund_after_the_deadline_returns_payment_and_bonds() {
    let (mut scenario, mut clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1, w.p3], 2);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    submit(&mut scenario, &clock, P3, job_id, w.p3, HASH_B);
    clock.set_for_testing(NOW_MS + HOUR_MS);
    refund(&mut scenario, &clock, job_id);
    assert_eq!(received(&mut scenario, OWNER), PRICE);
    assert_eq!(received(&mut scenario, P1), BOND);
    assert_eq!(received(&mut scenario, P3), BOND);
    scenario.next_tx(STRANGER);
    let job = scenario.take_shared_by_id<Job>(job_id);
    assert_eq!(compute::job_state(&job), 2);
    ts::return_shared(job);
    finish(scenario, clock);
}

/// Attack: the owner takes the payment back before the providers' deadline.
#[test, expected_failure(abort_code = floe::compute::EDeadlineNotPassed)]
fun refund_before_the_deadline_aborts() {
    let (mut scenario, clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    refund(&mut scenario, &clock, job_id);
    finish(scenario, clock);
}

/// Attack: the owner takes the payment back after the providers were paid from it.
#[test, expected_failure(abort_code = floe::compute::EJobClosed)]
fun refund_after_settlement_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    settle(&mut scenario, &clock, job_id);
    clock.set_for_testing(NOW_MS + HOUR_MS);
    refund(&mut scenario, &clock, job_id);
    finish(scenario, clock);
}

/// Attack: the owner waits past the deadline without settling to take back the payment for
/// work that was done and agreed on.
#[test, expected_failure(abort_code = floe::compute::EQuorumReached)]
fun refund_of_an_agreed_job_aborts() {
    let (mut scenario, mut clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    clock.set_for_testing(NOW_MS + HOUR_MS);
    refund(&mut scenario, &clock, job_id);
    finish(scenario, clock);
}

#[test]
fun an_agreed_job_settles_after_its_deadline() {
    let (mut scenario, mut clock, w) = setup();
    let job_id = create(&mut scenario, &clock, &w, vector[w.p1], 1);
    submit(&mut scenario, &clock, P1, job_id, w.p1, HASH_A);
    clock.set_for_testing(NOW_MS + 2 * HOUR_MS);
    settle(&mut scenario, &clock, job_id);
    assert_eq!(received(&mut scenario, P1), PRICE - FEE + BOND);
    finish(scenario, clock);
}

/// Unit tests of `floe::challenge`: the answer check against a generated vector and the
/// synthetic Merkle trees, issuing with `Random`, answering, slashing, and every abort path.
#[test_only]
module floe::challenge_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::challenge::{Self, ChallengeBoard};
use floe::floe_test_utils as tu;
use floe::staking::NodeCap;
use floe::system::System;
use floe::wal::Treasury;
use std::unit_test::{assert_eq, destroy};
use sui::clock::{Self, Clock};
use sui::random::Random;
use sui::test_scenario::{Self as ts, Scenario};

// === Shared steps ===

/// Set-up, the `Random` object, blob A stored and certified for 10 epochs, and this epoch's
/// challenges issued (IDs 0..=3, one per committee member in order). USER's turn next.
fun issued(): (Scenario, Clock, vector<NodeCap>, Blob) {
    let (mut scenario, clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);
    scenario.next_tx(tu::user());
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 10, false);
    tu::certify_a(&system, &mut registry, &mut blob);
    ts::return_shared(system);
    ts::return_shared(registry);
    scenario.next_tx(tu::user());
    issue(&mut scenario, &clock);
    scenario.next_tx(tu::user());
    (scenario, clock, caps, blob)
}

/// Calls `issue_challenges` with the shared objects.
fun issue(scenario: &mut Scenario, clock: &Clock) {
    let mut board = scenario.take_shared<ChallengeBoard>();
    let system = scenario.take_shared<System>();
    let registry = scenario.take_shared<BlobRegistry>();
    let random = scenario.take_shared<Random>();
    challenge::issue_challenges_for_testing(&mut board, &system, &registry, &random, clock, scenario.ctx());
    ts::return_shared(board);
    ts::return_shared(system);
    ts::return_shared(registry);
    ts::return_shared(random);
}

/// Answers challenge `id` correctly (built from the synthetic trees of blob A) with `cap`.
fun answer(scenario: &Scenario, clock: &Clock, cap: &NodeCap, id: u64) {
    let mut board = scenario.take_shared<ChallengeBoard>();
    let c = board.challenge(id);
    let (symbol, sliver_path, secondary, pair_path) = tu::synthetic_answer(
        tu::seed_a(),
        7,
        c.symbol_size(),
        (c.pair_index() as u64),
        (c.symbol_index() as u64),
    );
    challenge::respond(&mut board, cap, id, symbol, sliver_path, secondary, pair_path, clock);
    ts::return_shared(board);
}

/// Calls `slash_missed` on challenge `id` and destroys the reward.
fun slash(scenario: &mut Scenario, clock: &Clock, id: u64) {
    let mut board = scenario.take_shared<ChallengeBoard>();
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let reward = challenge::slash_missed(
        &mut board,
        &mut system,
        &mut treasury,
        id,
        clock,
        scenario.ctx(),
    );
    destroy(reward);
    ts::return_shared(board);
    ts::return_shared(system);
    ts::return_shared(treasury);
}

fun deadline(scenario: &Scenario, id: u64): u64 {
    let board = scenario.take_shared<ChallengeBoard>();
    let c = board.challenge(id);
    let deadline_ms = c.deadline_ms();
    ts::return_shared(board);
    deadline_ms
}

fun finish(scenario: Scenario, clock: Clock, caps: vector<NodeCap>, blob: Blob) {
    destroy(blob);
    tu::finish(scenario, clock, caps);
}

// === Pure verification ===

#[test]
fun fixed_vector_verifies() {
    let (symbol, sliver_path, secondary, pair_path) = tu::fixed_answer();
    let root = tu::root_a();
    assert!(challenge::verify_answer(root, 7, 6, 6, 8, &symbol, &sliver_path, &secondary, &pair_path));
    // Any change breaks it.
    let mut bad_symbol = symbol;
    let first = *bad_symbol.borrow(0);
    *bad_symbol.borrow_mut(0) = first ^ 1;
    assert!(!challenge::verify_answer(root, 7, 6, 6, 8, &bad_symbol, &sliver_path, &secondary, &pair_path));
    assert!(!challenge::verify_answer(root, 7, 5, 6, 8, &symbol, &sliver_path, &secondary, &pair_path));
    assert!(!challenge::verify_answer(root, 7, 6, 5, 8, &symbol, &sliver_path, &secondary, &pair_path));
    assert!(!challenge::verify_answer(tu::root_b(), 7, 6, 6, 8, &symbol, &sliver_path, &secondary, &pair_path));
    let mut bad_secondary = secondary;
    let last = *bad_secondary.borrow(31);
    *bad_secondary.borrow_mut(31) = last ^ 0x80;
    assert!(!challenge::verify_answer(root, 7, 6, 6, 8, &symbol, &sliver_path, &bad_secondary, &pair_path));
}

#[test]
fun synthetic_answers_verify() {
    let pairs = vector[vector[0, 0], vector[3, 5], vector[6, 6], vector[5, 2]];
    pairs.do_ref!(|p| {
        let i = *p.borrow(0);
        let j = *p.borrow(1);
        let (symbol, sliver_path, secondary, pair_path) = tu::synthetic_answer(tu::seed_a(), 7, 8, i, j);
        assert!(
            challenge::verify_answer(
                tu::root_a(),
                7,
                (i as u16),
                (j as u16),
                8,
                &symbol,
                &sliver_path,
                &secondary,
                &pair_path,
            )
        );
    });
    let (symbol, _, _, _) = tu::fixed_answer();
    let (same, _, _, _) = tu::synthetic_answer(tu::seed_a(), 7, 8, 6, 6);
    assert_eq!(symbol, same);
}

#[test]
fun shard_and_depth_arithmetic() {
    assert_eq!(challenge::tree_depth(1), 0);
    assert_eq!(challenge::tree_depth(2), 1);
    assert_eq!(challenge::tree_depth(4), 2);
    assert_eq!(challenge::tree_depth(7), 3);
    assert_eq!(challenge::tree_depth(8), 3);
    assert_eq!(challenge::tree_depth(1000), 10);
    // Blob A's ID bytes read big-endian are 6 mod 7 (from the generator).
    assert_eq!(challenge::blob_rotation(tu::blob_id_a(), 7), 6);
    assert_eq!(challenge::pair_index_of(tu::blob_id_a(), 6, 7), 0);
    assert_eq!(challenge::pair_index_of(tu::blob_id_a(), 0, 7), 1);
    assert_eq!(challenge::pair_index_of(tu::blob_id_a(), 5, 7), 6);
}

#[test, expected_failure(abort_code = floe::challenge::EWrongSymbolLength)]
fun wrong_symbol_length_aborts() {
    let (symbol, sliver_path, secondary, pair_path) = tu::fixed_answer();
    let _ = challenge::verify_answer(tu::root_a(), 7, 6, 6, 9, &symbol, &sliver_path, &secondary, &pair_path);
}

#[test, expected_failure(abort_code = floe::challenge::EWrongPathLength)]
fun wrong_path_length_aborts() {
    let (symbol, sliver_path, secondary, pair_path) = tu::fixed_answer();
    // depth(9) = 4, the paths have 3 entries.
    let _ = challenge::verify_answer(tu::root_a(), 9, 6, 6, 8, &symbol, &sliver_path, &secondary, &pair_path);
}

#[test, expected_failure(abort_code = floe::challenge::EWrongHashLength)]
fun short_secondary_hash_aborts() {
    let (symbol, sliver_path, mut secondary, pair_path) = tu::fixed_answer();
    let _ = secondary.pop_back();
    let _ = challenge::verify_answer(tu::root_a(), 7, 6, 6, 8, &symbol, &sliver_path, &secondary, &pair_path);
}

#[test, expected_failure(abort_code = floe::challenge::EWrongHashLength)]
fun short_path_entry_aborts() {
    let (symbol, mut sliver_path, secondary, pair_path) = tu::fixed_answer();
    let _ = sliver_path.borrow_mut(1).pop_back();
    let _ = challenge::verify_answer(tu::root_a(), 7, 6, 6, 8, &symbol, &sliver_path, &secondary, &pair_path);
}

// === Issuing ===

#[test]
fun issue_challenges_one_per_node() {
    let (scenario, clock, caps, blob) = issued();
    let board = scenario.take_shared<ChallengeBoard>();
    let system = scenario.take_shared<System>();
    assert_eq!(board.last_issued_epoch(), option::some(tu::start_epoch()));
    assert_eq!(board.next_challenge_id(), 4);
    let committee = system.committee_node_ids();
    let mut k = 0;
    while (k < 4) {
        assert!(board.is_open(k));
        let c = board.challenge(k);
        assert_eq!(c.node_id(), *committee.borrow(k));
        let shards = system.node_shards(c.node_id());
        let shard = c.shard();
        assert!(shards.contains(&shard));
        assert_eq!(c.blob_id(), tu::blob_id_a());
        assert_eq!(c.root_hash(), tu::root_a());
        assert_eq!(c.n_shards(), 7);
        assert_eq!(c.pair_index(), challenge::pair_index_of(tu::blob_id_a(), c.shard(), 7));
        assert!(c.symbol_index() < 7);
        assert_eq!(c.symbol_size(), 8);
        assert_eq!(c.epoch(), tu::start_epoch());
        assert_eq!(c.deadline_ms(), tu::start_ms() + system.challenge_window_ms());
        k = k + 1;
    };
    assert!(!board.is_open(4));
    ts::return_shared(board);
    ts::return_shared(system);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::EAlreadyIssued)]
fun issue_twice_in_an_epoch_aborts() {
    let (mut scenario, clock, caps, blob) = issued();
    issue(&mut scenario, &clock);
    finish(scenario, clock, caps, blob);
}

#[test]
fun issue_again_next_epoch() {
    let (mut scenario, clock, caps, blob) = issued();
    let mut system = scenario.take_shared<System>();
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 1);
    ts::return_shared(system);
    scenario.next_tx(tu::user());
    issue(&mut scenario, &clock);
    scenario.next_tx(tu::user());
    let board = scenario.take_shared<ChallengeBoard>();
    assert_eq!(board.next_challenge_id(), 8);
    assert_eq!(board.last_issued_epoch(), option::some(tu::start_epoch() + 1));
    let last = board.challenge(7);
    assert_eq!(last.epoch(), tu::start_epoch() + 1);
    ts::return_shared(board);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::ENoCertifiedBlob)]
fun issue_without_blobs_aborts() {
    let (mut scenario, clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);
    scenario.next_tx(tu::user());
    issue(&mut scenario, &clock);
    tu::finish(scenario, clock, caps);
}

#[test]
fun expired_blobs_are_not_challenged() {
    let (mut scenario, clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);
    scenario.next_tx(tu::user());
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 2, false);
    tu::certify_a(&system, &mut registry, &mut blob);
    // Ended but not yet destroyed or pruned: still in the registry.
    floe::system::set_epoch_for_testing(&mut system, tu::start_epoch() + 2);
    ts::return_shared(system);
    ts::return_shared(registry);
    scenario.next_tx(tu::user());
    issue(&mut scenario, &clock);
    scenario.next_tx(tu::user());
    let board = scenario.take_shared<ChallengeBoard>();
    assert_eq!(board.next_challenge_id(), 0);
    assert_eq!(board.last_issued_epoch(), option::some(tu::start_epoch() + 2));
    ts::return_shared(board);
    finish(scenario, clock, caps, blob);
}

// === Answering ===

#[test]
fun correct_answer_closes_the_challenge() {
    let (mut scenario, mut clock, caps, blob) = issued();
    // Accepted up to and including the deadline.
    clock::set_for_testing(&mut clock, deadline(&scenario, 2));
    // An object can be taken only once per transaction.
    scenario.next_tx(tu::user());
    answer(&scenario, &clock, caps.borrow(2), 2);
    scenario.next_tx(tu::user());
    let board = scenario.take_shared<ChallengeBoard>();
    assert!(!board.is_open(2));
    assert!(board.is_open(0));
    ts::return_shared(board);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::EChallengeNotFound)]
fun respond_unknown_challenge_aborts() {
    let (scenario, clock, caps, blob) = issued();
    let mut board = scenario.take_shared<ChallengeBoard>();
    let (symbol, sliver_path, secondary, pair_path) = tu::fixed_answer();
    challenge::respond(&mut board, caps.borrow(0), 99, symbol, sliver_path, secondary, pair_path, &clock);
    ts::return_shared(board);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::EChallengeResolved)]
fun respond_twice_aborts() {
    let (mut scenario, clock, caps, blob) = issued();
    answer(&scenario, &clock, caps.borrow(0), 0);
    scenario.next_tx(tu::user());
    answer(&scenario, &clock, caps.borrow(0), 0);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::ENotChallengedNode)]
fun respond_with_other_nodes_cap_aborts() {
    let (scenario, clock, caps, blob) = issued();
    answer(&scenario, &clock, caps.borrow(1), 0);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::EDeadlinePassed)]
fun respond_after_deadline_aborts() {
    let (mut scenario, mut clock, caps, blob) = issued();
    clock::set_for_testing(&mut clock, deadline(&scenario, 0) + 1);
    scenario.next_tx(tu::user());
    answer(&scenario, &clock, caps.borrow(0), 0);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::EInvalidProof)]
fun respond_with_wrong_symbol_aborts() {
    let (scenario, clock, caps, blob) = issued();
    let mut board = scenario.take_shared<ChallengeBoard>();
    let c = board.challenge(0);
    let (mut symbol, sliver_path, secondary, pair_path) = tu::synthetic_answer(
        tu::seed_a(),
        7,
        8,
        (c.pair_index() as u64),
        (c.symbol_index() as u64),
    );
    let byte = *symbol.borrow(3);
    *symbol.borrow_mut(3) = byte ^ 0xFF;
    challenge::respond(&mut board, caps.borrow(0), 0, symbol, sliver_path, secondary, pair_path, &clock);
    ts::return_shared(board);
    finish(scenario, clock, caps, blob);
}

// === Slashing ===

#[test, expected_failure(abort_code = floe::challenge::EDeadlineNotPassed)]
fun slash_before_deadline_aborts() {
    let (mut scenario, mut clock, caps, blob) = issued();
    clock::set_for_testing(&mut clock, deadline(&scenario, 1));
    scenario.next_tx(tu::user());
    slash(&mut scenario, &clock, 1);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::EChallengeResolved)]
fun slash_answered_challenge_aborts() {
    let (mut scenario, mut clock, caps, blob) = issued();
    // Read the deadline before the challenge is answered (it is then no longer open).
    let deadline_ms = deadline(&scenario, 1);
    scenario.next_tx(tu::user());
    answer(&scenario, &clock, caps.borrow(1), 1);
    clock::set_for_testing(&mut clock, deadline_ms + 1);
    scenario.next_tx(tu::user());
    slash(&mut scenario, &clock, 1);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::EChallengeResolved)]
fun slash_twice_aborts() {
    let (mut scenario, mut clock, caps, blob) = issued();
    clock::set_for_testing(&mut clock, deadline(&scenario, 1) + 1);
    scenario.next_tx(tu::user());
    slash(&mut scenario, &clock, 1);
    scenario.next_tx(tu::user());
    slash(&mut scenario, &clock, 1);
    finish(scenario, clock, caps, blob);
}

#[test, expected_failure(abort_code = floe::challenge::EChallengeNotFound)]
fun slash_unknown_challenge_aborts() {
    let (mut scenario, clock, caps, blob) = issued();
    slash(&mut scenario, &clock, 4);
    finish(scenario, clock, caps, blob);
}

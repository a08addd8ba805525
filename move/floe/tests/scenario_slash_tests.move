/// Scenario: a blob is stored and certified, challenges are issued from `Random`, node 0
/// answers correctly and is not touched, node 1 stays silent and is slashed after the
/// deadline; the burned share leaves WAL's total supply and the rest reaches the caller.
#[test_only]
module floe::scenario_slash_tests;

use floe::blob::BlobRegistry;
use floe::challenge::{Self, ChallengeBoard};
use floe::floe_test_utils as tu;
use floe::system::System;
use floe::wal::{Treasury, WAL};
use std::unit_test::{assert_eq, destroy};
use sui::clock;
use sui::coin::Coin;
use sui::random::Random;
use sui::test_scenario as ts;

const SLASHER: address = @0x5A5;

#[test]
fun missed_challenge_is_slashed_and_answered_one_is_not() {
    let (mut scenario, mut clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);

    // A user stores and certifies blob A for 10 epochs.
    scenario.next_tx(tu::user());
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 10, false);
    tu::certify_a(&system, &mut registry, &mut blob);
    ts::return_shared(system);
    ts::return_shared(registry);

    // Anyone issues this epoch's challenges: one per committee member.
    scenario.next_tx(SLASHER);
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let system = scenario.take_shared<System>();
        let registry = scenario.take_shared<BlobRegistry>();
        let random = scenario.take_shared<Random>();
        challenge::issue_challenges_for_testing(&mut board, &system, &registry, &random, &clock, scenario.ctx());
        assert_eq!(board.next_challenge_id(), 4);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(registry);
        ts::return_shared(random);
    };

    // Node 0's encoder service answers its challenge with the symbol and both proofs.
    scenario.next_tx(tu::admin());
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let c = board.challenge(0);
        let (symbol, sliver_path, secondary, pair_path) = tu::synthetic_answer(
            tu::seed_a(),
            7,
            c.symbol_size(),
            (c.pair_index() as u64),
            (c.symbol_index() as u64),
        );
        challenge::respond(
            &mut board,
            caps.borrow(0),
            0,
            symbol,
            sliver_path,
            secondary,
            pair_path,
            &clock,
        );
        assert!(!board.is_open(0));
        assert!(board.is_open(1));
        clock::set_for_testing(&mut clock, c.deadline_ms() + 1);
        ts::return_shared(board);
    };

    // Node 1 never answered: after the deadline anyone slashes it.
    scenario.next_tx(SLASHER);
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let mut system = scenario.take_shared<System>();
        let mut treasury = scenario.take_shared<Treasury>();
        let committee = system.committee_node_ids();
        let node_0 = *committee.borrow(0);
        let node_1 = *committee.borrow(1);
        let stake_0 = system.node_stake(node_0);
        let stake_1 = system.node_stake(node_1);
        let supply_before = treasury.total_supply();
        let burned_before = treasury.total_burned();
        let slashed = stake_1 * system.slash_bps() / 10_000;
        let burned = slashed * system.slash_burn_bps() / 10_000;
        assert!(burned > 0);

        let reward = challenge::slash_missed(
            &mut board,
            &mut system,
            &mut treasury,
            1,
            &clock,
            scenario.ctx(),
        );
        assert_eq!(reward.value(), slashed - burned);
        assert_eq!(system.node_stake(node_1), stake_1 - slashed);
        assert_eq!(system.node_stake(node_0), stake_0);
        assert_eq!(treasury.total_supply(), supply_before - burned);
        assert_eq!(treasury.total_burned(), burned_before + burned);
        assert!(!board.is_open(1));
        // Nodes 2 and 3 can still be slashed; node 0 cannot.
        assert!(board.is_open(2));
        assert!(board.is_open(3));
        transfer::public_transfer(reward, SLASHER);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(treasury);
    };

    // The reward reached the caller as a coin.
    scenario.next_tx(SLASHER);
    {
        let reward = scenario.take_from_sender<Coin<WAL>>();
        let system = scenario.take_shared<System>();
        let expected = tu::node_stake() * system.slash_bps() / 10_000;
        let expected = expected - expected * system.slash_burn_bps() / 10_000;
        assert_eq!(reward.value(), expected);
        ts::return_shared(system);
        destroy(reward);
    };

    destroy(blob);
    tu::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::challenge::EChallengeResolved)]
fun slashed_challenge_cannot_be_answered() {
    let (mut scenario, mut clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);
    scenario.next_tx(tu::user());
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 10, false);
    tu::certify_a(&system, &mut registry, &mut blob);
    ts::return_shared(system);
    ts::return_shared(registry);

    scenario.next_tx(SLASHER);
    let mut board = scenario.take_shared<ChallengeBoard>();
    let mut system = scenario.take_shared<System>();
    let registry = scenario.take_shared<BlobRegistry>();
    let mut treasury = scenario.take_shared<Treasury>();
    let random = scenario.take_shared<Random>();
    challenge::issue_challenges_for_testing(&mut board, &system, &registry, &random, &clock, scenario.ctx());
    let c = board.challenge(0);
    clock::set_for_testing(&mut clock, c.deadline_ms() + 1);
    let reward = challenge::slash_missed(&mut board, &mut system, &mut treasury, 0, &clock, scenario.ctx());
    // Even a correct answer is refused now (the deadline has passed too, but the challenge
    // is checked first).
    let (symbol, sliver_path, secondary, pair_path) = tu::synthetic_answer(
        tu::seed_a(),
        7,
        c.symbol_size(),
        (c.pair_index() as u64),
        (c.symbol_index() as u64),
    );
    challenge::respond(&mut board, caps.borrow(0), 0, symbol, sliver_path, secondary, pair_path, &clock);

    destroy(reward);
    ts::return_shared(board);
    ts::return_shared(system);
    ts::return_shared(registry);
    ts::return_shared(treasury);
    ts::return_shared(random);
    destroy(blob);
    tu::finish(scenario, clock, caps);
}

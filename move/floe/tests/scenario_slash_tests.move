/// Scenario: a blob is stored and certified, challenges are issued from `Random`, node 0
/// answers correctly and loses nothing, node 1 stays silent and is slashed after the
/// deadline; the burned share leaves WAL's total supply and the rest goes to the other
/// committee members' pools by shards, never to the caller. Also the attack this rules out
/// (an operator slashing its own, mostly delegated node for profit) and the stake at risk.
#[test_only]
module floe::scenario_slash_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::challenge::{Self, ChallengeBoard};
use floe::floe_test_utils as tu;
use floe::staking::NodeCap;
use floe::staking_pool;
use floe::system::{AdminCap, System};
use floe::wal::{Treasury, WAL};
use std::unit_test::{assert_eq, destroy};
use sui::balance;
use sui::clock::{Self, Clock};
use sui::coin::Coin;
use sui::random::Random;
use sui::test_scenario::{Self as ts, Scenario};

const SLASHER: address = @0x5A5;
/// Operates node 1 (whose pool is all delegated stake) and calls the slash on it.
const OPERATOR: address = @0x0B1;

#[test]
fun missed_challenge_is_slashed_and_answered_one_is_not() {
    let (mut scenario, mut clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);
    // Half burned, half to the other pools (the default burns it all, leaving nothing to
    // split: `challenge_epoch_tests`), so the split by shards is checked here.
    scenario.next_tx(tu::admin());
    {
        let mut system = scenario.take_shared<System>();
        let cap = scenario.take_from_sender<AdminCap>();
        system.set_slash_burn_bps(&cap, 5_000);
        scenario.return_to_sender(cap);
        ts::return_shared(system);
    };

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
        let stakes = committee.map_ref!(|id| system.node_stake(*id));
        let supply_before = treasury.total_supply();
        let burned_before = treasury.total_burned();
        let stake_1 = stakes[1];
        let slashed = stake_1 * system.slash_bps() / 10_000;
        let burn_share = slashed * system.slash_burn_bps() / 10_000;
        assert!(burn_share > 0);
        // The other members hold 2 + 2 + 1 = 5 shards and get the rest by shards (no dust).
        let to_pay = slashed - burn_share;

        let reward = challenge::slash_missed(
            &mut board,
            &mut system,
            &mut treasury,
            1,
            &clock,
            scenario.ctx(),
        );
        assert_eq!(reward.value(), 0);
        assert_eq!(system.node_stake(committee[1]), stake_1 - slashed);
        assert_eq!(system.node_stake(committee[0]), stakes[0] + to_pay * 2 / 5);
        assert_eq!(system.node_stake(committee[2]), stakes[2] + to_pay * 2 / 5);
        assert_eq!(system.node_stake(committee[3]), stakes[3] + to_pay / 5);
        assert_eq!(treasury.total_supply(), supply_before - burn_share);
        assert_eq!(treasury.total_burned(), burned_before + burn_share);
        assert!(!board.is_open(1));
        // Nodes 2 and 3 can still be slashed; node 0 cannot.
        assert!(board.is_open(2));
        assert!(board.is_open(3));
        destroy(reward);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(treasury);
    };

    destroy(blob);
    tu::finish(scenario, clock, caps);
}

/// Blob A certified, challenges issued (0..=3, one per member in committee order) and the
/// clock past their deadline, nobody having answered.
fun all_missed(): (Scenario, Clock, vector<NodeCap>, Blob) {
    let (mut scenario, mut clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);
    scenario.next_tx(tu::user());
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 10, false);
    tu::certify_a(&system, &mut registry, &mut blob);
    ts::return_shared(system);
    ts::return_shared(registry);
    scenario.next_tx(tu::user());
    let mut board = scenario.take_shared<ChallengeBoard>();
    let system = scenario.take_shared<System>();
    let registry = scenario.take_shared<BlobRegistry>();
    let random = scenario.take_shared<Random>();
    challenge::issue_challenges_for_testing(&mut board, &system, &registry, &random, &clock, scenario.ctx());
    let missed = board.challenge(1);
    clock::set_for_testing(&mut clock, missed.deadline_ms() + 1);
    ts::return_shared(board);
    ts::return_shared(system);
    ts::return_shared(registry);
    ts::return_shared(random);
    (scenario, clock, caps, blob)
}

/// The attack: node 1's operator owns none of its pool's stake (all 1 000 WAL are
/// delegated), skips its challenge and slashes itself, hoping to collect the non-burned
/// half of what its delegators lose (50 WAL before the fix). It gets nothing; the
/// delegators' loss goes to the burn and to the other nodes' pools.
#[test]
fun operator_slashing_its_own_node_gains_nothing() {
    let (mut scenario, clock, caps, blob) = all_missed();
    scenario.next_tx(OPERATOR);
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let mut system = scenario.take_shared<System>();
        let mut treasury = scenario.take_shared<Treasury>();
        let committee = system.committee_node_ids();
        let own_node = committee[1];
        let stake_before = system.node_stake(own_node);
        let reward = challenge::slash_missed(
            &mut board,
            &mut system,
            &mut treasury,
            1,
            &clock,
            scenario.ctx(),
        );
        assert!(system.node_stake(own_node) < stake_before);
        assert_eq!(reward.value(), 0);
        transfer::public_transfer(reward, OPERATOR);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(treasury);
    };
    // All the operator holds afterwards is an empty coin.
    scenario.next_tx(OPERATOR);
    {
        let reward = scenario.take_from_sender<Coin<WAL>>();
        assert_eq!(reward.value(), 0);
        destroy(reward);
    };
    destroy(blob);
    tu::finish(scenario, clock, caps);
}

/// Stake that became active after the challenge was issued does not enlarge the slash: it
/// is `slash_bps` of the stake at risk (recorded in the challenge), not of the pool now.
#[test]
fun slash_takes_only_the_stake_at_risk() {
    let (mut scenario, clock, caps, blob) = all_missed();
    scenario.next_tx(SLASHER);
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let mut system = scenario.take_shared<System>();
        let mut treasury = scenario.take_shared<Treasury>();
        let committee = system.committee_node_ids();
        let node_1 = committee[1];
        let missed = board.challenge(1);
        assert_eq!(missed.stake_at_risk(), tu::node_stake());
        // Nine times the stake joins node 1 after the miss.
        let late = balance::create_for_testing<WAL>(9 * tu::node_stake());
        staking_pool::add_active_stake_for_testing(system.pool_mut(node_1), late);
        let reward = challenge::slash_missed(
            &mut board,
            &mut system,
            &mut treasury,
            1,
            &clock,
            scenario.ctx(),
        );
        let slashed = tu::node_stake() * system.slash_bps() / 10_000;
        assert_eq!(system.node_stake(node_1), 10 * tu::node_stake() - slashed);
        destroy(reward);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(treasury);
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

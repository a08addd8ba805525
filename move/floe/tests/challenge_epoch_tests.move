/// The epoch change through `challenge::advance_epoch`: it waits for every challenge of the
/// ending epoch to be answered or past its deadline (`EChallengeWindowOpen`), slashes the
/// missed ones before any stake joins or leaves, so stake that becomes active at the change
/// loses nothing to a miss it was not at risk for; and with the default `slash_burn_bps` all
/// of a slash is burned, so an operator of two nodes gains nothing in one from the other's
/// slash. Also the version rule of the new entry point, and two consecutive epoch changes,
/// each settling its own epoch's challenges and none of the other's.
#[test_only]
module floe::challenge_epoch_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::challenge::{Self, ChallengeBoard};
use floe::events::ChallengeSlashed;
use floe::floe_test_utils as tu;
use floe::staking::{Self, NodeCap, StakedWal};
use floe::system::{AdminCap, System};
use floe::version;
use floe::wal::Treasury;
use std::unit_test::{assert_eq, destroy};
use sui::clock::Clock;
use sui::event;
use sui::random::Random;
use sui::test_scenario::{Self as ts, Scenario};

/// Calls `advance_epoch`; gets nothing for it.
const ADVANCER: address = @0xAD7;
/// Stakes with the silent node after its miss, in the same epoch.
const LATE_STAKER: address = @0x1A7E;
/// Length of the test system's epochs (`floe_test_utils`).
const EPOCH_MS: u64 = 3_600_000;

// === Shared steps ===

/// Set-up, blob A certified for 10 epochs, this epoch's challenges issued at `issue_at_ms`
/// (IDs 0..=3, one per committee member in order). USER's turn next.
fun issued_at(issue_at_ms: u64): (Scenario, Clock, vector<NodeCap>, Blob) {
    let (mut scenario, mut clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);
    scenario.next_tx(tu::user());
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut blob = tu::register_a(&mut scenario, &mut system, &mut registry, 10, false);
    tu::certify_a(&system, &mut registry, &mut blob);
    ts::return_shared(system);
    ts::return_shared(registry);
    clock.set_for_testing(issue_at_ms);
    scenario.next_tx(tu::user());
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let system = scenario.take_shared<System>();
        let registry = scenario.take_shared<BlobRegistry>();
        let random = scenario.take_shared<Random>();
        challenge::issue_challenges_for_testing(&mut board, &system, &registry, &random, &clock, scenario.ctx());
        assert_eq!(board.next_challenge_id(), 4);
        assert_eq!(board.first_id_of_last_issue(), 0);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(registry);
        ts::return_shared(random);
    };
    scenario.next_tx(tu::user());
    (scenario, clock, caps, blob)
}

/// Answers challenge `id` correctly with `cap` (the synthetic trees of blob A).
fun answer(scenario: &mut Scenario, clock: &Clock, cap: &NodeCap, id: u64) {
    scenario.next_tx(tu::admin());
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

/// `challenge::advance_epoch` as ADVANCER.
fun advance(scenario: &mut Scenario, clock: &Clock) {
    scenario.next_tx(ADVANCER);
    let mut board = scenario.take_shared<ChallengeBoard>();
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    challenge::advance_epoch(&mut board, &mut system, &mut treasury, clock, scenario.ctx());
    ts::return_shared(board);
    ts::return_shared(system);
    ts::return_shared(treasury);
}

/// Active stake of committee member `k` of the current committee, read in a transaction of
/// its own (an object can be taken only once per transaction).
fun member_stake(scenario: &mut Scenario, k: u64): u64 {
    scenario.next_tx(ADVANCER);
    let system = scenario.take_shared<System>();
    let committee = system.committee_node_ids();
    let stake = system.node_stake(committee[k]);
    ts::return_shared(system);
    stake
}

/// Active stakes of the four committee members, in committee order (a transaction of its own).
fun member_stakes(scenario: &mut Scenario): vector<u64> {
    scenario.next_tx(ADVANCER);
    let system = scenario.take_shared<System>();
    let committee = system.committee_node_ids();
    let stakes = committee.map_ref!(|id| system.node_stake(*id));
    ts::return_shared(system);
    stakes
}

fun finish(scenario: Scenario, clock: Clock, caps: vector<NodeCap>, blob: Blob) {
    destroy(blob);
    tu::finish(scenario, clock, caps);
}

// === The epoch waits for the answer window ===

/// Challenges issued late in the epoch: at the epoch's end node 1's is still within its
/// window, so the epoch may not end (the node could still answer).
#[test, expected_failure(abort_code = floe::challenge::EChallengeWindowOpen)]
fun advancing_with_a_challenge_in_its_window_aborts() {
    let epoch_end = tu::start_ms() + EPOCH_MS;
    let (mut scenario, mut clock, caps, blob) = issued_at(epoch_end - 1_000);
    answer(&mut scenario, &clock, caps.borrow(0), 0);
    clock.set_for_testing(epoch_end);
    advance(&mut scenario, &clock);
    finish(scenario, clock, caps, blob);
}

/// Answered challenges hold nothing up: with all four answered inside their windows, the
/// epoch ends on time even though the deadlines are still ahead.
#[test]
fun answered_challenges_do_not_hold_the_epoch() {
    let epoch_end = tu::start_ms() + EPOCH_MS;
    let (mut scenario, mut clock, caps, blob) = issued_at(epoch_end - 1_000);
    let mut id = 0;
    while (id < 4) {
        answer(&mut scenario, &clock, caps.borrow(id), id);
        id = id + 1;
    };
    clock.set_for_testing(epoch_end);
    advance(&mut scenario, &clock);
    scenario.next_tx(ADVANCER);
    let system = scenario.take_shared<System>();
    assert_eq!(system.epoch(), tu::start_epoch() + 1);
    // Nobody was slashed: every pool kept at least its 1 000 WAL (fees only add).
    let committee = system.committee_node_ids();
    assert_eq!(committee.length(), 4);
    let mut k = 0;
    while (k < 4) {
        assert!(system.node_stake(committee[k]) >= tu::node_stake());
        k = k + 1;
    };
    ts::return_shared(system);
    finish(scenario, clock, caps, blob);
}

/// Through `challenge::advance_epoch` the epoch's length still counts first.
#[test, expected_failure(abort_code = floe::system::EEpochNotOver)]
fun advancing_before_the_epoch_is_over_aborts() {
    let (mut scenario, clock, caps, blob) = issued_at(tu::start_ms());
    let mut id = 0;
    while (id < 4) {
        answer(&mut scenario, &clock, caps.borrow(id), id);
        id = id + 1;
    };
    advance(&mut scenario, &clock);
    finish(scenario, clock, caps, blob);
}

// === A late slash does not reach stake that joined after the miss ===

/// Node 1 misses its challenge; in the same epoch, after the miss, a delegator stakes
/// 9 000 WAL with it (active from the next epoch). Nobody calls `slash_missed`. The epoch
/// change slashes node 1 first (10 % of the 1 000 WAL at risk; the advancer gets nothing),
/// then the late stake joins: it is worth what was staked (to the base unit the share
/// arithmetic rounds down), where the old late slash took ~892 WAL of it.
#[test]
fun advancing_after_the_deadline_slashes_before_the_late_stake_joins() {
    let start = tu::start_ms();
    let (mut scenario, mut clock, caps, blob) = issued_at(start);
    answer(&mut scenario, &clock, caps.borrow(0), 0);
    answer(&mut scenario, &clock, caps.borrow(2), 2);
    answer(&mut scenario, &clock, caps.borrow(3), 3);
    scenario.next_tx(tu::user());
    let deadline = {
        let board = scenario.take_shared<ChallengeBoard>();
        let missed = board.challenge(1);
        assert_eq!(missed.stake_at_risk(), tu::node_stake());
        ts::return_shared(board);
        missed.deadline_ms()
    };
    clock.set_for_testing(deadline + 1);

    // The late stake, requested after the miss in the missed epoch.
    scenario.next_tx(LATE_STAKER);
    let late = 9 * tu::node_stake();
    let node_1 = {
        let mut system = scenario.take_shared<System>();
        let committee = system.committee_node_ids();
        let node_1 = committee[1];
        let coin = tu::wal_coin(&mut scenario, late);
        let staked = staking::stake(&mut system, node_1, coin, scenario.ctx());
        assert_eq!(staked.activation_epoch(), tu::start_epoch() + 1);
        transfer::public_transfer(staked, LATE_STAKER);
        ts::return_shared(system);
        node_1
    };

    scenario.next_tx(ADVANCER);
    let supply_before = {
        let treasury = scenario.take_shared<Treasury>();
        let supply = treasury.total_supply();
        ts::return_shared(treasury);
        supply
    };
    clock.set_for_testing(start + EPOCH_MS);
    advance(&mut scenario, &clock);

    scenario.next_tx(LATE_STAKER);
    let board = scenario.take_shared<ChallengeBoard>();
    let system = scenario.take_shared<System>();
    let treasury = scenario.take_shared<Treasury>();
    let staked = scenario.take_from_sender<StakedWal>();
    assert_eq!(system.epoch(), tu::start_epoch() + 1);
    assert!(!board.is_open(1));
    let slashed = tu::node_stake() * system.slash_bps() / 10_000;
    // All of it burned (the default), none of it to the advancer or another pool; the
    // epoch's storage fees settled at the change burn their own share too.
    assert!(supply_before - treasury.total_supply() >= slashed);
    // The rate the late stake joined at was taken after the slash.
    let pool = system.pool(node_1);
    let (rate_stake, _) = pool.rate(tu::start_epoch() + 1);
    assert!(rate_stake < tu::node_stake());
    assert!(rate_stake >= tu::node_stake() - slashed);
    // What the late staker could withdraw now: its shares at the pool's current rate.
    let shares = pool.shares_at_activation(staked.principal(), staked.activation_epoch());
    let worth = (((shares as u256) * (pool.active_stake() as u256) / (pool.total_shares() as u256)) as u64);
    assert!(worth <= late);
    assert!(worth + 1 >= late);
    ts::return_to_sender(&scenario, staked);
    ts::return_shared(board);
    ts::return_shared(system);
    ts::return_shared(treasury);
    finish(scenario, clock, caps, blob);
}

/// A challenge `slash_missed` already settled is not slashed again at the change, and the
/// next epoch's challenges are looked up from where its issue started.
#[test]
fun a_slashed_challenge_is_not_slashed_again_at_the_change() {
    let start = tu::start_ms();
    let (mut scenario, mut clock, caps, blob) = issued_at(start);
    answer(&mut scenario, &clock, caps.borrow(0), 0);
    answer(&mut scenario, &clock, caps.borrow(2), 2);
    answer(&mut scenario, &clock, caps.borrow(3), 3);
    scenario.next_tx(tu::user());
    let deadline = {
        let board = scenario.take_shared<ChallengeBoard>();
        let deadline = board.challenge(1).deadline_ms();
        ts::return_shared(board);
        deadline
    };
    clock.set_for_testing(deadline + 1);
    scenario.next_tx(tu::user());
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let mut system = scenario.take_shared<System>();
        let mut treasury = scenario.take_shared<Treasury>();
        let reward = challenge::slash_missed(&mut board, &mut system, &mut treasury, 1, &clock, scenario.ctx());
        destroy(reward);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(treasury);
    };
    let after_slash = member_stake(&mut scenario, 1);
    assert_eq!(after_slash, tu::node_stake() - tu::node_stake() / 10);
    clock.set_for_testing(start + EPOCH_MS);
    advance(&mut scenario, &clock);
    scenario.next_tx(ADVANCER);
    {
        let system = scenario.take_shared<System>();
        let board = scenario.take_shared<ChallengeBoard>();
        assert_eq!(system.epoch(), tu::start_epoch() + 1);
        // Fees may have been added at the change, but no second slash was taken.
        let node_1 = tu::node_stake() - tu::node_stake() / 10;
        let committee = system.committee_node_ids();
        let mut k = 0;
        let mut found = false;
        while (k < committee.length()) {
            let id = committee[k];
            if (system.node_stake(id) >= node_1 && system.node_stake(id) < tu::node_stake()) {
                found = true;
            };
            k = k + 1;
        };
        assert!(found);
        assert_eq!(board.first_id_of_last_issue(), 0);
        ts::return_shared(board);
        ts::return_shared(system);
    };
    finish(scenario, clock, caps, blob);
}

// === Two nodes, one operator ===

/// An operator runs nodes 0 and 1 and lets node 1 miss its challenge, hoping node 0's pool
/// (where its own stake and commission sit) collects part of what node 1's delegators lose.
/// With the default `slash_burn_bps` (10 000) the whole slash is burned: node 0's pool, and
/// every other pool, gains nothing.
#[test]
fun an_operator_of_two_nodes_gains_nothing_from_one_nodes_slash() {
    let (mut scenario, mut clock, caps, blob) = issued_at(tu::start_ms());
    let deadline = {
        let board = scenario.take_shared<ChallengeBoard>();
        let deadline = board.challenge(1).deadline_ms();
        ts::return_shared(board);
        deadline
    };
    clock.set_for_testing(deadline + 1);
    let stakes = member_stakes(&mut scenario);
    scenario.next_tx(tu::admin());
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let mut system = scenario.take_shared<System>();
        let mut treasury = scenario.take_shared<Treasury>();
        assert_eq!(system.slash_burn_bps(), 10_000);
        let supply_before = treasury.total_supply();
        let reward = challenge::slash_missed(&mut board, &mut system, &mut treasury, 1, &clock, scenario.ctx());
        assert_eq!(reward.value(), 0);
        let slashed = stakes[1] * system.slash_bps() / 10_000;
        assert_eq!(treasury.total_supply(), supply_before - slashed);
        let committee = system.committee_node_ids();
        assert_eq!(system.node_stake(committee[1]), stakes[1] - slashed);
        // Node 0 (the same operator's other node) and the rest: unchanged.
        assert_eq!(system.node_stake(committee[0]), stakes[0]);
        assert_eq!(system.node_stake(committee[2]), stakes[2]);
        assert_eq!(system.node_stake(committee[3]), stakes[3]);
        assert_eq!(system.pool(committee[0]).commission(), 0);
        destroy(reward);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(treasury);
    };
    finish(scenario, clock, caps, blob);
}

/// Lowered below 10 000, the rest of a slash reaches the other pools again: what the
/// setter's doc warns of (an operator's other node gains).
#[test]
fun a_lower_slash_burn_pays_the_other_pools() {
    let (mut scenario, mut clock, caps, blob) = issued_at(tu::start_ms());
    scenario.next_tx(tu::admin());
    {
        let mut system = scenario.take_shared<System>();
        let cap = scenario.take_from_sender<AdminCap>();
        system.set_slash_burn_bps(&cap, 5_000);
        scenario.return_to_sender(cap);
        ts::return_shared(system);
    };
    let deadline = {
        scenario.next_tx(tu::admin());
        let board = scenario.take_shared<ChallengeBoard>();
        let deadline = board.challenge(1).deadline_ms();
        ts::return_shared(board);
        deadline
    };
    clock.set_for_testing(deadline + 1);
    let before = member_stake(&mut scenario, 0);
    scenario.next_tx(tu::admin());
    {
        let mut board = scenario.take_shared<ChallengeBoard>();
        let mut system = scenario.take_shared<System>();
        let mut treasury = scenario.take_shared<Treasury>();
        let reward = challenge::slash_missed(&mut board, &mut system, &mut treasury, 1, &clock, scenario.ctx());
        destroy(reward);
        ts::return_shared(board);
        ts::return_shared(system);
        ts::return_shared(treasury);
    };
    assert!(member_stake(&mut scenario, 0) > before);
    finish(scenario, clock, caps, blob);
}

// === Versions ===

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun board_of_a_newer_package_refuses_advance_epoch() {
    let (mut scenario, mut clock, caps) = tu::setup();
    clock.increment_for_testing(10 * EPOCH_MS);
    let mut board = scenario.take_shared<ChallengeBoard>();
    board.set_version_for_testing(version::current() + 1);
    ts::return_shared(board);
    advance(&mut scenario, &clock);
    tu::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun system_of_an_older_package_refuses_challenge_advance_epoch() {
    let (mut scenario, mut clock, caps) = tu::setup();
    clock.increment_for_testing(10 * EPOCH_MS);
    let mut system = scenario.take_shared<System>();
    system.set_version_for_testing(version::current() - 1);
    ts::return_shared(system);
    advance(&mut scenario, &clock);
    tu::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun treasury_of_a_newer_package_refuses_challenge_advance_epoch() {
    let (mut scenario, mut clock, caps) = tu::setup();
    clock.increment_for_testing(10 * EPOCH_MS);
    let mut treasury = scenario.take_shared<Treasury>();
    treasury.set_version_for_testing(version::current() + 1);
    ts::return_shared(treasury);
    advance(&mut scenario, &clock);
    tu::finish(scenario, clock, caps);
}

/// With no challenge issued the epoch changes as before.
#[test]
fun advancing_without_challenges_works() {
    let (mut scenario, mut clock, caps) = tu::setup();
    clock.increment_for_testing(EPOCH_MS);
    advance(&mut scenario, &clock);
    scenario.next_tx(ADVANCER);
    let system = scenario.take_shared<System>();
    assert_eq!(system.epoch(), tu::start_epoch() + 1);
    ts::return_shared(system);
    tu::finish(scenario, clock, caps);
}

// === Two consecutive epoch changes ===

/// Issues this epoch's challenges (as USER).
fun issue(scenario: &mut Scenario, clock: &Clock) {
    scenario.next_tx(tu::user());
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

/// Every committee member that gained shards at the last change signals holding them, so
/// each of its shards is challengeable this epoch.
fun sync_all(scenario: &mut Scenario, caps: &vector<NodeCap>) {
    scenario.next_tx(ADVANCER);
    let mut system = scenario.take_shared<System>();
    let epoch = system.epoch();
    let mut k = 0;
    while (k < caps.length()) {
        let cap = caps.borrow(k);
        let id = staking::node_id(cap);
        if (!system.node_pending_shards(id).is_empty()) {
            staking::epoch_sync_done(&mut system, cap, epoch);
        };
        k = k + 1;
    };
    ts::return_shared(system);
}

/// The index in `caps` of node `node_id`'s cap.
fun cap_index(caps: &vector<NodeCap>, node_id: ID): u64 {
    let mut k = 0;
    while (k < caps.length()) {
        if (staking::node_id(caps.borrow(k)) == node_id) return k;
        k = k + 1;
    };
    abort 0
}

/// Active stake of the node of `cap` (a transaction of its own).
fun stake_of(scenario: &mut Scenario, cap: &NodeCap): u64 {
    scenario.next_tx(ADVANCER);
    let system = scenario.take_shared<System>();
    let stake = system.node_stake(staking::node_id(cap));
    ts::return_shared(system);
    stake
}

/// Epoch s: node 1 misses its challenge (ID 1); the change to s + 1 slashes it, once. Epoch
/// s + 1: the challenges are issued again (IDs 4 to 7, the board's last issue now starts at
/// 4), node 2 misses its own; the change to s + 2 slashes that one only: node 1's old miss is
/// not slashed a second time and node 1, which answered, loses nothing. An epoch s + 2
/// without an issue then ends without looking at s + 1's challenges again.
#[test]
fun challenges_are_settled_across_two_consecutive_epoch_changes() {
    let start = tu::start_ms();
    let (mut scenario, mut clock, caps, blob) = issued_at(start);
    let node_1 = staking::node_id(caps.borrow(1));
    let node_2 = staking::node_id(caps.borrow(2));
    scenario.next_tx(tu::user());
    {
        let board = scenario.take_shared<ChallengeBoard>();
        assert_eq!(board.challenge(1).node_id(), node_1);
        ts::return_shared(board);
    };
    answer(&mut scenario, &clock, caps.borrow(0), 0);
    answer(&mut scenario, &clock, caps.borrow(2), 2);
    answer(&mut scenario, &clock, caps.borrow(3), 3);

    // The first change: s -> s + 1, node 1's miss slashed.
    clock.set_for_testing(start + EPOCH_MS);
    advance(&mut scenario, &clock);
    assert_eq!(event::events_by_type<ChallengeSlashed>().length(), 1);
    let node_1_slashed = stake_of(&mut scenario, caps.borrow(1));
    assert!(node_1_slashed < tu::node_stake());
    scenario.next_tx(ADVANCER);
    {
        let board = scenario.take_shared<ChallengeBoard>();
        let system = scenario.take_shared<System>();
        assert_eq!(system.epoch(), tu::start_epoch() + 1);
        let mut id = 0;
        while (id < 4) {
            assert!(!board.is_open(id));
            id = id + 1;
        };
        assert_eq!(board.last_issued_epoch(), option::some(tu::start_epoch()));
        assert_eq!(board.first_id_of_last_issue(), 0);
        assert_eq!(system.committee_node_ids().length(), 4);
        ts::return_shared(board);
        ts::return_shared(system);
    };

    // Epoch s + 1: every member challengeable, the challenges issued again.
    sync_all(&mut scenario, &caps);
    issue(&mut scenario, &clock);
    scenario.next_tx(tu::user());
    let (missed, risk_2) = {
        let board = scenario.take_shared<ChallengeBoard>();
        assert_eq!(board.next_challenge_id(), 8);
        assert_eq!(board.first_id_of_last_issue(), 4);
        assert_eq!(board.last_issued_epoch(), option::some(tu::start_epoch() + 1));
        let mut missed = 8;
        let mut risk_2 = 0;
        let mut id = 4;
        while (id < 8) {
            let c = board.challenge(id);
            assert_eq!(c.epoch(), tu::start_epoch() + 1);
            // Past by the end of the epoch: the change to s + 2 may slash it.
            assert!(c.deadline_ms() < start + 2 * EPOCH_MS);
            if (c.node_id() == node_1) assert_eq!(c.stake_at_risk(), node_1_slashed);
            if (c.node_id() == node_2) {
                missed = id;
                risk_2 = c.stake_at_risk();
            };
            id = id + 1;
        };
        ts::return_shared(board);
        (missed, risk_2)
    };
    assert!(missed < 8);
    let mut id = 4;
    while (id < 8) {
        if (id != missed) {
            scenario.next_tx(tu::user());
            let board = scenario.take_shared<ChallengeBoard>();
            let k = cap_index(&caps, board.challenge(id).node_id());
            ts::return_shared(board);
            answer(&mut scenario, &clock, caps.borrow(k), id);
        };
        id = id + 1;
    };

    // The second change: s + 1 -> s + 2, node 2's miss slashed, nothing of epoch s again.
    clock.set_for_testing(start + 2 * EPOCH_MS);
    advance(&mut scenario, &clock);
    assert_eq!(event::events_by_type<ChallengeSlashed>().length(), 1);
    let node_2_after = stake_of(&mut scenario, caps.borrow(2));
    let node_1_after = stake_of(&mut scenario, caps.borrow(1));
    scenario.next_tx(ADVANCER);
    {
        let board = scenario.take_shared<ChallengeBoard>();
        let system = scenario.take_shared<System>();
        assert_eq!(system.epoch(), tu::start_epoch() + 2);
        let slash = risk_2 * system.slash_bps() / 10_000;
        // Slashed by its stake at risk (the epoch's fees only add a little).
        assert!(node_2_after < risk_2);
        assert!(node_2_after >= risk_2 - slash);
        // Node 1 answered this time: not slashed again for its old miss.
        assert!(node_1_after >= node_1_slashed);
        let mut id = 0;
        while (id < 8) {
            assert!(!board.is_open(id));
            id = id + 1;
        };
        assert_eq!(board.first_id_of_last_issue(), 4);
        ts::return_shared(board);
        ts::return_shared(system);
    };

    // Epoch s + 2 issues nothing: its end slashes nothing and settles nothing of s + 1.
    clock.set_for_testing(start + 3 * EPOCH_MS);
    advance(&mut scenario, &clock);
    assert_eq!(event::events_by_type<ChallengeSlashed>().length(), 0);
    scenario.next_tx(ADVANCER);
    {
        let board = scenario.take_shared<ChallengeBoard>();
        let system = scenario.take_shared<System>();
        assert_eq!(system.epoch(), tu::start_epoch() + 3);
        assert_eq!(board.last_issued_epoch(), option::some(tu::start_epoch() + 1));
        assert_eq!(board.next_challenge_id(), 8);
        ts::return_shared(board);
        ts::return_shared(system);
    };
    finish(scenario, clock, caps, blob);
}

/// Shards moving at an epoch change: the new holder's gained shards are pending until it
/// signals `epoch_sync_done`, challenges never pick a pending shard, every abort path of the
/// signal, and the node that signals without the slivers is still challenged and slashed.
#[test_only]
module floe::shard_sync_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::challenge::{Self, ChallengeBoard};
use floe::floe_test_utils as tu;
use floe::staking::{Self, NodeCap};
use floe::sys_test_env as env;
use floe::system::System;
use floe::wal::Treasury;
use std::unit_test::{assert_eq, destroy};
use sui::clock::{Self, Clock};
use sui::random::Random;
use sui::test_scenario::{Self as ts, Scenario};

const WHALE: address = @0x3A1E;

// === Shared steps ===

/// Four nodes with 100 WAL each, then 1 000 WAL more staked with node 0 and one more epoch:
/// node 0 takes shards the others held. Returns the node IDs and, per node, the shards it
/// held before the move.
fun shards_moved(scenario: &mut Scenario, clock: &mut Clock): (vector<ID>, vector<vector<u16>>) {
    let nodes = env::four_node_committee(scenario, clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    let before = nodes.map_ref!(|id| system.node_shards(*id));
    ts::return_shared(system);
    env::stake(scenario, WHALE, nodes[0], env::wal_of(1_000));
    env::advance(scenario, clock);
    scenario.next_tx(env::admin());
    (nodes, before)
}

/// Operator of test node `i` signals sync for `epoch`.
fun sync(scenario: &mut Scenario, i: u64, epoch: u64) {
    scenario.next_tx(floe::bls_test_vectors::operator(i));
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<NodeCap>();
    staking::epoch_sync_done(&mut system, &cap, epoch);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
}

/// Blob A certified for 10 epochs on the 7-shard set-up, with `pending` marked on node 0,
/// then this epoch's challenges issued. USER's turn next.
fun issued_with_pending(
    pending: vector<u16>,
    signal: bool,
): (Scenario, Clock, vector<NodeCap>, Blob) {
    let (mut scenario, clock, caps) = tu::setup();
    tu::setup_random(&mut scenario);
    scenario.next_tx(tu::user());
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let committee = system.committee_node_ids();
    let node0 = committee[0];
    system.set_pending_shards_for_testing(node0, pending);
    if (signal) staking::epoch_sync_done(&mut system, &caps[0], tu::start_epoch());
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
    ts::return_shared(board);
    ts::return_shared(system);
    ts::return_shared(registry);
    ts::return_shared(random);
    scenario.next_tx(tu::user());
    (scenario, clock, caps, blob)
}

/// The challenge issued to `node_id`, if any.
fun challenge_of(board: &ChallengeBoard, node_id: ID): Option<u64> {
    let mut id = 0;
    while (id < board.next_challenge_id()) {
        if (board.is_open(id) && board.challenge(id).node_id() == node_id) return option::some(id);
        id = id + 1;
    };
    option::none()
}

// === Pending shards ===

#[test]
fun the_first_committee_gains_nothing() {
    let (mut scenario, mut clock) = env::setup(10);
    let nodes = env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    nodes.do_ref!(|id| {
        assert!(!system.node_shards(*id).is_empty());
        assert!(system.node_pending_shards(*id).is_empty());
        assert_eq!(system.node_challengeable_shards(*id), system.node_shards(*id));
    });
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun shards_moved_by_stake_are_pending_for_their_new_holder() {
    let (mut scenario, mut clock) = env::setup(10);
    let (nodes, before) = shards_moved(&mut scenario, &mut clock);
    let system = scenario.take_shared<System>();
    assert!(system.node_shards(nodes[0]).length() > before[0].length());
    let mut gained_any = false;
    nodes.length().do!(|k| {
        let now = system.node_shards(nodes[k]);
        let expected = now.filter!(|s| !before[k].contains(s));
        assert_eq!(system.node_pending_shards(nodes[k]), expected);
        let challengeable = now.filter!(|s| before[k].contains(s));
        assert_eq!(system.node_challengeable_shards(nodes[k]), challengeable);
        if (!expected.is_empty()) gained_any = true;
    });
    assert!(gained_any);
    assert!(!system.node_pending_shards(nodes[0]).is_empty());
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun signalling_sync_makes_gained_shards_challengeable() {
    let (mut scenario, mut clock) = env::setup(10);
    let (nodes, _) = shards_moved(&mut scenario, &mut clock);
    let system = scenario.take_shared<System>();
    let i = env::key_index(&system, nodes[0]);
    let epoch = system.epoch();
    ts::return_shared(system);
    sync(&mut scenario, i, epoch);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    assert!(system.node_pending_shards(nodes[0]).is_empty());
    assert_eq!(system.node_challengeable_shards(nodes[0]), system.node_shards(nodes[0]));
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun pending_shards_expire_at_the_next_epoch_change() {
    let (mut scenario, mut clock) = env::setup(10);
    let (nodes, _) = shards_moved(&mut scenario, &mut clock);
    // Nobody signals; with stake unchanged the next epoch moves nothing, so nothing is
    // pending and every shard is challengeable: the grace lasts one epoch at most.
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    nodes.do_ref!(|id| {
        assert!(system.node_pending_shards(*id).is_empty());
        assert_eq!(system.node_challengeable_shards(*id), system.node_shards(*id));
    });
    ts::return_shared(system);
    env::finish(scenario, clock);
}

// === Challenges ===

#[test]
fun pending_shards_are_never_challenged() {
    // Node 0 holds shards [0, 1]; 0 is pending, so its challenge must be on shard 1.
    let (scenario, clock, caps, blob) = issued_with_pending(vector[0], false);
    let board = scenario.take_shared<ChallengeBoard>();
    let system = scenario.take_shared<System>();
    let committee = system.committee_node_ids();
    let node0 = committee[0];
    let id = challenge_of(&board, node0).destroy_some();
    assert_eq!(board.challenge(id).shard(), 1);
    ts::return_shared(board);
    ts::return_shared(system);
    destroy(blob);
    tu::finish(scenario, clock, caps);
}

#[test]
fun a_node_with_every_shard_pending_gets_no_challenge() {
    let (scenario, clock, caps, blob) = issued_with_pending(vector[0, 1], false);
    let board = scenario.take_shared<ChallengeBoard>();
    let system = scenario.take_shared<System>();
    let committee = system.committee_node_ids();
    assert!(challenge_of(&board, committee[0]).is_none());
    assert!(challenge_of(&board, committee[1]).is_some());
    assert_eq!(board.next_challenge_id(), 3);
    ts::return_shared(board);
    ts::return_shared(system);
    destroy(blob);
    tu::finish(scenario, clock, caps);
}

/// The attack: a node signals sync for shards it never fetched, hoping the signal alone
/// keeps it safe. Its gained shards are challenged like any other and it is slashed when
/// it cannot answer.
#[test]
fun a_node_that_signals_sync_without_the_slivers_is_slashed() {
    let (mut scenario, mut clock, caps, blob) = issued_with_pending(vector[0, 1], true);
    let mut board = scenario.take_shared<ChallengeBoard>();
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let committee = system.committee_node_ids();
    let node0 = committee[0];
    let id = challenge_of(&board, node0).destroy_some();
    let shard = board.challenge(id).shard();
    assert!(shard == 0 || shard == 1);
    clock::set_for_testing(&mut clock, board.challenge(id).deadline_ms() + 1);
    let stake_before = system.node_stake(node0);
    let nothing = challenge::slash_missed(
        &mut board,
        &mut system,
        &mut treasury,
        id,
        &clock,
        scenario.ctx(),
    );
    assert!(system.node_stake(node0) < stake_before);
    destroy(nothing);
    ts::return_shared(board);
    ts::return_shared(system);
    ts::return_shared(treasury);
    destroy(blob);
    tu::finish(scenario, clock, caps);
}

// === Aborts ===

#[test, expected_failure(abort_code = floe::system::ENoPendingShards)]
fun signalling_sync_twice_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    let (nodes, _) = shards_moved(&mut scenario, &mut clock);
    let system = scenario.take_shared<System>();
    let i = env::key_index(&system, nodes[0]);
    let epoch = system.epoch();
    ts::return_shared(system);
    sync(&mut scenario, i, epoch);
    sync(&mut scenario, i, epoch);
    env::finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::system::ENoPendingShards)]
fun signalling_sync_without_gained_shards_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    let nodes = env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    let i = env::key_index(&system, nodes[0]);
    ts::return_shared(system);
    sync(&mut scenario, i, 1);
    env::finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::system::EWrongSyncEpoch)]
fun signalling_sync_for_another_epoch_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    let (nodes, _) = shards_moved(&mut scenario, &mut clock);
    let system = scenario.take_shared<System>();
    let i = env::key_index(&system, nodes[0]);
    let epoch = system.epoch();
    ts::return_shared(system);
    sync(&mut scenario, i, epoch + 1);
    env::finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::system::ENotCommitteeMember)]
fun signalling_sync_outside_the_committee_aborts() {
    // Node 3 registers but nobody stakes with it: it never joins the committee.
    let (mut scenario, mut clock) = env::setup(10);
    let n0 = env::register(&mut scenario, 0);
    env::register(&mut scenario, 3);
    env::stake(&mut scenario, @0xC0, n0, env::wal_of(100));
    env::advance(&mut scenario, &mut clock);
    sync(&mut scenario, 3, 1);
    env::finish(scenario, clock);
}

#[test_only]
module floe::staking_tests;

use floe::bls_test_vectors as vectors;
use floe::sys_test_env as env;
use floe::staking::{Self, NodeCap, StakedWal};
use floe::staking_pool;
use floe::system::System;
use floe::wal::{Self, Treasury, WAL};
use std::string;
use std::unit_test::{assert_eq, destroy};
use sui::coin::Coin;
use sui::test_scenario as ts;

// === register_node ===

#[test]
fun register_node_creates_pool_and_cap() {
    let (mut scenario, clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    scenario.next_tx(vectors::operator(0));
    let cap = scenario.take_from_sender<NodeCap>();
    assert_eq!(cap.node_id(), node);
    let system = scenario.take_shared<System>();
    assert!(system.is_registered(node));
    assert_eq!(system.node_count(), 1);
    assert_eq!(system.node_ids(), vector[node]);
    assert_eq!(system.node_bls_public_key(node), vectors::pk(0));
    let pool = system.pool(node);
    assert_eq!(pool.node_id(), node);
    assert_eq!(pool.node_cap_id(), object::id(&cap));
    assert_eq!(pool.name(), string::utf8(b"test node"));
    assert_eq!(pool.network_address(), string::utf8(b"10.0.0.1:9000"));
    assert_eq!(pool.commission_bps(), env::commission_bps());
    assert_eq!(pool.registered_epoch(), 0);
    assert_eq!(pool.storage_price_vote(), system.storage_price_per_mib_epoch());
    assert_eq!(pool.write_price_vote(), system.write_price_per_mib());
    assert_eq!(pool.capacity_vote(), 1_099_511_627_776);
    assert_eq!(pool.active_stake(), 0);
    assert_eq!(pool.total_shares(), 0);
    ts::return_shared(system);
    scenario.return_to_sender(cap);
    env::finish(scenario, clock);
}

#[test]
fun proof_of_possession_message_is_sender_then_key() {
    let message = staking::proof_of_possession_message(@0xB1, vectors::pk(0));
    assert_eq!(message.length(), 80);
    let mut expected = std::bcs::to_bytes(&@0xB1);
    expected.append(vectors::pk(0));
    assert_eq!(message, expected);
}

/// Registers test key `key` as `sender` with the given fields.
fun register_as(
    scenario: &mut ts::Scenario,
    sender: address,
    name: vector<u8>,
    network_address: vector<u8>,
    key: vector<u8>,
    pop: vector<u8>,
    commission_bps: u64,
) {
    scenario.next_tx(sender);
    let mut system = scenario.take_shared<System>();
    let cap = staking::register_node(
        &mut system,
        string::utf8(name),
        string::utf8(network_address),
        key,
        pop,
        commission_bps,
        scenario.ctx(),
    );
    transfer::public_transfer(cap, sender);
    ts::return_shared(system);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidCommission)]
fun register_with_commission_above_100_percent_aborts() {
    let (mut scenario, clock) = env::setup(10);
    register_as(&mut scenario, vectors::operator(0), b"n", b"a", vectors::pk(0), vectors::pop(0), 10_001);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidName)]
fun register_with_empty_name_aborts() {
    let (mut scenario, clock) = env::setup(10);
    register_as(&mut scenario, vectors::operator(0), b"", b"a", vectors::pk(0), vectors::pop(0), 0);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidNetworkAddress)]
fun register_with_empty_network_address_aborts() {
    let (mut scenario, clock) = env::setup(10);
    register_as(&mut scenario, vectors::operator(0), b"n", b"", vectors::pk(0), vectors::pop(0), 0);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidBlsKey)]
fun register_with_short_key_aborts() {
    let (mut scenario, clock) = env::setup(10);
    let mut key = vectors::pk(0);
    key.pop_back();
    register_as(&mut scenario, vectors::operator(0), b"n", b"a", key, vectors::pop(0), 0);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidProofOfPossession)]
fun register_with_proof_for_other_sender_aborts() {
    let (mut scenario, clock) = env::setup(10);
    // Node 0's proof binds its key to operator 0, not operator 1.
    register_as(&mut scenario, vectors::operator(1), b"n", b"a", vectors::pk(0), vectors::pop(0), 0);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidProofOfPossession)]
fun register_with_proof_of_other_key_aborts() {
    let (mut scenario, clock) = env::setup(10);
    register_as(&mut scenario, vectors::operator(0), b"n", b"a", vectors::pk(0), vectors::pop(1), 0);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EDuplicateBlsKey)]
fun register_same_key_twice_aborts() {
    let (mut scenario, clock) = env::setup(10);
    register_as(&mut scenario, vectors::operator(0), b"n", b"a", vectors::pk(0), vectors::pop(0), 0);
    register_as(&mut scenario, vectors::operator(0), b"n", b"a", vectors::pk(0), vectors::pop(0), 0);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::ETooManyNodes)]
fun register_beyond_max_nodes_aborts() {
    let (mut scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let mut i: u64 = 0;
    while (i <= floe::system::max_nodes()) {
        // Distinct 48-byte keys (not checked by the test helper).
        let mut key = std::bcs::to_bytes(&i);
        while (key.length() < 48) {
            key.push_back(0);
        };
        let stake = wal::mint_for_testing(&mut treasury, env::wal_of(1), scenario.ctx());
        let cap = staking::register_node_for_testing(
            &mut system,
            string::utf8(b"n"),
            key,
            stake,
            scenario.ctx(),
        );
        transfer::public_transfer(cap, env::admin());
        i = i + 1;
    };
    ts::return_shared(treasury);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun register_node_for_testing_stake_is_active_at_once() {
    let (mut scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let stake = wal::mint_for_testing(&mut treasury, env::wal_of(1_000), scenario.ctx());
    let cap = staking::register_node_for_testing(
        &mut system,
        string::utf8(b"n"),
        vectors::pk(2),
        stake,
        scenario.ctx(),
    );
    assert_eq!(system.node_stake(cap.node_id()), env::wal_of(1_000));
    assert_eq!(system.node_bls_public_key(cap.node_id()), vectors::pk(2));
    transfer::public_transfer(cap, env::admin());
    ts::return_shared(treasury);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

// === Votes, network address, commission ===

#[test]
fun operator_sets_votes_and_address() {
    let (mut scenario, clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    scenario.next_tx(vectors::operator(0));
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<NodeCap>();
    staking::set_storage_price_vote(&mut system, &cap, 7);
    staking::set_write_price_vote(&mut system, &cap, 8);
    staking::set_capacity_vote(&mut system, &cap, 0);
    staking::set_network_address(&mut system, &cap, string::utf8(b"node.example:443"));
    let pool = system.pool(node);
    assert_eq!(pool.storage_price_vote(), 7);
    assert_eq!(pool.write_price_vote(), 8);
    assert_eq!(pool.capacity_vote(), 0);
    assert_eq!(pool.network_address(), string::utf8(b"node.example:443"));
    assert_eq!(sui::event::events_by_type<floe::events::VoteSet>().length(), 3);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidVote)]
fun zero_storage_price_vote_aborts() {
    let (mut scenario, clock) = env::setup(10);
    env::register(&mut scenario, 0);
    scenario.next_tx(vectors::operator(0));
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<NodeCap>();
    staking::set_storage_price_vote(&mut system, &cap, 0);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidVote)]
fun zero_write_price_vote_aborts() {
    let (mut scenario, clock) = env::setup(10);
    env::register(&mut scenario, 0);
    scenario.next_tx(vectors::operator(0));
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<NodeCap>();
    staking::set_write_price_vote(&mut system, &cap, 0);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EInvalidNetworkAddress)]
fun empty_network_address_update_aborts() {
    let (mut scenario, clock) = env::setup(10);
    env::register(&mut scenario, 0);
    scenario.next_tx(vectors::operator(0));
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<NodeCap>();
    staking::set_network_address(&mut system, &cap, string::utf8(b""));
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun collect_commission_without_rewards_is_zero() {
    let (mut scenario, clock) = env::setup(10);
    env::register(&mut scenario, 0);
    scenario.next_tx(vectors::operator(0));
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<NodeCap>();
    let coin = staking::collect_commission(&mut system, &cap, scenario.ctx());
    assert_eq!(coin.value(), 0);
    coin.destroy_zero();
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

// === stake, request_withdraw, withdraw ===

#[test]
fun stake_is_pending_until_next_epoch() {
    let (mut scenario, mut clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    let id = env::stake(&mut scenario, @0xC0, node, env::wal_of(100));
    scenario.next_tx(@0xC0);
    let staked = scenario.take_from_sender_by_id<StakedWal>(id);
    assert_eq!(staked.staked_node_id(), node);
    assert_eq!(staked.principal(), env::wal_of(100));
    assert_eq!(staked.activation_epoch(), 1);
    assert_eq!(staked.withdraw_epoch(), 0);
    assert!(!staked.is_withdrawing());
    scenario.return_to_sender(staked);
    let system = scenario.take_shared<System>();
    assert_eq!(system.pool(node).pending_stake(), env::wal_of(100));
    assert_eq!(system.node_stake(node), 0);
    ts::return_shared(system);
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(@0xC0);
    let system = scenario.take_shared<System>();
    let pool = system.pool(node);
    assert_eq!(pool.pending_stake(), 0);
    assert_eq!(pool.active_stake(), env::wal_of(100));
    assert_eq!(pool.total_shares(), (env::wal_of(100) as u128));
    assert!(pool.has_rate(1));
    let (rate_stake, rate_shares) = pool.rate(1);
    assert_eq!(rate_stake, 0);
    assert_eq!(rate_shares, 0);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EStakeTooSmall)]
fun stake_below_one_wal_aborts() {
    let (mut scenario, clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    env::stake(&mut scenario, @0xC0, node, env::wal_of(1) - 1);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::ENodeNotFound)]
fun stake_with_unknown_node_aborts() {
    let (mut scenario, clock) = env::setup(10);
    env::stake(&mut scenario, @0xC0, object::id_from_address(@0x1234), env::wal_of(1));
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EWithdrawAlreadyRequested)]
fun request_withdraw_twice_aborts() {
    let (mut scenario, clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    let id = env::stake(&mut scenario, @0xC0, node, env::wal_of(100));
    env::request_withdraw(&mut scenario, @0xC0, id);
    env::request_withdraw(&mut scenario, @0xC0, id);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EWithdrawNotRequested)]
fun withdraw_without_request_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    let id = env::stake(&mut scenario, @0xC0, node, env::wal_of(100));
    env::advance(&mut scenario, &mut clock);
    env::withdraw(&mut scenario, @0xC0, id);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::staking::EWithdrawTooEarly)]
fun withdraw_in_request_epoch_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    let id = env::stake(&mut scenario, @0xC0, node, env::wal_of(100));
    env::advance(&mut scenario, &mut clock);
    env::request_withdraw(&mut scenario, @0xC0, id);
    env::withdraw(&mut scenario, @0xC0, id);
    env::finish(scenario, clock);
}

#[test]
fun pending_stake_withdrawn_early_pays_the_fee() {
    let (mut scenario, mut clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    let id = env::stake(&mut scenario, @0xC0, node, env::wal_of(100));
    // Requested before it became active: set aside at once, never joins the pool.
    env::request_withdraw(&mut scenario, @0xC0, id);
    scenario.next_tx(@0xC0);
    let system = scenario.take_shared<System>();
    assert_eq!(system.pool(node).pending_stake(), 0);
    assert_eq!(system.pool(node).withdrawable(), env::wal_of(100));
    ts::return_shared(system);
    env::advance(&mut scenario, &mut clock);
    let supply_before = env::total_supply(&mut scenario);
    let received = env::withdraw(&mut scenario, @0xC0, id);
    // 0 working epochs < 2: 5 % fee burned.
    assert_eq!(received, env::wal_of(95));
    assert_eq!(env::total_supply(&mut scenario), supply_before - env::wal_of(5));
    scenario.next_tx(@0xC0);
    let coin = scenario.take_from_sender<Coin<WAL>>();
    assert_eq!(coin.value(), env::wal_of(95));
    destroy(coin);
    env::finish(scenario, clock);
}

#[test]
fun withdraw_after_min_stake_epochs_pays_no_fee() {
    let (mut scenario, mut clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    let id = env::stake(&mut scenario, @0xC0, node, env::wal_of(100));
    env::advance(&mut scenario, &mut clock); // epoch 1: active
    env::advance(&mut scenario, &mut clock); // epoch 2
    env::request_withdraw(&mut scenario, @0xC0, id);
    env::advance(&mut scenario, &mut clock); // epoch 3: worked epochs 1 and 2
    let supply_before = env::total_supply(&mut scenario);
    assert_eq!(env::withdraw(&mut scenario, @0xC0, id), env::wal_of(100));
    assert_eq!(env::total_supply(&mut scenario), supply_before);
    scenario.next_tx(@0xC0);
    let system = scenario.take_shared<System>();
    let pool = system.pool(node);
    assert_eq!(pool.active_stake(), 0);
    assert_eq!(pool.total_shares(), 0);
    assert_eq!(pool.withdrawable(), 0);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun slash_reaches_every_staker_pro_rata() {
    let (mut scenario, mut clock) = env::setup(10);
    let node = env::register(&mut scenario, 0);
    let a = env::stake(&mut scenario, @0xC0, node, env::wal_of(100));
    let b = env::stake(&mut scenario, @0xC1, node, env::wal_of(300));
    env::advance(&mut scenario, &mut clock);
    // Slash 10 % of the 400 WAL pool; burn what was taken.
    scenario.next_tx(env::admin());
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let at_risk = system.node_stake(node);
    let slashed = system.slash_node(node, at_risk);
    assert_eq!(slashed.value(), env::wal_of(40));
    assert_eq!(system.node_stake(node), env::wal_of(360));
    wal::burn_balance(&mut treasury, slashed, wal::source_slashing());
    ts::return_shared(treasury);
    ts::return_shared(system);
    env::request_withdraw(&mut scenario, @0xC0, a);
    env::request_withdraw(&mut scenario, @0xC1, b);
    env::advance(&mut scenario, &mut clock);
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_address<floe::system::AdminCap>(env::admin());
    system.set_early_unstake_fee_bps(&cap, 0);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    assert_eq!(env::withdraw(&mut scenario, @0xC0, a), env::wal_of(90));
    assert_eq!(env::withdraw(&mut scenario, @0xC1, b), env::wal_of(270));
    env::finish(scenario, clock);
}

/// A pool whose shares are worth nothing (stake slashed away, shares left) used to sell new
/// shares 1:1, so a newcomer's stake was shared with the worthless old shares. It is now
/// priced as if the pool held one base unit: the newcomer keeps (almost) all its value.
#[test]
fun stake_joining_a_pool_with_shares_but_no_stake_keeps_its_value() {
    // Empty pool: 1:1; a working pool: at its rate.
    assert_eq!(staking_pool::shares_for_testing(100, 0, 0), 100);
    assert_eq!(staking_pool::shares_for_testing(100, 50, 200), 400);
    // 1 000 worthless shares, 1 000 000 units joining: 10^9 new shares, so the old ones
    // are worth 1 000 000 · 1 000 / (10^9 + 1 000) < 1 unit.
    let minted = staking_pool::shares_for_testing(1_000_000, 0, 1_000);
    assert_eq!(minted, 1_000_000_000);
    let old_value = (1_000_000u128 * 1_000) / (minted + 1_000);
    assert_eq!(old_value, 0);
}

/// Scenarios across several epochs: storage fees paid to the committee and reaching every
/// staker pro rata (with the operator's commission and the fee burn), an early unstake
/// paying its fee with the burn visible in total supply, and capacity bought for one epoch
/// coming back at the epoch change without anyone destroying the storage.
#[test_only]
module floe::scenario_epoch_tests;

use floe::blob;
use floe::bls_test_vectors as vectors;
use floe::staking::{Self, NodeCap};
use floe::sys_test_env as env;
use floe::system::System;
use floe::wal::{Self, Treasury};
use std::unit_test::{assert_eq, destroy};
use sui::test_scenario as ts;

const ALICE: address = @0xA11CE;
const BOB: address = @0xB0B;
const CAROL: address = @0xCA801;
const ATTACKER: address = @0xBAD;
const VICTIM: address = @0x71C;

#[test]
fun full_epoch_cycle_pays_rewards_pro_rata() {
    let (mut scenario, mut clock) = env::setup(10);
    // Epoch 0: four nodes register; Alice (100) and Bob (300) stake with node 0, Carol
    // (100) with each other node.
    let n0 = env::register(&mut scenario, 0);
    let n1 = env::register(&mut scenario, 1);
    let n2 = env::register(&mut scenario, 2);
    let n3 = env::register(&mut scenario, 3);
    let alice = env::stake(&mut scenario, ALICE, n0, env::wal_of(100));
    let bob = env::stake(&mut scenario, BOB, n0, env::wal_of(300));
    env::stake(&mut scenario, CAROL, n1, env::wal_of(100));
    env::stake(&mut scenario, CAROL, n2, env::wal_of(100));
    env::stake(&mut scenario, CAROL, n3, env::wal_of(100));

    // Epoch 1: the committee holds all four; node 0 (400 of 700) has 4 of 10 shards.
    env::advance(&mut scenario, &mut clock);
    // A user buys storage for epoch 1 only: 1 000 WAL.
    scenario.next_tx(@0xD0);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    assert_eq!(system.epoch(), 1);
    assert_eq!(system.node_shards(n0).length(), 4);
    let fees = wal::mint_for_testing(&mut treasury, env::wal_of(1_000), scenario.ctx());
    system.add_storage_fees(fees.into_balance(), 1, 2);
    assert_eq!(system.fees_for_epoch(1), env::wal_of(1_000));
    ts::return_shared(treasury);
    ts::return_shared(system);

    // Epoch 2: 10 % burned, 900 WAL paid by shards: node 0 gets 4/10 = 360 WAL, 10 %
    // commission (36) to the operator, 324 to the pool.
    let supply_before = env::total_supply(&mut scenario);
    env::advance(&mut scenario, &mut clock);
    assert_eq!(env::total_supply(&mut scenario), supply_before - env::wal_of(100));
    scenario.next_tx(@0xD0);
    let system = scenario.take_shared<System>();
    assert_eq!(system.epoch(), 2);
    assert_eq!(system.fees_for_epoch(1), 0);
    assert_eq!(system.node_stake(n0), env::wal_of(724));
    assert_eq!(system.pool(n0).commission(), env::wal_of(36));
    // The others hold 2 shards each: 180 WAL, 18 commission, 162 to the pool.
    assert_eq!(system.node_stake(n1), env::wal_of(262));
    assert_eq!(system.node_stake(n2), env::wal_of(262));
    assert_eq!(system.node_stake(n3), env::wal_of(262));
    ts::return_shared(system);

    // The operator collects the commission.
    scenario.next_tx(vectors::operator(0));
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<NodeCap>();
    let commission = staking::collect_commission(&mut system, &cap, scenario.ctx());
    assert_eq!(commission.value(), env::wal_of(36));
    assert_eq!(system.pool(n0).commission(), 0);
    destroy(commission);
    scenario.return_to_sender(cap);
    ts::return_shared(system);

    // Alice and Bob leave; they worked epochs 1 and 2, so no early unstake fee by epoch 3.
    env::request_withdraw(&mut scenario, ALICE, alice);
    env::request_withdraw(&mut scenario, BOB, bob);
    env::advance(&mut scenario, &mut clock);
    let supply_before = env::total_supply(&mut scenario);
    let to_alice = env::withdraw(&mut scenario, ALICE, alice);
    let to_bob = env::withdraw(&mut scenario, BOB, bob);
    assert_eq!(env::total_supply(&mut scenario), supply_before);
    // Pro rata: 100/400 and 300/400 of the 724 WAL pool.
    assert_eq!(to_alice, env::wal_of(181));
    assert_eq!(to_bob, env::wal_of(543));
    scenario.next_tx(@0xD0);
    let system = scenario.take_shared<System>();
    assert_eq!(system.node_stake(n0), 0);
    assert_eq!(system.pool(n0).withdrawable(), 0);
    // Node 0 has no stake left and drops out of the committee.
    assert!(!system.is_committee_member(n0));
    assert_eq!(system.committee_node_ids().length(), 3);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun early_unstake_pays_fee_burned_from_supply() {
    let (mut scenario, mut clock) = env::setup(10);
    let n0 = env::register(&mut scenario, 0);
    let alice = env::stake(&mut scenario, ALICE, n0, env::wal_of(1_000));
    env::advance(&mut scenario, &mut clock); // epoch 1: active
    env::request_withdraw(&mut scenario, ALICE, alice);
    env::advance(&mut scenario, &mut clock); // epoch 2: worked 1 epoch < 2
    let supply_before = env::total_supply(&mut scenario);
    scenario.next_tx(@0xD0);
    let treasury = scenario.take_shared<Treasury>();
    let burned_before = treasury.total_burned();
    ts::return_shared(treasury);
    let received = env::withdraw(&mut scenario, ALICE, alice);
    // 5 % of 1 000 WAL burned.
    assert_eq!(received, env::wal_of(950));
    assert_eq!(env::total_supply(&mut scenario), supply_before - env::wal_of(50));
    scenario.next_tx(@0xD0);
    let treasury = scenario.take_shared<Treasury>();
    assert_eq!(treasury.total_burned(), burned_before + env::wal_of(50));
    ts::return_shared(treasury);
    env::finish(scenario, clock);
}

#[test]
fun stake_joining_later_buys_shares_at_the_new_rate() {
    let (mut scenario, mut clock) = env::setup(10);
    let n0 = env::register(&mut scenario, 0);
    let alice = env::stake(&mut scenario, ALICE, n0, env::wal_of(100));
    env::advance(&mut scenario, &mut clock); // epoch 1: Alice active, node 0 holds all shards
    scenario.next_tx(@0xD0);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    // 1 000 WAL of fees for epoch 1: 100 burned, 900 to node 0, 90 commission, 810 to the pool.
    let fees = wal::mint_for_testing(&mut treasury, env::wal_of(1_000), scenario.ctx());
    system.add_storage_fees(fees.into_balance(), 1, 2);
    ts::return_shared(treasury);
    ts::return_shared(system);
    // Bob stakes 910 in epoch 1; it joins at the epoch 2 rate (910 WAL per 100 shares).
    let bob = env::stake(&mut scenario, BOB, n0, env::wal_of(910));
    env::advance(&mut scenario, &mut clock); // epoch 2
    scenario.next_tx(@0xD0);
    let system = scenario.take_shared<System>();
    assert_eq!(system.node_stake(n0), env::wal_of(1_820));
    ts::return_shared(system);
    env::request_withdraw(&mut scenario, ALICE, alice);
    env::request_withdraw(&mut scenario, BOB, bob);
    env::advance(&mut scenario, &mut clock); // epoch 3
    env::advance(&mut scenario, &mut clock); // epoch 4
    // Alice worked epochs 1 and 2: no fee. Bob worked epoch 2 only: 5 % fee, burned.
    assert_eq!(env::withdraw(&mut scenario, ALICE, alice), env::wal_of(910));
    assert_eq!(env::withdraw(&mut scenario, BOB, bob), env::wal_of(910) - env::wal_of(910) / 20);
    env::finish(scenario, clock);
}

/// Issue 12, hole 2: an attacker buys all of the network's capacity for one epoch and keeps
/// the `Storage` for ever. When that epoch ends the capacity is free again by itself.
#[test]
fun capacity_locked_for_one_epoch_frees_itself() {
    let (mut scenario, mut clock) = env::setup(10);
    let _ = env::four_node_committee(&mut scenario, &mut clock);
    let size = blob::encoded_size(100, 10);
    // Epoch 1: the committee votes a total capacity of one such blob.
    let mut i = 0;
    while (i < 4) {
        scenario.next_tx(vectors::operator(i));
        let mut system = scenario.take_shared<System>();
        let cap = scenario.take_from_sender<NodeCap>();
        staking::set_capacity_vote(&mut system, &cap, size);
        scenario.return_to_sender(cap);
        ts::return_shared(system);
        i = i + 1;
    };
    env::advance(&mut scenario, &mut clock);

    // Epoch 2: the attacker takes all of it for one epoch and keeps the storage.
    scenario.next_tx(ATTACKER);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    assert_eq!(system.total_capacity(), size);
    let mut payment = wal::mint_for_testing(&mut treasury, env::wal_of(1_000), scenario.ctx());
    let storage = blob::reserve_space(&mut system, 100, 1, &mut payment, scenario.ctx());
    assert_eq!(system.used_capacity(), size);
    transfer::public_transfer(storage, ATTACKER);
    destroy(payment);
    ts::return_shared(treasury);
    ts::return_shared(system);

    // Epoch 3: nobody destroyed anything, and the whole capacity is free again.
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(VICTIM);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    assert_eq!(system.epoch(), 3);
    assert_eq!(system.total_capacity(), size);
    assert_eq!(system.used_capacity(), 0);
    let mut payment = wal::mint_for_testing(&mut treasury, env::wal_of(1_000), scenario.ctx());
    let storage = blob::reserve_space(&mut system, 100, 10, &mut payment, scenario.ctx());
    assert_eq!(system.used_capacity(), size);
    assert_eq!(system.used_capacity_at(12), size);
    transfer::public_transfer(storage, VICTIM);
    destroy(payment);
    ts::return_shared(treasury);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

/// Today's storage blocks the next buyer while it lasts.
#[test, expected_failure(abort_code = floe::system::ECapacityExceeded)]
fun capacity_sold_out_for_the_epoch_aborts() {
    let (mut scenario, clock) = env::setup(10);
    scenario.next_tx(ATTACKER);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    system.set_total_capacity_for_testing(blob::encoded_size(100, 10));
    let mut payment = wal::mint_for_testing(&mut treasury, env::wal_of(1_000), scenario.ctx());
    let first = blob::reserve_space(&mut system, 100, 1, &mut payment, scenario.ctx());
    let second = blob::reserve_space(&mut system, 100, 1, &mut payment, scenario.ctx());
    destroy(first);
    destroy(second);
    destroy(payment);
    ts::return_shared(treasury);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

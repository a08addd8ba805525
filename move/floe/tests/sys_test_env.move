/// Set-up shared by the wal, system, staking and epoch scenario tests: publish (`wal` and
/// `system` init), create a `System`, register the four nodes of `bls_test_vectors`, stake,
/// and advance epochs.
#[test_only]
module floe::sys_test_env;

use floe::bls_test_vectors as vectors;
use floe::staking::{Self, StakedWal};
use floe::system::{Self, AdminCap, System};
use floe::wal::{Self, Treasury};
use std::string;
use sui::clock::{Self, Clock};
use sui::test_scenario::{Self as ts, Scenario};

const ADMIN: address = @0xAD;
const EPOCH_MS: u64 = 1_000_000;
/// Commission every test node registers with: 10 %.
const COMMISSION_BPS: u64 = 1_000;

/// The publisher.
public fun admin(): address { ADMIN }

/// Epoch length of the test system.
public fun epoch_ms(): u64 { EPOCH_MS }

/// Commission of the test nodes, in basis points.
public fun commission_bps(): u64 { COMMISSION_BPS }

/// `n` WAL in base units.
public fun wal_of(n: u64): u64 { n * 1_000_000_000 }

/// Publishes (`wal` and `system` init) and creates a `System` with `n_shards`; the next
/// transaction is the admin's.
public fun setup(n_shards: u16): (Scenario, Clock) {
    let mut scenario = ts::begin(ADMIN);
    wal::init_for_testing(scenario.ctx());
    system::init_for_testing(scenario.ctx());
    let mut clock = clock::create_for_testing(scenario.ctx());
    clock.set_for_testing(1_000);
    scenario.next_tx(ADMIN);
    let mut cap = scenario.take_from_sender<AdminCap>();
    system::create_system(&mut cap, n_shards, EPOCH_MS, &clock, scenario.ctx());
    scenario.return_to_sender(cap);
    scenario.next_tx(ADMIN);
    (scenario, clock)
}

/// Ends the scenario and destroys the clock.
public fun finish(scenario: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}

/// Registers test node `i` (0..=3) as `vectors::operator(i)`, who receives the `NodeCap`;
/// returns the node ID.
public fun register(scenario: &mut Scenario, i: u64): ID {
    let operator = vectors::operator(i);
    scenario.next_tx(operator);
    let mut system = scenario.take_shared<System>();
    let cap = staking::register_node(
        &mut system,
        string::utf8(b"test node"),
        string::utf8(b"10.0.0.1:9000"),
        vectors::pk(i),
        vectors::pop(i),
        COMMISSION_BPS,
        scenario.ctx(),
    );
    let node_id = cap.node_id();
    transfer::public_transfer(cap, operator);
    ts::return_shared(system);
    node_id
}

/// `staker` stakes `amount` (freshly minted) with `node_id`; returns the `StakedWal` ID
/// (the staker owns it).
public fun stake(scenario: &mut Scenario, staker: address, node_id: ID, amount: u64): ID {
    scenario.next_tx(staker);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let coin = wal::mint_for_testing(&mut treasury, amount, scenario.ctx());
    let staked = staking::stake(&mut system, node_id, coin, scenario.ctx());
    let id = object::id(&staked);
    transfer::public_transfer(staked, staker);
    ts::return_shared(treasury);
    ts::return_shared(system);
    id
}

/// `staker` requests the withdrawal of its `StakedWal` `id`.
public fun request_withdraw(scenario: &mut Scenario, staker: address, id: ID) {
    scenario.next_tx(staker);
    let mut system = scenario.take_shared<System>();
    let mut staked = scenario.take_from_sender_by_id<StakedWal>(id);
    staking::request_withdraw(&mut system, &mut staked, scenario.ctx());
    scenario.return_to_sender(staked);
    ts::return_shared(system);
}

/// `staker` withdraws its `StakedWal` `id`; returns the amount received (the coin is sent
/// to the staker).
public fun withdraw(scenario: &mut Scenario, staker: address, id: ID): u64 {
    scenario.next_tx(staker);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let staked = scenario.take_from_sender_by_id<StakedWal>(id);
    let coin = staking::withdraw(&mut system, &mut treasury, staked, scenario.ctx());
    let amount = coin.value();
    transfer::public_transfer(coin, staker);
    ts::return_shared(treasury);
    ts::return_shared(system);
    amount
}

/// Moves the clock one epoch length on and advances the epoch (as the admin).
public fun advance(scenario: &mut Scenario, clock: &mut Clock) {
    clock.increment_for_testing(EPOCH_MS);
    scenario.next_tx(ADMIN);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    system::advance_epoch(&mut system, &mut treasury, clock, scenario.ctx());
    ts::return_shared(treasury);
    ts::return_shared(system);
}

/// Current WAL total supply.
public fun total_supply(scenario: &mut Scenario): u64 {
    scenario.next_tx(ADMIN);
    let treasury = scenario.take_shared<Treasury>();
    let supply = treasury.total_supply();
    ts::return_shared(treasury);
    supply
}

/// Which test key (0..=3) a registered node has.
public fun key_index(system: &System, node_id: ID): u64 {
    let key = system.node_bls_public_key(node_id);
    let mut i = 0;
    while (i < 3 && vectors::pk(i) != key) {
        i = i + 1;
    };
    i
}

/// Four nodes registered, 100 WAL staked with each by `@0xC0 + i`, one epoch advanced: the
/// committee (epoch 1) holds all four. Returns the node IDs by key index.
public fun four_node_committee(scenario: &mut Scenario, clock: &mut Clock): vector<ID> {
    let mut nodes = vector[];
    let mut i = 0;
    while (i < 4) {
        nodes.push_back(register(scenario, i));
        i = i + 1;
    };
    stake(scenario, @0xC0, nodes[0], wal_of(100));
    stake(scenario, @0xC1, nodes[1], wal_of(100));
    stake(scenario, @0xC2, nodes[2], wal_of(100));
    stake(scenario, @0xC3, nodes[3], wal_of(100));
    advance(scenario, clock);
    nodes
}

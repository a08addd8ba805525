#[test_only]
module floe::system_tests;

use floe::bls_test_vectors as vectors;
use floe::sys_test_env as env;
use floe::system::{Self, AdminCap, System};
use floe::wal::{Self, Treasury};
use std::unit_test::assert_eq;
use sui::balance;
use sui::test_scenario as ts;

// === create_system and reads ===

#[test]
fun create_system_sets_defaults() {
    let (scenario, clock) = env::setup(10);
    let system = scenario.take_shared<System>();
    assert_eq!(system.epoch(), 0);
    assert_eq!(system.epoch_start_ms(), 1_000);
    assert_eq!(system.epoch_duration_ms(), env::epoch_ms());
    assert_eq!(system.n_shards(), 10);
    assert_eq!(system.storage_price_per_mib_epoch(), 100_000);
    assert_eq!(system.write_price_per_mib(), 200_000);
    assert_eq!(system.used_capacity(), 0);
    assert_eq!(system.total_capacity(), 1_099_511_627_776);
    assert!(system.committee_node_ids().is_empty());
    assert!(system.committee_shard_counts().is_empty());
    assert_eq!(system.fee_burn_bps(), 1_000);
    assert_eq!(system.license_fee_bps(), 500);
    assert_eq!(system.slash_bps(), 1_000);
    assert_eq!(system.slash_burn_bps(), 10_000);
    assert_eq!(system.challenge_window_ms(), env::epoch_ms() / 2);
    assert_eq!(system.min_stake_epochs(), 2);
    assert_eq!(system.early_unstake_fee_bps(), 500);
    assert_eq!(system.max_epochs_ahead(), 52);
    assert_eq!(system.max_committee_size(), 10);
    assert_eq!(system.node_count(), 0);
    assert!(system.node_ids().is_empty());
    assert_eq!(system::max_nodes(), 256);
    assert_eq!(system.fees_for_epoch(0), 0);
    let nobody = object::id_from_address(@0x1234);
    assert!(!system.is_registered(nobody));
    assert!(!system.is_committee_member(nobody));
    assert!(system.node_shards(nobody).is_empty());
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::ESystemAlreadyCreated)]
fun create_system_twice_aborts() {
    let (mut scenario, clock) = env::setup(10);
    let mut cap = scenario.take_from_sender<AdminCap>();
    system::create_system(&mut cap, 10, 1_000, &clock, scenario.ctx());
    scenario.return_to_sender(cap);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidShardCount)]
fun create_system_with_no_shards_aborts() {
    let mut scenario = ts::begin(env::admin());
    system::init_for_testing(scenario.ctx());
    let clock = sui::clock::create_for_testing(scenario.ctx());
    scenario.next_tx(env::admin());
    let mut cap = scenario.take_from_sender<AdminCap>();
    system::create_system(&mut cap, 0, 1_000, &clock, scenario.ctx());
    scenario.return_to_sender(cap);
    env::finish(scenario, clock);
}

/// Three shards (f = 0) are fewer than the encoder supports: `create_system` refuses them.
#[test]
#[expected_failure(abort_code = floe::system::EInvalidShardCount)]
fun create_system_with_three_shards_aborts() {
    let mut scenario = ts::begin(env::admin());
    system::init_for_testing(scenario.ctx());
    let clock = sui::clock::create_for_testing(scenario.ctx());
    scenario.next_tx(env::admin());
    let mut cap = scenario.take_from_sender<AdminCap>();
    system::create_system(&mut cap, 3, 1_000, &clock, scenario.ctx());
    scenario.return_to_sender(cap);
    env::finish(scenario, clock);
}

#[test]
fun create_system_with_four_shards_works() {
    let (scenario, clock) = env::setup(4);
    let system = scenario.take_shared<System>();
    assert_eq!(system.n_shards(), 4);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidEpochDuration)]
fun create_system_with_zero_epoch_aborts() {
    let mut scenario = ts::begin(env::admin());
    system::init_for_testing(scenario.ctx());
    let clock = sui::clock::create_for_testing(scenario.ctx());
    scenario.next_tx(env::admin());
    let mut cap = scenario.take_from_sender<AdminCap>();
    system::create_system(&mut cap, 10, 0, &clock, scenario.ctx());
    scenario.return_to_sender(cap);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::ENodeNotFound)]
fun bls_key_of_unknown_node_aborts() {
    let (scenario, clock) = env::setup(10);
    let system = scenario.take_shared<System>();
    system.node_bls_public_key(object::id_from_address(@0x1234));
    ts::return_shared(system);
    env::finish(scenario, clock);
}

// === Parameters ===

#[test]
fun admin_sets_every_parameter() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_fee_burn_bps(&cap, 5_000);
    system.set_license_fee_bps(&cap, 0);
    system.set_slash_bps(&cap, 1);
    system.set_slash_burn_bps(&cap, 0);
    system.set_challenge_window_ms(&cap, env::epoch_ms());
    system.set_min_stake_epochs(&cap, 52);
    system.set_early_unstake_fee_bps(&cap, 5_000);
    system.set_max_epochs_ahead(&cap, 1_000);
    system.set_max_committee_size(&cap, 3);
    assert_eq!(system.fee_burn_bps(), 5_000);
    assert_eq!(system.license_fee_bps(), 0);
    assert_eq!(system.slash_bps(), 1);
    assert_eq!(system.slash_burn_bps(), 0);
    assert_eq!(system.challenge_window_ms(), env::epoch_ms());
    assert_eq!(system.min_stake_epochs(), 52);
    assert_eq!(system.early_unstake_fee_bps(), 5_000);
    assert_eq!(system.max_epochs_ahead(), 1_000);
    assert_eq!(system.max_committee_size(), 3);
    assert_eq!(sui::event::events_by_type<floe::events::ParameterChanged>().length(), 9);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

/// An `AdminCap` tunes only the `System` it created: one that created none is refused.
#[test]
#[expected_failure(abort_code = floe::system::EWrongAdminCap)]
fun a_cap_that_created_no_system_cannot_tune_it() {
    let (mut scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let stranger = system::admin_cap_for_testing(scenario.ctx());
    system.set_slash_burn_bps(&stranger, 0);
    std::unit_test::destroy(stranger);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

/// Nor is the cap that created another `System` (after an upgrade or in tests, several may
/// exist).
#[test]
#[expected_failure(abort_code = floe::system::EWrongAdminCap)]
fun a_cap_of_another_system_cannot_tune_this_one() {
    let (mut scenario, clock) = env::setup(10);
    let first = scenario.take_shared<System>();
    let first_id = object::id(&first);
    ts::return_shared(first);
    let mut other = system::admin_cap_for_testing(scenario.ctx());
    system::create_system(&mut other, 10, env::epoch_ms(), &clock, scenario.ctx());
    scenario.next_tx(env::admin());
    let mut system = scenario.take_shared_by_id<System>(first_id);
    system.set_fee_burn_bps(&other, 0);
    std::unit_test::destroy(other);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun fee_burn_bps_above_bound_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_fee_burn_bps(&cap, 5_001);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun license_fee_bps_above_bound_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_license_fee_bps(&cap, 5_001);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun slash_bps_zero_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_slash_bps(&cap, 0);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun slash_bps_above_bound_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_slash_bps(&cap, 5_001);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun slash_burn_bps_above_bound_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_slash_burn_bps(&cap, 10_001);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun challenge_window_too_short_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_challenge_window_ms(&cap, 999);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun challenge_window_longer_than_epoch_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_challenge_window_ms(&cap, env::epoch_ms() + 1);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun min_stake_epochs_above_bound_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_min_stake_epochs(&cap, 53);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun early_unstake_fee_above_bound_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_early_unstake_fee_bps(&cap, 5_001);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun max_epochs_ahead_zero_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_max_epochs_ahead(&cap, 0);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun max_epochs_ahead_above_bound_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_max_epochs_ahead(&cap, 1_001);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun max_committee_size_zero_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_max_committee_size(&cap, 0);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EParameterOutOfBounds)]
fun max_committee_size_above_shards_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_max_committee_size(&cap, 11);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

// === Epoch change ===

#[test]
fun advance_epoch_without_nodes() {
    let (mut scenario, mut clock) = env::setup(10);
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    assert_eq!(system.epoch(), 1);
    assert_eq!(system.epoch_start_ms(), 1_000 + env::epoch_ms());
    assert!(system.committee_node_ids().is_empty());
    // Prices stay as they were without a committee.
    assert_eq!(system.storage_price_per_mib_epoch(), 100_000);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EEpochNotOver)]
fun advance_epoch_too_early_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    clock.increment_for_testing(env::epoch_ms() - 1);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    system::advance_epoch(&mut system, &mut treasury, &clock, scenario.ctx());
    ts::return_shared(treasury);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun committee_gets_shards_by_stake_and_prices_by_vote() {
    let (mut scenario, mut clock) = env::setup(10);
    let n0 = env::register(&mut scenario, 0);
    let n1 = env::register(&mut scenario, 1);
    let n2 = env::register(&mut scenario, 2);
    let n3 = env::register(&mut scenario, 3);
    // Stakes 400, 100, 100, 100: node 0 gets 1 + 3 shards, the others 1 + 0 + 1 by
    // largest remainder (600/700 beats 300/700).
    env::stake(&mut scenario, @0xC0, n0, env::wal_of(400));
    env::stake(&mut scenario, @0xC1, n1, env::wal_of(100));
    env::stake(&mut scenario, @0xC2, n2, env::wal_of(100));
    env::stake(&mut scenario, @0xC3, n3, env::wal_of(100));
    // Votes: storage 10 (node 0), 40, 30, 20; write 5 (node 0), 1, 1, 1.
    let votes = vector[10, 40, 30, 20];
    let mut i = 0;
    while (i < 4) {
        scenario.next_tx(vectors::operator(i));
        let mut system = scenario.take_shared<System>();
        let cap = scenario.take_from_sender<floe::staking::NodeCap>();
        floe::staking::set_storage_price_vote(&mut system, &cap, votes[i]);
        floe::staking::set_write_price_vote(&mut system, &cap, if (i == 0) 5 else 1);
        floe::staking::set_capacity_vote(&mut system, &cap, (i + 1) * 1_000);
        scenario.return_to_sender(cap);
        ts::return_shared(system);
        i = i + 1;
    };
    // Staked in epoch 0: no committee yet.
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    assert!(system.committee_node_ids().is_empty());
    assert_eq!(system.node_stake(n0), 0);
    ts::return_shared(system);

    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    assert_eq!(system.epoch(), 1);
    let committee = system.committee_node_ids();
    assert_eq!(committee.length(), 4);
    assert!(system.is_committee_member(n0) && system.is_committee_member(n3));
    assert_eq!(system.node_shards(n0).length(), 4);
    assert_eq!(system.node_shards(n1).length(), 2);
    assert_eq!(system.node_shards(n2).length(), 2);
    assert_eq!(system.node_shards(n3).length(), 2);
    assert_eq!(system.node_stake(n0), env::wal_of(400));
    // Members are ordered by node ID and hold consecutive shards from 0.
    let mut next = 0u16;
    let mut k = 0;
    while (k < 4) {
        if (k > 0) {
            let prev = sui::address::to_u256(object::id_to_address(&committee[k - 1]));
            assert!(prev < sui::address::to_u256(object::id_to_address(&committee[k])));
        };
        let shards = system.node_shards(committee[k]);
        shards.do!(|s| {
            assert_eq!(s, next);
            next = next + 1;
        });
        k = k + 1;
    };
    assert_eq!(next, 10);
    // Storage: sorted votes 10 (4 shards), 20, 30, 40 (2 each): 2/3 of 10 is reached at 30
    // (8 shards). Write: 1 (6 shards) then 5: 2/3 is reached at 5 (10 shards).
    assert_eq!(system.storage_price_per_mib_epoch(), 30);
    assert_eq!(system.write_price_per_mib(), 5);
    // Capacity, highest first: 4000 (2), 3000 (2), 2000 (2), 1000 (node 0, 4): reached at
    // 1000.
    assert_eq!(system.total_capacity(), 1_000);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun committee_is_capped_at_max_committee_size() {
    let (mut scenario, mut clock) = env::setup(10);
    let n0 = env::register(&mut scenario, 0);
    let n1 = env::register(&mut scenario, 1);
    let n2 = env::register(&mut scenario, 2);
    env::stake(&mut scenario, @0xC0, n0, env::wal_of(100));
    env::stake(&mut scenario, @0xC1, n1, env::wal_of(300));
    env::stake(&mut scenario, @0xC2, n2, env::wal_of(200));
    scenario.next_tx(env::admin());
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_max_committee_size(&cap, 2);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    assert_eq!(system.committee_node_ids().length(), 2);
    assert!(!system.is_committee_member(n0));
    assert!(system.is_committee_member(n1) && system.is_committee_member(n2));
    // 300 : 200 over 10 shards: 1 + 4.8 and 1 + 3.2, remainder to node 1: 6 and 4.
    assert_eq!(system.node_shards(n1).length(), 6);
    assert_eq!(system.node_shards(n2).length(), 4);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

/// At most `max_committee_size` members (never more than the shard count, its upper bound).
#[test]
fun committee_never_exceeds_max_committee_size() {
    let (mut scenario, mut clock) = env::setup(4);
    scenario.next_tx(env::admin());
    let mut system = scenario.take_shared<System>();
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_max_committee_size(&cap, 2);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    let n0 = env::register(&mut scenario, 0);
    let n1 = env::register(&mut scenario, 1);
    let n2 = env::register(&mut scenario, 2);
    env::stake(&mut scenario, @0xC0, n0, env::wal_of(100));
    env::stake(&mut scenario, @0xC1, n1, env::wal_of(100));
    env::stake(&mut scenario, @0xC2, n2, env::wal_of(100));
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    // Equal stakes: the two lowest node IDs win the tie.
    let committee = system.committee_node_ids();
    assert_eq!(committee.length(), 2);
    let mut ids = vector[n0, n1, n2];
    let mut left_out = 0;
    let mut i = 0;
    while (i < 3) {
        if (!committee.contains(&ids[i])) left_out = i;
        i = i + 1;
    };
    let out = sui::address::to_u256(object::id_to_address(&ids.remove(left_out)));
    ids.do!(|id| assert!(sui::address::to_u256(object::id_to_address(&id)) < out));
    assert_eq!(system.node_shards(committee[0]), vector[0, 1]);
    assert_eq!(system.node_shards(committee[1]), vector[2, 3]);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun shard_assignment_is_largest_remainder() {
    assert_eq!(system::assign_shards_for_testing(10, vector[1, 1, 1, 1]), vector[3, 3, 2, 2]);
    assert_eq!(system::assign_shards_for_testing(10, vector[5, 3, 2]), vector[5, 3, 2]);
    assert_eq!(system::assign_shards_for_testing(4, vector[1, 1_000_000]), vector[1, 3]);
    assert_eq!(system::assign_shards_for_testing(3, vector[7, 7, 7]), vector[1, 1, 1]);
    assert_eq!(system::assign_shards_for_testing(1_000, vector[1]), vector[1_000]);
    assert!(system::assign_shards_for_testing(5, vector[]).is_empty());
}

#[test]
#[expected_failure(abort_code = floe::system::ECommitteeTooLarge)]
fun more_members_than_shards_aborts() {
    system::assign_shards_for_testing(2, vector[1, 1, 1]);
}

#[test]
fun quorum_value_needs_two_thirds_of_shards() {
    assert_eq!(system::quorum_value_for_testing(vector[10, 30, 20, 40], vector[1, 1, 1, 1], 4, true), 30);
    assert_eq!(system::quorum_value_for_testing(vector[10, 30, 20, 40], vector[1, 1, 1, 1], 4, false), 20);
    assert_eq!(system::quorum_value_for_testing(vector[100, 1, 2, 3], vector[5, 1, 1, 1], 8, true), 100);
    assert_eq!(system::quorum_value_for_testing(vector[100, 1, 2, 3], vector[6, 1, 1, 1], 9, true), 100);
    assert_eq!(system::quorum_value_for_testing(vector[7], vector[3], 3, true), 7);
}

// === Fees ===

#[test]
fun storage_fees_spread_over_epochs_and_write_fees_to_current() {
    let (mut scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let fees = wal::mint_for_testing(&mut treasury, 1_000, scenario.ctx()).into_balance();
    system.add_storage_fees(fees, 0, 3);
    assert_eq!(system.fees_for_epoch(0), 333);
    assert_eq!(system.fees_for_epoch(1), 333);
    assert_eq!(system.fees_for_epoch(2), 334);
    assert_eq!(system.fees_for_epoch(3), 0);
    let fees = wal::mint_for_testing(&mut treasury, 50, scenario.ctx()).into_balance();
    system.add_write_fees(fees);
    assert_eq!(system.fees_for_epoch(0), 383);
    // Zero fees are fine.
    system.add_storage_fees(balance::zero(), 1, 2);
    assert_eq!(system.fees_for_epoch(1), 333);
    ts::return_shared(treasury);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidEpochRange)]
fun storage_fees_for_empty_range_abort() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    system.add_storage_fees(balance::zero(), 2, 2);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidEpochRange)]
fun storage_fees_for_past_epochs_abort() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    system.set_epoch_for_testing(5);
    system.add_storage_fees(balance::zero(), 4, 6);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun fees_without_committee_carry_over() {
    let (mut scenario, mut clock) = env::setup(10);
    scenario.next_tx(env::admin());
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let fees = wal::mint_for_testing(&mut treasury, 900, scenario.ctx()).into_balance();
    system.add_storage_fees(fees, 0, 1);
    ts::return_shared(treasury);
    ts::return_shared(system);
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    assert_eq!(system.fees_for_epoch(0), 0);
    assert_eq!(system.fees_for_epoch(1), 900);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

// === Capacity ===

#[test]
fun capacity_reserve_and_release() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    system.set_total_capacity_for_testing(100);
    system.reserve_capacity(60, 0, 3);
    system.reserve_capacity(40, 1, 2);
    assert_eq!(system.used_capacity(), 60);
    assert_eq!(system.used_capacity_at(1), 100);
    assert_eq!(system.used_capacity_at(2), 60);
    assert_eq!(system.used_capacity_at(3), 0);
    assert_eq!(system.future_capacity_entries_for_testing(), 2);
    system.release_capacity(30, 0, 3);
    assert_eq!(system.used_capacity(), 30);
    assert_eq!(system.used_capacity_at(1), 70);
    assert_eq!(system.used_capacity_at(2), 30);
    // Never below zero; emptied later epochs are dropped.
    system.release_capacity(1_000, 0, 3);
    assert_eq!(system.used_capacity(), 0);
    assert_eq!(system.used_capacity_at(1), 0);
    assert_eq!(system.future_capacity_entries_for_testing(), 0);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

/// An epoch's reservations end with it: the next epoch starts with what was reserved for it.
#[test]
fun capacity_frees_at_the_epoch_change() {
    let (mut scenario, mut clock) = env::setup(10);
    scenario.next_tx(env::admin());
    let mut system = scenario.take_shared<System>();
    system.reserve_capacity(500, 0, 1);
    system.reserve_capacity(70, 0, 2);
    assert_eq!(system.used_capacity(), 570);
    ts::return_shared(system);
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let mut system = scenario.take_shared<System>();
    assert_eq!(system.epoch(), 1);
    assert_eq!(system.used_capacity(), 70);
    assert_eq!(system.used_capacity_at(0), 0);
    assert_eq!(system.future_capacity_entries_for_testing(), 0);
    // Releasing ranges that have ended gives back nothing more.
    system.release_capacity(500, 0, 1);
    system.release_capacity(70, 0, 2);
    assert_eq!(system.used_capacity(), 0);
    ts::return_shared(system);
    env::advance(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    assert_eq!(system.used_capacity(), 0);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::ECapacityExceeded)]
fun capacity_over_total_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    system.set_total_capacity_for_testing(100);
    system.reserve_capacity(60, 0, 1);
    system.reserve_capacity(41, 0, 1);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::ECapacityExceeded)]
fun capacity_over_total_in_a_later_epoch_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    system.set_total_capacity_for_testing(100);
    system.reserve_capacity(60, 3, 5);
    system.reserve_capacity(41, 0, 4);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::ECapacityExceeded)]
fun capacity_larger_than_total_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    system.set_total_capacity_for_testing(100);
    system.reserve_capacity(101, 0, 1);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidEpochRange)]
fun capacity_for_empty_range_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    system.reserve_capacity(1, 2, 2);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidEpochRange)]
fun capacity_for_past_epochs_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    system.set_epoch_for_testing(5);
    system.reserve_capacity(1, 4, 6);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidEpochRange)]
fun capacity_beyond_max_epochs_ahead_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let max = system.max_epochs_ahead();
    system.reserve_capacity(1, 0, max + 1);
    ts::return_shared(system);
    env::finish(scenario, clock);
}

// === Quorum ===

#[test]
fun quorum_of_all_members_verifies() {
    let (mut scenario, mut clock) = env::setup(10);
    env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    assert_eq!(system.committee_shard_counts(), vector[3, 3, 2, 2]);
    system.verify_quorum(vector[0, 1, 2, 3], vectors::agg_all(), vectors::message());
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
fun quorum_of_three_members_verifies() {
    let (mut scenario, mut clock) = env::setup(10);
    env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    // Members 0, 1, 2 hold 3 + 3 + 2 = 8 ≥ 2f + 1 = 7 shards.
    let committee = system.committee_node_ids();
    let missing = env::key_index(&system, committee[3]);
    system.verify_quorum(vector[0, 1, 2], vectors::agg_without(missing), vectors::message());
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidSignature)]
fun quorum_with_wrong_signer_set_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    system.verify_quorum(vector[0, 1, 2], vectors::agg_all(), vectors::message());
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidSignature)]
fun quorum_over_other_message_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    system.verify_quorum(vector[0, 1, 2, 3], vectors::agg_all(), b"another message");
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::ENotEnoughShards)]
fun quorum_without_enough_shards_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    // 3 + 2 + 2 = 7 would do; 3 + 3 = 6 does not.
    system.verify_quorum(vector[0, 1], vectors::agg_all(), vectors::message());
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidSigners)]
fun quorum_with_unsorted_signers_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    system.verify_quorum(vector[1, 0, 2, 3], vectors::agg_all(), vectors::message());
    ts::return_shared(system);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::system::EInvalidSigners)]
fun quorum_with_out_of_range_signer_aborts() {
    let (mut scenario, mut clock) = env::setup(10);
    env::four_node_committee(&mut scenario, &mut clock);
    scenario.next_tx(env::admin());
    let system = scenario.take_shared<System>();
    system.verify_quorum(vector[0, 1, 2, 4], vectors::agg_all(), vectors::message());
    ts::return_shared(system);
    env::finish(scenario, clock);
}

// === Slashing ===

#[test]
#[expected_failure(abort_code = floe::system::ENodeNotFound)]
fun slash_unknown_node_aborts() {
    let (scenario, clock) = env::setup(10);
    let mut system = scenario.take_shared<System>();
    let slashed = system.slash_node(object::id_from_address(@0x1234), 0);
    slashed.destroy_for_testing();
    ts::return_shared(system);
    env::finish(scenario, clock);
}

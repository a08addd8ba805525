#[test_only]
module floe::wal_tests;

use floe::events::WalBurned;
use floe::sys_test_env as env;
use floe::wal::{Self, Treasury, WAL};
use std::unit_test::assert_eq;
use sui::coin::{Self, Coin};
use sui::event;
use sui::test_scenario as ts;

#[test]
fun publish_mints_the_whole_supply_to_the_publisher() {
    let (scenario, clock) = env::setup(10);
    let coin = scenario.take_from_sender<Coin<WAL>>();
    assert_eq!(coin.value(), 5_000_000_000_000_000_000);
    assert_eq!(wal::initial_supply(), 5_000_000_000_000_000_000);
    assert_eq!(wal::decimals(), 9);
    let treasury = scenario.take_shared<Treasury>();
    assert_eq!(treasury.total_supply(), 5_000_000_000_000_000_000);
    assert_eq!(treasury.total_burned(), 0);
    ts::return_shared(treasury);
    scenario.return_to_sender(coin);
    env::finish(scenario, clock);
}

#[test]
fun burn_sources_are_fixed() {
    assert_eq!(wal::source_storage_fee(), 0);
    assert_eq!(wal::source_slashing(), 1);
    assert_eq!(wal::source_early_unstake(), 2);
    assert_eq!(wal::source_license_fee(), 3);
    assert_eq!(wal::source_user(), 4);
}

#[test]
fun burn_lowers_supply_and_counts() {
    let (mut scenario, clock) = env::setup(10);
    let mut coin = scenario.take_from_sender<Coin<WAL>>();
    let mut treasury = scenario.take_shared<Treasury>();
    let part = coin.split(1_000, scenario.ctx());
    assert_eq!(wal::burn(&mut treasury, part), 1_000);
    let burned = event::events_by_type<WalBurned>();
    assert_eq!(burned.length(), 1);
    assert_eq!(burned[0].wal_burned_source(), wal::source_user());
    let part = coin.split(500, scenario.ctx());
    assert_eq!(wal::burn(&mut treasury, part), 500);
    assert_eq!(treasury.total_burned(), 1_500);
    assert_eq!(treasury.total_supply(), 5_000_000_000_000_000_000 - 1_500);
    assert_eq!(coin.value(), 5_000_000_000_000_000_000 - 1_500);
    ts::return_shared(treasury);
    scenario.return_to_sender(coin);
    env::finish(scenario, clock);
}

#[test]
fun burn_balance_and_zero_burns() {
    let (mut scenario, clock) = env::setup(10);
    let mut coin = scenario.take_from_sender<Coin<WAL>>();
    let mut treasury = scenario.take_shared<Treasury>();
    let part = coin.split(700, scenario.ctx());
    assert_eq!(wal::burn_balance(&mut treasury, part.into_balance(), wal::source_storage_fee()), 700);
    // A zero burn changes nothing and emits nothing.
    assert_eq!(wal::burn(&mut treasury, coin::zero(scenario.ctx())), 0);
    assert_eq!(event::events_by_type<WalBurned>().length(), 1);
    assert_eq!(treasury.total_burned(), 700);
    assert_eq!(treasury.total_supply(), 5_000_000_000_000_000_000 - 700);
    ts::return_shared(treasury);
    scenario.return_to_sender(coin);
    env::finish(scenario, clock);
}

/// The attack of issue 12, item 6: anyone burning their own WAL could name any source and
/// inflate the "slashing" or "license fee" burn statistics. `burn` takes no source now: a
/// user's burn is always recorded as `SOURCE_USER`, and the protocol's sources stay with
/// the package's own burns.
#[test]
fun a_user_burn_cannot_pose_as_a_protocol_burn() {
    let (mut scenario, clock) = env::setup(10);
    let mut coin = scenario.take_from_sender<Coin<WAL>>();
    let mut treasury = scenario.take_shared<Treasury>();
    let part = coin.split(1_000, scenario.ctx());
    wal::burn(&mut treasury, part);
    let burned = event::events_by_type<WalBurned>();
    assert_eq!(burned.length(), 1);
    let source = burned[0].wal_burned_source();
    assert!(source != wal::source_slashing() && source != wal::source_license_fee());
    assert!(source != wal::source_storage_fee() && source != wal::source_early_unstake());
    ts::return_shared(treasury);
    scenario.return_to_sender(coin);
    env::finish(scenario, clock);
}

#[test]
#[expected_failure(abort_code = floe::wal::EUnknownBurnSource)]
fun burn_with_unknown_source_aborts() {
    let (mut scenario, clock) = env::setup(10);
    let mut coin = scenario.take_from_sender<Coin<WAL>>();
    let mut treasury = scenario.take_shared<Treasury>();
    let part = coin.split(1, scenario.ctx());
    wal::burn_balance(&mut treasury, part.into_balance(), 5);
    ts::return_shared(treasury);
    scenario.return_to_sender(coin);
    env::finish(scenario, clock);
}

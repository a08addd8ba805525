//! `floe::wal` on the devnet: the scenarios of `move/floe/tests/wal_tests.move`, step by step.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::{self, wal};
use floe_sdk::move_types::events::WalBurned;
use floe_sdk::move_types::wal::Treasury;
use sui_sdk_types::{Address, Owner};
use support::{Arg, Chain, Cmd};

const SUPPLY: u64 = 5_000_000_000_000_000_000;

fn zero_wal_coin() -> Cmd {
    Cmd::CallAt {
        package: Address::TWO,
        module: "coin".into(),
        function: "zero".into(),
        type_args: vec![floe::wal_type()],
        args: vec![],
    }
}

#[test]
fn publish_mints_the_whole_supply_to_the_publisher() {
    let mut chain = Chain::new();
    let publisher = chain.publisher;
    assert_eq!(
        chain.wal_coins(publisher),
        vec![(chain.genesis.supply_coin, SUPPLY)]
    );
    let treasury_id = chain.genesis.treasury;
    assert!(matches!(chain.owner(treasury_id), Owner::Shared(_)));
    let treasury: Treasury = chain.object(treasury_id);
    assert_eq!(treasury.cap.total_supply.value, SUPPLY);
    assert_eq!(treasury.total_burned, 0);

    let reads = chain
        .ptb(
            publisher,
            vec![
                Cmd::call("wal", "initial_supply", vec![]),
                Cmd::call("wal", "decimals", vec![]),
                Cmd::call("wal", "total_supply", vec![Arg::ObjRead(treasury_id)]),
                Cmd::call("wal", "total_burned", vec![Arg::ObjRead(treasury_id)]),
            ],
        )
        .unwrap();
    assert_eq!(reads.ret::<u64>(0, 0), SUPPLY);
    assert_eq!(reads.ret::<u8>(1, 0), 9);
    assert_eq!(reads.ret::<u64>(2, 0), SUPPLY);
    assert_eq!(reads.ret::<u64>(3, 0), 0);
}

#[test]
fn burn_sources_are_fixed() {
    let mut chain = Chain::new();
    let who = chain.new_account();
    let reads = chain
        .ptb(
            who,
            [
                "source_storage_fee",
                "source_slashing",
                "source_early_unstake",
                "source_license_fee",
            ]
            .iter()
            .map(|f| Cmd::call("wal", f, vec![]))
            .collect(),
        )
        .unwrap();
    let sources: Vec<u8> = (0..4).map(|i| reads.ret(i, 0)).collect();
    assert_eq!(sources, vec![0, 1, 2, 3]);
}

#[test]
fn burn_lowers_supply_and_counts() {
    let mut chain = Chain::new();
    let publisher = chain.publisher;
    let treasury = chain.genesis.treasury;

    let part = chain.wal_coin(publisher, 1_000, publisher);
    let burned = chain
        .call(
            publisher,
            "wal",
            "burn",
            vec![
                Arg::obj(treasury),
                Arg::obj(part),
                Arg::pure(&wal::SOURCE_LICENSE_FEE),
            ],
        )
        .unwrap();
    assert_eq!(burned.ret::<u64>(0, 0), 1_000);
    assert_eq!(
        burned.event::<WalBurned>("WalBurned"),
        WalBurned::new(1_000, 3, 1_000, SUPPLY - 1_000)
    );
    assert!(!chain.exists(part), "a burned coin is gone");

    let part = chain.wal_coin(publisher, 500, publisher);
    let burned = chain
        .call(
            publisher,
            "wal",
            "burn",
            vec![
                Arg::obj(treasury),
                Arg::obj(part),
                Arg::pure(&wal::SOURCE_SLASHING),
            ],
        )
        .unwrap();
    assert_eq!(burned.ret::<u64>(0, 0), 500);

    let state: Treasury = chain.object(treasury);
    assert_eq!(state.total_burned, 1_500);
    assert_eq!(state.cap.total_supply.value, SUPPLY - 1_500);
    assert_eq!(chain.wal_balance(publisher), SUPPLY - 1_500);
}

#[test]
fn zero_burns_change_nothing_and_emit_nothing() {
    let mut chain = Chain::new();
    let publisher = chain.publisher;
    let treasury = chain.genesis.treasury;
    let outcome = chain
        .ptb(
            publisher,
            vec![
                zero_wal_coin(),
                Cmd::call(
                    "wal",
                    "burn",
                    vec![
                        Arg::obj(treasury),
                        Arg::Result(0),
                        Arg::pure(&wal::SOURCE_EARLY_UNSTAKE),
                    ],
                ),
            ],
        )
        .unwrap();
    assert_eq!(outcome.ret::<u64>(1, 0), 0);
    assert!(outcome.events_named::<WalBurned>("WalBurned").is_empty());
    let state: Treasury = chain.object(treasury);
    assert_eq!(state.total_burned, 0);
    assert_eq!(state.cap.total_supply.value, SUPPLY);
}

#[test]
fn burn_with_unknown_source_aborts_and_keeps_the_coin() {
    let mut chain = Chain::new();
    let publisher = chain.publisher;
    let treasury = chain.genesis.treasury;
    let part = chain.wal_coin(publisher, 1, publisher);
    let failure = chain
        .call(
            publisher,
            "wal",
            "burn",
            vec![Arg::obj(treasury), Arg::obj(part), Arg::pure(&4u8)],
        )
        .unwrap_err();
    assert_eq!(
        failure.abort(),
        ("wal".to_owned(), wal::E_UNKNOWN_BURN_SOURCE)
    );
    assert!(chain.exists(part), "an aborted burn loses no WAL");
    assert_eq!(chain.wal_balance(publisher), SUPPLY);
}

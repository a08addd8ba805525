//! `floe::wal` on the devnet: the scenarios of `move/floe/tests/wal_tests.move`, step by step.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::{self, PACKAGE_ID, wal};
use floe_devnet::runtime::{CallContext, Runtime};
use floe_sdk::move_types::events::WalBurned;
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::{move_aborts, move_constants};
use sui_sdk_types::{Address, Digest, ExecutionError, Identifier, Owner};
use support::{Arg, Chain, Cmd, call};

const SUPPLY: u64 = 5_000_000_000_000_000_000;

/// Runs `f` as code of the package (`public(package)` functions such as
/// `wal::burn_balance`) on the ledger's `Treasury`; nothing is stored.
fn as_package<R>(
    chain: &Chain,
    f: impl FnOnce(&mut CallContext<'_>, &mut Treasury) -> Result<R, ExecutionError>,
) -> Result<R, ExecutionError> {
    let mut runtime = Runtime::new(Digest::new([0x77; 32]), chain.publisher, chain.now_ms);
    let mut ctx = CallContext {
        runtime: &mut runtime,
        source: &chain.ledger,
        package: PACKAGE_ID,
        module: Identifier::from_static("wal"),
        function: Identifier::from_static("burn_balance"),
    };
    let mut treasury: Treasury = chain.object(chain.genesis.treasury);
    f(&mut ctx, &mut treasury)
}

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
                call::wal::initial_supply(),
                call::wal::decimals(),
                call::wal::total_supply(Arg::ObjRead(treasury_id)),
                call::wal::total_burned(Arg::ObjRead(treasury_id)),
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
            vec![
                call::wal::source_storage_fee(),
                call::wal::source_slashing(),
                call::wal::source_early_unstake(),
                call::wal::source_license_fee(),
                call::wal::source_user(),
            ],
        )
        .unwrap();
    let sources: Vec<u8> = (0..5).map(|i| reads.ret(i, 0)).collect();
    assert_eq!(sources, vec![0, 1, 2, 3, 4]);
}

#[test]
fn burn_lowers_supply_and_counts() {
    let mut chain = Chain::new();
    let publisher = chain.publisher;
    let treasury = chain.genesis.treasury;

    let part = chain.wal_coin(publisher, 1_000, publisher);
    let burned = chain
        .call(publisher, call::wal::burn(treasury, part))
        .unwrap();
    assert_eq!(burned.ret::<u64>(0, 0), 1_000);
    assert_eq!(
        burned.event::<WalBurned>("WalBurned"),
        WalBurned::new(
            1_000,
            move_constants::wal::SOURCE_USER,
            1_000,
            SUPPLY - 1_000
        )
    );
    assert!(!chain.exists(part), "a burned coin is gone");

    let part = chain.wal_coin(publisher, 500, publisher);
    let burned = chain
        .call(publisher, call::wal::burn(treasury, part))
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
            vec![zero_wal_coin(), call::wal::burn(treasury, Arg::Result(0))],
        )
        .unwrap();
    assert_eq!(outcome.ret::<u64>(1, 0), 0);
    assert!(outcome.events_named::<WalBurned>("WalBurned").is_empty());
    let state: Treasury = chain.object(treasury);
    assert_eq!(state.total_burned, 0);
    assert_eq!(state.cap.total_supply.value, SUPPLY);
}

/// The attack of issue 12, item 6: a user burning its own WAL named the source, so anyone
/// could inflate the "slashing" or "license fee" burn statistics. `burn` takes no source
/// now; passing one is an arity error, and a user's burn is always `SOURCE_USER`.
#[test]
fn a_user_burn_cannot_pose_as_a_protocol_burn() {
    let mut chain = Chain::new();
    let publisher = chain.publisher;
    let treasury = chain.genesis.treasury;
    let part = chain.wal_coin(publisher, 1, publisher);
    // By name on purpose: a third argument (a burn source) that `wal::burn` does not take.
    let failure = chain
        .call(
            publisher,
            Cmd::call(
                "wal",
                "burn",
                vec![
                    Arg::obj(treasury),
                    Arg::obj(part),
                    Arg::pure(&move_constants::wal::SOURCE_SLASHING),
                ],
            ),
        )
        .unwrap_err();
    assert!(
        matches!(failure.error, ExecutionError::ArityMismatch),
        "{failure:?}"
    );
    assert!(chain.exists(part), "a failed burn loses no WAL");
    let burned = chain
        .call(publisher, call::wal::burn(treasury, part))
        .unwrap();
    let event: WalBurned = burned.event("WalBurned");
    assert_eq!(event.source, move_constants::wal::SOURCE_USER);
    assert_eq!(event.source, move_constants::wal::SOURCE_USER);
    for protocol in [
        move_constants::wal::SOURCE_STORAGE_FEE,
        move_constants::wal::SOURCE_SLASHING,
        move_constants::wal::SOURCE_EARLY_UNSTAKE,
        move_constants::wal::SOURCE_LICENSE_FEE,
    ] {
        assert_ne!(event.source, protocol);
    }
}

/// `wal::burn_balance` (package-only) with a source past the known ones aborts; the code is
/// the one `wal.move` defines.
#[test]
fn burn_balance_with_unknown_source_aborts() {
    let chain = Chain::new();
    let error = as_package(&chain, |ctx, treasury| {
        wal::burn_balance(ctx, treasury, 1, 5)
    })
    .unwrap_err();
    let ExecutionError::MoveAbort { location, code } = error else {
        panic!("expected a Move abort, got {error:?}");
    };
    assert_eq!(location.module.as_str(), "wal");
    assert_eq!(code, move_aborts::wal::E_UNKNOWN_BURN_SOURCE);
    assert_eq!(code, move_aborts::wal::E_UNKNOWN_BURN_SOURCE);
}

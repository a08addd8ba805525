//! Sui's rule for values in a programmable transaction, on the devnet: a value without
//! `copy` (a `floe::service::Call` receipt, which has only `drop`; a Coin; any object) is
//! moved by its first use by value, and a second use (by value or by reference) fails the
//! transaction with `CommandArgumentError::InvalidValueUsage` naming the command and the
//! argument, as Sui fails it. The same transaction with one use succeeds.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe;
use floe_devnet::floe::genesis::NetworkGenesis;
use floe_sdk::move_types::{self, events::ModelRegistered, events::ServiceCreated};
use sui_sdk_types::{Address, CommandArgumentError, ExecutionError};
use support::{Arg, Chain, Cmd, Failure, call, plant_blob};

const WAL: u64 = 1_000_000_000;
const PRICE: u64 = 2 * WAL;

/// Asserts the transaction failed because command `command` used argument `argument` after
/// it was moved.
fn assert_moved<T: std::fmt::Debug>(result: Result<T, Failure>, command: u64, argument: u16) {
    match result {
        Ok(ok) => panic!("expected InvalidValueUsage, the transaction succeeded: {ok:?}"),
        Err(failure) => {
            assert_eq!(failure.command, Some(command), "{failure:?}");
            assert!(
                matches!(
                    failure.error,
                    ExecutionError::CommandArgumentError {
                        argument: a,
                        kind: CommandArgumentError::InvalidValueUsage,
                    } if a == argument
                ),
                "expected InvalidValueUsage on argument {argument}, got {:?}",
                failure.error
            );
        }
    }
}

/// A chain with one service (of a model with one version), and a caller with 20 WAL.
struct World {
    chain: Chain,
    service: Address,
    caller: Address,
    coin: Address,
}

fn setup() -> World {
    let network = NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: 3_600_000,
        nodes: vec![],
    };
    let (mut chain, started) = Chain::with_network(&network);
    let seller = chain.new_account();
    let provider = chain.new_account();
    let caller = chain.new_account();
    let weights = plant_blob(&mut chain, seller, 0x51, true, 2, 0);
    let registered: ModelRegistered = chain
        .call_keep(seller, call::model::register_model("summarizer", ""))
        .unwrap()
        .event("ModelRegistered");
    let model = move_types::address_of(&registered.model_id);
    let cap = move_types::address_of(&registered.cap_id);
    chain
        .call(
            seller,
            call::model::publish_version(
                model,
                cap,
                Arg::ObjRead(started.system),
                Arg::ObjRead(weights),
                "onnx-mlp",
                Vec::<u8>::new(),
                Vec::<String>::new(),
                Vec::<u64>::new(),
            ),
        )
        .unwrap();
    let created: ServiceCreated = chain
        .call_keep(
            seller,
            call::service::create_service(
                Arg::ObjRead(model),
                cap,
                1u64,
                provider,
                PRICE,
                60_000u64,
            ),
        )
        .unwrap()
        .event("ServiceCreated");
    let coin = chain.give_wal(caller, 20 * WAL);
    World {
        chain,
        service: move_types::address_of(&created.service_id),
        caller,
        coin,
    }
}

impl World {
    /// `service::call` on the one service: its `Call` receipt is the command's result.
    fn call(&self) -> Cmd {
        call::service::call(self.service, self.coin, PRICE, b"input")
    }

    /// `service::call_next` taking the receipt `prev` by value (argument 3).
    fn call_next(&self, prev: Arg) -> Cmd {
        call::service::call_next(self.service, self.coin, PRICE, prev)
    }
}

/// `0x2::coin::split<WAL>(&mut coin, amount)`: a new Coin<WAL> as the command's result.
fn split(coin: Address, amount: u64) -> Cmd {
    Cmd::CallAt {
        package: Address::TWO,
        module: "coin".into(),
        function: "split".into(),
        type_args: vec![floe::wal_type()],
        args: vec![Arg::obj(coin), Arg::pure(&amount)],
    }
}

/// `0x2::coin::value<WAL>(&coin)`.
fn value(coin: Arg) -> Cmd {
    Cmd::CallAt {
        package: Address::TWO,
        module: "coin".into(),
        function: "value".into(),
        type_args: vec![floe::wal_type()],
        args: vec![coin],
    }
}

#[test]
fn a_call_receipt_is_moved_by_its_first_use() {
    let mut w = setup();
    let caller = w.caller;

    // The attack: one paid call, its receipt passed to two `call_next`s, so that two
    // follow-up calls claim the same previous call. Refused at the second use.
    let twice = vec![
        w.call(),
        w.call_next(Arg::Result(0)),
        w.call_next(Arg::Result(0)),
    ];
    assert_moved(w.chain.ptb(caller, twice), 2, 3);
    // Nothing was paid: only gas.
    assert_eq!(w.chain.wal_balance(caller), 20 * WAL);

    // The same receipt used once: both calls are paid.
    let once = vec![w.call(), w.call_next(Arg::Result(0))];
    w.chain.ptb(caller, once).unwrap();
    assert_eq!(w.chain.wal_balance(caller), 20 * WAL - 2 * PRICE);
}

#[test]
fn a_coin_result_is_moved_by_its_first_use() {
    let mut w = setup();
    let caller = w.caller;
    let friend = w.chain.new_account();

    // Transferred twice: the second TransferObjects fails on its object (argument 0).
    let twice = vec![
        split(w.coin, WAL),
        Cmd::Transfer(vec![Arg::Result(0)], friend),
        Cmd::Transfer(vec![Arg::Result(0)], caller),
    ];
    assert_moved(w.chain.ptb(caller, twice), 2, 0);
    // Twice in one TransferObjects: the second object (argument 1).
    let same_command = vec![
        split(w.coin, WAL),
        Cmd::Transfer(vec![Arg::Result(0), Arg::Result(0)], friend),
    ];
    assert_moved(w.chain.ptb(caller, same_command), 1, 1);
    // Read by reference after it was moved.
    let read_after = vec![
        split(w.coin, WAL),
        Cmd::Transfer(vec![Arg::Result(0)], friend),
        value(Arg::Result(0)),
    ];
    assert_moved(w.chain.ptb(caller, read_after), 2, 0);
    // An object input is moved too: transferred, then passed again.
    let input_twice = vec![
        Cmd::Transfer(vec![Arg::obj(w.coin)], friend),
        value(Arg::obj(w.coin)),
    ];
    assert_moved(w.chain.ptb(caller, input_twice), 1, 0);
    assert_eq!(w.chain.wal_balance(friend), 0);
    assert_eq!(w.chain.wal_balance(caller), 20 * WAL);

    // Read by reference first, then moved once: fine.
    let once = vec![
        split(w.coin, WAL),
        value(Arg::Result(0)),
        Cmd::Transfer(vec![Arg::Result(0)], friend),
    ];
    let outcome = w.chain.ptb(caller, once).unwrap();
    assert_eq!(outcome.ret::<u64>(1, 0), WAL);
    assert_eq!(w.chain.wal_balance(friend), WAL);
}

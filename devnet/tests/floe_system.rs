//! `floe::system`, `floe::staking` and `floe::staking_pool` on the devnet: the scenarios of
//! `move/floe/tests/system_tests.move`, `staking_tests.move` and `scenario_epoch_tests.move`,
//! step by step, with the keys, proofs of possession and signatures of
//! `move/floe/tests/bls_test_vectors.move`.
//!
//! Every step the Move tests take through a public function is a real transaction here. The
//! Move tests also call `public(package)` functions directly (`add_storage_fees`,
//! `reserve_capacity`, `verify_quorum`, `slash_node`) and a few `#[test_only]` setters; no
//! transaction can reach those, so [`Env::package`] runs the Rust functions other modules
//! call (the same ones `blob.rs` and `challenge.rs` use) against the ledger's objects and
//! stores what they changed, the way the Move test calls them inside one transaction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

mod support;

use floe_devnet::floe::{self, PACKAGE_ID, staking_pool, system, wal};
use floe_devnet::objects;
use floe_devnet::runtime::{CallContext, Runtime, dynamic_field_id};
use floe_sdk::move_aborts;
use floe_sdk::move_constants;
use floe_sdk::move_types::events::{
    EpochAdvanced, EpochFeesSettled, NodeRegistered, ParameterChanged, PoolAdvanced, Staked,
    VoteSet, WalBurned, Withdrawn,
};
use floe_sdk::move_types::staking::{NodeCap, StakedWal};
use floe_sdk::move_types::staking_pool::{Rate, StakingPool};
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self, ID};
use sui_sdk_types::{Address, Digest, ExecutionError, Identifier, Owner, TypeTag};
use support::{Arg, Chain, Cmd, Failure, Outcome, call};

const EPOCH_MS: u64 = 1_000_000;
/// Commission every test node registers with: 10 %.
const COMMISSION_BPS: u64 = 1_000;

fn wal_of(n: u64) -> u64 {
    n * 1_000_000_000
}

// ----- bls_test_vectors.move -----

const PK: [&str; 4] = [
    "b0ed4c65f7553c2961fee7d5f9daa40080256154aabd2f8ac375486874c501e9ac6adaba1e1b3da787180ac6c825a97d",
    "986dc064bff4e4bcd78555389cdc495bc3936d33d49d7a4ac5afae843bbd847c2dadd87f90488ba1bcb9dff681b1f613",
    "b4a4578d67034f4bd994dc09f0f543b956b8ea267891c98eb31e799b676423c6f2b4645daaa8c0cb544bd062f8797277",
    "99402fde2527ba44c7ae7e0ecca6c55b1b4ffe7b6714a51a8d4811f04adcd00418b23b55bc71c97cb05c99fd28d50d14",
];
const POP: [&str; 4] = [
    "92cd6c48ee31e4d0cca77de39d449439db8b2d66bded38782efc05a61056a5be48d6178bae47f9753722591e4d76ad0b07162b20787c8ed3284f01dac5513e171a77021c9b78b8ffa36c223e1178e58d98fef2d8419e139358c33f8df8ee215c",
    "82056dedd4d32bc8ee9b60c70ef138fb88609642d6885b02084bc02578cb9d8e467272407457fb4dc4e77281a4d4da780a119985a2dcc1fe6eee7d118bb70b054307065fe661cd853ef8838b94901523f4e7065098abd340dbc14fea14039ba4",
    "8d5d37c125becbc610b017587f3548ac5570eb14fc2ec5ea32eace91e63a146121da2097532573c32c1d8f38ced74f1b12d21f29fd209c7727c262597c5e82b0cf6150f71506b192cc84e118a0c5c9c64d5500e5bf9455619c1c16184eb10d23",
    "9374f1484fe0be759840fb0d0705c773166b3288e47e2a4ef9cde62ae0fcefb0e05d8c836824d84054f4223ca1090b5b0f23d1c585dba7ba60bbb285c9a5f1534970cb82026fa8e460999729afbd68c121c3d604decb3d36020dd30b31c3abdf",
];
const AGG_WITHOUT: [&str; 4] = [
    "abb1d66b1d347bc3eb600d986b4f1dd0c23972e15e1b7966f820aaccd4648a6c2bc2c1f51706c0019187ac05913bb6b805ca837c49570f9a28588d70c3ac346d5a3d9002a1556a807b2365080bd88e73c404c4274dcc37d3e6f377a8712ba558",
    "870649fbe89035a8d921a318dd565455a4036df43367a201799a0c31f3458654a55e470ff086f3728fdf626d02dbb22803c9f84c93df15054b02f542a74d3c8bdbcd2ee54d50c52e660fb50ddd9713734225d4ffec511d634167244306d16a90",
    "aea0ddf2389169e51a62a0d024bad75859c8ec73933bb9221f20c1b5f524cb86f2ea4426fe97af62586c6ecee59c17d0094cc3ed9872a82225a4d5c12a3fdd171bddac050a29f0c4ce90ba33101456eb7e87a7ecc6cf9dea6c5904e703f8f297",
    "ae5fb376b155c9852cadcacee4810b93e9168560d140bbc526632ea43d21c3b5ada10f5256885a486b28fab5461a3d611198ff35642c9da19330ed02dff132c7cf70d11987beb331bfa6f0c1d11fc353002fbb7da983e574d70974991578bf16",
];
const AGG_ALL: &str = "af73d4fe04056e74fdc58f0f844146b40047a32e2d769585c48f698f305ddf70eb30f84c5c0b0b425c384dd08ad943e50dbf994e0c4252709abcfb682a6f7e436aae48140fd2ddd8ff34f8f937cf1a6ea9ecb731e6015e6a21fe2fd979dd4809";
const MESSAGE: &[u8] = b"floe quorum test vector";

fn pk(i: usize) -> Vec<u8> {
    hex::decode(PK[i]).unwrap()
}
fn pop(i: usize) -> Vec<u8> {
    hex::decode(POP[i]).unwrap()
}
fn agg_without(i: usize) -> Vec<u8> {
    hex::decode(AGG_WITHOUT[i]).unwrap()
}
fn agg_all() -> Vec<u8> {
    hex::decode(AGG_ALL).unwrap()
}

/// The address that registers node `i` (0xB1 + i).
fn operator(i: usize) -> Address {
    short(0xB1 + u8::try_from(i).unwrap())
}

fn short(byte: u8) -> Address {
    let mut bytes = [0u8; 32];
    bytes[31] = byte;
    Address::new(bytes)
}

fn abort_of(error: &ExecutionError) -> (String, u64) {
    match error {
        ExecutionError::MoveAbort { location, code } => {
            (location.module.as_str().to_owned(), *code)
        }
        other => panic!("expected a Move abort, got {other:?}"),
    }
}

fn assert_abort(result: Result<Outcome, Failure>, module: &str, code: u64) {
    match result {
        Ok(_) => panic!("expected abort {module}::{code}, the transaction succeeded"),
        Err(failure) => assert_eq!(failure.abort(), (module.to_owned(), code)),
    }
}

// ----- sys_test_env.move -----

struct Env {
    chain: Chain,
    system: Address,
    admin: Address,
    funded: Vec<Address>,
}

impl Env {
    /// Publishes the package and creates a `System` with `n_shards` (as the publisher).
    fn setup(n_shards: u16) -> Self {
        let mut chain = Chain::new();
        let admin = chain.publisher;
        let cap = chain.genesis.admin_cap;
        let created = chain
            .call(admin, call::system::create_system(cap, n_shards, EPOCH_MS))
            .unwrap();
        let system = created.created("system", "System")[0];
        Self {
            chain,
            system,
            admin,
            funded: vec![],
        }
    }

    fn treasury(&self) -> Address {
        self.chain.genesis.treasury
    }

    /// Gives `who` a gas coin (the harness's accounts are `[k; 32]`; the vectors need
    /// `0xB1..`).
    fn fund(&mut self, who: Address) {
        if self.funded.contains(&who) {
            return;
        }
        let mut id = [0u8; 32];
        id[0] = 0x6b;
        id[1..].copy_from_slice(&who.as_bytes()[1..]);
        let coin = objects::gas_coin(Address::new(id), 1_000_000_000_000, who, 1);
        self.chain.ledger.apply_genesis(&[coin]);
        self.funded.push(who);
    }

    fn sys(&self) -> System {
        self.chain.object(self.system)
    }

    fn total_supply(&self) -> u64 {
        let treasury: Treasury = self.chain.object(self.treasury());
        treasury.cap.total_supply.value
    }

    fn total_burned(&self) -> u64 {
        let treasury: Treasury = self.chain.object(self.treasury());
        treasury.total_burned
    }

    /// `staking::register_node` as `sender`; the `NodeCap` goes to the sender.
    fn register_as(
        &mut self,
        sender: Address,
        name: &str,
        network_address: &str,
        key: Vec<u8>,
        proof: Vec<u8>,
        commission_bps: u64,
    ) -> Result<Outcome, Failure> {
        self.fund(sender);
        let system = self.system;
        self.chain.call_keep(
            sender,
            call::staking::register_node(
                system,
                name,
                network_address,
                &key,
                &proof,
                commission_bps,
            ),
        )
    }

    /// Registers test node `i` as `operator(i)`; returns the node ID.
    fn register(&mut self, i: usize) -> Address {
        let outcome = self
            .register_as(
                operator(i),
                "test node",
                "10.0.0.1:9000",
                pk(i),
                pop(i),
                COMMISSION_BPS,
            )
            .unwrap();
        let event: NodeRegistered = outcome.event("NodeRegistered");
        move_types::address_of(&event.node_id)
    }

    fn node_cap(&self, i: usize) -> Address {
        let caps = self.chain.owned(operator(i), "staking", "NodeCap");
        assert_eq!(caps.len(), 1);
        caps[0]
    }

    /// `staker` stakes `amount` (sent from the publisher) with `node`.
    fn try_stake(
        &mut self,
        staker: Address,
        node: Address,
        amount: u64,
    ) -> Result<Outcome, Failure> {
        self.fund(staker);
        let coin = self.chain.give_wal(staker, amount);
        let system = self.system;
        self.chain.call_keep(
            staker,
            call::staking::stake(system, move_types::id(node), coin),
        )
    }

    /// Returns the `StakedWal` ID (the staker owns it).
    fn stake(&mut self, staker: Address, node: Address, amount: u64) -> Address {
        let outcome = self.try_stake(staker, node, amount).unwrap();
        let event: Staked = outcome.event("Staked");
        move_types::address_of(&event.staked_wal_id)
    }

    fn request_withdraw(&mut self, staker: Address, staked: Address) -> Result<Outcome, Failure> {
        let system = self.system;
        self.chain
            .call(staker, call::staking::request_withdraw(system, staked))
    }

    fn try_withdraw(&mut self, staker: Address, staked: Address) -> Result<Outcome, Failure> {
        let (system, treasury) = (self.system, self.treasury());
        self.chain
            .call_keep(staker, call::staking::withdraw(system, treasury, staked))
    }

    /// Withdraws and returns the amount received (the coin goes to the staker).
    fn withdraw(&mut self, staker: Address, staked: Address) -> u64 {
        let before = self.chain.wal_balance(staker);
        self.try_withdraw(staker, staked).unwrap();
        self.chain.wal_balance(staker) - before
    }

    /// `challenge::advance_epoch` (the only way to `system::advance_epoch`).
    fn try_advance(&mut self) -> Result<Outcome, Failure> {
        let (system, treasury, admin) = (self.system, self.treasury(), self.admin);
        let board = self.chain.genesis.challenge_board;
        self.chain.call(
            admin,
            call::challenge::advance_epoch(board, system, treasury),
        )
    }

    /// Moves the clock one epoch on and advances the epoch.
    fn advance(&mut self) -> Outcome {
        self.chain.advance_clock(EPOCH_MS);
        self.try_advance().unwrap()
    }

    /// The pool of `node`, read from its `System.pools` dynamic field.
    fn pool(&self, node: Address) -> StakingPool {
        let pools = Address::new(self.sys().pools.id.id.bytes.into_inner());
        let field = dynamic_field_id(pools, &floe::id_type(), &move_types::id(node)).unwrap();
        let object = self.chain.object_raw(field);
        let (_, contents, _) = objects::struct_parts(object).unwrap();
        bcs::from_bytes(&contents[64..]).unwrap()
    }

    /// The rate `pool` recorded for `epoch`, if any.
    fn rate(&self, pool: &StakingPool, epoch: u64) -> Option<Rate> {
        let rates = Address::new(pool.rates.id.id.bytes.into_inner());
        let field = dynamic_field_id(rates, &TypeTag::U64, &epoch).unwrap();
        self.chain.exists(field).then(|| {
            let object = self.chain.object_raw(field);
            let (_, contents, _) = objects::struct_parts(object).unwrap();
            bcs::from_bytes(&contents[40..]).unwrap()
        })
    }

    /// A read-only call made by `read` of the `System` (passed read-only); its first return value.
    fn read<T: serde::de::DeserializeOwned>(&mut self, read: impl FnOnce(Arg) -> Cmd) -> T {
        let (system, admin) = (self.system, self.admin);
        self.chain
            .call(admin, read(Arg::ObjRead(system)))
            .unwrap()
            .ret(0, 0)
    }

    fn set_parameter(&mut self, setter: Setter, value: u64) -> Result<Outcome, Failure> {
        let (system, admin, cap) = (self.system, self.admin, self.chain.genesis.admin_cap);
        self.chain
            .call(admin, setter(Arg::obj(system), Arg::obj(cap), value))
    }

    /// Runs `f` as package code (a `public(package)` function or a Move test's direct
    /// change) on the `System` and `Treasury` in the ledger; on success stores every
    /// object it changed or created, on an abort changes nothing.
    fn package<R>(
        &mut self,
        f: impl FnOnce(&mut CallContext<'_>, &mut System, &mut Treasury) -> Result<R, ExecutionError>,
    ) -> Result<R, ExecutionError> {
        let now = self.chain.now_ms;
        let mut runtime = Runtime::new(Digest::new([0x77; 32]), self.admin, now);
        for id in [self.system, self.treasury()] {
            runtime.load(self.chain.object_raw(id), true);
        }
        let result = {
            let mut ctx = CallContext {
                runtime: &mut runtime,
                source: &self.chain.ledger,
                package: PACKAGE_ID,
                module: Identifier::from_static("system"),
                function: Identifier::from_static("package"),
            };
            let mut system: System = ctx.read(self.system)?;
            let mut treasury: Treasury = ctx.read(self.treasury())?;
            let result = f(&mut ctx, &mut system, &mut treasury)?;
            ctx.write(self.system, &system)?;
            ctx.write(self.treasury(), &treasury)?;
            result
        };
        let version = self.chain.object_raw(self.system).version() + 1;
        let mut out = Vec::new();
        for (id, working) in &runtime.objects {
            if runtime.deleted.contains(id) {
                continue;
            }
            let unchanged = self.chain.exists(*id)
                && objects::struct_parts(self.chain.object_raw(*id))
                    .is_some_and(|(_, contents, _)| contents == working.contents.as_slice());
            if unchanged {
                continue;
            }
            let owner = match self.chain.exists(*id).then(|| self.chain.owner(*id)) {
                Some(owner) => owner,
                None => working.owner.expect("new objects are stored"),
            };
            out.push(objects::move_object(
                working.type_.clone(),
                working.has_public_transfer,
                version,
                working.contents.clone(),
                owner,
                Digest::new([0x77; 32]),
            ));
        }
        assert!(
            runtime.deleted.is_empty(),
            "package steps here delete nothing"
        );
        self.chain.ledger.apply_genesis(&out);
        Ok(result)
    }

    /// Registers nodes 0..4, stakes 100 WAL with each and advances one epoch: the epoch-1
    /// committee holds all four. Returns the node IDs by key index.
    fn four_node_committee(&mut self) -> Vec<Address> {
        let nodes: Vec<Address> = (0..4).map(|i| self.register(i)).collect();
        for (i, node) in nodes.iter().enumerate() {
            self.stake(short(0xC0 + u8::try_from(i).unwrap()), *node, wal_of(100));
        }
        self.advance();
        nodes
    }

    /// Which test key a registered node has.
    fn key_index(&self, node: Address) -> usize {
        let key = self.pool(node).bls_public_key;
        (0..4).find(|i| pk(*i) == key).unwrap()
    }

    fn committee(&self) -> Vec<Address> {
        self.sys()
            .committee
            .iter()
            .map(move_types::address_of)
            .collect()
    }

    fn node_shards(&self, node: Address) -> Vec<u16> {
        system::shards_of(&self.sys(), node)
    }
}

/// A `system::set_*(system, cap, value)` parameter setter.
type Setter = fn(Arg, Arg, u64) -> Cmd;

/// Every parameter setter of `system.move`.
const SETTERS: [Setter; 9] = [
    call::system::set_fee_burn_bps,
    call::system::set_license_fee_bps,
    call::system::set_slash_bps,
    call::system::set_slash_burn_bps,
    call::system::set_challenge_window_ms,
    call::system::set_min_stake_epochs,
    call::system::set_early_unstake_fee_bps,
    call::system::set_max_epochs_ahead,
    call::system::set_max_committee_size,
];

fn id(address: Address) -> ID {
    move_types::id(address)
}

// ===== system_tests.move: create_system and reads =====

#[test]
fn create_system_sets_defaults() {
    let mut env = Env::setup(10);
    let start = env.chain.now_ms;
    let s = env.sys();
    assert_eq!(s.epoch, 0);
    assert_eq!(s.epoch_start_ms, start);
    assert!(matches!(env.chain.owner(env.system), Owner::Shared(_)));

    // Every read, as transactions.
    let (system, admin) = (env.system, env.admin);
    let nobody = id(short(0x12));
    let s = || Arg::ObjRead(system);
    let commands = vec![
        call::system::epoch(s()),
        call::system::epoch_start_ms(s()),
        call::system::epoch_duration_ms(s()),
        call::system::storage_price_per_mib_epoch(s()),
        call::system::write_price_per_mib(s()),
        call::system::used_capacity(s()),
        call::system::used_capacity_at(s(), 0u64),
        call::system::total_capacity(s()),
        call::system::fee_burn_bps(s()),
        call::system::license_fee_bps(s()),
        call::system::slash_bps(s()),
        call::system::slash_burn_bps(s()),
        call::system::challenge_window_ms(s()),
        call::system::min_stake_epochs(s()),
        call::system::early_unstake_fee_bps(s()),
        call::system::max_epochs_ahead(s()),
        call::system::max_committee_size(s()),
        call::system::node_count(s()),
        call::system::fees_for_epoch(s(), 0u64),
    ];
    let expected: Vec<u64> = vec![
        0,
        start,
        EPOCH_MS,
        100_000,
        200_000,
        0,
        0,
        1_099_511_627_776,
        1_000,
        500,
        1_000,
        10_000,
        EPOCH_MS / 2,
        2,
        500,
        52,
        10,
        0,
        0,
    ];
    let outcome = env.chain.ptb(admin, commands).unwrap();
    for (k, value) in expected.iter().enumerate() {
        assert_eq!(outcome.ret::<u64>(k, 0), *value, "read {k}");
    }
    assert_eq!(env.read::<u16>(call::system::n_shards), 10);
    assert!(
        env.read::<Vec<ID>>(call::system::committee_node_ids)
            .is_empty()
    );
    assert!(
        env.read::<Vec<u16>>(call::system::committee_shard_counts)
            .is_empty()
    );
    assert!(env.read::<Vec<ID>>(call::system::node_ids).is_empty());
    let max_nodes = env.chain.call(admin, call::system::max_nodes()).unwrap();
    assert_eq!(max_nodes.ret::<u64>(0, 0), 256);
    assert!(!env.read::<bool>(|s| call::system::is_registered(s, &nobody)));
    assert!(!env.read::<bool>(|s| call::system::is_committee_member(s, &nobody)));
    assert!(
        env.read::<Vec<u16>>(|s| call::system::node_shards(s, &nobody))
            .is_empty()
    );
}

#[test]
fn create_system_twice_aborts() {
    let mut env = Env::setup(10);
    let (admin, cap) = (env.admin, env.chain.genesis.admin_cap);
    let again = env
        .chain
        .call(admin, call::system::create_system(cap, 10u16, 1_000u64));
    assert_abort(
        again,
        "system",
        move_aborts::system::E_SYSTEM_ALREADY_CREATED,
    );
}

#[test]
fn create_system_with_no_shards_or_zero_epoch_aborts() {
    let mut chain = Chain::new();
    let (admin, cap) = (chain.publisher, chain.genesis.admin_cap);
    let invalid_shards = move_aborts::system::E_INVALID_SHARD_COUNT;
    for (n, epoch, code) in [
        (0u16, 1_000u64, invalid_shards),
        // Fewer than the encoder supports (`create_system_with_three_shards_aborts`).
        (3, 1_000, invalid_shards),
        (10, 0, move_aborts::system::E_INVALID_EPOCH_DURATION),
    ] {
        let result = chain.call(admin, call::system::create_system(cap, n, epoch));
        assert_abort(result, "system", code);
    }
}

#[test]
fn bls_key_of_unknown_node_aborts() {
    let mut env = Env::setup(10);
    let (system, admin) = (env.system, env.admin);
    let result = env.chain.call(
        admin,
        call::system::node_bls_public_key(Arg::ObjRead(system), id(short(0x12))),
    );
    assert_abort(result, "system", move_aborts::system::E_NODE_NOT_FOUND);
}

// ===== Parameters =====

#[test]
fn admin_sets_every_parameter() {
    let mut env = Env::setup(10);
    let (system, admin, cap) = (env.system, env.admin, env.chain.genesis.admin_cap);
    let values = [5_000, 0, 1, 0, EPOCH_MS, 52, 5_000, 1_000, 3];
    let commands = SETTERS
        .iter()
        .zip(values)
        .map(|(set, value)| set(Arg::obj(system), Arg::ObjRead(cap), value))
        .collect();
    let outcome = env.chain.ptb(admin, commands).unwrap();
    let s = env.sys();
    assert_eq!(s.fee_burn_bps, 5_000);
    assert_eq!(s.license_fee_bps, 0);
    assert_eq!(s.slash_bps, 1);
    assert_eq!(s.slash_burn_bps, 0);
    assert_eq!(s.challenge_window_ms, EPOCH_MS);
    assert_eq!(s.min_stake_epochs, 52);
    assert_eq!(s.early_unstake_fee_bps, 5_000);
    assert_eq!(s.max_epochs_ahead, 1_000);
    assert_eq!(s.max_committee_size, 3);
    let events: Vec<ParameterChanged> = outcome.events_named("ParameterChanged");
    assert_eq!(events.len(), 9);
    assert_eq!(events[0].name, b"fee_burn_bps".to_vec());
    assert_eq!((events[0].old_value, events[0].new_value), (1_000, 5_000));
    assert_eq!(events[8].name, b"max_committee_size".to_vec());
    assert_eq!((events[8].old_value, events[8].new_value), (10, 3));
}

#[test]
fn parameters_out_of_bounds_abort() {
    let mut env = Env::setup(10);
    let (system, admin, cap) = (env.system, env.admin, env.chain.genesis.admin_cap);
    let cases: [(Setter, u64); 13] = [
        (call::system::set_fee_burn_bps, 5_001),
        (call::system::set_license_fee_bps, 5_001),
        (call::system::set_slash_bps, 0),
        (call::system::set_slash_bps, 5_001),
        (call::system::set_slash_burn_bps, 10_001),
        (call::system::set_challenge_window_ms, 999),
        (call::system::set_challenge_window_ms, EPOCH_MS + 1),
        (call::system::set_min_stake_epochs, 53),
        (call::system::set_early_unstake_fee_bps, 5_001),
        (call::system::set_max_epochs_ahead, 0),
        (call::system::set_max_epochs_ahead, 1_001),
        (call::system::set_max_committee_size, 0),
        (call::system::set_max_committee_size, 11),
    ];
    for (setter, value) in cases {
        let command = setter(Arg::obj(system), Arg::obj(cap), value);
        let setter = command.name();
        let result = env.chain.call(admin, command);
        match result {
            Ok(_) => panic!("{setter}({value}) should abort"),
            Err(f) => assert_eq!(
                f.abort(),
                (
                    "system".to_owned(),
                    move_aborts::system::E_PARAMETER_OUT_OF_BOUNDS
                ),
                "{setter}({value})"
            ),
        }
    }
}

/// `system_tests::a_cap_that_created_no_system_cannot_tune_it`: an `AdminCap` tunes only the
/// `System` it created. Every setter refuses another cap with the code `system.move` defines.
#[test]
fn a_cap_that_created_no_system_cannot_tune_it() {
    let mut env = Env::setup(10);
    let stranger = env.package(|ctx, _, _| system::init(ctx)).unwrap();
    let admin = env.admin;
    assert!(
        env.chain
            .object::<move_types::system::AdminCap>(stranger)
            .system_id
            .is_none()
    );
    let created: move_types::system::AdminCap = env.chain.object(env.chain.genesis.admin_cap);
    assert_eq!(created.system_id, Some(id(env.system)));
    for setter in SETTERS {
        let result = env.chain.call(
            admin,
            setter(Arg::obj(env.system), Arg::obj(stranger), 1_000),
        );
        assert_abort(result, "system", move_aborts::system::E_WRONG_ADMIN_CAP);
    }
}

// ===== Epoch change =====

#[test]
fn advance_epoch_without_nodes() {
    let mut env = Env::setup(10);
    let start = env.chain.now_ms;
    let outcome = env.advance();
    let s = env.sys();
    assert_eq!(s.epoch, 1);
    assert_eq!(s.epoch_start_ms, start + EPOCH_MS);
    assert!(s.committee.is_empty());
    // Prices stay as they were without a committee.
    assert_eq!(s.storage_price_per_mib_epoch, 100_000);
    let event: EpochAdvanced = outcome.event("EpochAdvanced");
    assert_eq!(event.epoch, 1);
    assert!(
        outcome
            .events_named::<EpochFeesSettled>("EpochFeesSettled")
            .is_empty()
    );
}

#[test]
fn advance_epoch_too_early_aborts() {
    let mut env = Env::setup(10);
    env.chain.advance_clock(EPOCH_MS - 1);
    assert_abort(
        env.try_advance(),
        "system",
        move_aborts::system::E_EPOCH_NOT_OVER,
    );
}

#[test]
fn committee_gets_shards_by_stake_and_prices_by_vote() {
    let mut env = Env::setup(10);
    let nodes: Vec<Address> = (0..4).map(|i| env.register(i)).collect();
    // Stakes 400, 100, 100, 100.
    for (i, amount) in [400, 100, 100, 100].into_iter().enumerate() {
        env.stake(short(0xC0 + i as u8), nodes[i], wal_of(amount));
    }
    // Votes: storage 10 (node 0), 40, 30, 20; write 5 (node 0), 1, 1, 1; capacity (i+1)·1000.
    let storage = [10u64, 40, 30, 20];
    let system = env.system;
    for (i, price) in storage.iter().enumerate() {
        let cap = env.node_cap(i);
        let write: u64 = if i == 0 { 5 } else { 1 };
        let capacity = (i as u64 + 1) * 1_000;
        let outcome = env
            .chain
            .ptb(
                operator(i),
                vec![
                    call::staking::set_storage_price_vote(system, cap, *price),
                    call::staking::set_write_price_vote(system, cap, write),
                    call::staking::set_capacity_vote(system, cap, capacity),
                ],
            )
            .unwrap();
        assert_eq!(outcome.events_named::<VoteSet>("VoteSet").len(), 3);
    }
    // Staked in epoch 0: no committee yet.
    assert!(env.sys().committee.is_empty());
    assert_eq!(
        env.read::<u64>(|s| call::system::node_stake(s, id(nodes[0]))),
        0
    );

    let outcome = env.advance();
    let s = env.sys();
    assert_eq!(s.epoch, 1);
    let committee = env.committee();
    assert_eq!(committee.len(), 4);
    assert!(env.read::<bool>(|s| call::system::is_committee_member(s, id(nodes[0]))));
    assert!(env.read::<bool>(|s| call::system::is_committee_member(s, id(nodes[3]))));
    let counts: Vec<usize> = nodes.iter().map(|n| env.node_shards(*n).len()).collect();
    assert_eq!(counts, vec![4, 2, 2, 2]);
    assert_eq!(
        env.read::<u64>(|s| call::system::node_stake(s, id(nodes[0]))),
        wal_of(400)
    );
    // Members are ordered by node ID and hold consecutive shards from 0.
    let mut next = 0u16;
    for (k, member) in committee.iter().enumerate() {
        if k > 0 {
            assert!(committee[k - 1].as_bytes() < member.as_bytes());
        }
        for shard in env.read::<Vec<u16>>(|s| call::system::node_shards(s, id(*member))) {
            assert_eq!(shard, next);
            next += 1;
        }
    }
    assert_eq!(next, 10);
    assert_eq!(s.storage_price_per_mib_epoch, 30);
    assert_eq!(s.write_price_per_mib, 5);
    assert_eq!(s.total_capacity, 1_000);
    let event: EpochAdvanced = outcome.event("EpochAdvanced");
    assert_eq!(event.committee, s.committee);
    assert_eq!(event.committee_stake, wal_of(700));
    assert_eq!(
        event.shard_counts,
        env.read::<Vec<u16>>(call::system::committee_shard_counts)
    );
    assert_eq!(
        outcome.events_named::<PoolAdvanced>("PoolAdvanced").len(),
        4
    );
}

#[test]
fn committee_is_capped_at_max_committee_size() {
    let mut env = Env::setup(10);
    let nodes: Vec<Address> = (0..3).map(|i| env.register(i)).collect();
    env.stake(short(0xC0), nodes[0], wal_of(100));
    env.stake(short(0xC1), nodes[1], wal_of(300));
    env.stake(short(0xC2), nodes[2], wal_of(200));
    env.set_parameter(call::system::set_max_committee_size, 2)
        .unwrap();
    env.advance();
    let committee = env.committee();
    assert_eq!(committee.len(), 2);
    assert!(!committee.contains(&nodes[0]));
    assert_eq!(env.node_shards(nodes[1]).len(), 6);
    assert_eq!(env.node_shards(nodes[2]).len(), 4);
}

/// `system_tests::committee_never_exceeds_max_committee_size`.
#[test]
fn committee_never_exceeds_max_committee_size() {
    let mut env = Env::setup(4);
    env.set_parameter(call::system::set_max_committee_size, 2)
        .unwrap();
    let nodes: Vec<Address> = (0..3).map(|i| env.register(i)).collect();
    for (i, node) in nodes.iter().enumerate() {
        env.stake(short(0xC0 + i as u8), *node, wal_of(100));
    }
    env.advance();
    // Equal stakes: the two lowest node IDs win the tie.
    let committee = env.committee();
    assert_eq!(committee.len(), 2);
    let mut sorted = nodes.clone();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(committee, sorted[..2].to_vec());
    assert_eq!(env.node_shards(committee[0]), vec![0, 1]);
    assert_eq!(env.node_shards(committee[1]), vec![2, 3]);
}

#[test]
fn shard_assignment_is_largest_remainder() {
    let assign = |n, stakes: &[u64]| system::assign_shards(n, stakes).unwrap();
    assert_eq!(assign(10, &[1, 1, 1, 1]), vec![3, 3, 2, 2]);
    assert_eq!(assign(10, &[5, 3, 2]), vec![5, 3, 2]);
    assert_eq!(assign(4, &[1, 1_000_000]), vec![1, 3]);
    assert_eq!(assign(3, &[7, 7, 7]), vec![1, 1, 1]);
    assert_eq!(assign(1_000, &[1]), vec![1_000]);
    assert!(assign(5, &[]).is_empty());
}

#[test]
fn more_members_than_shards_aborts() {
    let error = system::assign_shards(2, &[1, 1, 1]).unwrap_err();
    assert_eq!(
        abort_of(&error),
        (
            "system".to_owned(),
            move_aborts::system::E_COMMITTEE_TOO_LARGE
        )
    );
}

#[test]
fn quorum_value_needs_two_thirds_of_shards() {
    let q = system::quorum_value;
    assert_eq!(q(vec![10, 30, 20, 40], &[1, 1, 1, 1], 4, true), 30);
    assert_eq!(q(vec![10, 30, 20, 40], &[1, 1, 1, 1], 4, false), 20);
    assert_eq!(q(vec![100, 1, 2, 3], &[5, 1, 1, 1], 8, true), 100);
    assert_eq!(q(vec![100, 1, 2, 3], &[6, 1, 1, 1], 9, true), 100);
    assert_eq!(q(vec![7], &[3], 3, true), 7);
}

// ===== Fees =====

fn fees_for(env: &mut Env, epoch: u64) -> u64 {
    env.read(|system| call::system::fees_for_epoch(system, epoch))
}

#[test]
fn storage_fees_spread_over_epochs_and_write_fees_to_current() {
    let mut env = Env::setup(10);
    env.package(|ctx, s, _| system::add_storage_fees(ctx, s, 1_000, 0, 3))
        .unwrap();
    assert_eq!(fees_for(&mut env, 0), 333);
    assert_eq!(fees_for(&mut env, 1), 333);
    assert_eq!(fees_for(&mut env, 2), 334);
    assert_eq!(fees_for(&mut env, 3), 0);
    env.package(|ctx, s, _| system::add_write_fees(ctx, s, 50))
        .unwrap();
    assert_eq!(fees_for(&mut env, 0), 383);
    // Zero fees are fine.
    env.package(|ctx, s, _| system::add_storage_fees(ctx, s, 0, 1, 2))
        .unwrap();
    assert_eq!(fees_for(&mut env, 1), 333);
}

#[test]
fn storage_fees_for_empty_range_abort() {
    let mut env = Env::setup(10);
    let error = env
        .package(|ctx, s, _| system::add_storage_fees(ctx, s, 0, 2, 2))
        .unwrap_err();
    assert_eq!(
        abort_of(&error),
        (
            "system".to_owned(),
            move_aborts::system::E_INVALID_EPOCH_RANGE
        )
    );
}

#[test]
fn storage_fees_for_past_epochs_abort() {
    let mut env = Env::setup(10);
    let error = env
        .package(|ctx, s, _| {
            s.epoch = 5; // set_epoch_for_testing
            system::add_storage_fees(ctx, s, 0, 4, 6)
        })
        .unwrap_err();
    assert_eq!(
        abort_of(&error),
        (
            "system".to_owned(),
            move_aborts::system::E_INVALID_EPOCH_RANGE
        )
    );
}

#[test]
fn fees_without_committee_carry_over() {
    let mut env = Env::setup(10);
    env.package(|ctx, s, _| system::add_storage_fees(ctx, s, 900, 0, 1))
        .unwrap();
    let outcome = env.advance();
    assert_eq!(fees_for(&mut env, 0), 0);
    assert_eq!(fees_for(&mut env, 1), 900);
    let settled: EpochFeesSettled = outcome.event("EpochFeesSettled");
    assert_eq!(
        (
            settled.epoch,
            settled.total,
            settled.burned,
            settled.distributed,
            settled.carried_over
        ),
        (0, 900, 0, 0, 900)
    );
}

// ===== Capacity =====

#[test]
fn capacity_reserve_and_release() {
    let mut env = Env::setup(10);
    let used = env
        .package(|ctx, s, _| {
            s.total_capacity = 100; // set_total_capacity_for_testing
            system::reserve_capacity(ctx, s, 60, 0, 3)?;
            system::reserve_capacity(ctx, s, 40, 1, 2)?;
            let reserved: Vec<u64> = (0..4).map(|e| system::capacity_used_at(s, e)).collect();
            let entries = s.future_used_capacity.len();
            system::release_capacity(ctx, s, 30, 0, 3)?;
            let released: Vec<u64> = (0..3).map(|e| system::capacity_used_at(s, e)).collect();
            // Never below zero; emptied later epochs are dropped.
            system::release_capacity(ctx, s, 1_000, 0, 3)?;
            Ok((
                reserved,
                entries,
                released,
                s.used_capacity,
                s.future_used_capacity.len(),
            ))
        })
        .unwrap();
    assert_eq!(used, (vec![60, 100, 60, 0], 2, vec![30, 70, 30], 0, 0));
    assert_eq!(env.sys().used_capacity, 0);
}

/// An epoch's reservations end with it: the next epoch starts with what was reserved for it.
#[test]
fn capacity_frees_at_the_epoch_change() {
    let mut env = Env::setup(10);
    env.package(|ctx, s, _| {
        system::reserve_capacity(ctx, s, 500, 0, 1)?;
        system::reserve_capacity(ctx, s, 70, 0, 2)
    })
    .unwrap();
    assert_eq!(env.sys().used_capacity, 570);
    let outcome = env.advance();
    let advanced: EpochAdvanced = outcome.event("EpochAdvanced");
    assert_eq!((advanced.epoch, advanced.used_capacity), (1, 70));
    let s = env.sys();
    assert_eq!(s.used_capacity, 70);
    assert_eq!(system::capacity_used_at(&s, 0), 0);
    assert!(s.future_used_capacity.is_empty());
    let read: u64 = env.read(|system| call::system::used_capacity_at(system, 1u64));
    assert_eq!(read, 70);
    // Releasing ranges that have ended gives back nothing more.
    env.package(|ctx, s, _| {
        system::release_capacity(ctx, s, 500, 0, 1)?;
        system::release_capacity(ctx, s, 70, 0, 2)
    })
    .unwrap();
    assert_eq!(env.sys().used_capacity, 0);
    env.advance();
    assert_eq!(env.sys().used_capacity, 0);
}

fn assert_capacity_abort(
    env: &mut Env,
    code: u64,
    f: impl FnOnce(&mut CallContext<'_>, &mut System) -> Result<(), ExecutionError>,
) {
    let error = env.package(|ctx, s, _| f(ctx, s)).unwrap_err();
    assert_eq!(abort_of(&error), ("system".to_owned(), code));
}

#[test]
fn capacity_aborts() {
    let mut env = Env::setup(10);
    // Over the total in the current epoch, in a later one, or larger than the total.
    assert_capacity_abort(
        &mut env,
        move_aborts::system::E_CAPACITY_EXCEEDED,
        |ctx, s| {
            s.total_capacity = 100;
            system::reserve_capacity(ctx, s, 60, 0, 1)?;
            system::reserve_capacity(ctx, s, 41, 0, 1)
        },
    );
    assert_capacity_abort(
        &mut env,
        move_aborts::system::E_CAPACITY_EXCEEDED,
        |ctx, s| {
            s.total_capacity = 100;
            system::reserve_capacity(ctx, s, 60, 3, 5)?;
            system::reserve_capacity(ctx, s, 41, 0, 4)
        },
    );
    assert_capacity_abort(
        &mut env,
        move_aborts::system::E_CAPACITY_EXCEEDED,
        |ctx, s| {
            s.total_capacity = 100;
            system::reserve_capacity(ctx, s, 101, 0, 1)
        },
    );
    // Empty, in the past, or beyond `max_epochs_ahead`.
    assert_capacity_abort(
        &mut env,
        move_aborts::system::E_INVALID_EPOCH_RANGE,
        |ctx, s| system::reserve_capacity(ctx, s, 1, 2, 2),
    );
    assert_capacity_abort(
        &mut env,
        move_aborts::system::E_INVALID_EPOCH_RANGE,
        |ctx, s| {
            s.epoch = 5; // set_epoch_for_testing
            system::reserve_capacity(ctx, s, 1, 4, 6)
        },
    );
    assert_capacity_abort(
        &mut env,
        move_aborts::system::E_INVALID_EPOCH_RANGE,
        |ctx, s| {
            let max = s.max_epochs_ahead;
            system::reserve_capacity(ctx, s, 1, 0, max + 1)
        },
    );
    // Nothing was kept.
    assert_eq!(env.sys().used_capacity, 0);
    assert!(env.sys().future_used_capacity.is_empty());
}

// ===== Quorum =====

fn verify(
    env: &mut Env,
    signers: &[u16],
    signature: Vec<u8>,
    message: &[u8],
) -> Result<(), ExecutionError> {
    env.package(|ctx, s, _| system::verify_quorum(ctx, s, signers, &signature, message))
}

#[test]
fn quorum_of_all_members_verifies() {
    let mut env = Env::setup(10);
    env.four_node_committee();
    assert_eq!(
        env.read::<Vec<u16>>(call::system::committee_shard_counts),
        vec![3, 3, 2, 2]
    );
    verify(&mut env, &[0, 1, 2, 3], agg_all(), MESSAGE).unwrap();
}

#[test]
fn quorum_of_three_members_verifies() {
    let mut env = Env::setup(10);
    env.four_node_committee();
    // Members 0, 1, 2 hold 3 + 3 + 2 = 8 ≥ 2f + 1 = 7 shards.
    let missing = env.key_index(env.committee()[3]);
    verify(&mut env, &[0, 1, 2], agg_without(missing), MESSAGE).unwrap();
}

#[test]
fn quorum_aborts() {
    let mut env = Env::setup(10);
    env.four_node_committee();
    /// Signers, signature, message, expected abort code.
    type Case<'a> = (&'a [u16], Vec<u8>, &'a [u8], u64);
    let cases: Vec<Case<'_>> = vec![
        // Wrong signer set.
        (
            &[0, 1, 2],
            agg_all(),
            MESSAGE,
            move_aborts::system::E_INVALID_SIGNATURE,
        ),
        // Another message.
        (
            &[0, 1, 2, 3],
            agg_all(),
            b"another message",
            move_aborts::system::E_INVALID_SIGNATURE,
        ),
        // 3 + 3 = 6 shards < 7.
        (
            &[0, 1],
            agg_all(),
            MESSAGE,
            move_aborts::system::E_NOT_ENOUGH_SHARDS,
        ),
        // Unsorted.
        (
            &[1, 0, 2, 3],
            agg_all(),
            MESSAGE,
            move_aborts::system::E_INVALID_SIGNERS,
        ),
        // Out of range.
        (
            &[0, 1, 2, 4],
            agg_all(),
            MESSAGE,
            move_aborts::system::E_INVALID_SIGNERS,
        ),
    ];
    for (signers, signature, message, code) in cases {
        let error = verify(&mut env, signers, signature, message).unwrap_err();
        assert_eq!(abort_of(&error), ("system".to_owned(), code), "{signers:?}");
    }
}

// ===== Slashing =====

#[test]
fn slash_unknown_node_aborts() {
    let mut env = Env::setup(10);
    let error = env
        .package(|ctx, s, _| system::slash_node(ctx, s, short(0x12), 0))
        .unwrap_err();
    assert_eq!(
        abort_of(&error),
        ("system".to_owned(), move_aborts::system::E_NODE_NOT_FOUND)
    );
}

// ===== staking_tests.move: register_node =====

#[test]
fn register_node_creates_pool_and_cap() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let cap_id = env.node_cap(0);
    let cap: NodeCap = env.chain.object(cap_id);
    assert_eq!(move_types::address_of(&cap.node_id), node);
    let node_id = env
        .chain
        .call(operator(0), call::staking::node_id(cap_id))
        .unwrap();
    assert_eq!(node_id.ret::<ID>(0, 0), id(node));
    assert!(env.read::<bool>(|s| call::system::is_registered(s, id(node))));
    assert_eq!(env.read::<u64>(call::system::node_count), 1);
    assert_eq!(env.read::<Vec<ID>>(call::system::node_ids), vec![id(node)]);
    assert_eq!(
        env.read::<Vec<u8>>(|s| call::system::node_bls_public_key(s, id(node))),
        pk(0)
    );
    let pool = env.pool(node);
    assert_eq!(staking_pool::node_id(&pool), node);
    assert_eq!(move_types::address_of(&pool.node_cap_id), cap_id);
    assert_eq!(pool.name.bytes, b"test node".to_vec());
    assert_eq!(pool.network_address.bytes, b"10.0.0.1:9000".to_vec());
    assert_eq!(pool.commission_bps, COMMISSION_BPS);
    assert_eq!(pool.registered_epoch, 0);
    let s = env.sys();
    assert_eq!(pool.storage_price_vote, s.storage_price_per_mib_epoch);
    assert_eq!(pool.write_price_vote, s.write_price_per_mib);
    assert_eq!(pool.capacity_vote, 1_099_511_627_776);
    assert_eq!(pool.active.value, 0);
    assert_eq!(pool.total_shares, 0);
}

#[test]
fn proof_of_possession_message_is_sender_then_key() {
    let mut env = Env::setup(10);
    let admin = env.admin;
    let outcome = env
        .chain
        .call(
            admin,
            call::staking::proof_of_possession_message(operator(0), pk(0)),
        )
        .unwrap();
    let message: Vec<u8> = outcome.ret(0, 0);
    assert_eq!(message.len(), 80);
    let mut expected = operator(0).as_bytes().to_vec();
    expected.extend(pk(0));
    assert_eq!(message, expected);
}

#[test]
fn register_aborts() {
    let mut env = Env::setup(10);
    let mut short_key = pk(0);
    short_key.pop();
    /// Sender, name, network address, key, proof, commission, abort module and code.
    type Case<'a> = (
        Address,
        &'a str,
        &'a str,
        Vec<u8>,
        Vec<u8>,
        u64,
        &'a str,
        u64,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            operator(0),
            "n",
            "a",
            pk(0),
            pop(0),
            10_001,
            "staking",
            move_aborts::staking::E_INVALID_COMMISSION,
        ),
        (
            operator(0),
            "",
            "a",
            pk(0),
            pop(0),
            0,
            "staking",
            move_aborts::staking::E_INVALID_NAME,
        ),
        (
            operator(0),
            "n",
            "",
            pk(0),
            pop(0),
            0,
            "staking",
            move_aborts::staking::E_INVALID_NETWORK_ADDRESS,
        ),
        (
            operator(0),
            "n",
            "a",
            short_key,
            pop(0),
            0,
            "staking",
            move_aborts::staking::E_INVALID_BLS_KEY,
        ),
        // Node 0's proof binds its key to operator 0, not operator 1.
        (
            operator(1),
            "n",
            "a",
            pk(0),
            pop(0),
            0,
            "staking",
            move_aborts::staking::E_INVALID_PROOF_OF_POSSESSION,
        ),
        (
            operator(0),
            "n",
            "a",
            pk(0),
            pop(1),
            0,
            "staking",
            move_aborts::staking::E_INVALID_PROOF_OF_POSSESSION,
        ),
    ];
    for (sender, name, address, key, proof, commission, module, code) in cases {
        let result = env.register_as(sender, name, address, key, proof, commission);
        assert_abort(result, module, code);
    }
    let long_name = "x".repeat(129);
    let result = env.register_as(operator(0), &long_name, "a", pk(0), pop(0), 0);
    assert_abort(result, "staking", move_aborts::staking::E_INVALID_NAME);
    assert_eq!(env.read::<u64>(call::system::node_count), 0);
}

#[test]
fn register_same_key_twice_aborts() {
    let mut env = Env::setup(10);
    env.register_as(operator(0), "n", "a", pk(0), pop(0), 0)
        .unwrap();
    let again = env.register_as(operator(0), "n", "a", pk(0), pop(0), 0);
    assert_abort(again, "system", move_aborts::system::E_DUPLICATE_BLS_KEY);
}

#[test]
fn register_beyond_max_nodes_aborts() {
    let mut env = Env::setup(10);
    // 256 registered nodes (only the count matters to the check).
    env.package(|_, s, _| {
        s.pool_ids = (0..256u32)
            .map(|k| {
                let mut bytes = [0u8; 32];
                bytes[..4].copy_from_slice(&k.to_le_bytes());
                bytes[31] = 0x77;
                id(Address::new(bytes))
            })
            .collect();
        Ok(())
    })
    .unwrap();
    let result = env.register_as(operator(0), "n", "a", pk(0), pop(0), 0);
    assert_abort(result, "system", move_aborts::system::E_TOO_MANY_NODES);
}

// ===== Votes, network address, commission =====

#[test]
fn operator_sets_votes_and_address() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let cap = env.node_cap(0);
    let system = env.system;
    let outcome = env
        .chain
        .ptb(
            operator(0),
            vec![
                call::staking::set_storage_price_vote(system, cap, 7u64),
                call::staking::set_write_price_vote(system, cap, 8u64),
                call::staking::set_capacity_vote(system, cap, 0u64),
                call::staking::set_network_address(system, cap, "node.example:443"),
            ],
        )
        .unwrap();
    let pool = env.pool(node);
    assert_eq!(pool.storage_price_vote, 7);
    assert_eq!(pool.write_price_vote, 8);
    assert_eq!(pool.capacity_vote, 0);
    assert_eq!(pool.network_address.bytes, b"node.example:443".to_vec());
    let votes: Vec<VoteSet> = outcome.events_named("VoteSet");
    assert_eq!(votes.len(), 3);
    assert_eq!(
        votes.iter().map(|v| (v.kind, v.value)).collect::<Vec<_>>(),
        vec![(0, 7), (1, 8), (2, 0)]
    );
}

#[test]
fn operator_call_aborts() {
    let mut env = Env::setup(10);
    env.register(0);
    let cap = env.node_cap(0);
    let system = env.system;
    for (vote, code) in [
        (
            call::staking::set_storage_price_vote(system, cap, 0u64),
            move_aborts::staking::E_INVALID_VOTE,
        ),
        (
            call::staking::set_write_price_vote(system, cap, 0u64),
            move_aborts::staking::E_INVALID_VOTE,
        ),
        (
            call::staking::set_network_address(system, cap, ""),
            move_aborts::staking::E_INVALID_NETWORK_ADDRESS,
        ),
        (
            call::staking::set_network_address(system, cap, "x".repeat(257)),
            move_aborts::staking::E_INVALID_NETWORK_ADDRESS,
        ),
    ] {
        let result = env.chain.call(operator(0), vote);
        assert_abort(result, "staking", code);
    }
}

#[test]
fn collect_commission_without_rewards_is_zero() {
    let mut env = Env::setup(10);
    env.register(0);
    let cap = env.node_cap(0);
    let system = env.system;
    env.chain
        .call_keep(operator(0), call::staking::collect_commission(system, cap))
        .unwrap();
    assert_eq!(env.chain.wal_coins(operator(0)).len(), 1);
    assert_eq!(env.chain.wal_balance(operator(0)), 0);
}

// ===== stake, request_withdraw, withdraw =====

#[test]
fn stake_is_pending_until_next_epoch() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let staker = short(0xC0);
    let staked_id = env.stake(staker, node, wal_of(100));
    let staked: StakedWal = env.chain.object(staked_id);
    assert_eq!(move_types::address_of(&staked.node_id), node);
    assert_eq!(staked.principal, wal_of(100));
    assert_eq!(staked.activation_epoch, 1);
    assert_eq!(staked.withdraw_epoch, 0);
    let reads = env
        .chain
        .ptb(
            staker,
            vec![
                call::staking::staked_node_id(staked_id),
                call::staking::principal(staked_id),
                call::staking::activation_epoch(staked_id),
                call::staking::withdraw_epoch(staked_id),
                call::staking::is_withdrawing(staked_id),
            ],
        )
        .unwrap();
    assert_eq!(reads.ret::<ID>(0, 0), id(node));
    assert_eq!(reads.ret::<u64>(1, 0), wal_of(100));
    assert_eq!(reads.ret::<u64>(2, 0), 1);
    assert_eq!(reads.ret::<u64>(3, 0), 0);
    assert!(!reads.ret::<bool>(4, 0));
    assert_eq!(env.pool(node).pending_stake.value, wal_of(100));
    assert_eq!(
        env.read::<u64>(|s| call::system::node_stake(s, id(node))),
        0
    );
    env.advance();
    let pool = env.pool(node);
    assert_eq!(pool.pending_stake.value, 0);
    assert_eq!(pool.active.value, wal_of(100));
    assert_eq!(pool.total_shares, u128::from(wal_of(100)));
    let rate = env.rate(&pool, 1).expect("a rate for epoch 1");
    assert_eq!((rate.stake, rate.shares), (0, 0));
}

#[test]
fn stake_aborts() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let result = env.try_stake(short(0xC0), node, wal_of(1) - 1);
    assert_abort(result, "staking", move_aborts::staking::E_STAKE_TOO_SMALL);
    let result = env.try_stake(short(0xC0), short(0x12), wal_of(1));
    assert_abort(result, "system", move_aborts::system::E_NODE_NOT_FOUND);
}

#[test]
fn request_withdraw_twice_aborts() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let staker = short(0xC0);
    let staked = env.stake(staker, node, wal_of(100));
    env.request_withdraw(staker, staked).unwrap();
    let again = env.request_withdraw(staker, staked);
    assert_abort(
        again,
        "staking",
        move_aborts::staking::E_WITHDRAW_ALREADY_REQUESTED,
    );
}

#[test]
fn withdraw_without_request_aborts() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let staker = short(0xC0);
    let staked = env.stake(staker, node, wal_of(100));
    env.advance();
    let result = env.try_withdraw(staker, staked);
    assert_abort(
        result,
        "staking",
        move_aborts::staking::E_WITHDRAW_NOT_REQUESTED,
    );
}

#[test]
fn withdraw_in_request_epoch_aborts() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let staker = short(0xC0);
    let staked = env.stake(staker, node, wal_of(100));
    env.advance();
    env.request_withdraw(staker, staked).unwrap();
    let result = env.try_withdraw(staker, staked);
    assert_abort(
        result,
        "staking",
        move_aborts::staking::E_WITHDRAW_TOO_EARLY,
    );
}

#[test]
fn pending_stake_withdrawn_early_pays_the_fee() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let staker = short(0xC0);
    let staked = env.stake(staker, node, wal_of(100));
    // Requested before it became active: set aside at once, never joins the pool.
    env.request_withdraw(staker, staked).unwrap();
    let pool = env.pool(node);
    assert_eq!(pool.pending_stake.value, 0);
    assert_eq!(pool.withdrawable.value, wal_of(100));
    env.advance();
    let supply_before = env.total_supply();
    let outcome = env.try_withdraw(staker, staked).unwrap();
    // 0 working epochs < 2: 5 % fee burned.
    assert_eq!(env.chain.wal_balance(staker), wal_of(95));
    assert_eq!(env.total_supply(), supply_before - wal_of(5));
    let withdrawn: Withdrawn = outcome.event("Withdrawn");
    assert_eq!(
        (withdrawn.amount, withdrawn.fee_burned),
        (wal_of(100), wal_of(5))
    );
    let burned: WalBurned = outcome.event("WalBurned");
    assert_eq!(
        (burned.amount, burned.source),
        (wal_of(5), move_constants::wal::SOURCE_EARLY_UNSTAKE)
    );
    assert!(!env.chain.exists(staked));
}

#[test]
fn withdraw_after_min_stake_epochs_pays_no_fee() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let staker = short(0xC0);
    let staked = env.stake(staker, node, wal_of(100));
    env.advance(); // epoch 1: active
    env.advance(); // epoch 2
    env.request_withdraw(staker, staked).unwrap();
    env.advance(); // epoch 3: worked epochs 1 and 2
    let supply_before = env.total_supply();
    assert_eq!(env.withdraw(staker, staked), wal_of(100));
    assert_eq!(env.total_supply(), supply_before);
    let pool = env.pool(node);
    assert_eq!(pool.active.value, 0);
    assert_eq!(pool.total_shares, 0);
    assert_eq!(pool.withdrawable.value, 0);
}

#[test]
fn slash_reaches_every_staker_pro_rata() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let (sa, sb) = (short(0xC0), short(0xC1));
    let a = env.stake(sa, node, wal_of(100));
    let b = env.stake(sb, node, wal_of(300));
    env.advance();
    // Slash 10 % of the 400 WAL pool; burn what was taken.
    let slashed = env
        .package(|ctx, s, treasury| {
            let slashed = system::slash_node(ctx, s, node, wal_of(400))?;
            wal::burn_balance(ctx, treasury, slashed, move_constants::wal::SOURCE_SLASHING)?;
            Ok(slashed)
        })
        .unwrap();
    assert_eq!(slashed, wal_of(40));
    assert_eq!(
        env.read::<u64>(|s| call::system::node_stake(s, id(node))),
        wal_of(360)
    );
    env.request_withdraw(sa, a).unwrap();
    env.request_withdraw(sb, b).unwrap();
    env.advance();
    env.advance();
    env.set_parameter(call::system::set_early_unstake_fee_bps, 0)
        .unwrap();
    assert_eq!(env.withdraw(sa, a), wal_of(90));
    assert_eq!(env.withdraw(sb, b), wal_of(270));
}

// ===== scenario_epoch_tests.move =====

#[test]
fn full_epoch_cycle_pays_rewards_pro_rata() {
    let mut env = Env::setup(10);
    let (alice, bob, carol) = (short(0xA1), short(0xB0), short(0xCA));
    // Epoch 0: four nodes; Alice (100) and Bob (300) stake with node 0, Carol (100) with
    // each other node.
    let nodes: Vec<Address> = (0..4).map(|i| env.register(i)).collect();
    let alice_stake = env.stake(alice, nodes[0], wal_of(100));
    let bob_stake = env.stake(bob, nodes[0], wal_of(300));
    for node in &nodes[1..] {
        env.stake(carol, *node, wal_of(100));
    }

    // Epoch 1: the committee holds all four; node 0 (400 of 700) has 4 of 10 shards.
    env.advance();
    assert_eq!(env.sys().epoch, 1);
    assert_eq!(env.node_shards(nodes[0]).len(), 4);
    // A user buys storage for epoch 1 only: 1 000 WAL.
    env.package(|ctx, s, _| system::add_storage_fees(ctx, s, wal_of(1_000), 1, 2))
        .unwrap();
    assert_eq!(fees_for(&mut env, 1), wal_of(1_000));

    // Epoch 2: 10 % burned, 900 WAL paid by shards: node 0 gets 360, 36 commission.
    let supply_before = env.total_supply();
    let outcome = env.advance();
    assert_eq!(env.total_supply(), supply_before - wal_of(100));
    let settled: EpochFeesSettled = outcome.event("EpochFeesSettled");
    assert_eq!(
        (
            settled.total,
            settled.burned,
            settled.distributed,
            settled.carried_over
        ),
        (wal_of(1_000), wal_of(100), wal_of(900), 0)
    );
    let burned: WalBurned = outcome.event("WalBurned");
    assert_eq!(burned.source, move_constants::wal::SOURCE_STORAGE_FEE);
    assert_eq!(env.sys().epoch, 2);
    assert_eq!(fees_for(&mut env, 1), 0);
    assert_eq!(env.pool(nodes[0]).active.value, wal_of(724));
    assert_eq!(env.pool(nodes[0]).commission.value, wal_of(36));
    for node in &nodes[1..] {
        assert_eq!(env.pool(*node).active.value, wal_of(262));
    }

    // The operator collects the commission.
    let (system, cap) = (env.system, env.node_cap(0));
    env.chain
        .call_keep(operator(0), call::staking::collect_commission(system, cap))
        .unwrap();
    assert_eq!(env.chain.wal_balance(operator(0)), wal_of(36));
    assert_eq!(env.pool(nodes[0]).commission.value, 0);

    // Alice and Bob leave; they worked epochs 1 and 2: no early unstake fee by epoch 3.
    env.request_withdraw(alice, alice_stake).unwrap();
    env.request_withdraw(bob, bob_stake).unwrap();
    env.advance();
    let supply_before = env.total_supply();
    let to_alice = env.withdraw(alice, alice_stake);
    let to_bob = env.withdraw(bob, bob_stake);
    assert_eq!(env.total_supply(), supply_before);
    // Pro rata: 100/400 and 300/400 of the 724 WAL pool.
    assert_eq!(to_alice, wal_of(181));
    assert_eq!(to_bob, wal_of(543));
    let pool = env.pool(nodes[0]);
    assert_eq!(pool.active.value, 0);
    assert_eq!(pool.withdrawable.value, 0);
    // Node 0 has no stake left and drops out of the committee.
    assert!(!env.committee().contains(&nodes[0]));
    assert_eq!(env.committee().len(), 3);
}

#[test]
fn early_unstake_pays_fee_burned_from_supply() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let alice = short(0xA1);
    let staked = env.stake(alice, node, wal_of(1_000));
    env.advance(); // epoch 1: active
    env.request_withdraw(alice, staked).unwrap();
    env.advance(); // epoch 2: worked 1 epoch < 2
    let supply_before = env.total_supply();
    let burned_before = env.total_burned();
    assert_eq!(env.withdraw(alice, staked), wal_of(950));
    assert_eq!(env.total_supply(), supply_before - wal_of(50));
    assert_eq!(env.total_burned(), burned_before + wal_of(50));
}

#[test]
fn stake_joining_later_buys_shares_at_the_new_rate() {
    let mut env = Env::setup(10);
    let node = env.register(0);
    let (alice, bob) = (short(0xA1), short(0xB0));
    let alice_stake = env.stake(alice, node, wal_of(100));
    env.advance(); // epoch 1: Alice active, node 0 holds all shards
    // 1 000 WAL of fees for epoch 1: 100 burned, 900 to node 0, 90 commission, 810 to the pool.
    env.package(|ctx, s, _| system::add_storage_fees(ctx, s, wal_of(1_000), 1, 2))
        .unwrap();
    // Bob stakes 910 in epoch 1; it joins at the epoch 2 rate (910 WAL per 100 shares).
    let bob_stake = env.stake(bob, node, wal_of(910));
    env.advance(); // epoch 2
    assert_eq!(
        env.read::<u64>(|s| call::system::node_stake(s, id(node))),
        wal_of(1_820)
    );
    let pool = env.pool(node);
    let rate = env.rate(&pool, 2).expect("a rate for epoch 2");
    assert_eq!(
        (rate.stake, rate.shares),
        (wal_of(910), u128::from(wal_of(100)))
    );
    env.request_withdraw(alice, alice_stake).unwrap();
    env.request_withdraw(bob, bob_stake).unwrap();
    env.advance(); // epoch 3
    env.advance(); // epoch 4
    // Alice worked epochs 1 and 2: no fee. Bob worked epoch 2 only: 5 % fee, burned.
    assert_eq!(env.withdraw(alice, alice_stake), wal_of(910));
    assert_eq!(env.withdraw(bob, bob_stake), wal_of(910) - wal_of(910) / 20);
}

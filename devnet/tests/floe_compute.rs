//! `floe::compute` on the devnet: the scenarios of `move/floe/tests/compute_tests.move`, with
//! the same expectations (a Move `expected_failure` is a transaction that aborts with the same
//! module and code here). Providers' accounts are the addresses of their (32-byte) keys, as
//! `register_provider` requires; their output `Blob`s are planted in the ledger certified (or
//! not) the way `floe_market.rs` plants the sellers'.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::compute::ed25519_address;
use floe_devnet::floe::genesis::NetworkGenesis;
use floe_devnet::objects;
use floe_sdk::move_aborts;
use floe_sdk::move_types::compute::{ComputeProvider, Job};
use floe_sdk::move_types::events::{
    ComputeJobCreated, ComputeJobRefunded, ComputeJobSettled, ComputeProviderRegistered,
    ComputeProviderSlashed, ModelRegistered, WalBurned,
};
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self, ID};
use sui_sdk_types::{Address, Owner};
use support::{Arg, Chain, Failure, GENESIS_MS, Outcome, call, plant_blob, u256};

const NOW_MS: u64 = GENESIS_MS;
const HOUR_MS: u64 = 3_600_000;
/// 100 WAL.
const STAKE: u64 = 100_000_000_000;
/// 10 % of STAKE.
const BOND: u64 = 10_000_000_000;
/// 1000 WAL.
const PRICE: u64 = 1_000_000_000_000;
/// 5 %, the default license fee.
const FEE: u64 = 50_000_000_000;
const HASH_A: [u8; 32] = [0xaa; 32];
const HASH_B: [u8; 32] = [0xbb; 32];
const BLOB_A: u64 = 0xa;
const BLOB_B: u64 = 0xb;
const INPUT: u64 = 42;
fn addr(id: &ID) -> Address {
    move_types::address_of(id)
}

fn assert_abort<T>(result: Result<T, Failure>, code: u64) {
    let name = support::abort_name("compute", code);
    match result {
        Ok(_) => panic!("expected compute::{name}, the transaction succeeded"),
        Err(failure) => assert_eq!(failure.abort(), ("compute".to_owned(), code)),
    }
}

/// The account of key `[byte; 32]`, with gas.
fn key_account(chain: &mut Chain, byte: u8) -> ([u8; 32], Address) {
    let key = [byte; 32];
    let address = ed25519_address(&key);
    let mut id = [0x6b; 32];
    id[1..].copy_from_slice(&address.as_bytes()[..31]);
    let coin = objects::gas_coin(Address::new(id), 1_000_000_000_000, address, 1);
    chain.ledger.apply_genesis(&[coin]);
    (key, address)
}

struct Provider {
    account: Address,
    provider: Address,
    cap: Address,
    /// Its output blob (A for the honest ones, B for P3).
    output: Address,
}

struct World {
    chain: Chain,
    system: Address,
    treasury: Address,
    owner: Address,
    stranger: Address,
    model: Address,
    /// The model's `ModelCap`, held by `owner` (only its holder opens jobs).
    model_cap: Address,
    p: Vec<Provider>,
}

fn register(
    chain: &mut Chain,
    account: Address,
    key: &[u8],
    stake: u64,
) -> Result<Outcome, Failure> {
    let coin = chain.give_wal(account, stake);
    chain.call(
        account,
        call::compute::register_provider(key.to_vec(), "http://127.0.0.1:9000", coin),
    )
}

/// `compute_tests::setup`: a model with one version (its ModelCap then sent to `owner`, who
/// opens the jobs), four providers (keys 0x11..0x44) with
/// STAKE each; P1, P2 and P4 own certified blob A, P3 certified blob B (storage to epoch 2).
fn setup() -> World {
    let network = NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: HOUR_MS,
        nodes: vec![],
    };
    let (mut chain, started) = Chain::with_network(&network);
    let seller = chain.new_account();
    let owner = chain.new_account();
    let stranger = chain.new_account();
    let weights = plant_blob(&mut chain, seller, 0x77, true, 2, 0);
    let outcome = chain
        .call_keep(seller, call::model::register_model("tiny-mlp", ""))
        .unwrap();
    let registered: ModelRegistered = outcome.event("ModelRegistered");
    let model = addr(&registered.model_id);
    let cap = addr(&registered.cap_id);
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
    chain
        .ptb(
            seller,
            vec![support::Cmd::Transfer(vec![Arg::obj(cap)], owner)],
        )
        .unwrap();
    let mut p = Vec::new();
    for (byte, blob) in [
        (0x11, BLOB_A),
        (0x22, BLOB_A),
        (0x33, BLOB_B),
        (0x44, BLOB_A),
    ] {
        let (key, account) = key_account(&mut chain, byte);
        let outcome = register(&mut chain, account, &key, STAKE).unwrap();
        let registered: ComputeProviderRegistered = outcome.event("ComputeProviderRegistered");
        let output = plant_blob(&mut chain, account, blob, true, 2, 0);
        p.push(Provider {
            account,
            provider: addr(&registered.provider_id),
            cap: addr(&registered.cap_id),
            output,
        });
    }
    let treasury = chain.genesis.treasury;
    World {
        chain,
        system: started.system,
        treasury,
        owner,
        stranger,
        model,
        model_cap: cap,
        p,
    }
}

impl World {
    fn create_with(
        &mut self,
        version: u64,
        providers: &[usize],
        k: u64,
        deadline_ms: u64,
        price: u64,
    ) -> Result<Outcome, Failure> {
        let ids: Vec<Address> = providers.iter().map(|&i| self.p[i].provider).collect();
        let owner = self.owner;
        let payment = self.chain.give_wal(owner, price);
        self.chain.call(
            owner,
            call::compute::create_job(
                Arg::ObjRead(self.model),
                Arg::ObjRead(self.model_cap),
                version,
                u256(INPUT),
                &ids,
                k,
                deadline_ms,
                payment,
            ),
        )
    }

    /// OWNER opens a job on version 1 with providers `providers` (indices), `k`, a deadline an
    /// hour from now and PRICE.
    fn create(&mut self, providers: &[usize], k: u64) -> Address {
        let outcome = self
            .create_with(1, providers, k, NOW_MS + HOUR_MS, PRICE)
            .unwrap();
        let created: ComputeJobCreated = outcome.event("ComputeJobCreated");
        addr(&created.job_id)
    }

    /// Provider `who` submits `output` with `hash`, passing provider `as_provider`'s object and
    /// its own cap.
    fn submit_as(
        &mut self,
        who: usize,
        as_provider: usize,
        job: Address,
        output: Address,
        hash: &[u8],
    ) -> Result<Outcome, Failure> {
        let account = self.p[who].account;
        let cap = self.p[who].cap;
        let provider = self.p[as_provider].provider;
        self.chain.call(
            account,
            call::compute::submit_result(
                job,
                provider,
                Arg::ObjRead(cap),
                Arg::ObjRead(self.system),
                Arg::ObjRead(output),
                hash.to_vec(),
            ),
        )
    }

    fn submit(&mut self, who: usize, job: Address, hash: &[u8]) -> Result<Outcome, Failure> {
        let output = self.p[who].output;
        self.submit_as(who, who, job, output, hash)
    }

    fn settle(&mut self, job: Address) -> Result<Outcome, Failure> {
        let stranger = self.stranger;
        self.chain.call(
            stranger,
            call::compute::settle(job, Arg::ObjRead(self.system), self.treasury),
        )
    }

    fn refund(&mut self, job: Address) -> Result<Outcome, Failure> {
        let stranger = self.stranger;
        self.chain.call(stranger, call::compute::refund(job))
    }

    /// `sender` asks for the model key of `job` as provider `provider` (index).
    fn approve(
        &mut self,
        sender: Address,
        job: Address,
        provider: usize,
        id: Address,
    ) -> Result<Outcome, Failure> {
        let provider = self.p[provider].provider;
        self.chain.call(
            sender,
            call::compute::seal_approve_job(
                id.as_bytes().to_vec(),
                Arg::ObjRead(job),
                Arg::ObjRead(provider),
            ),
        )
    }

    fn job(&self, job: Address) -> Job {
        self.chain.object(job)
    }

    fn stake(&self, i: usize) -> u64 {
        let provider: ComputeProvider = self.chain.object(self.p[i].provider);
        provider.stake.value
    }

    fn burned(&self) -> u64 {
        let treasury: Treasury = self.chain.object(self.treasury);
        treasury.total_burned
    }
}

// === Providers ===

#[test]
fn register_provider_records_key_address_and_stake() {
    let w = setup();
    let provider: ComputeProvider = w.chain.object(w.p[0].provider);
    assert_eq!(provider.public_key, vec![0x11; 32]);
    assert_eq!(
        addr(&move_types::id(Address::new(
            provider.operator.into_inner()
        ))),
        w.p[0].account
    );
    assert_eq!(provider.stake.value, STAKE);
    assert!(matches!(w.chain.owner(w.p[0].provider), Owner::Shared(_)));
    assert_eq!(w.chain.owner(w.p[0].cap), Owner::Address(w.p[0].account));
}

#[test]
fn register_provider_short_key_aborts() {
    let mut w = setup();
    let account = w.p[0].account;
    assert_abort(
        register(&mut w.chain, account, &[0x11], STAKE),
        move_aborts::compute::E_BAD_PUBLIC_KEY,
    );
}

/// Attack: registering another account's key.
#[test]
fn register_provider_with_another_accounts_key_aborts() {
    let mut w = setup();
    let stranger = w.stranger;
    assert_abort(
        register(&mut w.chain, stranger, &[0x11; 32], STAKE),
        move_aborts::compute::E_KEY_NOT_SENDER,
    );
}

#[test]
fn register_provider_empty_network_address_aborts() {
    let mut w = setup();
    let account = w.p[0].account;
    let coin = w.chain.give_wal(account, STAKE);
    let result = w.chain.call(
        account,
        call::compute::register_provider(vec![0x11u8; 32], "", coin),
    );
    assert_abort(result, move_aborts::compute::E_BAD_NETWORK_ADDRESS);
}

#[test]
fn register_provider_below_min_stake_aborts() {
    let mut w = setup();
    let account = w.p[0].account;
    assert_abort(
        register(&mut w.chain, account, &[0x11; 32], 9_999_999_999),
        move_aborts::compute::E_STAKE_TOO_LOW,
    );
}

#[test]
fn add_and_withdraw_stake() {
    let mut w = setup();
    let (account, provider, cap) = (w.p[0].account, w.p[0].provider, w.p[0].cap);
    let coin = w.chain.give_wal(account, 5);
    w.chain
        .call(
            account,
            call::compute::add_stake(provider, Arg::ObjRead(cap), coin),
        )
        .unwrap();
    assert_eq!(w.stake(0), STAKE + 5);
    let before = w.chain.wal_balance(account);
    w.chain
        .call_keep(
            account,
            call::compute::withdraw_stake(provider, Arg::ObjRead(cap), STAKE),
        )
        .unwrap();
    assert_eq!(w.stake(0), 5);
    assert_eq!(w.chain.wal_balance(account) - before, STAKE);
    w.chain
        .call(
            account,
            call::compute::set_network_address(provider, Arg::ObjRead(cap), "http://10.0.0.1:1"),
        )
        .unwrap();
    let p: ComputeProvider = w.chain.object(provider);
    assert_eq!(
        p.network_address,
        move_types::move_string("http://10.0.0.1:1")
    );
}

/// Attack: taking another provider's stake with one's own cap.
#[test]
fn withdraw_stake_with_another_providers_cap_aborts() {
    let mut w = setup();
    let (attacker, cap, victim) = (w.p[3].account, w.p[3].cap, w.p[0].provider);
    let result = w.chain.call_keep(
        attacker,
        call::compute::withdraw_stake(victim, Arg::ObjRead(cap), STAKE),
    );
    assert_abort(result, move_aborts::compute::E_WRONG_CAP);
}

#[test]
fn withdraw_more_than_the_stake_aborts() {
    let mut w = setup();
    let (account, provider, cap) = (w.p[0].account, w.p[0].provider, w.p[0].cap);
    let result = w.chain.call_keep(
        account,
        call::compute::withdraw_stake(provider, Arg::ObjRead(cap), STAKE + 1),
    );
    assert_abort(result, move_aborts::compute::E_NOT_ENOUGH_STAKE);
}

// === create_job ===

#[test]
fn create_job_holds_the_payment_and_names_the_version() {
    let mut w = setup();
    let job_id = w.create(&[0, 1, 2], 2);
    let job = w.job(job_id);
    assert!(matches!(w.chain.owner(job_id), Owner::Shared(_)));
    assert_eq!(job.state, 0);
    assert_eq!(addr(&job.model_id), w.model);
    assert_eq!(job.providers.len(), 3);
    assert_eq!(job.k, 2);
    assert_eq!(job.deadline_ms, NOW_MS + HOUR_MS);
    assert_eq!(job.payment.value, PRICE);
    assert_eq!(job.price, PRICE);
    assert_eq!(job.model_blob_id, u256(0x77));
    assert_eq!(job.input_blob_id, u256(INPUT));
}

#[test]
fn create_job_unknown_version_aborts() {
    let mut w = setup();
    assert_abort(
        w.create_with(2, &[0], 1, NOW_MS + HOUR_MS, PRICE),
        move_aborts::compute::E_VERSION_NOT_FOUND,
    );
}

#[test]
fn create_job_without_providers_aborts() {
    let mut w = setup();
    assert_abort(
        w.create_with(1, &[], 1, NOW_MS + HOUR_MS, PRICE),
        move_aborts::compute::E_BAD_PROVIDER_COUNT,
    );
}

/// Attack: naming one provider twice to reach k with a single result.
#[test]
fn create_job_naming_a_provider_twice_aborts() {
    let mut w = setup();
    assert_abort(
        w.create_with(1, &[0, 0], 2, NOW_MS + HOUR_MS, PRICE),
        move_aborts::compute::E_DUPLICATE_PROVIDER,
    );
}

#[test]
fn create_job_with_k_not_above_half_aborts() {
    let mut w = setup();
    assert_abort(
        w.create_with(1, &[0, 1], 1, NOW_MS + HOUR_MS, PRICE),
        move_aborts::compute::E_BAD_QUORUM,
    );
}

#[test]
fn create_job_with_a_past_deadline_aborts() {
    let mut w = setup();
    assert_abort(
        w.create_with(1, &[0], 1, NOW_MS, PRICE),
        move_aborts::compute::E_BAD_DEADLINE,
    );
}

#[test]
fn create_job_without_payment_aborts() {
    let mut w = setup();
    assert_abort(
        w.create_with(1, &[0], 1, NOW_MS + HOUR_MS, 0),
        move_aborts::compute::E_ZERO_PAYMENT,
    );
}

/// Attack (free license): a stranger opens a 1-of-1 job on someone else's model naming a
/// provider of its choice, paying 1 base unit, so `seal_approve_job` would release the
/// model's key. With the cap of a model of its own the call aborts; the owner's cap is not
/// the stranger's to pass.
#[test]
fn a_stranger_cannot_open_a_job_on_another_model() {
    let mut w = setup();
    let stranger = w.stranger;
    let registered: ModelRegistered = w
        .chain
        .call_keep(stranger, call::model::register_model("mine", ""))
        .unwrap()
        .event("ModelRegistered");
    let own_cap = addr(&registered.cap_id);
    let ids = vec![w.p[3].provider];
    let create_job = |chain: &mut Chain, cap: Address| {
        let payment = chain.give_wal(stranger, 1);
        call::compute::create_job(
            Arg::ObjRead(w.model),
            Arg::ObjRead(cap),
            1u64,
            u256(INPUT),
            &ids,
            1u64,
            NOW_MS + HOUR_MS,
            payment,
        )
    };
    let with_own = create_job(&mut w.chain, own_cap);
    assert_abort(
        w.chain.call(stranger, with_own),
        move_aborts::compute::E_WRONG_MODEL_CAP,
    );
    let with_owners = create_job(&mut w.chain, w.model_cap);
    let refused = w.chain.rejection(stranger, vec![with_owners]);
    assert!(
        refused.is_some(),
        "the owner's ModelCap is not the stranger's to pass"
    );
}

// === seal_approve_job ===

#[test]
fn a_chosen_provider_gets_the_key_while_the_job_is_open() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let (account, model) = (w.p[0].account, w.model);
    w.approve(account, job, 0, model).unwrap();
}

/// Attack: a registered provider the job did not choose asks for the model's key.
#[test]
fn an_unchosen_provider_cannot_get_the_key() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let (attacker, model) = (w.p[3].account, w.model);
    assert_abort(
        w.approve(attacker, job, 3, model),
        move_aborts::compute::E_NOT_CHOSEN,
    );
}

/// Attack: a stranger passes the chosen provider's (shared) object as its own.
#[test]
fn a_stranger_passing_a_chosen_provider_cannot_get_the_key() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let (stranger, model) = (w.stranger, w.model);
    assert_abort(
        w.approve(stranger, job, 0, model),
        move_aborts::compute::E_NOT_PROVIDER,
    );
}

/// Attack: a chosen provider asks for another identity through this job.
#[test]
fn a_job_does_not_open_another_model() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let (account, other) = (w.p[0].account, w.p[1].provider);
    assert_abort(
        w.approve(account, job, 0, other),
        move_aborts::compute::E_WRONG_ID,
    );
}

#[test]
fn no_key_after_the_deadline() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.chain.advance_clock(HOUR_MS);
    let (account, model) = (w.p[0].account, w.model);
    assert_abort(
        w.approve(account, job, 0, model),
        move_aborts::compute::E_DEADLINE_PASSED,
    );
}

#[test]
fn no_key_after_settlement() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.submit(0, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    let (account, model) = (w.p[0].account, w.model);
    assert_abort(
        w.approve(account, job, 0, model),
        move_aborts::compute::E_JOB_CLOSED,
    );
}

// === submit_result ===

#[test]
fn submitting_bonds_a_tenth_of_the_stake() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.submit(0, job, &HASH_A).unwrap();
    assert_eq!(w.stake(0), STAKE - BOND);
    let j = w.job(job);
    assert_eq!(j.submissions.len(), 1);
    assert_eq!(j.bonds.value, BOND);
    assert_eq!(j.submissions[0].output_blob_id, u256(BLOB_A));
}

#[test]
fn submit_with_another_providers_cap_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let output = w.p[3].output;
    assert_abort(
        w.submit_as(3, 0, job, output, &HASH_A),
        move_aborts::compute::E_WRONG_CAP,
    );
}

/// Attack: an unchosen provider submits a result to be paid.
#[test]
fn an_unchosen_provider_cannot_submit() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    assert_abort(
        w.submit(3, job, &HASH_A),
        move_aborts::compute::E_NOT_CHOSEN,
    );
}

/// Attack: one provider submits twice to make up a quorum alone.
#[test]
fn a_provider_cannot_submit_twice() {
    let mut w = setup();
    let job = w.create(&[0, 1, 2], 2);
    w.submit(0, job, &HASH_A).unwrap();
    assert_abort(
        w.submit(0, job, &HASH_A),
        move_aborts::compute::E_ALREADY_SUBMITTED,
    );
    assert_abort(w.settle(job), move_aborts::compute::E_NO_QUORUM);
}

#[test]
fn submit_with_a_short_hash_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    assert_abort(
        w.submit(0, job, &[0xaa]),
        move_aborts::compute::E_BAD_OUTPUT_HASH,
    );
}

#[test]
fn submit_with_an_uncertified_output_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let account = w.p[0].account;
    let uncertified = plant_blob(&mut w.chain, account, BLOB_B, false, 2, 1);
    assert_abort(
        w.submit_as(0, 0, job, uncertified, &HASH_A),
        move_aborts::compute::E_OUTPUT_NOT_CERTIFIED,
    );
}

#[test]
fn submit_with_an_expired_output_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let account = w.p[0].account;
    let epoch = w
        .chain
        .object::<floe_sdk::move_types::system::System>(w.system)
        .epoch;
    let expired = plant_blob(&mut w.chain, account, BLOB_A, true, epoch, 2);
    assert_abort(
        w.submit_as(0, 0, job, expired, &HASH_A),
        move_aborts::compute::E_OUTPUT_EXPIRED,
    );
}

#[test]
fn submit_below_min_stake_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let (account, provider, cap) = (w.p[0].account, w.p[0].provider, w.p[0].cap);
    w.chain
        .call_keep(
            account,
            call::compute::withdraw_stake(provider, Arg::ObjRead(cap), STAKE - 1),
        )
        .unwrap();
    assert_abort(
        w.submit(0, job, &HASH_A),
        move_aborts::compute::E_STAKE_TOO_LOW,
    );
}

/// Attack: a result after the deadline, to be paid for late work.
#[test]
fn a_late_result_is_refused() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.chain.advance_clock(HOUR_MS);
    assert_abort(
        w.submit(0, job, &HASH_A),
        move_aborts::compute::E_DEADLINE_PASSED,
    );
}

#[test]
fn a_result_after_settlement_is_refused() {
    let mut w = setup();
    let job = w.create(&[0, 1, 2], 2);
    w.submit(0, job, &HASH_A).unwrap();
    w.submit(1, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    assert_abort(
        w.submit(2, job, &HASH_B),
        move_aborts::compute::E_JOB_CLOSED,
    );
}

// === settle ===

#[test]
fn one_of_one_settles_pays_the_provider_and_burns_the_fee() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.submit(0, job, &HASH_A).unwrap();
    let account = w.p[0].account;
    let (before, burned) = (w.chain.wal_balance(account), w.burned());
    let outcome = w.settle(job).unwrap();
    assert_eq!(w.chain.wal_balance(account) - before, PRICE - FEE + BOND);
    assert_eq!(w.burned() - burned, FEE);
    let settled: ComputeJobSettled = outcome.event("ComputeJobSettled");
    assert_eq!(settled.output_hash, HASH_A.to_vec());
    assert_eq!(settled.paid_each, PRICE - FEE);
    assert_eq!(settled.providers_paid, 1);
    let j = w.job(job);
    assert_eq!(j.state, 1);
    assert_eq!(j.output_hash, HASH_A.to_vec());
    assert_eq!(j.output_blob_id, u256(BLOB_A));
    assert_eq!(j.payment.value + j.bonds.value, 0);
    // The getter other contracts call.
    let stranger = w.stranger;
    let read = w
        .chain
        .call(
            stranger,
            call::compute::settled_output_hash(Arg::ObjRead(job)),
        )
        .unwrap();
    assert_eq!(read.ret::<Vec<u8>>(0, 0), HASH_A.to_vec());
}

/// Attack (a dishonest provider among three): its different output is not paid and its bond
/// is burned; nobody receives it.
#[test]
fn a_mismatching_result_is_not_paid_and_is_slashed() {
    let mut w = setup();
    let job = w.create(&[0, 1, 2], 2);
    w.submit(2, job, &HASH_B).unwrap();
    w.submit(0, job, &HASH_A).unwrap();
    w.submit(1, job, &HASH_A).unwrap();
    let accounts = [
        w.p[0].account,
        w.p[1].account,
        w.p[2].account,
        w.owner,
        w.stranger,
    ];
    let before: Vec<u64> = accounts.iter().map(|a| w.chain.wal_balance(*a)).collect();
    let burned = w.burned();
    let outcome = w.settle(job).unwrap();
    let after: Vec<u64> = accounts.iter().map(|a| w.chain.wal_balance(*a)).collect();
    let share = (PRICE - FEE) / 2;
    assert_eq!(after[0] - before[0], share + BOND);
    assert_eq!(after[1] - before[1], share + BOND);
    assert_eq!(after[2], before[2]);
    assert_eq!(after[3], before[3]);
    assert_eq!(after[4], before[4]);
    assert_eq!(w.stake(2), STAKE - BOND);
    assert_eq!(w.burned() - burned, FEE + BOND);
    let slashed: Vec<ComputeProviderSlashed> = outcome.events_named("ComputeProviderSlashed");
    assert_eq!(slashed.len(), 1);
    assert_eq!(addr(&slashed[0].provider_id), w.p[2].provider);
    let burns: Vec<WalBurned> = outcome.events_named("WalBurned");
    assert_eq!(burns.iter().map(|b| b.amount).sum::<u64>(), FEE + BOND);
    assert_eq!(w.job(job).output_hash, HASH_A.to_vec());
}

#[test]
fn settle_without_k_matching_results_aborts() {
    let mut w = setup();
    let job = w.create(&[0, 1, 2], 2);
    w.submit(0, job, &HASH_A).unwrap();
    w.submit(2, job, &HASH_B).unwrap();
    assert_abort(w.settle(job), move_aborts::compute::E_NO_QUORUM);
}

/// Attack: a provider claims the agreed hash for another blob (P3 holds blob B): the results
/// do not agree, so the job does not settle on a blob k providers did not submit.
#[test]
fn the_same_hash_with_another_blob_does_not_agree() {
    let mut w = setup();
    let job = w.create(&[0, 2], 2);
    w.submit(0, job, &HASH_A).unwrap();
    w.submit(2, job, &HASH_A).unwrap();
    assert_abort(w.settle(job), move_aborts::compute::E_NO_QUORUM);
}

/// 2 of 3: P3 claims the agreed hash for blob B; the two on blob A settle, P3's bond burns.
#[test]
fn the_same_hash_with_another_blob_is_slashed() {
    let mut w = setup();
    let job = w.create(&[0, 1, 2], 2);
    w.submit(2, job, &HASH_A).unwrap();
    w.submit(0, job, &HASH_A).unwrap();
    w.submit(1, job, &HASH_A).unwrap();
    let outcome = w.settle(job).unwrap();
    let slashed: Vec<ComputeProviderSlashed> = outcome.events_named("ComputeProviderSlashed");
    assert_eq!(slashed.len(), 1);
    assert_eq!(addr(&slashed[0].provider_id), w.p[2].provider);
    assert_eq!(w.job(job).output_blob_id, u256(BLOB_A));
}

/// Attack: settling twice to be paid twice.
#[test]
fn settle_twice_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.submit(0, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    assert_abort(w.settle(job), move_aborts::compute::E_JOB_CLOSED);
}

#[test]
fn the_output_of_an_open_job_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    let stranger = w.stranger;
    let result = w.chain.call(
        stranger,
        call::compute::settled_output_hash(Arg::ObjRead(job)),
    );
    assert_abort(result, move_aborts::compute::E_NOT_SETTLED);
}

// === refund ===

#[test]
fn refund_after_the_deadline_returns_payment_and_bonds() {
    let mut w = setup();
    let job = w.create(&[0, 2], 2);
    w.submit(0, job, &HASH_A).unwrap();
    w.submit(2, job, &HASH_B).unwrap();
    w.chain.advance_clock(HOUR_MS);
    let accounts = [w.owner, w.p[0].account, w.p[2].account];
    let before: Vec<u64> = accounts.iter().map(|a| w.chain.wal_balance(*a)).collect();
    let outcome = w.refund(job).unwrap();
    let after: Vec<u64> = accounts.iter().map(|a| w.chain.wal_balance(*a)).collect();
    assert_eq!(after[0] - before[0], PRICE);
    assert_eq!(after[1] - before[1], BOND);
    assert_eq!(after[2] - before[2], BOND);
    let refunded: ComputeJobRefunded = outcome.event("ComputeJobRefunded");
    assert_eq!(refunded.amount, PRICE);
    assert_eq!(w.job(job).state, 2);
}

/// Attack: the owner takes the payment back before the providers' deadline.
#[test]
fn refund_before_the_deadline_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    assert_abort(w.refund(job), move_aborts::compute::E_DEADLINE_NOT_PASSED);
}

/// Attack: the owner takes the payment back after the providers were paid from it.
#[test]
fn refund_after_settlement_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.submit(0, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    w.chain.advance_clock(HOUR_MS);
    assert_abort(w.refund(job), move_aborts::compute::E_JOB_CLOSED);
}

/// Attack: the owner lets the deadline pass without settling to take back the payment for
/// work that was done and agreed on.
#[test]
fn refund_of_an_agreed_job_aborts() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.submit(0, job, &HASH_A).unwrap();
    w.chain.advance_clock(HOUR_MS);
    assert_abort(w.refund(job), move_aborts::compute::E_QUORUM_REACHED);
}

#[test]
fn an_agreed_job_settles_after_its_deadline() {
    let mut w = setup();
    let job = w.create(&[0], 1);
    w.submit(0, job, &HASH_A).unwrap();
    w.chain.advance_clock(2 * HOUR_MS);
    let account = w.p[0].account;
    let before = w.chain.wal_balance(account);
    w.settle(job).unwrap();
    assert_eq!(w.chain.wal_balance(account) - before, PRICE - FEE + BOND);
}

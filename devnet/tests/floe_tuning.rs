//! Self-funding model iteration on the devnet: the scenarios of
//! `move/floe/tests/tuning_tests.move` with the same expectations (a Move `expected_failure`
//! is a transaction that aborts with the same module and code here). The reserve fills from
//! real license purchases; providers' output `Blob`s are planted in the ledger certified, as
//! `floe_compute.rs` plants them, and the tuning job takes them by value.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::compute::ed25519_address;
use floe_devnet::floe::genesis::NetworkGenesis;
use floe_devnet::floe::model::move_address;
use floe_devnet::objects;
use floe_sdk::move_aborts;
use floe_sdk::move_types::compute::Job;
use floe_sdk::move_types::events::{
    ComputeJobCreated, ComputeProviderRegistered, ModelRegistered, ModelVersionPublished,
    TunedVersionProposed, TunedVersionPublished, TuningJobOpened, TuningJobRefunded,
    TuningReserveCleared,
};
use floe_sdk::move_types::model::Model;
use floe_sdk::move_types::{self, ID};
use sui_sdk_types::{Address, Owner};
use support::{Arg, Chain, Cmd, Failure, GENESIS_MS, Outcome, call, plant_blob, u256};

const NOW_MS: u64 = GENESIS_MS;
const HOUR_MS: u64 = 3_600_000;
/// 100 WAL.
const STAKE: u64 = 100_000_000_000;
/// 10 % of STAKE.
const BOND: u64 = 10_000_000_000;
/// A license window: 100 WAL, of which the model is credited 95 (5 % fee burned).
const LICENSE_PRICE: u64 = 100_000_000_000;
const CREDIT: u64 = 95_000_000_000;
/// 20 %: 19 WAL of every purchase goes to the reserve.
const TUNING_BPS: u64 = 2_000;
const PART: u64 = 19_000_000_000;
/// 30 WAL: two purchases fill it.
const THRESHOLD: u64 = 30_000_000_000;
/// 20 WAL, 5 % of it burned at settlement.
const PRICE: u64 = 20_000_000_000;
const FEE: u64 = 1_000_000_000;
const HASH_A: [u8; 32] = [0xaa; 32];
const HASH_B: [u8; 32] = [0xbb; 32];
const BLOB_A: u64 = 0xa;
const BLOB_B: u64 = 0xb;
const INPUT: u64 = 42;

fn addr(id: &ID) -> Address {
    move_types::address_of(id)
}

fn assert_abort<T>(result: Result<T, Failure>, module: &str, code: u64) {
    let name = support::abort_name(module, code);
    match result {
        Ok(_) => panic!("expected {module}::{name}, the transaction succeeded"),
        Err(failure) => assert_eq!(failure.abort(), (module.to_owned(), code), "{name}"),
    }
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
    seller: Address,
    buyer: Address,
    stranger: Address,
    model: Address,
    model_cap: Address,
    offer: Address,
    p: Vec<Provider>,
}

/// A model with one version and a 100 WAL license offer, four providers (keys 0x11..0x44)
/// with STAKE; P1, P2 and P4 own certified blob A, P3 blob B.
fn setup() -> World {
    let network = NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: HOUR_MS,
        nodes: vec![],
    };
    let (mut chain, started) = Chain::with_network(&network);
    let seller = chain.new_account();
    let buyer = chain.new_account();
    let stranger = chain.new_account();
    let weights = plant_blob(&mut chain, seller, 0x77, true, 2, 0);
    let registered: ModelRegistered = chain
        .call_keep(seller, call::model::register_model("tiny-mlp", ""))
        .unwrap()
        .event("ModelRegistered");
    let model = addr(&registered.model_id);
    let model_cap = addr(&registered.cap_id);
    chain
        .call(
            seller,
            call::model::publish_version(
                model,
                model_cap,
                Arg::ObjRead(started.system),
                Arg::ObjRead(weights),
                "onnx-mlp",
                Vec::<u8>::new(),
                Vec::<String>::new(),
                Vec::<u64>::new(),
            ),
        )
        .unwrap();
    let offer = chain
        .call(
            seller,
            call::license::create_offer(model, model_cap, LICENSE_PRICE, HOUR_MS, 24u64, 0u64),
        )
        .unwrap()
        .ret::<ID>(0, 0);
    let mut p = Vec::new();
    for (byte, blob) in [
        (0x11u8, BLOB_A),
        (0x22, BLOB_A),
        (0x33, BLOB_B),
        (0x44, BLOB_A),
    ] {
        let key = [byte; 32];
        let account = ed25519_address(&key);
        let mut id = [0x6b; 32];
        id[1..].copy_from_slice(&account.as_bytes()[..31]);
        chain.ledger.apply_genesis(&[objects::gas_coin(
            Address::new(id),
            1_000_000_000_000,
            account,
            1,
        )]);
        let coin = chain.give_wal(account, STAKE);
        let registered: ComputeProviderRegistered = chain
            .call(
                account,
                call::compute::register_provider(key.to_vec(), "http://127.0.0.1:9000", coin),
            )
            .unwrap()
            .event("ComputeProviderRegistered");
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
        seller,
        buyer,
        stranger,
        model,
        model_cap,
        offer: addr(&offer),
        p,
    }
}

impl World {
    #[allow(clippy::too_many_arguments)]
    fn set_plan_as(
        &mut self,
        who: Address,
        cap: Address,
        bps: u64,
        threshold: u64,
        price: u64,
        providers: &[usize],
        k: u64,
        duration_ms: u64,
        auto_publish: bool,
    ) -> Result<Outcome, Failure> {
        let ids: Vec<Address> = providers.iter().map(|&i| self.p[i].provider).collect();
        self.chain.call(
            who,
            call::model::set_tuning(
                self.model,
                Arg::ObjRead(cap),
                bps,
                threshold,
                price,
                u256(INPUT),
                &ids,
                k,
                duration_ms,
                auto_publish,
            ),
        )
    }

    /// The seller's plan: TUNING_BPS, THRESHOLD, PRICE, an hour.
    fn plan(&mut self, providers: &[usize], k: u64, auto_publish: bool) {
        let (seller, cap) = (self.seller, self.model_cap);
        self.set_plan_as(
            seller,
            cap,
            TUNING_BPS,
            THRESHOLD,
            PRICE,
            providers,
            k,
            HOUR_MS,
            auto_publish,
        )
        .unwrap();
    }

    /// The buyer buys one window (the model is credited CREDIT).
    fn buy(&mut self) {
        let buyer = self.buyer;
        let payment = self.chain.give_wal(buyer, LICENSE_PRICE);
        self.chain
            .ptb(
                buyer,
                vec![
                    call::license::purchase(
                        Arg::ObjRead(self.offer),
                        self.model,
                        Arg::ObjRead(self.system),
                        self.treasury,
                        payment,
                        1u64,
                        u64::MAX,
                    ),
                    Cmd::Transfer(vec![Arg::Result(0)], buyer),
                ],
            )
            .unwrap();
    }

    fn open(&mut self, who: Address) -> Result<Outcome, Failure> {
        self.chain
            .call(who, call::compute::open_tuning_job(self.model))
    }

    /// The stranger opens the job; returns it.
    fn opened(&mut self) -> Address {
        let stranger = self.stranger;
        let outcome = self.open(stranger).unwrap();
        let created: ComputeJobCreated = outcome.event("ComputeJobCreated");
        let opened: TuningJobOpened = outcome.event("TuningJobOpened");
        assert_eq!(opened.job_id, created.job_id);
        addr(&created.job_id)
    }

    fn submit(&mut self, who: usize, job: Address, hash: &[u8]) -> Result<Outcome, Failure> {
        let (account, provider, cap, output) = (
            self.p[who].account,
            self.p[who].provider,
            self.p[who].cap,
            self.p[who].output,
        );
        self.chain.call(
            account,
            call::compute::submit_tuning_result(
                job,
                provider,
                Arg::ObjRead(cap),
                Arg::ObjRead(self.system),
                output,
                hash.to_vec(),
            ),
        )
    }

    fn settle_with(&mut self, job: Address, model: Address) -> Result<Outcome, Failure> {
        let stranger = self.stranger;
        self.chain.call(
            stranger,
            call::compute::settle_tuning_job(job, model, Arg::ObjRead(self.system), self.treasury),
        )
    }

    fn settle(&mut self, job: Address) -> Result<Outcome, Failure> {
        let model = self.model;
        self.settle_with(job, model)
    }

    fn refund(&mut self, job: Address) -> Result<Outcome, Failure> {
        let (stranger, model) = (self.stranger, self.model);
        self.chain
            .call(stranger, call::compute::refund_tuning_job(job, model))
    }

    fn approve_as(&mut self, who: Address, cap: Address) -> Result<Outcome, Failure> {
        self.chain.call_keep(
            who,
            call::model::approve_tuned_version(
                self.model,
                Arg::ObjRead(cap),
                Arg::ObjRead(self.system),
            ),
        )
    }

    fn model(&self) -> Model {
        self.chain.object(self.model)
    }

    /// `take_tuned_blob` of version `number` by `who` with `cap`, keeping the Blob.
    fn take_tuned_as(
        &mut self,
        who: Address,
        cap: Address,
        number: u64,
    ) -> Result<Outcome, Failure> {
        let model = self.model;
        self.chain.call_keep(
            who,
            call::model::take_tuned_blob(model, Arg::ObjRead(cap), number),
        )
    }

    /// The seller sells the model: its cap goes to a new account, which does not act with it
    /// yet (the model's `owner` still names the seller); returns the new owner.
    fn sell_model(&mut self) -> Address {
        let (seller, cap) = (self.seller, self.model_cap);
        let new_owner = self.chain.new_account();
        self.chain
            .ptb(seller, vec![Cmd::Transfer(vec![Arg::obj(cap)], new_owner)])
            .unwrap();
        new_owner
    }

    /// `clear_tuning_reserve` by `who` with `cap`.
    fn clear_as(&mut self, who: Address, cap: Address) -> Result<Outcome, Failure> {
        let model = self.model;
        self.chain.call(
            who,
            call::model::clear_tuning_reserve(model, Arg::ObjRead(cap)),
        )
    }

    /// A model of the stranger's own, with its cap.
    fn strangers_model(&mut self) -> (Address, Address) {
        let stranger = self.stranger;
        let registered: ModelRegistered = self
            .chain
            .call_keep(stranger, call::model::register_model("mine", ""))
            .unwrap()
            .event("ModelRegistered");
        (addr(&registered.model_id), addr(&registered.cap_id))
    }
}

/// The reserve filled to 38 WAL by two purchases, a plan naming P1 alone, the job opened by
/// the stranger.
fn opened(auto_publish: bool) -> (World, Address) {
    let mut w = setup();
    w.plan(&[0], 1, auto_publish);
    w.buy();
    w.buy();
    let job = w.opened();
    (w, job)
}

// === The plan and the reserve ===

/// A settlement or refund goes only into the model whose open tuning job it is (a state no
/// call reaches otherwise: the model is edited to forget its job).
#[test]
fn a_job_the_model_does_not_name_neither_settles_nor_refunds_into_it() {
    let (mut w, job) = opened(false);
    w.submit(0, job, &HASH_A).unwrap();
    let model = w.model;
    w.chain.edit_object::<Model>(model, |m| m.tuning_job = None);
    assert_abort(
        w.settle(job),
        "model",
        move_aborts::model::E_NOT_OPEN_TUNING_JOB,
    );

    let (mut w, job) = opened(false);
    let model = w.model;
    w.chain.edit_object::<Model>(model, |m| m.tuning_job = None);
    w.chain.advance_clock(HOUR_MS);
    assert_abort(
        w.refund(job),
        "model",
        move_aborts::model::E_NOT_OPEN_TUNING_JOB,
    );
}

/// The owner moves a reserve no job uses into the revenue; a stranger cannot, and no one can
/// while a job is open (its escrow comes back on refund) or a proposal is pending.
#[test]
fn clearing_the_reserve_moves_it_into_the_revenue_for_the_owner_only() {
    let (mut w, job) = opened(false);
    let (seller, cap) = (w.seller, w.model_cap);
    assert_abort(
        w.clear_as(seller, cap),
        "model",
        move_aborts::model::E_TUNING_JOB_OPEN,
    );
    w.submit(0, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    assert_abort(
        w.clear_as(seller, cap),
        "model",
        move_aborts::model::E_PROPOSAL_PENDING,
    );
    w.approve_as(seller, cap).unwrap();

    let stranger = w.stranger;
    let (_, own_cap) = w.strangers_model();
    assert_abort(
        w.clear_as(stranger, own_cap),
        "model",
        move_aborts::model::E_WRONG_CAP,
    );

    let before = w.model();
    let reserve = before.tuning_reserve.value;
    assert_eq!(reserve, 2 * PART - PRICE);
    let cleared: TuningReserveCleared = w
        .clear_as(seller, cap)
        .unwrap()
        .event("TuningReserveCleared");
    assert_eq!(cleared.amount, reserve);
    let after = w.model();
    assert_eq!(after.tuning_reserve.value, 0);
    assert_eq!(after.revenue.value, before.revenue.value + reserve);
    assert!(after.tuning.is_some());
}

#[test]
fn purchases_fill_the_reserve_by_the_tuning_share() {
    let mut w = setup();
    w.plan(&[0], 1, false);
    w.buy();
    let m = w.model();
    assert_eq!(m.tuning_reserve.value, PART);
    assert_eq!(m.tuning_total, PART);
    assert_eq!(m.revenue.value, CREDIT - PART);
    assert_eq!(m.total_revenue, CREDIT);
}

/// Attack: a stranger cannot change the plan, even with a cap of its own.
#[test]
fn a_stranger_cannot_set_the_plan() {
    let mut w = setup();
    let (_, cap) = w.strangers_model();
    let stranger = w.stranger;
    let result = w.set_plan_as(stranger, cap, TUNING_BPS, 1, 1, &[3], 1, HOUR_MS, true);
    assert_abort(result, "model", move_aborts::model::E_WRONG_CAP);
}

/// bps, threshold, price, providers, k, duration, the abort.
type Case = (u64, u64, u64, &'static [usize], u64, u64, u64);

#[test]
fn plans_outside_the_bounds_abort() {
    let mut w = setup();
    let (seller, cap) = (w.seller, w.model_cap);
    let cases: [Case; 8] = [
        (
            10_001,
            THRESHOLD,
            PRICE,
            &[0],
            1,
            HOUR_MS,
            move_aborts::model::E_TUNING_SHARE_TOO_HIGH,
        ),
        // Named, not an overflow (model.move checks bps <= 10 000 before adding).
        (
            u64::MAX,
            THRESHOLD,
            PRICE,
            &[0],
            1,
            HOUR_MS,
            move_aborts::model::E_TUNING_SHARE_TOO_HIGH,
        ),
        (
            TUNING_BPS,
            THRESHOLD,
            THRESHOLD + 1,
            &[0],
            1,
            HOUR_MS,
            move_aborts::model::E_TUNING_PRICE,
        ),
        (
            TUNING_BPS,
            THRESHOLD,
            0,
            &[0],
            1,
            HOUR_MS,
            move_aborts::model::E_TUNING_PRICE,
        ),
        (
            TUNING_BPS,
            THRESHOLD,
            PRICE,
            &[],
            1,
            HOUR_MS,
            move_aborts::model::E_TUNING_PROVIDERS,
        ),
        (
            TUNING_BPS,
            THRESHOLD,
            PRICE,
            &[0, 0],
            2,
            HOUR_MS,
            move_aborts::model::E_TUNING_PROVIDERS,
        ),
        (
            TUNING_BPS,
            THRESHOLD,
            PRICE,
            &[0, 1],
            1,
            HOUR_MS,
            move_aborts::model::E_TUNING_QUORUM,
        ),
        (
            TUNING_BPS,
            THRESHOLD,
            PRICE,
            &[0],
            1,
            2_592_000_001,
            move_aborts::model::E_TUNING_DURATION,
        ),
    ];
    for (bps, threshold, price, providers, k, duration, code) in cases {
        let result = w.set_plan_as(
            seller, cap, bps, threshold, price, providers, k, duration, false,
        );
        assert_abort(result, "model", code);
    }
}

// === Opening ===

/// Attack: a stranger opens the job, and it carries the owner's terms and is paid from the
/// reserve; the stranger pays nothing.
#[test]
fn anyone_opens_the_job_with_the_owners_terms_from_the_reserve() {
    let (mut w, job_id) = opened(false);
    let job: Job = w.chain.object(job_id);
    assert_eq!(job.providers, vec![move_types::id(w.p[0].provider)]);
    assert_eq!(job.price, PRICE);
    assert_eq!(job.k, 1);
    assert_eq!(job.deadline_ms, NOW_MS + HOUR_MS);
    assert!(job.tuning);
    assert_eq!(w.model().tuning_reserve.value, 2 * PART - PRICE);
    assert!(w.model().tuning_job.is_some());
    // The stranger's own provider is not chosen.
    assert_abort(
        w.submit(3, job_id, &HASH_A),
        "compute",
        move_aborts::compute::E_NOT_CHOSEN,
    );
}

/// `TuningJobOpened` says whether the job will publish its output unreviewed: the plan's
/// `auto_publish` when the job opens, which the job keeps (the model's field agrees).
#[test]
fn the_opened_event_says_whether_the_job_will_auto_publish() {
    for auto_publish in [false, true] {
        let mut w = setup();
        // The plan said the opposite first: the flag is read when the job opens.
        w.plan(&[0], 1, !auto_publish);
        w.plan(&[0], 1, auto_publish);
        w.buy();
        w.buy();
        let stranger = w.stranger;
        let outcome = w.open(stranger).unwrap();
        let opened: TuningJobOpened = outcome.event("TuningJobOpened");
        assert_eq!(opened.auto_publish, auto_publish);
        assert_eq!(w.model().tuning_job_auto_publish, auto_publish);
    }
}

/// Attack: a stranger cannot open before the reserve reaches the threshold.
#[test]
fn opening_below_the_threshold_aborts() {
    let mut w = setup();
    w.plan(&[0], 1, false);
    w.buy();
    let stranger = w.stranger;
    assert_abort(
        w.open(stranger),
        "model",
        move_aborts::model::E_RESERVE_BELOW_THRESHOLD,
    );
}

#[test]
fn opening_without_a_plan_aborts() {
    let mut w = setup();
    w.buy();
    let stranger = w.stranger;
    assert_abort(w.open(stranger), "model", move_aborts::model::E_NO_TUNING);
}

/// Attack: one tuning job at a time, even with the reserve full again.
#[test]
fn a_second_job_while_one_is_open_aborts() {
    let (mut w, _) = opened(false);
    w.buy();
    w.buy();
    let stranger = w.stranger;
    assert_abort(
        w.open(stranger),
        "model",
        move_aborts::model::E_TUNING_JOB_OPEN,
    );
}

// === Settlement, approval ===

#[test]
fn a_settled_job_proposes_and_the_owner_approves_the_next_version() {
    let (mut w, job) = opened(false);
    let output = w.p[0].output;
    let account = w.p[0].account;
    w.submit(0, job, &HASH_A).unwrap();
    // The job holds the output Blob: it left the provider's account.
    assert!(!w.chain.exists(output));
    let before = w.chain.wal_balance(account);
    let outcome = w.settle(job).unwrap();
    let proposed: TunedVersionProposed = outcome.event("TunedVersionProposed");
    assert_eq!(addr(&proposed.blob_object_id), output);
    assert_eq!(w.chain.wal_balance(account) - before, PRICE - FEE + BOND);
    assert!(w.model().proposal.is_some());
    assert!(w.model().tuning_job.is_none());
    // Another job waits for the approval.
    w.buy();
    let stranger = w.stranger;
    assert_abort(
        w.open(stranger),
        "model",
        move_aborts::model::E_PROPOSAL_PENDING,
    );

    let (seller, cap) = (w.seller, w.model_cap);
    let outcome = w.approve_as(seller, cap).unwrap();
    let published: ModelVersionPublished = outcome.event("ModelVersionPublished");
    assert_eq!(published.version, 2);
    assert_eq!(addr(&published.blob_object_id), output);
    let tuned: TunedVersionPublished = outcome.event("TunedVersionPublished");
    assert!(!tuned.automatic);
    // The owner holds the version's Blob, as after publish_version.
    assert_eq!(w.chain.owner(output), Owner::Address(seller));
    assert_eq!(w.model().versions.size, 2);
    assert_abort(
        w.approve_as(seller, cap),
        "model",
        move_aborts::model::E_NO_PROPOSAL,
    );
}

#[test]
fn with_auto_publish_settlement_publishes_the_next_version() {
    let (mut w, job) = opened(true);
    let output = w.p[0].output;
    w.submit(0, job, &HASH_A).unwrap();
    let outcome = w.settle(job).unwrap();
    let tuned: TunedVersionPublished = outcome.event("TunedVersionPublished");
    assert!(tuned.automatic);
    assert_eq!(tuned.version, 2);
    assert!(w.model().proposal.is_none());
    // The Blob waits in the model for the cap holder.
    assert!(!w.chain.owned(w.seller, "blob", "Blob").contains(&output));
    assert_eq!(w.model().tuned_blobs.size, 1);
    let (seller, cap) = (w.seller, w.model_cap);
    w.take_tuned_as(seller, cap, 2).unwrap();
    assert_eq!(w.chain.owner(output), Owner::Address(w.seller));
    assert_eq!(w.model().tuned_blobs.size, 0);
    // Once only; version 1 (published by hand) never had one.
    assert_abort(
        w.take_tuned_as(seller, cap, 2),
        "model",
        move_aborts::model::E_NO_TUNED_BLOB,
    );
    assert_abort(
        w.take_tuned_as(seller, cap, 1),
        "model",
        move_aborts::model::E_NO_TUNED_BLOB,
    );
}

/// Attack: the model is sold (its cap to a new owner) while an auto-publishing job is open,
/// and the new owner has not acted with the cap when a stranger settles, so the model's
/// `owner` still names the seller. The tuned Blob goes to neither account; the seller cannot
/// take it (its own other model's cap is refused, and it holds no other), the new owner can.
#[test]
fn the_old_owner_does_not_receive_the_new_owners_tuned_blob() {
    let (mut w, job) = opened(true);
    let new_owner = w.sell_model();
    let output = w.p[0].output;
    w.submit(0, job, &HASH_A).unwrap();
    let tuned: TunedVersionPublished = w.settle(job).unwrap().event("TunedVersionPublished");
    assert!(tuned.automatic);
    assert_eq!(w.model().owner, move_address(w.seller));
    assert!(!w.chain.owned(w.seller, "blob", "Blob").contains(&output));
    assert!(!w.chain.owned(new_owner, "blob", "Blob").contains(&output));

    let seller = w.seller;
    let registered: ModelRegistered = w
        .chain
        .call_keep(seller, call::model::register_model("other", ""))
        .unwrap()
        .event("ModelRegistered");
    let other_cap = addr(&registered.cap_id);
    assert_abort(
        w.take_tuned_as(seller, other_cap, 2),
        "model",
        move_aborts::model::E_WRONG_CAP,
    );
    // The sold cap is not the seller's any more: Sui refuses it as an input.
    let cap = w.model_cap;
    let model = w.model;
    let refused = w.chain.rejection(
        seller,
        vec![call::model::take_tuned_blob(model, Arg::ObjRead(cap), 2u64)],
    );
    assert!(refused.is_some_and(|why| why.contains("not by the sender")));
    assert!(!w.chain.owned(seller, "blob", "Blob").contains(&output));

    w.take_tuned_as(new_owner, cap, 2).unwrap();
    assert_eq!(w.chain.owner(output), Owner::Address(new_owner));
    assert_eq!(w.model().owner, move_address(new_owner));
}

/// A job keeps the terms it was opened with: auto-publish turned on while the job is open
/// does not publish its output unreviewed, and turned off does not stop a job opened with it.
#[test]
fn settlement_follows_the_auto_publish_the_job_was_opened_with() {
    let (mut w, job) = opened(false);
    w.plan(&[0], 1, true);
    w.submit(0, job, &HASH_A).unwrap();
    let outcome = w.settle(job).unwrap();
    assert!(
        outcome
            .events_named::<TunedVersionPublished>("TunedVersionPublished")
            .is_empty()
    );
    let _: TunedVersionProposed = outcome.event("TunedVersionProposed");
    assert!(w.model().proposal.is_some());

    let (mut w, job) = opened(true);
    w.plan(&[0], 1, false);
    w.submit(0, job, &HASH_A).unwrap();
    let outcome = w.settle(job).unwrap();
    let tuned: TunedVersionPublished = outcome.event("TunedVersionPublished");
    assert!(tuned.automatic);
    assert!(w.model().proposal.is_none());
    assert!(!w.model().tuning_job_auto_publish);
}

/// 2 of 3 with a dishonest provider: the model gets the first agreeing output's Blob, the
/// others go back to their providers.
#[test]
fn the_other_outputs_go_back_to_their_providers() {
    let mut w = setup();
    w.plan(&[0, 1, 2], 2, false);
    w.buy();
    w.buy();
    let job = w.opened();
    w.submit(2, job, &HASH_B).unwrap();
    w.submit(0, job, &HASH_A).unwrap();
    w.submit(1, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    assert_eq!(w.chain.owner(w.p[1].output), Owner::Address(w.p[1].account));
    assert_eq!(w.chain.owner(w.p[2].output), Owner::Address(w.p[2].account));
    assert!(!w.chain.exists(w.p[0].output));
    let (seller, cap) = (w.seller, w.model_cap);
    w.approve_as(seller, cap).unwrap();
    assert_eq!(w.chain.owner(w.p[0].output), Owner::Address(seller));
}

/// Attack: a stranger cannot approve, even with a cap of its own.
#[test]
fn a_stranger_cannot_approve() {
    let (mut w, job) = opened(false);
    w.submit(0, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    let (_, cap) = w.strangers_model();
    let stranger = w.stranger;
    assert_abort(
        w.approve_as(stranger, cap),
        "model",
        move_aborts::model::E_WRONG_CAP,
    );
}

#[test]
fn a_rejected_version_returns_the_blob() {
    let (mut w, job) = opened(false);
    w.submit(0, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    let (seller, cap, model) = (w.seller, w.model_cap, w.model);
    w.chain
        .call_keep(
            seller,
            call::model::reject_tuned_version(model, Arg::ObjRead(cap)),
        )
        .unwrap();
    assert_eq!(w.chain.owner(w.p[0].output), Owner::Address(seller));
    assert_eq!(w.model().versions.size, 1);
    let result = w.chain.call_keep(
        seller,
        call::model::reject_tuned_version(model, Arg::ObjRead(cap)),
    );
    assert_abort(result, "model", move_aborts::model::E_NO_PROPOSAL);
}

/// Attack: settling or refunding with another model is refused.
#[test]
fn another_model_is_refused() {
    let (mut w, job) = opened(false);
    w.submit(0, job, &HASH_A).unwrap();
    let (other, _) = w.strangers_model();
    assert_abort(
        w.settle_with(job, other),
        "compute",
        move_aborts::compute::E_WRONG_MODEL,
    );
}

// === Refund ===

/// Attack: after the deadline the escrow goes back into the reserve, not to the stranger who
/// opened and refunds; bonds and Blobs go back to their providers; the plain `refund` (which
/// would pay the opener) refuses a tuning job.
#[test]
fn a_refund_goes_back_into_the_reserve() {
    let mut w = setup();
    w.plan(&[0, 1, 2], 2, false);
    w.buy();
    w.buy();
    let job = w.opened();
    w.submit(0, job, &HASH_A).unwrap();
    w.chain.advance_clock(HOUR_MS);
    let stranger = w.stranger;
    let plain = w.chain.call(stranger, call::compute::refund(job));
    assert_abort(plain, "compute", move_aborts::compute::E_TUNING_JOB);
    let stranger_before = w.chain.wal_balance(stranger);
    let p1_before = w.chain.wal_balance(w.p[0].account);
    let outcome = w.refund(job).unwrap();
    let refunded: TuningJobRefunded = outcome.event("TuningJobRefunded");
    assert_eq!(refunded.amount, PRICE);
    assert_eq!(w.model().tuning_reserve.value, 2 * PART);
    assert_eq!(w.chain.wal_balance(stranger), stranger_before);
    assert_eq!(w.chain.wal_balance(w.p[0].account) - p1_before, BOND);
    assert_eq!(w.chain.owner(w.p[0].output), Owner::Address(w.p[0].account));
    // Another job may open.
    w.opened();
}

#[test]
fn the_tuning_functions_refuse_a_plain_job_and_the_plain_ones_a_tuning_job() {
    let (mut w, tuning_job) = opened(false);
    // A plain job on the same model, opened and paid by its owner.
    let (seller, model_cap) = (w.seller, w.model_cap);
    let payment = w.chain.give_wal(seller, PRICE);
    let ids = vec![w.p[0].provider];
    let created: ComputeJobCreated = w
        .chain
        .call(
            seller,
            call::compute::create_job(
                Arg::ObjRead(w.model),
                Arg::ObjRead(model_cap),
                1u64,
                u256(INPUT),
                &ids,
                1u64,
                NOW_MS + HOUR_MS,
                payment,
            ),
        )
        .unwrap()
        .event("ComputeJobCreated");
    let plain = addr(&created.job_id);
    assert_abort(
        w.submit(0, plain, &HASH_A),
        "compute",
        move_aborts::compute::E_NOT_TUNING_JOB,
    );
    assert_abort(
        w.settle(plain),
        "compute",
        move_aborts::compute::E_NOT_TUNING_JOB,
    );
    // The plain submit (by reference) refuses the tuning job.
    let (account, provider, cap, output) =
        (w.p[0].account, w.p[0].provider, w.p[0].cap, w.p[0].output);
    let result = w.chain.call(
        account,
        call::compute::submit_result(
            tuning_job,
            provider,
            Arg::ObjRead(cap),
            Arg::ObjRead(w.system),
            Arg::ObjRead(output),
            HASH_A.to_vec(),
        ),
    );
    assert_abort(result, "compute", move_aborts::compute::E_TUNING_JOB);
}

/// Moves the system past the outputs' storage (planted to end at epoch 2).
fn expire_outputs(w: &mut World) {
    let system = w.system;
    w.chain
        .edit_object(system, |s: &mut floe_sdk::move_types::system::System| {
            s.epoch = 5;
        });
}

#[test]
fn approving_an_expired_output_aborts() {
    let (mut w, job) = opened(false);
    w.submit(0, job, &HASH_A).unwrap();
    w.settle(job).unwrap();
    expire_outputs(&mut w);
    let (seller, cap) = (w.seller, w.model_cap);
    assert_abort(
        w.approve_as(seller, cap),
        "model",
        move_aborts::model::E_BLOB_EXPIRED,
    );
}

#[test]
fn with_auto_publish_an_expired_output_is_only_proposed() {
    let (mut w, job) = opened(true);
    w.submit(0, job, &HASH_A).unwrap();
    expire_outputs(&mut w);
    let outcome = w.settle(job).unwrap();
    let _: TunedVersionProposed = outcome.event("TunedVersionProposed");
    assert!(
        outcome
            .events_named::<TunedVersionPublished>("TunedVersionPublished")
            .is_empty()
    );
    assert_eq!(w.model().versions.size, 1);
    assert!(w.model().proposal.is_some());
}

/// Attack: refunding into another model's reserve is refused.
#[test]
fn refunding_into_another_model_aborts() {
    let (mut w, job) = opened(false);
    let (other, _) = w.strangers_model();
    w.chain.advance_clock(HOUR_MS);
    let stranger = w.stranger;
    let result = w
        .chain
        .call(stranger, call::compute::refund_tuning_job(job, other));
    assert_abort(result, "compute", move_aborts::compute::E_WRONG_MODEL);
}

#[test]
fn opening_for_a_model_without_versions_aborts() {
    let mut w = setup();
    let (other, cap) = w.strangers_model();
    let stranger = w.stranger;
    w.model = other;
    w.set_plan_as(
        stranger,
        cap,
        TUNING_BPS,
        THRESHOLD,
        PRICE,
        &[0],
        1,
        HOUR_MS,
        false,
    )
    .unwrap();
    assert_abort(
        w.open(stranger),
        "model",
        move_aborts::model::E_NO_VERSION_TO_TUNE,
    );
}

/// The model made to look migrated by another package version.
fn age_model(w: &mut World) {
    let model = w.model;
    w.chain.edit_object(model, |m: &mut Model| m.version = 2);
}

#[test]
fn a_model_of_another_version_refuses_the_tuning_calls() {
    let (mut w, job) = opened(false);
    w.submit(0, job, &HASH_A).unwrap();
    age_model(&mut w);
    assert_abort(
        w.settle(job),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    let (seller, cap) = (w.seller, w.model_cap);
    let result = w.set_plan_as(
        seller,
        cap,
        TUNING_BPS,
        THRESHOLD,
        PRICE,
        &[0],
        1,
        HOUR_MS,
        false,
    );
    assert_abort(result, "version", move_aborts::version::E_WRONG_VERSION);
    let stranger = w.stranger;
    assert_abort(
        w.open(stranger),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    w.chain.advance_clock(HOUR_MS);
    assert_abort(
        w.refund(job),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
}

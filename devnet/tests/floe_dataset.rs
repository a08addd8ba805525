//! `floe::dataset` and the revenue-share rules of `floe::model` on the devnet: the scenarios
//! of `move/floe/tests/dataset_tests.move` with the same expectations (a Move
//! `expected_failure` is a transaction that aborts with the same module and code, read from
//! the Move sources). The devnet checks after every transaction that WAL is conserved
//! (`floe::conservation`, which counts the shares a `Model` sets aside and a `Dataset`'s pool).
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::genesis::NetworkGenesis;
use floe_sdk::move_aborts;
use floe_sdk::move_types::dataset::{Contribution, Dataset};
use floe_sdk::move_types::events::{
    ContributionAdded, ContributionClaimed, DatasetCreated, DatasetRevenueAccrued,
    DatasetRevenueDistributed, DatasetSealed, ModelRegistered,
};
use floe_sdk::move_types::model::Model;
use floe_sdk::move_types::{self, ID};
use sui_sdk_types::Address;
use support::{Arg, Chain, Failure, Outcome, call, plant_blob};

const HOUR_MS: u64 = 3_600_000;
/// 1 WAL per window.
const PRICE: u64 = 1_000_000_000;
/// 5 % of PRICE, burned.
const FEE: u64 = 50_000_000;
/// 20 % of the seller's revenue.
const SHARE_BPS: u64 = 2_000;
/// SHARE_BPS of PRICE - FEE.
const DATASET_PART: u64 = 190_000_000;

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

struct World {
    chain: Chain,
    seller: Address,
    curator: Address,
    buyer: Address,
    model: Address,
    model_cap: Address,
    offer: Address,
    dataset: Address,
    dataset_cap: Address,
    /// (account, contribution) of C1, C2, C3.
    c: Vec<(Address, Address)>,
}

/// `dataset_tests::setup`: a model with version 1 and a PRICE-per-hour offer by the seller, a
/// dataset by the curator, three contributors each contributing a certified blob; weights 0,
/// no dataset named yet.
fn setup() -> World {
    let network = NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: HOUR_MS,
        nodes: vec![],
    };
    let (mut chain, started) = Chain::with_network(&network);
    let seller = chain.new_account();
    let curator = chain.new_account();
    let buyer = chain.new_account();
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
            call::license::create_offer(model, model_cap, PRICE, HOUR_MS, 24u64, 0u64),
        )
        .unwrap()
        .ret::<ID>(0, 0);
    let (dataset, dataset_cap) = create(&mut chain, curator, "faces").unwrap();
    let mut world = World {
        chain,
        seller,
        curator,
        buyer,
        model,
        model_cap,
        offer: addr(&offer),
        dataset,
        dataset_cap,
        c: Vec::new(),
    };
    for seq in 0..3 {
        let account = world.chain.new_account();
        let blob = plant_blob(&mut world.chain, account, 0xda7a, true, 2, seq);
        let outcome = world.contribute(account, dataset, blob).unwrap();
        let added: ContributionAdded = outcome.event("ContributionAdded");
        world.c.push((account, addr(&added.contribution_id)));
    }
    world
}

/// `curator` creates a dataset named `name`; returns (dataset, cap).
fn create(chain: &mut Chain, curator: Address, name: &str) -> Result<(Address, Address), Failure> {
    let outcome = chain.call_keep(
        curator,
        call::dataset::create_dataset(name, "labelled faces"),
    )?;
    let created: DatasetCreated = outcome.event("DatasetCreated");
    Ok((addr(&created.dataset_id), addr(&created.cap_id)))
}

impl World {
    fn contribute(
        &mut self,
        who: Address,
        dataset: Address,
        blob: Address,
    ) -> Result<Outcome, Failure> {
        self.chain
            .call_keep(who, call::dataset::contribute(dataset, Arg::ObjRead(blob)))
    }

    fn set_weight_with(
        &mut self,
        cap: Address,
        contribution: Address,
        weight: u64,
    ) -> Result<Outcome, Failure> {
        let curator = self.curator;
        let dataset = self.dataset;
        self.chain.call(
            curator,
            call::dataset::set_weight(
                dataset,
                Arg::ObjRead(cap),
                move_types::id(contribution),
                weight,
            ),
        )
    }

    fn set_weight(&mut self, i: usize, weight: u64) {
        let contribution = self.c[i].1;
        self.set_weight_with(self.dataset_cap, contribution, weight)
            .unwrap();
    }

    fn weigh_5_3_2(&mut self) {
        self.set_weight(0, 5);
        self.set_weight(1, 3);
        self.set_weight(2, 2);
    }

    fn seal_with(&mut self, cap: Address) -> Result<Outcome, Failure> {
        let (curator, dataset) = (self.curator, self.dataset);
        self.chain
            .call(curator, call::dataset::seal(dataset, Arg::ObjRead(cap)))
    }

    fn seal(&mut self) -> Result<Outcome, Failure> {
        self.seal_with(self.dataset_cap)
    }

    /// A second dataset of the curator's with one weighted contribution (by C1), sealed.
    fn sealed_dataset(&mut self, name: &str, seq: u8) -> Address {
        let (curator, c1) = (self.curator, self.c[0].0);
        let (dataset, cap) = create(&mut self.chain, curator, name).unwrap();
        let blob = plant_blob(&mut self.chain, c1, 0x5ea1, true, 2, seq);
        let added: ContributionAdded = self
            .contribute(c1, dataset, blob)
            .unwrap()
            .event("ContributionAdded");
        self.chain
            .call(
                curator,
                call::dataset::set_weight(dataset, Arg::ObjRead(cap), &added.contribution_id, 1u64),
            )
            .unwrap();
        self.chain
            .call(curator, call::dataset::seal(dataset, Arg::ObjRead(cap)))
            .unwrap();
        dataset
    }

    fn train_on_dataset(&mut self, dataset: Address, bps: u64) -> Result<Outcome, Failure> {
        let seller = self.seller;
        let (model, cap) = (self.model, self.model_cap);
        self.chain.call(
            seller,
            call::dataset::train_on(Arg::ObjRead(dataset), model, Arg::ObjRead(cap), 1u64, bps),
        )
    }

    fn train_on(&mut self, bps: u64) -> Result<Outcome, Failure> {
        self.train_on_dataset(self.dataset, bps)
    }

    fn buy(&mut self) -> Outcome {
        let buyer = self.buyer;
        let payment = self.chain.give_wal(buyer, PRICE);
        let (offer, model) = (self.offer, self.model);
        // The sdk's typed builder: a change to `purchase`'s Move signature fails to compile here.
        self.chain
            .tx(buyer, |tx| {
                let (offer, model) = (tx.shared(offer), tx.shared(model));
                let payment = tx.owned(payment);
                let license = floe_sdk::calls::license::purchase(
                    &mut tx.builder,
                    &tx.floe,
                    offer,
                    model,
                    payment,
                    1,
                    u64::MAX,
                );
                tx.transfer(vec![license], buyer);
            })
            .unwrap()
    }

    fn distribute(&mut self, who: Address) -> Result<u64, Failure> {
        let (model, dataset) = (self.model, self.dataset);
        let outcome = self
            .chain
            .call(who, call::dataset::distribute(model, dataset))?;
        Ok(outcome.ret::<u64>(0, 0))
    }

    /// Contributor `i` claims into a coin it keeps; returns the amount.
    fn claim_with(&mut self, i: usize, dataset: Address) -> Result<u64, Failure> {
        let (account, contribution) = self.c[i];
        let outcome = self.chain.call_keep(
            account,
            call::dataset::claim(dataset, Arg::ObjRead(contribution)),
        )?;
        let claimed: ContributionClaimed = outcome.event("ContributionClaimed");
        Ok(claimed.amount)
    }

    fn claim(&mut self, i: usize) -> Result<u64, Failure> {
        self.claim_with(i, self.dataset)
    }

    fn dataset(&self) -> Dataset {
        self.chain.object(self.dataset)
    }

    fn model(&self) -> Model {
        self.chain.object(self.model)
    }
}

// === The story ===

#[test]
fn a_purchase_reaches_three_contributors_in_proportion() {
    let mut w = setup();
    let contribution: Contribution = w.chain.object(w.c[0].1);
    assert_eq!(addr(&contribution.dataset_id), w.dataset);
    w.weigh_5_3_2();
    w.seal().unwrap();
    w.train_on(SHARE_BPS).unwrap();
    let outcome = w.buy();
    let accrued: DatasetRevenueAccrued = outcome.event("DatasetRevenueAccrued");
    assert_eq!(accrued.amount, DATASET_PART);
    let model = w.model();
    assert_eq!(model.revenue.value, PRICE - FEE - DATASET_PART);
    assert_eq!(model.total_revenue, PRICE - FEE);
    assert_eq!(model.dataset_shares[0].pending.value, DATASET_PART);
    let stranger = w.buyer;
    assert_eq!(w.distribute(stranger).unwrap(), DATASET_PART);
    let balance_before = w.chain.wal_balance(w.c[0].0);
    assert_eq!(w.claim(0).unwrap(), 95_000_000);
    assert_eq!(w.chain.wal_balance(w.c[0].0), balance_before + 95_000_000);
    assert_eq!(w.claim(1).unwrap(), 57_000_000);
    assert_eq!(w.claim(2).unwrap(), 38_000_000);
    let dataset = w.dataset();
    assert_eq!(dataset.total_distributed, DATASET_PART);
    assert_eq!(dataset.total_claimed, DATASET_PART);
    assert_eq!(dataset.pool.value, 0);
    assert_eq!(dataset.total_weight, 10);
    assert_eq!(w.distribute(stranger).unwrap(), 0);
}

#[test]
fn distributing_emits_the_accumulator() {
    let mut w = setup();
    w.weigh_5_3_2();
    w.seal().unwrap();
    w.train_on(SHARE_BPS).unwrap();
    w.buy();
    let (model, dataset, buyer) = (w.model, w.dataset, w.buyer);
    let outcome = w
        .chain
        .call(buyer, call::dataset::distribute(model, dataset))
        .unwrap();
    let distributed: DatasetRevenueDistributed = outcome.event("DatasetRevenueDistributed");
    assert_eq!(distributed.amount, DATASET_PART);
    assert_eq!(distributed.total_weight, 10);
    // 190 000 000 FROST over weight 10, times 1e12.
    assert_eq!(distributed.reward_per_weight, 19_000_000_000_000_000_000);
}

// === Attacks ===

#[test]
fn claiming_twice_pays_nothing_the_second_time() {
    let mut w = setup();
    w.weigh_5_3_2();
    w.seal().unwrap();
    w.train_on(SHARE_BPS).unwrap();
    w.buy();
    let buyer = w.buyer;
    w.distribute(buyer).unwrap();
    assert_eq!(w.claim(0).unwrap(), 95_000_000);
    let balance = w.chain.wal_balance(w.c[0].0);
    assert_abort(
        w.claim(0),
        "dataset",
        move_aborts::dataset::E_NOTHING_TO_CLAIM,
    );
    assert_eq!(w.chain.wal_balance(w.c[0].0), balance);
}

#[test]
fn claiming_with_another_datasets_contribution_aborts() {
    let mut w = setup();
    w.weigh_5_3_2();
    w.seal().unwrap();
    w.train_on(SHARE_BPS).unwrap();
    w.buy();
    let buyer = w.buyer;
    w.distribute(buyer).unwrap();
    // C1 contributes to a dataset of its own and claims that NFT against the rich one.
    let (c1, _) = w.c[0];
    let (other, _) = create(&mut w.chain, c1, "mine").unwrap();
    let blob = plant_blob(&mut w.chain, c1, 0xbad, true, 2, 9);
    let outcome = w.contribute(c1, other, blob).unwrap();
    let added: ContributionAdded = outcome.event("ContributionAdded");
    let foreign = addr(&added.contribution_id);
    let dataset = w.dataset;
    let result = w
        .chain
        .call_keep(c1, call::dataset::claim(dataset, Arg::ObjRead(foreign)));
    assert_abort(result, "dataset", move_aborts::dataset::E_WRONG_DATASET);
}

/// The front-run: after a sale and before anyone distributes it, the curator (holding C3,
/// weight 2 of 10) raises C3's weight and distributes in one transaction, to take most of the
/// sale. The seal refuses the raise, the whole transaction fails, and the sale is split 5:3:2
/// as when it was made.
#[test]
fn a_curator_raising_a_weight_after_a_sale_before_distribution_is_refused() {
    let mut w = setup();
    w.weigh_5_3_2();
    w.seal().unwrap();
    w.train_on(SHARE_BPS).unwrap();
    w.buy();
    let (curator, cap, model, dataset) = (w.curator, w.dataset_cap, w.model, w.dataset);
    let c3 = w.c[2].1;
    let result = w.chain.ptb(
        curator,
        vec![
            support::call::dataset::set_weight(
                dataset,
                Arg::ObjRead(cap),
                move_types::id(c3),
                1_000_000u64,
            ),
            support::call::dataset::distribute(model, dataset),
        ],
    );
    assert_abort(result, "dataset", move_aborts::dataset::E_DATASET_SEALED);
    // Alone, too.
    assert_abort(
        w.set_weight_with(cap, c3, 1_000_000),
        "dataset",
        move_aborts::dataset::E_DATASET_SEALED,
    );
    assert_eq!(w.dataset().total_weight, 10);
    assert_eq!(w.model().dataset_shares[0].pending.value, DATASET_PART);
    assert_eq!(w.distribute(curator).unwrap(), DATASET_PART);
    assert_eq!(w.claim(0).unwrap(), 95_000_000);
    assert_eq!(w.claim(1).unwrap(), 57_000_000);
    assert_eq!(w.claim(2).unwrap(), 38_000_000);
    assert_eq!(w.dataset().pool.value, 0);
}

#[test]
fn the_owner_cannot_lower_a_share_after_sales() {
    let mut w = setup();
    w.weigh_5_3_2();
    w.seal().unwrap();
    w.train_on(5_000).unwrap();
    // Before any sale a share may be corrected downwards.
    w.train_on(SHARE_BPS).unwrap();
    w.buy();
    assert_abort(w.train_on(1), "model", move_aborts::model::E_SHARE_LOWERED);
    w.train_on(10_000).unwrap();
    assert_eq!(w.model().dataset_shares[0].bps, 10_000);
}

#[test]
fn rounding_dust_stays_in_the_pool() {
    let mut w = setup();
    for i in 0..3 {
        w.set_weight(i, 1);
    }
    w.seal().unwrap();
    w.train_on(10_000).unwrap();
    let (seller, offer, cap) = (w.seller, w.offer, w.model_cap);
    w.chain
        .call(
            seller,
            call::license::reprice_offer(offer, Arg::ObjRead(cap), 200u64),
        )
        .unwrap();
    let c1 = w.c[0].0;
    w.buy();
    assert_eq!(w.distribute(c1).unwrap(), 190);
    assert_eq!(w.claim(0).unwrap(), 63);
    w.buy();
    assert_eq!(w.distribute(c1).unwrap(), 190);
    assert_eq!(w.claim(0).unwrap(), 63);
    assert_eq!(w.claim(1).unwrap(), 126);
    assert_eq!(w.claim(2).unwrap(), 126);
    let dataset = w.dataset();
    assert_eq!(dataset.total_distributed, 380);
    assert_eq!(dataset.total_claimed, 378);
    assert_eq!(dataset.pool.value, 2);
}

#[test]
fn sealing_emits_the_final_weights() {
    let mut w = setup();
    w.weigh_5_3_2();
    let outcome = w.seal().unwrap();
    let sealed: DatasetSealed = outcome.event("DatasetSealed");
    assert_eq!(addr(&sealed.dataset_id), w.dataset);
    assert_eq!(sealed.contribution_count, 3);
    assert_eq!(sealed.total_weight, 10);
    assert_eq!(
        sealed.curator,
        floe_devnet::floe::model::move_address(w.curator)
    );
    assert!(w.dataset().sealed);
}

// === Abort paths ===

#[test]
fn create_aborts_on_bad_names() {
    let mut w = setup();
    let curator = w.curator;
    assert_abort(
        create(&mut w.chain, curator, ""),
        "dataset",
        move_aborts::dataset::E_EMPTY_NAME,
    );
    let long = "a".repeat(129);
    assert_abort(
        create(&mut w.chain, curator, &long),
        "dataset",
        move_aborts::dataset::E_NAME_TOO_LONG,
    );
    let result = w.chain.call_keep(
        curator,
        call::dataset::create_dataset("faces", "d".repeat(4097)),
    );
    assert_abort(
        result,
        "dataset",
        move_aborts::dataset::E_DESCRIPTION_TOO_LONG,
    );
}

#[test]
fn contribute_aborts_on_uncertified_and_repeated_blobs() {
    let mut w = setup();
    let c1 = w.c[0].0;
    let dataset = w.dataset;
    let uncertified = plant_blob(&mut w.chain, c1, 0xda7a, false, 2, 5);
    assert_abort(
        w.contribute(c1, dataset, uncertified),
        "dataset",
        move_aborts::dataset::E_BLOB_NOT_CERTIFIED,
    );
    let contribution: Contribution = w.chain.object(w.c[0].1);
    let already = addr(&contribution.blob_object_id);
    assert_abort(
        w.contribute(c1, dataset, already),
        "dataset",
        move_aborts::dataset::E_ALREADY_CONTRIBUTED,
    );
}

#[test]
fn set_weight_aborts() {
    let mut w = setup();
    // A contributor curating another dataset uses that cap here.
    let c1 = w.c[0].0;
    let (_, other_cap) = create(&mut w.chain, c1, "mine").unwrap();
    let contribution = w.c[0].1;
    let dataset = w.dataset;
    let result = w.chain.call(
        c1,
        call::dataset::set_weight(
            dataset,
            Arg::ObjRead(other_cap),
            move_types::id(contribution),
            1_000_000u64,
        ),
    );
    assert_abort(result, "dataset", move_aborts::dataset::E_WRONG_CAP);
    let cap = w.dataset_cap;
    assert_abort(
        w.set_weight_with(cap, contribution, 1_000_001),
        "dataset",
        move_aborts::dataset::E_WEIGHT_TOO_HIGH,
    );
    let model = w.model;
    assert_abort(
        w.set_weight_with(cap, model, 1),
        "dataset",
        move_aborts::dataset::E_UNKNOWN_CONTRIBUTION,
    );
}

#[test]
fn seal_aborts() {
    let mut w = setup();
    // Nothing weighted: revenue paid to it could never be claimed.
    assert_abort(w.seal(), "dataset", move_aborts::dataset::E_NO_WEIGHT);
    w.weigh_5_3_2();
    let c1 = w.c[0].0;
    let (_, other_cap) = create(&mut w.chain, c1, "mine").unwrap();
    let dataset = w.dataset;
    let result = w
        .chain
        .call(c1, call::dataset::seal(dataset, Arg::ObjRead(other_cap)));
    assert_abort(result, "dataset", move_aborts::dataset::E_WRONG_CAP);
    w.seal().unwrap();
    assert_abort(w.seal(), "dataset", move_aborts::dataset::E_DATASET_SEALED);
}

#[test]
fn a_sealed_dataset_takes_no_contribution_and_no_weight() {
    let mut w = setup();
    w.weigh_5_3_2();
    w.seal().unwrap();
    let c1 = w.c[0].0;
    let dataset = w.dataset;
    let blob = plant_blob(&mut w.chain, c1, 0x1a7e, true, 2, 0);
    assert_abort(
        w.contribute(c1, dataset, blob),
        "dataset",
        move_aborts::dataset::E_DATASET_SEALED,
    );
    let (cap, c2) = (w.dataset_cap, w.c[1].1);
    assert_abort(
        w.set_weight_with(cap, c2, 0),
        "dataset",
        move_aborts::dataset::E_DATASET_SEALED,
    );
    assert_eq!(w.dataset().contributions.size, 3);
}

#[test]
fn training_on_an_unsealed_dataset_aborts() {
    let mut w = setup();
    w.weigh_5_3_2();
    assert_abort(
        w.train_on(SHARE_BPS),
        "dataset",
        move_aborts::dataset::E_DATASET_NOT_SEALED,
    );
    assert!(w.model().dataset_shares.is_empty());
}

#[test]
fn reads_of_an_unknown_contribution_abort() {
    let mut w = setup();
    let (dataset, model, curator) = (w.dataset, w.model, w.curator);
    for read in [
        call::dataset::claimable(Arg::ObjRead(dataset), model),
        call::dataset::weight(Arg::ObjRead(dataset), model),
    ] {
        let result = w.chain.call(curator, read);
        assert_abort(
            result,
            "dataset",
            move_aborts::dataset::E_UNKNOWN_CONTRIBUTION,
        );
    }
}

#[test]
fn distributing_from_a_model_not_trained_on_the_dataset_aborts() {
    let mut w = setup();
    w.weigh_5_3_2();
    let c1 = w.c[0].0;
    assert_abort(
        w.distribute(c1),
        "dataset",
        move_aborts::dataset::E_NOT_TRAINED_ON,
    );
}

#[test]
fn train_on_aborts() {
    let mut w = setup();
    w.weigh_5_3_2();
    w.seal().unwrap();
    let (dataset, model, c1) = (w.dataset, w.model, w.c[0].0);
    // Someone else's model cap.
    let registered: ModelRegistered = w
        .chain
        .call_keep(c1, call::model::register_model("other", ""))
        .unwrap()
        .event("ModelRegistered");
    let result = w.chain.call(
        c1,
        call::dataset::train_on(
            Arg::ObjRead(dataset),
            model,
            Arg::ObjRead(addr(&registered.cap_id)),
            1u64,
            SHARE_BPS,
        ),
    );
    assert_abort(result, "model", move_aborts::model::E_WRONG_CAP);
    let (seller, cap) = (w.seller, w.model_cap);
    let result = w.chain.call(
        seller,
        call::dataset::train_on(
            Arg::ObjRead(dataset),
            model,
            Arg::ObjRead(cap),
            2u64,
            SHARE_BPS,
        ),
    );
    assert_abort(result, "model", move_aborts::model::E_VERSION_NOT_FOUND);
    assert_abort(w.train_on(0), "model", move_aborts::model::E_ZERO_SHARE);
    w.train_on(6_000).unwrap();
    let second = w.sealed_dataset("second", 0);
    assert_abort(
        w.train_on_dataset(second, 5_000),
        "model",
        move_aborts::model::E_SHARES_TOO_HIGH,
    );
    for n in 0..15 {
        let more = w.sealed_dataset(&format!("more-{n}"), 1 + n);
        w.train_on_dataset(more, 1).unwrap();
    }
    let seventeenth = w.sealed_dataset("seventeenth", 16);
    assert_abort(
        w.train_on_dataset(seventeenth, 1),
        "model",
        move_aborts::model::E_TOO_MANY_DATASETS,
    );
}

#[test]
fn a_dataset_of_another_version_refuses_to_act() {
    let mut w = setup();
    let dataset = w.dataset;
    w.chain
        .edit_object(dataset, |d: &mut Dataset| d.version = 2);
    let contribution = w.c[0].1;
    let cap = w.dataset_cap;
    assert_abort(
        w.set_weight_with(cap, contribution, 1),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    assert_abort(
        w.train_on(SHARE_BPS),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    assert_abort(w.seal(), "version", move_aborts::version::E_WRONG_VERSION);
    w.chain
        .edit_object(dataset, |d: &mut Dataset| d.version = 0);
    let curator = w.curator;
    w.chain
        .call(curator, call::dataset::migrate(dataset))
        .unwrap();
    assert_abort(
        w.chain.call(curator, call::dataset::migrate(dataset)),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
    w.set_weight(0, 1);
}

// === Scale ===

/// No call loops over contributions: with 1 000 weighted contributions, distributing writes
/// the model and the dataset, and a claim writes the dataset, the claimant's record (one table
/// entry) and the new coin (with gas), exactly as with three.
#[test]
fn distribute_and_claim_touch_the_same_objects_whatever_the_number_of_contributions() {
    fn written_by_distribute_and_claim(w: &mut World) -> (usize, usize) {
        w.seal().unwrap();
        w.train_on(SHARE_BPS).unwrap();
        w.buy();
        let (model, dataset, buyer) = (w.model, w.dataset, w.buyer);
        let distributed = w
            .chain
            .call(buyer, call::dataset::distribute(model, dataset))
            .unwrap();
        let (account, contribution) = w.c[0];
        let claimed = w
            .chain
            .call_keep(
                account,
                call::dataset::claim(dataset, Arg::ObjRead(contribution)),
            )
            .unwrap();
        (
            distributed.record.written.len(),
            claimed.record.written.len(),
        )
    }

    let mut small = setup();
    small.weigh_5_3_2();
    let few = written_by_distribute_and_claim(&mut small);

    let mut large = setup();
    large.weigh_5_3_2();
    let contributor = large.chain.new_account();
    let dataset = large.dataset;
    for i in 0..997u64 {
        let blob = plant_blob(&mut large.chain, contributor, 0x1_0000 + i, true, 2, 0);
        let outcome = large.contribute(contributor, dataset, blob).unwrap();
        let added: ContributionAdded = outcome.event("ContributionAdded");
        let cap = large.dataset_cap;
        large
            .set_weight_with(cap, addr(&added.contribution_id), 1 + i % 7)
            .unwrap();
    }
    assert_eq!(large.dataset().contributions.size, 1_000);
    let many = written_by_distribute_and_claim(&mut large);
    assert_eq!(few, many);
    // The first contributor's weight 5 of 5 + 3 + 2 + 2 989 (997 weights of 1 to 7).
    let total: u64 = 10 + (0..997u64).map(|i| 1 + i % 7).sum::<u64>();
    assert_eq!(large.dataset().total_weight, total);
}

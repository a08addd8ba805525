//! `floe::model` and `floe::license` on the devnet: the scenarios of
//! `move/floe/tests/model_tests.move`, `license_tests.move` and `scenario_license_tests.move`,
//! step by step, with the same expectations (a Move `expected_failure` is a transaction that
//! aborts with the same module and code here).
//!
//! Where the Move tests use test-only shortcuts, these tests take the on-chain route:
//! `blob::certify_for_testing` becomes [`certify_for_testing`] (the registry's index entry
//! written into the ledger, which is all `blob::is_certified` reads), and
//! `model::add_revenue` becomes license sales at a zero protocol fee.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::genesis::NetworkGenesis;
use floe_devnet::runtime::dynamic_field_id;
use floe_sdk::calls;
use floe_sdk::move_types::events::{
    LicenseConsumed, LicenseDestroyed, LicenseExtended, LicenseOfferCreated, LicenseOfferRepriced,
    LicenseOfferStatusChanged, LicensePurchased, ModelDescriptionUpdated, ModelOwnerChanged,
    ModelRegistered, ModelRevenueWithdrawn, ModelVersionPublished, WalBurned,
};
use floe_sdk::move_types::license::{License, LicenseOffer, UseReceipt};
use floe_sdk::move_types::model::{Model, ModelCap, ModelVersion};
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self, ID, MoveString, UID};
use floe_sdk::{move_aborts, move_constants};
use serde::{Deserialize, Serialize};
use sui_sdk_types::{Address, Owner, TypeTag};
use support::{Arg, Chain, Cmd, Failure, GENESIS_MS, Outcome, call, clock, plant_blob, u256};

// === model_tests constants ===

const NOW_MS: u64 = GENESIS_MS;
const BLOB_ID: u64 = 0x1234;
const BLOB_ID_2: u64 = 0x5678;

// === license_tests constants ===

const START_MS: u64 = GENESIS_MS;
/// 1 WAL per window.
const PRICE: u64 = 1_000_000_000;
/// One hour.
const WINDOW_MS: u64 = 3_600_000;
const MAX_WINDOWS: u64 = 24;
const USES: u64 = 3;
const BUYER_FUNDS: u64 = 100_000_000_000;
const MAX_U64: u64 = u64::MAX;
const MAX_LICENSE_MS: u64 = move_constants::license::MAX_LICENSE_MS;
/// `move_constants::system::DEFAULT_LICENSE_FEE_BPS`.
const DEFAULT_LICENSE_FEE_BPS: u64 = 500;

// === Helpers ===
fn addr(id: &ID) -> Address {
    move_types::address_of(id)
}

fn maddr(address: Address) -> moverox::types::Address {
    moverox::types::Address::new(address.into_inner())
}

fn text(s: &str) -> MoveString {
    move_types::move_string(s)
}

/// A string of `n` 'a's.
fn long_string(n: usize) -> String {
    "a".repeat(n)
}

fn assert_abort<T>(result: Result<T, Failure>, module: &str, code: u64) {
    match result {
        Ok(_) => panic!("expected {module} abort {code}, the transaction succeeded"),
        Err(failure) => assert_eq!(failure.abort(), (module.to_owned(), code)),
    }
}

/// A dynamic field `Field<K, V>` as stored.
#[derive(Serialize, Deserialize)]
struct Field<K, V> {
    id: UID,
    name: K,
    value: V,
}

/// `sender` registers a model; the cap goes to `sender`. Returns (model ID, cap ID).
fn register_as(
    chain: &mut Chain,
    sender: Address,
    name: &str,
    description: &str,
) -> Result<(Address, Address), Failure> {
    let outcome = chain.call_keep(sender, call::model::register_model(name, description))?;
    let event: ModelRegistered = outcome.event("ModelRegistered");
    Ok((addr(&event.model_id), addr(&event.cap_id)))
}

/// A model version as stored in `Model.versions`.
fn stored_version(chain: &Chain, model_id: Address, number: u64) -> Option<ModelVersion> {
    let model: Model = chain.object(model_id);
    let table = addr(&model.versions.id.id);
    let id = dynamic_field_id(table, &TypeTag::U64, &number).unwrap();
    chain
        .exists(id)
        .then(|| chain.object::<Field<u64, ModelVersion>>(id).value)
}

// === model_tests ===

/// The `model_tests::setup` world: a `System` (epoch 0), SELLER's certified `Blob` objects of
/// BLOB_ID and BLOB_ID_2 (storage until epoch 2), a clock at NOW_MS, and a model registered by
/// SELLER, who holds its cap.
struct ModelWorld {
    chain: Chain,
    system: Address,
    seller: Address,
    other: Address,
    model: Address,
    cap: Address,
    /// SELLER's `Blob` of BLOB_ID.
    blob: Address,
    /// SELLER's `Blob` of BLOB_ID_2.
    blob_2: Address,
}

fn model_setup() -> ModelWorld {
    let network = NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: 3_600_000,
        nodes: vec![],
    };
    let (mut chain, started) = Chain::with_network(&network);
    assert_eq!(chain.now_ms, NOW_MS);
    let seller = chain.new_account();
    let other = chain.new_account();
    let blob = plant_blob(&mut chain, seller, BLOB_ID, true, 2, 0);
    let blob_2 = plant_blob(&mut chain, seller, BLOB_ID_2, true, 2, 0);
    let (model, cap) = register_as(&mut chain, seller, "floe-llm", "a small model").unwrap();
    ModelWorld {
        chain,
        system: started.system,
        seller,
        other,
        model,
        cap,
        blob,
        blob_2,
    }
}

impl ModelWorld {
    /// `model_tests::publish`: `sender` publishes a version with `cap` and the `Blob` object
    /// `blob`.
    fn publish(
        &mut self,
        sender: Address,
        cap: Address,
        blob: Address,
    ) -> Result<Outcome, Failure> {
        self.publish_with(
            sender,
            cap,
            blob,
            "transformer-7b",
            (1..=32).collect(),
            vec!["accuracy_bps", "f1_bps"],
            vec![9_100, 8_750],
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn publish_with(
        &mut self,
        sender: Address,
        cap: Address,
        blob: Address,
        architecture: &str,
        dataset_hash: Vec<u8>,
        metric_names: Vec<&str>,
        metric_values: Vec<u64>,
    ) -> Result<Outcome, Failure> {
        let system = self.system;
        self.chain.call(
            sender,
            call::model::publish_version(
                self.model,
                cap,
                Arg::ObjRead(system),
                Arg::ObjRead(blob),
                architecture,
                &dataset_hash,
                &metric_names,
                &metric_values,
            ),
        )
    }

    /// A second model registered by `sender`; returns its cap.
    fn other_cap(&mut self, sender: Address) -> Address {
        register_as(&mut self.chain, sender, "other", "").unwrap().1
    }

    fn update_description(
        &mut self,
        sender: Address,
        cap: Address,
        description: &str,
    ) -> Result<Outcome, Failure> {
        self.chain.call(
            sender,
            call::model::update_description(self.model, cap, description),
        )
    }

    fn refresh_owner(&mut self, sender: Address, cap: Address) -> Result<Outcome, Failure> {
        self.chain
            .call(sender, call::model::refresh_owner(self.model, cap))
    }

    fn transfer_cap(&mut self, to: Address) {
        let seller = self.seller;
        self.chain
            .ptb(seller, vec![Cmd::Transfer(vec![Arg::obj(self.cap)], to)])
            .unwrap();
    }

    fn model(&self) -> Model {
        self.chain.object(self.model)
    }
}

#[test]
fn register_model_shares_model_and_returns_cap() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    let outcome = chain
        .call_keep(
            seller,
            call::model::register_model("floe-llm", "a small model"),
        )
        .unwrap();
    let events: Vec<ModelRegistered> = outcome.events_named("ModelRegistered");
    assert_eq!(events.len(), 1);
    let model_id = addr(&events[0].model_id);
    let cap_id = addr(&events[0].cap_id);
    assert_eq!(outcome.created("model", "Model"), vec![model_id]);
    assert_eq!(outcome.created("model", "ModelCap"), vec![cap_id]);
    assert!(matches!(chain.owner(model_id), Owner::Shared(_)));
    assert_eq!(chain.owner(cap_id), Owner::Address(seller));
    assert_eq!(chain.owned(seller, "model", "ModelCap"), vec![cap_id]);
    assert_eq!(events[0].owner, maddr(seller));
    assert_eq!(events[0].name, text("floe-llm"));
    assert_eq!(events[0].description, text("a small model"));

    let cap: ModelCap = chain.object(cap_id);
    assert_eq!(addr(&cap.model_id), model_id);
    let m: Model = chain.object(model_id);
    assert_eq!(addr(&m.cap_id), cap_id);
    assert_eq!(m.owner, maddr(seller));
    assert_eq!(m.name, text("floe-llm"));
    assert_eq!(m.description, text("a small model"));
    assert_eq!(m.versions.size, 0);
    assert_eq!(m.revenue.value, 0);
    assert_eq!(m.total_revenue, 0);

    // The same through the read functions.
    let model_arg = || Arg::ObjRead(model_id);
    let reads = chain
        .ptb(
            seller,
            vec![
                call::model::cap_model_id(cap_id),
                call::model::cap_id(model_arg()),
                call::model::owner(model_arg()),
                call::model::name(model_arg()),
                call::model::description(model_arg()),
                call::model::version_count(model_arg()),
                call::model::revenue(model_arg()),
                call::model::total_revenue(model_arg()),
                call::model::id_bytes(model_arg()),
                call::model::has_version(model_arg(), 1u64),
            ],
        )
        .unwrap();
    assert_eq!(addr(&reads.ret::<ID>(0, 0)), model_id);
    assert_eq!(addr(&reads.ret::<ID>(1, 0)), cap_id);
    assert_eq!(reads.ret::<Address>(2, 0), seller);
    assert_eq!(reads.ret::<String>(3, 0), "floe-llm");
    assert_eq!(reads.ret::<String>(4, 0), "a small model");
    assert_eq!(reads.ret::<u64>(5, 0), 0);
    assert_eq!(reads.ret::<u64>(6, 0), 0);
    assert_eq!(reads.ret::<u64>(7, 0), 0);
    assert_eq!(reads.ret::<Vec<u8>>(8, 0), model_id.as_bytes().to_vec());
    assert!(!reads.ret::<bool>(9, 0));
}

#[test]
fn register_model_accepts_limits() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    register_as(&mut chain, seller, &long_string(128), &long_string(4096)).unwrap();
}

#[test]
fn register_model_empty_name_aborts() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    assert_abort(
        register_as(&mut chain, seller, "", "d"),
        "model",
        move_aborts::model::E_EMPTY_NAME,
    );
}

#[test]
fn register_model_name_too_long_aborts() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    assert_abort(
        register_as(&mut chain, seller, &long_string(129), "d"),
        "model",
        move_aborts::model::E_NAME_TOO_LONG,
    );
}

#[test]
fn register_model_description_too_long_aborts() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    assert_abort(
        register_as(&mut chain, seller, "n", &long_string(4097)),
        "model",
        move_aborts::model::E_DESCRIPTION_TOO_LONG,
    );
}

#[test]
fn register_model_rejects_non_utf8_name() {
    // Sui checks `String` arguments before the call; the Move test cannot express this.
    let mut chain = Chain::new();
    let seller = chain.new_account();
    let failure = chain
        .call_keep(
            seller,
            call::model::register_model(Arg::pure(&vec![0xffu8, 0xfe]), "d"),
        )
        .unwrap_err();
    assert!(
        matches!(
            failure.error,
            sui_sdk_types::ExecutionError::CommandArgumentError { .. }
        ),
        "{:?}",
        failure.error
    );
}

#[test]
fn publish_version_numbers_from_one_and_keeps_versions() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    let first = w.publish(seller, cap, w.blob).unwrap();
    assert_eq!(first.ret::<u64>(0, 0), 1);
    let events: Vec<ModelVersionPublished> = first.events_named("ModelVersionPublished");
    assert_eq!(events.len(), 1);
    assert_eq!(addr(&events[0].model_id), w.model);
    assert_eq!(events[0].version, 1);
    assert_eq!(events[0].blob_id, u256(BLOB_ID));
    assert_eq!(events[0].architecture, text("transformer-7b"));
    assert_eq!(events[0].dataset_hash, (1..=32).collect::<Vec<u8>>());
    assert_eq!(
        events[0].metric_names,
        vec![text("accuracy_bps"), text("f1_bps")]
    );
    assert_eq!(events[0].metric_values, vec![9_100, 8_750]);
    assert_eq!(events[0].publisher, maddr(seller));
    assert_eq!(events[0].published_at_ms, NOW_MS);
    assert_eq!(addr(&events[0].blob_object_id), w.blob);

    w.chain.advance_clock(5_000);
    let second = w
        .publish_with(seller, cap, w.blob_2, "moe-8x7b", vec![], vec![], vec![])
        .unwrap();
    assert_eq!(second.ret::<u64>(0, 0), 2);

    let other = w.other;
    let model_id = w.model;
    let reads = w
        .chain
        .ptb(
            other,
            vec![
                call::model::version_count(Arg::ObjRead(model_id)),
                call::model::has_version(Arg::ObjRead(model_id), 1u64),
                call::model::has_version(Arg::ObjRead(model_id), 2u64),
                call::model::has_version(Arg::ObjRead(model_id), 3u64),
            ],
        )
        .unwrap();
    assert_eq!(reads.ret::<u64>(0, 0), 2);
    assert!(reads.ret::<bool>(1, 0));
    assert!(reads.ret::<bool>(2, 0));
    assert!(!reads.ret::<bool>(3, 0));
    assert_eq!(w.model().versions.size, 2);

    // `model::version` returns a reference (no transaction can call it): read the table.
    let v1 = stored_version(&w.chain, model_id, 1).unwrap();
    assert_eq!(v1.number, 1);
    assert_eq!(v1.blob_id, u256(BLOB_ID));
    assert_eq!(v1.architecture, text("transformer-7b"));
    assert_eq!(v1.dataset_hash.len(), 32);
    assert_eq!(v1.metrics.contents.len(), 2);
    assert_eq!(v1.metrics.contents[0].key, text("accuracy_bps"));
    assert_eq!(v1.metrics.contents[0].value, 9_100);
    assert_eq!(v1.metrics.contents[1].key, text("f1_bps"));
    assert_eq!(v1.metrics.contents[1].value, 8_750);
    assert_eq!(v1.published_at_ms, NOW_MS);
    assert_eq!(v1.publisher, maddr(seller));
    assert_eq!(addr(&v1.blob_object_id), w.blob);

    let v2 = stored_version(&w.chain, model_id, 2).unwrap();
    assert_eq!(v2.number, 2);
    assert_eq!(v2.blob_id, u256(BLOB_ID_2));
    assert_eq!(v2.architecture, text("moe-8x7b"));
    assert!(v2.metrics.contents.is_empty());
    assert_eq!(v2.published_at_ms, NOW_MS + 5_000);
    assert!(stored_version(&w.chain, model_id, 3).is_none());
}

#[test]
fn publish_version_wrong_cap_aborts() {
    let mut w = model_setup();
    let seller = w.seller;
    let other_cap = w.other_cap(seller);
    assert_abort(
        w.publish_with(seller, other_cap, w.blob, "a", vec![], vec![], vec![]),
        "model",
        move_aborts::model::E_WRONG_CAP,
    );
}

#[test]
fn publish_version_uncertified_blob_aborts() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    let uncertified = plant_blob(&mut w.chain, seller, BLOB_ID, false, 2, 1);
    assert_abort(
        w.publish(seller, cap, uncertified),
        "model",
        move_aborts::model::E_BLOB_NOT_CERTIFIED,
    );
    assert_eq!(
        move_aborts::model::E_BLOB_NOT_CERTIFIED,
        move_aborts::model::E_BLOB_NOT_CERTIFIED
    );
}

#[test]
fn publish_version_expired_blob_aborts() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    // Storage that ended by the current epoch (0): certified once, no longer live.
    let expired = plant_blob(&mut w.chain, seller, BLOB_ID, true, 0, 1);
    assert_abort(
        w.publish(seller, cap, expired),
        "model",
        move_aborts::model::E_BLOB_EXPIRED,
    );
    assert_eq!(
        move_aborts::model::E_BLOB_EXPIRED,
        move_aborts::model::E_BLOB_EXPIRED
    );
    // Live until its end epoch: a blob ending at epoch 1 is publishable in epoch 0.
    let last = plant_blob(&mut w.chain, seller, BLOB_ID, true, 1, 2);
    assert_eq!(w.publish(seller, cap, last).unwrap().ret::<u64>(0, 0), 1);
}

/// Issue 12, hole 3: a stranger cannot claim the seller's blob. The chain refuses the seller's
/// owned `Blob` as the stranger's input before anything runs; storing the same bytes gives the
/// stranger its own `Blob` object, and each version records its own object.
#[test]
fn publish_version_claims_only_the_publishers_own_blob_object() {
    let mut w = model_setup();
    let (seller, cap, other) = (w.seller, w.cap, w.other);
    assert_eq!(w.publish(seller, cap, w.blob).unwrap().ret::<u64>(0, 0), 1);

    let (copycat_model, copycat_cap) = register_as(&mut w.chain, other, "copycat", "").unwrap();
    let system = w.system;
    let publish = |blob: Address| {
        call::model::publish_version(
            copycat_model,
            copycat_cap,
            Arg::ObjRead(system),
            Arg::ObjRead(blob),
            "stolen",
            Vec::new(),
            Vec::<String>::new(),
            Vec::new(),
        )
    };
    let rejection = w
        .chain
        .rejection(other, vec![publish(w.blob)])
        .expect("the seller's Blob is not the stranger's input");
    assert!(rejection.contains("not by the sender"), "{rejection}");

    // The stranger's own copy of the same bytes: its own object, its own claim.
    let own = plant_blob(&mut w.chain, other, BLOB_ID, true, 2, 3);
    assert_ne!(own, w.blob);
    let copycat = w.chain.call(other, publish(own)).unwrap();
    let event: ModelVersionPublished = copycat.event("ModelVersionPublished");
    assert_eq!(event.blob_id, u256(BLOB_ID));
    assert_eq!(addr(&event.blob_object_id), own);
    let original = stored_version(&w.chain, w.model, 1).unwrap();
    assert_eq!(addr(&original.blob_object_id), w.blob);
    assert_eq!(original.publisher, maddr(seller));
}

#[test]
fn publish_version_architecture_too_long_aborts() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    assert_abort(
        w.publish_with(
            seller,
            cap,
            w.blob,
            &long_string(129),
            vec![],
            vec![],
            vec![],
        ),
        "model",
        move_aborts::model::E_ARCHITECTURE_TOO_LONG,
    );
}

#[test]
fn publish_version_dataset_hash_too_long_aborts() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    assert_abort(
        w.publish_with(seller, cap, w.blob, "a", vec![1; 65], vec![], vec![]),
        "model",
        move_aborts::model::E_DATASET_HASH_TOO_LONG,
    );
}

#[test]
fn publish_version_metrics_length_mismatch_aborts() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    assert_abort(
        w.publish_with(seller, cap, w.blob, "a", vec![], vec!["acc"], vec![1, 2]),
        "model",
        move_aborts::model::E_METRICS_LENGTH_MISMATCH,
    );
}

#[test]
fn publish_version_too_many_metrics_aborts() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    let names: Vec<String> = (0..33).map(|i| long_string(i + 1)).collect();
    let values: Vec<u64> = (0..33).collect();
    assert_abort(
        w.publish_with(
            seller,
            cap,
            w.blob,
            "a",
            vec![],
            names.iter().map(String::as_str).collect(),
            values,
        ),
        "model",
        move_aborts::model::E_TOO_MANY_METRICS,
    );
}

#[test]
fn publish_version_duplicate_metric_aborts() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    assert_abort(
        w.publish_with(
            seller,
            cap,
            w.blob,
            "a",
            vec![],
            vec!["acc", "acc"],
            vec![1, 2],
        ),
        "model",
        move_aborts::model::E_DUPLICATE_METRIC,
    );
}

#[test]
fn version_missing_aborts() {
    // `model::version` returns a reference and has no handler; `has_version` answers the same
    // question, and the table holds no version 1.
    let mut w = model_setup();
    let (other, model_id) = (w.other, w.model);
    let reads = w
        .chain
        .call(
            other,
            call::model::has_version(Arg::ObjRead(model_id), 1u64),
        )
        .unwrap();
    assert!(!reads.ret::<bool>(0, 0));
    assert!(stored_version(&w.chain, model_id, 1).is_none());
}

#[test]
fn update_description_replaces_it() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    let outcome = w
        .update_description(seller, cap, "now with more layers")
        .unwrap();
    assert_eq!(w.model().description, text("now with more layers"));
    let events: Vec<ModelDescriptionUpdated> = outcome.events_named("ModelDescriptionUpdated");
    assert_eq!(events.len(), 1);
    assert_eq!(addr(&events[0].model_id), w.model);
    assert_eq!(events[0].description, text("now with more layers"));
    assert_eq!(events[0].updated_by, maddr(seller));
}

#[test]
fn update_description_wrong_cap_aborts() {
    let mut w = model_setup();
    let seller = w.seller;
    let other_cap = w.other_cap(seller);
    assert_abort(
        w.update_description(seller, other_cap, "hijacked"),
        "model",
        move_aborts::model::E_WRONG_CAP,
    );
}

#[test]
fn update_description_too_long_aborts() {
    let mut w = model_setup();
    let (seller, cap) = (w.seller, w.cap);
    assert_abort(
        w.update_description(seller, cap, &long_string(4097)),
        "model",
        move_aborts::model::E_DESCRIPTION_TOO_LONG,
    );
}

#[test]
fn withdraw_revenue_takes_everything_accrued() {
    // Revenue of 700 and 300 comes from two sales at a zero protocol fee (the Move test
    // credits it with the package-internal `add_revenue`).
    let mut m = market(0);
    set_license_fee_bps(&mut m, 0);
    let (seller, cap, model_id) = (m.seller, m.cap, m.model);
    let offer = m
        .create(seller, model_id, cap, 100, WINDOW_MS, 10, 0)
        .unwrap();
    let buyer = m.buyer;
    m.buy_from(buyer, offer, 7).unwrap();
    m.buy_from(buyer, offer, 3).unwrap();
    let model: Model = m.chain.object(model_id);
    assert_eq!(model.revenue.value, 1_000);
    assert_eq!(model.total_revenue, 1_000);

    let outcome = m.withdraw(seller).unwrap();
    let event: ModelRevenueWithdrawn = outcome.event("ModelRevenueWithdrawn");
    assert_eq!(addr(&event.model_id), model_id);
    assert_eq!(event.amount, 1_000);
    assert_eq!(event.recipient, maddr(seller));
    assert_eq!(m.chain.wal_balance(seller), 1_000);
    let model: Model = m.chain.object(model_id);
    assert_eq!(model.revenue.value, 0);
    assert_eq!(model.total_revenue, 1_000);
}

#[test]
fn withdraw_revenue_nothing_aborts() {
    let mut w = model_setup();
    let (seller, cap, model_id) = (w.seller, w.cap, w.model);
    assert_abort(
        w.chain
            .call_keep(seller, call::model::withdraw_revenue(model_id, cap)),
        "model",
        move_aborts::model::E_NO_REVENUE,
    );
}

#[test]
fn withdraw_revenue_wrong_cap_aborts() {
    let mut m = market(0);
    let buyer = m.buyer;
    m.buy(buyer, 1).unwrap();
    let other = m.other_seller;
    let (_, other_cap) = register_as(&mut m.chain, other, "other", "").unwrap();
    let model_id = m.model;
    assert_abort(
        m.chain
            .call_keep(other, call::model::withdraw_revenue(model_id, other_cap)),
        "model",
        move_aborts::model::E_WRONG_CAP,
    );
}

#[test]
fn cap_transfer_moves_ownership() {
    let mut w = model_setup();
    let (seller, other, cap) = (w.seller, w.other, w.cap);
    w.transfer_cap(other);
    assert_eq!(w.chain.owner(cap), Owner::Address(other));

    assert_eq!(w.model().owner, maddr(seller));
    let outcome = w.refresh_owner(other, cap).unwrap();
    assert_eq!(w.model().owner, maddr(other));
    let events: Vec<ModelOwnerChanged> = outcome.events_named("ModelOwnerChanged");
    assert_eq!(events.len(), 1);
    assert_eq!(addr(&events[0].model_id), w.model);
    assert_eq!(addr(&events[0].cap_id), cap);
    assert_eq!(events[0].previous_owner, maddr(seller));
    assert_eq!(events[0].new_owner, maddr(other));
    // Refreshing again changes nothing and emits nothing new.
    let again = w.refresh_owner(other, cap).unwrap();
    assert!(
        again
            .events_named::<ModelOwnerChanged>("ModelOwnerChanged")
            .is_empty()
    );

    // The new holder can publish, with a `Blob` object of its own.
    let own = plant_blob(&mut w.chain, other, BLOB_ID, true, 2, 1);
    let published = w.publish(other, cap, own).unwrap();
    assert_eq!(published.ret::<u64>(0, 0), 1);
}

#[test]
fn cap_use_by_new_holder_records_owner() {
    let mut w = model_setup();
    let (other, cap) = (w.other, w.cap);
    w.transfer_cap(other);
    let outcome = w.update_description(other, cap, "new owner").unwrap();
    assert_eq!(w.model().owner, maddr(other));
    assert_eq!(
        outcome
            .events_named::<ModelOwnerChanged>("ModelOwnerChanged")
            .len(),
        1
    );
}

#[test]
fn refresh_owner_wrong_cap_aborts() {
    let mut w = model_setup();
    let seller = w.seller;
    let other_cap = w.other_cap(seller);
    let other = w.other;
    // The other cap goes to OTHER, who tries it on the first model.
    w.chain
        .ptb(
            seller,
            vec![Cmd::Transfer(vec![Arg::obj(other_cap)], other)],
        )
        .unwrap();
    assert_abort(
        w.refresh_owner(other, other_cap),
        "model",
        move_aborts::model::E_WRONG_CAP,
    );
}

// === license_tests ===

/// The `license_tests::setup` world: WAL, a System (10 shards), a clock at START_MS; BUYER
/// holds BUYER_FUNDS and POOR one base unit less than PRICE; SELLER registered a model and
/// opened an offer (PRICE per WINDOW_MS window, at most MAX_WINDOWS, `uses` uses per window)
/// and holds the cap.
struct Market {
    chain: Chain,
    system: Address,
    seller: Address,
    buyer: Address,
    poor: Address,
    other_seller: Address,
    model: Address,
    cap: Address,
    offer: Address,
}

/// The System, created by the publisher with its `AdminCap` as `license_tests::setup` does.
fn create_system(chain: &mut Chain) -> Address {
    let publisher = chain.publisher;
    let admin = chain.genesis.admin_cap;
    let outcome = chain
        .call(
            publisher,
            call::system::create_system(admin, 10u16, 86_400_000u64),
        )
        .unwrap();
    let created = outcome.created("system", "System");
    assert_eq!(created.len(), 1);
    created[0]
}

fn market(uses_per_window: u64) -> Market {
    let mut chain = Chain::new();
    assert_eq!(chain.now_ms, START_MS);
    let system = create_system(&mut chain);
    let seller = chain.new_account();
    let buyer = chain.new_account();
    let poor = chain.new_account();
    let other_seller = chain.new_account();
    chain.give_wal(buyer, BUYER_FUNDS);
    chain.give_wal(poor, PRICE - 1);
    let (model, cap) = register_as(&mut chain, seller, "floe-llm", "weights").unwrap();
    let mut m = Market {
        chain,
        system,
        seller,
        buyer,
        poor,
        other_seller,
        model,
        cap,
        offer: Address::ZERO,
    };
    m.offer = m
        .create(
            seller,
            model,
            cap,
            PRICE,
            WINDOW_MS,
            MAX_WINDOWS,
            uses_per_window,
        )
        .unwrap();
    m
}

/// `sender` sets the System's `license_fee_bps` (the publisher holds the `AdminCap`).
fn set_license_fee_bps(m: &mut Market, bps: u64) {
    let publisher = m.chain.publisher;
    let admin = m.chain.genesis.admin_cap;
    let system = m.system;
    m.chain
        .call(
            publisher,
            call::system::set_license_fee_bps(system, admin, bps),
        )
        .unwrap();
}

fn fee_at(price: u64, bps: u64) -> u64 {
    u64::try_from(u128::from(price) * u128::from(bps) / 10_000).unwrap()
}

impl Market {
    fn fee_bps(&self) -> u64 {
        self.chain.object::<System>(self.system).license_fee_bps
    }

    fn fee_of(&self, price: u64) -> u64 {
        fee_at(price, self.fee_bps())
    }

    fn treasury(&self) -> Treasury {
        self.chain.object(self.chain.genesis.treasury)
    }

    fn offer(&self) -> LicenseOffer {
        self.chain.object(self.offer)
    }

    fn model(&self) -> Model {
        self.chain.object(self.model)
    }

    fn license(&self, id: Address) -> License {
        self.chain.object(id)
    }

    /// `sender` opens an offer on `model` with `cap`; returns its ID (the call's return value).
    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        sender: Address,
        model: Address,
        cap: Address,
        price_per_window: u64,
        window_ms: u64,
        max_windows: u64,
        uses_per_window: u64,
    ) -> Result<Address, Failure> {
        let outcome = self.chain.call(
            sender,
            call::license::create_offer(
                model,
                cap,
                price_per_window,
                window_ms,
                max_windows,
                uses_per_window,
            ),
        )?;
        let id = addr(&outcome.ret::<ID>(0, 0));
        assert_eq!(outcome.created("license", "LicenseOffer"), vec![id]);
        assert!(matches!(self.chain.owner(id), Owner::Shared(_)));
        Ok(id)
    }

    /// `sender`'s only WAL coin.
    fn payment(&self, sender: Address) -> Address {
        let coins = self.chain.wal_coins(sender);
        assert_eq!(coins.len(), 1, "{sender} should hold one WAL coin");
        coins[0].0
    }

    /// `sender` buys `windows` windows of the market's offer (license to the sender).
    fn buy(&mut self, sender: Address, windows: u64) -> Result<Outcome, Failure> {
        let (offer, model) = (self.offer, self.model);
        self.buy_at(sender, offer, model, windows)
    }

    fn buy_from(
        &mut self,
        sender: Address,
        offer: Address,
        windows: u64,
    ) -> Result<Outcome, Failure> {
        let model = self.model;
        self.buy_at(sender, offer, model, windows)
    }

    fn buy_at(
        &mut self,
        sender: Address,
        offer: Address,
        model: Address,
        windows: u64,
    ) -> Result<Outcome, Failure> {
        self.buy_at_most(sender, offer, model, windows, u64::MAX)
    }

    /// `license_tests::buy_at_most`: the purchase bounded by the price the buyer agreed to.
    fn buy_at_most(
        &mut self,
        sender: Address,
        offer: Address,
        model: Address,
        windows: u64,
        max_price: u64,
    ) -> Result<Outcome, Failure> {
        let payment = self.payment(sender);
        // The sdk's typed builder: a change to `purchase`'s Move signature fails to compile here.
        self.chain.tx(sender, |tx| {
            let (offer, model) = (tx.shared(offer), tx.shared(model));
            let payment = tx.owned(payment);
            let license = calls::license::purchase(
                &mut tx.builder,
                &tx.floe,
                offer,
                model,
                payment,
                windows,
                max_price,
            );
            tx.transfer(vec![license], sender);
        })
    }

    /// Buys and returns the new license's ID.
    fn bought(&mut self, sender: Address, windows: u64) -> Address {
        let outcome = self.buy(sender, windows).unwrap();
        license_of(&outcome)
    }

    fn extend(
        &mut self,
        sender: Address,
        license: Address,
        offer: Address,
        model: Address,
        windows: u64,
    ) -> Result<Outcome, Failure> {
        self.extend_at_most(sender, license, offer, model, windows, u64::MAX)
    }

    /// `license_tests::extend_at_most`.
    fn extend_at_most(
        &mut self,
        sender: Address,
        license: Address,
        offer: Address,
        model: Address,
        windows: u64,
        max_price: u64,
    ) -> Result<Outcome, Failure> {
        let payment = self.payment(sender);
        self.chain.tx(sender, |tx| {
            let (offer, model) = (tx.shared(offer), tx.shared(model));
            let (license, payment) = (tx.owned(license), tx.owned(payment));
            calls::license::extend(
                &mut tx.builder,
                &tx.floe,
                license,
                offer,
                model,
                payment,
                windows,
                max_price,
            );
        })
    }

    fn pause(&mut self, sender: Address, cap: Address) -> Result<Outcome, Failure> {
        let pause = call::license::pause_offer(self.offer, cap);
        self.chain.call(sender, pause)
    }

    fn resume(&mut self, sender: Address, cap: Address) -> Result<Outcome, Failure> {
        let resume = call::license::resume_offer(self.offer, cap);
        self.chain.call(sender, resume)
    }

    fn reprice(&mut self, sender: Address, cap: Address, price: u64) -> Result<Outcome, Failure> {
        let reprice = call::license::reprice_offer(self.offer, cap, price);
        self.chain.call(sender, reprice)
    }

    /// `sender` consumes one use of `license`; the receipt goes to the sender, as the PTB
    /// `floe read` sends does.
    fn consume(&mut self, sender: Address, license: Address) -> Result<Outcome, Failure> {
        self.chain.tx(sender, |tx| {
            let license = tx.owned(license);
            let receipt = calls::license::consume(&mut tx.builder, &tx.floe, license);
            tx.transfer(vec![receipt], sender);
        })
    }

    /// Consumes one use and returns the new receipt's ID.
    fn receipt(&mut self, sender: Address, license: Address) -> Address {
        let outcome = self.consume(sender, license).unwrap();
        let created = outcome.created("license", "UseReceipt");
        assert_eq!(created.len(), 1);
        assert_eq!(self.chain.owner(created[0]), Owner::Address(sender));
        created[0]
    }

    fn use_receipt(&self, id: Address) -> UseReceipt {
        self.chain.object(id)
    }

    fn seal_approve_receipt(
        &mut self,
        sender: Address,
        id: Vec<u8>,
        receipt: Address,
    ) -> Result<Outcome, Failure> {
        self.chain
            .call(sender, call::license::seal_approve_receipt(&id, receipt))
    }

    fn is_valid(&mut self, sender: Address, license: Address) -> bool {
        self.chain
            .call(sender, call::license::is_valid(license))
            .unwrap()
            .ret(0, 0)
    }

    fn seal_approve(
        &mut self,
        sender: Address,
        id: Vec<u8>,
        license: Address,
    ) -> Result<Outcome, Failure> {
        self.chain
            .call(sender, call::license::seal_approve(&id, license))
    }

    fn withdraw(&mut self, sender: Address) -> Result<Outcome, Failure> {
        let (model, cap) = (self.model, self.cap);
        self.chain
            .call_keep(sender, call::model::withdraw_revenue(model, cap))
    }

    /// A second model, registered by OTHER_SELLER; returns (model ID, cap ID).
    fn second_model(&mut self) -> (Address, Address) {
        let other = self.other_seller;
        register_as(&mut self.chain, other, "floe-llm", "weights").unwrap()
    }
}

fn license_of(outcome: &Outcome) -> Address {
    let created = outcome.created("license", "License");
    assert_eq!(created.len(), 1);
    created[0]
}

// --- create_offer ---

#[test]
fn create_offer_shares_offer() {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    let (model_id, cap) = register_as(&mut chain, seller, "floe-llm", "weights").unwrap();
    let outcome = chain
        .call(
            seller,
            call::license::create_offer(model_id, cap, PRICE, WINDOW_MS, MAX_WINDOWS, USES),
        )
        .unwrap();
    let offer_id = addr(&outcome.ret::<ID>(0, 0));
    let events: Vec<LicenseOfferCreated> = outcome.events_named("LicenseOfferCreated");
    assert_eq!(events.len(), 1);
    assert_eq!(addr(&events[0].offer_id), offer_id);
    assert_eq!(addr(&events[0].model_id), model_id);
    assert_eq!(events[0].price_per_window, PRICE);
    assert_eq!(events[0].window_ms, WINDOW_MS);
    assert_eq!(events[0].max_windows, MAX_WINDOWS);
    assert_eq!(events[0].uses_per_window, USES);
    assert_eq!(events[0].created_by, maddr(seller));
    assert!(matches!(chain.owner(offer_id), Owner::Shared(_)));

    let buyer = chain.new_account();
    let offer = || Arg::ObjRead(offer_id);
    let reads = chain
        .ptb(
            buyer,
            vec![
                call::license::offer_model_id(offer()),
                call::license::offer_price_per_window(offer()),
                call::license::offer_window_ms(offer()),
                call::license::offer_max_windows(offer()),
                call::license::offer_uses_per_window(offer()),
                call::license::offer_is_paused(offer()),
                call::license::quote(offer(), 5u64),
            ],
        )
        .unwrap();
    assert_eq!(addr(&reads.ret::<ID>(0, 0)), model_id);
    assert_eq!(reads.ret::<u64>(1, 0), PRICE);
    assert_eq!(reads.ret::<u64>(2, 0), WINDOW_MS);
    assert_eq!(reads.ret::<u64>(3, 0), MAX_WINDOWS);
    assert_eq!(reads.ret::<u64>(4, 0), USES);
    assert!(!reads.ret::<bool>(5, 0));
    assert_eq!(reads.ret::<u64>(6, 0), 5 * PRICE);
}

/// A model registered by a fresh seller, on a chain without a System (offers do not need
/// one), as the `create_offer_*` Move tests set up. Returns (chain, seller, model, cap).
fn bare_model() -> (Chain, Address, Address, Address) {
    let mut chain = Chain::new();
    let seller = chain.new_account();
    let (model, cap) = register_as(&mut chain, seller, "floe-llm", "weights").unwrap();
    (chain, seller, model, cap)
}

fn create_offer(
    chain: &mut Chain,
    sender: Address,
    model: Address,
    cap: Address,
    terms: [u64; 4],
) -> Result<Outcome, Failure> {
    let [price, window_ms, max_windows, uses] = terms;
    chain.call(
        sender,
        call::license::create_offer(model, cap, price, window_ms, max_windows, uses),
    )
}

#[test]
fn create_offer_accepts_limits() {
    let (mut chain, seller, model, cap) = bare_model();
    // Exactly 100 years ahead, the largest price and use count that fit.
    let outcome = create_offer(
        &mut chain,
        seller,
        model,
        cap,
        [MAX_U64 / 2, MAX_LICENSE_MS / 2, 2, MAX_U64 / 2],
    )
    .unwrap();
    let offer = addr(&outcome.ret::<ID>(0, 0));
    let quote = chain
        .call(seller, call::license::quote(Arg::ObjRead(offer), 2u64))
        .unwrap();
    assert_eq!(quote.ret::<u64>(0, 0), MAX_U64 - 1);
}

#[test]
fn create_offer_wrong_cap_aborts() {
    let (mut chain, _seller, model, _cap) = bare_model();
    let other = chain.new_account();
    let (_, other_cap) = register_as(&mut chain, other, "floe-llm", "weights").unwrap();
    // OTHER_SELLER's cap controls its own model, not `model`.
    assert_abort(
        create_offer(
            &mut chain,
            other,
            model,
            other_cap,
            [PRICE, WINDOW_MS, MAX_WINDOWS, 0],
        ),
        "license",
        move_aborts::license::E_WRONG_CAP,
    );
}

#[test]
fn create_offer_zero_window_aborts() {
    let (mut chain, seller, model, cap) = bare_model();
    assert_abort(
        create_offer(&mut chain, seller, model, cap, [PRICE, 0, MAX_WINDOWS, 0]),
        "license",
        move_aborts::license::E_ZERO_WINDOW_LENGTH,
    );
}

#[test]
fn create_offer_zero_max_windows_aborts() {
    let (mut chain, seller, model, cap) = bare_model();
    assert_abort(
        create_offer(&mut chain, seller, model, cap, [PRICE, WINDOW_MS, 0, 0]),
        "license",
        move_aborts::license::E_ZERO_MAX_WINDOWS,
    );
}

#[test]
fn create_offer_too_long_aborts() {
    let (mut chain, seller, model, cap) = bare_model();
    assert_abort(
        create_offer(
            &mut chain,
            seller,
            model,
            cap,
            [PRICE, MAX_LICENSE_MS / 2 + 1, 2, 0],
        ),
        "license",
        move_aborts::license::E_LICENSE_TOO_LONG,
    );
}

#[test]
fn create_offer_price_overflow_aborts() {
    let (mut chain, seller, model, cap) = bare_model();
    assert_abort(
        create_offer(
            &mut chain,
            seller,
            model,
            cap,
            [MAX_U64 / 2 + 1, WINDOW_MS, 2, 0],
        ),
        "license",
        move_aborts::license::E_PRICE_OVERFLOW,
    );
}

#[test]
fn create_offer_uses_overflow_aborts() {
    let (mut chain, seller, model, cap) = bare_model();
    assert_abort(
        create_offer(
            &mut chain,
            seller,
            model,
            cap,
            [PRICE, WINDOW_MS, 2, MAX_U64 / 2 + 1],
        ),
        "license",
        move_aborts::license::E_USES_OVERFLOW,
    );
}

// --- pause / resume / reprice ---

#[test]
fn pause_and_resume_offer() {
    let mut m = market(0);
    let (seller, cap) = (m.seller, m.cap);
    let outcome = m.pause(seller, cap).unwrap();
    let events: Vec<LicenseOfferStatusChanged> = outcome.events_named("LicenseOfferStatusChanged");
    assert_eq!(events.len(), 1);
    assert_eq!(addr(&events[0].offer_id), m.offer);
    assert_eq!(addr(&events[0].model_id), m.model);
    assert!(events[0].paused);
    assert!(m.offer().paused);
    let offer = m.offer;
    let read = m
        .chain
        .call(seller, call::license::offer_is_paused(Arg::ObjRead(offer)))
        .unwrap();
    assert!(read.ret::<bool>(0, 0));

    let outcome = m.resume(seller, cap).unwrap();
    let events: Vec<LicenseOfferStatusChanged> = outcome.events_named("LicenseOfferStatusChanged");
    assert_eq!(events.len(), 1);
    assert!(!events[0].paused);
    assert!(!m.offer().paused);
}

#[test]
fn pause_offer_wrong_cap_aborts() {
    let mut m = market(0);
    let (_, other_cap) = m.second_model();
    let other = m.other_seller;
    assert_abort(
        m.pause(other, other_cap),
        "license",
        move_aborts::license::E_WRONG_CAP,
    );
}

#[test]
fn pause_offer_twice_aborts() {
    let mut m = market(0);
    let (seller, cap) = (m.seller, m.cap);
    m.pause(seller, cap).unwrap();
    assert_abort(
        m.pause(seller, cap),
        "license",
        move_aborts::license::E_OFFER_ALREADY_PAUSED,
    );
}

#[test]
fn resume_offer_wrong_cap_aborts() {
    let mut m = market(0);
    let (seller, cap) = (m.seller, m.cap);
    m.pause(seller, cap).unwrap();
    let (_, other_cap) = m.second_model();
    let other = m.other_seller;
    assert_abort(
        m.resume(other, other_cap),
        "license",
        move_aborts::license::E_WRONG_CAP,
    );
}

#[test]
fn resume_offer_not_paused_aborts() {
    let mut m = market(0);
    let (seller, cap) = (m.seller, m.cap);
    assert_abort(
        m.resume(seller, cap),
        "license",
        move_aborts::license::E_OFFER_NOT_PAUSED,
    );
}

#[test]
fn reprice_offer_changes_future_price() {
    let mut m = market(0);
    let (seller, cap, buyer) = (m.seller, m.cap, m.buyer);
    let outcome = m.reprice(seller, cap, 2 * PRICE).unwrap();
    let event: LicenseOfferRepriced = outcome.event("LicenseOfferRepriced");
    assert_eq!(addr(&event.offer_id), m.offer);
    assert_eq!(addr(&event.model_id), m.model);
    assert_eq!(event.old_price_per_window, PRICE);
    assert_eq!(event.new_price_per_window, 2 * PRICE);
    m.buy(buyer, 3).unwrap();
    assert_eq!(m.chain.wal_balance(buyer), BUYER_FUNDS - 6 * PRICE);
}

#[test]
fn reprice_offer_wrong_cap_aborts() {
    let mut m = market(0);
    let (_, other_cap) = m.second_model();
    let other = m.other_seller;
    assert_abort(
        m.reprice(other, other_cap, 1),
        "license",
        move_aborts::license::E_WRONG_CAP,
    );
}

#[test]
fn reprice_offer_overflow_aborts() {
    let mut m = market(0);
    let (seller, cap) = (m.seller, m.cap);
    assert_abort(
        m.reprice(seller, cap, MAX_U64 / MAX_WINDOWS + 1),
        "license",
        move_aborts::license::E_PRICE_OVERFLOW,
    );
}

// --- purchase ---

#[test]
fn purchase_splits_payment_burns_fee_and_credits_seller() {
    let mut m = market(0);
    let buyer = m.buyer;
    let windows = 3;
    let price = windows * PRICE;
    let fee = m.fee_of(price);
    assert!(fee > 0);
    assert_eq!(m.fee_bps(), DEFAULT_LICENSE_FEE_BPS);
    let supply_before = m.treasury().cap.total_supply.value;
    let burned_before = m.treasury().total_burned;

    let outcome = m.buy(buyer, windows).unwrap();
    let license_id = license_of(&outcome);

    // The change stays in the payment coin; every unit of the price is burned or credited.
    assert_eq!(m.chain.wal_balance(buyer), BUYER_FUNDS - price);
    assert_eq!(m.treasury().cap.total_supply.value, supply_before - fee);
    assert_eq!(m.treasury().total_burned, burned_before + fee);
    assert_eq!(m.model().revenue.value, price - fee);
    assert_eq!(m.model().total_revenue, price - fee);

    let event: LicensePurchased = outcome.event("LicensePurchased");
    assert_eq!(addr(&event.license_id), license_id);
    assert_eq!(addr(&event.offer_id), m.offer);
    assert_eq!(addr(&event.model_id), m.model);
    assert_eq!(event.buyer, maddr(buyer));
    assert_eq!(event.windows, windows);
    assert_eq!(event.price, price);
    assert_eq!(event.fee_burned, fee);
    assert_eq!(event.seller_revenue, price - fee);
    assert_eq!(event.expires_at_ms, START_MS + 3 * WINDOW_MS);
    assert!(!event.use_limited);
    assert_eq!(event.uses_left, 0);
    assert_eq!(event.timestamp_ms, START_MS);
    let burned: WalBurned = outcome.event("WalBurned");
    assert_eq!(burned.amount, fee);
    assert_eq!(burned.source, move_constants::wal::SOURCE_LICENSE_FEE);

    assert_eq!(m.chain.owner(license_id), Owner::Address(buyer));
    let license = m.license(license_id);
    assert_eq!(addr(&license.model_id), m.model);
    assert_eq!(addr(&license.offer_id), m.offer);
    assert_eq!(license.holder, maddr(buyer));
    assert_eq!(license.expires_at_ms, START_MS + 3 * WINDOW_MS);
    assert!(!license.use_limited);
    assert_eq!(license.uses_left, 0);
    assert!(m.is_valid(buyer, license_id));

    // The same through the read functions.
    let l = || Arg::obj(license_id);
    let reads = m
        .chain
        .ptb(
            buyer,
            vec![
                call::license::model_id(l()),
                call::license::offer_id(l()),
                call::license::holder(l()),
                call::license::expires_at_ms(l()),
                call::license::is_use_limited(l()),
                call::license::uses_left(l()),
            ],
        )
        .unwrap();
    assert_eq!(addr(&reads.ret::<ID>(0, 0)), m.model);
    assert_eq!(addr(&reads.ret::<ID>(1, 0)), m.offer);
    assert_eq!(reads.ret::<Address>(2, 0), buyer);
    assert_eq!(reads.ret::<u64>(3, 0), START_MS + 3 * WINDOW_MS);
    assert!(!reads.ret::<bool>(4, 0));
    assert_eq!(reads.ret::<u64>(5, 0), 0);
}

#[test]
fn purchase_use_limited_grants_uses_per_window() {
    let mut m = market(USES);
    let buyer = m.buyer;
    let license_id = m.bought(buyer, 2);
    let license = m.license(license_id);
    assert!(license.use_limited);
    assert_eq!(license.uses_left, 2 * USES);
    assert!(m.is_valid(buyer, license_id));
}

#[test]
fn purchase_exact_payment_leaves_zero_coin() {
    let mut m = market(0);
    let (seller, cap, poor) = (m.seller, m.cap, m.poor);
    // POOR holds PRICE - 1; reprice to exactly that.
    m.reprice(seller, cap, PRICE - 1).unwrap();
    let coin = m.payment(poor);
    m.buy(poor, 1).unwrap();
    assert_eq!(m.chain.wal_coins(poor), vec![(coin, 0)]);
}

#[test]
fn purchase_wrong_model_aborts() {
    let mut m = market(0);
    let (other_model, _) = m.second_model();
    let (buyer, offer) = (m.buyer, m.offer);
    assert_abort(
        m.buy_at(buyer, offer, other_model, 1),
        "license",
        move_aborts::license::E_WRONG_MODEL,
    );
}

#[test]
fn purchase_paused_offer_aborts() {
    let mut m = market(0);
    let (seller, cap, buyer) = (m.seller, m.cap, m.buyer);
    m.pause(seller, cap).unwrap();
    assert_abort(
        m.buy(buyer, 1),
        "license",
        move_aborts::license::E_OFFER_PAUSED,
    );
}

#[test]
fn purchase_zero_windows_aborts() {
    let mut m = market(0);
    let buyer = m.buyer;
    assert_abort(
        m.buy(buyer, 0),
        "license",
        move_aborts::license::E_ZERO_WINDOWS,
    );
}

#[test]
fn purchase_too_many_windows_aborts() {
    let mut m = market(0);
    let buyer = m.buyer;
    assert_abort(
        m.buy(buyer, MAX_WINDOWS + 1),
        "license",
        move_aborts::license::E_TOO_MANY_WINDOWS,
    );
}

#[test]
fn purchase_insufficient_payment_aborts() {
    let mut m = market(0);
    let poor = m.poor;
    assert_abort(
        m.buy(poor, 1),
        "license",
        move_aborts::license::E_INSUFFICIENT_PAYMENT,
    );
    // Nothing moved.
    assert_eq!(m.chain.wal_balance(poor), PRICE - 1);
    assert_eq!(m.model().revenue.value, 0);
}

/// `license_tests::purchase_after_a_reprice_above_the_quote_aborts`, the attack of issue 12,
/// item 5: quoted 3 windows at PRICE, the seller raises the price tenfold before the purchase
/// executes; the purchase, bounded by the quote, aborts and the buyer keeps every WAL.
#[test]
fn purchase_after_a_reprice_above_the_quote_aborts() {
    let mut m = market(0);
    let (seller, cap, buyer, offer, model) = (m.seller, m.cap, m.buyer, m.offer, m.model);
    let quoted: u64 = m
        .chain
        .call(buyer, call::license::quote(Arg::ObjRead(offer), 3u64))
        .unwrap()
        .ret(0, 0);
    assert_eq!(quoted, 3 * PRICE);
    m.reprice(seller, cap, 10 * PRICE).unwrap();
    assert_abort(
        m.buy_at_most(buyer, offer, model, 3, quoted),
        "license",
        move_aborts::license::E_PRICE_ABOVE_MAX,
    );
    assert_eq!(
        move_aborts::license::E_PRICE_ABOVE_MAX,
        move_aborts::license::E_PRICE_ABOVE_MAX
    );
    assert_eq!(m.chain.wal_balance(buyer), BUYER_FUNDS);
}

/// `license_tests::purchase_within_the_quote_pays_the_price_now`.
#[test]
fn purchase_within_the_quote_pays_the_price_now() {
    let mut m = market(0);
    let (seller, cap, buyer, offer, model) = (m.seller, m.cap, m.buyer, m.offer, m.model);
    m.reprice(seller, cap, PRICE / 2).unwrap();
    m.buy_at_most(buyer, offer, model, 2, 2 * PRICE).unwrap();
    assert_eq!(m.chain.wal_balance(buyer), BUYER_FUNDS - PRICE);
}

// --- extend ---

/// `license_tests::extend_after_a_reprice_above_the_quote_aborts`.
#[test]
fn extend_after_a_reprice_above_the_quote_aborts() {
    let mut m = market(0);
    let (seller, cap, buyer, offer, model) = (m.seller, m.cap, m.buyer, m.offer, m.model);
    let license = m.bought(buyer, 1);
    m.reprice(seller, cap, 2 * PRICE).unwrap();
    assert_abort(
        m.extend_at_most(buyer, license, offer, model, 1, PRICE),
        "license",
        move_aborts::license::E_PRICE_ABOVE_MAX,
    );
    assert_eq!(m.chain.wal_balance(buyer), BUYER_FUNDS - PRICE);
}

#[test]
fn extend_unexpired_adds_from_expiry() {
    let mut m = market(USES);
    let (buyer, offer, model) = (m.buyer, m.offer, m.model);
    let license = m.bought(buyer, 2);
    m.consume(buyer, license).unwrap();
    m.chain.advance_clock(WINDOW_MS);
    let outcome = m.extend(buyer, license, offer, model, 3).unwrap();
    let price = 3 * PRICE;
    let fee = m.fee_of(price);
    let event: LicenseExtended = outcome.event("LicenseExtended");
    assert_eq!(addr(&event.license_id), license);
    assert_eq!(addr(&event.offer_id), offer);
    assert_eq!(addr(&event.model_id), model);
    assert_eq!(event.payer, maddr(buyer));
    assert_eq!(event.windows, 3);
    assert_eq!(event.price, price);
    assert_eq!(event.fee_burned, fee);
    assert_eq!(event.seller_revenue, price - fee);
    assert_eq!(event.expires_at_ms, START_MS + 5 * WINDOW_MS);
    assert_eq!(event.uses_left, 5 * USES - 1);
    assert_eq!(event.timestamp_ms, START_MS + WINDOW_MS);
    assert_eq!(m.license(license).expires_at_ms, START_MS + 5 * WINDOW_MS);
    assert_eq!(m.license(license).uses_left, 5 * USES - 1);
    assert_eq!(m.chain.wal_balance(buyer), BUYER_FUNDS - 5 * PRICE);
}

#[test]
fn extend_expired_restarts_from_now() {
    let mut m = market(USES);
    let (buyer, offer, model) = (m.buyer, m.offer, m.model);
    let license = m.bought(buyer, 1);
    m.consume(buyer, license).unwrap();
    m.chain.advance_clock(2 * WINDOW_MS + 7);
    assert!(!m.is_valid(buyer, license));
    m.extend(buyer, license, offer, model, 2).unwrap();
    // Unused uses of the lapsed period do not carry over.
    assert_eq!(
        m.license(license).expires_at_ms,
        START_MS + 4 * WINDOW_MS + 7
    );
    assert_eq!(m.license(license).uses_left, 2 * USES);
    assert!(m.is_valid(buyer, license));
}

#[test]
fn extend_wrong_offer_aborts() {
    let mut m = market(0);
    let (seller, cap, buyer, model) = (m.seller, m.cap, m.buyer, m.model);
    let license = m.bought(buyer, 1);
    let other_offer = m
        .create(seller, model, cap, 1, WINDOW_MS, MAX_WINDOWS, 0)
        .unwrap();
    assert_abort(
        m.extend(buyer, license, other_offer, model, 1),
        "license",
        move_aborts::license::E_WRONG_OFFER,
    );
}

#[test]
fn extend_wrong_model_aborts() {
    let mut m = market(0);
    let (buyer, offer) = (m.buyer, m.offer);
    let license = m.bought(buyer, 1);
    let (other_model, _) = m.second_model();
    assert_abort(
        m.extend(buyer, license, offer, other_model, 1),
        "license",
        move_aborts::license::E_WRONG_MODEL,
    );
}

#[test]
fn extend_paused_offer_aborts() {
    let mut m = market(0);
    let (seller, cap, buyer, offer, model) = (m.seller, m.cap, m.buyer, m.offer, m.model);
    let license = m.bought(buyer, 1);
    m.pause(seller, cap).unwrap();
    assert_abort(
        m.extend(buyer, license, offer, model, 1),
        "license",
        move_aborts::license::E_OFFER_PAUSED,
    );
}

#[test]
fn extend_zero_windows_aborts() {
    let mut m = market(0);
    let (buyer, offer, model) = (m.buyer, m.offer, m.model);
    let license = m.bought(buyer, 1);
    assert_abort(
        m.extend(buyer, license, offer, model, 0),
        "license",
        move_aborts::license::E_ZERO_WINDOWS,
    );
}

#[test]
fn extend_too_many_windows_aborts() {
    let mut m = market(0);
    let (buyer, offer, model) = (m.buyer, m.offer, m.model);
    let license = m.bought(buyer, 1);
    assert_abort(
        m.extend(buyer, license, offer, model, MAX_WINDOWS + 1),
        "license",
        move_aborts::license::E_TOO_MANY_WINDOWS,
    );
}

#[test]
fn extend_beyond_max_windows_ahead_aborts() {
    let mut m = market(0);
    let (buyer, offer, model) = (m.buyer, m.offer, m.model);
    let license = m.bought(buyer, MAX_WINDOWS);
    // Already MAX_WINDOWS windows ahead of now: one more is too many.
    assert_abort(
        m.extend(buyer, license, offer, model, 1),
        "license",
        move_aborts::license::E_TOO_MANY_WINDOWS,
    );
}

#[test]
fn extend_insufficient_payment_aborts() {
    let mut m = market(0);
    let (buyer, poor, offer, model) = (m.buyer, m.poor, m.offer, m.model);
    let license = m.bought(buyer, 1);
    // The license changes hands; its new holder cannot pay for an extension.
    m.chain
        .ptb(buyer, vec![Cmd::Transfer(vec![Arg::obj(license)], poor)])
        .unwrap();
    assert_abort(
        m.extend(poor, license, offer, model, 1),
        "license",
        move_aborts::license::E_INSUFFICIENT_PAYMENT,
    );
}

// --- consume / is_valid / seal_approve ---

#[test]
fn consume_counts_down_use_limited_license() {
    let mut m = market(USES);
    let buyer = m.buyer;
    let license = m.bought(buyer, 1);
    for i in 0..USES {
        assert!(m.is_valid(buyer, license));
        let outcome = m.consume(buyer, license).unwrap();
        let event: LicenseConsumed = outcome.event("LicenseConsumed");
        assert_eq!(addr(&event.license_id), license);
        assert_eq!(addr(&event.model_id), m.model);
        assert_eq!(event.uses_left, USES - 1 - i);
        assert_eq!(event.timestamp_ms, START_MS);
    }
    assert_eq!(m.license(license).uses_left, 0);
    assert!(!m.is_valid(buyer, license));
}

#[test]
fn consume_leaves_unlimited_license_unchanged() {
    let mut m = market(0);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    m.consume(buyer, license).unwrap();
    m.consume(buyer, license).unwrap();
    assert_eq!(m.license(license).uses_left, 0);
    assert!(m.is_valid(buyer, license));
    let approved = m
        .seal_approve(buyer, model.as_bytes().to_vec(), license)
        .unwrap();
    assert!(approved.outputs[0].is_empty());
}

#[test]
fn consume_expired_aborts() {
    let mut m = market(USES);
    let buyer = m.buyer;
    let license = m.bought(buyer, 1);
    m.chain.advance_clock(WINDOW_MS);
    assert_abort(
        m.consume(buyer, license),
        "license",
        move_aborts::license::E_LICENSE_EXPIRED,
    );
}

#[test]
fn consume_no_uses_left_aborts() {
    let mut m = market(1);
    let buyer = m.buyer;
    let license = m.bought(buyer, 1);
    m.consume(buyer, license).unwrap();
    assert_abort(
        m.consume(buyer, license),
        "license",
        move_aborts::license::E_NO_USES_LEFT,
    );
}

#[test]
fn seal_approve_accepts_model_id_bytes() {
    let mut m = market(0);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    // The identity is `model::id_bytes`, read in the same transaction and passed on.
    let outcome = m
        .chain
        .ptb(
            buyer,
            vec![
                call::model::id_bytes(Arg::ObjRead(model)),
                call::license::seal_approve(Arg::Result(0), license),
            ],
        )
        .unwrap();
    assert!(outcome.outputs[1].is_empty());
}

#[test]
fn seal_approve_wrong_id_aborts() {
    let mut m = market(0);
    let (buyer, offer) = (m.buyer, m.offer);
    let license = m.bought(buyer, 1);
    assert_abort(
        m.seal_approve(buyer, offer.as_bytes().to_vec(), license),
        "license",
        move_aborts::license::E_WRONG_ID,
    );
}

/// A use-limited license is never approved by itself, even with uses left.
#[test]
fn seal_approve_use_limited_aborts() {
    let mut m = market(USES);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    assert_abort(
        m.seal_approve(buyer, model.as_bytes().to_vec(), license),
        "license",
        move_aborts::license::E_USE_LIMITED_NEEDS_RECEIPT,
    );
}

#[test]
fn seal_approve_expired_aborts() {
    let mut m = market(0);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    m.chain.advance_clock(WINDOW_MS);
    assert_abort(
        m.seal_approve(buyer, model.as_bytes().to_vec(), license),
        "license",
        move_aborts::license::E_LICENSE_EXPIRED,
    );
}

// --- UseReceipt / seal_approve_receipt ---

/// `move_constants::license::RECEIPT_TTL_MS`, from the Move source.
fn receipt_ttl_ms() -> u64 {
    move_constants::license::RECEIPT_TTL_MS
}

#[test]
fn consume_returns_a_receipt_for_the_sender() {
    let mut m = market(USES);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    let outcome = m.consume(buyer, license).unwrap();
    let event: LicenseConsumed = outcome.event("LicenseConsumed");
    assert_eq!(event.uses_left, USES - 1);
    let created = outcome.created("license", "UseReceipt");
    assert_eq!(created.len(), 1);
    let receipt = m.use_receipt(created[0]);
    assert_eq!(addr(&receipt.license_id), license);
    assert_eq!(addr(&receipt.model_id), model);
    assert_eq!(receipt.consumer, maddr(buyer));
    assert_eq!(receipt.consumed_at_ms, START_MS);
    assert_eq!(receipt.expires_at_ms, START_MS + receipt_ttl_ms());
    assert_eq!(m.license(license).uses_left, USES - 1);
    let approved = m
        .seal_approve_receipt(buyer, model.as_bytes().to_vec(), created[0])
        .unwrap();
    assert!(approved.outputs[0].is_empty());
    // The reads return the fields.
    let consumer: moverox::types::Address = m
        .chain
        .call(buyer, call::license::receipt_consumer(created[0]))
        .unwrap()
        .ret(0, 0);
    assert_eq!(consumer, maddr(buyer));
}

/// The receipt must be placed: a transaction that drops it fails, as on Sui (no `drop`).
#[test]
fn an_unplaced_receipt_fails_the_transaction() {
    let mut m = market(USES);
    let buyer = m.buyer;
    let license = m.bought(buyer, 1);
    let failure = m
        .chain
        .tx(buyer, |tx| {
            let license = tx.owned(license);
            calls::license::consume(&mut tx.builder, &tx.floe, license);
        })
        .unwrap_err();
    assert!(
        matches!(
            failure.error,
            sui_sdk_types::ExecutionError::UnusedValueWithoutDrop { .. }
        ),
        "{:?}",
        failure.error
    );
    assert_eq!(m.license(license).uses_left, USES);
}

#[test]
fn a_receipt_ends_with_its_license() {
    let mut m = market(USES);
    let buyer = m.buyer;
    let license = m.bought(buyer, 1);
    let expiry = m.license(license).expires_at_ms;
    m.chain.now_ms = expiry - 1000;
    let receipt = m.receipt(buyer, license);
    assert_eq!(m.use_receipt(receipt).expires_at_ms, expiry);
}

#[test]
fn consume_unlimited_gives_a_receipt() {
    let mut m = market(0);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    let receipt = m.receipt(buyer, license);
    assert_eq!(m.license(license).uses_left, 0);
    assert!(m.is_valid(buyer, license));
    m.seal_approve_receipt(buyer, model.as_bytes().to_vec(), receipt)
        .unwrap();
}

#[test]
fn seal_approve_receipt_wrong_id_aborts() {
    let mut m = market(USES);
    let (buyer, offer) = (m.buyer, m.offer);
    let license = m.bought(buyer, 1);
    let receipt = m.receipt(buyer, license);
    assert_abort(
        m.seal_approve_receipt(buyer, offer.as_bytes().to_vec(), receipt),
        "license",
        move_aborts::license::E_WRONG_ID,
    );
}

#[test]
fn seal_approve_receipt_expired_aborts() {
    let mut m = market(USES);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    let receipt = m.receipt(buyer, license);
    m.chain.now_ms = m.use_receipt(receipt).expires_at_ms;
    assert_abort(
        m.seal_approve_receipt(buyer, model.as_bytes().to_vec(), receipt),
        "license",
        move_aborts::license::E_RECEIPT_EXPIRED,
    );
}

#[test]
fn destroy_receipt_deletes_it() {
    let mut m = market(USES);
    let buyer = m.buyer;
    let license = m.bought(buyer, 1);
    let receipt = m.receipt(buyer, license);
    let outcome = m
        .chain
        .call(buyer, call::license::destroy_receipt(receipt))
        .unwrap();
    assert!(!m.chain.exists(receipt));
    assert!(outcome.record.deleted.contains(&receipt));
}

// --- destroy / quote / revenue ---

#[test]
fn destroy_deletes_license() {
    let mut m = market(0);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    let outcome = m
        .chain
        .call(buyer, call::license::destroy(license))
        .unwrap();
    let event: LicenseDestroyed = outcome.event("LicenseDestroyed");
    assert_eq!(addr(&event.license_id), license);
    assert_eq!(addr(&event.model_id), model);
    assert!(!m.chain.exists(license));
    assert!(outcome.record.deleted.contains(&license));
}

#[test]
fn quote_too_many_windows_aborts() {
    let mut m = market(0);
    let (buyer, offer) = (m.buyer, m.offer);
    assert_abort(
        m.chain.call(
            buyer,
            call::license::quote(Arg::ObjRead(offer), MAX_WINDOWS + 1),
        ),
        "license",
        move_aborts::license::E_TOO_MANY_WINDOWS,
    );
}

#[test]
fn seller_withdraws_sale_revenue() {
    let mut m = market(0);
    let (buyer, seller) = (m.buyer, m.seller);
    m.buy(buyer, 4).unwrap();
    let fee = m.fee_of(4 * PRICE);
    let outcome = m.withdraw(seller).unwrap();
    let event: ModelRevenueWithdrawn = outcome.event("ModelRevenueWithdrawn");
    assert_eq!(event.amount, 4 * PRICE - fee);
    assert_eq!(m.chain.wal_balance(seller), 4 * PRICE - fee);
    assert_eq!(m.model().revenue.value, 0);
}

// === scenario_license_tests ===

/// A license expiring: valid (and approved by the Seal policy) until the clock reaches its
/// expiry, then `is_valid` turns false and `seal_approve` aborts `ELicenseExpired`.
#[test]
fn a_license_expiring() {
    let mut m = market(0);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 2);
    assert_eq!(m.chain.owned(buyer, "license", "License"), vec![license]);
    let id = model.as_bytes().to_vec();
    let expiry = m.license(license).expires_at_ms;
    assert_eq!(expiry, START_MS + 2 * WINDOW_MS);
    assert!(m.is_valid(buyer, license));
    m.seal_approve(buyer, id.clone(), license).unwrap();

    // One millisecond before expiry: still valid.
    m.chain.now_ms = expiry - 1;
    assert!(m.is_valid(buyer, license));
    m.seal_approve(buyer, id.clone(), license).unwrap();

    // At expiry: no longer valid, and the Seal policy refuses.
    m.chain.now_ms = expiry;
    assert!(!m.is_valid(buyer, license));
    assert_abort(
        m.seal_approve(buyer, id, license),
        "license",
        move_aborts::license::E_LICENSE_EXPIRED,
    );
}

/// Several sales and an extension: the total supply of WAL falls by exactly the protocol
/// fees, and every unit paid is either burned or withdrawn by the seller.
#[test]
fn license_fees_burn_from_total_supply() {
    let mut m = market(0);
    let (buyer, seller, offer, model) = (m.buyer, m.seller, m.offer, m.model);
    let supply_before = m.treasury().cap.total_supply.value;

    m.bought(buyer, 3);
    m.bought(buyer, 1);
    m.chain.advance_clock(WINDOW_MS / 2);
    let third = m.bought(buyer, 2);
    m.extend(buyer, third, offer, model, 5).unwrap();
    let paid = (3 + 1 + 2 + 5) * PRICE;
    let bps = m.fee_bps();
    let fees = fee_at(3 * PRICE, bps)
        + fee_at(PRICE, bps)
        + fee_at(2 * PRICE, bps)
        + fee_at(5 * PRICE, bps);
    assert!(fees > 0);

    assert_eq!(m.treasury().cap.total_supply.value, supply_before - fees);
    assert_eq!(m.chain.wal_balance(buyer), BUYER_FUNDS - paid);

    assert_eq!(m.model().total_revenue, paid - fees);
    let outcome = m.withdraw(seller).unwrap();
    let event: ModelRevenueWithdrawn = outcome.event("ModelRevenueWithdrawn");
    // Nothing lost: burned + withdrawn = paid.
    assert_eq!(event.amount + fees, paid);
    assert_eq!(m.chain.wal_balance(seller), paid - fees);

    for license in m.chain.owned(buyer, "license", "License") {
        m.chain
            .call(buyer, call::license::destroy(license))
            .unwrap();
    }
    assert!(m.chain.owned(buyer, "license", "License").is_empty());
}

// === Beyond the Move tests ===

/// Functions that return references, `public(package)` and `#[test_only]` functions have no
/// handler: no transaction can call them on Sui either.
#[test]
fn reference_package_and_test_only_functions_are_not_callable() {
    let mut m = market(0);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    let calls: [(&str, &str, Vec<Arg>); 5] = [
        (
            "model",
            "version",
            vec![Arg::ObjRead(model), Arg::pure(&1u64)],
        ),
        ("model", "add_revenue", vec![Arg::obj(model)]),
        ("model", "authorize", vec![Arg::obj(model)]),
        (
            "license",
            "seal_approve_for_testing",
            vec![
                Arg::pure(&model.as_bytes().to_vec()),
                Arg::obj(license),
                clock(),
            ],
        ),
        ("license", "take_payment", vec![]),
    ];
    for (module, function, args) in calls {
        // By name on purpose: `support::call` has no constructor for a function no transaction
        // may call, and that refusal is what this test checks.
        let by_name = Cmd::call(module, function, args);
        let failure = m.chain.call(buyer, by_name).unwrap_err();
        assert_eq!(
            failure.error,
            sui_sdk_types::ExecutionError::FunctionNotFound,
            "{module}::{function}"
        );
    }
}

/// The whole market on a real storage network: a blob stored and certified by the genesis
/// committee (real encoder metadata and BLS signatures) becomes a model version; a buyer
/// licenses the model, and the Seal policy approves the model's ID with that license.
#[test]
fn a_model_on_a_really_certified_blob_is_licensed_and_approved() {
    use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
    use floe_encoder::EncodingConfig;
    use floe_sdk::bls::{self, BlsKeyPair};
    use floe_sdk::committee::Committee;

    const N_SHARDS: u16 = 10;
    let publisher = Chain::publisher_address();
    let keys: Vec<BlsKeyPair> = (0..4u8)
        .map(|i| BlsKeyPair::from_seed(&[0x40 + i; 32]).unwrap())
        .collect();
    let network = NetworkGenesis {
        n_shards: N_SHARDS,
        epoch_duration_ms: 86_400_000,
        nodes: keys
            .iter()
            .enumerate()
            .map(|(i, key)| GenesisNode {
                name: format!("node-{i}"),
                network_address: format!("127.0.0.1:{}", 9200 + i),
                bls_public_key: key.public_key().to_vec(),
                proof_of_possession: key.proof_of_possession(publisher).to_vec(),
                commission_bps: 500,
                stake: 1_000 * PRICE,
                operator: Address::new([0xd0 + i as u8; 32]),
            })
            .collect(),
    };
    let (mut chain, started) = Chain::with_network(&network);
    let seller = chain.new_account();
    let buyer = chain.new_account();
    let payment = chain.give_wal(seller, 100 * PRICE);
    chain.give_wal(buyer, BUYER_FUNDS);

    // The seller stores the weights: reserve, register, certify with a quorum.
    let weights: Vec<u8> = (0..20_000u32).map(|i| (i * 13 + 5) as u8).collect();
    let config = EncodingConfig::new(usize::from(N_SHARDS)).unwrap();
    let metadata = floe_encoder::compute_metadata(&config, &weights.as_slice()).unwrap();
    let blob_id = metadata.blob_id().0;
    let registry = chain.genesis.blob_registry;
    let registered = chain
        .ptb(
            seller,
            vec![
                call::blob::reserve_space(started.system, weights.len() as u64, 2u64, payment),
                call::blob::register_blob(
                    started.system,
                    registry,
                    Arg::Result(0),
                    move_types::u256_from_le(blob_id),
                    move_types::u256_from_le(metadata.root()),
                    weights.len() as u64,
                    1u8,
                    false,
                    payment,
                ),
                Cmd::Transfer(vec![Arg::Result(1)], seller),
            ],
        )
        .unwrap();
    let blob_object = registered.created("blob", "Blob")[0];

    let (model_id, cap) = register_as(&mut chain, seller, "floe-llm", "weights on floe").unwrap();
    let publish = |chain: &mut Chain| {
        chain.call(
            seller,
            call::model::publish_version(
                model_id,
                cap,
                Arg::ObjRead(started.system),
                Arg::ObjRead(blob_object),
                "transformer-7b",
                vec![0xabu8; 32],
                vec!["accuracy_bps"],
                vec![9_100u64],
            ),
        )
    };
    // Registered but not certified yet: not a version.
    assert_abort(
        publish(&mut chain),
        "model",
        move_aborts::model::E_BLOB_NOT_CERTIFIED,
    );

    let system: System = chain.object(started.system);
    let committee = Committee::from_system(&system);
    let message = bls::certification_message(system.epoch, &blob_id);
    let mut signers = Vec::new();
    let mut signatures = Vec::new();
    for (index, member) in committee.members.iter().enumerate() {
        let position = started
            .nodes
            .iter()
            .position(|(id, _, _)| *id == member.node_id)
            .unwrap();
        signers.push(index as u16);
        signatures.push(keys[position].sign(&message));
    }
    let signature = bls::aggregate(&signatures).unwrap();
    chain
        .call(
            seller,
            call::blob::certify_blob(
                started.system,
                registry,
                blob_object,
                &signers,
                signature.to_vec(),
            ),
        )
        .unwrap();

    let published = publish(&mut chain).unwrap();
    assert_eq!(published.ret::<u64>(0, 0), 1);
    let version = stored_version(&chain, model_id, 1).unwrap();
    assert_eq!(version.blob_id.to_le_bytes(), blob_id);

    // A license on that model, paid in WAL, approved by the Seal policy.
    let offer = addr(
        &create_offer(
            &mut chain,
            seller,
            model_id,
            cap,
            [PRICE, WINDOW_MS, MAX_WINDOWS, 0],
        )
        .unwrap()
        .ret::<ID>(0, 0),
    );
    let coin = chain.wal_coins(buyer)[0].0;
    let bought = chain
        .tx(buyer, |tx| {
            let (offer, model) = (tx.shared(offer), tx.shared(model_id));
            let coin = tx.owned(coin);
            let license = calls::license::purchase(
                &mut tx.builder,
                &tx.floe,
                offer,
                model,
                coin,
                2,
                2 * PRICE,
            );
            tx.transfer(vec![license], buyer);
        })
        .unwrap();
    let license = license_of(&bought);
    let fee = fee_at(2 * PRICE, system.license_fee_bps);
    assert_eq!(
        bought
            .event::<LicensePurchased>("LicensePurchased")
            .fee_burned,
        fee
    );
    let approved = chain
        .ptb(
            buyer,
            vec![
                call::model::id_bytes(Arg::ObjRead(model_id)),
                call::license::seal_approve(Arg::Result(0), license),
            ],
        )
        .unwrap();
    assert!(approved.outputs[1].is_empty());
    let model: Model = chain.object(model_id);
    assert_eq!(model.revenue.value, 2 * PRICE - fee);
}

/// A new cap holder opening an offer becomes the model's recorded owner (`ModelOwnerChanged`
/// before `LicenseOfferCreated`, as `create_offer` authorises first).
#[test]
fn create_offer_by_new_cap_holder_records_owner() {
    let mut m = market(0);
    let (seller, cap, model, other) = (m.seller, m.cap, m.model, m.other_seller);
    m.chain
        .ptb(seller, vec![Cmd::Transfer(vec![Arg::obj(cap)], other)])
        .unwrap();
    let outcome = create_offer(&mut m.chain, other, model, cap, [PRICE, WINDOW_MS, 1, 0]).unwrap();
    let names: Vec<String> = outcome
        .events()
        .iter()
        .map(|e| e.type_.name().as_str().to_owned())
        .collect();
    assert_eq!(names, ["ModelOwnerChanged", "LicenseOfferCreated"]);
    let changed: ModelOwnerChanged = outcome.event("ModelOwnerChanged");
    assert_eq!(changed.previous_owner, maddr(seller));
    assert_eq!(changed.new_owner, maddr(other));
    assert_eq!(m.model().owner, maddr(other));
}

/// Objects of the wrong Move type are refused before the function runs.
#[test]
fn arguments_of_the_wrong_type_are_refused() {
    let mut m = market(0);
    let (seller, cap, offer, model) = (m.seller, m.cap, m.offer, m.model);
    // The offer where the model goes.
    let failure = m
        .chain
        .call(seller, call::model::refresh_owner(offer, cap))
        .unwrap_err();
    assert!(
        matches!(
            failure.error,
            sui_sdk_types::ExecutionError::CommandArgumentError { argument: 0, .. }
        ),
        "{:?}",
        failure.error
    );
    // The model where the cap goes.
    let failure = m
        .chain
        .call(seller, call::license::pause_offer(offer, model))
        .unwrap_err();
    assert!(
        matches!(
            failure.error,
            sui_sdk_types::ExecutionError::CommandArgumentError { argument: 1, .. }
        ),
        "{:?}",
        failure.error
    );
    assert!(!m.offer().paused);
}

/// Whoever holds a license uses it: a resold use-limited license is consumed by its new
/// owner, while `holder` still names the original buyer.
#[test]
fn a_transferred_license_is_used_by_its_new_owner() {
    let mut m = market(USES);
    let (buyer, poor) = (m.buyer, m.poor);
    let license = m.bought(buyer, 1);
    m.chain
        .ptb(buyer, vec![Cmd::Transfer(vec![Arg::obj(license)], poor)])
        .unwrap();
    m.consume(poor, license).unwrap();
    let held = m.license(license);
    assert_eq!(held.uses_left, USES - 1);
    assert_eq!(held.holder, maddr(buyer));
    assert_eq!(m.chain.owner(license), Owner::Address(poor));
}

// === Use limits (scenario_license_tests: attacks on metered licenses) ===

/// A one-use license read three times: the first read consumes the use and is approved with
/// its receipt; the second cannot start, because consuming again aborts `ENoUsesLeft`, and
/// the license alone is never approved (`EUseLimitedNeedsReceipt`).
#[test]
fn a_one_use_license_reads_once() {
    let mut m = market(1);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    let id = model.as_bytes().to_vec();
    let receipt = m.receipt(buyer, license);
    m.seal_approve_receipt(buyer, id.clone(), receipt).unwrap();
    assert_eq!(m.license(license).uses_left, 0);
    assert!(!m.is_valid(buyer, license));
    for _ in 0..2 {
        assert_abort(
            m.consume(buyer, license),
            "license",
            move_aborts::license::E_NO_USES_LEFT,
        );
        assert_abort(
            m.seal_approve(buyer, id.clone(), license),
            "license",
            move_aborts::license::E_USE_LIMITED_NEEDS_RECEIPT,
        );
    }
    assert_eq!(m.chain.owned(buyer, "license", "UseReceipt"), vec![receipt]);
}

/// A receipt for model A does not open model B.
#[test]
fn a_receipt_for_one_model_does_not_open_another() {
    let mut m = market(1);
    let buyer = m.buyer;
    let license = m.bought(buyer, 1);
    let (other_model, _) = m.second_model();
    let receipt = m.receipt(buyer, license);
    assert_abort(
        m.seal_approve_receipt(buyer, other_model.as_bytes().to_vec(), receipt),
        "license",
        move_aborts::license::E_WRONG_ID,
    );
}

/// A receipt is good for one read session: at its expiry it is refused.
#[test]
fn an_expired_receipt_is_refused() {
    let mut m = market(2);
    let (buyer, model) = (m.buyer, m.model);
    let license = m.bought(buyer, 1);
    let id = model.as_bytes().to_vec();
    let receipt = m.receipt(buyer, license);
    let expiry = m.use_receipt(receipt).expires_at_ms;
    m.chain.now_ms = expiry - 1;
    m.seal_approve_receipt(buyer, id.clone(), receipt).unwrap();
    m.chain.now_ms = expiry;
    assert_abort(
        m.seal_approve_receipt(buyer, id, receipt),
        "license",
        move_aborts::license::E_RECEIPT_EXPIRED,
    );
}

/// One use paid for and handed to a friend: the receipt serves only the address that
/// consumed it.
#[test]
fn a_receipt_serves_only_its_consumer() {
    let mut m = market(1);
    let (buyer, friend, model) = (m.buyer, m.poor, m.model);
    let license = m.bought(buyer, 1);
    let receipt = m.receipt(buyer, license);
    m.chain
        .ptb(buyer, vec![Cmd::Transfer(vec![Arg::obj(receipt)], friend)])
        .unwrap();
    assert_eq!(m.use_receipt(receipt).consumer, maddr(buyer));
    assert_abort(
        m.seal_approve_receipt(friend, model.as_bytes().to_vec(), receipt),
        "license",
        move_aborts::license::E_NOT_CONSUMER,
    );
}

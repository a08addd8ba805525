/// Datasets and contributor revenue share (`floe::dataset`, the share rules of `floe::model`):
/// one test per abort path, and an attacker's test per rule that moves value (claiming twice,
/// claiming with another dataset's NFT, a curator raising a weight after a sale and before its
/// distribution, a model owner lowering a share after sales, rounding dust).
#[test_only]
module floe::dataset_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::dataset::{Self, Contribution, Dataset, DatasetCap};
use floe::events::{
    ContributionClaimed,
    DatasetRevenueAccrued,
    DatasetRevenueDistributed,
    DatasetSealed
};
use floe::floe_test_utils as tu;
use floe::license::{Self, License, LicenseOffer};
use floe::model::{Self, Model, ModelCap};
use floe::system::System;
use floe::wal::{Treasury, WAL};
use std::string::utf8;
use std::unit_test::{assert_eq, destroy};
use sui::clock::Clock;
use sui::coin::Coin;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const SELLER: address = @0xA11CE;
const CURATOR: address = @0xC0A;
const BUYER: address = @0xB0B;
const C1: address = @0xC1;
const C2: address = @0xC2;
const C3: address = @0xC3;

/// 1 WAL per window.
const PRICE: u64 = 1_000_000_000;
/// 5 % of PRICE (the default license fee), burned.
const FEE: u64 = 50_000_000;
/// 20 % of the seller's revenue goes to the dataset.
const SHARE_BPS: u64 = 2_000;
/// SHARE_BPS of PRICE - FEE.
const DATASET_PART: u64 = 190_000_000;
const MAX_U64: u64 = 18_446_744_073_709_551_615;

// === Helpers ===

public struct World has drop {
    model_id: ID,
    offer_id: ID,
    dataset_id: ID,
    /// Contributions of C1, C2, C3.
    k1: ID,
    k2: ID,
    k3: ID,
}

/// A 7-shard system, a model by SELLER with version 1 and an offer at PRICE per hour window;
/// a dataset by CURATOR; C1, C2 and C3 each contribute a certified blob; BUYER holds WAL.
/// Weights are 0 and the model names no dataset yet. The next transaction is CURATOR's.
fun setup(): (Scenario, Clock, World) {
    let (mut scenario, clock, node_caps) = tu::setup();
    destroy(node_caps);
    store_blob(&mut scenario, SELLER, true);
    scenario.next_tx(SELLER);
    let cap = model::register_model(utf8(b"tiny-mlp"), utf8(b""), scenario.ctx());
    let model_id = model::cap_model_id(&cap);
    transfer::public_transfer(cap, SELLER);
    scenario.next_tx(SELLER);
    let offer_id;
    {
        let mut m = scenario.take_shared_by_id<Model>(model_id);
        let cap = scenario.take_from_sender<ModelCap>();
        let system = scenario.take_shared<System>();
        let weights = scenario.take_from_sender<Blob>();
        let _ = m.publish_version(
            &cap,
            &system,
            &weights,
            utf8(b"onnx-mlp"),
            vector[],
            vector[],
            vector[],
            &clock,
            scenario.ctx(),
        );
        offer_id = license::create_offer(&mut m, &cap, PRICE, 3_600_000, 24, 0, scenario.ctx());
        ts::return_shared(m);
        ts::return_shared(system);
        scenario.return_to_sender(weights);
        scenario.return_to_sender(cap);
    };
    let dataset_id = create(&mut scenario, CURATOR);
    let k1 = contribute(&mut scenario, dataset_id, C1);
    let k2 = contribute(&mut scenario, dataset_id, C2);
    let k3 = contribute(&mut scenario, dataset_id, C3);
    scenario.next_tx(BUYER);
    transfer::public_transfer(tu::wal_coin(&mut scenario, 1_000 * PRICE), BUYER);
    scenario.next_tx(CURATOR);
    (scenario, clock, World { model_id, offer_id, dataset_id, k1, k2, k3 })
}

/// `owner` stores blob A for 2 epochs (certified if `certify`); the `Blob` is `owner`'s.
fun store_blob(scenario: &mut Scenario, owner: address, certify: bool) {
    scenario.next_tx(owner);
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut stored = tu::register_a(scenario, &mut system, &mut registry, 2, false);
    if (certify) tu::certify_a(&system, &mut registry, &mut stored);
    transfer::public_transfer(stored, owner);
    ts::return_shared(system);
    ts::return_shared(registry);
}

/// `curator` creates a dataset (cap to `curator`); returns its ID.
fun create(scenario: &mut Scenario, curator: address): ID {
    scenario.next_tx(curator);
    let cap = dataset::create_dataset(utf8(b"faces"), utf8(b"labelled faces"), scenario.ctx());
    let id = dataset::cap_dataset_id(&cap);
    transfer::public_transfer(cap, curator);
    id
}

/// `who` stores a certified blob and contributes it; returns the Contribution's ID.
fun contribute(scenario: &mut Scenario, dataset_id: ID, who: address): ID {
    store_blob(scenario, who, true);
    scenario.next_tx(who);
    let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
    let blob = scenario.take_from_sender<Blob>();
    let contribution = d.contribute(&blob, scenario.ctx());
    let id = object::id(&contribution);
    transfer::public_transfer(contribution, who);
    scenario.return_to_sender(blob);
    ts::return_shared(d);
    id
}

/// CURATOR sets the weight of `contribution_id`.
fun set_weight(scenario: &mut Scenario, dataset_id: ID, contribution_id: ID, weight: u64) {
    scenario.next_tx(CURATOR);
    let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
    let cap = scenario.take_from_sender<DatasetCap>();
    d.set_weight(&cap, contribution_id, weight, scenario.ctx());
    scenario.return_to_sender(cap);
    ts::return_shared(d);
}

/// Weights 5, 3, 2 for C1, C2, C3.
fun weigh_5_3_2(scenario: &mut Scenario, w: &World) {
    set_weight(scenario, w.dataset_id, w.k1, 5);
    set_weight(scenario, w.dataset_id, w.k2, 3);
    set_weight(scenario, w.dataset_id, w.k3, 2);
}

/// CURATOR seals the dataset.
fun seal(scenario: &mut Scenario, dataset_id: ID) {
    scenario.next_tx(CURATOR);
    let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
    let cap = scenario.take_from_sender<DatasetCap>();
    d.seal(&cap, scenario.ctx());
    scenario.return_to_sender(cap);
    ts::return_shared(d);
}

/// Weights 5, 3, 2 for C1, C2, C3, then the seal.
fun weigh_5_3_2_and_seal(scenario: &mut Scenario, w: &World) {
    weigh_5_3_2(scenario, w);
    seal(scenario, w.dataset_id);
}

/// Another dataset of CURATOR's with one contribution by C1 at weight 1, sealed.
fun sealed_dataset(scenario: &mut Scenario): ID {
    let id = create(scenario, CURATOR);
    let k = contribute(scenario, id, C1);
    set_weight(scenario, id, k, 1);
    seal(scenario, id);
    id
}

/// SELLER names the dataset with `bps` for version 1.
fun train_on(scenario: &mut Scenario, w: &World, dataset_id: ID, bps: u64) {
    scenario.next_tx(SELLER);
    let d = scenario.take_shared_by_id<Dataset>(dataset_id);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    dataset::train_on(&d, &mut m, &cap, 1, bps, scenario.ctx());
    scenario.return_to_sender(cap);
    ts::return_shared(m);
    ts::return_shared(d);
}

/// BUYER buys one window; the license is BUYER's.
fun buy(scenario: &mut Scenario, clock: &Clock, w: &World) {
    scenario.next_tx(BUYER);
    let offer = scenario.take_shared_by_id<LicenseOffer>(w.offer_id);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let mut payment = scenario.take_from_sender<Coin<WAL>>();
    let l: License = license::purchase(
        &offer,
        &mut m,
        &system,
        &mut treasury,
        &mut payment,
        1,
        MAX_U64,
        clock,
        scenario.ctx(),
    );
    transfer::public_transfer(l, BUYER);
    scenario.return_to_sender(payment);
    ts::return_shared(offer);
    ts::return_shared(m);
    ts::return_shared(system);
    ts::return_shared(treasury);
}

/// `who` distributes the model's share to `dataset_id`; returns the amount moved.
fun distribute(scenario: &mut Scenario, w: &World, dataset_id: ID, who: address): u64 {
    scenario.next_tx(who);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
    let amount = dataset::distribute(&mut m, &mut d, scenario.ctx());
    ts::return_shared(m);
    ts::return_shared(d);
    amount
}

/// `who` claims with the Contribution `contribution_id` it holds from `dataset_id`; returns
/// the amount paid (the coin is `who`'s).
fun claim(scenario: &mut Scenario, dataset_id: ID, who: address, contribution_id: ID): u64 {
    scenario.next_tx(who);
    let mut d = scenario.take_shared_by_id<Dataset>(dataset_id);
    let k = scenario.take_from_sender_by_id<Contribution>(contribution_id);
    let coin = d.claim(&k, scenario.ctx());
    let amount = coin.value();
    transfer::public_transfer(coin, who);
    scenario.return_to_sender(k);
    ts::return_shared(d);
    amount
}

fun claimable(scenario: &mut Scenario, dataset_id: ID, contribution_id: ID): u64 {
    scenario.next_tx(CURATOR);
    let d = scenario.take_shared_by_id<Dataset>(dataset_id);
    let amount = d.claimable(contribution_id);
    ts::return_shared(d);
    amount
}

fun model_revenue(scenario: &mut Scenario, w: &World): u64 {
    scenario.next_tx(SELLER);
    let m = scenario.take_shared_by_id<Model>(w.model_id);
    let revenue = m.revenue();
    ts::return_shared(m);
    revenue
}

fun finish(scenario: Scenario, clock: Clock) {
    destroy(clock);
    scenario.end();
}

// === The story ===

#[test]
fun a_purchase_reaches_three_contributors_in_proportion() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    let accrued = event::events_by_type<DatasetRevenueAccrued>();
    assert_eq!(accrued.length(), 1);
    // The seller keeps the revenue minus the dataset's part.
    assert_eq!(model_revenue(&mut scenario, &w), PRICE - FEE - DATASET_PART);
    {
        scenario.next_tx(SELLER);
        let m = scenario.take_shared_by_id<Model>(w.model_id);
        assert_eq!(m.dataset_share_pending(w.dataset_id), DATASET_PART);
        assert_eq!(m.dataset_share_bps(w.dataset_id), SHARE_BPS);
        assert_eq!(m.shared_bps(), SHARE_BPS);
        assert_eq!(m.total_revenue(), PRICE - FEE);
        ts::return_shared(m);
    };
    // Anyone distributes.
    assert_eq!(distribute(&mut scenario, &w, w.dataset_id, BUYER), DATASET_PART);
    assert_eq!(event::events_by_type<DatasetRevenueDistributed>().length(), 1);
    assert_eq!(claimable(&mut scenario, w.dataset_id, w.k1), 95_000_000);
    assert_eq!(claim(&mut scenario, w.dataset_id, C1, w.k1), 95_000_000);
    assert_eq!(event::events_by_type<ContributionClaimed>().length(), 1);
    assert_eq!(claim(&mut scenario, w.dataset_id, C2, w.k2), 57_000_000);
    assert_eq!(claim(&mut scenario, w.dataset_id, C3, w.k3), 38_000_000);
    scenario.next_tx(CURATOR);
    {
        let d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
        assert_eq!(d.total_distributed(), DATASET_PART);
        assert_eq!(d.total_claimed(), DATASET_PART);
        assert_eq!(d.pool_value(), 0);
        assert_eq!(d.total_weight(), 10);
        assert_eq!(d.contribution_count(), 3);
        assert_eq!(d.weight(w.k2), 3);
        ts::return_shared(d);
    };
    // A second distribution with nothing pending moves nothing.
    assert_eq!(distribute(&mut scenario, &w, w.dataset_id, C1), 0);
    finish(scenario, clock);
}

#[test]
fun revenue_keeps_accruing_and_claims_collect_it_later() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    buy(&mut scenario, &clock, &w);
    assert_eq!(distribute(&mut scenario, &w, w.dataset_id, C2), 2 * DATASET_PART);
    buy(&mut scenario, &clock, &w);
    assert_eq!(distribute(&mut scenario, &w, w.dataset_id, C2), DATASET_PART);
    assert_eq!(claim(&mut scenario, w.dataset_id, C1, w.k1), 3 * 95_000_000);
    finish(scenario, clock);
}

// === Attacks ===

/// A contributor claims twice: the second claim has nothing to pay and aborts.
#[test, expected_failure(abort_code = floe::dataset::ENothingToClaim)]
fun claiming_twice_pays_nothing_the_second_time() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    let _ = distribute(&mut scenario, &w, w.dataset_id, C1);
    assert_eq!(claim(&mut scenario, w.dataset_id, C1, w.k1), 95_000_000);
    assert_eq!(claimable(&mut scenario, w.dataset_id, w.k1), 0);
    let _ = claim(&mut scenario, w.dataset_id, C1, w.k1);
    finish(scenario, clock);
}

/// C1 holds a contribution to another dataset (weighted there, but that dataset earned
/// nothing) and claims it against the rich dataset: refused.
#[test, expected_failure(abort_code = floe::dataset::EWrongDataset)]
fun claiming_with_another_datasets_contribution_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    let _ = distribute(&mut scenario, &w, w.dataset_id, C1);
    let other = create(&mut scenario, C1);
    let k = contribute(&mut scenario, other, C1);
    scenario.next_tx(C1);
    let mut rich = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    let nft = scenario.take_from_sender_by_id<Contribution>(k);
    let coin = rich.claim(&nft, scenario.ctx());
    destroy(coin);
    destroy(nft);
    ts::return_shared(rich);
    finish(scenario, clock);
}

/// The front-run: the curator (here also C3, weight 2 of 10) waits for a sale and, before
/// anyone distributes it, raises C3's weight to take most of it at distribution. The dataset
/// was sealed before the model could pay it: refused (in one transaction with `distribute`, the
/// whole transaction fails).
#[test, expected_failure(abort_code = floe::dataset::EDatasetSealed)]
fun a_curator_raising_a_weight_after_a_sale_before_distribution_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    set_weight(&mut scenario, w.dataset_id, w.k3, 1_000_000);
    let _ = distribute(&mut scenario, &w, w.dataset_id, CURATOR);
    finish(scenario, clock);
}

/// What the front-run was after: sales made before a distribution are split by the weights
/// they were sold under (the sealed 5 : 3 : 2), whoever distributes them and whenever.
#[test]
fun sales_are_split_by_the_weights_they_were_sold_under() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    buy(&mut scenario, &clock, &w);
    // The curator distributes: nothing it can do first changes the split.
    assert_eq!(distribute(&mut scenario, &w, w.dataset_id, CURATOR), 2 * DATASET_PART);
    assert_eq!(claim(&mut scenario, w.dataset_id, C1, w.k1), 2 * 95_000_000);
    assert_eq!(claim(&mut scenario, w.dataset_id, C2, w.k2), 2 * 57_000_000);
    assert_eq!(claim(&mut scenario, w.dataset_id, C3, w.k3), 2 * 38_000_000);
    scenario.next_tx(CURATOR);
    let d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    assert_eq!(d.weight(w.k3), 2);
    assert_eq!(d.total_weight(), 10);
    assert_eq!(d.pool_value(), 0);
    ts::return_shared(d);
    finish(scenario, clock);
}

/// The model owner tries to drop the dataset's share after a sale: refused.
#[test, expected_failure(abort_code = floe::model::EShareLowered)]
fun the_owner_cannot_lower_a_share_after_sales() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    train_on(&mut scenario, &w, w.dataset_id, 1);
    finish(scenario, clock);
}

/// Before any sale the owner may correct a share downwards; after sales it may raise it.
#[test]
fun a_share_is_lowered_before_sales_and_raised_after() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, 5_000);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    train_on(&mut scenario, &w, w.dataset_id, 10_000);
    buy(&mut scenario, &clock, &w);
    assert_eq!(model_revenue(&mut scenario, &w), PRICE - FEE - DATASET_PART);
    assert_eq!(distribute(&mut scenario, &w, w.dataset_id, C1), DATASET_PART + PRICE - FEE);
    finish(scenario, clock);
}

/// Three equal weights and amounts that do not divide: each claim rounds down, the dust stays
/// in the pool, and together the contributors take no more than was paid.
#[test]
fun rounding_dust_stays_in_the_pool() {
    let (mut scenario, clock, w) = setup();
    set_weight(&mut scenario, w.dataset_id, w.k1, 1);
    set_weight(&mut scenario, w.dataset_id, w.k2, 1);
    set_weight(&mut scenario, w.dataset_id, w.k3, 1);
    seal(&mut scenario, w.dataset_id);
    train_on(&mut scenario, &w, w.dataset_id, 10_000);
    // Reprice to 200 FROST: fee 10, the dataset gets 190.
    scenario.next_tx(SELLER);
    {
        let mut offer = scenario.take_shared_by_id<LicenseOffer>(w.offer_id);
        let cap = scenario.take_from_sender<ModelCap>();
        offer.reprice_offer(&cap, 200);
        scenario.return_to_sender(cap);
        ts::return_shared(offer);
    };
    buy(&mut scenario, &clock, &w);
    assert_eq!(distribute(&mut scenario, &w, w.dataset_id, C1), 190);
    assert_eq!(claim(&mut scenario, w.dataset_id, C1, w.k1), 63);
    buy(&mut scenario, &clock, &w);
    assert_eq!(distribute(&mut scenario, &w, w.dataset_id, C1), 190);
    // C1: 63 more (126.66... in all, 126 paid); C2 and C3 claim both sales at once.
    assert_eq!(claim(&mut scenario, w.dataset_id, C1, w.k1), 63);
    assert_eq!(claim(&mut scenario, w.dataset_id, C2, w.k2), 126);
    assert_eq!(claim(&mut scenario, w.dataset_id, C3, w.k3), 126);
    scenario.next_tx(CURATOR);
    let d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    assert_eq!(d.total_distributed(), 380);
    assert_eq!(d.total_claimed(), 378);
    assert_eq!(d.pool_value(), 2);
    ts::return_shared(d);
    finish(scenario, clock);
}

/// Sealing fixes the contributions and weights and emits `DatasetSealed`.
#[test]
fun sealing_fixes_the_weights() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2(&mut scenario, &w);
    seal(&mut scenario, w.dataset_id);
    assert_eq!(event::events_by_type<DatasetSealed>().length(), 1);
    scenario.next_tx(CURATOR);
    let d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    assert!(d.is_sealed());
    assert_eq!(d.total_weight(), 10);
    assert_eq!(d.contribution_count(), 3);
    ts::return_shared(d);
    finish(scenario, clock);
}

// === Abort paths ===

#[test, expected_failure(abort_code = floe::dataset::EEmptyName)]
fun create_with_an_empty_name_aborts() {
    let mut scenario = ts::begin(CURATOR);
    let cap = dataset::create_dataset(utf8(b""), utf8(b""), scenario.ctx());
    destroy(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::dataset::ENameTooLong)]
fun create_with_a_long_name_aborts() {
    let mut scenario = ts::begin(CURATOR);
    let mut name = vector[];
    129u64.do!(|_| name.push_back(0x61));
    let cap = dataset::create_dataset(utf8(name), utf8(b""), scenario.ctx());
    destroy(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::dataset::EDescriptionTooLong)]
fun create_with_a_long_description_aborts() {
    let mut scenario = ts::begin(CURATOR);
    let mut description = vector[];
    4097u64.do!(|_| description.push_back(0x61));
    let cap = dataset::create_dataset(utf8(b"faces"), utf8(description), scenario.ctx());
    destroy(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::dataset::EBlobNotCertified)]
fun contributing_an_uncertified_blob_aborts() {
    let (mut scenario, clock, w) = setup();
    store_blob(&mut scenario, C1, false);
    scenario.next_tx(C1);
    let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    let blobs = scenario.ids_for_sender<Blob>();
    let mut i = 0;
    while (i < blobs.length()) {
        let blob = scenario.take_from_sender_by_id<Blob>(blobs[i]);
        if (!blob.is_blob_certified()) {
            let k = d.contribute(&blob, scenario.ctx());
            destroy(k);
        };
        scenario.return_to_sender(blob);
        i = i + 1;
    };
    ts::return_shared(d);
    finish(scenario, clock);
}

/// The same Blob object contributed twice (to collect two NFTs): refused.
#[test, expected_failure(abort_code = floe::dataset::EAlreadyContributed)]
fun contributing_the_same_blob_twice_aborts() {
    let (mut scenario, clock, w) = setup();
    scenario.next_tx(C1);
    let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    let blob = scenario.take_from_sender<Blob>();
    let k = d.contribute(&blob, scenario.ctx());
    destroy(k);
    scenario.return_to_sender(blob);
    ts::return_shared(d);
    finish(scenario, clock);
}

/// A contributor weighs its own contribution with the cap of a dataset it curates: refused.
#[test, expected_failure(abort_code = floe::dataset::EWrongCap)]
fun setting_a_weight_with_another_datasets_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = create(&mut scenario, C1);
    scenario.next_tx(C1);
    let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    let cap = scenario.take_from_sender<DatasetCap>();
    d.set_weight(&cap, w.k1, 1_000_000, scenario.ctx());
    scenario.return_to_sender(cap);
    ts::return_shared(d);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::dataset::EWeightTooHigh)]
fun a_weight_above_the_maximum_aborts() {
    let (mut scenario, clock, w) = setup();
    set_weight(&mut scenario, w.dataset_id, w.k1, 1_000_001);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::dataset::EUnknownContribution)]
fun weighting_an_unknown_contribution_aborts() {
    let (mut scenario, clock, w) = setup();
    set_weight(&mut scenario, w.dataset_id, w.model_id, 1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::dataset::EUnknownContribution)]
fun claimable_of_an_unknown_contribution_aborts() {
    let (mut scenario, clock, w) = setup();
    let _ = claimable(&mut scenario, w.dataset_id, w.model_id);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::dataset::EUnknownContribution)]
fun weight_of_an_unknown_contribution_aborts() {
    let (mut scenario, clock, w) = setup();
    let d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    let _ = d.weight(w.model_id);
    ts::return_shared(d);
    finish(scenario, clock);
}

/// Nothing weighted: revenue paid to the dataset could never be claimed.
#[test, expected_failure(abort_code = floe::dataset::ENoWeight)]
fun sealing_an_unweighted_dataset_aborts() {
    let (mut scenario, clock, w) = setup();
    seal(&mut scenario, w.dataset_id);
    finish(scenario, clock);
}

/// C1 seals the dataset with the cap of a dataset it curates: refused.
#[test, expected_failure(abort_code = floe::dataset::EWrongCap)]
fun sealing_with_another_datasets_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2(&mut scenario, &w);
    let _ = create(&mut scenario, C1);
    scenario.next_tx(C1);
    let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    let cap = scenario.take_from_sender<DatasetCap>();
    d.seal(&cap, scenario.ctx());
    scenario.return_to_sender(cap);
    ts::return_shared(d);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::dataset::EDatasetSealed)]
fun sealing_twice_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    seal(&mut scenario, w.dataset_id);
    finish(scenario, clock);
}

/// New data after the seal goes in a new dataset.
#[test, expected_failure(abort_code = floe::dataset::EDatasetSealed)]
fun contributing_to_a_sealed_dataset_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    let _ = contribute(&mut scenario, w.dataset_id, BUYER);
    finish(scenario, clock);
}

/// Weights could still change, so a model may not pay the dataset yet.
#[test, expected_failure(abort_code = floe::dataset::EDatasetNotSealed)]
fun training_on_an_unsealed_dataset_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::dataset::ENotTrainedOn)]
fun distributing_from_a_model_not_trained_on_the_dataset_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2(&mut scenario, &w);
    let _ = distribute(&mut scenario, &w, w.dataset_id, C1);
    finish(scenario, clock);
}

/// Someone who is not the model's owner names a dataset it curates: refused.
#[test, expected_failure(abort_code = floe::model::EWrongCap)]
fun training_on_with_another_models_cap_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    scenario.next_tx(C1);
    let other = model::register_model(utf8(b"other"), utf8(b""), scenario.ctx());
    let d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    dataset::train_on(&d, &mut m, &other, 1, SHARE_BPS, scenario.ctx());
    destroy(other);
    ts::return_shared(m);
    ts::return_shared(d);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EVersionNotFound)]
fun training_on_with_an_unknown_version_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    scenario.next_tx(SELLER);
    let d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    let mut m = scenario.take_shared_by_id<Model>(w.model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    dataset::train_on(&d, &mut m, &cap, 2, SHARE_BPS, scenario.ctx());
    scenario.return_to_sender(cap);
    ts::return_shared(m);
    ts::return_shared(d);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::EZeroShare)]
fun a_share_of_zero_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, 0);
    finish(scenario, clock);
}

/// Two datasets at 6 000 and 5 000 basis points: more than all the revenue, refused.
#[test, expected_failure(abort_code = floe::model::ESharesTooHigh)]
fun shares_above_all_the_revenue_abort() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    let other = sealed_dataset(&mut scenario);
    train_on(&mut scenario, &w, w.dataset_id, 6_000);
    train_on(&mut scenario, &w, other, 5_000);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::model::ETooManyDatasets)]
fun a_seventeenth_dataset_aborts() {
    let (mut scenario, clock, w) = setup();
    let mut i = 0;
    while (i < 17) {
        let id = sealed_dataset(&mut scenario);
        train_on(&mut scenario, &w, id, 1);
        i = i + 1;
    };
    finish(scenario, clock);
}

// === Versions ===

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun contributing_to_a_dataset_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    store_blob(&mut scenario, C1, true);
    scenario.next_tx(C1);
    let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    d.set_version_for_testing(2);
    let blobs = scenario.ids_for_sender<Blob>();
    let blob = scenario.take_from_sender_by_id<Blob>(blobs[0]);
    let k = d.contribute(&blob, scenario.ctx());
    destroy(k);
    scenario.return_to_sender(blob);
    ts::return_shared(d);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun weighting_in_a_dataset_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    {
        let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
        d.set_version_for_testing(2);
        ts::return_shared(d);
    };
    set_weight(&mut scenario, w.dataset_id, w.k1, 1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun claiming_from_a_dataset_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    let _ = distribute(&mut scenario, &w, w.dataset_id, C1);
    scenario.next_tx(C1);
    {
        let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
        d.set_version_for_testing(0);
        ts::return_shared(d);
    };
    let _ = claim(&mut scenario, w.dataset_id, C1, w.k1);
    finish(scenario, clock);
}

/// A model left at another package version names no dataset until it is migrated.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun training_a_model_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    scenario.next_tx(SELLER);
    {
        let mut m = scenario.take_shared_by_id<Model>(w.model_id);
        m.set_version_for_testing(2);
        ts::return_shared(m);
    };
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun training_on_a_dataset_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    {
        let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
        d.set_version_for_testing(2);
        ts::return_shared(d);
    };
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun distributing_from_a_model_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    scenario.next_tx(SELLER);
    {
        let mut m = scenario.take_shared_by_id<Model>(w.model_id);
        m.set_version_for_testing(2);
        ts::return_shared(m);
    };
    let _ = distribute(&mut scenario, &w, w.dataset_id, C1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun distributing_to_a_dataset_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2_and_seal(&mut scenario, &w);
    train_on(&mut scenario, &w, w.dataset_id, SHARE_BPS);
    buy(&mut scenario, &clock, &w);
    scenario.next_tx(C1);
    {
        let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
        d.set_version_for_testing(2);
        ts::return_shared(d);
    };
    let _ = distribute(&mut scenario, &w, w.dataset_id, C1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun sealing_a_dataset_of_another_version_aborts() {
    let (mut scenario, clock, w) = setup();
    weigh_5_3_2(&mut scenario, &w);
    // A new transaction: the last set_weight took and returned the Dataset in this one.
    scenario.next_tx(CURATOR);
    {
        let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
        d.set_version_for_testing(2);
        ts::return_shared(d);
    };
    seal(&mut scenario, w.dataset_id);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_a_current_dataset_aborts() {
    let (mut scenario, clock, w) = setup();
    let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
    d.migrate();
    ts::return_shared(d);
    finish(scenario, clock);
}

#[test]
fun an_old_dataset_migrates_and_is_used_again() {
    let (mut scenario, clock, w) = setup();
    {
        let mut d = scenario.take_shared_by_id<Dataset>(w.dataset_id);
        d.set_version_for_testing(0);
        d.migrate();
        ts::return_shared(d);
    };
    set_weight(&mut scenario, w.dataset_id, w.k1, 1);
    finish(scenario, clock);
}

#[test_only]
module floe::scenario_license_tests;

use floe::license;
use floe::license_tests;
use floe::model::{Self, Model, ModelCap};
use floe::wal::{Self, Treasury, WAL};
use std::unit_test::assert_eq;
use sui::coin::Coin;
use sui::test_scenario as ts;

const SELLER: address = @0x5E11;
const BUYER: address = @0xB0B;

const START_MS: u64 = 1_700_000_000_000;
const PRICE: u64 = 1_000_000_000;
const WINDOW_MS: u64 = 3_600_000;
const BUYER_FUNDS: u64 = 100_000_000_000;

/// A license expiring: valid (and approved by the Seal policy) until the clock reaches its
/// expiry, then `is_valid` turns false and `seal_approve` aborts.
#[test, expected_failure(abort_code = floe::license::ELicenseExpired)]
fun a_license_expiring() {
    let (mut scenario, mut clock, model_id, offer_id) = license_tests::setup(0);
    let license = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 2);
    transfer::public_transfer(license, BUYER);
    scenario.next_tx(BUYER);

    let license = scenario.take_from_sender<license::License>();
    let id = object::id_to_bytes(&model_id);
    let expiry = license::expires_at_ms(&license);
    assert_eq!(expiry, START_MS + 2 * WINDOW_MS);
    assert!(license::is_valid(&license, &clock));
    license::seal_approve_for_testing(id, &license, &clock);

    // One millisecond before expiry: still valid.
    clock.set_for_testing(expiry - 1);
    assert!(license::is_valid(&license, &clock));
    license::seal_approve_for_testing(id, &license, &clock);

    // At expiry: no longer valid, and the Seal policy refuses.
    clock.set_for_testing(expiry);
    assert!(!license::is_valid(&license, &clock));
    license::seal_approve_for_testing(id, &license, &clock);

    scenario.return_to_sender(license);
    license_tests::finish(scenario, clock);
}

/// Several sales and an extension: the total supply of WAL falls by exactly the protocol
/// fees, and every unit paid is either burned or withdrawn by the seller.
#[test]
fun license_fees_burn_from_total_supply() {
    let (mut scenario, mut clock, model_id, offer_id) = license_tests::setup(0);
    let supply_before = {
        let treasury = scenario.take_shared<Treasury>();
        let supply = wal::total_supply(&treasury);
        ts::return_shared(treasury);
        supply
    };

    // Each sale in a transaction of its own (a transaction takes an object only once).
    scenario.next_tx(BUYER);
    let first = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 3);
    scenario.next_tx(BUYER);
    let second = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 1);
    clock.increment_for_testing(WINDOW_MS / 2);
    scenario.next_tx(BUYER);
    let mut third = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 2);
    scenario.next_tx(BUYER);
    license_tests::extend(&mut scenario, &clock, &mut third, model_id, offer_id, 5);
    let paid = (3 + 1 + 2 + 5) * PRICE;
    scenario.next_tx(BUYER);
    let bps = license_tests::license_fee_bps(&scenario);
    let fees =
        license_tests::fee_at(3 * PRICE, bps)
        + license_tests::fee_at(PRICE, bps)
        + license_tests::fee_at(2 * PRICE, bps)
        + license_tests::fee_at(5 * PRICE, bps);
    assert!(fees > 0);
    scenario.next_tx(BUYER);

    let treasury = scenario.take_shared<Treasury>();
    assert_eq!(wal::total_supply(&treasury), supply_before - fees);
    ts::return_shared(treasury);
    let payment = scenario.take_from_sender<Coin<WAL>>();
    assert_eq!(payment.value(), BUYER_FUNDS - paid);
    scenario.return_to_sender(payment);

    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    assert_eq!(model::total_revenue(&m), paid - fees);
    let revenue = model::withdraw_revenue(&mut m, &cap, scenario.ctx());
    // Nothing lost: burned + withdrawn = paid.
    assert_eq!(revenue.value() + fees, paid);
    transfer::public_transfer(revenue, SELLER);
    ts::return_shared(m);
    scenario.return_to_sender(cap);

    license::destroy(first);
    license::destroy(second);
    license::destroy(third);
    license_tests::finish(scenario, clock);
}

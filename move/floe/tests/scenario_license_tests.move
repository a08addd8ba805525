#[test_only]
module floe::scenario_license_tests;

use floe::license::{Self, UseReceipt};
use floe::license_tests;
use floe::model::{Self, Model, ModelCap};
use floe::wal::{Self, Treasury, WAL};
use std::unit_test::assert_eq;
use sui::coin::Coin;
use sui::test_scenario as ts;

const SELLER: address = @0x5E11;
const BUYER: address = @0xB0B;
/// Someone the buyer hands a receipt to.
const FRIEND: address = @0xF00D;
/// A second seller.
const OTHER_SELLER: address = @0x07E5;

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

// === Use limits (attacks on metered licenses) ===

/// The buyer's transaction: consumes one use of its license and places the receipt with the
/// sender, as `floe read` does.
fun consume_one(scenario: &mut ts::Scenario, clock: &sui::clock::Clock) {
    let mut license = scenario.take_from_sender<license::License>();
    let receipt = license::consume(&mut license, clock, scenario.ctx());
    transfer::public_transfer(receipt, scenario.sender());
    scenario.return_to_sender(license);
}

/// A one-use license read three times: the first read consumes the use and is approved with
/// its receipt; the second cannot even start, because consuming again aborts `ENoUsesLeft`
/// (and the license alone is never approved: `EUseLimitedNeedsReceipt`).
#[test, expected_failure(abort_code = floe::license::ENoUsesLeft)]
fun a_one_use_license_reads_once() {
    let (mut scenario, clock, model_id, offer_id) = license_tests::setup(1);
    let license = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 1);
    transfer::public_transfer(license, BUYER);
    scenario.next_tx(BUYER);
    consume_one(&mut scenario, &clock);
    scenario.next_tx(BUYER);
    let receipt = scenario.take_from_sender<UseReceipt>();
    let id = object::id_to_bytes(&model_id);
    license::seal_approve_receipt_for_testing(id, &receipt, &clock, scenario.ctx());
    scenario.return_to_sender(receipt);
    let license = scenario.take_from_sender<license::License>();
    assert_eq!(license::uses_left(&license), 0);
    assert!(!license::is_valid(&license, &clock));
    scenario.return_to_sender(license);

    // The second read.
    scenario.next_tx(BUYER);
    consume_one(&mut scenario, &clock);
    license_tests::finish(scenario, clock);
}

/// A used-up license still unexpired is not approved by itself either.
#[test, expected_failure(abort_code = floe::license::EUseLimitedNeedsReceipt)]
fun a_used_up_license_is_not_approved_alone() {
    let (mut scenario, clock, model_id, offer_id) = license_tests::setup(1);
    let license = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 1);
    transfer::public_transfer(license, BUYER);
    scenario.next_tx(BUYER);
    consume_one(&mut scenario, &clock);
    scenario.next_tx(BUYER);
    let license = scenario.take_from_sender<license::License>();
    license::seal_approve_for_testing(object::id_to_bytes(&model_id), &license, &clock);
    scenario.return_to_sender(license);
    license_tests::finish(scenario, clock);
}

/// A receipt for model A does not open model B.
#[test, expected_failure(abort_code = floe::license::EWrongId)]
fun a_receipt_for_one_model_does_not_open_another() {
    let (mut scenario, clock, model_id, offer_id) = license_tests::setup(1);
    let license = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 1);
    transfer::public_transfer(license, BUYER);
    scenario.next_tx(OTHER_SELLER);
    let other_model = license_tests::register(&mut scenario);
    scenario.next_tx(BUYER);
    consume_one(&mut scenario, &clock);
    scenario.next_tx(BUYER);
    let receipt = scenario.take_from_sender<UseReceipt>();
    let id = object::id_to_bytes(&other_model);
    license::seal_approve_receipt_for_testing(id, &receipt, &clock, scenario.ctx());
    scenario.return_to_sender(receipt);
    license_tests::finish(scenario, clock);
}

/// A receipt is good for one read session: at its expiry it is refused.
#[test, expected_failure(abort_code = floe::license::EReceiptExpired)]
fun an_expired_receipt_is_refused() {
    let (mut scenario, mut clock, model_id, offer_id) = license_tests::setup(2);
    let license = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 1);
    transfer::public_transfer(license, BUYER);
    scenario.next_tx(BUYER);
    consume_one(&mut scenario, &clock);
    scenario.next_tx(BUYER);
    let receipt = scenario.take_from_sender<UseReceipt>();
    let id = object::id_to_bytes(&model_id);
    clock.set_for_testing(license::receipt_expires_at_ms(&receipt) - 1);
    license::seal_approve_receipt_for_testing(id, &receipt, &clock, scenario.ctx());
    clock.increment_for_testing(1);
    license::seal_approve_receipt_for_testing(id, &receipt, &clock, scenario.ctx());
    scenario.return_to_sender(receipt);
    license_tests::finish(scenario, clock);
}

/// One use paid for, handed to a friend: the receipt serves only the address that consumed.
#[test, expected_failure(abort_code = floe::license::ENotConsumer)]
fun a_receipt_serves_only_its_consumer() {
    let (mut scenario, clock, model_id, offer_id) = license_tests::setup(1);
    let license = license_tests::buy(&mut scenario, &clock, model_id, offer_id, 1);
    transfer::public_transfer(license, BUYER);
    scenario.next_tx(BUYER);
    consume_one(&mut scenario, &clock);
    scenario.next_tx(BUYER);
    let receipt = scenario.take_from_sender<UseReceipt>();
    transfer::public_transfer(receipt, FRIEND);
    scenario.next_tx(FRIEND);
    let receipt = scenario.take_from_sender<UseReceipt>();
    assert_eq!(license::receipt_consumer(&receipt), BUYER);
    let id = object::id_to_bytes(&model_id);
    license::seal_approve_receipt_for_testing(id, &receipt, &clock, scenario.ctx());
    scenario.return_to_sender(receipt);
    license_tests::finish(scenario, clock);
}

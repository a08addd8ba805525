#[test_only]
module floe::license_tests;

use floe::events::{
    LicenseConsumed,
    LicenseDestroyed,
    LicenseExtended,
    LicenseOfferCreated,
    LicenseOfferRepriced,
    LicenseOfferStatusChanged,
    LicensePurchased
};
use floe::license::{Self, License, LicenseOffer, UseReceipt};
use floe::model::{Self, Model, ModelCap};
use floe::system::{Self, AdminCap, System};
use floe::wal::{Self, Treasury, WAL};
use std::string::utf8;
use std::unit_test::{assert_eq, destroy};
use sui::clock::{Self, Clock};
use sui::coin::Coin;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const ADMIN: address = @0xAD;
const SELLER: address = @0x5E11;
const BUYER: address = @0xB0B;
const POOR: address = @0x9002;
/// A second seller, for wrong-cap tests.
const OTHER_SELLER: address = @0x07E5;

const START_MS: u64 = 1_700_000_000_000;
/// 1 WAL per window.
const PRICE: u64 = 1_000_000_000;
/// One hour.
const WINDOW_MS: u64 = 3_600_000;
const MAX_WINDOWS: u64 = 24;
const USES: u64 = 3;
const BUYER_FUNDS: u64 = 100_000_000_000;
const MAX_U64: u64 = 18_446_744_073_709_551_615;
/// `license::MAX_LICENSE_MS`.
const MAX_LICENSE_MS: u64 = 3_153_600_000_000;
/// `license::RECEIPT_TTL_MS`.
const RECEIPT_TTL_MS: u64 = 600_000;

// === Helpers (also used by `scenario_license_tests`) ===

/// WAL, System (10 shards), a clock at START_MS; BUYER holds BUYER_FUNDS and POOR one base
/// unit less than PRICE; SELLER registered a model and opened an offer (PRICE per WINDOW_MS
/// window, at most MAX_WINDOWS, `uses_per_window` uses) and holds the cap.
/// Returns (scenario, clock, model ID, offer ID); the next transaction is BUYER's.
public fun setup(uses_per_window: u64): (Scenario, Clock, ID, ID) {
    let mut scenario = ts::begin(ADMIN);
    wal::init_for_testing(scenario.ctx());
    system::init_for_testing(scenario.ctx());
    scenario.next_tx(ADMIN);
    let mut clock = clock::create_for_testing(scenario.ctx());
    clock.set_for_testing(START_MS);
    {
        let mut admin = scenario.take_from_sender<AdminCap>();
        system::create_system(&mut admin, 10, 86_400_000, &clock, scenario.ctx());
        scenario.return_to_sender(admin);
        let mut wal_coin = scenario.take_from_sender<Coin<WAL>>();
        transfer::public_transfer(wal_coin.split(BUYER_FUNDS, scenario.ctx()), BUYER);
        transfer::public_transfer(wal_coin.split(PRICE - 1, scenario.ctx()), POOR);
        scenario.return_to_sender(wal_coin);
    };
    scenario.next_tx(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(SELLER);
    let offer_id = create(&mut scenario, model_id, PRICE, WINDOW_MS, MAX_WINDOWS, uses_per_window);
    scenario.next_tx(BUYER);
    (scenario, clock, model_id, offer_id)
}

/// Registers a model as the current sender, cap to the sender; returns the model ID.
public fun register(scenario: &mut Scenario): ID {
    let cap = model::register_model(utf8(b"floe-llm"), utf8(b"weights"), scenario.ctx());
    let model_id = model::cap_model_id(&cap);
    transfer::public_transfer(cap, scenario.sender());
    model_id
}

/// Opens an offer on `model_id` with the sender's (most recent) cap; returns its ID.
public fun create(
    scenario: &mut Scenario,
    model_id: ID,
    price_per_window: u64,
    window_ms: u64,
    max_windows: u64,
    uses_per_window: u64,
): ID {
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let offer_id = license::create_offer(
        &mut m,
        &cap,
        price_per_window,
        window_ms,
        max_windows,
        uses_per_window,
        scenario.ctx(),
    );
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    offer_id
}

/// The sender buys `windows` windows, paying from its WAL coin, whatever the price.
public fun buy(
    scenario: &mut Scenario,
    clock: &Clock,
    model_id: ID,
    offer_id: ID,
    windows: u64,
): License {
    buy_at_most(scenario, clock, model_id, offer_id, windows, MAX_U64)
}

/// The sender buys `windows` windows, paying from its WAL coin at most `max_price`.
public fun buy_at_most(
    scenario: &mut Scenario,
    clock: &Clock,
    model_id: ID,
    offer_id: ID,
    windows: u64,
    max_price: u64,
): License {
    let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let mut payment = scenario.take_from_sender<Coin<WAL>>();
    let license = license::purchase(
        &offer,
        &mut m,
        &system,
        &mut treasury,
        &mut payment,
        windows,
        max_price,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(offer);
    ts::return_shared(m);
    ts::return_shared(system);
    ts::return_shared(treasury);
    scenario.return_to_sender(payment);
    license
}

/// The sender extends `license` by `windows` windows under `offer_id`, whatever the price.
public fun extend(
    scenario: &mut Scenario,
    clock: &Clock,
    license: &mut License,
    model_id: ID,
    offer_id: ID,
    windows: u64,
) {
    extend_at_most(scenario, clock, license, model_id, offer_id, windows, MAX_U64)
}

/// The sender extends `license` by `windows` windows under `offer_id`, paying at most
/// `max_price`.
public fun extend_at_most(
    scenario: &mut Scenario,
    clock: &Clock,
    license: &mut License,
    model_id: ID,
    offer_id: ID,
    windows: u64,
    max_price: u64,
) {
    let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let mut payment = scenario.take_from_sender<Coin<WAL>>();
    license::extend(
        license,
        &offer,
        &mut m,
        &system,
        &mut treasury,
        &mut payment,
        windows,
        max_price,
        clock,
        scenario.ctx(),
    );
    ts::return_shared(offer);
    ts::return_shared(m);
    ts::return_shared(system);
    ts::return_shared(treasury);
    scenario.return_to_sender(payment);
}

/// The sender pauses the offer with its cap.
public fun pause(scenario: &Scenario, offer_id: ID) {
    let mut offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    let cap = scenario.take_from_sender<ModelCap>();
    license::pause_offer(&mut offer, &cap);
    ts::return_shared(offer);
    scenario.return_to_sender(cap);
}

/// The sender resumes the offer with its cap.
public fun resume(scenario: &Scenario, offer_id: ID) {
    let mut offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    let cap = scenario.take_from_sender<ModelCap>();
    license::resume_offer(&mut offer, &cap);
    ts::return_shared(offer);
    scenario.return_to_sender(cap);
}

/// The sender reprices the offer with its cap.
public fun reprice(scenario: &Scenario, offer_id: ID, price_per_window: u64) {
    let mut offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    let cap = scenario.take_from_sender<ModelCap>();
    license::reprice_offer(&mut offer, &cap, price_per_window);
    ts::return_shared(offer);
    scenario.return_to_sender(cap);
}

/// The protocol fee on `price` under the system's current `license_fee_bps`. Takes the
/// `System`, which a transaction can take only once: call it where nothing else takes it.
public fun fee_of(scenario: &Scenario, price: u64): u64 {
    fee_at(price, license_fee_bps(scenario))
}

/// The system's current `license_fee_bps` (takes the `System`, like `fee_of`).
public fun license_fee_bps(scenario: &Scenario): u64 {
    let system = scenario.take_shared<System>();
    let bps = system.license_fee_bps();
    ts::return_shared(system);
    bps
}

/// The protocol fee on `price` at `bps` basis points (as `license::purchase` computes it).
public fun fee_at(price: u64, bps: u64): u64 {
    (((price as u128) * (bps as u128) / 10_000) as u64)
}

/// The sender consumes one use of `license`; returns the receipt (not yet placed).
public fun consume(scenario: &mut Scenario, license: &mut License, clock: &Clock): UseReceipt {
    license::consume(license, clock, scenario.ctx())
}

/// The sender consumes one use of `license` and drops the receipt: for tests that only
/// count uses.
public fun use_once(scenario: &mut Scenario, license: &mut License, clock: &Clock) {
    license::destroy_receipt(consume(scenario, license, clock));
}

public fun finish(scenario: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    scenario.end();
}

/// Registers a second model (cap to OTHER_SELLER, in a transaction of its own); returns its
/// ID. The next transaction is `next`'s.
fun second_model(scenario: &mut Scenario, next: address): ID {
    scenario.next_tx(OTHER_SELLER);
    let other = register(scenario);
    scenario.next_tx(next);
    other
}

// === create_offer ===

#[test]
fun create_offer_shares_offer() {
    let mut scenario = ts::begin(ADMIN);
    let mut clock = clock::create_for_testing(scenario.ctx());
    clock.set_for_testing(START_MS);
    scenario.next_tx(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(SELLER);
    let offer_id = create(&mut scenario, model_id, PRICE, WINDOW_MS, MAX_WINDOWS, USES);
    assert_eq!(event::events_by_type<LicenseOfferCreated>().length(), 1);
    scenario.next_tx(BUYER);

    let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    assert_eq!(license::offer_model_id(&offer), model_id);
    assert_eq!(license::offer_price_per_window(&offer), PRICE);
    assert_eq!(license::offer_window_ms(&offer), WINDOW_MS);
    assert_eq!(license::offer_max_windows(&offer), MAX_WINDOWS);
    assert_eq!(license::offer_uses_per_window(&offer), USES);
    assert!(!license::offer_is_paused(&offer));
    assert_eq!(license::quote(&offer, 5), 5 * PRICE);
    ts::return_shared(offer);
    finish(scenario, clock);
}

#[test]
fun create_offer_accepts_limits() {
    let mut scenario = ts::begin(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(SELLER);
    // Exactly 100 years ahead, the largest price and use count that fit.
    let offer_id = create(&mut scenario, model_id, MAX_U64 / 2, MAX_LICENSE_MS / 2, 2, MAX_U64 / 2);
    scenario.next_tx(SELLER);
    let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    assert_eq!(license::quote(&offer, 2), MAX_U64 - 1);
    ts::return_shared(offer);
    scenario.end();
}

/// The same check aborts the same way in every offer function: `license::EWrongCap`.
#[test, expected_failure(abort_code = floe::license::EWrongCap)]
fun create_offer_wrong_cap_aborts() {
    let mut scenario = ts::begin(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(OTHER_SELLER);
    register(&mut scenario);
    scenario.next_tx(OTHER_SELLER);
    // OTHER_SELLER's cap controls its own model, not `model_id`.
    create(&mut scenario, model_id, PRICE, WINDOW_MS, MAX_WINDOWS, 0);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::license::EZeroWindowLength)]
fun create_offer_zero_window_aborts() {
    let mut scenario = ts::begin(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(SELLER);
    create(&mut scenario, model_id, PRICE, 0, MAX_WINDOWS, 0);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::license::EZeroMaxWindows)]
fun create_offer_zero_max_windows_aborts() {
    let mut scenario = ts::begin(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(SELLER);
    create(&mut scenario, model_id, PRICE, WINDOW_MS, 0, 0);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::license::ELicenseTooLong)]
fun create_offer_too_long_aborts() {
    let mut scenario = ts::begin(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(SELLER);
    create(&mut scenario, model_id, PRICE, MAX_LICENSE_MS / 2 + 1, 2, 0);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::license::EPriceOverflow)]
fun create_offer_price_overflow_aborts() {
    let mut scenario = ts::begin(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(SELLER);
    create(&mut scenario, model_id, MAX_U64 / 2 + 1, WINDOW_MS, 2, 0);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::license::EUsesOverflow)]
fun create_offer_uses_overflow_aborts() {
    let mut scenario = ts::begin(SELLER);
    let model_id = register(&mut scenario);
    scenario.next_tx(SELLER);
    create(&mut scenario, model_id, PRICE, WINDOW_MS, 2, MAX_U64 / 2 + 1);
    scenario.end();
}

// === pause / resume / reprice ===

#[test]
fun pause_and_resume_offer() {
    let (mut scenario, clock, _model_id, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    pause(&scenario, offer_id);
    assert_eq!(event::events_by_type<LicenseOfferStatusChanged>().length(), 1);
    // An object can be taken only once per transaction.
    scenario.next_tx(SELLER);
    {
        let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
        assert!(license::offer_is_paused(&offer));
        ts::return_shared(offer);
    };
    scenario.next_tx(SELLER);
    resume(&scenario, offer_id);
    assert_eq!(event::events_by_type<LicenseOfferStatusChanged>().length(), 1);
    scenario.next_tx(SELLER);
    let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    assert!(!license::offer_is_paused(&offer));
    ts::return_shared(offer);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EWrongCap)]
fun pause_offer_wrong_cap_aborts() {
    let (mut scenario, clock, _model_id, offer_id) = setup(0);
    scenario.next_tx(OTHER_SELLER);
    register(&mut scenario);
    scenario.next_tx(OTHER_SELLER);
    pause(&scenario, offer_id);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EOfferAlreadyPaused)]
fun pause_offer_twice_aborts() {
    let (mut scenario, clock, _model_id, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    pause(&scenario, offer_id);
    scenario.next_tx(SELLER);
    pause(&scenario, offer_id);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EWrongCap)]
fun resume_offer_wrong_cap_aborts() {
    let (mut scenario, clock, _model_id, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    pause(&scenario, offer_id);
    scenario.next_tx(OTHER_SELLER);
    register(&mut scenario);
    scenario.next_tx(OTHER_SELLER);
    resume(&scenario, offer_id);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EOfferNotPaused)]
fun resume_offer_not_paused_aborts() {
    let (mut scenario, clock, _model_id, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    resume(&scenario, offer_id);
    finish(scenario, clock);
}

#[test]
fun reprice_offer_changes_future_price() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    reprice(&scenario, offer_id, 2 * PRICE);
    assert_eq!(event::events_by_type<LicenseOfferRepriced>().length(), 1);
    scenario.next_tx(BUYER);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 3);
    scenario.next_tx(BUYER);
    let payment = scenario.take_from_sender<Coin<WAL>>();
    assert_eq!(payment.value(), BUYER_FUNDS - 6 * PRICE);
    scenario.return_to_sender(payment);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EWrongCap)]
fun reprice_offer_wrong_cap_aborts() {
    let (mut scenario, clock, _model_id, offer_id) = setup(0);
    scenario.next_tx(OTHER_SELLER);
    register(&mut scenario);
    scenario.next_tx(OTHER_SELLER);
    reprice(&scenario, offer_id, 1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EPriceOverflow)]
fun reprice_offer_overflow_aborts() {
    let (mut scenario, clock, _model_id, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    reprice(&scenario, offer_id, MAX_U64 / MAX_WINDOWS + 1);
    finish(scenario, clock);
}

// === purchase ===

#[test]
fun purchase_splits_payment_burns_fee_and_credits_seller() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let windows = 3;
    let price = windows * PRICE;

    let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let system = scenario.take_shared<System>();
    let fee = fee_at(price, system.license_fee_bps());
    assert!(fee > 0);
    let mut treasury = scenario.take_shared<Treasury>();
    let mut payment = scenario.take_from_sender<Coin<WAL>>();
    let supply_before = wal::total_supply(&treasury);
    let burned_before = wal::total_burned(&treasury);

    let license = license::purchase(
        &offer,
        &mut m,
        &system,
        &mut treasury,
        &mut payment,
        windows,
        price,
        &clock,
        scenario.ctx(),
    );

    // The change stays in the payment coin; every unit of the price is burned or credited.
    assert_eq!(payment.value(), BUYER_FUNDS - price);
    assert_eq!(wal::total_supply(&treasury), supply_before - fee);
    assert_eq!(wal::total_burned(&treasury), burned_before + fee);
    assert_eq!(model::revenue(&m), price - fee);
    assert_eq!(model::total_revenue(&m), price - fee);
    assert_eq!(event::events_by_type<LicensePurchased>().length(), 1);

    assert_eq!(license::model_id(&license), model_id);
    assert_eq!(license::offer_id(&license), offer_id);
    assert_eq!(license::holder(&license), BUYER);
    assert_eq!(license::expires_at_ms(&license), START_MS + 3 * WINDOW_MS);
    assert!(!license::is_use_limited(&license));
    assert_eq!(license::uses_left(&license), 0);
    assert!(license::is_valid(&license, &clock));

    ts::return_shared(offer);
    ts::return_shared(m);
    ts::return_shared(system);
    ts::return_shared(treasury);
    scenario.return_to_sender(payment);
    transfer::public_transfer(license, BUYER);
    finish(scenario, clock);
}

#[test]
fun purchase_use_limited_grants_uses_per_window() {
    let (mut scenario, clock, model_id, offer_id) = setup(USES);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 2);
    assert!(license::is_use_limited(&license));
    assert_eq!(license::uses_left(&license), 2 * USES);
    assert!(license::is_valid(&license, &clock));
    destroy(license);
    finish(scenario, clock);
}

#[test]
fun purchase_exact_payment_leaves_zero_coin() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    // POOR holds PRICE - 1; reprice to exactly that.
    scenario.next_tx(SELLER);
    reprice(&scenario, offer_id, PRICE - 1);
    scenario.next_tx(POOR);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    scenario.next_tx(POOR);
    let payment = scenario.take_from_sender<Coin<WAL>>();
    assert_eq!(payment.value(), 0);
    scenario.return_to_sender(payment);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EWrongModel)]
fun purchase_wrong_model_aborts() {
    let (mut scenario, clock, _model_id, offer_id) = setup(0);
    let other = second_model(&mut scenario, BUYER);
    let license = buy(&mut scenario, &clock, other, offer_id, 1);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EOfferPaused)]
fun purchase_paused_offer_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    pause(&scenario, offer_id);
    scenario.next_tx(BUYER);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EZeroWindows)]
fun purchase_zero_windows_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 0);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::ETooManyWindows)]
fun purchase_too_many_windows_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let license = buy(&mut scenario, &clock, model_id, offer_id, MAX_WINDOWS + 1);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EInsufficientPayment)]
fun purchase_insufficient_payment_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    scenario.next_tx(POOR);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    destroy(license);
    finish(scenario, clock);
}

/// The attack of issue 12, item 5: the buyer is quoted 3 windows at PRICE, the seller
/// raises the price tenfold before the purchase executes; the purchase, bounded by the
/// quote, aborts instead of taking ten times as much from the buyer's coin.
#[test, expected_failure(abort_code = floe::license::EPriceAboveMax)]
fun purchase_after_a_reprice_above_the_quote_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    let quoted = license::quote(&offer, 3);
    ts::return_shared(offer);
    scenario.next_tx(SELLER);
    reprice(&scenario, offer_id, 10 * PRICE);
    scenario.next_tx(BUYER);
    let license = buy_at_most(&mut scenario, &clock, model_id, offer_id, 3, quoted);
    destroy(license);
    finish(scenario, clock);
}

/// A reprice downwards (or none) within the quote buys at the price now.
#[test]
fun purchase_within_the_quote_pays_the_price_now() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    reprice(&scenario, offer_id, PRICE / 2);
    scenario.next_tx(BUYER);
    let license = buy_at_most(&mut scenario, &clock, model_id, offer_id, 2, 2 * PRICE);
    scenario.next_tx(BUYER);
    let payment = scenario.take_from_sender<Coin<WAL>>();
    assert_eq!(payment.value(), BUYER_FUNDS - PRICE);
    scenario.return_to_sender(payment);
    destroy(license);
    finish(scenario, clock);
}

// === extend ===

#[test]
fun extend_unexpired_adds_from_expiry() {
    let (mut scenario, mut clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 2);
    use_once(&mut scenario, &mut license, &clock);
    clock.increment_for_testing(WINDOW_MS);
    scenario.next_tx(BUYER);
    extend(&mut scenario, &clock, &mut license, model_id, offer_id, 3);
    assert_eq!(event::events_by_type<LicenseExtended>().length(), 1);
    assert_eq!(license::expires_at_ms(&license), START_MS + 5 * WINDOW_MS);
    assert_eq!(license::uses_left(&license), 5 * USES - 1);
    scenario.next_tx(BUYER);
    let payment = scenario.take_from_sender<Coin<WAL>>();
    assert_eq!(payment.value(), BUYER_FUNDS - 5 * PRICE);
    scenario.return_to_sender(payment);
    destroy(license);
    finish(scenario, clock);
}

#[test]
fun extend_expired_restarts_from_now() {
    let (mut scenario, mut clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    use_once(&mut scenario, &mut license, &clock);
    clock.increment_for_testing(2 * WINDOW_MS + 7);
    assert!(!license::is_valid(&license, &clock));
    scenario.next_tx(BUYER);
    extend(&mut scenario, &clock, &mut license, model_id, offer_id, 2);
    // Unused uses of the lapsed period do not carry over.
    assert_eq!(license::expires_at_ms(&license), START_MS + 4 * WINDOW_MS + 7);
    assert_eq!(license::uses_left(&license), 2 * USES);
    assert!(license::is_valid(&license, &clock));
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EWrongOffer)]
fun extend_wrong_offer_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    scenario.next_tx(SELLER);
    let other_offer = create(&mut scenario, model_id, 1, WINDOW_MS, MAX_WINDOWS, 0);
    scenario.next_tx(BUYER);
    extend(&mut scenario, &clock, &mut license, model_id, other_offer, 1);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EWrongModel)]
fun extend_wrong_model_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    let other = second_model(&mut scenario, BUYER);
    extend(&mut scenario, &clock, &mut license, other, offer_id, 1);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EOfferPaused)]
fun extend_paused_offer_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    scenario.next_tx(SELLER);
    pause(&scenario, offer_id);
    scenario.next_tx(BUYER);
    extend(&mut scenario, &clock, &mut license, model_id, offer_id, 1);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EZeroWindows)]
fun extend_zero_windows_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    scenario.next_tx(BUYER);
    extend(&mut scenario, &clock, &mut license, model_id, offer_id, 0);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::ETooManyWindows)]
fun extend_too_many_windows_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    scenario.next_tx(BUYER);
    extend(&mut scenario, &clock, &mut license, model_id, offer_id, MAX_WINDOWS + 1);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::ETooManyWindows)]
fun extend_beyond_max_windows_ahead_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, MAX_WINDOWS);
    scenario.next_tx(BUYER);
    // Already MAX_WINDOWS windows ahead of now: one more is too many.
    extend(&mut scenario, &clock, &mut license, model_id, offer_id, 1);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EInsufficientPayment)]
fun extend_insufficient_payment_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    // The license changes hands; its new holder cannot pay for an extension.
    transfer::public_transfer(license, POOR);
    scenario.next_tx(POOR);
    license = scenario.take_from_sender<License>();
    extend(&mut scenario, &clock, &mut license, model_id, offer_id, 1);
    destroy(license);
    finish(scenario, clock);
}

/// The same attack on an extension: quoted at PRICE per window, repriced before it executes.
#[test, expected_failure(abort_code = floe::license::EPriceAboveMax)]
fun extend_after_a_reprice_above_the_quote_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    scenario.next_tx(SELLER);
    reprice(&scenario, offer_id, 2 * PRICE);
    scenario.next_tx(BUYER);
    extend_at_most(&mut scenario, &clock, &mut license, model_id, offer_id, 1, PRICE);
    destroy(license);
    finish(scenario, clock);
}

// === consume / is_valid / seal_approve ===

#[test]
fun consume_counts_down_use_limited_license() {
    let (mut scenario, clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    let mut i = 0;
    while (i < USES) {
        assert!(license::is_valid(&license, &clock));
        use_once(&mut scenario, &mut license, &clock);
        i = i + 1;
    };
    assert_eq!(event::events_by_type<LicenseConsumed>().length(), USES);
    assert_eq!(license::uses_left(&license), 0);
    assert!(!license::is_valid(&license, &clock));
    destroy(license);
    finish(scenario, clock);
}

#[test]
fun consume_leaves_unlimited_license_unchanged() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    use_once(&mut scenario, &mut license, &clock);
    use_once(&mut scenario, &mut license, &clock);
    assert_eq!(license::uses_left(&license), 0);
    assert!(license::is_valid(&license, &clock));
    license::seal_approve_for_testing(object::id_to_bytes(&model_id), &license, &clock);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::ELicenseExpired)]
fun consume_expired_aborts() {
    let (mut scenario, mut clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    clock.increment_for_testing(WINDOW_MS);
    use_once(&mut scenario, &mut license, &clock);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::ENoUsesLeft)]
fun consume_no_uses_left_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(1);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    use_once(&mut scenario, &mut license, &clock);
    use_once(&mut scenario, &mut license, &clock);
    destroy(license);
    finish(scenario, clock);
}

#[test]
fun seal_approve_accepts_model_id_bytes() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    scenario.next_tx(BUYER);
    let m = scenario.take_shared_by_id<Model>(model_id);
    license::seal_approve_for_testing(model::id_bytes(&m), &license, &clock);
    ts::return_shared(m);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EWrongId)]
fun seal_approve_wrong_id_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    license::seal_approve_for_testing(object::id_to_bytes(&offer_id), &license, &clock);
    destroy(license);
    finish(scenario, clock);
}

/// A use-limited license is never approved by itself, even with uses left: a use must be
/// consumed on-chain first.
#[test, expected_failure(abort_code = floe::license::EUseLimitedNeedsReceipt)]
fun seal_approve_use_limited_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(USES);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    license::seal_approve_for_testing(object::id_to_bytes(&model_id), &license, &clock);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::ELicenseExpired)]
fun seal_approve_expired_aborts() {
    let (mut scenario, mut clock, model_id, offer_id) = setup(0);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    clock.increment_for_testing(WINDOW_MS);
    license::seal_approve_for_testing(object::id_to_bytes(&model_id), &license, &clock);
    destroy(license);
    finish(scenario, clock);
}

// === seal_approve_owner ===

/// The model's owner needs no license: its `ModelCap` approves the model's ID bytes.
#[test]
fun seal_approve_owner_accepts_the_caps_model() {
    let (mut scenario, clock, model_id, _) = setup(USES);
    scenario.next_tx(SELLER);
    let cap = scenario.take_from_sender<ModelCap>();
    let m = scenario.take_shared_by_id<Model>(model_id);
    license::seal_approve_owner_for_testing(model::id_bytes(&m), &cap);
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

/// The cap of another model approves nothing of this one, whoever holds it.
#[test, expected_failure(abort_code = floe::license::ECapOfOtherModel)]
fun seal_approve_owner_cap_of_another_model_aborts() {
    let (mut scenario, clock, model_id, _) = setup(0);
    let _ = second_model(&mut scenario, OTHER_SELLER);
    let other_cap = scenario.take_from_sender<ModelCap>();
    license::seal_approve_owner_for_testing(object::id_to_bytes(&model_id), &other_cap);
    scenario.return_to_sender(other_cap);
    finish(scenario, clock);
}

/// An identity that is no model ID (the offer's) is refused even with the right cap.
#[test, expected_failure(abort_code = floe::license::ECapOfOtherModel)]
fun seal_approve_owner_wrong_id_aborts() {
    let (mut scenario, clock, _, offer_id) = setup(0);
    scenario.next_tx(SELLER);
    let cap = scenario.take_from_sender<ModelCap>();
    license::seal_approve_owner_for_testing(object::id_to_bytes(&offer_id), &cap);
    scenario.return_to_sender(cap);
    finish(scenario, clock);
}

// === UseReceipt / seal_approve_receipt ===

/// The receipt names the license, the model and the sender; it lasts RECEIPT_TTL_MS.
#[test]
fun consume_returns_a_receipt_for_the_sender() {
    let (mut scenario, clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    let receipt = consume(&mut scenario, &mut license, &clock);
    assert_eq!(license::receipt_license_id(&receipt), object::id(&license));
    assert_eq!(license::receipt_model_id(&receipt), model_id);
    assert_eq!(license::receipt_consumer(&receipt), BUYER);
    assert_eq!(license::receipt_consumed_at_ms(&receipt), START_MS);
    assert_eq!(license::receipt_expires_at_ms(&receipt), START_MS + RECEIPT_TTL_MS);
    assert_eq!(license::uses_left(&license), USES - 1);
    let events = event::events_by_type<LicenseConsumed>();
    assert_eq!(events.length(), 1);
    license::seal_approve_receipt_for_testing(
        object::id_to_bytes(&model_id),
        &receipt,
        &clock,
        scenario.ctx(),
    );
    license::destroy_receipt(receipt);
    destroy(license);
    finish(scenario, clock);
}

/// A receipt never outlives its license.
#[test]
fun a_receipt_ends_with_its_license() {
    let (mut scenario, mut clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    let expiry = license::expires_at_ms(&license);
    clock.set_for_testing(expiry - 1000);
    let receipt = consume(&mut scenario, &mut license, &clock);
    assert_eq!(license::receipt_expires_at_ms(&receipt), expiry);
    license::destroy_receipt(receipt);
    destroy(license);
    finish(scenario, clock);
}

/// Unlimited licenses give receipts too, without counting.
#[test]
fun consume_unlimited_gives_a_receipt() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    let receipt = consume(&mut scenario, &mut license, &clock);
    assert_eq!(license::uses_left(&license), 0);
    assert!(license::is_valid(&license, &clock));
    license::seal_approve_receipt_for_testing(
        object::id_to_bytes(&model_id),
        &receipt,
        &clock,
        scenario.ctx(),
    );
    license::destroy_receipt(receipt);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EWrongId)]
fun seal_approve_receipt_wrong_id_aborts() {
    let (mut scenario, clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    let receipt = consume(&mut scenario, &mut license, &clock);
    license::seal_approve_receipt_for_testing(
        object::id_to_bytes(&offer_id),
        &receipt,
        &clock,
        scenario.ctx(),
    );
    license::destroy_receipt(receipt);
    destroy(license);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::EReceiptExpired)]
fun seal_approve_receipt_expired_aborts() {
    let (mut scenario, mut clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    let receipt = consume(&mut scenario, &mut license, &clock);
    clock.set_for_testing(license::receipt_expires_at_ms(&receipt));
    license::seal_approve_receipt_for_testing(
        object::id_to_bytes(&model_id),
        &receipt,
        &clock,
        scenario.ctx(),
    );
    license::destroy_receipt(receipt);
    destroy(license);
    finish(scenario, clock);
}

#[test]
fun destroy_receipt_deletes_it() {
    let (mut scenario, clock, model_id, offer_id) = setup(USES);
    let mut license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    let receipt = consume(&mut scenario, &mut license, &clock);
    transfer::public_transfer(receipt, BUYER);
    scenario.next_tx(BUYER);
    let receipt = scenario.take_from_sender<UseReceipt>();
    let receipt_id = object::id(&receipt);
    license::destroy_receipt(receipt);
    let effects = scenario.next_tx(BUYER);
    assert!(effects.deleted().contains(&receipt_id));
    destroy(license);
    finish(scenario, clock);
}

// === destroy / quote / revenue ===

#[test]
fun destroy_deletes_license() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 1);
    license::destroy(license);
    assert_eq!(event::events_by_type<LicenseDestroyed>().length(), 1);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::license::ETooManyWindows)]
fun quote_too_many_windows_aborts() {
    let (scenario, clock, _model_id, offer_id) = setup(0);
    let offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    let price = license::quote(&offer, MAX_WINDOWS + 1);
    assert_eq!(price, 0);
    ts::return_shared(offer);
    finish(scenario, clock);
}

#[test]
fun seller_withdraws_sale_revenue() {
    let (mut scenario, clock, model_id, offer_id) = setup(0);
    let license = buy(&mut scenario, &clock, model_id, offer_id, 4);
    scenario.next_tx(SELLER);
    let fee = fee_of(&scenario, 4 * PRICE);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    let coin = model::withdraw_revenue(&mut m, &cap, scenario.ctx());
    assert_eq!(coin.value(), 4 * PRICE - fee);
    assert_eq!(model::revenue(&m), 0);
    transfer::public_transfer(coin, SELLER);
    ts::return_shared(m);
    scenario.return_to_sender(cap);
    destroy(license);
    finish(scenario, clock);
}

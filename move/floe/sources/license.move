/// Time-window licenses for models.
///
/// The holder of a `ModelCap` opens `LicenseOffer`s (shared): a price in WAL per window, the
/// window length, the most windows a license may hold ahead of now, and optionally a number of
/// uses per window (0 = unlimited). A buyer pays from a WAL coin (exact price taken, change left
/// in the coin) and receives a `License` that the transaction places. Of each payment the
/// protocol fee (`system::license_fee_bps`) is burned and the rest accrues in the `Model` for
/// the seller to withdraw (`model::withdraw_revenue`).
///
/// A license is valid while the clock is before its expiry and, if use-limited, it has uses
/// left. Storage nodes and Seal key servers check validity with `seal_approve` (dry-run) or
/// `is_valid`. Licenses are `key + store`: a holder may transfer or resell one; whoever owns
/// the object can use it (the `holder` field records the original buyer only).
module floe::license;

use floe::events;
use floe::model::{Self, Model, ModelCap};
use floe::system::System;
use floe::wal::{Self, Treasury, WAL};
use sui::clock::Clock;
use sui::coin::Coin;

// === Errors ===

/// The `ModelCap` does not control the offer's model.
const EWrongCap: u64 = 0;
/// `window_ms` is 0.
const EZeroWindowLength: u64 = 1;
/// `max_windows` is 0.
const EZeroMaxWindows: u64 = 2;
/// `max_windows * window_ms` exceeds `MAX_LICENSE_MS` (100 years).
const ELicenseTooLong: u64 = 3;
/// `max_windows * price_per_window` does not fit in a u64.
const EPriceOverflow: u64 = 4;
/// `max_windows * uses_per_window` does not fit in a u64.
const EUsesOverflow: u64 = 5;
/// The offer is paused: no purchases or extensions.
const EOfferPaused: u64 = 6;
/// `resume_offer` on an offer that is not paused.
const EOfferNotPaused: u64 = 7;
/// `pause_offer` on an offer that is already paused.
const EOfferAlreadyPaused: u64 = 8;
/// The `Model` passed is not the offer's model.
const EWrongModel: u64 = 9;
/// `windows` is 0.
const EZeroWindows: u64 = 10;
/// The license would cover more than `max_windows` windows ahead of now.
const ETooManyWindows: u64 = 11;
/// The payment coin holds less than the price.
const EInsufficientPayment: u64 = 12;
/// `extend` with an offer other than the one the license was bought from.
const EWrongOffer: u64 = 13;
/// The license has expired.
const ELicenseExpired: u64 = 14;
/// The use-limited license has no uses left.
const ENoUsesLeft: u64 = 15;
/// `seal_approve`: the identity is not the license's model ID bytes.
const EWrongId: u64 = 16;
/// The price now (`windows * price_per_window`) is above the `max_price` the buyer agreed to:
/// the offer was repriced after the buyer's quote.
const EPriceAboveMax: u64 = 17;

// === Constants ===

/// Basis-point denominator.
const BPS: u64 = 10_000;
/// Longest time one offer may sell ahead of now: 100 years of 365 days, in ms.
const MAX_LICENSE_MS: u64 = 3_153_600_000_000;
/// Largest u64.
const MAX_U64: u128 = 18_446_744_073_709_551_615;

// === Objects ===

/// Terms on which a model's licenses are sold. Shared; changed only with the model's cap.
public struct LicenseOffer has key {
    id: UID,
    model_id: ID,
    /// WAL (base units) per window.
    price_per_window: u64,
    /// Length of one window, ms.
    window_ms: u64,
    /// Most windows a license may hold ahead of now (and so buy in one call).
    max_windows: u64,
    /// Uses granted per window bought; 0 = unlimited.
    uses_per_window: u64,
    paused: bool,
}

/// The right to use a model until `expires_at_ms` (and while uses are left, when
/// use-limited). Owned; transferable and resellable.
public struct License has key, store {
    id: UID,
    model_id: ID,
    offer_id: ID,
    /// The original buyer.
    holder: address,
    /// Valid while the clock is strictly before this (ms).
    expires_at_ms: u64,
    /// Whether uses are counted (the offer had `uses_per_window > 0`).
    use_limited: bool,
    /// Uses left (meaningful when `use_limited`).
    uses_left: u64,
}

// === Offers ===

/// Opens a license offer for `model` and shares it; returns its ID.
/// `uses_per_window = 0` sells unlimited use within the time bought.
/// Emits `LicenseOfferCreated` (and `ModelOwnerChanged` if the cap changed hands).
/// Aborts `EWrongCap` (like every offer function of this module), `EZeroWindowLength`,
/// `EZeroMaxWindows`, `ELicenseTooLong`, `EPriceOverflow`, `EUsesOverflow`.
public fun create_offer(
    model: &mut Model,
    cap: &ModelCap,
    price_per_window: u64,
    window_ms: u64,
    max_windows: u64,
    uses_per_window: u64,
    ctx: &mut TxContext,
): ID {
    assert!(model::cap_model_id(cap) == object::id(model), EWrongCap);
    model.authorize(cap, ctx);
    assert!(window_ms > 0, EZeroWindowLength);
    assert!(max_windows > 0, EZeroMaxWindows);
    assert!((max_windows as u128) * (window_ms as u128) <= (MAX_LICENSE_MS as u128), ELicenseTooLong);
    assert_price_fits(price_per_window, max_windows);
    assert!((max_windows as u128) * (uses_per_window as u128) <= MAX_U64, EUsesOverflow);

    let model_id = object::id(model);
    let offer = LicenseOffer {
        id: object::new(ctx),
        model_id,
        price_per_window,
        window_ms,
        max_windows,
        uses_per_window,
        paused: false,
    };
    let offer_id = object::id(&offer);
    events::emit_license_offer_created(
        offer_id,
        model_id,
        price_per_window,
        window_ms,
        max_windows,
        uses_per_window,
        ctx.sender(),
    );
    transfer::share_object(offer);
    offer_id
}

/// Stops sales and extensions under the offer (existing licenses stay valid).
/// Emits `LicenseOfferStatusChanged`. Aborts `EWrongCap`, `EOfferAlreadyPaused`.
public fun pause_offer(offer: &mut LicenseOffer, cap: &ModelCap) {
    assert!(model::cap_model_id(cap) == offer.model_id, EWrongCap);
    assert!(!offer.paused, EOfferAlreadyPaused);
    offer.paused = true;
    events::emit_license_offer_status_changed(object::id(offer), offer.model_id, true);
}

/// Reopens a paused offer.
/// Emits `LicenseOfferStatusChanged`. Aborts `EWrongCap`, `EOfferNotPaused`.
public fun resume_offer(offer: &mut LicenseOffer, cap: &ModelCap) {
    assert!(model::cap_model_id(cap) == offer.model_id, EWrongCap);
    assert!(offer.paused, EOfferNotPaused);
    offer.paused = false;
    events::emit_license_offer_status_changed(object::id(offer), offer.model_id, false);
}

/// Sets a new price per window for future purchases and extensions.
/// Emits `LicenseOfferRepriced`. Aborts `EWrongCap`, `EPriceOverflow`.
public fun reprice_offer(offer: &mut LicenseOffer, cap: &ModelCap, price_per_window: u64) {
    assert!(model::cap_model_id(cap) == offer.model_id, EWrongCap);
    assert_price_fits(price_per_window, offer.max_windows);
    let old_price = offer.price_per_window;
    offer.price_per_window = price_per_window;
    events::emit_license_offer_repriced(
        object::id(offer),
        offer.model_id,
        old_price,
        price_per_window,
    );
}

// === Buying ===

/// Buys a license for `windows` windows starting now. The price (`windows *
/// price_per_window`) must not exceed `max_price`, the price the buyer was quoted (so a
/// seller repricing between quote and purchase cannot take more); it is taken from
/// `payment` and the change stays in it. The protocol fee is burned, the rest credited to
/// the model. Returns the `License` for the transaction to place.
/// Emits `LicensePurchased` (and `WalBurned` for a non-zero fee).
/// Aborts `EWrongModel`, `EOfferPaused`, `EZeroWindows`, `ETooManyWindows`, `EPriceAboveMax`,
/// `EInsufficientPayment`.
public fun purchase(
    offer: &LicenseOffer,
    model: &mut Model,
    system: &System,
    treasury: &mut Treasury,
    payment: &mut Coin<WAL>,
    windows: u64,
    max_price: u64,
    clock: &Clock,
    ctx: &mut TxContext,
): License {
    assert!(offer.model_id == object::id(model), EWrongModel);
    assert!(!offer.paused, EOfferPaused);
    assert!(windows > 0, EZeroWindows);
    assert!(windows <= offer.max_windows, ETooManyWindows);

    let price = offer.price_per_window * windows;
    assert!(price <= max_price, EPriceAboveMax);
    let (fee_burned, seller_revenue) = take_payment(model, system, treasury, payment, price);
    let now = clock.timestamp_ms();
    let expires_at_ms = now + windows * offer.window_ms;
    let use_limited = offer.uses_per_window > 0;
    let uses_left = offer.uses_per_window * windows;
    let buyer = ctx.sender();
    let license = License {
        id: object::new(ctx),
        model_id: offer.model_id,
        offer_id: object::id(offer),
        holder: buyer,
        expires_at_ms,
        use_limited,
        uses_left,
    };
    events::emit_license_purchased(
        object::id(&license),
        object::id(offer),
        offer.model_id,
        buyer,
        windows,
        price,
        fee_burned,
        seller_revenue,
        expires_at_ms,
        use_limited,
        uses_left,
        now,
    );
    license
}

/// Adds `windows` windows to a license bought from `offer`, from its expiry or, if it has
/// expired, from now. Uses granted are added to those left (or replace them if expired).
/// Paid like `purchase`, at most `max_price`. The license may not end up more than
/// `max_windows` windows ahead of now.
/// Emits `LicenseExtended`. Aborts `EWrongOffer`, `EWrongModel`, `EOfferPaused`,
/// `EZeroWindows`, `ETooManyWindows`, `EPriceAboveMax`, `EInsufficientPayment`.
public fun extend(
    license: &mut License,
    offer: &LicenseOffer,
    model: &mut Model,
    system: &System,
    treasury: &mut Treasury,
    payment: &mut Coin<WAL>,
    windows: u64,
    max_price: u64,
    clock: &Clock,
    ctx: &TxContext,
) {
    assert!(license.offer_id == object::id(offer), EWrongOffer);
    assert!(offer.model_id == object::id(model), EWrongModel);
    assert!(!offer.paused, EOfferPaused);
    assert!(windows > 0, EZeroWindows);
    assert!(windows <= offer.max_windows, ETooManyWindows);

    let now = clock.timestamp_ms();
    let expired = now >= license.expires_at_ms;
    let start = if (expired) now else license.expires_at_ms;
    let expires_at_ms = start + windows * offer.window_ms;
    assert!(expires_at_ms - now <= offer.max_windows * offer.window_ms, ETooManyWindows);

    let price = offer.price_per_window * windows;
    assert!(price <= max_price, EPriceAboveMax);
    let (fee_burned, seller_revenue) = take_payment(model, system, treasury, payment, price);
    let granted = offer.uses_per_window * windows;
    license.uses_left = if (expired) granted else std::u64::saturating_add(license.uses_left, granted);
    license.expires_at_ms = expires_at_ms;

    events::emit_license_extended(
        object::id(license),
        license.offer_id,
        license.model_id,
        ctx.sender(),
        windows,
        price,
        fee_burned,
        seller_revenue,
        expires_at_ms,
        license.uses_left,
        now,
    );
}

// === Using ===

/// Records one use of a license (the holder calls it before each metered use). Use-limited
/// licenses lose one use; unlimited ones are unchanged.
/// Emits `LicenseConsumed`. Aborts `ELicenseExpired`, `ENoUsesLeft`.
public fun consume(license: &mut License, clock: &Clock) {
    let now = clock.timestamp_ms();
    assert!(now < license.expires_at_ms, ELicenseExpired);
    if (license.use_limited) {
        assert!(license.uses_left > 0, ENoUsesLeft);
        license.uses_left = license.uses_left - 1;
    };
    events::emit_license_consumed(object::id(license), license.model_id, license.uses_left, now);
}

/// Deletes a license (e.g. an expired one, to reclaim its storage rebate).
/// Emits `LicenseDestroyed`.
public fun destroy(license: License) {
    let License {
        id,
        model_id,
        offer_id: _,
        holder: _,
        expires_at_ms: _,
        use_limited: _,
        uses_left: _,
    } = license;
    events::emit_license_destroyed(id.to_inner(), model_id);
    id.delete();
}

/// Whether the license is valid now: unexpired and, if use-limited, with uses left.
public fun is_valid(license: &License, clock: &Clock): bool {
    clock.timestamp_ms() < license.expires_at_ms && (!license.use_limited || license.uses_left > 0)
}

/// Seal access policy, dry-run by key servers and storage nodes: approves `id` only if it is
/// the license's model ID bytes (`model::id_bytes`) and the license is valid now.
/// Aborts `EWrongId`, `ELicenseExpired`, `ENoUsesLeft`.
entry fun seal_approve(id: vector<u8>, license: &License, clock: &Clock) {
    assert!(id == object::id_to_bytes(&license.model_id), EWrongId);
    assert!(clock.timestamp_ms() < license.expires_at_ms, ELicenseExpired);
    assert!(!license.use_limited || license.uses_left > 0, ENoUsesLeft);
}

// === Reads ===

/// The price of `windows` windows under the offer now. Aborts `ETooManyWindows`.
public fun quote(offer: &LicenseOffer, windows: u64): u64 {
    assert!(windows <= offer.max_windows, ETooManyWindows);
    offer.price_per_window * windows
}

/// The model an offer sells.
public fun offer_model_id(offer: &LicenseOffer): ID { offer.model_id }

/// WAL per window.
public fun offer_price_per_window(offer: &LicenseOffer): u64 { offer.price_per_window }

/// Window length, ms.
public fun offer_window_ms(offer: &LicenseOffer): u64 { offer.window_ms }

/// Most windows a license may hold ahead of now.
public fun offer_max_windows(offer: &LicenseOffer): u64 { offer.max_windows }

/// Uses per window (0 = unlimited).
public fun offer_uses_per_window(offer: &LicenseOffer): u64 { offer.uses_per_window }

/// Whether the offer is paused.
public fun offer_is_paused(offer: &LicenseOffer): bool { offer.paused }

/// The licensed model.
public fun model_id(license: &License): ID { license.model_id }

/// The offer the license was bought from.
public fun offer_id(license: &License): ID { license.offer_id }

/// The original buyer.
public fun holder(license: &License): address { license.holder }

/// Expiry (ms; valid while the clock is strictly before it).
public fun expires_at_ms(license: &License): u64 { license.expires_at_ms }

/// Whether uses are counted.
public fun is_use_limited(license: &License): bool { license.use_limited }

/// Uses left (meaningful when use-limited).
public fun uses_left(license: &License): u64 { license.uses_left }

// === Internal ===

fun assert_price_fits(price_per_window: u64, max_windows: u64) {
    assert!((price_per_window as u128) * (max_windows as u128) <= MAX_U64, EPriceOverflow);
}

/// Takes `price` from `payment`, burns the protocol fee and credits the rest to the model.
/// Returns (fee burned, seller revenue).
fun take_payment(
    model: &mut Model,
    system: &System,
    treasury: &mut Treasury,
    payment: &mut Coin<WAL>,
    price: u64,
): (u64, u64) {
    assert!(payment.value() >= price, EInsufficientPayment);
    let mut paid = payment.balance_mut().split(price);
    let bps = std::u64::min(system.license_fee_bps(), BPS);
    let fee = (((price as u128) * (bps as u128) / (BPS as u128)) as u64);
    let fee_burned = wal::burn_balance(treasury, paid.split(fee), wal::source_license_fee());
    let seller_revenue = paid.value();
    model.add_revenue(paid);
    (fee_burned, seller_revenue)
}

// === Test-only ===

/// `seal_approve` is a private `entry` (the Seal policy shape); tests in other modules reach
/// it through this.
#[test_only]
public fun seal_approve_for_testing(id: vector<u8>, license: &License, clock: &Clock) {
    seal_approve(id, license, clock);
}

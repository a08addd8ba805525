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
/// left. Licenses are `key + store`: a holder may transfer or resell one; whoever owns the
/// object can use it (the `holder` field records the original buyer only).
///
/// Using a license: an unlimited license is its own proof of access (`seal_approve`, and
/// storage nodes read it directly). A use-limited license's uses are scarce, so each use is
/// consumed on-chain before what it pays for is released: `consume` takes one use and returns
/// a `UseReceipt` naming the consumer (the sender), the license and the model, valid for
/// `RECEIPT_TTL_MS` (10 minutes, capped at the license's expiry): one use is one read session.
/// Storage nodes serve the model to the receipt's owner while it lasts, and Seal key servers
/// release a key against it (`seal_approve_receipt`); `seal_approve` refuses a use-limited
/// license by itself (`EUseLimitedNeedsReceipt`), so a one-use license yields one receipt and
/// one key. Uses are counted on-chain, never by the nodes. The model's owner needs no license:
/// `seal_approve_owner` approves the holder of its `ModelCap`.
module floe::license;

use floe::events;
use floe::model::{Self, Model, ModelCap};
use floe::system::System;
use floe::version;
use floe::wal::{Self, Treasury, WAL};
use sui::clock::Clock;
use sui::coin::Coin;

// === Errors ===

/// The `ModelCap` does not control the offer's model.
/// Use the ModelCap of the offer's model.
const EWrongCap: u64 = 0;
/// `window_ms` is 0.
/// Give a window length of more than 0 ms.
const EZeroWindowLength: u64 = 1;
/// `max_windows` is 0.
/// Set max_windows to at least 1.
const EZeroMaxWindows: u64 = 2;
/// `max_windows * window_ms` exceeds `MAX_LICENSE_MS` (100 years).
/// Lower one of them.
const ELicenseTooLong: u64 = 3;
/// `max_windows * price_per_window` does not fit in a u64.
/// Lower one of them.
const EPriceOverflow: u64 = 4;
/// `max_windows * uses_per_window` does not fit in a u64.
/// Lower one of them.
const EUsesOverflow: u64 = 5;
/// The offer is paused: no purchases or extensions.
/// Wait until the seller resumes it.
const EOfferPaused: u64 = 6;
/// `resume_offer` on an offer that is not paused.
/// Nothing to do: the offer is open for purchases already.
const EOfferNotPaused: u64 = 7;
/// `pause_offer` on an offer that is already paused.
/// Nothing to do: the offer is paused already (floe license resume opens it again).
const EOfferAlreadyPaused: u64 = 8;
/// The `Model` passed is not the offer's model.
/// Pass the Model the offer sells.
const EWrongModel: u64 = 9;
/// `windows` is 0.
/// Buy at least one window.
const EZeroWindows: u64 = 10;
/// The license would cover more than `max_windows` windows ahead of now.
/// Buy fewer.
const ETooManyWindows: u64 = 11;
/// The payment coin holds less than the price.
/// Use a coin with more WAL.
const EInsufficientPayment: u64 = 12;
/// `extend` with an offer other than the one the license was bought from.
/// Extend a license with the offer it was bought from.
const EWrongOffer: u64 = 13;
/// The license has expired.
/// Extend it or buy a new one.
const ELicenseExpired: u64 = 14;
/// The use-limited license has no uses left.
/// Extend it or buy a new one.
const ENoUsesLeft: u64 = 15;
/// `seal_approve`: the identity is not the license's model ID bytes.
/// Use the licensed model's 32 ID bytes as the identity.
const EWrongId: u64 = 16;
/// The price now (`windows * price_per_window`) is above the `max_price` the buyer agreed to:
/// the offer was repriced after the buyer's quote.
/// Check the offer's price and buy again if you agree.
const EPriceAboveMax: u64 = 17;
/// `seal_approve` with a use-limited license: consume a use first (`consume`) and approve
/// with its receipt (`seal_approve_receipt`).
/// A use-limited license opens a model only through a use consumed on-chain: consume a use first (`floe read` does it) and approve with its receipt.
const EUseLimitedNeedsReceipt: u64 = 18;
/// `seal_approve_receipt`: the receipt's lifetime is over; consume another use.
const EReceiptExpired: u64 = 19;
/// `seal_approve_receipt`: the sender is not the receipt's consumer.
/// Sign as that account, or consume a use of your own license.
const ENotConsumer: u64 = 20;
/// `seal_approve_owner`: the identity is not the ID bytes of the model the `ModelCap`
/// controls (a cap of another model).
/// Approve with the ModelCap of the model you are decrypting.
const ECapOfOtherModel: u64 = 21;

// === Constants ===

/// Basis-point denominator.
const BPS: u64 = 10_000;
/// Longest time one offer may sell ahead of now: 100 years of 365 days, in ms.
const MAX_LICENSE_MS: u64 = 3_153_600_000_000;
/// Largest u64.
const MAX_U64: u128 = 18_446_744_073_709_551_615;
/// Lifetime of a `UseReceipt`, ms: one use is one read session of at most 10 minutes.
const RECEIPT_TTL_MS: u64 = 600_000;

// === Objects ===

/// Terms on which a model's licenses are sold. Shared; changed only with the model's cap.
public struct LicenseOffer has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
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

/// One use of a license, consumed on-chain by `consumer` (`consume`): lets its consumer read
/// the model (storage nodes) or obtain its key (`seal_approve_receipt`) until `expires_at_ms`.
/// Owned by the consumer (the transaction places it); it proves nothing for anyone else, and
/// another use needs another `consume`.
public struct UseReceipt has key, store {
    id: UID,
    license_id: ID,
    model_id: ID,
    /// The sender of `consume`: the only address the receipt serves.
    consumer: address,
    consumed_at_ms: u64,
    /// Valid while the clock is strictly before this (ms): `consumed_at_ms + RECEIPT_TTL_MS`,
    /// or the license's expiry if sooner.
    expires_at_ms: u64,
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
    version::assert_current(model.object_version());
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
        version: version::current(),
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
    version::assert_current(offer.version);
    assert!(model::cap_model_id(cap) == offer.model_id, EWrongCap);
    assert!(!offer.paused, EOfferAlreadyPaused);
    offer.paused = true;
    events::emit_license_offer_status_changed(object::id(offer), offer.model_id, true);
}

/// Reopens a paused offer.
/// Emits `LicenseOfferStatusChanged`. Aborts `EWrongCap`, `EOfferNotPaused`.
public fun resume_offer(offer: &mut LicenseOffer, cap: &ModelCap) {
    version::assert_current(offer.version);
    assert!(model::cap_model_id(cap) == offer.model_id, EWrongCap);
    assert!(offer.paused, EOfferNotPaused);
    offer.paused = false;
    events::emit_license_offer_status_changed(object::id(offer), offer.model_id, false);
}

/// Sets a new price per window for future purchases and extensions.
/// Emits `LicenseOfferRepriced`. Aborts `EWrongCap`, `EPriceOverflow`.
public fun reprice_offer(offer: &mut LicenseOffer, cap: &ModelCap, price_per_window: u64) {
    version::assert_current(offer.version);
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
    version::assert_current(offer.version);
    version::assert_current(model.object_version());
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
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
    version::assert_current(offer.version);
    version::assert_current(model.object_version());
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
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

/// Consumes one use of a license (its owner calls it before each use) and returns the
/// `UseReceipt` for the transaction to place (TransferObjects to the sender): the consumer's
/// proof, for `RECEIPT_TTL_MS` (at most until the license expires), that the use was paid
/// for. Use-limited licenses lose one use; unlimited ones are unchanged.
/// Emits `LicenseConsumed`. Aborts `ELicenseExpired`, `ENoUsesLeft`.
public fun consume(license: &mut License, clock: &Clock, ctx: &mut TxContext): UseReceipt {
    let now = clock.timestamp_ms();
    assert!(now < license.expires_at_ms, ELicenseExpired);
    if (license.use_limited) {
        assert!(license.uses_left > 0, ENoUsesLeft);
        license.uses_left = license.uses_left - 1;
    };
    let license_id = object::id(license);
    events::emit_license_consumed(license_id, license.model_id, license.uses_left, now);
    let session_end = std::u64::saturating_add(now, RECEIPT_TTL_MS);
    UseReceipt {
        id: object::new(ctx),
        license_id,
        model_id: license.model_id,
        consumer: ctx.sender(),
        consumed_at_ms: now,
        expires_at_ms: std::u64::min(license.expires_at_ms, session_end),
    }
}

/// Deletes a receipt (e.g. an expired one, to reclaim its storage rebate).
public fun destroy_receipt(receipt: UseReceipt) {
    let UseReceipt {
        id,
        license_id: _,
        model_id: _,
        consumer: _,
        consumed_at_ms: _,
        expires_at_ms: _,
    } = receipt;
    id.delete();
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

/// Seal access policy for unlimited licenses, dry-run by key servers: approves `id` only if
/// it is the license's model ID bytes (`model::id_bytes`), the license is unexpired and not
/// use-limited (a use-limited license is approved only through the receipt of a use consumed
/// on-chain: `consume`, then `seal_approve_receipt`).
/// Aborts `EWrongId`, `ELicenseExpired`, `EUseLimitedNeedsReceipt`.
entry fun seal_approve(id: vector<u8>, license: &License, clock: &Clock) {
    assert!(id == object::id_to_bytes(&license.model_id), EWrongId);
    assert!(clock.timestamp_ms() < license.expires_at_ms, ELicenseExpired);
    assert!(!license.use_limited, EUseLimitedNeedsReceipt);
}

/// Seal access policy for a consumed use, dry-run by key servers: approves `id` only if it is
/// the receipt's model ID bytes, the receipt is still within its lifetime and the sender is
/// its consumer.
/// Aborts `EWrongId`, `EReceiptExpired`, `ENotConsumer`.
entry fun seal_approve_receipt(
    id: vector<u8>,
    receipt: &UseReceipt,
    clock: &Clock,
    ctx: &TxContext,
) {
    assert!(id == object::id_to_bytes(&receipt.model_id), EWrongId);
    assert!(clock.timestamp_ms() < receipt.expires_at_ms, EReceiptExpired);
    assert!(ctx.sender() == receipt.consumer, ENotConsumer);
}

/// Seal access policy for the model's owner, dry-run by key servers: approves `id` only if it
/// is the ID bytes of the model `cap` controls. Holding the cap is the proof: a `ModelCap` is
/// an owned object, so a transaction can name it only when its sender owns it. The owner of a
/// model can therefore always decrypt every version of it, without a license, whatever its
/// offers say (paused, repriced or none).
/// Aborts `ECapOfOtherModel`.
entry fun seal_approve_owner(id: vector<u8>, cap: &ModelCap) {
    assert!(id == object::id_to_bytes(&model::cap_model_id(cap)), ECapOfOtherModel);
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

/// The license a receipt's use was consumed from.
public fun receipt_license_id(receipt: &UseReceipt): ID { receipt.license_id }

/// The model a receipt grants access to.
public fun receipt_model_id(receipt: &UseReceipt): ID { receipt.model_id }

/// The address that consumed the use: the only one the receipt serves.
public fun receipt_consumer(receipt: &UseReceipt): address { receipt.consumer }

/// When the use was consumed (ms).
public fun receipt_consumed_at_ms(receipt: &UseReceipt): u64 { receipt.consumed_at_ms }

/// Expiry (ms; valid while the clock is strictly before it).
public fun receipt_expires_at_ms(receipt: &UseReceipt): u64 { receipt.expires_at_ms }

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

// === Versions ===

/// The version of the package that last migrated this `LicenseOffer` (see `floe::version`).
public(package) fun object_version(offer: &LicenseOffer): u64 { offer.version }

/// Brings this `LicenseOffer` to the package's version. Aborts `version::EAlreadyMigrated` if it is
/// there already.
public(package) fun migrate_version(offer: &mut LicenseOffer) {
    offer.version = version::migrated(offer.version);
}

/// Brings a `LicenseOffer` left at an older package version to this package's version, so
/// its licenses can be sold and extended again. Anyone may call it: migrating only applies
/// this package's rules and changes nothing but the version. Aborts
/// `version::EAlreadyMigrated` if the offer is at this version already.
public fun migrate_offer(offer: &mut LicenseOffer) {
    offer.migrate_version();
}

// === Test-only ===

/// `seal_approve` is a private `entry` (the Seal policy shape); tests in other modules reach
/// it through this.
#[test_only]
public fun seal_approve_for_testing(id: vector<u8>, license: &License, clock: &Clock) {
    seal_approve(id, license, clock);
}

/// `seal_approve_receipt` for tests in other modules.
#[test_only]
public fun seal_approve_receipt_for_testing(
    id: vector<u8>,
    receipt: &UseReceipt,
    clock: &Clock,
    ctx: &TxContext,
) {
    seal_approve_receipt(id, receipt, clock, ctx);
}

/// `seal_approve_owner` for tests in other modules.
#[test_only]
public fun seal_approve_owner_for_testing(id: vector<u8>, cap: &ModelCap) {
    seal_approve_owner(id, cap);
}

/// Sets the `version` field, to simulate a `LicenseOffer` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(offer: &mut LicenseOffer, value: u64) {
    offer.version = value;
}

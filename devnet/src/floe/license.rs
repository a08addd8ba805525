//! `floe::license`: time-window licenses for models, sold under shared `LicenseOffer`s.
//!
//! Mirrors `move/floe/sources/license.move` function by function. Of each payment the
//! protocol fee (`system.license_fee_bps`) is burned through `wal::burn_balance` (source
//! license fee) and the rest is credited to the `Model` (`model::add_revenue`).
//! `seal_approve` and `seal_approve_receipt` are private `entry` functions: callable from a
//! transaction (Seal key servers dry-run them), they return nothing when access is granted
//! and abort otherwise. `consume` returns a `UseReceipt` (`key, store`) for the transaction to
//! place. The `*_for_testing` functions are `#[test_only]` and have no handler.

use floe_sdk::move_types::events::{
    LicenseConsumed, LicenseDestroyed, LicenseExtended, LicenseOfferCreated, LicenseOfferRepriced,
    LicenseOfferStatusChanged, LicensePurchased,
};
use floe_sdk::move_types::license::{License, LicenseOffer, UseReceipt};
use floe_sdk::move_types::model::Model;
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self};
use sui_sdk_types::{Address, ExecutionError, StructTag, TypeTag};

use super::model::{self, abort_at, arithmetic_error, clock_arg, move_address};
use super::version;
use super::wal::{self, SOURCE_LICENSE_FEE};
use super::{FloeFn, add, arity, coin_value, emit, object_arg, pure_arg, ret, tag, take_from_coin};
use crate::handlers::HandlerRegistry;
use crate::runtime::{CallContext, Value};

const MODULE: &str = "license";

// === Errors (same names and values as in license.move) ===

/// The abort codes of `floe::license`, generated from the Move source.
pub use floe_sdk::move_aborts::license::*;

// === Constants ===

/// Basis-point denominator.
pub const BPS: u64 = 10_000;
/// Longest time one offer may sell ahead of now: 100 years of 365 days, in ms.
pub const MAX_LICENSE_MS: u64 = 3_153_600_000_000;
/// Lifetime of a `UseReceipt`, ms: one use is one read session of at most 10 minutes.
pub const RECEIPT_TTL_MS: u64 = 600_000;

pub fn register(registry: &mut HandlerRegistry) {
    let handlers: [(&str, FloeFn); 31] = [
        ("create_offer", create_offer),
        ("pause_offer", pause_offer),
        ("resume_offer", resume_offer),
        ("reprice_offer", reprice_offer),
        ("migrate_offer", migrate_offer),
        ("purchase", purchase),
        ("extend", extend),
        ("consume", consume),
        ("destroy_receipt", destroy_receipt),
        ("destroy", destroy),
        ("is_valid", is_valid),
        ("seal_approve", seal_approve),
        ("seal_approve_receipt", seal_approve_receipt),
        ("quote", quote),
        ("offer_model_id", |ctx, _, a| {
            offer_read(ctx, &a, |o| o.model_id.clone())
        }),
        ("offer_price_per_window", |ctx, _, a| {
            offer_read(ctx, &a, |o| o.price_per_window)
        }),
        ("offer_window_ms", |ctx, _, a| {
            offer_read(ctx, &a, |o| o.window_ms)
        }),
        ("offer_max_windows", |ctx, _, a| {
            offer_read(ctx, &a, |o| o.max_windows)
        }),
        ("offer_uses_per_window", |ctx, _, a| {
            offer_read(ctx, &a, |o| o.uses_per_window)
        }),
        ("offer_is_paused", |ctx, _, a| {
            offer_read(ctx, &a, |o| o.paused)
        }),
        ("model_id", |ctx, _, a| {
            license_read(ctx, &a, |l| l.model_id.clone())
        }),
        ("offer_id", |ctx, _, a| {
            license_read(ctx, &a, |l| l.offer_id.clone())
        }),
        ("holder", |ctx, _, a| license_read(ctx, &a, |l| l.holder)),
        ("expires_at_ms", |ctx, _, a| {
            license_read(ctx, &a, |l| l.expires_at_ms)
        }),
        ("is_use_limited", |ctx, _, a| {
            license_read(ctx, &a, |l| l.use_limited)
        }),
        ("uses_left", |ctx, _, a| {
            license_read(ctx, &a, |l| l.uses_left)
        }),
        ("receipt_license_id", |ctx, _, a| {
            receipt_read(ctx, &a, |r| r.license_id.clone())
        }),
        ("receipt_model_id", |ctx, _, a| {
            receipt_read(ctx, &a, |r| r.model_id.clone())
        }),
        ("receipt_consumer", |ctx, _, a| {
            receipt_read(ctx, &a, |r| r.consumer)
        }),
        ("receipt_consumed_at_ms", |ctx, _, a| {
            receipt_read(ctx, &a, |r| r.consumed_at_ms)
        }),
        ("receipt_expires_at_ms", |ctx, _, a| {
            receipt_read(ctx, &a, |r| r.expires_at_ms)
        }),
    ];
    for (name, handler) in handlers {
        add(registry, MODULE, name, handler);
    }
}

// === Types and arguments ===

/// `floe::license::LicenseOffer`.
pub fn offer_tag() -> StructTag {
    tag(MODULE, "LicenseOffer")
}

/// `floe::license::License`.
pub fn license_tag() -> StructTag {
    tag(MODULE, "License")
}

/// `floe::license::UseReceipt`.
pub fn receipt_tag() -> StructTag {
    tag(MODULE, "UseReceipt")
}

/// The shared `LicenseOffer` argument at `index`, read.
pub fn offer_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
) -> Result<(Address, LicenseOffer), ExecutionError> {
    let id = object_arg(ctx, args, index, &offer_tag())?;
    Ok((id, ctx.read(id)?))
}

/// The `License` argument at `index`, read.
pub fn license_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
) -> Result<(Address, License), ExecutionError> {
    let id = object_arg(ctx, args, index, &license_tag())?;
    Ok((id, ctx.read(id)?))
}

/// The `UseReceipt` argument at `index`, read.
pub fn receipt_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
) -> Result<(Address, UseReceipt), ExecutionError> {
    let id = object_arg(ctx, args, index, &receipt_tag())?;
    Ok((id, ctx.read(id)?))
}

/// The `&mut Coin<WAL>` payment argument at `index`.
fn payment_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
) -> Result<Address, ExecutionError> {
    object_arg(ctx, args, index, &super::wal_coin_tag())
}

// === Internal ===

/// `assert_price_fits`: `price_per_window * max_windows` fits in a u64.
fn assert_price_fits(price_per_window: u64, max_windows: u64) -> Result<(), ExecutionError> {
    if u128::from(price_per_window) * u128::from(max_windows) > u128::from(u64::MAX) {
        return Err(abort_at(MODULE, "assert_price_fits", E_PRICE_OVERFLOW));
    }
    Ok(())
}

/// `take_payment`: takes `price` from `payment`, burns the protocol fee and credits the rest
/// to the model. Returns (fee burned, seller revenue).
fn take_payment(
    ctx: &mut CallContext<'_>,
    model: &mut Model,
    system: &System,
    treasury: &mut Treasury,
    payment: Address,
    price: u64,
) -> Result<(u64, u64), ExecutionError> {
    if coin_value(ctx, payment)? < price {
        return Err(abort_at(MODULE, "take_payment", E_INSUFFICIENT_PAYMENT));
    }
    let paid = take_from_coin(ctx, payment, price)?;
    let bps = system.license_fee_bps.min(BPS);
    let fee = u64::try_from(u128::from(paid) * u128::from(bps) / u128::from(BPS))
        .expect("bps <= BPS, so the fee is at most the price");
    let fee_burned = wal::burn_balance(ctx, treasury, fee, SOURCE_LICENSE_FEE)?;
    let seller_revenue = paid - fee;
    model::add_revenue(model, seller_revenue)?;
    Ok((fee_burned, seller_revenue))
}

fn mul(a: u64, b: u64) -> Result<u64, ExecutionError> {
    a.checked_mul(b).ok_or_else(|| arithmetic_error(MODULE))
}

fn plus(a: u64, b: u64) -> Result<u64, ExecutionError> {
    a.checked_add(b).ok_or_else(|| arithmetic_error(MODULE))
}

// === Offers ===

/// `create_offer(model: &mut Model, cap: &ModelCap, price_per_window: u64, window_ms: u64,
/// max_windows: u64, uses_per_window: u64, ctx): ID`
fn create_offer(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 6)?;
    let (model_id, mut model) = model::model_arg(ctx, &args, 0)?;
    version::assert_current(model.version)?;
    let (cap_id, cap) = model::cap_arg(ctx, &args, 1)?;
    let price_per_window: u64 = pure_arg(ctx, &args, 2)?;
    let window_ms: u64 = pure_arg(ctx, &args, 3)?;
    let max_windows: u64 = pure_arg(ctx, &args, 4)?;
    let uses_per_window: u64 = pure_arg(ctx, &args, 5)?;

    // The offer functions' own check first, so all of them abort `license::EWrongCap`.
    if move_types::address_of(&cap.model_id) != model_id {
        return Err(ctx.abort(E_WRONG_CAP));
    }
    model::authorize(ctx, model_id, &mut model, cap_id, &cap)?;
    if window_ms == 0 {
        return Err(ctx.abort(E_ZERO_WINDOW_LENGTH));
    }
    if max_windows == 0 {
        return Err(ctx.abort(E_ZERO_MAX_WINDOWS));
    }
    if u128::from(max_windows) * u128::from(window_ms) > u128::from(MAX_LICENSE_MS) {
        return Err(ctx.abort(E_LICENSE_TOO_LONG));
    }
    assert_price_fits(price_per_window, max_windows)?;
    if u128::from(max_windows) * u128::from(uses_per_window) > u128::from(u64::MAX) {
        return Err(ctx.abort(E_USES_OVERFLOW));
    }

    let offer_id = ctx.fresh_id();
    let offer = LicenseOffer::new(
        move_types::uid(offer_id),
        super::version::VERSION,
        move_types::id(model_id),
        price_per_window,
        window_ms,
        max_windows,
        uses_per_window,
        false,
    );
    emit(
        ctx,
        "LicenseOfferCreated",
        &LicenseOfferCreated::new(
            move_types::id(offer_id),
            move_types::id(model_id),
            price_per_window,
            window_ms,
            max_windows,
            uses_per_window,
            move_address(ctx.sender()),
        ),
    )?;
    ctx.create_object(offer_tag(), false, &offer)?;
    ctx.share(offer_id)?;
    ctx.write(model_id, &model)?;
    Ok(vec![ret(&move_types::id(offer_id))?])
}

/// `pause_offer(offer: &mut LicenseOffer, cap: &ModelCap)`
fn pause_offer(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    set_paused(ctx, args, true)
}

/// `resume_offer(offer: &mut LicenseOffer, cap: &ModelCap)`
fn resume_offer(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    set_paused(ctx, args, false)
}

/// `migrate_offer(offer: &mut LicenseOffer)`: anyone brings an offer of an older package
/// version to this one; nothing but the version changes. Aborts `version::EAlreadyMigrated`.
fn migrate_offer(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let (offer_id, mut offer) = offer_arg(ctx, &args, 0)?;
    offer.version = version::migrated(offer.version)?;
    ctx.write(offer_id, &offer)?;
    Ok(vec![])
}

/// `pause_offer` (`paused`) and `resume_offer` (`!paused`): the same checks but for the
/// state they require.
fn set_paused(
    ctx: &mut CallContext<'_>,
    args: Vec<Value>,
    paused: bool,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (offer_id, mut offer) = offer_arg(ctx, &args, 0)?;
    version::assert_current(offer.version)?;
    let (_, cap) = model::cap_arg(ctx, &args, 1)?;
    if cap.model_id != offer.model_id {
        return Err(ctx.abort(E_WRONG_CAP));
    }
    if paused && offer.paused {
        return Err(ctx.abort(E_OFFER_ALREADY_PAUSED));
    }
    if !paused && !offer.paused {
        return Err(ctx.abort(E_OFFER_NOT_PAUSED));
    }
    offer.paused = paused;
    emit(
        ctx,
        "LicenseOfferStatusChanged",
        &LicenseOfferStatusChanged::new(move_types::id(offer_id), offer.model_id.clone(), paused),
    )?;
    ctx.write(offer_id, &offer)?;
    Ok(vec![])
}

/// `reprice_offer(offer: &mut LicenseOffer, cap: &ModelCap, price_per_window: u64)`
fn reprice_offer(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 3)?;
    let (offer_id, mut offer) = offer_arg(ctx, &args, 0)?;
    version::assert_current(offer.version)?;
    let (_, cap) = model::cap_arg(ctx, &args, 1)?;
    let price_per_window: u64 = pure_arg(ctx, &args, 2)?;
    if cap.model_id != offer.model_id {
        return Err(ctx.abort(E_WRONG_CAP));
    }
    assert_price_fits(price_per_window, offer.max_windows)?;
    let old_price = offer.price_per_window;
    offer.price_per_window = price_per_window;
    emit(
        ctx,
        "LicenseOfferRepriced",
        &LicenseOfferRepriced::new(
            move_types::id(offer_id),
            offer.model_id.clone(),
            old_price,
            price_per_window,
        ),
    )?;
    ctx.write(offer_id, &offer)?;
    Ok(vec![])
}

// === Buying ===

/// `purchase(offer: &LicenseOffer, model: &mut Model, system: &System, treasury: &mut
/// Treasury, payment: &mut Coin<WAL>, windows: u64, max_price: u64, clock: &Clock, ctx):
/// License`
fn purchase(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 8)?;
    let (offer_id, offer) = offer_arg(ctx, &args, 0)?;
    let (model_id, mut model) = model::model_arg(ctx, &args, 1)?;
    let (_, system) = super::system::system_arg(ctx, &args, 2)?;
    let (treasury_id, mut treasury) = wal::treasury_arg(ctx, &args, 3)?;
    version::assert_current(offer.version)?;
    version::assert_current(model.version)?;
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    let payment = payment_arg(ctx, &args, 4)?;
    let windows: u64 = pure_arg(ctx, &args, 5)?;
    let max_price: u64 = pure_arg(ctx, &args, 6)?;
    clock_arg(ctx, &args, 7)?;

    if move_types::address_of(&offer.model_id) != model_id {
        return Err(ctx.abort(E_WRONG_MODEL));
    }
    if offer.paused {
        return Err(ctx.abort(E_OFFER_PAUSED));
    }
    if windows == 0 {
        return Err(ctx.abort(E_ZERO_WINDOWS));
    }
    if windows > offer.max_windows {
        return Err(ctx.abort(E_TOO_MANY_WINDOWS));
    }

    let price = mul(offer.price_per_window, windows)?;
    if price > max_price {
        return Err(ctx.abort(E_PRICE_ABOVE_MAX));
    }
    let (fee_burned, seller_revenue) =
        take_payment(ctx, &mut model, &system, &mut treasury, payment, price)?;
    let now = ctx.timestamp_ms();
    let expires_at_ms = plus(now, mul(windows, offer.window_ms)?)?;
    let use_limited = offer.uses_per_window > 0;
    let uses_left = mul(offer.uses_per_window, windows)?;
    let buyer = move_address(ctx.sender());
    let license_id = ctx.fresh_id();
    let license = License::new(
        move_types::uid(license_id),
        offer.model_id.clone(),
        move_types::id(offer_id),
        buyer,
        expires_at_ms,
        use_limited,
        uses_left,
    );
    emit(
        ctx,
        "LicensePurchased",
        &LicensePurchased::new(
            move_types::id(license_id),
            move_types::id(offer_id),
            offer.model_id.clone(),
            buyer,
            windows,
            price,
            fee_burned,
            seller_revenue,
            expires_at_ms,
            use_limited,
            uses_left,
            now,
        ),
    )?;
    ctx.create_object(license_tag(), true, &license)?;
    ctx.write(model_id, &model)?;
    ctx.write(treasury_id, &treasury)?;
    Ok(vec![Value::Object(license_id)])
}

/// `extend(license: &mut License, offer: &LicenseOffer, model: &mut Model, system: &System,
/// treasury: &mut Treasury, payment: &mut Coin<WAL>, windows: u64, max_price: u64,
/// clock: &Clock, ctx)`
fn extend(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 9)?;
    let (license_id, mut license) = license_arg(ctx, &args, 0)?;
    let (offer_id, offer) = offer_arg(ctx, &args, 1)?;
    let (model_id, mut model) = model::model_arg(ctx, &args, 2)?;
    let (_, system) = super::system::system_arg(ctx, &args, 3)?;
    let (treasury_id, mut treasury) = wal::treasury_arg(ctx, &args, 4)?;
    version::assert_current(offer.version)?;
    version::assert_current(model.version)?;
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    let payment = payment_arg(ctx, &args, 5)?;
    let windows: u64 = pure_arg(ctx, &args, 6)?;
    let max_price: u64 = pure_arg(ctx, &args, 7)?;
    clock_arg(ctx, &args, 8)?;

    if move_types::address_of(&license.offer_id) != offer_id {
        return Err(ctx.abort(E_WRONG_OFFER));
    }
    if move_types::address_of(&offer.model_id) != model_id {
        return Err(ctx.abort(E_WRONG_MODEL));
    }
    if offer.paused {
        return Err(ctx.abort(E_OFFER_PAUSED));
    }
    if windows == 0 {
        return Err(ctx.abort(E_ZERO_WINDOWS));
    }
    if windows > offer.max_windows {
        return Err(ctx.abort(E_TOO_MANY_WINDOWS));
    }

    let now = ctx.timestamp_ms();
    let expired = now >= license.expires_at_ms;
    let start = if expired { now } else { license.expires_at_ms };
    let expires_at_ms = plus(start, mul(windows, offer.window_ms)?)?;
    // `start >= now`, so this cannot underflow.
    if expires_at_ms - now > mul(offer.max_windows, offer.window_ms)? {
        return Err(ctx.abort(E_TOO_MANY_WINDOWS));
    }

    let price = mul(offer.price_per_window, windows)?;
    if price > max_price {
        return Err(ctx.abort(E_PRICE_ABOVE_MAX));
    }
    let (fee_burned, seller_revenue) =
        take_payment(ctx, &mut model, &system, &mut treasury, payment, price)?;
    let granted = mul(offer.uses_per_window, windows)?;
    license.uses_left = if expired {
        granted
    } else {
        license.uses_left.saturating_add(granted)
    };
    license.expires_at_ms = expires_at_ms;

    emit(
        ctx,
        "LicenseExtended",
        &LicenseExtended::new(
            move_types::id(license_id),
            license.offer_id.clone(),
            license.model_id.clone(),
            move_address(ctx.sender()),
            windows,
            price,
            fee_burned,
            seller_revenue,
            expires_at_ms,
            license.uses_left,
            now,
        ),
    )?;
    ctx.write(license_id, &license)?;
    ctx.write(model_id, &model)?;
    ctx.write(treasury_id, &treasury)?;
    Ok(vec![])
}

// === Using ===

/// `consume(license: &mut License, clock: &Clock, ctx): UseReceipt`
fn consume(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (license_id, mut license) = license_arg(ctx, &args, 0)?;
    clock_arg(ctx, &args, 1)?;
    let now = ctx.timestamp_ms();
    if now >= license.expires_at_ms {
        return Err(ctx.abort(E_LICENSE_EXPIRED));
    }
    if license.use_limited {
        if license.uses_left == 0 {
            return Err(ctx.abort(E_NO_USES_LEFT));
        }
        license.uses_left -= 1;
    }
    emit(
        ctx,
        "LicenseConsumed",
        &LicenseConsumed::new(
            move_types::id(license_id),
            license.model_id.clone(),
            license.uses_left,
            now,
        ),
    )?;
    let receipt_id = ctx.fresh_id();
    let receipt = UseReceipt::new(
        move_types::uid(receipt_id),
        move_types::id(license_id),
        license.model_id.clone(),
        move_address(ctx.sender()),
        now,
        license
            .expires_at_ms
            .min(now.saturating_add(RECEIPT_TTL_MS)),
    );
    ctx.create_object(receipt_tag(), true, &receipt)?;
    ctx.write(license_id, &license)?;
    Ok(vec![Value::Object(receipt_id)])
}

/// `destroy_receipt(receipt: UseReceipt)`
fn destroy_receipt(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let (receipt_id, _) = receipt_arg(ctx, &args, 0)?;
    ctx.delete_object(receipt_id)?;
    Ok(vec![])
}

/// `destroy(license: License)`
fn destroy(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let (license_id, license) = license_arg(ctx, &args, 0)?;
    emit(
        ctx,
        "LicenseDestroyed",
        &LicenseDestroyed::new(move_types::id(license_id), license.model_id),
    )?;
    ctx.delete_object(license_id)?;
    Ok(vec![])
}

/// `is_valid(license: &License, clock: &Clock): bool`
fn is_valid(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (_, license) = license_arg(ctx, &args, 0)?;
    clock_arg(ctx, &args, 1)?;
    let valid = ctx.timestamp_ms() < license.expires_at_ms
        && (!license.use_limited || license.uses_left > 0);
    Ok(vec![ret(&valid)?])
}

/// `entry fun seal_approve(id: vector<u8>, license: &License, clock: &Clock)`: returns
/// nothing when `id` is the license's model ID bytes and the license is unexpired and not
/// use-limited.
fn seal_approve(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 3)?;
    let id: Vec<u8> = pure_arg(ctx, &args, 0)?;
    let (_, license) = license_arg(ctx, &args, 1)?;
    clock_arg(ctx, &args, 2)?;
    if id.as_slice() != move_types::address_of(&license.model_id).as_bytes() {
        return Err(ctx.abort(E_WRONG_ID));
    }
    if ctx.timestamp_ms() >= license.expires_at_ms {
        return Err(ctx.abort(E_LICENSE_EXPIRED));
    }
    if license.use_limited {
        return Err(ctx.abort(E_USE_LIMITED_NEEDS_RECEIPT));
    }
    Ok(vec![])
}

/// `entry fun seal_approve_receipt(id: vector<u8>, receipt: &UseReceipt, clock: &Clock,
/// ctx: &TxContext)`: returns nothing when `id` is the receipt's model ID bytes, the receipt
/// is unexpired and the sender consumed it.
fn seal_approve_receipt(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 3)?;
    let id: Vec<u8> = pure_arg(ctx, &args, 0)?;
    let (_, receipt) = receipt_arg(ctx, &args, 1)?;
    clock_arg(ctx, &args, 2)?;
    if id.as_slice() != move_types::address_of(&receipt.model_id).as_bytes() {
        return Err(ctx.abort(E_WRONG_ID));
    }
    if ctx.timestamp_ms() >= receipt.expires_at_ms {
        return Err(ctx.abort(E_RECEIPT_EXPIRED));
    }
    if move_address(ctx.sender()) != receipt.consumer {
        return Err(ctx.abort(E_NOT_CONSUMER));
    }
    Ok(vec![])
}

// === Reads ===

/// `quote(offer: &LicenseOffer, windows: u64): u64`
fn quote(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (_, offer) = offer_arg(ctx, &args, 0)?;
    let windows: u64 = pure_arg(ctx, &args, 1)?;
    if windows > offer.max_windows {
        return Err(ctx.abort(E_TOO_MANY_WINDOWS));
    }
    Ok(vec![ret(&mul(offer.price_per_window, windows)?)?])
}

/// A read of the `&LicenseOffer` argument returning one pure value.
fn offer_read<T: serde::Serialize>(
    ctx: &mut CallContext<'_>,
    args: &[Value],
    f: impl FnOnce(&LicenseOffer) -> T,
) -> Result<Vec<Value>, ExecutionError> {
    arity(args, 1)?;
    let (_, offer) = offer_arg(ctx, args, 0)?;
    Ok(vec![ret(&f(&offer))?])
}

/// A read of the `&UseReceipt` argument returning one pure value.
fn receipt_read<T: serde::Serialize>(
    ctx: &mut CallContext<'_>,
    args: &[Value],
    f: impl FnOnce(&UseReceipt) -> T,
) -> Result<Vec<Value>, ExecutionError> {
    arity(args, 1)?;
    let (_, receipt) = receipt_arg(ctx, args, 0)?;
    Ok(vec![ret(&f(&receipt))?])
}

/// A read of the `&License` argument returning one pure value.
fn license_read<T: serde::Serialize>(
    ctx: &mut CallContext<'_>,
    args: &[Value],
    f: impl FnOnce(&License) -> T,
) -> Result<Vec<Value>, ExecutionError> {
    arity(args, 1)?;
    let (_, license) = license_arg(ctx, args, 0)?;
    Ok(vec![ret(&f(&license))?])
}

//! `floe::license`: time-window licenses for models, sold under shared `LicenseOffer`s.
//!
//! Mirrors `move/floe/sources/license.move` function by function. Of each payment the
//! protocol fee (`system.license_fee_bps`) is burned through `wal::burn_balance` (source
//! license fee) and the rest is credited to the `Model` (`model::add_revenue`).
//! `seal_approve`, `seal_approve_receipt` and `seal_approve_owner` are private `entry`
//! functions: callable from a transaction (Seal key servers dry-run them), they return nothing
//! when access is granted and abort otherwise. `consume` returns a `UseReceipt` (`key, store`) for the transaction to
//! place. The `*_for_testing` functions are `#[test_only]` and have no handler.

use floe_sdk::move_types::events::{
    LicenseConsumed, LicenseDestroyed, LicenseExtended, LicenseOfferCreated, LicenseOfferRepriced,
    LicenseOfferStatusChanged, LicensePurchased,
};
use floe_sdk::move_types::license::{License, LicenseOffer, UseReceipt};
use floe_sdk::move_types::model::{Model, ModelCap};
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self, ID};
use sui_sdk_types::{Address, ExecutionError};

use super::args::{Clock, Obj, Returned, WalCoin};
use super::model::{self, abort_at, arithmetic_error, move_address};
use super::version;
use super::wal::{self, SOURCE_LICENSE_FEE};
use super::{coin_value, create_object, emit, take_from_coin};
use crate::runtime::CallContext;

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

include!(concat!(env!("OUT_DIR"), "/floe_license.rs"));

// === Types and arguments ===

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
    model::add_revenue(ctx, model, seller_revenue)?;
    Ok((fee_burned, seller_revenue))
}

fn mul(a: u64, b: u64) -> Result<u64, ExecutionError> {
    a.checked_mul(b).ok_or_else(|| arithmetic_error(MODULE))
}

fn plus(a: u64, b: u64) -> Result<u64, ExecutionError> {
    a.checked_add(b).ok_or_else(|| arithmetic_error(MODULE))
}

// === Offers ===

fn create_offer(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
    price_per_window: u64,
    window_ms: u64,
    max_windows: u64,
    uses_per_window: u64,
) -> Result<ID, ExecutionError> {
    version::assert_current(model.version)?;

    // The offer functions' own check first, so all of them abort `license::EWrongCap`.
    if move_types::address_of(&cap.model_id) != model.id {
        return Err(ctx.abort(E_WRONG_CAP));
    }
    model::authorize(ctx, model.id, &mut model, cap.id, &cap)?;
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
        move_types::id(model.id),
        price_per_window,
        window_ms,
        max_windows,
        uses_per_window,
        false,
    );
    emit(
        ctx,
        &LicenseOfferCreated {
            offer_id: move_types::id(offer_id),
            model_id: move_types::id(model.id),
            price_per_window,
            window_ms,
            max_windows,
            uses_per_window,
            created_by: move_address(ctx.sender()),
        },
    )?;
    create_object(ctx, false, &offer)?;
    ctx.share(offer_id)?;
    model.save(ctx)?;
    Ok(move_types::id(offer_id))
}

fn pause_offer(
    ctx: &mut CallContext<'_>,
    offer: Obj<LicenseOffer>,
    cap: Obj<ModelCap>,
) -> Result<(), ExecutionError> {
    set_paused(ctx, offer, cap, true)
}

fn resume_offer(
    ctx: &mut CallContext<'_>,
    offer: Obj<LicenseOffer>,
    cap: Obj<ModelCap>,
) -> Result<(), ExecutionError> {
    set_paused(ctx, offer, cap, false)
}

/// `migrate_offer`: anyone brings an offer of an older package version to this one; nothing but the
/// version changes. Aborts `version::EAlreadyMigrated`.
fn migrate_offer(
    ctx: &mut CallContext<'_>,
    mut offer: Obj<LicenseOffer>,
) -> Result<(), ExecutionError> {
    offer.version = version::migrated(offer.version)?;
    offer.save(ctx)?;
    Ok(())
}

/// `pause_offer` (`paused`) and `resume_offer` (`!paused`): the same checks but for the
/// state they require.
fn set_paused(
    ctx: &mut CallContext<'_>,
    mut offer: Obj<LicenseOffer>,
    cap: Obj<ModelCap>,
    paused: bool,
) -> Result<(), ExecutionError> {
    version::assert_current(offer.version)?;
    let cap = cap.value;
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
        &LicenseOfferStatusChanged {
            offer_id: move_types::id(offer.id),
            model_id: offer.model_id.clone(),
            paused,
        },
    )?;
    offer.save(ctx)?;
    Ok(())
}

fn reprice_offer(
    ctx: &mut CallContext<'_>,
    mut offer: Obj<LicenseOffer>,
    cap: Obj<ModelCap>,
    price_per_window: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(offer.version)?;
    let cap = cap.value;
    if cap.model_id != offer.model_id {
        return Err(ctx.abort(E_WRONG_CAP));
    }
    assert_price_fits(price_per_window, offer.max_windows)?;
    let old_price = offer.price_per_window;
    offer.price_per_window = price_per_window;
    emit(
        ctx,
        &LicenseOfferRepriced {
            offer_id: move_types::id(offer.id),
            model_id: offer.model_id.clone(),
            old_price_per_window: old_price,
            new_price_per_window: price_per_window,
        },
    )?;
    offer.save(ctx)?;
    Ok(())
}

// === Buying ===

#[allow(clippy::too_many_arguments)]
fn purchase(
    ctx: &mut CallContext<'_>,
    offer: Obj<LicenseOffer>,
    mut model: Obj<Model>,
    system: Obj<System>,
    mut treasury: Obj<Treasury>,
    payment: WalCoin,
    windows: u64,
    max_price: u64,
    _clock: Clock,
) -> Result<Returned<License>, ExecutionError> {
    let system = system.value;
    version::assert_current(offer.version)?;
    version::assert_current(model.version)?;
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    let payment = payment.0;

    if move_types::address_of(&offer.model_id) != model.id {
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
        move_types::id(offer.id),
        buyer,
        expires_at_ms,
        use_limited,
        uses_left,
    );
    emit(
        ctx,
        &LicensePurchased {
            license_id: move_types::id(license_id),
            offer_id: move_types::id(offer.id),
            model_id: offer.model_id.clone(),
            buyer,
            windows,
            price,
            fee_burned,
            seller_revenue,
            expires_at_ms,
            use_limited,
            uses_left,
            timestamp_ms: now,
        },
    )?;
    create_object(ctx, true, &license)?;
    model.save(ctx)?;
    treasury.save(ctx)?;
    Ok(Returned::new(license_id))
}

#[allow(clippy::too_many_arguments)]
fn extend(
    ctx: &mut CallContext<'_>,
    mut license: Obj<License>,
    offer: Obj<LicenseOffer>,
    mut model: Obj<Model>,
    system: Obj<System>,
    mut treasury: Obj<Treasury>,
    payment: WalCoin,
    windows: u64,
    max_price: u64,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    let system = system.value;
    version::assert_current(offer.version)?;
    version::assert_current(model.version)?;
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    let payment = payment.0;

    if move_types::address_of(&license.offer_id) != offer.id {
        return Err(ctx.abort(E_WRONG_OFFER));
    }
    if move_types::address_of(&offer.model_id) != model.id {
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
        &LicenseExtended {
            license_id: move_types::id(license.id),
            offer_id: license.offer_id.clone(),
            model_id: license.model_id.clone(),
            payer: move_address(ctx.sender()),
            windows,
            price,
            fee_burned,
            seller_revenue,
            expires_at_ms,
            uses_left: license.uses_left,
            timestamp_ms: now,
        },
    )?;
    license.save(ctx)?;
    model.save(ctx)?;
    treasury.save(ctx)?;
    Ok(())
}

// === Using ===

fn consume(
    ctx: &mut CallContext<'_>,
    mut license: Obj<License>,
    _clock: Clock,
) -> Result<Returned<UseReceipt>, ExecutionError> {
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
        &LicenseConsumed {
            license_id: move_types::id(license.id),
            model_id: license.model_id.clone(),
            uses_left: license.uses_left,
            timestamp_ms: now,
        },
    )?;
    let receipt_id = ctx.fresh_id();
    let receipt = UseReceipt::new(
        move_types::uid(receipt_id),
        move_types::id(license.id),
        license.model_id.clone(),
        move_address(ctx.sender()),
        now,
        license
            .expires_at_ms
            .min(now.saturating_add(RECEIPT_TTL_MS)),
    );
    create_object(ctx, true, &receipt)?;
    license.save(ctx)?;
    Ok(Returned::new(receipt_id))
}

fn destroy_receipt(
    ctx: &mut CallContext<'_>,
    receipt: Obj<UseReceipt>,
) -> Result<(), ExecutionError> {
    ctx.delete_object(receipt.id)?;
    Ok(())
}

fn destroy(ctx: &mut CallContext<'_>, license: Obj<License>) -> Result<(), ExecutionError> {
    emit(
        ctx,
        &LicenseDestroyed {
            license_id: move_types::id(license.id),
            model_id: license.model_id.clone(),
        },
    )?;
    ctx.delete_object(license.id)?;
    Ok(())
}

fn is_valid(
    ctx: &mut CallContext<'_>,
    license: Obj<License>,
    _clock: Clock,
) -> Result<bool, ExecutionError> {
    let license = license.value;
    let valid = ctx.timestamp_ms() < license.expires_at_ms
        && (!license.use_limited || license.uses_left > 0);
    Ok(valid)
}

/// `seal_approve` (an `entry fun`): returns nothing when `id` is the license's model ID bytes and
/// the license is unexpired and not use-limited.
fn seal_approve(
    ctx: &mut CallContext<'_>,
    id: Vec<u8>,
    license: Obj<License>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    let license = license.value;
    if id.as_slice() != move_types::address_of(&license.model_id).as_bytes() {
        return Err(ctx.abort(E_WRONG_ID));
    }
    if ctx.timestamp_ms() >= license.expires_at_ms {
        return Err(ctx.abort(E_LICENSE_EXPIRED));
    }
    if license.use_limited {
        return Err(ctx.abort(E_USE_LIMITED_NEEDS_RECEIPT));
    }
    Ok(())
}

/// `seal_approve_receipt` (an `entry fun`): returns nothing when `id` is the receipt's model ID
/// bytes, the receipt is unexpired and the sender consumed it.
fn seal_approve_receipt(
    ctx: &mut CallContext<'_>,
    id: Vec<u8>,
    receipt: Obj<UseReceipt>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    let receipt = receipt.value;
    if id.as_slice() != move_types::address_of(&receipt.model_id).as_bytes() {
        return Err(ctx.abort(E_WRONG_ID));
    }
    if ctx.timestamp_ms() >= receipt.expires_at_ms {
        return Err(ctx.abort(E_RECEIPT_EXPIRED));
    }
    if move_address(ctx.sender()) != receipt.consumer {
        return Err(ctx.abort(E_NOT_CONSUMER));
    }
    Ok(())
}

/// `seal_approve_owner` (an `entry fun`): returns nothing when `id` is the ID bytes of the model
/// the cap controls. The cap being an owned object the sender may pass is the proof of ownership
/// (the executor checks it before the call).
fn seal_approve_owner(
    ctx: &mut CallContext<'_>,
    id: Vec<u8>,
    cap: Obj<ModelCap>,
) -> Result<(), ExecutionError> {
    if id.as_slice() != move_types::address_of(&cap.model_id).as_bytes() {
        return Err(ctx.abort(E_CAP_OF_OTHER_MODEL));
    }
    Ok(())
}

// === Reads ===

fn quote(
    ctx: &mut CallContext<'_>,
    offer: Obj<LicenseOffer>,
    windows: u64,
) -> Result<u64, ExecutionError> {
    let offer = offer.value;
    if windows > offer.max_windows {
        return Err(ctx.abort(E_TOO_MANY_WINDOWS));
    }
    mul(offer.price_per_window, windows)
}

// === Reads ===

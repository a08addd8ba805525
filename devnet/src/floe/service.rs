//! `floe::service`: paid, composable model calls.
//!
//! Mirrors `move/floe/sources/service.move` function by function: services created with the
//! model's cap, calls that take exactly the price from the caller's coin into the service's
//! escrow (one `pending` entry per call: payer, amount, deadline), `Call` receipts passed from
//! one call to the next within a transaction (pure values: only `drop` in Move), answers
//! recorded once per call in the service's `responses` table that settle the call (fee burned
//! as source license fee, the rest credited through `model::add_revenue`), refunds to the payer
//! after the deadline, and the model owner's take-over.

use floe_sdk::move_types::events::{
    ServiceCallRefunded, ServiceCalled, ServiceCapReplaced, ServiceCreated, ServiceResponded,
    ServiceUpdated,
};
use floe_sdk::move_types::model::{Model, ModelCap};
use floe_sdk::move_types::service::{Call, ModelService, Pending, Response, ServiceCap};
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self, Balance, U256};
use sui_sdk_types::{Address, ExecutionError, TypeTag};

use super::args::{Clock, Obj, Returned, WalCoin};
use super::model::{self, abort_at, arithmetic_error, move_address, versions_types};
use super::version;
use super::wal::{self, SOURCE_LICENSE_FEE};
use super::{
    TableTypes, coin_value, create_object, emit, new_wal_coin, table_add, table_contains,
    table_get, table_new, table_remove, take_from_coin, type_tag_of,
};
use crate::runtime::CallContext;

const MODULE: &str = "service";

/// The abort codes of `floe::service`, generated from the Move source.
pub use floe_sdk::move_aborts::service::*;

include!(concat!(env!("OUT_DIR"), "/floe_service.rs"));

// === Constants (as in service.move) ===

/// Basis-point denominator.
pub const BPS: u64 = 10_000;
/// Longest input a first call carries, bytes.
pub const MAX_INPUT_LENGTH: usize = 4096;
/// Most calls one chain links.
pub const MAX_CHAIN_LENGTH: u64 = 16;
/// Shortest response window, ms.
pub const MIN_RESPONSE_WINDOW_MS: u64 = 5_000;
/// Longest response window, ms (7 days).
pub const MAX_RESPONSE_WINDOW_MS: u64 = 604_800_000;

// === Types ===

/// The key and value types of `ModelService.responses`.
pub fn responses_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: type_tag_of::<Response>(),
    }
}

/// The key and value types of `ModelService.pending`.
pub fn pending_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: type_tag_of::<Pending>(),
    }
}

/// `assert_cap`: the cap is the service's current one (`cap_id`), else `EWrongCap`.
fn assert_cap(service: &Obj<ModelService>, cap: &Obj<ServiceCap>) -> Result<(), ExecutionError> {
    if move_types::address_of(&service.cap_id) != cap.id {
        return Err(abort_at(MODULE, "assert_cap", E_WRONG_CAP));
    }
    Ok(())
}

/// `assert_window`: 5 s to 7 days, else `EBadResponseWindow`.
fn assert_window(response_window_ms: u64) -> Result<(), ExecutionError> {
    if !(MIN_RESPONSE_WINDOW_MS..=MAX_RESPONSE_WINDOW_MS).contains(&response_window_ms) {
        return Err(abort_at(MODULE, "assert_window", E_BAD_RESPONSE_WINDOW));
    }
    Ok(())
}

/// `assert_pending`: call `number` is in escrow, else `ENoSuchCall` (never made),
/// `EAlreadyServed` (answered) or `ERefunded`.
fn assert_pending(
    ctx: &mut CallContext<'_>,
    service: &ModelService,
    number: u64,
) -> Result<(), ExecutionError> {
    if number >= service.calls {
        return Err(abort_at(MODULE, "assert_pending", E_NO_SUCH_CALL));
    }
    if table_contains(ctx, &service.responses, &responses_types(), &number)? {
        return Err(abort_at(MODULE, "assert_pending", E_ALREADY_SERVED));
    }
    if !table_contains(ctx, &service.pending, &pending_types(), &number)? {
        return Err(abort_at(MODULE, "assert_pending", E_REFUNDED));
    }
    Ok(())
}

fn emit_updated(
    ctx: &mut CallContext<'_>,
    service: &Obj<ModelService>,
) -> Result<(), ExecutionError> {
    emit(
        ctx,
        &ServiceUpdated {
            service_id: move_types::id(service.id),
            price_per_call: service.price_per_call,
            paused: service.paused,
            provider: service.provider,
            response_window_ms: service.response_window_ms,
        },
    )
}

// === Services ===

#[allow(clippy::too_many_arguments)]
fn create_service(
    ctx: &mut CallContext<'_>,
    model: Obj<Model>,
    model_cap: Obj<ModelCap>,
    model_version: u64,
    provider: Address,
    price_per_call: u64,
    response_window_ms: u64,
) -> Result<Returned<ServiceCap>, ExecutionError> {
    version::assert_current(model.version)?;
    if move_types::address_of(&model_cap.model_id) != model.id {
        return Err(ctx.abort(E_WRONG_MODEL_CAP));
    }
    if !table_contains(ctx, &model.versions, &versions_types(), &model_version)? {
        return Err(ctx.abort(E_VERSION_NOT_FOUND));
    }
    if price_per_call == 0 {
        return Err(ctx.abort(E_ZERO_PRICE));
    }
    assert_window(response_window_ms)?;
    let service_id = ctx.fresh_id();
    let cap_id = ctx.fresh_id();
    let cap = ServiceCap::new(move_types::uid(cap_id), move_types::id(service_id));
    let provider = move_address(provider);
    let pending = table_new(ctx);
    let responses = table_new(ctx);
    let service = ModelService::new(
        move_types::uid(service_id),
        version::VERSION,
        move_types::id(cap_id),
        move_types::id(model.id),
        model_version,
        provider,
        price_per_call,
        response_window_ms,
        false,
        Balance::new(0),
        pending,
        0,
        responses,
    );
    emit(
        ctx,
        &ServiceCreated {
            service_id: move_types::id(service_id),
            cap_id: move_types::id(cap_id),
            model_id: move_types::id(model.id),
            model_version,
            owner: move_address(ctx.sender()),
            provider,
            price_per_call,
            response_window_ms,
        },
    )?;
    create_object(ctx, false, &service)?;
    ctx.share(service_id)?;
    create_object(ctx, true, &cap)?;
    Ok(Returned::new(cap_id))
}

fn set_price(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
    cap: Obj<ServiceCap>,
    price_per_call: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(service.version)?;
    assert_cap(&service, &cap)?;
    if price_per_call == 0 {
        return Err(ctx.abort(E_ZERO_PRICE));
    }
    service.price_per_call = price_per_call;
    emit_updated(ctx, &service)?;
    service.save(ctx)
}

fn set_response_window(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
    cap: Obj<ServiceCap>,
    response_window_ms: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(service.version)?;
    assert_cap(&service, &cap)?;
    assert_window(response_window_ms)?;
    service.response_window_ms = response_window_ms;
    emit_updated(ctx, &service)?;
    service.save(ctx)
}

fn set_paused(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
    cap: Obj<ServiceCap>,
    paused: bool,
) -> Result<(), ExecutionError> {
    version::assert_current(service.version)?;
    assert_cap(&service, &cap)?;
    service.paused = paused;
    emit_updated(ctx, &service)?;
    service.save(ctx)
}

fn set_provider(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
    cap: Obj<ServiceCap>,
    provider: Address,
) -> Result<(), ExecutionError> {
    version::assert_current(service.version)?;
    assert_cap(&service, &cap)?;
    service.provider = move_address(provider);
    emit_updated(ctx, &service)?;
    service.save(ctx)
}

fn take_over(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
    model_cap: Obj<ModelCap>,
) -> Result<Returned<ServiceCap>, ExecutionError> {
    version::assert_current(service.version)?;
    if model_cap.model_id != service.model_id {
        return Err(ctx.abort(E_WRONG_MODEL_CAP));
    }
    let cap_id = ctx.fresh_id();
    let cap = ServiceCap::new(move_types::uid(cap_id), move_types::id(service.id));
    let old_cap_id = std::mem::replace(&mut service.cap_id, move_types::id(cap_id));
    emit(
        ctx,
        &ServiceCapReplaced {
            service_id: move_types::id(service.id),
            old_cap_id,
            new_cap_id: move_types::id(cap_id),
            owner: move_address(ctx.sender()),
        },
    )?;
    service.save(ctx)?;
    create_object(ctx, true, &cap)?;
    Ok(Returned::new(cap_id))
}

/// `destroy_voided_cap`: deletes a `ServiceCap` that `take_over` voided; a cap judged against
/// another service (`ECapOfAnotherService`) or the service's current cap (`ECapNotVoided`)
/// is refused, so no live cap is lost this way.
fn destroy_voided_cap(
    ctx: &mut CallContext<'_>,
    service: Obj<ModelService>,
    cap: Obj<ServiceCap>,
) -> Result<(), ExecutionError> {
    version::assert_current(service.version)?;
    if move_types::address_of(&cap.service_id) != service.id {
        return Err(ctx.abort(E_CAP_OF_ANOTHER_SERVICE));
    }
    if move_types::address_of(&service.cap_id) == cap.id {
        return Err(ctx.abort(E_CAP_NOT_VOIDED));
    }
    ctx.delete_object(cap.id)
}

// === Calls ===

fn call(
    ctx: &mut CallContext<'_>,
    service: Obj<ModelService>,
    payment: WalCoin,
    max_price: u64,
    input: Vec<u8>,
    _clock: Clock,
) -> Result<Call, ExecutionError> {
    version::assert_current(service.version)?;
    if input.is_empty() || input.len() > MAX_INPUT_LENGTH {
        return Err(ctx.abort(E_BAD_INPUT));
    }
    charge(ctx, service, payment, max_price, None, input)
}

fn call_next(
    ctx: &mut CallContext<'_>,
    service: Obj<ModelService>,
    payment: WalCoin,
    max_price: u64,
    prev: Call,
    _clock: Clock,
) -> Result<Call, ExecutionError> {
    version::assert_current(service.version)?;
    if prev.position.saturating_add(1) >= MAX_CHAIN_LENGTH {
        return Err(ctx.abort(E_CHAIN_TOO_LONG));
    }
    charge(ctx, service, payment, max_price, Some(prev), Vec::new())
}

#[allow(clippy::too_many_arguments)]
fn respond(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
    mut model: Obj<Model>,
    system: Obj<System>,
    mut treasury: Obj<Treasury>,
    number: u64,
    output_blob_id: U256,
    output_hash: Vec<u8>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(service.version)?;
    version::assert_current(model.version)?;
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    if move_address(ctx.sender()) != service.provider {
        return Err(ctx.abort(E_NOT_PROVIDER));
    }
    if model.id != move_types::address_of(&service.model_id) {
        return Err(ctx.abort(E_WRONG_MODEL));
    }
    assert_pending(ctx, &service, number)?;
    let now = ctx.timestamp_ms();
    let pending: Pending = table_remove(ctx, &mut service.pending, &pending_types(), &number)?;
    if now >= pending.deadline_ms {
        return Err(ctx.abort(E_RESPONSE_TOO_LATE));
    }
    if output_hash.len() != 32 {
        return Err(ctx.abort(E_BAD_OUTPUT_HASH));
    }

    // `balance::split` of the escrow: it holds every pending amount.
    service.escrow.value -= pending.amount;
    let bps = system.license_fee_bps.min(BPS);
    let fee = u64::try_from(u128::from(pending.amount) * u128::from(bps) / u128::from(BPS))
        .expect("bps <= BPS, so the fee is at most the price");
    let fee_burned = wal::burn_balance(ctx, &mut treasury, fee, SOURCE_LICENSE_FEE)?;
    let revenue = pending.amount - fee;
    model::add_revenue(ctx, &mut model, revenue)?;
    let response = Response::new(output_blob_id, output_hash.clone(), now);
    table_add(
        ctx,
        &mut service.responses,
        &responses_types(),
        &number,
        &response,
    )?;
    emit(
        ctx,
        &ServiceResponded {
            service_id: move_types::id(service.id),
            call_number: number,
            provider: service.provider,
            output_blob_id,
            output_hash,
            model_id: service.model_id.clone(),
            revenue,
            fee_burned,
            timestamp_ms: now,
        },
    )?;
    service.save(ctx)?;
    model.save(ctx)?;
    treasury.save(ctx)
}

fn refund(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
    number: u64,
    _clock: Clock,
) -> Result<WalCoin, ExecutionError> {
    version::assert_current(service.version)?;
    assert_pending(ctx, &service, number)?;
    let pending: Pending = table_remove(ctx, &mut service.pending, &pending_types(), &number)?;
    if move_address(ctx.sender()) != pending.payer {
        return Err(ctx.abort(E_NOT_PAYER));
    }
    let now = ctx.timestamp_ms();
    if now < pending.deadline_ms {
        return Err(ctx.abort(E_DEADLINE_NOT_PASSED));
    }
    service.escrow.value -= pending.amount;
    emit(
        ctx,
        &ServiceCallRefunded {
            service_id: move_types::id(service.id),
            call_number: number,
            payer: pending.payer,
            amount: pending.amount,
            timestamp_ms: now,
        },
    )?;
    let coin = new_wal_coin(ctx, pending.amount)?;
    service.save(ctx)?;
    Ok(WalCoin(coin))
}

// === Reads ===

fn service_escrow(
    _ctx: &mut CallContext<'_>,
    service: Obj<ModelService>,
) -> Result<u64, ExecutionError> {
    Ok(service.escrow.value)
}

fn is_pending(
    ctx: &mut CallContext<'_>,
    service: Obj<ModelService>,
    number: u64,
) -> Result<bool, ExecutionError> {
    table_contains(ctx, &service.pending, &pending_types(), &number)
}

fn is_served(
    ctx: &mut CallContext<'_>,
    service: Obj<ModelService>,
    number: u64,
) -> Result<bool, ExecutionError> {
    table_contains(ctx, &service.responses, &responses_types(), &number)
}

/// The answer to call `number`, or `ENotServed`.
fn served(
    ctx: &mut CallContext<'_>,
    service: &ModelService,
    number: u64,
) -> Result<Response, ExecutionError> {
    if !table_contains(ctx, &service.responses, &responses_types(), &number)? {
        return Err(ctx.abort(E_NOT_SERVED));
    }
    table_get(ctx, &service.responses, &responses_types(), &number)
}

fn response_output_hash(
    ctx: &mut CallContext<'_>,
    service: Obj<ModelService>,
    number: u64,
) -> Result<Vec<u8>, ExecutionError> {
    Ok(served(ctx, &service, number)?.output_hash)
}

fn response_output_blob_id(
    ctx: &mut CallContext<'_>,
    service: Obj<ModelService>,
    number: u64,
) -> Result<U256, ExecutionError> {
    Ok(served(ctx, &service, number)?.output_blob_id)
}

// === Internal ===

/// `charge`: takes exactly the price from `payment` into the escrow, numbers the call, records
/// its payer and deadline, and announces it.
fn charge(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
    payment: WalCoin,
    max_price: u64,
    prev: Option<Call>,
    input: Vec<u8>,
) -> Result<Call, ExecutionError> {
    if service.paused {
        return Err(abort_at(MODULE, "charge", E_SERVICE_PAUSED));
    }
    let price = service.price_per_call;
    if price > max_price {
        return Err(abort_at(MODULE, "charge", E_PRICE_ABOVE_MAX));
    }
    if coin_value(ctx, payment.0)? < price {
        return Err(abort_at(MODULE, "charge", E_INSUFFICIENT_PAYMENT));
    }
    let paid = take_from_coin(ctx, payment.0, price)?;
    service.escrow.value = service
        .escrow
        .value
        .checked_add(paid)
        .ok_or_else(|| arithmetic_error("balance"))?;
    let now = ctx.timestamp_ms();
    let deadline_ms = now
        .checked_add(service.response_window_ms)
        .ok_or_else(|| arithmetic_error(MODULE))?;

    let number = service.calls;
    service.calls = number
        .checked_add(1)
        .ok_or_else(|| arithmetic_error(MODULE))?;
    let payer = move_address(ctx.sender());
    let pending = Pending::new(payer, price, deadline_ms);
    table_add(
        ctx,
        &mut service.pending,
        &pending_types(),
        &number,
        &pending,
    )?;
    let (position, prev_service_id, prev_call_number) = match prev {
        Some(p) => (p.position + 1, Some(p.service_id), Some(p.number)),
        None => (0, None, None),
    };
    let service_id = move_types::id(service.id);
    emit(
        ctx,
        &ServiceCalled {
            service_id: service_id.clone(),
            call_number: number,
            caller: payer,
            position,
            prev_service_id,
            prev_call_number,
            input,
            price,
            deadline_ms,
            timestamp_ms: now,
        },
    )?;
    service.save(ctx)?;
    Ok(Call::new(service_id, number, position))
}

// === Versions ===

fn migrate_service(
    ctx: &mut CallContext<'_>,
    mut service: Obj<ModelService>,
) -> Result<(), ExecutionError> {
    service.version = version::migrated(service.version)?;
    service.save(ctx)
}

/// Paid, composable model calls: a model's owner sells calls of one of its versions at a price
/// per call, a provider serves them, and a caller chains several services in one programmable
/// transaction (summarize → classify → render), each call paid and settled on-chain there.
///
/// A `ModelService` (shared) names a model version, the account of the provider that serves
/// it, a price per call and whether it is paused; its `ServiceCap` (owned, `key + store`)
/// controls the price, the pause and the provider, and withdraws the revenue. Only the holder
/// of the model's `ModelCap` creates a service of the model.
///
/// `call` takes exactly the price from the caller's coin (never more: the rest stays in the
/// coin; a price above the caller's `max_price`, e.g. after a reprice the caller did not see,
/// aborts `EPriceAboveMax`), burns the protocol fee (`system::license_fee_bps`, as license
/// sales do) and keeps the rest in the service for its owner. It returns a `Call`: the
/// receipt of that paid call, which `call_next` on the next service takes as its input, so
/// the chain is linear and each link is paid in the same transaction. A `Call` has only
/// `drop`: it cannot be copied, stored or kept past its transaction, so no call is paid once
/// and used twice. Each call is numbered by its service and announced by `ServiceCalled`
/// (service, number, position in the chain, the previous call, the input for the first call).
///
/// The provider's worker serves the events: it runs the model on the call's input (the first
/// call's bytes, or the previous call's output) and posts the result with `respond`: the
/// output's blob ID and Blake2b-256 hash. Each call is answered once (`EAlreadyServed`), only
/// by the service's provider, and only for a call that was made; other contracts read the
/// answer (`response_output_hash`).
module floe::service;

use floe::events;
use floe::model::{Model, ModelCap};
use floe::system::System;
use floe::version;
use floe::wal::{Self, Treasury, WAL};
use sui::balance::{Self, Balance};
use sui::clock::Clock;
use sui::coin::{Self, Coin};
use sui::table::{Self, Table};

// === Errors ===

/// The `ModelCap` is not the model's.
/// Create the service with the ModelCap of the model it sells.
const EWrongModelCap: u64 = 0;
/// The model has no version with this number.
/// Name a published version of the model.
const EVersionNotFound: u64 = 1;
/// A price per call of 0 WAL.
/// Set a price of at least one base unit of WAL.
const EZeroPrice: u64 = 2;
/// The `ServiceCap` belongs to another service.
/// Use the ServiceCap of this service.
const EWrongCap: u64 = 3;
/// The service is paused: it takes no calls.
/// Wait until its owner resumes it, or call another service.
const EServicePaused: u64 = 4;
/// The price per call is above the caller's `max_price` (the service may have been repriced).
/// Check the service's price and call again if you agree.
const EPriceAboveMax: u64 = 5;
/// The payment coin holds less than the price per call.
/// Use a coin with at least the price per call.
const EInsufficientPayment: u64 = 6;
/// The input is empty or longer than `MAX_INPUT_LENGTH` bytes.
/// Give 1 to 4096 bytes of input (store larger inputs as a blob and pass its ID).
const EBadInput: u64 = 7;
/// `respond` by an account other than the service's provider.
/// Only the service's provider answers its calls.
const ENotProvider: u64 = 8;
/// `respond` to a call number the service never took.
/// Answer a call announced by a ServiceCalled event.
const ENoSuchCall: u64 = 9;
/// `respond` to a call that was answered already.
/// Each call is answered once.
const EAlreadyServed: u64 = 10;
/// The output hash is not 32 bytes.
/// Give the 32-byte Blake2b-256 hash of the output.
const EBadOutputHash: u64 = 11;
/// `withdraw_revenue` with nothing to withdraw.
/// The service has earned nothing since the last withdrawal.
const ENoRevenue: u64 = 12;
/// The chain already holds `MAX_CHAIN_LENGTH` calls.
/// Chain at most 16 calls in one transaction.
const EChainTooLong: u64 = 13;
/// A call's answer was asked of a call not answered yet.
/// Wait for the provider's ServiceResponded event.
const ENotServed: u64 = 14;

// === Constants ===

/// Basis-point denominator.
const BPS: u64 = 10_000;
/// Longest input a first call carries, bytes.
const MAX_INPUT_LENGTH: u64 = 4096;
/// Most calls one chain links.
const MAX_CHAIN_LENGTH: u64 = 16;

// === Objects ===

/// A model version sold per call. Shared: anyone calls it; its `ServiceCap` changes it.
public struct ModelService has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    cap_id: ID,
    model_id: ID,
    model_version: u64,
    /// The account whose worker serves the calls and alone answers them.
    provider: address,
    /// WAL (base units) each call pays.
    price_per_call: u64,
    paused: bool,
    /// What calls paid, less the protocol fee, until the owner withdraws it.
    revenue: Balance<WAL>,
    /// Calls taken so far: the next call's number.
    calls: u64,
    /// The answer to each call served, by call number.
    responses: Table<u64, Response>,
}

/// Control over one `ModelService`: its price, pause, provider and revenue.
public struct ServiceCap has key, store {
    id: UID,
    service_id: ID,
}

/// The provider's answer to one call.
public struct Response has copy, drop, store {
    output_blob_id: u256,
    /// Blake2b-256 of the output bytes.
    output_hash: vector<u8>,
    responded_at_ms: u64,
}

/// The receipt of one paid call, for the next call of the chain in the same transaction.
/// Only `drop`: it cannot outlive the transaction or be used twice.
public struct Call has drop {
    service_id: ID,
    number: u64,
    /// 0 for the first call of a chain.
    position: u64,
}

// === Services ===

/// Creates a service selling calls of version `model_version` of `model` (whose `ModelCap`
/// the sender holds) at `price_per_call`, served by `provider`. Shares the service and
/// returns its `ServiceCap`.
/// Emits `ServiceCreated`. Aborts `EWrongModelCap`, `EVersionNotFound`, `EZeroPrice`.
public fun create_service(
    model: &Model,
    model_cap: &ModelCap,
    model_version: u64,
    provider: address,
    price_per_call: u64,
    ctx: &mut TxContext,
): ServiceCap {
    version::assert_current(model.object_version());
    assert!(model_cap.cap_model_id() == object::id(model), EWrongModelCap);
    assert!(model.has_version(model_version), EVersionNotFound);
    assert!(price_per_call > 0, EZeroPrice);

    let service_uid = object::new(ctx);
    let service_id = service_uid.to_inner();
    let cap = ServiceCap { id: object::new(ctx), service_id };
    let cap_id = object::id(&cap);
    let model_id = object::id(model);
    let service = ModelService {
        id: service_uid,
        version: version::current(),
        cap_id,
        model_id,
        model_version,
        provider,
        price_per_call,
        paused: false,
        revenue: balance::zero(),
        calls: 0,
        responses: table::new(ctx),
    };
    events::emit_service_created(
        service_id,
        cap_id,
        model_id,
        model_version,
        ctx.sender(),
        provider,
        price_per_call,
    );
    transfer::share_object(service);
    cap
}

/// Sets the price per call (calls already made keep theirs; callers are protected by their
/// `max_price`).
/// Emits `ServiceUpdated`. Aborts `EWrongCap`, `EZeroPrice`.
public fun set_price(service: &mut ModelService, cap: &ServiceCap, price_per_call: u64) {
    version::assert_current(service.version);
    assert!(cap.service_id == object::id(service), EWrongCap);
    assert!(price_per_call > 0, EZeroPrice);
    service.price_per_call = price_per_call;
    emit_updated(service);
}

/// Pauses (`true`) or resumes the service. A paused service takes no calls; calls already
/// made may still be answered.
/// Emits `ServiceUpdated`. Aborts `EWrongCap`.
public fun set_paused(service: &mut ModelService, cap: &ServiceCap, paused: bool) {
    version::assert_current(service.version);
    assert!(cap.service_id == object::id(service), EWrongCap);
    service.paused = paused;
    emit_updated(service);
}

/// Sets the account that serves (and alone answers) the calls.
/// Emits `ServiceUpdated`. Aborts `EWrongCap`.
public fun set_provider(service: &mut ModelService, cap: &ServiceCap, provider: address) {
    version::assert_current(service.version);
    assert!(cap.service_id == object::id(service), EWrongCap);
    service.provider = provider;
    emit_updated(service);
}

/// Takes the service's revenue, as a coin for the caller to place.
/// Emits `ServiceRevenueWithdrawn`. Aborts `EWrongCap`, `ENoRevenue`.
public fun withdraw_revenue(
    service: &mut ModelService,
    cap: &ServiceCap,
    ctx: &mut TxContext,
): Coin<WAL> {
    version::assert_current(service.version);
    assert!(cap.service_id == object::id(service), EWrongCap);
    let amount = service.revenue.value();
    assert!(amount > 0, ENoRevenue);
    let taken = service.revenue.withdraw_all();
    events::emit_service_revenue_withdrawn(object::id(service), amount, ctx.sender());
    coin::from_balance(taken, ctx)
}

// === Calls ===

/// Calls `service` on `input` (1 to `MAX_INPUT_LENGTH` bytes), the first call of a chain:
/// takes exactly the price per call from `payment` (at most `max_price`), burns the protocol
/// fee, keeps the rest for the owner. Returns the `Call` the next call may take.
/// Emits `ServiceCalled` (and `WalBurned` for a non-zero fee). Aborts `EServicePaused`,
/// `EPriceAboveMax`, `EInsufficientPayment`, `EBadInput`.
public fun call(
    service: &mut ModelService,
    system: &System,
    treasury: &mut Treasury,
    payment: &mut Coin<WAL>,
    max_price: u64,
    input: vector<u8>,
    clock: &Clock,
    ctx: &TxContext,
): Call {
    version::assert_current(service.version);
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
    let length = input.length();
    assert!(length > 0 && length <= MAX_INPUT_LENGTH, EBadInput);
    charge(service, system, treasury, payment, max_price, option::none(), input, clock, ctx)
}

/// Calls `service` on the output of `prev`, the previous call of the same chain (consumed):
/// paid like `call`. Returns the `Call` the next call may take.
/// Emits `ServiceCalled` (and `WalBurned` for a non-zero fee). Aborts `EServicePaused`,
/// `EPriceAboveMax`, `EInsufficientPayment`, `EChainTooLong`.
public fun call_next(
    service: &mut ModelService,
    system: &System,
    treasury: &mut Treasury,
    payment: &mut Coin<WAL>,
    max_price: u64,
    prev: Call,
    clock: &Clock,
    ctx: &TxContext,
): Call {
    version::assert_current(service.version);
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
    assert!(prev.position + 1 < MAX_CHAIN_LENGTH, EChainTooLong);
    charge(service, system, treasury, payment, max_price, option::some(prev), vector[], clock, ctx)
}

/// The service's provider answers call `number`: the output's blob ID and Blake2b-256 hash.
/// Emits `ServiceResponded`. Aborts `ENotProvider`, `ENoSuchCall`, `EAlreadyServed`,
/// `EBadOutputHash`.
public fun respond(
    service: &mut ModelService,
    number: u64,
    output_blob_id: u256,
    output_hash: vector<u8>,
    clock: &Clock,
    ctx: &TxContext,
) {
    version::assert_current(service.version);
    assert!(ctx.sender() == service.provider, ENotProvider);
    assert!(number < service.calls, ENoSuchCall);
    assert!(!service.responses.contains(number), EAlreadyServed);
    assert!(output_hash.length() == 32, EBadOutputHash);
    let now = clock.timestamp_ms();
    service.responses.add(number, Response { output_blob_id, output_hash, responded_at_ms: now });
    events::emit_service_responded(
        object::id(service),
        number,
        service.provider,
        output_blob_id,
        output_hash,
        now,
    );
}

// === Reads ===

/// The model the service sells.
public fun service_model_id(service: &ModelService): ID { service.model_id }

/// The model version the service runs.
public fun service_model_version(service: &ModelService): u64 { service.model_version }

/// The account that serves the calls.
public fun service_provider(service: &ModelService): address { service.provider }

/// WAL (base units) one call pays.
public fun service_price(service: &ModelService): u64 { service.price_per_call }

/// Whether the service is paused.
public fun service_paused(service: &ModelService): bool { service.paused }

/// Calls taken so far.
public fun service_calls(service: &ModelService): u64 { service.calls }

/// Revenue not withdrawn yet.
public fun service_revenue(service: &ModelService): u64 { service.revenue.value() }

/// Whether call `number` was answered.
public fun is_served(service: &ModelService, number: u64): bool {
    service.responses.contains(number)
}

/// The output hash the provider answered call `number` with. Aborts `ENotServed`.
public fun response_output_hash(service: &ModelService, number: u64): vector<u8> {
    assert!(service.responses.contains(number), ENotServed);
    service.responses.borrow(number).output_hash
}

/// The output blob ID the provider answered call `number` with. Aborts `ENotServed`.
public fun response_output_blob_id(service: &ModelService, number: u64): u256 {
    assert!(service.responses.contains(number), ENotServed);
    service.responses.borrow(number).output_blob_id
}

/// The service a cap controls.
public fun cap_service_id(cap: &ServiceCap): ID { cap.service_id }

/// The service a call was made to.
public fun call_service_id(call: &Call): ID { call.service_id }

/// The call's number at its service.
public fun call_number(call: &Call): u64 { call.number }

/// The call's position in its chain (0 for the first).
public fun call_position(call: &Call): u64 { call.position }

// === Internal ===

/// Takes the payment and records the call; `prev` is the previous call of the chain, `input`
/// the first call's bytes (empty for later calls).
fun charge(
    service: &mut ModelService,
    system: &System,
    treasury: &mut Treasury,
    payment: &mut Coin<WAL>,
    max_price: u64,
    prev: Option<Call>,
    input: vector<u8>,
    clock: &Clock,
    ctx: &TxContext,
): Call {
    assert!(!service.paused, EServicePaused);
    let price = service.price_per_call;
    assert!(price <= max_price, EPriceAboveMax);
    assert!(payment.value() >= price, EInsufficientPayment);
    let mut paid = payment.balance_mut().split(price);
    let bps = std::u64::min(system.license_fee_bps(), BPS);
    let fee = (((price as u128) * (bps as u128) / (BPS as u128)) as u64);
    let fee_burned = wal::burn_balance(treasury, paid.split(fee), wal::source_license_fee());
    service.revenue.join(paid);

    let number = service.calls;
    service.calls = number + 1;
    let (position, prev_service_id, prev_number) = if (prev.is_some()) {
        let p = prev.destroy_some();
        (p.position + 1, option::some(p.service_id), option::some(p.number))
    } else {
        prev.destroy_none();
        (0, option::none(), option::none())
    };
    let service_id = object::id(service);
    events::emit_service_called(
        service_id,
        number,
        ctx.sender(),
        position,
        prev_service_id,
        prev_number,
        input,
        price,
        fee_burned,
        clock.timestamp_ms(),
    );
    Call { service_id, number, position }
}

fun emit_updated(service: &ModelService) {
    events::emit_service_updated(
        object::id(service),
        service.price_per_call,
        service.paused,
        service.provider,
    );
}

// === Versions ===

/// Brings a `ModelService` left at an older package version to this package's version.
/// Anyone may call it: only the version changes. Aborts `version::EAlreadyMigrated` if it is
/// at this version already.
public fun migrate_service(service: &mut ModelService) {
    service.version = version::migrated(service.version);
}

// === Test-only ===

/// Sets the `version` field, to simulate a `ModelService` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(service: &mut ModelService, value: u64) {
    service.version = value;
}

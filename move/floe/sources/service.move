/// Paid, composable model calls: a model's owner sells calls of one of its versions at a price
/// per call, a provider serves them, and a caller chains several services in one programmable
/// transaction (summarize → classify → render), each call paid on-chain there.
///
/// A `ModelService` (shared) names a model version, the account of the provider that serves
/// it, a price per call, a response window and whether it is paused; its `ServiceCap` (owned,
/// `key + store`) controls the price, the window, the pause and the provider. Only the holder
/// of the model's `ModelCap` creates a service of the model.
///
/// `call` takes exactly the price from the caller's coin (never more: the rest stays in the
/// coin; a price above the caller's `max_price`, e.g. after a reprice the caller did not see,
/// aborts `EPriceAboveMax`) and holds it in the service's escrow until the call is answered or
/// refunded. A call touches only its service (no `Model`, `System` or `Treasury`), so a chain of
/// calls in one transaction stays cheap and never contends on the package's shared objects.
/// It returns a `Call`: the receipt of that paid call, which `call_next` on the next service
/// takes as its input, so the chain is linear and each link is paid in the same transaction.
/// A `Call` has only `drop`: it cannot be copied, stored or kept past its transaction, so no
/// call is paid once and used twice. Each call is numbered by its service and announced by
/// `ServiceCalled` (service, number, position in the chain, the previous call, the input for
/// the first call, the price and the deadline for its answer).
///
/// Settlement pays the model, so its datasets get their share: the provider's worker serves
/// the events, runs the model on the call's input (the first call's bytes, or the previous
/// call's output) and posts the result with `respond` (the output's blob ID and Blake2b-256
/// hash) before the call's deadline. `respond` takes the service's own `Model` and moves the
/// call's escrow there: the protocol fee (`system::license_fee_bps`, as license sales) is
/// burned and the rest goes through `model::add_revenue`, which sets each dataset's share
/// aside for its contributors; the owner takes the rest with `model::withdraw_revenue`. The
/// provider cannot answer without paying the model (the only way to release an escrow towards
/// anyone but the caller), nor pay another model (`EWrongModel`). Each call is answered once
/// (`EAlreadyServed`), only by the service's provider, only for a call that was made and only
/// before its deadline (`EResponseTooLate`); other contracts read the answer
/// (`response_output_hash`).
///
/// Refunds: a call not answered by its deadline (the service's response window when the call
/// was made, 5 seconds to 7 days) is returned in full to the account that paid it with `refund`
/// (`ENotPayer` for anyone else, `EDeadlineNotPassed` before the deadline, `ERefunded` the
/// second time); a call refunded can no longer be answered (`ERefunded`). Before the deadline
/// only the provider acts on a call, after it only the payer: the two never race.
///
/// A service belongs to its model: the holder of the model's `ModelCap` (e.g. the buyer of the
/// model) takes over any service of it with `take_over`, which issues a new `ServiceCap` and
/// voids the old one (`EWrongCap`), so a seller's cap does not outlive the sale of the model;
/// and revenue always goes to the model, never to the `ServiceCap`'s holder. A void cap's
/// holder deletes it with `destroy_voided_cap` (a live cap cannot be destroyed that way).
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
/// Set a price of at least 0.000000001 WAL per call.
const EZeroPrice: u64 = 2;
/// The `ServiceCap` is not this service's current cap (another service's, or one voided by
/// `take_over`).
/// Use the ServiceCap of this service; the model's owner gets a new one with take_over.
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
/// Sign as the service's provider: only it answers the service's calls.
const ENotProvider: u64 = 8;
/// A call number the service never took.
/// Name a call announced by a ServiceCalled event.
const ENoSuchCall: u64 = 9;
/// The call was answered already.
/// Nothing to do: each call is answered once, and an answered call is paid and cannot be refunded.
const EAlreadyServed: u64 = 10;
/// The output hash is not 32 bytes.
/// Give the 32-byte Blake2b-256 hash of the output.
const EBadOutputHash: u64 = 11;
/// The response window is shorter than 5 seconds or longer than 7 days.
/// Give the provider between 5 000 and 604 800 000 ms to answer a call.
const EBadResponseWindow: u64 = 12;
/// The chain already holds `MAX_CHAIN_LENGTH` calls.
/// Chain at most 16 calls in one transaction.
const EChainTooLong: u64 = 13;
/// A call's answer was asked of a call not answered yet.
/// Wait for the provider's ServiceResponded event.
const ENotServed: u64 = 14;
/// `respond` with a `Model` other than the service's: its revenue would go elsewhere.
/// Pass the model the service sells (service_model_id).
const EWrongModel: u64 = 15;
/// The call's payment was refunded to its caller: it can be neither answered nor refunded again.
/// Nothing to do: the call is closed.
const ERefunded: u64 = 16;
/// `respond` at or after the call's deadline.
/// Answer calls before their deadlines: this one's caller may now take its payment back with refund.
const EResponseTooLate: u64 = 17;
/// `refund` by an account other than the one that paid the call.
/// Sign as the account that paid the call: only it takes the payment back.
const ENotPayer: u64 = 18;
/// `refund` before the call's deadline: the provider may still answer.
/// Wait until the deadline (ServiceCalled's deadline_ms) has passed.
const EDeadlineNotPassed: u64 = 19;
/// `destroy_voided_cap` with the service's current cap: it still controls the service.
/// Keep this cap: it is live, and only a cap voided by take_over can be destroyed.
const ECapNotVoided: u64 = 20;
/// `destroy_voided_cap` with a service other than the one the cap was issued for.
/// Pass the service the cap names (cap_service_id).
const ECapOfAnotherService: u64 = 21;

// === Constants ===

/// Basis-point denominator.
const BPS: u64 = 10_000;
/// Longest input a first call carries, bytes.
const MAX_INPUT_LENGTH: u64 = 4096;
/// Most calls one chain links.
const MAX_CHAIN_LENGTH: u64 = 16;
/// Shortest response window, ms (5 s: a call's payment is not refundable in the same breath).
const MIN_RESPONSE_WINDOW_MS: u64 = 5_000;
/// Longest response window, ms (7 days: the longest a caller's payment waits in escrow).
const MAX_RESPONSE_WINDOW_MS: u64 = 604_800_000;

// === Objects ===

/// A model version sold per call. Shared: anyone calls it; its `ServiceCap` changes it.
public struct ModelService has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    /// The current `ServiceCap` (replaced by `take_over`).
    cap_id: ID,
    model_id: ID,
    model_version: u64,
    /// The account whose worker serves the calls and alone answers them.
    provider: address,
    /// WAL (base units) each call pays.
    price_per_call: u64,
    /// How long the provider has to answer a call, ms, from the call (for calls made from now).
    response_window_ms: u64,
    paused: bool,
    /// The payments of the calls neither answered nor refunded yet.
    escrow: Balance<WAL>,
    /// Each call in escrow, by call number: who paid how much, and its deadline.
    pending: Table<u64, Pending>,
    /// Calls taken so far: the next call's number.
    calls: u64,
    /// The answer to each call served, by call number.
    responses: Table<u64, Response>,
}

/// Control over one `ModelService`: its price, window, pause and provider.
public struct ServiceCap has key, store {
    id: UID,
    service_id: ID,
}

/// One call's payment in escrow.
public struct Pending has copy, drop, store {
    /// The account that paid the call: the only one that may take the payment back.
    payer: address,
    /// WAL (base units) paid.
    amount: u64,
    /// Clock time (ms) from which the call can no longer be answered and the payer may refund.
    deadline_ms: u64,
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
/// the sender holds) at `price_per_call`, served by `provider`, who has `response_window_ms`
/// to answer each call. Shares the service and returns its `ServiceCap`.
/// Emits `ServiceCreated`. Aborts `EWrongModelCap`, `EVersionNotFound`, `EZeroPrice`,
/// `EBadResponseWindow`.
public fun create_service(
    model: &Model,
    model_cap: &ModelCap,
    model_version: u64,
    provider: address,
    price_per_call: u64,
    response_window_ms: u64,
    ctx: &mut TxContext,
): ServiceCap {
    version::assert_current(model.object_version());
    assert!(model_cap.cap_model_id() == object::id(model), EWrongModelCap);
    assert!(model.has_version(model_version), EVersionNotFound);
    assert!(price_per_call > 0, EZeroPrice);
    assert_window(response_window_ms);

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
        response_window_ms,
        paused: false,
        escrow: balance::zero(),
        pending: table::new(ctx),
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
        response_window_ms,
    );
    transfer::share_object(service);
    cap
}

/// Sets the price per call (calls already made keep theirs; callers are protected by their
/// `max_price`).
/// Emits `ServiceUpdated`. Aborts `EWrongCap`, `EZeroPrice`.
public fun set_price(service: &mut ModelService, cap: &ServiceCap, price_per_call: u64) {
    version::assert_current(service.version);
    assert_cap(service, cap);
    assert!(price_per_call > 0, EZeroPrice);
    service.price_per_call = price_per_call;
    emit_updated(service);
}

/// Sets the response window of the calls made from now on (calls already made keep their
/// deadline).
/// Emits `ServiceUpdated`. Aborts `EWrongCap`, `EBadResponseWindow`.
public fun set_response_window(
    service: &mut ModelService,
    cap: &ServiceCap,
    response_window_ms: u64,
) {
    version::assert_current(service.version);
    assert_cap(service, cap);
    assert_window(response_window_ms);
    service.response_window_ms = response_window_ms;
    emit_updated(service);
}

/// Pauses (`true`) or resumes the service. A paused service takes no calls; calls already
/// made may still be answered (or refunded).
/// Emits `ServiceUpdated`. Aborts `EWrongCap`.
public fun set_paused(service: &mut ModelService, cap: &ServiceCap, paused: bool) {
    version::assert_current(service.version);
    assert_cap(service, cap);
    service.paused = paused;
    emit_updated(service);
}

/// Sets the account that serves (and alone answers) the calls, those in escrow included.
/// Emits `ServiceUpdated`. Aborts `EWrongCap`.
public fun set_provider(service: &mut ModelService, cap: &ServiceCap, provider: address) {
    version::assert_current(service.version);
    assert_cap(service, cap);
    service.provider = provider;
    emit_updated(service);
}

/// The holder of the model's `ModelCap` takes control of a service of the model: returns a
/// new `ServiceCap` and voids the previous one (it aborts `EWrongCap` from now on). This is how
/// the buyer of a model stops or changes the services its seller created.
/// Emits `ServiceCapReplaced`. Aborts `EWrongModelCap`.
public fun take_over(
    service: &mut ModelService,
    model_cap: &ModelCap,
    ctx: &mut TxContext,
): ServiceCap {
    version::assert_current(service.version);
    assert!(model_cap.cap_model_id() == service.model_id, EWrongModelCap);
    let service_id = object::id(service);
    let cap = ServiceCap { id: object::new(ctx), service_id };
    let old_cap_id = service.cap_id;
    service.cap_id = object::id(&cap);
    events::emit_service_cap_replaced(service_id, old_cap_id, service.cap_id, ctx.sender());
    cap
}

/// Deletes `cap`, a `ServiceCap` that `take_over` voided: it controls nothing any more, and
/// deleting it gives its holder the object's storage rebate. Only a void cap: `service` must
/// be the service the cap was issued for (`ECapOfAnotherService`: judging a cap against
/// another service would find every cap of this one "not current" there and let a live cap
/// be destroyed), and the cap must no longer be that service's current one
/// (`ECapNotVoided`), so a live cap, which alone reprices, pauses and redirects its service,
/// is never lost this way. Nothing else changes: no event (`ServiceCapReplaced` already
/// announced the cap void).
/// Aborts `ECapOfAnotherService`, `ECapNotVoided`.
public fun destroy_voided_cap(service: &ModelService, cap: ServiceCap) {
    version::assert_current(service.version);
    assert!(cap.service_id == object::id(service), ECapOfAnotherService);
    assert!(object::id(&cap) != service.cap_id, ECapNotVoided);
    let ServiceCap { id, service_id: _ } = cap;
    id.delete();
}

// === Calls ===

/// Calls `service` on `input` (1 to `MAX_INPUT_LENGTH` bytes), the first call of a chain:
/// takes exactly the price per call from `payment` (at most `max_price`) into the service's
/// escrow. Returns the `Call` the next call may take.
/// Emits `ServiceCalled`. Aborts `EServicePaused`, `EPriceAboveMax`, `EInsufficientPayment`,
/// `EBadInput`.
public fun call(
    service: &mut ModelService,
    payment: &mut Coin<WAL>,
    max_price: u64,
    input: vector<u8>,
    clock: &Clock,
    ctx: &TxContext,
): Call {
    version::assert_current(service.version);
    let length = input.length();
    assert!(length > 0 && length <= MAX_INPUT_LENGTH, EBadInput);
    charge(service, payment, max_price, option::none(), input, clock, ctx)
}

/// Calls `service` on the output of `prev`, the previous call of the same chain (consumed):
/// paid like `call`. Returns the `Call` the next call may take.
/// Emits `ServiceCalled`. Aborts `EServicePaused`, `EPriceAboveMax`, `EInsufficientPayment`,
/// `EChainTooLong`.
public fun call_next(
    service: &mut ModelService,
    payment: &mut Coin<WAL>,
    max_price: u64,
    prev: Call,
    clock: &Clock,
    ctx: &TxContext,
): Call {
    version::assert_current(service.version);
    assert!(prev.position + 1 < MAX_CHAIN_LENGTH, EChainTooLong);
    charge(service, payment, max_price, option::some(prev), vector[], clock, ctx)
}

/// The service's provider answers call `number` before its deadline: the output's blob ID and
/// Blake2b-256 hash. Settles the call: its payment leaves the escrow, the protocol fee is
/// burned and the rest is credited to `model` (the service's) through `model::add_revenue`,
/// which sets the datasets' shares aside.
/// Emits `ServiceResponded` (and `WalBurned` for a non-zero fee, `DatasetRevenueAccrued` for
/// each dataset's share). Aborts `ENotProvider`, `EWrongModel`, `ENoSuchCall`,
/// `EAlreadyServed`, `ERefunded`, `EResponseTooLate`, `EBadOutputHash`.
public fun respond(
    service: &mut ModelService,
    model: &mut Model,
    system: &System,
    treasury: &mut Treasury,
    number: u64,
    output_blob_id: u256,
    output_hash: vector<u8>,
    clock: &Clock,
    ctx: &TxContext,
) {
    version::assert_current(service.version);
    version::assert_current(model.object_version());
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
    assert!(ctx.sender() == service.provider, ENotProvider);
    assert!(object::id(model) == service.model_id, EWrongModel);
    assert_pending(service, number);
    let now = clock.timestamp_ms();
    let pending = service.pending.remove(number);
    assert!(now < pending.deadline_ms, EResponseTooLate);
    assert!(output_hash.length() == 32, EBadOutputHash);

    let mut paid = service.escrow.split(pending.amount);
    let bps = std::u64::min(system.license_fee_bps(), BPS);
    let fee = (((pending.amount as u128) * (bps as u128) / (BPS as u128)) as u64);
    let fee_burned = wal::burn_balance(treasury, paid.split(fee), wal::source_license_fee());
    let revenue = paid.value();
    model.add_revenue(paid);
    service.responses.add(number, Response { output_blob_id, output_hash, responded_at_ms: now });
    events::emit_service_responded(
        object::id(service),
        number,
        service.provider,
        output_blob_id,
        output_hash,
        service.model_id,
        revenue,
        fee_burned,
        now,
    );
}

/// The payer of call `number` takes its whole payment back once the call's deadline has
/// passed without an answer. The call can then no longer be answered.
/// Emits `ServiceCallRefunded`. Aborts `ENoSuchCall`, `EAlreadyServed`, `ERefunded`,
/// `ENotPayer`, `EDeadlineNotPassed`.
public fun refund(
    service: &mut ModelService,
    number: u64,
    clock: &Clock,
    ctx: &mut TxContext,
): Coin<WAL> {
    version::assert_current(service.version);
    assert_pending(service, number);
    let pending = service.pending.remove(number);
    assert!(ctx.sender() == pending.payer, ENotPayer);
    let now = clock.timestamp_ms();
    assert!(now >= pending.deadline_ms, EDeadlineNotPassed);
    let returned = service.escrow.split(pending.amount);
    let service_id = object::id(service);
    events::emit_service_call_refunded(service_id, number, pending.payer, pending.amount, now);
    coin::from_balance(returned, ctx)
}

// === Reads ===

/// The model the service sells (and pays).
public fun service_model_id(service: &ModelService): ID { service.model_id }

/// The model version the service runs.
public fun service_model_version(service: &ModelService): u64 { service.model_version }

/// The account that serves the calls.
public fun service_provider(service: &ModelService): address { service.provider }

/// WAL (base units) one call pays.
public fun service_price(service: &ModelService): u64 { service.price_per_call }

/// How long the provider has to answer the calls made from now, ms.
public fun service_response_window_ms(service: &ModelService): u64 {
    service.response_window_ms
}

/// Whether the service is paused.
public fun service_paused(service: &ModelService): bool { service.paused }

/// Calls taken so far.
public fun service_calls(service: &ModelService): u64 { service.calls }

/// WAL held in escrow for calls neither answered nor refunded.
public fun service_escrow(service: &ModelService): u64 { service.escrow.value() }

/// The service's current `ServiceCap`.
public fun service_cap_id(service: &ModelService): ID { service.cap_id }

/// Whether call `number`'s payment is in escrow (made, neither answered nor refunded).
public fun is_pending(service: &ModelService, number: u64): bool {
    service.pending.contains(number)
}

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

/// The service a cap was issued for.
public fun cap_service_id(cap: &ServiceCap): ID { cap.service_id }

/// The service a call was made to.
public fun call_service_id(call: &Call): ID { call.service_id }

/// The call's number at its service.
public fun call_number(call: &Call): u64 { call.number }

/// The call's position in its chain (0 for the first).
public fun call_position(call: &Call): u64 { call.position }

// === Internal ===

/// Aborts `EWrongCap` unless `cap` is the service's current cap.
fun assert_cap(service: &ModelService, cap: &ServiceCap) {
    assert!(object::id(cap) == service.cap_id, EWrongCap);
}

/// Aborts `EBadResponseWindow` unless the window is within the bounds.
fun assert_window(response_window_ms: u64) {
    let fits = response_window_ms >= MIN_RESPONSE_WINDOW_MS;
    assert!(fits && response_window_ms <= MAX_RESPONSE_WINDOW_MS, EBadResponseWindow);
}

/// Aborts unless call `number` is in escrow: `ENoSuchCall` (never made), `EAlreadyServed`
/// (answered), `ERefunded` (neither, so refunded).
fun assert_pending(service: &ModelService, number: u64) {
    assert!(number < service.calls, ENoSuchCall);
    assert!(!service.responses.contains(number), EAlreadyServed);
    assert!(service.pending.contains(number), ERefunded);
}

/// Takes the payment into escrow and records the call; `prev` is the previous call of the
/// chain, `input` the first call's bytes (empty for later calls).
fun charge(
    service: &mut ModelService,
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
    service.escrow.join(payment.balance_mut().split(price));
    let now = clock.timestamp_ms();
    let deadline_ms = now + service.response_window_ms;

    let number = service.calls;
    service.calls = number + 1;
    service.pending.add(number, Pending { payer: ctx.sender(), amount: price, deadline_ms });
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
        deadline_ms,
        now,
    );
    Call { service_id, number, position }
}

fun emit_updated(service: &ModelService) {
    events::emit_service_updated(
        object::id(service),
        service.price_per_call,
        service.paused,
        service.provider,
        service.response_window_ms,
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

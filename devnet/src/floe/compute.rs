//! `floe::compute`: compute jobs on chosen, staked providers.
//!
//! Mirrors `move/floe/sources/compute.move` function by function: providers registered with
//! stake and their account's ed25519 key, shared jobs with a WAL escrow, the Seal policy
//! `seal_approve_job`, results bonding 10 % of a provider's stake, settlement on k matching
//! output hashes (fee and dust burned as source license fee, mismatching bonds burned as
//! source slashing, pay and bonds sent as new coins to the providers' accounts) and refunds
//! after the deadline. Tuning jobs (`open_tuning_job`, `submit_tuning_result`,
//! `settle_tuning_job`, `refund_tuning_job`) are paid from a model's tuning reserve and hold
//! their results' output `Blob`s wrapped inside the job until it closes; the agreed one moves
//! into the model (`model::tuning_job_settled`), the others are unwrapped back to their
//! providers. Aborts raised in Move's internal helpers (`new_job`, `record_submission`,
//! `pay_out`, `close_unsettled`) are located there, as Sui locates them. The `*_for_testing`
//! functions are `#[test_only]` and have no handler.

use floe_sdk::move_types::blob::Blob;
use floe_sdk::move_types::compute::{ComputeProvider, Job, ProviderCap, Submission};
use floe_sdk::move_types::events::{
    ComputeJobCreated, ComputeJobRefunded, ComputeJobSettled, ComputeProviderRegistered,
    ComputeProviderSlashed, ComputeProviderUpdated, ComputeResultSubmitted,
};
use floe_sdk::move_types::model::{Model, ModelCap};
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self, Balance, ID, MoveString, U256};
use sui_sdk_types::{Address, ExecutionError};

use super::args::{Clock, Obj, WalCoin};
use super::blob::blake2b256;
use super::model::{abort_at, arithmetic_error, move_address, versions_types};
use super::version;
use super::wal::{self, SOURCE_LICENSE_FEE, SOURCE_SLASHING};
use super::{
    coin_into_balance, create_object, emit, new_wal_coin, table_contains, table_get, unwrap_object,
};
use crate::runtime::CallContext;

const MODULE: &str = "compute";

/// The abort codes of `floe::compute`, generated from the Move source.
pub use floe_sdk::move_aborts::compute::*;

include!(concat!(env!("OUT_DIR"), "/floe_compute.rs"));

// === Constants (as in compute.move) ===

/// Basis-point denominator.
pub const BPS: u64 = 10_000;
/// Least stake to register and to submit: 10 WAL.
pub const MIN_STAKE: u64 = 10_000_000_000;
/// Share of its stake a provider bonds per result, basis points.
pub const BOND_BPS: u64 = 1_000;
/// Most providers one job may name.
pub const MAX_PROVIDERS: usize = 16;
/// Longest a job may stay open, ms.
pub const MAX_JOB_MS: u64 = 2_592_000_000;
/// Longest network address, bytes.
pub const MAX_NETWORK_ADDRESS_LENGTH: usize = 256;
/// Sui's ed25519 signature-scheme flag.
pub const ED25519_FLAG: u8 = 0;
/// Job states.
pub const STATE_OPEN: u8 = 0;
pub const STATE_SETTLED: u8 = 1;
pub const STATE_REFUNDED: u8 = 2;

// === Types ===

/// The Sui address of an ed25519 public key: blake2b256(flag ‖ key).
pub fn ed25519_address(public_key: &[u8]) -> Address {
    let mut flagged = Vec::with_capacity(1 + public_key.len());
    flagged.push(ED25519_FLAG);
    flagged.extend_from_slice(public_key);
    Address::new(blake2b256(&flagged))
}

fn assert_network_address(network_address: &MoveString) -> Result<(), ExecutionError> {
    let length = network_address.bytes.len();
    if length == 0 || length > MAX_NETWORK_ADDRESS_LENGTH {
        return Err(abort_at(
            MODULE,
            "assert_network_address",
            E_BAD_NETWORK_ADDRESS,
        ));
    }
    Ok(())
}

fn emit_updated(
    ctx: &mut CallContext<'_>,
    provider: &Obj<ComputeProvider>,
) -> Result<(), ExecutionError> {
    emit(
        ctx,
        &ComputeProviderUpdated {
            provider_id: move_types::id(provider.id),
            stake: provider.stake.value,
            network_address: provider.network_address.clone(),
        },
    )
}

/// Whether `a` and `b` are the same result: the same output hash and output blob ID (a blob
/// ID commits to the content, so the settled blob is the one k providers vouched for).
fn agrees(a: &Submission, b: &Submission) -> bool {
    a.output_hash == b.output_hash && a.output_blob_id == b.output_blob_id
}

/// How many submissions agree with `result` (`compute::count_agreeing`).
fn count_agreeing(job: &Job, result: &Submission) -> u64 {
    job.submissions.iter().filter(|s| agrees(s, result)).count() as u64
}

/// The index of the first submission whose result has at least k submissions, if any.
fn quorum(job: &Job) -> Option<usize> {
    job.submissions
        .iter()
        .position(|s| count_agreeing(job, s) >= job.k)
}

fn plus(a: u64, b: u64) -> Result<u64, ExecutionError> {
    a.checked_add(b).ok_or_else(|| arithmetic_error(MODULE))
}

// === Providers ===

fn register_provider(
    ctx: &mut CallContext<'_>,
    public_key: Vec<u8>,
    network_address: MoveString,
    stake: WalCoin,
) -> Result<(), ExecutionError> {
    if public_key.len() != 32 {
        return Err(ctx.abort(E_BAD_PUBLIC_KEY));
    }
    let operator = ctx.sender();
    if ed25519_address(&public_key) != operator {
        return Err(ctx.abort(E_KEY_NOT_SENDER));
    }
    assert_network_address(&network_address)?;
    let stake_value = super::coin_value(ctx, stake.0)?;
    if stake_value < MIN_STAKE {
        return Err(ctx.abort(E_STAKE_TOO_LOW));
    }
    coin_into_balance(ctx, stake.0)?;

    let provider_id = ctx.fresh_id();
    let cap_id = ctx.fresh_id();
    let cap = ProviderCap::new(move_types::uid(cap_id), move_types::id(provider_id));
    let provider = ComputeProvider::new(
        move_types::uid(provider_id),
        version::VERSION,
        move_types::id(cap_id),
        move_address(operator),
        public_key.clone(),
        network_address.clone(),
        Balance::new(stake_value),
    );
    emit(
        ctx,
        &ComputeProviderRegistered {
            provider_id: move_types::id(provider_id),
            cap_id: move_types::id(cap_id),
            operator: move_address(operator),
            public_key,
            network_address,
            stake: stake_value,
        },
    )?;
    create_object(ctx, false, &provider)?;
    ctx.share(provider_id)?;
    create_object(ctx, false, &cap)?;
    ctx.transfer(cap_id, operator)?;
    Ok(())
}

/// Checks that `cap` controls `provider`.
fn assert_cap(
    ctx: &CallContext<'_>,
    provider: &Obj<ComputeProvider>,
    cap: &ProviderCap,
) -> Result<(), ExecutionError> {
    if move_types::address_of(&cap.provider_id) != provider.id {
        return Err(ctx.abort(E_WRONG_CAP));
    }
    Ok(())
}

fn add_stake(
    ctx: &mut CallContext<'_>,
    mut provider: Obj<ComputeProvider>,
    cap: Obj<ProviderCap>,
    coin: WalCoin,
) -> Result<(), ExecutionError> {
    version::assert_current(provider.version)?;
    assert_cap(ctx, &provider, &cap)?;
    let value = coin_into_balance(ctx, coin.0)?;
    provider.stake.value = provider
        .stake
        .value
        .checked_add(value)
        .ok_or_else(|| arithmetic_error("balance"))?;
    emit_updated(ctx, &provider)?;
    provider.save(ctx)?;
    Ok(())
}

fn withdraw_stake(
    ctx: &mut CallContext<'_>,
    mut provider: Obj<ComputeProvider>,
    cap: Obj<ProviderCap>,
    amount: u64,
) -> Result<WalCoin, ExecutionError> {
    version::assert_current(provider.version)?;
    assert_cap(ctx, &provider, &cap)?;
    if amount > provider.stake.value {
        return Err(ctx.abort(E_NOT_ENOUGH_STAKE));
    }
    provider.stake.value -= amount;
    let coin = new_wal_coin(ctx, amount)?;
    emit_updated(ctx, &provider)?;
    provider.save(ctx)?;
    Ok(WalCoin(coin))
}

fn set_network_address(
    ctx: &mut CallContext<'_>,
    mut provider: Obj<ComputeProvider>,
    cap: Obj<ProviderCap>,
    network_address: MoveString,
) -> Result<(), ExecutionError> {
    version::assert_current(provider.version)?;
    assert_cap(ctx, &provider, &cap)?;
    assert_network_address(&network_address)?;
    provider.network_address = network_address;
    emit_updated(ctx, &provider)?;
    provider.save(ctx)?;
    Ok(())
}

// === Jobs ===

/// `create_job`: only the holder of the model's cap opens jobs, since a job releases the model's
/// key to the providers it names (`EWrongModelCap` with another model's cap).
#[allow(clippy::too_many_arguments)]
fn create_job(
    ctx: &mut CallContext<'_>,
    model: Obj<Model>,
    cap: Obj<ModelCap>,
    model_version: u64,
    input_blob_id: U256,
    providers: Vec<ID>,
    k: u64,
    deadline_ms: u64,
    payment: WalCoin,
    _clock: Clock,
) -> Result<ID, ExecutionError> {
    version::assert_current(model.version)?;
    if move_types::address_of(&cap.model_id) != model.id {
        return Err(ctx.abort(E_WRONG_MODEL_CAP));
    }
    let price = super::coin_value(ctx, payment.0)?;
    let job = new_job(
        ctx,
        &model,
        model_version,
        input_blob_id,
        providers,
        k,
        deadline_ms,
        price,
        false,
    )?;
    // `coin::into_balance(payment)` ran before `new_job` in Move; it creates no object.
    coin_into_balance(ctx, payment.0)?;
    share_job(ctx, job)
}

/// Creates and shares `job` (`transfer::share_object`); returns its ID.
fn share_job(ctx: &mut CallContext<'_>, job: Job) -> Result<ID, ExecutionError> {
    let job_id = move_types::address_of(&job.id.id);
    create_object(ctx, false, &job)?;
    ctx.share(job_id)?;
    Ok(move_types::id(job_id))
}

/// `open_tuning_job`: anyone opens the model's tuning job with the owner's terms, paid from the
/// tuning reserve.
fn open_tuning_job(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    _clock: Clock,
) -> Result<ID, ExecutionError> {
    version::assert_current(model.version)?;
    let (terms, base_version, price) = super::model::take_tuning_payment(&mut model)?;
    let deadline_ms = plus(ctx.timestamp_ms(), terms.duration_ms)?;
    let job = new_job(
        ctx,
        &model,
        base_version,
        terms.input_blob_id,
        terms.providers,
        terms.k,
        deadline_ms,
        price,
        true,
    )?;
    let job_id = move_types::address_of(&job.id.id);
    let opener = ctx.sender();
    super::model::tuning_job_opened(ctx, &mut model, job_id, base_version, price, opener)?;
    let id = share_job(ctx, job)?;
    model.save(ctx)?;
    Ok(id)
}

/// `compute::new_job`: a new open job, checked (aborts located in `new_job`); emits
/// `ComputeJobCreated`.
#[allow(clippy::too_many_arguments)]
fn new_job(
    ctx: &mut CallContext<'_>,
    model: &Obj<Model>,
    model_version: u64,
    input_blob_id: U256,
    providers: Vec<ID>,
    k: u64,
    deadline_ms: u64,
    price: u64,
    tuning: bool,
) -> Result<Job, ExecutionError> {
    const FUNCTION: &str = "new_job";
    if !table_contains(ctx, &model.versions, &versions_types(), &model_version)? {
        return Err(abort_at(MODULE, FUNCTION, E_VERSION_NOT_FOUND));
    }
    let m = providers.len();
    if m == 0 || m > MAX_PROVIDERS {
        return Err(abort_at(MODULE, FUNCTION, E_BAD_PROVIDER_COUNT));
    }
    for (i, a) in providers.iter().enumerate() {
        if providers[i + 1..].contains(a) {
            return Err(abort_at(MODULE, FUNCTION, E_DUPLICATE_PROVIDER));
        }
    }
    let m = m as u64;
    if k == 0 || k > m || 2 * k <= m {
        return Err(abort_at(MODULE, FUNCTION, E_BAD_QUORUM));
    }
    let now = ctx.timestamp_ms();
    if deadline_ms <= now || deadline_ms - now > MAX_JOB_MS {
        return Err(abort_at(MODULE, FUNCTION, E_BAD_DEADLINE));
    }
    if price == 0 {
        return Err(abort_at(MODULE, FUNCTION, E_ZERO_PAYMENT));
    }

    let version: floe_sdk::move_types::model::ModelVersion =
        table_get(ctx, &model.versions, &versions_types(), &model_version)?;
    let owner = move_address(ctx.sender());
    let job_id = ctx.fresh_id();
    let job = Job::new(
        move_types::uid(job_id),
        version::VERSION,
        owner,
        move_types::id(model.id),
        model_version,
        version.blob_id,
        input_blob_id,
        providers.clone(),
        k,
        deadline_ms,
        Balance::new(price),
        price,
        Vec::new(),
        Balance::new(0),
        STATE_OPEN,
        Vec::new(),
        move_types::u256_from_le([0; 32]),
        tuning,
        Vec::new(),
    );
    emit(
        ctx,
        &ComputeJobCreated {
            job_id: move_types::id(job_id),
            owner,
            model_id: move_types::id(model.id),
            model_version,
            model_blob_id: version.blob_id,
            input_blob_id,
            providers,
            k,
            deadline_ms,
            price,
        },
    )?;
    Ok(job)
}

/// `seal_approve_job` (an `entry fun`): returns nothing when the sender is a chosen provider of the
/// open job asking for its model's identity before the deadline.
fn seal_approve_job(
    ctx: &mut CallContext<'_>,
    id: Vec<u8>,
    job: Obj<Job>,
    provider: Obj<ComputeProvider>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    if id.as_slice() != move_types::address_of(&job.model_id).as_bytes() {
        return Err(ctx.abort(E_WRONG_ID));
    }
    if job.state != STATE_OPEN {
        return Err(ctx.abort(E_JOB_CLOSED));
    }
    if ctx.timestamp_ms() >= job.deadline_ms {
        return Err(ctx.abort(E_DEADLINE_PASSED));
    }
    if !job.providers.contains(&move_types::id(provider.id)) {
        return Err(ctx.abort(E_NOT_CHOSEN));
    }
    if move_address(ctx.sender()) != provider.operator {
        return Err(ctx.abort(E_NOT_PROVIDER));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn submit_result(
    ctx: &mut CallContext<'_>,
    mut job: Obj<Job>,
    mut provider: Obj<ComputeProvider>,
    cap: Obj<ProviderCap>,
    system: Obj<System>,
    output: Obj<Blob>,
    output_hash: Vec<u8>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(job.version)?;
    if job.tuning {
        return Err(ctx.abort(E_TUNING_JOB));
    }
    record_submission(
        ctx,
        &mut job,
        &mut provider,
        &cap,
        &system,
        &output,
        output_hash,
    )?;
    job.save(ctx)?;
    provider.save(ctx)?;
    Ok(())
}

/// `submit_tuning_result`: as `submit_result`, and the job takes the output `Blob` (wrapped in it).
#[allow(clippy::too_many_arguments)]
fn submit_tuning_result(
    ctx: &mut CallContext<'_>,
    mut job: Obj<Job>,
    mut provider: Obj<ComputeProvider>,
    cap: Obj<ProviderCap>,
    system: Obj<System>,
    output: Obj<Blob>,
    output_hash: Vec<u8>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(job.version)?;
    if !job.tuning {
        return Err(ctx.abort(E_NOT_TUNING_JOB));
    }
    record_submission(
        ctx,
        &mut job,
        &mut provider,
        &cap,
        &system,
        &output,
        output_hash,
    )?;
    let Obj {
        id: output_object,
        value: output,
    } = output;
    ctx.wrap(output_object)?;
    job.outputs.push(output);
    job.save(ctx)?;
    provider.save(ctx)?;
    Ok(())
}

/// `compute::record_submission`: the checks and bond of a result (aborts located there);
/// emits `ComputeResultSubmitted`.
fn record_submission(
    ctx: &mut CallContext<'_>,
    job: &mut Obj<Job>,
    provider: &mut Obj<ComputeProvider>,
    cap: &Obj<ProviderCap>,
    system: &Obj<System>,
    output: &Obj<Blob>,
    output_hash: Vec<u8>,
) -> Result<(), ExecutionError> {
    const FUNCTION: &str = "record_submission";
    version::assert_current(provider.version)?;
    version::assert_current(system.version)?;
    if move_types::address_of(&cap.provider_id) != provider.id {
        return Err(abort_at(MODULE, FUNCTION, E_WRONG_CAP));
    }
    let provider_id = move_types::id(provider.id);
    if job.state != STATE_OPEN {
        return Err(abort_at(MODULE, FUNCTION, E_JOB_CLOSED));
    }
    let now = ctx.timestamp_ms();
    if now >= job.deadline_ms {
        return Err(abort_at(MODULE, FUNCTION, E_DEADLINE_PASSED));
    }
    if !job.providers.contains(&provider_id) {
        return Err(abort_at(MODULE, FUNCTION, E_NOT_CHOSEN));
    }
    if job.submissions.iter().any(|s| s.provider_id == provider_id) {
        return Err(abort_at(MODULE, FUNCTION, E_ALREADY_SUBMITTED));
    }
    if output_hash.len() != 32 {
        return Err(abort_at(MODULE, FUNCTION, E_BAD_OUTPUT_HASH));
    }
    if output.certified_epoch.is_none() {
        return Err(abort_at(MODULE, FUNCTION, E_OUTPUT_NOT_CERTIFIED));
    }
    if system.epoch >= output.storage.end_epoch {
        return Err(abort_at(MODULE, FUNCTION, E_OUTPUT_EXPIRED));
    }
    let stake = provider.stake.value;
    if stake < MIN_STAKE {
        return Err(abort_at(MODULE, FUNCTION, E_STAKE_TOO_LOW));
    }

    let bond = u64::try_from(u128::from(stake) * u128::from(BOND_BPS) / u128::from(BPS))
        .expect("BOND_BPS < BPS, so the bond is below the stake");
    provider.stake.value -= bond;
    job.bonds.value = plus(job.bonds.value, bond)?;
    let submission = Submission::new(
        provider_id.clone(),
        provider.operator,
        output.blob_id,
        move_types::id(output.id),
        output_hash.clone(),
        bond,
        now,
    );
    job.submissions.push(submission);
    emit(
        ctx,
        &ComputeResultSubmitted {
            job_id: move_types::id(job.id),
            provider_id,
            operator: provider.operator,
            output_blob_id: output.blob_id,
            output_blob_object_id: move_types::id(output.id),
            output_hash,
            bond,
            timestamp_ms: now,
        },
    )?;
    emit_updated(ctx, provider)?;
    Ok(())
}

/// A new `Coin<WAL>` of `value` sent to `recipient` (`transfer::public_transfer(
/// coin::from_balance(..), recipient)`).
fn pay(ctx: &mut CallContext<'_>, value: u64, recipient: Address) -> Result<(), ExecutionError> {
    let coin = new_wal_coin(ctx, value)?;
    ctx.transfer(coin, recipient)
}

fn account(address: &moverox::types::Address) -> Address {
    Address::new(address.into_inner())
}

fn settle(
    ctx: &mut CallContext<'_>,
    mut job: Obj<Job>,
    system: Obj<System>,
    mut treasury: Obj<Treasury>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(job.version)?;
    if job.tuning {
        return Err(ctx.abort(E_TUNING_JOB));
    }
    pay_out(ctx, &mut job, &system, &mut treasury)?;
    job.save(ctx)?;
    treasury.save(ctx)?;
    Ok(())
}

/// `settle_tuning_job`: settles as `settle`; the agreed output's Blob goes to the model, the others
/// back to their providers.
fn settle_tuning_job(
    ctx: &mut CallContext<'_>,
    mut job: Obj<Job>,
    mut model: Obj<Model>,
    system: Obj<System>,
    mut treasury: Obj<Treasury>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(job.version)?;
    version::assert_current(model.version)?;
    if !job.tuning {
        return Err(ctx.abort(E_NOT_TUNING_JOB));
    }
    if move_types::address_of(&job.model_id) != model.id {
        return Err(ctx.abort(E_WRONG_MODEL));
    }
    let winner = pay_out(ctx, &mut job, &system, &mut treasury)?;
    let mut agreed = None;
    // Move pops the outputs from the back.
    while let Some(output) = job.outputs.pop() {
        let i = job.outputs.len();
        if i == winner {
            agreed = Some(output);
        } else {
            let operator = account(&job.submissions[i].operator);
            let id = unwrap_object(ctx, true, &output)?;
            ctx.transfer(id, operator)?;
        }
    }
    let output = agreed.ok_or(ExecutionError::InvariantViolation)?;
    let job_id = job.id;
    let base_version = job.model_version;
    let output_hash = job.output_hash.clone();
    super::model::tuning_job_settled(
        ctx,
        &mut model,
        job_id,
        base_version,
        output,
        output_hash,
        system.epoch,
    )?;
    job.save(ctx)?;
    model.save(ctx)?;
    treasury.save(ctx)?;
    Ok(())
}

/// `compute::pay_out`: settlement (aborts located there); returns the index of the first
/// agreeing submission.
fn pay_out(
    ctx: &mut CallContext<'_>,
    job: &mut Obj<Job>,
    system: &Obj<System>,
    treasury: &mut Obj<Treasury>,
) -> Result<usize, ExecutionError> {
    const FUNCTION: &str = "pay_out";
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    if job.state != STATE_OPEN {
        return Err(abort_at(MODULE, FUNCTION, E_JOB_CLOSED));
    }
    let Some(winner) = quorum(job) else {
        return Err(abort_at(MODULE, FUNCTION, E_NO_QUORUM));
    };
    let agreed = job.submissions[winner].clone();
    let job_id = move_types::id(job.id);
    let matching = count_agreeing(job, &agreed);
    let price = job.price;
    let bps = system.license_fee_bps.min(BPS);
    let fee = u64::try_from(u128::from(price) * u128::from(bps) / u128::from(BPS))
        .expect("bps <= BPS, so the fee is at most the price");
    let paid_each = (price - fee) / matching;
    let dust = price - fee - paid_each * matching;
    job.payment.value -= fee + dust;
    let fee_burned = wal::burn_balance(ctx, treasury, fee + dust, SOURCE_LICENSE_FEE)?;

    let mut slashed = 0u64;
    for s in job.submissions.clone() {
        job.bonds.value -= s.bond;
        if agrees(&s, &agreed) {
            job.payment.value -= paid_each;
            pay(ctx, plus(paid_each, s.bond)?, account(&s.operator))?;
        } else {
            emit(
                ctx,
                &ComputeProviderSlashed {
                    job_id: job_id.clone(),
                    provider_id: s.provider_id.clone(),
                    operator: s.operator,
                    amount: s.bond,
                },
            )?;
            slashed = plus(slashed, s.bond)?;
        }
    }
    let slashed_total = wal::burn_balance(ctx, treasury, slashed, SOURCE_SLASHING)?;

    job.state = STATE_SETTLED;
    job.output_hash = agreed.output_hash.clone();
    job.output_blob_id = agreed.output_blob_id;
    emit(
        ctx,
        &ComputeJobSettled {
            job_id,
            model_id: job.model_id.clone(),
            output_blob_id: agreed.output_blob_id,
            output_hash: agreed.output_hash,
            paid_each,
            providers_paid: matching,
            fee_burned,
            slashed: slashed_total,
            timestamp_ms: ctx.timestamp_ms(),
        },
    )?;
    Ok(winner)
}

fn refund(
    ctx: &mut CallContext<'_>,
    mut job: Obj<Job>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(job.version)?;
    if job.tuning {
        return Err(ctx.abort(E_TUNING_JOB));
    }
    let refunded = close_unsettled(ctx, &mut job)?;
    pay(ctx, refunded, account(&job.owner))?;
    emit(
        ctx,
        &ComputeJobRefunded {
            job_id: move_types::id(job.id),
            owner: job.owner,
            amount: refunded,
            timestamp_ms: ctx.timestamp_ms(),
        },
    )?;
    job.save(ctx)?;
    Ok(())
}

/// `refund_tuning_job`: the escrow goes back into the model's tuning reserve, bonds and output
/// Blobs to their providers.
fn refund_tuning_job(
    ctx: &mut CallContext<'_>,
    mut job: Obj<Job>,
    mut model: Obj<Model>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(job.version)?;
    version::assert_current(model.version)?;
    if !job.tuning {
        return Err(ctx.abort(E_NOT_TUNING_JOB));
    }
    if move_types::address_of(&job.model_id) != model.id {
        return Err(ctx.abort(E_WRONG_MODEL));
    }
    let refunded = close_unsettled(ctx, &mut job)?;
    while let Some(output) = job.outputs.pop() {
        let operator = account(&job.submissions[job.outputs.len()].operator);
        let id = unwrap_object(ctx, true, &output)?;
        ctx.transfer(id, operator)?;
    }
    emit(
        ctx,
        &ComputeJobRefunded {
            job_id: move_types::id(job.id),
            owner: move_address(model.id),
            amount: refunded,
            timestamp_ms: ctx.timestamp_ms(),
        },
    )?;
    super::model::tuning_job_refunded(ctx, &mut model, job.id, refunded)?;
    job.save(ctx)?;
    model.save(ctx)?;
    Ok(())
}

/// `compute::close_unsettled`: the checks of a refund (aborts located there); pays every bond
/// back, marks the job refunded and returns its escrow.
fn close_unsettled(ctx: &mut CallContext<'_>, job: &mut Obj<Job>) -> Result<u64, ExecutionError> {
    const FUNCTION: &str = "close_unsettled";
    if job.state != STATE_OPEN {
        return Err(abort_at(MODULE, FUNCTION, E_JOB_CLOSED));
    }
    if ctx.timestamp_ms() < job.deadline_ms {
        return Err(abort_at(MODULE, FUNCTION, E_DEADLINE_NOT_PASSED));
    }
    if quorum(job).is_some() {
        return Err(abort_at(MODULE, FUNCTION, E_QUORUM_REACHED));
    }
    for s in job.submissions.clone() {
        job.bonds.value -= s.bond;
        pay(ctx, s.bond, account(&s.operator))?;
    }
    job.state = STATE_REFUNDED;
    Ok(std::mem::take(&mut job.payment.value))
}

// === Reads ===

fn settled_output_hash(
    ctx: &mut CallContext<'_>,
    job: Obj<Job>,
) -> Result<Vec<u8>, ExecutionError> {
    if job.state != STATE_SETTLED {
        return Err(ctx.abort(E_NOT_SETTLED));
    }
    Ok(job.value.output_hash)
}

fn settled_output_blob_id(
    ctx: &mut CallContext<'_>,
    job: Obj<Job>,
) -> Result<U256, ExecutionError> {
    if job.state != STATE_SETTLED {
        return Err(ctx.abort(E_NOT_SETTLED));
    }
    Ok(job.value.output_blob_id)
}

fn job_submission_count(_ctx: &mut CallContext<'_>, job: Obj<Job>) -> Result<u64, ExecutionError> {
    Ok(job.submissions.len() as u64)
}

fn provider_stake(
    _ctx: &mut CallContext<'_>,
    provider: Obj<ComputeProvider>,
) -> Result<u64, ExecutionError> {
    Ok(provider.stake.value)
}

// === Versions ===

fn migrate_provider(
    ctx: &mut CallContext<'_>,
    mut provider: Obj<ComputeProvider>,
) -> Result<(), ExecutionError> {
    provider.version = version::migrated(provider.version)?;
    provider.save(ctx)?;
    Ok(())
}

fn migrate_job(ctx: &mut CallContext<'_>, mut job: Obj<Job>) -> Result<(), ExecutionError> {
    job.version = version::migrated(job.version)?;
    job.save(ctx)?;
    Ok(())
}

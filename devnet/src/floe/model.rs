//! `floe::model`: models for sale, their immutable versions (each a certified blob) and the
//! license revenue they accrue.
//!
//! Mirrors `move/floe/sources/model.move` function by function. `authorize`,
//! `add_revenue`, `set_dataset_share`, `take_dataset_share` and the tuning job hooks
//! (`take_tuning_payment`, `tuning_job_opened`, `tuning_job_refunded`, `tuning_job_settled`;
//! `public(package)` in Move) are plain functions here because `floe::license`,
//! `floe::dataset` and `floe::compute` call them. A tuned version's `Blob` wrapped in the
//! `Model` (the proposal) comes back out with `CallContext::unwrap_object`. `version` returns a reference and the `version_*` reads take a
//! `&ModelVersion` that no transaction can obtain, so none of them has a handler.

use floe_sdk::move_types::blob::Blob;
use floe_sdk::move_types::events::{
    DatasetRevenueAccrued, ModelDatasetShareSet, ModelDescriptionUpdated, ModelOwnerChanged,
    ModelRegistered, ModelRevenueWithdrawn, ModelTuningSet, ModelVersionPublished,
    TunedVersionProposed, TunedVersionPublished, TunedVersionRejected, TuningJobOpened,
    TuningJobRefunded, TuningReserveAccrued, TuningReserveCleared,
};
use floe_sdk::move_types::model::{
    DatasetShare, Model, ModelCap, ModelVersion, TunedProposal, TuningTerms,
};
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::{self, Balance, MoveString};
use moverox_sui::sui::vec_map::{Entry, VecMap};
use sui_sdk_types::{Address, ExecutionError, Identifier, MoveLocation, TypeTag};

use super::args::{Clock, Obj, Returned, WalCoin};
use super::version;
use super::{
    PACKAGE_ID, TableTypes, create_object, emit, new_wal_coin, table_add, table_contains,
    table_get, table_new, table_remove, type_tag_of, unwrap_object,
};
use crate::runtime::CallContext;

const MODULE: &str = "model";

// === Errors (same names and values as in model.move) ===

/// The abort codes of `floe::model`, generated from the Move source.
pub use floe_sdk::move_aborts::model::*;

// === Limits ===

pub const MAX_NAME_LENGTH: usize = 128;
pub const MAX_DESCRIPTION_LENGTH: usize = 4096;
pub const MAX_ARCHITECTURE_LENGTH: usize = 128;
pub const MAX_DATASET_HASH_LENGTH: usize = 64;
pub const MAX_METRICS: usize = 32;
/// Most datasets one model shares its revenue with.
pub const MAX_DATASETS: usize = 16;
/// Basis-point denominator.
pub const BPS: u64 = 10_000;
/// Most providers a tuning job may name.
pub const MAX_TUNING_PROVIDERS: usize = 16;
/// Longest a tuning job may stay open, ms.
pub const MAX_TUNING_MS: u64 = 2_592_000_000;

include!(concat!(env!("OUT_DIR"), "/floe_model.rs"));

// === Types and arguments ===

/// The key and value types of `Model.tuned_blobs: Table<u64, Blob>`.
pub fn tuned_blobs_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: type_tag_of::<Blob>(),
    }
}

/// The key and value types of `Model.versions: Table<u64, ModelVersion>`.
pub fn versions_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: type_tag_of::<ModelVersion>(),
    }
}

/// A pure `std::string::String` argument: Sui rejects arguments that are not UTF-8 before
/// the function runs.
pub fn move_address(address: Address) -> moverox::types::Address {
    moverox::types::Address::new(address.into_inner())
}

/// An abort raised in `module::function` of the package: Sui locates an abort in the
/// function that ran it (a helper such as `authorize`), not in the one the transaction called.
pub fn abort_at(module: &str, function: &str, code: u64) -> ExecutionError {
    ExecutionError::MoveAbort {
        location: MoveLocation {
            package: PACKAGE_ID,
            module: Identifier::new(module).expect("Floe module names are identifiers"),
            function: 0,
            instruction: 0,
            function_name: Some(
                Identifier::new(function).expect("Floe function names are identifiers"),
            ),
        },
        code,
    }
}

/// What Move reports for an arithmetic overflow in `module` (a runtime error, not an abort).
pub fn arithmetic_error(module: &str) -> ExecutionError {
    ExecutionError::MovePrimitiveRuntimeError {
        location: Some(MoveLocation {
            package: PACKAGE_ID,
            module: Identifier::new(module).expect("Floe module names are identifiers"),
            function: 0,
            instruction: 0,
            function_name: None,
        }),
    }
}

// === Package-internal (used by `floe::license`) ===

/// `model::authorize`: checks that the cap controls this model and records the sender as
/// owner (with `ModelOwnerChanged` when it changes). Aborts `EWrongCap`, located in `model`
/// whichever module called it.
pub fn authorize(
    ctx: &mut CallContext<'_>,
    model_id: Address,
    model: &mut Model,
    cap_id: Address,
    cap: &ModelCap,
) -> Result<(), ExecutionError> {
    if move_types::address_of(&cap.model_id) != model_id {
        return Err(abort_at(MODULE, "authorize", E_WRONG_CAP));
    }
    let sender = move_address(ctx.sender());
    if sender != model.owner {
        let previous = model.owner;
        model.owner = sender;
        emit(
            ctx,
            &ModelOwnerChanged {
                model_id: move_types::id(model_id),
                cap_id: move_types::id(cap_id),
                previous_owner: previous,
                new_owner: sender,
            },
        )?;
    }
    Ok(())
}

/// The ID of a model (its UID's address).
pub fn model_id_of(model: &Model) -> Address {
    Address::new(model.id.id.bytes.into_inner())
}

/// `model::add_revenue`: credits revenue to the model; each dataset's share (`bps` of it,
/// rounded down) is set aside for the dataset (`DatasetRevenueAccrued`), the rest accrues to
/// the owner.
pub fn add_revenue(
    ctx: &mut CallContext<'_>,
    model: &mut Model,
    amount: u64,
) -> Result<(), ExecutionError> {
    model.total_revenue = model
        .total_revenue
        .checked_add(amount)
        .ok_or_else(|| arithmetic_error(MODULE))?;
    let model_id = model_id_of(model);
    let mut rest = amount;
    for share in &mut model.dataset_shares {
        let part = u64::try_from(u128::from(amount) * u128::from(share.bps) / u128::from(BPS))
            .expect("the shares add up to at most BPS, so a part is at most the amount");
        if part > 0 {
            // The parts add up to at most the amount, so `rest` never goes below 0.
            rest -= part;
            share.pending.value = share
                .pending
                .value
                .checked_add(part)
                .ok_or_else(|| arithmetic_error("balance"))?;
            share.total = share
                .total
                .checked_add(part)
                .ok_or_else(|| arithmetic_error(MODULE))?;
            emit(
                ctx,
                &DatasetRevenueAccrued {
                    model_id: move_types::id(model_id),
                    dataset_id: share.dataset_id.clone(),
                    amount: part,
                    pending: share.pending.value,
                },
            )?;
        }
    }
    let part =
        u64::try_from(u128::from(amount) * u128::from(tuning_bps_of(model)) / u128::from(BPS))
            .expect("the tuning share is at most BPS, so its part is at most the amount");
    if part > 0 {
        // The shares and the tuning share add up to at most BPS: `rest` stays >= 0.
        rest -= part;
        model.tuning_reserve.value = model
            .tuning_reserve
            .value
            .checked_add(part)
            .ok_or_else(|| arithmetic_error("balance"))?;
        model.tuning_total = model
            .tuning_total
            .checked_add(part)
            .ok_or_else(|| arithmetic_error(MODULE))?;
        emit(
            ctx,
            &TuningReserveAccrued {
                model_id: move_types::id(model_id),
                amount: part,
                reserve: model.tuning_reserve.value,
            },
        )?;
    }
    // `balance::join` aborts on overflow too; the supply bounds every balance, so it holds.
    model.revenue.value = model
        .revenue
        .value
        .checked_add(rest)
        .ok_or_else(|| arithmetic_error("balance"))?;
    Ok(())
}

/// `model::find_share`: the index of the share of `dataset_id`.
fn find_share(model: &Model, dataset_id: Address) -> Option<usize> {
    model
        .dataset_shares
        .iter()
        .position(|s| move_types::address_of(&s.dataset_id) == dataset_id)
}

/// `model::shared_bps`: the sum of the datasets' shares.
fn total_shared_bps(model: &Model) -> u64 {
    model.dataset_shares.iter().map(|s| s.bps).sum()
}

/// `model::set_dataset_share(self, cap, version_number, dataset_id, bps, ctx)`, called by
/// `dataset::train_on` with a dataset it has checked exists. Aborts `EWrongVersion`,
/// `EWrongCap`, `EVersionNotFound`, `EZeroShare`, `EShareLowered`, `ESharesTooHigh`,
/// `ETooManyDatasets`, located in `model::set_dataset_share` (`EWrongCap` in `authorize`).
pub fn set_dataset_share(
    ctx: &mut CallContext<'_>,
    model: &mut Obj<Model>,
    cap: &Obj<ModelCap>,
    version_number: u64,
    dataset_id: Address,
    bps: u64,
) -> Result<(), ExecutionError> {
    const FUNCTION: &str = "set_dataset_share";
    version::assert_current(model.version)?;
    let model_id = model.id;
    authorize(ctx, model_id, &mut model.value, cap.id, &cap.value)?;
    if !table_contains(ctx, &model.versions, &versions_types(), &version_number)? {
        return Err(abort_at(MODULE, FUNCTION, E_VERSION_NOT_FOUND));
    }
    if bps == 0 {
        return Err(abort_at(MODULE, FUNCTION, E_ZERO_SHARE));
    }
    let found = find_share(model, dataset_id);
    let old_bps = found.map_or(0, |i| model.dataset_shares[i].bps);
    if bps < old_bps && model.total_revenue != 0 {
        return Err(abort_at(MODULE, FUNCTION, E_SHARE_LOWERED));
    }
    let total_bps = total_shared_bps(model) - old_bps + bps;
    if total_bps + tuning_bps_of(model) > BPS {
        return Err(abort_at(MODULE, FUNCTION, E_SHARES_TOO_HIGH));
    }
    match found {
        Some(i) => model.dataset_shares[i].bps = bps,
        None => {
            if model.dataset_shares.len() >= MAX_DATASETS {
                return Err(abort_at(MODULE, FUNCTION, E_TOO_MANY_DATASETS));
            }
            model.dataset_shares.push(DatasetShare::new(
                move_types::id(dataset_id),
                bps,
                Balance::new(0),
                0,
            ));
        }
    }
    let owner = move_address(ctx.sender());
    emit(
        ctx,
        &ModelDatasetShareSet {
            model_id: move_types::id(model_id),
            version: version_number,
            dataset_id: move_types::id(dataset_id),
            old_bps,
            new_bps: bps,
            total_bps,
            owner,
        },
    )?;
    Ok(())
}

/// `model::take_dataset_share`: takes everything set aside for `dataset_id` (0 if the model
/// does not name it).
pub fn take_dataset_share(model: &mut Model, dataset_id: Address) -> u64 {
    match find_share(model, dataset_id) {
        Some(i) => std::mem::take(&mut model.dataset_shares[i].pending.value),
        None => 0,
    }
}

/// `model::dataset_share_bps`: the share of `dataset_id`, 0 if not named.
pub fn share_bps_of(model: &Model, dataset_id: Address) -> u64 {
    find_share(model, dataset_id).map_or(0, |i| model.dataset_shares[i].bps)
}

/// `model::dataset_share_pending`: set aside for `dataset_id`, 0 if not named.
pub fn share_pending_of(model: &Model, dataset_id: Address) -> u64 {
    find_share(model, dataset_id).map_or(0, |i| model.dataset_shares[i].pending.value)
}

// === Fine-tuning (self-funding iteration) ===

/// `model::tuning_bps`: the tuning share, 0 without a plan.
pub fn tuning_bps_of(model: &Model) -> u64 {
    model.tuning.as_ref().map_or(0, |t| t.bps)
}

#[allow(clippy::too_many_arguments)]
fn set_tuning(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
    bps: u64,
    threshold: u64,
    price: u64,
    input_blob_id: move_types::U256,
    providers: Vec<move_types::ID>,
    k: u64,
    duration_ms: u64,
    auto_publish: bool,
) -> Result<(), ExecutionError> {
    version::assert_current(model.version)?;
    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    if bps.saturating_add(total_shared_bps(&model)) > BPS {
        return Err(ctx.abort(E_TUNING_SHARE_TOO_HIGH));
    }
    if price == 0 || price > threshold {
        return Err(ctx.abort(E_TUNING_PRICE));
    }
    let m = providers.len();
    if m == 0 || m > MAX_TUNING_PROVIDERS {
        return Err(ctx.abort(E_TUNING_PROVIDERS));
    }
    for (i, a) in providers.iter().enumerate() {
        if providers[i + 1..].contains(a) {
            return Err(ctx.abort(E_TUNING_PROVIDERS));
        }
    }
    let m = m as u64;
    if k == 0 || k > m || 2 * k <= m {
        return Err(ctx.abort(E_TUNING_QUORUM));
    }
    if duration_ms == 0 || duration_ms > MAX_TUNING_MS {
        return Err(ctx.abort(E_TUNING_DURATION));
    }
    model.tuning = Some(TuningTerms::new(
        bps,
        threshold,
        price,
        input_blob_id,
        providers.clone(),
        k,
        duration_ms,
        auto_publish,
    ));
    let owner = move_address(ctx.sender());
    emit(
        ctx,
        &ModelTuningSet {
            model_id: move_types::id(model.id),
            bps,
            threshold,
            price,
            input_blob_id,
            providers,
            k,
            duration_ms,
            auto_publish,
            owner,
        },
    )?;
    model.save(ctx)
}

/// `approve_tuned_version`: publishes the proposal and hands its Blob back to the caller.
fn approve_tuned_version(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
    system: Obj<System>,
    _clock: Clock,
) -> Result<Returned<Blob>, ExecutionError> {
    version::assert_current(model.version)?;
    version::assert_current(system.version)?;
    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    let Some(proposal) = model.proposal.as_ref() else {
        return Err(ctx.abort(E_NO_PROPOSAL));
    };
    if system.epoch >= proposal.output.storage.end_epoch {
        return Err(ctx.abort(E_BLOB_EXPIRED));
    }
    let proposal = model
        .proposal
        .take()
        .expect("checked just above that a proposal waits");
    let now = ctx.timestamp_ms();
    let publisher = move_address(ctx.sender());
    publish_tuned(
        ctx,
        &mut model,
        proposal.job_id,
        proposal.base_version,
        &proposal.output,
        false,
        now,
        publisher,
    )?;
    let id = unwrap_object(ctx, true, &proposal.output)?;
    model.save(ctx)?;
    Ok(Returned::new(id))
}

/// `clear_tuning_reserve`: the whole reserve moves into the revenue, while no tuning job is open
/// and no proposal is pending.
fn clear_tuning_reserve(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
) -> Result<(), ExecutionError> {
    version::assert_current(model.version)?;
    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    if model.tuning_job.is_some() {
        return Err(ctx.abort(E_TUNING_JOB_OPEN));
    }
    if model.proposal.is_some() {
        return Err(ctx.abort(E_PROPOSAL_PENDING));
    }
    let amount = model.tuning_reserve.value;
    model.revenue.value = model
        .revenue
        .value
        .checked_add(amount)
        .ok_or_else(|| arithmetic_error("balance"))?;
    model.tuning_reserve.value = 0;
    let owner = move_address(ctx.sender());
    emit(
        ctx,
        &TuningReserveCleared {
            model_id: move_types::id(model.id),
            amount,
            owner,
        },
    )?;
    model.save(ctx)?;
    Ok(())
}

fn reject_tuned_version(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
) -> Result<Returned<Blob>, ExecutionError> {
    version::assert_current(model.version)?;
    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    let Some(proposal) = model.proposal.take() else {
        return Err(ctx.abort(E_NO_PROPOSAL));
    };
    let owner = move_address(ctx.sender());
    emit(
        ctx,
        &TunedVersionRejected {
            model_id: move_types::id(model.id),
            job_id: proposal.job_id,
            blob_id: proposal.output.blob_id,
            blob_object_id: proposal.output.id.id.clone(),
            owner,
        },
    )?;
    let id = unwrap_object(ctx, true, &proposal.output)?;
    model.save(ctx)?;
    Ok(Returned::new(id))
}

/// `take_tuned_blob`: the cap holder takes the `Blob` of an automatically published tuned
/// version out of the model (`ENoTunedBlob` if it holds none for `number`).
fn take_tuned_blob(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
    number: u64,
) -> Result<Returned<Blob>, ExecutionError> {
    version::assert_current(model.version)?;
    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    if !table_contains(ctx, &model.tuned_blobs, &tuned_blobs_types(), &number)? {
        return Err(ctx.abort(E_NO_TUNED_BLOB));
    }
    let blob: Blob = table_remove(ctx, &mut model.tuned_blobs, &tuned_blobs_types(), &number)?;
    let id = unwrap_object(ctx, true, &blob)?;
    model.save(ctx)?;
    Ok(Returned::new(id))
}

/// `model::publish_tuned`: records the tuned `output` as the next version, with the base
/// version's architecture and no metrics; returns its number.
#[allow(clippy::too_many_arguments)]
fn publish_tuned(
    ctx: &mut CallContext<'_>,
    model: &mut Obj<Model>,
    job_id: move_types::ID,
    base_version: u64,
    output: &Blob,
    automatic: bool,
    now: u64,
    publisher: moverox::types::Address,
) -> Result<u64, ExecutionError> {
    let base: ModelVersion = table_get(ctx, &model.versions, &versions_types(), &base_version)?;
    let number = record_version(
        ctx,
        model,
        output.blob_id,
        output.id.id.clone(),
        base.architecture,
        Vec::new(),
        VecMap::new(Vec::new()),
        Vec::new(),
        Vec::new(),
        now,
        publisher,
    )?;
    emit(
        ctx,
        &TunedVersionPublished {
            model_id: move_types::id(model.id),
            job_id,
            version: number,
            blob_id: output.blob_id,
            blob_object_id: output.id.id.clone(),
            automatic,
            publisher,
        },
    )?;
    Ok(number)
}

/// `model::take_tuning_payment`: the plan, the version to run (the latest) and the price taken
/// out of the reserve. Aborts `ENoTuning`, `ETuningJobOpen`, `EProposalPending`,
/// `ENoVersionToTune`, `EReserveBelowThreshold`, located in `model::take_tuning_payment`.
pub fn take_tuning_payment(model: &mut Model) -> Result<(TuningTerms, u64, u64), ExecutionError> {
    const FUNCTION: &str = "take_tuning_payment";
    let Some(terms) = model.tuning.clone() else {
        return Err(abort_at(MODULE, FUNCTION, E_NO_TUNING));
    };
    if model.tuning_job.is_some() {
        return Err(abort_at(MODULE, FUNCTION, E_TUNING_JOB_OPEN));
    }
    if model.proposal.is_some() {
        return Err(abort_at(MODULE, FUNCTION, E_PROPOSAL_PENDING));
    }
    let base_version = model.versions.size;
    if base_version == 0 {
        return Err(abort_at(MODULE, FUNCTION, E_NO_VERSION_TO_TUNE));
    }
    if model.tuning_reserve.value < terms.threshold {
        return Err(abort_at(MODULE, FUNCTION, E_RESERVE_BELOW_THRESHOLD));
    }
    // price <= threshold <= reserve (set_tuning checked the first).
    model.tuning_reserve.value -= terms.price;
    let price = terms.price;
    Ok((terms, base_version, price))
}

/// `model::tuning_job_opened`: records the open job (`TuningJobOpened`).
pub fn tuning_job_opened(
    ctx: &mut CallContext<'_>,
    model: &mut Model,
    job_id: Address,
    base_version: u64,
    price: u64,
    opener: Address,
) -> Result<(), ExecutionError> {
    model.tuning_job = Some(move_types::id(job_id));
    // `take_tuning_payment` ran in this transaction: the plan is the job's.
    model.tuning_job_auto_publish = model.tuning.as_ref().is_some_and(|t| t.auto_publish);
    emit(
        ctx,
        &TuningJobOpened {
            model_id: move_types::id(model_id_of(model)),
            job_id: move_types::id(job_id),
            base_version,
            price,
            reserve: model.tuning_reserve.value,
            opener: move_address(opener),
            auto_publish: model.tuning_job_auto_publish,
        },
    )
}

/// `model::tuning_job_refunded`: the escrow goes back into the reserve (`TuningJobRefunded`).
pub fn tuning_job_refunded(
    ctx: &mut CallContext<'_>,
    model: &mut Model,
    job_id: Address,
    escrow: u64,
) -> Result<(), ExecutionError> {
    if model.tuning_job != Some(move_types::id(job_id)) {
        return Err(abort_at(
            MODULE,
            "tuning_job_refunded",
            E_NOT_OPEN_TUNING_JOB,
        ));
    }
    model.tuning_reserve.value = model
        .tuning_reserve
        .value
        .checked_add(escrow)
        .ok_or_else(|| arithmetic_error("balance"))?;
    model.tuning_job = None;
    model.tuning_job_auto_publish = false;
    emit(
        ctx,
        &TuningJobRefunded {
            model_id: move_types::id(model_id_of(model)),
            job_id: move_types::id(job_id),
            amount: escrow,
            reserve: model.tuning_reserve.value,
        },
    )
}

/// `model::tuning_job_settled`: publishes the agreed `output` at once (the Blob, unwrapped, to
/// the owner) when the plan auto-publishes and the Blob is live, else keeps it as the proposal
/// (still wrapped, now in the model).
#[allow(clippy::too_many_arguments)]
pub fn tuning_job_settled(
    ctx: &mut CallContext<'_>,
    model: &mut Obj<Model>,
    job_id: Address,
    base_version: u64,
    output: Blob,
    output_hash: Vec<u8>,
    epoch: u64,
) -> Result<(), ExecutionError> {
    if model.tuning_job != Some(move_types::id(job_id)) {
        return Err(abort_at(
            MODULE,
            "tuning_job_settled",
            E_NOT_OPEN_TUNING_JOB,
        ));
    }
    model.tuning_job = None;
    // The terms the job was opened with, not the current plan's.
    let auto = model.tuning_job_auto_publish;
    model.tuning_job_auto_publish = false;
    if auto && epoch < output.storage.end_epoch {
        let owner = model.owner;
        let now = ctx.timestamp_ms();
        let number = publish_tuned(
            ctx,
            model,
            move_types::id(job_id),
            base_version,
            &output,
            true,
            now,
            owner,
        )?;
        // Kept for the cap holder's `take_tuned_blob`, not sent to `owner` (maybe a former
        // holder of the cap).
        table_add(
            ctx,
            &mut model.tuned_blobs,
            &tuned_blobs_types(),
            &number,
            &output,
        )?;
    } else {
        emit(
            ctx,
            &TunedVersionProposed {
                model_id: move_types::id(model.id),
                job_id: move_types::id(job_id),
                base_version,
                blob_id: output.blob_id,
                blob_object_id: output.id.id.clone(),
                output_hash: output_hash.clone(),
            },
        )?;
        model.proposal = Some(TunedProposal::new(
            move_types::id(job_id),
            base_version,
            output,
            output_hash,
        ));
    }
    Ok(())
}

fn tuning_bps(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(tuning_bps_of(&model))
}

fn has_tuning(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<bool, ExecutionError> {
    Ok(model.tuning.is_some())
}

fn tuning_reserve(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(model.tuning_reserve.value)
}

fn has_tuning_job(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<bool, ExecutionError> {
    Ok(model.tuning_job.is_some())
}

fn has_proposal(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<bool, ExecutionError> {
    Ok(model.proposal.is_some())
}

fn has_tuned_blob(
    ctx: &mut CallContext<'_>,
    model: Obj<Model>,
    number: u64,
) -> Result<bool, ExecutionError> {
    table_contains(ctx, &model.tuned_blobs, &tuned_blobs_types(), &number)
}

// === Handlers ===

fn register_model(
    ctx: &mut CallContext<'_>,
    name: MoveString,
    description: MoveString,
) -> Result<Returned<ModelCap>, ExecutionError> {
    if name.bytes.is_empty() {
        return Err(ctx.abort(E_EMPTY_NAME));
    }
    if name.bytes.len() > MAX_NAME_LENGTH {
        return Err(ctx.abort(E_NAME_TOO_LONG));
    }
    if description.bytes.len() > MAX_DESCRIPTION_LENGTH {
        return Err(ctx.abort(E_DESCRIPTION_TOO_LONG));
    }

    // Same order of `object::new` as the Move code: model, cap, then the versions table and
    // the tuned blobs' table.
    let model_id = ctx.fresh_id();
    let cap_id = ctx.fresh_id();
    let cap = ModelCap::new(move_types::uid(cap_id), move_types::id(model_id));
    let owner = move_address(ctx.sender());
    let model = Model::new(
        move_types::uid(model_id),
        super::version::VERSION,
        name.clone(),
        description.clone(),
        move_types::id(cap_id),
        owner,
        table_new(ctx),
        Balance::new(0),
        0,
        Vec::new(),
        None,
        Balance::new(0),
        0,
        None,
        false,
        None,
        table_new(ctx),
    );
    emit(
        ctx,
        &ModelRegistered {
            model_id: move_types::id(model_id),
            cap_id: move_types::id(cap_id),
            owner,
            name,
            description,
        },
    )?;
    create_object(ctx, false, &model)?;
    ctx.share(model_id)?;
    create_object(ctx, true, &cap)?;
    Ok(Returned::new(cap_id))
}

/// The `Blob` is an object input: the executor admits an owned object only from its owner,
/// so a version claims a copy of the data its publisher controls, never a bare blob ID.
#[allow(clippy::too_many_arguments)]
fn publish_version(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
    system: Obj<System>,
    blob: Obj<Blob>,
    architecture: MoveString,
    dataset_hash: Vec<u8>,
    metric_names: Vec<MoveString>,
    metric_values: Vec<u64>,
    _clock: Clock,
) -> Result<u64, ExecutionError> {
    let system = system.value;
    version::assert_current(model.version)?;
    version::assert_current(system.version)?;

    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    if blob.certified_epoch.is_none() {
        return Err(ctx.abort(E_BLOB_NOT_CERTIFIED));
    }
    if system.epoch >= blob.storage.end_epoch {
        return Err(ctx.abort(E_BLOB_EXPIRED));
    }
    let blob_id = blob.blob_id;
    if architecture.bytes.len() > MAX_ARCHITECTURE_LENGTH {
        return Err(ctx.abort(E_ARCHITECTURE_TOO_LONG));
    }
    if dataset_hash.len() > MAX_DATASET_HASH_LENGTH {
        return Err(ctx.abort(E_DATASET_HASH_TOO_LONG));
    }
    let n = metric_names.len();
    if n != metric_values.len() {
        return Err(ctx.abort(E_METRICS_LENGTH_MISMATCH));
    }
    if n > MAX_METRICS {
        return Err(ctx.abort(E_TOO_MANY_METRICS));
    }

    let mut entries: Vec<Entry<MoveString, u64>> = Vec::with_capacity(n);
    for (name, value) in metric_names.iter().zip(&metric_values) {
        if entries.iter().any(|e| e.key == *name) {
            return Err(ctx.abort(E_DUPLICATE_METRIC));
        }
        entries.push(Entry::new(name.clone(), *value));
    }

    let published_at_ms = ctx.timestamp_ms();
    let publisher = move_address(ctx.sender());
    let blob_object_id = move_types::id(blob.id);
    let number = record_version(
        ctx,
        &mut model,
        blob_id,
        blob_object_id,
        architecture,
        dataset_hash,
        VecMap::new(entries),
        metric_names,
        metric_values,
        published_at_ms,
        publisher,
    )?;
    model.save(ctx)?;
    Ok(number)
}

/// `model::record_version`: adds the next version and emits `ModelVersionPublished`.
#[allow(clippy::too_many_arguments)]
fn record_version(
    ctx: &mut CallContext<'_>,
    model: &mut Obj<Model>,
    blob_id: move_types::U256,
    blob_object_id: move_types::ID,
    architecture: MoveString,
    dataset_hash: Vec<u8>,
    metrics: VecMap<MoveString, u64>,
    metric_names: Vec<MoveString>,
    metric_values: Vec<u64>,
    published_at_ms: u64,
    publisher: moverox::types::Address,
) -> Result<u64, ExecutionError> {
    let number = model.versions.size + 1;
    let version = ModelVersion::new(
        number,
        blob_id,
        blob_object_id.clone(),
        architecture.clone(),
        dataset_hash.clone(),
        metrics,
        published_at_ms,
        publisher,
    );
    table_add(
        ctx,
        &mut model.versions,
        &versions_types(),
        &number,
        &version,
    )?;
    emit(
        ctx,
        &ModelVersionPublished {
            model_id: move_types::id(model.id),
            version: number,
            blob_id,
            architecture,
            dataset_hash,
            metric_names,
            metric_values,
            publisher,
            published_at_ms,
            blob_object_id,
        },
    )?;
    Ok(number)
}

/// `migrate`: anyone brings a model of an older package version to this one; nothing but the
/// version changes. Aborts `version::EAlreadyMigrated`.
fn migrate(ctx: &mut CallContext<'_>, mut model: Obj<Model>) -> Result<(), ExecutionError> {
    model.version = version::migrated(model.version)?;
    model.save(ctx)?;
    Ok(())
}

fn update_description(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
    description: MoveString,
) -> Result<(), ExecutionError> {
    version::assert_current(model.version)?;

    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    if description.bytes.len() > MAX_DESCRIPTION_LENGTH {
        return Err(ctx.abort(E_DESCRIPTION_TOO_LONG));
    }
    model.description = description.clone();
    let updated_by = move_address(ctx.sender());
    emit(
        ctx,
        &ModelDescriptionUpdated {
            model_id: move_types::id(model.id),
            description,
            updated_by,
        },
    )?;
    model.save(ctx)?;
    Ok(())
}

fn withdraw_revenue(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
) -> Result<WalCoin, ExecutionError> {
    version::assert_current(model.version)?;

    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    let amount = model.revenue.value;
    if amount == 0 {
        return Err(ctx.abort(E_NO_REVENUE));
    }
    model.revenue.value = 0;
    let recipient = move_address(ctx.sender());
    emit(
        ctx,
        &ModelRevenueWithdrawn {
            model_id: move_types::id(model.id),
            amount,
            recipient,
        },
    )?;
    let coin = new_wal_coin(ctx, amount)?;
    model.save(ctx)?;
    Ok(WalCoin(coin))
}

fn refresh_owner(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
) -> Result<(), ExecutionError> {
    version::assert_current(model.version)?;
    authorize(ctx, model.id, &mut model, cap.id, &cap)?;
    model.save(ctx)?;
    Ok(())
}

// === Reads ===

fn id_bytes(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<Vec<u8>, ExecutionError> {
    Ok(model.id.as_bytes().to_vec())
}

fn version_count(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(model.value.versions.size)
}

fn revenue(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(model.value.revenue.value)
}

fn shared_bps(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(total_shared_bps(&model))
}

fn dataset_share_bps(
    _ctx: &mut CallContext<'_>,
    model: Obj<Model>,
    dataset_id: move_types::ID,
) -> Result<u64, ExecutionError> {
    Ok(share_bps_of(&model, move_types::address_of(&dataset_id)))
}

fn dataset_share_pending(
    _ctx: &mut CallContext<'_>,
    model: Obj<Model>,
    dataset_id: move_types::ID,
) -> Result<u64, ExecutionError> {
    Ok(share_pending_of(
        &model,
        move_types::address_of(&dataset_id),
    ))
}

fn has_version(
    ctx: &mut CallContext<'_>,
    model: Obj<Model>,
    number: u64,
) -> Result<bool, ExecutionError> {
    let exists = table_contains(ctx, &model.value.versions, &versions_types(), &number)?;
    Ok(exists)
}

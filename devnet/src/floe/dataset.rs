//! `floe::dataset`: datasets, their contributions (`Contribution` NFTs weighted by the
//! curator) and the revenue models trained on them share with them.
//!
//! Mirrors `move/floe/sources/dataset.move` function by function: the reward-per-weight
//! accumulator (u128, scale 1e12, the scaled remainder carried between distributions), the
//! settlement before every weight change and claim, and the same rounding (down, dust left in
//! the pool), and the seal (no contribution or weight change after it, no `train_on` before
//! it). `set_version_for_testing` is `#[test_only]` and has no handler.

use floe_sdk::move_types::blob::Blob;
use floe_sdk::move_types::dataset::{Contribution, ContributionRecord, Dataset, DatasetCap};
use floe_sdk::move_types::events::{
    ContributionAdded, ContributionClaimed, ContributionWeightSet, DatasetCreated,
    DatasetRevenueDistributed, DatasetSealed,
};
use floe_sdk::move_types::model::{Model, ModelCap};
use floe_sdk::move_types::{self, Balance, ID, MoveString, U256};
use sui_sdk_types::{Address, ExecutionError};

use super::args::{Obj, Returned, WalCoin};
use super::model::{self as model_rules, arithmetic_error, move_address};
use super::version;
use super::{
    TableTypes, create_object, emit, id_type, new_wal_coin, table_add, table_contains, table_get,
    table_new, table_set, type_tag_of,
};
use crate::runtime::CallContext;

const MODULE: &str = "dataset";

/// The abort codes of `floe::dataset`, generated from the Move source.
pub use floe_sdk::move_aborts::dataset::*;

include!(concat!(env!("OUT_DIR"), "/floe_dataset.rs"));

// === Constants (as in dataset.move) ===

pub const MAX_NAME_LENGTH: usize = 128;
pub const MAX_DESCRIPTION_LENGTH: usize = 4096;
/// Largest weight of one contribution.
pub const MAX_WEIGHT: u64 = 1_000_000;
/// Fixed-point scale of `reward_per_weight`.
pub const SCALE: u128 = 1_000_000_000_000;

// === Types ===

/// The key and value types of `Dataset.contributions: Table<ID, ContributionRecord>`.
pub fn contributions_types() -> TableTypes {
    TableTypes {
        key: id_type(),
        value: type_tag_of::<ContributionRecord>(),
    }
}

/// The key and value types of `Dataset.blobs: Table<ID, ID>`.
pub fn blobs_types() -> TableTypes {
    TableTypes {
        key: id_type(),
        value: id_type(),
    }
}

// === Internal ===

/// `earned`: what `record` earned between its snapshot and `reward_per_weight`, rounded down.
fn earned(record: &ContributionRecord, reward_per_weight: u128) -> Result<u64, ExecutionError> {
    let delta = reward_per_weight
        .checked_sub(record.snapshot)
        .ok_or_else(|| arithmetic_error(MODULE))?;
    let weight = u128::from(record.weight);
    let value = (delta / SCALE)
        .checked_mul(weight)
        .and_then(|high| high.checked_add(delta % SCALE * weight / SCALE))
        .ok_or_else(|| arithmetic_error(MODULE))?;
    u64::try_from(value).map_err(|_| arithmetic_error(MODULE))
}

/// `settle`: credits what `record` earned to `owed` and moves its snapshot.
fn settle(record: &mut ContributionRecord, reward_per_weight: u128) -> Result<(), ExecutionError> {
    record.owed = plus(record.owed, earned(record, reward_per_weight)?)?;
    record.snapshot = reward_per_weight;
    Ok(())
}

fn plus(a: u64, b: u64) -> Result<u64, ExecutionError> {
    a.checked_add(b).ok_or_else(|| arithmetic_error(MODULE))
}

fn record(
    ctx: &mut CallContext<'_>,
    dataset: &Dataset,
    contribution_id: Address,
) -> Result<ContributionRecord, ExecutionError> {
    table_get(
        ctx,
        &dataset.contributions,
        &contributions_types(),
        &move_types::id(contribution_id),
    )
}

fn save_record(
    ctx: &mut CallContext<'_>,
    dataset: &Dataset,
    contribution_id: Address,
    record: &ContributionRecord,
) -> Result<(), ExecutionError> {
    table_set(
        ctx,
        &dataset.contributions,
        &contributions_types(),
        &move_types::id(contribution_id),
        record,
    )
}

/// Whether the dataset has a record for `contribution_id`.
fn has_record(
    ctx: &mut CallContext<'_>,
    dataset: &Dataset,
    contribution_id: Address,
) -> Result<bool, ExecutionError> {
    table_contains(
        ctx,
        &dataset.contributions,
        &contributions_types(),
        &move_types::id(contribution_id),
    )
}

// === Curator ===

fn create_dataset(
    ctx: &mut CallContext<'_>,
    name: MoveString,
    description: MoveString,
) -> Result<Returned<DatasetCap>, ExecutionError> {
    if name.bytes.is_empty() {
        return Err(ctx.abort(E_EMPTY_NAME));
    }
    if name.bytes.len() > MAX_NAME_LENGTH {
        return Err(ctx.abort(E_NAME_TOO_LONG));
    }
    if description.bytes.len() > MAX_DESCRIPTION_LENGTH {
        return Err(ctx.abort(E_DESCRIPTION_TOO_LONG));
    }
    // Same order of `object::new` as the Move code: dataset, cap, then the two tables.
    let dataset_id = ctx.fresh_id();
    let cap_id = ctx.fresh_id();
    let cap = DatasetCap::new(move_types::uid(cap_id), move_types::id(dataset_id));
    let contributions = table_new(ctx);
    let blobs = table_new(ctx);
    let dataset = Dataset::new(
        move_types::uid(dataset_id),
        version::VERSION,
        name.clone(),
        description.clone(),
        move_types::id(cap_id),
        contributions,
        blobs,
        0,
        false,
        0,
        0,
        Balance::new(0),
        0,
        0,
    );
    emit(
        ctx,
        &DatasetCreated {
            dataset_id: move_types::id(dataset_id),
            cap_id: move_types::id(cap_id),
            curator: move_address(ctx.sender()),
            name,
            description,
        },
    )?;
    create_object(ctx, false, &dataset)?;
    ctx.share(dataset_id)?;
    create_object(ctx, true, &cap)?;
    Ok(Returned::new(cap_id))
}

fn set_weight(
    ctx: &mut CallContext<'_>,
    mut dataset: Obj<Dataset>,
    cap: Obj<DatasetCap>,
    contribution_id: ID,
    weight: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(dataset.version)?;
    if move_types::address_of(&cap.dataset_id) != dataset.id {
        return Err(ctx.abort(E_WRONG_CAP));
    }
    if dataset.sealed {
        return Err(ctx.abort(E_DATASET_SEALED));
    }
    if weight > MAX_WEIGHT {
        return Err(ctx.abort(E_WEIGHT_TOO_HIGH));
    }
    let contribution = move_types::address_of(&contribution_id);
    if !has_record(ctx, &dataset, contribution)? {
        return Err(ctx.abort(E_UNKNOWN_CONTRIBUTION));
    }
    let mut record = record(ctx, &dataset, contribution)?;
    settle(&mut record, dataset.reward_per_weight)?;
    let old_weight = record.weight;
    record.weight = weight;
    save_record(ctx, &dataset, contribution, &record)?;
    dataset.total_weight = plus(dataset.total_weight - old_weight, weight)?;
    emit(
        ctx,
        &ContributionWeightSet {
            dataset_id: move_types::id(dataset.id),
            contribution_id,
            old_weight,
            new_weight: weight,
            total_weight: dataset.total_weight,
            curator: move_address(ctx.sender()),
        },
    )?;
    dataset.save(ctx)?;
    Ok(())
}

fn seal(
    ctx: &mut CallContext<'_>,
    mut dataset: Obj<Dataset>,
    cap: Obj<DatasetCap>,
) -> Result<(), ExecutionError> {
    version::assert_current(dataset.version)?;
    if move_types::address_of(&cap.dataset_id) != dataset.id {
        return Err(ctx.abort(E_WRONG_CAP));
    }
    if dataset.sealed {
        return Err(ctx.abort(E_DATASET_SEALED));
    }
    if dataset.total_weight == 0 {
        return Err(ctx.abort(E_NO_WEIGHT));
    }
    dataset.sealed = true;
    emit(
        ctx,
        &DatasetSealed {
            dataset_id: move_types::id(dataset.id),
            contribution_count: dataset.contributions.size,
            total_weight: dataset.total_weight,
            curator: move_address(ctx.sender()),
        },
    )?;
    dataset.save(ctx)?;
    Ok(())
}

// === Contributors ===

/// The `Blob` is an object input: the executor admits an owned object only from its owner, so
/// a contribution claims a copy of the data its contributor controls, never a bare blob ID.
fn contribute(
    ctx: &mut CallContext<'_>,
    mut dataset: Obj<Dataset>,
    blob: Obj<Blob>,
) -> Result<Returned<Contribution>, ExecutionError> {
    version::assert_current(dataset.version)?;
    if dataset.sealed {
        return Err(ctx.abort(E_DATASET_SEALED));
    }
    if blob.certified_epoch.is_none() {
        return Err(ctx.abort(E_BLOB_NOT_CERTIFIED));
    }
    let blob_object_id = move_types::id(blob.id);
    if table_contains(ctx, &dataset.blobs, &blobs_types(), &blob_object_id)? {
        return Err(ctx.abort(E_ALREADY_CONTRIBUTED));
    }
    let contribution_id = ctx.fresh_id();
    let contributor = move_address(ctx.sender());
    let blob_id: U256 = blob.blob_id;
    let contribution = Contribution::new(
        move_types::uid(contribution_id),
        move_types::id(dataset.id),
        blob_id,
        blob_object_id.clone(),
        contributor,
    );
    let snapshot = dataset.reward_per_weight;
    let dataset_value = &mut dataset.value;
    table_add(
        ctx,
        &mut dataset_value.blobs,
        &blobs_types(),
        &blob_object_id,
        &move_types::id(contribution_id),
    )?;
    table_add(
        ctx,
        &mut dataset_value.contributions,
        &contributions_types(),
        &move_types::id(contribution_id),
        &ContributionRecord::new(0, snapshot, 0, 0),
    )?;
    emit(
        ctx,
        &ContributionAdded {
            dataset_id: move_types::id(dataset.id),
            contribution_id: move_types::id(contribution_id),
            blob_id,
            blob_object_id,
            contributor,
        },
    )?;
    dataset.save(ctx)?;
    Returned::create(ctx, true, &contribution)
}

fn claim(
    ctx: &mut CallContext<'_>,
    mut dataset: Obj<Dataset>,
    contribution: Obj<Contribution>,
) -> Result<WalCoin, ExecutionError> {
    version::assert_current(dataset.version)?;
    if move_types::address_of(&contribution.dataset_id) != dataset.id {
        return Err(ctx.abort(E_WRONG_DATASET));
    }
    let mut record = record(ctx, &dataset, contribution.id)?;
    settle(&mut record, dataset.reward_per_weight)?;
    let amount = record.owed;
    if amount == 0 {
        return Err(ctx.abort(E_NOTHING_TO_CLAIM));
    }
    record.owed = 0;
    record.claimed = plus(record.claimed, amount)?;
    save_record(ctx, &dataset, contribution.id, &record)?;
    dataset.total_claimed = plus(dataset.total_claimed, amount)?;
    emit(
        ctx,
        &ContributionClaimed {
            dataset_id: move_types::id(dataset.id),
            contribution_id: move_types::id(contribution.id),
            claimant: move_address(ctx.sender()),
            amount,
        },
    )?;
    // Every claim is covered: claims add up to at most what was distributed into the pool.
    dataset.pool.value = dataset.pool.value.checked_sub(amount).ok_or_else(|| {
        crate::runtime::CallContext::framework_abort(
            "balance",
            "split",
            super::E_BALANCE_NOT_ENOUGH,
        )
    })?;
    let coin = new_wal_coin(ctx, amount)?;
    dataset.save(ctx)?;
    Ok(WalCoin(coin))
}

// === Models ===

fn train_on(
    ctx: &mut CallContext<'_>,
    dataset: Obj<Dataset>,
    mut model: Obj<Model>,
    cap: Obj<ModelCap>,
    version_number: u64,
    bps: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(dataset.version)?;
    if !dataset.sealed {
        return Err(ctx.abort(E_DATASET_NOT_SEALED));
    }
    model_rules::set_dataset_share(ctx, &mut model, &cap, version_number, dataset.id, bps)?;
    model.save(ctx)?;
    Ok(())
}

fn distribute(
    ctx: &mut CallContext<'_>,
    mut model: Obj<Model>,
    mut dataset: Obj<Dataset>,
) -> Result<u64, ExecutionError> {
    version::assert_current(model.version)?;
    version::assert_current(dataset.version)?;
    if model_rules::share_bps_of(&model, dataset.id) == 0 {
        return Err(ctx.abort(E_NOT_TRAINED_ON));
    }
    if dataset.total_weight == 0 || model_rules::share_pending_of(&model, dataset.id) == 0 {
        return Ok(0);
    }
    let amount = model_rules::take_dataset_share(&mut model, dataset.id);
    let scaled = u128::from(amount)
        .checked_mul(SCALE)
        .and_then(|s| s.checked_add(dataset.carry))
        .ok_or_else(|| arithmetic_error(MODULE))?;
    let total_weight = u128::from(dataset.total_weight);
    dataset.reward_per_weight = dataset
        .reward_per_weight
        .checked_add(scaled / total_weight)
        .ok_or_else(|| arithmetic_error(MODULE))?;
    dataset.carry = scaled % total_weight;
    dataset.pool.value = dataset
        .pool
        .value
        .checked_add(amount)
        .ok_or_else(|| arithmetic_error("balance"))?;
    dataset.total_distributed = plus(dataset.total_distributed, amount)?;
    emit(
        ctx,
        &DatasetRevenueDistributed {
            dataset_id: move_types::id(dataset.id),
            model_id: move_types::id(model.id),
            amount,
            total_weight: dataset.total_weight,
            reward_per_weight: dataset.reward_per_weight,
            distributor: move_address(ctx.sender()),
        },
    )?;
    model.save(ctx)?;
    dataset.save(ctx)?;
    Ok(amount)
}

// === Reads ===

fn claimable(
    ctx: &mut CallContext<'_>,
    dataset: Obj<Dataset>,
    contribution_id: ID,
) -> Result<u64, ExecutionError> {
    let contribution = move_types::address_of(&contribution_id);
    if !has_record(ctx, &dataset, contribution)? {
        return Err(ctx.abort(E_UNKNOWN_CONTRIBUTION));
    }
    let record = record(ctx, &dataset, contribution)?;
    plus(record.owed, earned(&record, dataset.reward_per_weight)?)
}

fn weight(
    ctx: &mut CallContext<'_>,
    dataset: Obj<Dataset>,
    contribution_id: ID,
) -> Result<u64, ExecutionError> {
    let contribution = move_types::address_of(&contribution_id);
    if !has_record(ctx, &dataset, contribution)? {
        return Err(ctx.abort(E_UNKNOWN_CONTRIBUTION));
    }
    Ok(record(ctx, &dataset, contribution)?.weight)
}

fn contribution_count(
    _ctx: &mut CallContext<'_>,
    dataset: Obj<Dataset>,
) -> Result<u64, ExecutionError> {
    Ok(dataset.value.contributions.size)
}

fn pool_value(_ctx: &mut CallContext<'_>, dataset: Obj<Dataset>) -> Result<u64, ExecutionError> {
    Ok(dataset.value.pool.value)
}

// === Versions ===

/// `migrate`: anyone brings a dataset of an older package version to this one. Aborts
/// `version::EAlreadyMigrated`.
fn migrate(ctx: &mut CallContext<'_>, mut dataset: Obj<Dataset>) -> Result<(), ExecutionError> {
    dataset.version = version::migrated(dataset.version)?;
    dataset.save(ctx)?;
    Ok(())
}

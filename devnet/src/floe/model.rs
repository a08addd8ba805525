//! `floe::model`: models for sale, their immutable versions (each a certified blob) and the
//! license revenue they accrue.
//!
//! Mirrors `move/floe/sources/model.move` function by function. `authorize`,
//! `add_revenue`, `set_dataset_share` and `take_dataset_share` (`public(package)` in Move) are
//! plain functions here because `floe::license` and `floe::dataset` call them. `version` returns a reference and the `version_*` reads take a
//! `&ModelVersion` that no transaction can obtain, so none of them has a handler.

use floe_sdk::move_types::blob::Blob;
use floe_sdk::move_types::events::{
    DatasetRevenueAccrued, ModelDatasetShareSet, ModelDescriptionUpdated, ModelOwnerChanged,
    ModelRegistered, ModelRevenueWithdrawn, ModelVersionPublished,
};
use floe_sdk::move_types::model::{DatasetShare, Model, ModelCap, ModelVersion};
use floe_sdk::move_types::system::System;
use floe_sdk::move_types::{self, Balance, MoveString};
use moverox_sui::sui::vec_map::{Entry, VecMap};
use sui_sdk_types::{Address, ExecutionError, Identifier, MoveLocation, StructTag, TypeTag};

use super::args::{Clock, Obj, Returned, WalCoin};
use super::version;
use super::{
    PACKAGE_ID, TableTypes, emit, new_wal_coin, table_add, table_contains, table_new, tag, type_tag,
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

include!(concat!(env!("OUT_DIR"), "/floe_model.rs"));

// === Types and arguments ===

/// `floe::model::Model`.
pub fn model_tag() -> StructTag {
    tag(MODULE, "Model")
}

/// `floe::model::ModelCap`.
pub fn cap_tag() -> StructTag {
    tag(MODULE, "ModelCap")
}

/// The key and value types of `Model.versions: Table<u64, ModelVersion>`.
pub fn versions_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: type_tag(MODULE, "ModelVersion"),
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
            "ModelOwnerChanged",
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
                "DatasetRevenueAccrued",
                &DatasetRevenueAccrued {
                    model_id: move_types::id(model_id),
                    dataset_id: share.dataset_id.clone(),
                    amount: part,
                    pending: share.pending.value,
                },
            )?;
        }
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
    if total_bps > BPS {
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
        "ModelDatasetShareSet",
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

// === Handlers ===

/// `register_model(name: String, description: String, ctx): ModelCap`
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

    // Same order of `object::new` as the Move code: model, cap, then the versions table.
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
    );
    emit(
        ctx,
        "ModelRegistered",
        &ModelRegistered {
            model_id: move_types::id(model_id),
            cap_id: move_types::id(cap_id),
            owner,
            name,
            description,
        },
    )?;
    ctx.create_object(model_tag(), false, &model)?;
    ctx.share(model_id)?;
    ctx.create_object(cap_tag(), true, &cap)?;
    Ok(Returned::new(cap_id))
}

/// `publish_version(self: &mut Model, cap: &ModelCap, system: &System, blob: &Blob,
/// architecture: String, dataset_hash: vector<u8>, metric_names: vector<String>,
/// metric_values: vector<u64>, clock: &Clock, ctx): u64`
///
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

    let number = model.versions.size + 1;
    let published_at_ms = ctx.timestamp_ms();
    let publisher = move_address(ctx.sender());
    let version = ModelVersion::new(
        number,
        blob_id,
        move_types::id(blob.id),
        architecture.clone(),
        dataset_hash.clone(),
        VecMap::new(entries),
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
        "ModelVersionPublished",
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
            blob_object_id: move_types::id(blob.id),
        },
    )?;
    model.save(ctx)?;
    Ok(number)
}

/// `migrate(self: &mut Model)`: anyone brings a model of an older package version to this
/// one; nothing but the version changes. Aborts `version::EAlreadyMigrated`.
fn migrate(ctx: &mut CallContext<'_>, mut model: Obj<Model>) -> Result<(), ExecutionError> {
    model.version = version::migrated(model.version)?;
    model.save(ctx)?;
    Ok(())
}

/// `update_description(self: &mut Model, cap: &ModelCap, description: String, ctx)`
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
        "ModelDescriptionUpdated",
        &ModelDescriptionUpdated {
            model_id: move_types::id(model.id),
            description,
            updated_by,
        },
    )?;
    model.save(ctx)?;
    Ok(())
}

/// `withdraw_revenue(self: &mut Model, cap: &ModelCap, ctx): Coin<WAL>`
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
        "ModelRevenueWithdrawn",
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

/// `refresh_owner(self: &mut Model, cap: &ModelCap, ctx)`
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

/// `id_bytes(self: &Model): vector<u8>`
fn id_bytes(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<Vec<u8>, ExecutionError> {
    Ok(model.id.as_bytes().to_vec())
}

/// `owner(self: &Model): address`
fn owner(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<Address, ExecutionError> {
    Ok(Address::new(model.value.owner.into_inner()))
}

/// `version_count(self: &Model): u64`
fn version_count(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(model.value.versions.size)
}

/// `name(self: &Model): String`
fn name(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<MoveString, ExecutionError> {
    Ok(model.value.name)
}

/// `description(self: &Model): String`
fn description(
    _ctx: &mut CallContext<'_>,
    model: Obj<Model>,
) -> Result<MoveString, ExecutionError> {
    Ok(model.value.description)
}

/// `cap_id(self: &Model): ID`
fn cap_id(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<move_types::ID, ExecutionError> {
    Ok(model.value.cap_id)
}

/// `revenue(self: &Model): u64`
fn revenue(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(model.value.revenue.value)
}

/// `total_revenue(self: &Model): u64`
fn total_revenue(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(model.value.total_revenue)
}

/// `shared_bps(self: &Model): u64`
fn shared_bps(_ctx: &mut CallContext<'_>, model: Obj<Model>) -> Result<u64, ExecutionError> {
    Ok(total_shared_bps(&model))
}

/// `dataset_share_bps(self: &Model, dataset_id: ID): u64`
fn dataset_share_bps(
    _ctx: &mut CallContext<'_>,
    model: Obj<Model>,
    dataset_id: move_types::ID,
) -> Result<u64, ExecutionError> {
    Ok(share_bps_of(&model, move_types::address_of(&dataset_id)))
}

/// `dataset_share_pending(self: &Model, dataset_id: ID): u64`
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

/// `cap_model_id(cap: &ModelCap): ID`
fn cap_model_id(
    _ctx: &mut CallContext<'_>,
    cap: Obj<ModelCap>,
) -> Result<move_types::ID, ExecutionError> {
    Ok(cap.value.model_id)
}

/// `has_version(self: &Model, number: u64): bool`
fn has_version(
    ctx: &mut CallContext<'_>,
    model: Obj<Model>,
    number: u64,
) -> Result<bool, ExecutionError> {
    let exists = table_contains(ctx, &model.value.versions, &versions_types(), &number)?;
    Ok(exists)
}

//! `floe::shared_blob`: a certified, permanent `Blob` wrapped in a shared `SharedBlob` whose
//! WAL anyone may add to and anyone may spend, only on extending the blob.
//!
//! Mirrors `move/floe/sources/shared_blob.move` function by function. The `Blob` passed by
//! value is wrapped (it leaves the object store, its attribute field stays under its UID) and
//! never comes out again; the funds are a `Balance<WAL>` inside the shared object, which the
//! WAL conservation check counts. `blob` returns a reference and so has no handler; the
//! `*_for_testing` functions are `#[test_only]` and have none either.

use floe_sdk::move_types::{
    self, Balance,
    blob::{Blob, BlobRegistry},
    events::{SharedBlobCreated, SharedBlobExtended, SharedBlobFunded},
    shared_blob::SharedBlob,
    system::System,
};
use sui_sdk_types::ExecutionError;

use super::args::{Obj, WalCoin};
use super::blob::{extend_paid, extension_price};
use super::model::move_address;
use super::{abort_in, coin_into_balance, create_object, emit, version};
use crate::runtime::CallContext;

const MODULE: &str = "shared_blob";

/// The abort codes of `floe::shared_blob`, generated from the Move source.
pub use floe_sdk::move_aborts::shared_blob::*;

include!(concat!(env!("OUT_DIR"), "/floe_shared_blob.rs"));

/// `new`: shares `blob` with no funds.
fn new(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    blob: Obj<Blob>,
) -> Result<(), ExecutionError> {
    share(ctx, &system, blob, 0)
}

/// `new_funded`: shares `blob` holding `funds`.
fn new_funded(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    blob: Obj<Blob>,
    funds: WalCoin,
) -> Result<(), ExecutionError> {
    let funds = coin_into_balance(ctx, funds.0)?;
    share(ctx, &system, blob, funds)
}

/// `share`: checks the blob (permanent, certified, live), wraps it with `funds` and shares
/// the new `SharedBlob`.
fn share(
    ctx: &mut CallContext<'_>,
    system: &System,
    blob: Obj<Blob>,
    funds: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(system.version)?;
    let Obj {
        id: blob_object,
        value: blob,
    } = blob;
    if blob.deletable {
        return Err(abort_in(MODULE, E_BLOB_DELETABLE));
    }
    if blob.certified_epoch.is_none() {
        return Err(abort_in(MODULE, E_NOT_CERTIFIED));
    }
    let end_epoch = blob.storage.end_epoch;
    if system.epoch >= end_epoch {
        return Err(abort_in(MODULE, E_BLOB_EXPIRED));
    }
    let id = ctx.fresh_id();
    let event = SharedBlobCreated {
        shared_blob_id: move_types::id(id),
        blob_object_id: blob.id.id.clone(),
        blob_id: blob.blob_id,
        end_epoch,
        funds,
        creator: move_address(ctx.sender()),
    };
    let shared = SharedBlob::new(
        move_types::uid(id),
        version::VERSION,
        blob,
        Balance::new(funds),
    );
    emit(ctx, &event)?;
    // The blob is wrapped in the shared blob: it leaves the object store for good.
    ctx.wrap(blob_object)?;
    create_object(ctx, false, &shared)?;
    ctx.share(id)
}

/// `fund`: adds `funds`; anyone may.
fn fund(
    ctx: &mut CallContext<'_>,
    mut shared_blob: Obj<SharedBlob>,
    funds: WalCoin,
) -> Result<(), ExecutionError> {
    version::assert_current(shared_blob.version)?;
    let amount = coin_into_balance(ctx, funds.0)?;
    shared_blob.funds.value = shared_blob
        .funds
        .value
        .checked_add(amount)
        // Every WAL balance is part of a supply that fits in a u64.
        .ok_or(ExecutionError::InvariantViolation)?;
    let event = SharedBlobFunded {
        shared_blob_id: move_types::id(shared_blob.id),
        blob_id: shared_blob.blob.blob_id,
        amount,
        funds: shared_blob.funds.value,
        funder: move_address(ctx.sender()),
    };
    emit(ctx, &event)?;
    shared_blob.save(ctx)
}

/// `extend`: pays the extension's price out of the funds; anyone may.
fn extend(
    ctx: &mut CallContext<'_>,
    mut shared_blob: Obj<SharedBlob>,
    mut system: Obj<System>,
    registry: Obj<BlobRegistry>,
    extra_epochs: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(shared_blob.version)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let price = extension_price(&system, &shared_blob.blob, extra_epochs)?;
    if shared_blob.funds.value < price {
        return Err(abort_in(MODULE, E_INSUFFICIENT_FUNDS));
    }
    let old_end_epoch = shared_blob.blob.storage.end_epoch;
    shared_blob.funds.value -= price;
    extend_paid(
        ctx,
        &mut system,
        &registry,
        &mut shared_blob.value.blob,
        extra_epochs,
        price,
    )?;
    let event = SharedBlobExtended {
        shared_blob_id: move_types::id(shared_blob.id),
        blob_object_id: shared_blob.blob.id.id.clone(),
        blob_id: shared_blob.blob.blob_id,
        epoch: system.epoch,
        old_end_epoch,
        new_end_epoch: shared_blob.blob.storage.end_epoch,
        price,
        funds: shared_blob.funds.value,
        extender: move_address(ctx.sender()),
    };
    emit(ctx, &event)?;
    shared_blob.save(ctx)?;
    system.save(ctx)?;
    registry.save(ctx)
}

fn funds(_ctx: &mut CallContext<'_>, shared_blob: Obj<SharedBlob>) -> Result<u64, ExecutionError> {
    Ok(shared_blob.funds.value)
}

/// `migrate`: brings an older shared blob to this version; anyone may.
fn migrate(
    ctx: &mut CallContext<'_>,
    mut shared_blob: Obj<SharedBlob>,
) -> Result<(), ExecutionError> {
    shared_blob.version = version::migrated(shared_blob.version)?;
    shared_blob.save(ctx)
}

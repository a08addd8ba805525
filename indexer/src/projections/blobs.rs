//! Blobs and their lifecycle, storage reservations, availability challenges.

use floe_sdk::move_types::events as ev;

use super::rollups::{self, ChallengeFate};
use super::{
    EventCtx, ProjectionError, address_bytes, address_text, blob_id_text, decode, id_bytes,
    move_text,
};
use crate::rows::{Rows, boolean, int, num, text};
use crate::schema::{BlobAttributeRow, BlobIdRow, BlobRow, ChallengeRow, EpochRow, StorageRow};

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "StorageReserved" => {
            let e: ev::StorageReserved = decode(contents, err)?;
            rows.create(StorageRow {
                storage_id: id_bytes(&e.storage_id),
                owner: address_bytes(&e.owner),
                reserved_epoch: int(e.epoch),
                start_epoch: int(e.start_epoch),
                end_epoch: int(e.end_epoch),
                unencoded_size: num(e.unencoded_size),
                storage_size: num(e.storage_size),
                price: num(e.price),
                status: text("available"),
                created_checkpoint: cp,
                updated_checkpoint: cp,
                ..StorageRow::default()
            })?;
        }
        "StorageSplit" => {
            let e: ev::StorageSplit = decode(contents, err)?;
            rows.put(StorageRow {
                storage_id: id_bytes(&e.storage_id),
                start_epoch: int(e.start_epoch),
                end_epoch: int(e.end_epoch),
                storage_size: num(e.storage_size),
                updated_checkpoint: cp,
                ..StorageRow::default()
            })?;
            // The new part's owner is the parent's: filled in from `parent_storage_id` on write.
            rows.create(StorageRow {
                storage_id: id_bytes(&e.new_storage_id),
                parent_storage_id: id_bytes(&e.storage_id),
                start_epoch: int(e.new_start_epoch),
                end_epoch: int(e.new_end_epoch),
                storage_size: num(e.new_storage_size),
                status: text("available"),
                created_checkpoint: cp,
                updated_checkpoint: cp,
                ..StorageRow::default()
            })?;
        }
        "StorageFused" => {
            let e: ev::StorageFused = decode(contents, err)?;
            rows.put(StorageRow {
                storage_id: id_bytes(&e.storage_id),
                start_epoch: int(e.start_epoch),
                end_epoch: int(e.end_epoch),
                storage_size: num(e.storage_size),
                updated_checkpoint: cp,
                ..StorageRow::default()
            })?;
            rows.put(StorageRow {
                storage_id: id_bytes(&e.absorbed_storage_id),
                status: text("fused"),
                absorbed_into: id_bytes(&e.storage_id),
                updated_checkpoint: cp,
                ..StorageRow::default()
            })?;
        }
        "StorageDestroyed" => {
            let e: ev::StorageDestroyed = decode(contents, err)?;
            rows.put(StorageRow {
                storage_id: id_bytes(&e.storage_id),
                status: text("destroyed"),
                destroyed_epoch: int(e.epoch),
                capacity_released: num(e.capacity_released),
                updated_checkpoint: cp,
                ..StorageRow::default()
            })?;
        }
        "BlobRegistered" => {
            let e: ev::BlobRegistered = decode(contents, err)?;
            let blob_id = blob_id_text(&e.blob_id);
            let root_hash = blob_id_text(&e.root_hash);
            rows.create(BlobRow {
                blob_object_id: id_bytes(&e.blob_object_id),
                blob_id: text(blob_id.clone()),
                root_hash: text(root_hash.clone()),
                size: num(e.size),
                encoding_type: int(u64::from(e.encoding_type)),
                deletable: boolean(e.deletable),
                owner: address_bytes(&e.owner),
                storage_id: id_bytes(&e.storage_id),
                storage_size: num(e.storage_size),
                write_fee: num(e.write_fee),
                extension_fees: num(0u64),
                status: text("registered"),
                registered_epoch: int(e.epoch),
                end_epoch: int(e.end_epoch),
                registered_checkpoint: cp,
                updated_checkpoint: cp,
                ..BlobRow::default()
            })?;
            rows.create_unless_stored(BlobIdRow {
                blob_id: text(blob_id),
                root_hash: text(root_hash),
                size: num(e.size),
                first_checkpoint: cp,
                updated_checkpoint: cp,
                ..BlobIdRow::default()
            })?;
            rows.put(StorageRow {
                storage_id: id_bytes(&e.storage_id),
                status: text("in_blob"),
                blob_object_id: id_bytes(&e.blob_object_id),
                updated_checkpoint: cp,
                ..StorageRow::default()
            })?;
        }
        "BlobCertified" => {
            let e: ev::BlobCertified = decode(contents, err)?;
            rows.put(BlobRow {
                blob_object_id: id_bytes(&e.blob_object_id),
                status: text("certified"),
                certified_epoch: int(e.epoch),
                end_epoch: int(e.end_epoch),
                updated_checkpoint: cp,
                ..BlobRow::default()
            })?;
            live(rows, &e.blob_id, e.live_references, cp)?;
        }
        "BlobExtended" => {
            let e: ev::BlobExtended = decode(contents, err)?;
            rows.put(BlobRow {
                blob_object_id: id_bytes(&e.blob_object_id),
                end_epoch: int(e.new_end_epoch),
                extension_fees: num(e.price),
                updated_checkpoint: cp,
                ..BlobRow::default()
            })?;
        }
        "BlobDeleted" => {
            let e: ev::BlobDeleted = decode(contents, err)?;
            rows.put(BlobRow {
                blob_object_id: id_bytes(&e.blob_object_id),
                status: text("deleted"),
                deleted_epoch: int(e.epoch),
                updated_checkpoint: cp,
                ..BlobRow::default()
            })?;
            // The blob's storage comes back to its owner as a free reservation.
            rows.put(StorageRow {
                storage_id: id_bytes(&e.storage_id),
                status: text("available"),
                updated_checkpoint: cp,
                ..StorageRow::default()
            })?;
            live(rows, &e.blob_id, e.live_references, cp)?;
        }
        "BlobExpired" => {
            let e: ev::BlobExpired = decode(contents, err)?;
            rows.put(BlobRow {
                blob_object_id: id_bytes(&e.blob_object_id),
                status: text("expired"),
                expired_epoch: int(e.epoch),
                updated_checkpoint: cp,
                ..BlobRow::default()
            })?;
            live(rows, &e.blob_id, e.live_references, cp)?;
        }
        "BlobAttributeSet" => {
            let e: ev::BlobAttributeSet = decode(contents, err)?;
            // A set (new key or replaced value) takes this event's position: the chain moves a
            // replaced key last, and the view orders by position.
            rows.put(BlobAttributeRow {
                blob_object_id: id_bytes(&e.blob_object_id),
                key: move_text(&e.key),
                blob_id: text(blob_id_text(&e.blob_id)),
                value: move_text(&e.value),
                removed: boolean(false),
                checkpoint: cp,
                tx_index: int(ctx.tx_index),
                event_index: int(ctx.event_index),
                timestamp_ms: ctx.timestamp_ms.and_then(int),
                tx_digest: text(ctx.tx_digest.clone()),
                updated_checkpoint: cp,
            })?;
        }
        "BlobAttributeRemoved" => {
            let e: ev::BlobAttributeRemoved = decode(contents, err)?;
            // The value goes with the key: a removed attribute keeps no user text.
            rows.put(BlobAttributeRow {
                blob_object_id: id_bytes(&e.blob_object_id),
                key: move_text(&e.key),
                blob_id: text(blob_id_text(&e.blob_id)),
                value: text(String::new()),
                removed: boolean(true),
                updated_checkpoint: cp,
                ..BlobAttributeRow::default()
            })?;
        }
        "RegistryPruned" => {
            let e: ev::RegistryPruned = decode(contents, err)?;
            live(rows, &e.blob_id, e.live_references, cp)?;
        }
        "ChallengeIssued" => {
            let e: ev::ChallengeIssued = decode(contents, err)?;
            rows.create(ChallengeRow {
                challenge_id: int(e.challenge_id),
                epoch: int(e.epoch),
                node_id: id_bytes(&e.node_id),
                blob_id: text(blob_id_text(&e.blob_id)),
                root_hash: text(blob_id_text(&e.root_hash)),
                shard: int(u64::from(e.shard)),
                pair_index: int(u64::from(e.pair_index)),
                symbol_index: int(u64::from(e.symbol_index)),
                symbol_size: num(e.symbol_size),
                deadline_ms: int(e.deadline_ms),
                status: text("issued"),
                issued_checkpoint: cp,
                ..ChallengeRow::default()
            })?;
            let deadline_ms = e.deadline_ms;
            rollups::challenge(rows, e.epoch, ChallengeFate::Issued { deadline_ms })?;
        }
        "ChallengesIssued" => {
            let e: ev::ChallengesIssued = decode(contents, err)?;
            rows.put(EpochRow {
                epoch: int(e.epoch),
                challenges_issued: int(e.count),
                challenge_issuer: address_text(&e.issuer),
                updated_checkpoint: cp,
                ..EpochRow::default()
            })?;
        }
        "ChallengeAnswered" => {
            let e: ev::ChallengeAnswered = decode(contents, err)?;
            rows.put(ChallengeRow {
                challenge_id: int(e.challenge_id),
                status: text("answered"),
                answered_at_ms: int(e.answered_at_ms),
                resolved_checkpoint: cp,
                ..ChallengeRow::default()
            })?;
            rollups::challenge(rows, e.epoch, ChallengeFate::Answered)?;
        }
        "ChallengeSlashed" => {
            let e: ev::ChallengeSlashed = decode(contents, err)?;
            rows.put(ChallengeRow {
                challenge_id: int(e.challenge_id),
                status: text("slashed"),
                slashed: num(e.slashed),
                burned: num(e.burned),
                reward: num(e.reward),
                slashed_by: address_bytes(&e.caller),
                resolved_checkpoint: cp,
                ..ChallengeRow::default()
            })?;
            rollups::challenge(rows, e.epoch, ChallengeFate::Slashed)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Records how many certified objects keep a blob ID live, as of this event.
fn live(
    rows: &mut Rows,
    blob_id: &floe_sdk::move_types::U256,
    live_references: u64,
    cp: Option<i64>,
) -> Result<(), ProjectionError> {
    rows.put(BlobIdRow {
        blob_id: text(blob_id_text(blob_id)),
        live_references: num(live_references),
        first_checkpoint: cp,
        updated_checkpoint: cp,
        ..BlobIdRow::default()
    })?;
    Ok(())
}

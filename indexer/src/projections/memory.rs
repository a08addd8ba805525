//! Agent memories, their entries and delegates (`floe::memory`).

use floe_sdk::move_types::events as ev;

use super::{EventCtx, ProjectionError, address_text, blob_id_text, decode, id_text};
use crate::rows::{Rows, boolean, int, text};
use crate::schema::{MemoryDelegateRow, MemoryEntryRow, MemoryRow};

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "MemoryCreated" => {
            let e: ev::MemoryCreated = decode(contents, err)?;
            rows.create(MemoryRow {
                memory_id: id_text(&e.memory_id),
                owner: address_text(&e.owner),
                generation: int(0),
                entries: int(0),
                grants: int(0),
                revokes: int(0),
                created_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
        }
        "MemoryEntryAppended" => {
            let e: ev::MemoryEntryAppended = decode(contents, err)?;
            rows.create(MemoryEntryRow {
                memory_id: id_text(&e.memory_id),
                entry_index: int(e.index),
                blob_id: text(blob_id_text(&e.blob_id)),
                blob_object_id: id_text(&e.blob_object_id),
                generation: int(e.generation),
                appended_by: address_text(&e.appended_by),
                checkpoint: cp,
            })?;
            rows.put(MemoryRow {
                memory_id: id_text(&e.memory_id),
                entries: int(1),
                updated_checkpoint: cp,
                ..MemoryRow::default()
            })?;
        }
        "MemoryDelegateGranted" => {
            let e: ev::MemoryDelegateGranted = decode(contents, err)?;
            // A grant after a revoke merges into the agent's row and makes it active again.
            rows.put(MemoryDelegateRow {
                memory_id: id_text(&e.memory_id),
                agent: address_text(&e.agent),
                active: boolean(true),
                can_write: boolean(e.can_write),
                granted_generation: int(e.generation),
                revoked_generation: None,
                created_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
            rows.put(MemoryRow {
                memory_id: id_text(&e.memory_id),
                grants: int(1),
                updated_checkpoint: cp,
                ..MemoryRow::default()
            })?;
        }
        "MemoryDelegateRevoked" => {
            let e: ev::MemoryDelegateRevoked = decode(contents, err)?;
            rows.put(MemoryDelegateRow {
                memory_id: id_text(&e.memory_id),
                agent: address_text(&e.agent),
                active: boolean(false),
                revoked_generation: int(e.generation),
                updated_checkpoint: cp,
                ..MemoryDelegateRow::default()
            })?;
            rows.put(MemoryRow {
                memory_id: id_text(&e.memory_id),
                generation: int(e.generation),
                revokes: int(1),
                updated_checkpoint: cp,
                ..MemoryRow::default()
            })?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

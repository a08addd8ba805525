//! Shared blobs (`floe::shared_blob`): one row per `SharedBlob`, and what each account gave its
//! funds. The wrapped Blob's own row (`blobs`) follows its `Blob*` events as before: a
//! `SharedBlobExtended` comes with the blob's `BlobExtended`.

use floe_sdk::move_types::events as ev;

use super::{EventCtx, ProjectionError, address_text, blob_id_text, decode, id_text};
use crate::rows::{Rows, int, num, text};
use crate::schema::{SharedBlobFunderRow, SharedBlobRow};

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "SharedBlobCreated" => {
            let e: ev::SharedBlobCreated = decode(contents, err)?;
            rows.create(SharedBlobRow {
                shared_blob_id: id_text(&e.shared_blob_id),
                blob_object_id: id_text(&e.blob_object_id),
                blob_id: text(blob_id_text(&e.blob_id)),
                creator: address_text(&e.creator),
                end_epoch: int(e.end_epoch),
                funds: num(e.funds),
                funded: num(e.funds),
                fundings: int(0),
                spent: num(0u64),
                extensions: int(0),
                created_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
            if e.funds > 0 {
                rows.put(SharedBlobFunderRow {
                    shared_blob_id: id_text(&e.shared_blob_id),
                    funder: address_text(&e.creator),
                    amount: num(e.funds),
                    fundings: int(1),
                    first_checkpoint: cp,
                    last_checkpoint: cp,
                })?;
            }
        }
        "SharedBlobFunded" => {
            let e: ev::SharedBlobFunded = decode(contents, err)?;
            rows.put(SharedBlobRow {
                shared_blob_id: id_text(&e.shared_blob_id),
                funds: num(e.funds),
                funded: num(e.amount),
                fundings: int(1),
                updated_checkpoint: cp,
                ..SharedBlobRow::default()
            })?;
            rows.put(SharedBlobFunderRow {
                shared_blob_id: id_text(&e.shared_blob_id),
                funder: address_text(&e.funder),
                amount: num(e.amount),
                fundings: int(1),
                first_checkpoint: cp,
                last_checkpoint: cp,
            })?;
        }
        "SharedBlobExtended" => {
            let e: ev::SharedBlobExtended = decode(contents, err)?;
            rows.put(SharedBlobRow {
                shared_blob_id: id_text(&e.shared_blob_id),
                end_epoch: int(e.new_end_epoch),
                funds: num(e.funds),
                spent: num(e.price),
                extensions: int(1),
                updated_checkpoint: cp,
                ..SharedBlobRow::default()
            })?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

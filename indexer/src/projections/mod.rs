//! Projections: what each floe event changes in the read model.
//!
//! Every event is decoded with the Rust types generated from `move/floe/sources/events.move`
//! (`floe_sdk::move_types::events`), so a layout change in Move breaks the build, not the
//! data. Each module folds its events into [`Rows`]; nothing here talks to the database.

mod blobs;
mod economy;
mod market;
mod staking;
pub mod tables;

use base64::Engine as _;
use floe_sdk::move_types::{ID, U256};

use crate::rows::{Rows, RowsError, Value};

/// Where an event happened; identifies it for append-only tables.
#[derive(Debug, Clone)]
pub struct EventCtx {
    pub checkpoint: u64,
    pub tx_index: u64,
    pub event_index: u64,
    pub tx_digest: String,
    pub timestamp_ms: Option<u64>,
}

impl EventCtx {
    pub fn checkpoint(&self) -> Option<Value> {
        crate::rows::int(self.checkpoint)
    }

    /// The (checkpoint, tx_index, event_index, tx_digest, timestamp_ms) cells of history rows.
    pub fn position(&self) -> [(&'static str, Option<Value>); 5] {
        [
            ("checkpoint", crate::rows::int(self.checkpoint)),
            ("tx_index", crate::rows::int(self.tx_index)),
            ("event_index", crate::rows::int(self.event_index)),
            ("tx_digest", crate::rows::text(self.tx_digest.clone())),
            ("timestamp_ms", self.timestamp_ms.and_then(crate::rows::int)),
        ]
    }
}

/// Why an event could not be projected.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("event {event_type} at checkpoint {checkpoint} does not decode: {message}")]
    Decode {
        event_type: String,
        checkpoint: u64,
        message: String,
    },
    #[error(transparent)]
    Rows(#[from] RowsError),
}

/// Folds one event of module `floe::events` into `rows`; events of other types are kept only
/// as raw events. Returns whether the event type is projected.
pub fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
) -> Result<bool, ProjectionError> {
    let decode_error = |e: bcs::Error| ProjectionError::Decode {
        event_type: name.to_owned(),
        checkpoint: ctx.checkpoint,
        message: e.to_string(),
    };
    if economy::apply(ctx, name, contents, rows, &decode_error)?
        || staking::apply(ctx, name, contents, rows, &decode_error)?
        || blobs::apply(ctx, name, contents, rows, &decode_error)?
        || market::apply(ctx, name, contents, rows, &decode_error)?
    {
        return Ok(true);
    }
    Ok(false)
}

/// Decodes BCS event contents as `T`.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    contents: &[u8],
    on_error: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<T, ProjectionError> {
    bcs::from_bytes(contents).map_err(on_error)
}

/// An object ID as Sui prints it (0x + 64 hex digits).
pub fn id_text(id: &ID) -> Option<Value> {
    crate::rows::text(format!("0x{}", hex::encode(id.bytes.into_inner())))
}

/// An address as Sui prints it.
pub fn address_text(address: &moverox::types::Address) -> Option<Value> {
    crate::rows::text(format!("0x{}", hex::encode(address.into_inner())))
}

/// A blob ID (or root hash) in Walrus's printed form: base64url, no padding, of the 32
/// little-endian bytes of the on-chain `u256`.
pub fn blob_id_text(value: &U256) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_le_bytes())
}

/// The on-chain `u256` in decimal (text: JSON numbers that large lose precision in most
/// clients).
pub fn u256_decimal(value: &U256) -> Option<Value> {
    Some(Value::Text(value.to_string()))
}

/// Bytes as lowercase hex.
pub fn hex_text(bytes: &[u8]) -> Option<Value> {
    crate::rows::text(hex::encode(bytes))
}

/// A Move `String` as Rust text (Move guarantees UTF-8; lossy only for malformed input).
pub fn move_text(s: &floe_sdk::move_types::MoveString) -> Option<Value> {
    crate::rows::text(String::from_utf8_lossy(&s.bytes).into_owned())
}

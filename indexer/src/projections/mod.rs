//! Projections: what each floe event changes in the read model.
//!
//! Every event is decoded with the Rust types generated from `move/floe/sources/events.move`
//! (`floe_sdk::move_types::events`), so a layout change in Move breaks the build, not the
//! data. Each module folds its events into [`Rows`]; nothing here talks to the database.
//! An event that creates an object (a new object ID or challenge number) folds its row with
//! [`Rows::create`], the others with [`Rows::put`]: created rows are COPYed, the rest merged.

mod blobs;
mod compute;
mod dataset;
mod economy;
mod market;
mod memory;
mod rollups;
mod service;
mod shared_blob;
mod staking;

use base64::Engine as _;
use floe_sdk::move_types::{ID, U256};

use crate::rows::{Rows, RowsError};

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
    pub fn checkpoint(&self) -> Option<i64> {
        crate::rows::int(self.checkpoint)
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

/// Events of `floe::events` that no table projects: the raw `events` table (and
/// `/v1/events`) keeps them, and nothing else reads them.
/// `PackageMigrated` names a package version no table tracks yet; `KeyServerRegistered` and
/// `KeyServerUrlUpdated` describe Seal key servers, which clients read from their objects.
/// Sorted, as the event names are.
pub const RAW_ONLY: &[&str] = &[
    "KeyServerRegistered",
    "KeyServerUrlUpdated",
    "PackageMigrated",
];

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
        || shared_blob::apply(ctx, name, contents, rows, &decode_error)?
        || compute::apply(ctx, name, contents, rows, &decode_error)?
        || service::apply(ctx, name, contents, rows, &decode_error)?
        || dataset::apply(ctx, name, contents, rows, &decode_error)?
        || memory::apply(ctx, name, contents, rows, &decode_error)?
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
pub fn id_text(id: &ID) -> Option<String> {
    crate::rows::text(hex_0x(&id.bytes.into_inner()))
}

/// An address as Sui prints it.
pub fn address_text(address: &moverox::types::Address) -> Option<String> {
    crate::rows::text(hex_0x(&address.into_inner()))
}

/// An object ID for a [`crate::rows::Kind::Id`] column: its 32 bytes, no text.
pub fn id_bytes(id: &ID) -> Option<[u8; 32]> {
    crate::rows::id(id.bytes.into_inner())
}

/// An address for a [`crate::rows::Kind::Id`] column.
pub fn address_bytes(address: &moverox::types::Address) -> Option<[u8; 32]> {
    crate::rows::id(address.into_inner())
}

/// `0x` and lowercase hex: written directly into one allocation, since object IDs are the
/// most frequent cells of a batch (`hex::encode` plus `format!` was a visible share of folding).
pub fn hex_0x(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("0x");
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// A blob ID (or root hash) in Walrus's printed form: base64url, no padding, of the 32
/// little-endian bytes of the on-chain `u256`.
pub fn blob_id_text(value: &U256) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_le_bytes())
}

/// Bytes as lowercase hex.
pub fn hex_text(bytes: &[u8]) -> Option<String> {
    let mut hex = hex_0x(bytes);
    hex.drain(..2);
    crate::rows::text(hex)
}

/// A Move `String` as Rust text (Move guarantees UTF-8; lossy only for malformed input).
/// NUL is valid UTF-8 in Move but PostgreSQL text cannot hold it: anyone can put one in a
/// model name or a blob attribute, and a row that fails to write would stop the ingest, so
/// it becomes U+FFFD (the replacement character).
pub fn move_text(s: &floe_sdk::move_types::MoveString) -> Option<String> {
    let text = String::from_utf8_lossy(&s.bytes);
    let text = if text.contains('\0') {
        text.replace('\0', "\u{FFFD}")
    } else {
        text.into_owned()
    };
    crate::rows::text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event the Move package declares is projected, or listed in [`RAW_ONLY`]: a new
    /// event fails here until someone decides what it changes.
    #[test]
    fn every_event_is_projected_or_listed_as_raw_only() {
        let ctx = EventCtx {
            checkpoint: 1,
            tx_index: 0,
            event_index: 0,
            tx_digest: "digest".to_owned(),
            timestamp_ms: None,
        };
        let mut unprojected = Vec::new();
        for name in crate::move_facts::EVENT_TYPES {
            // Empty contents decode as no event: a projected type fails to decode (or needs
            // no fields), an unknown one is passed over.
            match apply(&ctx, name, &[], &mut Rows::new()) {
                Ok(false) => unprojected.push(*name),
                Ok(true) | Err(ProjectionError::Decode { .. }) => {}
                Err(other) => panic!("{name}: {other}"),
            }
        }
        assert_eq!(unprojected, RAW_ONLY);
    }

    #[test]
    fn fast_text_forms_match_the_reference_ones() {
        let bytes: Vec<u8> = (0..32u8).map(|b| b.wrapping_mul(37)).collect();
        assert_eq!(hex_0x(&bytes), format!("0x{}", hex::encode(&bytes)));
        assert_eq!(hex_text(&bytes), crate::rows::text(hex::encode(&bytes)));
    }
}

//! The bodies of the node's HTTP API, shared by the server ([`crate::api`]) and its client
//! ([`crate::http_client`]) so that neither has to import the other.

use floe_encoder::merkle::MerkleProof;
use floe_encoder::{Axis, RecoverySymbol};
use serde::{Deserialize, Serialize};

/// The node's answer to `/v1/info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub node_id: Option<String>,
    /// Hex of the 48-byte compressed BLS public key.
    pub public_key: String,
    pub epoch: u64,
    pub shards: Vec<u16>,
}

/// The body of a confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationBody {
    pub epoch: u64,
    pub blob_id: String,
    /// Hex of the 96-byte BLS min_pk signature.
    pub signature: String,
}

/// The answer to storing a pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairStored {
    /// Held shards of the blob still without their pair; empty: ready to confirm.
    pub missing_shards: Vec<u16>,
}

/// The answer to `GET /v1/recovery`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryStatus {
    pub epoch: u64,
    pub passes: u64,
    pub blobs_missing: u64,
    pub pairs_missing: u64,
    pub pairs_recovered: u64,
    pub pairs_transferred: u64,
    pub pairs_failed: u64,
    pub bytes_recovered: u64,
    pub bad_peer_answers: u64,
    /// Whether every held pair of every live certified blob is stored for `epoch`.
    pub complete: bool,
    pub synced_epoch: u64,
    pub blobs_collected: u64,
    pub pairs_dropped: u64,
}

/// The wire form of recovery symbols: `count: u32 LE`, then per symbol `axis: u8` (0 primary,
/// 1 secondary, the source sliver's) ‖ `source_index: u16 LE` ‖ `target_index: u16 LE` ‖
/// `symbol_len: u32 LE` ‖ symbol ‖ `depth: u8` ‖ depth × 32-byte sibling hashes, lowest first.
pub fn encode_symbols(symbols: &[RecoverySymbol]) -> Vec<u8> {
    let size: usize = symbols
        .iter()
        .map(|s| 10 + s.symbol.len() + 32 * s.proof.path.len())
        .sum();
    let mut out = Vec::with_capacity(4 + size);
    out.extend_from_slice(&(symbols.len() as u32).to_le_bytes());
    for s in symbols {
        out.push(match s.source_axis {
            Axis::Primary => 0,
            Axis::Secondary => 1,
        });
        out.extend_from_slice(&s.source_index.to_le_bytes());
        out.extend_from_slice(&s.target_index.to_le_bytes());
        out.extend_from_slice(&(s.symbol.len() as u32).to_le_bytes());
        out.extend_from_slice(&s.symbol);
        out.push(s.proof.path.len() as u8);
        for hash in &s.proof.path {
            out.extend_from_slice(hash);
        }
    }
    out
}

/// Parses [`encode_symbols`] output (shape only: proofs are checked by the caller).
pub fn decode_symbols(bytes: &[u8]) -> Result<Vec<RecoverySymbol>, String> {
    let mut rest = bytes;
    let mut take = |len: usize| -> Result<&[u8], String> {
        if rest.len() < len {
            return Err("truncated recovery symbols".to_owned());
        }
        let (head, tail) = rest.split_at(len);
        rest = tail;
        Ok(head)
    };
    let u16_of = |b: &[u8]| u16::from_le_bytes([b[0], b[1]]);
    let count = u32::from_le_bytes(take(4)?.try_into().expect("4 bytes")) as usize;
    // Each symbol takes at least 11 bytes: a count beyond that is a lie, not an allocation.
    let mut symbols = Vec::with_capacity(count.min(bytes.len() / 11));
    for _ in 0..count {
        let source_axis = match take(1)?[0] {
            0 => Axis::Primary,
            1 => Axis::Secondary,
            other => return Err(format!("unknown axis {other}")),
        };
        let source_index = u16_of(take(2)?);
        let target_index = u16_of(take(2)?);
        let len = u32::from_le_bytes(take(4)?.try_into().expect("4 bytes")) as usize;
        let symbol = take(len)?.to_vec();
        let depth = usize::from(take(1)?[0]);
        let path = take(32 * depth)?
            .chunks_exact(32)
            .map(|h| h.try_into().expect("32 bytes"))
            .collect();
        symbols.push(RecoverySymbol {
            source_axis,
            source_index,
            target_index,
            symbol,
            proof: MerkleProof { path },
        });
    }
    if !rest.is_empty() {
        return Err("trailing bytes after the recovery symbols".to_owned());
    }
    Ok(symbols)
}

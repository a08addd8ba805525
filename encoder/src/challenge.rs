//! Availability-challenge answers: the proof a storage node posts on-chain that it still holds
//! its sliver pair.
//!
//! # Byte format
//!
//! The Move function `floe::challenge::respond` takes the answer as four arguments, and
//! [`ChallengeAnswer::to_bcs`] writes exactly their BCS bytes, one after another:
//!
//! | # | Move type | content |
//! |---|---|---|
//! | 1 | `vector<u8>` | ULEB128 length ‖ symbol `j` of the expanded primary sliver `i` (`symbol_size` bytes) |
//! | 2 | `vector<vector<u8>>` | ULEB128 count `d` ‖ `d` × (`0x20` ‖ 32-byte sibling), from leaf `j` up to pair `i`'s primary hash |
//! | 3 | `vector<u8>` | `0x20` ‖ pair `i`'s secondary hash (of secondary sliver `n − 1 − i`) |
//! | 4 | `vector<vector<u8>>` | ULEB128 count `d` ‖ `d` × (`0x20` ‖ 32-byte sibling), from pair leaf `i` up to the blob root |
//!
//! `d = ⌈log2 n⌉` for both paths. Verification (here and on-chain): `h = Blake2b-256(0x00 ‖
//! symbol)`; for each sibling, `h = Blake2b-256(0x01 ‖ h ‖ sib)` if the current index is even,
//! else `Blake2b-256(0x01 ‖ sib ‖ h)`, then halve the index (starting from `j`). That yields the
//! primary hash `P`. Then `h = Blake2b-256(0x00 ‖ P ‖ secondary hash)` folded the same way from
//! index `i` along the pair path must equal the blob's root hash.

use crate::error::ProofError;
use crate::merkle::{Digest, MerkleProof, depth, leaf_hash};
use crate::metadata::{BlobMetadata, SliverPairHashes};
use crate::sliver::{Axis, Sliver};
use crate::uleb::{put_uleb, take_uleb};
use crate::verify::sliver_tree;

/// A node's answer to a challenge on pair `i`, symbol `j`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeAnswer {
    pub symbol: Vec<u8>,
    pub sliver_path: Vec<Digest>,
    pub secondary_hash: Digest,
    pub pair_path: Vec<Digest>,
}

/// Builds the answer from the node's primary sliver of the challenged pair.
pub fn answer_challenge(
    metadata: &BlobMetadata,
    primary: &Sliver,
    symbol_index: usize,
) -> Result<ChallengeAnswer, ProofError> {
    let (config, symbol_size) = metadata
        .checked_config()
        .map_err(|_| ProofError::Malformed("metadata is not a valid RS2 encoding"))?;
    let n = config.n_shards();
    if primary.axis != Axis::Primary {
        return Err(ProofError::Malformed(
            "a challenge is answered from a primary sliver",
        ));
    }
    let pair = usize::from(primary.index);
    if pair >= n || symbol_index >= n {
        return Err(ProofError::IndexOutOfRange {
            index: pair.max(symbol_index),
            leaves: n,
        });
    }
    if usize::from(primary.symbol_size) != symbol_size {
        return Err(ProofError::WrongSymbolSize {
            got: usize::from(primary.symbol_size),
            expected: symbol_size,
        });
    }
    let expanded = crate::verify::expand(&config, primary);
    let tree = sliver_tree(&config, primary);
    Ok(ChallengeAnswer {
        symbol: expanded[symbol_index * symbol_size..(symbol_index + 1) * symbol_size].to_vec(),
        sliver_path: tree.proof(symbol_index)?.path,
        secondary_hash: metadata.hashes[pair].secondary,
        pair_path: metadata.pair_tree().proof(pair)?.path,
    })
}

/// Checks an answer exactly as the Move package does.
pub fn verify_challenge_answer(
    answer: &ChallengeAnswer,
    root: &Digest,
    n_shards: usize,
    symbol_size: usize,
    pair_index: usize,
    symbol_index: usize,
) -> Result<(), ProofError> {
    if answer.symbol.len() != symbol_size {
        return Err(ProofError::WrongSymbolSize {
            got: answer.symbol.len(),
            expected: symbol_size,
        });
    }
    for (index, path) in [
        (symbol_index, &answer.sliver_path),
        (pair_index, &answer.pair_path),
    ] {
        if index >= n_shards {
            return Err(ProofError::IndexOutOfRange {
                index,
                leaves: n_shards,
            });
        }
        if path.len() != depth(n_shards) {
            return Err(ProofError::WrongDepth {
                got: path.len(),
                expected: depth(n_shards),
                leaves: n_shards,
            });
        }
    }
    let primary = MerkleProof {
        path: answer.sliver_path.clone(),
    }
    .root_from_leaf_hash(leaf_hash(&answer.symbol), symbol_index);
    let pair_leaf = SliverPairHashes {
        primary,
        secondary: answer.secondary_hash,
    }
    .leaf_hash();
    MerkleProof {
        path: answer.pair_path.clone(),
    }
    .verify_leaf_hash(root, pair_leaf, pair_index, n_shards)
}

fn take_bytes<'a>(bytes: &mut &'a [u8]) -> Result<&'a [u8], ProofError> {
    let len = take_uleb(bytes)?;
    if bytes.len() < len {
        return Err(ProofError::Malformed("truncated vector"));
    }
    let (head, rest) = bytes.split_at(len);
    *bytes = rest;
    Ok(head)
}

fn take_digest(bytes: &mut &[u8]) -> Result<Digest, ProofError> {
    take_bytes(bytes)?
        .try_into()
        .map_err(|_| ProofError::Malformed("a hash must be 32 bytes"))
}

fn take_path(bytes: &mut &[u8]) -> Result<Vec<Digest>, ProofError> {
    let count = take_uleb(bytes)?;
    if count > 64 {
        return Err(ProofError::Malformed("path longer than any tree"));
    }
    (0..count).map(|_| take_digest(bytes)).collect()
}

impl ChallengeAnswer {
    /// The BCS bytes of the four `respond` arguments (see the module docs).
    pub fn to_bcs(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_uleb(&mut out, self.symbol.len());
        out.extend_from_slice(&self.symbol);
        for (i, path) in [&self.sliver_path, &self.pair_path].into_iter().enumerate() {
            if i == 1 {
                put_uleb(&mut out, 32);
                out.extend_from_slice(&self.secondary_hash);
            }
            put_uleb(&mut out, path.len());
            for node in path {
                put_uleb(&mut out, 32);
                out.extend_from_slice(node);
            }
        }
        out
    }

    /// Parses [`to_bcs`](Self::to_bcs) output; trailing bytes are an error.
    pub fn from_bcs(mut bytes: &[u8]) -> Result<Self, ProofError> {
        let symbol = take_bytes(&mut bytes)?.to_vec();
        let sliver_path = take_path(&mut bytes)?;
        let secondary_hash = take_digest(&mut bytes)?;
        let pair_path = take_path(&mut bytes)?;
        if !bytes.is_empty() {
            return Err(ProofError::Malformed("trailing bytes"));
        }
        Ok(Self {
            symbol,
            sliver_path,
            secondary_hash,
            pair_path,
        })
    }
}

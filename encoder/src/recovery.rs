//! Rebuilding a lost sliver from symbols that other nodes compute from their own slivers.
//!
//! The expanded matrix has primary sliver `i` as row `i` and secondary sliver `j` as column
//! `j`. A node holding secondary sliver `j` can expand it and hand out its symbol `i` — which is
//! symbol `j` of row `i` — with a Merkle proof up to its own committed hash. Any `s` such
//! symbols rebuild row `i`'s source part (the primary sliver); symmetrically any `p` symbols
//! from primary slivers rebuild a secondary sliver.

use crate::error::{DecodeError, ProofError};
use crate::layout;
use crate::merkle::{EMPTY_NODE, MerkleProof, MerkleTree, leaf_hashes_into};
use crate::metadata::BlobMetadata;
use crate::rs;
use crate::sliver::{Axis, Sliver};
use crate::verify::{check_shape, committed_hash, source_symbols, verify_sliver};

/// One symbol for rebuilding sliver `target_index` on the axis opposite to `source_axis`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverySymbol {
    /// Axis of the sliver that produced this symbol.
    pub source_axis: Axis,
    /// Index of the sliver that produced this symbol (its position in the target's axis).
    pub source_index: u16,
    /// Index of the sliver being rebuilt (the leaf index in the source sliver's tree).
    pub target_index: u16,
    pub symbol: Vec<u8>,
    /// Path from the symbol up to the source sliver's committed hash.
    pub proof: MerkleProof,
}

impl RecoverySymbol {
    /// Checks the symbol against the source sliver's hash in `metadata`.
    pub fn verify(&self, metadata: &BlobMetadata) -> Result<(), ProofError> {
        let n = metadata.n_shards();
        let source = usize::from(self.source_index);
        if source >= n {
            return Err(ProofError::IndexOutOfRange {
                index: source,
                leaves: n,
            });
        }
        let root = committed_hash(metadata, self.source_axis, source);
        self.proof
            .verify(&root, &self.symbol, usize::from(self.target_index), n)
    }
}

/// The symbol that `source` (a sliver this node holds) contributes to rebuilding sliver
/// `target_index` of the other axis.
pub fn recovery_symbol(
    metadata: &BlobMetadata,
    source: &Sliver,
    target_index: usize,
) -> Result<RecoverySymbol, DecodeError> {
    Ok(recovery_symbols(metadata, source, &[target_index])?
        .pop()
        .expect("one symbol per target"))
}

/// The symbols `source` contributes to rebuilding each sliver of `targets` (indices on the
/// other axis), in order.
///
/// The sliver is expanded and its tree built once for all targets: a node serving a peer that
/// rebuilds many pairs pays one expansion per stored sliver, not one per symbol.
pub fn recovery_symbols(
    metadata: &BlobMetadata,
    source: &Sliver,
    targets: &[usize],
) -> Result<Vec<RecoverySymbol>, DecodeError> {
    let (config, symbol_size) = metadata.checked_config()?;
    check_shape(&config, symbol_size, source)?;
    let n = config.n_shards();
    if let Some(&index) = targets.iter().find(|&&t| t >= n) {
        return Err(DecodeError::IndexOutOfRange { index, n_shards: n });
    }
    let expanded = crate::verify::expand(&config, source);
    // The tree over the same expansion (`sliver_tree` would expand the sliver again), its
    // leaves hashed in SIMD batches.
    let mut leaves = vec![EMPTY_NODE; n];
    leaf_hashes_into(&expanded, symbol_size, &mut leaves, &mut Vec::new());
    let tree = MerkleTree::from_leaf_hashes(leaves);
    targets
        .iter()
        .map(|&target_index| {
            let proof = tree
                .proof(target_index)
                .map_err(|_| DecodeError::IndexOutOfRange {
                    index: target_index,
                    n_shards: n,
                })?;
            Ok(RecoverySymbol {
                source_axis: source.axis,
                source_index: source.index,
                target_index: target_index as u16,
                symbol: expanded[target_index * symbol_size..(target_index + 1) * symbol_size]
                    .to_vec(),
                proof,
            })
        })
        .collect()
}

/// Rebuilds sliver `target_index` on `target_axis` from recovery symbols of the other axis.
///
/// Needs `s` valid symbols for a primary sliver and `p` for a secondary one, from distinct
/// source slivers. Symbols failing their proofs are skipped; the rebuilt sliver is checked
/// against the metadata before it is returned.
pub fn recover_sliver(
    metadata: &BlobMetadata,
    target_axis: Axis,
    target_index: usize,
    symbols: &[RecoverySymbol],
) -> Result<Sliver, DecodeError> {
    let (config, sym) = metadata.checked_config()?;
    let n = config.n_shards();
    if target_index >= n {
        return Err(DecodeError::IndexOutOfRange {
            index: target_index,
            n_shards: n,
        });
    }
    let source_axis = match target_axis {
        Axis::Primary => Axis::Secondary,
        Axis::Secondary => Axis::Primary,
    };
    let needed = source_symbols(&config, target_axis);
    let shard_len = layout::packed_len(1, sym);
    let mut seen = vec![false; n];
    let mut shards: Vec<(usize, Vec<u8>)> = Vec::with_capacity(needed);
    let mut first_bad = None;
    for symbol in symbols {
        if shards.len() == needed {
            break;
        }
        let source = usize::from(symbol.source_index);
        let usable = symbol.source_axis == source_axis
            && usize::from(symbol.target_index) == target_index
            && symbol.symbol.len() == sym
            && source < n
            && !seen[source];
        if !usable {
            continue;
        }
        if symbol.verify(metadata).is_err() {
            first_bad.get_or_insert(source);
            continue;
        }
        seen[source] = true;
        let mut shard = vec![0u8; shard_len];
        layout::pack(std::iter::once(&symbol.symbol[..]), sym, &mut shard);
        shards.push((source, shard));
    }
    if shards.len() < needed {
        return Err(match first_bad {
            Some(source_index) => DecodeError::InvalidRecoverySymbol { source_index },
            None => DecodeError::NotEnoughSlivers {
                needed,
                got: shards.len(),
                what: "recovery symbols",
            },
        });
    }
    let refs: Vec<(usize, &[u8])> = shards.iter().map(|(i, s)| (*i, s.as_slice())).collect();
    let packed = rs::decode_sources(&refs, needed, n, shard_len);
    let mut data = vec![0u8; needed * sym];
    for (k, shard) in packed.chunks_exact(shard_len).enumerate() {
        layout::unpack_symbol(shard, 0, sym, &mut data[k * sym..(k + 1) * sym]);
    }
    let sliver = Sliver {
        axis: target_axis,
        index: target_index as u16,
        symbol_size: sym as u16,
        data,
    };
    verify_sliver(metadata, &sliver)?;
    Ok(sliver)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EncodingConfig;

    /// The batched form gives, target by target, exactly the single-target symbols.
    #[test]
    fn batched_symbols_match_single_ones() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let config = EncodingConfig::new(10).expect("10 shards");
        let (metadata, pairs) = crate::encode(&config, &data).expect("encodes");
        let targets = [0usize, 3, 9, 3];
        for source in [&pairs[2].primary, &pairs[5].secondary] {
            let batch = recovery_symbols(&metadata, source, &targets).expect("symbols");
            assert_eq!(batch.len(), targets.len());
            for (symbol, &target) in batch.iter().zip(&targets) {
                assert_eq!(
                    *symbol,
                    recovery_symbol(&metadata, source, target).expect("symbol")
                );
                symbol.verify(&metadata).expect("valid proof");
            }
        }
        assert!(recovery_symbols(&metadata, &pairs[0].primary, &[10]).is_err());
    }
}

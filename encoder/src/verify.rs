//! Checking slivers against blob metadata.

use rayon::prelude::*;

use crate::config::EncodingConfig;
use crate::error::DecodeError;
use crate::merkle::{Digest, EMPTY_NODE, MerkleTree, leaf_hashes_into, roots_of_chunk};
use crate::metadata::BlobMetadata;
use crate::rs;
use crate::sliver::{Axis, Sliver};

/// Source symbols along `axis` (a primary sliver holds `s`, a secondary one `p`).
pub(crate) fn source_symbols(config: &EncodingConfig, axis: Axis) -> usize {
    match axis {
        Axis::Primary => config.n_secondary_source(),
        Axis::Secondary => config.n_primary_source(),
    }
}

/// The sliver's `n` symbols after expanding it along its axis.
pub fn expand(config: &EncodingConfig, sliver: &Sliver) -> Vec<u8> {
    rs::expand_axis(
        &sliver.data,
        source_symbols(config, sliver.axis),
        config.n_shards(),
        usize::from(sliver.symbol_size),
    )
}

/// Leaf hashes of the sliver's `n` expanded symbols.
fn sliver_leaves(config: &EncodingConfig, sliver: &Sliver) -> Vec<Digest> {
    let expanded = expand(config, sliver);
    let mut leaves = vec![EMPTY_NODE; config.n_shards()];
    leaf_hashes_into(
        &expanded,
        usize::from(sliver.symbol_size),
        &mut leaves,
        &mut Vec::new(),
    );
    leaves
}

/// The Merkle tree over the sliver's expanded symbols, kept whole for proofs.
pub fn sliver_tree(config: &EncodingConfig, sliver: &Sliver) -> MerkleTree {
    MerkleTree::from_leaf_hashes(sliver_leaves(config, sliver))
}

/// The hash the metadata must hold for this sliver.
pub fn sliver_hash(config: &EncodingConfig, sliver: &Sliver) -> Digest {
    // Only the root is needed: hash the levels in SIMD batches instead of keeping the tree.
    roots_of_chunk(&sliver_leaves(config, sliver), 1, config.n_shards())[0]
}

/// The committed hash of sliver `index` on `axis`.
pub fn committed_hash(metadata: &BlobMetadata, axis: Axis, index: usize) -> Digest {
    let n = metadata.n_shards();
    match axis {
        Axis::Primary => metadata.hashes[index].primary,
        Axis::Secondary => metadata.hashes[n - 1 - index].secondary,
    }
}

/// Checks shape (index, symbol size, length) before any hashing.
pub(crate) fn check_shape(
    config: &EncodingConfig,
    symbol_size: usize,
    sliver: &Sliver,
) -> Result<(), DecodeError> {
    let n = config.n_shards();
    let index = usize::from(sliver.index);
    if index >= n {
        return Err(DecodeError::IndexOutOfRange { index, n_shards: n });
    }
    let expected = source_symbols(config, sliver.axis) * symbol_size;
    if usize::from(sliver.symbol_size) != symbol_size || sliver.data.len() != expected {
        return Err(DecodeError::WrongSliverLength {
            axis: sliver.axis.name(),
            index,
            expected,
            got: sliver.data.len(),
        });
    }
    Ok(())
}

/// Checks that `sliver` is exactly the sliver the metadata commits to.
pub fn verify_sliver(metadata: &BlobMetadata, sliver: &Sliver) -> Result<(), DecodeError> {
    let (config, symbol_size) = metadata.checked_config()?;
    check_shape(&config, symbol_size, sliver)?;
    let index = usize::from(sliver.index);
    if sliver_hash(&config, sliver) == committed_hash(metadata, sliver.axis, index) {
        Ok(())
    } else {
        Err(DecodeError::SliverMismatch {
            axis: sliver.axis.name(),
            index,
        })
    }
}

/// Verifies many slivers in parallel; returns one result per sliver.
pub fn verify_slivers(
    metadata: &BlobMetadata,
    slivers: &[&Sliver],
) -> Vec<Result<(), DecodeError>> {
    slivers
        .par_iter()
        .map(|sliver| verify_sliver(metadata, sliver))
        .collect()
}

//! Walrus's Merkle tree: Blake2b-256, leaf = H(0x00 ‖ data), inner = H(0x01 ‖ left ‖ right);
//! a level with an odd number of nodes gets one all-zero node appended; the root of a one-leaf
//! tree is its leaf hash.
//!
//! Hashing dominates the cost of a blob ID (n² leaves plus 2n trees), so the batch functions
//! here hash many independent messages of one length side by side: eight lanes at once with
//! AVX-512 (`blake2b_x8`), else four with AVX2 (`blake2b_x4`), else through
//! `blake2b_simd::many`.

use blake2b_simd::Params;
use blake2b_simd::many::{HashManyJob, hash_many};
use rayon::prelude::*;

use crate::error::ProofError;
use crate::{blake2b_x4, blake2b_x8};

/// A 32-byte Blake2b-256 digest.
pub type Digest = [u8; 32];

/// The node that pads a level with an odd number of nodes.
pub const EMPTY_NODE: Digest = [0; 32];

const LEAF_PREFIX: u8 = 0;
const INNER_PREFIX: u8 = 1;

fn params() -> Params {
    let mut params = Params::new();
    params.hash_length(32);
    params
}

fn to_digest(hash: blake2b_simd::Hash) -> Digest {
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// Blake2b with a 256-bit output.
pub fn blake2b256(data: &[u8]) -> Digest {
    to_digest(params().hash(data))
}

/// `H(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Digest {
    let mut state = params().to_state();
    state.update(&[LEAF_PREFIX]);
    state.update(data);
    to_digest(state.finalize())
}

/// `H(0x01 ‖ left ‖ right)`.
pub fn inner_hash(left: &Digest, right: &Digest) -> Digest {
    let mut input = [0u8; 65];
    input[0] = INNER_PREFIX;
    input[1..33].copy_from_slice(left);
    input[33..].copy_from_slice(right);
    blake2b256(&input)
}

/// Number of levels above the leaves: the length of every proof in a tree of `n_leaves`.
pub fn depth(n_leaves: usize) -> usize {
    if n_leaves <= 1 {
        0
    } else {
        (usize::BITS - (n_leaves - 1).leading_zeros()) as usize
    }
}

/// Hashes `out.len()` messages `prefix ‖ data[i·stride .. i·stride + len]` with the widest
/// in-place kernel this CPU runs: eight lanes with AVX-512, else four with AVX2. Returns false,
/// touching nothing, when neither is available.
fn hash_strided_simd(
    data: &[u8],
    stride: usize,
    len: usize,
    prefix: Option<u8>,
    out: &mut [Digest],
) -> bool {
    blake2b_x8::hash_strided(data, stride, len, prefix, out)
        || blake2b_x4::hash_strided(data, stride, len, prefix, out)
}

/// Hashes `count` items of `stride` bytes laid out back to back in `inputs`, each already
/// carrying its prefix byte, into `out`: eight lanes at a time with AVX-512, four with AVX2,
/// else through `blake2b_simd`.
// The encoder itself now hashes unprefixed data in place; kept for crate code that batches
// ready-made items.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn hash_items(inputs: &[u8], stride: usize, out: &mut [Digest]) {
    let count = out.len().min(inputs.len() / stride);
    if !hash_strided_simd(inputs, stride, stride, None, &mut out[..count]) {
        hash_items_portable(inputs, stride, out);
    }
}

/// [`hash_items`] with `blake2b_simd` alone.
fn hash_items_portable(inputs: &[u8], stride: usize, out: &mut [Digest]) {
    let params = params();
    let mut jobs: Vec<HashManyJob<'_>> = inputs
        .chunks_exact(stride)
        .map(|item| HashManyJob::new(&params, item))
        .collect();
    hash_many(jobs.iter_mut());
    for (digest, job) in out.iter_mut().zip(&jobs) {
        *digest = to_digest(job.to_hash());
    }
}

/// Hashes `out.len()` messages `prefix ‖ data[i·stride .. i·stride + len]`.
fn hash_prefixed(
    data: &[u8],
    stride: usize,
    len: usize,
    prefix: u8,
    out: &mut [Digest],
    scratch: &mut Vec<u8>,
) {
    if !hash_strided_simd(data, stride, len, Some(prefix), out) {
        hash_prefixed_portable(data, stride, len, prefix, out, scratch);
    }
}

/// [`hash_prefixed`] with `blake2b_simd` alone: the prefixed items are copied into `scratch`.
fn hash_prefixed_portable(
    data: &[u8],
    stride: usize,
    len: usize,
    prefix: u8,
    out: &mut [Digest],
    scratch: &mut Vec<u8>,
) {
    let item = len + 1;
    scratch.clear();
    scratch.resize(out.len() * item, 0);
    for (i, dst) in scratch.chunks_exact_mut(item).enumerate() {
        dst[0] = prefix;
        dst[1..].copy_from_slice(&data[i * stride..i * stride + len]);
    }
    hash_items_portable(scratch, item, out);
}

/// Leaf hashes of `count` symbols of `symbol_size` bytes stored contiguously in `symbols`.
///
/// With AVX-512 or AVX2 the symbols are hashed in place; otherwise the prefix byte forces one
/// copy per symbol, and `scratch` is reused across calls to keep that copy allocation-free.
pub(crate) fn leaf_hashes_into(
    symbols: &[u8],
    symbol_size: usize,
    out: &mut [Digest],
    scratch: &mut Vec<u8>,
) {
    debug_assert_eq!(out.len(), symbols.len() / symbol_size);
    hash_prefixed(symbols, symbol_size, symbol_size, LEAF_PREFIX, out, scratch);
}

/// Flattens digests into bytes.
fn as_bytes(digests: &[Digest]) -> &[u8] {
    digests.as_flattened()
}

/// Copies `trees` trees of `width` nodes into `out`, each padded with one empty node when
/// `width` is odd, so that every tree's nodes pair up in place.
fn pad_trees(level: &[Digest], trees: usize, width: usize, out: &mut Vec<Digest>) {
    out.clear();
    out.reserve(trees * (width + 1));
    for tree in level.chunks_exact(width).take(trees) {
        out.extend_from_slice(tree);
        out.push(EMPTY_NODE);
    }
}

/// Roots of `trees` trees of `width` leaves each, stored tree after tree in `leaves`.
pub(crate) fn roots_of_chunk(leaves: &[Digest], trees: usize, width: usize) -> Vec<Digest> {
    roots_of_chunk_with(leaves, trees, width, &mut LevelBuffers::default())
}

/// The levels between leaves and roots, kept by a caller that builds tree after tree: fresh
/// buffers of a megabyte per batch of trees cost as much in page faults as a tenth of the
/// hashing.
#[derive(Default)]
pub(crate) struct LevelBuffers {
    scratch: Vec<u8>,
    padded: Vec<Digest>,
    parents: Vec<Digest>,
}

/// [`roots_of_chunk`] with the levels in `buffers`.
pub(crate) fn roots_of_chunk_with(
    leaves: &[Digest],
    trees: usize,
    width: usize,
    buffers: &mut LevelBuffers,
) -> Vec<Digest> {
    let LevelBuffers {
        scratch,
        padded,
        parents,
    } = buffers;
    // The first level reads the leaves in place when their count per tree is even.
    let mut level_width = width;
    let mut from_padded = false;
    if width % 2 == 1 && width > 1 {
        pad_trees(leaves, trees, width, padded);
        from_padded = true;
    }
    if width == 1 {
        return leaves[..trees].to_vec();
    }
    loop {
        let parent_width = level_width.div_ceil(2);
        let source: &[Digest] = if from_padded { padded } else { leaves };
        // Every parent is written by the hashing below.
        crate::pool::resize_for_overwrite(parents, trees * parent_width, EMPTY_NODE);
        hash_prefixed(as_bytes(source), 64, 64, INNER_PREFIX, parents, scratch);
        level_width = parent_width;
        if level_width == 1 {
            return parents[..trees].to_vec();
        }
        if level_width.is_multiple_of(2) {
            std::mem::swap(padded, parents);
        } else {
            pad_trees(parents, trees, level_width, padded);
        }
        from_padded = true;
    }
}

/// Roots of many trees of the same width, leaves given tree after tree.
///
/// Trees are processed level by level together so that each level is one batch of
/// independent hashes.
pub fn roots_of_trees(leaves: &[Digest], width: usize) -> Vec<Digest> {
    assert!(
        width > 0 && leaves.len().is_multiple_of(width),
        "whole trees"
    );
    const TREES_PER_TASK: usize = 16;
    leaves
        .par_chunks(width * TREES_PER_TASK)
        .flat_map_iter(|chunk| roots_of_chunk(chunk, chunk.len() / width, width))
        .collect()
}

/// A full Merkle tree kept level by level, for proofs.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    /// `levels[0]` are the leaf hashes; the last level holds the root alone.
    levels: Vec<Vec<Digest>>,
}

impl MerkleTree {
    /// Builds the tree over already-hashed leaves.
    pub fn from_leaf_hashes(leaves: Vec<Digest>) -> Self {
        assert!(!leaves.is_empty(), "a Merkle tree needs at least one leaf");
        let mut levels = vec![leaves];
        while levels.last().map_or(0, Vec::len) > 1 {
            let level = levels.last().expect("non-empty");
            let parents = level
                .chunks(2)
                .map(|pair| inner_hash(&pair[0], pair.get(1).unwrap_or(&EMPTY_NODE)))
                .collect();
            levels.push(parents);
        }
        Self { levels }
    }

    /// Builds the tree over raw leaf data.
    pub fn from_leaves<'a>(leaves: impl IntoIterator<Item = &'a [u8]>) -> Self {
        Self::from_leaf_hashes(leaves.into_iter().map(leaf_hash).collect())
    }

    /// The root hash.
    pub fn root(&self) -> Digest {
        self.levels.last().expect("at least the leaf level")[0]
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.levels[0].len()
    }

    /// Always false: a tree has at least one leaf.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The sibling path from leaf `index` to the root, lowest level first.
    pub fn proof(&self, index: usize) -> Result<MerkleProof, ProofError> {
        if index >= self.len() {
            return Err(ProofError::IndexOutOfRange {
                index,
                leaves: self.len(),
            });
        }
        let mut path = Vec::with_capacity(self.levels.len() - 1);
        let mut at = index;
        for level in &self.levels[..self.levels.len() - 1] {
            path.push(*level.get(at ^ 1).unwrap_or(&EMPTY_NODE));
            at /= 2;
        }
        Ok(MerkleProof { path })
    }
}

/// Sibling hashes from a leaf up to the root, lowest level first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleProof {
    pub path: Vec<Digest>,
}

impl MerkleProof {
    /// The root this proof leads to from `leaf` (a leaf hash) at `index`.
    pub fn root_from_leaf_hash(&self, mut leaf: Digest, mut index: usize) -> Digest {
        for sibling in &self.path {
            leaf = if index.is_multiple_of(2) {
                inner_hash(&leaf, sibling)
            } else {
                inner_hash(sibling, &leaf)
            };
            index /= 2;
        }
        leaf
    }

    /// Checks that `data` is leaf `index` of the tree with `root` and `n_leaves` leaves.
    ///
    /// The depth is checked too: a shorter or longer path could otherwise prove an inner node
    /// or a node of a different tree shape.
    pub fn verify(
        &self,
        root: &Digest,
        data: &[u8],
        index: usize,
        n_leaves: usize,
    ) -> Result<(), ProofError> {
        self.verify_leaf_hash(root, leaf_hash(data), index, n_leaves)
    }

    /// Like [`verify`](Self::verify) for a leaf given by its hash.
    pub fn verify_leaf_hash(
        &self,
        root: &Digest,
        leaf: Digest,
        index: usize,
        n_leaves: usize,
    ) -> Result<(), ProofError> {
        if index >= n_leaves {
            return Err(ProofError::IndexOutOfRange {
                index,
                leaves: n_leaves,
            });
        }
        let expected = depth(n_leaves);
        if self.path.len() != expected {
            return Err(ProofError::WrongDepth {
                got: self.path.len(),
                expected,
                leaves: n_leaves,
            });
        }
        if self.root_from_leaf_hash(leaf, index) == *root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leaf_root_is_its_leaf_hash() {
        let tree = MerkleTree::from_leaves([&b"Test"[..]]);
        assert_eq!(tree.root(), leaf_hash(b"Test"));
        assert_eq!(tree.proof(0).expect("in range").path.len(), 0);
    }

    #[test]
    fn odd_levels_are_padded_with_zero_nodes() {
        let leaves: Vec<&[u8]> = vec![b"a", b"b", b"c"];
        let tree = MerkleTree::from_leaves(leaves.iter().copied());
        let left = inner_hash(&leaf_hash(b"a"), &leaf_hash(b"b"));
        let right = inner_hash(&leaf_hash(b"c"), &EMPTY_NODE);
        assert_eq!(tree.root(), inner_hash(&left, &right));
    }

    #[test]
    fn proofs_verify_and_reject_tampering() {
        for n in 1..20usize {
            let data: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; 3]).collect();
            let tree = MerkleTree::from_leaves(data.iter().map(Vec::as_slice));
            for (i, leaf) in data.iter().enumerate() {
                let proof = tree.proof(i).expect("in range");
                assert_eq!(proof.path.len(), depth(n));
                proof.verify(&tree.root(), leaf, i, n).expect("valid");
                assert!(proof.verify(&tree.root(), b"zz", i, n).is_err());
                if n > 1 {
                    assert!(proof.verify(&tree.root(), leaf, (i + 1) % n, n).is_err());
                    let mut bad = proof.clone();
                    bad.path[0][5] ^= 1;
                    assert_eq!(
                        bad.verify(&tree.root(), leaf, i, n),
                        Err(ProofError::RootMismatch)
                    );
                }
            }
        }
    }

    #[test]
    fn batched_roots_equal_single_trees() {
        for width in [1usize, 2, 3, 7, 33] {
            let leaves: Vec<Digest> = (0..width * 40)
                .map(|i| leaf_hash(&(i as u32).to_le_bytes()))
                .collect();
            let roots = roots_of_trees(&leaves, width);
            for (tree, root) in leaves.chunks(width).zip(&roots) {
                assert_eq!(MerkleTree::from_leaf_hashes(tree.to_vec()).root(), *root);
            }
        }
    }

    #[test]
    fn portable_batch_hashing_matches_single_hashes() {
        // The path taken on CPUs without AVX-512 or AVX2.
        let data: Vec<u8> = (0..4000u32).map(|i| (i * 13 + 5) as u8).collect();
        for (len, stride) in [(1usize, 1usize), (6, 6), (64, 64), (64, 70), (302, 302)] {
            let count = (data.len() - len) / stride + 1;
            let mut out = vec![EMPTY_NODE; count];
            hash_prefixed_portable(&data, stride, len, LEAF_PREFIX, &mut out, &mut Vec::new());
            for (i, digest) in out.iter().enumerate() {
                assert_eq!(*digest, leaf_hash(&data[i * stride..i * stride + len]));
            }
            let mut items = vec![EMPTY_NODE; data.len() / stride];
            let mut fast = items.clone();
            hash_items_portable(&data, stride, &mut items);
            hash_items(&data, stride, &mut fast);
            assert_eq!(items, fast);
            for (i, digest) in items.iter().enumerate() {
                assert_eq!(*digest, blake2b256(&data[i * stride..(i + 1) * stride]));
            }
        }
    }

    #[test]
    fn batched_leaf_hashes_match() {
        let symbols: Vec<u8> = (0..600u32).map(|i| (i * 7) as u8).collect();
        for size in [2usize, 6, 200] {
            let mut out = vec![EMPTY_NODE; symbols.len() / size];
            leaf_hashes_into(
                &symbols[..out.len() * size],
                size,
                &mut out,
                &mut Vec::new(),
            );
            for (i, digest) in out.iter().enumerate() {
                assert_eq!(*digest, leaf_hash(&symbols[i * size..(i + 1) * size]));
            }
        }
    }
}

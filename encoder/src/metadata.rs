//! Blob metadata: the per-pair sliver hashes that commit to every symbol, and the blob root.

use crate::blob_id::BlobId;
use crate::config::{ENCODING_TYPE_RS2, EncodingConfig};
use crate::error::DecodeError;
use crate::merkle::{Digest, MerkleTree, leaf_hash};

/// The hashes of sliver pair `i`: of primary sliver `i` and of secondary sliver `n − 1 − i`,
/// each the Merkle root over that sliver's `n` expanded symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliverPairHashes {
    pub primary: Digest,
    pub secondary: Digest,
}

impl SliverPairHashes {
    /// The pair's leaf in the blob-root tree: `H(0x00 ‖ primary ‖ secondary)`.
    pub fn leaf_hash(&self) -> Digest {
        let mut data = [0u8; 64];
        data[..32].copy_from_slice(&self.primary);
        data[32..].copy_from_slice(&self.secondary);
        leaf_hash(&data)
    }
}

/// Everything a reader or storage node needs to check slivers of one blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMetadata {
    pub encoding_type: u8,
    pub unencoded_length: u64,
    /// One entry per sliver pair, in pair order.
    pub hashes: Vec<SliverPairHashes>,
}

impl BlobMetadata {
    /// The Merkle tree over the pair leaves; its root is the blob root.
    pub fn pair_tree(&self) -> MerkleTree {
        MerkleTree::from_leaf_hashes(
            self.hashes
                .iter()
                .map(SliverPairHashes::leaf_hash)
                .collect(),
        )
    }

    /// The blob root hash (what the chain stores as `root_hash`).
    pub fn root(&self) -> Digest {
        self.pair_tree().root()
    }

    /// The blob ID these hashes commit to.
    pub fn blob_id(&self) -> BlobId {
        BlobId::from_root(self.encoding_type, self.unencoded_length, &self.root())
    }

    /// Number of shards the blob was encoded for.
    pub fn n_shards(&self) -> usize {
        self.hashes.len()
    }

    /// The config and symbol size this metadata implies, or why it is unusable.
    pub fn checked_config(&self) -> Result<(EncodingConfig, usize), DecodeError> {
        if self.encoding_type != ENCODING_TYPE_RS2 {
            return Err(DecodeError::MalformedMetadata(format!(
                "encoding type {} is not RS2 ({ENCODING_TYPE_RS2})",
                self.encoding_type
            )));
        }
        let config = EncodingConfig::new(self.hashes.len())?;
        let symbol_size = config.symbol_size(self.unencoded_length)?;
        Ok((config, symbol_size))
    }

    /// Checks that this metadata is the one `blob_id` names.
    pub fn verify(&self, blob_id: &BlobId) -> Result<(), DecodeError> {
        let actual = self.blob_id();
        if actual == *blob_id {
            Ok(())
        } else {
            Err(DecodeError::BlobIdMismatch {
                expected: blob_id.to_string(),
                actual: actual.to_string(),
            })
        }
    }

    /// Serialises as `blob ID (32) ‖ encoding type (1) ‖ length (u64 LE) ‖ n (u32 LE) ‖ n × (primary
    /// hash ‖ secondary hash)`; the blob ID lets a reader check the file on its own.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(45 + 64 * self.hashes.len());
        out.extend_from_slice(self.blob_id().as_bytes());
        out.push(self.encoding_type);
        out.extend_from_slice(&self.unencoded_length.to_le_bytes());
        out.extend_from_slice(&(self.hashes.len() as u32).to_le_bytes());
        for pair in &self.hashes {
            out.extend_from_slice(&pair.primary);
            out.extend_from_slice(&pair.secondary);
        }
        out
    }

    /// Parses [`to_bytes`](Self::to_bytes) output and checks the embedded blob ID.
    pub fn from_bytes(bytes: &[u8]) -> Result<(BlobId, Self), DecodeError> {
        let malformed = |what: &str| DecodeError::MalformedMetadata(what.to_owned());
        if bytes.len() < 45 {
            return Err(malformed("shorter than its 45-byte header"));
        }
        let blob_id = BlobId(bytes[..32].try_into().expect("32 bytes"));
        let encoding_type = bytes[32];
        let unencoded_length = u64::from_le_bytes(bytes[33..41].try_into().expect("8 bytes"));
        let n = u32::from_le_bytes(bytes[41..45].try_into().expect("4 bytes")) as usize;
        let body = &bytes[45..];
        if body.len() != 64 * n {
            return Err(malformed("length does not match its pair count"));
        }
        let hashes = body
            .chunks_exact(64)
            .map(|pair| SliverPairHashes {
                primary: pair[..32].try_into().expect("32 bytes"),
                secondary: pair[32..].try_into().expect("32 bytes"),
            })
            .collect();
        let metadata = Self {
            encoding_type,
            unencoded_length,
            hashes,
        };
        metadata.verify(&blob_id)?;
        Ok((blob_id, metadata))
    }
}

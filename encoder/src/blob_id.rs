//! The blob ID: the 32-byte commitment that names a blob everywhere (CLI, chain, nodes).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::merkle::{Digest, blake2b256};

/// `Blake2b-256(encoding type ‖ unencoded length (u64 LE) ‖ blob root)`.
///
/// Printed as unpadded base64url like Walrus. On-chain it is a `u256` read little-endian from
/// these bytes, so `bcs::to_bytes` of that `u256` gives back exactly these 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(pub [u8; 32]);

impl BlobId {
    /// Derives the blob ID from the three values the chain also sees.
    pub fn from_root(encoding_type: u8, unencoded_length: u64, root: &Digest) -> Self {
        let mut input = [0u8; 1 + 8 + 32];
        input[0] = encoding_type;
        input[1..9].copy_from_slice(&unencoded_length.to_le_bytes());
        input[9..].copy_from_slice(root);
        Self(blake2b256(&input))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The shard-assignment rotation: the ID read as a big-endian integer, mod `n_shards`.
    ///
    /// Sliver pair `i` is stored by shard `(i + rotation) mod n`, which spreads the systematic
    /// pairs of different blobs over different nodes.
    pub fn rotation(&self, n_shards: usize) -> usize {
        let n = n_shards as u64;
        self.0
            .iter()
            .fold(0u64, |acc, &byte| (acc * 256 + u64::from(byte)) % n) as usize
    }

    /// The shard that holds sliver pair `pair`.
    pub fn shard_for_pair(&self, pair: usize, n_shards: usize) -> usize {
        (pair + self.rotation(n_shards)) % n_shards
    }

    /// The sliver pair that shard `shard` holds.
    pub fn pair_for_shard(&self, shard: usize, n_shards: usize) -> usize {
        (shard + n_shards - self.rotation(n_shards)) % n_shards
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({self})")
    }
}

/// A string that is not an unpadded base64url encoding of 32 bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a blob ID (43 characters of unpadded base64url): {0:?}")]
pub struct InvalidBlobId(pub String);

impl FromStr for BlobId {
    type Err = InvalidBlobId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| InvalidBlobId(s.to_owned()))?;
        let array: [u8; 32] = bytes.try_into().map_err(|_| InvalidBlobId(s.to_owned()))?;
        Ok(Self(array))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_round_trips() {
        let id = BlobId([7u8; 32]);
        let text = id.to_string();
        assert_eq!(text.len(), 43);
        assert_eq!(text.parse::<BlobId>().expect("valid"), id);
        assert!("not-an-id".parse::<BlobId>().is_err());
    }

    #[test]
    fn rotation_reads_big_endian() {
        let mut bytes = [0u8; 32];
        bytes[30] = 1;
        bytes[31] = 2; // 258
        let id = BlobId(bytes);
        assert_eq!(id.rotation(1000), 258);
        assert_eq!(id.rotation(7), 258 % 7);
        for pair in 0..7 {
            assert_eq!(id.pair_for_shard(id.shard_for_pair(pair, 7), 7), pair);
        }
    }
}

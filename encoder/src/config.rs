//! Encoding parameters for a committee of `n` shards.

use crate::error::EncodeError;

/// Walrus's RS2 encoding type byte; part of every blob ID.
pub const ENCODING_TYPE_RS2: u8 = 1;

/// The largest symbol reed-solomon-simd accepts for Walrus compatibility: a `u16`, rounded down
/// to even because GF(2^16) symbols are made of byte pairs.
pub const MAX_SYMBOL_SIZE: usize = 65_534;

/// Shard counts below 4 have no fault tolerance (f = 0), and above `u16::MAX` the shard index
/// no longer fits the on-wire `u16`.
pub const MIN_SHARDS: usize = 4;
pub const MAX_SHARDS: usize = u16::MAX as usize;

/// The RS2 parameters derived from the shard count.
///
/// With `f = ⌊(n−1)/3⌋`, the blob fills a `p × s` grid of symbols where `p = n − 2f` (primary
/// source symbols: rows) and `s = n − f` (secondary source symbols: columns). Both axes are then
/// expanded to `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodingConfig {
    n_shards: usize,
}

impl EncodingConfig {
    /// A config for `n_shards`, which must lie in `4..=65535`.
    pub fn new(n_shards: usize) -> Result<Self, EncodeError> {
        if !(MIN_SHARDS..=MAX_SHARDS).contains(&n_shards) {
            return Err(EncodeError::InvalidShardCount(n_shards));
        }
        Ok(Self { n_shards })
    }

    /// Total number of shards (and of sliver pairs).
    pub fn n_shards(&self) -> usize {
        self.n_shards
    }

    /// Maximum number of faulty shards tolerated.
    pub fn max_faulty(&self) -> usize {
        (self.n_shards - 1) / 3
    }

    /// Source symbols per primary sliver's column, i.e. rows of the source grid (`n − 2f`).
    pub fn n_primary_source(&self) -> usize {
        self.n_shards - 2 * self.max_faulty()
    }

    /// Source symbols per primary sliver, i.e. columns of the source grid (`n − f`).
    pub fn n_secondary_source(&self) -> usize {
        self.n_shards - self.max_faulty()
    }

    /// Number of symbols in the source grid.
    pub fn source_symbols(&self) -> usize {
        self.n_primary_source() * self.n_secondary_source()
    }

    /// The largest blob this config can encode.
    pub fn max_blob_size(&self) -> u64 {
        self.source_symbols() as u64 * MAX_SYMBOL_SIZE as u64
    }

    /// Symbol size for a blob of `len` bytes: `⌈max(len, 1) / (p·s)⌉` rounded up to even.
    pub fn symbol_size(&self, len: u64) -> Result<usize, EncodeError> {
        let per_symbol = len.max(1).div_ceil(self.source_symbols() as u64);
        let even = per_symbol + (per_symbol % 2);
        if even > MAX_SYMBOL_SIZE as u64 {
            return Err(EncodeError::BlobTooLarge {
                len,
                max: self.max_blob_size(),
                n_shards: self.n_shards,
            });
        }
        Ok(even as usize)
    }

    /// Bytes the whole committee stores for a blob of `len` bytes; what `floe::blob` charges for.
    ///
    /// Every shard keeps its sliver pair (`(p + s)` symbols) and a copy of the metadata (two
    /// 32-byte hashes per pair), so the total is `n · ((p + s) · symbol_size + 64 · n)`. The Move
    /// package computes the same number on-chain.
    pub fn encoded_size(&self, len: u64) -> Result<u64, EncodeError> {
        let symbol_size = self.symbol_size(len)? as u64;
        let n = self.n_shards as u64;
        let per_shard =
            (self.n_primary_source() + self.n_secondary_source()) as u64 * symbol_size + 64 * n;
        Ok(n * per_shard)
    }

    /// Index of the secondary sliver that belongs to sliver pair `pair`.
    ///
    /// Walrus pairs primary sliver `i` with secondary sliver `n − 1 − i`, so that the systematic
    /// (source) parts of both axes are spread over different shards.
    pub fn secondary_index_of_pair(&self, pair: usize) -> usize {
        self.n_shards - 1 - pair
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_for_1000_shards() {
        let c = EncodingConfig::new(1000).expect("valid");
        assert_eq!(c.max_faulty(), 333);
        assert_eq!(c.n_primary_source(), 334);
        assert_eq!(c.n_secondary_source(), 667);
    }

    #[test]
    fn rejects_out_of_range_shard_counts() {
        assert!(matches!(
            EncodingConfig::new(3),
            Err(EncodeError::InvalidShardCount(3))
        ));
        assert!(matches!(
            EncodingConfig::new(65_536),
            Err(EncodeError::InvalidShardCount(65_536))
        ));
        assert!(EncodingConfig::new(65_535).is_ok());
    }

    #[test]
    fn symbol_size_is_even_and_at_least_two() {
        let c = EncodingConfig::new(4).expect("valid");
        // p = 2, s = 3: six symbols.
        assert_eq!(c.symbol_size(0).expect("fits"), 2);
        assert_eq!(c.symbol_size(6).expect("fits"), 2);
        assert_eq!(c.symbol_size(12).expect("fits"), 2);
        assert_eq!(c.symbol_size(13).expect("fits"), 4);
        assert_eq!(c.symbol_size(18).expect("fits"), 4);
        assert_eq!(c.symbol_size(25).expect("fits"), 6);
    }

    #[test]
    fn too_large_blob_names_the_limit() {
        let c = EncodingConfig::new(4).expect("valid");
        let max = c.max_blob_size();
        assert!(c.symbol_size(max).is_ok());
        let err = c.symbol_size(max + 1).expect_err("too large");
        assert!(err.to_string().contains(&max.to_string()), "{err}");
    }
}

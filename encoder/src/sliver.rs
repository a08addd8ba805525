//! Slivers: what one shard stores of a blob.

use crate::error::DecodeError;
use crate::uleb::{put_uleb, take_uleb};

/// Which axis of the expanded matrix a sliver runs along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    /// A row: `s` symbols; primary sliver `i` belongs to pair `i`.
    Primary,
    /// A column: `p` symbols; secondary sliver `j` belongs to pair `n − 1 − j`.
    Secondary,
}

impl Axis {
    /// Lower-case name, for messages and file names.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Primary => "primary",
            Axis::Secondary => "secondary",
        }
    }
}

/// One sliver: its axis, its sliver index and its symbols back to back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sliver {
    pub axis: Axis,
    pub index: u16,
    pub symbol_size: u16,
    pub data: Vec<u8>,
}

impl Sliver {
    /// Number of symbols.
    pub fn symbol_count(&self) -> usize {
        self.data.len() / usize::from(self.symbol_size)
    }

    /// Symbol `k`.
    pub fn symbol(&self, k: usize) -> &[u8] {
        let size = usize::from(self.symbol_size);
        &self.data[k * size..(k + 1) * size]
    }

    /// The pair this sliver belongs to.
    pub fn pair_index(&self, n_shards: usize) -> usize {
        match self.axis {
            Axis::Primary => usize::from(self.index),
            Axis::Secondary => n_shards - 1 - usize::from(self.index),
        }
    }

    /// Walrus's BCS form of `SliverData`: ULEB128 length ‖ symbols ‖ symbol size (u16 LE) ‖
    /// index (u16 LE). Storage nodes and the oracle exchange slivers in this form.
    pub fn to_bcs(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 10);
        put_uleb(&mut out, self.data.len());
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.symbol_size.to_le_bytes());
        out.extend_from_slice(&self.index.to_le_bytes());
        out
    }

    /// Parses [`to_bcs`](Self::to_bcs) output; the axis is not part of the bytes.
    pub fn from_bcs(axis: Axis, bytes: &[u8]) -> Result<Self, DecodeError> {
        let malformed = |what: &str| DecodeError::MalformedMetadata(format!("sliver: {what}"));
        let mut rest = bytes;
        let len = take_uleb(&mut rest).map_err(|_| malformed("truncated or overlong length"))?;
        let at = bytes.len() - rest.len();
        if bytes.len() != at + len + 4 {
            return Err(malformed("size does not match its length prefix"));
        }
        let data = bytes[at..at + len].to_vec();
        let symbol_size = u16::from_le_bytes([bytes[at + len], bytes[at + len + 1]]);
        let index = u16::from_le_bytes([bytes[at + len + 2], bytes[at + len + 3]]);
        if symbol_size == 0 || !len.is_multiple_of(usize::from(symbol_size)) {
            return Err(malformed("data is not a whole number of symbols"));
        }
        Ok(Self {
            axis,
            index,
            symbol_size,
            data,
        })
    }
}

/// The two slivers a shard stores for one blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliverPair {
    pub primary: Sliver,
    pub secondary: Sliver,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcs_round_trips() {
        for len in [0usize, 4, 200, 20_000] {
            let sliver = Sliver {
                axis: Axis::Secondary,
                index: 513,
                symbol_size: 2,
                data: (0..len).map(|i| i as u8).collect(),
            };
            let bytes = sliver.to_bcs();
            assert_eq!(
                Sliver::from_bcs(Axis::Secondary, &bytes).expect("valid"),
                sliver
            );
            assert!(Sliver::from_bcs(Axis::Secondary, &bytes[..bytes.len() - 1]).is_err());
        }
    }
}

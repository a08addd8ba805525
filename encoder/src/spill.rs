//! Encoding a blob too large to hold its slivers in memory: the parts of the expanded matrix
//! that slivers need and that neither the source nor the metadata hold go to a [`Spill`] the
//! caller provides (files on disk, say), and sliver pairs are read back one at a time.
//!
//! Of a pair's two slivers, primary sliver `i < p` is source row `i` and secondary sliver
//! `j < s` is source column `j`: both are read from the source again. What remains is
//! [`SpillPart::Beyond`] (columns `s..n` of the source rows, about half the blob: the secondary
//! slivers `s..n`) and [`SpillPart::RecoveryRows`] (columns `0..s` of rows `p..n`, about twice
//! the blob: the primary slivers `p..n`). Memory stays at the `n²` leaf hashes (32 MB at
//! n = 1000), one band of source columns (16 MB) and its recovery rows (about 32 MB), whatever
//! the blob's size. The metadata and slivers are the same bytes [`crate::encode`] gives.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::config::EncodingConfig;
use crate::encode::{self, BAND_BYTES, Band, Grid, SliverOut, Workspace};
use crate::error::EncodeError;
use crate::merkle::EMPTY_NODE;
use crate::metadata::BlobMetadata;
use crate::sliver::{Axis, Sliver, SliverPair};
use crate::source::BlobSource;

/// The two spilled parts of the expanded matrix, each row-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpillPart {
    /// Columns `s..n` of source rows `0..p`: `p × (n − s)` symbols.
    Beyond,
    /// Columns `0..s` of rows `p..n`: `(n − p) × s` symbols, row `p + r` at `r · s` symbols.
    RecoveryRows,
}

/// Random-access storage for the spilled parts. Writes come from several threads at once, to
/// disjoint ranges; every byte read was written before.
pub trait Spill: Sync {
    /// Stores `data` at `offset` of `part`.
    fn write_at(&self, part: SpillPart, offset: u64, data: &[u8]) -> Result<(), EncodeError>;

    /// Fills `buf` from `offset` of `part`.
    fn read_at(&self, part: SpillPart, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError>;
}

/// A spill held in memory: for tests, and for blobs small enough that memory is no concern.
#[derive(Debug, Default)]
pub struct MemorySpill {
    beyond: Mutex<Vec<u8>>,
    recovery_rows: Mutex<Vec<u8>>,
}

impl MemorySpill {
    fn part(&self, part: SpillPart) -> &Mutex<Vec<u8>> {
        match part {
            SpillPart::Beyond => &self.beyond,
            SpillPart::RecoveryRows => &self.recovery_rows,
        }
    }
}

impl Spill for MemorySpill {
    fn write_at(&self, part: SpillPart, offset: u64, data: &[u8]) -> Result<(), EncodeError> {
        let mut bytes = self
            .part(part)
            .lock()
            .map_err(|_| EncodeError::Source("a spill writer panicked".into()))?;
        let start = offset as usize;
        if bytes.len() < start + data.len() {
            bytes.resize(start + data.len(), 0);
        }
        bytes[start..start + data.len()].copy_from_slice(data);
        Ok(())
    }

    fn read_at(&self, part: SpillPart, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
        let bytes = self
            .part(part)
            .lock()
            .map_err(|_| EncodeError::Source("a spill writer panicked".into()))?;
        let start = offset as usize;
        let got = bytes
            .get(start..start + buf.len())
            .ok_or_else(|| EncodeError::Source(format!("{part:?} was not written at {offset}")))?;
        buf.copy_from_slice(got);
        Ok(())
    }
}

/// Bytes of each spilled part for a blob of `len` bytes: `(beyond, recovery rows)`. Callers
/// check the room they have before encoding.
pub fn spill_sizes(config: &EncodingConfig, len: u64) -> Result<(u64, u64), EncodeError> {
    let grid = grid(config, len)?;
    let Grid { n, p, s, sym } = grid;
    Ok(((p * (n - s) * sym) as u64, ((n - p) * s * sym) as u64))
}

fn grid(config: &EncodingConfig, len: u64) -> Result<Grid, EncodeError> {
    Ok(Grid {
        n: config.n_shards(),
        p: config.n_primary_source(),
        s: config.n_secondary_source(),
        sym: config.symbol_size(len)?,
    })
}

/// Encodes `source` with bounded memory: returns its metadata and leaves in `spill` what
/// [`spilled_pair`] needs besides the source to give every sliver pair.
///
/// Pass 1 expands the source rows (batch by batch, as [`crate::encode`] does) and spills their
/// part beyond column `s`; pass 2 expands the columns band by band, reading each band of
/// source columns with one read per source row and each band of `beyond` back from the spill,
/// and spills the recovery rows' part of every source band.
pub fn encode_spilled(
    config: &EncodingConfig,
    source: &dyn BlobSource,
    workspace: &mut Workspace,
    spill: &dyn Spill,
) -> Result<BlobMetadata, EncodeError> {
    let len = source.len();
    let grid = grid(config, len)?;
    let Grid { n, p, s, sym } = grid;
    let batch = encode::batch_size(sym);
    let Workspace {
        leaves,
        pool,
        column_leaves,
        ..
    } = workspace;

    // Pass 1: source rows into the leaf matrix; their part beyond `s` into the spill.
    crate::pool::resize_for_overwrite(leaves, n * n, EMPTY_NODE);
    leaves[..p * n]
        .par_chunks_mut(batch * n)
        .enumerate()
        .map(|(b, leaves)| {
            pool.with(|scratch| {
                let rows = leaves.len() / n;
                let mut beyond = std::mem::take(&mut scratch.spilled);
                beyond.resize(rows * (n - s) * sym, 0);
                let result =
                    encode::expand_rows(grid, source, b * batch, leaves, &mut beyond, scratch)
                        .and_then(|()| {
                            let offset = (b * batch * (n - s) * sym) as u64;
                            spill.write_at(SpillPart::Beyond, offset, &beyond)
                        });
                scratch.spilled = beyond;
                result
            })
        })
        .collect::<Result<(), _>>()?;

    // Pass 2: columns in bands of whole batches, the source's first, then `beyond`'s.
    let spans = encode::column_spans(grid, batch);
    let band_columns = (BAND_BYTES / (p * sym)).max(1).div_ceil(batch) * batch;
    let mut data = vec![0u8; p * band_columns.min(s) * sym];
    let mut recovered = vec![0u8; (n - p) * band_columns.min(s) * sym];
    let mut batches = Vec::with_capacity(spans.len());
    for (start, end) in [(0, s), (s, n)] {
        let from_source = start == 0;
        for band_first in (start..end).step_by(band_columns) {
            let width = band_columns.min(end - band_first);
            let data = &mut data[..p * width * sym];
            data.par_chunks_mut(width * sym)
                .enumerate()
                .try_for_each(|(k, row)| {
                    if from_source {
                        source.read_at(((k * s + band_first) * sym) as u64, row)
                    } else {
                        let offset = ((k * (n - s) + band_first - s) * sym) as u64;
                        spill.read_at(SpillPart::Beyond, offset, row)
                    }
                })?;
            let band = Band {
                first: band_first,
                width,
                data,
            };
            let inside: Vec<(usize, usize)> = spans
                .iter()
                .copied()
                .filter(|&(first, _)| (band_first..band_first + width).contains(&first))
                .collect();
            let recovered = &mut recovered[..(n - p) * width * sym];
            // Each batch of source columns writes its part of every recovery row.
            let mut outs: Vec<Option<SliverOut<'_>>> = inside.iter().map(|_| None).collect();
            if from_source {
                let mut parts: Vec<Vec<&mut [u8]>> = inside.iter().map(|_| Vec::new()).collect();
                for row in recovered.chunks_exact_mut(width * sym) {
                    for (b, part) in row.chunks_mut(batch * sym).enumerate() {
                        parts[b].push(part);
                    }
                }
                for (out, primaries) in outs.iter_mut().zip(parts) {
                    *out = Some(SliverOut {
                        secondaries: Default::default(),
                        primaries,
                    });
                }
            }
            let leaves: &[_] = leaves;
            let done = inside
                .into_par_iter()
                .zip(outs)
                .map(|((first, width), out)| {
                    pool.with(|scratch| {
                        encode::expand_columns(
                            grid,
                            source,
                            Some(&band),
                            &[],
                            leaves,
                            first,
                            width,
                            out,
                            column_leaves.take(),
                            scratch,
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            batches.extend(done);
            if from_source {
                recovered
                    .par_chunks(width * sym)
                    .enumerate()
                    .try_for_each(|(r, row)| {
                        let offset = ((r * s + band_first) * sym) as u64;
                        spill.write_at(SpillPart::RecoveryRows, offset, row)
                    })?;
            }
        }
    }
    let metadata = encode::metadata_of(grid, len, leaves, &batches);
    for batch in batches {
        column_leaves.put(batch.leaves);
    }
    Ok(metadata)
}

/// Sliver pair `pair` of a blob encoded by [`encode_spilled`] into `spill`: primary sliver
/// `pair` and secondary sliver `n − 1 − pair`, read from the source and the spill.
pub fn spilled_pair(
    config: &EncodingConfig,
    source: &dyn BlobSource,
    spill: &dyn Spill,
    pair: usize,
) -> Result<SliverPair, EncodeError> {
    let Grid { n, p, s, sym } = grid(config, source.len())?;
    let mut primary = vec![0u8; s * sym];
    if pair < p {
        source.read_at((pair * s * sym) as u64, &mut primary)?;
    } else {
        spill.read_at(
            SpillPart::RecoveryRows,
            ((pair - p) * s * sym) as u64,
            &mut primary,
        )?;
    }
    let column = n - 1 - pair;
    let mut secondary = vec![0u8; p * sym];
    for (k, symbol) in secondary.chunks_exact_mut(sym).enumerate() {
        if column < s {
            source.read_at(((k * s + column) * sym) as u64, symbol)?;
        } else {
            let offset = ((k * (n - s) + column - s) * sym) as u64;
            spill.read_at(SpillPart::Beyond, offset, symbol)?;
        }
    }
    let symbol_size = u16::try_from(sym).expect("symbol size is at most 65534");
    Ok(SliverPair {
        primary: Sliver {
            axis: Axis::Primary,
            index: pair as u16,
            symbol_size,
            data: primary,
        },
        secondary: Sliver {
            axis: Axis::Secondary,
            index: column as u16,
            symbol_size,
            data: secondary,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::encode;

    /// A source that hides its slice, as a file would.
    struct Opaque<'a>(&'a [u8]);

    impl BlobSource for Opaque<'_> {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }

        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
            self.0.read_at(offset, buf)
        }
    }

    #[test]
    fn spilled_encoding_gives_the_same_metadata_and_pairs() {
        // Symbol sizes below and above 64 bytes, padding rows, several bands (tests use 4 KiB
        // bands) on both sides of column s, and a reused workspace.
        let mut workspace = Workspace::default();
        for (n, len) in [
            (4usize, 1usize),
            (7, 300),
            (10, 6_400),
            (13, 30_001),
            (40, 200_000),
            (10, 0),
        ] {
            let config = EncodingConfig::new(n).expect("valid n");
            let blob: Vec<u8> = (0..len).map(|i| (i * 31 + i / 253) as u8).collect();
            let (metadata, pairs) = encode(&config, &blob).expect("encodes");
            let spill = MemorySpill::default();
            let spilled =
                encode_spilled(&config, &Opaque(&blob), &mut workspace, &spill).expect("encodes");
            assert_eq!(spilled, metadata, "n {n} len {len}");
            let (beyond, recovery) = spill_sizes(&config, len as u64).expect("fits");
            assert_eq!(
                spill.beyond.lock().expect("not poisoned").len() as u64,
                beyond
            );
            assert_eq!(
                spill.recovery_rows.lock().expect("not poisoned").len() as u64,
                recovery
            );
            for (i, expected) in pairs.iter().enumerate() {
                let pair = spilled_pair(&config, &Opaque(&blob), &spill, i).expect("reads");
                assert_eq!(&pair, expected, "n {n} len {len} pair {i}");
            }
        }
    }

    #[test]
    fn an_unwritten_spill_is_an_error_not_zeros() {
        let config = EncodingConfig::new(10).expect("valid n");
        let blob = vec![7u8; 5_000];
        let err = spilled_pair(&config, &blob.as_slice(), &MemorySpill::default(), 9)
            .expect_err("nothing was spilled");
        assert!(matches!(err, EncodeError::Source(_)), "{err}");
    }
}

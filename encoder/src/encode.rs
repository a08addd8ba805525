//! Encoding: the expanded `n × n` symbol matrix, its hashes, and the slivers.
//!
//! The matrix is never held whole. Pass 1 expands the `p` source rows (giving the primary
//! hashes' first `p` rows of leaves and the part `B` of the source rows beyond column `s`);
//! pass 2 expands every column in batches (giving the leaves of rows `p..n`). Only `B`
//! (`p × (n − s)` symbols, about half the blob) and the `n²` leaf hashes stay in memory, so a
//! blob ID of a file needs far less memory than the file. Both passes split their work into
//! batches that Rayon spreads over the cores, and each batch codes many rows or columns in one
//! Reed–Solomon call (see `layout`).

use rayon::prelude::*;
use reed_solomon_simd::ReedSolomonEncoder;

use crate::blob_id::BlobId;
use crate::config::{ENCODING_TYPE_RS2, EncodingConfig};
use crate::error::EncodeError;
use crate::layout;
use crate::merkle::{self, Digest, EMPTY_NODE};
use crate::metadata::{BlobMetadata, SliverPairHashes};
use crate::rs;
use crate::sliver::{Axis, Sliver, SliverPair};
use crate::source::BlobSource;

/// Symbols per batch, aiming at ~16 KiB packed shards: big enough to amortise each
/// Reed–Solomon call, small enough to leave several batches per core.
fn batch_size(symbol_size: usize) -> usize {
    (16 * 1024 / symbol_size).clamp(1, 64)
}

/// Dimensions shared by both passes.
#[derive(Clone, Copy)]
struct Grid {
    n: usize,
    p: usize,
    s: usize,
    sym: usize,
}

/// Output of pass 1 for a batch of source rows.
struct RowBatch {
    /// Leaf hashes of the batch's rows, `n` per row.
    leaves: Vec<Digest>,
    /// Columns `s..n` of the batch's rows, row after row.
    beyond: Vec<u8>,
}

/// Output of pass 2 for a batch of columns.
struct ColumnBatch {
    first: usize,
    width: usize,
    /// Leaf hashes of rows `p..n` at these columns, row-major.
    leaves: Vec<Digest>,
    /// Symbols of rows `p..n` at these columns, row-major (kept only when slivers are wanted
    /// and the columns are `< s`).
    recovered: Option<Vec<u8>>,
    /// Columns `first..first + width` of rows `0..p`, column-major: the secondary slivers.
    columns: Option<Vec<u8>>,
}

/// Writes `symbol` at slot `j` of a leaf-input buffer whose items are `0x00 ‖ symbol`.
fn prefixed_slot(buf: &mut [u8], j: usize, sym: usize) -> &mut [u8] {
    let item = &mut buf[j * (sym + 1)..(j + 1) * (sym + 1)];
    item[0] = 0;
    &mut item[1..]
}

fn expand_rows(
    grid: Grid,
    source: &dyn BlobSource,
    first_row: usize,
    rows: usize,
    encoder: &mut Option<ReedSolomonEncoder>,
) -> Result<RowBatch, EncodeError> {
    let Grid { n, s, sym, .. } = grid;
    let row_bytes = s * sym;
    let mut sources = vec![0u8; rows * row_bytes];
    source.read_at((first_row * row_bytes) as u64, &mut sources)?;

    let shard_len = layout::packed_len(rows, sym);
    let mut packed = vec![0u8; s * shard_len];
    for (k, shard) in packed.chunks_exact_mut(shard_len).enumerate() {
        let column = (0..rows).map(|r| &sources[(r * s + k) * sym..(r * s + k + 1) * sym]);
        layout::pack(column, sym, shard);
    }
    let recovery = rs::encode_recovery(encoder, &packed, s, n, shard_len);
    drop(packed);

    // Full rows in leaf-input form, then hash them in one batch.
    let mut items = vec![0u8; rows * n * (sym + 1)];
    let mut beyond = vec![0u8; rows * (n - s) * sym];
    for r in 0..rows {
        for k in 0..s {
            prefixed_slot(&mut items, r * n + k, sym)
                .copy_from_slice(&sources[(r * s + k) * sym..(r * s + k + 1) * sym]);
        }
    }
    for (c, shard) in recovery.chunks_exact(shard_len).enumerate() {
        for r in 0..rows {
            let slot = prefixed_slot(&mut items, r * n + s + c, sym);
            layout::unpack_symbol(shard, r, sym, slot);
            beyond[(r * (n - s) + c) * sym..(r * (n - s) + c + 1) * sym].copy_from_slice(slot);
        }
    }
    let mut leaves = vec![EMPTY_NODE; rows * n];
    merkle::hash_items(&items, sym + 1, &mut leaves);
    Ok(RowBatch { leaves, beyond })
}

#[allow(clippy::too_many_arguments)]
fn expand_columns(
    grid: Grid,
    source: &dyn BlobSource,
    beyond: &[Vec<u8>],
    rows_per_batch: usize,
    first: usize,
    width: usize,
    keep_slivers: bool,
    encoder: &mut Option<ReedSolomonEncoder>,
) -> Result<ColumnBatch, EncodeError> {
    let Grid { n, p, s, sym } = grid;
    let shard_len = layout::packed_len(width, sym);
    let mut packed = vec![0u8; p * shard_len];
    let mut row_part = vec![0u8; width * sym];
    let mut columns = keep_slivers.then(|| vec![0u8; width * p * sym]);
    for (k, shard) in packed.chunks_exact_mut(shard_len).enumerate() {
        let part: &[u8] = if first < s {
            source.read_at(((k * s + first) * sym) as u64, &mut row_part)?;
            &row_part
        } else {
            let batch = &beyond[k / rows_per_batch];
            let row = k % rows_per_batch;
            let start = (row * (n - s) + first - s) * sym;
            &batch[start..start + width * sym]
        };
        layout::pack(part.chunks_exact(sym), sym, shard);
        if let Some(columns) = columns.as_mut() {
            for c in 0..width {
                columns[(c * p + k) * sym..(c * p + k + 1) * sym]
                    .copy_from_slice(&part[c * sym..(c + 1) * sym]);
            }
        }
    }
    let recovery = rs::encode_recovery(encoder, &packed, p, n, shard_len);
    drop(packed);

    let mut items = vec![0u8; (n - p) * width * (sym + 1)];
    for (r, shard) in recovery.chunks_exact(shard_len).enumerate() {
        for c in 0..width {
            layout::unpack_symbol(shard, c, sym, prefixed_slot(&mut items, r * width + c, sym));
        }
    }
    let mut leaves = vec![EMPTY_NODE; (n - p) * width];
    merkle::hash_items(&items, sym + 1, &mut leaves);
    let recovered = (keep_slivers && first < s).then(|| {
        let mut out = Vec::with_capacity((n - p) * width * sym);
        for item in items.chunks_exact(sym + 1) {
            out.extend_from_slice(&item[1..]);
        }
        out
    });
    Ok(ColumnBatch {
        first,
        width,
        leaves,
        recovered,
        columns,
    })
}

/// Runs both passes; returns the metadata and, if asked, the sliver pairs.
fn run(
    config: &EncodingConfig,
    source: &dyn BlobSource,
    keep_slivers: bool,
) -> Result<(BlobMetadata, Option<Vec<SliverPair>>), EncodeError> {
    let len = source.len();
    let sym = config.symbol_size(len)?;
    let grid = Grid {
        n: config.n_shards(),
        p: config.n_primary_source(),
        s: config.n_secondary_source(),
        sym,
    };
    let Grid { n, p, s, .. } = grid;
    let batch = batch_size(sym);

    // Pass 1: source rows.
    let row_batches: Vec<RowBatch> = (0..p.div_ceil(batch))
        .into_par_iter()
        .map_init(
            || None,
            |encoder, b| {
                let first = b * batch;
                expand_rows(grid, source, first, batch.min(p - first), encoder)
            },
        )
        .collect::<Result<_, _>>()?;
    let mut leaves = Vec::with_capacity(n * n);
    let mut beyond = Vec::with_capacity(row_batches.len());
    for row_batch in row_batches {
        leaves.extend_from_slice(&row_batch.leaves);
        beyond.push(row_batch.beyond);
    }
    leaves.resize(n * n, EMPTY_NODE);

    // Pass 2: all columns, in batches that do not straddle column `s`.
    let spans: Vec<(usize, usize)> = [(0, s), (s, n)]
        .into_iter()
        .flat_map(|(start, end)| {
            (start..end)
                .step_by(batch)
                .map(move |first| (first, batch.min(end - first)))
        })
        .collect();
    let column_batches: Vec<ColumnBatch> = spans
        .into_par_iter()
        .map_init(
            || None,
            |encoder, (first, width)| {
                expand_columns(
                    grid,
                    source,
                    &beyond,
                    batch,
                    first,
                    width,
                    keep_slivers,
                    encoder,
                )
            },
        )
        .collect::<Result<_, _>>()?;
    for cb in &column_batches {
        for r in 0..n - p {
            let dst = (p + r) * n + cb.first;
            leaves[dst..dst + cb.width]
                .copy_from_slice(&cb.leaves[r * cb.width..(r + 1) * cb.width]);
        }
    }

    // Trees: rows are contiguous; columns are gathered in pair order (pair i ↔ column n−1−i).
    let primary_roots = merkle::roots_of_trees(&leaves, n);
    let mut by_pair_column = vec![EMPTY_NODE; n * n];
    by_pair_column
        .par_chunks_mut(n)
        .enumerate()
        .for_each(|(pair, tree)| {
            let column = n - 1 - pair;
            for (row, leaf) in tree.iter_mut().enumerate() {
                *leaf = leaves[row * n + column];
            }
        });
    drop(leaves);
    let secondary_roots = merkle::roots_of_trees(&by_pair_column, n);
    drop(by_pair_column);

    let metadata = BlobMetadata {
        encoding_type: ENCODING_TYPE_RS2,
        unencoded_length: len,
        hashes: primary_roots
            .into_iter()
            .zip(secondary_roots)
            .map(|(primary, secondary)| SliverPairHashes { primary, secondary })
            .collect(),
    };
    if !keep_slivers {
        return Ok((metadata, None));
    }

    let symbol_size = u16::try_from(sym).expect("symbol size is at most 65534");
    let mut primaries: Vec<Vec<u8>> = Vec::with_capacity(n);
    for row in 0..p {
        let mut data = vec![0u8; s * sym];
        source.read_at((row * s * sym) as u64, &mut data)?;
        primaries.push(data);
    }
    primaries.resize_with(n, || Vec::with_capacity(s * sym));
    let mut secondaries: Vec<Vec<u8>> = vec![Vec::new(); n];
    for cb in column_batches {
        if let Some(recovered) = cb.recovered {
            for (r, primary) in primaries[p..].iter_mut().enumerate() {
                primary.extend_from_slice(&recovered[r * cb.width * sym..(r + 1) * cb.width * sym]);
            }
        }
        if let Some(columns) = cb.columns {
            for (c, column) in columns.chunks_exact(p * sym).enumerate() {
                secondaries[cb.first + c] = column.to_vec();
            }
        }
    }
    let mut secondaries: Vec<Option<Vec<u8>>> = secondaries.into_iter().map(Some).collect();
    let pairs = primaries
        .into_iter()
        .enumerate()
        .map(|(i, primary)| {
            let j = n - 1 - i;
            SliverPair {
                primary: Sliver {
                    axis: Axis::Primary,
                    index: i as u16,
                    symbol_size,
                    data: primary,
                },
                secondary: Sliver {
                    axis: Axis::Secondary,
                    index: j as u16,
                    symbol_size,
                    data: secondaries[j].take().expect("each column taken once"),
                },
            }
        })
        .collect();
    Ok((metadata, Some(pairs)))
}

/// Encodes a blob into its metadata and `n` sliver pairs (pair `i` goes to shard
/// `blob_id.shard_for_pair(i, n)`).
pub fn encode(
    config: &EncodingConfig,
    blob: &[u8],
) -> Result<(BlobMetadata, Vec<SliverPair>), EncodeError> {
    let (metadata, pairs) = run(config, &blob, true)?;
    Ok((metadata, pairs.expect("slivers were requested")))
}

/// The metadata (and so the blob ID) of a blob, without keeping slivers.
pub fn compute_metadata(
    config: &EncodingConfig,
    source: &dyn BlobSource,
) -> Result<BlobMetadata, EncodeError> {
    Ok(run(config, source, false)?.0)
}

/// The blob ID of a blob held in memory.
pub fn blob_id(config: &EncodingConfig, blob: &[u8]) -> Result<BlobId, EncodeError> {
    Ok(compute_metadata(config, &blob)?.blob_id())
}

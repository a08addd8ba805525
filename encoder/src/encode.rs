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

use crate::blob_id::BlobId;
use crate::config::{ENCODING_TYPE_RS2, EncodingConfig};
use crate::error::EncodeError;
use crate::layout;
use crate::merkle::{self, Digest, EMPTY_NODE};
use crate::metadata::{BlobMetadata, SliverPairHashes};
use crate::pool::{Pool, resize_for_overwrite};
use crate::rs;
use crate::sliver::{Axis, Sliver, SliverPair};
use crate::source::BlobSource;

/// Symbols per batch: big enough to amortise each Reed–Solomon call, small enough that a
/// batch's work space (about a thousand packed shards at n = 1000) stays near the core's
/// caches and that there are many batches per core; the cap of 64 matters little for small
/// symbols.
///
/// The packed shard aimed at depends on the transforms. With GFNI, 4–16 KiB performed alike
/// at 64 MiB, n = 1000 (Xeon). With reed-solomon-simd's AVX2 engine on a Zen 3 EPYC
/// (2026-12-07), 2 KiB shards (6 symbols of 302 bytes, 1.9 MB of work space) gave a 64 MiB blob
/// ID best of 0.227–0.235 s against 0.251–0.268 s with 8 KiB (minimum of ten interleaved
/// bench processes each, builds frozen; medians 4–8 % apart, within the noise). Bytes do not
/// depend on it.
pub(crate) fn batch_size(symbol_size: usize) -> usize {
    let shard_bytes = if crate::gfni::available() {
        8 * 1024
    } else {
        2 * 1024
    };
    (shard_bytes / symbol_size).clamp(1, 64)
}

/// Dimensions shared by both passes.
#[derive(Clone, Copy)]
pub(crate) struct Grid {
    pub(crate) n: usize,
    pub(crate) p: usize,
    pub(crate) s: usize,
    pub(crate) sym: usize,
}

/// Per-task buffers reused from batch to batch.
#[derive(Default)]
pub(crate) struct Scratch {
    encoder: Option<rs::Encoder>,
    /// Source bytes read through `BlobSource::read_at` when the source is not in memory.
    read: Vec<u8>,
    packed: Vec<u8>,
    /// Recovery symbols of a column batch, row-major.
    recovered: Vec<u8>,
    /// Leaves of a column batch's trees, tree after tree.
    trees: Vec<Digest>,
    /// Fallback buffer for hashing without AVX-512.
    hash: Vec<u8>,
    /// The inner levels of a column batch's trees.
    levels: merkle::LevelBuffers,
    /// Plane streams for packing, and for unpacking.
    planes: Vec<u8>,
    unplanes: Vec<u8>,
    /// A row batch's part beyond column `s`, when it goes to a spill rather than to memory.
    pub(crate) spilled: Vec<u8>,
}

/// `len` bytes of the source at `offset`: borrowed when the source is in memory and holds them
/// all, else read into `buf`.
fn source_bytes<'a>(
    source: &'a dyn BlobSource,
    offset: usize,
    len: usize,
    buf: &'a mut Vec<u8>,
) -> Result<&'a [u8], EncodeError> {
    if let Some(blob) = source.as_slice()
        && offset + len <= blob.len()
    {
        return Ok(&blob[offset..offset + len]);
    }
    buf.clear();
    buf.resize(len, 0);
    source.read_at(offset as u64, buf)?;
    Ok(buf)
}

/// Pass 1 for source rows `first_row..first_row + rows`: fills `leaves` (`n` per row) and
/// `beyond` (columns `s..n` of the rows, row after row).
pub(crate) fn expand_rows(
    grid: Grid,
    source: &dyn BlobSource,
    first_row: usize,
    leaves: &mut [Digest],
    beyond: &mut [u8],
    scratch: &mut Scratch,
) -> Result<(), EncodeError> {
    let Grid { n, s, sym, .. } = grid;
    let rows = leaves.len() / n;
    let row_bytes = s * sym;
    let Scratch {
        encoder,
        read,
        packed,
        hash,
        planes,
        unplanes,
        ..
    } = scratch;
    let sources = source_bytes(source, first_row * row_bytes, rows * row_bytes, read)?;

    let shard_len = layout::packed_len(rows, sym);
    let beyond_row = (n - s) * sym;
    rs::encode_recovery_with(
        encoder,
        s,
        n,
        shard_len,
        packed,
        |k, shard| {
            layout::pack_strided(&sources[k * sym..], row_bytes, rows, sym, shard, planes);
            Ok::<(), EncodeError>(())
        },
        |c, shard| {
            layout::unpack_strided(
                shard,
                rows,
                sym,
                &mut beyond[c * sym..],
                beyond_row,
                unplanes,
            );
        },
    )?;

    for (r, row_leaves) in leaves.chunks_exact_mut(n).enumerate() {
        let (left, right) = row_leaves.split_at_mut(s);
        merkle::leaf_hashes_into(
            &sources[r * row_bytes..(r + 1) * row_bytes],
            sym,
            left,
            hash,
        );
        merkle::leaf_hashes_into(
            &beyond[r * beyond_row..(r + 1) * beyond_row],
            sym,
            right,
            hash,
        );
    }
    Ok(())
}

/// Output of pass 2 for a batch of columns.
pub(crate) struct ColumnBatch {
    first: usize,
    width: usize,
    /// Leaf hashes of rows `p..n` at these columns, row-major.
    pub(crate) leaves: Vec<Digest>,
    /// Merkle roots of the batch's columns, in column order.
    roots: Vec<Digest>,
}

/// Where pass 2 writes slivers for one batch of columns, when slivers are wanted.
pub(crate) struct SliverOut<'a> {
    /// The secondary slivers of the batch's columns.
    pub(crate) secondaries: &'a mut [Vec<u8>],
    /// For columns `< s`: the batch's part of each primary sliver of rows `p..n`.
    pub(crate) primaries: Vec<&'a mut [u8]>,
}

/// Columns `first..first + width` of every source row, read from a source that is not in
/// memory in one pass, row after row (`p` reads instead of `p` per column batch). A band of
/// columns from `s` on holds those columns of `beyond` (read back from a [`Spill`]).
///
/// [`Spill`]: crate::spill::Spill
pub(crate) struct Band<'a> {
    pub(crate) first: usize,
    pub(crate) width: usize,
    pub(crate) data: &'a [u8],
}

/// Bytes of source data a [`Band`] may hold: large reads, bounded memory. Tests use small
/// bands so that their blobs span several.
pub(crate) const BAND_BYTES: usize = if cfg!(test) { 4 << 10 } else { 16 << 20 };

/// Pass 2 for columns `first..first + width`. `leaves` is a buffer for the batch's leaves of
/// rows `p..n` (any length: it is resized), handed back in the [`ColumnBatch`] so that the
/// caller can reuse it for a later blob.
#[allow(clippy::too_many_arguments)]
pub(crate) fn expand_columns(
    grid: Grid,
    source: &dyn BlobSource,
    band: Option<&Band<'_>>,
    beyond: &[u8],
    row_leaves: &[Digest],
    first: usize,
    width: usize,
    mut out: Option<SliverOut<'_>>,
    mut leaves: Vec<Digest>,
    scratch: &mut Scratch,
) -> Result<ColumnBatch, EncodeError> {
    let Grid { n, p, s, sym } = grid;
    let Scratch {
        encoder,
        read,
        packed,
        recovered,
        trees,
        hash,
        levels,
        planes,
        unplanes,
        ..
    } = scratch;
    let shard_len = layout::packed_len(width, sym);
    let rec_row = width * sym;
    // Fully overwritten below: grow without clearing.
    recovered.resize((n - p) * rec_row, 0);
    rs::encode_recovery_with(
        encoder,
        p,
        n,
        shard_len,
        packed,
        |k, shard| {
            let in_band = band.filter(|b| (b.first..b.first + b.width).contains(&first));
            let part: &[u8] = if let Some(band) = in_band {
                let start = (k * band.width + first - band.first) * sym;
                &band.data[start..start + width * sym]
            } else if first < s {
                source_bytes(source, (k * s + first) * sym, width * sym, read)?
            } else {
                let start = (k * (n - s) + first - s) * sym;
                &beyond[start..start + width * sym]
            };
            layout::pack_strided(part, sym, width, sym, shard, planes);
            if let Some(out) = out.as_mut() {
                for (c, column) in out.secondaries.iter_mut().enumerate() {
                    column[k * sym..(k + 1) * sym].copy_from_slice(&part[c * sym..(c + 1) * sym]);
                }
            }
            Ok::<(), EncodeError>(())
        },
        |r, shard| {
            let row = &mut recovered[r * rec_row..(r + 1) * rec_row];
            layout::unpack_strided(shard, width, sym, row, sym, unplanes);
        },
    )?;
    let recovered = &recovered[..(n - p) * rec_row];

    // Every leaf is written by the hashing.
    resize_for_overwrite(&mut leaves, (n - p) * width, EMPTY_NODE);
    merkle::leaf_hashes_into(recovered, sym, &mut leaves, hash);
    if let Some(out) = out.as_mut() {
        for (r, part) in out.primaries.iter_mut().enumerate() {
            part.copy_from_slice(&recovered[r * rec_row..(r + 1) * rec_row]);
        }
    }

    // The batch's column trees: rows `0..p` from pass 1, rows `p..n` from here.
    // Fully overwritten below: grow without clearing.
    trees.resize(width * n, EMPTY_NODE);
    let trees = &mut trees[..width * n];
    for (c, tree) in trees.chunks_exact_mut(n).enumerate() {
        for (row, leaf) in tree[..p].iter_mut().enumerate() {
            *leaf = row_leaves[row * n + first + c];
        }
        for (r, leaf) in tree[p..].iter_mut().enumerate() {
            *leaf = leaves[r * width + c];
        }
    }
    let roots = merkle::roots_of_chunk_with(trees, width, n, levels);
    Ok(ColumnBatch {
        first,
        width,
        leaves,
        roots,
    })
}

/// Pass 2 for a source not held in memory: the columns below `s` are read band by band (each
/// band with one read per source row, spread over the cores), and each band's column batches
/// run from memory; the columns from `s` on come from `beyond` as usual.
fn columns_in_bands(
    grid: Grid,
    source: &dyn BlobSource,
    beyond: &[u8],
    leaves: &[Digest],
    spans: &[(usize, usize)],
    pool: &Pool<Scratch>,
    column_leaves: &Pool<Vec<Digest>>,
) -> Result<Vec<ColumnBatch>, EncodeError> {
    let Grid { p, s, sym, .. } = grid;
    let batch = spans.first().map_or(1, |&(_, width)| width);
    // Whole batches per band, as many as fit in `BAND_BYTES`.
    let band_columns = (BAND_BYTES / (p * sym)).max(1).div_ceil(batch) * batch;
    let mut data = vec![0u8; p * band_columns.min(s) * sym];
    let run = |spans: &[(usize, usize)], band: Option<&Band<'_>>| {
        spans
            .par_iter()
            .map(|&(first, width)| {
                pool.with(|scratch| {
                    let buffer = column_leaves.take();
                    expand_columns(
                        grid, source, band, beyond, leaves, first, width, None, buffer, scratch,
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let mut batches = Vec::with_capacity(spans.len());
    for band_first in (0..s).step_by(band_columns) {
        let width = band_columns.min(s - band_first);
        let data = &mut data[..p * width * sym];
        data.par_chunks_mut(width * sym)
            .enumerate()
            .try_for_each(|(k, row)| source.read_at(((k * s + band_first) * sym) as u64, row))?;
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
        batches.extend(run(&inside, Some(&band))?);
    }
    let rest: Vec<(usize, usize)> = spans
        .iter()
        .copied()
        .filter(|&(first, _)| first >= s)
        .collect();
    batches.extend(run(&rest, None)?);
    Ok(batches)
}

/// Pass 2's column batches `(first, width)` of at most `batch` columns, none straddling
/// column `s` (left of it columns come from the source, right of it from `beyond`).
pub(crate) fn column_spans(grid: Grid, batch: usize) -> Vec<(usize, usize)> {
    let Grid { n, s, .. } = grid;
    [(0, s), (s, n)]
        .into_iter()
        .flat_map(|(start, end)| {
            (start..end)
                .step_by(batch)
                .map(move |first| (first, batch.min(end - first)))
        })
        .collect()
}

/// Memory an encoder keeps from one blob to the next: the leaf matrix, the source rows' part
/// beyond column `s`, and the per-task Reed–Solomon work space.
///
/// Encoding many blobs with one `Workspace` (and handing [`encode_into`] the slivers of the
/// previous blob) reuses memory the kernel has already mapped, instead of faulting in and
/// zeroing fresh pages for every blob (about 65 MB of work space and 300 MB of slivers for a
/// 64 MiB blob at n = 1000). The results are the same bytes either way.
#[derive(Default)]
pub struct Workspace {
    pub(crate) leaves: Vec<Digest>,
    beyond: Vec<u8>,
    pub(crate) pool: Pool<Scratch>,
    /// The column batches' leaf buffers of the previous blob.
    pub(crate) column_leaves: Pool<Vec<Digest>>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("leaves", &self.leaves.len())
            .field("beyond", &self.beyond.len())
            .finish_non_exhaustive()
    }
}

/// The sliver buffers of `pairs` (from an earlier encoding) in axis order, primaries and
/// secondaries, each resized to the lengths of this blob; fresh buffers where there are none.
fn sliver_buffers(
    pairs: &mut Vec<SliverPair>,
    n: usize,
    primary_len: usize,
    secondary_len: usize,
) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut primaries = Vec::with_capacity(n);
    let mut secondaries = Vec::with_capacity(n);
    if pairs.len() == n {
        // Pair i holds secondary sliver n − 1 − i.
        for pair in pairs.drain(..).rev() {
            primaries.push(pair.primary.data);
            secondaries.push(pair.secondary.data);
        }
        primaries.reverse();
    }
    pairs.clear();
    primaries.resize_with(n, Vec::new);
    secondaries.resize_with(n, Vec::new);
    // Every byte is overwritten by the encoding: resizing only sets the lengths (and zeroes
    // what a smaller earlier blob did not have).
    primaries
        .par_iter_mut()
        .for_each(|data| resize_for_overwrite(data, primary_len, 0));
    secondaries
        .par_iter_mut()
        .for_each(|data| resize_for_overwrite(data, secondary_len, 0));
    (primaries, secondaries)
}

/// Runs both passes; returns the metadata and, when `slivers` is given, fills it with the
/// sliver pairs (reusing the buffers it holds).
fn run(
    config: &EncodingConfig,
    source: &dyn BlobSource,
    workspace: &mut Workspace,
    mut slivers: Option<&mut Vec<SliverPair>>,
) -> Result<BlobMetadata, EncodeError> {
    let keep_slivers = slivers.is_some();
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

    let Workspace {
        leaves,
        beyond,
        pool,
        column_leaves,
    } = workspace;

    // Pass 1: source rows, straight into the leaf matrix and `beyond`; both are overwritten
    // in full, so they are only resized.
    resize_for_overwrite(leaves, n * n, EMPTY_NODE);
    resize_for_overwrite(beyond, p * (n - s) * sym, 0);
    leaves[..p * n]
        .par_chunks_mut(batch * n)
        .zip(beyond.par_chunks_mut(batch * (n - s) * sym))
        .enumerate()
        .map(|(b, (leaves, beyond))| {
            pool.with(|scratch| expand_rows(grid, source, b * batch, leaves, beyond, scratch))
        })
        .collect::<Result<(), _>>()?;

    // Sliver outputs, split by column batch.
    let (mut primaries, mut secondaries) = match slivers.as_deref_mut() {
        Some(pairs) => sliver_buffers(pairs, n, s * sym, p * sym),
        None => (Vec::new(), Vec::new()),
    };
    let spans = column_spans(grid, batch);
    let mut outs: Vec<Option<SliverOut<'_>>> = spans.iter().map(|_| None).collect();
    if keep_slivers {
        let (source_rows, recovered_rows) = primaries.split_at_mut(p);
        let mut parts: Vec<Vec<&mut [u8]>> = spans.iter().map(|_| Vec::new()).collect();
        for row in recovered_rows.iter_mut() {
            for (b, part) in row.chunks_mut(batch * sym).enumerate() {
                parts[b].push(part);
            }
        }
        let (left, right) = secondaries.split_at_mut(s);
        let columns = left.chunks_mut(batch).chain(right.chunks_mut(batch));
        for ((out, columns), primaries) in outs
            .iter_mut()
            .zip(columns)
            .zip(parts.into_iter().chain(std::iter::repeat_with(Vec::new)))
        {
            *out = Some(SliverOut {
                secondaries: columns,
                primaries,
            });
        }
        // Primary slivers of the source rows are the rows themselves.
        source_rows
            .par_iter_mut()
            .enumerate()
            .try_for_each(|(row, data)| source.read_at((row * s * sym) as u64, data))?;
    }

    // Pass 2: all columns, in batches that do not straddle column `s`.
    let column_batches: Vec<ColumnBatch> = if source.as_slice().is_some() || keep_slivers {
        spans
            .into_par_iter()
            .zip(outs)
            .map(|((first, width), out)| {
                pool.with(|scratch| {
                    let buffer = column_leaves.take();
                    expand_columns(
                        grid, source, None, beyond, leaves, first, width, out, buffer, scratch,
                    )
                })
            })
            .collect::<Result<_, _>>()?
    } else {
        columns_in_bands(grid, source, beyond, leaves, &spans, pool, column_leaves)?
    };
    let metadata = metadata_of(grid, len, leaves, &column_batches);
    for batch in column_batches {
        column_leaves.put(batch.leaves);
    }
    let Some(pairs) = slivers else {
        return Ok(metadata);
    };

    let symbol_size = u16::try_from(sym).expect("symbol size is at most 65534");
    pairs.extend(
        primaries
            .into_iter()
            .zip(secondaries.into_iter().rev())
            .enumerate()
            .map(|(i, (primary, secondary))| SliverPair {
                primary: Sliver {
                    axis: Axis::Primary,
                    index: i as u16,
                    symbol_size,
                    data: primary,
                },
                secondary: Sliver {
                    axis: Axis::Secondary,
                    index: (n - 1 - i) as u16,
                    symbol_size,
                    data: secondary,
                },
            }),
    );
    Ok(metadata)
}

/// The metadata from the leaf matrix (rows `0..p` filled by pass 1) and pass 2's column
/// batches, which give the leaves of rows `p..n` and the column roots.
pub(crate) fn metadata_of(
    grid: Grid,
    len: u64,
    leaves: &mut [Digest],
    column_batches: &[ColumnBatch],
) -> BlobMetadata {
    let Grid { n, p, .. } = grid;
    leaves[p * n..]
        .par_chunks_mut(n)
        .enumerate()
        .for_each(|(r, row)| {
            for cb in column_batches {
                row[cb.first..cb.first + cb.width]
                    .copy_from_slice(&cb.leaves[r * cb.width..(r + 1) * cb.width]);
            }
        });

    let primary_roots = merkle::roots_of_trees(leaves, n);
    // Pair i's secondary sliver is column n − 1 − i.
    let mut column_roots = vec![EMPTY_NODE; n];
    for cb in column_batches {
        column_roots[cb.first..cb.first + cb.width].copy_from_slice(&cb.roots);
    }

    BlobMetadata {
        encoding_type: ENCODING_TYPE_RS2,
        unencoded_length: len,
        hashes: primary_roots
            .into_iter()
            .zip(column_roots.into_iter().rev())
            .map(|(primary, secondary)| SliverPairHashes { primary, secondary })
            .collect(),
    }
}

/// Encodes a blob into its metadata and `n` sliver pairs (pair `i` goes to shard
/// `blob_id.shard_for_pair(i, n)`).
pub fn encode(
    config: &EncodingConfig,
    blob: &[u8],
) -> Result<(BlobMetadata, Vec<SliverPair>), EncodeError> {
    let mut pairs = Vec::new();
    let metadata = run(config, &blob, &mut Workspace::default(), Some(&mut pairs))?;
    Ok((metadata, pairs))
}

/// [`encode`] with the memory of earlier encodings: `workspace` is reused, and `pairs` is
/// replaced by this blob's sliver pairs, written into the buffers of the pairs it held (the
/// slivers of the previous blob, say) when there are `n` of them.
pub fn encode_into(
    config: &EncodingConfig,
    blob: &[u8],
    workspace: &mut Workspace,
    pairs: &mut Vec<SliverPair>,
) -> Result<BlobMetadata, EncodeError> {
    run(config, &blob, workspace, Some(pairs))
}

/// The metadata (and so the blob ID) of a blob, without keeping slivers.
pub fn compute_metadata(
    config: &EncodingConfig,
    source: &dyn BlobSource,
) -> Result<BlobMetadata, EncodeError> {
    run(config, source, &mut Workspace::default(), None)
}

/// [`compute_metadata`] reusing `workspace` from earlier blobs.
pub fn compute_metadata_with(
    config: &EncodingConfig,
    source: &dyn BlobSource,
    workspace: &mut Workspace,
) -> Result<BlobMetadata, EncodeError> {
    run(config, source, workspace, None)
}

/// The blob ID of a blob held in memory.
pub fn blob_id(config: &EncodingConfig, blob: &[u8]) -> Result<BlobId, EncodeError> {
    Ok(compute_metadata(config, &blob)?.blob_id())
}

/// [`blob_id`] reusing `workspace` from earlier blobs.
pub fn blob_id_with(
    config: &EncodingConfig,
    blob: &[u8],
    workspace: &mut Workspace,
) -> Result<BlobId, EncodeError> {
    Ok(compute_metadata_with(config, &blob, workspace)?.blob_id())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::source::ReaderSource;

    /// A source that hides its slice, so every read goes through `read_at`.
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
    fn borrowed_and_read_sources_give_the_same_metadata() {
        // Symbol sizes below, at and above 64 bytes, with and without padding rows.
        for (n, len) in [
            (4usize, 1usize),
            (7, 300),
            (10, 2_000),
            (10, 3_584),
            (10, 6_400),
            (13, 30_001),
        ] {
            let config = EncodingConfig::new(n).expect("valid n");
            let blob: Vec<u8> = (0..len).map(|i| (i * 7 + i / 255) as u8).collect();
            let borrowed = compute_metadata(&config, &blob.as_slice()).expect("encodes");
            let opaque = compute_metadata(&config, &Opaque(&blob)).expect("encodes");
            let reader = ReaderSource::new(Cursor::new(blob.clone()), len as u64);
            let read = compute_metadata(&config, &reader).expect("encodes");
            assert_eq!(borrowed, opaque, "n {n} len {len}");
            assert_eq!(borrowed, read, "n {n} len {len}");
            let (metadata, pairs) = encode(&config, &blob).expect("encodes");
            assert_eq!(metadata, borrowed);
            assert_eq!(pairs.len(), n);
        }
    }

    #[test]
    fn reused_workspace_and_slivers_give_the_same_bytes() {
        // Sizes that grow and shrink the buffers, and shard counts that change their number.
        let mut workspace = Workspace::default();
        let mut reused = Vec::new();
        for (n, len) in [
            (10usize, 6_400usize),
            (10, 30_001),
            (10, 300),
            (13, 30_001),
            (7, 0),
        ] {
            let config = EncodingConfig::new(n).expect("valid n");
            let blob: Vec<u8> = (0..len).map(|i| (i * 13 + i / 251) as u8).collect();
            let (metadata, pairs) = encode(&config, &blob).expect("encodes");
            let again = encode_into(&config, &blob, &mut workspace, &mut reused).expect("encodes");
            assert_eq!(again, metadata, "n {n} len {len}");
            assert_eq!(reused, pairs, "n {n} len {len}");
            let id = blob_id_with(&config, &blob, &mut workspace).expect("encodes");
            assert_eq!(id, metadata.blob_id());
        }
    }
}

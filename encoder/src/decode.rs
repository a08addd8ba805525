//! Decoding a blob from any `p` primary slivers.

use rayon::prelude::*;

use crate::blob_id::BlobId;
use crate::error::DecodeError;
use crate::layout;
use crate::metadata::BlobMetadata;
use crate::pool::Pool;
use crate::rs;
use crate::sliver::{Axis, Sliver};
use crate::verify::{check_shape, verify_slivers};

/// Columns decoded per Reed–Solomon call, aiming at ~2 KiB packed shards: the work space of a
/// batch (`2·p` rounded up to a power of two, times a shard) then stays in the core's caches;
/// at 64 MiB and n = 1000, 1–4 KiB measured alike and 8 KiB and above clearly slower.
pub(crate) fn columns_per_batch(symbol_size: usize) -> usize {
    (2 * 1024 / symbol_size).clamp(1, 64)
}

/// Picks `p` distinct primary slivers that match the metadata.
///
/// Slivers that fail their check are skipped while enough others remain, so one bad node
/// cannot stop a read; the first failure is reported only when too few good slivers remain.
fn select<'a>(
    metadata: &BlobMetadata,
    slivers: &'a [Sliver],
    needed: usize,
) -> Result<Vec<&'a Sliver>, DecodeError> {
    let (config, symbol_size) = metadata.checked_config()?;
    let mut seen = vec![false; config.n_shards()];
    let mut candidates = Vec::new();
    let mut first_error = None;
    for sliver in slivers.iter().filter(|s| s.axis == Axis::Primary) {
        match check_shape(&config, symbol_size, sliver) {
            Ok(()) if !seen[usize::from(sliver.index)] => {
                seen[usize::from(sliver.index)] = true;
                candidates.push(sliver);
            }
            Ok(()) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    // Prefer systematic slivers (index < p): with all of them no Reed–Solomon work is needed.
    candidates.sort_by_key(|s| s.index);
    let mut chosen = Vec::with_capacity(needed);
    let mut rest = candidates.into_iter();
    while chosen.len() < needed {
        let batch: Vec<&Sliver> = rest.by_ref().take(needed - chosen.len()).collect();
        if batch.is_empty() {
            break;
        }
        for (sliver, result) in batch.iter().zip(verify_slivers(metadata, &batch)) {
            match result {
                Ok(()) => chosen.push(*sliver),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    if chosen.len() < needed {
        return Err(first_error.unwrap_or(DecodeError::NotEnoughSlivers {
            needed,
            got: chosen.len(),
            what: "primary slivers",
        }));
    }
    Ok(chosen)
}

/// Per-task buffers of the column decoding, reused from batch to batch.
#[derive(Default)]
struct Scratch {
    /// For codes too long for [`rs::Restorer`].
    decoder: Option<rs::Decoder>,
    engine: Option<rs::Transforms>,
    work: Vec<[u8; 64]>,
    shard: Vec<u8>,
    planes: Vec<u8>,
    unplanes: Vec<u8>,
}

/// Decodes the blob named `blob_id` from its metadata and at least `p` primary slivers.
///
/// The metadata is checked against the blob ID and every sliver used against the metadata,
/// so the result is the blob the writer committed to, for any honest encoding. To also rule out
/// a writer who encoded inconsistently on purpose, use [`decode_and_verify`].
///
/// The chosen slivers' source rows (index `< p`) are copied into the blob as they are; the
/// other source rows are restored column batch by column batch, one Reed–Solomon call per
/// batch, each restored symbol written straight into its place in the blob.
pub fn decode(
    metadata: &BlobMetadata,
    blob_id: &BlobId,
    slivers: &[Sliver],
) -> Result<Vec<u8>, DecodeError> {
    let mut blob = Vec::new();
    decode_into(metadata, blob_id, slivers, &mut blob)?;
    Ok(blob)
}

/// [`decode`] into `blob`, reusing its buffer (the previous blob's, say): memory already
/// mapped is overwritten instead of fresh pages being faulted in and zeroed. On success `blob`
/// holds the blob; on an error its content is unspecified.
pub fn decode_into(
    metadata: &BlobMetadata,
    blob_id: &BlobId,
    slivers: &[Sliver],
    blob: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    metadata.verify(blob_id)?;
    let (config, sym) = metadata.checked_config()?;
    let (n, p, s) = (
        config.n_shards(),
        config.n_primary_source(),
        config.n_secondary_source(),
    );
    let chosen = select(metadata, slivers, p)?;
    let len = usize::try_from(metadata.unencoded_length)
        .map_err(|_| DecodeError::MalformedMetadata("length exceeds memory".into()))?;

    let row_bytes = s * sym;
    // Every byte up to `p · row_bytes` is overwritten below: given rows are copied, the others
    // restored column batch by column batch.
    blob.resize(p * row_bytes, 0);
    let mut given: Vec<Option<&Sliver>> = vec![None; p];
    for sliver in &chosen {
        if let Some(slot) = given.get_mut(usize::from(sliver.index)) {
            *slot = Some(sliver);
        }
    }
    // Split the blob into the rows copied from slivers and, for the rows to restore, their
    // parts in each column batch, so the batches can write in parallel without sharing.
    let batch = columns_per_batch(sym);
    let mut copies: Vec<(&mut [u8], &Sliver)> = Vec::new();
    let mut parts: Vec<Vec<&mut [u8]>> = (0..s.div_ceil(batch)).map(|_| Vec::new()).collect();
    // Position of each restored row among `parts[b]`.
    let mut slot_of_row = vec![usize::MAX; p];
    let mut restored = 0;
    for ((row, dst), sliver) in blob.chunks_exact_mut(row_bytes).enumerate().zip(&given) {
        match sliver {
            Some(sliver) => copies.push((dst, sliver)),
            None => {
                slot_of_row[row] = restored;
                restored += 1;
                for (part, columns) in parts.iter_mut().zip(dst.chunks_mut(batch * sym)) {
                    part.push(columns);
                }
            }
        }
    }
    copies
        .into_par_iter()
        .for_each(|(dst, sliver)| dst.copy_from_slice(&sliver.data));
    if restored > 0 {
        let indices: Vec<usize> = chosen.iter().map(|sl| usize::from(sl.index)).collect();
        let plan = rs::Restorer::new(p, n, &indices);
        let pool = Pool::<Scratch>::default();
        parts.into_par_iter().enumerate().for_each(|(b, mut rows)| {
            let first = b * batch;
            let width = batch.min(s - first);
            let shard_len = layout::packed_len(width, sym);
            pool.with(|scratch| {
                let Scratch {
                    decoder,
                    engine,
                    work,
                    shard,
                    planes,
                    unplanes,
                } = scratch;
                let fill = |i: usize, buf: &mut [u8]| {
                    let part = &chosen[i].data[first * sym..];
                    layout::pack_strided(part, sym, width, sym, buf, planes);
                };
                let take = |row: usize, buf: &[u8]| {
                    let dst = &mut *rows[slot_of_row[row]];
                    layout::unpack_strided(buf, width, sym, dst, sym, unplanes);
                };
                match &plan {
                    Some(plan) => {
                        let engine = engine.get_or_insert_with(rs::Transforms::new);
                        plan.restore(engine, work, shard_len, fill, take);
                    }
                    None => rs::restore_sources_with(
                        decoder, p, n, shard_len, &indices, shard, fill, take,
                    ),
                }
            });
        });
    }
    blob.truncate(len);
    Ok(())
}

/// Like [`decode`], and then re-encodes the result to check it reproduces `blob_id`.
///
/// This catches a writer that committed to slivers which do not form one codeword (different
/// sets of slivers would decode to different blobs). It costs one more blob-ID computation.
pub fn decode_and_verify(
    metadata: &BlobMetadata,
    blob_id: &BlobId,
    slivers: &[Sliver],
) -> Result<Vec<u8>, DecodeError> {
    let blob = decode(metadata, blob_id, slivers)?;
    let (config, _) = metadata.checked_config()?;
    if crate::encode::blob_id(&config, &blob)? != *blob_id {
        return Err(DecodeError::InconsistentEncoding(blob_id.to_string()));
    }
    Ok(blob)
}

//! Decoding a blob from any `p` primary slivers.

use rayon::prelude::*;

use crate::blob_id::BlobId;
use crate::error::DecodeError;
use crate::layout;
use crate::metadata::BlobMetadata;
use crate::rs;
use crate::sliver::{Axis, Sliver};
use crate::verify::{check_shape, verify_slivers};

/// Columns decoded per Reed–Solomon call.
fn columns_per_batch(symbol_size: usize) -> usize {
    (16 * 1024 / symbol_size).clamp(1, 64)
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

/// Decodes the blob named `blob_id` from its metadata and at least `p` primary slivers.
///
/// The metadata is checked against the blob ID and every sliver used against the metadata,
/// so the result is the blob the writer committed to, for any honest encoding. To also rule out
/// a writer who encoded inconsistently on purpose, use [`decode_and_verify`].
pub fn decode(
    metadata: &BlobMetadata,
    blob_id: &BlobId,
    slivers: &[Sliver],
) -> Result<Vec<u8>, DecodeError> {
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

    let mut blob = vec![0u8; p * s * sym];
    let systematic = chosen.iter().all(|sl| usize::from(sl.index) < p);
    if systematic {
        for sliver in &chosen {
            let row = usize::from(sliver.index);
            blob[row * s * sym..(row + 1) * s * sym].copy_from_slice(&sliver.data);
        }
    } else {
        let batch = columns_per_batch(sym);
        let spans: Vec<(usize, usize)> = (0..s)
            .step_by(batch)
            .map(|first| (first, batch.min(s - first)))
            .collect();
        let decoded: Vec<(usize, usize, Vec<u8>)> = spans
            .into_par_iter()
            .map(|(first, width)| {
                let shard_len = layout::packed_len(width, sym);
                let mut packed = vec![0u8; chosen.len() * shard_len];
                for (sliver, shard) in chosen.iter().zip(packed.chunks_exact_mut(shard_len)) {
                    let part = &sliver.data[first * sym..(first + width) * sym];
                    layout::pack(part.chunks_exact(sym), sym, shard);
                }
                let shards: Vec<(usize, &[u8])> = chosen
                    .iter()
                    .zip(packed.chunks_exact(shard_len))
                    .map(|(sliver, shard)| (usize::from(sliver.index), shard))
                    .collect();
                (first, width, rs::decode_sources(&shards, p, n, shard_len))
            })
            .collect();
        for (first, width, rows) in decoded {
            let shard_len = layout::packed_len(width, sym);
            for (row, shard) in rows.chunks_exact(shard_len).enumerate() {
                for c in 0..width {
                    let at = (row * s + first + c) * sym;
                    layout::unpack_symbol(shard, c, sym, &mut blob[at..at + sym]);
                }
            }
        }
    }
    blob.truncate(len);
    Ok(blob)
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

//! Restoring missing source rows one band of columns at a time, for readers that must not
//! hold a whole blob.
//!
//! [`crate::decode`] restores missing source rows from `p` whole primary slivers held in
//! memory, so its memory grows with the blob. But each source column is its own Reed–Solomon
//! codeword along the primary axis: column `j` of the missing rows follows from column `j` of
//! any `p` primary slivers. So a reader that keeps the slivers it fetched on disk can restore
//! the missing rows band by band, holding only one band of `p` slivers at a time.
//! [`restore_band`] is that step; checking the result (the slivers against the metadata, the
//! restored blob against the blob ID) stays the caller's job, as with [`crate::decode`].

use rayon::prelude::*;

use crate::config::EncodingConfig;
use crate::decode::columns_per_batch;
use crate::error::DecodeError;
use crate::layout;
use crate::pool::Pool;
use crate::rs;

/// Per-task buffers of one band's column batches.
#[derive(Default)]
struct Scratch {
    decoder: Option<rs::Decoder>,
    engine: Option<rs::Transforms>,
    work: Vec<[u8; 64]>,
    shard: Vec<u8>,
    planes: Vec<u8>,
    unplanes: Vec<u8>,
}

/// The source rows (primary slivers `0..p`) that `given` lacks, ascending.
pub fn missing_rows(config: &EncodingConfig, given: &[usize]) -> Vec<usize> {
    let p = config.n_primary_source();
    let mut present = vec![false; p];
    for &index in given {
        if let Some(slot) = present.get_mut(index) {
            *slot = true;
        }
    }
    (0..p).filter(|&row| !present[row]).collect()
}

/// Restores, for one band of `width` source columns, the source rows missing from `given`.
///
/// `given` lists `p` distinct primary sliver indices (in `0..n`; source rows the caller knows
/// to be zero padding count as given, with zero parts); `parts[i]` holds sliver `given[i]`'s
/// symbols in the band's columns, `width · symbol_size` bytes. Returns the rows
/// [`missing_rows`] names, each with its symbols in the band, row after row
/// (`missing · width · symbol_size` bytes). Any band of columns works, as each column decodes
/// alone; the same `given` must be used for every band of a blob.
pub fn restore_band(
    config: &EncodingConfig,
    symbol_size: usize,
    given: &[usize],
    width: usize,
    parts: &[&[u8]],
) -> Result<(Vec<usize>, Vec<u8>), DecodeError> {
    let (n, p) = (config.n_shards(), config.n_primary_source());
    if symbol_size == 0 || !symbol_size.is_multiple_of(2) {
        return Err(DecodeError::MalformedMetadata(format!(
            "symbol size {symbol_size} is not a positive even number"
        )));
    }
    let mut seen = vec![false; n];
    for &index in given {
        if index >= n {
            return Err(DecodeError::IndexOutOfRange { index, n_shards: n });
        }
        seen[index] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    if given.len() != p || distinct != p {
        return Err(DecodeError::NotEnoughSlivers {
            needed: p,
            got: distinct,
            what: "primary slivers (exactly, each once)",
        });
    }
    let band_bytes = width * symbol_size;
    if parts.len() != given.len() {
        return Err(DecodeError::NotEnoughSlivers {
            needed: given.len(),
            got: parts.len(),
            what: "sliver parts, one per given sliver",
        });
    }
    for (&index, part) in given.iter().zip(parts) {
        if part.len() != band_bytes {
            return Err(DecodeError::WrongSliverLength {
                axis: "primary",
                index,
                expected: band_bytes,
                got: part.len(),
            });
        }
    }
    let missing = missing_rows(config, given);
    let mut out = vec![0u8; missing.len() * band_bytes];
    if missing.is_empty() || width == 0 {
        return Ok((missing, out));
    }
    // Each missing row's band, cut into the column batches, so that the batches can write in
    // parallel without sharing.
    let batch = columns_per_batch(symbol_size);
    let mut slot_of_row = vec![usize::MAX; p];
    for (slot, &row) in missing.iter().enumerate() {
        slot_of_row[row] = slot;
    }
    let mut by_batch: Vec<Vec<&mut [u8]>> =
        (0..width.div_ceil(batch)).map(|_| Vec::new()).collect();
    for row in out.chunks_exact_mut(band_bytes) {
        for (part, columns) in by_batch.iter_mut().zip(row.chunks_mut(batch * symbol_size)) {
            part.push(columns);
        }
    }
    let plan = rs::Restorer::new(p, n, given);
    let pool = Pool::<Scratch>::default();
    let sym = symbol_size;
    by_batch
        .into_par_iter()
        .enumerate()
        .for_each(|(b, mut rows)| {
            let first = b * batch;
            let columns = batch.min(width - first);
            let shard_len = layout::packed_len(columns, sym);
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
                    layout::pack_strided(&parts[i][first * sym..], sym, columns, sym, buf, planes);
                };
                let take = |row: usize, buf: &[u8]| {
                    let dst = &mut *rows[slot_of_row[row]];
                    layout::unpack_strided(buf, columns, sym, dst, sym, unplanes);
                };
                match &plan {
                    Some(plan) => {
                        let engine = engine.get_or_insert_with(rs::Transforms::new);
                        plan.restore(engine, work, shard_len, fill, take);
                    }
                    None => {
                        rs::restore_sources_with(decoder, p, n, shard_len, given, shard, fill, take)
                    }
                }
            });
        });
    Ok((missing, out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sliver::SliverPair;

    fn blob(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i * 131 % 251) as u8 ^ (i >> 9) as u8)
            .collect()
    }

    /// The band `columns` of primary sliver `index`.
    fn band(
        pairs: &[SliverPair],
        index: usize,
        columns: std::ops::Range<usize>,
        sym: usize,
    ) -> &[u8] {
        let sliver = &pairs
            .iter()
            .find(|p| usize::from(p.primary.index) == index)
            .unwrap()
            .primary;
        &sliver.data[columns.start * sym..columns.end * sym]
    }

    #[test]
    fn bands_restore_the_missing_rows_as_a_full_decode_does() {
        for (n, len, lost) in [
            (10usize, 5_000usize, 2usize),
            (40, 300_000, 5),
            (100, 1 << 20, 20),
        ] {
            let config = EncodingConfig::new(n).unwrap();
            let data = blob(len);
            let (metadata, pairs) = crate::encode(&config, &data).unwrap();
            let (p, s) = (config.n_primary_source(), config.n_secondary_source());
            let sym = config.symbol_size(len as u64).unwrap();
            // Lose `lost` source rows spread over the grid; take as many slivers beyond `p`.
            let lost_rows: Vec<usize> = (0..lost).map(|k| k * p / lost).collect();
            let mut given: Vec<usize> = (0..p).filter(|r| !lost_rows.contains(r)).collect();
            given.extend((0..lost).map(|k| n - 1 - 2 * k));
            assert_eq!(missing_rows(&config, &given), lost_rows);
            // Uneven bands, the last one short.
            let width = s / 3 + 1;
            let mut restored = vec![vec![0u8; s * sym]; lost];
            let mut start = 0;
            while start < s {
                let columns = start..(start + width).min(s);
                let parts: Vec<&[u8]> = given
                    .iter()
                    .map(|&i| band(&pairs, i, columns.clone(), sym))
                    .collect();
                let (rows, out) =
                    restore_band(&config, sym, &given, columns.len(), &parts).unwrap();
                assert_eq!(rows, lost_rows);
                for (slot, piece) in out.chunks_exact(columns.len() * sym).enumerate() {
                    restored[slot][columns.start * sym..columns.end * sym].copy_from_slice(piece);
                }
                start = columns.end;
            }
            let mut padded = data.clone();
            padded.resize(p * s * sym, 0);
            for (row, bytes) in lost_rows.iter().zip(&restored) {
                assert!(
                    bytes[..] == padded[row * s * sym..(row + 1) * s * sym],
                    "n = {n}: row {row} restored wrong"
                );
            }
            // The same slivers decode to the same blob in memory.
            let slivers: Vec<_> = given
                .iter()
                .map(|&i| {
                    pairs
                        .iter()
                        .find(|p| usize::from(p.primary.index) == i)
                        .unwrap()
                        .primary
                        .clone()
                })
                .collect();
            assert_eq!(
                crate::decode(&metadata, &metadata.blob_id(), &slivers).unwrap(),
                data
            );
        }
    }

    #[test]
    fn bad_inputs_are_refused() {
        let config = EncodingConfig::new(10).unwrap();
        let p = config.n_primary_source();
        let given: Vec<usize> = (1..=p).collect();
        let part = vec![0u8; 4];
        let parts: Vec<&[u8]> = vec![&part; p];
        assert!(restore_band(&config, 2, &given, 2, &parts).is_ok());
        // A symbol size that is odd.
        assert!(matches!(
            restore_band(&config, 3, &given, 2, &parts),
            Err(DecodeError::MalformedMetadata(_))
        ));
        // One sliver twice, one too few, one out of range.
        let mut twice = given.clone();
        twice[0] = twice[1];
        assert!(matches!(
            restore_band(&config, 2, &twice, 2, &parts),
            Err(DecodeError::NotEnoughSlivers { .. })
        ));
        assert!(matches!(
            restore_band(&config, 2, &given[1..], 2, &parts[1..]),
            Err(DecodeError::NotEnoughSlivers { .. })
        ));
        let mut far = given.clone();
        far[0] = 10;
        assert!(matches!(
            restore_band(&config, 2, &far, 2, &parts),
            Err(DecodeError::IndexOutOfRange { index: 10, .. })
        ));
        // A part of the wrong length.
        let short = vec![0u8; 3];
        let mut uneven = parts.clone();
        uneven[2] = &short;
        assert!(matches!(
            restore_band(&config, 2, &given, 2, &uneven),
            Err(DecodeError::WrongSliverLength { .. })
        ));
    }
}

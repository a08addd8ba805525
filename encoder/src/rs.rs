//! Batched Reed–Solomon coding over packed shards (see `layout`).

use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

use crate::layout;

/// Computes the `total − source` recovery symbols for a batch of axes.
///
/// `source_shards` holds `source` packed shards of `shard_len` bytes back to back; the
/// recovery shards are returned the same way. Reusing `encoder` across calls keeps its work
/// buffers.
pub fn encode_recovery(
    encoder: &mut Option<ReedSolomonEncoder>,
    source_shards: &[u8],
    source: usize,
    total: usize,
    shard_len: usize,
) -> Vec<u8> {
    let mut out = vec![0u8; (total - source) * shard_len];
    let mut shards = source_shards.chunks_exact(shard_len);
    let filled: Result<(), std::convert::Infallible> = encode_recovery_with(
        encoder,
        source,
        total,
        shard_len,
        &mut Vec::new(),
        |_, shard| {
            shard.copy_from_slice(shards.next().expect("`source` shards given"));
            Ok(())
        },
        |index, shard| out[index * shard_len..(index + 1) * shard_len].copy_from_slice(shard),
    );
    match filled {
        Ok(()) => out,
        Err(never) => match never {},
    }
}

/// Like [`encode_recovery`], but asks `fill(k, buf)` to write source shard `k` into a reused
/// shard buffer (so no batch of packed shards is ever held), and hands each recovery shard
/// (index in `0..total − source`) to `take` straight from the encoder's buffer.
pub fn encode_recovery_with<E>(
    encoder: &mut Option<ReedSolomonEncoder>,
    source: usize,
    total: usize,
    shard_len: usize,
    shard_buf: &mut Vec<u8>,
    mut fill: impl FnMut(usize, &mut [u8]) -> Result<(), E>,
    mut take: impl FnMut(usize, &[u8]),
) -> Result<(), E> {
    let recovery = total - source;
    let enc = match encoder {
        Some(enc) => {
            enc.reset(source, recovery, shard_len)
                .expect("shard counts and length were valid before");
            enc
        }
        None => encoder.insert(
            ReedSolomonEncoder::new(source, recovery, shard_len)
                .expect("config guarantees 1 ≤ source < total ≤ 65535 and even shards"),
        ),
    };
    shard_buf.resize(shard_len, 0);
    for k in 0..source {
        fill(k, &mut shard_buf[..shard_len])?;
        enc.add_original_shard(&shard_buf[..shard_len])
            .expect("exactly `source` shards of the declared length");
    }
    let result = enc.encode().expect("all original shards were added");
    for (index, shard) in result.recovery_iter().enumerate() {
        take(index, shard);
    }
    Ok(())
}

/// Restores the `source` source shards from any `source` distinct shards of `total`.
///
/// `shards` are (index in `0..total`, packed shard). Returns the source shards in order.
pub fn decode_sources(
    shards: &[(usize, &[u8])],
    source: usize,
    total: usize,
    shard_len: usize,
) -> Vec<u8> {
    let mut out = vec![0u8; source * shard_len];
    let mut present = vec![false; source];
    for &(index, shard) in shards {
        if index < source {
            out[index * shard_len..(index + 1) * shard_len].copy_from_slice(shard);
            present[index] = true;
        }
    }
    if present.iter().all(|&p| p) {
        return out;
    }
    let mut decoder = ReedSolomonDecoder::new(source, total - source, shard_len)
        .expect("config guarantees valid counts and even shards");
    for &(index, shard) in shards {
        if index < source {
            decoder
                .add_original_shard(index, shard)
                .expect("distinct, in-range shards of the declared length");
        } else {
            decoder
                .add_recovery_shard(index - source, shard)
                .expect("distinct, in-range shards of the declared length");
        }
    }
    let result = decoder
        .decode()
        .expect("caller supplies `source` distinct shards");
    for (index, shard) in result.restored_original_iter() {
        out[index * shard_len..(index + 1) * shard_len].copy_from_slice(shard);
    }
    out
}

/// Expands one axis of `source` symbols to `total` symbols (used for single slivers).
pub fn expand_axis(symbols: &[u8], source: usize, total: usize, symbol_size: usize) -> Vec<u8> {
    let shard_len = layout::packed_len(1, symbol_size);
    let mut packed = vec![0u8; source * shard_len];
    for (symbol, shard) in symbols
        .chunks_exact(symbol_size)
        .zip(packed.chunks_exact_mut(shard_len))
    {
        layout::pack(std::iter::once(symbol), symbol_size, shard);
    }
    let recovery = encode_recovery(&mut None, &packed, source, total, shard_len);
    let mut out = Vec::with_capacity(total * symbol_size);
    out.extend_from_slice(symbols);
    let mut symbol = vec![0u8; symbol_size];
    for shard in recovery.chunks_exact(shard_len) {
        layout::unpack_symbol(shard, 0, symbol_size, &mut symbol);
        out.extend_from_slice(&symbol);
    }
    out
}

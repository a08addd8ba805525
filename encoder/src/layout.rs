//! Packing symbols into the shard layout of `reed-solomon-simd`, so that one Reed–Solomon call
//! codes many rows or columns at once.
//!
//! Reed–Solomon over GF(2^16) acts on each 16-bit element position independently, so coding a
//! batch of columns is the same as coding each column, provided every element keeps its value.
//! reed-solomon-simd reads a shard in 64-byte chunks whose element `k` is the byte pair
//! (`chunk[k]`, `chunk[32 + k]`); a final partial chunk of `t` bytes pairs (`tail[k]`,
//! `tail[t/2 + k]`). So a symbol is a list of `symbol_size / 2` elements, each a (low, high)
//! byte pair. A batch shard lays the elements of its symbols one after another in the same
//! chunk format, which keeps every element — and therefore every coded symbol — identical to
//! what Walrus computes symbol by symbol.

/// Bytes of a shard that holds `count` symbols of `symbol_size` bytes.
pub fn packed_len(count: usize, symbol_size: usize) -> usize {
    (count * symbol_size / 2).div_ceil(32) * 64
}

/// Calls `f(range in symbol, plane, first element)` for the low (plane 0) and high (plane 1)
/// byte runs of one symbol.
#[inline]
fn for_each_run(symbol_size: usize, mut f: impl FnMut(std::ops::Range<usize>, usize, usize)) {
    let whole = symbol_size / 64;
    let tail = symbol_size % 64;
    for c in 0..whole {
        f(64 * c..64 * c + 32, 0, 32 * c);
        f(64 * c + 32..64 * c + 64, 1, 32 * c);
    }
    if tail > 0 {
        let base = 64 * whole;
        f(base..base + tail / 2, 0, 32 * whole);
        f(base + tail / 2..base + tail, 1, 32 * whole);
    }
}

/// Visits the packed-shard byte runs that hold plane `plane` elements `first..first + len`.
#[inline]
fn for_each_plane_run(plane: usize, first: usize, len: usize, mut f: impl FnMut(usize, usize)) {
    let mut element = first;
    let mut done = 0;
    while done < len {
        let lane = element % 32;
        let run = (32 - lane).min(len - done);
        f((element / 32) * 64 + plane * 32 + lane, run);
        element += run;
        done += run;
    }
}

/// Packs `symbols` (each `symbol_size` bytes) into `shard`, which must be
/// `packed_len(count, symbol_size)` bytes; padding is zeroed.
pub fn pack<'a>(symbols: impl Iterator<Item = &'a [u8]>, symbol_size: usize, shard: &mut [u8]) {
    if symbol_size.is_multiple_of(64) {
        // Whole chunks line up: the packed shard is the plain concatenation.
        let mut at = 0;
        for symbol in symbols {
            shard[at..at + symbol_size].copy_from_slice(symbol);
            at += symbol_size;
        }
        shard[at..].fill(0);
        return;
    }
    let per_symbol = symbol_size / 2;
    let mut written = 0;
    for (j, symbol) in symbols.enumerate() {
        let base = j * per_symbol;
        for_each_run(symbol_size, |range, plane, first| {
            let mut src = &symbol[range];
            for_each_plane_run(plane, base + first, src.len(), |at, run| {
                shard[at..at + run].copy_from_slice(&src[..run]);
                src = &src[run..];
            });
        });
        written = j + 1;
    }
    // Zero the padding elements after the last symbol.
    let used = written * per_symbol;
    let total = shard.len() / 2;
    if used < total {
        for plane in 0..2 {
            for_each_plane_run(plane, used, total - used, |at, run| {
                shard[at..at + run].fill(0);
            });
        }
    }
}

/// Unpacks symbol `j` of a packed shard into `out` (`symbol_size` bytes).
pub fn unpack_symbol(shard: &[u8], j: usize, symbol_size: usize, out: &mut [u8]) {
    if symbol_size.is_multiple_of(64) {
        out.copy_from_slice(&shard[j * symbol_size..(j + 1) * symbol_size]);
        return;
    }
    let base = j * (symbol_size / 2);
    for_each_run(symbol_size, |range, plane, first| {
        let mut dst = &mut out[range];
        for_each_plane_run(plane, base + first, dst.len(), |at, run| {
            let (head, rest) = std::mem::take(&mut dst).split_at_mut(run);
            head.copy_from_slice(&shard[at..at + run]);
            dst = rest;
        });
    });
}

/// Packs `count` symbols, symbol `j` at `src[j·stride ..]`, into `shard` (`packed_len(count,
/// symbol_size)` bytes, padding zeroed): the same bytes as [`pack`], in two streaming passes.
pub fn pack_strided(
    src: &[u8],
    stride: usize,
    count: usize,
    symbol_size: usize,
    shard: &mut [u8],
    planes: &mut Vec<u8>,
) {
    pack_each(
        count,
        symbol_size,
        |j| &src[j * stride..j * stride + symbol_size],
        shard,
        planes,
    );
}

/// Packs `count` symbols, symbol `j` being `symbol(j)` (`symbol_size` bytes), into `shard`
/// (`packed_len(count, symbol_size)` bytes, padding zeroed): the same bytes as [`pack`], in two
/// streaming passes, for symbols that need not lie in one buffer (one per sliver, say).
///
/// A batch shard is the low bytes of all its elements in order, interleaved 32 at a time with
/// their high bytes. So each symbol's low and high runs are first gathered into the two
/// plane streams (`planes`, reused), whole 32-byte runs at a time, then interleaved.
pub fn pack_each<'a>(
    count: usize,
    symbol_size: usize,
    symbol: impl Fn(usize) -> &'a [u8],
    shard: &mut [u8],
    planes: &mut Vec<u8>,
) {
    if symbol_size.is_multiple_of(64) {
        for j in 0..count {
            shard[j * symbol_size..(j + 1) * symbol_size].copy_from_slice(symbol(j));
        }
        shard[count * symbol_size..].fill(0);
        return;
    }
    let half = shard.len() / 2;
    planes.resize(2 * half, 0);
    let (low, high) = planes.split_at_mut(half);
    let per_symbol = symbol_size / 2;
    let whole = symbol_size / 64;
    let tail = (symbol_size % 64) / 2;
    for j in 0..count {
        let symbol = symbol(j);
        let base = j * per_symbol;
        for c in 0..whole {
            let at = base + 32 * c;
            low[at..at + 32].copy_from_slice(&symbol[64 * c..64 * c + 32]);
            high[at..at + 32].copy_from_slice(&symbol[64 * c + 32..64 * c + 64]);
        }
        let at = base + 32 * whole;
        let from = 64 * whole;
        low[at..at + tail].copy_from_slice(&symbol[from..from + tail]);
        high[at..at + tail].copy_from_slice(&symbol[from + tail..from + 2 * tail]);
    }
    let used = count * per_symbol;
    low[used..].fill(0);
    high[used..].fill(0);
    for ((chunk, l), h) in shard
        .chunks_exact_mut(64)
        .zip(low.chunks_exact(32))
        .zip(high.chunks_exact(32))
    {
        chunk[..32].copy_from_slice(l);
        chunk[32..].copy_from_slice(h);
    }
}

/// Unpacks the first `count` symbols of `shard`, symbol `j` into `out[j·stride ..]`: the
/// inverse of [`pack_strided`], with `planes` reused between calls.
pub fn unpack_strided(
    shard: &[u8],
    count: usize,
    symbol_size: usize,
    out: &mut [u8],
    stride: usize,
    planes: &mut Vec<u8>,
) {
    if symbol_size.is_multiple_of(64) {
        for j in 0..count {
            out[j * stride..j * stride + symbol_size]
                .copy_from_slice(&shard[j * symbol_size..(j + 1) * symbol_size]);
        }
        return;
    }
    let half = shard.len() / 2;
    planes.resize(2 * half, 0);
    let (low, high) = planes.split_at_mut(half);
    for ((chunk, l), h) in shard
        .chunks_exact(64)
        .zip(low.chunks_exact_mut(32))
        .zip(high.chunks_exact_mut(32))
    {
        l.copy_from_slice(&chunk[..32]);
        h.copy_from_slice(&chunk[32..]);
    }
    let per_symbol = symbol_size / 2;
    let whole = symbol_size / 64;
    let tail = (symbol_size % 64) / 2;
    for j in 0..count {
        let symbol = &mut out[j * stride..j * stride + symbol_size];
        let base = j * per_symbol;
        for c in 0..whole {
            let at = base + 32 * c;
            symbol[64 * c..64 * c + 32].copy_from_slice(&low[at..at + 32]);
            symbol[64 * c + 32..64 * c + 64].copy_from_slice(&high[at..at + 32]);
        }
        let at = base + 32 * whole;
        let from = 64 * whole;
        symbol[from..from + tail].copy_from_slice(&low[at..at + tail]);
        symbol[from + tail..from + 2 * tail].copy_from_slice(&high[at..at + tail]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_then_unpack_is_identity() {
        for symbol_size in [2usize, 6, 30, 62, 64, 66, 128, 190, 302] {
            for count in [1usize, 2, 3, 11, 40] {
                let data: Vec<u8> = (0..count * symbol_size)
                    .map(|i| (i * 31 + 7) as u8)
                    .collect();
                let mut shard = vec![0xAA; packed_len(count, symbol_size)];
                pack(data.chunks(symbol_size), symbol_size, &mut shard);
                let mut out = vec![0; symbol_size];
                for j in 0..count {
                    unpack_symbol(&shard, j, symbol_size, &mut out);
                    assert_eq!(out, data[j * symbol_size..(j + 1) * symbol_size]);
                }
                // Padding elements are zero.
                let used = count * symbol_size / 2;
                for element in used..shard.len() / 2 {
                    let at = (element / 32) * 64 + element % 32;
                    assert_eq!((shard[at], shard[at + 32]), (0, 0));
                }
            }
        }
    }

    #[test]
    fn strided_pack_and_unpack_match_the_plain_ones() {
        for symbol_size in [2usize, 6, 30, 62, 64, 66, 128, 190, 302, 4822] {
            for count in [1usize, 2, 3, 11, 40] {
                let stride = symbol_size + 10;
                let src: Vec<u8> = (0..count * stride).map(|i| (i * 17 + 3) as u8).collect();
                let symbols = (0..count).map(|j| &src[j * stride..j * stride + symbol_size]);
                let mut expected = vec![0xAA; packed_len(count, symbol_size)];
                pack(symbols, symbol_size, &mut expected);
                let mut shard = vec![0xAA; expected.len()];
                let mut planes = vec![0x55; 3];
                pack_strided(&src, stride, count, symbol_size, &mut shard, &mut planes);
                assert_eq!(shard, expected, "size {symbol_size} count {count}");
                let mut out = vec![0u8; count * stride];
                unpack_strided(&shard, count, symbol_size, &mut out, stride, &mut planes);
                for j in 0..count {
                    assert_eq!(
                        out[j * stride..j * stride + symbol_size],
                        src[j * stride..j * stride + symbol_size]
                    );
                }
            }
        }
    }

    #[test]
    fn single_symbol_matches_library_layout() {
        // A lone symbol packs exactly as reed-solomon-simd lays out a shard of that size.
        let symbol: Vec<u8> = (0..6).collect();
        let mut shard = vec![0; packed_len(1, 6)];
        pack(std::iter::once(&symbol[..]), 6, &mut shard);
        assert_eq!(&shard[..3], &[0, 1, 2]);
        assert_eq!(&shard[32..35], &[3, 4, 5]);
    }
}

//! Batched Reed–Solomon coding over packed shards (see `layout`).

use reed_solomon_simd::engine::{
    DefaultEngine, Engine, GF_MODULUS, GF_ORDER, GfElement, NoSimd, ShardsRefMut, tables,
};
use reed_solomon_simd::rate::{DefaultRateDecoder, DefaultRateEncoder, RateDecoder, RateEncoder};

use crate::gfni::Gfni;
use crate::kernel_cap::{self, Tier};

use crate::layout;
use crate::xor;

/// The transform engine: AVX-512 with GFNI where the CPU has them (see `gfni`), otherwise
/// `reed-solomon-simd`'s own pick (AVX2, else SSSE3), or its scalar engine when the kernel
/// override asks for the portable path. All compute identical shards; the choice is made once
/// per engine, so the transforms' inner loops never branch on it.
pub enum Transforms {
    Gfni(Gfni),
    Simd(DefaultEngine),
    Scalar(NoSimd),
}

impl Transforms {
    pub fn new() -> Self {
        if let Some(gfni) = Gfni::new() {
            Self::Gfni(gfni)
        } else if kernel_cap::allowed(Tier::Avx2) {
            Self::Simd(DefaultEngine::new())
        } else {
            Self::Scalar(NoSimd::new())
        }
    }
}

/// True when this CPU has an instruction set `reed-solomon-simd` picks over its scalar engine
/// (AVX2 or SSSE3 on x86, Neon on Arm).
pub(crate) fn simd_engine_cpu() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") || std::is_x86_feature_detected!("ssse3")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("neon")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

impl Default for Transforms {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine for Transforms {
    fn fft(
        &self,
        data: &mut ShardsRefMut,
        pos: usize,
        size: usize,
        truncated_size: usize,
        skew_delta: usize,
    ) {
        match self {
            Self::Gfni(e) => e.fft(data, pos, size, truncated_size, skew_delta),
            Self::Simd(e) => e.fft(data, pos, size, truncated_size, skew_delta),
            Self::Scalar(e) => e.fft(data, pos, size, truncated_size, skew_delta),
        }
    }

    fn ifft(
        &self,
        data: &mut ShardsRefMut,
        pos: usize,
        size: usize,
        truncated_size: usize,
        skew_delta: usize,
    ) {
        match self {
            Self::Gfni(e) => e.ifft(data, pos, size, truncated_size, skew_delta),
            Self::Simd(e) => e.ifft(data, pos, size, truncated_size, skew_delta),
            Self::Scalar(e) => e.ifft(data, pos, size, truncated_size, skew_delta),
        }
    }

    fn mul(&self, x: &mut [[u8; 64]], log_m: GfElement) {
        match self {
            Self::Gfni(e) => e.mul(x, log_m),
            Self::Simd(e) => e.mul(x, log_m),
            Self::Scalar(e) => e.mul(x, log_m),
        }
    }
}

/// `reed-solomon-simd`'s encoder (it picks the high or low rate code as Walrus's does) on
/// [`Transforms`].
pub type Encoder = DefaultRateEncoder<Transforms>;

/// `reed-solomon-simd`'s decoder on [`Transforms`].
pub type Decoder = DefaultRateDecoder<Transforms>;

/// Computes the `total − source` recovery symbols for a batch of axes.
///
/// `source_shards` holds `source` packed shards of `shard_len` bytes back to back; the
/// recovery shards are returned the same way. Reusing `encoder` across calls keeps its work
/// buffers.
pub fn encode_recovery(
    encoder: &mut Option<Encoder>,
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
    encoder: &mut Option<Encoder>,
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
            Encoder::new(source, recovery, shard_len, Transforms::new(), None)
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
    let mut decoder = Decoder::new(source, total - source, shard_len, Transforms::new(), None)
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

/// Restores the missing source shards of a batch of axes from `given.len() == source`
/// distinct shards of `total`, reusing `decoder`'s work space across calls.
///
/// `given` lists the shard indices (in `0..total`); `fill(i, buf)` writes the shard `given[i]`
/// into a reused shard buffer, and `take(index, shard)` receives each restored source shard
/// (index in `0..source`, only those not in `given`) straight from the decoder's buffer. The
/// caller must not call this when every source shard is given: there is nothing to restore.
#[allow(clippy::too_many_arguments)]
pub fn restore_sources_with(
    decoder: &mut Option<Decoder>,
    source: usize,
    total: usize,
    shard_len: usize,
    given: &[usize],
    shard_buf: &mut Vec<u8>,
    mut fill: impl FnMut(usize, &mut [u8]),
    mut take: impl FnMut(usize, &[u8]),
) {
    let recovery = total - source;
    let dec = match decoder {
        Some(dec) => {
            dec.reset(source, recovery, shard_len)
                .expect("shard counts and length were valid before");
            dec
        }
        None => decoder.insert(
            Decoder::new(source, recovery, shard_len, Transforms::new(), None)
                .expect("config guarantees valid counts and even shards"),
        ),
    };
    shard_buf.resize(shard_len, 0);
    for (i, &index) in given.iter().enumerate() {
        let shard = &mut shard_buf[..shard_len];
        fill(i, shard);
        if index < source {
            dec.add_original_shard(index, &*shard)
        } else {
            dec.add_recovery_shard(index - source, &*shard)
        }
        .expect("distinct, in-range shards of the declared length");
    }
    let result = dec
        .decode()
        .expect("caller supplies `source` distinct shards");
    for (index, shard) in result.restored_original_iter() {
        take(index, shard);
    }
}

/// Restores missing source shards from one fixed set of given shards, batch after batch.
///
/// This is the low-rate decoding of `reed-solomon-simd` (Lin–Chung–Han: multiply by the
/// erasure locator, IFFT, formal derivative, FFT, multiply again) written against its public
/// engine, so that what depends only on which shards are given — the erasure locator,
/// evaluated by a transform over the whole field — is computed once per blob instead of once
/// per batch. That lets a batch be small enough for its work space to stay in the core's
/// caches, which is what decoding speed depends on.
///
/// The transforms are also cut down to what the result needs. The code's positions are
/// `chunk`-sized blocks (`chunk` = source count rounded up to a power of two): block 0 holds
/// the sources, the next blocks the recovery shards, and the transforms span `count` = 1, 2 or
/// 4 blocks. Only FFT outputs in block 0 are wanted, and the FFT's layers above `chunk` undo
/// the IFFT's layers above `chunk` butterfly for butterfly, except for what the derivative
/// adds in between. Writing `e_b` for the per-block IFFT of block `b` (layers below `chunk`
/// only) and `D` for the derivative over one block, the FFT's block-0 input is
///
/// - `count = chunk`: `D(e_0)`;
/// - `count = 2·chunk`: `D(e_0) + e_0 + e_1`;
/// - `count = 4·chunk`: `D(e_0) + e_1 + e_2 + μ·(e_2 + e_3)`, with `μ` the sum of the skew
///   factors of the layer at distance `chunk` in blocks 0 and 2,
///
/// which follows from the derivative's recursion `D_2n(A, B) = (D_n(A) + B, D_n(B))` and the
/// butterflies being inverses. So the upper layers of both transforms are skipped, the
/// derivative runs over one block instead of four, and the work space ends at the last
/// block holding a given shard. Tests compare the restored shards with the sources.
pub struct Restorer {
    source: usize,
    /// Source count rounded up to a power of two: the block size of the code.
    chunk: usize,
    /// Blocks spanned by the transforms of the whole code (1, 2 or 4).
    span: usize,
    /// Blocks that hold a given shard: the work space.
    blocks: usize,
    recovery_end: usize,
    /// Work-space position of each given shard, in the order given.
    positions: Vec<usize>,
    /// Work-space positions below `recovery_end` that hold no given shard.
    holes: Vec<usize>,
    /// Source indices to restore.
    missing: Vec<usize>,
    /// Log-domain erasure locator values by work-space position.
    erasures: Box<[GfElement; GF_ORDER]>,
    /// `log μ` for a four-block span (see the type's docs), or `None` when `μ = 0`.
    log_mu: Option<GfElement>,
}

impl Restorer {
    /// Plans restoring `source` source shards of `total` from the distinct shard indices
    /// `given` (at least `source` of them); `None` when reed-solomon-simd encodes these counts
    /// at its high rate (callers then use [`restore_sources_with`]). Primary slivers are
    /// decoded from about a third of the shards, which is always the low rate.
    pub fn new(source: usize, total: usize, given: &[usize]) -> Option<Self> {
        let recovery = total - source;
        let chunk = source.next_power_of_two();
        // reed-solomon-simd's high- and low-rate codes give different recovery shards, and its
        // encoder picks the low rate only in these cases; other codes are not ours to restore.
        let low_rate = match chunk.cmp(&recovery.next_power_of_two()) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Equal => source > recovery,
            std::cmp::Ordering::Greater => false,
        };
        if !low_rate || chunk + recovery > GF_ORDER {
            return None;
        }
        let position = |index: usize| {
            if index < source {
                index
            } else {
                chunk + index - source
            }
        };
        let positions: Vec<usize> = given.iter().map(|&index| position(index)).collect();
        // Positions past the last given shard are erasures whatever the code's length, so the
        // transforms can stop there: given low-index shards, the work space shrinks.
        let recovery_end = positions
            .iter()
            .map(|&pos| pos + 1)
            .max()
            .unwrap_or(0)
            .max(chunk);
        let span = recovery_end.next_power_of_two() / chunk;
        if span > 4 {
            // Not a shape the folded transforms cover (the low rate with `recovery ≤ 2·chunk`
            // never gets here).
            return None;
        }
        let blocks = recovery_end.div_ceil(chunk);
        let mut received = vec![false; recovery_end];
        for &pos in &positions {
            received[pos] = true;
        }
        let missing: Vec<usize> = (0..source).filter(|&i| !received[i]).collect();
        let holes: Vec<usize> = (0..recovery_end).filter(|&i| !received[i]).collect();
        let mut erasures: Box<[GfElement; GF_ORDER]> = vec![0; GF_ORDER]
            .into_boxed_slice()
            .try_into()
            .expect("GF_ORDER elements");
        for &pos in holes.iter().filter(|&&pos| pos < source || pos >= chunk) {
            erasures[pos] = 1;
        }
        erasures[recovery_end..].fill(1);
        reed_solomon_simd::engine::utils::eval_poly(&mut erasures, GF_ORDER);
        let log_mu = if span == 4 {
            let skew = reed_solomon_simd::engine::tables::get_skew();
            let tables::ExpLog { exp, log } = tables::get_exp_log();
            let element = |log_m: GfElement| {
                if log_m == GF_MODULUS {
                    0
                } else {
                    exp[usize::from(log_m)]
                }
            };
            let mu = element(skew[chunk - 1]) ^ element(skew[3 * chunk - 1]);
            (mu != 0).then(|| log[usize::from(mu)])
        } else {
            None
        };
        Some(Self {
            source,
            chunk,
            span,
            blocks,
            recovery_end,
            positions,
            holes,
            missing,
            erasures,
            log_mu,
        })
    }

    /// Restores one batch of packed shards of `shard_len` bytes (a multiple of 64): `fill(i,
    /// buf)` writes the shard given `i`-th, and `take(index, shard)` receives each restored
    /// source shard. `work` is reused work space.
    pub fn restore(
        &self,
        engine: &Transforms,
        work: &mut Vec<[u8; 64]>,
        shard_len: usize,
        mut fill: impl FnMut(usize, &mut [u8]),
        mut take: impl FnMut(usize, &[u8]),
    ) {
        debug_assert!(
            shard_len.is_multiple_of(64),
            "packed shards are whole chunks"
        );
        let len64 = shard_len / 64;
        let chunk = self.chunk;
        let count = self.blocks * chunk;
        // Every position is overwritten below: grow without clearing.
        work.resize(count * len64, [0; 64]);
        let work = &mut work[..count * len64];
        let shard = |pos: usize| -> std::ops::Range<usize> { pos * len64..(pos + 1) * len64 };
        for (i, &pos) in self.positions.iter().enumerate() {
            let chunks = &mut work[shard(pos)];
            fill(i, chunks.as_flattened_mut());
            engine.mul(chunks, self.erasures[pos]);
        }
        for &pos in &self.holes {
            work[shard(pos)].fill([0; 64]);
        }
        work[self.recovery_end * len64..].fill([0; 64]);

        // The IFFT's layers below `chunk`, block by block (skews as in the whole transform).
        for b in 0..self.blocks {
            let start = b * chunk;
            engine.ifft(
                &mut ShardsRefMut::new(count, len64, work),
                start,
                chunk,
                (self.recovery_end - start).min(chunk),
                start,
            );
        }
        // Fold the blocks into block 0 (see the type's docs).
        let (first, rest) = work.split_at_mut(chunk * len64);
        let mut others: Vec<&mut [[u8; 64]]> = rest.chunks_mut(chunk * len64).collect();
        match (self.span, others.as_mut_slice()) {
            (1, []) => xor::formal_derivative(first, chunk, len64),
            (2, [e1]) => {
                xor::xor_into(e1, first);
                xor::formal_derivative(first, chunk, len64);
                xor::xor_into(first, e1);
            }
            (4, [e1, e2, tail @ ..]) => {
                xor::xor_into(e1, e2);
                if let [e3] = tail {
                    xor::xor_into(e2, e3);
                }
                if let Some(log_mu) = self.log_mu {
                    engine.mul(e2, log_mu);
                    xor::xor_into(e1, e2);
                }
                xor::formal_derivative(first, chunk, len64);
                xor::xor_into(first, e1);
            }
            _ => unreachable!("`new` keeps span in {{1, 2, 4}} and blocks ≤ span"),
        }
        // Only the source positions are wanted, so the FFT is truncated to them.
        engine.fft(
            &mut ShardsRefMut::new(chunk, len64, first),
            0,
            chunk,
            self.source,
            0,
        );

        for &index in &self.missing {
            let chunks = &mut first[shard(index)];
            engine.mul(chunks, GF_MODULUS - self.erasures[index]);
            take(index, chunks.as_flattened());
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Restoring with a plan gives back exactly the source shards, whichever shards are given
    /// (including sets that end early, which shrink the work space).
    #[test]
    fn restorer_recovers_the_sources() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Codes the encoder builds at the high rate are left to reed-solomon-simd's decoder.
        for (source, total) in [(1usize, 2usize), (2, 4), (5, 7), (667, 1000)] {
            let given: Vec<usize> = (0..source).collect();
            assert!(Restorer::new(source, total, &given).is_none());
        }
        // Every engine; (5, 27) reaches a work space of all four blocks.
        let engines = [
            Some(Transforms::Simd(DefaultEngine::new())),
            Some(Transforms::Scalar(NoSimd::new())),
            Gfni::new().map(Transforms::Gfni),
        ];
        for engine in engines.iter().flatten() {
            for (source, total) in [
                (1usize, 3usize),
                (3, 10),
                (5, 20),
                (5, 27),
                (34, 100),
                (334, 1000),
            ] {
                for shard_len in [64usize, 192] {
                    let sources: Vec<u8> = (0..source * shard_len).map(|_| next() as u8).collect();
                    let recovery = encode_recovery(&mut None, &sources, source, total, shard_len);
                    let shard = |index: usize| {
                        if index < source {
                            &sources[index * shard_len..(index + 1) * shard_len]
                        } else {
                            &recovery
                                [(index - source) * shard_len..(index - source + 1) * shard_len]
                        }
                    };
                    for pattern in 0..5 {
                        // The lowest-index recovery shards first, the highest-index shards, or
                        // random distinct shards.
                        let mut all: Vec<usize> = (0..total).collect();
                        match pattern {
                            0 => all.rotate_left(1),
                            1 => all.reverse(),
                            _ => {
                                for i in (1..total).rev() {
                                    all.swap(i, next() as usize % (i + 1));
                                }
                            }
                        }
                        let given = &all[..source];
                        let Some(plan) = Restorer::new(source, total, given) else {
                            panic!("{source}/{total} is a low-rate code");
                        };
                        let mut restored = sources.clone();
                        for &index in given.iter().filter(|&&index| index < source) {
                            restored[index * shard_len..(index + 1) * shard_len].fill(0);
                        }
                        let mut missing = 0;
                        plan.restore(
                            engine,
                            &mut Vec::new(),
                            shard_len,
                            |i, buf| buf.copy_from_slice(shard(given[i])),
                            |index, buf| {
                                missing += 1;
                                restored[index * shard_len..(index + 1) * shard_len]
                                    .copy_from_slice(buf);
                            },
                        );
                        let expected = (0..source).filter(|i| !given.contains(i)).count();
                        assert_eq!(missing, expected, "{source}/{total}");
                        for &index in given.iter().filter(|&&index| index < source) {
                            restored[index * shard_len..(index + 1) * shard_len]
                                .copy_from_slice(shard(index));
                        }
                        assert_eq!(restored, sources, "{source}/{total} pattern {pattern}");
                    }
                }
            }
        }
    }
}

//! Reed–Solomon transforms on AVX-512 with GFNI: the same results as `reed-solomon-simd`'s
//! engines, several times fewer instructions per field multiplication.
//!
//! Multiplying by a constant of GF(2^16) is linear over GF(2): a 16×16 bit matrix, which is
//! four 8×8 blocks (low and high byte in, low and high byte out). One `vgf2p8affineqb`
//! applies an 8×8 matrix to every byte of a 512-bit register, with a matrix per 64-bit lane.
//! A packed chunk holds 32 low bytes then 32 high bytes, so with the low-to-low and
//! high-to-high blocks in one register's two halves and the crossing blocks in another's, a
//! whole chunk is multiplied by two affine steps, one half swap and one XOR. The AVX2 engine
//! needs eight table shuffles, four masks and shifts and eight XORs for the same chunk.
//!
//! The transforms follow the butterfly order and skew factors of `reed-solomon-simd` (its
//! public `tables::get_skew`), two layers at a time, and keep the four shards of a two-layer
//! group in registers chunk by chunk, so each layer pair reads and writes the work space once.
//! Tests compare every operation with the crate's own engine, bit for bit.
//!
//! `unsafe` is needed here and only here: the kernels are `#[target_feature]` functions that
//! may only be called once the CPU is known to support them, and the vector loads and stores
//! take raw pointers. Each use carries a SAFETY note.
#![allow(unsafe_code)]

use std::sync::LazyLock;

use reed_solomon_simd::engine::tables::{self, Skew};
use reed_solomon_simd::engine::{Engine, GF_MODULUS, GF_ORDER, GfElement, ShardsRefMut};

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// The bit matrix of multiplying by one constant: `same` maps the low byte to the low byte
/// and the high byte to the high byte, `cross` the high byte to the low byte and the low byte
/// to the high byte, each as a `vgf2p8affineqb` 8×8 matrix (row `i` in byte `7 − i`).
#[derive(Clone, Copy, Default)]
struct Matrix {
    low_from_low: u64,
    high_from_high: u64,
    low_from_high: u64,
    high_from_low: u64,
}

impl Matrix {
    /// The matrix of `x ↦ x · exp(log_m)`, read off the products of the 16 basis elements
    /// (the same table product the crate's lookup tables are built from).
    fn of_log(log_m: GfElement) -> Self {
        let tables::ExpLog { exp, log } = tables::get_exp_log();
        let products: [u16; 16] = std::array::from_fn(|j| tables::mul(1 << j, log_m, exp, log));
        // Row `i` of the block from input byte `from` to output byte `to`.
        let block = |from: usize, to: usize| -> u64 {
            (0..8).fold(0u64, |matrix, i| {
                let row = (0..8).fold(0u64, |row, k| {
                    row | u64::from((products[8 * from + k] >> (8 * to + i)) & 1) << k
                });
                matrix | row << (8 * (7 - i))
            })
        };
        Self {
            low_from_low: block(0, 0),
            high_from_high: block(1, 1),
            low_from_high: block(1, 0),
            high_from_low: block(0, 1),
        }
    }
}

/// Matrices for every logarithm (2 MiB, built once, in a few milliseconds). The transforms'
/// "no multiplication" marker `GF_MODULUS` gets the zero matrix, so a butterfly needs no
/// branch for it; [`Engine::mul`] goes through [`MUL_MODULUS`] instead.
static MATRICES: LazyLock<Box<[Matrix]>> = LazyLock::new(|| {
    let mut all: Vec<Matrix> = (0..GF_ORDER)
        .map(|log_m| Matrix::of_log(log_m as GfElement))
        .collect();
    all[usize::from(GF_MODULUS)] = Matrix::default();
    all.into_boxed_slice()
});

/// What `mul` by the logarithm `GF_MODULUS` does in the crate's tables (it is not the
/// transforms' zero), for [`Engine::mul`] callers that pass it.
static MUL_MODULUS: LazyLock<Matrix> = LazyLock::new(|| Matrix::of_log(GF_MODULUS));

/// True when this engine runs: the CPU has AVX-512F for the registers and GFNI for the affine
/// steps, and the kernel override (see [`kernel_cap`](crate::kernel_cap)) leaves AVX-512 on.
pub(crate) fn available() -> bool {
    cpu_has() && crate::kernel_cap::allowed(crate::kernel_cap::Tier::Avx512)
}

/// True when this CPU has AVX-512F and GFNI.
pub(crate) fn cpu_has() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("gfni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The engine. Construct it only through [`Gfni::new`], which checks the CPU.
#[derive(Clone, Copy)]
pub(crate) struct Gfni {
    skew: &'static Skew,
    matrices: &'static [Matrix],
}

impl Gfni {
    /// The engine, if this CPU has AVX-512F and GFNI.
    pub(crate) fn new() -> Option<Self> {
        available().then(|| Self {
            skew: tables::get_skew(),
            matrices: &MATRICES,
        })
    }

    fn matrix(&self, log_m: GfElement) -> Matrix {
        self.matrices[usize::from(log_m)]
    }
}

impl Engine for Gfni {
    fn fft(
        &self,
        data: &mut ShardsRefMut,
        pos: usize,
        size: usize,
        truncated_size: usize,
        skew_delta: usize,
    ) {
        let mut dist4 = size;
        let mut dist = size >> 2;
        while dist != 0 {
            let mut r = 0;
            while r < truncated_size {
                let base = r + dist + skew_delta - 1;
                let m01 = self.matrix(self.skew[base]);
                let m02 = self.matrix(self.skew[base + dist]);
                let m23 = self.matrix(self.skew[base + dist * 2]);
                for i in r..r + dist {
                    let (s0, s1, s2, s3) = data.dist4_mut(pos + i, dist);
                    // SAFETY: `Gfni` is only constructed after `available()` held.
                    unsafe { fft_two_layers(s0, s1, s2, s3, m01, m23, m02) };
                }
                r += dist4;
            }
            dist4 = dist;
            dist >>= 2;
        }
        if dist4 == 2 {
            let mut r = 0;
            while r < truncated_size {
                let m = self.matrix(self.skew[r + skew_delta]);
                let (x, y) = data.dist2_mut(pos + r, 1);
                // SAFETY: `Gfni` is only constructed after `available()` held.
                unsafe { fft_layer(x, y, m) };
                r += 2;
            }
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
        let mut dist = 1;
        let mut dist4 = 4;
        while dist4 <= size {
            let mut r = 0;
            while r < truncated_size {
                let base = r + dist + skew_delta - 1;
                let m01 = self.matrix(self.skew[base]);
                let m02 = self.matrix(self.skew[base + dist]);
                let m23 = self.matrix(self.skew[base + dist * 2]);
                for i in r..r + dist {
                    let (s0, s1, s2, s3) = data.dist4_mut(pos + i, dist);
                    // SAFETY: `Gfni` is only constructed after `available()` held.
                    unsafe { ifft_two_layers(s0, s1, s2, s3, m01, m23, m02) };
                }
                r += dist4;
            }
            dist = dist4;
            dist4 <<= 2;
        }
        if dist < size {
            let m = self.matrix(self.skew[dist + skew_delta - 1]);
            for i in 0..dist {
                let (x, y) = data.dist2_mut(pos + i, dist);
                // SAFETY: `Gfni` is only constructed after `available()` held.
                unsafe { ifft_layer(x, y, m) };
            }
        }
    }

    fn mul(&self, x: &mut [[u8; 64]], log_m: GfElement) {
        let m = if log_m == GF_MODULUS {
            *MUL_MODULUS
        } else {
            self.matrix(log_m)
        };
        // SAFETY: `Gfni` is only constructed after `available()` held.
        unsafe { mul_chunks(x, m) };
    }
}

/// The two affine-step operands of a matrix: (same-byte blocks, crossing blocks), each with
/// the low-byte block in the register's low half (the chunk's 32 low bytes) and the
/// high-byte block in its high half.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn operands(m: Matrix) -> (__m512i, __m512i) {
    let [ll, hh, lh, hl] = [
        m.low_from_low,
        m.high_from_high,
        m.low_from_high,
        m.high_from_low,
    ]
    .map(|q| q as i64);
    (
        _mm512_set_epi64(hh, hh, hh, hh, ll, ll, ll, ll),
        _mm512_set_epi64(hl, hl, hl, hl, lh, lh, lh, lh),
    )
}

/// One packed chunk times the matrix whose operands are `(same, cross)`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,gfni")]
fn mul512(v: __m512i, same: __m512i, cross: __m512i) -> __m512i {
    // The crossing blocks read the other half's bytes: swap the 256-bit halves.
    let swapped = _mm512_shuffle_i64x2::<0b0100_1110>(v, v);
    _mm512_xor_si512(
        _mm512_gf2p8affine_epi64_epi8::<0>(v, same),
        _mm512_gf2p8affine_epi64_epi8::<0>(swapped, cross),
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn load(chunk: &[u8; 64]) -> __m512i {
    // SAFETY: the chunk is 64 readable bytes; the unaligned load needs no alignment.
    unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn store(chunk: &mut [u8; 64], v: __m512i) {
    // SAFETY: the chunk is 64 writable bytes; the unaligned store needs no alignment.
    unsafe { _mm512_storeu_si512(chunk.as_mut_ptr().cast(), v) }
}

/// `x[c] *= m` for every chunk.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,gfni")]
fn mul_chunks(x: &mut [[u8; 64]], m: Matrix) {
    let (same, cross) = operands(m);
    for chunk in x {
        let v = mul512(load(chunk), same, cross);
        store(chunk, v);
    }
}

/// One FFT layer: `x ^= y · m`, then `y ^= x`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,gfni")]
fn fft_layer(x: &mut [[u8; 64]], y: &mut [[u8; 64]], m: Matrix) {
    let (same, cross) = operands(m);
    for (x, y) in x.iter_mut().zip(y.iter_mut()) {
        let (mut a, mut b) = (load(x), load(y));
        a = _mm512_xor_si512(a, mul512(b, same, cross));
        b = _mm512_xor_si512(b, a);
        store(x, a);
        store(y, b);
    }
}

/// One IFFT layer: `y ^= x`, then `x ^= y · m`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,gfni")]
fn ifft_layer(x: &mut [[u8; 64]], y: &mut [[u8; 64]], m: Matrix) {
    let (same, cross) = operands(m);
    for (x, y) in x.iter_mut().zip(y.iter_mut()) {
        let (mut a, mut b) = (load(x), load(y));
        b = _mm512_xor_si512(b, a);
        a = _mm512_xor_si512(a, mul512(b, same, cross));
        store(x, a);
        store(y, b);
    }
}

/// Two FFT layers on shards `s0..s3` (distance `d` apart): first the pairs at distance `2d`
/// with `m02`, then the pairs at distance `d` with `m01` and `m23`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,gfni")]
fn fft_two_layers(
    s0: &mut [[u8; 64]],
    s1: &mut [[u8; 64]],
    s2: &mut [[u8; 64]],
    s3: &mut [[u8; 64]],
    m01: Matrix,
    m23: Matrix,
    m02: Matrix,
) {
    let (same01, cross01) = operands(m01);
    let (same23, cross23) = operands(m23);
    let (same02, cross02) = operands(m02);
    let chunks = s0
        .iter_mut()
        .zip(s1.iter_mut())
        .zip(s2.iter_mut().zip(s3.iter_mut()));
    for ((c0, c1), (c2, c3)) in chunks {
        let (mut x0, mut x1, mut x2, mut x3) = (load(c0), load(c1), load(c2), load(c3));
        x0 = _mm512_xor_si512(x0, mul512(x2, same02, cross02));
        x2 = _mm512_xor_si512(x2, x0);
        x1 = _mm512_xor_si512(x1, mul512(x3, same02, cross02));
        x3 = _mm512_xor_si512(x3, x1);
        x0 = _mm512_xor_si512(x0, mul512(x1, same01, cross01));
        x1 = _mm512_xor_si512(x1, x0);
        x2 = _mm512_xor_si512(x2, mul512(x3, same23, cross23));
        x3 = _mm512_xor_si512(x3, x2);
        store(c0, x0);
        store(c1, x1);
        store(c2, x2);
        store(c3, x3);
    }
}

/// Two IFFT layers on shards `s0..s3` (distance `d` apart): first the pairs at distance `d`
/// with `m01` and `m23`, then the pairs at distance `2d` with `m02`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,gfni")]
fn ifft_two_layers(
    s0: &mut [[u8; 64]],
    s1: &mut [[u8; 64]],
    s2: &mut [[u8; 64]],
    s3: &mut [[u8; 64]],
    m01: Matrix,
    m23: Matrix,
    m02: Matrix,
) {
    let (same01, cross01) = operands(m01);
    let (same23, cross23) = operands(m23);
    let (same02, cross02) = operands(m02);
    let chunks = s0
        .iter_mut()
        .zip(s1.iter_mut())
        .zip(s2.iter_mut().zip(s3.iter_mut()));
    for ((c0, c1), (c2, c3)) in chunks {
        let (mut x0, mut x1, mut x2, mut x3) = (load(c0), load(c1), load(c2), load(c3));
        x1 = _mm512_xor_si512(x1, x0);
        x0 = _mm512_xor_si512(x0, mul512(x1, same01, cross01));
        x3 = _mm512_xor_si512(x3, x2);
        x2 = _mm512_xor_si512(x2, mul512(x3, same23, cross23));
        x2 = _mm512_xor_si512(x2, x0);
        x0 = _mm512_xor_si512(x0, mul512(x2, same02, cross02));
        x3 = _mm512_xor_si512(x3, x1);
        x1 = _mm512_xor_si512(x1, mul512(x3, same02, cross02));
        store(c0, x0);
        store(c1, x1);
        store(c2, x2);
        store(c3, x3);
    }
}

#[cfg(test)]
mod tests {
    use reed_solomon_simd::engine::DefaultEngine;

    use super::*;
    use crate::xor::tests::chunks;

    /// Multiplication agrees with the crate's engine for every logarithm.
    #[test]
    fn mul_matches_the_crate_for_every_constant() {
        let Some(gfni) = Gfni::new() else {
            eprintln!("skipped: this CPU lacks AVX-512F or GFNI");
            return;
        };
        let reference = DefaultEngine::new();
        let input = chunks(2, 3);
        for log_m in 0..=GF_MODULUS {
            let mut ours = input.clone();
            let mut theirs = input.clone();
            gfni.mul(&mut ours, log_m);
            reference.mul(&mut theirs, log_m);
            assert!(ours == theirs, "log_m {log_m}");
        }
    }

    /// FFT and IFFT agree with the crate's engine at every size, truncation and skew the
    /// codec uses, including the odd final layers.
    #[test]
    fn transforms_match_the_crate() {
        let Some(gfni) = Gfni::new() else {
            eprintln!("skipped: this CPU lacks AVX-512F or GFNI");
            return;
        };
        let reference = DefaultEngine::new();
        for size in [1usize, 2, 4, 8, 32, 128, 512, 2048] {
            for truncated in [1, size / 2 + 1, size].map(|t| t.min(size)) {
                for skew_delta in [0, size, 3 * size] {
                    for len64 in [1usize, 3] {
                        let input = chunks(size * len64, (size * 131 + truncated) as u64);
                        for inverse in [false, true] {
                            let mut ours = input.clone();
                            let mut theirs = input.clone();
                            let run = |engine: &dyn Engine, work: &mut Vec<[u8; 64]>| {
                                let mut shards = ShardsRefMut::new(size, len64, work);
                                if inverse {
                                    engine.ifft(&mut shards, 0, size, truncated, skew_delta);
                                } else {
                                    engine.fft(&mut shards, 0, size, truncated, skew_delta);
                                }
                            };
                            run(&gfni, &mut ours);
                            run(&reference, &mut theirs);
                            assert!(
                                ours == theirs,
                                "size {size} truncated {truncated} skew {skew_delta} \
                                 inverse {inverse}"
                            );
                        }
                    }
                }
            }
        }
    }
}

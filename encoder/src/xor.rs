//! XOR of packed shards with the widest vectors the CPU has.
//!
//! Decoding's formal derivative is nothing but shard XORs: at n = 1000 a column batch does
//! about 11 000 of them over a work space of 2 048 shards, and with the 16-byte SSE2 loop
//! that generic code compiles to they took a fifth of decoding's CPU time. One 64-byte chunk
//! is one AVX-512 register (two AVX2 ones), so the kernels here do a chunk per load–XOR–store.
//!
//! `unsafe` is needed here and only here: the kernels are `#[target_feature]` functions that
//! may only be called once the CPU is known to support them, and the vector loads and stores
//! take raw pointers. Each use carries a SAFETY note.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

#[cfg(target_arch = "x86_64")]
use crate::kernel_cap::{Tier, allowed};

/// True when this CPU has AVX-512F (the override may still keep the 512-bit kernel off).
pub(crate) fn cpu_has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// True when this CPU has AVX2 (the override may still keep the 256-bit kernel off).
pub(crate) fn cpu_has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `dst[i] ^= src[i]` for every chunk.
pub(crate) fn xor_into(dst: &mut [[u8; 64]], src: &[[u8; 64]]) {
    assert_eq!(dst.len(), src.len(), "XOR of equal-length shard runs");
    #[cfg(target_arch = "x86_64")]
    {
        if cpu_has_avx512() && allowed(Tier::Avx512) {
            // SAFETY: AVX-512F support was just checked at run time.
            unsafe { xor_avx512(dst, src) };
            return;
        }
        if cpu_has_avx2() && allowed(Tier::Avx2) {
            // SAFETY: AVX2 support was just checked at run time.
            unsafe { xor_avx2(dst, src) };
            return;
        }
    }
    for (d, s) in dst.iter_mut().zip(src) {
        for (d, s) in d.iter_mut().zip(s) {
            *d ^= s;
        }
    }
}

/// The formal derivative of `count` packed shards of `len64` chunks each, in the novel
/// polynomial basis of Lin, Chung and Han (the step between the two transforms of erasure
/// decoding): for every `i` in `1..count`, the `w = lowest set bit of i` shards before `i`
/// are XORed with the `w` shards from `i` on.
///
/// Every XOR reads shards at or after `i`, which no earlier step wrote, so the order only
/// matters in that writes must not be read; ascending `i` keeps the steps on small, cached
/// ranges for as long as possible.
pub(crate) fn formal_derivative(work: &mut [[u8; 64]], count: usize, len64: usize) {
    assert!(
        work.len() >= count * len64,
        "the work space holds `count` shards"
    );
    for i in 1..count {
        let width = 1usize << i.trailing_zeros();
        let end = (i + width).min(count);
        let (low, high) = work.split_at_mut(i * len64);
        let n = (end - i) * len64;
        xor_into(
            &mut low[(i - width) * len64..(i - width) * len64 + n],
            &high[..n],
        );
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn xor_avx512(dst: &mut [[u8; 64]], src: &[[u8; 64]]) {
    for (d, s) in dst.iter_mut().zip(src) {
        // SAFETY: `d` and `s` are 64 readable bytes each and `d` is also writable; the
        // unaligned load and store have no alignment requirement.
        unsafe {
            let a = _mm512_loadu_si512(d.as_ptr().cast());
            let b = _mm512_loadu_si512(s.as_ptr().cast());
            _mm512_storeu_si512(d.as_mut_ptr().cast(), _mm512_xor_si512(a, b));
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn xor_avx2(dst: &mut [[u8; 64]], src: &[[u8; 64]]) {
    for (d, s) in dst.iter_mut().zip(src) {
        // SAFETY: `d` and `s` are 64 readable bytes each and `d` is also writable; both halves
        // lie inside them, and the unaligned loads and stores have no alignment requirement.
        unsafe {
            let (dp, sp) = (d.as_mut_ptr(), s.as_ptr());
            let a0 = _mm256_loadu_si256(dp.cast());
            let a1 = _mm256_loadu_si256(dp.add(32).cast());
            let b0 = _mm256_loadu_si256(sp.cast());
            let b1 = _mm256_loadu_si256(sp.add(32).cast());
            _mm256_storeu_si256(dp.cast(), _mm256_xor_si256(a0, b0));
            _mm256_storeu_si256(dp.add(32).cast(), _mm256_xor_si256(a1, b1));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `count` pseudo-random chunks (xorshift from `seed`), for the kernels' tests.
    pub(crate) fn chunks(count: usize, seed: u64) -> Vec<[u8; 64]> {
        let mut state = seed | 1;
        (0..count)
            .map(|_| {
                std::array::from_fn(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
            })
            .collect()
    }

    /// The vector kernels agree with a byte-by-byte XOR, for empty and odd-length runs too.
    #[test]
    fn xor_matches_bytewise() {
        for len in [0usize, 1, 2, 3, 17] {
            let src = chunks(len, 7);
            let mut dst = chunks(len, 11);
            let mut expected = dst.clone();
            for (d, s) in expected.iter_mut().zip(&src) {
                for (d, s) in d.iter_mut().zip(s) {
                    *d ^= s;
                }
            }
            xor_into(&mut dst, &src);
            assert_eq!(dst, expected, "{len} chunks");
        }
    }

    /// The derivative equals its definition: shard `x` gains every original shard `x + w`
    /// for each power of two `w` whose bit is clear in `x` (and `x + w < count`).
    #[test]
    fn derivative_matches_definition() {
        for (count, len64) in [(1usize, 1usize), (2, 1), (8, 2), (64, 1), (1024, 1)] {
            let original = chunks(count * len64, count as u64);
            let mut work = original.clone();
            formal_derivative(&mut work, count, len64);
            for x in 0..count {
                let mut expected = original[x * len64..(x + 1) * len64].to_vec();
                let mut w = 1;
                while x + w < count {
                    if x & w == 0 {
                        let y = x + w;
                        for (e, s) in expected
                            .iter_mut()
                            .zip(&original[y * len64..(y + 1) * len64])
                        {
                            for (e, s) in e.iter_mut().zip(s) {
                                *e ^= s;
                            }
                        }
                    }
                    w <<= 1;
                }
                assert_eq!(
                    &work[x * len64..(x + 1) * len64],
                    &expected[..],
                    "{count}/{x}"
                );
            }
        }
    }
}

//! Four-lane Blake2b-256 with AVX2 for many messages of one length.
//!
//! The AVX2 counterpart of [`blake2b_x8`](crate::blake2b_x8), for CPUs without AVX-512: four
//! independent hashes side by side, one message per 64-bit lane of a 256-bit register,
//! following RFC 7693 (Blake2b, unkeyed, 32-byte output). It hashes the same strided messages,
//! `prefix ‖ data[i·stride .. i·stride + len]`, reading the data in place: the one-byte prefix
//! is shifted into the message words in registers instead of copying every item behind its
//! prefix, and messages of one length need none of the per-job bookkeeping of
//! `blake2b_simd::many`. Callers must check [`available`] and otherwise fall back to
//! `blake2b_simd`.
//!
//! AVX2 has no 64-bit rotate: rotations by 32 bits are a dword shuffle with an immediate, by
//! 24 and 16 bits byte shuffles whose masks are read from memory at each use (inline
//! assembly, so the compiler can neither keep the masks in registers nor rewrite the
//! shuffles), by 63 an add, a shift and an xor. The sixteen state vectors then have the
//! sixteen registers nearly to themselves, and the message words are memory operands. On a
//! Zen 3 EPYC (2026-12-07) this cut 3 % off each compression against masks held in three
//! registers, which pushed state vectors out to the stack (`examples/hashspeed.rs`).
//!
//! Interleaving two four-lane groups (eight messages in flight) was measured slower on every
//! AMD core tried: about 25 % on Zen 2, 25–50 % on Zen 3 (CPU time of a 1 MiB blob ID, the
//! same day): the 32 state vectors spill to the stack, and the four independent G functions
//! of each half round already keep the vector units busy. On an AVX-512 Xeon running this
//! path an interleaved variant cut the CPU time of a 1 MiB blob ID by about 6 % and did
//! nothing at 64 MiB, so it was not kept.
//!
//! The kernel is bound by the vector units' throughput, not by latency: on an AVX-512 Xeon
//! running this path, neither adding the message word before the other operand (a shorter
//! dependency chain) nor a non-inlined compression with fewer spills changed its time, while
//! leaving out additions did. So the final block's compression is specialised to the number of
//! message words that can be nonzero: a leaf of a 1 MiB blob at n = 1000 (7 bytes) adds 12
//! message words instead of 192, an inner node (65 bytes) 108.
//!
//! `unsafe` is needed here and only here: the kernel is a `#[target_feature]` function that may
//! only be called once the CPU is known to support it, and the vector loads and stores take raw
//! pointers. Each use carries a SAFETY note.
#![allow(unsafe_code)]

use crate::blake2b_x8::Digest;
#[cfg(target_arch = "x86_64")]
use crate::blake2b_x8::{BLOCK, IV, PARAM0};
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// True when the four-lane kernel runs: the CPU has AVX2 and the kernel override (see
/// [`kernel_cap`](crate::kernel_cap)) leaves AVX2 on.
pub(crate) fn available() -> bool {
    cpu_has() && crate::kernel_cap::allowed(crate::kernel_cap::Tier::Avx2)
}

/// True when this CPU has AVX2.
pub(crate) fn cpu_has() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Hashes `out.len()` messages, message `i` being `prefix ‖ data[i·stride .. i·stride + len]`
/// (no prefix byte when `prefix` is `None`).
///
/// Returns false, touching nothing, when the CPU lacks AVX2; the caller then falls back.
pub(crate) fn hash_strided(
    data: &[u8],
    stride: usize,
    len: usize,
    prefix: Option<u8>,
    out: &mut [Digest],
) -> bool {
    if out.is_empty() {
        return true;
    }
    assert!(
        data.len() >= (out.len() - 1) * stride + len,
        "every message lies inside `data`"
    );
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: AVX2 support was just checked at run time.
        unsafe { hash_strided_avx2(data, stride, len, prefix, out) };
        return true;
    }
    false
}

#[cfg(target_arch = "x86_64")]
macro_rules! g {
    ($v:ident, $m:ident, $live:ident, $a:expr, $b:expr, $c:expr, $d:expr, $x:expr, $y:expr) => {
        // Message words at or past `live` are zero in this block and are not added at all (a
        // constant, so the branch is resolved at compile time).
        $v[$a] = _mm256_add_epi64($v[$a], $v[$b]);
        if $x < $live {
            $v[$a] = _mm256_add_epi64($v[$a], $m[$x]);
        }
        $v[$d] = _mm256_shuffle_epi32::<0b10_11_00_01>(_mm256_xor_si256($v[$d], $v[$a]));
        $v[$c] = _mm256_add_epi64($v[$c], $v[$d]);
        $v[$b] = shuffle_mem(_mm256_xor_si256($v[$b], $v[$c]), &ROT24);
        $v[$a] = _mm256_add_epi64($v[$a], $v[$b]);
        if $y < $live {
            $v[$a] = _mm256_add_epi64($v[$a], $m[$y]);
        }
        $v[$d] = shuffle_mem(_mm256_xor_si256($v[$d], $v[$a]), &ROT16);
        $v[$c] = _mm256_add_epi64($v[$c], $v[$d]);
        // Rotate right by 63 is left by 1: x + x, plus the top bit moved to the bottom.
        let x = _mm256_xor_si256($v[$b], $v[$c]);
        $v[$b] = _mm256_xor_si256(_mm256_add_epi64(x, x), _mm256_srli_epi64::<63>(x));
    };
}

#[cfg(target_arch = "x86_64")]
macro_rules! round {
    ($v:ident, $m:ident, $live:ident,
     [$s0:expr, $s1:expr, $s2:expr, $s3:expr, $s4:expr, $s5:expr, $s6:expr, $s7:expr,
      $s8:expr, $s9:expr, $s10:expr, $s11:expr, $s12:expr, $s13:expr, $s14:expr, $s15:expr]) => {
        g!($v, $m, $live, 0, 4, 8, 12, $s0, $s1);
        g!($v, $m, $live, 1, 5, 9, 13, $s2, $s3);
        g!($v, $m, $live, 2, 6, 10, 14, $s4, $s5);
        g!($v, $m, $live, 3, 7, 11, 15, $s6, $s7);
        g!($v, $m, $live, 0, 5, 10, 15, $s8, $s9);
        g!($v, $m, $live, 1, 6, 11, 12, $s10, $s11);
        g!($v, $m, $live, 2, 7, 8, 13, $s12, $s13);
        g!($v, $m, $live, 3, 4, 9, 14, $s14, $s15);
    };
}

/// A 32-byte shuffle mask, aligned for a 256-bit memory operand.
#[cfg(target_arch = "x86_64")]
#[repr(align(32))]
struct Mask([u8; 32]);

/// Byte shuffles rotating each 64-bit word right by 24 and 16 bits: result byte i is byte
/// (i + 3) or (i + 2) mod 8 of the same word.
#[cfg(target_arch = "x86_64")]
static ROT24: Mask = Mask([
    3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, //
    3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10,
]);
#[cfg(target_arch = "x86_64")]
static ROT16: Mask = Mask([
    2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, //
    2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9,
]);

/// `vpshufb` with its mask read from memory at each use.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn shuffle_mem(x: __m256i, mask: &'static Mask) -> __m256i {
    let mut y = x;
    // SAFETY: `mask` is 32 readable, 32-byte aligned bytes; the instruction reads only them.
    unsafe {
        std::arch::asm!(
            "vpshufb {y}, {y}, ymmword ptr [{m}]",
            y = inout(ymm_reg) y,
            m = in(reg) mask.0.as_ptr(),
            options(pure, readonly, nostack, preserves_flags),
        );
    }
    y
}

/// One Blake2b compression of four lanes. `t` is the byte count so far, `last` the final flag;
/// message words `LIVE..16` are zero (a short final block), so their additions are left out.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn compress4<const LIVE: usize>(h: &mut [__m256i; 8], m: &[__m256i; 16], t: u64, last: bool) {
    let mut v = [_mm256_setzero_si256(); 16];
    v[..8].copy_from_slice(h);
    for i in 0..8 {
        v[8 + i] = _mm256_set1_epi64x(IV[i] as i64);
    }
    v[12] = _mm256_set1_epi64x((IV[4] ^ t) as i64);
    if last {
        v[14] = _mm256_set1_epi64x(!IV[6] as i64);
    }
    round!(
        v,
        m,
        LIVE,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    );
    round!(
        v,
        m,
        LIVE,
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3]
    );
    round!(
        v,
        m,
        LIVE,
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4]
    );
    round!(
        v,
        m,
        LIVE,
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8]
    );
    round!(
        v,
        m,
        LIVE,
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13]
    );
    round!(
        v,
        m,
        LIVE,
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9]
    );
    round!(
        v,
        m,
        LIVE,
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11]
    );
    round!(
        v,
        m,
        LIVE,
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10]
    );
    round!(
        v,
        m,
        LIVE,
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5]
    );
    round!(
        v,
        m,
        LIVE,
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0]
    );
    round!(
        v,
        m,
        LIVE,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    );
    round!(
        v,
        m,
        LIVE,
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3]
    );
    for i in 0..8 {
        h[i] = _mm256_xor_si256(h[i], _mm256_xor_si256(v[i], v[i + 8]));
    }
}

/// Transposes a 4×4 matrix of 64-bit words held as four rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn transpose4(r: [__m256i; 4]) -> [__m256i; 4] {
    // t0 = r0[0] r1[0] | r0[2] r1[2], t1 = r0[1] r1[1] | r0[3] r1[3], likewise t2, t3.
    let t0 = _mm256_unpacklo_epi64(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi64(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi64(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi64(r[2], r[3]);
    [
        _mm256_permute2x128_si256::<0x20>(t0, t2),
        _mm256_permute2x128_si256::<0x20>(t1, t3),
        _mm256_permute2x128_si256::<0x31>(t0, t2),
        _mm256_permute2x128_si256::<0x31>(t1, t3),
    ]
}

/// Bytes `[at, at + 32)` of a message of `len` bytes as four little-endian words, bytes past
/// the message reading as zero. `rest` is the message followed by whatever `data` holds after
/// it; `keep` has its first `len − at` bytes set when the chunk straddles the message's end.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn load_words(rest: &[u8], at: usize, len: usize, keep: __m256i) -> __m256i {
    if at + 32 <= len {
        let chunk = &rest[at..at + 32];
        // SAFETY: `chunk` is 32 bytes, the size of one unaligned 256-bit load.
        unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) }
    } else if at >= len {
        _mm256_setzero_si256()
    } else if let Some(chunk) = rest.get(at..at + 32) {
        // SAFETY: `chunk` is 32 bytes, the size of one unaligned 256-bit load.
        let words = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
        _mm256_and_si256(words, keep)
    } else {
        // The message's tail at the very end of `data`: copy it out.
        let mut buf = [0u8; 32];
        let tail = &rest[at..len];
        buf[..tail.len()].copy_from_slice(tail);
        // SAFETY: `buf` is 32 bytes, the size of one unaligned 256-bit load.
        unsafe { _mm256_loadu_si256(buf.as_ptr().cast()) }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn hash_strided_avx2(
    data: &[u8],
    stride: usize,
    len: usize,
    prefix: Option<u8>,
    out: &mut [Digest],
) {
    let total = len + usize::from(prefix.is_some());
    let blocks = total.div_ceil(BLOCK).max(1);
    // Message words of the final block that can be nonzero: every other word is zero padding,
    // whose additions a compression specialised to the count leaves out (at n = 1000, a 1 MiB
    // blob's leaves are one word long and inner nodes nine).
    let last_live = (total - (blocks - 1) * BLOCK).div_ceil(8);
    macro_rules! dispatch {
        ($($live:literal)*) => {
            match last_live {
                $($live => hash_groups::<$live>(data, stride, len, prefix, out),)*
                _ => unreachable!("a block holds 16 words"),
            }
        };
    }
    dispatch!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
}

/// [`hash_strided_avx2`] for messages whose final block has `LAST` words that can be nonzero.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn hash_groups<const LAST: usize>(
    data: &[u8],
    stride: usize,
    len: usize,
    prefix: Option<u8>,
    out: &mut [Digest],
) {
    let total = len + usize::from(prefix.is_some());
    let blocks = total.div_ceil(BLOCK).max(1);
    // With a prefix, message word k is data word k shifted up one byte, topped up with the top
    // byte of data word k − 1; the word "before" the data carries the prefix in that byte.
    let before = _mm256_set1_epi64x((u64::from(prefix.unwrap_or(0)) << 56) as i64);
    let mut init = [_mm256_setzero_si256(); 8];
    for (i, word) in init.iter_mut().enumerate() {
        *word = _mm256_set1_epi64x(IV[i] as i64);
    }
    init[0] = _mm256_set1_epi64x((IV[0] ^ PARAM0) as i64);
    for (group, digests) in out.chunks_mut(4).enumerate() {
        let first = group * 4;
        // Each lane's message and all of `data` after it. Lanes past the last message rehash
        // the first one; their digests are dropped.
        let mut msgs = [&data[first * stride..]; 4];
        for (lane, msg) in msgs.iter_mut().enumerate().take(digests.len()) {
            *msg = &data[(first + lane) * stride..];
        }
        let mut h = init;
        let mut prev = before;
        for b in 0..blocks - 1 {
            let m = load_block(&msgs, len, b, prefix.is_some(), &mut prev, 16);
            compress4::<16>(&mut h, &m, ((b + 1) * BLOCK) as u64, false);
        }
        let m = load_block(&msgs, len, blocks - 1, prefix.is_some(), &mut prev, LAST);
        compress4::<LAST>(&mut h, &m, total as u64, true);
        // Words 0..4 of the state, one lane per row, are the four digests.
        let rows = transpose4([h[0], h[1], h[2], h[3]]);
        for (digest, row) in digests.iter_mut().zip(rows) {
            // SAFETY: `digest` is 32 bytes, the size of one unaligned 256-bit store.
            unsafe { _mm256_storeu_si256(digest.as_mut_ptr().cast(), row) };
        }
    }
}

/// Message words of block `b` of four messages of `len` bytes, one message per lane, each
/// given with the rest of `data` after it. With `prefixed`, each message is shifted up one byte
/// behind its prefix: `prev` holds the data words that precede the block (initially the prefix
/// word) and is advanced to the block's last data words. Only the first `live` words are
/// loaded (the rest of the block is known to be zero); `prev` is then only good for a block
/// that is the message's last.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn load_block(
    msgs: &[&[u8]; 4],
    len: usize,
    b: usize,
    prefixed: bool,
    prev: &mut __m256i,
    live: usize,
) -> [__m256i; 16] {
    let iota = _mm256_setr_epi8(
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31,
    );
    let mut m = [_mm256_setzero_si256(); 16];
    for (quarter, words) in m.chunks_exact_mut(4).enumerate().take(live.div_ceil(4)) {
        let at = b * BLOCK + quarter * 32;
        // Bytes `i < len − at` of the chunk belong to the message (all of them when ≥ 32).
        let inside = len.saturating_sub(at).min(32) as i8;
        let keep = _mm256_cmpgt_epi8(_mm256_set1_epi8(inside), iota);
        let rows = msgs.map(|msg| load_words(msg, at, len, keep));
        words.copy_from_slice(&transpose4(rows));
    }
    if prefixed {
        for word in &mut m[..live] {
            let data_word = *word;
            *word = _mm256_or_si256(
                _mm256_slli_epi64::<8>(data_word),
                _mm256_srli_epi64::<56>(*prev),
            );
            *prev = data_word;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(prefix: Option<u8>, msg: &[u8]) -> Digest {
        let mut state = blake2b_simd::Params::new().hash_length(32).to_state();
        state.update(prefix.as_slice());
        state.update(msg);
        let mut out = [0u8; 32];
        out.copy_from_slice(state.finalize().as_bytes());
        out
    }

    fn check(len: usize, stride: usize, count: usize) {
        let data: Vec<u8> = (0..(count.max(1) - 1) * stride + len)
            .map(|i| (i * 131 + i / 7) as u8)
            .collect();
        for prefix in [Some(0u8), Some(1), Some(0xA5), None] {
            let mut out = vec![[0xEEu8; 32]; count];
            assert!(
                hash_strided(&data, stride, len, prefix, &mut out),
                "the kernel refused to run on a CPU that has AVX2"
            );
            for (i, digest) in out.iter().enumerate() {
                let msg = &data[i * stride..i * stride + len];
                assert_eq!(
                    *digest,
                    reference(prefix, msg),
                    "len {len} stride {stride} item {i} prefix {prefix:?}"
                );
            }
        }
    }

    #[test]
    fn matches_blake2b_simd_for_many_lengths() {
        if !available() {
            eprintln!("skipped: this CPU lacks AVX2 (the 4-lane kernel)");
            return;
        }
        let lengths = [
            0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 300, 305, 1000,
        ];
        for len in lengths {
            for count in [1, 3, 4, 5, 8, 13] {
                check(len, len, count);
                check(len, len + 7, count);
                check(len, 2 * len + 33, count);
            }
        }
        for len in 0..=300 {
            check(len, len, 6);
            check(len, len + 1, 9);
        }
        check(64, 64, 1000);
        check(302, 302, 333);
    }

    #[test]
    fn empty_batch_touches_nothing() {
        assert!(hash_strided(&[], 10, 10, Some(0), &mut []));
    }
}

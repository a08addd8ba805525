//! Eight-lane Blake2b-256 with AVX-512 (F and BW) for many messages of one length.
//!
//! Hashing the n² leaves and 2n Merkle trees of a blob is millions of independent one- to
//! three-block Blake2b hashes of equal length. This module runs eight of them side by side,
//! one message per 64-bit lane of a 512-bit register, following RFC 7693 (Blake2b, unkeyed,
//! 32-byte output). AVX-512F has native 64-bit rotates and 32 vector registers, so the whole
//! state and message schedule stay in registers, which makes it clearly faster than the
//! four-lane AVX2 path of `blake2b_simd`. Callers must check [`available`] and otherwise fall
//! back to `blake2b_simd`.
//!
//! Each message is `prefix ‖ data[i·stride .. i·stride + len]`: the Merkle tree's domain byte
//! followed by a symbol or a pair of child hashes, read in place without building a prefixed
//! copy.
//!
//! `unsafe` is needed here and only here: the kernel is a `#[target_feature]` function that may
//! only be called once the CPU is known to support it, and the vector loads and stores take raw
//! pointers. Each use carries a SAFETY note.
#![allow(unsafe_code)]

/// A Blake2b-256 digest: the same type as `merkle::Digest`, declared here so the kernels sit
/// below the Merkle tree that uses them instead of importing it back.
pub(crate) type Digest = [u8; 32];

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

pub(crate) const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// Parameter block word 0 for an unkeyed 32-byte digest: depth 1, fanout 1, digest length 32.
pub(crate) const PARAM0: u64 = 0x0101_0000 ^ 32;

pub(crate) const BLOCK: usize = 128;

/// True when the eight-lane kernel runs: the CPU has AVX-512F and BW, and the kernel override
/// (see [`kernel_cap`](crate::kernel_cap)) leaves AVX-512 on.
pub(crate) fn available() -> bool {
    cpu_has() && crate::kernel_cap::allowed(crate::kernel_cap::Tier::Avx512)
}

/// True when this CPU has what the eight-lane kernel needs.
pub(crate) fn cpu_has() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Hashes `out.len()` messages, message `i` being `prefix ‖ data[i·stride .. i·stride + len]`
/// (no prefix byte when `prefix` is `None`).
///
/// Returns false, touching nothing, when the CPU lacks AVX-512F/BW; the caller then falls back.
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
    hash_strided_kernel(data, stride, len, prefix, out)
}

/// [`hash_strided`] on the eight-lane kernel whenever the CPU supports it.
fn hash_strided_kernel(
    data: &[u8],
    stride: usize,
    len: usize,
    prefix: Option<u8>,
    out: &mut [Digest],
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: AVX-512F and AVX-512BW support was just checked at run time.
        unsafe { hash_strided_avx512(data, stride, len, prefix, out) };
        return true;
    }
    false
}

/// `$x + m[$i]`, or `$x` alone when word `$i` is one of the block's zero words: those at or past
/// `$w`, the count of words the block's bytes reach. `$i` is a literal and `$w` a const generic,
/// so the test folds away and each round adds only the words that can be nonzero.
#[cfg(target_arch = "x86_64")]
macro_rules! add_word {
    ($x:expr, $m:ident, $w:ident, $i:expr) => {
        if $i < $w {
            _mm512_add_epi64($x, $m[$i])
        } else {
            $x
        }
    };
}

#[cfg(target_arch = "x86_64")]
macro_rules! g {
    ($v:ident, $m:ident, $w:ident, $a:expr, $b:expr, $c:expr, $d:expr, $x:expr, $y:expr) => {
        $v[$a] = add_word!(_mm512_add_epi64($v[$a], $v[$b]), $m, $w, $x);
        $v[$d] = _mm512_ror_epi64::<32>(_mm512_xor_si512($v[$d], $v[$a]));
        $v[$c] = _mm512_add_epi64($v[$c], $v[$d]);
        $v[$b] = _mm512_ror_epi64::<24>(_mm512_xor_si512($v[$b], $v[$c]));
        $v[$a] = add_word!(_mm512_add_epi64($v[$a], $v[$b]), $m, $w, $y);
        $v[$d] = _mm512_ror_epi64::<16>(_mm512_xor_si512($v[$d], $v[$a]));
        $v[$c] = _mm512_add_epi64($v[$c], $v[$d]);
        $v[$b] = _mm512_ror_epi64::<63>(_mm512_xor_si512($v[$b], $v[$c]));
    };
}

#[cfg(target_arch = "x86_64")]
macro_rules! round {
    ($v:ident, $m:ident, $w:ident, [$s0:expr, $s1:expr, $s2:expr, $s3:expr, $s4:expr, $s5:expr, $s6:expr, $s7:expr,
      $s8:expr, $s9:expr, $s10:expr, $s11:expr, $s12:expr, $s13:expr, $s14:expr, $s15:expr]) => {
        g!($v, $m, $w, 0, 4, 8, 12, $s0, $s1);
        g!($v, $m, $w, 1, 5, 9, 13, $s2, $s3);
        g!($v, $m, $w, 2, 6, 10, 14, $s4, $s5);
        g!($v, $m, $w, 3, 7, 11, 15, $s6, $s7);
        g!($v, $m, $w, 0, 5, 10, 15, $s8, $s9);
        g!($v, $m, $w, 1, 6, 11, 12, $s10, $s11);
        g!($v, $m, $w, 2, 7, 8, 13, $s12, $s13);
        g!($v, $m, $w, 3, 4, 9, 14, $s14, $s15);
    };
}

/// Transposes an 8×8 matrix of 64-bit words held as eight rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn transpose8(r: [__m512i; 8]) -> [__m512i; 8] {
    // Pairs of rows interleaved: t0 = r0[0] r1[0] | r0[2] r1[2] | r0[4] r1[4] | r0[6] r1[6].
    let t0 = _mm512_unpacklo_epi64(r[0], r[1]);
    let t1 = _mm512_unpackhi_epi64(r[0], r[1]);
    let t2 = _mm512_unpacklo_epi64(r[2], r[3]);
    let t3 = _mm512_unpackhi_epi64(r[2], r[3]);
    let t4 = _mm512_unpacklo_epi64(r[4], r[5]);
    let t5 = _mm512_unpackhi_epi64(r[4], r[5]);
    let t6 = _mm512_unpacklo_epi64(r[6], r[7]);
    let t7 = _mm512_unpackhi_epi64(r[6], r[7]);
    // 128-bit lanes 0,2 / 1,3 of two such: u0 = r0[0] r1[0] | r0[4] r1[4] | r2[0] r3[0] | r2[4] r3[4].
    const EVEN: i32 = 0b10_00_10_00;
    const ODD: i32 = 0b11_01_11_01;
    let u0 = _mm512_shuffle_i64x2::<EVEN>(t0, t2);
    let u1 = _mm512_shuffle_i64x2::<ODD>(t0, t2);
    let u2 = _mm512_shuffle_i64x2::<EVEN>(t1, t3);
    let u3 = _mm512_shuffle_i64x2::<ODD>(t1, t3);
    let u4 = _mm512_shuffle_i64x2::<EVEN>(t4, t6);
    let u5 = _mm512_shuffle_i64x2::<ODD>(t4, t6);
    let u6 = _mm512_shuffle_i64x2::<EVEN>(t5, t7);
    let u7 = _mm512_shuffle_i64x2::<ODD>(t5, t7);
    [
        _mm512_shuffle_i64x2::<EVEN>(u0, u4), // word 0
        _mm512_shuffle_i64x2::<EVEN>(u2, u6), // word 1
        _mm512_shuffle_i64x2::<EVEN>(u1, u5), // word 2
        _mm512_shuffle_i64x2::<EVEN>(u3, u7), // word 3
        _mm512_shuffle_i64x2::<ODD>(u0, u4),  // word 4
        _mm512_shuffle_i64x2::<ODD>(u2, u6),  // word 5
        _mm512_shuffle_i64x2::<ODD>(u1, u5),  // word 6
        _mm512_shuffle_i64x2::<ODD>(u3, u7),  // word 7
    ]
}

/// One Blake2b compression of eight lanes. `t` is the byte count so far, `last` the final flag.
/// Message words from `W` on are zero in every lane and are not added: a Merkle leaf of a small
/// symbol fills one word of sixteen (a 1 MiB blob's symbols are 6 bytes), an inner node nine,
/// so a leaf's compression does 12 of the 192 message additions.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn compress8<const W: usize>(h: &mut [__m512i; 8], m: &[__m512i; 16], t: u64, last: bool) {
    let mut v = [_mm512_setzero_si512(); 16];
    v[..8].copy_from_slice(h);
    for i in 0..8 {
        v[8 + i] = _mm512_set1_epi64(IV[i] as i64);
    }
    v[12] = _mm512_set1_epi64((IV[4] ^ t) as i64);
    if last {
        v[14] = _mm512_set1_epi64(!IV[6] as i64);
    }
    round!(
        v,
        m,
        W,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    );
    round!(
        v,
        m,
        W,
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3]
    );
    round!(
        v,
        m,
        W,
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4]
    );
    round!(
        v,
        m,
        W,
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8]
    );
    round!(
        v,
        m,
        W,
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13]
    );
    round!(
        v,
        m,
        W,
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9]
    );
    round!(
        v,
        m,
        W,
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11]
    );
    round!(
        v,
        m,
        W,
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10]
    );
    round!(
        v,
        m,
        W,
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5]
    );
    round!(
        v,
        m,
        W,
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0]
    );
    round!(
        v,
        m,
        W,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    );
    round!(
        v,
        m,
        W,
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3]
    );
    for i in 0..8 {
        h[i] = _mm512_xor_si512(h[i], _mm512_xor_si512(v[i], v[i + 8]));
    }
}

/// Bytes `[from, from + 64)` of a message, where `from` may be −1 (the prefix slot) and bytes
/// outside `0..len` read as zero: a masked load that never touches memory outside the message.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn load_part(msg: &[u8], from: isize) -> __m512i {
    let len = msg.len() as isize;
    // Byte i is valid when 0 ≤ from + i < len.
    let low = (-from).clamp(0, 64) as u32;
    let high = (len - from).clamp(0, 64) as u32;
    if high <= low {
        return _mm512_setzero_si512();
    }
    let upto = if high == 64 {
        u64::MAX
    } else {
        (1u64 << high) - 1
    };
    let mask = upto & !((1u64 << low) - 1);
    let ptr = msg.as_ptr().wrapping_offset(from);
    // SAFETY: the mask enables exactly the bytes `from + i` inside `msg`; masked-off bytes are
    // not accessed (AVX-512 masked loads suppress faults on them), so only `msg` is read.
    unsafe { _mm512_maskz_loadu_epi8(mask, ptr.cast()) }
}

/// [`compress8`] for a block whose bytes reach `words` message words (0 to 16).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn compress_words(h: &mut [__m512i; 8], m: &[__m512i; 16], t: u64, last: bool, words: usize) {
    match words {
        0 => compress8::<0>(h, m, t, last),
        1 => compress8::<1>(h, m, t, last),
        2 => compress8::<2>(h, m, t, last),
        3 => compress8::<3>(h, m, t, last),
        4 => compress8::<4>(h, m, t, last),
        5 => compress8::<5>(h, m, t, last),
        6 => compress8::<6>(h, m, t, last),
        7 => compress8::<7>(h, m, t, last),
        8 => compress8::<8>(h, m, t, last),
        9 => compress8::<9>(h, m, t, last),
        10 => compress8::<10>(h, m, t, last),
        11 => compress8::<11>(h, m, t, last),
        12 => compress8::<12>(h, m, t, last),
        _ => compress8::<16>(h, m, t, last),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn hash_strided_avx512(
    data: &[u8],
    stride: usize,
    len: usize,
    prefix: Option<u8>,
    out: &mut [Digest],
) {
    let skip = isize::from(prefix.is_some());
    let total = len + usize::from(prefix.is_some());
    let blocks = total.div_ceil(BLOCK).max(1);
    let prefix_byte = _mm512_set1_epi8(prefix.unwrap_or(0) as i8);
    let short = ShortMessages::new(stride, len, prefix);
    let zero_msg: &[u8] = &[];
    for (group, digests) in out.chunks_mut(8).enumerate() {
        let lanes = digests.len();
        let first = group * 8;
        let mut h = [_mm512_setzero_si512(); 8];
        for (i, word) in h.iter_mut().enumerate() {
            *word = _mm512_set1_epi64(IV[i] as i64);
        }
        h[0] = _mm512_set1_epi64((IV[0] ^ PARAM0) as i64);
        if let Some(short) = &short
            && lanes == 8
            && let Some(m) = short.gather(data, first * stride)
        {
            compress_words(&mut h, &m, total as u64, true, short.words);
            store_digests(&h, digests);
            continue;
        }
        let mut msgs = [zero_msg; 8];
        for (lane, msg) in msgs.iter_mut().enumerate().take(lanes) {
            let at = (first + lane) * stride;
            *msg = &data[at..at + len];
        }
        for b in 0..blocks {
            let t = (((b + 1) * BLOCK).min(total)) as u64;
            // The words this block's bytes reach; the rest are zero in every lane.
            let words = (t as usize - b * BLOCK).div_ceil(8);
            let mut lo = [_mm512_setzero_si512(); 8];
            let mut hi = [_mm512_setzero_si512(); 8];
            let from = (b * BLOCK) as isize - skip;
            for lane in 0..8 {
                lo[lane] = load_part(msgs[lane], from);
                if words > 8 {
                    hi[lane] = load_part(msgs[lane], from + 64);
                }
                if b == 0 && prefix.is_some() && lane < lanes {
                    lo[lane] = _mm512_mask_blend_epi8(1, lo[lane], prefix_byte);
                }
            }
            let mut m = [_mm512_setzero_si512(); 16];
            m[..8].copy_from_slice(&transpose8(lo));
            if words > 8 {
                m[8..].copy_from_slice(&transpose8(hi));
            }
            compress_words(&mut h, &m, t, b + 1 == blocks, words);
        }
        store_digests(&h, digests);
    }
}

/// Writes lane `i`'s 32-byte digest (the first four state words) to `digests[i]`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn store_digests(h: &[__m512i; 8], digests: &mut [Digest]) {
    let mut words = [[0u64; 8]; 4];
    for (i, row) in words.iter_mut().enumerate() {
        // SAFETY: `row` is 64 bytes, the size of one unaligned 512-bit store.
        unsafe { _mm512_storeu_si512(row.as_mut_ptr().cast(), h[i]) };
    }
    for (lane, digest) in digests.iter_mut().enumerate() {
        for (i, row) in words.iter().enumerate() {
            digest[8 * i..8 * i + 8].copy_from_slice(&row[lane].to_le_bytes());
        }
    }
}

/// The most message words [`ShortMessages`] gathers; longer messages are loaded whole and
/// transposed, which costs fewer loads than a gather per word.
const SHORT_WORDS: usize = 4;

/// Messages of one block that reach at most [`SHORT_WORDS`] words (a Merkle leaf of a symbol
/// of up to 31 bytes, with its prefix): eight of them are read with one gather per word
/// instead of eight masked 64-byte loads and a transpose of the whole block.
#[cfg(target_arch = "x86_64")]
struct ShortMessages {
    /// Words the message (prefix included) reaches.
    words: usize,
    /// Per word, the bytes of the 8-byte load that belong to the message.
    masks: [u64; SHORT_WORDS],
    /// Lane `i`'s message starts `i · stride` bytes after the group's first.
    offsets: __m512i,
    prefix: Option<u8>,
    /// Bytes past a group's first message that its loads reach.
    reach: usize,
}

#[cfg(target_arch = "x86_64")]
impl ShortMessages {
    #[target_feature(enable = "avx512f")]
    fn new(stride: usize, len: usize, prefix: Option<u8>) -> Option<Self> {
        let skip = usize::from(prefix.is_some());
        let words = (len + skip).div_ceil(8);
        if !(1..=SHORT_WORDS).contains(&words) {
            return None;
        }
        let mut masks = [0u64; SHORT_WORDS];
        for (w, mask) in masks.iter_mut().enumerate().take(words) {
            let kept = len.saturating_sub(Self::load_offset(w, skip)).min(8);
            *mask = if kept == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * kept)) - 1
            };
        }
        let lane = |i: i64| i * stride as i64;
        let offsets = _mm512_set_epi64(
            lane(7),
            lane(6),
            lane(5),
            lane(4),
            lane(3),
            lane(2),
            lane(1),
            lane(0),
        );
        let reach = 7 * stride + Self::load_offset(words - 1, skip) + 8;
        Some(Self {
            words,
            masks,
            offsets,
            prefix,
            reach,
        })
    }

    /// Where in the message word `w`'s 8-byte load starts. With a prefix byte, word `w ≥ 1`
    /// holds message bytes `8w − 1 ..`, and word 0 is loaded from byte 0 and shifted up one
    /// byte to make room for the prefix, so no load starts before the message.
    fn load_offset(w: usize, skip: usize) -> usize {
        if w == 0 { 0 } else { 8 * w - skip }
    }

    /// The message words of the eight messages starting at `data[start + i · stride]`, or None
    /// when the loads would reach past the end of `data` (the caller then loads them masked).
    #[target_feature(enable = "avx512f")]
    fn gather(&self, data: &[u8], start: usize) -> Option<[__m512i; 16]> {
        if start.checked_add(self.reach)? > data.len() {
            return None;
        }
        let skip = usize::from(self.prefix.is_some());
        let mut m = [_mm512_setzero_si512(); 16];
        for w in 0..self.words {
            let base = data[start + Self::load_offset(w, skip)..].as_ptr();
            // SAFETY: lane i reads 8 bytes at `base + i · stride`; the furthest, lane 7 of the
            // last word, ends at `start + reach`, which was checked to lie inside `data`.
            let loaded = unsafe { _mm512_i64gather_epi64::<1>(self.offsets, base.cast()) };
            m[w] = _mm512_and_si512(loaded, _mm512_set1_epi64(self.masks[w] as i64));
        }
        if let Some(prefix) = self.prefix {
            m[0] = _mm512_or_si512(
                _mm512_slli_epi64::<8>(m[0]),
                _mm512_set1_epi64(i64::from(prefix)),
            );
        }
        Some(m)
    }
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
        let mut out = vec![[0u8; 32]; count];
        for prefix in [Some(0u8), Some(1), Some(0xA5), None] {
            assert!(
                hash_strided_kernel(&data, stride, len, prefix, &mut out),
                "the kernel refused to run on a CPU that has AVX-512F and AVX-512BW"
            );
            for (i, digest) in out.iter().enumerate() {
                let msg = &data[i * stride..i * stride + len];
                assert_eq!(
                    *digest,
                    reference(prefix, msg),
                    "len {len} stride {stride} item {i}"
                );
            }
        }
    }

    #[test]
    fn matches_blake2b_simd_for_many_lengths() {
        if !available() {
            eprintln!("skipped: this CPU lacks AVX-512F or AVX-512BW (the 8-lane kernel)");
            return;
        }
        for len in (0..=200).chain([255, 256, 257, 303, 383, 384, 4821]) {
            check(len, len, 19);
            check(len, len + 5, 8);
        }
        check(65, 65, 1);
        check(64, 64, 1000);
        check(6, 6, 17);
    }
}

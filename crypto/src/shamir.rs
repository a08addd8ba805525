//! Shamir secret sharing of a 32-byte key, byte by byte over GF(2⁸) with the AES polynomial
//! x⁸ + x⁴ + x³ + x + 1, as Seal shares its base key: one random polynomial of degree t − 1 per
//! byte, its constant term the byte, and share i (for i = 1..=n) the polynomials evaluated at i.
//!
//! Field arithmetic is branch- and table-free (shift-and-add multiplication, inversion as
//! x²⁵⁴) so the time taken does not depend on secret bytes.

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use crate::KEY_SIZE;

/// Multiplication in GF(2⁸) mod x⁸ + x⁴ + x³ + x + 1, in constant time.
pub(crate) fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0u8;
    for _ in 0..8 {
        product ^= a & 0u8.wrapping_sub(b & 1);
        let carry = a >> 7;
        a = (a << 1) ^ (0x1b & 0u8.wrapping_sub(carry));
        b >>= 1;
    }
    product
}

/// The multiplicative inverse, a²⁵⁴ (and 0 for 0), in constant time.
pub(crate) fn inv(a: u8) -> u8 {
    // 254 = 2 + 4 + … + 128: multiply together the seven successive squares of a.
    let mut square = a;
    let mut result = 1u8;
    for _ in 0..7 {
        square = mul(square, square);
        result = mul(result, square);
    }
    result
}

/// Splits `secret` into `n` shares, any `threshold` of which rebuild it; share k (0-based) has
/// index k + 1. The caller checks 1 ≤ threshold ≤ n ≤ 255.
pub(crate) fn split<R: RngCore + CryptoRng>(
    rng: &mut R,
    secret: &[u8; KEY_SIZE],
    threshold: u8,
    n: u8,
) -> Vec<(u8, [u8; KEY_SIZE])> {
    debug_assert!(threshold >= 1 && threshold <= n);
    // coefficients[b * degree + k] is the coefficient of x^(k+1) for byte b.
    let degree = usize::from(threshold - 1);
    let mut coefficients = vec![0u8; KEY_SIZE * degree];
    rng.fill_bytes(&mut coefficients);
    let shares = (1..=n)
        .map(|x| {
            let mut share = [0u8; KEY_SIZE];
            for (b, out) in share.iter_mut().enumerate() {
                // Horner from the highest coefficient down to the secret byte.
                let row = &coefficients[b * degree..(b + 1) * degree];
                let mut acc = 0u8;
                for &c in row.iter().rev() {
                    acc = mul(acc, x) ^ c;
                }
                *out = mul(acc, x) ^ secret[b];
            }
            (x, share)
        })
        .collect();
    coefficients.zeroize();
    shares
}

/// The Lagrange weights that evaluate, at `at`, the polynomial through points with abscissae
/// `xs`: λⱼ = Πᵢ≠ⱼ (at − xᵢ) / (xⱼ − xᵢ). The abscissae are public (share indices), so nothing
/// secret flows through here; the caller guarantees they are distinct.
fn lagrange_weights(xs: &[u8], at: u8) -> Vec<u8> {
    xs.iter()
        .enumerate()
        .map(|(j, &xj)| {
            let (mut num, mut den) = (1u8, 1u8);
            for (i, &xi) in xs.iter().enumerate() {
                if i != j {
                    num = mul(num, at ^ xi);
                    den = mul(den, xj ^ xi);
                }
            }
            mul(num, inv(den))
        })
        .collect()
}

/// Evaluates at `at` the per-byte polynomials through `shares` (distinct, non-zero indices).
/// At 0 this rebuilds the secret from any `threshold` shares; at a share's index it predicts
/// that share, which is how share consistency is checked.
pub(crate) fn evaluate(shares: &[(u8, [u8; KEY_SIZE])], at: u8) -> [u8; KEY_SIZE] {
    let xs: Vec<u8> = shares.iter().map(|(x, _)| *x).collect();
    let weights = lagrange_weights(&xs, at);
    let mut out = [0u8; KEY_SIZE];
    for ((_, share), &w) in shares.iter().zip(&weights) {
        for (o, &y) in out.iter_mut().zip(share) {
            *o ^= mul(w, y);
        }
    }
    out
}

/// Rebuilds the secret from at least `threshold` shares.
pub(crate) fn combine(shares: &[(u8, [u8; KEY_SIZE])]) -> [u8; KEY_SIZE] {
    evaluate(shares, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// Slow reference multiplication straight from the definition.
    fn mul_reference(a: u8, b: u8) -> u8 {
        let mut wide: u16 = 0;
        for i in 0..8 {
            if b >> i & 1 == 1 {
                wide ^= u16::from(a) << i;
            }
        }
        for bit in (8..16).rev() {
            if wide >> bit & 1 == 1 {
                wide ^= 0x11b << (bit - 8);
            }
        }
        wide as u8
    }

    #[test]
    fn field_multiplication_matches_the_definition_and_inverses_invert() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                assert_eq!(mul(a, b), mul_reference(a, b), "{a} * {b}");
            }
            if a != 0 {
                assert_eq!(mul(a, inv(a)), 1, "{a} * {a}^-1");
            }
        }
        assert_eq!(inv(0), 0);
        // 3 generates the multiplicative group (the generator Seal's tables use).
        let mut x = 1u8;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..255 {
            x = mul(x, 3);
            seen.insert(x);
        }
        assert_eq!(seen.len(), 255);
    }

    #[test]
    fn any_threshold_subset_rebuilds_the_secret_and_fewer_do_not() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let secret = *b"For sale: old keys, never reused";
        for (t, n) in [(1u8, 1u8), (1, 3), (2, 3), (3, 5), (5, 5), (7, 10)] {
            let shares = split(&mut rng, &secret, t, n);
            assert_eq!(shares.len(), usize::from(n));
            assert!(
                shares
                    .iter()
                    .enumerate()
                    .all(|(k, (x, _))| *x == k as u8 + 1)
            );
            for start in 0..=(n - t) {
                let subset = &shares[usize::from(start)..usize::from(start + t)];
                assert_eq!(combine(subset), secret, "t={t} n={n} start={start}");
                // Every share lies on the polynomial the subset defines.
                for (x, share) in &shares {
                    assert_eq!(evaluate(subset, *x), *share);
                }
            }
            if t > 1 {
                let short = &shares[..usize::from(t - 1)];
                assert_ne!(combine(short), secret, "t-1 shares must not rebuild");
            }
        }
    }

    #[test]
    fn threshold_one_shares_are_the_secret() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let secret = [9u8; KEY_SIZE];
        for (_, share) in split(&mut rng, &secret, 1, 4) {
            assert_eq!(share, secret);
        }
    }
}

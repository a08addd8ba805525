//! Which of the codec's CPU-specific kernels this machine runs.
//!
//! Every kernel has a portable fallback computing the same bytes, so a CPU without a
//! feature is slower, never wrong. Tests of a kernel the CPU cannot run report a skip; this
//! list is what `floe-encoder kernels` prints, so a CI log says which kernels were tested.
//! [`crate::kernel_cap`] holds the override (`FLOE_ENCODER_KERNELS`) that caps them.

use crate::kernel_cap::allowed;
pub use crate::kernel_cap::{
    OVERRIDE_VAR, Selection, Tier, UnknownTier, parse_override, selection,
};

/// One kernel and whether this CPU runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    /// What the kernel does and with which instructions.
    pub name: &'static str,
    /// The CPU features it needs.
    pub needs: &'static str,
    /// The tier the override caps it by.
    pub tier: Tier,
    /// Whether this CPU has the features.
    pub cpu: bool,
    /// Whether the codec uses it: the CPU has the features and the override allows the tier.
    pub available: bool,
}

/// The kernels, fastest first within each job.
pub fn kernels() -> [Kernel; 6] {
    let kernel = |name, needs, tier, cpu: bool| Kernel {
        name,
        needs,
        tier,
        cpu,
        available: cpu && allowed(tier),
    };
    [
        kernel(
            "Blake2b, 8 lanes (sliver and leaf hashes)",
            "AVX-512F + AVX-512BW",
            Tier::Avx512,
            crate::blake2b_x8::cpu_has(),
        ),
        kernel(
            "Blake2b, 4 lanes (sliver and leaf hashes)",
            "AVX2",
            Tier::Avx2,
            crate::blake2b_x4::cpu_has(),
        ),
        kernel(
            "Reed-Solomon transforms over GF(2^16) with affine steps",
            "AVX-512F + GFNI",
            Tier::Avx512,
            crate::gfni::cpu_has(),
        ),
        kernel(
            "Reed-Solomon transforms, reed-solomon-simd's own pick (AVX2, else SSSE3 or Neon)",
            "SSSE3 or Neon",
            Tier::Avx2,
            crate::rs::simd_engine_cpu(),
        ),
        kernel(
            "XOR of packed shards (decoding), 512-bit",
            "AVX-512F",
            Tier::Avx512,
            crate::xor::cpu_has_avx512(),
        ),
        kernel(
            "XOR of packed shards (decoding), 256-bit",
            "AVX2",
            Tier::Avx2,
            crate::xor::cpu_has_avx2(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_values_cap_the_tiers() {
        assert_eq!(parse_override(None), Ok(Tier::Avx512));
        assert_eq!(parse_override(Some("")), Ok(Tier::Avx512));
        assert_eq!(parse_override(Some("native")), Ok(Tier::Avx512));
        assert_eq!(parse_override(Some(" AVX2 ")), Ok(Tier::Avx2));
        assert_eq!(parse_override(Some("portable")), Ok(Tier::Portable));
        assert_eq!(
            parse_override(Some("avx512")),
            Err(UnknownTier("avx512".to_owned()))
        );

        let avx2 = Selection::from_value(Some("avx2"));
        assert!(avx2.allows(Tier::Avx2) && avx2.allows(Tier::Portable));
        assert!(!avx2.allows(Tier::Avx512));
        let portable = Selection::from_value(Some("portable"));
        assert!(portable.allows(Tier::Portable));
        assert!(!portable.allows(Tier::Avx2) && !portable.allows(Tier::Avx512));
        // A mistyped value caps nothing (and says so) rather than picking a tier.
        let typo = Selection::from_value(Some("avx-2"));
        assert_eq!(typo.ceiling, Tier::Avx512);
        assert!(typo.error.is_some());
        assert!(typo.describe().contains("avx-2"), "{}", typo.describe());
        assert!(
            avx2.describe().contains("above avx2"),
            "{}",
            avx2.describe()
        );
    }

    /// The list agrees with the cap in force: a kernel runs exactly when the CPU has it and
    /// the cap allows it (run the tests with each value of the variable to cover every path).
    #[test]
    fn listed_kernels_follow_the_cap() {
        for kernel in kernels() {
            assert_eq!(
                kernel.available,
                kernel.cpu && selection().allows(kernel.tier),
                "{kernel:?}"
            );
        }
    }
}

//! Which of the codec's CPU-specific kernels this machine runs, and the override that caps them.
//!
//! Every kernel has a portable fallback computing the same bytes, so a CPU without a
//! feature is slower, never wrong. Tests of a kernel the CPU cannot run report a skip; this
//! list is what `floe-encoder kernels` prints, so a CI log says which kernels were tested.
//!
//! The environment variable [`OVERRIDE_VAR`] (`FLOE_ENCODER_KERNELS`) caps the kernels at a
//! [`Tier`], so that the code path of an older CPU can be tested and benchmarked on a newer
//! one: `avx2` switches the AVX-512 and GFNI kernels off, `portable` the AVX2 ones too. It can
//! only switch kernels off: a kernel still needs the CPU's features. The variable is read once
//! per process, on the first question, because a kernel chosen per call could change between
//! two passes of one blob (harmless for the bytes, confusing for a benchmark).

use std::sync::OnceLock;

/// The name of the environment variable that caps the kernels.
pub const OVERRIDE_VAR: &str = "FLOE_ENCODER_KERNELS";

/// A rung of the kernel ladder: the instruction sets a kernel needs, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// No CPU-specific kernel of this crate (`reed-solomon-simd`'s scalar engine for the
    /// transforms). `blake2b_simd` still picks its own implementation inside: it offers no way
    /// to cap it, so the portable path's hashing uses AVX2 on a CPU that has it.
    Portable,
    /// The AVX2 kernels (the AVX2-only x86 CPUs).
    Avx2,
    /// Every kernel, AVX-512 and GFNI included: what runs without an override.
    Avx512,
}

impl Tier {
    /// The override's spelling of this tier.
    pub fn name(self) -> &'static str {
        match self {
            Self::Portable => "portable",
            Self::Avx2 => "avx2",
            Self::Avx512 => "native",
        }
    }
}

/// A value of [`OVERRIDE_VAR`] that names no tier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{OVERRIDE_VAR}={0:?} is not one of native, avx2, portable")]
pub struct UnknownTier(pub String);

/// The cap a value of [`OVERRIDE_VAR`] asks for: no value, an empty one or `native` caps
/// nothing; `avx2` and `portable` cap at those tiers (case and surrounding spaces ignored).
pub fn parse_override(value: Option<&str>) -> Result<Tier, UnknownTier> {
    let Some(value) = value else {
        return Ok(Tier::Avx512);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "native" => Ok(Tier::Avx512),
        "avx2" => Ok(Tier::Avx2),
        "portable" => Ok(Tier::Portable),
        _ => Err(UnknownTier(value.to_owned())),
    }
}

/// The cap in force for this process and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The highest tier whose kernels may run.
    pub ceiling: Tier,
    /// The variable's value, if it was set (`None`: not set, nothing capped).
    pub value: Option<String>,
    /// Set when the value named no tier; the cap is then ignored (the `floe-encoder` command
    /// refuses to run instead, so a mistyped benchmark does not silently measure AVX-512).
    pub error: Option<UnknownTier>,
}

impl Selection {
    /// The selection a value of [`OVERRIDE_VAR`] gives.
    pub fn from_value(value: Option<&str>) -> Self {
        let (ceiling, error) = match parse_override(value) {
            Ok(tier) => (tier, None),
            Err(unknown) => (Tier::Avx512, Some(unknown)),
        };
        Self {
            ceiling,
            value: value.map(str::to_owned),
            error,
        }
    }

    /// Whether a kernel of `tier` may run under this cap.
    pub fn allows(&self, tier: Tier) -> bool {
        tier <= self.ceiling
    }

    /// One line saying what is in force and why, for `floe-encoder kernels`.
    pub fn describe(&self) -> String {
        match (&self.value, &self.error) {
            (_, Some(error)) => format!("{error}; ignored, every kernel the CPU has may run"),
            (None, None) => {
                format!("{OVERRIDE_VAR} not set: every kernel the CPU has may run")
            }
            (Some(value), None) if self.ceiling == Tier::Avx512 => {
                format!("{OVERRIDE_VAR}={value:?}: every kernel the CPU has may run")
            }
            (Some(value), None) => format!(
                "{OVERRIDE_VAR}={value:?}: kernels above {} are off, whatever the CPU has{}",
                self.ceiling.name(),
                if self.ceiling == Tier::Portable {
                    " (blake2b_simd, the hashing fallback, still picks its own SIMD inside)"
                } else {
                    ""
                }
            ),
        }
    }
}

/// The selection of this process, read from the environment on first use.
pub fn selection() -> &'static Selection {
    static SELECTION: OnceLock<Selection> = OnceLock::new();
    SELECTION.get_or_init(|| {
        let value = std::env::var_os(OVERRIDE_VAR).map(|v| v.to_string_lossy().into_owned());
        Selection::from_value(value.as_deref())
    })
}

/// Whether this process's cap lets a kernel of `tier` run (the kernels still check the CPU).
pub(crate) fn allowed(tier: Tier) -> bool {
    selection().allows(tier)
}

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

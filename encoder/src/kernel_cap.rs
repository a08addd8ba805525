//! The override that caps the codec's CPU-specific kernels, apart from their list
//! ([`crate::kernels`]) so that each kernel can ask it without importing the list that names
//! every kernel.
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

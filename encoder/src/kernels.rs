//! Which of the codec's CPU-specific kernels this machine runs.
//!
//! Every kernel has a portable fallback computing the same bytes, so a CPU without a
//! feature is slower, never wrong. Tests of a kernel the CPU cannot run report a skip; this
//! list is what `floe-encoder kernels` prints, so a CI log says which kernels were tested.

/// One kernel and whether this CPU runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    /// What the kernel does and with which instructions.
    pub name: &'static str,
    /// The CPU features it needs.
    pub needs: &'static str,
    /// Whether this CPU has them (the codec then uses it).
    pub available: bool,
}

/// The kernels, fastest first within each job.
pub fn kernels() -> [Kernel; 3] {
    [
        Kernel {
            name: "Blake2b, 8 lanes (sliver and leaf hashes)",
            needs: "AVX-512F + AVX-512BW",
            available: crate::blake2b_x8::available(),
        },
        Kernel {
            name: "Blake2b, 4 lanes (sliver and leaf hashes)",
            needs: "AVX2",
            available: crate::blake2b_x4::available(),
        },
        Kernel {
            name: "Reed-Solomon transforms over GF(2^16) with affine steps",
            needs: "AVX-512F + GFNI",
            available: crate::gfni::available(),
        },
    ]
}

//! Time of the leaf-hashing kernel alone: `hashspeed SYMBOL_SIZE`, 2^20 symbols on one thread,
//! best of 7, printed per message and per four-lane compression (the AVX2 kernel's unit; the
//! figure is per four compressions' worth of work on other kernels too).
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let len: usize = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "302".into())
        .parse()?;
    let count = 1 << 20;
    let data: Vec<u8> = (0..len * count).map(|i| (i * 31 % 251) as u8).collect();
    let mut out = vec![[0u8; 32]; count];
    let mut best = Duration::MAX;
    for _ in 0..7 {
        let t = Instant::now();
        floe_encoder::leaf_hashes_for_bench(&data, len, &mut out);
        best = best.min(t.elapsed());
    }
    // A leaf is the prefix byte and the symbol, in 128-byte blocks.
    let blocks = (len + 1).div_ceil(128);
    let per_message = best.as_secs_f64() * 1e9 / count as f64;
    println!(
        "symbol {len} B: {per_message:.1} ns per leaf, {:.1} ns per four compressions",
        per_message * 4.0 / blocks as f64
    );
    Ok(())
}

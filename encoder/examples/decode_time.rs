//! Timing of decode alone, n = 1000: `decode_time SIZE [RUNS]`; the blob is encoded once and
//! then decoded RUNS times from the same random `p` primary slivers (for profiling decode).
use std::time::{Duration, Instant};

use floe_encoder::{Sliver, verify::verify_slivers};
use rand::seq::SliceRandom;
use rand::{RngCore, SeedableRng, rngs::StdRng};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let size: usize = args.next().unwrap_or_else(|| "67108864".into()).parse()?;
    let runs: usize = args.next().unwrap_or_else(|| "5".into()).parse()?;
    let config = floe_encoder::EncodingConfig::new(1000)?;
    let mut blob = vec![0u8; size];
    StdRng::seed_from_u64(1).fill_bytes(&mut blob);
    let (metadata, pairs) = floe_encoder::encode(&config, &blob)?;
    let id = metadata.blob_id();
    let mut slivers: Vec<Sliver> = pairs.into_iter().map(|p| p.primary).collect();
    slivers.shuffle(&mut StdRng::seed_from_u64(2));
    slivers.truncate(config.n_primary_source());
    let refs: Vec<&Sliver> = slivers.iter().collect();
    let (mut best_verify, mut best_decode) = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let checked = verify_slivers(&metadata, &refs);
        let (a, verify_cpu) = (t.elapsed(), cpu_seconds() - cpu);
        assert!(checked.iter().all(Result::is_ok));
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let decoded = floe_encoder::decode(&metadata, &id, &slivers)?;
        let (b, cpu) = (t.elapsed(), cpu_seconds() - cpu);
        assert!(decoded == blob);
        drop(decoded);
        println!("verify {a:?}, {verify_cpu:.2} CPU s; decode (with verify) {b:?}, {cpu:.2} CPU s");
        best_verify = best_verify.min(a);
        best_decode = best_decode.min(b);
    }
    println!("best of {runs}: verify {best_verify:?} decode {best_decode:?}");
    Ok(())
}

/// User + system CPU time of this process so far (Linux; 0 elsewhere), to compare variants on
/// a machine whose other load makes wall-clock times noisy.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

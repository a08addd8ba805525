//! Timing of blob ID and encode for one blob size, n = 1000: `quick SIZE [RUNS] [id]`; prints
//! each run and the best of all runs (`id`: blob IDs only, for profiling).
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let size: usize = args.next().unwrap_or_else(|| "1048576".into()).parse()?;
    let runs: usize = args.next().unwrap_or_else(|| "3".into()).parse()?;
    let id_only = args.next().as_deref() == Some("id");
    let config = floe_encoder::EncodingConfig::new(1000)?;
    let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
    let (mut best_id, mut best_encode) = (Duration::MAX, Duration::MAX);
    // Reused like `floe-encoder bench` does, so page faults of fresh work space do not hide
    // the coding and hashing in a profile.
    let mut workspace = floe_encoder::Workspace::default();
    for _ in 0..runs {
        let t = Instant::now();
        let id = floe_encoder::blob_id_with(&config, &data, &mut workspace)?;
        let a = t.elapsed();
        let t = Instant::now();
        // The slivers are dropped after the clock stops.
        let encoded = (!id_only)
            .then(|| floe_encoder::encode(&config, &data))
            .transpose()?;
        let b = t.elapsed();
        drop(encoded);
        println!("{id} blob_id {a:?} encode {b:?}");
        best_id = best_id.min(a);
        best_encode = best_encode.min(b);
    }
    println!("best of {runs}: blob_id {best_id:?} encode {best_encode:?}");
    Ok(())
}

//! `floe-node`: run a storage node, make its BLS key, or time challenge answers.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use floe_encoder::EncodingConfig;
use floe_node::challenge::{self, Challenge};
use floe_node::config::{self, NodeConfig};
use floe_node::store::{Registration, Store};
use rand::RngCore as _;
use sui_sdk_types::Address;

#[derive(Parser)]
#[command(
    version,
    about = "Floe storage node: stores slivers, signs confirmations, answers challenges"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the node's HTTP API (and, with a chain configured, the challenge watcher).
    Run {
        #[arg(long)]
        config: PathBuf,
    },
    /// Writes a fresh BLS key file (hex seed) and prints its public key.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Times challenge answers (symbol + proofs) from stored slivers: percentiles over runs.
    BenchChallenge {
        #[arg(long, default_value_t = 1000)]
        shards: usize,
        /// Blob size in bytes.
        #[arg(long, default_value_t = 1 << 20)]
        size: usize,
        #[arg(long, default_value_t = 200)]
        runs: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Run { config } => run(config).await,
        Command::Keygen { out } => keygen(&out),
        Command::BenchChallenge { shards, size, runs } => bench_challenge(shards, size, runs),
    }
}

fn keygen(out: &std::path::Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} exists; refusing to overwrite a key", out.display());
    }
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    std::fs::write(out, hex::encode(seed)).with_context(|| format!("writing {}", out.display()))?;
    let key = config::load_bls_key(out)?;
    println!("{}", hex::encode(key.public_key()));
    Ok(())
}

async fn run(path: PathBuf) -> anyhow::Result<()> {
    let config = NodeConfig::load(&path)?;
    let node = floe_node::service::start(config)
        .await
        .context("starting the node")?;
    node.server
        .await
        .context("the HTTP server task")?
        .context("serving HTTP")
}

fn bench_challenge(n: usize, size: usize, runs: usize) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let data: Vec<u8> = (0..size)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let config = EncodingConfig::new(n)?;
    let (metadata, pairs) = floe_encoder::encode(&config, &data)?;
    let blob_id = metadata.blob_id();
    let shards: Vec<u16> = (0..16u16).collect();
    let store = Store::open(&dir, shards.iter().copied())?;
    // The benchmark fills its own throw-away store directly: a registration that never ends
    // stands in for the on-chain one the API would check.
    let registration = Registration {
        blob_object: Address::ZERO,
        end_epoch: u64::MAX,
    };
    store.put_metadata(&blob_id, &metadata, registration)?;
    for &shard in &shards {
        store.put_pair(
            &blob_id,
            shard,
            &pairs[blob_id.pair_for_shard(usize::from(shard), n)],
            1,
        )?;
    }
    let (_, symbol_size) = metadata.checked_config()?;
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        let shard = shards[run % shards.len()];
        let challenge = Challenge {
            challenge_id: run as u64,
            epoch: 1,
            node_id: Address::ZERO,
            blob_id,
            root_hash: metadata.root(),
            shard,
            pair_index: u16::try_from(blob_id.pair_for_shard(usize::from(shard), n))?,
            symbol_index: u16::try_from((run * 7919) % n)?,
            symbol_size: symbol_size as u64,
            deadline_ms: 0,
        };
        // A fresh store each time, so the metadata is read from disk as after a restart.
        let cold = Store::open(&dir, shards.iter().copied())?;
        let start = Instant::now();
        let answer = challenge::build_answer(&cold, &challenge)?;
        times.push(start.elapsed());
        std::hint::black_box(answer);
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "challenge answer, n = {n}, blob {size} bytes, symbol {symbol_size} bytes, {runs} runs \
         (metadata and sliver read from disk, answer built and verified): \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        pct(1.0).as_secs_f64() * 1e3,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("floe-node-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

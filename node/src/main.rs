//! `floe-node`: run a storage node, make its BLS key, or time challenge answers.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use floe_encoder::EncodingConfig;
use floe_node::api::NodeState;
use floe_node::challenge::{self, Challenge};
use floe_node::config::{self, NodeConfig};
use floe_node::license_gate::ReplayGuard;
use floe_node::peers::{CommitteeView, Member};
use floe_node::recovery::{Limits, Recovery};
use floe_node::store::{Registration, Store};
use rand::RngCore as _;
use sui_sdk_types::Address;
use tokio::sync::Notify;

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
        /// Connections the node holds open at once (overrides `max_connections` in the
        /// config); beyond, new ones wait in the listen backlog until one closes. At most
        /// three quarters of the soft open-file limit (`ulimit -n`); default: half of it.
        #[arg(long, value_name = "N")]
        max_connections: Option<usize>,
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
    /// Recovery throughput of a wiped node: `--nodes` in-process nodes on 127.0.0.1 (real HTTP,
    /// real files) hold `--blobs` blobs; one of them, empty, recovers all its pairs from the
    /// others' recovery symbols. Prints MiB of slivers recovered per second.
    BenchRecovery {
        #[arg(long, default_value_t = 100)]
        shards: usize,
        /// Blob size in bytes.
        #[arg(long, default_value_t = 1 << 20)]
        size: usize,
        #[arg(long, default_value_t = 4)]
        blobs: usize,
        #[arg(long, default_value_t = 10)]
        nodes: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Most pairs of one blob per round of requests.
        #[arg(long, default_value_t = 256)]
        batch: usize,
        /// Symbol MiB one round may bring in.
        #[arg(long, default_value_t = 64)]
        round_mib: usize,
        /// Migration instead of recovery: node 0's shards were held by the other nodes in the
        /// previous epoch, which still keep them; node 0 fetches the pairs whole from them, as
        /// a node does after an epoch change (the `epoch_sync_done` call itself is not timed).
        #[arg(long)]
        migrate: bool,
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
        Command::Run {
            config,
            max_connections,
        } => run(config, max_connections).await,
        Command::Keygen { out } => keygen(&out),
        Command::BenchChallenge { shards, size, runs } => bench_challenge(shards, size, runs),
        Command::BenchRecovery {
            shards,
            size,
            blobs,
            nodes,
            concurrency,
            batch,
            round_mib,
            migrate,
        } => {
            bench_recovery(RecoveryBench {
                n: shards,
                size,
                blobs,
                nodes,
                concurrency,
                batch,
                round_bytes: round_mib.clamp(1, floe_node::recovery::MAX_ANSWER_BYTES >> 20) << 20,
                migrate,
            })
            .await
        }
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

async fn run(path: PathBuf, max_connections: Option<usize>) -> anyhow::Result<()> {
    let mut config = NodeConfig::load(&path)?;
    if max_connections.is_some() {
        config.max_connections = max_connections;
    }
    // The process's connection budget is sized before anything serves: the API is its only
    // service, and takes all of it.
    if let Some(wanted) = config.max_connections {
        config::check_max_connections(wanted, floe_problem::serve::soft_open_file_limit())?;
        floe_problem::serve::ConnectionBudget::set_process(wanted)
            .context("sizing the connection budget")?;
    }
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

struct RecoveryBench {
    n: usize,
    size: usize,
    blobs: usize,
    nodes: usize,
    concurrency: usize,
    batch: usize,
    round_bytes: usize,
    migrate: bool,
}

/// The node state of a benchmark node holding `shards`, with a chain-free store.
fn bench_state(
    dir: &std::path::Path,
    shards: Vec<u16>,
    i: usize,
) -> anyhow::Result<Arc<NodeState>> {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    Ok(Arc::new(NodeState {
        store: Arc::new(Store::open(dir, shards)?),
        key: floe_sdk::bls::BlsKeyPair::from_seed(&seed)?,
        epoch: AtomicU64::new(1),
        // The benchmark stores through the store directly, never through an upload.
        n_shards: None,
        node_id: Some(Address::new([i as u8; 32])),
        licenses: None,
        registrations: None,
        replay: ReplayGuard::default(),
        max_skew_ms: 60_000,
        admin_token: None,
        peers: Arc::default(),
        progress: Arc::default(),
    }))
}

async fn bench_recovery(b: RecoveryBench) -> anyhow::Result<()> {
    if b.nodes < 2 || b.nodes > b.n {
        bail!("--nodes must be from 2 to --shards ({})", b.n);
    }
    let dir = tempfile_dir()?;
    let config = EncodingConfig::new(b.n)?;
    // Shards dealt round-robin; node 0 is the wiped one.
    let shards_of = |i: usize| -> Vec<u16> {
        (0..b.n as u16)
            .filter(|s| usize::from(*s) % b.nodes == i)
            .collect()
    };
    // With --migrate, node 0's shards were held last epoch by nodes 1, 2, … in turn.
    let previous_holder = |shard: u16| 1 + usize::from(shard) / b.nodes % (b.nodes - 1);
    let lost_by = |i: usize| -> Vec<u16> {
        shards_of(0)
            .into_iter()
            .filter(|&s| b.migrate && previous_holder(s) == i)
            .collect()
    };
    let states: Vec<Arc<NodeState>> = (0..b.nodes)
        .map(|i| {
            let mut held = shards_of(i);
            held.extend(lost_by(i));
            bench_state(&dir.join(format!("node-{i}")), held, i)
        })
        .collect::<anyhow::Result<_>>()?;
    let registration = Registration {
        blob_object: Address::ZERO,
        end_epoch: u64::MAX,
    };
    let mut ids = Vec::with_capacity(b.blobs);
    for k in 0..b.blobs {
        let data: Vec<u8> = (0..b.size)
            .map(|i| ((i.wrapping_mul(2_654_435_761) >> 13) ^ k) as u8)
            .collect();
        let (metadata, pairs) = floe_encoder::encode(&config, &data)?;
        let id = metadata.blob_id();
        for (i, state) in states.iter().enumerate().skip(1) {
            state.store.put_metadata(&id, &metadata, registration)?;
            for shard in shards_of(i).into_iter().chain(lost_by(i)) {
                let pair = &pairs[id.pair_for_shard(usize::from(shard), b.n)];
                state.store.put_pair(&id, shard, pair, 1)?;
            }
        }
        states[0]
            .store
            .record_certified(&id, Address::ZERO, u64::MAX)?;
        ids.push(id);
    }
    let mut members = Vec::with_capacity(b.nodes);
    for (i, state) in states.iter().enumerate() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        if i > 0 {
            tokio::spawn(floe_node::api::serve(listener, state.clone()));
        }
        members.push(Member {
            node_id: state.node_id.expect("bench nodes have IDs"),
            url,
            public_key: state.key.public_key().to_vec(),
            shards: shards_of(i),
            pending: vec![],
        });
    }
    for (i, state) in states.iter().enumerate() {
        // The lost shards are kept (and served) but no longer held.
        state.store.set_shards(shards_of(i));
    }
    if b.migrate {
        let mut previous = members.clone();
        for (i, member) in previous.iter_mut().enumerate() {
            member.shards = if i == 0 {
                vec![]
            } else {
                shards_of(i).into_iter().chain(lost_by(i)).collect()
            };
        }
        states[0].peers.update(CommitteeView {
            epoch: 0,
            n_shards: u16::try_from(b.n)?,
            members: previous,
        });
    }
    let view = CommitteeView {
        epoch: 1,
        n_shards: u16::try_from(b.n)?,
        members,
    };
    states[0].peers.update(view);
    let recovery = Recovery {
        state: states[0].clone(),
        limits: Limits {
            concurrency: b.concurrency,
            batch: b.batch,
            round_bytes: b.round_bytes,
            ..Limits::default()
        },
        wake: Arc::new(Notify::new()),
        sync: None,
    };
    // The process's peak resident set is reset here (Linux: 5 → /proc/self/clear_refs), so
    // VmHWM afterwards is the peak during the pass alone: node 0 recovering and the serving
    // nodes answering it, all in this process.
    let peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = proc_status_kib("VmRSS:");
    let start = Instant::now();
    let report = recovery
        .pass()
        .await
        .context("recovery did not start (no committee)")?;
    let elapsed = start.elapsed();
    let peak = proc_status_kib("VmHWM:");
    if !report.complete {
        bail!("recovery incomplete: {report:?}");
    }
    for id in &ids {
        if !states[0].store.missing_shards(id)?.is_empty() {
            bail!("blob {id} still misses pairs");
        }
    }
    let progress = &states[0].progress;
    let bytes = progress.bytes_recovered.load(Ordering::Relaxed);
    let transferred = progress.pairs_transferred.load(Ordering::Relaxed);
    let pairs = progress.pairs_recovered.load(Ordering::Relaxed) + transferred;
    let mib = bytes as f64 / f64::from(1 << 20);
    println!(
        "{} of a wiped node, n = {}, {} blobs of {} bytes, {} nodes ({} shards wiped), \
         concurrency {}, batch {}, round {} MiB: {pairs} pairs ({transferred} transferred whole), {mib:.1} MiB of slivers in {:.2} s = {:.1} MiB/s",
        if b.migrate {
            "migration (pairs from previous holders)"
        } else {
            "recovery"
        },
        b.n,
        b.blobs,
        b.size,
        b.nodes,
        shards_of(0).len(),
        b.concurrency,
        b.batch,
        b.round_bytes >> 20,
        elapsed.as_secs_f64(),
        mib / elapsed.as_secs_f64(),
    );
    match (peak_reset, rss_before, peak) {
        (true, Some(before), Some(peak)) => println!(
            "peak RSS of the process during the pass: {:.0} MiB (RSS before it: {:.0} MiB)",
            peak as f64 / 1024.0,
            before as f64 / 1024.0
        ),
        _ => println!("peak RSS not measured (needs Linux /proc/self/clear_refs and status)"),
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// A `kB` field of `/proc/self/status` (`VmRSS:`, `VmHWM:`), in KiB.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("floe-node-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

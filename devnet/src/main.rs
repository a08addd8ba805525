//! The `floe-devnet` command: run a local chain, or benchmark one.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use floe_devnet::{Devnet, DevnetConfig, GenesisAccount};
use sui_sdk_types::Address;

#[derive(Parser)]
#[command(
    name = "floe-devnet",
    version,
    about = "A local Sui-like chain for Floe"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(clap::Args, Default)]
struct RunArgs {
    /// TOML config file (see devnet/README.md); flags override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory (write-ahead log, checkpoint files, faucet key).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// gRPC listen address.
    #[arg(long)]
    grpc_addr: Option<SocketAddr>,
    /// Faucet listen address.
    #[arg(long)]
    faucet_addr: Option<SocketAddr>,
    /// Disable the faucet.
    #[arg(long)]
    no_faucet: bool,
    /// Milliseconds between checkpoints.
    #[arg(long)]
    checkpoint_interval_ms: Option<u64>,
    /// Fund an account at genesis: `ADDRESS=MIST` (repeatable).
    #[arg(long = "account", value_parser = parse_account)]
    accounts: Vec<GenesisAccount>,
    /// Run a bare chain: no `floe` package at genesis, no Floe handlers.
    #[arg(long)]
    no_floe: bool,
    /// Shards of the storage network created at genesis.
    #[arg(long)]
    n_shards: Option<u16>,
    /// Epoch length of the storage network created at genesis, in milliseconds.
    #[arg(long)]
    epoch_duration_ms: Option<u64>,
    /// WAL (base units, 10^9 per WAL) the faucet sends per `/v2/wal` request.
    #[arg(long)]
    faucet_wal_amount: Option<u64>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the devnet (the default).
    Run,
    /// Measure simple transactions executed and checkpointed per second.
    Bench {
        /// Number of transactions.
        #[arg(long, default_value_t = 20_000)]
        transactions: usize,
        /// Concurrent senders.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Milliseconds between checkpoints.
        #[arg(long, default_value_t = 250)]
        checkpoint_interval_ms: u64,
    },
}

fn parse_account(value: &str) -> Result<GenesisAccount, String> {
    let (address, balance) = value
        .split_once('=')
        .ok_or_else(|| format!("expected ADDRESS=MIST, got {value:?}"))?;
    Ok(GenesisAccount {
        address: address
            .parse::<Address>()
            .map_err(|e| format!("bad address {address:?}: {e}"))?,
        balance: balance
            .parse()
            .map_err(|e| format!("bad amount {balance:?}: {e}"))?,
        coins: 1,
    })
}

fn config(args: RunArgs) -> anyhow::Result<DevnetConfig> {
    let mut config = match &args.config {
        Some(path) => DevnetConfig::from_file(path)?,
        None => DevnetConfig::default(),
    };
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if let Some(addr) = args.grpc_addr {
        config.grpc_addr = addr;
    }
    if let Some(addr) = args.faucet_addr {
        config.faucet_addr = Some(addr);
    }
    if args.no_faucet {
        config.faucet_addr = None;
    }
    if let Some(ms) = args.checkpoint_interval_ms {
        config.checkpoint_interval_ms = ms;
    }
    config.accounts.extend(args.accounts);
    if let Some(amount) = args.faucet_wal_amount {
        config.faucet_wal_amount = amount;
    }
    if args.no_floe {
        config.floe = None;
    } else if args.n_shards.is_some() || args.epoch_duration_ms.is_some() {
        // A config file with `floe` left out still has the default network to adjust.
        let network = config
            .floe
            .get_or_insert_with(|| DevnetConfig::default().floe.expect("Floe is on by default"));
        if let Some(n) = args.n_shards {
            network.n_shards = n;
        }
        if let Some(ms) = args.epoch_duration_ms {
            network.epoch_duration_ms = ms;
        }
    }
    Ok(config)
}

/// Machine-readable lines for scripts and tests that start the process. A reader may stop
/// reading once it has what it needs (closing the pipe), so write errors are ignored rather
/// than panicking the way `println!` would: the devnet keeps serving.
fn print_addresses(devnet: &Devnet) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "grpc {}", devnet.rpc_url());
    if let Some(url) = devnet.faucet_url() {
        let _ = writeln!(out, "faucet {url}");
    }
    let _ = writeln!(out, "network {}", devnet.network_config_path().display());
    let _ = out.flush();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => {
            let config = config(cli.run)?;
            let devnet = Devnet::start_floe(config)
                .await
                .context("starting the devnet")?;
            print_addresses(&devnet);
            devnet.run_until_signal().await;
        }
        Command::Bench {
            transactions,
            concurrency,
            checkpoint_interval_ms,
        } => {
            let dir = tempfile::tempdir().context("creating a temporary data directory")?;
            let data_dir = cli.run.data_dir.unwrap_or_else(|| dir.path().to_owned());
            let report = floe_devnet::bench::run(
                data_dir,
                transactions,
                concurrency,
                checkpoint_interval_ms,
            )
            .await
            .context("running the benchmark")?;
            println!("{report}");
        }
    }
    Ok(())
}

//! `floe-indexer`: ingest Floe's checkpoints into PostgreSQL and serve the REST API; also the
//! ingest and REST benchmarks.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use floe_indexer::api::{self, AppState};
use floe_indexer::{Ingestor, Metrics, bench, db, source};
use sui_sdk_types::Address;
use tokio::sync::mpsc;

#[derive(Parser)]
#[command(
    name = "floe-indexer",
    version,
    about = "Floe's indexer: checkpoints in, PostgreSQL projections, REST API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

// The subcommands are `bench-*` on purpose: the names say they measure, not run.
#[allow(clippy::enum_variant_names)]
#[derive(Subcommand)]
enum Command {
    /// Measure ingestion (pipeline vs raw COPY) on synthetic checkpoints in a scratch database.
    BenchIngest(BenchIngestArgs),
    /// Measure `GET /v1/blobs/{id}` against a running indexer.
    BenchRest(BenchRestArgs),
    /// Time the API calls of every explorer page against a generated large history.
    BenchApi(BenchApiArgs),
}

#[derive(Args)]
struct BenchApiArgs {
    /// Server to create the scratch database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    database_url: String,
    #[arg(long, default_value_t = 1_000_000)]
    blobs: i64,
    #[arg(long, default_value_t = 10_000)]
    epochs: i64,
    /// Requests per route (sequential, one keep-alive connection).
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Keep the database (named in the output).
    #[arg(long)]
    keep: bool,
}

#[derive(Args)]
struct RunArgs {
    /// PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/floe (default: $DATABASE_URL).
    #[arg(long)]
    database_url: Option<String>,
    /// Read `{seq}.binpb.zst` checkpoint files from this directory (following new ones).
    #[arg(long, conflicts_with = "rpc_url")]
    checkpoints_dir: Option<PathBuf>,
    /// Stream checkpoints from this sui.rpc.v2 endpoint (default: the network file's rpc_url).
    #[arg(long)]
    rpc_url: Option<String>,
    /// The network file (network.toml) naming the floe package.
    #[arg(long)]
    network: Option<PathBuf>,
    /// The package's original ID, instead of reading it from --network.
    #[arg(long)]
    package: Option<Address>,
    /// Where the REST API listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Most checkpoints per database transaction.
    #[arg(long, default_value_t = 200)]
    batch: usize,
    /// First checkpoint when the database has none yet.
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Stop once the directory has no next file (instead of waiting for more), then exit.
    #[arg(long)]
    no_follow: bool,
    /// Serve the API only (no ingestion), e.g. for read replicas or benchmarks.
    #[arg(long)]
    serve_only: bool,
    /// /ready answers 503 beyond this many checkpoints of lag.
    #[arg(long, default_value_t = 10)]
    ready_max_lag: u64,
    /// Database connections in all (at least 3 when ingesting): ingestion holds 2 of its own,
    /// the REST API reads through the rest, so a flood of requests never delays ingestion.
    #[arg(long, default_value_t = 16)]
    connections: u32,
    /// The longest one REST API query may run; a query still running then is stopped and its
    /// request answered 503 `query-timeout`.
    #[arg(long, default_value_t = db::DEFAULT_QUERY_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    query_timeout_secs: u64,
    /// HTTP connections the REST API holds open at once; beyond, new ones wait in the listen
    /// backlog until one closes. Default: half the soft open-file limit (`ulimit -n`), between
    /// 64 and 16384.
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
}

#[derive(Args)]
struct BenchIngestArgs {
    /// A server URL; the bench creates and drops its own database there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    database_url: String,
    #[arg(long, default_value_t = 2000)]
    checkpoints: u64,
    #[arg(long, default_value_t = 20)]
    txs_per_checkpoint: u64,
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Keep the database (named in the output) for bench-rest.
    #[arg(long)]
    keep: bool,
    /// Format of the baseline's raw COPY.
    #[arg(long, value_enum, default_value_t = bench::CopyFormat::Binary)]
    baseline: bench::CopyFormat,
    /// Start from a database already holding this many blobs and what comes with them
    /// (storage, licenses, challenges, 9 raw events each in `events` and in the baseline's
    /// table), filled and vacuumed before any timing.
    #[arg(long, default_value_t = 0)]
    existing_blobs: i64,
    /// Rounds of (pipeline, raw COPY) on the same database, each on the next checkpoints,
    /// the order alternating; then the medians.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Each round also times the pipeline writing each batch in one transaction (raw events
    /// included, as before the second connection), on as many further checkpoints.
    #[arg(long)]
    compare_one_transaction: bool,
}

#[derive(Args)]
struct BenchRestArgs {
    /// The indexer's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Database to pick blob IDs from (the one the indexer serves).
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::BenchIngest(args)) => bench_ingest(args).await,
        Some(Command::BenchRest(args)) => bench_rest(args).await,
        Some(Command::BenchApi(args)) => bench_api(args).await,
        None => run(cli.run).await,
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let url = args
        .database_url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .context("--database-url (or DATABASE_URL) is required")?;
    let network = match &args.network {
        Some(path) => Some(
            floe_sdk::NetworkConfig::from_file(path)
                .with_context(|| format!("loading the network file {}", path.display()))?,
        ),
        None => None,
    };
    // Check every argument before touching the database or the port.
    let package = match (args.package, &network) {
        _ if args.serve_only => Address::ZERO,
        (Some(p), _) => p,
        (None, Some(n)) => n
            .original_package_id
            .or(n.package_id)
            .context("the network file names no floe package (original_package_id)")?,
        (None, None) => {
            bail!("give --network FILE or --package ID: events are filtered by the floe package")
        }
    };
    if let Some(dir) = &args.checkpoints_dir
        && !dir.is_dir()
    {
        bail!("--checkpoints-dir {} is not a directory", dir.display());
    }
    // Ingestion holds two connections for the whole run (projections, raw events); with
    // fewer it would wait for the second one forever, and the API needs one more.
    if !args.serve_only && args.connections < 3 {
        bail!(
            "--connections {} is too few: ingestion holds 2 and the API needs at least 1",
            args.connections
        );
    }
    // Sized before anything serves: the API is the process's only service, and may take
    // all of it.
    let serve_options = match args.max_connections {
        Some(wanted) => {
            floe_problem::serve::check_budget(wanted, floe_problem::serve::soft_open_file_limit())?;
            let budget = floe_problem::serve::ConnectionBudget::set_process(wanted)
                .context("sizing the connection budget")?;
            floe_problem::serve::ServeOptions {
                max_connections: budget.size(),
                budget,
                ..Default::default()
            }
        }
        None => floe_problem::serve::ServeOptions::default(),
    };
    let ingest_connections = if args.serve_only {
        1
    } else {
        db::INGEST_CONNECTIONS
    };
    let pool = db::connect(&url, ingest_connections)
        .await
        .with_context(|| format!("connecting to {}", db::redact(&url)))?;
    db::migrate(&pool).await.context("running migrations")?;
    let api_connections = if args.serve_only {
        args.connections
    } else {
        args.connections - db::INGEST_CONNECTIONS
    };
    let api_pool = db::connect_api(
        &url,
        api_connections,
        Duration::from_secs(args.query_timeout_secs),
    )
    .await
    .with_context(|| format!("connecting the API to {}", db::redact(&url)))?;
    if args.serve_only {
        // Only the migrations used it.
        pool.close().await;
    }
    let metrics = Arc::new(Metrics::new());
    let state = AppState {
        pool: api_pool,
        metrics: metrics.clone(),
        ready_max_lag: args.ready_max_lag,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(listen = %args.listen, "REST API serving");
    let server = tokio::spawn(async move {
        // A request head must arrive within the deadline, so slow or silent connections
        // (slowloris) do not pile up.
        floe_problem::serve::serve_with(listener, api::router(state), serve_options, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    });
    if args.serve_only {
        server.await.context("server task")?.context("serving")?;
        return Ok(());
    }

    let ingestor = Ingestor::new(pool, package, metrics.clone());
    let from = match ingestor
        .watermark()
        .await
        .context("reading the watermark")?
    {
        Some(w) => w + 1,
        None => args.start,
    };
    let batch = args.batch.max(1);
    let (tx, rx) = mpsc::channel(batch * 2);
    let source_task = match (&args.checkpoints_dir, &args.rpc_url, &network) {
        (Some(dir), _, _) => {
            if !dir.is_dir() {
                bail!("--checkpoints-dir {} is not a directory", dir.display());
            }
            tracing::info!(dir = %dir.display(), from, %package, "ingesting checkpoint files");
            let (dir, follow, metrics) = (dir.clone(), !args.no_follow, metrics.clone());
            tokio::spawn(source::run_dir(dir, from, follow, tx, metrics))
        }
        (None, rpc, network) => {
            let url = rpc
                .clone()
                .or_else(|| network.as_ref().map(|n| n.rpc_url.clone()))
                .filter(|u| !u.is_empty())
                .context("give --checkpoints-dir DIR or --rpc-url URL (or a --network file with rpc_url)")?;
            tracing::info!(%url, from, %package, "ingesting from gRPC");
            let metrics = metrics.clone();
            tokio::spawn(async move {
                source::run_rpc(url, from, tx, metrics).await;
                Ok(())
            })
        }
    };
    let ingest = tokio::spawn(async move { ingestor.run(rx, batch).await });
    tokio::select! {
        result = ingest => {
            result.context("ingest task")?.context("ingesting")?;
            // The ingest loop ends when the source closes its channel: say why it did.
            source_task
                .await
                .context("source task")?
                .context("reading checkpoints")?;
            tracing::info!("the source ended; stopping");
            Ok(())
        }
        result = server => {
            result.context("server task")?.context("serving")?;
            Ok(())
        }
    }
}

async fn bench_ingest(args: BenchIngestArgs) -> anyhow::Result<()> {
    let admin = db::connect(&args.database_url, 2)
        .await
        .with_context(|| format!("connecting to {}", db::redact(&args.database_url)))?;
    let name = format!("floe_bench_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .context("creating the bench database")?;
    let url = with_database(&args.database_url, &name);
    // Dropped on failure too: a prefilled scratch database holds gigabytes.
    let result = bench_ingest_on(&args, &url).await;
    if args.keep && result.is_ok() {
        println!("kept database: {url}");
    } else {
        // FORCE: the pool's connections may still be closing on the server side.
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&admin)
            .await?;
    }
    result
}

/// `bench-ingest`'s work on the scratch database at `url`.
async fn bench_ingest_on(args: &BenchIngestArgs, url: &str) -> anyhow::Result<()> {
    let pool = db::connect(url, 4).await?;
    db::migrate(&pool).await?;
    let package = Address::new([0xf1; 32]);
    let mut first = 0;
    if args.existing_blobs > 0 {
        let started = std::time::Instant::now();
        first = bench::prefill(&pool, args.existing_blobs)
            .await
            .context("filling the existing history")?;
        let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&pool)
            .await?;
        println!(
            "prefilled {} blobs, {events} raw events in {:.0} s (not timed); starting at checkpoint {first}",
            args.existing_blobs,
            started.elapsed().as_secs_f64()
        );
    }
    let mut ratios = Vec::new();
    let mut pipeline_rates = Vec::new();
    let mut copy_rates = Vec::new();
    let mut one_rates = Vec::new();
    for run in 0..args.runs {
        let load = bench::load_average().unwrap_or(f64::NAN);
        let figures = bench::ingest(
            &pool,
            package,
            first,
            args.checkpoints,
            args.txs_per_checkpoint,
            args.batch,
            args.baseline,
            run,
            args.compare_one_transaction,
        )
        .await?;
        first += args.checkpoints * if args.compare_one_transaction { 2 } else { 1 };
        let ratio = 100.0 * figures.pipeline_rate() / figures.copy_rate();
        println!(
            "run {}: load {load:.2}  events: {}  batch: {} checkpoints  baseline: {:?} COPY\npipeline: {:.2} s = {:.0} events/s\nraw COPY: {:.2} s = {:.0} events/s\npipeline / COPY = {ratio:.0} %",
            run + 1,
            figures.events,
            args.batch,
            args.baseline,
            figures.pipeline.as_secs_f64(),
            figures.pipeline_rate(),
            figures.copy.as_secs_f64(),
            figures.copy_rate(),
        );
        if let Some(rate) = figures.one_transaction_rate() {
            println!(
                "one-transaction pipeline: {rate:.0} events/s = {:.0} % of COPY",
                100.0 * rate / figures.copy_rate()
            );
            one_rates.push(100.0 * rate / figures.copy_rate());
        }
        ratios.push(ratio);
        pipeline_rates.push(figures.pipeline_rate());
        copy_rates.push(figures.copy_rate());
    }
    if args.runs > 1 {
        println!(
            "medians of {} runs ({} existing blobs): pipeline {:.0} events/s, raw COPY {:.0} events/s, pipeline / COPY {:.1} %",
            args.runs,
            args.existing_blobs,
            median(&mut pipeline_rates),
            median(&mut copy_rates),
            median(&mut ratios)
        );
        if !one_rates.is_empty() {
            println!(
                "one-transaction pipeline / COPY, median: {:.1} %",
                median(&mut one_rates)
            );
        }
    }
    pool.close().await;
    Ok(())
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// `url` pointing at database `name` instead.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = match base.rfind('/') {
        Some(i) if i > base.find("://").map_or(0, |s| s + 2) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

async fn bench_rest(args: BenchRestArgs) -> anyhow::Result<()> {
    let pool = db::connect(&args.database_url, 2).await?;
    let ids: Vec<String> = sqlx::query_scalar("SELECT blob_id FROM blob_ids LIMIT 100000")
        .fetch_all(&pool)
        .await
        .context("reading blob IDs")?;
    if ids.is_empty() {
        bail!("the database has no blobs to look up");
    }
    let figures = bench::rest(
        &args.url,
        ids,
        args.connections,
        Duration::from_secs(args.seconds),
    )
    .await
    .map_err(anyhow::Error::msg)?;
    println!(
        "requests: {} ({} errors) in {:.1} s = {:.0} req/s; p50 {:.2} ms, p99 {:.2} ms",
        figures.requests,
        figures.errors,
        figures.elapsed.as_secs_f64(),
        figures.requests as f64 / figures.elapsed.as_secs_f64(),
        figures.p50.as_secs_f64() * 1e3,
        figures.p99.as_secs_f64() * 1e3
    );
    Ok(())
}

async fn bench_api(args: BenchApiArgs) -> anyhow::Result<()> {
    if args.blobs < 1 || args.epochs < 1000 || args.requests < 1 {
        bail!("--blobs must be at least 1, --epochs at least 1000, --requests at least 1");
    }
    let admin = db::connect(&args.database_url, 2)
        .await
        .with_context(|| format!("connecting to {}", db::redact(&args.database_url)))?;
    let name = format!("floe_bench_api_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .context("creating the bench database")?;
    let url = with_database(&args.database_url, &name);
    let result = bench_api_on(&args, &url).await;
    if args.keep {
        println!("kept database: {url}");
    } else {
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&admin)
            .await?;
    }
    result
}

/// `bench-api`'s work on the scratch database at `url`.
async fn bench_api_on(args: &BenchApiArgs, url: &str) -> anyhow::Result<()> {
    use floe_indexer::bench_api;
    let pool = db::connect(url, 16).await?;
    db::migrate(&pool).await?;
    let started = std::time::Instant::now();
    bench_api::fill(&pool, args.blobs, args.epochs)
        .await
        .context("generating the history")?;
    println!(
        "generated {} blobs, {} epochs in {:.1} s",
        args.blobs,
        args.epochs,
        started.elapsed().as_secs_f64()
    );
    // The API in its own process, as deployed: this binary with --serve-only.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?.port()
    };
    let addr = format!("127.0.0.1:{port}");
    let mut server = tokio::process::Command::new(std::env::current_exe()?)
        .args(["--serve-only", "--listen", &addr, "--database-url", url])
        .kill_on_drop(true)
        .spawn()
        .context("starting the API process")?;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        if std::time::Instant::now() > deadline {
            bail!("the API process did not listen on {addr}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let calls = bench_api::page_calls(&pool, args.blobs, args.epochs).await?;
    let figures = bench_api::time_calls(&addr, calls, args.requests)
        .await
        .map_err(anyhow::Error::msg)?;
    server.kill().await?;
    println!("| page | route | status | bytes | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|");
    for f in &figures {
        println!(
            "| {} | `{}` | {} | {} | {:.2} | {:.2} | {:.2} |",
            f.page,
            f.path,
            f.status,
            f.bytes,
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.max.as_secs_f64() * 1e3
        );
    }
    let failed: Vec<&str> = figures
        .iter()
        .filter(|f| f.status != 200)
        .map(|f| f.path.as_str())
        .collect();
    pool.close().await;
    if !failed.is_empty() {
        bail!("routes answered other than 200: {failed:?}");
    }
    Ok(())
}

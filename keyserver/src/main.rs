//! `floe-keyserver`: one Seal-compatible key server for the floe package.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use floe_keyserver::KeyServer;
use floe_keyserver::policy::PolicyChecker;
use floe_keyserver::rate_limit::RateLimit;
use floe_sdk::FloeClient;
use sui_sdk_types::Address;

/// Serves Seal's key-server API for the floe package's identities.
#[derive(Debug, Parser)]
struct Args {
    /// File holding the IBE master secret (64 hex digits); created (mode 0600) if missing.
    #[arg(long, env = "FLOE_KEYSERVER_MASTER_KEY")]
    master_key_file: PathBuf,
    /// The object ID that names this server in encrypted objects: its on-chain
    /// `floe::key_server::KeyServer` (Seal's layout), which lists its URL and public key.
    #[arg(long)]
    service_id: Address,
    /// The floe package's original ID (the identity namespace).
    #[arg(long)]
    package: Address,
    /// The chain's sui.rpc.v2 gRPC endpoint, used to simulate policies.
    #[arg(long, default_value = "http://127.0.0.1:9000")]
    rpc_url: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:2024")]
    listen: SocketAddr,
    /// Requests per second per client IP (sustained; an IPv6 client is its /64), more than 0.
    #[arg(long, default_value_t = 10.0, value_parser = rate)]
    rate: f64,
    /// Requests per client IP at once, at least 1.
    #[arg(long, default_value_t = 40.0, value_parser = burst)]
    burst: f64,
}

/// `--rate`: a number of requests per second above 0 (0 would refuse every client for ever
/// and tell it to retry in 2⁶⁴ seconds).
fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "{text:?} is not a rate: pass requests per second above 0, e.g. --rate 10"
        )),
    }
}

/// `--burst`: how many requests a client may send at once, at least 1 (below 1 no request
/// would ever pass).
fn burst(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(burst) if burst.is_finite() && burst >= 1.0 => Ok(burst),
        _ => Err(format!(
            "{text:?} is not a burst: pass how many requests a client may send at once, 1 or \
             more, e.g. --burst 40"
        )),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let args = Args::parse();
    let master = floe_keyserver::master_key::load_or_create(&args.master_key_file)?;
    let client = FloeClient::connect(&args.rpc_url).context("the chain endpoint")?;
    let server = Arc::new(KeyServer::new(
        master,
        args.service_id,
        args.package,
        PolicyChecker::new(client),
        RateLimit {
            per_second: args.rate,
            burst: args.burst,
        },
    ));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        service = %server.service_id(),
        public_key = %hex::encode(server.public_key().to_bytes()),
        "key server up"
    );
    floe_keyserver::server::serve(listener, server, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

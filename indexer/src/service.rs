//! Running the indexer in-process: migrations, the REST API and the ingest pipeline from a
//! `sui.rpc.v2` endpoint. `floe up` runs the indexer this way beside the devnet and the nodes;
//! the `floe-indexer` command offers the same and more (checkpoint files, serve-only).

use std::net::SocketAddr;
use std::sync::Arc;

use sui_sdk_types::Address;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::api::{self, AppState};
use crate::db::{self, DbError};
use crate::{IngestError, Ingestor, Metrics, source};

/// What to index and where to serve it.
#[derive(Debug, Clone)]
pub struct IndexerOptions {
    pub database_url: String,
    /// The chain's `sui.rpc.v2` endpoint.
    pub rpc_url: String,
    /// The `floe` package whose events are kept (its original ID).
    pub package: Address,
    pub listen: SocketAddr,
    /// Most checkpoints per database transaction.
    pub batch: usize,
    /// Database connections in all: ingestion's 2 and the REST API's (the rest, at least 1).
    pub connections: u32,
    /// `/ready` fails beyond this many checkpoints of lag.
    pub ready_max_lag: u64,
}

/// Why the indexer could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("reading the watermark: {0}")]
    Watermark(#[source] IngestError),
    #[error("binding the REST API to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// An indexer that is ingesting and serving.
pub struct RunningIndexer {
    /// Where the REST API listens.
    pub addr: SocketAddr,
    pub server: JoinHandle<std::io::Result<()>>,
    /// Ends only on a data error (outages are retried inside).
    pub ingest: JoinHandle<Result<(), IngestError>>,
    source: JoinHandle<()>,
}

impl RunningIndexer {
    /// Stops ingesting and serving. Committed batches are durable; a restart resumes after the
    /// watermark.
    pub fn stop(self) {
        self.source.abort();
        self.ingest.abort();
        self.server.abort();
    }
}

/// Creates the database if needed, migrates it, binds the API and starts ingesting from the
/// checkpoint after the watermark; returns once the API is listening.
pub async fn start(options: IndexerOptions) -> Result<RunningIndexer, StartError> {
    db::ensure_database(&options.database_url).await?;
    let pool = db::connect(&options.database_url, db::INGEST_CONNECTIONS).await?;
    db::migrate(&pool).await?;
    let api_pool = db::connect_api(
        &options.database_url,
        options
            .connections
            .saturating_sub(db::INGEST_CONNECTIONS)
            .max(1),
        db::DEFAULT_QUERY_TIMEOUT,
    )
    .await?;
    let metrics = Arc::new(Metrics::new());
    let state = AppState {
        pool: api_pool,
        metrics: metrics.clone(),
        ready_max_lag: options.ready_max_lag,
    };
    let bind = |source| StartError::Bind {
        addr: options.listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(bind)?;
    let addr = listener.local_addr().map_err(bind)?;
    let server = tokio::spawn(floe_problem::serve::serve(
        listener,
        api::router(state),
        floe_problem::serve::HEADER_READ_TIMEOUT,
        std::future::pending(),
    ));
    let ingestor = Ingestor::new(pool, options.package, metrics.clone());
    let from = ingestor
        .watermark()
        .await
        .map_err(StartError::Watermark)?
        .map_or(0, |w| w + 1);
    let batch = options.batch.max(1);
    let (tx, rx) = mpsc::channel(batch * 2);
    tracing::info!(url = %options.rpc_url, from, package = %options.package, %addr, "indexer started");
    let source = tokio::spawn(source::run_rpc(options.rpc_url.clone(), from, tx, metrics));
    let ingest = tokio::spawn(async move { ingestor.run(rx, batch).await });
    Ok(RunningIndexer {
        addr,
        server,
        ingest,
        source,
    })
}

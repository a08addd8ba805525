//! floe-indexer: mirrors the `floe` package's events into PostgreSQL and serves them over REST.
//!
//! - [`source`]: checkpoints from `{seq}.binpb.zst` files or a `sui.rpc.v2` endpoint.
//! - [`ingest`]: the sequential pipeline; one transaction per batch of checkpoints.
//! - [`schema`]: every table, declared once; [`projections`]: what each event changes;
//!   [`rows`]: set-based batch writes;
//!   [`copy`]: PostgreSQL's binary `COPY` format.
//! - [`api`]: the axum REST API (OpenAPI, keyset pagination, problem+json, health, metrics).
//! - [`explorer`]: the web page served at `/`, rendered from the REST API.
//! - [`move_facts`]: what the indexer knows of the Move package beyond its events.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod bench;
pub mod bench_api;
pub mod copy;
pub mod db;
pub mod explorer;
pub mod ingest;
pub mod metrics;
pub mod move_facts;
pub mod projections;
pub mod rows;
pub mod schema;
pub mod service;
pub mod source;

pub use ingest::{BatchStats, IngestError, Ingestor};
pub use metrics::Metrics;

//! Benchmarks the binary runs (`bench-ingest`, `bench-rest`): the design's targets are
//! throughput figures on this machine, not timed tests.
//!
//! Ingest is measured on synthetic checkpoints whose events are real floe event BCS (built
//! with the generated types), in the mix a busy network produces: storage purchases and blob
//! registrations, certifications, license sales with their burns, challenges. The baseline is
//! a raw `COPY` of the very same raw-event rows, in the same batch sizes, format (binary) and
//! durable transactions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use floe_sdk::move_types::{self, U256, events as ev};
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Digest, Event, Identifier, StructTag};

use crate::ingest::{IngestError, Ingestor, RawEvent, floe_events};
use crate::metrics::Metrics;

/// A deterministic object ID.
pub fn object(n: u64, salt: u8) -> move_types::ID {
    let mut bytes = [0u8; 32];
    bytes[0] = salt;
    bytes[24..].copy_from_slice(&n.to_be_bytes());
    move_types::id(Address::new(bytes))
}

/// A deterministic address (one of 1000).
pub fn address(n: u64) -> moverox::types::Address {
    let mut bytes = [0u8; 32];
    bytes[0] = 0xaa;
    bytes[24..].copy_from_slice(&(n % 1000).to_be_bytes());
    moverox::types::Address::new(bytes)
}

fn blob_id(n: u64) -> U256 {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&n.to_le_bytes());
    bytes[31] = 0x5b;
    U256::from_le_bytes(&bytes)
}

/// A `floe::events::<name>` event with `value`'s BCS.
pub fn event<T: serde::Serialize>(package: Address, name: &str, value: &T) -> proto::Event {
    let type_ = StructTag::new(
        package,
        Identifier::new("events").expect("identifier"),
        Identifier::new(name).expect("identifier"),
        vec![],
    );
    proto::Event::from(Event {
        package_id: package,
        module: Identifier::new("blob").expect("identifier"),
        sender: Address::new([0xaa; 32]),
        type_,
        contents: bcs::to_bytes(value).expect("BCS of a plain struct"),
    })
}

/// The events of synthetic transaction `n` (2–4 events, in the order the package emits them).
fn transaction_events(package: Address, n: u64) -> Vec<proto::Event> {
    let epoch = 1 + n / 100_000;
    let blob = n / 4;
    match n % 4 {
        0 => vec![
            event(
                package,
                "StorageReserved",
                &ev::StorageReserved::new(
                    object(blob, 1),
                    address(n),
                    epoch,
                    epoch,
                    epoch + 5,
                    1 << 20,
                    10 << 20,
                    5_000_000,
                ),
            ),
            event(
                package,
                "CapacityChanged",
                &ev::CapacityChanged::new(epoch, n << 20, 1 << 40),
            ),
            event(
                package,
                "BlobRegistered",
                &ev::BlobRegistered::new(
                    object(blob, 2),
                    blob_id(blob),
                    blob_id(blob + 7),
                    1 << 20,
                    1,
                    false,
                    epoch,
                    epoch + 5,
                    object(blob, 1),
                    10 << 20,
                    2_000_000,
                    address(n),
                ),
            ),
            event(
                package,
                "WriteFeesAdded",
                &ev::WriteFeesAdded::new(epoch, 2_000_000),
            ),
        ],
        1 => vec![event(
            package,
            "BlobCertified",
            &ev::BlobCertified::new(object(blob, 2), blob_id(blob), epoch, epoch + 5, false, 1),
        )],
        2 => vec![
            event(
                package,
                "LicensePurchased",
                &ev::LicensePurchased::new(
                    object(n, 3),
                    object(n % 50, 4),
                    object(n % 50, 5),
                    address(n),
                    3,
                    6_000_000_000,
                    300_000_000,
                    5_700_000_000,
                    1_700_000_000_000 + n,
                    false,
                    0,
                    1_700_000_000_000,
                ),
            ),
            event(
                package,
                "WalBurned",
                &ev::WalBurned::new(
                    300_000_000,
                    3,
                    n * 300_000_000,
                    5_000_000_000_000_000_000 - n * 300_000_000,
                ),
            ),
        ],
        _ => vec![
            event(
                package,
                "ChallengeIssued",
                &ev::ChallengeIssued::new(
                    n,
                    epoch,
                    object(n % 20, 6),
                    blob_id(blob),
                    blob_id(blob + 7),
                    3,
                    4,
                    5,
                    2048,
                    1_700_000_000_000 + n,
                ),
            ),
            event(
                package,
                "ChallengeAnswered",
                &ev::ChallengeAnswered::new(
                    n,
                    epoch,
                    object(n % 20, 6),
                    blob_id(blob),
                    1_700_000_000_000 + n,
                ),
            ),
        ],
    }
}

/// Checkpoint `seq` with one transaction per event list.
pub fn checkpoint(seq: u64, transactions: Vec<Vec<proto::Event>>) -> proto::Checkpoint {
    let mut checkpoint = proto::Checkpoint::default();
    checkpoint.sequence_number = Some(seq);
    checkpoint.transactions = transactions
        .into_iter()
        .enumerate()
        .map(|(i, events)| {
            let mut digest = [0u8; 32];
            digest[..8].copy_from_slice(&seq.to_le_bytes());
            digest[8..16].copy_from_slice(&(i as u64).to_le_bytes());
            digest[31] = 2;
            let mut tx = proto::ExecutedTransaction::default();
            tx.digest = Some(Digest::new(digest).to_string());
            let mut list = proto::TransactionEvents::default();
            list.events = events;
            tx.events = Some(list);
            tx
        })
        .collect();
    checkpoint
}

/// `checkpoint` with its summary's timestamp set to `ms` (what events' `timestamp_ms` is).
pub fn at_time(mut checkpoint: proto::Checkpoint, ms: u64) -> proto::Checkpoint {
    let mut summary = checkpoint.summary.take().unwrap_or_default();
    summary.timestamp = Some(prost_types_timestamp(ms));
    checkpoint.summary = Some(summary);
    checkpoint
}

/// `count` checkpoints from `first` with `txs` transactions each.
pub fn synthetic_checkpoints(
    package: Address,
    first: u64,
    count: u64,
    txs: u64,
) -> Vec<proto::Checkpoint> {
    (first..first + count)
        .map(|seq| {
            let mut checkpoint = proto::Checkpoint::default();
            checkpoint.sequence_number = Some(seq);
            let mut summary = proto::CheckpointSummary::default();
            summary.timestamp = Some(prost_types_timestamp(1_700_000_000_000 + seq * 250));
            checkpoint.summary = Some(summary);
            checkpoint.transactions = (0..txs)
                .map(|i| {
                    let n = seq * txs + i;
                    let mut digest = [0u8; 32];
                    digest[..8].copy_from_slice(&n.to_le_bytes());
                    digest[31] = 1;
                    let mut tx = proto::ExecutedTransaction::default();
                    tx.digest = Some(Digest::new(digest).to_string());
                    let mut events = proto::TransactionEvents::default();
                    events.events = transaction_events(package, n);
                    tx.events = Some(events);
                    tx
                })
                .collect();
            checkpoint
        })
        .collect()
}

fn prost_types_timestamp(ms: u64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: (ms / 1000) as i64,
        nanos: ((ms % 1000) * 1_000_000) as i32,
    }
}

/// Events per second through the pipeline and through raw COPY.
#[derive(Debug, Clone, Copy)]
pub struct IngestFigures {
    pub events: u64,
    pub pipeline: Duration,
    pub copy: Duration,
}

impl IngestFigures {
    pub fn pipeline_rate(&self) -> f64 {
        self.events as f64 / self.pipeline.as_secs_f64()
    }
    pub fn copy_rate(&self) -> f64 {
        self.events as f64 / self.copy.as_secs_f64()
    }
}

/// How the baseline COPY sends its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CopyFormat {
    /// Binary, as the pipeline sends raw events (the fair baseline).
    Binary,
    /// Text with hex `bytea`: how the pipeline sent raw events before it used binary, kept to
    /// compare with earlier figures.
    Text,
}

/// Ingests `checkpoints` in batches of `batch` through the pipeline, then COPYs the same raw
/// rows into a copy of the events table. The database must be freshly migrated.
pub async fn ingest(
    pool: &sqlx::PgPool,
    package: Address,
    checkpoints: Vec<proto::Checkpoint>,
    batch: usize,
    baseline: CopyFormat,
) -> Result<IngestFigures, IngestError> {
    let rows: Vec<Vec<RawEvent>> = checkpoints
        .chunks(batch)
        .map(|chunk| {
            chunk
                .iter()
                .map(|c| floe_events(c, package))
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.concat())
        })
        .collect::<Result<_, _>>()?;

    // The pipeline exactly as the binary runs it: a channel of checkpoints into `run`.
    let metrics = Arc::new(Metrics::new());
    let ingestor = Ingestor::new(pool.clone(), package, metrics.clone());
    let (tx, rx) = tokio::sync::mpsc::channel(batch * 2);
    let started = Instant::now();
    let feeder = tokio::spawn(async move {
        for checkpoint in checkpoints {
            if tx.send(checkpoint).await.is_err() {
                return;
            }
        }
    });
    ingestor.run(rx, batch).await?;
    let _ = feeder.await;
    let pipeline = started.elapsed();
    let events = metrics.events_ingested();

    sqlx::query("CREATE TABLE IF NOT EXISTS events_copy (LIKE events INCLUDING ALL)")
        .execute(pool)
        .await?;
    let statement = match baseline {
        CopyFormat::Binary => crate::ingest::copy_events_statement("events_copy"),
        CopyFormat::Text => "COPY events_copy (tx_digest, event_index, checkpoint, tx_index, \
                             timestamp_ms, sender, module, event_type, contents) FROM STDIN"
            .to_owned(),
    };
    let started = Instant::now();
    for chunk in &rows {
        // Encoded inside the timing, as the pipeline encodes (and decodes, and folds) inside
        // its own; by default the same binary format, and always the same durable commit.
        let data = match baseline {
            CopyFormat::Binary => crate::ingest::events_copy_data(chunk),
            CopyFormat::Text => copy_text(chunk).into_bytes(),
        };
        let mut tx = pool.begin().await?;
        crate::ingest::copy_in(&mut tx, &statement, &data).await?;
        tx.commit().await?;
    }
    let copy = started.elapsed();
    Ok(IngestFigures {
        events,
        pipeline,
        copy,
    })
}

/// The rows of `events` in COPY's text format.
fn copy_text(events: &[RawEvent]) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(events.len() * 200);
    for e in events {
        // Digests, addresses and Move identifiers never contain tabs, newlines or backslashes.
        let _ = write!(
            text,
            "{}\t{}\t{}\t{}\t",
            e.ctx.tx_digest, e.ctx.event_index, e.ctx.checkpoint, e.ctx.tx_index
        );
        match e.ctx.timestamp_ms {
            Some(t) => {
                let _ = write!(text, "{t}");
            }
            None => text.push_str("\\N"),
        }
        let _ = write!(text, "\t{}\t{}\t{}\t\\\\x", e.sender, e.module, e.name);
        text.push_str(&hex::encode(&e.contents));
        text.push('\n');
    }
    text
}

/// Request rate and latency percentiles of a REST load run.
#[derive(Debug, Clone)]
pub struct RestFigures {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
}

/// `GET {base}/v1/blobs/{id}` for random `ids` from `connections` keep-alive connections for
/// `duration`.
pub async fn rest(
    base: &str,
    ids: Vec<String>,
    connections: usize,
    duration: Duration,
) -> Result<RestFigures, String> {
    use http_body_util::{BodyExt as _, Empty};
    use hyper::body::Bytes;
    let authority = base
        .strip_prefix("http://")
        .ok_or("the URL must start with http://")?
        .trim_end_matches('/')
        .to_owned();
    let ids = Arc::new(ids);
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let ids = ids.clone();
        let authority = authority.clone();
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(&authority)
                .await
                .map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut i = worker * 7919;
            while Instant::now() < deadline {
                i = (i + 104_729) % ids.len();
                let request = hyper::Request::get(format!("/v1/blobs/{}", ids[i]))
                    .header("host", &authority)
                    .body(Empty::<Bytes>::new())
                    .map_err(|e| e.to_string())?;
                let started = Instant::now();
                let response = sender
                    .send_request(request)
                    .await
                    .map_err(|e| e.to_string())?;
                let ok = response.status().is_success();
                let _ = response.into_body().collect().await;
                latencies.push(started.elapsed());
                if !ok {
                    errors += 1;
                }
            }
            Ok::<_, String>((latencies, errors))
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, e) = task.await.map_err(|e| e.to_string())??;
        all.extend(latencies);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(RestFigures {
        requests: all.len() as u64,
        errors,
        elapsed,
        p50: pick(0.50),
        p99: pick(0.99),
    })
}

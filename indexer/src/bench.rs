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
    /// The pipeline with each batch in one transaction ([`Ingestor::one_transaction`]), on
    /// as many checkpoints of the same mix, when compared.
    pub one_transaction: Option<Duration>,
}

impl IngestFigures {
    pub fn pipeline_rate(&self) -> f64 {
        self.events as f64 / self.pipeline.as_secs_f64()
    }
    pub fn copy_rate(&self) -> f64 {
        self.events as f64 / self.copy.as_secs_f64()
    }
    pub fn one_transaction_rate(&self) -> Option<f64> {
        self.one_transaction
            .map(|d| self.events as f64 / d.as_secs_f64())
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

/// What one round of [`ingest`] times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Pipeline,
    OneTransaction,
    Copy,
}

/// One round: `count` checkpoints of `txs` transactions from `first` through the pipeline in
/// batches of `batch`, and a raw COPY of the same raw-event rows into `events_copy`, a table
/// shaped like `events` (created here if missing, with the same indexes). With `compare`, the
/// next `count` checkpoints also go through the one-transaction pipeline. The database must
/// be migrated and hold nothing from `first` on (a freshly migrated one, or one
/// [`prefill`]ed up to just before it).
///
/// The sides run in turn, the order rotated by `rotation`: repeated rounds on one database
/// then share out who runs right after whose writes (checkpoints, dirty pages, WAL).
#[allow(clippy::too_many_arguments)]
pub async fn ingest(
    pool: &sqlx::PgPool,
    package: Address,
    first: u64,
    count: u64,
    txs: u64,
    batch: usize,
    baseline: CopyFormat,
    rotation: usize,
    compare: bool,
) -> Result<IngestFigures, IngestError> {
    let rows: Vec<Vec<RawEvent>> = synthetic_checkpoints(package, first, count, txs)
        .chunks(batch)
        .map(|chunk| {
            chunk
                .iter()
                .map(|c| floe_events(c, package))
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.concat())
        })
        .collect::<Result<_, _>>()?;
    sqlx::query("CREATE TABLE IF NOT EXISTS events_copy (LIKE events INCLUDING ALL)")
        .execute(pool)
        .await?;
    let mut sides = vec![Side::Pipeline, Side::Copy];
    if compare {
        sides.insert(1, Side::OneTransaction);
    }
    let turn = rotation % sides.len();
    sides.rotate_left(turn);
    // Pipelines take checkpoint ranges in the order they run: the watermark only goes up.
    let mut next = first;
    let mut events = 0;
    let (mut pipeline_time, mut one_time, mut copy_time) = (Duration::ZERO, None, Duration::ZERO);
    for side in sides {
        match side {
            Side::Copy => copy_time = copy_baseline(pool, &rows, baseline).await?,
            Side::Pipeline | Side::OneTransaction => {
                let range = synthetic_checkpoints(package, next, count, txs);
                next += count;
                let one = side == Side::OneTransaction;
                let (n, took) = pipeline(pool, package, range, batch, one).await?;
                if one {
                    one_time = Some(took);
                } else {
                    pipeline_time = took;
                    events = n;
                }
            }
        }
    }
    Ok(IngestFigures {
        events,
        pipeline: pipeline_time,
        copy: copy_time,
        one_transaction: one_time,
    })
}

/// The pipeline exactly as the binary runs it: a channel of checkpoints into `run`.
/// Returns the events it ingested and the time it took.
async fn pipeline(
    pool: &sqlx::PgPool,
    package: Address,
    checkpoints: Vec<proto::Checkpoint>,
    batch: usize,
    one_transaction: bool,
) -> Result<(u64, Duration), IngestError> {
    let metrics = Arc::new(Metrics::new());
    let mut ingestor = Ingestor::new(pool.clone(), package, metrics.clone());
    if one_transaction {
        ingestor = ingestor.one_transaction();
    }
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
    Ok((metrics.events_ingested(), started.elapsed()))
}

/// COPYs `rows` (one batch each) into `events_copy`, one durable transaction per batch.
async fn copy_baseline(
    pool: &sqlx::PgPool,
    rows: &[Vec<RawEvent>],
    baseline: CopyFormat,
) -> Result<Duration, IngestError> {
    let statement = match baseline {
        CopyFormat::Binary => crate::ingest::copy_events_statement("events_copy"),
        CopyFormat::Text => "COPY events_copy (tx_digest, event_index, checkpoint, tx_index, \
                             timestamp_ms, sender, module, event_type, contents) FROM STDIN"
            .to_owned(),
    };
    // One connection, as the pipeline's `run` holds one.
    let mut conn = pool.acquire().await?;
    let started = Instant::now();
    for chunk in rows {
        // Encoded inside the timing, as the pipeline encodes (and decodes, and folds) inside
        // its own; by default the same binary format, and always the same durable commit.
        let data = match baseline {
            CopyFormat::Binary => crate::ingest::events_copy_data(chunk),
            CopyFormat::Text => copy_text(chunk).into_bytes(),
        };
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        crate::ingest::copy_in(&mut tx, &statement, &data).await?;
        tx.commit().await?;
    }
    Ok(started.elapsed())
}

/// Raw events per blob in the synthetic mix: every four transactions register one blob and
/// emit 4 + 1 + 2 + 2 events.
pub const EVENTS_PER_BLOB: i64 = 9;

/// Fills a freshly migrated database with `blobs` blobs and what comes with them, as if
/// that history had been indexed, so ingest is measured against tables of that size;
/// returns the first checkpoint after that history (where the bench's checkpoints start).
///
/// [`crate::bench_api::fill`] writes the projections (blobs and blob IDs, `blobs / 100`
/// epochs with their committees, burns, challenges, 100 000 licenses…); this adds a Storage
/// row per blob, licenses and challenges up to one per blob (the bench's mix has one of each
/// per blob), and the raw events of the bench's mix, [`EVENTS_PER_BLOB`] per blob with
/// random transaction digests like real ones, into `events` and into the baseline's
/// `events_copy` alike, so both sides insert into indexes of the same depth. Bulk rows are
/// inserted with the table's indexes dropped and rebuilt after (minutes faster; a rebuilt
/// B-tree is packed denser than one grown by random inserts, which if anything makes later
/// inserts split more pages, not fewer). Ends with `VACUUM ANALYZE`, as autovacuum would.
pub async fn prefill(pool: &sqlx::PgPool, blobs: i64) -> Result<u64, sqlx::Error> {
    let epochs = (blobs / 100).max(10);
    crate::bench_api::fill(pool, blobs, epochs).await?;
    let mut conn = pool.acquire().await?;
    sqlx::query("SET maintenance_work_mem = '512MB'")
        .execute(&mut *conn)
        .await?;
    let hex_id = |kind: char, n: &str| format!("'0x' || lpad('{kind}' || to_hex({n}), 64, '0')");
    // Storage, license and challenged node IDs are `Kind::Id` columns: their 32 bytes.
    let id = |kind: char, n: &str| format!("id_bytes({})", hex_id(kind, n));
    sqlx::query(&format!(
        "INSERT INTO storage (storage_id, owner, reserved_epoch, start_epoch, end_epoch, \
         unencoded_size, storage_size, price, status, blob_object_id, created_checkpoint, \
         updated_checkpoint) \
         SELECT {}, {}, i * {epochs} / {blobs}, i * {epochs} / {blobs}, \
         i * {epochs} / {blobs} + 5, 1000 + i % 100000, 5 * (1000 + i % 100000), 5000000, \
         'attached', {}, i, i FROM generate_series(1::bigint, {blobs}) i",
        id('f', "i"),
        id('e', &format!("i % {}", crate::bench_api::OWNERS)),
        id('d', "i"),
    ))
    .execute(&mut *conn)
    .await?;
    let licenses = crate::bench_api::LICENSES;
    if blobs > licenses {
        let models = crate::bench_api::MODELS;
        sqlx::query(&format!(
            "INSERT INTO licenses (license_id, offer_id, model_id, holder, windows, price_paid, \
             fee_burned, expires_at_ms, use_limited, uses_left, uses_consumed, extensions, \
             status, purchased_at_ms, purchased_checkpoint, updated_checkpoint) \
             SELECT {}, {}, {}, {}, 1, 1000, 10, {t0} + i * 1000 + 3600000, false, 0, 0, 0, \
             'active', {t0} + i * 1000, i, i FROM generate_series({}::bigint, {blobs}) i",
            id('5', "i"),
            id('6', &format!("i % {models} + 1")),
            id('7', &format!("i % {models} + 1")),
            id('e', &format!("i % {}", crate::bench_api::OWNERS)),
            licenses + 1,
            t0 = crate::bench_api::T0,
        ))
        .execute(&mut *conn)
        .await?;
    }
    let stored_challenges = epochs * crate::bench_api::NODES;
    if blobs > stored_challenges {
        // Numbers above every challenge `fill` wrote and below the bench's (its transaction
        // numbers, which start past the prefilled history's).
        sqlx::query(&format!(
            "INSERT INTO challenges (challenge_id, epoch, node_id, blob_id, root_hash, shard, \
             pair_index, symbol_index, symbol_size, deadline_ms, status, answered_at_ms, \
             issued_checkpoint, resolved_checkpoint) \
             SELECT i, i * {epochs} / {blobs}, {}, 'b' || i, 'r' || i, i % 1000, 1, 1, 2048, \
             {t0} + i, 'answered', {t0} + i, i, i FROM generate_series({}::bigint, {blobs}) i",
            id('a', &format!("i % {} + 1", crate::bench_api::NODES)),
            stored_challenges + 1,
            t0 = crate::bench_api::T0,
        ))
        .execute(&mut *conn)
        .await?;
    }
    // The bench mix's transactions 0 .. 4 × blobs, 20 to a checkpoint, with their 4, 1, 2, 2
    // events; digests are base64 of a SHA-256 (as long and as random as base58 ones).
    let txs = blobs * 4;
    let events = format!(
        "SELECT rtrim(encode(sha256(int8send(t)), 'base64'), '='), k, t / 20, t % 20, \
         {t0} + t / 20 * 250, {}, 'events', \
         (CASE t % 4 WHEN 0 THEN ARRAY['StorageReserved', 'CapacityChanged', \
         'BlobRegistered', 'WriteFeesAdded'] WHEN 1 THEN ARRAY['BlobCertified'] \
         WHEN 2 THEN ARRAY['LicensePurchased', 'WalBurned'] \
         ELSE ARRAY['ChallengeIssued', 'ChallengeAnswered'] END)[k + 1], \
         sha512(int8send(t)) || sha512(int8send(-t)) \
         FROM generate_series(0::bigint, {txs} - 1) t, \
         generate_series(0::bigint, CASE t % 4 WHEN 0 THEN 3 WHEN 1 THEN 0 ELSE 1 END) k",
        hex_id('a', &format!("t % {}", crate::bench_api::OWNERS)),
        t0 = crate::bench_api::T0,
    );
    sqlx::query("CREATE TABLE IF NOT EXISTS events_copy (LIKE events INCLUDING ALL)")
        .execute(&mut *conn)
        .await?;
    bulk_insert(&mut conn, "events", &events).await?;
    bulk_insert(&mut conn, "events_copy", "SELECT * FROM events").await?;
    let last = (txs - 1).max(0) / 20;
    sqlx::query("UPDATE watermark SET checkpoint = GREATEST(checkpoint, $1)")
        .bind(last)
        .execute(&mut *conn)
        .await?;
    let watermark: i64 = sqlx::query_scalar("SELECT checkpoint FROM watermark")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await?;
    Ok(u64::try_from(watermark + 1).unwrap_or(0))
}

/// Inserts `select`'s rows into `table` with its indexes dropped, then rebuilds them under
/// the same names and definitions.
async fn bulk_insert(
    conn: &mut sqlx::PgConnection,
    table: &str,
    select: &str,
) -> Result<(), sqlx::Error> {
    let constraints: Vec<(String, String)> = sqlx::query_as(
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE conrelid = $1::regclass AND contype IN ('p', 'u')",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &constraints {
        sqlx::query(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
            .execute(&mut *conn)
            .await?;
    }
    // What is left are plain indexes (the constraints' own went with them).
    let indexes: Vec<(String, String)> =
        sqlx::query_as("SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename = $1")
            .bind(table)
            .fetch_all(&mut *conn)
            .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX {name}"))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(&format!("INSERT INTO {table} {select}"))
        .execute(&mut *conn)
        .await?;
    for (name, definition) in &constraints {
        sqlx::query(&format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ))
        .execute(&mut *conn)
        .await?;
    }
    for (_, definition) in &indexes {
        sqlx::query(definition).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The machine's 1-minute load average (`/proc/loadavg`), printed with every run: the
/// machine is shared, and figures mean little without it.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
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

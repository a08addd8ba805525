//! The ingestion pipeline: checkpoints in sequence → database transactions per batch.
//!
//! A batch's projections and the watermark commit in one transaction, so the projections are
//! always exactly "everything up to the watermark": a crash anywhere loses the uncommitted
//! batch whole, and a restart resumes at watermark + 1. A batch also re-reads the watermark
//! under a transaction-scoped advisory lock and skips checkpoints it already covers, so
//! replaying checkpoints (or two indexers on one database) duplicates nothing.
//!
//! The binary's loop ([`Ingestor::run`]) writes a batch's raw events on a second connection,
//! in a transaction of their own and up to two batches ahead of the projections
//! (`ingest/pipelined.rs` says why that stays exactly-once): PostgreSQL runs one backend (one
//! core) per connection, and the raw events are the biggest single write. A batch's raw
//! events always commit before its projections and watermark. A crash leaves raw events
//! beyond the watermark and nothing else; they are deleted when the next run starts, under
//! the writer lock, and should a raw event be stored anyway (the watermark itself lost), its
//! key (transaction digest, event index) makes the insert skip it. [`Ingestor::write_split_in`]
//! is one batch of that split, without the run-ahead: its raw-event transaction deletes what
//! lies beyond the watermark itself. [`Ingestor::write_batch`] and [`Ingestor::write_in`] keep
//! everything in one transaction.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Connection as _, PgConnection, PgPool, Postgres};
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Event};
use tokio::sync::mpsc;

use crate::copy::CopyData;
use crate::metrics::Metrics;
use crate::projections::{self, EventCtx, ProjectionError};
use crate::rows::{Chain, Param, Plan, Rows, RowsError, Table};
use crate::schema::EVENTS;

mod pipelined;

/// Advisory lock key serialising batch writers on one database ("floe" in ASCII).
const WRITER_LOCK: i64 = 0x666c_6f65;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Rows(#[from] RowsError),
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error("checkpoint {checkpoint}: malformed {what}: {message}")]
    Malformed {
        checkpoint: u64,
        what: &'static str,
        message: String,
    },
    #[error("checkpoint {got} arrived after {previous}: the source skipped or repeated")]
    OutOfOrder { previous: u64, got: u64 },
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error(
        "the raw-event writer's connection lost its lock (the server dropped it); \
         starting again from the watermark"
    )]
    RawWriterLost,
}

/// One floe event, flattened out of its checkpoint.
#[derive(Debug, Clone)]
pub struct RawEvent {
    pub ctx: EventCtx,
    pub sender: String,
    pub module: String,
    pub name: String,
    pub contents: Vec<u8>,
}

/// The events of `package` (its original ID) in `checkpoint`, in order.
pub fn floe_events(
    checkpoint: &proto::Checkpoint,
    package: Address,
) -> Result<Vec<RawEvent>, IngestError> {
    let seq = checkpoint.sequence_number.unwrap_or_default();
    let malformed = |what, message: String| IngestError::Malformed {
        checkpoint: seq,
        what,
        message,
    };
    let timestamp_ms = checkpoint
        .summary
        .as_ref()
        .and_then(|s| s.timestamp)
        .and_then(|t| sui_rpc::proto::proto_to_timestamp_ms(t).ok());
    // `0x` + 64 hex digits + `::`: how the package's types start in canonical form.
    let prefix = format!("{package}::");
    let mut out = Vec::new();
    for (tx_index, tx) in checkpoint.transactions.iter().enumerate() {
        let Some(events) = &tx.events else { continue };
        for (event_index, event) in events.events.iter().enumerate() {
            let (sender, module, name, contents) = match fast_event(event, &prefix) {
                Fast::Floe {
                    sender,
                    module,
                    name,
                    contents,
                } => (sender, module, name, contents),
                Fast::Other => continue,
                Fast::Unsure => {
                    let event =
                        Event::try_from(event).map_err(|e| malformed("event", e.to_string()))?;
                    if *event.type_.address() != package {
                        continue;
                    }
                    (
                        event.sender.to_string(),
                        event.type_.module().to_string(),
                        event.type_.name().to_string(),
                        event.contents,
                    )
                }
            };
            let digest = tx
                .digest
                .clone()
                .ok_or_else(|| malformed("transaction", "no digest".to_owned()))?;
            out.push(RawEvent {
                ctx: EventCtx {
                    checkpoint: seq,
                    tx_index: tx_index as u64,
                    event_index: event_index as u64,
                    tx_digest: digest,
                    timestamp_ms,
                },
                sender,
                module,
                name,
                contents,
            });
        }
    }
    Ok(out)
}

/// What [`fast_event`] could tell without parsing the event in full.
enum Fast {
    /// A plain (non-generic) struct of the package, fields already in canonical form.
    Floe {
        sender: String,
        module: String,
        name: String,
        contents: Vec<u8>,
    },
    /// A type whose canonical address is another package's.
    Other,
    /// Anything else (short or odd forms, generics, missing fields): parse it in full.
    Unsure,
}

/// Reads an event's type and sender as the canonical strings Sui's RPC sends, which covers
/// nearly every event: parsing each type and address in full (and printing them again) was
/// most of the cost of extracting a checkpoint's events.
fn fast_event(event: &proto::Event, prefix: &str) -> Fast {
    let Some(event_type) = event.event_type.as_deref() else {
        return Fast::Unsure;
    };
    let Some(rest) = event_type.strip_prefix(prefix) else {
        let b = event_type.as_bytes();
        let canonical = b.len() > 68
            && b.starts_with(b"0x")
            && b[2..66]
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
            && &b[66..68] == b"::";
        return if canonical { Fast::Other } else { Fast::Unsure };
    };
    let identifier = |s: &str| {
        s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
    };
    let (Some((module, name)), Some(sender), Some(contents)) = (
        rest.split_once("::"),
        event.sender.as_deref(),
        event.contents.as_ref(),
    ) else {
        return Fast::Unsure;
    };
    let canonical_sender = sender.len() == 66
        && sender.starts_with("0x")
        && sender.as_bytes()[2..]
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    if !identifier(module) || !identifier(name) || !canonical_sender {
        return Fast::Unsure;
    }
    Fast::Floe {
        sender: sender.to_owned(),
        module: module.to_owned(),
        name: name.to_owned(),
        contents: contents.value().to_vec(),
    }
}

/// The IDs of the nodes the batch's `NodeRegistered` events created, as stored.
fn registered_nodes(batch: &Prepared) -> Result<Vec<String>, IngestError> {
    batch
        .events
        .iter()
        .filter(|e| e.name == "NodeRegistered")
        .map(|e| {
            let registered: floe_sdk::move_types::events::NodeRegistered =
                bcs::from_bytes(&e.contents).map_err(|err| ProjectionError::Decode {
                    event_type: e.name.clone(),
                    checkpoint: e.ctx.checkpoint,
                    message: err.to_string(),
                })?;
            Ok(projections::hex_0x(&registered.node_id.bytes.into_inner()))
        })
        .collect()
}

/// The IDs of the Storage parts the batch's `StorageSplit` events created, as stored.
fn split_parts(batch: &Prepared) -> Result<Vec<Vec<u8>>, IngestError> {
    batch
        .events
        .iter()
        .filter(|e| e.name == "StorageSplit")
        .map(|e| {
            let split: floe_sdk::move_types::events::StorageSplit = bcs::from_bytes(&e.contents)
                .map_err(|err| ProjectionError::Decode {
                    event_type: e.name.clone(),
                    checkpoint: e.ctx.checkpoint,
                    message: err.to_string(),
                })?;
            Ok(split.new_storage_id.bytes.into_inner().to_vec())
        })
        .collect()
}

/// What one committed batch held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchStats {
    pub checkpoints: u64,
    pub events: u64,
    /// Checkpoints skipped because the watermark already covered them.
    pub skipped: u64,
}

/// Writes checkpoints into one database.
#[derive(Clone)]
pub struct Ingestor {
    pool: PgPool,
    package: Address,
    metrics: Arc<Metrics>,
    /// COPY the rows a batch creates (see [`crate::rows`]); off, every row is merged.
    copy_created_rows: bool,
    /// [`Ingestor::run`] writes raw events on a second connection; off, in the batch's one
    /// transaction.
    split_events: bool,
}

impl Ingestor {
    pub fn new(pool: PgPool, package: Address, metrics: Arc<Metrics>) -> Self {
        Self {
            pool,
            package,
            metrics,
            copy_created_rows: true,
            split_events: true,
        }
    }

    /// [`Ingestor::run`] writes each batch in one transaction on one connection, raw events
    /// included: the way it worked before the second connection, kept for the benchmark's
    /// comparison and to rule the split out when diagnosing.
    pub fn one_transaction(mut self) -> Self {
        self.split_events = false;
        self
    }

    /// Merges every projection row instead of COPYing created ones: the plain, slower
    /// path, kept as the reference the fast one is tested against (and to rule it out when
    /// diagnosing).
    pub fn merging_every_row(mut self) -> Self {
        self.copy_created_rows = false;
        self
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The last checkpoint fully written, if any.
    pub async fn watermark(&self) -> Result<Option<u64>, IngestError> {
        watermark(&self.pool).await
    }

    /// Writes `checkpoints` (consecutive, ascending) as one transaction.
    pub async fn write_batch(
        &self,
        checkpoints: &[proto::Checkpoint],
    ) -> Result<BatchStats, IngestError> {
        let started = Instant::now();
        let mut tx = self.pool.begin().await?;
        let (stats, last) = self.write_in(&mut tx, checkpoints).await?;
        tx.commit().await?;
        if let Some(last) = last {
            self.metrics
                .batch_committed(stats.checkpoints, stats.events, last, started.elapsed());
            tracing::debug!(last, events = stats.events, "batch committed");
        }
        Ok(stats)
    }

    /// Writes a batch inside `tx` without committing it: the caller commits, or drops `tx`
    /// to roll everything back (which is what a crash does). Returns the last checkpoint
    /// written, if any was new.
    pub async fn write_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        checkpoints: &[proto::Checkpoint],
    ) -> Result<(BatchStats, Option<u64>), IngestError> {
        let prepared = prepare(checkpoints, self.package)?;
        self.write_prepared_in(tx, &prepared).await
    }

    /// Writes a [`Prepared`] batch inside `tx` (not committed), raw events included.
    /// Checkpoints the watermark already covers are dropped here, under the writer lock, so
    /// the check cannot race.
    ///
    /// Statements: the lock, the watermark, a key lookup per table with rows that may be
    /// stored (blob IDs), then under one savepoint the COPY of raw events and of every new
    /// row (one per table), then one statement merging the other rows and the watermark.
    pub async fn write_prepared_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        prepared: &Prepared,
    ) -> Result<(BatchStats, Option<u64>), IngestError> {
        let (stats, batch) = match begin_batch(tx, prepared, None).await? {
            Begun::Nothing(stats) => return Ok((stats, None)),
            Begun::Batch { stats, batch, .. } => (stats, batch),
        };
        let batch = batch.as_deref().unwrap_or(prepared);
        self.write_rows(tx, batch, true).await?;
        Ok((stats, batch.range.map(|(_, last, _)| last)))
    }

    /// Writes a batch on two connections, as [`Ingestor::run`] does: its raw events on
    /// `events`, in a transaction this **commits** (after the lock is held and the stale
    /// raw events deleted), and everything else inside `tx`, **not** committed. Committing
    /// `tx` finishes the batch; dropping it instead is the crash between the two commits,
    /// which the next batch repairs (see the module's documentation).
    pub async fn write_split_in(
        &self,
        events: &mut PgConnection,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        checkpoints: &[proto::Checkpoint],
    ) -> Result<(BatchStats, Option<u64>), IngestError> {
        let prepared = prepare(checkpoints, self.package)?;
        self.write_prepared_split_in(events, tx, &prepared).await
    }

    async fn write_prepared_split_in(
        &self,
        events: &mut PgConnection,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        prepared: &Prepared,
    ) -> Result<(BatchStats, Option<u64>), IngestError> {
        let (stats, batch, watermark) = match begin_batch(tx, prepared, None).await? {
            Begun::Nothing(stats) => return Ok((stats, None)),
            Begun::Batch {
                stats,
                batch,
                watermark,
            } => (stats, batch, watermark),
        };
        let batch = batch.as_deref().unwrap_or(prepared);
        // Both run at once, each on its own server backend. The raw events commit as soon
        // as they are written, before the caller can commit `tx` (it needs both done).
        let raw = async {
            if write_raw_events(events, batch, watermark).await? {
                self.metrics.copy_fell_back();
            }
            Ok::<_, IngestError>(())
        };
        let (raw, rows) = tokio::join!(raw, self.write_rows(tx, batch, false));
        raw?;
        rows?;
        Ok((stats, batch.range.map(|(_, last, _)| last)))
    }

    /// Everything but the lock and the watermark check: rows that may be stored looked up,
    /// created rows (and the raw events, if `with_events`) COPYed, the other rows and the
    /// watermark merged, and the fix-ups of split Storage and registered nodes.
    async fn write_rows(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        batch: &Prepared,
        with_events: bool,
    ) -> Result<(), IngestError> {
        // Rows that may be stored: look their keys up, COPY the new ones, merge the others.
        let mut probed_copies = Vec::new();
        let mut probed_merges = Chain::after(&batch.plan.merges);
        let started = Instant::now();
        if self.copy_created_rows {
            for probe in &batch.plan.probes {
                let stored: Vec<String> = sqlx::query_scalar(&probe.lookup_statement())
                    .bind(probe.keys())
                    .fetch_all(&mut **tx)
                    .await?;
                let stored = stored.into_iter().collect();
                if let Some(data) = probe.split(&stored, &mut probed_merges) {
                    probed_copies.push((probe.table, data));
                }
            }
        }
        timed("lookup", "", batch.plan.probes.len() as u64, started);
        let copied = if self.copy_created_rows {
            let copied = copy_created(tx, batch, &probed_copies, with_events).await?;
            if !copied {
                self.metrics.copy_fell_back();
            }
            copied
        } else {
            if with_events {
                insert_raw_events(tx, &batch.events).await?;
            }
            false
        };
        let started = Instant::now();
        if copied {
            batch
                .plan
                .merges
                .execute_with(tx, Some(&probed_merges))
                .await?;
            timed("merge", "", 0, started);
        } else {
            // A created key (or a raw event) was already stored, or COPY is off: merge every
            // row, which gives what the COPY would have on an empty key and the right merge
            // on a stored one.
            let mut all = batch.rows.merge_all();
            push_watermark(&mut all, batch.range);
            all.execute(tx).await?;
        }
        let parts = split_parts(batch)?;
        if !parts.is_empty() {
            // A split Storage inherits its parent's owner (the split event does not repeat it).
            // Only this batch's new parts can lack one; a part split again within the batch
            // gets its owner one pass after its parent, so repeat until nothing changes.
            loop {
                let filled = sqlx::query(
                    "UPDATE storage s SET owner = p.owner FROM storage p \
                     WHERE s.storage_id = ANY($1) AND s.owner IS NULL \
                     AND s.parent_storage_id = p.storage_id AND p.owner IS NOT NULL",
                )
                .bind(&parts)
                .execute(&mut **tx)
                .await?;
                if filled.rows_affected() == 0 {
                    break;
                }
            }
        }
        let registered = registered_nodes(batch)?;
        if !registered.is_empty() {
            // `register_node` starts a node's price votes at the system's prices, which
            // `NodeRegistered` does not repeat: they are the prices of the registration epoch,
            // stored by its `EpochAdvanced` (or `SystemCreated`), in this batch or earlier. A vote
            // the node cast since (`VoteSet`) is already in the row and stays.
            sqlx::query(
                "UPDATE nodes n SET \
                 storage_price_vote = COALESCE(n.storage_price_vote, e.storage_price_per_mib_epoch), \
                 write_price_vote = COALESCE(n.write_price_vote, e.write_price_per_mib) \
                 FROM epochs e WHERE n.node_id = ANY($1) AND e.epoch = n.registered_epoch \
                 AND (n.storage_price_vote IS NULL OR n.write_price_vote IS NULL)",
            )
            .bind(&registered)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Commits a prepared batch on a connection of the pool.
    pub async fn write_prepared(&self, prepared: &Prepared) -> Result<BatchStats, IngestError> {
        let mut conn = self.pool.acquire().await?;
        self.write_prepared_on(&mut conn, prepared).await
    }

    /// Commits a prepared batch on `conn`.
    async fn write_prepared_on(
        &self,
        conn: &mut PgConnection,
        prepared: &Prepared,
    ) -> Result<BatchStats, IngestError> {
        let started = Instant::now();
        let mut tx = conn.begin().await?;
        let (stats, last) = self.write_prepared_in(&mut tx, prepared).await?;
        tx.commit().await?;
        self.committed(stats, last, started);
        Ok(stats)
    }

    fn committed(&self, stats: BatchStats, last: Option<u64>, started: Instant) {
        if let Some(last) = last {
            self.metrics
                .batch_committed(stats.checkpoints, stats.events, last, started.elapsed());
            tracing::debug!(last, events = stats.events, "batch committed");
        }
    }

    /// Consumes checkpoints from `input` until it closes, committing batches of at most
    /// `max_batch` checkpoints (fewer when the source has nothing more ready). Decoding and
    /// folding the next batch (CPU) runs on a blocking thread while the current one is being
    /// written (database), so the two overlap; a batch's raw events are written on a second
    /// connection, up to two batches ahead of its projections (see `pipelined.rs`).
    pub async fn run(
        &self,
        mut input: mpsc::Receiver<proto::Checkpoint>,
        max_batch: usize,
    ) -> Result<(), IngestError> {
        let (prepared_tx, mut prepared_rx) = mpsc::channel::<Result<Prepared, IngestError>>(1);
        let package = self.package;
        let preparer = tokio::spawn(async move {
            while let Some(first) = input.recv().await {
                let mut batch = Vec::with_capacity(max_batch);
                batch.push(first);
                while batch.len() < max_batch {
                    match input.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let prepared = tokio::task::spawn_blocking(move || {
                    let started = Instant::now();
                    let prepared = prepare(&batch, package);
                    timed("prepare", "", batch.len() as u64, started);
                    prepared
                })
                .await
                .unwrap_or_else(|e| {
                    Err(IngestError::Malformed {
                        checkpoint: 0,
                        what: "batch",
                        message: format!("preparing panicked: {e}"),
                    })
                });
                let failed = prepared.is_err();
                if prepared_tx.send(prepared).await.is_err() || failed {
                    return;
                }
            }
        });
        let result = if self.split_events {
            self.run_pipelined(&mut prepared_rx).await
        } else {
            self.run_one_transaction(&mut prepared_rx).await
        };
        if result.is_err() {
            // It may be waiting for a checkpoint that is never coming.
            preparer.abort();
        }
        let _ = preparer.await;
        result
    }

    /// The loop of [`Ingestor::one_transaction`]: each batch in one transaction on one
    /// connection, kept for the whole run (no pool hand-over, and its liveness ping, per
    /// batch; its prepared statements stay warm).
    async fn run_one_transaction(
        &self,
        prepared_rx: &mut mpsc::Receiver<Result<Prepared, IngestError>>,
    ) -> Result<(), IngestError> {
        let mut conn = None;
        let mut waiting = Instant::now();
        while let Some(prepared) = prepared_rx.recv().await {
            // Time the writer waited for the preparer: above zero, the CPU side is the limit.
            timed("wait", "", 0, waiting);
            self.write_prepared_retrying(&mut conn, &prepared?).await?;
            waiting = Instant::now();
        }
        Ok(())
    }

    /// Database outages are retried (the batch's transaction rolls back whole, so retrying
    /// is safe); data errors are not. `conn` is the run's connection, (re)acquired here when
    /// missing.
    async fn write_prepared_retrying(
        &self,
        conn: &mut Option<PoolConnection<Postgres>>,
        prepared: &Prepared,
    ) -> Result<BatchStats, IngestError> {
        let mut delay = Duration::from_millis(100);
        loop {
            let result = match conn {
                Some(c) => self.write_prepared_on(c, prepared).await,
                None => match self.pool.acquire().await {
                    Ok(c) => self.write_prepared_on(conn.insert(c), prepared).await,
                    Err(e) => Err(e.into()),
                },
            };
            match result {
                Err(IngestError::Db(e)) if is_transient(&e) => {
                    // The connection may be the broken part: take a fresh one next time.
                    *conn = None;
                    tracing::warn!(error = %e, "database unavailable; retrying the batch");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                other => return other,
            }
        }
    }
}

/// What [`begin_batch`] found.
enum Begun {
    /// Nothing to write: an empty batch, or one the watermark already covers.
    Nothing(BatchStats),
    /// Checkpoints to write: the batch cut to those after the watermark when it covered
    /// some (`None`: the whole batch), and the watermark.
    Batch {
        stats: BatchStats,
        batch: Option<Box<Prepared>>,
        watermark: Option<u64>,
    },
}

/// Takes the writer lock inside `tx`, reads the watermark and works out what of `prepared`
/// is left to write.
async fn begin_batch(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    prepared: &Prepared,
    raw_writer: Option<i32>,
) -> Result<Begun, IngestError> {
    // Batches commit with the server's `synchronous_commit` (on by default): COMMIT returns
    // once the batch is on disk, so a watermark the indexer (or a reader) saw never goes
    // back after a server crash.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITER_LOCK)
        .execute(&mut **tx)
        .await?;
    // A statement of its own, so its snapshot is taken after the lock is held.
    let current: Option<i64> = match raw_writer {
        None => {
            sqlx::query_scalar("SELECT checkpoint FROM watermark WHERE id")
                .fetch_optional(&mut **tx)
                .await?
        }
        Some(pid) => {
            let (classid, objid) = pipelined::raw_writer_lock_ids();
            let (current, held): (Option<i64>, bool) =
                sqlx::query_as(pipelined::WATERMARK_AND_RAW_WRITER)
                    .bind(pid)
                    .bind(classid)
                    .bind(objid)
                    .fetch_one(&mut **tx)
                    .await?;
            if !held {
                return Err(IngestError::RawWriterLost);
            }
            current
        }
    };
    let watermark = current.and_then(|w| u64::try_from(w).ok());
    let Some((first, last, _)) = prepared.range else {
        return Ok(Begun::Nothing(BatchStats::default()));
    };
    let mut stats = BatchStats {
        checkpoints: last - first + 1,
        events: 0,
        skipped: 0,
    };
    let mut batch = None;
    if let Some(w) = watermark
        && w >= first
    {
        // Rare (a replay): keep only the new checkpoints' events and fold them again.
        let skipped = (w.min(last) - first) + 1;
        stats.skipped = skipped;
        stats.checkpoints -= skipped;
        if stats.checkpoints == 0 {
            return Ok(Begun::Nothing(stats));
        }
        batch = Some(Box::new(prepared.after(w)?));
    }
    stats.events = batch.as_deref().unwrap_or(prepared).events.len() as u64;
    Ok(Begun::Batch {
        stats,
        batch,
        watermark,
    })
}

/// The raw events of `batch` in a transaction of their own on `conn`, committed. Raw
/// events beyond `watermark` (left by a crash between the two commits of an earlier batch)
/// are deleted first; with no watermark (a fresh database, or a lost watermark) nothing is
/// deleted and stored keys are skipped instead. Returns whether the COPY fell back to that.
async fn write_raw_events(
    conn: &mut PgConnection,
    batch: &Prepared,
    watermark: Option<u64>,
) -> Result<bool, sqlx::Error> {
    let mut tx = conn.begin().await?;
    delete_beyond(&mut tx, watermark).await?;
    if batch.events.is_empty() {
        tx.commit().await?;
        return Ok(false);
    }
    let started = Instant::now();
    match copy_in(
        &mut tx,
        &copy_events_statement("events"),
        &batch.events_copy,
    )
    .await
    {
        Ok(rows) => {
            timed("copy", "events", rows, started);
            let started = Instant::now();
            tx.commit().await?;
            timed("commit", "events", 0, started);
            Ok(false)
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            tracing::debug!(error = %e, "raw events already stored; skipping them");
            tx.rollback().await?;
            let mut tx = conn.begin().await?;
            delete_beyond(&mut tx, watermark).await?;
            insert_raw_events(&mut tx, &batch.events).await?;
            tx.commit().await?;
            Ok(true)
        }
        Err(e) => Err(e),
    }
}

/// A batch decoded, folded and encoded, ready to write: the CPU half of ingestion, done
/// while the previous batch is being written.
#[derive(Clone)]
pub struct Prepared {
    /// (first, last, last checkpoint's timestamp); `None` for an empty batch.
    range: Option<(u64, u64, Option<u64>)>,
    events: Vec<RawEvent>,
    rows: Rows,
    /// The raw events as binary COPY data.
    events_copy: Vec<u8>,
    /// Created rows' COPY data; the other rows' and the watermark's merge.
    plan: Plan,
}

impl Prepared {
    fn new(
        range: Option<(u64, u64, Option<u64>)>,
        events: Vec<RawEvent>,
    ) -> Result<Self, IngestError> {
        let rows = fold(&events)?;
        let mut plan = rows.plan();
        push_watermark(&mut plan.merges, range);
        let events_copy = events_copy_data(&events);
        Ok(Self {
            range,
            events,
            rows,
            events_copy,
            plan,
        })
    }

    /// The same batch without checkpoints up to `watermark` (already written).
    fn after(&self, watermark: u64) -> Result<Self, IngestError> {
        let events = self
            .events
            .iter()
            .filter(|e| e.ctx.checkpoint > watermark)
            .cloned()
            .collect();
        let range = self
            .range
            .map(|(first, last, ts)| (first.max(watermark + 1), last, ts));
        Self::new(range, events)
    }
}

/// Checks that `checkpoints` are consecutive, extracts the floe events, folds and encodes them.
pub fn prepare(
    checkpoints: &[proto::Checkpoint],
    package: Address,
) -> Result<Prepared, IngestError> {
    let mut events = Vec::new();
    let mut range: Option<(u64, u64, Option<u64>)> = None;
    for checkpoint in checkpoints {
        let seq = checkpoint.sequence_number.unwrap_or_default();
        let ts = checkpoint
            .summary
            .as_ref()
            .and_then(|s| s.timestamp)
            .and_then(|t| sui_rpc::proto::proto_to_timestamp_ms(t).ok());
        range = match range {
            None => Some((seq, seq, ts)),
            Some((first, previous, _)) if seq == previous + 1 => Some((first, seq, ts)),
            Some((_, previous, _)) => return Err(IngestError::OutOfOrder { previous, got: seq }),
        };
        events.extend(floe_events(checkpoint, package)?);
    }
    Prepared::new(range, events)
}

fn fold(events: &[RawEvent]) -> Result<Rows, IngestError> {
    let mut rows = Rows::new();
    for event in events {
        if event.module == "events" {
            projections::apply(&event.ctx, &event.name, &event.contents, &mut rows)?;
        }
    }
    Ok(rows)
}

/// Appends the watermark's upsert (the batch's last checkpoint) to `chain`.
fn push_watermark(chain: &mut Chain, range: Option<(u64, u64, Option<u64>)>) {
    let Some((_, last, last_ts)) = range else {
        return;
    };
    let n = chain.next_param();
    chain.push(
        format!(
            "INSERT INTO watermark AS w (id, checkpoint, timestamp_ms, updated_at) \
             VALUES (true, ${n}::bigint, ${}::bigint, now()) ON CONFLICT (id) DO UPDATE \
             SET checkpoint = EXCLUDED.checkpoint, timestamp_ms = EXCLUDED.timestamp_ms, \
             updated_at = now()",
            n + 1
        ),
        [
            Param::Int(Some(to_i64(last))),
            Param::Int(last_ts.map(to_i64)),
        ],
    );
}

/// An outage rather than bad data: the connection or the server went away (including a
/// backend the server shut down or an administrator terminated, SQLSTATE class 57P, and
/// connection exceptions, class 08), so the same batch may succeed on a new connection.
fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|code| code.starts_with("57P") || code.starts_with("08")),
        _ => false,
    }
}

/// Checkpoint numbers and timestamps fit an i64 on any real chain.
fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The last checkpoint fully written, if any.
pub async fn watermark(pool: &PgPool) -> Result<Option<u64>, IngestError> {
    let w: Option<i64> = sqlx::query_scalar("SELECT checkpoint FROM watermark WHERE id")
        .fetch_optional(pool)
        .await?;
    Ok(w.and_then(|w| u64::try_from(w).ok()))
}

/// Deletes the raw events beyond `watermark` (none without one).
async fn delete_beyond(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    watermark: Option<u64>,
) -> Result<(), sqlx::Error> {
    if let Some(w) = watermark {
        sqlx::query("DELETE FROM events WHERE checkpoint > $1")
            .bind(to_i64(w))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes the created rows, and the raw events when `with_events`, with `COPY` (the
/// fastest path into PostgreSQL), inside a savepoint; returns whether that worked. The watermark check means a batch never
/// holds events already stored, and created rows are new objects, but should a key exist
/// anyway (a replay racing a manual repair, say), the unique key rejects the COPY: the
/// savepoint is rolled back, the raw events are inserted with `INSERT … ON CONFLICT DO
/// NOTHING`, and `false` tells the caller to merge every row.
async fn copy_created(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    batch: &Prepared,
    probed: &[(&'static Table, Vec<u8>)],
    with_events: bool,
) -> Result<bool, sqlx::Error> {
    let events = with_events && !batch.events.is_empty();
    if !events && batch.plan.copies.is_empty() && probed.is_empty() {
        return Ok(true);
    }
    sqlx::query("SAVEPOINT batch_copy")
        .execute(&mut **tx)
        .await?;
    match copy_all(tx, batch, probed, events).await {
        Ok(()) => {
            sqlx::query("RELEASE SAVEPOINT batch_copy")
                .execute(&mut **tx)
                .await?;
            Ok(true)
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            tracing::debug!(error = %e, "COPY hit stored keys; merging the batch instead");
            sqlx::query("ROLLBACK TO SAVEPOINT batch_copy")
                .execute(&mut **tx)
                .await?;
            if with_events {
                insert_raw_events(tx, &batch.events).await?;
            }
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

async fn copy_all(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    batch: &Prepared,
    probed: &[(&'static Table, Vec<u8>)],
    events: bool,
) -> Result<(), sqlx::Error> {
    if events {
        copy_in(tx, &copy_events_statement("events"), &batch.events_copy).await?;
    }
    for (table, data) in batch.plan.copies.iter().chain(probed) {
        let started = Instant::now();
        let rows = copy_in(tx, &table.copy_statement(), data).await?;
        timed("copy", table.name, rows, started);
    }
    Ok(())
}

/// Statement timings at `trace` level (`RUST_LOG=floe_indexer::ingest=trace`): how a batch's
/// time splits between tables and statements, for profiling the ingest.
fn timed(what: &'static str, table: &'static str, rows: u64, started: Instant) {
    tracing::trace!(
        what,
        table,
        rows,
        us = started.elapsed().as_micros() as u64,
        "timed"
    );
}

/// Runs `statement` (a `COPY … FROM STDIN`) with `data`.
pub async fn copy_in(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    data: &[u8],
) -> Result<u64, sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(data).await?;
    copy.finish().await
}

/// The `COPY` of raw events into `table` (`events`, or a table shaped like it), for
/// [`events_copy_data`].
pub fn copy_events_statement(table: &str) -> String {
    let columns: Vec<&str> = EVENTS.cols.iter().map(|c| c.name).collect();
    format!(
        "COPY {table} ({}) FROM STDIN (FORMAT binary)",
        columns.join(", ")
    )
}

/// The rows of `events` as binary COPY data (no text to parse, contents as raw bytes).
pub fn events_copy_data(events: &[RawEvent]) -> Vec<u8> {
    let size: usize = events.iter().map(|e| 140 + e.contents.len()).sum();
    let mut data = CopyData::with_capacity(size);
    // The fields below follow `EVENTS`' column order.
    let fields = u16::try_from(EVENTS.cols.len()).expect("a handful of columns");
    for e in events {
        data.row(fields);
        data.text(&e.ctx.tx_digest);
        data.int8(to_i64(e.ctx.event_index));
        data.int8(to_i64(e.ctx.checkpoint));
        data.int8(to_i64(e.ctx.tx_index));
        match e.ctx.timestamp_ms {
            Some(t) => data.int8(to_i64(t)),
            None => data.null(),
        }
        data.text(&e.sender);
        data.text(&e.module);
        data.text(&e.name);
        data.bytea(&e.contents);
    }
    data.finish()
}

/// Inserts raw events with one statement (arrays unnested server-side), ignoring rows whose
/// key is already stored.
async fn insert_raw_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    events: &[RawEvent],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let mut digests = Vec::with_capacity(events.len());
    let mut indexes = Vec::with_capacity(events.len());
    let mut checkpoints = Vec::with_capacity(events.len());
    let mut tx_indexes = Vec::with_capacity(events.len());
    let mut timestamps = Vec::with_capacity(events.len());
    let mut senders = Vec::with_capacity(events.len());
    let mut modules = Vec::with_capacity(events.len());
    let mut names = Vec::with_capacity(events.len());
    let mut contents = Vec::with_capacity(events.len());
    for e in events {
        digests.push(e.ctx.tx_digest.as_str());
        indexes.push(to_i64(e.ctx.event_index));
        checkpoints.push(to_i64(e.ctx.checkpoint));
        tx_indexes.push(to_i64(e.ctx.tx_index));
        timestamps.push(e.ctx.timestamp_ms.map(to_i64));
        senders.push(e.sender.as_str());
        modules.push(e.module.as_str());
        names.push(e.name.as_str());
        contents.push(e.contents.as_slice());
    }
    sqlx::query(&EVENTS.statement(1))
        .bind(digests)
        .bind(indexes)
        .bind(checkpoints)
        .bind(tx_indexes)
        .bind(timestamps)
        .bind(senders)
        .bind(modules)
        .bind(names)
        .bind(contents)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

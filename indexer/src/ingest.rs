//! The ingestion pipeline: checkpoints in sequence → one database transaction per batch.
//!
//! Each batch writes the raw events, every projection and the watermark together, so the
//! database is always exactly "everything up to the watermark": a crash anywhere loses the
//! uncommitted batch whole, and a restart resumes at watermark + 1. A batch also re-reads the
//! watermark under a transaction-scoped advisory lock and skips checkpoints it already covers,
//! so replaying checkpoints (or two indexers on one database) duplicates nothing; raw events
//! are additionally keyed by (transaction digest, event index).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Event};
use tokio::sync::mpsc;

use crate::metrics::Metrics;
use crate::projections::{self, EventCtx, ProjectionError};
use crate::rows::{Rows, RowsError};

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
    let mut out = Vec::new();
    for (tx_index, tx) in checkpoint.transactions.iter().enumerate() {
        let Some(events) = &tx.events else { continue };
        for (event_index, event) in events.events.iter().enumerate() {
            let event = Event::try_from(event).map_err(|e| malformed("event", e.to_string()))?;
            if *event.type_.address() != package {
                continue;
            }
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
                sender: event.sender.to_string(),
                module: event.type_.module().to_string(),
                name: event.type_.name().to_string(),
                contents: event.contents,
            });
        }
    }
    Ok(out)
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
}

impl Ingestor {
    pub fn new(pool: PgPool, package: Address, metrics: Arc<Metrics>) -> Self {
        Self {
            pool,
            package,
            metrics,
        }
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
        self.write_prepared_in(tx, prepared).await
    }

    /// Writes a [`Prepared`] batch inside `tx` (not committed). Checkpoints the watermark
    /// already covers are dropped here, under the writer lock, so the check cannot race.
    pub async fn write_prepared_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        mut prepared: Prepared,
    ) -> Result<(BatchStats, Option<u64>), IngestError> {
        // One round trip: the writer lock, and no WAL flush wait at COMMIT. Asynchronous
        // commit cannot tear a batch (PostgreSQL replays its WAL in order), it can only lose
        // the last batches on a server crash, watermark included; the indexer then simply
        // re-reads those checkpoints.
        sqlx::query(
            "SELECT pg_advisory_xact_lock($1), set_config('synchronous_commit', 'off', true)",
        )
        .bind(WRITER_LOCK)
        .execute(&mut **tx)
        .await?;
        let current: Option<i64> = sqlx::query_scalar("SELECT checkpoint FROM watermark WHERE id")
            .fetch_optional(&mut **tx)
            .await?;
        let Some((first, last, last_ts)) = prepared.range else {
            return Ok((BatchStats::default(), None));
        };
        let mut stats = BatchStats {
            checkpoints: last - first + 1,
            events: 0,
            skipped: 0,
        };
        if let Some(w) = current.and_then(|w| u64::try_from(w).ok())
            && w >= first
        {
            // Rare (a replay): keep only the new checkpoints' events and fold them again.
            let skipped = (w.min(last) - first) + 1;
            stats.skipped = skipped;
            stats.checkpoints -= skipped;
            if stats.checkpoints == 0 {
                return Ok((stats, None));
            }
            prepared.events.retain(|e| e.ctx.checkpoint > w);
            prepared.rows = fold(&prepared.events)?;
        }
        stats.events = prepared.events.len() as u64;
        write_raw_events(tx, &prepared.events).await?;
        prepared.rows.write(tx).await?;
        if prepared.events.iter().any(|e| e.name == "StorageSplit") {
            // A split Storage inherits its parent's owner (the split event does not repeat it).
            sqlx::query(
                "UPDATE storage s SET owner = p.owner FROM storage p \
                 WHERE s.owner IS NULL AND s.parent_storage_id = p.storage_id \
                 AND p.owner IS NOT NULL",
            )
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO watermark (id, checkpoint, timestamp_ms, updated_at) \
             VALUES (true, $1, $2, now()) ON CONFLICT (id) DO UPDATE \
             SET checkpoint = EXCLUDED.checkpoint, timestamp_ms = EXCLUDED.timestamp_ms, \
             updated_at = now()",
        )
        .bind(to_i64(last))
        .bind(last_ts.map(to_i64))
        .execute(&mut **tx)
        .await?;
        Ok((stats, Some(last)))
    }

    /// Commits a prepared batch.
    pub async fn write_prepared(&self, prepared: Prepared) -> Result<BatchStats, IngestError> {
        let started = Instant::now();
        let mut tx = self.pool.begin().await?;
        let (stats, last) = self.write_prepared_in(&mut tx, prepared).await?;
        tx.commit().await?;
        if let Some(last) = last {
            self.metrics
                .batch_committed(stats.checkpoints, stats.events, last, started.elapsed());
            tracing::debug!(last, events = stats.events, "batch committed");
        }
        Ok(stats)
    }

    /// Consumes checkpoints from `input` until it closes, committing batches of at most
    /// `max_batch` checkpoints (fewer when the source has nothing more ready). Decoding and
    /// folding the next batch (CPU) runs on a blocking thread while the current one is being
    /// written (database), so the two overlap.
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
                let prepared = tokio::task::spawn_blocking(move || prepare(&batch, package))
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
        while let Some(prepared) = prepared_rx.recv().await {
            self.write_prepared_retrying(prepared?).await?;
        }
        let _ = preparer.await;
        Ok(())
    }

    /// Database outages are retried (the batch is rolled back whole, so retrying is safe);
    /// data errors are not.
    async fn write_prepared_retrying(&self, prepared: Prepared) -> Result<BatchStats, IngestError> {
        let mut delay = Duration::from_millis(100);
        loop {
            match self.write_prepared(prepared.clone()).await {
                Err(IngestError::Db(e)) if is_transient(&e) => {
                    tracing::warn!(error = %e, "database unavailable; retrying the batch");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                other => return other,
            }
        }
    }
}

/// A batch decoded and folded, ready to write: the CPU half of ingestion.
#[derive(Clone)]
pub struct Prepared {
    /// (first, last, last checkpoint's timestamp); `None` for an empty batch.
    range: Option<(u64, u64, Option<u64>)>,
    events: Vec<RawEvent>,
    rows: Rows,
}

/// Checks that `checkpoints` are consecutive, extracts the floe events and folds them.
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
    let rows = fold(&events)?;
    Ok(Prepared {
        range,
        events,
        rows,
    })
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

fn is_transient(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
    )
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

/// Writes raw events with `COPY` (the fastest path into PostgreSQL). The watermark check
/// means a batch never holds events already stored, but should one anyway (a replay racing a
/// manual repair, say), the unique key rejects the COPY and the batch falls back, inside a
/// savepoint, to an `INSERT … ON CONFLICT DO NOTHING` of the same rows.
async fn write_raw_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    events: &[RawEvent],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    sqlx::query("SAVEPOINT raw_events")
        .execute(&mut **tx)
        .await?;
    match copy_raw_events(tx, events).await {
        Ok(()) => {
            sqlx::query("RELEASE SAVEPOINT raw_events")
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            sqlx::query("ROLLBACK TO SAVEPOINT raw_events")
                .execute(&mut **tx)
                .await?;
            insert_raw_events(tx, events).await
        }
        Err(e) => Err(e),
    }
}

/// The rows of `events` in COPY's text format.
pub fn copy_text(events: &[RawEvent]) -> String {
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

/// The column list both the pipeline's and the benchmark's COPY use.
pub const COPY_COLUMNS: &str = "(tx_digest, event_index, checkpoint, tx_index, timestamp_ms, sender, module, event_type, contents)";

async fn copy_raw_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    events: &[RawEvent],
) -> Result<(), sqlx::Error> {
    let mut copy = tx
        .copy_in_raw(&format!("COPY events {COPY_COLUMNS} FROM STDIN"))
        .await?;
    copy.send(copy_text(events).into_bytes()).await?;
    copy.finish().await?;
    Ok(())
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
    sqlx::query(
        "INSERT INTO events (tx_digest, event_index, checkpoint, tx_index, timestamp_ms, sender, \
         module, event_type, contents) SELECT * FROM UNNEST($1::text[], $2::bigint[], \
         $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], \
         $9::bytea[]) ON CONFLICT DO NOTHING",
    )
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

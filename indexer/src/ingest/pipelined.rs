//! [`Ingestor::run`]'s loop: a batch's raw events are written and committed by a writer of
//! their own, on a connection of their own, up to [`AHEAD`] batches before the batch's
//! projections. Neither side then waits for the other's work or COMMIT (an fsync each): the
//! projections of batch N are written while the raw events of N + 1 are, and the raw
//! writer's COMMIT overlaps the projections' COPYs.
//!
//! What keeps this exactly-once:
//! - The projections of a batch are written only after its raw events committed (the raw
//!   writer hands a batch over once it has), so a watermark never covers a missing raw event.
//! - Raw events beyond the watermark are those of batches whose projections did not commit
//!   yet. They are deleted once per session, when its raw writer starts (under the writer
//!   lock, so no projections commit meanwhile), never per batch: per batch, they would be
//!   the writer's own batches ahead.
//! - A raw writer holds a session-level advisory lock ([`RAW_WRITER_LOCK`]) for its
//!   connection's whole life, so a second indexer on the same database waits there instead
//!   of deleting the first one's batches ahead. The projections check, under the writer lock
//!   and in the statement that reads the watermark, that their session's raw writer still
//!   holds it: a connection the server dropped (and whose lock another writer may have taken
//!   since) ends the session before anything it handed over is committed.
//! - Any error ends the session whole: both connections are closed (the server releases the
//!   locks), and, if the error is an outage, a new session starts over from the watermark
//!   with every batch whose projections had not committed, in order.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::*;

/// Batches the raw writer may hand over before the projections take them.
const AHEAD: usize = 2;

/// Session-level advisory lock of a run's raw-event writer ("flof" in ASCII; the writer
/// lock is "floe").
const RAW_WRITER_LOCK: i64 = 0x666c_6f66;

type Batch = Arc<Prepared>;

/// The batches taken from the preparer whose projections have not committed, oldest first:
/// what a failed session leaves for the next one.
#[derive(Default)]
struct Uncommitted(Mutex<VecDeque<Batch>>);

impl Uncommitted {
    fn push(&self, batch: Batch) {
        self.0
            .lock()
            .expect("no code panics while holding it")
            .push_back(batch);
    }

    fn pop(&self) {
        self.0
            .lock()
            .expect("no code panics while holding it")
            .pop_front();
    }

    fn take(&self) -> VecDeque<Batch> {
        std::mem::take(&mut *self.0.lock().expect("no code panics while holding it"))
    }
}

impl Ingestor {
    /// Runs sessions until `input` closes; an outage ends a session and, after a pause,
    /// starts the next from the watermark.
    pub(super) async fn run_pipelined(
        &self,
        input: &mut mpsc::Receiver<Result<Prepared, IngestError>>,
    ) -> Result<(), IngestError> {
        let uncommitted = Uncommitted::default();
        let mut replay = VecDeque::new();
        let mut delay = Duration::from_millis(100);
        loop {
            let mut progressed = false;
            match self
                .session(input, &mut replay, &uncommitted, &mut progressed)
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) if restarts_session(&e) => {
                    if progressed {
                        delay = Duration::from_millis(100);
                    }
                    let mut again = uncommitted.take();
                    again.append(&mut replay);
                    replay = again;
                    tracing::warn!(
                        error = %e,
                        batches = replay.len(),
                        "database unavailable; writing the uncommitted batches again"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One session: a raw writer and the projections, each on its own connection, until
    /// `input` closes or either fails.
    async fn session(
        &self,
        input: &mut mpsc::Receiver<Result<Prepared, IngestError>>,
        replay: &mut VecDeque<Batch>,
        uncommitted: &Uncommitted,
        progressed: &mut bool,
    ) -> Result<(), IngestError> {
        // Detached: a connection an error left mid-transaction, or holding the raw writer's
        // lock, is closed when the session ends instead of going back to the pool.
        let mut raw = self.pool.acquire().await?.detach();
        let started = Instant::now();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(RAW_WRITER_LOCK)
            .execute(&mut raw)
            .await?;
        if started.elapsed() > Duration::from_secs(1) {
            tracing::info!(
                waited_ms = started.elapsed().as_millis() as u64,
                "another writer held this database; writing now"
            );
        }
        let raw_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut raw)
            .await?;
        let start = clear_beyond_watermark(&mut raw).await?;
        let mut projections = self.pool.acquire().await?.detach();

        let (hand_over, mut handed) = mpsc::channel::<Batch>(AHEAD);
        // Borrowed, not moved: the connection, and with it the lock the projections check,
        // must outlive the raw side until the projections of its last batch are committed.
        let raw = &mut raw;
        let raw_side = async move {
            loop {
                let batch = match replay.pop_front() {
                    Some(batch) => batch,
                    None => match input.recv().await {
                        Some(prepared) => Arc::new(prepared?),
                        // Dropping `hand_over` ends the projections once they took the rest.
                        None => return Ok::<_, IngestError>(()),
                    },
                };
                uncommitted.push(batch.clone());
                if self.write_raw_ahead(raw, &batch, start).await? {
                    self.metrics.copy_fell_back();
                }
                if hand_over.send(batch).await.is_err() {
                    // The projections ended first: their error is the session's.
                    return Ok(());
                }
            }
        };
        let projections_side = async {
            while let Some(batch) = handed.recv().await {
                self.write_projections(&mut projections, &batch, raw_pid)
                    .await?;
                uncommitted.pop();
                *progressed = true;
            }
            Ok(())
        };
        tokio::try_join!(raw_side, projections_side)?;
        Ok(())
    }

    /// Commits the raw events of `batch` after the watermark `start` had at the session's
    /// start; returns whether some were already stored (the COPY fell back to skipping
    /// them: the watermark was lost, or a replay).
    async fn write_raw_ahead(
        &self,
        conn: &mut PgConnection,
        batch: &Prepared,
        start: Option<u64>,
    ) -> Result<bool, IngestError> {
        let cut;
        let batch = match (start, batch.range) {
            (_, None) => return Ok(false),
            (Some(w), Some((_, last, _))) if last <= w => return Ok(false),
            (Some(w), Some((first, _, _))) if first <= w => {
                cut = batch.after(w)?;
                &cut
            }
            _ => batch,
        };
        if batch.events.is_empty() {
            return Ok(false);
        }
        // No watermark: nothing is deleted here (beyond it lie this writer's own batches
        // ahead; the session's start cleared the rest).
        Ok(write_raw_events(conn, batch, None).await?)
    }

    /// Commits the projections and watermark of `batch`, whose raw events are committed,
    /// if the session's raw writer (backend `raw_pid`) still holds its lock.
    async fn write_projections(
        &self,
        conn: &mut PgConnection,
        prepared: &Prepared,
        raw_pid: i32,
    ) -> Result<(), IngestError> {
        let started = Instant::now();
        let mut tx = conn.begin().await?;
        let (stats, batch) = match begin_batch(&mut tx, prepared, Some(raw_pid)).await? {
            Begun::Nothing(_) => {
                tx.commit().await?;
                return Ok(());
            }
            Begun::Batch { stats, batch, .. } => (stats, batch),
        };
        let batch = batch.as_deref().unwrap_or(prepared);
        self.write_rows(&mut tx, batch, false).await?;
        let committing = Instant::now();
        tx.commit().await?;
        timed("commit", "", 0, committing);
        self.committed(stats, batch.range.map(|(_, last, _)| last), started);
        Ok(())
    }
}

/// Deletes, under the writer lock, the raw events beyond the watermark (batches whose
/// projections never committed); returns the watermark.
async fn clear_beyond_watermark(conn: &mut PgConnection) -> Result<Option<u64>, IngestError> {
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITER_LOCK)
        .execute(&mut *tx)
        .await?;
    let w: Option<i64> = sqlx::query_scalar("SELECT checkpoint FROM watermark WHERE id")
        .fetch_optional(&mut *tx)
        .await?;
    let w = w.and_then(|w| u64::try_from(w).ok());
    delete_beyond(&mut tx, w).await?;
    tx.commit().await?;
    Ok(w)
}

/// The statement [`begin_batch`] reads the watermark with when a raw writer must still hold
/// its lock: one row, the watermark (NULL: none yet) and whether backend `$1` holds
/// [`RAW_WRITER_LOCK`] (a bigint key is split into `classid`, high half, and `objid`).
pub(super) const WATERMARK_AND_RAW_WRITER: &str = "SELECT (SELECT checkpoint FROM watermark WHERE id), \
     EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = $1 AND granted \
     AND classid = $2 AND objid = $3 AND objsubid = 1)";

/// [`RAW_WRITER_LOCK`] as `pg_locks` shows it: (classid, objid).
pub(super) fn raw_writer_lock_ids() -> (i64, i64) {
    (RAW_WRITER_LOCK >> 32, RAW_WRITER_LOCK & 0xffff_ffff)
}

/// Errors after which a new session may succeed: the database or a connection was lost.
fn restarts_session(e: &IngestError) -> bool {
    match e {
        IngestError::Db(e) => is_transient(e),
        IngestError::RawWriterLost => true,
        _ => false,
    }
}

//! Crash safety, pagination and error answers, on synthetic checkpoints whose events are real
//! floe event BCS (the bench generator's mix), against the real PostgreSQL server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use floe_indexer::{Ingestor, Metrics, bench};
use sui_sdk_types::Address;
use support::{IndexerProcess, TestDb, get, get_json, wait_for_checkpoint};

const PACKAGE: Address = Address::new([0xf1; 32]);

async fn ingest_all(
    db: &TestDb,
    checkpoints: &[sui_rpc::proto::sui::rpc::v2::Checkpoint],
    batch: usize,
) {
    let ingestor = Ingestor::new(db.pool.clone(), PACKAGE, Arc::new(Metrics::new()));
    for chunk in checkpoints.chunks(batch) {
        ingestor.write_batch(chunk).await.unwrap();
    }
}

#[tokio::test]
async fn a_crash_mid_batch_loses_and_duplicates_nothing() {
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 60, 10);
    let reference = TestDb::new("ref").await;
    ingest_all(&reference, &checkpoints, 10).await;

    let db = TestDb::new("crash").await;
    let ingestor = Ingestor::new(db.pool.clone(), PACKAGE, Arc::new(Metrics::new()));
    for chunk in checkpoints[..25].chunks(10) {
        ingestor.write_batch(chunk).await.unwrap();
    }
    // The "crash": a batch fully written inside its transaction, then the connection is
    // dropped before COMMIT.
    {
        let mut tx = db.pool.begin().await.unwrap();
        let (stats, last) = ingestor
            .write_in(&mut tx, &checkpoints[25..45])
            .await
            .unwrap();
        assert_eq!((stats.checkpoints, last), (20, Some(44)));
        let mut conn = tx;
        sqlx::query("SELECT 1").execute(&mut *conn).await.unwrap();
        drop(conn);
    }
    assert_eq!(ingestor.watermark().await.unwrap(), Some(24));

    // Restart: a new pool; replay with overlap (from 15) in other batch sizes.
    db.pool.close().await;
    let pool = floe_indexer::db::connect(&db.url, 4).await.unwrap();
    let restarted = Ingestor::new(pool.clone(), PACKAGE, Arc::new(Metrics::new()));
    assert_eq!(restarted.watermark().await.unwrap(), Some(24));
    let mut skipped = 0;
    for chunk in checkpoints[15..].chunks(7) {
        skipped += restarted.write_batch(chunk).await.unwrap().skipped;
    }
    assert_eq!(skipped, 10, "checkpoints 15..=24 were already written");
    // Feeding everything once more changes nothing.
    for chunk in checkpoints.chunks(13) {
        restarted.write_batch(chunk).await.unwrap();
    }
    assert_eq!(restarted.watermark().await.unwrap(), Some(59));
    let db = TestDb {
        name: db.name.clone(),
        url: db.url.clone(),
        pool,
    };
    assert_eq!(db.fingerprint().await, reference.fingerprint().await);
    // 600 transactions of 4, 1, 2 and 2 events in turn.
    assert_eq!(db.count("events").await, 600 / 4 * 9);
}

/// Feeds `checkpoints` to [`Ingestor::run`] (the binary's loop: raw events and projections on
/// two connections) in batches of at most `batch`.
async fn run_all(
    ingestor: &Ingestor,
    checkpoints: &[sui_rpc::proto::sui::rpc::v2::Checkpoint],
    batch: usize,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(checkpoints.len().max(1));
    for c in checkpoints {
        tx.send(c.clone()).await.unwrap();
    }
    drop(tx);
    ingestor.run(rx, batch).await.unwrap();
}

#[tokio::test]
async fn a_crash_between_the_raw_events_and_the_projections_commits_is_repaired() {
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 60, 10);
    let reference = TestDb::new("splitref").await;
    ingest_all(&reference, &checkpoints, 10).await;

    let db = TestDb::new("split").await;
    let ingestor = Ingestor::new(db.pool.clone(), PACKAGE, Arc::new(Metrics::new()));
    let mut events = db.pool.acquire().await.unwrap();
    for chunk in checkpoints[..25].chunks(10) {
        let mut tx = db.pool.begin().await.unwrap();
        ingestor
            .write_split_in(&mut events, &mut tx, chunk)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    // The crash: the batch's raw events committed, its projections and watermark dropped
    // before their COMMIT.
    {
        let mut tx = db.pool.begin().await.unwrap();
        let (stats, last) = ingestor
            .write_split_in(&mut events, &mut tx, &checkpoints[25..45])
            .await
            .unwrap();
        assert_eq!((stats.checkpoints, last), (20, Some(44)));
        drop(tx);
    }
    drop(events);
    assert_eq!(ingestor.watermark().await.unwrap(), Some(24));
    // 200 transactions of 4, 1, 2 and 2 events beyond the watermark.
    let beyond: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE checkpoint > 24")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(beyond, 200 / 4 * 9);
    // A reader never sees them: `/v1/events` lists exactly the events up to the watermark
    // its pages name, walked to the end.
    let within: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE checkpoint <= 24")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let api = IndexerProcess::spawn(&db.url, &["--serve-only"]);
    wait_for_checkpoint(api.addr, 24, Duration::from_secs(30)).await;
    let (mut listed, mut cursor) = (0i64, None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/events?limit=100&cursor={c}"),
            None => "/v1/events?limit=100".to_owned(),
        };
        let page = get_json(api.addr, &path).await;
        assert_eq!(page["checkpoint"], 24, "{path}");
        for event in page["items"].as_array().unwrap() {
            assert!(event["checkpoint"].as_i64().unwrap() <= 24, "{event}");
            listed += 1;
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(listed, within);
    drop(api);

    // Restart: a new pool; the binary's loop from the watermark on, in batches of 7: the
    // first batch (25..=31) must clear the whole stale range (to 44), not trip over it.
    db.pool.close().await;
    let pool = floe_indexer::db::connect(&db.url, 4).await.unwrap();
    let metrics = Arc::new(Metrics::new());
    let restarted = Ingestor::new(pool.clone(), PACKAGE, metrics.clone());
    run_all(&restarted, &checkpoints[25..], 7).await;
    assert_eq!(restarted.watermark().await.unwrap(), Some(59));
    let db = TestDb {
        name: db.name.clone(),
        url: db.url.clone(),
        pool,
    };
    assert_eq!(db.fingerprint().await, reference.fingerprint().await);
    assert_eq!(db.count("events").await, 600 / 4 * 9);
    assert_eq!(
        metrics.copy_fallbacks(),
        0,
        "the stale events were deleted first"
    );

    // Without the watermark (a manual repair: nothing is known to be stale) the raw events
    // are written again through the binary's loop: their keys skip them, none is doubled.
    sqlx::query("DELETE FROM watermark")
        .execute(&db.pool)
        .await
        .unwrap();
    run_all(&restarted, &checkpoints[..10], 10).await;
    assert_eq!(db.count("events").await, 600 / 4 * 9);
    assert!(metrics.copy_fallbacks() > 0);
}

/// Terminates every other backend connected to `db` (the run's raw writer and projections,
/// idle pool connections), as a server restart or an administrator would; returns how many.
async fn terminate_other_backends(db: &TestDb) -> i64 {
    sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backends_terminated_mid_run_lose_and_duplicate_nothing() {
    // The binary's loop writes raw events up to two batches ahead of the projections; a
    // connection lost then must leave neither a watermark over missing raw events nor raw
    // events written twice.
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 300, 10);
    let reference = TestDb::new("termref").await;
    ingest_all(&reference, &checkpoints, 10).await;

    let db = TestDb::new("term").await;
    let ingestor = Ingestor::new(db.pool.clone(), PACKAGE, Arc::new(Metrics::new()));
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let run = tokio::spawn(async move { ingestor.run(rx, 5).await });
    let mut terminated = 0;
    for (i, checkpoint) in checkpoints.iter().enumerate() {
        tx.send(checkpoint.clone()).await.unwrap();
        if i % 50 == 49 {
            terminated += terminate_other_backends(&db).await;
        }
    }
    drop(tx);
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the run finishes")
        .unwrap()
        .unwrap();
    assert!(terminated >= 6, "{terminated} backends terminated");
    let watermark: i64 = sqlx::query_scalar("SELECT checkpoint FROM watermark")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(watermark, 299);
    assert_eq!(db.fingerprint().await, reference.fingerprint().await);
    // 3000 transactions of 4, 1, 2 and 2 events.
    assert_eq!(db.count("events").await, 3000 / 4 * 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_database_write_everything_once() {
    // A second indexer started on the same database (a restart overlapping the old process,
    // a misconfiguration) waits for the first one's raw-event writer instead of deleting the
    // raw events it wrote ahead of its projections.
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 200, 10);
    let reference = TestDb::new("tworef").await;
    ingest_all(&reference, &checkpoints, 10).await;

    let db = TestDb::new("two").await;
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let ingestor = Ingestor::new(db.pool.clone(), PACKAGE, Arc::new(Metrics::new()));
            let checkpoints = checkpoints.clone();
            tokio::spawn(async move {
                let (tx, rx) = tokio::sync::mpsc::channel(4);
                let feed = tokio::spawn(async move {
                    for checkpoint in checkpoints {
                        tx.send(checkpoint).await.unwrap();
                    }
                });
                ingestor.run(rx, 7).await.unwrap();
                feed.await.unwrap();
            })
        })
        .collect();
    for run in runs {
        tokio::time::timeout(Duration::from_secs(120), run)
            .await
            .expect("both runs finish")
            .unwrap();
    }
    assert_eq!(db.fingerprint().await, reference.fingerprint().await);
    assert_eq!(db.count("events").await, 2000 / 4 * 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_indexer_process_resumes_at_its_watermark() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 400, 25);
    for c in &checkpoints {
        floe_devnet::checkpoint_files::write(dir.path(), c).unwrap();
    }
    let reference = TestDb::new("killref").await;
    ingest_all(&reference, &checkpoints, 50).await;

    let db = TestDb::new("kill").await;
    let args = [
        "--checkpoints-dir",
        dir.path().to_str().unwrap(),
        "--package",
        &PACKAGE.to_string(),
        "--batch",
        "3",
    ];
    let mut first = IndexerProcess::spawn(&db.url, &args);
    // Kill it (SIGKILL) once it is part-way through.
    let deadline = Instant::now() + Duration::from_secs(60);
    let at_kill = loop {
        let w: Option<i64> = sqlx::query_scalar("SELECT checkpoint FROM watermark")
            .fetch_optional(&db.pool)
            .await
            .unwrap();
        if w.is_some_and(|w| w >= 30) {
            first.kill();
            break w.unwrap();
        }
        assert!(Instant::now() < deadline, "the indexer made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    // The watermark and the events are read in one snapshot: a COMMIT the killed process sent
    // just before it died still completes on the server afterwards, and it moves both at once.
    let mut snapshot = db.pool.begin().await.unwrap();
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *snapshot)
        .await
        .unwrap();
    let after_kill: i64 = sqlx::query_scalar("SELECT checkpoint FROM watermark")
        .fetch_one(&mut *snapshot)
        .await
        .unwrap();
    assert!(
        after_kill < 399,
        "killed before the end (watermark {after_kill}, seen {at_kill})"
    );
    // Raw events commit on their own connection, up to two batches handed over ahead of the
    // projections and the watermark: a kill leaves at most four batches' raw events (the one
    // being projected, two handed over, one being written; 3 checkpoints each) beyond the
    // watermark, which the restart deletes and writes again.
    let beyond: Option<i64> =
        sqlx::query_scalar("SELECT max(checkpoint) FROM events WHERE checkpoint > $1")
            .bind(after_kill)
            .fetch_one(&mut *snapshot)
            .await
            .unwrap();
    assert!(
        beyond.is_none_or(|b| b <= after_kill + 4 * 3),
        "events up to {beyond:?} beyond watermark {after_kill}"
    );
    snapshot.commit().await.unwrap();

    let second = IndexerProcess::spawn(&db.url, &args);
    wait_for_checkpoint(second.addr, 399, Duration::from_secs(120)).await;
    drop(second);
    assert_eq!(db.fingerprint().await, reference.fingerprint().await);
}

/// Follows `next_cursor` from `path` (which already has a query string) to the end.
async fn walk(addr: std::net::SocketAddr, path: &str) -> (Vec<serde_json::Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut url = path.to_owned();
    loop {
        let page = get_json(addr, &url).await;
        pages += 1;
        assert!(page["checkpoint"].is_u64());
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{path}&cursor={cursor}"),
            None => return (items, pages),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_walk_every_row_once_and_bad_input_is_problem_json() {
    let db = TestDb::new("pages").await;
    let server = IndexerProcess::spawn(&db.url, &["--serve-only"]);
    // Nothing indexed yet: not ready.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (status, _, body) = loop {
        if tokio::net::TcpStream::connect(server.addr).await.is_ok() {
            break get(server.addr, "/ready").await;
        }
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, 503, "{body}");
    assert_eq!(get(server.addr, "/health").await.0, 200);

    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 40, 10);
    ingest_all(&db, &checkpoints, 16).await;
    let addr = server.addr;
    assert_eq!(get(addr, "/ready").await.0, 200);

    let (blobs, pages) = walk(addr, "/v1/blobs?limit=7").await;
    assert_eq!(blobs.len() as i64, db.count("blobs").await);
    assert_eq!(pages, blobs.len().div_ceil(7));
    let ids: Vec<&str> = blobs
        .iter()
        .map(|b| b["blob_object_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "strictly ascending, no repeats"
    );

    // A three-column key (checkpoint, tx, event) across pages.
    let (burns, _) = walk(addr, "/v1/burns?limit=13").await;
    assert_eq!(burns.len() as i64, db.count("burns").await);
    let keys: Vec<(u64, u64, u64)> = burns
        .iter()
        .map(|b| {
            (
                b["checkpoint"].as_u64().unwrap(),
                b["tx_index"].as_u64().unwrap(),
                b["event_index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));

    // A filter stays applied on every page.
    let holder = &get_json(addr, "/v1/licenses?limit=1").await["items"][0]["holder"];
    let holder = holder.as_str().unwrap().to_owned();
    let (held, _) = walk(addr, &format!("/v1/licenses?holder={holder}&limit=1")).await;
    let expected: i64 =
        sqlx::query_scalar("SELECT count(*) FROM licenses WHERE holder = id_bytes($1)")
            .bind(&holder)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(held.len() as i64, expected);
    assert!(held.iter().all(|l| l["holder"] == holder.as_str()));

    // Refusals: 4xx problem+json with type, title, status and detail.
    for (path, status, kind) in [
        ("/v1/blobs?limit=0", 400, "invalid-limit"),
        ("/v1/blobs?limit=1001", 400, "invalid-limit"),
        ("/v1/blobs?limit=ten", 400, "invalid-limit"),
        ("/v1/blobs?cursor=%21%21", 400, "invalid-cursor"),
        ("/v1/burns?cursor=WyIxIl0", 400, "invalid-cursor"),
        ("/v1/blobs?colour=red", 400, "unknown-parameter"),
        ("/v1/blobs/not-a-blob-id", 400, "invalid-blob-id"),
        (
            "/v1/blobs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            404,
            "not-found",
        ),
        ("/v1/nodes/0xnothex", 400, "invalid-id"),
        ("/v1/epochs/minus-one", 400, "invalid-parameter"),
        ("/v1/challenges/999999", 404, "not-found"),
        ("/v1/offers?paused=maybe", 400, "invalid-parameter"),
        ("/v2/nothing", 404, "not-found"),
        ("/v1/blobs?status=bogus", 400, "invalid-parameter"),
        ("/v1/challenges?cursor=WyJ4Il0", 400, "invalid-cursor"),
        (
            "/v1/events?event_type=NoSuchEvent",
            400,
            "invalid-parameter",
        ),
        ("/v1/burns?source=9", 400, "invalid-parameter"),
    ] {
        let (got, content_type, body) = get(addr, path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(content_type, "application/problem+json", "{path}");
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["type"], format!("/problems/{kind}"), "{path}");
        assert_eq!(problem["status"], status);
        assert!(problem["title"].is_string() && problem["detail"].is_string());
    }

    // What the OpenAPI document declares is what the server does: every list answers at the
    // bounds of `limit` and refuses just outside them, answers every value of an enum filter
    // and refuses one that is not listed.
    let doc = get_json(addr, "/openapi.json").await;
    let mut lists = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(params) = item["get"]["parameters"].as_array() else {
            continue;
        };
        let Some(limit) = params.iter().find(|p| p["name"] == "limit") else {
            continue;
        };
        lists += 1;
        let path = path.replace("{id}", "1");
        let (low, high) = (
            limit["schema"]["minimum"].as_i64().unwrap(),
            limit["schema"]["maximum"].as_i64().unwrap(),
        );
        assert_eq!((low, high), (1, 1000), "{path}");
        for (value, status) in [(low, 200), (high, 200), (low - 1, 400), (high + 1, 400)] {
            let url = format!("{path}?limit={value}");
            assert_eq!(get(addr, &url).await.0, status, "{url}");
        }
        for param in params {
            let Some(values) = param["schema"]["enum"].as_array() else {
                continue;
            };
            let name = param["name"].as_str().unwrap();
            for value in values {
                let value = value.as_str().unwrap();
                let url = format!("{path}?{name}={value}");
                assert_eq!(get(addr, &url).await.0, 200, "{url}");
            }
            let url = format!("{path}?{name}=not-a-listed-value");
            let (status, _, body) = get(addr, &url).await;
            assert_eq!(status, 400, "{url}");
            let first = values[0].as_str().unwrap();
            assert!(body.contains(first), "{url} should list the values: {body}");
        }
    }
    // Every keyset-paginated list of the document, the services list (0013) included.
    assert_eq!(lists, 31);
    // Every series answers each bucket it declares and refuses another, naming the allowed.
    let mut series = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let params = item["get"]["parameters"].as_array();
        let Some(bucket) = params.and_then(|p| p.iter().find(|p| p["name"] == "bucket")) else {
            continue;
        };
        series += 1;
        let values = bucket["schema"]["enum"].as_array().unwrap();
        for value in values {
            let url = format!("{path}?bucket={}", value.as_str().unwrap());
            assert_eq!(get(addr, &url).await.0, 200, "{url}");
        }
        let (status, _, body) = get(addr, &format!("{path}?bucket=week")).await;
        assert_eq!(status, 400, "{path}");
        assert!(body.contains(values[0].as_str().unwrap()), "{path}: {body}");
    }
    assert_eq!(series, 5);
    drop(server);
}

#[tokio::test]
async fn raw_events_already_stored_are_ignored_not_duplicated() {
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 10, 8);
    let db = TestDb::new("dupes").await;
    ingest_all(&db, &checkpoints, 10).await;
    let events = db.count("events").await;
    // Without the watermark (a manual repair, say) the batch is written again: its COPY of raw
    // events hits their keys and falls back to INSERT … ON CONFLICT DO NOTHING.
    sqlx::query("DELETE FROM watermark")
        .execute(&db.pool)
        .await
        .unwrap();
    ingest_all(&db, &checkpoints, 10).await;
    assert_eq!(db.count("events").await, events);
    let w: i64 = sqlx::query_scalar("SELECT checkpoint FROM watermark")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(w, 9);
}

/// An attacker who keeps the API's connections busy (here: a query stuck behind a lock, as a
/// pathological request would be) gets its requests cut off at the time limit, the requests
/// behind it are refused within seconds with `Retry-After` instead of queueing, and ingestion,
/// on connections of its own, goes on indexing meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_api_connections_refuse_requests_and_never_stop_ingestion() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 120, 5);
    for c in &checkpoints[..40] {
        floe_devnet::checkpoint_files::write(dir.path(), c).unwrap();
    }
    let db = TestDb::new("busy").await;
    // 3 connections: ingestion's 2 and one for the API; statements stop after 6 s.
    let indexer = IndexerProcess::spawn(
        &db.url,
        &[
            "--checkpoints-dir",
            dir.path().to_str().unwrap(),
            "--package",
            &PACKAGE.to_string(),
            "--batch",
            "5",
            "--connections",
            "3",
            "--query-timeout-secs",
            "6",
        ],
    );
    let addr = indexer.addr;
    wait_for_checkpoint(addr, 39, Duration::from_secs(60)).await;

    // The attacker's stuck query: datasets (which this mix never writes) locked, so the
    // API's read of it waits on the lock while holding the API's only connection.
    let mut lock = db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE datasets IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let started = Instant::now();
    let stuck =
        tokio::spawn(async move { support::get_header(addr, "/v1/datasets", "retry-after").await });
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Another user's request finds no free connection: refused after a few seconds.
    let (status, retry_after, body) =
        support::get_header(addr, "/v1/blobs?limit=1", "retry-after").await;
    let refused_after = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("/problems/busy"), "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"), "{body}");
    assert!(
        refused_after < Duration::from_secs(6),
        "refused after {refused_after:?}, not queued"
    );

    // Ingestion goes on meanwhile: new checkpoints are indexed while the API is stuck.
    for c in &checkpoints[40..80] {
        floe_devnet::checkpoint_files::write(dir.path(), c).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let w: Option<i64> = sqlx::query_scalar("SELECT checkpoint FROM watermark")
            .fetch_optional(&db.pool)
            .await
            .unwrap();
        if w == Some(79) {
            break;
        }
        assert!(Instant::now() < deadline, "ingestion stopped at {w:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The stuck query is stopped at the time limit, with a cause and what to do.
    let (status, _, body) = stuck.await.unwrap();
    let stopped_after = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("/problems/query-timeout"), "{body}");
    assert!(body.contains("ask for less"), "{body}");
    assert!(
        (Duration::from_secs(5)..Duration::from_secs(30)).contains(&stopped_after),
        "stopped after {stopped_after:?}"
    );

    // Once the lock is gone the same request is answered, and the connection serves again.
    lock.rollback().await.unwrap();
    assert_eq!(get(addr, "/v1/datasets").await.0, 200);
    assert_eq!(get(addr, "/v1/blobs?limit=1").await.0, 200);
}

/// A connection budget the process could not honour is refused before anything starts, with
/// the cause and the value to pass.
#[test]
fn a_bad_max_connections_is_refused_with_what_to_pass() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_floe-indexer"))
        .args([
            "--database-url",
            "postgres://postgres@127.0.0.1:5432/postgres",
            "--serve-only",
            "--listen",
            "127.0.0.1:0",
            "--max-connections",
            "0",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--max-connections 0 would never accept a connection"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pass --max-connections 1 or more"),
        "{stderr}"
    );
}

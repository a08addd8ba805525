//! The fast write path: rows a batch creates are COPYed (binary format), the rest merged in one
//! chained statement. Checked against the plain path (every row merged), on conflicts that
//! force the fallback, and for the binary encoding of every column type.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use floe_indexer::copy::CopyData;
use floe_indexer::{Ingestor, Metrics, bench};
use sui_rpc::proto::sui::rpc::v2::Checkpoint;
use sui_sdk_types::Address;
use support::TestDb;

const PACKAGE: Address = Address::new([0xf1; 32]);

async fn ingest(ingestor: &Ingestor, checkpoints: &[Checkpoint], batch: usize) {
    for chunk in checkpoints.chunks(batch) {
        ingestor.write_batch(chunk).await.unwrap();
    }
}

fn ingestor(db: &TestDb) -> Ingestor {
    Ingestor::new(db.pool.clone(), PACKAGE, Arc::new(Metrics::new()))
}

#[tokio::test]
async fn copying_created_rows_matches_merging_every_row() {
    // Batches of 7 cut through registrations and certifications, purchases and challenges, so
    // both paths (and keys created in one batch, updated in the next) are exercised.
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 40, 9);
    let merged = TestDb::new("merged").await;
    ingest(&ingestor(&merged).merging_every_row(), &checkpoints, 7).await;
    let copied = TestDb::new("copied").await;
    let metrics = Arc::new(Metrics::new());
    let fast = Ingestor::new(copied.pool.clone(), PACKAGE, metrics.clone());
    ingest(&fast, &checkpoints, 7).await;
    assert_eq!(
        metrics.copy_fallbacks(),
        0,
        "created rows are new on a clean run"
    );
    assert_eq!(copied.fingerprint().await, merged.fingerprint().await);
    assert!(copied.count("blobs").await > 0 && copied.count("licenses").await > 0);
}

#[tokio::test]
async fn created_rows_already_stored_fall_back_to_the_merge() {
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 12, 8);
    let (before, batch) = checkpoints.split_at(6);

    // The reference: the same state reached with every row merged.
    let reference = TestDb::new("fallref").await;
    let plain = ingestor(&reference).merging_every_row();
    ingest(&plain, before, 6).await;

    let db = TestDb::new("fallback").await;
    let metrics = Arc::new(Metrics::new());
    let fast = Ingestor::new(db.pool.clone(), PACKAGE, metrics.clone());
    ingest(&fast, before, 6).await;
    assert_eq!(metrics.copy_fallbacks(), 0);

    // Rows the next batch "creates" are already there (a manual repair, an older indexer…):
    // the first blob and license it registers, stored beforehand with other values.
    let blob_id = floe_sdk::move_types::address_of(&bench::object(6 * 8 / 4, 2)).to_string();
    let license_id = floe_sdk::move_types::address_of(&bench::object(6 * 8 + 2, 3)).to_string();
    for pool in [&db.pool, &reference.pool] {
        sqlx::query(
            "INSERT INTO blobs (blob_object_id, owner, status, write_fee, extension_fees) \
             VALUES (id_bytes($1), id_bytes('0x5702ed'), 'stored', 7, 5)",
        )
        .bind(&blob_id)
        .execute(pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO licenses (license_id, holder, windows) \
             VALUES (id_bytes($1), id_bytes('0x5702ed'), 2)",
        )
        .bind(&license_id)
        .execute(pool)
        .await
        .unwrap();
    }
    let stats = fast.write_batch(batch).await.unwrap();
    assert_eq!(stats.checkpoints, 6);
    assert_eq!(metrics.copy_fallbacks(), 1, "the COPY hit the stored rows");
    plain.write_batch(batch).await.unwrap();

    // Merged, not duplicated and not an error: kept columns keep the stored value, set
    // columns take the event's, added columns add up.
    let (owner, status, write_fee, extension_fees): (String, String, String, String) =
        sqlx::query_as(
            "SELECT id_text(owner), status, write_fee::text, extension_fees::text FROM blobs \
             WHERE blob_object_id = id_bytes($1)",
        )
        .bind(&blob_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(owner, format!("0x{:0>64}", "5702ed"));
    assert_eq!(status, "certified");
    assert_eq!((write_fee.as_str(), extension_fees.as_str()), ("7", "5"));
    let windows: String =
        sqlx::query_scalar("SELECT windows::text FROM licenses WHERE license_id = id_bytes($1)")
            .bind(&license_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(windows, "5", "2 stored + 3 bought");
    // Everything else is exactly what the plain path wrote, raw events included.
    assert_eq!(db.fingerprint().await, reference.fingerprint().await);
    assert_eq!(db.count("events").await, 12 * 8 / 4 * 9);
}

/// Rows in the tables whose rows a batch creates by COPY.
async fn created_row_counts(db: &TestDb) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "events",
        "blobs",
        "storage",
        "licenses",
        "burns",
        "challenges",
    ] {
        counts.push(db.count(table).await);
    }
    counts
}

#[tokio::test]
async fn a_replay_without_watermark_duplicates_no_created_row() {
    let checkpoints = bench::synthetic_checkpoints(PACKAGE, 0, 10, 8);
    let db = TestDb::new("replaycopy").await;
    let fast = ingestor(&db);
    ingest(&fast, &checkpoints, 5).await;
    let counts = created_row_counts(&db).await;
    // Every COPY of the second pass hits stored keys and falls back to the merge.
    sqlx::query("DELETE FROM watermark")
        .execute(&db.pool)
        .await
        .unwrap();
    ingest(&fast, &checkpoints, 5).await;
    let again = created_row_counts(&db).await;
    assert_eq!(again, counts);
    assert_eq!(fast.watermark().await.unwrap(), Some(9));
}

/// A row of the binary test table: k, n as text, s, b, j as text, x, z.
type Stored = (i64, String, String, bool, String, Vec<u8>, Option<i64>);

#[tokio::test]
async fn binary_copy_stores_what_text_would() {
    let db = TestDb::new("binary").await;
    sqlx::query(
        "CREATE TABLE t (k bigint, n numeric, s text, b boolean, j jsonb, x bytea, z bigint)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let numbers: [u128; 11] = [
        0,
        1,
        9_999,
        10_000,
        12_345_678,
        50_000_000,
        10_000_000_000_000_000_000,
        u64::MAX as u128,
        5_000_000_000_000_000_000_000,
        10u128.pow(38),
        u128::MAX,
    ];
    let mut data = CopyData::new();
    for (i, n) in numbers.iter().enumerate() {
        data.row(7);
        data.int8(i as i64 - 3);
        data.numeric(*n);
        data.text("0xé\t\\N");
        data.bool(i % 2 == 0);
        data.jsonb(r#"{"accuracy": 97, "f1": 88}"#);
        data.bytea(&[0, 1, 0xff]);
        data.null();
    }
    let mut conn = db.pool.acquire().await.unwrap();
    let rows = floe_indexer::ingest::copy_in(
        &mut conn,
        "COPY t (k, n, s, b, j, x, z) FROM STDIN (FORMAT binary)",
        &data.finish(),
    )
    .await
    .unwrap();
    assert_eq!(rows, numbers.len() as u64);
    let stored: Vec<Stored> =
        sqlx::query_as("SELECT k, n::text, s, b, j::text, x, z FROM t ORDER BY k")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    for (i, row) in stored.iter().enumerate() {
        assert_eq!(row.0, i as i64 - 3);
        assert_eq!(row.1, numbers[i].to_string());
        assert_eq!(row.2, "0xé\t\\N");
        assert_eq!(row.3, i % 2 == 0);
        assert_eq!(row.4, r#"{"f1": 88, "accuracy": 97}"#);
        assert_eq!(row.5, [0, 1, 0xff]);
        assert_eq!(row.6, None);
    }
    // Numerics compare equal to the same values parsed from text (same stored form).
    let unequal: i64 =
        sqlx::query_scalar("SELECT count(*) FROM t WHERE n <> (n::text)::numeric OR scale(n) <> 0")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(unequal, 0);
}

#[tokio::test]
async fn a_blob_id_registered_again_is_merged_and_a_new_one_copied() {
    use floe_indexer::bench::{address, checkpoint, event, object};
    use floe_sdk::move_types::events as ev;
    let blob_id = |n: u8| floe_sdk::move_types::u256_from_le([n; 32]);
    let register = |object_n: u64, blob: u8| {
        event(
            PACKAGE,
            "BlobRegistered",
            &ev::BlobRegistered::new(
                object(object_n, 2),
                blob_id(blob),
                blob_id(blob + 1),
                1 << 20,
                1,
                false,
                1,
                6,
                object(object_n, 1),
                10 << 20,
                2_000_000,
                address(object_n),
            ),
        )
    };
    let certify = |object_n: u64, blob: u8, live: u64| {
        event(
            PACKAGE,
            "BlobCertified",
            &ev::BlobCertified::new(object(object_n, 2), blob_id(blob), 1, 6, false, live),
        )
    };
    let checkpoints = [
        checkpoint(0, vec![vec![register(1, 10), certify(1, 10, 1)]]),
        // Blob ID 10 again (stored: merged), 20 for the first time (new: COPYed).
        checkpoint(
            1,
            vec![
                vec![register(2, 10), certify(2, 10, 2)],
                vec![register(3, 20)],
            ],
        ),
    ];
    let merged = TestDb::new("probemerged").await;
    ingest(&ingestor(&merged).merging_every_row(), &checkpoints, 1).await;
    let db = TestDb::new("probe").await;
    let metrics = Arc::new(Metrics::new());
    let fast = Ingestor::new(db.pool.clone(), PACKAGE, metrics.clone());
    ingest(&fast, &checkpoints, 1).await;
    // The lookup sent blob ID 10 to the merge: no COPY conflict, no fallback.
    assert_eq!(metrics.copy_fallbacks(), 0);
    assert_eq!(db.fingerprint().await, merged.fingerprint().await);
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT COALESCE(live_references::text, ''), first_checkpoint, updated_checkpoint \
         FROM blob_ids ORDER BY first_checkpoint",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows, [("2".to_owned(), 0, 1), (String::new(), 1, 1)]);
    assert_eq!(db.count("blobs").await, 3);
}

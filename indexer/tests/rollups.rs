//! The rollups the time series read (`burn_rollups`, `revenue_rollups`, `challenge_epochs`,
//! `license_payments`) against the base tables: a scripted history of burns, license
//! purchases and extensions, challenges and capacity over three days and a dozen unaligned
//! epochs (checkpoints sharing timestamps, an epoch starting in the checkpoint of a burn) is
//! ingested in uneven batches, then every `/v1/stats/*` series it backs is compared, bucket by
//! bucket, with the same series computed by a plain query over the base rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use floe_indexer::api::{self, AppState};
use floe_indexer::bench::{address, at_time, checkpoint, event, object};
use floe_indexer::{Ingestor, Metrics};
use floe_sdk::move_types::{U256, events as ev};
use serde_json::Value;
use sqlx::Row as _;
use sui_rpc::proto::sui::rpc::v2::Checkpoint;
use sui_sdk_types::Address;
use support::{TestDb, get_json};

const PACKAGE: Address = Address::new([0xf2; 32]);
const T0: u64 = 1_700_000_123_456;
const SUPPLY: u64 = 5_000_000_000_000_000_000;

/// A small deterministic generator (xorshift), so the history is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

fn id_text(id: &floe_sdk::move_types::ID) -> String {
    floe_sdk::move_types::address_of(id).to_string()
}

/// The scripted history: checkpoints with their timestamps, and the watermark's time.
fn history() -> (Vec<Checkpoint>, u64) {
    let p = PACKAGE;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    let genesis = vec![vec![
        event(
            p,
            "WalTreasuryCreated",
            &ev::WalTreasuryCreated::new(object(1, 1), SUPPLY, address(1)),
        ),
        event(
            p,
            "SystemCreated",
            &ev::SystemCreated::new(object(2, 1), 10, 3_600_000, T0, 100, 200, 1 << 40),
        ),
    ]];
    out.push(at_time(checkpoint(0, genesis), T0));
    let (mut ms, mut epoch, mut burned) = (T0, 0u64, 0u64);
    let (mut licenses, mut challenge) = (Vec::<(u64, u64)>::new(), 0u64);
    let mut open_challenges: Vec<(u64, u64)> = Vec::new();
    for seq in 1..=400u64 {
        // Most checkpoints minutes apart, some within the same millisecond as the previous.
        if rng.next(5) != 0 {
            ms += rng.next(25 * 60_000) + 1;
        }
        let mut txs = Vec::new();
        for _ in 0..rng.next(4) {
            let source = rng.next(4) as u8;
            let amount = 1 + rng.next(1_000_000_000);
            burned += amount;
            txs.push(vec![event(
                p,
                "WalBurned",
                &ev::WalBurned::new(amount, source, burned, SUPPLY - burned),
            )]);
        }
        // An epoch starts every ~6 hours, in the same checkpoint as burns before and after it.
        if rng.next(18) == 0 {
            epoch += 1;
            let at = rng.next(txs.len() as u64 + 1) as usize;
            txs.insert(
                at,
                vec![event(
                    p,
                    "EpochAdvanced",
                    &ev::EpochAdvanced::new(
                        epoch,
                        ms,
                        vec![object(50, 2)],
                        vec![10],
                        1_000,
                        100,
                        200,
                        1 << 40,
                        0,
                    ),
                )],
            );
        }
        if rng.next(3) == 0 {
            let model = 1 + rng.next(3);
            let price = 1 + rng.next(5_000_000);
            let (license, purchase) = if licenses.is_empty() || rng.next(2) == 0 {
                let license = 1000 + seq;
                licenses.push((license, model));
                (license, true)
            } else {
                let (license, _) = licenses[rng.next(licenses.len() as u64) as usize];
                (license, false)
            };
            let model_of = licenses
                .iter()
                .find(|(l, _)| *l == license)
                .map(|(_, m)| *m)
                .unwrap();
            let (lid, oid, mid) = (object(license, 3), object(model_of, 4), object(model_of, 5));
            let e = if purchase {
                event(
                    p,
                    "LicensePurchased",
                    &ev::LicensePurchased::new(
                        lid,
                        oid,
                        mid,
                        address(7),
                        1,
                        price,
                        price / 10,
                        price - price / 10,
                        ms + 86_400_000,
                        false,
                        0,
                        ms,
                    ),
                )
            } else {
                event(
                    p,
                    "LicenseExtended",
                    &ev::LicenseExtended::new(
                        lid,
                        oid,
                        mid,
                        address(8),
                        1,
                        price,
                        price / 10,
                        price - price / 10,
                        ms + 86_400_000,
                        0,
                        ms,
                    ),
                )
            };
            txs.push(vec![e]);
        }
        if rng.next(2) == 0 {
            challenge += 1;
            let deadline = ms + rng.next(4 * 3_600_000);
            open_challenges.push((challenge, epoch));
            txs.push(vec![event(
                p,
                "ChallengeIssued",
                &ev::ChallengeIssued::new(
                    challenge,
                    epoch,
                    object(50, 2),
                    U256::from(challenge),
                    U256::from(challenge),
                    0,
                    0,
                    0,
                    64,
                    deadline,
                ),
            )]);
        }
        if !open_challenges.is_empty() && rng.next(3) == 0 {
            let (id, of_epoch) =
                open_challenges.remove(rng.next(open_challenges.len() as u64) as usize);
            let e = if rng.next(3) == 0 {
                event(
                    p,
                    "ChallengeSlashed",
                    &ev::ChallengeSlashed::new(
                        id,
                        of_epoch,
                        object(50, 2),
                        U256::from(id),
                        10,
                        5,
                        1,
                        address(9),
                    ),
                )
            } else {
                event(
                    p,
                    "ChallengeAnswered",
                    &ev::ChallengeAnswered::new(id, of_epoch, object(50, 2), U256::from(id), ms),
                )
            };
            txs.push(vec![e]);
        }
        if rng.next(4) == 0 {
            let start = epoch + rng.next(2);
            let end = start + 1 + rng.next(5);
            let bytes = 1 + rng.next(1 << 20);
            let name = if rng.next(4) == 0 {
                "CapacityReleased"
            } else {
                "CapacityReserved"
            };
            txs.push(vec![event(
                p,
                name,
                &ev::CapacityReserved::new(epoch, start, end, bytes),
            )]);
        }
        out.push(at_time(checkpoint(seq, txs), ms));
    }
    (out, ms)
}

/// Sums of the base rows per bucket, as the series name them.
async fn plain_supply(db: &TestDb, start: i64, end: i64) -> (BTreeMap<String, u128>, i64) {
    let rows = sqlx::query(
        "SELECT source_name, SUM(amount)::text, count(*) FROM burns \
         WHERE timestamp_ms >= $1 AND timestamp_ms < $2 GROUP BY source_name",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let mut by_source = BTreeMap::new();
    let mut n = 0;
    for row in rows {
        let sum: String = row.get(1);
        by_source.insert(row.get::<String, _>(0), sum.parse().unwrap());
        n += row.get::<i64, _>(2);
    }
    (by_source, n)
}

fn u128_of(v: &Value) -> u128 {
    match v {
        Value::Number(n) => n.to_string().parse().unwrap(),
        Value::String(s) => s.parse().unwrap(),
        other => panic!("not an amount: {other}"),
    }
}

/// Every bucket's span as the plain definition has it: hours and days from `from`, epochs
/// from one start to the next.
async fn check_spans(db: &TestDb, series: &Value) {
    let points = series["points"].as_array().unwrap();
    assert!(!points.is_empty());
    for point in points {
        if let Some(epoch) = point["epoch"].as_i64() {
            let (start, next): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT (SELECT start_ms FROM epochs WHERE epoch = $1), \
                        (SELECT start_ms FROM epochs WHERE epoch = $1 + 1)",
            )
            .bind(epoch)
            .fetch_one(&db.pool)
            .await
            .unwrap();
            let start = if epoch == 0 { 0 } else { start.unwrap() };
            assert_eq!(point["start_ms"].as_i64(), Some(start), "epoch {epoch}");
            assert_eq!(point["end_ms"].as_i64(), next, "epoch {epoch}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rollup_backed_series_equals_the_plain_query() {
    let (checkpoints, last_ms) = history();
    let db = TestDb::new("rollups").await;
    let metrics = Arc::new(Metrics::new());
    let ingestor = Ingestor::new(db.pool.clone(), PACKAGE, metrics.clone());
    // Uneven batches, so rollup rows are merged across batches as well as within one.
    let mut at = 0;
    for size in [1usize, 7, 30, 2, 61, 13].iter().cycle() {
        if at >= checkpoints.len() {
            break;
        }
        let end = (at + size).min(checkpoints.len());
        ingestor.write_batch(&checkpoints[at..end]).await.unwrap();
        at = end;
    }
    let epochs: i64 = sqlx::query_scalar("SELECT max(epoch) FROM epochs")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(epochs >= 8, "the history has {epochs} epochs");
    assert!(db.count("license_payments").await > 50);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState {
        pool: db.pool.clone(),
        metrics,
        ready_max_lag: 10,
    };
    let server = tokio::spawn(async move { axum::serve(listener, api::router(state)).await });

    let (from_ms, to_ms) = (T0 - 3_600_000, last_ms + 3_600_000);
    let ranges = [
        format!("bucket=epoch&from=0&to={}", epochs + 1),
        "bucket=epoch".to_owned(),
        format!("bucket=hour&from={from_ms}&to={to_ms}"),
        format!("bucket=day&from={from_ms}&to={to_ms}"),
    ];
    let mut buckets_checked = 0;
    for range in &ranges {
        // Supply: burned by source, count, and the totals at each bucket's end.
        let series = get_json(addr, &format!("/v1/stats/supply?{range}")).await;
        check_spans(&db, &series).await;
        let mut all = 0u128;
        for point in series["points"].as_array().unwrap() {
            let start = point["start_ms"].as_i64().unwrap();
            let end = point["end_ms"].as_i64().unwrap_or(i64::MAX);
            let (plain, n) = plain_supply(&db, start, end).await;
            let served: BTreeMap<String, u128> = point["burned_by_source"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), u128_of(v)))
                .filter(|(_, v)| *v > 0)
                .collect();
            assert_eq!(served, plain, "{range}: burns by source in {point}");
            assert_eq!(point["burns"].as_i64(), Some(n), "{range}: {point}");
            assert_eq!(u128_of(&point["burned"]), plain.values().sum::<u128>());
            all += u128_of(&point["burned"]);
            let last: Option<String> = sqlx::query_scalar(
                "SELECT total_burned::text FROM burns WHERE timestamp_ms < $1 \
                 ORDER BY timestamp_ms DESC, checkpoint DESC, tx_index DESC, event_index DESC \
                 LIMIT 1",
            )
            .bind(end)
            .fetch_one(&db.pool)
            .await
            .unwrap_or(None);
            assert_eq!(
                u128_of(&point["total_burned"]),
                last.map_or(0, |t| t.parse().unwrap()),
                "{range}: {point}"
            );
            buckets_checked += 1;
        }
        if range.contains("from=") {
            let total: String = sqlx::query_scalar("SELECT SUM(amount)::text FROM burns")
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!(
                all,
                total.parse::<u128>().unwrap(),
                "{range}: every burn once"
            );
        }

        // Revenue: payments by model, purchases counted as licenses; also for one model.
        for filter in ["", "&model_id="] {
            let model = id_text(&object(2, 5));
            let only = if filter.is_empty() {
                None
            } else {
                Some(&model)
            };
            let path = format!(
                "/v1/stats/revenue?{range}{filter}{}",
                only.map_or("", String::as_str)
            );
            let series = get_json(addr, &path).await;
            check_spans(&db, &series).await;
            for point in series["points"].as_array().unwrap() {
                let start = point["start_ms"].as_i64().unwrap();
                let end = point["end_ms"].as_i64().unwrap_or(i64::MAX);
                let rows = sqlx::query(
                    "SELECT model_id, SUM(price)::text, SUM(fee_burned)::text, \
                            count(*) FILTER (WHERE purchase), count(*) \
                     FROM license_payments WHERE timestamp_ms >= $1 AND timestamp_ms < $2 \
                       AND ($3::text IS NULL OR model_id = $3) \
                     GROUP BY model_id ORDER BY model_id",
                )
                .bind(start)
                .bind(end)
                .bind(only)
                .fetch_all(&db.pool)
                .await
                .unwrap();
                let plain: Vec<(String, String, String, i64, i64)> = rows
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
                    .collect();
                let served: Vec<(String, String, String, i64, i64)> = point["models"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| {
                        (
                            m["model_id"].as_str().unwrap().to_owned(),
                            u128_of(&m["revenue"]).to_string(),
                            u128_of(&m["fees_burned"]).to_string(),
                            m["licenses"].as_i64().unwrap(),
                            m["payments"].as_i64().unwrap(),
                        )
                    })
                    .collect();
                assert_eq!(served, plain, "{path}: {point}");
                buckets_checked += 1;
            }
        }
    }

    // Payments are the licenses' own: each license's paid total, purchase time and model.
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM licenses l FULL JOIN \
            (SELECT license_id, SUM(price) AS paid, SUM(fee_burned) AS fees, \
                    min(timestamp_ms) FILTER (WHERE purchase) AS bought, min(model_id) AS model \
             FROM license_payments GROUP BY license_id) p USING (license_id) \
         WHERE l.price_paid IS DISTINCT FROM p.paid OR l.fee_burned IS DISTINCT FROM p.fees \
            OR l.purchased_at_ms IS DISTINCT FROM p.bought OR id_text(l.model_id) IS DISTINCT FROM p.model",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0, "license_payments vs licenses");

    // Challenges per epoch: the plain count by status and deadline, at the watermark's time.
    let series = get_json(
        addr,
        &format!("/v1/stats/challenges?from=0&to={}", epochs + 1),
    )
    .await;
    let now: i64 = sqlx::query_scalar("SELECT timestamp_ms FROM watermark")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let plain = sqlx::query(
        "SELECT e.epoch, count(c.challenge_id), count(*) FILTER (WHERE c.status = 'answered'), \
            count(*) FILTER (WHERE c.status = 'slashed' OR (c.status = 'issued' \
                AND c.deadline_ms < $2)), \
            count(*) FILTER (WHERE c.status = 'slashed'), \
            count(*) FILTER (WHERE c.status = 'issued' AND NOT c.deadline_ms < $2) \
         FROM generate_series(0, $1) e(epoch) LEFT JOIN challenges c ON c.epoch = e.epoch \
         GROUP BY e.epoch ORDER BY e.epoch",
    )
    .bind(epochs)
    .bind(now)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let served = series["points"].as_array().unwrap();
    assert_eq!(served.len(), plain.len());
    let mut pending_seen = false;
    for (point, row) in served.iter().zip(&plain) {
        let want = [
            row.get::<i64, _>(0),
            row.get(1),
            row.get(2),
            row.get(3),
            row.get(4),
            row.get(5),
        ];
        let got = [
            "epoch", "issued", "answered", "missed", "slashed", "pending",
        ]
        .map(|f| point[f].as_i64().unwrap());
        assert_eq!(got, want, "challenges {point}");
        pending_seen |= want[5] > 0 && want[3] > want[4];
    }
    assert!(
        pending_seen,
        "some epoch has both pending and missed challenges"
    );
    let _ = last_ms;

    // Storage per epoch: the `capacity` view's definition (a running sum over all epochs).
    let series = get_json(addr, &format!("/v1/stats/storage?from=2&to={}", epochs + 4)).await;
    let plain = sqlx::query(
        "SELECT epoch, started, used_capacity::text, total_capacity::text FROM capacity \
         WHERE epoch >= 2 AND epoch < $1 ORDER BY epoch",
    )
    .bind(epochs + 4)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let served = series["points"].as_array().unwrap();
    assert_eq!(served.len(), plain.len());
    for (point, row) in served.iter().zip(&plain) {
        assert_eq!(point["epoch"].as_i64(), Some(row.get::<i64, _>(0)));
        assert_eq!(point["started"].as_bool(), Some(row.get::<bool, _>(1)));
        assert_eq!(
            u128_of(&point["used_capacity"]).to_string(),
            row.get::<String, _>(2)
        );
        assert_eq!(
            point["total_capacity"].as_u64().map(|t| t.to_string()),
            row.get::<Option<String>, _>(3)
        );
    }
    assert!(buckets_checked > 150, "{buckets_checked} buckets checked");

    // The migration's backfill (for a database indexed before the rollups existed) rebuilds
    // exactly what the ingest wrote, license payments decoded from the raw events included.
    let tables = [
        "license_payments",
        "burn_rollups",
        "revenue_rollups",
        "challenge_epochs",
    ];
    let before = db.fingerprint().await;
    for table in tables {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let backfill = floe_indexer::bench_api::rollups_backfill();
    assert!(backfill.contains("INSERT INTO license_payments"));
    sqlx::raw_sql(&backfill).execute(&db.pool).await.unwrap();
    assert_eq!(db.fingerprint().await, before, "backfill vs ingest");
    server.abort();
}

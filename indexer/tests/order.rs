//! `order=desc` on every keyset-paginated list, against PostgreSQL: each list that the OpenAPI
//! document declares with an `order` parameter is read whole in ascending order (pages of
//! 1000, the reference) and then page by page newest first with a page size that makes the
//! walk cross several cursors; the descending walk must hold every row exactly once, in
//! exactly the reverse order. Cursors name their order: a descending page's `next_cursor`
//! followed without `order=desc` (and an ascending one followed with it) is refused with 400
//! problem+json `invalid-cursor`, before any row is read.
//!
//! The API runs in-process over `bench_api::fill`'s small history (300 blobs, 40 epochs) with
//! the big lists trimmed (licenses, stakes) and rows added where the generator writes too few
//! for a walk (storage, events, parameters, attributes, versions, shard sync, compute
//! providers and jobs, shared blobs and their funders, services, datasets with their
//! contributions and revenue shares).
//! A list route this test cannot seed (no rows, or an `{id}` it has no query for) is named on
//! stdout as NOT COVERED; the routes listed in [`MUST_COVER`] must all be covered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use floe_indexer::api::{self, AppState};
use floe_indexer::{Metrics, bench_api};
use serde_json::Value;
use support::{TestDb, get, get_json};

/// Rows the generator leaves out or writes too few of; trims the lists too long to walk.
const SEED: &[&str] = &[
    "DELETE FROM licenses WHERE license_id NOT IN \
     (SELECT license_id FROM licenses ORDER BY license_id LIMIT 300)",
    "DELETE FROM stakes WHERE staked_wal_id NOT IN \
     (SELECT staked_wal_id FROM stakes ORDER BY staked_wal_id LIMIT 200)",
    // An address with several blobs, stakes and licenses (the generator spreads them thin).
    "UPDATE blobs SET owner = id_bytes('0x' || lpad('e7', 64, '0')) WHERE blob_object_id IN \
     (SELECT blob_object_id FROM blobs ORDER BY blob_object_id LIMIT 20)",
    "UPDATE stakes SET staker = '0x' || lpad('e7', 64, '0') WHERE staked_wal_id IN \
     (SELECT staked_wal_id FROM stakes ORDER BY staked_wal_id DESC LIMIT 15)",
    "UPDATE licenses SET holder = id_bytes('0x' || lpad('e7', 64, '0')) WHERE license_id IN \
     (SELECT license_id FROM licenses ORDER BY license_id LIMIT 12)",
    "INSERT INTO storage SELECT id_bytes('0x' || lpad('9' || to_hex(i), 64, '0')), \
     id_bytes('0x' || lpad('e' || to_hex(i % 3), 64, '0')), NULL, 1, 1, 6, 1048576, 5242880, 5000, \
     'available', NULL, NULL, NULL, NULL, i, i FROM generate_series(1, 30) i",
    "INSERT INTO events SELECT 'digest' || i, i % 3, i / 4, i % 4, 1700000000000 + i * 1000, \
     '0x' || lpad('e', 64, '0'), 'events', \
     (ARRAY['BlobRegistered', 'BlobCertified', 'WalBurned'])[i % 3 + 1], \
     decode(lpad(to_hex(i), 16, '0'), 'hex') FROM generate_series(1, 45) i",
    "INSERT INTO parameters SELECT 'param_' || i, i, 0, 0 FROM generate_series(1, 12) i",
    "INSERT INTO blob_attributes SELECT b.blob_object_id, 'key' || k, b.blob_id, 'v' || k, false, \
     b.registered_checkpoint + k / 3, k % 3, k, 1700000000000 + k, 'digest' || k, \
     b.registered_checkpoint + k \
     FROM (SELECT * FROM blobs ORDER BY blob_object_id LIMIT 1) b, generate_series(1, 8) k",
    "INSERT INTO model_versions (model_id, version, blob_id, architecture, dataset_hash, \
     metrics, publisher, published_at_ms, checkpoint, tx_digest, blob_object_id) \
     SELECT model_id, v, blob_id, architecture, dataset_hash, metrics, publisher, \
     published_at_ms + v, checkpoint + v, tx_digest, blob_object_id \
     FROM (SELECT * FROM model_versions ORDER BY model_id LIMIT 1) m, generate_series(2, 9) v",
    "INSERT INTO node_sync SELECT s.node_id, e, s.status, s.shards_gained, s.shard_count, \
     e * 10, s.gained_at_ms + e, s.synced_shards, e * 10 + 1, s.synced_at_ms + e, \
     s.synced_tx_digest \
     FROM (SELECT * FROM node_sync ORDER BY node_id LIMIT 1) s, generate_series(2, 11) e",
    "INSERT INTO compute_providers SELECT '0x' || lpad('c' || to_hex(i), 64, '0'), \
     '0x' || lpad('d' || to_hex(i), 64, '0'), '0x' || lpad('e' || to_hex(i % 2), 64, '0'), \
     repeat(to_hex(i), 32), 'http://127.0.0.1:94' || i, 18000000000, i, 0, 0, i, i + 1 \
     FROM generate_series(1, 7) i",
    "INSERT INTO compute_jobs SELECT '0x' || lpad('a' || to_hex(i), 64, '0'), id_text(b.owner), \
     m.model_id, 1, b.blob_id, b.blob_id, jsonb_build_array('0x' || lpad('c1', 64, '0')), 1, \
     1700000600000 + i, 5000000000, 'open', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
     i, i \
     FROM generate_series(1, 12) i, \
     LATERAL (SELECT owner, blob_id FROM blobs ORDER BY blob_object_id OFFSET i % 3 LIMIT 1) b, \
     LATERAL (SELECT model_id FROM models ORDER BY model_id OFFSET i % 2 LIMIT 1) m",
    "INSERT INTO shared_blobs SELECT '0x' || lpad('5b' || to_hex(i), 64, '0'), \
     id_text(b.blob_object_id), b.blob_id, id_text(b.owner), 5 + i, 3000000000, 4000000000, 1, \
     0, 0, i, i + 1 \
     FROM generate_series(1, 6) i, \
     LATERAL (SELECT * FROM blobs ORDER BY blob_object_id OFFSET i - 1 LIMIT 1) b",
    "INSERT INTO shared_blob_funders SELECT s.shared_blob_id, \
     '0x' || lpad('f' || to_hex(k), 64, '0'), 1000000000, 1, s.created_checkpoint, \
     s.updated_checkpoint FROM shared_blobs s, generate_series(1, 5) k",
    "INSERT INTO services SELECT '0x' || lpad('5e' || to_hex(i), 64, '0'), \
     '0x' || lpad('5c' || to_hex(i), 64, '0'), m.model_id, 1, id_text(b.owner), \
     '0x' || lpad('e' || to_hex(i), 64, '0'), 1000000000 * i, false, 3 * i, 2 * i, \
     3000000000 * i * i, 150000000 * i * i, 1000000 * i, i, i + 1 \
     FROM generate_series(1::bigint, 7) i, \
     LATERAL (SELECT owner FROM blobs ORDER BY blob_object_id OFFSET i % 3 LIMIT 1) b, \
     LATERAL (SELECT model_id FROM models ORDER BY model_id OFFSET i % 2 LIMIT 1) m",
    // Datasets (two curators, some sealed), contributions of stored blobs to the first three,
    // and the revenue shares of the models trained on the first.
    "INSERT INTO datasets (dataset_id, cap_id, curator, name, description, contributions, \
     total_weight, distributed, claimed, created_checkpoint, updated_checkpoint, sealed) \
     SELECT '0x' || lpad('da' || to_hex(i), 64, '0'), '0x' || lpad('dc' || to_hex(i), 64, '0'), \
     '0x' || lpad('e' || to_hex(i % 2), 64, '0'), 'dataset ' || i, 'rows for the order test', \
     4, 40, 0, 0, i, i + 1, i % 2 = 0 FROM generate_series(1, 7) i",
    "INSERT INTO contributions (contribution_id, dataset_id, blob_id, blob_object_id, \
     contributor, weight, claimed, claims, created_checkpoint, updated_checkpoint) \
     SELECT '0x' || lpad('c0' || to_hex(i), 64, '0'), \
     '0x' || lpad('da' || to_hex(i % 3 + 1), 64, '0'), b.blob_id, id_text(b.blob_object_id), \
     id_text(b.owner), \
     10, 0, 0, i, i + 1 \
     FROM generate_series(1, 12) i, \
     LATERAL (SELECT * FROM blobs ORDER BY blob_object_id OFFSET i LIMIT 1) b",
    "INSERT INTO dataset_shares (dataset_id, model_id, version, bps, accrued, pending, \
     distributed, created_checkpoint, updated_checkpoint) \
     SELECT '0x' || lpad('da1', 64, '0'), '0x' || lpad('3d' || to_hex(i), 64, '0'), 1, \
     500 * i, 1000000 * i, 1000000 * i, 0, i, i + 1 FROM generate_series(1, 6) i",
];

/// The `{id}` of each list route that has one: the value with the most rows.
const PATH_IDS: &[(&str, &str)] = &[
    (
        "/v1/nodes/{id}/sync",
        "SELECT node_id FROM node_sync GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    ),
    (
        "/v1/blob-objects/{id}/attributes",
        "SELECT id_text(blob_object_id) FROM blob_attributes GROUP BY 1 \
         ORDER BY count(*) DESC, 1 LIMIT 1",
    ),
    (
        "/v1/epochs/{id}/committee",
        "SELECT epoch::text FROM committee GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    ),
    (
        "/v1/models/{id}/versions",
        "SELECT model_id FROM model_versions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    ),
    (
        "/v1/shared-blobs/{id}/funders",
        "SELECT shared_blob_id FROM shared_blob_funders GROUP BY 1 ORDER BY count(*) DESC, 1 \
         LIMIT 1",
    ),
    (
        "/v1/datasets/{id}/shares",
        "SELECT dataset_id FROM dataset_shares GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    ),
    (
        "/v1/addresses/{id}/blobs",
        "SELECT id_text(owner) FROM blobs GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    ),
    (
        "/v1/addresses/{id}/stakes",
        "SELECT staker FROM stakes GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    ),
    (
        "/v1/addresses/{id}/licenses",
        "SELECT id_text(holder) FROM licenses GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    ),
];

/// Filtered lists walked too (a filter's equality plus the cursor's row comparison, both
/// orders): `{node}`, `{epoch}`, `{model}`, `{curator}` and `{dataset}` are replaced by IDs
/// with rows.
const FILTERED: &[&str] = &[
    "/v1/challenges?node_id={node}",
    "/v1/challenges?epoch={epoch}",
    "/v1/challenges?status=slashed",
    "/v1/slashes?node_id={node}",
    "/v1/burns?source=0",
    "/v1/blobs?status=certified",
    "/v1/licenses?model_id={model}",
    "/v1/stakes?node_id={node}",
    "/v1/events?event_type=WalBurned",
    "/v1/datasets?curator={curator}",
    "/v1/contributions?dataset_id={dataset}",
];

/// List routes this test must walk with at least [`MIN_ROWS`] rows.
const MUST_COVER: &[&str] = &[
    "/v1/blobs",
    "/v1/storage",
    "/v1/nodes",
    "/v1/nodes/{id}/sync",
    "/v1/stakes",
    "/v1/epochs",
    "/v1/blob-objects/{id}/attributes",
    "/v1/epochs/{id}/committee",
    "/v1/capacity",
    "/v1/parameters",
    "/v1/burns",
    "/v1/slashes",
    "/v1/events",
    "/v1/challenges",
    "/v1/models",
    "/v1/models/{id}/versions",
    "/v1/offers",
    "/v1/licenses",
    "/v1/compute/providers",
    "/v1/compute/jobs",
    "/v1/shared-blobs",
    "/v1/shared-blobs/{id}/funders",
    "/v1/services",
    "/v1/datasets",
    "/v1/contributions",
    "/v1/datasets/{id}/shares",
    "/v1/addresses/{id}/blobs",
    "/v1/addresses/{id}/stakes",
    "/v1/addresses/{id}/licenses",
];

/// Fewer rows than this cannot show an order across pages.
const MIN_ROWS: usize = 3;

fn with_query(path: &str, query: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{query}")
}

/// Every item of `path` read in `order` with pages of `limit`, and how many pages it took.
async fn walk(addr: SocketAddr, path: &str, order: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for pages in 1.. {
        let mut query = format!("order={order}&limit={limit}");
        if let Some(c) = &cursor {
            query.push_str(&format!("&cursor={c}"));
        }
        let page = get_json(addr, &with_query(path, &query)).await;
        let got = page["items"].as_array().unwrap();
        assert!(
            got.len() <= limit,
            "{path}: {} items past limit {limit}",
            got.len()
        );
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert!(!got.is_empty(), "{path}: an empty page with a next_cursor");
                cursor = Some(next.to_owned());
            }
            None => return (items, pages),
        }
    }
    unreachable!()
}

/// A 400 problem+json `invalid-cursor` whose detail says `says`.
async fn refused(addr: SocketAddr, path: &str, says: &str) {
    let (status, content_type, body) = get(addr, path).await;
    assert_eq!(status, 400, "GET {path}: {body}");
    assert_eq!(content_type, "application/problem+json", "GET {path}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        problem["type"], "/problems/invalid-cursor",
        "GET {path}: {body}"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains(says),
        "GET {path}: {body} does not say {says}"
    );
}

/// Walks `path` both ways and checks the descending walk is the ascending one reversed, each
/// row once; checks mixed-order cursors are refused. Returns the number of rows.
async fn check_list(addr: SocketAddr, path: &str) -> usize {
    let (ascending, _) = walk(addr, path, "asc", 1000).await;
    let n = ascending.len();
    // Without `order`: the same rows as `order=asc` (the default is unchanged).
    let default = get_json(addr, &with_query(path, "limit=1000")).await;
    assert_eq!(
        default["items"].as_array().unwrap()[..],
        ascending[..n.min(1000)],
        "{path}: no order is not ascending"
    );
    if n < MIN_ROWS {
        return n;
    }
    // About five pages, so the walk follows several cursors and ends on a partial page.
    let limit = (n / 5).max(1);
    let (descending, pages) = walk(addr, path, "desc", limit).await;
    assert!(pages >= 3, "{path}: {n} rows in {pages} pages of {limit}");
    let seen: HashSet<String> = descending.iter().map(Value::to_string).collect();
    assert_eq!(
        seen.len(),
        descending.len(),
        "{path}: a row twice newest first"
    );
    let mut reversed = ascending.clone();
    reversed.reverse();
    assert_eq!(
        descending, reversed,
        "{path}: newest first is not the ascending list reversed"
    );
    // The same walk ascending with the small pages: the reference again.
    let (small, _) = walk(addr, path, "asc", limit).await;
    assert_eq!(small, ascending, "{path}: ascending pages of {limit}");

    // A cursor of one order followed under the other: 400, naming the cursor's order.
    let first = |order: &'static str| {
        let path = path.to_owned();
        async move {
            let page = get_json(addr, &with_query(&path, &format!("order={order}&limit=1"))).await;
            page["next_cursor"].as_str().unwrap().to_owned()
        }
    };
    let desc_cursor = first("desc").await;
    let asc_cursor = first("asc").await;
    refused(
        addr,
        &with_query(path, &format!("cursor={desc_cursor}")),
        "order=desc",
    )
    .await;
    refused(
        addr,
        &with_query(path, &format!("order=asc&cursor={desc_cursor}")),
        "order=desc",
    )
    .await;
    refused(
        addr,
        &with_query(path, &format!("order=desc&cursor={asc_cursor}")),
        "order=asc",
    )
    .await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newest_first_pages_cover_every_row_once_in_reverse() {
    let db = TestDb::new("order").await;
    bench_api::fill(&db.pool, 300, 40).await.unwrap();
    for sql in SEED {
        sqlx::query(sql)
            .execute(&db.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let state = AppState {
        pool: db.pool.clone(),
        metrics: Arc::new(Metrics::new()),
        ready_max_lag: 10,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, api::router(state)).await });

    let doc = get_json(addr, "/openapi.json").await;
    let mut covered = Vec::new();
    let mut not_covered = Vec::new();
    for (route, item) in doc["paths"].as_object().unwrap() {
        let Some(parameters) = item["get"]["parameters"].as_array() else {
            continue;
        };
        let Some(order) = parameters.iter().find(|p| p["name"] == "order") else {
            continue;
        };
        assert_eq!(order["schema"]["enum"], serde_json::json!(["asc", "desc"]));
        let path = if route.contains("{id}") {
            let Some((_, sql)) = PATH_IDS.iter().find(|(p, _)| p == route) else {
                not_covered.push(format!("{route} (no query for its {{id}})"));
                continue;
            };
            let id: String = sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap();
            route.replace("{id}", &id)
        } else {
            route.clone()
        };
        let rows = check_list(addr, &path).await;
        println!("{path}: {rows} rows");
        if rows >= MIN_ROWS {
            covered.push(route.clone());
        } else {
            not_covered.push(format!("{route} ({rows} rows)"));
        }
    }
    for route in &not_covered {
        println!("NOT COVERED: {route}");
    }
    for route in MUST_COVER {
        assert!(
            covered.iter().any(|c| c == route),
            "{route} was not walked with {MIN_ROWS} rows or more (not covered: {not_covered:?})"
        );
    }

    let node: String = sqlx::query_scalar(
        "SELECT id_text(node_id) FROM challenges GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let epoch: String = sqlx::query_scalar("SELECT max(epoch)::text FROM challenges")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let model: String = sqlx::query_scalar(
        "SELECT id_text(model_id) FROM licenses GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let curator: String = sqlx::query_scalar(
        "SELECT curator FROM datasets GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let dataset: String = sqlx::query_scalar(
        "SELECT dataset_id FROM contributions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    for filtered in FILTERED {
        let path = filtered
            .replace("{node}", &node)
            .replace("{epoch}", &epoch)
            .replace("{model}", &model)
            .replace("{curator}", &curator)
            .replace("{dataset}", &dataset);
        let rows = check_list(addr, &path).await;
        println!("{path}: {rows} rows");
        assert!(rows >= MIN_ROWS, "{path}: only {rows} rows");
    }

    // `order` is a closed set, refused like any other.
    let (status, content_type, body) = get(addr, "/v1/slashes?order=newest").await;
    assert_eq!(
        (status, content_type.as_str()),
        (400, "application/problem+json"),
        "{body}"
    );
    assert!(
        body.contains("invalid-parameter") && body.contains("asc, desc"),
        "{body}"
    );
    server.abort();
}

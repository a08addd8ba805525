//! `bench-api`: the API calls every explorer page makes, timed against a database holding a
//! large history (the 1 million blobs and 10 000 epochs by default).
//!
//! The generator writes projection rows directly with `INSERT … SELECT generate_series`
//! (ingesting a million blobs' events would measure the ingest, which `bench-ingest` does):
//! epochs an hour apart, a 25-node committee per epoch with each pool's stake, blobs and blob
//! IDs spread over 1000 owners, 10 burns and 25 challenges per epoch, 100 models with 100 000
//! licenses, storage boundaries, slashes, shard sync and stakes. Then `ANALYZE`, and each
//! route is requested sequentially over one keep-alive connection to the in-process API.

use std::time::{Duration, Instant};

use sqlx::PgPool;

/// Nodes in every committee.
pub const NODES: i64 = 25;
/// Models (licenses are spread over them).
pub const MODELS: i64 = 100;
/// Licenses.
pub const LICENSES: i64 = 100_000;
/// Owners blobs are spread over.
pub const OWNERS: i64 = 1000;
/// The first epoch's start (Unix ms); epochs last an hour.
pub const T0: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;

/// SQL for the text ID of kind `k` (one hex digit) and number `n`.
fn id(kind: char, n: &str) -> String {
    format!("'0x' || lpad('{kind}' || to_hex({n}), 64, '0')")
}

/// SQL for the 32 bytes of an ID expression (a column declared `Kind::Id`).
fn bytes(id: &str) -> String {
    format!("id_bytes({id})")
}

/// SQL for a blob ID (43 characters of base64url) of number `n`.
fn blob_id(n: &str) -> String {
    format!("translate(rtrim(encode(sha256(int8send({n}::bigint)), 'base64'), '='), '+/', '-_')")
}

/// Fills an empty, migrated database with `blobs` blobs and `epochs` epochs of history.
pub async fn fill(pool: &PgPool, blobs: i64, epochs: i64) -> Result<(), sqlx::Error> {
    let e = epochs;
    let node = id('a', "n");
    let statements = [
        format!(
            "INSERT INTO watermark (id, checkpoint, timestamp_ms) VALUES (true, {}, {})",
            e * 10,
            T0 + e * HOUR - 1
        ),
        format!(
            "INSERT INTO epochs (epoch, start_ms, committee_size, committee_stake, \
             storage_price_per_mib_epoch, write_price_per_mib, total_capacity, used_capacity, \
             write_fees, challenges_issued, advanced_checkpoint, updated_checkpoint) \
             SELECT e, {T0} + e * {HOUR}, {NODES}, 25000000000000000 + e, 100, 20, \
             1000000000000000, e * 1000, e, {NODES}, e * 10, e * 10 \
             FROM generate_series(0::bigint, {e} - 1) e"
        ),
        format!(
            "INSERT INTO nodes (node_id, node_cap_id, operator, name, network_address, \
             commission_bps, registered_epoch, pool_stake, total_shares, total_rewards, \
             total_commission, commission_collected, total_slashed, updated_checkpoint) \
             SELECT {node}, {}, {}, 'node-' || n, 'node' || n || '.example:9000', 500, 0, \
             1000000000000000 + n, 1000000000000000, 0, 0, 0, 0, 0 \
             FROM generate_series(1::bigint, {NODES}) n",
            id('b', "n"),
            id('c', "n")
        ),
        format!(
            "INSERT INTO committee SELECT e, n - 1, {node}, (n - 1) * 40, 40 \
             FROM generate_series(0::bigint, {e} - 1) e, generate_series(1::bigint, {NODES}) n"
        ),
        format!(
            "INSERT INTO pool_epochs (node_id, epoch, pool_stake, total_shares, checkpoint) \
             SELECT {node}, e, 1000000000000000 + n * e, 1000000000000000, e * 10 \
             FROM generate_series(0::bigint, {e} - 1) e, generate_series(1::bigint, {NODES}) n"
        ),
        format!(
            "INSERT INTO blobs (blob_object_id, blob_id, root_hash, size, \
             encoding_type, deletable, owner, storage_id, storage_size, write_fee, \
             extension_fees, status, registered_epoch, certified_epoch, end_epoch, \
             registered_checkpoint, updated_checkpoint) \
             SELECT {}, {}, {}, 1000 + i % 100000, 1, true, {}, {}, \
             5 * (1000 + i % 100000), 10, 0, 'certified', i * {e} / {blobs}, \
             i * {e} / {blobs}, i * {e} / {blobs} + 5, i, i \
             FROM generate_series(1::bigint, {blobs}) i",
            bytes(&id('d', "i")),
            blob_id("i"),
            blob_id("-i"),
            bytes(&id('e', &format!("i % {OWNERS}"))),
            bytes(&id('f', "i"))
        ),
        format!(
            "INSERT INTO blob_ids (blob_id, root_hash, size, live_references, \
             first_checkpoint, updated_checkpoint) \
             SELECT {}, {}, 1000 + i % 100000, 1, i, i FROM generate_series(1::bigint, {blobs}) i",
            blob_id("i"),
            blob_id("-i")
        ),
        format!(
            "INSERT INTO burns SELECT e * 10 + k, 0, 0, 'digest' || e || '_' || k, \
             {T0} + e * {HOUR} + k * 1000, 1000 + k, k % 4, \
             (ARRAY['storage_fee', 'slashing', 'early_unstake', 'license_fee'])[k % 4 + 1], \
             (e * 10 + k + 1) * 1005, 5000000000000000000 - (e * 10 + k + 1) * 1005 \
             FROM generate_series(0::bigint, {e} - 1) e, generate_series(0::bigint, 9) k"
        ),
        format!(
            "INSERT INTO supply VALUES (true, {}, {}, 5000000000000000000, {t}, \
             5000000000000000000 - {t}, {b}, {cp})",
            id('1', "1"),
            id('c', "1"),
            t = e * 10 * 1005,
            b = e * 10,
            cp = e * 10
        ),
        format!(
            "INSERT INTO challenges (challenge_id, epoch, node_id, blob_id, root_hash, shard, \
             pair_index, symbol_index, symbol_size, deadline_ms, status, answered_at_ms, \
             slashed, burned, reward, issued_checkpoint, resolved_checkpoint) \
             SELECT e * {NODES} + n, e, {}, {}, {}, n * 4, n, n, 2, \
             {T0} + e * {HOUR} + 1800000, CASE WHEN n = 1 THEN 'slashed' ELSE 'answered' END, \
             CASE WHEN n = 1 THEN NULL ELSE {T0} + e * {HOUR} + 60000 END, \
             CASE WHEN n = 1 THEN 1000 END, CASE WHEN n = 1 THEN 900 END, \
             CASE WHEN n = 1 THEN 100 END, e * 10, e * 10 + 1 \
             FROM generate_series(0::bigint, {e} - 1) e, generate_series(1::bigint, {NODES}) n",
            bytes(&node),
            blob_id(&format!("(e * {NODES} + n) % {blobs} + 1")),
            blob_id(&format!("-((e * {NODES} + n) % {blobs} + 1)"))
        ),
        format!(
            "INSERT INTO slashes SELECT e * 10 + 1, 0, 1, 'slash' || e, {T0} + e * {HOUR}, \
             {}, e, 1000, 1000000000000000 FROM generate_series(0::bigint, {e} - 1, 10) e",
            id('a', "1")
        ),
        format!(
            "INSERT INTO models SELECT {}, {}, {}, 'model-' || m, 'a benchmark model', 1, \
             1000 * {per}, 0, {per}, m, m FROM generate_series(1::bigint, {MODELS}) m",
            id('7', "m"),
            id('8', "m"),
            id('e', "m"),
            per = LICENSES / MODELS
        ),
        format!(
            "INSERT INTO model_versions SELECT {}, 1, {}, 'transformer', 'hash', '{{}}', {}, \
             {T0}, m, 'digest', {} FROM generate_series(1::bigint, {MODELS}) m",
            id('7', "m"),
            blob_id("m"),
            id('e', "m"),
            id('d', "m")
        ),
        format!(
            "INSERT INTO offers SELECT {}, {}, 1000, 3600000, 10, 0, {}, false, {per}, \
             1000 * {per}, m, m FROM generate_series(1::bigint, {MODELS}) m",
            id('6', "m"),
            id('7', "m"),
            id('e', "m"),
            per = LICENSES / MODELS
        ),
        format!(
            "INSERT INTO licenses (license_id, offer_id, model_id, holder, windows, price_paid, \
             fee_burned, expires_at_ms, use_limited, uses_left, uses_consumed, extensions, \
             status, purchased_at_ms, purchased_checkpoint, updated_checkpoint) \
             SELECT {}, {}, {}, {}, 1, 1000, 10, {T0} + i * {span} + {HOUR}, false, 0, 0, 0, \
             'active', {T0} + i * {span}, i, i FROM generate_series(1::bigint, {LICENSES}) i",
            bytes(&id('5', "i")),
            bytes(&id('6', &format!("i % {MODELS} + 1"))),
            bytes(&id('7', &format!("i % {MODELS} + 1"))),
            bytes(&id('e', &format!("i % {OWNERS}"))),
            span = e * HOUR / LICENSES
        ),
        format!(
            "INSERT INTO stakes (staked_wal_id, node_id, staker, amount, activation_epoch, \
             status, principal, shares, updated_checkpoint) \
             SELECT {}, {}, {}, 1000000000, i % {e}, 'staked', 1000000000, 1000000000, i \
             FROM generate_series(1::bigint, 10000) i",
            id('4', "i"),
            id('a', &format!("i % {NODES} + 1")),
            id('e', &format!("i % {OWNERS}"))
        ),
        format!(
            "INSERT INTO capacity_boundaries SELECT e, 5000000, CASE WHEN e >= 5 THEN 5000000 \
             ELSE 0 END, 1, 0, e * 10 FROM generate_series(0::bigint, {e} + 4) e"
        ),
        format!(
            "INSERT INTO node_sync (node_id, epoch, status, shards_gained, shard_count, \
             gained_checkpoint, gained_at_ms, synced_shards, synced_checkpoint, synced_at_ms) \
             SELECT {node}, e, 'synced', '[1, 2]', 2, e * 10, {T0} + e * {HOUR}, '[1, 2]', \
             e * 10 + 1, {T0} + e * {HOUR} + 1000 \
             FROM generate_series(1::bigint, {e} - 1, 100) e, generate_series(1::bigint, {NODES}) n"
        ),
    ];
    for sql in &statements {
        sqlx::query(sql).execute(pool).await?;
    }
    // Every license was a purchase: its payment, then the rollups of everything, built by the
    // migration that introduced them (what the ingest would have written).
    sqlx::query(
        "INSERT INTO license_payments SELECT purchased_checkpoint, 0, 0, purchased_at_ms, \
         license_id, id_text(model_id), true, price_paid, fee_burned FROM licenses",
    )
    .execute(pool)
    .await?;
    let backfill = rollups_backfill();
    // One connection: the backfill's helper function is a temporary one.
    let mut conn = pool.acquire().await?;
    for statement in backfill.split(";\n").filter(|s| !s.trim().is_empty()) {
        sqlx::raw_sql(statement).execute(&mut *conn).await?;
    }
    drop(conn);
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

/// Migration 0005's backfill of the rollups (and license payments, decoded from the raw
/// events), as it runs on today's schema: since 0022 `license_payments.license_id` holds the
/// ID's 32 bytes, so the decoded ID is inserted as bytes instead of `0x`-hex (what 0022 makes
/// of the rows an older database's 0005 wrote). For generated histories and the test that
/// checks the backfill against the ingest.
pub fn rollups_backfill() -> String {
    const HEX_LICENSE: &str = "'0x' || encode(substring(contents FROM 1 FOR 32), 'hex'),";
    let backfill = include_str!("../../migrations/0005_rollups.sql")
        .split_once("-- What is already stored")
        .and_then(|(_, rest)| rest.split_once('\n'))
        .map_or("", |(_, sql)| sql);
    debug_assert!(backfill.contains(HEX_LICENSE), "0005's backfill changed");
    backfill.replacen(HEX_LICENSE, "substring(contents FROM 1 FOR 32),", 1)
}

/// The API calls of every explorer page (and the series at their other bucket sizes) for a
/// database [`fill`]ed with `blobs` blobs and `epochs` epochs.
pub async fn page_calls(
    pool: &PgPool,
    blobs: i64,
    epochs: i64,
) -> Result<Vec<(&'static str, String)>, sqlx::Error> {
    let current = epochs - 1;
    let node: String = sqlx::query_scalar("SELECT node_id FROM nodes ORDER BY node_id LIMIT 1")
        .fetch_one(pool)
        .await?;
    let (blob, owner): (String, String) = sqlx::query_as(
        "SELECT blob_id, id_text(owner) FROM blobs ORDER BY blob_object_id OFFSET $1 LIMIT 1",
    )
    .bind(blobs / 2)
    .fetch_optional(pool)
    .await?
    .unwrap_or_default();
    use crate::api::pagination::{Order, encode_cursor};
    let deep_id: String = sqlx::query_scalar(
        "SELECT id_text(blob_object_id) FROM blobs ORDER BY blob_object_id OFFSET $1 LIMIT 1",
    )
    .bind(blobs * 9 / 10)
    .fetch_optional(pool)
    .await?
    .unwrap_or_default();
    let deep = encode_cursor(Order::Asc, std::slice::from_ref(&deep_id));
    // The same row read newest first: 900 000 rows from the top at 1 M blobs, like `deep`.
    let deep_desc = encode_cursor(
        Order::Desc,
        &[sqlx::query_scalar::<_, String>(
            "SELECT id_text(blob_object_id) FROM blobs ORDER BY blob_object_id DESC \
             OFFSET $1 LIMIT 1",
        )
        .bind(blobs * 9 / 10)
        .fetch_optional(pool)
        .await?
        .unwrap_or_default()],
    );
    // A challenge half-way down, for a newest-first page that starts deep in the list.
    let challenge_desc = encode_cursor(
        Order::Desc,
        &[sqlx::query_scalar::<_, String>(
            "SELECT challenge_id::text FROM challenges ORDER BY challenge_id DESC \
             OFFSET (SELECT count(*) / 2 FROM challenges) LIMIT 1",
        )
        .fetch_optional(pool)
        .await?
        .unwrap_or_default()],
    );
    let model: String = sqlx::query_scalar("SELECT model_id FROM models ORDER BY model_id LIMIT 1")
        .fetch_one(pool)
        .await?;
    let license: String =
        sqlx::query_scalar("SELECT id_text(license_id) FROM licenses ORDER BY license_id LIMIT 1")
            .fetch_one(pool)
            .await?;
    let last_hour = T0 + epochs * HOUR;
    Ok(vec![
        ("overview", "/v1/supply".to_owned()),
        ("overview", "/v1/stats/storage".to_owned()),
        ("overview", "/v1/stats/supply?bucket=epoch".to_owned()),
        ("overview", "/v1/stats/challenges".to_owned()),
        ("overview", format!("/v1/epochs/{current}")),
        (
            "overview",
            format!("/v1/epochs/{current}/committee?limit=1000"),
        ),
        (
            "overview",
            format!("/v1/challenges?epoch={current}&order=desc&limit=20"),
        ),
        ("overview", "/v1/slashes?order=desc&limit=20".to_owned()),
        ("overview", format!("/v1/nodes/{node}")),
        ("overview", "/v1/stats/stake".to_owned()),
        ("nodes", "/v1/nodes?limit=50".to_owned()),
        (
            "nodes",
            format!("/v1/nodes/{node}/sync?status=pending&limit=1"),
        ),
        ("node", format!("/v1/nodes/{node}/sync?limit=100")),
        (
            "node",
            format!("/v1/challenges?node_id={node}&order=desc&limit=50"),
        ),
        (
            "node",
            format!("/v1/slashes?node_id={node}&order=desc&limit=50"),
        ),
        ("node", format!("/v1/stats/stake?node_id={node}")),
        ("blobs", "/v1/blobs?limit=50".to_owned()),
        ("blobs", format!("/v1/blobs?limit=50&cursor={deep}")),
        ("lists", "/v1/blobs?order=desc&limit=50".to_owned()),
        (
            "lists",
            format!("/v1/blobs?order=desc&limit=50&cursor={deep_desc}"),
        ),
        (
            "lists",
            format!("/v1/challenges?order=desc&limit=50&cursor={challenge_desc}"),
        ),
        ("lists", "/v1/burns?order=desc&limit=50".to_owned()),
        (
            "lists",
            format!("/v1/addresses/{owner}/blobs?order=desc&limit=50"),
        ),
        (
            "lists",
            format!("/v1/licenses?model_id={model}&order=desc&limit=100"),
        ),
        ("blob", format!("/v1/blobs/{blob}")),
        ("blob", "/v1/parameters?limit=1000".to_owned()),
        (
            "challenges",
            "/v1/challenges?order=desc&limit=50".to_owned(),
        ),
        ("challenges", "/v1/slashes?order=desc&limit=50".to_owned()),
        ("models", "/v1/models?limit=50".to_owned()),
        ("models", "/v1/stats/revenue?bucket=epoch".to_owned()),
        ("model", format!("/v1/models/{model}")),
        ("model", format!("/v1/models/{model}/versions?limit=100")),
        ("model", format!("/v1/offers?model_id={model}&limit=100")),
        ("model", format!("/v1/licenses?model_id={model}&limit=100")),
        (
            "model",
            format!("/v1/stats/revenue?bucket=epoch&model_id={model}"),
        ),
        ("license", format!("/v1/licenses/{license}")),
        ("address", format!("/v1/addresses/{owner}")),
        ("address", format!("/v1/addresses/{owner}/blobs?limit=50")),
        ("address", format!("/v1/addresses/{owner}/stakes?limit=50")),
        (
            "address",
            format!("/v1/addresses/{owner}/licenses?limit=50"),
        ),
        ("search", format!("/v1/search?q={blob}")),
        ("search", format!("/v1/search?q={owner}")),
        ("search", "/v1/search?q=model-1".to_owned()),
        (
            "series",
            format!("/v1/stats/supply?bucket=hour&to={last_hour}"),
        ),
        (
            "series",
            format!(
                "/v1/stats/supply?bucket=day&from={}&to={last_hour}",
                last_hour - 999 * 24 * HOUR
            ),
        ),
        (
            "series",
            format!(
                "/v1/stats/revenue?bucket=day&from={}&to={last_hour}",
                last_hour - 999 * 24 * HOUR
            ),
        ),
        (
            "series",
            format!("/v1/stats/challenges?from={}&to={}", epochs - 1000, epochs),
        ),
        (
            "series",
            format!(
                "/v1/stats/supply?bucket=epoch&from={}&to={}",
                epochs - 1000,
                epochs
            ),
        ),
        (
            "series",
            format!(
                "/v1/stats/revenue?bucket=epoch&from={}&to={}",
                epochs - 1000,
                epochs
            ),
        ),
        (
            "series",
            format!("/v1/stats/storage?from={}&to={}", epochs - 1000, epochs),
        ),
    ])
}

/// Latency of one route over `requests` sequential requests.
#[derive(Debug, Clone)]
pub struct RouteFigures {
    pub page: &'static str,
    pub path: String,
    pub status: u16,
    pub bytes: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// One `GET` over a keep-alive HTTP/1.1 connection: status and body length (the API sends
/// `Content-Length` on every answer).
async fn get(
    stream: &mut tokio::io::BufReader<tokio::net::TcpStream>,
    authority: &str,
    path: &str,
) -> Result<(u16, usize), String> {
    use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    let mut line = String::new();
    let mut status = 0;
    let mut length = None;
    loop {
        line.clear();
        let read = stream
            .read_line(&mut line)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        if read == 0 {
            return Err(format!("{path}: the server closed the connection"));
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if status == 0 {
            status = trimmed
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("{path}: bad status line {trimmed:?}"))?;
        } else if let Some((name, value)) = trimmed.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
        }
    }
    let length: usize = length.ok_or_else(|| format!("{path}: no Content-Length"))?;
    let mut body = vec![0; length];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    Ok((status, length))
}

/// Requests each of `calls` `requests` times (after 5 unmeasured) over one keep-alive
/// connection to `authority`.
pub async fn time_calls(
    authority: &str,
    calls: Vec<(&'static str, String)>,
    requests: usize,
) -> Result<Vec<RouteFigures>, String> {
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut stream = tokio::io::BufReader::new(stream);
    let mut out = Vec::new();
    for (page, path) in calls {
        let mut latencies = Vec::with_capacity(requests);
        let mut status = 0;
        let mut bytes = 0;
        for i in 0..requests + 5 {
            let started = Instant::now();
            (status, bytes) = get(&mut stream, authority, &path).await?;
            if i >= 5 {
                latencies.push(started.elapsed());
            }
        }
        latencies.sort();
        let pick =
            |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        out.push(RouteFigures {
            page,
            path,
            status,
            bytes,
            p50: pick(0.5),
            p99: pick(0.99),
            max: latencies[latencies.len() - 1],
        });
    }
    Ok(out)
}

//! The REST API against its own OpenAPI document: the document is validated
//! (`openapi-spec-validator`), then schemathesis generates requests for every operation from
//! it — valid and invalid parameters, path IDs that exist and that do not, cursors followed
//! through the document's links — and checks that nothing answers 5xx, that every status is
//! one the document declares for the operation, and that every body matches its schema.
//!
//! The API runs in-process over a database holding every kind of row: `bench_api::fill`'s
//! small history (epochs, committee, nodes, blobs, burns, challenges, slashes, models,
//! versions, offers, licenses, stakes, capacity, shard sync and the rollups) plus storage
//! reservations, raw events, parameters and blob attributes, which the generator does not
//! write. Real IDs from it are handed to schemathesis as dictionaries, so item routes answer
//! 200 often enough for their schemas to be checked, not only their 404.
//!
//! The Python tools live in a venv under the target directory, installed at pinned versions
//! on the first run and reused after; without `python3 -m venv` the test says SKIPPED.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use floe_indexer::api::{self, AppState};
use floe_indexer::{Metrics, bench_api};
use support::TestDb;

/// The pinned tools; changing either reinstalls the venv.
const REQUIREMENTS: &[&str] = &["schemathesis==4.32.5", "openapi-spec-validator==0.9.0"];
/// Generated cases per operation and phase.
const MAX_EXAMPLES: u32 = 20;
/// Fixed, so a failure reproduces with the same requests.
const SEED: u32 = 20_261_206;
/// The whole schemathesis run must end within this; it takes about 20 s here.
const BUDGET: Duration = Duration::from_secs(90);
/// The checks: no 5xx, documented statuses, content types, headers and bodies, and invalid
/// input refused. Not `positive_data_acceptance`: cursors are opaque (a schema-valid string is
/// rarely a cursor this API issued) and a series' `from` must be before its `to`, which JSON
/// Schema cannot say across two parameters; both are refused with 400 by design.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance,\
                      negative_data_rejection,unsupported_method";

/// The venv's directory once it holds [`REQUIREMENTS`], or `None` (after saying SKIPPED) when
/// this machine cannot make one.
fn venv() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schemathesis-venv");
    let marker = dir.join("floe-requirements.txt");
    let wanted = REQUIREMENTS.join("\n");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) {
        return Some(dir);
    }
    let made = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&dir)
        .output();
    match made {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            println!(
                "SKIPPED the schemathesis run: `python3 -m venv` failed (on Debian: apt-get \
                 install python3-venv): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            println!("SKIPPED the schemathesis run: python3 not found ({e})");
            return None;
        }
    }
    let started = Instant::now();
    let out = Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(REQUIREMENTS)
        .output()
        .expect("running the venv's pip");
    assert!(
        out.status.success(),
        "pip install {REQUIREMENTS:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "installed {REQUIREMENTS:?} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&marker, wanted).unwrap();
    Some(dir)
}

/// What `fill` leaves empty: storage reservations (one per blob, some still available or
/// destroyed), raw events of several types, parameters.
const EXTRA_ROWS: &[&str] = &[
    "INSERT INTO storage SELECT storage_id, owner, NULL, registered_epoch, registered_epoch, \
     end_epoch, size, storage_size, 5000, 'in_blob', blob_object_id, NULL, NULL, NULL, \
     registered_checkpoint, updated_checkpoint FROM blobs",
    "INSERT INTO storage SELECT id_bytes('0x' || lpad('9' || to_hex(i), 64, '0')), \
     id_bytes('0x' || lpad('e' || to_hex(i), 64, '0')), NULL, 1, 1, 6, 1048576, 5242880, 5000, \
     CASE WHEN i % 2 = 0 THEN 'available' ELSE 'destroyed' END, NULL, NULL, \
     CASE WHEN i % 2 = 1 THEN 3 END, CASE WHEN i % 2 = 1 THEN 5242880 END, i, i \
     FROM generate_series(1, 20) i",
    "INSERT INTO events SELECT 'digest' || i, i % 3, i, i % 5, 1700000000000 + i * 1000, \
     '0x' || lpad('e' || to_hex(i % 7), 64, '0'), 'events', \
     (ARRAY['BlobRegistered', 'BlobCertified', 'WalBurned', 'LicensePurchased'])[i % 4 + 1], \
     decode(lpad(to_hex(i), 16, '0'), 'hex') FROM generate_series(1, 60) i",
    "INSERT INTO parameters VALUES ('fee_burn_bps', 1000, 0, 0), ('license_fee_bps', 500, 0, 0), \
     ('slash_bps', 1000, 3, 30)",
    // Blob attributes: three keys on each of the first blob objects (markup, non-ASCII, an
    // empty value), the third removed.
    "INSERT INTO blob_attributes SELECT b.blob_object_id, k.key, b.blob_id, k.value, k.i = 3, \
     b.registered_checkpoint + k.i, 0, k.i, 1700000000000 + k.i, 'digest' || k.i, \
     b.registered_checkpoint + k.i \
     FROM (SELECT * FROM blobs ORDER BY blob_object_id LIMIT 5) b, (VALUES \
     (1, 'content-type', '<script>alert(1)</script>'), (2, '名前', ''), (3, 'gone', 'x')) \
     AS k(i, key, value)",
    // Shared blobs wrapping the first blob objects (one never funded, one extended), and
    // their funders (the creator's initial funds, a second account).
    "INSERT INTO shared_blobs SELECT '0x' || lpad('5b' || to_hex(i), 64, '0'), id_text(b.blob_object_id), \
     b.blob_id, id_text(b.owner), 5 + i, CASE WHEN i = 1 THEN 0 ELSE 3000000000 END, \
     CASE WHEN i = 1 THEN 0 ELSE 4000000000 END, (i > 1)::int, \
     CASE WHEN i = 3 THEN 1000000000 ELSE 0 END, (i = 3)::int, i, i + 1 \
     FROM generate_series(1, 3) i, \
     LATERAL (SELECT * FROM blobs ORDER BY blob_object_id OFFSET i - 1 LIMIT 1) b",
    "INSERT INTO shared_blob_funders SELECT s.shared_blob_id, f.funder, f.amount, 1, \
     s.created_checkpoint, s.updated_checkpoint \
     FROM shared_blobs s, LATERAL (VALUES (s.creator, 2000000000::numeric), \
     ('0x' || lpad('f0', 64, '0'), 2000000000::numeric)) AS f(funder, amount) \
     WHERE s.funded > 0",
    // Compute providers (one slashed, a markup address) and jobs in every status, owned by
    // blob owners and naming real models.
    "INSERT INTO compute_providers SELECT '0x' || lpad('c' || to_hex(i), 64, '0'), \
     '0x' || lpad('d' || to_hex(i), 64, '0'), '0x' || lpad('e' || to_hex(i), 64, '0'), \
     repeat(to_hex(i), 32), CASE WHEN i = 2 THEN '<b>x</b>' ELSE 'http://127.0.0.1:94' || i END, \
     18000000000, i, (i = 3)::int, CASE WHEN i = 3 THEN 2000000000 ELSE 0 END, i, i + 1 \
     FROM generate_series(1, 4) i",
    "INSERT INTO compute_jobs SELECT '0x' || lpad('a' || to_hex(i), 64, '0'), id_text(b.owner), m.model_id, 1, \
     b.blob_id, b.blob_id, jsonb_build_array('0x' || lpad('c1', 64, '0')), 1, \
     1700000600000 + i, 5000000000, (ARRAY['open', 'settled', 'refunded'])[i % 3 + 1], i % 2, \
     CASE WHEN i % 3 = 1 THEN b.blob_id END, CASE WHEN i % 3 = 1 THEN repeat('ab', 32) END, \
     CASE WHEN i % 3 = 1 THEN 4750000000 END, CASE WHEN i % 3 = 1 THEN 1 END, \
     CASE WHEN i % 3 = 1 THEN 250000000 END, CASE WHEN i % 3 = 1 THEN 0 END, \
     CASE WHEN i % 3 = 2 THEN 5000000000 END, CASE WHEN i % 3 > 0 THEN 1700000700000 END, i, i \
     FROM generate_series(1, 9) i, \
     LATERAL (SELECT owner, blob_id FROM blobs ORDER BY blob_object_id OFFSET i % 3 LIMIT 1) b, \
     LATERAL (SELECT model_id FROM models ORDER BY model_id OFFSET i % 2 LIMIT 1) m",
    // Datasets (one with a markup name) curated by blob owners, contributions of their blobs,
    // and models' shares with the datasets.
    "INSERT INTO datasets SELECT '0x' || lpad('da' || to_hex(i), 64, '0'), \
     '0x' || lpad('dc' || to_hex(i), 64, '0'), id_text(b.owner), \
     CASE WHEN i = 2 THEN '<i>faces</i>' ELSE 'set-' || i END, '', i, 10 * i, 1900000000, \
     950000000, i, i + 1 \
     FROM generate_series(1, 3) i, \
     LATERAL (SELECT owner FROM blobs ORDER BY blob_object_id OFFSET i % 3 LIMIT 1) b",
    "INSERT INTO contributions SELECT '0x' || lpad('cb' || to_hex(i), 64, '0'), \
     '0x' || lpad('da' || to_hex(i % 3 + 1), 64, '0'), b.blob_id, id_text(b.blob_object_id), id_text(b.owner), i, \
     (i % 2) * 1000, i % 2, i, i \
     FROM generate_series(1, 6) i, \
     LATERAL (SELECT blob_id, blob_object_id, owner FROM blobs ORDER BY blob_object_id \
     OFFSET i % 3 LIMIT 1) b",
    "INSERT INTO dataset_shares SELECT '0x' || lpad('da' || to_hex(i), 64, '0'), m.model_id, 1, \
     1000 * i, 5000, 1000, 4000, i, i \
     FROM generate_series(1, 3) i, \
     LATERAL (SELECT model_id FROM models ORDER BY model_id OFFSET i % 2 LIMIT 1) m",
    // Model services of real models, served by compute providers' operators, one paused.
    "INSERT INTO services SELECT '0x' || lpad('5e' || to_hex(i), 64, '0'), \
     '0x' || lpad('5c' || to_hex(i), 64, '0'), m.model_id, 1, id_text(b.owner), \
     '0x' || lpad('e' || to_hex(i), 64, '0'), 1000000000 * i, i = 2, 3 * i, 2 * i, \
     3000000000 * i * i, 150000000 * i * i, 1000000 * i, i, i + 1 \
     FROM generate_series(1::bigint, 4) i, \
     LATERAL (SELECT owner FROM blobs ORDER BY blob_object_id OFFSET i % 3 LIMIT 1) b, \
     LATERAL (SELECT model_id FROM models ORDER BY model_id OFFSET i % 2 LIMIT 1) m",
    // Agent memories of blob owners, two entries each (real blobs), one delegate each, revoked
    // in all but the first.
    "INSERT INTO memories (memory_id, owner, generation, entries, grants, revokes, \
     created_checkpoint, updated_checkpoint) \
     SELECT '0x' || lpad('3e' || to_hex(i), 64, '0'), id_text(b.owner), i - 1, 2, 1, i - 1, i, i + 1 \
     FROM generate_series(1::bigint, 3) i, \
     LATERAL (SELECT owner FROM blobs ORDER BY blob_object_id OFFSET i % 3 LIMIT 1) b",
    "INSERT INTO memory_entries (memory_id, entry_index, blob_id, blob_object_id, generation, \
     appended_by, checkpoint) \
     SELECT m.memory_id, e, b.blob_id, id_text(b.blob_object_id), 0, m.owner, e + 1 \
     FROM memories m, generate_series(0::bigint, 1) e, \
     LATERAL (SELECT blob_id, blob_object_id FROM blobs ORDER BY blob_object_id OFFSET e LIMIT 1) b",
    "INSERT INTO memory_delegates (memory_id, agent, active, can_write, granted_generation, \
     revoked_generation, created_checkpoint, updated_checkpoint) \
     SELECT memory_id, '0x' || lpad('a6' || to_hex(generation), 64, '0'), revokes = 0, \
     generation = 1, 0, CASE WHEN revokes > 0 THEN generation END, 1, 2 FROM memories",
];

/// A TOML array of the first values `sql` returns (as text), for a dictionary.
async fn values(db: &TestDb, sql: &str) -> String {
    let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&db.pool).await.unwrap();
    assert!(!rows.is_empty(), "no values for {sql}");
    // TOML basic strings escape like JSON's for these ASCII IDs.
    serde_json::to_string(&rows).unwrap()
}

/// A TOML array of the integers `sql` returns, for a dictionary of integer parameters.
async fn integers(db: &TestDb, sql: &str) -> String {
    let rows: Vec<i64> = sqlx::query_scalar(sql).fetch_all(&db.pool).await.unwrap();
    assert!(!rows.is_empty(), "no values for {sql}");
    serde_json::to_string(&rows).unwrap()
}

/// schemathesis's configuration: real IDs as dictionaries, each bound (half of the time) to
/// the path and query parameters that take it, and every warning (an operation that only
/// ever got 404, generated data mostly refused) failing the run.
async fn config(db: &TestDb) -> String {
    let addresses = values(
        db,
        "(SELECT DISTINCT id_text(owner) FROM blobs ORDER BY 1 LIMIT 4) UNION ALL \
         (SELECT DISTINCT id_text(holder) FROM licenses ORDER BY 1 LIMIT 2)",
    )
    .await;
    let blob_ids = values(db, "SELECT blob_id FROM blob_ids ORDER BY 1 LIMIT 5").await;
    let nodes = values(db, "SELECT node_id FROM nodes ORDER BY 1 LIMIT 5").await;
    let models = values(db, "SELECT model_id FROM models ORDER BY 1 LIMIT 5").await;
    let licenses = values(
        db,
        "SELECT id_text(license_id) FROM licenses ORDER BY 1 LIMIT 5",
    )
    .await;
    let offers = values(db, "SELECT offer_id FROM offers ORDER BY 1 LIMIT 5").await;
    let blob_objects = values(
        db,
        "SELECT id_text(blob_object_id) FROM blobs ORDER BY blob_object_id LIMIT 5",
    )
    .await;
    let shared_blobs = values(db, "SELECT shared_blob_id FROM shared_blobs ORDER BY 1").await;
    let providers = values(db, "SELECT provider_id FROM compute_providers ORDER BY 1").await;
    let jobs = values(db, "SELECT job_id FROM compute_jobs ORDER BY 1").await;
    let services = values(db, "SELECT service_id FROM services ORDER BY 1").await;
    let memories = values(db, "SELECT memory_id FROM memories ORDER BY 1").await;
    let operators = values(
        db,
        "(SELECT operator FROM compute_providers ORDER BY 1) UNION ALL \
         (SELECT DISTINCT operator FROM nodes ORDER BY 1 LIMIT 3)",
    )
    .await;
    let datasets = values(db, "SELECT dataset_id FROM datasets ORDER BY 1").await;
    let contributions = values(db, "SELECT contribution_id FROM contributions ORDER BY 1").await;
    let epochs = integers(db, "SELECT epoch FROM epochs ORDER BY epoch DESC LIMIT 5").await;
    let challenges = integers(
        db,
        "SELECT challenge_id FROM challenges ORDER BY 1 DESC LIMIT 5",
    )
    .await;
    let searches = values(
        db,
        "(SELECT blob_id FROM blob_ids ORDER BY 1 LIMIT 2) UNION ALL \
         (SELECT id_text(owner) FROM blobs ORDER BY 1 LIMIT 1) UNION ALL \
         (SELECT id_text(license_id) FROM licenses ORDER BY 1 LIMIT 1) UNION ALL \
         (SELECT node_id FROM nodes ORDER BY 1 LIMIT 1) UNION ALL \
         SELECT unnest(ARRAY['model-1', 'NODE-', '3', 'model-'])",
    )
    .await;
    format!(
        r#"[warnings]
fail-on = true

[dictionaries]
addresses = {{ values = {addresses} }}
blob_ids = {{ values = {blob_ids} }}
blob_objects = {{ values = {blob_objects} }}
nodes = {{ values = {nodes} }}
models = {{ values = {models} }}
licenses = {{ values = {licenses} }}
offers = {{ values = {offers} }}
epochs = {{ values = {epochs} }}
challenges = {{ values = {challenges} }}
searches = {{ values = {searches} }}
shared_blobs = {{ values = {shared_blobs} }}
providers = {{ values = {providers} }}
jobs = {{ values = {jobs} }}
services = {{ values = {services} }}
memories = {{ values = {memories} }}
operators = {{ values = {operators} }}
datasets = {{ values = {datasets} }}
contributions = {{ values = {contributions} }}

[parameters]
"query.owner" = {{ dictionary = "addresses", probability = 0.5 }}
"query.staker" = {{ dictionary = "addresses", probability = 0.5 }}
"query.holder" = {{ dictionary = "addresses", probability = 0.5 }}
"query.node_id" = {{ dictionary = "nodes", probability = 0.5 }}
"query.model_id" = {{ dictionary = "models", probability = 0.5 }}
"query.offer_id" = {{ dictionary = "offers", probability = 0.5 }}
"query.blob_id" = {{ dictionary = "blob_ids", probability = 0.5 }}
"query.q" = {{ dictionary = "searches", probability = 0.5 }}
"query.operator" = {{ dictionary = "operators", probability = 0.5 }}
"query.provider" = {{ dictionary = "operators", probability = 0.5 }}
"query.curator" = {{ dictionary = "addresses", probability = 0.5 }}
"query.contributor" = {{ dictionary = "addresses", probability = 0.5 }}
"query.dataset_id" = {{ dictionary = "datasets", probability = 0.5 }}
"query.creator" = {{ dictionary = "addresses", probability = 0.5 }}
"query.blob_object_id" = {{ dictionary = "blob_objects", probability = 0.5 }}

[[operations]]
include-path-regex = "^/v1/addresses/"
parameters = {{ "path.id" = {{ dictionary = "addresses", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/blobs/{{id}}"
parameters = {{ "path.id" = {{ dictionary = "blob_ids", probability = 0.5 }} }}

[[operations]]
include-path-regex = "^/v1/blob-objects/"
parameters = {{ "path.id" = {{ dictionary = "blob_objects", probability = 0.5 }} }}

[[operations]]
include-path-regex = "^/v1/nodes/"
parameters = {{ "path.id" = {{ dictionary = "nodes", probability = 0.5 }} }}

[[operations]]
include-path-regex = "^/v1/models/"
parameters = {{ "path.id" = {{ dictionary = "models", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/licenses/{{id}}"
parameters = {{ "path.id" = {{ dictionary = "licenses", probability = 0.5 }} }}

[[operations]]
include-path-regex = "^/v1/epochs/"
parameters = {{ "path.id" = {{ dictionary = "epochs", probability = 0.5 }} }}

[[operations]]
include-path-regex = "^/v1/shared-blobs/"
parameters = {{ "path.id" = {{ dictionary = "shared_blobs", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/compute/providers/{{id}}"
parameters = {{ "path.id" = {{ dictionary = "providers", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/services/{{id}}"
parameters = {{ "path.id" = {{ dictionary = "services", probability = 0.5 }} }}

[[operations]]
include-path-regex = "^/v1/memories/"
parameters = {{ "path.id" = {{ dictionary = "memories", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/compute/jobs/{{id}}"
parameters = {{ "path.id" = {{ dictionary = "jobs", probability = 0.5 }} }}

[[operations]]
include-path-regex = "^/v1/datasets/"
parameters = {{ "path.id" = {{ dictionary = "datasets", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/contributions/{{id}}"
parameters = {{ "path.id" = {{ dictionary = "contributions", probability = 0.5 }} }}

[[operations]]
include-path = "/v1/challenges/{{id}}"
parameters = {{ "path.id" = {{ dictionary = "challenges", probability = 0.5 }} }}
"#
    )
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_schema_violation() {
    let Some(venv) = venv() else { return };
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schemathesis");
    std::fs::create_dir_all(&work).unwrap();

    let db = TestDb::new("fuzz").await;
    bench_api::fill(&db.pool, 300, 40).await.unwrap();
    for sql in EXTRA_ROWS {
        sqlx::query(sql).execute(&db.pool).await.unwrap();
    }
    for table in [
        "storage",
        "events",
        "parameters",
        "licenses",
        "node_sync",
        "slashes",
    ] {
        assert!(db.count(table).await > 0, "{table} is empty");
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState {
        pool: db.pool.clone(),
        metrics: Arc::new(Metrics::new()),
        ready_max_lag: 10,
    };
    let server = tokio::spawn(async move { axum::serve(listener, api::router(state)).await });

    // The document validates against the OpenAPI 3.1 schema (and its rules, such as unique
    // operation IDs).
    let doc = support::get_json(addr, "/openapi.json").await;
    let doc_path = work.join("openapi.json");
    std::fs::write(&doc_path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = tokio::process::Command::new(venv.join("bin/openapi-spec-validator"))
        .args(["--validation-errors", "all"])
        .arg(&doc_path)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "/openapi.json is not a valid OpenAPI document:\n{}",
        text(&out)
    );

    let config_path = work.join("schemathesis.toml");
    std::fs::write(&config_path, config(&db).await).unwrap();
    let started = Instant::now();
    let run = tokio::process::Command::new(venv.join("bin/st"))
        .arg("--config-file")
        .arg(&config_path)
        .args([
            "run",
            &format!("http://{addr}/openapi.json"),
            "--checks",
            CHECKS,
            "--max-examples",
            &MAX_EXAMPLES.to_string(),
            "--seed",
            &SEED.to_string(),
            "--generation-database",
            "none",
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--no-color",
        ])
        .current_dir(&work)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(BUDGET, run)
        .await
        .unwrap_or_else(|_| panic!("schemathesis ran longer than {BUDGET:?}"))
        .unwrap();
    let output = text(&out);
    assert!(
        out.status.success(),
        "schemathesis found problems ({}):\n{output}",
        out.status
    );
    println!(
        "schemathesis passed in {:.1} s:\n{}",
        started.elapsed().as_secs_f64(),
        output
            .lines()
            .filter(|l| l.contains("generated") || l.contains("Links") || l.contains("passed"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    server.abort();
}

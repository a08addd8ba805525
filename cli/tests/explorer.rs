//! The explorer in a real browser against `floe up`: one network with its indexer (real
//! processes on 127.0.0.1, a real PostgreSQL database), a short history made with the `floe`
//! command (a blob stored, a model published and a license bought, a stake, epochs passing with
//! challenges answered), then headless Chromium drives the explorer
//! (`indexer/tests/explorer/check.mjs`): every page type reached by clicking, its figures equal
//! to the REST API's, the facts the CLI read from the chain shown on the blob, license and
//! address pages, search by blob ID, no console error. Each holder the blob page names is then
//! asked for its shards' slivers over the node API, and answers; another node does not.
//!
//! Without `chromium` or `node` the test says SKIPPED and checks nothing. To regenerate the
//! READMEs' screenshot: `FLOE_EXPLORER_SHOT=$PWD/indexer/explorer.png cargo test -p floe --test
//! explorer`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod support;

use support::{TestDb, eventually, ok, write_file};

const WAL: u64 = 1_000_000_000;

/// A GET over plain HTTP/1.1: (status, body).
fn get(base: &str, path: &str) -> (u16, Vec<u8>) {
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response head");
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, raw[split + 4..].to_vec())
}

fn get_json(base: &str, path: &str) -> serde_json::Value {
    let (status, body) = get(base, path);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}
/// Whether `program --version` runs.
fn found(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `floe status`'s committee: (node ID, network address) per line `  0x… at host:port`.
fn committee(home: &Path) -> Vec<(String, String)> {
    ok(home, &["status"])
        .lines()
        .filter_map(|line| line.trim().split_once(" at "))
        .filter(|(id, _)| id.starts_with("0x"))
        .map(|(id, addr)| (id.to_owned(), addr.to_owned()))
        .collect()
}

#[test]
fn the_explorer_shows_what_the_cli_did_on_floe_up() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    if !found(&chromium) || !found("node") {
        eprintln!(
            "SKIPPED the explorer test on floe up: {} not found (install Debian's `chromium` \
             and Node.js, or set CHROMIUM)",
            if found("node") {
                chromium.as_str()
            } else {
                "node"
            }
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let home = home.as_path();
    let db = TestDb::new("explorer");
    let url = db.url();
    let started = Instant::now();
    let up = support::start_up(
        home,
        &[
            "--api",
            "127.0.0.1:0",
            "--epoch-secs",
            "5",
            "--database-url",
            &url,
        ],
    );
    let api = up.lines["api"].clone();
    let p = |path: &Path| path.to_str().unwrap().to_owned();

    // A history made with the CLI: a blob, a model version sold under license, a stake.
    let me = ok(home, &["account", "new", "--wal", "500"]);
    let file = write_file(dir.path(), "data.bin", 100_000, 7);
    let blob = ok(home, &["store", &p(&file), "--epochs", "20"]);
    let model = ok(
        home,
        &[
            "model",
            "create",
            "explorer-llm",
            "--description",
            "browser test",
        ],
    );
    let weights = write_file(dir.path(), "weights.bin", 40_000, 8);
    let model_blob = ok(
        home,
        &[
            "model",
            "publish",
            &model,
            &p(&weights),
            "--architecture",
            "transformer",
            "--metric",
            "accuracy=91",
        ],
    );
    let offer = ok(
        home,
        &[
            "license",
            "offer",
            &model,
            "--price",
            "2",
            "--window-secs",
            "3600",
        ],
    );
    let buyer = ok(home, &["account", "new", "--wal", "50"]);
    let license = ok(home, &["--as", &buyer, "license", "buy", &offer]);
    let nodes = committee(home);
    assert_eq!(nodes.len(), 4, "{nodes:?}");
    ok(home, &["stake", &nodes[1].0, "100"]);

    // What the chain says, read with the CLI.
    let status: serde_json::Value =
        serde_json::from_str(&ok(home, &["blob-status", &blob, "--json"])).unwrap();
    assert_eq!(status["certified"], true, "{status}");
    let owned: serde_json::Value =
        serde_json::from_str(&ok(home, &["list-blobs", "--json"])).unwrap();
    let object = owned
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["blob_id"] == blob.as_str())
        .expect("list-blobs lists the stored blob")
        .clone();
    let stakes = ok(home, &["stakes"]);
    let stake_line = stakes
        .lines()
        .find(|line| line.contains(&nodes[1].0))
        .unwrap_or_else(|| panic!("floe stakes lists the stake: {stakes}"));
    assert!(stake_line.contains("100"), "{stake_line}");
    let license_shown = ok(home, &["license", "show", &license]);
    assert!(license_shown.contains(&buyer), "{license_shown}");

    // Epochs pass (the keeper issues challenges, the nodes answer), and the indexer has it all.
    eventually(
        60,
        "epoch 3, the stake and the license in the REST API",
        || {
            let storage = get_json(&api, "/v1/stats/storage");
            let epoch = storage["points"].as_array().unwrap().last().unwrap()["epoch"]
                .as_i64()
                .unwrap();
            let (s, stakes) = get(&api, &format!("/v1/addresses/{me}/stakes"));
            let (l, _) = get(&api, &format!("/v1/licenses/{license}"));
            epoch >= 3
                && s == 200
                && String::from_utf8_lossy(&stakes).contains(&nodes[1].0)
                && l == 200
        },
    );
    eventually(30, "an answered challenge", || {
        let (status, body) = get(&api, "/v1/challenges?status=answered");
        status == 200 && String::from_utf8_lossy(&body).contains("challenge_id")
    });
    let history_secs = started.elapsed().as_secs_f64();

    let chain = serde_json::json!({
        "blob": {
            "blob_id": blob,
            "object_id": object["object_id"],
            "size": status["size"],
            "end_epoch": status["end_epoch"],
            "certified_epoch": object["certified_epoch"],
        },
        "model_version": { "blob_id": model_blob, "model_id": model, "version": 1 },
        "license": { "license_id": license, "holder": buyer },
        "stake": { "address": me, "node_id": nodes[1].0, "amount": (100 * WAL).to_string() },
    });
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-floe-up");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../indexer/tests/explorer/check.mjs");
    let browser_started = Instant::now();
    let mut command = Command::new("node");
    command
        .args(["--experimental-websocket", "--no-warnings"])
        .arg(&script)
        .arg(&api)
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .env("EXPECT_BLOB_ID", &blob)
        .env("EXPECT_ADDRESS", &me)
        .env("EXPECT_MODEL_NAME", "explorer-llm")
        .env("EXPECT_CHAIN", chain.to_string());
    if let Ok(shot) = std::env::var("FLOE_EXPLORER_SHOT") {
        command.env("README_SHOT", shot);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "explorer check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();

    // The holders the blob page names are the committee `floe status` reads from the chain,
    // and each serves the slivers of its shards; a node asked for a shard it lacks does not.
    let holders = report["holders"].as_array().unwrap();
    assert_eq!(holders.len(), nodes.len(), "{report}");
    let now = committee(home);
    for (i, holder) in holders.iter().enumerate() {
        let id = holder["node_id"].as_str().unwrap();
        let address = holder["address"].as_str().unwrap();
        assert!(
            now.iter().any(|(n, a)| n == id && a == address),
            "holder {id} at {address} is not in the chain's committee {now:?}"
        );
        let other = holders[(i + 1) % holders.len()]["address"]
            .as_str()
            .unwrap();
        for shard in holder["shards"].as_array().unwrap() {
            let path = format!("/v1/blobs/{blob}/shards/{shard}/primary");
            let (status, body) = get(&format!("http://{address}"), &path);
            assert_eq!(
                status,
                200,
                "{address}{path}: {}",
                String::from_utf8_lossy(&body)
            );
            let (status, _) = get(&format!("http://{other}"), &path);
            assert_ne!(status, 200, "{other} also served shard {shard}");
        }
    }
    eprintln!(
        "explorer on floe up: history in {history_secs:.1} s, browser check in {:.1} s: {} \
         (screenshots in {})",
        browser_started.elapsed().as_secs_f64(),
        stdout.trim(),
        shots.display()
    );
    drop(up);
}

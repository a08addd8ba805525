//! The explorer in a real browser against `floe up`: one network with its indexer (real
//! processes on 127.0.0.1, a real PostgreSQL database), a short history made with the `floe`
//! command (a blob stored, a model published and a license bought, a stake, epochs passing with
//! challenges answered, and node-3 run dishonest, `--dishonest-node 3`, so it leaves its
//! challenges unanswered and the keeper slashes it), then headless Chromium drives the explorer
//! (`indexer/tests/explorer/check.mjs`): every page type reached by clicking, its figures and
//! charts equal to the REST API's, the facts the CLI read from the chain shown on the blob,
//! license and address pages, search by blob ID, no console error. Each holder the blob page
//! names is then asked for its shards' slivers over the node API, and answers; another node
//! does not. What the overview and the slashed node's page showed (slashes, total burned, the
//! burn chart's slashing burns, the node's total slashed, challenges and record) is compared
//! with the events of the chain's checkpoint files, decoded with the sdk, at the checkpoint
//! each figure was current to.
//!
//! Without `chromium` or `node` the test says SKIPPED and checks nothing. To regenerate the
//! READMEs' screenshot: `FLOE_EXPLORER_SHOT=$PWD/indexer/explorer.png cargo test -p floe --test
//! explorer`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use floe_sdk::move_types::{self, events as ev};
use serde_json::Value;

mod support;

use support::{TestDb, eventually, get, get_json, ok, write_file};

const WAL: u64 = 1_000_000_000;

/// Whether `program --version` runs.
fn found(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The node (dishonest on purpose) whose challenges go unanswered, by `floe up`'s index.
const DISHONEST: usize = 3;

/// `wal.move`'s `SOURCE_SLASHING`: the burn source of slashed stake.
const SOURCE_SLASHING: u8 = 1;

/// One floe event of `floe up`'s chain, from its checkpoint files, decoded with the sdk's types
/// (not the indexer's code).
struct ChainEvent {
    checkpoint: u64,
    timestamp_ms: u64,
    name: String,
    contents: Vec<u8>,
}

impl ChainEvent {
    fn decode<T: serde::de::DeserializeOwned>(&self) -> T {
        bcs::from_bytes(&self.contents).unwrap()
    }
}

/// Every event of the package in the checkpoint files of `home`'s devnet, 0 up to the last
/// file written (files appear whole: the devnet renames them into place).
fn chain_events(home: &Path) -> Vec<ChainEvent> {
    let network =
        floe_sdk::NetworkConfig::from_file(home.join("devnet").join("network.toml")).unwrap();
    let package = network
        .original_package_id
        .or(network.package_id)
        .expect("network.toml names the package");
    let dir = home.join("devnet").join("checkpoints");
    let mut out = Vec::new();
    for seq in 0.. {
        let path = dir.join(floe_devnet::checkpoint_files::file_name(seq));
        if !path.exists() {
            break;
        }
        let checkpoint = floe_devnet::checkpoint_files::read(&path).unwrap();
        let stamp = checkpoint.summary.as_ref().unwrap().timestamp.unwrap();
        let timestamp_ms = u64::try_from(stamp.seconds).unwrap() * 1000
            + u64::try_from(stamp.nanos).unwrap() / 1_000_000;
        for tx in &checkpoint.transactions {
            let Some(events) = &tx.events else { continue };
            for event in &events.events {
                let event = sui_sdk_types::Event::try_from(event).unwrap();
                if *event.type_.address() == package {
                    out.push(ChainEvent {
                        checkpoint: seq,
                        timestamp_ms,
                        name: event.type_.name().to_string(),
                        contents: event.contents,
                    });
                }
            }
        }
    }
    out
}

/// The events named `name` at checkpoints up to `last`, decoded.
fn named<'a, T: serde::de::DeserializeOwned>(
    events: &'a [ChainEvent],
    name: &str,
    last: u64,
) -> Vec<(&'a ChainEvent, T)> {
    events
        .iter()
        .filter(|e| e.name == name && e.checkpoint <= last)
        .map(|e| (e, e.decode()))
        .collect()
}

fn id(id: &move_types::ID) -> String {
    move_types::address_of(id).to_string()
}

fn u(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        v => v.as_u64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

/// What the pages showed about the slashed node (check.mjs's report `slashed`), against the
/// chain's events at the checkpoint each list or figure was current to: the overview's slashes
/// are the chain's `PoolSlashed` events newest first (all of them, fewer than a page; the page
/// asks for `order=desc`), its total burned the
/// last `WalBurned`'s total, the burn chart's `slashing` bar of each epoch the slashing burns
/// whose checkpoint time falls in that epoch (`EpochAdvanced`'s start times); the node page's
/// total slashed the sum of its `PoolSlashed` amounts, its slashes its `PoolSlashed` events newest
/// first, its challenges its `ChallengeIssued` events (newest, highest ID, first), each answered,
/// slashed or still issued as the
/// chain's `ChallengeAnswered`/`ChallengeSlashed` say.
fn slashes_match_the_chain(home: &Path, node_id: &str, shown: &Value) {
    let events = chain_events(home);
    let overview = &shown["overview"];
    let node = &shown["node"];

    // Newest first, as the explorer lists them.
    let slash_rows = |last: u64, only: Option<&str>| -> Vec<Value> {
        named::<ev::PoolSlashed>(&events, "PoolSlashed", last)
            .into_iter()
            .rev()
            .filter(|(_, s)| only.is_none_or(|n| id(&s.node_id) == n))
            .map(|(e, s)| {
                serde_json::json!({
                    "checkpoint": e.checkpoint.to_string(),
                    "epoch": s.epoch.to_string(),
                    "node_id": id(&s.node_id),
                    "amount": s.amount.to_string(),
                    "pool_stake": s.pool_stake.to_string(),
                })
            })
            .collect()
    };
    let at = u(&overview["slashes_checkpoint"]);
    let chain_slashes = slash_rows(at, None);
    assert!(
        chain_slashes.len() < 20,
        "more slashes than the overview lists: {chain_slashes:?}"
    );
    assert_eq!(
        overview["slashes"].as_array().unwrap(),
        &chain_slashes,
        "the overview's slashes at checkpoint {at} against the chain's PoolSlashed events"
    );
    assert!(
        chain_slashes.iter().any(|s| s["node_id"] == node_id),
        "{chain_slashes:?}"
    );

    let at = u(&overview["total_burned"]["checkpoint"]);
    let burns = named::<ev::WalBurned>(&events, "WalBurned", at);
    let (_, last) = burns.last().expect("WAL was burned");
    assert_eq!(
        u(&overview["total_burned"]["value"]),
        last.total_burned,
        "total burned at checkpoint {at}"
    );

    let chart = &overview["burn_chart"];
    let at = u(&chart["checkpoint"]);
    let starts: BTreeMap<u64, u64> = named::<ev::EpochAdvanced>(&events, "EpochAdvanced", at)
        .into_iter()
        .map(|(_, e)| (e.epoch, e.epoch_start_ms))
        .collect();
    let epoch_at = |ms: u64| -> u64 {
        *starts
            .iter()
            .rev()
            .find(|&(_, &start)| start <= ms)
            .expect("a burn after genesis")
            .0
    };
    let mut slashing: BTreeMap<u64, u64> = BTreeMap::new();
    for (e, burn) in &named::<ev::WalBurned>(&events, "WalBurned", at) {
        if burn.source == SOURCE_SLASHING {
            *slashing.entry(epoch_at(e.timestamp_ms)).or_default() += burn.amount;
        }
    }
    assert!(
        !slashing.is_empty(),
        "no slashing burn on the chain by checkpoint {at}"
    );
    let epochs: Vec<u64> = chart["epochs"].as_array().unwrap().iter().map(u).collect();
    let series = chart["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "slashing")
        .unwrap_or_else(|| panic!("the burn chart has no slashing series: {chart}"));
    for (epoch, value) in epochs.iter().zip(series["values"].as_array().unwrap()) {
        assert_eq!(
            u(value),
            slashing.get(epoch).copied().unwrap_or(0),
            "slashing burns of epoch {epoch} in the chart at checkpoint {at}; chain: {slashing:?}"
        );
    }
    assert!(
        slashing.keys().all(|e| epochs.contains(e)),
        "the chart's epochs {epochs:?} miss some of {slashing:?}"
    );

    let at = u(&node["node_checkpoint"]);
    let total: u64 = named::<ev::PoolSlashed>(&events, "PoolSlashed", at)
        .iter()
        .filter(|(_, s)| id(&s.node_id) == node_id)
        .map(|(_, s)| s.amount)
        .sum();
    assert!(total > 0);
    assert_eq!(
        u(&node["total_slashed"]),
        total,
        "total slashed at checkpoint {at}"
    );
    let at = u(&node["slashes_checkpoint"]);
    assert_eq!(
        node["slashes"].as_array().unwrap(),
        &slash_rows(at, Some(node_id)),
        "the node page's slashes at checkpoint {at}"
    );

    let at = u(&node["challenges_checkpoint"]);
    let answered: Vec<u64> = named::<ev::ChallengeAnswered>(&events, "ChallengeAnswered", at)
        .iter()
        .map(|(_, c)| c.challenge_id)
        .collect();
    let slashed: Vec<u64> = named::<ev::ChallengeSlashed>(&events, "ChallengeSlashed", at)
        .iter()
        .map(|(_, c)| c.challenge_id)
        .collect();
    let issued: Vec<Value> = named::<ev::ChallengeIssued>(&events, "ChallengeIssued", at)
        .iter()
        .filter(|(_, c)| id(&c.node_id) == node_id)
        .map(|(_, c)| {
            let status = if slashed.contains(&c.challenge_id) {
                "slashed"
            } else if answered.contains(&c.challenge_id) {
                "answered"
            } else {
                "issued"
            };
            serde_json::json!({ "challenge_id": c.challenge_id.to_string(), "status": status })
        })
        .collect();
    assert!(
        issued.len() < 50,
        "more challenges than the node page lists"
    );
    let shown_challenges = node["challenges"].as_array().unwrap().clone();
    let mut chain_challenges = issued.clone();
    let key = |v: &Value| std::cmp::Reverse(u(&v["challenge_id"]));
    chain_challenges.sort_by_key(key);
    assert_eq!(
        shown_challenges, chain_challenges,
        "the node page's challenges at checkpoint {at}, newest first"
    );
    let count = |st: &str| issued.iter().filter(|c| c["status"] == st).count() as u64;
    for st in ["answered", "slashed", "issued"] {
        assert_eq!(u(&node["record"][st]), count(st), "challenge record: {st}");
    }
    assert_eq!(
        count("answered"),
        0,
        "the dishonest node answered a challenge: {issued:?}"
    );
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
            "--dishonest-node",
            &DISHONEST.to_string(),
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
    // A permanent blob shared with 1 WAL of funds, for the blob page's shared-blob line.
    let shared_file = write_file(dir.path(), "shared.bin", 20_000, 9);
    let shared_data = ok(home, &["store", &p(&shared_file), "--epochs", "20"]);
    let listed: serde_json::Value =
        serde_json::from_str(&ok(home, &["list-blobs", "--json"])).unwrap();
    let shared_object = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["blob_id"] == shared_data.as_str())
        .expect("list-blobs lists the blob to share")["object_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shared = ok(home, &["share", &shared_object, "--amount", "1"]);

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
        "epoch 3, the stake, the license and the shared blob in the REST API",
        || {
            let storage = get_json(&api, "/v1/stats/storage");
            let epoch = storage["points"].as_array().unwrap().last().unwrap()["epoch"]
                .as_i64()
                .unwrap();
            let (s, stakes) = get(&api, &format!("/v1/addresses/{me}/stakes"));
            let (l, _) = get(&api, &format!("/v1/licenses/{license}"));
            let (sh, _) = get(&api, &format!("/v1/shared-blobs/{shared}"));
            epoch >= 3 && s == 200 && stakes.contains(&nodes[1].0) && l == 200 && sh == 200
        },
    );
    eventually(30, "an answered challenge", || {
        let (status, body) = get(&api, "/v1/challenges?status=answered");
        status == 200 && body.contains("challenge_id")
    });
    // The dishonest node (named node-3 by `floe up`) misses its challenges; the keeper slashes
    // each after its deadline.
    let dishonest = get_json(&api, "/v1/nodes?limit=100")["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == format!("node-{DISHONEST}"))
        .expect("the dishonest node is registered")["node_id"]
        .as_str()
        .unwrap()
        .to_owned();
    eventually(60, "a slash of the dishonest node in the REST API", || {
        let (status, body) = get(&api, &format!("/v1/slashes?node_id={dishonest}"));
        status == 200 && body.contains("pool_stake")
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
        .env("EXPECT_SLASHED_NODE", &dishonest)
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
    slashes_match_the_chain(home, &dishonest, &report["slashed"]);
    // The one shared blob's page showed its line (check.mjs compared it with the API).
    assert_eq!(
        report["shared_blob"],
        format!("checked on the page of {shared_data}"),
        "{report}"
    );

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
            assert_eq!(status, 200, "{address}{path}: {body}");
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

//! Attacks on `floe`'s value rules, through a real `floe up` and the `floe` command, and the
//! network healing itself around them with no operator action (issues 12 and 13).
//!
//! One network (4 nodes, 10 shards, 4 s epochs, the indexer on a fresh database) runs node 2
//! as a dishonest operator's (`--dishonest-node 2`: it never answers a challenge) and a keeper
//! that leaves slashing to others (`--keeper-leaves-slashing`), so node 2's own operator is
//! the one who slashes it, with its own key, through `floe challenge slash`:
//!
//! - **Attack 1, self-slashing for profit**: the operator stakes in its node, skips the
//!   node's challenge and slashes it. The pool loses `slash_bps` of the stake at risk when the
//!   challenge was issued, all of it burned (the default `slash_burn_bps`, so no other pool —
//!   a second node of the same operator included — gains); the operator's WAL balance is
//!   unchanged (it paid gas only) and the command says the caller gets nothing. A delegator
//!   who stakes with the node after the miss, in the missed epoch, loses 0 WAL: the slash
//!   lands before the epoch change that activates the stake (`challenge::advance_epoch`
//!   settles the epoch's challenges first; the keeper, leaving slashing to others, waits an
//!   epoch length past the deadline before it advances and slashes whatever is left).
//! - **Issue 13 on `floe up`**: stake changes move shards at epoch changes; the honest nodes
//!   that gain shards fetch their pairs and signal sync on their own; every challenge issued
//!   to an honest node is answered, only the dishonest node is slashed, and the blob stored at
//!   the start reads back byte for byte at the end, while a blob deleted at the start is gone
//!   from every node, which answers 404 "Blob deleted".

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

mod support;

use support::{TestDb, eventually, fails, floe, get, get_json, ok, write_file};

const WAL: u64 = 1_000_000_000;
/// The node run dishonest, by `floe up`'s index.
const DISHONEST: usize = 2;
/// `system.move`'s defaults: a slash takes 10 % of the stake at risk and burns all of it.
const SLASH_BPS: u64 = 1_000;

/// A `floe` command as node 2's operator: its own home holding only the operator's key (the
/// `operator.keystore` `floe up` made for the node), on the same network.
struct Operator {
    home: PathBuf,
    network: String,
}

impl Operator {
    fn args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["--network", self.network.as_str()];
        all.extend_from_slice(args);
        all
    }

    /// Runs a command that must succeed. The operator's node signs its sync signals with the
    /// same account, so a transaction that lost its gas coin to one of them is tried again.
    fn ok(&self, args: &[&str]) -> String {
        for attempt in 1.. {
            let out = floe(&self.home, &self.args(args));
            if out.status.success() {
                return String::from_utf8(out.stdout).unwrap().trim().to_owned();
            }
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                attempt < 3 && !stderr.contains("aborted"),
                "operator: floe {args:?} failed:\n{stderr}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        unreachable!()
    }

    /// (SUI, WAL) of the operator's account, as `floe account list` prints them.
    fn balances(&self) -> (f64, String) {
        let listing = self.ok(&["account", "list"]);
        let row = listing.lines().nth(1).expect("the operator's account row");
        let cells: Vec<&str> = row.split_whitespace().collect();
        (cells[1].parse().unwrap(), cells[2].to_owned())
    }
}

/// The current epoch, from `floe status`.
fn epoch(home: &Path) -> u64 {
    let status = ok(home, &["status"]);
    let line = status
        .lines()
        .find(|l| l.starts_with("epoch"))
        .expect("an epoch line");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Open challenges of `node` as `floe challenge list --json` prints them.
fn open_challenges(home: &Path, node: &str) -> Vec<serde_json::Value> {
    let listing = ok(home, &["challenge", "list", "--node", node, "--json"]);
    serde_json::from_str::<serde_json::Value>(&listing)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The first open challenge of `node` issued in `min_epoch` or later whose deadline is still
/// ahead (so its epoch has some time left).
fn open_challenge(home: &Path, node: &str, min_epoch: u64) -> serde_json::Value {
    let mut found = None;
    eventually(40, "an open challenge of the dishonest node", || {
        found = open_challenges(home, node)
            .into_iter()
            .find(|c| c["missed"] == false && c["epoch"].as_u64().unwrap() >= min_epoch);
        found.is_some()
    });
    found.unwrap()
}

/// The first open challenge of `node` issued in `min_epoch` or later whose deadline passed.
fn missed_challenge(home: &Path, node: &str, min_epoch: u64) -> serde_json::Value {
    let mut found = None;
    eventually(40, "a missed challenge of the dishonest node", || {
        found = open_challenges(home, node)
            .into_iter()
            .find(|c| c["missed"] == true && c["epoch"].as_u64().unwrap() >= min_epoch);
        found.is_some()
    });
    found.unwrap()
}

/// The committee of `epoch` from the REST API: node ID → shard count.
fn committee(api: &str, epoch: u64) -> Vec<(String, u64)> {
    get_json(api, &format!("/v1/epochs/{epoch}/committee?limit=100"))["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["node_id"].as_str().unwrap().to_owned(),
                m["shard_count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn an_operator_gains_nothing_by_slashing_its_own_node_and_the_network_heals_itself() {
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let home = home.as_path();
    let db = TestDb::new("attacks");
    let url = db.url();
    let dishonest = DISHONEST.to_string();
    let up = support::start_up(
        home,
        &[
            "--api",
            "127.0.0.1:0",
            "--database-url",
            &url,
            "--epoch-secs",
            "4",
            "--dishonest-node",
            &dishonest,
            "--keeper-leaves-slashing",
            "--aggregator",
            "127.0.0.1:0",
            "--publisher",
            "127.0.0.1:0",
        ],
    );
    let api = up.lines["api"].clone();
    let p = |path: &Path| path.to_str().unwrap().to_owned();

    // Node 2's ID: the committee member at the address floe up printed for it.
    let node_url = &up.lines[&format!("node-{DISHONEST}")];
    let address = node_url.trim_start_matches("http://");
    let status = ok(home, &["status"]);
    let node = status
        .lines()
        .find(|l| l.trim_end().ends_with(&format!("at {address}")))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("node-{DISHONEST} at {address} in:\n{status}"))
        .to_owned();

    // A user with a blob, so the keeper issues challenges.
    ok(home, &["account", "new", "--wal", "10000"]);
    let file = write_file(dir.path(), "data.bin", 300_000, 7);
    let blob = ok(home, &["store", &p(&file), "--epochs", "30"]);
    let stored_in = epoch(home);
    // And a deletable one, deleted at once: the nodes must collect it on their own.
    let doomed = write_file(dir.path(), "doomed.bin", 50_000, 8);
    let doomed: serde_json::Value = serde_json::from_str(&ok(
        home,
        &[
            "store",
            &p(&doomed),
            "--epochs",
            "30",
            "--deletable",
            "--json",
        ],
    ))
    .unwrap();
    let doomed_blob = doomed["blob_id"].as_str().unwrap().to_owned();
    ok(home, &["delete", doomed["blob_object"].as_str().unwrap()]);

    // The operator, with its node's own key, stakes in its node too.
    let operator = Operator {
        home: dir.path().join("operator"),
        network: p(&home.join("devnet").join("network.toml")),
    };
    std::fs::create_dir_all(&operator.home).unwrap();
    std::fs::copy(
        home.join("nodes")
            .join(format!("node-{DISHONEST}"))
            .join("operator.keystore"),
        operator.home.join("keystore"),
    )
    .unwrap();
    let operator_address = operator
        .ok(&["account", "list"])
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    operator.ok(&["account", "fund", "--wal", "1000"]);
    let operator_stake = operator.ok(&["stake", &node, "1000"]);
    let stakes = operator.ok(&["stakes"]);
    let active_from: u64 = stakes
        .lines()
        .find(|l| l.starts_with(&operator_stake))
        .and_then(|l| l.split("epoch ").nth(1))
        .unwrap_or_else(|| panic!("the operator's stake in:\n{stakes}"))
        .trim()
        .parse()
        .unwrap();

    // Attack 1. The node skips a challenge issued while the operator's stake was at risk.
    // The keeper leaves slashing to others, so the epoch change waits an epoch length past
    // the missed deadline before slashing it itself: the operator slashes in that time.
    let (sui_before, wal_before) = operator.balances();
    let first = open_challenge(home, &node, active_from);
    let first_id = first["id"].as_u64().unwrap().to_string();
    let missed_in = first["epoch"].as_u64().unwrap();
    let at_risk = first["stake_at_risk"].as_u64().unwrap();
    // After the challenge was issued (its stake at risk recorded), in the same epoch, a
    // delegator stakes with the node: active from the next epoch on, so a slash of this
    // challenge must not reach it.
    let late = 5_000 * WAL;
    let late_stake = ok(home, &["stake", &node, "5000"]);
    let first = missed_challenge(home, &node, missed_in);
    assert_eq!(first["id"].as_u64().unwrap().to_string(), first_id);

    // The operator slashes its own node, and is told it gains nothing.
    let said = operator.ok(&["challenge", "slash", &first_id]);
    assert!(
        said.contains("you       0 WAL: challenge::slash_missed pays its caller nothing"),
        "{said}"
    );
    assert!(said.contains("(slash_bps)"), "{said}");
    let (sui_after, wal_after) = operator.balances();
    assert_eq!(wal_after, wal_before, "the operator's WAL changed:\n{said}");
    assert!(
        sui_after < sui_before,
        "the slash cost the operator gas only"
    );
    let late_from: u64 = ok(home, &["stakes"])
        .lines()
        .find(|l| l.starts_with(&late_stake))
        .and_then(|l| l.split("epoch ").nth(1))
        .expect("the late stake in `floe stakes`")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        late_from,
        missed_in + 1,
        "the late stake was made in the missed epoch"
    );

    // The chain, as the indexer saw it: the slash took 10 % of the stake at risk when the
    // challenge was issued, nothing went to the caller and all of it was burned.
    let mut recorded = serde_json::Value::Null;
    eventually(20, "the slash in the REST API", || {
        let (code, body) = get(&api, &format!("/v1/challenges/{first_id}"));
        if code == 200 {
            recorded = serde_json::from_str::<serde_json::Value>(&body).unwrap()["item"].take();
        }
        recorded["status"] == "slashed"
    });
    let slashed = recorded["slashed"].as_u64().unwrap();
    assert_eq!(slashed, at_risk * SLASH_BPS / 10_000, "{recorded}");
    assert_eq!(recorded["reward"].as_u64(), Some(0), "{recorded}");
    assert_eq!(
        recorded["slashed_by"].as_str(),
        Some(operator_address.as_str())
    );
    assert_eq!(recorded["burned"].as_u64(), Some(slashed), "{recorded}");
    // The pool the slash was taken from held exactly the stake at risk: the late 5 000 WAL
    // were still pending (a slash lands in its challenge's epoch, before the change that
    // activates them), so they lost nothing of it. Before `challenge::advance_epoch` this
    // slash could land after the change and the late stake shared it pro rata (497.5 WAL).
    let mut slash_row = serde_json::Value::Null;
    eventually(20, "the pool's slash in the REST API", || {
        let rows = get_json(&api, &format!("/v1/slashes?node_id={node}&limit=1000"));
        if let Some(row) = rows["items"].as_array().unwrap().iter().find(|r| {
            r["epoch"].as_u64() == Some(missed_in) && r["amount"].as_u64() == Some(slashed)
        }) {
            slash_row = row.clone();
        }
        !slash_row.is_null()
    });
    // Every staker of the pool lost the same fraction of the pool the slash was taken from;
    // whatever that pool held beyond the stake at risk joined after the miss.
    let pool_slashed = slash_row["pool_stake"].as_u64().unwrap() + slashed;
    let joined_after = pool_slashed.saturating_sub(at_risk).min(late);
    let late_loss = u128::from(joined_after) * u128::from(slashed) / u128::from(pool_slashed);
    assert_eq!(late_loss, 0, "the late stake shared the slash: {slash_row}");
    assert_eq!(pool_slashed, at_risk, "{slash_row}");
    // Everything slashed was burned, as the indexer's slashing burns record.
    let digest = slash_row["tx_digest"].as_str().unwrap().to_owned();
    eventually(20, "the slash's burn in the REST API", || {
        get_json(&api, "/v1/burns?limit=1000")["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| {
                b["tx_digest"] == digest.as_str()
                    && b["source_name"] == "slashing"
                    && b["amount"].as_u64() == Some(slashed)
            })
    });
    // The late stake joins at the change, at the rate taken after the slash.
    eventually(20, "the late stake to become active", || {
        epoch(home) > missed_in
    });
    let mut pool = 0;
    eventually(20, "the indexer to see the late stake", || {
        pool = get_json(&api, &format!("/v1/nodes/{node}"))["item"]["pool_stake"]
            .as_u64()
            .unwrap_or(0);
        pool >= at_risk - slashed + late
    });
    eprintln!(
        "attacks: the late {} WAL lost {} WAL of the {:.3} WAL slash (pool {:.3} WAL)",
        late / WAL,
        late_loss,
        slashed as f64 / WAL as f64,
        pool as f64 / WAL as f64
    );

    // Issue 13 with no operator action: the slashes and the stakes moved shards; an honest
    // node that gained shards after the blob was stored fetched their pairs and signalled
    // sync on its own.
    let members = committee(&api, epoch(home));
    let honest: Vec<String> = members
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| *n != node)
        .collect();
    let mut gained = None;
    eventually(30, "an honest node to gain shards and sync", || {
        gained = honest.iter().find_map(|n| {
            let rows = get_json(&api, &format!("/v1/nodes/{n}/sync?limit=100"));
            rows["items"].as_array().unwrap().iter().find_map(|row| {
                let synced = row["status"] == "synced";
                let epoch = row["epoch"].as_u64().unwrap();
                let shards = row["shards_gained"].as_array().map_or(0, Vec::len);
                // From the epoch change to the chain's record of the sync signal.
                let took = row["synced_at_ms"]
                    .as_u64()
                    .unwrap_or(0)
                    .saturating_sub(row["gained_at_ms"].as_u64().unwrap_or(0));
                (synced && epoch > stored_in && shards > 0)
                    .then(|| (n.clone(), epoch, shards, took))
            })
        });
        gained.is_some()
    });
    let (gainer, gained_in, shards, sync_ms) = gained.unwrap();
    let gainer_url = up
        .lines
        .iter()
        .filter(|(k, _)| k.starts_with("node-"))
        .map(|(_, url)| url.clone())
        .find(|url| {
            let address = url.trim_start_matches("http://");
            status.contains(&format!("{gainer} at {address}"))
        })
        .expect("the gaining node's URL");
    let progress = get_json(&gainer_url, "/v1/recovery");
    assert!(
        progress["pairs_transferred"].as_u64().unwrap()
            + progress["pairs_recovered"].as_u64().unwrap()
            > 0,
        "node {gainer} gained {shards} shards in epoch {gained_in} but fetched no pair: {progress}"
    );

    // Every challenge issued to an honest node was answered; only the dishonest one was
    // slashed; the blob reads back byte for byte.
    let now_epoch = epoch(home);
    eventually(
        20,
        "the indexer to reach the current epoch's challenges",
        || {
            let listed = get_json(&api, "/v1/challenges?limit=1000");
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["epoch"].as_u64() == Some(now_epoch))
        },
    );
    let listed = get_json(&api, "/v1/challenges?limit=1000");
    let mut answered = 0;
    for c in listed["items"].as_array().unwrap() {
        if c["node_id"] == node.as_str() {
            assert_ne!(c["status"], "answered", "the dishonest node answered: {c}");
            continue;
        }
        // Two epochs back: past every deadline, and ingested.
        if c["epoch"].as_u64().unwrap() + 1 < now_epoch {
            assert_eq!(c["status"], "answered", "an honest node's challenge: {c}");
            answered += 1;
        }
    }
    assert!(answered >= 3, "{listed}");
    // Slashing an answered challenge is refused before any transaction, in two lines.
    let answered_id = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "answered")
        .and_then(|c| c["challenge_id"].as_u64())
        .unwrap()
        .to_string();
    let refused = fails(home, &["challenge", "slash", &answered_id]);
    assert!(refused.contains("is not open"), "{refused}");
    assert_eq!(refused.trim_end().lines().count(), 2, "{refused}");
    // Only the dishonest node was slashed: once by its operator, and at each later epoch
    // change by the keeper's `challenge::advance_epoch`, every slash burned whole.
    let slashes = get_json(&api, "/v1/slashes?limit=1000");
    let slashes = slashes["items"].as_array().unwrap();
    assert!(!slashes.is_empty(), "{slashes:?}");
    assert!(slashes.iter().all(|s| s["node_id"] == node.as_str()));
    for c in listed["items"].as_array().unwrap() {
        if c["status"] == "slashed" {
            assert_eq!(c["burned"], c["slashed"], "{c}");
            assert_eq!(c["reward"].as_u64(), Some(0), "{c}");
        }
    }
    let copy = dir.path().join("copy.bin");
    ok(home, &["read", &blob, "--out", &p(&copy)]);
    // The deleted blob's slivers are gone from every node, which says why.
    for (name, url) in up.lines.iter().filter(|(k, _)| k.starts_with("node-")) {
        let (code, body) = get(url, &format!("/v1/blobs/{doomed_blob}/metadata"));
        assert_eq!(code, 404, "{name}: {body}");
        assert!(body.contains("Blob deleted"), "{name}: {body}");
    }
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&file).unwrap());
    eprintln!(
        "attacks: self-slash gained the operator nothing; node {gainer} synced {shards} gained shards in epoch {gained_in}, {sync_ms} ms after the epoch change; {answered} honest challenges answered; {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

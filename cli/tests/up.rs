//! `floe up` and the client commands as a user runs them: real `floe` processes on 127.0.0.1,
//! a real PostgreSQL database, real files. One network serves the whole story — accounts,
//! store and read, the REST API, epochs and challenges answered by the nodes, a model sold
//! under license — then survives a SIGKILL and a restart with every stored blob readable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod support;

use support::{Running, TestDb, eventually, fails, floe, get, ok, write_file};

/// `floe up` on free ports, with short epochs and the REST API, for one test.
fn start_up(home: &Path, db: &TestDb) -> Running {
    let url = db.url();
    support::start_up(
        home,
        &[
            "--api",
            "127.0.0.1:0",
            "--epoch-secs",
            "6",
            "--database-url",
            &url,
        ],
    )
}

#[test]
fn a_local_network_stores_reads_challenges_and_sells_licenses_across_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let home = home.as_path();
    let db = TestDb::new("up");

    // Before `floe up`, commands say what to do.
    let message = fails(home, &["status"]);
    assert!(message.contains("floe up"), "{message}");

    let up = start_up(home, &db);
    let p = |path: &Path| path.to_str().unwrap().to_owned();

    // An account, funded by the faucet.
    let me = ok(home, &["account", "new", "--wal", "500"]);
    assert!(me.starts_with("0x"), "{me}");
    let listing = ok(home, &["account", "list"]);
    assert!(
        listing.contains(&me) && listing.contains("500"),
        "{listing}"
    );

    // Store and read back; the blob ID matches the offline computation.
    let file = write_file(dir.path(), "data.bin", 200_000, 1);
    let blob = ok(home, &["store", &p(&file), "--epochs", "10"]);
    assert_eq!(ok(home, &["blob-id", &p(&file)]), blob);
    assert_eq!(ok(home, &["blob-id", &p(&file), "--shards", "10"]), blob);
    let copy = dir.path().join("copy.bin");
    ok(home, &["read", &blob, "--out", &p(&copy)]);
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&file).unwrap());

    // Bad input gets a clear message and changes nothing.
    let message = fails(home, &["read", "not-a-blob-id", "--out", &p(&copy)]);
    assert!(message.contains("is not a blob ID"), "{message}");
    let message = fails(home, &["store", &p(&dir.path().join("missing.bin"))]);
    assert!(message.contains("cannot read"), "{message}");
    let message = fails(home, &["stake", "0x1", "1.0000000001"]);
    assert!(message.contains("not a WAL amount"), "{message}");

    // The indexer serves the certified blob.
    eventually(30, "the blob in the REST API", || {
        let (status, body) = get(up.lines["api"].as_str(), &format!("/v1/blobs/{blob}"));
        status == 200 && body.contains("certified")
    });

    // The keeper moves epochs and issues challenges; the nodes answer every one on-chain.
    eventually(60, "an answered challenge", || {
        let (status, body) = get(up.lines["api"].as_str(), "/v1/challenges?status=answered");
        status == 200 && body.contains("\"challenge_id\"")
    });
    let (_, slashed) = get(up.lines["api"].as_str(), "/v1/challenges?status=slashed");
    assert!(!slashed.contains("\"challenge_id\""), "{slashed}");
    let status = ok(home, &["status"]);
    assert!(status.contains("committee  4 nodes"), "{status}");

    // A model sold under license: its blob is served to license holders only.
    let model = ok(
        home,
        &["model", "create", "tiny-llm", "--description", "test"],
    );
    let weights = write_file(dir.path(), "weights.bin", 60_000, 2);
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
    let got = dir.path().join("weights.out");
    let buyer = ok(home, &["account", "new", "--wal", "50"]);
    eventually(30, "the nodes to gate the model's blob", || {
        let out = floe(
            home,
            &["--as", &buyer, "read", &model_blob, "--out", &p(&got)],
        );
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--license")
    });
    // The owner reads their own model with its ModelCap, no license needed.
    ok(home, &["read", &model_blob, "--out", &p(&got)]);
    assert_eq!(
        std::fs::read(&got).unwrap(),
        std::fs::read(&weights).unwrap()
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
    let license = ok(home, &["--as", &buyer, "license", "buy", &offer]);
    let shown = ok(home, &["license", "show", &license]);
    assert!(
        shown.contains("valid now   yes") && shown.contains(&buyer),
        "{shown}"
    );
    ok(
        home,
        &[
            "--as",
            &buyer,
            "read",
            &model_blob,
            "--out",
            &p(&got),
            "--license",
            &license,
        ],
    );
    assert_eq!(
        std::fs::read(&got).unwrap(),
        std::fs::read(&weights).unwrap()
    );
    // The seller's own account holds no license: the CLI says whose it is before asking.
    let message = fails(
        home,
        &[
            "read",
            &model_blob,
            "--out",
            &p(&got),
            "--license",
            &license,
        ],
    );
    assert!(
        message.contains("only its holder reads with it") && message.contains(&buyer),
        "{message}"
    );

    // A use-limited license: each read consumes one use on-chain before the nodes serve it, so
    // a one-use license reads once, and the use count goes down.
    let metered = ok(
        home,
        &[
            "license",
            "offer",
            &model,
            "--price",
            "1",
            "--window-secs",
            "3600",
            "--uses",
            "1",
        ],
    );
    let one_use = ok(home, &["--as", &buyer, "license", "buy", &metered]);
    let shown = ok(home, &["license", "show", &one_use]);
    assert!(shown.contains("uses left   1"), "{shown}");
    std::fs::remove_file(&got).unwrap();
    let read_once = [
        "--as",
        &buyer,
        "read",
        &model_blob,
        "--out",
        &p(&got),
        "--license",
        &one_use,
    ];
    let first = floe(home, &read_once);
    let said = String::from_utf8_lossy(&first.stderr).into_owned();
    assert!(first.status.success(), "{said}");
    assert!(said.contains("0 use(s) left"), "{said}");
    assert_eq!(
        std::fs::read(&got).unwrap(),
        std::fs::read(&weights).unwrap()
    );
    let shown = ok(home, &["license", "show", &one_use]);
    assert!(
        shown.contains("uses left   0") && shown.contains("valid now   no"),
        "{shown}"
    );
    // The second read is refused on-chain: no use is left to consume.
    let message = fails(home, &read_once);
    assert!(message.contains("ENoUsesLeft"), "{message}");
    // The receipt of the first read serves its session (a retry), to its consumer only.
    let receipt = said
        .split_whitespace()
        .skip_while(|w| *w != "receipt")
        .nth(1)
        .unwrap()
        .to_owned();
    let by_receipt = [
        "--as",
        &buyer,
        "read",
        &model_blob,
        "--out",
        &p(&got),
        "--license",
        &receipt,
    ];
    ok(home, &by_receipt);
    let message = fails(home, &by_receipt[2..]);
    assert!(message.contains("refused license"), "{message}");
    let shown = ok(home, &["license", "show", &one_use]);
    assert!(shown.contains("uses left   0"), "{shown}");

    // A crash loses nothing acknowledged: after SIGKILL and a restart, both blobs read back.
    up.kill();
    let message = fails(
        home,
        &["up", "--nodes", "5", "--shards", "10", "--epoch-secs", "6"],
    );
    assert!(message.contains("started with 4 nodes"), "{message}");
    let up = start_up(home, &db);
    let again = dir.path().join("again.bin");
    ok(home, &["read", &blob, "--out", &p(&again)]);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&file).unwrap()
    );
    ok(
        home,
        &[
            "--as",
            &buyer,
            "read",
            &model_blob,
            "--out",
            &p(&again),
            "--license",
            &license,
        ],
    );
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&weights).unwrap()
    );
    let (status, _) = get(up.lines["api"].as_str(), &format!("/v1/blobs/{model_blob}"));
    assert_eq!(status, 200);
    assert!(up.terminate().success(), "floe up exits cleanly on SIGTERM");
}

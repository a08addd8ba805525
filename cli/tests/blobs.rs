//! Managing blobs from the `floe` command as a user does: store deletable and permanent blobs,
//! list them, extend, check their status on-chain, delete; share a blob that other accounts
//! fund and extend from its funds; a store that failed after paying is
//! finished by the next `floe store` without paying again; a file too big for the network is
//! refused before it is read; `floe blob-status` names a blob's shared copies (through the
//! indexer). Real `floe` processes on 127.0.0.1 (one `floe up` with its indexer).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod support;

use floe_sdk::{Floe, Keystore, NetworkConfig};
use serde_json::Value;
use support::{TestDb, eventually, fails, floe, ok, write_file};
/// `floe list-blobs --json`: the caller's blob objects.
fn list(home: &Path) -> Vec<Value> {
    let text = ok(home, &["list-blobs", "--json"]);
    let Value::Array(rows) = serde_json::from_str(&text).unwrap() else {
        panic!("list-blobs --json printed no array: {text}");
    };
    rows
}

fn rows_of<'a>(rows: &'a [Value], blob_id: &str) -> Vec<&'a Value> {
    rows.iter().filter(|r| r["blob_id"] == blob_id).collect()
}

/// The first account of the home, through the sdk (as a program using Floe would).
fn sdk(home: &Path, runtime: &tokio::runtime::Runtime) -> Floe {
    let network = NetworkConfig::from_file(home.join("devnet").join("network.toml")).unwrap();
    let key = Keystore::load(home.join("keystore"))
        .unwrap()
        .first()
        .unwrap()
        .clone();
    runtime.block_on(Floe::connect(&network, key)).unwrap()
}

/// `base_units` as the CLI's `--amount` takes them (9 decimals).
fn wal(base_units: u64) -> String {
    let text = format!(
        "{}.{:09}",
        base_units / 1_000_000_000,
        base_units % 1_000_000_000
    );
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}

fn wal_balance(floe: &mut Floe, runtime: &tokio::runtime::Runtime) -> u64 {
    let wal = floe_sdk::move_types::wal_type(floe.objects.original_package).to_string();
    let me = floe.sender();
    runtime.block_on(floe.client.balance(me, &wal)).unwrap()
}

#[test]
fn blobs_are_listed_extended_deleted_shared_and_a_failed_store_is_resumed_without_paying_twice() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let home = home.as_path();
    let p = |path: &Path| path.to_str().unwrap().to_owned();
    // Default epochs (5 minutes): no epoch change during the test.
    let db = TestDb::new("blobs");
    let url = db.url();
    let _up = support::start_up(home, &["--api", "127.0.0.1:0", "--database-url", &url]);
    ok(home, &["account", "new", "--wal", "500"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut sdk = sdk(home, &runtime);
    let epoch = runtime.block_on(sdk.system()).unwrap().epoch;

    // A deletable blob: listed as certified and deletable, ending `--epochs` from now.
    let file = write_file(dir.path(), "deletable.bin", 50_000, 1);
    let blob = ok(home, &["store", &p(&file), "--epochs", "3", "--deletable"]);
    let rows = list(home);
    let mine = rows_of(&rows, &blob);
    assert_eq!(mine.len(), 1, "{rows:?}");
    let row = mine[0];
    assert_eq!(row["certified"], true, "{row}");
    assert_eq!(row["deletable"], true, "{row}");
    assert_eq!(row["size"], 50_000, "{row}");
    assert_eq!(row["end_epoch"], epoch + 3, "{row}");
    let object = row["object_id"].as_str().unwrap().to_owned();
    let table = ok(home, &["list-blobs"]);
    assert!(
        table.contains(&blob) && table.contains(&object) && table.contains("certified"),
        "{table}"
    );

    // Extend by 2 epochs, paid in WAL: the new end epoch and the price are printed, the
    // registry agrees, and the WAL balance dropped by that price.
    let before = wal_balance(&mut sdk, &runtime);
    let extended = ok(home, &["extend", &object, "--epochs", "2"]);
    let after = wal_balance(&mut sdk, &runtime);
    assert!(
        extended.starts_with(&format!("end epoch {} (was {})", epoch + 5, epoch + 3)),
        "{extended}"
    );
    let paid = extended
        .split("paid ")
        .nth(1)
        .unwrap()
        .trim_end_matches(" WAL");
    let paid_units = (paid.parse::<f64>().unwrap() * 1e9).round() as u64;
    assert!(paid_units > 0, "{extended}");
    assert_eq!(before - after, paid_units, "{extended}");
    let status: Value = serde_json::from_str(&ok(home, &["blob-status", &blob, "--json"])).unwrap();
    assert_eq!(status["certified"], true, "{status}");
    assert_eq!(status["end_epoch"], epoch + 5, "{status}");
    assert_eq!(status["references"], 1, "{status}");
    let text = ok(home, &["blob-status", &blob]);
    assert!(
        text.contains(&format!("until epoch {}", epoch + 5)),
        "{text}"
    );
    // Extending past the network's horizon is refused before paying.
    let message = fails(home, &["extend", &object, "--epochs", "100000"]);
    assert!(message.contains("out of range"), "{message}");

    // Delete it: gone from the list, no longer certified.
    ok(home, &["delete", &object]);
    assert!(rows_of(&list(home), &blob).is_empty());
    let status: Value = serde_json::from_str(&ok(home, &["blob-status", &blob, "--json"])).unwrap();
    assert_eq!(status["certified"], false, "{status}");
    let message = fails(home, &["delete", &object]);
    assert!(message.contains("no object"), "{message}");

    // A permanent blob cannot be deleted: the Move abort, by name, with what it means.
    let file = write_file(dir.path(), "permanent.bin", 30_000, 2);
    let permanent = ok(home, &["store", &p(&file), "--epochs", "2"]);
    let rows = list(home);
    let row = rows_of(&rows, &permanent)[0];
    assert_eq!(row["deletable"], false, "{row}");
    let message = fails(home, &["delete", row["object_id"].as_str().unwrap()]);
    assert!(message.contains("ENotDeletable"), "{message}");
    assert!(message.contains("Wait for its end epoch"), "{message}");
    assert!(message.lines().count() <= 2, "{message}");
    assert_eq!(rows_of(&list(home), &permanent).len(), 1);

    // A store that failed after registering (here: registered through the sdk, as the first
    // half of a store does, and never certified) is finished by `floe store`, which pays
    // nothing more: no second registration.
    let file = write_file(dir.path(), "retried.bin", 40_000, 3);
    let data = std::fs::read(&file).unwrap();
    let system = runtime.block_on(sdk.system()).unwrap();
    let config = floe_encoder::EncodingConfig::new(usize::from(system.n_shards)).unwrap();
    let (metadata, _) = floe_encoder::encode(&config, &data).unwrap();
    let registered = runtime
        .block_on(sdk.register_blob(&system, &metadata, 4, false))
        .unwrap();
    let registered_id = registered.blob_object.object_id().to_string();
    let rows = list(home);
    let row = rows_of(&rows, &metadata.blob_id().to_string())[0];
    assert_eq!(row["certified"], false, "{row}");
    let before = wal_balance(&mut sdk, &runtime);
    let out = floe(home, &["store", &p(&file), "--epochs", "4"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("resumed:"), "{stderr}");
    assert!(stderr.contains(&registered_id), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        metadata.blob_id().to_string()
    );
    assert_eq!(
        wal_balance(&mut sdk, &runtime),
        before,
        "the resumed store paid WAL"
    );
    let rows = list(home);
    let mine = rows_of(&rows, &metadata.blob_id().to_string());
    assert_eq!(mine.len(), 1, "{rows:?}");
    assert_eq!(mine[0]["object_id"], registered_id.as_str());
    assert_eq!(mine[0]["certified"], true);
    let copy = dir.path().join("copy.bin");
    ok(
        home,
        &["read", &metadata.blob_id().to_string(), "--out", &p(&copy)],
    );
    assert_eq!(std::fs::read(&copy).unwrap(), data);
    // The same file stored again (nothing left to resume) registers and pays anew.
    let before = wal_balance(&mut sdk, &runtime);
    let out = floe(home, &["store", &p(&file), "--epochs", "4"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("resumed:"),
        "{stderr}"
    );
    assert!(wal_balance(&mut sdk, &runtime) < before);

    // Shared blobs: a permanent blob shared with funds for 2 epochs; a second account adds 1
    // epoch's worth; a third, a stranger with no WAL, extends it by 2 epochs out of the funds.
    // The funds drop by exactly the price, the end epoch moves, the blob stays readable.
    let file = write_file(dir.path(), "shared.bin", 20_000, 4);
    let data = std::fs::read(&file).unwrap();
    let shared_blob = ok(home, &["store", &p(&file), "--epochs", "3"]);
    let rows = list(home);
    let object = rows_of(&rows, &shared_blob)[0]["object_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let system = runtime.block_on(sdk.system()).unwrap();
    let blob = runtime
        .block_on(sdk.blob_object(object.parse().unwrap()))
        .unwrap();
    let per_epoch = floe_sdk::flows::extension_price(
        blob.blob.storage.storage_size,
        system.storage_price_per_mib_epoch,
        1,
    )
    .unwrap();
    let shared = ok(home, &["share", &object, "--amount", &wal(2 * per_epoch)]);
    assert!(
        rows_of(&list(home), &shared_blob).is_empty(),
        "still listed"
    );
    let funder = ok(home, &["account", "new", "--wal", "1"]);
    let funded = ok(
        home,
        &[
            "--as",
            &funder,
            "fund-shared-blob",
            &shared,
            "--amount",
            &wal(per_epoch),
        ],
    );
    assert!(
        funded.starts_with(&format!("funds {} WAL", wal(3 * per_epoch))),
        "{funded}"
    );
    let stranger = ok(home, &["account", "new", "--wal", "0"]);
    let extended = ok(
        home,
        &[
            "--as", &stranger, "extend", "--shared", &shared, "--epochs", "2",
        ],
    );
    let end = system.epoch + 3;
    assert_eq!(
        extended,
        format!(
            "end epoch {} (was {end}), paid {} WAL from the shared blob's funds, {} WAL left",
            end + 2,
            wal(2 * per_epoch),
            wal(per_epoch)
        )
    );
    let view = runtime
        .block_on(sdk.shared_blob(shared.parse().unwrap()))
        .unwrap();
    assert_eq!((view.funds(), view.end_epoch()), (per_epoch, end + 2));
    let status: Value =
        serde_json::from_str(&ok(home, &["blob-status", &shared_blob, "--json"])).unwrap();
    assert_eq!(status["end_epoch"], end + 2, "{status}");
    // `blob-status` names the shared copy (the indexer finds it, the chain gives its funds and
    // end epoch); a blob nobody shared names none.
    let line = format!(
        "shared as {shared}, funds {} WAL, ends at epoch {}",
        wal(per_epoch),
        end + 2
    );
    eventually(30, "blob-status names the shared copy", || {
        ok(home, &["blob-status", &shared_blob])
            .lines()
            .any(|l| l == line)
    });
    let status: Value =
        serde_json::from_str(&ok(home, &["blob-status", &shared_blob, "--json"])).unwrap();
    assert_eq!(
        status["shared_blobs"],
        serde_json::json!([{ "shared_blob_id": shared, "funds": per_epoch, "end_epoch": end + 2 }]),
        "{status}"
    );
    let status: Value =
        serde_json::from_str(&ok(home, &["blob-status", &permanent, "--json"])).unwrap();
    assert_eq!(status["shared_blobs"], serde_json::json!([]), "{status}");
    assert!(!ok(home, &["blob-status", &permanent]).contains("shared as"));
    // An indexer that does not answer (here up.toml names a closed port, as after a stopped
    // `floe up`) leaves the shared copies unknown, with a warning; the chain state still prints.
    let up_toml = home.join("up.toml");
    let saved = std::fs::read_to_string(&up_toml).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let api_line = saved
        .lines()
        .find(|l| l.starts_with("api = "))
        .expect("up.toml names its api");
    std::fs::write(
        &up_toml,
        saved.replace(api_line, &format!("api = \"http://{closed}\"")),
    )
    .unwrap();
    let out = support::floe(home, &["blob-status", &shared_blob, "--json"]);
    std::fs::write(&up_toml, &saved).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["shared_blobs"], Value::Null, "{status}");
    assert_eq!(status["certified"], true, "{status}");
    assert!(
        stderr.contains("warning: shared copies unknown: the indexer at http://")
            && stderr.contains("did not answer"),
        "{stderr}"
    );
    let stranger_wal = |sdk: &mut Floe| {
        let wal_type = floe_sdk::move_types::wal_type(sdk.objects.original_package).to_string();
        let address = stranger.parse().unwrap();
        runtime
            .block_on(sdk.client.balance(address, &wal_type))
            .unwrap()
    };
    assert_eq!(stranger_wal(&mut sdk), 0, "the stranger gained WAL");
    let copy = dir.path().join("shared-copy.bin");
    ok(home, &["read", &shared_blob, "--out", &p(&copy)]);
    assert_eq!(std::fs::read(&copy).unwrap(), data);
    // The stranger cannot over-extend: the funds pay 1 epoch, not 2. The chain refuses with the
    // named abort, in two lines, amounts in WAL; nothing moved.
    let message = fails(
        home,
        &[
            "--as", &stranger, "extend", "--shared", &shared, "--epochs", "2",
        ],
    );
    assert!(message.contains("EInsufficientFunds"), "{message}");
    assert!(
        message.contains(&format!(
            "costs {} WAL; its funds hold {} WAL",
            wal(2 * per_epoch),
            wal(per_epoch)
        )),
        "{message}"
    );
    assert!(message.contains("floe fund-shared-blob"), "{message}");
    assert_eq!(message.lines().count(), 2, "{message}");
    // Nor take the blob or the funds out: the blob object is wrapped, so the chain finds no
    // object of its ID. Its former owner, trying to delete or share it again, is told it is
    // shared, in which shared blob (the indexer names it, by the wrapped object's ID), and how
    // to keep it stored instead; so is a stranger, whom it never belonged to.
    let object_id = object.as_str();
    for args in [
        vec!["delete", object_id],
        vec!["share", object_id],
        vec!["--as", stranger.as_str(), "delete", object_id],
    ] {
        let message = fails(home, &args);
        assert!(
            message.contains(&format!(
                "blob object {object} is shared: `floe share` wrapped it for good in shared blob {shared}"
            )) && message.contains(&format!("floe fund-shared-blob {shared} --amount WAL"))
                && message.contains(&format!("floe extend --shared {shared} --epochs N")),
            "{message}"
        );
        assert_eq!(message.lines().count(), 2, "{message}");
    }
    let message = fails(home, &["--as", &stranger, "delete", &shared]);
    assert!(
        message.contains(&format!("{shared} is a shared blob"))
            && message.contains(&format!("floe fund-shared-blob {shared}")),
        "{message}"
    );
    assert_eq!(message.lines().count(), 2, "{message}");
    let view = runtime
        .block_on(sdk.shared_blob(shared.parse().unwrap()))
        .unwrap();
    assert_eq!((view.funds(), view.end_epoch()), (per_epoch, end + 2));

    // A file bigger than the network's blobs is refused before it is read (a sparse file).
    let big = dir.path().join("big.bin");
    let max = config.max_blob_size();
    std::fs::File::create(&big)
        .unwrap()
        .set_len(max + 1)
        .unwrap();
    let message = fails(home, &["store", &p(&big)]);
    assert!(message.contains("holds at most"), "{message}");
    assert!(message.contains("MiB"), "{message}");
    assert!(message.contains("floe up --shards 1000"), "{message}");
}

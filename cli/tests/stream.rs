//! `floe store FILE` and `floe read BLOB_ID --out FILE` through the streaming paths, as a script
//! runs them: `--json` gives one object on stdout, stderr carries no progress bar when it is
//! not a terminal, the spill in `TMPDIR` is gone afterwards, the copy is byte-identical, and a
//! failed read leaves no partial file. Real `floe` processes on 127.0.0.1 (one `floe up`, no
//! indexer). The 2 GiB case is `cli/tests/large_file.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

mod support;

use serde_json::Value;
use support::{FLOE, ok};

/// `floe --home home args…` with its temporary directory in `tmp`.
fn floe_in(home: &Path, tmp: &Path, args: &[&str]) -> Output {
    Command::new(FLOE)
        .arg("--home")
        .arg(home)
        .args(args)
        .env("RUST_LOG", "warn")
        .env("TMPDIR", tmp)
        .output()
        .expect("running floe")
}

fn json_of(out: &Output, what: &str) -> Value {
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "{what}: one line on stdout: {stdout}"
    );
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn files_stream_with_json_and_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let home = &dir.path().join("home");
    let tmp = &dir.path().join("tmp");
    std::fs::create_dir(tmp).unwrap();
    let _up = support::start_up(home, &["--no-indexer"]);
    ok(home, &["account", "new"]);

    // 1.5 MB: several rows of the 10-shard test network (its largest blob is 1.8 MB).
    let len = 1_500_000usize;
    let data: Vec<u8> = (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = dir.path().join("big.bin");
    std::fs::write(&file, &data).unwrap();

    let out = floe_in(home, tmp, &["store", file.to_str().unwrap(), "--json"]);
    let stored = json_of(&out, "store --json");
    let blob_id = stored["blob_id"].as_str().unwrap().to_owned();
    assert_eq!(blob_id.len(), 43);
    assert!(stored["blob_object"].as_str().unwrap().starts_with("0x"));
    assert_eq!(stored["size"], len as u64);
    assert_eq!(stored["epochs"], 5);
    assert_eq!(stored["resumed"], false);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        !stderr.contains('\r') && !stderr.contains("encoding"),
        "no progress bar when stderr is not a terminal: {stderr}"
    );
    assert_eq!(
        std::fs::read_dir(tmp).unwrap().count(),
        0,
        "the spill directory is removed"
    );

    let copy = dir.path().join("copy.bin");
    let out = floe_in(
        home,
        tmp,
        &["read", &blob_id, "--out", copy.to_str().unwrap(), "--json"],
    );
    let read = json_of(&out, "read --json");
    assert_eq!(read["blob_id"], blob_id.as_str());
    assert_eq!(read["bytes_written"], len as u64);
    assert!(std::fs::read(&copy).unwrap() == data, "byte-identical");
    assert_eq!(std::fs::read_dir(tmp).unwrap().count(), 0);

    // Without --json the store prints the blob ID alone, as before.
    let again = ok(home, &["store", file.to_str().unwrap()]);
    assert_eq!(again, blob_id);

    // A blob nobody stored: a clear failure, and no partial file left.
    let missing = dir.path().join("missing.bin");
    let unknown = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let out = floe_in(
        home,
        tmp,
        &["read", unknown, "--out", missing.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("is not stored on this network"), "{stderr}");
    assert!(!missing.exists());
    assert!(!dir.path().join("missing.bin.partial").exists());
}

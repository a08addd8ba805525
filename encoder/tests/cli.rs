//! The `floe-encoder` command, run as a real process on real files.

use std::process::{Command, Output};

use floe_encoder::EncodingConfig;

fn floe_encoder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_floe-encoder"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8")
}

#[test]
fn blob_id_prints_only_the_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("blob");
    let blob: Vec<u8> = (0..200_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&file, &blob).expect("write");
    let output = floe_encoder(&["blob-id", "--shards", "100", file.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{output:?}");
    let expected =
        floe_encoder::blob_id(&EncodingConfig::new(100).expect("valid"), &blob).expect("blob id");
    assert_eq!(stdout(&output), format!("{expected}\n"));
}

#[test]
fn encode_then_decode_from_a_subset_of_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("blob");
    let out = dir.path().join("slivers");
    let blob: Vec<u8> = (0..123_457u32).map(|i| (i * 31 % 253) as u8).collect();
    std::fs::write(&file, &blob).expect("write");
    let encoded = floe_encoder(&[
        "encode",
        "-n",
        "10",
        file.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(encoded.status.success(), "{encoded:?}");
    // Lose the systematic primary slivers; decoding must use the rest.
    for i in 0..4 {
        std::fs::remove_file(out.join(format!("primary-{i}.sliver"))).expect("remove");
    }
    let decoded_path = dir.path().join("decoded");
    let decoded = floe_encoder(&[
        "decode",
        out.to_str().expect("utf-8"),
        "--out",
        decoded_path.to_str().expect("utf-8"),
    ]);
    assert!(decoded.status.success(), "{decoded:?}");
    assert_eq!(std::fs::read(&decoded_path).expect("read"), blob);

    // Too few slivers left: a clear error, no output file.
    for i in 4..8 {
        std::fs::remove_file(out.join(format!("primary-{i}.sliver"))).expect("remove");
    }
    let missing = dir.path().join("never");
    let failed = floe_encoder(&[
        "decode",
        out.to_str().expect("utf-8"),
        "--out",
        missing.to_str().expect("utf-8"),
    ]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("not enough slivers"), "{stderr}");
    assert!(!missing.exists());
}

#[test]
fn bad_input_gets_a_clear_error() {
    let unreadable = floe_encoder(&["blob-id", "/definitely/not/here"]);
    assert!(!unreadable.status.success());
    assert!(
        String::from_utf8_lossy(&unreadable.stderr).contains("cannot open /definitely/not/here")
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("blob");
    std::fs::write(&file, b"x").expect("write");
    let bad_shards = floe_encoder(&["blob-id", "--shards", "2", file.to_str().expect("utf-8")]);
    assert!(!bad_shards.status.success());
    assert!(String::from_utf8_lossy(&bad_shards.stderr).contains("between 4 and 65535"));

    let bad_size = floe_encoder(&["bench", "--size", "12 parsecs"]);
    assert!(!bad_size.status.success());
    assert!(String::from_utf8_lossy(&bad_size.stderr).contains("unknown size unit"));
    assert!(stdout(&bad_size).is_empty());
}

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

/// The kernel override switches kernels off, never the bytes: the AVX2 path and the portable
/// path give the blob ID and the sliver files of the default path, run as whole processes
/// (the variable is read once per process). On a CPU without AVX-512 the `avx2` run repeats
/// the default path; `kernels` says which kernels each run had.
#[test]
fn kernel_override_changes_no_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("blob");
    // Symbols of several 64-byte chunks plus a partial one, and padding in the last row.
    let blob: Vec<u8> = (0..777_777u64).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&file, &blob).expect("write");
    let file = file.to_str().expect("utf-8");
    let run = |value: &str, args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_floe-encoder"))
            .env("FLOE_ENCODER_KERNELS", value)
            .args(args)
            .output()
            .expect("the binary runs");
        assert!(output.status.success(), "{value}: {output:?}");
        stdout(&output)
    };
    let expected = floe_encoder::blob_id(&EncodingConfig::new(100).expect("valid"), &blob)
        .expect("blob id")
        .to_string();
    let encoded = |value: &str| {
        let out = dir.path().join(format!("slivers-{value}"));
        let printed = run(
            value,
            &[
                "encode",
                "-n",
                "100",
                file,
                "--out",
                out.to_str().expect("utf-8"),
            ],
        );
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
            .expect("output dir")
            .map(|entry| {
                let entry = entry.expect("entry");
                let name = entry.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(entry.path()).expect("read"))
            })
            .collect();
        files.sort();
        (printed, files)
    };
    let native = encoded("native");
    assert_eq!(native.0, format!("{expected}\n"));
    assert_eq!(native.1.len(), 201, "200 slivers and the metadata");
    for value in ["avx2", "portable"] {
        let kernels = run(value, &["kernels"]);
        assert!(kernels.contains(&format!("above {value}")), "{kernels}");
        assert!(
            !kernels
                .lines()
                .any(|l| l.starts_with("yes") && l.contains("AVX-512")),
            "{kernels}"
        );
        if value == "portable" {
            assert!(!kernels.lines().any(|l| l.starts_with("yes")), "{kernels}");
        }
        assert_eq!(
            run(value, &["blob-id", "-n", "100", file]),
            format!("{expected}\n"),
            "{value}"
        );
        assert!(encoded(value) == native, "{value}: the sliver files differ");
        // Decoding from recovery rows (the systematic ones gone) runs the transforms and XORs.
        let slivers = dir.path().join(format!("slivers-{value}"));
        for i in 0..40 {
            std::fs::remove_file(slivers.join(format!("primary-{i}.sliver"))).expect("remove");
        }
        let decoded = dir.path().join(format!("decoded-{value}"));
        let args = ["decode", slivers.to_str().expect("utf-8"), "--out"];
        run(
            value,
            &[&args[..], &[decoded.to_str().expect("utf-8")]].concat(),
        );
        assert!(
            std::fs::read(&decoded).expect("read") == blob,
            "{value}: decoded differs"
        );
    }
    // An unknown value is refused rather than ignored.
    let typo = Command::new(env!("CARGO_BIN_EXE_floe-encoder"))
        .env("FLOE_ENCODER_KERNELS", "avx-2")
        .args(["blob-id", "-n", "100", file])
        .output()
        .expect("the binary runs");
    assert!(!typo.status.success());
    assert!(String::from_utf8_lossy(&typo.stderr).contains("avx-2"));
}

//! Byte-for-byte compatibility with Walrus, using `@mysten/walrus-wasm` (the reference encoder
//! on npm) as the oracle. Needs Node and `npm ci` in `tests/oracle` (`.ci/run` does both).

use std::path::{Path, PathBuf};
use std::process::Command;

use floe_encoder::{EncodingConfig, encode, merkle::Digest};

struct Case {
    n: usize,
    len: usize,
    slivers: bool,
}

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle")
}

/// Deterministic pseudo-random bytes (xorshift), different per case.
fn blob(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn hex32(text: &str) -> Digest {
    hex::decode(text)
        .expect("oracle prints hex")
        .try_into()
        .expect("32 bytes")
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for n in [4usize, 7, 10, 100] {
        let config = EncodingConfig::new(n).expect("valid n");
        let grid = config.source_symbols();
        let max = config.max_blob_size() as usize;
        let mut lens = vec![0, 1, 2, 3, 1000];
        for multiple in [2, 4, 6, 100] {
            let exact = grid * multiple;
            lens.extend([exact - 1, exact, exact + 1]);
        }
        lens.extend([max.min(3 << 20), max.min(5 << 20) - 1]);
        if max <= 5 << 20 {
            lens.push(max);
        }
        lens.sort_unstable();
        lens.dedup();
        cases.extend(lens.into_iter().map(|len| Case {
            n,
            len,
            slivers: true,
        }));
    }
    let grid = EncodingConfig::new(1000).expect("valid").source_symbols();
    for (len, slivers) in [
        (0, true),
        (1, false),
        (grid * 2, false),
        (grid * 2 + 1, true),
        ((3 << 20) + 7, true),
    ] {
        cases.push(Case {
            n: 1000,
            len,
            slivers,
        });
    }
    cases
}

#[test]
fn slivers_and_blob_ids_match_walrus() {
    let node_modules = oracle_dir().join("node_modules/@mysten/walrus-wasm");
    assert!(
        node_modules.exists(),
        "the oracle is not installed: run `npm ci` in {}",
        oracle_dir().display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = cases();
    let mut spec = Vec::new();
    for (k, case) in cases.iter().enumerate() {
        let path = dir.path().join(format!("blob-{k}"));
        std::fs::write(&path, blob(case.len, k as u64 + 1)).expect("write blob");
        spec.push(serde_json::json!({
            "n": case.n,
            "blob": path,
            "out": dir.path().join(format!("out-{k}")),
            "slivers": case.slivers,
        }));
    }
    let spec_path = dir.path().join("cases.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).expect("json")).expect("write cases");
    let status = Command::new("node")
        .arg(oracle_dir().join("oracle.mjs"))
        .arg(&spec_path)
        .status()
        .expect("node runs");
    assert!(status.success(), "oracle failed");

    for (k, case) in cases.iter().enumerate() {
        let what = format!("n = {}, {} bytes", case.n, case.len);
        let out = dir.path().join(format!("out-{k}"));
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("metadata.json")).expect("metadata"))
                .expect("json");
        let config = EncodingConfig::new(case.n).expect("valid");
        let data = blob(case.len, k as u64 + 1);
        let (metadata, pairs) = encode(&config, &data).expect("encodes");
        assert_eq!(
            hex::encode(metadata.blob_id().as_bytes()),
            expected["blob_id"].as_str().expect("blob_id"),
            "blob ID, {what}"
        );
        assert_eq!(
            metadata.root(),
            hex32(expected["root"].as_str().expect("root")),
            "root, {what}"
        );
        assert_eq!(
            floe_encoder::blob_id(&config, &data).expect("blob id"),
            metadata.blob_id(),
            "blob_id() agrees with encode(), {what}"
        );
        if !case.slivers {
            continue;
        }
        let hashes = expected["hashes"].as_array().expect("hashes");
        assert_eq!(hashes.len(), case.n);
        for (i, pair) in hashes.iter().enumerate() {
            assert_eq!(
                metadata.hashes[i].primary,
                hex32(pair[0].as_str().expect("hex")),
                "primary hash {i}, {what}"
            );
            assert_eq!(
                metadata.hashes[i].secondary,
                hex32(pair[1].as_str().expect("hex")),
                "secondary hash {i}, {what}"
            );
        }
        let primary: Vec<u8> = pairs.iter().flat_map(|p| p.primary.to_bcs()).collect();
        let secondary: Vec<u8> = pairs.iter().flat_map(|p| p.secondary.to_bcs()).collect();
        assert!(
            primary == std::fs::read(out.join("primary.bin")).expect("primary"),
            "primary sliver bytes, {what}"
        );
        assert!(
            secondary == std::fs::read(out.join("secondary.bin")).expect("secondary"),
            "secondary sliver bytes, {what}"
        );
    }
}

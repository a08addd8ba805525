//! Mysten's TypeScript SDK (`@mysten/sui`, pinned in `tests/mysten_ts/package-lock.json`)
//! against a real `floe-devnet` process on 127.0.0.1, with the SDK's default client and transport
//! (`SuiGrpcClient`, gRPC-Web over `fetch`): `tests/mysten_ts/suite.mjs` runs the calls a dapp
//! makes, and `examples/dapp` runs as a dapp developer would run it. With Debian's `chromium`
//! installed, `tests/mysten_ts/browser.mjs` also loads a page that reads the chain through the
//! SDK from the browser.
//!
//! The node packages are installed with `npm ci` from the committed lockfiles when missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// A devnet child process, killed when dropped.
struct DevnetProcess {
    child: Child,
    rpc_url: String,
    faucet_url: String,
    network: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for DevnetProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `floe-devnet` with Floe on free ports, two storage nodes seated at genesis (so the
/// System's pool table has entries).
fn start_devnet() -> DevnetProcess {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // The faucet is the publisher that proofs of possession name: create its key first.
    let faucet = floe_sdk::Keystore::load_or_create(data.join("faucet.keystore"), 1).unwrap();
    let publisher = faucet.addresses()[0];
    let mut config = String::from("[floe]\nn_shards = 10\nepoch_duration_ms = 3600000\n");
    for i in 0..2u8 {
        let key = floe_sdk::bls::BlsKeyPair::from_seed(&[i + 41; 32]).unwrap();
        config += &format!(
            "[[floe.nodes]]\nname = \"node-{i}\"\nnetwork_address = \"127.0.0.1:{}\"\n\
             bls_public_key = \"{}\"\nproof_of_possession = \"{}\"\ncommission_bps = 100\n\
             stake = 1000000000000\noperator = \"{}\"\n",
            9400 + u16::from(i),
            hex::encode(key.public_key()),
            hex::encode(key.proof_of_possession(publisher)),
            sui_sdk_types::Address::new([0xc0 + i; 32]),
        );
    }
    let config_path = dir.path().join("devnet.toml");
    std::fs::write(&config_path, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_floe-devnet"))
        .arg("--config")
        .arg(&config_path)
        .arg("--data-dir")
        .arg(&data)
        .args(["--grpc-addr", "127.0.0.1:0", "--faucet-addr", "127.0.0.1:0"])
        .args(["--checkpoint-interval-ms", "50"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn floe-devnet");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut rpc_url, mut faucet_url, mut network) = (None, None, None);
    while rpc_url.is_none() || faucet_url.is_none() || network.is_none() {
        let line = lines.next().expect("devnet exited early").unwrap();
        if let Some(url) = line.strip_prefix("grpc ") {
            rpc_url = Some(url.to_owned());
        } else if let Some(url) = line.strip_prefix("faucet ") {
            faucet_url = Some(url.to_owned());
        } else if let Some(path) = line.strip_prefix("network ") {
            network = Some(PathBuf::from(path));
        }
    }
    DevnetProcess {
        child,
        rpc_url: rpc_url.unwrap(),
        faucet_url: faucet_url.unwrap(),
        network: network.unwrap(),
        _dir: dir,
    }
}

/// `npm ci` in `dir` unless its `node_modules` already holds what the lockfile pins (one
/// install at a time: the tests of this file run in parallel).
fn npm_ci(dir: &Path) {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let lock = std::fs::read_to_string(dir.join("package-lock.json")).unwrap();
    let installed = std::fs::read_to_string(dir.join("node_modules/.package-lock.json"));
    let wanted: serde_json::Value = serde_json::from_str(&lock).unwrap();
    if let Ok(installed) = installed {
        let installed: serde_json::Value = serde_json::from_str(&installed).unwrap();
        let versions = |v: &serde_json::Value| {
            v["packages"]
                .as_object()
                .map(|p| {
                    p.iter()
                        .filter(|(k, _)| !k.is_empty())
                        .map(|(k, v)| (k.clone(), v["version"].clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        if versions(&installed) == versions(&wanted) {
            return;
        }
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .expect("run npm (Node.js and npm are needed: scripts/test.sh installs them)");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mysten_ts")
}

/// Runs `node script args…` in `dir`, echoes its output, and returns its stdout; fails the test
/// if it exits non-zero.
fn node(dir: &Path, script: &str, args: &[&str], envs: &[(&str, &str)]) -> String {
    let started = std::time::Instant::now();
    let mut command = Command::new("node");
    command
        .arg("--no-warnings")
        .arg(script)
        .args(args)
        .current_dir(dir);
    for (k, v) in envs {
        command.env(k, v);
    }
    let output = command.output().expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "== node {script} ({:.1} s)\n{stdout}{stderr}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        output.status.success(),
        "node {script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

/// The suite of `@mysten/sui` calls (reads, faucet, transactions built and resolved by the
/// devnet, simulation, Move packages, events): every step passes.
#[test]
fn mysten_sui_sdk_suite() {
    let dir = tests_dir();
    npm_ci(&dir);
    let devnet = start_devnet();
    let out = node(
        &dir,
        "suite.mjs",
        &[
            &devnet.rpc_url,
            &devnet.faucet_url,
            devnet.network.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("suite: ") && l.ends_with(" 0 failed")),
        "the suite did not report its steps:\n{out}"
    );
}

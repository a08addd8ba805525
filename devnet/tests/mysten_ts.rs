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

/// An account funded at genesis, whose balance the browser page reads.
const BROWSER_ACCOUNT: &str = "0x00000000000000000000000000000000000000000000000000000000000b0b0b";
const BROWSER_BALANCE: u64 = 5_000_000_000;

/// Starts `floe-devnet` with Floe on free ports, two storage nodes seated at genesis (so the
/// System's pool table has entries).
fn start_devnet() -> DevnetProcess {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // The faucet is the publisher that proofs of possession name: create its key first.
    let faucet = floe_sdk::Keystore::load_or_create(data.join("faucet.keystore"), 1).unwrap();
    let publisher = faucet.addresses()[0];
    let mut config = format!(
        "[[accounts]]\naddress = \"{BROWSER_ACCOUNT}\"\nbalance = {BROWSER_BALANCE}\n\n\
         [floe]\nn_shards = 10\nepoch_duration_ms = 3600000\n"
    );
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
    let read = |path: PathBuf| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    };
    let wanted = read(dir.join("package-lock.json")).expect("a committed package-lock.json");
    if let Some(installed) = read(dir.join("node_modules/.package-lock.json")) {
        let packages =
            |v: &serde_json::Value| v["packages"].as_object().cloned().unwrap_or_default();
        let (wanted, installed) = (packages(&wanted), packages(&installed));
        // Installed as locked: every package the lock names at its version, except optional
        // ones for other platforms, and nothing else.
        let complete = wanted
            .iter()
            .filter(|(name, _)| !name.is_empty())
            .all(|(name, w)| match installed.get(name) {
                Some(i) => i["version"] == w["version"],
                None => w["optional"] == true,
            });
        let nothing_else = installed.iter().all(|(name, i)| {
            wanted
                .get(name)
                .is_some_and(|w| w["version"] == i["version"])
        });
        if complete && nothing_else {
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

/// `examples/dapp` as a dapp developer runs it against `floe up`: type-checked, then run with
/// the network file the devnet wrote. Every step it prints must be there.
#[test]
fn example_dapp_runs_against_the_devnet() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/dapp");
    npm_ci(&dir);
    node(&dir, "node_modules/typescript/bin/tsc", &["-p", "."], &[]);
    let devnet = start_devnet();
    let out = node(
        &dir,
        "src/main.js",
        &[devnet.network.to_str().unwrap()],
        &[],
    );
    for step in [
        "connected: ",
        "funded the seller: ",
        "funded the buyer: ",
        "funded the buyer with WAL: ",
        "registered a model: ",
        "opened a license offer: ",
        "quoted: 3 hours cost 6000000000 WAL base units",
        "bought a license: ",
        "seal_approve (simulated) approves the licensed model: ",
        "seal_approve (simulated) refuses another ID: ",
        "done",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(step)),
            "the dapp did not print {step:?}:\n{out}"
        );
    }
}

/// A page using `@mysten/sui`'s gRPC-Web client, served from another origin and loaded in
/// headless Chromium, reads the System object and a balance. Without Chromium (Debian's
/// `chromium`, or `CHROMIUM=/path`) it says that it skips.
#[test]
fn mysten_sui_sdk_in_a_browser() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    let found = Command::new(&chromium)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "SKIPPED the browser check: {chromium} not found (install Debian's `chromium`, or set CHROMIUM)"
        );
        return;
    }
    let dir = tests_dir();
    npm_ci(&dir);
    let devnet = start_devnet();
    let network = std::fs::read_to_string(&devnet.network).unwrap();
    let system = network
        .lines()
        .find_map(|l| l.strip_prefix("system_object_id = "))
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let balance = BROWSER_BALANCE.to_string();
    let out = node(
        &dir,
        "browser.mjs",
        &[&devnet.rpc_url, &system, BROWSER_ACCOUNT, &balance],
        &[
            ("NODE_OPTIONS", "--experimental-websocket"),
            ("CHROMIUM", &chromium),
        ],
    );
    assert!(out.contains("\"ok\":true"), "{out}");
}

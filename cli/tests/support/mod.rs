//! What the `floe` end-to-end tests share: a PostgreSQL database per test, a running
//! `floe up` (started directly or through `scripts/up.sh`), and `floe` commands run against it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// A database for one test, dropped at the end (even on panic).
pub struct TestDb {
    name: String,
}

impl TestDb {
    pub fn new(tag: &str) -> Self {
        let name = format!("floe_cli_{tag}_{}", std::process::id());
        psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        Self { name }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

pub fn psql(sql: &str) {
    let status = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            sql,
        ])
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .status()
        .expect("psql is installed");
    assert!(status.success(), "psql {sql}");
}

/// The `floe` binary under test.
pub const FLOE: &str = env!("CARGO_BIN_EXE_floe");

/// `floe --home home up` on free local ports with 4 nodes and 10 shards, checkpoints every
/// 50 ms, and `extra` arguments (the indexer's database, epoch length, `--no-indexer`, …);
/// waits until it is ready. `FLOE_UP_LOG=info` shows the network's log when a run needs
/// explaining.
pub fn start_up(home: &Path, extra: &[&str]) -> Running {
    let child = Command::new(FLOE)
        .arg("--home")
        .arg(home)
        .args([
            "up",
            "--grpc",
            "127.0.0.1:0",
            "--faucet",
            "127.0.0.1:0",
            "--node-port",
            "0",
            "--nodes",
            "4",
            "--shards",
            "10",
            "--checkpoint-ms",
            "50",
        ])
        .args(extra)
        .env(
            "RUST_LOG",
            std::env::var("FLOE_UP_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawning floe up");
    Running::wait_ready(child, 120)
}

/// Runs `floe --home home args…` to completion.
pub fn floe(home: &Path, args: &[&str]) -> Output {
    Command::new(FLOE)
        .arg("--home")
        .arg(home)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running floe")
}

/// Runs a command that must succeed; returns its stdout, trimmed.
pub fn ok(home: &Path, args: &[&str]) -> String {
    let out = floe(home, args);
    assert!(
        out.status.success(),
        "floe {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs a command that must fail; returns its stderr.
pub fn fails(home: &Path, args: &[&str]) -> String {
    let out = floe(home, args);
    assert!(!out.status.success(), "floe {args:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

/// A running `floe up`, with the `key value` lines it printed before `ready`; killed when
/// dropped.
pub struct Running {
    child: Child,
    pub lines: HashMap<String, String>,
}

impl Running {
    /// Waits up to `secs` for `child` (spawned with piped stdout) to print `ready`, then keeps
    /// draining its stdout so the network never blocks on a full pipe.
    pub fn wait_ready(mut child: Child, secs: u64) -> Self {
        let stdout = child.stdout.take().expect("floe up's stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = HashMap::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(secs))
                .unwrap_or_else(|_| panic!("floe up printed `ready` within {secs} s"));
            if line == "ready" {
                break;
            }
            if let Some((key, value)) = line.split_once(' ') {
                lines.insert(key.to_owned(), value.to_owned());
            }
        }
        std::thread::spawn(move || while rx.recv().is_ok() {});
        Self { child, lines }
    }

    /// SIGKILL, as a crash.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, as Ctrl-C or a service manager stops it; returns its exit status.
    pub fn terminate(mut self) -> ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "floe up ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it holds or `secs` pass.
pub fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A file of `len` pseudo-random bytes (seeded) named `name` in `dir`.
pub fn write_file(dir: &Path, name: &str, len: usize, seed: u32) -> PathBuf {
    let data: Vec<u8> = (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 11) as u8)
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

/// A GET over plain HTTP/1.1 to `base` (`http://host:port`): (status, body). The REST API
/// and the nodes answer with fixed-length bodies, so the body is read to the end. A binary
/// body (a node's sliver) comes back lossily as text: callers read only its status.
pub fn get(base: &str, path: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response head");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

/// A GET that must answer 200 with JSON.
pub fn get_json(base: &str, path: &str) -> serde_json::Value {
    let (status, body) = get(base, path);
    assert_eq!(status, 200, "GET {base}{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

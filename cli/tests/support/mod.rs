//! What the `floe` end-to-end tests share: a PostgreSQL database per test, and a running
//! `floe up` (started directly or through `scripts/up.sh`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitStatus};
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

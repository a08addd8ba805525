//! A `floe-node` process run from its config file, for the tests that start, kill and restart
//! nodes (`churn.rs`, `lifecycle.rs`): each includes this module next to `support`.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use floe_node::http_client::HttpNodeClient;

/// A free local TCP port (bound, then released for the node to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One node process, configured by `dir/node.toml` and logging to `dir/node.log`; killed when
/// dropped.
pub struct NodeProcess {
    pub dir: PathBuf,
    pub url: String,
    child: Option<Child>,
}

impl NodeProcess {
    /// A node not yet started.
    pub fn new(dir: PathBuf, url: String) -> Self {
        Self {
            dir,
            url,
            child: None,
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn client(&self) -> HttpNodeClient {
        HttpNodeClient::new(&self.url)
    }

    /// Spawns the node and waits until it answers `info`.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("node.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_floe-node"))
            .args(["run", "--config"])
            .arg(self.dir.join("node.toml"))
            .env("RUST_LOG", "info,floe_node=debug")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let client = self.client();
        let start = Instant::now();
        while client.info().await.is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "node did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown, nothing flushed.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

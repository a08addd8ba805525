//! A `floe-node` process run from its config file, for the tests that start, kill and restart
//! nodes (`churn.rs`, `lifecycle.rs`): each includes this module next to `support`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use floe_node::http_client::HttpNodeClient;
use floe_sdk::sui_transaction_builder::TransactionBuilder;
use floe_sdk::{ClientError, Floe, FloeClient, FlowError, Keystore, calls};
use sui_sdk_types::Address;

use crate::support::{bls_key, bls_seed, node_of, operator_key};

/// Node `i` (its on-chain node and cap found through `client`), configured in `root/node-i`
/// to listen on `address` with `extra` lines of `node.toml`, and started; with its node ID
/// and a client that checks its confirmations.
pub async fn launch_node(
    root: &Path,
    network_config: &Path,
    client: &mut FloeClient,
    i: u8,
    address: &str,
    extra: &str,
) -> (NodeProcess, Address, HttpNodeClient) {
    let (node_id, cap_id) = node_of(client, i).await;
    let node_dir = root.join(format!("node-{i}"));
    std::fs::create_dir_all(&node_dir).unwrap();
    std::fs::write(node_dir.join("bls.key"), hex::encode(bls_seed(i))).unwrap();
    let mut keystore = Keystore::default();
    keystore.add(operator_key(i));
    keystore.save(node_dir.join("operator.keystore")).unwrap();
    std::fs::write(
        node_dir.join("node.toml"),
        format!(
            "listen = \"{address}\"\ndata_dir = \"data\"\nbls_key_file = \"bls.key\"\n\
             network_config = {}\nnode_id = \"{node_id}\"\nnode_cap_id = \"{cap_id}\"\n\
             operator_keystore = \"operator.keystore\"\ncommittee_poll_ms = 200\n{extra}",
            toml::Value::String(network_config.display().to_string()),
        ),
    )
    .unwrap();
    let url = format!("http://{address}");
    let checked = HttpNodeClient::new(&url).with_public_key(bls_key(i).public_key());
    let mut node = NodeProcess::new(node_dir, url);
    node.start().await;
    (node, node_id, checked)
}

/// Waits out the epoch, then advances it with `challenge::advance_epoch` (which slashes the
/// epoch's missed challenges); the new epoch. While a challenge of the epoch is still inside
/// its answer window the change is refused (`EChallengeWindowOpen`): it is tried again until
/// the deadline has passed.
pub async fn advance_epoch(floe: &mut Floe) -> u64 {
    let system = floe.system().await.unwrap();
    loop {
        let now = floe.chain_now_ms().await.unwrap();
        if now >= system.epoch_start_ms + system.epoch_duration_ms {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    loop {
        let mut builder = TransactionBuilder::new();
        calls::challenge::advance_epoch(&mut builder, &floe.objects);
        match floe.execute(builder).await {
            Ok(_) => return system.epoch + 1,
            Err(FlowError::Client(ClientError::ExecutionFailed(failure)))
                if failure
                    .floe_abort()
                    .is_some_and(|a| a.name == "EChallengeWindowOpen") =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("challenge::advance_epoch failed: {e}"),
        }
    }
}

/// `len` deterministic bytes that differ with `seed`.
pub fn blob_bytes(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 11) as u8)
        .collect()
}

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

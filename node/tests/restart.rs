//! Crash safety with a real `floe-node` process: what the node acknowledged is still there
//! after the process is killed (SIGKILL, no shutdown) and started again on the same data. The
//! node follows an in-process devnet (it stores only blobs registered there).

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use floe_encoder::EncodingConfig;
use floe_node::http_client::HttpNodeClient;
use floe_sdk::nodes::StorageNodeClient;
use floe_sdk::{Floe, FloeClient, Keystore};
use support::{WAL, fund, node_of, start_devnet};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the node when the test ends, however it ends.
struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn spawn(config: &Path, url: &str) -> Node {
    let child = Command::new(env!("CARGO_BIN_EXE_floe-node"))
        .args(["run", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let node = Node(child);
    let client = HttpNodeClient::new(url);
    let start = Instant::now();
    while client.info().await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "node did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    node
}

#[tokio::test]
async fn acknowledged_writes_survive_a_kill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let chain_dir = dir.path().join("chain");
    std::fs::create_dir_all(&chain_dir).unwrap();
    // One genesis node holding all 7 shards: this process.
    let (devnet, network) = start_devnet(&chain_dir, 7, 1).await;
    let mut chain = FloeClient::connect(&network.rpc_url).unwrap();
    let (node_id, _) = node_of(&mut chain, 0).await;
    std::fs::write(
        dir.path().join("bls.key"),
        hex::encode(support::bls_seed(0)),
    )
    .unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let config = dir.path().join("node.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"data\"\nbls_key_file = \"bls.key\"\nnetwork_config = {}\nnode_id = \"{node_id}\"\n",
            toml::Value::String(devnet.network_config_path().display().to_string()),
        ),
    )
    .unwrap();
    let data: Vec<u8> = (0..9000u32).map(|i| (i % 241) as u8).collect();
    let (metadata, pairs) = floe_encoder::encode(&EncodingConfig::new(7).unwrap(), &data).unwrap();
    let id = metadata.blob_id();
    let mut keys = Keystore::default();
    let user = keys.generate();
    fund(&network, user, 10 * WAL).await;
    let mut floe = Floe::connect(&network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    let system = floe.system().await.unwrap();
    let registered = floe
        .register_blob(&system, &metadata, 2, false)
        .await
        .unwrap();

    let mut node = spawn(&config, &url).await;
    let client = HttpNodeClient::connect(&url).await.unwrap();
    client
        .store_registered_metadata(*registered.blob_object.object_id(), &id, &metadata)
        .await
        .unwrap();
    for shard in 0..7u16 {
        let pair = &pairs[id.pair_for_shard(usize::from(shard), 7)];
        client.store_sliver_pair(shard, &id, pair).await.unwrap();
    }
    let confirmation = client.confirm_storage(&id).await.unwrap();
    // SIGKILL right after the last acknowledgement: no chance to flush anything.
    node.0.kill().unwrap();
    node.0.wait().unwrap();

    let _node = spawn(&config, &url).await;
    let client = HttpNodeClient::connect(&url).await.unwrap();
    assert_eq!(client.read_metadata(&id).await.unwrap(), metadata);
    for shard in 0..7u16 {
        let pair = &pairs[id.pair_for_shard(usize::from(shard), 7)];
        assert_eq!(
            client.read_primary_sliver(shard, &id).await.unwrap(),
            pair.primary
        );
    }
    // Still complete: the same confirmation is given again.
    assert_eq!(client.confirm_storage(&id).await.unwrap(), confirmation);
    assert!(
        !std::fs::read_dir(dir.path().join("data/blobs").join(id.to_string()))
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
    );
    drop(devnet);
}

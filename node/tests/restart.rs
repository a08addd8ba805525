//! Crash safety with a real `floe-node` process: what the node acknowledged is still there
//! after the process is killed (SIGKILL, no shutdown) and started again on the same data.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use floe_encoder::EncodingConfig;
use floe_node::http_client::HttpNodeClient;
use floe_sdk::nodes::StorageNodeClient;

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
    std::fs::write(dir.path().join("bls.key"), hex::encode([4u8; 32])).unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let config = dir.path().join("node.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"data\"\nbls_key_file = \"bls.key\"\nshards = [0, 1, 2, 3, 4, 5, 6]\nepoch = 2\n"
        ),
    )
    .unwrap();
    let data: Vec<u8> = (0..9000u32).map(|i| (i % 241) as u8).collect();
    let (metadata, pairs) = floe_encoder::encode(&EncodingConfig::new(7).unwrap(), &data).unwrap();
    let id = metadata.blob_id();

    let mut node = spawn(&config, &url).await;
    let client = HttpNodeClient::connect(&url).await.unwrap();
    client.store_metadata(&id, &metadata).await.unwrap();
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
}

//! A large read with a storage node down, through four real `floe-node` processes on
//! 127.0.0.1 against an in-process devnet (200 shards): 256 MiB stored with the sdk's
//! streaming store, then read with `Floe::read_blob_to_file` twice, each time in a fresh
//! process (this test binary run again on [`read_in_a_fresh_process`]) whose peak RSS
//! (`VmHWM`) is what the read cost: once with every node up, once with the node holding the
//! most source rows killed. The rows the dead node held are restored band by band from other
//! primary slivers kept on disk (`floe_sdk::stream`), so the degraded read's peak stays below
//! ¾ of the blob's size and within 48 MiB of the healthy read's; decoding in memory, as the read
//! did before, holds the blob and `p` slivers (twice the blob) at least. Both copies are
//! compared with the original byte for byte.

#![allow(clippy::unwrap_used)]

#[path = "support/process.rs"]
#[allow(dead_code)] // advance_epoch, NodeProcess::data: not needed here
mod process;
mod support;

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::Arc;
use std::time::Instant;

use floe_node::http_client::HttpNodeClient;
use floe_sdk::committee::Committee;
use floe_sdk::{Floe, FloeClient, Keystore};
use process::{NodeProcess, blob_bytes, free_port, launch_node};
use support::{WAL, fund, operator, start_devnet_at};

const N_SHARDS: u16 = 200;
const NODES: u8 = 4;
const SIZE: usize = 256 << 20;

/// A field of `/proc/self/status` in bytes (`VmRSS`, `VmHWM`).
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix(" kB"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kib << 10
}

/// Whether the file at `path` holds exactly `data`, read in 8 MiB pieces.
fn same_as(path: &std::path::Path, data: &[u8]) -> bool {
    let mut file = std::fs::File::open(path).unwrap();
    let mut chunk = vec![0u8; 8 << 20];
    let mut at = 0;
    loop {
        let read = file.read(&mut chunk).unwrap();
        if read == 0 {
            return at == data.len();
        }
        if at + read > data.len() || chunk[..read] != data[at..at + read] {
            return false;
        }
        at += read;
    }
}

/// What the child read needs, in this environment variable: network config, keystore,
/// blob ID, output file, then `node_id=url` per node, separated by newlines.
const CHILD_SPEC: &str = "FLOE_DEGRADED_READ_CHILD";

/// Runs [`read_in_a_fresh_process`] in a child process reading `blob_id` into `out`; the
/// child's peak RSS in bytes.
fn read_in_child(spec: &[String]) -> u64 {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "read_in_a_fresh_process",
            "--exact",
            "--include-ignored",
            "--nocapture",
        ])
        .env(CHILD_SPEC, spec.join("\n"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the child read failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss "))
        .unwrap_or_else(|| panic!("no peak in {stdout}"))
        .parse()
        .unwrap()
}

/// The read of [`a_read_with_a_node_down_restores_its_rows_in_bounded_memory`], alone in its
/// process so that its peak RSS is the read's; does nothing when run on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by a_read_with_a_node_down_restores_its_rows_in_bounded_memory"]
async fn read_in_a_fresh_process() {
    let Ok(spec) = std::env::var(CHILD_SPEC) else {
        return;
    };
    let lines: Vec<&str> = spec.lines().collect();
    let network = floe_sdk::NetworkConfig::from_file(lines[0]).unwrap();
    let keys = Keystore::load(lines[1]).unwrap();
    let blob_id: floe_encoder::BlobId = lines[2].parse().unwrap();
    let out = std::path::Path::new(lines[3]);
    let nodes: HashMap<sui_sdk_types::Address, HttpNodeClient> = lines[4..]
        .iter()
        .map(|l| {
            let (id, url) = l.split_once('=').unwrap();
            (id.parse().unwrap(), HttpNodeClient::new(url))
        })
        .collect();
    let mut floe = Floe::connect(&network, keys.first().unwrap().clone())
        .await
        .unwrap();
    let file = std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(out)
        .unwrap();
    let len = floe
        .read_blob_to_file(&nodes, &blob_id, &file, out, Arc::new(()))
        .await
        .unwrap();
    assert_eq!(len, SIZE as u64);
    println!("peak_rss {}", status_bytes("VmHWM"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_with_a_node_down_restores_its_rows_in_bounded_memory() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let chain_dir = dir.path().join("chain");
    std::fs::create_dir_all(&chain_dir).unwrap();
    let addresses: Vec<String> = (0..NODES)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    let (devnet, network) = start_devnet_at(&chain_dir, N_SHARDS, &addresses, 3_600_000).await;
    let mut client = FloeClient::connect(&network.rpc_url).unwrap();
    let mut nodes: Vec<NodeProcess> = Vec::new();
    let mut directory = HashMap::new();
    let mut node_ids = Vec::new();
    for i in 0..NODES {
        fund(&network, operator(i), 0).await;
        let (node, node_id, checked) = launch_node(
            dir.path(),
            &devnet.network_config_path(),
            &mut client,
            i,
            &addresses[usize::from(i)],
            "",
        )
        .await;
        directory.insert(node_id, checked);
        nodes.push(node);
        node_ids.push(node_id);
    }
    let mut keys = Keystore::default();
    let user = keys.generate();
    fund(&network, user, 10_000 * WAL).await;
    let mut floe = Floe::connect(&network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    eprintln!("network up at {:?}", started.elapsed());

    let data = blob_bytes(SIZE, 7);
    let path = dir.path().join("blob.bin");
    std::fs::write(&path, &data).unwrap();
    let stored = floe
        .store_file(&directory, &path, 2, false, Arc::new(()))
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let blob_id = stored.blob_id;
    eprintln!("256 MiB stored at {:?}", started.elapsed());

    let keystore = dir.path().join("user.keystore");
    keys.save(&keystore).unwrap();
    let out = dir.path().join("copy.bin");
    let mut spec = vec![
        devnet.network_config_path().display().to_string(),
        keystore.display().to_string(),
        blob_id.to_string(),
        out.display().to_string(),
    ];
    for (id, node) in node_ids.iter().zip(&nodes) {
        spec.push(format!("{id}={}", node.url));
    }
    let reading = Instant::now();
    let healthy = read_in_child(&spec);
    assert!(same_as(&out, &data), "the copy differs");
    eprintln!(
        "read with every node up: {:?}, peak RSS {} MiB",
        reading.elapsed(),
        healthy >> 20
    );

    // Down: the node holding the most source rows (each holds 50 ≤ f = 66 shards).
    let committee = Committee::from_system(&floe.system().await.unwrap());
    let config = floe_encoder::EncodingConfig::new(usize::from(N_SHARDS)).unwrap();
    let rows_held = |node: usize| {
        let shards = &committee
            .members
            .iter()
            .find(|m| m.node_id == node_ids[node])
            .unwrap()
            .shards;
        assert!(shards.len() <= committee.max_faulty());
        (0..config.n_primary_source())
            .filter(|&row| shards.contains(&committee.shard_for_pair(&blob_id, row)))
            .count()
    };
    let down = (0..usize::from(NODES))
        .max_by_key(|&k| rows_held(k))
        .unwrap();
    let lost_rows = rows_held(down);
    assert!(lost_rows > 0, "no node holds a source row");
    nodes[down].kill();

    let reading = Instant::now();
    let degraded = read_in_child(&spec);
    assert!(
        same_as(&out, &data),
        "the copy read with a node down differs"
    );
    eprintln!(
        "read with node {down} down ({lost_rows} of {} source rows restored): {:?}, peak RSS {} MiB",
        config.n_primary_source(),
        reading.elapsed(),
        degraded >> 20
    );
    assert!(
        degraded < SIZE as u64 * 3 / 4 && degraded < healthy + (48 << 20),
        "a read restoring {lost_rows} rows peaked at {} MiB (every node up: {} MiB) for a {} MiB blob",
        degraded >> 20,
        healthy >> 20,
        SIZE >> 20
    );
    eprintln!("all done in {:?}", started.elapsed());
}

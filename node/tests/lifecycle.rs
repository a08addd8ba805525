//! Storage that survives time (issue 13), with four real `floe-node` processes on 127.0.0.1
//! against an in-process devnet, one network through every phase:
//!
//! 1. a node is down while a blob is stored: the blob certifies; back up, the node recovers
//!    its pairs from the others' recovery symbols; killed with recovery half done (the state
//!    a crash leaves), it resumes and completes;
//! 2. a node is killed and its data directory deleted mid-epoch: it comes back on an empty
//!    directory, recovers every pair (bytes checked) and answers a challenge on them;
//! 3. a blob whose storage ends is collected after its end epoch: its files disappear and
//!    reads answer 404 "Blob expired" naming the epoch;
//! 4. stake moves shards at an epoch change: the gaining node fetches the gained shards'
//!    pairs from their previous holders, calls `epoch_sync_done`, the previous holders then
//!    drop them, and the new epoch's challenges are all answered.

#![allow(clippy::unwrap_used)]

#[path = "support/process.rs"]
mod process;
mod support;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use floe_encoder::{BlobId, EncodingConfig, SliverPair};
use floe_node::http_client::HttpNodeClient;
use floe_problem::Problem;
use floe_sdk::committee::Committee;
use floe_sdk::move_types::events::{ChallengeAnswered, ChallengeIssued};
use floe_sdk::sui_transaction_builder::TransactionBuilder;
use floe_sdk::{Floe, FloeClient, Keystore, NetworkConfig, calls};
use futures::StreamExt as _;
use process::{NodeProcess, advance_epoch, blob_bytes, free_port, launch_node};
use sui_sdk_types::Address;
use support::{WAL, fund, operator, start_devnet_at};

const N_SHARDS: u16 = 10;
const NODES: u8 = 4;
const EPOCH_MS: u64 = 400;
const PATIENCE: Duration = Duration::from_secs(90);

/// Polls `check` until it holds, failing after [`PATIENCE`] with `what`.
async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether `node` stores exactly `pairs`' pair for each of `shards` of `blob_id`.
async fn holds(node: &NodeProcess, blob_id: &BlobId, pairs: &[SliverPair], shards: &[u16]) -> bool {
    let client = node.client();
    for &shard in shards {
        let expected = &pairs[blob_id.pair_for_shard(usize::from(shard), usize::from(N_SHARDS))];
        match client.read_pair(blob_id, shard, None).await {
            Ok(pair) if pair == *expected => {}
            Ok(_) => panic!("node {} stores a wrong pair for shard {shard}", node.url),
            Err(_) => return false,
        }
    }
    true
}

async fn committee(floe: &mut Floe) -> Committee {
    Committee::from_system(&floe.system().await.unwrap())
}

/// Issues this epoch's challenges; their IDs by node.
async fn issue_challenges(floe: &mut Floe) -> HashMap<Address, u64> {
    let mut builder = TransactionBuilder::new();
    calls::challenge::issue_challenges(&mut builder, &floe.objects);
    let executed = floe.execute(builder).await.unwrap();
    executed
        .events
        .iter()
        .filter(|e| e.type_.name().as_str() == "ChallengeIssued")
        .map(|e| {
            let issued: ChallengeIssued = bcs::from_bytes(&e.contents).unwrap();
            (
                floe_sdk::move_types::address_of(&issued.node_id),
                issued.challenge_id,
            )
        })
        .collect()
}

/// Waits until the chain records an answer to every challenge of `ids`.
async fn all_answered(client: &FloeClient, package: Address, ids: HashSet<u64>) {
    let mut answered = HashSet::new();
    let client = client.clone();
    let events = client.stream_events(Some(0), Some(package));
    futures::pin_mut!(events);
    tokio::time::timeout(PATIENCE, async {
        while !ids.is_subset(&answered) {
            let event = events.next().await.unwrap().unwrap().event;
            if event.type_.name().as_str() == "ChallengeAnswered" {
                let e: ChallengeAnswered = bcs::from_bytes(&event.contents).unwrap();
                answered.insert(e.challenge_id);
            }
        }
    })
    .await
    .expect("every challenge answered on-chain");
}

struct Network {
    /// Kept (its path printed) when the test fails, for the nodes' logs.
    dir: Option<tempfile::TempDir>,
    _devnet: floe_devnet::Devnet,
    network: NetworkConfig,
    nodes: Vec<NodeProcess>,
    node_ids: Vec<Address>,
    directory: HashMap<Address, HttpNodeClient>,
}

async fn start_network() -> Network {
    let dir = tempfile::tempdir().unwrap();
    let chain_dir = dir.path().join("chain");
    std::fs::create_dir_all(&chain_dir).unwrap();
    let addresses: Vec<String> = (0..NODES)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    let (devnet, network) = start_devnet_at(&chain_dir, N_SHARDS, &addresses, EPOCH_MS).await;
    let mut client = FloeClient::connect(&network.rpc_url).unwrap();
    let mut nodes = Vec::new();
    let mut node_ids = Vec::new();
    let mut directory = HashMap::new();
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
    Network {
        dir: Some(dir),
        _devnet: devnet,
        network,
        nodes,
        node_ids,
        directory,
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            eprintln!("node logs kept in {}", dir.keep().display());
        }
    }
}

fn encoded(blob: &[u8]) -> Vec<SliverPair> {
    floe_encoder::encode(&EncodingConfig::new(usize::from(N_SHARDS)).unwrap(), blob)
        .unwrap()
        .1
}

#[tokio::test]
async fn storage_survives_time() {
    let mut net = start_network().await;
    let mut keys = Keystore::default();
    let user = keys.generate();
    fund(&net.network, user, 10_000 * WAL).await;
    let mut floe = Floe::connect(&net.network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    let package = floe.objects.original_package;
    let shards_of = |committee: &Committee, node: Address| -> Vec<u16> {
        committee
            .members
            .iter()
            .find(|m| m.node_id == node)
            .map(|m| m.shards.clone())
            .unwrap_or_default()
    };

    // 1. Node 3 is down while blob A is stored: it certifies; node 3 recovers it when back.
    let committee_now = committee(&mut floe).await;
    let down = 3usize;
    assert!(
        shards_of(&committee_now, net.node_ids[down]).len() <= committee_now.max_faulty(),
        "the stopped node holds at most f shards"
    );
    net.nodes[down].kill();
    let blob_a = blob_bytes(40_000, 1);
    let pairs_a = encoded(&blob_a);
    let stored_a = floe
        .store_blob(&net.directory, &blob_a, 30, false)
        .await
        .expect("blob A certifies with f shards down");
    let id_a = stored_a.blob_id;
    net.nodes[down].start().await;
    let shards = shards_of(&committee(&mut floe).await, net.node_ids[down]);
    wait_for("the node that was down to recover blob A", || {
        holds(&net.nodes[down], &id_a, &pairs_a, &shards)
    })
    .await;
    let status = net.nodes[down].client().recovery_status().await.unwrap();
    assert!(status.pairs_recovered >= shards.len() as u64, "{status:?}");

    // 1b. Killed in the middle of recovering (SIGKILL), as a crash leaves it: some pairs
    // written, others not, a temporary file that never got its final name. It resumes and
    // ends with every pair.
    net.nodes[down].kill();
    let blob_dir = net.nodes[down].data().join("blobs").join(id_a.to_string());
    for &shard in shards.iter().skip(1) {
        std::fs::remove_file(blob_dir.join(format!("shard-{shard}.pair"))).unwrap();
    }
    std::fs::write(blob_dir.join(".shard-0.pair.1.1.tmp"), b"torn").unwrap();
    net.nodes[down].start().await;
    wait_for("the killed node to resume recovery", || {
        holds(&net.nodes[down], &id_a, &pairs_a, &shards)
    })
    .await;

    // 2. Node 1 killed and its data directory deleted mid-epoch: it recovers everything and
    // answers a challenge on a recovered sliver.
    let wiped = 1usize;
    net.nodes[wiped].kill();
    std::fs::remove_dir_all(net.nodes[wiped].data()).unwrap();
    net.nodes[wiped].start().await;
    let shards = shards_of(&committee(&mut floe).await, net.node_ids[wiped]);
    wait_for("the wiped node to recover blob A", || {
        holds(&net.nodes[wiped], &id_a, &pairs_a, &shards)
    })
    .await;
    let challenges = issue_challenges(&mut floe).await;
    assert!(
        challenges.contains_key(&net.node_ids[wiped]),
        "the wiped node is challenged (blob A is its only blob): {challenges:?}"
    );
    all_answered(
        &floe.client,
        package,
        challenges.values().copied().collect(),
    )
    .await;

    // 3. Blob B's storage ends after one epoch: collected once that epoch is over.
    let blob_b = blob_bytes(9_000, 2);
    let stored_b = floe
        .store_blob(&net.directory, &blob_b, 1, false)
        .await
        .unwrap();
    let id_b = stored_b.blob_id;
    let end_b = floe.system().await.unwrap().epoch + 1;
    assert!(
        net.nodes[0]
            .data()
            .join("blobs")
            .join(id_b.to_string())
            .is_dir()
    );
    let epoch = advance_epoch(&mut floe).await;
    assert_eq!(epoch, end_b);
    for node in &net.nodes {
        let dir = node.data().join("blobs").join(id_b.to_string());
        wait_for("blob B's files to be collected", || {
            let gone = !dir.exists();
            async move { gone }
        })
        .await;
    }
    let answer = net.nodes[0]
        .client()
        .request(
            Method::GET,
            &format!("/v1/blobs/{id_b}/metadata"),
            vec![],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let problem: Problem = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(problem.title, "Blob expired");
    assert!(
        problem
            .detail
            .contains(&format!("expired at epoch {end_b}")),
        "{problem:?}"
    );
    assert_eq!(
        floe.read_blob(&net.directory, &id_a).await.unwrap(),
        blob_a,
        "blob A is untouched"
    );

    // 4. Stake moves shards to node 2 at the next epoch change.
    let gainer = 2usize;
    let gainer_id = net.node_ids[gainer];
    let before = committee(&mut floe).await;
    floe.stake(gainer_id, 4_000 * WAL).await.unwrap();
    let epoch = advance_epoch(&mut floe).await;
    let after = committee(&mut floe).await;
    let gained: Vec<u16> = shards_of(&after, gainer_id)
        .into_iter()
        .filter(|s| !shards_of(&before, gainer_id).contains(s))
        .collect();
    assert!(
        !gained.is_empty(),
        "staking moved shards: {before:?} → {after:?}"
    );
    let system = floe.system().await.unwrap();
    let k = after.index_of(gainer_id).unwrap();
    assert!(
        !system.pending_shards[k].is_empty() || {
            // Already synced: the node was quick.
            let status = net.nodes[gainer].client().recovery_status().await.unwrap();
            status.synced_epoch == epoch
        },
        "the gained shards start pending"
    );
    wait_for("epoch_sync_done from the gaining node", || {
        let mut floe_client = floe.client.clone();
        let system_id = floe.objects.system.id;
        async move {
            let object = floe_client.object(system_id).await.unwrap();
            let system: floe_sdk::move_types::system::System =
                bcs::from_bytes(object.as_struct().unwrap().contents()).unwrap();
            system.pending_shards[k].is_empty()
        }
    })
    .await;
    assert!(holds(&net.nodes[gainer], &id_a, &pairs_a, &gained).await);
    // The node records the signal once its transaction is in a checkpoint, just after the
    // chain shows it.
    let gainer_client = net.nodes[gainer].client();
    wait_for("the gaining node to record its sync", || {
        let client = gainer_client.clone();
        async move { client.recovery_status().await.unwrap().synced_epoch == epoch }
    })
    .await;
    let status = gainer_client.recovery_status().await.unwrap();
    assert!(
        status.pairs_transferred >= gained.len() as u64,
        "the gained pairs came from their previous holders: {status:?}"
    );
    // The previous holders drop what they lost once the gainer synced.
    for &shard in &gained {
        let holder = before.members[before.holder_of(shard).unwrap()].node_id;
        let previous = net.node_ids.iter().position(|&n| n == holder).unwrap();
        let file = net.nodes[previous]
            .data()
            .join("blobs")
            .join(id_a.to_string())
            .join(format!("shard-{shard}.pair"));
        wait_for("the previous holder to drop a lost shard", || {
            let gone = !file.exists();
            async move { gone }
        })
        .await;
    }
    // Every challenge of the new epoch, gained shards included, is answered.
    let challenges = issue_challenges(&mut floe).await;
    assert!(!challenges.is_empty());
    all_answered(
        &floe.client,
        package,
        challenges.values().copied().collect(),
    )
    .await;
    assert_eq!(floe.read_blob(&net.directory, &id_a).await.unwrap(), blob_a);
}

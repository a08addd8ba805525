//! Churn (issue 13, "Done means"): seven real `floe-node` processes on 127.0.0.1 against an
//! in-process devnet, one network through three epoch changes:
//!
//! 1. stake moves shards (3000 WAL to node 2): node 2 is SIGKILLed while it fetches its gained
//!    shards, restarted on the same data directory, resumes, ends with every pair of its
//!    shards (bytes checked) and signals `epoch_sync_done`;
//! 2. node 6, registered but unstaked at genesis, gets stake and joins: every shard it holds
//!    is gained; once it has signalled sync it loses them on purpose (pair files deleted, the
//!    process stopped) and the challenge issued to it, necessarily on a gained shard, is
//!    slashed; restarted, it recovers them;
//! 3. node 5's operator withdraws its stake: it leaves the committee, the others take its
//!    shards from it;
//! 4. node 5, stopped, is staked again: it rejoins with every shard gained while it is down,
//!    keeps them through one more change (so the chain counts them synced and their previous
//!    holders drop them), and, restarted, answers the challenge issued to it at once on a
//!    pair it never had (recovered on demand).
//!
//! Blobs stored in every epoch are read back through the sdk's read flow with every byte
//! checked after every change; every challenge of every epoch is answered on-chain but the
//! liar's, and the only `ChallengeSlashed` is the liar's.

#![allow(clippy::unwrap_used)]

#[path = "support/process.rs"]
mod process;
mod support;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use floe_encoder::{BlobId, EncodingConfig, SliverPair};
use floe_node::http_client::HttpNodeClient;
use floe_sdk::committee::Committee;
use floe_sdk::move_types::events::{ChallengeAnswered, ChallengeIssued, ChallengeSlashed};
use floe_sdk::sui_transaction_builder::TransactionBuilder;
use floe_sdk::{Floe, FloeClient, Keystore, NetworkConfig, calls};
use futures::StreamExt as _;
use process::{NodeProcess, advance_epoch, blob_bytes, free_port, launch_node};
use sui_sdk_types::Address;
use support::{WAL, bls_key, fund, operator, operator_key, start_devnet_at};

const N_SHARDS: u16 = 20;
/// Nodes seated (and staked) at genesis; one more is registered unstaked.
const GENESIS: u8 = 6;
const NODES: u8 = 7;
/// Challenges get half of it to be answered.
const EPOCH_MS: u64 = 3_000;
const PATIENCE: Duration = Duration::from_secs(60);

/// The pair files `node` has for `blob`'s `shards`.
fn pair_files(node: &NodeProcess, blob: &BlobId, shards: &[u16]) -> usize {
    let dir = node.data().join("blobs").join(blob.to_string());
    shards
        .iter()
        .filter(|s| dir.join(format!("shard-{s}.pair")).exists())
        .count()
}

/// Polls `check` until it holds, failing after [`PATIENCE`] with `what`.
async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A stored blob: its bytes and encoding, to check every byte.
struct Stored {
    id: BlobId,
    bytes: Vec<u8>,
    pairs: Vec<SliverPair>,
}

/// Whether `node` stores exactly the right pair for each of `shards` of every blob (a wrong
/// pair fails the test at once).
async fn holds(node: &NodeProcess, blobs: &[Stored], shards: &[u16]) -> bool {
    let client = node.client();
    for blob in blobs {
        for &shard in shards {
            let pair = blob
                .id
                .pair_for_shard(usize::from(shard), usize::from(N_SHARDS));
            match client.read_pair(&blob.id, shard, None).await {
                Ok(got) if got == blob.pairs[pair] => {}
                Ok(_) => panic!("node {} stores a wrong pair for shard {shard}", node.url),
                Err(_) => return false,
            }
        }
    }
    true
}

fn shards_of(committee: &Committee, node: Address) -> Vec<u16> {
    committee
        .members
        .iter()
        .find(|m| m.node_id == node)
        .map(|m| m.shards.clone())
        .unwrap_or_default()
}

struct Network {
    /// Kept (its path printed) when the test fails, for the nodes' logs.
    dir: Option<tempfile::TempDir>,
    devnet: floe_devnet::Devnet,
    network: NetworkConfig,
    nodes: Vec<NodeProcess>,
    node_ids: Vec<Address>,
    directory: HashMap<Address, HttpNodeClient>,
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

/// Genesis seats nodes 0..6; node 6 registers itself (unstaked) through `register_node`.
async fn start_network() -> Network {
    let dir = tempfile::tempdir().unwrap();
    let chain_dir = dir.path().join("chain");
    std::fs::create_dir_all(&chain_dir).unwrap();
    let addresses: Vec<String> = (0..NODES)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    let (devnet, network) = start_devnet_at(
        &chain_dir,
        N_SHARDS,
        &addresses[..usize::from(GENESIS)],
        EPOCH_MS,
    )
    .await;
    let mut client = FloeClient::connect(&network.rpc_url).unwrap();
    for i in 0..NODES {
        fund(&network, operator(i), 0).await;
    }
    let joiner = NODES - 1;
    let mut op = Floe::connect(&network, operator_key(joiner)).await.unwrap();
    let mut builder = TransactionBuilder::new();
    let key = bls_key(joiner);
    let cap = calls::staking::register_node(
        &mut builder,
        &op.objects,
        "node-6",
        &addresses[usize::from(joiner)],
        &key.public_key(),
        &key.proof_of_possession(operator(joiner)),
        100,
    );
    let me = builder.pure(&operator(joiner));
    builder.transfer_objects(vec![cap], me);
    op.execute(builder).await.unwrap();

    let mut nodes = Vec::new();
    let mut node_ids = Vec::new();
    let mut directory = HashMap::new();
    for i in 0..NODES {
        let (node, node_id, checked) = launch_node(
            dir.path(),
            &devnet.network_config_path(),
            &mut client,
            i,
            &addresses[usize::from(i)],
            "recovery_concurrency = 1\n",
        )
        .await;
        directory.insert(node_id, checked);
        nodes.push(node);
        node_ids.push(node_id);
    }
    Network {
        dir: Some(dir),
        devnet,
        network,
        nodes,
        node_ids,
        directory,
    }
}

/// Issues this epoch's challenges; the events.
async fn issue_challenges(floe: &mut Floe) -> Vec<ChallengeIssued> {
    let mut builder = TransactionBuilder::new();
    calls::challenge::issue_challenges(&mut builder, &floe.objects);
    let executed = floe.execute(builder).await.unwrap();
    executed
        .events
        .iter()
        .filter(|e| e.type_.name().as_str() == "ChallengeIssued")
        .map(|e| bcs::from_bytes(&e.contents).unwrap())
        .collect()
}

/// The chain's challenge events from checkpoint 0 until every challenge of `ids` is answered.
async fn wait_answered(client: &FloeClient, package: Address, ids: &HashSet<u64>) {
    let client = client.clone();
    let events = client.stream_events(Some(0), Some(package));
    futures::pin_mut!(events);
    let mut answered = HashSet::new();
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
    .unwrap_or_else(|_| {
        panic!(
            "unanswered challenges: {:?}",
            ids.difference(&answered).collect::<Vec<_>>()
        )
    });
}

/// Waits until no committee member has shards pending, every member that had some having
/// signalled `epoch_sync_done`.
async fn wait_all_synced(floe: &Floe) {
    wait_for("every member to signal epoch_sync_done", || {
        let mut client = floe.client.clone();
        let system_id = floe.objects.system.id;
        async move {
            let object = client.object(system_id).await.unwrap();
            let system: floe_sdk::move_types::system::System =
                bcs::from_bytes(object.as_struct().unwrap().contents()).unwrap();
            system.pending_shards.iter().all(Vec::is_empty)
        }
    })
    .await;
}

impl Network {
    /// Waits until every running node follows `epoch` (each polls the chain every
    /// `committee_poll_ms`): until then a node does not know the shards it gained.
    async fn wait_nodes_at(&self, epoch: u64, skip: &[usize]) {
        for (i, node) in self.nodes.iter().enumerate() {
            if skip.contains(&i) {
                continue;
            }
            let client = node.client();
            wait_for(&format!("node {i} to see epoch {epoch}"), || {
                let client = client.clone();
                async move { client.info().await.is_ok_and(|info| info.epoch == epoch) }
            })
            .await;
        }
    }

    async fn store(&self, floe: &mut Floe, len: usize, seed: u32) -> Stored {
        let bytes = blob_bytes(len, seed);
        let pairs =
            floe_encoder::encode(&EncodingConfig::new(usize::from(N_SHARDS)).unwrap(), &bytes)
                .unwrap()
                .1;
        let stored = floe
            .store_blob(&self.directory, &bytes, 30, false)
            .await
            .unwrap();
        Stored {
            id: stored.blob_id,
            bytes,
            pairs,
        }
    }

    /// Every blob read back through the sdk's read flow, every byte checked.
    async fn read_all(&self, floe: &mut Floe, blobs: &[Stored], when: &str) {
        for blob in blobs {
            let read = floe
                .read_blob(&self.directory, &blob.id)
                .await
                .unwrap_or_else(|e| panic!("{when}: reading {}: {e}", blob.id));
            assert!(
                read == blob.bytes,
                "{when}: blob {} read back wrong",
                blob.id
            );
        }
    }

    /// Every committee member running holds every pair of its shards, bytes checked.
    async fn check_holders(&self, floe: &mut Floe, blobs: &[Stored], skip: &[usize]) {
        let committee = Committee::from_system(&floe.system().await.unwrap());
        for (i, node) in self.nodes.iter().enumerate() {
            if skip.contains(&i) {
                continue;
            }
            let shards = shards_of(&committee, self.node_ids[i]);
            wait_for(&format!("node {i} to hold its shards {shards:?}"), || {
                holds(node, blobs, &shards)
            })
            .await;
        }
    }
}

#[tokio::test]
async fn churn_keeps_every_blob_and_slashes_only_the_liar() {
    let started = Instant::now();
    let mut net = start_network().await;
    let mut keys = Keystore::default();
    let user = keys.generate();
    for _ in 0..3 {
        fund(&net.network, user, 10_000 * WAL).await;
    }
    let mut floe = Floe::connect(&net.network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    let package = floe.objects.original_package;
    let mut issued: Vec<ChallengeIssued> = Vec::new();
    let mut blobs: Vec<Stored> = Vec::new();
    let joiner = usize::from(NODES - 1);
    let leaver = 5usize;
    let gainer = 2usize;

    let committee1 = Committee::from_system(&floe.system().await.unwrap());
    assert_eq!(committee1.members.len(), usize::from(GENESIS));
    assert!(committee1.index_of(net.node_ids[joiner]).is_none());

    // Epoch 1: a small blob and enough bulk that migrating it takes a moment.
    blobs.push(net.store(&mut floe, 30_000, 1).await);
    for seed in 0..10 {
        blobs.push(net.store(&mut floe, 1 << 20, 100 + seed).await);
    }
    let round = issue_challenges(&mut floe).await;
    assert_eq!(round.len(), usize::from(GENESIS), "{round:?}");
    wait_answered(
        &floe.client,
        package,
        &round.iter().map(|c| c.challenge_id).collect(),
    )
    .await;
    issued.extend(round);
    eprintln!("[{:?}] epoch 1 done", started.elapsed());

    // Change 1 (→ epoch 2): stake moves shards to node 2, which is SIGKILLed mid-migration.
    floe.stake(net.node_ids[gainer], 3_000 * WAL).await.unwrap();
    let epoch = advance_epoch(&mut floe).await;
    let committee2 = Committee::from_system(&floe.system().await.unwrap());
    let before = shards_of(&committee1, net.node_ids[gainer]);
    let gained: Vec<u16> = shards_of(&committee2, net.node_ids[gainer])
        .into_iter()
        .filter(|s| !before.contains(s))
        .collect();
    assert!(gained.len() >= 3, "{committee1:?} → {committee2:?}");
    let client = net.nodes[gainer].client();
    let watch = Instant::now();
    loop {
        let status = client.recovery_status().await.unwrap();
        if status.pairs_transferred + status.pairs_recovered > 0 {
            break;
        }
        assert!(
            watch.elapsed() < PATIENCE,
            "node {gainer} never started migrating"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    net.nodes[gainer].kill();
    let on_disk: usize = blobs
        .iter()
        .map(|b| pair_files(&net.nodes[gainer], &b.id, &gained))
        .sum();
    let total = blobs.len() * gained.len();
    eprintln!(
        "[{:?}] node {gainer} killed mid-migration with {on_disk} of {total} gained pairs",
        started.elapsed()
    );
    let system = floe.system().await.unwrap();
    let k = committee2.index_of(net.node_ids[gainer]).unwrap();
    assert!(
        !system.pending_shards[k].is_empty() && on_disk < total,
        "the node was killed before it finished migrating ({on_disk}/{total} pairs, pending {:?})",
        system.pending_shards[k]
    );
    net.wait_nodes_at(epoch, &[gainer]).await;
    net.read_all(&mut floe, &blobs, "epoch 2, node 2 down mid-migration")
        .await;
    net.nodes[gainer].start().await;
    wait_all_synced(&floe).await;
    net.check_holders(&mut floe, &blobs, &[]).await;
    let status = client.recovery_status().await.unwrap();
    assert_eq!(status.synced_epoch, epoch, "{status:?}");
    assert_eq!(status.pairs_failed, 0, "{status:?}");
    // It still knew the previous holders after the restart (the saved committee): the rest
    // came whole from them, nothing from recovery symbols.
    assert!(
        status.pairs_transferred >= (total - on_disk) as u64 && status.pairs_recovered == 0,
        "{status:?}"
    );
    blobs.push(net.store(&mut floe, 200_000, 2).await);
    net.read_all(&mut floe, &blobs, "epoch 2").await;
    let round = issue_challenges(&mut floe).await;
    wait_answered(
        &floe.client,
        package,
        &round.iter().map(|c| c.challenge_id).collect(),
    )
    .await;
    issued.extend(round);
    eprintln!("[{:?}] epoch 2 done", started.elapsed());

    // Change 2 (→ epoch 3): node 6 gets stake and joins; every shard it holds is gained.
    floe.stake(net.node_ids[joiner], 2_000 * WAL).await.unwrap();
    let epoch = advance_epoch(&mut floe).await;
    let committee3 = Committee::from_system(&floe.system().await.unwrap());
    let liar_shards = shards_of(&committee3, net.node_ids[joiner]);
    assert!(!liar_shards.is_empty(), "node 6 joined: {committee3:?}");
    assert_eq!(
        floe.system().await.unwrap().pending_shards
            [committee3.index_of(net.node_ids[joiner]).unwrap()],
        liar_shards,
        "all its shards are gained"
    );
    net.wait_nodes_at(epoch, &[]).await;
    net.read_all(&mut floe, &blobs, "epoch 3, right after the change")
        .await;
    wait_all_synced(&floe).await;
    net.check_holders(&mut floe, &blobs, &[]).await;
    blobs.push(net.store(&mut floe, 150_000, 3).await);
    // The liar: synced, it then loses its gained shards' slivers (and cannot heal before the
    // deadline: stopped).
    let liar_id = net.node_ids[joiner];
    net.nodes[joiner].kill();
    let mut deleted = 0;
    for blob in &blobs {
        for shard in &liar_shards {
            let file = net.nodes[joiner]
                .data()
                .join("blobs")
                .join(blob.id.to_string())
                .join(format!("shard-{shard}.pair"));
            std::fs::remove_file(&file).unwrap();
            deleted += 1;
        }
    }
    eprintln!(
        "[{:?}] node 6 synced, {deleted} pairs deleted",
        started.elapsed()
    );
    let round = issue_challenges(&mut floe).await;
    let liar_challenge = round
        .iter()
        .find(|c| floe_sdk::move_types::address_of(&c.node_id) == liar_id)
        .expect("the liar is challenged")
        .clone();
    assert!(liar_shards.contains(&liar_challenge.shard));
    wait_answered(
        &floe.client,
        package,
        &round
            .iter()
            .filter(|c| c.challenge_id != liar_challenge.challenge_id)
            .map(|c| c.challenge_id)
            .collect(),
    )
    .await;
    let stake_before = floe.staking_pool(liar_id).await.unwrap().active.value;
    while floe.chain_now_ms().await.unwrap() <= liar_challenge.deadline_ms {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut builder = TransactionBuilder::new();
    let reward =
        calls::challenge::slash_missed(&mut builder, &floe.objects, liar_challenge.challenge_id);
    let me = builder.pure(&floe.sender());
    builder.transfer_objects(vec![reward], me);
    floe.execute(builder).await.unwrap();
    let stake_after = floe.staking_pool(liar_id).await.unwrap().active.value;
    assert!(stake_after < stake_before, "{stake_before} → {stake_after}");
    issued.extend(round);
    // Back up, it recovers what it deleted.
    net.nodes[joiner].start().await;
    wait_for("the liar to recover its shards", || {
        holds(&net.nodes[joiner], &blobs, &liar_shards)
    })
    .await;
    // Node 5 withdraws its stake: it leaves at the next change.
    let staked_type = floe_devnet::floe::tag("staking", "StakedWal");
    let staked = floe
        .client
        .clone()
        .owned_objects(operator(leaver as u8), Some(&staked_type))
        .await
        .unwrap()[0]
        .object_id();
    let mut leaving = Floe::connect(&net.network, operator_key(leaver as u8))
        .await
        .unwrap();
    leaving.request_withdraw(staked).await.unwrap();
    net.read_all(&mut floe, &blobs, "epoch 3").await;
    eprintln!("[{:?}] epoch 3 done (epoch {epoch})", started.elapsed());

    // Change 3 (→ epoch 4): node 5 has left; its shards moved to the others.
    let epoch = advance_epoch(&mut floe).await;
    let committee4 = Committee::from_system(&floe.system().await.unwrap());
    assert!(
        committee4.index_of(net.node_ids[leaver]).is_none(),
        "node 5 left: {committee4:?}"
    );
    assert!(committee4.index_of(liar_id).is_some());
    net.wait_nodes_at(epoch, &[]).await;
    net.read_all(&mut floe, &blobs, "epoch 4, right after the change")
        .await;
    wait_all_synced(&floe).await;
    net.check_holders(&mut floe, &blobs, &[]).await;
    blobs.push(net.store(&mut floe, 70_000, 4).await);
    net.read_all(&mut floe, &blobs, "epoch 4").await;
    let round = issue_challenges(&mut floe).await;
    assert_eq!(round.len(), usize::from(GENESIS), "{round:?}");
    wait_answered(
        &floe.client,
        package,
        &round.iter().map(|c| c.challenge_id).collect(),
    )
    .await;
    issued.extend(round);
    // Node 5, out of the committee, drops what it held once the new holders synced.
    let old5 = shards_of(&committee3, net.node_ids[leaver]);
    wait_for("node 5 to drop the shards it lost", || {
        let left: usize = blobs
            .iter()
            .map(|b| pair_files(&net.nodes[leaver], &b.id, &old5))
            .sum();
        async move { left == 0 }
    })
    .await;

    eprintln!("[{:?}] epoch 4 done", started.elapsed());

    // Changes 4 and 5 (→ epochs 5, 6) with node 5 down: staked again, it rejoins at 5 with
    // every shard it holds gained (pending) but is not there to fetch them; at 6 it keeps
    // them, so they are no longer pending: the chain counts them synced, and their previous
    // holders drop them. Back up at 6, it is challenged at once on a pair it never had: it must
    // recover that pair before the answer window closes, not when its background passes
    // reach the blob.
    net.nodes[leaver].kill();
    floe.stake(net.node_ids[leaver], 2_000 * WAL).await.unwrap();
    let epoch = advance_epoch(&mut floe).await;
    let committee5 = Committee::from_system(&floe.system().await.unwrap());
    let rejoined = shards_of(&committee5, net.node_ids[leaver]);
    assert!(!rejoined.is_empty(), "node 5 rejoined: {committee5:?}");
    assert_eq!(
        floe.system().await.unwrap().pending_shards
            [committee5.index_of(net.node_ids[leaver]).unwrap()],
        rejoined,
        "all its shards are gained"
    );
    net.wait_nodes_at(epoch, &[leaver]).await;
    net.read_all(&mut floe, &blobs, "epoch 5, node 5 down")
        .await;
    let epoch = advance_epoch(&mut floe).await;
    let committee6 = Committee::from_system(&floe.system().await.unwrap());
    // Stake is unchanged, so it keeps (nearly all of) them: those are not gained at 6, so
    // not pending, so challengeable, though node 5 never fetched them.
    let k6 = committee6.index_of(net.node_ids[leaver]).unwrap();
    let pending6 = floe.system().await.unwrap().pending_shards[k6].clone();
    let kept: Vec<u16> = shards_of(&committee6, net.node_ids[leaver])
        .into_iter()
        .filter(|s| rejoined.contains(s) && !pending6.contains(s))
        .collect();
    assert!(!kept.is_empty(), "{committee5:?} → {committee6:?}");
    net.wait_nodes_at(epoch, &[leaver]).await;
    // Their epoch-4 holders (node 5 held none then), with nothing pending, drop them.
    for &shard in &kept {
        let holder = committee4.members[committee4.holder_of(shard).unwrap()].node_id;
        let i = net.node_ids.iter().position(|&id| id == holder).unwrap();
        wait_for(&format!("node {i} to drop shard {shard}"), || {
            let left: usize = blobs
                .iter()
                .map(|b| pair_files(&net.nodes[i], &b.id, &[shard]))
                .sum();
            async move { left == 0 }
        })
        .await;
    }
    let on_disk: usize = blobs
        .iter()
        .map(|b| pair_files(&net.nodes[leaver], &b.id, &rejoined))
        .sum();
    assert_eq!(on_disk, 0, "node 5 has none of its pairs");
    net.nodes[leaver].start().await;
    let round = issue_challenges(&mut floe).await;
    let returned = round
        .iter()
        .find(|c| floe_sdk::move_types::address_of(&c.node_id) == net.node_ids[leaver])
        .expect("node 5 is challenged")
        .clone();
    assert!(kept.contains(&returned.shard), "{returned:?}");
    wait_answered(
        &floe.client,
        package,
        &round.iter().map(|c| c.challenge_id).collect(),
    )
    .await;
    issued.extend(round);
    net.check_holders(&mut floe, &blobs, &[]).await;
    net.read_all(&mut floe, &blobs, "epoch 6").await;
    eprintln!("[{:?}] epoch 6 done", started.elapsed());

    // Over all epochs: every challenge but the liar's answered, the liar's the only slash.
    let ids: HashSet<u64> = issued
        .iter()
        .map(|c| c.challenge_id)
        .filter(|&id| id != liar_challenge.challenge_id)
        .collect();
    wait_answered(&floe.client, package, &ids).await;
    let events = floe.client.stream_events(Some(0), Some(package));
    futures::pin_mut!(events);
    let mut slashed = Vec::new();
    let mut answered = HashSet::new();
    tokio::time::timeout(PATIENCE, async {
        while answered.len() < ids.len() || slashed.is_empty() {
            let event = events.next().await.unwrap().unwrap().event;
            match event.type_.name().as_str() {
                "ChallengeSlashed" => {
                    slashed.push(bcs::from_bytes::<ChallengeSlashed>(&event.contents).unwrap())
                }
                "ChallengeAnswered" => {
                    let e: ChallengeAnswered = bcs::from_bytes(&event.contents).unwrap();
                    answered.insert(e.challenge_id);
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(slashed.len(), 1, "{slashed:?}");
    assert_eq!(slashed[0].challenge_id, liar_challenge.challenge_id);
    assert!(!answered.contains(&liar_challenge.challenge_id));
    let _ = &net.devnet;
    eprintln!("[{:?}] done", started.elapsed());
}

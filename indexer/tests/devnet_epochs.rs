//! Capacity and shard sync on real chain data: an in-process devnet with four genesis nodes
//! runs a history through the sdk (a blob registered for three epochs, another registered,
//! deleted and its storage destroyed, which gives its capacity back; a large stake that moves
//! shards at the epoch change; one gaining node signalling sync); the `floe-indexer` binary
//! ingests the checkpoint files, and `/v1/capacity` and `/v1/nodes/{id}/sync` are checked
//! field by field against the `System` object and the events the checkpoint files hold
//! (decoded with the sdk, not the indexer).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::move_types::{self, events as ev, staking::NodeCap};
use floe_sdk::sui_transaction_builder::{ObjectInput, TransactionBuilder};
use floe_sdk::{Floe, Keystore, NetworkConfig, calls};
use serde_json::json;
use sui_sdk_types::Address;
use support::chain::{ChainEvent, all, chain_events, events_named, n, request_wal};
use support::{IndexerProcess, TestDb, last_checkpoint, wait_for_checkpoint};

const WAL: u64 = 1_000_000_000;
const EPOCH_MS: u64 = 8_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_and_shard_sync_match_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        ..DevnetConfig::default()
    };
    let faucet_keys = Keystore::load_or_create(config.faucet_keystore_path(), 1).unwrap();
    let publisher = faucet_keys.addresses()[0];
    let mut operator_keys = Keystore::default();
    let operators: Vec<Address> = (0..4).map(|_| operator_keys.generate()).collect();
    let bls: Vec<BlsKeyPair> = (0..4u8)
        .map(|i| BlsKeyPair::from_seed(&[i + 71; 32]).unwrap())
        .collect();
    config.floe = Some(NetworkGenesis {
        n_shards: 12,
        epoch_duration_ms: EPOCH_MS,
        nodes: bls
            .iter()
            .enumerate()
            .map(|(i, key)| GenesisNode {
                name: format!("node-{i}"),
                network_address: format!("127.0.0.1:{}", 9600 + i),
                bls_public_key: key.public_key().to_vec(),
                proof_of_possession: key.proof_of_possession(publisher).to_vec(),
                commission_bps: 100,
                stake: 1_000 * WAL,
                operator: operators[i],
            })
            .collect(),
    });
    let devnet = Devnet::start_floe(config.clone()).await.unwrap();
    let network = NetworkConfig::from_file(devnet.network_config_path()).unwrap();
    let package = network.original_package_id.unwrap();
    let faucet = network.faucet_url.clone().unwrap();
    let mut keys = Keystore::default();
    let user = keys.generate();
    floe_sdk::faucet::request_gas(&faucet, user).await.unwrap();
    request_wal(&faucet, user, 5_000 * WAL).await;
    let mut floe = Floe::connect(&network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    let system = floe.system().await.unwrap();
    assert_eq!(system.epoch, 1);
    let n_shards = usize::from(system.n_shards);
    let encoding = floe_encoder::EncodingConfig::new(n_shards).unwrap();

    // Capacity: one blob holds three epochs; another is registered, deleted and its storage
    // destroyed in one transaction, which releases what it reserved.
    let kept: Vec<u8> = (0..20_000u32).map(|i| (i * 13 + 1) as u8).collect();
    let (metadata, _) = floe_encoder::encode(&encoding, &kept).unwrap();
    floe.register_blob(&system, &metadata, 3, false)
        .await
        .unwrap();
    let dropped: Vec<u8> = (0..50_000u32).map(|i| (i * 5 + 2) as u8).collect();
    let (metadata, _) = floe_encoder::encode(&encoding, &dropped).unwrap();
    let registered = floe
        .register_blob(&system, &metadata, 5, true)
        .await
        .unwrap();
    let blob = registered.blob_object;
    let mut builder = TransactionBuilder::new();
    let blob = builder.object(ObjectInput::owned(
        *blob.object_id(),
        blob.version(),
        *blob.digest(),
    ));
    let storage = calls::blob::delete_blob(&mut builder, &floe.objects, blob);
    calls::blob::destroy_storage(&mut builder, &floe.objects, storage);
    floe.execute(builder).await.unwrap();

    // Shards move: three times a genesis node's stake on the first node, live next epoch.
    let cap_type = floe_devnet::floe::tag("staking", "NodeCap");
    let mut cap_of = BTreeMap::new();
    for operator in &operators {
        let caps = floe
            .client
            .owned_objects(*operator, Some(&cap_type))
            .await
            .unwrap();
        let cap: NodeCap = bcs::from_bytes(caps[0].as_struct().unwrap().contents()).unwrap();
        cap_of.insert(
            move_types::address_of(&cap.node_id),
            (caps[0].object_id(), *operator),
        );
    }
    let heavy = *cap_of.keys().next().unwrap();
    floe.stake(heavy, 3_000 * WAL).await.unwrap();
    while floe.chain_now_ms().await.unwrap() < system.epoch_start_ms + system.epoch_duration_ms {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut builder = TransactionBuilder::new();
    calls::challenge::advance_epoch(&mut builder, &floe.objects);
    let advanced = floe.execute(builder).await.unwrap();
    let gained: Vec<ev::ShardsGained> = advanced
        .events
        .iter()
        .filter(|e| e.type_.name().as_str() == "ShardsGained")
        .map(|e| bcs::from_bytes(&e.contents).unwrap())
        .collect();
    assert!(!gained.is_empty(), "the stake moved shards");

    // The first gaining node signals sync; any other stays pending.
    let syncing = move_types::address_of(&gained[0].node_id);
    let (cap_id, operator) = cap_of[&syncing];
    floe_sdk::faucet::request_gas(&faucet, operator)
        .await
        .unwrap();
    let mut node = Floe::connect(&network, operator_keys.key(&operator).unwrap().clone())
        .await
        .unwrap();
    let cap = node.client.object(cap_id).await.unwrap();
    let mut builder = TransactionBuilder::new();
    let cap = builder.object(ObjectInput::owned(cap_id, cap.version(), cap.digest()));
    calls::staking::epoch_sync_done(&mut builder, &node.objects, cap, 2);
    node.execute(builder).await.unwrap();

    let system = floe.system().await.unwrap();
    assert_eq!(system.epoch, 2);
    tokio::time::sleep(Duration::from_millis(200)).await;
    devnet.shutdown().await;
    let checkpoints = config.checkpoint_dir();
    let last = last_checkpoint(&checkpoints);
    let events = chain_events(&checkpoints, last, package);

    let db = TestDb::new("devnet_epochs").await;
    let indexer = IndexerProcess::spawn(
        &db.url,
        &[
            "--checkpoints-dir",
            checkpoints.to_str().unwrap(),
            "--package",
            &package.to_string(),
            "--batch",
            "5",
        ],
    );
    wait_for_checkpoint(indexer.addr, last, Duration::from_secs(60)).await;
    let addr = indexer.addr;

    // --- /v1/capacity.
    let reserved: Vec<(&ChainEvent, ev::CapacityReserved)> =
        events_named(&events, "CapacityReserved");
    let released: Vec<(&ChainEvent, ev::CapacityReleased)> =
        events_named(&events, "CapacityReleased");
    assert_eq!((reserved.len(), released.len()), (2, 1));
    let (_, release) = &released[0];
    assert_eq!(
        (
            release.start_epoch,
            release.end_epoch,
            release.encoded_bytes
        ),
        (1, 6, reserved[1].1.encoded_bytes),
        "the destroyed storage gives back all it reserved"
    );
    let epochs = all(addr, "/v1/epochs", last, 2).await;
    let items = all(addr, "/v1/capacity", last, 2).await;
    // Epochs 0 to 6: the deleted blob's reservation ended at 6 (its release gave it back).
    assert_eq!(items.len(), 7);
    for (e, item) in items.iter().enumerate() {
        let e = e as u64;
        let from_events = reserved
            .iter()
            .filter(|(_, r)| (r.start_epoch..r.end_epoch).contains(&e))
            .map(|(_, r)| r.encoded_bytes)
            .sum::<u64>()
            - released
                .iter()
                .filter(|(_, r)| (r.start_epoch..r.end_epoch).contains(&e))
                .map(|(_, r)| r.encoded_bytes)
                .sum::<u64>();
        let used = match e.cmp(&system.epoch) {
            std::cmp::Ordering::Less => from_events,
            std::cmp::Ordering::Equal => system.used_capacity,
            std::cmp::Ordering::Greater => system
                .future_used_capacity
                .get((e - system.epoch - 1) as usize)
                .copied()
                .unwrap_or(0),
        };
        assert_eq!(
            used, from_events,
            "epoch {e}: the System and its events agree"
        );
        let expected_used = if (1..4).contains(&e) {
            reserved[0].1.encoded_bytes
        } else {
            0
        };
        assert_eq!(used, expected_used, "epoch {e}");
        let total = epochs
            .iter()
            .find(|x| n(x, "epoch") == e)
            .map_or(system.total_capacity, |x| n(x, "total_capacity"));
        assert_eq!(
            *item,
            json!({
                "epoch": e,
                "started": e <= system.epoch,
                "used_capacity": used,
                "total_capacity": total,
                "free_capacity": total - used,
            }),
            "capacity of epoch {e}"
        );
    }

    // --- /v1/nodes/{id}/sync: every node, against ShardsGained / EpochSyncDone and the
    // System's pending shards.
    let gained: Vec<(&ChainEvent, ev::ShardsGained)> = events_named(&events, "ShardsGained");
    let synced: Vec<(&ChainEvent, ev::EpochSyncDone)> = events_named(&events, "EpochSyncDone");
    assert_eq!(synced.len(), 1);
    for node_id in cap_of.keys() {
        let items = all(addr, &format!("/v1/nodes/{node_id}/sync"), last, 2).await;
        let mine: Vec<_> = gained
            .iter()
            .filter(|(_, g)| move_types::address_of(&g.node_id) == *node_id)
            .collect();
        assert_eq!(items.len(), mine.len(), "node {node_id}: {items:?}");
        for (item, (at, g)) in items.iter().zip(&mine) {
            let done = synced.iter().find(|(_, s)| {
                move_types::address_of(&s.node_id) == *node_id && s.epoch == g.epoch
            });
            let position = system
                .committee
                .iter()
                .position(|m| move_types::address_of(m) == *node_id)
                .unwrap();
            let pending = &system.pending_shards[position];
            let mut expected = json!({
                "node_id": node_id.to_string(),
                "epoch": g.epoch,
                "status": "pending",
                "shards_gained": g.shards,
                "shard_count": g.shards.len(),
                "gained_checkpoint": at.checkpoint,
                "gained_at_ms": at.timestamp_ms,
                "synced_shards": null,
                "synced_checkpoint": null,
                "synced_at_ms": null,
                "synced_tx_digest": null,
            });
            match done {
                Some((done_at, s)) => {
                    assert_eq!(s.shards, g.shards);
                    assert!(pending.is_empty(), "synced: nothing pending on chain");
                    expected["status"] = json!("synced");
                    expected["synced_shards"] = json!(s.shards);
                    expected["synced_checkpoint"] = json!(done_at.checkpoint);
                    expected["synced_at_ms"] = json!(done_at.timestamp_ms);
                    expected["synced_tx_digest"] = json!(done_at.tx_digest);
                }
                None => assert_eq!(*pending, g.shards, "pending on chain"),
            }
            assert_eq!(*item, expected, "node {node_id}");
        }
    }
    // The status filter.
    let syncing_path = format!("/v1/nodes/{syncing}/sync?status=synced");
    assert_eq!(all(addr, &syncing_path, last, 2).await.len(), 1);
    let pending_path = format!("/v1/nodes/{syncing}/sync?status=pending");
    assert!(all(addr, &pending_path, last, 2).await.is_empty());
}

//! Shared blobs (`/v1/shared-blobs`, `/v1/shared-blobs/{id}`, `/v1/shared-blobs/{id}/funders`
//! and `/v1/blobs/{id}`'s `shared_blobs`) against a devnet: a user stores a permanent blob and
//! shares it with initial funds, a second account funds it, the user funds it again, a third
//! account with no WAL extends it out of its funds; every field is checked against the
//! `SharedBlob` object and the checkpoint files' events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_encoder::{BlobId, BlobMetadata, Sliver, SliverPair};
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::move_types::{self, events as ev, staking::NodeCap};
use floe_sdk::nodes::{NodeError, StorageConfirmation, StorageNodeClient};
use floe_sdk::{Floe, Keystore, NetworkConfig};
use serde_json::Value;
use sui_sdk_types::Address;
use support::chain::{chain_events, events_named, n, request_wal};
use support::{IndexerProcess, TestDb, get, get_json, last_checkpoint, wait_for_checkpoint};

const WAL: u64 = 1_000_000_000;

/// A storage node that keeps nothing and signs every confirmation with its genesis BLS key:
/// enough to certify a blob, which is all sharing needs (nothing here reads it back).
struct SigningNode {
    key: BlsKeyPair,
    epoch: u64,
}

impl StorageNodeClient for SigningNode {
    async fn store_metadata(&self, _: &BlobId, _: &BlobMetadata) -> Result<(), NodeError> {
        Ok(())
    }

    async fn store_sliver_pair(&self, _: u16, _: &BlobId, _: &SliverPair) -> Result<(), NodeError> {
        Ok(())
    }

    async fn confirm_storage(&self, id: &BlobId) -> Result<StorageConfirmation, NodeError> {
        Ok(StorageConfirmation {
            epoch: self.epoch,
            blob_id: *id,
            signature: self.key.sign_confirmation(self.epoch, &id.0),
        })
    }

    async fn read_metadata(&self, _: &BlobId) -> Result<BlobMetadata, NodeError> {
        Err(NodeError::NotFound)
    }

    async fn read_primary_sliver(&self, _: u16, _: &BlobId) -> Result<Sliver, NodeError> {
        Err(NodeError::NotFound)
    }

    fn bls_public_key(&self) -> Option<[u8; 48]> {
        Some(self.key.public_key())
    }
}

fn bls_keys() -> Vec<BlsKeyPair> {
    (0..4u8)
        .map(|i| BlsKeyPair::from_seed(&[i + 61; 32]).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_blobs_follow_the_chain() {
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
    config.floe = Some(NetworkGenesis {
        n_shards: 10,
        epoch_duration_ms: 60_000,
        nodes: bls_keys()
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
    let checkpoints = config.checkpoint_dir();
    let devnet = Devnet::start_floe(config).await.unwrap();
    let network_file = devnet.network_config_path();
    let network = NetworkConfig::from_file(&network_file).unwrap();
    let db = TestDb::new("shared_blobs").await;
    let indexer = IndexerProcess::spawn(&db.url, &["--network", network_file.to_str().unwrap()]);
    let faucet = network.faucet_url.clone().unwrap();
    let mut keys = Keystore::default();
    let (user, friend, stranger) = (keys.generate(), keys.generate(), keys.generate());
    for account in [user, friend, stranger] {
        floe_sdk::faucet::request_gas(&faucet, account)
            .await
            .unwrap();
    }
    request_wal(&faucet, user, 100 * WAL).await;
    request_wal(&faucet, friend, 10 * WAL).await;
    let connect = |account: Address| {
        let key = keys.key(&account).unwrap().clone();
        let network = network.clone();
        async move { Floe::connect(&network, key).await.unwrap() }
    };
    let mut floe = connect(user).await;

    // The nodes of genesis, by node ID.
    let epoch = floe.system().await.unwrap().epoch;
    let cap_type = floe_devnet::floe::tag("staking", "NodeCap");
    let mut nodes = HashMap::new();
    for (i, key) in bls_keys().into_iter().enumerate() {
        let caps = floe
            .client
            .owned_objects(operators[i], Some(&cap_type))
            .await
            .unwrap();
        let cap: NodeCap = bcs::from_bytes(caps[0].as_struct().unwrap().contents()).unwrap();
        nodes.insert(
            move_types::address_of(&cap.node_id),
            SigningNode { key, epoch },
        );
    }

    // Stored permanent, shared with 2 WAL; funded by a friend (1 WAL) and by the user again
    // (0.5 WAL); extended by 1 epoch by a stranger holding no WAL, out of the funds.
    let bytes: Vec<u8> = (0..4_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let stored = floe.store_blob(&nodes, &bytes, 2, false).await.unwrap();
    let blob_id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(stored.blob_id.0);
    let created = floe.share_blob(stored.blob_object, 2 * WAL).await.unwrap();
    let shared = created.shared_blob;
    connect(friend)
        .await
        .fund_shared_blob(shared, WAL)
        .await
        .unwrap();
    floe.fund_shared_blob(shared, WAL / 2).await.unwrap();
    let extended = connect(stranger)
        .await
        .extend_shared_blob(shared, 1)
        .await
        .unwrap();
    assert_eq!(extended.new_end_epoch, created.end_epoch + 1);
    assert!(extended.price > 0);

    // A second blob shared with no funds: no funder row, listed apart.
    let other_bytes: Vec<u8> = (0..3_000u32).map(|i| (i * 13 + 5) as u8).collect();
    let other = floe
        .store_blob(&nodes, &other_bytes, 2, false)
        .await
        .unwrap();
    let unfunded = floe
        .share_blob(other.blob_object, 0)
        .await
        .unwrap()
        .shared_blob;

    let height = floe
        .client
        .service_info()
        .await
        .unwrap()
        .checkpoint_height();
    wait_for_checkpoint(indexer.addr, height, Duration::from_secs(60)).await;
    let package = network.original_package_id.unwrap();
    let events = chain_events(&checkpoints, last_checkpoint(&checkpoints), package);

    // The shared blob against its object and its events.
    let on_chain = floe.shared_blob(shared).await.unwrap();
    let item = get_json(indexer.addr, &format!("/v1/shared-blobs/{shared}")).await["item"].clone();
    assert_eq!(item["shared_blob_id"], shared.to_string());
    assert_eq!(
        item["blob_object_id"],
        move_types::address_of(&on_chain.shared.blob.id.id).to_string()
    );
    assert_eq!(item["blob_object_id"], stored.blob_object.to_string());
    assert_eq!(item["blob_id"], blob_id);
    assert_eq!(
        item["blob_id"],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(on_chain.blob_id().0)
    );
    assert_eq!(item["creator"], user.to_string());
    assert_eq!(
        n(&item, "end_epoch"),
        on_chain.shared.blob.storage.end_epoch
    );
    assert_eq!(n(&item, "funds"), on_chain.shared.funds.value);
    let funded: Vec<(_, ev::SharedBlobFunded)> = events_named(&events, "SharedBlobFunded");
    let extensions: Vec<(_, ev::SharedBlobExtended)> = events_named(&events, "SharedBlobExtended");
    let added: u64 = funded.iter().map(|(_, e)| e.amount).sum();
    let spent: u64 = extensions.iter().map(|(_, e)| e.price).sum();
    assert_eq!(n(&item, "funded"), 2 * WAL + added);
    assert_eq!(n(&item, "funded"), 3 * WAL + WAL / 2);
    assert_eq!(n(&item, "spent"), spent);
    assert_eq!(n(&item, "spent"), extended.price);
    assert_eq!(
        n(&item, "funds"),
        n(&item, "funded") - n(&item, "spent"),
        "funds are what was added less what was spent"
    );
    assert_eq!(n(&item, "fundings"), 2);
    assert_eq!(n(&item, "extensions"), 1);
    let created_at = events_named::<ev::SharedBlobCreated>(&events, "SharedBlobCreated")
        .into_iter()
        .find(|(_, e)| move_types::address_of(&e.shared_blob_id) == shared)
        .unwrap()
        .0
        .checkpoint;
    assert_eq!(n(&item, "created_checkpoint"), created_at);
    assert_eq!(
        n(&item, "updated_checkpoint"),
        extensions[0].0.checkpoint,
        "the extension was its last event"
    );

    // Funders: each account's total, the creator's initial funds included.
    let funders = get_json(indexer.addr, &format!("/v1/shared-blobs/{shared}/funders")).await;
    let mut totals: Vec<(String, u64, u64)> = funders["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["shared_blob_id"], shared.to_string());
            (
                f["funder"].as_str().unwrap().to_owned(),
                n(f, "amount"),
                n(f, "fundings"),
            )
        })
        .collect();
    totals.sort();
    let mut expected = vec![
        (user.to_string(), 2 * WAL + WAL / 2, 2),
        (friend.to_string(), WAL, 1),
    ];
    expected.sort();
    assert_eq!(totals, expected);
    let none = get_json(
        indexer.addr,
        &format!("/v1/shared-blobs/{unfunded}/funders"),
    )
    .await;
    assert_eq!(none["items"], Value::Array(Vec::new()));

    // Lists: all, by blob ID, by creator; the blob ID's page names its shared copy.
    let all = get_json(indexer.addr, "/v1/shared-blobs").await;
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["shared_blob_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut both = vec![shared.to_string(), unfunded.to_string()];
    both.sort();
    assert_eq!(ids(&all), both);
    let by_blob = get_json(indexer.addr, &format!("/v1/shared-blobs?blob_id={blob_id}")).await;
    assert_eq!(ids(&by_blob), [shared.to_string()]);
    let by_creator = get_json(indexer.addr, &format!("/v1/shared-blobs?creator={friend}")).await;
    assert_eq!(ids(&by_creator), Vec::<String>::new());
    // The wrapped Blob's object ID names its shared blob (what the CLI asks when an object
    // it was given is no longer an object of its own); any other object ID names none.
    let wrapped = stored.blob_object.to_string();
    let by_object = get_json(
        indexer.addr,
        &format!("/v1/shared-blobs?blob_object_id={wrapped}"),
    )
    .await;
    assert_eq!(ids(&by_object), [shared.to_string()]);
    assert_eq!(by_object["items"][0]["blob_object_id"], wrapped.as_str());
    let by_other = get_json(
        indexer.addr,
        &format!("/v1/shared-blobs?blob_object_id={unfunded}"),
    )
    .await;
    assert_eq!(ids(&by_other), Vec::<String>::new());
    let (status, content_type, _) = get(indexer.addr, "/v1/shared-blobs?blob_object_id=0xzz").await;
    assert_eq!(
        (status, content_type.as_str()),
        (400, "application/problem+json")
    );
    let page = get_json(indexer.addr, &format!("/v1/blobs/{blob_id}")).await;
    let copies = page["item"]["shared_blobs"].as_array().unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0], item);

    // Unknown and malformed IDs: problem+json.
    let (status, content_type, _) = get(
        indexer.addr,
        &format!("/v1/shared-blobs/0x{}", "ab".repeat(32)),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (404, "application/problem+json")
    );
    let (status, content_type, _) = get(indexer.addr, "/v1/shared-blobs/nope").await;
    assert_eq!(
        (status, content_type.as_str()),
        (400, "application/problem+json")
    );
    drop(indexer);
    devnet.shutdown().await;
}

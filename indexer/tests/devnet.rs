//! The indexer on real chain data: an in-process devnet runs Floe's flows through the sdk
//! (store and certify a blob on four genesis nodes, register a model and publish a version,
//! open an offer, buy a license, stake and ask to withdraw); the `floe-indexer` binary then
//! ingests the devnet's checkpoint files into a fresh PostgreSQL database and the test checks
//! the projections through its REST API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_encoder::{BlobId, BlobMetadata, Sliver, SliverPair};
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::move_types::staking::NodeCap;
use floe_sdk::nodes::{NodeError, StorageConfirmation, StorageNodeClient};
use floe_sdk::{Floe, Keystore, NetworkConfig};
use sui_sdk_types::Address;
use support::{IndexerProcess, TestDb, get, get_json, last_checkpoint, wait_for_checkpoint};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const WAL: u64 = 1_000_000_000;

/// A storage node kept in memory that signs confirmations with its genesis BLS key.
struct Node {
    key: BlsKeyPair,
    epoch: u64,
    metadata: Mutex<HashMap<BlobId, BlobMetadata>>,
    pairs: Mutex<HashMap<(BlobId, u16), SliverPair>>,
}

impl StorageNodeClient for Node {
    async fn store_metadata(&self, id: &BlobId, metadata: &BlobMetadata) -> Result<(), NodeError> {
        self.metadata.lock().unwrap().insert(*id, metadata.clone());
        Ok(())
    }

    async fn store_sliver_pair(
        &self,
        shard: u16,
        id: &BlobId,
        pair: &SliverPair,
    ) -> Result<(), NodeError> {
        self.pairs
            .lock()
            .unwrap()
            .insert((*id, shard), pair.clone());
        Ok(())
    }

    async fn confirm_storage(&self, id: &BlobId) -> Result<StorageConfirmation, NodeError> {
        Ok(StorageConfirmation {
            epoch: self.epoch,
            blob_id: *id,
            signature: self.key.sign_confirmation(self.epoch, &id.0),
        })
    }

    async fn read_metadata(&self, id: &BlobId) -> Result<BlobMetadata, NodeError> {
        self.metadata
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .ok_or(NodeError::NotFound)
    }

    async fn read_primary_sliver(&self, shard: u16, id: &BlobId) -> Result<Sliver, NodeError> {
        let pairs = self.pairs.lock().unwrap();
        Ok(pairs
            .get(&(*id, shard))
            .ok_or(NodeError::NotFound)?
            .primary
            .clone())
    }

    fn bls_public_key(&self) -> Option<[u8; 48]> {
        Some(self.key.public_key())
    }
}

fn bls_keys() -> Vec<BlsKeyPair> {
    (0..4u8)
        .map(|i| BlsKeyPair::from_seed(&[i + 41; 32]).unwrap())
        .collect()
}

fn operator(i: usize) -> Address {
    Address::new([0xd0 + i as u8; 32])
}

/// Asks the devnet faucet for `amount` WAL for `recipient`.
async fn request_wal(faucet: &str, recipient: Address, amount: u64) {
    let host = faucet.strip_prefix("http://").unwrap();
    let body = serde_json::json!({ "FixedAmountRequest": {
        "recipient": recipient.to_string(), "amount": amount } })
    .to_string();
    let request = format!(
        "POST /v2/wal HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexes_real_devnet_checkpoints_and_serves_them() {
    // --- A devnet with four genesis storage nodes; Floe's flows through the sdk.
    let dir = tempfile::tempdir().unwrap();
    let mut config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        ..DevnetConfig::default()
    };
    let publisher = Keystore::load_or_create(config.faucet_keystore_path(), 1)
        .unwrap()
        .addresses()[0];
    config.floe = Some(NetworkGenesis {
        n_shards: 10,
        epoch_duration_ms: 3_600_000,
        nodes: bls_keys()
            .iter()
            .enumerate()
            .map(|(i, key)| GenesisNode {
                name: format!("node-{i}"),
                network_address: format!("127.0.0.1:{}", 9500 + i),
                bls_public_key: key.public_key().to_vec(),
                proof_of_possession: key.proof_of_possession(publisher).to_vec(),
                commission_bps: 100,
                stake: 1_000 * WAL,
                operator: operator(i),
            })
            .collect(),
    });
    let devnet = Devnet::start_floe(config.clone()).await.unwrap();
    let network = NetworkConfig::from_file(devnet.network_config_path()).unwrap();
    let faucet = network.faucet_url.clone().unwrap();
    let mut keys = Keystore::default();
    let user = keys.generate();
    floe_sdk::faucet::request_gas(&faucet, user).await.unwrap();
    request_wal(&faucet, user, 1_000 * WAL).await;
    let mut floe = Floe::connect(&network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();

    let epoch = floe.system().await.unwrap().epoch;
    let cap_type = floe_devnet::floe::tag("staking", "NodeCap");
    let mut nodes = HashMap::new();
    for (i, key) in bls_keys().into_iter().enumerate() {
        let caps = floe
            .client
            .owned_objects(operator(i), Some(&cap_type))
            .await
            .unwrap();
        let cap: NodeCap = bcs::from_bytes(caps[0].as_struct().unwrap().contents()).unwrap();
        let node = Node {
            key,
            epoch,
            metadata: Mutex::default(),
            pairs: Mutex::default(),
        };
        nodes.insert(floe_sdk::move_types::address_of(&cap.node_id), node);
    }
    let blob: Vec<u8> = (0..30_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let stored = floe.store_blob(&nodes, &blob, 3, true).await.unwrap();
    let model = floe
        .register_model("indexed-llm", "a model the indexer sees")
        .await
        .unwrap();
    let version = floe
        .publish_version(
            model.model,
            model.cap,
            &stored.blob_id,
            "transformer",
            &[9; 32],
            &[("accuracy_bps".to_owned(), 9_250)],
        )
        .await
        .unwrap();
    let offer = floe
        .create_offer(model.model, model.cap, 2 * WAL, 60_000, 10, 5)
        .await
        .unwrap();
    let license = floe.purchase_license(offer.id, 3).await.unwrap();
    let node_id = *nodes.keys().next().unwrap();
    let staked = floe.stake(node_id, 10 * WAL).await.unwrap();
    floe.request_withdraw(staked).await.unwrap();
    // Let the last checkpoint seal and its file land, then stop the chain.
    tokio::time::sleep(Duration::from_millis(200)).await;
    devnet.shutdown().await;
    let checkpoints = config.checkpoint_dir();
    let last = last_checkpoint(&checkpoints);

    // --- The indexer binary ingests the files into a fresh database.
    let db = TestDb::new("devnet").await;
    let package = network.original_package_id.unwrap().to_string();
    let indexer = IndexerProcess::spawn(
        &db.url,
        &[
            "--checkpoints-dir",
            checkpoints.to_str().unwrap(),
            "--package",
            &package,
        ],
    );
    wait_for_checkpoint(indexer.addr, last, Duration::from_secs(60)).await;
    let addr = indexer.addr;

    // Blob: by base64url ID and by decimal u256, with its object.
    let blob_id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(stored.blob_id.0);
    let answer = get_json(addr, &format!("/v1/blobs/{blob_id}")).await;
    assert_eq!(answer["checkpoint"], last);
    let item = &answer["item"];
    assert_eq!(item["blob_id"], blob_id);
    assert_eq!(item["size"], 30_000);
    assert_eq!(item["live_references"], 1);
    let object = &item["objects"][0];
    assert_eq!(object["status"], "certified");
    assert_eq!(object["deletable"], true);
    assert_eq!(object["owner"], user.to_string());
    assert_eq!(object["blob_object_id"], stored.blob_object.to_string());
    assert_eq!(object["certified_epoch"], epoch);
    assert_eq!(object["end_epoch"], epoch + 3);
    let decimal = floe_sdk::move_types::u256_from_le(stored.blob_id.0).to_string();
    let by_decimal = get_json(addr, &format!("/v1/blobs/{decimal}")).await;
    assert_eq!(by_decimal["item"]["blob_id"], blob_id);
    assert_eq!(item["blob_id_u256"], decimal);

    // The storage the blob was registered with.
    let storage = get_json(addr, &format!("/v1/storage?owner={user}")).await;
    assert_eq!(storage["items"][0]["status"], "in_blob");
    assert_eq!(
        storage["items"][0]["blob_object_id"],
        stored.blob_object.to_string()
    );

    // Model, version, offer, license.
    let models = get_json(addr, "/v1/models").await;
    assert_eq!(models["items"].as_array().unwrap().len(), 1);
    let m = &models["items"][0];
    assert_eq!(m["model_id"], model.model.id.to_string());
    assert_eq!(m["name"], "indexed-llm");
    assert_eq!(m["latest_version"], version);
    assert_eq!(m["licenses_sold"], 1);
    let versions = get_json(addr, &format!("/v1/models/{}/versions", model.model.id)).await;
    assert_eq!(versions["items"][0]["version"], 1);
    assert_eq!(versions["items"][0]["blob_id"], blob_id);
    assert_eq!(versions["items"][0]["metrics"]["accuracy_bps"], 9_250);
    let offers = get_json(addr, &format!("/v1/offers?model_id={}", model.model.id)).await;
    assert_eq!(offers["items"][0]["price_per_window"], 2 * WAL);
    assert_eq!(offers["items"][0]["uses_per_window"], 5);
    let licenses = get_json(addr, &format!("/v1/licenses?holder={user}")).await;
    let l = &licenses["items"][0];
    assert_eq!(l["license_id"], license.to_string());
    assert_eq!(l["windows"], 3);
    assert_eq!(l["price_paid"], 6 * WAL);
    assert_eq!(l["uses_left"], 15);
    assert_eq!(l["use_limited"], true);
    let fee = l["fee_burned"].as_u64().unwrap();
    assert!(fee > 0);
    assert_eq!(m["total_revenue"].as_u64().unwrap(), 6 * WAL - fee);
    let single = get_json(addr, &format!("/v1/licenses/{license}")).await;
    assert_eq!(single["item"]["license_id"], license.to_string());

    // Burns and supply: the license fee burned with source 3.
    let burns = get_json(addr, "/v1/burns?source=3").await;
    assert_eq!(burns["items"][0]["amount"], fee);
    assert_eq!(burns["items"][0]["source_name"], "license_fee");
    let supply = get_json(addr, "/v1/supply").await;
    assert_eq!(
        supply["item"]["total_burned"],
        burns["items"][0]["total_burned"]
    );

    // Stake position.
    let stakes = get_json(addr, &format!("/v1/stakes?staker={user}")).await;
    let s = &stakes["items"][0];
    assert_eq!(s["staked_wal_id"], staked.to_string());
    assert_eq!(s["node_id"], node_id.to_string());
    assert_eq!(s["amount"], 10 * WAL);
    assert_eq!(s["status"], "withdrawing");

    // Write fees credited to the epoch.
    let e = get_json(addr, &format!("/v1/epochs/{epoch}")).await;
    assert!(e["item"]["write_fees"].as_u64().unwrap() > 0);

    // Raw events, unknown resources, OpenAPI, metrics.
    let events = get_json(addr, "/v1/events?event_type=BlobCertified").await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1);
    let (status, content_type, _) =
        get(addr, &format!("/v1/models/{}", Address::new([7; 32]))).await;
    assert_eq!(
        (status, content_type.as_str()),
        (404, "application/problem+json")
    );
    let openapi = get_json(addr, "/openapi.json").await;
    for path in [
        "/v1/blobs/{id}",
        "/v1/licenses",
        "/v1/models/{id}/versions",
        "/ready",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    let (status, _, metrics) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("floe_indexer_events_ingested_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains("route=\"/v1/blobs/{id}\",status=\"200\""),
        "{metrics}"
    );
    drop(indexer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_live_devnet_over_grpc() {
    let dir = tempfile::tempdir().unwrap();
    let config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start_floe(config).await.unwrap();
    let network_file = devnet.network_config_path();
    let network = NetworkConfig::from_file(&network_file).unwrap();
    let db = TestDb::new("grpc").await;
    // The indexer starts first and follows the chain as it grows (rpc_url from the file).
    let indexer = IndexerProcess::spawn(&db.url, &["--network", network_file.to_str().unwrap()]);

    let faucet = network.faucet_url.clone().unwrap();
    let mut keys = Keystore::default();
    let user = keys.generate();
    floe_sdk::faucet::request_gas(&faucet, user).await.unwrap();
    let mut floe = Floe::connect(&network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    let model = floe
        .register_model("streamed", "seen over gRPC")
        .await
        .unwrap();
    let mut client = floe_sdk::FloeClient::connect(&network.rpc_url).unwrap();
    let height = client.service_info().await.unwrap().checkpoint_height();
    wait_for_checkpoint(indexer.addr, height, Duration::from_secs(60)).await;

    let answer = get_json(indexer.addr, &format!("/v1/models/{}", model.model.id)).await;
    assert_eq!(answer["item"]["name"], "streamed");
    assert_eq!(answer["item"]["owner"], user.to_string());
    let (status, _, body) = get(indexer.addr, "/ready").await;
    assert_eq!(status, 200, "{body}");
    drop(indexer);
    devnet.shutdown().await;
}

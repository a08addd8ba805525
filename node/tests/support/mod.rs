//! What the tests that run nodes against an in-process `floe-devnet` share: a devnet whose
//! genesis seats the test's storage nodes, and funding accounts from its faucet.

#![allow(clippy::unwrap_used, dead_code)]

use axum::http::Method;
use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_node::http_client::HttpNodeClient;
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::{Keystore, NetworkConfig};
use sui_sdk_types::Address;

pub const WAL: u64 = 1_000_000_000;

/// The seed of genesis node `i`'s BLS key (what a node's `bls_key_file` holds, in hex).
pub fn bls_seed(i: u8) -> [u8; 32] {
    [i + 21; 32]
}

/// The BLS key of genesis node `i`.
pub fn bls_key(i: u8) -> BlsKeyPair {
    BlsKeyPair::from_seed(&bls_seed(i)).unwrap()
}

/// The ed25519 key of genesis node `i`'s operator (who owns its `NodeCap`).
pub fn operator_key(i: u8) -> Ed25519PrivateKey {
    Ed25519PrivateKey::new([i + 0x40; 32])
}

pub fn operator(i: u8) -> Address {
    floe_sdk::keystore::address_of(&operator_key(i))
}

/// A devnet in `dir` with `n_shards` shards and `nodes` genesis storage nodes of equal stake,
/// and the `network.toml` it wrote.
pub async fn start_devnet(
    dir: &std::path::Path,
    n_shards: u16,
    nodes: u8,
) -> (Devnet, NetworkConfig) {
    let addresses: Vec<String> = (0..nodes)
        .map(|i| format!("127.0.0.1:{}", 9500 + u16::from(i)))
        .collect();
    start_devnet_at(dir, n_shards, &addresses, 3_600_000).await
}

/// A devnet whose genesis node `i` is registered at `addresses[i]` (where its API must listen
/// for peers to find it), with epochs of `epoch_duration_ms`. Epochs advance only when a test
/// calls `challenge::advance_epoch`.
pub async fn start_devnet_at(
    dir: &std::path::Path,
    n_shards: u16,
    addresses: &[String],
    epoch_duration_ms: u64,
) -> (Devnet, NetworkConfig) {
    let mut config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.to_owned(),
        checkpoint_interval_ms: 20,
        ..DevnetConfig::default()
    };
    let faucet = Keystore::load_or_create(config.faucet_keystore_path(), 1).unwrap();
    let publisher = faucet.addresses()[0];
    config.floe = Some(NetworkGenesis {
        n_shards,
        epoch_duration_ms,
        nodes: (0u8..)
            .zip(addresses)
            .map(|(i, address)| GenesisNode {
                name: format!("node-{i}"),
                network_address: address.clone(),
                bls_public_key: bls_key(i).public_key().to_vec(),
                proof_of_possession: bls_key(i).proof_of_possession(publisher).to_vec(),
                commission_bps: 100,
                stake: 1_000 * WAL,
                operator: operator(i),
            })
            .collect(),
    });
    let devnet = Devnet::start_floe(config).await.unwrap();
    let network = NetworkConfig::from_file(devnet.network_config_path()).unwrap();
    (devnet, network)
}

/// Gas and `wal` base units of WAL for `address` from the devnet's faucet.
pub async fn fund(network: &NetworkConfig, address: Address, wal: u64) {
    let faucet = network.faucet_url.as_deref().unwrap();
    floe_sdk::faucet::request_gas(faucet, address)
        .await
        .unwrap();
    if wal > 0 {
        let body = serde_json::json!({ "FixedAmountRequest": {
            "recipient": address.to_string(), "amount": wal } });
        let answer = HttpNodeClient::new(faucet)
            .request(
                Method::POST,
                "/v2/wal",
                serde_json::to_vec(&body).unwrap(),
                &[("content-type", "application/json".to_owned())],
            )
            .await
            .unwrap();
        assert!(answer.status.is_success(), "{answer:?}");
    }
}

/// The node ID of genesis node `i`, found through the `NodeCap` its operator received, and the
/// cap's ID.
pub async fn node_of(client: &mut floe_sdk::FloeClient, i: u8) -> (Address, Address) {
    let cap_type = floe_devnet::floe::tag("staking", "NodeCap");
    let caps = client
        .owned_objects(operator(i), Some(&cap_type))
        .await
        .unwrap();
    let cap: floe_sdk::move_types::staking::NodeCap =
        bcs::from_bytes(caps[0].as_struct().unwrap().contents()).unwrap();
    (
        floe_sdk::move_types::address_of(&cap.node_id),
        caps[0].object_id(),
    )
}

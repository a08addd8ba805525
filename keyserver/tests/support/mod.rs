//! What the key-server tests share: an in-process devnet with the floe package, funded
//! accounts, and key servers serving real HTTP on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use floe_crypto::{MasterSecret, ObjectId, PublicKey};
use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_keyserver::policy::PolicyChecker;
use floe_keyserver::rate_limit::RateLimit;
use floe_keyserver::{KeyServer, server};
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::calls::CLOCK_ID;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::{Floe, Keystore, NetworkConfig};
use sui_sdk_types::{Address, Input, ObjectReference, SharedInput};

pub const WAL: u64 = 1_000_000_000;

pub struct Chain {
    _devnet: Devnet,
    _dir: tempfile::TempDir,
    pub network: NetworkConfig,
}

pub async fn start_chain() -> Chain {
    let dir = tempfile::tempdir().unwrap();
    let mut config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        ..DevnetConfig::default()
    };
    let faucet = Keystore::load_or_create(config.faucet_keystore_path(), 1).unwrap();
    let publisher = faucet.addresses()[0];
    let bls = BlsKeyPair::from_seed(&[21; 32]).unwrap();
    config.floe = Some(NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: 3_600_000,
        nodes: vec![GenesisNode {
            name: "node-0".to_owned(),
            network_address: "127.0.0.1:9".to_owned(),
            bls_public_key: bls.public_key().to_vec(),
            proof_of_possession: bls.proof_of_possession(publisher).to_vec(),
            commission_bps: 100,
            stake: 1_000 * WAL,
            operator: Address::from([0x40; 32]),
        }],
    });
    let devnet = Devnet::start_floe(config).await.unwrap();
    let network = NetworkConfig::from_file(devnet.network_config_path()).unwrap();
    Chain {
        _devnet: devnet,
        _dir: dir,
        network,
    }
}

/// A funded account on the chain.
pub async fn account(chain: &Chain, seed: u8) -> (Floe, Ed25519PrivateKey) {
    let key = Ed25519PrivateKey::new([seed; 32]);
    let address = floe_sdk::keystore::address_of(&key);
    let faucet = chain.network.faucet_url.as_deref().unwrap();
    floe_sdk::faucet::request_gas(faucet, address)
        .await
        .unwrap();
    floe_sdk::faucet::request_wal(faucet, address, Some(100 * WAL))
        .await
        .unwrap();
    (
        Floe::connect(&chain.network, key.clone()).await.unwrap(),
        key,
    )
}

pub struct Server {
    pub url: String,
    pub id: ObjectId,
    pub public_key: PublicKey,
    pub master: [u8; 32],
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn start_key_server(
    chain: &Chain,
    package: Address,
    seed: u8,
    rate: RateLimit,
) -> Server {
    let mut master_bytes = [seed; 32];
    master_bytes[0] = 1;
    let master = MasterSecret::from_bytes(&master_bytes).unwrap();
    let service = Address::from([seed; 32]);
    let policy = PolicyChecker::new(floe_sdk::FloeClient::connect(&chain.network.rpc_url).unwrap());
    let server = Arc::new(KeyServer::new(master, service, package, policy, rate));
    let public_key = server.public_key();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, server, async {
        let _ = rx.await;
    }));
    Server {
        url,
        id: service.into_inner(),
        public_key,
        master: master_bytes,
        _shutdown: tx,
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

pub async fn owned(floe: &mut Floe, id: Address) -> Input {
    let object = floe.client.object(id).await.unwrap();
    Input::ImmutableOrOwned(ObjectReference::new(id, object.version(), object.digest()))
}

pub fn clock() -> Input {
    Input::Shared(SharedInput::new(CLOCK_ID, 1, false))
}

//! Four floe-node servers against a real in-process `floe-devnet` over gRPC: shards read from
//! the System object, a blob stored and certified on-chain through the nodes' HTTP APIs and
//! real BLS confirmations, the epoch's challenges answered on-chain by the nodes' watchers, and
//! a licensed read checked against a License object bought on the chain.

#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::Method;
use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_encoder::Axis;
use floe_node::api::{self, NodeState};
use floe_node::chain::{self, ChainLicenses};
use floe_node::http_client::HttpNodeClient;
use floe_node::license_gate::{self, LicenseLookup, ReplayGuard};
use floe_node::store::Store;
use floe_node::watcher::Responder;
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::keeper::Keeper;
use floe_sdk::move_types::events::ChallengeAnswered;
use floe_sdk::move_types::staking::NodeCap;
use floe_sdk::nodes::NodeError;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::sui_transaction_builder::TransactionBuilder;
use floe_sdk::{Floe, FloeClient, Keystore, NetworkConfig, calls, tx};
use futures::StreamExt as _;
use sui_sdk_types::Address;

const WAL: u64 = 1_000_000_000;
const N_SHARDS: u16 = 10;
const NODES: u8 = 4;

fn bls_key(i: u8) -> BlsKeyPair {
    BlsKeyPair::from_seed(&[i + 21; 32]).unwrap()
}

fn operator_key(i: u8) -> Ed25519PrivateKey {
    Ed25519PrivateKey::new([i + 0x40; 32])
}

fn operator(i: u8) -> Address {
    floe_sdk::keystore::address_of(&operator_key(i))
}

async fn start_devnet(dir: &std::path::Path) -> (Devnet, NetworkConfig) {
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
        n_shards: N_SHARDS,
        epoch_duration_ms: 3_600_000,
        nodes: (0..NODES)
            .map(|i| GenesisNode {
                name: format!("node-{i}"),
                network_address: format!("127.0.0.1:{}", 9500 + u16::from(i)),
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

async fn fund(network: &NetworkConfig, address: Address, wal: u64) {
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

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The storage nodes of the devnet's genesis, each finding its node ID through its NodeCap
/// and its shards in the System; nodes for which `answers(i)` is false run without the
/// challenge watcher, so they store and serve but never answer a challenge.
async fn start_nodes(
    dir: &std::path::Path,
    network: &NetworkConfig,
    client: &mut FloeClient,
    objects: floe_sdk::FloeObjects,
    lookup: &Arc<dyn LicenseLookup>,
    answers: impl Fn(u8) -> bool,
) -> (
    HashMap<Address, HttpNodeClient>,
    Vec<Arc<NodeState>>,
    Vec<tokio::task::JoinHandle<()>>,
) {
    let package = objects.original_package;
    let cap_type = floe_devnet::floe::tag("staking", "NodeCap");
    let mut directory = HashMap::new();
    let mut states = Vec::new();
    let mut watchers = Vec::new();
    for i in 0..NODES {
        fund(network, operator(i), 0).await;
        let caps = client
            .owned_objects(operator(i), Some(&cap_type))
            .await
            .unwrap();
        let cap_id = caps[0].object_id();
        let cap: NodeCap = bcs::from_bytes(caps[0].as_struct().unwrap().contents()).unwrap();
        let node_id = floe_sdk::move_types::address_of(&cap.node_id);
        let (epoch, shards) = chain::epoch_and_shards(client, objects.system.id, package, node_id)
            .await
            .unwrap();
        assert!(!shards.is_empty());
        let store = Arc::new(Store::open(&dir.join(format!("node-{i}")), shards).unwrap());
        let state = Arc::new(NodeState {
            store: store.clone(),
            key: bls_key(i),
            epoch: AtomicU64::new(epoch),
            node_id: Some(node_id),
            licenses: Some(lookup.clone()),
            replay: ReplayGuard::default(),
            max_skew_ms: 60_000,
            admin_token: None,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(api::serve(listener, state.clone()));
        directory.insert(node_id, HttpNodeClient::connect(&url).await.unwrap());
        if answers(i) {
            let responder = Responder {
                client: client.clone(),
                objects,
                node_id,
                node_cap: cap_id,
                operator: operator_key(i),
                store,
                gas_budget: tx::DEFAULT_GAS_BUDGET,
            };
            watchers.push(tokio::spawn(responder.run(Some(0))));
        }
        states.push(state);
    }
    (directory, states, watchers)
}

#[tokio::test]
async fn nodes_store_answer_challenges_and_gate_reads_on_the_devnet() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("chain")).unwrap();
    let (devnet, network) = start_devnet(&dir.path().join("chain")).await;
    let mut client = FloeClient::connect(&network.rpc_url).unwrap();
    let objects = floe_sdk::FloeObjects::resolve(&mut client, &network)
        .await
        .unwrap();
    let package = objects.original_package;
    let lookup: Arc<dyn LicenseLookup> = Arc::new(ChainLicenses {
        client: client.clone(),
        package,
    });

    let (directory, states, watchers) =
        start_nodes(dir.path(), &network, &mut client, objects, &lookup, |_| {
            true
        })
        .await;

    // Store: register, slivers through the HTTP APIs, certify with the nodes' signatures.
    let mut keys = Keystore::default();
    let user = keys.generate();
    fund(&network, user, 1_000 * WAL).await;
    let user_key = keys.key(&user).unwrap().clone();
    let mut floe = Floe::connect(&network, user_key.clone()).await.unwrap();
    let blob: Vec<u8> = (0..30_000u32).map(|i| (i * 17 + 3) as u8).collect();
    let stored = floe.store_blob(&directory, &blob, 2, false).await.unwrap();
    assert_eq!(
        floe.read_blob(&directory, &stored.blob_id).await.unwrap(),
        blob
    );

    // Challenges: issue the epoch's, and wait until the chain records every answer.
    let mut builder = TransactionBuilder::new();
    calls::challenge::issue_challenges(&mut builder, &objects);
    let gas = client
        .gas_for(user, tx::DEFAULT_GAS_BUDGET, &[])
        .await
        .unwrap();
    let transaction = tx::finish(builder, user, &gas, tx::DEFAULT_GAS_BUDGET).unwrap();
    let issued = client
        .sign_and_execute(&transaction, &user_key)
        .await
        .unwrap();
    let challenged: HashSet<u64> = issued
        .events
        .iter()
        .filter(|e| e.type_.name().as_str() == "ChallengeIssued")
        .map(|e| {
            bcs::from_bytes::<floe_sdk::move_types::events::ChallengeIssued>(&e.contents)
                .unwrap()
                .challenge_id
        })
        .collect();
    assert_eq!(challenged.len(), usize::from(NODES));
    let mut answered = HashSet::new();
    let events = client.stream_events(Some(0), Some(package));
    futures::pin_mut!(events);
    tokio::time::timeout(Duration::from_secs(60), async {
        while answered != challenged {
            let event = events.next().await.unwrap().unwrap().event;
            if event.type_.name().as_str() == "ChallengeAnswered" {
                let e: ChallengeAnswered = bcs::from_bytes(&event.contents).unwrap();
                answered.insert(e.challenge_id);
            }
        }
    })
    .await
    .expect("every challenge answered on-chain within 60 s");

    // Licensed reads: buy a license for a model whose version is the blob.
    let model = floe
        .register_model("node-test", "licensed weights")
        .await
        .unwrap();
    floe.publish_version(
        model.model,
        model.cap,
        &stored.blob_id,
        "mlp",
        &[1; 32],
        &[],
    )
    .await
    .unwrap();
    let offer = floe
        .create_offer(model.model, model.cap, WAL, 600_000, 2, 0)
        .await
        .unwrap();
    let license = floe.purchase_license(offer.id, 1).await.unwrap();
    for state in &states {
        state
            .store
            .set_model(&stored.blob_id, Some(model.model.id))
            .unwrap();
    }
    let (node_id, node) = directory.iter().next().unwrap();
    let shard = states
        .iter()
        .find(|s| s.node_id == Some(*node_id))
        .unwrap()
        .store
        .shards()[0];
    let unsigned = node
        .read_sliver(shard, &stored.blob_id, Axis::Primary, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&unsigned, NodeError::Rejected(m) if m.contains("(403)")),
        "{unsigned}"
    );
    let stranger = Ed25519PrivateKey::new([0x99; 32]);
    let auth = license_gate::sign_read(
        &stranger,
        &stored.blob_id,
        shard,
        Axis::Primary,
        license,
        now_ms(),
    )
    .unwrap();
    let refused = node
        .read_sliver(shard, &stored.blob_id, Axis::Primary, Some(&auth))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, NodeError::Rejected(m) if m.contains("is owned by")),
        "{refused}"
    );
    let auth = license_gate::sign_read(
        &user_key,
        &stored.blob_id,
        shard,
        Axis::Primary,
        license,
        now_ms(),
    )
    .unwrap();
    let sliver = node
        .read_sliver(shard, &stored.blob_id, Axis::Primary, Some(&auth))
        .await
        .unwrap();
    assert_eq!(
        usize::from(sliver.index),
        stored.blob_id.pair_for_shard(usize::from(shard), 10)
    );
    // Not `devnet.shutdown()`: the sdk's checkpoint pump tasks keep their subscriptions open
    // until the next checkpoint even after the streams are dropped, and the graceful shutdown
    // waits ~30 s for them. Ending the test's runtime stops everything at once.
    for watcher in watchers {
        watcher.abort();
    }
    drop(devnet);
}

/// The keeper (`floe_sdk::keeper`) issues the epoch's challenges, leaves the ones the nodes
/// answer alone and slashes the one a silent node misses, taking its stake; a second keeper
/// started afterwards finds nothing left to slash.
#[tokio::test]
async fn the_keeper_slashes_a_node_that_misses_its_challenge() {
    let dir = tempfile::tempdir().unwrap();
    let chain_dir = dir.path().join("chain");
    std::fs::create_dir_all(&chain_dir).unwrap();
    let (devnet, network) = start_devnet(&chain_dir).await;
    let mut client = FloeClient::connect(&network.rpc_url).unwrap();
    let objects = floe_sdk::FloeObjects::resolve(&mut client, &network)
        .await
        .unwrap();
    let lookup: Arc<dyn LicenseLookup> = Arc::new(ChainLicenses {
        client: client.clone(),
        package: objects.original_package,
    });
    const SILENT: u8 = 3;
    let (directory, states, watchers) =
        start_nodes(dir.path(), &network, &mut client, objects, &lookup, |i| {
            i != SILENT
        })
        .await;
    let silent_node = states[usize::from(SILENT)].node_id.unwrap();

    // The publisher holds the AdminCap: shorten the answer window to the 1 s minimum.
    let faucet_keystore = DevnetConfig {
        data_dir: chain_dir.clone(),
        ..DevnetConfig::default()
    }
    .faucet_keystore_path();
    let publisher_keys = Keystore::load_or_create(faucet_keystore, 1).unwrap();
    let publisher = publisher_keys.addresses()[0];
    let mut admin = Floe::connect(&network, publisher_keys.key(&publisher).unwrap().clone())
        .await
        .unwrap();
    let admin_cap_type = floe_devnet::floe::tag("system", "AdminCap");
    let admin_cap = client
        .owned_objects(publisher, Some(&admin_cap_type))
        .await
        .unwrap()[0]
        .object_id();
    let admin_cap = client.object(admin_cap).await.unwrap();
    let mut builder = TransactionBuilder::new();
    let cap = builder.object(floe_sdk::sui_transaction_builder::ObjectInput::owned(
        admin_cap.object_id(),
        admin_cap.version(),
        admin_cap.digest(),
    ));
    calls::system::set_challenge_window_ms(&mut builder, &objects, cap, 1_000);
    admin.execute(builder).await.unwrap();

    // A certified blob, so there is something to challenge.
    let mut keys = Keystore::default();
    let user = keys.generate();
    fund(&network, user, 100 * WAL).await;
    let mut floe = Floe::connect(&network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    let blob: Vec<u8> = (0..20_000u32).map(|i| (i * 31 + 7) as u8).collect();
    floe.store_blob(&directory, &blob, 2, false).await.unwrap();
    let stake_before = floe.staking_pool(silent_node).await.unwrap();

    let keeper_address = keys.generate();
    let keeper_key = keys.key(&keeper_address).unwrap().clone();
    fund(&network, keeper_address, 0).await;
    let mut keeper = Keeper::new(Floe::connect(&network, keeper_key.clone()).await.unwrap());
    let first = keeper.step().await.unwrap();
    assert_eq!(first.issued.len(), usize::from(NODES), "{first:?}");
    assert!(first.slashed.is_empty(), "{first:?}");
    let mut slashed = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while slashed.is_empty() {
            tokio::time::sleep(Duration::from_millis(300)).await;
            slashed.extend(keeper.step().await.unwrap().slashed);
        }
    })
    .await
    .expect("the missed challenge slashed within 30 s");
    assert_eq!(slashed.len(), 1, "only the silent node missed: {slashed:?}");
    let stake_after = floe.staking_pool(silent_node).await.unwrap();
    assert!(
        stake_after.active.value < stake_before.active.value,
        "slashing took stake: {} → {}",
        stake_before.active.value,
        stake_after.active.value
    );
    // The answered challenges are closed, the missed one slashed: a fresh keeper (as after a
    // restart) looks at every challenge ever issued and finds nothing due.
    let mut fresh = Keeper::new(Floe::connect(&network, keeper_key).await.unwrap());
    let report = fresh.step().await.unwrap();
    assert!(
        report.slashed.is_empty() && report.issued.is_empty(),
        "{report:?}"
    );

    for watcher in watchers {
        watcher.abort();
    }
    drop(devnet);
}

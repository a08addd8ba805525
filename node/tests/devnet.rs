//! Four floe-node servers against a real in-process `floe-devnet` over gRPC: shards read from
//! the System object, a blob stored and certified on-chain through the nodes' HTTP APIs and
//! real BLS confirmations, the epoch's challenges answered on-chain by the nodes' watchers,
//! a licensed read checked against a License object bought on the chain, and uploads refused
//! unless they name a live `Blob` object of the floe package registering those bytes.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use floe_devnet::DevnetConfig;
use floe_encoder::{Axis, EncodingConfig};
use floe_node::api::{self, NodeState};
use floe_node::chain::{self, ChainLicenses, ChainRegistrations};
use floe_node::http_client::HttpNodeClient;
use floe_node::license_gate::{self, LicenseLookup, ReplayGuard};
use floe_node::registration::{BLOB_OBJECT_HEADER, RegistrationLookup};
use floe_node::store::Store;
use floe_node::watcher::Responder;
use floe_problem::Problem;
use floe_sdk::keeper::Keeper;
use floe_sdk::move_types::events::ChallengeAnswered;
use floe_sdk::nodes::{NodeError, StorageNodeClient as _};
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::sui_transaction_builder::{ObjectInput, TransactionBuilder};
use floe_sdk::{Floe, FloeClient, Keystore, NetworkConfig, calls, tx};
use futures::StreamExt as _;
use sui_sdk_types::Address;
use support::{WAL, bls_key, fund, node_of, operator, operator_key, start_devnet};

const N_SHARDS: u16 = 10;
const NODES: u8 = 4;

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
    let registrations: Arc<dyn RegistrationLookup> = Arc::new(ChainRegistrations {
        client: client.clone(),
        package,
    });
    let mut directory = HashMap::new();
    let mut states = Vec::new();
    let mut watchers = Vec::new();
    for i in 0..NODES {
        fund(network, operator(i), 0).await;
        let (node_id, cap_id) = node_of(client, i).await;
        let (epoch, shards) = chain::epoch_and_shards(client, objects.system.id, package, node_id)
            .await
            .unwrap();
        assert!(!shards.is_empty());
        let store = Arc::new(Store::open(&dir.join(format!("node-{i}")), shards).unwrap());
        let state = Arc::new(NodeState {
            store: store.clone(),
            key: bls_key(i),
            epoch: AtomicU64::new(epoch),
            n_shards: Some(N_SHARDS),
            node_id: Some(node_id),
            licenses: Some(lookup.clone()),
            registrations: Some(registrations.clone()),
            replay: ReplayGuard::default(),
            max_skew_ms: 60_000,
            admin_token: None,
            peers: Default::default(),
            progress: Default::default(),
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
                answer_challenges: true,
                lifecycle: None,
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
    let (devnet, network) = start_devnet(&dir.path().join("chain"), N_SHARDS, NODES).await;
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
        stored.blob_object,
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
        license_gate::SliverRead {
            node_id: *node_id,
            blob_id: &stored.blob_id,
            shard,
            axis: Axis::Primary,
        },
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
        license_gate::SliverRead {
            node_id: *node_id,
            blob_id: &stored.blob_id,
            shard,
            axis: Axis::Primary,
        },
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

    // Free storage: uploads that name no live registration of these bytes, tried against the
    // chain's real objects, are refused and nothing is stored; then paid for, they are taken.
    let other: Vec<u8> = (0..12_000u32).map(|i| (i * 5 + 1) as u8).collect();
    let config = EncodingConfig::new(usize::from(N_SHARDS)).unwrap();
    let (metadata, pairs) = floe_encoder::encode(&config, &other).unwrap();
    let id = metadata.blob_id();
    let node_state = states.iter().find(|s| s.node_id == Some(*node_id)).unwrap();
    let put_metadata = |object: Option<Address>| {
        let headers: Vec<(&str, String)> = object
            .map(|o| vec![(BLOB_OBJECT_HEADER, o.to_string())])
            .unwrap_or_default();
        let body = metadata.to_bytes();
        let path = format!("/v1/blobs/{id}/metadata");
        async move {
            let answer = node
                .request(Method::PUT, &path, body, &headers)
                .await
                .unwrap();
            let problem: Option<Problem> = serde_json::from_slice(&answer.body).ok();
            (answer.status, problem.map(|p| p.title).unwrap_or_default())
        }
    };
    let refused = |title: &str| (StatusCode::FORBIDDEN, title.to_owned());
    // Never registered.
    assert_eq!(put_metadata(None).await, refused("Registration required"));
    // The certified, paid-for Blob object of the other blob, named for these bytes.
    assert_eq!(
        put_metadata(Some(stored.blob_object)).await,
        refused("Registration for another blob")
    );
    // Objects of the floe package that are not a Blob: the License, the System.
    assert_eq!(
        put_metadata(Some(license)).await,
        refused("Not a Blob object")
    );
    assert_eq!(
        put_metadata(Some(objects.system.id)).await,
        refused("Not a Blob object")
    );
    // A Blob of these bytes, deleted after registering (its storage returned to the owner).
    let system = floe.system().await.unwrap();
    let deletable = floe
        .register_blob(&system, &metadata, 2, true)
        .await
        .unwrap();
    let mut builder = TransactionBuilder::new();
    let blob_arg = builder.object(ObjectInput::owned(
        *deletable.blob_object.object_id(),
        deletable.blob_object.version(),
        *deletable.blob_object.digest(),
    ));
    let storage = calls::blob::delete_blob(&mut builder, &objects, blob_arg);
    let owner = builder.pure(&floe.sender());
    builder.transfer_objects(vec![storage], owner);
    floe.execute(builder).await.unwrap();
    assert_eq!(
        put_metadata(Some(*deletable.blob_object.object_id())).await,
        refused("Blob object not found")
    );
    // A live registration replayed after the node's epoch reached its end.
    let paid = floe
        .register_blob(&system, &metadata, 1, false)
        .await
        .unwrap();
    let paid_object = *paid.blob_object.object_id();
    let epoch = node_state.epoch.load(std::sync::atomic::Ordering::Relaxed);
    node_state
        .epoch
        .store(paid.end_epoch, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        put_metadata(Some(paid_object)).await,
        refused("Registration expired")
    );
    node_state
        .epoch
        .store(epoch, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(node.read_metadata(&id).await, Err(NodeError::NotFound));
    // Paid for and current: taken, with the slivers of the node's shards.
    assert_eq!(
        put_metadata(Some(paid_object)).await,
        (StatusCode::NO_CONTENT, String::new())
    );
    let held = node_state.store.shards()[0];
    node.store_sliver_pair(
        held,
        &id,
        &pairs[id.pair_for_shard(usize::from(held), usize::from(N_SHARDS))],
    )
    .await
    .unwrap();
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
    let (devnet, network) = start_devnet(&chain_dir, N_SHARDS, NODES).await;
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

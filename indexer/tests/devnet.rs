//! The indexer on real chain data: an in-process devnet with four genesis storage nodes runs a
//! scripted history through the sdk (store and certify a blob, register a model and publish a
//! version, open an offer, buy a license, stake and ask to withdraw, change a parameter, issue
//! challenges, answer one and slash the others, advance the epoch, withdraw); the
//! `floe-indexer` binary then ingests the devnet's checkpoint files from checkpoint 0 (genesis
//! included) into a fresh PostgreSQL database, and every field of every route is checked
//! against the chain: its objects as they are at the end, and its events as the checkpoint
//! files hold them. No field is null where the chain has a value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_encoder::{BlobId, BlobMetadata, Sliver, SliverPair};
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::move_types::{self, events as ev, staking::NodeCap};
use floe_sdk::nodes::{NodeError, StorageConfirmation, StorageNodeClient};
use floe_sdk::sui_transaction_builder::{ObjectInput, TransactionBuilder};
use floe_sdk::{Floe, Keystore, NetworkConfig, calls};
use serde_json::{Value, json};
use sui_sdk_types::Address;
use support::chain::{ChainEvent, all, chain_events, events_named, n, request_wal};
use support::{IndexerProcess, TestDb, get, get_json, last_checkpoint, wait_for_checkpoint};

const WAL: u64 = 1_000_000_000;
/// Long enough for the history before the epoch change, short enough to wait out.
const EPOCH_MS: u64 = 15_000;
/// An attribute value an attacker might set: the explorer must show it as text, never run it.
const SCRIPT_VALUE: &str =
    "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">";

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

fn id(id: &move_types::ID) -> String {
    move_types::address_of(id).to_string()
}

/// A Move address as Sui prints it.
fn mv(address: &moverox::types::Address) -> String {
    Address::new(address.into_inner()).to_string()
}

fn text(s: &move_types::MoveString) -> String {
    String::from_utf8(s.bytes.clone()).unwrap()
}

fn b64(bytes: [u8; 32]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Every field of `item` that is null must be one the chain has no value for yet (`allowed`),
/// and every field in `allowed` must be null (so the list stays honest).
fn nulls_only(what: &str, item: &Value, allowed: &[&str]) {
    let fields = item.as_object().unwrap_or_else(|| panic!("{what}: {item}"));
    for (name, value) in fields {
        assert_eq!(
            value.is_null(),
            allowed.contains(&name.as_str()),
            "{what}.{name} = {value} (null allowed only for {allowed:?})"
        );
    }
}

/// Four genesis storage nodes (the [`bls_keys`]) in `config`, with their operators' keys.
fn four_genesis_nodes(config: &mut DevnetConfig, publisher: Address) -> (Keystore, Vec<Address>) {
    let mut operator_keys = Keystore::default();
    let operators: Vec<Address> = (0..4).map(|_| operator_keys.generate()).collect();
    config.floe = Some(NetworkGenesis {
        n_shards: 10,
        epoch_duration_ms: EPOCH_MS,
        nodes: bls_keys()
            .iter()
            .enumerate()
            .map(|(i, key)| GenesisNode {
                name: format!("node-{i}"),
                network_address: format!("127.0.0.1:{}", 9500 + i),
                bls_public_key: key.public_key().to_vec(),
                proof_of_possession: key.proof_of_possession(publisher).to_vec(),
                commission_bps: 100 + i as u64,
                stake: (1_000 + i as u64) * WAL,
                operator: operators[i],
            })
            .collect(),
    });
    (operator_keys, operators)
}

/// The genesis nodes as in-memory stores keyed by node ID, and each node's (NodeCap, operator).
async fn memory_nodes(
    floe: &mut Floe,
    operators: &[Address],
    epoch: u64,
) -> (HashMap<Address, Node>, HashMap<Address, (Address, Address)>) {
    let cap_type = floe_devnet::floe::tag("staking", "NodeCap");
    let mut nodes = HashMap::new();
    let mut cap_of = HashMap::new();
    for (i, key) in bls_keys().into_iter().enumerate() {
        let caps = floe
            .client
            .owned_objects(operators[i], Some(&cap_type))
            .await
            .unwrap();
        let cap: NodeCap = bcs::from_bytes(caps[0].as_struct().unwrap().contents()).unwrap();
        let node_id = move_types::address_of(&cap.node_id);
        cap_of.insert(node_id, (caps[0].object_id(), operators[i]));
        let node = Node {
            key,
            epoch,
            metadata: Mutex::default(),
            pairs: Mutex::default(),
        };
        nodes.insert(node_id, node);
    }
    (nodes, cap_of)
}

/// What the chain-following tests of the newer modules start from: an in-process devnet with
/// four genesis storage nodes (in memory), an indexer process on its own database, and
/// `accounts` fresh accounts, each with gas, `wal_each` WAL and a client.
struct World {
    dir: tempfile::TempDir,
    devnet: Devnet,
    network: NetworkConfig,
    checkpoints: std::path::PathBuf,
    db: TestDb,
    indexer: IndexerProcess,
    keys: Keystore,
    accounts: Vec<Address>,
    clients: Vec<Floe>,
    nodes: HashMap<Address, Node>,
}

impl World {
    async fn start(tag: &str, accounts: usize, wal_each: u64) -> World {
        let dir = tempfile::tempdir().unwrap();
        let mut config = DevnetConfig {
            grpc_addr: "127.0.0.1:0".parse().unwrap(),
            faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
            data_dir: dir.path().to_owned(),
            checkpoint_interval_ms: 20,
            ..DevnetConfig::default()
        };
        let faucet_keys = Keystore::load_or_create(config.faucet_keystore_path(), 1).unwrap();
        let (_, operators) = four_genesis_nodes(&mut config, faucet_keys.addresses()[0]);
        let checkpoints = config.checkpoint_dir();
        let devnet = Devnet::start_floe(config).await.unwrap();
        let network_file = devnet.network_config_path();
        let network = NetworkConfig::from_file(&network_file).unwrap();
        let db = TestDb::new(tag).await;
        let indexer =
            IndexerProcess::spawn(&db.url, &["--network", network_file.to_str().unwrap()]);
        let faucet = network.faucet_url.clone().unwrap();
        let mut keys = Keystore::default();
        let accounts: Vec<Address> = (0..accounts).map(|_| keys.generate()).collect();
        let mut clients = Vec::new();
        for &account in &accounts {
            floe_sdk::faucet::request_gas(&faucet, account)
                .await
                .unwrap();
            request_wal(&faucet, account, wal_each).await;
            clients.push(
                Floe::connect(&network, keys.key(&account).unwrap().clone())
                    .await
                    .unwrap(),
            );
        }
        let epoch = clients[0].system().await.unwrap().epoch;
        let (nodes, _) = memory_nodes(&mut clients[0], &operators, epoch).await;
        World {
            dir,
            devnet,
            network,
            checkpoints,
            db,
            indexer,
            keys,
            accounts,
            clients,
            nodes,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_matches_the_chain_after_a_scripted_history_from_genesis() {
    // --- A devnet with four genesis storage nodes whose operators hold keys (one answers a
    // challenge).
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
    let (operator_keys, operators) = four_genesis_nodes(&mut config, publisher);
    let devnet = Devnet::start_floe(config.clone()).await.unwrap();
    let network = NetworkConfig::from_file(devnet.network_config_path()).unwrap();
    let package = network.original_package_id.unwrap();
    let faucet = network.faucet_url.clone().unwrap();
    let mut keys = Keystore::default();
    let user = keys.generate();
    floe_sdk::faucet::request_gas(&faucet, user).await.unwrap();
    request_wal(&faucet, user, 1_000 * WAL).await;
    let mut floe = Floe::connect(&network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();

    let epoch = floe.system().await.unwrap().epoch;
    assert_eq!(epoch, 1, "genesis with nodes starts in epoch 1");
    let (nodes, cap_of) = memory_nodes(&mut floe, &operators, epoch).await;

    // --- The history: storage, the market, staking.
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
            stored.blob_object,
            "transformer",
            &[9; 32],
            &[("accuracy_bps".to_owned(), 9_250)],
        )
        .await
        .unwrap();
    // Attributes of the Blob object: one replaced (it moves last), one whose value is markup
    // (the explorer must show it as text).
    {
        use floe_sdk::attributes::AttributeChange::Set;
        let changes = [
            ("content-type", "text/plain"),
            ("note", SCRIPT_VALUE),
            ("content-type", "application/octet-stream"),
        ]
        .map(|(key, value)| Set {
            key: key.to_owned(),
            value: value.to_owned(),
        });
        floe.change_blob_attributes(stored.blob_object, &changes)
            .await
            .unwrap();
    }
    let offer = floe
        .create_offer(model.model, model.cap, 2 * WAL, 60_000, 10, 5)
        .await
        .unwrap();
    let license = floe.purchase_license(offer.id, 3).await.unwrap();
    let staked_node = *nodes.keys().min().unwrap();
    let staked = floe.stake(staked_node, 10 * WAL).await.unwrap();
    floe.request_withdraw(staked).await.unwrap();

    // A parameter change with the AdminCap (the publisher, i.e. the faucet, holds it): a
    // one-second challenge window, so missed challenges can be slashed soon.
    let mut admin = Floe::connect(&network, faucet_keys.key(&publisher).unwrap().clone())
        .await
        .unwrap();
    let admin_cap_type = floe_devnet::floe::tag("system", "AdminCap");
    let admin_cap = admin
        .client
        .owned_objects(publisher, Some(&admin_cap_type))
        .await
        .unwrap()[0]
        .clone();
    let mut builder = TransactionBuilder::new();
    let cap = builder.object(ObjectInput::owned(
        admin_cap.object_id(),
        admin_cap.version(),
        admin_cap.digest(),
    ));
    calls::system::set_challenge_window_ms(&mut builder, &admin.objects, cap, 1_000);
    admin.execute(builder).await.unwrap();

    // Challenges for every committee node; the first one's node answers, the others miss it
    // and are slashed once the window is over.
    let mut builder = TransactionBuilder::new();
    calls::challenge::issue_challenges(&mut builder, &floe.objects);
    let issued = floe.execute(builder).await.unwrap();
    let challenges: Vec<ev::ChallengeIssued> = issued
        .events
        .iter()
        .filter(|e| e.type_.name().as_str() == "ChallengeIssued")
        .map(|e| bcs::from_bytes(&e.contents).unwrap())
        .collect();
    assert_eq!(challenges.len(), 4);
    let answered = &challenges[0];
    let answered_node = move_types::address_of(&answered.node_id);
    let blob_id = BlobId(answered.blob_id.to_le_bytes());
    let (metadata, primary) = nodes
        .values()
        .find_map(|node| {
            let pair = node
                .pairs
                .lock()
                .unwrap()
                .get(&(blob_id, answered.shard))?
                .clone();
            let metadata = node.metadata.lock().unwrap().get(&blob_id)?.clone();
            Some((metadata, pair.primary))
        })
        .expect("some node stored the challenged pair");
    let answer =
        floe_encoder::answer_challenge(&metadata, &primary, usize::from(answered.symbol_index))
            .unwrap();
    let (cap_id, operator) = cap_of[&answered_node];
    floe_sdk::faucet::request_gas(&faucet, operator)
        .await
        .unwrap();
    let mut responder = Floe::connect(&network, operator_keys.key(&operator).unwrap().clone())
        .await
        .unwrap();
    let cap_object = responder.client.object(cap_id).await.unwrap();
    let mut builder = TransactionBuilder::new();
    let cap = builder.object(ObjectInput::owned(
        cap_id,
        cap_object.version(),
        cap_object.digest(),
    ));
    let sliver_path: Vec<Vec<u8>> = answer.sliver_path.iter().map(|h| h.to_vec()).collect();
    let pair_path: Vec<Vec<u8>> = answer.pair_path.iter().map(|h| h.to_vec()).collect();
    calls::challenge::respond(
        &mut builder,
        &responder.objects,
        cap,
        answered.challenge_id,
        &answer.symbol,
        &sliver_path,
        &answer.secondary_hash,
        &pair_path,
    );
    responder.execute(builder).await.unwrap();
    let deadline = challenges.iter().map(|c| c.deadline_ms).max().unwrap();
    while floe.chain_now_ms().await.unwrap() <= deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for missed in &challenges[1..] {
        let mut builder = TransactionBuilder::new();
        let reward =
            calls::challenge::slash_missed(&mut builder, &floe.objects, missed.challenge_id);
        let me = builder.pure(&user);
        builder.transfer_objects(vec![reward], me);
        floe.execute(builder).await.unwrap();
    }

    // The epoch change once epoch 1 has run its length, then the withdrawal it allows.
    let system = floe.system().await.unwrap();
    while floe.chain_now_ms().await.unwrap() < system.epoch_start_ms + system.epoch_duration_ms {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut builder = TransactionBuilder::new();
    calls::challenge::advance_epoch(&mut builder, &floe.objects);
    floe.execute(builder).await.unwrap();
    let withdrawn = floe.withdraw(staked).await.unwrap();

    // --- The chain as it is now: objects read before the devnet stops.
    let system = floe.system().await.unwrap();
    assert_eq!(system.epoch, 2);
    let mut pools = BTreeMap::new();
    for node_id in nodes.keys() {
        pools.insert(*node_id, floe.staking_pool(*node_id).await.unwrap());
    }
    let treasury: move_types::wal::Treasury = floe
        .read_object(floe.objects.treasury.id, "wal::Treasury")
        .await
        .unwrap();
    let blob_object: move_types::blob::Blob = floe
        .read_object(stored.blob_object, "blob::Blob")
        .await
        .unwrap();
    let model_object: move_types::model::Model = floe
        .read_object(model.model.id, "model::Model")
        .await
        .unwrap();
    let offer_object: move_types::license::LicenseOffer = floe
        .read_object(offer.id, "license::LicenseOffer")
        .await
        .unwrap();
    let license_object = floe.license(license).await.unwrap();
    let chain_attributes = floe.blob_attributes(stored.blob_object).await.unwrap();
    assert_eq!(
        chain_attributes,
        [
            ("note".to_owned(), SCRIPT_VALUE.to_owned()),
            (
                "content-type".to_owned(),
                "application/octet-stream".to_owned()
            )
        ]
    );
    let staked_type = floe_devnet::floe::tag("staking", "StakedWal");
    let mut genesis_stakes = BTreeMap::new();
    for operator in &operators {
        for object in floe
            .client
            .owned_objects(*operator, Some(&staked_type))
            .await
            .unwrap()
        {
            let staked: move_types::staking::StakedWal =
                bcs::from_bytes(object.as_struct().unwrap().contents()).unwrap();
            genesis_stakes.insert(object.object_id().to_string(), (staked, *operator));
        }
    }
    assert_eq!(genesis_stakes.len(), 4);
    assert!(
        floe.client.object(staked).await.is_err(),
        "the withdrawn StakedWal is gone"
    );
    // Let the last checkpoint seal and its file land, then stop the chain.
    tokio::time::sleep(Duration::from_millis(200)).await;
    devnet.shutdown().await;
    let checkpoints = config.checkpoint_dir();
    let last = last_checkpoint(&checkpoints);
    let events = chain_events(&checkpoints, last, package);

    // Genesis is in checkpoint 0: the treasury, the system, each node's registration and
    // stake, the first epoch change.
    let genesis: Vec<&str> = events
        .iter()
        .filter(|e| e.checkpoint == 0)
        .map(|e| e.name.as_str())
        .collect();
    for (name, count) in [
        ("WalTreasuryCreated", 1),
        ("SystemCreated", 1),
        ("NodeRegistered", 4),
        ("Staked", 4),
        ("EpochAdvanced", 1),
    ] {
        assert_eq!(
            genesis.iter().filter(|n| **n == name).count(),
            count,
            "{name} in checkpoint 0: {genesis:?}"
        );
    }

    // --- The indexer binary ingests the files into a fresh database, from checkpoint 0.
    let db = TestDb::new("devnet").await;
    let indexer = IndexerProcess::spawn(
        &db.url,
        &[
            "--checkpoints-dir",
            checkpoints.to_str().unwrap(),
            "--package",
            &package.to_string(),
            "--batch",
            "7",
        ],
    );
    wait_for_checkpoint(indexer.addr, last, Duration::from_secs(60)).await;
    let addr = indexer.addr;

    // /v1/events: every floe event of every checkpoint, genesis first, field by field.
    let indexed = all(addr, "/v1/events", last, 3).await;
    assert_eq!(indexed.len(), events.len());
    for (item, event) in indexed.iter().zip(&events) {
        nulls_only("event", item, &[]);
        assert_eq!(
            *item,
            json!({
                "checkpoint": event.checkpoint,
                "tx_index": event.tx_index,
                "event_index": event.event_index,
                "tx_digest": event.tx_digest,
                "timestamp_ms": event.timestamp_ms,
                "sender": event.sender.to_string(),
                "module": event.module,
                "event_type": event.name,
                "contents": hex::encode(&event.contents),
            })
        );
    }
    assert_eq!(indexed[0]["checkpoint"], 0);
    let registered = get_json(addr, "/v1/events?event_type=NodeRegistered").await;
    assert_eq!(registered["items"].as_array().unwrap().len(), 4);

    // /v1/supply: the Treasury.
    let supply = get_json(addr, "/v1/supply").await;
    let s = &supply["item"];
    nulls_only("supply", s, &[]);
    let (created_event, created) =
        &events_named::<ev::WalTreasuryCreated>(&events, "WalTreasuryCreated")[0];
    let burns: Vec<(&ChainEvent, ev::WalBurned)> = events_named(&events, "WalBurned");
    assert_eq!(
        *s,
        json!({
            "treasury_id": floe.objects.treasury.id.to_string(),
            "publisher": publisher.to_string(),
            "initial_supply": created.initial_supply,
            "total_burned": treasury.total_burned,
            "total_supply": treasury.cap.total_supply.value,
            "burns": burns.len(),
            "updated_checkpoint": burns.last().map_or(created_event.checkpoint, |(e, _)| e.checkpoint),
        })
    );
    assert_eq!(
        created.initial_supply,
        treasury.cap.total_supply.value + treasury.total_burned
    );

    // /v1/burns: every WalBurned, with its source's name.
    let indexed = all(addr, "/v1/burns", last, 3).await;
    assert_eq!(indexed.len(), burns.len());
    let sources: Vec<u8> = burns.iter().map(|(_, b)| b.source).collect();
    for source in [1, 3] {
        assert!(
            sources.contains(&source),
            "a burn of source {source}: {sources:?}"
        );
    }
    for (item, (event, burn)) in indexed.iter().zip(&burns) {
        nulls_only("burn", item, &[]);
        assert_eq!(
            *item,
            json!({
                "checkpoint": event.checkpoint,
                "tx_index": event.tx_index,
                "event_index": event.event_index,
                "tx_digest": event.tx_digest,
                "timestamp_ms": event.timestamp_ms,
                "amount": burn.amount,
                "source": burn.source,
                "source_name": floe_indexer::move_facts::burn_source_name(burn.source),
                "total_burned": burn.total_burned,
                "total_supply": burn.total_supply,
            })
        );
    }
    let license_fees = get_json(addr, "/v1/burns?source=3").await;
    assert_eq!(license_fees["items"][0]["source_name"], "license_fee");

    // /v1/parameters: every parameter the System holds, at its value now.
    let parameters = all(addr, "/v1/parameters", last, 3).await;
    let expected: BTreeMap<&str, u64> = [
        ("n_shards", u64::from(system.n_shards)),
        ("epoch_duration_ms", system.epoch_duration_ms),
        ("fee_burn_bps", system.fee_burn_bps),
        ("license_fee_bps", system.license_fee_bps),
        ("slash_bps", system.slash_bps),
        ("slash_burn_bps", system.slash_burn_bps),
        ("challenge_window_ms", system.challenge_window_ms),
        ("min_stake_epochs", system.min_stake_epochs),
        ("early_unstake_fee_bps", system.early_unstake_fee_bps),
        ("max_epochs_ahead", system.max_epochs_ahead),
        ("max_committee_size", system.max_committee_size),
    ]
    .into_iter()
    .collect();
    assert_eq!(system.challenge_window_ms, 1_000);
    let got: BTreeMap<&str, u64> = parameters
        .iter()
        .map(|p| {
            nulls_only("parameter", p, &[]);
            (p["name"].as_str().unwrap(), n(p, "value"))
        })
        .collect();
    assert_eq!(got, expected);
    let window = parameters
        .iter()
        .find(|p| p["name"] == "challenge_window_ms")
        .unwrap();
    assert_eq!(window["epoch"], 1, "changed in epoch 1");

    // /v1/epochs: the current one against the System, the past ones against their events.
    let epochs = all(addr, "/v1/epochs", last, 3).await;
    assert_eq!(epochs.len(), 3);
    let advanced: Vec<(&ChainEvent, ev::EpochAdvanced)> = events_named(&events, "EpochAdvanced");
    let settled: Vec<(&ChainEvent, ev::EpochFeesSettled)> =
        events_named(&events, "EpochFeesSettled");
    let write_fees: Vec<(&ChainEvent, ev::WriteFeesAdded)> =
        events_named(&events, "WriteFeesAdded");
    let (_, system_created) = &events_named::<ev::SystemCreated>(&events, "SystemCreated")[0];
    for item in &epochs {
        let e = n(item, "epoch");
        let single = get_json(addr, &format!("/v1/epochs/{e}")).await;
        assert_eq!(single["item"], *item);
        let fees = settled.iter().find(|(_, s)| s.epoch == e);
        match fees {
            Some((_, f)) => {
                assert_eq!(
                    (
                        n(item, "fees_total"),
                        n(item, "fees_burned"),
                        n(item, "fees_distributed"),
                        n(item, "fees_carried_over")
                    ),
                    (f.total, f.burned, f.distributed, f.carried_over),
                    "epoch {e}"
                )
            }
            // Unsettled: the current epoch, or one that owed nothing (no event says so).
            None => assert!(e == system.epoch || e == 0, "epoch {e} unsettled"),
        }
        let written: u64 = write_fees
            .iter()
            .filter(|(_, w)| w.epoch == e)
            .map(|(_, w)| w.amount)
            .sum();
        if fees.is_none() && e != system.epoch {
            assert_eq!(written, 0, "epoch {e} owed write fees but was not settled");
        }
        assert_eq!(n(item, "write_fees"), written, "epoch {e}");
        let mut allowed = Vec::new();
        if fees.is_none() {
            allowed.extend([
                "fees_total",
                "fees_burned",
                "fees_distributed",
                "fees_carried_over",
            ]);
        }
        if e != 1 {
            allowed.extend(["challenges_issued", "challenge_issuer"]);
        }
        nulls_only(&format!("epoch {e}"), item, &allowed);
        if e == 0 {
            assert_eq!(n(item, "start_ms"), system_created.epoch_start_ms);
            assert_eq!(n(item, "committee_size"), 0);
            assert_eq!(n(item, "committee_stake"), 0);
            assert_eq!(
                n(item, "storage_price_per_mib_epoch"),
                system_created.storage_price_per_mib_epoch
            );
            continue;
        }
        let (_, a) = advanced.iter().find(|(_, a)| a.epoch == e).unwrap();
        assert_eq!(n(item, "start_ms"), a.epoch_start_ms, "epoch {e}");
        assert_eq!(n(item, "committee_size"), a.committee.len() as u64);
        assert_eq!(n(item, "committee_stake"), a.committee_stake);
        assert_eq!(
            n(item, "storage_price_per_mib_epoch"),
            a.storage_price_per_mib_epoch
        );
        assert_eq!(n(item, "write_price_per_mib"), a.write_price_per_mib);
        assert_eq!(n(item, "total_capacity"), a.total_capacity);
        if e == system.epoch {
            assert_eq!(n(item, "start_ms"), system.epoch_start_ms);
            assert_eq!(n(item, "committee_size"), system.committee.len() as u64);
            assert_eq!(
                n(item, "storage_price_per_mib_epoch"),
                system.storage_price_per_mib_epoch
            );
            assert_eq!(n(item, "write_price_per_mib"), system.write_price_per_mib);
            assert_eq!(n(item, "total_capacity"), system.total_capacity);
            assert_eq!(n(item, "used_capacity"), system.used_capacity);
        }
        if e == 1 {
            assert_eq!(n(item, "challenges_issued"), 4);
            assert_eq!(item["challenge_issuer"], user.to_string());
        }
        // The committee of the epoch, in shard order.
        let committee = all(addr, &format!("/v1/epochs/{e}/committee"), last, 3).await;
        assert_eq!(committee.len(), a.committee.len());
        let mut start = 0;
        for (k, member) in committee.iter().enumerate() {
            nulls_only("committee member", member, &[]);
            assert_eq!(
                *member,
                json!({
                    "epoch": e,
                    "position": k,
                    "node_id": id(&a.committee[k]),
                    "shard_start": start,
                    "shard_count": a.shard_counts[k],
                })
            );
            start += u64::from(a.shard_counts[k]);
            if e == system.epoch {
                assert_eq!(id(&system.committee[k]), id(&a.committee[k]));
                let shards = &system.committee_shards[k];
                assert_eq!(shards.len() as u64, n(member, "shard_count"));
            }
        }
    }

    capacity_matches_the_chain(addr, last, &events, &system, &epochs).await;
    analyst_routes_match_the_chain(addr, last, &events, &epochs, user, &b64(stored.blob_id.0))
        .await;

    // /v1/nodes: each StakingPool, plus what only its events say.
    let indexed = all(addr, "/v1/nodes", last, 3).await;
    assert_eq!(indexed.len(), 4);
    let registrations: Vec<(&ChainEvent, ev::NodeRegistered)> =
        events_named(&events, "NodeRegistered");
    let rewards: Vec<(&ChainEvent, ev::PoolRewarded)> = events_named(&events, "PoolRewarded");
    let slashes: Vec<(&ChainEvent, ev::PoolSlashed)> = events_named(&events, "PoolSlashed");
    let pool_advances: Vec<(&ChainEvent, ev::PoolAdvanced)> = events_named(&events, "PoolAdvanced");
    for item in &indexed {
        let node_id: Address = item["node_id"].as_str().unwrap().parse().unwrap();
        let pool = &pools[&node_id];
        let (registered_at, registration) = registrations
            .iter()
            .find(|(_, r)| move_types::address_of(&r.node_id) == node_id)
            .unwrap();
        let (_, rate) = pool_advances
            .iter()
            .rfind(|(_, a)| move_types::address_of(&a.node_id) == node_id)
            .unwrap();
        let of_node = |e: &move_types::ID| move_types::address_of(e) == node_id;
        let rewarded: u64 = rewards
            .iter()
            .filter(|(_, r)| of_node(&r.node_id))
            .map(|(_, r)| r.reward)
            .sum();
        let commission: u64 = rewards
            .iter()
            .filter(|(_, r)| of_node(&r.node_id))
            .map(|(_, r)| r.commission)
            .sum();
        let slashed: u64 = slashes
            .iter()
            .filter(|(_, s)| of_node(&s.node_id))
            .map(|(_, s)| s.amount)
            .sum();
        let last_touch = events
            .iter()
            .filter(|e| {
                matches!(
                    e.name.as_str(),
                    "NodeRegistered" | "PoolRewarded" | "PoolSlashed" | "PoolAdvanced"
                ) && {
                    // Every one of these events starts with the node ID.
                    let first: move_types::ID = bcs::from_bytes(&e.contents[..32]).unwrap();
                    of_node(&first)
                }
            })
            .map(|e| e.checkpoint)
            .max()
            .unwrap();
        nulls_only("node", item, &[]);
        assert_eq!(
            *item,
            json!({
                "node_id": node_id.to_string(),
                "node_cap_id": id(&pool.node_cap_id),
                // Who registered the node (genesis: the publisher; the cap moved on without an
                // event).
                "operator": mv(&registration.operator),
                "name": text(&pool.name),
                "network_address": text(&pool.network_address),
                "bls_public_key": hex::encode(&pool.bls_public_key),
                "commission_bps": pool.commission_bps,
                "registered_epoch": pool.registered_epoch,
                "storage_price_vote": pool.storage_price_vote,
                "write_price_vote": pool.write_price_vote,
                "capacity_vote": pool.capacity_vote,
                "pool_stake": pool.active.value,
                "total_shares": pool.total_shares,
                "rate_epoch": rate.epoch,
                "rate_stake": rate.rate_stake,
                "rate_shares": rate.rate_shares,
                "total_rewards": rewarded,
                "total_commission": commission,
                "commission_collected": 0,
                "total_slashed": slashed,
                "updated_checkpoint": last_touch,
            }),
            "node {node_id}"
        );
        assert_eq!(registered_at.checkpoint, 0, "a genesis node");
        assert_eq!(mv(&registration.operator), publisher.to_string());
        // Uncollected commission on chain is what was earned (nothing collected).
        assert_eq!(pool.commission.value, commission);
        let single = get_json(addr, &format!("/v1/nodes/{node_id}")).await;
        assert_eq!(single["item"], *item);
    }
    let by_operator = get_json(addr, &format!("/v1/nodes?operator={publisher}")).await;
    assert_eq!(by_operator["items"].as_array().unwrap().len(), 4);

    // /v1/stakes: the genesis StakedWal objects, and the user's, withdrawn.
    let stakes = all(addr, "/v1/stakes", last, 3).await;
    assert_eq!(stakes.len(), 5);
    let staked_events: Vec<(&ChainEvent, ev::Staked)> = events_named(&events, "Staked");
    for item in &stakes {
        let staked_id = item["staked_wal_id"].as_str().unwrap();
        let (staked_at, staked_event) = staked_events
            .iter()
            .find(|(_, s)| id(&s.staked_wal_id) == staked_id)
            .unwrap();
        if let Some((object, _operator)) = genesis_stakes.get(staked_id) {
            nulls_only(
                "genesis stake",
                item,
                &[
                    "shares",
                    "withdraw_epoch",
                    "was_active",
                    "withdrawn_amount",
                    "fee_burned",
                    "withdrawn_epoch",
                ],
            );
            assert_eq!(
                *item,
                json!({
                    "staked_wal_id": staked_id,
                    "node_id": id(&object.node_id),
                    "staker": publisher.to_string(),
                    "amount": object.principal,
                    "activation_epoch": object.activation_epoch,
                    "status": "staked",
                    "principal": object.principal,
                    "shares": null,
                    "withdraw_epoch": null,
                    "was_active": null,
                    "withdrawn_amount": null,
                    "fee_burned": null,
                    "withdrawn_epoch": null,
                    "updated_checkpoint": 0,
                })
            );
            assert_eq!(
                object.withdraw_epoch, 0,
                "no withdrawal requested on chain either"
            );
            assert_eq!(staked_at.checkpoint, 0);
            continue;
        }
        assert_eq!(staked_id, staked.to_string());
        let (_, requested) =
            &events_named::<ev::WithdrawRequested>(&events, "WithdrawRequested")[0];
        let (out_at, out) = &events_named::<ev::Withdrawn>(&events, "Withdrawn")[0];
        nulls_only("withdrawn stake", item, &[]);
        assert_eq!(
            *item,
            json!({
                "staked_wal_id": staked_id,
                "node_id": staked_node.to_string(),
                "staker": user.to_string(),
                "amount": 10 * WAL,
                "activation_epoch": staked_event.activation_epoch,
                "status": "withdrawn",
                "principal": requested.principal,
                "shares": requested.shares,
                "withdraw_epoch": requested.withdraw_epoch,
                "was_active": requested.was_active,
                "withdrawn_amount": withdrawn,
                "fee_burned": out.fee_burned,
                "withdrawn_epoch": 2,
                "updated_checkpoint": out_at.checkpoint,
            })
        );
    }

    // /v1/blobs, /v1/blobs/{id}, /v1/storage: the Blob object and the Storage inside it.
    let blob_id = b64(stored.blob_id.0);
    let decimal = move_types::u256_from_le(stored.blob_id.0).to_string();
    let (registered_at, registered) =
        &events_named::<ev::BlobRegistered>(&events, "BlobRegistered")[0];
    let (certified_at, _) = &events_named::<ev::BlobCertified>(&events, "BlobCertified")[0];
    let (reserved_at, reserved) =
        &events_named::<ev::StorageReserved>(&events, "StorageReserved")[0];
    let storage_id = id(&blob_object.storage.id.id);
    let blobs = all(addr, "/v1/blobs", last, 3).await;
    assert_eq!(blobs.len(), 1);
    let object = &blobs[0];
    nulls_only("blob", object, &["deleted_epoch", "expired_epoch"]);
    let root_hash = b64(blob_object.root_hash.to_le_bytes());
    assert_eq!(
        *object,
        json!({
            "blob_object_id": stored.blob_object.to_string(),
            "blob_id": blob_id,
            "blob_id_u256": decimal,
            "root_hash": root_hash,
            "size": blob_object.size,
            "encoding_type": blob_object.encoding_type,
            "deletable": blob_object.deletable,
            "owner": user.to_string(),
            "storage_id": storage_id,
            "storage_size": blob_object.storage.storage_size,
            "write_fee": registered.write_fee,
            "extension_fees": 0,
            "status": "certified",
            "registered_epoch": blob_object.registered_epoch,
            "certified_epoch": blob_object.certified_epoch.unwrap(),
            "end_epoch": blob_object.storage.end_epoch,
            "deleted_epoch": null,
            "expired_epoch": null,
            "registered_checkpoint": registered_at.checkpoint,
            "updated_checkpoint": certified_at.checkpoint,
        })
    );
    for path in [
        format!("/v1/blobs/{blob_id}"),
        format!("/v1/blobs/{decimal}"),
    ] {
        let mut answer = get_json(addr, &path).await;
        assert_eq!(answer["checkpoint"], last);
        // The model version published with it is checked with the versions below.
        let versions = answer["item"]
            .as_object_mut()
            .unwrap()
            .remove("model_versions");
        assert_eq!(versions.unwrap().as_array().unwrap().len(), 1);
        // The object's attributes, as the chain holds them, in its order, each at the position
        // of the event that set it; the rest of the object is the list's.
        let attributes = answer["item"]["objects"][0]
            .as_object_mut()
            .unwrap()
            .remove("attributes")
            .unwrap();
        let set_events = events_named::<ev::BlobAttributeSet>(&events, "BlobAttributeSet");
        let expected: Vec<Value> = chain_attributes
            .iter()
            .map(|(key, value)| {
                let (at, _) = set_events
                    .iter()
                    .rev()
                    .find(|(_, e)| text(&e.key) == *key)
                    .unwrap();
                json!({
                    "blob_object_id": stored.blob_object.to_string(),
                    "key": key,
                    "blob_id": blob_id,
                    "value": value,
                    "checkpoint": at.checkpoint,
                    "tx_index": at.tx_index,
                    "event_index": at.event_index,
                    "timestamp_ms": at.timestamp_ms,
                    "tx_digest": at.tx_digest,
                })
            })
            .collect();
        assert_eq!(attributes, json!(expected), "{path}");
        let item = &answer["item"];
        nulls_only("blob ID", item, &[]);
        assert_eq!(
            *item,
            json!({
                "blob_id": blob_id,
                "blob_id_u256": decimal,
                "root_hash": root_hash,
                "size": blob_object.size,
                "live_references": 1,
                "first_checkpoint": registered_at.checkpoint,
                "updated_checkpoint": certified_at.checkpoint,
                "objects": [object],
                // The scripted history shares no blob (tests/shared_blobs.rs does).
                "shared_blobs": [],
            })
        );
    }
    let storage = all(addr, "/v1/storage", last, 3).await;
    assert_eq!(storage.len(), 1);
    nulls_only(
        "storage",
        &storage[0],
        &[
            "parent_storage_id",
            "absorbed_into",
            "destroyed_epoch",
            "capacity_released",
        ],
    );
    assert_eq!(
        storage[0],
        json!({
            "storage_id": storage_id,
            "owner": user.to_string(),
            "parent_storage_id": null,
            "reserved_epoch": reserved.epoch,
            "start_epoch": blob_object.storage.start_epoch,
            "end_epoch": blob_object.storage.end_epoch,
            "unencoded_size": reserved.unencoded_size,
            "storage_size": blob_object.storage.storage_size,
            "price": reserved.price,
            "status": "in_blob",
            "blob_object_id": stored.blob_object.to_string(),
            "absorbed_into": null,
            "destroyed_epoch": null,
            "capacity_released": null,
            "created_checkpoint": reserved_at.checkpoint,
            "updated_checkpoint": registered_at.checkpoint,
        })
    );

    // /v1/challenges, /v1/slashes: every challenge issued, one answered, three slashed.
    let indexed = all(addr, "/v1/challenges", last, 3).await;
    assert_eq!(indexed.len(), 4);
    let (issued_at, _) = &events_named::<ev::ChallengesIssued>(&events, "ChallengesIssued")[0];
    let answers: Vec<(&ChainEvent, ev::ChallengeAnswered)> =
        events_named(&events, "ChallengeAnswered");
    let slashings: Vec<(&ChainEvent, ev::ChallengeSlashed)> =
        events_named(&events, "ChallengeSlashed");
    for (item, issued) in indexed.iter().zip(&challenges) {
        let mut expected = json!({
            "challenge_id": issued.challenge_id,
            "epoch": issued.epoch,
            "node_id": id(&issued.node_id),
            "blob_id": b64(issued.blob_id.to_le_bytes()),
            "root_hash": b64(issued.root_hash.to_le_bytes()),
            "shard": issued.shard,
            "pair_index": issued.pair_index,
            "symbol_index": issued.symbol_index,
            "symbol_size": issued.symbol_size,
            "deadline_ms": issued.deadline_ms,
            "status": null,
            "answered_at_ms": null,
            "slashed": null,
            "burned": null,
            "reward": null,
            "slashed_by": null,
            "issued_checkpoint": issued_at.checkpoint,
            "resolved_checkpoint": null,
        });
        if let Some((at, a)) = answers
            .iter()
            .find(|(_, a)| a.challenge_id == issued.challenge_id)
        {
            expected["status"] = "answered".into();
            expected["answered_at_ms"] = a.answered_at_ms.into();
            expected["resolved_checkpoint"] = at.checkpoint.into();
            nulls_only(
                "answered challenge",
                item,
                &["slashed", "burned", "reward", "slashed_by"],
            );
        } else {
            let (at, s) = slashings
                .iter()
                .find(|(_, s)| s.challenge_id == issued.challenge_id)
                .unwrap();
            expected["status"] = "slashed".into();
            expected["slashed"] = s.slashed.into();
            expected["burned"] = s.burned.into();
            expected["reward"] = s.reward.into();
            expected["slashed_by"] = mv(&s.caller).into();
            expected["resolved_checkpoint"] = at.checkpoint.into();
            nulls_only("slashed challenge", item, &["answered_at_ms"]);
        }
        assert_eq!(*item, expected);
        let single = get_json(addr, &format!("/v1/challenges/{}", issued.challenge_id)).await;
        assert_eq!(single["item"], *item);
    }
    assert_eq!(answers.len(), 1);
    assert_eq!(slashings.len(), 3);
    let answered_only = get_json(addr, "/v1/challenges?status=answered").await;
    assert_eq!(answered_only["items"].as_array().unwrap().len(), 1);
    let indexed = all(addr, "/v1/slashes", last, 3).await;
    assert_eq!(indexed.len(), slashes.len());
    for (item, (event, slash)) in indexed.iter().zip(&slashes) {
        nulls_only("slash", item, &[]);
        assert_eq!(
            *item,
            json!({
                "checkpoint": event.checkpoint,
                "tx_index": event.tx_index,
                "event_index": event.event_index,
                "tx_digest": event.tx_digest,
                "timestamp_ms": event.timestamp_ms,
                "node_id": id(&slash.node_id),
                "epoch": slash.epoch,
                "amount": slash.amount,
                "pool_stake": slash.pool_stake,
            })
        );
    }

    // /v1/models, /v1/models/{id}, versions: the Model object and its version.
    let (model_at, _) = &events_named::<ev::ModelRegistered>(&events, "ModelRegistered")[0];
    let (published_at, published) =
        &events_named::<ev::ModelVersionPublished>(&events, "ModelVersionPublished")[0];
    let (sold_at, sale) = &events_named::<ev::LicensePurchased>(&events, "LicensePurchased")[0];
    let models = all(addr, "/v1/models", last, 3).await;
    assert_eq!(models.len(), 1);
    // No tuning plan was set: the plan's fields and the (never opened) job and proposal are
    // null, the reserve and the counts are 0.
    const NO_PLAN: [&str; 9] = [
        "tuning_auto_publish",
        "tuning_bps",
        "tuning_duration_ms",
        "tuning_job_id",
        "tuning_k",
        "tuning_price",
        "tuning_proposal_blob_id",
        "tuning_providers",
        "tuning_threshold",
    ];
    nulls_only("model", &models[0], &NO_PLAN);
    assert_eq!(
        models[0],
        json!({
            "model_id": model.model.id.to_string(),
            "cap_id": id(&model_object.cap_id),
            "owner": mv(&model_object.owner),
            "name": text(&model_object.name),
            "description": text(&model_object.description),
            "latest_version": model_object.versions.size,
            "total_revenue": model_object.total_revenue,
            "revenue_withdrawn": 0,
            "licenses_sold": 1,
            "registered_checkpoint": model_at.checkpoint,
            "updated_checkpoint": sold_at.checkpoint,
            "revenue_accrued": model_object.revenue.value,
            "tuned_versions": 0,
            "tuning_job_open": false,
            "tuning_proposal_pending": false,
            "tuning_reserve": 0,
            "tuning_total": 0,
            "tuning_auto_publish": null,
            "tuning_bps": null,
            "tuning_duration_ms": null,
            "tuning_job_id": null,
            "tuning_k": null,
            "tuning_price": null,
            "tuning_proposal_blob_id": null,
            "tuning_providers": null,
            "tuning_threshold": null,
        })
    );
    assert_eq!(model_object.versions.size, version);
    let single = get_json(addr, &format!("/v1/models/{}", model.model.id)).await;
    assert_eq!(single["item"], models[0]);
    let versions = all(
        addr,
        &format!("/v1/models/{}/versions", model.model.id),
        last,
        3,
    )
    .await;
    assert_eq!(versions.len(), 1);
    nulls_only("version", &versions[0], &[]);
    assert_eq!(
        versions[0],
        json!({
            "model_id": model.model.id.to_string(),
            "version": version,
            "blob_id": blob_id,
            "architecture": "transformer",
            "dataset_hash": hex::encode([9; 32]),
            "metrics": {"accuracy_bps": 9_250},
            "publisher": user.to_string(),
            "published_at_ms": published.published_at_ms,
            "checkpoint": published_at.checkpoint,
            "tx_digest": published_at.tx_digest,
            "blob_object_id": stored.blob_object.to_string(),
        })
    );
    // The blob's page lists the version published with it.
    assert_eq!(
        get_json(addr, &format!("/v1/blobs/{blob_id}")).await["item"]["model_versions"],
        json!([versions[0]])
    );

    // /v1/offers, /v1/licenses, /v1/licenses/{id}: the LicenseOffer and License objects.
    let (offer_at, _) = &events_named::<ev::LicenseOfferCreated>(&events, "LicenseOfferCreated")[0];
    let offers = all(addr, "/v1/offers", last, 3).await;
    assert_eq!(offers.len(), 1);
    nulls_only("offer", &offers[0], &[]);
    assert_eq!(
        offers[0],
        json!({
            "offer_id": offer.id.to_string(),
            "model_id": id(&offer_object.model_id),
            "price_per_window": offer_object.price_per_window,
            "window_ms": offer_object.window_ms,
            "max_windows": offer_object.max_windows,
            "uses_per_window": offer_object.uses_per_window,
            "created_by": user.to_string(),
            "paused": offer_object.paused,
            "licenses_sold": 1,
            "revenue": sale.seller_revenue,
            "created_checkpoint": offer_at.checkpoint,
            "updated_checkpoint": sold_at.checkpoint,
        })
    );
    let licenses = all(addr, "/v1/licenses", last, 3).await;
    assert_eq!(licenses.len(), 1);
    nulls_only("license", &licenses[0], &["last_used_ms"]);
    assert_eq!(
        licenses[0],
        json!({
            "license_id": license.to_string(),
            "offer_id": id(&license_object.offer_id),
            "model_id": id(&license_object.model_id),
            "holder": mv(&license_object.holder),
            "windows": 3,
            "price_paid": sale.price,
            "fee_burned": sale.fee_burned,
            "expires_at_ms": license_object.expires_at_ms,
            "use_limited": license_object.use_limited,
            "uses_left": license_object.uses_left,
            "uses_consumed": 0,
            "extensions": 0,
            "status": "active",
            "purchased_at_ms": sale.timestamp_ms,
            "last_used_ms": null,
            "purchased_checkpoint": sold_at.checkpoint,
            "updated_checkpoint": sold_at.checkpoint,
        })
    );
    assert_eq!(model_object.total_revenue, 6 * WAL - sale.fee_burned);
    let single = get_json(addr, &format!("/v1/licenses/{license}")).await;
    assert_eq!(single["item"], licenses[0]);

    // Filters, unknown resources, OpenAPI, metrics.
    let held = get_json(addr, &format!("/v1/licenses?holder={user}&status=active")).await;
    assert_eq!(held["items"].as_array().unwrap().len(), 1);
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
    explorer_in_a_browser(addr, &b64(stored.blob_id.0), user, "indexed-llm");
    future_epochs_have_no_span(addr, &db.pool).await;
    drop(indexer);
}

/// The explorer in headless Chromium against this indexer (tests/explorer/check.mjs, driven
/// over the DevTools protocol): the overview's figures equal the API's, every page type is
/// reached by clicking, search finds a blob by ID, an address and a model by name, pagination
/// continues after the cursor, and no console error occurs. Screenshots (1280×800, 390×844)
/// land in the test's target tmp directory. Without Chromium or Node it says that it skips.
fn explorer_in_a_browser(addr: std::net::SocketAddr, blob_id: &str, user: Address, model: &str) {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    let found = |program: &str| {
        std::process::Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !found(&chromium) || !found("node") {
        eprintln!(
            "SKIPPED the explorer browser check: {} not found (install Debian's `chromium` \
             and Node.js, or set CHROMIUM)",
            if found("node") {
                chromium.as_str()
            } else {
                "node"
            }
        );
        return;
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/explorer/check.mjs");
    let started = std::time::Instant::now();
    let output = std::process::Command::new("node")
        .arg("--experimental-websocket")
        .arg("--no-warnings")
        .arg(&script)
        .arg(format!("http://{addr}"))
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .env("EXPECT_BLOB_ID", blob_id)
        .env("EXPECT_ADDRESS", user.to_string())
        .env("EXPECT_MODEL_NAME", model)
        .env(
            "EXPECT_ATTRIBUTE",
            json!({"key": "note", "value": SCRIPT_VALUE}).to_string(),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "explorer check failed:\n{stdout}\n{stderr}"
    );
    eprintln!(
        "explorer check passed in {:.1} s: {} (screenshots in {})",
        started.elapsed().as_secs_f64(),
        stdout.trim(),
        shots.display()
    );
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

/// `/v1/capacity` against the chain: capacity used in the current and future epochs is the
/// System object's (`used_capacity`, `future_used_capacity`), in past epochs what the
/// `CapacityReserved` and `CapacityReleased` events covering them add up to; total capacity is
/// each started epoch's (as `/v1/epochs` says, checked above against the chain) and the
/// System's for the future.
async fn capacity_matches_the_chain(
    addr: std::net::SocketAddr,
    last: u64,
    events: &[ChainEvent],
    system: &move_types::system::System,
    epochs: &[Value],
) {
    let reserved: Vec<(&ChainEvent, ev::CapacityReserved)> =
        events_named(events, "CapacityReserved");
    let released: Vec<(&ChainEvent, ev::CapacityReleased)> =
        events_named(events, "CapacityReleased");
    assert!(!reserved.is_empty(), "the history reserves storage");
    let held = |epoch: u64| -> u64 {
        let added: u64 = reserved
            .iter()
            .filter(|(_, r)| (r.start_epoch..r.end_epoch).contains(&epoch))
            .map(|(_, r)| r.encoded_bytes)
            .sum();
        let removed: u64 = released
            .iter()
            .filter(|(_, r)| (r.start_epoch..r.end_epoch).contains(&epoch))
            .map(|(_, r)| r.encoded_bytes)
            .sum();
        added - removed
    };
    let last_reserved = reserved.iter().map(|(_, r)| r.end_epoch).max().unwrap();
    let items = all(addr, "/v1/capacity", last, 3).await;
    assert_eq!(items.len() as u64, last_reserved.max(system.epoch) + 1);
    for (e, item) in items.iter().enumerate() {
        let e = e as u64;
        nulls_only(&format!("capacity {e}"), item, &[]);
        let used = match e.cmp(&system.epoch) {
            std::cmp::Ordering::Less => held(e),
            std::cmp::Ordering::Equal => system.used_capacity,
            std::cmp::Ordering::Greater => system
                .future_used_capacity
                .get((e - system.epoch - 1) as usize)
                .copied()
                .unwrap_or(0),
        };
        assert_eq!(used, held(e), "epoch {e}: the events and the System agree");
        let total = match epochs.iter().find(|x| n(x, "epoch") == e) {
            Some(epoch) => n(epoch, "total_capacity"),
            None => system.total_capacity,
        };
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
    assert!(
        items
            .iter()
            .any(|i| n(i, "used_capacity") > 0 && i["started"] == false),
        "some capacity is reserved for a future epoch: {items:?}"
    );
    // Only future epochs.
    let future = all(addr, "/v1/capacity?started=false", last, 3).await;
    assert_eq!(future, items[system.epoch as usize + 1..]);
}

/// `[start, end)` of each epoch as the chain says (`EpochAdvanced.epoch_start_ms`; epoch 0,
/// which `SystemCreated` opens, from time 0; the current epoch open-ended), the spans
/// `/v1/stats/*?bucket=epoch` sum over.
fn epoch_spans(events: &[ChainEvent]) -> Vec<(u64, u64)> {
    let advanced: Vec<(&ChainEvent, ev::EpochAdvanced)> = events_named(events, "EpochAdvanced");
    let mut starts: Vec<(u64, u64)> = advanced
        .iter()
        .map(|(_, a)| (a.epoch, if a.epoch == 0 { 0 } else { a.epoch_start_ms }))
        .collect();
    if !starts.iter().any(|(e, _)| *e == 0) {
        starts.push((0, 0));
    }
    starts.sort();
    starts
        .iter()
        .enumerate()
        .map(|(i, (e, start))| {
            assert_eq!(*e, i as u64, "epochs advance one by one");
            (*start, starts.get(i + 1).map_or(u64::MAX, |(_, s)| *s))
        })
        .collect()
}

/// The analyst routes against the chain's events: supply and burns by source per epoch and
/// per hour, challenges per epoch, license revenue by model, stake by node, storage per
/// epoch, the user's address summary and lists, search by blob ID, object ID, address and
/// model name, and the refusals of bad buckets and ranges.
async fn analyst_routes_match_the_chain(
    addr: std::net::SocketAddr,
    last: u64,
    events: &[ChainEvent],
    epochs: &[Value],
    user: Address,
    blob_id: &str,
) {
    let spans = epoch_spans(events);
    let current = spans.len() as u64 - 1;
    let burns: Vec<(&ChainEvent, ev::WalBurned)> = events_named(events, "WalBurned");
    assert!(burns.len() >= 3, "the history burns");
    let (_, treasury): (_, ev::WalTreasuryCreated) =
        events_named(events, "WalTreasuryCreated").pop().unwrap();
    let source_name = |code: u8| floe_indexer::move_facts::burn_source_name(code).to_owned();
    let supply_at = |end: u64| {
        burns
            .iter()
            .rfind(|(e, _)| e.timestamp_ms < end)
            .map_or((0, treasury.initial_supply), |(_, b)| {
                (b.total_burned, b.total_supply)
            })
    };
    let expect_point = |point: &Value, start: u64, end: u64| {
        let mut by_source: BTreeMap<String, u64> = floe_indexer::move_facts::BURN_SOURCES
            .iter()
            .map(|(_, name)| ((*name).to_owned(), 0))
            .collect();
        let mut count = 0;
        for (e, b) in &burns {
            if (start..end).contains(&e.timestamp_ms) {
                *by_source.get_mut(&source_name(b.source)).unwrap() += b.amount;
                count += 1;
            }
        }
        assert_eq!(point["burned_by_source"], json!(by_source), "{point}");
        assert_eq!(
            n(point, "burned"),
            by_source.values().sum::<u64>(),
            "{point}"
        );
        assert_eq!(n(point, "burns"), count, "{point}");
        let (burned, supply) = supply_at(end);
        assert_eq!(n(point, "total_burned"), burned, "{point}");
        assert_eq!(n(point, "total_supply"), supply, "{point}");
    };

    // Supply per epoch: every burn of the history falls in exactly one epoch.
    let series = get_json(
        addr,
        &format!("/v1/stats/supply?bucket=epoch&from=0&to={}", current + 1),
    )
    .await;
    assert_eq!(series["checkpoint"], last);
    let points = series["points"].as_array().unwrap();
    assert_eq!(points.len() as u64, current + 1);
    for (e, point) in points.iter().enumerate() {
        let (start, end) = spans[e];
        assert_eq!(n(point, "epoch"), e as u64);
        assert_eq!(n(point, "start_ms"), start);
        expect_point(point, start, end);
    }
    let total: u64 = points.iter().map(|p| n(p, "burned")).sum();
    assert_eq!(total, burns.last().unwrap().1.total_burned);
    // The default range is the same epochs.
    let default = get_json(addr, "/v1/stats/supply").await;
    assert_eq!(default["points"], series["points"]);

    // Supply per hour over the history's hours.
    const HOUR: u64 = 3_600_000;
    let first = events.iter().map(|e| e.timestamp_ms).min().unwrap();
    let end = events.iter().map(|e| e.timestamp_ms).max().unwrap() + 1;
    let series = get_json(
        addr,
        &format!("/v1/stats/supply?bucket=hour&from={first}&to={end}"),
    )
    .await;
    let points = series["points"].as_array().unwrap();
    assert_eq!(
        points.len() as u64,
        end.div_ceil(HOUR) - first / HOUR,
        "{series}"
    );
    for point in points {
        let start = n(point, "start_ms");
        assert_eq!(start % HOUR, 0);
        assert_eq!(n(point, "end_ms"), start + HOUR);
        assert!(point["epoch"].is_null());
        expect_point(point, start, start + HOUR);
    }

    // Challenges per epoch: issued, answered, slashed as the events say.
    let issued: Vec<(&ChainEvent, ev::ChallengeIssued)> = events_named(events, "ChallengeIssued");
    let answered: Vec<(&ChainEvent, ev::ChallengeAnswered)> =
        events_named(events, "ChallengeAnswered");
    let slashed: Vec<(&ChainEvent, ev::ChallengeSlashed)> =
        events_named(events, "ChallengeSlashed");
    let series = get_json(
        addr,
        &format!("/v1/stats/challenges?from=0&to={}", current + 1),
    )
    .await;
    let mut seen = 0;
    for (e, point) in series["points"].as_array().unwrap().iter().enumerate() {
        let e = e as u64;
        let count = |ids: Vec<u64>| ids.len() as u64;
        let of_epoch: Vec<u64> = issued
            .iter()
            .filter(|(_, c)| c.epoch == e)
            .map(|(_, c)| c.challenge_id)
            .collect();
        assert_eq!(n(point, "epoch"), e);
        assert_eq!(n(point, "issued"), of_epoch.len() as u64, "{point}");
        let answered_ids = answered
            .iter()
            .filter(|(_, a)| of_epoch.contains(&a.challenge_id))
            .map(|(_, a)| a.challenge_id)
            .collect();
        assert_eq!(n(point, "answered"), count(answered_ids), "{point}");
        let slashed_ids = slashed
            .iter()
            .filter(|(_, a)| of_epoch.contains(&a.challenge_id))
            .map(|(_, a)| a.challenge_id)
            .collect();
        assert_eq!(n(point, "slashed"), count(slashed_ids), "{point}");
        assert!(n(point, "missed") >= n(point, "slashed"));
        assert_eq!(
            n(point, "answered") + n(point, "missed") + n(point, "pending"),
            n(point, "issued")
        );
        seen += n(point, "issued");
    }
    assert_eq!(seen, issued.len() as u64);
    assert!(seen >= 4, "the history issues challenges");

    // License revenue by model per epoch: every payment (purchase or extension) by its time.
    let purchased: Vec<(&ChainEvent, ev::LicensePurchased)> =
        events_named(events, "LicensePurchased");
    let extended: Vec<(&ChainEvent, ev::LicenseExtended)> = events_named(events, "LicenseExtended");
    assert!(!purchased.is_empty());
    let series = get_json(
        addr,
        &format!("/v1/stats/revenue?from=0&to={}", current + 1),
    )
    .await;
    let mut licenses_seen = 0;
    let mut payments_seen = 0;
    for (e, point) in series["points"].as_array().unwrap().iter().enumerate() {
        let (start, end) = spans[e];
        // (revenue, fees, purchases, payments) by model.
        let mut by_model: BTreeMap<String, (u64, u64, u64, u64)> = BTreeMap::new();
        let payments = purchased
            .iter()
            .map(|(_, p)| (&p.model_id, p.timestamp_ms, p.price, p.fee_burned, 1))
            .chain(
                extended
                    .iter()
                    .map(|(_, x)| (&x.model_id, x.timestamp_ms, x.price, x.fee_burned, 0)),
            );
        for (model_id, at, price, fee, purchase) in payments {
            if (start..end).contains(&at) {
                let entry = by_model.entry(id(model_id)).or_default();
                entry.0 += price;
                entry.1 += fee;
                entry.2 += purchase;
                entry.3 += 1;
            }
        }
        let models = point["models"].as_array().unwrap();
        assert_eq!(models.len(), by_model.len(), "{point}");
        for (model, (model_id, (revenue, fees, count, paid))) in models.iter().zip(&by_model) {
            assert_eq!(model["model_id"], json!(model_id));
            assert_eq!(n(model, "revenue"), *revenue);
            assert_eq!(n(model, "fees_burned"), *fees);
            assert_eq!(n(model, "licenses"), *count);
            assert_eq!(n(model, "payments"), *paid);
            assert_eq!(model["name"], "indexed-llm");
            licenses_seen += count;
            payments_seen += paid;
        }
        assert_eq!(
            n(point, "revenue"),
            by_model.values().map(|v| v.0).sum::<u64>()
        );
    }
    assert_eq!(payments_seen, (purchased.len() + extended.len()) as u64);
    assert_eq!(licenses_seen, purchased.len() as u64);

    // Stake by node per epoch: each pool as it entered the epoch (PoolAdvanced).
    let advanced: Vec<(&ChainEvent, ev::PoolAdvanced)> = events_named(events, "PoolAdvanced");
    assert!(!advanced.is_empty());
    let series = get_json(addr, &format!("/v1/stats/stake?from=0&to={}", current + 1)).await;
    for (e, point) in series["points"].as_array().unwrap().iter().enumerate() {
        let mut expected: BTreeMap<String, u64> = BTreeMap::new();
        for (_, a) in advanced.iter().filter(|(_, a)| a.epoch == e as u64) {
            expected.insert(id(&a.node_id), a.pool_stake);
        }
        let got: BTreeMap<String, u64> = point["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| {
                (
                    node["node_id"].as_str().unwrap().to_owned(),
                    n(node, "pool_stake"),
                )
            })
            .collect();
        assert_eq!(got, expected, "epoch {e}");
        assert_eq!(point["committee_stake"], epochs[e]["committee_stake"]);
    }

    // Storage per epoch: what /v1/capacity (checked against the System above) says.
    let capacity = all(addr, "/v1/capacity", last, 3).await;
    let series = get_json(
        addr,
        &format!("/v1/stats/storage?from=0&to={}", capacity.len()),
    )
    .await;
    let points = series["points"].as_array().unwrap();
    assert_eq!(points.len(), capacity.len());
    for (point, c) in points.iter().zip(&capacity) {
        assert_eq!(point["used_capacity"], c["used_capacity"]);
        assert_eq!(point["total_capacity"], c["total_capacity"]);
        assert_eq!(point["started"], c["started"]);
    }

    // The user's address: what it registered, staked, bought and owns.
    let registered: Vec<(&ChainEvent, ev::BlobRegistered)> = events_named(events, "BlobRegistered");
    let user_text = user.to_string();
    let summary = get_json(addr, &format!("/v1/addresses/{user}")).await;
    let item = &summary["item"];
    assert_eq!(summary["checkpoint"], last);
    let owned = |name: &str, f: &dyn Fn(&ChainEvent) -> bool| {
        events.iter().filter(|e| e.name == name && f(e)).count() as u64
    };
    assert_eq!(
        n(item, "blobs"),
        registered
            .iter()
            .filter(|(_, b)| mv(&b.owner) == user_text)
            .count() as u64
    );
    assert_eq!(
        n(item, "licenses"),
        owned("LicensePurchased", &|e| mv(&e
            .decode::<ev::LicensePurchased>()
            .buyer)
            == user_text)
    );
    assert_eq!(
        n(item, "stakes"),
        owned("Staked", &|e| mv(&e.decode::<ev::Staked>().staker)
            == user_text)
    );
    assert_eq!(
        n(item, "models"),
        owned("ModelRegistered", &|e| mv(&e
            .decode::<ev::ModelRegistered>()
            .owner)
            == user_text)
    );
    assert!(n(item, "blobs") >= 1 && n(item, "licenses") >= 1 && n(item, "stakes") >= 1);
    for (view, list) in [
        ("blobs", format!("/v1/blobs?owner={user}")),
        ("stakes", format!("/v1/stakes?staker={user}")),
        ("licenses", format!("/v1/licenses?holder={user}")),
    ] {
        let mine = all(addr, &format!("/v1/addresses/{user}/{view}"), last, 3).await;
        assert_eq!(mine, all(addr, &list, last, 3).await, "{view}");
        assert_eq!(mine.len() as u64, n(item, view), "{view}");
    }

    // Search: a blob ID, a license's object ID, the user's address, a model name's start.
    let license_id = id(&purchased[0].1.license_id);
    for (q, kind, found) in [
        (blob_id.to_owned(), "blob", blob_id.to_owned()),
        (license_id.clone(), "license", license_id.clone()),
        (user_text.clone(), "address", user_text.clone()),
        (
            "INDEXED-l".to_owned(),
            "model",
            id(&purchased[0].1.model_id),
        ),
    ] {
        let hits = get_json(addr, &format!("/v1/search?q={q}")).await;
        assert_eq!(hits["checkpoint"], last);
        assert!(
            hits["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["kind"] == kind && h["id"] == found),
            "{q}: {hits}"
        );
    }
    let none = get_json(addr, "/v1/search?q=no-such-name").await;
    assert_eq!(none["items"], json!([]));

    // Refusals: problem+json naming what is allowed.
    for (path, kind) in [
        ("/v1/stats/supply?bucket=week", "invalid-parameter"),
        ("/v1/stats/supply?from=3&to=3", "invalid-range"),
        (
            "/v1/stats/supply?bucket=hour&from=0&to=99999999999",
            "invalid-range",
        ),
        ("/v1/stats/challenges?bucket=day", "invalid-parameter"),
        ("/v1/stats/stake?node_id=zz", "invalid-id"),
        ("/v1/stats/revenue?limit=3", "unknown-parameter"),
        ("/v1/search", "invalid-parameter"),
        ("/v1/addresses/0xnothex", "invalid-id"),
    ] {
        let (status, content_type, body) = get(addr, path).await;
        assert_eq!(
            (status, content_type.as_str()),
            (400, "application/problem+json"),
            "{path}: {body}"
        );
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            problem["type"],
            format!("/problems/{kind}"),
            "{path}: {body}"
        );
    }
}

/// An epoch row that has not begun (fees paid ahead create one; no start yet) is no bucket of
/// an epoch series: asked past the current epoch, `/v1/stats/supply` answers the started
/// epochs only, with the same figures. Runs last: it writes such a row.
async fn future_epochs_have_no_span(addr: std::net::SocketAddr, pool: &sqlx::PgPool) {
    let before = get_json(addr, "/v1/stats/supply?bucket=epoch").await;
    let current = before["to"].as_i64().unwrap() - 1;
    sqlx::query("INSERT INTO epochs (epoch, write_fees) VALUES ($1, 5)")
        .bind(current + 2)
        .execute(pool)
        .await
        .unwrap();
    let after = get_json(
        addr,
        &format!("/v1/stats/supply?bucket=epoch&from=0&to={}", current + 5),
    )
    .await;
    assert_eq!(after["points"], before["points"]);
}

/// Blob attributes through the API while the indexer follows a live devnet over gRPC: two Blob
/// objects of the same bytes (one blob ID) get attributes set, replaced (the key moves last, as
/// on chain), removed and cleared, one with a NUL in a value (PostgreSQL text cannot hold it:
/// it must not stop the ingest); then one object is deleted and its attributes drop. After each
/// step both routes (`/v1/blob-objects/{id}/attributes`, paged by one, and each object's
/// `attributes` in `/v1/blobs/{id}`) equal what the chain's objects hold, in the chain's order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_attributes_follow_the_chain() {
    use floe_sdk::attributes::AttributeChange::{Clear, Remove, Set};
    let set = |key: &str, value: &str| Set {
        key: key.to_owned(),
        value: value.to_owned(),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        ..DevnetConfig::default()
    };
    let faucet_keys = Keystore::load_or_create(config.faucet_keystore_path(), 1).unwrap();
    let (_, operators) = four_genesis_nodes(&mut config, faucet_keys.addresses()[0]);
    let devnet = Devnet::start_floe(config).await.unwrap();
    let network_file = devnet.network_config_path();
    let network = NetworkConfig::from_file(&network_file).unwrap();
    let db = TestDb::new("attributes").await;
    let indexer = IndexerProcess::spawn(&db.url, &["--network", network_file.to_str().unwrap()]);
    let faucet = network.faucet_url.clone().unwrap();
    let mut keys = Keystore::default();
    let user = keys.generate();
    floe_sdk::faucet::request_gas(&faucet, user).await.unwrap();
    request_wal(&faucet, user, 100 * WAL).await;
    let mut floe = Floe::connect(&network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    let epoch = floe.system().await.unwrap().epoch;
    let (nodes, _) = memory_nodes(&mut floe, &operators, epoch).await;
    let bytes: Vec<u8> = (0..5_000u32).map(|i| (i * 11 + 1) as u8).collect();
    let first = floe.store_blob(&nodes, &bytes, 2, true).await.unwrap();
    let second = floe.store_blob(&nodes, &bytes, 2, true).await.unwrap();
    assert_eq!(first.blob_id, second.blob_id);
    let blob_id = b64(first.blob_id.0);
    let objects = [first.blob_object, second.blob_object];

    // Added in order; the second object's are its own.
    floe.change_blob_attributes(objects[0], &[set("a", "1"), set("b", "2"), set("c", "3")])
        .await
        .unwrap();
    floe.change_blob_attributes(objects[1], &[set("x", "y")])
        .await
        .unwrap();
    let chain = attributes_match(&mut floe, indexer.addr, &blob_id, &objects, &[]).await;
    assert_eq!(keys_of(&chain[0]), ["a", "b", "c"]);
    assert_eq!(keys_of(&chain[1]), ["x"]);

    // A replaced key moves last, a removed one goes; a NUL in a value is indexed (as U+FFFD).
    floe.change_blob_attributes(
        objects[0],
        &[
            set("a", "10"),
            Remove {
                key: "b".to_owned(),
            },
            set("nul", "a\0b"),
        ],
    )
    .await
    .unwrap();
    let chain = attributes_match(&mut floe, indexer.addr, &blob_id, &objects, &[]).await;
    assert_eq!(keys_of(&chain[0]), ["c", "a", "nul"]);
    assert_eq!(chain[0][1].1, "10");

    // Cleared, then set again; separately, a key removed and set again in one transaction.
    floe.change_blob_attributes(objects[1], &[Clear, set("z", "1")])
        .await
        .unwrap();
    floe.change_blob_attributes(
        objects[0],
        &[
            Remove {
                key: "c".to_owned(),
            },
            set("c", "back"),
        ],
    )
    .await
    .unwrap();
    let chain = attributes_match(&mut floe, indexer.addr, &blob_id, &objects, &[]).await;
    assert_eq!(keys_of(&chain[0]), ["a", "nul", "c"]);
    assert_eq!(keys_of(&chain[1]), ["z"]);

    // A deleted object drops its attributes; the other keeps its own.
    floe.delete_blob(objects[0]).await.unwrap();
    let chain = attributes_match(&mut floe, indexer.addr, &blob_id, &objects, &[objects[0]]).await;
    assert!(chain[0].is_empty());
    assert_eq!(keys_of(&chain[1]), ["z"]);
    drop(indexer);
    devnet.shutdown().await;

    // Migration 0009's backfill (a database indexed before 0008) rebuilds from the raw events
    // exactly the rows the ingest wrote: removed keys, the NUL, positions included.
    let before = db.fingerprint().await;
    sqlx::query("DELETE FROM blob_attributes")
        .execute(&db.pool)
        .await
        .unwrap();
    let migration = include_str!("../../migrations/0009_blob_attributes_backfill.sql");
    // Since 0022 the object ID column holds the ID's bytes: the backfill's hex rows go in
    // through `id_bytes`, as 0022 converts the rows an older database's 0009 wrote.
    let hex_rows = "       d.object_id, d.key, d.blob_id,";
    assert!(
        migration.contains(hex_rows),
        "the backfill's INSERT changed"
    );
    let migration = migration.replace(hex_rows, "       id_bytes(d.object_id), d.key, d.blob_id,");
    sqlx::raw_sql(&migration).execute(&db.pool).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM blob_attributes")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    // a, b (removed), c, nul on the first object; x (cleared), z on the second.
    assert_eq!(rows, 6);
    assert_eq!(db.fingerprint().await, before, "backfill vs ingest");
}

fn keys_of(attributes: &[(String, String)]) -> Vec<&str> {
    attributes.iter().map(|(k, _)| k.as_str()).collect()
}

/// Waits for the indexer to reach the chain's height, then checks that each object's
/// attributes in the API (its own route, paged by one, and inside `/v1/blobs/{blob_id}`) equal
/// the chain's (none for a `deleted` object). Returns the chain's, per object.
async fn attributes_match(
    floe: &mut Floe,
    addr: std::net::SocketAddr,
    blob_id: &str,
    objects: &[Address],
    deleted: &[Address],
) -> Vec<Vec<(String, String)>> {
    let height = floe
        .client
        .service_info()
        .await
        .unwrap()
        .checkpoint_height();
    wait_for_checkpoint(addr, height, Duration::from_secs(60)).await;
    let page = get_json(addr, &format!("/v1/blobs/{blob_id}")).await;
    let mut chain = Vec::new();
    for object in objects {
        let expected: Vec<(String, String)> = if deleted.contains(object) {
            Vec::new()
        } else {
            floe.blob_attributes(*object).await.unwrap()
        };
        // PostgreSQL text holds no NUL: the indexer stores U+FFFD in its place.
        let indexed: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.replace('\0', "\u{FFFD}"), v.replace('\0', "\u{FFFD}")))
            .collect();
        let pair = |item: &Value| {
            assert_eq!(item["blob_object_id"], object.to_string());
            assert_eq!(item["blob_id"], blob_id);
            assert!(item["tx_digest"].is_string() && item["checkpoint"].is_u64());
            (
                item["key"].as_str().unwrap().to_owned(),
                item["value"].as_str().unwrap().to_owned(),
            )
        };
        // Its own route, one per page (the cursor is the position).
        let path = format!("/v1/blob-objects/{object}/attributes");
        let mut listed = Vec::new();
        let mut url = format!("{path}?limit=1");
        loop {
            let page = get_json(addr, &url).await;
            listed.extend(page["items"].as_array().unwrap().iter().map(pair));
            match page["next_cursor"].as_str() {
                Some(cursor) => url = format!("{path}?limit=1&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(listed, indexed, "{path}");
        // Inside the blob ID's page.
        let entry = page["item"]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["blob_object_id"] == object.to_string())
            .unwrap_or_else(|| panic!("{object} in /v1/blobs/{blob_id}"));
        let inside: Vec<_> = entry["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(pair)
            .collect();
        assert_eq!(inside, indexed, "/v1/blobs/{blob_id}: {object}");
        chain.push(expected);
    }
    chain
}

/// Compute providers and jobs (`/v1/compute/…`) against the chain: three providers register;
/// a 2-of-3 job where two agree and the third submits other bytes settles (two paid, the
/// third's bond burned); a 1-of-1 job nobody answers is refunded after its deadline. Every
/// field of both routes is checked against the chain's objects and events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compute_jobs_and_providers_follow_the_chain() {
    let World {
        dir: _dir,
        devnet,
        network,
        checkpoints,
        db: _db,
        indexer,
        keys,
        accounts,
        mut clients,
        nodes,
    } = World::start("compute", 4, 100 * WAL).await;

    // The owner's model and input; three providers.
    let weights: Vec<u8> = (0..3_000u32).map(|i| (i * 5 + 2) as u8).collect();
    let stored = clients[0]
        .store_blob(&nodes, &weights, 2, false)
        .await
        .unwrap();
    let model = clients[0]
        .register_model("computed", "run by providers")
        .await
        .unwrap();
    clients[0]
        .publish_version(
            model.model,
            model.cap,
            stored.blob_object,
            "onnx-mlp",
            &[1; 32],
            &[],
        )
        .await
        .unwrap();
    let mut providers = Vec::new();
    for (i, client) in clients.iter_mut().enumerate().skip(1) {
        let key = keys.key(&accounts[i]).unwrap().public_key();
        let address = format!("http://127.0.0.1:94{i:02}");
        providers.push(
            client
                .register_provider(key.as_bytes(), &address, 20 * WAL)
                .await
                .unwrap(),
        );
    }
    let provider_ids: Vec<Address> = providers.iter().map(|p| p.provider).collect();

    // A 2-of-3 job: two agree, the third submits other bytes.
    let now = clients[0].chain_now_ms().await.unwrap();
    let settled = clients[0]
        .create_job(
            model.model.id,
            model.cap,
            1,
            stored.blob_id.0,
            &provider_ids,
            2,
            now + 600_000,
            6 * WAL,
        )
        .await
        .unwrap()
        .id;
    // The chain takes the provider's word for the hash (its bond is what makes it honest).
    for (i, output, hash) in [
        (1, &b"agreed output"[..], [7u8; 32]),
        (2, b"agreed output", [7; 32]),
        (3, b"other", [8; 32]),
    ] {
        let out = clients[i]
            .store_blob(&nodes, output, 2, false)
            .await
            .unwrap();
        let p = providers[i - 1];
        clients[i]
            .submit_result(settled, p.provider, p.cap, out.blob_object, &hash)
            .await
            .unwrap();
    }
    let settlement = clients[0].settle_job(settled).await.unwrap();
    assert_eq!(settlement.providers_paid, 2);

    // A 1-of-1 job no one answers: refunded once its deadline passed.
    let now = clients[0].chain_now_ms().await.unwrap();
    let deadline = now + 1_500;
    let refunded = clients[0]
        .create_job(
            model.model.id,
            model.cap,
            1,
            stored.blob_id.0,
            &provider_ids[..1],
            1,
            deadline,
            WAL,
        )
        .await
        .unwrap()
        .id;
    let amount = loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        match clients[0].refund_job(refunded).await {
            Ok(amount) => break amount,
            Err(e) if e.to_string().contains("EDeadlineNotPassed") => {}
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(amount, WAL);

    let height = clients[0]
        .client
        .service_info()
        .await
        .unwrap()
        .checkpoint_height();
    wait_for_checkpoint(indexer.addr, height, Duration::from_secs(60)).await;
    let package = network.original_package_id.unwrap();
    let events = chain_events(&checkpoints, last_checkpoint(&checkpoints), package);

    // Providers: every field against the chain.
    let listed = get_json(indexer.addr, "/v1/compute/providers?limit=2").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let cursor = listed["next_cursor"].as_str().unwrap().to_owned();
    let rest = get_json(
        indexer.addr,
        &format!("/v1/compute/providers?cursor={cursor}"),
    )
    .await;
    let mut items: Vec<Value> = listed["items"].as_array().unwrap().clone();
    items.extend(rest["items"].as_array().unwrap().iter().cloned());
    assert_eq!(items.len(), 3);
    for (i, p) in providers.iter().enumerate() {
        let chain = clients[0].compute_provider(p.provider).await.unwrap();
        let item = items
            .iter()
            .find(|item| item["provider_id"] == p.provider.to_string())
            .unwrap();
        let one = get_json(
            indexer.addr,
            &format!("/v1/compute/providers/{}", p.provider),
        )
        .await;
        assert_eq!(&one["item"], item);
        let (registered, _) =
            events_named::<ev::ComputeProviderRegistered>(&events, "ComputeProviderRegistered")
                .into_iter()
                .find(|(_, r)| move_types::address_of(&r.provider_id) == p.provider)
                .unwrap();
        let slashed = i == 2;
        assert_eq!(
            item,
            &json!({
                "provider_id": p.provider.to_string(),
                "cap_id": p.cap.to_string(),
                "operator": accounts[i + 1].to_string(),
                "public_key": hex::encode(chain.public_key),
                "network_address": text(&chain.network_address),
                "stake": chain.stake.value,
                "results_submitted": 1,
                "slashes": u64::from(slashed),
                "slashed": if slashed { 2 * WAL } else { 0 },
                "registered_checkpoint": registered.checkpoint,
                "updated_checkpoint": item["updated_checkpoint"],
            })
        );
        nulls_only("compute provider", item, &[]);
    }
    let by_operator = get_json(
        indexer.addr,
        &format!("/v1/compute/providers?operator={}", accounts[2]),
    )
    .await;
    assert_eq!(
        by_operator["items"][0]["provider_id"],
        providers[1].provider.to_string()
    );

    // Jobs: the settled one and the refunded one, against the chain and its events.
    let (_, settled_event) =
        events_named::<ev::ComputeJobSettled>(&events, "ComputeJobSettled").remove(0);
    for (job_id, status) in [(settled, "settled"), (refunded, "refunded")] {
        let chain = clients[0].job(job_id).await.unwrap();
        let item =
            get_json(indexer.addr, &format!("/v1/compute/jobs/{job_id}")).await["item"].clone();
        let by_status = get_json(indexer.addr, &format!("/v1/compute/jobs?status={status}")).await;
        assert_eq!(by_status["items"].as_array().unwrap(), &vec![item.clone()]);
        let (created, _) = events_named::<ev::ComputeJobCreated>(&events, "ComputeJobCreated")
            .into_iter()
            .find(|(_, c)| move_types::address_of(&c.job_id) == job_id)
            .unwrap();
        let is_settled = status == "settled";
        let closed_at: u64 = if is_settled {
            settled_event.timestamp_ms
        } else {
            events_named::<ev::ComputeJobRefunded>(&events, "ComputeJobRefunded")[0]
                .1
                .timestamp_ms
        };
        assert_eq!(
            item,
            json!({
                "job_id": job_id.to_string(),
                "owner": accounts[0].to_string(),
                "model_id": model.model.id.to_string(),
                "model_version": 1,
                "model_blob_id": b64(chain.model_blob_id.to_le_bytes()),
                "input_blob_id": b64(chain.input_blob_id.to_le_bytes()),
                "providers": chain.providers.iter().map(id).collect::<Vec<_>>(),
                "k": chain.k,
                "deadline_ms": chain.deadline_ms,
                "price": chain.price,
                "status": status,
                "tuning": false,
                "tuning_auto_publish": null,
                "results": chain.submissions.len(),
                "output_blob_id": is_settled.then(|| b64(chain.output_blob_id.to_le_bytes())),
                "output_hash": is_settled.then(|| hex::encode(&chain.output_hash)),
                "paid_each": is_settled.then_some(settlement.paid_each),
                "providers_paid": is_settled.then_some(2),
                "fee_burned": is_settled.then_some(settlement.fee_burned),
                "slashed": is_settled.then_some(2 * WAL),
                "refunded": (!is_settled).then_some(WAL),
                "closed_at_ms": closed_at,
                "created_checkpoint": created.checkpoint,
                "updated_checkpoint": item["updated_checkpoint"],
            })
        );
    }
    let open = get_json(indexer.addr, "/v1/compute/jobs?status=open").await;
    assert!(open["items"].as_array().unwrap().is_empty());
    let (status, kind, body) = get(indexer.addr, "/v1/compute/jobs?status=running").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        kind.contains("problem+json") && body.contains("settled"),
        "{body}"
    );
    let (status, _, body) = get(indexer.addr, &format!("/v1/compute/jobs/{}", accounts[0])).await;
    assert_eq!(status, 404, "{body}");
    drop(indexer);
    devnet.shutdown().await;
}

/// Datasets, contributions and revenue shares (`/v1/datasets…`, `/v1/contributions…`)
/// against the chain: a curator's dataset, three contributions weighted 5 : 3 : 2, a model
/// giving it 20 % of its revenue, one license sale, a distribution and two claims. Every
/// field of the routes is checked against the chain's `Dataset` and `Model` objects and the
/// amounts the chain paid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datasets_and_contributions_follow_the_chain() {
    // 0 the model's owner, 1 the curator, 2..=4 contributors, 5 the buyer.
    let World {
        dir: _dir,
        devnet,
        network,
        checkpoints,
        db: _db,
        indexer,
        accounts,
        mut clients,
        nodes,
        ..
    } = World::start("datasets", 6, 50 * WAL).await;

    let weights: Vec<u8> = (0..2_000u32).map(|i| (i * 3 + 1) as u8).collect();
    let stored = clients[0]
        .store_blob(&nodes, &weights, 2, false)
        .await
        .unwrap();
    let model = clients[0]
        .register_model("trained", "on faces")
        .await
        .unwrap();
    clients[0]
        .publish_version(model.model, model.cap, stored.blob_object, "mlp", &[], &[])
        .await
        .unwrap();
    let offer = clients[0]
        .create_offer(model.model, model.cap, 10 * WAL, 3_600_000, 4, 0)
        .await
        .unwrap();
    let dataset = clients[1]
        .create_dataset("faces", "<b>labelled</b> faces")
        .await
        .unwrap();
    let mut contributions = Vec::new();
    for (i, client) in clients.iter_mut().enumerate().take(5).skip(2) {
        let part: Vec<u8> = (0..1_000u32).map(|j| (j * 7) as u8 ^ i as u8).collect();
        let blob = client.store_blob(&nodes, &part, 2, false).await.unwrap();
        let contribution = client
            .contribute(dataset.dataset, blob.blob_object)
            .await
            .unwrap();
        contributions.push((contribution, blob));
    }
    for ((contribution, _), weight) in contributions.iter().zip([5, 3, 2]) {
        clients[1]
            .set_contribution_weight(dataset.dataset, dataset.cap, *contribution, weight)
            .await
            .unwrap();
    }
    clients[1]
        .seal_dataset(dataset.dataset, dataset.cap)
        .await
        .unwrap();
    clients[0]
        .train_on(model.model.id, model.cap, 1, dataset.dataset, 2_000)
        .await
        .unwrap();
    clients[5].purchase_license(offer.id, 1).await.unwrap();
    // 20 % of 9.5 WAL (10 WAL less the 5 % fee) is set aside, then 5 : 3 : 2.
    let claimed = clients[2]
        .claim_contribution(contributions[0].0, &[model.model.id])
        .await
        .unwrap();
    assert_eq!(claimed.distributed, vec![(model.model.id, 1_900_000_000)]);
    assert_eq!(claimed.amount, 950_000_000);
    let claimed = clients[3]
        .claim_contribution(contributions[1].0, &[])
        .await
        .unwrap();
    assert_eq!(claimed.amount, 570_000_000);

    let height = clients[0]
        .client
        .service_info()
        .await
        .unwrap()
        .checkpoint_height();
    wait_for_checkpoint(indexer.addr, height, Duration::from_secs(60)).await;
    let package = network.original_package_id.unwrap();
    let events = chain_events(&checkpoints, last_checkpoint(&checkpoints), package);
    let checkpoint_of =
        |name: &str| -> u64 { events.iter().find(|e| e.name == name).unwrap().checkpoint };

    // The dataset, against its object.
    let chain = clients[0].dataset(dataset.dataset).await.unwrap();
    let item =
        get_json(indexer.addr, &format!("/v1/datasets/{}", dataset.dataset)).await["item"].clone();
    assert_eq!(
        item,
        json!({
            "dataset_id": dataset.dataset.to_string(),
            "cap_id": dataset.cap.to_string(),
            "curator": accounts[1].to_string(),
            "name": "faces",
            "description": "<b>labelled</b> faces",
            "contributions": chain.contributions.size,
            "total_weight": chain.total_weight,
            "sealed": chain.sealed,
            "distributed": chain.total_distributed,
            "claimed": chain.total_claimed,
            "created_checkpoint": checkpoint_of("DatasetCreated"),
            "updated_checkpoint": item["updated_checkpoint"],
        })
    );
    assert_eq!(chain.total_claimed, 1_520_000_000);
    let by_curator = get_json(
        indexer.addr,
        &format!("/v1/datasets?curator={}", accounts[1]),
    )
    .await;
    assert_eq!(by_curator["items"].as_array().unwrap(), &vec![item]);

    // Contributions, paged by two, against each contribution's record.
    let first = get_json(
        indexer.addr,
        &format!("/v1/contributions?dataset_id={}&limit=2", dataset.dataset),
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = get_json(
        indexer.addr,
        &format!(
            "/v1/contributions?dataset_id={}&cursor={cursor}",
            dataset.dataset
        ),
    )
    .await;
    let mut items: Vec<Value> = first["items"].as_array().unwrap().clone();
    items.extend(rest["items"].as_array().unwrap().iter().cloned());
    assert_eq!(items.len(), 3);
    for (i, (contribution, blob)) in contributions.iter().enumerate() {
        let state = clients[0]
            .contribution_state(dataset.dataset, *contribution)
            .await
            .unwrap();
        let item = items
            .iter()
            .find(|c| c["contribution_id"] == contribution.to_string())
            .unwrap();
        let one = get_json(indexer.addr, &format!("/v1/contributions/{contribution}")).await;
        assert_eq!(&one["item"], item);
        assert_eq!(
            item,
            &json!({
                "contribution_id": contribution.to_string(),
                "dataset_id": dataset.dataset.to_string(),
                "blob_id": blob.blob_id.to_string(),
                "blob_object_id": blob.blob_object.to_string(),
                "contributor": accounts[i + 2].to_string(),
                "weight": state.weight,
                "claimed": state.claimed,
                "claims": u64::from(state.claimed > 0),
                "created_checkpoint": item["created_checkpoint"],
                "updated_checkpoint": item["updated_checkpoint"],
            })
        );
    }
    let by_contributor = get_json(
        indexer.addr,
        &format!("/v1/contributions?contributor={}", accounts[4]),
    )
    .await;
    assert_eq!(
        by_contributor["items"][0]["contribution_id"],
        contributions[2].0.to_string()
    );

    // The model's share with the dataset, against the model.
    let (pending, bps) = clients[0]
        .pending_share(model.model.id, dataset.dataset)
        .await
        .unwrap();
    let shares = get_json(
        indexer.addr,
        &format!("/v1/datasets/{}/shares", dataset.dataset),
    )
    .await;
    let share = shares["items"][0].clone();
    assert_eq!(
        share,
        json!({
            "dataset_id": dataset.dataset.to_string(),
            "model_id": model.model.id.to_string(),
            "version": 1,
            "bps": bps,
            "accrued": 1_900_000_000u64,
            "pending": pending,
            "distributed": 1_900_000_000u64,
            "created_checkpoint": checkpoint_of("ModelDatasetShareSet"),
            "updated_checkpoint": share["updated_checkpoint"],
        })
    );
    let (status, kind, body) =
        get(indexer.addr, &format!("/v1/contributions/{}", accounts[0])).await;
    assert_eq!(status, 404, "{body}");
    assert!(kind.contains("problem+json"), "{kind}");
    drop(indexer);
    devnet.shutdown().await;
}

/// Model services (`/v1/services`) against the chain: a seller's two services of one model (the
/// second with a 5 s response window), a caller's two-call chain in one transaction, the first
/// call answered (settled to the model), the second refunded after its deadline, the first
/// service taken over by the model's owner (a new cap). Every field equals the `ModelService`
/// objects and the events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_follow_the_chain() {
    let World {
        dir: _dir,
        devnet,
        db: _db,
        indexer,
        accounts,
        mut clients,
        nodes,
        ..
    } = World::start("services", 3, 100 * WAL).await;
    let (seller, caller, provider) = (accounts[0], accounts[1], accounts[2]);
    let weights: Vec<u8> = (0..2_000u32).map(|i| (i * 3 + 1) as u8).collect();
    let stored = clients[0]
        .store_blob(&nodes, &weights, 2, false)
        .await
        .unwrap();
    let model = clients[0].register_model("served", "").await.unwrap();
    clients[0]
        .publish_version(
            model.model,
            model.cap,
            stored.blob_object,
            "onnx-mlp",
            &[1; 32],
            &[],
        )
        .await
        .unwrap();
    let prices = [3 * WAL, 5 * WAL];
    let windows = [600_000, 5_000];
    let mut services = Vec::new();
    for (price, window) in prices.into_iter().zip(windows) {
        services.push(
            clients[0]
                .create_service(model.model.id, model.cap, 1, provider, price, window)
                .await
                .unwrap(),
        );
    }
    let chain = floe_sdk::service::ServiceChain::first(services[0].service, prices[0])
        .then(services[1].service, prices[1]);
    let called = clients[1].call_chain(&chain, b"input").await.unwrap();
    assert_eq!(called.len(), 2);
    clients[2]
        .respond_call(services[0].service, 0, [5; 32], &[6; 32])
        .await
        .unwrap();
    let deadline = called[1].deadline_ms;
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        <= u128::from(deadline) + 500
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let refunded = clients[1]
        .refund_call(services[1].service, 0)
        .await
        .unwrap();
    assert_eq!(refunded, prices[1]);
    let new_cap = clients[0]
        .take_over_service(services[0].service, model.cap)
        .await
        .unwrap();

    let height = clients[0]
        .client
        .service_info()
        .await
        .unwrap()
        .checkpoint_height();
    wait_for_checkpoint(indexer.addr, height, Duration::from_secs(60)).await;
    let listed = get_json(indexer.addr, "/v1/services?limit=1").await;
    let cursor = listed["next_cursor"].as_str().unwrap().to_owned();
    let rest = get_json(indexer.addr, &format!("/v1/services?cursor={cursor}")).await;
    let mut items: Vec<Value> = listed["items"].as_array().unwrap().clone();
    items.extend(rest["items"].as_array().unwrap().iter().cloned());
    assert_eq!(items.len(), 2);
    for (i, s) in services.iter().enumerate() {
        let chain = clients[0].model_service(s.service).await.unwrap();
        let item = items
            .iter()
            .find(|item| item["service_id"] == s.service.to_string())
            .unwrap();
        let one = get_json(indexer.addr, &format!("/v1/services/{}", s.service)).await;
        assert_eq!(&one["item"], item);
        let answered = i == 0;
        let fee = if answered {
            prices[i] * 500 / 10_000
        } else {
            0
        };
        let revenue = if answered { prices[i] - fee } else { 0 };
        let refunded = if answered { 0 } else { prices[i] };
        assert_eq!(chain.escrow.value, 0);
        let cap = if i == 0 { new_cap } else { s.cap };
        assert_eq!(floe_sdk::move_types::address_of(&chain.cap_id), cap);
        assert_eq!(
            item,
            &json!({
                "service_id": s.service.to_string(),
                "cap_id": cap.to_string(),
                "model_id": model.model.id.to_string(),
                "model_version": 1,
                "owner": seller.to_string(),
                "provider": provider.to_string(),
                "price_per_call": chain.price_per_call,
                "response_window_ms": windows[i],
                "paused": chain.paused,
                "calls": chain.calls,
                "responses": u64::from(answered),
                "refunds": u64::from(!answered),
                "paid": prices[i],
                "fee_burned": fee,
                "revenue": revenue,
                "refunded": refunded,
                "escrow": chain.escrow.value,
                "created_checkpoint": item["created_checkpoint"],
                "updated_checkpoint": item["updated_checkpoint"],
            })
        );
        nulls_only("service", item, &[]);
    }
    let by_provider = get_json(indexer.addr, &format!("/v1/services?provider={provider}")).await;
    assert_eq!(by_provider["items"].as_array().unwrap().len(), 2);
    let by_other = get_json(indexer.addr, &format!("/v1/services?provider={caller}")).await;
    assert!(by_other["items"].as_array().unwrap().is_empty());
    let (status, _, body) = get(indexer.addr, &format!("/v1/services/{caller}")).await;
    assert_eq!(status, 404, "{body}");
    let (status, kind, body) = get(indexer.addr, "/v1/services/not-an-id").await;
    assert_eq!(status, 400, "{body}");
    assert!(kind.contains("problem+json"), "{kind}");
    drop(indexer);
    devnet.shutdown().await;
}

/// A model's tuning plan, reserve and tuned version on `/v1/models/{id}`, and the tuning job on
/// `/v1/compute/jobs/{id}`, against the chain: the owner sets a plan, two license sales fill
/// the reserve, another account opens the tuning job, the chosen provider submits, anyone
/// settles, the owner approves the output as version 2, then switches the plan to
/// auto-publish: the model shows the new flag, the settled job the one it opened with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_models_tuning_reserve_and_job_follow_the_chain() {
    let World {
        dir: _dir,
        devnet,
        db: _db,
        indexer,
        keys,
        accounts,
        mut clients,
        nodes,
        ..
    } = World::start("tuning", 3, 100 * WAL).await;
    let weights: Vec<u8> = (0..2_000u32).map(|i| (i * 3 + 1) as u8).collect();
    let stored = clients[0]
        .store_blob(&nodes, &weights, 2, false)
        .await
        .unwrap();
    let model = clients[0].register_model("tuned", "").await.unwrap();
    clients[0]
        .publish_version(
            model.model,
            model.cap,
            stored.blob_object,
            "onnx-mlp",
            &[],
            &[],
        )
        .await
        .unwrap();
    let key = keys.key(&accounts[2]).unwrap().public_key();
    let provider = clients[2]
        .register_provider(key.as_bytes(), "http://127.0.0.1:9402", 20 * WAL)
        .await
        .unwrap();
    // Half of every sale to the reserve; 9 WAL opens a 9 WAL job.
    let plan = floe_sdk::compute::TuningPlan {
        bps: 5_000,
        threshold: 9 * WAL,
        price: 9 * WAL,
        input_blob_id: stored.blob_id.0,
        providers: vec![provider.provider],
        k: 1,
        duration_ms: 600_000,
        auto_publish: false,
    };
    clients[0]
        .set_tuning(model.model.id, model.cap, &plan)
        .await
        .unwrap();
    let offer = clients[0]
        .create_offer(model.model, model.cap, 10 * WAL, 3_600_000, 4, 0)
        .await
        .unwrap();
    // Each sale credits 9.5 WAL (5 % fee), 4.75 of it to the reserve.
    clients[1].purchase_license(offer.id, 1).await.unwrap();
    clients[1].purchase_license(offer.id, 1).await.unwrap();
    let job = clients[1].open_tuning_job(model.model.id).await.unwrap().id;
    let output = clients[2]
        .store_blob(&nodes, b"tuned weights", 2, false)
        .await
        .unwrap();
    clients[2]
        .submit_result(
            job,
            provider.provider,
            provider.cap,
            output.blob_object,
            &[9; 32],
        )
        .await
        .unwrap();
    let settled = clients[1].settle_job(job).await.unwrap();
    assert!(settled.proposed);
    assert_eq!(
        clients[0]
            .approve_tuned_version(model.model.id, model.cap)
            .await
            .unwrap(),
        2
    );
    // The plan now publishes at once; the settled job keeps the flag it opened with.
    clients[0]
        .set_tuning(
            model.model.id,
            model.cap,
            &floe_sdk::compute::TuningPlan {
                auto_publish: true,
                ..plan
            },
        )
        .await
        .unwrap();

    let height = clients[0]
        .client
        .service_info()
        .await
        .unwrap()
        .checkpoint_height();
    wait_for_checkpoint(indexer.addr, height, Duration::from_secs(60)).await;
    let chain = clients[0].model(model.model.id).await.unwrap();
    let item =
        get_json(indexer.addr, &format!("/v1/models/{}", model.model.id)).await["item"].clone();
    assert_eq!(item["tuning_bps"], 5_000, "{item}");
    assert_eq!(item["tuning_threshold"], 9 * WAL, "{item}");
    assert_eq!(item["tuning_price"], 9 * WAL, "{item}");
    assert_eq!(item["tuning_k"], 1, "{item}");
    assert_eq!(item["tuning_auto_publish"], true, "{item}");
    assert_eq!(
        item["tuning_providers"],
        json!([provider.provider.to_string()]),
        "{item}"
    );
    assert_eq!(item["tuning_reserve"], chain.tuning_reserve.value, "{item}");
    assert_eq!(chain.tuning_reserve.value, 9_500_000_000 - 9 * WAL);
    assert_eq!(item["tuning_total"], chain.tuning_total, "{item}");
    assert_eq!(item["tuning_job_id"], job.to_string(), "{item}");
    assert_eq!(item["tuning_job_open"], false, "{item}");
    assert_eq!(item["tuning_proposal_pending"], false, "{item}");
    assert_eq!(item["tuned_versions"], 1, "{item}");
    assert_eq!(item["latest_version"], 2, "{item}");
    let tuning_job =
        get_json(indexer.addr, &format!("/v1/compute/jobs/{job}")).await["item"].clone();
    assert_eq!(tuning_job["tuning"], true, "{tuning_job}");
    assert_eq!(tuning_job["tuning_auto_publish"], false, "{tuning_job}");
    assert_eq!(tuning_job["status"], "settled", "{tuning_job}");
    assert_eq!(tuning_job["owner"], accounts[1].to_string(), "{tuning_job}");
    drop(indexer);
    devnet.shutdown().await;
}

/// Agent memories (issue 19, capability 4): an owner appends two blobs, grants an agent write,
/// the agent appends one, the owner revokes it (generation 1) and appends another. The memory,
/// its entries (paged by entry number) and its delegate equal the `Memory` object and events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memories_follow_the_chain() {
    let World {
        dir: _dir,
        devnet,
        db: _db,
        indexer,
        accounts,
        mut clients,
        nodes,
        ..
    } = World::start("memories", 2, 10 * WAL).await;
    let (owner, agent) = (accounts[0], accounts[1]);
    let memory = clients[0].create_memory().await.unwrap();
    let mut blob_objects = Vec::new();
    for (who, seed) in [(0usize, 1u8), (0, 2)] {
        let data: Vec<u8> = (0..1_500u32)
            .map(|i| (i as u8).wrapping_mul(seed))
            .collect();
        let stored = clients[who]
            .store_blob(&nodes, &data, 2, false)
            .await
            .unwrap();
        clients[who]
            .append_memory(memory, stored.blob_object, 0)
            .await
            .unwrap();
        blob_objects.push(stored.blob_object);
    }
    clients[0].grant_memory(memory, agent, true).await.unwrap();
    let data: Vec<u8> = (0..1_200u32).map(|i| (i % 7) as u8).collect();
    let stored = clients[1]
        .store_blob(&nodes, &data, 2, false)
        .await
        .unwrap();
    clients[1]
        .append_memory(memory, stored.blob_object, 0)
        .await
        .unwrap();
    blob_objects.push(stored.blob_object);
    let revoked = clients[0].revoke_memory(memory, agent).await.unwrap();
    assert_eq!(revoked.generation, 1);
    let data: Vec<u8> = (0..900u32).map(|i| (i % 11) as u8).collect();
    let stored = clients[0]
        .store_blob(&nodes, &data, 2, false)
        .await
        .unwrap();
    let last = clients[0]
        .append_memory(memory, stored.blob_object, 1)
        .await
        .unwrap();
    assert_eq!((last.index, last.generation), (3, 1));
    blob_objects.push(stored.blob_object);

    let height = clients[0]
        .client
        .service_info()
        .await
        .unwrap()
        .checkpoint_height();
    wait_for_checkpoint(indexer.addr, height, Duration::from_secs(60)).await;
    let object = clients[0].memory(memory).await.unwrap();
    let one = get_json(indexer.addr, &format!("/v1/memories/{memory}")).await;
    let item = &one["item"];
    assert_eq!(
        item,
        &json!({
            "memory_id": memory.to_string(),
            "owner": owner.to_string(),
            "generation": object.generation,
            "entries": object.entry_count,
            "grants": 1,
            "revokes": 1,
            "created_checkpoint": item["created_checkpoint"],
            "updated_checkpoint": item["updated_checkpoint"],
        })
    );
    assert_eq!(object.generation, 1);

    let entries = clients[0].memory_entries(&object).await.unwrap();
    let first = get_json(
        indexer.addr,
        &format!("/v1/memories/{memory}/entries?limit=3"),
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = get_json(
        indexer.addr,
        &format!("/v1/memories/{memory}/entries?cursor={cursor}"),
    )
    .await;
    assert!(rest["next_cursor"].is_null(), "{rest}");
    let mut items: Vec<Value> = first["items"].as_array().unwrap().clone();
    items.extend(rest["items"].as_array().unwrap().iter().cloned());
    assert_eq!(items.len(), 4);
    for (i, (item, entry)) in items.iter().zip(&entries).enumerate() {
        assert_eq!(
            item,
            &json!({
                "memory_id": memory.to_string(),
                "entry_index": i,
                "blob_id": BlobId(entry.blob_id.to_le_bytes()).to_string(),
                "blob_object_id": blob_objects[i].to_string(),
                "generation": entry.generation,
                "appended_by": floe_sdk::agent_memory::appended_by(entry).to_string(),
                "checkpoint": item["checkpoint"],
            })
        );
    }
    assert_eq!(items[2]["appended_by"], agent.to_string());

    let delegates = get_json(indexer.addr, &format!("/v1/memories/{memory}/delegates")).await;
    let delegate = &delegates["items"][0];
    assert_eq!(
        delegate,
        &json!({
            "memory_id": memory.to_string(),
            "agent": agent.to_string(),
            "active": false,
            "can_write": true,
            "granted_generation": 0,
            "revoked_generation": 1,
            "created_checkpoint": delegate["created_checkpoint"],
            "updated_checkpoint": delegate["updated_checkpoint"],
        })
    );
    let (status, kind, _) = get(indexer.addr, &format!("/v1/memories/{}", Address::ZERO)).await;
    assert_eq!((status, kind.as_str()), (404, "application/problem+json"));
    let (status, _, _) = get(indexer.addr, "/v1/memories/not-an-id/entries").await;
    assert_eq!(status, 400);
    drop(indexer);
    devnet.shutdown().await;
}

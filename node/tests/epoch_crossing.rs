//! Stores that survive trouble (issue 14), made deterministic: four real `floe-node`
//! processes on 127.0.0.1 against an in-process devnet, and the sdk's own `Floe::store_blob`
//! driven through a node directory that advances the epoch at an exact step of the store.
//!
//! 1. The epoch changes after every node stored its slivers and signed, before `certify_blob`:
//!    the old epoch's certificate is refused on-chain, and the store asks the new committee
//!    to confirm again; the blob certifies in the new epoch and reads back byte-identical.
//! 2. The epoch changes after the uploads, before the nodes are asked to confirm: they sign
//!    the new epoch ("confirmation is for epoch E+1 …, not epoch E"), and the store confirms
//!    again with the new committee.
//! 3. A store whose confirmations are all refused fails after paying; the same store retried
//!    finishes the Blob it registered (`resumed`) without paying WAL again.
//!
//! 4. The store's steps driven by hand with the sdk's own functions as the store ran before
//!    9312f33 (register, upload and collect confirmations, the epoch changes, certify): the
//!    certificate is refused on-chain with `EInvalidSignature`, the Blob stays paid for and
//!    uncertified; `store_blob` retried with the same `epochs` from the new epoch resumes it,
//!    extending it by the epoch that passed (paying only that epoch's storage, not a second
//!    registration), and certifies it.
//!
//! Each crossing is checked to have happened (a second round of confirmations, the first
//! round's epoch, the certificate's epoch): a store that certified in one round would fail
//! the test, as would a store that failed on the crossing (the sdk before 9312f33).

#![allow(clippy::unwrap_used)]

#[path = "support/process.rs"]
#[allow(dead_code)] // `NodeProcess::data`: this test reads no data directory
mod process;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use floe_encoder::{BlobId, BlobMetadata, Sliver, SliverPair};
use floe_node::http_client::HttpNodeClient;
use floe_sdk::flows::{FlowError, StoragePrice};
use floe_sdk::nodes::{NodeDirectory, NodeError, StorageConfirmation, StorageNodeClient};
use floe_sdk::{Floe, FloeClient, Keystore, NetworkConfig};
use process::{NodeProcess, advance_epoch, blob_bytes, free_port, launch_node};
use sui_sdk_types::Address;
use support::{WAL, fund, operator, start_devnet_at};

const N_SHARDS: u16 = 10;
const NODES: u8 = 4;
/// Short, so that `advance_epoch` (which waits out the epoch on chain time) returns at once;
/// epochs still advance only when this test calls it.
const EPOCH_MS: u64 = 300;
const EPOCHS_AHEAD: u64 = 20;
const PATIENCE: Duration = Duration::from_secs(30);

/// What the directory does at the first round of confirmations it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trap {
    /// Nothing: every call goes to the node.
    Off,
    /// Every node signs, then the epoch advances before the confirmations go back to the sdk
    /// (so before `certify_blob`).
    AdvanceAfterConfirm,
    /// Every node has its slivers, then the epoch advances (and every node follows it) before
    /// the nodes are asked to sign.
    AdvanceBeforeConfirm,
    /// Every node's confirmation is refused, as if the nodes were unreachable by then.
    Refuse,
}

/// What the members' clients share: the trap, the one epoch advance, and a record of every
/// confirmation the nodes signed.
struct Shared {
    trap: Mutex<Trap>,
    /// The members with shards reach it with their first confirmation: the trap fires once
    /// all of them have stored every pair.
    barrier: tokio::sync::Barrier,
    /// The epoch advance, done by the first member past the barrier, awaited by the others.
    advanced: tokio::sync::Mutex<Option<u64>>,
    /// Advances the epoch: another account than the storer's, so the two never share gas.
    clock: tokio::sync::Mutex<Floe>,
    node_urls: Vec<String>,
    /// The epoch of every confirmation a node signed (or `None` where the trap refused it),
    /// in the order they came.
    signed: Mutex<Vec<Option<u64>>>,
}

impl Shared {
    /// Advances the epoch once per trap, and waits until every node follows the new one.
    async fn advance_once(&self) -> u64 {
        let mut advanced = self.advanced.lock().await;
        if let Some(epoch) = *advanced {
            return epoch;
        }
        let epoch = advance_epoch(&mut *self.clock.lock().await).await;
        for url in &self.node_urls {
            let client = HttpNodeClient::new(url);
            let start = Instant::now();
            while !client.info().await.is_ok_and(|info| info.epoch == epoch) {
                assert!(
                    start.elapsed() < PATIENCE,
                    "node {url} never saw epoch {epoch}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        *self.trap.lock().unwrap() = Trap::Off;
        *advanced = Some(epoch);
        epoch
    }

    fn arm(&self, trap: Trap) {
        *self.trap.lock().unwrap() = trap;
        *self.advanced.try_lock().unwrap() = None;
        self.signed.lock().unwrap().clear();
    }

    fn signed(&self) -> Vec<Option<u64>> {
        self.signed.lock().unwrap().clone()
    }
}

/// A real node's HTTP client with the trap in front of `confirm_storage`.
struct Trapped {
    inner: HttpNodeClient,
    shared: Arc<Shared>,
}

impl StorageNodeClient for Trapped {
    async fn store_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        self.inner.store_metadata(blob_id, metadata).await
    }

    async fn store_registered_metadata(
        &self,
        blob_object: Address,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        self.inner
            .store_registered_metadata(blob_object, blob_id, metadata)
            .await
    }

    async fn store_sliver_pair(
        &self,
        shard: u16,
        blob_id: &BlobId,
        pair: &SliverPair,
    ) -> Result<(), NodeError> {
        self.inner.store_sliver_pair(shard, blob_id, pair).await
    }

    async fn confirm_storage(&self, blob_id: &BlobId) -> Result<StorageConfirmation, NodeError> {
        let trap = *self.shared.trap.lock().unwrap();
        let record = |c: &Result<StorageConfirmation, NodeError>| {
            let epoch = c.as_ref().ok().map(|c| c.epoch);
            self.shared.signed.lock().unwrap().push(epoch);
        };
        match trap {
            Trap::Off => {
                let confirmation = self.inner.confirm_storage(blob_id).await;
                record(&confirmation);
                confirmation
            }
            Trap::AdvanceAfterConfirm => {
                let confirmation = self.inner.confirm_storage(blob_id).await;
                record(&confirmation);
                self.shared.barrier.wait().await;
                self.shared.advance_once().await;
                confirmation
            }
            Trap::AdvanceBeforeConfirm => {
                self.shared.barrier.wait().await;
                self.shared.advance_once().await;
                let confirmation = self.inner.confirm_storage(blob_id).await;
                record(&confirmation);
                confirmation
            }
            Trap::Refuse => {
                let refused = Err(NodeError::Unavailable("refused by the test".to_owned()));
                record(&refused);
                refused
            }
        }
    }

    async fn read_metadata(&self, blob_id: &BlobId) -> Result<BlobMetadata, NodeError> {
        self.inner.read_metadata(blob_id).await
    }

    async fn read_primary_sliver(&self, shard: u16, blob_id: &BlobId) -> Result<Sliver, NodeError> {
        self.inner.read_primary_sliver(shard, blob_id).await
    }

    fn bls_public_key(&self) -> Option<[u8; 48]> {
        self.inner.bls_public_key()
    }
}

struct TrappedDirectory(HashMap<Address, Trapped>);

impl NodeDirectory for TrappedDirectory {
    type Client = Trapped;

    fn client(&self, node_id: Address) -> Option<&Trapped> {
        self.0.get(&node_id)
    }
}

struct Network {
    /// Kept (its path printed) when the test fails, for the nodes' logs.
    dir: Option<tempfile::TempDir>,
    _devnet: floe_devnet::Devnet,
    network: NetworkConfig,
    nodes: Vec<NodeProcess>,
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
    }
    Network {
        dir: Some(dir),
        _devnet: devnet,
        network,
        nodes,
        directory,
    }
}

/// The WAL (base units) `floe`'s sender holds.
async fn wal_balance(floe: &mut Floe) -> u64 {
    floe.wal_coins()
        .await
        .unwrap()
        .iter()
        .map(|c| c.balance)
        .sum()
}

/// Stores `bytes` through `directory` with `trap` armed; what the store returned, the epoch it
/// started in, and the epochs the nodes signed.
async fn store_with(
    floe: &mut Floe,
    directory: &TrappedDirectory,
    shared: &Shared,
    trap: Trap,
    bytes: &[u8],
) -> (
    Result<floe_sdk::flows::StoredBlob, FlowError>,
    u64,
    Vec<Option<u64>>,
) {
    shared.arm(trap);
    let started_in = floe.system().await.unwrap().epoch;
    let stored = floe.store_blob(directory, bytes, EPOCHS_AHEAD, false).await;
    (stored, started_in, shared.signed())
}

#[tokio::test]
async fn a_store_rides_through_an_epoch_change_and_a_retry_pays_once() {
    let started = Instant::now();
    let net = start_network().await;
    let mut keys = Keystore::default();
    let user = keys.generate();
    let timekeeper = keys.generate();
    fund(&net.network, user, 1_000 * WAL).await;
    fund(&net.network, timekeeper, 0).await;
    let mut floe = Floe::connect(&net.network, keys.key(&user).unwrap().clone())
        .await
        .unwrap();
    let clock = Floe::connect(&net.network, keys.key(&timekeeper).unwrap().clone())
        .await
        .unwrap();

    let committee = floe_sdk::committee::Committee::from_system(&floe.system().await.unwrap());
    let members = committee
        .members
        .iter()
        .filter(|m| !m.shards.is_empty())
        .count();
    assert_eq!(members, usize::from(NODES), "every node holds shards");
    let shared = Arc::new(Shared {
        trap: Mutex::new(Trap::Off),
        barrier: tokio::sync::Barrier::new(members),
        advanced: tokio::sync::Mutex::new(None),
        clock: tokio::sync::Mutex::new(clock),
        node_urls: net.nodes.iter().map(|n| n.url.clone()).collect(),
        signed: Mutex::new(Vec::new()),
    });
    let trapped = TrappedDirectory(
        net.directory
            .iter()
            .map(|(id, client)| {
                let trapped = Trapped {
                    inner: client.clone(),
                    shared: shared.clone(),
                };
                (*id, trapped)
            })
            .collect(),
    );
    eprintln!("[{:?}] network up", started.elapsed());

    // 1. The epoch changes between the confirmations and certify_blob.
    let bytes = blob_bytes(60_000, 1);
    let (stored, epoch, signed) = store_with(
        &mut floe,
        &trapped,
        &shared,
        Trap::AdvanceAfterConfirm,
        &bytes,
    )
    .await;
    let stored = stored.expect("the store rides through the epoch change before certify");
    let old = vec![Some(epoch); members];
    let new = vec![Some(epoch + 1); members];
    assert_eq!(
        signed,
        [old.clone(), new.clone()].concat(),
        "every node signed the old epoch, then (asked again) the new one"
    );
    assert_eq!(floe.system().await.unwrap().epoch, epoch + 1);
    assert_eq!(
        stored.certificate.epoch,
        epoch + 1,
        "certified in the new epoch"
    );
    assert!(!stored.resumed);
    let blob = floe.blob_object(stored.blob_object).await.unwrap();
    assert!(blob.is_certified(), "{blob:?}");
    assert_eq!(
        floe.read_blob(&net.directory, &stored.blob_id)
            .await
            .unwrap(),
        bytes,
        "read back byte-identical"
    );
    eprintln!(
        "[{:?}] 1: certified in epoch {} after the change before certify",
        started.elapsed(),
        epoch + 1
    );

    // 2. The epoch changes after the uploads, before the nodes sign.
    let bytes = blob_bytes(45_000, 2);
    let (stored, epoch, signed) = store_with(
        &mut floe,
        &trapped,
        &shared,
        Trap::AdvanceBeforeConfirm,
        &bytes,
    )
    .await;
    let stored = stored.expect("the store rides through the epoch change before confirming");
    // The first round's confirmations are for the new epoch while the store's committee is
    // the old one's: refused by the sdk, asked again of the new committee.
    let new = vec![Some(epoch + 1); members];
    assert_eq!(signed, [new.clone(), new].concat());
    assert_eq!(
        stored.certificate.epoch,
        epoch + 1,
        "certified in the new epoch"
    );
    assert!(
        floe.blob_object(stored.blob_object)
            .await
            .unwrap()
            .is_certified()
    );
    assert_eq!(
        floe.read_blob(&net.directory, &stored.blob_id)
            .await
            .unwrap(),
        bytes,
        "read back byte-identical"
    );
    eprintln!(
        "[{:?}] 2: certified in epoch {} after the change before confirming",
        started.elapsed(),
        epoch + 1
    );

    // 3. A store fails after paying (every confirmation refused, no epoch change); retried,
    //    it finishes the Blob it paid for and pays no WAL again.
    let bytes = blob_bytes(50_000, 3);
    let system = floe.system().await.unwrap();
    let price = StoragePrice::compute(&system, bytes.len() as u64, EPOCHS_AHEAD)
        .unwrap()
        .total()
        .unwrap();
    assert!(price > 0);
    let before = wal_balance(&mut floe).await;
    let (failed, epoch, signed) =
        store_with(&mut floe, &trapped, &shared, Trap::Refuse, &bytes).await;
    let failure = failed.expect_err("no node confirms: the store fails");
    assert!(
        matches!(failure, FlowError::Slivers(_)),
        "fails for want of confirmations: {failure:?}"
    );
    assert_eq!(signed, vec![None; members]);
    let paid = wal_balance(&mut floe).await;
    assert_eq!(
        before - paid,
        price,
        "the failed store paid the blob's price"
    );
    let blob_id = floe_encoder::encode(
        &floe_encoder::EncodingConfig::new(usize::from(N_SHARDS)).unwrap(),
        &bytes,
    )
    .unwrap()
    .0
    .blob_id();
    let stuck: Vec<_> = floe
        .owned_blobs()
        .await
        .unwrap()
        .into_iter()
        .filter(|b| b.blob_id() == blob_id)
        .collect();
    assert_eq!(stuck.len(), 1, "one Blob registered and paid for");
    assert!(!stuck[0].is_certified());

    let (retried, retry_epoch, _) =
        store_with(&mut floe, &trapped, &shared, Trap::Off, &bytes).await;
    let retried = retried.expect("the retried store certifies");
    assert_eq!(retry_epoch, epoch, "no epoch change between the two stores");
    assert!(retried.resumed, "the retry resumes the paid Blob");
    assert_eq!(retried.blob_object, *stuck[0].object.object_id());
    assert_eq!(
        wal_balance(&mut floe).await,
        paid,
        "the retry paid no WAL (gas is SUI)"
    );
    assert_eq!(
        retried.extension_price, 0,
        "nothing extended in the same epoch"
    );
    assert!(retried.extension_digest.is_none());
    let mine: Vec<_> = floe
        .owned_blobs()
        .await
        .unwrap()
        .into_iter()
        .filter(|b| b.blob_id() == blob_id)
        .collect();
    assert_eq!(mine.len(), 1, "still one Blob for this blob ID");
    assert!(mine[0].is_certified());
    assert_eq!(
        floe.read_blob(&net.directory, &blob_id).await.unwrap(),
        bytes,
        "read back byte-identical"
    );
    eprintln!(
        "[{:?}] 3: retry resumed blob object {}, {price} WAL base units paid once",
        started.elapsed(),
        retried.blob_object
    );

    // 4. Without the store's epoch handling: the old-epoch certificate is refused on-chain.
    let bytes = blob_bytes(40_000, 4);
    let system = floe.system().await.unwrap();
    let committee = floe_sdk::committee::Committee::from_system(&system);
    let config = floe_encoder::EncodingConfig::new(usize::from(N_SHARDS)).unwrap();
    let (metadata, pairs) = floe_encoder::encode(&config, &bytes).unwrap();
    let registered = floe
        .register_blob(&system, &metadata, EPOCHS_AHEAD, false)
        .await
        .unwrap();
    let certificate = floe_sdk::slivers::store_slivers(
        &net.directory,
        &committee,
        &metadata,
        &pairs,
        *registered.blob_object.object_id(),
    )
    .await
    .unwrap();
    assert_eq!(certificate.epoch, system.epoch);
    shared.arm(Trap::Off);
    let new_epoch = shared.advance_once().await;
    assert_eq!(new_epoch, system.epoch + 1);
    let refused = floe
        .certify_blob(&registered.blob_object, &certificate)
        .await
        .expect_err("an old epoch's certificate is refused");
    assert!(
        refused.to_string().contains("EInvalidSignature"),
        "refused naming EInvalidSignature: {refused}"
    );
    // The retry asks for the same EPOCHS_AHEAD, now from a later epoch: the registered Blob
    // ends one epoch short of that, so the store extends it by that epoch (paying only its
    // storage) instead of registering and paying a second time.
    let paid = wal_balance(&mut floe).await;
    let now = floe.system().await.unwrap();
    let missing = new_epoch + EPOCHS_AHEAD - registered.end_epoch;
    assert_eq!(missing, 1, "one epoch passed since the registration");
    let storage_size = floe
        .blob_object(*registered.blob_object.object_id())
        .await
        .unwrap()
        .blob
        .storage
        .storage_size;
    let extension =
        floe_sdk::flows::extension_price(storage_size, now.storage_price_per_mib_epoch, missing)
            .unwrap();
    let retried = floe
        .store_blob(&net.directory, &bytes, EPOCHS_AHEAD, false)
        .await
        .unwrap();
    assert!(retried.resumed, "the retry resumes the Blob paid for");
    assert_eq!(retried.blob_object, *registered.blob_object.object_id());
    assert_eq!(retried.certificate.epoch, new_epoch);
    assert_eq!(
        paid - wal_balance(&mut floe).await,
        extension,
        "the retry paid only the missing epoch's storage"
    );
    assert_eq!(
        retried.extension_price, extension,
        "the store result carries the extension it paid"
    );
    assert!(retried.extension_digest.is_some());
    let resumed = floe.blob_object(retried.blob_object).await.unwrap();
    assert_eq!(resumed.blob.storage.end_epoch, new_epoch + EPOCHS_AHEAD);
    assert_eq!(
        floe.read_blob(&net.directory, &retried.blob_id)
            .await
            .unwrap(),
        bytes,
        "read back byte-identical"
    );
    eprintln!(
        "[{:?}] 4: old-epoch certificate refused ({refused}); retry resumed in epoch {new_epoch}",
        started.elapsed()
    );
}

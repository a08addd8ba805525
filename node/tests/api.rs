//! The node's HTTP API on real sockets (127.0.0.1) and real files: storing and reading, refusals
//! as problem+json, uploads refused unless registered on-chain (each attack on the rule), the
//! sdk's store and read flows against four nodes, and licensed reads.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use floe_encoder::{Axis, BlobMetadata, EncodingConfig, SliverPair};
use floe_node::api::{self, NodeState};
use floe_node::http_client::HttpNodeClient;
use floe_node::license_gate::{self, LicenseLookup, LicenseRecord, ReplayGuard};
use floe_node::registration::{BLOB_OBJECT_HEADER, BlobRecord, LookupError, RegistrationLookup};
use floe_node::store::Store;
use floe_problem::Problem;
use floe_sdk::bls::{self, BlsKeyPair};
use floe_sdk::committee::{Committee, Member};
use floe_sdk::nodes::{NodeError, StorageNodeClient};
use floe_sdk::slivers;
use futures::future::BoxFuture;
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::Address;

const EPOCH: u64 = 1;

/// `Blob` objects by ID, as the chain would answer; counts the reads.
#[derive(Default)]
struct Chain {
    blobs: Mutex<HashMap<Address, Result<BlobRecord, LookupError>>>,
    next: AtomicUsize,
    reads: AtomicUsize,
}

impl Chain {
    /// Registers `metadata` until `end_epoch` with `storage_size` encoded bytes, as
    /// `register_blob` would; the new Blob object's ID.
    fn register_sized(
        &self,
        metadata: &BlobMetadata,
        end_epoch: u64,
        storage_size: u64,
    ) -> Address {
        let k = self.next.fetch_add(1, Ordering::Relaxed) as u64 + 1;
        let mut id = [0xb0; 32];
        id[24..].copy_from_slice(&k.to_be_bytes());
        let id = Address::new(id);
        let record = BlobRecord {
            object_id: id,
            blob_id: metadata.blob_id(),
            size: metadata.unencoded_length,
            encoding_type: metadata.encoding_type,
            registered_epoch: EPOCH,
            certified_epoch: None,
            end_epoch,
            storage_size,
        };
        self.set(id, Ok(record));
        id
    }

    /// Registers `metadata` until `end_epoch`, paying for exactly its encoded size.
    fn register(&self, metadata: &BlobMetadata, end_epoch: u64) -> Address {
        let encoded = EncodingConfig::new(metadata.n_shards())
            .unwrap()
            .encoded_size(metadata.unencoded_length)
            .unwrap();
        self.register_sized(metadata, end_epoch, encoded)
    }

    fn set(&self, id: Address, answer: Result<BlobRecord, LookupError>) {
        self.blobs.lock().unwrap().insert(id, answer);
    }

    /// `extend_blob`: the same object, a later end.
    fn extend(&self, id: Address, end_epoch: u64) {
        let mut blobs = self.blobs.lock().unwrap();
        blobs.get_mut(&id).unwrap().as_mut().unwrap().end_epoch = end_epoch;
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::Relaxed)
    }
}

/// The lookup a node is given: `Blob` objects from `chain`.
struct ChainView(Arc<Chain>);

impl RegistrationLookup for ChainView {
    fn blob(&self, id: Address) -> BoxFuture<'_, Result<BlobRecord, LookupError>> {
        self.0.reads.fetch_add(1, Ordering::Relaxed);
        let answer = self.0.blobs.lock().unwrap().get(&id).cloned();
        Box::pin(async move { answer.unwrap_or(Err(LookupError::NotFound(id))) })
    }
}

/// Starts a node serving `dir` on 127.0.0.1 (an OS-chosen port), reading registrations from
/// `chain`; its base URL and state.
async fn start(
    dir: &Path,
    n_shards: u16,
    shards: Vec<u16>,
    seed: u8,
    licenses: Option<Arc<dyn LicenseLookup>>,
    chain: &Arc<Chain>,
) -> (String, Arc<NodeState>) {
    let state = Arc::new(NodeState {
        store: Arc::new(Store::open(dir, shards).unwrap()),
        key: BlsKeyPair::from_seed(&[seed; 32]).unwrap(),
        epoch: AtomicU64::new(EPOCH),
        n_shards: Some(n_shards),
        node_id: Some(Address::new([seed; 32])),
        licenses,
        registrations: Some(Arc::new(ChainView(chain.clone()))),
        replay: ReplayGuard::default(),
        max_skew_ms: 60_000,
        admin_token: Some("operator-secret".to_owned()),
        peers: Default::default(),
        progress: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(api::serve(listener, state.clone()));
    (url, state)
}

fn blob(n: usize, len: usize) -> (BlobMetadata, Vec<SliverPair>, Vec<u8>) {
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    let (metadata, pairs) = floe_encoder::encode(&EncodingConfig::new(n).unwrap(), &data).unwrap();
    (metadata, pairs, data)
}

fn problem(answer: &floe_node::http_client::Answer) -> Problem {
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json")
    );
    serde_json::from_slice(&answer.body).unwrap()
}

#[tokio::test]
async fn store_and_read_through_the_api_and_refuse_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let chain = Arc::new(Chain::default());
    let (url, _state) = start(
        dir.path(),
        10,
        vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        1,
        None,
        &chain,
    )
    .await;
    let client = HttpNodeClient::connect(&url).await.unwrap();
    let health = client
        .request(Method::GET, "/health", vec![], &[])
        .await
        .unwrap();
    assert_eq!(health.status, StatusCode::OK);

    let (metadata, pairs, _) = blob(10, 6000);
    let id = metadata.blob_id();
    // Slivers before metadata: refused, the blob is unknown.
    let shard = 4u16;
    let pair = &pairs[id.pair_for_shard(4, 10)];
    assert_eq!(
        client.store_sliver_pair(shard, &id, pair).await,
        Err(NodeError::NotFound)
    );
    let object = chain.register(&metadata, EPOCH + 2);
    client
        .store_registered_metadata(object, &id, &metadata)
        .await
        .unwrap();
    assert_eq!(client.read_metadata(&id).await.unwrap(), metadata);

    // A tampered sliver: 422 problem+json naming the mismatch, and nothing stored.
    let mut bad = pair.clone();
    bad.secondary.data[3] ^= 0x40;
    let answer = client
        .request(
            Method::PUT,
            &format!("/v1/blobs/{id}/shards/{shard}/pair"),
            floe_node::store::encode_pair(&bad),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(&answer);
    assert_eq!(p.title, "Sliver mismatch");
    assert!(p.detail.contains("does not match"), "{}", p.detail);
    // The pair of another shard, garbage bytes and a bad blob ID are 4xx too.
    let other = client.store_sliver_pair(5, &id, pair).await.unwrap_err();
    assert!(
        matches!(other, NodeError::Rejected(ref m) if m.contains("Wrong sliver pair")),
        "{other}"
    );
    let garbage = client
        .request(
            Method::PUT,
            &format!("/v1/blobs/{id}/shards/1/pair"),
            vec![1, 2, 3],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    assert_eq!(problem(&garbage).title, "Bad request");
    let bad_id = client
        .request(Method::GET, "/v1/blobs/not-a-blob/metadata", vec![], &[])
        .await
        .unwrap();
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    problem(&bad_id);
    // Confirmation before all pairs: 409 with the missing shards.
    let early = client
        .request(
            Method::POST,
            &format!("/v1/blobs/{id}/confirmation"),
            vec![],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(
        problem(&early)
            .extension::<Vec<u16>>("missing_shards")
            .unwrap()
            .len(),
        10
    );
    // Through the sdk trait, the same refusal is an error, never an unsigned confirmation.
    let refused = client.confirm_storage(&id).await.unwrap_err();
    assert!(matches!(refused, NodeError::Rejected(_)), "{refused}");

    for shard in 0..10u16 {
        let pair = &pairs[id.pair_for_shard(usize::from(shard), 10)];
        client.store_sliver_pair(shard, &id, pair).await.unwrap();
    }
    let confirmation = client.confirmation(&id).await.unwrap();
    assert_eq!(confirmation.epoch, EPOCH);
    bls::verify(
        &client.bls_public_key().unwrap(),
        &bls::certification_message(EPOCH, &id.0),
        &confirmation.signature,
    )
    .unwrap();
    for shard in [0u16, 9] {
        let pair = &pairs[id.pair_for_shard(usize::from(shard), 10)];
        assert_eq!(
            client.read_primary_sliver(shard, &id).await.unwrap(),
            pair.primary
        );
        assert_eq!(
            client
                .read_sliver(shard, &id, Axis::Secondary, None)
                .await
                .unwrap(),
            pair.secondary
        );
    }
}

#[tokio::test]
async fn the_sdk_flows_store_certify_and_read_across_four_nodes() {
    let n = 10u16;
    let shard_sets: Vec<Vec<u16>> = vec![vec![0, 1], vec![2, 3], vec![4, 5], vec![6, 7, 8, 9]];
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut directory = HashMap::new();
    let mut members = Vec::new();
    let chain = Arc::new(Chain::default());
    for (k, shards) in shard_sets.iter().enumerate() {
        let (url, _) = start(dirs[k].path(), n, shards.clone(), k as u8 + 1, None, &chain).await;
        let node_id = Address::new([k as u8 + 1; 32]);
        directory.insert(node_id, HttpNodeClient::connect(&url).await.unwrap());
        members.push(Member {
            node_id,
            shards: shards.clone(),
        });
    }
    let committee = Committee {
        epoch: EPOCH,
        n_shards: n,
        members,
    };
    let (metadata, pairs, data) = blob(usize::from(n), 20_000);
    // Unregistered, no node takes it and there is no certificate.
    let unpaid = Address::new([0xee; 32]);
    let refused = slivers::store_slivers(&directory, &committee, &metadata, &pairs, unpaid)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, slivers::SliverError::NoQuorum { confirmed: 0, .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("Blob object not found"),
        "{refused}"
    );
    let object = chain.register(&metadata, EPOCH + 1);
    let certificate = slivers::store_slivers(&directory, &committee, &metadata, &pairs, object)
        .await
        .unwrap();
    assert_eq!(certificate.signers, vec![0, 1, 2, 3]);
    let keys: Vec<[u8; 48]> = committee
        .members
        .iter()
        .map(|m| directory[&m.node_id].bls_public_key().unwrap())
        .collect();
    let blob_id = metadata.blob_id();
    bls::verify_aggregate(
        &keys,
        &bls::certification_message(EPOCH, &blob_id.0),
        &certificate.signature,
    )
    .unwrap();
    let read = slivers::read_slivers(&directory, &committee, &blob_id)
        .await
        .unwrap();
    assert_eq!(read, data);
}

/// A whole new committee takes every shard at an epoch change. Before any of its nodes has run
/// migration (no recovery loop runs here), the sdk's read flow against the new committee still
/// returns the blob: each new node fetches the metadata and the pairs it is asked for from the
/// previous holders on demand, checked, instead of answering 404 until its migration reaches
/// the blob.
#[tokio::test]
async fn a_new_committee_serves_reads_before_its_migration_ran() {
    use floe_node::peers::{CommitteeView, Member as Peer};
    let n = 10u16;
    let shard_sets: Vec<Vec<u16>> = vec![vec![0, 1], vec![2, 3], vec![4, 5], vec![6, 7, 8, 9]];
    let chain = Arc::new(Chain::default());
    let dirs: Vec<_> = (0..8).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut nodes = Vec::new();
    for k in 0..8 {
        let seed = k as u8 + 1;
        let (url, state) = start(
            dirs[k].path(),
            n,
            shard_sets[k % 4].clone(),
            seed,
            None,
            &chain,
        )
        .await;
        nodes.push((Address::new([seed; 32]), url, state));
    }
    let view = |epoch: u64, range: std::ops::Range<usize>, pending: bool| CommitteeView {
        epoch,
        n_shards: n,
        members: nodes[range]
            .iter()
            .enumerate()
            .map(|(k, (node_id, url, state))| Peer {
                node_id: *node_id,
                url: url.clone(),
                public_key: state.key.public_key().to_vec(),
                shards: shard_sets[k].clone(),
                pending: if pending {
                    shard_sets[k].clone()
                } else {
                    vec![]
                },
            })
            .collect(),
    };
    let committee_of = |epoch: u64, range: std::ops::Range<usize>| Committee {
        epoch,
        n_shards: n,
        members: nodes[range]
            .iter()
            .enumerate()
            .map(|(k, (node_id, _, _))| Member {
                node_id: *node_id,
                shards: shard_sets[k].clone(),
            })
            .collect(),
    };
    let directory: HashMap<Address, HttpNodeClient> = {
        let mut directory = HashMap::new();
        for (node_id, url, _) in &nodes {
            directory.insert(*node_id, HttpNodeClient::connect(url).await.unwrap());
        }
        directory
    };
    // Epoch 1: nodes 1–4 store and certify the blob.
    let (metadata, pairs, data) = blob(usize::from(n), 50_000);
    let blob_id = metadata.blob_id();
    let object = chain.register(&metadata, EPOCH + 5);
    let old = committee_of(EPOCH, 0..4);
    slivers::store_slivers(&directory, &old, &metadata, &pairs, object)
        .await
        .unwrap();
    // Epoch 2: nodes 5–8 hold every shard, all pending. Every node has seen both committees and
    // the certification event; the new nodes hold nothing yet.
    for (_, _, state) in &nodes {
        state.peers.update(view(EPOCH, 0..4, false));
        state.peers.update(view(EPOCH + 1, 4..8, true));
        state.epoch.store(EPOCH + 1, Ordering::Relaxed);
        state
            .store
            .record_certified(&blob_id, object, EPOCH + 5)
            .unwrap();
    }
    let new = committee_of(EPOCH + 1, 4..8);
    for (_, _, state) in &nodes[4..] {
        assert!(
            state.store.metadata(&blob_id).is_err(),
            "nothing migrated yet"
        );
    }
    let read = slivers::read_slivers(&directory, &new, &blob_id)
        .await
        .unwrap();
    assert_eq!(read, data);
    // What was fetched for the read is kept, checked: the new holders asked for pairs now have
    // them and the metadata.
    let fetched: usize = nodes[4..]
        .iter()
        .map(|(_, _, state)| match state.store.metadata(&blob_id) {
            Ok(kept) => {
                assert_eq!(*kept, metadata);
                state.store.stored_shards(&blob_id).unwrap().len()
            }
            Err(_) => 0,
        })
        .sum();
    assert!(fetched > 0, "the read was served from fetched pairs");
    // Only blobs certified on-chain are fetched on demand: any other blob ID stays 404, so a
    // reader cannot make a new node fetch arbitrary data from its peers.
    let other = blob(usize::from(n), 1_000).0.blob_id();
    let answer = directory[&nodes[4].0].read_metadata(&other).await;
    assert!(matches!(answer, Err(NodeError::NotFound)), "{answer:?}");
}

/// The rule "nodes accept and confirm only blobs registered and paid for on-chain", attacked
/// the ways a user who wants free storage would: no registration, someone else's registration
/// for other bytes, an expired one, a deleted one, a look-alike object, too little storage, and
/// a registration replayed after it ended. Each is refused with a problem saying what to do,
/// and nothing is stored or confirmed; the honest upload then goes through.
#[tokio::test]
async fn only_blobs_registered_on_chain_are_stored_and_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let chain = Arc::new(Chain::default());
    let (url, state) = start(dir.path(), 7, (0..7).collect(), 3, None, &chain).await;
    let client = HttpNodeClient::connect(&url).await.unwrap();
    let (metadata, pairs, _) = blob(7, 4000);
    let id = metadata.blob_id();
    let metadata_path = format!("/v1/blobs/{id}/metadata");
    let put_metadata = |object: Option<String>| {
        let headers: Vec<(&str, String)> = object
            .map(|o| vec![(BLOB_OBJECT_HEADER, o)])
            .unwrap_or_default();
        let client = &client;
        let path = &metadata_path;
        let body = metadata.to_bytes();
        async move {
            let answer = client
                .request(Method::PUT, path, body, &headers)
                .await
                .unwrap();
            (answer.status, problem(&answer))
        }
    };
    let pair_of = |shard: u16| &pairs[id.pair_for_shard(usize::from(shard), 7)];
    // Nothing of the blob is on the node: no metadata, no slivers, no confirmation.
    let nothing_stored = || async {
        assert_eq!(client.read_metadata(&id).await, Err(NodeError::NotFound));
        assert_eq!(
            client.store_sliver_pair(0, &id, pair_of(0)).await,
            Err(NodeError::NotFound)
        );
        let refused = client.confirm_storage(&id).await.unwrap_err();
        assert!(
            matches!(&refused, NodeError::Rejected(m) if m.contains("(403)")),
            "{refused}"
        );
    };

    // No registration named: refused before any chain read, saying what to do.
    let (status, p) = put_metadata(None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(p.title, "Registration required");
    assert!(
        p.detail.contains("register it on-chain first") && p.detail.contains(BLOB_OBJECT_HEADER),
        "{}",
        p.detail
    );
    assert_eq!(chain.reads(), 0);
    let refused = client.store_metadata(&id, &metadata).await.unwrap_err();
    assert!(
        matches!(&refused, NodeError::Rejected(m) if m.contains("Registration required")),
        "{refused}"
    );
    let (status, p) = put_metadata(Some("not-an-object".into())).await;
    assert_eq!(
        (status, p.title.as_str()),
        (StatusCode::BAD_REQUEST, "Bad request")
    );
    nothing_stored().await;

    // Someone else's paid-for Blob object, named for other bytes.
    let (victim, _, _) = blob(7, 5000);
    let victims = chain.register(&victim, EPOCH + 5);
    let (status, p) = put_metadata(Some(victims.to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(p.title, "Registration for another blob");
    assert!(
        p.detail.contains(&victim.blob_id().to_string()),
        "{}",
        p.detail
    );

    // A Blob whose storage has ended (registered in an earlier epoch, never extended).
    let expired = chain.register(&metadata, EPOCH);
    let (status, p) = put_metadata(Some(expired.to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(p.title, "Registration expired");
    assert!(p.detail.contains("ended at epoch 1"), "{}", p.detail);

    // A deleted (or never created) object.
    let deleted = Address::new([0xde; 32]);
    let (status, p) = put_metadata(Some(deleted.to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(p.title, "Blob object not found");

    // An object that is not the floe package's Blob (a look-alike of another package; the
    // type check itself is `chain::blob_record`'s, tested there and on the devnet).
    let look_alike = Address::new([0x1a; 32]);
    chain.set(
        look_alike,
        Err(LookupError::WrongType {
            id: look_alike,
            expected: "a floe::blob::Blob",
            reason: "its type is 0x66::blob::Blob".into(),
        }),
    );
    let (status, p) = put_metadata(Some(look_alike.to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(p.title, "Not a Blob object");

    // A registration paying for less storage than the encoding takes.
    let encoded = EncodingConfig::new(7)
        .unwrap()
        .encoded_size(metadata.unencoded_length)
        .unwrap();
    let small = chain.register_sized(&metadata, EPOCH + 2, encoded - 1);
    let (status, p) = put_metadata(Some(small.to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(p.title, "Storage too small");

    // The chain cannot be read: 502, and the client counts the node as unavailable (retry).
    let unreadable = Address::new([0x50; 32]);
    chain.set(
        unreadable,
        Err(LookupError::Unavailable("connection refused".into())),
    );
    let (status, p) = put_metadata(Some(unreadable.to_string())).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(p.title, "Registration lookup failed");
    nothing_stored().await;

    // Registered and paid for: stored, and sending the metadata again naming the same object
    // reads the chain no more.
    let paid = chain.register(&metadata, EPOCH + 2);
    let reads = chain.reads();
    client
        .store_registered_metadata(paid, &id, &metadata)
        .await
        .unwrap();
    assert_eq!(chain.reads(), reads + 1);
    client
        .store_registered_metadata(paid, &id, &metadata)
        .await
        .unwrap();
    assert_eq!(chain.reads(), reads + 1);
    for shard in 0..6u16 {
        client
            .store_sliver_pair(shard, &id, pair_of(shard))
            .await
            .unwrap();
    }

    // The node's epoch reaches the registration's end: the request replayed (same Blob
    // object) is refused, and so are further slivers and the confirmation.
    state.epoch.store(EPOCH + 2, Ordering::Relaxed);
    let (status, p) = put_metadata(Some(paid.to_string())).await;
    assert_eq!(
        (status, p.title.as_str()),
        (StatusCode::FORBIDDEN, "Registration expired")
    );
    let late = client
        .request(
            Method::PUT,
            &format!("/v1/blobs/{id}/shards/6/pair"),
            floe_node::store::encode_pair(pair_of(6)),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert_eq!(problem(&late).title, "Registration expired");
    let confirmation = client
        .request(
            Method::POST,
            &format!("/v1/blobs/{id}/confirmation"),
            vec![],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(confirmation.status, StatusCode::FORBIDDEN);
    assert!(
        problem(&confirmation)
            .detail
            .contains("extend the blob or register it again"),
        "{confirmation:?}"
    );

    // Extended on-chain (the same object, paid to a later epoch): accepted again, completed
    // and confirmed for the node's epoch.
    chain.extend(paid, EPOCH + 4);
    client
        .store_registered_metadata(paid, &id, &metadata)
        .await
        .unwrap();
    client.store_sliver_pair(6, &id, pair_of(6)).await.unwrap();
    let confirmation = client.confirm_storage(&id).await.unwrap();
    assert_eq!(confirmation.epoch, EPOCH + 2);
    bls::verify(
        &client.bls_public_key().unwrap(),
        &bls::certification_message(EPOCH + 2, &id.0),
        &confirmation.signature,
    )
    .unwrap();
}

/// Licenses by ID, as the chain would answer.
struct Licenses(HashMap<Address, LicenseRecord>);

impl LicenseLookup for Licenses {
    fn license(&self, id: Address) -> BoxFuture<'_, Result<LicenseRecord, LookupError>> {
        let found = self.0.get(&id).cloned();
        Box::pin(async move { found.ok_or(LookupError::NotFound(id)) })
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn licensed_reads_need_a_valid_license_of_the_signer() {
    let model = Address::new([0x77; 32]);
    let reader = Ed25519PrivateKey::new([5; 32]);
    let stranger = Ed25519PrivateKey::new([6; 32]);
    let reader_address = floe_sdk::keystore::address_of(&reader);
    let good = Address::new([1; 32]);
    let expired = Address::new([2; 32]);
    let other_model = Address::new([3; 32]);
    let record = |expires_at_ms, model_id| LicenseRecord {
        owner: Some(reader_address),
        model_id,
        expires_at_ms,
        // Unlimited: a use-limited license reads only through the receipt of a use consumed
        // on-chain (see `license_gate`'s tests).
        use_limited: false,
        uses_left: 0,
    };
    let far = now_ms() + 3_600_000;
    let lookup = Licenses(HashMap::from([
        (good, record(far, model)),
        (expired, record(now_ms() - 1, model)),
        (other_model, record(far, Address::new([0x99; 32]))),
    ]));
    let dir = tempfile::tempdir().unwrap();
    let chain = Arc::new(Chain::default());
    let (url, _) = start(
        dir.path(),
        7,
        (0..7).collect(),
        9,
        Some(Arc::new(lookup)),
        &chain,
    )
    .await;
    let client = HttpNodeClient::connect(&url).await.unwrap();
    let (metadata, pairs, _) = blob(7, 3000);
    let id = metadata.blob_id();
    let object = chain.register(&metadata, EPOCH + 1);
    client
        .store_registered_metadata(object, &id, &metadata)
        .await
        .unwrap();
    let shard = 2u16;
    let pair = &pairs[id.pair_for_shard(2, 7)];
    client.store_sliver_pair(shard, &id, pair).await.unwrap();

    // Only the operator can mark the blob as the model's.
    let body = serde_json::to_vec(&serde_json::json!({ "model_id": model.to_string() })).unwrap();
    let path = format!("/v1/blobs/{id}/model");
    let anonymous = client
        .request(Method::PUT, &path, body.clone(), &[])
        .await
        .unwrap();
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    problem(&anonymous);
    let marked = client
        .request(
            Method::PUT,
            &path,
            body,
            &[("authorization", "Bearer operator-secret".to_owned())],
        )
        .await
        .unwrap();
    assert_eq!(marked.status, StatusCode::NO_CONTENT);

    let sliver_path = format!("/v1/blobs/{id}/shards/{shard}/primary");
    let unsigned = client
        .request(Method::GET, &sliver_path, vec![], &[])
        .await
        .unwrap();
    assert_eq!(unsigned.status, StatusCode::FORBIDDEN);
    assert_eq!(problem(&unsigned).title, "License required");

    // The node started with seed 9 is node 0x0909…09.
    let this_node = Address::new([9; 32]);
    let read_at = |node_id| license_gate::SliverRead {
        node_id,
        blob_id: &id,
        shard,
        axis: Axis::Primary,
    };
    let sign = |key: &Ed25519PrivateKey, license| {
        license_gate::sign_read(key, read_at(this_node), license, now_ms()).unwrap()
    };
    for (key, license, why) in [
        (&stranger, good, "is owned by"),
        (&reader, expired, "expired"),
        (&reader, other_model, "is for model"),
        // A made-up or destroyed license is the reader's mistake (403), not the node's (502).
        (&reader, Address::new([9; 32]), "does not exist on-chain"),
    ] {
        let err = client
            .read_sliver(shard, &id, Axis::Primary, Some(&sign(key, license)))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, NodeError::Rejected(m) if m.contains("(403)") && m.contains(why)),
            "{why}: {err}"
        );
    }
    // Attack: a valid read captured on its way to another node (another holder of the
    // shard, or its next holder) and replayed here is refused, naming why.
    let captured =
        license_gate::sign_read(&reader, read_at(Address::new([8; 32])), good, now_ms()).unwrap();
    let replayed = client
        .read_sliver(shard, &id, Axis::Primary, Some(&captured))
        .await
        .unwrap_err();
    assert!(
        matches!(&replayed, NodeError::Rejected(m) if m.contains("Read signed for another node (403)")
            && m.contains(&format!("this is node {this_node}"))),
        "{replayed}"
    );
    // Renaming the node in the header breaks the signature.
    let renamed = license_gate::ReadAuth {
        node_id: this_node,
        ..captured
    };
    let refused = client
        .read_sliver(shard, &id, Axis::Primary, Some(&renamed))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, NodeError::Rejected(m) if m.contains("does not verify")),
        "{refused}"
    );
    // Without the node header a signed read is refused, saying what to send.
    let headerless = client
        .request(
            Method::GET,
            &sliver_path,
            vec![],
            &[
                ("x-floe-license", good.to_string()),
                ("x-floe-timestamp", now_ms().to_string()),
                (
                    "x-floe-signature",
                    sign(&reader, good).signature.to_base64(),
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(headerless.status, StatusCode::FORBIDDEN);
    assert!(
        problem(&headerless)
            .detail
            .contains("x-floe-read-node is missing")
    );
    let auth = sign(&reader, good);
    let sliver = client
        .read_sliver(shard, &id, Axis::Primary, Some(&auth))
        .await
        .unwrap();
    assert_eq!(sliver, pair.primary);
    // The sdk's client signs for the member it is asked to read from. Its signature covers
    // the millisecond it is made: one made in the same millisecond as `auth` above, for the
    // same sliver, would be that very signature, which the replay guard refuses.
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let licensed = HttpNodeClient::new(&url).with_license(reader.clone(), good);
    assert_eq!(
        licensed
            .read_primary_sliver_from(this_node, shard, &id)
            .await
            .unwrap(),
        pair.primary
    );
    let elsewhere = licensed
        .read_primary_sliver_from(Address::new([8; 32]), shard, &id)
        .await
        .unwrap_err();
    assert!(
        matches!(&elsewhere, NodeError::Rejected(m) if m.contains("signed for node")),
        "{elsewhere}"
    );
    // The same signed request again is a replay.
    let replay = client
        .read_sliver(shard, &id, Axis::Primary, Some(&auth))
        .await
        .unwrap_err();
    assert!(
        matches!(&replay, NodeError::Rejected(m) if m.contains("already used")),
        "{replay}"
    );
    // A signature for the primary sliver does not read the secondary one.
    let wrong_axis = client
        .read_sliver(shard, &id, Axis::Secondary, Some(&sign(&reader, good)))
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong_axis, NodeError::Rejected(m) if m.contains("(403)")),
        "{wrong_axis}"
    );
    // Metadata stays public: it reveals hashes only.
    assert_eq!(client.read_metadata(&id).await.unwrap(), metadata);
}

/// A refusal sent raw (no sdk client), checked to be problem+json: status, headers, problem.
async fn refusal(
    url: &str,
    method: Method,
    path: &str,
    body: Vec<u8>,
) -> (StatusCode, axum::http::HeaderMap, Problem) {
    use http_body_util::BodyExt as _;
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<axum::body::Bytes>>();
    let request = axum::http::Request::builder()
        .method(method)
        .uri(format!("{url}{path}"))
        .body(http_body_util::Full::new(axum::body::Bytes::from(body)))
        .unwrap();
    let response = http.request(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{status} {}",
        String::from_utf8_lossy(&body)
    );
    let problem: Problem = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem.status, status.as_u16());
    assert!(!problem.title.is_empty() && !problem.detail.is_empty());
    (status, headers, problem)
}

/// The framework's own refusals (path parameters that do not parse, bodies over the limit,
/// methods a route does not have, routes that do not exist) are problem+json like the
/// handlers' own, with a title and a detail that says what was wrong.
#[tokio::test]
async fn every_refusal_is_problem_json() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(NodeState {
        store: Arc::new(Store::open(dir.path(), vec![0, 1]).unwrap()),
        key: BlsKeyPair::from_seed(&[9; 32]).unwrap(),
        epoch: AtomicU64::new(EPOCH),
        n_shards: None,
        node_id: None,
        licenses: None,
        registrations: None,
        replay: ReplayGuard::default(),
        max_skew_ms: 60_000,
        admin_token: None,
        peers: Default::default(),
        progress: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // A 1 KiB body limit, so "over the limit" is a small request.
    let app = api::router_with_body_limit(state, 1024);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (metadata, _, _) = blob(10, 3000);
    let id = metadata.blob_id();

    // A shard that does not fit in a u16, on a read and on a write.
    for (method, path) in [
        (Method::GET, format!("/v1/blobs/{id}/shards/65536/primary")),
        (Method::PUT, format!("/v1/blobs/{id}/shards/65536/pair")),
        (Method::GET, format!("/v1/blobs/{id}/shards/-1/secondary")),
    ] {
        let (status, _, p) = refusal(&url, method, &path, vec![]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(p.title, "Invalid path parameter");
        assert!(p.detail.contains("`shard`"), "{}", p.detail);
        assert!(p.detail.contains("0 to 65535"), "{}", p.detail);
    }
    let (status, _, p) = refusal(
        &url,
        Method::GET,
        "/v1/blobs/x/shards/65536/primary",
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(p.detail.contains("\"65536\""), "{}", p.detail);
    // A path parameter that is not UTF-8 once decoded.
    let (status, _, p) = refusal(&url, Method::GET, "/v1/blobs/%FF/metadata", vec![]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(p.detail.contains("UTF-8"), "{}", p.detail);

    // Bodies over the limit: 413 naming the limit, for metadata and for pairs.
    for path in [
        format!("/v1/blobs/{id}/metadata"),
        format!("/v1/blobs/{id}/shards/0/pair"),
    ] {
        let (status, _, p) = refusal(&url, Method::PUT, &path, vec![7; 4096]).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(p.title, "Request body too large");
        assert!(p.detail.contains("1 KiB"), "{}", p.detail);
    }
    // A body under the limit still reaches the handler (and its own problems): first the
    // registration it asks for, which is checked before the body is read (a malformed body's
    // 422 is in upload_attacks.rs, on a node with a chain).
    let metadata_path = format!("/v1/blobs/{id}/metadata");
    let (status, _, p) = refusal(&url, Method::PUT, &metadata_path, vec![7; 100]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(p.title, "Registration required");
    let raw = HttpNodeClient::new(url.as_str());
    let named = [(BLOB_OBJECT_HEADER, Address::new([0xb0; 32]).to_string())];
    // On a node without a chain no registration can be checked, so none is taken (503),
    // whatever the body, rather than anything being taken unchecked.
    for body in [vec![7; 100], metadata.to_bytes()] {
        let answer = raw
            .request(Method::PUT, &metadata_path, body, &named)
            .await
            .unwrap();
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        let p = problem(&answer);
        assert_eq!(p.title, "No chain connection");
        assert!(p.detail.contains("stores no new blobs"), "{}", p.detail);
    }

    // Methods a route does not have: 405 with a body and the Allow header kept.
    for (method, path, allowed) in [
        (Method::DELETE, "/v1/info".to_owned(), "GET"),
        (Method::POST, format!("/v1/blobs/{id}/metadata"), "PUT"),
        (Method::POST, format!("/v1/blobs/{id}/shards/0/pair"), "PUT"),
        (Method::PUT, format!("/v1/blobs/{id}/recovery/0"), "GET"),
        (Method::GET, format!("/v1/blobs/{id}/confirmation"), "POST"),
    ] {
        let (status, headers, p) = refusal(&url, method.clone(), &path, vec![]).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(p.title, "Method not allowed");
        assert!(p.detail.contains(method.as_str()), "{}", p.detail);
        assert!(p.detail.contains(allowed), "{}", p.detail);
        let allow = headers.get(axum::http::header::ALLOW).unwrap();
        assert!(allow.to_str().unwrap().contains(allowed), "{allow:?}");
    }

    // Routes that do not exist.
    for path in [
        "/",
        "/v2/info",
        "/v1/blobs",
        "/v1/blobs/x/shards/0/pair/extra",
    ] {
        let (status, _, p) = refusal(&url, Method::GET, path, vec![]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(p.title, "Not found");
    }

    // Successful answers are untouched.
    let client = HttpNodeClient::new(url.as_str());
    assert_eq!(client.info().await.unwrap().shards, vec![0, 1]);
}

/// The recovery endpoint: symbols that prove against the metadata and rebuild a pair, 4xx
/// problems for bad requests, and a gated blob's symbols and pairs only for a committee node
/// signing with its BLS key.
#[tokio::test]
async fn recovery_symbols_are_served_checked_and_gated() {
    use floe_node::peers::{CommitteeView, Member as Peer, NodeAuth};

    let dir = tempfile::tempdir().unwrap();
    let chain = Arc::new(Chain::default());
    let shards: Vec<u16> = (0..9).collect();
    let (url, state) = start(dir.path(), 10, shards.clone(), 7, None, &chain).await;
    let client = HttpNodeClient::connect(&url).await.unwrap();
    let (metadata, pairs, _) = blob(10, 6000);
    let id = metadata.blob_id();
    let object = chain.register(&metadata, EPOCH + 2);
    client
        .store_registered_metadata(object, &id, &metadata)
        .await
        .unwrap();
    for &shard in &shards {
        let pair = &pairs[id.pair_for_shard(usize::from(shard), 10)];
        client.store_sliver_pair(shard, &id, pair).await.unwrap();
    }
    // Shard 9's pair is rebuilt from the symbols of the nine stored pairs.
    let target = id.pair_for_shard(9, 10);
    let symbols = client.recovery_symbols(&id, &[target], None).await.unwrap();
    assert_eq!(symbols.len(), 18);
    assert!(symbols.iter().all(|s| s.verify(&metadata).is_ok()));
    let primary = floe_encoder::recover_sliver(&metadata, Axis::Primary, target, &symbols).unwrap();
    let secondary =
        floe_encoder::recover_sliver(&metadata, Axis::Secondary, 9 - target, &symbols).unwrap();
    assert_eq!(SliverPair { primary, secondary }, pairs[target]);
    // The single-pair path answers the same bytes as the list.
    let one = client
        .request(
            Method::GET,
            &format!("/v1/blobs/{id}/recovery/{target}"),
            vec![],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(
        floe_node::recovery::decode_symbols(&one.body).unwrap(),
        symbols
    );

    for (path, status, title) in [
        (
            format!("/v1/blobs/{id}/recovery?pairs=1,x"),
            400,
            "Bad request",
        ),
        (format!("/v1/blobs/{id}/recovery"), 400, "Bad request"),
        // A target named again would repeat the whole answer: a cheap request, a large reply.
        (
            format!("/v1/blobs/{id}/recovery?pairs=1,2,1"),
            400,
            "Pair named twice",
        ),
        (
            format!("/v1/blobs/{id}/recovery/10"),
            400,
            "Pair out of range",
        ),
        (
            format!("/v1/blobs/{id}/recovery/70000"),
            400,
            "Invalid path parameter",
        ),
        (
            "/v1/blobs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/recovery/1".to_owned(),
            404,
            "Unknown blob",
        ),
    ] {
        let answer = client
            .request(Method::GET, &path, vec![], &[])
            .await
            .unwrap();
        assert_eq!(answer.status.as_u16(), status, "{path}");
        assert_eq!(problem(&answer).title, title, "{path}");
    }

    // Gated: refused without credentials, with a stranger's, and with a member's signature
    // for another blob; served to a committee member.
    state
        .store
        .set_model(&id, Some(Address::new([0x77; 32])))
        .unwrap();
    let member_key = BlsKeyPair::from_seed(&[42; 32]).unwrap();
    let member = Address::new([42; 32]);
    state.peers.update(CommitteeView {
        epoch: EPOCH,
        n_shards: 10,
        members: vec![Peer {
            node_id: member,
            url: "http://127.0.0.1:1".into(),
            public_key: member_key.public_key().to_vec(),
            shards: vec![9],
            pending: vec![],
        }],
    });
    let stranger = NodeAuth::sign(
        &BlsKeyPair::from_seed(&[43; 32]).unwrap(),
        member,
        &id,
        EPOCH,
    );
    let other_blob = NodeAuth::sign(&member_key, member, &floe_encoder::BlobId([1; 32]), EPOCH);
    for auth in [None, Some(&stranger), Some(&other_blob)] {
        let headers = auth.map(NodeAuth::headers).unwrap_or_default();
        for path in [
            format!("/v1/blobs/{id}/recovery/{target}"),
            format!("/v1/blobs/{id}/shards/0/pair"),
        ] {
            let answer = client
                .request(Method::GET, &path, vec![], &headers)
                .await
                .unwrap();
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(problem(&answer).title, "Committee node required");
        }
    }
    let auth = NodeAuth::sign(&member_key, member, &id, EPOCH);
    assert_eq!(
        client
            .recovery_symbols(&id, &[target], Some(&auth))
            .await
            .unwrap(),
        symbols
    );
    // A member gets the pairs of its own shards only, not shard 0's nor the symbols that
    // rebuild it: with every shard's it would decode the model without a license.
    let pair_0 = id.pair_for_shard(0, 10);
    let refused = |paths: Vec<String>, auth: NodeAuth, not_held: &'static str| {
        let client = &client;
        async move {
            for path in paths {
                let answer = client
                    .request(Method::GET, &path, vec![], &auth.headers())
                    .await
                    .unwrap();
                assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
                let p = problem(&answer);
                assert_eq!(p.title, "Shard not held by the requester", "{path}");
                assert!(p.detail.contains(not_held), "{path}: {}", p.detail);
            }
        }
    };
    refused(
        vec![
            format!("/v1/blobs/{id}/shards/0/pair"),
            format!("/v1/blobs/{id}/recovery/{pair_0}"),
            format!("/v1/blobs/{id}/recovery?pairs={target},{pair_0}"),
        ],
        auth.clone(),
        "not of shards [0]",
    )
    .await;
    // Shard 0 moved to it at an epoch change (shard 9 was its shard the epoch before): it
    // gets both, and still nobody else's.
    state.peers.update(CommitteeView {
        epoch: EPOCH + 1,
        n_shards: 10,
        members: vec![Peer {
            node_id: member,
            url: "http://127.0.0.1:1".into(),
            public_key: member_key.public_key().to_vec(),
            shards: vec![0],
            pending: vec![0],
        }],
    });
    assert_eq!(
        client.read_pair(&id, 0, Some(&auth)).await.unwrap(),
        pairs[pair_0]
    );
    assert_eq!(
        client
            .recovery_symbols(&id, &[target, pair_0], Some(&auth))
            .await
            .unwrap()
            .len(),
        36
    );
    refused(
        vec![format!("/v1/blobs/{id}/shards/5/pair")],
        auth,
        "not of shards [5]",
    )
    .await;
}

/// Attack: a blob ID does not commit to a shard count, so a client registers (and pays for) a
/// blob whose metadata encodes it for 4 shards on a 10-shard network. A node holding only
/// shards 4–9 would store nothing and sign a confirmation at once (its held shards are all
/// past the encoding), and once certified the chain's challenges, drawn for 10 shards, could
/// not be answered: honest nodes slashed for a stranger's blob. Refused: metadata for another
/// count (fewer or more shards) is 422, and metadata stored before the check confirms nothing.
/// Metadata that does not hash to its blob ID is refused too (422).
#[tokio::test]
async fn metadata_for_another_shard_count_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let chain = Arc::new(Chain::default());
    let (url, state) = start(dir.path(), 10, (4..10).collect(), 11, None, &chain).await;
    let client = HttpNodeClient::connect(&url).await.unwrap();
    // `register_blob` charges the encoded size for the system's 10 shards; pay for both.
    let paid_for = |metadata: &BlobMetadata| {
        let size = |n: usize| {
            EncodingConfig::new(n)
                .unwrap()
                .encoded_size(metadata.unencoded_length)
                .unwrap()
        };
        size(10).max(size(metadata.n_shards()))
    };
    let put = |object: Address, metadata: &BlobMetadata| {
        let path = format!("/v1/blobs/{}/metadata", metadata.blob_id());
        let body = metadata.to_bytes();
        let client = &client;
        async move {
            client
                .request(
                    Method::PUT,
                    &path,
                    body,
                    &[(BLOB_OBJECT_HEADER, object.to_string())],
                )
                .await
                .unwrap()
        }
    };
    let confirm = |id: floe_encoder::BlobId| {
        let client = &client;
        async move {
            client
                .request(
                    Method::POST,
                    &format!("/v1/blobs/{id}/confirmation"),
                    vec![],
                    &[],
                )
                .await
                .unwrap()
        }
    };

    for n in [4, 20] {
        let (metadata, _, _) = blob(n, 3000);
        let id = metadata.blob_id();
        let object = chain.register_sized(&metadata, EPOCH + 2, paid_for(&metadata));
        let answer = put(object, &metadata).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "n = {n}");
        let p = problem(&answer);
        assert_eq!(p.title, "Wrong shard count");
        assert!(
            p.detail.contains(&format!("for {n} shards")) && p.detail.contains("has 10"),
            "{}",
            p.detail
        );
        // Nothing stored, so nothing to confirm.
        assert_eq!(client.read_metadata(&id).await, Err(NodeError::NotFound));
        let answer = confirm(id).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "n = {n}");
        assert_eq!(problem(&answer).title, "Registration required");
    }

    // Metadata for 4 shards kept from before the check: still no confirmation, although
    // none of this node's shards has a pair of it to wait for.
    let (metadata, _, _) = blob(4, 3500);
    let id = metadata.blob_id();
    let registration = floe_node::store::Registration {
        blob_object: Address::new([0x44; 32]),
        end_epoch: EPOCH + 2,
    };
    state
        .store
        .put_metadata(&id, &metadata, registration)
        .unwrap();
    assert!(state.store.missing_shards(&id).unwrap().is_empty());
    let answer = confirm(id).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(&answer).title, "Wrong shard count");

    // Metadata of the right count whose hashes were tampered with: it does not hash to the
    // blob ID (the registration's size and encoding agree, so only the hash catches it).
    let (metadata, _, _) = blob(10, 3000);
    let id = metadata.blob_id();
    let object = chain.register(&metadata, EPOCH + 2);
    let mut forged = metadata.clone();
    forged.hashes[3].primary[0] ^= 1;
    // As encoded (it names the blob ID its hashes give), and claiming the real blob ID.
    let mut claiming = forged.to_bytes();
    claiming[..32].copy_from_slice(id.as_bytes());
    for (body, title) in [
        (forged.to_bytes(), "Metadata mismatch"),
        (claiming, "Malformed metadata"),
    ] {
        let answer = client
            .request(
                Method::PUT,
                &format!("/v1/blobs/{id}/metadata"),
                body,
                &[(BLOB_OBJECT_HEADER, object.to_string())],
            )
            .await
            .unwrap();
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{title}");
        assert_eq!(problem(&answer).title, title);
    }
    assert_eq!(client.read_metadata(&id).await, Err(NodeError::NotFound));
    // The honest encoding for the network's count is stored.
    client
        .store_registered_metadata(object, &id, &metadata)
        .await
        .unwrap();
    assert_eq!(client.read_metadata(&id).await.unwrap(), metadata);
}

/// An operator who leaves `admin_token` empty gets no operator endpoints, rather than ones
/// that answer to an empty bearer token: a stranger's `Authorization: Bearer ` marks nothing.
#[tokio::test]
async fn an_empty_admin_token_opens_no_operator_endpoint() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(NodeState {
        store: Arc::new(Store::open(dir.path(), vec![0, 1]).unwrap()),
        key: BlsKeyPair::from_seed(&[12; 32]).unwrap(),
        epoch: AtomicU64::new(EPOCH),
        n_shards: None,
        node_id: None,
        licenses: None,
        registrations: None,
        replay: ReplayGuard::default(),
        max_skew_ms: 60_000,
        admin_token: Some(String::new()),
        peers: Default::default(),
        progress: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(api::serve(listener, state.clone()));
    let (metadata, _, _) = blob(10, 3000);
    let id = metadata.blob_id();
    let body = format!("{{\"model_id\":\"{}\"}}", Address::new([0x66; 32]));
    // Raw, so the header is sent byte for byte as written.
    for (method, authorization) in [
        ("PUT", "Bearer "),
        ("PUT", "Bearer \t"),
        ("DELETE", "Bearer "),
    ] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "{method} /v1/blobs/{id}/model HTTP/1.1\r\nhost: {addr}\r\nauthorization: {authorization}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 403") && answer.contains("Operator API disabled"),
            "{method} {authorization:?}: {answer}"
        );
    }
    assert_eq!(state.store.model_of(&id).unwrap(), None);
    assert_eq!(state.store.gate(&id).unwrap(), None);
}

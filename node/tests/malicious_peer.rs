//! Recovery against a malicious peer, with real HTTP servers on 127.0.0.1 and real stores (no
//! chain: the committee is set by hand). The peer's stored slivers are corrupted on disk, so
//! it serves a corrupted pair as the shard's previous holder and corrupted recovery symbols;
//! the recovering node must skip it, count it, and store only the true pair — or nothing.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use floe_encoder::{BlobId, BlobMetadata, EncodingConfig, SliverPair};
use floe_node::api::{self, NodeState};
use floe_node::license_gate::ReplayGuard;
use floe_node::peers::{CommitteeView, Member};
use floe_node::recovery::{Limits, Recovery};
use floe_node::store::{self, Registration, Store, StoreError};
use floe_sdk::bls::BlsKeyPair;
use sui_sdk_types::Address;
use tokio::sync::Notify;

const N: usize = 10;
const EPOCH: u64 = 2;
const OBJECT: Address = Address::new([0xb0; 32]);

fn state(dir: &std::path::Path, shards: &[u16], i: u8) -> Arc<NodeState> {
    Arc::new(NodeState {
        store: Arc::new(Store::open(dir, shards.iter().copied()).unwrap()),
        key: BlsKeyPair::from_seed(&[i + 1; 32]).unwrap(),
        epoch: AtomicU64::new(EPOCH),
        n_shards: Some(N as u16),
        node_id: Some(Address::new([i; 32])),
        licenses: None,
        registrations: None,
        replay: ReplayGuard::default(),
        max_skew_ms: 60_000,
        admin_token: None,
        peers: Arc::default(),
        progress: Arc::default(),
    })
}

/// A peer holding `shards` of the blob, served on a free port; `corrupt` flips a byte of every
/// stored sliver on disk after storing it (the checks happen on the way in, not out).
async fn peer(
    dir: &std::path::Path,
    i: u8,
    shards: &[u16],
    metadata: &BlobMetadata,
    pairs: &[SliverPair],
    corrupt: bool,
) -> Member {
    let state = state(dir, shards, i);
    let id = metadata.blob_id();
    let registration = Registration {
        blob_object: OBJECT,
        end_epoch: 10,
    };
    state
        .store
        .put_metadata(&id, metadata, registration)
        .unwrap();
    for &shard in shards {
        let mut pair = pairs[id.pair_for_shard(usize::from(shard), N)].clone();
        state.store.put_pair(&id, shard, &pair, EPOCH).unwrap();
        if corrupt {
            pair.primary.data[0] ^= 0x5a;
            pair.secondary.data[1] ^= 0xa5;
            let file = dir
                .join("blobs")
                .join(id.to_string())
                .join(format!("shard-{shard}.pair"));
            std::fs::write(file, store::encode_pair(&pair)).unwrap();
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(api::serve(listener, state.clone()));
    Member {
        node_id: state.node_id.unwrap(),
        url,
        public_key: state.key.public_key().to_vec(),
        shards: shards.to_vec(),
        pending: vec![],
    }
}

fn view(epoch: u64, members: Vec<Member>) -> CommitteeView {
    CommitteeView {
        epoch,
        n_shards: N as u16,
        members,
    }
}

/// The recovering node: holds shard 9, knows blob `id` is certified, has nothing else.
fn recovering(dir: &std::path::Path, id: &BlobId) -> Arc<NodeState> {
    let state = state(dir, &[9], 9);
    state.store.record_certified(id, OBJECT, 10).unwrap();
    state
}

fn recovery(state: &Arc<NodeState>) -> Recovery {
    Recovery {
        state: state.clone(),
        limits: Limits::default(),
        wake: Arc::new(Notify::new()),
        sync: None,
    }
}

#[tokio::test]
async fn a_corrupting_peer_is_skipped_and_nothing_wrong_is_stored() {
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 97 % 251) as u8).collect();
    let (metadata, pairs) = floe_encoder::encode(&EncodingConfig::new(N).unwrap(), &data).unwrap();
    let id = metadata.blob_id();
    let expected = &pairs[id.pair_for_shard(9, N)];
    let dirs: Vec<_> = (0..5).map(|_| tempfile::tempdir().unwrap()).collect();
    // Honest peers hold shards 0–7 (8 pairs: enough for the s = 7 symbols a primary sliver
    // needs); the evil one holds shard 8 and, before the epoch change, held shard 9.
    let honest_a = peer(dirs[0].path(), 0, &[0, 1, 2, 3], &metadata, &pairs, false).await;
    let honest_b = peer(dirs[1].path(), 1, &[4, 5, 6, 7], &metadata, &pairs, false).await;
    let evil = peer(dirs[2].path(), 2, &[8, 9], &metadata, &pairs, true).await;

    // With the evil peer as the only way to reach enough symbols, nothing is stored.
    let lonely = recovering(dirs[3].path(), &id);
    lonely
        .peers
        .update(view(EPOCH, vec![honest_a.clone(), evil.clone()]));
    let report = recovery(&lonely).pass().await.unwrap();
    assert!(!report.complete);
    assert!(!lonely.store.has_pair(&id, 9));
    assert!(matches!(
        lonely.store.pair(&id, 9),
        Err(StoreError::NotStored { .. })
    ));
    assert!(lonely.progress.bad_peer_answers.load(Ordering::Relaxed) >= 1);

    // With enough honest peers: the evil previous holder's pair is refused, its symbols
    // dropped, and the true pair rebuilt from the honest ones.
    let node = recovering(dirs[4].path(), &id);
    let mut before = evil.clone();
    before.shards = vec![8, 9];
    node.peers.update(view(
        EPOCH - 1,
        vec![honest_a.clone(), honest_b.clone(), before],
    ));
    let mut me = evil.clone();
    me.node_id = node.node_id.unwrap();
    me.shards = vec![9];
    me.url = "http://127.0.0.1:1".into();
    node.peers
        .update(view(EPOCH, vec![honest_a, honest_b, evil, me]));
    let report = recovery(&node).pass().await.unwrap();
    assert!(report.complete, "{report:?}");
    assert_eq!(node.store.pair(&id, 9).unwrap(), *expected);
    let progress = &node.progress;
    assert_eq!(progress.pairs_transferred.load(Ordering::Relaxed), 0);
    assert_eq!(progress.pairs_recovered.load(Ordering::Relaxed), 1);
    // One refused pair, one dropped symbol answer.
    assert_eq!(progress.bad_peer_answers.load(Ordering::Relaxed), 2);
    // A second pass finds nothing to do.
    let report = recovery(&node).pass().await.unwrap();
    assert!(report.complete && report.pairs_missing == 0);
}

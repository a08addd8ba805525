//! Files stored and read through the streaming paths (`floe_sdk::stream`): byte-identical
//! round trips through in-memory nodes, a read that falls back to decoding when a source row
//! is lost, the spill directory removed afterwards, and the store's peak heap bounded well
//! below the file (measured by a counting allocator in this test process).

#![allow(clippy::unwrap_used)]
// The counting allocator below wraps the system allocator: it must implement `GlobalAlloc`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use floe_encoder::{BlobId, BlobMetadata, EncodingConfig, Sliver, SliverPair};
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::committee::{Committee, Member};
use floe_sdk::memory_node::MemoryNode;
use floe_sdk::nodes::{NodeError, StorageConfirmation, StorageNodeClient};
use floe_sdk::slivers;
use floe_sdk::stream::{self, SpilledPairs};
use floe_sdk::sui_sdk_types::Address;

/// Counts live heap bytes and their peak since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const N: u16 = 100;
const EPOCH: u64 = 3;
const BLOB_OBJECT: Address = Address::new([0xb1; 32]);

fn committee() -> Committee {
    Committee {
        epoch: EPOCH,
        n_shards: N,
        members: (0..4u16)
            .map(|k| Member {
                node_id: Address::new([k as u8 + 1; 32]),
                shards: (k * 25..(k + 1) * 25).collect(),
            })
            .collect(),
    }
}

fn key(k: usize) -> BlsKeyPair {
    BlsKeyPair::from_seed(&[k as u8 + 60; 32]).unwrap()
}

/// Deterministic bytes that do not repeat with the row length.
fn write_file(dir: &std::path::Path, len: usize) -> (std::path::PathBuf, Vec<u8>) {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let data: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let path = dir.join("blob.bin");
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_round_trips_byte_identical_and_survives_a_lost_row() {
    let dir = tempfile::tempdir().unwrap();
    let (path, data) = write_file(dir.path(), 20 << 20);
    let committee = committee();
    let nodes: HashMap<Address, MemoryNode> = committee
        .members
        .iter()
        .enumerate()
        .map(|(k, m)| (m.node_id, MemoryNode::new(key(k), EPOCH)))
        .collect();
    let config = EncodingConfig::new(usize::from(N)).unwrap();
    let (metadata, pairs) = SpilledPairs::encode(config, &path, Arc::new(()))
        .await
        .unwrap();
    let spill_dir = pairs.spill_dir().to_owned();
    assert!(spill_dir.exists());
    // The same commitment as encoding the bytes in memory.
    assert_eq!(
        metadata,
        floe_encoder::compute_metadata(&config, &data.as_slice()).unwrap()
    );
    let certificate =
        slivers::store_slivers_from(&nodes, &committee, &metadata, &pairs, BLOB_OBJECT)
            .await
            .unwrap();
    assert_eq!(certificate.signers, vec![0, 1, 2, 3]);
    drop(pairs);
    assert!(!spill_dir.exists(), "the spill directory is removed");

    let blob_id = metadata.blob_id();
    let out_path = dir.path().join("out.bin");
    let out = std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&out_path)
        .unwrap();
    let len = stream::read_to_file(&nodes, &committee, &blob_id, &out, &out_path, Arc::new(()))
        .await
        .unwrap();
    assert_eq!(len, data.len() as u64);
    assert!(std::fs::read(&out_path).unwrap() == data, "byte-identical");

    // A lost source row: the read decodes from other primary slivers instead.
    let shard = committee.shard_for_pair(&blob_id, 1);
    let holder = &committee.members[committee.holder_of(shard).unwrap()];
    nodes[&holder.node_id].lose(shard, &blob_id);
    std::fs::write(&out_path, b"stale").unwrap();
    let len = stream::read_to_file(&nodes, &committee, &blob_id, &out, &out_path, Arc::new(()))
        .await
        .unwrap();
    assert_eq!(len, data.len() as u64);
    assert!(std::fs::read(&out_path).unwrap() == data, "byte-identical");
}

/// A node that checks and acknowledges pairs but keeps none, so that the test process's heap
/// is the client's alone.
struct Discarding {
    key: BlsKeyPair,
    metadata: std::sync::Mutex<Option<BlobMetadata>>,
    pairs: AtomicUsize,
}

impl StorageNodeClient for Discarding {
    async fn store_metadata(&self, _: &BlobId, metadata: &BlobMetadata) -> Result<(), NodeError> {
        *self.metadata.lock().unwrap() = Some(metadata.clone());
        Ok(())
    }

    async fn store_sliver_pair(
        &self,
        _shard: u16,
        _blob_id: &BlobId,
        pair: &SliverPair,
    ) -> Result<(), NodeError> {
        let metadata = self.metadata.lock().unwrap().clone().unwrap();
        floe_encoder::verify_sliver(&metadata, &pair.primary)
            .map_err(|e| NodeError::Rejected(e.to_string()))?;
        self.pairs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn confirm_storage(&self, blob_id: &BlobId) -> Result<StorageConfirmation, NodeError> {
        Ok(StorageConfirmation {
            epoch: EPOCH,
            blob_id: *blob_id,
            signature: self.key.sign_confirmation(EPOCH, &blob_id.0),
        })
    }

    async fn read_metadata(&self, _: &BlobId) -> Result<BlobMetadata, NodeError> {
        Err(NodeError::NotFound)
    }

    async fn read_primary_sliver(&self, _: u16, _: &BlobId) -> Result<Sliver, NodeError> {
        Err(NodeError::NotFound)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_holds_far_less_than_the_file_in_memory() {
    // 128 MiB: an in-memory store holds the file and its slivers, about 6 × that (770 MiB).
    const LEN: usize = 128 << 20;
    let dir = tempfile::tempdir().unwrap();
    let (path, data) = write_file(dir.path(), LEN);
    drop(data);
    let committee = committee();
    let nodes: HashMap<Address, Discarding> = committee
        .members
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let node = Discarding {
                key: key(k),
                metadata: std::sync::Mutex::new(None),
                pairs: AtomicUsize::new(0),
            };
            (m.node_id, node)
        })
        .collect();
    let config = EncodingConfig::new(usize::from(N)).unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (metadata, pairs) = SpilledPairs::encode(config, &path, Arc::new(()))
        .await
        .unwrap();
    slivers::store_slivers_from(&nodes, &committee, &metadata, &pairs, BLOB_OBJECT)
        .await
        .unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let sent: usize = nodes
        .values()
        .map(|n| n.pairs.load(Ordering::Relaxed))
        .sum();
    assert_eq!(sent, usize::from(N));
    eprintln!("store of {} MiB: peak heap {} MiB", LEN >> 20, peak >> 20);
    assert!(
        peak < LEN * 3 / 4,
        "peak heap {peak} bytes for a {LEN}-byte file"
    );
}

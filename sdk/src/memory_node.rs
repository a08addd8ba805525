//! A storage node that lives in memory: it checks what it is given against the metadata, keeps
//! it in maps and signs confirmations with its BLS key. For local tools, examples and tests
//! that exercise the store/read flows without storage-node processes.

use std::collections::HashMap;
use std::sync::Mutex;

use floe_encoder::{BlobId, BlobMetadata, Sliver, SliverPair};

use crate::bls::BlsKeyPair;
use crate::nodes::{NodeError, StorageConfirmation, StorageNodeClient};

/// An in-memory [`StorageNodeClient`] signing confirmations for one epoch.
pub struct MemoryNode {
    key: BlsKeyPair,
    epoch: u64,
    metadata: Mutex<HashMap<BlobId, BlobMetadata>>,
    pairs: Mutex<HashMap<(BlobId, u16), SliverPair>>,
}

impl MemoryNode {
    pub fn new(key: BlsKeyPair, epoch: u64) -> Self {
        Self {
            key,
            epoch,
            metadata: Mutex::new(HashMap::new()),
            pairs: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets a stored sliver pair, as a node that lost a shard would.
    pub fn lose(&self, shard: u16, blob_id: &BlobId) {
        self.pairs_lock().remove(&(*blob_id, shard));
    }

    /// How many sliver pairs the node holds.
    pub fn stored_pairs(&self) -> usize {
        self.pairs_lock().len()
    }

    fn pairs_lock(&self) -> std::sync::MutexGuard<'_, HashMap<(BlobId, u16), SliverPair>> {
        // A panic while holding the lock leaves the maps consistent (single inserts/removes).
        self.pairs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn metadata_lock(&self) -> std::sync::MutexGuard<'_, HashMap<BlobId, BlobMetadata>> {
        self.metadata.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl StorageNodeClient for MemoryNode {
    async fn store_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        metadata
            .verify(blob_id)
            .map_err(|e| NodeError::Rejected(e.to_string()))?;
        self.metadata_lock().insert(*blob_id, metadata.clone());
        Ok(())
    }

    async fn store_sliver_pair(
        &self,
        shard: u16,
        blob_id: &BlobId,
        pair: &SliverPair,
    ) -> Result<(), NodeError> {
        self.pairs_lock().insert((*blob_id, shard), pair.clone());
        Ok(())
    }

    async fn confirm_storage(&self, blob_id: &BlobId) -> Result<StorageConfirmation, NodeError> {
        Ok(StorageConfirmation {
            epoch: self.epoch,
            blob_id: *blob_id,
            signature: self.key.sign_confirmation(self.epoch, &blob_id.0),
        })
    }

    async fn read_metadata(&self, blob_id: &BlobId) -> Result<BlobMetadata, NodeError> {
        self.metadata_lock()
            .get(blob_id)
            .cloned()
            .ok_or(NodeError::NotFound)
    }

    async fn read_primary_sliver(&self, shard: u16, blob_id: &BlobId) -> Result<Sliver, NodeError> {
        self.pairs_lock()
            .get(&(*blob_id, shard))
            .map(|pair| pair.primary.clone())
            .ok_or(NodeError::NotFound)
    }

    fn bls_public_key(&self) -> Option<[u8; 48]> {
        Some(self.key.public_key())
    }
}

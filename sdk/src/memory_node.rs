//! A storage node that lives in memory: it checks what it is given against the metadata, keeps
//! it in maps and signs confirmations with its BLS key. For local tools, examples and tests
//! that exercise the store/read flows without storage-node processes.
//!
//! It keeps the rule real nodes keep, as far as a node without a chain can: metadata is taken
//! only with the registering `Blob` object named, and slivers and confirmations only for blobs
//! whose metadata was taken that way. It cannot read the chain, so it takes the named object
//! on trust; real nodes (`floe-node`) read it and check that it registers the blob.

use std::collections::HashMap;
use std::sync::Mutex;

use floe_encoder::{BlobId, BlobMetadata, Sliver, SliverPair};
use sui_sdk_types::Address;

use crate::bls::BlsKeyPair;
use crate::nodes::{NodeError, StorageConfirmation, StorageNodeClient};

/// An in-memory [`StorageNodeClient`] signing confirmations for one epoch.
pub struct MemoryNode {
    key: BlsKeyPair,
    epoch: u64,
    /// Each accepted blob's metadata and the `Blob` object named with it.
    metadata: Mutex<HashMap<BlobId, (BlobMetadata, Address)>>,
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

    /// The `Blob` object named when `blob_id`'s metadata was stored.
    pub fn registration(&self, blob_id: &BlobId) -> Option<Address> {
        self.metadata_lock().get(blob_id).map(|(_, object)| *object)
    }

    fn pairs_lock(&self) -> std::sync::MutexGuard<'_, HashMap<(BlobId, u16), SliverPair>> {
        // A panic while holding the lock leaves the maps consistent (single inserts/removes).
        self.pairs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn metadata_lock(&self) -> std::sync::MutexGuard<'_, HashMap<BlobId, (BlobMetadata, Address)>> {
        self.metadata.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn not_registered(blob_id: &BlobId) -> NodeError {
        NodeError::Rejected(format!(
            "blob {blob_id} is not registered here: register it on-chain first and name its \
             Blob object with its metadata"
        ))
    }
}

impl StorageNodeClient for MemoryNode {
    async fn store_metadata(
        &self,
        blob_id: &BlobId,
        _metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        Err(Self::not_registered(blob_id))
    }

    async fn store_registered_metadata(
        &self,
        blob_object: Address,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        metadata
            .verify(blob_id)
            .map_err(|e| NodeError::Rejected(e.to_string()))?;
        self.metadata_lock()
            .insert(*blob_id, (metadata.clone(), blob_object));
        Ok(())
    }

    async fn store_sliver_pair(
        &self,
        shard: u16,
        blob_id: &BlobId,
        pair: &SliverPair,
    ) -> Result<(), NodeError> {
        let metadata = self
            .metadata_lock()
            .get(blob_id)
            .map(|(metadata, _)| metadata.clone())
            .ok_or_else(|| Self::not_registered(blob_id))?;
        for sliver in [&pair.primary, &pair.secondary] {
            floe_encoder::verify_sliver(&metadata, sliver)
                .map_err(|e| NodeError::Rejected(e.to_string()))?;
        }
        self.pairs_lock().insert((*blob_id, shard), pair.clone());
        Ok(())
    }

    async fn confirm_storage(&self, blob_id: &BlobId) -> Result<StorageConfirmation, NodeError> {
        if self.registration(blob_id).is_none() {
            return Err(Self::not_registered(blob_id));
        }
        Ok(StorageConfirmation {
            epoch: self.epoch,
            blob_id: *blob_id,
            signature: self.key.sign_confirmation(self.epoch, &blob_id.0),
        })
    }

    async fn read_metadata(&self, blob_id: &BlobId) -> Result<BlobMetadata, NodeError> {
        self.metadata_lock()
            .get(blob_id)
            .map(|(metadata, _)| metadata.clone())
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

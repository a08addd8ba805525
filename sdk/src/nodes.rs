//! What the sdk needs from storage nodes, as traits the storage-node crate (and test doubles)
//! implement. The sdk stays free of any node transport: a client for one node stores and
//! serves metadata and slivers; a [`NodeDirectory`] finds the client of a committee member.

use std::collections::HashMap;
use std::future::Future;

use floe_encoder::{BlobId, BlobMetadata, Sliver, SliverPair};
use sui_sdk_types::Address;

/// A node's signed statement that it durably stores its slivers of a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageConfirmation {
    /// The epoch the signature is for (certification needs the current one).
    pub epoch: u64,
    pub blob_id: BlobId,
    /// BLS min_pk signature over [`crate::bls::certification_message`].
    pub signature: [u8; 96],
}

/// Why a node did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    #[error("the node is unreachable: {0}")]
    Unavailable(String),
    #[error("the node does not have it")]
    NotFound,
    #[error("the node refused: {0}")]
    Rejected(String),
}

/// A client of one storage node.
///
/// Methods return `Send` futures so flows can drive many nodes at once from any runtime.
pub trait StorageNodeClient: Sync {
    /// Hands the node the blob's metadata without naming its registration. Nodes store only
    /// blobs registered and paid for on-chain, so a real node refuses this; it remains for
    /// doubles that model no chain. Flows call [`StorageNodeClient::store_registered_metadata`].
    fn store_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> impl Future<Output = Result<(), NodeError>> + Send;

    /// Hands the node the blob's metadata, which it checks slivers against, naming the
    /// `floe::blob::Blob` object that registered (and paid for) the blob. A node reads that
    /// object from the chain and stores the blob, its slivers and confirms it only if the
    /// object registers this blob ID with this size and has not expired: storage is never
    /// free by talking to a node directly. Sent once per node before its sliver pairs.
    ///
    /// The default forwards to [`StorageNodeClient::store_metadata`], for doubles that model
    /// no chain; a client of a real node overrides it to send `blob_object`.
    fn store_registered_metadata(
        &self,
        blob_object: Address,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> impl Future<Output = Result<(), NodeError>> + Send {
        let _ = blob_object;
        self.store_metadata(blob_id, metadata)
    }

    /// Stores the sliver pair that `shard` holds for `blob_id`; the node checks it against the
    /// metadata before acknowledging it.
    fn store_sliver_pair(
        &self,
        shard: u16,
        blob_id: &BlobId,
        pair: &SliverPair,
    ) -> impl Future<Output = Result<(), NodeError>> + Send;

    /// The node's confirmation that it stores every pair of `blob_id` its shards hold: a BLS
    /// signature over (intent, epoch, blob ID). Asked for once, after the node's last pair;
    /// a node still missing pairs refuses.
    fn confirm_storage(
        &self,
        blob_id: &BlobId,
    ) -> impl Future<Output = Result<StorageConfirmation, NodeError>> + Send;

    /// The blob's metadata, as stored.
    fn read_metadata(
        &self,
        blob_id: &BlobId,
    ) -> impl Future<Output = Result<BlobMetadata, NodeError>> + Send;

    /// The primary sliver of the pair `shard` holds.
    fn read_primary_sliver(
        &self,
        shard: u16,
        blob_id: &BlobId,
    ) -> impl Future<Output = Result<Sliver, NodeError>> + Send;

    /// The primary sliver of the pair `shard` holds, read from committee member `node_id`
    /// (the node this client reaches, as the chain lists it). The sdk's read flows call this:
    /// a client that signs licensed reads binds each signature to `node_id`, so a request
    /// captured on its way to one node is refused by every other (another holder, or the
    /// shard's next holder after an epoch change). The default ignores `node_id`.
    fn read_primary_sliver_from(
        &self,
        node_id: Address,
        shard: u16,
        blob_id: &BlobId,
    ) -> impl Future<Output = Result<Sliver, NodeError>> + Send {
        let _ = node_id;
        self.read_primary_sliver(shard, blob_id)
    }

    /// The node's BLS public key when known, to check confirmations before aggregating them;
    /// without it a bad confirmation is only caught by `certify_blob` on-chain.
    fn bls_public_key(&self) -> Option<[u8; 48]> {
        None
    }
}

/// Finds the client of a committee member by node ID (its network address lives in the
/// node's staking pool; the directory decides how to reach it).
pub trait NodeDirectory {
    type Client: StorageNodeClient;

    fn client(&self, node_id: Address) -> Option<&Self::Client>;
}

impl<C: StorageNodeClient> NodeDirectory for HashMap<Address, C> {
    type Client = C;

    fn client(&self, node_id: Address) -> Option<&C> {
        self.get(&node_id)
    }
}

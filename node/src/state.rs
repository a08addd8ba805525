//! What the request handlers and the background tasks (recovery, migration, GC) share.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use floe_sdk::bls::BlsKeyPair;
use sui_sdk_types::Address;

use crate::license_gate::{LicenseLookup, ReplayGuard};
use crate::peers::Peers;
use crate::registration::RegistrationLookup;
use crate::store::Store;
use crate::wire::RecoveryStatus;

/// Everything a request handler needs.
pub struct NodeState {
    pub store: Arc<Store>,
    pub key: BlsKeyPair,
    /// The epoch confirmations are signed for (refreshed from the chain by the binary).
    pub epoch: AtomicU64,
    /// The `System`'s shard count, fixed at genesis; `None` when the node has no chain.
    ///
    /// A blob ID does not commit to a shard count (the chain cannot tell an encoding for 4
    /// shards from one for 10), so a client could register a blob whose metadata encodes it
    /// for another count: every node holding only shards past that count would confirm it
    /// with nothing stored, and once certified the chain's challenges (drawn for the system's
    /// count) could not be answered by any node, which would be slashed. Metadata is therefore
    /// accepted, and confirmations signed, only for this count. While it is unknown no metadata
    /// is accepted (503), and a node without a chain confirms what its operator stored.
    pub n_shards: Option<u16>,
    pub node_id: Option<Address>,
    /// Reads `License` objects for licensed blobs; without it licensed reads are refused.
    pub licenses: Option<Arc<dyn LicenseLookup>>,
    /// Reads `Blob` objects to check registrations; without it no new blob is stored.
    pub registrations: Option<Arc<dyn RegistrationLookup>>,
    pub replay: ReplayGuard,
    pub max_skew_ms: u64,
    /// Bearer token for the operator's endpoints; `None` disables them.
    pub admin_token: Option<String>,
    /// The committee (peers to recover from, keys of nodes allowed gated slivers).
    pub peers: Arc<Peers>,
    /// Recovery, migration and GC progress, served at `/v1/recovery`.
    pub progress: Arc<Progress>,
}

/// Recovery's progress, for the log and `GET /v1/recovery`.
#[derive(Debug, Default)]
pub struct Progress {
    pub passes: AtomicU64,
    /// Certified live blobs with at least one held pair (or the metadata) missing, at the
    /// start of the last pass.
    pub blobs_missing: AtomicU64,
    pub pairs_missing: AtomicU64,
    pub pairs_recovered: AtomicU64,
    /// Pairs fetched whole from a shard's previous holder (migration).
    pub pairs_transferred: AtomicU64,
    pub pairs_failed: AtomicU64,
    pub bytes_recovered: AtomicU64,
    /// Peer answers dropped because a symbol or sliver did not match the metadata.
    pub bad_peer_answers: AtomicU64,
    /// The epoch for which every held pair of every live certified blob was last complete.
    pub complete_epoch: AtomicU64,
    /// The epoch this node last signalled `epoch_sync_done` for (0: never).
    pub synced_epoch: AtomicU64,
    /// The latest epoch whose `EpochAdvanced` event the watcher has handled: every
    /// certificate from before that epoch change is recorded.
    pub events_epoch: AtomicU64,
    pub blobs_collected: AtomicU64,
    pub pairs_dropped: AtomicU64,
}

impl Progress {
    pub fn status(&self, epoch: u64) -> RecoveryStatus {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        RecoveryStatus {
            epoch,
            passes: get(&self.passes),
            blobs_missing: get(&self.blobs_missing),
            pairs_missing: get(&self.pairs_missing),
            pairs_recovered: get(&self.pairs_recovered),
            pairs_transferred: get(&self.pairs_transferred),
            pairs_failed: get(&self.pairs_failed),
            bytes_recovered: get(&self.bytes_recovered),
            bad_peer_answers: get(&self.bad_peer_answers),
            complete: get(&self.complete_epoch) == epoch && get(&self.passes) > 0,
            synced_epoch: get(&self.synced_epoch),
            blobs_collected: get(&self.blobs_collected),
            pairs_dropped: get(&self.pairs_dropped),
        }
    }
}

//! Moving a blob's slivers between a client and the storage committee: hand each node the
//! sliver pairs of its shards and gather a quorum certificate; read the metadata and enough
//! primary slivers back and decode. Chain-free, so it is tested with in-memory nodes.

use std::borrow::Cow;

use floe_encoder::{BlobId, BlobMetadata, DecodeError, Sliver, SliverPair};
use futures::future::join_all;
use sui_sdk_types::Address;
use tokio::sync::Semaphore;

use crate::bls::{self, BlsError};
use crate::committee::Committee;
use crate::nodes::{NodeDirectory, NodeError, StorageNodeClient};

/// How long a store waits for a node that still signs for the previous epoch to see the new one.
const NODE_EPOCH_CATCH_UP: std::time::Duration = std::time::Duration::from_secs(10);

/// The aggregate confirmation `certify_blob` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub epoch: u64,
    pub blob_id: BlobId,
    /// Committee indices of the signers, strictly increasing.
    pub signers: Vec<u16>,
    /// Aggregate BLS min_pk signature of the signers.
    pub signature: [u8; 96],
}

/// Why slivers could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum SliverError {
    #[error(
        "only nodes holding {confirmed} shards confirmed blob {blob_id}; {needed} are needed \
         ({}); retry when more nodes are reachable",
        summarize(.failures)
    )]
    NoQuorum {
        blob_id: BlobId,
        confirmed: usize,
        needed: usize,
        failures: Vec<(Address, String)>,
    },
    #[error("the blob was encoded for {encoded} shards but the committee has {committee}")]
    ShardCountMismatch { encoded: usize, committee: usize },
    #[error("no node served valid metadata for blob {blob_id} ({})", summarize(.failures))]
    NoMetadata {
        blob_id: BlobId,
        failures: Vec<(Address, String)>,
    },
    #[error(
        "only {got} of the {needed} primary slivers needed to decode blob {blob_id} could be \
         read and verified ({})",
        summarize(.failures)
    )]
    NotEnoughSlivers {
        blob_id: BlobId,
        got: usize,
        needed: usize,
        failures: Vec<(Address, String)>,
    },
    #[error("decoding failed: {0}")]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Bls(#[from] BlsError),
}

/// A few failures in full and a count of the rest: a read from a thousand shards that all
/// refuse for one reason should say so in a line, not a thousand.
fn summarize(failures: &[(Address, String)]) -> String {
    const SHOWN: usize = 3;
    if failures.is_empty() {
        return "no node answered".to_owned();
    }
    let mut text = format!("{} failures: ", failures.len());
    for (i, (node, message)) in failures.iter().take(SHOWN).enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(&format!("node {node}: {message}"));
    }
    if failures.len() > SHOWN {
        text.push_str(&format!("; and {} more", failures.len() - SHOWN));
    }
    text
}

/// The committee index of every pair's holder, or an error naming a shard nobody holds.
fn holders(committee: &Committee, blob_id: &BlobId) -> Vec<(usize, Option<usize>, u16)> {
    (0..usize::from(committee.n_shards))
        .map(|pair| {
            let shard = committee.shard_for_pair(blob_id, pair);
            (pair, committee.holder_of(shard), shard)
        })
        .collect()
}

/// Stores the sliver pairs at the nodes holding their shards (all nodes at once) and
/// aggregates the confirmations of the members that stored all their pairs.
///
/// `blob_object` is the `floe::blob::Blob` object that registered the blob on-chain
/// (`register_blob`): nodes store and confirm only registered, paid-for blobs, and read that
/// object to check it. Every node is asked even after a quorum is reached, so that every
/// shard holds its pair.
pub async fn store_slivers<D: NodeDirectory>(
    nodes: &D,
    committee: &Committee,
    metadata: &BlobMetadata,
    pairs: &[SliverPair],
    blob_object: Address,
) -> Result<Certificate, SliverError> {
    store_slivers_from(nodes, committee, metadata, pairs, blob_object).await
}

/// At most this many sliver pairs are read and on their way to nodes at once, whatever the
/// committee's size: with pairs read from disk ([`Pairs`]) this bounds a store's memory at a
/// few pairs (each held twice while sent: as read and as the request body).
pub const MAX_PAIRS_IN_FLIGHT: usize = 4;

/// Where [`store_slivers_from`] takes each sliver pair from: memory, or a spill on disk that
/// gives one pair at a time (`crate::stream`).
pub trait Pairs: Sync {
    /// The number of pairs (the encoding's shard count).
    fn count(&self) -> usize;

    /// Pair `index`; an error is a message naming what could not be read.
    fn pair(&self, index: usize) -> Result<Cow<'_, SliverPair>, String>;
}

impl Pairs for [SliverPair] {
    fn count(&self) -> usize {
        self.len()
    }

    fn pair(&self, index: usize) -> Result<Cow<'_, SliverPair>, String> {
        self.get(index)
            .map(Cow::Borrowed)
            .ok_or_else(|| format!("there is no sliver pair {index}"))
    }
}

/// [`store_slivers`] with the pairs taken from `pairs` one at a time as they are sent, at most
/// [`MAX_PAIRS_IN_FLIGHT`] at once; each node still gets its pairs one after the other.
pub async fn store_slivers_from<D: NodeDirectory, P: Pairs + ?Sized>(
    nodes: &D,
    committee: &Committee,
    metadata: &BlobMetadata,
    pairs: &P,
    blob_object: Address,
) -> Result<Certificate, SliverError> {
    let n = usize::from(committee.n_shards);
    if pairs.count() != n || metadata.n_shards() != n {
        return Err(SliverError::ShardCountMismatch {
            encoded: pairs.count(),
            committee: n,
        });
    }
    let blob_id = metadata.blob_id();
    let mut per_member: Vec<Vec<(u16, usize)>> = vec![Vec::new(); committee.members.len()];
    for (pair, holder, shard) in holders(committee, &blob_id) {
        if let Some(k) = holder {
            per_member[k].push((shard, pair));
        }
    }
    let in_flight = Semaphore::new(MAX_PAIRS_IN_FLIGHT);
    let message = bls::certification_message(committee.epoch, &blob_id.0);
    let tasks =
        committee
            .members
            .iter()
            .zip(per_member)
            .enumerate()
            .map(|(k, (member, assigned))| {
                let message = &message;
                let in_flight = &in_flight;
                async move {
                    let Some(client) = nodes.client(member.node_id) else {
                        return (k, member.node_id, Err("no client for this node".to_owned()));
                    };
                    let result = store_at_node(
                        client,
                        committee.epoch,
                        (blob_object, &blob_id),
                        metadata,
                        (pairs, &assigned, in_flight),
                        message,
                    )
                    .await;
                    (k, member.node_id, result)
                }
            });
    let mut signers = Vec::new();
    let mut signatures = Vec::new();
    let mut failures = Vec::new();
    for (k, node_id, result) in join_all(tasks).await {
        match result {
            Ok(Some(signature)) => {
                signers.push(u16::try_from(k).expect("committee size is at most n_shards"));
                signatures.push(signature);
            }
            // A member without shards has nothing to confirm.
            Ok(None) => {}
            Err(message) => failures.push((node_id, message)),
        }
    }
    let confirmed = committee.shards_of(&signers);
    if confirmed < committee.quorum_shards() {
        return Err(SliverError::NoQuorum {
            blob_id,
            confirmed,
            needed: committee.quorum_shards(),
            failures,
        });
    }
    Ok(Certificate {
        epoch: committee.epoch,
        blob_id,
        signers,
        signature: bls::aggregate(&signatures)?,
    })
}

/// Stores one node's pairs; its confirmation signature, `None` if it holds no pair.
async fn store_at_node<C: StorageNodeClient, P: Pairs + ?Sized>(
    client: &C,
    epoch: u64,
    (blob_object, blob_id): (Address, &BlobId),
    metadata: &BlobMetadata,
    (pairs, assigned, in_flight): (&P, &[(u16, usize)], &Semaphore),
    message: &[u8],
) -> Result<Option<[u8; 96]>, String> {
    if assigned.is_empty() {
        return Ok(None);
    }
    client
        .store_registered_metadata(blob_object, blob_id, metadata)
        .await
        .map_err(|e| format!("metadata: {e}"))?;
    for &(shard, index) in assigned {
        let _permit = in_flight
            .acquire()
            .await
            .map_err(|_| "the store was cancelled".to_owned())?;
        let pair = pairs
            .pair(index)
            .map_err(|e| format!("shard {shard}: {e}"))?;
        client
            .store_sliver_pair(shard, blob_id, &pair)
            .await
            .map_err(|e| format!("shard {shard}: {e}"))?;
    }
    // A node follows the chain a checkpoint or two behind: right after an epoch change it
    // still signs for the epoch before. It catches up in moments, so ask again until then.
    let catch_up = tokio::time::Instant::now() + NODE_EPOCH_CATCH_UP;
    let confirmation = loop {
        let confirmation = client
            .confirm_storage(blob_id)
            .await
            .map_err(|e| format!("confirmation: {e}"))?;
        if confirmation.epoch < epoch && tokio::time::Instant::now() < catch_up {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        }
        break confirmation;
    };
    if confirmation.epoch != epoch || confirmation.blob_id != *blob_id {
        return Err(format!(
            "confirmation is for epoch {} blob {}, not epoch {epoch} blob {blob_id}",
            confirmation.epoch, confirmation.blob_id
        ));
    }
    if let Some(key) = client.bls_public_key() {
        bls::verify(&key, message, &confirmation.signature)
            .map_err(|e| format!("bad confirmation: {e}"))?;
    }
    Ok(Some(confirmation.signature))
}

/// Reads blob `blob_id`: metadata from the first node with valid metadata, then primary
/// slivers (source pairs first, which decode by copying) until `p` verify, then decodes and
/// re-encodes to check the blob ID.
pub async fn read_slivers<D: NodeDirectory>(
    nodes: &D,
    committee: &Committee,
    blob_id: &BlobId,
) -> Result<Vec<u8>, SliverError> {
    let metadata = read_metadata(nodes, committee, blob_id).await?;
    let (config, _) = metadata.checked_config()?;
    let needed = config.n_primary_source();
    let mut candidates = holders(committee, blob_id).into_iter();
    let mut slivers: Vec<Sliver> = Vec::with_capacity(needed);
    let mut failures = Vec::new();
    while slivers.len() < needed {
        let batch: Vec<_> = candidates.by_ref().take(needed - slivers.len()).collect();
        if batch.is_empty() {
            break;
        }
        let reads = batch.into_iter().map(|(pair, holder, shard)| {
            let metadata = &metadata;
            async move {
                let member = holder.map(|k| &committee.members[k]);
                let node_id = member.map_or(Address::ZERO, |m| m.node_id);
                let Some(client) = member.and_then(|m| nodes.client(m.node_id)) else {
                    return Err((node_id, format!("no client for shard {shard}")));
                };
                let sliver = client
                    .read_primary_sliver_from(node_id, shard, blob_id)
                    .await
                    .map_err(|e: NodeError| (node_id, format!("shard {shard}: {e}")))?;
                if usize::from(sliver.index) != pair {
                    return Err((
                        node_id,
                        format!("shard {shard} sent sliver {}", sliver.index),
                    ));
                }
                floe_encoder::verify_sliver(metadata, &sliver)
                    .map_err(|e| (node_id, format!("shard {shard}: {e}")))?;
                Ok(sliver)
            }
        });
        for result in join_all(reads).await {
            match result {
                Ok(sliver) => slivers.push(sliver),
                Err(failure) => failures.push(failure),
            }
        }
    }
    if slivers.len() < needed {
        return Err(SliverError::NotEnoughSlivers {
            blob_id: *blob_id,
            got: slivers.len(),
            needed,
            failures,
        });
    }
    Ok(floe_encoder::decode_and_verify(
        &metadata, blob_id, &slivers,
    )?)
}

/// The blob's metadata from the first member whose copy verifies against `blob_id`, refused
/// (before any sliver is asked for) when it encodes the blob for another shard count than the
/// committee's: a blob ID does not commit to a shard count, so the chain registers any, and
/// such a blob's slivers map onto no shard this committee holds. A copy that verifies is the
/// only one there is, so no other node is asked.
pub(crate) async fn read_metadata<D: NodeDirectory>(
    nodes: &D,
    committee: &Committee,
    blob_id: &BlobId,
) -> Result<BlobMetadata, SliverError> {
    let mut failures = Vec::new();
    for member in &committee.members {
        let Some(client) = nodes.client(member.node_id) else {
            failures.push((member.node_id, "no client for this node".to_owned()));
            continue;
        };
        match client.read_metadata(blob_id).await {
            Ok(metadata) => match metadata.verify(blob_id) {
                Ok(()) if metadata.n_shards() != usize::from(committee.n_shards) => {
                    return Err(SliverError::ShardCountMismatch {
                        encoded: metadata.n_shards(),
                        committee: usize::from(committee.n_shards),
                    });
                }
                Ok(()) => return Ok(metadata),
                Err(e) => failures.push((member.node_id, e.to_string())),
            },
            Err(e) => failures.push((member.node_id, e.to_string())),
        }
    }
    Err(SliverError::NoMetadata {
        blob_id: *blob_id,
        failures,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use floe_encoder::EncodingConfig;

    use super::*;
    use crate::bls::BlsKeyPair;
    use crate::committee::tests::committee;
    use crate::nodes::StorageConfirmation;

    /// A storage node in memory: keeps what it is sent, signs with its key. Like a real node
    /// it takes metadata only with a registration named, and slivers and confirmations only
    /// for blobs whose metadata it took.
    pub(crate) struct MemoryNode {
        pub key: BlsKeyPair,
        pub epoch: u64,
        pub down: bool,
        pub metadata: Mutex<HashMap<BlobId, BlobMetadata>>,
        /// The `Blob` object named with each blob's metadata.
        pub registrations: Mutex<HashMap<BlobId, Address>>,
        pub pairs: Mutex<HashMap<(BlobId, u16), SliverPair>>,
    }

    impl MemoryNode {
        pub(crate) fn new(seed: u8, epoch: u64) -> Self {
            Self {
                key: BlsKeyPair::from_seed(&[seed; 32]).unwrap(),
                epoch,
                down: false,
                metadata: Mutex::default(),
                registrations: Mutex::default(),
                pairs: Mutex::default(),
            }
        }

        fn up(&self) -> Result<(), NodeError> {
            if self.down {
                Err(NodeError::Unavailable("test node is down".into()))
            } else {
                Ok(())
            }
        }
    }

    impl StorageNodeClient for MemoryNode {
        async fn store_metadata(
            &self,
            _blob_id: &BlobId,
            _metadata: &BlobMetadata,
        ) -> Result<(), NodeError> {
            self.up()?;
            Err(NodeError::Rejected("name the blob's Blob object".into()))
        }

        async fn store_registered_metadata(
            &self,
            blob_object: Address,
            blob_id: &BlobId,
            metadata: &BlobMetadata,
        ) -> Result<(), NodeError> {
            self.up()?;
            metadata
                .verify(blob_id)
                .map_err(|e| NodeError::Rejected(e.to_string()))?;
            self.registrations
                .lock()
                .unwrap()
                .insert(*blob_id, blob_object);
            self.metadata
                .lock()
                .unwrap()
                .insert(*blob_id, metadata.clone());
            Ok(())
        }

        async fn store_sliver_pair(
            &self,
            shard: u16,
            blob_id: &BlobId,
            pair: &SliverPair,
        ) -> Result<(), NodeError> {
            self.up()?;
            let metadata = self.metadata.lock().unwrap().get(blob_id).cloned();
            let metadata = metadata.ok_or(NodeError::NotFound)?;
            for sliver in [&pair.primary, &pair.secondary] {
                floe_encoder::verify_sliver(&metadata, sliver)
                    .map_err(|e| NodeError::Rejected(e.to_string()))?;
            }
            self.pairs
                .lock()
                .unwrap()
                .insert((*blob_id, shard), pair.clone());
            Ok(())
        }

        async fn confirm_storage(
            &self,
            blob_id: &BlobId,
        ) -> Result<StorageConfirmation, NodeError> {
            self.up()?;
            if !self.registrations.lock().unwrap().contains_key(blob_id) {
                return Err(NodeError::Rejected("blob not registered".into()));
            }
            Ok(StorageConfirmation {
                epoch: self.epoch,
                blob_id: *blob_id,
                signature: self.key.sign_confirmation(self.epoch, &blob_id.0),
            })
        }

        async fn read_metadata(&self, blob_id: &BlobId) -> Result<BlobMetadata, NodeError> {
            self.up()?;
            self.metadata
                .lock()
                .unwrap()
                .get(blob_id)
                .cloned()
                .ok_or(NodeError::NotFound)
        }

        async fn read_primary_sliver(
            &self,
            shard: u16,
            blob_id: &BlobId,
        ) -> Result<Sliver, NodeError> {
            self.up()?;
            let pairs = self.pairs.lock().unwrap();
            let pair = pairs.get(&(*blob_id, shard)).ok_or(NodeError::NotFound)?;
            Ok(pair.primary.clone())
        }

        fn bls_public_key(&self) -> Option<[u8; 48]> {
            Some(self.key.public_key())
        }
    }

    /// The `Blob` object the tests' blobs are registered with.
    const BLOB_OBJECT: Address = Address::new([0xb0; 32]);

    fn network(n: u16, members: u16) -> (Committee, HashMap<Address, MemoryNode>) {
        let c = committee(n, members);
        let nodes = c
            .members
            .iter()
            .enumerate()
            .map(|(k, m)| (m.node_id, MemoryNode::new(k as u8 + 1, c.epoch)))
            .collect();
        (c, nodes)
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn store_certify_and_read_round_trip() {
        let (c, nodes) = network(10, 4);
        let blob: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let config = EncodingConfig::new(10).unwrap();
        let (metadata, pairs) = floe_encoder::encode(&config, &blob).unwrap();
        let certificate =
            block_on(store_slivers(&nodes, &c, &metadata, &pairs, BLOB_OBJECT)).unwrap();
        assert_eq!(certificate.signers, vec![0, 1, 2, 3]);
        // Every node was told which Blob object registered the blob.
        let blob_id = metadata.blob_id();
        for node in nodes.values() {
            assert_eq!(
                node.registrations.lock().unwrap().get(&blob_id),
                Some(&BLOB_OBJECT)
            );
        }
        // Every shard got the pair the rotation assigns it.
        for (pair, _, shard) in holders(&c, &blob_id) {
            let holder = &nodes[&c.members[c.holder_of(shard).unwrap()].node_id];
            let stored = holder.pairs.lock().unwrap()[&(blob_id, shard)].clone();
            assert_eq!(stored, pairs[pair]);
        }
        // The aggregate verifies against the signers' keys, as the chain checks it.
        let keys: Vec<[u8; 48]> = c
            .members
            .iter()
            .map(|m| nodes[&m.node_id].key.public_key())
            .collect();
        bls::verify_aggregate(
            &keys,
            &bls::certification_message(c.epoch, &blob_id.0),
            &certificate.signature,
        )
        .unwrap();
        assert_eq!(block_on(read_slivers(&nodes, &c, &blob_id)).unwrap(), blob);
    }

    #[test]
    fn a_missing_quorum_is_reported_and_reads_survive_f_lost_shards() {
        let (c, mut nodes) = network(10, 4);
        let blob = vec![42u8; 3000];
        let config = EncodingConfig::new(10).unwrap();
        let (metadata, pairs) = floe_encoder::encode(&config, &blob).unwrap();
        // Members 0..3 hold 2 shards each, member 3 holds 4: losing 3 leaves 6 < 7 shards.
        nodes.get_mut(&c.members[3].node_id).unwrap().down = true;
        let err = block_on(store_slivers(&nodes, &c, &metadata, &pairs, BLOB_OBJECT)).unwrap_err();
        assert!(
            matches!(
                err,
                SliverError::NoQuorum {
                    confirmed: 6,
                    needed: 7,
                    ..
                }
            ),
            "{err}"
        );
        nodes.get_mut(&c.members[3].node_id).unwrap().down = false;
        let certificate =
            block_on(store_slivers(&nodes, &c, &metadata, &pairs, BLOB_OBJECT)).unwrap();
        assert_eq!(certificate.signers.len(), 4);
        // With member 0 (2 shards ≤ f = 3) down, p = 4 primary slivers still decode.
        nodes.get_mut(&c.members[0].node_id).unwrap().down = true;
        let blob_id = metadata.blob_id();
        assert_eq!(block_on(read_slivers(&nodes, &c, &blob_id)).unwrap(), blob);
        // A blob nobody stored has no metadata.
        let err = block_on(read_slivers(&nodes, &c, &BlobId([1; 32]))).unwrap_err();
        assert!(matches!(err, SliverError::NoMetadata { .. }), "{err}");
    }

    #[test]
    fn metadata_for_another_shard_count_is_refused_before_any_sliver() {
        let (c, nodes) = network(10, 4);
        // Encoded for 4 shards, on a 10-shard committee: the metadata verifies against its
        // blob ID (which commits to no shard count), and every node serves it.
        let blob = vec![7u8; 2000];
        let (metadata, pairs) =
            floe_encoder::encode(&EncodingConfig::new(4).unwrap(), &blob).unwrap();
        let blob_id = metadata.blob_id();
        for node in nodes.values() {
            block_on(node.store_registered_metadata(BLOB_OBJECT, &blob_id, &metadata)).unwrap();
            // Pairs under shards 0..4 a reader could otherwise decode from.
            for (k, pair) in pairs.iter().enumerate() {
                block_on(node.store_sliver_pair(k as u16, &blob_id, pair)).unwrap();
            }
        }
        let err = block_on(read_slivers(&nodes, &c, &blob_id)).unwrap_err();
        assert!(
            matches!(
                err,
                SliverError::ShardCountMismatch {
                    encoded: 4,
                    committee: 10
                }
            ),
            "{err}"
        );
        let err = block_on(read_metadata(&nodes, &c, &blob_id)).unwrap_err();
        assert!(
            err.to_string()
                .contains("encoded for 4 shards but the committee has 10"),
            "{err}"
        );
    }
}

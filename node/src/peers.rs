//! The storage committee as this node's peers: who holds which shard, where each node listens
//! and its BLS key, read from the `System` object and the staking pools. Recovery and shard
//! migration ask peers for slivers; the API checks that a node asking for a gated blob's
//! slivers or recovery symbols is a committee member, by a BLS signature over the request.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use floe_encoder::BlobId;
use floe_sdk::Floe;
use floe_sdk::committee::Committee;
use floe_sdk::flows::FlowError;
use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

/// Header naming the requesting node (its staking-pool ID).
pub const NODE_HEADER: &str = "x-floe-node";
/// Header with the epoch the requesting node signed for.
pub const NODE_EPOCH_HEADER: &str = "x-floe-node-epoch";
/// Header with the hex BLS signature over [`node_read_message`].
pub const NODE_SIGNATURE_HEADER: &str = "x-floe-node-signature";

/// One committee member as a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub node_id: Address,
    /// Base URL of its API (`http://` + the registered network address).
    pub url: String,
    /// Its 48-byte BLS public key.
    pub public_key: Vec<u8>,
    pub shards: Vec<u16>,
    /// Shards it gained at this epoch's start and has not yet signalled holding.
    pub pending: Vec<u16>,
}

/// The committee of one epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeView {
    pub epoch: u64,
    pub n_shards: u16,
    pub members: Vec<Member>,
}

impl CommitteeView {
    pub fn member(&self, node_id: Address) -> Option<&Member> {
        self.members.iter().find(|m| m.node_id == node_id)
    }

    /// The member holding `shard`.
    pub fn holder_of(&self, shard: u16) -> Option<&Member> {
        self.members.iter().find(|m| m.shards.contains(&shard))
    }

    /// Whether some member still waits to sync `shard` (its previous holder must keep it).
    pub fn is_pending(&self, shard: u16) -> bool {
        self.members.iter().any(|m| m.pending.contains(&shard))
    }
}

/// The committee this node last read, and the one before it (the previous holders of shards
/// that moved).
///
/// With a file ([`Peers::with_file`]) both are saved there at every epoch change, so a node
/// restarted in the middle of a migration still knows the previous holders: the first
/// committee read after the restart takes its previous from what was saved.
#[derive(Debug, Default)]
pub struct Peers {
    current: RwLock<Option<Arc<CommitteeView>>>,
    previous: RwLock<Option<Arc<CommitteeView>>>,
    file: Option<PathBuf>,
    /// What was saved before a restart, until the first update.
    saved: RwLock<Option<Saved>>,
}

/// What [`Peers`] saves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Saved {
    current: CommitteeView,
    previous: Option<CommitteeView>,
}

impl Peers {
    /// Peers that save the current and previous committees to `file` (replaced atomically)
    /// at every epoch change, and start from what was saved there, if readable.
    pub fn with_file(file: PathBuf) -> Self {
        let saved = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice::<Saved>(&bytes)
                .inspect_err(|e| {
                    tracing::warn!(file = %file.display(), error = %e, "saved committee unreadable; ignored");
                })
                .ok(),
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(file = %file.display(), error = %e, "saved committee unreadable; ignored");
                }
                None
            }
        };
        Self {
            saved: RwLock::new(saved),
            file: Some(file),
            ..Self::default()
        }
    }

    pub fn current(&self) -> Option<Arc<CommitteeView>> {
        self.current
            .read()
            .expect("no writer panics while holding the committee")
            .clone()
    }

    pub fn previous(&self) -> Option<Arc<CommitteeView>> {
        self.previous
            .read()
            .expect("no writer panics while holding the committee")
            .clone()
    }

    /// Replaces the current view; the old one becomes the previous view when the epoch
    /// changed. At the first update after a restart, the saved views stand for the old one:
    /// the saved previous view if the epoch is still the saved current one's, else the saved
    /// current. Returns whether the epoch changed.
    pub fn update(&self, view: CommitteeView) -> bool {
        let mut current = self
            .current
            .write()
            .expect("no writer panics while holding the committee");
        let mut previous = self
            .previous
            .write()
            .expect("no writer panics while holding the committee");
        let restored = if current.is_none() {
            self.saved
                .write()
                .expect("no writer panics while holding the committee")
                .take()
        } else {
            None
        };
        let changed = match (current.take(), restored) {
            (Some(old), _) => {
                let changed = old.epoch != view.epoch;
                if changed {
                    *previous = Some(old);
                }
                changed
            }
            (None, Some(saved)) if saved.current.epoch == view.epoch => {
                *previous = saved.previous.map(Arc::new);
                false
            }
            (None, Some(saved)) => {
                *previous = Some(Arc::new(saved.current));
                true
            }
            (None, None) => true,
        };
        if changed && let Some(file) = &self.file {
            let saved = Saved {
                current: view.clone(),
                previous: previous.as_deref().cloned(),
            };
            if let Err(e) = save(file, &saved) {
                tracing::warn!(file = %file.display(), error = %e, "could not save the committee");
            }
        }
        *current = Some(Arc::new(view));
        changed
    }
}

/// Writes `saved` to `file` through a fsynced temporary file renamed into place.
fn save(file: &Path, saved: &Saved) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(saved).map_err(std::io::Error::other)?;
    let tmp = file.with_extension("tmp");
    let mut out = std::fs::File::create(&tmp)?;
    std::io::Write::write_all(&mut out, &bytes)?;
    out.sync_all()?;
    std::fs::rename(&tmp, file)
}

/// The URL of a node registered with `network_address` (`host:port`, or a full URL).
pub fn url_of(network_address: &str) -> String {
    if network_address.starts_with("http://") || network_address.starts_with("https://") {
        network_address.trim_end_matches('/').to_owned()
    } else {
        format!("http://{network_address}")
    }
}

/// Reads the current committee, its pending shards and every member's pool (address, key).
pub async fn read_committee(floe: &mut Floe) -> Result<CommitteeView, FlowError> {
    read_committee_since(floe, None).await
}

/// [`read_committee`], reusing the addresses and keys of `known` (a view read earlier) when it
/// is of the same epoch, so polling costs one `System` read, not one read per member. Pools
/// are read afresh at each epoch change.
pub async fn read_committee_since(
    floe: &mut Floe,
    known: Option<&CommitteeView>,
) -> Result<CommitteeView, FlowError> {
    let system = floe.system().await?;
    let committee = Committee::from_system(&system);
    let known = known.filter(|view| view.epoch == committee.epoch);
    let mut members = Vec::with_capacity(committee.members.len());
    for (k, member) in committee.members.into_iter().enumerate() {
        let (url, public_key) = match known.and_then(|view| view.member(member.node_id)) {
            Some(seen) => (seen.url.clone(), seen.public_key.clone()),
            None => {
                let pool = floe.staking_pool(member.node_id).await?;
                (
                    url_of(&String::from_utf8_lossy(&pool.network_address.bytes)),
                    pool.bls_public_key.clone(),
                )
            }
        };
        members.push(Member {
            node_id: member.node_id,
            url,
            public_key,
            shards: member.shards,
            pending: system.pending_shards.get(k).cloned().unwrap_or_default(),
        });
    }
    Ok(CommitteeView {
        epoch: committee.epoch,
        n_shards: committee.n_shards,
        members,
    })
}

/// What a node signs to read another node's slivers or recovery symbols of a gated blob:
/// a domain tag, the blob ID and the epoch, so a signature is worth one blob for one epoch.
pub fn node_read_message(blob_id: &BlobId, epoch: u64) -> Vec<u8> {
    let mut message = b"floe-node-read\0".to_vec();
    message.extend_from_slice(blob_id.as_bytes());
    message.extend_from_slice(&epoch.to_le_bytes());
    message
}

/// A node's credentials for one blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeAuth {
    pub node_id: Address,
    pub epoch: u64,
    pub signature: [u8; 96],
}

impl NodeAuth {
    pub fn sign(
        key: &floe_sdk::bls::BlsKeyPair,
        node_id: Address,
        blob_id: &BlobId,
        epoch: u64,
    ) -> Self {
        Self {
            node_id,
            epoch,
            signature: key.sign(&node_read_message(blob_id, epoch)),
        }
    }

    /// The request headers carrying these credentials.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            (NODE_HEADER, self.node_id.to_string()),
            (NODE_EPOCH_HEADER, self.epoch.to_string()),
            (NODE_SIGNATURE_HEADER, hex::encode(self.signature)),
        ]
    }

    /// Parses the headers; `None` when none were sent.
    pub fn from_headers(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, NodeAuthError> {
        let (Some(node), Some(epoch), Some(signature)) = (
            get(NODE_HEADER),
            get(NODE_EPOCH_HEADER),
            get(NODE_SIGNATURE_HEADER),
        ) else {
            return Ok(None);
        };
        let malformed = |what: &str| NodeAuthError::Malformed(what.to_owned());
        Ok(Some(Self {
            node_id: node.parse().map_err(|_| malformed(NODE_HEADER))?,
            epoch: epoch.parse().map_err(|_| malformed(NODE_EPOCH_HEADER))?,
            signature: hex::decode(signature)
                .ok()
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| malformed(NODE_SIGNATURE_HEADER))?,
        }))
    }
}

/// Why a request was not taken to come from a committee node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeAuthError {
    #[error(
        "this blob is gated: only committee storage nodes get its slivers or recovery symbols; \
         send {NODE_HEADER}, {NODE_EPOCH_HEADER} and {NODE_SIGNATURE_HEADER} (BLS over \
         \"floe-node-read\\0\" ‖ blob ID ‖ epoch u64 LE)"
    )]
    Missing,
    #[error("header {0} is malformed")]
    Malformed(String),
    #[error("the signature is for epoch {signed}, this node is at epoch {current}")]
    WrongEpoch { signed: u64, current: u64 },
    #[error("node {0} is not in the committee this node knows")]
    NotMember(Address),
    #[error("the signature does not verify with node {0}'s BLS key")]
    BadSignature(Address),
    #[error("this node has not read the committee yet; try again")]
    NoCommittee,
}

/// Checks that `auth` comes from a member of the current or previous committee, signed for an
/// epoch next to `epoch` (nodes see an epoch change at slightly different times).
pub fn check_node_read(
    peers: &Peers,
    auth: Option<&NodeAuth>,
    blob_id: &BlobId,
    epoch: u64,
) -> Result<Address, NodeAuthError> {
    let auth = auth.ok_or(NodeAuthError::Missing)?;
    if auth.epoch + 1 < epoch || auth.epoch > epoch + 1 {
        return Err(NodeAuthError::WrongEpoch {
            signed: auth.epoch,
            current: epoch,
        });
    }
    let views: Vec<_> = [peers.current(), peers.previous()]
        .into_iter()
        .flatten()
        .collect();
    if views.is_empty() {
        return Err(NodeAuthError::NoCommittee);
    }
    let member = views
        .iter()
        .find_map(|view| view.member(auth.node_id))
        .ok_or(NodeAuthError::NotMember(auth.node_id))?;
    floe_sdk::bls::verify(
        &member.public_key,
        &node_read_message(blob_id, auth.epoch),
        &auth.signature,
    )
    .map_err(|_| NodeAuthError::BadSignature(auth.node_id))?;
    Ok(auth.node_id)
}

/// The shards `node` holds in the current committee or held in the previous one: the pairs a
/// member may need from others (gained shards it is fetching, lost ones it still serves).
pub fn shards_of(peers: &Peers, node: Address) -> std::collections::BTreeSet<u16> {
    [peers.current(), peers.previous()]
        .into_iter()
        .flatten()
        .filter_map(|view| view.member(node).map(|m| m.shards.clone()))
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use floe_sdk::bls::BlsKeyPair;

    fn view(epoch: u64, key: &BlsKeyPair, node: Address) -> CommitteeView {
        CommitteeView {
            epoch,
            n_shards: 4,
            members: vec![Member {
                node_id: node,
                url: url_of("127.0.0.1:1"),
                public_key: key.public_key().to_vec(),
                shards: vec![0, 1, 2, 3],
                pending: vec![],
            }],
        }
    }

    #[test]
    fn only_a_committee_node_signing_this_blob_passes() {
        let member_key = BlsKeyPair::from_seed(&[7; 32]).unwrap();
        let stranger_key = BlsKeyPair::from_seed(&[8; 32]).unwrap();
        let node = Address::new([1; 32]);
        let blob = BlobId([3; 32]);
        let peers = Peers::default();
        let auth = NodeAuth::sign(&member_key, node, &blob, 5);
        assert_eq!(
            check_node_read(&peers, Some(&auth), &blob, 5),
            Err(NodeAuthError::NoCommittee)
        );
        peers.update(view(5, &member_key, node));
        assert_eq!(check_node_read(&peers, Some(&auth), &blob, 5), Ok(node));
        assert_eq!(
            check_node_read(&peers, None, &blob, 5),
            Err(NodeAuthError::Missing)
        );
        // Another blob, another key, a stranger, a stale epoch: refused.
        assert_eq!(
            check_node_read(&peers, Some(&auth), &BlobId([4; 32]), 5),
            Err(NodeAuthError::BadSignature(node))
        );
        let forged = NodeAuth::sign(&stranger_key, node, &blob, 5);
        assert_eq!(
            check_node_read(&peers, Some(&forged), &blob, 5),
            Err(NodeAuthError::BadSignature(node))
        );
        let stranger = NodeAuth::sign(&stranger_key, Address::new([2; 32]), &blob, 5);
        assert!(matches!(
            check_node_read(&peers, Some(&stranger), &blob, 5),
            Err(NodeAuthError::NotMember(_))
        ));
        assert!(matches!(
            check_node_read(&peers, Some(&auth), &blob, 7),
            Err(NodeAuthError::WrongEpoch { .. })
        ));
        // Headers round-trip.
        let headers = auth.headers();
        let parsed = NodeAuth::from_headers(|name| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap();
        assert_eq!(parsed, Some(auth));
        // The previous committee's members still pass after an epoch change.
        assert!(peers.update(view(6, &stranger_key, Address::new([9; 32]))));
        let auth = NodeAuth::sign(&member_key, node, &blob, 6);
        assert_eq!(check_node_read(&peers, Some(&auth), &blob, 6), Ok(node));
    }

    #[test]
    fn a_restarted_node_still_knows_the_previous_committee() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("committee.json");
        let key = BlsKeyPair::from_seed(&[7; 32]).unwrap();
        let (a, b) = (Address::new([1; 32]), Address::new([2; 32]));
        let peers = Peers::with_file(file.clone());
        peers.update(view(4, &key, a));
        assert!(peers.update(view(5, &key, b)));
        drop(peers);
        // Restarted within epoch 5: the previous committee is epoch 4's.
        let peers = Peers::with_file(file.clone());
        assert!(peers.previous().is_none());
        assert!(!peers.update(view(5, &key, b)));
        assert_eq!(peers.previous().unwrap().epoch, 4);
        assert_eq!(peers.previous().unwrap().members[0].node_id, a);
        // Restarted after the chain moved on to epoch 6: epoch 5's is the previous one.
        let peers = Peers::with_file(file.clone());
        assert!(peers.update(view(6, &key, a)));
        assert_eq!(peers.previous().unwrap().epoch, 5);
        // A damaged file is ignored.
        std::fs::write(&file, b"{").unwrap();
        let peers = Peers::with_file(file);
        peers.update(view(6, &key, a));
        assert!(peers.previous().is_none());
    }
}

//! The storage committee of an epoch, as the `System` object records it, and the shard
//! arithmetic the store and read flows need: which node holds which sliver pair, and whether
//! a set of confirming nodes reaches the 2f+1-shard quorum `certify_blob` demands.

use floe_encoder::BlobId;
use sui_sdk_types::Address;

use crate::move_types::{self, system::System};

/// One committee member: its node ID and the shards it holds this epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub node_id: Address,
    pub shards: Vec<u16>,
}

/// The committee of one epoch, in committee-index order (the `signers` of `certify_blob`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committee {
    pub epoch: u64,
    pub n_shards: u16,
    pub members: Vec<Member>,
}

impl Committee {
    pub fn from_system(system: &System) -> Self {
        let members = system
            .committee
            .iter()
            .zip(&system.committee_shards)
            .map(|(id, shards)| Member {
                node_id: move_types::address_of(id),
                shards: shards.clone(),
            })
            .collect();
        Self {
            epoch: system.epoch,
            n_shards: system.n_shards,
            members,
        }
    }

    /// f = ⌊(n−1)/3⌋: the shards that may be faulty.
    pub fn max_faulty(&self) -> usize {
        usize::from(self.n_shards).saturating_sub(1) / 3
    }

    /// 2f+1: the shards whose nodes must confirm a blob before it can be certified.
    pub fn quorum_shards(&self) -> usize {
        2 * self.max_faulty() + 1
    }

    /// The committee index of the member holding `shard`.
    pub fn holder_of(&self, shard: u16) -> Option<usize> {
        self.members.iter().position(|m| m.shards.contains(&shard))
    }

    /// The shard holding sliver pair `pair` of `blob_id`: `(pair + r) mod n`, with `r` the
    /// blob ID read big-endian mod n.
    pub fn shard_for_pair(&self, blob_id: &BlobId, pair: usize) -> u16 {
        let shard = blob_id.shard_for_pair(pair, usize::from(self.n_shards));
        u16::try_from(shard).expect("a shard index is below n_shards, a u16")
    }

    /// Shards held by the members at `indices`.
    pub fn shards_of(&self, indices: &[u16]) -> usize {
        indices
            .iter()
            .filter_map(|i| self.members.get(usize::from(*i)))
            .map(|m| m.shards.len())
            .sum()
    }

    /// Whether the members at `indices` hold at least 2f+1 shards.
    pub fn is_quorum(&self, indices: &[u16]) -> bool {
        self.shards_of(indices) >= self.quorum_shards()
    }

    pub fn index_of(&self, node_id: Address) -> Option<usize> {
        self.members.iter().position(|m| m.node_id == node_id)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `members` nodes holding consecutive ranges of `n` shards.
    pub(crate) fn committee(n: u16, members: u16) -> Committee {
        let per = n / members;
        let members = (0..members)
            .map(|k| {
                let end = if k + 1 == members { n } else { (k + 1) * per };
                Member {
                    node_id: Address::new([k as u8 + 1; 32]),
                    shards: (k * per..end).collect(),
                }
            })
            .collect();
        Committee {
            epoch: 1,
            n_shards: n,
            members,
        }
    }

    #[test]
    fn quorum_and_shards() {
        let c = committee(10, 4);
        assert_eq!(c.max_faulty(), 3);
        assert_eq!(c.quorum_shards(), 7);
        // shards: [0,1], [2,3], [4,5], [6..10]
        assert!(c.is_quorum(&[1, 2, 3]));
        assert!(!c.is_quorum(&[0, 1, 2]));
        assert_eq!(c.holder_of(9), Some(3));
        assert_eq!(c.holder_of(10), None);
        let id = BlobId([0xff; 32]);
        let r = id.rotation(10);
        assert_eq!(usize::from(c.shard_for_pair(&id, 3)), (3 + r) % 10);
    }
}

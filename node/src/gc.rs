//! Garbage collection: what this node stores but no longer has to.
//!
//! - A blob whose storage ended (the latest end epoch of its `Blob` objects not deleted is at
//!   or before the current epoch: its last paid epoch is over) is removed whole.
//! - A blob every `Blob` object of which was deleted (`BlobDeleted` events for every object
//!   this node knows from uploads and certificates) is removed once the epoch of the last
//!   deletion has ended.
//! - The pair of a shard this node no longer holds is dropped once no committee member is
//!   waiting to sync that shard: its new holder signalled `epoch_sync_done`, or the epoch
//!   after the loss began (when nothing is pending any more).
//!
//! A removed blob leaves a tombstone ([`Store::collect`]), so its reads answer 404 naming why
//! ("Blob expired", expired at epoch N; "Blob deleted"). Removal frees the disk space at once
//! (the blob's directory is deleted).

use crate::peers::CommitteeView;
use crate::store::{BlobStatus, Gone, Store, StoreError};

/// What one collection pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    pub blobs_collected: usize,
    pub pairs_dropped: usize,
}

/// Collects at `epoch`. `view` is the committee of `epoch` (lost shards are dropped only with
/// one: without it, nothing tells whether a new holder still needs them).
pub fn collect(
    store: &Store,
    epoch: u64,
    view: Option<&CommitteeView>,
) -> Result<GcReport, StoreError> {
    let mut report = GcReport::default();
    let held = store.shards();
    for blob_id in store.blob_ids()? {
        let gone = match store.status(&blob_id, epoch)? {
            BlobStatus::Ended(gone @ Gone::Expired { .. }) => Some(gone),
            BlobStatus::Ended(gone @ Gone::Deleted { epoch: deleted }) if deleted < epoch => {
                Some(gone)
            }
            _ => None,
        };
        if let Some(gone) = gone {
            store.collect(&blob_id, gone)?;
            tracing::info!(blob = %blob_id, reason = %gone, "blob collected");
            report.blobs_collected += 1;
            continue;
        }
        let Some(view) = view.filter(|v| v.epoch == epoch) else {
            continue;
        };
        for shard in store.stored_shards(&blob_id)? {
            if !held.contains(&shard) && !view.is_pending(shard) {
                store.drop_pair(&blob_id, shard)?;
                tracing::debug!(blob = %blob_id, shard, "pair of a lost shard dropped");
                report.pairs_dropped += 1;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use floe_encoder::{EncodingConfig, SliverPair};
    use sui_sdk_types::Address;

    use super::*;
    use crate::peers::Member;
    use crate::store::{Registration, StoreError};

    fn pairs() -> (floe_encoder::BlobMetadata, Vec<SliverPair>) {
        let data: Vec<u8> = (0..3000u32).map(|i| (i % 199) as u8).collect();
        floe_encoder::encode(&EncodingConfig::new(4).unwrap(), &data).unwrap()
    }

    fn view(epoch: u64, pending: Vec<u16>) -> CommitteeView {
        CommitteeView {
            epoch,
            n_shards: 4,
            members: vec![Member {
                node_id: Address::new([1; 32]),
                url: "http://127.0.0.1:1".into(),
                public_key: vec![],
                shards: vec![0, 1, 2, 3],
                pending,
            }],
        }
    }

    #[test]
    fn expired_deleted_and_lost_data_goes_at_the_right_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let (metadata, pairs) = pairs();
        let id = metadata.blob_id();
        let object = Address::new([0xb0; 32]);
        let store = Store::open(dir.path(), [0, 1, 2, 3]).unwrap();
        store
            .put_metadata(
                &id,
                &metadata,
                Registration {
                    blob_object: object,
                    end_epoch: 3,
                },
            )
            .unwrap();
        for shard in 0..4u16 {
            let pair = &pairs[id.pair_for_shard(usize::from(shard), 4)];
            store.put_pair(&id, shard, pair, 1).unwrap();
        }
        store.record_certified(&id, object, 3).unwrap();
        // Shards 2 and 3 moved away; shard 3's new holder has not synced yet.
        store.set_shards([0, 1]);
        let report = collect(&store, 2, Some(&view(2, vec![3]))).unwrap();
        assert_eq!(
            report,
            GcReport {
                blobs_collected: 0,
                pairs_dropped: 1
            }
        );
        assert_eq!(store.stored_shards(&id).unwrap(), vec![0, 1, 3]);
        // Extended: still live at 3; a stale view (of epoch 2) drops nothing.
        store.record_extended(&id, object, 4).unwrap();
        assert_eq!(
            collect(&store, 3, Some(&view(2, vec![]))).unwrap(),
            GcReport::default()
        );
        // At its end epoch it goes, files and all, and reads say why.
        assert_eq!(collect(&store, 4, None).unwrap().blobs_collected, 1);
        assert!(store.blob_ids().unwrap().is_empty());
        let err = store.pair(&id, 0).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Gone {
                    gone: Gone::Expired { end_epoch: 4 },
                    ..
                }
            ),
            "{err}"
        );
        assert!(matches!(store.metadata(&id), Err(StoreError::Gone { .. })));

        // Deleted: collected once the deletion's epoch has ended.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), [0, 1, 2, 3]).unwrap();
        store
            .put_metadata(
                &id,
                &metadata,
                Registration {
                    blob_object: object,
                    end_epoch: 9,
                },
            )
            .unwrap();
        store.record_certified(&id, object, 9).unwrap();
        store.record_deleted(&id, object, 5).unwrap();
        assert_eq!(collect(&store, 5, None).unwrap().blobs_collected, 0);
        assert_eq!(collect(&store, 6, None).unwrap().blobs_collected, 1);
        assert!(matches!(
            store.metadata(&id),
            Err(StoreError::Gone {
                gone: Gone::Deleted { epoch: 5 },
                ..
            })
        ));
        // Stored again under a new registration: the tombstone goes.
        store
            .put_metadata(
                &id,
                &metadata,
                Registration {
                    blob_object: Address::new([0xb1; 32]),
                    end_epoch: 9,
                },
            )
            .unwrap();
        assert!(store.metadata(&id).is_ok());
    }
}

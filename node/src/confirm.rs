//! Storage confirmations: the BLS signature a node gives once it durably holds a blob's sliver
//! pairs for every shard it holds, which clients aggregate into `certify_blob`'s certificate.

use floe_encoder::BlobId;
use floe_sdk::bls::BlsKeyPair;

use crate::store::{Store, StoreError};

/// Why the node will not confirm (yet).
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error(
        "blob {blob_id} is not complete here: the pairs of shards {missing:?} are not stored yet"
    )]
    Incomplete { blob_id: BlobId, missing: Vec<u16> },
    #[error("this node holds no shards, so it has nothing to confirm")]
    NoShards,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Signs `[1,0,3] ‖ bcs(epoch) ‖ bcs(blob_id)` once every held shard's pair is stored, for a
/// blob whose on-chain registration covers `epoch`.
///
/// Signing earlier would let a client count this node's shards toward the quorum for slivers
/// it never received, which is exactly what challenges would later slash the node for; signing
/// for an unregistered or expired blob would certify storage nobody paid for. The registration
/// is the one checked on-chain when the metadata was accepted, not read again: a registration
/// deleted since cannot be certified, and any other `Blob` with this blob ID that the
/// signature could certify was paid for too.
pub fn confirm(
    store: &Store,
    key: &BlsKeyPair,
    epoch: u64,
    blob_id: &BlobId,
) -> Result<[u8; 96], ConfirmError> {
    if store.shards().is_empty() {
        return Err(ConfirmError::NoShards);
    }
    store.live_registration(blob_id, epoch)?;
    let missing = store.missing_shards(blob_id)?;
    if !missing.is_empty() {
        return Err(ConfirmError::Incomplete {
            blob_id: *blob_id,
            missing,
        });
    }
    Ok(key.sign_confirmation(epoch, &blob_id.0))
}

#[cfg(test)]
mod tests {
    use floe_encoder::EncodingConfig;
    use floe_sdk::bls;

    use super::*;
    use crate::store::Registration;

    #[test]
    fn signs_only_complete_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let (metadata, pairs) =
            floe_encoder::encode(&EncodingConfig::new(7).unwrap(), &[9u8; 700]).unwrap();
        let id = metadata.blob_id();
        let store = Store::open(dir.path(), [2, 4]).unwrap();
        let key = BlsKeyPair::from_seed(&[3; 32]).unwrap();
        // Nothing registered, nothing signed.
        assert!(matches!(
            confirm(&store, &key, 5, &id),
            Err(ConfirmError::Store(StoreError::NotRegistered(_)))
        ));
        let registration = Registration {
            blob_object: sui_sdk_types::Address::new([1; 32]),
            end_epoch: 6,
        };
        store.put_metadata(&id, &metadata, registration).unwrap();
        store
            .put_pair(&id, 2, &pairs[id.pair_for_shard(2, 7)], 5)
            .unwrap();
        match confirm(&store, &key, 5, &id) {
            Err(ConfirmError::Incomplete { missing, .. }) => assert_eq!(missing, vec![4]),
            other => panic!("expected Incomplete, got {other:?}"),
        }
        store
            .put_pair(&id, 4, &pairs[id.pair_for_shard(4, 7)], 5)
            .unwrap();
        // Complete, but not for an epoch the registration no longer covers.
        assert!(matches!(
            confirm(&store, &key, 6, &id),
            Err(ConfirmError::Store(StoreError::RegistrationEnded { .. }))
        ));
        let signature = confirm(&store, &key, 5, &id).unwrap();
        let message = bls::certification_message(5, &id.0);
        assert_eq!(&message[..3], &[1, 0, 3]);
        assert_eq!(&message[3..11], &5u64.to_le_bytes());
        bls::verify(&key.public_key(), &message, &signature).unwrap();
    }
}

//! Only paid-for storage: a node stores a blob's metadata only when the client names the
//! `floe::blob::Blob` object that registered the blob on-chain (`blob::register_blob`, which
//! takes the storage and write fees), and that object, read from the chain, registers exactly
//! this blob and has not expired. Slivers are accepted, and confirmations signed, only for
//! blobs whose metadata was accepted this way and whose registration still covers the node's
//! epoch (the store keeps the registration beside the metadata, so this survives restarts).
//! Without the rule anyone could keep data on the nodes, and obtain the confirmations that
//! certify it, without paying.
//!
//! # What an attacker tries, and why it fails
//!
//! | attempt | refused because |
//! |---|---|
//! | no `Blob` object named | [`Refused::Missing`]: nothing was paid |
//! | someone else's `Blob` object, other bytes | its blob ID differs ([`Refused::WrongBlob`]); the blob ID commits to the bytes |
//! | an expired `Blob` (or a replayed request naming one) | its storage ended ([`Refused::Expired`]) |
//! | a look-alike `Blob` of another package | its type is not the floe package's, by original ID ([`LookupError::WrongType`]) |
//! | a deleted (or never created) object | the chain does not have it ([`LookupError::NotFound`]) |
//! | a `Blob` with too little storage for the encoding sent | [`Refused::StorageTooSmall`] |
//!
//! Naming another owner's `Blob` for the *same* bytes is accepted: that blob is paid for, and
//! the node stores it once whoever sends it.

use floe_encoder::{BlobId, BlobMetadata, EncodingConfig};
use futures::future::BoxFuture;
use sui_sdk_types::Address;

/// The request header (on `PUT /v1/blobs/{blob_id}/metadata`) naming the `Blob` object.
pub const BLOB_OBJECT_HEADER: &str = "x-floe-blob-object";

/// What the node reads of a `floe::blob::Blob` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRecord {
    pub object_id: Address,
    pub blob_id: BlobId,
    /// Unencoded size in bytes.
    pub size: u64,
    pub encoding_type: u8,
    pub registered_epoch: u64,
    pub certified_epoch: Option<u64>,
    /// The first epoch the blob's storage no longer covers.
    pub end_epoch: u64,
    /// Encoded bytes the storage pays for.
    pub storage_size: u64,
}

/// Why a `Blob` object could not be read (the same error as a credential's lookup).
pub use crate::lookup::LookupError;

/// Reads `Blob` objects (from the chain; tests answer from a map).
pub trait RegistrationLookup: Send + Sync {
    /// The `Blob` object `id` as the chain has it now.
    fn blob(&self, id: Address) -> BoxFuture<'_, Result<BlobRecord, LookupError>>;
}

/// Why the node will not store a blob's metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "blob {0} is not registered with this node: register it on-chain first \
         (blob::register_blob pays for its storage) and name its Blob object in the \
         {BLOB_OBJECT_HEADER} header"
    )]
    Missing(BlobId),
    #[error("{BLOB_OBJECT_HEADER} must be a Blob object ID (0x…): {0}")]
    Malformed(String),
    #[error("{0}; register the blob on-chain and name its Blob object")]
    Lookup(LookupError),
    #[error(
        "Blob object {object} registers blob {registered}, not {blob_id}: register these bytes \
         yourself and name that Blob object"
    )]
    WrongBlob {
        object: Address,
        registered: BlobId,
        blob_id: BlobId,
    },
    #[error(
        "Blob object {object} registers {registered_size} bytes of encoding type \
         {registered_encoding}, but the metadata is for {size} bytes of encoding type {encoding}"
    )]
    WrongShape {
        object: Address,
        registered_size: u64,
        registered_encoding: u8,
        size: u64,
        encoding: u8,
    },
    #[error(
        "Blob object {object} pays for {storage_size} encoded bytes, but the metadata's encoding \
         takes {needed}: register the blob with enough storage"
    )]
    StorageTooSmall {
        object: Address,
        storage_size: u64,
        needed: u64,
    },
    #[error(
        "Blob object {object}'s storage ended at epoch {end_epoch} and the current epoch is \
         {epoch}: extend the blob or register it again, and name a Blob object that covers the \
         current epoch"
    )]
    Expired {
        object: Address,
        end_epoch: u64,
        epoch: u64,
    },
    #[error("this node has no chain connection to check registrations, so it stores no new blobs")]
    NoChain,
}

/// The `Blob` object named in `header`, the value of [`BLOB_OBJECT_HEADER`] if sent.
pub fn blob_object(blob_id: &BlobId, header: Option<&[u8]>) -> Result<Address, Refused> {
    let text = header.ok_or(Refused::Missing(*blob_id))?;
    let text = std::str::from_utf8(text).map_err(|_| Refused::Malformed("not text".into()))?;
    text.trim()
        .parse()
        .map_err(|e| Refused::Malformed(format!("{text:?}: {e}")))
}

/// What of [`check`] needs no metadata: that `record` registers `blob_id` and covers `epoch`.
/// Checked before a metadata body is read, so that naming someone else's or an expired `Blob`
/// object gets the uploader no share of the node's upload budget.
pub fn check_object(record: &BlobRecord, blob_id: &BlobId, epoch: u64) -> Result<(), Refused> {
    let object = record.object_id;
    if record.blob_id != *blob_id {
        return Err(Refused::WrongBlob {
            object,
            registered: record.blob_id,
            blob_id: *blob_id,
        });
    }
    let current = epoch
        .max(record.registered_epoch)
        .max(record.certified_epoch.unwrap_or(0));
    if record.end_epoch <= current {
        return Err(Refused::Expired {
            object,
            end_epoch: record.end_epoch,
            epoch: current,
        });
    }
    Ok(())
}

/// Checks that `record` (the `Blob` object read from the chain) registers the blob `metadata`
/// describes and covers `epoch`, the node's current epoch.
///
/// The epoch compared against is the latest the chain is known to have reached: the node's
/// (followed from the `System` object, so it may lag an epoch change briefly) or the epoch the
/// blob was registered or certified in, whichever is later.
pub fn check(
    record: &BlobRecord,
    blob_id: &BlobId,
    metadata: &BlobMetadata,
    epoch: u64,
) -> Result<(), Refused> {
    check_object(record, blob_id, epoch)?;
    let object = record.object_id;
    // Implied by the blob ID (it hashes both) once the metadata verifies against it; checked
    // anyway so that a mismatch says what differs.
    if record.size != metadata.unencoded_length || record.encoding_type != metadata.encoding_type {
        return Err(Refused::WrongShape {
            object,
            registered_size: record.size,
            registered_encoding: record.encoding_type,
            size: metadata.unencoded_length,
            encoding: metadata.encoding_type,
        });
    }
    // `register_blob` checks the storage against the system's shard count; the metadata
    // could be for another one, so the node checks against the encoding it is asked to keep.
    // Metadata that names no valid encoding needs no payment check: the store refuses it.
    let needed = EncodingConfig::new(metadata.n_shards())
        .ok()
        .and_then(|config| config.encoded_size(record.size).ok());
    if let Some(needed) = needed
        && record.storage_size < needed
    {
        return Err(Refused::StorageTooSmall {
            object,
            storage_size: record.storage_size,
            needed,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob() -> BlobMetadata {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 11 % 256) as u8).collect();
        floe_encoder::encode(&EncodingConfig::new(7).unwrap(), &data)
            .unwrap()
            .0
    }

    fn record(metadata: &BlobMetadata) -> BlobRecord {
        BlobRecord {
            object_id: Address::new([0xb0; 32]),
            blob_id: metadata.blob_id(),
            size: metadata.unencoded_length,
            encoding_type: metadata.encoding_type,
            registered_epoch: 3,
            certified_epoch: None,
            end_epoch: 5,
            storage_size: EncodingConfig::new(7)
                .unwrap()
                .encoded_size(metadata.unencoded_length)
                .unwrap(),
        }
    }

    #[test]
    fn a_matching_live_registration_passes() {
        let metadata = blob();
        let id = metadata.blob_id();
        check(&record(&metadata), &id, &metadata, 4).unwrap();
        // The node lagging an epoch change behind the registration is no reason to refuse.
        check(&record(&metadata), &id, &metadata, 2).unwrap();
    }

    #[test]
    fn another_blobs_registration_is_refused() {
        let metadata = blob();
        let other = floe_encoder::encode(&EncodingConfig::new(7).unwrap(), &[1u8; 100])
            .unwrap()
            .0;
        // The attacker names a paid-for Blob of someone else's bytes for their own.
        let err = check(&record(&metadata), &other.blob_id(), &other, 4).unwrap_err();
        assert!(matches!(err, Refused::WrongBlob { .. }), "{err}");
        assert!(err.to_string().contains("register these bytes yourself"));
    }

    #[test]
    fn expired_registrations_are_refused() {
        let metadata = blob();
        let id = metadata.blob_id();
        let err = check(&record(&metadata), &id, &metadata, 5).unwrap_err();
        assert_eq!(
            err,
            Refused::Expired {
                object: Address::new([0xb0; 32]),
                end_epoch: 5,
                epoch: 5
            }
        );
        // A node lagging behind the chain does not revive a blob the chain saw end: the
        // certification epoch is a lower bound of the chain's.
        let mut certified = record(&metadata);
        certified.certified_epoch = Some(5);
        let err = check(&certified, &id, &metadata, 4).unwrap_err();
        assert!(matches!(err, Refused::Expired { epoch: 5, .. }), "{err}");
    }

    #[test]
    fn shape_and_storage_must_match_the_metadata() {
        let metadata = blob();
        let id = metadata.blob_id();
        let mut wrong_size = record(&metadata);
        wrong_size.size += 1;
        let err = check(&wrong_size, &id, &metadata, 4).unwrap_err();
        assert!(matches!(err, Refused::WrongShape { .. }), "{err}");
        let mut small = record(&metadata);
        small.storage_size -= 1;
        let err = check(&small, &id, &metadata, 4).unwrap_err();
        assert!(matches!(err, Refused::StorageTooSmall { .. }), "{err}");
    }

    #[test]
    fn the_header_names_an_object() {
        let id = blob().blob_id();
        assert_eq!(blob_object(&id, None), Err(Refused::Missing(id)));
        assert!(matches!(
            blob_object(&id, Some(b"nope")),
            Err(Refused::Malformed(_))
        ));
        assert_eq!(
            blob_object(&id, Some(b"0x7")),
            Ok(Address::from_static("0x7"))
        );
    }
}

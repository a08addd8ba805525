//! What the node reads from the chain: `Blob` objects, to store only registered blobs;
//! `License` objects (or the model owner's `ModelCap`) for the license gate; and its own epoch
//! and shards from the `System` object.

use floe_encoder::BlobId;
use floe_sdk::FloeClient;
use floe_sdk::committee::Committee;
use floe_sdk::move_types::license::{License, UseReceipt};
use floe_sdk::move_types::{self, blob::Blob, model::ModelCap, system::System};
use futures::future::BoxFuture;
use sui_sdk_types::{Address, Object, Owner};

use crate::license_gate::{Credential, LicenseLookup, LicenseRecord, ReceiptRecord};
use crate::lookup::LookupError;
use crate::registration::{BlobRecord, RegistrationLookup};

/// Why a chain read failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Client(#[from] floe_sdk::ClientError),
    #[error("object {id} is not a {expected}: {reason}")]
    WrongObject {
        id: Address,
        expected: &'static str,
        reason: String,
    },
}

/// The contents of `object` as `T`, after checking its type is `package::module::name` (so a
/// look-alike object of another package cannot pass for a `License`).
fn decode<T: serde::de::DeserializeOwned>(
    object: &Object,
    package: Address,
    module: &str,
    name: &'static str,
) -> Result<T, ChainError> {
    let id = object.object_id();
    let wrong = |reason: String| ChainError::WrongObject {
        id,
        expected: name,
        reason,
    };
    let data = object
        .as_struct()
        .ok_or_else(|| wrong("it is a package".to_owned()))?;
    let tag = data.object_type();
    if *tag.address() != package || tag.module().as_str() != module || tag.name().as_str() != name {
        return Err(wrong(format!("its type is {tag}")));
    }
    bcs::from_bytes(data.contents()).map_err(|e| wrong(e.to_string()))
}

/// A `License` object as the gate sees it; or a `ModelCap`, which lets the model's owner read
/// their own model for as long as they hold the cap, without buying a license from themselves.
pub fn license_record(object: &Object, package: Address) -> Result<LicenseRecord, ChainError> {
    let owner = match object.owner() {
        Owner::Address(address) => Some(*address),
        _ => None,
    };
    let is_cap = object.as_struct().is_some_and(|data| {
        let tag = data.object_type();
        *tag.address() == package
            && tag.module().as_str() == "model"
            && tag.name().as_str() == "ModelCap"
    });
    if is_cap {
        let cap: ModelCap = decode(object, package, "model", "ModelCap")?;
        return Ok(LicenseRecord {
            owner,
            model_id: move_types::address_of(&cap.model_id),
            expires_at_ms: u64::MAX,
            use_limited: false,
            uses_left: 0,
        });
    }
    let license: License = decode(object, package, "license", "License")?;
    Ok(LicenseRecord {
        owner,
        model_id: move_types::address_of(&license.model_id),
        expires_at_ms: license.expires_at_ms,
        use_limited: license.use_limited,
        uses_left: license.uses_left,
    })
}

/// A credential object as the gate sees it: a `license::UseReceipt` (one use consumed
/// on-chain), or a `License` / `ModelCap` as [`license_record`] reads it. The type is checked
/// against the floe package, so a look-alike receipt of another package proves nothing.
pub fn credential_record(object: &Object, package: Address) -> Result<Credential, ChainError> {
    let is_receipt = object.as_struct().is_some_and(|data| {
        let tag = data.object_type();
        *tag.address() == package
            && tag.module().as_str() == "license"
            && tag.name().as_str() == "UseReceipt"
    });
    if !is_receipt {
        return license_record(object, package).map(Credential::License);
    }
    let receipt: UseReceipt = decode(object, package, "license", "UseReceipt")?;
    let owner = match object.owner() {
        Owner::Address(address) => Some(*address),
        _ => None,
    };
    Ok(Credential::Receipt(ReceiptRecord {
        owner,
        license_id: move_types::address_of(&receipt.license_id),
        model_id: move_types::address_of(&receipt.model_id),
        consumer: Address::new(receipt.consumer.into_inner()),
        expires_at_ms: receipt.expires_at_ms,
    }))
}

/// A `Blob` object as the registration check sees it. Its type must be the floe package's
/// `blob::Blob` (by the package's original ID), so a look-alike `Blob` of another package,
/// which anyone can publish and fill with any blob ID, registers nothing.
pub fn blob_record(object: &Object, package: Address) -> Result<BlobRecord, ChainError> {
    let blob: Blob = decode(object, package, "blob", "Blob")?;
    Ok(BlobRecord {
        object_id: object.object_id(),
        blob_id: BlobId(blob.blob_id.to_le_bytes()),
        size: blob.size,
        encoding_type: blob.encoding_type,
        registered_epoch: blob.registered_epoch,
        certified_epoch: blob.certified_epoch,
        end_epoch: blob.storage.end_epoch,
        storage_size: blob.storage.storage_size,
    })
}

/// Reads `Blob` objects through a `sui.rpc.v2` endpoint.
#[derive(Clone)]
pub struct ChainRegistrations {
    pub client: FloeClient,
    /// The floe package's original ID, which its types carry.
    pub package: Address,
}

impl RegistrationLookup for ChainRegistrations {
    fn blob(&self, id: Address) -> BoxFuture<'_, Result<BlobRecord, LookupError>> {
        let mut client = self.client.clone();
        Box::pin(async move {
            let object = client.object(id).await.map_err(LookupError::read)?;
            blob_record(&object, self.package).map_err(|e| lookup_decode(e, "a floe::blob::Blob"))
        })
    }
}

/// Reads licenses through a `sui.rpc.v2` endpoint.
#[derive(Clone)]
pub struct ChainLicenses {
    pub client: FloeClient,
    /// The floe package's original ID, which its types carry.
    pub package: Address,
}

impl LicenseLookup for ChainLicenses {
    fn license(&self, id: Address) -> BoxFuture<'_, Result<LicenseRecord, LookupError>> {
        let mut client = self.client.clone();
        Box::pin(async move {
            let object = client.object(id).await.map_err(LookupError::read)?;
            license_record(&object, self.package).map_err(credential_decode)
        })
    }

    fn credential(&self, id: Address) -> BoxFuture<'_, Result<Credential, LookupError>> {
        let mut client = self.client.clone();
        Box::pin(async move {
            let object = client.object(id).await.map_err(LookupError::read)?;
            credential_record(&object, self.package).map_err(credential_decode)
        })
    }
}

/// A credential that does not decode: an object of another type is the reader's doing.
fn credential_decode(e: ChainError) -> LookupError {
    lookup_decode(e, "a License, ModelCap or UseReceipt of this package")
}

/// An object that does not decode as `expected`: another type is the requester's doing, the
/// rest the chain's.
fn lookup_decode(e: ChainError, expected: &'static str) -> LookupError {
    match e {
        ChainError::WrongObject { id, reason, .. } => LookupError::WrongType {
            id,
            expected,
            reason,
        },
        e => LookupError::Unavailable(e.to_string()),
    }
}

/// The `System` object as it is now.
pub async fn read_system(
    client: &mut FloeClient,
    system_id: Address,
    package: Address,
) -> Result<System, ChainError> {
    let object = client.object(system_id).await?;
    decode(&object, package, "system", "System")
}

/// The current epoch and the shards `node_id` holds in it.
pub async fn epoch_and_shards(
    client: &mut FloeClient,
    system_id: Address,
    package: Address,
    node_id: Address,
) -> Result<(u64, Vec<u16>), ChainError> {
    let object = client.object(system_id).await?;
    let system: System = decode(&object, package, "system", "System")?;
    let committee = Committee::from_system(&system);
    let shards = committee
        .members
        .iter()
        .find(|m| m.node_id == node_id)
        .map(|m| m.shards.clone())
        .unwrap_or_default();
    Ok((committee.epoch, shards))
}

#[cfg(test)]
mod tests {
    use sui_sdk_types::{Digest, Identifier, MoveStruct, ObjectData, StructTag};

    use super::*;

    const FLOE: Address = Address::new([0xf1; 32]);

    /// An object of type `package::module::name` whose contents claim to be a `Blob` (its ID,
    /// then bytes: the type check must refuse it before any decoding).
    fn object_of_type(package: Address, module: &str, name: &str) -> Object {
        let tag = StructTag::new(
            package,
            Identifier::new(module).unwrap(),
            Identifier::new(name).unwrap(),
            vec![],
        );
        let mut contents = vec![0xb0; 32];
        contents.extend_from_slice(&[1; 200]);
        let data = MoveStruct::new(tag, true, 4, contents).unwrap();
        Object::new(
            ObjectData::Struct(data),
            Owner::Address(Address::new([1; 32])),
            Digest::new([0; 32]),
            0,
        )
    }

    /// Anyone can publish a package with a `blob::Blob` of the same layout and mint one for
    /// any blob ID, paying nothing: it must not pass for a registration. (A real floe `Blob`
    /// is read on the devnet, in `tests/devnet.rs`.)
    #[test]
    fn a_look_alike_blob_of_another_package_is_refused() {
        let other = Address::new([0x66; 32]);
        for object in [
            object_of_type(other, "blob", "Blob"),
            object_of_type(FLOE, "blob", "Storage"),
            object_of_type(FLOE, "fake", "Blob"),
        ] {
            let err = blob_record(&object, FLOE).unwrap_err();
            assert!(
                matches!(err, ChainError::WrongObject { expected: "Blob", ref reason, .. }
                    if reason.starts_with("its type is")),
                "{err}"
            );
        }
        // The same bytes under the floe package's own type are decoded (and, being garbage,
        // refused as such): the type is what decided above.
        let err = blob_record(&object_of_type(FLOE, "blob", "Blob"), FLOE).unwrap_err();
        assert!(
            matches!(err, ChainError::WrongObject { ref reason, .. } if !reason.starts_with("its type is")),
            "{err}"
        );
    }
}

#[cfg(test)]
mod credential_tests {
    use sui_sdk_types::{Digest, Identifier, MoveStruct, ObjectData, StructTag};

    use super::*;

    const FLOE: Address = Address::new([0xf1; 32]);
    const READER: Address = Address::new([0x0b; 32]);

    fn object(package: Address, module: &str, name: &str, contents: Vec<u8>) -> Object {
        let tag = StructTag::new(
            package,
            Identifier::new(module).unwrap(),
            Identifier::new(name).unwrap(),
            vec![],
        );
        let data = MoveStruct::new(tag, true, 4, contents).unwrap();
        Object::new(
            ObjectData::Struct(data),
            Owner::Address(READER),
            Digest::new([0; 32]),
            0,
        )
    }

    fn receipt_bytes() -> Vec<u8> {
        let receipt = UseReceipt::new(
            move_types::uid(Address::new([0x2e; 32])),
            move_types::id(Address::new([0x11; 32])),
            move_types::id(Address::new([0x77; 32])),
            move_types::id(READER).bytes,
            1_000,
            601_000,
        );
        bcs::to_bytes(&receipt).unwrap()
    }

    #[test]
    fn a_floe_use_receipt_is_read_as_a_receipt() {
        let credential = credential_record(
            &object(FLOE, "license", "UseReceipt", receipt_bytes()),
            FLOE,
        )
        .unwrap();
        assert_eq!(
            credential,
            Credential::Receipt(ReceiptRecord {
                owner: Some(READER),
                license_id: Address::new([0x11; 32]),
                model_id: Address::new([0x77; 32]),
                consumer: READER,
                expires_at_ms: 601_000,
            })
        );
    }

    /// Anyone can publish a package with a `license::UseReceipt` of the same layout and mint
    /// one for any model: it must not pass for a consumed use.
    #[test]
    fn a_look_alike_receipt_of_another_package_is_refused() {
        let other = Address::new([0x66; 32]);
        let err = credential_record(
            &object(other, "license", "UseReceipt", receipt_bytes()),
            FLOE,
        )
        .unwrap_err();
        assert!(matches!(err, ChainError::WrongObject { .. }), "{err}");
    }

    #[test]
    fn a_license_is_read_as_a_license() {
        let license = License::new(
            move_types::uid(Address::new([0x11; 32])),
            move_types::id(Address::new([0x77; 32])),
            move_types::id(Address::new([0x0f; 32])),
            move_types::id(READER).bytes,
            5_000,
            true,
            2,
        );
        let credential = credential_record(
            &object(FLOE, "license", "License", bcs::to_bytes(&license).unwrap()),
            FLOE,
        )
        .unwrap();
        let Credential::License(record) = credential else {
            panic!("a License is read as a license: {credential:?}");
        };
        assert_eq!((record.use_limited, record.uses_left), (true, 2));
        assert_eq!(record.owner, Some(READER));
    }
}

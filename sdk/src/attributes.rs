//! Blob attributes (`blob::set_attribute` and friends): key-value pairs such as a content type
//! or a file name kept on a `Blob` object, which aggregators serve as HTTP headers.
//!
//! Several changes go in one transaction, so a file's attributes change together. Reading
//! needs no gas: the pairs live in one dynamic field of the blob object, found by its derived
//! ID.

use sui_sdk_types::{Address, Digest, ObjectReference, TypeTag};
use sui_transaction_builder::{ObjectInput, TransactionBuilder};

use crate::calls;
use crate::client::ClientError;
use crate::flows::{Floe, FlowError};
use crate::move_types::{self, MoveString};

/// Most attributes a blob can carry (`blob.move`'s `MAX_ATTRIBUTES`).
pub const MAX_ATTRIBUTES: usize = 64;
/// Longest attribute key in bytes.
pub const MAX_KEY_BYTES: usize = 128;
/// Longest attribute value in bytes.
pub const MAX_VALUE_BYTES: usize = 1_024;

/// One change to a blob's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeChange {
    /// Add the key, or replace its value.
    Set { key: String, value: String },
    /// Remove the key (the transaction aborts `EAttributeNotFound` if it is not there).
    Remove { key: String },
    /// Remove every attribute.
    Clear,
}

impl Floe {
    /// Applies `changes` to the attributes of `blob_object` (owned by the sender) in one
    /// transaction, in order; the transaction's digest.
    pub async fn change_blob_attributes(
        &mut self,
        blob_object: Address,
        changes: &[AttributeChange],
    ) -> Result<Digest, FlowError> {
        let blob = self.blob_object(blob_object).await?;
        let mut builder = TransactionBuilder::new();
        let reference: &ObjectReference = &blob.object;
        let blob = builder.object(ObjectInput::owned(
            *reference.object_id(),
            reference.version(),
            *reference.digest(),
        ));
        for change in changes {
            match change {
                AttributeChange::Set { key, value } => {
                    calls::blob::set_attribute(&mut builder, &self.objects, blob, key, value);
                }
                AttributeChange::Remove { key } => {
                    calls::blob::remove_attribute(&mut builder, &self.objects, blob, key);
                }
                AttributeChange::Clear => {
                    calls::blob::clear_attributes(&mut builder, &self.objects, blob);
                }
            }
        }
        Ok(self.execute(builder).await?.digest)
    }

    /// The attributes of `blob_object` (anyone's), in the order they were set; empty when it
    /// has none.
    pub async fn blob_attributes(
        &mut self,
        blob_object: Address,
    ) -> Result<Vec<(String, String)>, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field<K, V> {
            _id: move_types::UID,
            _name: K,
            value: V,
        }
        let key_type = TypeTag::Struct(Box::new(move_types::struct_tag(
            self.objects.original_package,
            "blob",
            "AttributesKey",
            vec![],
        )));
        let key = bcs::to_bytes(&move_types::blob::AttributesKey::new())
            .expect("an empty struct always serializes");
        let field = blob_object.derive_dynamic_child_id(&key_type, &key);
        let attributes: Field<move_types::blob::AttributesKey, move_types::blob::Attributes> =
            match self
                .read_object(field, "dynamic_field::Field<AttributesKey, Attributes>")
                .await
            {
                Ok(field) => field,
                Err(FlowError::Client(
                    ClientError::ObjectNotFound(_) | ClientError::NotFound(_),
                )) => return Ok(Vec::new()),
                Err(e) => return Err(e),
            };
        Ok(attributes
            .value
            .pairs
            .contents
            .into_iter()
            .map(|entry| (text(entry.key), text(entry.value)))
            .collect())
    }
}

/// A Move `String` (UTF-8 checked on-chain) as Rust's.
fn text(value: MoveString) -> String {
    String::from_utf8_lossy(&value.bytes).into_owned()
}

/// Checks one change against the on-chain limits, so a bad key fails before any gas is spent,
/// with the limit named.
pub fn check_change(change: &AttributeChange) -> Result<(), String> {
    if let AttributeChange::Set { key, value } = change {
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            return Err(format!(
                "attribute key {key:?} has {} bytes; keys have 1 to {MAX_KEY_BYTES}",
                key.len()
            ));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(format!(
                "the value of {key:?} has {} bytes; values have at most {MAX_VALUE_BYTES}",
                value.len()
            ));
        }
    }
    Ok(())
}

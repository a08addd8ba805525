//! Using a license: one use consumed on-chain, for a `UseReceipt` the storage nodes (and Seal
//! key servers, through `license::seal_approve_receipt`) accept.
//!
//! A use-limited license never opens a model by itself: each use is consumed with
//! `license::consume` first, which takes one use and returns a receipt naming the consumer,
//! valid for a short read session (`RECEIPT_TTL_MS`, 10 minutes, at most until the license
//! expires). Reading then names the receipt instead of the license.

use sui_sdk_types::{Address, Owner};
use sui_transaction_builder::{ObjectInput, TransactionBuilder};

use crate::flows::{Floe, FlowError};
use crate::move_types::{events, license::UseReceipt};
use crate::{ExecutedTransaction, calls};

/// One use consumed by [`Floe::consume_use`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumedUse {
    /// The `UseReceipt`, owned by the sender.
    pub receipt: Address,
    /// The license's uses left after this one (0 and meaningless for unlimited licenses).
    pub uses_left: u64,
    /// When the receipt stops being accepted (ms since the Unix epoch, chain clock).
    pub expires_at_ms: u64,
}

impl Floe {
    /// Consumes one use of `license` (owned by the sender) in one transaction and keeps the
    /// `UseReceipt` it returns; returns the receipt's object ID and what is left. Fails with the
    /// chain's abort `license::ENoUsesLeft` when no use is left, `license::ELicenseExpired`
    /// when the license has expired.
    pub async fn consume_use(&mut self, license: Address) -> Result<ConsumedUse, FlowError> {
        let object = self.client.object(license).await?;
        let input = ObjectInput::owned(license, object.version(), object.digest());
        let mut builder = TransactionBuilder::new();
        let license_arg = builder.object(input);
        let receipt = calls::license::consume(&mut builder, &self.objects, license_arg);
        let me = builder.pure(&self.sender());
        builder.transfer_objects(vec![receipt], me);
        let executed = self.execute(builder).await?;
        let consumed: events::LicenseConsumed = consumed_event(&executed)?;
        let receipt = receipt_created(&executed, self.sender())?;
        let held: UseReceipt = self.use_receipt(receipt).await?;
        Ok(ConsumedUse {
            receipt,
            uses_left: consumed.uses_left,
            expires_at_ms: held.expires_at_ms,
        })
    }

    /// A `UseReceipt` object's contents.
    pub async fn use_receipt(&mut self, id: Address) -> Result<UseReceipt, FlowError> {
        self.read_object(id, "license::UseReceipt").await
    }
}

/// The `LicenseConsumed` event of a `consume` transaction.
fn consumed_event(executed: &ExecutedTransaction) -> Result<events::LicenseConsumed, FlowError> {
    const NAME: &str = "LicenseConsumed";
    let found = executed
        .events
        .iter()
        .find(|e| e.type_.module().as_str() == "events" && e.type_.name().as_str() == NAME)
        .ok_or(FlowError::MissingEvent {
            event: NAME,
            digest: executed.digest,
        })?;
    bcs::from_bytes(&found.contents).map_err(|e| FlowError::BadEvent {
        event: NAME,
        digest: executed.digest,
        message: e.to_string(),
    })
}

/// The one object a `consume` transaction created for `owner`: the receipt (the gas coin is
/// mutated, not created, and nothing else is created).
fn receipt_created(executed: &ExecutedTransaction, owner: Address) -> Result<Address, FlowError> {
    let mut created = executed
        .created()
        .into_iter()
        .filter(|c| c.owner == Owner::Address(owner))
        .map(|c| *c.reference.object_id());
    match (created.next(), created.next()) {
        (Some(id), None) => Ok(id),
        _ => Err(FlowError::BadObject {
            id: owner,
            expected: "the one UseReceipt a consume transaction creates",
            message: format!(
                "transaction {} did not create exactly one object for the sender",
                executed.digest
            ),
        }),
    }
}

//! Shared, funded blobs (`floe::shared_blob`): share a certified permanent `Blob` the sender
//! owns, add WAL to a shared blob's funds, extend it out of those funds, read one.
//!
//! Sharing is one-way: the `Blob` is wrapped for good, so no one (its former owner included)
//! can delete it, take it back or change its attributes, and the funds leave only as storage
//! fees for the epochs an extension adds. Anyone may fund and anyone may extend.

use sui_sdk_types::Address;
use sui_transaction_builder::TransactionBuilder;

use crate::calls::{self, SharedObject};
use crate::flows::{Floe, FlowError, event, extension_price, owned};
use crate::move_types::{self, events, shared_blob::SharedBlob, system::System};
use floe_encoder::BlobId;

/// A shared blob created by [`Floe::share_blob`].
#[derive(Debug, Clone, Copy)]
pub struct SharedBlobCreated {
    /// The shared `SharedBlob`.
    pub shared_blob: Address,
    pub blob_id: BlobId,
    pub end_epoch: u64,
    /// WAL base units in its funds.
    pub funds: u64,
    pub digest: sui_sdk_types::Digest,
}

/// What [`Floe::fund_shared_blob`] did.
#[derive(Debug, Clone, Copy)]
pub struct SharedBlobFunded {
    /// WAL base units added.
    pub amount: u64,
    /// WAL base units in the funds now.
    pub funds: u64,
    pub digest: sui_sdk_types::Digest,
}

/// What [`Floe::extend_shared_blob`] did.
#[derive(Debug, Clone, Copy)]
pub struct SharedBlobExtended {
    pub old_end_epoch: u64,
    pub new_end_epoch: u64,
    /// WAL base units paid out of the funds.
    pub price: u64,
    /// WAL base units left in the funds.
    pub funds: u64,
    pub digest: sui_sdk_types::Digest,
}

/// A `SharedBlob` as read from the chain.
#[derive(Debug, Clone)]
pub struct SharedBlobView {
    pub object: SharedObject,
    pub shared: SharedBlob,
}

impl SharedBlobView {
    pub fn blob_id(&self) -> BlobId {
        BlobId(self.shared.blob.blob_id.to_le_bytes())
    }

    /// The first epoch the wrapped blob's storage no longer covers.
    pub fn end_epoch(&self) -> u64 {
        self.shared.blob.storage.end_epoch
    }

    /// WAL base units left to pay for extensions.
    pub fn funds(&self) -> u64 {
        self.shared.funds.value
    }

    /// What extending by `extra_epochs` costs at `system`'s current price.
    pub fn extension_price(&self, system: &System, extra_epochs: u64) -> Result<u64, FlowError> {
        extension_price(
            self.shared.blob.storage.storage_size,
            system.storage_price_per_mib_epoch,
            extra_epochs,
        )
    }
}

impl Floe {
    /// Shares `blob_object` (a certified, permanent `Blob` the sender owns) as a `SharedBlob`
    /// holding `funds` WAL base units of the sender's (`shared_blob::new_funded`, or `new`
    /// for 0). The blob is wrapped for good.
    pub async fn share_blob(
        &mut self,
        blob_object: Address,
        funds: u64,
    ) -> Result<SharedBlobCreated, FlowError> {
        let blob = self.blob_object(blob_object).await?;
        let mut builder = TransactionBuilder::new();
        let blob = builder.object(owned(&blob.object));
        if funds == 0 {
            calls::shared_blob::new(&mut builder, &self.objects, blob);
        } else {
            // The split coin goes into the shared blob whole; the source keeps the change.
            let (_source, coin) = self.exact_payment(&mut builder, funds).await?;
            calls::shared_blob::new_funded(&mut builder, &self.objects, blob, coin);
        }
        let executed = self.execute(builder).await?;
        let created: events::SharedBlobCreated = event(&executed, "SharedBlobCreated")?;
        Ok(SharedBlobCreated {
            shared_blob: move_types::address_of(&created.shared_blob_id),
            blob_id: BlobId(created.blob_id.to_le_bytes()),
            end_epoch: created.end_epoch,
            funds: created.funds,
            digest: executed.digest,
        })
    }

    /// Adds `amount` WAL base units of the sender's to a shared blob's funds
    /// (`shared_blob::fund`). Nothing is ever paid back.
    pub async fn fund_shared_blob(
        &mut self,
        shared_blob: Address,
        amount: u64,
    ) -> Result<SharedBlobFunded, FlowError> {
        let shared = SharedObject::resolve(&mut self.client, shared_blob).await?;
        let mut builder = TransactionBuilder::new();
        let (_source, coin) = self.exact_payment(&mut builder, amount).await?;
        calls::shared_blob::fund(&mut builder, &self.objects, shared, coin);
        let executed = self.execute(builder).await?;
        let funded: events::SharedBlobFunded = event(&executed, "SharedBlobFunded")?;
        Ok(SharedBlobFunded {
            amount: funded.amount,
            funds: funded.funds,
            digest: executed.digest,
        })
    }

    /// Extends a shared blob by `extra_epochs`, paid out of its funds at the current price
    /// (`shared_blob::extend`); the sender pays only gas. Aborts `EInsufficientFunds` when the
    /// funds hold less than the price.
    pub async fn extend_shared_blob(
        &mut self,
        shared_blob: Address,
        extra_epochs: u64,
    ) -> Result<SharedBlobExtended, FlowError> {
        let shared = SharedObject::resolve(&mut self.client, shared_blob).await?;
        let mut builder = TransactionBuilder::new();
        calls::shared_blob::extend(&mut builder, &self.objects, shared, extra_epochs);
        let executed = self.execute(builder).await?;
        let extended: events::SharedBlobExtended = event(&executed, "SharedBlobExtended")?;
        Ok(SharedBlobExtended {
            old_end_epoch: extended.old_end_epoch,
            new_end_epoch: extended.new_end_epoch,
            price: extended.price,
            funds: extended.funds,
            digest: executed.digest,
        })
    }

    /// A `SharedBlob`, read from the chain (no gas).
    pub async fn shared_blob(&mut self, id: Address) -> Result<SharedBlobView, FlowError> {
        let object = SharedObject::resolve(&mut self.client, id).await?;
        let shared = self.read_object(id, "shared_blob::SharedBlob").await?;
        Ok(SharedBlobView { object, shared })
    }
}

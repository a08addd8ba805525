//! Shard migration's last step: telling the chain this node holds its gained shards.
//!
//! At an epoch change the `System` lists, per committee member, the shards it gained
//! (`pending_shards`); challenges skip them until the member calls
//! `floe::staking::epoch_sync_done(system, cap, epoch)`. The slivers themselves arrive through
//! [`crate::recovery`] (from the previous holder, else from recovery symbols); once a pass
//! finds every held pair of every live certified blob stored — and the watcher has seen the
//! epoch change, so no certificate from before it is unknown — [`SyncSignal::signal`] is
//! called, signed by the operator key like challenge answers.

use floe_sdk::calls::{self, FloeObjects};
use floe_sdk::{FloeClient, tx};
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{Address, Digest};
use sui_transaction_builder::{ObjectInput, TransactionBuilder};

/// Why the sync signal was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Client(#[from] floe_sdk::ClientError),
    #[error(transparent)]
    Tx(#[from] floe_sdk::TxError),
}

/// What signs and sends `epoch_sync_done` for one node.
#[derive(Clone)]
pub struct SyncSignal {
    pub client: FloeClient,
    pub objects: FloeObjects,
    pub node_cap: Address,
    pub operator: Ed25519PrivateKey,
    pub gas_budget: u64,
}

impl SyncSignal {
    /// Sends `epoch_sync_done(system, cap, epoch)`; the transaction digest.
    pub async fn signal(&mut self, epoch: u64) -> Result<Digest, SyncError> {
        // The cap's version changes with every transaction that uses it: read it fresh.
        let cap = self.client.object(self.node_cap).await?;
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(ObjectInput::owned(
            self.node_cap,
            cap.version(),
            cap.digest(),
        ));
        calls::staking::epoch_sync_done(&mut builder, &self.objects, cap, epoch);
        let sender = floe_sdk::keystore::address_of(&self.operator);
        let gas = self.client.gas_for(sender, self.gas_budget, &[]).await?;
        let transaction = tx::finish(builder, sender, &gas, self.gas_budget)?;
        let executed = self
            .client
            .sign_and_execute(&transaction, &self.operator)
            .await?;
        Ok(executed.digest)
    }
}

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
    Chain(#[from] crate::chain::ChainError),
    #[error(transparent)]
    Tx(#[from] floe_sdk::TxError),
}

/// What signalling found or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// `epoch_sync_done` executed in this transaction.
    Signalled(Digest),
    /// Nothing is pending for this node at `epoch` any more: signalled before (a transaction
    /// whose answer was lost, or before a restart).
    NothingPending,
    /// The chain is at another epoch than the one the node synced for.
    OtherEpoch(u64),
}

/// What signs and sends `epoch_sync_done` for one node.
#[derive(Clone)]
pub struct SyncSignal {
    pub client: FloeClient,
    pub objects: FloeObjects,
    pub node_id: Address,
    pub node_cap: Address,
    pub operator: Ed25519PrivateKey,
    pub gas_budget: u64,
}

impl SyncSignal {
    /// Sends `epoch_sync_done(system, cap, epoch)` if the `System` still lists shards pending
    /// for this node at `epoch` (read first, so a signal whose answer was lost is not sent
    /// again into an abort).
    pub async fn signal(&mut self, epoch: u64) -> Result<SyncOutcome, SyncError> {
        let system = crate::chain::read_system(
            &mut self.client,
            self.objects.system.id,
            self.objects.original_package,
        )
        .await?;
        if system.epoch != epoch {
            return Ok(SyncOutcome::OtherEpoch(system.epoch));
        }
        let pending = system
            .committee
            .iter()
            .position(|id| floe_sdk::move_types::address_of(id) == self.node_id)
            .and_then(|k| system.pending_shards.get(k))
            .is_some_and(|shards| !shards.is_empty());
        if !pending {
            return Ok(SyncOutcome::NothingPending);
        }
        self.send(epoch).await.map(SyncOutcome::Signalled)
    }

    async fn send(&mut self, epoch: u64) -> Result<Digest, SyncError> {
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

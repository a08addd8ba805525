//! The chain's in-memory state: live objects, executed transactions and checkpoints.
//!
//! Everything here is rebuilt from the write-ahead log at start-up, so the ledger itself
//! never touches the disk.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use sui_rpc::field::FieldMaskTree;
use sui_rpc::merge::Merge as _;
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{
    Address, CheckpointContents, CheckpointSummary, CheckpointTransactionInfo, Digest,
    GasCostSummary, IdOperation, Object, ObjectIn, ObjectOut, Owner, TransactionEffects,
};

use crate::execute::TxRecord;
use crate::objects;
use crate::objects::ObjectSource;

/// An executed transaction and, once sealed, where it is.
#[derive(Debug, Clone)]
pub struct TxEntry {
    pub record: Arc<TxRecord>,
    /// The full `ExecutedTransaction` message, built on first use and shared by every clone
    /// of the entry: converting a record to protobuf (hex and Base58 strings, object BCS and
    /// digests) costs more than executing a payment, and the executor thread that every
    /// transaction queues for should not pay it. The task answering `ExecuteTransaction`
    /// usually builds it, in parallel with the executor; a checkpoint reuses it.
    executed: Arc<OnceLock<Arc<proto::ExecutedTransaction>>>,
    pub checkpoint: Option<u64>,
    /// Once sealed: the transaction's index in its checkpoint and the checkpoint's timestamp.
    /// Kept beside the message rather than in a placed copy of it, which would cost a copy
    /// of every message (objects included) at each checkpoint.
    placement: Option<(u64, u64)>,
}

impl TxEntry {
    /// The full `ExecutedTransaction` message (every field), masked on the way out.
    pub fn executed(&self) -> &Arc<proto::ExecutedTransaction> {
        self.executed
            .get_or_init(|| Arc::new(executed_message(&self.record)))
    }

    /// Fills in `message` (rendered from [`Self::executed`]) where the transaction sits, once
    /// it is in a checkpoint: `checkpoint`, `timestamp` and `transaction_index`, as `mask`
    /// shows them.
    pub fn place(&self, message: &mut proto::ExecutedTransaction, mask: &FieldMaskTree) {
        let (Some(seq), Some((index, timestamp_ms))) = (self.checkpoint, self.placement) else {
            return;
        };
        if mask.contains(proto::ExecutedTransaction::CHECKPOINT_FIELD.name) {
            message.checkpoint = Some(seq);
        }
        if mask.contains(proto::ExecutedTransaction::TIMESTAMP_FIELD.name) {
            message.timestamp = Some(sui_rpc::proto::timestamp_ms_to_proto(timestamp_ms));
        }
        if mask.contains(proto::ExecutedTransaction::TRANSACTION_INDEX_FIELD.name) {
            message.transaction_index = Some(index);
        }
    }

    /// Once sealed: the checkpoint's sequence number and timestamp (JSON-RPC's `checkpoint`
    /// and `timestampMs`).
    pub fn sealed_at(&self) -> Option<(u64, u64)> {
        Some((self.checkpoint?, self.placement?.1))
    }

    /// Once sealed: the transaction's index in its checkpoint (an event's `transaction_index`).
    pub fn index_in_checkpoint(&self) -> Option<u64> {
        self.checkpoint?;
        Some(self.placement?.0)
    }
}

/// A sealed checkpoint: the full message, masked on the way out.
#[derive(Debug, Clone)]
pub struct CheckpointEntry {
    pub summary: CheckpointSummary,
    pub message: Arc<proto::Checkpoint>,
}

/// A checkpoint about to be sealed, as read from the ledger ([`Ledger::seal_inputs`]).
#[derive(Debug)]
pub struct SealInputs {
    sequence_number: u64,
    previous: Option<CheckpointSummary>,
    rolling_gas: GasCostSummary,
    timestamp_ms: u64,
    transactions: Vec<TxEntry>,
}

/// A built checkpoint, to be recorded with [`Ledger::install`].
#[derive(Debug)]
pub struct SealedCheckpoint {
    entry: CheckpointEntry,
    rolling_gas: GasCostSummary,
    /// The sealed transactions, in checkpoint order.
    sealed: Vec<Digest>,
}

impl SealInputs {
    /// Builds the checkpoint: summary, contents, and every transaction's message placed in
    /// it. The messages and their output objects are copied from those built at execution
    /// rather than converted from the records again.
    pub fn build(self) -> SealedCheckpoint {
        let SealInputs {
            sequence_number: seq,
            previous,
            mut rolling_gas,
            timestamp_ms,
            transactions: sealed,
        } = self;
        let total = previous
            .as_ref()
            .map_or(0, |c| c.network_total_transactions)
            + sealed.len() as u64;
        let timestamp = sui_rpc::proto::timestamp_ms_to_proto(timestamp_ms);
        let mut infos = Vec::with_capacity(sealed.len());
        let mut transactions = Vec::with_capacity(sealed.len());
        let mut digests = Vec::with_capacity(sealed.len());
        let mut objects = Vec::new();
        for (index, entry) in sealed.into_iter().enumerate() {
            let record = &entry.record;
            let digest = record.digest();
            let full = entry.executed();
            let gas = record.effects.gas_summary();
            rolling_gas.computation_cost += gas.computation_cost;
            rolling_gas.storage_cost += gas.storage_cost;
            rolling_gas.storage_rebate += gas.storage_rebate;
            rolling_gas.non_refundable_storage_fee += gas.non_refundable_storage_fee;
            infos.push(CheckpointTransactionInfo::new(
                digest,
                record.effects.digest(),
                record.signatures.clone(),
            ));
            // Every field but `objects`: in a checkpoint, objects live once in the
            // checkpoint's own object set. (`placed_without_objects` has the test that this
            // copies every other field.)
            let mut message = proto::ExecutedTransaction::default();
            message.digest = full.digest.clone();
            message.transaction = full.transaction.clone();
            message.signatures = full.signatures.clone();
            message.effects = full.effects.clone();
            message.events = full.events.clone();
            message.balance_changes = full.balance_changes.clone();
            message.checkpoint = Some(seq);
            message.timestamp = Some(timestamp);
            message.transaction_index = Some(index as u64);
            transactions.push(message);
            if let Some(written) = &full.objects {
                objects.extend(written.objects.iter().cloned());
            }
            digests.push(digest);
        }
        let contents = CheckpointContents::new_v1(infos);
        let summary = CheckpointSummary {
            epoch: 0,
            sequence_number: seq,
            network_total_transactions: total,
            content_digest: contents.digest(),
            previous_digest: previous.as_ref().map(CheckpointSummary::digest),
            epoch_rolling_gas_cost_summary: rolling_gas.clone(),
            timestamp_ms,
            checkpoint_commitments: vec![],
            end_of_epoch_data: None,
            version_specific_data: vec![],
        };
        let wildcard = FieldMaskTree::new_wildcard();
        let mut message = proto::Checkpoint::default();
        message.merge(&summary, &wildcard);
        message.merge(contents, &wildcard);
        message.transactions = transactions;
        let mut object_set = proto::ObjectSet::default();
        object_set.objects = objects;
        message.objects = Some(object_set);
        SealedCheckpoint {
            entry: CheckpointEntry {
                summary,
                message: Arc::new(message),
            },
            rolling_gas,
            sealed: digests,
        }
    }
}

/// The devnet's state.
#[derive(Debug, Default)]
pub struct Ledger {
    objects: HashMap<Address, Object>,
    owned: HashMap<Address, BTreeSet<Address>>,
    transactions: HashMap<Digest, TxEntry>,
    /// Every executed transaction's digest in execution order: the order JSON-RPC's
    /// `suix_queryEvents` and `suix_queryTransactionBlocks` page through.
    order: Vec<Digest>,
    /// Durable transactions not yet in a checkpoint, in execution order.
    pending: Vec<Digest>,
    checkpoints: Vec<CheckpointEntry>,
    rolling_gas: GasCostSummary,
    /// Timestamp handed to the latest execution; never goes backwards.
    last_timestamp_ms: u64,
}

impl ObjectSource for Ledger {
    fn object(&self, id: &Address) -> Option<&Object> {
        self.objects.get(id)
    }
}

impl Ledger {
    /// Installs genesis objects.
    pub fn apply_genesis(&mut self, objects: &[Object]) {
        for object in objects {
            self.put(object.clone());
        }
    }

    fn put(&mut self, object: Object) {
        let id = object.object_id();
        if let Some(old) = self.objects.get(&id)
            && let Some(owner) = objects::address_owner(old)
            && let Some(set) = self.owned.get_mut(&owner)
        {
            set.remove(&id);
        }
        if let Some(owner) = objects::address_owner(&object) {
            self.owned.entry(owner).or_default().insert(id);
        }
        self.objects.insert(id, object);
    }

    fn remove(&mut self, id: &Address) {
        if let Some(old) = self.objects.remove(id)
            && let Some(owner) = objects::address_owner(&old)
            && let Some(set) = self.owned.get_mut(&owner)
        {
            set.remove(id);
        }
    }

    /// Applies an executed transaction's writes. It is not yet eligible for a checkpoint
    /// until [`Self::mark_durable`].
    pub fn apply(&mut self, record: Arc<TxRecord>) {
        for object in &record.written {
            self.put(object.clone());
        }
        for id in &record.deleted {
            self.remove(id);
        }
        let digest = record.digest();
        self.last_timestamp_ms = self.last_timestamp_ms.max(record.timestamp_ms);
        let previous = self.transactions.insert(
            digest,
            TxEntry {
                record,
                executed: Arc::default(),
                checkpoint: None,
                placement: None,
            },
        );
        if previous.is_none() {
            self.order.push(digest);
        }
    }

    /// Queues durable transactions for the next checkpoint.
    pub fn mark_durable(&mut self, digests: impl IntoIterator<Item = Digest>) {
        self.pending.extend(digests);
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// A timestamp for the next execution: now, but never before the previous one.
    pub fn next_timestamp_ms(&self, now_ms: u64) -> u64 {
        now_ms.max(self.last_timestamp_ms)
    }

    pub fn get_object(&self, id: &Address) -> Option<&Object> {
        self.objects.get(id)
    }

    /// Every live object, in no particular order (dynamic fields are found by scanning).
    pub fn objects(&self) -> impl Iterator<Item = &Object> + '_ {
        self.objects.values()
    }

    pub fn transaction(&self, digest: &Digest) -> Option<&TxEntry> {
        self.transactions.get(digest)
    }

    /// Every executed transaction in execution order.
    pub fn transactions_in_order(&self) -> impl DoubleEndedIterator<Item = &TxEntry> + '_ {
        self.order.iter().filter_map(|d| self.transactions.get(d))
    }

    /// Where `digest` sits in [`Self::transactions_in_order`].
    pub fn transaction_position(&self, digest: &Digest) -> Option<usize> {
        self.order.iter().position(|d| d == digest)
    }

    /// Objects owned by `owner`, ordered by ID, starting after `after`.
    pub fn owned_objects(
        &self,
        owner: &Address,
        after: Option<Address>,
    ) -> impl Iterator<Item = &Object> + '_ {
        let ids = self.owned.get(owner);
        ids.into_iter()
            .flat_map(move |set| {
                let start = after
                    .map(std::ops::Bound::Excluded)
                    .unwrap_or(std::ops::Bound::Unbounded);
                set.range((start, std::ops::Bound::Unbounded))
            })
            .filter_map(|id| self.objects.get(id))
    }

    pub fn checkpoint(&self, seq: u64) -> Option<&CheckpointEntry> {
        self.checkpoints.get(usize::try_from(seq).ok()?)
    }

    pub fn checkpoint_by_digest(&self, digest: &Digest) -> Option<&CheckpointEntry> {
        self.checkpoints
            .iter()
            .find(|c| c.summary.digest() == *digest)
    }

    pub fn latest_checkpoint(&self) -> Option<&CheckpointEntry> {
        self.checkpoints.last()
    }

    /// Drops `digests` from the pending queue (they were sealed by a logged checkpoint).
    pub fn remove_pending(&mut self, digests: &[Digest]) {
        let sealed: BTreeSet<&Digest> = digests.iter().collect();
        self.pending.retain(|d| !sealed.contains(d));
    }

    /// The digests a checkpoint sealed now would contain (the pending ones).
    pub fn take_pending(&mut self) -> Vec<Digest> {
        std::mem::take(&mut self.pending)
    }

    /// Seals a checkpoint of `digests` (which must all be executed) at `timestamp_ms`.
    pub fn seal(&mut self, digests: &[Digest], timestamp_ms: u64) -> CheckpointEntry {
        let sealed = self.seal_inputs(digests, timestamp_ms).build();
        self.install(sealed)
    }

    /// What sealing `digests` needs from the ledger: shared handles only, so that a caller
    /// holding the ledger behind a lock can build the checkpoint (the bulk of the work)
    /// after letting go of it, and block neither execution nor reads meanwhile.
    pub fn seal_inputs(&self, digests: &[Digest], timestamp_ms: u64) -> SealInputs {
        let last = self.checkpoints.last();
        SealInputs {
            sequence_number: self.checkpoints.len() as u64,
            previous: last.map(|c| c.summary.clone()),
            rolling_gas: self.rolling_gas.clone(),
            timestamp_ms: timestamp_ms.max(last.map_or(0, |c| c.summary.timestamp_ms)),
            transactions: digests
                .iter()
                .map(|digest| {
                    self.transactions
                        .get(digest)
                        .expect("only executed transactions are sealed")
                        .clone()
                })
                .collect(),
        }
    }

    /// Records a checkpoint built from [`Self::seal_inputs`]. If another checkpoint was
    /// sealed in between (the inputs are stale), it is rebuilt from the current ledger.
    pub fn install(&mut self, sealed: SealedCheckpoint) -> CheckpointEntry {
        let stale = sealed.entry.summary.sequence_number != self.checkpoints.len() as u64
            || sealed.entry.summary.previous_digest
                != self.checkpoints.last().map(|c| c.summary.digest());
        if stale {
            let timestamp_ms = sealed.entry.summary.timestamp_ms;
            return self.seal(&sealed.sealed, timestamp_ms);
        }
        let seq = sealed.entry.summary.sequence_number;
        let timestamp_ms = sealed.entry.summary.timestamp_ms;
        for (index, digest) in sealed.sealed.iter().enumerate() {
            let entry = self
                .transactions
                .get_mut(digest)
                .expect("only executed transactions are sealed");
            entry.checkpoint = Some(seq);
            entry.placement = Some((index as u64, timestamp_ms));
        }
        self.rolling_gas = sealed.rolling_gas;
        self.checkpoints.push(sealed.entry.clone());
        sealed.entry
    }

    /// Total balance of `coin_type` held by `owner` in coins.
    pub fn balance(&self, owner: &Address, coin_type: &sui_sdk_types::TypeTag) -> (u64, usize) {
        let mut total: u64 = 0;
        let mut count = 0;
        for object in self.owned_objects(owner, None) {
            if let Some((tag, contents, _)) = objects::struct_parts(object)
                && tag.is_coin() == Some(coin_type)
            {
                total = total.saturating_add(objects::coin_value(contents).unwrap_or(0));
                count += 1;
            }
        }
        (total, count)
    }

    /// Every coin type `owner` holds and the total of each.
    pub fn balances(&self, owner: &Address) -> Vec<(sui_sdk_types::TypeTag, u64)> {
        let mut totals: std::collections::BTreeMap<String, (sui_sdk_types::TypeTag, u64)> =
            Default::default();
        for object in self.owned_objects(owner, None) {
            if let Some((tag, contents, _)) = objects::struct_parts(object)
                && let Some(coin_type) = tag.is_coin()
            {
                let slot = totals
                    .entry(coin_type.to_string())
                    .or_insert_with(|| (coin_type.clone(), 0));
                slot.1 = slot
                    .1
                    .saturating_add(objects::coin_value(contents).unwrap_or(0));
            }
        }
        totals.into_values().collect()
    }

    /// The owner kind of a live object, for diagnostics.
    pub fn owner_of(&self, id: &Address) -> Option<Owner> {
        self.objects.get(id).map(|o| *o.owner())
    }

    /// Object `id` at `version`: live, or as the transaction that wrote that version left it,
    /// looking only at transactions before `before` when given (a recorded transaction). The
    /// devnet keeps every transaction's written objects, so every version written since
    /// genesis is found; a genesis object's first version only while it is live.
    pub fn object_at(&self, id: Address, version: u64, before: Option<Digest>) -> Option<&Object> {
        if let Some(live) = self.objects.get(&id)
            && live.version() == version
        {
            return Some(live);
        }
        let mut newest_first = self.transactions_in_order().rev();
        if let Some(before) = before {
            for entry in newest_first.by_ref() {
                if entry.record.digest() == before {
                    break;
                }
            }
        }
        newest_first.find_map(|entry| {
            entry
                .record
                .written
                .iter()
                .find(|o| o.object_id() == id && o.version() == version)
        })
    }

    /// The objects `record` deleted or wrapped, each at its last version (the input version
    /// its effects name), which the ledger no longer holds live once the transaction ran: it
    /// was written by an earlier transaction, or, for a simulated transaction (not in the
    /// ledger), is still live. Both APIs name these objects' types in a transaction's changes
    /// (gRPC's `object_type` of changed objects, JSON-RPC's `objectChanges`), which the
    /// effects alone cannot. Genesis objects never written since have no record once removed:
    /// they are left out (a caller executing the transaction knows its inputs' types). Only
    /// the IDs `wanted` accepts are looked up: each costs a walk back through the history.
    pub fn removed_objects(
        &self,
        record: &TxRecord,
        wanted: impl Fn(&Address) -> bool,
    ) -> Vec<(Address, &Object)> {
        let TransactionEffects::V2(fx) = &record.effects else {
            return Vec::new();
        };
        // A simulated transaction is not in the ledger: then every recorded one came before it.
        let digest = record.digest();
        let before = self.transaction(&digest).map(|_| digest);
        fx.changed_objects
            .iter()
            .filter(|c| matches!(c.output_state, ObjectOut::NotExist))
            .filter(|c| wanted(&c.object_id))
            .filter_map(|c| match c.input_state {
                ObjectIn::Exist { version, .. } => Some((c.object_id, version)),
                _ => None,
            })
            .filter_map(|(id, version)| Some((id, self.object_at(id, version, before)?)))
            .collect()
    }

    /// The last removal of object `id` (deleted or wrapped, not written again since): the
    /// lamport version of the transaction that removed it, and whether it was deleted (else
    /// wrapped). `None` if the object is live or was never removed.
    pub fn removal(&self, id: Address) -> Option<(u64, bool)> {
        self.transactions_in_order().rev().find_map(|entry| {
            let TransactionEffects::V2(fx) = &entry.record.effects else {
                return None;
            };
            let change = fx.changed_objects.iter().find(|c| c.object_id == id)?;
            match change.output_state {
                ObjectOut::NotExist => Some((
                    fx.lamport_version,
                    change.id_operation == IdOperation::Deleted,
                )),
                // Written after its last removal (unwrapped): live again, or removed later.
                _ => None,
            }
        })
    }
}

/// The full `ExecutedTransaction` message for a record.
pub fn executed_message(record: &TxRecord) -> proto::ExecutedTransaction {
    let wildcard = FieldMaskTree::new_wildcard();
    let mut message = proto::ExecutedTransaction::default();
    message.digest = Some(record.digest().to_string());
    message.transaction = Some(proto::Transaction::merge_from(
        record.transaction.clone(),
        &wildcard,
    ));
    message.signatures = record
        .signatures
        .iter()
        .cloned()
        .map(proto::UserSignature::from)
        .collect();
    message.effects = Some(proto::TransactionEffects::merge_from(
        &record.effects,
        &wildcard,
    ));
    message.events = record.events.clone().map(proto::TransactionEvents::from);
    message.balance_changes = record
        .balance_changes
        .iter()
        .map(|delta| {
            let mut change = proto::BalanceChange::default();
            change.address = Some(delta.address.to_string());
            change.coin_type = Some(delta.coin_type.to_string());
            change.amount = Some(delta.amount.to_string());
            change
        })
        .collect();
    let mut object_set = proto::ObjectSet::default();
    object_set.objects = record
        .written
        .iter()
        .cloned()
        .map(proto::Object::from)
        .collect();
    message.objects = Some(object_set);
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ledger with one executed, durable payment, and its record.
    fn ledger_with_a_payment() -> (Ledger, Arc<TxRecord>) {
        let mut keys = floe_sdk::Keystore::default();
        let sender = keys.generate();
        let key = keys.keys()[0].clone();
        let gas = objects::gas_coin(objects::short_id(3), 5_000_000_000, sender, 1);
        let coin = floe_sdk::tx::CoinRef {
            object_id: gas.object_id(),
            version: gas.version(),
            digest: gas.digest(),
            balance: 5_000_000_000,
        };
        let mut ledger = Ledger::default();
        ledger.apply_genesis(&[gas]);
        let transaction =
            floe_sdk::tx::pay_sui(sender, &[coin], Address::TWO, 7, 10_000_000).unwrap();
        let signature = floe_sdk::tx::sign(&transaction, &key).unwrap();
        let registry = crate::handlers::HandlerRegistry::with_framework();
        let record = Arc::new(
            crate::execute::execute(&ledger, &registry, &transaction, &[signature], 5).unwrap(),
        );
        ledger.apply(record.clone());
        ledger.mark_durable([record.digest()]);
        (ledger, record)
    }

    /// What a sealed transaction's message was when sealing copied the whole message and
    /// placed the copy.
    fn placed(
        record: &TxRecord,
        seq: u64,
        index: u64,
        timestamp_ms: u64,
    ) -> proto::ExecutedTransaction {
        let mut message = executed_message(record);
        message.checkpoint = Some(seq);
        message.timestamp = Some(sui_rpc::proto::timestamp_ms_to_proto(timestamp_ms));
        message.transaction_index = Some(index);
        message
    }

    #[test]
    fn placed_without_objects() {
        let (mut ledger, record) = ledger_with_a_payment();
        let digests = ledger.take_pending();
        let entry = ledger.seal(&digests, 9);
        let expected = placed(&record, 0, 0, 9);
        // The checkpoint's copy: every field but the objects, which are in its object set.
        let mut without_objects = expected.clone();
        let objects = without_objects.objects.take().unwrap().objects;
        assert_eq!(entry.message.transactions, vec![without_objects]);
        assert_eq!(entry.message.objects.as_ref().unwrap().objects, objects);
        assert_eq!(objects.len(), 2);
        // The ledger's entry shows its place under any mask that asks for it.
        let tx = ledger.transaction(&record.digest()).unwrap();
        assert_eq!(tx.checkpoint, Some(0));
        let wildcard = FieldMaskTree::new_wildcard();
        let mut shown = proto::ExecutedTransaction::merge_from(tx.executed().as_ref(), &wildcard);
        tx.place(&mut shown, &wildcard);
        assert_eq!(shown, expected);
        let digest_only = FieldMaskTree::from_field_mask(&sui_rpc::field::FieldMask {
            paths: vec!["digest".to_owned()],
        });
        let mut shown =
            proto::ExecutedTransaction::merge_from(tx.executed().as_ref(), &digest_only);
        tx.place(&mut shown, &digest_only);
        assert_eq!(shown.checkpoint, None);
        assert_eq!(shown.digest, expected.digest);
    }

    #[test]
    fn stale_seal_inputs_are_rebuilt() {
        let (mut ledger, record) = ledger_with_a_payment();
        let digests = ledger.take_pending();
        // Inputs read before another checkpoint (empty) was sealed.
        let inputs = ledger.seal_inputs(&digests, 9);
        ledger.seal(&[], 8);
        let entry = ledger.install(inputs.build());
        assert_eq!(entry.summary.sequence_number, 1);
        assert_eq!(
            entry.summary.previous_digest,
            Some(ledger.checkpoint(0).unwrap().summary.digest())
        );
        assert_eq!(
            entry.message.transactions,
            vec![{
                let mut m = placed(&record, 1, 0, 9);
                m.objects = None;
                m
            }]
        );
    }
}

//! Agent memory (`floe::memory`): create a memory, append a stored (encrypted) blob to it,
//! grant and revoke agents, and read the memory and its entries.
//!
//! The sdk covers the chain side only. What an entry holds is ciphertext under the memory's
//! Seal identity of the generation it was appended at ([`identity`]); encrypting to and
//! fetching keys from the key servers is the `floe` command's (`cli/src/encrypted.rs`, shared
//! with encrypted models), with `memory::seal_approve_memory` as the policy the servers run.
//!
//! (`memory_node` is something else: the in-memory storage node of the tests.)

use sui_sdk_types::{Address, TypeTag};
use sui_transaction_builder::TransactionBuilder;

use crate::calls::{self, SharedObject};
use crate::flows::{Floe, FlowError, event, shared_created};
use crate::move_types::{
    self, events,
    memory::{Entry, Memory},
};

/// The Seal identity (without the package prefix) of entries of `memory` encrypted at
/// `generation`: the memory's 32 ID bytes, then the generation as 8 bytes little-endian, as
/// `memory::identity` builds it and `memory::seal_approve_memory` checks it.
pub fn identity(memory: Address, generation: u64) -> Vec<u8> {
    let mut id = memory.as_bytes().to_vec();
    id.extend_from_slice(&generation.to_le_bytes());
    id
}

/// The memory and generation an identity names, when it has the shape [`identity`] gives.
pub fn parse_identity(id: &[u8]) -> Option<(Address, u64)> {
    let memory: [u8; 32] = id.get(..32)?.try_into().ok()?;
    let generation: [u8; 8] = id.get(32..)?.try_into().ok()?;
    Some((Address::new(memory), u64::from_le_bytes(generation)))
}

/// A current delegate of a memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delegate {
    pub agent: Address,
    /// Whether it may append.
    pub can_write: bool,
    /// The memory's generation when it was granted.
    pub granted_generation: u64,
}

/// The memory's owner.
pub fn owner(memory: &Memory) -> Address {
    Address::new(memory.owner.into_inner())
}

/// The memory's current delegates.
pub fn delegates(memory: &Memory) -> Vec<Delegate> {
    memory
        .delegates
        .iter()
        .map(|d| Delegate {
            agent: Address::new(d.agent.into_inner()),
            can_write: d.can_write,
            granted_generation: d.granted_generation,
        })
        .collect()
}

/// `memory::can_append`: the owner, or a delegate granted write.
pub fn may_append(memory: &Memory, who: Address) -> bool {
    owner(memory) == who
        || delegates(memory)
            .iter()
            .any(|d| d.agent == who && d.can_write)
}

/// Who appended an entry.
pub fn appended_by(entry: &Entry) -> Address {
    Address::new(entry.appended_by.into_inner())
}

impl Floe {
    /// Creates a memory owned by the sender; returns its ID.
    pub async fn create_memory(&mut self) -> Result<Address, FlowError> {
        let mut builder = TransactionBuilder::new();
        calls::memory::create(&mut builder, &self.objects);
        let executed = self.execute(builder).await?;
        let created: events::MemoryCreated = event(&executed, "MemoryCreated")?;
        let memory = move_types::address_of(&created.memory_id);
        shared_created(&executed, memory)?;
        Ok(memory)
    }

    /// Appends `blob_object`, a certified `Blob` the sender owns holding an entry encrypted
    /// under `identity(memory, generation)`, to `memory` (as its owner or a delegate granted
    /// write). `generation` is the one the entry was encrypted under, read before encrypting:
    /// if a revoke changed it since, the chain aborts `memory::EStaleGeneration` rather than
    /// record the entry under a generation its ciphertext does not use.
    pub async fn append_memory(
        &mut self,
        memory: Address,
        blob_object: Address,
        generation: u64,
    ) -> Result<events::MemoryEntryAppended, FlowError> {
        let memory = SharedObject::resolve(&mut self.client, memory).await?;
        let blob = self.owned_input(blob_object).await?;
        let mut builder = TransactionBuilder::new();
        let memory = builder.object(memory.input(true));
        let blob = builder.object(blob);
        calls::memory::append(&mut builder, &self.objects, memory, blob, generation);
        let executed = self.execute(builder).await?;
        event(&executed, "MemoryEntryAppended")
    }

    /// Delegates to `agent` (read, and append with `can_write`), as the memory's owner.
    pub async fn grant_memory(
        &mut self,
        memory: Address,
        agent: Address,
        can_write: bool,
    ) -> Result<events::MemoryDelegateGranted, FlowError> {
        let memory = SharedObject::resolve(&mut self.client, memory).await?;
        let mut builder = TransactionBuilder::new();
        let memory = builder.object(memory.input(true));
        calls::memory::grant(&mut builder, &self.objects, memory, agent, can_write);
        let executed = self.execute(builder).await?;
        event(&executed, "MemoryDelegateGranted")
    }

    /// Revokes `agent`, as the memory's owner: the generation goes up by one.
    pub async fn revoke_memory(
        &mut self,
        memory: Address,
        agent: Address,
    ) -> Result<events::MemoryDelegateRevoked, FlowError> {
        let memory = SharedObject::resolve(&mut self.client, memory).await?;
        let mut builder = TransactionBuilder::new();
        let memory = builder.object(memory.input(true));
        calls::memory::revoke(&mut builder, &self.objects, memory, agent);
        let executed = self.execute(builder).await?;
        event(&executed, "MemoryDelegateRevoked")
    }

    /// A memory's contents (owner, generation, delegates, entry count).
    pub async fn memory(&mut self, id: Address) -> Result<Memory, FlowError> {
        self.read_object(id, "memory::Memory").await
    }

    /// Entry `index` of `memory`, read from its `entries` table (the dynamic field at the ID
    /// Sui derives from the table and the `u64` key).
    pub async fn memory_entry(&mut self, memory: &Memory, index: u64) -> Result<Entry, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field {
            _id: move_types::UID,
            _name: u64,
            value: Entry,
        }
        let table = move_types::address_of(&memory.entries.id.id);
        let key = bcs::to_bytes(&index).expect("a u64 always serializes");
        let field_id = table.derive_dynamic_child_id(&TypeTag::U64, &key);
        let field: Field = self
            .read_object(field_id, "dynamic_field::Field<u64, Entry>")
            .await?;
        Ok(field.value)
    }

    /// Every entry of `memory`, in order.
    pub async fn memory_entries(&mut self, memory: &Memory) -> Result<Vec<Entry>, FlowError> {
        let mut entries = Vec::with_capacity(usize::try_from(memory.entry_count).unwrap_or(0));
        for index in 0..memory.entry_count {
            entries.push(self.memory_entry(memory, index).await?);
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_the_memory_id_then_the_generation_little_endian() {
        let memory = Address::new([7; 32]);
        let id = identity(memory, 0x0102);
        assert_eq!(id.len(), 40);
        assert_eq!(&id[..32], &[7; 32]);
        assert_eq!(&id[32..], &[2, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(parse_identity(&id), Some((memory, 0x0102)));
        assert_eq!(parse_identity(&id[..39]), None);
    }
}

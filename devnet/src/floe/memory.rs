//! `floe::memory`: agent memory, a user's append-only list of encrypted blobs that only the
//! user and the agents it delegates to (revocably) can decrypt.
//!
//! Mirrors `move/floe/sources/memory.move` function by function: the shared `Memory` with its
//! owner, key generation, delegate list (at most 32) and entries table; `append` of a
//! certified `Blob` the sender owns by the owner or a delegate granted write, naming the
//! current generation it was encrypted under (`EStaleGeneration` otherwise); `revoke`
//! bumping the generation; and `seal_approve_memory`, the key servers' policy, approving the
//! identity `[memory ID][generation, 8 bytes LE]` for the owner and current delegates only,
//! never for a generation beyond the current one. `set_version_for_testing` is `#[test_only]`
//! and has no handler.

use floe_sdk::move_types::blob::Blob;
use floe_sdk::move_types::events::{
    MemoryCreated, MemoryDelegateGranted, MemoryDelegateRevoked, MemoryEntryAppended,
};
use floe_sdk::move_types::memory::{Delegate, Entry, Memory};
use floe_sdk::move_types::{self, ID, U256};
use sui_sdk_types::{Address, ExecutionError, TypeTag};

use super::args::Obj;
use super::model::move_address;
use super::version;
use super::{TableTypes, create_object, emit, table_add, table_get, table_new, type_tag_of};
use crate::runtime::CallContext;

const MODULE: &str = "memory";

/// The abort codes of `floe::memory`, generated from the Move source.
pub use floe_sdk::move_aborts::memory::*;

include!(concat!(env!("OUT_DIR"), "/floe_memory.rs"));

// === Constants (as in memory.move) ===

/// Most delegates one memory may have at a time.
pub const MAX_DELEGATES: usize = 32;
/// Length of an object ID.
const ID_LENGTH: usize = 32;
/// Length of an identity: the memory's ID and an 8-byte generation.
const IDENTITY_LENGTH: usize = 40;

// === Types ===

/// The key and value types of `Memory.entries: Table<u64, Entry>`.
pub fn entries_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: type_tag_of::<Entry>(),
    }
}

// === Internal ===

/// `delegate_index`: the position of `agent` in the delegate list.
fn delegate_index(memory: &Memory, agent: Address) -> Option<usize> {
    let agent = move_address(agent);
    memory.delegates.iter().position(|d| d.agent == agent)
}

/// `identity(memory, generation)`: the memory's ID bytes, then the generation's 8 bytes LE.
fn identity_of(memory_id: Address, generation: u64) -> Vec<u8> {
    let mut id = memory_id.as_bytes().to_vec();
    id.extend_from_slice(&generation.to_le_bytes());
    id
}

/// `can_append`: the owner, or a delegate granted write.
fn may_append(memory: &Memory, who: Address) -> bool {
    if move_address(who) == memory.owner {
        return true;
    }
    delegate_index(memory, who).is_some_and(|i| memory.delegates[i].can_write)
}

// === Owner ===

fn create(ctx: &mut CallContext<'_>) -> Result<ID, ExecutionError> {
    // Same order of `object::new` as the Move code: the memory, then its table.
    let memory_id = ctx.fresh_id();
    let entries = table_new(ctx);
    let owner = move_address(ctx.sender());
    let memory = Memory::new(
        move_types::uid(memory_id),
        version::VERSION,
        owner,
        0,
        Vec::new(),
        entries,
        0,
    );
    emit(
        ctx,
        &MemoryCreated {
            memory_id: move_types::id(memory_id),
            owner,
        },
    )?;
    create_object(ctx, false, &memory)?;
    ctx.share(memory_id)?;
    Ok(move_types::id(memory_id))
}

fn grant(
    ctx: &mut CallContext<'_>,
    mut memory: Obj<Memory>,
    agent: Address,
    can_write: bool,
) -> Result<(), ExecutionError> {
    version::assert_current(memory.version)?;
    if move_address(ctx.sender()) != memory.owner {
        return Err(ctx.abort(E_NOT_OWNER));
    }
    if move_address(agent) == memory.owner {
        return Err(ctx.abort(E_GRANT_TO_OWNER));
    }
    if delegate_index(&memory, agent).is_some() {
        return Err(ctx.abort(E_ALREADY_DELEGATE));
    }
    if memory.delegates.len() >= MAX_DELEGATES {
        return Err(ctx.abort(E_TOO_MANY_DELEGATES));
    }
    let generation = memory.generation;
    memory
        .delegates
        .push(Delegate::new(move_address(agent), can_write, generation));
    emit(
        ctx,
        &MemoryDelegateGranted {
            memory_id: move_types::id(memory.id),
            agent: move_address(agent),
            can_write,
            generation,
        },
    )?;
    memory.save(ctx)
}

fn revoke(
    ctx: &mut CallContext<'_>,
    mut memory: Obj<Memory>,
    agent: Address,
) -> Result<(), ExecutionError> {
    version::assert_current(memory.version)?;
    if move_address(ctx.sender()) != memory.owner {
        return Err(ctx.abort(E_NOT_OWNER));
    }
    let Some(index) = delegate_index(&memory, agent) else {
        return Err(ctx.abort(E_NOT_DELEGATE));
    };
    memory.delegates.remove(index);
    memory.generation = memory
        .generation
        .checked_add(1)
        .ok_or_else(|| super::model::arithmetic_error(MODULE))?;
    emit(
        ctx,
        &MemoryDelegateRevoked {
            memory_id: move_types::id(memory.id),
            agent: move_address(agent),
            generation: memory.generation,
        },
    )?;
    memory.save(ctx)
}

// === Writers ===

/// The `Blob` is an object input: the executor admits an owned object only from its owner, so
/// an entry records data its appender controls, never a bare blob ID. `generation` is the one
/// the entry was encrypted under: a revoke since the writer read it aborts the append instead
/// of recording old-identity ciphertext as a new-generation entry.
fn append(
    ctx: &mut CallContext<'_>,
    mut memory: Obj<Memory>,
    blob: Obj<Blob>,
    generation: u64,
) -> Result<u64, ExecutionError> {
    version::assert_current(memory.version)?;
    if !may_append(&memory, ctx.sender()) {
        return Err(ctx.abort(E_NOT_WRITER));
    }
    if generation != memory.generation {
        return Err(ctx.abort(E_STALE_GENERATION));
    }
    if blob.certified_epoch.is_none() {
        return Err(ctx.abort(E_BLOB_NOT_CERTIFIED));
    }
    let index = memory.entry_count;
    let appended_by = move_address(ctx.sender());
    let blob_id: U256 = blob.blob_id;
    let entry = Entry::new(blob_id, move_types::id(blob.id), generation, appended_by);
    let memory_value = &mut memory.value;
    table_add(
        ctx,
        &mut memory_value.entries,
        &entries_types(),
        &index,
        &entry,
    )?;
    memory.entry_count = index + 1;
    emit(
        ctx,
        &MemoryEntryAppended {
            memory_id: move_types::id(memory.id),
            index,
            blob_id,
            blob_object_id: move_types::id(blob.id),
            generation,
            appended_by,
        },
    )?;
    memory.save(ctx)?;
    Ok(index)
}

// === Keys ===

/// `seal_approve_memory` (an `entry fun`): returns nothing when `id` is this memory's identity of a
/// generation no later than the current one and the sender is the owner or a current delegate.
fn seal_approve_memory(
    ctx: &mut CallContext<'_>,
    id: Vec<u8>,
    memory: Obj<Memory>,
) -> Result<(), ExecutionError> {
    version::assert_current(memory.version)?;
    if id.len() != IDENTITY_LENGTH {
        return Err(ctx.abort(E_WRONG_IDENTITY));
    }
    let mut le = [0u8; 8];
    le.copy_from_slice(&id[ID_LENGTH..]);
    let generation = u64::from_le_bytes(le);
    if id != identity_of(memory.id, generation) {
        return Err(ctx.abort(E_WRONG_IDENTITY));
    }
    if generation > memory.generation {
        return Err(ctx.abort(E_FUTURE_GENERATION));
    }
    let sender = ctx.sender();
    if move_address(sender) != memory.owner && delegate_index(&memory, sender).is_none() {
        return Err(ctx.abort(E_NO_ACCESS));
    }
    Ok(())
}

fn identity(
    _ctx: &mut CallContext<'_>,
    memory: Obj<Memory>,
    generation: u64,
) -> Result<Vec<u8>, ExecutionError> {
    Ok(identity_of(memory.id, generation))
}

// === Reads ===

fn entry_at(
    ctx: &mut CallContext<'_>,
    memory: Obj<Memory>,
    index: u64,
) -> Result<Entry, ExecutionError> {
    if index >= memory.entry_count {
        return Err(ctx.abort(E_NO_SUCH_ENTRY));
    }
    table_get(ctx, &memory.entries, &entries_types(), &index)
}

fn is_delegate(
    _ctx: &mut CallContext<'_>,
    memory: Obj<Memory>,
    agent: Address,
) -> Result<bool, ExecutionError> {
    Ok(delegate_index(&memory, agent).is_some())
}

fn can_append(
    _ctx: &mut CallContext<'_>,
    memory: Obj<Memory>,
    who: Address,
) -> Result<bool, ExecutionError> {
    Ok(may_append(&memory, who))
}

fn delegate_count(_ctx: &mut CallContext<'_>, memory: Obj<Memory>) -> Result<u64, ExecutionError> {
    Ok(memory.value.delegates.len() as u64)
}

/// `granted_generation`: the generation at `agent`'s latest grant. Aborts `ENotDelegate`.
fn granted_generation(
    ctx: &mut CallContext<'_>,
    memory: Obj<Memory>,
    agent: Address,
) -> Result<u64, ExecutionError> {
    let Some(index) = delegate_index(&memory, agent) else {
        return Err(ctx.abort(E_NOT_DELEGATE));
    };
    Ok(memory.delegates[index].granted_generation)
}

// === Versions ===

/// `migrate`: anyone brings a memory of an older package version to this one. Aborts
/// `version::EAlreadyMigrated`.
fn migrate(ctx: &mut CallContext<'_>, mut memory: Obj<Memory>) -> Result<(), ExecutionError> {
    memory.version = version::migrated(memory.version)?;
    memory.save(ctx)
}

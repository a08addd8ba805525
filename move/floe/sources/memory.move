/// Agent memory: a user-owned, append-only list of encrypted blobs that only the user and the
/// agents the user delegates to (revocably) can decrypt.
///
/// A `Memory` is shared and records its `owner` (the account that created it). It is shared,
/// not owned, because two kinds of transaction must name it as someone other than the owner:
/// an agent granted write appends to it in its own transaction, and Seal key servers simulate
/// `seal_approve_memory` with the agent as sender, which Sui allows only for a shared object
/// (or one the agent owns). Who may do what is checked against `owner` and the delegate list,
/// never against who can name the object.
///
/// Entries are certified `Blob` objects: `append` takes a `&Blob`, an owned object Sui lets a
/// transaction name only when its sender owns it, so an entry records data its appender
/// controls, never a bare blob ID someone else stored (see "Security model" in the package
/// README). The memory keeps the blob's ID, the `Blob` object's ID, the key generation the
/// entry was encrypted under and who appended it; entries are numbered from 0 and never
/// removed or changed. The data lives as long as the appender keeps its `Blob` stored.
///
/// Encryption is Seal's: an entry appended at generation `g` is encrypted under the identity
/// `[memory ID (32 bytes)][g as 8 bytes, little-endian]` (`identity`). Key servers release a
/// key for such an identity only if `seal_approve_memory` passes as the requester: the owner
/// gets keys for every generation up to the current one, an agent currently delegated
/// (`grant`) too, and no one else. The rule is deliberately the simplest sound one: only
/// current delegates get any key, and a newly granted agent can read the whole history (the
/// owner chose to share this memory with it).
///
/// Revocation (`revoke`) removes the agent and bumps the generation. A revoked agent gets no
/// key at all from then on (`ENoAccess`), and entries appended after the revoke are encrypted
/// under the new generation's identity, whose key it never obtained while delegated: keys for
/// generations beyond the current one are never released (`EFutureGeneration`), so an agent
/// cannot fetch a future generation's key in advance. Keys it fetched before the revoke open
/// only the entries appended before it, which it could read then anyway.
///
/// Who may append: the owner, and delegates granted with `can_write`. A read-only delegate
/// and strangers abort `ENotWriter`. An append names the generation its entry was encrypted
/// under, and aborts `EStaleGeneration` unless it is the current one: a revoke landing between
/// the writer's read of the generation and its append must not record an entry encrypted
/// under the old identity (whose key the revoked agent holds) as the new generation's. Only the owner grants and revokes (`ENotOwner`).
module floe::memory;

use floe::blob::Blob;
use floe::events;
use floe::version;
use sui::table::{Self, Table};

// === Errors ===

/// `grant` or `revoke` by an account other than the memory's owner.
/// Only the memory's owner grants and revokes agents: sign as the owner.
const ENotOwner: u64 = 0;
/// `append` by an account that is neither the owner nor a delegate granted write.
/// Ask the memory's owner to grant you write (floe memory grant MEMORY AGENT --write).
const ENotWriter: u64 = 1;
/// The appended `Blob` is not certified.
/// Store the entry first (floe memory append stores it) and append its certified Blob object.
const EBlobNotCertified: u64 = 2;
/// `grant` to an agent that is already a delegate.
/// Revoke the agent first to change its rights.
const EAlreadyDelegate: u64 = 3;
/// `revoke` (or `granted_generation`) of an address that is not a delegate.
/// Name a current delegate (floe memory show lists them).
const ENotDelegate: u64 = 4;
/// `grant` to the owner itself.
/// The owner always reads and appends; grant another address.
const EGrantToOwner: u64 = 5;
/// The memory already has `MAX_DELEGATES` delegates.
/// Revoke a delegate before granting another (at most 32).
const ETooManyDelegates: u64 = 6;
/// `seal_approve_memory`: the identity is not this memory's ID followed by an 8-byte generation.
/// Use the memory's 32 ID bytes and a generation as the identity (memory::identity).
const EWrongIdentity: u64 = 7;
/// `seal_approve_memory`: the identity's generation is beyond the memory's current generation.
/// Ask for keys of the memory's current generation or earlier: no entry can be encrypted under a later one.
const EFutureGeneration: u64 = 8;
/// `seal_approve_memory`: the sender is neither the owner nor a current delegate (never
/// granted, or revoked).
/// Only the memory's owner and the agents it currently delegates to get its keys: ask the owner to grant you.
const ENoAccess: u64 = 9;
/// `entry_at` with an index at or beyond the number of entries.
/// Read an index from 0 to entry_count - 1.
const ENoSuchEntry: u64 = 10;
/// `append`: the memory's key generation changed (a delegate was revoked) since this entry was encrypted.
/// Encrypt the entry again under the current generation and append again.
const EStaleGeneration: u64 = 11;

// === Constants ===

/// Most delegates one memory may have at a time (each key request scans the list).
const MAX_DELEGATES: u64 = 32;
/// Length of an object ID.
const ID_LENGTH: u64 = 32;
/// Length of an identity: the memory's ID and an 8-byte generation.
const IDENTITY_LENGTH: u64 = 40;

// === Objects ===

/// One user's memory: its delegates, its key generation and its entries. Shared (see the
/// module doc for why); changed only by its owner and, for appends, delegates granted write.
public struct Memory has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    /// The account that created the memory: it always reads, appends, grants and revokes.
    owner: address,
    /// Key generation: entries appended now are encrypted under `identity(memory,
    /// generation)`. Starts at 0, +1 at every revoke.
    generation: u64,
    /// Agents currently delegated to, at most `MAX_DELEGATES`.
    delegates: vector<Delegate>,
    /// Entry number (from 0) to entry; append-only.
    entries: Table<u64, Entry>,
    /// Number of entries (the next entry's number).
    entry_count: u64,
}

/// An agent the owner delegates to.
public struct Delegate has copy, drop, store {
    agent: address,
    /// Whether the agent may append.
    can_write: bool,
    /// The memory's generation when it was granted (`granted_generation`).
    granted_generation: u64,
}

/// One entry of a memory: a certified blob holding ciphertext.
public struct Entry has copy, drop, store {
    /// The blob ID of the encrypted entry.
    blob_id: u256,
    /// The `Blob` object the appender passed.
    blob_object_id: ID,
    /// The key generation it is encrypted under (its identity is `identity(memory, generation)`).
    generation: u64,
    /// Who appended it: the owner or a delegate with write.
    appended_by: address,
}

// === Owner ===

/// Creates a memory owned by the sender, at generation 0 with no delegates and no entries,
/// and shares it; returns its ID.
/// Emits `MemoryCreated`.
public fun create(ctx: &mut TxContext): ID {
    let memory = Memory {
        id: object::new(ctx),
        version: version::current(),
        owner: ctx.sender(),
        generation: 0,
        delegates: vector[],
        entries: table::new(ctx),
        entry_count: 0,
    };
    let memory_id = object::id(&memory);
    events::emit_memory_created(memory_id, ctx.sender());
    transfer::share_object(memory);
    memory_id
}

/// Delegates to `agent`: it may obtain the memory's keys (every generation up to the current
/// one) and, with `can_write`, append. Only the owner grants.
/// Emits `MemoryDelegateGranted`. Aborts `ENotOwner`, `EGrantToOwner`, `EAlreadyDelegate`,
/// `ETooManyDelegates`.
public fun grant(memory: &mut Memory, agent: address, can_write: bool, ctx: &TxContext) {
    version::assert_current(memory.version);
    assert!(ctx.sender() == memory.owner, ENotOwner);
    assert!(agent != memory.owner, EGrantToOwner);
    assert!(memory.delegate_index(agent).is_none(), EAlreadyDelegate);
    assert!(memory.delegates.length() < MAX_DELEGATES, ETooManyDelegates);
    memory.delegates.push_back(Delegate { agent, can_write, granted_generation: memory.generation });
    events::emit_memory_delegate_granted(object::id(memory), agent, can_write, memory.generation);
}

/// Revokes `agent`: it gets no key of the memory from now on, and the generation goes up by
/// one, so entries appended from now on use an identity whose key it never obtained.
/// Emits `MemoryDelegateRevoked`. Aborts `ENotOwner`, `ENotDelegate`.
public fun revoke(memory: &mut Memory, agent: address, ctx: &TxContext) {
    version::assert_current(memory.version);
    assert!(ctx.sender() == memory.owner, ENotOwner);
    let index = memory.delegate_index(agent);
    assert!(index.is_some(), ENotDelegate);
    let _ = memory.delegates.remove(index.destroy_some());
    memory.generation = memory.generation + 1;
    events::emit_memory_delegate_revoked(object::id(memory), agent, memory.generation);
}

// === Writers ===

/// Appends `blob`, a certified `Blob` the sender owns holding an entry encrypted under
/// `identity(memory, generation)`, as the next entry; returns its number. `generation` must be
/// the current one: the writer read it before encrypting, and a revoke since then means the
/// ciphertext is under an identity the revoked agent may hold a key for. The owner and
/// delegates granted write may append.
/// Emits `MemoryEntryAppended`. Aborts `ENotWriter`, `EStaleGeneration`, `EBlobNotCertified`.
public fun append(memory: &mut Memory, blob: &Blob, generation: u64, ctx: &TxContext): u64 {
    version::assert_current(memory.version);
    assert!(memory.can_append(ctx.sender()), ENotWriter);
    assert!(generation == memory.generation, EStaleGeneration);
    assert!(blob.is_blob_certified(), EBlobNotCertified);
    let index = memory.entry_count;
    let entry = Entry {
        blob_id: blob.blob_id(),
        blob_object_id: object::id(blob),
        generation,
        appended_by: ctx.sender(),
    };
    memory.entries.add(index, entry);
    memory.entry_count = index + 1;
    events::emit_memory_entry_appended(
        object::id(memory),
        index,
        entry.blob_id,
        entry.blob_object_id,
        entry.generation,
        entry.appended_by,
    );
    index
}

// === Keys ===

/// Seal access policy of a memory, dry-run by key servers as the requester: approves `id`
/// only if it is `identity(memory, g)` for a generation `g` no later than the current one,
/// and the sender is the owner or a current delegate.
/// Aborts `EWrongIdentity`, `EFutureGeneration`, `ENoAccess`.
entry fun seal_approve_memory(id: vector<u8>, memory: &Memory, ctx: &TxContext) {
    version::assert_current(memory.version);
    assert!(id.length() == IDENTITY_LENGTH, EWrongIdentity);
    let mut generation = 0u64;
    let mut k = 0u8;
    while (k < 8) {
        let byte = id[ID_LENGTH + (k as u64)];
        generation = generation | ((byte as u64) << (8 * k));
        k = k + 1;
    };
    assert!(id == identity(memory, generation), EWrongIdentity);
    assert!(generation <= memory.generation, EFutureGeneration);
    let sender = ctx.sender();
    assert!(sender == memory.owner || memory.delegate_index(sender).is_some(), ENoAccess);
}

/// The Seal identity (without the package prefix) of entries encrypted at `generation`: the
/// memory's 32 ID bytes followed by `generation` as 8 bytes, little-endian.
public fun identity(memory: &Memory, generation: u64): vector<u8> {
    let mut id = object::id_to_bytes(&object::id(memory));
    id.append(sui::bcs::to_bytes(&generation));
    id
}

// === Reads ===

/// The memory's owner.
public fun owner(memory: &Memory): address { memory.owner }

/// The current key generation (entries appended now use it).
public fun generation(memory: &Memory): u64 { memory.generation }

/// Number of entries.
public fun entry_count(memory: &Memory): u64 { memory.entry_count }

/// Entry number `index`. Aborts `ENoSuchEntry`.
public fun entry_at(memory: &Memory, index: u64): Entry {
    assert!(index < memory.entry_count, ENoSuchEntry);
    *memory.entries.borrow(index)
}

/// Whether `agent` is a current delegate.
public fun is_delegate(memory: &Memory, agent: address): bool {
    memory.delegate_index(agent).is_some()
}

/// Whether `who` may append: the owner, or a delegate granted write.
public fun can_append(memory: &Memory, who: address): bool {
    if (who == memory.owner) return true;
    let index = memory.delegate_index(who);
    index.is_some() && memory.delegates[index.destroy_some()].can_write
}

/// Number of current delegates.
public fun delegate_count(memory: &Memory): u64 { memory.delegates.length() }

/// The memory's generation when `agent`, a current delegate, was granted (a regranted agent
/// counts from its latest grant). Aborts `ENotDelegate`.
public fun granted_generation(memory: &Memory, agent: address): u64 {
    let index = memory.delegate_index(agent);
    assert!(index.is_some(), ENotDelegate);
    memory.delegates[index.destroy_some()].granted_generation
}

/// An entry's blob ID.
public fun entry_blob_id(entry: &Entry): u256 { entry.blob_id }

/// An entry's `Blob` object ID.
public fun entry_blob_object_id(entry: &Entry): ID { entry.blob_object_id }

/// The generation an entry is encrypted under.
public fun entry_generation(entry: &Entry): u64 { entry.generation }

/// Who appended an entry.
public fun entry_appended_by(entry: &Entry): address { entry.appended_by }

// === Internal ===

/// The position of `agent` in the delegate list, if it is there.
fun delegate_index(memory: &Memory, agent: address): Option<u64> {
    memory.delegates.find_index!(|d| d.agent == agent)
}

// === Versions ===

/// The version of the package that last migrated this `Memory` (see `floe::version`).
public(package) fun object_version(memory: &Memory): u64 { memory.version }

/// Brings a `Memory` left at an older package version to this package's version. Anyone may
/// call it: migrating only applies this package's rules and changes nothing but the version.
/// Aborts `version::EAlreadyMigrated` if the memory is at this version already.
public fun migrate(memory: &mut Memory) {
    memory.version = version::migrated(memory.version);
}

// === Test-only ===

/// `seal_approve_memory` is a private `entry` (the Seal policy shape); tests reach it here.
#[test_only]
public fun seal_approve_memory_for_testing(id: vector<u8>, memory: &Memory, ctx: &TxContext) {
    seal_approve_memory(id, memory, ctx);
}

/// Sets the `version` field, to simulate a `Memory` migrated by another version of the package.
#[test_only]
public fun set_version_for_testing(memory: &mut Memory, value: u64) {
    memory.version = value;
}

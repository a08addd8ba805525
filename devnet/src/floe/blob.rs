//! `floe::blob`: storage reservations, blobs and the registry of live certified blobs.
//!
//! Mirrors `move/floe/sources/blob.move` function by function. `Storage` and `Blob` are owned
//! objects; a `Storage` passed by value into a `Blob` (`register_blob`) is wrapped: it leaves
//! the object store (the effects say so without an ID deletion, as on Sui) and comes back
//! unwrapped under the same ID when `delete_blob` returns it.

use floe_sdk::move_types::{
    self, U256,
    blob::{Blob, BlobRegistry, CertifiedEntry, Storage},
    events::{
        BlobCertified, BlobDeleted, BlobExpired, BlobExtended, BlobRegistered, RegistryPruned,
        StorageDestroyed, StorageFused, StorageReserved, StorageSplit,
    },
    system::System,
};
use sui_sdk_types::{Address, ExecutionError, MoveLocation, TypeTag};

use super::system::{
    add_storage_fees, add_write_fees, release_capacity, reserve_capacity, system_arg, verify_quorum,
};
use super::version;
use super::{
    FloeFn, TableTypes, abort_in, add, arity, coin_value, emit, object_arg, pure_arg, ret,
    table_add, table_contains, table_get, table_new, table_remove, table_set, table_vec_get,
    table_vec_len, table_vec_push, table_vec_set, table_vec_swap_remove, table_vec_types, tag,
    take_from_coin, type_tag, wal_coin_tag,
};
use crate::handlers::HandlerRegistry;
use crate::runtime::{CallContext, Value};

const MODULE: &str = "blob";

// === Constants (blob.move) ===

/// Encoding type of Red Stuff (RS2), the only one supported.
pub const RS2: u8 = 1;
/// Largest symbol size RS2 allows; larger blobs are rejected.
pub const MAX_SYMBOL_SIZE: u64 = 65_534;
/// Prices are per MiB of encoded size, rounded up.
pub const MIB: u128 = 1_048_576;
/// Intent of the certification message: storage confirmation, version 0, app ID 3.
pub const INTENT_STORAGE_CONFIRMATION: u8 = 1;
pub const INTENT_VERSION: u8 = 0;
pub const INTENT_APP_ID: u8 = 3;

// === Abort codes (blob.move) ===

/// The abort codes of `floe::blob`, generated from the Move source.
pub use floe_sdk::move_aborts::blob::*;

// === init and the registry argument ===

/// `blob::init`: shares an empty `BlobRegistry`; returns its ID.
pub fn init(ctx: &mut CallContext<'_>) -> Result<Address, ExecutionError> {
    let id = ctx.fresh_id();
    let entries = move_types::TableVec::new(table_new(ctx));
    let index = table_new(ctx);
    let registry = BlobRegistry::new(
        move_types::uid(id),
        super::version::VERSION,
        entries,
        index,
        0,
    );
    ctx.create_object(tag(MODULE, "BlobRegistry"), false, &registry)?;
    ctx.share(id)?;
    Ok(id)
}

/// The shared `BlobRegistry` argument at `i`, read.
pub fn registry_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    i: usize,
) -> Result<(Address, BlobRegistry), ExecutionError> {
    let id = super::object_arg(ctx, args, i, &tag(MODULE, "BlobRegistry"))?;
    Ok((id, ctx.read(id)?))
}

/// `blob::is_certified`: whether a live certified blob with this ID exists.
pub fn is_certified(
    ctx: &mut CallContext<'_>,
    registry: &BlobRegistry,
    blob_id: &U256,
) -> Result<bool, ExecutionError> {
    table_contains(ctx, &registry.index, &index_types(), blob_id)
}

// === Registry internals ===

/// `Table<u256, u64>`: blob ID → position in `entries`.
fn index_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U256,
        value: TypeTag::U64,
    }
}

/// `TableVec<CertifiedEntry>`.
fn entry_types() -> TableTypes {
    table_vec_types(type_tag(MODULE, "CertifiedEntry"))
}

/// An arithmetic overflow (or underflow) in this module's Move code.
fn arithmetic_error() -> ExecutionError {
    ExecutionError::MovePrimitiveRuntimeError {
        location: Some(MoveLocation {
            package: super::PACKAGE_ID,
            module: sui_sdk_types::Identifier::from_static(MODULE),
            function: 0,
            instruction: 0,
            function_name: None,
        }),
    }
}

/// `add_reference`: adds one reference (a certified `Blob` ending at `end_epoch`) after
/// dropping the references that ended by `epoch`; returns the reference count.
pub fn add_reference(
    ctx: &mut CallContext<'_>,
    registry: &mut BlobRegistry,
    blob_id: U256,
    root_hash: U256,
    size: u64,
    end_epoch: u64,
    epoch: u64,
) -> Result<u64, ExecutionError> {
    let index = index_types();
    let entries = entry_types();
    if table_contains(ctx, &registry.index, &index, &blob_id)? {
        let i: u64 = table_get(ctx, &registry.index, &index, &blob_id)?;
        let mut entry: CertifiedEntry = table_vec_get(ctx, &registry.entries, &entries, i)?;
        drop_ended(&mut entry, epoch);
        insert_end(&mut entry, end_epoch);
        table_vec_set(ctx, &registry.entries, &entries, i, &entry)?;
        Ok(reference_total(&entry))
    } else {
        let i = table_vec_len(&registry.entries);
        let entry = CertifiedEntry::new(blob_id, root_hash, size, vec![end_epoch], vec![1]);
        table_vec_push(ctx, &mut registry.entries, &entries, &entry)?;
        table_add(ctx, &mut registry.index, &index, &blob_id, &i)?;
        Ok(1)
    }
}

/// `remove_reference`: removes one reference ending at `end_epoch`, and the entry with its
/// last reference. A reference already pruned (expired) is simply absent.
fn remove_reference(
    ctx: &mut CallContext<'_>,
    registry: &mut BlobRegistry,
    blob_id: U256,
    end_epoch: u64,
) -> Result<(), ExecutionError> {
    let index = index_types();
    let entries = entry_types();
    if !table_contains(ctx, &registry.index, &index, &blob_id)? {
        return Ok(());
    }
    let i: u64 = table_get(ctx, &registry.index, &index, &blob_id)?;
    let mut entry: CertifiedEntry = table_vec_get(ctx, &registry.entries, &entries, i)?;
    remove_end(&mut entry, end_epoch);
    let empty = entry.ends.is_empty();
    table_vec_set(ctx, &registry.entries, &entries, i, &entry)?;
    if empty {
        remove_entry(ctx, registry, i)?;
    }
    Ok(())
}

/// `replace_end`: moves one reference's end epoch from `old_end` to `new_end` (after an
/// extension).
fn replace_end(
    ctx: &mut CallContext<'_>,
    registry: &BlobRegistry,
    blob_id: U256,
    old_end: u64,
    new_end: u64,
) -> Result<(), ExecutionError> {
    let index = index_types();
    let entries = entry_types();
    if !table_contains(ctx, &registry.index, &index, &blob_id)? {
        return Ok(());
    }
    let i: u64 = table_get(ctx, &registry.index, &index, &blob_id)?;
    let mut entry: CertifiedEntry = table_vec_get(ctx, &registry.entries, &entries, i)?;
    remove_end(&mut entry, old_end);
    insert_end(&mut entry, new_end);
    table_vec_set(ctx, &registry.entries, &entries, i, &entry)
}

/// `insert_end`: counts one more reference ending at `end` (`ends` stays increasing).
fn insert_end(entry: &mut CertifiedEntry, end: u64) {
    match entry.ends.binary_search(&end) {
        Ok(k) => entry.counts[k] += 1,
        Err(k) => {
            entry.ends.insert(k, end);
            entry.counts.insert(k, 1);
        }
    }
}

/// `remove_end`: counts one reference ending at `end` less; false if none ends there.
fn remove_end(entry: &mut CertifiedEntry, end: u64) -> bool {
    let Ok(k) = entry.ends.binary_search(&end) else {
        return false;
    };
    if entry.counts[k] > 1 {
        entry.counts[k] -= 1;
    } else {
        entry.ends.remove(k);
        entry.counts.remove(k);
    }
    true
}

/// `drop_ended`: drops the references that ended by `epoch` (a prefix of `ends`); returns
/// how many were dropped.
fn drop_ended(entry: &mut CertifiedEntry, epoch: u64) -> u64 {
    let ended = entry.ends.iter().take_while(|end| **end <= epoch).count();
    entry.ends.drain(..ended);
    entry.counts.drain(..ended).sum()
}

/// `reference_total`: the number of references of an entry.
fn reference_total(entry: &CertifiedEntry) -> u64 {
    entry.counts.iter().sum()
}

/// `remove_entry`: swap-removes entry `i` and re-points the index of the entry moved into
/// its place.
fn remove_entry(
    ctx: &mut CallContext<'_>,
    registry: &mut BlobRegistry,
    i: u64,
) -> Result<(), ExecutionError> {
    let index = index_types();
    let entries = entry_types();
    let last = table_vec_len(&registry.entries)
        .checked_sub(1)
        .ok_or_else(arithmetic_error)?;
    let removed: CertifiedEntry = table_vec_swap_remove(ctx, &mut registry.entries, &entries, i)?;
    let _: u64 = table_remove(ctx, &mut registry.index, &index, &removed.blob_id)?;
    if i != last {
        let moved: CertifiedEntry = table_vec_get(ctx, &registry.entries, &entries, i)?;
        table_set(ctx, &registry.index, &index, &moved.blob_id, &i)?;
    }
    Ok(())
}

// === Handlers ===

pub fn register(registry: &mut HandlerRegistry) {
    let handlers: [(&str, FloeFn); 33] = [
        ("symbol_size", symbol_size_handler),
        ("encoded_size", encoded_size_handler),
        ("compute_blob_id", compute_blob_id_handler),
        ("certification_message", certification_message_handler),
        ("reserve_space", reserve_space_handler),
        ("split_by_epoch", split_by_epoch_handler),
        ("split_by_size", split_by_size_handler),
        ("fuse", fuse_handler),
        ("destroy_storage", destroy_storage_handler),
        ("register_blob", register_blob_handler),
        ("certify_blob", certify_blob_handler),
        ("extend_blob", extend_blob_handler),
        ("extend_blob_with_payment", extend_blob_with_payment_handler),
        ("delete_blob", delete_blob_handler),
        ("destroy_expired", destroy_expired_handler),
        ("prune_expired", prune_expired_handler),
        ("is_certified", is_certified_handler),
        ("certified_count", certified_count_handler),
        ("certified_at", certified_at_handler),
        ("root_hash_of", root_hash_of_handler),
        ("size_of", size_of_handler),
        ("end_epoch_of", end_epoch_of_handler),
        ("reference_count", reference_count_handler),
        ("total_registered", total_registered_handler),
        ("start_epoch", |c, _, a| {
            storage_read(c, &a, |s| ret(&s.start_epoch))
        }),
        ("end_epoch", |c, _, a| {
            storage_read(c, &a, |s| ret(&s.end_epoch))
        }),
        ("storage_size", |c, _, a| {
            storage_read(c, &a, |s| ret(&s.storage_size))
        }),
        ("blob_id", |c, _, a| blob_read(c, &a, |b| ret(&b.blob_id))),
        ("root_hash", |c, _, a| {
            blob_read(c, &a, |b| ret(&b.root_hash))
        }),
        ("size", |c, _, a| blob_read(c, &a, |b| ret(&b.size))),
        ("encoding_type", |c, _, a| {
            blob_read(c, &a, |b| ret(&b.encoding_type))
        }),
        ("registered_epoch", |c, _, a| {
            blob_read(c, &a, |b| ret(&b.registered_epoch))
        }),
        ("certified_epoch", |c, _, a| {
            blob_read(c, &a, |b| ret(&b.certified_epoch))
        }),
    ];
    for (name, handler) in handlers {
        add(registry, MODULE, name, handler);
    }
    // `storage(blob): &Storage` returns a reference and cannot be called from a transaction;
    // `init` and the `#[test_only]` functions do not exist on chain.
    add(registry, MODULE, "is_blob_certified", |c, _, a| {
        blob_read(c, &a, |b| ret(&b.certified_epoch.is_some()))
    });
    add(registry, MODULE, "is_deletable", |c, _, a| {
        blob_read(c, &a, |b| ret(&b.deletable))
    });
}

// === RS2 sizes and blob IDs ===

/// `symbol_size`: the RS2 symbol size for `size` bytes on `n_shards` shards.
pub fn symbol_size(size: u64, n_shards: u16) -> Result<u64, ExecutionError> {
    let (p, s) = source_symbols(n_shards)?;
    let len = if size == 0 { 1 } else { size };
    let grid = p * s;
    let mut symbol = len / grid;
    if len % grid != 0 {
        symbol += 1;
    }
    if symbol % 2 == 1 {
        symbol += 1;
    }
    if symbol > MAX_SYMBOL_SIZE {
        return Err(abort_in(MODULE, E_BLOB_TOO_LARGE));
    }
    Ok(symbol)
}

/// `encoded_size`: n · ((p + s) · symbol_size + 64 · n). Cannot overflow a u64: n < 2^16,
/// p + s < 2^17 and the symbol size < 2^16.
pub fn encoded_size(size: u64, n_shards: u16) -> Result<u64, ExecutionError> {
    let symbol = symbol_size(size, n_shards)?;
    let (p, s) = source_symbols(n_shards)?;
    let n = u64::from(n_shards);
    Ok(n * ((p + s) * symbol + 64 * n))
}

/// `compute_blob_id`: blake2b256(bcs(encoding_type) ‖ bcs(size) ‖ bcs(root_hash)) read as a
/// little-endian u256.
pub fn compute_blob_id(encoding_type: u8, size: u64, root_hash: &U256) -> U256 {
    let mut data = vec![encoding_type];
    data.extend_from_slice(&size.to_le_bytes());
    data.extend_from_slice(&root_hash.to_le_bytes());
    U256::from_le_bytes(&blake2b256(&data))
}

/// `certification_message`: `[1, 0, 3] ‖ bcs(epoch) ‖ bcs(blob_id)`.
pub fn certification_message(epoch: u64, blob_id: &U256) -> Vec<u8> {
    let mut message = vec![INTENT_STORAGE_CONFIRMATION, INTENT_VERSION, INTENT_APP_ID];
    message.extend_from_slice(&epoch.to_le_bytes());
    message.extend_from_slice(&blob_id.to_le_bytes());
    message
}

/// `sui::hash::blake2b256`.
pub fn blake2b256(data: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// `source_symbols`: (p, s) for n shards; aborts `EInvalidShardCount` for n = 0.
fn source_symbols(n_shards: u16) -> Result<(u64, u64), ExecutionError> {
    if n_shards == 0 {
        return Err(abort_in(MODULE, E_INVALID_SHARD_COUNT));
    }
    let n = u64::from(n_shards);
    let f = (n - 1) / 3;
    Ok((n - 2 * f, n - f))
}

/// `price_of`: ⌈bytes / MiB⌉ × price × epochs, aborting `EPriceOverflow` above `u64::MAX`.
/// The Move code computes in u256; a u128 overflow here means the u256 result exceeds u64 too.
pub fn price_of(bytes: u64, price_per_mib: u64, epochs: u64) -> Result<u64, ExecutionError> {
    let mib = u128::from(bytes).div_ceil(MIB);
    mib.checked_mul(u128::from(price_per_mib))
        .and_then(|x| x.checked_mul(u128::from(epochs)))
        .and_then(|price| u64::try_from(price).ok())
        .ok_or_else(|| abort_in(MODULE, E_PRICE_OVERFLOW))
}

/// `take_payment`: takes `amount` out of the `Coin<WAL>` `payment` (change stays in it).
fn take_payment(
    ctx: &mut CallContext<'_>,
    payment: Address,
    amount: u64,
) -> Result<u64, ExecutionError> {
    if coin_value(ctx, payment)? < amount {
        return Err(abort_in(MODULE, E_INSUFFICIENT_PAYMENT));
    }
    take_from_coin(ctx, payment, amount)
}

// === Object plumbing ===

fn storage_tag() -> sui_sdk_types::StructTag {
    tag(MODULE, "Storage")
}

fn blob_tag() -> sui_sdk_types::StructTag {
    tag(MODULE, "Blob")
}

/// The `Storage` argument at `i`, read.
pub fn storage_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    i: usize,
) -> Result<(Address, Storage), ExecutionError> {
    let id = object_arg(ctx, args, i, &storage_tag())?;
    Ok((id, ctx.read(id)?))
}

/// The `Blob` argument at `i`, read.
pub fn blob_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    i: usize,
) -> Result<(Address, Blob), ExecutionError> {
    let id = object_arg(ctx, args, i, &blob_tag())?;
    Ok((id, ctx.read(id)?))
}

fn new_storage(
    ctx: &mut CallContext<'_>,
    start_epoch: u64,
    end_epoch: u64,
    storage_size: u64,
) -> Storage {
    let id = ctx.fresh_id();
    Storage::new(move_types::uid(id), start_epoch, end_epoch, storage_size)
}

fn move_address(address: Address) -> moverox::types::Address {
    moverox::types::Address::new(address.into_inner())
}

/// A `Storage` that leaves a `Blob` by value (`delete_blob`) is an object again, under its own
/// ID. Wrapped and unwrapped in the same transaction, it is the same working object again.
fn unwrap_storage(ctx: &mut CallContext<'_>, storage: &Storage) -> Result<Address, ExecutionError> {
    ctx.unwrap_object(storage_tag(), true, storage)
}

fn storage_read(
    ctx: &mut CallContext<'_>,
    args: &[Value],
    f: impl FnOnce(&Storage) -> Result<Value, ExecutionError>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(args, 1)?;
    let (_, storage) = storage_arg(ctx, args, 0)?;
    Ok(vec![f(&storage)?])
}

fn blob_read(
    ctx: &mut CallContext<'_>,
    args: &[Value],
    f: impl FnOnce(&Blob) -> Result<Value, ExecutionError>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(args, 1)?;
    let (_, blob) = blob_arg(ctx, args, 0)?;
    Ok(vec![f(&blob)?])
}

// === Storage ===

/// `reserve_space(system: &mut System, size: u64, epochs_ahead: u64, payment: &mut Coin<WAL>): Storage`
fn reserve_space_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 4)?;
    let (system_id, mut system) = system_arg(ctx, &args, 0)?;
    version::assert_current(system.version)?;
    let size: u64 = pure_arg(ctx, &args, 1)?;
    let epochs_ahead: u64 = pure_arg(ctx, &args, 2)?;
    let payment = object_arg(ctx, &args, 3, &wal_coin_tag())?;
    let storage = reserve_space(ctx, &mut system, size, epochs_ahead, payment)?;
    ctx.write(system_id, &system)?;
    let id = ctx.create_object(storage_tag(), true, &storage)?;
    Ok(vec![Value::Object(id)])
}

/// `blob::reserve_space` on the generated structs.
pub fn reserve_space(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    size: u64,
    epochs_ahead: u64,
    payment: Address,
) -> Result<Storage, ExecutionError> {
    let epoch = system.epoch;
    if !(epochs_ahead > 0 && epochs_ahead <= system.max_epochs_ahead) {
        return Err(abort_in(MODULE, E_INVALID_EPOCHS_AHEAD));
    }
    let storage_size = encoded_size(size, system.n_shards)?;
    let price = price_of(
        storage_size,
        system.storage_price_per_mib_epoch,
        epochs_ahead,
    )?;
    let fees = take_payment(ctx, payment, price)?;
    let end_epoch = epoch
        .checked_add(epochs_ahead)
        .ok_or_else(arithmetic_error)?;
    add_storage_fees(ctx, system, fees, epoch, end_epoch)?;
    reserve_capacity(ctx, system, storage_size, epoch, end_epoch)?;
    let storage = new_storage(ctx, epoch, end_epoch, storage_size);
    let event = StorageReserved::new(
        storage.id.id.clone(),
        move_address(ctx.sender()),
        epoch,
        epoch,
        end_epoch,
        size,
        storage_size,
        price,
    );
    emit(ctx, "StorageReserved", &event)?;
    Ok(storage)
}

/// `split_by_epoch(storage: &mut Storage, split_epoch: u64): Storage`
fn split_by_epoch_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (id, mut storage) = storage_arg(ctx, &args, 0)?;
    let split_epoch: u64 = pure_arg(ctx, &args, 1)?;
    let later = split_by_epoch(ctx, &mut storage, split_epoch)?;
    ctx.write(id, &storage)?;
    let later_id = ctx.create_object(storage_tag(), true, &later)?;
    Ok(vec![Value::Object(later_id)])
}

/// `blob::split_by_epoch`: `storage` keeps `[start, split_epoch)`, the returned piece covers
/// `[split_epoch, end)`.
pub fn split_by_epoch(
    ctx: &mut CallContext<'_>,
    storage: &mut Storage,
    split_epoch: u64,
) -> Result<Storage, ExecutionError> {
    if !(storage.start_epoch < split_epoch && split_epoch < storage.end_epoch) {
        return Err(abort_in(MODULE, E_INVALID_SPLIT_EPOCH));
    }
    let later = new_storage(ctx, split_epoch, storage.end_epoch, storage.storage_size);
    storage.end_epoch = split_epoch;
    emit_split(ctx, storage, &later)?;
    Ok(later)
}

/// `split_by_size(storage: &mut Storage, split_size: u64): Storage`
fn split_by_size_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (id, mut storage) = storage_arg(ctx, &args, 0)?;
    let split_size: u64 = pure_arg(ctx, &args, 1)?;
    let other = split_by_size(ctx, &mut storage, split_size)?;
    ctx.write(id, &storage)?;
    let other_id = ctx.create_object(storage_tag(), true, &other)?;
    Ok(vec![Value::Object(other_id)])
}

/// `blob::split_by_size`: `storage` keeps `split_size` bytes, the returned piece the rest.
pub fn split_by_size(
    ctx: &mut CallContext<'_>,
    storage: &mut Storage,
    split_size: u64,
) -> Result<Storage, ExecutionError> {
    if !(split_size > 0 && split_size < storage.storage_size) {
        return Err(abort_in(MODULE, E_INVALID_SPLIT_SIZE));
    }
    let rest = storage.storage_size - split_size;
    let other = new_storage(ctx, storage.start_epoch, storage.end_epoch, rest);
    storage.storage_size = split_size;
    emit_split(ctx, storage, &other)?;
    Ok(other)
}

/// `fuse(first: &mut Storage, second: Storage)`
fn fuse_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (first_id, mut first) = storage_arg(ctx, &args, 0)?;
    let (second_id, second) = storage_arg(ctx, &args, 1)?;
    fuse(ctx, &mut first, second)?;
    ctx.delete_object(second_id)?;
    ctx.write(first_id, &first)?;
    Ok(vec![])
}

/// `blob::fuse`: same epochs → sizes add; same size and adjacent epochs → the ranges join.
/// The caller deletes `second`'s object if it was one (it may be a fresh value).
pub fn fuse(
    ctx: &mut CallContext<'_>,
    first: &mut Storage,
    second: Storage,
) -> Result<(), ExecutionError> {
    let Storage {
        id,
        start_epoch,
        end_epoch,
        storage_size,
    } = second;
    if first.start_epoch == start_epoch && first.end_epoch == end_epoch {
        first.storage_size = first
            .storage_size
            .checked_add(storage_size)
            .ok_or_else(arithmetic_error)?;
    } else if first.storage_size == storage_size && first.end_epoch == start_epoch {
        first.end_epoch = end_epoch;
    } else if first.storage_size == storage_size && end_epoch == first.start_epoch {
        first.start_epoch = start_epoch;
    } else {
        return Err(abort_in(MODULE, E_INCOMPATIBLE_STORAGE));
    }
    let event = StorageFused::new(
        first.id.id.clone(),
        id.id,
        first.start_epoch,
        first.end_epoch,
        first.storage_size,
    );
    emit(ctx, "StorageFused", &event)
}

/// `destroy_storage(system: &mut System, storage: Storage)`
fn destroy_storage_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (system_id, mut system) = system_arg(ctx, &args, 0)?;
    version::assert_current(system.version)?;
    let (storage_id, storage) = storage_arg(ctx, &args, 1)?;
    let epoch = system.epoch;
    destroy_storage_inner(ctx, &mut system, storage, epoch)?;
    ctx.delete_object(storage_id)?;
    ctx.write(system_id, &system)?;
    Ok(vec![])
}

/// `destroy_storage_inner`: gives back the capacity of the epochs the storage still covers
/// (none once it has ended) and announces the destruction.
fn destroy_storage_inner(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    storage: Storage,
    epoch: u64,
) -> Result<(), ExecutionError> {
    release_capacity(
        ctx,
        system,
        storage.storage_size,
        storage.start_epoch,
        storage.end_epoch,
    )?;
    let released = if storage.end_epoch > epoch {
        storage.storage_size
    } else {
        0
    };
    let event = StorageDestroyed::new(storage.id.id.clone(), epoch, released);
    emit(ctx, "StorageDestroyed", &event)
}

fn emit_split(
    ctx: &mut CallContext<'_>,
    first: &Storage,
    second: &Storage,
) -> Result<(), ExecutionError> {
    let event = StorageSplit::new(
        first.id.id.clone(),
        second.id.id.clone(),
        first.start_epoch,
        first.end_epoch,
        first.storage_size,
        second.start_epoch,
        second.end_epoch,
        second.storage_size,
    );
    emit(ctx, "StorageSplit", &event)
}

// === Blobs ===

/// `register_blob(system: &mut System, registry: &mut BlobRegistry, storage: Storage,
/// blob_id: u256, root_hash: u256, size: u64, encoding_type: u8, deletable: bool,
/// write_payment: &mut Coin<WAL>): Blob`
fn register_blob_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 9)?;
    let (system_id, mut system) = system_arg(ctx, &args, 0)?;
    let (registry_id, mut registry) = registry_arg(ctx, &args, 1)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let (storage_id, storage) = storage_arg(ctx, &args, 2)?;
    let blob_id: U256 = pure_arg(ctx, &args, 3)?;
    let root_hash: U256 = pure_arg(ctx, &args, 4)?;
    let size: u64 = pure_arg(ctx, &args, 5)?;
    let encoding_type: u8 = pure_arg(ctx, &args, 6)?;
    let deletable: bool = pure_arg(ctx, &args, 7)?;
    let payment = object_arg(ctx, &args, 8, &wal_coin_tag())?;
    let blob = register_blob(
        ctx,
        &mut system,
        &mut registry,
        storage,
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        payment,
    )?;
    // The storage is wrapped in the blob: it leaves the object store.
    ctx.wrap(storage_id)?;
    ctx.write(system_id, &system)?;
    ctx.write(registry_id, &registry)?;
    let id = ctx.create_object(blob_tag(), true, &blob)?;
    Ok(vec![Value::Object(id)])
}

/// `blob::register_blob` on the generated structs.
#[allow(clippy::too_many_arguments)]
pub fn register_blob(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    registry: &mut BlobRegistry,
    storage: Storage,
    blob_id: U256,
    root_hash: U256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    write_payment: Address,
) -> Result<Blob, ExecutionError> {
    if encoding_type != RS2 {
        return Err(abort_in(MODULE, E_INVALID_ENCODING_TYPE));
    }
    if compute_blob_id(encoding_type, size, &root_hash) != blob_id {
        return Err(abort_in(MODULE, E_INVALID_BLOB_ID));
    }
    let epoch = system.epoch;
    if !(storage.start_epoch <= epoch && epoch < storage.end_epoch) {
        return Err(abort_in(MODULE, E_STORAGE_NOT_CURRENT));
    }
    let needed = encoded_size(size, system.n_shards)?;
    if storage.storage_size < needed {
        return Err(abort_in(MODULE, E_STORAGE_TOO_SMALL));
    }
    let write_fee = price_of(needed, system.write_price_per_mib, 1)?;
    let fees = take_payment(ctx, write_payment, write_fee)?;
    add_write_fees(ctx, system, fees)?;
    registry.total_registered = registry
        .total_registered
        .checked_add(1)
        .ok_or_else(arithmetic_error)?;
    let id = ctx.fresh_id();
    let blob = Blob::new(
        move_types::uid(id),
        epoch,
        blob_id,
        root_hash,
        size,
        encoding_type,
        None,
        storage,
        deletable,
    );
    let event = BlobRegistered::new(
        blob.id.id.clone(),
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        epoch,
        blob.storage.end_epoch,
        blob.storage.id.id.clone(),
        blob.storage.storage_size,
        write_fee,
        move_address(ctx.sender()),
    );
    emit(ctx, "BlobRegistered", &event)?;
    Ok(blob)
}

/// `certify_blob(system: &System, registry: &mut BlobRegistry, blob: &mut Blob,
/// signers: vector<u16>, signature: vector<u8>)`
fn certify_blob_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 5)?;
    let (_, system) = system_arg(ctx, &args, 0)?;
    let (registry_id, mut registry) = registry_arg(ctx, &args, 1)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let (blob_object, mut blob) = blob_arg(ctx, &args, 2)?;
    let signers: Vec<u16> = pure_arg(ctx, &args, 3)?;
    let signature: Vec<u8> = pure_arg(ctx, &args, 4)?;
    certify_blob(ctx, &system, &mut registry, &mut blob, &signers, &signature)?;
    ctx.write(registry_id, &registry)?;
    ctx.write(blob_object, &blob)?;
    Ok(vec![])
}

/// `blob::certify_blob`: checks the committee's aggregate signature over
/// `certification_message(epoch, blob_id)` and makes the blob ID live in the registry.
pub fn certify_blob(
    ctx: &mut CallContext<'_>,
    system: &System,
    registry: &mut BlobRegistry,
    blob: &mut Blob,
    signers: &[u16],
    signature: &[u8],
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    if blob.certified_epoch.is_some() {
        return Err(abort_in(MODULE, E_ALREADY_CERTIFIED));
    }
    if epoch >= blob.storage.end_epoch {
        return Err(abort_in(MODULE, E_BLOB_EXPIRED));
    }
    let message = certification_message(epoch, &blob.blob_id);
    verify_quorum(ctx, system, signers, signature, &message)?;
    blob.certified_epoch = Some(epoch);
    let refs = add_reference(
        ctx,
        registry,
        blob.blob_id,
        blob.root_hash,
        blob.size,
        blob.storage.end_epoch,
        epoch,
    )?;
    let event = BlobCertified::new(
        blob.id.id.clone(),
        blob.blob_id,
        epoch,
        blob.storage.end_epoch,
        blob.deletable,
        refs,
    );
    emit(ctx, "BlobCertified", &event)
}

/// `extend_blob(system: &System, registry: &mut BlobRegistry, blob: &mut Blob, extension: Storage)`
fn extend_blob_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 4)?;
    let (_, system) = system_arg(ctx, &args, 0)?;
    let (registry_id, mut registry) = registry_arg(ctx, &args, 1)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let (blob_object, mut blob) = blob_arg(ctx, &args, 2)?;
    let (extension_id, extension) = storage_arg(ctx, &args, 3)?;
    extend_blob(ctx, &system, &mut registry, &mut blob, extension)?;
    ctx.delete_object(extension_id)?;
    ctx.write(registry_id, &registry)?;
    ctx.write(blob_object, &blob)?;
    Ok(vec![])
}

/// `blob::extend_blob`: fuses a same-size `Storage` starting at the blob's end into it.
pub fn extend_blob(
    ctx: &mut CallContext<'_>,
    system: &System,
    registry: &mut BlobRegistry,
    blob: &mut Blob,
    extension: Storage,
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    let old_end = blob.storage.end_epoch;
    if epoch >= old_end {
        return Err(abort_in(MODULE, E_BLOB_EXPIRED));
    }
    if extension.start_epoch != old_end {
        return Err(abort_in(MODULE, E_EXTENSION_NOT_CONTIGUOUS));
    }
    if extension.storage_size != blob.storage.storage_size {
        return Err(abort_in(MODULE, E_EXTENSION_SIZE_MISMATCH));
    }
    let new_end = extension.end_epoch;
    // new_end > old_end > epoch: a `Storage` always ends after it starts.
    if new_end.checked_sub(epoch).ok_or_else(arithmetic_error)? > system.max_epochs_ahead {
        return Err(abort_in(MODULE, E_INVALID_EPOCHS_AHEAD));
    }
    fuse(ctx, &mut blob.storage, extension)?;
    if blob.certified_epoch.is_some() {
        replace_end(ctx, registry, blob.blob_id, old_end, new_end)?;
    }
    let event = BlobExtended::new(blob.id.id.clone(), blob.blob_id, epoch, old_end, new_end, 0);
    emit(ctx, "BlobExtended", &event)
}

/// `extend_blob_with_payment(system: &mut System, registry: &mut BlobRegistry, blob: &mut Blob,
/// extra_epochs: u64, payment: &mut Coin<WAL>)`
fn extend_blob_with_payment_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 5)?;
    let (system_id, mut system) = system_arg(ctx, &args, 0)?;
    let (registry_id, mut registry) = registry_arg(ctx, &args, 1)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let (blob_object, mut blob) = blob_arg(ctx, &args, 2)?;
    let extra_epochs: u64 = pure_arg(ctx, &args, 3)?;
    let payment = object_arg(ctx, &args, 4, &wal_coin_tag())?;
    extend_blob_with_payment(
        ctx,
        &mut system,
        &mut registry,
        &mut blob,
        extra_epochs,
        payment,
    )?;
    ctx.write(system_id, &system)?;
    ctx.write(registry_id, &registry)?;
    ctx.write(blob_object, &blob)?;
    Ok(vec![])
}

/// `blob::extend_blob_with_payment`: pays for `extra_epochs` more epochs of the blob's storage.
pub fn extend_blob_with_payment(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    registry: &mut BlobRegistry,
    blob: &mut Blob,
    extra_epochs: u64,
    payment: Address,
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    let old_end = blob.storage.end_epoch;
    if epoch >= old_end {
        return Err(abort_in(MODULE, E_BLOB_EXPIRED));
    }
    let max_ahead = system.max_epochs_ahead;
    if !(extra_epochs > 0 && extra_epochs <= max_ahead) {
        return Err(abort_in(MODULE, E_INVALID_EPOCHS_AHEAD));
    }
    let new_end = old_end
        .checked_add(extra_epochs)
        .ok_or_else(arithmetic_error)?;
    if new_end - epoch > max_ahead {
        return Err(abort_in(MODULE, E_INVALID_EPOCHS_AHEAD));
    }
    let price = price_of(
        blob.storage.storage_size,
        system.storage_price_per_mib_epoch,
        extra_epochs,
    )?;
    let fees = take_payment(ctx, payment, price)?;
    add_storage_fees(ctx, system, fees, old_end, new_end)?;
    reserve_capacity(ctx, system, blob.storage.storage_size, old_end, new_end)?;
    blob.storage.end_epoch = new_end;
    if blob.certified_epoch.is_some() {
        replace_end(ctx, registry, blob.blob_id, old_end, new_end)?;
    }
    let event = BlobExtended::new(
        blob.id.id.clone(),
        blob.blob_id,
        epoch,
        old_end,
        new_end,
        price,
    );
    emit(ctx, "BlobExtended", &event)
}

/// `delete_blob(system: &System, registry: &mut BlobRegistry, blob: Blob): Storage`
fn delete_blob_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 3)?;
    let (_, system) = system_arg(ctx, &args, 0)?;
    let (registry_id, mut registry) = registry_arg(ctx, &args, 1)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let (blob_object, blob) = blob_arg(ctx, &args, 2)?;
    let storage = delete_blob(ctx, &system, &mut registry, blob)?;
    ctx.delete_object(blob_object)?;
    ctx.write(registry_id, &registry)?;
    let storage_id = unwrap_storage(ctx, &storage)?;
    Ok(vec![Value::Object(storage_id)])
}

/// `blob::delete_blob`: deletes a deletable, unexpired blob and gives back its storage.
pub fn delete_blob(
    ctx: &mut CallContext<'_>,
    system: &System,
    registry: &mut BlobRegistry,
    blob: Blob,
) -> Result<Storage, ExecutionError> {
    if !blob.deletable {
        return Err(abort_in(MODULE, E_NOT_DELETABLE));
    }
    let epoch = system.epoch;
    if epoch >= blob.storage.end_epoch {
        return Err(abort_in(MODULE, E_BLOB_EXPIRED));
    }
    let was_certified = blob.certified_epoch.is_some();
    if was_certified {
        remove_reference(ctx, registry, blob.blob_id, blob.storage.end_epoch)?;
    }
    let live_references = reference_count(ctx, registry, &blob.blob_id)?;
    let event = BlobDeleted::new(
        blob.id.id.clone(),
        blob.blob_id,
        epoch,
        blob.storage.id.id.clone(),
        was_certified,
        live_references,
    );
    emit(ctx, "BlobDeleted", &event)?;
    Ok(blob.storage)
}

/// `destroy_expired(system: &mut System, registry: &mut BlobRegistry, blob: Blob)`
fn destroy_expired_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 3)?;
    let (system_id, mut system) = system_arg(ctx, &args, 0)?;
    let (registry_id, mut registry) = registry_arg(ctx, &args, 1)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let (blob_object, blob) = blob_arg(ctx, &args, 2)?;
    destroy_expired(ctx, &mut system, &mut registry, blob)?;
    ctx.delete_object(blob_object)?;
    ctx.write(system_id, &system)?;
    ctx.write(registry_id, &registry)?;
    Ok(vec![])
}

/// `blob::destroy_expired`: destroys a blob whose storage has ended, with its storage.
pub fn destroy_expired(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    registry: &mut BlobRegistry,
    blob: Blob,
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    let end_epoch = blob.storage.end_epoch;
    if end_epoch > epoch {
        return Err(abort_in(MODULE, E_BLOB_NOT_EXPIRED));
    }
    let was_certified = blob.certified_epoch.is_some();
    if was_certified {
        remove_reference(ctx, registry, blob.blob_id, end_epoch)?;
    }
    let live_references = reference_count(ctx, registry, &blob.blob_id)?;
    let event = BlobExpired::new(
        blob.id.id.clone(),
        blob.blob_id,
        epoch,
        end_epoch,
        was_certified,
        live_references,
    );
    emit(ctx, "BlobExpired", &event)?;
    destroy_storage_inner(ctx, system, blob.storage, epoch)
}

/// `prune_expired(system: &System, registry: &mut BlobRegistry, blob_id: u256)`
fn prune_expired_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 3)?;
    let (_, system) = system_arg(ctx, &args, 0)?;
    let (registry_id, mut registry) = registry_arg(ctx, &args, 1)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let blob_id: U256 = pure_arg(ctx, &args, 2)?;
    prune_expired(ctx, &system, &mut registry, blob_id)?;
    ctx.write(registry_id, &registry)?;
    Ok(vec![])
}

/// `blob::prune_expired`: removes the references to `blob_id` whose storage has ended.
pub fn prune_expired(
    ctx: &mut CallContext<'_>,
    system: &System,
    registry: &mut BlobRegistry,
    blob_id: U256,
) -> Result<(), ExecutionError> {
    let index = index_types();
    let entries = entry_types();
    if !table_contains(ctx, &registry.index, &index, &blob_id)? {
        return Err(abort_in(MODULE, E_NOT_CERTIFIED));
    }
    let epoch = system.epoch;
    let i: u64 = table_get(ctx, &registry.index, &index, &blob_id)?;
    let mut entry: CertifiedEntry = table_vec_get(ctx, &registry.entries, &entries, i)?;
    let removed = drop_ended(&mut entry, epoch);
    if removed == 0 {
        return Err(abort_in(MODULE, E_NOTHING_TO_PRUNE));
    }
    let left = reference_total(&entry);
    table_vec_set(ctx, &registry.entries, &entries, i, &entry)?;
    if left == 0 {
        remove_entry(ctx, registry, i)?;
    }
    let event = RegistryPruned::new(blob_id, epoch, removed, left);
    emit(ctx, "RegistryPruned", &event)
}

// === Registry reads ===

/// `certified_at`: (blob ID, root hash, latest end epoch) of the `i`-th live certified blob.
pub fn certified_at(
    ctx: &mut CallContext<'_>,
    registry: &BlobRegistry,
    i: u64,
) -> Result<(U256, U256, u64), ExecutionError> {
    if i >= table_vec_len(&registry.entries) {
        return Err(abort_in(MODULE, E_INDEX_OUT_OF_RANGE));
    }
    let entry: CertifiedEntry = table_vec_get(ctx, &registry.entries, &entry_types(), i)?;
    Ok((entry.blob_id, entry.root_hash, max_end(&entry.ends)))
}

/// Number of distinct live certified blob IDs.
pub fn certified_count(registry: &BlobRegistry) -> u64 {
    table_vec_len(&registry.entries)
}

/// `entry_of`: the entry of a live certified blob; aborts `ENotCertified` if none.
pub fn entry_of(
    ctx: &mut CallContext<'_>,
    registry: &BlobRegistry,
    blob_id: &U256,
) -> Result<CertifiedEntry, ExecutionError> {
    let index = index_types();
    if !table_contains(ctx, &registry.index, &index, blob_id)? {
        return Err(abort_in(MODULE, E_NOT_CERTIFIED));
    }
    let i: u64 = table_get(ctx, &registry.index, &index, blob_id)?;
    table_vec_get(ctx, &registry.entries, &entry_types(), i)
}

/// `size_of`: unencoded size of a live certified blob.
pub fn size_of(
    ctx: &mut CallContext<'_>,
    registry: &BlobRegistry,
    blob_id: &U256,
) -> Result<u64, ExecutionError> {
    Ok(entry_of(ctx, registry, blob_id)?.size)
}

/// `reference_count`: certified `Blob` objects referencing `blob_id` (0 if not live).
pub fn reference_count(
    ctx: &mut CallContext<'_>,
    registry: &BlobRegistry,
    blob_id: &U256,
) -> Result<u64, ExecutionError> {
    if is_certified(ctx, registry, blob_id)? {
        Ok(reference_total(&entry_of(ctx, registry, blob_id)?))
    } else {
        Ok(0)
    }
}

/// `max_end`: the last of the increasing `ends` (0 for none).
fn max_end(ends: &[u64]) -> u64 {
    ends.last().copied().unwrap_or(0)
}

fn registry_read(
    ctx: &mut CallContext<'_>,
    args: &[Value],
    f: impl FnOnce(&mut CallContext<'_>, &BlobRegistry, U256) -> Result<Value, ExecutionError>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(args, 2)?;
    let (_, registry) = registry_arg(ctx, args, 0)?;
    let blob_id: U256 = pure_arg(ctx, args, 1)?;
    Ok(vec![f(ctx, &registry, blob_id)?])
}

/// `is_certified(registry: &BlobRegistry, blob_id: u256): bool`
fn is_certified_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    registry_read(ctx, &args, |ctx, r, id| ret(&is_certified(ctx, r, &id)?))
}

/// `root_hash_of(registry: &BlobRegistry, blob_id: u256): u256`
fn root_hash_of_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    registry_read(ctx, &args, |ctx, r, id| {
        ret(&entry_of(ctx, r, &id)?.root_hash)
    })
}

/// `size_of(registry: &BlobRegistry, blob_id: u256): u64`
fn size_of_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    registry_read(ctx, &args, |ctx, r, id| ret(&size_of(ctx, r, &id)?))
}

/// `end_epoch_of(registry: &BlobRegistry, blob_id: u256): u64`
fn end_epoch_of_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    registry_read(ctx, &args, |ctx, r, id| {
        ret(&max_end(&entry_of(ctx, r, &id)?.ends))
    })
}

/// `reference_count(registry: &BlobRegistry, blob_id: u256): u64`
fn reference_count_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    registry_read(ctx, &args, |ctx, r, id| ret(&reference_count(ctx, r, &id)?))
}

/// `certified_count(registry: &BlobRegistry): u64`
fn certified_count_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let (_, registry) = registry_arg(ctx, &args, 0)?;
    Ok(vec![ret(&certified_count(&registry))?])
}

/// `total_registered(registry: &BlobRegistry): u64`
fn total_registered_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let (_, registry) = registry_arg(ctx, &args, 0)?;
    Ok(vec![ret(&registry.total_registered)?])
}

/// `certified_at(registry: &BlobRegistry, i: u64): (u256, u256, u64)`
fn certified_at_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (_, registry) = registry_arg(ctx, &args, 0)?;
    let i: u64 = pure_arg(ctx, &args, 1)?;
    let (blob_id, root_hash, end_epoch) = certified_at(ctx, &registry, i)?;
    Ok(vec![ret(&blob_id)?, ret(&root_hash)?, ret(&end_epoch)?])
}

// === Pure helpers ===

/// `symbol_size(size: u64, n_shards: u16): u64`
fn symbol_size_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let size: u64 = pure_arg(ctx, &args, 0)?;
    let n_shards: u16 = pure_arg(ctx, &args, 1)?;
    Ok(vec![ret(&symbol_size(size, n_shards)?)?])
}

/// `encoded_size(size: u64, n_shards: u16): u64`
fn encoded_size_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let size: u64 = pure_arg(ctx, &args, 0)?;
    let n_shards: u16 = pure_arg(ctx, &args, 1)?;
    Ok(vec![ret(&encoded_size(size, n_shards)?)?])
}

/// `compute_blob_id(encoding_type: u8, size: u64, root_hash: u256): u256`
fn compute_blob_id_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 3)?;
    let encoding_type: u8 = pure_arg(ctx, &args, 0)?;
    let size: u64 = pure_arg(ctx, &args, 1)?;
    let root_hash: U256 = pure_arg(ctx, &args, 2)?;
    Ok(vec![ret(&compute_blob_id(
        encoding_type,
        size,
        &root_hash,
    ))?])
}

/// `certification_message(epoch: u64, blob_id: u256): vector<u8>`
fn certification_message_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let epoch: u64 = pure_arg(ctx, &args, 0)?;
    let blob_id: U256 = pure_arg(ctx, &args, 1)?;
    Ok(vec![ret(&certification_message(epoch, &blob_id))?])
}

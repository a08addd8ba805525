//! `floe::blob`: storage reservations, blobs and the registry of live certified blobs.
//!
//! Mirrors `move/floe/sources/blob.move` function by function. `Storage` and `Blob` are owned
//! objects; a `Storage` passed by value into a `Blob` (`register_blob`) is wrapped: it leaves
//! the object store (the effects say so without an ID deletion, as on Sui) and comes back
//! unwrapped under the same ID when `delete_blob` returns it.

use floe_sdk::move_types::{
    self, MoveString, U256,
    blob::{Attributes, AttributesKey, Blob, BlobRegistry, CertifiedEntry, Storage},
    events::{
        BlobAttributeRemoved, BlobAttributeSet, BlobCertified, BlobDeleted, BlobExpired,
        BlobExtended, BlobRegistered, RegistryPruned, StorageDestroyed, StorageFused,
        StorageReserved, StorageSplit,
    },
    system::System,
};
use sui_sdk_types::{Address, ExecutionError, MoveLocation, TypeTag};

use super::args::{Obj, Returned, WalCoin};
use super::system::{
    add_storage_fees, add_write_fees, release_capacity, reserve_capacity, verify_quorum,
};
use super::version;
use super::{
    TableTypes, abort_in, coin_value, create_object, emit, table_add, table_contains, table_get,
    table_new, table_remove, table_set, table_vec_get, table_vec_len, table_vec_push,
    table_vec_set, table_vec_swap_remove, table_vec_types, take_from_coin, type_tag_of,
    unwrap_object,
};
use crate::runtime::CallContext;

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
/// Attribute limits.
pub const MAX_ATTRIBUTE_KEY_BYTES: usize = 128;
pub const MAX_ATTRIBUTE_VALUE_BYTES: usize = 1_024;
pub const MAX_ATTRIBUTES: usize = 64;

// === Abort codes (blob.move) ===

/// The abort codes of `floe::blob`, generated from the Move source.
pub use floe_sdk::move_aborts::blob::*;

include!(concat!(env!("OUT_DIR"), "/floe_blob.rs"));

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
    create_object(ctx, false, &registry)?;
    ctx.share(id)?;
    Ok(id)
}

/// `is_certified` on a registry value: whether a live certified blob with this ID exists.
pub fn is_live(
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
    table_vec_types(type_tag_of::<CertifiedEntry>())
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

// === RS2 sizes and blob IDs ===

/// The RS2 arithmetic behind `symbol_size`, `encoded_size`, `compute_blob_id` and
/// `certification_message`, on plain values (other modules and tests use it too).
pub mod rs2 {
    use floe_sdk::move_types::U256;
    use sui_sdk_types::ExecutionError;

    use super::{
        E_BLOB_TOO_LARGE, E_INVALID_SHARD_COUNT, INTENT_APP_ID, INTENT_STORAGE_CONFIRMATION,
        INTENT_VERSION, MAX_SYMBOL_SIZE, MODULE, abort_in, blake2b256,
    };

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

    /// `source_symbols`: (p, s) for n shards; aborts `EInvalidShardCount` for n = 0.
    fn source_symbols(n_shards: u16) -> Result<(u64, u64), ExecutionError> {
        if n_shards == 0 {
            return Err(abort_in(MODULE, E_INVALID_SHARD_COUNT));
        }
        let n = u64::from(n_shards);
        let f = (n - 1) / 3;
        Ok((n - 2 * f, n - f))
    }
}

/// `sui::hash::blake2b256`.
pub fn blake2b256(data: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
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

/// Checks the package version of the shared `System` and `BlobRegistry` a blob function takes.
fn assert_current(system: &System, registry: &BlobRegistry) -> Result<(), ExecutionError> {
    version::assert_current(system.version)?;
    version::assert_current(registry.version)
}

// === Storage ===

/// `reserve_space`: buys storage from the current epoch for `epochs_ahead` epochs.
fn reserve_space(
    ctx: &mut CallContext<'_>,
    mut system: Obj<System>,
    size: u64,
    epochs_ahead: u64,
    payment: WalCoin,
) -> Result<Returned<Storage>, ExecutionError> {
    version::assert_current(system.version)?;
    let epoch = system.epoch;
    if !(epochs_ahead > 0 && epochs_ahead <= system.max_epochs_ahead) {
        return Err(abort_in(MODULE, E_INVALID_EPOCHS_AHEAD));
    }
    let storage_size = rs2::encoded_size(size, system.n_shards)?;
    let price = price_of(
        storage_size,
        system.storage_price_per_mib_epoch,
        epochs_ahead,
    )?;
    let fees = take_payment(ctx, payment.0, price)?;
    let end_epoch = epoch
        .checked_add(epochs_ahead)
        .ok_or_else(arithmetic_error)?;
    add_storage_fees(ctx, &mut system, fees, epoch, end_epoch)?;
    reserve_capacity(ctx, &mut system, storage_size, epoch, end_epoch)?;
    let storage = new_storage(ctx, epoch, end_epoch, storage_size);
    let event = StorageReserved {
        storage_id: storage.id.id.clone(),
        owner: move_address(ctx.sender()),
        epoch,
        start_epoch: epoch,
        end_epoch,
        unencoded_size: size,
        storage_size,
        price,
    };
    emit(ctx, &event)?;
    system.save(ctx)?;
    let id = create_object(ctx, true, &storage)?;
    Ok(Returned::new(id))
}

/// `split_by_epoch`: `storage` keeps `[start, split_epoch)`, the returned piece covers
/// `[split_epoch, end)`.
fn split_by_epoch(
    ctx: &mut CallContext<'_>,
    mut storage: Obj<Storage>,
    split_epoch: u64,
) -> Result<Returned<Storage>, ExecutionError> {
    if !(storage.start_epoch < split_epoch && split_epoch < storage.end_epoch) {
        return Err(abort_in(MODULE, E_INVALID_SPLIT_EPOCH));
    }
    let later = new_storage(ctx, split_epoch, storage.end_epoch, storage.storage_size);
    storage.end_epoch = split_epoch;
    emit_split(ctx, &storage, &later)?;
    storage.save(ctx)?;
    let later_id = create_object(ctx, true, &later)?;
    Ok(Returned::new(later_id))
}

/// `split_by_size`: `storage` keeps `split_size` bytes, the returned piece the rest.
fn split_by_size(
    ctx: &mut CallContext<'_>,
    mut storage: Obj<Storage>,
    split_size: u64,
) -> Result<Returned<Storage>, ExecutionError> {
    if !(split_size > 0 && split_size < storage.storage_size) {
        return Err(abort_in(MODULE, E_INVALID_SPLIT_SIZE));
    }
    let rest = storage.storage_size - split_size;
    let other = new_storage(ctx, storage.start_epoch, storage.end_epoch, rest);
    storage.storage_size = split_size;
    emit_split(ctx, &storage, &other)?;
    storage.save(ctx)?;
    let other_id = create_object(ctx, true, &other)?;
    Ok(Returned::new(other_id))
}

fn fuse(
    ctx: &mut CallContext<'_>,
    mut first: Obj<Storage>,
    second: Obj<Storage>,
) -> Result<(), ExecutionError> {
    fuse_into(ctx, &mut first, second.value)?;
    ctx.delete_object(second.id)?;
    first.save(ctx)?;
    Ok(())
}

/// The body of `fuse`: same epochs → sizes add; same size and adjacent epochs → the ranges
/// join. The caller deletes `second`'s object (`extend_blob` passes one by value too).
fn fuse_into(
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
    let event = StorageFused {
        storage_id: first.id.id.clone(),
        absorbed_storage_id: id.id,
        start_epoch: first.start_epoch,
        end_epoch: first.end_epoch,
        storage_size: first.storage_size,
    };
    emit(ctx, &event)
}

fn destroy_storage(
    ctx: &mut CallContext<'_>,
    mut system: Obj<System>,
    storage: Obj<Storage>,
) -> Result<(), ExecutionError> {
    version::assert_current(system.version)?;
    let epoch = system.epoch;
    destroy_storage_inner(ctx, &mut system, storage.value, epoch)?;
    ctx.delete_object(storage.id)?;
    system.save(ctx)?;
    Ok(())
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
    let event = StorageDestroyed {
        storage_id: storage.id.id.clone(),
        epoch,
        capacity_released: released,
    };
    emit(ctx, &event)
}

fn emit_split(
    ctx: &mut CallContext<'_>,
    first: &Storage,
    second: &Storage,
) -> Result<(), ExecutionError> {
    let event = StorageSplit {
        storage_id: first.id.id.clone(),
        new_storage_id: second.id.id.clone(),
        start_epoch: first.start_epoch,
        end_epoch: first.end_epoch,
        storage_size: first.storage_size,
        new_start_epoch: second.start_epoch,
        new_end_epoch: second.end_epoch,
        new_storage_size: second.storage_size,
    };
    emit(ctx, &event)
}

// === Blobs ===

#[allow(clippy::too_many_arguments)]
fn register_blob(
    ctx: &mut CallContext<'_>,
    mut system: Obj<System>,
    mut registry: Obj<BlobRegistry>,
    storage: Obj<Storage>,
    blob_id: U256,
    root_hash: U256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    write_payment: WalCoin,
) -> Result<Returned<Blob>, ExecutionError> {
    assert_current(&system, &registry)?;
    if encoding_type != RS2 {
        return Err(abort_in(MODULE, E_INVALID_ENCODING_TYPE));
    }
    if rs2::compute_blob_id(encoding_type, size, &root_hash) != blob_id {
        return Err(abort_in(MODULE, E_INVALID_BLOB_ID));
    }
    let epoch = system.epoch;
    if !(storage.start_epoch <= epoch && epoch < storage.end_epoch) {
        return Err(abort_in(MODULE, E_STORAGE_NOT_CURRENT));
    }
    let needed = rs2::encoded_size(size, system.n_shards)?;
    if storage.storage_size < needed {
        return Err(abort_in(MODULE, E_STORAGE_TOO_SMALL));
    }
    let write_fee = price_of(needed, system.write_price_per_mib, 1)?;
    let fees = take_payment(ctx, write_payment.0, write_fee)?;
    add_write_fees(ctx, &mut system, fees)?;
    registry.total_registered = registry
        .total_registered
        .checked_add(1)
        .ok_or_else(arithmetic_error)?;
    let id = ctx.fresh_id();
    let Obj {
        id: storage_id,
        value: storage,
    } = storage;
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
    let event = BlobRegistered {
        blob_object_id: blob.id.id.clone(),
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        epoch,
        end_epoch: blob.storage.end_epoch,
        storage_id: blob.storage.id.id.clone(),
        storage_size: blob.storage.storage_size,
        write_fee,
        owner: move_address(ctx.sender()),
    };
    emit(ctx, &event)?;
    // The storage is wrapped in the blob: it leaves the object store.
    ctx.wrap(storage_id)?;
    system.save(ctx)?;
    registry.save(ctx)?;
    let id = create_object(ctx, true, &blob)?;
    Ok(Returned::new(id))
}

/// `certify_blob`: checks the committee's aggregate signature over `certification_message(epoch,
/// blob_id)` and makes the blob ID live in the registry.
fn certify_blob(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    mut registry: Obj<BlobRegistry>,
    mut blob: Obj<Blob>,
    signers: Vec<u16>,
    signature: Vec<u8>,
) -> Result<(), ExecutionError> {
    assert_current(&system, &registry)?;
    let epoch = system.epoch;
    if blob.certified_epoch.is_some() {
        return Err(abort_in(MODULE, E_ALREADY_CERTIFIED));
    }
    if epoch >= blob.storage.end_epoch {
        return Err(abort_in(MODULE, E_BLOB_EXPIRED));
    }
    let message = rs2::certification_message(epoch, &blob.blob_id);
    verify_quorum(ctx, &system, &signers, &signature, &message)?;
    blob.certified_epoch = Some(epoch);
    let refs = add_reference(
        ctx,
        &mut registry,
        blob.blob_id,
        blob.root_hash,
        blob.size,
        blob.storage.end_epoch,
        epoch,
    )?;
    let event = BlobCertified {
        blob_object_id: blob.value.id.id.clone(),
        blob_id: blob.blob_id,
        epoch,
        end_epoch: blob.storage.end_epoch,
        deletable: blob.deletable,
        live_references: refs,
    };
    emit(ctx, &event)?;
    registry.save(ctx)?;
    blob.save(ctx)?;
    Ok(())
}

/// `extend_blob`: fuses a same-size `Storage` starting at the blob's end into it.
fn extend_blob(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    registry: Obj<BlobRegistry>,
    mut blob: Obj<Blob>,
    extension: Obj<Storage>,
) -> Result<(), ExecutionError> {
    assert_current(&system, &registry)?;
    let Obj {
        id: extension_id,
        value: extension,
    } = extension;
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
    fuse_into(ctx, &mut blob.storage, extension)?;
    if blob.certified_epoch.is_some() {
        replace_end(ctx, &registry, blob.blob_id, old_end, new_end)?;
    }
    let event = BlobExtended {
        blob_object_id: blob.value.id.id.clone(),
        blob_id: blob.blob_id,
        epoch,
        old_end_epoch: old_end,
        new_end_epoch: new_end,
        price: 0,
    };
    emit(ctx, &event)?;
    ctx.delete_object(extension_id)?;
    registry.save(ctx)?;
    blob.save(ctx)?;
    Ok(())
}

/// `extend_blob_with_payment`: pays for `extra_epochs` more epochs of the blob's storage.
fn extend_blob_with_payment(
    ctx: &mut CallContext<'_>,
    mut system: Obj<System>,
    registry: Obj<BlobRegistry>,
    mut blob: Obj<Blob>,
    extra_epochs: u64,
    payment: WalCoin,
) -> Result<(), ExecutionError> {
    assert_current(&system, &registry)?;
    let price = extension_price(&system, &blob, extra_epochs)?;
    let fees = take_payment(ctx, payment.0, price)?;
    extend_paid(
        ctx,
        &mut system,
        &registry,
        &mut blob.value,
        extra_epochs,
        fees,
    )?;
    system.save(ctx)?;
    registry.save(ctx)?;
    blob.save(ctx)?;
    Ok(())
}

/// `extension_price(system, blob, extra_epochs)`: the price of extending `blob` by
/// `extra_epochs` at the current storage price. Aborts `EBlobExpired`,
/// `EInvalidEpochsAhead`, `EPriceOverflow`.
pub fn extension_price(
    system: &System,
    blob: &Blob,
    extra_epochs: u64,
) -> Result<u64, ExecutionError> {
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
    price_of(
        blob.storage.storage_size,
        system.storage_price_per_mib_epoch,
        extra_epochs,
    )
}

/// The rest of `extend_blob_with_payment` once `fees` (the price, checked by
/// `extension_price`) are taken: pays them to the added epochs' committees, reserves the
/// blob's size in those epochs, moves the end and emits `BlobExtended`. The caller saves the
/// `System`, the registry and whatever holds the blob.
pub fn extend_paid(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    registry: &BlobRegistry,
    blob: &mut Blob,
    extra_epochs: u64,
    fees: u64,
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    let old_end = blob.storage.end_epoch;
    let new_end = old_end + extra_epochs;
    add_storage_fees(ctx, system, fees, old_end, new_end)?;
    reserve_capacity(ctx, system, blob.storage.storage_size, old_end, new_end)?;
    blob.storage.end_epoch = new_end;
    if blob.certified_epoch.is_some() {
        replace_end(ctx, registry, blob.blob_id, old_end, new_end)?;
    }
    let event = BlobExtended {
        blob_object_id: blob.id.id.clone(),
        blob_id: blob.blob_id,
        epoch,
        old_end_epoch: old_end,
        new_end_epoch: new_end,
        price: fees,
    };
    emit(ctx, &event)
}

/// `delete_blob`: deletes a deletable, unexpired blob and gives back its storage.
fn delete_blob(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    mut registry: Obj<BlobRegistry>,
    blob: Obj<Blob>,
) -> Result<Returned<Storage>, ExecutionError> {
    assert_current(&system, &registry)?;
    let Obj {
        id: blob_object,
        value: blob,
    } = blob;
    if !blob.deletable {
        return Err(abort_in(MODULE, E_NOT_DELETABLE));
    }
    let epoch = system.epoch;
    if epoch >= blob.storage.end_epoch {
        return Err(abort_in(MODULE, E_BLOB_EXPIRED));
    }
    let was_certified = blob.certified_epoch.is_some();
    if was_certified {
        remove_reference(ctx, &mut registry, blob.blob_id, blob.storage.end_epoch)?;
    }
    let live_references = live_references(ctx, &registry, &blob.blob_id)?;
    let event = BlobDeleted {
        blob_object_id: blob.id.id.clone(),
        blob_id: blob.blob_id,
        epoch,
        storage_id: blob.storage.id.id.clone(),
        was_certified,
        live_references,
    };
    emit(ctx, &event)?;
    drop_attributes(ctx, blob_object)?;
    ctx.delete_object(blob_object)?;
    registry.save(ctx)?;
    // The storage leaves the blob by value: an object again, under its own ID (wrapped and
    // unwrapped in one transaction, it is the same working object again).
    let storage_id = unwrap_object(ctx, true, &blob.storage)?;
    Ok(Returned::new(storage_id))
}

/// `destroy_expired`: destroys a blob whose storage has ended, with its storage.
fn destroy_expired(
    ctx: &mut CallContext<'_>,
    mut system: Obj<System>,
    mut registry: Obj<BlobRegistry>,
    blob: Obj<Blob>,
) -> Result<(), ExecutionError> {
    assert_current(&system, &registry)?;
    let Obj {
        id: blob_object,
        value: blob,
    } = blob;
    let epoch = system.epoch;
    let end_epoch = blob.storage.end_epoch;
    if end_epoch > epoch {
        return Err(abort_in(MODULE, E_BLOB_NOT_EXPIRED));
    }
    let was_certified = blob.certified_epoch.is_some();
    if was_certified {
        remove_reference(ctx, &mut registry, blob.blob_id, end_epoch)?;
    }
    let live_references = live_references(ctx, &registry, &blob.blob_id)?;
    let event = BlobExpired {
        blob_object_id: blob.id.id.clone(),
        blob_id: blob.blob_id,
        epoch,
        end_epoch,
        was_certified,
        live_references,
    };
    emit(ctx, &event)?;
    destroy_storage_inner(ctx, &mut system, blob.storage, epoch)?;
    drop_attributes(ctx, blob_object)?;
    ctx.delete_object(blob_object)?;
    system.save(ctx)?;
    registry.save(ctx)?;
    Ok(())
}

/// `prune_expired`: removes the references to `blob_id` whose storage has ended.
fn prune_expired(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    mut registry: Obj<BlobRegistry>,
    blob_id: U256,
) -> Result<(), ExecutionError> {
    assert_current(&system, &registry)?;
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
        remove_entry(ctx, &mut registry, i)?;
    }
    let event = RegistryPruned {
        blob_id,
        epoch,
        removed,
        live_references: left,
    };
    emit(ctx, &event)?;
    registry.save(ctx)?;
    Ok(())
}

// === Attributes ===

fn attributes_key_type() -> TypeTag {
    type_tag_of::<AttributesKey>()
}

/// The attributes of blob object `blob`, if it has the field.
fn read_attributes(
    ctx: &mut CallContext<'_>,
    blob: Address,
) -> Result<Option<Attributes>, ExecutionError> {
    let key_type = attributes_key_type();
    if !ctx.field_exists(blob, &key_type, &AttributesKey::new())? {
        return Ok(None);
    }
    ctx.field_borrow(blob, &key_type, &AttributesKey::new())
        .map(Some)
}

/// `drop_attributes`: removes the attributes field, if any.
fn drop_attributes(ctx: &mut CallContext<'_>, blob: Address) -> Result<(), ExecutionError> {
    let key_type = attributes_key_type();
    if ctx.field_exists(blob, &key_type, &AttributesKey::new())? {
        let _: Attributes = ctx.field_remove(blob, &key_type, &AttributesKey::new())?;
    }
    Ok(())
}

/// `set_attribute`: adds or replaces; a replaced key moves to the end, as `vec_map::remove` then
/// `insert` do. Aborts `EAttributeTooLarge`, `ETooManyAttributes`.
fn set_attribute(
    ctx: &mut CallContext<'_>,
    blob: Obj<Blob>,
    key: MoveString,
    value: MoveString,
) -> Result<(), ExecutionError> {
    if key.bytes.is_empty()
        || key.bytes.len() > MAX_ATTRIBUTE_KEY_BYTES
        || value.bytes.len() > MAX_ATTRIBUTE_VALUE_BYTES
    {
        return Err(abort_in(MODULE, E_ATTRIBUTE_TOO_LARGE));
    }
    let key_type = attributes_key_type();
    if !ctx.field_exists(blob.id, &key_type, &AttributesKey::new())? {
        let empty = Attributes::new(move_types::VecMap::new(Vec::new()));
        ctx.field_add(
            blob.id,
            &key_type,
            &AttributesKey::new(),
            &type_tag_of::<Attributes>(),
            &empty,
        )?;
    }
    let (entry_key, entry_value) = (key.clone(), value.clone());
    let full = ctx.field_borrow_mut(
        blob.id,
        &key_type,
        &AttributesKey::new(),
        |attributes: &mut Attributes| {
            let entries = &mut attributes.pairs.contents;
            if let Some(k) = entries.iter().position(|e| e.key == entry_key) {
                entries.remove(k);
            } else if entries.len() >= MAX_ATTRIBUTES {
                return true;
            }
            entries.push(move_types::VecMapEntry::new(entry_key, entry_value));
            false
        },
    )?;
    if full {
        return Err(abort_in(MODULE, E_TOO_MANY_ATTRIBUTES));
    }
    let event = BlobAttributeSet {
        blob_object_id: blob.value.id.id.clone(),
        blob_id: blob.blob_id,
        key,
        value,
    };
    emit(ctx, &event)
}

/// Aborts `EAttributeNotFound`.
fn remove_attribute(
    ctx: &mut CallContext<'_>,
    blob: Obj<Blob>,
    key: MoveString,
) -> Result<(), ExecutionError> {
    let Some(attributes) = read_attributes(ctx, blob.id)? else {
        return Err(abort_in(MODULE, E_ATTRIBUTE_NOT_FOUND));
    };
    if !attributes.pairs.contents.iter().any(|e| e.key == key) {
        return Err(abort_in(MODULE, E_ATTRIBUTE_NOT_FOUND));
    }
    let now_empty = ctx.field_borrow_mut(
        blob.id,
        &attributes_key_type(),
        &AttributesKey::new(),
        |attributes: &mut Attributes| {
            attributes.pairs.contents.retain(|e| e.key != key);
            attributes.pairs.contents.is_empty()
        },
    )?;
    if now_empty {
        drop_attributes(ctx, blob.id)?;
    }
    let event = BlobAttributeRemoved {
        blob_object_id: blob.value.id.id.clone(),
        blob_id: blob.blob_id,
        key,
    };
    emit(ctx, &event)
}

/// `clear_attributes`: removes them all, one `BlobAttributeRemoved` each.
fn clear_attributes(ctx: &mut CallContext<'_>, blob: Obj<Blob>) -> Result<(), ExecutionError> {
    let Some(attributes) = read_attributes(ctx, blob.id)? else {
        return Ok(());
    };
    drop_attributes(ctx, blob.id)?;
    for entry in attributes.pairs.contents {
        let event = BlobAttributeRemoved {
            blob_object_id: blob.value.id.id.clone(),
            blob_id: blob.blob_id,
            key: entry.key,
        };
        emit(ctx, &event)?;
    }
    Ok(())
}

fn attribute(
    ctx: &mut CallContext<'_>,
    blob: Obj<Blob>,
    key: MoveString,
) -> Result<Option<MoveString>, ExecutionError> {
    Ok(read_attributes(ctx, blob.id)?.and_then(|attributes| {
        attributes
            .pairs
            .contents
            .into_iter()
            .find(|e| e.key == key)
            .map(|e| e.value)
    }))
}

/// `attribute_keys`, in the order they were set.
fn attribute_keys(
    ctx: &mut CallContext<'_>,
    blob: Obj<Blob>,
) -> Result<Vec<MoveString>, ExecutionError> {
    Ok(read_attributes(ctx, blob.id)?
        .map(|attributes| {
            attributes
                .pairs
                .contents
                .into_iter()
                .map(|e| e.key)
                .collect()
        })
        .unwrap_or_default())
}

// === Registry reads on a registry value (other modules use them too) ===

/// `certified_at` on a registry value: (blob ID, root hash, latest end epoch) of the `i`-th
/// live certified blob.
pub fn live_at(
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

/// `certified_count` on a registry value: the number of distinct live certified blob IDs.
pub fn live_count(registry: &BlobRegistry) -> u64 {
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

/// `reference_count` on a registry value: certified `Blob` objects referencing `blob_id` (0
/// if not live).
fn live_references(
    ctx: &mut CallContext<'_>,
    registry: &BlobRegistry,
    blob_id: &U256,
) -> Result<u64, ExecutionError> {
    if is_live(ctx, registry, blob_id)? {
        Ok(reference_total(&entry_of(ctx, registry, blob_id)?))
    } else {
        Ok(0)
    }
}

/// `max_end`: the last of the increasing `ends` (0 for none).
fn max_end(ends: &[u64]) -> u64 {
    ends.last().copied().unwrap_or(0)
}

// === Registry reads ===

fn is_certified(
    ctx: &mut CallContext<'_>,
    registry: Obj<BlobRegistry>,
    blob_id: U256,
) -> Result<bool, ExecutionError> {
    is_live(ctx, &registry, &blob_id)
}

fn certified_count(
    _ctx: &mut CallContext<'_>,
    registry: Obj<BlobRegistry>,
) -> Result<u64, ExecutionError> {
    Ok(live_count(&registry))
}

fn certified_at(
    ctx: &mut CallContext<'_>,
    registry: Obj<BlobRegistry>,
    i: u64,
) -> Result<(U256, U256, u64), ExecutionError> {
    let (blob_id, root_hash, end_epoch) = live_at(ctx, &registry, i)?;
    Ok((blob_id, root_hash, end_epoch))
}

fn root_hash_of(
    ctx: &mut CallContext<'_>,
    registry: Obj<BlobRegistry>,
    blob_id: U256,
) -> Result<U256, ExecutionError> {
    Ok(entry_of(ctx, &registry, &blob_id)?.root_hash)
}

fn size_of(
    ctx: &mut CallContext<'_>,
    registry: Obj<BlobRegistry>,
    blob_id: U256,
) -> Result<u64, ExecutionError> {
    Ok(entry_of(ctx, &registry, &blob_id)?.size)
}

fn end_epoch_of(
    ctx: &mut CallContext<'_>,
    registry: Obj<BlobRegistry>,
    blob_id: U256,
) -> Result<u64, ExecutionError> {
    Ok(max_end(&entry_of(ctx, &registry, &blob_id)?.ends))
}

fn reference_count(
    ctx: &mut CallContext<'_>,
    registry: Obj<BlobRegistry>,
    blob_id: U256,
) -> Result<u64, ExecutionError> {
    live_references(ctx, &registry, &blob_id)
}

// === Storage and blob reads ===

fn is_blob_certified(_ctx: &mut CallContext<'_>, blob: Obj<Blob>) -> Result<bool, ExecutionError> {
    Ok(blob.certified_epoch.is_some())
}

// === RS2 sizes ===

fn symbol_size(
    _ctx: &mut CallContext<'_>,
    size: u64,
    n_shards: u16,
) -> Result<u64, ExecutionError> {
    rs2::symbol_size(size, n_shards)
}

fn encoded_size(
    _ctx: &mut CallContext<'_>,
    size: u64,
    n_shards: u16,
) -> Result<u64, ExecutionError> {
    rs2::encoded_size(size, n_shards)
}

fn compute_blob_id(
    _ctx: &mut CallContext<'_>,
    encoding_type: u8,
    size: u64,
    root_hash: U256,
) -> Result<U256, ExecutionError> {
    Ok(rs2::compute_blob_id(encoding_type, size, &root_hash))
}

fn certification_message(
    _ctx: &mut CallContext<'_>,
    epoch: u64,
    blob_id: U256,
) -> Result<Vec<u8>, ExecutionError> {
    Ok(rs2::certification_message(epoch, &blob_id))
}

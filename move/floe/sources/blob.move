/// Storage reservations, blobs and the registry of live certified blobs.
///
/// A user buys a `Storage` resource (encoded bytes for a range of epochs) with
/// `reserve_space`, registers a `Blob` on it with `register_blob` (the blob ID is recomputed
/// on-chain from the encoding type, the size and the Merkle root of the sliver pairs), sends
/// the slivers to the storage nodes and certifies the blob with their aggregate BLS signature
/// (`certify_blob`). Certified blobs are listed in the shared `BlobRegistry`, which
/// `floe::challenge` samples for availability challenges. Blobs can be extended, deleted when
/// deletable (the storage comes back) and destroyed by their owner once expired.
///
/// Capacity: a `Storage` of `storage_size` bytes for `[start_epoch, end_epoch)` holds
/// `storage_size` bytes of the system's capacity in each of those epochs (`system` accounts
/// capacity per epoch). `reserve_space` and `extend_blob_with_payment` reserve the epochs they
/// sell; each epoch's capacity comes back when that epoch ends, whether or not anyone destroys
/// the object, and `destroy_storage` before the end gives back the epochs not yet begun or
/// under way. Splitting and fusing only reshape the pieces (their sizes times epochs add up
/// to the same), so for every epoch not yet ended the system's used capacity equals the sum
/// of the sizes of the live `Storage` objects covering it: nothing can be freed twice.
module floe::blob;

use floe::events;
use floe::system::System;
use floe::version;
use floe::wal::WAL;
use sui::balance::Balance;
use sui::bcs;
use std::string::String;
use sui::coin::Coin;
use sui::dynamic_field;
use sui::hash;
use sui::table::{Self, Table};
use sui::table_vec::{Self, TableVec};
use sui::vec_map::{Self, VecMap};

// === Constants ===

/// Encoding type of Red Stuff (RS2), the only one supported.
const RS2: u8 = 1;
/// Largest symbol size RS2 allows; larger blobs are rejected.
const MAX_SYMBOL_SIZE: u64 = 65_534;
/// Prices are per MiB of encoded size, rounded up.
const MIB: u256 = 1_048_576;
/// Largest `u64`, as `u256`, to check computed prices.
const MAX_U64: u256 = 18_446_744_073_709_551_615;
/// Intent of the certification message: storage confirmation, version 0, app ID 3.
const INTENT_STORAGE_CONFIRMATION: u8 = 1;
const INTENT_VERSION: u8 = 0;
const INTENT_APP_ID: u8 = 3;
/// Attribute limits: a blob object stays small enough to read in one request, and no one can
/// make its deletion expensive.
const MAX_ATTRIBUTE_KEY_BYTES: u64 = 128;
const MAX_ATTRIBUTE_VALUE_BYTES: u64 = 1_024;
const MAX_ATTRIBUTES: u64 = 64;

// === Errors ===

/// `epochs_ahead` is zero, or the storage would end more than `max_epochs_ahead` epochs
/// after the current one.
/// Choose between 1 and the system's max_epochs_ahead epochs.
const EInvalidEpochsAhead: u64 = 0;
/// The symbol size for this size and shard count would exceed 65 534 bytes.
/// Split the blob into smaller blobs.
const EBlobTooLarge: u64 = 1;
/// The payment coin holds less than the price.
/// Use a coin with more WAL (merge coins or get more).
const EInsufficientPayment: u64 = 2;
/// Only RS2 (encoding type 1) is supported.
/// Encode with floe-encoder.
const EInvalidEncodingType: u64 = 3;
/// The blob ID does not match blake2b256(encoding type ‖ size ‖ root hash).
/// Pass the metadata floe-encoder computed.
const EInvalidBlobId: u64 = 4;
/// The storage is smaller than the blob's encoded size.
/// Reserve space for this blob's size.
const EStorageTooSmall: u64 = 5;
/// The storage does not cover the current epoch.
/// Reserve new storage.
const EStorageNotCurrent: u64 = 6;
/// The blob is certified already.
/// Nothing to do.
const EAlreadyCertified: u64 = 7;
/// The blob's storage has ended.
/// Register the blob again with new storage.
const EBlobExpired: u64 = 8;
/// The blob was registered as not deletable.
/// Wait for its end epoch (floe blob-status shows it): only blobs stored with --deletable can be deleted early.
const ENotDeletable: u64 = 9;
/// The blob's storage has not ended yet.
/// Wait for its end epoch.
const EBlobNotExpired: u64 = 10;
/// The split epoch is not strictly inside the storage's epochs.
/// Split at an epoch strictly inside the storage's epochs.
const EInvalidSplitEpoch: u64 = 11;
/// The split size is not strictly between 0 and the storage's size.
/// Split at a size strictly between 0 and the storage's size.
const EInvalidSplitSize: u64 = 12;
/// The two storages neither share their epochs nor have equal sizes and adjacent epochs.
/// Fuse only storage with the same epochs, or with the same size and adjacent epochs.
const EIncompatibleStorage: u64 = 13;
/// The extension does not start at the blob's end epoch.
/// Start the extension at the blob's end epoch.
const EExtensionNotContiguous: u64 = 14;
/// The extension's size differs from the blob's storage size.
/// Give the extension exactly the blob's storage size.
const EExtensionSizeMismatch: u64 = 15;
/// The price does not fit in a `u64`.
/// Reserve less size or fewer epochs.
const EPriceOverflow: u64 = 16;
/// No live certified blob has this ID.
/// Check the blob ID or certify the blob first.
const ENotCertified: u64 = 17;
/// Index past the end of the registry.
/// Read certified_count first.
const EIndexOutOfRange: u64 = 18;
/// The shard count is zero.
/// Give a shard count of at least 1.
const EInvalidShardCount: u64 = 19;
/// None of the blob ID's references in the registry has expired.
/// Nothing to do: prune again once one of its references has expired.
const ENothingToPrune: u64 = 20;
/// The attribute key is empty or longer than 128 bytes, or the value is longer than 1024 bytes.
/// Use a key of 1 to 128 bytes and a value of at most 1 KiB.
const EAttributeTooLarge: u64 = 21;
/// The blob already has 64 attributes.
/// Remove an attribute before adding another.
const ETooManyAttributes: u64 = 22;
/// The blob has no attribute with this key.
/// List the blob's attributes to see which keys it has.
const EAttributeNotFound: u64 = 23;

// === Objects ===

/// Reserved storage: `storage_size` encoded bytes for epochs `[start_epoch, end_epoch)`.
public struct Storage has key, store {
    id: UID,
    start_epoch: u64,
    end_epoch: u64,
    storage_size: u64,
}

/// A registered blob and the storage paying for it. Certified once `certified_epoch` is set.
public struct Blob has key, store {
    id: UID,
    registered_epoch: u64,
    blob_id: u256,
    root_hash: u256,
    /// Unencoded size in bytes.
    size: u64,
    encoding_type: u8,
    certified_epoch: Option<u64>,
    storage: Storage,
    deletable: bool,
}

/// The name of the dynamic field of a `Blob` that holds its `Attributes`.
public struct AttributesKey has copy, drop, store {}

/// Key-value attributes of a blob object (content type, file name, …), set by whoever holds
/// the `Blob`; aggregators serve some of them as HTTP headers. Kept as a dynamic field so
/// blobs without attributes pay nothing for them.
public struct Attributes has store, drop {
    pairs: VecMap<String, String>,
}

/// One certified blob ID in the registry and its references (the certified `Blob` objects
/// with this ID), counted per end epoch: `ends` holds the distinct end epochs in increasing
/// order and `counts[k]` how many references end at `ends[k]`. Certifying a copy first drops
/// the ends that have passed, so `ends` holds at most the `max_epochs_ahead` epochs ahead
/// plus those that ended since (which `prune_expired` drops too), however many copies of the
/// blob exist; lookups are binary searches.
public struct CertifiedEntry has store, drop {
    blob_id: u256,
    root_hash: u256,
    size: u64,
    ends: vector<u64>,
    counts: vector<u64>,
}

/// Shared registry of live certified blobs: a dense vector for uniform sampling plus an index
/// from blob ID to position; removal swaps the last entry in.
public struct BlobRegistry has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    entries: TableVec<CertifiedEntry>,
    index: Table<u256, u64>,
    /// Number of `Blob` objects ever registered.
    total_registered: u64,
}

fun init(ctx: &mut TxContext) {
    transfer::share_object(BlobRegistry {
        id: object::new(ctx),
        version: version::current(),
        entries: table_vec::empty(ctx),
        index: table::new(ctx),
        total_registered: 0,
    });
}

// === RS2 sizes and blob IDs ===

/// Symbol size RS2 uses for a blob of `size` bytes on `n_shards` shards:
/// ⌈max(size, 1) / (p·s)⌉ rounded up to even, with f = ⌊(n−1)/3⌋, p = n−2f, s = n−f.
/// Aborts `EBlobTooLarge` above 65 534. The encoder and challenge answers use the same value.
public fun symbol_size(size: u64, n_shards: u16): u64 {
    let (p, s) = source_symbols(n_shards);
    let len = if (size == 0) 1 else size;
    let grid = p * s;
    let mut symbol = len / grid;
    if (len % grid != 0) symbol = symbol + 1;
    if (symbol % 2 == 1) symbol = symbol + 1;
    assert!(symbol <= MAX_SYMBOL_SIZE, EBlobTooLarge);
    symbol
}

/// Encoded size of a blob: what `reserve_space` charges for and capacity counts. Every shard
/// stores its sliver pair (p + s symbols) and the metadata (two 32-byte hashes per pair):
/// n · ((p + s) · symbol_size + 64 · n).
public fun encoded_size(size: u64, n_shards: u16): u64 {
    let symbol = symbol_size(size, n_shards);
    let (p, s) = source_symbols(n_shards);
    let n = (n_shards as u64);
    n * ((p + s) * symbol + 64 * n)
}

/// The blob ID: blake2b256(bcs(encoding_type) ‖ bcs(size) ‖ bcs(root_hash)) read back as a
/// little-endian `u256`, so that `bcs::to_bytes(&blob_id)` gives the 32 digest bytes.
public fun compute_blob_id(encoding_type: u8, size: u64, root_hash: u256): u256 {
    let mut data = bcs::to_bytes(&encoding_type);
    data.append(bcs::to_bytes(&size));
    data.append(bcs::to_bytes(&root_hash));
    let mut reader = bcs::new(hash::blake2b256(&data));
    reader.peel_u256()
}

/// The message storage nodes sign to confirm they store a blob in `epoch`:
/// `[1, 0, 3] ‖ bcs(epoch) ‖ bcs(blob_id)`.
public fun certification_message(epoch: u64, blob_id: u256): vector<u8> {
    let mut message = vector[INTENT_STORAGE_CONFIRMATION, INTENT_VERSION, INTENT_APP_ID];
    message.append(bcs::to_bytes(&epoch));
    message.append(bcs::to_bytes(&blob_id));
    message
}

/// (p, s): the primary and secondary source symbol counts for n shards.
fun source_symbols(n_shards: u16): (u64, u64) {
    assert!(n_shards > 0, EInvalidShardCount);
    let n = (n_shards as u64);
    let f = (n - 1) / 3;
    (n - 2 * f, n - f)
}

// === Storage ===

/// Buys storage for a blob of `size` unencoded bytes from the current epoch for
/// `epochs_ahead` epochs. The price is ⌈encoded size / MiB⌉ × storage price per MiB-epoch ×
/// epochs, taken from `payment` (the change stays in it) and paid to the committees of those
/// epochs. Reserves the encoded size in the system's capacity for each of those epochs
/// (aborts `system::ECapacityExceeded` if any of them is full).
public fun reserve_space(
    system: &mut System,
    size: u64,
    epochs_ahead: u64,
    payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
): Storage {
    version::assert_current(system.object_version());
    let epoch = system.epoch();
    assert!(epochs_ahead > 0 && epochs_ahead <= system.max_epochs_ahead(), EInvalidEpochsAhead);
    let storage_size = encoded_size(size, system.n_shards());
    let price = price_of(storage_size, system.storage_price_per_mib_epoch(), epochs_ahead);
    let fees = take_payment(payment, price);
    let end_epoch = epoch + epochs_ahead;
    system.add_storage_fees(fees, epoch, end_epoch);
    system.reserve_capacity(storage_size, epoch, end_epoch);
    let storage = Storage { id: object::new(ctx), start_epoch: epoch, end_epoch, storage_size };
    events::emit_storage_reserved(
        object::id(&storage),
        ctx.sender(),
        epoch,
        epoch,
        end_epoch,
        size,
        storage_size,
        price,
    );
    storage
}

/// Splits `storage` at `split_epoch`: `storage` keeps `[start, split_epoch)` and the returned
/// piece covers `[split_epoch, end)`, so the two can be used or sold separately.
public fun split_by_epoch(storage: &mut Storage, split_epoch: u64, ctx: &mut TxContext): Storage {
    assert!(
        storage.start_epoch < split_epoch && split_epoch < storage.end_epoch,
        EInvalidSplitEpoch,
    );
    let later = Storage {
        id: object::new(ctx),
        start_epoch: split_epoch,
        end_epoch: storage.end_epoch,
        storage_size: storage.storage_size,
    };
    storage.end_epoch = split_epoch;
    emit_split(storage, &later);
    later
}

/// Splits `storage` by size: `storage` keeps `split_size` bytes and the returned piece has the
/// rest, for the same epochs.
public fun split_by_size(storage: &mut Storage, split_size: u64, ctx: &mut TxContext): Storage {
    assert!(split_size > 0 && split_size < storage.storage_size, EInvalidSplitSize);
    let other = Storage {
        id: object::new(ctx),
        start_epoch: storage.start_epoch,
        end_epoch: storage.end_epoch,
        storage_size: storage.storage_size - split_size,
    };
    storage.storage_size = split_size;
    emit_split(storage, &other);
    other
}

/// Fuses `second` into `first`: same epochs → sizes add; same size and adjacent epochs →
/// the epoch ranges join. Aborts `EIncompatibleStorage` otherwise.
public fun fuse(first: &mut Storage, second: Storage) {
    let Storage { id, start_epoch, end_epoch, storage_size } = second;
    if (first.start_epoch == start_epoch && first.end_epoch == end_epoch) {
        first.storage_size = first.storage_size + storage_size;
    } else if (first.storage_size == storage_size && first.end_epoch == start_epoch) {
        first.end_epoch = end_epoch;
    } else if (first.storage_size == storage_size && end_epoch == first.start_epoch) {
        first.start_epoch = start_epoch;
    } else {
        abort EIncompatibleStorage
    };
    events::emit_storage_fused(
        object::id(first),
        object::uid_to_inner(&id),
        first.start_epoch,
        first.end_epoch,
        first.storage_size,
    );
    object::delete(id);
}

/// Destroys a `Storage` the owner no longer needs. Capacity of the epochs it still covers (the
/// current one and later) is given back; an ended `Storage` gives back nothing, its capacity
/// came back when it ended. Fees already paid are not refunded.
public fun destroy_storage(system: &mut System, storage: Storage) {
    version::assert_current(system.object_version());
    let epoch = system.epoch();
    destroy_storage_inner(system, storage, epoch);
}

fun destroy_storage_inner(system: &mut System, storage: Storage, epoch: u64) {
    let Storage { id, start_epoch, end_epoch, storage_size } = storage;
    system.release_capacity(storage_size, start_epoch, end_epoch);
    let released = if (end_epoch > epoch) storage_size else 0;
    events::emit_storage_destroyed(object::uid_to_inner(&id), epoch, released);
    object::delete(id);
}

fun emit_split(first: &Storage, second: &Storage) {
    events::emit_storage_split(
        object::id(first),
        object::id(second),
        first.start_epoch,
        first.end_epoch,
        first.storage_size,
        second.start_epoch,
        second.end_epoch,
        second.storage_size,
    );
}

// === Blobs ===

/// Registers a blob on `storage`. Recomputes the blob ID from (`encoding_type`, `size`,
/// `root_hash`) and aborts on mismatch; the storage must cover the current epoch and the
/// blob's encoded size. The write fee (⌈encoded size / MiB⌉ × write price per MiB) is taken
/// from `write_payment` and credited to the current epoch. The blob still has to be
/// certified with `certify_blob` once the nodes hold its slivers.
public fun register_blob(
    system: &mut System,
    registry: &mut BlobRegistry,
    storage: Storage,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    write_payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
): Blob {
    version::assert_current(system.object_version());
    version::assert_current(registry.version);
    assert!(encoding_type == RS2, EInvalidEncodingType);
    assert!(compute_blob_id(encoding_type, size, root_hash) == blob_id, EInvalidBlobId);
    let epoch = system.epoch();
    assert!(storage.start_epoch <= epoch && epoch < storage.end_epoch, EStorageNotCurrent);
    let needed = encoded_size(size, system.n_shards());
    assert!(storage.storage_size >= needed, EStorageTooSmall);
    let write_fee = price_of(needed, system.write_price_per_mib(), 1);
    let fees = take_payment(write_payment, write_fee);
    system.add_write_fees(fees);
    registry.total_registered = registry.total_registered + 1;
    let blob = Blob {
        id: object::new(ctx),
        registered_epoch: epoch,
        blob_id,
        root_hash,
        size,
        encoding_type,
        certified_epoch: option::none(),
        storage,
        deletable,
    };
    events::emit_blob_registered(
        object::id(&blob),
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        epoch,
        blob.storage.end_epoch,
        object::id(&blob.storage),
        blob.storage.storage_size,
        write_fee,
        ctx.sender(),
    );
    blob
}

/// Certifies `blob`: `signature` must be the aggregate BLS (min_pk) signature over
/// `certification_message(current epoch, blob ID)` of the committee members at indices
/// `signers`, holding at least 2f+1 shards (checked by `system::verify_quorum`). The blob ID
/// then becomes live in the registry (and challengeable) until its last certified `Blob`
/// object is deleted or expires.
public fun certify_blob(
    system: &System,
    registry: &mut BlobRegistry,
    blob: &mut Blob,
    signers: vector<u16>,
    signature: vector<u8>,
) {
    version::assert_current(system.object_version());
    version::assert_current(registry.version);
    let epoch = system.epoch();
    assert!(blob.certified_epoch.is_none(), EAlreadyCertified);
    assert!(epoch < blob.storage.end_epoch, EBlobExpired);
    system.verify_quorum(signers, signature, certification_message(epoch, blob.blob_id));
    blob.certified_epoch = option::some(epoch);
    let refs = registry.add_reference(
        blob.blob_id,
        blob.root_hash,
        blob.size,
        blob.storage.end_epoch,
        epoch,
    );
    events::emit_blob_certified(
        object::id(blob),
        blob.blob_id,
        epoch,
        blob.storage.end_epoch,
        blob.deletable,
        refs,
    );
}

/// Extends `blob` with `extension`, a `Storage` of the same size starting at the blob's end
/// epoch (bought with `reserve_space` and split to shape). The new end may be at most
/// `max_epochs_ahead` epochs ahead. The blob must not have expired.
public fun extend_blob(
    system: &System,
    registry: &mut BlobRegistry,
    blob: &mut Blob,
    extension: Storage,
) {
    version::assert_current(system.object_version());
    version::assert_current(registry.version);
    let epoch = system.epoch();
    let old_end = blob.storage.end_epoch;
    assert!(epoch < old_end, EBlobExpired);
    assert!(extension.start_epoch == old_end, EExtensionNotContiguous);
    assert!(extension.storage_size == blob.storage.storage_size, EExtensionSizeMismatch);
    let new_end = extension.end_epoch;
    assert!(new_end - epoch <= system.max_epochs_ahead(), EInvalidEpochsAhead);
    fuse(&mut blob.storage, extension);
    if (blob.certified_epoch.is_some()) registry.replace_end(blob.blob_id, old_end, new_end);
    events::emit_blob_extended(object::id(blob), blob.blob_id, epoch, old_end, new_end, 0);
}

/// Extends `blob` by `extra_epochs`, paying ⌈storage size / MiB⌉ × storage price per
/// MiB-epoch × `extra_epochs` from `payment` (change stays in it) to the committees of the
/// added epochs, and reserving the storage size in each added epoch (aborts
/// `system::ECapacityExceeded` if any is full). The new end may be at most `max_epochs_ahead`
/// epochs ahead.
public fun extend_blob_with_payment(
    system: &mut System,
    registry: &mut BlobRegistry,
    blob: &mut Blob,
    extra_epochs: u64,
    payment: &mut Coin<WAL>,
) {
    version::assert_current(system.object_version());
    version::assert_current(registry.version);
    let epoch = system.epoch();
    let price = extension_price(system, blob, extra_epochs);
    let old_end = blob.storage.end_epoch;
    let new_end = old_end + extra_epochs;
    let fees = take_payment(payment, price);
    system.add_storage_fees(fees, old_end, new_end);
    system.reserve_capacity(blob.storage.storage_size, old_end, new_end);
    blob.storage.end_epoch = new_end;
    if (blob.certified_epoch.is_some()) registry.replace_end(blob.blob_id, old_end, new_end);
    events::emit_blob_extended(object::id(blob), blob.blob_id, epoch, old_end, new_end, price);
}

/// The price of extending `blob` by `extra_epochs` at the system's current storage price:
/// ⌈storage size / MiB⌉ × storage price per MiB-epoch × `extra_epochs`. Aborts
/// `EBlobExpired` (the blob's storage has ended), `EInvalidEpochsAhead` (zero epochs, or an
/// end more than `max_epochs_ahead` epochs ahead), `EPriceOverflow`. `extend_blob_with_payment`
/// and `shared_blob::extend` check an extension with it before paying.
public(package) fun extension_price(system: &System, blob: &Blob, extra_epochs: u64): u64 {
    let epoch = system.epoch();
    let old_end = blob.storage.end_epoch;
    assert!(epoch < old_end, EBlobExpired);
    let max_ahead = system.max_epochs_ahead();
    assert!(extra_epochs > 0 && extra_epochs <= max_ahead, EInvalidEpochsAhead);
    assert!(old_end + extra_epochs - epoch <= max_ahead, EInvalidEpochsAhead);
    price_of(blob.storage.storage_size, system.storage_price_per_mib_epoch(), extra_epochs)
}

/// Deletes a deletable, unexpired blob and gives back its `Storage` for reuse. If it was
/// certified, it stops counting as a reference to its blob ID in the registry.
public fun delete_blob(system: &System, registry: &mut BlobRegistry, blob: Blob): Storage {
    version::assert_current(system.object_version());
    version::assert_current(registry.version);
    let Blob {
        mut id,
        registered_epoch: _,
        blob_id,
        root_hash: _,
        size: _,
        encoding_type: _,
        certified_epoch,
        storage,
        deletable,
    } = blob;
    assert!(deletable, ENotDeletable);
    let epoch = system.epoch();
    assert!(epoch < storage.end_epoch, EBlobExpired);
    let was_certified = certified_epoch.is_some();
    if (was_certified) registry.remove_reference(blob_id, storage.end_epoch);
    events::emit_blob_deleted(
        object::uid_to_inner(&id),
        blob_id,
        epoch,
        object::id(&storage),
        was_certified,
        registry.reference_count(blob_id),
    );
    drop_attributes(&mut id);
    object::delete(id);
    storage
}

/// Destroys a blob whose storage has ended (no capability needed beyond holding the object)
/// and removes its reference from the registry. Its capacity came back when it ended.
public fun destroy_expired(system: &mut System, registry: &mut BlobRegistry, blob: Blob) {
    version::assert_current(system.object_version());
    version::assert_current(registry.version);
    let Blob {
        mut id,
        registered_epoch: _,
        blob_id,
        root_hash: _,
        size: _,
        encoding_type: _,
        certified_epoch,
        storage,
        deletable: _,
    } = blob;
    let epoch = system.epoch();
    let end_epoch = storage.end_epoch;
    assert!(end_epoch <= epoch, EBlobNotExpired);
    let was_certified = certified_epoch.is_some();
    if (was_certified) registry.remove_reference(blob_id, end_epoch);
    events::emit_blob_expired(
        object::uid_to_inner(&id),
        blob_id,
        epoch,
        end_epoch,
        was_certified,
        registry.reference_count(blob_id),
    );
    drop_attributes(&mut id);
    object::delete(id);
    destroy_storage_inner(system, storage, epoch);
}

/// Permissionless clean-up: removes the references to `blob_id` whose storage has ended
/// (their owners have not destroyed them yet), so challenges never sample data nodes may
/// already have dropped. Aborts `ENothingToPrune` if none has ended.
public fun prune_expired(system: &System, registry: &mut BlobRegistry, blob_id: u256) {
    version::assert_current(system.object_version());
    version::assert_current(registry.version);
    assert!(registry.index.contains(blob_id), ENotCertified);
    let epoch = system.epoch();
    let i = *registry.index.borrow(blob_id);
    let entry = registry.entries.borrow_mut(i);
    let removed = drop_ended(entry, epoch);
    assert!(removed > 0, ENothingToPrune);
    let left = reference_total(entry);
    if (left == 0) registry.remove_entry(i);
    events::emit_registry_pruned(blob_id, epoch, removed, left);
}

// === Attributes ===

/// Sets attribute `key` of `blob` to `value`, replacing an earlier value. Only the holder of
/// the `Blob` can call it (it takes the object mutably). Emits `BlobAttributeSet`. Aborts
/// `EAttributeTooLarge` for an empty key, a key over 128 bytes or a value over 1024 bytes, and
/// `ETooManyAttributes` when the key is new and the blob has 64 attributes already.
public fun set_attribute(blob: &mut Blob, key: String, value: String) {
    assert!(!key.is_empty() && key.length() <= MAX_ATTRIBUTE_KEY_BYTES, EAttributeTooLarge);
    assert!(value.length() <= MAX_ATTRIBUTE_VALUE_BYTES, EAttributeTooLarge);
    if (!dynamic_field::exists(&blob.id, AttributesKey {})) {
        dynamic_field::add(&mut blob.id, AttributesKey {}, Attributes { pairs: vec_map::empty() });
    };
    let attributes: &mut Attributes = dynamic_field::borrow_mut(&mut blob.id, AttributesKey {});
    if (attributes.pairs.contains(&key)) {
        let (_, _) = attributes.pairs.remove(&key);
    } else {
        assert!(attributes.pairs.length() < MAX_ATTRIBUTES, ETooManyAttributes);
    };
    attributes.pairs.insert(key, value);
    events::emit_blob_attribute_set(object::id(blob), blob.blob_id, key, value);
}

/// Removes attribute `key` of `blob`. Only the holder of the `Blob` can call it. Emits
/// `BlobAttributeRemoved`. Aborts `EAttributeNotFound` if the blob has no such attribute.
public fun remove_attribute(blob: &mut Blob, key: String) {
    assert!(dynamic_field::exists(&blob.id, AttributesKey {}), EAttributeNotFound);
    let attributes: &mut Attributes = dynamic_field::borrow_mut(&mut blob.id, AttributesKey {});
    assert!(attributes.pairs.contains(&key), EAttributeNotFound);
    let (_, _) = attributes.pairs.remove(&key);
    let now_empty = attributes.pairs.is_empty();
    if (now_empty) drop_attributes(&mut blob.id);
    events::emit_blob_attribute_removed(object::id(blob), blob.blob_id, key);
}

/// Removes every attribute of `blob`; nothing happens if it has none. Only the holder of the
/// `Blob` can call it. Emits `BlobAttributeRemoved` for each key.
public fun clear_attributes(blob: &mut Blob) {
    if (!dynamic_field::exists(&blob.id, AttributesKey {})) return;
    let Attributes { pairs } = dynamic_field::remove(&mut blob.id, AttributesKey {});
    let (keys, _) = pairs.into_keys_values();
    let blob_object_id = object::id(blob);
    let blob_id = blob.blob_id;
    keys.do!(|key| events::emit_blob_attribute_removed(blob_object_id, blob_id, key));
}

/// The value of attribute `key` of `blob`, if it has one.
public fun attribute(blob: &Blob, key: String): Option<String> {
    if (!dynamic_field::exists(&blob.id, AttributesKey {})) return option::none();
    let attributes: &Attributes = dynamic_field::borrow(&blob.id, AttributesKey {});
    attributes.pairs.try_get(&key)
}

/// The keys of `blob`'s attributes, in the order they were set.
public fun attribute_keys(blob: &Blob): vector<String> {
    if (!dynamic_field::exists(&blob.id, AttributesKey {})) return vector[];
    let attributes: &Attributes = dynamic_field::borrow(&blob.id, AttributesKey {});
    attributes.pairs.keys()
}

/// Removes the attributes field, if any, so that deleting the blob leaves nothing behind.
fun drop_attributes(id: &mut UID) {
    if (dynamic_field::exists(id, AttributesKey {})) {
        let _: Attributes = dynamic_field::remove(id, AttributesKey {});
    }
}

// === Registry internals ===

/// Adds one reference (a certified `Blob` ending at `end_epoch`), after dropping the
/// references that ended by `epoch`; returns the reference count.
fun add_reference(
    registry: &mut BlobRegistry,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    end_epoch: u64,
    epoch: u64,
): u64 {
    if (registry.index.contains(blob_id)) {
        let i = *registry.index.borrow(blob_id);
        let entry = registry.entries.borrow_mut(i);
        let _ = drop_ended(entry, epoch);
        insert_end(entry, end_epoch);
        reference_total(entry)
    } else {
        let i = registry.entries.length();
        registry
            .entries
            .push_back(CertifiedEntry {
                blob_id,
                root_hash,
                size,
                ends: vector[end_epoch],
                counts: vector[1],
            });
        registry.index.add(blob_id, i);
        1
    }
}

/// Removes one reference ending at `end_epoch`, and the entry with its last reference. A
/// reference already pruned (expired) is simply absent.
fun remove_reference(registry: &mut BlobRegistry, blob_id: u256, end_epoch: u64) {
    if (!registry.index.contains(blob_id)) return;
    let i = *registry.index.borrow(blob_id);
    let entry = registry.entries.borrow_mut(i);
    let _ = remove_end(entry, end_epoch);
    let empty = entry.ends.is_empty();
    if (empty) registry.remove_entry(i);
}

/// Moves one reference's end epoch from `old_end` to `new_end` (after an extension).
fun replace_end(registry: &mut BlobRegistry, blob_id: u256, old_end: u64, new_end: u64) {
    if (!registry.index.contains(blob_id)) return;
    let i = *registry.index.borrow(blob_id);
    let entry = registry.entries.borrow_mut(i);
    let _ = remove_end(entry, old_end);
    insert_end(entry, new_end);
}

/// Where `end` is in the increasing `ends`, by binary search: `(true, k)` when
/// `ends[k] == end`, else `(false, k)` with `k` the position it would be inserted at.
fun find_end(ends: &vector<u64>, end: u64): (bool, u64) {
    let mut low = 0;
    let mut high = ends.length();
    while (low < high) {
        let middle = (low + high) / 2;
        let value = ends[middle];
        if (value == end) return (true, middle);
        if (value < end) {
            low = middle + 1;
        } else {
            high = middle;
        };
    };
    (false, low)
}

/// Counts one more reference ending at `end`.
fun insert_end(entry: &mut CertifiedEntry, end: u64) {
    let (found, k) = find_end(&entry.ends, end);
    if (found) {
        let count = entry.counts[k];
        *entry.counts.borrow_mut(k) = count + 1;
    } else {
        entry.ends.insert(end, k);
        entry.counts.insert(1, k);
    };
}

/// Counts one reference ending at `end` less; false if none ends there.
fun remove_end(entry: &mut CertifiedEntry, end: u64): bool {
    let (found, k) = find_end(&entry.ends, end);
    if (!found) return false;
    let count = entry.counts[k];
    if (count > 1) {
        *entry.counts.borrow_mut(k) = count - 1;
    } else {
        let _ = entry.ends.remove(k);
        let _ = entry.counts.remove(k);
    };
    true
}

/// Drops the references that ended by `epoch` (end epoch ≤ `epoch`: a prefix of `ends`);
/// returns how many were dropped.
fun drop_ended(entry: &mut CertifiedEntry, epoch: u64): u64 {
    let mut ended = 0;
    while (ended < entry.ends.length() && entry.ends[ended] <= epoch) {
        ended = ended + 1;
    };
    if (ended == 0) return 0;
    entry.ends.reverse();
    entry.counts.reverse();
    let mut dropped = 0;
    let mut k = 0;
    while (k < ended) {
        let _ = entry.ends.pop_back();
        dropped = dropped + entry.counts.pop_back();
        k = k + 1;
    };
    entry.ends.reverse();
    entry.counts.reverse();
    dropped
}

/// Number of references of an entry.
fun reference_total(entry: &CertifiedEntry): u64 {
    let mut total = 0;
    entry.counts.do_ref!(|count| total = total + *count);
    total
}

/// Swap-removes entry `i` and re-points the index of the entry moved into its place.
fun remove_entry(registry: &mut BlobRegistry, i: u64) {
    let last = registry.entries.length() - 1;
    let removed = registry.entries.swap_remove(i);
    let _ = registry.index.remove(removed.blob_id);
    if (i != last) {
        let moved_id = registry.entries.borrow(i).blob_id;
        *registry.index.borrow_mut(moved_id) = i;
    };
}

/// Takes `amount` out of `payment` as a balance.
fun take_payment(payment: &mut Coin<WAL>, amount: u64): Balance<WAL> {
    assert!(payment.value() >= amount, EInsufficientPayment);
    payment.balance_mut().split(amount)
}

/// ⌈bytes / MiB⌉ × price × epochs, aborting `EPriceOverflow` if it does not fit in a u64.
fun price_of(bytes: u64, price_per_mib: u64, epochs: u64): u64 {
    let mib = ((bytes as u256) + MIB - 1) / MIB;
    let price = mib * (price_per_mib as u256) * (epochs as u256);
    assert!(price <= MAX_U64, EPriceOverflow);
    (price as u64)
}

// === Registry reads ===

/// Whether a live certified blob with this ID exists (at least one certified `Blob` object
/// that has not been deleted, destroyed or pruned).
public fun is_certified(registry: &BlobRegistry, blob_id: u256): bool {
    registry.index.contains(blob_id)
}

/// Number of distinct live certified blob IDs, for sampling with `certified_at`.
public fun certified_count(registry: &BlobRegistry): u64 {
    registry.entries.length()
}

/// (blob ID, root hash, end epoch) of the `i`-th live certified blob; the end epoch is the
/// latest among its references. Order changes as blobs come and go.
public fun certified_at(registry: &BlobRegistry, i: u64): (u256, u256, u64) {
    assert!(i < registry.entries.length(), EIndexOutOfRange);
    let entry = registry.entries.borrow(i);
    (entry.blob_id, entry.root_hash, max_end(&entry.ends))
}

/// Root hash of a live certified blob; aborts `ENotCertified` if none.
public fun root_hash_of(registry: &BlobRegistry, blob_id: u256): u256 {
    registry.entry_of(blob_id).root_hash
}

/// Unencoded size of a live certified blob; aborts `ENotCertified` if none.
public fun size_of(registry: &BlobRegistry, blob_id: u256): u64 {
    registry.entry_of(blob_id).size
}

/// Latest end epoch among the references of a live certified blob; aborts `ENotCertified`.
public fun end_epoch_of(registry: &BlobRegistry, blob_id: u256): u64 {
    max_end(&registry.entry_of(blob_id).ends)
}

/// Number of certified `Blob` objects referencing `blob_id` (0 if it is not live).
public fun reference_count(registry: &BlobRegistry, blob_id: u256): u64 {
    if (registry.index.contains(blob_id)) reference_total(registry.entry_of(blob_id)) else 0
}

/// Number of `Blob` objects ever registered.
public fun total_registered(registry: &BlobRegistry): u64 {
    registry.total_registered
}

fun entry_of(registry: &BlobRegistry, blob_id: u256): &CertifiedEntry {
    assert!(registry.index.contains(blob_id), ENotCertified);
    registry.entries.borrow(*registry.index.borrow(blob_id))
}

/// The latest end epoch: the last of the increasing `ends` (0 for none).
fun max_end(ends: &vector<u64>): u64 {
    if (ends.is_empty()) 0 else ends[ends.length() - 1]
}

// === Storage and Blob reads ===

/// First epoch the storage covers.
public fun start_epoch(storage: &Storage): u64 { storage.start_epoch }

/// First epoch the storage no longer covers.
public fun end_epoch(storage: &Storage): u64 { storage.end_epoch }

/// Reserved encoded bytes.
public fun storage_size(storage: &Storage): u64 { storage.storage_size }

/// The blob ID (little-endian u256 of the 32 digest bytes).
public fun blob_id(blob: &Blob): u256 { blob.blob_id }

/// Merkle root over the blob's sliver pairs.
public fun root_hash(blob: &Blob): u256 { blob.root_hash }

/// Unencoded size in bytes.
public fun size(blob: &Blob): u64 { blob.size }

/// Encoding type (1 = RS2).
public fun encoding_type(blob: &Blob): u8 { blob.encoding_type }

/// Epoch the blob was registered in.
public fun registered_epoch(blob: &Blob): u64 { blob.registered_epoch }

/// Epoch the blob was certified in, if it was.
public fun certified_epoch(blob: &Blob): Option<u64> { blob.certified_epoch }

/// Whether the blob is certified.
public fun is_blob_certified(blob: &Blob): bool { blob.certified_epoch.is_some() }

/// Whether the owner may delete the blob before it expires.
public fun is_deletable(blob: &Blob): bool { blob.deletable }

/// The storage paying for the blob.
public fun storage(blob: &Blob): &Storage { &blob.storage }

// === Versions ===

/// The version of the package that last migrated this `BlobRegistry` (see `floe::version`).
public(package) fun object_version(registry: &BlobRegistry): u64 { registry.version }

/// Brings this `BlobRegistry` to the package's version. Aborts `version::EAlreadyMigrated` if it is
/// there already.
public(package) fun migrate_version(registry: &mut BlobRegistry) {
    registry.version = version::migrated(registry.version);
}

// === Test-only ===

/// Runs `init`: shares an empty `BlobRegistry`.
#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx);
}

/// Records a live certified blob (size 0) without storage, payment or signatures, for tests
/// of modules built on certified blobs.
#[test_only]
public fun certify_for_testing(
    registry: &mut BlobRegistry,
    blob_id: u256,
    root_hash: u256,
    end_epoch: u64,
) {
    let _ = registry.add_reference(blob_id, root_hash, 0, end_epoch, 0);
}

/// Records a live certified blob of `size` bytes, for challenge tests.
#[test_only]
public fun certify_sized_for_testing(
    registry: &mut BlobRegistry,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    end_epoch: u64,
) {
    let _ = registry.add_reference(blob_id, root_hash, size, end_epoch, 0);
}

/// Number of distinct end epochs the registry keeps for `blob_id` (the length of its
/// entry's `ends`). Aborts `ENotCertified`.
#[test_only]
public fun end_epoch_count_for_testing(registry: &BlobRegistry, blob_id: u256): u64 {
    registry.entry_of(blob_id).ends.length()
}

/// `price_of`, exposed for tests of its overflow check.
#[test_only]
public fun price_of_for_testing(bytes: u64, price_per_mib: u64, epochs: u64): u64 {
    price_of(bytes, price_per_mib, epochs)
}

/// Sets the `version` field, to simulate a `BlobRegistry` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(registry: &mut BlobRegistry, value: u64) {
    registry.version = value;
}

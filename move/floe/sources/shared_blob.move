/// Shared, funded blobs: a certified, permanent `Blob` wrapped in a shared `SharedBlob` with a
/// pot of WAL that anyone may add to and anyone may spend, only on extending the blob.
///
/// A community that wants some data kept (a public data set, a model's weights, a web page)
/// shares its blob once; from then on no one holds the `Blob`, so no one can delete it, take it
/// back, change its attributes or move it, and the funds leave the `SharedBlob` only as storage
/// fees for the epochs an extension adds, at the system's current price and paid to those
/// epochs' committees exactly as `blob::extend_blob_with_payment` pays them. No function gives
/// funds back to anyone: whoever funds a shared blob gives the WAL to its storage.
///
/// Rules a funder can rely on:
/// - only permanent blobs are shared (`EBlobDeletable`): a deletable blob marks data its owner
///   meant to be able to remove, and a shared one can never be removed, so sharing would break
///   that promise in one direction or another; a permanent one promises only what sharing
///   keeps;
/// - only certified blobs are shared (`ENotCertified`): a wrapped blob can never be certified
///   afterwards, so funds given to an uncertified one would pay for data no node serves;
/// - only live blobs are shared (`EBlobExpired`): an expired blob cannot be extended;
/// - attributes are frozen: they are set by whoever holds the `Blob`, and nobody holds a
///   shared one (the `blob` accessor only reads), so a content type or file name set before
///   sharing stays as it was;
/// - an extension costs exactly its price: `extend` takes the price (the same
///   `blob::extension_price` that `extend_blob_with_payment` charges) out of the funds and
///   pays it all; it aborts `EInsufficientFunds` rather than extend by less;
/// - the `SharedBlob` has `key` only, not `store`: it cannot be wrapped or transferred
///   either.
///
/// Anyone may extend, by any number of epochs up to `max_epochs_ahead`: spending the funds
/// early gains the caller nothing (the WAL goes to the committees) and keeps the data longer,
/// which is what the funders paid for.
module floe::shared_blob;

use floe::blob::{Self, Blob, BlobRegistry};
use floe::events;
use floe::system::System;
use floe::version;
use floe::wal::WAL;
use sui::balance::{Self, Balance};
use sui::coin::{Self, Coin};

// === Errors ===

/// The blob is deletable; only permanent blobs can be shared, so no one can pull the data
/// away from its funders.
/// Store the blob without --deletable, then share that one.
const EBlobDeletable: u64 = 0;
/// The blob is not certified, and a shared blob could never be certified afterwards.
/// Finish the store (certify the blob), then share it.
const ENotCertified: u64 = 1;
/// The blob's storage has ended, so it can no longer be extended.
/// Store the data again and share the new blob.
const EBlobExpired: u64 = 2;
/// The shared blob's funds hold less WAL than this extension costs.
/// Fund the shared blob (floe fund-shared-blob) or extend it by fewer epochs.
const EInsufficientFunds: u64 = 3;

// === Objects ===

/// A shared blob and the WAL that pays for its extensions. Shared; `key` only, so it can be
/// neither transferred nor wrapped, and the wrapped `Blob` never leaves it.
public struct SharedBlob has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    blob: Blob,
    funds: Balance<WAL>,
}

// === Creating ===

/// Shares `blob` as a `SharedBlob` with no funds (anyone may `fund` it later). The blob must
/// be permanent, certified and not expired. Emits `SharedBlobCreated`. Aborts
/// `EBlobDeletable`, `ENotCertified`, `EBlobExpired`.
public fun new(system: &System, blob: Blob, ctx: &mut TxContext) {
    share(system, blob, balance::zero(), ctx);
}

/// Shares `blob` as a `SharedBlob` holding `funds` for its extensions. The blob must be
/// permanent, certified and not expired. Emits `SharedBlobCreated`. Aborts `EBlobDeletable`,
/// `ENotCertified`, `EBlobExpired`.
public fun new_funded(system: &System, blob: Blob, funds: Coin<WAL>, ctx: &mut TxContext) {
    share(system, blob, funds.into_balance(), ctx);
}

fun share(system: &System, blob: Blob, funds: Balance<WAL>, ctx: &mut TxContext) {
    version::assert_current(system.object_version());
    assert!(!blob.is_deletable(), EBlobDeletable);
    assert!(blob.is_blob_certified(), ENotCertified);
    let end_epoch = blob.storage().end_epoch();
    assert!(system.epoch() < end_epoch, EBlobExpired);
    let shared = SharedBlob { id: object::new(ctx), version: version::current(), blob, funds };
    events::emit_shared_blob_created(
        object::id(&shared),
        object::id(&shared.blob),
        shared.blob.blob_id(),
        end_epoch,
        shared.funds.value(),
        ctx.sender(),
    );
    transfer::share_object(shared);
}

// === Funding and extending ===

/// Adds `funds` to the shared blob's funds. Anyone may fund; nothing is ever paid back.
/// Emits `SharedBlobFunded`.
public fun fund(self: &mut SharedBlob, funds: Coin<WAL>, ctx: &TxContext) {
    version::assert_current(self.version);
    let amount = funds.value();
    self.funds.join(funds.into_balance());
    events::emit_shared_blob_funded(
        object::id(self),
        self.blob.blob_id(),
        amount,
        self.funds.value(),
        ctx.sender(),
    );
}

/// Extends the shared blob by `extra_epochs`, paying the price at the system's current
/// storage price out of its funds (the rest stays in them), and reserving the blob's storage
/// size in each added epoch as `blob::extend_blob_with_payment` does. Anyone may call it.
/// Emits `BlobExtended` and `SharedBlobExtended`. Aborts `blob::EBlobExpired` (the blob's
/// storage has ended), `blob::EInvalidEpochsAhead` (zero epochs, or an end more than
/// `max_epochs_ahead` epochs ahead), `blob::EPriceOverflow`, `EInsufficientFunds` (the funds
/// hold less than the price), `system::ECapacityExceeded` (an added epoch is full).
public fun extend(
    self: &mut SharedBlob,
    system: &mut System,
    registry: &mut BlobRegistry,
    extra_epochs: u64,
    ctx: &mut TxContext,
) {
    version::assert_current(self.version);
    version::assert_current(system.object_version());
    version::assert_current(blob::object_version(registry));
    let price = blob::extension_price(system, &self.blob, extra_epochs);
    assert!(self.funds.value() >= price, EInsufficientFunds);
    let old_end_epoch = self.blob.storage().end_epoch();
    let mut payment = coin::take(&mut self.funds, price, ctx);
    blob::extend_blob_with_payment(system, registry, &mut self.blob, extra_epochs, &mut payment);
    payment.destroy_zero();
    events::emit_shared_blob_extended(
        object::id(self),
        object::id(&self.blob),
        self.blob.blob_id(),
        system.epoch(),
        old_end_epoch,
        self.blob.storage().end_epoch(),
        price,
        self.funds.value(),
        ctx.sender(),
    );
}

// === Reads ===

/// The wrapped blob (read only: nobody can change it, its attributes included).
public fun blob(self: &SharedBlob): &Blob { &self.blob }

/// WAL (base units) left to pay for extensions.
public fun funds(self: &SharedBlob): u64 { self.funds.value() }

// === Versions ===

/// The version of the package that last migrated this `SharedBlob` (see `floe::version`).
public(package) fun object_version(self: &SharedBlob): u64 { self.version }

/// Brings a `SharedBlob` left at an older package version to this package's version, so this
/// package's functions act on it again. Anyone may call it: migrating only applies this
/// package's rules and changes nothing but the version. Aborts `version::EAlreadyMigrated`
/// if the shared blob is at this version already.
public fun migrate(self: &mut SharedBlob) {
    self.version = version::migrated(self.version);
}

// === Test-only ===

/// Sets the `version` field, to simulate a `SharedBlob` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(self: &mut SharedBlob, value: u64) {
    self.version = value;
}

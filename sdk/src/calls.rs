//! Typed builders for every function of the `floe` package a transaction can call.
//!
//! One submodule per Move module (`calls::blob::reserve_space`, …), one Rust function per
//! Move function, each adding exactly one `MoveCall` to a [`TransactionBuilder`] and returning
//! its results. The package's own shared objects (`System`, `Treasury`, `BlobRegistry`,
//! `ChallengeBoard`) and the system objects `Clock` (0x6) and `Random` (0x8) are filled in from
//! [`FloeObjects`], with the mutability the Move signature asks for, so a caller passes only
//! what varies: pure values, owned objects or earlier results (as [`Argument`]s), and the other
//! shared objects (`Model`, `LicenseOffer`) as [`SharedObject`]s. `TxContext` is never passed.
//!
//! The builders are declared in a small table-like form (the `floe_calls!` macro below); a unit test
//! parses `move/floe/sources/*.move` and checks that the table lists every callable function
//! with the right arguments in the right order, so the two cannot drift apart.

use sui_sdk_types::{Address, Identifier, Owner};
use sui_transaction_builder::{Argument, Function, ObjectInput, TransactionBuilder};

use crate::client::{ClientError, FloeClient};
use crate::config::{ConfigError, NetworkConfig};

/// `0x6`: the shared `Clock`, always taken read-only.
pub const CLOCK_ID: Address = Address::from_static("0x6");
/// `0x8`: the shared `Random`, always taken read-only.
pub const RANDOM_ID: Address = Address::from_static("0x8");
/// The version at which genesis shared the Clock and Random objects.
pub const SYSTEM_OBJECT_INITIAL_VERSION: u64 = 1;

/// A shared object as a transaction names it: its ID and the version it became shared at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SharedObject {
    pub id: Address,
    pub initial_shared_version: u64,
}

impl SharedObject {
    pub const fn new(id: Address, initial_shared_version: u64) -> Self {
        Self {
            id,
            initial_shared_version,
        }
    }

    /// The object as a transaction input; `mutable` as the Move parameter is `&mut` or `&`.
    pub fn input(&self, mutable: bool) -> ObjectInput {
        ObjectInput::shared(self.id, self.initial_shared_version, mutable)
    }

    /// Reads the object's initial shared version from the chain.
    pub async fn resolve(client: &mut FloeClient, id: Address) -> Result<Self, CallsError> {
        let object = client.object(id).await?;
        match object.owner() {
            Owner::Shared(version) => Ok(Self::new(id, *version)),
            Owner::ConsensusAddress { start_version, .. } => Ok(Self::new(id, *start_version)),
            other => Err(CallsError::NotShared {
                id,
                owner: format!("{other:?}"),
            }),
        }
    }
}

/// Why [`FloeObjects`] could not be put together.
#[derive(Debug, thiserror::Error)]
pub enum CallsError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(
        "object {id} is not shared (owner {owner}); check the object IDs in the network config"
    )]
    NotShared { id: Address, owner: String },
}

/// The package to call and Floe's shared objects, with the initial shared versions every
/// transaction must name. Resolve once per process ([`Self::resolve`]) and reuse: initial
/// shared versions never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloeObjects {
    /// The package to call (the latest version after upgrades).
    pub package: Address,
    /// The ID the package was first published at; types such as `wal::WAL` carry it.
    pub original_package: Address,
    pub system: SharedObject,
    pub treasury: SharedObject,
    pub blob_registry: SharedObject,
    pub challenge_board: SharedObject,
}

impl FloeObjects {
    /// Reads the initial shared versions of the configured objects from the chain.
    pub async fn resolve(
        client: &mut FloeClient,
        config: &NetworkConfig,
    ) -> Result<Self, CallsError> {
        Ok(Self {
            package: config.package_id()?,
            original_package: config.original_package_id()?,
            system: SharedObject::resolve(client, config.system_object_id()?).await?,
            treasury: SharedObject::resolve(client, config.treasury_object_id()?).await?,
            blob_registry: SharedObject::resolve(client, config.blob_registry_object_id()?).await?,
            challenge_board: SharedObject::resolve(client, config.challenge_board_object_id()?)
                .await?,
        })
    }

    /// `Clock` as a read-only input (Move takes it only as `&Clock`).
    pub fn clock(&self) -> ObjectInput {
        ObjectInput::shared(CLOCK_ID, SYSTEM_OBJECT_INITIAL_VERSION, false)
    }

    /// `Random` as a read-only input (Move takes it only as `&Random`).
    pub fn random(&self) -> ObjectInput {
        ObjectInput::shared(RANDOM_ID, SYSTEM_OBJECT_INITIAL_VERSION, false)
    }

    /// `package::module::function`.
    pub fn function(&self, module: &'static str, function: &'static str) -> Function {
        Function::new(
            self.package,
            Identifier::from_static(module),
            Identifier::from_static(function),
        )
    }
}

/// How one Move parameter is supplied, as recorded in [`CallSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `System`, from [`FloeObjects`]; `true` when `&mut`.
    System(bool),
    Treasury(bool),
    BlobRegistry(bool),
    ChallengeBoard(bool),
    Clock,
    Random,
    /// Another shared object (`Model`, `LicenseOffer`), passed as a [`SharedObject`].
    Shared(bool),
    /// An owned object, coin or earlier result, passed as an [`Argument`].
    Object,
    /// A pure value of this Rust type (as written in the builder's signature).
    Pure(&'static str),
}

/// One Move parameter of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
}

/// What a builder adds: which function, with which parameters and how many results.
#[derive(Clone, Copy)]
pub struct CallSpec {
    pub module: &'static str,
    pub function: &'static str,
    pub params: &'static [Param],
    pub returns: usize,
    /// Builds the call with placeholder arguments, so tests can inspect the `MoveCall`.
    pub sample: fn(&mut TransactionBuilder, &FloeObjects),
}

impl std::fmt::Debug for CallSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}", self.module, self.function)
    }
}

/// Every builder of this module, module by module.
pub fn all() -> Vec<&'static CallSpec> {
    [
        blob::CALLS,
        challenge::CALLS,
        license::CALLS,
        model::CALLS,
        staking::CALLS,
        system::CALLS,
        upgrade::CALLS,
        version::CALLS,
        wal::CALLS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Placeholder values for pure parameters, used by [`CallSpec::sample`].
pub trait Sample {
    fn sample() -> Self;
}

macro_rules! sample_default {
    ($($t:ty),*) => { $(impl Sample for $t { fn sample() -> Self { Default::default() } })* };
}
sample_default!(
    u8,
    u16,
    u64,
    u128,
    bool,
    [u8; 32],
    &'static str,
    &'static [u8],
    &'static [u16],
    &'static [u64],
    &'static [String],
    &'static [Vec<u8>]
);

impl Sample for Address {
    fn sample() -> Self {
        Address::TWO
    }
}

/// The object every `Object` parameter gets in [`CallSpec::sample`].
pub fn sample_owned_object() -> ObjectInput {
    ObjectInput::owned(
        Address::new([0x0b; 32]),
        7,
        sui_sdk_types::Digest::new([0x0b; 32]),
    )
}

/// The object every `Shared` parameter gets in [`CallSpec::sample`].
pub const SAMPLE_SHARED: SharedObject = SharedObject::new(Address::new([0x5a; 32]), 3);

macro_rules! __floe_ret_ty {
    (0) => {
        ()
    };
    (1) => {
        Argument
    };
    ($n:literal) => {
        [Argument; $n]
    };
}

macro_rules! __floe_ret_val {
    (0, $r:ident) => {{
        let _ = $r;
    }};
    (1, $r:ident) => {
        $r
    };
    ($n:literal, $r:ident) => {{
        let nested = $r.to_nested($n);
        ::std::array::from_fn(|i| nested[i])
    }};
}

/// Declares builders, one per line: `fn name(param: kind, …) -> number of results;` where a
/// kind is `system_mut`/`system_ref`, `treasury_*`, `registry_*`, `board_*`, `clock`,
/// `random`, `shared_mut`/`shared_ref`, `obj` or `pure(RustType)`, in the Move order.
///
/// The parameters are munched one by one to build, at once, the Rust signature (implicit
/// objects left out), the Move argument list, the [`CallSpec`] parameters and sample values.
macro_rules! __floe_call {
    // All parameters consumed: the builder itself.
    (@fn $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] [$($doc:tt)*]
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]) => {
        $($doc)*
        #[allow(clippy::too_many_arguments)]
        pub fn $name($tx: &mut TransactionBuilder, $objs: &FloeObjects, $($sig)*) -> __floe_ret_ty!($ret) {
            let arguments = vec![$($args)*];
            let result = $tx.move_call($objs.function(stringify!($m), stringify!($name)), arguments);
            __floe_ret_val!($ret, result)
        }
    };
    // All parameters consumed: the spec.
    (@spec $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] [$($doc:tt)*]
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]) => {
        CallSpec {
            module: stringify!($m),
            function: stringify!($name),
            params: &[$($params)*],
            returns: $ret,
            sample: |$tx, $objs| {
                let $o = $tx.object(sample_owned_object());
                let $s = SAMPLE_SHARED;
                let _ = (&$o, &$s);
                let _ = $name($tx, $objs, $($samples)*);
            },
        }
    };
    (@$mode:ident $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] $doc:tt
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]
        $p:ident : $field:ident @ $kind:ident ($mutable:tt) $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret [$tx $objs $o $s] $doc
            [$($sig)*]
            [$($args)* $tx.object($objs.$field.input($mutable)),]
            [$($params)* Param { name: stringify!($p), kind: ParamKind::$kind($mutable) },]
            [$($samples)*]
            $($($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt $ids:tt $doc:tt $sig:tt $args:tt $params:tt $samples:tt
        $p:ident : system_mut $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret $ids $doc $sig $args $params $samples
            $p: system @ System(true) $(, $($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt $ids:tt $doc:tt $sig:tt $args:tt $params:tt $samples:tt
        $p:ident : system_ref $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret $ids $doc $sig $args $params $samples
            $p: system @ System(false) $(, $($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt $ids:tt $doc:tt $sig:tt $args:tt $params:tt $samples:tt
        $p:ident : treasury_mut $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret $ids $doc $sig $args $params $samples
            $p: treasury @ Treasury(true) $(, $($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt $ids:tt $doc:tt $sig:tt $args:tt $params:tt $samples:tt
        $p:ident : treasury_ref $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret $ids $doc $sig $args $params $samples
            $p: treasury @ Treasury(false) $(, $($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt $ids:tt $doc:tt $sig:tt $args:tt $params:tt $samples:tt
        $p:ident : registry_mut $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret $ids $doc $sig $args $params $samples
            $p: blob_registry @ BlobRegistry(true) $(, $($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt $ids:tt $doc:tt $sig:tt $args:tt $params:tt $samples:tt
        $p:ident : registry_ref $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret $ids $doc $sig $args $params $samples
            $p: blob_registry @ BlobRegistry(false) $(, $($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt $ids:tt $doc:tt $sig:tt $args:tt $params:tt $samples:tt
        $p:ident : board_mut $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret $ids $doc $sig $args $params $samples
            $p: challenge_board @ ChallengeBoard(true) $(, $($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt $ids:tt $doc:tt $sig:tt $args:tt $params:tt $samples:tt
        $p:ident : board_ref $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret $ids $doc $sig $args $params $samples
            $p: challenge_board @ ChallengeBoard(false) $(, $($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] $doc:tt
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]
        $p:ident : clock $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret [$tx $objs $o $s] $doc
            [$($sig)*]
            [$($args)* $tx.object($objs.clock()),]
            [$($params)* Param { name: stringify!($p), kind: ParamKind::Clock },]
            [$($samples)*]
            $($($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] $doc:tt
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]
        $p:ident : random $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret [$tx $objs $o $s] $doc
            [$($sig)*]
            [$($args)* $tx.object($objs.random()),]
            [$($params)* Param { name: stringify!($p), kind: ParamKind::Random },]
            [$($samples)*]
            $($($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] $doc:tt
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]
        $p:ident : shared_mut $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret [$tx $objs $o $s] $doc
            [$($sig)* $p: SharedObject,]
            [$($args)* $tx.object($p.input(true)),]
            [$($params)* Param { name: stringify!($p), kind: ParamKind::Shared(true) },]
            [$($samples)* $s,]
            $($($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] $doc:tt
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]
        $p:ident : shared_ref $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret [$tx $objs $o $s] $doc
            [$($sig)* $p: SharedObject,]
            [$($args)* $tx.object($p.input(false)),]
            [$($params)* Param { name: stringify!($p), kind: ParamKind::Shared(false) },]
            [$($samples)* $s,]
            $($($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] $doc:tt
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]
        $p:ident : obj $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret [$tx $objs $o $s] $doc
            [$($sig)* $p: Argument,]
            [$($args)* $p,]
            [$($params)* Param { name: stringify!($p), kind: ParamKind::Object },]
            [$($samples)* $o,]
            $($($rest)*)?}
    };
    (@$mode:ident $m:ident $name:ident $ret:tt [$tx:ident $objs:ident $o:ident $s:ident] $doc:tt
        [$($sig:tt)*] [$($args:tt)*] [$($params:tt)*] [$($samples:tt)*]
        $p:ident : pure($t:ty) $(, $($rest:tt)*)?) => {
        __floe_call! {@$mode $m $name $ret [$tx $objs $o $s] $doc
            [$($sig)* $p: $t,]
            [$($args)* $tx.pure(&$p),]
            [$($params)* Param { name: stringify!($p), kind: ParamKind::Pure(stringify!($t)) },]
            [$($samples)* <$t as Sample>::sample(),]
            $($($rest)*)?}
    };
}

/// Declares the builders of one Move module and its `CALLS` table.
macro_rules! floe_calls {
    ($($(#[$mdoc:meta])* $m:ident { $( $(#[$doc:meta])* fn $name:ident ( $($params:tt)* ) -> $ret:tt ; )* })*) => {
        $(
            $(#[$mdoc])*
            pub mod $m {
                #[allow(unused_imports)]
                use super::*;
                $(
                    __floe_call!(@fn $m $name $ret [tx objs o s] [$(#[$doc])*] [] [] [] [] $($params)*);
                )*
                /// Every builder of this module.
                pub const CALLS: &[CallSpec] = &[$(
                    __floe_call!(@spec $m $name $ret [tx objs o s] [] [] [] [] [] $($params)*),
                )*];
            }
        )*
    };
}

floe_calls! {
    /// Storage reservations, blobs and the blob registry (`floe::blob`).
    blob {
        /// Symbol size RS2 uses for a blob of `size` bytes on `n_shards` shards:
        /// ⌈max(size, 1) / (p·s)⌉ rounded up to even, with f = ⌊(n−1)/3⌋, p = n−2f, s = n−f.
        /// Aborts `EBlobTooLarge` above 65 534. The encoder and challenge answers use the same value.
        fn symbol_size(size: pure(u64), n_shards: pure(u16)) -> 1;
        /// Encoded size of a blob: what `reserve_space` charges for and capacity counts. Every shard
        /// stores its sliver pair (p + s symbols) and the metadata (two 32-byte hashes per pair):
        /// n · ((p + s) · symbol_size + 64 · n).
        fn encoded_size(size: pure(u64), n_shards: pure(u16)) -> 1;
        /// The blob ID: blake2b256(bcs(encoding_type) ‖ bcs(size) ‖ bcs(root_hash)) read back as a
        /// little-endian `u256`, so that `bcs::to_bytes(&blob_id)` gives the 32 digest bytes.
        fn compute_blob_id(encoding_type: pure(u8), size: pure(u64), root_hash: pure([u8; 32])) -> 1;
        /// The message storage nodes sign to confirm they store a blob in `epoch`:
        /// `[1, 0, 3] ‖ bcs(epoch) ‖ bcs(blob_id)`.
        fn certification_message(epoch: pure(u64), blob_id: pure([u8; 32])) -> 1;
        /// Buys storage for a blob of `size` unencoded bytes from the current epoch for
        /// `epochs_ahead` epochs. The price is ⌈encoded size / MiB⌉ × storage price per MiB-epoch ×
        /// epochs, taken from `payment` (the change stays in it) and paid to the committees of those
        /// epochs. Reserves the encoded size in the system's capacity.
        fn reserve_space(system: system_mut, size: pure(u64), epochs_ahead: pure(u64), payment: obj) -> 1;
        /// Splits `storage` at `split_epoch`: `storage` keeps `[start, split_epoch)` and the returned
        /// piece covers `[split_epoch, end)`, so the two can be used or sold separately.
        fn split_by_epoch(storage: obj, split_epoch: pure(u64)) -> 1;
        /// Splits `storage` by size: `storage` keeps `split_size` bytes and the returned piece has the
        /// rest, for the same epochs.
        fn split_by_size(storage: obj, split_size: pure(u64)) -> 1;
        /// Fuses `second` into `first`: same epochs → sizes add; same size and adjacent epochs →
        /// the epoch ranges join. Aborts `EIncompatibleStorage` otherwise.
        fn fuse(first: obj, second: obj) -> 0;
        /// Destroys a `Storage` the owner no longer needs (typically after it ended) and releases
        /// the capacity it held. Fees already paid are not refunded.
        fn destroy_storage(system: system_mut, storage: obj) -> 0;
        /// Registers a blob on `storage`. Recomputes the blob ID from (`encoding_type`, `size`,
        /// `root_hash`) and aborts on mismatch; the storage must cover the current epoch and the
        /// blob's encoded size. The write fee (⌈encoded size / MiB⌉ × write price per MiB) is taken
        /// from `write_payment` and credited to the current epoch. The blob still has to be
        /// certified with `certify_blob` once the nodes hold its slivers.
        fn register_blob(system: system_mut, registry: registry_mut, storage: obj, blob_id: pure([u8; 32]), root_hash: pure([u8; 32]), size: pure(u64), encoding_type: pure(u8), deletable: pure(bool), write_payment: obj) -> 1;
        /// Certifies `blob`: `signature` must be the aggregate BLS (min_pk) signature over
        /// `certification_message(current epoch, blob ID)` of the committee members at indices
        /// `signers`, holding at least 2f+1 shards (checked by `system::verify_quorum`). The blob ID
        /// then becomes live in the registry (and challengeable) until its last certified `Blob`
        /// object is deleted or expires.
        fn certify_blob(system: system_ref, registry: registry_mut, blob: obj, signers: pure(&[u16]), signature: pure(&[u8])) -> 0;
        /// Extends `blob` with `extension`, a `Storage` of the same size starting at the blob's end
        /// epoch (bought with `reserve_space` and split to shape). The new end may be at most
        /// `max_epochs_ahead` epochs ahead. The blob must not have expired.
        fn extend_blob(system: system_ref, registry: registry_mut, blob: obj, extension: obj) -> 0;
        /// Extends `blob` by `extra_epochs`, paying ⌈storage size / MiB⌉ × storage price per
        /// MiB-epoch × `extra_epochs` from `payment` (change stays in it) to the committees of the
        /// added epochs. The new end may be at most `max_epochs_ahead` epochs ahead.
        fn extend_blob_with_payment(system: system_mut, registry: registry_mut, blob: obj, extra_epochs: pure(u64), payment: obj) -> 0;
        /// Deletes a deletable, unexpired blob and gives back its `Storage` for reuse. If it was
        /// certified, it stops counting as a reference to its blob ID in the registry.
        fn delete_blob(system: system_ref, registry: registry_mut, blob: obj) -> 1;
        /// Destroys a blob whose storage has ended (no capability needed beyond holding the object),
        /// removes its reference from the registry and releases its storage's capacity.
        fn destroy_expired(system: system_mut, registry: registry_mut, blob: obj) -> 0;
        /// Permissionless clean-up: removes the references to `blob_id` whose storage has ended
        /// (their owners have not destroyed them yet), so challenges never sample data nodes may
        /// already have dropped. Aborts `ENothingToPrune` if none has ended.
        fn prune_expired(system: system_ref, registry: registry_mut, blob_id: pure([u8; 32])) -> 0;
        /// Whether a live certified blob with this ID exists (at least one certified `Blob` object
        /// that has not been deleted, destroyed or pruned).
        fn is_certified(registry: registry_ref, blob_id: pure([u8; 32])) -> 1;
        /// Number of distinct live certified blob IDs, for sampling with `certified_at`.
        fn certified_count(registry: registry_ref) -> 1;
        /// (blob ID, root hash, end epoch) of the `i`-th live certified blob; the end epoch is the
        /// latest among its references. Order changes as blobs come and go.
        fn certified_at(registry: registry_ref, i: pure(u64)) -> 3;
        /// Root hash of a live certified blob; aborts `ENotCertified` if none.
        fn root_hash_of(registry: registry_ref, blob_id: pure([u8; 32])) -> 1;
        /// Unencoded size of a live certified blob; aborts `ENotCertified` if none.
        fn size_of(registry: registry_ref, blob_id: pure([u8; 32])) -> 1;
        /// Latest end epoch among the references of a live certified blob; aborts `ENotCertified`.
        fn end_epoch_of(registry: registry_ref, blob_id: pure([u8; 32])) -> 1;
        /// Number of certified `Blob` objects referencing `blob_id` (0 if it is not live).
        fn reference_count(registry: registry_ref, blob_id: pure([u8; 32])) -> 1;
        /// Number of `Blob` objects ever registered.
        fn total_registered(registry: registry_ref) -> 1;
        /// First epoch the storage covers.
        fn start_epoch(storage: obj) -> 1;
        /// First epoch the storage no longer covers.
        fn end_epoch(storage: obj) -> 1;
        /// Reserved encoded bytes.
        fn storage_size(storage: obj) -> 1;
        /// The blob ID (little-endian u256 of the 32 digest bytes).
        fn blob_id(blob: obj) -> 1;
        /// Merkle root over the blob's sliver pairs.
        fn root_hash(blob: obj) -> 1;
        /// Unencoded size in bytes.
        fn size(blob: obj) -> 1;
        /// Encoding type (1 = RS2).
        fn encoding_type(blob: obj) -> 1;
        /// Epoch the blob was registered in.
        fn registered_epoch(blob: obj) -> 1;
        /// Epoch the blob was certified in, if it was.
        fn certified_epoch(blob: obj) -> 1;
        /// Whether the blob is certified.
        fn is_blob_certified(blob: obj) -> 1;
        /// Whether the owner may delete the blob before it expires.
        fn is_deletable(blob: obj) -> 1;
    }
    /// Availability challenges, answers and slashing (`floe::challenge`).
    challenge {
        /// Issues this epoch's challenges (callable once per epoch, by anyone): for each committee
        /// node holding shards, a random live certified blob, one of the node's shards `k` and a
        /// symbol index `j < n`; the node must answer for sliver pair `(k + n − r) mod n` (r from the
        /// blob ID) before now + `challenge_window_ms`. A node for which no unexpired blob was found
        /// in `MAX_SAMPLE_TRIES` draws gets no challenge. Private `entry`: it takes `Random`.
        fn issue_challenges(board: board_mut, system: system_ref, registry: registry_ref, random: random, clock: clock) -> 0;
        /// The challenged node (proved by its `NodeCap`) answers challenge `challenge_id` before its
        /// deadline with symbol `j` of its expanded primary sliver `i`, the sibling path to the
        /// primary sliver hash, the secondary sliver hash and the sibling path from pair leaf `i`
        /// to the blob root (format in MODULES.md). A wrong answer aborts and may be retried until
        /// the deadline; a right one closes the challenge.
        fn respond(board: board_mut, cap: obj, challenge_id: pure(u64), symbol: pure(&[u8]), sliver_path: pure(&[Vec<u8>]), secondary_hash: pure(&[u8]), pair_path: pure(&[Vec<u8>]), clock: clock) -> 0;
        /// After the deadline of an unanswered challenge, anyone slashes the node: its pool loses
        /// `slash_bps` of the stake at risk (`Challenge.stake_at_risk`, at most its active stake
        /// now); `slash_burn_bps` of that is burned (source: slashing) and the rest goes to the
        /// other committee members' pools by shards. The caller gets nothing: the returned coin
        /// is always empty.
        fn slash_missed(board: board_mut, system: system_mut, treasury: treasury_mut, challenge_id: pure(u64), clock: clock) -> 1;
        /// Whether an answer proves symbol `symbol_index` of primary sliver `pair_index` of the blob
        /// with `root_hash`: h = H(0x00 ‖ symbol) folded along `sliver_path` from index
        /// `symbol_index` gives the primary hash P; H(0x00 ‖ P ‖ secondary_hash) folded along
        /// `pair_path` from index `pair_index` must equal the root's 32 bytes. Folding: if the index
        /// is even h = H(0x01 ‖ h ‖ sibling) else h = H(0x01 ‖ sibling ‖ h), then index /= 2.
        /// Aborts on malformed lengths (symbol ≠ `symbol_size`, paths ≠ depth(n), hashes ≠ 32 bytes).
        fn verify_answer(root_hash: pure([u8; 32]), n_shards: pure(u16), pair_index: pure(u16), symbol_index: pure(u16), symbol_size: pure(u64), symbol: pure(&[u8]), sliver_path: pure(&[Vec<u8>]), secondary_hash: pure(&[u8]), pair_path: pure(&[Vec<u8>])) -> 1;
        /// Number of levels above the leaves of a Merkle tree over n leaves: ⌈log2 n⌉ (0 for n = 1).
        fn tree_depth(n_shards: pure(u16)) -> 1;
        /// r: the blob ID's 32 bytes (`bcs::to_bytes(&blob_id)`) read as a big-endian integer, mod n.
        /// Sliver pair `i` is held by shard `(i + r) mod n`.
        fn blob_rotation(blob_id: pure([u8; 32]), n_shards: pure(u16)) -> 1;
        /// The sliver pair stored on `shard`: `(shard + n − r) mod n`.
        fn pair_index_of(blob_id: pure([u8; 32]), shard: pure(u16), n_shards: pure(u16)) -> 1;
        /// Epoch challenges were last issued in, if ever.
        fn last_issued_epoch(board: board_ref) -> 1;
        /// ID the next challenge will get (= number of challenges ever issued).
        fn next_challenge_id(board: board_ref) -> 1;
        /// Whether challenge `challenge_id` is issued and not yet answered or slashed.
        fn is_open(board: board_ref, challenge_id: pure(u64)) -> 1;
        /// A copy of open challenge `challenge_id` (aborts if unknown or resolved).
        fn challenge(board: board_ref, challenge_id: pure(u64)) -> 1;
        /// The challenged node.
        fn node_id(challenge: obj) -> 1;
        /// The challenged blob's ID.
        fn blob_id(challenge: obj) -> 1;
        /// The challenged blob's root hash.
        fn root_hash(challenge: obj) -> 1;
        /// Shard count the challenge was computed for.
        fn n_shards(challenge: obj) -> 1;
        /// The node's shard the challenge is about.
        fn shard(challenge: obj) -> 1;
        /// Sliver pair index i stored on that shard.
        fn pair_index(challenge: obj) -> 1;
        /// Symbol index j within the expanded primary sliver.
        fn symbol_index(challenge: obj) -> 1;
        /// Expected symbol length in bytes.
        fn symbol_size(challenge: obj) -> 1;
        /// Epoch the challenge was issued in.
        fn epoch(challenge: obj) -> 1;
        /// Last timestamp (ms) at which an answer is accepted.
        fn deadline_ms(challenge: obj) -> 1;
        /// The node's active stake when the challenge was issued: the most a slash is taken from.
        fn stake_at_risk(challenge: obj) -> 1;
    }
    /// License offers and licenses (`floe::license`).
    license {
        /// Opens a license offer for `model` and shares it; returns its ID.
        /// `uses_per_window = 0` sells unlimited use within the time bought.
        /// Emits `LicenseOfferCreated` (and `ModelOwnerChanged` if the cap changed hands).
        /// Aborts `EWrongCap` (like every offer function of this module), `EZeroWindowLength`,
        /// `EZeroMaxWindows`, `ELicenseTooLong`, `EPriceOverflow`, `EUsesOverflow`.
        fn create_offer(model: shared_mut, cap: obj, price_per_window: pure(u64), window_ms: pure(u64), max_windows: pure(u64), uses_per_window: pure(u64)) -> 1;
        /// Stops sales and extensions under the offer (existing licenses stay valid).
        /// Emits `LicenseOfferStatusChanged`. Aborts `EWrongCap`, `EOfferAlreadyPaused`.
        fn pause_offer(offer: shared_mut, cap: obj) -> 0;
        /// Reopens a paused offer.
        /// Emits `LicenseOfferStatusChanged`. Aborts `EWrongCap`, `EOfferNotPaused`.
        fn resume_offer(offer: shared_mut, cap: obj) -> 0;
        /// Sets a new price per window for future purchases and extensions.
        /// Emits `LicenseOfferRepriced`. Aborts `EWrongCap`, `EPriceOverflow`.
        fn reprice_offer(offer: shared_mut, cap: obj, price_per_window: pure(u64)) -> 0;
        /// Brings an offer left at an older package version to this package's version
        /// (anyone; nothing but the version changes). Aborts `version::EAlreadyMigrated`.
        fn migrate_offer(offer: shared_mut) -> 0;
        /// Buys a license for `windows` windows starting now. The price (`windows *
        /// price_per_window`) must not exceed `max_price`, the price the buyer was quoted (so a
        /// seller repricing between quote and purchase cannot take more); it is taken from
        /// `payment` and the change stays in it. The protocol fee is burned, the rest credited to
        /// the model. Returns the `License` for the transaction to place.
        /// Emits `LicensePurchased` (and `WalBurned` for a non-zero fee).
        /// Aborts `EWrongModel`, `EOfferPaused`, `EZeroWindows`, `ETooManyWindows`, `EPriceAboveMax`,
        /// `EInsufficientPayment`.
        fn purchase(offer: shared_ref, model: shared_mut, system: system_ref, treasury: treasury_mut, payment: obj, windows: pure(u64), max_price: pure(u64), clock: clock) -> 1;
        /// Adds `windows` windows to a license bought from `offer`, from its expiry or, if it has
        /// expired, from now. Uses granted are added to those left (or replace them if expired).
        /// Paid like `purchase`, at most `max_price`. The license may not end up more than
        /// `max_windows` windows ahead of now.
        /// Emits `LicenseExtended`. Aborts `EWrongOffer`, `EWrongModel`, `EOfferPaused`,
        /// `EZeroWindows`, `ETooManyWindows`, `EPriceAboveMax`, `EInsufficientPayment`.
        fn extend(license: obj, offer: shared_ref, model: shared_mut, system: system_ref, treasury: treasury_mut, payment: obj, windows: pure(u64), max_price: pure(u64), clock: clock) -> 0;
        /// Consumes one use of a license (its owner calls it before each use) and returns the
        /// `UseReceipt` for the transaction to place (TransferObjects to the sender): the
        /// consumer's proof, for `RECEIPT_TTL_MS` (at most until the license expires), that the
        /// use was paid for. Use-limited licenses lose one use; unlimited ones are unchanged.
        /// Emits `LicenseConsumed`. Aborts `ELicenseExpired`, `ENoUsesLeft`.
        fn consume(license: obj, clock: clock) -> 1;
        /// Deletes a receipt (e.g. an expired one, to reclaim its storage rebate).
        fn destroy_receipt(receipt: obj) -> 0;
        /// Deletes a license (e.g. an expired one, to reclaim its storage rebate).
        /// Emits `LicenseDestroyed`.
        fn destroy(license: obj) -> 0;
        /// Whether the license is valid now: unexpired and, if use-limited, with uses left.
        fn is_valid(license: obj, clock: clock) -> 1;
        /// Seal access policy for unlimited licenses, dry-run by key servers: approves `id` only
        /// if it is the license's model ID bytes (`model::id_bytes`), the license is unexpired
        /// and not use-limited (those are approved through a consumed use's receipt).
        /// Aborts `EWrongId`, `ELicenseExpired`, `EUseLimitedNeedsReceipt`.
        fn seal_approve(id: pure(&[u8]), license: obj, clock: clock) -> 0;
        /// Seal access policy for a consumed use, dry-run by key servers: approves `id` only if
        /// it is the receipt's model ID bytes, the receipt is within its lifetime and the
        /// sender is its consumer. Aborts `EWrongId`, `EReceiptExpired`, `ENotConsumer`.
        fn seal_approve_receipt(id: pure(&[u8]), receipt: obj, clock: clock) -> 0;
        /// The price of `windows` windows under the offer now. Aborts `ETooManyWindows`.
        fn quote(offer: shared_ref, windows: pure(u64)) -> 1;
        /// The model an offer sells.
        fn offer_model_id(offer: shared_ref) -> 1;
        /// WAL per window.
        fn offer_price_per_window(offer: shared_ref) -> 1;
        /// Window length, ms.
        fn offer_window_ms(offer: shared_ref) -> 1;
        /// Most windows a license may hold ahead of now.
        fn offer_max_windows(offer: shared_ref) -> 1;
        /// Uses per window (0 = unlimited).
        fn offer_uses_per_window(offer: shared_ref) -> 1;
        /// Whether the offer is paused.
        fn offer_is_paused(offer: shared_ref) -> 1;
        /// The licensed model.
        fn model_id(license: obj) -> 1;
        /// The offer the license was bought from.
        fn offer_id(license: obj) -> 1;
        /// The original buyer.
        fn holder(license: obj) -> 1;
        /// Expiry (ms; valid while the clock is strictly before it).
        fn expires_at_ms(license: obj) -> 1;
        /// Whether uses are counted.
        fn is_use_limited(license: obj) -> 1;
        /// Uses left (meaningful when use-limited).
        fn uses_left(license: obj) -> 1;
        /// The license a receipt's use was consumed from.
        fn receipt_license_id(receipt: obj) -> 1;
        /// The model a receipt grants access to.
        fn receipt_model_id(receipt: obj) -> 1;
        /// The address that consumed the use: the only one the receipt serves.
        fn receipt_consumer(receipt: obj) -> 1;
        /// When the use was consumed (ms).
        fn receipt_consumed_at_ms(receipt: obj) -> 1;
        /// Expiry (ms; valid while the clock is strictly before it).
        fn receipt_expires_at_ms(receipt: obj) -> 1;
    }
    /// Models and their versions (`floe::model`).
    model {
        /// Registers a new model named `name` and shares it. Returns the `ModelCap` that controls it;
        /// the transaction places it (e.g. `TransferObjects` to the seller).
        /// Emits `ModelRegistered`. Aborts `EEmptyName`, `ENameTooLong`, `EDescriptionTooLong`.
        fn register_model(name: pure(&str), description: pure(&str)) -> 1;
        /// Publishes the next version of the model: the weights are `blob`, a certified `Blob` object
        /// (owned by the sender) whose storage still covers the current epoch; taking the object, not
        /// a blob ID, proves the caller controls this copy of the data.
        /// Metrics are given as two parallel vectors (PTB-friendly pure arguments). Returns the new
        /// version number (the first is 1).
        /// Emits `ModelVersionPublished`. Aborts `EWrongCap`, `EBlobNotCertified`, `EBlobExpired`,
        /// `EArchitectureTooLong`, `EDatasetHashTooLong`, `EMetricsLengthMismatch`, `ETooManyMetrics`,
        /// `EDuplicateMetric`.
        fn publish_version(model: shared_mut, cap: obj, system: system_ref, blob: obj, architecture: pure(&str), dataset_hash: pure(&[u8]), metric_names: pure(&[String]), metric_values: pure(&[u64]), clock: clock) -> 1;
        /// Replaces the model's description (the name is fixed).
        /// Emits `ModelDescriptionUpdated`. Aborts `EWrongCap`, `EDescriptionTooLong`.
        fn update_description(model: shared_mut, cap: obj, description: pure(&str)) -> 0;
        /// Takes all license revenue accrued in the model, as a coin for the caller to place.
        /// Emits `ModelRevenueWithdrawn`. Aborts `EWrongCap`, `ENoRevenue` (nothing accrued).
        fn withdraw_revenue(model: shared_mut, cap: obj) -> 1;
        /// Records the caller (holder of the cap) as the model's owner, e.g. right after receiving the
        /// cap. Every other cap-authorised call does the same implicitly.
        /// Emits `ModelOwnerChanged` when the owner changes. Aborts `EWrongCap`.
        fn refresh_owner(model: shared_mut, cap: obj) -> 0;
        /// Brings a model left at an older package version to this package's version
        /// (anyone; nothing but the version changes). Aborts `version::EAlreadyMigrated`.
        fn migrate(model: shared_mut) -> 0;
        /// The model's object ID as bytes: the Seal identity namespace its licenses approve.
        fn id_bytes(model: shared_ref) -> 1;
        /// The address that last acted with the model's cap (see the module doc).
        fn owner(model: shared_ref) -> 1;
        /// Number of published versions (the latest version's number; 0 if none).
        fn version_count(model: shared_ref) -> 1;
        /// The model's name.
        fn name(model: shared_ref) -> 1;
        /// The model's current description.
        fn description(model: shared_ref) -> 1;
        /// ID of the `ModelCap` controlling the model.
        fn cap_id(model: shared_ref) -> 1;
        /// Revenue waiting to be withdrawn.
        fn revenue(model: shared_ref) -> 1;
        /// All revenue ever credited to the model.
        fn total_revenue(model: shared_ref) -> 1;
        /// The model a cap controls.
        fn cap_model_id(cap: obj) -> 1;
        /// Whether version `number` exists.
        fn has_version(model: shared_ref, number: pure(u64)) -> 1;
    }
    /// Node registration, votes and stake (`floe::staking`).
    staking {
        /// Registers a storage node and creates its staking pool inside `System`; returns the
        /// `NodeCap` (the caller places it). `proof_of_possession` is the key's min_pk signature over
        /// `bcs(sender) ‖ bls_public_key` (see the module doc). The node's votes start at the current
        /// prices and a 1 TiB capacity. Emits `NodeRegistered`.
        /// Aborts `EInvalidCommission`, `EInvalidName`, `EInvalidNetworkAddress`, `EInvalidBlsKey`,
        /// `EInvalidProofOfPossession`, `system::EDuplicateBlsKey`, `system::ETooManyNodes`.
        fn register_node(system: system_mut, name: pure(&str), network_address: pure(&str), bls_public_key: pure(&[u8]), proof_of_possession: pure(&[u8]), commission_bps: pure(u64)) -> 1;
        /// The message a proof of possession signs: `bcs(sender) ‖ bls_public_key`.
        fn proof_of_possession_message(sender: pure(Address), bls_public_key: pure(&[u8])) -> 1;
        /// The node ID a `NodeCap` controls (the ID used by `committee_node_ids`, `node_shards`, …).
        fn node_id(cap: obj) -> 1;
        /// Votes for the storage price per MiB-epoch (WAL base units, > 0); counts from the next
        /// epoch change if the node is then in the committee. Emits `VoteSet`. Aborts `EInvalidVote`.
        fn set_storage_price_vote(system: system_mut, cap: obj, price: pure(u64)) -> 0;
        /// Votes for the write price per MiB (WAL base units, > 0). Emits `VoteSet`.
        /// Aborts `EInvalidVote`.
        fn set_write_price_vote(system: system_mut, cap: obj, price: pure(u64)) -> 0;
        /// Votes for the system's total capacity in encoded bytes (0 allowed). Emits `VoteSet`.
        fn set_capacity_vote(system: system_mut, cap: obj, capacity: pure(u64)) -> 0;
        /// Changes where the node's storage service listens. Emits `NodeNetworkAddressChanged`.
        /// Aborts `EInvalidNetworkAddress`.
        fn set_network_address(system: system_mut, cap: obj, network_address: pure(&str)) -> 0;
        /// Collects the node's accumulated commission (possibly zero). Emits `CommissionCollected`.
        fn collect_commission(system: system_mut, cap: obj) -> 1;
        /// Signals that the node holds the slivers of every shard it gained at the start of
        /// `epoch` (the current one): from now on challenges may pick them. Emits `EpochSyncDone`.
        /// Aborts `system::ENotCommitteeMember`, `system::EWrongSyncEpoch`,
        /// `system::ENoPendingShards`.
        fn epoch_sync_done(system: system_mut, cap: obj, epoch: pure(u64)) -> 0;
        /// Stakes `coin` with node `node_id`; it works from the next epoch on. Returns the
        /// `StakedWal` (the caller places it). Emits `Staked`.
        /// Aborts `EStakeTooSmall` (under 1 WAL), `system::ENodeNotFound`.
        fn stake(system: system_mut, node_id: pure(Address), coin: obj) -> 1;
        /// Asks to withdraw `staked`: active stake stops working when the next epoch starts (pending
        /// stake is set aside at once); `withdraw` works from the next epoch on. Emits
        /// `WithdrawRequested`. Aborts `EWithdrawAlreadyRequested`.
        fn request_withdraw(system: system_mut, staked: obj) -> 0;
        /// Withdraws a stake whose withdrawal was requested, from its withdraw epoch on: returns its
        /// value (the principal if it never became active; otherwise its shares at the withdraw
        /// epoch's rate) minus the early unstake fee, which is burned when the stake worked fewer
        /// than `min_stake_epochs` epochs. Emits `Withdrawn` (and `WalBurned` for a fee).
        /// Aborts `EWithdrawNotRequested`, `EWithdrawTooEarly`.
        fn withdraw(system: system_mut, treasury: treasury_mut, staked: obj) -> 1;
        /// The node this stake is with.
        fn staked_node_id(staked: obj) -> 1;
        /// WAL originally staked.
        fn principal(staked: obj) -> 1;
        /// First epoch in which the stake works.
        fn activation_epoch(staked: obj) -> 1;
        /// First epoch it can be withdrawn (0: no withdrawal requested).
        fn withdraw_epoch(staked: obj) -> 1;
        /// Whether a withdrawal was requested.
        fn is_withdrawing(staked: obj) -> 1;
    }
    /// Epochs, committee, prices and parameters (`floe::system`).
    system {
        /// Creates and shares the `System` (epoch 0, starting now, no committee until the first
        /// `advance_epoch`). Callable once per `AdminCap`. Emits `SystemCreated`.
        /// Aborts `ESystemAlreadyCreated`, `EInvalidShardCount` (n = 0), `EInvalidEpochDuration` (0).
        fn create_system(cap: obj, n_shards: pure(u16), epoch_duration_ms: pure(u64), clock: clock) -> 0;
        /// The current epoch number.
        fn epoch(system: system_ref) -> 1;
        /// When the current epoch started (Clock milliseconds).
        fn epoch_start_ms(system: system_ref) -> 1;
        /// Minimum length of an epoch in milliseconds.
        fn epoch_duration_ms(system: system_ref) -> 1;
        /// Number of shards n.
        fn n_shards(system: system_ref) -> 1;
        /// Price of storing one MiB of encoded size for one epoch, in WAL base units.
        fn storage_price_per_mib_epoch(system: system_ref) -> 1;
        /// Price of writing one MiB of encoded size, in WAL base units.
        fn write_price_per_mib(system: system_ref) -> 1;
        /// Encoded bytes reserved for the current epoch.
        fn used_capacity(system: system_ref) -> 1;
        /// Encoded bytes reserved for `epoch`: 0 for an epoch that has ended (its capacity came
        /// back) and for one no storage covers yet.
        fn used_capacity_at(system: system_ref, epoch: pure(u64)) -> 1;
        /// Encoded bytes the committee offers.
        fn total_capacity(system: system_ref) -> 1;
        /// The current committee, in shard-assignment order.
        fn committee_node_ids(system: system_ref) -> 1;
        /// Number of shards each committee member holds, in committee order.
        fn committee_shard_counts(system: system_ref) -> 1;
        /// Whether `node_id` is in the current committee.
        fn is_committee_member(system: system_ref, node_id: pure(Address)) -> 1;
        /// The shards `node_id` holds this epoch (empty if it is not in the committee).
        fn node_shards(system: system_ref, node_id: pure(Address)) -> 1;
        /// The shards `node_id` gained at this epoch's start and has not yet signalled holding.
        fn node_pending_shards(system: system_ref, node_id: pure(Address)) -> 1;
        /// The shards of `node_id` a challenge may pick this epoch (held, not pending sync).
        fn node_challengeable_shards(system: system_ref, node_id: pure(Address)) -> 1;
        /// Whether a node is registered with this ID.
        fn is_registered(system: system_ref, node_id: pure(Address)) -> 1;
        /// Number of registered nodes.
        fn node_count(system: system_ref) -> 1;
        /// Registered node IDs, in registration order.
        fn node_ids(system: system_ref) -> 1;
        /// 48-byte compressed BLS12-381 G1 public key (min_pk) of a registered node.
        /// Aborts `ENodeNotFound`.
        fn node_bls_public_key(system: system_ref, node_id: pure(Address)) -> 1;
        /// Active stake of a registered node's pool. Aborts `ENodeNotFound`.
        fn node_stake(system: system_ref, node_id: pure(Address)) -> 1;
        /// Fees currently owed to the committee of `epoch`.
        fn fees_for_epoch(system: system_ref, epoch: pure(u64)) -> 1;
        /// Share of each storage fee burned at settlement, in basis points (bounds 0..=5000).
        fn fee_burn_bps(system: system_ref) -> 1;
        /// Protocol fee on license sales, burned, in basis points (bounds 0..=5000).
        fn license_fee_bps(system: system_ref) -> 1;
        /// Share of a pool's active stake a missed challenge costs, in basis points (1..=5000).
        fn slash_bps(system: system_ref) -> 1;
        /// Share of slashed stake burned (the rest rewards the slasher), in basis points (0..=10000).
        fn slash_burn_bps(system: system_ref) -> 1;
        /// Time a node has to answer a challenge, in ms (1000..=epoch_duration_ms).
        fn challenge_window_ms(system: system_ref) -> 1;
        /// Epochs stake must work before withdrawing without the early unstake fee (0..=52).
        fn min_stake_epochs(system: system_ref) -> 1;
        /// Fee on early withdrawals, burned, in basis points (0..=5000).
        fn early_unstake_fee_bps(system: system_ref) -> 1;
        /// How many epochs ahead storage may be bought (1..=1000).
        fn max_epochs_ahead(system: system_ref) -> 1;
        /// Most members a committee may have (1..=min(n_shards, 256)).
        fn max_committee_size(system: system_ref) -> 1;
        /// Most nodes that may register.
        fn max_nodes() -> 1;
        /// Sets the storage fee burn share (0..=5000 bps). Emits `ParameterChanged`.
        /// Aborts `EParameterOutOfBounds`.
        fn set_fee_burn_bps(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Sets the license protocol fee (0..=5000 bps). Emits `ParameterChanged`.
        /// Aborts `EParameterOutOfBounds`.
        fn set_license_fee_bps(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Sets the slash share (1..=5000 bps). Emits `ParameterChanged`.
        /// Aborts `EParameterOutOfBounds`.
        fn set_slash_bps(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Sets the burned share of slashed stake (0..=10000 bps). Emits `ParameterChanged`.
        /// Aborts `EParameterOutOfBounds`.
        fn set_slash_burn_bps(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Sets the challenge answer window (1000 ms..=epoch_duration_ms). Emits `ParameterChanged`.
        /// Aborts `EParameterOutOfBounds`.
        fn set_challenge_window_ms(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Sets the minimum stake epochs (0..=52). Emits `ParameterChanged`.
        /// Aborts `EParameterOutOfBounds`.
        fn set_min_stake_epochs(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Sets the early unstake fee (0..=5000 bps). Emits `ParameterChanged`.
        /// Aborts `EParameterOutOfBounds`.
        fn set_early_unstake_fee_bps(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Sets how many epochs ahead storage may be bought (1..=1000). Emits `ParameterChanged`.
        /// Aborts `EParameterOutOfBounds`.
        fn set_max_epochs_ahead(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Sets the maximum committee size (1..=min(n_shards, 256)); applies from the next epoch
        /// change. Emits `ParameterChanged`. Aborts `EParameterOutOfBounds`.
        fn set_max_committee_size(system: system_mut, admin_cap: obj, value: pure(u64)) -> 0;
        /// Ends the current epoch and starts the next (see the module doc for every step).
        /// Anyone may call it once `epoch_duration_ms` has passed since the epoch started.
        /// Emits `EpochFeesSettled` (when fees were owed), `WalBurned`, `PoolRewarded`,
        /// `PoolAdvanced` and `EpochAdvanced`. Aborts `EEpochNotOver`.
        fn advance_epoch(system: system_mut, treasury: treasury_mut, clock: clock) -> 0;
    }
    /// Migration of the protocol's shared objects after a package upgrade (`floe::upgrade`).
    upgrade {
        /// Brings the `System`, `Treasury`, `BlobRegistry` and `ChallengeBoard` to this
        /// package's version; only the `AdminCap` that created the `System`.
        /// Emits `PackageMigrated`. Aborts `system::EWrongAdminCap`,
        /// `version::EAlreadyMigrated`.
        fn migrate(admin_cap: obj, system: system_mut, treasury: treasury_mut, registry: registry_mut, board: board_mut) -> 0;
    }
    /// The package version the shared objects record (`floe::version`).
    version {
        /// The version of this package; shared objects it creates start at this version.
        fn current() -> 1;
    }
    /// The WAL token and its burns (`floe::wal`).
    wal {
        /// Burn source of storage fees (the fee burn share paid at each epoch change).
        fn source_storage_fee() -> 1;
        /// Burn source of slashed stake (the slash burn share).
        fn source_slashing() -> 1;
        /// Burn source of early unstake fees.
        fn source_early_unstake() -> 1;
        /// Burn source of license protocol fees.
        fn source_license_fee() -> 1;
        /// Burn source of WAL its owner burned with `burn`.
        fn source_user() -> 1;
        /// Burns the caller's own `coin`, lowering total supply; returns the amount burned and
        /// emits `WalBurned` with source `SOURCE_USER` (nothing is emitted for a zero coin). The
        /// protocol's sources are recorded only by the package's own burns.
        fn burn(treasury: treasury_mut, coin: obj) -> 1;
        /// All WAL burned so far, in base units.
        fn total_burned(treasury: treasury_ref) -> 1;
        /// WAL in existence now: the initial supply minus everything burned.
        fn total_supply(treasury: treasury_ref) -> 1;
        /// The initial (and maximum) supply, in base units.
        fn initial_supply() -> 1;
        /// Decimals of WAL.
        fn decimals() -> 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::move_source::{self, MoveFunction};
    use crate::tx::{self, CoinRef};
    use sui_sdk_types::{Command, Input, Mutability, TransactionKind};

    fn objects() -> FloeObjects {
        let shared = |b: u8, v: u64| SharedObject::new(Address::new([b; 32]), v);
        FloeObjects {
            package: Address::new([0xf1; 32]),
            original_package: Address::new([0xf0; 32]),
            system: shared(0x51, 11),
            treasury: shared(0x52, 12),
            blob_registry: shared(0x53, 13),
            challenge_board: shared(0x54, 14),
        }
    }

    /// The kind a Move parameter type must have in the table, `None` for `TxContext`.
    fn expected_kind(ty: &str) -> Option<ParamKind> {
        let mutable = ty.starts_with("&mut ");
        let base = ty
            .trim_start_matches("&mut ")
            .trim_start_matches('&')
            .trim();
        let pure = |rust: &'static str| Some(ParamKind::Pure(rust));
        match base {
            "TxContext" => None,
            "System" => Some(ParamKind::System(mutable)),
            "Treasury" => Some(ParamKind::Treasury(mutable)),
            "BlobRegistry" => Some(ParamKind::BlobRegistry(mutable)),
            "ChallengeBoard" => Some(ParamKind::ChallengeBoard(mutable)),
            "Clock" => Some(ParamKind::Clock),
            "Random" => Some(ParamKind::Random),
            "Model" | "LicenseOffer" => Some(ParamKind::Shared(mutable)),
            "u8" | "u16" | "u64" | "u128" | "bool" if !ty.starts_with('&') => {
                pure(base_static(base))
            }
            "u256" => pure("[u8; 32]"),
            "ID" | "address" => pure("Address"),
            "String" => pure("&str"),
            "vector<u8>" => pure("&[u8]"),
            "vector<u16>" => pure("&[u16]"),
            "vector<u64>" => pure("&[u64]"),
            "vector<String>" => pure("&[String]"),
            "vector<vector<u8>>" => pure("&[Vec<u8>]"),
            _ => Some(ParamKind::Object),
        }
    }

    fn base_static(base: &str) -> &'static str {
        ["u8", "u16", "u64", "u128", "bool"]
            .into_iter()
            .find(|t| *t == base)
            .expect("a primitive")
    }

    fn normalize(kind: ParamKind) -> ParamKind {
        match kind {
            // `stringify!` may space `&[u8]` as `& [u8]`.
            ParamKind::Pure(t) => {
                let squeezed: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                let known = [
                    "u8",
                    "u16",
                    "u64",
                    "u128",
                    "bool",
                    "[u8;32]",
                    "Address",
                    "&str",
                    "&[u8]",
                    "&[u16]",
                    "&[u64]",
                    "&[String]",
                    "&[Vec<u8>]",
                ];
                let canonical = [
                    "u8",
                    "u16",
                    "u64",
                    "u128",
                    "bool",
                    "[u8; 32]",
                    "Address",
                    "&str",
                    "&[u8]",
                    "&[u16]",
                    "&[u64]",
                    "&[String]",
                    "&[Vec<u8>]",
                ];
                let i = known
                    .iter()
                    .position(|k| *k == squeezed)
                    .unwrap_or_else(|| panic!("unexpected pure type {t}"));
                ParamKind::Pure(canonical[i])
            }
            other => other,
        }
    }

    fn return_count(returns: &str) -> usize {
        if returns.is_empty() {
            0
        } else if let Some(inner) = returns.strip_prefix('(') {
            inner.split(',').filter(|p| !p.trim().is_empty()).count()
        } else {
            1
        }
    }

    fn callable() -> Vec<MoveFunction> {
        let modules = move_source::modules();
        modules
            .iter()
            .flat_map(move_source::callable_functions)
            // A transaction cannot hold a reference across commands.
            .filter(|f| !f.returns.starts_with('&'))
            .filter(|f| move_source::reachable(f, &modules))
            .collect()
    }

    #[test]
    fn every_callable_move_function_has_a_builder_with_its_signature() {
        let functions = callable();
        let specs = all();
        assert!(
            functions.len() > 150,
            "parsed only {} functions",
            functions.len()
        );
        for f in &functions {
            let spec = specs
                .iter()
                .find(|s| s.module == f.module && s.function == f.name)
                .unwrap_or_else(|| panic!("no builder for {}::{}", f.module, f.name));
            let expected: Vec<ParamKind> = f
                .params
                .iter()
                .filter_map(|(_, t)| expected_kind(t))
                .collect();
            let actual: Vec<ParamKind> = spec.params.iter().map(|p| normalize(p.kind)).collect();
            assert_eq!(actual, expected, "{}::{} parameters", f.module, f.name);
            assert_eq!(
                spec.returns,
                return_count(&f.returns),
                "{}::{} results",
                f.module,
                f.name
            );
        }
        for spec in &specs {
            assert!(
                functions
                    .iter()
                    .any(|f| f.module == spec.module && f.name == spec.function),
                "builder {spec:?} has no callable Move function"
            );
        }
    }

    #[test]
    fn every_builder_adds_one_move_call_with_the_right_inputs() {
        let objs = objects();
        let gas = CoinRef {
            object_id: Address::new([0x9a; 32]),
            version: 1,
            digest: sui_sdk_types::Digest::new([0x9a; 32]),
            balance: 1_000_000_000,
        };
        for spec in all() {
            let mut builder = TransactionBuilder::new();
            (spec.sample)(&mut builder, &objs);
            let transaction = tx::finish(builder, Address::TWO, &[gas], 1_000_000).unwrap();
            let TransactionKind::ProgrammableTransaction(ptb) = &transaction.kind else {
                panic!("{spec:?}: not a programmable transaction");
            };
            assert_eq!(ptb.commands.len(), 1, "{spec:?}");
            let Command::MoveCall(call) = &ptb.commands[0] else {
                panic!("{spec:?}: not a MoveCall");
            };
            assert_eq!(call.package, objs.package, "{spec:?}");
            assert_eq!(call.module.as_str(), spec.module);
            assert_eq!(call.function.as_str(), spec.function);
            assert!(call.type_arguments.is_empty());
            assert_eq!(call.arguments.len(), spec.params.len(), "{spec:?}");
            let shared_mut = spec
                .params
                .iter()
                .any(|p| p.kind == ParamKind::Shared(true));
            for (argument, param) in call.arguments.iter().zip(spec.params) {
                let sui_sdk_types::Argument::Input(i) = argument else {
                    panic!("{spec:?} {}: not an input", param.name);
                };
                let input = &ptb.inputs[usize::from(*i)];
                let shared = |object: SharedObject, mutable: bool| match input {
                    Input::Shared(s) => {
                        s.object_id() == object.id
                            && s.version() == object.initial_shared_version
                            && (s.mutability() == Mutability::Mutable) == mutable
                    }
                    _ => false,
                };
                let ok = match param.kind {
                    ParamKind::System(m) => shared(objs.system, m),
                    ParamKind::Treasury(m) => shared(objs.treasury, m),
                    ParamKind::BlobRegistry(m) => shared(objs.blob_registry, m),
                    ParamKind::ChallengeBoard(m) => shared(objs.challenge_board, m),
                    ParamKind::Clock => shared(SharedObject::new(CLOCK_ID, 1), false),
                    ParamKind::Random => shared(SharedObject::new(RANDOM_ID, 1), false),
                    // Every shared sample is the same object, so one `&mut` makes it mutable.
                    ParamKind::Shared(_) => shared(SAMPLE_SHARED, shared_mut),
                    ParamKind::Object => matches!(input, Input::ImmutableOrOwned(r)
                        if *r.object_id() == Address::new([0x0b; 32])),
                    ParamKind::Pure(_) => matches!(input, Input::Pure(_)),
                };
                assert!(
                    ok,
                    "{spec:?} {}: input {input:?} is not {:?}",
                    param.name, param.kind
                );
            }
        }
    }

    #[test]
    fn pure_arguments_are_bcs_of_the_move_types() {
        let objs = objects();
        let mut builder = TransactionBuilder::new();
        let blob = builder.object(sample_owned_object());
        blob::certify_blob(&mut builder, &objs, blob, &[0, 2], &[9; 96]);
        model::register_model(&mut builder, &objs, "m", "d");
        let gas = CoinRef {
            object_id: Address::new([0x9a; 32]),
            version: 1,
            digest: sui_sdk_types::Digest::new([0x9a; 32]),
            balance: 1_000_000_000,
        };
        let transaction = tx::finish(builder, Address::TWO, &[gas], 1_000_000).unwrap();
        let TransactionKind::ProgrammableTransaction(ptb) = &transaction.kind else {
            panic!("not a programmable transaction");
        };
        let pures: Vec<&Vec<u8>> = ptb
            .inputs
            .iter()
            .filter_map(|i| match i {
                Input::Pure(bytes) => Some(bytes),
                _ => None,
            })
            .collect();
        // vector<u16> [0, 2]: ULEB length then little-endian u16s.
        assert!(pures.contains(&&vec![2, 0, 0, 2, 0]));
        // vector<u8> of 96 bytes.
        assert!(pures.iter().any(|p| p.len() == 97 && p[0] == 96));
        // String "m" as vector<u8>.
        assert!(pures.contains(&&vec![1, b'm']));
    }

    #[test]
    fn u256_pure_is_the_32_little_endian_bytes() {
        let bytes: [u8; 32] = std::array::from_fn(|i| i as u8);
        assert_eq!(bcs::to_bytes(&bytes).unwrap(), bytes.to_vec());
        let as_u256 = crate::move_types::u256_from_le(bytes);
        assert_eq!(bcs::to_bytes(&as_u256).unwrap(), bytes.to_vec());
    }
}

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
//! The builders are generated at build time from `move/floe/sources` (`sdk/build/calls.rs`, one
//! `move-syn` reading of the package), so a new or changed Move function changes its builder and
//! the compiler points at every caller.

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
    &'static [Vec<u8>],
    &'static [Address]
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

// The builders themselves, one submodule per Move module, and `all()`: generated by
// `sdk/build.rs` from `move/floe/sources`, so every callable function has one with its
// signature, in the Move order.
include!(concat!(env!("OUT_DIR"), "/calls.rs"));

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn builders_follow_the_move_signatures() {
        let specs = all();
        assert!(specs.len() > 150, "only {} builders", specs.len());
        let reserve = blob::CALLS
            .iter()
            .find(|s| s.function == "reserve_space")
            .unwrap();
        let kinds: Vec<ParamKind> = reserve.params.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                ParamKind::System(true),
                ParamKind::Pure("u64"),
                ParamKind::Pure("u64"),
                ParamKind::Object
            ]
        );
        assert_eq!(reserve.returns, 1);
        // `TxContext` is never a parameter; functions returning references have no builder.
        assert!(
            specs
                .iter()
                .all(|s| s.params.iter().all(|p| p.name != "ctx"))
        );
        assert!(!model::CALLS.iter().any(|s| s.function == "version"));
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

//! What a rules layer adds to a new chain: a genesis hook gets a [`GenesisContext`] (accounts,
//! faucet, time, fresh IDs) and returns the objects to create and the events to emit.

use std::collections::BTreeMap;

use sui_sdk_types::{
    Address, Digest, Event, Identifier, MovePackage, Object, ObjectData, Owner, StructTag, TypeTag,
};

use serde::{Deserialize, Serialize};

use crate::objects;

/// An account funded at genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAccount {
    pub address: Address,
    /// Total SUI (in MIST) the account starts with.
    pub balance: u64,
    /// Into how many equal coins the balance is split (at least 1).
    #[serde(default = "one")]
    pub coins: u32,
}

fn one() -> u32 {
    1
}

/// Why a genesis hook could not contribute its objects.
#[derive(Debug, thiserror::Error)]
#[error("genesis: {0}")]
pub struct GenesisError(pub String);

/// A package's contribution to genesis: given the genesis context, the objects to create
/// (owned, shared, immutable, dynamic fields, packages). Hooks run once, when a data
/// directory has no chain yet; their objects go into the write-ahead log's genesis
/// record, so later starts replay them without running the hook again.
pub type GenesisHook =
    Box<dyn FnOnce(&mut GenesisContext<'_>) -> Result<Vec<Object>, GenesisError> + Send>;

/// What a genesis hook sees: the accounts being funded, the faucet, the genesis time and
/// a source of fresh object IDs (shared with the devnet's own genesis objects, so IDs
/// never collide).
pub struct GenesisContext<'a> {
    pub accounts: &'a [GenesisAccount],
    pub faucet: Address,
    pub timestamp_ms: u64,
    pub(crate) counter: &'a mut u64,
    pub(crate) events: &'a mut Vec<Event>,
}

impl GenesisContext<'_> {
    /// Adds events to the genesis transaction, after those of earlier hooks. Whatever a
    /// package's `init`s (and genesis calls) emit must be in checkpoint 0 like on Sui, or
    /// anyone reading the chain from its first checkpoint (an indexer) never learns about
    /// the objects genesis created.
    pub fn emit(&mut self, events: impl IntoIterator<Item = Event>) {
        self.events.extend(events);
    }

    /// A fresh object ID (Sui's derivation from the zero digest and a genesis counter).
    pub fn fresh_id(&mut self) -> Address {
        *self.counter += 1;
        Address::derive_id(Digest::ZERO, *self.counter)
    }

    /// A Move object at version 1 whose contents are `value` (first field its UID).
    /// `Owner::Shared(_)` becomes `Shared(1)`, the initial shared version at genesis.
    pub fn move_object<T: serde::Serialize>(
        &self,
        type_: StructTag,
        has_public_transfer: bool,
        value: &T,
        owner: Owner,
    ) -> Result<Object, GenesisError> {
        let contents = bcs::to_bytes(value)
            .map_err(|e| GenesisError(format!("a {type_} does not serialize: {e}")))?;
        if contents.len() < 32 {
            return Err(GenesisError(format!(
                "a {type_} must start with its UID (32 bytes)"
            )));
        }
        let owner = match owner {
            Owner::Shared(_) => Owner::Shared(1),
            owner => owner,
        };
        Ok(objects::move_object(
            type_,
            has_public_transfer,
            1,
            contents,
            owner,
            Digest::ZERO,
        ))
    }

    /// A dynamic field `Field<K, V>` of `parent` (a UID), as `dynamic_field::add` would
    /// create it.
    pub fn field_object<K: serde::Serialize, V: serde::Serialize>(
        &self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
        value_type: &TypeTag,
        value: &V,
    ) -> Result<Object, GenesisError> {
        let key_bytes =
            bcs::to_bytes(key).map_err(|e| GenesisError(format!("a field key: {e}")))?;
        let id = parent.derive_dynamic_child_id(key_type, &key_bytes);
        let mut contents = id.as_bytes().to_vec();
        contents.extend_from_slice(&key_bytes);
        contents.extend_from_slice(
            &bcs::to_bytes(value).map_err(|e| GenesisError(format!("a field value: {e}")))?,
        );
        Ok(objects::move_object(
            crate::runtime::field_type(key_type.clone(), value_type.clone()),
            false,
            1,
            contents,
            Owner::Object(parent),
            Digest::ZERO,
        ))
    }

    /// An immutable package object at `id`, version 1, with `modules` (name → bytecode;
    /// empty is fine: the devnet runs handlers, not bytecode), so that
    /// `GetObject(package_id)` answers.
    pub fn package(&self, id: Address, modules: BTreeMap<Identifier, Vec<u8>>) -> Object {
        Object::new(
            ObjectData::Package(MovePackage {
                id,
                version: 1,
                modules,
                type_origin_table: Vec::new(),
                linkage_table: BTreeMap::new(),
            }),
            Owner::Immutable,
            Digest::ZERO,
            0,
        )
    }
}

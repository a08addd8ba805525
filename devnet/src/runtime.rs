//! The state of one programmable transaction while it runs.
//!
//! Objects a transaction touches are copied into a working set; commands and Move-call
//! handlers change only that copy. The executor turns the working set into effects when
//! every command succeeded, and throws it away when one failed, which is what makes a
//! failing command abort the whole transaction.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use sui_sdk_types::{
    Address, Digest, Event, ExecutionError, Identifier, MoveLocation, Object, Owner, StructTag,
};

use crate::objects;

/// A value flowing between commands: an object (by ID) or BCS bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Object(Address),
    Pure(Vec<u8>),
}

/// The previous state of an object that existed before the transaction.
#[derive(Debug, Clone)]
pub struct InputState {
    pub object: Object,
}

/// An object in the transaction's working set.
#[derive(Debug, Clone)]
pub struct Working {
    pub type_: StructTag,
    pub has_public_transfer: bool,
    /// BCS contents, starting with the UID.
    pub contents: Vec<u8>,
    /// `None` for a value that is not stored anywhere yet (a fresh coin, a new object
    /// before it is transferred, shared or frozen).
    pub owner: Option<Owner>,
    /// Whether this transaction may change the object.
    pub mutable: bool,
    /// `Some` for objects that existed before this transaction.
    pub input: Option<InputState>,
}

/// The working set and outputs of the transaction being executed.
#[derive(Debug)]
pub struct Runtime {
    pub tx_digest: Digest,
    pub sender: Address,
    pub timestamp_ms: u64,
    pub objects: BTreeMap<Address, Working>,
    pub deleted: BTreeSet<Address>,
    pub events: Vec<Event>,
    created: u64,
    random_counter: u64,
}

impl Runtime {
    pub fn new(tx_digest: Digest, sender: Address, timestamp_ms: u64) -> Self {
        Self {
            tx_digest,
            sender,
            timestamp_ms,
            objects: BTreeMap::new(),
            deleted: BTreeSet::new(),
            events: Vec::new(),
            created: 0,
            random_counter: 0,
        }
    }

    /// Adds an existing object to the working set.
    pub fn load(&mut self, object: &Object, mutable: bool) {
        let (type_, contents, has_public_transfer) =
            objects::struct_parts(object).expect("inputs are checked to be Move structs");
        self.objects.insert(
            object.object_id(),
            Working {
                type_: type_.clone(),
                has_public_transfer,
                contents: contents.to_vec(),
                owner: Some(*object.owner()),
                mutable,
                input: Some(InputState {
                    object: object.clone(),
                }),
            },
        );
    }

    /// A fresh object ID, derived like Sui's from the transaction digest and a counter.
    pub fn fresh_id(&mut self) -> Address {
        let id = Address::derive_id(self.tx_digest, self.created);
        self.created += 1;
        id
    }

    /// Adds a new, not yet owned object whose contents already start with `id`.
    pub fn create(
        &mut self,
        id: Address,
        type_: StructTag,
        has_public_transfer: bool,
        contents: Vec<u8>,
    ) {
        self.objects.insert(
            id,
            Working {
                type_,
                has_public_transfer,
                contents,
                owner: None,
                mutable: true,
                input: None,
            },
        );
    }

    pub fn get(&self, id: &Address) -> Result<&Working, ExecutionError> {
        if self.deleted.contains(id) {
            return Err(ExecutionError::InputObjectDeleted);
        }
        self.objects
            .get(id)
            .ok_or(ExecutionError::InvariantViolation)
    }

    pub fn get_mut(&mut self, id: &Address) -> Result<&mut Working, ExecutionError> {
        if self.deleted.contains(id) {
            return Err(ExecutionError::InputObjectDeleted);
        }
        let object = self
            .objects
            .get_mut(id)
            .ok_or(ExecutionError::InvariantViolation)?;
        if !object.mutable {
            return Err(ExecutionError::CommandArgumentError {
                argument: 0,
                kind: sui_sdk_types::CommandArgumentError::InvalidObjectByMutRef,
            });
        }
        Ok(object)
    }

    pub fn delete(&mut self, id: &Address) -> Result<(), ExecutionError> {
        self.get_mut(id)?;
        self.deleted.insert(*id);
        Ok(())
    }

    /// Deterministic pseudo-random bytes (what `0x8` provides to Move code on Sui).
    pub fn random_bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let mut state = blake2b_simd::Params::new().hash_length(32).to_state();
            state.update(b"floe-devnet-random");
            state.update(self.tx_digest.inner());
            state.update(&self.random_counter.to_le_bytes());
            self.random_counter += 1;
            out.extend_from_slice(state.finalize().as_bytes());
        }
        out.truncate(len);
        out
    }
}

/// What a Move-call handler sees: the runtime plus the function being called.
pub struct CallContext<'a> {
    pub runtime: &'a mut Runtime,
    pub package: Address,
    pub module: Identifier,
    pub function: Identifier,
}

impl CallContext<'_> {
    pub fn sender(&self) -> Address {
        self.runtime.sender
    }

    /// The execution time in milliseconds (what `clock::timestamp_ms` returns).
    pub fn timestamp_ms(&self) -> u64 {
        self.runtime.timestamp_ms
    }

    /// The error a Move `abort code` in the called function produces.
    pub fn abort(&self, code: u64) -> ExecutionError {
        ExecutionError::MoveAbort {
            location: MoveLocation {
                package: self.package,
                module: self.module.clone(),
                function: 0,
                instruction: 0,
                function_name: Some(self.function.clone()),
            },
            code,
        }
    }

    /// Decodes a pure argument.
    pub fn pure<T: DeserializeOwned>(
        &self,
        value: &Value,
        index: u16,
    ) -> Result<T, ExecutionError> {
        match value {
            Value::Pure(bytes) => bcs::from_bytes(bytes).map_err(|_| bad_arg(index)),
            Value::Object(_) => Err(bad_arg(index)),
        }
    }

    /// The object ID of an object argument.
    pub fn object_id(&self, value: &Value, index: u16) -> Result<Address, ExecutionError> {
        match value {
            Value::Object(id) => Ok(*id),
            Value::Pure(_) => Err(bad_arg(index)),
        }
    }

    /// Emits an event of `type_` with BCS `contents`.
    pub fn emit(&mut self, type_: StructTag, contents: Vec<u8>) {
        self.runtime.events.push(Event {
            package_id: self.package,
            module: self.module.clone(),
            sender: self.runtime.sender,
            type_,
            contents,
        });
    }
}

/// The error for an argument of the wrong kind or that does not decode.
pub fn bad_arg(index: u16) -> ExecutionError {
    ExecutionError::CommandArgumentError {
        argument: index,
        kind: sui_sdk_types::CommandArgumentError::TypeMismatch,
    }
}

//! The state of one programmable transaction while it runs.
//!
//! Objects a transaction touches are copied into a working set; commands and Move-call
//! handlers change only that copy. The executor turns the working set into effects when
//! every command succeeded, and throws it away when one failed, which is what makes a
//! failing command abort the whole transaction.
//!
//! Dynamic fields (what `sui::dynamic_field`, `sui::table`, `sui::table_vec` and
//! `sui::bag` are built on) are objects `0x2::dynamic_field::Field<K, V> { id, name, value }`
//! owned by their parent's UID, with Sui's derived IDs. They are not transaction inputs:
//! [`CallContext`]'s `field_*` methods load them on demand from the ledger into the same
//! working set, so their changes come out in the effects, or are thrown away, together
//! with everything else.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sui_sdk_types::{
    Address, Digest, Event, ExecutionError, Identifier, MoveLocation, Object, Owner, StructTag,
    TypeTag,
};

use crate::execute::ObjectSource;
use crate::objects::{self, FRAMEWORK};

/// `sui::dynamic_field::EFieldAlreadyExists`: `add` with a key that is present.
pub const E_FIELD_ALREADY_EXISTS: u64 = 0;
/// `sui::dynamic_field::EFieldDoesNotExist`: borrow, replace or remove of a missing key.
pub const E_FIELD_DOES_NOT_EXIST: u64 = 1;
/// `sui::dynamic_field::EFieldTypeMismatch`: the stored value is not of the requested type.
pub const E_FIELD_TYPE_MISMATCH: u64 = 2;
/// `sui::transfer::ESharedNonNewObject`: only objects created in this transaction can be
/// shared.
pub const E_SHARED_NON_NEW_OBJECT: u64 = 0;

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
    /// Loaded on demand as a child object (a dynamic field) rather than named as a
    /// transaction input. Such an object comes out in the effects only when it changed,
    /// as on Sui.
    pub child: bool,
}

/// The working set and outputs of the transaction being executed.
#[derive(Debug)]
pub struct Runtime {
    pub tx_digest: Digest,
    pub sender: Address,
    pub timestamp_ms: u64,
    pub objects: BTreeMap<Address, Working>,
    pub deleted: BTreeSet<Address>,
    /// Objects of `deleted` that were wrapped (stored by value inside another object), not
    /// destroyed: Sui's effects list them without an ID deletion.
    pub wrapped: BTreeSet<Address>,
    /// Objects that came back out of another object this transaction (their UID is old):
    /// written without an ID creation, as Sui reports an unwrap.
    pub unwrapped: BTreeSet<Address>,
    pub events: Vec<Event>,
    created: u64,
    /// IDs handed out by [`Self::fresh_id`]: a UID that is not stored in any object yet
    /// (a `Table` being built) can still own dynamic fields.
    fresh: BTreeSet<Address>,
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
            wrapped: BTreeSet::new(),
            unwrapped: BTreeSet::new(),
            events: Vec::new(),
            created: 0,
            fresh: BTreeSet::new(),
            random_counter: 0,
        }
    }

    /// Adds an existing object (a transaction input) to the working set.
    pub fn load(&mut self, object: &Object, mutable: bool) {
        self.load_as(object, mutable, false);
    }

    /// Adds an existing child object (loaded on demand, not an input) to the working set.
    pub fn load_child(&mut self, object: &Object, mutable: bool) {
        self.load_as(object, mutable, true);
    }

    fn load_as(&mut self, object: &Object, mutable: bool, child: bool) {
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
                child,
            },
        );
    }

    /// A fresh object ID, derived like Sui's from the transaction digest and a counter.
    pub fn fresh_id(&mut self) -> Address {
        let id = Address::derive_id(self.tx_digest, self.created);
        self.created += 1;
        self.fresh.insert(id);
        id
    }

    /// Whether `id` was handed out by [`Self::fresh_id`] in this transaction.
    pub fn is_fresh(&self, id: &Address) -> bool {
        self.fresh.contains(id)
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
                child: false,
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

/// What a Move-call handler sees: the runtime, the live objects it may load children
/// from, and the function being called.
pub struct CallContext<'a> {
    pub runtime: &'a mut Runtime,
    /// The ledger's live objects as they were before this transaction; dynamic fields
    /// are read from here the first time a handler touches them.
    pub source: &'a dyn ObjectSource,
    pub package: Address,
    pub module: Identifier,
    pub function: Identifier,
}

/// The Move type `0x2::dynamic_field::Field<K, V>` of a dynamic field object.
pub fn field_type(key_type: TypeTag, value_type: TypeTag) -> StructTag {
    StructTag::new(
        FRAMEWORK,
        Identifier::from_static("dynamic_field"),
        Identifier::from_static("Field"),
        vec![key_type, value_type],
    )
}

/// The object ID of the dynamic field of `parent` with key `key` of Move type
/// `key_type`: Sui's `hash(0xf0 ‖ parent ‖ len(bcs(key)) as u64 LE ‖ bcs(key) ‖
/// bcs(key_type))` (`dynamic_field::hash_type_and_key`).
pub fn dynamic_field_id<K: Serialize + ?Sized>(
    parent: Address,
    key_type: &TypeTag,
    key: &K,
) -> Result<Address, ExecutionError> {
    Ok(parent.derive_dynamic_child_id(key_type, &to_bcs(key)?))
}

fn to_bcs<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, ExecutionError> {
    bcs::to_bytes(value).map_err(|e| {
        tracing::error!(error = %e, "a handler value does not serialize to BCS");
        ExecutionError::InvariantViolation
    })
}

/// Decodes `bytes` as a `T`, all bytes consumed.
fn from_bcs<T: DeserializeOwned>(bytes: &[u8], what: &dyn std::fmt::Display) -> Option<T> {
    match bcs::from_bytes(bytes) {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::error!(error = %e, %what, "stored BCS does not decode as the handler's Rust type");
            None
        }
    }
}

/// Where the bytes of `needle` occur in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
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

    /// An abort raised inside a Sui framework function (`0x2::module::function`), as Sui
    /// reports it: located in the framework, not in the calling package.
    pub fn framework_abort(
        module: &'static str,
        function: &'static str,
        code: u64,
    ) -> ExecutionError {
        ExecutionError::MoveAbort {
            location: MoveLocation {
                package: FRAMEWORK,
                module: Identifier::from_static(module),
                function: 0,
                instruction: 0,
                function_name: Some(Identifier::from_static(function)),
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

    /// Emits `value` (BCS-encoded) as an event of `type_`: `event::emit(value)`.
    pub fn emit_value<T: Serialize>(
        &mut self,
        type_: StructTag,
        value: &T,
    ) -> Result<(), ExecutionError> {
        let contents = to_bcs(value)?;
        self.emit(type_, contents);
        Ok(())
    }

    // ----- whole objects -----

    /// A fresh UID (`object::new(ctx)`), for a new object or a new `Table`/`Bag`.
    pub fn fresh_id(&mut self) -> Address {
        self.runtime.fresh_id()
    }

    /// Decodes the whole contents of an object in the working set (an input, a new object
    /// or a loaded dynamic field) as `T`, whose layout must mirror the Move struct (first
    /// field the UID, as an `Address`).
    pub fn read<T: DeserializeOwned>(&self, id: Address) -> Result<T, ExecutionError> {
        let working = self.runtime.get(&id)?;
        from_bcs(&working.contents, &working.type_).ok_or(ExecutionError::InvariantViolation)
    }

    /// Replaces an object's contents with `value` (`*obj = value` through `&mut`); the
    /// object must be mutable in this transaction and `value` must keep its UID.
    pub fn write<T: Serialize>(&mut self, id: Address, value: &T) -> Result<(), ExecutionError> {
        let contents = to_bcs(value)?;
        if contents.get(..32) != Some(id.as_bytes()) {
            tracing::error!(%id, "a handler wrote an object whose contents do not start with its UID");
            return Err(ExecutionError::InvariantViolation);
        }
        self.runtime.get_mut(&id)?.contents = contents;
        Ok(())
    }

    /// Reads an object as `T`, lets `f` change it and writes it back.
    pub fn update<T: Serialize + DeserializeOwned, R>(
        &mut self,
        id: Address,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, ExecutionError> {
        self.runtime.get_mut(&id)?;
        let mut value: T = self.read(id)?;
        let result = f(&mut value);
        self.write(id, &value)?;
        Ok(result)
    }

    /// Creates a new object of Move type `type_` from `value`, whose first field is its
    /// UID (taken from [`Self::fresh_id`]). The object is a value the transaction holds:
    /// store it with [`Self::transfer`], [`Self::share`] or [`Self::freeze`], return it,
    /// or put it in a dynamic field's value; an unstored object fails the transaction
    /// like an unused value without `drop`. `has_public_transfer` is Move's `store`
    /// ability.
    pub fn create_object<T: Serialize>(
        &mut self,
        type_: StructTag,
        has_public_transfer: bool,
        value: &T,
    ) -> Result<Address, ExecutionError> {
        let (id, contents) = object_bcs(value)?;
        if !self.runtime.is_fresh(&id) || self.runtime.objects.contains_key(&id) {
            tracing::error!(%id, "a new object must use a fresh, unused UID from ctx.fresh_id()");
            return Err(ExecutionError::InvariantViolation);
        }
        self.runtime
            .create(id, type_, has_public_transfer, contents);
        Ok(id)
    }

    /// `transfer::transfer(obj, recipient)`: `obj` now belongs to `recipient`.
    pub fn transfer(&mut self, id: Address, recipient: Address) -> Result<(), ExecutionError> {
        self.store(id, Owner::Address(recipient))
    }

    /// `transfer::share_object(obj)`: only objects created in this transaction can be
    /// shared (else abort `ESharedNonNewObject`, as on Sui). The initial shared version
    /// is the transaction's lamport version.
    pub fn share(&mut self, id: Address) -> Result<(), ExecutionError> {
        if self.runtime.get(&id)?.input.is_some() {
            return Err(Self::framework_abort(
                "transfer",
                "share_object_impl",
                E_SHARED_NON_NEW_OBJECT,
            ));
        }
        self.store(id, Owner::Shared(0))
    }

    /// `transfer::freeze_object(obj)`: `obj` becomes immutable.
    pub fn freeze(&mut self, id: Address) -> Result<(), ExecutionError> {
        self.store(id, Owner::Immutable)
    }

    fn store(&mut self, id: Address, owner: Owner) -> Result<(), ExecutionError> {
        let working = self.runtime.get_mut(&id)?;
        if matches!(working.owner, Some(Owner::Shared(_) | Owner::Immutable))
            && working.input.is_some()
        {
            // Shared and frozen objects cannot be moved by value.
            return Err(ExecutionError::InvalidTransferObject);
        }
        working.owner = Some(owner);
        Ok(())
    }

    /// `object::delete(id)` of an object the transaction holds by value.
    pub fn delete_object(&mut self, id: Address) -> Result<(), ExecutionError> {
        self.runtime.delete(&id)
    }

    /// Stores object `id` by value inside another object (`blob.storage = storage`): it
    /// leaves the object store, and the effects say wrapped rather than deleted. The caller
    /// puts its value into the outer object's contents.
    pub fn wrap(&mut self, id: Address) -> Result<(), ExecutionError> {
        self.runtime.delete(&id)?;
        self.runtime.wrapped.insert(id);
        Ok(())
    }

    /// Takes an object back out of another object (`let Blob { storage, .. } = blob`): it
    /// becomes a value the transaction holds again under its old ID. Wrapped and unwrapped in
    /// the same transaction, it is the same working object again.
    pub fn unwrap_object<T: Serialize>(
        &mut self,
        type_: StructTag,
        has_public_transfer: bool,
        value: &T,
    ) -> Result<Address, ExecutionError> {
        let (id, contents) = object_bcs(value)?;
        if self.runtime.wrapped.remove(&id) && self.runtime.deleted.remove(&id) {
            let working = self
                .runtime
                .objects
                .get_mut(&id)
                .ok_or(ExecutionError::InvariantViolation)?;
            working.contents = contents;
            working.owner = None;
            working.mutable = true;
            return Ok(id);
        }
        if self.runtime.objects.contains_key(&id) {
            tracing::error!(%id, "unwrapping an object that is already in the working set");
            return Err(ExecutionError::InvariantViolation);
        }
        self.runtime
            .create(id, type_, has_public_transfer, contents);
        self.runtime.unwrapped.insert(id);
        Ok(id)
    }

    // ----- dynamic fields -----

    /// The object ID of `parent`'s dynamic field with key `key` of Move type `key_type`.
    pub fn field_id<K: Serialize + ?Sized>(
        &self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
    ) -> Result<Address, ExecutionError> {
        dynamic_field_id(parent, key_type, key)
    }

    /// Whether `parent` (its UID) may be changed in this transaction: the object with
    /// that ID, else the objects whose contents hold that UID (a `Table` or `Bag` inside
    /// an object or inside another dynamic field's value), else a UID made in this
    /// transaction and not stored yet. A UID found nowhere in the working set is an
    /// error: Move code cannot reach a UID of an object it was not given.
    fn parent_mutable(&self, parent: Address) -> Result<bool, ExecutionError> {
        let live = |id: &Address| !self.runtime.deleted.contains(id);
        if let Some(object) = self.runtime.objects.get(&parent).filter(|_| live(&parent)) {
            return Ok(object.mutable);
        }
        let mut found = false;
        let mut mutable = true;
        for (id, object) in &self.runtime.objects {
            if live(id)
                && object.contents.len() > 32
                && contains(&object.contents[32..], parent.as_bytes())
            {
                found = true;
                // An ID can also be stored as a plain reference; be strict and require
                // every holder to be mutable.
                mutable &= object.mutable;
            }
        }
        if found {
            Ok(mutable)
        } else if self.runtime.is_fresh(&parent) {
            Ok(true)
        } else {
            tracing::error!(
                %parent,
                "dynamic field parent UID is neither an object in this transaction nor stored in one; pass the object holding it as an input"
            );
            Err(ExecutionError::InvariantViolation)
        }
    }

    /// Brings the dynamic field `id` of `parent` into the working set if it exists;
    /// returns whether it does.
    fn load_field(&mut self, parent: Address, id: Address) -> Result<bool, ExecutionError> {
        if self.runtime.deleted.contains(&id) {
            return Ok(false);
        }
        if let Some(object) = self.runtime.objects.get(&id) {
            return Ok(object.owner == Some(Owner::Object(parent)));
        }
        let Some(object) = self.source.object(&id) else {
            return Ok(false);
        };
        if *object.owner() != Owner::Object(parent) || objects::struct_parts(object).is_none() {
            return Ok(false);
        }
        let mutable = self.parent_mutable(parent)?;
        self.runtime.load_child(object, mutable);
        Ok(true)
    }

    /// The value bytes of a loaded field (after the UID and the key).
    fn field_value_offset(key_len: usize) -> usize {
        32 + key_len
    }

    /// `dynamic_field::exists_(parent, key)`.
    pub fn field_exists<K: Serialize + ?Sized>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
    ) -> Result<bool, ExecutionError> {
        let id = self.field_id(parent, key_type, key)?;
        self.load_field(parent, id)
    }

    /// `dynamic_field::borrow(parent, key)`: the value, decoded as `V`. Aborts
    /// `EFieldDoesNotExist` (1) when there is no such field and `EFieldTypeMismatch` (2)
    /// when the stored value does not decode as `V`.
    pub fn field_borrow<K: Serialize + ?Sized, V: DeserializeOwned>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
    ) -> Result<V, ExecutionError> {
        let (id, key_len) = self.existing_field(parent, key_type, key, "borrow_child_object")?;
        let working = self.runtime.get(&id)?;
        from_bcs(
            &working.contents[Self::field_value_offset(key_len)..],
            &working.type_,
        )
        .ok_or_else(|| {
            Self::framework_abort(
                "dynamic_field",
                "borrow_child_object",
                E_FIELD_TYPE_MISMATCH,
            )
        })
    }

    /// `dynamic_field::add(parent, key, value)`: a new field `Field<K, V>` owned by
    /// `parent`. Aborts `EFieldAlreadyExists` (0) when the key is present.
    pub fn field_add<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
        value_type: &TypeTag,
        value: &V,
    ) -> Result<(), ExecutionError> {
        let key_bytes = to_bcs(key)?;
        let id = parent.derive_dynamic_child_id(key_type, &key_bytes);
        if self.load_field(parent, id)? {
            return Err(Self::framework_abort(
                "dynamic_field",
                "add",
                E_FIELD_ALREADY_EXISTS,
            ));
        }
        if !self.parent_mutable(parent)? {
            return Err(ExecutionError::CommandArgumentError {
                argument: 0,
                kind: sui_sdk_types::CommandArgumentError::InvalidObjectByMutRef,
            });
        }
        let mut contents = id.as_bytes().to_vec();
        contents.extend_from_slice(&key_bytes);
        contents.extend_from_slice(&to_bcs(value)?);
        let type_ = field_type(key_type.clone(), value_type.clone());
        if self.runtime.deleted.remove(&id) {
            // Removed earlier in this transaction and added again: the same object,
            // mutated (its input state is kept).
            let working = self
                .runtime
                .objects
                .get_mut(&id)
                .ok_or(ExecutionError::InvariantViolation)?;
            working.type_ = type_;
            working.contents = contents;
            working.owner = Some(Owner::Object(parent));
        } else {
            self.runtime.objects.insert(
                id,
                Working {
                    type_,
                    has_public_transfer: false,
                    contents,
                    owner: Some(Owner::Object(parent)),
                    mutable: true,
                    input: None,
                    child: true,
                },
            );
        }
        Ok(())
    }

    /// Replaces the value of an existing field (`*dynamic_field::borrow_mut(..) =
    /// value`); the field keeps its Move type. Aborts `EFieldDoesNotExist` (1).
    pub fn field_set<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
        value: &V,
    ) -> Result<(), ExecutionError> {
        let (id, key_len) =
            self.existing_field(parent, key_type, key, "borrow_child_object_mut")?;
        let value = to_bcs(value)?;
        let working = self.runtime.get_mut(&id)?;
        working.contents.truncate(Self::field_value_offset(key_len));
        working.contents.extend_from_slice(&value);
        Ok(())
    }

    /// `dynamic_field::borrow_mut(parent, key)`: decodes the value as `V`, lets `f`
    /// change it and stores it back. Aborts like [`Self::field_borrow`].
    pub fn field_borrow_mut<K: Serialize + ?Sized, V: Serialize + DeserializeOwned, R>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
        f: impl FnOnce(&mut V) -> R,
    ) -> Result<R, ExecutionError> {
        let (id, _) = self.existing_field(parent, key_type, key, "borrow_child_object_mut")?;
        // Fail on a read-only parent before running `f`.
        self.runtime.get_mut(&id)?;
        let mut value: V = self.field_borrow(parent, key_type, key)?;
        let result = f(&mut value);
        self.field_set(parent, key_type, key, &value)?;
        Ok(result)
    }

    /// `dynamic_field::remove(parent, key)`: deletes the field and returns its value.
    /// Aborts `EFieldDoesNotExist` (1) or `EFieldTypeMismatch` (2).
    pub fn field_remove<K: Serialize + ?Sized, V: DeserializeOwned>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
    ) -> Result<V, ExecutionError> {
        let (id, key_len) = self.existing_field(parent, key_type, key, "remove_child_object")?;
        let working = self.runtime.get(&id)?;
        let value = from_bcs(
            &working.contents[Self::field_value_offset(key_len)..],
            &working.type_,
        )
        .ok_or_else(|| {
            Self::framework_abort(
                "dynamic_field",
                "remove_child_object",
                E_FIELD_TYPE_MISMATCH,
            )
        })?;
        self.runtime.delete(&id)?;
        Ok(value)
    }

    /// The ID and key length of an existing field, or the `EFieldDoesNotExist` abort of
    /// the framework's `function`.
    fn existing_field<K: Serialize + ?Sized>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
        function: &'static str,
    ) -> Result<(Address, usize), ExecutionError> {
        let key_bytes = to_bcs(key)?;
        let id = parent.derive_dynamic_child_id(key_type, &key_bytes);
        if !self.load_field(parent, id)? {
            return Err(Self::framework_abort(
                "dynamic_field",
                function,
                E_FIELD_DOES_NOT_EXIST,
            ));
        }
        let working = self.runtime.get(&id)?;
        let name_type = working.type_.type_params().first();
        if name_type != Some(key_type)
            || working.contents.get(32..32 + key_bytes.len()) != Some(key_bytes.as_slice())
        {
            return Err(Self::framework_abort(
                "dynamic_field",
                function,
                E_FIELD_TYPE_MISMATCH,
            ));
        }
        Ok((id, key_bytes.len()))
    }
}

/// An object value's BCS and the ID its leading UID holds.
fn object_bcs<T: Serialize>(value: &T) -> Result<(Address, Vec<u8>), ExecutionError> {
    let contents = to_bcs(value)?;
    let id = contents
        .get(..32)
        .and_then(|b| Address::from_bytes(b).ok())
        .ok_or(ExecutionError::InvariantViolation)?;
    Ok((id, contents))
}

/// The error for an argument of the wrong kind or that does not decode.
pub fn bad_arg(index: u16) -> ExecutionError {
    ExecutionError::CommandArgumentError {
        argument: index,
        kind: sui_sdk_types::CommandArgumentError::TypeMismatch,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use floe_sdk::Keystore;
    use floe_sdk::tx::{self, CoinRef};
    use serde::Deserialize;
    use sui_crypto::ed25519::Ed25519PrivateKey;
    use sui_sdk_types::{ExecutionStatus, IdOperation, ObjectIn, ObjectOut};
    use sui_transaction_builder::{Function, ObjectInput, TransactionBuilder};

    use super::*;
    use crate::execute::{self, TxRecord};
    use crate::handlers::HandlerRegistry;

    const PKG: Address = Address::new([0xab; 32]);
    const BUDGET: u64 = 10_000_000;

    /// Sui's definition, computed here without the runtime's code path.
    fn sui_child_id(parent: &Address, key_bcs: &[u8], type_tag_bcs: &[u8]) -> Address {
        let mut state = blake2b_simd::Params::new().hash_length(32).to_state();
        state.update(&[0xf0]);
        state.update(parent.as_bytes());
        state.update(&(key_bcs.len() as u64).to_le_bytes());
        state.update(key_bcs);
        state.update(type_tag_bcs);
        Address::from_bytes(state.finalize().as_bytes()).unwrap()
    }

    #[test]
    fn child_ids_follow_sui() {
        let parent = Address::new([7; 32]);
        // u64 key 42: BCS is 8 LE bytes; `TypeTag::U64` is BCS variant 2.
        let expected = sui_child_id(&parent, &42u64.to_le_bytes(), &[2]);
        assert_eq!(
            dynamic_field_id(parent, &TypeTag::U64, &42u64).unwrap(),
            expected
        );
        // u256 key: 32 LE bytes; `TypeTag::U256` is variant 10.
        let mut key = [0u8; 32];
        key[0] = 5;
        let expected = sui_child_id(&parent, &key, &[10]);
        assert_eq!(
            dynamic_field_id(parent, &TypeTag::U256, &key).unwrap(),
            expected
        );
        // A vector<u8> key carries its ULEB128 length; `vector<u8>` is [6, 1].
        let expected = sui_child_id(&parent, &[3, 1, 2, 3], &[6, 1]);
        let vector_u8 = TypeTag::Vector(Box::new(TypeTag::U8));
        assert_eq!(
            dynamic_field_id(parent, &vector_u8, &vec![1u8, 2, 3]).unwrap(),
            expected
        );
    }

    /// `sui::table::Table<u256, u64>`.
    #[derive(Debug, Serialize, Deserialize)]
    struct Table {
        id: Address,
        size: u64,
    }

    /// `store::Store { id: UID, table: Table<u256, u64> }`.
    #[derive(Debug, Serialize, Deserialize)]
    struct Store {
        id: Address,
        table: Table,
    }

    fn store_type() -> StructTag {
        StructTag::new(
            PKG,
            Identifier::from_static("store"),
            Identifier::from_static("Store"),
            vec![],
        )
    }

    fn key(n: u8) -> [u8; 32] {
        let mut key = [0u8; 32];
        key[0] = n;
        key
    }

    /// Handlers mirroring a small Move module over a `Table<u256, u64>`.
    fn registry() -> HandlerRegistry {
        let mut registry = HandlerRegistry::with_framework();
        registry.register(
            PKG,
            "store",
            "create",
            Arc::new(|ctx, _, _| {
                let id = ctx.fresh_id();
                let table = Table {
                    id: ctx.fresh_id(),
                    size: 0,
                };
                ctx.create_object(store_type(), false, &Store { id, table })?;
                ctx.share(id)?;
                Ok(vec![])
            }),
        );
        // add(store, key, value) and, with a fourth argument, abort 9 afterwards.
        registry.register(
            PKG,
            "store",
            "add",
            Arc::new(|ctx, _, args| {
                let store = ctx.object_id(&args[0], 0)?;
                let key: [u8; 32] = ctx.pure(&args[1], 1)?;
                let value: u64 = ctx.pure(&args[2], 2)?;
                let table = ctx.read::<Store>(store)?.table.id;
                ctx.field_add(table, &TypeTag::U256, &key, &TypeTag::U64, &value)?;
                ctx.update(store, |s: &mut Store| s.table.size += 1)?;
                if args.len() > 3 {
                    return Err(ctx.abort(9));
                }
                Ok(vec![])
            }),
        );
        // sum(store, v: vector<u64>): adds the elements under key 0.
        registry.register(
            PKG,
            "store",
            "sum",
            Arc::new(|ctx, _, args| {
                let store = ctx.object_id(&args[0], 0)?;
                let values: Vec<u64> = ctx.pure(&args[1], 1)?;
                let table = ctx.read::<Store>(store)?.table.id;
                let sum: u64 = values.iter().sum();
                ctx.field_add(table, &TypeTag::U256, &key(0), &TypeTag::U64, &sum)?;
                Ok(vec![])
            }),
        );
        registry.register(
            PKG,
            "store",
            "bump",
            Arc::new(|ctx, _, args| {
                let store = ctx.object_id(&args[0], 0)?;
                let key: [u8; 32] = ctx.pure(&args[1], 1)?;
                let table = ctx.read::<Store>(store)?.table.id;
                ctx.field_borrow_mut(table, &TypeTag::U256, &key, |v: &mut u64| *v += 1)?;
                Ok(vec![])
            }),
        );
        registry.register(
            PKG,
            "store",
            "get",
            Arc::new(|ctx, _, args| {
                let store = ctx.object_id(&args[0], 0)?;
                let key: [u8; 32] = ctx.pure(&args[1], 1)?;
                let table = ctx.read::<Store>(store)?.table.id;
                let value: u64 = ctx.field_borrow(table, &TypeTag::U256, &key)?;
                Ok(vec![Value::Pure(bcs::to_bytes(&value).unwrap())])
            }),
        );
        registry.register(
            PKG,
            "store",
            "remove",
            Arc::new(|ctx, _, args| {
                let store = ctx.object_id(&args[0], 0)?;
                let key: [u8; 32] = ctx.pure(&args[1], 1)?;
                let table = ctx.read::<Store>(store)?.table.id;
                let value: u64 = ctx.field_remove(table, &TypeTag::U256, &key)?;
                ctx.update(store, |s: &mut Store| s.table.size -= 1)?;
                Ok(vec![Value::Pure(bcs::to_bytes(&value).unwrap())])
            }),
        );
        registry
    }

    /// Live objects plus one funded sender, executing transactions like the node does.
    struct Chain {
        objects: HashMap<Address, Object>,
        key: Ed25519PrivateKey,
        sender: Address,
        gas: Address,
        registry: HandlerRegistry,
        store: Option<(Address, u64)>,
    }

    impl Chain {
        fn new() -> Self {
            let mut keys = Keystore::default();
            let sender = keys.generate();
            let key = keys.key(&sender).unwrap().clone();
            let gas = objects::short_id(0x99);
            let mut objects = HashMap::new();
            objects.insert(gas, objects::gas_coin(gas, 1_000_000_000, sender, 1));
            let mut chain = Self {
                objects,
                key,
                sender,
                gas,
                registry: registry(),
                store: None,
            };
            let record = chain.call("create", |_, _| vec![]);
            let created = record
                .written
                .iter()
                .find(|o| o.as_struct().unwrap().object_type() == &store_type())
                .unwrap();
            let Owner::Shared(initial) = *created.owner() else {
                panic!("the store is shared")
            };
            chain.store = Some((created.object_id(), initial));
            chain
        }

        fn store(&self) -> Store {
            let id = self.store.unwrap().0;
            bcs::from_bytes(self.objects[&id].as_struct().unwrap().contents()).unwrap()
        }

        /// Calls `store::function` with the store (when created) and `args`, applies the
        /// record and returns it.
        fn call(
            &mut self,
            function: &str,
            args: impl FnOnce(
                &mut TransactionBuilder,
                Option<sui_transaction_builder::Argument>,
            ) -> Vec<sui_transaction_builder::Argument>,
        ) -> TxRecord {
            let gas = &self.objects[&self.gas];
            let coin = CoinRef {
                object_id: self.gas,
                version: gas.version(),
                digest: gas.digest(),
                balance: 0,
            };
            let mut builder = TransactionBuilder::new();
            let store = self
                .store
                .map(|(id, initial)| builder.object(ObjectInput::shared(id, initial, true)));
            let args = args(&mut builder, store);
            builder.move_call(
                Function::new(PKG, "store".parse().unwrap(), function.parse().unwrap()),
                args,
            );
            let transaction = tx::finish(builder, self.sender, &[coin], BUDGET).unwrap();
            let signature = tx::sign(&transaction, &self.key).unwrap();
            let record =
                execute::execute(&self.objects, &self.registry, &transaction, &[signature], 1)
                    .unwrap();
            for object in &record.written {
                self.objects.insert(object.object_id(), object.clone());
            }
            for id in &record.deleted {
                self.objects.remove(id);
            }
            record
        }

        fn keyed(&mut self, function: &str, key: [u8; 32], extra: &[u64]) -> TxRecord {
            let extra = extra.to_vec();
            self.call(function, move |b, store| {
                let mut args = vec![store.unwrap(), b.pure(&key)];
                args.extend(extra.iter().map(|v| b.pure(v)));
                args
            })
        }
    }

    fn abort_code(record: &TxRecord) -> Option<(u64, String)> {
        match record.effects.status() {
            ExecutionStatus::Failure {
                error: ExecutionError::MoveAbort { location, code },
                ..
            } => Some((
                *code,
                format!("{}::{}", location.package.to_hex(), location.module),
            )),
            _ => None,
        }
    }

    fn ok(record: &TxRecord) -> bool {
        matches!(record.effects.status(), ExecutionStatus::Success)
    }

    fn lamport(record: &TxRecord) -> u64 {
        let sui_sdk_types::TransactionEffects::V2(effects) = &record.effects else {
            panic!("V2 effects")
        };
        effects.lamport_version
    }

    fn changed(record: &TxRecord, id: Address) -> Option<sui_sdk_types::ChangedObject> {
        let sui_sdk_types::TransactionEffects::V2(effects) = &record.effects else {
            panic!("V2 effects")
        };
        effects
            .changed_objects
            .iter()
            .find(|c| c.object_id == id)
            .cloned()
    }

    #[test]
    fn table_add_borrow_replace_remove_across_transactions() {
        let mut chain = Chain::new();
        let table = chain.store().table.id;
        let field = dynamic_field_id(table, &TypeTag::U256, &key(1)).unwrap();

        // Transaction 1: add. The field is a new object owned by the table's UID.
        let added = chain.keyed("add", key(1), &[40]);
        assert!(ok(&added), "{:?}", added.effects.status());
        let change = changed(&added, field).expect("the new field is in the effects");
        assert_eq!(change.id_operation, IdOperation::Created);
        assert_eq!(change.input_state, ObjectIn::NotExist);
        let object = chain.objects[&field].clone();
        assert_eq!(*object.owner(), Owner::Object(table));
        let data = object.as_struct().unwrap();
        assert_eq!(data.object_type(), &field_type(TypeTag::U256, TypeTag::U64));
        assert!(!data.has_public_transfer());
        let mut expected = field.as_bytes().to_vec();
        expected.extend_from_slice(&key(1));
        expected.extend_from_slice(&40u64.to_le_bytes());
        assert_eq!(data.contents(), expected.as_slice());
        assert_eq!(object.version(), lamport(&added));
        assert_eq!(chain.store().table.size, 1);

        // Transaction 2: borrow (read only: the field is not in the effects).
        let got = chain.keyed("get", key(1), &[]);
        assert!(ok(&got));
        assert!(changed(&got, field).is_none());

        // Transaction 3: replace through borrow_mut; the field gets the new version.
        let bumped = chain.keyed("bump", key(1), &[]);
        assert!(ok(&bumped));
        let change = changed(&bumped, field).unwrap();
        assert_eq!(change.id_operation, IdOperation::None);
        assert!(matches!(change.output_state, ObjectOut::ObjectWrite { .. }));
        let data = chain.objects[&field].as_struct().unwrap().clone();
        assert_eq!(&data.contents()[64..], 41u64.to_le_bytes().as_slice());
        assert_eq!(chain.objects[&field].version(), lamport(&bumped));

        // Transaction 4: remove deletes the field object.
        let removed = chain.keyed("remove", key(1), &[]);
        assert!(ok(&removed));
        assert_eq!(
            changed(&removed, field).unwrap().id_operation,
            IdOperation::Deleted
        );
        assert!(removed.deleted.contains(&field));
        assert!(!chain.objects.contains_key(&field));
        assert_eq!(chain.store().table.size, 0);

        // Borrowing or removing it now aborts EFieldDoesNotExist in 0x2::dynamic_field.
        for function in ["get", "remove", "bump"] {
            let missing = chain.keyed(function, key(1), &[]);
            assert_eq!(
                abort_code(&missing),
                Some((
                    E_FIELD_DOES_NOT_EXIST,
                    format!("{}::dynamic_field", FRAMEWORK.to_hex())
                )),
                "{function}"
            );
        }
    }

    #[test]
    fn duplicate_add_aborts_and_failed_transactions_leave_no_child() {
        let mut chain = Chain::new();
        let table = chain.store().table.id;

        let first = chain.keyed("add", key(2), &[1]);
        assert!(ok(&first));
        let again = chain.keyed("add", key(2), &[2]);
        assert_eq!(
            abort_code(&again),
            Some((
                E_FIELD_ALREADY_EXISTS,
                format!("{}::dynamic_field", FRAMEWORK.to_hex())
            ))
        );
        let field = dynamic_field_id(table, &TypeTag::U256, &key(2)).unwrap();
        assert!(changed(&again, field).is_none());
        assert_eq!(
            &chain.objects[&field].as_struct().unwrap().contents()[64..],
            1u64.to_le_bytes().as_slice()
        );

        // add succeeds, then the handler aborts: no field, and the store is unchanged.
        let failed = chain.keyed("add", key(3), &[5, 0]);
        assert_eq!(abort_code(&failed).map(|(c, _)| c), Some(9));
        let field = dynamic_field_id(table, &TypeTag::U256, &key(3)).unwrap();
        assert!(changed(&failed, field).is_none());
        assert!(failed.written.iter().all(|o| o.object_id() != field));
        assert!(!chain.objects.contains_key(&field));
        assert_eq!(chain.store().table.size, 1);
    }

    #[test]
    fn make_move_vec_of_pure_values() {
        let mut chain = Chain::new();
        let record = chain.call("sum", |b, store| {
            let elements = (1..=200u64).map(|v| b.pure(&v)).collect();
            let vector = b.make_move_vec(Some(TypeTag::U64), elements);
            vec![store.unwrap(), vector]
        });
        assert!(ok(&record), "{:?}", record.effects.status());
        let table = chain.store().table.id;
        let field = dynamic_field_id(table, &TypeTag::U256, &key(0)).unwrap();
        let contents = chain.objects[&field]
            .as_struct()
            .unwrap()
            .contents()
            .to_vec();
        assert_eq!(contents[64..], (200 * 201 / 2u64).to_le_bytes());
    }

    #[test]
    fn read_only_parents_give_read_only_children() {
        let mut chain = Chain::new();
        chain.keyed("add", key(4), &[7]);
        let (store, initial) = chain.store.unwrap();
        // The store passed immutably: borrowing works, borrow_mut does not.
        let read_only = |function: &str, chain: &mut Chain| {
            // `call` would add the store mutably; pass it ourselves.
            chain.store = None;
            let record = chain.call(function, move |b, _| {
                vec![
                    b.object(ObjectInput::shared(store, initial, false)),
                    b.pure(&key(4)),
                ]
            });
            chain.store = Some((store, initial));
            record
        };
        let got = read_only("get", &mut chain);
        assert!(ok(&got), "{:?}", got.effects.status());
        let bumped = read_only("bump", &mut chain);
        assert!(!ok(&bumped), "{:?}", bumped.effects);
    }
}

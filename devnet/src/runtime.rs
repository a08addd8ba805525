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

use crate::objects::{self, FRAMEWORK, ObjectSource};

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

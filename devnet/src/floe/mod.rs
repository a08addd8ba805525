//! The `floe` Move package, executed by Rust handlers.
//!
//! One file per Move module (`wal.rs` mirrors `move/floe/sources/wal.move`, and so on).
//! Each Move function has one handler with the same checks, effects, events and abort
//! codes; objects and events are the types generated from the Move sources
//! (`floe_sdk::move_types`), so their BCS bytes are what the Move code would produce.
//! Functions other modules call (`public(package)` in Move) are plain Rust functions on the
//! generated types and the call context, so a handler in `blob.rs` calls
//! `system::add_storage_fees` the way the Move code does.
//!
//! This file holds what every module shares: the package's address, type tags, events,
//! aborts located in the right module, `Coin<WAL>` payments and `sui::table` over the
//! runtime's dynamic fields.

pub mod args;
pub mod blob;
pub mod challenge;
pub mod compute;
pub mod conservation;
pub mod dataset;
pub mod genesis;
pub mod key_server;
pub mod license;
pub mod memory;
pub mod model;
pub mod rules;
pub mod service;
pub mod shared_blob;
pub mod staking;
pub mod staking_pool;
pub mod system;
pub mod upgrade;
pub mod version;
pub mod wal;

use std::sync::Arc;

use floe_sdk::move_types::{self, Table, TableVec};
use moverox::traits::{ConstModule, ConstName, MoveDatatype};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sui_sdk_types::{Address, ExecutionError, Identifier, MoveLocation, StructTag, TypeTag};

use crate::handlers::{Handler, HandlerRegistry};
use crate::objects;
use crate::runtime::{CallContext, Value};

/// Where the devnet publishes the `floe` package (its original ID too).
pub const PACKAGE_ID: Address = {
    let mut bytes = [0u8; 32];
    bytes[30] = 0xf1;
    bytes[31] = 0x0e;
    Address::new(bytes)
};

/// `sui::balance::ENotEnough`: a split larger than the balance.
pub const E_BALANCE_NOT_ENOUGH: u64 = 2;

/// The signature every Floe handler has.
pub type FloeFn =
    fn(&mut CallContext<'_>, &[TypeTag], Vec<Value>) -> Result<Vec<Value>, ExecutionError>;

/// Registers the handlers of every module of the package.
pub fn register(registry: &mut HandlerRegistry) {
    wal::register(registry);
    system::register(registry);
    staking::register(registry);
    blob::register(registry);
    challenge::register(registry);
    model::register(registry);
    license::register(registry);
    memory::register(registry);
    compute::register(registry);
    dataset::register(registry);
    key_server::register(registry);
    shared_blob::register(registry);
    service::register(registry);
    version::register(registry);
    upgrade::register(registry);
    conservation::register(registry);
}

/// Registers one handler of `module`.
pub fn add(registry: &mut HandlerRegistry, module: &str, function: &str, handler: FloeFn) {
    let handler: Handler = Arc::new(handler);
    registry.register(PACKAGE_ID, module, function, handler);
}

/// `floe::module::name` by strings: for code outside the package's mirror (other crates'
/// tests, a test naming an event by name). The mirror itself uses [`tag_of`], so a renamed
/// Move struct stops it compiling.
pub fn tag(module: &str, name: &str) -> StructTag {
    move_types::struct_tag(PACKAGE_ID, module, name, vec![])
}

/// [`tag`] as a type argument or field type.
pub fn type_tag(module: &str, name: &str) -> TypeTag {
    TypeTag::Struct(Box::new(tag(module, name)))
}

/// `floe::wal::WAL`.
pub fn wal_type() -> TypeTag {
    type_tag_of::<move_types::wal::WAL>()
}

/// `0x2::coin::Coin<floe::wal::WAL>`.
pub fn wal_coin_tag() -> StructTag {
    StructTag::coin(wal_type())
}

/// `0x2::balance::Balance<floe::wal::WAL>` (a table value type), from moverox's framework
/// types like the package's own.
pub fn wal_balance_type() -> TypeTag {
    let wal = move_types::wal::WAL::type_tag(moverox::types::Address::new(PACKAGE_ID.into_inner()));
    let balance = move_types::Balance::<move_types::wal::WAL>::type_tag(wal);
    TypeTag::Struct(Box::new(move_types::sui_struct_tag(&balance)))
}

/// `0x2::object::ID` (a table key type).
pub fn id_type() -> TypeTag {
    TypeTag::Struct(Box::new(move_types::sui_struct_tag(
        &move_types::ID::type_tag(),
    )))
}

/// A generated datatype of the package without type parameters: its Move module and name are
/// constants of the Rust type (moverox `ConstModule`/`ConstName`), so no string names it.
pub trait FloeType: MoveDatatype<StructTag: ConstModule + ConstName> {}

impl<T: MoveDatatype<StructTag: ConstModule + ConstName>> FloeType for T {}

/// The Move type of a generated datatype of the package, read from the type itself.
pub fn tag_of<T: FloeType>() -> StructTag {
    tag(
        <T::StructTag as ConstModule>::MODULE.as_str(),
        <T::StructTag as ConstName>::NAME.as_str(),
    )
}

/// [`tag_of`] as a type argument, field type or dynamic-field key type.
pub fn type_tag_of<T: FloeType>() -> TypeTag {
    TypeTag::Struct(Box::new(tag_of::<T>()))
}

/// Emits a generated event value under its own Move type (`floe::events::<Name>`), so the
/// event's tag and its contents cannot disagree.
pub fn emit<T: Serialize + FloeType>(
    ctx: &mut CallContext<'_>,
    event: &T,
) -> Result<(), ExecutionError> {
    ctx.emit_value(tag_of::<T>(), event)
}

/// `object::new` + sharing, freezing or transferring: creates `value` (whose UID is fresh) as
/// an object of its own Move type, so the type and the contents cannot disagree.
pub fn create_object<T: Serialize + FloeType>(
    ctx: &mut CallContext<'_>,
    has_public_transfer: bool,
    value: &T,
) -> Result<Address, ExecutionError> {
    ctx.create_object(tag_of::<T>(), has_public_transfer, value)
}

/// An object taken out of another one (a `Storage` out of its `Blob`) under its own Move type.
pub fn unwrap_object<T: Serialize + FloeType>(
    ctx: &mut CallContext<'_>,
    has_public_transfer: bool,
    value: &T,
) -> Result<Address, ExecutionError> {
    ctx.unwrap_object(tag_of::<T>(), has_public_transfer, value)
}

/// An abort raised in another module of the package than the called one (e.g.
/// `system::ENotEnoughShards` while executing `blob::certify_blob`): Sui reports the module
/// where the `abort` ran.
pub fn abort_in(module: &str, code: u64) -> ExecutionError {
    ExecutionError::MoveAbort {
        location: MoveLocation {
            package: PACKAGE_ID,
            module: Identifier::new(module).expect("Floe module names are identifiers"),
            function: 0,
            instruction: 0,
            function_name: None,
        },
        code,
    }
}

/// Checks the argument count of a handler.
pub fn arity(args: &[Value], expected: usize) -> Result<(), ExecutionError> {
    if args.len() == expected {
        Ok(())
    } else {
        Err(ExecutionError::ArityMismatch)
    }
}

/// The object ID of an object argument whose Move type must be `expected`.
pub fn object_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
    expected: &StructTag,
) -> Result<Address, ExecutionError> {
    let position = u16::try_from(index).unwrap_or(u16::MAX);
    let value = args.get(index).ok_or(ExecutionError::ArityMismatch)?;
    let id = ctx.object_id(value, position)?;
    if ctx.runtime.get(&id)?.type_ != *expected {
        return Err(crate::runtime::bad_arg(position));
    }
    Ok(id)
}

/// Decodes pure argument `index`.
pub fn pure_arg<T: DeserializeOwned>(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
) -> Result<T, ExecutionError> {
    let position = u16::try_from(index).unwrap_or(u16::MAX);
    let value = args.get(index).ok_or(ExecutionError::ArityMismatch)?;
    ctx.pure(value, position)
}

/// A pure return value.
pub fn ret<T: Serialize>(value: &T) -> Result<Value, ExecutionError> {
    bcs::to_bytes(value)
        .map(Value::Pure)
        .map_err(|_| ExecutionError::InvariantViolation)
}

// ----- Coin<WAL> -----

/// The value of a `Coin<WAL>` argument (checks the type).
pub fn coin_value(ctx: &CallContext<'_>, coin: Address) -> Result<u64, ExecutionError> {
    let object = ctx.runtime.get(&coin)?;
    if object.type_ != wal_coin_tag() {
        return Err(ExecutionError::InvariantViolation);
    }
    objects::coin_value(&object.contents).ok_or(ExecutionError::InvariantViolation)
}

/// `balance::split(coin::balance_mut(payment), amount)`: takes `amount` out of a
/// `&mut Coin<WAL>`; the change stays in it. Aborts like the framework when short.
pub fn take_from_coin(
    ctx: &mut CallContext<'_>,
    coin: Address,
    amount: u64,
) -> Result<u64, ExecutionError> {
    let value = coin_value(ctx, coin)?;
    let rest = value
        .checked_sub(amount)
        .ok_or_else(|| CallContext::framework_abort("balance", "split", E_BALANCE_NOT_ENOUGH))?;
    let object = ctx.runtime.get_mut(&coin)?;
    objects::set_coin_value(&mut object.contents, rest);
    Ok(amount)
}

/// `coin::into_balance(coin)`: consumes a `Coin<WAL>` passed by value.
pub fn coin_into_balance(ctx: &mut CallContext<'_>, coin: Address) -> Result<u64, ExecutionError> {
    let value = coin_value(ctx, coin)?;
    ctx.delete_object(coin)?;
    Ok(value)
}

/// `coin::from_balance(balance, ctx)`: a new `Coin<WAL>` value (return it, transfer it or
/// store it).
pub fn new_wal_coin(ctx: &mut CallContext<'_>, value: u64) -> Result<Address, ExecutionError> {
    let id = ctx.fresh_id();
    ctx.runtime
        .create(id, wal_coin_tag(), true, objects::coin_contents(id, value));
    Ok(id)
}

// ----- sui::table over dynamic fields -----

/// The Move key and value types of a `Table<K, V>` (dynamic fields are keyed by type).
#[derive(Debug, Clone)]
pub struct TableTypes {
    pub key: TypeTag,
    pub value: TypeTag,
}

fn table_uid<K, V>(table: &Table<K, V>) -> Address {
    Address::new(table.id.id.bytes.into_inner())
}

/// `table::contains(table, key)`.
pub fn table_contains<K: Serialize, V>(
    ctx: &mut CallContext<'_>,
    table: &Table<K, V>,
    types: &TableTypes,
    key: &K,
) -> Result<bool, ExecutionError> {
    ctx.field_exists(table_uid(table), &types.key, key)
}

/// `*table::borrow(table, key)`; aborts `EFieldDoesNotExist` like Sui when missing.
pub fn table_get<K: Serialize, V: DeserializeOwned>(
    ctx: &mut CallContext<'_>,
    table: &Table<K, V>,
    types: &TableTypes,
    key: &K,
) -> Result<V, ExecutionError> {
    ctx.field_borrow(table_uid(table), &types.key, key)
}

/// `table::add(table, key, value)`; aborts `EFieldAlreadyExists` like Sui when present.
pub fn table_add<K: Serialize, V: Serialize>(
    ctx: &mut CallContext<'_>,
    table: &mut Table<K, V>,
    types: &TableTypes,
    key: &K,
    value: &V,
) -> Result<(), ExecutionError> {
    ctx.field_add(table_uid(table), &types.key, key, &types.value, value)?;
    table.size += 1;
    Ok(())
}

/// `*table::borrow_mut(table, key) = value`.
pub fn table_set<K: Serialize, V: Serialize>(
    ctx: &mut CallContext<'_>,
    table: &Table<K, V>,
    types: &TableTypes,
    key: &K,
    value: &V,
) -> Result<(), ExecutionError> {
    ctx.field_set(table_uid(table), &types.key, key, value)
}

/// `table::borrow_mut(table, key)`, changed by `f` and stored back.
pub fn table_update<K: Serialize, V: Serialize + DeserializeOwned, R>(
    ctx: &mut CallContext<'_>,
    table: &Table<K, V>,
    types: &TableTypes,
    key: &K,
    f: impl FnOnce(&mut V) -> R,
) -> Result<R, ExecutionError> {
    ctx.field_borrow_mut(table_uid(table), &types.key, key, f)
}

/// `table::remove(table, key)`.
pub fn table_remove<K: Serialize, V: DeserializeOwned>(
    ctx: &mut CallContext<'_>,
    table: &mut Table<K, V>,
    types: &TableTypes,
    key: &K,
) -> Result<V, ExecutionError> {
    let value = ctx.field_remove(table_uid(table), &types.key, key)?;
    table.size -= 1;
    Ok(value)
}

/// A new empty `Table` (`table::new(ctx)`).
pub fn table_new<K, V>(ctx: &mut CallContext<'_>) -> Table<K, V> {
    Table::new(move_types::uid(ctx.fresh_id()), 0)
}

/// The `TableTypes` of a `TableVec<T>`'s inner `Table<u64, T>`.
pub fn table_vec_types(element: TypeTag) -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: element,
    }
}

/// `table_vec::length`.
pub fn table_vec_len<T>(v: &TableVec<T>) -> u64 {
    v.contents.size
}

/// `table_vec::push_back`.
pub fn table_vec_push<T: Serialize>(
    ctx: &mut CallContext<'_>,
    v: &mut TableVec<T>,
    types: &TableTypes,
    value: &T,
) -> Result<(), ExecutionError> {
    let index = v.contents.size;
    table_add(ctx, &mut v.contents, types, &index, value)
}

/// `*table_vec::borrow(v, i)`.
pub fn table_vec_get<T: DeserializeOwned>(
    ctx: &mut CallContext<'_>,
    v: &TableVec<T>,
    types: &TableTypes,
    index: u64,
) -> Result<T, ExecutionError> {
    if index >= v.contents.size {
        return Err(CallContext::framework_abort(
            "table_vec",
            "borrow",
            E_TABLE_VEC_INDEX_OUT_OF_BOUND,
        ));
    }
    table_get(ctx, &v.contents, types, &index)
}

/// `*table_vec::borrow_mut(v, i) = value`.
pub fn table_vec_set<T: Serialize>(
    ctx: &mut CallContext<'_>,
    v: &TableVec<T>,
    types: &TableTypes,
    index: u64,
    value: &T,
) -> Result<(), ExecutionError> {
    if index >= v.contents.size {
        return Err(CallContext::framework_abort(
            "table_vec",
            "borrow_mut",
            E_TABLE_VEC_INDEX_OUT_OF_BOUND,
        ));
    }
    table_set(ctx, &v.contents, types, &index, value)
}

/// `table_vec::pop_back`.
pub fn table_vec_pop<T: DeserializeOwned>(
    ctx: &mut CallContext<'_>,
    v: &mut TableVec<T>,
    types: &TableTypes,
) -> Result<T, ExecutionError> {
    if v.contents.size == 0 {
        return Err(CallContext::framework_abort(
            "table_vec",
            "pop_back",
            E_TABLE_VEC_INDEX_OUT_OF_BOUND,
        ));
    }
    let last = v.contents.size - 1;
    table_remove(ctx, &mut v.contents, types, &last)
}

/// `table_vec::swap_remove(v, i)`: the last element takes index `i`.
pub fn table_vec_swap_remove<T: Serialize + DeserializeOwned>(
    ctx: &mut CallContext<'_>,
    v: &mut TableVec<T>,
    types: &TableTypes,
    index: u64,
) -> Result<T, ExecutionError> {
    if index >= v.contents.size {
        return Err(CallContext::framework_abort(
            "table_vec",
            "swap_remove",
            E_TABLE_VEC_INDEX_OUT_OF_BOUND,
        ));
    }
    let last = table_vec_pop(ctx, v, types)?;
    if index == v.contents.size {
        return Ok(last);
    }
    let removed = table_get(ctx, &v.contents, types, &index)?;
    table_set(ctx, &v.contents, types, &index, &last)?;
    Ok(removed)
}

/// `sui::table_vec::EIndexOutOfBound` (also what `pop_back` on an empty vector aborts with).
pub const E_TABLE_VEC_INDEX_OUT_OF_BOUND: u64 = 0;

#[cfg(test)]
mod tests {
    use floe_sdk::move_types::blob::Blob;

    use super::*;

    /// The tags read from the generated types are the Move types Sui writes out: a wrong one
    /// would still agree with itself inside the devnet (dynamic field IDs hash the key type)
    /// and only a client deriving an ID would notice.
    #[test]
    fn tags_read_from_the_generated_types_are_the_move_types() {
        let parse = |text: String| text.parse::<TypeTag>().expect("a type tag");
        assert_eq!(
            type_tag_of::<Blob>(),
            parse(format!("{PACKAGE_ID}::blob::Blob"))
        );
        assert_eq!(id_type(), parse("0x2::object::ID".to_owned()));
        assert_eq!(
            wal_balance_type(),
            parse(format!("0x2::balance::Balance<{PACKAGE_ID}::wal::WAL>"))
        );
    }
}

//! Move-call handlers: Rust functions standing in for Move functions.
//!
//! The devnet does not run Move bytecode. Each Move function a flow calls has a handler
//! here, found by `(package, module, function)`. The framework calls simple flows need
//! (`0x2::coin`, `0x2::transfer`, `0x2::pay`) are built in; Floe's package registers its
//! own handlers through [`HandlerRegistry::register`].

use std::collections::HashMap;
use std::sync::Arc;

use sui_sdk_types::{Address, ExecutionError, Owner, StructTag, TypeTag};

use crate::conservation::Invariant;
use crate::objects::{self, FRAMEWORK};
use crate::runtime::{CallContext, Value, bad_arg};

/// A handler: type arguments and argument values in, return values out. An `Err`
/// aborts the whole transaction.
pub type Handler = Arc<
    dyn Fn(&mut CallContext<'_>, &[TypeTag], Vec<Value>) -> Result<Vec<Value>, ExecutionError>
        + Send
        + Sync,
>;

/// Handlers by `(package, module, function)`.
#[derive(Clone, Default)]
pub struct HandlerRegistry {
    handlers: HashMap<(Address, String, String), Handler>,
    invariants: Vec<Invariant>,
}

impl HandlerRegistry {
    /// Adds a check every executed transaction must pass (in tests and debug builds), e.g.
    /// that a package's coin is conserved except for its explicit mints and burns.
    pub fn add_invariant(&mut self, invariant: Invariant) {
        self.invariants.push(invariant);
    }

    /// The checks added with [`Self::add_invariant`].
    pub fn invariants(&self) -> &[Invariant] {
        &self.invariants
    }

    /// A registry with the framework handlers.
    pub fn with_framework() -> Self {
        let mut registry = Self::default();
        registry.register(FRAMEWORK, "coin", "split", Arc::new(coin_split));
        registry.register(FRAMEWORK, "coin", "join", Arc::new(coin_join));
        registry.register(FRAMEWORK, "coin", "value", Arc::new(coin_value));
        registry.register(FRAMEWORK, "coin", "zero", Arc::new(coin_zero));
        registry.register(
            FRAMEWORK,
            "coin",
            "destroy_zero",
            Arc::new(coin_destroy_zero),
        );
        registry.register(FRAMEWORK, "pay", "split", Arc::new(pay_split));
        registry.register(
            FRAMEWORK,
            "transfer",
            "public_transfer",
            Arc::new(public_transfer),
        );
        registry.register(
            FRAMEWORK,
            "transfer",
            "public_share_object",
            Arc::new(public_share),
        );
        registry.register(
            FRAMEWORK,
            "transfer",
            "public_freeze_object",
            Arc::new(public_freeze),
        );
        registry.register(FRAMEWORK, "sui", "transfer", Arc::new(public_transfer));
        registry
    }

    /// Adds or replaces the handler of `package::module::function`.
    pub fn register(&mut self, package: Address, module: &str, function: &str, handler: Handler) {
        self.handlers
            .insert((package, module.to_owned(), function.to_owned()), handler);
    }

    pub fn get(&self, package: &Address, module: &str, function: &str) -> Option<Handler> {
        self.handlers
            .get(&(*package, module.to_owned(), function.to_owned()))
            .cloned()
    }

    /// `package::module::function` names, sorted, for documentation and diagnostics.
    pub fn functions(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .handlers
            .keys()
            .map(|(p, m, f)| format!("{p}::{m}::{f}"))
            .collect();
        names.sort();
        names
    }
}

fn arity(args: &[Value], expected: usize) -> Result<(), ExecutionError> {
    if args.len() == expected {
        Ok(())
    } else {
        Err(ExecutionError::ArityMismatch)
    }
}

/// Checks that `id` is a `Coin<T>` (with `T` the type argument when given) and returns
/// its balance.
fn coin_balance(
    ctx: &CallContext<'_>,
    id: &Address,
    type_arg: Option<&TypeTag>,
    index: u16,
) -> Result<u64, ExecutionError> {
    let object = ctx.runtime.get(id)?;
    let coin_type = objects::coin_type_of(&object.type_).ok_or_else(|| bad_arg(index))?;
    if type_arg.is_some_and(|t| t != coin_type) {
        return Err(bad_arg(index));
    }
    objects::coin_value(&object.contents).ok_or(ExecutionError::InvariantViolation)
}

/// Creates a fresh unowned coin of the same type as `like`.
pub fn new_coin(
    ctx: &mut CallContext<'_>,
    like: &Address,
    value: u64,
) -> Result<Address, ExecutionError> {
    let type_ = ctx.runtime.get(like)?.type_.clone();
    let id = ctx.runtime.fresh_id();
    ctx.runtime
        .create(id, type_, true, objects::coin_contents(id, value));
    Ok(id)
}

/// Sets a coin's balance; the coin must be mutable in this transaction.
pub fn set_balance(
    ctx: &mut CallContext<'_>,
    id: &Address,
    value: u64,
) -> Result<(), ExecutionError> {
    let object = ctx.runtime.get_mut(id)?;
    objects::set_coin_value(&mut object.contents, value);
    Ok(())
}

/// `coin::split<T>(self: &mut Coin<T>, amount: u64, ctx): Coin<T>`
fn coin_split(
    ctx: &mut CallContext<'_>,
    types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let id = ctx.object_id(&args[0], 0)?;
    let amount: u64 = ctx.pure(&args[1], 1)?;
    let balance = coin_balance(ctx, &id, types.first(), 0)?;
    let rest = balance
        .checked_sub(amount)
        .ok_or(ExecutionError::InsufficientCoinBalance)?;
    set_balance(ctx, &id, rest)?;
    let new = new_coin(ctx, &id, amount)?;
    Ok(vec![Value::Object(new)])
}

/// `pay::split<T>(coin: &mut Coin<T>, amount: u64, ctx)`: the new coin goes to the sender.
fn pay_split(
    ctx: &mut CallContext<'_>,
    types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    let result = coin_split(ctx, types, args)?;
    let Some(Value::Object(id)) = result.first() else {
        return Err(ExecutionError::InvariantViolation);
    };
    let sender = ctx.sender();
    ctx.runtime.get_mut(id)?.owner = Some(Owner::Address(sender));
    Ok(vec![])
}

/// `coin::join<T>(self: &mut Coin<T>, c: Coin<T>)`
fn coin_join(
    ctx: &mut CallContext<'_>,
    types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let target = ctx.object_id(&args[0], 0)?;
    let source = ctx.object_id(&args[1], 1)?;
    if target == source {
        return Err(bad_arg(1));
    }
    let a = coin_balance(ctx, &target, types.first(), 0)?;
    let b = coin_balance(ctx, &source, types.first(), 1)?;
    if ctx.runtime.get(&target)?.type_ != ctx.runtime.get(&source)?.type_ {
        return Err(bad_arg(1));
    }
    let sum = a
        .checked_add(b)
        .ok_or(ExecutionError::CoinBalanceOverflow)?;
    ctx.runtime.delete(&source)?;
    set_balance(ctx, &target, sum)?;
    Ok(vec![])
}

/// `coin::value<T>(self: &Coin<T>): u64`
fn coin_value(
    ctx: &mut CallContext<'_>,
    types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let id = ctx.object_id(&args[0], 0)?;
    let value = coin_balance(ctx, &id, types.first(), 0)?;
    Ok(vec![Value::Pure(value.to_le_bytes().to_vec())])
}

/// `coin::zero<T>(ctx): Coin<T>`
fn coin_zero(
    ctx: &mut CallContext<'_>,
    types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 0)?;
    let coin_type = types
        .first()
        .cloned()
        .ok_or(ExecutionError::TypeArityMismatch)?;
    let id = ctx.runtime.fresh_id();
    ctx.runtime.create(
        id,
        StructTag::coin(coin_type),
        true,
        objects::coin_contents(id, 0),
    );
    Ok(vec![Value::Object(id)])
}

/// `coin::destroy_zero<T>(c: Coin<T>)`; aborts with `ENonZero` (0) like the framework.
fn coin_destroy_zero(
    ctx: &mut CallContext<'_>,
    types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let id = ctx.object_id(&args[0], 0)?;
    if coin_balance(ctx, &id, types.first(), 0)? != 0 {
        return Err(ctx.abort(0));
    }
    ctx.runtime.delete(&id)?;
    Ok(vec![])
}

/// Checks that an object may be moved by value with `public_*` functions.
fn movable(ctx: &CallContext<'_>, id: &Address) -> Result<(), ExecutionError> {
    let object = ctx.runtime.get(id)?;
    if !object.has_public_transfer {
        return Err(ExecutionError::InvalidTransferObject);
    }
    match object.owner {
        None | Some(Owner::Address(_)) | Some(Owner::Object(_)) => Ok(()),
        Some(_) => Err(ExecutionError::InvalidTransferObject),
    }
}

/// `transfer::public_transfer<T: key + store>(obj: T, recipient: address)`
fn public_transfer(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let id = ctx.object_id(&args[0], 0)?;
    let recipient: Address = ctx.pure(&args[1], 1)?;
    movable(ctx, &id)?;
    ctx.runtime.get_mut(&id)?.owner = Some(Owner::Address(recipient));
    Ok(vec![])
}

/// `transfer::public_share_object<T: key + store>(obj: T)`; only fresh objects can be
/// shared (abort `ESharedNonNewObject`), as on Sui.
fn public_share(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let id = ctx.object_id(&args[0], 0)?;
    movable(ctx, &id)?;
    // The initial shared version is filled in by the executor (the lamport version).
    ctx.share(id)?;
    Ok(vec![])
}

/// `transfer::public_freeze_object<T: key + store>(obj: T)`
fn public_freeze(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let id = ctx.object_id(&args[0], 0)?;
    movable(ctx, &id)?;
    ctx.runtime.get_mut(&id)?.owner = Some(Owner::Immutable);
    Ok(vec![])
}

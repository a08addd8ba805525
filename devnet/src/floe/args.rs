//! Typed arguments and results of the Floe handlers, decoded and encoded by the registration
//! generated from the Move signatures (`devnet/build.rs`): a handler takes an [`Obj`] for each
//! object parameter (`&T`, `&mut T` or `T` in Move), a [`WalCoin`] for a `Coin<WAL>`, [`Clock`]
//! and [`Random`] for the system objects, and the decoded value of each pure parameter. It
//! returns the Move results as Rust values: a [`Returned`] for an object, a [`WalCoin`] for a
//! `Coin<WAL>`, the value itself for anything else (a tuple for several).

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sui_sdk_types::{Address, ExecutionError};

use floe_sdk::move_types::MoveString;

use super::{FloeType, create_object, object_arg, pure_arg, tag_of, wal_coin_tag};
use crate::objects::{CLOCK_ID, RANDOM_ID};
use crate::runtime::{CallContext, Value, bad_arg};

/// An object argument of the package's type `T`: its ID and its contents as the transaction
/// found them; it derefs to the value. A handler that changes it writes it back ([`Obj::save`]).
#[derive(Debug, Clone)]
pub struct Obj<T> {
    pub id: Address,
    pub value: T,
}

impl<T> std::ops::Deref for Obj<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for Obj<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: Serialize> Obj<T> {
    /// Writes the (changed) value back to its object: the end of a `&mut` borrow in Move.
    pub fn save(&self, ctx: &mut CallContext<'_>) -> Result<(), ExecutionError> {
        ctx.write(self.id, &self.value)
    }
}

impl<T: DeserializeOwned + FloeType> Obj<T> {
    /// Argument `index`, which must be an object of `T`'s Move type.
    pub fn decode(
        ctx: &CallContext<'_>,
        args: &[Value],
        index: usize,
    ) -> Result<Self, ExecutionError> {
        let id = object_arg(ctx, args, index, &tag_of::<T>())?;
        Ok(Self {
            id,
            value: ctx.read(id)?,
        })
    }
}

/// An object a handler returns (a Move result of a type with `key`): created, or taken out of
/// another object, in this transaction, which now holds it.
#[derive(Debug, Clone, Copy)]
pub struct Returned<T> {
    pub id: Address,
    _type: PhantomData<T>,
}

impl<T: Serialize + FloeType> Returned<T> {
    /// The object `id`, already in the transaction's working set as a `T`.
    pub fn new(id: Address) -> Self {
        Self {
            id,
            _type: PhantomData,
        }
    }

    /// Creates `value` (whose UID is fresh) as a new object of its Move type.
    pub fn create(
        ctx: &mut CallContext<'_>,
        has_public_transfer: bool,
        value: &T,
    ) -> Result<Self, ExecutionError> {
        create_object(ctx, has_public_transfer, value).map(Self::new)
    }
}

/// A `Coin<WAL>` argument or result: its ID (the coin helpers of [`super`] read and change it).
#[derive(Debug, Clone, Copy)]
pub struct WalCoin(pub Address);

impl WalCoin {
    pub fn decode(
        ctx: &CallContext<'_>,
        args: &[Value],
        index: usize,
    ) -> Result<Self, ExecutionError> {
        object_arg(ctx, args, index, &wal_coin_tag()).map(Self)
    }
}

/// The shared `Clock` (0x6); the time itself is `ctx.timestamp_ms()`.
#[derive(Debug, Clone, Copy)]
pub struct Clock;

impl Clock {
    pub fn decode(
        ctx: &CallContext<'_>,
        args: &[Value],
        index: usize,
    ) -> Result<Self, ExecutionError> {
        system_object(ctx, args, index, CLOCK_ID).map(|()| Self)
    }
}

/// The shared `Random` (0x8); draws come from the call context.
#[derive(Debug, Clone, Copy)]
pub struct Random;

impl Random {
    pub fn decode(
        ctx: &CallContext<'_>,
        args: &[Value],
        index: usize,
    ) -> Result<Self, ExecutionError> {
        system_object(ctx, args, index, RANDOM_ID).map(|()| Self)
    }
}

/// A `String` argument: its bytes, which must be UTF-8 (as Sui checks pure `String`s).
pub fn string(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
) -> Result<MoveString, ExecutionError> {
    let text: MoveString = pure_arg(ctx, args, index)?;
    check_utf8(&text, index)?;
    Ok(text)
}

/// A `vector<String>` argument, every element UTF-8.
pub fn strings(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
) -> Result<Vec<MoveString>, ExecutionError> {
    let texts: Vec<MoveString> = pure_arg(ctx, args, index)?;
    for text in &texts {
        check_utf8(text, index)?;
    }
    Ok(texts)
}

fn check_utf8(text: &MoveString, index: usize) -> Result<(), ExecutionError> {
    std::str::from_utf8(&text.bytes)
        .map(|_| ())
        .map_err(|_| bad_arg(u16::try_from(index).unwrap_or(u16::MAX)))
}

fn system_object(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
    expected: Address,
) -> Result<(), ExecutionError> {
    let position = u16::try_from(index).unwrap_or(u16::MAX);
    let value = args.get(index).ok_or(ExecutionError::ArityMismatch)?;
    if ctx.object_id(value, position)? != expected {
        return Err(bad_arg(position));
    }
    Ok(())
}

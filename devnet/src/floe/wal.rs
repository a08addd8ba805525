//! `floe::wal`: the WAL coin's `Treasury`, which can only burn.

use floe_sdk::move_types::{events::WalBurned, events::WalTreasuryCreated, wal::Treasury};
use sui_sdk_types::{Address, ExecutionError, TypeTag};

use super::version;
use super::{FloeFn, abort_in, add, arity, coin_into_balance, emit, object_arg, ret, tag};
use crate::handlers::HandlerRegistry;
use crate::runtime::{CallContext, Value};

const MODULE: &str = "wal";

/// 9 decimals: 1 WAL = 10^9 base units.
pub const DECIMALS: u8 = 9;
/// 5 000 000 000 WAL in base units, all minted at publish.
pub const INITIAL_SUPPLY: u64 = 5_000_000_000_000_000_000;

pub const SOURCE_STORAGE_FEE: u8 = 0;
pub const SOURCE_SLASHING: u8 = 1;
pub const SOURCE_EARLY_UNSTAKE: u8 = 2;
pub const SOURCE_LICENSE_FEE: u8 = 3;
/// WAL its owner burned with `burn` (the protocol's sources 0..=3 are the package's only).
pub const SOURCE_USER: u8 = 4;

/// The abort codes of `floe::wal`, generated from the Move source.
pub use floe_sdk::move_aborts::wal::*;

pub fn register(registry: &mut HandlerRegistry) {
    let handlers: [(&str, FloeFn); 10] = [
        ("burn", burn_handler),
        ("total_burned", total_burned),
        ("total_supply", total_supply),
        ("source_storage_fee", |_, _, a| {
            constant(&a, SOURCE_STORAGE_FEE)
        }),
        ("source_slashing", |_, _, a| constant(&a, SOURCE_SLASHING)),
        ("source_early_unstake", |_, _, a| {
            constant(&a, SOURCE_EARLY_UNSTAKE)
        }),
        ("source_license_fee", |_, _, a| {
            constant(&a, SOURCE_LICENSE_FEE)
        }),
        ("source_user", |_, _, a| constant(&a, SOURCE_USER)),
        ("initial_supply", |_, _, a| constant(&a, INITIAL_SUPPLY)),
        ("decimals", |_, _, a| constant(&a, DECIMALS)),
    ];
    for (name, handler) in handlers {
        add(registry, MODULE, name, handler);
    }
}

fn constant<T: serde::Serialize>(args: &[Value], value: T) -> Result<Vec<Value>, ExecutionError> {
    arity(args, 0)?;
    Ok(vec![ret(&value)?])
}

/// What `wal::init` creates at publish: the shared `Treasury` holding the locked cap with the
/// whole supply minted, and the supply as one `Coin<WAL>` for the publisher. Returns the
/// Treasury's ID and the coin's ID.
pub fn init(ctx: &mut CallContext<'_>) -> Result<(Address, Address), ExecutionError> {
    let publisher = ctx.sender();
    let coin = super::new_wal_coin(ctx, INITIAL_SUPPLY)?;
    ctx.transfer(coin, publisher)?;
    let id = ctx.fresh_id();
    let treasury = Treasury::new(
        floe_sdk::move_types::uid(id),
        super::version::VERSION,
        treasury_cap(ctx, INITIAL_SUPPLY),
        0,
    );
    ctx.create_object(tag(MODULE, "Treasury"), false, &treasury)?;
    emit(
        ctx,
        "WalTreasuryCreated",
        &WalTreasuryCreated::new(
            floe_sdk::move_types::id(id),
            INITIAL_SUPPLY,
            moverox::types::Address::new(publisher.into_inner()),
        ),
    )?;
    ctx.share(id)?;
    Ok((id, coin))
}

fn treasury_cap(
    ctx: &mut CallContext<'_>,
    supply: u64,
) -> moverox_sui::sui::coin::TreasuryCap<floe_sdk::move_types::wal::WAL> {
    moverox_sui::sui::coin::TreasuryCap::new(
        floe_sdk::move_types::uid(ctx.fresh_id()),
        moverox_sui::sui::balance::Supply::new(supply),
    )
}

/// `wal::burn_balance`: burns `amount` for `source`, emitting `WalBurned` unless zero.
/// Aborts `EUnknownBurnSource` (located in `wal`) for a source above 4.
pub fn burn_balance(
    ctx: &mut CallContext<'_>,
    treasury: &mut Treasury,
    amount: u64,
    source: u8,
) -> Result<u64, ExecutionError> {
    if source > SOURCE_USER {
        return Err(abort_in(MODULE, E_UNKNOWN_BURN_SOURCE));
    }
    if amount == 0 {
        return Ok(0);
    }
    let supply = &mut treasury.cap.total_supply.value;
    *supply = supply
        .checked_sub(amount)
        .ok_or(ExecutionError::InvariantViolation)?;
    treasury.total_burned += amount;
    let event = WalBurned::new(amount, source, treasury.total_burned, *supply);
    emit(ctx, "WalBurned", &event)?;
    Ok(amount)
}

/// The shared `Treasury` argument at `index`, read.
pub fn treasury_arg(
    ctx: &CallContext<'_>,
    args: &[Value],
    index: usize,
) -> Result<(Address, Treasury), ExecutionError> {
    let id = object_arg(ctx, args, index, &tag(MODULE, "Treasury"))?;
    Ok((id, ctx.read(id)?))
}

/// `burn(treasury: &mut Treasury, coin: Coin<WAL>): u64`: the owner's own burn, always
/// recorded as `SOURCE_USER`.
fn burn_handler(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 2)?;
    let (id, mut treasury) = treasury_arg(ctx, &args, 0)?;
    version::assert_current(treasury.version)?;
    let coin = ctx.object_id(&args[1], 1)?;
    let amount = coin_into_balance(ctx, coin)?;
    let burned = burn_balance(ctx, &mut treasury, amount, SOURCE_USER)?;
    ctx.write(id, &treasury)?;
    Ok(vec![ret(&burned)?])
}

/// `total_burned(treasury: &Treasury): u64`
fn total_burned(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let (_, treasury) = treasury_arg(ctx, &args, 0)?;
    Ok(vec![ret(&treasury.total_burned)?])
}

/// `total_supply(treasury: &Treasury): u64`
fn total_supply(
    ctx: &mut CallContext<'_>,
    _types: &[TypeTag],
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    arity(&args, 1)?;
    let (_, treasury) = treasury_arg(ctx, &args, 0)?;
    Ok(vec![ret(&treasury.cap.total_supply.value)?])
}

//! `floe::wal`: the WAL coin's `Treasury`, which can only burn.

use floe_sdk::move_types::{events::WalBurned, events::WalTreasuryCreated, wal::Treasury};
use sui_sdk_types::{Address, ExecutionError};

use super::args::{Obj, WalCoin};
use super::version;
use super::{abort_in, coin_into_balance, create_object, emit};
use crate::runtime::CallContext;

const MODULE: &str = "wal";

/// `DECIMALS`, `INITIAL_SUPPLY` and the burn sources `SOURCE_*`, generated from the Move source.
pub use floe_sdk::move_constants::wal::*;

/// The abort codes of `floe::wal`, generated from the Move source.
pub use floe_sdk::move_aborts::wal::*;

include!(concat!(env!("OUT_DIR"), "/floe_wal.rs"));

fn source_storage_fee(_ctx: &mut CallContext<'_>) -> Result<u8, ExecutionError> {
    Ok(SOURCE_STORAGE_FEE)
}

fn source_slashing(_ctx: &mut CallContext<'_>) -> Result<u8, ExecutionError> {
    Ok(SOURCE_SLASHING)
}

fn source_early_unstake(_ctx: &mut CallContext<'_>) -> Result<u8, ExecutionError> {
    Ok(SOURCE_EARLY_UNSTAKE)
}

fn source_license_fee(_ctx: &mut CallContext<'_>) -> Result<u8, ExecutionError> {
    Ok(SOURCE_LICENSE_FEE)
}

fn source_user(_ctx: &mut CallContext<'_>) -> Result<u8, ExecutionError> {
    Ok(SOURCE_USER)
}

fn initial_supply(_ctx: &mut CallContext<'_>) -> Result<u64, ExecutionError> {
    Ok(INITIAL_SUPPLY)
}

fn decimals(_ctx: &mut CallContext<'_>) -> Result<u8, ExecutionError> {
    Ok(DECIMALS)
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
    create_object(ctx, false, &treasury)?;
    emit(
        ctx,
        &WalTreasuryCreated {
            treasury_id: floe_sdk::move_types::id(id),
            initial_supply: INITIAL_SUPPLY,
            publisher: moverox::types::Address::new(publisher.into_inner()),
        },
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
    let event = WalBurned {
        amount,
        source,
        total_burned: treasury.total_burned,
        total_supply: *supply,
    };
    emit(ctx, &event)?;
    Ok(amount)
}

/// `burn`: the owner's own burn, always recorded as `SOURCE_USER`.
fn burn(
    ctx: &mut CallContext<'_>,
    treasury: Obj<Treasury>,
    coin: WalCoin,
) -> Result<u64, ExecutionError> {
    let Obj {
        id,
        value: mut treasury,
    } = treasury;
    version::assert_current(treasury.version)?;
    let amount = coin_into_balance(ctx, coin.0)?;
    let burned = burn_balance(ctx, &mut treasury, amount, SOURCE_USER)?;
    ctx.write(id, &treasury)?;
    Ok(burned)
}

fn total_supply(
    _ctx: &mut CallContext<'_>,
    treasury: Obj<Treasury>,
) -> Result<u64, ExecutionError> {
    Ok(treasury.value.cap.total_supply.value)
}

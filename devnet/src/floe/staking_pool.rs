//! `floe::staking_pool`: a storage node's pool and its share accounting.
//!
//! Pools are not objects of their own on chain: they live in `System.pools` (a
//! `Table<ID, StakingPool>`, one dynamic field per pool), and each pool's `rates` is a nested
//! `Table<u64, Rate>` whose UID sits inside the pool value. The functions here mirror the
//! Move module's `public(package)` functions on the generated `StakingPool`; `system.rs` and
//! `staking.rs` load a pool from the table, call them and store it back, as the Move code does
//! through `borrow_mut`.
//!
//! The Move reads (`name`, `active_stake`, …) take `&StakingPool`, which no transaction can
//! hold (the only way to reach a pool is `system::pool`, which returns a reference), so no
//! transaction can call them and they have no handlers.

use floe_sdk::move_types::{
    self, Balance, MoveString,
    events::{PoolAdvanced, PoolRewarded, PoolSlashed},
    staking_pool::{Rate, StakingPool},
};
use sui_sdk_types::{Address, ExecutionError, TypeTag};

use super::{
    E_BALANCE_NOT_ENOUGH, TableTypes, emit, id_type, table_add, table_get, table_new, type_tag_of,
};
use crate::runtime::CallContext;

const BPS: u64 = 10_000;

/// The key and value types of `System.pools: Table<ID, StakingPool>`.
pub fn pools_types() -> TableTypes {
    TableTypes {
        key: id_type(),
        value: type_tag_of::<StakingPool>(),
    }
}

/// The key and value types of `StakingPool.rates: Table<u64, Rate>`.
pub fn rates_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: type_tag_of::<Rate>(),
    }
}

/// `balance::split(balance, amount)`: aborts `ENotEnough` in the framework when short.
pub fn split(
    balance: &mut Balance<move_types::wal::WAL>,
    amount: u64,
) -> Result<u64, ExecutionError> {
    balance.value = balance
        .value
        .checked_sub(amount)
        .ok_or_else(|| CallContext::framework_abort("balance", "split", E_BALANCE_NOT_ENOUGH))?;
    Ok(amount)
}

/// `balance::withdraw_all(balance)`.
fn withdraw_all(balance: &mut Balance<move_types::wal::WAL>) -> u64 {
    std::mem::replace(&mut balance.value, 0)
}

/// `staking_pool::new`: the pool's UID is made before its `rates` table, in the Move struct
/// literal's field order, so both get the IDs Move would give them.
#[allow(clippy::too_many_arguments)]
pub fn new(
    ctx: &mut CallContext<'_>,
    node_cap_id: Address,
    name: MoveString,
    network_address: MoveString,
    bls_public_key: Vec<u8>,
    commission_bps: u64,
    storage_price_vote: u64,
    write_price_vote: u64,
    capacity_vote: u64,
    epoch: u64,
) -> StakingPool {
    let id = ctx.fresh_id();
    let rates = table_new(ctx);
    StakingPool::new(
        move_types::uid(id),
        move_types::id(node_cap_id),
        name,
        network_address,
        bls_public_key,
        commission_bps,
        epoch,
        storage_price_vote,
        write_price_vote,
        capacity_vote,
        Balance::new(0),
        0,
        Balance::new(0),
        0,
        Balance::new(0),
        Balance::new(0),
        rates,
    )
}

/// `staking_pool::node_id`: the pool's own object ID.
pub fn node_id(pool: &StakingPool) -> Address {
    Address::new(pool.id.id.bytes.into_inner())
}

/// `add_pending_stake`: stake that becomes active when the next epoch starts.
pub fn add_pending_stake(pool: &mut StakingPool, amount: u64) {
    pool.pending_stake.value += amount;
}

/// `cancel_pending_stake`: pending stake taken back and set aside as withdrawable.
pub fn cancel_pending_stake(pool: &mut StakingPool, amount: u64) -> Result<(), ExecutionError> {
    let back = split(&mut pool.pending_stake, amount)?;
    pool.withdrawable.value += back;
    Ok(())
}

/// `shares_at_activation`: the shares `principal` received in `activation_epoch` (aborts
/// like `table::borrow` when that epoch recorded no rate).
pub fn shares_at_activation(
    ctx: &mut CallContext<'_>,
    pool: &StakingPool,
    principal: u64,
    activation_epoch: u64,
) -> Result<u128, ExecutionError> {
    let rate: Rate = table_get(ctx, &pool.rates, &rates_types(), &activation_epoch)?;
    shares_for(principal, &rate)
}

/// `add_pending_withdraw`: shares that leave when the next epoch starts.
pub fn add_pending_withdraw(pool: &mut StakingPool, shares: u128) {
    pool.pending_withdraw_shares += shares;
}

/// `withdrawal_value`: what `shares` were worth when they left in `withdraw_epoch`.
pub fn withdrawal_value(
    ctx: &mut CallContext<'_>,
    pool: &StakingPool,
    shares: u128,
    withdraw_epoch: u64,
) -> Result<u64, ExecutionError> {
    if shares == 0 {
        return Ok(0);
    }
    let rate: Rate = table_get(ctx, &pool.rates, &rates_types(), &withdraw_epoch)?;
    value_of(shares, &rate)
}

/// `take_withdrawable`: `amount` out of the WAL set aside for withdrawals.
pub fn take_withdrawable(pool: &mut StakingPool, amount: u64) -> Result<u64, ExecutionError> {
    split(&mut pool.withdrawable, amount)
}

/// `take_commission`: all accumulated commission.
pub fn take_commission(pool: &mut StakingPool) -> u64 {
    withdraw_all(&mut pool.commission)
}

/// `add_reward`: the commission share to the operator (everything when no shares exist,
/// so no later staker captures it), the rest compounds into the active stake. Emits
/// `PoolRewarded`.
pub fn add_reward(
    ctx: &mut CallContext<'_>,
    pool: &mut StakingPool,
    reward: u64,
    epoch: u64,
) -> Result<(), ExecutionError> {
    let total = reward;
    let commission_amount = if pool.total_shares == 0 {
        total
    } else {
        mul_div(total, pool.commission_bps, BPS)
    };
    pool.commission.value += commission_amount;
    pool.active.value += total - commission_amount;
    emit(
        ctx,
        &PoolRewarded {
            node_id: pool.id.id.clone(),
            epoch,
            reward: total,
            commission: commission_amount,
            pool_stake: pool.active.value,
        },
    )
}

/// `slash`: `bps` of the stake at risk `at_risk`, at most of the active stake, shares
/// unchanged (every staker loses the same fraction); returns the amount taken. Emits
/// `PoolSlashed`.
pub fn slash(
    ctx: &mut CallContext<'_>,
    pool: &mut StakingPool,
    bps: u64,
    at_risk: u64,
    epoch: u64,
) -> Result<u64, ExecutionError> {
    let amount = mul_div(at_risk.min(pool.active.value), bps, BPS);
    let slashed = split(&mut pool.active, amount)?;
    emit(
        ctx,
        &PoolSlashed {
            node_id: pool.id.id.clone(),
            epoch,
            amount,
            pool_stake: pool.active.value,
        },
    )?;
    Ok(slashed)
}

/// `advance`: enters `new_epoch`, recording the rate when stake joins or leaves, moving
/// requested withdrawals out and minting shares for pending stake. Emits `PoolAdvanced`
/// when anything changed; returns whether it did.
pub fn advance(
    ctx: &mut CallContext<'_>,
    pool: &mut StakingPool,
    new_epoch: u64,
) -> Result<bool, ExecutionError> {
    let pending = pool.pending_stake.value;
    let leaving = pool.pending_withdraw_shares;
    if pending == 0 && leaving == 0 {
        return Ok(false);
    }
    let current = Rate::new(pool.active.value, pool.total_shares);
    table_add(ctx, &mut pool.rates, &rates_types(), &new_epoch, &current)?;
    let withdrawn = if leaving > 0 {
        value_of(leaving, &current)?
    } else {
        0
    };
    if leaving > 0 {
        let out = split(&mut pool.active, withdrawn)?;
        pool.withdrawable.value += out;
        pool.total_shares -= leaving;
        pool.pending_withdraw_shares = 0;
    }
    if pending > 0 {
        pool.total_shares += shares_for(pending, &current)?;
        let incoming = withdraw_all(&mut pool.pending_stake);
        pool.active.value += incoming;
    }
    emit(
        ctx,
        &PoolAdvanced {
            node_id: pool.id.id.clone(),
            epoch: new_epoch,
            rate_stake: current.stake,
            rate_shares: current.shares,
            staked_in: pending,
            withdrawn_out: withdrawn,
            pool_stake: pool.active.value,
            total_shares: pool.total_shares,
        },
    )?;
    Ok(true)
}

// ----- math -----

/// An arithmetic failure of Move code (overflow, a cast that does not fit): not an abort
/// with a code but a primitive runtime error, as Sui reports it.
pub fn arithmetic_error() -> ExecutionError {
    ExecutionError::MovePrimitiveRuntimeError { location: None }
}

/// Shares `amount` WAL buys at `rate` (1:1 in a pool without shares; a pool with shares but
/// no stake priced as if it held one base unit), computed in 256 bits like the Move code;
/// fails where Move's `(s as u128)` would.
fn shares_for(amount: u64, rate: &Rate) -> Result<u128, ExecutionError> {
    if rate.shares == 0 {
        return Ok(u128::from(amount));
    }
    // A pool with shares but no stake is priced as if it held one base unit.
    let stake = u128::from(rate.stake.max(1));
    let quotient = U256Wide::mul(u128::from(amount), rate.shares).div(stake);
    if quotient.high != 0 {
        return Err(arithmetic_error());
    }
    Ok(quotient.low)
}

/// WAL `shares` are worth at `rate` (0 when the rate has no shares). Aborts with an
/// arithmetic error where Move's `(v as u64)` would.
fn value_of(shares: u128, rate: &Rate) -> Result<u64, ExecutionError> {
    if rate.shares == 0 {
        return Ok(0);
    }
    let product = U256Wide::mul(shares, u128::from(rate.stake));
    let value = product.div(rate.shares);
    if value.high != 0 {
        return Err(arithmetic_error());
    }
    u64::try_from(value.low).map_err(|_| arithmetic_error())
}

fn mul_div(a: u64, b: u64, c: u64) -> u64 {
    // a, b < 2^64 and c > 0 (BPS), so the quotient is at most a·b/1 and, with b ≤ c in
    // every caller (bps ≤ 10 000), at most a: it fits a u64.
    u64::try_from(u128::from(a) * u128::from(b) / u128::from(c))
        .expect("b ≤ c in every caller, so the quotient is at most a")
}

/// A 256-bit unsigned value as two u128 halves: the `u256` intermediate of the Move math.
#[derive(Clone, Copy)]
struct U256Wide {
    high: u128,
    low: u128,
}

impl U256Wide {
    fn mul(a: u128, b: u128) -> Self {
        let (a_hi, a_lo) = (a >> 64, a & u128::from(u64::MAX));
        let (b_hi, b_lo) = (b >> 64, b & u128::from(u64::MAX));
        let lo_lo = a_lo * b_lo;
        let hi_lo = a_hi * b_lo;
        let lo_hi = a_lo * b_hi;
        let hi_hi = a_hi * b_hi;
        let cross = (lo_lo >> 64) + (hi_lo & u128::from(u64::MAX)) + (lo_hi & u128::from(u64::MAX));
        let low = (cross << 64) | (lo_lo & u128::from(u64::MAX));
        let high = hi_hi + (hi_lo >> 64) + (lo_hi >> 64) + (cross >> 64);
        Self { high, low }
    }

    /// Long division by a non-zero `d`, bit by bit (256 steps; only on stake changes).
    fn div(self, d: u128) -> Self {
        let mut quotient = Self { high: 0, low: 0 };
        let mut remainder: u128 = 0;
        for bit in (0..256).rev() {
            let carry = remainder >> 127;
            let next = if bit >= 128 {
                (self.high >> (bit - 128)) & 1
            } else {
                (self.low >> bit) & 1
            };
            remainder = (remainder << 1) | next;
            if carry == 1 || remainder >= d {
                remainder = remainder.wrapping_sub(d);
                if bit >= 128 {
                    quotient.high |= 1 << (bit - 128);
                } else {
                    quotient.low |= 1 << bit;
                }
            }
        }
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_math_matches_u128_where_it_fits() {
        for (a, b, d) in [
            (7u128, 9u128, 4u128),
            (u64::MAX as u128, 3, 7),
            (1 << 100, 1 << 20, 3),
        ] {
            let q = U256Wide::mul(a, b).div(d);
            assert_eq!(q.high, 0);
            assert_eq!(q.low, a * b / d);
        }
        let big = U256Wide::mul(u128::MAX, u128::MAX);
        assert_eq!(big.low, 1);
        assert_eq!(big.high, u128::MAX - 1);
        assert_eq!(big.div(u128::MAX).low, u128::MAX);
    }

    #[test]
    fn shares_and_values() {
        let empty = Rate::new(0, 0);
        assert_eq!(shares_for(5, &empty).expect("fits"), 5);
        let r = Rate::new(110, 100);
        assert_eq!(shares_for(11, &r).expect("fits"), 10);
        assert_eq!(value_of(10, &r).expect("fits"), 11);
        assert_eq!(value_of(10, &Rate::new(5, 0)).expect("fits"), 0);
    }

    /// `staking_tests::stake_joining_a_pool_with_shares_but_no_stake_keeps_its_value`: a pool
    /// slashed to nothing no longer sells shares 1:1.
    #[test]
    fn stake_joining_a_pool_with_shares_but_no_stake_keeps_its_value() {
        assert_eq!(shares_for(100, &Rate::new(0, 0)).expect("fits"), 100);
        assert_eq!(shares_for(100, &Rate::new(50, 200)).expect("fits"), 400);
        let minted = shares_for(1_000_000, &Rate::new(0, 1_000)).expect("fits");
        assert_eq!(minted, 1_000_000_000);
        let after = Rate::new(1_000_000, minted + 1_000);
        assert_eq!(value_of(1_000, &after).expect("fits"), 0);
        assert_eq!(value_of(minted, &after).expect("fits"), 999_999);
    }
}

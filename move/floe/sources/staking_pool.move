/// A storage node's staking pool: the node's registration data, its votes, and the stake
/// accounted in shares. Pools live inside `System` (a table keyed by node ID) so that
/// `system::advance_epoch` can reward, advance and select them; `floe::staking` is the
/// user-facing side (register, stake, withdraw, vote). This module sits below `system` so
/// both can use it without a dependency cycle.
///
/// Share accounting: `active` WAL is represented by `total_shares` shares. Rewards join
/// `active` without minting shares and slashes leave it without burning shares, so both reach
/// every staker pro rata. Stake joins (pending, then minted at the rate of its activation
/// epoch) and leaves (shares burned at the rate of its withdraw epoch) only when the pool
/// enters a new epoch; the rate used each time is recorded per epoch in `rates`.
module floe::staking_pool;

use floe::events;
use floe::wal::WAL;
use std::string::String;
use sui::balance::{Self, Balance};
use sui::table::{Self, Table};

const BPS: u64 = 10_000;

/// WAL-per-share exchange rate at the start of an epoch, before that epoch's joins and leaves.
public struct Rate has copy, drop, store {
    stake: u64,
    shares: u128,
}

/// One storage node and its stake. Its object ID is the node ID.
public struct StakingPool has key, store {
    id: UID,
    node_cap_id: ID,
    name: String,
    network_address: String,
    bls_public_key: vector<u8>,
    commission_bps: u64,
    registered_epoch: u64,
    storage_price_vote: u64,
    write_price_vote: u64,
    capacity_vote: u64,
    /// Working stake, rewards compounded, slashes taken.
    active: Balance<WAL>,
    total_shares: u128,
    /// Staked this epoch; joins `active` when the next epoch starts.
    pending_stake: Balance<WAL>,
    /// Shares whose withdrawal was requested this epoch; leave when the next epoch starts.
    pending_withdraw_shares: u128,
    /// WAL set aside for requested withdrawals, claimable by their `StakedWal`.
    withdrawable: Balance<WAL>,
    /// The operator's commission, collectable with the `NodeCap`.
    commission: Balance<WAL>,
    /// Exchange rate of each epoch in which stake joined or left.
    rates: Table<u64, Rate>,
}

public(package) fun new(
    node_cap_id: ID,
    name: String,
    network_address: String,
    bls_public_key: vector<u8>,
    commission_bps: u64,
    storage_price_vote: u64,
    write_price_vote: u64,
    capacity_vote: u64,
    epoch: u64,
    ctx: &mut TxContext,
): StakingPool {
    StakingPool {
        id: object::new(ctx),
        node_cap_id,
        name,
        network_address,
        bls_public_key,
        commission_bps,
        registered_epoch: epoch,
        storage_price_vote,
        write_price_vote,
        capacity_vote,
        active: balance::zero(),
        total_shares: 0,
        pending_stake: balance::zero(),
        pending_withdraw_shares: 0,
        withdrawable: balance::zero(),
        commission: balance::zero(),
        rates: table::new(ctx),
    }
}

// === Reads ===

/// The node ID (this pool's object ID).
public fun node_id(pool: &StakingPool): ID { object::uid_to_inner(&pool.id) }

/// ID of the `NodeCap` that controls this node.
public fun node_cap_id(pool: &StakingPool): ID { pool.node_cap_id }

/// The node's name.
public fun name(pool: &StakingPool): String { pool.name }

/// Where the node's storage service listens.
public fun network_address(pool: &StakingPool): String { pool.network_address }

/// 48-byte compressed BLS12-381 G1 public key (min_pk).
public fun bls_public_key(pool: &StakingPool): &vector<u8> { &pool.bls_public_key }

/// The operator's share of rewards, in basis points.
public fun commission_bps(pool: &StakingPool): u64 { pool.commission_bps }

/// Epoch in which the node registered.
public fun registered_epoch(pool: &StakingPool): u64 { pool.registered_epoch }

/// The node's vote for the storage price per MiB-epoch.
public fun storage_price_vote(pool: &StakingPool): u64 { pool.storage_price_vote }

/// The node's vote for the write price per MiB.
public fun write_price_vote(pool: &StakingPool): u64 { pool.write_price_vote }

/// The node's vote for the system's total capacity, in bytes.
public fun capacity_vote(pool: &StakingPool): u64 { pool.capacity_vote }

/// WAL working for the node this epoch (what committee selection ranks by).
public fun active_stake(pool: &StakingPool): u64 { pool.active.value() }

/// Shares representing the active stake.
public fun total_shares(pool: &StakingPool): u128 { pool.total_shares }

/// WAL staked this epoch, active from the next one.
public fun pending_stake(pool: &StakingPool): u64 { pool.pending_stake.value() }

/// Shares leaving at the next epoch.
public fun pending_withdraw_shares(pool: &StakingPool): u128 { pool.pending_withdraw_shares }

/// WAL set aside for withdrawals not yet collected.
public fun withdrawable(pool: &StakingPool): u64 { pool.withdrawable.value() }

/// Commission not yet collected.
public fun commission(pool: &StakingPool): u64 { pool.commission.value() }

/// Whether an exchange rate was recorded for `epoch`.
public fun has_rate(pool: &StakingPool, epoch: u64): bool { pool.rates.contains(epoch) }

/// The exchange rate recorded for `epoch` as (stake, shares). Aborts if none was recorded.
public fun rate(pool: &StakingPool, epoch: u64): (u64, u128) {
    let r = pool.rates.borrow(epoch);
    (r.stake, r.shares)
}

// === Changes (package only) ===

public(package) fun set_storage_price_vote(pool: &mut StakingPool, price: u64) {
    pool.storage_price_vote = price;
}

public(package) fun set_write_price_vote(pool: &mut StakingPool, price: u64) {
    pool.write_price_vote = price;
}

public(package) fun set_capacity_vote(pool: &mut StakingPool, capacity: u64) {
    pool.capacity_vote = capacity;
}

public(package) fun set_network_address(pool: &mut StakingPool, network_address: String) {
    pool.network_address = network_address;
}

/// Adds stake that becomes active when the next epoch starts.
public(package) fun add_pending_stake(pool: &mut StakingPool, stake: Balance<WAL>) {
    pool.pending_stake.join(stake);
}

/// Takes back pending (not yet active) stake and sets it aside as withdrawable.
public(package) fun cancel_pending_stake(pool: &mut StakingPool, amount: u64) {
    let back = pool.pending_stake.split(amount);
    pool.withdrawable.join(back);
}

/// Shares that `principal` WAL received when it became active in `activation_epoch`.
public(package) fun shares_at_activation(pool: &StakingPool, principal: u64, activation_epoch: u64): u128 {
    shares_for(principal, pool.rates.borrow(activation_epoch))
}

/// Marks `shares` to leave when the next epoch starts.
public(package) fun add_pending_withdraw(pool: &mut StakingPool, shares: u128) {
    pool.pending_withdraw_shares = pool.pending_withdraw_shares + shares;
}

/// WAL that `shares` were worth when they left in `withdraw_epoch`.
public(package) fun withdrawal_value(pool: &StakingPool, shares: u128, withdraw_epoch: u64): u64 {
    if (shares == 0) 0 else value_of(shares, pool.rates.borrow(withdraw_epoch))
}

/// Takes `amount` out of the WAL set aside for withdrawals.
public(package) fun take_withdrawable(pool: &mut StakingPool, amount: u64): Balance<WAL> {
    pool.withdrawable.split(amount)
}

/// Takes all accumulated commission.
public(package) fun take_commission(pool: &mut StakingPool): Balance<WAL> {
    pool.commission.withdraw_all()
}

/// Pays `reward` earned in `epoch`: the commission share to the operator, the rest joins the
/// active stake (raising every share's value). With no shares outstanding it all goes to the
/// operator, so nobody later captures it. Emits `PoolRewarded`.
public(package) fun add_reward(pool: &mut StakingPool, mut reward: Balance<WAL>, epoch: u64) {
    let total = reward.value();
    let commission_amount = if (pool.total_shares == 0) total
    else mul_div(total, pool.commission_bps, BPS);
    pool.commission.join(reward.split(commission_amount));
    pool.active.join(reward);
    events::emit_pool_rewarded(pool.node_id(), epoch, total, commission_amount, pool.active.value());
}

/// Takes `bps` basis points of the stake that was at risk, `at_risk`, capped at the active
/// stake (shares unchanged, so every staker loses the same fraction) and returns it: stake
/// that became active after the fault does not make the slash larger. Never takes all of a
/// non-empty pool (`bps` < 10 000, rounded down). Emits `PoolSlashed`.
public(package) fun slash(pool: &mut StakingPool, bps: u64, at_risk: u64, epoch: u64): Balance<WAL> {
    let active = pool.active.value();
    let base = if (at_risk < active) at_risk else active;
    let amount = mul_div(base, bps, BPS);
    let slashed = pool.active.split(amount);
    events::emit_pool_slashed(pool.node_id(), epoch, amount, pool.active.value());
    slashed
}

/// Enters `new_epoch`: records the exchange rate (when stake joins or leaves), moves the
/// requested withdrawals out of the active stake and mints shares for the pending stake.
/// Emits `PoolAdvanced` when anything changed.
public(package) fun advance(pool: &mut StakingPool, new_epoch: u64) {
    let pending = pool.pending_stake.value();
    let leaving = pool.pending_withdraw_shares;
    if (pending == 0 && leaving == 0) return;
    let current = Rate { stake: pool.active.value(), shares: pool.total_shares };
    pool.rates.add(new_epoch, current);
    let withdrawn = if (leaving > 0) value_of(leaving, &current) else 0;
    if (leaving > 0) {
        let out = pool.active.split(withdrawn);
        pool.withdrawable.join(out);
        pool.total_shares = pool.total_shares - leaving;
        pool.pending_withdraw_shares = 0;
    };
    if (pending > 0) {
        pool.total_shares = pool.total_shares + shares_for(pending, &current);
        let incoming = pool.pending_stake.withdraw_all();
        pool.active.join(incoming);
    };
    events::emit_pool_advanced(
        pool.node_id(),
        new_epoch,
        current.stake,
        current.shares,
        pending,
        withdrawn,
        pool.active.value(),
        pool.total_shares,
    );
}

// === Math ===

/// Shares `amount` WAL buys at `rate`: 1:1 in a pool without shares. A pool with shares but
/// no stake (its stake slashed away) is priced as if it held one base unit, so the old,
/// worthless shares keep a claim of under one base unit and the new stake keeps its value
/// (a 1:1 rate would hand nearly all of it to the old shares).
fun shares_for(amount: u64, r: &Rate): u128 {
    if (r.shares == 0) (amount as u128)
    else {
        let stake = if (r.stake == 0) 1 else (r.stake as u256);
        let s = (amount as u256) * (r.shares as u256) / stake;
        (s as u128)
    }
}

/// WAL `shares` are worth at `rate`.
fun value_of(shares: u128, r: &Rate): u64 {
    if (r.shares == 0) 0
    else {
        let v = (shares as u256) * (r.stake as u256) / (r.shares as u256);
        (v as u64)
    }
}

fun mul_div(a: u64, b: u64, c: u64): u64 {
    (((a as u128) * (b as u128) / (c as u128)) as u64)
}

/// `shares_for` at the rate (`stake`, `shares`), for tests.
#[test_only]
public fun shares_for_testing(amount: u64, stake: u64, shares: u128): u128 {
    shares_for(amount, &Rate { stake, shares })
}

/// Adds `stake` straight to the active stake (shares minted at the current rate), skipping
/// the pending epoch. For other modules' tests.
#[test_only]
public fun add_active_stake_for_testing(pool: &mut StakingPool, stake: Balance<WAL>) {
    let current = Rate { stake: pool.active.value(), shares: pool.total_shares };
    pool.total_shares = pool.total_shares + shares_for(stake.value(), &current);
    pool.active.join(stake);
}

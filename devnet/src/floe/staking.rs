//! `floe::staking`: registering storage nodes (with a BLS proof of possession), the
//! operator's votes, network address and commission, and staking / withdrawing WAL.
//!
//! Each handler reads the shared `System`, changes it (its pools are dynamic fields, changed
//! through `system::update_pool`) and writes it back, mirroring the Move function.

use floe_sdk::move_types::{
    self, MoveString,
    events::{
        CommissionCollected, EpochSyncDone, NodeNetworkAddressChanged, NodeRegistered, Staked,
        VoteSet, WithdrawRequested, Withdrawn,
    },
    staking::{NodeCap, StakedWal},
    system::System,
    wal::Treasury,
};
use sui_sdk_types::{Address, ExecutionError};

use super::args::{Obj, Returned, WalCoin};
use super::version;
use super::{
    coin_into_balance, coin_value, create_object, emit, new_wal_coin, staking_pool, system, wal,
};
use crate::runtime::CallContext;

const BPS: u64 = 10_000;
const MAX_COMMISSION_BPS: u64 = 10_000;
const BLS_PUBLIC_KEY_LENGTH: usize = 48;
const MAX_NAME_LENGTH: usize = 128;
const MAX_NETWORK_ADDRESS_LENGTH: usize = 256;
/// Smallest stake accepted: 1 WAL.
pub const MIN_STAKE: u64 = 1_000_000_000;
/// A new node's capacity vote: 1 TiB.
pub const DEFAULT_CAPACITY_VOTE: u64 = 1_099_511_627_776;

pub const VOTE_STORAGE_PRICE: u8 = 0;
pub const VOTE_WRITE_PRICE: u8 = 1;
pub const VOTE_CAPACITY: u8 = 2;

/// The abort codes of `floe::staking`, generated from the Move source.
pub use floe_sdk::move_aborts::staking::*;

// ----- arguments -----

fn valid_network_address(address: &MoveString) -> bool {
    !address.bytes.is_empty() && address.bytes.len() <= MAX_NETWORK_ADDRESS_LENGTH
}

fn mul_div(a: u64, b: u64, c: u64) -> u64 {
    // b ≤ c (the fee is at most 5 000 of 10 000 bps), so the quotient is at most a.
    u64::try_from(u128::from(a) * u128::from(b) / u128::from(c))
        .expect("b ≤ c, so the quotient is at most a")
}

// ----- registration -----

/// `proof_of_possession_message`: `bcs(sender) ‖ bls_public_key`.
pub fn pop_message(sender: Address, bls_public_key: &[u8]) -> Vec<u8> {
    let mut message = sender.as_bytes().to_vec();
    message.extend_from_slice(bls_public_key);
    message
}

fn register_node(
    ctx: &mut CallContext<'_>,
    mut system: Obj<System>,
    name: MoveString,
    network_address: MoveString,
    bls_public_key: Vec<u8>,
    proof_of_possession: Vec<u8>,
    commission_bps: u64,
) -> Result<Returned<NodeCap>, ExecutionError> {
    version::assert_current(system.version)?;
    if commission_bps > MAX_COMMISSION_BPS {
        return Err(ctx.abort(E_INVALID_COMMISSION));
    }
    if name.bytes.is_empty() || name.bytes.len() > MAX_NAME_LENGTH {
        return Err(ctx.abort(E_INVALID_NAME));
    }
    if !valid_network_address(&network_address) {
        return Err(ctx.abort(E_INVALID_NETWORK_ADDRESS));
    }
    if bls_public_key.len() != BLS_PUBLIC_KEY_LENGTH {
        return Err(ctx.abort(E_INVALID_BLS_KEY));
    }
    let message = pop_message(ctx.sender(), &bls_public_key);
    if !system::min_pk_verify(&proof_of_possession, &bls_public_key, &message) {
        return Err(ctx.abort(E_INVALID_PROOF_OF_POSSESSION));
    }
    let cap = new_node(
        ctx,
        &mut system,
        name,
        network_address,
        bls_public_key,
        commission_bps,
    )?;
    system.save(ctx)?;
    Ok(Returned::new(cap))
}

/// `new_node`: the `NodeCap`'s UID first, then the pool (votes at the current prices and
/// 1 TiB), `NodeRegistered`, and `system::add_pool`. Returns the new `NodeCap`'s ID.
fn new_node(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    name: MoveString,
    network_address: MoveString,
    bls_public_key: Vec<u8>,
    commission_bps: u64,
) -> Result<Address, ExecutionError> {
    let cap_id = ctx.fresh_id();
    let epoch = system.epoch;
    let pool = staking_pool::new(
        ctx,
        cap_id,
        name.clone(),
        network_address.clone(),
        bls_public_key.clone(),
        commission_bps,
        system.storage_price_per_mib_epoch,
        system.write_price_per_mib,
        DEFAULT_CAPACITY_VOTE,
        epoch,
    );
    let node_id = pool.id.id.clone();
    emit(
        ctx,
        &NodeRegistered {
            node_id: node_id.clone(),
            node_cap_id: move_types::id(cap_id),
            operator: moverox::types::Address::new(ctx.sender().into_inner()),
            name,
            network_address,
            bls_public_key,
            commission_bps,
            epoch,
        },
    )?;
    system::add_pool(ctx, system, &pool)?;
    let cap = NodeCap::new(move_types::uid(cap_id), node_id);
    create_object(ctx, true, &cap)
}

fn proof_of_possession_message(
    _ctx: &mut CallContext<'_>,
    sender: Address,
    bls_public_key: Vec<u8>,
) -> Result<Vec<u8>, ExecutionError> {
    Ok(pop_message(sender, &bls_public_key))
}

// ----- the operator's NodeCap -----

/// The shared shape of the `(system: &mut System, cap: &NodeCap, value)` vote functions:
/// sets the node's vote of `kind` and writes the system.
fn vote(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<NodeCap>,
    kind: u8,
    value: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(system.version)?;
    let node_id = move_types::address_of(&cap.value.node_id);
    set_vote(ctx, &system, node_id, kind, value)?;
    system.save(ctx)?;
    Ok(())
}

fn set_storage_price_vote(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<NodeCap>,
    price: u64,
) -> Result<(), ExecutionError> {
    vote(ctx, system, cap, VOTE_STORAGE_PRICE, price)
}

fn set_write_price_vote(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<NodeCap>,
    price: u64,
) -> Result<(), ExecutionError> {
    vote(ctx, system, cap, VOTE_WRITE_PRICE, price)
}

fn set_capacity_vote(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<NodeCap>,
    capacity: u64,
) -> Result<(), ExecutionError> {
    vote(ctx, system, cap, VOTE_CAPACITY, capacity)
}

/// `set_storage_price_vote` / `set_write_price_vote` / `set_capacity_vote`.
fn set_vote(
    ctx: &mut CallContext<'_>,
    system: &System,
    node_id: Address,
    kind: u8,
    value: u64,
) -> Result<(), ExecutionError> {
    if kind != VOTE_CAPACITY && value == 0 {
        return Err(ctx.abort(E_INVALID_VOTE));
    }
    let epoch = system.epoch;
    system::update_pool(ctx, system, node_id, |_, pool| {
        match kind {
            VOTE_STORAGE_PRICE => pool.storage_price_vote = value,
            VOTE_WRITE_PRICE => pool.write_price_vote = value,
            _ => pool.capacity_vote = value,
        }
        Ok(())
    })?;
    emit(
        ctx,
        &VoteSet {
            node_id: move_types::id(node_id),
            kind,
            value,
            epoch,
        },
    )
}

fn set_network_address(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<NodeCap>,
    network_address: MoveString,
) -> Result<(), ExecutionError> {
    version::assert_current(system.version)?;
    let cap = cap.value;
    if !valid_network_address(&network_address) {
        return Err(ctx.abort(E_INVALID_NETWORK_ADDRESS));
    }
    let epoch = system.epoch;
    let node_id = move_types::address_of(&cap.node_id);
    let stored = network_address.clone();
    system::update_pool(ctx, &system, node_id, |_, pool| {
        pool.network_address = stored;
        Ok(())
    })?;
    emit(
        ctx,
        &NodeNetworkAddressChanged {
            node_id: cap.node_id,
            network_address,
            epoch,
        },
    )?;
    system.save(ctx)?;
    Ok(())
}

/// `epoch_sync_done`: the node's gained shards become challengeable. Aborts (in `system`)
/// `ENotCommitteeMember`, `EWrongSyncEpoch`, `ENoPendingShards`.
fn epoch_sync_done(
    ctx: &mut CallContext<'_>,
    mut system: Obj<System>,
    cap: Obj<NodeCap>,
    epoch: u64,
) -> Result<(), ExecutionError> {
    version::assert_current(system.version)?;
    let cap = cap.value;
    let shards = system::mark_synced(&mut system, move_types::address_of(&cap.node_id), epoch)?;
    emit(
        ctx,
        &EpochSyncDone {
            node_id: cap.node_id,
            epoch,
            shards,
        },
    )?;
    system.save(ctx)?;
    Ok(())
}

fn collect_commission(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<NodeCap>,
) -> Result<WalCoin, ExecutionError> {
    version::assert_current(system.version)?;
    let cap = cap.value;
    let epoch = system.epoch;
    let node_id = move_types::address_of(&cap.node_id);
    let amount = system::update_pool(ctx, &system, node_id, |_, pool| {
        Ok(staking_pool::take_commission(pool))
    })?;
    emit(
        ctx,
        &CommissionCollected {
            node_id: cap.node_id,
            amount,
            epoch,
        },
    )?;
    let coin = new_wal_coin(ctx, amount)?;
    system.save(ctx)?;
    Ok(WalCoin(coin))
}

// ----- stakers -----

fn stake(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    node_id: move_types::ID,
    coin: WalCoin,
) -> Result<Returned<StakedWal>, ExecutionError> {
    version::assert_current(system.version)?;
    let node = node_id;
    let coin = coin.0;
    let amount = coin_value(ctx, coin)?;
    if amount < MIN_STAKE {
        return Err(ctx.abort(E_STAKE_TOO_SMALL));
    }
    let activation_epoch = system.epoch + 1;
    let node_id = move_types::address_of(&node);
    // `pool_mut` aborts before the coin is consumed.
    let mut pool = system::pool(ctx, &system, node_id)?;
    let stake = coin_into_balance(ctx, coin)?;
    staking_pool::add_pending_stake(&mut pool, stake);
    super::table_set(
        ctx,
        &system.pools,
        &staking_pool::pools_types(),
        &node,
        &pool,
    )?;
    let id = ctx.fresh_id();
    let staked = StakedWal::new(
        move_types::uid(id),
        node.clone(),
        amount,
        activation_epoch,
        0,
        0,
        false,
    );
    create_object(ctx, true, &staked)?;
    emit(
        ctx,
        &Staked {
            staked_wal_id: move_types::id(id),
            node_id: node,
            staker: moverox::types::Address::new(ctx.sender().into_inner()),
            amount,
            activation_epoch,
        },
    )?;
    system.save(ctx)?;
    Ok(Returned::new(id))
}

fn request_withdraw(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    mut staked: Obj<StakedWal>,
) -> Result<(), ExecutionError> {
    version::assert_current(system.version)?;
    if staked.withdraw_epoch != 0 {
        return Err(ctx.abort(E_WITHDRAW_ALREADY_REQUESTED));
    }
    let epoch = system.epoch;
    let node_id = move_types::address_of(&staked.node_id);
    let principal = staked.principal;
    let activation_epoch = staked.activation_epoch;
    let (was_active, shares) = system::update_pool(ctx, &system, node_id, |ctx, pool| {
        if activation_epoch > epoch {
            staking_pool::cancel_pending_stake(pool, principal)?;
            Ok((false, 0))
        } else {
            let shares =
                staking_pool::shares_at_activation(ctx, pool, principal, activation_epoch)?;
            staking_pool::add_pending_withdraw(pool, shares);
            Ok((true, shares))
        }
    })?;
    staked.was_active = was_active;
    staked.withdraw_shares = shares;
    staked.withdraw_epoch = epoch + 1;
    emit(
        ctx,
        &WithdrawRequested {
            staked_wal_id: staked.value.id.id.clone(),
            node_id: staked.node_id.clone(),
            staker: moverox::types::Address::new(ctx.sender().into_inner()),
            principal: staked.principal,
            shares: staked.withdraw_shares,
            withdraw_epoch: staked.withdraw_epoch,
            was_active: staked.was_active,
        },
    )?;
    staked.save(ctx)?;
    system.save(ctx)?;
    Ok(())
}

fn withdraw(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    mut treasury: Obj<Treasury>,
    staked: Obj<StakedWal>,
) -> Result<WalCoin, ExecutionError> {
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    if staked.withdraw_epoch == 0 {
        return Err(ctx.abort(E_WITHDRAW_NOT_REQUESTED));
    }
    let epoch = system.epoch;
    if epoch < staked.withdraw_epoch {
        return Err(ctx.abort(E_WITHDRAW_TOO_EARLY));
    }
    let min_epochs = system.min_stake_epochs;
    let fee_bps = system.early_unstake_fee_bps;
    let node_id = move_types::address_of(&staked.node_id);
    let (amount, taken) = system::update_pool(ctx, &system, node_id, |ctx, pool| {
        let amount = if staked.was_active {
            staking_pool::withdrawal_value(
                ctx,
                pool,
                staked.withdraw_shares,
                staked.withdraw_epoch,
            )?
        } else {
            staked.principal
        };
        let taken = staking_pool::take_withdrawable(pool, amount)?;
        Ok((amount, taken))
    })?;
    let mut out = taken;
    let mut fee_burned = 0;
    if staked.withdraw_epoch < staked.activation_epoch + min_epochs {
        let fee = mul_div(amount, fee_bps, BPS);
        out -= fee;
        fee_burned = wal::burn_balance(ctx, &mut treasury, fee, wal::SOURCE_EARLY_UNSTAKE)?;
    }
    ctx.delete_object(staked.id)?;
    emit(
        ctx,
        &Withdrawn {
            staked_wal_id: staked.value.id.id.clone(),
            node_id: staked.node_id.clone(),
            staker: moverox::types::Address::new(ctx.sender().into_inner()),
            amount,
            fee_burned,
            epoch,
        },
    )?;
    let coin = new_wal_coin(ctx, out)?;
    treasury.save(ctx)?;
    system.save(ctx)?;
    Ok(WalCoin(coin))
}

// ----- reads -----

fn is_withdrawing(
    _ctx: &mut CallContext<'_>,
    staked: Obj<StakedWal>,
) -> Result<bool, ExecutionError> {
    Ok(staked.value.withdraw_epoch != 0)
}

include!(concat!(env!("OUT_DIR"), "/floe_staking.rs"));

/// Storage nodes and their stakers: registering a node (with a BLS proof of possession),
/// the operator's votes and commission, staking WAL with a node, and withdrawing it.
///
/// Timing: stake made in epoch e works from epoch e + 1. A withdrawal requested in epoch e
/// leaves the pool when epoch e + 1 starts and can be collected from then on; its value is
/// the stake's shares at the exchange rate of epoch e + 1, so rewards and slashes up to then
/// count. A withdrawal whose stake worked fewer than `min_stake_epochs` epochs (counted from
/// activation to the withdraw epoch; stake withdrawn before it became active counts 0) pays
/// the early unstake fee, which is burned.
///
/// Proof of possession: a min_pk BLS signature (DST `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_`)
/// by the node's key over `bcs(sender: address) ‖ bls_public_key`, i.e. the 32 bytes of the
/// registering address followed by the 48 bytes of the compressed G1 public key.
module floe::staking;

use floe::events;
use floe::staking_pool;
use floe::system::System;
use floe::wal::{Self, Treasury, WAL};
use floe::version;
use std::string::String;
use sui::bls12381;
use sui::coin::{Self, Coin};

const BPS: u64 = 10_000;
const MAX_COMMISSION_BPS: u64 = 10_000;
const BLS_PUBLIC_KEY_LENGTH: u64 = 48;
const MAX_NAME_LENGTH: u64 = 128;
const MAX_NETWORK_ADDRESS_LENGTH: u64 = 256;
/// Smallest stake accepted: 1 WAL.
const MIN_STAKE: u64 = 1_000_000_000;
/// A new node's capacity vote: 1 TiB.
const DEFAULT_CAPACITY_VOTE: u64 = 1_099_511_627_776;

// Vote kinds (the `kind` of `VoteSet`).
const VOTE_STORAGE_PRICE: u8 = 0;
const VOTE_WRITE_PRICE: u8 = 1;
const VOTE_CAPACITY: u8 = 2;

/// Commission above 10 000 bps.
/// Set a commission of at most 10 000 bps (100 %).
const EInvalidCommission: u64 = 0;
/// The BLS public key is not 48 bytes.
/// Give a 48-byte BLS public key (compressed G1, min_pk).
const EInvalidBlsKey: u64 = 1;
/// The proof of possession does not verify.
/// Sign bcs(sender) ‖ public key with the node's BLS key, as the registering sender.
const EInvalidProofOfPossession: u64 = 2;
/// The name is empty or longer than 128 bytes.
/// Give a node name of 1 to 128 bytes.
const EInvalidName: u64 = 3;
/// The network address is empty or longer than 256 bytes.
/// Give a network address of 1 to 256 bytes.
const EInvalidNetworkAddress: u64 = 4;
/// Less than `MIN_STAKE`.
/// Stake at least 1 WAL.
const EStakeTooSmall: u64 = 5;
/// A withdrawal was already requested for this stake.
/// Call withdraw from its withdraw epoch on.
const EWithdrawAlreadyRequested: u64 = 6;
/// `withdraw` before `request_withdraw`.
/// Request the withdrawal first, then withdraw in a later epoch.
const EWithdrawNotRequested: u64 = 7;
/// `withdraw` before the withdraw epoch.
/// Wait until the epoch after the withdrawal request.
const EWithdrawTooEarly: u64 = 8;
/// A price vote of zero.
/// Vote a price of more than 0.
const EInvalidVote: u64 = 9;

/// Controls a registered node: votes, network address, commission. Owned by the operator.
public struct NodeCap has key, store {
    id: UID,
    node_id: ID,
}

/// WAL staked with a node. Owned by the staker.
public struct StakedWal has key, store {
    id: UID,
    node_id: ID,
    principal: u64,
    activation_epoch: u64,
    /// 0 until a withdrawal is requested; then the first epoch it can be withdrawn.
    withdraw_epoch: u64,
    /// Shares given up (when the stake was active at the request).
    withdraw_shares: u128,
    /// Whether the stake was active when the withdrawal was requested.
    was_active: bool,
}

/// Registers a storage node and creates its staking pool inside `System`; returns the
/// `NodeCap` (the caller places it). `proof_of_possession` is the key's min_pk signature over
/// `bcs(sender) ‖ bls_public_key` (see the module doc). The node's votes start at the current
/// prices and a 1 TiB capacity. Emits `NodeRegistered`.
/// Aborts `EInvalidCommission`, `EInvalidName`, `EInvalidNetworkAddress`, `EInvalidBlsKey`,
/// `EInvalidProofOfPossession`, `system::EDuplicateBlsKey`, `system::ETooManyNodes`.
public fun register_node(
    system: &mut System,
    name: String,
    network_address: String,
    bls_public_key: vector<u8>,
    proof_of_possession: vector<u8>,
    commission_bps: u64,
    ctx: &mut TxContext,
): NodeCap {
    version::assert_current(system.object_version());
    assert!(commission_bps <= MAX_COMMISSION_BPS, EInvalidCommission);
    assert!(!name.is_empty() && name.length() <= MAX_NAME_LENGTH, EInvalidName);
    assert!(
        !network_address.is_empty() && network_address.length() <= MAX_NETWORK_ADDRESS_LENGTH,
        EInvalidNetworkAddress,
    );
    assert!(bls_public_key.length() == BLS_PUBLIC_KEY_LENGTH, EInvalidBlsKey);
    let message = proof_of_possession_message(ctx.sender(), bls_public_key);
    assert!(
        bls12381::bls12381_min_pk_verify(&proof_of_possession, &bls_public_key, &message),
        EInvalidProofOfPossession,
    );
    new_node(system, name, network_address, bls_public_key, commission_bps, ctx)
}

/// The message a proof of possession signs: `bcs(sender) ‖ bls_public_key`.
public fun proof_of_possession_message(sender: address, bls_public_key: vector<u8>): vector<u8> {
    let mut message = std::bcs::to_bytes(&sender);
    message.append(bls_public_key);
    message
}

fun new_node(
    system: &mut System,
    name: String,
    network_address: String,
    bls_public_key: vector<u8>,
    commission_bps: u64,
    ctx: &mut TxContext,
): NodeCap {
    let cap_id = object::new(ctx);
    let epoch = system.epoch();
    let pool = staking_pool::new(
        object::uid_to_inner(&cap_id),
        name,
        network_address,
        bls_public_key,
        commission_bps,
        system.storage_price_per_mib_epoch(),
        system.write_price_per_mib(),
        DEFAULT_CAPACITY_VOTE,
        epoch,
        ctx,
    );
    let node_id = pool.node_id();
    events::emit_node_registered(
        node_id,
        object::uid_to_inner(&cap_id),
        ctx.sender(),
        name,
        network_address,
        bls_public_key,
        commission_bps,
        epoch,
    );
    system.add_pool(pool);
    NodeCap { id: cap_id, node_id }
}

/// The node ID a `NodeCap` controls (the ID used by `committee_node_ids`, `node_shards`, …).
public fun node_id(cap: &NodeCap): ID { cap.node_id }

/// Votes for the storage price per MiB-epoch (WAL base units, > 0); counts from the next
/// epoch change if the node is then in the committee. Emits `VoteSet`. Aborts `EInvalidVote`.
public fun set_storage_price_vote(system: &mut System, cap: &NodeCap, price: u64) {
    version::assert_current(system.object_version());
    assert!(price > 0, EInvalidVote);
    let epoch = system.epoch();
    system.pool_mut(cap.node_id).set_storage_price_vote(price);
    events::emit_vote_set(cap.node_id, VOTE_STORAGE_PRICE, price, epoch);
}

/// Votes for the write price per MiB (WAL base units, > 0). Emits `VoteSet`.
/// Aborts `EInvalidVote`.
public fun set_write_price_vote(system: &mut System, cap: &NodeCap, price: u64) {
    version::assert_current(system.object_version());
    assert!(price > 0, EInvalidVote);
    let epoch = system.epoch();
    system.pool_mut(cap.node_id).set_write_price_vote(price);
    events::emit_vote_set(cap.node_id, VOTE_WRITE_PRICE, price, epoch);
}

/// Votes for the system's total capacity in encoded bytes (0 allowed). Emits `VoteSet`.
public fun set_capacity_vote(system: &mut System, cap: &NodeCap, capacity: u64) {
    version::assert_current(system.object_version());
    let epoch = system.epoch();
    system.pool_mut(cap.node_id).set_capacity_vote(capacity);
    events::emit_vote_set(cap.node_id, VOTE_CAPACITY, capacity, epoch);
}

/// Changes where the node's storage service listens. Emits `NodeNetworkAddressChanged`.
/// Aborts `EInvalidNetworkAddress`.
public fun set_network_address(system: &mut System, cap: &NodeCap, network_address: String) {
    version::assert_current(system.object_version());
    assert!(
        !network_address.is_empty() && network_address.length() <= MAX_NETWORK_ADDRESS_LENGTH,
        EInvalidNetworkAddress,
    );
    let epoch = system.epoch();
    system.pool_mut(cap.node_id).set_network_address(network_address);
    events::emit_node_network_address_changed(cap.node_id, network_address, epoch);
}

/// The operator signals that the node holds the slivers of every shard it gained at the start
/// of `epoch` (the current one), so challenges may pick those shards from now on. A node that
/// signals without the slivers is slashed when challenged on them. Emits `EpochSyncDone`.
/// Aborts `system::ENotCommitteeMember`, `system::EWrongSyncEpoch` (a signal for another
/// epoch), `system::ENoPendingShards` (nothing gained, or signalled already).
public fun epoch_sync_done(system: &mut System, cap: &NodeCap, epoch: u64) {
    version::assert_current(system.object_version());
    let shards = system.mark_synced(cap.node_id, epoch);
    events::emit_epoch_sync_done(cap.node_id, epoch, shards);
}

/// Collects the node's accumulated commission (possibly zero). Emits `CommissionCollected`.
public fun collect_commission(system: &mut System, cap: &NodeCap, ctx: &mut TxContext): Coin<WAL> {
    version::assert_current(system.object_version());
    let epoch = system.epoch();
    let commission = system.pool_mut(cap.node_id).take_commission();
    events::emit_commission_collected(cap.node_id, commission.value(), epoch);
    coin::from_balance(commission, ctx)
}

/// Stakes `coin` with node `node_id`; it works from the next epoch on. Returns the
/// `StakedWal` (the caller places it). Emits `Staked`.
/// Aborts `EStakeTooSmall` (under 1 WAL), `system::ENodeNotFound`.
public fun stake(system: &mut System, node_id: ID, coin: Coin<WAL>, ctx: &mut TxContext): StakedWal {
    version::assert_current(system.object_version());
    let amount = coin.value();
    assert!(amount >= MIN_STAKE, EStakeTooSmall);
    let activation_epoch = system.epoch() + 1;
    system.pool_mut(node_id).add_pending_stake(coin.into_balance());
    let staked = StakedWal {
        id: object::new(ctx),
        node_id,
        principal: amount,
        activation_epoch,
        withdraw_epoch: 0,
        withdraw_shares: 0,
        was_active: false,
    };
    events::emit_staked(object::id(&staked), node_id, ctx.sender(), amount, activation_epoch);
    staked
}

/// Asks to withdraw `staked`: active stake stops working when the next epoch starts (pending
/// stake is set aside at once); `withdraw` works from the next epoch on. Emits
/// `WithdrawRequested`. Aborts `EWithdrawAlreadyRequested`.
public fun request_withdraw(system: &mut System, staked: &mut StakedWal, ctx: &mut TxContext) {
    version::assert_current(system.object_version());
    assert!(staked.withdraw_epoch == 0, EWithdrawAlreadyRequested);
    let epoch = system.epoch();
    let pool = system.pool_mut(staked.node_id);
    if (staked.activation_epoch > epoch) {
        pool.cancel_pending_stake(staked.principal);
        staked.was_active = false;
        staked.withdraw_shares = 0;
    } else {
        let shares = pool.shares_at_activation(staked.principal, staked.activation_epoch);
        pool.add_pending_withdraw(shares);
        staked.was_active = true;
        staked.withdraw_shares = shares;
    };
    staked.withdraw_epoch = epoch + 1;
    events::emit_withdraw_requested(
        object::id(staked),
        staked.node_id,
        ctx.sender(),
        staked.principal,
        staked.withdraw_shares,
        staked.withdraw_epoch,
        staked.was_active,
    );
}

/// Withdraws a stake whose withdrawal was requested, from its withdraw epoch on: returns its
/// value (the principal if it never became active; otherwise its shares at the withdraw
/// epoch's rate) minus the early unstake fee, which is burned when the stake worked fewer
/// than `min_stake_epochs` epochs. Emits `Withdrawn` (and `WalBurned` for a fee).
/// Aborts `EWithdrawNotRequested`, `EWithdrawTooEarly`.
public fun withdraw(
    system: &mut System,
    treasury: &mut Treasury,
    staked: StakedWal,
    ctx: &mut TxContext,
): Coin<WAL> {
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
    let StakedWal {
        id,
        node_id,
        principal,
        activation_epoch,
        withdraw_epoch,
        withdraw_shares,
        was_active,
    } = staked;
    assert!(withdraw_epoch != 0, EWithdrawNotRequested);
    let epoch = system.epoch();
    assert!(epoch >= withdraw_epoch, EWithdrawTooEarly);
    let min_epochs = system.min_stake_epochs();
    let fee_bps = system.early_unstake_fee_bps();
    let pool = system.pool_mut(node_id);
    let amount = if (was_active) pool.withdrawal_value(withdraw_shares, withdraw_epoch)
    else principal;
    let mut out = pool.take_withdrawable(amount);
    let mut fee_burned = 0;
    if (withdraw_epoch < activation_epoch + min_epochs) {
        let fee = mul_div(amount, fee_bps, BPS);
        fee_burned = wal::burn_balance(treasury, out.split(fee), wal::source_early_unstake());
    };
    let staked_id = object::uid_to_inner(&id);
    object::delete(id);
    events::emit_withdrawn(staked_id, node_id, ctx.sender(), amount, fee_burned, epoch);
    coin::from_balance(out, ctx)
}

// === StakedWal reads ===

/// The node this stake is with.
public fun staked_node_id(staked: &StakedWal): ID { staked.node_id }

/// WAL originally staked.
public fun principal(staked: &StakedWal): u64 { staked.principal }

/// First epoch in which the stake works.
public fun activation_epoch(staked: &StakedWal): u64 { staked.activation_epoch }

/// First epoch it can be withdrawn (0: no withdrawal requested).
public fun withdraw_epoch(staked: &StakedWal): u64 { staked.withdraw_epoch }

/// Whether a withdrawal was requested.
public fun is_withdrawing(staked: &StakedWal): bool { staked.withdraw_epoch != 0 }

fun mul_div(a: u64, b: u64, c: u64): u64 {
    (((a as u128) * (b as u128) / (c as u128)) as u64)
}

// === Test-only helpers ===

/// Registers a node like `register_node` but without the proof of possession (network
/// address "127.0.0.1:0", no commission); `initial_stake` is active at once. For other modules' tests.
#[test_only]
public fun register_node_for_testing(
    system: &mut System,
    name: String,
    bls_public_key: vector<u8>,
    initial_stake: Coin<WAL>,
    ctx: &mut TxContext,
): NodeCap {
    let cap = new_node(
        system,
        name,
        std::string::utf8(b"127.0.0.1:0"),
        bls_public_key,
        0,
        ctx,
    );
    staking_pool::add_active_stake_for_testing(system.pool_mut(cap.node_id), initial_stake.into_balance());
    cap
}

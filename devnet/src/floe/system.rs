//! `floe::system`: epochs, the storage committee and its shards, prices, capacity, the fees
//! owed to each epoch's committee, the staking pools and the AdminCap's parameters.
//!
//! Handlers mirror the Move functions one to one; the `public(package)` functions other
//! modules call (`add_storage_fees`, `verify_quorum`, `slash_node`, …) are plain Rust
//! functions on the generated `System`, which the caller writes back after the call (as the
//! Move caller's `&mut System` would be changed in place). Their aborts are located in
//! `system`, where Move raises them.

use std::collections::HashMap;

use floe_sdk::move_types::{
    self, Balance, ID,
    events::{
        CapacityChanged, CapacityReleased, CapacityReserved, EpochAdvanced, EpochFeesSettled,
        ParameterChanged, ShardsGained, StorageFeesAdded, SystemCreated, WriteFeesAdded,
    },
    staking_pool::StakingPool,
    system::{AdminCap, System},
    wal::Treasury,
};
use sui_sdk_types::{Address, ExecutionError, TypeTag};

use super::args::{Clock, Obj};
use super::version;
use super::{
    TableTypes, abort_in, create_object, emit, staking_pool, table_add, table_contains, table_get,
    table_new, table_remove, table_update, wal_balance_type,
};
use crate::runtime::CallContext;

const MODULE: &str = "system";

const BPS: u64 = 10_000;

/// Pools `advance_epoch` can touch in one transaction, so at most this many nodes register.
pub const MAX_NODES: u64 = 256;

pub const INITIAL_STORAGE_PRICE_PER_MIB_EPOCH: u64 = 100_000;
pub const INITIAL_WRITE_PRICE_PER_MIB: u64 = 200_000;
/// Total capacity before the first committee votes: 1 TiB.
pub const INITIAL_TOTAL_CAPACITY: u64 = 1_099_511_627_776;

pub const DEFAULT_FEE_BURN_BPS: u64 = 1_000;
pub const DEFAULT_LICENSE_FEE_BPS: u64 = 500;
pub const DEFAULT_SLASH_BPS: u64 = 1_000;
/// All of a slash burned: a share paid to the other pools lets an operator of several nodes
/// gain from one node's slash (`system.move`, `set_slash_burn_bps`).
pub const DEFAULT_SLASH_BURN_BPS: u64 = 10_000;
pub const DEFAULT_MIN_STAKE_EPOCHS: u64 = 2;
pub const DEFAULT_EARLY_UNSTAKE_FEE_BPS: u64 = 500;
pub const DEFAULT_MAX_EPOCHS_AHEAD: u64 = 52;
pub const DEFAULT_MAX_COMMITTEE_SIZE: u64 = 100;

const MAX_FEE_BURN_BPS: u64 = 5_000;
const MAX_LICENSE_FEE_BPS: u64 = 5_000;
const MIN_SLASH_BPS: u64 = 1;
const MAX_SLASH_BPS: u64 = 5_000;
const MAX_SLASH_BURN_BPS: u64 = 10_000;
const MIN_CHALLENGE_WINDOW_MS: u64 = 1_000;
const MAX_MIN_STAKE_EPOCHS: u64 = 52;
const MAX_EARLY_UNSTAKE_FEE_BPS: u64 = 5_000;
const MIN_MAX_EPOCHS_AHEAD: u64 = 1;
const MAX_MAX_EPOCHS_AHEAD: u64 = 1_000;
const MIN_MAX_COMMITTEE_SIZE: u64 = 1;
/// Fewest shards the Red Stuff encoder supports (n = 3f + 1 with f ≥ 1).
pub const MIN_SHARDS: u16 = 4;

/// The abort codes of `floe::system`, generated from the Move source.
pub use floe_sdk::move_aborts::system::*;

include!(concat!(env!("OUT_DIR"), "/floe_system.rs"));

/// `sui::group_ops::EInvalidInput`: `bls12381::g1_from_bytes` of bytes that are not a point.
const E_GROUP_INVALID_INPUT: u64 = 1;

/// The DST of `sui::bls12381::bls12381_min_pk_verify` (signatures hashed to G2).
pub const BLS_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

/// An abort raised in `floe::system` (also when another module's function called into it).
fn abort(code: u64) -> ExecutionError {
    abort_in(MODULE, code)
}

fn fees_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: wal_balance_type(),
    }
}

fn bls_keys_types() -> TableTypes {
    TableTypes {
        key: TypeTag::Vector(Box::new(TypeTag::U8)),
        value: super::id_type(),
    }
}

// ----- init and create_system -----

/// `system::init`: the `AdminCap` to the sender (the publisher). Returns its ID.
pub fn init(ctx: &mut CallContext<'_>) -> Result<Address, ExecutionError> {
    let id = ctx.fresh_id();
    let cap = AdminCap::new(move_types::uid(id), None);
    create_object(ctx, true, &cap)?;
    let sender = ctx.sender();
    ctx.transfer(id, sender)?;
    Ok(id)
}

fn create_system(
    ctx: &mut CallContext<'_>,
    mut cap: Obj<AdminCap>,
    n_shards: u16,
    epoch_duration_ms: u64,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    if cap.system_id.is_some() {
        return Err(ctx.abort(E_SYSTEM_ALREADY_CREATED));
    }
    if n_shards < MIN_SHARDS {
        return Err(ctx.abort(E_INVALID_SHARD_COUNT));
    }
    if epoch_duration_ms == 0 {
        return Err(ctx.abort(E_INVALID_EPOCH_DURATION));
    }
    let n = u64::from(n_shards);
    let window = if epoch_duration_ms / 2 == 0 {
        1
    } else {
        epoch_duration_ms / 2
    };
    let max_committee = n.min(DEFAULT_MAX_COMMITTEE_SIZE);
    let now = ctx.timestamp_ms();
    // Field order of the Move struct literal: the System's UID, then its three tables.
    let id = ctx.fresh_id();
    cap.system_id = Some(move_types::id(id));
    cap.save(ctx)?;
    let pools = table_new(ctx);
    let bls_keys = table_new(ctx);
    let fees = table_new(ctx);
    let system = System::new(
        move_types::uid(id),
        super::version::VERSION,
        0,
        now,
        epoch_duration_ms,
        n_shards,
        vec![],
        vec![],
        vec![],
        INITIAL_STORAGE_PRICE_PER_MIB_EPOCH,
        INITIAL_WRITE_PRICE_PER_MIB,
        0,
        INITIAL_TOTAL_CAPACITY,
        DEFAULT_FEE_BURN_BPS,
        DEFAULT_LICENSE_FEE_BPS,
        DEFAULT_SLASH_BPS,
        DEFAULT_SLASH_BURN_BPS,
        window,
        DEFAULT_MIN_STAKE_EPOCHS,
        DEFAULT_EARLY_UNSTAKE_FEE_BPS,
        DEFAULT_MAX_EPOCHS_AHEAD,
        max_committee,
        pools,
        vec![],
        bls_keys,
        fees,
        vec![],
    );
    create_object(ctx, false, &system)?;
    emit(
        ctx,
        &SystemCreated {
            system_id: move_types::id(id),
            n_shards,
            epoch_duration_ms,
            epoch_start_ms: now,
            storage_price_per_mib_epoch: INITIAL_STORAGE_PRICE_PER_MIB_EPOCH,
            write_price_per_mib: INITIAL_WRITE_PRICE_PER_MIB,
            total_capacity: INITIAL_TOTAL_CAPACITY,
        },
    )?;
    ctx.share(id)?;
    Ok(())
}

// ----- reads -----

/// `committee_shard_counts`: shards per member, in committee order.
pub fn shard_counts(system: &System) -> Vec<u16> {
    system
        .committee_shards
        .iter()
        .map(|shards| u16::try_from(shards.len()).expect("at most n_shards: u16 shards"))
        .collect()
}

/// `node_shards`: the shards `node_id` holds this epoch (empty outside the committee).
pub fn shards_of(system: &System, node_id: Address) -> Vec<u16> {
    system
        .committee
        .iter()
        .position(|id| move_types::address_of(id) == node_id)
        .map(|k| system.committee_shards[k].clone())
        .unwrap_or_default()
}

/// `node_pending_shards`: the shards `node_id` gained at this epoch's start and has not
/// signalled holding (empty outside the committee).
pub fn pending_shards_of(system: &System, node_id: Address) -> Vec<u16> {
    committee_index(system, node_id)
        .map(|k| system.pending_shards[k].clone())
        .unwrap_or_default()
}

/// `node_challengeable_shards`: the shards `node_id` holds minus those pending sync.
pub fn challengeable_shards_of(system: &System, node_id: Address) -> Vec<u16> {
    committee_index(system, node_id)
        .map(|k| {
            let pending = &system.pending_shards[k];
            system.committee_shards[k]
                .iter()
                .copied()
                .filter(|shard| !pending.contains(shard))
                .collect()
        })
        .unwrap_or_default()
}

fn committee_index(system: &System, node_id: Address) -> Option<usize> {
    system
        .committee
        .iter()
        .position(|id| move_types::address_of(id) == node_id)
}

/// `mark_synced`: clears `node_id`'s pending shards for `epoch` and returns them. Aborts
/// `ENotCommitteeMember`, `EWrongSyncEpoch`, `ENoPendingShards`.
pub fn mark_synced(
    system: &mut System,
    node_id: Address,
    epoch: u64,
) -> Result<Vec<u16>, ExecutionError> {
    let k = committee_index(system, node_id).ok_or_else(|| abort(E_NOT_COMMITTEE_MEMBER))?;
    if epoch != system.epoch {
        return Err(abort(E_WRONG_SYNC_EPOCH));
    }
    if system.pending_shards[k].is_empty() {
        return Err(abort(E_NO_PENDING_SHARDS));
    }
    Ok(std::mem::take(&mut system.pending_shards[k]))
}

/// `gained_shards`: per new member, the shards it holds in `shards` that another node of the
/// current (ending) committee holds now; nothing when the current committee is empty.
fn gained_shards(system: &System, committee: &[Address], shards: &[Vec<u16>]) -> Vec<Vec<u16>> {
    let mut previous_holder: HashMap<u16, Address> = HashMap::new();
    for (member, held) in system.committee.iter().zip(&system.committee_shards) {
        for shard in held {
            previous_holder.insert(*shard, move_types::address_of(member));
        }
    }
    committee
        .iter()
        .zip(shards)
        .map(|(member, held)| {
            held.iter()
                .copied()
                .filter(|shard| {
                    previous_holder
                        .get(shard)
                        .is_some_and(|before| before != member)
                })
                .collect()
        })
        .collect()
}

/// `is_committee_member`.
pub fn in_committee(system: &System, node_id: Address) -> bool {
    system
        .committee
        .iter()
        .any(|id| move_types::address_of(id) == node_id)
}

/// `is_registered`: whether `System.pools` holds `node_id`.
pub fn has_pool(
    ctx: &mut CallContext<'_>,
    system: &System,
    node_id: Address,
) -> Result<bool, ExecutionError> {
    table_contains(
        ctx,
        &system.pools,
        &staking_pool::pools_types(),
        &move_types::id(node_id),
    )
}

/// `system::pool` (by value): the pool of a registered node. Aborts `ENodeNotFound`.
pub fn pool(
    ctx: &mut CallContext<'_>,
    system: &System,
    node_id: Address,
) -> Result<StakingPool, ExecutionError> {
    if !has_pool(ctx, system, node_id)? {
        return Err(abort(E_NODE_NOT_FOUND));
    }
    table_get(
        ctx,
        &system.pools,
        &staking_pool::pools_types(),
        &move_types::id(node_id),
    )
}

/// `system::pool_mut`: lets `f` change a registered node's pool and stores it back.
/// Aborts `ENodeNotFound`.
pub fn update_pool<R>(
    ctx: &mut CallContext<'_>,
    system: &System,
    node_id: Address,
    f: impl FnOnce(&mut CallContext<'_>, &mut StakingPool) -> Result<R, ExecutionError>,
) -> Result<R, ExecutionError> {
    let mut pool = pool(ctx, system, node_id)?;
    let result = f(ctx, &mut pool)?;
    super::table_set(
        ctx,
        &system.pools,
        &staking_pool::pools_types(),
        &move_types::id(node_id),
        &pool,
    )?;
    Ok(result)
}

/// `fees_for_epoch`.
pub fn epoch_fees(
    ctx: &mut CallContext<'_>,
    system: &System,
    epoch: u64,
) -> Result<u64, ExecutionError> {
    if table_contains(ctx, &system.fees, &fees_types(), &epoch)? {
        let balance: Balance<move_types::wal::WAL> =
            table_get(ctx, &system.fees, &fees_types(), &epoch)?;
        Ok(balance.value)
    } else {
        Ok(0)
    }
}

// ----- parameters -----

/// The shared part of every setter `set_x(self: &mut System, cap: &AdminCap, value: u64)`:
/// checks the bounds `check` gives for the system, sets the field and emits
/// `ParameterChanged` with the Move field name.
fn set_parameter(
    ctx: &mut CallContext<'_>,
    (mut system, cap, value): (Obj<System>, Obj<AdminCap>, u64),
    name: &str,
    in_bounds: impl FnOnce(&System, u64) -> bool,
    field: impl FnOnce(&mut System) -> &mut u64,
) -> Result<(), ExecutionError> {
    version::assert_current(system.version)?;
    // `assert_admin`: only the cap that created this System tunes it.
    if cap.system_id != Some(move_types::id(system.id)) {
        return Err(ctx.abort(E_WRONG_ADMIN_CAP));
    }
    if !in_bounds(&system, value) {
        return Err(ctx.abort(E_PARAMETER_OUT_OF_BOUNDS));
    }
    let epoch = system.epoch;
    let slot = field(&mut system);
    let old = std::mem::replace(slot, value);
    system.save(ctx)?;
    emit(
        ctx,
        &ParameterChanged {
            name: name.as_bytes().to_vec(),
            old_value: old,
            new_value: value,
            epoch,
        },
    )?;
    Ok(())
}

// ----- epoch change -----

/// `advance_epoch`, which is `public(package)`: `challenge::advance_epoch` calls it after settling
/// the ending epoch's challenges. Settles the ending epoch's fees, moves every pool into the next
/// epoch, selects the committee, assigns shards and takes the quorum votes (see the Move module
/// doc). The caller checks the versions and writes both objects back. Aborts `EEpochNotOver` (in
/// `system`, where Move raises it).
pub fn next_epoch(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    treasury: &mut Treasury,
) -> Result<(), ExecutionError> {
    let now = ctx.timestamp_ms();
    if now < system.epoch_start_ms + system.epoch_duration_ms {
        return Err(abort(E_EPOCH_NOT_OVER));
    }
    let ending = system.epoch;
    settle_fees(ctx, system, treasury, ending)?;

    let next = ending + 1;
    // Every pool enters the next epoch; keep them for selection and votes.
    let mut pools: HashMap<Address, StakingPool> = HashMap::new();
    for node in system.pool_ids.clone() {
        let node_id = move_types::address_of(&node);
        let pool = table_update(
            ctx,
            &system.pools,
            &staking_pool::pools_types(),
            &node,
            |pool: &mut StakingPool| pool.clone(),
        )?;
        let mut pool = pool;
        if staking_pool::advance(ctx, &mut pool, next)? {
            super::table_set(
                ctx,
                &system.pools,
                &staking_pool::pools_types(),
                &node,
                &pool,
            )?;
        }
        pools.insert(node_id, pool);
    }

    let candidates: Vec<(Address, u64)> = system
        .pool_ids
        .iter()
        .map(|node| {
            let node_id = move_types::address_of(node);
            (node_id, pools.get(&node_id).map_or(0, |p| p.active.value))
        })
        .collect();
    let (committee, stakes) = select_committee(
        u64::from(system.n_shards),
        system.max_committee_size,
        &candidates,
    );
    let n = u64::from(system.n_shards);
    let counts = assign_shards(n, &stakes)?;
    let mut committee_shards = Vec::with_capacity(committee.len());
    let mut next_shard: u64 = 0;
    let mut committee_stake: u64 = 0;
    for (k, count) in counts.iter().enumerate() {
        let shards: Vec<u16> = (next_shard..next_shard + count)
            .map(|s| u16::try_from(s).expect("shard indices are below n_shards: u16"))
            .collect();
        next_shard += count;
        committee_shards.push(shards);
        committee_stake += stakes[k];
    }

    if !committee.is_empty() {
        let members: Vec<&StakingPool> = committee
            .iter()
            .map(|id| {
                pools
                    .get(id)
                    .expect("committee members are registered pools")
            })
            .collect();
        let storage_votes = members.iter().map(|p| p.storage_price_vote).collect();
        let write_votes = members.iter().map(|p| p.write_price_vote).collect();
        let capacity_votes = members.iter().map(|p| p.capacity_vote).collect();
        system.storage_price_per_mib_epoch = quorum_value(storage_votes, &counts, n, true);
        system.write_price_per_mib = quorum_value(write_votes, &counts, n, true);
        system.total_capacity = quorum_value(capacity_votes, &counts, n, false);
    }

    drop_ended_epoch_capacity(system);
    let pending_shards = gained_shards(system, &committee, &committee_shards);
    system.epoch = next;
    system.epoch_start_ms = now;
    system.committee = committee.iter().map(|a| move_types::id(*a)).collect();
    system.committee_shards = committee_shards;
    system.pending_shards = pending_shards;
    for (member, gained) in system.committee.iter().zip(&system.pending_shards) {
        if !gained.is_empty() {
            emit(
                ctx,
                &ShardsGained {
                    node_id: member.clone(),
                    epoch: next,
                    shards: gained.clone(),
                },
            )?;
        }
    }
    emit(
        ctx,
        &EpochAdvanced {
            epoch: next,
            epoch_start_ms: now,
            committee: system.committee.clone(),
            shard_counts: shard_counts(system),
            committee_stake,
            storage_price_per_mib_epoch: system.storage_price_per_mib_epoch,
            write_price_per_mib: system.write_price_per_mib,
            total_capacity: system.total_capacity,
            used_capacity: system.used_capacity,
        },
    )
}

/// `settle_fees`: pays the fees owed to `ending`'s committee: the burn share is burned, the
/// rest goes to the members' pools by shards; dust (or everything without a committee)
/// carries over to the next epoch.
fn settle_fees(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    treasury: &mut Treasury,
    ending: u64,
) -> Result<(), ExecutionError> {
    if !table_contains(ctx, &system.fees, &fees_types(), &ending)? {
        return Ok(());
    }
    let fees: Balance<move_types::wal::WAL> =
        table_remove(ctx, &mut system.fees, &fees_types(), &ending)?;
    let total = fees.value;
    let mut left = total;
    if system.committee.is_empty() {
        add_fees_to_epoch(ctx, system, ending + 1, left)?;
        return emit(
            ctx,
            &EpochFeesSettled {
                epoch: ending,
                total,
                burned: 0,
                distributed: 0,
                carried_over: total,
            },
        );
    }
    let burn_amount = mul_div(total, system.fee_burn_bps, BPS);
    left -= burn_amount;
    let burned =
        super::wal::burn_balance(ctx, treasury, burn_amount, super::wal::SOURCE_STORAGE_FEE)?;
    let to_pay = left;
    let n = u64::from(system.n_shards);
    let mut distributed: u64 = 0;
    for k in 0..system.committee.len() {
        let held = u64::try_from(system.committee_shards[k].len()).expect("usize fits u64");
        let share = mul_div(to_pay, held, n);
        if share > 0 {
            let node_id = move_types::address_of(&system.committee[k]);
            left -= share;
            update_pool(ctx, system, node_id, |ctx, pool| {
                staking_pool::add_reward(ctx, pool, share, ending)
            })?;
            distributed += share;
        }
    }
    let carried_over = left;
    add_fees_to_epoch(ctx, system, ending + 1, left)?;
    emit(
        ctx,
        &EpochFeesSettled {
            epoch: ending,
            total,
            burned,
            distributed,
            carried_over,
        },
    )
}

/// `add_fees_to_epoch`: credits `amount` to `epoch`'s committee (nothing for zero).
fn add_fees_to_epoch(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    epoch: u64,
    amount: u64,
) -> Result<(), ExecutionError> {
    if amount == 0 {
        return Ok(());
    }
    if table_contains(ctx, &system.fees, &fees_types(), &epoch)? {
        table_update(
            ctx,
            &system.fees,
            &fees_types(),
            &epoch,
            |b: &mut Balance<move_types::wal::WAL>| b.value += amount,
        )
    } else {
        table_add(
            ctx,
            &mut system.fees,
            &fees_types(),
            &epoch,
            &Balance::<move_types::wal::WAL>::new(amount),
        )
    }
}

/// `select_committee`: the pools with active stake, most stake first (ties: lower node
/// ID), at most min(max_committee_size, n_shards), returned ordered by node ID with their
/// stakes. `candidates` are the registered pools in registration order.
pub fn select_committee(
    n_shards: u64,
    max_committee_size: u64,
    candidates: &[(Address, u64)],
) -> (Vec<Address>, Vec<u64>) {
    let max = usize::try_from(max_committee_size.min(n_shards)).unwrap_or(usize::MAX);
    let mut top: Vec<(Address, u64)> = Vec::new();
    for &(id, stake) in candidates {
        if stake == 0 {
            continue;
        }
        let mut j = 0;
        while j < top.len() && !ranks_before(stake, id, top[j].1, top[j].0) {
            j += 1;
        }
        if j < max {
            top.insert(j, (id, stake));
            if top.len() > max {
                top.pop();
            }
        }
    }
    // Ordered by node ID; IDs are distinct, so any stable order agrees with the Move
    // insertion sort.
    top.sort_by(|a, b| id_cmp(&a.0, &b.0));
    top.into_iter().unzip()
}

/// More stake, then lower ID.
fn ranks_before(stake_a: u64, id_a: Address, stake_b: u64, id_b: Address) -> bool {
    stake_a > stake_b || (stake_a == stake_b && id_cmp(&id_a, &id_b).is_lt())
}

/// `id_lt` as an ordering: addresses as `u256` are their bytes read big-endian, so the
/// numeric order is the byte order.
fn id_cmp(a: &Address, b: &Address) -> std::cmp::Ordering {
    a.as_bytes().cmp(b.as_bytes())
}

/// `assign_shards`: one shard per member, the other `n - m` by stake with the largest
/// remainder method (ties: lower index). Aborts `ECommitteeTooLarge` when m > n.
pub fn assign_shards(n: u64, stakes: &[u64]) -> Result<Vec<u64>, ExecutionError> {
    let m = u64::try_from(stakes.len()).expect("usize fits u64");
    if m > n {
        return Err(abort(E_COMMITTEE_TOO_LARGE));
    }
    if m == 0 {
        return Ok(vec![]);
    }
    let total: u128 = stakes.iter().map(|s| u128::from(*s)).sum();
    let spare = u128::from(n - m);
    let mut counts = Vec::with_capacity(stakes.len());
    let mut remainders = Vec::with_capacity(stakes.len());
    let mut assigned = m;
    for &stake in stakes {
        let scaled = spare * u128::from(stake);
        let quota = u64::try_from(scaled / total).expect("a quota is at most n - m");
        counts.push(1 + quota);
        remainders.push(scaled % total);
        assigned += quota;
    }
    let mut bumped = vec![false; stakes.len()];
    let mut left = n - assigned;
    while left > 0 {
        let mut best = stakes.len();
        let mut best_remainder: u128 = 0;
        for k in 0..stakes.len() {
            if !bumped[k] && (best == stakes.len() || remainders[k] > best_remainder) {
                best = k;
                best_remainder = remainders[k];
            }
        }
        bumped[best] = true;
        counts[best] += 1;
        left -= 1;
    }
    Ok(counts)
}

/// `quorum_value`: ascending, the lowest vote that members holding ≥ 2/3 of the shards
/// voted at or below; descending, the highest vote that members holding ≥ 2/3 voted at or
/// above. Needs ≥ 1 member. The insertion sort is stable, as Move's is, so equal votes keep
/// committee order.
pub fn quorum_value(mut votes: Vec<u64>, counts: &[u64], n: u64, ascending: bool) -> u64 {
    let m = votes.len();
    let mut weights = counts.to_vec();
    for a in 1..m {
        let mut b = a;
        while b > 0
            && (if ascending {
                votes[b] < votes[b - 1]
            } else {
                votes[b] > votes[b - 1]
            })
        {
            votes.swap(b, b - 1);
            weights.swap(b, b - 1);
            b -= 1;
        }
    }
    let mut acc: u64 = 0;
    let mut k = 0;
    while k + 1 < m {
        acc += weights[k];
        if 3 * acc >= 2 * n {
            return votes[k];
        }
        k += 1;
    }
    votes[m - 1]
}

fn mul_div(a: u64, b: u64, c: u64) -> u64 {
    // In every caller b ≤ c (bps ≤ 10 000, a member's shards ≤ n), so the quotient ≤ a.
    u64::try_from(u128::from(a) * u128::from(b) / u128::from(c))
        .expect("b ≤ c in every caller, so the quotient is at most a")
}

// ----- called by other modules of the package -----

/// `add_storage_fees`: `fees` spread evenly over `[start_epoch, end_epoch)`, the rounding
/// remainder to the last. Emits `StorageFeesAdded`. Aborts `EInvalidEpochRange`.
pub fn add_storage_fees(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    fees: u64,
    start_epoch: u64,
    end_epoch: u64,
) -> Result<(), ExecutionError> {
    if !(start_epoch >= system.epoch && end_epoch > start_epoch) {
        return Err(abort(E_INVALID_EPOCH_RANGE));
    }
    let amount = fees;
    let per_epoch = amount / (end_epoch - start_epoch);
    let mut left = amount;
    for e in start_epoch..end_epoch {
        let part = if e + 1 == end_epoch { left } else { per_epoch };
        left -= part;
        add_fees_to_epoch(ctx, system, e, part)?;
    }
    emit(
        ctx,
        &StorageFeesAdded {
            start_epoch,
            end_epoch,
            amount,
        },
    )
}

/// `add_write_fees`: credited to the current epoch's committee. Emits `WriteFeesAdded`.
pub fn add_write_fees(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    fees: u64,
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    add_fees_to_epoch(ctx, system, epoch, fees)?;
    emit(
        ctx,
        &WriteFeesAdded {
            epoch,
            amount: fees,
        },
    )
}

/// `used_capacity_at`: encoded bytes reserved for `epoch` (0 once it has ended, and for epochs
/// no storage covers).
pub fn capacity_used_at(system: &System, epoch: u64) -> u64 {
    if epoch < system.epoch {
        return 0;
    }
    if epoch == system.epoch {
        return system.used_capacity;
    }
    usize::try_from(epoch - system.epoch - 1)
        .ok()
        .and_then(|k| system.future_used_capacity.get(k).copied())
        .unwrap_or(0)
}

/// `drop_ended_epoch_capacity`: the next epoch's reservations become `used_capacity`, the
/// ending epoch's are dropped.
pub fn drop_ended_epoch_capacity(system: &mut System) {
    system.used_capacity = if system.future_used_capacity.is_empty() {
        0
    } else {
        system.future_used_capacity.remove(0)
    };
}

/// `reserve_capacity`: `encoded_bytes` in each epoch of `[start_epoch, end_epoch)`. Emits
/// `CapacityReserved` and `CapacityChanged`. Aborts `EInvalidEpochRange`, `ECapacityExceeded`.
pub fn reserve_capacity(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    encoded_bytes: u64,
    start_epoch: u64,
    end_epoch: u64,
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    if !(start_epoch >= epoch
        && end_epoch > start_epoch
        && end_epoch - epoch <= system.max_epochs_ahead)
    {
        return Err(abort(E_INVALID_EPOCH_RANGE));
    }
    let Some(limit) = system.total_capacity.checked_sub(encoded_bytes) else {
        return Err(abort(E_CAPACITY_EXCEEDED));
    };
    let needed =
        usize::try_from(end_epoch - epoch - 1).expect("at most MAX_MAX_EPOCHS_AHEAD entries");
    if system.future_used_capacity.len() < needed {
        system.future_used_capacity.resize(needed, 0);
    }
    for e in start_epoch..end_epoch {
        let used = if e == epoch {
            &mut system.used_capacity
        } else {
            let k = usize::try_from(e - epoch - 1).expect("below `needed`");
            &mut system.future_used_capacity[k]
        };
        if *used > limit {
            return Err(abort(E_CAPACITY_EXCEEDED));
        }
        *used += encoded_bytes;
    }
    emit(
        ctx,
        &CapacityReserved {
            epoch,
            start_epoch,
            end_epoch,
            encoded_bytes,
        },
    )?;
    emit(
        ctx,
        &CapacityChanged {
            epoch,
            used_capacity: system.used_capacity,
            total_capacity: system.total_capacity,
        },
    )
}

/// `release_capacity`: gives back `encoded_bytes` in each epoch of `[start_epoch, end_epoch)`
/// that has not ended, never below zero, and drops emptied trailing entries. Emits
/// `CapacityReleased` and `CapacityChanged` unless the whole range had ended.
pub fn release_capacity(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    encoded_bytes: u64,
    start_epoch: u64,
    end_epoch: u64,
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    if end_epoch <= epoch || start_epoch >= end_epoch {
        return Ok(());
    }
    let released_from = start_epoch.max(epoch);
    for e in released_from..end_epoch {
        if e == epoch {
            system.used_capacity = system.used_capacity.saturating_sub(encoded_bytes);
        } else if let Some(used) = usize::try_from(e - epoch - 1)
            .ok()
            .and_then(|k| system.future_used_capacity.get_mut(k))
        {
            *used = used.saturating_sub(encoded_bytes);
        }
    }
    while system.future_used_capacity.last() == Some(&0) {
        system.future_used_capacity.pop();
    }
    emit(
        ctx,
        &CapacityReleased {
            epoch,
            start_epoch: released_from,
            end_epoch,
            encoded_bytes,
        },
    )?;
    emit(
        ctx,
        &CapacityChanged {
            epoch,
            used_capacity: system.used_capacity,
            total_capacity: system.total_capacity,
        },
    )
}

/// `verify_quorum`: `signers` are strictly increasing committee indices holding at least
/// 2f + 1 shards, and `signature` is a min_pk BLS signature of `message` under the sum of
/// their keys. Aborts `EInvalidSigners`, `ENotEnoughShards`, `EInvalidSignature`.
pub fn verify_quorum(
    ctx: &mut CallContext<'_>,
    system: &System,
    signers: &[u16],
    signature: &[u8],
    message: &[u8],
) -> Result<(), ExecutionError> {
    let members = system.committee.len();
    let mut shards: u64 = 0;
    for (i, signer) in signers.iter().enumerate() {
        let idx = usize::from(*signer);
        if idx >= members {
            return Err(abort(E_INVALID_SIGNERS));
        }
        if !(i == 0 || signers[i - 1] < *signer) {
            return Err(abort(E_INVALID_SIGNERS));
        }
        shards += u64::try_from(system.committee_shards[idx].len()).expect("usize fits u64");
    }
    let n = u64::from(system.n_shards);
    let f = (n - 1) / 3;
    if shards < 2 * f + 1 {
        return Err(abort(E_NOT_ENOUGH_SHARDS));
    }
    let mut keys = Vec::with_capacity(signers.len());
    for signer in signers {
        let node_id = move_types::address_of(&system.committee[usize::from(*signer)]);
        let member = pool(ctx, system, node_id)?;
        // `g1_from_bytes` aborts on bytes that are not a G1 point (registered keys passed
        // a proof of possession, so they always are).
        let key = blst::min_pk::PublicKey::key_validate(&member.bls_public_key).map_err(|_| {
            CallContext::framework_abort("group_ops", "from_bytes", E_GROUP_INVALID_INPUT)
        })?;
        keys.push(key);
    }
    if !aggregate_verify(&keys, signature, message) {
        return Err(abort(E_INVALID_SIGNATURE));
    }
    Ok(())
}

/// `bls12381_min_pk_verify(signature, g1_add(keys…), message)`.
fn aggregate_verify(keys: &[blst::min_pk::PublicKey], signature: &[u8], message: &[u8]) -> bool {
    let refs: Vec<&blst::min_pk::PublicKey> = keys.iter().collect();
    let Ok(aggregate) = blst::min_pk::AggregatePublicKey::aggregate(&refs, false) else {
        return false;
    };
    let key = aggregate.to_public_key();
    min_pk_verify(signature, &key.to_bytes(), message)
}

/// `sui::bls12381::bls12381_min_pk_verify`: false for a signature or key that does not
/// decode to a valid subgroup point, or that does not verify.
pub fn min_pk_verify(signature: &[u8], public_key: &[u8], message: &[u8]) -> bool {
    let Ok(sig) = blst::min_pk::Signature::sig_validate(signature, true) else {
        return false;
    };
    let Ok(pk) = blst::min_pk::PublicKey::key_validate(public_key) else {
        return false;
    };
    sig.verify(true, message, BLS_DST, &[], &pk, true) == blst::BLST_ERROR::BLST_SUCCESS
}

/// `slash_node`: `slash_bps` of `at_risk` (the node's active stake when the fault happened),
/// at most of its active stake now, every staker losing pro rata; returns the amount taken
/// (the caller owns it as a balance). Emits `PoolSlashed`. Aborts `ENodeNotFound`.
pub fn slash_node(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    node_id: Address,
    at_risk: u64,
) -> Result<u64, ExecutionError> {
    let bps = system.slash_bps;
    let epoch = system.epoch;
    update_pool(ctx, system, node_id, |ctx, pool| {
        staking_pool::slash(ctx, pool, bps, at_risk, epoch)
    })
}

/// `reward_other_members`: pays `reward` to the current committee members other than
/// `excluded` by the shards they hold (`PoolRewarded` each); returns what is left (the
/// rounding dust, or everything when no other member holds shards).
pub fn reward_other_members(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    reward: u64,
    excluded: Address,
) -> Result<u64, ExecutionError> {
    let excluded = move_types::id(excluded);
    let other_shards: u64 = system
        .committee
        .iter()
        .zip(&system.committee_shards)
        .filter(|(id, _)| **id != excluded)
        .map(|(_, shards)| u64::try_from(shards.len()).expect("usize fits u64"))
        .sum();
    if other_shards == 0 {
        return Ok(reward);
    }
    let epoch = system.epoch;
    let mut left = reward;
    for k in 0..system.committee.len() {
        if system.committee[k] == excluded {
            continue;
        }
        let held = u64::try_from(system.committee_shards[k].len()).expect("usize fits u64");
        let share = mul_div(reward, held, other_shards);
        if share > 0 {
            left -= share;
            let node_id = move_types::address_of(&system.committee[k]);
            update_pool(ctx, system, node_id, |ctx, pool| {
                staking_pool::add_reward(ctx, pool, share, epoch)
            })?;
        }
    }
    Ok(left)
}

/// `add_pool`: a newly registered node's pool. Aborts `EDuplicateBlsKey`, `ETooManyNodes`.
pub fn add_pool(
    ctx: &mut CallContext<'_>,
    system: &mut System,
    pool: &StakingPool,
) -> Result<(), ExecutionError> {
    if u64::try_from(system.pool_ids.len()).expect("usize fits u64") >= MAX_NODES {
        return Err(abort(E_TOO_MANY_NODES));
    }
    let key = pool.bls_public_key.clone();
    if table_contains(ctx, &system.bls_keys, &bls_keys_types(), &key)? {
        return Err(abort(E_DUPLICATE_BLS_KEY));
    }
    let node_id = pool.id.id.clone();
    table_add(ctx, &mut system.bls_keys, &bls_keys_types(), &key, &node_id)?;
    system.pool_ids.push(node_id.clone());
    table_add(
        ctx,
        &mut system.pools,
        &staking_pool::pools_types(),
        &node_id,
        pool,
    )
}

// ----- reads -----

fn used_capacity_at(
    _ctx: &mut CallContext<'_>,
    system: Obj<System>,
    epoch: u64,
) -> Result<u64, ExecutionError> {
    Ok(capacity_used_at(&system, epoch))
}

fn committee_shard_counts(
    _ctx: &mut CallContext<'_>,
    system: Obj<System>,
) -> Result<Vec<u16>, ExecutionError> {
    Ok(shard_counts(&system))
}

fn node_pending_shards(
    _ctx: &mut CallContext<'_>,
    system: Obj<System>,
    node_id: ID,
) -> Result<Vec<u16>, ExecutionError> {
    Ok(pending_shards_of(&system, move_types::address_of(&node_id)))
}

fn node_challengeable_shards(
    _ctx: &mut CallContext<'_>,
    system: Obj<System>,
    node_id: ID,
) -> Result<Vec<u16>, ExecutionError> {
    Ok(challengeable_shards_of(
        &system,
        move_types::address_of(&node_id),
    ))
}

fn is_committee_member(
    _ctx: &mut CallContext<'_>,
    system: Obj<System>,
    node_id: ID,
) -> Result<bool, ExecutionError> {
    Ok(in_committee(&system, move_types::address_of(&node_id)))
}

fn node_shards(
    _ctx: &mut CallContext<'_>,
    system: Obj<System>,
    node_id: ID,
) -> Result<Vec<u16>, ExecutionError> {
    Ok(shards_of(&system, move_types::address_of(&node_id)))
}

fn is_registered(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    node_id: ID,
) -> Result<bool, ExecutionError> {
    has_pool(ctx, &system, move_types::address_of(&node_id))
}

fn node_count(_ctx: &mut CallContext<'_>, system: Obj<System>) -> Result<u64, ExecutionError> {
    Ok(system.pool_ids.len() as u64)
}

fn node_bls_public_key(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    node_id: ID,
) -> Result<Vec<u8>, ExecutionError> {
    Ok(pool(ctx, &system, move_types::address_of(&node_id))?.bls_public_key)
}

fn node_stake(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    node_id: ID,
) -> Result<u64, ExecutionError> {
    Ok(pool(ctx, &system, move_types::address_of(&node_id))?
        .active
        .value)
}

fn fees_for_epoch(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    epoch: u64,
) -> Result<u64, ExecutionError> {
    epoch_fees(ctx, &system, epoch)
}

fn max_nodes(_ctx: &mut CallContext<'_>) -> Result<u64, ExecutionError> {
    Ok(MAX_NODES)
}

// ----- parameter setters: `set_x(self: &mut System, cap: &AdminCap, value: u64)` -----

/// `set_fee_burn_bps`: at most `MAX_FEE_BURN_BPS`.
fn set_fee_burn_bps(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "fee_burn_bps",
        |_, v| v <= MAX_FEE_BURN_BPS,
        |s| &mut s.fee_burn_bps,
    )
}

/// `set_license_fee_bps`: at most `MAX_LICENSE_FEE_BPS`.
fn set_license_fee_bps(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "license_fee_bps",
        |_, v| v <= MAX_LICENSE_FEE_BPS,
        |s| &mut s.license_fee_bps,
    )
}

/// `set_slash_bps`: within `MIN_SLASH_BPS..=MAX_SLASH_BPS`.
fn set_slash_bps(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "slash_bps",
        |_, v| (MIN_SLASH_BPS..=MAX_SLASH_BPS).contains(&v),
        |s| &mut s.slash_bps,
    )
}

/// `set_slash_burn_bps`: at most `MAX_SLASH_BURN_BPS`.
fn set_slash_burn_bps(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "slash_burn_bps",
        |_, v| v <= MAX_SLASH_BURN_BPS,
        |s| &mut s.slash_burn_bps,
    )
}

/// `set_challenge_window_ms`: at least `MIN_CHALLENGE_WINDOW_MS`, at most an epoch.
fn set_challenge_window_ms(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "challenge_window_ms",
        |s, v| v >= MIN_CHALLENGE_WINDOW_MS && v <= s.epoch_duration_ms,
        |s| &mut s.challenge_window_ms,
    )
}

/// `set_min_stake_epochs`: at most `MAX_MIN_STAKE_EPOCHS`.
fn set_min_stake_epochs(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "min_stake_epochs",
        |_, v| v <= MAX_MIN_STAKE_EPOCHS,
        |s| &mut s.min_stake_epochs,
    )
}

/// `set_early_unstake_fee_bps`: at most `MAX_EARLY_UNSTAKE_FEE_BPS`.
fn set_early_unstake_fee_bps(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "early_unstake_fee_bps",
        |_, v| v <= MAX_EARLY_UNSTAKE_FEE_BPS,
        |s| &mut s.early_unstake_fee_bps,
    )
}

/// `set_max_epochs_ahead`: within `MIN_MAX_EPOCHS_AHEAD..=MAX_MAX_EPOCHS_AHEAD`.
fn set_max_epochs_ahead(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "max_epochs_ahead",
        |_, v| (MIN_MAX_EPOCHS_AHEAD..=MAX_MAX_EPOCHS_AHEAD).contains(&v),
        |s| &mut s.max_epochs_ahead,
    )
}

/// `set_max_committee_size`: at least `MIN_MAX_COMMITTEE_SIZE`, at most the shard count and
/// `MAX_NODES`.
fn set_max_committee_size(
    ctx: &mut CallContext<'_>,
    system: Obj<System>,
    cap: Obj<AdminCap>,
    value: u64,
) -> Result<(), ExecutionError> {
    set_parameter(
        ctx,
        (system, cap, value),
        "max_committee_size",
        |s, v| {
            let upper = u64::from(s.n_shards).min(MAX_NODES);
            (MIN_MAX_COMMITTEE_SIZE..=upper).contains(&v)
        },
        |s| &mut s.max_committee_size,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_by_largest_remainder() {
        assert_eq!(
            assign_shards(7, &[10, 10, 10]).expect("fits"),
            vec![3, 2, 2]
        );
        assert_eq!(assign_shards(10, &[1]).expect("fits"), vec![10]);
        assert_eq!(
            assign_shards(4, &[5, 1, 1, 1]).expect("fits"),
            vec![1, 1, 1, 1]
        );
        assert_eq!(assign_shards(10, &[3, 1]).expect("fits"), vec![7, 3]);
        assert!(assign_shards(1, &[1, 1]).is_err());
    }

    #[test]
    fn quorum_values() {
        assert_eq!(quorum_value(vec![5, 1, 3], &[1, 1, 1], 3, true), 3);
        assert_eq!(quorum_value(vec![5, 1, 3], &[1, 1, 1], 3, false), 3);
        assert_eq!(quorum_value(vec![5, 1], &[3, 1], 4, true), 5);
        assert_eq!(quorum_value(vec![7], &[4], 4, false), 7);
    }

    #[test]
    fn committee_by_stake_then_id() {
        let a = Address::new([1; 32]);
        let b = Address::new([2; 32]);
        let c = Address::new([3; 32]);
        let (ids, stakes) = select_committee(2, 100, &[(c, 5), (a, 5), (b, 9)]);
        assert_eq!(ids, vec![a, b]);
        assert_eq!(stakes, vec![5, 9]);
        let (ids, _) = select_committee(10, 100, &[(c, 5), (a, 0), (b, 9)]);
        assert_eq!(ids, vec![b, c]);
    }
}

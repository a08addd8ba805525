/// The shared `System`: epochs, the storage committee and its shards, storage and write
/// prices, capacity, the fees owed to each epoch's committee, the staking pools, and the
/// protocol parameters an `AdminCap` may tune within fixed bounds.
///
/// The epoch changes through `challenge::advance_epoch`, permissionless once the epoch's
/// time is up and every challenge of the ending epoch is answered or past its deadline (it
/// slashes the missed ones first, so a slash never reaches stake that joins at the change);
/// it then calls `advance_epoch` here, which is package-internal for that reason
/// (`challenge` depends on `system`, never the reverse). `advance_epoch`
/// 1. settles the ending epoch's fees: the fee burn share is burned, the rest paid to the
///    ending committee's pools in proportion to their shards (rounding dust, or everything
///    when there was no committee, carries over to the next epoch);
/// 2. moves every pool into the new epoch (pending stake joins, requested withdrawals leave);
/// 3. picks the committee: the pools with the most active stake (ties: lower node ID first),
///    at most `max_committee_size` and never more than `n_shards`;
/// 4. assigns shards by stake: every member gets one shard, the other `n - m` are split in
///    proportion to stake by the largest remainder method (ties: committee order); members are
///    ordered by node ID and hold consecutive shard ranges in that order;
/// 5. sets each price to the lowest value that members holding at least 2/3 of the shards
///    voted at or below, and the total capacity to the highest value that members holding at
///    least 2/3 of the shards voted at or above;
/// 6. drops the capacity reserved for the epoch that ended;
/// 7. marks as pending, for each member, the shards it holds now that another node held in
///    the ending epoch (`ShardsGained`): the member must fetch their slivers and signal it
///    with `staking::epoch_sync_done` before `challenge::issue_challenges` may pick them. The
///    first committee gains nothing (nobody held data before it).
///
/// Capacity is accounted per epoch: reserving `b` encoded bytes for the epochs
/// `[start, end)` adds `b` to each of those epochs' used capacity, and aborts if any of them
/// would use more than the total capacity. Nothing has to be destroyed for capacity to come
/// back: an epoch's reservations are dropped when it ends, so storage that ends frees its
/// capacity by itself, and destroying a `Storage` early gives back only the epochs it still
/// covered. The current epoch's used capacity is `used_capacity`; the later epochs' are kept
/// in `future_used_capacity`, one entry per epoch up to the last one any storage covers (a
/// vector shifted by one at each epoch change rather than a fixed ring of `max_epochs_ahead`
/// slots, so the admin can change `max_epochs_ahead` without re-laying it out; it never has
/// more than `MAX_MAX_EPOCHS_AHEAD` entries, and no dynamic fields are touched per epoch).
module floe::system;

use floe::events;
use floe::staking_pool::StakingPool;
use floe::version;
use floe::wal::{Self, Treasury, WAL};
use sui::balance::Balance;
use sui::bls12381;
use sui::clock::Clock;
use sui::group_ops;
use sui::table::{Self, Table};

const BPS: u64 = 10_000;

/// Pools `advance_epoch` can touch in one transaction (objects and events per transaction
/// are limited), so at most this many nodes may register.
const MAX_NODES: u64 = 256;

// Initial values.
const INITIAL_STORAGE_PRICE_PER_MIB_EPOCH: u64 = 100_000;
const INITIAL_WRITE_PRICE_PER_MIB: u64 = 200_000;
/// Total capacity before the first committee votes: 1 TiB.
const INITIAL_TOTAL_CAPACITY: u64 = 1_099_511_627_776;

// Parameter defaults.
const DEFAULT_FEE_BURN_BPS: u64 = 1_000;
const DEFAULT_LICENSE_FEE_BPS: u64 = 500;
const DEFAULT_SLASH_BPS: u64 = 1_000;
/// All of a slash is burned by default: any part paid to the other committee pools would let
/// an operator of several nodes gain from one of its nodes' slash (see `set_slash_burn_bps`).
const DEFAULT_SLASH_BURN_BPS: u64 = 10_000;
const DEFAULT_MIN_STAKE_EPOCHS: u64 = 2;
const DEFAULT_EARLY_UNSTAKE_FEE_BPS: u64 = 500;
const DEFAULT_MAX_EPOCHS_AHEAD: u64 = 52;
const DEFAULT_MAX_COMMITTEE_SIZE: u64 = 100;

// Parameter bounds (inclusive).
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
const MIN_SHARDS: u16 = 4;

/// `create_system` was already called with this `AdminCap`.
/// Use its ID.
const ESystemAlreadyCreated: u64 = 0;
/// `n_shards` must be at least `MIN_SHARDS` (4), the fewest the encoder supports.
/// Create the system with 4 shards or more.
const EInvalidShardCount: u64 = 1;
/// `epoch_duration_ms` must be at least 1.
/// Give an epoch duration of at least 1 ms.
const EInvalidEpochDuration: u64 = 2;
/// The current epoch has not lasted `epoch_duration_ms` yet.
/// Try again later.
const EEpochNotOver: u64 = 3;
/// A parameter value outside its documented bounds.
/// Give a value within the parameter's documented bounds.
const EParameterOutOfBounds: u64 = 4;
/// No node is registered with this ID.
/// Check the node ID.
const ENodeNotFound: u64 = 5;
/// Not enough free capacity for the reservation.
/// Reserve less space or fewer epochs, or wait until storage ends and frees capacity.
const ECapacityExceeded: u64 = 6;
/// Fees or capacity for an epoch range that is empty or starts in the past, or capacity for
/// a range ending more than `max_epochs_ahead` epochs after the current one.
/// Start the range at the current epoch or later and end it at most max_epochs_ahead epochs ahead.
const EInvalidEpochRange: u64 = 7;
/// Signer indices are out of range or not strictly increasing.
/// Give committee indices in strictly increasing order.
const EInvalidSigners: u64 = 8;
/// The signers hold fewer than 2f + 1 shards.
/// Collect confirmations from nodes holding at least 2f+1 shards.
const ENotEnoughShards: u64 = 9;
/// The aggregate BLS signature does not verify.
/// Collect confirmations for the current epoch again.
const EInvalidSignature: u64 = 10;
/// More committee members than shards.
/// Give the committee at most as many members as shards.
const ECommitteeTooLarge: u64 = 11;
/// A node with this BLS public key is already registered.
/// Generate a new key for the node.
const EDuplicateBlsKey: u64 = 12;
/// `MAX_NODES` nodes are registered already.
/// Stake with a node already registered instead (floe stake).
const ETooManyNodes: u64 = 13;
/// The `AdminCap` did not create this `System`.
/// Use the AdminCap that created this System.
const EWrongAdminCap: u64 = 14;
/// The node is not in the current committee.
/// Check `floe status`.
const ENotCommitteeMember: u64 = 15;
/// The sync signal names an epoch other than the current one.
/// Read it from the System object.
const EWrongSyncEpoch: u64 = 16;
/// The node has no shards waiting for sync this epoch (none gained, or already signalled).
/// Nothing to do.
const ENoPendingShards: u64 = 17;

/// Lets its holder create the `System` once and tune that `System`'s parameters. Sent to the
/// publisher.
public struct AdminCap has key, store {
    id: UID,
    /// The `System` this cap created (none until `create_system`); the only one it tunes.
    system_id: Option<ID>,
}

/// Shared; the state of the storage network.
public struct System has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    epoch: u64,
    epoch_start_ms: u64,
    epoch_duration_ms: u64,
    n_shards: u16,
    /// Current committee, in shard-assignment order.
    committee: vector<ID>,
    /// `committee_shards[k]`: the shards `committee[k]` holds this epoch.
    committee_shards: vector<vector<u16>>,
    /// `pending_shards[k]`: the shards `committee[k]` gained at this epoch's start whose
    /// slivers it has not yet signalled holding (`staking::epoch_sync_done`); not challenged.
    pending_shards: vector<vector<u16>>,
    storage_price_per_mib_epoch: u64,
    write_price_per_mib: u64,
    /// Encoded bytes reserved for the current epoch.
    used_capacity: u64,
    total_capacity: u64,
    fee_burn_bps: u64,
    license_fee_bps: u64,
    slash_bps: u64,
    slash_burn_bps: u64,
    challenge_window_ms: u64,
    min_stake_epochs: u64,
    early_unstake_fee_bps: u64,
    max_epochs_ahead: u64,
    max_committee_size: u64,
    /// Every registered node's pool, keyed by node ID.
    pools: Table<ID, StakingPool>,
    /// Registered node IDs, in registration order.
    pool_ids: vector<ID>,
    /// Registered BLS public keys (no key twice).
    bls_keys: Table<vector<u8>, ID>,
    /// Fees owed to each epoch's committee, paid when that epoch ends.
    fees: Table<u64, Balance<WAL>>,
    /// Encoded bytes reserved for each epoch after the current one: entry `k` is epoch
    /// `epoch + 1 + k`. Ends at the last epoch any storage covers (no trailing zeros).
    future_used_capacity: vector<u64>,
}

fun init(ctx: &mut TxContext) {
    let cap = AdminCap { id: object::new(ctx), system_id: option::none() };
    transfer::public_transfer(cap, ctx.sender());
}

/// Creates and shares the `System` (epoch 0, starting now, no committee until the first
/// `advance_epoch`). Callable once per `AdminCap`. Emits `SystemCreated`.
/// Aborts `ESystemAlreadyCreated`, `EInvalidShardCount` (n < 4), `EInvalidEpochDuration` (0).
public fun create_system(
    cap: &mut AdminCap,
    n_shards: u16,
    epoch_duration_ms: u64,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    assert!(cap.system_id.is_none(), ESystemAlreadyCreated);
    assert!(n_shards >= MIN_SHARDS, EInvalidShardCount);
    assert!(epoch_duration_ms > 0, EInvalidEpochDuration);
    let n = (n_shards as u64);
    let window = if (epoch_duration_ms / 2 == 0) 1 else epoch_duration_ms / 2;
    let max_committee = if (n < DEFAULT_MAX_COMMITTEE_SIZE) n else DEFAULT_MAX_COMMITTEE_SIZE;
    let now = clock.timestamp_ms();
    let system = System {
        id: object::new(ctx),
        version: version::current(),
        epoch: 0,
        epoch_start_ms: now,
        epoch_duration_ms,
        n_shards,
        committee: vector[],
        committee_shards: vector[],
        pending_shards: vector[],
        storage_price_per_mib_epoch: INITIAL_STORAGE_PRICE_PER_MIB_EPOCH,
        write_price_per_mib: INITIAL_WRITE_PRICE_PER_MIB,
        used_capacity: 0,
        total_capacity: INITIAL_TOTAL_CAPACITY,
        fee_burn_bps: DEFAULT_FEE_BURN_BPS,
        license_fee_bps: DEFAULT_LICENSE_FEE_BPS,
        slash_bps: DEFAULT_SLASH_BPS,
        slash_burn_bps: DEFAULT_SLASH_BURN_BPS,
        challenge_window_ms: window,
        min_stake_epochs: DEFAULT_MIN_STAKE_EPOCHS,
        early_unstake_fee_bps: DEFAULT_EARLY_UNSTAKE_FEE_BPS,
        max_epochs_ahead: DEFAULT_MAX_EPOCHS_AHEAD,
        max_committee_size: max_committee,
        pools: table::new(ctx),
        pool_ids: vector[],
        bls_keys: table::new(ctx),
        fees: table::new(ctx),
        future_used_capacity: vector[],
    };
    cap.system_id = option::some(object::id(&system));
    events::emit_system_created(
        object::id(&system),
        n_shards,
        epoch_duration_ms,
        now,
        INITIAL_STORAGE_PRICE_PER_MIB_EPOCH,
        INITIAL_WRITE_PRICE_PER_MIB,
        INITIAL_TOTAL_CAPACITY,
    );
    transfer::share_object(system);
}

// === Reads ===

/// The current epoch number.
public fun epoch(self: &System): u64 { self.epoch }

/// When the current epoch started (Clock milliseconds).
public fun epoch_start_ms(self: &System): u64 { self.epoch_start_ms }

/// Minimum length of an epoch in milliseconds.
public fun epoch_duration_ms(self: &System): u64 { self.epoch_duration_ms }

/// Number of shards n.
public fun n_shards(self: &System): u16 { self.n_shards }

/// Price of storing one MiB of encoded size for one epoch, in WAL base units.
public fun storage_price_per_mib_epoch(self: &System): u64 { self.storage_price_per_mib_epoch }

/// Price of writing one MiB of encoded size, in WAL base units.
public fun write_price_per_mib(self: &System): u64 { self.write_price_per_mib }

/// Encoded bytes reserved for the current epoch.
public fun used_capacity(self: &System): u64 { self.used_capacity }

/// Encoded bytes reserved for `epoch`: 0 for an epoch that has ended (its capacity came back)
/// and for one no storage covers yet.
public fun used_capacity_at(self: &System, epoch: u64): u64 {
    if (epoch < self.epoch) return 0;
    if (epoch == self.epoch) return self.used_capacity;
    let k = epoch - self.epoch - 1;
    if (k < self.future_used_capacity.length()) self.future_used_capacity[k] else 0
}

/// Encoded bytes the committee offers.
public fun total_capacity(self: &System): u64 { self.total_capacity }

/// The current committee, in shard-assignment order.
public fun committee_node_ids(self: &System): vector<ID> { self.committee }

/// Number of shards each committee member holds, in committee order.
public fun committee_shard_counts(self: &System): vector<u16> {
    let mut counts = vector[];
    let mut k = 0;
    while (k < self.committee_shards.length()) {
        counts.push_back((self.committee_shards[k].length() as u16));
        k = k + 1;
    };
    counts
}

/// The shards `node_id` gained at this epoch's start and has not yet signalled holding
/// (empty if it is not in the committee).
public fun node_pending_shards(self: &System, node_id: ID): vector<u16> {
    let (found, k) = self.committee.index_of(&node_id);
    if (!found) return vector[];
    self.pending_shards[k]
}

/// The shards of `node_id` a challenge may pick this epoch: those it holds minus those
/// pending sync.
public fun node_challengeable_shards(self: &System, node_id: ID): vector<u16> {
    let (found, k) = self.committee.index_of(&node_id);
    if (!found) return vector[];
    let pending = &self.pending_shards[k];
    let mut shards = vector[];
    self.committee_shards[k].do_ref!(|shard| if (!pending.contains(shard)) shards.push_back(*shard));
    shards
}

/// Whether `node_id` is in the current committee.
public fun is_committee_member(self: &System, node_id: ID): bool {
    self.committee.contains(&node_id)
}

/// The shards `node_id` holds this epoch (empty if it is not in the committee).
public fun node_shards(self: &System, node_id: ID): vector<u16> {
    let (found, k) = self.committee.index_of(&node_id);
    if (!found) return vector[];
    self.committee_shards[k]
}

/// Whether a node is registered with this ID.
public fun is_registered(self: &System, node_id: ID): bool { self.pools.contains(node_id) }

/// Number of registered nodes.
public fun node_count(self: &System): u64 { self.pool_ids.length() }

/// Registered node IDs, in registration order.
public fun node_ids(self: &System): vector<ID> { self.pool_ids }

/// The staking pool of a registered node (name, votes, stake, shares, commission).
/// Aborts `ENodeNotFound`.
public fun pool(self: &System, node_id: ID): &StakingPool {
    assert!(self.pools.contains(node_id), ENodeNotFound);
    self.pools.borrow(node_id)
}

/// 48-byte compressed BLS12-381 G1 public key (min_pk) of a registered node.
/// Aborts `ENodeNotFound`.
public fun node_bls_public_key(self: &System, node_id: ID): vector<u8> {
    *self.pool(node_id).bls_public_key()
}

/// Active stake of a registered node's pool. Aborts `ENodeNotFound`.
public fun node_stake(self: &System, node_id: ID): u64 { self.pool(node_id).active_stake() }

/// Fees currently owed to the committee of `epoch`.
public fun fees_for_epoch(self: &System, epoch: u64): u64 {
    if (self.fees.contains(epoch)) self.fees.borrow(epoch).value() else 0
}

/// Share of each storage fee burned at settlement, in basis points (bounds 0..=5000).
public fun fee_burn_bps(self: &System): u64 { self.fee_burn_bps }

/// Protocol fee on license sales, burned, in basis points (bounds 0..=5000).
public fun license_fee_bps(self: &System): u64 { self.license_fee_bps }

/// Share of a pool's active stake a missed challenge costs, in basis points (1..=5000).
public fun slash_bps(self: &System): u64 { self.slash_bps }

/// Share of slashed stake burned, in basis points (0..=10000, default 10000); the rest goes to
/// the other committee members' pools.
public fun slash_burn_bps(self: &System): u64 { self.slash_burn_bps }

/// Time a node has to answer a challenge, in ms (1000..=epoch_duration_ms).
public fun challenge_window_ms(self: &System): u64 { self.challenge_window_ms }

/// Epochs stake must work before withdrawing without the early unstake fee (0..=52).
public fun min_stake_epochs(self: &System): u64 { self.min_stake_epochs }

/// Fee on early withdrawals, burned, in basis points (0..=5000).
public fun early_unstake_fee_bps(self: &System): u64 { self.early_unstake_fee_bps }

/// How many epochs ahead storage may be bought (1..=1000).
public fun max_epochs_ahead(self: &System): u64 { self.max_epochs_ahead }

/// Most members a committee may have (1..=min(n_shards, 256)).
public fun max_committee_size(self: &System): u64 { self.max_committee_size }

/// Most nodes that may register.
public fun max_nodes(): u64 { MAX_NODES }

// === Parameters (AdminCap) ===

/// Aborts `EWrongAdminCap` unless `cap` created this `System`.
public(package) fun assert_admin(self: &System, cap: &AdminCap) {
    assert!(cap.system_id == option::some(object::id(self)), EWrongAdminCap);
}

/// Sets the storage fee burn share (0..=5000 bps). Emits `ParameterChanged`.
/// Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_fee_burn_bps(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    assert!(value <= MAX_FEE_BURN_BPS, EParameterOutOfBounds);
    let old = self.fee_burn_bps;
    self.fee_burn_bps = value;
    events::emit_parameter_changed(b"fee_burn_bps", old, value, self.epoch);
}

/// Sets the license protocol fee (0..=5000 bps). Emits `ParameterChanged`.
/// Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_license_fee_bps(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    assert!(value <= MAX_LICENSE_FEE_BPS, EParameterOutOfBounds);
    let old = self.license_fee_bps;
    self.license_fee_bps = value;
    events::emit_parameter_changed(b"license_fee_bps", old, value, self.epoch);
}

/// Sets the slash share (1..=5000 bps). Emits `ParameterChanged`.
/// Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_slash_bps(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    assert!(value >= MIN_SLASH_BPS && value <= MAX_SLASH_BPS, EParameterOutOfBounds);
    let old = self.slash_bps;
    self.slash_bps = value;
    events::emit_parameter_changed(b"slash_bps", old, value, self.epoch);
}

/// Sets the burned share of slashed stake (0..=10000 bps; the default burns all of it).
/// Below 10000 the rest of every slash is paid to the other committee members' pools, so an
/// operator running several nodes gains from one of its nodes missing a challenge: the
/// delegators of the slashed node lose, its other nodes' pools (and commission) gain. Keep
/// it at 10000 unless the committee's operators are known to be distinct.
/// Emits `ParameterChanged`. Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_slash_burn_bps(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    assert!(value <= MAX_SLASH_BURN_BPS, EParameterOutOfBounds);
    let old = self.slash_burn_bps;
    self.slash_burn_bps = value;
    events::emit_parameter_changed(b"slash_burn_bps", old, value, self.epoch);
}

/// Sets the challenge answer window (1000 ms..=epoch_duration_ms). Emits `ParameterChanged`.
/// Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_challenge_window_ms(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    assert!(
        value >= MIN_CHALLENGE_WINDOW_MS && value <= self.epoch_duration_ms,
        EParameterOutOfBounds,
    );
    let old = self.challenge_window_ms;
    self.challenge_window_ms = value;
    events::emit_parameter_changed(b"challenge_window_ms", old, value, self.epoch);
}

/// Sets the minimum stake epochs (0..=52). Emits `ParameterChanged`.
/// Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_min_stake_epochs(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    assert!(value <= MAX_MIN_STAKE_EPOCHS, EParameterOutOfBounds);
    let old = self.min_stake_epochs;
    self.min_stake_epochs = value;
    events::emit_parameter_changed(b"min_stake_epochs", old, value, self.epoch);
}

/// Sets the early unstake fee (0..=5000 bps). Emits `ParameterChanged`.
/// Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_early_unstake_fee_bps(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    assert!(value <= MAX_EARLY_UNSTAKE_FEE_BPS, EParameterOutOfBounds);
    let old = self.early_unstake_fee_bps;
    self.early_unstake_fee_bps = value;
    events::emit_parameter_changed(b"early_unstake_fee_bps", old, value, self.epoch);
}

/// Sets how many epochs ahead storage may be bought (1..=1000). Emits `ParameterChanged`.
/// Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_max_epochs_ahead(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    assert!(
        value >= MIN_MAX_EPOCHS_AHEAD && value <= MAX_MAX_EPOCHS_AHEAD,
        EParameterOutOfBounds,
    );
    let old = self.max_epochs_ahead;
    self.max_epochs_ahead = value;
    events::emit_parameter_changed(b"max_epochs_ahead", old, value, self.epoch);
}

/// Sets the maximum committee size (1..=min(n_shards, 256)); applies from the next epoch
/// change. Emits `ParameterChanged`. Aborts `EWrongAdminCap`, `EParameterOutOfBounds`.
public fun set_max_committee_size(self: &mut System, cap: &AdminCap, value: u64) {
    version::assert_current(self.version);
    assert_admin(self, cap);
    let n = (self.n_shards as u64);
    let upper = if (n < MAX_NODES) n else MAX_NODES;
    assert!(value >= MIN_MAX_COMMITTEE_SIZE && value <= upper, EParameterOutOfBounds);
    let old = self.max_committee_size;
    self.max_committee_size = value;
    events::emit_parameter_changed(b"max_committee_size", old, value, self.epoch);
}

// === Epoch change ===

/// Ends the current epoch and starts the next (see the module doc for every step).
/// Package-internal: anyone reaches it through `challenge::advance_epoch`, which first
/// settles the ending epoch's challenges; it may run once `epoch_duration_ms` has passed
/// since the epoch started.
/// Emits `EpochFeesSettled` (when fees were owed), `WalBurned`, `PoolRewarded`,
/// `PoolAdvanced` and `EpochAdvanced` (whose `used_capacity` is the new epoch's: what the
/// ended epoch alone held is free again). Aborts `EEpochNotOver`.
public(package) fun advance_epoch(
    self: &mut System,
    treasury: &mut Treasury,
    clock: &Clock,
    _ctx: &mut TxContext,
) {
    version::assert_current(self.version);
    version::assert_current(treasury.object_version());
    let now = clock.timestamp_ms();
    assert!(now >= self.epoch_start_ms + self.epoch_duration_ms, EEpochNotOver);
    let ending = self.epoch;
    settle_fees(self, treasury, ending);

    let next = ending + 1;
    let ids = self.pool_ids;
    let mut i = 0;
    while (i < ids.length()) {
        self.pools.borrow_mut(ids[i]).advance(next);
        i = i + 1;
    };

    let (committee, stakes) = select_committee(self);
    let n = (self.n_shards as u64);
    let counts = assign_shards(n, &stakes);
    let mut committee_shards = vector[];
    let mut next_shard: u64 = 0;
    let mut k = 0;
    let mut committee_stake: u64 = 0;
    while (k < committee.length()) {
        let mut shards: vector<u16> = vector[];
        let mut j = 0;
        while (j < counts[k]) {
            shards.push_back((next_shard as u16));
            next_shard = next_shard + 1;
            j = j + 1;
        };
        committee_shards.push_back(shards);
        committee_stake = committee_stake + stakes[k];
        k = k + 1;
    };

    if (committee.length() > 0) {
        let mut storage_votes = vector[];
        let mut write_votes = vector[];
        let mut capacity_votes = vector[];
        let mut v = 0;
        while (v < committee.length()) {
            let member = self.pools.borrow(committee[v]);
            storage_votes.push_back(member.storage_price_vote());
            write_votes.push_back(member.write_price_vote());
            capacity_votes.push_back(member.capacity_vote());
            v = v + 1;
        };
        self.storage_price_per_mib_epoch = quorum_value(storage_votes, &counts, n, true);
        self.write_price_per_mib = quorum_value(write_votes, &counts, n, true);
        self.total_capacity = quorum_value(capacity_votes, &counts, n, false);
    };

    drop_ended_epoch_capacity(self);
    let pending_shards = gained_shards(self, &committee, &committee_shards);
    self.epoch = next;
    self.epoch_start_ms = now;
    self.committee = committee;
    self.committee_shards = committee_shards;
    self.pending_shards = pending_shards;
    let mut g = 0;
    while (g < self.committee.length()) {
        if (!self.pending_shards[g].is_empty()) {
            events::emit_shards_gained(self.committee[g], next, self.pending_shards[g]);
        };
        g = g + 1;
    };
    events::emit_epoch_advanced(
        next,
        now,
        self.committee,
        committee_shard_counts(self),
        committee_stake,
        self.storage_price_per_mib_epoch,
        self.write_price_per_mib,
        self.total_capacity,
        self.used_capacity,
    );
}

/// For each new member, the shards it holds in `shards` that another node of the current
/// (ending) committee holds now. Nothing is gained from an empty committee: no data was
/// stored before the first one.
fun gained_shards(
    self: &System,
    committee: &vector<ID>,
    shards: &vector<vector<u16>>,
): vector<vector<u16>> {
    let mut previous_holder: vector<Option<ID>> = vector[];
    let n = (self.n_shards as u64);
    let mut s = 0;
    while (s < n) {
        previous_holder.push_back(option::none());
        s = s + 1;
    };
    let mut k = 0;
    while (k < self.committee.length()) {
        let holder = self.committee[k];
        self.committee_shards[k].do_ref!(|shard| {
            *vector::borrow_mut(&mut previous_holder, (*shard as u64)) = option::some(holder);
        });
        k = k + 1;
    };
    let mut gained = vector[];
    k = 0;
    while (k < committee.length()) {
        let member = committee[k];
        let mut mine = vector[];
        shards[k].do_ref!(|shard| {
            let before = previous_holder[(*shard as u64)];
            if (before.is_some() && before != option::some(member)) mine.push_back(*shard);
        });
        gained.push_back(mine);
        k = k + 1;
    };
    gained
}

/// The epoch after the current one becomes current for capacity: its reservations become
/// `used_capacity` and the ending epoch's are dropped (step 6 of the module doc).
fun drop_ended_epoch_capacity(self: &mut System) {
    self.used_capacity = if (self.future_used_capacity.is_empty()) 0
    else self.future_used_capacity.remove(0);
}

/// Pays the fees owed to `ending`'s committee (see the module doc).
fun settle_fees(self: &mut System, treasury: &mut Treasury, ending: u64) {
    if (!self.fees.contains(ending)) return;
    let mut fees = self.fees.remove(ending);
    let total = fees.value();
    let members = self.committee.length();
    if (members == 0) {
        add_fees_to_epoch(self, ending + 1, fees);
        events::emit_epoch_fees_settled(ending, total, 0, 0, total);
        return
    };
    let burn_amount = mul_div(total, self.fee_burn_bps, BPS);
    let burned = wal::burn_balance(
        treasury,
        fees.split(burn_amount),
        wal::source_storage_fee(),
    );
    let to_pay = fees.value();
    let n = (self.n_shards as u64);
    let mut distributed: u64 = 0;
    let mut k = 0;
    while (k < members) {
        let share = mul_div(to_pay, self.committee_shards[k].length(), n);
        if (share > 0) {
            let node_id = self.committee[k];
            let reward = fees.split(share);
            self.pools.borrow_mut(node_id).add_reward(reward, ending);
            distributed = distributed + share;
        };
        k = k + 1;
    };
    let carried_over = fees.value();
    add_fees_to_epoch(self, ending + 1, fees);
    events::emit_epoch_fees_settled(ending, total, burned, distributed, carried_over);
}

/// Clears `node_id`'s pending shards for `epoch` (the node holds their slivers now) and
/// returns them. Aborts `ENotCommitteeMember`, `EWrongSyncEpoch`, `ENoPendingShards`.
public(package) fun mark_synced(self: &mut System, node_id: ID, epoch: u64): vector<u16> {
    let (found, k) = self.committee.index_of(&node_id);
    assert!(found, ENotCommitteeMember);
    assert!(epoch == self.epoch, EWrongSyncEpoch);
    assert!(!self.pending_shards[k].is_empty(), ENoPendingShards);
    let shards = self.pending_shards[k];
    *vector::borrow_mut(&mut self.pending_shards, k) = vector[];
    shards
}

/// Credits `fees` to `epoch`'s committee (zero balances are destroyed).
fun add_fees_to_epoch(self: &mut System, epoch: u64, fees: Balance<WAL>) {
    if (fees.value() == 0) {
        fees.destroy_zero();
        return
    };
    if (self.fees.contains(epoch)) {
        self.fees.borrow_mut(epoch).join(fees);
    } else {
        self.fees.add(epoch, fees);
    }
}

/// The pools with active stake, most stake first (ties: lower node ID), at most
/// min(max_committee_size, n_shards), returned ordered by node ID with their stakes.
fun select_committee(self: &System): (vector<ID>, vector<u64>) {
    let n = (self.n_shards as u64);
    let max = if (self.max_committee_size < n) self.max_committee_size else n;
    let mut top_ids: vector<ID> = vector[];
    let mut top_stakes: vector<u64> = vector[];
    let mut i = 0;
    while (i < self.pool_ids.length()) {
        let id = self.pool_ids[i];
        let stake = self.pools.borrow(id).active_stake();
        if (stake > 0) {
            let mut j = 0;
            while (j < top_ids.length() && !ranks_before(stake, id, top_stakes[j], top_ids[j])) {
                j = j + 1;
            };
            if (j < max) {
                top_ids.insert(id, j);
                top_stakes.insert(stake, j);
                if (top_ids.length() > max) {
                    top_ids.pop_back();
                    top_stakes.pop_back();
                };
            };
        };
        i = i + 1;
    };
    // Order the members by node ID (insertion sort; at most 256 members).
    let len = top_ids.length();
    let mut a = 1;
    while (a < len) {
        let mut b = a;
        while (b > 0 && id_lt(top_ids[b], top_ids[b - 1])) {
            top_ids.swap(b, b - 1);
            top_stakes.swap(b, b - 1);
            b = b - 1;
        };
        a = a + 1;
    };
    (top_ids, top_stakes)
}

/// Whether (stake_a, id_a) ranks before (stake_b, id_b): more stake, then lower ID.
fun ranks_before(stake_a: u64, id_a: ID, stake_b: u64, id_b: ID): bool {
    stake_a > stake_b || (stake_a == stake_b && id_lt(id_a, id_b))
}

fun id_lt(a: ID, b: ID): bool {
    sui::address::to_u256(object::id_to_address(&a)) < sui::address::to_u256(object::id_to_address(&b))
}

/// Shard counts for members with these stakes (all > 0): one shard each, the other
/// `n - m` by stake with the largest remainder method (ties: lower index).
/// Aborts `ECommitteeTooLarge` when there are more members than shards.
fun assign_shards(n: u64, stakes: &vector<u64>): vector<u64> {
    let m = stakes.length();
    assert!(m <= n, ECommitteeTooLarge);
    if (m == 0) return vector[];
    let mut total: u128 = 0;
    let mut k = 0;
    while (k < m) {
        total = total + (stakes[k] as u128);
        k = k + 1;
    };
    let spare = ((n - m) as u128);
    let mut counts: vector<u64> = vector[];
    let mut remainders: vector<u128> = vector[];
    let mut assigned = m;
    k = 0;
    while (k < m) {
        let scaled = spare * (stakes[k] as u128);
        let quota = ((scaled / total) as u64);
        counts.push_back(1 + quota);
        remainders.push_back(scaled % total);
        assigned = assigned + quota;
        k = k + 1;
    };
    let mut bumped: vector<bool> = vector[];
    k = 0;
    while (k < m) {
        bumped.push_back(false);
        k = k + 1;
    };
    let mut left = n - assigned;
    while (left > 0) {
        let mut best = m;
        let mut best_remainder: u128 = 0;
        k = 0;
        while (k < m) {
            if (!bumped[k] && (best == m || remainders[k] > best_remainder)) {
                best = k;
                best_remainder = remainders[k];
            };
            k = k + 1;
        };
        *vector::borrow_mut(&mut bumped, best) = true;
        let bumped_count = counts[best] + 1;
        *vector::borrow_mut(&mut counts, best) = bumped_count;
        left = left - 1;
    };
    counts
}

/// With members holding `counts[k]` of `n` shards voting `votes[k]`: ascending, the lowest
/// vote that members holding ≥ 2/3 of the shards voted at or below; descending, the highest
/// vote that members holding ≥ 2/3 of the shards voted at or above. Needs ≥ 1 member.
fun quorum_value(mut votes: vector<u64>, counts: &vector<u64>, n: u64, ascending: bool): u64 {
    let m = votes.length();
    let mut weights = *counts;
    let mut a = 1;
    while (a < m) {
        let mut b = a;
        while (b > 0 && (if (ascending) votes[b] < votes[b - 1] else votes[b] > votes[b - 1])) {
            votes.swap(b, b - 1);
            weights.swap(b, b - 1);
            b = b - 1;
        };
        a = a + 1;
    };
    let mut acc: u64 = 0;
    let mut k = 0;
    while (k + 1 < m) {
        acc = acc + weights[k];
        if (3 * acc >= 2 * n) return votes[k];
        k = k + 1;
    };
    votes[m - 1]
}

fun mul_div(a: u64, b: u64, c: u64): u64 {
    (((a as u128) * (b as u128) / (c as u128)) as u64)
}

// === Called by other modules of the package ===

/// Credits storage fees spread evenly over the epochs `[start_epoch, end_epoch)` (the
/// rounding remainder to the last); each epoch's part is paid to that epoch's committee when
/// it ends. Emits `StorageFeesAdded`. Aborts `EInvalidEpochRange`.
public(package) fun add_storage_fees(
    self: &mut System,
    mut fees: Balance<WAL>,
    start_epoch: u64,
    end_epoch: u64,
) {
    assert!(start_epoch >= self.epoch && end_epoch > start_epoch, EInvalidEpochRange);
    let amount = fees.value();
    let per_epoch = amount / (end_epoch - start_epoch);
    let mut e = start_epoch;
    while (e < end_epoch) {
        let part = if (e + 1 == end_epoch) fees.withdraw_all() else fees.split(per_epoch);
        add_fees_to_epoch(self, e, part);
        e = e + 1;
    };
    fees.destroy_zero();
    events::emit_storage_fees_added(start_epoch, end_epoch, amount);
}

/// Credits write fees to the current epoch's committee. Emits `WriteFeesAdded`.
public(package) fun add_write_fees(self: &mut System, fees: Balance<WAL>) {
    let amount = fees.value();
    let epoch = self.epoch;
    add_fees_to_epoch(self, epoch, fees);
    events::emit_write_fees_added(epoch, amount);
}

/// Reserves `encoded_bytes` in each epoch of `[start_epoch, end_epoch)`, which must not start
/// before the current epoch and must end at most `max_epochs_ahead` epochs after it. Emits
/// `CapacityReserved` and `CapacityChanged`. Aborts `EInvalidEpochRange`, `ECapacityExceeded`
/// (some epoch of the range would use more than the total capacity).
public(package) fun reserve_capacity(
    self: &mut System,
    encoded_bytes: u64,
    start_epoch: u64,
    end_epoch: u64,
) {
    let epoch = self.epoch;
    assert!(
        start_epoch >= epoch && end_epoch > start_epoch
            && end_epoch - epoch <= self.max_epochs_ahead,
        EInvalidEpochRange,
    );
    assert!(encoded_bytes <= self.total_capacity, ECapacityExceeded);
    let limit = self.total_capacity - encoded_bytes;
    // Entries for the epochs after the current one up to `end_epoch - 1`.
    let needed = end_epoch - epoch - 1;
    while (self.future_used_capacity.length() < needed) {
        self.future_used_capacity.push_back(0);
    };
    let mut e = start_epoch;
    while (e < end_epoch) {
        if (e == epoch) {
            assert!(self.used_capacity <= limit, ECapacityExceeded);
            self.used_capacity = self.used_capacity + encoded_bytes;
        } else {
            let k = e - epoch - 1;
            let used = self.future_used_capacity[k];
            assert!(used <= limit, ECapacityExceeded);
            *self.future_used_capacity.borrow_mut(k) = used + encoded_bytes;
        };
        e = e + 1;
    };
    events::emit_capacity_reserved(epoch, start_epoch, end_epoch, encoded_bytes);
    events::emit_capacity_changed(epoch, self.used_capacity, self.total_capacity);
}

/// Gives back `encoded_bytes` in each epoch of `[start_epoch, end_epoch)` that has not ended
/// (ended epochs gave theirs back when they ended); no epoch goes below zero. Emits
/// `CapacityReleased` and `CapacityChanged` unless the whole range had ended.
public(package) fun release_capacity(
    self: &mut System,
    encoded_bytes: u64,
    start_epoch: u64,
    end_epoch: u64,
) {
    let epoch = self.epoch;
    if (end_epoch <= epoch || start_epoch >= end_epoch) return;
    let released_from = if (start_epoch > epoch) start_epoch else epoch;
    let mut e = released_from;
    while (e < end_epoch) {
        if (e == epoch) {
            self.used_capacity = saturating_sub(self.used_capacity, encoded_bytes);
        } else {
            let k = e - epoch - 1;
            if (k < self.future_used_capacity.length()) {
                let used = self.future_used_capacity[k];
                *self.future_used_capacity.borrow_mut(k) = saturating_sub(used, encoded_bytes);
            };
        };
        e = e + 1;
    };
    while (
        !self.future_used_capacity.is_empty()
            && self.future_used_capacity[self.future_used_capacity.length() - 1] == 0
    ) {
        let _ = self.future_used_capacity.pop_back();
    };
    events::emit_capacity_released(epoch, released_from, end_epoch, encoded_bytes);
    events::emit_capacity_changed(epoch, self.used_capacity, self.total_capacity);
}

/// `a - b`, or 0 when `b > a`.
fun saturating_sub(a: u64, b: u64): u64 {
    if (b >= a) 0 else a - b
}

/// Checks a storage-committee quorum: `signers` are strictly increasing indices into
/// `committee_node_ids`, holding together at least 2f + 1 shards (f = ⌊(n − 1)/3⌋), and
/// `signature` is a min_pk BLS signature of `message` under the sum of their public keys.
/// Aborts `EInvalidSigners`, `ENotEnoughShards`, `EInvalidSignature`.
public(package) fun verify_quorum(
    self: &System,
    signers: vector<u16>,
    signature: vector<u8>,
    message: vector<u8>,
) {
    let members = self.committee.length();
    let count = signers.length();
    let mut shards: u64 = 0;
    let mut i = 0;
    while (i < count) {
        let idx = (signers[i] as u64);
        assert!(idx < members, EInvalidSigners);
        assert!(i == 0 || signers[i - 1] < signers[i], EInvalidSigners);
        shards = shards + self.committee_shards[idx].length();
        i = i + 1;
    };
    let n = (self.n_shards as u64);
    let f = (n - 1) / 3;
    assert!(shards >= 2 * f + 1, ENotEnoughShards);
    let first = self.pools.borrow(self.committee[(signers[0] as u64)]);
    let mut aggregate = bls12381::g1_from_bytes(first.bls_public_key());
    i = 1;
    while (i < count) {
        let member = self.pools.borrow(self.committee[(signers[i] as u64)]);
        let key = bls12381::g1_from_bytes(member.bls_public_key());
        aggregate = bls12381::g1_add(&aggregate, &key);
        i = i + 1;
    };
    assert!(
        bls12381::bls12381_min_pk_verify(&signature, group_ops::bytes(&aggregate), &message),
        EInvalidSignature,
    );
}

/// Takes `slash_bps` of `at_risk` — the node's active stake when the fault happened — and at
/// most of its active stake now (every staker loses pro rata) and returns it. Emits
/// `PoolSlashed`. Aborts `ENodeNotFound`.
public(package) fun slash_node(self: &mut System, node_id: ID, at_risk: u64): Balance<WAL> {
    let bps = self.slash_bps;
    let epoch = self.epoch;
    pool_mut(self, node_id).slash(bps, at_risk, epoch)
}

/// Pays `reward` to the members of the current committee other than `excluded`, in
/// proportion to the shards they hold (each pool's commission is taken as for fees; emits
/// `PoolRewarded`). Returns what is left: the rounding dust, or all of it when no other
/// member holds shards.
public(package) fun reward_other_members(
    self: &mut System,
    mut reward: Balance<WAL>,
    excluded: ID,
): Balance<WAL> {
    let members = self.committee.length();
    let mut other_shards: u64 = 0;
    let mut k = 0;
    while (k < members) {
        if (self.committee[k] != excluded) {
            other_shards = other_shards + self.committee_shards[k].length();
        };
        k = k + 1;
    };
    if (other_shards == 0) return reward;
    let to_pay = reward.value();
    let epoch = self.epoch;
    k = 0;
    while (k < members) {
        let node_id = self.committee[k];
        if (node_id != excluded) {
            let share = mul_div(to_pay, self.committee_shards[k].length(), other_shards);
            if (share > 0) {
                let part = reward.split(share);
                self.pools.borrow_mut(node_id).add_reward(part, epoch);
            };
        };
        k = k + 1;
    };
    reward
}

/// Adds a newly registered node's pool. Aborts `EDuplicateBlsKey`, `ETooManyNodes`.
public(package) fun add_pool(self: &mut System, pool: StakingPool) {
    assert!(self.pool_ids.length() < MAX_NODES, ETooManyNodes);
    let key = *pool.bls_public_key();
    assert!(!self.bls_keys.contains(key), EDuplicateBlsKey);
    let node_id = pool.node_id();
    self.bls_keys.add(key, node_id);
    self.pool_ids.push_back(node_id);
    self.pools.add(node_id, pool);
}

/// The pool of a registered node, for changes. Aborts `ENodeNotFound`.
public(package) fun pool_mut(self: &mut System, node_id: ID): &mut StakingPool {
    assert!(self.pools.contains(node_id), ENodeNotFound);
    self.pools.borrow_mut(node_id)
}

// === Versions ===

/// The version of the package that last migrated this `System` (see `floe::version`).
public(package) fun object_version(self: &System): u64 { self.version }

/// Brings this `System` to the package's version. Aborts `version::EAlreadyMigrated` if it is
/// there already.
public(package) fun migrate_version(self: &mut System) {
    self.version = version::migrated(self.version);
}

// === Test-only helpers ===

/// Runs `init` (the `AdminCap` to the sender).
#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}

/// A new `AdminCap` that created no `System`.
#[test_only]
public fun admin_cap_for_testing(ctx: &mut TxContext): AdminCap {
    AdminCap { id: object::new(ctx), system_id: option::none() }
}

/// Makes these registered nodes the current committee, node `k` holding exactly
/// `shards[k]`.
#[test_only]
public fun set_committee_for_testing(
    self: &mut System,
    node_ids: vector<ID>,
    shards: vector<vector<u16>>,
) {
    let mut i = 0;
    while (i < node_ids.length()) {
        assert!(self.pools.contains(node_ids[i]), ENodeNotFound);
        i = i + 1;
    };
    let mut pending = vector[];
    node_ids.length().do!(|_| pending.push_back(vector[]));
    self.committee = node_ids;
    self.committee_shards = shards;
    self.pending_shards = pending;
}

/// Marks `shards` of committee member `node_id` as pending sync, as an epoch change that
/// moved them to it would.
#[test_only]
public fun set_pending_shards_for_testing(self: &mut System, node_id: ID, shards: vector<u16>) {
    let (found, k) = self.committee.index_of(&node_id);
    assert!(found, ENotCommitteeMember);
    *vector::borrow_mut(&mut self.pending_shards, k) = shards;
}

/// Sets the epoch number; moving forward, each epoch passed drops its reserved capacity as
/// `advance_epoch` does.
#[test_only]
public fun set_epoch_for_testing(self: &mut System, epoch: u64) {
    while (self.epoch < epoch) {
        drop_ended_epoch_capacity(self);
        self.epoch = self.epoch + 1;
    };
    self.epoch = epoch;
}

/// Number of later epochs `future_used_capacity` holds an entry for.
#[test_only]
public fun future_capacity_entries_for_testing(self: &System): u64 {
    self.future_used_capacity.length()
}

/// Sets the total capacity only.
#[test_only]
public fun set_total_capacity_for_testing(self: &mut System, total_capacity: u64) {
    self.total_capacity = total_capacity;
}

/// `assign_shards`, exposed for tests.
#[test_only]
public fun assign_shards_for_testing(n: u64, stakes: vector<u64>): vector<u64> {
    assign_shards(n, &stakes)
}

/// `quorum_value`, exposed for tests.
#[test_only]
public fun quorum_value_for_testing(votes: vector<u64>, counts: vector<u64>, n: u64, ascending: bool): u64 {
    quorum_value(votes, &counts, n, ascending)
}

/// Sets the `version` field, to simulate a `System` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(self: &mut System, value: u64) {
    self.version = value;
}

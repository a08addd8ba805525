/// Every event the package emits. Sui lets only the defining module emit a type, so each
/// event has a `public(package)` emitter here that the owning module calls. Events carry the
/// object IDs, epochs, amounts and addresses an indexer needs to mirror state without
/// reading objects.
module floe::events;

use sui::event;

// === wal ===

/// The WAL treasury was created at publish and the whole supply minted to the publisher.
public struct WalTreasuryCreated has copy, drop {
    treasury_id: ID,
    initial_supply: u64,
    publisher: address,
}

/// WAL was burned. `source`: 0 storage fee, 1 slashing, 2 early unstake, 3 license fee.
public struct WalBurned has copy, drop {
    amount: u64,
    source: u8,
    total_burned: u64,
    total_supply: u64,
}

public(package) fun emit_wal_treasury_created(treasury_id: ID, initial_supply: u64, publisher: address) {
    event::emit(WalTreasuryCreated { treasury_id, initial_supply, publisher });
}

public(package) fun emit_wal_burned(amount: u64, source: u8, total_burned: u64, total_supply: u64) {
    event::emit(WalBurned { amount, source, total_burned, total_supply });
}

// === system ===

/// The shared `System` was created (epoch 0, no committee yet).
public struct SystemCreated has copy, drop {
    system_id: ID,
    n_shards: u16,
    epoch_duration_ms: u64,
    epoch_start_ms: u64,
    storage_price_per_mib_epoch: u64,
    write_price_per_mib: u64,
    total_capacity: u64,
}

/// The admin changed a protocol parameter; `name` is the parameter's ASCII name
/// (for example `b"fee_burn_bps"`).
public struct ParameterChanged has copy, drop {
    name: vector<u8>,
    old_value: u64,
    new_value: u64,
    epoch: u64,
}

/// A new epoch began. `committee[k]` holds `shard_counts[k]` consecutive shards, starting
/// right after the shards of `committee[k - 1]` (member 0 starts at shard 0).
public struct EpochAdvanced has copy, drop {
    epoch: u64,
    epoch_start_ms: u64,
    committee: vector<ID>,
    shard_counts: vector<u16>,
    committee_stake: u64,
    storage_price_per_mib_epoch: u64,
    write_price_per_mib: u64,
    total_capacity: u64,
    used_capacity: u64,
}

/// The fees credited to `epoch` were settled when it ended: `burned` was burned,
/// `distributed` paid to the committee pools by shards, `carried_over` moved to the next epoch.
public struct EpochFeesSettled has copy, drop {
    epoch: u64,
    total: u64,
    burned: u64,
    distributed: u64,
    carried_over: u64,
}

/// Storage fees were credited to the epochs `[start_epoch, end_epoch)`, spread evenly.
public struct StorageFeesAdded has copy, drop {
    start_epoch: u64,
    end_epoch: u64,
    amount: u64,
}

/// Write fees were credited to the current epoch.
public struct WriteFeesAdded has copy, drop {
    epoch: u64,
    amount: u64,
}

/// Used storage capacity changed (a reservation or a release); `used_capacity` is the
/// current epoch's (`CapacityReserved` and `CapacityReleased` say which epochs changed).
public struct CapacityChanged has copy, drop {
    epoch: u64,
    used_capacity: u64,
    total_capacity: u64,
}

/// `encoded_bytes` were reserved in each epoch of `[start_epoch, end_epoch)`, during `epoch`.
public struct CapacityReserved has copy, drop {
    epoch: u64,
    start_epoch: u64,
    end_epoch: u64,
    encoded_bytes: u64,
}

/// `encoded_bytes` were given back in each epoch of `[start_epoch, end_epoch)` (storage
/// destroyed before it ended), during `epoch`. Capacity of ended epochs needs no event: an
/// epoch's reservations end with it (`EpochAdvanced.used_capacity` is the new epoch's).
public struct CapacityReleased has copy, drop {
    epoch: u64,
    start_epoch: u64,
    end_epoch: u64,
    encoded_bytes: u64,
}

public(package) fun emit_system_created(
    system_id: ID,
    n_shards: u16,
    epoch_duration_ms: u64,
    epoch_start_ms: u64,
    storage_price_per_mib_epoch: u64,
    write_price_per_mib: u64,
    total_capacity: u64,
) {
    event::emit(SystemCreated {
        system_id,
        n_shards,
        epoch_duration_ms,
        epoch_start_ms,
        storage_price_per_mib_epoch,
        write_price_per_mib,
        total_capacity,
    });
}

public(package) fun emit_parameter_changed(name: vector<u8>, old_value: u64, new_value: u64, epoch: u64) {
    event::emit(ParameterChanged { name, old_value, new_value, epoch });
}

public(package) fun emit_epoch_advanced(
    epoch: u64,
    epoch_start_ms: u64,
    committee: vector<ID>,
    shard_counts: vector<u16>,
    committee_stake: u64,
    storage_price_per_mib_epoch: u64,
    write_price_per_mib: u64,
    total_capacity: u64,
    used_capacity: u64,
) {
    event::emit(EpochAdvanced {
        epoch,
        epoch_start_ms,
        committee,
        shard_counts,
        committee_stake,
        storage_price_per_mib_epoch,
        write_price_per_mib,
        total_capacity,
        used_capacity,
    });
}

/// At the start of `epoch`, committee member `node_id` gained `shards` from other nodes: it
/// must fetch their slivers and signal it (`EpochSyncDone`) before they are challenged.
public struct ShardsGained has copy, drop {
    node_id: ID,
    epoch: u64,
    shards: vector<u16>,
}

/// Committee member `node_id` signalled that it holds the slivers of `shards`, the shards it
/// gained at the start of `epoch`; from now on they may be challenged.
public struct EpochSyncDone has copy, drop {
    node_id: ID,
    epoch: u64,
    shards: vector<u16>,
}

public(package) fun emit_shards_gained(node_id: ID, epoch: u64, shards: vector<u16>) {
    event::emit(ShardsGained { node_id, epoch, shards });
}

public(package) fun emit_epoch_sync_done(node_id: ID, epoch: u64, shards: vector<u16>) {
    event::emit(EpochSyncDone { node_id, epoch, shards });
}

public(package) fun emit_epoch_fees_settled(
    epoch: u64,
    total: u64,
    burned: u64,
    distributed: u64,
    carried_over: u64,
) {
    event::emit(EpochFeesSettled { epoch, total, burned, distributed, carried_over });
}

public(package) fun emit_storage_fees_added(start_epoch: u64, end_epoch: u64, amount: u64) {
    event::emit(StorageFeesAdded { start_epoch, end_epoch, amount });
}

public(package) fun emit_write_fees_added(epoch: u64, amount: u64) {
    event::emit(WriteFeesAdded { epoch, amount });
}

public(package) fun emit_capacity_changed(epoch: u64, used_capacity: u64, total_capacity: u64) {
    event::emit(CapacityChanged { epoch, used_capacity, total_capacity });
}

public(package) fun emit_capacity_reserved(
    epoch: u64,
    start_epoch: u64,
    end_epoch: u64,
    encoded_bytes: u64,
) {
    event::emit(CapacityReserved { epoch, start_epoch, end_epoch, encoded_bytes });
}

public(package) fun emit_capacity_released(
    epoch: u64,
    start_epoch: u64,
    end_epoch: u64,
    encoded_bytes: u64,
) {
    event::emit(CapacityReleased { epoch, start_epoch, end_epoch, encoded_bytes });
}

// === staking ===

/// A storage node registered; its staking pool `node_id` lives inside `System`.
public struct NodeRegistered has copy, drop {
    node_id: ID,
    node_cap_id: ID,
    operator: address,
    name: std::string::String,
    network_address: std::string::String,
    bls_public_key: vector<u8>,
    commission_bps: u64,
    epoch: u64,
}

/// A node operator changed the node's network address.
public struct NodeNetworkAddressChanged has copy, drop {
    node_id: ID,
    network_address: std::string::String,
    epoch: u64,
}

/// A node operator set a vote. `kind`: 0 storage price per MiB-epoch, 1 write price per
/// MiB, 2 total capacity in bytes.
public struct VoteSet has copy, drop {
    node_id: ID,
    kind: u8,
    value: u64,
    epoch: u64,
}

/// WAL was staked with a node; it works from `activation_epoch` on.
public struct Staked has copy, drop {
    staked_wal_id: ID,
    node_id: ID,
    staker: address,
    amount: u64,
    activation_epoch: u64,
}

/// A staker asked to withdraw; the WAL can be withdrawn from `withdraw_epoch` on.
/// `was_active` is false when the stake was still pending (its principal is set aside as is).
public struct WithdrawRequested has copy, drop {
    staked_wal_id: ID,
    node_id: ID,
    staker: address,
    principal: u64,
    shares: u128,
    withdraw_epoch: u64,
    was_active: bool,
}

/// A staker withdrew `amount` (before the fee); `fee_burned` of it was burned as the early
/// unstake fee.
public struct Withdrawn has copy, drop {
    staked_wal_id: ID,
    node_id: ID,
    staker: address,
    amount: u64,
    fee_burned: u64,
    epoch: u64,
}

/// A pool received `reward` for `epoch`: `commission` went to the operator, the rest joined
/// the pool's active stake (now `pool_stake`).
public struct PoolRewarded has copy, drop {
    node_id: ID,
    epoch: u64,
    reward: u64,
    commission: u64,
    pool_stake: u64,
}

/// A pool was slashed by `amount`; every staker lost the same fraction.
public struct PoolSlashed has copy, drop {
    node_id: ID,
    epoch: u64,
    amount: u64,
    pool_stake: u64,
}

/// A pool entered `epoch`: the exchange rate was `rate_stake` WAL for `rate_shares` shares,
/// `staked_in` pending WAL joined and `withdrawn_out` WAL left for withdrawals.
public struct PoolAdvanced has copy, drop {
    node_id: ID,
    epoch: u64,
    rate_stake: u64,
    rate_shares: u128,
    staked_in: u64,
    withdrawn_out: u64,
    pool_stake: u64,
    total_shares: u128,
}

/// The operator collected the pool's accumulated commission.
public struct CommissionCollected has copy, drop {
    node_id: ID,
    amount: u64,
    epoch: u64,
}

public(package) fun emit_node_registered(
    node_id: ID,
    node_cap_id: ID,
    operator: address,
    name: std::string::String,
    network_address: std::string::String,
    bls_public_key: vector<u8>,
    commission_bps: u64,
    epoch: u64,
) {
    event::emit(NodeRegistered {
        node_id,
        node_cap_id,
        operator,
        name,
        network_address,
        bls_public_key,
        commission_bps,
        epoch,
    });
}

public(package) fun emit_node_network_address_changed(
    node_id: ID,
    network_address: std::string::String,
    epoch: u64,
) {
    event::emit(NodeNetworkAddressChanged { node_id, network_address, epoch });
}

public(package) fun emit_vote_set(node_id: ID, kind: u8, value: u64, epoch: u64) {
    event::emit(VoteSet { node_id, kind, value, epoch });
}

public(package) fun emit_staked(
    staked_wal_id: ID,
    node_id: ID,
    staker: address,
    amount: u64,
    activation_epoch: u64,
) {
    event::emit(Staked { staked_wal_id, node_id, staker, amount, activation_epoch });
}

public(package) fun emit_withdraw_requested(
    staked_wal_id: ID,
    node_id: ID,
    staker: address,
    principal: u64,
    shares: u128,
    withdraw_epoch: u64,
    was_active: bool,
) {
    event::emit(WithdrawRequested {
        staked_wal_id,
        node_id,
        staker,
        principal,
        shares,
        withdraw_epoch,
        was_active,
    });
}

public(package) fun emit_withdrawn(
    staked_wal_id: ID,
    node_id: ID,
    staker: address,
    amount: u64,
    fee_burned: u64,
    epoch: u64,
) {
    event::emit(Withdrawn { staked_wal_id, node_id, staker, amount, fee_burned, epoch });
}

public(package) fun emit_pool_rewarded(
    node_id: ID,
    epoch: u64,
    reward: u64,
    commission: u64,
    pool_stake: u64,
) {
    event::emit(PoolRewarded { node_id, epoch, reward, commission, pool_stake });
}

public(package) fun emit_pool_slashed(node_id: ID, epoch: u64, amount: u64, pool_stake: u64) {
    event::emit(PoolSlashed { node_id, epoch, amount, pool_stake });
}

public(package) fun emit_pool_advanced(
    node_id: ID,
    epoch: u64,
    rate_stake: u64,
    rate_shares: u128,
    staked_in: u64,
    withdrawn_out: u64,
    pool_stake: u64,
    total_shares: u128,
) {
    event::emit(PoolAdvanced {
        node_id,
        epoch,
        rate_stake,
        rate_shares,
        staked_in,
        withdrawn_out,
        pool_stake,
        total_shares,
    });
}

public(package) fun emit_commission_collected(node_id: ID, amount: u64, epoch: u64) {
    event::emit(CommissionCollected { node_id, amount, epoch });
}

// === blob ===

/// A `Storage` resource was bought with `blob::reserve_space`.
public struct StorageReserved has copy, drop {
    storage_id: ID,
    owner: address,
    epoch: u64,
    start_epoch: u64,
    end_epoch: u64,
    /// Unencoded blob size the reservation was sized for.
    unencoded_size: u64,
    /// Encoded bytes reserved (what capacity counts and the price is based on).
    storage_size: u64,
    /// WAL paid (storage fees, spread over `[start_epoch, end_epoch)`).
    price: u64,
}

/// A `Storage` was split in two (by epoch or by size); `storage_id` keeps the first part.
public struct StorageSplit has copy, drop {
    storage_id: ID,
    new_storage_id: ID,
    start_epoch: u64,
    end_epoch: u64,
    storage_size: u64,
    new_start_epoch: u64,
    new_end_epoch: u64,
    new_storage_size: u64,
}

/// `absorbed_storage_id` was fused into `storage_id`, which now has these bounds.
public struct StorageFused has copy, drop {
    storage_id: ID,
    absorbed_storage_id: ID,
    start_epoch: u64,
    end_epoch: u64,
    storage_size: u64,
}

/// A `Storage` was destroyed. `capacity_released`: the encoded bytes given back in each epoch
/// it still covered (its size), 0 when it had ended (its capacity came back at its end).
public struct StorageDestroyed has copy, drop {
    storage_id: ID,
    epoch: u64,
    capacity_released: u64,
}

/// A `Blob` object was registered (not yet certified).
public struct BlobRegistered has copy, drop {
    blob_object_id: ID,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    epoch: u64,
    end_epoch: u64,
    storage_id: ID,
    storage_size: u64,
    write_fee: u64,
    owner: address,
}

/// A `Blob` object was certified; the blob ID is live in the registry with
/// `live_references` certified `Blob` objects.
public struct BlobCertified has copy, drop {
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    end_epoch: u64,
    deletable: bool,
    live_references: u64,
}

/// A `Blob`'s storage was extended to `new_end_epoch` (`price` 0 when paid with a `Storage`).
public struct BlobExtended has copy, drop {
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    old_end_epoch: u64,
    new_end_epoch: u64,
    price: u64,
}

/// A deletable `Blob` was deleted by its owner; its storage was returned.
public struct BlobDeleted has copy, drop {
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    storage_id: ID,
    was_certified: bool,
    live_references: u64,
}

/// An expired `Blob` was destroyed (its storage too).
public struct BlobExpired has copy, drop {
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    end_epoch: u64,
    was_certified: bool,
    live_references: u64,
}

/// Expired references to a blob ID were removed from the registry.
public struct RegistryPruned has copy, drop {
    blob_id: u256,
    epoch: u64,
    removed: u64,
    live_references: u64,
}

public(package) fun emit_storage_reserved(
    storage_id: ID,
    owner: address,
    epoch: u64,
    start_epoch: u64,
    end_epoch: u64,
    unencoded_size: u64,
    storage_size: u64,
    price: u64,
) {
    event::emit(StorageReserved {
        storage_id,
        owner,
        epoch,
        start_epoch,
        end_epoch,
        unencoded_size,
        storage_size,
        price,
    });
}

public(package) fun emit_storage_split(
    storage_id: ID,
    new_storage_id: ID,
    start_epoch: u64,
    end_epoch: u64,
    storage_size: u64,
    new_start_epoch: u64,
    new_end_epoch: u64,
    new_storage_size: u64,
) {
    event::emit(StorageSplit {
        storage_id,
        new_storage_id,
        start_epoch,
        end_epoch,
        storage_size,
        new_start_epoch,
        new_end_epoch,
        new_storage_size,
    });
}

public(package) fun emit_storage_fused(
    storage_id: ID,
    absorbed_storage_id: ID,
    start_epoch: u64,
    end_epoch: u64,
    storage_size: u64,
) {
    event::emit(StorageFused { storage_id, absorbed_storage_id, start_epoch, end_epoch, storage_size });
}

public(package) fun emit_storage_destroyed(storage_id: ID, epoch: u64, capacity_released: u64) {
    event::emit(StorageDestroyed { storage_id, epoch, capacity_released });
}

public(package) fun emit_blob_registered(
    blob_object_id: ID,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    epoch: u64,
    end_epoch: u64,
    storage_id: ID,
    storage_size: u64,
    write_fee: u64,
    owner: address,
) {
    event::emit(BlobRegistered {
        blob_object_id,
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        epoch,
        end_epoch,
        storage_id,
        storage_size,
        write_fee,
        owner,
    });
}

public(package) fun emit_blob_certified(
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    end_epoch: u64,
    deletable: bool,
    live_references: u64,
) {
    event::emit(BlobCertified { blob_object_id, blob_id, epoch, end_epoch, deletable, live_references });
}

public(package) fun emit_blob_extended(
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    old_end_epoch: u64,
    new_end_epoch: u64,
    price: u64,
) {
    event::emit(BlobExtended { blob_object_id, blob_id, epoch, old_end_epoch, new_end_epoch, price });
}

public(package) fun emit_blob_deleted(
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    storage_id: ID,
    was_certified: bool,
    live_references: u64,
) {
    event::emit(BlobDeleted {
        blob_object_id,
        blob_id,
        epoch,
        storage_id,
        was_certified,
        live_references,
    });
}

public(package) fun emit_blob_expired(
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    end_epoch: u64,
    was_certified: bool,
    live_references: u64,
) {
    event::emit(BlobExpired { blob_object_id, blob_id, epoch, end_epoch, was_certified, live_references });
}

public(package) fun emit_registry_pruned(blob_id: u256, epoch: u64, removed: u64, live_references: u64) {
    event::emit(RegistryPruned { blob_id, epoch, removed, live_references });
}

// === challenge ===

/// `issue_challenges` ran for `epoch` and created `count` challenges.
public struct ChallengesIssued has copy, drop {
    epoch: u64,
    count: u64,
    issuer: address,
}

/// One availability challenge: `node_id` must answer with symbol `symbol_index` of primary
/// sliver `pair_index` of `blob_id` (held on its shard `shard`) before `deadline_ms`.
public struct ChallengeIssued has copy, drop {
    challenge_id: u64,
    epoch: u64,
    node_id: ID,
    blob_id: u256,
    root_hash: u256,
    shard: u16,
    pair_index: u16,
    symbol_index: u16,
    symbol_size: u64,
    deadline_ms: u64,
}

/// A challenge was answered correctly in time.
public struct ChallengeAnswered has copy, drop {
    challenge_id: u64,
    epoch: u64,
    node_id: ID,
    blob_id: u256,
    answered_at_ms: u64,
}

/// A missed challenge was slashed: `slashed` taken from the node's pool, `burned` of it
/// burned, `reward` paid to `caller`.
public struct ChallengeSlashed has copy, drop {
    challenge_id: u64,
    epoch: u64,
    node_id: ID,
    blob_id: u256,
    slashed: u64,
    burned: u64,
    reward: u64,
    caller: address,
}

public(package) fun emit_challenges_issued(epoch: u64, count: u64, issuer: address) {
    event::emit(ChallengesIssued { epoch, count, issuer });
}

public(package) fun emit_challenge_issued(
    challenge_id: u64,
    epoch: u64,
    node_id: ID,
    blob_id: u256,
    root_hash: u256,
    shard: u16,
    pair_index: u16,
    symbol_index: u16,
    symbol_size: u64,
    deadline_ms: u64,
) {
    event::emit(ChallengeIssued {
        challenge_id,
        epoch,
        node_id,
        blob_id,
        root_hash,
        shard,
        pair_index,
        symbol_index,
        symbol_size,
        deadline_ms,
    });
}

public(package) fun emit_challenge_answered(
    challenge_id: u64,
    epoch: u64,
    node_id: ID,
    blob_id: u256,
    answered_at_ms: u64,
) {
    event::emit(ChallengeAnswered { challenge_id, epoch, node_id, blob_id, answered_at_ms });
}

public(package) fun emit_challenge_slashed(
    challenge_id: u64,
    epoch: u64,
    node_id: ID,
    blob_id: u256,
    slashed: u64,
    burned: u64,
    reward: u64,
    caller: address,
) {
    event::emit(ChallengeSlashed {
        challenge_id,
        epoch,
        node_id,
        blob_id,
        slashed,
        burned,
        reward,
        caller,
    });
}


// === model ===

/// A model was registered (`model::register_model`); the model is shared, the cap went to
/// the transaction.
public struct ModelRegistered has copy, drop {
    model_id: ID,
    cap_id: ID,
    owner: address,
    name: std::string::String,
    description: std::string::String,
}

public(package) fun emit_model_registered(
    model_id: ID,
    cap_id: ID,
    owner: address,
    name: std::string::String,
    description: std::string::String,
) {
    event::emit(ModelRegistered { model_id, cap_id, owner, name, description });
}

/// A new immutable version of a model (`model::publish_version`); metrics as parallel vectors.
public struct ModelVersionPublished has copy, drop {
    model_id: ID,
    version: u64,
    blob_id: u256,
    architecture: std::string::String,
    dataset_hash: vector<u8>,
    metric_names: vector<std::string::String>,
    metric_values: vector<u64>,
    publisher: address,
    published_at_ms: u64,
    /// The `Blob` object published (the publisher's copy of the weights).
    blob_object_id: ID,
}

public(package) fun emit_model_version_published(
    model_id: ID,
    version: u64,
    blob_id: u256,
    architecture: std::string::String,
    dataset_hash: vector<u8>,
    metric_names: vector<std::string::String>,
    metric_values: vector<u64>,
    publisher: address,
    published_at_ms: u64,
    blob_object_id: ID,
) {
    event::emit(ModelVersionPublished {
        model_id,
        version,
        blob_id,
        architecture,
        dataset_hash,
        metric_names,
        metric_values,
        publisher,
        published_at_ms,
        blob_object_id,
    });
}

/// A model's description was replaced (`model::update_description`).
public struct ModelDescriptionUpdated has copy, drop {
    model_id: ID,
    description: std::string::String,
    updated_by: address,
}

public(package) fun emit_model_description_updated(
    model_id: ID,
    description: std::string::String,
    updated_by: address,
) {
    event::emit(ModelDescriptionUpdated { model_id, description, updated_by });
}

/// The cap holder took all accrued license revenue (`model::withdraw_revenue`); the model's
/// revenue balance is 0 afterwards.
public struct ModelRevenueWithdrawn has copy, drop {
    model_id: ID,
    amount: u64,
    recipient: address,
}

public(package) fun emit_model_revenue_withdrawn(model_id: ID, amount: u64, recipient: address) {
    event::emit(ModelRevenueWithdrawn { model_id, amount, recipient });
}

/// A different address acted with the model's cap, and is now its recorded owner.
public struct ModelOwnerChanged has copy, drop {
    model_id: ID,
    cap_id: ID,
    previous_owner: address,
    new_owner: address,
}

public(package) fun emit_model_owner_changed(
    model_id: ID,
    cap_id: ID,
    previous_owner: address,
    new_owner: address,
) {
    event::emit(ModelOwnerChanged { model_id, cap_id, previous_owner, new_owner });
}

// === license ===

/// A license offer was opened and shared (`license::create_offer`); `uses_per_window` 0 means
/// unlimited use.
public struct LicenseOfferCreated has copy, drop {
    offer_id: ID,
    model_id: ID,
    price_per_window: u64,
    window_ms: u64,
    max_windows: u64,
    uses_per_window: u64,
    created_by: address,
}

public(package) fun emit_license_offer_created(
    offer_id: ID,
    model_id: ID,
    price_per_window: u64,
    window_ms: u64,
    max_windows: u64,
    uses_per_window: u64,
    created_by: address,
) {
    event::emit(LicenseOfferCreated {
        offer_id,
        model_id,
        price_per_window,
        window_ms,
        max_windows,
        uses_per_window,
        created_by,
    });
}

/// An offer was paused (`paused = true`, `license::pause_offer`) or resumed
/// (`license::resume_offer`).
public struct LicenseOfferStatusChanged has copy, drop {
    offer_id: ID,
    model_id: ID,
    paused: bool,
}

public(package) fun emit_license_offer_status_changed(offer_id: ID, model_id: ID, paused: bool) {
    event::emit(LicenseOfferStatusChanged { offer_id, model_id, paused });
}

/// An offer's price per window changed (`license::reprice_offer`).
public struct LicenseOfferRepriced has copy, drop {
    offer_id: ID,
    model_id: ID,
    old_price_per_window: u64,
    new_price_per_window: u64,
}

public(package) fun emit_license_offer_repriced(
    offer_id: ID,
    model_id: ID,
    old_price_per_window: u64,
    new_price_per_window: u64,
) {
    event::emit(LicenseOfferRepriced {
        offer_id,
        model_id,
        old_price_per_window,
        new_price_per_window,
    });
}

/// A license was sold (`license::purchase`): `price = fee_burned + seller_revenue`; the
/// seller's part accrued in the model.
public struct LicensePurchased has copy, drop {
    license_id: ID,
    offer_id: ID,
    model_id: ID,
    buyer: address,
    windows: u64,
    price: u64,
    fee_burned: u64,
    seller_revenue: u64,
    expires_at_ms: u64,
    use_limited: bool,
    uses_left: u64,
    timestamp_ms: u64,
}

public(package) fun emit_license_purchased(
    license_id: ID,
    offer_id: ID,
    model_id: ID,
    buyer: address,
    windows: u64,
    price: u64,
    fee_burned: u64,
    seller_revenue: u64,
    expires_at_ms: u64,
    use_limited: bool,
    uses_left: u64,
    timestamp_ms: u64,
) {
    event::emit(LicensePurchased {
        license_id,
        offer_id,
        model_id,
        buyer,
        windows,
        price,
        fee_burned,
        seller_revenue,
        expires_at_ms,
        use_limited,
        uses_left,
        timestamp_ms,
    });
}

/// A license was extended (`license::extend`); `expires_at_ms` and `uses_left` are the new
/// values.
public struct LicenseExtended has copy, drop {
    license_id: ID,
    offer_id: ID,
    model_id: ID,
    payer: address,
    windows: u64,
    price: u64,
    fee_burned: u64,
    seller_revenue: u64,
    expires_at_ms: u64,
    uses_left: u64,
    timestamp_ms: u64,
}

public(package) fun emit_license_extended(
    license_id: ID,
    offer_id: ID,
    model_id: ID,
    payer: address,
    windows: u64,
    price: u64,
    fee_burned: u64,
    seller_revenue: u64,
    expires_at_ms: u64,
    uses_left: u64,
    timestamp_ms: u64,
) {
    event::emit(LicenseExtended {
        license_id,
        offer_id,
        model_id,
        payer,
        windows,
        price,
        fee_burned,
        seller_revenue,
        expires_at_ms,
        uses_left,
        timestamp_ms,
    });
}

/// One use of a license was recorded (`license::consume`); `uses_left` after it.
public struct LicenseConsumed has copy, drop {
    license_id: ID,
    model_id: ID,
    uses_left: u64,
    timestamp_ms: u64,
}

public(package) fun emit_license_consumed(
    license_id: ID,
    model_id: ID,
    uses_left: u64,
    timestamp_ms: u64,
) {
    event::emit(LicenseConsumed { license_id, model_id, uses_left, timestamp_ms });
}

/// A license object was deleted by its owner (`license::destroy`).
public struct LicenseDestroyed has copy, drop {
    license_id: ID,
    model_id: ID,
}

public(package) fun emit_license_destroyed(license_id: ID, model_id: ID) {
    event::emit(LicenseDestroyed { license_id, model_id });
}

// === key_server ===

/// A Seal key server was registered (`key_server::create_and_transfer_v1`, or
/// `key_server::create_for_node` with the storage node it belongs to). `key_server_id` is its
/// service ID in encrypted objects; `pk` its IBE public key (96 bytes, G2).
public struct KeyServerRegistered has copy, drop {
    key_server_id: ID,
    owner: address,
    node_id: Option<ID>,
    name: std::string::String,
    url: std::string::String,
    pk: vector<u8>,
}

public(package) fun emit_key_server_registered(
    key_server_id: ID,
    owner: address,
    node_id: Option<ID>,
    name: std::string::String,
    url: std::string::String,
    pk: vector<u8>,
) {
    event::emit(KeyServerRegistered { key_server_id, owner, node_id, name, url, pk });
}

/// A key server's owner changed its URL (`key_server::update`).
public struct KeyServerUrlUpdated has copy, drop {
    key_server_id: ID,
    url: std::string::String,
}

public(package) fun emit_key_server_url_updated(key_server_id: ID, url: std::string::String) {
    event::emit(KeyServerUrlUpdated { key_server_id, url });
}

// === upgrade ===

/// The admin brought the protocol's shared objects (`System`, `Treasury`, `BlobRegistry`,
/// `ChallengeBoard`) to package version `version` (`upgrade::migrate`).
public struct PackageMigrated has copy, drop {
    version: u64,
    system_id: ID,
}

public(package) fun emit_package_migrated(version: u64, system_id: ID) {
    event::emit(PackageMigrated { version, system_id });
}

// === dataset ===

/// A dataset was created (`dataset::create_dataset`); the dataset is shared, its cap went to
/// the transaction.
public struct DatasetCreated has copy, drop {
    dataset_id: ID,
    cap_id: ID,
    curator: address,
    name: std::string::String,
    description: std::string::String,
}

public(package) fun emit_dataset_created(
    dataset_id: ID,
    cap_id: ID,
    curator: address,
    name: std::string::String,
    description: std::string::String,
) {
    event::emit(DatasetCreated { dataset_id, cap_id, curator, name, description });
}

/// `contributor` contributed its `Blob` object to a dataset (`dataset::contribute`) and got the
/// `Contribution` NFT; its weight is 0 until the curator sets one.
public struct ContributionAdded has copy, drop {
    dataset_id: ID,
    contribution_id: ID,
    blob_id: u256,
    blob_object_id: ID,
    contributor: address,
}

public(package) fun emit_contribution_added(
    dataset_id: ID,
    contribution_id: ID,
    blob_id: u256,
    blob_object_id: ID,
    contributor: address,
) {
    event::emit(ContributionAdded {
        dataset_id,
        contribution_id,
        blob_id,
        blob_object_id,
        contributor,
    });
}

/// The curator set a contribution's weight (`dataset::set_weight`), after settling what the
/// old weight had earned; `total_weight` is the dataset's after the change.
public struct ContributionWeightSet has copy, drop {
    dataset_id: ID,
    contribution_id: ID,
    old_weight: u64,
    new_weight: u64,
    total_weight: u64,
    curator: address,
}

public(package) fun emit_contribution_weight_set(
    dataset_id: ID,
    contribution_id: ID,
    old_weight: u64,
    new_weight: u64,
    total_weight: u64,
    curator: address,
) {
    event::emit(ContributionWeightSet {
        dataset_id,
        contribution_id,
        old_weight,
        new_weight,
        total_weight,
        curator,
    });
}

/// The curator sealed a dataset (`dataset::seal`): its contributions and their weights are
/// final from now on, so every model trained on it splits revenue by these weights.
public struct DatasetSealed has copy, drop {
    dataset_id: ID,
    contribution_count: u64,
    total_weight: u64,
    curator: address,
}

public(package) fun emit_dataset_sealed(
    dataset_id: ID,
    contribution_count: u64,
    total_weight: u64,
    curator: address,
) {
    event::emit(DatasetSealed { dataset_id, contribution_count, total_weight, curator });
}

/// A model's owner set the revenue share of a dataset the model was trained on
/// (`dataset::train_on`), naming version `version`; `total_bps` is the sum of the model's
/// dataset shares after the change.
public struct ModelDatasetShareSet has copy, drop {
    model_id: ID,
    version: u64,
    dataset_id: ID,
    old_bps: u64,
    new_bps: u64,
    total_bps: u64,
    owner: address,
}

public(package) fun emit_model_dataset_share_set(
    model_id: ID,
    version: u64,
    dataset_id: ID,
    old_bps: u64,
    new_bps: u64,
    total_bps: u64,
    owner: address,
) {
    event::emit(ModelDatasetShareSet {
        model_id,
        version,
        dataset_id,
        old_bps,
        new_bps,
        total_bps,
        owner,
    });
}

/// Revenue credited to a model set `amount` aside for a dataset (`model::add_revenue`);
/// `pending` is what the model holds for it, not yet distributed.
public struct DatasetRevenueAccrued has copy, drop {
    model_id: ID,
    dataset_id: ID,
    amount: u64,
    pending: u64,
}

public(package) fun emit_dataset_revenue_accrued(
    model_id: ID,
    dataset_id: ID,
    amount: u64,
    pending: u64,
) {
    event::emit(DatasetRevenueAccrued { model_id, dataset_id, amount, pending });
}

/// `distributor` moved `amount` set aside by a model into a dataset (`dataset::distribute`),
/// spread over `total_weight`; `reward_per_weight` is the dataset's accumulator after it.
public struct DatasetRevenueDistributed has copy, drop {
    dataset_id: ID,
    model_id: ID,
    amount: u64,
    total_weight: u64,
    reward_per_weight: u128,
    distributor: address,
}

public(package) fun emit_dataset_revenue_distributed(
    dataset_id: ID,
    model_id: ID,
    amount: u64,
    total_weight: u64,
    reward_per_weight: u128,
    distributor: address,
) {
    event::emit(DatasetRevenueDistributed {
        dataset_id,
        model_id,
        amount,
        total_weight,
        reward_per_weight,
        distributor,
    });
}

/// The holder of a `Contribution` claimed what it had earned (`dataset::claim`).
public struct ContributionClaimed has copy, drop {
    dataset_id: ID,
    contribution_id: ID,
    claimant: address,
    amount: u64,
}

public(package) fun emit_contribution_claimed(
    dataset_id: ID,
    contribution_id: ID,
    claimant: address,
    amount: u64,
) {
    event::emit(ContributionClaimed { dataset_id, contribution_id, claimant, amount });
}

// === compute ===

/// A compute provider registered (`compute::register_provider`) with `stake` WAL, the ed25519
/// key of its account `operator`, and its network address.
public struct ComputeProviderRegistered has copy, drop {
    provider_id: ID,
    cap_id: ID,
    operator: address,
    public_key: vector<u8>,
    network_address: std::string::String,
    stake: u64,
}

public(package) fun emit_compute_provider_registered(
    provider_id: ID,
    cap_id: ID,
    operator: address,
    public_key: vector<u8>,
    network_address: std::string::String,
    stake: u64,
) {
    event::emit(ComputeProviderRegistered {
        provider_id,
        cap_id,
        operator,
        public_key,
        network_address,
        stake,
    });
}

/// A provider's unbonded stake or network address changed (stake added, withdrawn or bonded in
/// a job; `compute::add_stake`, `withdraw_stake`, `set_network_address`, `submit_result`).
public struct ComputeProviderUpdated has copy, drop {
    provider_id: ID,
    stake: u64,
    network_address: std::string::String,
}

public(package) fun emit_compute_provider_updated(
    provider_id: ID,
    stake: u64,
    network_address: std::string::String,
) {
    event::emit(ComputeProviderUpdated { provider_id, stake, network_address });
}

/// A compute job was opened (`compute::create_job`): `price` WAL in escrow until settlement or
/// refund; `k` of `providers` must agree before `deadline_ms`.
public struct ComputeJobCreated has copy, drop {
    job_id: ID,
    owner: address,
    model_id: ID,
    model_version: u64,
    model_blob_id: u256,
    input_blob_id: u256,
    providers: vector<ID>,
    k: u64,
    deadline_ms: u64,
    price: u64,
}

public(package) fun emit_compute_job_created(
    job_id: ID,
    owner: address,
    model_id: ID,
    model_version: u64,
    model_blob_id: u256,
    input_blob_id: u256,
    providers: vector<ID>,
    k: u64,
    deadline_ms: u64,
    price: u64,
) {
    event::emit(ComputeJobCreated {
        job_id,
        owner,
        model_id,
        model_version,
        model_blob_id,
        input_blob_id,
        providers,
        k,
        deadline_ms,
        price,
    });
}

/// A chosen provider submitted its result (`compute::submit_result`), bonding `bond` WAL.
public struct ComputeResultSubmitted has copy, drop {
    job_id: ID,
    provider_id: ID,
    operator: address,
    output_blob_id: u256,
    output_blob_object_id: ID,
    output_hash: vector<u8>,
    bond: u64,
    timestamp_ms: u64,
}

public(package) fun emit_compute_result_submitted(
    job_id: ID,
    provider_id: ID,
    operator: address,
    output_blob_id: u256,
    output_blob_object_id: ID,
    output_hash: vector<u8>,
    bond: u64,
    timestamp_ms: u64,
) {
    event::emit(ComputeResultSubmitted {
        job_id,
        provider_id,
        operator,
        output_blob_id,
        output_blob_object_id,
        output_hash,
        bond,
        timestamp_ms,
    });
}

/// A job settled (`compute::settle`): `providers_paid` providers agreed on `output_hash` and
/// were paid `paid_each` WAL each (bonds back); `fee_burned` is the protocol fee plus
/// rounding dust, `slashed` the bonds of disagreeing providers, burned.
public struct ComputeJobSettled has copy, drop {
    job_id: ID,
    model_id: ID,
    output_blob_id: u256,
    output_hash: vector<u8>,
    paid_each: u64,
    providers_paid: u64,
    fee_burned: u64,
    slashed: u64,
    timestamp_ms: u64,
}

public(package) fun emit_compute_job_settled(
    job_id: ID,
    model_id: ID,
    output_blob_id: u256,
    output_hash: vector<u8>,
    paid_each: u64,
    providers_paid: u64,
    fee_burned: u64,
    slashed: u64,
    timestamp_ms: u64,
) {
    event::emit(ComputeJobSettled {
        job_id,
        model_id,
        output_blob_id,
        output_hash,
        paid_each,
        providers_paid,
        fee_burned,
        slashed,
        timestamp_ms,
    });
}

/// A provider whose output hash differed from the settled one lost its bond (`amount`,
/// burned) at settlement (`compute::settle`).
public struct ComputeProviderSlashed has copy, drop {
    job_id: ID,
    provider_id: ID,
    operator: address,
    amount: u64,
}

public(package) fun emit_compute_provider_slashed(
    job_id: ID,
    provider_id: ID,
    operator: address,
    amount: u64,
) {
    event::emit(ComputeProviderSlashed { job_id, provider_id, operator, amount });
}

/// A job without agreeing results was refunded after its deadline (`compute::refund`):
/// `amount` WAL back to `owner`, bonds back to their providers.
public struct ComputeJobRefunded has copy, drop {
    job_id: ID,
    owner: address,
    amount: u64,
    timestamp_ms: u64,
}

public(package) fun emit_compute_job_refunded(
    job_id: ID,
    owner: address,
    amount: u64,
    timestamp_ms: u64,
) {
    event::emit(ComputeJobRefunded { job_id, owner, amount, timestamp_ms });
}

// === tuning (model + compute: self-funding model iteration) ===

/// A model's owner set its fine-tuning plan (`model::set_tuning`): `bps` of every revenue
/// credit goes into the tuning reserve; once it holds `threshold`, anyone opens a job paying
/// `price` to `providers` (`k` must agree) on `input_blob_id`, open for `duration_ms`.
public struct ModelTuningSet has copy, drop {
    model_id: ID,
    bps: u64,
    threshold: u64,
    price: u64,
    input_blob_id: u256,
    providers: vector<ID>,
    k: u64,
    duration_ms: u64,
    auto_publish: bool,
    owner: address,
}

public(package) fun emit_model_tuning_set(
    model_id: ID,
    bps: u64,
    threshold: u64,
    price: u64,
    input_blob_id: u256,
    providers: vector<ID>,
    k: u64,
    duration_ms: u64,
    auto_publish: bool,
    owner: address,
) {
    event::emit(ModelTuningSet {
        model_id,
        bps,
        threshold,
        price,
        input_blob_id,
        providers,
        k,
        duration_ms,
        auto_publish,
        owner,
    });
}

/// `amount` of a revenue credit went into the model's tuning reserve, which now holds
/// `reserve` (`model::add_revenue`).
public struct TuningReserveAccrued has copy, drop {
    model_id: ID,
    amount: u64,
    reserve: u64,
}

public(package) fun emit_tuning_reserve_accrued(model_id: ID, amount: u64, reserve: u64) {
    event::emit(TuningReserveAccrued { model_id, amount, reserve });
}

/// A tuning job was opened by `opener`, paid `price` from the model's reserve (`reserve`
/// left), running version `base_version` (`compute::open_tuning_job`). `auto_publish` is the
/// plan's flag when the job opened, which the job keeps whatever `set_tuning` says later: its
/// settled output is published as the next version at once (`TunedVersionPublished`) when it
/// is set and the output is still live, and otherwise awaits the owner's approval
/// (`TunedVersionProposed`), so indexers and dapps know which before the job settles.
public struct TuningJobOpened has copy, drop {
    model_id: ID,
    job_id: ID,
    base_version: u64,
    price: u64,
    reserve: u64,
    opener: address,
    auto_publish: bool,
}

public(package) fun emit_tuning_job_opened(
    model_id: ID,
    job_id: ID,
    base_version: u64,
    price: u64,
    reserve: u64,
    opener: address,
    auto_publish: bool,
) {
    event::emit(TuningJobOpened {
        model_id,
        job_id,
        base_version,
        price,
        reserve,
        opener,
        auto_publish,
    });
}

/// A tuning job was refunded after its deadline: `amount` went back into the model's reserve,
/// which now holds `reserve` (`compute::refund_tuning_job`).
public struct TuningJobRefunded has copy, drop {
    model_id: ID,
    job_id: ID,
    amount: u64,
    reserve: u64,
}

public(package) fun emit_tuning_job_refunded(model_id: ID, job_id: ID, amount: u64, reserve: u64) {
    event::emit(TuningJobRefunded { model_id, job_id, amount, reserve });
}

/// A settled tuning job's output (its certified `Blob`, now held by the model) awaits the
/// owner's approval (`compute::settle_tuning_job`).
public struct TunedVersionProposed has copy, drop {
    model_id: ID,
    job_id: ID,
    base_version: u64,
    blob_id: u256,
    blob_object_id: ID,
    output_hash: vector<u8>,
}

public(package) fun emit_tuned_version_proposed(
    model_id: ID,
    job_id: ID,
    base_version: u64,
    blob_id: u256,
    blob_object_id: ID,
    output_hash: vector<u8>,
) {
    event::emit(TunedVersionProposed {
        model_id,
        job_id,
        base_version,
        blob_id,
        blob_object_id,
        output_hash,
    });
}

/// A tuning job's output was published as version `version`, by the owner's approval
/// (`model::approve_tuned_version`) or at settlement (`automatic`, the owner opted in).
public struct TunedVersionPublished has copy, drop {
    model_id: ID,
    job_id: ID,
    version: u64,
    blob_id: u256,
    blob_object_id: ID,
    automatic: bool,
    publisher: address,
}

public(package) fun emit_tuned_version_published(
    model_id: ID,
    job_id: ID,
    version: u64,
    blob_id: u256,
    blob_object_id: ID,
    automatic: bool,
    publisher: address,
) {
    event::emit(TunedVersionPublished {
        model_id,
        job_id,
        version,
        blob_id,
        blob_object_id,
        automatic,
        publisher,
    });
}

/// The owner rejected a tuned version; its `Blob` went to them (`model::reject_tuned_version`).
public struct TunedVersionRejected has copy, drop {
    model_id: ID,
    job_id: ID,
    blob_id: u256,
    blob_object_id: ID,
    owner: address,
}

public(package) fun emit_tuned_version_rejected(
    model_id: ID,
    job_id: ID,
    blob_id: u256,
    blob_object_id: ID,
    owner: address,
) {
    event::emit(TunedVersionRejected { model_id, job_id, blob_id, blob_object_id, owner });
}

/// The owner moved the model's whole tuning reserve, `amount`, into its revenue
/// (`model::clear_tuning_reserve`); the reserve now holds 0.
public struct TuningReserveCleared has copy, drop {
    model_id: ID,
    amount: u64,
    owner: address,
}

public(package) fun emit_tuning_reserve_cleared(model_id: ID, amount: u64, owner: address) {
    event::emit(TuningReserveCleared { model_id, amount, owner });
}

// === Blob attributes ===

/// An attribute of a `Blob` object was set (added, or its value replaced).
public struct BlobAttributeSet has copy, drop {
    blob_object_id: ID,
    blob_id: u256,
    key: std::string::String,
    value: std::string::String,
}

public(package) fun emit_blob_attribute_set(
    blob_object_id: ID,
    blob_id: u256,
    key: std::string::String,
    value: std::string::String,
) {
    event::emit(BlobAttributeSet { blob_object_id, blob_id, key, value });
}

/// An attribute of a `Blob` object was removed.
public struct BlobAttributeRemoved has copy, drop {
    blob_object_id: ID,
    blob_id: u256,
    key: std::string::String,
}

public(package) fun emit_blob_attribute_removed(
    blob_object_id: ID,
    blob_id: u256,
    key: std::string::String,
) {
    event::emit(BlobAttributeRemoved { blob_object_id, blob_id, key });
}

// === shared_blob ===

/// A certified, permanent `Blob` was wrapped in a shared, fundable `SharedBlob`
/// (`shared_blob::new` / `new_funded`) by `creator`, with `funds` WAL to pay extensions.
public struct SharedBlobCreated has copy, drop {
    shared_blob_id: ID,
    blob_object_id: ID,
    blob_id: u256,
    end_epoch: u64,
    funds: u64,
    creator: address,
}

public(package) fun emit_shared_blob_created(
    shared_blob_id: ID,
    blob_object_id: ID,
    blob_id: u256,
    end_epoch: u64,
    funds: u64,
    creator: address,
) {
    event::emit(SharedBlobCreated {
        shared_blob_id,
        blob_object_id,
        blob_id,
        end_epoch,
        funds,
        creator,
    });
}

/// `funder` added `amount` WAL to a shared blob's funds (`shared_blob::fund`); `funds` is the
/// balance after.
public struct SharedBlobFunded has copy, drop {
    shared_blob_id: ID,
    blob_id: u256,
    amount: u64,
    funds: u64,
    funder: address,
}

public(package) fun emit_shared_blob_funded(
    shared_blob_id: ID,
    blob_id: u256,
    amount: u64,
    funds: u64,
    funder: address,
) {
    event::emit(SharedBlobFunded { shared_blob_id, blob_id, amount, funds, funder });
}

/// `extender` extended a shared blob from `old_end_epoch` to `new_end_epoch`, paying `price`
/// out of its funds (`shared_blob::extend`); `funds` is the balance left. The wrapped blob's
/// `BlobExtended` is emitted too.
public struct SharedBlobExtended has copy, drop {
    shared_blob_id: ID,
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    old_end_epoch: u64,
    new_end_epoch: u64,
    price: u64,
    funds: u64,
    extender: address,
}

public(package) fun emit_shared_blob_extended(
    shared_blob_id: ID,
    blob_object_id: ID,
    blob_id: u256,
    epoch: u64,
    old_end_epoch: u64,
    new_end_epoch: u64,
    price: u64,
    funds: u64,
    extender: address,
) {
    event::emit(SharedBlobExtended {
        shared_blob_id,
        blob_object_id,
        blob_id,
        epoch,
        old_end_epoch,
        new_end_epoch,
        price,
        funds,
        extender,
    });
}

// === service ===

/// A model service was created (`service::create_service`): calls of `model_version` of
/// `model_id` sold at `price_per_call`, served by `provider`, each answered within
/// `response_window_ms` or refundable.
public struct ServiceCreated has copy, drop {
    service_id: ID,
    cap_id: ID,
    model_id: ID,
    model_version: u64,
    owner: address,
    provider: address,
    price_per_call: u64,
    response_window_ms: u64,
}

public(package) fun emit_service_created(
    service_id: ID,
    cap_id: ID,
    model_id: ID,
    model_version: u64,
    owner: address,
    provider: address,
    price_per_call: u64,
    response_window_ms: u64,
) {
    event::emit(ServiceCreated {
        service_id,
        cap_id,
        model_id,
        model_version,
        owner,
        provider,
        price_per_call,
        response_window_ms,
    });
}

/// A service's price, pause, provider or response window changed (`service::set_price`,
/// `set_paused`, `set_provider`, `set_response_window`): its terms after the change.
public struct ServiceUpdated has copy, drop {
    service_id: ID,
    price_per_call: u64,
    paused: bool,
    provider: address,
    response_window_ms: u64,
}

public(package) fun emit_service_updated(
    service_id: ID,
    price_per_call: u64,
    paused: bool,
    provider: address,
    response_window_ms: u64,
) {
    event::emit(ServiceUpdated {
        service_id,
        price_per_call,
        paused,
        provider,
        response_window_ms,
    });
}

/// The holder of the model's `ModelCap` took a service over (`service::take_over`): `new_cap_id`
/// is its cap now, `old_cap_id` is void.
public struct ServiceCapReplaced has copy, drop {
    service_id: ID,
    old_cap_id: ID,
    new_cap_id: ID,
    owner: address,
}

public(package) fun emit_service_cap_replaced(
    service_id: ID,
    old_cap_id: ID,
    new_cap_id: ID,
    owner: address,
) {
    event::emit(ServiceCapReplaced { service_id, old_cap_id, new_cap_id, owner });
}

/// A paid call (`service::call`, `call_next`): call `call_number` of the service, at
/// `position` in its chain (0 first; later calls run on `prev_service_id`'s call
/// `prev_call_number`'s output), with the first call's `input`; `price` held in escrow until
/// the call is answered (before `deadline_ms`) or refunded (from `deadline_ms`).
public struct ServiceCalled has copy, drop {
    service_id: ID,
    call_number: u64,
    caller: address,
    position: u64,
    prev_service_id: Option<ID>,
    prev_call_number: Option<u64>,
    input: vector<u8>,
    price: u64,
    deadline_ms: u64,
    timestamp_ms: u64,
}

public(package) fun emit_service_called(
    service_id: ID,
    call_number: u64,
    caller: address,
    position: u64,
    prev_service_id: Option<ID>,
    prev_call_number: Option<u64>,
    input: vector<u8>,
    price: u64,
    deadline_ms: u64,
    timestamp_ms: u64,
) {
    event::emit(ServiceCalled {
        service_id,
        call_number,
        caller,
        position,
        prev_service_id,
        prev_call_number,
        input,
        price,
        deadline_ms,
        timestamp_ms,
    });
}

/// The service's provider answered a call (`service::respond`): the output's blob and hash.
/// The call's payment was settled: `fee_burned` burned, `revenue` credited to `model_id`.
public struct ServiceResponded has copy, drop {
    service_id: ID,
    call_number: u64,
    provider: address,
    output_blob_id: u256,
    output_hash: vector<u8>,
    model_id: ID,
    revenue: u64,
    fee_burned: u64,
    timestamp_ms: u64,
}

public(package) fun emit_service_responded(
    service_id: ID,
    call_number: u64,
    provider: address,
    output_blob_id: u256,
    output_hash: vector<u8>,
    model_id: ID,
    revenue: u64,
    fee_burned: u64,
    timestamp_ms: u64,
) {
    event::emit(ServiceResponded {
        service_id,
        call_number,
        provider,
        output_blob_id,
        output_hash,
        model_id,
        revenue,
        fee_burned,
        timestamp_ms,
    });
}

/// An unanswered call's payment went back to its payer after its deadline
/// (`service::refund`).
public struct ServiceCallRefunded has copy, drop {
    service_id: ID,
    call_number: u64,
    payer: address,
    amount: u64,
    timestamp_ms: u64,
}

public(package) fun emit_service_call_refunded(
    service_id: ID,
    call_number: u64,
    payer: address,
    amount: u64,
    timestamp_ms: u64,
) {
    event::emit(ServiceCallRefunded { service_id, call_number, payer, amount, timestamp_ms });
}

// === memory ===

/// `owner` created a `Memory` (`memory::create`), at generation 0 with no delegates.
public struct MemoryCreated has copy, drop {
    memory_id: ID,
    owner: address,
}

public(package) fun emit_memory_created(memory_id: ID, owner: address) {
    event::emit(MemoryCreated { memory_id, owner });
}

/// Entry number `index` was appended to a memory (`memory::append`) by its owner or a delegate
/// with write: the certified `Blob` object `blob_object_id` holding `blob_id`, encrypted under
/// the memory's identity of `generation`.
public struct MemoryEntryAppended has copy, drop {
    memory_id: ID,
    index: u64,
    blob_id: u256,
    blob_object_id: ID,
    generation: u64,
    appended_by: address,
}

public(package) fun emit_memory_entry_appended(
    memory_id: ID,
    index: u64,
    blob_id: u256,
    blob_object_id: ID,
    generation: u64,
    appended_by: address,
) {
    event::emit(MemoryEntryAppended {
        memory_id,
        index,
        blob_id,
        blob_object_id,
        generation,
        appended_by,
    });
}

/// The owner delegated to `agent` (`memory::grant`) at `generation`: it may obtain the
/// memory's keys and, with `can_write`, append.
public struct MemoryDelegateGranted has copy, drop {
    memory_id: ID,
    agent: address,
    can_write: bool,
    generation: u64,
}

public(package) fun emit_memory_delegate_granted(
    memory_id: ID,
    agent: address,
    can_write: bool,
    generation: u64,
) {
    event::emit(MemoryDelegateGranted { memory_id, agent, can_write, generation });
}

/// The owner revoked `agent` (`memory::revoke`); `generation` is the memory's new generation,
/// which entries appended from now on use.
public struct MemoryDelegateRevoked has copy, drop {
    memory_id: ID,
    agent: address,
    generation: u64,
}

public(package) fun emit_memory_delegate_revoked(memory_id: ID, agent: address, generation: u64) {
    event::emit(MemoryDelegateRevoked { memory_id, agent, generation });
}

// === Test-only ===

/// The source of a `WalBurned` event (tests check which source a burn recorded).
#[test_only]
public fun wal_burned_source(burned: &WalBurned): u8 { burned.source }

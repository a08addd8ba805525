//! Every resource the REST API answers, declared once (see [`super::resource::resource!`]).
//!
//! Field names are the columns' names (plain fields) so a resource reads its table by name;
//! `Option` fields are null where the chain has no value yet (see the README's "Nulls").

use serde::Serialize;
use utoipa::ToSchema;

use super::resource::{Amount, BlobIdDecimal, Json, ResourceInfo, SignedAmount, resource};

resource! {
    /// A Blob object (one per registration; several may share a blob ID).
    Blob from "blobs" {
        /// The Blob object's ID.
        blob_object_id: String,
        /// Blob ID, base64url as Walrus prints it.
        blob_id: Option<String>,
        /// The blob ID as the on-chain u256, in decimal.
        blob_id_u256: Option<BlobIdDecimal> = "t.blob_id",
        /// Merkle root over the sliver pairs, base64url.
        root_hash: Option<String>,
        /// Unencoded size in bytes.
        size: Option<Amount>,
        /// Encoding type (1 = RS2).
        encoding_type: Option<i64>,
        /// Whether the owner may delete it before its end epoch.
        deletable: Option<bool>,
        /// Who registered it.
        owner: Option<String>,
        /// The Storage object inside it.
        storage_id: Option<String>,
        /// Encoded bytes reserved.
        storage_size: Option<Amount>,
        /// Write fee paid at registration (WAL base units).
        write_fee: Option<Amount>,
        /// Storage fees paid for extensions.
        extension_fees: Option<Amount>,
        /// registered, certified, deleted or expired.
        status: Option<String>,
        registered_epoch: Option<i64>,
        certified_epoch: Option<i64>,
        /// First epoch the blob is no longer stored.
        end_epoch: Option<i64>,
        deleted_epoch: Option<i64>,
        expired_epoch: Option<i64>,
        registered_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A blob ID: what every Blob object registered for it shares.
    BlobIdentity from "blob_ids" {
        /// Blob ID, base64url.
        blob_id: String,
        /// The blob ID as the on-chain u256, in decimal.
        blob_id_u256: Option<BlobIdDecimal> = "t.blob_id",
        /// Merkle root over the sliver pairs, base64url.
        root_hash: Option<String>,
        /// Unencoded size in bytes.
        size: Option<Amount>,
        /// Certified Blob objects that keep it stored.
        live_references: Option<Amount>,
        first_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A storage reservation (Storage object).
    StorageReservation from "storage" {
        storage_id: String,
        owner: Option<String>,
        /// The reservation it was split from, if any.
        parent_storage_id: Option<String>,
        reserved_epoch: Option<i64>,
        start_epoch: Option<i64>,
        /// First epoch not covered.
        end_epoch: Option<i64>,
        unencoded_size: Option<Amount>,
        /// Encoded bytes reserved.
        storage_size: Option<Amount>,
        /// Price paid (WAL base units).
        price: Option<Amount>,
        /// available, in_blob, fused or destroyed.
        status: Option<String>,
        /// The Blob object holding it.
        blob_object_id: Option<String>,
        /// The reservation it was fused into.
        absorbed_into: Option<String>,
        destroyed_epoch: Option<i64>,
        /// Bytes returned to capacity when destroyed early.
        capacity_released: Option<Amount>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A storage node and its staking pool.
    Node from "nodes" {
        node_id: String,
        node_cap_id: Option<String>,
        /// Who registered the node.
        operator: Option<String>,
        name: Option<String>,
        network_address: Option<String>,
        /// BLS public key (hex).
        bls_public_key: Option<String>,
        /// Commission in basis points.
        commission_bps: Option<Amount>,
        registered_epoch: Option<i64>,
        storage_price_vote: Option<Amount>,
        write_price_vote: Option<Amount>,
        capacity_vote: Option<Amount>,
        /// WAL staked in the pool (base units).
        pool_stake: Option<Amount>,
        total_shares: Option<Amount>,
        /// The epoch of the latest exchange rate.
        rate_epoch: Option<i64>,
        rate_stake: Option<Amount>,
        rate_shares: Option<Amount>,
        total_rewards: Option<Amount>,
        total_commission: Option<Amount>,
        commission_collected: Option<Amount>,
        total_slashed: Option<Amount>,
        updated_checkpoint: Option<i64>,
    }

    /// A committee member of an epoch: shards `shard_start .. shard_start + shard_count`.
    CommitteeMember from "committee" {
        epoch: i64,
        /// Place in shard order.
        position: i64,
        node_id: String,
        shard_start: i64,
        shard_count: i64,
    }

    /// A stake position (StakedWal object).
    Stake from "stakes" {
        staked_wal_id: String,
        node_id: Option<String>,
        /// Who staked (transfers emit no event).
        staker: Option<String>,
        amount: Option<Amount>,
        activation_epoch: Option<i64>,
        /// staked, withdrawing or withdrawn.
        status: Option<String>,
        principal: Option<Amount>,
        shares: Option<Amount>,
        withdraw_epoch: Option<i64>,
        was_active: Option<bool>,
        withdrawn_amount: Option<Amount>,
        /// Early-unstake fee burned.
        fee_burned: Option<Amount>,
        withdrawn_epoch: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// An epoch: start, committee, prices, capacity, fees and challenges.
    Epoch from "epochs" {
        epoch: i64,
        start_ms: Option<i64>,
        committee_size: Option<i64>,
        committee_stake: Option<Amount>,
        storage_price_per_mib_epoch: Option<Amount>,
        write_price_per_mib: Option<Amount>,
        total_capacity: Option<Amount>,
        used_capacity: Option<Amount>,
        write_fees: Option<Amount>,
        /// Fees settled at the epoch's end (null until then).
        fees_total: Option<Amount>,
        fees_burned: Option<Amount>,
        fees_distributed: Option<Amount>,
        fees_carried_over: Option<Amount>,
        challenges_issued: Option<i64>,
        challenge_issuer: Option<String>,
        advanced_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A protocol parameter and its current value.
    Parameter from "parameters" {
        name: String,
        value: Option<Amount>,
        /// Epoch of the latest change.
        epoch: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// The WAL supply.
    Supply from "supply" {
        treasury_id: Option<String>,
        publisher: Option<String>,
        initial_supply: Option<Amount>,
        total_burned: Option<Amount>,
        total_supply: Option<Amount>,
        /// Number of burns.
        burns: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A WAL burn (`WalBurned`).
    Burn from "burns" {
        checkpoint: i64,
        tx_index: i64,
        event_index: i64,
        tx_digest: String,
        timestamp_ms: Option<i64>,
        amount: Amount,
        /// Burn source code (see `source_name`).
        source: i64,
        /// storage_fee, slashing, early_unstake, license_fee or user.
        source_name: String,
        /// Total burned after this burn.
        total_burned: Amount,
        /// Total supply after this burn.
        total_supply: Amount,
    }

    /// A pool slash (`PoolSlashed`).
    Slash from "slashes" {
        checkpoint: i64,
        tx_index: i64,
        event_index: i64,
        tx_digest: String,
        timestamp_ms: Option<i64>,
        node_id: String,
        epoch: i64,
        amount: Amount,
        /// Pool stake after the slash.
        pool_stake: Amount,
    }

    /// An availability challenge.
    Challenge from "challenges" {
        challenge_id: i64,
        epoch: Option<i64>,
        node_id: Option<String>,
        blob_id: Option<String>,
        root_hash: Option<String>,
        shard: Option<i64>,
        pair_index: Option<i64>,
        symbol_index: Option<i64>,
        symbol_size: Option<Amount>,
        deadline_ms: Option<i64>,
        /// issued, answered or slashed.
        status: Option<String>,
        answered_at_ms: Option<i64>,
        /// Stake slashed from the pool.
        slashed: Option<Amount>,
        burned: Option<Amount>,
        /// The slasher's bounty.
        reward: Option<Amount>,
        slashed_by: Option<String>,
        issued_checkpoint: Option<i64>,
        resolved_checkpoint: Option<i64>,
    }

    /// A model.
    Model from "models" {
        model_id: String,
        cap_id: Option<String>,
        owner: Option<String>,
        name: Option<String>,
        description: Option<String>,
        latest_version: Option<i64>,
        /// Seller revenue from every sale.
        total_revenue: Option<Amount>,
        revenue_withdrawn: Option<Amount>,
        /// `total_revenue - revenue_withdrawn`.
        revenue_accrued: Amount = "COALESCE(t.total_revenue, 0) - COALESCE(t.revenue_withdrawn, 0)",
        licenses_sold: Option<i64>,
        registered_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
        /// Tuning plan: basis points of every revenue credit set aside for fine-tuning.
        tuning_bps: Option<i64>,
        /// Tuning plan: the reserve at which anyone may open a tuning job.
        tuning_threshold: Option<Amount>,
        /// Tuning plan: what a tuning job pays its providers.
        tuning_price: Option<Amount>,
        /// Tuning plan: the providers a tuning job names (JSON array).
        tuning_providers: Option<Json>,
        /// Tuning plan: matching results a tuning job needs.
        tuning_k: Option<i64>,
        /// Tuning plan: how long a tuning job stays open (ms).
        tuning_duration_ms: Option<i64>,
        /// Tuning plan: settled outputs are published without the owner's approval.
        tuning_auto_publish: Option<bool>,
        /// WAL in the tuning reserve now.
        tuning_reserve: Option<Amount>,
        /// WAL ever set aside into the tuning reserve.
        tuning_total: Option<Amount>,
        /// The model's latest tuning job (see `tuning_job_open`).
        tuning_job_id: Option<String>,
        /// Whether `tuning_job_id` is still open.
        tuning_job_open: Option<bool>,
        /// The blob of the latest tuned output proposed for approval, base64url.
        tuning_proposal_blob_id: Option<String>,
        /// Whether that output still awaits the owner's approval.
        tuning_proposal_pending: Option<bool>,
        /// Versions published from tuning jobs.
        tuned_versions: Option<i64>,
    }

    /// A published model version.
    ModelVersion from "model_versions" {
        model_id: String,
        version: i64,
        /// Blob ID of the version's data, base64url.
        blob_id: String,
        architecture: String,
        dataset_hash: String,
        /// The metrics recorded with the version.
        metrics: Json,
        publisher: String,
        published_at_ms: i64,
        checkpoint: i64,
        tx_digest: String,
        /// The Blob object published (what proves control of the data).
        blob_object_id: Option<String>,
    }

    /// A license offer.
    Offer from "offers" {
        offer_id: String,
        model_id: Option<String>,
        price_per_window: Option<Amount>,
        window_ms: Option<Amount>,
        max_windows: Option<Amount>,
        /// Uses per window (0: unlimited).
        uses_per_window: Option<Amount>,
        created_by: Option<String>,
        paused: Option<bool>,
        licenses_sold: Option<i64>,
        revenue: Option<Amount>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A license.
    License from "licenses" {
        license_id: String,
        offer_id: Option<String>,
        model_id: Option<String>,
        /// The buyer.
        holder: Option<String>,
        windows: Option<Amount>,
        /// Price paid, extensions included.
        price_paid: Option<Amount>,
        /// Protocol fee burned.
        fee_burned: Option<Amount>,
        expires_at_ms: Option<i64>,
        use_limited: Option<bool>,
        uses_left: Option<Amount>,
        uses_consumed: Option<i64>,
        extensions: Option<i64>,
        /// active or destroyed.
        status: Option<String>,
        purchased_at_ms: Option<i64>,
        last_used_ms: Option<i64>,
        purchased_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// Storage capacity of an epoch.
    EpochCapacity from "capacity" {
        epoch: i64,
        /// Whether the epoch began (false: a future epoch).
        started: bool,
        /// Encoded bytes reservations hold in the epoch.
        used_capacity: Amount,
        /// The epoch's capacity once started, the latest known for future epochs.
        total_capacity: Option<Amount>,
        free_capacity: Option<SignedAmount>,
    }

    /// A node's shard sync for one epoch.
    NodeSync from "node_sync" {
        node_id: String,
        epoch: i64,
        /// pending or synced.
        status: Option<String>,
        /// Shards gained at the epoch change (JSON array).
        shards_gained: Option<Json>,
        shard_count: Option<i64>,
        gained_checkpoint: Option<i64>,
        gained_at_ms: Option<i64>,
        synced_shards: Option<Json>,
        synced_checkpoint: Option<i64>,
        synced_at_ms: Option<i64>,
        synced_tx_digest: Option<String>,
    }

    /// A dataset (`floe::dataset`): contributions weighted by its curator share the revenue of
    /// the models trained on it.
    Dataset from "datasets" {
        dataset_id: String,
        /// Its `DatasetCap`.
        cap_id: Option<String>,
        /// Who created it (the cap may have moved since).
        curator: Option<String>,
        name: Option<String>,
        description: Option<String>,
        /// Contributions made to it (weighted or not).
        contributions: Option<i64>,
        /// Sum of the contributions' weights.
        total_weight: Option<Amount>,
        /// Sealed by its curator: contributions and weights final, models may train on it.
        sealed: Option<bool>,
        /// WAL distributed into it from models.
        distributed: Option<Amount>,
        /// WAL its contributions' holders claimed.
        claimed: Option<Amount>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A contribution to a dataset (`floe::dataset`; its holder owns a `Contribution` NFT).
    Contribution from "contributions" {
        contribution_id: String,
        dataset_id: Option<String>,
        /// The contributed blob, base64url.
        blob_id: Option<String>,
        /// The Blob object contributed (what proves control of the data).
        blob_object_id: Option<String>,
        /// Who contributed it (the NFT may have moved since).
        contributor: Option<String>,
        /// Its weight now (0: not weighted yet, or retired).
        weight: Option<Amount>,
        /// WAL claimed with it.
        claimed: Option<Amount>,
        claims: Option<i64>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A model's revenue share with a dataset it was trained on (`dataset::train_on`).
    DatasetShare from "dataset_shares" {
        dataset_id: String,
        model_id: String,
        /// The model version the owner named as trained on the dataset (the latest naming).
        version: Option<i64>,
        /// Basis points of the model's revenue.
        bps: Option<i64>,
        /// WAL sales set aside for the dataset.
        accrued: Option<Amount>,
        /// WAL waiting in the model, not yet distributed.
        pending: Option<Amount>,
        /// WAL distributed into the dataset.
        distributed: Option<Amount>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A shared blob (`floe::shared_blob`): a certified, permanent Blob wrapped for good in a
    /// shared object whose WAL anyone may add to and anyone may spend, only on extending it.
    SharedBlob from "shared_blobs" {
        shared_blob_id: String,
        /// The wrapped Blob object (no longer an object of its own: read it through this one).
        blob_object_id: Option<String>,
        /// The wrapped blob's ID, base64url.
        blob_id: Option<String>,
        /// Who shared it.
        creator: Option<String>,
        /// The wrapped blob's end epoch (the first epoch it is no longer stored).
        end_epoch: Option<i64>,
        /// WAL in its funds now, for extensions.
        funds: Option<Amount>,
        /// All WAL ever added to its funds (the creator's initial funds included).
        funded: Option<Amount>,
        /// `fund` calls (the creation not counted).
        fundings: Option<i64>,
        /// All WAL its extensions paid out of the funds.
        spent: Option<Amount>,
        extensions: Option<i64>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// What one account gave a shared blob's funds (nothing is ever paid back).
    SharedBlobFunder from "shared_blob_funders" {
        shared_blob_id: String,
        funder: String,
        /// WAL given in all (initial funds included, for the creator).
        amount: Option<Amount>,
        /// `fund` calls (sharing with initial funds counts as one).
        fundings: Option<i64>,
        first_checkpoint: Option<i64>,
        last_checkpoint: Option<i64>,
    }

    /// A compute provider (`floe::compute`).
    ComputeProvider from "compute_providers" {
        provider_id: String,
        /// Its `ProviderCap`.
        cap_id: Option<String>,
        /// The account that acts as the provider (the Sui address of its key).
        operator: Option<String>,
        /// ed25519 public key, hex.
        public_key: Option<String>,
        /// Where its worker can be reached (as registered: informational).
        network_address: Option<String>,
        /// Stake not bonded in jobs.
        stake: Option<Amount>,
        results_submitted: Option<i64>,
        /// Jobs whose settlement burned its bond (its output differed from the agreed one).
        slashes: Option<i64>,
        /// Bonds burned in those jobs.
        slashed: Option<Amount>,
        registered_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A compute job (`floe::compute`).
    ComputeJob from "compute_jobs" {
        job_id: String,
        /// Who opened and paid for it.
        owner: Option<String>,
        model_id: Option<String>,
        model_version: Option<i64>,
        /// The model version's weights blob, base64url.
        model_blob_id: Option<String>,
        /// The input blob, base64url.
        input_blob_id: Option<String>,
        /// The chosen providers' IDs (JSON array).
        providers: Option<Json>,
        /// Matching results needed to settle.
        k: Option<i64>,
        deadline_ms: Option<i64>,
        /// WAL paid into escrow.
        price: Option<Amount>,
        /// open, settled or refunded.
        status: Option<String>,
        /// Results submitted.
        results: Option<i64>,
        /// The agreed output blob (settled jobs), base64url.
        output_blob_id: Option<String>,
        /// Blake2b-256 of the agreed output, hex (settled jobs).
        output_hash: Option<String>,
        /// Paid to each provider whose output matched.
        paid_each: Option<Amount>,
        providers_paid: Option<i64>,
        /// Protocol fee (and rounding dust) burned.
        fee_burned: Option<Amount>,
        /// Bonds burned of providers whose output differed.
        slashed: Option<Amount>,
        /// Returned to the owner (refunded jobs).
        refunded: Option<Amount>,
        /// When it was settled or refunded (ms).
        closed_at_ms: Option<i64>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
        /// A tuning job: paid from its model's tuning reserve, refunded into it.
        tuning: Option<bool>,
        /// A tuning job only: whether its settled output is published as the model's next
        /// version at once (the plan's flag when the job opened, kept whatever the plan says
        /// later) or awaits the owner's approval; null for other jobs.
        tuning_auto_publish: Option<bool>,
    }

    /// A model service (`floe::service`): calls of a model version sold at a price per call,
    /// paid into escrow, settled to the model by the answer or refunded after the deadline.
    Service from "services" {
        service_id: String,
        /// Its current `ServiceCap` (a new one after the model's owner takes it over).
        cap_id: Option<String>,
        model_id: Option<String>,
        model_version: Option<i64>,
        /// Who created it (the model's owner then).
        owner: Option<String>,
        /// The account that serves and alone answers its calls.
        provider: Option<String>,
        /// WAL each call pays.
        price_per_call: Option<Amount>,
        /// How long the provider has to answer a call, ms.
        response_window_ms: Option<i64>,
        paused: Option<bool>,
        /// Calls taken.
        calls: Option<i64>,
        /// Calls answered (and so settled).
        responses: Option<i64>,
        /// Calls refunded to their payer after their deadline.
        refunds: Option<i64>,
        /// What the calls paid into escrow, fees included.
        paid: Option<Amount>,
        /// Protocol fees burned from the answered calls.
        fee_burned: Option<Amount>,
        /// Credited to the model by the answered calls (the datasets' shares included).
        revenue: Option<Amount>,
        /// Returned to payers of unanswered calls.
        refunded: Option<Amount>,
        /// Held in escrow now: paid − fee_burned − revenue − refunded.
        escrow: Option<Amount> = "t.paid - t.fee_burned - t.revenue - t.refunded",
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// An agent memory (`floe::memory`): a user's append-only list of encrypted entries.
    Memory from "memories" {
        memory_id: String,
        /// The account that created it: it always reads, appends, grants and revokes.
        owner: Option<String>,
        /// The key generation entries appended now use (+1 at every revoke).
        generation: Option<i64>,
        /// Entries appended.
        entries: Option<i64>,
        /// Delegations granted (a re-grant counts again).
        grants: Option<i64>,
        /// Delegations revoked.
        revokes: Option<i64>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// One entry of an agent memory (append-only).
    MemoryEntry from "memory_entries" {
        memory_id: String,
        /// Its number in the memory, from 0.
        entry_index: i64,
        /// The blob holding the ciphertext (base64url).
        blob_id: Option<String>,
        /// The `Blob` object appended.
        blob_object_id: Option<String>,
        /// The key generation it is encrypted under.
        generation: Option<i64>,
        /// The owner, or a delegate granted write.
        appended_by: Option<String>,
        checkpoint: Option<i64>,
    }

    /// An agent an agent memory's owner delegated to.
    MemoryDelegate from "memory_delegates" {
        memory_id: String,
        agent: String,
        /// Whether it is a delegate now (false once revoked, until granted again).
        active: Option<bool>,
        /// Whether it may append.
        can_write: Option<bool>,
        /// The memory's generation when it was last granted.
        granted_generation: Option<i64>,
        /// The generation its last revoke moved the memory to.
        revoked_generation: Option<i64>,
        created_checkpoint: Option<i64>,
        updated_checkpoint: Option<i64>,
    }

    /// A raw floe event of a checkpoint up to the watermark (raw events commit just before
    /// their batch's projections, and are listed only once those have).
    Event from "events_indexed" {
        tx_digest: String,
        event_index: i64,
        checkpoint: i64,
        tx_index: i64,
        timestamp_ms: Option<i64>,
        sender: String,
        module: String,
        /// Struct name in `floe::events`.
        event_type: String,
        /// BCS contents, hex.
        contents: String = "encode(t.contents, 'hex')",
    }

    /// A current attribute of a Blob object (set by its holder; removed ones, and those of
    /// deleted or expired objects, are not listed). Keys and values are whatever the holder
    /// set: untrusted text.
    BlobAttribute from "blob_attributes_current" {
        /// The Blob object it belongs to.
        blob_object_id: String,
        /// 1–128 bytes of UTF-8.
        key: String,
        /// The object's blob ID, base64url.
        blob_id: Option<String>,
        /// Up to 1024 bytes of UTF-8 (may be empty).
        value: Option<String>,
        /// Position of the latest set (checkpoint, transaction, event): attributes are listed
        /// in this order, as the chain keeps them (a replaced key moves last).
        checkpoint: Option<i64>,
        tx_index: Option<i64>,
        event_index: Option<i64>,
        /// Checkpoint time of the latest set, if the checkpoint had one.
        timestamp_ms: Option<i64>,
        /// Transaction of the latest set.
        tx_digest: Option<String>,
    }
}

/// A Blob object with its current attributes (an entry of `/v1/blobs/{id}`'s `objects`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BlobObjectDetail {
    #[serde(flatten)]
    pub object: Blob,
    /// Its current attributes, in the order the chain keeps them (oldest set first).
    pub attributes: Vec<BlobAttribute>,
}

/// A blob ID with every Blob object registered for it (`/v1/blobs/{id}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BlobDetail {
    #[serde(flatten)]
    pub blob: BlobIdentity,
    /// Every Blob object registered for it, by object ID, each with its attributes.
    pub objects: Vec<BlobObjectDetail>,
    /// Every model version published with it (none for a plain blob).
    pub model_versions: Vec<ModelVersion>,
    /// Every shared blob wrapping one of its Blob objects, by shared blob ID.
    pub shared_blobs: Vec<SharedBlob>,
}

/// Every declared resource, for the schema test.
pub fn all() -> Vec<&'static ResourceInfo> {
    use super::resource::Resource as R;
    vec![
        &<Blob as R>::INFO,
        &<BlobIdentity as R>::INFO,
        &<StorageReservation as R>::INFO,
        &<Node as R>::INFO,
        &<CommitteeMember as R>::INFO,
        &<Stake as R>::INFO,
        &<Epoch as R>::INFO,
        &<Parameter as R>::INFO,
        &<Supply as R>::INFO,
        &<Burn as R>::INFO,
        &<Slash as R>::INFO,
        &<Challenge as R>::INFO,
        &<Model as R>::INFO,
        &<ModelVersion as R>::INFO,
        &<Offer as R>::INFO,
        &<License as R>::INFO,
        &<EpochCapacity as R>::INFO,
        &<NodeSync as R>::INFO,
        &<Event as R>::INFO,
        &<BlobAttribute as R>::INFO,
        &<SharedBlob as R>::INFO,
        &<SharedBlobFunder as R>::INFO,
        &<Memory as R>::INFO,
        &<MemoryEntry as R>::INFO,
        &<MemoryDelegate as R>::INFO,
        &<ComputeProvider as R>::INFO,
        &<ComputeJob as R>::INFO,
        &<Service as R>::INFO,
        &<Dataset as R>::INFO,
        &<Contribution as R>::INFO,
        &<DatasetShare as R>::INFO,
    ]
}

#[cfg(test)]
mod tests {
    /// The checks that iterate `all()` skip what it omits; read the route table's source so a
    /// resource served without being listed fails here rather than going unchecked.
    #[test]
    fn every_served_resource_is_in_all() {
        let routes = include_str!("mod.rs");
        let listed: Vec<&str> = super::all().iter().map(|info| info.name).collect();
        let served: Vec<&str> = routes
            .split("resource: &<")
            .skip(1)
            .filter_map(|rest| rest.split(" as Resource>").next())
            .collect();
        assert!(served.len() >= 20, "route table not found: {served:?}");
        for name in served {
            assert!(listed.contains(&name), "{name} is served but not in all()");
        }
    }
}

//! The indexer's tables, each declared once: its columns' names, types and merge rules, which
//! give the batch writer's `COPY` and merge statements and the typed row the projections fill
//! in (see [`crate::rows::table!`]). `migrations/` creates the same tables; the `schema` test
//! compares every definition here with a freshly migrated database, so a column added on one
//! side only fails a test, not an ingest.

use crate::rows::{Kind, Table, table};

table! {
    /// Every event of the floe package, as emitted (BCS contents): written by the ingest's own
    /// fast `COPY` writer ([`crate::ingest::events_copy_data`], in this column order), declared
    /// here for its statements and the schema test.
    EVENTS = events: EventRow, key 2, append {
        tx_digest: Text Keep,
        event_index: Int Keep,
        checkpoint: Int Keep,
        tx_index: Int Keep,
        timestamp_ms: Int Keep,
        sender: Text Keep,
        module: Text Keep,
        event_type: Text Keep,
        contents: Bytes Keep,
    }

    /// One row per Blob object (the same blob ID may be registered by several objects).
    BLOBS = blobs: BlobRow, key 1, merge {
        blob_object_id: Id Keep,
        blob_id: Text Keep,
        root_hash: Text Keep,
        size: Num Keep,
        encoding_type: Int Keep,
        deletable: Bool Keep,
        owner: Id Keep,
        storage_id: Id Keep,
        storage_size: Num Keep,
        write_fee: Num Keep,
        extension_fees: Num Add,
        status: Text Set,
        registered_epoch: Int Keep,
        certified_epoch: Int Set,
        end_epoch: Int Set,
        deleted_epoch: Int Set,
        expired_epoch: Int Set,
        registered_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// One row per blob ID: how many certified Blob objects keep it live.
    BLOB_IDS = blob_ids: BlobIdRow, key 1, merge {
        blob_id: Text Keep,
        root_hash: Text Keep,
        size: Num Keep,
        live_references: Num Set,
        first_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Storage reservations (Storage objects).
    STORAGE = storage: StorageRow, key 1, merge {
        storage_id: Id Keep,
        owner: Id Keep,
        parent_storage_id: Id Keep,
        reserved_epoch: Int Keep,
        start_epoch: Int Set,
        end_epoch: Int Set,
        unencoded_size: Num Keep,
        storage_size: Num Set,
        price: Num Keep,
        status: Text Set,
        blob_object_id: Id Set,
        absorbed_into: Id Set,
        destroyed_epoch: Int Set,
        capacity_released: Num Set,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Storage nodes and their staking pools.
    NODES = nodes: NodeRow, key 1, merge {
        node_id: Text Keep,
        node_cap_id: Text Keep,
        operator: Text Keep,
        name: Text Keep,
        network_address: Text Set,
        bls_public_key: Text Keep,
        commission_bps: Num Keep,
        registered_epoch: Int Keep,
        storage_price_vote: Num Set,
        write_price_vote: Num Set,
        capacity_vote: Num Set,
        pool_stake: Num Set,
        total_shares: Num Set,
        rate_epoch: Int Set,
        rate_stake: Num Set,
        rate_shares: Num Set,
        total_rewards: Num Add,
        total_commission: Num Add,
        commission_collected: Num Add,
        total_slashed: Num Add,
        updated_checkpoint: Int Set,
    }

    /// The committee of each epoch: member `position` holds `shard_count` shards from `shard_start` on.
    COMMITTEE = committee: CommitteeRow, key 2, append {
        epoch: Int Keep,
        position: Int Keep,
        node_id: Text Keep,
        shard_start: Int Keep,
        shard_count: Int Keep,
    }

    /// Stake positions (StakedWal objects).
    STAKES = stakes: StakeRow, key 1, merge {
        staked_wal_id: Text Keep,
        node_id: Text Keep,
        staker: Text Keep,
        amount: Num Keep,
        activation_epoch: Int Keep,
        status: Text Set,
        principal: Num Set,
        shares: Num Set,
        withdraw_epoch: Int Set,
        was_active: Bool Set,
        withdrawn_amount: Num Set,
        fee_burned: Num Set,
        withdrawn_epoch: Int Set,
        updated_checkpoint: Int Set,
    }

    /// Epochs: start, committee, prices and capacity, fees settled at their end, challenges.
    EPOCHS = epochs: EpochRow, key 1, merge {
        epoch: Int Keep,
        start_ms: Int Set,
        committee_size: Int Set,
        committee_stake: Num Set,
        storage_price_per_mib_epoch: Num Set,
        write_price_per_mib: Num Set,
        total_capacity: Num Set,
        used_capacity: Num Set,
        write_fees: Num Add,
        fees_total: Num Set,
        fees_burned: Num Set,
        fees_distributed: Num Set,
        fees_carried_over: Num Set,
        challenges_issued: Int Set,
        challenge_issuer: Text Set,
        advanced_checkpoint: Int Set,
        updated_checkpoint: Int Set,
    }

    /// Protocol parameters (set at creation or by the admin) with their current value.
    PARAMETERS = parameters: ParameterRow, key 1, merge {
        name: Text Keep,
        value: Num Set,
        epoch: Int Set,
        updated_checkpoint: Int Set,
    }

    /// The WAL supply: initial supply at publish, then the totals of the latest burn (one row, `id` true).
    SUPPLY = supply: SupplyRow, key 1, merge {
        id: Bool Keep,
        treasury_id: Text Set,
        publisher: Text Set,
        initial_supply: Num Set,
        total_burned: Num Set,
        total_supply: Num Set,
        burns: Int Add,
        updated_checkpoint: Int Set,
    }

    /// Every burn (`WalBurned`), keyed by its position in the chain.
    BURNS = burns: BurnRow, key 3, append {
        checkpoint: Int Keep,
        tx_index: Int Keep,
        event_index: Int Keep,
        tx_digest: Text Keep,
        timestamp_ms: Int Keep,
        amount: Num Keep,
        source: Int Keep,
        source_name: Text Keep,
        total_burned: Num Keep,
        total_supply: Num Keep,
    }

    /// Every pool slash (`PoolSlashed`), keyed by its position in the chain.
    SLASHES = slashes: SlashRow, key 3, append {
        checkpoint: Int Keep,
        tx_index: Int Keep,
        event_index: Int Keep,
        tx_digest: Text Keep,
        timestamp_ms: Int Keep,
        node_id: Text Keep,
        epoch: Int Keep,
        amount: Num Keep,
        pool_stake: Num Keep,
    }

    /// Availability challenges: issued, then answered or slashed.
    CHALLENGES = challenges: ChallengeRow, key 1, merge {
        challenge_id: Int Keep,
        epoch: Int Keep,
        node_id: Id Keep,
        blob_id: Text Keep,
        root_hash: Text Keep,
        shard: Int Keep,
        pair_index: Int Keep,
        symbol_index: Int Keep,
        symbol_size: Num Keep,
        deadline_ms: Int Keep,
        status: Text Set,
        answered_at_ms: Int Set,
        slashed: Num Set,
        burned: Num Set,
        reward: Num Set,
        slashed_by: Id Set,
        issued_checkpoint: Int Keep,
        resolved_checkpoint: Int Set,
    }

    /// Models; accrued revenue = `total_revenue - revenue_withdrawn`.
    MODELS = models: ModelRow, key 1, merge {
        model_id: Text Keep,
        cap_id: Text Keep,
        owner: Text Set,
        name: Text Keep,
        description: Text Set,
        latest_version: Int Set,
        total_revenue: Num Add,
        revenue_withdrawn: Num Add,
        licenses_sold: Int Add,
        registered_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
        tuning_bps: Int Set,
        tuning_threshold: Num Set,
        tuning_price: Num Set,
        tuning_providers: Json Set,
        tuning_k: Int Set,
        tuning_duration_ms: Int Set,
        tuning_auto_publish: Bool Set,
        tuning_reserve: Num Set,
        tuning_total: Num Add,
        tuning_job_id: Text Set,
        tuning_job_open: Bool Set,
        tuning_proposal_blob_id: Text Set,
        tuning_proposal_pending: Bool Set,
        tuned_versions: Int Add,
    }

    /// Every published model version.
    MODEL_VERSIONS = model_versions: ModelVersionRow, key 2, append {
        model_id: Text Keep,
        version: Int Keep,
        blob_id: Text Keep,
        architecture: Text Keep,
        dataset_hash: Text Keep,
        metrics: Json Keep,
        publisher: Text Keep,
        published_at_ms: Int Keep,
        checkpoint: Int Keep,
        tx_digest: Text Keep,
        blob_object_id: Text Keep,
    }

    /// License offers.
    OFFERS = offers: OfferRow, key 1, merge {
        offer_id: Text Keep,
        model_id: Text Keep,
        price_per_window: Num Set,
        window_ms: Num Keep,
        max_windows: Num Keep,
        uses_per_window: Num Keep,
        created_by: Text Keep,
        paused: Bool Set,
        licenses_sold: Int Add,
        revenue: Num Add,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Licenses; `holder` is the buyer (a later transfer of the object shows in no event).
    LICENSES = licenses: LicenseRow, key 1, merge {
        license_id: Id Keep,
        offer_id: Id Keep,
        model_id: Id Keep,
        holder: Id Keep,
        windows: Num Add,
        price_paid: Num Add,
        fee_burned: Num Add,
        expires_at_ms: Int Set,
        use_limited: Bool Keep,
        uses_left: Num Set,
        uses_consumed: Int Add,
        extensions: Int Add,
        status: Text Set,
        purchased_at_ms: Int Keep,
        last_used_ms: Int Set,
        purchased_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Capacity reservations and releases as per-epoch boundaries (see the `capacity` view):
    /// an event adds to two rows whatever the length of its epoch range.
    CAPACITY_BOUNDARIES = capacity_boundaries: CapacityBoundaryRow, key 1, merge {
        epoch: Int Keep,
        added: Num Add,
        removed: Num Add,
        reservations: Int Add,
        releases: Int Add,
        updated_checkpoint: Int Set,
    }

    /// Shard sync per node and epoch: shards gained at the epoch change (`ShardsGained`), then
    /// signalled held (`EpochSyncDone`).
    NODE_SYNC = node_sync: NodeSyncRow, key 2, merge {
        node_id: Text Keep,
        epoch: Int Keep,
        status: Text Set,
        shards_gained: Json Keep,
        shard_count: Int Keep,
        gained_checkpoint: Int Keep,
        gained_at_ms: Int Keep,
        synced_shards: Json Set,
        synced_checkpoint: Int Set,
        synced_at_ms: Int Set,
        synced_tx_digest: Text Set,
    }

    /// Each pool's stake as it entered an epoch (`PoolAdvanced`): stake by node over epochs.
    POOL_EPOCHS = pool_epochs: PoolEpochRow, key 2, merge {
        node_id: Text Keep,
        epoch: Int Keep,
        pool_stake: Num Set,
        staked_in: Num Set,
        withdrawn_out: Num Set,
        rate_stake: Num Set,
        rate_shares: Num Set,
        total_shares: Num Set,
        checkpoint: Int Set,
    }

    /// Every license payment (`LicensePurchased`, `LicenseExtended`), keyed by its position in
    /// the chain: the base of the revenue series.
    LICENSE_PAYMENTS = license_payments: LicensePaymentRow, key 3, append {
        checkpoint: Int Keep,
        tx_index: Int Keep,
        event_index: Int Keep,
        timestamp_ms: Int Keep,
        license_id: Id Keep,
        model_id: Text Keep,
        purchase: Bool Keep,
        price: Num Keep,
        fee_burned: Num Keep,
    }

    /// Burns per aligned span of time (`span_ms`: a minute, an hour or a day, from `start_ms`)
    /// and source, added up at ingest: the supply series reads these instead of the burns.
    BURN_ROLLUPS = burn_rollups: BurnRollupRow, key 3, merge {
        span_ms: Int Keep,
        start_ms: Int Keep,
        source: Int Keep,
        amount: Num Add,
        burns: Int Add,
    }

    /// License payments per aligned span of time and model, added up at ingest: the revenue
    /// series reads these instead of the payments.
    REVENUE_ROLLUPS = revenue_rollups: RevenueRollupRow, key 3, merge {
        span_ms: Int Keep,
        start_ms: Int Keep,
        model_id: Text Keep,
        revenue: Num Add,
        fees_burned: Num Add,
        licenses: Int Add,
        payments: Int Add,
    }

    /// Attributes of Blob objects (`BlobAttributeSet`, `BlobAttributeRemoved`), one row per
    /// object and key. The writer folds and merges rows and never deletes one, so a removed
    /// key stays as a row with `removed` true; the `blob_attributes_current` view is the
    /// current set (removed keys and the keys of deleted or expired objects left out). The
    /// position of the latest set (`checkpoint`, `tx_index`, `event_index`) orders them: the
    /// chain moves a replaced key last, and so does a later position.
    BLOB_ATTRIBUTES = blob_attributes: BlobAttributeRow, key 2, merge {
        blob_object_id: Id Keep,
        key: Text Keep,
        blob_id: Text Keep,
        value: Text Set,
        removed: Bool Set,
        checkpoint: Int Set,
        tx_index: Int Set,
        event_index: Int Set,
        timestamp_ms: Int Set,
        tx_digest: Text Set,
        updated_checkpoint: Int Set,
    }

    /// Shared blobs (`floe::shared_blob`): the wrapped Blob object and blob ID, who shared it,
    /// its end epoch, the WAL in its funds now (each event says the balance after), all WAL
    /// ever added (the creator's initial funds included) and all spent on extensions.
    SHARED_BLOBS = shared_blobs: SharedBlobRow, key 1, merge {
        shared_blob_id: Text Keep,
        blob_object_id: Text Keep,
        blob_id: Text Keep,
        creator: Text Keep,
        end_epoch: Int Max,
        funds: Num Set,
        funded: Num Add,
        fundings: Int Add,
        spent: Num Add,
        extensions: Int Add,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// What each account gave a shared blob's funds (`SharedBlobFunded`, and the creator's
    /// initial funds from `SharedBlobCreated` when not zero).
    SHARED_BLOB_FUNDERS = shared_blob_funders: SharedBlobFunderRow, key 2, merge {
        shared_blob_id: Text Keep,
        funder: Text Keep,
        amount: Num Add,
        fundings: Int Add,
        first_checkpoint: Int Keep,
        last_checkpoint: Int Set,
    }

    /// Compute providers (`floe::compute`): who registered, where, the stake not bonded in
    /// jobs (each `ComputeProviderUpdated` says it), results submitted and bonds slashed.
    COMPUTE_PROVIDERS = compute_providers: ComputeProviderRow, key 1, merge {
        provider_id: Text Keep,
        cap_id: Text Keep,
        operator: Text Keep,
        public_key: Text Keep,
        network_address: Text Set,
        stake: Num Set,
        results_submitted: Int Add,
        slashes: Int Add,
        slashed: Num Add,
        registered_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Compute jobs (`floe::compute`): what runs where, the escrow, and how the job closed
    /// (settled: the agreed output and what was paid, burned and slashed; refunded: how much).
    COMPUTE_JOBS = compute_jobs: ComputeJobRow, key 1, merge {
        job_id: Text Keep,
        owner: Text Keep,
        model_id: Text Keep,
        model_version: Int Keep,
        model_blob_id: Text Keep,
        input_blob_id: Text Keep,
        providers: Json Keep,
        k: Int Keep,
        deadline_ms: Int Keep,
        price: Num Keep,
        status: Text Set,
        results: Int Add,
        output_blob_id: Text Set,
        output_hash: Text Set,
        paid_each: Num Set,
        providers_paid: Int Set,
        fee_burned: Num Set,
        slashed: Num Set,
        refunded: Num Set,
        closed_at_ms: Int Set,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
        tuning: Bool Set,
        tuning_auto_publish: Bool Set,
    }

    /// Datasets (`floe::dataset`): who curates them, how many contributions and how much
    /// weight they hold, WAL distributed to them and claimed from them.
    DATASETS = datasets: DatasetRow, key 1, merge {
        dataset_id: Text Keep,
        cap_id: Text Keep,
        curator: Text Keep,
        name: Text Keep,
        description: Text Keep,
        contributions: Int Add,
        total_weight: Num Set,
        sealed: Bool Set,
        distributed: Num Add,
        claimed: Num Add,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Contributions to datasets (`floe::dataset`): the blob and Blob object contributed, who
    /// contributed it, its weight now and what its holders claimed.
    CONTRIBUTIONS = contributions: ContributionRow, key 1, merge {
        contribution_id: Text Keep,
        dataset_id: Text Keep,
        blob_id: Text Keep,
        blob_object_id: Text Keep,
        contributor: Text Keep,
        weight: Num Set,
        claimed: Num Add,
        claims: Int Add,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// A model's revenue share with a dataset it was trained on (`ModelDatasetShareSet`): the
    /// basis points, what sales set aside for the dataset, what waits in the model and what
    /// was distributed into the dataset.
    DATASET_SHARES = dataset_shares: DatasetShareRow, key 2, merge {
        dataset_id: Text Keep,
        model_id: Text Keep,
        version: Int Set,
        bps: Int Set,
        accrued: Num Add,
        pending: Num Set,
        distributed: Num Add,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Model services (`floe::service`): terms as last set (the cap changes on a take-over),
    /// calls taken, answered and refunded, what the calls paid into escrow (`paid`), what the
    /// answers burned and credited to the model (`revenue`) and what was refunded. The escrow
    /// held is `paid - fee_burned - revenue - refunded`.
    SERVICES = services: ServiceRow, key 1, merge {
        service_id: Text Keep,
        cap_id: Text Set,
        model_id: Text Keep,
        model_version: Int Keep,
        owner: Text Keep,
        provider: Text Set,
        price_per_call: Num Set,
        response_window_ms: Int Set,
        paused: Bool Set,
        calls: Int Add,
        responses: Int Add,
        refunds: Int Add,
        paid: Num Add,
        fee_burned: Num Add,
        revenue: Num Add,
        refunded: Num Add,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Agent memories (`floe::memory`): the owner, the key generation (+1 at every revoke),
    /// entries appended, grants and revokes.
    MEMORIES = memories: MemoryRow, key 1, merge {
        memory_id: Text Keep,
        owner: Text Keep,
        generation: Int Set,
        entries: Int Add,
        grants: Int Add,
        revokes: Int Add,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// The entries of agent memories, append-only: the certified blob (ciphertext) and `Blob`
    /// object appended, the key generation it is encrypted under and who appended it.
    MEMORY_ENTRIES = memory_entries: MemoryEntryRow, key 2, merge {
        memory_id: Text Keep,
        entry_index: Int Keep,
        blob_id: Text Keep,
        blob_object_id: Text Keep,
        generation: Int Keep,
        appended_by: Text Keep,
        checkpoint: Int Keep,
    }

    /// Agents an agent memory's owner delegated to: active until revoked (a new grant makes
    /// the row active again, with its new rights).
    MEMORY_DELEGATES = memory_delegates: MemoryDelegateRow, key 2, merge {
        memory_id: Text Keep,
        agent: Text Keep,
        active: Bool Set,
        can_write: Bool Set,
        granted_generation: Int Set,
        revoked_generation: Int Set,
        created_checkpoint: Int Keep,
        updated_checkpoint: Int Set,
    }

    /// Challenges per epoch they were issued in, counted at ingest by what became of them, and
    /// the latest deadline among them (so the series knows when none can still be pending).
    CHALLENGE_EPOCHS = challenge_epochs: ChallengeEpochRow, key 1, merge {
        epoch: Int Keep,
        issued: Int Add,
        answered: Int Add,
        slashed: Int Add,
        last_deadline_ms: Int Max,
    }
}

/// Every declared table. The database has exactly these and `watermark` (one row the ingest
/// writes with its own statement: it has a `timestamptz` no event carries).
pub static ALL: &[&Table] = &[
    &EVENTS,
    &BLOBS,
    &BLOB_IDS,
    &STORAGE,
    &NODES,
    &COMMITTEE,
    &STAKES,
    &EPOCHS,
    &PARAMETERS,
    &SUPPLY,
    &BURNS,
    &SLASHES,
    &CHALLENGES,
    &MODELS,
    &MODEL_VERSIONS,
    &OFFERS,
    &LICENSES,
    &CAPACITY_BOUNDARIES,
    &NODE_SYNC,
    &POOL_EPOCHS,
    &LICENSE_PAYMENTS,
    &BURN_ROLLUPS,
    &REVENUE_ROLLUPS,
    &CHALLENGE_EPOCHS,
    &BLOB_ATTRIBUTES,
    &SHARED_BLOBS,
    &SHARED_BLOB_FUNDERS,
    &COMPUTE_PROVIDERS,
    &COMPUTE_JOBS,
    &SERVICES,
    &DATASETS,
    &CONTRIBUTIONS,
    &DATASET_SHARES,
    &MEMORIES,
    &MEMORY_ENTRIES,
    &MEMORY_DELEGATES,
];

/// The aligned spans the time rollups are kept at, longest first: a day, an hour, a minute.
pub const ROLLUP_SPANS_MS: [i64; 3] = [86_400_000, 3_600_000, 60_000];

/// A view the API reads (computed by PostgreSQL, never written), declared for the schema test.
#[derive(Debug)]
pub struct View {
    pub name: &'static str,
    pub cols: &'static [(&'static str, Kind)],
}

/// Capacity per epoch: what reservations hold in each epoch, past and future.
pub static CAPACITY: View = View {
    name: "capacity",
    cols: &[
        ("epoch", Kind::Int),
        ("started", Kind::Bool),
        ("used_capacity", Kind::Num),
        ("total_capacity", Kind::Num),
        ("free_capacity", Kind::Num),
    ],
};

/// The current attributes of live Blob objects: `blob_attributes` without removed keys and
/// without the keys of deleted or expired objects (which drop their attributes on chain).
pub static BLOB_ATTRIBUTES_CURRENT: View = View {
    name: "blob_attributes_current",
    cols: &[
        ("blob_object_id", Kind::Id),
        ("key", Kind::Text),
        ("blob_id", Kind::Text),
        ("value", Kind::Text),
        ("checkpoint", Kind::Int),
        ("tx_index", Kind::Int),
        ("event_index", Kind::Int),
        ("timestamp_ms", Kind::Int),
        ("tx_digest", Kind::Text),
    ],
};

/// The raw events of checkpoints up to the watermark, what `/v1/events` lists: the ingest
/// commits a batch's raw events just before its projections and watermark (on a second
/// connection), so `events` may briefly hold rows beyond the watermark.
pub static EVENTS_INDEXED: View = View {
    name: "events_indexed",
    cols: &[
        ("tx_digest", Kind::Text),
        ("event_index", Kind::Int),
        ("checkpoint", Kind::Int),
        ("tx_index", Kind::Int),
        ("timestamp_ms", Kind::Int),
        ("sender", Kind::Text),
        ("module", Kind::Text),
        ("event_type", Kind::Text),
        ("contents", Kind::Bytes),
    ],
};

/// Every declared view.
pub static VIEWS: &[&View] = &[&CAPACITY, &BLOB_ATTRIBUTES_CURRENT, &EVENTS_INDEXED];

/// The kind of `table.column` (a declared table or view), if declared: the API renders and
/// binds by it, so a column turned into [`Kind::Id`] here is read and filtered as `0x`-hex
/// without touching the resources that serve it.
pub fn column_kind(table: &str, column: &str) -> Option<Kind> {
    if let Some(t) = ALL.iter().find(|t| t.name == table) {
        return t.cols.iter().find(|c| c.name == column).map(|c| c.kind);
    }
    VIEWS
        .iter()
        .find(|v| v.name == table)
        .and_then(|v| v.cols.iter().find(|(name, _)| *name == column))
        .map(|(_, kind)| *kind)
}

-- Floe indexer schema. Identifiers are stored as the text users see (object IDs and addresses
-- as 0x-hex, transaction digests in base58, blob IDs and root hashes in base64url as Walrus
-- prints them), so the REST API can render rows with to_jsonb and look them up by index.
-- Amounts, sizes, prices and other unbounded u64/u128 values are NUMERIC (a u64 does not fit a
-- BIGINT); epochs, checkpoints, timestamps and sequence numbers are BIGINT.

-- The last checkpoint whose events are fully written; updated in the same transaction as them.
CREATE TABLE watermark (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    checkpoint bigint NOT NULL,
    timestamp_ms bigint,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every event of the floe package, as emitted (BCS contents).
CREATE TABLE events (
    tx_digest text NOT NULL,
    event_index bigint NOT NULL,
    checkpoint bigint NOT NULL,
    tx_index bigint NOT NULL,
    timestamp_ms bigint,
    sender text NOT NULL,
    module text NOT NULL,
    event_type text NOT NULL,
    contents bytea NOT NULL,
    PRIMARY KEY (tx_digest, event_index)
);
CREATE INDEX events_by_position ON events (checkpoint, tx_index, event_index);

-- One row per Blob object (the same blob ID may be registered by several objects).
CREATE TABLE blobs (
    blob_object_id text PRIMARY KEY,
    blob_id text,
    blob_id_u256 text,
    root_hash text,
    size numeric,
    encoding_type bigint,
    deletable boolean,
    owner text,
    storage_id text,
    storage_size numeric,
    write_fee numeric,
    extension_fees numeric,
    status text,
    registered_epoch bigint,
    certified_epoch bigint,
    end_epoch bigint,
    deleted_epoch bigint,
    expired_epoch bigint,
    registered_checkpoint bigint,
    updated_checkpoint bigint
);
CREATE INDEX blobs_by_blob_id ON blobs (blob_id);
CREATE INDEX blobs_by_owner ON blobs (owner, blob_object_id);

-- One row per blob ID: how many certified Blob objects keep it live.
CREATE TABLE blob_ids (
    blob_id text PRIMARY KEY,
    blob_id_u256 text,
    root_hash text,
    size numeric,
    live_references numeric,
    first_checkpoint bigint,
    updated_checkpoint bigint
);

-- Storage reservations (Storage objects).
CREATE TABLE storage (
    storage_id text PRIMARY KEY,
    owner text,
    parent_storage_id text,
    reserved_epoch bigint,
    start_epoch bigint,
    end_epoch bigint,
    unencoded_size numeric,
    storage_size numeric,
    price numeric,
    status text,
    blob_object_id text,
    absorbed_into text,
    destroyed_epoch bigint,
    capacity_released numeric,
    created_checkpoint bigint,
    updated_checkpoint bigint
);
CREATE INDEX storage_by_owner ON storage (owner, storage_id);

-- Storage nodes and their staking pools.
CREATE TABLE nodes (
    node_id text PRIMARY KEY,
    node_cap_id text,
    operator text,
    name text,
    network_address text,
    bls_public_key text,
    commission_bps numeric,
    registered_epoch bigint,
    storage_price_vote numeric,
    write_price_vote numeric,
    capacity_vote numeric,
    pool_stake numeric,
    total_shares numeric,
    rate_epoch bigint,
    rate_stake numeric,
    rate_shares numeric,
    total_rewards numeric,
    total_commission numeric,
    commission_collected numeric,
    total_slashed numeric,
    updated_checkpoint bigint
);

-- Committee of each epoch: member k holds shard_count shards from shard_start on.
CREATE TABLE committee (
    epoch bigint NOT NULL,
    position bigint NOT NULL,
    node_id text NOT NULL,
    shard_start bigint NOT NULL,
    shard_count bigint NOT NULL,
    PRIMARY KEY (epoch, position)
);

-- Stake positions (StakedWal objects).
CREATE TABLE stakes (
    staked_wal_id text PRIMARY KEY,
    node_id text,
    staker text,
    amount numeric,
    activation_epoch bigint,
    status text,
    principal numeric,
    shares numeric,
    withdraw_epoch bigint,
    was_active boolean,
    withdrawn_amount numeric,
    fee_burned numeric,
    withdrawn_epoch bigint,
    updated_checkpoint bigint
);
CREATE INDEX stakes_by_staker ON stakes (staker, staked_wal_id);
CREATE INDEX stakes_by_node ON stakes (node_id, staked_wal_id);

-- Epochs: start, committee, prices and capacity, fees settled at their end, challenges.
CREATE TABLE epochs (
    epoch bigint PRIMARY KEY,
    start_ms bigint,
    committee_size bigint,
    committee_stake numeric,
    storage_price_per_mib_epoch numeric,
    write_price_per_mib numeric,
    total_capacity numeric,
    used_capacity numeric,
    write_fees numeric,
    fees_total numeric,
    fees_burned numeric,
    fees_distributed numeric,
    fees_carried_over numeric,
    challenges_issued bigint,
    challenge_issuer text,
    advanced_checkpoint bigint,
    updated_checkpoint bigint
);

-- Protocol parameters (set at creation or by the admin) with their current value.
CREATE TABLE parameters (
    name text PRIMARY KEY,
    value numeric,
    epoch bigint,
    updated_checkpoint bigint
);

-- The WAL supply: initial supply at publish, then the totals of the latest burn.
CREATE TABLE supply (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    treasury_id text,
    publisher text,
    initial_supply numeric,
    total_burned numeric,
    total_supply numeric,
    burns bigint,
    updated_checkpoint bigint
);

-- Every burn (WalBurned). source: 0 storage fee, 1 slashing, 2 early unstake, 3 license fee.
CREATE TABLE burns (
    checkpoint bigint NOT NULL,
    tx_index bigint NOT NULL,
    event_index bigint NOT NULL,
    tx_digest text NOT NULL,
    timestamp_ms bigint,
    amount numeric NOT NULL,
    source bigint NOT NULL,
    source_name text NOT NULL,
    total_burned numeric NOT NULL,
    total_supply numeric NOT NULL,
    PRIMARY KEY (checkpoint, tx_index, event_index)
);

-- Every pool slash (PoolSlashed), with the challenge it came from when one did.
CREATE TABLE slashes (
    checkpoint bigint NOT NULL,
    tx_index bigint NOT NULL,
    event_index bigint NOT NULL,
    tx_digest text NOT NULL,
    timestamp_ms bigint,
    node_id text NOT NULL,
    epoch bigint NOT NULL,
    amount numeric NOT NULL,
    pool_stake numeric NOT NULL,
    PRIMARY KEY (checkpoint, tx_index, event_index)
);
CREATE INDEX slashes_by_node ON slashes (node_id);

-- Availability challenges: issued, then answered or slashed.
CREATE TABLE challenges (
    challenge_id bigint PRIMARY KEY,
    epoch bigint,
    node_id text,
    blob_id text,
    root_hash text,
    shard bigint,
    pair_index bigint,
    symbol_index bigint,
    symbol_size numeric,
    deadline_ms bigint,
    status text,
    answered_at_ms bigint,
    slashed numeric,
    burned numeric,
    reward numeric,
    slashed_by text,
    issued_checkpoint bigint,
    resolved_checkpoint bigint
);
CREATE INDEX challenges_by_node ON challenges (node_id, challenge_id);

-- Models; accrued revenue = total_revenue - revenue_withdrawn.
CREATE TABLE models (
    model_id text PRIMARY KEY,
    cap_id text,
    owner text,
    name text,
    description text,
    latest_version bigint,
    total_revenue numeric,
    revenue_withdrawn numeric,
    licenses_sold bigint,
    registered_checkpoint bigint,
    updated_checkpoint bigint
);

CREATE TABLE model_versions (
    model_id text NOT NULL,
    version bigint NOT NULL,
    blob_id text NOT NULL,
    architecture text NOT NULL,
    dataset_hash text NOT NULL,
    metrics jsonb NOT NULL,
    publisher text NOT NULL,
    published_at_ms bigint NOT NULL,
    checkpoint bigint NOT NULL,
    tx_digest text NOT NULL,
    PRIMARY KEY (model_id, version)
);

CREATE TABLE offers (
    offer_id text PRIMARY KEY,
    model_id text,
    price_per_window numeric,
    window_ms numeric,
    max_windows numeric,
    uses_per_window numeric,
    created_by text,
    paused boolean,
    licenses_sold bigint,
    revenue numeric,
    created_checkpoint bigint,
    updated_checkpoint bigint
);
CREATE INDEX offers_by_model ON offers (model_id, offer_id);

-- Licenses; holder is the buyer (a later transfer of the object shows in no event).
CREATE TABLE licenses (
    license_id text PRIMARY KEY,
    offer_id text,
    model_id text,
    holder text,
    windows numeric,
    price_paid numeric,
    fee_burned numeric,
    expires_at_ms bigint,
    use_limited boolean,
    uses_left numeric,
    uses_consumed bigint,
    extensions bigint,
    status text,
    purchased_at_ms bigint,
    last_used_ms bigint,
    purchased_checkpoint bigint,
    updated_checkpoint bigint
);
CREATE INDEX licenses_by_holder ON licenses (holder, license_id);
CREATE INDEX licenses_by_model ON licenses (model_id, license_id);

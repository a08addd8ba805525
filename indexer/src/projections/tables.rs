//! The projection tables as the batch writer sees them (the schema is in `migrations/`).

use crate::rows::Kind::{Bool, Int, Json, Num, Text};
use crate::rows::{Table, add, keep, set};

pub static BLOBS: Table = Table {
    name: "blobs",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("blob_object_id", Text),
        keep("blob_id", Text),
        keep("blob_id_u256", Text),
        keep("root_hash", Text),
        keep("size", Num),
        keep("encoding_type", Int),
        keep("deletable", Bool),
        keep("owner", Text),
        keep("storage_id", Text),
        keep("storage_size", Num),
        keep("write_fee", Num),
        add("extension_fees", Num),
        set("status", Text),
        keep("registered_epoch", Int),
        set("certified_epoch", Int),
        set("end_epoch", Int),
        set("deleted_epoch", Int),
        set("expired_epoch", Int),
        keep("registered_checkpoint", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static BLOB_IDS: Table = Table {
    name: "blob_ids",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("blob_id", Text),
        keep("blob_id_u256", Text),
        keep("root_hash", Text),
        keep("size", Num),
        set("live_references", Num),
        keep("first_checkpoint", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static STORAGE: Table = Table {
    name: "storage",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("storage_id", Text),
        keep("owner", Text),
        keep("parent_storage_id", Text),
        keep("reserved_epoch", Int),
        set("start_epoch", Int),
        set("end_epoch", Int),
        keep("unencoded_size", Num),
        set("storage_size", Num),
        keep("price", Num),
        set("status", Text),
        set("blob_object_id", Text),
        set("absorbed_into", Text),
        set("destroyed_epoch", Int),
        set("capacity_released", Num),
        keep("created_checkpoint", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static NODES: Table = Table {
    name: "nodes",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("node_id", Text),
        keep("node_cap_id", Text),
        keep("operator", Text),
        keep("name", Text),
        set("network_address", Text),
        keep("bls_public_key", Text),
        keep("commission_bps", Num),
        keep("registered_epoch", Int),
        set("storage_price_vote", Num),
        set("write_price_vote", Num),
        set("capacity_vote", Num),
        set("pool_stake", Num),
        set("total_shares", Num),
        set("rate_epoch", Int),
        set("rate_stake", Num),
        set("rate_shares", Num),
        add("total_rewards", Num),
        add("total_commission", Num),
        add("commission_collected", Num),
        add("total_slashed", Num),
        set("updated_checkpoint", Int),
    ],
};

pub static COMMITTEE: Table = Table {
    name: "committee",
    key_len: 2,
    append_only: true,
    cols: &[
        keep("epoch", Int),
        keep("position", Int),
        keep("node_id", Text),
        keep("shard_start", Int),
        keep("shard_count", Int),
    ],
};

pub static STAKES: Table = Table {
    name: "stakes",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("staked_wal_id", Text),
        keep("node_id", Text),
        keep("staker", Text),
        keep("amount", Num),
        keep("activation_epoch", Int),
        set("status", Text),
        set("principal", Num),
        set("shares", Num),
        set("withdraw_epoch", Int),
        set("was_active", Bool),
        set("withdrawn_amount", Num),
        set("fee_burned", Num),
        set("withdrawn_epoch", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static EPOCHS: Table = Table {
    name: "epochs",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("epoch", Int),
        set("start_ms", Int),
        set("committee_size", Int),
        set("committee_stake", Num),
        set("storage_price_per_mib_epoch", Num),
        set("write_price_per_mib", Num),
        set("total_capacity", Num),
        set("used_capacity", Num),
        add("write_fees", Num),
        set("fees_total", Num),
        set("fees_burned", Num),
        set("fees_distributed", Num),
        set("fees_carried_over", Num),
        set("challenges_issued", Int),
        set("challenge_issuer", Text),
        set("advanced_checkpoint", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static PARAMETERS: Table = Table {
    name: "parameters",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("name", Text),
        set("value", Num),
        set("epoch", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static SUPPLY: Table = Table {
    name: "supply",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("id", Bool),
        set("treasury_id", Text),
        set("publisher", Text),
        set("initial_supply", Num),
        set("total_burned", Num),
        set("total_supply", Num),
        add("burns", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static BURNS: Table = Table {
    name: "burns",
    key_len: 3,
    append_only: true,
    cols: &[
        keep("checkpoint", Int),
        keep("tx_index", Int),
        keep("event_index", Int),
        keep("tx_digest", Text),
        keep("timestamp_ms", Int),
        keep("amount", Num),
        keep("source", Int),
        keep("source_name", Text),
        keep("total_burned", Num),
        keep("total_supply", Num),
    ],
};

pub static SLASHES: Table = Table {
    name: "slashes",
    key_len: 3,
    append_only: true,
    cols: &[
        keep("checkpoint", Int),
        keep("tx_index", Int),
        keep("event_index", Int),
        keep("tx_digest", Text),
        keep("timestamp_ms", Int),
        keep("node_id", Text),
        keep("epoch", Int),
        keep("amount", Num),
        keep("pool_stake", Num),
    ],
};

pub static CHALLENGES: Table = Table {
    name: "challenges",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("challenge_id", Int),
        keep("epoch", Int),
        keep("node_id", Text),
        keep("blob_id", Text),
        keep("root_hash", Text),
        keep("shard", Int),
        keep("pair_index", Int),
        keep("symbol_index", Int),
        keep("symbol_size", Num),
        keep("deadline_ms", Int),
        set("status", Text),
        set("answered_at_ms", Int),
        set("slashed", Num),
        set("burned", Num),
        set("reward", Num),
        set("slashed_by", Text),
        keep("issued_checkpoint", Int),
        set("resolved_checkpoint", Int),
    ],
};

pub static MODELS: Table = Table {
    name: "models",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("model_id", Text),
        keep("cap_id", Text),
        set("owner", Text),
        keep("name", Text),
        set("description", Text),
        set("latest_version", Int),
        add("total_revenue", Num),
        add("revenue_withdrawn", Num),
        add("licenses_sold", Int),
        keep("registered_checkpoint", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static MODEL_VERSIONS: Table = Table {
    name: "model_versions",
    key_len: 2,
    append_only: true,
    cols: &[
        keep("model_id", Text),
        keep("version", Int),
        keep("blob_id", Text),
        keep("architecture", Text),
        keep("dataset_hash", Text),
        keep("metrics", Json),
        keep("publisher", Text),
        keep("published_at_ms", Int),
        keep("checkpoint", Int),
        keep("tx_digest", Text),
    ],
};

pub static OFFERS: Table = Table {
    name: "offers",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("offer_id", Text),
        keep("model_id", Text),
        set("price_per_window", Num),
        keep("window_ms", Num),
        keep("max_windows", Num),
        keep("uses_per_window", Num),
        keep("created_by", Text),
        set("paused", Bool),
        add("licenses_sold", Int),
        add("revenue", Num),
        keep("created_checkpoint", Int),
        set("updated_checkpoint", Int),
    ],
};

pub static LICENSES: Table = Table {
    name: "licenses",
    key_len: 1,
    append_only: false,
    cols: &[
        keep("license_id", Text),
        keep("offer_id", Text),
        keep("model_id", Text),
        keep("holder", Text),
        add("windows", Num),
        add("price_paid", Num),
        add("fee_burned", Num),
        set("expires_at_ms", Int),
        keep("use_limited", Bool),
        set("uses_left", Num),
        add("uses_consumed", Int),
        add("extensions", Int),
        set("status", Text),
        keep("purchased_at_ms", Int),
        set("last_used_ms", Int),
        keep("purchased_checkpoint", Int),
        set("updated_checkpoint", Int),
    ],
};

-- What the analyst routes (/v1/stats/*, /v1/search, /v1/addresses) read, so none of them scans
-- a table whose size grows with history.

-- Each pool's stake as it entered each epoch (PoolAdvanced): stake by node over epochs.
CREATE TABLE pool_epochs (
    node_id text NOT NULL,
    epoch bigint NOT NULL,
    pool_stake numeric,
    staked_in numeric,
    withdrawn_out numeric,
    rate_stake numeric,
    rate_shares numeric,
    total_shares numeric,
    checkpoint bigint,
    PRIMARY KEY (node_id, epoch)
);
CREATE INDEX pool_epochs_by_epoch ON pool_epochs (epoch, node_id);

-- Burns by time (supply series: burned per bucket, the last total before a bucket's end).
CREATE INDEX burns_by_time ON burns (timestamp_ms, checkpoint, tx_index, event_index);
-- Licenses by purchase time (revenue series).
CREATE INDEX licenses_by_purchase ON licenses (purchased_at_ms);
-- Challenges by epoch (challenge series).
CREATE INDEX challenges_by_epoch ON challenges (epoch, challenge_id);
-- Per-address views and search: blobs by owner exist; models by owner and by name, nodes by
-- operator and name, offers' creators.
CREATE INDEX models_by_owner ON models (owner, model_id);
CREATE INDEX models_by_name ON models (lower(name) text_pattern_ops);
CREATE INDEX nodes_by_operator ON nodes (operator, node_id);
CREATE INDEX nodes_by_name ON nodes (lower(name) text_pattern_ops);

-- Shard sync at epoch change, per node and epoch: the shards a committee member gained when the
-- epoch began (ShardsGained) and when it signalled holding their slivers (EpochSyncDone);
-- until then the shards are pending and no challenge picks them.
CREATE TABLE node_sync (
    node_id text NOT NULL,
    epoch bigint NOT NULL,
    status text,
    shards_gained jsonb,
    shard_count bigint,
    gained_checkpoint bigint,
    gained_at_ms bigint,
    synced_shards jsonb,
    synced_checkpoint bigint,
    synced_at_ms bigint,
    synced_tx_digest text,
    PRIMARY KEY (node_id, epoch)
);
CREATE INDEX node_sync_by_epoch ON node_sync (epoch, status);

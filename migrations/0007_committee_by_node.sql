-- Stake by node per epoch (`/v1/stats/stake`) joins each pool's epoch row to its committee
-- entry by (epoch, node_id); the committee's key is (epoch, position), so each lookup walked
-- the whole epoch's committee. This index answers it in one entry, shard count included.
CREATE INDEX committee_by_node ON committee (epoch, node_id) INCLUDE (shard_count);

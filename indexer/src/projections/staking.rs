//! Storage nodes, their pools, stake positions and shard sync at epoch change.

use floe_sdk::move_types::events as ev;

use super::{EventCtx, ProjectionError, address_text, decode, hex_text, id_text, move_text};
use crate::move_facts;
use crate::rows::{Rows, boolean, int, json, num, text};
use crate::schema::{NodeRow, NodeSyncRow, PoolEpochRow, SlashRow, StakeRow};

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "NodeRegistered" => {
            let e: ev::NodeRegistered = decode(contents, err)?;
            rows.create(NodeRow {
                node_id: id_text(&e.node_id),
                node_cap_id: id_text(&e.node_cap_id),
                operator: address_text(&e.operator),
                name: move_text(&e.name),
                network_address: move_text(&e.network_address),
                bls_public_key: hex_text(&e.bls_public_key),
                commission_bps: num(e.commission_bps),
                registered_epoch: int(e.epoch),
                // `register_node` votes the default capacity; its price votes are the
                // system's prices of the registration epoch, filled in on write from the
                // epochs table (see `ingest`).
                capacity_vote: num(move_facts::DEFAULT_CAPACITY_VOTE),
                total_rewards: num(0u64),
                total_commission: num(0u64),
                commission_collected: num(0u64),
                total_slashed: num(0u64),
                updated_checkpoint: cp,
                ..NodeRow::default()
            })?;
        }
        "NodeNetworkAddressChanged" => {
            let e: ev::NodeNetworkAddressChanged = decode(contents, err)?;
            rows.put(NodeRow {
                node_id: id_text(&e.node_id),
                network_address: move_text(&e.network_address),
                updated_checkpoint: cp,
                ..NodeRow::default()
            })?;
        }
        "VoteSet" => {
            let e: ev::VoteSet = decode(contents, err)?;
            let mut row = NodeRow {
                node_id: id_text(&e.node_id),
                updated_checkpoint: cp,
                ..NodeRow::default()
            };
            let vote = match e.kind {
                0 => &mut row.storage_price_vote,
                1 => &mut row.write_price_vote,
                _ => &mut row.capacity_vote,
            };
            *vote = num(e.value);
            rows.put(row)?;
        }
        "PoolRewarded" => {
            let e: ev::PoolRewarded = decode(contents, err)?;
            rows.put(NodeRow {
                node_id: id_text(&e.node_id),
                total_rewards: num(e.reward),
                total_commission: num(e.commission),
                pool_stake: num(e.pool_stake),
                updated_checkpoint: cp,
                ..NodeRow::default()
            })?;
        }
        "PoolSlashed" => {
            let e: ev::PoolSlashed = decode(contents, err)?;
            rows.put(SlashRow {
                checkpoint: cp,
                tx_index: int(ctx.tx_index),
                event_index: int(ctx.event_index),
                tx_digest: text(ctx.tx_digest.clone()),
                timestamp_ms: ctx.timestamp_ms.and_then(int),
                node_id: id_text(&e.node_id),
                epoch: int(e.epoch),
                amount: num(e.amount),
                pool_stake: num(e.pool_stake),
            })?;
            rows.put(NodeRow {
                node_id: id_text(&e.node_id),
                total_slashed: num(e.amount),
                pool_stake: num(e.pool_stake),
                updated_checkpoint: cp,
                ..NodeRow::default()
            })?;
        }
        "PoolAdvanced" => {
            let e: ev::PoolAdvanced = decode(contents, err)?;
            rows.put(NodeRow {
                node_id: id_text(&e.node_id),
                pool_stake: num(e.pool_stake),
                total_shares: num(e.total_shares),
                rate_epoch: int(e.epoch),
                rate_stake: num(e.rate_stake),
                rate_shares: num(e.rate_shares),
                updated_checkpoint: cp,
                ..NodeRow::default()
            })?;
            rows.create(PoolEpochRow {
                node_id: id_text(&e.node_id),
                epoch: int(e.epoch),
                pool_stake: num(e.pool_stake),
                staked_in: num(e.staked_in),
                withdrawn_out: num(e.withdrawn_out),
                rate_stake: num(e.rate_stake),
                rate_shares: num(e.rate_shares),
                total_shares: num(e.total_shares),
                checkpoint: cp,
            })?;
        }
        "CommissionCollected" => {
            let e: ev::CommissionCollected = decode(contents, err)?;
            rows.put(NodeRow {
                node_id: id_text(&e.node_id),
                commission_collected: num(e.amount),
                updated_checkpoint: cp,
                ..NodeRow::default()
            })?;
        }
        "Staked" => {
            let e: ev::Staked = decode(contents, err)?;
            rows.create(StakeRow {
                staked_wal_id: id_text(&e.staked_wal_id),
                node_id: id_text(&e.node_id),
                staker: address_text(&e.staker),
                amount: num(e.amount),
                activation_epoch: int(e.activation_epoch),
                status: text("staked"),
                principal: num(e.amount),
                updated_checkpoint: cp,
                ..StakeRow::default()
            })?;
        }
        "WithdrawRequested" => {
            let e: ev::WithdrawRequested = decode(contents, err)?;
            rows.put(StakeRow {
                staked_wal_id: id_text(&e.staked_wal_id),
                node_id: id_text(&e.node_id),
                staker: address_text(&e.staker),
                status: text("withdrawing"),
                principal: num(e.principal),
                shares: num(e.shares),
                withdraw_epoch: int(e.withdraw_epoch),
                was_active: boolean(e.was_active),
                updated_checkpoint: cp,
                ..StakeRow::default()
            })?;
        }
        "Withdrawn" => {
            let e: ev::Withdrawn = decode(contents, err)?;
            rows.put(StakeRow {
                staked_wal_id: id_text(&e.staked_wal_id),
                node_id: id_text(&e.node_id),
                staker: address_text(&e.staker),
                status: text("withdrawn"),
                withdrawn_amount: num(e.amount),
                fee_burned: num(e.fee_burned),
                withdrawn_epoch: int(e.epoch),
                updated_checkpoint: cp,
                ..StakeRow::default()
            })?;
        }
        "ShardsGained" => {
            let e: ev::ShardsGained = decode(contents, err)?;
            rows.create(NodeSyncRow {
                node_id: id_text(&e.node_id),
                epoch: int(e.epoch),
                status: text("pending"),
                shards_gained: json(&e.shards.iter().copied().collect()),
                shard_count: int(e.shards.len() as u64),
                gained_checkpoint: cp,
                gained_at_ms: ctx.timestamp_ms.and_then(int),
                ..NodeSyncRow::default()
            })?;
        }
        "EpochSyncDone" => {
            let e: ev::EpochSyncDone = decode(contents, err)?;
            rows.put(NodeSyncRow {
                node_id: id_text(&e.node_id),
                epoch: int(e.epoch),
                status: text("synced"),
                synced_shards: json(&e.shards.iter().copied().collect()),
                synced_checkpoint: cp,
                synced_at_ms: ctx.timestamp_ms.and_then(int),
                synced_tx_digest: text(ctx.tx_digest.clone()),
                ..NodeSyncRow::default()
            })?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

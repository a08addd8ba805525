//! Storage nodes, their pools and stake positions.

use floe_sdk::move_types::events as ev;

use super::tables::{NODES, SLASHES, STAKES};
use super::{EventCtx, ProjectionError, address_text, decode, hex_text, id_text, move_text};
use crate::move_facts;
use crate::rows::{Rows, boolean, int, num, text};

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
            rows.create(
                &NODES,
                [
                    ("node_id", id_text(&e.node_id)),
                    ("node_cap_id", id_text(&e.node_cap_id)),
                    ("operator", address_text(&e.operator)),
                    ("name", move_text(&e.name)),
                    ("network_address", move_text(&e.network_address)),
                    ("bls_public_key", hex_text(&e.bls_public_key)),
                    ("commission_bps", num(e.commission_bps)),
                    ("registered_epoch", int(e.epoch)),
                    // `register_node` votes the default capacity; its price votes are the
                    // system's prices of the registration epoch, filled in on write from the
                    // epochs table (see `ingest`).
                    ("capacity_vote", num(move_facts::DEFAULT_CAPACITY_VOTE)),
                    ("total_rewards", num(0u64)),
                    ("total_commission", num(0u64)),
                    ("commission_collected", num(0u64)),
                    ("total_slashed", num(0u64)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "NodeNetworkAddressChanged" => {
            let e: ev::NodeNetworkAddressChanged = decode(contents, err)?;
            rows.put(
                &NODES,
                [
                    ("node_id", id_text(&e.node_id)),
                    ("network_address", move_text(&e.network_address)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "VoteSet" => {
            let e: ev::VoteSet = decode(contents, err)?;
            let column = match e.kind {
                0 => "storage_price_vote",
                1 => "write_price_vote",
                _ => "capacity_vote",
            };
            rows.put(
                &NODES,
                [
                    ("node_id", id_text(&e.node_id)),
                    (column, num(e.value)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "PoolRewarded" => {
            let e: ev::PoolRewarded = decode(contents, err)?;
            rows.put(
                &NODES,
                [
                    ("node_id", id_text(&e.node_id)),
                    ("total_rewards", num(e.reward)),
                    ("total_commission", num(e.commission)),
                    ("pool_stake", num(e.pool_stake)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "PoolSlashed" => {
            let e: ev::PoolSlashed = decode(contents, err)?;
            let mut cells = ctx.position().to_vec();
            cells.extend([
                ("node_id", id_text(&e.node_id)),
                ("epoch", int(e.epoch)),
                ("amount", num(e.amount)),
                ("pool_stake", num(e.pool_stake)),
            ]);
            rows.put(&SLASHES, cells)?;
            rows.put(
                &NODES,
                [
                    ("node_id", id_text(&e.node_id)),
                    ("total_slashed", num(e.amount)),
                    ("pool_stake", num(e.pool_stake)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "PoolAdvanced" => {
            let e: ev::PoolAdvanced = decode(contents, err)?;
            rows.put(
                &NODES,
                [
                    ("node_id", id_text(&e.node_id)),
                    ("pool_stake", num(e.pool_stake)),
                    ("total_shares", num(e.total_shares)),
                    ("rate_epoch", int(e.epoch)),
                    ("rate_stake", num(e.rate_stake)),
                    ("rate_shares", num(e.rate_shares)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "CommissionCollected" => {
            let e: ev::CommissionCollected = decode(contents, err)?;
            rows.put(
                &NODES,
                [
                    ("node_id", id_text(&e.node_id)),
                    ("commission_collected", num(e.amount)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "Staked" => {
            let e: ev::Staked = decode(contents, err)?;
            rows.create(
                &STAKES,
                [
                    ("staked_wal_id", id_text(&e.staked_wal_id)),
                    ("node_id", id_text(&e.node_id)),
                    ("staker", address_text(&e.staker)),
                    ("amount", num(e.amount)),
                    ("activation_epoch", int(e.activation_epoch)),
                    ("status", text("staked")),
                    ("principal", num(e.amount)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "WithdrawRequested" => {
            let e: ev::WithdrawRequested = decode(contents, err)?;
            rows.put(
                &STAKES,
                [
                    ("staked_wal_id", id_text(&e.staked_wal_id)),
                    ("node_id", id_text(&e.node_id)),
                    ("staker", address_text(&e.staker)),
                    ("status", text("withdrawing")),
                    ("principal", num(e.principal)),
                    ("shares", num(e.shares)),
                    ("withdraw_epoch", int(e.withdraw_epoch)),
                    ("was_active", boolean(e.was_active)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "Withdrawn" => {
            let e: ev::Withdrawn = decode(contents, err)?;
            rows.put(
                &STAKES,
                [
                    ("staked_wal_id", id_text(&e.staked_wal_id)),
                    ("node_id", id_text(&e.node_id)),
                    ("staker", address_text(&e.staker)),
                    ("status", text("withdrawn")),
                    ("withdrawn_amount", num(e.amount)),
                    ("fee_burned", num(e.fee_burned)),
                    ("withdrawn_epoch", int(e.epoch)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

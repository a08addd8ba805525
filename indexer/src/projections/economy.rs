//! WAL supply and burns, the system's epochs, prices, capacity and parameters.

use floe_sdk::move_types::events as ev;

use super::{EventCtx, ProjectionError, address_text, decode, id_text};
use crate::move_facts;
use crate::rows::{Rows, boolean, int, num, text};
use crate::schema::{
    BurnRow, CapacityBoundaryRow, CommitteeRow, EpochRow, ParameterRow, SupplyRow,
};

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "WalTreasuryCreated" => {
            let e: ev::WalTreasuryCreated = decode(contents, err)?;
            rows.create(SupplyRow {
                id: boolean(true),
                treasury_id: id_text(&e.treasury_id),
                publisher: address_text(&e.publisher),
                initial_supply: num(e.initial_supply),
                // The treasury starts with the whole supply and nothing burned.
                total_burned: num(0u64),
                total_supply: num(e.initial_supply),
                burns: int(0),
                updated_checkpoint: cp,
            })?;
        }
        "WalBurned" => {
            let e: ev::WalBurned = decode(contents, err)?;
            rows.put(BurnRow {
                checkpoint: cp,
                tx_index: int(ctx.tx_index),
                event_index: int(ctx.event_index),
                tx_digest: text(ctx.tx_digest.clone()),
                timestamp_ms: ctx.timestamp_ms.and_then(int),
                amount: num(e.amount),
                source: int(u64::from(e.source)),
                source_name: text(move_facts::burn_source_name(e.source)),
                total_burned: num(e.total_burned),
                total_supply: num(e.total_supply),
            })?;
            super::rollups::burn(rows, ctx.timestamp_ms, e.source, e.amount)?;
            rows.put(SupplyRow {
                id: boolean(true),
                total_burned: num(e.total_burned),
                total_supply: num(e.total_supply),
                burns: int(1),
                updated_checkpoint: cp,
                ..SupplyRow::default()
            })?;
        }
        "SystemCreated" => {
            let e: ev::SystemCreated = decode(contents, err)?;
            rows.create(EpochRow {
                epoch: int(0),
                start_ms: int(e.epoch_start_ms),
                // Epoch 0 has no committee, nothing stored and no fees yet.
                committee_size: int(0),
                committee_stake: num(0u64),
                used_capacity: num(0u64),
                write_fees: num(0u64),
                storage_price_per_mib_epoch: num(e.storage_price_per_mib_epoch),
                write_price_per_mib: num(e.write_price_per_mib),
                total_capacity: num(e.total_capacity),
                advanced_checkpoint: cp,
                updated_checkpoint: cp,
                ..EpochRow::default()
            })?;
            // Every parameter the System holds: two from the event, the others as
            // `create_system` sets them (until a `ParameterChanged` says otherwise).
            let n_shards = u64::from(e.n_shards);
            let computed = [
                ("n_shards", n_shards),
                ("epoch_duration_ms", e.epoch_duration_ms),
                (
                    "challenge_window_ms",
                    move_facts::initial_challenge_window_ms(e.epoch_duration_ms),
                ),
                (
                    "max_committee_size",
                    move_facts::initial_max_committee_size(n_shards),
                ),
            ];
            for (param, value) in computed
                .into_iter()
                .chain(move_facts::SYSTEM_DEFAULTS.iter().copied())
            {
                rows.put(ParameterRow {
                    name: text(param),
                    value: num(value),
                    epoch: int(0),
                    updated_checkpoint: cp,
                })?;
            }
        }
        "ParameterChanged" => {
            let e: ev::ParameterChanged = decode(contents, err)?;
            rows.put(ParameterRow {
                name: text(String::from_utf8_lossy(&e.name).into_owned()),
                value: num(e.new_value),
                epoch: int(e.epoch),
                updated_checkpoint: cp,
            })?;
        }
        "EpochAdvanced" => {
            let e: ev::EpochAdvanced = decode(contents, err)?;
            rows.put(EpochRow {
                epoch: int(e.epoch),
                start_ms: int(e.epoch_start_ms),
                committee_size: int(e.committee.len() as u64),
                committee_stake: num(e.committee_stake),
                storage_price_per_mib_epoch: num(e.storage_price_per_mib_epoch),
                write_price_per_mib: num(e.write_price_per_mib),
                total_capacity: num(e.total_capacity),
                used_capacity: num(e.used_capacity),
                // An add column: 0 here makes an epoch without writes say 0, not null.
                write_fees: num(0u64),
                advanced_checkpoint: cp,
                updated_checkpoint: cp,
                ..EpochRow::default()
            })?;
            let mut start = 0u64;
            for (position, (node, shards)) in e.committee.iter().zip(&e.shard_counts).enumerate() {
                rows.put(CommitteeRow {
                    epoch: int(e.epoch),
                    position: int(position as u64),
                    node_id: id_text(node),
                    shard_start: int(start),
                    shard_count: int(u64::from(*shards)),
                })?;
                start += u64::from(*shards);
            }
        }
        "EpochFeesSettled" => {
            let e: ev::EpochFeesSettled = decode(contents, err)?;
            rows.put(EpochRow {
                epoch: int(e.epoch),
                fees_total: num(e.total),
                fees_burned: num(e.burned),
                fees_distributed: num(e.distributed),
                fees_carried_over: num(e.carried_over),
                updated_checkpoint: cp,
                ..EpochRow::default()
            })?;
        }
        "WriteFeesAdded" => {
            let e: ev::WriteFeesAdded = decode(contents, err)?;
            rows.put(EpochRow {
                epoch: int(e.epoch),
                write_fees: num(e.amount),
                updated_checkpoint: cp,
                ..EpochRow::default()
            })?;
        }
        "CapacityChanged" => {
            let e: ev::CapacityChanged = decode(contents, err)?;
            rows.put(EpochRow {
                epoch: int(e.epoch),
                used_capacity: num(e.used_capacity),
                total_capacity: num(e.total_capacity),
                updated_checkpoint: cp,
                ..EpochRow::default()
            })?;
        }
        "CapacityReserved" => {
            let e: ev::CapacityReserved = decode(contents, err)?;
            capacity(rows, e.start_epoch, e.end_epoch, e.encoded_bytes, true, cp)?;
        }
        "CapacityReleased" => {
            let e: ev::CapacityReleased = decode(contents, err)?;
            capacity(rows, e.start_epoch, e.end_epoch, e.encoded_bytes, false, cp)?;
        }
        // Spread over many epochs; the raw event keeps it (settlement reports the totals).
        "StorageFeesAdded" => {}
        _ => return Ok(false),
    }
    Ok(true)
}

/// Records `bytes` reserved (or released) in each epoch of `[start, end)` as the two
/// boundaries of the range: the `capacity` view sums them into capacity used per epoch. Both
/// rows carry every add column (0 when unchanged), so no boundary reads null.
fn capacity(
    rows: &mut Rows,
    start: u64,
    end: u64,
    bytes: u64,
    reserved: bool,
    cp: Option<i64>,
) -> Result<(), ProjectionError> {
    if start >= end {
        // An empty range holds nothing (the package refuses one; nothing to count anyway).
        return Ok(());
    }
    let (at_start, at_end) = (num(bytes), num(0u64));
    // A reservation counts from its start and stops at its end; a release the other way.
    let (added, removed) = if reserved {
        ([at_start, at_end], [at_end, at_start])
    } else {
        ([at_end, at_start], [at_start, at_end])
    };
    for (i, epoch) in [start, end].into_iter().enumerate() {
        let first = i == 0;
        rows.put(CapacityBoundaryRow {
            epoch: int(epoch),
            added: added[i],
            removed: removed[i],
            reservations: int(u64::from(first && reserved)),
            releases: int(u64::from(first && !reserved)),
            updated_checkpoint: cp,
        })?;
    }
    Ok(())
}

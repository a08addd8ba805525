//! WAL supply and burns, the system's epochs, prices, capacity and parameters.

use floe_sdk::move_types::events as ev;

use super::tables::{BURNS, COMMITTEE, EPOCHS, PARAMETERS, SUPPLY};
use super::{EventCtx, ProjectionError, address_text, decode, id_text};
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
        "WalTreasuryCreated" => {
            let e: ev::WalTreasuryCreated = decode(contents, err)?;
            rows.create(
                &SUPPLY,
                [
                    ("id", boolean(true)),
                    ("treasury_id", id_text(&e.treasury_id)),
                    ("publisher", address_text(&e.publisher)),
                    ("initial_supply", num(e.initial_supply)),
                    // The treasury starts with the whole supply and nothing burned.
                    ("total_burned", num(0u64)),
                    ("total_supply", num(e.initial_supply)),
                    ("burns", int(0)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "WalBurned" => {
            let e: ev::WalBurned = decode(contents, err)?;
            let mut cells = ctx.position().to_vec();
            cells.extend([
                ("amount", num(e.amount)),
                ("source", int(u64::from(e.source))),
                ("source_name", text(move_facts::burn_source_name(e.source))),
                ("total_burned", num(e.total_burned)),
                ("total_supply", num(e.total_supply)),
            ]);
            rows.put(&BURNS, cells)?;
            rows.put(
                &SUPPLY,
                [
                    ("id", boolean(true)),
                    ("total_burned", num(e.total_burned)),
                    ("total_supply", num(e.total_supply)),
                    ("burns", int(1)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "SystemCreated" => {
            let e: ev::SystemCreated = decode(contents, err)?;
            rows.create(
                &EPOCHS,
                [
                    ("epoch", int(0)),
                    ("start_ms", int(e.epoch_start_ms)),
                    // Epoch 0 has no committee, nothing stored and no fees yet.
                    ("committee_size", int(0)),
                    ("committee_stake", num(0u64)),
                    ("used_capacity", num(0u64)),
                    ("write_fees", num(0u64)),
                    (
                        "storage_price_per_mib_epoch",
                        num(e.storage_price_per_mib_epoch),
                    ),
                    ("write_price_per_mib", num(e.write_price_per_mib)),
                    ("total_capacity", num(e.total_capacity)),
                    ("advanced_checkpoint", cp.clone()),
                    ("updated_checkpoint", cp.clone()),
                ],
            )?;
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
                rows.put(
                    &PARAMETERS,
                    [
                        ("name", text(param)),
                        ("value", num(value)),
                        ("epoch", int(0)),
                        ("updated_checkpoint", cp.clone()),
                    ],
                )?;
            }
        }
        "ParameterChanged" => {
            let e: ev::ParameterChanged = decode(contents, err)?;
            rows.put(
                &PARAMETERS,
                [
                    ("name", text(String::from_utf8_lossy(&e.name).into_owned())),
                    ("value", num(e.new_value)),
                    ("epoch", int(e.epoch)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "EpochAdvanced" => {
            let e: ev::EpochAdvanced = decode(contents, err)?;
            rows.put(
                &EPOCHS,
                [
                    ("epoch", int(e.epoch)),
                    ("start_ms", int(e.epoch_start_ms)),
                    ("committee_size", int(e.committee.len() as u64)),
                    ("committee_stake", num(e.committee_stake)),
                    (
                        "storage_price_per_mib_epoch",
                        num(e.storage_price_per_mib_epoch),
                    ),
                    ("write_price_per_mib", num(e.write_price_per_mib)),
                    ("total_capacity", num(e.total_capacity)),
                    ("used_capacity", num(e.used_capacity)),
                    // An add column: 0 here makes an epoch without writes say 0, not null.
                    ("write_fees", num(0u64)),
                    ("advanced_checkpoint", cp.clone()),
                    ("updated_checkpoint", cp.clone()),
                ],
            )?;
            let mut start = 0u64;
            for (position, (node, shards)) in e.committee.iter().zip(&e.shard_counts).enumerate() {
                rows.put(
                    &COMMITTEE,
                    [
                        ("epoch", int(e.epoch)),
                        ("position", int(position as u64)),
                        ("node_id", id_text(node)),
                        ("shard_start", int(start)),
                        ("shard_count", int(u64::from(*shards))),
                    ],
                )?;
                start += u64::from(*shards);
            }
        }
        "EpochFeesSettled" => {
            let e: ev::EpochFeesSettled = decode(contents, err)?;
            rows.put(
                &EPOCHS,
                [
                    ("epoch", int(e.epoch)),
                    ("fees_total", num(e.total)),
                    ("fees_burned", num(e.burned)),
                    ("fees_distributed", num(e.distributed)),
                    ("fees_carried_over", num(e.carried_over)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "WriteFeesAdded" => {
            let e: ev::WriteFeesAdded = decode(contents, err)?;
            rows.put(
                &EPOCHS,
                [
                    ("epoch", int(e.epoch)),
                    ("write_fees", num(e.amount)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        "CapacityChanged" => {
            let e: ev::CapacityChanged = decode(contents, err)?;
            rows.put(
                &EPOCHS,
                [
                    ("epoch", int(e.epoch)),
                    ("used_capacity", num(e.used_capacity)),
                    ("total_capacity", num(e.total_capacity)),
                    ("updated_checkpoint", cp),
                ],
            )?;
        }
        // Spread over many epochs; the raw event keeps it (settlement reports the totals).
        "StorageFeesAdded" => {}
        _ => return Ok(false),
    }
    Ok(true)
}

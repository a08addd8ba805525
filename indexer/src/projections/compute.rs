//! Compute providers and jobs (`floe::compute`).

use floe_sdk::move_types::events as ev;

use super::{EventCtx, ProjectionError, address_text, blob_id_text, decode, hex_text, id_text};
use crate::rows::{Rows, boolean, int, json, num, text};
use crate::schema::{ComputeJobRow, ComputeProviderRow};

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "ComputeProviderRegistered" => {
            let e: ev::ComputeProviderRegistered = decode(contents, err)?;
            rows.create(ComputeProviderRow {
                provider_id: id_text(&e.provider_id),
                cap_id: id_text(&e.cap_id),
                operator: address_text(&e.operator),
                public_key: hex_text(&e.public_key),
                network_address: super::move_text(&e.network_address),
                stake: num(e.stake),
                results_submitted: int(0),
                slashes: int(0),
                slashed: num(0u64),
                registered_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
        }
        "ComputeProviderUpdated" => {
            let e: ev::ComputeProviderUpdated = decode(contents, err)?;
            rows.put(ComputeProviderRow {
                provider_id: id_text(&e.provider_id),
                network_address: super::move_text(&e.network_address),
                stake: num(e.stake),
                updated_checkpoint: cp,
                ..ComputeProviderRow::default()
            })?;
        }
        "ComputeJobCreated" => {
            let e: ev::ComputeJobCreated = decode(contents, err)?;
            let providers: Vec<serde_json::Value> = e
                .providers
                .iter()
                .filter_map(id_text)
                .map(serde_json::Value::String)
                .collect();
            rows.create(ComputeJobRow {
                job_id: id_text(&e.job_id),
                owner: address_text(&e.owner),
                model_id: id_text(&e.model_id),
                model_version: int(e.model_version),
                model_blob_id: text(blob_id_text(&e.model_blob_id)),
                input_blob_id: text(blob_id_text(&e.input_blob_id)),
                providers: json(&serde_json::Value::Array(providers)),
                k: int(e.k),
                deadline_ms: int(e.deadline_ms),
                price: num(e.price),
                status: text("open"),
                results: int(0),
                // `TuningJobOpened` (same transaction) marks a tuning job.
                tuning: boolean(false),
                created_checkpoint: cp,
                updated_checkpoint: cp,
                ..ComputeJobRow::default()
            })?;
        }
        "ComputeResultSubmitted" => {
            let e: ev::ComputeResultSubmitted = decode(contents, err)?;
            rows.put(ComputeJobRow {
                job_id: id_text(&e.job_id),
                results: int(1),
                updated_checkpoint: cp,
                ..ComputeJobRow::default()
            })?;
            rows.put(ComputeProviderRow {
                provider_id: id_text(&e.provider_id),
                results_submitted: int(1),
                updated_checkpoint: cp,
                ..ComputeProviderRow::default()
            })?;
        }
        "ComputeJobSettled" => {
            let e: ev::ComputeJobSettled = decode(contents, err)?;
            rows.put(ComputeJobRow {
                job_id: id_text(&e.job_id),
                status: text("settled"),
                output_blob_id: text(blob_id_text(&e.output_blob_id)),
                output_hash: hex_text(&e.output_hash),
                paid_each: num(e.paid_each),
                providers_paid: int(e.providers_paid),
                fee_burned: num(e.fee_burned),
                slashed: num(e.slashed),
                closed_at_ms: int(e.timestamp_ms),
                updated_checkpoint: cp,
                ..ComputeJobRow::default()
            })?;
        }
        "ComputeProviderSlashed" => {
            let e: ev::ComputeProviderSlashed = decode(contents, err)?;
            rows.put(ComputeProviderRow {
                provider_id: id_text(&e.provider_id),
                slashes: int(1),
                slashed: num(e.amount),
                updated_checkpoint: cp,
                ..ComputeProviderRow::default()
            })?;
        }
        "ComputeJobRefunded" => {
            let e: ev::ComputeJobRefunded = decode(contents, err)?;
            rows.put(ComputeJobRow {
                job_id: id_text(&e.job_id),
                status: text("refunded"),
                refunded: num(e.amount),
                closed_at_ms: int(e.timestamp_ms),
                updated_checkpoint: cp,
                ..ComputeJobRow::default()
            })?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

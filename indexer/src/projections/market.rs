//! Models, their versions (and their tuning plans, reserves and tuned versions), license
//! offers and licenses.

use floe_sdk::move_types::events as ev;

use super::rollups::{self, Payment};
use super::{
    EventCtx, ProjectionError, address_bytes, address_text, blob_id_text, decode, hex_text,
    id_bytes, id_text, move_text,
};
use crate::rows::{Rows, boolean, int, json, num, text};
use crate::schema::{ComputeJobRow, LicenseRow, ModelRow, ModelVersionRow, OfferRow};

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "ModelRegistered" => {
            let e: ev::ModelRegistered = decode(contents, err)?;
            rows.create(ModelRow {
                model_id: id_text(&e.model_id),
                cap_id: id_text(&e.cap_id),
                owner: address_text(&e.owner),
                name: move_text(&e.name),
                description: move_text(&e.description),
                latest_version: int(0),
                total_revenue: num(0u64),
                revenue_withdrawn: num(0u64),
                licenses_sold: int(0),
                registered_checkpoint: cp,
                updated_checkpoint: cp,
                tuning_reserve: num(0u64),
                tuning_total: num(0u64),
                tuning_job_open: boolean(false),
                tuning_proposal_pending: boolean(false),
                tuned_versions: int(0),
                ..ModelRow::default()
            })?;
        }
        "ModelVersionPublished" => {
            let e: ev::ModelVersionPublished = decode(contents, err)?;
            let metrics: serde_json::Map<String, serde_json::Value> = e
                .metric_names
                .iter()
                .zip(&e.metric_values)
                .map(|(n, v)| (String::from_utf8_lossy(&n.bytes).into_owned(), (*v).into()))
                .collect();
            rows.put(ModelVersionRow {
                model_id: id_text(&e.model_id),
                version: int(e.version),
                blob_id: text(blob_id_text(&e.blob_id)),
                architecture: move_text(&e.architecture),
                dataset_hash: hex_text(&e.dataset_hash),
                metrics: json(&serde_json::Value::Object(metrics)),
                publisher: address_text(&e.publisher),
                published_at_ms: int(e.published_at_ms),
                checkpoint: cp,
                tx_digest: text(ctx.tx_digest.clone()),
                blob_object_id: id_text(&e.blob_object_id),
            })?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                latest_version: int(e.version),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "ModelDescriptionUpdated" => {
            let e: ev::ModelDescriptionUpdated = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                description: move_text(&e.description),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "ModelRevenueWithdrawn" => {
            let e: ev::ModelRevenueWithdrawn = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                revenue_withdrawn: num(e.amount),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "ModelTuningSet" => {
            let e: ev::ModelTuningSet = decode(contents, err)?;
            let providers: Vec<serde_json::Value> = e
                .providers
                .iter()
                .filter_map(id_text)
                .map(serde_json::Value::String)
                .collect();
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                tuning_bps: int(e.bps),
                tuning_threshold: num(e.threshold),
                tuning_price: num(e.price),
                tuning_providers: json(&serde_json::Value::Array(providers)),
                tuning_k: int(e.k),
                tuning_duration_ms: int(e.duration_ms),
                tuning_auto_publish: boolean(e.auto_publish),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "TuningReserveAccrued" => {
            let e: ev::TuningReserveAccrued = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                tuning_reserve: num(e.reserve),
                tuning_total: num(e.amount),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "TuningJobOpened" => {
            let e: ev::TuningJobOpened = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                tuning_reserve: num(e.reserve),
                tuning_job_id: id_text(&e.job_id),
                tuning_job_open: boolean(true),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
            // `ComputeJobCreated` (same transaction, before) created the job's row.
            rows.put(ComputeJobRow {
                job_id: id_text(&e.job_id),
                tuning: boolean(true),
                tuning_auto_publish: boolean(e.auto_publish),
                updated_checkpoint: cp,
                ..ComputeJobRow::default()
            })?;
        }
        "TuningReserveCleared" => {
            // The reserve moved into the revenue: `total_revenue` counted it already.
            let ev::TuningReserveCleared {
                model_id,
                amount: _,
                owner: _,
            } = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&model_id),
                tuning_reserve: num(0u64),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "TuningJobRefunded" => {
            let e: ev::TuningJobRefunded = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                tuning_reserve: num(e.reserve),
                tuning_job_open: boolean(false),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "TunedVersionProposed" => {
            let e: ev::TunedVersionProposed = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                tuning_job_open: boolean(false),
                tuning_proposal_blob_id: text(blob_id_text(&e.blob_id)),
                tuning_proposal_pending: boolean(true),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "TunedVersionPublished" => {
            // `ModelVersionPublished` (same transaction) records the version itself.
            let e: ev::TunedVersionPublished = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                tuning_job_open: boolean(false),
                tuning_proposal_pending: boolean(false),
                tuned_versions: int(1),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "TunedVersionRejected" => {
            let e: ev::TunedVersionRejected = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                tuning_proposal_pending: boolean(false),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "ModelOwnerChanged" => {
            let e: ev::ModelOwnerChanged = decode(contents, err)?;
            rows.put(ModelRow {
                model_id: id_text(&e.model_id),
                owner: address_text(&e.new_owner),
                updated_checkpoint: cp,
                ..ModelRow::default()
            })?;
        }
        "LicenseOfferCreated" => {
            let e: ev::LicenseOfferCreated = decode(contents, err)?;
            rows.create(OfferRow {
                offer_id: id_text(&e.offer_id),
                model_id: id_text(&e.model_id),
                price_per_window: num(e.price_per_window),
                window_ms: num(e.window_ms),
                max_windows: num(e.max_windows),
                uses_per_window: num(e.uses_per_window),
                created_by: address_text(&e.created_by),
                paused: boolean(false),
                licenses_sold: int(0),
                revenue: num(0u64),
                created_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
        }
        "LicenseOfferStatusChanged" => {
            let e: ev::LicenseOfferStatusChanged = decode(contents, err)?;
            rows.put(OfferRow {
                offer_id: id_text(&e.offer_id),
                paused: boolean(e.paused),
                updated_checkpoint: cp,
                ..OfferRow::default()
            })?;
        }
        "LicenseOfferRepriced" => {
            let e: ev::LicenseOfferRepriced = decode(contents, err)?;
            rows.put(OfferRow {
                offer_id: id_text(&e.offer_id),
                price_per_window: num(e.new_price_per_window),
                updated_checkpoint: cp,
                ..OfferRow::default()
            })?;
        }
        "LicensePurchased" => {
            // Every field named: a field added to the event stops this compiling until the
            // projection says where it goes (or `field: _`).
            let ev::LicensePurchased {
                license_id,
                offer_id,
                model_id,
                buyer,
                windows,
                price,
                fee_burned,
                seller_revenue,
                expires_at_ms,
                use_limited,
                uses_left,
                timestamp_ms,
            } = decode(contents, err)?;
            rows.create(LicenseRow {
                license_id: id_bytes(&license_id),
                offer_id: id_bytes(&offer_id),
                model_id: id_bytes(&model_id),
                holder: address_bytes(&buyer),
                windows: num(windows),
                price_paid: num(price),
                fee_burned: num(fee_burned),
                expires_at_ms: int(expires_at_ms),
                use_limited: boolean(use_limited),
                uses_left: num(uses_left),
                uses_consumed: int(0),
                extensions: int(0),
                status: text("active"),
                purchased_at_ms: int(timestamp_ms),
                purchased_checkpoint: cp,
                updated_checkpoint: cp,
                ..LicenseRow::default()
            })?;
            sale(rows, &offer_id, &model_id, seller_revenue, true, cp)?;
            rollups::payment(
                rows,
                Payment {
                    position: (cp, ctx.tx_index, ctx.event_index),
                    timestamp_ms,
                    license_id: id_bytes(&license_id),
                    model_id: id_text(&model_id),
                    purchase: true,
                    price,
                    fee_burned,
                },
            )?;
        }
        "LicenseExtended" => {
            let ev::LicenseExtended {
                license_id,
                offer_id,
                model_id,
                payer: _,
                windows,
                price,
                fee_burned,
                seller_revenue,
                expires_at_ms,
                uses_left,
                timestamp_ms,
            } = decode(contents, err)?;
            rows.put(LicenseRow {
                license_id: id_bytes(&license_id),
                windows: num(windows),
                price_paid: num(price),
                fee_burned: num(fee_burned),
                expires_at_ms: int(expires_at_ms),
                uses_left: num(uses_left),
                extensions: int(1),
                updated_checkpoint: cp,
                ..LicenseRow::default()
            })?;
            sale(rows, &offer_id, &model_id, seller_revenue, false, cp)?;
            rollups::payment(
                rows,
                Payment {
                    position: (cp, ctx.tx_index, ctx.event_index),
                    timestamp_ms,
                    license_id: id_bytes(&license_id),
                    model_id: id_text(&model_id),
                    purchase: false,
                    price,
                    fee_burned,
                },
            )?;
        }
        "LicenseConsumed" => {
            let ev::LicenseConsumed {
                license_id,
                model_id: _,
                uses_left,
                timestamp_ms,
            } = decode(contents, err)?;
            rows.put(LicenseRow {
                license_id: id_bytes(&license_id),
                uses_left: num(uses_left),
                uses_consumed: int(1),
                last_used_ms: int(timestamp_ms),
                updated_checkpoint: cp,
                ..LicenseRow::default()
            })?;
        }
        "LicenseDestroyed" => {
            let ev::LicenseDestroyed {
                license_id,
                model_id: _,
            } = decode(contents, err)?;
            rows.put(LicenseRow {
                license_id: id_bytes(&license_id),
                status: text("destroyed"),
                updated_checkpoint: cp,
                ..LicenseRow::default()
            })?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Credits a sale (a purchase or an extension) to its offer and model.
fn sale(
    rows: &mut Rows,
    offer: &floe_sdk::move_types::ID,
    model: &floe_sdk::move_types::ID,
    seller_revenue: u64,
    new_license: bool,
    cp: Option<i64>,
) -> Result<(), ProjectionError> {
    let sold = int(u64::from(new_license));
    rows.put(OfferRow {
        offer_id: id_text(offer),
        licenses_sold: sold,
        revenue: num(seller_revenue),
        updated_checkpoint: cp,
        ..OfferRow::default()
    })?;
    rows.put(ModelRow {
        model_id: id_text(model),
        total_revenue: num(seller_revenue),
        licenses_sold: sold,
        updated_checkpoint: cp,
        ..ModelRow::default()
    })?;
    Ok(())
}

//! Datasets, contributions and models' revenue shares with them (`floe::dataset`).

use floe_sdk::move_types::events as ev;

use super::{EventCtx, ProjectionError, address_text, blob_id_text, decode, id_text};
use crate::rows::{Rows, boolean, int, num, text};
use crate::schema::{ContributionRow, DatasetRow, DatasetShareRow};

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "DatasetCreated" => {
            let e: ev::DatasetCreated = decode(contents, err)?;
            rows.create(DatasetRow {
                dataset_id: id_text(&e.dataset_id),
                cap_id: id_text(&e.cap_id),
                curator: address_text(&e.curator),
                name: super::move_text(&e.name),
                description: super::move_text(&e.description),
                contributions: int(0),
                total_weight: num(0u64),
                sealed: boolean(false),
                distributed: num(0u64),
                claimed: num(0u64),
                created_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
        }
        "ContributionAdded" => {
            let e: ev::ContributionAdded = decode(contents, err)?;
            rows.create(ContributionRow {
                contribution_id: id_text(&e.contribution_id),
                dataset_id: id_text(&e.dataset_id),
                blob_id: text(blob_id_text(&e.blob_id)),
                blob_object_id: id_text(&e.blob_object_id),
                contributor: address_text(&e.contributor),
                weight: num(0u64),
                claimed: num(0u64),
                claims: int(0),
                created_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
            rows.put(DatasetRow {
                dataset_id: id_text(&e.dataset_id),
                contributions: int(1),
                updated_checkpoint: cp,
                ..DatasetRow::default()
            })?;
        }
        "ContributionWeightSet" => {
            let e: ev::ContributionWeightSet = decode(contents, err)?;
            rows.put(ContributionRow {
                contribution_id: id_text(&e.contribution_id),
                weight: num(e.new_weight),
                updated_checkpoint: cp,
                ..ContributionRow::default()
            })?;
            rows.put(DatasetRow {
                dataset_id: id_text(&e.dataset_id),
                total_weight: num(e.total_weight),
                updated_checkpoint: cp,
                ..DatasetRow::default()
            })?;
        }
        "DatasetSealed" => {
            let e: ev::DatasetSealed = decode(contents, err)?;
            rows.put(DatasetRow {
                dataset_id: id_text(&e.dataset_id),
                total_weight: num(e.total_weight),
                sealed: boolean(true),
                updated_checkpoint: cp,
                ..DatasetRow::default()
            })?;
        }
        "ModelDatasetShareSet" => {
            let e: ev::ModelDatasetShareSet = decode(contents, err)?;
            // The first event of a pair creates the row (with zero sums); later ones set the
            // share and the version named.
            rows.put(DatasetShareRow {
                dataset_id: id_text(&e.dataset_id),
                model_id: id_text(&e.model_id),
                version: int(e.version),
                bps: int(e.new_bps),
                accrued: num(0u64),
                // A new share (nothing was named before) has nothing waiting yet.
                pending: if e.old_bps == 0 { num(0u64) } else { None },
                distributed: num(0u64),
                created_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
        }
        "DatasetRevenueAccrued" => {
            let e: ev::DatasetRevenueAccrued = decode(contents, err)?;
            rows.put(DatasetShareRow {
                dataset_id: id_text(&e.dataset_id),
                model_id: id_text(&e.model_id),
                accrued: num(e.amount),
                pending: num(e.pending),
                updated_checkpoint: cp,
                ..DatasetShareRow::default()
            })?;
        }
        "DatasetRevenueDistributed" => {
            let e: ev::DatasetRevenueDistributed = decode(contents, err)?;
            // `distribute` takes everything the model held for the dataset.
            rows.put(DatasetShareRow {
                dataset_id: id_text(&e.dataset_id),
                model_id: id_text(&e.model_id),
                pending: num(0u64),
                distributed: num(e.amount),
                updated_checkpoint: cp,
                ..DatasetShareRow::default()
            })?;
            rows.put(DatasetRow {
                dataset_id: id_text(&e.dataset_id),
                total_weight: num(e.total_weight),
                distributed: num(e.amount),
                updated_checkpoint: cp,
                ..DatasetRow::default()
            })?;
        }
        "ContributionClaimed" => {
            let e: ev::ContributionClaimed = decode(contents, err)?;
            rows.put(ContributionRow {
                contribution_id: id_text(&e.contribution_id),
                claimed: num(e.amount),
                claims: int(1),
                updated_checkpoint: cp,
                ..ContributionRow::default()
            })?;
            rows.put(DatasetRow {
                dataset_id: id_text(&e.dataset_id),
                claimed: num(e.amount),
                updated_checkpoint: cp,
                ..DatasetRow::default()
            })?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

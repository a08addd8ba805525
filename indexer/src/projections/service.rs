//! Model services (`floe::service`): paid, composable calls, their escrow, settlements and
//! refunds.

use floe_sdk::move_types::events as ev;

use super::{EventCtx, ProjectionError, address_text, decode, id_text};
use crate::rows::{Rows, boolean, int, num};
use crate::schema::ServiceRow;

pub(super) fn apply(
    ctx: &EventCtx,
    name: &str,
    contents: &[u8],
    rows: &mut Rows,
    err: &dyn Fn(bcs::Error) -> ProjectionError,
) -> Result<bool, ProjectionError> {
    let cp = ctx.checkpoint();
    match name {
        "ServiceCreated" => {
            let e: ev::ServiceCreated = decode(contents, err)?;
            rows.create(ServiceRow {
                service_id: id_text(&e.service_id),
                cap_id: id_text(&e.cap_id),
                model_id: id_text(&e.model_id),
                model_version: int(e.model_version),
                owner: address_text(&e.owner),
                provider: address_text(&e.provider),
                price_per_call: num(e.price_per_call),
                response_window_ms: int(e.response_window_ms),
                paused: boolean(false),
                calls: int(0),
                responses: int(0),
                refunds: int(0),
                paid: num(0u64),
                fee_burned: num(0u64),
                revenue: num(0u64),
                refunded: num(0u64),
                created_checkpoint: cp,
                updated_checkpoint: cp,
            })?;
        }
        "ServiceUpdated" => {
            let e: ev::ServiceUpdated = decode(contents, err)?;
            rows.put(ServiceRow {
                service_id: id_text(&e.service_id),
                provider: address_text(&e.provider),
                price_per_call: num(e.price_per_call),
                response_window_ms: int(e.response_window_ms),
                paused: boolean(e.paused),
                updated_checkpoint: cp,
                ..ServiceRow::default()
            })?;
        }
        "ServiceCapReplaced" => {
            let e: ev::ServiceCapReplaced = decode(contents, err)?;
            rows.put(ServiceRow {
                service_id: id_text(&e.service_id),
                cap_id: id_text(&e.new_cap_id),
                updated_checkpoint: cp,
                ..ServiceRow::default()
            })?;
        }
        "ServiceCalled" => {
            let e: ev::ServiceCalled = decode(contents, err)?;
            rows.put(ServiceRow {
                service_id: id_text(&e.service_id),
                calls: int(1),
                paid: num(e.price),
                updated_checkpoint: cp,
                ..ServiceRow::default()
            })?;
        }
        "ServiceResponded" => {
            let e: ev::ServiceResponded = decode(contents, err)?;
            rows.put(ServiceRow {
                service_id: id_text(&e.service_id),
                responses: int(1),
                fee_burned: num(e.fee_burned),
                revenue: num(e.revenue),
                updated_checkpoint: cp,
                ..ServiceRow::default()
            })?;
        }
        "ServiceCallRefunded" => {
            let e: ev::ServiceCallRefunded = decode(contents, err)?;
            rows.put(ServiceRow {
                service_id: id_text(&e.service_id),
                refunds: int(1),
                refunded: num(e.amount),
                updated_checkpoint: cp,
                ..ServiceRow::default()
            })?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

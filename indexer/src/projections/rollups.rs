//! Rollups kept at ingest for the time series: burns and license payments added up per aligned
//! minute, hour and day, challenges per epoch of issue. Each is a plain sum of what the events
//! say (no stored state is read), so a batch folds them like any other row.

use super::ProjectionError;
use crate::rows::{Rows, boolean, int, num, text};
use crate::schema::{
    BurnRollupRow, ChallengeEpochRow, LicensePaymentRow, ROLLUP_SPANS_MS, RevenueRollupRow,
};

/// The start of the `span`-long aligned interval holding `ms`.
fn aligned(ms: i64, span: i64) -> i64 {
    ms - ms.rem_euclid(span)
}

/// Adds one burn to its minute, hour and day (a burn without a timestamp is in no bucket).
pub(super) fn burn(
    rows: &mut Rows,
    timestamp_ms: Option<u64>,
    source: u8,
    amount: u64,
) -> Result<(), ProjectionError> {
    let Some(ms) = timestamp_ms.and_then(int) else {
        return Ok(());
    };
    for span in ROLLUP_SPANS_MS {
        rows.put(BurnRollupRow {
            span_ms: Some(span),
            start_ms: Some(aligned(ms, span)),
            source: int(u64::from(source)),
            amount: num(amount),
            burns: int(1),
        })?;
    }
    Ok(())
}

/// One license payment: a purchase (`purchase`) or an extension.
pub(super) struct Payment {
    pub position: (Option<i64>, u64, u64),
    pub timestamp_ms: u64,
    pub license_id: Option<[u8; 32]>,
    pub model_id: Option<String>,
    pub purchase: bool,
    pub price: u64,
    pub fee_burned: u64,
}

/// Records a payment and adds it to its minute, hour and day.
pub(super) fn payment(rows: &mut Rows, p: Payment) -> Result<(), ProjectionError> {
    let (checkpoint, tx_index, event_index) = p.position;
    rows.put(LicensePaymentRow {
        checkpoint,
        tx_index: int(tx_index),
        event_index: int(event_index),
        timestamp_ms: int(p.timestamp_ms),
        license_id: p.license_id,
        model_id: p.model_id.clone(),
        purchase: boolean(p.purchase),
        price: num(p.price),
        fee_burned: num(p.fee_burned),
    })?;
    let (Some(ms), Some(model_id)) = (int(p.timestamp_ms), p.model_id) else {
        return Ok(());
    };
    for span in ROLLUP_SPANS_MS {
        rows.put(RevenueRollupRow {
            span_ms: Some(span),
            start_ms: Some(aligned(ms, span)),
            model_id: text(model_id.clone()),
            revenue: num(p.price),
            fees_burned: num(p.fee_burned),
            licenses: int(u64::from(p.purchase)),
            payments: int(1),
        })?;
    }
    Ok(())
}

/// What happened to a challenge, counted in its epoch.
pub(super) enum ChallengeFate {
    Issued { deadline_ms: u64 },
    Answered,
    Slashed,
}

pub(super) fn challenge(
    rows: &mut Rows,
    epoch: u64,
    fate: ChallengeFate,
) -> Result<(), ProjectionError> {
    let (issued, answered, slashed, deadline) = match fate {
        ChallengeFate::Issued { deadline_ms } => (1, 0, 0, int(deadline_ms)),
        ChallengeFate::Answered => (0, 1, 0, None),
        ChallengeFate::Slashed => (0, 0, 1, None),
    };
    rows.put(ChallengeEpochRow {
        epoch: int(epoch),
        issued: Some(issued),
        answered: Some(answered),
        slashed: Some(slashed),
        last_deadline_ms: deadline,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_is_to_the_start_of_the_span() {
        assert_eq!(aligned(0, 60_000), 0);
        assert_eq!(aligned(59_999, 60_000), 0);
        assert_eq!(aligned(60_000, 60_000), 60_000);
        assert_eq!(aligned(86_400_000 + 3_600_001, 3_600_000), 90_000_000);
    }
}

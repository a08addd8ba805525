//! Analyst routes: time series over buckets (`/v1/stats/*`), per-address summaries and
//! search.
//!
//! A series answers one point per bucket from `from` (inclusive) to `to` (exclusive):
//! `bucket=hour|day` buckets are UTC hours or days and `from`/`to` are Unix milliseconds
//! (aligned down to the bucket); `bucket=epoch` buckets are epochs and `from`/`to` epoch
//! numbers, an epoch spanning from its start to the next one's (epoch 0 from time 0). Facts
//! the chain keeps per epoch (stake, capacity, challenges) are epoch series only. Every
//! statement of a response reads one snapshot (a read-only repeatable-read transaction), whose
//! watermark the response names. Each bucket is answered from rollups kept at ingest
//! (`burn_rollups`, `revenue_rollups` per aligned minute, hour and day, cut to the bucket by
//! [`pieces`]; `challenge_epochs`) and index lookups (`burns_by_time` for a bucket's
//! unaligned edges and closing totals, `pool_epochs`, `capacity_boundaries`), never a scan
//! of history.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use sqlx::{Postgres, Row as _, Transaction};
use utoipa::ToSchema;

use super::AppState;
use super::problem::Problem;
use super::query::Param;
use super::resource::Amount;
use crate::rows::Kind;

/// The most buckets one series answers.
pub const MAX_BUCKETS: i64 = 1000;
/// Buckets answered when `from` is not given: the last this many before `to`.
pub const DEFAULT_BUCKETS: i64 = 48;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// A bucket size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
    Epoch,
}

impl Bucket {
    pub const ALL: &'static [&'static str] = &["hour", "day", "epoch"];
    pub const EPOCH_ONLY: &'static [&'static str] = &["epoch"];

    fn parse(text: &str) -> Option<Self> {
        match text {
            "hour" => Some(Self::Hour),
            "day" => Some(Self::Day),
            "epoch" => Some(Self::Epoch),
            _ => None,
        }
    }

    fn step_ms(self) -> Option<i64> {
        match self {
            Self::Hour => Some(HOUR_MS),
            Self::Day => Some(DAY_MS),
            Self::Epoch => None,
        }
    }
}

/// What a series route takes, for the handler and the OpenAPI document alike.
pub struct SeriesSpec {
    /// The bucket sizes it answers; the first is the default.
    pub buckets: &'static [&'static str],
    /// Extra filters (name, type, description).
    pub filters: &'static [(&'static str, Param, &'static str)],
}

pub static SUPPLY_SERIES: SeriesSpec = SeriesSpec {
    buckets: &["epoch", "hour", "day"],
    filters: &[],
};
pub static REVENUE_SERIES: SeriesSpec = SeriesSpec {
    buckets: &["epoch", "hour", "day"],
    filters: &[("model_id", Param::Id, "only this model")],
};
pub static EPOCH_SERIES: SeriesSpec = SeriesSpec {
    buckets: Bucket::EPOCH_ONLY,
    filters: &[],
};
pub static STAKE_SERIES: SeriesSpec = SeriesSpec {
    buckets: Bucket::EPOCH_ONLY,
    filters: &[("node_id", Param::Id, "only this node")],
};

/// A checked range of buckets: `[from, to)` in ms (hour, day) or epochs.
#[derive(Debug, Clone, Copy)]
struct Range {
    bucket: Bucket,
    from: i64,
    to: i64,
}

/// The parsed query of a series: its range and filters (already checked and normalised).
#[derive(Debug)]
struct SeriesQuery {
    range: Range,
    filters: HashMap<&'static str, String>,
}

fn invalid_range(detail: String) -> Problem {
    Problem::bad_request("invalid-range", detail)
}

/// What the defaults of a range are computed from (read in the response's snapshot).
struct Now {
    checkpoint: Option<u64>,
    /// The chain's time at the watermark.
    time_ms: Option<i64>,
    /// The current epoch.
    epoch: Option<i64>,
}

async fn now(tx: &mut Transaction<'_, Postgres>) -> Result<Now, Problem> {
    let row = sqlx::query(
        "SELECT (SELECT checkpoint FROM watermark WHERE id), \
                (SELECT timestamp_ms FROM watermark WHERE id), \
                (SELECT max(epoch) FROM epochs WHERE start_ms IS NOT NULL)",
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Now {
        checkpoint: row.try_get::<Option<i64>, _>(0)?.map(|c| c.unsigned_abs()),
        time_ms: row.try_get(1)?,
        epoch: row.try_get(2)?,
    })
}

/// A read-only transaction in which every statement sees the same snapshot.
async fn snapshot(state: &AppState) -> Result<Transaction<'static, Postgres>, Problem> {
    let mut tx = state.pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// What every series handler starts with: its snapshot, the time and epoch in it, and its
/// checked query.
async fn open(
    spec: &SeriesSpec,
    state: &AppState,
    query: &HashMap<String, String>,
) -> Result<(Transaction<'static, Postgres>, Now, SeriesQuery), Problem> {
    let mut tx = snapshot(state).await?;
    let now = now(&mut tx).await?;
    let series = parse_series(spec, query, &now)?;
    Ok((tx, now, series))
}

/// Checks a series' query: known parameters only, `bucket` one the route answers, `from` and
/// `to` non-negative integers with `from < to` and at most [`MAX_BUCKETS`] buckets between;
/// missing bounds default to the last [`DEFAULT_BUCKETS`] buckets up to now.
fn parse_series(
    spec: &SeriesSpec,
    query: &HashMap<String, String>,
    now: &Now,
) -> Result<SeriesQuery, Problem> {
    for name in query.keys() {
        let known = ["bucket", "from", "to"].contains(&name.as_str())
            || spec.filters.iter().any(|(f, _, _)| f == name);
        if !known {
            let filters: Vec<&str> = spec.filters.iter().map(|(f, _, _)| *f).collect();
            return Err(Problem::bad_request(
                "unknown-parameter",
                format!(
                    "unknown query parameter {name:?}; this series takes bucket, from, to{}{}",
                    if filters.is_empty() { "" } else { ", " },
                    filters.join(", ")
                ),
            ));
        }
    }
    let bucket_text = query.get("bucket").map_or(spec.buckets[0], String::as_str);
    let bucket = Bucket::parse(bucket_text)
        .filter(|_| spec.buckets.contains(&bucket_text))
        .ok_or_else(|| {
            Problem::bad_request(
                "invalid-parameter",
                format!(
                    "bucket must be one of {}; got {bucket_text:?}",
                    spec.buckets.join(", ")
                ),
            )
        })?;
    let bound = |name: &str| -> Result<Option<i64>, Problem> {
        query
            .get(name)
            .map(|text| {
                Param::Int
                    .parse(name, text)
                    .map(|t| t.parse().expect("Param::Int yields an i64"))
            })
            .transpose()
    };
    let (from, to) = (bound("from")?, bound("to")?);
    let range = match bucket.step_ms() {
        Some(step) => {
            let align = |ms: i64| ms - ms.rem_euclid(step);
            let to = match to {
                Some(to) => align(to.saturating_add(step - 1)),
                None => align(now.time_ms.unwrap_or(0)).saturating_add(step),
            };
            let from = match from {
                Some(from) => align(from),
                None => to.saturating_sub(DEFAULT_BUCKETS * step).max(0),
            };
            Range { bucket, from, to }
        }
        None => {
            let to = match to {
                Some(to) => to,
                None => now.epoch.unwrap_or(0) + 1,
            };
            let from = from.unwrap_or_else(|| (to - DEFAULT_BUCKETS).max(0));
            Range { bucket, from, to }
        }
    };
    if range.from >= range.to {
        return Err(invalid_range(format!(
            "from ({}) must be before to ({})",
            range.from, range.to
        )));
    }
    let buckets = match bucket.step_ms() {
        Some(step) => (range.to - range.from) / step,
        None => range.to - range.from,
    };
    if buckets > MAX_BUCKETS {
        return Err(invalid_range(format!(
            "from..to spans {buckets} {bucket_text} buckets; at most {MAX_BUCKETS} per request"
        )));
    }
    let mut filters = HashMap::new();
    for (name, param, _) in spec.filters {
        if let Some(text) = query.get(*name) {
            filters.insert(*name, param.parse(name, text)?);
        }
    }
    Ok(SeriesQuery { range, filters })
}

/// The buckets of `range`, oldest first: hours and days computed, epochs read from `epochs`
/// (those that began; a future epoch's row, holding fees paid ahead, has no span yet). An
/// epoch spans from its start to the next one's (epoch 0 from time 0; the current epoch to
/// `i64::MAX`).
async fn spans(tx: &mut Transaction<'_, Postgres>, range: Range) -> Result<Vec<Span>, Problem> {
    if let Some(step) = range.bucket.step_ms() {
        return Ok((range.from..range.to)
            .step_by(usize::try_from(step).unwrap_or(usize::MAX))
            .map(|start_ms| Span {
                epoch: None,
                start_ms,
                end_ms: Some(start_ms.saturating_add(step)),
            })
            .collect());
    }
    let rows = sqlx::query(
        "SELECT e.epoch, CASE WHEN e.epoch = 0 THEN 0 ELSE COALESCE(e.start_ms, 0) END \
                AS start_ms, e.end_ms \
         FROM (SELECT epoch, start_ms, lead(start_ms) OVER (ORDER BY epoch) AS end_ms \
               FROM epochs WHERE epoch >= $1::bigint AND epoch <= $2::bigint \
               AND (start_ms IS NOT NULL OR epoch = 0)) e \
         WHERE e.epoch < $2::bigint ORDER BY e.epoch",
    )
    .bind(range.from)
    .bind(range.to)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Span {
                epoch: row.try_get("epoch")?,
                start_ms: row.try_get("start_ms")?,
                end_ms: row.try_get("end_ms")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Problem::from)
}

/// A part of a bucket read at one level: `span_ms` 0 reads the base rows, otherwise the
/// rollup rows of that span whose start is in `[lo, hi)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    span_ms: i64,
    lo: i64,
    hi: i64,
}

/// Cuts `[lo, hi)` into the fewest aligned pieces of `levels` (longest first) and base-row
/// pieces at its unaligned edges: at most two pieces per level and two of base rows, so a
/// bucket reads a bounded number of rows however long it is or however many events it holds.
fn pieces(lo: i64, hi: i64, levels: &[i64], out: &mut Vec<Piece>) {
    if lo >= hi {
        return;
    }
    let Some((&span, finer)) = levels.split_first() else {
        out.push(Piece { span_ms: 0, lo, hi });
        return;
    };
    let first = lo.saturating_add((span - lo.rem_euclid(span)) % span);
    let last = hi - hi.rem_euclid(span);
    if first < last {
        pieces(lo, first, finer, out);
        out.push(Piece {
            span_ms: span,
            lo: first,
            hi: last,
        });
        pieces(last, hi, finer, out);
    } else {
        pieces(lo, hi, finer, out);
    }
}

/// A time series summed from a rollup table (rows per aligned span, see
/// [`crate::schema::ROLLUP_SPANS_MS`]) and, at buckets' unaligned edges, from its base table:
/// the two sides name the same sums in the same order.
struct Rollup {
    /// `(table, sums)` of the rollup: `span_ms`, `start_ms`, the `group` column, the sums.
    rollup: (&'static str, &'static [&'static str]),
    /// `(table, time column, sums)` of the base rows, one row per event.
    base: (&'static str, &'static str, &'static [&'static str]),
    /// The column the sums are grouped by (in both tables).
    group: &'static str,
}

static BURNS: Rollup = Rollup {
    rollup: ("burn_rollups", &["amount", "burns"]),
    base: ("burns", "timestamp_ms", &["amount", "1"]),
    group: "source",
};

static REVENUE: Rollup = Rollup {
    rollup: (
        "revenue_rollups",
        &["revenue", "fees_burned", "licenses", "payments"],
    ),
    base: (
        "license_payments",
        "timestamp_ms",
        &["price", "fee_burned", "purchase::int", "1"],
    ),
    group: "model_id",
};

/// The sums of one group in one bucket, as text (exact: numeric never passes through a float).
struct GroupSums {
    bucket: usize,
    group: String,
    sums: Vec<String>,
}

impl Rollup {
    /// Sums per bucket and group over `spans`, optionally only where `group = only`.
    async fn sums(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        spans: &[Span],
        only: Option<&String>,
    ) -> Result<Vec<GroupSums>, Problem> {
        let mut cut = Vec::new();
        let (mut bucket, mut span_ms, mut lo, mut hi) = (vec![], vec![], vec![], vec![]);
        for (i, span) in spans.iter().enumerate() {
            cut.clear();
            pieces(
                span.start_ms,
                span.end_ms.unwrap_or(i64::MAX),
                &crate::schema::ROLLUP_SPANS_MS,
                &mut cut,
            );
            for piece in &cut {
                bucket.push(i as i64);
                span_ms.push(piece.span_ms);
                lo.push(piece.lo);
                hi.push(piece.hi);
            }
        }
        let (rollup, rollup_sums) = self.rollup;
        let (base, time, base_sums) = self.base;
        let group = self.group;
        let select = |sums: &[&str]| {
            sums.iter()
                .enumerate()
                .map(|(i, s)| format!("{s} AS s{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let totals = (0..rollup_sums.len())
            .map(|i| format!("SUM(r.s{i})::text"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT p.bucket, r.{group}::text, {totals} \
             FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) \
                  p(bucket, span_ms, lo, hi) \
             CROSS JOIN LATERAL ( \
                 SELECT {group}, {rollup_select} FROM {rollup} \
                 WHERE p.span_ms > 0 AND span_ms = p.span_ms \
                   AND start_ms >= p.lo AND start_ms < p.hi \
                   AND ($5::text IS NULL OR {group}::text = $5::text) \
                 UNION ALL \
                 SELECT {group}, {base_select} FROM {base} \
                 WHERE p.span_ms = 0 AND {time} >= p.lo AND {time} < p.hi \
                   AND ($5::text IS NULL OR {group}::text = $5::text)) r \
             GROUP BY p.bucket, r.{group} ORDER BY p.bucket, r.{group}",
            rollup_select = select(rollup_sums),
            base_select = select(base_sums),
        );
        let rows = sqlx::query(&sql)
            .bind(&bucket)
            .bind(&span_ms)
            .bind(&lo)
            .bind(&hi)
            .bind(only)
            .fetch_all(&mut **tx)
            .await?;
        rows.iter()
            .map(|row| {
                let bucket: i64 = row.try_get(0)?;
                Ok(GroupSums {
                    bucket: usize::try_from(bucket).unwrap_or(usize::MAX),
                    group: row.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
                    sums: (0..rollup_sums.len())
                        .map(|i| {
                            row.try_get::<Option<String>, _>(i + 2)
                                .map(Option::unwrap_or_default)
                        })
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Problem::from)
    }
}

/// The span of one bucket of a series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Span {
    /// The epoch (epoch buckets; null for hours and days).
    pub epoch: Option<i64>,
    /// Bucket start, Unix ms (epoch 0 starts at 0).
    pub start_ms: i64,
    /// Bucket end, Unix ms, exclusive; null for the current epoch.
    pub end_ms: Option<i64>,
}

/// A series: one point per bucket, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Series<T> {
    /// The last checkpoint indexed in the snapshot read.
    pub checkpoint: Option<u64>,
    /// hour, day or epoch.
    pub bucket: String,
    /// First bucket (ms or epoch), inclusive.
    pub from: i64,
    /// End of the last bucket (ms or epoch), exclusive.
    pub to: i64,
    pub points: Vec<T>,
}

impl<T> Series<T> {
    fn new(now: &Now, range: Range, points: Vec<T>) -> Self {
        Self {
            checkpoint: now.checkpoint,
            bucket: Bucket::ALL[range.bucket as usize].to_owned(),
            from: range.from,
            to: range.to,
            points,
        }
    }
}

fn amount(text: Option<String>) -> Result<Amount, Problem> {
    let text = text.unwrap_or_else(|| "0".to_owned());
    text.parse().map(Amount).map_err(|_| {
        tracing::error!(value = %text, "a sum is not a non-negative integer");
        Problem::internal("a sum could not be read")
    })
}

fn count(text: &str) -> Result<i64, Problem> {
    text.parse().map_err(|_| {
        tracing::error!(value = %text, "a count is not an integer");
        Problem::internal("a count could not be read")
    })
}

fn optional_amount(text: Option<String>) -> Result<Option<Amount>, Problem> {
    text.map(|t| amount(Some(t))).transpose()
}

/// WAL supply and burns in one bucket.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplyPoint {
    #[serde(flatten)]
    pub span: Span,
    /// WAL burned in the bucket (base units).
    pub burned: Amount,
    /// WAL burned in the bucket by source name (every source, zeros included).
    pub burned_by_source: BTreeMap<String, Amount>,
    /// Number of burns in the bucket.
    pub burns: i64,
    /// Total burned at the end of the bucket.
    pub total_burned: Amount,
    /// Total supply at the end of the bucket (null before the treasury exists).
    pub total_supply: Option<Amount>,
}

/// Total supply and burns by source per bucket.
#[utoipa::path(get, path = "/v1/stats/supply", operation_id = "stats_supply",
    responses(
        (status = 200, body = Series<SupplyPoint>),
        (status = 400, description = "bad bucket, range or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn supply(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Series<SupplyPoint>>, Problem> {
    let (mut tx, now, SeriesQuery { range, .. }) = open(&SUPPLY_SERIES, &s, &q).await?;
    let spans = spans(&mut tx, range).await?;
    let sums = BURNS.sums(&mut tx, &spans, None).await?;
    // The totals at each bucket's end: those of the last burn before it (one index lookup).
    let ends: Vec<i64> = spans.iter().map(|s| s.end_ms.unwrap_or(i64::MAX)).collect();
    let totals = sqlx::query(
        "SELECT last.total_burned::text, last.total_supply::text, \
                (SELECT initial_supply::text FROM supply WHERE id) \
         FROM UNNEST($1::bigint[]) WITH ORDINALITY b(end_ms, i) \
         LEFT JOIN LATERAL (SELECT total_burned, total_supply FROM burns \
             WHERE timestamp_ms < b.end_ms \
             ORDER BY timestamp_ms DESC, checkpoint DESC, tx_index DESC, event_index DESC \
             LIMIT 1) last ON true \
         ORDER BY b.i",
    )
    .bind(&ends)
    .fetch_all(&mut *tx)
    .await?;
    let sources: BTreeMap<String, Amount> = crate::move_facts::BURN_SOURCES
        .iter()
        .map(|(_, name)| ((*name).to_owned(), Amount(0)))
        .collect();
    let mut points = Vec::with_capacity(spans.len());
    for (span, row) in spans.into_iter().zip(&totals) {
        let total_supply = match row.try_get::<Option<String>, _>(1)? {
            Some(t) => Some(amount(Some(t))?),
            None => optional_amount(row.try_get(2)?)?,
        };
        points.push(SupplyPoint {
            span,
            burned: Amount(0),
            burned_by_source: sources.clone(),
            burns: 0,
            total_burned: amount(row.try_get(0)?)?,
            total_supply,
        });
    }
    for GroupSums {
        bucket,
        group,
        sums,
    } in sums
    {
        let point = points
            .get_mut(bucket)
            .ok_or_else(|| Problem::internal("a sum names a bucket the series does not have"))?;
        let source = group
            .parse::<u8>()
            .ok()
            .map(|code| crate::move_facts::burn_source_name(code).to_owned())
            .unwrap_or(group);
        let value = amount(sums.first().cloned())?;
        point.burned.0 += value.0;
        point.burns += count(sums.get(1).map_or("0", String::as_str))?;
        point.burned_by_source.insert(source, value);
    }
    Ok(Json(Series::new(&now, range, points)))
}

/// License sales of one model in a bucket.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelRevenue {
    pub model_id: String,
    pub name: Option<String>,
    /// Paid in the bucket: purchases and extensions.
    pub revenue: Amount,
    /// Protocol fees burned on those payments.
    pub fees_burned: Amount,
    /// Licenses bought in the bucket.
    pub licenses: i64,
    /// Payments in the bucket (purchases and extensions).
    pub payments: i64,
}

/// License revenue in one bucket, by model.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevenuePoint {
    #[serde(flatten)]
    pub span: Span,
    /// Sum over models.
    pub revenue: Amount,
    pub licenses: i64,
    /// Models with payments in the bucket, by model ID.
    pub models: Vec<ModelRevenue>,
}

/// License revenue by model per bucket (payments by the time they were made).
#[utoipa::path(get, path = "/v1/stats/revenue", operation_id = "stats_revenue",
    responses(
        (status = 200, body = Series<RevenuePoint>),
        (status = 400, description = "bad bucket, range or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn revenue(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Series<RevenuePoint>>, Problem> {
    let (mut tx, now, SeriesQuery { range, filters }) = open(&REVENUE_SERIES, &s, &q).await?;
    let spans = spans(&mut tx, range).await?;
    let sums = REVENUE
        .sums(&mut tx, &spans, filters.get("model_id"))
        .await?;
    let mut models: Vec<String> = sums.iter().map(|g| g.group.clone()).collect();
    models.sort_unstable();
    models.dedup();
    let names: HashMap<String, Option<String>> =
        sqlx::query_as("SELECT model_id, name FROM models WHERE model_id = ANY($1)")
            .bind(&models)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let mut points: Vec<RevenuePoint> = spans
        .into_iter()
        .map(|span| RevenuePoint {
            span,
            revenue: Amount(0),
            licenses: 0,
            models: Vec::new(),
        })
        .collect();
    for GroupSums {
        bucket,
        group,
        sums,
    } in sums
    {
        let point = points
            .get_mut(bucket)
            .ok_or_else(|| Problem::internal("a sum names a bucket the series does not have"))?;
        let field = |i: usize| sums.get(i).cloned().unwrap_or_default();
        let model = ModelRevenue {
            name: names.get(&group).cloned().flatten(),
            model_id: group,
            revenue: amount(Some(field(0)))?,
            fees_burned: amount(Some(field(1)))?,
            licenses: count(&field(2))?,
            payments: count(&field(3))?,
        };
        point.revenue.0 += model.revenue.0;
        point.licenses += model.licenses;
        point.models.push(model);
    }
    Ok(Json(Series::new(&now, range, points)))
}

/// Challenges issued in one epoch and what became of them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengePoint {
    pub epoch: i64,
    pub issued: i64,
    /// Answered with a valid proof.
    pub answered: i64,
    /// Deadline passed without an answer (slashed or not yet).
    pub missed: i64,
    /// Missed and slashed.
    pub slashed: i64,
    /// Neither answered nor past the deadline.
    pub pending: i64,
}

/// Challenges issued, answered and missed per epoch.
#[utoipa::path(get, path = "/v1/stats/challenges", operation_id = "stats_challenges",
    responses(
        (status = 200, body = Series<ChallengePoint>),
        (status = 400, description = "bad bucket, range or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn challenges(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Series<ChallengePoint>>, Problem> {
    let (mut tx, now, SeriesQuery { range, .. }) = open(&EPOCH_SERIES, &s, &q).await?;
    // The rollup counts each epoch's challenges by fate; those neither answered nor slashed
    // are all missed once the epoch's latest deadline passed, and are counted one by one
    // (index `challenges_by_epoch`) only in an epoch whose deadlines are not all past.
    let rows = sqlx::query(
        "SELECT e.epoch, COALESCE(c.issued, 0) AS issued, COALESCE(c.answered, 0) AS answered, \
                COALESCE(c.slashed, 0) AS slashed, \
                COALESCE(c.last_deadline_ms < $3, true) AS all_past, \
                CASE WHEN c.last_deadline_ms >= $3 THEN \
                    (SELECT count(*) FROM challenges x WHERE x.epoch = e.epoch \
                     AND x.status = 'issued' AND x.deadline_ms < $3) END AS late \
         FROM generate_series($1::bigint, $2::bigint - 1) e(epoch) \
         LEFT JOIN challenge_epochs c ON c.epoch = e.epoch \
         ORDER BY e.epoch",
    )
    .bind(range.from)
    .bind(range.to)
    .bind(now.time_ms.unwrap_or(0))
    .fetch_all(&mut *tx)
    .await?;
    let points = rows
        .iter()
        .map(|row| {
            let issued: i64 = row.try_get("issued")?;
            let answered: i64 = row.try_get("answered")?;
            let slashed: i64 = row.try_get("slashed")?;
            let open = (issued - answered - slashed).max(0);
            let late = if row.try_get("all_past")? {
                open
            } else {
                row.try_get::<Option<i64>, _>("late")?.unwrap_or(0)
            };
            Ok(ChallengePoint {
                epoch: row.try_get("epoch")?,
                issued,
                answered,
                missed: slashed + late,
                slashed,
                pending: open - late,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(Series::new(&now, range, points)))
}

/// Storage capacity of one epoch.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoragePoint {
    pub epoch: i64,
    /// Whether the epoch began.
    pub started: bool,
    /// Encoded bytes reserved for the epoch.
    pub used_capacity: Amount,
    /// The epoch's capacity (the latest known for future epochs).
    pub total_capacity: Option<Amount>,
    /// Storage price per MiB and epoch in force (started epochs).
    pub storage_price_per_mib_epoch: Option<Amount>,
}

/// Storage used and capacity per epoch (future epochs included up to `to`).
#[utoipa::path(get, path = "/v1/stats/storage", operation_id = "stats_storage",
    responses(
        (status = 200, body = Series<StoragePoint>),
        (status = 400, description = "bad bucket, range or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn storage(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Series<StoragePoint>>, Problem> {
    let (mut tx, now, SeriesQuery { range, .. }) = open(&EPOCH_SERIES, &s, &q).await?;
    // What the `capacity` view answers, for the range only: the boundaries before it summed
    // once, a running sum over the range's own.
    let rows = sqlx::query(
        "WITH before AS (SELECT COALESCE(SUM(COALESCE(added, 0) - COALESCE(removed, 0)), 0) \
                             AS used FROM capacity_boundaries WHERE epoch < $1::bigint), \
              latest AS (SELECT total_capacity FROM epochs WHERE total_capacity IS NOT NULL \
                         ORDER BY epoch DESC LIMIT 1), \
              last AS (SELECT GREATEST((SELECT max(epoch) FROM capacity_boundaries), \
                                       (SELECT max(epoch) FROM epochs)) AS epoch) \
         SELECT s.epoch, e.start_ms IS NOT NULL AS started, \
                ((SELECT used FROM before) + SUM(COALESCE(b.added, 0) - COALESCE(b.removed, 0)) \
                    OVER (ORDER BY s.epoch))::text AS used, \
                COALESCE(e.total_capacity, (SELECT total_capacity FROM latest))::text AS total, \
                e.storage_price_per_mib_epoch::text AS price \
         FROM generate_series($1::bigint, LEAST($2::bigint - 1, (SELECT epoch FROM last))) \
              s(epoch) \
         LEFT JOIN capacity_boundaries b ON b.epoch = s.epoch \
         LEFT JOIN epochs e ON e.epoch = s.epoch \
         ORDER BY s.epoch",
    )
    .bind(range.from)
    .bind(range.to)
    .fetch_all(&mut *tx)
    .await?;
    let mut points = Vec::with_capacity(rows.len());
    for row in rows {
        points.push(StoragePoint {
            epoch: row.try_get("epoch")?,
            started: row.try_get("started")?,
            used_capacity: amount(row.try_get("used")?)?,
            total_capacity: optional_amount(row.try_get("total")?)?,
            storage_price_per_mib_epoch: optional_amount(row.try_get("price")?)?,
        });
    }
    Ok(Json(Series::new(&now, range, points)))
}

/// One node's stake as it entered an epoch.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeStake {
    pub node_id: String,
    /// Pool stake entering the epoch (`PoolAdvanced`).
    pub pool_stake: Amount,
    /// Shards the node held in the epoch's committee (0 when not a member).
    pub shard_count: i64,
}

/// Stake by node in one epoch.
#[derive(Debug, Serialize, ToSchema)]
pub struct StakePoint {
    pub epoch: i64,
    /// The committee's stake (null before the epoch's committee is known).
    pub committee_stake: Option<Amount>,
    /// Every pool that entered the epoch, by node ID.
    pub nodes: Vec<NodeStake>,
}

/// Stake by node per epoch.
#[utoipa::path(get, path = "/v1/stats/stake", operation_id = "stats_stake",
    responses(
        (status = 200, body = Series<StakePoint>),
        (status = 400, description = "bad bucket, range or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn stake(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Series<StakePoint>>, Problem> {
    let (mut tx, now, SeriesQuery { range, filters }) = open(&STAKE_SERIES, &s, &q).await?;
    let rows = sqlx::query(
        "SELECT e.epoch, ep.committee_stake::text AS committee_stake, p.node_id, \
                p.pool_stake::text AS pool_stake, COALESCE(c.shard_count, 0) AS shards \
         FROM generate_series($1::bigint, $2::bigint - 1) e(epoch) \
         LEFT JOIN epochs ep ON ep.epoch = e.epoch \
         LEFT JOIN pool_epochs p ON p.epoch = e.epoch \
              AND ($3::text IS NULL OR p.node_id = $3::text) \
         LEFT JOIN committee c ON c.epoch = p.epoch AND c.node_id = p.node_id \
         ORDER BY e.epoch, p.node_id",
    )
    .bind(range.from)
    .bind(range.to)
    .bind(filters.get("node_id"))
    .fetch_all(&mut *tx)
    .await?;
    let mut points: Vec<StakePoint> = Vec::new();
    for row in rows {
        let epoch: i64 = row.try_get("epoch")?;
        if points.last().is_none_or(|p| p.epoch != epoch) {
            points.push(StakePoint {
                epoch,
                committee_stake: row
                    .try_get::<Option<String>, _>("committee_stake")?
                    .map(|t| amount(Some(t)))
                    .transpose()?,
                nodes: Vec::new(),
            });
        }
        let Some(node_id) = row.try_get::<Option<String>, _>("node_id")? else {
            continue;
        };
        points
            .last_mut()
            .expect("pushed above")
            .nodes
            .push(NodeStake {
                node_id,
                pool_stake: amount(row.try_get("pool_stake")?)?,
                shard_count: row.try_get("shards")?,
            });
    }
    Ok(Json(Series::new(&now, range, points)))
}

/// What an address holds and did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressSummary {
    pub address: String,
    /// Blob objects it registered.
    pub blobs: i64,
    /// Unencoded bytes of its certified blobs.
    pub certified_bytes: Amount,
    /// Storage reservations it bought.
    pub storage: i64,
    /// Its stake positions, and the WAL of those not withdrawn.
    pub stakes: i64,
    pub staked: Amount,
    /// Licenses it bought, and those still active.
    pub licenses: i64,
    pub active_licenses: i64,
    /// Models it owns.
    pub models: i64,
    /// Nodes it registered.
    pub nodes: i64,
}

/// `{"checkpoint", "item"}` of an address summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressItem {
    pub checkpoint: Option<u64>,
    pub item: AddressSummary,
}

/// An address: counts of its blobs, storage, stakes, licenses, models and nodes (the
/// objects themselves: `/v1/addresses/{id}/blobs`, `/stakes`, `/licenses`).
#[utoipa::path(get, path = "/v1/addresses/{id}",
    responses(
        (status = 200, body = AddressItem),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn address(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AddressItem>, Problem> {
    let address = Param::Id.parse("address", &id)?;
    let row = sqlx::query(
        "SELECT (SELECT checkpoint FROM watermark WHERE id) AS checkpoint, \
           (SELECT count(*) FROM blobs WHERE owner = id_bytes($1)) AS blobs, \
           (SELECT COALESCE(SUM(size), 0)::text FROM blobs WHERE owner = id_bytes($1) \
                AND status = 'certified') AS certified_bytes, \
           (SELECT count(*) FROM storage WHERE owner = id_bytes($1)) AS storage, \
           (SELECT count(*) FROM stakes WHERE staker = $1) AS stakes, \
           (SELECT COALESCE(SUM(amount), 0)::text FROM stakes WHERE staker = $1 \
                AND status <> 'withdrawn') AS staked, \
           (SELECT count(*) FROM licenses WHERE holder = id_bytes($1)) AS licenses, \
           (SELECT count(*) FROM licenses WHERE holder = id_bytes($1) AND status = 'active') \
                AS active_licenses, \
           (SELECT count(*) FROM models WHERE owner = $1) AS models, \
           (SELECT count(*) FROM nodes WHERE operator = $1) AS nodes",
    )
    .bind(&address)
    .fetch_one(&s.pool)
    .await?;
    Ok(Json(AddressItem {
        checkpoint: row
            .try_get::<Option<i64>, _>("checkpoint")?
            .map(|c| c.unsigned_abs()),
        item: AddressSummary {
            blobs: row.try_get("blobs")?,
            certified_bytes: amount(row.try_get("certified_bytes")?)?,
            storage: row.try_get("storage")?,
            stakes: row.try_get("stakes")?,
            staked: amount(row.try_get("staked")?)?,
            licenses: row.try_get("licenses")?,
            active_licenses: row.try_get("active_licenses")?,
            models: row.try_get("models")?,
            nodes: row.try_get("nodes")?,
            address,
        },
    }))
}

/// One search hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hit {
    /// blob, blob_object, node, model, license, offer, stake, storage, challenge, epoch or
    /// address.
    pub kind: String,
    /// The ID to open it by (`/v1/<kind>s/{id}`; addresses: `/v1/addresses/{id}`).
    pub id: String,
    /// A name or short description.
    pub label: Option<String>,
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub checkpoint: Option<u64>,
    pub items: Vec<Hit>,
}

/// The most hits a search answers.
pub const MAX_HITS: i64 = 20;

/// The longest `q` a search takes, in characters (code points, as JSON Schema counts them).
pub const MAX_QUERY_CHARS: u64 = 200;

/// The schema of search's `q`: what [`search`] accepts, so that a schema-driven client
/// neither sends what is refused nor expects a refusal of what is taken. Blank `q` is valid
/// (it finds nothing): "not only whitespace" has no regex that means the same in every
/// client's dialect as it does in Rust.
pub fn search_query_schema() -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_QUERY_CHARS as usize))
        .pattern(Some("^[^\\u0000]*$"))
        .build()
        .into()
}

/// Finds what `q` names: a blob ID (base64url or decimal), an object ID (blob object, node,
/// model, license, offer, stake position, storage), an address that owns or did something,
/// a challenge or epoch number, or a model or node whose name starts with `q` (any case).
#[utoipa::path(get, path = "/v1/search",
    responses(
        (status = 200, body = SearchResults),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(s): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<SearchResults>, Problem> {
    if let Some(name) = query.keys().find(|k| *k != "q") {
        return Err(Problem::bad_request(
            "unknown-parameter",
            format!("unknown query parameter {name:?}; search takes q"),
        ));
    }
    let raw = query.get("q").map(String::as_str).unwrap_or_default();
    if raw.is_empty() || raw.chars().count() as u64 > MAX_QUERY_CHARS || raw.contains('\0') {
        return Err(Problem::bad_request(
            "invalid-parameter",
            format!(
                "q must be 1 to {MAX_QUERY_CHARS} characters, no NUL (a blob ID, object ID, \
                 address, number or name)"
            ),
        ));
    }
    let q = raw.trim();
    if q.is_empty() {
        // Blanks name nothing; without this the name prefix "" would match every name.
        let checkpoint: Option<i64> =
            sqlx::query_scalar("SELECT checkpoint FROM watermark WHERE id")
                .fetch_optional(&s.pool)
                .await?;
        return Ok(Json(SearchResults {
            checkpoint: checkpoint.and_then(|c| u64::try_from(c).ok()),
            items: Vec::new(),
        }));
    }
    let mut branches: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut bind = |value: String| {
        binds.push(value);
        format!("${}", binds.len())
    };
    if let Ok(blob_id) = super::ids::blob_id(q) {
        let p = bind(blob_id);
        branches.push(format!(
            "SELECT 'blob', blob_id, 'blob of ' || size || ' bytes' FROM blob_ids WHERE blob_id = {p}"
        ));
    }
    if let Ok(number) = super::ids::integer("q", q) {
        let p = bind(number);
        branches.push(format!(
            "SELECT 'challenge', challenge_id::text, 'challenge of node ' || id_text(node_id) \
             FROM challenges WHERE challenge_id = {p}::bigint"
        ));
        branches.push(format!(
            "SELECT 'epoch', epoch::text, 'epoch ' || epoch FROM epochs WHERE epoch = {p}::bigint"
        ));
    }
    if let Ok(id) = super::ids::object_id(q) {
        let p = bind(id);
        for (kind, table, column, label) in [
            (
                "blob_object",
                "blobs",
                "blob_object_id",
                "'Blob object of ' || blob_id",
            ),
            ("node", "nodes", "node_id", "name"),
            ("model", "models", "model_id", "name"),
            (
                "license",
                "licenses",
                "license_id",
                "'license of ' || id_text(model_id)",
            ),
            ("offer", "offers", "offer_id", "'offer of ' || model_id"),
            ("stake", "stakes", "staked_wal_id", "'stake in ' || node_id"),
            (
                "storage",
                "storage",
                "storage_id",
                "'storage of ' || id_text(owner)",
            ),
        ] {
            // Tables holding IDs as bytes compare and show them through the ID functions.
            let kind_of = crate::schema::column_kind(table, column).unwrap_or(Kind::Text);
            branches.push(format!(
                "SELECT '{kind}', {shown}, {label} FROM {table} WHERE {column} = {bound}",
                shown = kind_of.render(column),
                bound = if kind_of == Kind::Id {
                    format!("id_bytes({p})")
                } else {
                    p.clone()
                },
            ));
        }
        branches.push(format!(
            "SELECT 'address', {p}, 'address' WHERE \
             EXISTS (SELECT 1 FROM blobs WHERE owner = id_bytes({p})) \
             OR EXISTS (SELECT 1 FROM stakes WHERE staker = {p}) \
             OR EXISTS (SELECT 1 FROM licenses WHERE holder = id_bytes({p})) \
             OR EXISTS (SELECT 1 FROM models WHERE owner = {p}) \
             OR EXISTS (SELECT 1 FROM nodes WHERE operator = {p}) \
             OR EXISTS (SELECT 1 FROM storage WHERE owner = id_bytes({p}))"
        ));
    }
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let p = bind(format!("{escaped}%"));
    for (kind, table, column) in [
        ("model", "models", "model_id"),
        ("node", "nodes", "node_id"),
    ] {
        branches.push(format!(
            "(SELECT '{kind}', {column}, name FROM {table} WHERE lower(name) LIKE {p} \
             ORDER BY lower(name), {column} LIMIT {MAX_HITS})"
        ));
    }
    let sql = format!(
        "SELECT NULL::text, (SELECT checkpoint FROM watermark WHERE id)::text, NULL::text \
         UNION ALL ({}) LIMIT {}",
        branches
            .iter()
            .map(|b| format!("SELECT * FROM ({b}) h"))
            .collect::<Vec<_>>()
            .join(" UNION ALL "),
        MAX_HITS + 1
    );
    let mut statement = sqlx::query(&sql);
    for b in binds {
        statement = statement.bind(b);
    }
    let rows = statement.fetch_all(&s.pool).await?;
    let mut out = SearchResults {
        checkpoint: None,
        items: Vec::new(),
    };
    for row in rows {
        let kind: Option<String> = row.try_get(0)?;
        let id: Option<String> = row.try_get(1)?;
        match kind {
            None => out.checkpoint = id.and_then(|c| c.parse().ok()),
            Some(kind) => {
                let id = id.unwrap_or_default();
                // A model or node found by ID and by name is one hit.
                if !out.items.iter().any(|h| h.kind == kind && h.id == id) {
                    out.items.push(Hit {
                        kind,
                        id,
                        label: row.try_get(2)?,
                    });
                }
            }
        }
    }
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const NOW: Now = Now {
        checkpoint: Some(9),
        time_ms: Some(10 * DAY_MS + 5),
        epoch: Some(7),
    };

    /// Pieces tile the bucket exactly, in order, each aligned to its level, at most two per
    /// level and two of base rows.
    #[test]
    fn pieces_tile_a_bucket_with_aligned_rollup_spans() {
        let levels = crate::schema::ROLLUP_SPANS_MS;
        for (lo, hi) in [
            (0, 1),
            (0, DAY_MS),
            (1_700_000_123_456, 1_700_003_723_457),
            (1_700_000_000_000, 1_700_900_000_001),
            (59_999, 60_001),
            (HOUR_MS, 3 * HOUR_MS),
            (1_700_000_123_456, i64::MAX),
        ] {
            let mut out = Vec::new();
            pieces(lo, hi, &levels, &mut out);
            assert_eq!(out.first().map(|p| p.lo), Some(lo), "{lo}..{hi}");
            assert_eq!(out.last().map(|p| p.hi), Some(hi), "{lo}..{hi}");
            for pair in out.windows(2) {
                assert_eq!(pair[0].hi, pair[1].lo, "{out:?}");
            }
            for piece in &out {
                assert!(piece.lo < piece.hi, "{piece:?}");
                if piece.span_ms > 0 {
                    assert_eq!(piece.lo % piece.span_ms, 0, "{piece:?}");
                    assert_eq!(piece.hi % piece.span_ms, 0, "{piece:?}");
                }
            }
            for level in levels.iter().chain([&0]) {
                assert!(out.iter().filter(|p| p.span_ms == *level).count() <= 2);
            }
        }
        let mut out = Vec::new();
        pieces(HOUR_MS, 3 * HOUR_MS, &levels, &mut out);
        assert_eq!(
            out,
            [Piece {
                span_ms: HOUR_MS,
                lo: HOUR_MS,
                hi: 3 * HOUR_MS
            }]
        );
    }

    #[test]
    fn ranges_default_align_and_are_bounded() {
        let r = parse_series(&SUPPLY_SERIES, &q(&[]), &NOW).unwrap().range;
        assert_eq!((r.bucket, r.from, r.to), (Bucket::Epoch, 0, 8));
        let r = parse_series(&SUPPLY_SERIES, &q(&[("bucket", "day")]), &NOW)
            .unwrap()
            .range;
        assert_eq!((r.from, r.to), (0, 11 * DAY_MS));
        let r = parse_series(
            &SUPPLY_SERIES,
            &q(&[("bucket", "hour"), ("from", "3600001"), ("to", "7200001")]),
            &NOW,
        )
        .unwrap()
        .range;
        assert_eq!((r.from, r.to), (HOUR_MS, 3 * HOUR_MS));
        for (pairs, kind) in [
            (vec![("bucket", "week")], "invalid-parameter"),
            (vec![("from", "5"), ("to", "5")], "invalid-range"),
            (vec![("from", "9"), ("to", "2")], "invalid-range"),
            (vec![("from", "0"), ("to", "1001")], "invalid-range"),
            (vec![("from", "-1")], "invalid-parameter"),
            (vec![("to", "x")], "invalid-parameter"),
            (
                vec![("bucket", "hour"), ("from", "0"), ("to", "4000000000")],
                "invalid-range",
            ),
            (vec![("nope", "1")], "unknown-parameter"),
        ] {
            let problem = parse_series(&SUPPLY_SERIES, &q(&pairs), &NOW).unwrap_err();
            assert_eq!(problem.type_, format!("/problems/{kind}"), "{pairs:?}");
            assert_eq!(problem.status, 400);
        }
        assert!(parse_series(&SUPPLY_SERIES, &q(&[("from", "0"), ("to", "1000")]), &NOW).is_ok());
        let problem = parse_series(&EPOCH_SERIES, &q(&[("bucket", "day")]), &NOW).unwrap_err();
        assert!(
            problem.detail.contains("must be one of epoch"),
            "{}",
            problem.detail
        );
        let problem = parse_series(&STAKE_SERIES, &q(&[("node_id", "0xzz")]), &NOW).unwrap_err();
        assert_eq!(problem.type_, "/problems/invalid-id");
    }
}

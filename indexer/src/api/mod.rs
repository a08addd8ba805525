//! The REST API over the projections (axum; OpenAPI generated with utoipa).
//!
//! Lists are keyset-paginated (`limit`, opaque `cursor`) in ascending key order and say the
//! checkpoint they are current to; single resources come as `{"checkpoint", "item"}`. IDs are
//! `0x`-hex, blob IDs base64url (Walrus's form; paths also take the decimal `u256`), amounts
//! exact JSON numbers. Errors are `application/problem+json`.

pub mod ids;
pub mod pagination;
pub mod problem;
pub mod query;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use sqlx::PgPool;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::metrics::Metrics;
use problem::Problem;
use query::{ListSpec, Param, list, one};

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub metrics: Arc<Metrics>,
    /// `/ready` answers 503 when the watermark is more than this many checkpoints behind the
    /// source.
    pub ready_max_lag: u64,
}

/// A page of a list (documentation shape; items are the resource's rows).
#[derive(Serialize, ToSchema)]
pub struct Page {
    /// The last checkpoint fully indexed when the page was read (null before the first).
    pub checkpoint: Option<u64>,
    pub items: Vec<serde_json::Value>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One resource (documentation shape).
#[derive(Serialize, ToSchema)]
pub struct Item {
    pub checkpoint: Option<u64>,
    pub item: serde_json::Value,
}

/// `/ready`'s answer.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    pub ready: bool,
    pub watermark: Option<u64>,
    pub source_checkpoint: Option<u64>,
    pub lag: Option<u64>,
    pub max_lag: u64,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Floe indexer",
        description = "Floe's blobs, storage network, WAL economy and model market, mirrored from checkpoints into PostgreSQL."
    ),
    components(schemas(Problem, Page, Item, Readiness))
)]
struct ApiDoc;

const TO_JSON: &str = "to_jsonb(t)";
const MODEL_JSON: &str = "to_jsonb(t) || jsonb_build_object('revenue_accrued', \
     COALESCE(t.total_revenue, 0) - COALESCE(t.revenue_withdrawn, 0))";
const BLOB_JSON: &str = "to_jsonb(t) || jsonb_build_object('objects', (SELECT \
     COALESCE(jsonb_agg(to_jsonb(o) ORDER BY o.blob_object_id), '[]'::jsonb) FROM blobs o \
     WHERE o.blob_id = t.blob_id))";

static BLOBS: ListSpec = ListSpec {
    table: "blobs",
    key: &[("blob_object_id", Param::Id)],
    filters: &[
        ("status", "status", Param::Text),
        ("owner", "owner", Param::Id),
        ("blob_id", "blob_id", Param::BlobId),
    ],
    item: TO_JSON,
};
static STORAGE: ListSpec = ListSpec {
    table: "storage",
    key: &[("storage_id", Param::Id)],
    filters: &[
        ("owner", "owner", Param::Id),
        ("status", "status", Param::Text),
    ],
    item: TO_JSON,
};
static NODES: ListSpec = ListSpec {
    table: "nodes",
    key: &[("node_id", Param::Id)],
    filters: &[("operator", "operator", Param::Id)],
    item: TO_JSON,
};
static STAKES: ListSpec = ListSpec {
    table: "stakes",
    key: &[("staked_wal_id", Param::Id)],
    filters: &[
        ("staker", "staker", Param::Id),
        ("node_id", "node_id", Param::Id),
        ("status", "status", Param::Text),
    ],
    item: TO_JSON,
};
static EPOCHS: ListSpec = ListSpec {
    table: "epochs",
    key: &[("epoch", Param::Int)],
    filters: &[],
    item: TO_JSON,
};
static COMMITTEE: ListSpec = ListSpec {
    table: "committee",
    key: &[("position", Param::Int)],
    filters: &[],
    item: TO_JSON,
};
static PARAMETERS: ListSpec = ListSpec {
    table: "parameters",
    key: &[("name", Param::Text)],
    filters: &[],
    item: TO_JSON,
};
const POSITION: &[(&str, Param)] = &[
    ("checkpoint", Param::Int),
    ("tx_index", Param::Int),
    ("event_index", Param::Int),
];
static BURNS: ListSpec = ListSpec {
    table: "burns",
    key: POSITION,
    filters: &[("source", "source", Param::Int)],
    item: TO_JSON,
};
static SLASHES: ListSpec = ListSpec {
    table: "slashes",
    key: POSITION,
    filters: &[("node_id", "node_id", Param::Id)],
    item: TO_JSON,
};
static EVENTS: ListSpec = ListSpec {
    table: "events",
    key: POSITION,
    filters: &[("event_type", "event_type", Param::Text)],
    item: "to_jsonb(t) || jsonb_build_object('contents', encode(t.contents, 'hex'))",
};
static CHALLENGES: ListSpec = ListSpec {
    table: "challenges",
    key: &[("challenge_id", Param::Int)],
    filters: &[
        ("status", "status", Param::Text),
        ("node_id", "node_id", Param::Id),
        ("epoch", "epoch", Param::Int),
    ],
    item: TO_JSON,
};
static MODELS: ListSpec = ListSpec {
    table: "models",
    key: &[("model_id", Param::Id)],
    filters: &[("owner", "owner", Param::Id)],
    item: MODEL_JSON,
};
static VERSIONS: ListSpec = ListSpec {
    table: "model_versions",
    key: &[("version", Param::Int)],
    filters: &[],
    item: TO_JSON,
};
static OFFERS: ListSpec = ListSpec {
    table: "offers",
    key: &[("offer_id", Param::Id)],
    filters: &[
        ("model_id", "model_id", Param::Id),
        ("paused", "paused", Param::Bool),
    ],
    item: TO_JSON,
};
static LICENSES: ListSpec = ListSpec {
    table: "licenses",
    key: &[("license_id", Param::Id)],
    filters: &[
        ("holder", "holder", Param::Id),
        ("model_id", "model_id", Param::Id),
        ("offer_id", "offer_id", Param::Id),
        ("status", "status", Param::Text),
    ],
    item: TO_JSON,
};

type Q = Query<HashMap<String, String>>;
type Answer = Result<Response, Problem>;

/// Declares a list handler with its OpenAPI description.
macro_rules! list_route {
    ($name:ident, $path:literal, $spec:ident, $doc:literal $(, ($($param:tt)*))*) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, description = $doc,
            params(
                ("limit" = Option<i64>, Query, description = "page size, 1–1000 (default 50)"),
                ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
                $(($($param)*),)*
            ),
            responses(
                (status = 200, description = "one page", body = Page),
                (status = 400, description = "bad cursor, limit or filter", body = Problem, content_type = "application/problem+json"),
            ))]
        async fn $name(State(s): State<AppState>, Query(q): Q) -> Answer {
            list(&s.pool, &$spec, &q, &[]).await
        }
    };
}

list_route!(blobs, "/v1/blobs", BLOBS, "Blob objects (one per registration) by object ID.",
    ("status" = Option<String>, Query, description = "registered, certified, deleted or expired"),
    ("owner" = Option<String>, Query, description = "owner address"),
    ("blob_id" = Option<String>, Query, description = "blob ID (base64url or decimal u256)"));
list_route!(storage, "/v1/storage", STORAGE, "Storage reservations by storage object ID.",
    ("owner" = Option<String>, Query, description = "owner address"),
    ("status" = Option<String>, Query, description = "available, in_blob, fused or destroyed"));
list_route!(nodes, "/v1/nodes", NODES, "Storage nodes and their staking pools by node ID.",
    ("operator" = Option<String>, Query, description = "operator address"));
list_route!(stakes, "/v1/stakes", STAKES, "Stake positions (StakedWal objects).",
    ("staker" = Option<String>, Query, description = "staker address"),
    ("node_id" = Option<String>, Query, description = "node ID"),
    ("status" = Option<String>, Query, description = "staked, withdrawing or withdrawn"));
list_route!(
    epochs,
    "/v1/epochs",
    EPOCHS,
    "Epochs: start, committee size and stake, prices, capacity, fees settled."
);
list_route!(
    parameters,
    "/v1/parameters",
    PARAMETERS,
    "Protocol parameters and their current values."
);
list_route!(burns, "/v1/burns", BURNS, "Every WAL burn in chain order.",
    ("source" = Option<i64>, Query, description = "0 storage fee, 1 slashing, 2 early unstake, 3 license fee"));
list_route!(slashes, "/v1/slashes", SLASHES, "Every pool slash in chain order.",
    ("node_id" = Option<String>, Query, description = "node ID"));
list_route!(events, "/v1/events", EVENTS, "Raw floe events in chain order (BCS contents in hex).",
    ("event_type" = Option<String>, Query, description = "event struct name, e.g. BlobCertified"));
list_route!(challenges, "/v1/challenges", CHALLENGES, "Availability challenges by challenge ID.",
    ("status" = Option<String>, Query, description = "issued, answered or slashed"),
    ("node_id" = Option<String>, Query, description = "challenged node"),
    ("epoch" = Option<i64>, Query, description = "epoch issued in"));
list_route!(models, "/v1/models", MODELS, "Models by model ID.",
    ("owner" = Option<String>, Query, description = "owner address"));
list_route!(offers, "/v1/offers", OFFERS, "License offers by offer ID.",
    ("model_id" = Option<String>, Query, description = "model ID"),
    ("paused" = Option<bool>, Query, description = "true or false"));
list_route!(licenses, "/v1/licenses", LICENSES, "Licenses by license ID.",
    ("holder" = Option<String>, Query, description = "holder (buyer) address"),
    ("model_id" = Option<String>, Query, description = "model ID"),
    ("offer_id" = Option<String>, Query, description = "offer ID"),
    ("status" = Option<String>, Query, description = "active or destroyed"));

/// Declares a single-resource handler.
macro_rules! one_route {
    ($name:ident, $path:literal, $table:literal, $item:expr, $column:literal, $param:expr, $what:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, description = $doc,
            params(("id" = String, Path, description = "identifier")),
            responses(
                (status = 200, description = "the resource", body = Item),
                (status = 400, description = "malformed identifier", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "unknown", body = Problem, content_type = "application/problem+json"),
            ))]
        async fn $name(State(s): State<AppState>, Path(id): Path<String>) -> Answer {
            let value = $param.parse($what, &id)?;
            one(&s.pool, $table, $item, $column, value, $param, $what).await
        }
    };
}

one_route!(
    blob,
    "/v1/blobs/{id}",
    "blob_ids",
    BLOB_JSON,
    "blob_id",
    Param::BlobId,
    "blob",
    "A blob ID: size, root hash, live references and every Blob object registered for it. The ID is base64url (43 characters, as Walrus prints it) or the on-chain u256 in decimal."
);
one_route!(
    node,
    "/v1/nodes/{id}",
    "nodes",
    TO_JSON,
    "node_id",
    Param::Id,
    "node",
    "One storage node."
);
one_route!(
    epoch,
    "/v1/epochs/{id}",
    "epochs",
    TO_JSON,
    "epoch",
    Param::Int,
    "epoch",
    "One epoch."
);
one_route!(
    challenge,
    "/v1/challenges/{id}",
    "challenges",
    TO_JSON,
    "challenge_id",
    Param::Int,
    "challenge",
    "One challenge."
);
one_route!(
    model,
    "/v1/models/{id}",
    "models",
    MODEL_JSON,
    "model_id",
    Param::Id,
    "model",
    "One model."
);
one_route!(
    license,
    "/v1/licenses/{id}",
    "licenses",
    TO_JSON,
    "license_id",
    Param::Id,
    "license",
    "One license."
);

/// The committee of an epoch, in shard order.
#[utoipa::path(get, path = "/v1/epochs/{id}/committee",
    params(("id" = i64, Path, description = "epoch"),
        ("limit" = Option<i64>, Query, description = "page size"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Page), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn committee(State(s): State<AppState>, Path(id): Path<String>, Query(q): Q) -> Answer {
    let epoch = Param::Int.parse("epoch", &id)?;
    list(&s.pool, &COMMITTEE, &q, &[("epoch", epoch, Param::Int)]).await
}

/// The versions of a model, oldest first.
#[utoipa::path(get, path = "/v1/models/{id}/versions",
    params(("id" = String, Path, description = "model ID"),
        ("limit" = Option<i64>, Query, description = "page size"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Page), (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn versions(State(s): State<AppState>, Path(id): Path<String>, Query(q): Q) -> Answer {
    let model = Param::Id.parse("model ID", &id)?;
    list(&s.pool, &VERSIONS, &q, &[("model_id", model, Param::Id)]).await
}

/// The WAL supply: initial supply, total burned, current total supply, number of burns.
#[utoipa::path(get, path = "/v1/supply",
    responses((status = 200, body = Item), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn supply(State(s): State<AppState>) -> Answer {
    one(
        &s.pool,
        "supply",
        TO_JSON,
        "id",
        "true".to_owned(),
        Param::Bool,
        "supply record",
    )
    .await
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", responses((status = 200, description = "alive")))]
async fn health() -> &'static str {
    "ok"
}

/// Readiness: the database answers and the watermark is within `max_lag` of the source.
#[utoipa::path(get, path = "/ready", responses(
    (status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn ready(State(s): State<AppState>) -> Response {
    let watermark = crate::ingest::watermark(&s.pool).await;
    let source = s.metrics.tip();
    let (ok, watermark) = match watermark {
        Ok(w) => (true, w),
        Err(_) => (false, None),
    };
    let lag = match (watermark, source) {
        (Some(w), Some(t)) => Some(t.saturating_sub(w)),
        _ => None,
    };
    let ready = ok && watermark.is_some() && lag.is_none_or(|l| l <= s.ready_max_lag);
    let body = Readiness {
        ready,
        watermark,
        source_checkpoint: source,
        lag,
        max_lag: s.ready_max_lag,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "metrics", content_type = "text/plain")))]
async fn metrics(State(s): State<AppState>) -> Response {
    let watermark = crate::ingest::watermark(&s.pool).await.ok().flatten();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(watermark),
    )
        .into_response()
}

/// Counts requests by matched route (not raw path: IDs would explode the label set).
async fn track(State(s): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    s.metrics
        .http_request(&route, response.status().as_u16(), started.elapsed());
    response
}

async fn not_found() -> Problem {
    Problem::not_found("no such route; see /openapi.json")
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

fn parts() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(blobs))
        .routes(routes!(blob))
        .routes(routes!(storage))
        .routes(routes!(nodes))
        .routes(routes!(node))
        .routes(routes!(stakes))
        .routes(routes!(epochs))
        .routes(routes!(epoch))
        .routes(routes!(committee))
        .routes(routes!(parameters))
        .routes(routes!(burns))
        .routes(routes!(supply))
        .routes(routes!(slashes))
        .routes(routes!(events))
        .routes(routes!(challenges))
        .routes(routes!(challenge))
        .routes(routes!(models))
        .routes(routes!(model))
        .routes(routes!(versions))
        .routes(routes!(offers))
        .routes(routes!(licenses))
        .routes(routes!(license))
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(metrics))
        .split_for_parts()
}

/// The complete HTTP service.
pub fn router(state: AppState) -> axum::Router {
    let (router, api) = parts();
    let api = Arc::new(api.to_pretty_json().unwrap_or_default());
    router
        .route(
            "/openapi.json",
            get(move || {
                let api = api.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], (*api).clone()) }
            }),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

//! The REST API over the projections (axum; OpenAPI generated with utoipa).
//!
//! Lists are keyset-paginated (`limit`, opaque `cursor`) in ascending key order, or descending
//! with `order=desc` (newest first), and say the checkpoint they are current to; single
//! resources come as `{"checkpoint", "item"}`. IDs are `0x`-hex, blob IDs base64url (Walrus's
//! form; paths also take the decimal `u256`), amounts exact JSON numbers. Errors are
//! `application/problem+json`.

pub mod ids;
pub mod pagination;
pub mod param;
pub mod problem;
pub mod query;
pub mod resource;
pub mod resources;
pub mod stats;

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
use query::{Filter, Item, ListSpec, Page, Param, list, one};
use resource::Resource;
use resources::*;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub metrics: Arc<Metrics>,
    /// `/ready` answers 503 when the watermark is more than this many checkpoints behind the
    /// source.
    pub ready_max_lag: u64,
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
    components(schemas(Problem, Readiness))
)]
struct ApiDoc;

/// The values of each `status` column, as the projections write them.
const BLOB_STATUSES: &[&str] = &["registered", "certified", "deleted", "expired"];
const STORAGE_STATUSES: &[&str] = &["available", "in_blob", "fused", "destroyed"];
const STAKE_STATUSES: &[&str] = &["staked", "withdrawing", "withdrawn"];
const CHALLENGE_STATUSES: &[&str] = &["issued", "answered", "slashed"];
const LICENSE_STATUSES: &[&str] = &["active", "destroyed"];
const SYNC_STATUSES: &[&str] = &["pending", "synced"];
const JOB_STATUSES: &[&str] = &["open", "settled", "refunded"];

static BLOBS: ListSpec = ListSpec {
    resource: &<Blob as Resource>::INFO,
    key: &[("blob_object_id", Param::Id)],
    filters: &[
        Filter::new("status", Param::OneOf(BLOB_STATUSES), "lifecycle status"),
        Filter::new("owner", Param::Id, "owner address"),
        Filter::new(
            "blob_id",
            Param::BlobId,
            "blob ID (base64url or decimal u256)",
        ),
    ],
};
static STORAGE: ListSpec = ListSpec {
    resource: &<StorageReservation as Resource>::INFO,
    key: &[("storage_id", Param::Id)],
    filters: &[
        Filter::new("owner", Param::Id, "owner address"),
        Filter::new("status", Param::OneOf(STORAGE_STATUSES), "status"),
    ],
};
static NODES: ListSpec = ListSpec {
    resource: &<Node as Resource>::INFO,
    key: &[("node_id", Param::Id)],
    filters: &[Filter::new(
        "operator",
        Param::Id,
        "operator address (who registered the node)",
    )],
};
static STAKES: ListSpec = ListSpec {
    resource: &<Stake as Resource>::INFO,
    key: &[("staked_wal_id", Param::Id)],
    filters: &[
        Filter::new("staker", Param::Id, "staker address"),
        Filter::new("node_id", Param::Id, "node ID"),
        Filter::new("status", Param::OneOf(STAKE_STATUSES), "status"),
    ],
};
static EPOCHS: ListSpec = ListSpec {
    resource: &<Epoch as Resource>::INFO,
    key: &[("epoch", Param::Int)],
    filters: &[],
};
static CAPACITY: ListSpec = ListSpec {
    resource: &<EpochCapacity as Resource>::INFO,
    key: &[("epoch", Param::Int)],
    filters: &[Filter::new(
        "started",
        Param::Bool,
        "true: epochs that began; false: future epochs",
    )],
};
static NODE_SYNC: ListSpec = ListSpec {
    resource: &<NodeSync as Resource>::INFO,
    key: &[("epoch", Param::Int)],
    filters: &[Filter::new(
        "status",
        Param::OneOf(SYNC_STATUSES),
        "pending: gained shards not yet signalled held; synced: signalled",
    )],
};
static COMMITTEE: ListSpec = ListSpec {
    resource: &<CommitteeMember as Resource>::INFO,
    key: &[("position", Param::Int)],
    filters: &[],
};
static BLOB_ATTRIBUTES: ListSpec = ListSpec {
    resource: &<BlobAttribute as Resource>::INFO,
    key: POSITION,
    filters: &[],
};
static PARAMETERS: ListSpec = ListSpec {
    resource: &<Parameter as Resource>::INFO,
    key: &[("name", Param::Text)],
    filters: &[],
};
const POSITION: &[(&str, Param)] = &[
    ("checkpoint", Param::Int),
    ("tx_index", Param::Int),
    ("event_index", Param::Int),
];
static BURNS: ListSpec = ListSpec {
    resource: &<Burn as Resource>::INFO,
    key: POSITION,
    filters: &[Filter::new(
        "source",
        Param::Code(0, crate::move_facts::LAST_BURN_SOURCE),
        crate::move_facts::BURN_SOURCES_TEXT,
    )],
};
static SLASHES: ListSpec = ListSpec {
    resource: &<Slash as Resource>::INFO,
    key: POSITION,
    filters: &[Filter::new("node_id", Param::Id, "node ID")],
};
static EVENTS: ListSpec = ListSpec {
    resource: &<Event as Resource>::INFO,
    key: POSITION,
    filters: &[Filter::new(
        "event_type",
        Param::OneOf(crate::move_facts::EVENT_TYPES),
        "event struct name of floe::events, e.g. BlobCertified",
    )],
};
static CHALLENGES: ListSpec = ListSpec {
    resource: &<Challenge as Resource>::INFO,
    key: &[("challenge_id", Param::Int)],
    filters: &[
        Filter::new("status", Param::OneOf(CHALLENGE_STATUSES), "status"),
        Filter::new("node_id", Param::Id, "challenged node"),
        Filter::new("epoch", Param::Int, "epoch issued in"),
    ],
};
static MODELS: ListSpec = ListSpec {
    resource: &<Model as Resource>::INFO,
    key: &[("model_id", Param::Id)],
    filters: &[Filter::new("owner", Param::Id, "owner address")],
};
static VERSIONS: ListSpec = ListSpec {
    resource: &<ModelVersion as Resource>::INFO,
    key: &[("version", Param::Int)],
    filters: &[],
};
static OFFERS: ListSpec = ListSpec {
    resource: &<Offer as Resource>::INFO,
    key: &[("offer_id", Param::Id)],
    filters: &[
        Filter::new("model_id", Param::Id, "model ID"),
        Filter::new("paused", Param::Bool, "true or false"),
    ],
};
static LICENSES: ListSpec = ListSpec {
    resource: &<License as Resource>::INFO,
    key: &[("license_id", Param::Id)],
    filters: &[
        Filter::new("holder", Param::Id, "holder (buyer) address"),
        Filter::new("model_id", Param::Id, "model ID"),
        Filter::new("offer_id", Param::Id, "offer ID"),
        Filter::new("status", Param::OneOf(LICENSE_STATUSES), "status"),
    ],
};
static DATASETS: ListSpec = ListSpec {
    resource: &<Dataset as Resource>::INFO,
    key: &[("dataset_id", Param::Id)],
    filters: &[Filter::new("curator", Param::Id, "who created the dataset")],
};
static CONTRIBUTIONS: ListSpec = ListSpec {
    resource: &<Contribution as Resource>::INFO,
    key: &[("contribution_id", Param::Id)],
    filters: &[
        Filter::new("dataset_id", Param::Id, "dataset ID"),
        Filter::new("contributor", Param::Id, "who contributed"),
    ],
};
static DATASET_SHARES: ListSpec = ListSpec {
    resource: &<DatasetShare as Resource>::INFO,
    key: &[("model_id", Param::Id)],
    filters: &[],
};
static SHARED_BLOBS: ListSpec = ListSpec {
    resource: &<SharedBlob as Resource>::INFO,
    key: &[("shared_blob_id", Param::Id)],
    filters: &[
        Filter::new(
            "blob_id",
            Param::BlobId,
            "the wrapped blob's ID (base64url or decimal u256)",
        ),
        Filter::new("creator", Param::Id, "who shared it"),
        Filter::new(
            "blob_object_id",
            Param::Id,
            "the object ID of the Blob wrapped in it (its object ID before it was shared)",
        ),
    ],
};
static MEMORY_ENTRIES: ListSpec = ListSpec {
    resource: &<MemoryEntry as Resource>::INFO,
    key: &[("entry_index", Param::Int)],
    filters: &[],
};
static MEMORY_DELEGATES: ListSpec = ListSpec {
    resource: &<MemoryDelegate as Resource>::INFO,
    key: &[("agent", Param::Id)],
    filters: &[],
};
static SHARED_BLOB_FUNDERS: ListSpec = ListSpec {
    resource: &<SharedBlobFunder as Resource>::INFO,
    key: &[("funder", Param::Id)],
    filters: &[],
};
static COMPUTE_PROVIDERS: ListSpec = ListSpec {
    resource: &<ComputeProvider as Resource>::INFO,
    key: &[("provider_id", Param::Id)],
    filters: &[Filter::new(
        "operator",
        Param::Id,
        "the provider's account address",
    )],
};
static COMPUTE_JOBS: ListSpec = ListSpec {
    resource: &<ComputeJob as Resource>::INFO,
    key: &[("job_id", Param::Id)],
    filters: &[
        Filter::new("status", Param::OneOf(JOB_STATUSES), "status"),
        Filter::new("owner", Param::Id, "who opened the job"),
        Filter::new("model_id", Param::Id, "model ID"),
    ],
};
static SERVICES: ListSpec = ListSpec {
    resource: &<Service as Resource>::INFO,
    key: &[("service_id", Param::Id)],
    filters: &[
        Filter::new("model_id", Param::Id, "model ID"),
        Filter::new("provider", Param::Id, "the provider's account address"),
        Filter::new("owner", Param::Id, "who created the service"),
    ],
};

/// Builds a parameter's schema (a function: schemas are built at run time, not in statics).
type SchemaFn = fn() -> utoipa::openapi::Schema;

/// What a route takes, for the OpenAPI document: its `{id}` path parameter, if any, and its
/// list spec (limit, cursor, filters), if it is a list. Handlers check exactly these.
struct RouteParams {
    path: &'static str,
    id: Option<(Param, &'static str)>,
    list: Option<&'static ListSpec>,
    /// A time series: `bucket`, `from`, `to` and its filters.
    series: Option<&'static stats::SeriesSpec>,
    /// Required query parameters (search's `q`), each with the schema of what it accepts.
    required: &'static [(&'static str, SchemaFn, &'static str)],
}

static ROUTE_PARAMS: &[RouteParams] = &[
    RouteParams {
        path: "/v1/blobs",
        id: None,
        list: Some(&BLOBS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/blobs/{id}",
        id: Some((
            Param::BlobId,
            "blob ID: base64url (43 characters, as Walrus prints it) or the u256 in decimal",
        )),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/storage",
        id: None,
        list: Some(&STORAGE),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/nodes",
        id: None,
        list: Some(&NODES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/nodes/{id}",
        id: Some((Param::Id, "node ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/nodes/{id}/sync",
        id: Some((Param::Id, "node ID")),
        list: Some(&NODE_SYNC),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/stakes",
        id: None,
        list: Some(&STAKES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/epochs",
        id: None,
        list: Some(&EPOCHS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/epochs/{id}",
        id: Some((Param::Int, "epoch")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/blob-objects/{id}/attributes",
        id: Some((Param::Id, "Blob object ID")),
        list: Some(&BLOB_ATTRIBUTES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/epochs/{id}/committee",
        id: Some((Param::Int, "epoch")),
        list: Some(&COMMITTEE),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/capacity",
        id: None,
        list: Some(&CAPACITY),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/parameters",
        id: None,
        list: Some(&PARAMETERS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/supply",
        id: None,
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/burns",
        id: None,
        list: Some(&BURNS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/slashes",
        id: None,
        list: Some(&SLASHES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/events",
        id: None,
        list: Some(&EVENTS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/challenges",
        id: None,
        list: Some(&CHALLENGES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/challenges/{id}",
        id: Some((Param::Int, "challenge ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/models",
        id: None,
        list: Some(&MODELS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/models/{id}",
        id: Some((Param::Id, "model ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/models/{id}/versions",
        id: Some((Param::Id, "model ID")),
        list: Some(&VERSIONS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/offers",
        id: None,
        list: Some(&OFFERS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/licenses",
        id: None,
        list: Some(&LICENSES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/licenses/{id}",
        id: Some((Param::Id, "license ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/datasets",
        id: None,
        list: Some(&DATASETS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/datasets/{id}",
        id: Some((Param::Id, "dataset ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/datasets/{id}/shares",
        id: Some((Param::Id, "dataset ID")),
        list: Some(&DATASET_SHARES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/contributions",
        id: None,
        list: Some(&CONTRIBUTIONS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/contributions/{id}",
        id: Some((Param::Id, "contribution ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/shared-blobs",
        id: None,
        list: Some(&SHARED_BLOBS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/memories/{id}",
        id: Some((Param::Id, "memory ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/memories/{id}/entries",
        id: Some((Param::Id, "memory ID")),
        list: Some(&MEMORY_ENTRIES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/memories/{id}/delegates",
        id: Some((Param::Id, "memory ID")),
        list: Some(&MEMORY_DELEGATES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/shared-blobs/{id}",
        id: Some((Param::Id, "shared blob ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/shared-blobs/{id}/funders",
        id: Some((Param::Id, "shared blob ID")),
        list: Some(&SHARED_BLOB_FUNDERS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/compute/providers",
        id: None,
        list: Some(&COMPUTE_PROVIDERS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/compute/providers/{id}",
        id: Some((Param::Id, "provider ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/compute/jobs",
        id: None,
        list: Some(&COMPUTE_JOBS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/services",
        id: None,
        list: Some(&SERVICES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/services/{id}",
        id: Some((Param::Id, "service ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/compute/jobs/{id}",
        id: Some((Param::Id, "job ID")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/stats/supply",
        id: None,
        list: None,
        series: Some(&stats::SUPPLY_SERIES),
        required: &[],
    },
    RouteParams {
        path: "/v1/stats/revenue",
        id: None,
        list: None,
        series: Some(&stats::REVENUE_SERIES),
        required: &[],
    },
    RouteParams {
        path: "/v1/stats/challenges",
        id: None,
        list: None,
        series: Some(&stats::EPOCH_SERIES),
        required: &[],
    },
    RouteParams {
        path: "/v1/stats/storage",
        id: None,
        list: None,
        series: Some(&stats::EPOCH_SERIES),
        required: &[],
    },
    RouteParams {
        path: "/v1/stats/stake",
        id: None,
        list: None,
        series: Some(&stats::STAKE_SERIES),
        required: &[],
    },
    RouteParams {
        path: "/v1/addresses/{id}",
        id: Some((Param::Id, "address")),
        list: None,
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/addresses/{id}/blobs",
        id: Some((Param::Id, "owner address")),
        list: Some(&BLOBS),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/addresses/{id}/stakes",
        id: Some((Param::Id, "staker address")),
        list: Some(&STAKES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/addresses/{id}/licenses",
        id: Some((Param::Id, "holder address")),
        list: Some(&LICENSES),
        series: None,
        required: &[],
    },
    RouteParams {
        path: "/v1/search",
        id: None,
        list: None,
        series: None,
        required: &[(
            "q",
            stats::search_query_schema,
            "a blob ID, object ID, address, challenge or epoch number, or the start of a model or node name",
        )],
    },
];

/// Replaces each route's parameters in `api` with what its handler checks: `limit` with its
/// bounds and default, `cursor`, every filter with its type, enum or range, the `{id}` with
/// its pattern or range. Schema-driven clients then only send what the API accepts.
fn declare_params(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::{Required, Schema};

    let query = |name: &str, schema: Schema, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(schema))
            .build()
    };
    for route in ROUTE_PARAMS {
        let Some(operation) = api
            .paths
            .paths
            .get_mut(route.path)
            .and_then(|item| item.get.as_mut())
        else {
            continue;
        };
        let mut parameters = Vec::new();
        if let Some((param, description)) = route.id {
            parameters.push(
                ParameterBuilder::new()
                    .name("id")
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some(description))
                    .schema(Some(param.schema()))
                    .build(),
            );
        }
        if let Some(spec) = route.list {
            let limit = ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(1))
                .maximum(Some(pagination::MAX_LIMIT))
                .default(Some(pagination::DEFAULT_LIMIT.into()))
                .build();
            parameters.push(query(
                "limit",
                limit.into(),
                "page size, 1–1000 (default 50)",
            ));
            let cursor = ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[A-Za-z0-9_-]+$"))
                .build();
            parameters.push(query(
                "cursor",
                cursor.into(),
                "next_cursor of the previous page of this list, read in the same order (opaque)",
            ));
            parameters.push(query(
                "order",
                pagination::Order::schema(),
                "asc: ascending key (the default); desc: descending, newest first for lists keyed by chain position, epoch or sequence",
            ));
            for filter in spec.filters {
                parameters.push(query(
                    filter.name,
                    filter.param.schema(),
                    filter.description,
                ));
            }
        }
        if let Some(series) = route.series {
            let bucket = Param::OneOf(series.buckets);
            parameters.push(query(
                "bucket",
                bucket.schema(),
                "bucket size (the first value listed is the default)",
            ));
            parameters.push(query(
                "from",
                Param::Int.schema(),
                "first bucket, inclusive: Unix ms for hour and day (aligned down), an epoch for epoch",
            ));
            parameters.push(query(
                "to",
                Param::Int.schema(),
                "end, exclusive: Unix ms (aligned up) or an epoch; at most 1000 buckets after from",
            ));
            for (name, param, description) in series.filters {
                parameters.push(query(name, param.schema(), description));
            }
        }
        for (name, schema, description) in route.required {
            parameters.push(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::True)
                    .description(Some(*description))
                    .schema(Some(schema()))
                    .build(),
            );
        }
        operation.parameters = (!parameters.is_empty()).then_some(parameters);
    }
}

type Q = Query<HashMap<String, String>>;
type Answer<T> = Result<axum::Json<T>, Problem>;

/// Declares a list handler with its OpenAPI description (its parameters are filled in from
/// its spec by [`declare_params`]).
macro_rules! list_route {
    ($name:ident, $path:literal, $spec:ident, $resource:ty, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, description = $doc,
            responses(
                (status = 200, description = "one page", body = Page<$resource>),
                (status = 400, description = "bad cursor, limit or filter", body = Problem, content_type = "application/problem+json"),
                (status = 503, description = "the database did not answer", body = Problem, content_type = "application/problem+json"),
            ))]
        async fn $name(State(s): State<AppState>, Query(q): Q) -> Answer<Page<$resource>> {
            list(&s.pool, &$spec, &q, &[]).await
        }
    };
}

list_route!(
    blobs,
    "/v1/blobs",
    BLOBS,
    Blob,
    "Blob objects (one per registration) by object ID."
);
list_route!(
    storage,
    "/v1/storage",
    STORAGE,
    StorageReservation,
    "Storage reservations by storage object ID."
);
list_route!(
    nodes,
    "/v1/nodes",
    NODES,
    Node,
    "Storage nodes and their staking pools by node ID."
);
list_route!(
    stakes,
    "/v1/stakes",
    STAKES,
    Stake,
    "Stake positions (StakedWal objects)."
);
list_route!(
    epochs,
    "/v1/epochs",
    EPOCHS,
    Epoch,
    "Epochs: start, committee size and stake, prices, capacity, fees settled."
);
list_route!(
    capacity,
    "/v1/capacity",
    CAPACITY,
    EpochCapacity,
    "Storage capacity per epoch, from epoch 0 to the last epoch any storage is reserved for: used_capacity is what reservations hold in that epoch (from CapacityReserved and CapacityReleased), total_capacity the epoch's own once it started and the latest known before, free_capacity their difference."
);
list_route!(
    parameters,
    "/v1/parameters",
    PARAMETERS,
    Parameter,
    "Protocol parameters and their current values."
);
list_route!(
    burns,
    "/v1/burns",
    BURNS,
    Burn,
    "Every WAL burn in chain order."
);
list_route!(
    slashes,
    "/v1/slashes",
    SLASHES,
    Slash,
    "Every pool slash in chain order."
);
list_route!(
    events,
    "/v1/events",
    EVENTS,
    Event,
    "Raw floe events in chain order (BCS contents in hex)."
);
list_route!(
    challenges,
    "/v1/challenges",
    CHALLENGES,
    Challenge,
    "Availability challenges by challenge ID."
);
list_route!(models, "/v1/models", MODELS, Model, "Models by model ID.");
list_route!(
    offers,
    "/v1/offers",
    OFFERS,
    Offer,
    "License offers by offer ID."
);
list_route!(
    licenses,
    "/v1/licenses",
    LICENSES,
    License,
    "Licenses by license ID."
);
list_route!(
    datasets,
    "/v1/datasets",
    DATASETS,
    Dataset,
    "Datasets by dataset ID."
);
list_route!(
    contributions,
    "/v1/contributions",
    CONTRIBUTIONS,
    Contribution,
    "Contributions to datasets by contribution ID."
);
list_route!(
    shared_blobs,
    "/v1/shared-blobs",
    SHARED_BLOBS,
    SharedBlob,
    "Shared blobs by shared blob ID."
);
list_route!(
    compute_providers,
    "/v1/compute/providers",
    COMPUTE_PROVIDERS,
    ComputeProvider,
    "Compute providers by provider ID."
);
list_route!(
    services,
    "/v1/services",
    SERVICES,
    Service,
    "Model services (paid calls) by service ID."
);
list_route!(
    compute_jobs,
    "/v1/compute/jobs",
    COMPUTE_JOBS,
    ComputeJob,
    "Compute jobs by job ID."
);

/// Declares a single-resource handler: the resource whose key column equals the path's
/// `{id}`.
macro_rules! one_route {
    ($name:ident, $path:literal, $resource:ty, $column:literal, $param:expr, $what:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, description = $doc,
            responses(
                (status = 200, description = "the resource", body = Item<$resource>),
                (status = 400, description = "malformed identifier", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "unknown", body = Problem, content_type = "application/problem+json"),
                (status = 503, description = "the database did not answer", body = Problem, content_type = "application/problem+json"),
            ))]
        async fn $name(State(s): State<AppState>, Path(id): Path<String>) -> Answer<Item<$resource>> {
            let value = $param.parse($what, &id)?;
            one(&s.pool, $column, value, $param, $what).await
        }
    };
}

one_route!(
    node,
    "/v1/nodes/{id}",
    Node,
    "node_id",
    Param::Id,
    "node",
    "One storage node."
);
one_route!(
    epoch,
    "/v1/epochs/{id}",
    Epoch,
    "epoch",
    Param::Int,
    "epoch",
    "One epoch."
);
one_route!(
    challenge,
    "/v1/challenges/{id}",
    Challenge,
    "challenge_id",
    Param::Int,
    "challenge",
    "One challenge."
);
one_route!(
    model,
    "/v1/models/{id}",
    Model,
    "model_id",
    Param::Id,
    "model",
    "One model."
);
one_route!(
    license,
    "/v1/licenses/{id}",
    License,
    "license_id",
    Param::Id,
    "license",
    "One license."
);
one_route!(
    dataset,
    "/v1/datasets/{id}",
    Dataset,
    "dataset_id",
    Param::Id,
    "dataset",
    "One dataset."
);
one_route!(
    contribution,
    "/v1/contributions/{id}",
    Contribution,
    "contribution_id",
    Param::Id,
    "contribution",
    "One contribution."
);
one_route!(
    memory,
    "/v1/memories/{id}",
    Memory,
    "memory_id",
    Param::Id,
    "memory",
    "One agent memory: its owner, key generation, entries appended, grants and revokes."
);
one_route!(
    shared_blob,
    "/v1/shared-blobs/{id}",
    SharedBlob,
    "shared_blob_id",
    Param::Id,
    "shared blob",
    "One shared blob: the wrapped Blob object and blob ID, end epoch, funds now, all funded and spent."
);
one_route!(
    compute_provider,
    "/v1/compute/providers/{id}",
    ComputeProvider,
    "provider_id",
    Param::Id,
    "compute provider",
    "One compute provider."
);
one_route!(
    service,
    "/v1/services/{id}",
    Service,
    "service_id",
    Param::Id,
    "service",
    "One model service."
);
one_route!(
    compute_job,
    "/v1/compute/jobs/{id}",
    ComputeJob,
    "job_id",
    Param::Id,
    "compute job",
    "One compute job."
);

/// A blob ID: size, root hash, live references, every Blob object registered for it, every
/// model version published with it and every shared blob wrapping one of its objects. The ID is base64url (43 characters, as Walrus prints it)
/// or the on-chain u256 in decimal.
#[utoipa::path(get, path = "/v1/blobs/{id}",
    responses(
        (status = 200, description = "the blob ID and its objects", body = Item<BlobDetail>),
        (status = 400, description = "malformed blob ID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "unknown", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "the database did not answer", body = Problem, content_type = "application/problem+json"),
    ))]
async fn blob(State(s): State<AppState>, Path(id): Path<String>) -> Answer<Item<BlobDetail>> {
    let blob_id = Param::BlobId.parse("blob", &id)?;
    let branches = [
        format!(
            "SELECT 1, {}, NULL::text[] FROM blob_ids t WHERE t.blob_id = $1",
            BlobIdentity::INFO.select()
        ),
        format!(
            "SELECT 2, {}, NULL::text[] FROM blobs t WHERE t.blob_id = $1 ORDER BY t.blob_object_id",
            Blob::INFO.select()
        ),
        format!(
            "SELECT 3, {}, NULL::text[] FROM model_versions t WHERE t.blob_id = $1 \
             ORDER BY t.model_id, t.version",
            ModelVersion::INFO.select()
        ),
        format!(
            "SELECT 4, {}, NULL::text[] FROM blob_attributes_current t WHERE t.blob_id = $1 \
             ORDER BY t.blob_object_id, t.checkpoint, t.tx_index, t.event_index",
            BlobAttribute::INFO.select()
        ),
        format!(
            "SELECT 5, {}, NULL::text[] FROM shared_blobs t WHERE t.blob_id = $1 \
             ORDER BY t.shared_blob_id",
            SharedBlob::INFO.select()
        ),
    ];
    let snap = query::snapshot(&s.pool, &branches, vec![blob_id.clone()]).await?;
    let mut identity = None;
    let mut objects = Vec::new();
    let mut model_versions = Vec::new();
    let mut attributes = Vec::new();
    let mut shared_blobs = Vec::new();
    for (part, cells, _) in &snap.rows {
        match part {
            1 => identity = Some(query::build::<BlobIdentity>(cells)?),
            2 => objects.push(query::build::<Blob>(cells)?),
            3 => model_versions.push(query::build::<ModelVersion>(cells)?),
            4 => attributes.push(query::build::<BlobAttribute>(cells)?),
            _ => shared_blobs.push(query::build::<SharedBlob>(cells)?),
        }
    }
    let blob = identity.ok_or_else(|| Problem::not_found(format!("no blob {blob_id}")))?;
    Ok(axum::Json(Item {
        checkpoint: snap.checkpoint,
        item: BlobDetail {
            blob,
            objects: with_attributes(objects, attributes),
            model_versions,
            shared_blobs,
        },
    }))
}

/// Gives each Blob object its attributes (read in object then position order, in one query
/// with the objects, so both are of the same checkpoint).
fn with_attributes(objects: Vec<Blob>, attributes: Vec<BlobAttribute>) -> Vec<BlobObjectDetail> {
    let mut by_object: std::collections::HashMap<String, Vec<BlobAttribute>> =
        std::collections::HashMap::new();
    for attribute in attributes {
        by_object
            .entry(attribute.blob_object_id.clone())
            .or_default()
            .push(attribute);
    }
    objects
        .into_iter()
        .map(|object| BlobObjectDetail {
            attributes: by_object.remove(&object.blob_object_id).unwrap_or_default(),
            object,
        })
        .collect()
}

/// The current attributes of a Blob object, in the order the chain keeps them (oldest set
/// first; a replaced key moves last). Removed keys are not listed, nor the attributes of a
/// deleted or expired object; an object without attributes (or unknown) lists none.
#[utoipa::path(get, path = "/v1/blob-objects/{id}/attributes",
    responses((status = 200, body = Page<BlobAttribute>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn blob_object_attributes(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Answer<Page<BlobAttribute>> {
    let object_id = Param::Id.parse("Blob object ID", &id)?;
    list(
        &s.pool,
        &BLOB_ATTRIBUTES,
        &q,
        &[("blob_object_id", object_id, Param::Id)],
    )
    .await
}

/// The committee of an epoch, in shard order.
#[utoipa::path(get, path = "/v1/epochs/{id}/committee",
    responses((status = 200, body = Page<CommitteeMember>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn committee(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Answer<Page<CommitteeMember>> {
    let epoch = Param::Int.parse("epoch", &id)?;
    list(&s.pool, &COMMITTEE, &q, &[("epoch", epoch, Param::Int)]).await
}

/// A node's shard sync per epoch, oldest first: the shards it gained when the epoch began and
/// when it signalled holding their slivers (`synced`), or `pending` until it does. Epochs in
/// which the node gained nothing have no entry.
#[utoipa::path(get, path = "/v1/nodes/{id}/sync",
    responses((status = 200, body = Page<NodeSync>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn node_sync(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Answer<Page<NodeSync>> {
    let node = Param::Id.parse("node ID", &id)?;
    list(&s.pool, &NODE_SYNC, &q, &[("node_id", node, Param::Id)]).await
}

/// The models sharing their revenue with a dataset, by model ID.
#[utoipa::path(get, path = "/v1/datasets/{id}/shares",
    responses((status = 200, body = Page<DatasetShare>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn dataset_shares(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Answer<Page<DatasetShare>> {
    let dataset = Param::Id.parse("dataset ID", &id)?;
    list(
        &s.pool,
        &DATASET_SHARES,
        &q,
        &[("dataset_id", dataset, Param::Id)],
    )
    .await
}

/// An agent memory's entries, by number (oldest first): the ciphertext blob, its `Blob`
/// object, the key generation it is encrypted under and who appended it.
#[utoipa::path(get, path = "/v1/memories/{id}/entries",
    responses((status = 200, body = Page<MemoryEntry>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn memory_entries(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Answer<Page<MemoryEntry>> {
    let memory = Param::Id.parse("memory ID", &id)?;
    list(
        &s.pool,
        &MEMORY_ENTRIES,
        &q,
        &[("memory_id", memory, Param::Id)],
    )
    .await
}

/// The agents an agent memory's owner delegated to (active or revoked), by address.
#[utoipa::path(get, path = "/v1/memories/{id}/delegates",
    responses((status = 200, body = Page<MemoryDelegate>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn memory_delegates(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Answer<Page<MemoryDelegate>> {
    let memory = Param::Id.parse("memory ID", &id)?;
    list(
        &s.pool,
        &MEMORY_DELEGATES,
        &q,
        &[("memory_id", memory, Param::Id)],
    )
    .await
}

/// What each account gave a shared blob's funds, by funder address.
#[utoipa::path(get, path = "/v1/shared-blobs/{id}/funders",
    responses((status = 200, body = Page<SharedBlobFunder>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn shared_blob_funders(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Answer<Page<SharedBlobFunder>> {
    let shared = Param::Id.parse("shared blob ID", &id)?;
    list(
        &s.pool,
        &SHARED_BLOB_FUNDERS,
        &q,
        &[("shared_blob_id", shared, Param::Id)],
    )
    .await
}

/// The versions of a model, oldest first.
#[utoipa::path(get, path = "/v1/models/{id}/versions",
    responses((status = 200, body = Page<ModelVersion>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn versions(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Q,
) -> Answer<Page<ModelVersion>> {
    let model = Param::Id.parse("model ID", &id)?;
    list(&s.pool, &VERSIONS, &q, &[("model_id", model, Param::Id)]).await
}

/// Declares a list of an address's objects: `list` with the address as a fixed filter.
macro_rules! address_route {
    ($name:ident, $path:literal, $spec:ident, $resource:ty, $column:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, description = $doc,
            responses((status = 200, body = Page<$resource>), (status = 400, body = Problem, content_type = "application/problem+json"),
                (status = 503, body = Problem, content_type = "application/problem+json")))]
        async fn $name(
            State(s): State<AppState>,
            Path(id): Path<String>,
            Query(q): Q,
        ) -> Answer<Page<$resource>> {
            let address = Param::Id.parse("address", &id)?;
            list(&s.pool, &$spec, &q, &[($column, address, Param::Id)]).await
        }
    };
}

address_route!(
    address_blobs,
    "/v1/addresses/{id}/blobs",
    BLOBS,
    Blob,
    "owner",
    "The Blob objects an address registered (the blobs list's filters apply)."
);
address_route!(
    address_stakes,
    "/v1/addresses/{id}/stakes",
    STAKES,
    Stake,
    "staker",
    "The stake positions an address made."
);
address_route!(
    address_licenses,
    "/v1/addresses/{id}/licenses",
    LICENSES,
    License,
    "holder",
    "The licenses an address bought."
);

/// The WAL supply: initial supply, total burned, current total supply, number of burns.
#[utoipa::path(get, path = "/v1/supply",
    responses((status = 200, body = Item<Supply>), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn supply(State(s): State<AppState>) -> Answer<Item<Supply>> {
    one(
        &s.pool,
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

async fn not_found(uri: axum::http::Uri) -> Problem {
    Problem::not_found(format!("no route {}; see /openapi.json", uri.path()))
}

/// Gives every error response a problem+json body: the ones axum makes itself (405 for a
/// method a route does not answer, 400 for a path that is not UTF-8…) come with an empty or
/// plain-text body, which clients that parse `application/problem+json` cannot read. Responses
/// that already are problems pass through untouched; headers such as `Allow` are kept.
async fn problem_bodies(request: Request, next: Next) -> Response {
    floe_problem::problem_bodies(request, next, problem::refusal).await
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

fn parts() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut api) = routes();
    declare_params(&mut api);
    (router, api)
}

fn routes() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(blobs))
        .routes(routes!(blob))
        .routes(routes!(storage))
        .routes(routes!(nodes))
        .routes(routes!(node))
        .routes(routes!(node_sync))
        .routes(routes!(stakes))
        .routes(routes!(epochs))
        .routes(routes!(epoch))
        .routes(routes!(committee))
        .routes(routes!(blob_object_attributes))
        .routes(routes!(capacity))
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
        .routes(routes!(datasets))
        .routes(routes!(dataset))
        .routes(routes!(dataset_shares))
        .routes(routes!(contributions))
        .routes(routes!(contribution))
        .routes(routes!(shared_blobs))
        .routes(routes!(shared_blob))
        .routes(routes!(shared_blob_funders))
        .routes(routes!(memory))
        .routes(routes!(memory_entries))
        .routes(routes!(memory_delegates))
        .routes(routes!(compute_providers))
        .routes(routes!(compute_provider))
        .routes(routes!(compute_jobs))
        .routes(routes!(compute_job))
        .routes(routes!(services))
        .routes(routes!(service))
        .routes(routes!(stats::supply))
        .routes(routes!(stats::revenue))
        .routes(routes!(stats::challenges))
        .routes(routes!(stats::storage))
        .routes(routes!(stats::stake))
        .routes(routes!(stats::address))
        .routes(routes!(address_blobs))
        .routes(routes!(address_stakes))
        .routes(routes!(address_licenses))
        .routes(routes!(stats::search))
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
        .merge(crate::explorer::routes())
        .fallback(not_found)
        .layer(middleware::from_fn(problem_bodies))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    fn document() -> serde_json::Value {
        serde_json::to_value(openapi()).unwrap()
    }

    #[test]
    fn the_document_declares_what_the_handlers_check() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        // Every /v1 route has its parameters declared from the specs.
        for path in paths.keys().filter(|p| p.starts_with("/v1/")) {
            assert!(
                ROUTE_PARAMS.iter().any(|r| r.path == path),
                "{path} has no RouteParams entry"
            );
        }
        let mut lists = 0;
        for route in ROUTE_PARAMS
            .iter()
            .filter(|r| r.id.is_some() || r.list.is_some())
        {
            let params = doc["paths"][route.path]["get"]["parameters"]
                .as_array()
                .unwrap_or_else(|| panic!("{} declares no parameters", route.path));
            let find = |name: &str| params.iter().find(|p| p["name"] == name);
            if route.path.contains("{id}") {
                let id = find("id").unwrap();
                assert_eq!(id["in"], "path");
                assert_eq!(id["required"], true);
            }
            let Some(spec) = route.list else { continue };
            lists += 1;
            let order = &find("order").unwrap()["schema"];
            assert_eq!(
                (&order["enum"], &order["default"]),
                (
                    &serde_json::json!(pagination::ORDERS),
                    &serde_json::json!("asc")
                ),
                "{}",
                route.path
            );
            let limit = &find("limit").unwrap()["schema"];
            assert_eq!(
                (&limit["minimum"], &limit["maximum"], &limit["default"]),
                (&1.into(), &1000.into(), &50.into()),
                "{}",
                route.path
            );
            for filter in spec.filters {
                let schema = &find(filter.name).unwrap()["schema"];
                match filter.param {
                    Param::OneOf(values) => assert_eq!(schema["enum"], serde_json::json!(values)),
                    Param::Code(low, high) => {
                        assert_eq!(
                            (&schema["minimum"], &schema["maximum"]),
                            (&low.into(), &high.into())
                        )
                    }
                    Param::Int => assert_eq!(schema["minimum"], 0),
                    Param::Id | Param::BlobId => assert!(schema["pattern"].is_string()),
                    Param::Bool => assert_eq!(schema["type"], "boolean"),
                    Param::Text => {}
                }
            }
        }
        assert_eq!(lists, 31);
        let statuses = &doc["paths"]["/v1/challenges"]["get"]["parameters"];
        let status = statuses
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "status")
            .unwrap();
        assert_eq!(
            status["schema"]["enum"],
            serde_json::json!(["issued", "answered", "slashed"])
        );
    }

    /// Operation IDs are unique, as OpenAPI requires (generated clients name their methods
    /// after them; `/v1/stats/supply` and `/v1/supply` once were both `supply`).
    #[test]
    fn operation_ids_are_unique() {
        let doc = document();
        let mut seen = std::collections::BTreeMap::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                if let Some(other) = seen.insert(id.to_owned(), path.clone()) {
                    panic!("operationId {id} of {path} is also {other}'s");
                }
            }
        }
    }

    /// Each list reads a declared table or view, ordered and filtered by columns it has, of
    /// the type the parameter is cast to: a renamed or retyped column fails here.
    #[test]
    fn lists_read_declared_columns() {
        use crate::rows::Kind;
        use crate::schema::{ALL, VIEWS};
        let kind_of = |table: &str, column: &str| {
            let table_cols = ALL
                .iter()
                .find(|t| t.name == table)
                .map(|t| t.cols.iter().map(|c| (c.name, c.kind)).collect::<Vec<_>>());
            let view_cols = VIEWS
                .iter()
                .find(|v| v.name == table)
                .map(|v| v.cols.to_vec());
            let cols = table_cols
                .or(view_cols)
                .unwrap_or_else(|| panic!("{table} is not declared in schema.rs"));
            cols.iter()
                .find(|(name, _)| *name == column)
                .map(|(_, kind)| *kind)
                .unwrap_or_else(|| panic!("{table} has no column {column}"))
        };
        for route in ROUTE_PARAMS {
            let Some(spec) = route.list else { continue };
            let filters = spec.filters.iter().map(|f| (f.column, f.param));
            for (column, param) in spec.key.iter().copied().chain(filters) {
                let expected: &[Kind] = match param {
                    Param::Int | Param::Code(..) => &[Kind::Int],
                    Param::Bool => &[Kind::Bool],
                    // An ID column holds hex text or (migration 0022) the ID's bytes; the
                    // query converts the checked hex for the latter (`Kind::bind`).
                    Param::Id => &[Kind::Text, Kind::Id],
                    Param::BlobId | Param::Text | Param::OneOf(_) => &[Kind::Text],
                };
                let kind = kind_of(spec.table(), column);
                assert!(
                    expected.contains(&kind),
                    "{}: {}.{column} is {kind:?}, the parameter needs one of {expected:?}",
                    route.path,
                    spec.table()
                );
            }
        }
    }

    /// Each resource's plain fields are columns of its declared table or view, of the kind
    /// the field parses; a computed field's name is no column (it would shadow one).
    #[test]
    fn resources_read_declared_columns() {
        use crate::schema::{ALL, VIEWS};
        for info in resources::all() {
            let cols: Vec<(&str, crate::rows::Kind)> = ALL
                .iter()
                .find(|t| t.name == info.table)
                .map(|t| t.cols.iter().map(|c| (c.name, c.kind)).collect())
                .or_else(|| {
                    VIEWS
                        .iter()
                        .find(|v| v.name == info.table)
                        .map(|v| v.cols.to_vec())
                })
                .unwrap_or_else(|| panic!("{}: table {} is not declared", info.name, info.table));
            for field in info.fields {
                let column = cols.iter().find(|(name, _)| *name == field.name);
                match (field.plain, column) {
                    // A text field reads an ID column's bytes as hex (`Kind::render`).
                    (true, Some((_, crate::rows::Kind::Id)))
                        if field.kind == crate::rows::Kind::Text => {}
                    (true, Some((_, kind))) => {
                        assert_eq!(*kind, field.kind, "{}.{}", info.name, field.name);
                    }
                    (true, None) => panic!(
                        "{}.{} is no column of {}",
                        info.name, field.name, info.table
                    ),
                    (false, _) => {}
                }
            }
        }
    }

    /// `/openapi.json` describes every field of every resource, with its type, and every
    /// list's and item's response refers to its resource.
    #[test]
    fn the_document_describes_every_resource_field() {
        let doc = document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for info in resources::all() {
            let schema = &schemas
                .get(info.name)
                .unwrap_or_else(|| panic!("no schema {}", info.name));
            let properties = schema["properties"].as_object().unwrap();
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            for field in info.fields {
                let property = properties
                    .get(field.name)
                    .unwrap_or_else(|| panic!("{}.{} undocumented", info.name, field.name));
                assert!(!property.is_null());
                assert_eq!(
                    required.iter().any(|r| r == field.name),
                    !field.nullable,
                    "{}.{}",
                    info.name,
                    field.name
                );
            }
            assert_eq!(properties.len(), info.fields.len(), "{}", info.name);
        }
        let blobs = doc["paths"]["/v1/blobs"]["get"]["responses"]["200"].to_string();
        assert!(blobs.contains("Blob"), "{blobs}");
        let license = doc["paths"]["/v1/licenses/{id}"]["get"]["responses"]["200"].to_string();
        assert!(license.contains("License"), "{license}");
    }

    #[test]
    fn id_patterns_match_exactly_what_parses() {
        // The documented patterns are ECMA regexes; check their intent on the edge cases the
        // parsers decide (a 43-character base64url string is 32 bytes only when its last
        // character carries no stray bits).
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;
        for last in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".chars() {
            let text = format!("{}{last}", "A".repeat(42));
            let decodes = b64.decode(&text).is_ok_and(|b| b.len() == 32);
            assert_eq!(
                decodes,
                "AEIMQUYcgkosw048".contains(last),
                "last character {last}"
            );
        }
        assert!(ids::blob_id(&"9".repeat(77)).is_ok());
    }

    /// `method path` against `router` served on a local port: status, content type, `Allow`
    /// and body.
    async fn call(method: &str, path: &str) -> (u16, String, String, String) {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:1/unused")
            .unwrap();
        let state = AppState {
            pool,
            metrics: Arc::new(Metrics::new()),
            ready_max_lag: 10,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, router(state)).await });
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request =
            format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        server.abort();
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(": ")?;
                    n.eq_ignore_ascii_case(name).then(|| v.to_owned())
                })
                .unwrap_or_default()
        };
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (
            status,
            header("content-type"),
            header("allow"),
            body.to_owned(),
        )
    }

    /// Refusals that need no database: all problem+json, with the kind and what is allowed.
    #[tokio::test]
    async fn refusals_are_problem_json_before_any_query() {
        let nul_cursor = pagination::encode_cursor(pagination::Order::Asc, &["a\0".to_owned()]);
        let nul_cursor = format!("/v1/parameters?cursor={nul_cursor}");
        let desc_cursor = pagination::encode_cursor(pagination::Order::Desc, &["7".to_owned()]);
        let mixed_cursor = format!("/v1/challenges?cursor={desc_cursor}");
        for (method, path, status, kind, says) in [
            (
                "GET",
                "/v1/blobs?status=bogus",
                400,
                "invalid-parameter",
                "registered, certified, deleted, expired",
            ),
            (
                "GET",
                "/v1/storage?status=x",
                400,
                "invalid-parameter",
                "available, in_blob, fused, destroyed",
            ),
            (
                "GET",
                "/v1/stakes?status=x",
                400,
                "invalid-parameter",
                "staked, withdrawing, withdrawn",
            ),
            (
                "GET",
                "/v1/challenges?status=x",
                400,
                "invalid-parameter",
                "issued, answered, slashed",
            ),
            (
                "GET",
                "/v1/licenses?status=x",
                400,
                "invalid-parameter",
                "active, destroyed",
            ),
            (
                "GET",
                "/v1/events?event_type=Nope",
                400,
                "invalid-parameter",
                "BlobCertified",
            ),
            (
                "GET",
                "/v1/burns?source=99",
                400,
                "invalid-parameter",
                "from 0 to",
            ),
            (
                "GET",
                "/v1/challenges?cursor=WyJ4Il0",
                400,
                "invalid-cursor",
                "challenge_id",
            ),
            (
                "GET",
                "/v1/burns?cursor=WyIxIiwiMiIsIi0zIl0",
                400,
                "invalid-cursor",
                "event_index",
            ),
            ("GET", &nul_cursor, 400, "invalid-cursor", "name"),
            ("GET", &mixed_cursor, 400, "invalid-cursor", "order=desc"),
            (
                "GET",
                "/v1/challenges?cursor=WyI3Il0&order=desc",
                400,
                "invalid-cursor",
                "order=asc",
            ),
            (
                "GET",
                "/v1/slashes?order=newest",
                400,
                "invalid-parameter",
                "asc, desc",
            ),
            (
                "GET",
                "/v1/challenges?limit=1001",
                400,
                "invalid-limit",
                "1 to 1000",
            ),
            ("GET", "/v1/nodes/%FF", 400, "invalid-parameter", ""),
            ("POST", "/v1/blobs", 405, "method-not-allowed", "POST"),
            ("DELETE", "/v1/nodes/0x1", 405, "method-not-allowed", "GET"),
            ("PUT", "/openapi.json", 405, "method-not-allowed", "GET"),
            ("GET", "/v2/nothing", 404, "not-found", "/v2/nothing"),
            ("POST", "/v2/nothing", 404, "not-found", "/v2/nothing"),
        ] {
            let (got, content_type, allow, body) = call(method, path).await;
            assert_eq!(got, status, "{method} {path}: {body}");
            assert_eq!(content_type, "application/problem+json", "{method} {path}");
            let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(
                problem["type"],
                format!("/problems/{kind}"),
                "{method} {path}: {body}"
            );
            assert_eq!(problem["status"], status);
            assert!(problem["title"].is_string());
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains(says), "{method} {path}: {detail}");
            if status == 405 {
                assert!(allow.contains("GET"), "{method} {path}: Allow {allow:?}");
            }
        }
    }
}

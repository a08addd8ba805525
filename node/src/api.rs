//! The node's HTTP API (axum). Bodies are the codec's own bytes: metadata as
//! `BlobMetadata::to_bytes` (floe-encoder's `metadata.bin`), slivers in Walrus's BCS form, a
//! pair as primary BCS ‖ secondary BCS. Errors are `application/problem+json`.
//!
//! | method | path | body / answer |
//! |---|---|---|
//! | GET | `/health` | `{"status":"ok"}` |
//! | GET | `/v1/info` | node ID, BLS public key, epoch, shards |
//! | PUT | `/v1/blobs/{blob_id}/metadata` | metadata bytes, `x-floe-blob-object: 0x…` → 204 |
//! | GET | `/v1/blobs/{blob_id}/metadata` | metadata bytes |
//! | PUT | `/v1/blobs/{blob_id}/shards/{shard}/pair` | pair bytes → `{"missing_shards":[…]}` |
//! | GET | `/v1/blobs/{blob_id}/shards/{shard}/primary` | primary sliver BCS (license-gated) |
//! | GET | `/v1/blobs/{blob_id}/shards/{shard}/secondary` | secondary sliver BCS (license-gated) |
//! | POST | `/v1/blobs/{blob_id}/confirmation` | `{"epoch","blob_id","signature"}` or 409 |
//! | PUT / DELETE | `/v1/blobs/{blob_id}/model` | operator only (bearer token): mark / unmark licensed |
//! | GET | `/v1/blobs/{blob_id}/shards/{shard}/pair` | pair bytes (gated blobs: committee nodes only) |
//! | GET | `/v1/blobs/{blob_id}/recovery/{pair}` or `…/recovery?pairs=a,b` | recovery symbols ([`crate::recovery::encode_symbols`]; gated blobs: committee nodes only) |
//! | GET | `/v1/recovery` | recovery, sync and GC progress ([`crate::recovery::RecoveryStatus`]) |
//!
//! A blob collected by garbage collection answers 404 with the title "Blob expired" or "Blob
//! deleted" and the epoch in the detail.
//!
//! Only registered blobs are stored: metadata names the `floe::blob::Blob` object that
//! registered (and paid for) the blob, which the node reads from the chain and checks
//! ([`crate::registration`]); pairs and confirmations are refused (403) for blobs without such
//! a registration covering the current epoch.
//!
//! Upload bodies are bounded before they are read: a pair by the size its blob's metadata
//! implies, every body by the node's limit (413), and all bodies at once by the node's
//! [`UploadBudget`] (503 with `Retry-After` when it stays busy). A body that stalls or trickles
//! in is refused with 408 and gives its share back ([`BodyPace`]), metadata's registration is
//! checked before its body is read, and a request head must arrive within the head timeout
//! ([`floe_problem::serve`]), so a stranger can hold neither the budget nor connections.
//!
//! Every error is `application/problem+json`, the framework's own refusals included: a path
//! parameter that does not parse (400), a body over the limit (413), a method the route does
//! not have (405, with `Allow`), an unknown route (404).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Extension, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{BoxError, Router};
use floe_encoder::{Axis, BlobId, BlobMetadata, SliverPair};
use floe_problem::{Problem, Refusal};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sui_sdk_types::{Address, UserSignature};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::confirm::{self, ConfirmError};
use crate::license_gate::{
    self, Denied, LICENSE_HEADER, READ_NODE_HEADER, ReadAuth, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use crate::peers::{self, NodeAuth};
use crate::recovery::{self, ServeError};
use crate::registration::{self, BLOB_OBJECT_HEADER, LookupError, Refused};
pub use crate::state::NodeState;
use crate::store::{self, Registration, StoreError};
use crate::wire::RecoveryStatus;
pub use crate::wire::{ConfirmationBody, NodeInfo, PairStored};

/// Largest request body: a sliver pair of a maximal blob on few shards is large.
pub const MAX_BODY: usize = 512 << 20;

/// Default node-wide budget of upload bytes held in memory at once: concurrent uploads share
/// it, so many large bodies wait for each other instead of all being buffered at once.
pub const DEFAULT_INFLIGHT_UPLOAD_BYTES: usize = 256 << 20;

/// Default time an upload waits for its share of the budget before the node answers 503.
pub const DEFAULT_UPLOAD_WAIT: Duration = Duration::from_secs(10);

/// Default head start of an upload body before it must keep up with [`DEFAULT_UPLOAD_MIN_RATE`].
pub const DEFAULT_UPLOAD_GRACE: Duration = floe_problem::pace::DEFAULT_GRACE;

/// Default slowest rate (bytes per second) an upload body may arrive at once past its grace.
/// The sdk gives a whole request 60 s, so its largest pair (≈ 63 MiB) already needs ≈ 1 MiB/s:
/// a quarter of that refuses no upload the sdk would finish.
pub const DEFAULT_UPLOAD_MIN_RATE: usize = floe_problem::pace::DEFAULT_MIN_RATE as usize;

/// Largest metadata body: its 45-byte header and two hashes for each of at most 65 535 shards.
pub const MAX_METADATA_BODY: usize = 45 + 64 * floe_encoder::config::MAX_SHARDS;

/// The budget is counted in KiB so that a `u32` of permits covers any memory size.
const BUDGET_UNIT: usize = 1 << 10;

/// Bytes of upload bodies the node holds in memory at once, shared by all uploads.
///
/// An upload reserves its declared length (or, without a `Content-Length`, the largest body its
/// route allows) before reading a byte, and keeps it until it is stored: the bodies in memory
/// never add up to more than the budget. An upload that cannot get its share within the wait is
/// refused with 503 and `Retry-After`, so a burst of uploads queues briefly and then sheds load
/// instead of growing the node without bound.
#[derive(Clone)]
pub struct UploadBudget {
    permits: Arc<Semaphore>,
    total: usize,
    wait: Duration,
}

impl UploadBudget {
    /// A budget of `bytes` (at least 1 KiB) for which an upload waits at most `wait`.
    pub fn new(bytes: usize, wait: Duration) -> Self {
        let units = (bytes / BUDGET_UNIT)
            .clamp(1, u32::MAX as usize)
            .min(Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(units)),
            total: units * BUDGET_UNIT,
            wait,
        }
    }

    /// The budget in bytes.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Bytes not reserved by uploads right now.
    pub fn available(&self) -> usize {
        self.permits.available_permits() * BUDGET_UNIT
    }

    /// Reserves `bytes`: 413 if they exceed the whole budget (they could never fit), 503 with
    /// `Retry-After` if they did not become free within the wait.
    async fn reserve(&self, bytes: usize) -> Result<OwnedSemaphorePermit, Problem> {
        let units = bytes.div_ceil(BUDGET_UNIT).max(1);
        let Some(units) = u32::try_from(units)
            .ok()
            .filter(|&u| u as usize * BUDGET_UNIT <= self.total)
        else {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large",
                format!(
                    "the body ({}) is larger than this node's whole upload budget ({}); \
                     the operator can raise max_inflight_upload_bytes in the node config",
                    byte_size(bytes),
                    byte_size(self.total)
                ),
            ));
        };
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_many_owned(units)).await
        {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Node shutting down",
                "the node is no longer accepting uploads; send to it again once it is back",
            )),
            Err(_elapsed) => {
                tracing::info!(bytes, budget = self.total, "upload refused: budget busy");
                let problem = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Node busy",
                    format!(
                        "other uploads hold this node's upload budget ({}) and {} could not be \
                         reserved within {} s; send the body again after Retry-After",
                        byte_size(self.total),
                        byte_size(bytes),
                        self.wait.as_secs()
                    ),
                );
                Err(problem.with_retry_after(self.wait.as_secs().clamp(1, 60)))
            }
        }
    }
}

impl Default for UploadBudget {
    fn default() -> Self {
        Self::new(DEFAULT_INFLIGHT_UPLOAD_BYTES, DEFAULT_UPLOAD_WAIT)
    }
}

/// How large a request body may be, how much of them the node holds at once, and how slowly
/// one may arrive.
#[derive(Clone)]
pub struct UploadLimits {
    /// Largest body of any request (413 above it).
    pub max_body: usize,
    pub budget: UploadBudget,
    /// How slowly a body may arrive ([`BodyPace`]): a stalled upload must not keep its share
    /// of the budget.
    pub pace: BodyPace,
    /// How long a request head may take to arrive, and a connection may sit idle
    /// ([`floe_problem::serve`]): slow or silent connections must not pile up.
    pub head_timeout: Duration,
    /// Most connections the API holds open at once, out of the process's
    /// [`floe_problem::serve::ConnectionBudget`]; `None`: the default share of it.
    pub max_connections: Option<usize>,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_body: MAX_BODY,
            budget: UploadBudget::default(),
            pace: BodyPace::default(),
            head_timeout: floe_problem::serve::HEADER_READ_TIMEOUT,
            max_connections: None,
        }
    }
}

/// The slowest an upload body may arrive, counted from when its share of the
/// [`UploadBudget`] was reserved: the budget is reserved for the whole declared body before it
/// is read, so without a pace a client that declares a large body and then sends nothing would
/// hold its share for as long as it keeps the connection open.
pub use floe_problem::pace::BodyPace;

/// The `Content-Length` a request declares, if any.
fn declared_length(headers: &HeaderMap) -> Result<Option<usize>, Problem> {
    headers
        .get(header::CONTENT_LENGTH)
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .map(|v| usize::try_from(v).unwrap_or(usize::MAX))
                .ok_or_else(|| Problem::bad_request("Content-Length is not a whole number"))
        })
        .transpose()
}

/// 413 for a request whose `Content-Length` is over the node's limit for any body, checked
/// before anything else about the request so the refusal costs nothing.
fn refuse_oversized(headers: &HeaderMap, max_body: usize) -> Result<(), Problem> {
    match declared_length(headers)? {
        Some(declared) if declared > max_body => Err(too_large(format!(
            "the request body ({}) is larger than this node accepts ({}); \
             send one sliver pair or one metadata per request",
            byte_size(declared),
            byte_size(max_body)
        ))),
        _ => Ok(()),
    }
}

fn too_large(detail: String) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request body too large",
        detail,
    )
}

/// Reads an upload body of at most `limit` bytes (`what` names it in refusals): refused with
/// 413 from its `Content-Length` before a byte is read, else read under a reservation of the
/// node's [`UploadBudget`] that the caller keeps until the body is stored. A body that streams
/// past `limit` is refused as soon as it does, so at most `limit` bytes are ever held.
async fn read_upload(
    guard: &UploadGuard,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    what: &str,
) -> Result<(Bytes, OwnedSemaphorePermit), Problem> {
    let declared = declared_length(headers)?;
    if let Some(declared) = declared.filter(|&d| d > limit) {
        return Err(too_large(format!(
            "the body is {} but {what} is at most {}; send exactly the bytes the encoder produced",
            byte_size(declared),
            byte_size(limit)
        )));
    }
    let permit = guard.budget.reserve(declared.unwrap_or(limit)).await?;
    let mut buffer = Vec::with_capacity(declared.unwrap_or(0));
    let mut body = body;
    let start = tokio::time::Instant::now();
    loop {
        let deadline = guard.pace.deadline(start, buffer.len() as u64);
        let Ok(frame) = tokio::time::timeout_at(deadline, body.frame()).await else {
            // Its reservation of the budget is given back when `permit` drops.
            return Err(guard.pace.too_slow(
                buffer.len() as u64,
                declared.map(|d| d as u64),
                start.elapsed(),
                what,
            ));
        };
        let Some(frame) = frame else {
            break;
        };
        let frame = frame.map_err(|e| body_failed(&e.into()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if buffer.len() + data.len() > limit {
            return Err(too_large(format!(
                "the body streamed past {}, the most {what} can be; \
                 send exactly the bytes the encoder produced",
                byte_size(limit)
            )));
        }
        buffer.extend_from_slice(&data);
    }
    Ok((Bytes::from(buffer), permit))
}

/// A body that could not be read (the client went away or broke the framing).
fn body_failed(e: &BoxError) -> Problem {
    Problem::bad_request(format!("the request body could not be read: {e}"))
}

/// The exact length of a sliver pair of `metadata`'s blob in [`store::encode_pair`]'s form:
/// a primary sliver of `n − f` symbols and a secondary one of `n − 2f`, each with its ULEB128
/// length prefix and 4 bytes of symbol size and index. A pair body longer than this is refused
/// before it is read.
fn pair_body_limit(metadata: &BlobMetadata) -> Result<usize, Problem> {
    let (config, symbol_size) = metadata.checked_config().map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Storage failure",
            format!("the stored metadata is unusable: {e}"),
        )
    })?;
    let sliver = |symbols: usize| {
        let data = symbols * symbol_size;
        let mut prefix = 1;
        while data >> (7 * prefix) != 0 {
            prefix += 1;
        }
        prefix + data + 4
    };
    Ok(sliver(config.n_secondary_source()) + sliver(config.n_primary_source()))
}

#[derive(Debug, Deserialize)]
struct ModelBody {
    model_id: Address,
}

/// `axum::extract::Path` whose refusals are problems naming the parameter and the value.
struct ApiPath<T>(T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(Problem::from)
    }
}

/// The parameters of `/v1/blobs/{blob_id}/shards/{shard}/…`, by name so a refusal names them.
#[derive(Debug, Deserialize)]
struct ShardPath {
    blob_id: String,
    shard: u16,
}

#[derive(Debug, Deserialize)]
struct SliverPath {
    blob_id: String,
    shard: u16,
    axis: String,
}

/// The router over `state`, refusing bodies over [`MAX_BODY`], with the default upload budget.
pub fn router(state: Arc<NodeState>) -> Router {
    router_with_limits(state, UploadLimits::default())
}

/// The router over `state`, refusing bodies over `max_body` bytes (413).
pub fn router_with_body_limit(state: Arc<NodeState>, max_body: usize) -> Router {
    router_with_limits(
        state,
        UploadLimits {
            max_body,
            ..UploadLimits::default()
        },
    )
}

/// The router over `state` with `limits` on request bodies and on the upload bytes held at once.
pub fn router_with_limits(state: Arc<NodeState>, limits: UploadLimits) -> Router {
    let UploadLimits {
        max_body,
        budget,
        pace,
        head_timeout: _,
        max_connections: _,
    } = limits;
    let routes = Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/v1/info", get(info))
        .route(
            "/v1/blobs/{blob_id}/metadata",
            put(put_metadata).get(get_metadata),
        )
        .route(
            "/v1/blobs/{blob_id}/shards/{shard}/pair",
            put(put_pair).get(get_pair),
        )
        .route("/v1/blobs/{blob_id}/recovery", get(get_recovery_batch))
        .route("/v1/blobs/{blob_id}/recovery/{pair}", get(get_recovery_one))
        .route("/v1/recovery", get(recovery_status))
        .route("/v1/blobs/{blob_id}/shards/{shard}/{axis}", get(get_sliver))
        .route("/v1/blobs/{blob_id}/confirmation", post(post_confirmation))
        .route(
            "/v1/blobs/{blob_id}/model",
            put(put_model).delete(delete_model),
        )
        .fallback(|| async {
            Problem::new(
                StatusCode::NOT_FOUND,
                "Not found",
                "no such endpoint; see /v1/info and the node README",
            )
        })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(Extension(UploadGuard {
            max_body,
            budget,
            pace,
        }))
        .layer(Extension(RecoveryAnswers::new()))
        .with_state(state);
    // Around the whole router rather than each route, so that it sees answers as they leave:
    // axum adds a 405's `Allow` header outside a route's own layers.
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn_with_state(max_body, problem_responses))
}

/// Gives axum's own refusals (text/plain 400 and 413 from extractors, an empty 405) a problem
/// body, keeping their status and headers (`Allow` on a 405); a 413 names the node's limit.
async fn problem_responses(
    State(max_body): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    floe_problem::problem_bodies(request, next, |refusal: &Refusal| match refusal.status {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            refusal.status,
            Problem::title_for(refusal.status),
            format!(
                "the request body is larger than this node accepts ({}); \
                 send one sliver pair or one metadata per request",
                byte_size(max_body)
            ),
        ),
        _ => refusal.problem(),
    })
    .await
}

/// `bytes` for people, as every service's problems write sizes.
fn byte_size(bytes: usize) -> String {
    floe_problem::pace::byte_size(bytes as u64)
}

/// What the upload handlers read bodies under.
#[derive(Clone)]
struct UploadGuard {
    max_body: usize,
    budget: UploadBudget,
    pace: BodyPace,
}

fn parse_blob_id(text: &str) -> Result<BlobId, Problem> {
    text.parse()
        .map_err(|e: floe_encoder::blob_id::InvalidBlobId| Problem::bad_request(e.to_string()))
}

fn store_problem(e: StoreError) -> Problem {
    let (status, title) = match &e {
        StoreError::ShardNotHeld { .. } => (StatusCode::BAD_REQUEST, "Shard not held"),
        StoreError::ShardOutOfRange { .. } => (StatusCode::BAD_REQUEST, "Shard out of range"),
        StoreError::UnknownBlob(_) => (StatusCode::NOT_FOUND, "Unknown blob"),
        StoreError::NotRegistered(_) => (StatusCode::FORBIDDEN, "Registration required"),
        StoreError::RegistrationEnded { .. } => (StatusCode::FORBIDDEN, "Registration expired"),
        StoreError::BadMetadata { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Metadata mismatch"),
        StoreError::WrongPair { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Wrong sliver pair"),
        StoreError::SliverMismatch { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Sliver mismatch"),
        StoreError::NotStored { .. } => (StatusCode::NOT_FOUND, "Sliver not stored"),
        StoreError::Gone {
            gone: store::Gone::Expired { .. },
            ..
        } => (StatusCode::NOT_FOUND, "Blob expired"),
        StoreError::Gone {
            gone: store::Gone::Deleted { .. },
            ..
        } => (StatusCode::NOT_FOUND, "Blob deleted"),
        StoreError::Corrupt { .. } | StoreError::Io { .. } => {
            tracing::error!(error = %e, "storage failure");
            (StatusCode::INTERNAL_SERVER_ERROR, "Storage failure")
        }
    };
    Problem::new(status, title, e.to_string())
}

/// A registration refusal: 403 with a title naming what was wrong, except a malformed header
/// (400), a chain that could not be read (502, try again) and a node without a chain (503).
fn refused(e: Refused) -> Problem {
    let (status, title) = match &e {
        Refused::Missing(_) => (StatusCode::FORBIDDEN, "Registration required"),
        Refused::Malformed(_) => (StatusCode::BAD_REQUEST, "Bad request"),
        Refused::Lookup(LookupError::NotFound(_)) => {
            (StatusCode::FORBIDDEN, "Blob object not found")
        }
        Refused::Lookup(LookupError::WrongType { .. }) => {
            (StatusCode::FORBIDDEN, "Not a Blob object")
        }
        Refused::Lookup(LookupError::Unavailable(_)) => {
            (StatusCode::BAD_GATEWAY, "Registration lookup failed")
        }
        Refused::WrongBlob { .. } => (StatusCode::FORBIDDEN, "Registration for another blob"),
        Refused::WrongShape { .. } => (StatusCode::FORBIDDEN, "Registration mismatch"),
        Refused::StorageTooSmall { .. } => (StatusCode::FORBIDDEN, "Storage too small"),
        Refused::Expired { .. } => (StatusCode::FORBIDDEN, "Registration expired"),
        Refused::NoChain => (StatusCode::SERVICE_UNAVAILABLE, "No chain connection"),
    };
    Problem::new(status, title, e.to_string())
}

/// Runs blocking store work (file I/O, sliver hashing) off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            format!("the request's worker failed: {e}"),
        ))
    })
}

fn octets(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
}

async fn info(State(state): State<Arc<NodeState>>) -> axum::Json<NodeInfo> {
    axum::Json(NodeInfo {
        node_id: state.node_id.map(|id| id.to_string()),
        public_key: hex::encode(state.key.public_key()),
        epoch: state.epoch.load(Ordering::Relaxed),
        shards: state.store.shards(),
    })
}

/// Stores a blob's metadata once the `Blob` object named in `x-floe-blob-object` is shown to
/// register it (see [`crate::registration`]). The registration is kept with the metadata and
/// doubles as a cache: metadata sent again naming the same, still live, object costs no chain
/// read.
///
/// The object is read from the chain, and checked to register this blob ID and to cover the
/// current epoch, before any of the body is: the body is read under a share of the node's
/// [`UploadBudget`], and a stranger naming a made-up object must not get one.
async fn put_metadata(
    State(state): State<Arc<NodeState>>,
    Extension(guard): Extension<UploadGuard>,
    ApiPath(blob_id): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, Problem> {
    refuse_oversized(&headers, guard.max_body)?;
    let blob_id = parse_blob_id(&blob_id)?;
    let object = registration::blob_object(
        &blob_id,
        headers.get(BLOB_OBJECT_HEADER).map(|v| v.as_bytes()),
    )
    .map_err(refused)?;
    let epoch = state.epoch.load(Ordering::Relaxed);
    let recorded = {
        let store = state.store.clone();
        blocking(move || store.registration(&blob_id).map_err(store_problem)).await?
    };
    // A recorded registration that names this object and is live needs no chain read.
    let known = match recorded {
        Some(recorded) if recorded.blob_object == object && recorded.end_epoch > epoch => {
            Known::Recorded(recorded)
        }
        _ => {
            let lookup = state
                .registrations
                .as_deref()
                .ok_or_else(|| refused(Refused::NoChain))?;
            let record = lookup
                .blob(object)
                .await
                .map_err(|e| refused(Refused::Lookup(e)))?;
            registration::check_object(&record, &blob_id, epoch).map_err(|e| {
                tracing::info!(%blob_id, %object, reason = %e, "unregistered upload refused");
                refused(e)
            })?;
            Known::Read(record)
        }
    };
    let limit = MAX_METADATA_BODY.min(guard.max_body);
    let (body, _permit) = read_upload(&guard, &headers, body, limit, "metadata").await?;
    let (embedded, metadata) = BlobMetadata::from_bytes(&body).map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Malformed metadata",
            e.to_string(),
        )
    })?;
    if embedded != blob_id {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Metadata mismatch",
            format!("the metadata is for blob {embedded}, not {blob_id}"),
        ));
    }
    check_shard_count(&state, &metadata)?;
    let registration = match known {
        Known::Read(record) => {
            registration::check(&record, &blob_id, &metadata, epoch).map_err(|e| {
                tracing::info!(%blob_id, %object, reason = %e, "unregistered upload refused");
                refused(e)
            })?;
            Registration {
                blob_object: object,
                end_epoch: record.end_epoch,
            }
        }
        Known::Recorded(recorded) => recorded,
    };
    blocking(move || {
        state
            .store
            .put_metadata(&blob_id, &metadata, registration)
            .map_err(store_problem)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// That `metadata` encodes its blob for the `System`'s shard count ([`NodeState::n_shards`]):
/// 422 for another count, 503 while the count is not known.
///
/// The blob ID does not commit to a shard count, so the chain registers an encoding for any
/// count. Accepted, metadata for 4 shards on a 10-shard network would have every node holding
/// only shards 4–9 confirm the blob with nothing stored, and the certified blob's challenges
/// (drawn for 10 shards) would be unanswerable: honest nodes slashed for a stranger's blob.
fn check_shard_count(state: &NodeState, metadata: &BlobMetadata) -> Result<(), Problem> {
    let Some(n_shards) = state.n_shards else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Shard count unknown",
            "this node has not read the network's shard count, so it cannot check the \
             encoding; send again once it follows the chain",
        ));
    };
    if metadata.n_shards() != usize::from(n_shards) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Wrong shard count",
            format!(
                "the metadata encodes the blob for {} shards, but this network has {n_shards}; \
                 encode it with the System's n_shards",
                metadata.n_shards()
            ),
        ));
    }
    Ok(())
}

/// What a metadata upload's registration is known from, before its body is read.
enum Known {
    /// The registration kept with the metadata: this object, still live.
    Recorded(Registration),
    /// The `Blob` object as read from the chain, checked but for the metadata's shape.
    Read(registration::BlobRecord),
}

async fn get_metadata(
    State(state): State<Arc<NodeState>>,
    ApiPath(blob_id): ApiPath<String>,
) -> Result<Response, Problem> {
    let blob_id = parse_blob_id(&blob_id)?;
    let metadata = metadata_or_fetch(&state, blob_id).await?;
    Ok(octets(metadata.to_bytes()))
}

/// The stored metadata of `blob_id`; while this node is still migrating shards it gained,
/// metadata not here yet is fetched from a peer first ([`recovery::metadata_for_read`]).
async fn metadata_or_fetch(
    state: &Arc<NodeState>,
    blob_id: BlobId,
) -> Result<Arc<BlobMetadata>, Problem> {
    let store = state.store.clone();
    match blocking(move || Ok(store.metadata(&blob_id))).await? {
        Err(StoreError::UnknownBlob(_)) => {
            let epoch = state.epoch.load(Ordering::Relaxed);
            match recovery::metadata_for_read(state, &blob_id, epoch).await {
                Some(metadata) => Ok(metadata),
                None => Err(store_problem(StoreError::UnknownBlob(blob_id))),
            }
        }
        other => other.map_err(store_problem),
    }
}

/// Stores one sliver pair. Its size follows from the blob's stored metadata, so a body larger
/// than a pair of that blob is refused (413) before it is read, and the body is read under the
/// node's [`UploadBudget`] (503 when other uploads hold it for too long).
async fn put_pair(
    State(state): State<Arc<NodeState>>,
    Extension(guard): Extension<UploadGuard>,
    ApiPath(ShardPath { blob_id, shard }): ApiPath<ShardPath>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<PairStored>, Problem> {
    refuse_oversized(&headers, guard.max_body)?;
    let blob_id = parse_blob_id(&blob_id)?;
    let metadata = {
        let store = state.store.clone();
        blocking(move || store.metadata(&blob_id).map_err(store_problem)).await?
    };
    let limit = pair_body_limit(&metadata)?.min(guard.max_body);
    let what = format!("a sliver pair of blob {blob_id}");
    let (body, permit) = read_upload(&guard, &headers, body, limit, &what).await?;
    let epoch = state.epoch.load(Ordering::Relaxed);
    let missing = blocking(move || {
        let pair = store::decode_pair(&body)
            .map_err(|e| Problem::bad_request(format!("malformed sliver pair: {e}")))?;
        // The decoded pair is a copy of the body, which is dropped now; the reservation stays
        // with the pair until it is stored.
        drop(body);
        let _permit = permit;
        state
            .store
            .put_pair(&blob_id, shard, &pair, epoch)
            .map_err(store_problem)?;
        state.store.missing_shards(&blob_id).map_err(store_problem)
    })
    .await?;
    tracing::debug!(%blob_id, shard, "stored sliver pair");
    Ok(axum::Json(PairStored {
        missing_shards: missing,
    }))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The license headers, if any were sent.
fn read_auth(headers: &HeaderMap) -> Result<Option<ReadAuth>, Denied> {
    let text = |name: &str| -> Result<Option<&str>, Denied> {
        headers
            .get(name)
            .map(|v| {
                v.to_str()
                    .map_err(|_| Denied::Malformed(format!("{name} is not text")))
            })
            .transpose()
    };
    let (Some(license), Some(timestamp), Some(signature)) = (
        text(LICENSE_HEADER)?,
        text(TIMESTAMP_HEADER)?,
        text(SIGNATURE_HEADER)?,
    ) else {
        return Ok(None);
    };
    let node = text(READ_NODE_HEADER)?.ok_or_else(|| {
        Denied::Malformed(format!(
            "{READ_NODE_HEADER} is missing: sign the read for the node it is sent to (its ID, \
             `node_id` of GET /v1/info) and send that ID in {READ_NODE_HEADER}"
        ))
    })?;
    Ok(Some(ReadAuth {
        node_id: node
            .parse()
            .map_err(|e| Denied::Malformed(format!("{READ_NODE_HEADER}: {e}")))?,
        license_id: license
            .parse()
            .map_err(|e| Denied::Malformed(format!("{LICENSE_HEADER}: {e}")))?,
        timestamp_ms: timestamp
            .parse()
            .map_err(|e| Denied::Malformed(format!("{TIMESTAMP_HEADER}: {e}")))?,
        signature: UserSignature::from_base64(signature)
            .map_err(|e| Denied::Malformed(format!("{SIGNATURE_HEADER}: {e}")))?,
    }))
}

fn denied(e: Denied) -> Problem {
    let status = match e {
        Denied::Lookup { .. } => StatusCode::BAD_GATEWAY,
        _ => StatusCode::FORBIDDEN,
    };
    let title = match (&e, status) {
        (Denied::WrongNode { .. }, _) => "Read signed for another node",
        (_, StatusCode::FORBIDDEN) => "License required",
        _ => "License lookup failed",
    };
    Problem::new(status, title, e.to_string())
}

async fn get_sliver(
    State(state): State<Arc<NodeState>>,
    ApiPath(SliverPath {
        blob_id,
        shard,
        axis,
    }): ApiPath<SliverPath>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let blob_id = parse_blob_id(&blob_id)?;
    let axis = match axis.as_str() {
        "primary" => Axis::Primary,
        "secondary" => Axis::Secondary,
        other => {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "Not found",
                format!("no sliver axis {other:?}: use primary or secondary"),
            ));
        }
    };
    // Gated only while every copy of these bytes this node stored is a published model
    // version's (`Store::gate`): another owner's plain copy is never made unreadable.
    let models = {
        let store = state.store.clone();
        blocking(move || store.gate(&blob_id).map_err(store_problem)).await?
    };
    if let Some(models) = models {
        let model = models
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let auth = read_auth(&headers).map_err(denied)?;
        let Some(lookup) = state.licenses.as_deref() else {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "License required",
                format!(
                    "blob {blob_id} belongs to model {model} and this node has no chain connection to check licenses"
                ),
            ));
        };
        // A signed read names the node it is for: without an ID of its own this node cannot
        // tell a request meant for it from one captured on its way to another.
        let node_id = state.node_id.ok_or_else(|| denied(Denied::NoNodeId))?;
        let signer = license_gate::authorize(
            lookup,
            &state.replay,
            auth.as_ref(),
            license_gate::SliverRead {
                node_id,
                blob_id: &blob_id,
                shard,
                axis,
            },
            &models,
            now_ms(),
            state.max_skew_ms,
        )
        .await
        .map_err(denied)?;
        tracing::info!(%blob_id, shard, %signer, "licensed read");
    }
    let pair = pair_or_fetch(&state, blob_id, shard).await?;
    let sliver = match axis {
        Axis::Primary => pair.primary,
        Axis::Secondary => pair.secondary,
    };
    Ok(octets(sliver.to_bcs()))
}

/// The stored pair of `shard`; for a shard this node gained at the epoch's start and is still
/// fetching (pending), a pair not here yet is fetched from the shard's previous holder first
/// (checked and stored as migration would), so reads do not wait for the migration.
async fn pair_or_fetch(
    state: &Arc<NodeState>,
    blob_id: BlobId,
    shard: u16,
) -> Result<SliverPair, Problem> {
    let store = state.store.clone();
    let stored = blocking(move || Ok(store.pair(&blob_id, shard))).await?;
    match stored {
        Err(StoreError::NotStored { .. } | StoreError::UnknownBlob(_)) => {
            if let Some(holder) = recovery::pending_previous_holder(state, shard) {
                let epoch = state.epoch.load(Ordering::Relaxed);
                // A node new to the committee may not have the metadata the pair is checked
                // against yet.
                if metadata_or_fetch(state, blob_id).await.is_ok()
                    && recovery::transfer_pair(state, &holder, &blob_id, shard, epoch).await
                {
                    tracing::debug!(%blob_id, shard, "pending shard's pair fetched for a read");
                }
            }
            let store = state.store.clone();
            blocking(move || store.pair(&blob_id, shard).map_err(store_problem)).await
        }
        other => other.map_err(store_problem),
    }
}

async fn post_confirmation(
    State(state): State<Arc<NodeState>>,
    ApiPath(blob_id): ApiPath<String>,
) -> Result<axum::Json<ConfirmationBody>, Problem> {
    let blob_id = parse_blob_id(&blob_id)?;
    let epoch = state.epoch.load(Ordering::Relaxed);
    let signature = blocking(move || {
        // Metadata stored before the shard count was checked on upload is checked here: a
        // confirmation for another count would be vacuous for the shards past it. A node that
        // does not know the count has no chain, so it took no upload: what it confirms, its
        // operator stored.
        if state.n_shards.is_some()
            && let Ok(metadata) = state.store.metadata(&blob_id)
        {
            check_shard_count(&state, &metadata)?;
        }
        confirm::confirm(&state.store, &state.key, epoch, &blob_id).map_err(|e| match e {
            ConfirmError::Incomplete { missing, .. } => {
                Problem::new(
                    StatusCode::CONFLICT,
                    "Blob incomplete",
                    format!("the pairs of shards {missing:?} of blob {blob_id} are not stored yet; send them, then ask again"),
                )
                .with_extension("missing_shards", missing)
            }
            ConfirmError::NoShards => Problem::new(StatusCode::CONFLICT, "No shards", e.to_string()),
            ConfirmError::Store(e) => store_problem(e),
        })
    })
    .await?;
    Ok(axum::Json(ConfirmationBody {
        epoch,
        blob_id: blob_id.to_string(),
        signature: hex::encode(signature),
    }))
}

/// The operator token that enables the operator endpoints: a configured one that is not
/// empty. An empty `admin_token` would otherwise be matched by an empty bearer token, which
/// anyone can send, so it disables the endpoints like an absent one.
fn operator_token(configured: Option<&str>) -> Option<&str> {
    configured.filter(|token| !token.trim().is_empty())
}

fn check_admin(state: &NodeState, headers: &HeaderMap) -> Result<(), Problem> {
    let Some(token) = operator_token(state.admin_token.as_deref()) else {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Operator API disabled",
            "set admin_token in the node config to enable operator endpoints",
        ));
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !sent.is_some_and(|sent| admin_token_matches(sent, token)) {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "Operator token required",
            "send Authorization: Bearer <admin_token>",
        ));
    }
    Ok(())
}

/// Whether `sent` is the operator's `token`, in a time that tells nothing about the token.
///
/// `==` on strings stops at the first byte that differs (and at once on a length mismatch), so
/// how long a refusal takes tells a caller how much of a guess was right, and the token can be
/// found a byte at a time. Both are hashed to fixed-length Blake2b-256 digests first and the
/// digests compared with no early exit: the time then depends on the length of what was sent
/// (the caller's own input), not on the token's bytes or length, and a digest that matches in
/// its first bytes says nothing about the token's.
fn admin_token_matches(sent: &str, token: &str) -> bool {
    let sent = sui_sdk_types::hash::Hasher::digest(sent.as_bytes());
    let token = sui_sdk_types::hash::Hasher::digest(token.as_bytes());
    let differences = sent
        .inner()
        .iter()
        .zip(token.inner())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(differences) == 0
}

/// Largest body of `PUT …/model`: `{"model_id":"0x…"}` with room for whitespace.
const MAX_MODEL_BODY: usize = 4 << 10;

/// Marks a blob licensed. The operator's token is checked before the body is read, so a
/// stranger cannot make the node buffer a body here.
async fn put_model(
    State(state): State<Arc<NodeState>>,
    Extension(guard): Extension<UploadGuard>,
    ApiPath(blob_id): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, Problem> {
    check_admin(&state, &headers)?;
    let blob_id = parse_blob_id(&blob_id)?;
    let limit = MAX_MODEL_BODY.min(guard.max_body);
    let (body, _permit) = read_upload(&guard, &headers, body, limit, "a model marking").await?;
    let ModelBody { model_id } = serde_json::from_slice(&body)
        .map_err(|e| Problem::bad_request(format!("expected {{\"model_id\":\"0x…\"}}: {e}")))?;
    blocking(move || {
        state
            .store
            .set_model(&blob_id, Some(model_id))
            .map_err(store_problem)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_model(
    State(state): State<Arc<NodeState>>,
    ApiPath(blob_id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, Problem> {
    check_admin(&state, &headers)?;
    let blob_id = parse_blob_id(&blob_id)?;
    blocking(move || state.store.set_model(&blob_id, None).map_err(store_problem)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a request for a gated blob's pairs or recovery symbols asks for, so it can be checked
/// against the shards of the node asking.
enum Wanted<'a> {
    /// The pair of one shard (`GET …/shards/{shard}/pair`).
    Shard(u16),
    /// Recovery symbols for these target pair indices.
    Pairs(&'a [usize]),
}

/// For a gated blob, that the request comes from a committee storage node (see
/// [`crate::peers::check_node_read`]) and asks only for its own shards: a gated model's slivers
/// never reach a non-node, and a node gets no more of them than it holds.
///
/// Any one member may not fetch every shard's pair (or the symbols rebuilding them) and decode
/// the model without a license: a node only ever needs the pairs of shards it holds, now or in
/// the previous epoch (migration, recovery and reads of pending shards ask for nothing else).
async fn require_node_if_gated(
    state: &Arc<NodeState>,
    blob_id: BlobId,
    headers: &HeaderMap,
    wanted: Wanted<'_>,
) -> Result<(), Problem> {
    let gated = {
        let store = state.store.clone();
        blocking(move || store.gate(&blob_id).map_err(store_problem)).await?
    };
    if gated.is_none() {
        return Ok(());
    }
    let forbidden = |e: peers::NodeAuthError| {
        Problem::new(
            StatusCode::FORBIDDEN,
            "Committee node required",
            e.to_string(),
        )
    };
    let auth = NodeAuth::from_headers(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
    .map_err(forbidden)?;
    let epoch = state.epoch.load(Ordering::Relaxed);
    let node =
        peers::check_node_read(&state.peers, auth.as_ref(), &blob_id, epoch).map_err(forbidden)?;
    let held = peers::shards_of(&state.peers, node);
    let not_held: Vec<u16> = match wanted {
        Wanted::Shard(shard) => [shard].into_iter().filter(|s| !held.contains(s)).collect(),
        Wanted::Pairs(targets) => {
            let store = state.store.clone();
            let n = blocking(move || store.metadata(&blob_id).map_err(store_problem))
                .await?
                .n_shards();
            // Out-of-range targets are refused by the symbol server itself (400).
            let mut not_held: Vec<u16> = targets
                .iter()
                .filter(|&&t| t < n)
                .filter_map(|&t| u16::try_from(blob_id.shard_for_pair(t, n)).ok())
                .filter(|k| !held.contains(k))
                .collect();
            not_held.sort_unstable();
            not_held.dedup();
            not_held
        }
    };
    if !not_held.is_empty() {
        tracing::info!(%blob_id, %node, ?not_held, "gated pairs of another node's shards refused");
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Shard not held by the requester",
            format!(
                "blob {blob_id} is gated: node {node} holds shards {held:?}, and gets the pairs \
                 (or recovery symbols) of those only, not of shards {not_held:?}"
            ),
        ));
    }
    tracing::debug!(%blob_id, %node, "gated blob served to a committee node");
    Ok(())
}

async fn get_pair(
    State(state): State<Arc<NodeState>>,
    ApiPath(ShardPath { blob_id, shard }): ApiPath<ShardPath>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let blob_id = parse_blob_id(&blob_id)?;
    require_node_if_gated(&state, blob_id, &headers, Wanted::Shard(shard)).await?;
    let store = state.store.clone();
    let pair = blocking(move || store.pair(&blob_id, shard).map_err(store_problem)).await?;
    Ok(octets(store::encode_pair(&pair)))
}

#[derive(Debug, Deserialize)]
struct RecoveryPath {
    blob_id: String,
    pair: u16,
}

#[derive(Debug, Deserialize)]
struct PairsQuery {
    pairs: Option<String>,
}

async fn get_recovery_one(
    State(state): State<Arc<NodeState>>,
    Extension(answers): Extension<RecoveryAnswers>,
    ApiPath(RecoveryPath { blob_id, pair }): ApiPath<RecoveryPath>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    serve_recovery(state, answers, &blob_id, vec![usize::from(pair)], &headers).await
}

async fn get_recovery_batch(
    State(state): State<Arc<NodeState>>,
    Extension(answers): Extension<RecoveryAnswers>,
    ApiPath(blob_id): ApiPath<String>,
    axum::extract::Query(query): axum::extract::Query<PairsQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let text = query.pairs.unwrap_or_default();
    let pairs = text
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<u16>().map(usize::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            Problem::bad_request(format!(
                "pairs={text:?}: expected comma-separated pair indices, e.g. pairs=3,17"
            ))
        })?;
    serve_recovery(state, answers, &blob_id, pairs, &headers).await
}

/// How many recovery answers the node builds at once, and how long a request waits for a turn.
///
/// An answer is built whole in memory (a symbol and its proof per stored sliver per target
/// pair, up to about [`recovery::max_targets`]' byte budget each), and anyone may ask for one
/// of a public blob: without a bound, parallel requests would grow the node without limit.
/// Peers rebuilding pairs retry a busy node in their next pass.
#[derive(Clone)]
struct RecoveryAnswers {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl RecoveryAnswers {
    const AT_ONCE: usize = 4;
    const WAIT: Duration = Duration::from_secs(5);

    fn new() -> Self {
        Self {
            slots: Arc::new(Semaphore::new(Self::AT_ONCE)),
            wait: Self::WAIT,
        }
    }

    /// A turn to build one answer: 503 with `Retry-After` when none came free within the wait.
    async fn turn(&self) -> Result<OwnedSemaphorePermit, Problem> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Node busy",
                format!(
                    "this node builds {} recovery answers at once and none came free within {} s; \
                     ask again after Retry-After",
                    Self::AT_ONCE,
                    self.wait.as_secs()
                ),
            )
            .with_retry_after(self.wait.as_secs().clamp(1, 60))),
        }
    }
}

async fn serve_recovery(
    state: Arc<NodeState>,
    answers: RecoveryAnswers,
    blob_id: &str,
    pairs: Vec<usize>,
    headers: &HeaderMap,
) -> Result<Response, Problem> {
    let blob_id = parse_blob_id(blob_id)?;
    if pairs.is_empty() || pairs.len() > recovery::MAX_TARGETS {
        return Err(Problem::bad_request(format!(
            "name 1 to {} target pairs (got {})",
            recovery::MAX_TARGETS,
            pairs.len()
        )));
    }
    require_node_if_gated(&state, blob_id, headers, Wanted::Pairs(&pairs)).await?;
    let turn = answers.turn().await?;
    let store = state.store.clone();
    let symbols = blocking(move || {
        recovery::symbols_for(&store, &blob_id, &pairs).map_err(|e| match e {
            ServeError::Store(e) => store_problem(e),
            ServeError::OutOfRange { .. } => {
                Problem::new(StatusCode::BAD_REQUEST, "Pair out of range", e.to_string())
            }
            ServeError::DuplicateTarget { .. } => {
                Problem::new(StatusCode::BAD_REQUEST, "Pair named twice", e.to_string())
            }
            ServeError::TooManyTargets { .. } => Problem::new(
                StatusCode::BAD_REQUEST,
                "Too many target pairs",
                e.to_string(),
            ),
            ServeError::Codec { .. } => {
                tracing::error!(error = %e, "stored sliver unusable for recovery");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Storage failure",
                    e.to_string(),
                )
            }
        })
    })
    .await?;
    let bytes = recovery::encode_symbols(&symbols);
    drop(symbols);
    Ok(octets_holding(bytes, turn))
}

/// `bytes` as an octet-stream body that keeps `turn` until its last chunk is taken for
/// sending: a reader that drains the answer slowly keeps its turn, so slow readers cannot make
/// the node build more answers than it holds turns for. Hyper asks for the next chunk only
/// when the connection has taken the last one.
fn octets_holding(bytes: Vec<u8>, turn: OwnedSemaphorePermit) -> Response {
    const CHUNK: usize = 256 << 10;
    let bytes = Bytes::from(bytes);
    let length = bytes.len();
    let chunks = futures::stream::unfold((bytes, Some(turn)), |(mut rest, mut turn)| async move {
        if rest.is_empty() {
            turn.take();
            return None;
        }
        let chunk = rest.split_to(rest.len().min(CHUNK));
        Some((Ok::<_, std::convert::Infallible>(chunk), (rest, turn)))
    });
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, length.to_string()),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response()
}

async fn recovery_status(State(state): State<Arc<NodeState>>) -> axum::Json<RecoveryStatus> {
    axum::Json(state.progress.status(state.epoch.load(Ordering::Relaxed)))
}

/// Serves `state` on `listener` until the future is dropped or the server fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<NodeState>,
) -> std::io::Result<()> {
    serve_with_limits(listener, state, UploadLimits::default()).await
}

/// [`serve`] with `limits` on request bodies, on the upload bytes held at once and on how long
/// a request head may take.
pub async fn serve_with_limits(
    listener: tokio::net::TcpListener,
    state: Arc<NodeState>,
    limits: UploadLimits,
) -> std::io::Result<()> {
    let mut options = floe_problem::serve::ServeOptions {
        header_timeout: limits.head_timeout,
        ..floe_problem::serve::ServeOptions::default()
    };
    if let Some(max_connections) = limits.max_connections {
        options.max_connections = max_connections;
    }
    floe_problem::serve::serve_with(
        listener,
        router_with_limits(state, limits),
        options,
        std::future::pending(),
    )
    .await
}

#[cfg(test)]
mod admin_token_tests {
    use super::*;

    #[test]
    fn only_the_exact_admin_token_matches() {
        let token = "s3cret-operator-token";
        assert!(admin_token_matches(token, token));
        for guess in [
            "",
            "s",
            "s3cret-operator-toke",
            "s3cret-operator-tokenX",
            "s3cret-operator-tokeN",
            "S3cret-operator-token",
            " s3cret-operator-token",
        ] {
            assert!(!admin_token_matches(guess, token), "{guess:?} matched");
        }
        assert!(admin_token_matches("", ""));
    }

    /// An empty (or blank) configured token would be matched by `Authorization: Bearer `:
    /// it disables the operator endpoints instead.
    #[test]
    fn an_empty_admin_token_enables_nothing() {
        assert_eq!(operator_token(None), None);
        assert_eq!(operator_token(Some("")), None);
        assert_eq!(operator_token(Some("  ")), None);
        assert_eq!(operator_token(Some("s3cret")), Some("s3cret"));
    }
}

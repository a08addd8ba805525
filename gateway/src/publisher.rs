//! The publisher: `PUT /v1/blobs` stores the request body as a blob paid from the publisher's
//! wallet, with Walrus's query parameters and answer; `PUT /v1/quilts` stores a form's files as
//! one quilt ([`crate::quilt`]).
//!
//! The body limit is checked against `Content-Length` before any of the body is read, and
//! counted while the body streams to a temporary file, so an oversized upload costs the
//! publisher neither memory nor WAL. The file is stored with the sdk's streaming store (an
//! encoding spilled to disk, sliver pairs read back as they are sent), so the publisher's
//! memory is bounded by a few slivers whatever the body's size or the number of uploads. One
//! store runs at a time per publisher (uploads wait on disk for their turn): every store
//! spends the same wallet's coins, and each needs a spill of about 2.5 × its blob.
//!
//! Waiting on disk is what a stranger could abuse: with no JWT configured anyone may upload, and
//! each waiting upload holds a file of up to the body limit. So an upload takes one of
//! [`PublisherLimits::queue`] slots before a byte of its body is read, and keeps it until its
//! store ends; with every slot taken the answer is 503 with `Retry-After`, and the disk the
//! publisher's uploads can hold is `queue × max_body` plus one spill. A body must also keep a
//! pace ([`floe_problem::pace::BodyPace`], as the storage nodes' uploads): a client that
//! stalls its body gets 408 and gives its slot back instead of holding it for as long as it
//! keeps the connection open. A refused or abandoned upload's file is removed. One client (an
//! IPv4 address, an IPv6 /64) holds at most [`PublisherLimits::per_client`] of the slots, so a
//! single client cannot take the whole queue and keep everyone else at 503.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use floe_encoder::{BlobId, EncodingConfig};
use floe_problem::pace::BodyPace;
use floe_sdk::FlowError;
use floe_sdk::flows::StoragePrice;
use floe_sdk::move_types::{self, blob::Blob};
use floe_sdk::stream::Progress;
use floe_sdk::stream::SpilledPairs;
use floe_sdk::stream::StreamError;
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;
use sui_transaction_builder::{ObjectInput, TransactionBuilder};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::TokenCheck;
use crate::chain::{self, Chain};
use floe_problem::Problem;

/// Walrus's public publishers take 10 MiB by default; so does Floe's.
pub const DEFAULT_MAX_BODY: u64 = 10 << 20;

/// Default number of uploads a publisher takes at once (receiving, waiting or storing): enough
/// to keep its one store busy while the next bodies arrive, few enough that `8 × max_body`
/// (80 MiB by default) of waiting bodies is nothing to a disk.
pub const DEFAULT_QUEUE: usize = 8;

/// Seconds a client refused for a full queue is told to wait: about one small store.
pub const BUSY_RETRY_AFTER_SECS: u64 = 5;

/// How many uploads a publisher takes at once, how slowly their bodies may come, and where they
/// wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherLimits {
    /// Uploads taken at once: each takes a slot before its body is read and keeps it until its
    /// store ends; beyond, 503 with `Retry-After` (0 counts as 1).
    pub queue: usize,
    /// Slots one client (an IPv4 address, an IPv6 /64) takes at once; beyond, 429 with
    /// `Retry-After`. `None`: half the queue, rounded up (4 of the default 8).
    pub per_client: Option<usize>,
    /// How slowly a body may arrive before the upload is refused with 408.
    pub pace: BodyPace,
    /// Where bodies wait for their store; the system's temporary directory (`TMPDIR`) when
    /// `None`.
    pub spool_dir: Option<PathBuf>,
}

impl Default for PublisherLimits {
    fn default() -> Self {
        Self {
            queue: DEFAULT_QUEUE,
            per_client: None,
            pace: BodyPace::default(),
            spool_dir: None,
        }
    }
}

/// What the publisher's handlers share.
#[derive(Clone)]
pub struct Publisher {
    chain: Arc<Chain>,
    max_body: u64,
    auth: Option<TokenCheck>,
    /// Held for a whole store, from encoding to certification: one wallet, one spill at a time.
    stores: Arc<tokio::sync::Mutex<()>>,
    /// One permit per upload taken ([`PublisherLimits::queue`]).
    slots: Arc<Semaphore>,
    /// Slots taken per client ([`PublisherLimits::per_client`]).
    clients: ClientSlots,
    limits: Arc<PublisherLimits>,
}

impl Publisher {
    /// A publisher paying with `chain`'s key, taking bodies up to `max_body` bytes, requiring
    /// a bearer token signed with `jwt_secret` when given, with the default limits.
    pub fn new(chain: Arc<Chain>, max_body: u64, jwt_secret: Option<&[u8]>) -> Self {
        Self {
            chain,
            max_body,
            auth: jwt_secret.map(TokenCheck::hs256),
            stores: Arc::default(),
            slots: Arc::new(Semaphore::new(DEFAULT_QUEUE)),
            clients: Arc::default(),
            limits: Arc::default(),
        }
    }

    /// The same publisher with `limits`.
    #[must_use]
    pub fn with_limits(mut self, limits: PublisherLimits) -> Self {
        // Clamped as the semaphore requires: a queue that large is no limit anyway.
        self.slots = Arc::new(Semaphore::new(
            limits.queue.clamp(1, Semaphore::MAX_PERMITS),
        ));
        self.limits = Arc::new(limits);
        self
    }

    pub(crate) fn spool_dir(&self) -> Option<&std::path::Path> {
        self.limits.spool_dir.as_deref()
    }

    /// Slots one client takes at once.
    fn per_client(&self) -> usize {
        self.limits
            .per_client
            .unwrap_or_else(|| self.limits.queue.max(1).div_ceil(2))
            .max(1)
    }

    /// A slot for one upload of `client`: 503 when every slot is taken, 429 when the client
    /// already holds its share of them.
    fn admit(&self, client: Option<IpAddr>) -> Result<Slot, Problem> {
        let queue = Arc::clone(&self.slots).try_acquire_owned().map_err(|_| {
            tracing::info!(
                queue = self.limits.queue,
                "upload refused: the publisher's queue is full"
            );
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Publisher busy",
                format!(
                    "this publisher is already taking {}, as many as it takes at once; \
                     retry in {BUSY_RETRY_AFTER_SECS} s",
                    uploads(self.limits.queue.max(1))
                ),
            )
            .with_retry_after(BUSY_RETRY_AFTER_SECS)
        })?;
        let Some(client) = client.map(client_key) else {
            return Ok(Slot {
                _queue: queue,
                client: None,
            });
        };
        let share = self.per_client();
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let taken = clients.entry(client).or_insert(0);
        if *taken >= share {
            tracing::info!(%client, share, "upload refused: the client holds its share of the queue");
            return Err(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many uploads at once",
                format!(
                    "this publisher is already taking {} from your address, as many as it \
                     takes from one client at once; send the next when one has been answered \
                     (retry in {BUSY_RETRY_AFTER_SECS} s)",
                    uploads(share)
                ),
            )
            .with_retry_after(BUSY_RETRY_AFTER_SECS));
        }
        *taken += 1;
        Ok(Slot {
            _queue: queue,
            client: Some((client, Arc::clone(&self.clients))),
        })
    }
}

/// `1 upload`, `4 uploads`.
fn uploads(n: usize) -> String {
    match n {
        1 => "1 upload".to_owned(),
        n => format!("{n} uploads"),
    }
}

/// The client an upload counts against: an IPv4 address itself, an IPv6 address's /64 (every
/// address of which is one host's for the asking); an IPv4-mapped address is the IPv4 one.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

/// Slots taken per client, shared by a publisher's uploads.
type ClientSlots = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// An upload's place: a slot of the queue and one of its client's share, given back when the
/// upload ends, however it ends.
pub(crate) struct Slot {
    _queue: OwnedSemaphorePermit,
    client: Option<(IpAddr, ClientSlots)>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((client, clients)) = &self.client {
            let mut clients = clients.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(taken) = clients.get_mut(client) {
                *taken = taken.saturating_sub(1);
                if *taken == 0 {
                    clients.remove(client);
                }
            }
        }
    }
}

/// The query of `PUT /v1/blobs`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoreQuery {
    /// Epochs to store the blob for, from the current one (default 1).
    pub epochs: Option<u64>,
    /// Whether the owner may delete the blob before it expires (default: true, as Walrus).
    pub deletable: Option<bool>,
    /// The opposite of `deletable`, as Walrus also accepts.
    pub permanent: Option<bool>,
    /// Where the new `Blob` object goes (default: the publisher's own address).
    pub send_object_to: Option<String>,
}

/// The answer to a store, as Walrus's publisher gives it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum StoreResult {
    NewlyCreated(NewlyCreated),
    AlreadyCertified(AlreadyCertified),
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewlyCreated {
    pub blob_object: BlobObject,
    pub resource_operation: ResourceOperation,
    /// WAL base units paid (storage and write fees).
    pub cost: u64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlreadyCertified {
    pub blob_id: String,
    /// The latest end epoch among the blob's certified copies.
    pub end_epoch: u64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlobObject {
    pub id: String,
    pub registered_epoch: u64,
    pub blob_id: String,
    pub size: u64,
    pub encoding_type: String,
    pub certified_epoch: Option<u64>,
    pub storage: StorageObject,
    pub deletable: bool,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StorageObject {
    pub id: String,
    pub start_epoch: u64,
    pub end_epoch: u64,
    pub storage_size: u64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ResourceOperation {
    RegisterFromScratch {
        encoded_length: u64,
        epochs_ahead: u64,
    },
    /// An earlier store of the same blob failed after paying: its registration was finished
    /// instead of paying again (the cost is then 0).
    ReuseRegistration { encoded_length: u64 },
}

/// Stores the body as a blob.
#[utoipa::path(put, path = "/v1/blobs", params(StoreQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "stored and certified, or already certified for long enough", body = StoreResult),
        (status = 400, description = "bad query parameters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "auth is on and the bearer token is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "the body arrived too slowly (stalled or trickled)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "the body is over the publisher's limit", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "the chain or the storage nodes failed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "this client already has as many uploads in progress as one client may (with Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "the publisher's wallet cannot pay, or it is taking as many uploads as it takes at once (with Retry-After)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn put_blob(
    State(publisher): State<Publisher>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    query: Result<Query<StoreQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let client = peer.map(|Extension(ConnectInfo(peer))| peer.ip());
    store(&publisher, client, query, &headers, body)
        .await
        .map_or_else(IntoResponse::into_response, |result| {
            Json(result).into_response()
        })
}

async fn store(
    publisher: &Publisher,
    client: Option<IpAddr>,
    query: Result<Query<StoreQuery>, axum::extract::rejection::QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<StoreResult, Problem> {
    let accepted = accept(publisher, client, query, headers, body).await?;
    store_data(publisher, accepted).await
}

/// A store request that passed authentication, the body limit and the query checks.
pub(crate) struct Accepted {
    pub epochs: u64,
    pub deletable: bool,
    pub send_to: Option<Address>,
    pub body: Spooled,
    /// The upload's place in the queue, given back when its store ends.
    pub slot: Slot,
}

/// A request body (or a blob made of it) in a temporary file, removed when dropped: also when
/// the request fails or its client goes away.
pub(crate) struct Spooled {
    file: tempfile::NamedTempFile,
    len: u64,
}

impl Spooled {
    /// An empty file in `dir`, or in the system's temporary directory (`TMPDIR`).
    pub(crate) fn new(dir: Option<&std::path::Path>) -> Result<Self, Problem> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("floe-publisher-");
        let file = match dir {
            Some(dir) => builder.tempfile_in(dir),
            None => builder.tempfile(),
        }
        .map_err(|e| spool_problem(&e))?;
        Ok(Self { file, len: 0 })
    }

    /// A file in `dir` (or `TMPDIR`) holding `data`.
    pub(crate) async fn of(dir: Option<&std::path::Path>, data: &[u8]) -> Result<Self, Problem> {
        let mut spooled = Self::new(dir)?;
        let mut out = spooled.writer()?;
        out.write_all(data).await.map_err(|e| spool_problem(&e))?;
        out.flush().await.map_err(|e| spool_problem(&e))?;
        spooled.len = data.len() as u64;
        Ok(spooled)
    }

    fn writer(&self) -> Result<tokio::fs::File, Problem> {
        let file = self
            .file
            .as_file()
            .try_clone()
            .map_err(|e| spool_problem(&e))?;
        Ok(tokio::fs::File::from_std(file))
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        self.file.path()
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The whole file in memory (a quilt's form is parsed from memory; bounded by the limit).
    pub(crate) async fn read(&self) -> Result<Vec<u8>, Problem> {
        tokio::fs::read(self.path())
            .await
            .map_err(|e| spool_problem(&e))
    }
}

fn spool_problem(e: &std::io::Error) -> Problem {
    tracing::warn!(error = %e, "cannot spool a body");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal error",
        format!("the publisher cannot write the body to its temporary directory: {e}; retry later"),
    )
}

/// Streams `body` into a [`Spooled`] file in `dir`, refusing it with `too_large` as soon as
/// more than `limit` bytes have come, and with 408 as soon as it falls behind `pace`: memory
/// holds one frame at a time. On any refusal the file is removed (dropped).
async fn spool(
    body: Body,
    dir: Option<&std::path::Path>,
    limit: u64,
    pace: &BodyPace,
    declared: Option<u64>,
    too_large: impl Fn() -> Problem,
) -> Result<Spooled, Problem> {
    let mut spooled = Spooled::new(dir)?;
    let mut out = spooled.writer()?;
    let mut frames = body.into_data_stream();
    let start = tokio::time::Instant::now();
    loop {
        let deadline = pace.deadline(start, spooled.len);
        let Ok(frame) = tokio::time::timeout_at(deadline, frames.next()).await else {
            return Err(pace.too_slow(spooled.len, declared, start.elapsed(), "the body"));
        };
        let Some(frame) = frame else {
            break;
        };
        let frame =
            frame.map_err(|e| Problem::bad_request(format!("the body could not be read: {e}")))?;
        spooled.len += frame.len() as u64;
        if spooled.len > limit {
            return Err(too_large());
        }
        out.write_all(&frame).await.map_err(|e| spool_problem(&e))?;
    }
    out.flush().await.map_err(|e| spool_problem(&e))?;
    Ok(spooled)
}

/// Checks a store request (token, limits, query) of `client` (its peer address, when the
/// server gives it) and spools its body to a temporary file.
pub(crate) async fn accept(
    publisher: &Publisher,
    client: Option<IpAddr>,
    query: Result<Query<StoreQuery>, axum::extract::rejection::QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Accepted, Problem> {
    let claims = match &publisher.auth {
        Some(check) => Some(check.check(headers)?),
        None => None,
    };
    let limit = claims
        .as_ref()
        .and_then(|c| c.max_size)
        .map_or(publisher.max_body, |max| max.min(publisher.max_body));
    let too_large = |size: Option<u64>| {
        let sent = size
            .map(|s| format!("{s} bytes"))
            .unwrap_or_else(|| "more".to_owned());
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body too large",
            format!(
                "this publisher stores at most {limit} bytes per request and was sent {sent}; \
                 store larger files with `floe store`, or run a publisher with a larger \
                 --max-body-size"
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(declared));
    }
    let Query(query) = query.map_err(Problem::from)?;
    let epochs = query.epochs.unwrap_or(1);
    if let Some(max) = claims.as_ref().and_then(|c| c.max_epochs)
        && epochs > max
    {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            format!("the bearer token allows at most {max} epochs; {epochs} were asked for"),
        ));
    }
    let deletable = match (query.deletable, query.permanent) {
        (Some(d), Some(p)) if d == p => {
            return Err(Problem::bad_request(
                "deletable and permanent contradict each other: pass one of them",
            ));
        }
        (Some(d), _) => d,
        (None, Some(p)) => !p,
        (None, None) => true,
    };
    let send_to = match &query.send_object_to {
        Some(text) => Some(text.parse::<Address>().map_err(|_| {
            Problem::bad_request(format!(
                "send_object_to={text:?} is not a Sui address: 0x and 64 hex digits"
            ))
        })?),
        None => None,
    };
    // Last of the checks, which cost nothing, and before the body, which costs disk.
    let slot = publisher.admit(client)?;
    let body = spool(
        body,
        publisher.spool_dir(),
        limit,
        &publisher.limits.pace,
        declared,
        || too_large(None),
    )
    .await?;
    Ok(Accepted {
        epochs,
        deletable,
        send_to,
        body,
        slot,
    })
}

/// Stores an accepted request's body (or a blob made of it, e.g. a quilt) as one blob, with
/// the sdk's streaming store: the blob is encoded into a spill on disk and its sliver pairs are
/// read back as they are sent. A store that failed after paying is finished, not paid again.
pub(crate) async fn store_data(
    publisher: &Publisher,
    accepted: Accepted,
) -> Result<StoreResult, Problem> {
    let Accepted {
        epochs,
        deletable,
        send_to,
        body,
        slot: _slot,
    } = accepted;
    let _turn = publisher.stores.lock().await;
    // The view before the chain client: renewing the view takes the client itself.
    let view = publisher.chain.view().await.map_err(|e| flow_problem(&e))?;
    let system = publisher
        .chain
        .floe()
        .await
        .system()
        .await
        .map_err(|e| flow_problem(&e))?;
    if epochs == 0 || epochs > system.max_epochs_ahead {
        return Err(Problem::bad_request(format!(
            "epochs={epochs} is out of range: this network stores blobs for 1 to {} epochs ahead",
            system.max_epochs_ahead
        )));
    }
    let config = EncodingConfig::new(usize::from(system.n_shards))
        .map_err(|e| Problem::new(StatusCode::BAD_GATEWAY, "Bad network", e.to_string()))?;
    if body.len() > config.max_blob_size() {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Blob too large",
            format!(
                "a blob on this network ({} shards) holds at most {} bytes",
                system.n_shards,
                config.max_blob_size()
            ),
        ));
    }
    let (metadata, pairs) =
        SpilledPairs::encode(config, body.path(), Arc::new(()) as Arc<dyn Progress>)
            .await
            .map_err(|e| spill_problem(&e))?;
    let blob_id = metadata.blob_id();
    if !deletable
        && let Some(entry) = publisher
            .chain
            .certified_entry(&blob_id)
            .await
            .map_err(|e| flow_problem(&e))?
        && let Some(&end) = entry.ends.last()
        && end >= system.epoch + epochs
    {
        return Ok(StoreResult::AlreadyCertified(AlreadyCertified {
            blob_id: blob_id.to_string(),
            end_epoch: end,
        }));
    }
    let price = StoragePrice::compute(&system, metadata.unencoded_length, epochs)
        .map_err(|e| flow_problem(&e))?;
    let mut floe = publisher.chain.floe().await;
    let stored = floe
        .store_spilled(view.nodes.as_ref(), &metadata, &pairs, epochs, deletable)
        .await
        .map_err(|e| flow_problem(&e))?;
    drop(pairs);
    let object_id = stored.blob_object;
    if let Some(owner) = send_to {
        let object = floe
            .client
            .object(object_id)
            .await
            .map_err(|e| flow_problem(&e.into()))?;
        let mut builder = TransactionBuilder::new();
        let blob = builder.object(ObjectInput::owned(
            object_id,
            object.version(),
            object.digest(),
        ));
        let owner = builder.pure(&owner);
        builder.transfer_objects(vec![blob], owner);
        floe.execute(builder).await.map_err(|e| flow_problem(&e))?;
    }
    let blob: Blob = floe
        .read_object(object_id, "blob::Blob")
        .await
        .map_err(|e| flow_problem(&e))?;
    tracing::info!(%blob_id, object = %object_id, size = blob.size, epochs, deletable,
        resumed = stored.resumed, "stored");
    let (resource_operation, cost) = if stored.resumed {
        (
            ResourceOperation::ReuseRegistration {
                encoded_length: price.encoded_size,
            },
            // Only the extension a retry in a later epoch paid: the registration was paid before.
            stored.extension_price,
        )
    } else {
        (
            ResourceOperation::RegisterFromScratch {
                encoded_length: price.encoded_size,
                epochs_ahead: epochs,
            },
            price.total().map_err(|e| flow_problem(&e))?,
        )
    };
    Ok(StoreResult::NewlyCreated(NewlyCreated {
        blob_object: blob_object(&blob, blob_id),
        resource_operation,
        cost,
    }))
}

fn blob_object(blob: &Blob, blob_id: BlobId) -> BlobObject {
    debug_assert_eq!(chain::blob_id_of(blob), blob_id);
    BlobObject {
        id: move_types::address_of(&blob.id.id).to_string(),
        registered_epoch: blob.registered_epoch,
        blob_id: blob_id.to_string(),
        size: blob.size,
        encoding_type: "RS2".to_owned(),
        certified_epoch: blob.certified_epoch,
        storage: StorageObject {
            id: move_types::address_of(&blob.storage.id.id).to_string(),
            start_epoch: blob.storage.start_epoch,
            end_epoch: blob.storage.end_epoch,
            storage_size: blob.storage.storage_size,
        },
        deletable: blob.deletable,
    }
}

/// A failed encoding into the spill: it happens before anything is sent, on the publisher's own
/// disk and CPU, so it is never a bad gateway; a full `TMPDIR` is 507 so operators see why.
fn spill_problem(e: &StreamError) -> Problem {
    tracing::warn!(error = %e, "cannot encode a body into the spill");
    match e {
        StreamError::Io { source, .. }
            if matches!(
                source.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            ) =>
        {
            Problem::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "Insufficient storage",
                format!(
                    "the publisher's temporary directory is full ({e}); retry later or ask its \
                     operator to free space in TMPDIR"
                ),
            )
        }
        other => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            format!("the publisher could not encode the body: {other}; retry later"),
        ),
    }
}

/// A failed flow: the wallet cannot pay (503), anything else upstream (502).
pub(crate) fn flow_problem(e: &FlowError) -> Problem {
    tracing::warn!(error = %e, "store failed");
    match e {
        FlowError::InsufficientWal { needed, available } => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Publisher out of funds",
            format!(
                "the publisher's wallet holds {available} WAL base units and this store needs \
                 {needed}; ask its operator to fund it"
            ),
        ),
        other => Problem::new(
            StatusCode::BAD_GATEWAY,
            "Store failed",
            format!("the store did not complete: {other}; retry in a moment"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(kind: std::io::ErrorKind) -> StreamError {
        StreamError::Io {
            what: "cannot write",
            path: "/tmp/spill/pairs".into(),
            source: std::io::Error::from(kind),
        }
    }

    #[test]
    fn a_full_spill_is_507_and_other_spill_failures_500_never_502() {
        let full = spill_problem(&io(std::io::ErrorKind::StorageFull));
        assert_eq!(full.status, 507);
        assert!(full.detail.contains("TMPDIR"), "{}", full.detail);
        assert_eq!(
            spill_problem(&io(std::io::ErrorKind::QuotaExceeded)).status,
            507
        );
        assert_eq!(
            spill_problem(&io(std::io::ErrorKind::PermissionDenied)).status,
            500
        );
        assert_eq!(
            spill_problem(&StreamError::Task("panicked".into())).status,
            500
        );
    }
}

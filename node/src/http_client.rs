//! A client of one node's HTTP API, implementing the sdk's `StorageNodeClient`, so the sdk's
//! store and read flows (`floe_sdk::slivers`) run against real node processes.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode, header};
use floe_encoder::{Axis, BlobId, BlobMetadata, RecoverySymbol, Sliver, SliverPair};
use floe_problem::Problem;
use floe_sdk::nodes::{NodeError, StorageConfirmation, StorageNodeClient};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::license_gate::{
    LICENSE_HEADER, READ_NODE_HEADER, ReadAuth, SIGNATURE_HEADER, SliverRead, TIMESTAMP_HEADER,
};
use crate::peers::NodeAuth;
use crate::registration::BLOB_OBJECT_HEADER;
use crate::store;
use crate::wire::RecoveryStatus;
use crate::wire::{ConfirmationBody, NodeInfo, PairStored};

/// How long one request may take before the node counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a request the node refused as busy (503 with `Retry-After`: its upload budget
/// is taken) is sent again, and the longest wait between tries that is honoured.
const BUSY_RETRIES: u32 = 5;
const MAX_BUSY_WAIT: Duration = Duration::from_secs(5);

/// A client of the node at `base_url` (e.g. `http://127.0.0.1:9100`).
#[derive(Clone, Debug)]
pub struct HttpNodeClient {
    base_url: String,
    http: Client<HttpConnector, Full<Bytes>>,
    public_key: Option<[u8; 48]>,
    license: Option<LicensedReader>,
    /// The committee member this client reaches, as the reader knows it (from the chain):
    /// licensed reads are signed for it.
    node_id: Option<sui_sdk_types::Address>,
}

/// Who reads licensed slivers: the license holder's key and the license it holds.
#[derive(Clone)]
struct LicensedReader {
    key: sui_crypto::ed25519::Ed25519PrivateKey,
    license: sui_sdk_types::Address,
}

impl std::fmt::Debug for LicensedReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LicensedReader")
            .field("license", &self.license)
            .finish_non_exhaustive()
    }
}

/// A node's raw answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    /// The node's `Retry-After`, in seconds, when it sent one.
    pub retry_after: Option<Duration>,
    pub body: Bytes,
}

impl Answer {
    /// The problem's detail, or the raw body when it is not a problem document.
    fn detail(&self) -> String {
        match serde_json::from_slice::<Problem>(&self.body) {
            Ok(problem) => format!("{} ({}): {}", problem.title, problem.status, problem.detail),
            Err(_) => format!(
                "HTTP {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            ),
        }
    }

    fn into_error(self) -> NodeError {
        if self.status == StatusCode::NOT_FOUND {
            NodeError::NotFound
        } else if self.status.is_server_error() {
            NodeError::Unavailable(self.detail())
        } else {
            NodeError::Rejected(self.detail())
        }
    }

    fn ok(self) -> Result<Bytes, NodeError> {
        if self.status.is_success() {
            Ok(self.body)
        } else {
            Err(self.into_error())
        }
    }
}

impl HttpNodeClient {
    /// A client that does not know the node's BLS key (confirmations are then only checked
    /// when aggregated or on-chain).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            http: Client::builder(TokioExecutor::new()).build_http(),
            public_key: None,
            license: None,
            node_id: None,
        }
    }

    /// Names the committee member this client reaches (its node ID as the chain lists it), for
    /// [`StorageNodeClient::read_primary_sliver`] to sign licensed reads for. The sdk's read
    /// flows name the member themselves ([`StorageNodeClient::read_primary_sliver_from`]).
    pub fn with_node_id(mut self, node_id: sui_sdk_types::Address) -> Self {
        self.node_id = Some(node_id);
        self
    }

    /// Reads primary slivers as the holder of `license` (signing each request with `key`),
    /// so the sdk's read flow works for a model's licensed blobs too.
    pub fn with_license(
        mut self,
        key: sui_crypto::ed25519::Ed25519PrivateKey,
        license: sui_sdk_types::Address,
    ) -> Self {
        self.license = Some(LicensedReader { key, license });
        self
    }

    /// Sets the BLS key confirmations are checked against (from the chain, ideally).
    pub fn with_public_key(mut self, key: [u8; 48]) -> Self {
        self.public_key = Some(key);
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends one request; any status is an `Ok` answer, only transport failures are errors.
    /// A node that answers 503 with `Retry-After` (busy: its upload budget is taken) is asked
    /// again after that wait, a few times, before its answer is returned.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        headers: &[(&str, String)],
    ) -> Result<Answer, NodeError> {
        let body = Bytes::from(body);
        let mut retries = 0;
        loop {
            let answer = self
                .send(method.clone(), path, body.clone(), headers)
                .await?;
            match answer.retry_after {
                Some(wait)
                    if answer.status == StatusCode::SERVICE_UNAVAILABLE
                        && retries < BUSY_RETRIES =>
                {
                    retries += 1;
                    tokio::time::sleep(wait.min(MAX_BUSY_WAIT)).await;
                }
                _ => return Ok(answer),
            }
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Bytes,
        headers: &[(&str, String)],
    ) -> Result<Answer, NodeError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base_url));
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        let request = builder.body(Full::new(body)).map_err(|e| {
            NodeError::Unavailable(format!("bad request to {}: {e}", self.base_url))
        })?;
        let unavailable = |e: String| NodeError::Unavailable(format!("{}: {e}", self.base_url));
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(request))
            .await
            .map_err(|_| unavailable("timed out".to_owned()))?
            .map_err(|e| unavailable(e.to_string()))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| unavailable(e.to_string()))?
            .to_bytes();
        Ok(Answer {
            status,
            content_type,
            retry_after,
            body,
        })
    }

    /// The node's identity, key, epoch and shards.
    pub async fn info(&self) -> Result<NodeInfo, NodeError> {
        let body = self
            .request(Method::GET, "/v1/info", Vec::new(), &[])
            .await?
            .ok()?;
        serde_json::from_slice(&body).map_err(|e| NodeError::Rejected(format!("bad info: {e}")))
    }

    /// Connects and learns the node's BLS key from `/v1/info`.
    pub async fn connect(base_url: impl Into<String>) -> Result<Self, NodeError> {
        let client = Self::new(base_url);
        let info = client.info().await?;
        let key: [u8; 48] = hex::decode(&info.public_key)
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| {
                NodeError::Rejected("the node's public key is not 48 hex bytes".into())
            })?;
        Ok(client.with_public_key(key))
    }

    /// Sends a blob's metadata, naming the `Blob` object that registered it when given (a node
    /// refuses metadata without one).
    pub async fn put_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
        blob_object: Option<sui_sdk_types::Address>,
    ) -> Result<(), NodeError> {
        let mut headers = vec![(
            header::CONTENT_TYPE.as_str(),
            "application/octet-stream".to_owned(),
        )];
        if let Some(object) = blob_object {
            headers.push((BLOB_OBJECT_HEADER, object.to_string()));
        }
        self.request(
            Method::PUT,
            &format!("/v1/blobs/{blob_id}/metadata"),
            metadata.to_bytes(),
            &headers,
        )
        .await?
        .ok()?;
        Ok(())
    }

    /// Stores one pair; the held shards still missing their pair of this blob.
    pub async fn put_pair(
        &self,
        shard: u16,
        blob_id: &BlobId,
        pair: &SliverPair,
    ) -> Result<Vec<u16>, NodeError> {
        let body = self
            .request(
                Method::PUT,
                &format!("/v1/blobs/{blob_id}/shards/{shard}/pair"),
                store::encode_pair(pair),
                &[(
                    header::CONTENT_TYPE.as_str(),
                    "application/octet-stream".into(),
                )],
            )
            .await?
            .ok()?;
        let stored: PairStored = serde_json::from_slice(&body)
            .map_err(|e| NodeError::Rejected(format!("bad pair answer: {e}")))?;
        Ok(stored.missing_shards)
    }

    /// Asks for the node's confirmation of `blob_id`.
    pub async fn confirmation(&self, blob_id: &BlobId) -> Result<StorageConfirmation, NodeError> {
        let body = self
            .request(
                Method::POST,
                &format!("/v1/blobs/{blob_id}/confirmation"),
                Vec::new(),
                &[],
            )
            .await?
            .ok()?;
        let parsed: ConfirmationBody = serde_json::from_slice(&body)
            .map_err(|e| NodeError::Rejected(format!("bad confirmation: {e}")))?;
        let signature: [u8; 96] = hex::decode(&parsed.signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| NodeError::Rejected("the signature is not 96 hex bytes".into()))?;
        let confirmed: BlobId = parsed
            .blob_id
            .parse()
            .map_err(|_| NodeError::Rejected("the confirmation names no valid blob ID".into()))?;
        Ok(StorageConfirmation {
            epoch: parsed.epoch,
            blob_id: confirmed,
            signature,
        })
    }

    /// Reads one sliver, with license headers when the blob is licensed.
    pub async fn read_sliver(
        &self,
        shard: u16,
        blob_id: &BlobId,
        axis: Axis,
        auth: Option<&ReadAuth>,
    ) -> Result<Sliver, NodeError> {
        let headers: Vec<(&str, String)> = auth
            .map(|a| {
                vec![
                    (READ_NODE_HEADER, a.node_id.to_string()),
                    (LICENSE_HEADER, a.license_id.to_string()),
                    (TIMESTAMP_HEADER, a.timestamp_ms.to_string()),
                    (SIGNATURE_HEADER, a.signature.to_base64()),
                ]
            })
            .unwrap_or_default();
        let path = format!("/v1/blobs/{blob_id}/shards/{shard}/{}", axis.name());
        let body = self
            .request(Method::GET, &path, Vec::new(), &headers)
            .await?
            .ok()?;
        Sliver::from_bcs(axis, &body).map_err(|e| NodeError::Rejected(format!("bad sliver: {e}")))
    }
}

impl HttpNodeClient {
    /// Reads the whole pair stored for `shard` (what a shard's new holder fetches from the
    /// previous one); `auth` proves a committee node for gated blobs.
    pub async fn read_pair(
        &self,
        blob_id: &BlobId,
        shard: u16,
        auth: Option<&NodeAuth>,
    ) -> Result<SliverPair, NodeError> {
        let headers = auth.map(NodeAuth::headers).unwrap_or_default();
        let body = self
            .request(
                Method::GET,
                &format!("/v1/blobs/{blob_id}/shards/{shard}/pair"),
                Vec::new(),
                &headers,
            )
            .await?
            .ok()?;
        store::decode_pair(&body).map_err(|e| NodeError::Rejected(format!("bad pair: {e}")))
    }

    /// The recovery symbols the node's stored pairs give for rebuilding `pairs` (unchecked:
    /// the caller checks every proof against metadata it trusts).
    pub async fn recovery_symbols(
        &self,
        blob_id: &BlobId,
        pairs: &[usize],
        auth: Option<&NodeAuth>,
    ) -> Result<Vec<RecoverySymbol>, NodeError> {
        let headers = auth.map(NodeAuth::headers).unwrap_or_default();
        let list: Vec<String> = pairs.iter().map(ToString::to_string).collect();
        let body = self
            .request(
                Method::GET,
                &format!("/v1/blobs/{blob_id}/recovery?pairs={}", list.join(",")),
                Vec::new(),
                &headers,
            )
            .await?
            .ok()?;
        crate::wire::decode_symbols(&body)
            .map_err(|e| NodeError::Rejected(format!("bad recovery symbols: {e}")))
    }

    /// The node's recovery and sync progress.
    pub async fn recovery_status(&self) -> Result<RecoveryStatus, NodeError> {
        let body = self
            .request(Method::GET, "/v1/recovery", Vec::new(), &[])
            .await?
            .ok()?;
        serde_json::from_slice(&body)
            .map_err(|e| NodeError::Rejected(format!("bad recovery status: {e}")))
    }
}

impl HttpNodeClient {
    /// A primary sliver; with a license, the read is signed for `node_id`, the member this
    /// client reaches (a node refuses a read signed for another, so a captured request is
    /// good nowhere else).
    async fn read_primary_for(
        &self,
        node_id: Option<sui_sdk_types::Address>,
        shard: u16,
        blob_id: &BlobId,
    ) -> Result<Sliver, NodeError> {
        let auth = match &self.license {
            Some(reader) => {
                let node_id = node_id.ok_or_else(|| {
                    NodeError::Rejected(format!(
                        "cannot sign a licensed read for {}: its node ID is not known (name it \
                         with HttpNodeClient::with_node_id, or read through the sdk's flows, \
                         which name the committee member)",
                        self.base_url
                    ))
                })?;
                let now_ms = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
                let read = SliverRead {
                    node_id,
                    blob_id,
                    shard,
                    axis: Axis::Primary,
                };
                Some(
                    crate::license_gate::sign_read(&reader.key, read, reader.license, now_ms)
                        .map_err(|e| NodeError::Rejected(format!("cannot sign the read: {e}")))?,
                )
            }
            None => None,
        };
        self.read_sliver(shard, blob_id, Axis::Primary, auth.as_ref())
            .await
    }
}

impl StorageNodeClient for HttpNodeClient {
    async fn store_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        self.put_metadata(blob_id, metadata, None).await
    }

    async fn store_registered_metadata(
        &self,
        blob_object: sui_sdk_types::Address,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        self.put_metadata(blob_id, metadata, Some(blob_object))
            .await
    }

    async fn store_sliver_pair(
        &self,
        shard: u16,
        blob_id: &BlobId,
        pair: &SliverPair,
    ) -> Result<(), NodeError> {
        self.put_pair(shard, blob_id, pair).await.map(drop)
    }

    async fn confirm_storage(&self, blob_id: &BlobId) -> Result<StorageConfirmation, NodeError> {
        self.confirmation(blob_id).await
    }

    async fn read_metadata(&self, blob_id: &BlobId) -> Result<BlobMetadata, NodeError> {
        let body = self
            .request(
                Method::GET,
                &format!("/v1/blobs/{blob_id}/metadata"),
                Vec::new(),
                &[],
            )
            .await?
            .ok()?;
        let (embedded, metadata) = BlobMetadata::from_bytes(&body)
            .map_err(|e| NodeError::Rejected(format!("bad metadata: {e}")))?;
        if embedded != *blob_id {
            return Err(NodeError::Rejected(format!(
                "the node sent the metadata of blob {embedded}"
            )));
        }
        Ok(metadata)
    }

    async fn read_primary_sliver(&self, shard: u16, blob_id: &BlobId) -> Result<Sliver, NodeError> {
        self.read_primary_for(self.node_id, shard, blob_id).await
    }

    async fn read_primary_sliver_from(
        &self,
        node_id: sui_sdk_types::Address,
        shard: u16,
        blob_id: &BlobId,
    ) -> Result<Sliver, NodeError> {
        self.read_primary_for(Some(node_id), shard, blob_id).await
    }

    fn bls_public_key(&self) -> Option<[u8; 48]> {
        self.public_key
    }
}

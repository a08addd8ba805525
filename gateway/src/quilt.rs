//! Quilts over HTTP: many small files in one blob (layout in [`floe_sdk::quilt`]).
//!
//! - `GET /v1/blobs/by-quilt-id/{quilt_id}/{identifier}` (Walrus's route) — one file, read with
//!   byte ranges: the quilt's first row (header and index), then only the slivers holding the
//!   file. Its tags come back as headers `x-floe-tag-{key}: {value}`; a `content-type` tag is
//!   also the response's `Content-Type`.
//! - `GET /v1/quilts/{quilt_id}/patches` — the index as JSON.
//! - `PUT /v1/quilts` (publisher) — a `multipart/form-data` body, each part one file named by
//!   the part's name, stored as one quilt blob with `PUT /v1/blobs`'s query, limits and auth.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use floe_encoder::BlobId;
use floe_sdk::quilt::{self, QuiltEntry, QuiltReadError, QuiltReader};
use floe_sdk::range_read::BlobReader;
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use crate::aggregator::{self, Aggregator};
use crate::chain::Directory;
use crate::multipart::{self, MultipartError};
use crate::publisher::{self, Publisher, StoreQuery, StoreResult};
use crate::read_budget::ReadBudget;
use floe_problem::Problem;

/// Header prefix of a file's tags: tag `k` is header `x-floe-tag-k` (tag keys are lower-case
/// header-name characters by construction, so the mapping is one to one).
pub const TAG_HEADER_PREFIX: &str = "x-floe-tag-";

/// The form part that carries per-file tags instead of a file, as in Walrus:
/// `[{"identifier": "a.txt", "tags": {"k": "v"}}]`.
pub const METADATA_PART: &str = "_metadata";

fn parse_quilt_id(text: &str) -> Result<BlobId, Problem> {
    text.parse().map_err(|_| {
        Problem::bad_request(format!(
            "{text:?} is not a quilt ID: a quilt ID is a blob ID, 43 characters of unpadded \
             base64url, as `floe store-quilt` and PUT /v1/quilts print it"
        ))
    })
}

fn quilt_problem(quilt_id: &BlobId, e: &QuiltReadError) -> Problem {
    match e {
        QuiltReadError::Range(e) => aggregator::read_problem(quilt_id, e),
        QuiltReadError::Format { source, .. } => Problem::new(
            StatusCode::BAD_REQUEST,
            "Not a quilt",
            format!(
                "blob {quilt_id} is not a readable quilt: {source}; read it as a blob at /v1/blobs/{quilt_id}"
            ),
        ),
        QuiltReadError::NoSuchFile { identifier, .. } => Problem::not_found(format!(
            "quilt {quilt_id} has no file {identifier:?}; GET /v1/quilts/{quilt_id}/patches lists its files"
        )),
    }
}

async fn open(
    aggregator: &Aggregator,
    quilt_id: BlobId,
) -> Result<QuiltReader<Directory>, Problem> {
    let view = aggregator
        .chain
        .view()
        .await
        .map_err(|e| aggregator::chain_problem(&e))?;
    QuiltReader::open(view.nodes.clone(), view.committee.clone(), quilt_id)
        .await
        .map_err(|e| quilt_problem(&quilt_id, &e))
}

/// One file of a quilt, with its tags as `x-floe-tag-*` headers.
#[utoipa::path(get, path = "/v1/blobs/by-quilt-id/{quilt_id}/{identifier}",
    params(("quilt_id" = String, Path, description = "the quilt's blob ID"),
        ("identifier" = String, Path, description = "the file's identifier (percent-encoded; may contain `/`)")),
    responses(
        (status = 200, description = "the file; tag `k` as header `x-floe-tag-k`, tag `content-type` as Content-Type", content_type = "application/octet-stream"),
        (status = 400, description = "not a quilt ID, or the blob is not a quilt", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such quilt, or no such file in it", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "too few nodes served valid slivers", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "the aggregator's read budget is spent (with Retry-After)", body = Problem, content_type = "application/problem+json")))]
pub async fn get_quilt_file(
    State(aggregator): State<Aggregator>,
    method: Method,
    Path((quilt_id, identifier)): Path<(String, String)>,
) -> Response {
    file(&aggregator, &method, &quilt_id, &identifier)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn file(
    aggregator: &Aggregator,
    method: &Method,
    quilt_id: &str,
    identifier: &str,
) -> Result<Response, Problem> {
    let quilt_id = parse_quilt_id(quilt_id)?;
    let reader = open(aggregator, quilt_id).await?;
    let patch = reader.index().get(identifier).cloned().ok_or_else(|| {
        quilt_problem(
            &quilt_id,
            &QuiltReadError::NoSuchFile {
                quilt_id,
                identifier: identifier.to_owned(),
            },
        )
    })?;
    let headers = file_headers(&quilt_id, &patch);
    if *method == Method::HEAD {
        return Ok((StatusCode::OK, headers).into_response());
    }
    // Streamed under the read budget like a blob, not read whole into memory: a quilt file
    // may be as large as a blob, and every concurrent request held all of it.
    let view = aggregator
        .chain
        .view()
        .await
        .map_err(|e| aggregator::chain_problem(&e))?;
    let blob = BlobReader::open(view.nodes.clone(), view.committee.clone(), quilt_id)
        .await
        .map_err(|e| aggregator::read_problem(&quilt_id, &e))?;
    let range = patch.range();
    let share = aggregator
        .budget
        .reserve(ReadBudget::share_of(patch.length, blob.layout().row_bytes))
        .await?;
    let mut stream = Arc::new(blob)
        .stream(range)
        .map_err(|e| aggregator::read_problem(&quilt_id, &e))?;
    let first = match stream.next().await {
        Some(Ok(piece)) => Some(piece),
        Some(Err(e)) => return Err(aggregator::read_problem(&quilt_id, &e)),
        None => None,
    };
    let pieces = futures::stream::iter(first.map(Ok)).chain(stream);
    let body = aggregator.budget.body(share, pieces, patch.length);
    Ok((StatusCode::OK, headers, body).into_response())
}

/// The headers of a quilt file: its `content-type` tag (or octet-stream), its length, an
/// `ETag`, its tags as `x-floe-tag-*`, and the confinement of content whose type its uploader
/// chose ([`aggregator::confine_owner_content`]).
fn file_headers(quilt_id: &BlobId, patch: &quilt::Patch) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let content_type = patch
        .tags
        .get("content-type")
        .and_then(|v| HeaderValue::from_str(v).ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(patch.length));
    // A file of a quilt never changes: the quilt ID names its content.
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{quilt_id}/{}\"", patch.identifier)) {
        headers.insert(header::ETAG, etag);
    }
    for (key, value) in &patch.tags {
        // Keys and values are checked header material when the quilt is parsed.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(format!("{TAG_HEADER_PREFIX}{key}").as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    aggregator::confine_owner_content(&mut headers);
    headers
}

/// The quilt's index.
#[utoipa::path(get, path = "/v1/quilts/{quilt_id}/patches",
    params(("quilt_id" = String, Path, description = "the quilt's blob ID")),
    responses(
        (status = 200, description = "the files: `[{identifier, tags, offset, length}]`, offsets within the quilt blob", content_type = "application/json"),
        (status = 400, description = "not a quilt ID, or the blob is not a quilt", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such quilt", body = Problem, content_type = "application/problem+json")))]
pub async fn get_quilt_patches(
    State(aggregator): State<Aggregator>,
    Path(quilt_id): Path<String>,
) -> Response {
    let result = async {
        let quilt_id = parse_quilt_id(&quilt_id)?;
        let reader = open(&aggregator, quilt_id).await?;
        Ok::<_, Problem>(Json(reader.index().patches().to_vec()))
    };
    result
        .await
        .map_or_else(IntoResponse::into_response, IntoResponse::into_response)
}

/// One entry of the `_metadata` part.
#[derive(Debug, Deserialize)]
struct FileMetadata {
    identifier: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// The answer to `PUT /v1/quilts`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuiltStoreResult {
    pub quilt_id: String,
    pub blob_store_result: StoreResult,
    pub stored_quilt_blobs: Vec<StoredQuiltBlob>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredQuiltBlob {
    pub identifier: String,
    pub size: u64,
}

/// The quilt a form describes: each part a file named by the part's name, in form order; tags
/// from the `_metadata` part, and a part's own `Content-Type` (other than the generic
/// `application/octet-stream`) as tag `content-type` unless the metadata sets one.
pub fn entries_of_form(parts: Vec<multipart::Part>) -> Result<Vec<QuiltEntry>, Problem> {
    let mut tags: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut entries = Vec::with_capacity(parts.len());
    for part in parts {
        if part.name == METADATA_PART {
            let metadata: Vec<FileMetadata> = serde_json::from_slice(&part.data).map_err(|e| {
                Problem::bad_request(format!(
                    "the {METADATA_PART} part is not [{{\"identifier\": …, \"tags\": {{…}}}}]: {e}"
                ))
            })?;
            for m in metadata {
                tags.entry(m.identifier).or_default().extend(m.tags);
            }
            continue;
        }
        let mut file_tags = BTreeMap::new();
        if let Some(kind) = part
            .content_type
            .filter(|t| !t.eq_ignore_ascii_case("application/octet-stream"))
        {
            file_tags.insert("content-type".to_owned(), kind);
        }
        entries.push(QuiltEntry {
            identifier: part.name,
            tags: file_tags,
            data: part.data,
        });
    }
    for entry in &mut entries {
        if let Some(extra) = tags.remove(&entry.identifier) {
            entry.tags.extend(extra);
        }
    }
    if let Some(identifier) = tags.keys().next() {
        return Err(Problem::bad_request(format!(
            "{METADATA_PART} names {identifier:?}, which no part of the form carries"
        )));
    }
    Ok(entries)
}

/// Stores the form's files as one quilt.
#[utoipa::path(put, path = "/v1/quilts", params(StoreQuery),
    request_body(content = String, content_type = "multipart/form-data",
        description = "one part per file, the part's name its identifier; an optional `_metadata` part: `[{\"identifier\", \"tags\": {…}}]`"),
    responses(
        (status = 200, description = "stored: the quilt ID, the blob's store result and the files", body = QuiltStoreResult),
        (status = 400, description = "bad query, form, identifiers or tags", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "auth is on and the bearer token is missing or invalid", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "the body arrived too slowly (stalled or trickled)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "the body is over the publisher's limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "the body is not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "the chain or the storage nodes failed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "this client already has as many uploads in progress as one client may (with Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "the publisher's wallet cannot pay, or it is taking as many uploads as it takes at once (with Retry-After)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn put_quilt(
    State(publisher): State<Publisher>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    query: Result<Query<StoreQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let client = peer.map(|Extension(ConnectInfo(peer))| peer.ip());
    store(&publisher, client, query, &headers, body)
        .await
        .map_or_else(IntoResponse::into_response, |r| Json(r).into_response())
}

async fn store(
    publisher: &Publisher,
    client: Option<IpAddr>,
    query: Result<Query<StoreQuery>, axum::extract::rejection::QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<QuiltStoreResult, Problem> {
    let unsupported = || {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "PUT /v1/quilts takes multipart/form-data, one part per file named by its identifier \
             (curl -F 'a.txt=@a.txt' …)",
        )
    };
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unsupported)
        .and_then(|t| multipart::boundary(t).map_err(|_| unsupported()))?;
    let mut accepted = publisher::accept(publisher, client, query, headers, body).await?;
    let form = accepted.body.read().await?;
    let parts = multipart::parse(&form, &boundary).map_err(|e| match e {
        MultipartError::NotMultipart => unsupported(),
        e @ MultipartError::Malformed(_) => Problem::bad_request(e.to_string()),
    })?;
    let entries = entries_of_form(parts)?;
    let blob = quilt::build_quilt(&entries)
        .map_err(|e| Problem::bad_request(format!("cannot build the quilt: {e}")))?;
    let stored_quilt_blobs = entries
        .iter()
        .map(|e| StoredQuiltBlob {
            identifier: e.identifier.clone(),
            size: e.data.len() as u64,
        })
        .collect();
    drop(entries);
    drop(form);
    accepted.body = publisher::Spooled::of(publisher.spool_dir(), &blob).await?;
    drop(blob);
    let result = publisher::store_data(publisher, accepted).await?;
    let quilt_id = match &result {
        StoreResult::NewlyCreated(created) => created.blob_object.blob_id.clone(),
        StoreResult::AlreadyCertified(certified) => certified.blob_id.clone(),
    };
    Ok(QuiltStoreResult {
        quilt_id,
        blob_store_result: result,
        stored_quilt_blobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, content_type: Option<&str>, data: &[u8]) -> multipart::Part {
        multipart::Part {
            name: name.to_owned(),
            filename: None,
            content_type: content_type.map(str::to_owned),
            data: data.to_vec(),
        }
    }

    /// Anyone may store a quilt through the publisher with a part typed `text/html`: its file
    /// was served as HTML without even `nosniff`, so its script ran as the aggregator's origin.
    #[test]
    fn a_quilt_file_of_an_active_type_is_sandboxed() {
        let quilt_id = BlobId([1; 32]);
        let patch = |tags: &[(&str, &str)]| quilt::Patch {
            identifier: "index.html".to_owned(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            offset: 100,
            length: 7,
        };
        let headers = file_headers(&quilt_id, &patch(&[("content-type", "text/html")]));
        assert_eq!(headers[header::CONTENT_TYPE], "text/html");
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], "sandbox");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::CONTENT_LENGTH], "7");
        assert_eq!(headers["x-floe-tag-content-type"], "text/html");
        let headers = file_headers(&quilt_id, &patch(&[("content-type", "image/png")]));
        assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_none());
        let headers = file_headers(&quilt_id, &patch(&[]));
        assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }

    #[test]
    fn a_form_becomes_entries_with_tags() {
        let entries = entries_of_form(vec![
            part("a.txt", Some("text/plain"), b"hi"),
            part("b.bin", Some("application/octet-stream"), b"\x00"),
            part(
                METADATA_PART,
                None,
                br#"[{"identifier": "b.bin", "tags": {"owner": "me"}}]"#,
            ),
        ])
        .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].tags["content-type"], "text/plain");
        assert_eq!(entries[1].tags.len(), 1);
        assert_eq!(entries[1].tags["owner"], "me");
        // Metadata for a file the form lacks is refused, as is metadata that is not JSON.
        assert!(
            entries_of_form(vec![part(
                METADATA_PART,
                None,
                br#"[{"identifier": "zzz", "tags": {}}]"#
            )])
            .is_err()
        );
        assert!(entries_of_form(vec![part(METADATA_PART, None, b"{")]).is_err());
    }
}

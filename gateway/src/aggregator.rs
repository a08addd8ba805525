//! The aggregator: blobs over HTTP GET, with Walrus's routes.
//!
//! - `GET|HEAD /v1/blobs/{blob_id}` — the blob's bytes, streamed row by row as the nodes serve
//!   them (see [`floe_sdk::range_read`]), never held whole by the HTTP layer; `Range` gives 206
//!   with `Content-Range`, fetching only the primary slivers the range touches.
//! - `GET|HEAD /v1/blobs/by-object-id/{object_id}` — the same for the blob a `Blob` object holds,
//!   or a `SharedBlob` wraps, with the blob's attributes as headers.
//!
//! Blob IDs name content, so a blob ID is a strong validator: the `ETag` is the blob ID and a
//! matching `If-None-Match` gets 304 without asking any node.
//!
//! What the reads hold at once is bounded by a budget, and a reader that stops taking bytes is
//! cut off ([`crate::read_budget`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use floe_encoder::BlobId;
use floe_sdk::range_read::{BlobReader, RangeError};
use floe_sdk::slivers::SliverError;
use futures::StreamExt as _;
use sui_sdk_types::Address;

use crate::byte_range::{self, Requested};
use crate::chain::{self, Chain, ObjectError};
use crate::read_budget::{ReadBudget, ReadLimits};
use floe_problem::Problem;

/// What the aggregator's handlers share.
#[derive(Clone)]
pub struct Aggregator {
    pub(crate) chain: Arc<Chain>,
    pub(crate) budget: ReadBudget,
}

impl Aggregator {
    /// An aggregator reading through `chain`'s committee, with the default [`ReadLimits`].
    pub fn new(chain: Arc<Chain>) -> Self {
        Self {
            chain,
            budget: ReadBudget::default(),
        }
    }

    /// The same aggregator with `limits` on what its reads hold and how long a reader may stall.
    #[must_use]
    pub fn with_read_limits(mut self, limits: ReadLimits) -> Self {
        self.budget = ReadBudget::new(limits);
        self
    }
}

/// The blob's bytes (or the range asked for).
#[utoipa::path(get, path = "/v1/blobs/{blob_id}",
    params(("blob_id" = String, Path, description = "blob ID, 43 characters of unpadded base64url"),
        ("Range" = Option<String>, Header, description = "one range: `bytes=a-b`, `bytes=a-` or `bytes=-n`"),
        ("If-None-Match" = Option<String>, Header, description = "the blob ID as ETag: 304 when it matches")),
    responses(
        (status = 200, description = "the whole blob", content_type = "application/octet-stream"),
        (status = 206, description = "the range asked for, with Content-Range", content_type = "application/octet-stream"),
        (status = 304, description = "the ETag matches"),
        (status = 400, description = "not a blob ID", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "a licensed model: nodes serve it to license holders only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no node stores this blob", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "the range lies past the end; Content-Range: bytes */size", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "too few nodes served valid slivers", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "the aggregator's read budget is spent (with Retry-After)", body = Problem, content_type = "application/problem+json")))]
pub async fn get_blob(
    State(aggregator): State<Aggregator>,
    method: Method,
    Path(blob_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(blob_id) = blob_id.parse::<BlobId>() else {
        return Problem::bad_request(format!(
            "{blob_id:?} is not a blob ID: a blob ID is 43 characters of unpadded base64url, as \
             `floe store` and the publisher print it"
        ))
        .into_response();
    };
    serve(&aggregator, &method, blob_id, &headers)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// The bytes of the blob a `floe::blob::Blob` object holds, or the one a
/// `floe::shared_blob::SharedBlob` wraps (or the range asked for), with the blob's attributes
/// as headers.
#[utoipa::path(get, path = "/v1/blobs/by-object-id/{object_id}",
    params(("object_id" = String, Path, description = "the ID of a Blob or SharedBlob object, 0x and 64 hex digits"),
        ("Range" = Option<String>, Header, description = "one range, as for /v1/blobs/{blob_id}")),
    responses(
        (status = 200, description = "the whole blob", content_type = "application/octet-stream"),
        (status = 206, description = "the range asked for", content_type = "application/octet-stream"),
        (status = 400, description = "not an object ID, or neither a Blob nor a SharedBlob", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such object, or its blob is not stored", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "the aggregator's read budget is spent (with Retry-After)", body = Problem, content_type = "application/problem+json")))]
pub async fn get_blob_by_object(
    State(aggregator): State<Aggregator>,
    method: Method,
    Path(object_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = object_id.parse::<Address>() else {
        return Problem::bad_request(format!(
            "{object_id:?} is not an object ID: pass a Blob's or a SharedBlob's object ID, 0x and \
             64 hex digits"
        ))
        .into_response();
    };
    let blob = match aggregator.chain.blob_object(id).await {
        Ok(blob) => blob,
        Err(ObjectError::NotFound(id)) => {
            return Problem::not_found(format!(
                "no object {id} exists on this network: check the ID (the publisher's \
                 newlyCreated.blobObject.id)"
            ))
            .into_response();
        }
        Err(e @ ObjectError::NotABlob { .. }) => {
            return Problem::bad_request(e.to_string()).into_response();
        }
        Err(ObjectError::Flow(e)) => return chain_problem(&e).into_response(),
    };
    let attributes = match aggregator.chain.blob_attributes(blob.blob_object_id).await {
        Ok(attributes) => attributes,
        Err(e) => return chain_problem(&e).into_response(),
    };
    let mut response = serve(
        &aggregator,
        &method,
        chain::blob_id_of(&blob.blob),
        &headers,
    )
    .await
    .unwrap_or_else(IntoResponse::into_response);
    if response.status().is_success() {
        apply_attribute_headers(response.headers_mut(), &attributes);
    }
    response
}

/// Blob attributes served as response headers on reads by object ID, as Walrus's aggregator
/// serves them: the owner of the `Blob` object chose them (`floe set-attribute`).
const ATTRIBUTE_HEADERS: [header::HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::CONTENT_DISPOSITION,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::CACHE_CONTROL,
];

/// Sets the headers of [`ATTRIBUTE_HEADERS`] the blob has attributes for (keys compared
/// without case; a value that is not a valid header value is skipped), then
/// [`confine_owner_content`].
fn apply_attribute_headers(headers: &mut HeaderMap, attributes: &[(String, String)]) {
    for name in &ATTRIBUTE_HEADERS {
        let value = attributes
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name.as_str()))
            .and_then(|(_, value)| HeaderValue::from_str(value).ok());
        if let Some(value) = value {
            headers.insert(name.clone(), value);
        }
    }
    confine_owner_content(headers);
}

/// Keeps content whose type its uploader chose (a blob's attributes, a quilt file's
/// `content-type` tag: anyone may set them) from acting on the aggregator's origin. `nosniff`
/// keeps browsers to the declared type; a type that can run script (HTML, SVG, XML, anything
/// not known to be passive) also gets `Content-Security-Policy: sandbox`, so the page renders
/// in an opaque origin with scripts, forms and plugins off. Without it, anyone could store a
/// page whose script runs as the aggregator's origin: it could read every other response of
/// that origin, and in `floe daemon` (aggregator and publisher on one port) spend the
/// publisher's WAL from a visitor's browser, or from inside a network the publisher trusts.
/// Images, audio, video, fonts, PDF, plain text and JSON are left as they are (a sandboxed PDF
/// is blocked by Chrome's viewer).
pub(crate) fn confine_owner_content(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let passive = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_passive_type);
    if !passive {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        );
    }
}

/// Whether a browser shows `content_type` without running anything of it on the origin.
fn is_passive_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    match kind {
        "image" => !subtype.contains("svg"),
        "audio" | "video" | "font" => true,
        "text" => matches!(subtype, "plain" | "csv"),
        "application" => matches!(subtype, "octet-stream" | "pdf" | "json" | "zip" | "gzip"),
        _ => false,
    }
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// The `Range` header to honour: none when `If-Range` names another representation.
fn range_header<'a>(headers: &'a HeaderMap, etag: &str) -> Option<&'a str> {
    if let Some(if_range) = headers.get(header::IF_RANGE)
        && if_range.to_str().ok().map(str::trim) != Some(etag)
    {
        return None;
    }
    headers.get(header::RANGE).and_then(|v| v.to_str().ok())
}

async fn serve(
    aggregator: &Aggregator,
    method: &Method,
    blob_id: BlobId,
    headers: &HeaderMap,
) -> Result<Response, Problem> {
    let etag = format!("\"{blob_id}\"");
    let etag_value = HeaderValue::from_str(&etag).expect("base64url is a valid header value");
    if none_match(headers, &etag) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::ETAG, etag_value);
        return Ok(response);
    }
    let view = aggregator
        .chain
        .view()
        .await
        .map_err(|e| chain_problem(&e))?;
    let reader = BlobReader::open(view.nodes.clone(), view.committee.clone(), blob_id)
        .await
        .map_err(|e| read_problem(&blob_id, &e))?;
    let size = reader.size();
    let (status, range) = match byte_range::resolve(range_header(headers, &etag), size) {
        Requested::Whole => (StatusCode::OK, 0..size),
        Requested::Part(range) => (StatusCode::PARTIAL_CONTENT, range),
        Requested::Unsatisfiable => {
            let mut response = Problem::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "Range not satisfiable",
                format!("blob {blob_id} has {size} bytes; ask for a range that starts before byte {size}"),
            )
            .into_response();
            let value = HeaderValue::from_str(&format!("bytes */{size}"))
                .expect("digits are a valid header value");
            response.headers_mut().insert(header::CONTENT_RANGE, value);
            response.headers_mut().insert(header::ETAG, etag_value);
            return Ok(response);
        }
    };
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, range.end - range.start)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag_value);
    if status == StatusCode::PARTIAL_CONTENT {
        builder = builder.header(
            header::CONTENT_RANGE,
            byte_range::content_range(&range, size),
        );
    }
    if *method == Method::HEAD {
        return Ok(builder.body(Body::empty()).expect("the headers are valid"));
    }
    let len = range.end - range.start;
    let share = aggregator
        .budget
        .reserve(ReadBudget::share_of(len, reader.layout().row_bytes))
        .await?;
    let mut stream = Arc::new(reader)
        .stream(range)
        .map_err(|e| read_problem(&blob_id, &e))?;
    // The first piece is read before the status line goes out, so that a blob the nodes refuse
    // (a licensed model) or no longer hold gets its status instead of a cut-off 200.
    let first = match stream.next().await {
        Some(Ok(piece)) => Some(piece),
        Some(Err(e)) => return Err(read_problem(&blob_id, &e)),
        None => None,
    };
    let pieces = futures::stream::iter(first.map(Ok)).chain(stream);
    Ok(builder
        .body(aggregator.budget.body(share, pieces, len))
        .expect("the headers are valid"))
}

/// A failure to reach the chain.
pub(crate) fn chain_problem(e: &floe_sdk::FlowError) -> Problem {
    tracing::warn!(error = %e, "chain read failed");
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "Chain unavailable",
        format!("the aggregator cannot read the chain: {e}; retry in a moment"),
    )
}

/// What a failed read means to the client: a blob nobody stores (404), a licensed model (403),
/// or nodes that did not serve enough (502).
pub(crate) fn read_problem(blob_id: &BlobId, e: &RangeError) -> Problem {
    let failures = match e {
        RangeError::Slivers(
            SliverError::NoMetadata { failures, .. }
            | SliverError::NotEnoughSlivers { failures, .. },
        ) => failures.as_slice(),
        _ => &[],
    };
    if failures.iter().any(|(_, m)| m.contains("license")) {
        return Problem::new(
            StatusCode::FORBIDDEN,
            "Licensed model",
            format!(
                "blob {blob_id} is a version of a licensed model: storage nodes serve its \
                 slivers only to license holders, and an aggregator holds no license; read it \
                 with `floe read {blob_id} --license LICENSE_ID`"
            ),
        );
    }
    if !failures.is_empty() && failures.iter().all(|(_, m)| m.contains("does not have it")) {
        return Problem::not_found(format!(
            "blob {blob_id} is not stored on this network (never certified, expired or deleted)"
        ));
    }
    tracing::warn!(%blob_id, error = %e, "read failed");
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "Storage nodes unavailable",
        format!("cannot read blob {blob_id}: {e}; retry in a moment"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served_with(attributes: &[(&str, &str)]) -> HeaderMap {
        let attributes: Vec<(String, String)> = attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        apply_attribute_headers(&mut headers, &attributes);
        headers
    }

    /// Anyone may store a page and set its `content-type` attribute to `text/html` (or
    /// `image/svg+xml`): the aggregator served it as the type asked for, with only `nosniff`,
    /// so its script ran as the aggregator's origin. Such types are now sandboxed.
    #[test]
    fn an_owner_chosen_active_type_is_sandboxed() {
        for active in [
            "text/html; charset=utf-8",
            "TEXT/HTML",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/javascript",
            "nonsense",
        ] {
            let headers = served_with(&[("Content-Type", active)]);
            assert_eq!(headers[header::CONTENT_TYPE], active);
            assert_eq!(
                headers
                    .get(header::CONTENT_SECURITY_POLICY)
                    .map(|v| v.to_str().unwrap()),
                Some("sandbox"),
                "{active}"
            );
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        }
        for passive in [
            "image/png",
            "video/mp4",
            "text/plain; charset=utf-8",
            "application/pdf",
            "application/json",
        ] {
            let headers = served_with(&[("content-type", passive)]);
            assert_eq!(headers[header::CONTENT_TYPE], passive);
            assert!(
                headers.get(header::CONTENT_SECURITY_POLICY).is_none(),
                "{passive}"
            );
        }
        // Without an attribute the type stays octet-stream, which browsers download.
        let headers = served_with(&[("note", "x")]);
        assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
        assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_none());
        // A value that is not a header value (a line break: response splitting) is skipped.
        let headers = served_with(&[("content-disposition", "a\r\nSet-Cookie: x=1")]);
        assert!(headers.get(header::CONTENT_DISPOSITION).is_none());
        assert!(headers.get(header::SET_COOKIE).is_none());
    }
}

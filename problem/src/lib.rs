//! Floe's HTTP errors as RFC 9457 problem details (`application/problem+json`), in one place
//! for every service (storage node, gateway, key server, indexer), so that a client reads the
//! same shape from all of them.
//!
//! - [`Problem`]: the body, its response (status, content type, `Retry-After`) and its
//!   extension members (the node's `missing_shards`, Seal's `error` and `message`);
//! - [`rejection`]: axum's extractor refusals (path, query, JSON, body) as problems;
//! - [`refusal`]: a middleware step that gives the framework's own refusals (405 with `Allow`,
//!   unknown routes, body limits) a problem body, each service choosing the words;
//! - [`serve`]: serving a router with a deadline for request heads and a cap on open
//!   connections, so that slow, silent or merely many connections (slowloris) cannot pile up;
//! - [`pace`]: how slowly a request body may arrive before the upload is refused (408).
//!
//! The last two live here because this is the one HTTP crate every service already shares.

pub mod pace;
pub mod refusal;
pub mod rejection;
pub mod serve;
pub mod write_stall;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use refusal::{Refusal, problem_bodies};

/// The media type of every problem body.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// One problem details object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI reference naming the kind of problem: `about:blank` when the status and the
    /// title say it all, else `/problems/<kind>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What exactly was wrong with this request, and what to do about it.
    pub detail: String,
    /// Members a service adds for programs (RFC 9457 §3.2), written beside the standard ones.
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub extensions: Map<String, Value>,
    /// Seconds after which the request may succeed, sent as `Retry-After` (not in the body).
    #[serde(skip)]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem whose `type` is `about:blank`: the status and `title` name the kind.
    pub fn new(status: StatusCode, title: &str, detail: impl Into<String>) -> Self {
        Self {
            type_: "about:blank".to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            extensions: Map::new(),
            retry_after: None,
        }
    }

    /// A problem of a named kind: `type` is `/problems/<kind>`, stable for programs to match.
    pub fn of_kind(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            type_: format!("/problems/{kind}"),
            ..Self::new(status, title, detail)
        }
    }

    /// 400 "Bad request" for input the client can fix.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }

    /// 404 "Not found".
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    /// The status as a [`StatusCode`]; a body naming no valid status counts as a server fault.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Adds the extension member `name`.
    pub fn with_extension(mut self, name: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or_else(|e| {
            tracing::error!(member = name, error = %e, "a problem member did not serialise");
            Value::Null
        });
        self.extensions.insert(name.to_owned(), value);
        self
    }

    /// The extension member `name` read as a `T`, if the body has one of that shape.
    pub fn extension<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        self.extensions
            .get(name)
            .and_then(|value| T::deserialize(value).ok())
    }

    /// Asks the client to wait `seconds` before retrying (a busy or rate-limiting server).
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The usual title for an error `status` that a service's handlers do not name
    /// themselves (refusals by the HTTP framework: bad paths, oversized bodies, wrong methods).
    pub fn title_for(status: StatusCode) -> &'static str {
        match status {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "Request body too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
            StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable request",
            status if status.is_server_error() => "Internal error",
            status => status.canonical_reason().unwrap_or("Request refused"),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).expect("a Problem is strings, numbers and JSON");
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn extension_members_sit_beside_the_standard_ones_and_read_back() {
        let problem = Problem::new(StatusCode::CONFLICT, "Not yet", "wait")
            .with_extension("missing_shards", [3u16, 7])
            .with_retry_after(5);
        let json: Value = serde_json::to_value(&problem).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "about:blank", "title": "Not yet", "status": 409, "detail": "wait",
                "missing_shards": [3, 7],
            })
        );
        let back: Problem = serde_json::from_value(json).unwrap();
        assert_eq!(
            back.extension::<Vec<u16>>("missing_shards"),
            Some(vec![3, 7])
        );
        assert_eq!(back.extension::<String>("missing_shards"), None);
        // `Retry-After` is a header, never a member.
        assert_eq!(back.retry_after, None);
    }

    #[test]
    fn a_kind_names_the_type_and_no_extensions_means_four_members() {
        let problem = Problem::of_kind(
            StatusCode::BAD_REQUEST,
            "invalid-cursor",
            "Bad request",
            "x",
        );
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "/problems/invalid-cursor");
        assert_eq!(json.as_object().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn the_response_carries_status_content_type_and_retry_after() {
        let response = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Busy", "later")
            .with_retry_after(2)
            .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let body = axum::body::to_bytes(response.into_body(), 1 << 10)
            .await
            .unwrap();
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.detail, "later");
    }
}

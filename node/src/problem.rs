//! Errors as `application/problem+json` (RFC 9457): a status, a short title that names the
//! kind of failure and a detail that says what exactly went wrong and what to do.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

pub const CONTENT_TYPE: &str = "application/problem+json";

/// One problem response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Extra data for programs, e.g. the shards still missing for a confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_shards: Option<Vec<u16>>,
    /// Seconds after which the request may succeed, sent as `Retry-After` (a busy node's 503).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            missing_shards: None,
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }

    /// The usual title for an error `status` the node's handlers do not name themselves
    /// (rejections by the HTTP framework: bad paths, oversized bodies, wrong methods).
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

/// A path parameter that does not parse: 400 naming the parameter, the value sent and what
/// was expected (`shard` must fit in a `u16`, …). A route whose handler reads parameters the
/// route does not have is the node's bug: 500.
impl From<PathRejection> for Problem {
    fn from(rejection: PathRejection) -> Self {
        let PathRejection::FailedToDeserializePathParams(failure) = &rejection else {
            return Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                rejection.body_text(),
            );
        };
        if failure.status().is_server_error() {
            return Self::new(failure.status(), "Internal error", failure.body_text());
        }
        let detail = match failure.kind() {
            ErrorKind::ParseErrorAtKey {
                key,
                value,
                expected_type,
            } => format!(
                "path parameter `{key}` is {value:?}, which is not {}",
                expected(expected_type)
            ),
            ErrorKind::ParseErrorAtIndex {
                index,
                value,
                expected_type,
            } => format!(
                "path parameter {} is {value:?}, which is not {}",
                index + 1,
                expected(expected_type)
            ),
            ErrorKind::ParseError {
                value,
                expected_type,
            } => format!(
                "path parameter {value:?} is not {}",
                expected(expected_type)
            ),
            ErrorKind::InvalidUtf8InPathParam { key } => {
                format!("path parameter `{key}` is not UTF-8 once percent-decoded")
            }
            _ => failure.body_text(),
        };
        Self::new(StatusCode::BAD_REQUEST, "Invalid path parameter", detail)
    }
}

/// What a value of the Rust type `type_name` looks like, in a client's words.
fn expected(type_name: &str) -> String {
    let range = |max: u64| format!("a whole number from 0 to {max}");
    match type_name {
        "u8" => range(u8::MAX.into()),
        "u16" => range(u16::MAX.into()),
        "u32" => range(u32::MAX.into()),
        "u64" => range(u64::MAX),
        "bool" => "true or false".to_owned(),
        other => format!("a valid {other}"),
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).expect("a Problem always serialises");
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

//! Refusals as `application/problem+json` (RFC 9457) that Seal's clients also understand.
//!
//! Every body carries the house fields (`type`, `title`, `status`, `detail`) and Seal's two
//! (`error`, the refusal's name, which `@mysten/seal` maps to its error classes, and
//! `message`), with Seal's status codes: 403 for requests the policy or the signatures refuse,
//! 400 for malformed ones, 503 when the chain could not be asked.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use floe_problem::Problem;

/// Why a key server refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyServerError {
    /// The transaction is not only `seal_approve*` calls into one package, each with the
    /// identity as its first argument.
    #[error("the transaction is not a key request: {0}")]
    InvalidPtb(String),
    /// The transaction calls a package whose keys this server does not hold.
    #[error("this key server holds keys for package {served} only, not {requested}")]
    UnsupportedPackageId { served: String, requested: String },
    /// The policy aborted when the chain simulated it.
    #[error("access denied: {0}")]
    NoAccess(String),
    /// The user's signature on the session is missing, malformed or not the user's.
    #[error("invalid user signature: {0}")]
    InvalidSignature(String),
    /// The session key's signature on the request does not verify.
    #[error("invalid session key signature: {0}")]
    InvalidSessionSignature(String),
    /// The session has expired, begins in the future, or lasts too long.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    /// A request field or an object the transaction names is not usable.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// The certificate names a Move Registry package name; this server takes package IDs.
    #[error("MVR names are not supported; sign the session for the package ID")]
    InvalidMvrName,
    /// `GET /v1/service` for an object ID that is not this server's.
    #[error("this key server is {served}, not {requested:?}")]
    InvalidServiceId { served: String, requested: String },
    /// The body is not the JSON of a fetch-key request.
    #[error("malformed request: {0}")]
    InvalidRequest(String),
    /// The body is larger than the server reads.
    #[error("the request body is larger than {0} bytes")]
    RequestTooLarge(usize),
    /// The body came too slowly (stalled or trickled): what came, in how long, and the pace.
    #[error("{0}")]
    RequestTimeout(String),
    /// The client has sent more requests than its rate allows.
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(u64),
    /// The chain could not be asked; the client may retry.
    #[error("internal error, retry later: {0}")]
    Failure(String),
}

impl KeyServerError {
    /// The name in the body's `error` field: Seal's where Seal has one.
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidPtb(_) => "InvalidPTB",
            Self::UnsupportedPackageId { .. } => "UnsupportedPackageId",
            Self::NoAccess(_) => "NoAccess",
            Self::InvalidSignature(_) => "InvalidSignature",
            Self::InvalidSessionSignature(_) => "InvalidSessionSignature",
            Self::InvalidCertificate(_) => "InvalidCertificate",
            Self::InvalidParameter(_) => "InvalidParameter",
            Self::InvalidMvrName => "InvalidMVRName",
            Self::InvalidServiceId { .. } => "InvalidServiceId",
            Self::InvalidRequest(_) => "InvalidRequest",
            Self::RequestTooLarge(_) => "RequestTooLarge",
            Self::RequestTimeout(_) => "RequestTimeout",
            Self::TooManyRequests(_) => "TooManyRequests",
            Self::Failure(_) => "Failure",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidPtb(_)
            | Self::NoAccess(_)
            | Self::InvalidSignature(_)
            | Self::InvalidSessionSignature(_)
            | Self::InvalidCertificate(_)
            | Self::InvalidParameter(_)
            | Self::InvalidMvrName => StatusCode::FORBIDDEN,
            Self::UnsupportedPackageId { .. }
            | Self::InvalidServiceId { .. }
            | Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::RequestTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Failure(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::InvalidPtb(_) => "Not a key request",
            Self::UnsupportedPackageId { .. } => "Package not served",
            Self::NoAccess(_) => "Access denied",
            Self::InvalidSignature(_) => "Invalid user signature",
            Self::InvalidSessionSignature(_) => "Invalid session signature",
            Self::InvalidCertificate(_) => "Invalid or expired session",
            Self::InvalidParameter(_) => "Invalid parameter",
            Self::InvalidMvrName => "MVR names not supported",
            Self::InvalidServiceId { .. } => "Unknown service",
            Self::InvalidRequest(_) => "Bad request",
            Self::RequestTooLarge(_) => "Request body too large",
            Self::RequestTimeout(_) => "Request too slow",
            Self::TooManyRequests(_) => "Too many requests",
            Self::Failure(_) => "Internal error",
        }
    }
}

/// The refusal's body: the house fields plus Seal's `error` and `message` members, and
/// `Retry-After` when rate-limited.
impl From<&KeyServerError> for Problem {
    fn from(error: &KeyServerError) -> Self {
        let detail = error.to_string();
        let problem = Problem::new(error.status(), error.title(), detail.clone())
            .with_extension("error", error.name())
            .with_extension("message", detail);
        match error {
            KeyServerError::TooManyRequests(seconds) => problem.with_retry_after(*seconds),
            _ => problem,
        }
    }
}

/// Seal's name of the refusal in a problem body (`NoAccess`, …), when it carries one.
pub fn seal_error(problem: &Problem) -> Option<&str> {
    problem
        .extensions
        .get("error")
        .and_then(serde_json::Value::as_str)
}

impl IntoResponse for KeyServerError {
    fn into_response(self) -> Response {
        Problem::from(&self).into_response()
    }
}

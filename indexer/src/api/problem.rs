//! The indexer's problems: [`floe_problem::Problem`] (RFC 9457, `application/problem+json`)
//! with the API's vocabulary. Every refusal has a stable machine-readable `type`
//! (`/problems/<kind>`) plus a human `detail`, and database failures are reported without
//! internals. The shape, the response and the framework-refusal middleware are floe-problem's.

use std::ops::Deref;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use floe_problem::Refusal;

/// A problem of the REST API: always of a named kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem(floe_problem::Problem);

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self(floe_problem::Problem::of_kind(status, kind, title, detail))
    }

    /// 400 for input the client can fix.
    pub fn bad_request(kind: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, kind, "Bad request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 500 for a fault of the server (logged where it happens).
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
            detail,
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            detail,
        )
    }
}

/// The API's words for a refusal axum made itself (405 naming what the route answers, 404 for
/// a path no route has, 400 with the framework's text), for [`floe_problem::problem_bodies`].
pub fn refusal(refusal: &Refusal) -> floe_problem::Problem {
    let Refusal {
        status,
        method,
        path,
        allow,
        text,
    } = refusal;
    let reason = status.canonical_reason().unwrap_or("Error");
    let text_or_reason = if text.is_empty() {
        reason.to_owned()
    } else {
        text.clone()
    };
    let problem = match *status {
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            *status,
            "method-not-allowed",
            reason,
            format!(
                "{method} is not allowed on {path}; it answers {}",
                allow.as_deref().unwrap_or("GET, HEAD")
            ),
        ),
        StatusCode::NOT_FOUND => Problem::not_found(format!("no route {path}; see /openapi.json")),
        StatusCode::BAD_REQUEST => Problem::bad_request("invalid-parameter", text_or_reason),
        _ => Problem::new(
            *status,
            &reason.to_ascii_lowercase().replace(' ', "-"),
            reason,
            text_or_reason,
        ),
    };
    problem.0
}

impl Deref for Problem {
    type Target = floe_problem::Problem;

    fn deref(&self) -> &floe_problem::Problem {
        &self.0
    }
}

/// PostgreSQL's `query_canceled`: what a statement cut off by `statement_timeout` fails with.
const QUERY_CANCELED: &str = "57014";

impl From<sqlx::Error> for Problem {
    /// Database failures are logged in full and reported without internals. Two are the
    /// API's own limits, not faults, and say so: every connection busy (come back in a
    /// second) and a statement that ran past the time limit (ask for less).
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut => {
                tracing::warn!("every API database connection stayed busy; refusing a request");
                Self(
                    floe_problem::Problem::of_kind(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "busy",
                        "Service busy",
                        "every database connection of the API is busy with other requests; \
                         retry after the time in Retry-After",
                    )
                    .with_retry_after(1),
                )
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some(QUERY_CANCELED) => {
                tracing::warn!(error = %e, "an API statement ran past the time limit");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "query-timeout",
                    "Query too slow",
                    "the query ran past the API's time limit (floe-indexer --query-timeout-secs) \
                     and was stopped; ask for less: a narrower range, fewer buckets, a smaller \
                     limit or a filter",
                )
            }
            _ => {
                tracing::error!(error = %e, "database query failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database",
                    "Database unavailable",
                    "the database could not answer; try again",
                )
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// The OpenAPI schema is floe-problem's, under the same name.
impl utoipa::PartialSchema for Problem {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <floe_problem::Problem as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Problem {}

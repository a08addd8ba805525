//! axum's extractor refusals as problems, so a handler can take `Result<Path<T>, _>` (or an
//! extractor whose `Rejection` is [`Problem`]) and answer problem+json with the framework's
//! status and a detail a client can act on.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;

use crate::Problem;

/// A path parameter that does not parse: 400 "Invalid path parameter" naming the parameter,
/// the value sent and what was expected (`shard` must fit in a `u16`, …). A route whose
/// handler reads parameters the route does not have is the service's bug: 500.
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

/// A query string that does not deserialise: 400 "Bad request" with serde's words.
impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Self {
        framework(rejection.status(), rejection.body_text())
    }
}

/// A JSON body that is missing its content type (415), is not JSON (400) or does not fit the
/// expected shape (422), or could not be read (413 past the body limit).
impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Self {
        framework(rejection.status(), rejection.body_text())
    }
}

/// A body that could not be read, most often 413 past the route's `DefaultBodyLimit`.
impl From<BytesRejection> for Problem {
    fn from(rejection: BytesRejection) -> Self {
        framework(rejection.status(), rejection.body_text())
    }
}

fn framework(status: StatusCode, detail: String) -> Problem {
    if status.is_server_error() {
        tracing::error!(%status, %detail, "an extractor failed on the server's side");
    }
    Problem::new(status, Problem::title_for(status), detail)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::extract::{FromRequest, FromRequestParts, Path, Query};
    use axum::http::Request;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Shard {
        #[allow(dead_code)]
        shard: u16,
    }

    #[tokio::test]
    async fn a_query_that_does_not_parse_is_a_bad_request_naming_the_field() {
        let request = Request::get("/x?shard=70000").body(()).unwrap();
        let (mut parts, ()) = request.into_parts();
        let rejection = Query::<Shard>::from_request_parts(&mut parts, &())
            .await
            .unwrap_err();
        let problem = Problem::from(rejection);
        assert_eq!(
            (problem.status, problem.title.as_str()),
            (400, "Bad request")
        );
        assert!(problem.detail.contains("shard"), "{}", problem.detail);
    }

    #[tokio::test]
    async fn a_json_body_without_its_content_type_is_415() {
        let request = Request::post("/x")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        let rejection = axum::Json::<serde_json::Value>::from_request(request, &())
            .await
            .unwrap_err();
        let problem = Problem::from(rejection);
        assert_eq!(problem.status, 415);
        assert_eq!(problem.title, "Unsupported media type");
    }

    #[tokio::test]
    async fn a_path_outside_its_routes_is_the_servers_fault() {
        // No route matched, so there are no parameters to read: a bug of the service, 500.
        let request = Request::get("/x").body(()).unwrap();
        let (mut parts, ()) = request.into_parts();
        let rejection = Path::<Shard>::from_request_parts(&mut parts, &())
            .await
            .unwrap_err();
        let problem = Problem::from(rejection);
        assert_eq!(
            (problem.status, problem.title.as_str()),
            (500, "Internal error")
        );
    }
}

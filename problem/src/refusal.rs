//! The framework's own refusals as problems. axum answers some requests before any handler
//! runs: 405 with an empty body and an `Allow` header, 400 or 413 in plain text from an
//! extractor. Clients that parse `application/problem+json` cannot read those, so a service
//! wraps its router in a middleware step that calls [`problem_bodies`], and chooses the words
//! with a closure over the [`Refusal`].

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{CONTENT_TYPE, Problem};

/// How much of a refusal's plain-text body is read to become a problem's detail.
const PLAIN_TEXT_LIMIT: usize = 16 << 10;

/// An error response that left the router without a problem body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub method: Method,
    /// The request's path, without the query.
    pub path: String,
    /// The `Allow` header of a 405 as axum writes it (`GET,HEAD`), when present and not empty.
    pub allow: Option<String>,
    /// The refusal's plain-text body, trimmed; empty when it had none. A JSON object body is
    /// given as `name: value, …` (its members also become the problem's extension members).
    pub text: String,
}

impl Refusal {
    /// The plain wording: the status's usual title; for a 405 the methods the route accepts;
    /// otherwise the framework's text, or the status when it gave none.
    pub fn problem(&self) -> Problem {
        let detail = match self.status {
            StatusCode::METHOD_NOT_ALLOWED => self.method_not_allowed(),
            _ if self.text.is_empty() => format!("the request was refused ({})", self.status),
            _ => self.text.clone(),
        };
        Problem::new(self.status, Problem::title_for(self.status), detail)
    }

    /// "PUT is not allowed on this endpoint; it accepts GET, HEAD".
    pub fn method_not_allowed(&self) -> String {
        match &self.allow {
            Some(allowed) => format!(
                "{} is not allowed on this endpoint; it accepts {}",
                self.method,
                allowed.replace(',', ", ")
            ),
            None => format!("{} is not allowed on this endpoint", self.method),
        }
    }
}

/// Runs the request; an error response that is not problem+json yet is answered instead with
/// `describe`'s problem, keeping the original status line's headers (`Allow` on a 405).
/// Handler problems and successful answers pass through untouched. Wrap the whole router
/// (`Router::new().fallback_service(routes).layer(…)`) rather than each route: axum adds a
/// 405's `Allow` outside a route's own layers.
pub async fn problem_bodies(
    request: Request,
    next: Next,
    describe: impl FnOnce(&Refusal) -> Problem,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(CONTENT_TYPE.as_bytes()));
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, PLAIN_TEXT_LIMIT)
        .await
        .unwrap_or_default();
    let members = json_members(&parts.headers, &bytes);
    let text = match &members {
        Some(members) => summary(members),
        None => String::from_utf8_lossy(&bytes).trim().to_owned(),
    };
    let allow = parts
        .headers
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let refusal = Refusal {
        status,
        method,
        path,
        allow,
        text,
    };
    let mut problem = describe(&refusal);
    for (name, value) in members.into_iter().flatten() {
        if !STANDARD_MEMBERS.contains(&name.as_str()) && !problem.extensions.contains_key(&name) {
            problem.extensions.insert(name, value);
        }
    }
    log_server_refusal(&refusal, &problem);
    let mut answer = problem.into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    answer
}

/// The members a problem object defines itself; a refusal's own members of these names are
/// left out rather than overwrite them.
const STANDARD_MEMBERS: [&str; 4] = ["type", "title", "status", "detail"];

/// The members of a refusal's JSON object body (the indexer's `/ready` 503 says why it is not
/// ready in figures: `watermark`, `lag`, …): they become the problem's extension members, so a
/// program reads them as numbers instead of parsing the detail.
fn json_members(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return None;
    }
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(members)) => Some(members),
        _ => None,
    }
}

/// A JSON object's members as the detail's words: `ready: false, lag: 12`.
fn summary(members: &serde_json::Map<String, serde_json::Value>) -> String {
    members
        .iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => format!("{name}: {text}"),
            other => format!("{name}: {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Logs a 5xx that left the router without a problem body. A 503 is a state the service
/// expects to be in at times and says so on purpose (the indexer's `/ready` while it catches
/// up, a node that is busy): logging it at ERROR would page an operator for every readiness
/// probe of a healthy service that is still starting, so it is INFO. Any other 5xx means
/// something failed that nothing turned into a problem, which is an error.
fn log_server_refusal(refusal: &Refusal, problem: &Problem) {
    let Refusal {
        status,
        method,
        path,
        ..
    } = refusal;
    if *status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::info!(%status, %method, %path, detail = %problem.detail, "service unavailable");
    } else if status.is_server_error() {
        tracing::error!(
            %status, %method, %path, detail = %problem.detail,
            "internal error outside a handler"
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, put};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// A service like the project's: two routes, a 16-byte body limit, a 404 fallback, and
    /// the middleware around everything, served on 127.0.0.1.
    async fn serve() -> std::net::SocketAddr {
        let routes = Router::new()
            .route(
                "/thing",
                get(|| async { "thing" }).put(|_: Bytes| async { "kept" }),
            )
            .route(
                "/mine",
                put(|| async { Problem::bad_request("the handler's own") }),
            )
            // A deliberate 503 without a problem body, as the indexer's `/ready` while it
            // catches up, and a bare 500.
            .route(
                "/ready",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        axum::Json(serde_json::json!({
                            "ready": false, "watermark": 5, "lag": 12, "max_lag": 10,
                            "detail": "not mine to set",
                        })),
                    )
                }),
            )
            .route(
                "/broken",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "it broke") }),
            )
            .fallback(|| async { Problem::not_found("no such route") })
            .layer(DefaultBodyLimit::max(16));
        let app = Router::new()
            .fallback_service(routes)
            .layer(axum::middleware::from_fn(|request: Request, next: Next| {
                problem_bodies(request, next, |refusal| match refusal.status {
                    StatusCode::PAYLOAD_TOO_LARGE => {
                        Problem::new(refusal.status, "Request body too large", "at most 16 bytes")
                    }
                    _ => refusal.problem(),
                })
            }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }

    /// One HTTP/1.1 exchange over a fresh connection: status, headers (lower-case), body.
    async fn call(
        address: std::net::SocketAddr,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect();
        (status.parse().unwrap(), headers, raw[split + 4..].to_vec())
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[tokio::test]
    async fn framework_refusals_become_problems_and_the_rest_pass_through() {
        let address = serve().await;

        // 405: a problem naming the accepted methods, `Allow` kept.
        let (status, headers, body) = call(address, "DELETE", "/thing", b"").await;
        assert_eq!(status, 405);
        assert_eq!(header(&headers, "content-type"), Some(CONTENT_TYPE));
        let allow = header(&headers, "allow").unwrap();
        assert!(allow.contains("GET") && allow.contains("PUT"), "{allow}");
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (problem.status, problem.title.as_str()),
            (405, "Method not allowed")
        );
        assert!(
            problem.detail.starts_with("DELETE is not allowed"),
            "{}",
            problem.detail
        );
        assert!(problem.detail.contains("PUT"), "{}", problem.detail);

        // 413 from the body limit: the service's own words.
        let (status, headers, body) = call(address, "PUT", "/thing", &[7; 64]).await;
        assert_eq!(status, 413);
        assert_eq!(header(&headers, "content-type"), Some(CONTENT_TYPE));
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.detail, "at most 16 bytes");

        // The fallback's and a handler's problems are left as they are.
        let (status, _, body) = call(address, "GET", "/nowhere", b"").await;
        assert_eq!(status, 404);
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.detail, "no such route");
        let (status, _, body) = call(address, "PUT", "/mine", b"").await;
        assert_eq!(status, 400);
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.detail, "the handler's own");

        // Successes are untouched.
        let (status, headers, body) = call(address, "PUT", "/thing", b"small").await;
        assert_eq!((status, body.as_slice()), (200, b"kept".as_slice()));
        assert_ne!(header(&headers, "content-type"), Some(CONTENT_TYPE));
    }

    /// Every event logged while it is the default subscriber: level and message.
    #[derive(Clone, Default)]
    struct Logged(std::sync::Arc<std::sync::Mutex<Vec<(tracing::Level, String)>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Logged {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(
                    &mut self,
                    field: &tracing::field::Field,
                    value: &dyn std::fmt::Debug,
                ) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            let mut message = Message(String::new());
            event.record(&mut message);
            self.0
                .lock()
                .unwrap()
                .push((*event.metadata().level(), message.0));
        }
    }

    /// A readiness 503 is an expected state, logged at INFO; only a real 500 is an ERROR.
    /// (Before: both were ERROR "internal error outside a handler".)
    #[tokio::test]
    async fn only_real_server_errors_are_logged_as_errors() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let logged = Logged::default();
        let _guard =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(logged.clone()));
        let address = serve().await;

        let (status, headers, body) = call(address, "GET", "/ready", b"").await;
        assert_eq!(status, 503);
        assert_eq!(header(&headers, "content-type"), Some(CONTENT_TYPE));
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.status, 503);
        // The readiness figures are members a program reads, not only words in the detail;
        // a member named like a standard one does not replace it.
        assert_eq!(problem.extension::<bool>("ready"), Some(false));
        assert_eq!(problem.extension::<u64>("watermark"), Some(5));
        assert_eq!(problem.extension::<u64>("lag"), Some(12));
        assert_eq!(problem.extension::<u64>("max_lag"), Some(10));
        assert!(!problem.extensions.contains_key("detail"));
        assert!(
            problem.detail.contains("watermark: 5") && problem.detail.contains("lag: 12"),
            "{}",
            problem.detail
        );
        let events = std::mem::take(&mut *logged.0.lock().unwrap());
        assert!(
            events
                .iter()
                .all(|(level, _)| *level > tracing::Level::WARN),
            "a readiness 503 was logged as a failure: {events:?}"
        );
        assert!(
            events
                .iter()
                .any(|(level, m)| *level == tracing::Level::INFO && m == "service unavailable"),
            "{events:?}"
        );

        let (status, _, body) = call(address, "GET", "/broken", b"").await;
        assert_eq!(status, 500);
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.detail, "it broke");
        let events = std::mem::take(&mut *logged.0.lock().unwrap());
        assert!(
            events
                .iter()
                .any(|(level, m)| *level == tracing::Level::ERROR
                    && m == "internal error outside a handler"),
            "{events:?}"
        );
    }
}

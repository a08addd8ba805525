//! Floe over plain HTTP, with the routes and answers of Walrus's aggregator and publisher so
//! that Walrus tooling and habits carry over:
//!
//! - [`aggregator`]: `GET|HEAD /v1/blobs/{blob_id}` and `/v1/blobs/by-object-id/{object_id}`,
//!   streamed, with byte ranges read from only the primary slivers they touch.
//! - [`publisher`]: `PUT /v1/blobs?epochs=N&deletable=…&send_object_to=…`, paid from the
//!   publisher's wallet, with a body limit and optional JWT bearer authentication ([`auth`]).
//! - [`quilt`]: quilts (many small files in one blob, see `floe_sdk::quilt`): one file by
//!   `GET /v1/blobs/by-quilt-id/{quilt_id}/{identifier}`, the index by
//!   `GET /v1/quilts/{quilt_id}/patches`, a store by `PUT /v1/quilts` (multipart/form-data).
//! - [`api_doc`]: the OpenAPI document at `/v1/api`.
//!
//! Errors are `application/problem+json` ([`floe_problem`]). The `floe aggregator`, `floe publisher`
//! and `floe daemon` commands and `floe up` serve these routers.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod aggregator;
pub mod api_doc;
pub mod auth;
pub mod byte_range;
pub mod chain;
pub mod multipart;
pub mod publisher;
pub mod quilt;
pub mod read_budget;
#[cfg(test)]
mod upload_attacks;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, put};
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::{FlowError, NetworkConfig};

pub use aggregator::Aggregator;
pub use api_doc::Role;
pub use chain::Chain;
pub use floe_problem::pace::BodyPace;
pub use floe_problem::serve::ServeOptions;
pub use publisher::{Publisher, PublisherLimits};
pub use read_budget::ReadLimits;

/// The whole app for `role`: its routes, `/v1/api`, and problem+json for unknown routes. Every
/// route is named here, in one place, so the handler modules need not know each other.
pub fn app(aggregator: Option<Aggregator>, publisher: Option<Publisher>, role: Role) -> Router {
    let mut router = api_doc::router(role);
    if let Some(aggregator) = aggregator {
        router = router.merge(
            Router::new()
                .route("/v1/blobs/{blob_id}", get(aggregator::get_blob))
                .route(
                    "/v1/blobs/by-object-id/{object_id}",
                    get(aggregator::get_blob_by_object),
                )
                .route(
                    "/v1/blobs/by-quilt-id/{quilt_id}/{*identifier}",
                    get(quilt::get_quilt_file),
                )
                .route(
                    "/v1/quilts/{quilt_id}/patches",
                    get(quilt::get_quilt_patches),
                )
                .with_state(aggregator),
        );
    }
    if let Some(publisher) = publisher {
        router = router.merge(
            Router::new()
                .route("/v1/blobs", put(publisher::put_blob))
                .route("/v1/quilts", put(quilt::put_quilt))
                .with_state(publisher),
        );
    }
    let routes = router.fallback(|| async {
        floe_problem::Problem::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "no such route: see /v1/api for this server's routes",
        )
        .into_response()
    });
    // Around the whole router rather than each route: axum answers a wrong method (405, empty
    // body) and adds its `Allow` header outside a route's own layers.
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn(problem_bodies))
}

/// Gives axum's own refusals (an empty 405, an extractor's plain-text 400) a problem+json
/// body like every other answer of the gateway, keeping their status and `Allow` header.
async fn problem_bodies(request: Request, next: Next) -> Response {
    floe_problem::problem_bodies(request, next, floe_problem::Refusal::problem).await
}

/// Why a gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("cannot reach the network: {0}")]
    Chain(#[from] FlowError),
    #[error("a publisher pays for stores and needs a wallet key")]
    NoWallet,
}

/// How a publisher takes stores.
#[derive(Debug, Clone)]
pub struct PublisherOptions {
    /// The largest body accepted, in bytes.
    pub max_body: u64,
    /// Bearer tokens are required when set: HS256 JWTs signed with this secret.
    pub jwt_secret: Option<String>,
}

impl Default for PublisherOptions {
    fn default() -> Self {
        Self {
            max_body: publisher::DEFAULT_MAX_BODY,
            jwt_secret: None,
        }
    }
}

/// Connects to `network` and builds `role`'s app; the publisher pays with `wallet` and has the
/// default [`PublisherLimits`].
pub async fn connect(
    role: Role,
    network: &NetworkConfig,
    wallet: Option<Ed25519PrivateKey>,
    options: &PublisherOptions,
) -> Result<Router, GatewayError> {
    connect_with(role, network, wallet, options, PublisherLimits::default()).await
}

/// [`connect`] with the publisher's queue, body pace and spool directory chosen.
pub async fn connect_with(
    role: Role,
    network: &NetworkConfig,
    wallet: Option<Ed25519PrivateKey>,
    options: &PublisherOptions,
    limits: PublisherLimits,
) -> Result<Router, GatewayError> {
    let aggregator = match role {
        Role::Aggregator | Role::Daemon => {
            Some(Aggregator::new(Arc::new(Chain::read_only(network).await?)))
        }
        Role::Publisher => None,
    };
    let publisher = match role {
        Role::Publisher | Role::Daemon => {
            let key = wallet.ok_or(GatewayError::NoWallet)?;
            let chain = Arc::new(Chain::connect(network, key).await?);
            Some(
                Publisher::new(
                    chain,
                    options.max_body,
                    options.jwt_secret.as_deref().map(str::as_bytes),
                )
                .with_limits(limits),
            )
        }
        Role::Aggregator => None,
    };
    Ok(app(aggregator, publisher, role))
}

/// Serves `app` on `listener` until `shutdown` completes. A request head must arrive within
/// [`floe_problem::serve::HEADER_READ_TIMEOUT`] (an idle connection is closed after as long),
/// and connections count against the process's budget
/// ([`floe_problem::serve::ConnectionBudget::process`], half the descriptor limit unless the
/// process sized it, shared with the process's other services), of which the gateway takes at
/// most three quarters, so slow, silent or merely many connections cannot pile up.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, ServeOptions::default(), shutdown).await
}

/// [`serve`] with the head deadline, the connection cap and the budget chosen.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    floe_problem::serve::serve_with(listener, app, options, shutdown).await
}

/// Parses a size such as `10MiB`, `512KiB`, `1GiB` or a plain number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size: write e.g. 10MiB, 512KiB or 1048576"))?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" | "k" => 1 << 10,
        "MiB" | "M" => 1 << 20,
        "GiB" | "G" => 1 << 30,
        other => {
            return Err(format!(
                "{other:?} is not a size unit: use B, KiB, MiB or GiB"
            ));
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{text} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10MB").is_err());
    }
}

//! The OpenAPI documents served at `/v1/api`, where Walrus's daemons serve theirs.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use floe_problem::Problem;

use crate::{aggregator, publisher, quilt};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Floe aggregator",
        description = "Blobs and byte ranges of blobs over HTTP GET, with Walrus's routes."
    ),
    paths(
        aggregator::get_blob,
        aggregator::get_blob_by_object,
        quilt::get_quilt_file,
        quilt::get_quilt_patches
    ),
    components(schemas(Problem))
)]
struct AggregatorApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Floe publisher",
        description = "Store blobs over HTTP PUT, paid from the publisher's wallet, with Walrus's routes and answers."
    ),
    paths(publisher::put_blob, quilt::put_quilt),
    components(schemas(Problem, publisher::StoreResult, quilt::QuiltStoreResult))
)]
struct PublisherApi;

/// Which routes a server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Aggregator,
    Publisher,
    /// Both, on one port (`floe daemon`).
    Daemon,
}

/// The OpenAPI document of `role`'s routes.
pub fn openapi(role: Role) -> utoipa::openapi::OpenApi {
    let mut api = match role {
        Role::Aggregator => AggregatorApi::openapi(),
        Role::Publisher => PublisherApi::openapi(),
        Role::Daemon => {
            let mut api = AggregatorApi::openapi().merge_from(PublisherApi::openapi());
            api.info.title = "Floe daemon (aggregator and publisher)".to_owned();
            api
        }
    };
    if role != Role::Aggregator {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
    api
}

/// `GET /v1/api`.
pub fn router(role: Role) -> Router {
    let api = openapi(role);
    Router::new().route("/v1/api", get(move || async move { Json(api) }))
}

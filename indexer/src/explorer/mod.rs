//! The explorer: one static page (HTML, CSS and vanilla JavaScript, built into the binary
//! with `include_str!`) that renders everything from the REST API on the same origin. No
//! framework, no build step, no external assets: charts are hand-written SVG. Pages are hash
//! routes (`/#/blob/{id}`, `/#/node/{id}`…), so the server answers only `/` and the assets.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// `Cache-Control` of the page and its assets: revalidated on every load, so an upgraded
/// indexer serves its own explorer at once (they are a few kilobytes, served from memory).
const CACHE: &str = "no-cache";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, CACHE),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
}

/// The explorer's routes: `/` and `/explorer` (the page), `/explorer/app.js`, `/explorer/app.css`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let page = || async { asset("text/html; charset=utf-8", INDEX) };
    Router::new()
        .route("/", get(page))
        .route("/explorer", get(page))
        .route(
            "/explorer/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/explorer/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page loads only its own assets: no CDN, no external URL anywhere.
    #[test]
    fn the_page_is_self_contained() {
        assert!(INDEX.contains("/explorer/app.js") && INDEX.contains("/explorer/app.css"));
        for (name, text) in [
            ("index.html", INDEX),
            ("app.js", APP_JS),
            ("app.css", APP_CSS),
        ] {
            for scheme in ["http://", "https://", "//cdn", "@import"] {
                assert!(!text.contains(scheme), "{name} refers to {scheme}");
            }
        }
    }
}

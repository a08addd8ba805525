//! The explorer: one static page (HTML, CSS and vanilla JavaScript, built into the binary
//! with `include_str!`) that renders everything from the REST API on the same origin. No
//! framework, no build step, no external assets: charts are drawn by uPlot, vendored unchanged
//! from npm with its license (`assets/vendor/uplot/`, version and sha256 in its README) and
//! served from the binary like the page. Pages are hash routes (`/#/blob/{id}`,
//! `/#/node/{id}`…), so the server answers only `/` and the assets.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const UPLOT_JS: &str = include_str!("assets/vendor/uplot/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("assets/vendor/uplot/uPlot.min.css");
/// uPlot's MIT license, served beside it: the notice must go wherever its code goes.
const UPLOT_LICENSE: &str = include_str!("assets/vendor/uplot/LICENSE");

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

/// The explorer's routes: `/` and `/explorer` (the page), `/explorer/app.js`, `/explorer/app.css`,
/// and the vendored chart library under `/explorer/vendor/` (script, stylesheet, license).
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
        .route(
            "/explorer/vendor/uPlot.iife.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", UPLOT_JS) }),
        )
        .route(
            "/explorer/vendor/uPlot.min.css",
            get(|| async { asset("text/css; charset=utf-8", UPLOT_CSS) }),
        )
        .route(
            "/explorer/vendor/uPlot.LICENSE",
            get(|| async { asset("text/plain; charset=utf-8", UPLOT_LICENSE) }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page loads only its own assets: no CDN, no external URL anywhere. uPlot's one URL is
    /// its `/*! … */` banner (where it comes from), which is a comment: the code after it has none.
    #[test]
    fn the_page_is_self_contained() {
        for asset in [
            "/explorer/app.js",
            "/explorer/app.css",
            "/explorer/vendor/uPlot.iife.min.js",
            "/explorer/vendor/uPlot.min.css",
        ] {
            assert!(INDEX.contains(asset), "index.html does not load {asset}");
        }
        let (banner, uplot_code) = UPLOT_JS
            .split_once("*/")
            .expect("uPlot's minified file opens with its /*! … */ banner");
        assert!(banner.starts_with("/*! ") && banner.contains("(v1.6.32)"));
        assert!(UPLOT_LICENSE.contains("MIT License") && UPLOT_LICENSE.contains("Leon Sorokin"));
        for (name, text) in [
            ("index.html", INDEX),
            ("app.js", APP_JS),
            ("app.css", APP_CSS),
            ("uPlot.iife.min.js after its banner", uplot_code),
            ("uPlot.min.css", UPLOT_CSS),
        ] {
            for scheme in ["http://", "https://", "//cdn", "@import"] {
                assert!(!text.contains(scheme), "{name} refers to {scheme}");
            }
        }
    }
}

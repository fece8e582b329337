//! The dashboard's stylesheet and script, compiled into the binary (no CDN) and served under
//! `/static/` with long cache headers. Their URLs carry a hash of their content (`?v=…`) so that
//! a new version is fetched at once after an upgrade.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The stylesheet (`fleet/assets/fleet.css`).
pub const CSS: &str = include_str!("../../../assets/fleet.css");

/// The script (`fleet/assets/fleet.js`): live refresh of the overview, confirmations, "waiting
/// for the kiosk" on command buttons. Every page works without it.
pub const JS: &str = include_str!("../../../assets/fleet.js");

fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// `/static/fleet.css?v=HASH`.
pub fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/fleet.css?v={}", short_hash(CSS)))
}

/// `/static/fleet.js?v=HASH`.
pub fn js_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/fleet.js?v={}", short_hash(JS)))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=604800, immutable")],
        body,
    )
        .into_response()
}

/// `GET /static/fleet.css`.
pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

/// `GET /static/fleet.js`.
pub async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

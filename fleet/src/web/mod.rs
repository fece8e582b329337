//! The web server: the dashboard's pages, the JSON API, `/metrics`, `/healthz` and the OpenAPI
//! description, on one axum router. Every asset is compiled into the binary (no CDN).
//!
//! - [`auth`]: logins (argon2), session cookies, CSRF tokens, login rate limits, bearer tokens
//!   and roles.
//! - [`api`]: `/api/…` in JSON, and its OpenAPI description.
//! - [`metrics`]: `/metrics` for Prometheus.
//! - [`pages`]: the HTML pages.

pub mod api;
pub mod auth;
pub mod metrics;
pub mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::commands::CommandHub;
use crate::config::FleetConfig;
use crate::ingest::IngestStats;
use crate::state::FleetState;
use crate::store::Store;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The configuration.
    pub config: Arc<FleetConfig>,
    /// The live picture of the fleet.
    pub fleet: Arc<FleetState>,
    /// The database.
    pub store: Store,
    /// Commands and replies.
    pub hub: Arc<CommandHub>,
    /// The ingest's counters.
    pub ingest: Arc<IngestStats>,
    /// Login rate limits.
    pub limiter: Arc<auth::LoginLimiter>,
}

impl AppState {
    /// The state for a server.
    pub fn new(
        config: Arc<FleetConfig>,
        fleet: Arc<FleetState>,
        store: Store,
        hub: Arc<CommandHub>,
        ingest: Arc<IngestStats>,
    ) -> Self {
        let limiter = Arc::new(auth::LoginLimiter::new(
            config.web.login_attempts,
            std::time::Duration::from_secs(config.web.login_window_secs),
        ));
        Self { config, fleet, store, hub, ingest, limiter }
    }
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/kiosks", get(api::kiosks))
        .route("/api/kiosks/{site}/{kiosk_id}", get(api::kiosk).post(api::command))
        .route("/api/kiosks/{site}/{kiosk_id}/commands", post(api::command))
        .route("/api/commands", post(api::broadcast))
        .route("/api/commands/{id}", get(api::command_status))
        .route("/api/alerts", get(api::alerts))
        .route("/api/incidents", get(api::incidents))
        .route("/api/unanswered", get(api::unanswered))
        .route("/api/kpis.csv", get(api::kpis_csv))
        .merge(pages::routes(state.clone()))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Headers every response carries: no framing, no sniffing, no referrer, scripts and styles only
/// from this server.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    response
}

/// Serves until the process is stopped.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).await
}

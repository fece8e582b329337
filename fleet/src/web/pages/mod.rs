//! The dashboard's HTML pages, rendered on the server with maud (which escapes everything it
//! prints), one module per page. Every page but `/login` and `/static/…` needs a login
//! ([`layout::Ctx`] sends anonymous visitors to `/login`); every form that changes something
//! is a `POST` carrying the session's CSRF token, and only operators see (and may send) them.
//! The Content-Security-Policy allows no inline script or style: the look and the few scripts
//! are in [`assets`].
//!
//! - [`layout`]: the frame of every page, the request context, errors.
//! - [`i18n`]: French and English.
//! - [`overview`]: `/`, every kiosk's state.
//! - [`kiosk`]: `/kiosks/{site}/{kiosk_id}`, one kiosk's charts, history and commands.
//! - [`charts`]: the usage charts (inline SVG).
//! - [`actions`]: the command forms, and `/actions` for several kiosks at once.
//! - [`questions`]: `/questions`, the top unanswered questions.
//! - [`incidents`]: `/incidents`, visitors' reports and their status.
//! - [`alerts`]: `/alerts`, open and recent alerts.
//! - [`assets`]: `/static/fleet.css` and `/static/fleet.js`.

pub mod actions;
pub mod alerts;
pub mod assets;
pub mod charts;
pub mod i18n;
pub mod incidents;
pub mod kiosk;
pub mod layout;
pub mod overview;
pub mod questions;

use axum::Router;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use self::i18n::Lang;
use self::layout::{Ctx, PageError, Tone, bare, notice};
use super::AppState;
use super::auth::{self, LoginError, urlencode};
use crate::model::KioskKey;

/// The page routes.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(overview::overview))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/kiosks/{site}/{kiosk_id}", get(kiosk::kiosk_page))
        .route("/kiosks/{site}/{kiosk_id}/commands", post(kiosk::kiosk_command))
        .route("/commands/{id}/screenshot.png", get(kiosk::screenshot))
        .route("/actions", get(actions::fleet_actions).post(actions::fleet_submit))
        .route("/questions", get(questions::questions))
        .route("/incidents", get(incidents::incidents).post(incidents::set_status))
        .route("/alerts", get(alerts::alerts))
        .route("/export/kpis.csv", get(export_kpis))
        .route("/static/fleet.css", get(assets::css))
        .route("/static/fleet.js", get(assets::js))
        .layer(axum::middleware::from_fn_with_state(state, i18n::remember))
}

/// The kiosks a fleet-wide command targets: the listed ones (`site/kiosk_id`), else a site's,
/// else all.
pub fn targets(state: &AppState, site: Option<&str>, kiosks: &[String]) -> Vec<KioskKey> {
    if !kiosks.is_empty() {
        return kiosks.iter().filter_map(|k| k.split_once('/')).map(|(s, k)| KioskKey::new(s, k)).collect();
    }
    state
        .fleet
        .list()
        .into_iter()
        .filter(|k| site.is_none_or(|s| s.is_empty() || k.site == s))
        .map(|k| k.key())
        .collect()
}

/// The path of a kiosk's page.
pub fn kiosk_path(key: &KioskKey) -> String {
    format!("/kiosks/{}/{}", urlencode(&key.site), urlencode(&key.kiosk_id))
}

/// `?next=` after login.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only a path on this server (not `//elsewhere`, not `/\elsewhere`) may follow a login.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .unwrap_or_else(|| "/".into())
}

async fn login_page(lang: Lang, Query(next): Query<Next>) -> Markup {
    login_form(lang, &safe_next(next.next), None)
}

fn login_form(lang: Lang, next: &str, error: Option<&str>) -> Markup {
    bare(
        lang,
        lang.t("login.title"),
        html! {
            @if let Some(error) = error { (notice(Tone::Error, html! { p { (error) } })) }
            form.login method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                p {
                    label for="user" { (lang.t("login.user")) }
                    input #user name="user" autocomplete="username" required autofocus;
                }
                p {
                    label for="password" { (lang.t("login.password")) }
                    input #password name="password" type="password" autocomplete="current-password" required;
                }
                p { button type="submit" { (lang.t("login.submit")) } }
            }
        },
    )
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next);
    match auth::login(&state, &addr.ip().to_string(), &form.user, &form.password).await {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response(),
        Err(e) => {
            let (status, key) = match e {
                LoginError::TooMany => (StatusCode::TOO_MANY_REQUESTS, "login.too_many"),
                LoginError::Wrong => (StatusCode::UNAUTHORIZED, "login.wrong"),
                LoginError::Store => (StatusCode::SERVICE_UNAVAILABLE, "login.store"),
            };
            (status, login_form(lang, &next, Some(lang.t(key)))).into_response()
        }
    }
}

/// A form that only carries the CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: Option<String>,
}

/// `POST /logout` (with the CSRF token: another site cannot log people out).
async fn logout(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(e) = ctx.caller.check_csrf(form.csrf.as_deref()) {
        return PageError::auth(ctx.lang, e).into_response();
    }
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    auth::logout(&state, &parts).await;
    tracing::info!(user = %ctx.caller.name, "logged out");
    (
        [(header::SET_COOKIE, auth::session_cookie("", 0, state.config.web.secure_cookies))],
        Redirect::to("/login"),
    )
        .into_response()
}

/// `?days=` of the export.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    /// Days to export (default 30).
    #[serde(default)]
    pub days: Option<String>,
}

/// `GET /export/kpis.csv`: the daily KPIs for a logged-in person (the same file as
/// `/api/kpis.csv`, which also takes bearer tokens).
async fn export_kpis(ctx: Ctx, State(state): State<AppState>, Query(query): Query<ExportQuery>) -> Response {
    let days = query.days.as_deref().and_then(|d| d.trim().parse::<i64>().ok());
    let filter = super::api::KpiFilter { days };
    match super::api::kpis_csv(ctx.caller.clone(), State(state), Query(filter)).await {
        Ok(response) => response,
        Err(e) => PageError::store(ctx.lang, e.1).into_response(),
    }
}

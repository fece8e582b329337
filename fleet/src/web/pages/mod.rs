//! The dashboard's HTML pages (server-rendered with maud, which escapes everything it prints).

use axum::Router;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::AppState;
use super::auth::{self, LoginError, PageCaller};
use crate::model::KioskKey;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", axum::routing::post(logout))
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

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head { meta charset="utf-8"; title { (title) " — Borne" } }
            body { (body) }
        }
    }
}

async fn overview(PageCaller(caller): PageCaller, State(state): State<AppState>) -> Markup {
    layout(
        "Parc",
        html! {
            p { (caller.name) }
            table id="kiosks" {
                @for kiosk in state.fleet.list() {
                    tr data-kiosk=(format!("{}/{}", kiosk.site, kiosk.kiosk_id)) {
                        td { (kiosk.site) } td { (kiosk.kiosk_id) } td class="online" { @if kiosk.online { "en ligne" } @else { "hors ligne" } }
                    }
                }
            }
        },
    )
}

/// `?next=` after login.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

async fn login_page(Query(next): Query<Next>) -> Markup {
    login_form(next.next.as_deref().unwrap_or("/"), None)
}

fn login_form(next: &str, error: Option<&str>) -> Markup {
    layout(
        "Connexion",
        html! {
            form method="post" action="/login" {
                @if let Some(error) = error { p class="error" role="alert" { (error) } }
                input type="hidden" name="next" value=(next);
                label { "Nom " input name="user" autocomplete="username" required; }
                label { "Mot de passe " input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { "Se connecter" }
            }
        },
    )
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = form.next.filter(|n| n.starts_with('/') && !n.starts_with("//")).unwrap_or_else(|| "/".into());
    match auth::login(&state, &addr.ip().to_string(), &form.user, &form.password).await {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response(),
        Err(e) => {
            let status = match e {
                LoginError::TooMany => axum::http::StatusCode::TOO_MANY_REQUESTS,
                LoginError::Wrong => axum::http::StatusCode::UNAUTHORIZED,
                LoginError::Store => axum::http::StatusCode::SERVICE_UNAVAILABLE,
            };
            (status, login_form(&next, Some(&e.to_string()))).into_response()
        }
    }
}

async fn logout(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, _) = request.into_parts();
    auth::logout(&state, &parts).await;
    (
        [(header::SET_COOKIE, auth::session_cookie("", 0, state.config.web.secure_cookies))],
        Redirect::to("/login"),
    )
        .into_response()
}

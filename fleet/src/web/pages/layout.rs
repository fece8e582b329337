//! What every page shares: who is asking and in which language ([`Ctx`]), the frame around the
//! content (head, navigation, language switch, logout form), the hidden CSRF field, notices and
//! error pages. The stylesheet and script are separate files (`/static/…`): the
//! Content-Security-Policy forbids inline styles and scripts.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::assets;
use super::i18n::Lang;
use crate::config::Role;
use crate::web::AppState;
use crate::web::auth::{AuthError, Caller, PageCaller};

/// A logged-in page request: the caller and the language. Anonymous visitors are sent to
/// `/login`.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Who is asking.
    pub caller: Caller,
    /// The language of the answer.
    pub lang: Lang,
}

impl Ctx {
    /// The text of `key` in the page's language.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.t(key)
    }

    /// Whether the caller may send commands and change incidents (and so sees the forms).
    pub fn operator(&self) -> bool {
        self.caller.role == Role::Operator
    }

    /// Checks a form's CSRF token, then that the caller is an operator.
    pub fn may_change(&self, csrf: Option<&str>) -> Result<(), PageError> {
        self.caller.check_csrf(csrf).map_err(|e| PageError::auth(self.lang, e))?;
        self.caller.require_operator().map_err(|e| PageError::auth(self.lang, e))
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = match Lang::from_request_parts(parts, state).await {
            Ok(lang) => lang,
            Err(never) => match never {},
        };
        match PageCaller::from_request_parts(parts, state).await {
            Ok(PageCaller(caller)) => Ok(Ctx { caller, lang }),
            Err(response) if response.status() == StatusCode::SERVICE_UNAVAILABLE => {
                Err(PageError::new(lang, StatusCode::SERVICE_UNAVAILABLE, lang.t("error.store"))
                    .into_response())
            }
            Err(response) => Err(response),
        }
    }
}

/// Which navigation entry a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// `/`.
    Overview,
    /// `/actions`.
    Actions,
    /// `/questions`.
    Questions,
    /// `/incidents`.
    Incidents,
    /// `/alerts`.
    Alerts,
    /// A page outside the menu (a kiosk's).
    Other,
}

/// A page with the navigation.
pub fn page(ctx: &Ctx, nav: Nav, title: &str, body: Markup) -> Markup {
    page_refreshed(ctx, nav, title, None, body)
}

/// A page with the navigation, which `fleet.js` refreshes every `refresh_secs` when given.
pub fn page_refreshed(ctx: &Ctx, nav: Nav, title: &str, refresh_secs: Option<u32>, body: Markup) -> Markup {
    let entries = [
        (Nav::Overview, "/", "nav.overview"),
        (Nav::Actions, "/actions", "nav.actions"),
        (Nav::Questions, "/questions", "nav.questions"),
        (Nav::Incidents, "/incidents", "nav.incidents"),
        (Nav::Alerts, "/alerts", "nav.alerts"),
    ];
    let role = match ctx.caller.role {
        Role::Viewer => ctx.t("role.viewer"),
        Role::Operator => ctx.t("role.operator"),
    };
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            (head(ctx.lang, title))
            body data-refresh=[refresh_secs] {
                a.skip href="#main" { (ctx.t("nav.skip")) }
                header.top {
                    p.brand { a href="/" { (ctx.t("app.name")) } }
                    nav aria-label=(ctx.t("nav.label")) {
                        ul {
                            @for (entry, href, key) in entries {
                                @if entry != Nav::Actions || ctx.operator() {
                                    li { a href=(href) aria-current=[(entry == nav).then_some("page")] { (ctx.t(key)) } }
                                }
                            }
                            li { a href="/export/kpis.csv" download { (ctx.t("nav.export")) } }
                        }
                    }
                    div.session {
                        (lang_switch(ctx.lang))
                        p.user { (ctx.lang.f("nav.signed_in", &ctx.caller.name)) " (" (role) ")" }
                        @if ctx.caller.csrf.is_some() {
                            form.logout method="post" action="/logout" {
                                (csrf_field(ctx))
                                button type="submit" { (ctx.t("nav.logout")) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page without navigation (login, errors before login).
pub fn bare(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body.bare {
                header.top {
                    p.brand { (lang.t("app.name")) }
                    div.session { (lang_switch(lang)) }
                }
                main #main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " — " (lang.t("app.name")) }
            link rel="stylesheet" href=(assets::css_url());
            script src=(assets::js_url()) defer {}
        }
    }
}

fn lang_switch(current: Lang) -> Markup {
    html! {
        p.langs {
            span.sr-only { (current.t("nav.language")) " : " }
            @for lang in Lang::ALL {
                @if lang == current {
                    span aria-current="true" lang=(lang.code()) { (lang.name()) }
                } @else {
                    a href={ "?lang=" (lang.code()) } lang=(lang.code()) hreflang=(lang.code()) { (lang.name()) }
                }
                " "
            }
        }
    }
}

/// The hidden field that carries the session's CSRF token in every `POST` form.
pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.caller.csrf.as_deref().unwrap_or("")); }
}

/// How a notice looks (and is announced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Something worked.
    Success,
    /// Something did not.
    Error,
    /// Information.
    Info,
}

/// A message box at the top of a page; errors are announced to screen readers at once.
pub fn notice(tone: Tone, body: Markup) -> Markup {
    let (class, role) = match tone {
        Tone::Success => ("notice success", "status"),
        Tone::Error => ("notice error", "alert"),
        Tone::Info => ("notice info", "status"),
    };
    html! { div class=(class) role=(role) { (body) } }
}

/// A page that cannot be shown, as an HTML page with its status.
#[derive(Debug)]
pub struct PageError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What to tell the person.
    pub message: String,
    /// In which language.
    pub lang: Lang,
}

impl PageError {
    /// An error with its words.
    pub fn new(lang: Lang, status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), lang }
    }

    /// 404 with the message of `key`.
    pub fn not_found(lang: Lang, key: &str) -> Self {
        Self::new(lang, StatusCode::NOT_FOUND, lang.t(key))
    }

    /// A refusal of the authentication layer.
    pub fn auth(lang: Lang, error: AuthError) -> Self {
        let (status, key) = match error {
            AuthError::Csrf => (StatusCode::FORBIDDEN, "error.csrf"),
            AuthError::Forbidden => (StatusCode::FORBIDDEN, "error.forbidden"),
            AuthError::Unauthenticated => (StatusCode::UNAUTHORIZED, "error.forbidden"),
            AuthError::Store => (StatusCode::SERVICE_UNAVAILABLE, "error.store"),
        };
        Self::new(lang, status, lang.t(key))
    }

    /// The database failed (logged; the person sees a short message).
    pub fn store(lang: Lang, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "database error on a page");
        Self::new(lang, StatusCode::SERVICE_UNAVAILABLE, lang.t("error.store"))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = bare(
            self.lang,
            self.lang.t("error.title"),
            html! {
                (notice(Tone::Error, html! { p { (self.message) } }))
                p { a href="/" { (self.lang.t("common.back_overview")) } }
            },
        );
        (self.status, body).into_response()
    }
}

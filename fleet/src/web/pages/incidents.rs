//! The incidents page (`/incidents`): the problems visitors reported at the kiosks ("Signaler un
//! problème"), newest first, filtered by status, and for operators a form on each row to move
//! it from new to in progress to resolved. The change is recorded with who made it.

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::kiosk_path;
use super::layout::{Ctx, Nav, PageError, Tone, csrf_field, notice, page};
use crate::model::{INCIDENT_STATUSES, KioskKey};
use crate::web::AppState;
use crate::web::auth::urlencode;

/// `?status=&saved=`.
#[derive(Debug, Default, Deserialize)]
pub struct IncidentsQuery {
    /// Only this status (empty: all).
    #[serde(default)]
    pub status: String,
    /// The ticket just changed (to say so).
    #[serde(default)]
    pub saved: Option<String>,
}

/// `GET /incidents`.
pub async fn incidents(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(query): Query<IncidentsQuery>,
) -> Response {
    let lang = ctx.lang;
    let status = INCIDENT_STATUSES.iter().copied().find(|s| *s == query.status);
    let list = match state.store.incidents(status, 500).await {
        Ok(list) => list,
        Err(e) => return PageError::store(lang, e).into_response(),
    };
    page(
        &ctx,
        Nav::Incidents,
        lang.t("incidents.title"),
        html! {
            @if let Some(ticket) = &query.saved {
                (notice(Tone::Success, html! { p { (lang.f("incidents.saved", ticket)) } }))
            }
            form.filters method="get" action="/incidents" {
                label {
                    span { (lang.t("incidents.status")) }
                    select name="status" {
                        option value="" { (lang.t("common.all")) }
                        @for s in INCIDENT_STATUSES {
                            option value=(s) selected[Some(s) == status] { (lang.code_label("status", s)) }
                        }
                    }
                }
                " "
                button type="submit" { (lang.t("common.filter")) }
            }
            @if list.is_empty() {
                p { (lang.t("incidents.none")) }
            } @else {
                div.scroll {
                    table #incidents {
                        thead { tr {
                            th scope="col" { (lang.t("common.when")) }
                            th scope="col" { (lang.t("common.kiosk")) }
                            th scope="col" { (lang.t("incidents.ticket")) }
                            th scope="col" { (lang.t("incidents.category")) }
                            th scope="col" { (lang.t("incidents.description")) }
                            th scope="col" { (lang.t("incidents.status")) }
                            th scope="col" { (lang.t("incidents.updated")) }
                            @if ctx.operator() { th scope="col" { (lang.t("incidents.change")) } }
                        } }
                        tbody {
                            @for incident in &list {
                                @let key = KioskKey::new(&incident.site, &incident.kiosk_id);
                                tr id={ "incident-" (incident.site) "-" (incident.kiosk_id) "-" (incident.ticket) } {
                                    td { time datetime=(incident.at.to_rfc3339()) { (lang.datetime(incident.at)) } }
                                    td { a href=(kiosk_path(&key)) { (key) } }
                                    th scope="row" { (incident.ticket) }
                                    td { (lang.code_label("category", &incident.category)) }
                                    td.pre { (incident.description) }
                                    td { span class={ "status " (incident.status) } { (lang.code_label("status", &incident.status)) } }
                                    td {
                                        @if let Some(at) = incident.updated_at {
                                            (lang.datetime(at))
                                            @if let Some(by) = &incident.updated_by { " — " (by) }
                                        } @else { "—" }
                                    }
                                    @if ctx.operator() {
                                        td {
                                            form.inline method="post" action="/incidents" {
                                                (csrf_field(&ctx))
                                                input type="hidden" name="site" value=(incident.site);
                                                input type="hidden" name="kiosk_id" value=(incident.kiosk_id);
                                                input type="hidden" name="ticket" value=(incident.ticket);
                                                input type="hidden" name="back" value=(query.status);
                                                label {
                                                    span.sr-only { (lang.t("incidents.change")) " " (incident.ticket) }
                                                    select name="status" {
                                                        @for s in INCIDENT_STATUSES {
                                                            option value=(s) selected[s == incident.status] { (lang.code_label("status", s)) }
                                                        }
                                                    }
                                                }
                                                " "
                                                button type="submit" { (lang.t("incidents.save")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// The status form's fields (all optional: a missing CSRF token is a 403, not a parse error).
#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: Option<String>,
    /// The incident's site.
    #[serde(default)]
    pub site: String,
    /// The incident's kiosk.
    #[serde(default)]
    pub kiosk_id: String,
    /// Its ticket.
    #[serde(default)]
    pub ticket: String,
    /// The new status.
    #[serde(default)]
    pub status: String,
    /// The list's filter, to go back to.
    #[serde(default)]
    pub back: String,
}

/// `POST /incidents`: changes an incident's status (operators).
pub async fn set_status(ctx: Ctx, State(state): State<AppState>, Form(form): Form<StatusForm>) -> Response {
    if let Err(e) = ctx.may_change(form.csrf.as_deref()) {
        return e.into_response();
    }
    let lang = ctx.lang;
    if !INCIDENT_STATUSES.contains(&form.status.as_str()) {
        return PageError::new(lang, StatusCode::BAD_REQUEST, lang.t("error.bad_status")).into_response();
    }
    let key = KioskKey::new(&form.site, &form.kiosk_id);
    match state.store.set_incident_status(&key, &form.ticket, &form.status, &ctx.caller.name).await {
        Ok(true) => {
            tracing::info!(kiosk = %key, ticket = %form.ticket, status = %form.status, by = %ctx.caller.name, "incident status changed");
            let back = INCIDENT_STATUSES.iter().find(|s| **s == form.back).copied().unwrap_or("");
            Redirect::to(&format!("/incidents?status={back}&saved={}", urlencode(&form.ticket)))
                .into_response()
        }
        Ok(false) => PageError::not_found(lang, "error.no_incident").into_response(),
        Err(e) => PageError::store(lang, e).into_response(),
    }
}

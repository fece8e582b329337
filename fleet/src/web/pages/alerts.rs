//! The alerts page (`/alerts`): the alerts the rules engine opened and has not closed, then
//! those closed in the last seven days. This page only reads the `alerts` table; the rules that
//! fill it live elsewhere.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};

use super::i18n::Lang;
use super::kiosk_path;
use super::layout::{Ctx, Nav, PageError, page};
use crate::model::AlertView;
use crate::web::AppState;

/// `GET /alerts`.
pub async fn alerts(ctx: Ctx, State(state): State<AppState>) -> Response {
    let lang = ctx.lang;
    let all = match state.store.alerts(Utc::now() - chrono::Duration::days(7)).await {
        Ok(all) => all,
        Err(e) => return PageError::store(lang, e).into_response(),
    };
    let (open, closed): (Vec<AlertView>, Vec<AlertView>) =
        all.into_iter().partition(|a| a.resolved_at.is_none());
    page(
        &ctx,
        Nav::Alerts,
        lang.t("alerts.title"),
        html! {
            section aria-labelledby="open-h" {
                h2 #open-h { (lang.t("alerts.open")) " (" (open.len()) ")" }
                @if open.is_empty() { p { (lang.t("alerts.none_open")) } } @else { (table(lang, &open, true)) }
            }
            section aria-labelledby="closed-h" {
                h2 #closed-h { (lang.t("alerts.recent")) " (" (closed.len()) ")" }
                @if closed.is_empty() { p { (lang.t("alerts.none_recent")) } } @else { (table(lang, &closed, true)) }
            }
        },
    )
    .into_response()
}

/// A table of alerts, with a column naming the kiosk when `with_kiosk`.
pub fn table(lang: Lang, alerts: &[AlertView], with_kiosk: bool) -> Markup {
    let now = Utc::now();
    html! {
        table.alerts {
            thead { tr {
                th scope="col" { (lang.t("alerts.opened")) }
                @if with_kiosk { th scope="col" { (lang.t("common.kiosk")) } }
                th scope="col" { (lang.t("alerts.rule")) }
                th scope="col" { (lang.t("alerts.message")) }
                th scope="col" { (lang.t("alerts.resolved")) }
                th scope="col" { (lang.t("alerts.notified")) }
            } }
            tbody {
                @for alert in alerts {
                    tr.open[alert.resolved_at.is_none()] {
                        td {
                            time datetime=(alert.opened_at.to_rfc3339()) title=(lang.ago(alert.opened_at, now)) {
                                (lang.datetime(alert.opened_at))
                            }
                        }
                        @if with_kiosk {
                            @let key = crate::model::KioskKey::new(&alert.site, &alert.kiosk_id);
                            th scope="row" { a href=(kiosk_path(&key)) { (key) } }
                        }
                        td { (lang.code_label("rule", &alert.rule)) }
                        td { (alert.message) }
                        td {
                            @if let Some(at) = alert.resolved_at {
                                time datetime=(at.to_rfc3339()) { (lang.datetime(at)) }
                            } @else {
                                span.open { (lang.t("common.no")) }
                            }
                        }
                        td {
                            @if let Some(at) = alert.notified_at {
                                time datetime=(at.to_rfc3339()) { (lang.datetime(at)) }
                            } @else {
                                (lang.t("common.no"))
                            }
                        }
                    }
                }
            }
        }
    }
}

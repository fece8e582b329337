//! The unanswered questions page (`/questions`): what visitors asked that no kiosk could answer,
//! grouped by meaning across the fleet and most frequent first, so that the staff know which
//! FAQ entry to write next.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::layout::{Ctx, Nav, PageError, page};
use crate::web::AppState;
use crate::web::api::top_unanswered;

/// The periods the page offers, in days.
const PERIODS: [i64; 4] = [7, 30, 90, 365];

/// `?days=`.
#[derive(Debug, Default, Deserialize)]
pub struct QuestionsQuery {
    /// Days to look back (default 30).
    #[serde(default)]
    pub days: Option<String>,
}

/// `GET /questions`.
pub async fn questions(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(query): Query<QuestionsQuery>,
) -> Response {
    let lang = ctx.lang;
    let days = query.days.as_deref().and_then(|d| d.trim().parse::<i64>().ok()).unwrap_or(30).clamp(1, 3650);
    let groups = match top_unanswered(&state, days, 50).await {
        Ok(groups) => groups,
        Err(e) => return PageError::store(lang, e.1).into_response(),
    };
    page(
        &ctx,
        Nav::Questions,
        lang.t("questions.title"),
        html! {
            p { (lang.t("questions.intro")) }
            form.filters method="get" action="/questions" {
                label {
                    span { (lang.t("common.period")) }
                    select name="days" {
                        @for period in PERIODS {
                            option value=(period) selected[period == days] { (period) " " (lang.t("common.days").to_lowercase()) }
                        }
                    }
                }
                " "
                button type="submit" { (lang.t("common.show")) }
            }
            @if groups.is_empty() {
                p { (lang.t("questions.none")) }
            } @else {
                table #questions {
                    thead { tr {
                        th scope="col" { (lang.t("questions.count")) }
                        th scope="col" { (lang.t("questions.example")) }
                        th scope="col" { (lang.t("questions.variants")) }
                        th scope="col" { (lang.t("questions.nearest")) }
                        th scope="col" { (lang.t("questions.kiosks")) }
                    } }
                    tbody {
                        @for group in &groups {
                            tr {
                                td.num { (group.count) }
                                th scope="row" { (group.example) }
                                td {
                                    @if group.variants.is_empty() { "—" } @else {
                                        ul.variants { @for variant in group.variants.iter().take(5) { li { (variant) } } }
                                    }
                                }
                                td { @if let Some(id) = &group.nearest_id { code { (id) } } @else { "—" } }
                                td.num { (group.kiosks) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

//! The fleet overview (`/`): how many kiosks are online, offline, with a device problem, in
//! maintenance or showing a banner, and one table row per kiosk, filtered by site, state and id.
//! It reads the in-memory [`crate::state::FleetState`] only (no database query), so that it
//! renders in a few milliseconds even for a thousand kiosks; `fleet.js` refreshes it every 10
//! seconds.

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::i18n::Lang;
use super::kiosk_path;
use super::layout::{Ctx, Nav, page_refreshed};
use crate::model::KioskView;
use crate::web::AppState;

/// Printer states that need someone to go and look.
pub const PRINTER_PROBLEMS: [&str; 5] = ["paper_near_end", "paper_out", "cover_open", "offline", "unplugged"];

/// Paper states that need someone to go and look.
pub const PAPER_PROBLEMS: [&str; 2] = ["near_end", "out"];

/// Card reader states that need someone to go and look.
pub const READER_PROBLEMS: [&str; 1] = ["disconnected"];

/// Whether a kiosk reports a device that needs attention (printer, paper, card reader). A
/// device the kiosk does not have (`none`) is not a problem.
pub fn device_problem(kiosk: &KioskView) -> bool {
    PRINTER_PROBLEMS.contains(&kiosk.printer.as_str())
        || PAPER_PROBLEMS.contains(&kiosk.paper.as_str())
        || READER_PROBLEMS.contains(&kiosk.reader.as_str())
}

/// The overview's filters (`?site=&state=&q=`).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OverviewFilter {
    /// Only this site (empty: all).
    #[serde(default)]
    pub site: String,
    /// `online`, `offline`, `problem`, `maintenance`, `banner` (empty: all).
    #[serde(default)]
    pub state: String,
    /// Only kiosks whose id contains this (any case).
    #[serde(default)]
    pub q: String,
}

/// The states the filter offers, with their text keys.
const STATES: [(&str, &str); 5] = [
    ("online", "overview.online"),
    ("offline", "overview.offline"),
    ("problem", "overview.problem"),
    ("maintenance", "overview.maintenance"),
    ("banner", "overview.banner"),
];

impl OverviewFilter {
    /// Whether a kiosk passes.
    pub fn keeps(&self, kiosk: &KioskView, q_lower: &str) -> bool {
        (self.site.is_empty() || kiosk.site == self.site)
            && match self.state.as_str() {
                "online" => kiosk.online,
                "offline" => !kiosk.online,
                "problem" => device_problem(kiosk),
                "maintenance" => kiosk.maintenance,
                "banner" => kiosk.alert.is_some(),
                _ => true,
            }
            && (q_lower.is_empty() || kiosk.kiosk_id.to_lowercase().contains(q_lower))
    }

    fn link(&self, state: &str) -> String {
        let mut query = vec![];
        if !self.site.is_empty() {
            query.push(format!("site={}", crate::web::auth::urlencode(&self.site)));
        }
        if !state.is_empty() {
            query.push(format!("state={state}"));
        }
        if query.is_empty() { "/".to_string() } else { format!("/?{}", query.join("&")) }
    }
}

/// The counts at the top of the page (over the site chosen, if any).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Kiosks.
    pub total: usize,
    /// Online now.
    pub online: usize,
    /// Offline now.
    pub offline: usize,
    /// With a device problem.
    pub problem: usize,
    /// Showing the maintenance screen.
    pub maintenance: usize,
    /// Showing an alert banner.
    pub banner: usize,
}

impl Counts {
    /// Counts kiosks.
    pub fn of<'a>(kiosks: impl IntoIterator<Item = &'a KioskView>) -> Self {
        let mut counts = Counts::default();
        for kiosk in kiosks {
            counts.total += 1;
            if kiosk.online {
                counts.online += 1;
            } else {
                counts.offline += 1;
            }
            counts.problem += usize::from(device_problem(kiosk));
            counts.maintenance += usize::from(kiosk.maintenance);
            counts.banner += usize::from(kiosk.alert.is_some());
        }
        counts
    }
}

/// `GET /`.
pub async fn overview(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(filter): Query<OverviewFilter>,
) -> Markup {
    let kiosks = state.fleet.list();
    render(&ctx, &kiosks, &filter, Utc::now())
}

/// The whole overview page for these kiosks (separate from the handler to be measured).
pub fn render(ctx: &Ctx, kiosks: &[KioskView], filter: &OverviewFilter, now: DateTime<Utc>) -> Markup {
    let lang = ctx.lang;
    let sites: BTreeSet<&str> = kiosks.iter().map(|k| k.site.as_str()).collect();
    let in_site: Vec<&KioskView> =
        kiosks.iter().filter(|k| filter.site.is_empty() || k.site == filter.site).collect();
    let counts = Counts::of(in_site.iter().copied());
    let q_lower = filter.q.trim().to_lowercase();
    let shown: Vec<&KioskView> = in_site.into_iter().filter(|k| filter.keeps(k, &q_lower)).collect();
    let count_items = [
        ("", "overview.total", counts.total, "count-total"),
        ("online", "overview.online", counts.online, "count-online"),
        ("offline", "overview.offline", counts.offline, "count-offline"),
        ("problem", "overview.problem", counts.problem, "count-problem"),
        ("maintenance", "overview.maintenance", counts.maintenance, "count-maintenance"),
        ("banner", "overview.banner", counts.banner, "count-banner"),
    ];
    page_refreshed(
        ctx,
        Nav::Overview,
        lang.t("overview.title"),
        Some(10),
        html! {
            section #counts data-live aria-labelledby="counts-h" {
                h2.sr-only #counts-h { (lang.t("overview.counts")) }
                ul.counts {
                    @for (state, key, n, class) in count_items {
                        li class=(class) {
                            a href=(filter.link(state)) aria-current=[(filter.state == state).then_some("true")] {
                                span.n { (n) } " " span.what { (lang.t(key)) }
                            }
                        }
                    }
                }
            }
            form.filters method="get" action="/" role="search" {
                fieldset {
                    legend { (lang.t("overview.filters")) }
                    label {
                        span { (lang.t("common.site")) }
                        select name="site" {
                            option value="" { (lang.t("common.all")) }
                            @for site in &sites {
                                option value=(site) selected[*site == filter.site] { (site) }
                            }
                        }
                    }
                    label {
                        span { (lang.t("overview.state")) }
                        select name="state" {
                            option value="" { (lang.t("common.all")) }
                            @for (value, key) in STATES {
                                option value=(value) selected[value == filter.state] { (lang.t(key)) }
                            }
                        }
                    }
                    label {
                        span { (lang.t("overview.search")) }
                        input type="search" name="q" value=(filter.q) size="12";
                    }
                    button type="submit" { (lang.t("common.filter")) }
                    " "
                    a href="/" { (lang.t("common.reset")) }
                }
            }
            p.hint { (lang.t("overview.refresh")) }
            @if ctx.operator() {
                p { a href="/actions" { (lang.t("overview.fleet_actions")) } }
            }
            div #kiosks-box data-live {
                p.shown aria-live="polite" { (lang.f("overview.shown", shown.len())) }
                @if kiosks.is_empty() {
                    p { (lang.t("overview.no_kiosks")) }
                } @else if shown.is_empty() {
                    p { (lang.t("overview.empty")) }
                } @else {
                    div.scroll {
                        table #kiosks {
                            caption.sr-only { (lang.t("overview.caption")) }
                            thead {
                                tr {
                                    th scope="col" { (lang.t("common.site")) }
                                    th scope="col" { (lang.t("common.kiosk")) }
                                    th scope="col" { (lang.t("col.status")) }
                                    th scope="col" { (lang.t("col.last_seen")) }
                                    th scope="col" { (lang.t("col.version")) }
                                    th scope="col" { (lang.t("col.content")) }
                                    th scope="col" { (lang.t("col.printer")) }
                                    th scope="col" { (lang.t("col.paper")) }
                                    th scope="col" { (lang.t("col.reader")) }
                                    th scope="col" { (lang.t("col.banner")) }
                                    th scope="col" { (lang.t("col.maintenance")) }
                                }
                            }
                            tbody {
                                @for kiosk in &shown {
                                    (row(lang, kiosk, now))
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A device's state in words, flagged (symbol and hidden text) when it needs attention.
fn device_cell(lang: Lang, group: &str, value: &str, problems: &[&str]) -> Markup {
    let problem = problems.contains(&value);
    html! {
        td.problem[problem] {
            @if problem { span aria-hidden="true" { "⚠ " } span.sr-only { (lang.t("state.problem")) " : " } }
            (lang.code_label(group, value))
        }
    }
}

/// Online or offline, and since when, in words and symbol.
pub fn status_cell(lang: Lang, kiosk: &KioskView, now: DateTime<Utc>) -> Markup {
    let (symbol, key, class) =
        if kiosk.online { ("●", "state.online", "online") } else { ("○", "state.offline", "offline") };
    html! {
        span class={ "state " (class) } {
            span aria-hidden="true" { (symbol) " " } (lang.t(key))
        }
        @if let Some(since) = kiosk.online_since {
            " "
            time.since datetime=(since.to_rfc3339()) title=(lang.datetime(since)) {
                (lang.f("time.since", lang.duration((now - since).num_seconds())))
            }
        }
    }
}

/// When something was last heard from the kiosk.
pub fn last_seen(lang: Lang, at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Markup {
    html! {
        @if let Some(at) = at {
            time datetime=(at.to_rfc3339()) title=(lang.datetime(at)) { (lang.ago(at, now)) }
        } @else {
            (lang.t("time.never"))
        }
    }
}

/// The banner a kiosk shows: its level in words, its text, its expiry.
pub fn banner(lang: Lang, kiosk: &KioskView) -> Markup {
    html! {
        @if let Some(alert) = &kiosk.alert {
            span class={ "level " (alert.level) } { "[" (lang.code_label("level", &alert.level)) "] " }
            (alert.text)
            @if let Some(expires) = alert.expires_at {
                " " small { (lang.f("banner.until", lang.datetime(expires))) }
            }
        } @else {
            "—"
        }
    }
}

fn row(lang: Lang, kiosk: &KioskView, now: DateTime<Utc>) -> Markup {
    let problem = device_problem(kiosk);
    html! {
        tr.offline[!kiosk.online].problem[problem] data-kiosk={ (kiosk.site) "/" (kiosk.kiosk_id) } {
            td { (kiosk.site) }
            th scope="row" { a href=(kiosk_path(&kiosk.key())) { (kiosk.kiosk_id) } }
            td { (status_cell(lang, kiosk, now)) }
            td { (last_seen(lang, kiosk.last_seen, now)) }
            td { (kiosk.version) }
            td { code { (kiosk.content_version) } }
            (device_cell(lang, "printer", &kiosk.printer, &PRINTER_PROBLEMS))
            (device_cell(lang, "paper", &kiosk.paper, &PAPER_PROBLEMS))
            (device_cell(lang, "reader", &kiosk.reader, &READER_PROBLEMS))
            td { (banner(lang, kiosk)) }
            td.maintenance[kiosk.maintenance] { (lang.yes_no(kiosk.maintenance)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KioskKey;

    fn kiosk(site: &str, id: &str, online: bool, printer: &str) -> KioskView {
        let mut view = KioskView::new(&KioskKey::new(site, id));
        view.online = online;
        view.printer = printer.into();
        view
    }

    #[test]
    fn filters_and_counts_agree() {
        let kiosks = [
            kiosk("med", "b1", true, "online"),
            kiosk("med", "b2", false, "paper_out"),
            kiosk("mairie", "b1", true, "none"),
        ];
        let counts = Counts::of(&kiosks);
        assert_eq!((counts.total, counts.online, counts.offline, counts.problem), (3, 2, 1, 1));
        let filter = OverviewFilter { site: "med".into(), state: "problem".into(), q: String::new() };
        let kept: Vec<_> =
            kiosks.iter().filter(|k| filter.keeps(k, "")).map(|k| k.key().to_string()).collect();
        assert_eq!(kept, ["med/b2"]);
        let filter = OverviewFilter { state: "online".into(), ..OverviewFilter::default() };
        assert_eq!(kiosks.iter().filter(|k| filter.keeps(k, "b1")).count(), 2);
        assert_eq!(filter.link("offline"), "/?state=offline");
    }
}

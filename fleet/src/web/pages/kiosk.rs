//! One kiosk's page (`/kiosks/{site}/{kiosk_id}`): its current state, usage charts over 24
//! hours and 30 days, device and connection history, recent events, commands with their
//! replies, its alerts, and for operators the forms that send it commands. A command is sent by
//! `POST …/commands`, which waits up to 10 seconds for the reply and then redirects to the page
//! showing it (so that reloading the page does not send it again); a screenshot's picture is
//! served from the stored reply at `/commands/{id}/screenshot.png`.

use std::time::Duration;

use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Local, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::actions::{self, CommandForm};
use super::charts::{self, Bucket, Metric};
use super::i18n::Lang;
use super::kiosk_path;
use super::layout::{Ctx, Nav, PageError, Tone, notice, page};
use super::overview::{self, PAPER_PROBLEMS, PRINTER_PROBLEMS, READER_PROBLEMS};
use crate::model::{AlertView, CommandView, EventView, KioskKey, KioskView, StatusChange, UsagePoint};
use crate::web::AppState;
use crate::web::api::sum_usage;
use crate::web::auth::urlencode;

/// How long the page waits for a kiosk's reply.
pub const REPLY_WAIT: Duration = Duration::from_secs(10);

/// `?command=ID`: show this command's result at the top.
#[derive(Debug, Default, Deserialize)]
pub struct KioskQuery {
    /// A command id sent from this page.
    #[serde(default)]
    pub command: Option<String>,
}

/// `GET /kiosks/{site}/{kiosk_id}`.
pub async fn kiosk_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Path((site, kiosk_id)): Path<(String, String)>,
    Query(query): Query<KioskQuery>,
) -> Response {
    let key = KioskKey::new(site, kiosk_id);
    match render(&ctx, &state, &key, query.command.as_deref(), None).await {
        Ok(markup) => markup.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /kiosks/{site}/{kiosk_id}/commands`: sends the command of the form, waits for the
/// reply, then shows it on the kiosk's page.
pub async fn kiosk_command(
    ctx: Ctx,
    State(state): State<AppState>,
    Path((site, kiosk_id)): Path<(String, String)>,
    Form(form): Form<CommandForm>,
) -> Response {
    if let Err(e) = ctx.may_change(form.csrf.as_deref()) {
        return e.into_response();
    }
    let key = KioskKey::new(site, kiosk_id);
    if state.fleet.get(&key).is_none() {
        return PageError::not_found(ctx.lang, "error.no_kiosk").into_response();
    }
    let (name, args) = match actions::command_args(&form, Utc::now()) {
        Ok(command) => command,
        Err(text_key) => {
            return refused(&ctx, &state, &key, StatusCode::BAD_REQUEST, ctx.t(text_key).to_string()).await;
        }
    };
    let sent = match state.hub.send(&key, name, args, &ctx.caller.name).await {
        Ok(sent) => sent,
        Err(e) => {
            let (status, message) = actions::send_error(ctx.lang, &e);
            return refused(&ctx, &state, &key, status, message).await;
        }
    };
    // The reply is stored by the ingest whether or not it comes in time; the page reads it back.
    let _ = state.hub.wait(&sent.id, REPLY_WAIT).await;
    Redirect::to(&format!("{}?command={}#result", kiosk_path(&key), urlencode(&sent.id))).into_response()
}

async fn refused(
    ctx: &Ctx,
    state: &AppState,
    key: &KioskKey,
    status: StatusCode,
    message: String,
) -> Response {
    let box_ = notice(Tone::Error, html! { p { (message) } });
    match render(ctx, state, key, None, Some(box_)).await {
        Ok(markup) => (status, markup).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /commands/{id}/screenshot.png`: the picture of a screenshot reply.
pub async fn screenshot(ctx: Ctx, State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let command = match state.store.command(&id).await {
        Ok(command) => command,
        Err(e) => return PageError::store(ctx.lang, e).into_response(),
    };
    let picture = command
        .as_ref()
        .and_then(|c| c.reply.as_ref())
        .and_then(|r| r.get("png_base64"))
        .and_then(Value::as_str)
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .filter(|png| png.starts_with(b"\x89PNG\r\n\x1a\n"));
    match picture {
        Some(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "private, max-age=86400"),
                (header::CONTENT_DISPOSITION, "inline; filename=\"screenshot.png\""),
            ],
            png,
        )
            .into_response(),
        None => PageError::not_found(ctx.lang, "error.no_screenshot").into_response(),
    }
}

struct History {
    usage: Vec<UsagePoint>,
    devices: Vec<EventView>,
    statuses: Vec<StatusChange>,
    events: Vec<EventView>,
    commands: Vec<CommandView>,
    alerts: Vec<AlertView>,
    result: Option<CommandView>,
}

async fn history(
    state: &AppState,
    key: &KioskKey,
    result_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<History, crate::store::StoreError> {
    let store = &state.store;
    let (usage, devices, statuses, events, commands, alerts) = tokio::try_join!(
        store.usage(key, now - chrono::Duration::days(31)),
        store.events(key, &["device_state"], 30),
        store.status_history(key, 30),
        store.events(key, &[], 30),
        store.commands(key, 20),
        store.alerts(now - chrono::Duration::days(7)),
    )?;
    let result = match result_id {
        Some(id) => store.command(id).await?.filter(|c| c.site == key.site && c.kiosk_id == key.kiosk_id),
        None => None,
    };
    let alerts = alerts.into_iter().filter(|a| a.site == key.site && a.kiosk_id == key.kiosk_id).collect();
    Ok(History { usage, devices, statuses, events, commands, alerts, result })
}

/// The page, with a notice on top when given.
async fn render(
    ctx: &Ctx,
    state: &AppState,
    key: &KioskKey,
    result_id: Option<&str>,
    before: Option<Markup>,
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let view = state.fleet.get(key).ok_or_else(|| PageError::not_found(lang, "error.no_kiosk"))?;
    let now = Utc::now();
    let h = history(state, key, result_id, now).await.map_err(|e| PageError::store(lang, e))?;
    let hourly = charts::hourly(&h.usage, now, &Local);
    let daily = charts::daily(&h.usage, now, &Local, 30);
    let title = lang.f("kiosk.title", key);
    Ok(page(
        ctx,
        Nav::Other,
        &title,
        html! {
            @if let Some(before) = before { (before) }
            @if result_id.is_some() { (result_box(lang, h.result.as_ref())) }
            (summary(lang, &view, now))
            @if ctx.operator() { (actions::kiosk_forms(ctx, &view)) }
            section aria-labelledby="usage-h" {
                h2 #usage-h { (lang.t("kiosk.usage")) }
                (totals(lang, &hourly, &daily))
                h3 { (lang.t("kiosk.usage_24h")) }
                div.charts {
                    @for metric in Metric::ALL {
                        (charts::bar_chart(lang, &format!("h-{}", metric.slug()), metric, &hourly, 3))
                    }
                }
                h3 { (lang.t("kiosk.usage_30d")) }
                div.charts {
                    @for metric in Metric::ALL {
                        (charts::bar_chart(lang, &format!("d-{}", metric.slug()), metric, &daily, 5))
                    }
                }
            }
            (device_history(lang, &h.devices, &h.statuses))
            (recent_events(lang, &h.events))
            (recent_commands(lang, &h.commands))
            (kiosk_alerts(lang, &h.alerts))
            p { a href="/" { (lang.t("common.back_overview")) } }
        },
    ))
}

fn result_box(lang: Lang, command: Option<&CommandView>) -> Markup {
    let Some(command) = command else { return html! {} };
    let tone = match command.ok {
        Some(true) => Tone::Success,
        Some(false) => Tone::Error,
        None => Tone::Info,
    };
    let label = lang.code_label("cmd", &command.command);
    html! {
        div #result {
            (notice(tone, html! {
                h2 { (lang.t("kiosk.result")) " : " (label) }
                (actions::reply_details(lang, command))
                @if command.reply.is_none() { p { (lang.t("reply.none_in_time")) } }
            }))
        }
    }
}

fn bytes(lang: Lang, value: Option<u64>) -> String {
    match value {
        None => "—".to_string(),
        Some(b) if b >= 1 << 30 => format!("{:.1} {}", b as f64 / f64::from(1u32 << 30), lang.t("unit.gb")),
        Some(b) => format!("{:.0} {}", b as f64 / f64::from(1u32 << 20), lang.t("unit.mb")),
    }
}

fn device_value(lang: Lang, group: &str, value: &str, problems: &[&str]) -> Markup {
    let problem = problems.contains(&value);
    html! {
        span.problem[problem] {
            @if problem { span aria-hidden="true" { "⚠ " } span.sr-only { (lang.t("state.problem")) " : " } }
            (lang.code_label(group, value))
        }
    }
}

fn summary(lang: Lang, view: &KioskView, now: DateTime<Utc>) -> Markup {
    html! {
        section aria-labelledby="summary-h" {
            h2 #summary-h { (lang.t("kiosk.summary")) }
            dl.summary {
                dt { (lang.t("col.status")) } dd { (overview::status_cell(lang, view, now)) }
                dt { (lang.t("col.last_seen")) } dd { (overview::last_seen(lang, view.last_seen, now)) }
                dt { (lang.t("col.version")) } dd { (view.version) }
                dt { (lang.t("col.content")) } dd { code { (view.content_version) } }
                dt { (lang.t("col.printer")) } dd { (device_value(lang, "printer", &view.printer, &PRINTER_PROBLEMS)) }
                dt { (lang.t("col.paper")) } dd { (device_value(lang, "paper", &view.paper, &PAPER_PROBLEMS)) }
                dt { (lang.t("col.reader")) } dd { (device_value(lang, "reader", &view.reader, &READER_PROBLEMS)) }
                dt { (lang.t("kiosk.screen")) } dd { (lang.code_label("screen", &view.screen)) }
                dt { (lang.t("col.banner")) } dd { (overview::banner(lang, view)) }
                dt { (lang.t("col.maintenance")) } dd { (lang.yes_no(view.maintenance)) }
                dt { (lang.t("kiosk.started")) }
                dd { @if let Some(at) = view.started_at { (lang.datetime(at)) } @else { "—" } }
                dt { (lang.t("kiosk.uptime")) }
                dd { @if let Some(secs) = view.uptime_secs { (lang.duration(i64::try_from(secs).unwrap_or(i64::MAX))) } @else { "—" } }
                dt { (lang.t("kiosk.memory")) } dd { (bytes(lang, view.memory_rss_bytes)) }
                dt { (lang.t("kiosk.disk")) } dd { (bytes(lang, view.disk_free_bytes)) }
                dt { (lang.t("kiosk.spool")) }
                dd { @if let Some(n) = view.spool_depth { (n) } @else { "—" } }
            }
        }
    }
}

fn totals(lang: Lang, hourly: &[Bucket], daily: &[Bucket]) -> Markup {
    let sum = |buckets: &[Bucket]| sum_usage(&buckets.iter().map(|b| b.usage.clone()).collect::<Vec<_>>());
    let (day, month) = (sum(hourly), sum(daily));
    html! {
        table.totals {
            caption { (lang.t("kiosk.totals")) }
            thead { tr {
                td {}
                th scope="col" { (lang.t("kiosk.usage_24h")) }
                th scope="col" { (lang.t("kiosk.usage_30d")) }
            } }
            tbody {
                @for metric in Metric::ALL {
                    tr {
                        th scope="row" { (lang.t(metric.key())) }
                        td { (metric.show(lang, metric.value(&day))) }
                        td { (metric.show(lang, metric.value(&month))) }
                    }
                }
            }
        }
    }
}

fn text_field<'a>(body: &'a Value, field: &str) -> &'a str {
    body.get(field).and_then(Value::as_str).unwrap_or("")
}

fn device_history(lang: Lang, devices: &[EventView], statuses: &[StatusChange]) -> Markup {
    enum Row<'a> {
        Device(&'a EventView),
        Status(&'a StatusChange),
    }
    let mut rows: Vec<(DateTime<Utc>, Row)> = devices
        .iter()
        .map(|e| (e.at, Row::Device(e)))
        .chain(statuses.iter().map(|s| (s.at, Row::Status(s))))
        .collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    rows.truncate(40);
    html! {
        section aria-labelledby="devices-h" {
            h2 #devices-h { (lang.t("kiosk.devices")) }
            @if rows.is_empty() {
                p { (lang.t("kiosk.none")) }
            } @else {
                table #device-history {
                    thead { tr {
                        th scope="col" { (lang.t("common.when")) }
                        th scope="col" { (lang.t("kiosk.device")) }
                        th scope="col" { (lang.t("kiosk.state")) }
                        th scope="col" { (lang.t("common.details")) }
                    } }
                    tbody {
                        @for (at, row) in &rows {
                            tr {
                                td { time datetime=(at.to_rfc3339()) { (lang.datetime(*at)) } }
                                @match row {
                                    Row::Device(event) => {
                                        @let device = text_field(&event.body, "device");
                                        td { (lang.code_label("device", device)) }
                                        td { (lang.code_label(device, text_field(&event.body, "state"))) }
                                        td { (text_field(&event.body, "detail")) }
                                    }
                                    Row::Status(change) => {
                                        td { (lang.t("kiosk.connection")) }
                                        td { (lang.t(if change.online { "state.online" } else { "state.offline" })) }
                                        td { (change.version) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An event's fields other than its envelope, as `name: value` pairs.
pub fn event_fields(body: &Value) -> String {
    let Some(fields) = body.as_object() else { return String::new() };
    fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "seq" | "at" | "kiosk_id" | "type"))
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}: {s}"),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

fn recent_events(lang: Lang, events: &[EventView]) -> Markup {
    html! {
        section aria-labelledby="events-h" {
            h2 #events-h { (lang.t("kiosk.events")) }
            @if events.is_empty() {
                p { (lang.t("kiosk.none")) }
            } @else {
                table #events {
                    thead { tr {
                        th scope="col" { (lang.t("common.when")) }
                        th scope="col" { (lang.t("kiosk.event_type")) }
                        th scope="col" { (lang.t("common.details")) }
                    } }
                    tbody {
                        @for event in events {
                            tr {
                                td { time datetime=(event.at.to_rfc3339()) { (lang.datetime(event.at)) } }
                                td { (lang.code_label("event", &event.kind)) }
                                td.pre { (event_fields(&event.body)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn args_text(args: &Value) -> String {
    match args.as_object() {
        Some(map) if !map.is_empty() => event_fields(args),
        _ => String::new(),
    }
}

fn recent_commands(lang: Lang, commands: &[CommandView]) -> Markup {
    html! {
        section aria-labelledby="commands-h" {
            h2 #commands-h { (lang.t("kiosk.commands")) }
            @if commands.is_empty() {
                p { (lang.t("kiosk.none")) }
            } @else {
                table #commands {
                    thead { tr {
                        th scope="col" { (lang.t("common.when")) }
                        th scope="col" { (lang.t("kiosk.command")) }
                        th scope="col" { (lang.t("common.by")) }
                        th scope="col" { (lang.t("kiosk.reply")) }
                    } }
                    tbody {
                        @for command in commands {
                            tr id={ "command-" (command.id) } {
                                td { time datetime=(command.sent_at.to_rfc3339()) { (lang.datetime(command.sent_at)) } }
                                td {
                                    (lang.code_label("cmd", &command.command))
                                    @let args = args_text(&command.args);
                                    @if !args.is_empty() { br; small { (args) } }
                                }
                                td { (command.sent_by) }
                                td { (actions::reply_details(lang, command)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn kiosk_alerts(lang: Lang, alerts: &[AlertView]) -> Markup {
    html! {
        section aria-labelledby="kiosk-alerts-h" {
            h2 #kiosk-alerts-h { (lang.t("kiosk.alerts")) }
            @if alerts.is_empty() {
                p { (lang.t("kiosk.none")) }
            } @else {
                (super::alerts::table(lang, alerts, false))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_fields_leave_out_the_envelope() {
        let body = serde_json::json!({"seq": 3, "at": "x", "kiosk_id": "b1", "type": "device_state",
                                      "device": "reader", "state": "connected", "detail": null});
        let text = event_fields(&body);
        for part in ["detail: null", "device: reader", "state: connected"] {
            assert!(text.contains(part), "{text}");
        }
        assert!(!text.contains("seq") && !text.contains("kiosk_id") && !text.contains("type"), "{text}");
    }
}

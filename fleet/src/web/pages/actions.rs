//! Commands from the dashboard: the forms an operator uses to send a kiosk an alert banner, the
//! maintenance screen, a content reload, a test print, a restart, a screenshot request or a ping,
//! the checks on what they typed (before anything goes to a kiosk), the display of the kiosks'
//! replies, and the fleet-wide page (`/actions`) that sends a banner or maintenance to one kiosk,
//! a site or every kiosk at once. Viewers never see these forms, and every `POST` carries the
//! session's CSRF token.

use std::collections::BTreeSet;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::i18n::Lang;
use super::layout::{Ctx, Nav, PageError, Tone, csrf_field, notice, page};
use super::{kiosk_path, targets};
use crate::commands::CommandError;
use crate::model::{CommandView, KioskKey, KioskView};
use crate::web::AppState;
use crate::web::api::{self, ApiError};

/// Longest banner text or maintenance message a kiosk accepts, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// The banner levels, mildest first.
pub const LEVELS: [&str; 3] = ["info", "warning", "urgent"];

/// What the per-kiosk forms can ask (the form's `command`), in the order of the buttons.
pub const KIOSK_COMMANDS: [&str; 9] = [
    "alert",
    "alert-clear",
    "maintenance-on",
    "maintenance-off",
    "reload-content",
    "print-test",
    "screenshot",
    "ping",
    "restart",
];

/// What the fleet-wide form can ask.
pub const FLEET_COMMANDS: [&str; 4] = ["alert", "alert-clear", "maintenance-on", "maintenance-off"];

/// The fields of a command form. Every field is optional, so that a form without its CSRF token
/// is refused as such (403) and a bad value gets a message rather than a parse error.
#[derive(Debug, Default, Deserialize)]
pub struct CommandForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: Option<String>,
    /// One of [`KIOSK_COMMANDS`] (the button pressed).
    #[serde(default)]
    pub command: String,
    /// The banner's text.
    #[serde(default)]
    pub text: String,
    /// The banner's level.
    #[serde(default)]
    pub level: String,
    /// When the banner goes away: `YYYY-MM-DDTHH:MM` in the server's time zone, or RFC 3339.
    #[serde(default)]
    pub expires: String,
    /// The maintenance screen's message.
    #[serde(default)]
    pub message: String,
    /// Fleet-wide: `all`, `site` or `kiosk`.
    #[serde(default)]
    pub scope: String,
    /// Fleet-wide: the site, when `scope` is `site`.
    #[serde(default)]
    pub site: String,
    /// Fleet-wide: `site/kiosk_id`, when `scope` is `kiosk`.
    #[serde(default)]
    pub kiosk: String,
}

fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string()
}

/// Reads an expiry typed in a `datetime-local` field (server time) or as RFC 3339.
pub fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .and_then(|naive| Local.from_local_datetime(&naive).earliest())
        .map(|at| at.with_timezone(&Utc))
}

/// The MQTT command and arguments a form asks for, or the text key of what is wrong with it.
pub fn command_args(
    form: &CommandForm,
    now: DateTime<Utc>,
) -> Result<(&'static str, Map<String, Value>), &'static str> {
    let mut args = Map::new();
    let name = match form.command.as_str() {
        "alert" => {
            let text = clean(&form.text);
            if text.is_empty() {
                return Err("error.text_required");
            }
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err("error.text_too_long");
            }
            let level = if form.level.is_empty() { "info" } else { form.level.as_str() };
            if !LEVELS.contains(&level) {
                return Err("error.bad_level");
            }
            args.insert("text".into(), Value::String(text));
            args.insert("level".into(), Value::String(level.to_string()));
            if !form.expires.trim().is_empty() {
                let at = parse_expiry(&form.expires).filter(|at| *at > now).ok_or("error.bad_expiry")?;
                args.insert("expires_at".into(), Value::String(at.to_rfc3339()));
            }
            "alert"
        }
        "alert-clear" => {
            args.insert("clear".into(), Value::Bool(true));
            "alert"
        }
        "maintenance-on" => {
            let message = clean(&form.message);
            if message.chars().count() > MAX_TEXT_CHARS {
                return Err("error.message_too_long");
            }
            args.insert("on".into(), Value::Bool(true));
            if !message.is_empty() {
                args.insert("message".into(), Value::String(message));
            }
            "maintenance"
        }
        "maintenance-off" => {
            args.insert("on".into(), Value::Bool(false));
            "maintenance"
        }
        "reload-content" => "reload-content",
        "print-test" => "print-test",
        "screenshot" => "screenshot",
        "ping" => "ping",
        "restart" => "restart",
        _ => return Err("error.unknown_command"),
    };
    Ok((name, args))
}

/// A command that could not be sent, as a status and words.
pub fn send_error(lang: Lang, error: &CommandError) -> (StatusCode, String) {
    match error {
        CommandError::NoBroker => (StatusCode::SERVICE_UNAVAILABLE, lang.t("error.no_broker").to_string()),
        CommandError::Unknown(_) => (StatusCode::BAD_REQUEST, lang.t("error.unknown_command").to_string()),
        CommandError::Topic(e) => (StatusCode::BAD_REQUEST, lang.f("error.publish", e)),
        CommandError::Publish(e) => (StatusCode::SERVICE_UNAVAILABLE, lang.f("error.publish", e)),
        CommandError::Store(e) => {
            tracing::error!(error = %e, "cannot record a command");
            (StatusCode::SERVICE_UNAVAILABLE, lang.t("error.store").to_string())
        }
    }
}

fn banner_fields(lang: Lang) -> Markup {
    html! {
        p {
            label {
                span { (lang.t("form.text")) }
                input type="text" name="text" maxlength=(MAX_TEXT_CHARS) size="50";
            }
        }
        p {
            label {
                span { (lang.t("form.level")) }
                select name="level" {
                    @for level in LEVELS {
                        option value=(level) { (lang.code_label("level", level)) }
                    }
                }
            }
        }
        p {
            label {
                span { (lang.t("form.expires")) }
                input type="datetime-local" name="expires";
            }
        }
    }
}

fn maintenance_fields(lang: Lang) -> Markup {
    html! {
        p {
            label {
                span { (lang.t("form.message")) }
                input type="text" name="message" maxlength=(MAX_TEXT_CHARS) size="50";
            }
        }
    }
}

fn command_button(lang: Lang, command: &str, label_key: &str) -> Markup {
    html! { button type="submit" name="command" value=(command) { (lang.t(label_key)) } }
}

/// One of a kiosk's action forms: the CSRF token, a fieldset with its legend and fields, and the
/// "waiting for the kiosk" line the script shows once it is sent.
fn command_form(ctx: &Ctx, action: &str, legend_key: &str, fields: Markup) -> Markup {
    let lang = ctx.lang;
    html! {
        form method="post" action=(action) data-wait {
            (csrf_field(ctx))
            fieldset {
                legend { (lang.t(legend_key)) }
                (fields)
            }
            p.wait hidden { (lang.t("form.wait")) }
        }
    }
}

/// The action forms of one kiosk's page (operators only: the caller checks).
pub fn kiosk_forms(ctx: &Ctx, view: &KioskView) -> Markup {
    let lang = ctx.lang;
    let action = format!("{}/commands", kiosk_path(&view.key()));
    let banner = html! {
        (banner_fields(lang))
        p.buttons {
            (command_button(lang, "alert", "form.show_banner"))
            " "
            (command_button(lang, "alert-clear", "form.clear_banner"))
        }
    };
    let maintenance = html! {
        (maintenance_fields(lang))
        p.buttons {
            (command_button(lang, "maintenance-on", "form.maintenance_on"))
            " "
            (command_button(lang, "maintenance-off", "form.maintenance_off"))
        }
    };
    let other = html! {
        p.buttons {
            @for command in ["reload-content", "print-test", "screenshot", "ping"] {
                (command_button(lang, command, &format!("cmd.{command}"))) " "
            }
            button type="submit" name="command" value="restart" data-confirm=(lang.t("form.confirm_restart")) {
                (lang.t("cmd.restart"))
            }
        }
    };
    html! {
        section.actions aria-labelledby="actions-h" {
            h2 #actions-h { (lang.t("kiosk.actions")) }
            div.forms {
                (command_form(ctx, &action, "form.banner", banner))
                (command_form(ctx, &action, "form.maintenance", maintenance))
                (command_form(ctx, &action, "form.other", other))
            }
        }
    }
}

/// Whether a reply is a success, in words and symbol (never by colour alone).
pub fn reply_summary(lang: Lang, reply: Option<&Value>) -> Markup {
    let ok = reply.and_then(|r| r.get("ok")).and_then(Value::as_bool);
    let error = reply.and_then(|r| r.get("error")).and_then(Value::as_str);
    html! {
        @match (reply, ok) {
            (None, _) => { span.reply.waiting { (lang.t("reply.waiting")) } }
            (Some(_), Some(true)) => { span.reply.ok { (lang.t("reply.ok")) } }
            (Some(_), _) => {
                span.reply.failed { (lang.t("reply.failed")) }
                @if let Some(error) = error { " : " span.reason { (error) } }
            }
        }
    }
}

/// The URL of a command's screenshot, when its reply carries one.
pub fn screenshot_url(command: &CommandView) -> Option<String> {
    command
        .reply
        .as_ref()
        .and_then(|r| r.get("png_base64"))
        .and_then(Value::as_str)
        .map(|_| format!("/commands/{}/screenshot.png", command.id))
}

/// A command's reply: the summary, the screenshot if any, the reply's fields on demand.
pub fn reply_details(lang: Lang, command: &CommandView) -> Markup {
    let picture = screenshot_url(command);
    let shown = api::without_picture(command.clone());
    let pretty = shown.reply.as_ref().and_then(|r| serde_json::to_string_pretty(r).ok());
    html! {
        (reply_summary(lang, command.reply.as_ref()))
        @if let Some(url) = picture {
            p.screenshot {
                a href=(url) {
                    img src=(url) alt=(lang.f("reply.screenshot", format!("{}/{}", command.site, command.kiosk_id)));
                }
            }
        }
        @if let Some(pretty) = pretty {
            details { summary { (lang.t("common.details")) } pre { (pretty) } }
        }
    }
}

fn sites(kiosks: &[KioskView]) -> BTreeSet<&str> {
    kiosks.iter().map(|k| k.site.as_str()).collect()
}

fn fleet_form(ctx: &Ctx, kiosks: &[KioskView], form: &CommandForm) -> Markup {
    let lang = ctx.lang;
    let scope = if form.scope.is_empty() { "all" } else { form.scope.as_str() };
    html! {
        form.fleet method="post" action="/actions" data-wait data-confirm=(lang.t("form.confirm_fleet")) {
            (csrf_field(ctx))
            fieldset {
                legend { (lang.t("actions.target")) }
                p {
                    label { input type="radio" name="scope" value="all" checked[scope == "all"]; " " (lang.t("actions.scope_all")) }
                }
                p {
                    label { input type="radio" name="scope" value="site" checked[scope == "site"]; " " (lang.t("actions.scope_site")) }
                    " "
                    label {
                        span.sr-only { (lang.t("common.site")) }
                        select name="site" {
                            @for site in sites(kiosks) {
                                option value=(site) selected[site == form.site] { (site) }
                            }
                        }
                    }
                }
                p {
                    label { input type="radio" name="scope" value="kiosk" checked[scope == "kiosk"]; " " (lang.t("actions.scope_kiosk")) }
                    " "
                    label {
                        span.sr-only { (lang.t("common.kiosk")) }
                        select name="kiosk" {
                            @for kiosk in kiosks {
                                @let key = kiosk.key().to_string();
                                option value=(key) selected[key == form.kiosk] { (key) }
                            }
                        }
                    }
                }
            }
            fieldset {
                legend { (lang.t("form.banner")) }
                (banner_fields(lang))
                p.buttons {
                    (command_button(lang, "alert", "form.show_banner"))
                    " "
                    (command_button(lang, "alert-clear", "form.clear_banner"))
                }
            }
            fieldset {
                legend { (lang.t("form.maintenance")) }
                (maintenance_fields(lang))
                p.buttons {
                    (command_button(lang, "maintenance-on", "form.maintenance_on"))
                    " "
                    (command_button(lang, "maintenance-off", "form.maintenance_off"))
                }
            }
            p.wait hidden { (lang.t("form.wait")) }
        }
    }
}

fn fleet_page(ctx: &Ctx, state: &AppState, form: &CommandForm, before: Markup) -> Markup {
    let kiosks = state.fleet.list();
    page(
        ctx,
        Nav::Actions,
        ctx.t("actions.title"),
        html! {
            (before)
            p { (ctx.t("actions.intro")) }
            (fleet_form(ctx, &kiosks, form))
        },
    )
}

/// `GET /actions`: the fleet-wide form (operators only).
pub async fn fleet_actions(ctx: Ctx, State(state): State<AppState>) -> Response {
    if !ctx.operator() {
        return PageError::auth(ctx.lang, crate::web::auth::AuthError::Forbidden).into_response();
    }
    fleet_page(&ctx, &state, &CommandForm::default(), html! {}).into_response()
}

/// `POST /actions`: sends a banner or maintenance to the chosen kiosks and shows their replies.
pub async fn fleet_submit(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<CommandForm>,
) -> Response {
    if let Err(e) = ctx.may_change(form.csrf.as_deref()) {
        return e.into_response();
    }
    let lang = ctx.lang;
    let refuse = |status: StatusCode, message: String| {
        let box_ = notice(Tone::Error, html! { p { (message) } });
        (status, fleet_page(&ctx, &state, &form, box_)).into_response()
    };
    if !FLEET_COMMANDS.contains(&form.command.as_str()) {
        return refuse(StatusCode::BAD_REQUEST, lang.t("error.unknown_command").into());
    }
    let (name, args) = match command_args(&form, Utc::now()) {
        Ok(command) => command,
        Err(key) => return refuse(StatusCode::BAD_REQUEST, lang.t(key).into()),
    };
    let chosen: Vec<KioskKey> = match form.scope.as_str() {
        "site" if !form.site.is_empty() => targets(&state, Some(&form.site), &[]),
        "kiosk" => targets(&state, None, std::slice::from_ref(&form.kiosk))
            .into_iter()
            .filter(|key| state.fleet.get(key).is_some())
            .collect(),
        "all" | "" => targets(&state, None, &[]),
        _ => Vec::new(),
    };
    if chosen.is_empty() {
        return refuse(StatusCode::BAD_REQUEST, lang.t("error.no_target").into());
    }
    let results = match api::send_to_all(&state, &chosen, name, &args, 10, &ctx.caller.name).await {
        Ok(results) => results,
        Err(ApiError(status, message)) => {
            let message = if status == StatusCode::SERVICE_UNAVAILABLE && message.contains("broker") {
                lang.t("error.no_broker").to_string()
            } else {
                lang.f("error.publish", message)
            };
            return refuse(status, message);
        }
    };
    let command_label = lang.t(&format!("cmd.{}", form.command)).to_string();
    let report = html! {
        (notice(Tone::Success, html! {
            p { (lang.f("reply.sent", &command_label)) " " (lang.f("actions.summary", results.len())) }
        }))
        section aria-labelledby="results-h" {
            h2 #results-h { (lang.t("actions.results")) }
            table.results {
                thead { tr {
                    th scope="col" { (lang.t("common.kiosk")) }
                    th scope="col" { (lang.t("kiosk.reply")) }
                } }
                tbody {
                    @for result in &results {
                        @let key = KioskKey::new(&result.site, &result.kiosk_id);
                        tr {
                            th scope="row" { a href=(kiosk_path(&key)) { (key) } }
                            td { (reply_summary(lang, result.reply.as_ref())) }
                        }
                    }
                }
            }
        }
    };
    fleet_page(&ctx, &state, &form, report).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(command: &str) -> CommandForm {
        CommandForm { command: command.into(), ..CommandForm::default() }
    }

    #[test]
    fn a_banner_needs_text_a_known_level_and_a_future_expiry() {
        let now: DateTime<Utc> = "2026-11-29T10:00:00Z".parse().expect("now");
        assert_eq!(command_args(&form("alert"), now), Err("error.text_required"));
        let mut banner = form("alert");
        banner.text = "  Coupure d'eau\u{7} ce soir ".into();
        let (name, args) = command_args(&banner, now).expect("banner");
        assert_eq!(name, "alert");
        assert_eq!(args["text"], "Coupure d'eau ce soir");
        assert_eq!(args["level"], "info");
        assert!(args.get("expires_at").is_none());
        banner.level = "urgent".into();
        banner.expires = "2026-11-29T18:00:00+01:00".into();
        let (_, args) = command_args(&banner, now).expect("banner with expiry");
        assert_eq!(
            (args["level"].as_str(), args["expires_at"].as_str()),
            (Some("urgent"), Some("2026-11-29T17:00:00+00:00"))
        );
        banner.expires = "2020-01-01T00:00".into();
        assert_eq!(command_args(&banner, now), Err("error.bad_expiry"));
        banner.expires = "tomorrow".into();
        assert_eq!(command_args(&banner, now), Err("error.bad_expiry"));
        banner.expires.clear();
        banner.level = "apocalyptic".into();
        assert_eq!(command_args(&banner, now), Err("error.bad_level"));
        banner.level.clear();
        banner.text = "x".repeat(201);
        assert_eq!(command_args(&banner, now), Err("error.text_too_long"));
    }

    #[test]
    fn the_other_commands_map_to_the_kiosk_commands() {
        let now = Utc::now();
        let (name, args) = command_args(&form("alert-clear"), now).expect("clear");
        assert_eq!((name, args["clear"].as_bool()), ("alert", Some(true)));
        let mut on = form("maintenance-on");
        on.message = "Retour à 14 h".into();
        let (name, args) = command_args(&on, now).expect("on");
        assert_eq!(
            (name, args["on"].as_bool(), args["message"].as_str()),
            ("maintenance", Some(true), Some("Retour à 14 h"))
        );
        let (_, args) = command_args(&form("maintenance-off"), now).expect("off");
        assert_eq!((args["on"].as_bool(), args.get("message")), (Some(false), None));
        for plain in ["reload-content", "print-test", "screenshot", "ping", "restart"] {
            let (name, args) = command_args(&form(plain), now).expect(plain);
            assert_eq!((name, args.len()), (plain, 0));
            assert!(borne_telemetry::messages::COMMAND_NAMES.contains(&name));
        }
        assert_eq!(command_args(&form("format-disk"), now), Err("error.unknown_command"));
        for command in KIOSK_COMMANDS {
            assert!(
                command_args(&form(command), now).is_ok() || command == "alert",
                "{command} is offered but refused"
            );
        }
    }
}

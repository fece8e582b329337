//! The JSON API (`/api/…`), which outside tools rely on, and its OpenAPI description
//! (`/api/openapi.json`, generated from these handlers by utoipa). Reading needs a viewer
//! (session or bearer token); sending commands needs an operator, and a session's CSRF token in
//! the `X-CSRF-Token` header.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::AppState;
use super::auth::{CSRF_HEADER, Caller};
use crate::commands::CommandError;
use crate::model::{
    AlertView, CommandView, EventView, IncidentView, KioskKey, KioskView, StatusChange, UsagePoint,
};

/// An API failure, as JSON `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({"error": self.1}))).into_response()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "database error");
        ApiError(StatusCode::SERVICE_UNAVAILABLE, "database unavailable".into())
    }
}

impl From<super::auth::AuthError> for ApiError {
    fn from(e: super::auth::AuthError) -> Self {
        let status = match e {
            super::auth::AuthError::Unauthenticated => StatusCode::UNAUTHORIZED,
            super::auth::AuthError::Store => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::FORBIDDEN,
        };
        ApiError(status, e.to_string())
    }
}

impl From<CommandError> for ApiError {
    fn from(e: CommandError) -> Self {
        let status = match e {
            CommandError::Unknown(_) | CommandError::Topic(_) => StatusCode::BAD_REQUEST,
            CommandError::NoBroker | CommandError::Publish(_) => StatusCode::SERVICE_UNAVAILABLE,
            CommandError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError(status, e.to_string())
    }
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer.
    pub status: String,
    /// Whether the database answers.
    pub database: bool,
    /// Whether the MQTT session is up.
    pub broker_connected: bool,
    /// Kiosks known.
    pub kiosks: usize,
    /// `sqlite` or `postgres`.
    pub backend: String,
}

/// Liveness and readiness, without authentication.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let database = state.store.ping().await;
    let health = Health {
        status: if database { "ok" } else { "degraded" }.into(),
        database,
        broker_connected: state.ingest.connected.load(std::sync::atomic::Ordering::Relaxed) == 1,
        kiosks: state.fleet.list().len(),
        backend: state.store.backend().into(),
    };
    let status = if database { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(health)).into_response()
}

/// Filters of `GET /api/kiosks`.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct KioskFilter {
    /// Only this site.
    pub site: Option<String>,
    /// Only online (`true`) or offline (`false`) kiosks.
    pub online: Option<bool>,
}

/// Every kiosk's current state.
#[utoipa::path(get, path = "/api/kiosks", params(KioskFilter),
    responses((status = 200, body = Vec<KioskView>), (status = 401, description = "no or bad credentials")),
    security(("bearer" = []), ("session" = [])))]
pub async fn kiosks(
    _caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<KioskFilter>,
) -> Json<Vec<KioskView>> {
    let list = state
        .fleet
        .list()
        .into_iter()
        .filter(|k| filter.site.as_ref().is_none_or(|s| &k.site == s))
        .filter(|k| filter.online.is_none_or(|o| k.online == o))
        .collect();
    Json(list)
}

/// `GET /api/kiosks/{site}/{kiosk_id}`: one kiosk with its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct KioskDetail {
    /// Its current state (the same fields as in the list).
    #[serde(flatten)]
    pub kiosk: KioskView,
    /// Usage summed over the last 24 hours.
    pub usage_24h: UsagePoint,
    /// Answered / questions over 24 hours (null without questions).
    pub answer_rate_24h: Option<f64>,
    /// Helpful / votes over 24 hours (null without votes).
    pub satisfaction_24h: Option<f64>,
    /// Online/offline transitions, newest first.
    pub status_history: Vec<StatusChange>,
    /// The latest events, newest first.
    pub recent_events: Vec<EventView>,
    /// The latest commands and their replies, newest first (screenshots without their picture).
    pub commands: Vec<CommandView>,
    /// Its alerts, open or recently closed.
    pub alerts: Vec<AlertView>,
}

/// Sums usage points.
pub fn sum_usage(points: &[UsagePoint]) -> UsagePoint {
    let mut total = UsagePoint { at: points.last().map_or_else(Utc::now, |p| p.at), ..UsagePoint::default() };
    for point in points {
        total.add(point);
    }
    total
}

/// Removes the picture from a screenshot reply (the page fetches it separately).
pub fn without_picture(mut command: CommandView) -> CommandView {
    if let Some(Value::Object(reply)) = command.reply.as_mut()
        && reply.remove("png_base64").is_some()
    {
        reply.insert("png_url".into(), Value::String(format!("/commands/{}/screenshot.png", command.id)));
    }
    command
}

/// The details of one kiosk.
#[utoipa::path(get, path = "/api/kiosks/{site}/{kiosk_id}",
    params(("site" = String, Path), ("kiosk_id" = String, Path)),
    responses((status = 200, body = KioskDetail), (status = 404, description = "unknown kiosk")),
    security(("bearer" = []), ("session" = [])))]
pub async fn kiosk(
    _caller: Caller,
    State(state): State<AppState>,
    Path((site, kiosk_id)): Path<(String, String)>,
) -> Result<Json<KioskDetail>, ApiError> {
    let key = KioskKey::new(site, kiosk_id);
    let kiosk =
        state.fleet.get(&key).ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no kiosk {key}")))?;
    let usage = state.store.usage(&key, Utc::now() - chrono::Duration::hours(24)).await?;
    let usage_24h = sum_usage(&usage);
    let alerts = state.store.alerts(Utc::now() - chrono::Duration::days(7)).await?;
    Ok(Json(KioskDetail {
        kiosk,
        answer_rate_24h: usage_24h.answer_rate(),
        satisfaction_24h: usage_24h.satisfaction(),
        usage_24h,
        status_history: state.store.status_history(&key, 50).await?,
        recent_events: state.store.events(&key, &[], 50).await?,
        commands: state.store.commands(&key, 20).await?.into_iter().map(without_picture).collect(),
        alerts: alerts.into_iter().filter(|a| a.site == key.site && a.kiosk_id == key.kiosk_id).collect(),
    }))
}

/// A command to send.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommandRequest {
    /// `alert`, `maintenance`, `reload-content`, `print-test`, `restart`, `screenshot` or `ping`.
    pub command: String,
    /// Its arguments (see `docs/mqtt.md`), e.g. `{"text": "...", "level": "urgent"}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub args: Map<String, Value>,
    /// Seconds to wait for the reply (0 to 30, default 10).
    #[serde(default = "default_wait")]
    pub wait_secs: u64,
}

fn default_wait() -> u64 {
    10
}

/// What sending a command gave.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandResult {
    /// The command id.
    pub id: String,
    /// The site.
    pub site: String,
    /// The kiosk.
    pub kiosk_id: String,
    /// The kiosk's reply, or null when it did not come in time (it is kept when it comes:
    /// `GET /api/commands/{id}`).
    #[schema(value_type = Option<Object>)]
    pub reply: Option<Value>,
}

fn csrf(headers: &HeaderMap) -> Option<&str> {
    headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok())
}

/// Sends a command to one kiosk and waits for its reply.
#[utoipa::path(post, path = "/api/kiosks/{site}/{kiosk_id}/commands",
    params(("site" = String, Path), ("kiosk_id" = String, Path)),
    request_body = CommandRequest,
    responses((status = 200, body = CommandResult), (status = 400, description = "unknown command"),
              (status = 403, description = "viewer, or no CSRF token with a session")),
    security(("bearer" = []), ("session" = [])))]
pub async fn command(
    caller: Caller,
    State(state): State<AppState>,
    Path((site, kiosk_id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(request): Json<CommandRequest>,
) -> Result<Json<CommandResult>, ApiError> {
    caller.require_operator()?;
    caller.check_csrf(csrf(&headers))?;
    let key = KioskKey::new(site, kiosk_id);
    let sent = state.hub.send(&key, &request.command, request.args, &caller.name).await?;
    let reply = state.hub.wait(&sent.id, Duration::from_secs(request.wait_secs.min(30))).await;
    Ok(Json(CommandResult { id: sent.id, site: key.site, kiosk_id: key.kiosk_id, reply }))
}

/// Which kiosks a fleet-wide command goes to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BroadcastRequest {
    /// The command and its arguments.
    #[serde(flatten)]
    pub command: CommandRequest,
    /// Only this site (none: every kiosk).
    pub site: Option<String>,
    /// Only these kiosks (`site/kiosk_id`); none: every kiosk of `site`, or of the fleet.
    #[serde(default)]
    pub kiosks: Vec<String>,
}

/// Sends a command to every kiosk, a site's, or a list, and collects the replies.
#[utoipa::path(post, path = "/api/commands", request_body = BroadcastRequest,
    responses((status = 200, body = Vec<CommandResult>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn broadcast(
    caller: Caller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<BroadcastRequest>,
) -> Result<Json<Vec<CommandResult>>, ApiError> {
    caller.require_operator()?;
    caller.check_csrf(csrf(&headers))?;
    let targets = super::pages::targets(&state, request.site.as_deref(), &request.kiosks);
    let results = send_to_all(
        &state,
        &targets,
        &request.command.command,
        &request.command.args,
        request.command.wait_secs,
        &caller.name,
    )
    .await?;
    Ok(Json(results))
}

/// Sends one command to several kiosks at once and waits for the replies together.
pub async fn send_to_all(
    state: &AppState,
    targets: &[KioskKey],
    name: &str,
    args: &Map<String, Value>,
    wait_secs: u64,
    by: &str,
) -> Result<Vec<CommandResult>, ApiError> {
    let mut sent = Vec::with_capacity(targets.len());
    for key in targets {
        sent.push((key.clone(), state.hub.send(key, name, args.clone(), by).await?));
    }
    let wait = Duration::from_secs(wait_secs.min(30));
    let replies = futures_join(state, sent.iter().map(|(_, c)| c.id.clone()).collect(), wait).await;
    Ok(sent
        .into_iter()
        .zip(replies)
        .map(|((key, command), reply)| CommandResult {
            id: command.id,
            site: key.site,
            kiosk_id: key.kiosk_id,
            reply,
        })
        .collect())
}

async fn futures_join(state: &AppState, ids: Vec<String>, wait: Duration) -> Vec<Option<Value>> {
    let mut tasks = Vec::with_capacity(ids.len());
    for id in ids {
        let hub = state.hub.clone();
        tasks.push(tokio::spawn(async move { hub.wait(&id, wait).await }));
    }
    let mut replies = Vec::with_capacity(tasks.len());
    for task in tasks {
        replies.push(task.await.ok().flatten());
    }
    replies
}

/// A command and its reply, by id.
#[utoipa::path(get, path = "/api/commands/{id}", params(("id" = String, Path)),
    responses((status = 200, body = CommandView), (status = 404, description = "unknown id")),
    security(("bearer" = []), ("session" = [])))]
pub async fn command_status(
    _caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CommandView>, ApiError> {
    let command = state
        .store
        .command(&id)
        .await?
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no command {id}")))?;
    Ok(Json(command))
}

/// Open alerts and those closed in the last 7 days.
#[utoipa::path(get, path = "/api/alerts", responses((status = 200, body = Vec<AlertView>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn alerts(
    _caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    Ok(Json(state.store.alerts(Utc::now() - chrono::Duration::days(7)).await?))
}

/// Filters of `GET /api/incidents`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct IncidentFilter {
    /// `new`, `in_progress` or `resolved`.
    pub status: Option<String>,
}

/// Incidents reported at the kiosks, newest first.
#[utoipa::path(get, path = "/api/incidents", params(IncidentFilter), responses((status = 200, body = Vec<IncidentView>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn incidents(
    _caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<IncidentFilter>,
) -> Result<Json<Vec<IncidentView>>, ApiError> {
    Ok(Json(state.store.incidents(filter.status.as_deref(), 500).await?))
}

/// A group of similar unanswered questions across the fleet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnansweredGroup {
    /// How many times.
    pub count: usize,
    /// The most frequent wording (masked by the kiosks).
    pub example: String,
    /// Other wordings.
    pub variants: Vec<String>,
    /// The FAQ entry most often found nearest, if any.
    pub nearest_id: Option<String>,
    /// How many kiosks asked it.
    pub kiosks: usize,
}

/// Filters of `GET /api/unanswered`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnansweredFilter {
    /// Days to look back (default 30).
    pub days: Option<i64>,
    /// Groups returned (default 20).
    pub limit: Option<usize>,
}

/// The top unanswered questions across the fleet, grouped by meaning.
pub async fn top_unanswered(
    state: &AppState,
    days: i64,
    limit: usize,
) -> Result<Vec<UnansweredGroup>, ApiError> {
    let rows =
        state.store.unanswered(Utc::now() - chrono::Duration::days(days.clamp(1, 3650)), 20_000).await?;
    let records: Vec<borne_chatbot::feedback::GapRecord> = rows
        .iter()
        .map(|r| borne_chatbot::feedback::GapRecord {
            at: r.at,
            question: r.question.clone(),
            reason: match r.reason.as_str() {
                "low_confidence" => borne_chatbot::feedback::GapReason::LowConfidence,
                "unhelpful" => borne_chatbot::feedback::GapReason::Unhelpful,
                _ => borne_chatbot::feedback::GapReason::Refused,
            },
            best_id: r.nearest_id.clone(),
            score: 0.0,
        })
        .collect();
    let groups = tokio::task::spawn_blocking(move || {
        borne_chatbot::feedback::group_gaps(&records, limit.clamp(1, 200))
    })
    .await
    .unwrap_or_default();
    Ok(groups
        .into_iter()
        .map(|g| {
            let wordings: Vec<String> =
                std::iter::once(g.example.clone()).chain(g.variants.iter().cloned()).collect();
            let kiosks: std::collections::BTreeSet<(&str, &str)> = rows
                .iter()
                .filter(|r| wordings.contains(&r.question.trim().to_lowercase()))
                .map(|r| (r.site.as_str(), r.kiosk_id.as_str()))
                .collect();
            UnansweredGroup {
                count: g.count,
                example: g.example,
                variants: g.variants,
                nearest_id: g.nearest_id,
                kiosks: kiosks.len(),
            }
        })
        .collect())
}

/// The most frequent questions the kiosks could not answer.
#[utoipa::path(get, path = "/api/unanswered", params(UnansweredFilter), responses((status = 200, body = Vec<UnansweredGroup>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn unanswered(
    _caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<UnansweredFilter>,
) -> Result<Json<Vec<UnansweredGroup>>, ApiError> {
    Ok(Json(top_unanswered(&state, filter.days.unwrap_or(30), filter.limit.unwrap_or(20)).await?))
}

/// Filters of the KPI export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct KpiFilter {
    /// Days to export (default 30).
    pub days: Option<i64>,
}

/// Daily KPIs per kiosk as CSV rows (header first).
pub async fn kpi_rows(state: &AppState, days: i64) -> Result<Vec<Vec<String>>, ApiError> {
    let since = Utc::now() - chrono::Duration::days(days.clamp(1, 3650));
    let mut per_day: BTreeMap<(String, String, String), UsagePoint> = BTreeMap::new();
    for (key, point) in state.store.usage_all(since).await? {
        let day = point.at.format("%Y-%m-%d").to_string();
        per_day.entry((day, key.site, key.kiosk_id)).or_default().add(&point);
    }
    let percent = |v: Option<f64>| v.map(|v| format!("{:.1}", v * 100.0)).unwrap_or_default();
    let mut rows = vec![
        [
            "date",
            "site",
            "kiosk_id",
            "sessions",
            "questions",
            "answered",
            "refused",
            "answer_rate_percent",
            "helpful_yes",
            "helpful_no",
            "satisfaction_percent",
            "prints",
            "cards_read",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for ((day, site, kiosk), u) in per_day {
        rows.push(vec![
            day,
            site,
            kiosk,
            u.sessions.to_string(),
            u.questions.to_string(),
            u.answered.to_string(),
            u.refused.to_string(),
            percent(u.answer_rate()),
            u.helpful_yes.to_string(),
            u.helpful_no.to_string(),
            percent(u.satisfaction()),
            u.prints.to_string(),
            u.cards_read.to_string(),
        ]);
    }
    Ok(rows)
}

/// Quotes a CSV field when it needs it (RFC 4180), and defuses spreadsheet formulas.
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// Daily KPIs per kiosk, as CSV.
#[utoipa::path(get, path = "/api/kpis.csv", params(KpiFilter), responses((status = 200, content_type = "text/csv", body = String)),
    security(("bearer" = []), ("session" = [])))]
pub async fn kpis_csv(
    _caller: Caller,
    State(state): State<AppState>,
    Query(filter): Query<KpiFilter>,
) -> Result<Response, ApiError> {
    let rows = kpi_rows(&state, filter.days.unwrap_or(30)).await?;
    let body: String = rows
        .iter()
        .map(|row| row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\r\n")
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"borne-kpis.csv\""),
        ],
        body,
    )
        .into_response())
}

/// The OpenAPI description of this API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Borne fleet API", description = "Kiosks' state, history and commands. Read with a viewer bearer token (`Authorization: Bearer TOKEN`) or a session; commands need an operator."),
    paths(healthz, kiosks, kiosk, command, broadcast, command_status, alerts, incidents, unanswered, kpis_csv),
    components(schemas(Health, KioskView, KioskDetail, CommandRequest, CommandResult, BroadcastRequest, CommandView,
                       AlertView, IncidentView, UnansweredGroup, UsagePoint, StatusChange, EventView, crate::model::BannerView)),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(super::auth::COOKIE))),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

//! Telling people: one JSON POST per alert opened and per alert resolved, to every configured
//! webhook. The body carries `text` — a French sentence, the one field Mattermost, Slack and
//! Microsoft Teams incoming webhooks all show — and the alert's fields for any other receiver.
//! Retries and their schedule are the engine's ([`super::Engine`]); this module makes one attempt
//! at a time, never waiting more than [`TIMEOUT`], and never writes a webhook's URL to the logs
//! (its path is often its secret).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::alerts::rules::duration_fr;
use crate::model::AlertView;

/// How long one delivery may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A delivery that did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The HTTP client could not be made.
    #[error("cannot make the HTTP client: {0}")]
    Client(String),
    /// The receiver could not be reached, or answered something other than 2xx.
    #[error("webhook {target}: {reason}")]
    Delivery {
        /// The receiver's scheme and host (the path, often secret, is left out).
        target: String,
        /// What went wrong.
        reason: String,
    },
}

/// Whether an alert has opened or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The alert has just opened.
    Opened,
    /// The alert has just closed.
    Resolved,
}

impl NoticeKind {
    /// `opened` or `resolved`, as in the payload's `state`.
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Opened => "opened",
            NoticeKind::Resolved => "resolved",
        }
    }
}

/// One thing to tell the webhooks.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Opened or resolved.
    pub kind: NoticeKind,
    /// The alert (with `resolved_at` for a resolved notice).
    pub alert: AlertView,
}

/// The JSON body POSTed to every webhook. Field names are a contract: add, never rename.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payload {
    /// One French sentence for people (Mattermost, Slack and Teams show this field).
    pub text: String,
    /// The alert's id (as in `GET /api/alerts`).
    pub alert_id: String,
    /// The rule's stable name (`offline`, `paper_out`…).
    pub rule: String,
    /// The kiosk's site.
    pub site: String,
    /// The kiosk's id.
    pub kiosk_id: String,
    /// `opened` or `resolved`.
    pub state: NoticeKind,
    /// When the alert opened.
    pub opened_at: DateTime<Utc>,
    /// When it closed (null while open).
    pub resolved_at: Option<DateTime<Utc>>,
    /// What the rule said when the alert opened.
    pub message: String,
}

/// The body for a notice.
pub fn payload(notice: &Notice) -> Payload {
    let alert = &notice.alert;
    Payload {
        text: text(notice),
        alert_id: alert.id.clone(),
        rule: alert.rule.clone(),
        site: alert.site.clone(),
        kiosk_id: alert.kiosk_id.clone(),
        state: notice.kind,
        opened_at: alert.opened_at,
        resolved_at: alert.resolved_at,
        message: alert.message.clone(),
    }
}

/// The sentence for people: `⚠ Borne mediatheque/borne-01 : plus de papier`, or once resolved
/// `✅ Borne mediatheque/borne-01 : résolu — plus de papier (alerte ouverte 35 min)`.
pub fn text(notice: &Notice) -> String {
    let alert = &notice.alert;
    let kiosk = format!("{}/{}", alert.site, alert.kiosk_id);
    match (notice.kind, alert.resolved_at) {
        (NoticeKind::Opened, _) => format!("⚠ Borne {kiosk} : {}", alert.message),
        (NoticeKind::Resolved, Some(at)) => format!(
            "✅ Borne {kiosk} : résolu — {} (alerte ouverte {})",
            alert.message,
            duration_fr(at - alert.opened_at)
        ),
        (NoticeKind::Resolved, None) => format!("✅ Borne {kiosk} : résolu — {}", alert.message),
    }
}

/// The configured webhooks and the HTTP client that reaches them.
#[derive(Clone)]
pub struct Webhooks {
    client: reqwest::Client,
    urls: Vec<reqwest::Url>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Scheme and host only: the paths are secrets.
        f.debug_list().entries(self.urls.iter().map(target)).finish()
    }
}

impl Webhooks {
    /// A client for these URLs. A URL that is not `http(s)://…` is logged (by its position in
    /// `alerts.webhooks`) and left out rather than stopping the alerts.
    pub fn new(urls: &[String]) -> Result<Self, WebhookError> {
        // reqwest is built without a default TLS crypto provider: use rustls's ring, once per
        // process (an error only says one is installed already).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent(concat!("borne-fleet/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WebhookError::Client(chain(&e)))?;
        let mut kept = Vec::new();
        for (index, url) in urls.iter().enumerate() {
            match reqwest::Url::parse(url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
                    kept.push(url)
                }
                _ => tracing::error!(index, "alerts.webhooks[{index}] is not an http(s) URL: left out"),
            }
        }
        Ok(Self { client, urls: kept })
    }

    /// How many webhooks there are.
    pub fn len(&self) -> usize {
        self.urls.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }

    /// The scheme and host of webhook `index`, for the logs.
    pub fn target(&self, index: usize) -> String {
        self.urls.get(index).map(target).unwrap_or_default()
    }

    /// One attempt at POSTing `payload` to webhook `index`; any 2xx answer is a success.
    pub async fn post(&self, index: usize, payload: &Payload) -> Result<(), WebhookError> {
        let Some(url) = self.urls.get(index) else {
            return Err(WebhookError::Delivery { target: String::new(), reason: "no such webhook".into() });
        };
        let failed = |reason: String| WebhookError::Delivery { target: target(url), reason };
        let response =
            self.client.post(url.clone()).json(payload).send().await.map_err(|e| failed(chain(&e)))?;
        let status = response.status();
        if status.is_success() { Ok(()) } else { Err(failed(format!("answered {status}"))) }
    }
}

/// `https://hooks.example.org` for `https://hooks.example.org/services/SECRET`.
fn target(url: &reqwest::Url) -> String {
    match url.port() {
        Some(port) => format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or_default()),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
    }
}

/// A reqwest error and its causes, without the URL reqwest puts in its own words.
fn chain(error: &reqwest::Error) -> String {
    let mut words = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        words.push_str(": ");
        words.push_str(&cause.to_string());
        source = cause.source();
    }
    if let Some(url) = error.url() {
        words = words.replace(url.as_str(), &target(url));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn alert() -> AlertView {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).single().expect("time");
        AlertView {
            id: "3f2a9c0d41b7e815".into(),
            site: "mediatheque".into(),
            kiosk_id: "borne-01".into(),
            rule: "offline".into(),
            message: "hors ligne depuis 12 min".into(),
            opened_at: at,
            resolved_at: None,
            notified_at: None,
        }
    }

    #[test]
    fn an_opened_alert_reads_as_a_sentence_and_carries_its_fields() {
        let body = serde_json::to_value(payload(&Notice { kind: NoticeKind::Opened, alert: alert() }))
            .expect("json");
        assert_eq!(
            body,
            serde_json::json!({
                "text": "⚠ Borne mediatheque/borne-01 : hors ligne depuis 12 min",
                "alert_id": "3f2a9c0d41b7e815",
                "rule": "offline",
                "site": "mediatheque",
                "kiosk_id": "borne-01",
                "state": "opened",
                "opened_at": "2026-11-29T10:00:00Z",
                "resolved_at": null,
                "message": "hors ligne depuis 12 min",
            })
        );
    }

    #[test]
    fn a_resolved_alert_says_how_long_it_lasted() {
        let mut alert = alert();
        alert.resolved_at = Some(alert.opened_at + chrono::Duration::minutes(95));
        let notice = Notice { kind: NoticeKind::Resolved, alert };
        assert_eq!(
            text(&notice),
            "✅ Borne mediatheque/borne-01 : résolu — hors ligne depuis 12 min (alerte ouverte 1 h 35)"
        );
        let body = serde_json::to_value(payload(&notice)).expect("json");
        assert_eq!(body["state"], "resolved");
        assert_eq!(body["resolved_at"], "2026-11-29T11:35:00Z");
    }

    #[test]
    fn bad_urls_are_left_out_and_targets_hide_the_path() {
        let hooks = Webhooks::new(&[
            "https://hooks.example.org/services/T00/B00/SECRET".into(),
            "not a url".into(),
            "ftp://example.org/x".into(),
            "http://127.0.0.1:9/hook".into(),
        ])
        .expect("client");
        assert_eq!(hooks.len(), 2);
        assert_eq!(hooks.target(0), "https://hooks.example.org");
        assert_eq!(hooks.target(1), "http://127.0.0.1:9");
        assert!(!format!("{hooks:?}").contains("SECRET"));
    }

    #[tokio::test]
    async fn a_failed_delivery_names_the_host_not_the_secret_path() {
        // A port nobody listens on any more.
        let address = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port");
        let hooks = Webhooks::new(&[format!("http://{address}/hooks/SECRET")]).expect("client");
        let notice = Notice { kind: NoticeKind::Opened, alert: alert() };
        let error = hooks.post(0, &payload(&notice)).await.expect_err("refused").to_string();
        assert!(error.contains(&format!("http://{address}")), "{error}");
        assert!(!error.contains("SECRET"), "{error}");
    }
}

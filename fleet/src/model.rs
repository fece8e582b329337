//! What the fleet knows about a kiosk, as the API returns it and the pages show it. These JSON
//! field names are a contract with outside tools (issue 7): add fields, never rename them.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Milliseconds since 1970 → a UTC time (the database stores times this way).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A UTC time → milliseconds since 1970.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// A kiosk's address in the fleet: its site and id, as in its MQTT topics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KioskKey {
    /// The site (e.g. `mediatheque`).
    pub site: String,
    /// The kiosk's id within its site (e.g. `borne-01`).
    pub kiosk_id: String,
}

impl KioskKey {
    /// A key.
    pub fn new(site: impl Into<String>, kiosk_id: impl Into<String>) -> Self {
        Self { site: site.into(), kiosk_id: kiosk_id.into() }
    }
}

impl std::fmt::Display for KioskKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.site, self.kiosk_id)
    }
}

/// The alert banner a kiosk shows (from its telemetry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BannerView {
    /// The words shown.
    pub text: String,
    /// `info`, `warning` or `urgent`.
    pub level: String,
    /// When it goes away by itself, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The current state of one kiosk: `GET /api/kiosks` returns a list of these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KioskView {
    /// The site.
    pub site: String,
    /// The kiosk's id.
    pub kiosk_id: String,
    /// Whether the kiosk is connected to the broker now (its retained status, set offline by its
    /// Last Will).
    pub online: bool,
    /// Since when it has been online (or offline).
    pub online_since: Option<DateTime<Utc>>,
    /// The last time anything was heard from it (status, telemetry, event or reply).
    pub last_seen: Option<DateTime<Utc>>,
    /// When its current run started.
    pub started_at: Option<DateTime<Utc>>,
    /// Its `borne` version.
    pub version: String,
    /// The version of the content it serves.
    pub content_version: String,
    /// Printer state (`online`, `paper_near_end`, `paper_out`, `cover_open`, `offline`,
    /// `unplugged`, `none`), empty before the first report.
    pub printer: String,
    /// Card reader (`connected`, `disconnected`, `none`).
    pub reader: String,
    /// Paper (`ok`, `near_end`, `out`, `unknown`).
    pub paper: String,
    /// How it meets visitors (`touchscreen`, `terminal`, `headless`).
    pub screen: String,
    /// The alert banner shown now.
    pub alert: Option<BannerView>,
    /// Whether the maintenance screen is on.
    pub maintenance: bool,
    /// Seconds since it started, at the last report.
    pub uptime_secs: Option<u64>,
    /// Its memory, at the last report.
    pub memory_rss_bytes: Option<u64>,
    /// Free disk where it spools, at the last report.
    pub disk_free_bytes: Option<u64>,
    /// Messages waiting in its spool, at the last report.
    pub spool_depth: Option<u64>,
    /// The highest message number received from it.
    pub last_seq: Option<u64>,
}

impl KioskView {
    /// A kiosk heard of for the first time.
    pub fn new(key: &KioskKey) -> Self {
        Self {
            site: key.site.clone(),
            kiosk_id: key.kiosk_id.clone(),
            online: false,
            online_since: None,
            last_seen: None,
            started_at: None,
            version: String::new(),
            content_version: String::new(),
            printer: String::new(),
            reader: String::new(),
            paper: String::new(),
            screen: String::new(),
            alert: None,
            maintenance: false,
            uptime_secs: None,
            memory_rss_bytes: None,
            disk_free_bytes: None,
            spool_depth: None,
            last_seq: None,
        }
    }

    /// Its key.
    pub fn key(&self) -> KioskKey {
        KioskKey::new(&self.site, &self.kiosk_id)
    }
}

/// One telemetry report's usage, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UsagePoint {
    /// When the kiosk made the report.
    pub at: DateTime<Utc>,
    /// Sessions ended since the previous report.
    pub sessions: u64,
    /// Questions asked.
    pub questions: u64,
    /// Questions answered.
    pub answered: u64,
    /// Questions refused.
    pub refused: u64,
    /// "Helpful" votes.
    pub helpful_yes: u64,
    /// "Not helpful" votes.
    pub helpful_no: u64,
    /// Receipts printed.
    pub prints: u64,
    /// Cards read.
    pub cards_read: u64,
}

impl UsagePoint {
    /// Adds another report's counts to this one.
    pub fn add(&mut self, other: &UsagePoint) {
        self.sessions += other.sessions;
        self.questions += other.questions;
        self.answered += other.answered;
        self.refused += other.refused;
        self.helpful_yes += other.helpful_yes;
        self.helpful_no += other.helpful_no;
        self.prints += other.prints;
        self.cards_read += other.cards_read;
    }

    /// Answered / questions, when there were questions.
    pub fn answer_rate(&self) -> Option<f64> {
        (self.questions > 0).then(|| self.answered as f64 / self.questions as f64)
    }

    /// Helpful / votes, when there were votes.
    pub fn satisfaction(&self) -> Option<f64> {
        let votes = self.helpful_yes + self.helpful_no;
        (votes > 0).then(|| self.helpful_yes as f64 / votes as f64)
    }
}

/// One event a kiosk sent (device change, incident, content reload…), as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// The kiosk's message number.
    pub seq: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The event's `type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The whole event, as sent.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

/// An online/offline transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatusChange {
    /// When the fleet saw it.
    pub at: DateTime<Utc>,
    /// Online or not.
    pub online: bool,
    /// The version announced.
    pub version: String,
}

/// An incident reported at a kiosk ("Signaler un problème").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IncidentView {
    /// The site.
    pub site: String,
    /// The kiosk.
    pub kiosk_id: String,
    /// The ticket number shown to the visitor (`AAAA-NNNN`).
    pub ticket: String,
    /// When it was reported.
    pub at: DateTime<Utc>,
    /// `lighting`, `roads`, `cleanliness`, `other`.
    pub category: String,
    /// Place and description, personal data masked by the kiosk.
    pub description: String,
    /// `new`, `in_progress`, `resolved`.
    pub status: String,
    /// When the status last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// Who changed it.
    pub updated_by: Option<String>,
}

/// The statuses an incident can have.
pub const INCIDENT_STATUSES: [&str; 3] = ["new", "in_progress", "resolved"];

/// A command sent to a kiosk and its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CommandView {
    /// The command id (also the reply topic's last level).
    pub id: String,
    /// The site.
    pub site: String,
    /// The kiosk.
    pub kiosk_id: String,
    /// `alert`, `maintenance`, `reload-content`, `print-test`, `restart`, `screenshot`, `ping`.
    pub command: String,
    /// The arguments sent.
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// Who sent it (user or token name).
    pub sent_by: String,
    /// The kiosk's reply, once it came.
    #[schema(value_type = Option<Object>)]
    pub reply: Option<serde_json::Value>,
    /// When the reply came.
    pub reply_at: Option<DateTime<Utc>>,
    /// The reply's `ok`.
    pub ok: Option<bool>,
}

/// An alert raised by a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlertView {
    /// Its id.
    pub id: String,
    /// The site.
    pub site: String,
    /// The kiosk.
    pub kiosk_id: String,
    /// `offline`, `paper_out`, `paper_near_end`, `printer_absent`, `reader_absent`,
    /// `answer_rate`.
    pub rule: String,
    /// What it says.
    pub message: String,
    /// When it was raised.
    pub opened_at: DateTime<Utc>,
    /// When it closed, if it did.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the webhooks were told.
    pub notified_at: Option<DateTime<Utc>>,
}

/// One unanswered question a kiosk reported (`unanswered` event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnansweredView {
    /// The site.
    pub site: String,
    /// The kiosk.
    pub kiosk_id: String,
    /// When it was asked.
    pub at: DateTime<Utc>,
    /// The question, masked by the kiosk.
    pub question: String,
    /// `refused`, `low_confidence`, `unhelpful`.
    pub reason: String,
    /// The nearest FAQ entry, if any.
    pub nearest_id: Option<String>,
}

//! The JSON messages a kiosk publishes and receives. Field names are a contract with the fleet
//! dashboard and outside tools (documented with examples in `docs/mqtt.md`): add fields, never
//! rename or remove them.
//!
//! Nothing here carries personal data: card numbers are only counted, free text (incident
//! descriptions, opinion comments, unanswered questions) must be masked by the caller with
//! `borne_chatbot::feedback::mask_personal_data` before it becomes an [`EventKind::Incident`],
//! an [`EventKind::Opinion`] or an [`EventKind::Unanswered`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `…/status`, retained: whether the kiosk is online. The Last Will publishes the same with
/// `online: false`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// True while the kiosk is connected; false in the Last Will and on a clean stop.
    pub online: bool,
    /// The kiosk's id.
    pub kiosk_id: String,
    /// Its site.
    pub site: String,
    /// The `borne` version.
    pub version: String,
    /// When this run of the kiosk started.
    pub started_at: DateTime<Utc>,
}

/// Usage counters since the previous telemetry message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Visitor sessions that ended (idle timeout or explicit end).
    pub sessions: u64,
    /// Questions asked to the chatbot.
    pub questions: u64,
    /// Questions answered.
    pub answered: u64,
    /// Questions refused ("je ne sais pas").
    pub refused: u64,
    /// "Was this helpful?" answered yes.
    pub helpful_yes: u64,
    /// "Was this helpful?" answered no.
    pub helpful_no: u64,
    /// Receipts printed.
    pub prints: u64,
    /// Cards read by the card reader.
    pub cards_read: u64,
    /// Mean length of the sessions counted in `sessions`, in seconds (null when none ended).
    pub mean_session_secs: Option<f64>,
}

/// What the kiosk tells the telemetry about itself at each report (the client adds the rest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KioskState {
    /// Version of the content in service.
    pub content_version: String,
    /// Printer state: `ok`, `simulated`, `disconnected`, `error`, or `none` (no printer driver).
    pub printer: String,
    /// Card reader state: `connected`, `disconnected`, or `none`.
    pub reader: String,
    /// Paper: `ok`, `near_end`, `out`, or `unknown`.
    pub paper: String,
    /// Usage since the previous report.
    pub usage: Usage,
    /// How the kiosk meets visitors in this run: `touchscreen`, `terminal` or `headless`.
    #[serde(default)]
    pub screen: String,
    /// The alert banner shown now (set by the `alert` command), or null.
    #[serde(default)]
    pub alert: Option<AlertInfo>,
    /// Whether the maintenance screen is shown (set by the `maintenance` command).
    #[serde(default)]
    pub maintenance: bool,
    /// Whether the touchscreen is asleep (black, backlight off) outside its power-saving hours.
    #[serde(default)]
    pub screen_asleep: bool,
}

/// The alert banner a kiosk shows, as telemetry reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertInfo {
    /// The words shown.
    pub text: String,
    /// `info`, `warning` or `urgent`.
    pub level: String,
    /// When the banner goes away by itself, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// `…/telemetry`: the periodic report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Telemetry {
    /// Increasing message number (shared with events and replies); receivers de-duplicate by it.
    pub seq: u64,
    /// When the report was made.
    pub at: DateTime<Utc>,
    /// The kiosk's id.
    pub kiosk_id: String,
    /// Seconds since this run started.
    pub uptime_secs: u64,
    /// The `borne` version.
    pub version: String,
    /// Memory used by the kiosk process (resident set, bytes); null where unknown.
    pub memory_rss_bytes: Option<u64>,
    /// Free space for the kiosk's state (spool) directory, bytes; null where unknown.
    pub disk_free_bytes: Option<u64>,
    /// Messages waiting in the spool (not yet acknowledged by the broker), this one excluded.
    pub spool_depth: u64,
    /// Messages dropped because the spool was full, since the previous report.
    pub spool_dropped: u64,
    /// Content, devices and usage.
    #[serde(flatten)]
    pub kiosk: KioskState,
}

/// What happened, in an [`Event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A device changed state (printer, reader).
    DeviceState {
        /// `printer` or `reader`.
        device: String,
        /// The new state (`connected`, `disconnected`, `paper_out`…).
        state: String,
        /// Why, when known (never a card number).
        detail: Option<String>,
    },
    /// New content went into service.
    ContentReloaded {
        /// Its version.
        version: String,
    },
    /// A content reload was refused; the previous content stays.
    ContentFailed {
        /// How many problems were found.
        errors: usize,
        /// The version still in service.
        kept_version: String,
    },
    /// An error worth an admin's attention.
    Error {
        /// What failed (no personal data).
        message: String,
    },
    /// A visitor reported a problem at the kiosk.
    Incident {
        /// Category chosen by the visitor.
        category: String,
        /// The description, with personal data masked.
        description: String,
        /// The ticket number given to the visitor.
        ticket: String,
    },
    /// A "was this helpful?" vote.
    Vote {
        /// The answer.
        helpful: bool,
        /// The FAQ entry voted on.
        faq_id: Option<String>,
    },
    /// A visitor's opinion of the kiosk ("Donner mon avis").
    Opinion {
        /// From 1 (très mécontent) to 5 (très content).
        score: u8,
        /// The visitor's comment, personal data masked and at most [`OPINION_COMMENT_MAX_CHARS`]
        /// characters; `None` when the visitor wrote nothing.
        comment: Option<String>,
    },
    /// A question the chatbot could not answer well, from the kiosk's gap log: refused, answered
    /// with little confidence, or voted unhelpful. The fleet dashboard adds them up across kiosks
    /// to show which FAQ entries to write next.
    Unanswered {
        /// The question, personal data masked and at most [`UNANSWERED_QUESTION_MAX_CHARS`]
        /// characters.
        question: String,
        /// Why it is logged: `refused`, `low_confidence` or `unhelpful`.
        reason: String,
        /// The nearest FAQ entry found (the one voted unhelpful, for `unhelpful`), if any.
        nearest_id: Option<String>,
    },
}

/// Longest comment an [`EventKind::Opinion`] carries, in characters.
pub const OPINION_COMMENT_MAX_CHARS: usize = 280;

/// Longest question an [`EventKind::Unanswered`] carries, in characters.
pub const UNANSWERED_QUESTION_MAX_CHARS: usize = 200;

/// `…/event`: a discrete event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Increasing message number (shared with telemetry and replies).
    pub seq: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The kiosk's id.
    pub kiosk_id: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The commands a kiosk understands (`…/cmd/{name}`).
pub const COMMAND_NAMES: [&str; 7] =
    ["ping", "reload-content", "alert", "maintenance", "print-test", "restart", "screenshot"];

/// A command received on `…/cmd/{name}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The command's name (last topic level).
    pub name: String,
    /// The id to answer on `…/reply/{id}`.
    pub id: String,
    /// The other fields of the JSON body.
    pub args: Map<String, Value>,
}

/// Why a command could not be read; it is answered with `ok: false` and this text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The payload is not a JSON object.
    #[error("malformed command: {0}")]
    Malformed(String),
    /// No usable `id`.
    #[error("the command has no valid \"id\" (1 to 64 letters, digits, '-' or '_')")]
    BadId,
}

impl Command {
    /// Reads a command from its topic name and payload. On error, the id when one could be read.
    pub fn parse(name: &str, payload: &[u8]) -> Result<Command, (Option<String>, CommandError)> {
        let value: Value = serde_json::from_slice(payload)
            .map_err(|e| (None, CommandError::Malformed(format!("not JSON ({e})"))))?;
        let Value::Object(mut args) = value else {
            return Err((None, CommandError::Malformed("not a JSON object".into())));
        };
        let id = match args.remove("id") {
            Some(Value::String(id)) if crate::topics::check_level("command id", &id).is_ok() => id,
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err((None, CommandError::BadId)),
        };
        Ok(Command { name: name.to_string(), id, args })
    }

    /// A string argument.
    pub fn str_arg(&self, key: &str) -> Option<&str> {
        self.args.get(key).and_then(Value::as_str)
    }
}

/// The answer to a command, on `…/reply/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The command's id (null when the command had none).
    pub id: Option<String>,
    /// Whether the command was carried out.
    pub ok: bool,
    /// Why not, when `ok` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The command's name.
    pub command: String,
    /// Increasing message number (shared with telemetry and events).
    pub seq: u64,
    /// When the reply was made.
    pub at: DateTime<Utc>,
    /// Command-specific results.
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

/// What a command handler answers (the client adds id, seq and time).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Whether the command was carried out.
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
    /// Command-specific results.
    pub data: Map<String, Value>,
}

impl Outcome {
    /// Success with no data.
    pub fn ok() -> Self {
        Self { ok: true, error: None, data: Map::new() }
    }

    /// Success with data.
    pub fn ok_with(data: Map<String, Value>) -> Self {
        Self { ok: true, error: None, data }
    }

    /// Failure, with the reason.
    pub fn failed(error: impl Into<String>) -> Self {
        Self { ok: false, error: Some(error.into()), data: Map::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_flat_json_with_a_type() {
        let event = Event {
            seq: 7,
            at: DateTime::from_timestamp(1_800_000_000, 0).expect("time"),
            kiosk_id: "k1".into(),
            kind: EventKind::DeviceState {
                device: "reader".into(),
                state: "disconnected".into(),
                detail: None,
            },
        };
        let json: Value = serde_json::to_value(&event).expect("json");
        assert_eq!(json["type"], "device_state");
        assert_eq!(json["device"], "reader");
        assert_eq!(json["seq"], 7);
        assert_eq!(json["at"], "2027-01-15T08:00:00Z");
        let back: Event = serde_json::from_value(json).expect("back");
        assert_eq!(back, event);
    }

    #[test]
    fn opinions_are_flat_json_with_score_and_comment() {
        let event = Event {
            seq: 8,
            at: DateTime::from_timestamp(1_800_000_000, 0).expect("time"),
            kiosk_id: "k1".into(),
            kind: EventKind::Opinion { score: 4, comment: Some("très bien".into()) },
        };
        let json: Value = serde_json::to_value(&event).expect("json");
        assert_eq!(json["type"], "opinion");
        assert_eq!(json["score"], 4);
        assert_eq!(json["comment"], "très bien");
        let back: Event = serde_json::from_value(json).expect("back");
        assert_eq!(back, event);
    }

    #[test]
    fn unanswered_questions_are_flat_json_with_question_reason_and_nearest_id() {
        let event = Event {
            seq: 9,
            at: DateTime::from_timestamp(1_800_000_000, 0).expect("time"),
            kiosk_id: "k1".into(),
            kind: EventKind::Unanswered {
                question: "je m'appelle [nom], carte grise perdue au ## ## ##".into(),
                reason: "low_confidence".into(),
                nearest_id: Some("carte-grise".into()),
            },
        };
        let json: Value = serde_json::to_value(&event).expect("json");
        assert_eq!(json["type"], "unanswered");
        assert_eq!(json["question"], "je m'appelle [nom], carte grise perdue au ## ## ##");
        assert_eq!(json["reason"], "low_confidence");
        assert_eq!(json["nearest_id"], "carte-grise");
        assert_eq!(json["seq"], 9);
        let back: Event = serde_json::from_value(json).expect("back");
        assert_eq!(back, event);

        // No nearest entry: null, not missing.
        let event = Event {
            kind: EventKind::Unanswered {
                question: "ou faire immatriculer ma moto".into(),
                reason: "refused".into(),
                nearest_id: None,
            },
            ..event
        };
        let text = serde_json::to_string(&event).expect("json");
        assert!(text.contains(r#""type":"unanswered""#) && text.contains(r#""nearest_id":null"#), "{text}");
        let back: Event = serde_json::from_str(&text).expect("back");
        assert_eq!(back, event);
    }

    #[test]
    fn commands_need_an_object_with_a_usable_id() {
        let cmd = Command::parse("alert", br#"{"id":"a-1","text":"Fermeture 17h"}"#).expect("ok");
        assert_eq!(cmd.id, "a-1");
        assert_eq!(cmd.str_arg("text"), Some("Fermeture 17h"));
        assert!(!cmd.args.contains_key("id"));
        assert_eq!(Command::parse("ping", br#"{"id":42}"#).expect("numeric id").id, "42");
        assert!(matches!(Command::parse("ping", b"{oops"), Err((None, CommandError::Malformed(_)))));
        assert!(matches!(Command::parse("ping", b"[1]"), Err((None, CommandError::Malformed(_)))));
        assert!(matches!(Command::parse("ping", br#"{"id":"a/b"}"#), Err((None, CommandError::BadId))));
        assert!(matches!(Command::parse("ping", br#"{}"#), Err((None, CommandError::BadId))));
    }

    #[test]
    fn replies_omit_the_error_when_ok_and_flatten_data() {
        let mut data = Map::new();
        data.insert("pong".into(), Value::Bool(true));
        let reply = Reply {
            id: Some("1".into()),
            ok: true,
            error: None,
            command: "ping".into(),
            seq: 3,
            at: DateTime::from_timestamp(0, 0).expect("time"),
            data,
        };
        let json = serde_json::to_value(&reply).expect("json");
        assert_eq!(json["pong"], true);
        assert!(json.get("error").is_none());
        assert_eq!(json["ok"], true);
    }
}

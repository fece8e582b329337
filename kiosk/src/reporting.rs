//! What the touchscreen reports, turned into telemetry: the [`UiReporter`] of `borne run` on a
//! display. Ended sessions go to the [`UsageCounters`]; votes, incidents and opinions become
//! telemetry events with every free text masked (`mask_personal_data`) and capped, and never a
//! contact. The contact a visitor leaves with an incident is kept on the kiosk only, in the local
//! incidents file (`state_dir/incidents.jsonl`, readable by the kiosk user only), for the
//! commune's staff to call back.
//!
//! Votes are already counted in the usage report by the chatbot's feedback log: here they only
//! become `vote` events, as in the terminal session. Incidents and opinions are events only (each
//! one is one event: counting them again in `usage` would say the same thing twice).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use borne_chatbot::feedback::mask_personal_data;
use borne_telemetry::client::EventSink;
use borne_telemetry::messages::{EventKind, OPINION_COMMENT_MAX_CHARS};
use borne_ui::UiReporter;
use borne_ui::opinion::Opinion;
use borne_ui::report::Incident;
use serde::Serialize;
use thiserror::Error;

use crate::telemetry::UsageCounters;

/// Longest incident description an `incident` event carries, in characters (after masking).
pub const INCIDENT_DESCRIPTION_MAX_CHARS: usize = 600;

/// The name of the local incidents file in the kiosk's state directory.
pub const INCIDENTS_FILE: &str = "incidents.jsonl";

/// Where events go: the telemetry's sink in the kiosk, a recorder in tests.
pub type Events = Arc<dyn Fn(EventKind) + Send + Sync>;

/// Events sent to a running telemetry client.
pub fn events_to(sink: EventSink) -> Events {
    Arc::new(move |kind| sink.event(kind))
}

/// Why an incident could not be written to the local incidents file.
#[derive(Debug, Error)]
pub enum IncidentsFileError {
    /// The file could not be opened or written.
    #[error("incidents file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The record could not be encoded.
    #[error("incident record not encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

/// One line of the local incidents file (JSON Lines).
#[derive(Debug, Serialize)]
struct IncidentRecord<'a> {
    ticket: &'a str,
    at: String,
    category: &'a str,
    place: &'a str,
    description: &'a str,
    contact: Option<&'a str>,
}

/// Appends `incident`, contact included, to the incidents file at `path`, creating it readable
/// and writable by the kiosk user only (mode 600).
pub fn append_incident(path: &Path, incident: &Incident) -> Result<(), IncidentsFileError> {
    let record = IncidentRecord {
        ticket: &incident.ticket,
        at: incident.reported_at.to_rfc3339(),
        category: incident.category.code(),
        place: &incident.place,
        description: &incident.description,
        contact: incident.contact.as_deref(),
    };
    let mut line = serde_json::to_string(&record)?;
    line.push('\n');
    let io = |source| IncidentsFileError::Io { path: path.to_path_buf(), source };
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(line.as_bytes()).map_err(io)?;
    file.sync_data().map_err(io)
}

fn cap(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The `incident` event of `incident`: category code, masked and capped description (place and
/// what happens), ticket; never the contact.
pub fn incident_event(incident: &Incident) -> EventKind {
    EventKind::Incident {
        category: incident.category.code().to_string(),
        description: cap(&mask_personal_data(&incident.text()), INCIDENT_DESCRIPTION_MAX_CHARS),
        ticket: incident.ticket.clone(),
    }
}

/// The `opinion` event of `opinion`: the score, the comment masked and capped.
pub fn opinion_event(opinion: &Opinion) -> EventKind {
    EventKind::Opinion {
        score: opinion.score,
        comment: opinion
            .comment
            .as_deref()
            .map(|c| cap(&mask_personal_data(c.trim()), OPINION_COMMENT_MAX_CHARS))
            .filter(|c| !c.is_empty()),
    }
}

/// The touchscreen's reporter in `borne run`. Each part is optional: without a broker there are
/// no counters nor events, and the incidents file is still written when there is a state
/// directory.
#[derive(Default)]
pub struct KioskReporter {
    /// Usage counters of the running telemetry.
    pub usage: Option<Arc<UsageCounters>>,
    /// Where events go.
    pub events: Option<Events>,
    /// The local incidents file, when the kiosk has a state directory.
    pub incidents_file: Option<PathBuf>,
}

impl KioskReporter {
    fn event(&self, kind: EventKind) {
        if let Some(events) = &self.events {
            events(kind);
        }
    }
}

impl UiReporter for KioskReporter {
    fn session_ended(&self, length: Duration) {
        if let Some(usage) = &self.usage {
            usage.session_ended(length);
        }
    }

    fn voted(&self, faq_id: Option<&str>, helpful: bool) {
        self.event(EventKind::Vote { helpful, faq_id: faq_id.map(str::to_string) });
    }

    fn incident(&self, incident: &Incident) {
        if let Some(path) = &self.incidents_file
            && let Err(e) = append_incident(path, incident)
        {
            // The error names the file and the failure, never the incident's text.
            tracing::error!(error = %e, ticket = %incident.ticket, "incident not saved locally");
        }
        self.event(incident_event(incident));
    }

    fn opinion(&self, opinion: &Opinion) {
        self.event(opinion_event(opinion));
    }
}

/// The real Mosquitto of the telemetry tests, for the end-to-end test below.
#[cfg(test)]
#[path = "../../telemetry/tests/support/mod.rs"]
mod mqtt_support;

#[cfg(test)]
mod tests {
    use super::*;
    use borne_ui::report::Category;
    use chrono::TimeZone;
    use std::sync::Mutex;

    fn incident() -> Incident {
        Incident {
            ticket: "2026-0042".into(),
            category: Category::Lighting,
            place: "12 rue des Lilas".into(),
            description: "lampadaire éteint, je m'appelle Jean Dupont".into(),
            contact: Some("jean.dupont@mail.fr 06 12 34 56 78".into()),
            reported_at: chrono_tz::Europe::Paris
                .with_ymd_and_hms(2026, 11, 30, 10, 0, 0)
                .single()
                .expect("time"),
        }
    }

    fn recording() -> (KioskReporter, Arc<Mutex<Vec<EventKind>>>, Arc<UsageCounters>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let events: Events = {
            let seen = Arc::clone(&seen);
            Arc::new(move |kind| seen.lock().expect("lock").push(kind))
        };
        let usage = Arc::new(UsageCounters::default());
        (
            KioskReporter { usage: Some(Arc::clone(&usage)), events: Some(events), incidents_file: None },
            seen,
            usage,
        )
    }

    #[test]
    fn an_incident_event_is_masked_and_has_no_contact() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut reporter, seen, _) = recording();
        reporter.incidents_file = Some(dir.path().join(INCIDENTS_FILE));
        reporter.incident(&incident());
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen.len(), 1);
        let EventKind::Incident { category, description, ticket } = &seen[0] else {
            panic!("not an incident: {:?}", seen[0]);
        };
        assert_eq!((category.as_str(), ticket.as_str()), ("lighting", "2026-0042"));
        assert_eq!(description, "Lieu : ## rue des Lilas\nlampadaire éteint, je m'appelle [nom]");
        let json = serde_json::to_string(&seen[0]).expect("json");
        for personal in ["jean", "Jean", "06 12", "12 rue", "Dupont"] {
            assert!(!json.contains(personal), "{personal} leaked: {json}");
        }

        // The contact stays on the kiosk, in a file only the kiosk user can read.
        let path = dir.path().join(INCIDENTS_FILE);
        let text = std::fs::read_to_string(&path).expect("incidents file");
        let record: serde_json::Value = serde_json::from_str(text.trim()).expect("json line");
        assert_eq!(record["contact"], "jean.dupont@mail.fr 06 12 34 56 78");
        assert_eq!(record["ticket"], "2026-0042");
        assert_eq!(record["place"], "12 rue des Lilas");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        reporter.incident(&incident());
        assert_eq!(std::fs::read_to_string(&path).expect("read").lines().count(), 2, "appended");
    }

    /// End to end: what the touchscreen reports reaches a real Mosquitto as `event` messages,
    /// masked, without the contact.
    #[test]
    fn incidents_and_opinions_reach_the_broker_masked_and_without_contact() {
        use super::mqtt_support::{self, Broker, USERS, Watcher};
        use borne_telemetry::client::{self, BrokerUrl, ClientConfig, CommandHandler, KioskProbe};
        use borne_telemetry::messages::{Command, KioskState, Outcome};
        use borne_telemetry::spool::{Spool, SpoolLimits};

        struct Probe;
        impl KioskProbe for Probe {
            fn state(&self) -> KioskState {
                KioskState::default()
            }
        }
        struct Handler;
        impl CommandHandler for Handler {
            fn handle(&self, _command: &Command) -> Outcome {
                Outcome::failed("not in this test")
            }
        }

        if !mqtt_support::enabled() {
            return;
        }
        let broker = Broker::start();
        let mut watch = Watcher::start(&broker, "borne/#");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let mut config =
            ClientConfig::new(BrokerUrl::parse(&broker.url()).expect("url"), "borne", "site1", "kiosk1");
        config.interval = Duration::from_secs(60);
        let password = USERS.iter().find(|(u, _)| *u == "kiosk1").expect("user").1;
        config.credentials = Some(("kiosk1".into(), password.into()));
        let handle = {
            let _guard = rt.enter();
            client::start(
                config,
                Spool::in_memory(SpoolLimits::default()),
                Arc::new(Probe),
                Arc::new(Handler),
            )
            .expect("client")
        };
        let reporter =
            KioskReporter { usage: None, events: Some(events_to(handle.sink())), incidents_file: None };
        reporter.incident(&incident());
        reporter.opinion(&Opinion { score: 1, comment: Some("écrivez à jo@mail.fr".into()) });

        let long = Duration::from_secs(20);
        let seen = watch.wait_for("the incident", long, |s| {
            s.topic == "borne/site1/kiosk1/event" && s.json["type"] == "incident"
        });
        assert_eq!(seen.json["ticket"], "2026-0042");
        assert_eq!(seen.json["category"], "lighting");
        assert_eq!(
            seen.json["description"],
            "Lieu : ## rue des Lilas\nlampadaire éteint, je m'appelle [nom]"
        );
        let text = seen.json.to_string();
        assert!(!text.contains("mail.fr") && !text.contains("06 12") && !text.contains("contact"), "{text}");
        let seen = watch.wait_for("the opinion", long, |s| {
            s.topic == "borne/site1/kiosk1/event" && s.json["type"] == "opinion"
        });
        assert_eq!(seen.json["score"], 1);
        assert_eq!(seen.json["comment"], "écrivez à [email]");
        rt.block_on(handle.shutdown());
    }

    #[test]
    fn opinions_are_masked_and_capped_votes_are_events_and_sessions_are_counted() {
        let (reporter, seen, usage) = recording();
        reporter.opinion(&Opinion { score: 2, comment: Some("appelez-moi au 0612345678 ".repeat(30)) });
        reporter.opinion(&Opinion { score: 5, comment: None });
        reporter.voted(Some("mediatheque-wifi"), false);
        reporter.session_ended(Duration::from_secs(42));
        let seen = seen.lock().expect("lock");
        let EventKind::Opinion { score: 2, comment: Some(comment) } = &seen[0] else {
            panic!("{:?}", seen[0]);
        };
        assert_eq!(comment.chars().count(), OPINION_COMMENT_MAX_CHARS);
        assert!(!comment.contains('6') && comment.contains("##########"), "{comment}");
        assert_eq!(seen[1], EventKind::Opinion { score: 5, comment: None });
        assert_eq!(seen[2], EventKind::Vote { helpful: false, faq_id: Some("mediatheque-wifi".into()) });
        assert_eq!(seen.len(), 3, "a session is counted, not sent as an event");
        let (sessions, session_ms, _, _) = usage.take();
        assert_eq!((sessions, session_ms), (1, 42_000));
    }
}

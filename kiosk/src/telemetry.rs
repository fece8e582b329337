//! The kiosk side of telemetry: what `borne run` reports over MQTT and how it answers commands.
//!
//! The MQTT client itself lives in `borne-telemetry` and runs on the I/O runtime, never on the
//! thread that meets visitors. This module gives it a [`Probe`] (content version, printer and
//! reader states, paper, usage counters taken since the last report) and a [`Commands`] handler,
//! and taps the devices' events: the card reader's (counted, and device changes reported as
//! events; card numbers never leave the reader thread unmasked, and only the count is sent) and
//! the printer's (state changes reported, receipts counted, failures reported).
//!
//! At each report the questions the chatbot logged as gaps since the previous one (refused, barely
//! answered, voted unhelpful) become `unanswered` events, masked and capped, for the fleet
//! dashboard's "top unanswered questions".

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use borne_chatbot::feedback::{FeedbackLog, GapRecord, mask_personal_data};
use borne_content::ContentStore;
use borne_hardware::printer::{PrinterEvent, PrinterState, receipt::test_page};
use borne_hardware::reader::ReaderEvent;
use borne_telemetry::client::{
    self, BrokerUrl, ClientConfig, CommandHandler, EventSink, KioskProbe, TelemetryHandle,
};
use borne_telemetry::messages::{
    Command, EventKind, KioskState, Outcome, UNANSWERED_QUESTION_MAX_CHARS, Usage,
};
use borne_telemetry::spool::{Spool, SpoolLimits, SyncPolicy};
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::config::Config;
use crate::content_watch::{self, Reloader};
use crate::printing::{KioskPrinter, Printed, describe};
use crate::screen::Screen;

/// How long `print-test` waits for the printer before answering that the page is queued.
const PRINT_TEST_WAIT: Duration = Duration::from_secs(10);

/// Usage counted by the kiosk between two reports.
#[derive(Debug, Default)]
pub struct UsageCounters {
    sessions: AtomicU64,
    session_ms: AtomicU64,
    cards_read: AtomicU64,
    prints: AtomicU64,
}

impl UsageCounters {
    /// A visitor session ended after `length`.
    pub fn session_ended(&self, length: Duration) {
        self.sessions.fetch_add(1, Ordering::Relaxed);
        self.session_ms.fetch_add(length.as_millis() as u64, Ordering::Relaxed);
    }

    /// A card was read.
    pub fn card_read(&self) {
        self.cards_read.fetch_add(1, Ordering::Relaxed);
    }

    /// A receipt was printed.
    pub fn printed(&self) {
        self.prints.fetch_add(1, Ordering::Relaxed);
    }

    /// (sessions, total session milliseconds, cards read, receipts printed) since the last call.
    pub(crate) fn take(&self) -> (u64, u64, u64, u64) {
        (
            self.sessions.swap(0, Ordering::Relaxed),
            self.session_ms.swap(0, Ordering::Relaxed),
            self.cards_read.swap(0, Ordering::Relaxed),
            self.prints.swap(0, Ordering::Relaxed),
        )
    }
}

/// What the telemetry reads at each report.
pub struct Probe {
    store: Arc<ContentStore>,
    feedback: Arc<FeedbackLog>,
    usage: Arc<UsageCounters>,
    reader: Arc<Mutex<String>>,
    printer: Option<Arc<KioskPrinter>>,
    screen: Arc<Screen>,
    /// Where the unanswered questions go, once the client runs (set right after it starts).
    events: Arc<OnceLock<EventSink>>,
}

impl Probe {
    /// Sends the gap records logged since the previous report as `unanswered` events. Before the
    /// client's sink is set (the very first report may come first) they stay queued.
    fn report_unanswered(&self) {
        let Some(sink) = self.events.get() else { return };
        for record in self.feedback.take_new_records() {
            sink.event(unanswered_event(&record));
        }
    }
}

/// The `unanswered` event of a gap record. The feedback log masks questions before it keeps them;
/// they are masked again here (masking is idempotent) so that nothing unmasked can go out, and
/// cut to [`UNANSWERED_QUESTION_MAX_CHARS`] characters.
pub fn unanswered_event(record: &GapRecord) -> EventKind {
    EventKind::Unanswered {
        question: mask_personal_data(&record.question).chars().take(UNANSWERED_QUESTION_MAX_CHARS).collect(),
        reason: record.reason.code().to_string(),
        nearest_id: record.best_id.clone(),
    }
}

/// The paper as telemetry reports it: `ok`, `near_end`, `out`, or `unknown` when the printer
/// cannot say (cover open, offline, unplugged) or there is none.
fn paper_of(state: Option<PrinterState>) -> &'static str {
    match state {
        Some(PrinterState::Online) => "ok",
        Some(PrinterState::PaperNearEnd) => "near_end",
        Some(PrinterState::PaperOut) => "out",
        _ => "unknown",
    }
}

impl KioskProbe for Probe {
    fn state(&self) -> KioskState {
        let chat = self.feedback.take_counters();
        self.report_unanswered();
        let (sessions, session_ms, cards_read, prints) = self.usage.take();
        let printer = self.printer.as_ref().map(|p| p.state());
        KioskState {
            content_version: self.store.current().version.to_string(),
            printer: printer.map_or("none", PrinterState::name).into(),
            reader: self.reader.lock().map(|s| s.clone()).unwrap_or_else(|_| "unknown".into()),
            paper: paper_of(printer).into(),
            usage: Usage {
                sessions,
                questions: chat.questions,
                answered: chat.answered,
                refused: chat.refused,
                helpful_yes: chat.helpful_yes,
                helpful_no: chat.helpful_no,
                prints,
                cards_read,
                mean_session_secs: (sessions > 0).then(|| session_ms as f64 / sessions as f64 / 1000.0),
            },
            screen: self.screen.mode().to_string(),
            alert: self.screen.alert(),
            maintenance: self.screen.maintenance(),
            screen_asleep: self.screen.asleep(),
        }
    }
}

/// Carries out remote commands.
pub struct Commands {
    reloader: Arc<Reloader>,
    started: Instant,
    version: String,
    printer: Option<Arc<KioskPrinter>>,
    content_dir: Option<PathBuf>,
    clock: Clock,
    screen: Arc<Screen>,
}

impl Commands {
    /// Prints the test page (with the commune's letterhead) and says where it went.
    fn print_test(&self) -> Outcome {
        let Some(printer) = &self.printer else {
            return Outcome::failed(
                "no printer: the receipt printer could not be started (see the kiosk's log)",
            );
        };
        let content = self.reloader.store.current();
        let head = printer.letterhead(&content, self.content_dir.as_deref(), self.clock.now());
        let page = match test_page(printer.profile(), &head) {
            Ok(page) => page,
            Err(err) => return Outcome::failed(format!("test page not built: {err}")),
        };
        match printer.print(page, PRINT_TEST_WAIT) {
            Ok(Printed::Queued(state)) => Outcome::failed(format!(
                "test page queued, not printed: {} (it prints when the printer is ready)",
                state.describe()
            )),
            Ok(printed) => {
                let mut data = Map::new();
                data.insert("printed".into(), Value::from(describe(&printed)));
                data.insert("printer".into(), Value::from(printer.state().name()));
                Outcome::ok_with(data)
            }
            Err(err) => Outcome::failed(format!("test page not printed: {err:#}")),
        }
    }
}

impl CommandHandler for Commands {
    fn handle(&self, command: &Command) -> Outcome {
        match command.name.as_str() {
            "ping" => {
                let mut data = Map::new();
                data.insert("version".into(), Value::from(self.version.clone()));
                data.insert("uptime_secs".into(), Value::from(self.started.elapsed().as_secs()));
                data.insert(
                    "content_version".into(),
                    Value::from(self.reloader.store.current().version.to_string()),
                );
                Outcome::ok_with(data)
            }
            "reload-content" => match content_watch::reload_and_log(&self.reloader) {
                Ok(version) => {
                    let mut data = Map::new();
                    data.insert("content_version".into(), Value::from(version));
                    Outcome::ok_with(data)
                }
                Err((errors, kept)) => Outcome::failed(format!(
                    "the content has {errors} error(s); version {kept} stays in service"
                )),
            },
            "alert" => self.screen.alert_command(&command.args),
            "maintenance" => self.screen.maintenance_command(&command.args),
            "screenshot" => self.screen.screenshot_command(),
            "print-test" => self.print_test(),
            "restart" => Outcome::failed(
                "restart is not available yet: it needs the service manager set-up (issue 9); \
                 nothing was done",
            ),
            other => Outcome::failed(format!("unknown command '{other}'")),
        }
    }
}

/// Taps the reader's events: counts cards, keeps the reader state for telemetry, reports
/// connections and disconnections as events, and passes every event on to the returned receiver
/// (for the terminal session, or drained when headless).
pub fn tap_reader(
    events: Receiver<ReaderEvent>,
    usage: Arc<UsageCounters>,
    state: Arc<Mutex<String>>,
    sink: EventSink,
) -> Receiver<ReaderEvent> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new().name("reader-tap".into()).spawn(move || {
        for event in events {
            let change = match &event {
                ReaderEvent::Connected { .. } => Some(("connected", None)),
                ReaderEvent::Disconnected { reason, .. } => Some(("disconnected", Some(reason.clone()))),
                ReaderEvent::Card(_) => {
                    usage.card_read();
                    None
                }
                ReaderEvent::Rejected { .. } => None,
            };
            if let Some((new_state, detail)) = change {
                if let Ok(mut s) = state.lock() {
                    *s = new_state.to_string();
                }
                sink.event(EventKind::DeviceState {
                    device: "reader".into(),
                    state: new_state.into(),
                    detail,
                });
            }
            if tx.send(event).is_err() {
                // Nobody shows them any more: keep counting.
                continue;
            }
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the reader tap; card reads are not counted");
    }
    rx
}

/// Taps the printer's events on a thread of their own: state changes become `device_state`
/// events (`printer`, `online`, `paper_out`…), printed receipts are counted, failed ones reported
/// as errors (the reason names the printer state, never what was on the receipt).
pub fn tap_printer(events: Receiver<PrinterEvent>, usage: Arc<UsageCounters>, sink: EventSink) {
    let spawned = std::thread::Builder::new().name("printer-tap".into()).spawn(move || {
        for event in events {
            match event {
                PrinterEvent::State(state) => sink.event(EventKind::DeviceState {
                    device: "printer".into(),
                    state: state.name().into(),
                    detail: Some(state.describe().into()),
                }),
                PrinterEvent::Printed { .. } => usage.printed(),
                PrinterEvent::Failed { reason, .. } => {
                    sink.event(EventKind::Error { message: format!("receipt not printed: {reason}") })
                }
            }
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the printer tap; prints are not counted");
    }
}

/// What the kiosk keeps of the running telemetry.
pub struct Running {
    /// The client.
    pub handle: TelemetryHandle,
    /// Usage counters fed by the session and the reader.
    pub usage: Arc<UsageCounters>,
    /// The reader state reported.
    pub reader_state: Arc<Mutex<String>>,
}

/// Where the spool lives: `telemetry.spool_dir`, else `state_dir/spool`, else nowhere (memory).
pub fn spool_dir(config: &Config) -> Option<PathBuf> {
    config.telemetry.spool_dir.clone().or_else(|| config.kiosk.state_dir.as_ref().map(|d| d.join("spool")))
}

/// Starts telemetry when a broker is configured (`None` otherwise). Must run inside the runtime.
pub fn start(
    config: &Config,
    store: Arc<ContentStore>,
    feedback: Arc<FeedbackLog>,
    reloader: Arc<Reloader>,
    printer: Option<Arc<KioskPrinter>>,
    clock: Clock,
    screen: Arc<Screen>,
) -> anyhow::Result<Option<Running>> {
    let Some(url) = &config.broker.url else {
        tracing::info!("no broker configured: telemetry off");
        return Ok(None);
    };
    let broker = BrokerUrl::parse(url)?;
    let limits = SpoolLimits {
        max_records: config.telemetry.spool_max_records,
        max_bytes: config.telemetry.spool_max_bytes,
    };
    let dir = spool_dir(config);
    let spool = match &dir {
        Some(dir) => {
            let spool = Spool::open(dir, limits, SyncPolicy::EveryRecord)
                .with_context(|| format!("cannot open the telemetry spool in {}", dir.display()))?;
            tracing::info!(
                dir = %dir.display(),
                recovered = spool.recovered(),
                torn = spool.skipped_torn(),
                "telemetry spool opened"
            );
            spool
        }
        None => {
            tracing::warn!(
                "no state_dir or spool_dir: telemetry is spooled in memory only (lost on restart)"
            );
            Spool::in_memory(limits)
        }
    };
    let mut client_config =
        ClientConfig::new(broker, &config.broker.root, &config.kiosk.site, &config.kiosk.id);
    client_config.interval = Duration::from_secs(config.telemetry.interval_secs);
    client_config.keep_alive = Duration::from_secs(config.broker.keep_alive_secs);
    client_config.version = env!("CARGO_PKG_VERSION").to_string();
    client_config.disk_path = dir.clone();
    client_config.credentials = config.broker.credentials()?;
    client_config.tls = config.broker.tls_files()?;
    let version = client_config.version.clone();
    let usage = Arc::new(UsageCounters::default());
    let reader_state = Arc::new(Mutex::new("none".to_string()));
    let events = Arc::new(OnceLock::new());
    let probe = Probe {
        store,
        feedback,
        usage: Arc::clone(&usage),
        reader: Arc::clone(&reader_state),
        printer: printer.clone(),
        screen: Arc::clone(&screen),
        events: Arc::clone(&events),
    };
    let commands = Commands {
        reloader: Arc::clone(&reloader),
        started: Instant::now(),
        version,
        printer: printer.clone(),
        content_dir: config.content.dir.clone(),
        clock,
        screen,
    };
    let handle = client::start(client_config, spool, Arc::new(probe), Arc::new(commands))?;
    let _ = reloader.events.set(handle.sink());
    let _ = events.set(handle.sink());
    if let Some(events) = printer.as_ref().and_then(|p| p.take_events()) {
        tap_printer(events, Arc::clone(&usage), handle.sink());
    }
    Ok(Some(Running { handle, usage, reader_state }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use borne_chatbot::feedback::GapReason;

    fn record(question: &str, reason: GapReason, best_id: Option<&str>) -> GapRecord {
        GapRecord {
            at: chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time"),
            question: question.into(),
            reason,
            best_id: best_id.map(str::to_string),
            score: 0.2,
        }
    }

    #[test]
    fn unanswered_events_carry_the_masked_capped_question_reason_and_nearest_entry() {
        let event = unanswered_event(&record("ou garer mon velo", GapReason::Refused, None));
        assert_eq!(
            event,
            EventKind::Unanswered {
                question: "ou garer mon velo".into(),
                reason: "refused".into(),
                nearest_id: None,
            }
        );
        // Even a record that was not masked (it always is) goes out masked.
        let event = unanswered_event(&record(
            "je m'appelle Dupont, 06 12 34 56 78, a@b.fr",
            GapReason::Unhelpful,
            Some("cni-perte"),
        ));
        assert_eq!(
            event,
            EventKind::Unanswered {
                question: "je m'appelle [nom], ## ## ## ## ##, [email]".into(),
                reason: "unhelpful".into(),
                nearest_id: Some("cni-perte".into()),
            }
        );
        let long = "é".repeat(UNANSWERED_QUESTION_MAX_CHARS + 50);
        let EventKind::Unanswered { question, reason, .. } =
            unanswered_event(&record(&long, GapReason::LowConfidence, None))
        else {
            panic!("not an unanswered event");
        };
        assert_eq!(
            (question.chars().count(), reason.as_str()),
            (UNANSWERED_QUESTION_MAX_CHARS, "low_confidence")
        );
    }
}

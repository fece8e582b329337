//! `borne run` on a display: the Slint touchscreen UI (winit backend), wired to the kiosk's content,
//! chatbot, feedback log, receipt printer and card reader. The UI crate knows nothing of the devices:
//! [`UiPrinter`] adapts the [`KioskPrinter`] to the UI's printer interface (answers and incident
//! tickets), card reads become a notice on screen, and what the UI reports (sessions, votes,
//! incidents, opinions) goes to telemetry through [`KioskReporter`]. Outside the power-saving hours
//! of `[screen]` the window goes black and the backlight is powered down ([`BacklightSwitch`]).
//!
//! [`KioskReporter`]: crate::reporting::KioskReporter

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use borne_chatbot::feedback::FeedbackLog;
use borne_chatbot::{Chatbot, Reply};
use borne_content::{ContentStore, Lang};
use borne_hardware::liveness::Liveness;
use borne_hardware::reader::ReaderEvent;
use borne_telemetry::client::EventSink;
use borne_ui::idle::IdleSettings;
use borne_ui::report::{Incident, TicketPrint};
use borne_ui::strings::Text;
use borne_ui::ticket::TicketBook;
use borne_ui::{AnswerPrinter, Kiosk, KioskHandle, UiReporter, UiServices};

use crate::backlight::BacklightSwitch;
use crate::clock::Clock;
use crate::config::Config;
use crate::printing::{KioskPrinter, Printed};
use crate::reading;
use crate::reporting::{self, KioskReporter};
use crate::screen::Screen;
use crate::telemetry::UsageCounters;
use crate::watchdog::Watchdog;

/// How long the touchscreen waits for a receipt before saying it is queued.
const PRINT_WAIT: Duration = Duration::from_secs(5);

/// The kiosk's printer as the touchscreen uses it: prints the answer sheet of the FAQ entry answered,
/// and the sheet of a procedure ("Démarches").
pub struct UiPrinter {
    /// The printer.
    pub printer: Arc<KioskPrinter>,
    /// The content, for the letterhead and the FAQ entry.
    pub store: Arc<ContentStore>,
    /// The kiosk's clock (date on the receipt).
    pub clock: Clock,
    /// The content directory (logo on the receipt), when not embedded.
    pub content_dir: Option<PathBuf>,
}

impl AnswerPrinter for UiPrinter {
    fn unavailable(&self, lang: Lang) -> Option<String> {
        let state = self.printer.state();
        if state.can_print() {
            return None;
        }
        Some(match lang {
            Lang::Fr => format!("Impression impossible pour le moment : {}.", state.describe()),
            Lang::En => format!("Printing is not possible right now ({}).", state.name().replace('_', " ")),
        })
    }

    fn print_answer(&self, question: &str, reply: &Reply, lang: Lang) -> Result<String, String> {
        let content = self.store.current();
        let Some(entry) = reply.id.as_deref().and_then(|id| content.faq_entry(id)) else {
            return Err(Text::NothingToPrint.get(lang).to_string());
        };
        let head = self.printer.letterhead(&content, self.content_dir.as_deref(), self.clock.now());
        let receipt = borne_hardware::printer::receipt::answer_sheet(
            self.printer.profile(),
            &head,
            entry,
            Some(question),
        );
        self.deliver(receipt, "answer", &entry.id, lang)
    }

    fn print_procedure(&self, procedure_id: &str, lang: Lang) -> Result<String, String> {
        let content = self.store.current();
        let Some(procedure) = content.procedure(procedure_id) else {
            tracing::warn!(procedure_id, "no such procedure to print");
            return Err(Text::NothingToPrint.get(lang).to_string());
        };
        let head = self.printer.letterhead(&content, self.content_dir.as_deref(), self.clock.now());
        let receipt =
            borne_hardware::printer::receipt::procedure_sheet(self.printer.profile(), &head, procedure);
        self.deliver(receipt, "procedure", procedure_id, lang)
    }

    fn print_incident(&self, incident: &Incident) -> Result<TicketPrint, String> {
        let content = self.store.current();
        let head = self.printer.letterhead(&content, self.content_dir.as_deref(), self.clock.now());
        let ticket = incident_ticket(incident);
        let result =
            borne_hardware::printer::receipt::incident_ticket(self.printer.profile(), &head, &ticket)
                .map_err(anyhow::Error::from)
                .and_then(|receipt| self.printer.print(receipt, PRINT_WAIT));
        match result {
            Ok(printed) => {
                tracing::info!(ticket = %incident.ticket, outcome = %crate::printing::describe(&printed), "incident ticket printed");
                Ok(match printed {
                    Printed::Queued(_) => TicketPrint::Queued,
                    Printed::Device(_) | Printed::Simulated { .. } => TicketPrint::Printed,
                })
            }
            Err(err) => Err(format!("{err:#}")),
        }
    }
}

impl UiPrinter {
    /// Sends a built receipt (an answer or procedure sheet, `what` with id `id`) to the printer and
    /// says how it went, in `lang`.
    fn deliver(
        &self,
        receipt: Result<
            borne_hardware::printer::receipt::Receipt,
            borne_hardware::printer::receipt::ReceiptError,
        >,
        what: &str,
        id: &str,
        lang: Lang,
    ) -> Result<String, String> {
        match receipt.map_err(anyhow::Error::from).and_then(|receipt| self.printer.print(receipt, PRINT_WAIT))
        {
            Ok(printed) => {
                tracing::info!(what, id, outcome = %crate::printing::describe(&printed), "printed from the touchscreen");
                Ok(match printed {
                    Printed::Queued(_) => Text::PrintQueued,
                    Printed::Device(_) | Printed::Simulated { .. } => Text::PrintDone,
                }
                .get(lang)
                .to_string())
            }
            Err(err) => {
                tracing::warn!(what, id, error = %format!("{err:#}"), "sheet not printed");
                Err(Text::PrintFailed.get(lang).to_string())
            }
        }
    }
}

/// The printed ticket of `incident`, in French like every receipt: the visitor's own words (place
/// and description), never the contact.
fn incident_ticket(incident: &Incident) -> borne_hardware::printer::IncidentTicket {
    borne_hardware::printer::IncidentTicket {
        number: incident.ticket.clone(),
        category: incident.category.label(Lang::Fr).to_string(),
        reported_at: incident.reported_at.format("%d/%m/%Y à %Hh%M").to_string(),
        description: incident.text(),
        next_steps: vec![
            "Les services de la commune vont examiner votre signalement.".to_string(),
            "Gardez ce ticket : donnez son numéro à l'accueil de la mairie pour en parler.".to_string(),
        ],
        link: None,
    }
}

/// Everything the touchscreen session is built from.
pub struct Parts {
    /// The content in service.
    pub store: Arc<ContentStore>,
    /// The chatbot.
    pub chatbot: Arc<Chatbot>,
    /// The feedback log.
    pub feedback: Arc<FeedbackLog>,
    /// The kiosk's clock.
    pub clock: Clock,
    /// The printer, when it started.
    pub printer: Option<Arc<KioskPrinter>>,
    /// Card reader events, when a reader started.
    pub cards: Option<Receiver<ReaderEvent>>,
    /// What remote commands ask of the screen (alert, maintenance, screenshot).
    pub screen: Arc<Screen>,
    /// Whether the window covers the whole screen.
    pub fullscreen: bool,
    /// Usage counters of the running telemetry (ended sessions), when it runs.
    pub usage: Option<Arc<UsageCounters>>,
    /// Telemetry events (votes, incidents, opinions), when it runs.
    pub events: Option<EventSink>,
    /// systemd's watchdog: the UI's event loop is one of the loops it supervises.
    pub watchdog: Arc<Watchdog>,
}

/// How often the UI's event loop touches its liveness, and the longest silence the watchdog
/// allows it: all slow work runs off the UI thread, so a UI silent for 15 s is frozen.
const UI_PULSE: Duration = Duration::from_secs(1);
const UI_MAX_SILENCE: Duration = Duration::from_secs(15);

/// The touchscreen's reporter: telemetry when it runs, and the local incidents file in the state
/// directory when there is one.
fn reporter(
    config: &Config,
    usage: Option<Arc<UsageCounters>>,
    events: Option<EventSink>,
) -> Arc<dyn UiReporter> {
    Arc::new(KioskReporter {
        usage,
        events: events.map(reporting::events_to),
        incidents_file: config.kiosk.state_dir.as_ref().map(|d| d.join(reporting::INCIDENTS_FILE)),
    })
}

/// Opens the touchscreen window on the display and runs it until it is closed.
pub fn run(config: &Config, parts: Parts) -> anyhow::Result<()> {
    let printer = parts.printer.map(|printer| {
        Arc::new(UiPrinter {
            printer,
            store: Arc::clone(&parts.store),
            clock: parts.clock.clone(),
            content_dir: config.content.dir.clone(),
        }) as Arc<dyn AnswerPrinter>
    });
    let clock = parts.clock;
    let kiosk = Kiosk::new(UiServices {
        content: parts.store,
        chatbot: parts.chatbot,
        now: Arc::new(move || clock.now()),
        printer,
        feedback: Some(parts.feedback),
        idle: IdleSettings {
            after_secs: u32::try_from(config.kiosk.idle_timeout_secs).unwrap_or(90),
            countdown_secs: u32::try_from(config.kiosk.idle_warning_secs).unwrap_or(20),
        },
        reporter: Some(reporter(config, parts.usage, parts.events)),
        tickets: config.kiosk.state_dir.as_deref().map_or_else(TicketBook::in_memory, TicketBook::in_dir),
    })?;
    kiosk.set_fullscreen(parts.fullscreen);
    parts.screen.attach(kiosk.handle());
    let sleep = config.screen.sleep_settings();
    if sleep.rule != borne_ui::screen_power::AwakeRule::Always {
        let backlight = BacklightSwitch::start(&config.screen.backlight);
        let screen = Arc::clone(&parts.screen);
        kiosk.enable_sleep(
            sleep,
            Arc::new(move |asleep| {
                screen.set_asleep(asleep);
                backlight.set_asleep(asleep);
            }),
        );
    }
    if let Some(events) = parts.cards {
        let handle = kiosk.handle();
        let lang = config.language();
        std::thread::Builder::new()
            .name("borne-ui-cards".into())
            .spawn(move || notify_cards(&events, &handle, lang))?;
    }
    // The UI's pulse runs on its own event loop: a frozen loop stops it, and the watchdog notices.
    let alive = Liveness::new();
    parts.watchdog.watch("ui", alive.clone(), UI_MAX_SILENCE);
    let pulse = slint::Timer::default();
    pulse.start(slint::TimerMode::Repeated, UI_PULSE, move || alive.touch());
    // Ready once the event loop runs, i.e. the window is up.
    let watchdog = Arc::clone(&parts.watchdog);
    slint::Timer::single_shot(Duration::ZERO, move || watchdog.ready("serving visitors on the touchscreen"));
    tracing::info!("touchscreen UI started");
    let shown = kiosk.run();
    // The event loop is over (the window closed, or the display refused it and the kiosk carries
    // on without a screen): its silence from now on is not a freeze.
    parts.watchdog.forget("ui");
    shown?;
    Ok(())
}

/// Shows a notice for each card read until the reader stops.
fn notify_cards(events: &Receiver<ReaderEvent>, handle: &KioskHandle, lang: Lang) {
    while let Ok(event) = events.recv() {
        match event {
            ReaderEvent::Card(read) => handle.show_notice(reading::greeting(&read.code.masked(), lang)),
            ReaderEvent::Rejected { .. } => handle.show_notice(reading::not_recognised(lang).to_string()),
            ReaderEvent::Connected { .. } | ReaderEvent::Disconnected { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use borne_chatbot::ChatbotConfig;
    use borne_content::ContentSource;
    use chrono::TimeZone;

    /// Two simulated printers started at once in one process disturb each other's first status
    /// answers: the tests that start one take turns.
    static ONE_SIMULATED_PRINTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// The touchscreen's printer over the simulated one, saving receipts in `receipts`, once it has
    /// answered its first status poll (it is "unplugged" until then, and the button says so).
    fn ready_printer(store: Arc<ContentStore>, receipts: &std::path::Path) -> UiPrinter {
        let mut config = Config::default();
        config.devices.printer.receipts_dir = Some(receipts.to_path_buf());
        let tz = store.current().commune.timezone;
        let printer = UiPrinter {
            printer: Arc::new(KioskPrinter::start(&config, None).expect("simulated printer")),
            store,
            clock: Clock::starting_at(tz, "2026-11-30T10:00").expect("clock"),
            content_dir: None,
        };
        let start = std::time::Instant::now();
        while printer.unavailable(Lang::Fr).is_some() {
            assert!(start.elapsed() < Duration::from_secs(10), "{:?}", printer.unavailable(Lang::Fr));
            std::thread::sleep(Duration::from_millis(20));
        }
        printer
    }

    /// The text of every receipt the simulated printer saved in `dir`.
    fn receipts_in(dir: &std::path::Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("receipts")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }

    /// Through the real screen: a visitor asks on the touchscreen, taps « Imprimer » on the answer
    /// card, and the simulated printer (on its pty, through the real driver) saves the receipt;
    /// the screen then says it is printed.
    #[test]
    fn tapping_imprimer_on_an_answer_card_prints_on_the_simulated_printer() {
        use borne_ui::generated::Api;
        use i_slint_backend_testing::{AccessibleRole, ElementHandle};
        use slint::{ComponentHandle, Model};

        let _turn = ONE_SIMULATED_PRINTER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        i_slint_backend_testing::init_integration_test_with_mock_time();
        let pump = || {
            slint::invoke_from_event_loop(|| slint::quit_event_loop().expect("quit")).expect("post");
            slint::run_event_loop().expect("event loop");
            i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(100));
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("content");
        let store = Arc::new(store);
        let content = store.current();
        let chatbot = Arc::new(Chatbot::new(&content, ChatbotConfig::default()).expect("chatbot"));
        let tz = content.commune.timezone;
        let clock = Clock::starting_at(tz, "2026-11-30T10:00").expect("clock");
        let printer = Arc::new(ready_printer(Arc::clone(&store), dir.path()));
        let kiosk = Kiosk::new(UiServices {
            content: store,
            chatbot,
            now: Arc::new(move || clock.now()),
            printer: Some(printer as Arc<dyn AnswerPrinter>),
            feedback: None,
            idle: IdleSettings::default(),
            reporter: None,
            tickets: TicketBook::in_memory(),
        })
        .expect("kiosk");
        let app = kiosk.window();
        app.window().set_size(slint::PhysicalSize::new(1080, 1920));
        app.show().expect("show");
        let api = app.global::<Api>();
        api.invoke_start();
        api.set_screen("ask".into());
        api.invoke_ask_text("wifi à la médiathèque".into());
        let start = std::time::Instant::now();
        while api.get_cards().row_count() == 0 || api.get_thinking() {
            assert!(start.elapsed() < Duration::from_secs(20), "no answer card");
            std::thread::sleep(Duration::from_millis(10));
            pump();
        }
        let buttons: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(app, "Imprimer")
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .collect();
        assert_eq!(buttons.len(), 1, "one Imprimer button on the answer card");
        buttons[0].invoke_accessible_default_action();
        let receipt = loop {
            pump();
            let texts: Vec<String> = receipts_in(dir.path());
            if let Some(text) = texts.into_iter().next() {
                break text;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no receipt printed");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(receipt.contains("Vernay-Wifi-Public"), "{receipt}");
        let start = std::time::Instant::now();
        while !api.get_notice().contains("imprimée") {
            assert!(start.elapsed() < Duration::from_secs(20), "notice: {}", api.get_notice());
            std::thread::sleep(Duration::from_millis(10));
            pump();
        }
    }

    /// The touchscreen's print reaches the simulated printer: a receipt holding the answer is saved.
    #[test]
    fn an_answer_printed_from_the_touchscreen_reaches_the_simulated_printer() {
        let _turn = ONE_SIMULATED_PRINTER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("content");
        let store = Arc::new(store);
        let content = store.current();
        let chatbot = Chatbot::new(&content, ChatbotConfig::default()).expect("chatbot");
        let tz = content.commune.timezone;
        let now = tz.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).single().expect("time");
        let reply = chatbot.ask("wifi à la médiathèque", now);
        assert_eq!(reply.id.as_deref(), Some("mediatheque-wifi"));
        let printer = ready_printer(store, dir.path());
        let message = printer.print_answer("wifi à la médiathèque", &reply, Lang::Fr).expect("printed");
        assert!(message.contains("imprimé"), "{message}");
        let texts: Vec<String> = receipts_in(dir.path());
        assert_eq!(texts.len(), 1, "one receipt");
        assert!(texts[0].contains("Vernay-Wifi-Public"), "{}", texts[0]);

        // A refusal has nothing to print.
        let refusal = chatbot.ask("je voudrais un livre de cuisine", now);
        assert!(printer.print_answer("je voudrais un livre de cuisine", &refusal, Lang::Fr).is_err());
    }

    /// A procedure printed from the touchscreen reaches the simulated printer: the receipt holds its
    /// title, every step and every document; an unknown procedure prints nothing.
    #[test]
    fn a_procedure_printed_from_the_touchscreen_reaches_the_simulated_printer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("content");
        let store = Arc::new(store);
        let content = store.current();
        let procedure = content
            .procedures
            .iter()
            .find(|p| p.documents.len() >= 2 && p.steps.len() >= 3)
            .expect("a demo procedure with steps and documents")
            .clone();
        let printer = ready_printer(store, dir.path());
        assert_eq!(
            printer.print_procedure("no-such-procedure", Lang::En),
            Err(Text::NothingToPrint.get(Lang::En).to_string())
        );
        let message = printer.print_procedure(&procedure.id, Lang::En).expect("printed");
        assert_eq!(message, Text::PrintDone.get(Lang::En));
        let texts: Vec<String> = receipts_in(dir.path());
        assert_eq!(texts.len(), 1, "one receipt");
        // The receipt wraps lines to the paper: compare without line breaks and repeated spaces.
        let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        let receipt = flat(&texts[0]);
        assert!(receipt.contains(&flat(&procedure.title)), "{receipt}");
        for (i, step) in procedure.steps.iter().enumerate() {
            assert!(receipt.contains(&flat(&format!("{}. {step}", i + 1))), "step {i} missing: {receipt}");
        }
        for doc in &procedure.documents {
            assert!(receipt.contains(&flat(doc)), "document {doc} missing: {receipt}");
        }
    }

    /// An incident confirmed on the touchscreen prints its ticket on the simulated printer: the
    /// number, category and the visitor's words, never the contact.
    #[test]
    fn an_incident_ticket_reaches_the_simulated_printer_without_the_contact() {
        let _turn = ONE_SIMULATED_PRINTER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("content");
        let store = Arc::new(store);
        let tz = store.current().commune.timezone;
        let printer = ready_printer(store, dir.path());
        let incident = Incident {
            ticket: "2026-0007".into(),
            category: borne_ui::report::Category::Roads,
            place: "rue des Lilas".into(),
            description: "un trou dans le trottoir".into(),
            contact: Some("jo@mail.fr".into()),
            reported_at: tz.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).single().expect("time"),
        };
        assert_eq!(printer.print_incident(&incident), Ok(TicketPrint::Printed));
        let texts: Vec<String> = receipts_in(dir.path());
        assert_eq!(texts.len(), 1, "one receipt");
        let ticket = &texts[0];
        for expected in ["2026-0007", "Voirie", "rue des Lilas", "un trou dans le trottoir", "30/11/2026"] {
            assert!(ticket.contains(expected), "{expected} missing from the ticket:\n{ticket}");
        }
        assert!(!ticket.contains("jo@mail.fr"), "the contact is never printed:\n{ticket}");
    }
}

//! "Signaler un problème" and "Donner mon avis" driven through Slint's testing backend, on the real
//! components, by accessible label: a report filled by tapping keyboard keys, corrected from the
//! summary, confirmed, its ticket number shown and printed and the incident handed to the
//! reporter; a report without contact ("Passer"); an opinion with a comment; votes reported; and
//! the inactivity reset that clears every typed field and reports the session.
//!
//! The testing backend can be initialised once per process, so this file holds a single `#[test]`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use borne_chatbot::feedback::FeedbackLog;
use borne_chatbot::{Chatbot, ChatbotConfig, Reply};
use borne_content::{ContentSource, ContentStore, Lang};
use borne_ui::generated::Api;
use borne_ui::idle::IdleSettings;
use borne_ui::opinion::Opinion;
use borne_ui::report::{Category, Incident, TicketPrint};
use borne_ui::ticket::TicketBook;
use borne_ui::{AnswerPrinter, Kiosk, UiReporter, UiServices};
use chrono::TimeZone;
use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, Model};

mod support;
use support::*;

/// Records the tickets the UI asked to print; fails them when `broken` is set.
#[derive(Default)]
struct RecordingPrinter {
    tickets: Mutex<Vec<String>>,
    broken: std::sync::atomic::AtomicBool,
}

impl AnswerPrinter for RecordingPrinter {
    fn unavailable(&self, _lang: Lang) -> Option<String> {
        None
    }
    fn print_answer(&self, _question: &str, _reply: &Reply, _lang: Lang) -> Result<String, String> {
        Ok("Imprimé".to_string())
    }
    fn print_procedure(&self, _procedure_id: &str, _lang: Lang) -> Result<String, String> {
        Ok("Imprimé".to_string())
    }
    fn print_incident(&self, incident: &Incident) -> Result<TicketPrint, String> {
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err("paper out".to_string());
        }
        self.tickets.lock().expect("lock").push(incident.ticket.clone());
        Ok(TicketPrint::Printed)
    }
}

/// Records everything the UI reports.
#[derive(Default)]
struct RecordingReporter {
    sessions: Mutex<Vec<Duration>>,
    votes: Mutex<Vec<(Option<String>, bool)>>,
    incidents: Mutex<Vec<Incident>>,
    opinions: Mutex<Vec<Opinion>>,
}

impl UiReporter for RecordingReporter {
    fn session_ended(&self, length: Duration) {
        self.sessions.lock().expect("lock").push(length);
    }
    fn voted(&self, faq_id: Option<&str>, helpful: bool) {
        self.votes.lock().expect("lock").push((faq_id.map(str::to_string), helpful));
    }
    fn incident(&self, incident: &Incident) {
        self.incidents.lock().expect("lock").push(incident.clone());
    }
    fn opinion(&self, opinion: &Opinion) {
        self.opinions.lock().expect("lock").push(opinion.clone());
    }
}

fn assert_big(app: &impl ComponentHandle, label: &str) {
    let found = buttons(app, label);
    assert_eq!(found.len(), 1, "{label}");
    let size = found[0].size();
    assert!(size.width >= 90.0 && size.height >= 90.0, "{label} is too small: {size:?}");
}

#[test]
fn report_a_problem_and_give_an_opinion() {
    i_slint_backend_testing::init_integration_test_with_mock_time();

    let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
    let store = Arc::new(store);
    let content = store.current();
    let chatbot = Arc::new(Chatbot::new(&content, ChatbotConfig::default()).expect("chatbot"));
    let tz = content.commune.timezone;
    let now = tz.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).single().expect("time");
    let printer = Arc::new(RecordingPrinter::default());
    let reporter = Arc::new(RecordingReporter::default());
    let state = tempfile::tempdir().expect("state dir");
    let kiosk = Kiosk::new(UiServices {
        content: Arc::clone(&store),
        chatbot,
        now: Arc::new(move || now),
        printer: Some(Arc::clone(&printer) as Arc<dyn AnswerPrinter>),
        feedback: Some(Arc::new(FeedbackLog::in_memory(100))),
        idle: IdleSettings { after_secs: 30, countdown_secs: 10 },
        reporter: Some(Arc::clone(&reporter) as Arc<dyn UiReporter>),
        tickets: TicketBook::in_dir(state.path()),
    })
    .expect("kiosk");
    let app = kiosk.window();
    app.window().set_size(slint::PhysicalSize::new(1080, 1920));
    app.show().expect("show");
    pump();
    let api = app.global::<Api>();

    tap(app, "Touchez l'écran pour commencer");
    tap(app, "Signaler un problème");
    assert_eq!(api.get_screen(), "report");
    assert_eq!(api.get_report_step(), 0);
    for label in
        ["Éclairage public", "Voirie (routes, trottoirs)", "Propreté (déchets, tags)", "Autre problème"]
    {
        assert_big(app, label);
    }

    // Category, then where: the keyboard types into the place, not into the question.
    tap(app, "Voirie (routes, trottoirs)");
    assert_eq!(api.get_report_step(), 1);
    assert_eq!(api.get_focused_field(), "report-place");
    assert!(!buttons(app, "Suivant")[0].accessible_enabled().unwrap_or(true), "nothing typed yet");
    type_on_keyboard(app, "rue des lilas");
    assert_eq!(api.get_report_place(), "rue des lilas");
    assert_eq!(api.get_question(), "", "the question is untouched");
    let field = ElementHandle::find_by_accessible_label(app, "Lieu du problème").next().expect("field");
    assert_eq!(field.accessible_value().as_deref(), Some("rue des lilas"));
    tap(app, "Suivant");

    // What: typed with accents and a backspace.
    assert_eq!(api.get_focused_field(), "report-what");
    type_on_keyboard(app, "un trou énormex");
    tap(app, "Effacer");
    assert_eq!(api.get_report_what(), "un trou énorme");
    tap(app, "Suivant");

    // Contact: optional, "Passer" is there; an e-mail needs @ and the dot.
    assert_eq!(api.get_focused_field(), "report-contact");
    assert_big(app, "Passer");
    type_on_keyboard(app, "jo@mail.fr");
    assert_eq!(api.get_report_contact(), "jo@mail.fr");
    tap(app, "Suivant");

    // The summary shows everything; correcting the place goes back to it and returns.
    assert_eq!(api.get_report_step(), 4);
    for shown in ["Voirie (routes, trottoirs)", "rue des lilas", "un trou énorme", "jo@mail.fr"] {
        assert!(has_label(app, shown), "the summary shows {shown}");
    }
    tap(app, "Corriger le lieu");
    assert_eq!(api.get_report_step(), 1);
    type_on_keyboard(app, " 12");
    tap(app, "Suivant");
    tap(app, "Suivant");
    tap(app, "Suivant");
    assert!(has_label(app, "rue des lilas 12"));
    assert!(reporter.incidents.lock().expect("lock").is_empty(), "nothing is sent before confirming");

    // Confirmed: the ticket number shows big, is printed, and the reporter has the incident.
    tap(app, "Envoyer le signalement");
    assert_eq!(api.get_report_step(), 5);
    assert_eq!(api.get_report_ticket(), "2026-0001");
    assert!(has_label(app, "Numéro de ticket 2026-0001"));
    wait_until("the ticket printed", || !printer.tickets.lock().expect("lock").is_empty());
    assert_eq!(printer.tickets.lock().expect("lock").as_slice(), ["2026-0001"]);
    wait_until("the print message", || api.get_report_print_message().contains("imprimé"));
    wait_until("the incident reported", || reporter.incidents.lock().expect("lock").len() == 1);
    let incident = reporter.incidents.lock().expect("lock")[0].clone();
    assert_eq!(incident.ticket, "2026-0001");
    assert_eq!(incident.category, Category::Roads);
    assert_eq!(incident.place, "rue des lilas 12");
    assert_eq!(incident.description, "un trou énorme");
    assert_eq!(incident.contact.as_deref(), Some("jo@mail.fr"));
    assert_eq!(incident.reported_at, now);
    tap(app, "Terminer");
    assert_eq!(api.get_screen(), "home");
    assert_eq!((api.get_report_place(), api.get_report_contact()), ("".into(), "".into()));

    // A second report, contact skipped, the printer broken: the next number, no contact, and the
    // visitor is told to write the number down.
    printer.broken.store(true, std::sync::atomic::Ordering::SeqCst);
    tap(app, "Signaler un problème");
    assert_eq!(api.get_report_step(), 0, "a new report starts at the first question");
    tap(app, "Autre problème");
    type_on_keyboard(app, "parc");
    tap(app, "Suivant");
    type_on_keyboard(app, "banc cassé");
    tap(app, "Suivant");
    tap(app, "Passer");
    assert!(has_label(app, "Aucun"), "no contact in the summary");
    tap(app, "Envoyer le signalement");
    assert_eq!(api.get_report_ticket(), "2026-0002");
    wait_until("the second incident", || reporter.incidents.lock().expect("lock").len() == 2);
    let second = reporter.incidents.lock().expect("lock")[1].clone();
    assert_eq!((second.category, second.contact), (Category::Other, None));
    wait_until("the print failure", || api.get_report_print_message().contains("notez bien votre numéro"));
    assert!(has_label(app, "Numéro de ticket 2026-0002"), "the number still shows");
    assert_eq!(printer.tickets.lock().expect("lock").len(), 1, "nothing printed");
    tap(app, "Terminer");

    // Opinion: a face (labelled in words), a comment, thanks.
    tap(app, "Donner mon avis");
    assert_eq!(api.get_screen(), "opinion");
    for face in ["Très mécontent", "Mécontent", "Moyen", "Content", "Très content"] {
        assert_big(app, face);
    }
    tap(app, "Content");
    assert_eq!(api.get_opinion_score(), 4);
    assert_eq!(api.get_focused_field(), "opinion-comment");
    type_on_keyboard(app, "très clair");
    tap(app, "Envoyer");
    assert!(has_label(app, "Merci pour votre avis !"));
    assert_eq!(
        reporter.opinions.lock().expect("lock").as_slice(),
        [Opinion { score: 4, comment: Some("très clair".into()) }]
    );
    tap(app, "Terminer");
    assert_eq!(api.get_opinion_comment(), "");

    // The ask screen still types into the question, and its votes are reported.
    tap(app, "Poser une question");
    assert_eq!(api.get_focused_field(), "question");
    type_on_keyboard(app, "wifi à la médiathèque");
    assert_eq!(api.get_question(), "wifi à la médiathèque");
    tap(app, "Demander");
    wait_until("the answer", || api.get_cards().row_count() == 1);
    tap(app, "Oui");
    assert_eq!(
        reporter.votes.lock().expect("lock").as_slice(),
        [(Some("mediatheque-wifi".to_string()), true)]
    );

    // Typed text left in a report and an opinion is cleared at the inactivity reset, and the
    // session is reported once.
    tap(app, "Accueil");
    tap(app, "Donner mon avis");
    tap(app, "Très mécontent");
    type_on_keyboard(app, "lent");
    tap(app, "Accueil");
    tap(app, "Signaler un problème");
    tap(app, "Éclairage public");
    type_on_keyboard(app, "place");
    assert!(reporter.sessions.lock().expect("lock").is_empty());
    for _ in 0..40 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
    assert_eq!(api.get_screen(), "welcome");
    assert_eq!(api.get_report_place(), "", "the place typed is gone");
    assert_eq!(api.get_report_category(), "");
    assert_eq!(api.get_report_step(), 0);
    assert_eq!(api.get_opinion_comment(), "", "the comment typed is gone");
    assert_eq!(api.get_opinion_score(), 0);
    assert_eq!(reporter.sessions.lock().expect("lock").len(), 1, "one session ended");
    assert_eq!(reporter.opinions.lock().expect("lock").len(), 1, "the unsent opinion was not sent");
    for _ in 0..5 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
    assert_eq!(reporter.sessions.lock().expect("lock").len(), 1, "reported once");

    // Landscape 1920×1080: the field goes beside its buttons and the whole keyboard is on screen.
    app.window().set_size(slint::PhysicalSize::new(1920, 1080));
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    assert!(api.get_landscape());
    tap(app, "Touchez l'écran pour commencer");
    tap(app, "Signaler un problème");
    tap(app, "Éclairage public");
    pump();
    for key in ["Espace", "û", "Suivant", "Retour"] {
        let found = buttons(app, key);
        assert_eq!(found.len(), 1, "{key}");
        let bottom = found[0].absolute_position().y + found[0].size().height;
        assert!(bottom <= 1080.0, "{key} is off screen in landscape (bottom at {bottom})");
        assert!(found[0].size().height >= 90.0, "{key}");
    }
}

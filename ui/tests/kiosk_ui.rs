//! The touchscreen UI driven through Slint's testing backend, on the real components, the real
//! chatbot and the embedded demo content: navigation by accessible label, typing on the on-screen
//! keyboard, answer and refusal cards, feedback, printing through the printer interface, languages,
//! accessibility toggles, touch target sizes, alert/maintenance/notice from another thread, and the
//! inactivity countdown that clears the session.
//!
//! The testing backend can be initialised once per process, so this file holds a single `#[test]`
//! running the scenarios in order on one window.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use borne_chatbot::feedback::FeedbackLog;
use borne_chatbot::{Chatbot, ChatbotConfig, Reply};
use borne_content::{ContentSource, ContentStore, Lang};
use borne_ui::generated::Api;
use borne_ui::idle::IdleSettings;
use borne_ui::{Alert, AlertLevel, AnswerPrinter, Kiosk, UiServices};
use chrono::TimeZone;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::{ComponentHandle, Model};

mod support;
use support::*;

/// Records what the UI asked to print; the real printer path is tested in the kiosk crate.
#[derive(Default)]
struct RecordingPrinter {
    printed: Mutex<Vec<(String, Option<String>)>>,
    procedures: Mutex<Vec<String>>,
}

impl AnswerPrinter for RecordingPrinter {
    fn unavailable(&self, _lang: Lang) -> Option<String> {
        None
    }
    fn print_answer(&self, question: &str, reply: &Reply, _lang: Lang) -> Result<String, String> {
        self.printed.lock().expect("lock").push((question.to_string(), reply.id.clone()));
        Ok("Imprimé".to_string())
    }
    fn print_procedure(&self, procedure_id: &str, _lang: Lang) -> Result<String, String> {
        self.procedures.lock().expect("lock").push(procedure_id.to_string());
        Ok(format!("Démarche imprimée : {procedure_id}"))
    }
}

#[test]
fn the_kiosk_ui_end_to_end() {
    i_slint_backend_testing::init_integration_test_with_mock_time();

    let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
    let store = Arc::new(store);
    let content = store.current();
    let chatbot = Arc::new(Chatbot::new(&content, ChatbotConfig::default()).expect("chatbot"));
    let tz = content.commune.timezone;
    let now = tz.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).single().expect("time");
    let printer = Arc::new(RecordingPrinter::default());
    let feedback = Arc::new(FeedbackLog::in_memory(100));
    let kiosk = Kiosk::new(UiServices {
        content: Arc::clone(&store),
        chatbot,
        now: Arc::new(move || now),
        printer: Some(Arc::clone(&printer) as Arc<dyn AnswerPrinter>),
        feedback: Some(Arc::clone(&feedback)),
        idle: IdleSettings { after_secs: 30, countdown_secs: 10 },
        reporter: None,
        tickets: borne_ui::ticket::TicketBook::in_memory(),
    })
    .expect("kiosk");
    let app = kiosk.window();
    app.window().set_size(slint::PhysicalSize::new(1080, 1920));
    app.show().expect("show");
    pump();
    let api = app.global::<Api>();

    // Welcome: commune, date and time in French, today's hours, touch to start.
    assert_eq!(api.get_screen(), "welcome");
    assert_eq!(api.get_commune_name(), content.commune.name.as_str());
    assert_eq!(api.get_date_text(), "Lundi 30 novembre 2026");
    assert_eq!(api.get_time_text(), "10h00");
    assert!(api.get_today_hours().contains(&content.services[0].name), "{}", api.get_today_hours());
    assert!(api.get_has_logo(), "the demo logo is an SVG and must show");
    tap(app, "Touchez l'écran pour commencer");
    assert_eq!(api.get_screen(), "home");

    // Home: the six tiles and the toggles are there, each a touch target of at least 90 px.
    for label in [
        "Poser une question",
        "Horaires et services",
        "Démarches",
        "Actualités et agenda",
        "Signaler un problème",
        "Donner mon avis",
        "Accueil",
        "Français",
        "English",
        "Gros texte",
        "Contraste",
    ] {
        let found = buttons(app, label);
        assert_eq!(found.len(), 1, "{label}");
        let size = found[0].size();
        assert!(size.width >= 90.0 && size.height >= 90.0, "{label} is too small: {size:?}");
    }

    // Ask: type on the on-screen keyboard, accents included, and get the right answer card.
    tap(app, "Poser une question");
    assert_eq!(api.get_screen(), "ask");
    let keys = ElementHandle::find_by_accessible_label(app, "é")
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .count();
    assert_eq!(keys, 1, "the é key");
    for key in ["é", "è", "ê", "à", "â", "ç", "ù", "û", "î", "ô", "ë", "ï", "œ", "'", "0", "9", "Effacer"]
    {
        let found = buttons(app, key);
        assert_eq!(found.len(), 1, "key {key}");
        let size = found[0].size();
        assert!(size.width >= 90.0 && size.height >= 90.0, "key {key} is too small: {size:?}");
    }
    type_on_keyboard(app, "wifi à la médiathèquex");
    assert_eq!(api.get_question(), "wifi à la médiathèquex");
    tap(app, "Effacer");
    assert_eq!(api.get_question(), "wifi à la médiathèque");
    let input = ElementHandle::find_by_accessible_label(app, "Votre question").next().expect("input");
    assert_eq!(input.accessible_value().as_deref(), Some("wifi à la médiathèque"));
    wait_until("typing suggestions", || api.get_typing_suggestions().row_count() > 0);
    assert!(
        api.get_typing_suggestions().iter().any(|s| s == "Y a-t-il le wifi à la médiathèque ?"),
        "suggestions while typing: {:?}",
        api.get_typing_suggestions().iter().collect::<Vec<_>>()
    );
    tap(app, "Demander");
    wait_until("the answer", || api.get_cards().row_count() == 1);
    let card = api.get_cards().row_data(0).expect("card");
    let wifi = content.faq_entry("mediatheque-wifi").expect("wifi entry");
    assert!(card.answered);
    assert_eq!(card.question, "wifi à la médiathèque");
    assert!(card.text.starts_with(wifi.answer.trim()), "{}", card.text);
    assert_eq!(api.get_question(), "", "the input is cleared once asked");
    assert!(has_label(app, "Cette réponse vous a-t-elle aidé ?"));

    // Feedback and print from the card.
    tap(app, "Oui");
    assert_eq!(api.get_cards().row_data(0).expect("card").feedback, 1);
    assert_eq!(feedback.counters().helpful_yes, 1);
    tap(app, "Imprimer");
    wait_until("the print", || !printer.printed.lock().expect("lock").is_empty());
    assert_eq!(
        printer.printed.lock().expect("lock")[0],
        ("wifi à la médiathèque".to_string(), Some("mediatheque-wifi".to_string()))
    );
    wait_until("the print notice", || api.get_notice() == "Imprimé");

    // A refused question shows the closest topics as buttons; tapping one shows its answer.
    type_on_keyboard(app, "je voudrais un livre de cuisine");
    tap(app, "Demander");
    wait_until("the refusal", || api.get_cards().row_count() == 2);
    let refusal = api.get_cards().row_data(0).expect("card");
    assert!(!refusal.answered && !refusal.clarify);
    assert!(refusal.text.starts_with("Je ne sais pas répondre"), "{}", refusal.text);
    let suggestions: Vec<_> = refusal.choices.iter().collect();
    assert!(
        suggestions.iter().any(|s| s == "Comment réserver un livre qui est déjà emprunté ?"),
        "{suggestions:?}"
    );
    assert!(has_label(app, "Questions proches :"));
    tap(app, "Comment réserver un livre qui est déjà emprunté ?");
    wait_until("the suggested answer", || api.get_cards().row_count() == 3);
    let picked = api.get_cards().row_data(0).expect("card");
    assert!(picked.answered);
    let reserve = content.faq_entry("mediatheque-reserver").expect("entry");
    assert_eq!(picked.question, reserve.question.as_str());
    assert!(picked.text.starts_with(reserve.answer.trim()), "{}", picked.text);

    // Languages: the @tr strings and the Rust-built strings switch, the content stays.
    tap(app, "English");
    assert_eq!(api.get_lang(), "en");
    assert!(buttons(app, "Home").len() == 1, "toolbar in English");
    assert!(buttons(app, "Space").len() == 1, "keyboard in English");
    assert_eq!(api.get_date_text(), "Monday 30 November 2026");
    assert_eq!(api.get_time_text(), "10:00");
    tap(app, "Français");
    assert_eq!(api.get_lang(), "fr");
    assert_eq!(buttons(app, "Accueil").len(), 1);

    // Accessibility toggles.
    let before = buttons(app, "Demander")[0].size();
    tap(app, "Gros texte");
    assert!(api.get_large_text());
    assert_eq!(buttons(app, "Gros texte")[0].accessible_checked(), Some(true));
    tap(app, "Contraste");
    assert!(api.get_high_contrast());
    pump();
    let after = buttons(app, "Demander")[0].size();
    assert!(after.height >= before.height, "large text never shrinks buttons: {before:?} -> {after:?}");

    // Horaires et services: every service with its badge, the week of the one touched.
    tap(app, "Accueil");
    tap(app, "Horaires et services");
    assert_eq!(api.get_screen(), "hours");
    let rows = api.get_services();
    assert_eq!(rows.row_count(), content.services.len());
    for (row, service) in rows.iter().zip(&content.services) {
        assert_eq!(row.name, service.name.as_str());
        let open = matches!(service.hours.state_at(now), borne_content::hours::OpenState::Open { .. });
        assert_eq!(row.open, open, "{}", service.name);
    }
    assert!(rows.iter().any(|r| r.open) && rows.iter().any(|r| !r.open), "the demo has both at 10:00");
    assert!(!has_label(app, "Cette semaine"));
    let library = content.services.iter().position(|s| s.name.contains("Médiathèque")).expect("library");
    // The cards in view (9 of the 13 here: the testing backend does not find those scrolled away).
    let cards: Vec<_> = content.services.iter().filter_map(|s| buttons(app, &s.name).pop()).collect();
    assert!(cards.len() >= 3, "only {} service cards found", cards.len());
    for card in &cards {
        assert!(
            card.size().height >= 90.0,
            "{:?} is too small to touch: {:?}",
            card.accessible_label(),
            card.size()
        );
    }
    tap(app, &content.services[library].name);
    assert_eq!(api.get_selected_service(), i32::try_from(library).expect("index"));
    assert!(has_label(app, "Cette semaine"));
    assert!(rows.row_data(library).expect("row").week.contains("lundi 30 novembre"));
    tap(app, "English");
    assert!(api.get_services().row_data(library).expect("row").week.contains("Monday 30 November"));
    assert!(has_label(app, "This week") || has_label(app, "Opening hours and services"));
    tap(app, "Français");

    // Alert, maintenance and a card-read notice from another thread.
    let handle = kiosk.handle();
    let from_thread = handle.clone();
    std::thread::spawn(move || {
        from_thread
            .set_alert(Some(Alert { text: "Coupure d'eau rue des Lilas".into(), level: AlertLevel::Urgent }));
        from_thread.show_notice("Carte lue".into());
    })
    .join()
    .expect("thread");
    wait_until("the alert", || api.get_alert_text() == "Coupure d'eau rue des Lilas");
    assert!(has_label(app, "Urgent : Coupure d'eau rue des Lilas"), "the level is said in words");
    assert_eq!(api.get_alert_level(), 2);
    assert_eq!(api.get_notice(), "Carte lue");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(7));
    assert_eq!(api.get_notice(), "", "the notice goes away by itself");
    handle.set_maintenance(true, Some("Retour à 14 h".into()));
    wait_until("maintenance", || api.get_maintenance());
    assert!(has_label(app, "Borne en maintenance"));
    assert!(has_label(app, "Retour à 14 h"), "the admin's message is shown");
    handle.set_maintenance(false, None);
    handle.set_alert(None);
    wait_until("back in service", || !api.get_maintenance() && api.get_alert_text().is_empty());

    // Inactivity: a touch resets the clock; then the warning counts down and the session is cleared.
    tap(app, "Accueil");
    tap(app, "Poser une question");
    type_on_keyboard(app, "abc");
    for _ in 0..29 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
    assert!(!api.get_idle_warning());
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    assert!(api.get_idle_warning(), "warning after 30 s");
    assert_eq!(api.get_idle_countdown(), 10);
    assert!(has_label(app, "Oui, je suis là"));
    tap(app, "Oui, je suis là");
    assert!(!api.get_idle_warning());
    assert_eq!(api.get_cards().row_count(), 3, "still here: nothing is lost");
    for _ in 0..35 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
    assert!(api.get_idle_warning());
    assert_eq!(api.get_idle_countdown(), 5);
    for _ in 0..5 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
    assert_eq!(api.get_screen(), "welcome");
    assert!(!api.get_idle_warning());
    assert_eq!(api.get_cards().row_count(), 0, "the conversation is gone");
    assert_eq!(api.get_question(), "", "what was typed is gone");
    assert!(!api.get_large_text() && !api.get_high_contrast());
    assert_eq!(api.get_lang(), "fr");

    // "Quitter": a visitor who leaves wipes the session at once, without waiting.
    tap(app, "Touchez l'écran pour commencer");
    tap(app, "Poser une question");
    type_on_keyboard(app, "wifi");
    tap(app, "Gros texte");
    tap(app, "English");
    tap(app, "Exit");
    assert_eq!(api.get_screen(), "welcome");
    assert_eq!(api.get_question(), "", "what was typed is gone");
    assert!(!api.get_large_text());
    assert_eq!(api.get_lang(), "fr");
}

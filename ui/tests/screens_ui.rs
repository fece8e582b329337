//! The "Démarches" and "Actualités et agenda" screens and the answer cards' QR code, driven
//! through Slint's testing backend on the real components, the real chatbot and the embedded demo
//! content: navigation by accessible label, steps and documents shown, QR codes read back from the
//! rendered window, printing a procedure (and the button disabled with its reason when the printer
//! cannot print), events as of the kiosk's clock with past ones hidden, languages.
//!
//! The testing backend can be initialised once per process, so this file holds a single `#[test]`
//! (a separate file from `kiosk_ui.rs`, so each runs in its own process).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use borne_chatbot::{Chatbot, ChatbotConfig, Reply, ReplyKind};
use borne_content::{ContentSource, ContentStore, Lang};
use borne_ui::generated::Api;
use borne_ui::idle::IdleSettings;
use borne_ui::{AnswerPrinter, Kiosk, UiServices};
use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use i_slint_backend_testing::{AccessibleRole, ElementHandle, TestingBackend, TestingBackendOptions};
use slint::{ComponentHandle, Model};

mod support;
use support::*;

/// Records the procedures the UI asked to print; can pretend to be out of paper.
#[derive(Default)]
struct RecordingPrinter {
    procedures: Mutex<Vec<(String, Lang)>>,
    out_of_paper: AtomicBool,
}

impl AnswerPrinter for RecordingPrinter {
    fn unavailable(&self, _lang: Lang) -> Option<String> {
        self.out_of_paper.load(Ordering::SeqCst).then(|| "Plus de papier".to_string())
    }
    fn print_answer(&self, _question: &str, _reply: &Reply, _lang: Lang) -> Result<String, String> {
        Ok("Imprimé".to_string())
    }
    fn print_procedure(&self, procedure_id: &str, lang: Lang) -> Result<String, String> {
        self.procedures.lock().expect("lock").push((procedure_id.to_string(), lang));
        Ok(format!("Démarche imprimée : {procedure_id}"))
    }
}

/// The image element labelled `label`, with its size on screen.
fn image(app: &impl ComponentHandle, label: &str) -> ElementHandle {
    let found: Vec<_> = ElementHandle::find_by_accessible_label(app, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Image))
        .collect();
    assert_eq!(found.len(), 1, "expected one image labelled {label:?}, found {}", found.len());
    found.into_iter().next().expect("one")
}

/// Every QR code readable in the window as rendered now, as a phone camera would read the screen.
fn qr_codes_on_screen(app: &impl ComponentHandle) -> Vec<String> {
    pump();
    let shot = app.window().take_snapshot().expect("snapshot");
    let (w, h) = (shot.width() as usize, shot.height() as usize);
    let pixels = shot.as_slice();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let p = pixels[y * w + x];
        ((u16::from(p.r) + u16::from(p.g) + u16::from(p.b)) / 3) as u8
    });
    prepared.detect_grids().iter().filter_map(|g| g.decode().ok()).map(|(_, text)| text).collect()
}

#[test]
fn procedures_news_and_answer_qr_codes() {
    // The testing backend with the software renderer, so the window can be read back as pixels
    // (and the QR codes scanned from them); otherwise as `init_integration_test_with_mock_time`.
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: true,
        renderer_name: Some("software".into()),
    })))
    .expect("platform");

    let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
    let store = Arc::new(store);
    let content = store.current();
    let chatbot = Arc::new(Chatbot::new(&content, ChatbotConfig::default()).expect("chatbot"));
    let tz = content.commune.timezone;
    let at = |y, mo, d, h| -> DateTime<Tz> { tz.with_ymd_and_hms(y, mo, d, h, 0, 0).single().expect("time") };
    let clock = Arc::new(Mutex::new(at(2026, 11, 30, 10)));
    let printer = Arc::new(RecordingPrinter::default());
    let kiosk = Kiosk::new(UiServices {
        content: Arc::clone(&store),
        chatbot: Arc::clone(&chatbot),
        now: {
            let clock = Arc::clone(&clock);
            Arc::new(move || *clock.lock().expect("clock"))
        },
        printer: Some(Arc::clone(&printer) as Arc<dyn AnswerPrinter>),
        feedback: None,
        idle: IdleSettings { after_secs: 600, countdown_secs: 10 },
        reporter: None,
        tickets: borne_ui::ticket::TicketBook::in_memory(),
    })
    .expect("kiosk");
    let app = kiosk.window();
    app.window().set_size(slint::PhysicalSize::new(1080, 1920));
    app.show().expect("show");
    pump();
    let api = app.global::<Api>();
    tap(app, "Touchez l'écran pour commencer");

    // Démarches: every theme of the content, in its order, with its procedures as buttons.
    tap(app, "Démarches");
    assert_eq!(api.get_screen(), "procedures");
    let mut themes: Vec<&str> = Vec::new();
    for p in &content.procedures {
        if !themes.contains(&p.theme.as_str()) {
            themes.push(&p.theme);
        }
    }
    let shown: Vec<String> = api.get_procedure_themes().iter().map(|t| t.name.to_string()).collect();
    assert_eq!(shown, themes);
    assert!(has_label(app, themes[0]), "the first theme's header is on screen");
    let first = &content.procedures[0];
    let button = buttons(app, &first.title);
    assert_eq!(button.len(), 1, "{}", first.title);
    assert!(button[0].size().height >= 96.0, "{:?}", button[0].size());
    // One column in portrait, two side by side in landscape (same theme, first two procedures).
    let second = content.procedures.iter().filter(|p| p.theme == first.theme).nth(1).expect("two");
    let place = |title: &str| buttons(app, title)[0].absolute_position();
    assert!(place(&second.title).y > place(&first.title).y, "portrait: one below the other");
    app.window().set_size(slint::PhysicalSize::new(1920, 1080));
    pump();
    assert_eq!(place(&second.title).y, place(&first.title).y, "landscape: side by side");
    assert!(place(&second.title).x > place(&first.title).x);
    for title in [&first.title, &second.title] {
        let size = buttons(app, title)[0].size();
        assert!(size.height >= 96.0 && size.width >= 600.0, "{title}: {size:?}");
    }
    app.window().set_size(slint::PhysicalSize::new(1080, 1920));
    pump();

    // A procedure's page: summary, numbered steps, documents, the service, the QR code of its link.
    let procedure = content
        .procedures
        .iter()
        .find(|p| p.theme == themes[0] && p.link.is_some() && p.service.is_some() && !p.documents.is_empty())
        .expect("a procedure of the first theme with a link, a service and documents");
    tap(app, &procedure.title);
    assert_eq!(api.get_screen(), "procedure");
    assert_eq!(api.get_procedure().id, procedure.id.as_str());
    assert!(has_label(app, &procedure.summary));
    assert!(has_label(app, "Étapes") && has_label(app, "Documents à apporter"));
    for (i, step) in procedure.steps.iter().enumerate() {
        assert!(has_label(app, &format!("{}. {step}", i + 1)), "step {} is not shown: {step}", i + 1);
    }
    for doc in &procedure.documents {
        assert!(has_label(app, &format!("• {doc}")), "document not shown: {doc}");
    }
    let service = content.service(procedure.service.as_deref().expect("service")).expect("service");
    assert!(api.get_procedure().service.starts_with(service.name.as_str()));
    assert!(has_label(app, &api.get_procedure().service));
    let link = procedure.link.as_deref().expect("link");
    let qr = image(app, "QR code de la démarche en ligne");
    assert!(qr.size().width >= 300.0 && qr.size().height >= 300.0, "QR too small: {:?}", qr.size());
    assert_eq!(qr_codes_on_screen(app), [link], "the QR code on screen reads as the link");
    assert!(has_label(app, "Continuer sur votre téléphone"));

    // Imprimer sends the procedure to the printer off the UI thread; the result shows as a notice.
    let print = buttons(app, "Imprimer");
    assert_eq!(print.len(), 1);
    assert!(print[0].size().height >= 96.0);
    tap(app, "Imprimer");
    wait_until("the procedure print", || !printer.procedures.lock().expect("lock").is_empty());
    assert_eq!(printer.procedures.lock().expect("lock")[0], (procedure.id.clone(), Lang::Fr));
    wait_until("the print notice", || api.get_notice() == format!("Démarche imprimée : {}", procedure.id));

    // Out of paper: the button is disabled and says why; tapping it prints nothing.
    printer.out_of_paper.store(true, Ordering::SeqCst);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    pump();
    assert!(!api.get_can_print());
    assert_eq!(buttons(app, "Imprimer")[0].accessible_enabled(), Some(false));
    assert!(has_label(app, "Plus de papier"));
    buttons(app, "Imprimer")[0].invoke_accessible_default_action();
    pump();
    assert_eq!(printer.procedures.lock().expect("lock").len(), 1, "a disabled button prints nothing");
    printer.out_of_paper.store(false, Ordering::SeqCst);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    pump();
    assert!(api.get_can_print());

    // In English the page's own words switch, the content stays.
    tap(app, "English");
    assert_eq!(buttons(app, "Back to procedures").len(), 1);
    assert!(has_label(app, "Steps") && has_label(app, "Continue on your phone"));
    assert!(has_label(app, &procedure.summary));
    tap(app, "Français");
    assert!(buttons(app, "Retour aux démarches")[0].size().height >= 96.0);
    tap(app, "Retour aux démarches");
    assert_eq!(api.get_screen(), "procedures");

    // Actualités et agenda: news newest first, events to come soonest first.
    tap(app, "Accueil");
    tap(app, "Actualités et agenda");
    assert_eq!(api.get_screen(), "news");
    let news: Vec<_> = api.get_news().iter().collect();
    assert_eq!(news.len(), content.news.len());
    let mut newest_first: Vec<_> = content.news.iter().collect();
    newest_first.sort_by_key(|n| std::cmp::Reverse(n.date));
    for (row, item) in news.iter().zip(&newest_first) {
        assert_eq!(row.title, item.title.as_str());
        assert_eq!(row.link, item.link.clone().unwrap_or_default().as_str());
    }
    let now = *clock.lock().expect("clock");
    let to_come = content.events.iter().filter(|e| e.ends.unwrap_or(e.starts) >= now.naive_local()).count();
    let events: Vec<_> = api.get_events().iter().collect();
    assert_eq!(events.len(), to_come);
    assert!(!events.is_empty(), "the demo has events to come on 30 November 2026");
    let first_event = content.events.iter().min_by_key(|e| e.starts).expect("an event");
    assert_eq!(events[0].title, first_event.title.as_str());
    // In portrait the agenda comes first; the news follow further down (out of view here).
    assert!(has_label(app, "Agenda"));
    assert!(has_label(app, &first_event.title), "the soonest event is on screen");
    if let Some(link) = &first_event.link {
        let code = image(app, &format!("QR code : {link}"));
        assert!(code.size().width >= 150.0, "{:?}", code.size());
        assert!(qr_codes_on_screen(app).contains(link), "the event's QR code reads as its link");
    }

    // Later on, the events that are over are gone; the dates follow the language.
    let marche = content.events.iter().find(|e| e.id == "marche-noel").expect("marché de Noël");
    let contes = content.events.iter().find(|e| e.id == "conte-noel-mediatheque").expect("contes");
    *clock.lock().expect("clock") = at(2026, 12, 13, 10);
    tap(app, "Accueil");
    tap(app, "Actualités et agenda");
    let events: Vec<_> = api.get_events().iter().collect();
    assert!(events.iter().all(|e| e.title != marche.title.as_str()), "a past event is not listed");
    assert!(!has_label(app, &marche.title), "a past event is not shown");
    assert_eq!(events[0].title, contes.title.as_str());
    assert!(has_label(app, &contes.title));
    assert_eq!(events[0].when, "Mercredi 16 décembre 2026, de 15h00 à 16h00");
    // While the screen stays open, an event that ends leaves the agenda by itself.
    *clock.lock().expect("clock") = at(2026, 12, 16, 17);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    pump();
    assert_ne!(api.get_events().row_data(0).expect("event").title, contes.title.as_str());
    assert!(!has_label(app, &contes.title), "the tale afternoon is over");
    *clock.lock().expect("clock") = at(2026, 12, 13, 10);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    pump();
    assert_eq!(api.get_events().row_data(0).expect("event").title, contes.title.as_str());
    tap(app, "English");
    assert_eq!(
        api.get_events().row_data(0).expect("event").when,
        "Wednesday 16 December 2026, 15:00 to 16:00"
    );
    assert!(has_label(app, "News and events"));
    tap(app, "Français");

    // Nothing to come: an honest empty agenda; landscape shows both lists side by side.
    *clock.lock().expect("clock") = at(2028, 1, 1, 10);
    app.window().set_size(slint::PhysicalSize::new(1920, 1080));
    tap(app, "Accueil");
    tap(app, "Actualités et agenda");
    assert_eq!(api.get_events().row_count(), 0);
    assert!(has_label(app, "Aucun événement à venir."));
    assert!(has_label(app, "Actualités") && has_label(app, "Agenda"), "side by side in landscape");
    assert!(has_label(app, &content.news[0].title), "news still shown beside the empty agenda");
    app.window().set_size(slint::PhysicalSize::new(1080, 1920));
    *clock.lock().expect("clock") = at(2026, 11, 30, 10);

    // An answer card whose FAQ entry has a link shows its QR code, "Continuer sur votre téléphone".
    // (The example questions are the first FAQ entries; live opening hours replies carry no link.)
    let today = *clock.lock().expect("clock");
    let answered_with_link = |e: &&borne_content::FaqEntry| {
        e.link.is_some()
            && matches!(chatbot.ask(&e.question, today).kind, ReplyKind::Answer { ref faq_id } if *faq_id == e.id)
    };
    let entry = content.faq.iter().take(4).find(answered_with_link).expect("an example question with a link");
    let link = entry.link.as_deref().expect("link");
    tap(app, "Accueil");
    tap(app, "Poser une question");
    assert!(!has_label(app, "Continuer sur votre téléphone"), "no QR code before an answer");
    tap(app, &entry.question);
    wait_until("the answer", || api.get_cards().row_count() == 1);
    let card = api.get_cards().row_data(0).expect("card");
    assert!(card.answered);
    assert_eq!(card.link, link);
    assert!(card.qr.size().width >= 300, "{:?}", card.qr.size());
    assert!(has_label(app, "Continuer sur votre téléphone"));
    let code = image(app, &format!("QR code : {link}"));
    assert!(code.size().width >= 300.0 && code.size().height >= 300.0, "{:?}", code.size());
    assert_eq!(qr_codes_on_screen(app), [link]);

    // Live opening hours are phrased from the services but answer an FAQ entry: its link shows too,
    // the same as on the printed sheet of that entry.
    let live_hours = |e: &&borne_content::FaqEntry| {
        let reply = chatbot.ask(&e.question, today);
        e.link.is_some()
            && matches!(reply.kind, ReplyKind::LiveHours { .. })
            && reply.id.as_deref() == Some(&e.id)
    };
    let hours_entry =
        content.faq.iter().take(4).find(live_hours).expect("an example answered with live hours");
    let hours_link = hours_entry.link.as_deref().expect("link");
    // (The examples are gone once a card shows: ask it as the example buttons do.)
    api.invoke_ask_text(hours_entry.question.as_str().into());
    wait_until("the live hours answer", || api.get_cards().row_count() == 2);
    let card = api.get_cards().row_data(0).expect("card");
    assert_eq!(card.link, hours_link);
    assert!(card.qr.size().width >= 300, "{:?}", card.qr.size());
    assert!(qr_codes_on_screen(app).iter().any(|code| code == hours_link));
}

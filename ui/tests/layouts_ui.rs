//! The screens fit the kiosk screens communes buy: portrait 1080×1920, landscape 1920×1080 and the
//! small 1280×800. For each size the real window is laid out by Slint (testing backend) and every
//! control a visitor needs must lie inside the window, at a touchable size, in normal and in
//! large-text mode.

use std::sync::Arc;

use borne_chatbot::{Chatbot, ChatbotConfig};
use borne_content::{ContentSource, ContentStore};
use borne_ui::generated::Api;
use borne_ui::idle::IdleSettings;
use borne_ui::{Kiosk, UiServices};
use chrono::TimeZone;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;

fn pump() {
    slint::invoke_from_event_loop(|| slint::quit_event_loop().expect("quit")).expect("post");
    slint::run_event_loop().expect("event loop");
}

/// The element labelled `label` (a button when there is one), fully inside `width`×`height` and at
/// least `min_height` tall.
fn check(app: &borne_ui::generated::AppWindow, label: &str, (width, height): (f32, f32), min_height: f32) {
    let large = app.global::<Api>().get_large_text();
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(app, label).collect();
    let element = found
        .iter()
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .or(found.first())
        .unwrap_or_else(|| panic!("{label:?} is not on the screen at {width}x{height}"));
    let (pos, size) = (element.absolute_position(), element.size());
    assert!(
        pos.x >= 0.0
            && pos.y >= 0.0
            && pos.x + size.width <= width + 0.5
            && pos.y + size.height <= height + 0.5,
        "{label:?} at {width}x{height} (large text: {large}) lies at ({}, {}) size {}x{}: outside the window",
        pos.x,
        pos.y,
        size.width,
        size.height
    );
    assert!(
        size.height >= min_height,
        "{label:?} at {width}x{height} (large text: {large}) is only {} px tall",
        size.height
    );
}

#[test]
fn every_screen_fits_portrait_landscape_and_small_screens() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
    let content = store.current();
    let chatbot = Arc::new(Chatbot::new(&content, ChatbotConfig::default()).expect("chatbot"));
    let now = content.commune.timezone.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).single().expect("time");
    let kiosk = Kiosk::new(UiServices {
        content: Arc::new(store),
        chatbot,
        now: Arc::new(move || now),
        printer: None,
        feedback: None,
        idle: IdleSettings::default(),
        reporter: None,
        tickets: borne_ui::ticket::TicketBook::in_memory(),
    })
    .expect("kiosk");
    let app = kiosk.window();
    app.show().expect("show");
    let api = app.global::<Api>();
    let sizes = [(1080u32, 1920u32), (1920, 1080), (1280, 800)];
    for (w, h, large_text) in sizes.iter().flat_map(|&(w, h)| [(w, h, false), (w, h, true)]) {
        kiosk.set_large_text(large_text);
        app.window().set_size(slint::PhysicalSize::new(w, h));
        let size = (w as f32, h as f32);
        // Keys may shrink on short screens (60 px: about 10 mm on a 10-inch 1280×800 panel);
        // everything else keeps the full 96 px touch target.
        let key = if h < 900 { 58.0 } else { 90.0 };

        // The kiosk checks the window's orientation and height every second.
        i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_secs(1));
        api.set_screen("welcome".into());
        pump();
        check(app, "Horaires d'aujourd'hui", size, 20.0);

        api.set_screen("home".into());
        pump();
        for tile in [
            "Poser une question",
            "Horaires et services",
            "Démarches",
            "Actualités et agenda",
            "Signaler un problème",
            "Donner mon avis",
            "Accueil",
            "Quitter",
            "Contraste",
        ] {
            check(app, tile, size, 90.0);
        }

        api.set_screen("ask".into());
        pump();
        check(app, "Demander", size, 90.0);
        for k in ["1", "0", "a", "p", "w", "Effacer", "é", "ù", "û", "Espace"] {
            check(app, k, size, key);
        }

        api.set_screen("hours".into());
        pump();
        check(app, "Accueil", size, 90.0);

        // The typing steps of the forms: the field's buttons and the whole keyboard.
        api.set_screen("report".into());
        api.set_report_step(1);
        pump();
        for k in ["Suivant", "Retour"] {
            check(app, k, size, 90.0);
        }
        for k in ["1", "a", "w", "Effacer", "é", "@", "Espace"] {
            check(app, k, size, key);
        }
        api.set_screen("opinion".into());
        api.set_opinion_score(4);
        pump();
        for k in ["Envoyer", "Retour"] {
            check(app, k, size, 90.0);
        }
        for k in ["1", "p", "Effacer", "Espace"] {
            check(app, k, size, key);
        }
        api.set_opinion_score(0);
        api.set_report_step(0);
    }
}

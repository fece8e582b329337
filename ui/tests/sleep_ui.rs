//! Power-saving hours on the real window, through Slint's testing backend with the software
//! renderer (so the window can be read back as pixels): a session in progress when the hours end
//! is cleared and the window goes black; a touch on the black screen wakes it on the welcome
//! screen without pressing the button under the finger; left alone it sleeps again; at the start
//! of the hours it wakes by itself. The listener (the backlight, in the kiosk) hears each change.
//!
//! The testing backend can be initialised once per process, so this file holds a single `#[test]`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use borne_chatbot::{Chatbot, ChatbotConfig};
use borne_content::{ContentSource, ContentStore};
use borne_ui::generated::Api;
use borne_ui::idle::IdleSettings;
use borne_ui::screen_power::{AwakeRule, SleepSettings};
use borne_ui::{Kiosk, UiServices};
use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, Model};

mod support;
use support::*;

/// How many pixels of the window as rendered now are not black.
fn lit_pixels(app: &impl ComponentHandle) -> usize {
    pump();
    let shot = app.window().take_snapshot().expect("snapshot");
    shot.as_slice().iter().filter(|p| p.r > 8 || p.g > 8 || p.b > 8).count()
}

/// A finger pressing and lifting at `(x, y)` (logical pixels).
fn touch_at(app: &impl ComponentHandle, x: f32, y: f32) {
    let position = LogicalPosition::new(x, y);
    app.window().dispatch_event(WindowEvent::PointerMoved { position });
    app.window().dispatch_event(WindowEvent::PointerPressed { position, button: PointerEventButton::Left });
    app.window().dispatch_event(WindowEvent::PointerReleased { position, button: PointerEventButton::Left });
    pump();
}

/// Lets the 30 s power-saving check run.
fn thirty_seconds() {
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(30));
    pump();
}

#[test]
fn the_screen_sleeps_outside_its_hours_and_a_touch_wakes_it_without_pressing_anything() {
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
    let at =
        |d, h, mi| -> DateTime<Tz> { tz.with_ymd_and_hms(2026, 12, d, h, mi, 0).single().expect("time") };
    // Tuesday 1 December 2026, 18:50; awake Monday to Friday 08:00-19:00.
    let clock = Arc::new(Mutex::new(at(1, 18, 50)));
    let kiosk = Kiosk::new(UiServices {
        content: Arc::clone(&store),
        chatbot,
        now: {
            let clock = Arc::clone(&clock);
            Arc::new(move || *clock.lock().expect("clock"))
        },
        printer: None,
        feedback: None,
        // Long enough that only the sleep clears the session in this test.
        idle: IdleSettings { after_secs: 3000, countdown_secs: 20 },
        reporter: None,
        tickets: borne_ui::ticket::TicketBook::in_memory(),
    })
    .expect("kiosk");
    let app = kiosk.window();
    app.window().set_size(slint::PhysicalSize::new(1080, 1920));
    app.show().expect("show");
    pump();
    let api = app.global::<Api>();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let settings = SleepSettings {
        rule: AwakeRule::Hours("Mo-Fr 08:00-19:00".into()),
        wake_on_touch: chrono::Duration::minutes(5),
    };
    kiosk.enable_sleep(settings, {
        let heard = Arc::clone(&heard);
        Arc::new(move |asleep| heard.lock().expect("heard").push(asleep))
    });
    assert_eq!(*heard.lock().expect("heard"), vec![false], "the listener hears the state at once");
    assert!(!api.get_asleep());

    // A visitor is asking a question at 18:58 (their touches keep the screen on until 19:03).
    *clock.lock().expect("clock") = at(1, 18, 58);
    tap(app, "Touchez l'écran pour commencer");
    tap(app, "Poser une question");
    type_on_keyboard(app, "wifi");
    assert_eq!(api.get_question(), "wifi");
    *clock.lock().expect("clock") = at(1, 19, 2);
    thirty_seconds();
    assert!(!api.get_asleep(), "a visitor's last touch keeps the screen on for 5 minutes");

    // 19:04: asleep. The session was cleared first, then everything went black.
    *clock.lock().expect("clock") = at(1, 19, 4);
    thirty_seconds();
    assert!(api.get_asleep());
    assert_eq!(*heard.lock().expect("heard"), vec![false, true]);
    assert_eq!(api.get_screen(), "welcome");
    assert_eq!(api.get_question(), "", "what was typed is gone");
    assert_eq!(api.get_cards().row_count(), 0);
    assert_eq!(lit_pixels(app), 0, "the whole window is black");

    // 23:00, a touch in the middle of the welcome screen (its "touch to start" area): the screen
    // wakes on the welcome screen, and the touch started nothing.
    *clock.lock().expect("clock") = at(1, 23, 0);
    thirty_seconds();
    assert!(api.get_asleep());
    touch_at(app, 540.0, 960.0);
    assert!(!api.get_asleep(), "a touch wakes the screen");
    assert_eq!(api.get_screen(), "welcome", "the button under the finger did not fire");
    assert_eq!(*heard.lock().expect("heard"), vec![false, true, false]);
    assert!(lit_pixels(app) > 100_000, "the welcome screen shows again");
    // The next touch is an ordinary one.
    touch_at(app, 540.0, 960.0);
    assert_eq!(api.get_screen(), "home");

    // Left alone, it sleeps again 5 minutes after the last touch.
    *clock.lock().expect("clock") = at(1, 23, 4);
    thirty_seconds();
    assert!(!api.get_asleep());
    *clock.lock().expect("clock") = at(1, 23, 5);
    thirty_seconds();
    assert!(api.get_asleep());
    assert_eq!(api.get_screen(), "welcome");
    assert_eq!(*heard.lock().expect("heard"), vec![false, true, false, true]);

    // Wednesday 08:00: it wakes by itself.
    *clock.lock().expect("clock") = at(2, 7, 59);
    thirty_seconds();
    assert!(api.get_asleep());
    *clock.lock().expect("clock") = at(2, 8, 0);
    thirty_seconds();
    assert!(!api.get_asleep(), "awake at the start of the hours");
    assert_eq!(*heard.lock().expect("heard"), vec![false, true, false, true, false]);
}

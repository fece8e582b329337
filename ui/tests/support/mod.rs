//! What the UI tests share: driving the real Slint window through the testing backend by
//! accessible label, and letting its event loop run (answers and prints come back from worker
//! threads through it).

#![allow(dead_code)]

use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;

/// Processes everything queued for the event loop (answers from the worker), and lets Slint
/// instantiate the elements that just appeared.
pub fn pump() {
    slint::invoke_from_event_loop(|| slint::quit_event_loop().expect("quit")).expect("post");
    slint::run_event_loop().expect("event loop");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(1));
}

/// Pumps the event loop until `cond` holds (20 s at most).
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
        pump();
    }
}

/// The buttons (and toggles) labelled `label`.
pub fn buttons(app: &impl ComponentHandle, label: &str) -> Vec<ElementHandle> {
    ElementHandle::find_by_accessible_label(app, label)
        .filter(|e| matches!(e.accessible_role(), Some(AccessibleRole::Button | AccessibleRole::Checkbox)))
        .collect()
}

/// Taps the one button labelled `label`.
pub fn tap(app: &impl ComponentHandle, label: &str) {
    let found = buttons(app, label);
    assert_eq!(found.len(), 1, "expected one button labelled {label:?}, found {}", found.len());
    found[0].invoke_accessible_default_action();
    pump();
}

/// Types `text` key by key on the on-screen keyboard.
pub fn type_on_keyboard(app: &impl ComponentHandle, text: &str) {
    for c in text.chars() {
        if c == ' ' {
            tap(app, "Espace");
        } else {
            tap(app, &c.to_string());
        }
    }
}

/// Whether anything on screen is labelled `label`.
pub fn has_label(app: &impl ComponentHandle, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(app, label).next().is_some()
}

//! Helpers shared by the reader tests: waiting for a given event on the reader's channel.

#![allow(dead_code)]

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use borne_hardware::reader::ReaderEvent;

/// Generous bound for anything that should take milliseconds (the machine is shared).
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Waits for the first event matching `want`, returning it and the events skipped before it.
pub fn wait_for(
    events: &Receiver<ReaderEvent>,
    what: &str,
    want: impl Fn(&ReaderEvent) -> bool,
) -> (ReaderEvent, Vec<ReaderEvent>) {
    let deadline = Instant::now() + PATIENCE;
    let mut skipped = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(event) if want(&event) => return (event, skipped),
            Ok(event) => skipped.push(event),
            Err(_) => panic!("no {what} within {PATIENCE:?}; saw {skipped:?}"),
        }
    }
}

/// Waits for the reader to report itself ready.
pub fn wait_connected(events: &Receiver<ReaderEvent>) {
    wait_for(events, "Connected", |e| matches!(e, ReaderEvent::Connected { .. }));
}

/// Waits for the reader to report itself gone.
pub fn wait_disconnected(events: &Receiver<ReaderEvent>) {
    wait_for(events, "Disconnected", |e| matches!(e, ReaderEvent::Disconnected { .. }));
}

/// The code of the next card read (other events skipped).
pub fn next_card(events: &Receiver<ReaderEvent>) -> String {
    match wait_for(events, "card", |e| matches!(e, ReaderEvent::Card(_))).0 {
        ReaderEvent::Card(read) => read.code.reveal().to_string(),
        _ => unreachable!(),
    }
}

/// Every event received during `window`.
pub fn drain_for(events: &Receiver<ReaderEvent>, window: Duration) -> Vec<ReaderEvent> {
    let deadline = Instant::now() + window;
    let mut got = Vec::new();
    while let Ok(e) = events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        got.push(e);
    }
    got
}

/// The card codes among `events`.
pub fn cards(events: &[ReaderEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ReaderEvent::Card(read) => Some(read.code.reveal().to_string()),
            _ => None,
        })
        .collect()
}

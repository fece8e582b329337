//! Reloads the content, and the chatbot index built from it, when its files change (or on
//! request), keeping the last good content when an edit is broken.
//!
//! Editors save files in several steps (temporary file, rename), so change notifications are
//! debounced: the reload happens once the directory has been quiet for a moment.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use borne_chatbot::Chatbot;
use borne_content::ContentStore;
use borne_telemetry::client::EventSink;
use borne_telemetry::messages::EventKind;
use notify::{RecursiveMode, Watcher};

/// How long the directory must stay quiet before a reload.
const QUIET: Duration = Duration::from_millis(400);

/// The content in service and what is built from it, reloaded together.
pub struct Reloader {
    /// The content.
    pub store: Arc<ContentStore>,
    /// The chatbot's index of the FAQ.
    pub chatbot: Arc<Chatbot>,
    /// Where reloads are reported (set once telemetry runs).
    pub events: OnceLock<EventSink>,
}

/// Reloads the content and rebuilds the chatbot's index from it, and logs the outcome: the new
/// version, or every problem with the kept version; reports it to telemetry when it runs.
/// Returns the version in service, or the number of problems and the version kept.
pub fn reload_and_log(reloader: &Reloader) -> Result<String, (usize, String)> {
    let store = &reloader.store;
    let report = |kind| {
        if let Some(sink) = reloader.events.get() {
            sink.event(kind);
        }
    };
    match store.reload() {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                tracing::warn!(%warning, "content warning");
            }
            if let Err(e) = reloader.chatbot.reload(&store.current()) {
                tracing::error!(error = %e, "cannot rebuild the chatbot index; the previous one stays");
                report(EventKind::Error { message: format!("cannot rebuild the chatbot index: {e}") });
            }
            let version = store.current().version.to_string();
            report(EventKind::ContentReloaded { version: version.clone() });
            Ok(version)
        }
        Err(err) => {
            for problem in &err.problems {
                tracing::error!(%problem, "content problem");
            }
            tracing::error!(
                kept_version = %store.current().version,
                errors = err.error_count(),
                "content reload refused; the last good content stays in service"
            );
            let kept_version = store.current().version.to_string();
            report(EventKind::ContentFailed {
                errors: err.error_count(),
                kept_version: kept_version.clone(),
            });
            Err((err.error_count(), kept_version))
        }
    }
}

/// Watches `dir` and reloads after changes; the watch stops when the watcher is dropped.
pub fn watch(dir: PathBuf, reloader: Arc<Reloader>) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !event.kind.is_access()
        {
            let _ = tx.send(());
        }
    })?;
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    std::thread::Builder::new()
        .name("content-watch".into())
        .spawn(move || {
            // Each change starts a quiet period; reload when it ends. Ends when the watcher is dropped.
            while rx.recv().is_ok() {
                loop {
                    match rx.recv_timeout(QUIET) {
                        Ok(()) => continue,
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                tracing::info!("content files changed, reloading");
                let _ = reload_and_log(&reloader);
            }
        })
        .map_err(notify::Error::io)?;
    tracing::info!(dir = %dir.display(), "watching content for changes");
    Ok(watcher)
}

//! Errors of the touchscreen UI: what can fail when the window is created or the event loop runs.

use thiserror::Error;

/// Why the touchscreen UI could not start or stopped.
#[derive(Debug, Error)]
pub enum UiError {
    /// Slint could not create the window or run its event loop (no display, no backend).
    #[error("the touchscreen UI cannot run: {0}")]
    Platform(#[from] slint::PlatformError),
    /// The language's translations are not bundled.
    #[error("no translation bundled for language {0:?}")]
    Language(String),
    /// The UI thread could not be reached (the window is closed or the event loop stopped).
    #[error("the touchscreen is not running: {0}")]
    NotRunning(#[from] slint::EventLoopError),
    /// The UI thread did not take the screenshot in time.
    #[error("the touchscreen did not answer within {0:?}")]
    NoAnswer(std::time::Duration),
    /// The answer worker thread could not be started.
    #[error("cannot start the answer worker: {0}")]
    Worker(#[from] std::io::Error),
}

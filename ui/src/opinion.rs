//! "Donner mon avis": five faces from très mécontent to très content, an optional comment typed on
//! the on-screen keyboard, then a thank-you page. The opinion goes to the [`UiReporter`] (telemetry
//! in the kiosk program), which masks the comment.
//!
//! [`UiReporter`]: crate::reporter::UiReporter

use slint::{ComponentHandle, SharedString};

use crate::generated::{Api, AppWindow};

/// Longest comment the keyboard types, in characters.
pub const MAX_COMMENT_CHARS: usize = 280;

/// A visitor's opinion of the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opinion {
    /// From 1 (très mécontent) to 5 (très content).
    pub score: u8,
    /// What the visitor typed, as typed (`None` when nothing).
    pub comment: Option<String>,
}

/// The opinion on screen, when a face was chosen.
pub(crate) fn current(app: &AppWindow) -> Option<Opinion> {
    let api = app.global::<Api>();
    let score = u8::try_from(api.get_opinion_score()).ok().filter(|s| (1..=5).contains(s))?;
    let comment = api.get_opinion_comment().trim().to_string();
    Some(Opinion { score, comment: (!comment.is_empty()).then_some(comment) })
}

/// Forgets the face chosen and the comment typed.
pub(crate) fn clear(app: &AppWindow) {
    let api = app.global::<Api>();
    api.set_opinion_score(0);
    api.set_opinion_comment(SharedString::new());
    api.set_opinion_sent(false);
}

/// Shows the opinion screen at one of its steps, with demo values (for screenshots): `0` the faces,
/// `1` the comment, `2` the thank-you page.
pub(crate) fn stage(app: &AppWindow, step: u8) {
    clear(app);
    let api = app.global::<Api>();
    api.set_screen("opinion".into());
    if step >= 1 {
        api.set_opinion_score(4);
        api.set_opinion_comment("Très pratique, merci".into());
    }
    if step >= 2 {
        api.set_opinion_sent(true);
    }
}

//! Rendering the kiosk without any display: a Slint platform whose only window is a
//! `MinimalSoftwareWindow` drawn by the software renderer, so `borne screenshot` and the docs'
//! pictures work on a headless machine. [`Stage`] puts the kiosk in the state of each screen shown.

use std::rc::Rc;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, Rgba8Pixel, SharedPixelBuffer};

use crate::error::UiError;
use crate::kiosk::Kiosk;

struct OffscreenPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for OffscreenPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
}

/// The offscreen platform, installed once per process before the kiosk is created.
pub struct Offscreen {
    _window: Rc<MinimalSoftwareWindow>,
}

impl Offscreen {
    /// Installs the offscreen platform; fails when another Slint platform already runs.
    pub fn install() -> Result<Self, UiError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(OffscreenPlatform { window: window.clone() }))
            .map_err(|e| UiError::Platform(slint::PlatformError::Other(e.to_string())))?;
        Ok(Self { _window: window })
    }

    /// Renders the kiosk's window at `width`×`height` physical pixels, `scale` physical pixels per
    /// logical pixel (0.5 draws the 1080×1920 layout in a 540×960 picture).
    pub fn render(
        &self,
        kiosk: &Kiosk,
        width: u32,
        height: u32,
        scale: f32,
    ) -> Result<SharedPixelBuffer<Rgba8Pixel>, UiError> {
        kiosk.stop_clock();
        let app = kiosk.window();
        app.window().dispatch_event(slint::platform::WindowEvent::ScaleFactorChanged { scale_factor: scale });
        app.window().set_size(slint::PhysicalSize::new(width, height));
        crate::kiosk::refresh_orientation(app);
        app.show()?;
        // Elements under a changed `if` are created during a rendering pass: render until two
        // passes give the same picture, so it shows everything the state asks for.
        slint::platform::update_timers_and_animations();
        let mut last = app.window().take_snapshot()?;
        for _ in 0..5 {
            slint::platform::update_timers_and_animations();
            let next = app.window().take_snapshot()?;
            if next.as_bytes() == last.as_bytes() {
                break;
            }
            last = next;
        }
        Ok(last)
    }
}

/// The screens `borne screenshot --screen NAME` can show, in the order `--screen all` renders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The attract screen.
    Welcome,
    /// The six tiles.
    Home,
    /// The ask screen with its keyboard, before any question.
    Ask,
    /// An answer card.
    Answer,
    /// "Vouliez-vous dire :" with a button per choice.
    Clarify,
    /// A refusal with the closest questions as buttons.
    Refusal,
    /// The inactivity warning.
    Idle,
    /// "Horaires et services", first service opened.
    Hours,
    /// The "Démarches" catalogue, by theme.
    Procedures,
    /// One procedure's page: steps, documents, service, QR code, Imprimer.
    Procedure,
    /// "Actualités et agenda".
    News,
    /// The alert banner over the home screen.
    Alert,
    /// The maintenance screen.
    Maintenance,
    /// "Signaler un problème": the categories.
    Report,
    /// "Signaler un problème": where, typed on the keyboard.
    ReportWhere,
    /// "Signaler un problème": the optional contact, with "Passer".
    ReportContact,
    /// "Signaler un problème": the summary to confirm or correct.
    ReportSummary,
    /// "Signaler un problème": the ticket number.
    ReportDone,
    /// "Donner mon avis": the five faces.
    Opinion,
    /// "Donner mon avis": the optional comment.
    OpinionComment,
    /// "Donner mon avis": thank you.
    OpinionThanks,
}

impl Stage {
    /// Every screen, in order.
    pub const ALL: [Stage; 21] = [
        Stage::Welcome,
        Stage::Home,
        Stage::Ask,
        Stage::Answer,
        Stage::Clarify,
        Stage::Refusal,
        Stage::Idle,
        Stage::Hours,
        Stage::Procedures,
        Stage::Procedure,
        Stage::News,
        Stage::Alert,
        Stage::Maintenance,
        Stage::Report,
        Stage::ReportWhere,
        Stage::ReportContact,
        Stage::ReportSummary,
        Stage::ReportDone,
        Stage::Opinion,
        Stage::OpinionComment,
        Stage::OpinionThanks,
    ];

    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Welcome => "welcome",
            Stage::Home => "home",
            Stage::Ask => "ask",
            Stage::Answer => "answer",
            Stage::Clarify => "clarify",
            Stage::Refusal => "refusal",
            Stage::Idle => "idle",
            Stage::Hours => "hours",
            Stage::Procedures => "procedures",
            Stage::Procedure => "procedure",
            Stage::News => "news",
            Stage::Alert => "alert",
            Stage::Maintenance => "maintenance",
            Stage::Report => "report",
            Stage::ReportWhere => "report-where",
            Stage::ReportContact => "report-contact",
            Stage::ReportSummary => "report-summary",
            Stage::ReportDone => "report-done",
            Stage::Opinion => "opinion",
            Stage::OpinionComment => "opinion-comment",
            Stage::OpinionThanks => "opinion-thanks",
        }
    }

    /// The screen called `name`.
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A question the demo content answers, and one it refuses with suggestions.
const DEMO_QUESTION: &str = "Y a-t-il le wifi à la médiathèque ?";
const DEMO_REFUSED: &str = "je voudrais un livre de cuisine";
/// Short, vague questions: the first the chatbot answers with "Vouliez-vous dire ?" is shown
/// (which one does depends on the chatbot's learned weights).
const DEMO_AMBIGUOUS: [&str; 4] = ["inscription", "passeport", "carte", "horaires"];
/// A demo procedure with documents, a service, a cost and a link.
const DEMO_PROCEDURE: &str = "papiers-perte-vol";

impl Kiosk {
    /// Puts the kiosk in the state of `stage`, answering synchronously (no event loop needed).
    pub fn stage(&self, stage: Stage) {
        self.reset_session();
        let answer = |question: &str| {
            self.go("ask");
            self.answer_now(question);
        };
        match stage {
            Stage::Welcome => {}
            Stage::Home => self.go("home"),
            Stage::Ask => self.go("ask"),
            Stage::Answer => answer(DEMO_QUESTION),
            Stage::Clarify => {
                let question = DEMO_AMBIGUOUS
                    .into_iter()
                    .find(|q| self.reply_now(q).kind == borne_chatbot::ReplyKind::Clarify)
                    .unwrap_or(DEMO_AMBIGUOUS[0]);
                answer(question);
            }
            Stage::Refusal => answer(DEMO_REFUSED),
            Stage::Idle => {
                answer(DEMO_QUESTION);
                self.show_idle_warning(15);
            }
            Stage::Hours => self.show_hours(),
            Stage::Procedures => self.show_procedures(),
            Stage::Procedure => {
                self.show_procedures();
                self.show_procedure(DEMO_PROCEDURE);
            }
            Stage::News => self.show_news(),
            Stage::Alert => {
                self.go("home");
                self.handle_alert_now(crate::alert::Alert {
                    text: "Travaux rue de la Mairie : la médiathèque est accessible par le parc.".into(),
                    level: crate::alert::AlertLevel::Warning,
                });
            }
            Stage::Maintenance => self.handle_maintenance_now(true),
            Stage::Report => crate::report::stage(self.window(), 0),
            Stage::ReportWhere => crate::report::stage(self.window(), 1),
            Stage::ReportContact => crate::report::stage(self.window(), 3),
            Stage::ReportSummary => crate::report::stage(self.window(), 4),
            Stage::ReportDone => crate::report::stage(self.window(), 5),
            Stage::Opinion => crate::opinion::stage(self.window(), 0),
            Stage::OpinionComment => crate::opinion::stage(self.window(), 1),
            Stage::OpinionThanks => crate::opinion::stage(self.window(), 2),
        }
    }
}

//! The touchscreen kiosk: creates the Slint window, fills the `Api` global from the content, and
//! wires every `Api` callback to the Rust logic (navigation state, languages, the answer worker,
//! printing, feedback, inactivity, power-saving hours). [`KioskHandle`] lets other threads (MQTT
//! commands, card readers) show an alert, the maintenance screen or a notice.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use borne_chatbot::feedback::FeedbackLog;
use borne_chatbot::{Chatbot, Language, Reply, ReplyKind};
use borne_content::{ContentStore, Lang};
use chrono::DateTime;
use chrono_tz::Tz;
use slint::{
    ComponentHandle, Model, ModelRc, Rgba8Pixel, SharedPixelBuffer, SharedString, Timer, TimerMode, VecModel,
};

use crate::alert::Alert;
use crate::ask::{self, Job, Outcome, SUGGEST_FROM_CHARS};
use crate::error::UiError;
use crate::generated::{AnswerCard, Api, AppWindow};
use crate::idle::{IdleSettings, IdleState};
use crate::qr::qr_image;
use crate::report::{Incident, TicketPrint};
use crate::reporter::UiReporter;
use crate::screen_power::SleepSettings;
use crate::ticket::TicketBook;
use crate::typing::Field;
use crate::welcome;
use crate::{opinion, report};

/// The current time in the commune's time zone (the kiosk's clock, which tests and demos can fix).
pub type NowFn = Arc<dyn Fn() -> DateTime<Tz> + Send + Sync>;

/// The receipt printer as the touchscreen sees it. Implemented by the kiosk program on its
/// `KioskPrinter`; calls come from the worker thread, never from the UI thread.
pub trait AnswerPrinter: Send + Sync {
    /// Why printing is impossible right now (out of paper, absent), in `lang`; `None` when it can print.
    fn unavailable(&self, lang: Lang) -> Option<String>;
    /// Prints `reply` to `question`: `Ok` with the message to show, or `Err` with why it failed,
    /// both in `lang`.
    fn print_answer(&self, question: &str, reply: &Reply, lang: Lang) -> Result<String, String>;
    /// Prints the sheet of the procedure `procedure_id`: `Ok` with the message to show, or `Err`
    /// with why it failed, both in `lang`.
    fn print_procedure(&self, procedure_id: &str, lang: Lang) -> Result<String, String>;
    /// Prints the ticket of a reported incident (never its contact): `Err` with why it failed
    /// (for the log: no personal data). Printers that cannot print tickets keep this default.
    fn print_incident(&self, incident: &Incident) -> Result<TicketPrint, String> {
        let _ = incident;
        Err("this printer does not print incident tickets".to_string())
    }
}

/// What the touchscreen needs from the rest of the kiosk.
pub struct UiServices {
    /// The content in service (reloads are picked up at the next session).
    pub content: Arc<ContentStore>,
    /// The FAQ chatbot.
    pub chatbot: Arc<Chatbot>,
    /// The kiosk's clock.
    pub now: NowFn,
    /// The receipt printer, when the kiosk has one.
    pub printer: Option<Arc<dyn AnswerPrinter>>,
    /// Where questions and "was it helpful?" votes are counted.
    pub feedback: Option<Arc<FeedbackLog>>,
    /// Inactivity settings.
    pub idle: IdleSettings,
    /// Where ended sessions, votes, incidents and opinions are reported (telemetry), if anywhere.
    pub reporter: Option<Arc<dyn UiReporter>>,
    /// Incident ticket numbers.
    pub tickets: TicketBook,
}

/// One card of the conversation, as the session remembers it.
#[derive(Debug)]
struct Shown {
    /// The card's heading: the question typed, or the entry's question when one was tapped.
    question: String,
    /// What the visitor typed that led to this card (logged with a "no" vote).
    asked: String,
    /// The chatbot's reply.
    reply: Reply,
}

/// What one visitor did, cleared when the session ends.
#[derive(Debug, Default)]
struct Session {
    /// Incremented at each reset: answers to questions of an older session are dropped.
    generation: u64,
    /// The cards shown, newest first (same order as the cards).
    replies: Vec<Shown>,
    /// Seconds since the last touch.
    idle_secs: u32,
    /// Language of the strings built in Rust.
    lang: Lang,
    /// When the visitor touched the welcome screen (`None` on the welcome screen).
    started: Option<Instant>,
    /// The kiosk's time at the last touch (power saving: a touch keeps the screen awake).
    last_touch: Option<DateTime<Tz>>,
}

type Shared = Arc<Mutex<Session>>;

fn lock(session: &Shared) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running touchscreen UI.
pub struct Kiosk {
    app: AppWindow,
    services: Arc<UiServices>,
    session: Shared,
    tick: Timer,
    /// Re-evaluates the power-saving hours (started by [`Kiosk::enable_sleep`]).
    sleep_tick: Timer,
}

/// Told, on the UI thread, that the screen fell asleep (`true`) or woke (`false`): turns the
/// backlight off or on. It must return at once (hand slow work to another thread).
pub type SleepListener = Arc<dyn Fn(bool) + Send + Sync>;

/// How often the power-saving hours are re-evaluated (a touch on the sleeping screen wakes it at
/// once).
const SLEEP_CHECK: Duration = Duration::from_secs(30);

/// The power-saving state shared by the timer and the wake callback (UI thread only).
struct Sleep {
    settings: SleepSettings,
    listener: SleepListener,
    /// The awake hours could not be worked out (a followed service gone after a content reload):
    /// said once, then the screen stays awake.
    warned: Cell<bool>,
}

/// A handle to the touchscreen usable from any thread: alert banner, maintenance screen, notices.
#[derive(Clone)]
pub struct KioskHandle {
    weak: slint::Weak<AppWindow>,
}

/// How long a notice (card read, print result) stays on screen.
const NOTICE_SECS: u64 = 6;

/// Smallest side of the "Continuer sur votre téléphone" QR code on answer cards, in pixels.
const ANSWER_QR_PX: u32 = 300;

impl Kiosk {
    /// Creates the window on the current Slint platform, in French, on the welcome screen.
    pub fn new(services: UiServices) -> Result<Self, UiError> {
        let app = AppWindow::new()?;
        let services = Arc::new(services);
        let session: Shared = Arc::new(Mutex::new(Session::default()));
        let api = app.global::<Api>();
        api.set_cards(ModelRc::new(VecModel::<AnswerCard>::default()));

        let content = services.content.current();
        api.set_commune_name(content.commune.name.as_str().into());
        if let Some(bytes) = &content.logo {
            match slint::Image::load_from_svg_data(bytes) {
                Ok(image) => {
                    api.set_logo(image);
                    api.set_has_logo(true);
                }
                Err(e) => tracing::warn!(error = ?e, "the commune's logo is not an SVG Slint can read"),
            }
        }
        let examples: Vec<SharedString> =
            content.faq.iter().take(4).map(|e| SharedString::from(e.question.as_str())).collect();
        api.set_examples(ModelRc::new(VecModel::from(examples)));

        let weak = app.as_weak();
        let jobs = ask::start(Arc::clone(&services), {
            let (services, session) = (Arc::clone(&services), Arc::clone(&session));
            move |outcome| {
                let (services, session) = (Arc::clone(&services), Arc::clone(&session));
                if let Err(e) =
                    weak.upgrade_in_event_loop(move |app| apply(&app, &services, &session, outcome))
                {
                    tracing::error!(error = %e, "cannot hand an answer to the UI");
                }
            }
        })?;

        wire(&app, &services, &session, jobs);
        set_language(&app, &services, &session, Lang::Fr)?;

        let tick = Timer::default();
        let weak = app.as_weak();
        let tick_services = Arc::clone(&services);
        let tick_session = Arc::clone(&session);
        tick.start(TimerMode::Repeated, Duration::from_secs(1), move || {
            if let Some(app) = weak.upgrade() {
                on_tick(&app, &tick_services, &tick_session);
            }
        });
        refresh_clock(&app, &services, &session);
        Ok(Self { app, services, session, tick, sleep_tick: Timer::default() })
    }

    /// The Slint window (for tests, screenshots and `run`).
    pub fn window(&self) -> &AppWindow {
        &self.app
    }

    /// A handle other threads can use.
    pub fn handle(&self) -> KioskHandle {
        KioskHandle { weak: self.app.as_weak() }
    }

    /// Switches the interface language (the `@tr` strings and those built in Rust).
    pub fn set_language(&self, lang: Lang) -> Result<(), UiError> {
        set_language(&self.app, &self.services, &self.session, lang)
    }

    /// Makes the window cover the whole screen (`true`, as a kiosk does) or not.
    pub fn set_fullscreen(&self, on: bool) {
        self.app.window().set_fullscreen(on);
    }

    /// Turns large text on or off.
    pub fn set_large_text(&self, on: bool) {
        self.app.global::<Api>().set_large_text(on);
    }

    /// Turns high contrast on or off.
    pub fn set_high_contrast(&self, on: bool) {
        self.app.global::<Api>().set_high_contrast(on);
    }

    /// Clears the conversation and overlays and returns to the welcome screen, keeping the
    /// language and display settings (for screenshots; inactivity uses the full reset).
    pub(crate) fn reset_session(&self) {
        clear_conversation(&self.app, &self.session);
        let api = self.app.global::<Api>();
        api.set_alert_text(SharedString::new());
        api.set_maintenance(false);
        api.set_notice(SharedString::new());
        api.set_screen("welcome".into());
    }

    /// Shows the screen called `screen` (`welcome`, `home`, `ask`).
    pub(crate) fn go(&self, screen: &str) {
        self.app.global::<Api>().set_screen(screen.into());
    }

    /// Answers `question` on the calling thread and shows the card (for screenshots, which have no
    /// event loop; the kiosk itself answers on the worker).
    pub(crate) fn answer_now(&self, question: &str) {
        let mut reply = self.services.chatbot.ask(question, (self.services.now)());
        ask::add_entry_link(&mut reply, &self.services.content.current());
        let generation = lock(&self.session).generation;
        apply(
            &self.app,
            &self.services,
            &self.session,
            Outcome::Answered {
                question: question.to_string(),
                asked: question.to_string(),
                generation,
                reply: Box::new(reply),
            },
        );
    }

    /// The chatbot's reply to `question` now, without showing it.
    pub(crate) fn reply_now(&self, question: &str) -> Reply {
        self.services.chatbot.ask(question, (self.services.now)())
    }

    /// Shows "Horaires et services" with its rows filled, the first service opened.
    pub(crate) fn show_hours(&self) {
        fill_hours(&self.app, &self.services, &self.session);
        let api = self.app.global::<Api>();
        api.set_selected_service(0);
        api.set_screen("hours".into());
    }

    /// Shows the "Démarches" catalogue.
    pub(crate) fn show_procedures(&self) {
        fill_procedures(&self.app, &self.services);
        self.go("procedures");
    }

    /// Shows the page of the procedure `id` (stays on the current screen when there is none).
    pub(crate) fn show_procedure(&self, id: &str) {
        open_procedure(&self.app, &self.services, id);
    }

    /// Shows "Actualités et agenda" as of now.
    pub(crate) fn show_news(&self) {
        fill_news(&self.app, &self.services, &self.session);
        self.go("news");
    }

    /// Stops the one-second clock (date, time, hours, inactivity): offscreen pictures must not
    /// change while they are taken.
    pub(crate) fn stop_clock(&self) {
        self.tick.stop();
    }

    /// Shows the inactivity warning with `left` seconds.
    pub(crate) fn show_idle_warning(&self, left: i32) {
        let api = self.app.global::<Api>();
        api.set_idle_countdown(left);
        api.set_idle_warning(true);
    }

    /// Shows the alert banner (on the UI thread).
    pub(crate) fn handle_alert_now(&self, alert: Alert) {
        show_alert(&self.app.global::<Api>(), Some(alert));
    }

    /// Shows or hides the maintenance screen (on the UI thread).
    pub(crate) fn handle_maintenance_now(&self, on: bool) {
        show_maintenance(&self.app.global::<Api>(), on, None);
    }

    /// Turns on power-saving hours: outside the hours of `settings` the session is cleared, the
    /// window goes black and `listener` is told (`true`); a touch wakes it for
    /// `settings.wake_on_touch` without pressing anything underneath, and it wakes by itself when
    /// the hours start (`false`). Re-evaluated every 30 s on the UI thread; `listener` is called
    /// once at once with the current state, so a backlight left off by an earlier run comes back.
    pub fn enable_sleep(&self, settings: SleepSettings, listener: SleepListener) {
        let sleep = Rc::new(Sleep { settings, listener, warned: Cell::new(false) });
        let api = self.app.global::<Api>();
        api.on_wake({
            let (weak, services, session, sleep) = (
                self.app.as_weak(),
                Arc::clone(&self.services),
                Arc::clone(&self.session),
                Rc::clone(&sleep),
            );
            move || {
                lock(&session).last_touch = Some((services.now)());
                if let Some(app) = weak.upgrade() {
                    tracing::info!("screen woken by a touch");
                    evaluate_sleep(&app, &services, &session, &sleep, false);
                }
            }
        });
        evaluate_sleep(&self.app, &self.services, &self.session, &sleep, true);
        let (weak, services, session) =
            (self.app.as_weak(), Arc::clone(&self.services), Arc::clone(&self.session));
        self.sleep_tick.start(TimerMode::Repeated, SLEEP_CHECK, move || {
            if let Some(app) = weak.upgrade() {
                evaluate_sleep(&app, &services, &session, &sleep, false);
            }
        });
    }

    /// Shows the window and runs the event loop until it is closed.
    pub fn run(&self) -> Result<(), UiError> {
        self.app.run()?;
        Ok(())
    }
}

impl KioskHandle {
    /// Shows `alert` as a banner over every screen, or hides the banner with `None`.
    pub fn set_alert(&self, alert: Option<Alert>) {
        self.post(move |api| show_alert(api, alert));
    }

    /// Shows (`on`) or hides the maintenance screen; `message` replaces its standard second line.
    pub fn set_maintenance(&self, on: bool, message: Option<String>) {
        self.post(move |api| show_maintenance(api, on, message));
    }

    /// Takes a picture of the window as it is on screen now (RGBA, physical pixels), waiting at
    /// most `timeout` for the UI thread; `None` while a visitor is using the kiosk (anywhere but
    /// the welcome or maintenance screen), whose screen is nobody else's business. Call it from any
    /// thread but the UI thread.
    pub fn snapshot(&self, timeout: Duration) -> Result<Option<SharedPixelBuffer<Rgba8Pixel>>, UiError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.weak.upgrade_in_event_loop(move |app| {
            let api = app.global::<Api>();
            let in_use = api.get_screen() != "welcome" && !api.get_maintenance();
            let _ = tx.send(if in_use { Ok(None) } else { app.window().take_snapshot().map(Some) });
        })?;
        match rx.recv_timeout(timeout) {
            Ok(picture) => Ok(picture?),
            Err(_) => Err(UiError::NoAnswer(timeout)),
        }
    }

    /// Shows a short notice (for example when a card is read); it disappears by itself.
    pub fn show_notice(&self, text: String) {
        let weak = self.weak.clone();
        let result = self.weak.upgrade_in_event_loop(move |app| show_notice(&app, weak, text));
        if let Err(e) = result {
            tracing::warn!(error = %e, "the touchscreen is not running");
        }
    }

    fn post(&self, f: impl FnOnce(&Api<'_>) + Send + 'static) {
        if let Err(e) = self.weak.upgrade_in_event_loop(move |app| f(&app.global::<Api>())) {
            tracing::warn!(error = %e, "the touchscreen is not running");
        }
    }
}

fn show_alert(api: &Api<'_>, alert: Option<Alert>) {
    match alert {
        Some(alert) => {
            api.set_alert_level(alert.level.index());
            api.set_alert_text(alert.text.as_str().into());
        }
        None => api.set_alert_text(SharedString::new()),
    }
}

fn show_maintenance(api: &Api<'_>, on: bool, message: Option<String>) {
    api.set_maintenance_message(message.unwrap_or_default().into());
    api.set_maintenance(on);
}

fn show_notice(app: &AppWindow, weak: slint::Weak<AppWindow>, text: String) {
    app.global::<Api>().set_notice(text.as_str().into());
    Timer::single_shot(Duration::from_secs(NOTICE_SECS), move || {
        if let Some(app) = weak.upgrade() {
            let api = app.global::<Api>();
            if api.get_notice() == text.as_str() {
                api.set_notice(SharedString::new());
            }
        }
    });
}

fn wire(app: &AppWindow, services: &Arc<UiServices>, session: &Shared, jobs: Sender<Job>) {
    let api = app.global::<Api>();
    let weak = app.as_weak();

    api.on_start({
        let (weak, services, session) = (weak.clone(), Arc::clone(services), Arc::clone(session));
        move || {
            {
                let mut session = lock(&session);
                session.idle_secs = 0;
                session.last_touch = Some((services.now)());
                session.started.get_or_insert_with(Instant::now);
            }
            if let Some(app) = weak.upgrade() {
                app.global::<Api>().set_screen("home".into());
            }
        }
    });
    api.on_activity({
        let (weak, services, session) = (weak.clone(), Arc::clone(services), Arc::clone(session));
        move || {
            {
                let mut session = lock(&session);
                session.idle_secs = 0;
                session.last_touch = Some((services.now)());
            }
            if let Some(app) = weak.upgrade() {
                app.global::<Api>().set_idle_warning(false);
            }
        }
    });
    api.on_end_session({
        let (weak, services, session) = (weak.clone(), Arc::clone(services), Arc::clone(session));
        move || {
            if let Some(app) = weak.upgrade() {
                reset(&app, &services, &session, "session ended by the visitor");
            }
        }
    });
    api.on_still_here({
        let (weak, session) = (weak.clone(), Arc::clone(session));
        move || {
            lock(&session).idle_secs = 0;
            if let Some(app) = weak.upgrade() {
                app.global::<Api>().set_idle_warning(false);
            }
        }
    });
    api.on_set_language({
        let (weak, services, session) = (weak.clone(), Arc::clone(services), Arc::clone(session));
        move |code| {
            let Some(app) = weak.upgrade() else { return };
            let lang = if code == "en" { Lang::En } else { Lang::Fr };
            if let Err(e) = set_language(&app, &services, &session, lang) {
                tracing::error!(error = %e, "cannot switch language");
            }
        }
    });
    api.on_open_hours({
        let (weak, services, session) = (weak.clone(), Arc::clone(services), Arc::clone(session));
        move || {
            let Some(app) = weak.upgrade() else { return };
            fill_hours(&app, &services, &session);
        }
    });
    api.on_open_procedures({
        let (weak, services) = (weak.clone(), Arc::clone(services));
        move || {
            let Some(app) = weak.upgrade() else { return };
            fill_procedures(&app, &services);
        }
    });
    api.on_open_procedure({
        let (weak, services) = (weak.clone(), Arc::clone(services));
        move |id| {
            let Some(app) = weak.upgrade() else { return };
            open_procedure(&app, &services, &id);
        }
    });
    api.on_print_procedure({
        let (session, jobs) = (Arc::clone(session), jobs.clone());
        move |id| {
            let lang = lock(&session).lang;
            if jobs.send(Job::PrintProcedure { id: id.to_string(), lang }).is_err() {
                tracing::error!("the answer worker has stopped");
            }
        }
    });
    api.on_open_news({
        let (weak, services, session) = (weak.clone(), Arc::clone(services), Arc::clone(session));
        move || {
            let Some(app) = weak.upgrade() else { return };
            fill_news(&app, &services, &session);
        }
    });
    api.on_key_pressed({
        let (weak, session, jobs) = (weak.clone(), Arc::clone(session), jobs.clone());
        move |key| {
            let Some(app) = weak.upgrade() else { return };
            lock(&session).idle_secs = 0;
            let api = app.global::<Api>();
            let focused = api.get_focused_field();
            if focused != "question" {
                if let Some(field) = Field::from_name(&focused) {
                    field.type_key(&api, &key);
                }
                return;
            }
            let mut text = api.get_question().to_string();
            if text.chars().count() < borne_chatbot::MAX_CHARS {
                text.push_str(&key);
            }
            typed(&api, &jobs, text);
        }
    });
    api.on_backspace({
        let (weak, session, jobs) = (weak.clone(), Arc::clone(session), jobs.clone());
        move || {
            let Some(app) = weak.upgrade() else { return };
            lock(&session).idle_secs = 0;
            let api = app.global::<Api>();
            let focused = api.get_focused_field();
            if focused != "question" {
                if let Some(field) = Field::from_name(&focused) {
                    field.backspace(&api);
                }
                return;
            }
            let mut text = api.get_question().to_string();
            text.pop();
            typed(&api, &jobs, text);
        }
    });
    api.on_ask({
        let (weak, session, jobs) = (weak.clone(), Arc::clone(session), jobs.clone());
        move || {
            let Some(app) = weak.upgrade() else { return };
            let question = app.global::<Api>().get_question().to_string();
            ask_question(&app, &session, &jobs, question);
        }
    });
    api.on_ask_text({
        let (weak, session, jobs) = (weak.clone(), Arc::clone(session), jobs.clone());
        move |question| {
            let Some(app) = weak.upgrade() else { return };
            ask_question(&app, &session, &jobs, question.to_string());
        }
    });
    api.on_pick_entry({
        let (weak, session, jobs) = (weak.clone(), Arc::clone(session), jobs.clone());
        move |card, choice| {
            let Some(app) = weak.upgrade() else { return };
            let (Ok(card), Ok(choice)) = (usize::try_from(card), usize::try_from(choice)) else { return };
            let Some(job) = entry_job(&session, card, choice) else { return };
            lock(&session).idle_secs = 0;
            let api = app.global::<Api>();
            api.set_thinking(true);
            if jobs.send(job).is_err() {
                api.set_thinking(false);
                tracing::error!("the answer worker has stopped");
            }
        }
    });
    api.on_feedback({
        let (weak, services, session) = (weak.clone(), Arc::clone(services), Arc::clone(session));
        move |index, helpful| {
            let Some(app) = weak.upgrade() else { return };
            let Ok(i) = usize::try_from(index) else { return };
            let session = lock(&session);
            let Some(Shown { asked, reply, .. }) = session.replies.get(i) else { return };
            if let Some(log) = &services.feedback {
                log.record_vote(asked, reply.id.as_deref(), helpful, chrono::Utc::now());
            }
            if let Some(reporter) = &services.reporter {
                reporter.voted(reply.id.as_deref(), helpful);
            }
            update_card(&app, i, |card| card.feedback = if helpful { 1 } else { 2 });
        }
    });
    wire_forms(app, services, session);
    api.on_print_card({
        let (session, jobs) = (Arc::clone(session), jobs);
        move |index| {
            let Ok(i) = usize::try_from(index) else { return };
            let session = lock(&session);
            if let Some(Shown { question, reply, .. }) = session.replies.get(i) {
                let job = Job::Print {
                    question: question.clone(),
                    reply: Box::new(reply.clone()),
                    lang: session.lang,
                };
                if jobs.send(job).is_err() {
                    tracing::error!("the answer worker has stopped");
                }
            }
        }
    });
}

/// The callbacks of "Signaler un problème" and "Donner mon avis".
fn wire_forms(app: &AppWindow, services: &Arc<UiServices>, session: &Shared) {
    let api = app.global::<Api>();
    let weak = app.as_weak();
    api.on_open_report({
        let weak = weak.clone();
        move || {
            let Some(app) = weak.upgrade() else { return };
            if app.global::<Api>().get_report_step() >= 5 {
                report::clear(&app); // the previous report was sent: start a new one
            }
        }
    });
    api.on_send_report({
        let (weak, services, session) = (weak.clone(), Arc::clone(services), Arc::clone(session));
        move || {
            let Some(app) = weak.upgrade() else { return };
            let lang = lock(&session).lang;
            report::send(&app, &services, lang);
        }
    });
    api.on_finish_report({
        let weak = weak.clone();
        move || {
            let Some(app) = weak.upgrade() else { return };
            report::clear(&app);
            app.global::<Api>().set_screen("home".into());
        }
    });
    api.on_open_opinion({
        let weak = weak.clone();
        move || {
            let Some(app) = weak.upgrade() else { return };
            if app.global::<Api>().get_opinion_sent() {
                opinion::clear(&app);
            }
        }
    });
    api.on_send_opinion({
        let (weak, services) = (weak.clone(), Arc::clone(services));
        move || {
            let Some(app) = weak.upgrade() else { return };
            let Some(opinion) = opinion::current(&app) else { return };
            tracing::info!(
                score = opinion.score,
                comment = opinion.comment.is_some(),
                "opinion given on the touchscreen"
            );
            if let Some(reporter) = &services.reporter {
                reporter.opinion(&opinion);
            }
            app.global::<Api>().set_opinion_sent(true);
        }
    });
    api.on_finish_opinion({
        let weak = weak.clone();
        move || {
            let Some(app) = weak.upgrade() else { return };
            opinion::clear(&app);
            app.global::<Api>().set_screen("home".into());
        }
    });
}

fn typed(api: &Api<'_>, jobs: &Sender<Job>, text: String) {
    api.set_question(text.as_str().into());
    if text.trim().chars().count() >= SUGGEST_FROM_CHARS {
        if jobs.send(Job::Suggest { text }).is_err() {
            tracing::error!("the answer worker has stopped");
        }
    } else {
        api.set_typing_suggestions(ModelRc::default());
    }
}

fn ask_question(app: &AppWindow, session: &Shared, jobs: &Sender<Job>, question: String) {
    let question = question.trim().to_string();
    if question.is_empty() {
        return;
    }
    let generation = {
        let mut session = lock(session);
        session.idle_secs = 0;
        session.generation
    };
    let api = app.global::<Api>();
    api.set_screen("ask".into());
    api.set_question(SharedString::new());
    api.set_typing_suggestions(ModelRc::default());
    api.set_thinking(true);
    if jobs.send(Job::Ask { question, generation }).is_err() {
        api.set_thinking(false);
        tracing::error!("the answer worker has stopped");
    }
}

/// The job that shows the answer of choice `choice` (a "Vouliez-vous dire ?" choice or a closest
/// question) of the card at `card`, asked in that card's language by the same visitor.
fn entry_job(session: &Shared, card: usize, choice: usize) -> Option<Job> {
    let session = lock(session);
    let shown = session.replies.get(card)?;
    let candidate = offered(&shown.reply).get(choice)?;
    Some(Job::ShowEntry {
        id: candidate.id.clone(),
        question: candidate.question.clone(),
        asked: shown.asked.clone(),
        language: shown.reply.language,
        generation: session.generation,
    })
}

/// The entries a card offers as buttons: the choices when clarifying, the closest questions when
/// refusing, none otherwise.
fn offered(reply: &Reply) -> &[borne_chatbot::Candidate] {
    match reply.kind {
        ReplyKind::Clarify => &reply.choices,
        ReplyKind::DontKnow => &reply.suggestions,
        _ => &[],
    }
}

/// The card's text in `lang`: the answer as the content wrote it, the refusal sentence in the
/// visitor's language (with the commune's help desk), nothing when clarifying (the card's heading
/// says "Vouliez-vous dire :"); the chatbot's own message for input it could not read.
fn card_text(reply: &Reply, help_desk: &str, lang: Lang) -> String {
    match reply.kind {
        ReplyKind::Clarify => String::new(),
        ReplyKind::DontKnow => crate::strings::dont_know(help_desk, lang),
        _ => reply.text.clone(),
    }
}

/// The card showing `reply`, in `lang`.
fn answer_card(question: &str, reply: &Reply, help_desk: &str, lang: Lang) -> AnswerCard {
    let choices: Vec<SharedString> = offered(reply).iter().map(|c| c.question.as_str().into()).collect();
    AnswerCard {
        question: question.into(),
        text: card_text(reply, help_desk, lang).into(),
        answered: reply.is_answer(),
        clarify: reply.kind == ReplyKind::Clarify,
        choices: ModelRc::new(VecModel::from(choices)),
        asked_in_english: reply.language == Language::English,
        link: reply.link.clone().unwrap_or_default().into(),
        feedback: 0,
        qr: reply.link.as_deref().map(|link| qr_image(link, ANSWER_QR_PX)).unwrap_or_default(),
    }
}

/// Rewrites the cards' texts built in Rust (the refusal sentence) in the session's language.
fn refresh_cards(app: &AppWindow, services: &UiServices, session: &Shared) {
    let help_desk = services.content.current().commune.help_desk.clone();
    let texts: Vec<Option<String>> = {
        let session = lock(session);
        session
            .replies
            .iter()
            .map(|s| {
                (s.reply.kind == ReplyKind::DontKnow).then(|| card_text(&s.reply, &help_desk, session.lang))
            })
            .collect()
    };
    for (i, text) in texts.into_iter().enumerate() {
        if let Some(text) = text {
            update_card(app, i, |card| card.text = text.into());
        }
    }
}

fn cards_model(app: &AppWindow) -> Option<ModelRc<AnswerCard>> {
    Some(app.global::<Api>().get_cards())
}

fn update_card(app: &AppWindow, index: usize, f: impl FnOnce(&mut AnswerCard)) {
    let Some(model) = cards_model(app) else { return };
    if let Some(mut card) = model.row_data(index) {
        f(&mut card);
        model.set_row_data(index, card);
    }
}

/// Applies what the worker computed, on the UI thread.
fn apply(app: &AppWindow, services: &UiServices, session: &Shared, outcome: Outcome) {
    let api = app.global::<Api>();
    match outcome {
        Outcome::Answered { question, asked, generation, reply } => {
            let mut session = lock(session);
            if generation != session.generation {
                return; // asked by a visitor who has gone: nothing of it may show
            }
            api.set_thinking(false);
            let help_desk = services.content.current().commune.help_desk.clone();
            let card = answer_card(&question, &reply, &help_desk, session.lang);
            session.replies.insert(0, Shown { question, asked, reply: *reply });
            let model = api.get_cards();
            match model.as_any().downcast_ref::<VecModel<AnswerCard>>() {
                Some(cards) => cards.insert(0, card),
                None => {
                    let mut rows: Vec<AnswerCard> = model.iter().collect();
                    rows.insert(0, card);
                    api.set_cards(ModelRc::new(VecModel::from(rows)));
                }
            }
        }
        Outcome::Suggestions { text, questions } => {
            if api.get_question() == text.as_str() {
                let rows: Vec<SharedString> = questions.iter().map(|q| q.as_str().into()).collect();
                api.set_typing_suggestions(ModelRc::new(VecModel::from(rows)));
            }
        }
        Outcome::Printed(message) => {
            if !message.is_empty() {
                show_notice(app, app.as_weak(), message);
            }
        }
    }
}

fn set_language(app: &AppWindow, services: &UiServices, session: &Shared, lang: Lang) -> Result<(), UiError> {
    slint::select_bundled_translation(lang.code()).map_err(|_| UiError::Language(lang.code().into()))?;
    lock(session).lang = lang;
    app.global::<Api>().set_lang(lang.code().into());
    refresh_clock(app, services, session);
    refresh_cards(app, services, session);
    if app.global::<Api>().get_screen() == "hours" {
        fill_hours(app, services, session);
    }
    if app.global::<Api>().get_screen() == "news" {
        fill_news(app, services, session);
    }
    Ok(())
}

/// Fills the "Démarches" catalogue from the content in service.
fn fill_procedures(app: &AppWindow, services: &UiServices) {
    let themes = crate::procedures::themes(&services.content.current());
    app.global::<Api>().set_procedure_themes(ModelRc::new(VecModel::from(themes)));
}

/// Fills the page of the procedure `id` and shows it.
fn open_procedure(app: &AppWindow, services: &UiServices, id: &str) {
    match crate::procedures::detail(&services.content.current(), id) {
        Some(page) => {
            let api = app.global::<Api>();
            api.set_procedure(page);
            api.set_screen("procedure".into());
        }
        None => tracing::warn!(id, "no such procedure in the content"),
    }
}

/// Fills "Actualités et agenda" as of now, in the session's language.
fn fill_news(app: &AppWindow, services: &UiServices, session: &Shared) {
    let lang = lock(session).lang;
    let content = services.content.current();
    let api = app.global::<Api>();
    api.set_news(ModelRc::new(VecModel::from(crate::news::news_rows(&content, lang))));
    let events = crate::news::event_rows(&content, (services.now)(), lang);
    api.set_events(ModelRc::new(VecModel::from(events)));
}

/// Refills "Actualités et agenda" when an event shown has just ended (and only then, so the list
/// does not jump while it is read).
fn refresh_agenda(app: &AppWindow, services: &UiServices, session: &Shared) {
    let now = (services.now)();
    let to_come = services.content.current().events.iter().filter(|e| !crate::news::is_past(e, now)).count();
    if to_come != app.global::<Api>().get_events().row_count() {
        fill_news(app, services, session);
    }
}

/// Fills the "Horaires et services" rows as of now, in the session's language.
fn fill_hours(app: &AppWindow, services: &UiServices, session: &Shared) {
    let lang = lock(session).lang;
    let rows = crate::hours::service_rows(&services.content.current(), (services.now)(), lang);
    let api = app.global::<Api>();
    api.set_selected_service(-1);
    api.set_services(ModelRc::new(VecModel::from(rows)));
}

fn refresh_clock(app: &AppWindow, services: &UiServices, session: &Shared) {
    let lang = lock(session).lang;
    let now = (services.now)();
    let content = services.content.current();
    let api = app.global::<Api>();
    api.set_date_text(welcome::date_text(now, lang).into());
    api.set_time_text(welcome::time_text(now, lang).into());
    api.set_today_hours(welcome::today_hours(&content, now, lang).into());
    let reason = services.printer.as_ref().map_or_else(
        || Some(crate::strings::Text::NoPrinter.get(lang).to_string()),
        |printer| printer.unavailable(lang),
    );
    api.set_can_print(reason.is_none());
    api.set_print_disabled_reason(reason.unwrap_or_default().into());
}

fn on_tick(app: &AppWindow, services: &UiServices, session: &Shared) {
    refresh_clock(app, services, session);
    refresh_orientation(app);
    let api = app.global::<Api>();
    if api.get_screen() == "news" {
        refresh_agenda(app, services, session);
    }
    if api.get_screen() == "welcome" {
        lock(session).idle_secs = 0;
        end_session(services, session);
        return;
    }
    let idle = {
        let mut session = lock(session);
        session.idle_secs = session.idle_secs.saturating_add(1);
        session.idle_secs
    };
    match services.idle.state(idle) {
        IdleState::Active => {} // a touch already hid the warning (Api.activity)
        IdleState::Warning(left) => {
            api.set_idle_countdown(i32::try_from(left).unwrap_or(i32::MAX));
            api.set_idle_warning(true);
        }
        IdleState::Expired => reset(app, services, session, "session cleared after inactivity"),
    }
}

/// Puts the screen to sleep or wakes it as the power-saving hours and the last touch say; tells
/// the listener of a change (and of the current state when `initial`). Falling asleep clears the
/// session first, so that nobody's questions show when the screen wakes.
fn evaluate_sleep(app: &AppWindow, services: &UiServices, session: &Shared, sleep: &Sleep, initial: bool) {
    let now = (services.now)();
    let hours = match sleep.settings.rule.resolve(&services.content.current()) {
        Ok(hours) => {
            sleep.warned.set(false);
            hours
        }
        Err(e) => {
            if !sleep.warned.replace(true) {
                tracing::warn!(error = %e, "power-saving hours unknown: the screen stays awake");
            }
            None
        }
    };
    let last_touch = lock(session).last_touch;
    let state = sleep.settings.state(hours.as_ref(), last_touch, now);
    let api = app.global::<Api>();
    let asleep = !state.awake;
    if asleep == api.get_asleep() && !initial {
        return;
    }
    if asleep {
        if !api.get_asleep() {
            reset(app, services, session, "session cleared: the screen goes to sleep");
        }
        api.set_asleep(true);
        tracing::info!(wakes_at = ?state.next_change.map(|t| t.to_rfc3339()), "screen asleep (power-saving hours)");
    } else {
        api.set_asleep(false);
        if !initial {
            tracing::info!(sleeps_at = ?state.next_change.map(|t| t.to_rfc3339()), "screen awake");
        }
    }
    (sleep.listener)(asleep);
}

/// Ends the session: forgets everything the visitor typed or saw, back to the welcome screen in
/// French with the default display; `why` goes to the log.
fn reset(app: &AppWindow, services: &UiServices, session: &Shared, why: &'static str) {
    end_session(services, session);
    clear_conversation(app, session);
    let api = app.global::<Api>();
    api.set_large_text(false);
    api.set_high_contrast(false);
    api.set_screen("welcome".into());
    if let Err(e) = set_language(app, services, session, Lang::Fr) {
        tracing::error!(error = %e, "cannot switch back to French");
    }
    tracing::info!("{why}");
}

/// Tells the screens whether the window is landscape, and whether it is short (under 1000 logical
/// pixels high, e.g. 1280×800: keyboards use smaller keys). Checked every second: kiosk screens do
/// not turn often, and a binding on the window's own size would loop through the layout.
pub(crate) fn refresh_orientation(app: &AppWindow) {
    let size = app.window().size().to_logical(app.window().scale_factor());
    let landscape = f64::from(size.width) > f64::from(size.height) * 1.2;
    let api = app.global::<Api>();
    api.set_landscape(landscape);
    api.set_short_screen(size.height < 1000.0);
}

/// Reports the visitor's session as ended, once (inactivity, or back on the welcome screen).
fn end_session(services: &UiServices, session: &Shared) {
    let Some(started) = lock(session).started.take() else { return };
    if let Some(reporter) = &services.reporter {
        reporter.session_ended(started.elapsed());
    }
}

/// Forgets the questions, answers and what was being typed.
fn clear_conversation(app: &AppWindow, session: &Shared) {
    {
        let mut s = lock(session);
        s.generation += 1;
        s.replies.clear();
        s.idle_secs = 0;
    }
    let api = app.global::<Api>();
    api.set_idle_warning(false);
    api.set_thinking(false);
    api.set_question(SharedString::new());
    api.set_typing_suggestions(ModelRc::default());
    api.set_cards(ModelRc::new(VecModel::<AnswerCard>::default()));
    report::clear(app);
    opinion::clear(app);
}

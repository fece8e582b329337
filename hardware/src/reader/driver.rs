//! The reader's own thread: it owns the serial link, reads cards, follows unplug and replug, and
//! sends [`ReaderEvent`]s over a channel, so nothing of this runs on the visitor-facing thread.
//!
//! Both kinds of readers share the same life cycle: try to open the port (at most once per
//! retry interval); on a fresh connection initialise the device (PN532: wake-up and SAM
//! configuration; scanner: forget any partial line) and report [`ReaderEvent::Connected`]; read
//! until an I/O error or the path vanishing says the device is gone, then report
//! [`ReaderEvent::Disconnected`] and start over.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::barcode::{Debouncer, LineFramer, Rejection, Suffix, Validation};
use super::card::{CardCode, CardRead, ReaderKind};
use super::pn532::driver::{Pn532, Pn532Error, Pn532Timing, TapTracker};
use crate::link::{Connected, LinkError, LinkSettings, SerialLink};
use crate::liveness::Liveness;

/// Settings of a barcode scanner.
#[derive(Debug, Clone)]
pub struct BarcodeSettings {
    /// The serial port.
    pub link: LinkSettings,
    /// What ends a code.
    pub suffix: Suffix,
    /// Longest line accepted from the framer (bytes); longer ones are noise.
    pub max_line: usize,
    /// A partial line waiting longer than this for its suffix is discarded.
    pub stale_line: Duration,
    /// What a code must satisfy.
    pub validation: Validation,
    /// The same code again within this window is the same scan.
    pub debounce: Duration,
}

impl BarcodeSettings {
    /// Any suffix, default validation (4–64 characters), 128-byte lines, 1 s stale lines,
    /// 1.5 s debounce.
    pub fn new(link: LinkSettings) -> Self {
        Self {
            link,
            suffix: Suffix::Any,
            max_line: 128,
            stale_line: Duration::from_secs(1),
            validation: Validation::default(),
            debounce: Duration::from_millis(1500),
        }
    }
}

/// Settings of a PN532 reader.
#[derive(Debug, Clone)]
pub struct Pn532Settings {
    /// The serial port (115200 baud is the chip's default).
    pub link: LinkSettings,
    /// Timeouts and polling.
    pub timing: Pn532Timing,
}

/// Which reader to run.
#[derive(Debug, Clone)]
pub enum ReaderSettings {
    /// A barcode scanner.
    Barcode(BarcodeSettings),
    /// A PN532 NFC reader.
    Pn532(Pn532Settings),
}

impl ReaderSettings {
    /// The kind of reader.
    pub fn kind(&self) -> ReaderKind {
        match self {
            ReaderSettings::Barcode(_) => ReaderKind::Barcode,
            ReaderSettings::Pn532(_) => ReaderKind::Pn532,
        }
    }
}

/// What the reader thread reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    /// The reader is connected and initialised: cards can be read.
    Connected {
        /// The kind of reader.
        kind: ReaderKind,
    },
    /// The reader is not reachable (absent at start, or unplugged); it is being watched for.
    Disconnected {
        /// The kind of reader.
        kind: ReaderKind,
        /// Why (no card number in it).
        reason: String,
    },
    /// A card was read.
    Card(CardRead),
    /// Something was read that is not a card code (the reason never contains it).
    Rejected {
        /// The kind of reader.
        kind: ReaderKind,
        /// Why.
        reason: Rejection,
    },
}

/// The running reader thread; dropping it stops the thread.
#[derive(Debug)]
pub struct ReaderHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    alive: Liveness,
}

impl ReaderHandle {
    /// When the reader thread last went round its loop (at least once per read timeout while
    /// it runs): a supervisor can tell a stuck thread.
    pub fn liveness(&self) -> Liveness {
        self.alive.clone()
    }

    /// Stops the thread and waits for it (at most one read timeout).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ReaderHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the reader thread; events go to `events` until the handle is dropped or the
/// receiver is gone.
pub fn spawn(settings: ReaderSettings, events: Sender<ReaderEvent>) -> std::io::Result<ReaderHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let alive = Liveness::new();
    let thread = {
        let stop = Arc::clone(&stop);
        let alive = alive.clone();
        let name = format!("reader-{}", settings.kind());
        std::thread::Builder::new().name(name).spawn(move || {
            let mut session = Session { events, stop, state: None, alive };
            match settings {
                ReaderSettings::Barcode(s) => run_barcode(&mut session, s),
                ReaderSettings::Pn532(s) => run_pn532(&mut session, s),
            }
        })?
    };
    Ok(ReaderHandle { stop, thread: Some(thread), alive })
}

/// What both loops share: the channel, the stop flag and the last reported state.
struct Session {
    events: Sender<ReaderEvent>,
    stop: Arc<AtomicBool>,
    /// `Some(true)` connected, `Some(false)` disconnected, `None` not reported yet.
    state: Option<bool>,
    /// Touched at every turn of the loop (each asks [`Session::running`] once per turn).
    alive: Liveness,
}

impl Session {
    /// Whether to keep running; also records that the loop went round.
    fn running(&self) -> bool {
        self.alive.touch();
        !self.stop.load(Ordering::Relaxed)
    }

    fn send(&mut self, event: ReaderEvent) {
        if self.events.send(event).is_err() {
            // Nobody listens any more: stop.
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    fn connected(&mut self, kind: ReaderKind) {
        if self.state != Some(true) {
            self.state = Some(true);
            tracing::info!(%kind, "card reader ready");
            self.send(ReaderEvent::Connected { kind });
        }
    }

    fn disconnected(&mut self, kind: ReaderKind, reason: String) {
        if self.state != Some(false) {
            self.state = Some(false);
            tracing::warn!(%kind, %reason, "card reader not available");
            self.send(ReaderEvent::Disconnected { kind, reason });
        }
    }

    fn card(&mut self, kind: ReaderKind, code: CardCode) {
        tracing::info!(%kind, card = %code.masked(), "card read");
        self.send(ReaderEvent::Card(CardRead::now(kind, code)));
    }

    fn rejected(&mut self, kind: ReaderKind, reason: Rejection) {
        tracing::info!(%kind, %reason, "reader input rejected");
        self.send(ReaderEvent::Rejected { kind, reason });
    }

    /// Opens the link if needed. `Ok(true)` when it has just been opened, `Ok(false)` when it
    /// was open; `Err(())` when it is not available (then this waits a little).
    fn connect(&mut self, kind: ReaderKind, link: &mut SerialLink) -> Result<bool, ()> {
        match link.connect() {
            Ok(Connected::Fresh) => Ok(true),
            Ok(Connected::Already) => Ok(false),
            Err(err) => {
                if let LinkError::Open { .. } = err {
                    self.disconnected(kind, err.to_string());
                }
                std::thread::sleep(Duration::from_millis(20));
                Err(())
            }
        }
    }
}

fn run_barcode(session: &mut Session, settings: BarcodeSettings) {
    let kind = ReaderKind::Barcode;
    let mut link = SerialLink::new(settings.link.clone());
    let mut framer = LineFramer::new(settings.suffix.clone(), settings.max_line);
    let mut debouncer = Debouncer::new(settings.debounce);
    let mut buf = [0u8; 256];
    while session.running() {
        match session.connect(kind, &mut link) {
            Ok(true) => {
                framer.reset();
                session.connected(kind);
            }
            Ok(false) => {}
            Err(()) => continue,
        }
        let n = match link.read(&mut buf) {
            Ok(0) => {
                if !link.check_present() {
                    session.disconnected(kind, "device path disappeared".into());
                }
                if let Some(reason) = framer.expire(Instant::now(), settings.stale_line) {
                    session.rejected(kind, reason);
                }
                continue;
            }
            Ok(n) => n,
            Err(err) => {
                session.disconnected(kind, err.to_string());
                continue;
            }
        };
        let now = Instant::now();
        for line in framer.push(&buf[..n], now) {
            match line.and_then(|line| settings.validation.check(&line)) {
                Ok(code) if debouncer.accept(&code, now) => session.card(kind, CardCode::new(code)),
                Ok(code) => {
                    tracing::debug!(card = %CardCode::new(code).masked(), "repeated scan ignored")
                }
                Err(reason) => session.rejected(kind, reason),
            }
        }
    }
}

fn run_pn532(session: &mut Session, settings: Pn532Settings) {
    let kind = ReaderKind::Pn532;
    let mut chip = Pn532::new(SerialLink::new(settings.link.clone()), settings.timing);
    let mut taps = TapTracker::new(settings.timing.removal_polls);
    let mut ready = false;
    while session.running() {
        match session.connect(kind, chip.link_mut()) {
            Ok(true) => {
                // A new connection is a new session with the reader: a card still lying on it
                // counts as a new tap. (A re-initialisation after a failed poll keeps the card.)
                ready = false;
                taps.reset();
            }
            Ok(false) => {}
            Err(()) => continue,
        }
        if !ready {
            match chip.initialise() {
                Ok(fw) => {
                    tracing::info!(version = fw.version, revision = fw.revision, "PN532 initialised");
                    ready = true;
                    session.connected(kind);
                }
                Err(err) => {
                    pn532_failed(session, &mut chip, err, true);
                    continue;
                }
            }
        }
        match chip.poll() {
            Ok(target) => {
                if let Some(uid) = taps.observe(target.as_ref().map(|t| t.uid.as_slice())) {
                    session.card(kind, CardCode::from_uid(&uid));
                }
            }
            Err(err) => {
                // A poll that failed after the chip was ready: re-initialise it next time round
                // (a chip that was power-cycled under us must be woken again).
                ready = false;
                pn532_failed(session, &mut chip, err, false);
                continue;
            }
        }
        // Wait between polls, watching for the device to vanish meanwhile.
        let until = Instant::now() + settings.timing.poll_interval;
        while session.running() && Instant::now() < until {
            if !chip.link_mut().check_present() {
                session.disconnected(kind, "device path disappeared".into());
                break;
            }
            std::thread::sleep(Duration::from_millis(10).min(settings.timing.poll_interval));
        }
    }
}

/// Reports a failed exchange. A lost link is a disconnection. A failed poll is only logged (the
/// caller re-initialises the chip before the next one). A failed initialisation means the chip
/// is not usable: it is reported unavailable and its port closed, so it is reopened and woken
/// again after a pause.
fn pn532_failed(session: &mut Session, chip: &mut Pn532, err: Pn532Error, during_init: bool) {
    let kind = ReaderKind::Pn532;
    match &err {
        Pn532Error::Link(LinkError::NotConnected { .. }) => {}
        Pn532Error::Link(_) => session.disconnected(kind, err.to_string()),
        _ if !during_init => tracing::debug!(%err, "PN532 poll failed; re-initialising"),
        _ => {
            session.disconnected(kind, err.to_string());
            chip.link_mut().disconnect();
            std::thread::sleep(chip.timing().poll_interval);
        }
    }
}

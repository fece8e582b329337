//! The printer driver: one thread that owns the serial port, polls status and prints jobs in order.
//!
//! The kiosk's UI never touches the port. It calls [`PrinterDriver::submit`] and gets a
//! [`JobTicket`]; the driver thread
//!
//! - (re)opens the port through [`SerialLink`] and, on every fresh connection, re-initialises the
//!   printer (`ESC @`, then `ESC t n` since the reset also resets the code page);
//! - polls `DLE EOT 1/2/4` every [`DriverSettings::poll_interval`] while idle and right before
//!   each job, and emits a [`PrinterEvent::State`] on every change;
//! - sends a job only when the printer can print; while it cannot (paper out, cover open,
//!   offline, unplugged) jobs wait in the queue, in order, for at most
//!   [`DriverSettings::max_wait`], then fail with the state that blocked them;
//! - treats any read or write error as an unplug: the port is dropped and reopened when the
//!   path comes back (the kiosk keeps running meanwhile).
//!
//! A job is sent exactly once. If the link breaks *while* its bytes are being written, the job
//! fails with [`JobError::LostDuringPrint`] rather than being sent again, since part of it may
//! already be on paper: a visitor gets a clear message instead of a doubled receipt.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::encoder::{ESC, STATUS_REQUESTS};
use super::profile::Profile;
use super::receipt::{Receipt, ReceiptKind};
use super::status::{PrinterState, StatusBytes, is_status_byte};
use crate::link::{Connected, LinkError, LinkSettings, SerialLink};
use crate::liveness::Liveness;

/// How the driver talks to its printer.
#[derive(Debug, Clone)]
pub struct DriverSettings {
    /// The serial port.
    pub link: LinkSettings,
    /// Paper and code page.
    pub profile: Profile,
    /// Time between two status polls while idle.
    pub poll_interval: Duration,
    /// How long to wait for the answers to a status request before calling the printer offline.
    pub status_timeout: Duration,
    /// How long a job may wait for a blocked printer before it fails.
    pub max_wait: Duration,
}

impl DriverSettings {
    /// Settings polling every 500 ms with a 500 ms status timeout; jobs wait up to 5 minutes.
    pub fn new(link: LinkSettings, profile: Profile) -> Self {
        Self {
            link,
            profile,
            poll_interval: Duration::from_millis(500),
            status_timeout: Duration::from_millis(500),
            max_wait: Duration::from_secs(300),
        }
    }
}

/// Identifies a job in events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// Something the driver noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterEvent {
    /// The printer's state changed.
    State(PrinterState),
    /// A job's bytes were all delivered to the printer.
    Printed {
        /// Which job.
        job: JobId,
        /// Its template.
        kind: ReceiptKind,
    },
    /// A job failed; it was not (fully) printed and will not be retried.
    Failed {
        /// Which job.
        job: JobId,
        /// Why, in words.
        reason: String,
    },
}

/// Why a job was not printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// The printer stayed unable to print for longer than the allowed wait.
    #[error("printer not ready ({}) for {waited_secs} s: receipt not printed", .state.describe())]
    NotReady {
        /// The state that blocked the job.
        state: PrinterState,
        /// How long it waited, in seconds.
        waited_secs: u64,
    },
    /// The printer disappeared while the job was being sent; part of it may have printed.
    #[error("printer lost while printing ({0}): receipt may be incomplete, not resent")]
    LostDuringPrint(String),
    /// The driver was stopped before the job could be printed.
    #[error("printer driver stopped: receipt not printed")]
    Stopped,
}

/// A submitted job; tells when it is printed or why it failed.
#[derive(Debug)]
pub struct JobTicket {
    /// The job's id.
    pub id: JobId,
    outcome: Receiver<Result<(), JobError>>,
}

impl JobTicket {
    /// Waits at most `timeout` for the outcome; `None` if the job is still queued.
    pub fn wait(&self, timeout: Duration) -> Option<Result<(), JobError>> {
        match self.outcome.recv_timeout(timeout) {
            Ok(outcome) => Some(outcome),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Err(JobError::Stopped)),
        }
    }
}

struct Job {
    id: JobId,
    receipt: Receipt,
    queued: Instant,
    reply: Sender<Result<(), JobError>>,
}

enum Command {
    Print(Job),
    Stop,
}

/// Handle to the driver thread. Dropping it stops the thread; queued jobs then fail with
/// [`JobError::Stopped`].
#[derive(Debug)]
pub struct PrinterDriver {
    commands: Sender<Command>,
    state: Arc<Mutex<PrinterState>>,
    next_id: Mutex<u64>,
    thread: Option<JoinHandle<()>>,
    alive: Liveness,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Print(job) => write!(f, "Print({:?})", job.id),
            Command::Stop => f.write_str("Stop"),
        }
    }
}

impl PrinterDriver {
    /// Starts the driver thread; events arrive on the returned receiver (dropping it is fine).
    pub fn start(settings: DriverSettings) -> Result<(Self, Receiver<PrinterEvent>), std::io::Error> {
        let (commands, command_rx) = mpsc::channel();
        let (events, event_rx) = mpsc::channel();
        let state = Arc::new(Mutex::new(PrinterState::Unplugged));
        let alive = Liveness::new();
        let worker = Worker {
            link: SerialLink::new(settings.link.clone()),
            settings,
            commands: command_rx,
            events,
            state: Arc::clone(&state),
            known: None,
            queue: VecDeque::new(),
            last_poll: None,
            stale_input: false,
            alive: alive.clone(),
        };
        let thread = std::thread::Builder::new().name("printer".into()).spawn(move || worker.run())?;
        Ok((Self { commands, state, next_id: Mutex::new(0), thread: Some(thread), alive }, event_rx))
    }

    /// When the driver thread last went round its loop (at least every poll interval while it
    /// runs): a supervisor can tell a stuck thread.
    pub fn liveness(&self) -> Liveness {
        self.alive.clone()
    }

    /// The last known state.
    pub fn state(&self) -> PrinterState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a receipt. It prints as soon as the printer can; the ticket tells the outcome.
    pub fn submit(&self, receipt: Receipt) -> Result<JobTicket, JobError> {
        let id = {
            let mut next = self.next_id.lock().unwrap_or_else(PoisonError::into_inner);
            *next += 1;
            JobId(*next)
        };
        let (reply, outcome) = mpsc::channel();
        let job = Job { id, receipt, queued: Instant::now(), reply };
        self.commands.send(Command::Print(job)).map_err(|_| JobError::Stopped)?;
        Ok(JobTicket { id, outcome })
    }
}

impl Drop for PrinterDriver {
    fn drop(&mut self) {
        // The thread may already be gone; then there is nobody to tell.
        let _ = self.commands.send(Command::Stop);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("printer driver thread panicked");
        }
    }
}

struct Worker {
    settings: DriverSettings,
    link: SerialLink,
    commands: Receiver<Command>,
    events: Sender<PrinterEvent>,
    state: Arc<Mutex<PrinterState>>,
    known: Option<PrinterState>,
    queue: VecDeque<Job>,
    last_poll: Option<Instant>,
    /// The last status request went unanswered: answers may still trickle in and must not be
    /// taken for the next request's.
    stale_input: bool,
    /// Touched at every turn of the loop.
    alive: Liveness,
}

impl Worker {
    fn run(mut self) {
        loop {
            self.alive.touch();
            let wait = if self.queue.is_empty() || !self.known.is_some_and(PrinterState::can_print) {
                // Idle or blocked: wake up for the next poll.
                let since = self.last_poll.map_or(self.settings.poll_interval, |t| t.elapsed());
                self.settings.poll_interval.saturating_sub(since).max(Duration::from_millis(10))
            } else {
                Duration::ZERO
            };
            match self.commands.recv_timeout(wait) {
                Ok(Command::Print(job)) => self.enqueue(job),
                Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            let mut stop = false;
            while let Ok(command) = self.commands.try_recv() {
                match command {
                    Command::Print(job) => self.enqueue(job),
                    Command::Stop => stop = true,
                }
            }
            if stop {
                break;
            }
            self.step();
        }
        for job in self.queue.drain(..) {
            let _ = job.reply.send(Err(JobError::Stopped));
        }
    }

    fn enqueue(&mut self, job: Job) {
        tracing::debug!(job = job.id.0, kind = job.receipt.kind.name(), "receipt queued");
        self.queue.push_back(job);
    }

    /// One round: connect, poll when due, print the head of the queue if possible, expire jobs.
    fn step(&mut self) {
        let due = self.last_poll.is_none_or(|t| t.elapsed() >= self.settings.poll_interval);
        if due || !self.queue.is_empty() {
            let state = self.poll();
            self.set_state(state);
        }
        if let Some(state) = self.known
            && state.can_print()
            && let Some(job) = self.queue.pop_front()
        {
            self.print(job);
        }
        self.expire();
    }

    fn poll(&mut self) -> PrinterState {
        self.last_poll = Some(Instant::now());
        // A vanished path closes the port; connect() below then reports the device missing.
        self.link.check_present();
        match self.link.connect() {
            Ok(Connected::Fresh) => {
                let init = [ESC, b'@', ESC, b't', self.settings.profile.code_page.number()];
                if let Err(err) = self.link.write_all(&init) {
                    tracing::warn!(%err, "printer initialisation failed");
                    return PrinterState::Unplugged;
                }
                tracing::info!(path = %self.link.path().display(), "printer initialised");
            }
            Ok(Connected::Already) => {}
            Err(LinkError::NotConnected { .. }) => return PrinterState::Unplugged,
            Err(err) => {
                if self.known != Some(PrinterState::Unplugged) {
                    tracing::warn!(%err, "printer not reachable");
                }
                return PrinterState::Unplugged;
            }
        }
        match self.read_status() {
            Ok(Some(bytes)) => bytes.state(),
            Ok(None) => PrinterState::Offline,
            Err(err) => {
                tracing::warn!(%err, "printer link lost");
                PrinterState::Unplugged
            }
        }
    }

    /// Sends `DLE EOT 1/2/4` and collects the three answers; `None` if they do not all come.
    fn read_status(&mut self) -> Result<Option<StatusBytes>, LinkError> {
        if self.stale_input {
            // Drop late answers to the previous request (bounded: a chatty device cannot hold us).
            let mut buf = [0u8; 64];
            for _ in 0..8 {
                if self.link.read(&mut buf)? == 0 {
                    break;
                }
            }
        }
        self.link.write_all(&STATUS_REQUESTS)?;
        let deadline = Instant::now() + self.settings.status_timeout;
        let mut answers = Vec::with_capacity(3);
        let mut buf = [0u8; 16];
        while answers.len() < 3 && Instant::now() < deadline {
            let n = self.link.read(&mut buf)?;
            // Anything else (a late answer's partner, an ASB frame) is not a status byte.
            answers.extend(buf[..n].iter().copied().filter(|&b| is_status_byte(b)));
        }
        self.stale_input = answers.len() < 3;
        Ok(match answers[..] {
            [printer, offline_cause, paper, ..] => Some(StatusBytes { printer, offline_cause, paper }),
            _ => None,
        })
    }

    fn print(&mut self, job: Job) {
        match self.link.write_all(&job.receipt.bytes) {
            Ok(()) => {
                tracing::info!(
                    job = job.id.0,
                    kind = job.receipt.kind.name(),
                    bytes = job.receipt.bytes.len(),
                    "receipt printed"
                );
                let _ = job.reply.send(Ok(()));
                self.emit(PrinterEvent::Printed { job: job.id, kind: job.receipt.kind });
            }
            Err(err) => {
                let error = JobError::LostDuringPrint(err.to_string());
                tracing::warn!(job = job.id.0, %error, "receipt failed");
                self.emit(PrinterEvent::Failed { job: job.id, reason: error.to_string() });
                let _ = job.reply.send(Err(error));
                self.set_state(PrinterState::Unplugged);
            }
        }
    }

    fn expire(&mut self) {
        let state = self.known.unwrap_or(PrinterState::Unplugged);
        while let Some(job) = self.queue.front() {
            let waited = job.queued.elapsed();
            if waited < self.settings.max_wait || state.can_print() {
                break;
            }
            if let Some(job) = self.queue.pop_front() {
                let error = JobError::NotReady { state, waited_secs: waited.as_secs() };
                tracing::warn!(job = job.id.0, %error, "receipt failed");
                self.emit(PrinterEvent::Failed { job: job.id, reason: error.to_string() });
                let _ = job.reply.send(Err(error));
            }
        }
    }

    fn set_state(&mut self, state: PrinterState) {
        if self.known == Some(state) {
            return;
        }
        tracing::info!(
            from = self.known.map_or("unknown", PrinterState::name),
            to = state.name(),
            "printer state"
        );
        self.known = Some(state);
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = state;
        self.emit(PrinterEvent::State(state));
    }

    fn emit(&self, event: PrinterEvent) {
        // Nobody listening is fine: events are informative.
        let _ = self.events.send(event);
    }
}

//! The kiosk's side of systemd's service protocol (`sd_notify`): `READY=1` once visitors can be
//! served, with a `STATUS=` line an admin reads in `systemctl status borne-kiosk`, `STOPPING=1`, and
//! the watchdog, so that a frozen kiosk is restarted instead of staying frozen in front of
//! visitors.
//!
//! The watchdog pings systemd (`WATCHDOG=1`) only while every loop that serves visitors is alive.
//! Each loop is registered with [`Watchdog::watch`] as a [`Liveness`] it touches at every turn and
//! the longest silence it may keep: the touchscreen's event loop (a Slint timer), the I/O runtime
//! (a tokio task), the printer and card reader driver threads. When one stays silent longer than
//! its bound, the pings stop (one log line names the loop), systemd kills the kiosk after the
//! unit's `WatchdogSec=` and restarts it (`Restart=always`).
//!
//! Under a kiosk compositor (`cage -- borne run`), `borne` is the compositor's child: systemd's
//! `WATCHDOG_PID` names the compositor, and `sd_notify::watchdog_enabled()`, which checks that
//! pid, would say the watchdog is off. The unit sets `NotifyAccess=all`, and this module reads
//! `WATCHDOG_USEC` itself. Without `NOTIFY_SOCKET` (not under systemd) every message is a no-op.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use borne_hardware::liveness::Liveness;
use sd_notify::NotifyState;

/// How a message reaches the service manager (systemd's socket in production).
type Notifier = dyn Fn(&[NotifyState<'_>]) + Send + Sync;

/// One supervised loop.
struct Watched {
    name: &'static str,
    alive: Liveness,
    max_silence: Duration,
}

/// What the supervisor thread and the handle share.
struct Shared {
    watched: Mutex<Vec<Watched>>,
    notify: Box<Notifier>,
    /// The loop named in the last "stopped answering" log line, so it is logged once.
    reported_stale: Mutex<Option<&'static str>>,
}

impl Shared {
    /// The first loop silent for longer than its bound, with that silence.
    fn first_stale(&self) -> Option<(&'static str, Duration)> {
        let watched = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        watched.iter().find_map(|w| {
            let silence = w.alive.since_last();
            (silence > w.max_silence).then_some((w.name, silence))
        })
    }

    /// One supervision round: ping when every loop is alive; otherwise log (once per loop) and
    /// let systemd's timer run out.
    fn round(&self) {
        let stale = self.first_stale();
        let mut reported = self.reported_stale.lock().unwrap_or_else(PoisonError::into_inner);
        match stale {
            None => {
                if let Some(name) = reported.take() {
                    tracing::warn!(r#loop = name, "the loop answers again: watchdog pings resume");
                }
                (self.notify)(&[NotifyState::Watchdog]);
            }
            Some((name, silence)) => {
                if *reported != Some(name) {
                    tracing::error!(
                        r#loop = name,
                        silent_ms = u64::try_from(silence.as_millis()).unwrap_or(u64::MAX),
                        "a kiosk loop stopped answering: no more watchdog pings, systemd will restart the kiosk"
                    );
                    *reported = Some(name);
                }
            }
        }
    }
}

/// The kiosk's link to systemd. Dropping it stops the supervisor thread.
pub struct Watchdog {
    shared: Arc<Shared>,
    /// Dropped with the handle: the supervisor thread sees the channel close and ends.
    _stop: Option<mpsc::Sender<()>>,
}

impl Watchdog {
    /// Talks to systemd when started by it (`NOTIFY_SOCKET`); supervises the registered loops
    /// when the unit has a watchdog (`WATCHDOG_USEC`).
    pub fn from_env() -> Self {
        let timeout = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|usec| usec.trim().parse::<u64>().ok())
            .filter(|&usec| usec > 0)
            .map(Duration::from_micros);
        if let Some(timeout) = timeout {
            tracing::info!(timeout_ms = timeout.as_millis() as u64, "systemd watchdog on");
        }
        Self::start(timeout, |states: &[NotifyState<'_>]| {
            if let Err(err) = sd_notify::notify(states) {
                tracing::debug!(error = %err, "cannot notify systemd");
            }
        })
    }

    /// A watchdog that sends its messages to `notify`; with `timeout` (systemd's watchdog
    /// timeout) a thread supervises the loops and pings three times per timeout.
    fn start(timeout: Option<Duration>, notify: impl Fn(&[NotifyState<'_>]) + Send + Sync + 'static) -> Self {
        let shared = Arc::new(Shared {
            watched: Mutex::new(Vec::new()),
            notify: Box::new(notify),
            reported_stale: Mutex::new(None),
        });
        let stop = timeout.and_then(|timeout| {
            let (stop, stopped) = mpsc::channel::<()>();
            let supervised = Arc::clone(&shared);
            let period = (timeout / 3).max(Duration::from_millis(50));
            let spawned = std::thread::Builder::new().name("borne-watchdog".into()).spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(period) {
                    supervised.round();
                }
            });
            match spawned {
                Ok(_) => Some(stop),
                Err(err) => {
                    tracing::error!(error = %err, "cannot start the watchdog thread: systemd will restart the kiosk");
                    None
                }
            }
        });
        Self { shared, _stop: stop }
    }

    /// Supervises a loop: it must touch `alive` at least every `max_silence`.
    pub fn watch(&self, name: &'static str, alive: Liveness, max_silence: Duration) {
        alive.touch();
        self.shared.watched.lock().unwrap_or_else(PoisonError::into_inner).push(Watched {
            name,
            alive,
            max_silence,
        });
    }

    /// Stops supervising the loops named `name` (a loop that has ended on purpose).
    pub fn forget(&self, name: &str) {
        self.shared.watched.lock().unwrap_or_else(PoisonError::into_inner).retain(|w| w.name != name);
    }

    /// Tells systemd the kiosk serves visitors (`READY=1`), with a status line.
    pub fn ready(&self, status: &str) {
        (self.shared.notify)(&[NotifyState::Ready, NotifyState::Status(status)]);
    }

    /// Tells systemd the kiosk is stopping on purpose (`STOPPING=1`).
    pub fn stopping(&self) {
        (self.shared.notify)(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A watchdog whose messages land in a list, with a 150 ms timeout (a ping every 50 ms).
    fn recorded() -> (Watchdog, Arc<Mutex<Vec<String>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&sent);
        let watchdog = Watchdog::start(Some(Duration::from_millis(150)), move |states| {
            let text: Vec<String> = states.iter().map(ToString::to_string).collect();
            log.lock().expect("log").push(text.join("\n"));
        });
        (watchdog, sent)
    }

    fn pings(sent: &Mutex<Vec<String>>) -> usize {
        sent.lock().expect("log").iter().filter(|m| m.as_str() == "WATCHDOG=1").count()
    }

    #[test]
    fn pings_while_every_loop_is_alive_and_stops_when_one_is_stuck() {
        let (watchdog, sent) = recorded();
        let ui = Liveness::new();
        watchdog.watch("ui", ui.clone(), Duration::from_millis(200));
        for _ in 0..8 {
            ui.touch();
            std::thread::sleep(Duration::from_millis(50));
        }
        let alive_pings = pings(&sent);
        assert!(alive_pings >= 4, "pings while alive: {alive_pings}");

        // The loop stops touching: after its 200 ms bound, no more pings.
        std::thread::sleep(Duration::from_millis(300));
        let at_stall = pings(&sent);
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(pings(&sent), at_stall, "a stuck loop must stop the pings");

        // It answers again: pings resume.
        ui.touch();
        for _ in 0..6 {
            ui.touch();
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(pings(&sent) > at_stall, "pings resume when the loop answers again");
    }

    #[test]
    fn a_loop_forgotten_on_purpose_no_longer_stops_the_pings() {
        let (watchdog, sent) = recorded();
        let ui = Liveness::new();
        let io = Liveness::new();
        watchdog.watch("ui", ui.clone(), Duration::from_millis(100));
        watchdog.watch("io", io.clone(), Duration::from_millis(100));
        // The UI loop ends (never touched again); the I/O loop goes on.
        watchdog.forget("ui");
        for _ in 0..8 {
            io.touch();
            std::thread::sleep(Duration::from_millis(50));
        }
        let before = pings(&sent);
        for _ in 0..6 {
            io.touch();
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(pings(&sent) > before, "the forgotten loop must not stop the pings");
    }

    #[test]
    fn ready_and_stopping_are_sent_as_systemd_reads_them() {
        let (watchdog, sent) = recorded();
        watchdog.ready("serving visitors");
        watchdog.stopping();
        let sent = sent.lock().expect("log");
        let messages: Vec<&String> = sent.iter().filter(|m| m.as_str() != "WATCHDOG=1").collect();
        assert_eq!(messages, ["READY=1\nSTATUS=serving visitors", "STOPPING=1\nSTATUS=stopping"]);
    }

    #[test]
    fn without_a_watchdog_timeout_nothing_pings() {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&sent);
        let watchdog = Watchdog::start(None, move |states| {
            log.lock().expect("log").extend(states.iter().map(ToString::to_string));
        });
        watchdog.watch("ui", Liveness::new(), Duration::from_millis(10));
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(pings(&sent), 0);
    }
}

//! Liveness of a device thread: the thread touches it at every turn of its loop, and whoever
//! supervises the process (the kiosk's systemd watchdog) reads how long ago that was. A driver
//! thread stuck in a system call or a dead lock stops touching it, and the kiosk stops telling
//! systemd it is alive.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// When this process first asked for the time: every liveness counts in milliseconds from it.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The last time a loop went round, shared between the loop (which [`touch`](Self::touch)es it)
/// and its supervisor (which reads [`since_last`](Self::since_last)). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Liveness(Arc<AtomicU64>);

impl Liveness {
    /// A liveness touched now.
    pub fn new() -> Self {
        Self(Arc::new(AtomicU64::new(now_ms())))
    }

    /// Records that the loop went round now.
    pub fn touch(&self) {
        self.0.store(now_ms(), Ordering::Relaxed);
    }

    /// How long ago the loop last went round.
    pub fn since_last(&self) -> Duration {
        Duration::from_millis(now_ms().saturating_sub(self.0.load(Ordering::Relaxed)))
    }
}

impl Default for Liveness {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_last_grows_until_the_next_touch() {
        let alive = Liveness::new();
        let seen_by_supervisor = alive.clone();
        std::thread::sleep(Duration::from_millis(30));
        assert!(seen_by_supervisor.since_last() >= Duration::from_millis(30));
        alive.touch();
        assert!(seen_by_supervisor.since_last() < Duration::from_millis(30));
    }
}

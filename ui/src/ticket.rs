//! Incident ticket numbers, the number a visitor quotes at the front desk about a problem they
//! reported at the kiosk.
//!
//! Format `AAAA-NNNN`: the year, a dash, then a counter that starts at 1 each year, on at least four
//! digits (`2026-0042`). Only digits and a dash, so it reads aloud and cannot be misread (no O/0,
//! I/1). It is unique per kiosk: the counter is saved after every number in the kiosk's state
//! directory (`incident-counter`, one line `YEAR LAST`), so a restart continues where it stopped.
//! Without a state directory the counter lives in memory and restarts at 1. The kiosk's id travels
//! with every telemetry event, so the pair (kiosk, ticket) is unique across the fleet.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use thiserror::Error;

/// Why the counter could not be read or saved (the number is still given to the visitor).
#[derive(Debug, Error)]
pub enum TicketError {
    /// The counter file could not be read or written.
    #[error("incident counter {path}: {source}")]
    Io {
        /// The counter file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The counter file does not hold `YEAR LAST`.
    #[error("incident counter {0} is not `YEAR LAST`")]
    Malformed(PathBuf),
}

/// Hands out ticket numbers, one after another.
#[derive(Debug)]
pub struct TicketBook {
    path: Option<PathBuf>,
    /// The year and the last number given that year, once known.
    last: Mutex<Option<(i32, u32)>>,
}

/// The name of the counter file in the kiosk's state directory.
pub const COUNTER_FILE: &str = "incident-counter";

impl TicketBook {
    /// A counter kept in memory only (restarts at 1 with the kiosk).
    pub fn in_memory() -> Self {
        Self { path: None, last: Mutex::new(None) }
    }

    /// A counter saved in `state_dir/incident-counter`.
    pub fn in_dir(state_dir: &Path) -> Self {
        Self { path: Some(state_dir.join(COUNTER_FILE)), last: Mutex::new(None) }
    }

    /// The next number for a report made in `year`. A counter file that cannot be read or saved is
    /// logged and the number still given: a visitor's report is never refused for it.
    pub fn next(&self, year: i32) -> String {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_none()
            && let Some(path) = &self.path
        {
            match read(path) {
                Ok(saved) => *last = saved,
                Err(e) => tracing::warn!(error = %e, "incident counter unreadable: numbering from 1"),
            }
        }
        let n = match *last {
            Some((y, n)) if y == year => n.saturating_add(1),
            _ => 1,
        };
        *last = Some((year, n));
        if let Some(path) = &self.path
            && let Err(e) = write(path, year, n)
        {
            tracing::warn!(error = %e, "incident counter not saved");
        }
        format!("{year}-{n:04}")
    }
}

fn read(path: &Path) -> Result<Option<(i32, u32)>, TicketError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(TicketError::Io { path: path.to_path_buf(), source }),
    };
    let mut parts = text.split_whitespace();
    match (parts.next().map(str::parse), parts.next().map(str::parse)) {
        (Some(Ok(year)), Some(Ok(n))) => Ok(Some((year, n))),
        _ => Err(TicketError::Malformed(path.to_path_buf())),
    }
}

fn write(path: &Path, year: i32, n: u32) -> Result<(), TicketError> {
    let io = |source| TicketError::Io { path: path.to_path_buf(), source };
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, format!("{year} {n}\n")).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_each_other_restart_each_year_and_survive_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = TicketBook::in_dir(dir.path());
        assert_eq!(book.next(2026), "2026-0001");
        assert_eq!(book.next(2026), "2026-0002");
        let again = TicketBook::in_dir(dir.path());
        assert_eq!(again.next(2026), "2026-0003", "the counter survives a restart");
        assert_eq!(again.next(2027), "2027-0001", "a new year starts again at 1");
        let text = std::fs::read_to_string(dir.path().join(COUNTER_FILE)).expect("read");
        assert_eq!(text, "2027 1\n");
    }

    #[test]
    fn a_broken_counter_file_still_gives_numbers() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(COUNTER_FILE), "nonsense").expect("write");
        let book = TicketBook::in_dir(dir.path());
        assert_eq!(book.next(2026), "2026-0001");
        assert_eq!(TicketBook::in_memory().next(2026), "2026-0001");
    }
}

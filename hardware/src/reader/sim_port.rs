//! A simulated device's end of a real pseudo-terminal, behind a stable path that can be
//! "unplugged" and "plugged back".
//!
//! A pty pair's slave (`/dev/pts/N`) vanishes when its master is closed, and a new pair gets a new
//! number; a real USB reader behaves the same way behind a stable udev symlink
//! (`/dev/serial/by-id/…`). So a [`SimPort`] owns a pty pair and a symlink pointing at its slave:
//! [`SimPort::unplug`] removes the symlink and closes the master (the driver's reads fail with a
//! hang-up, as on a real unplug); [`SimPort::plug`] opens a new pair and points the symlink at it.
//! The simulator keeps its own handle on the slave while plugged, so the master never sees a
//! spurious hang-up between two opens by the driver.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

/// Why a simulated port could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SimPortError {
    /// The pseudo-terminal could not be created.
    #[error("cannot create a pseudo-terminal: {0}")]
    Pty(#[from] serialport::Error),
    /// The pty has no slave path (not a Unix pty).
    #[error("the pseudo-terminal has no device path")]
    NoPath,
    /// The symlink or its directory could not be written.
    #[error("{path}: {source}")]
    Link {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The device side of a simulated serial device, reachable by the driver at [`SimPort::path`].
#[derive(Debug)]
pub struct SimPort {
    link: PathBuf,
    /// Directory created by [`SimPort::in_temp_dir`], removed on drop.
    owned_dir: Option<PathBuf>,
    master: Option<TTYPort>,
    _slave: Option<TTYPort>,
}

impl SimPort {
    /// A plugged-in port whose stable path is `link` (its directory must exist).
    pub fn new(link: impl Into<PathBuf>) -> Result<Self, SimPortError> {
        let mut port = Self { link: link.into(), owned_dir: None, master: None, _slave: None };
        port.plug()?;
        Ok(port)
    }

    /// A plugged-in port whose path is `name` in a fresh directory under the system temporary
    /// directory; the directory is removed when the port is dropped.
    pub fn in_temp_dir(name: &str) -> Result<Self, SimPortError> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "borne-sim-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|source| SimPortError::Link { path: dir.clone(), source })?;
        let mut port = Self::new(dir.join(name))?;
        port.owned_dir = Some(dir);
        Ok(port)
    }

    /// The stable path the driver opens.
    pub fn path(&self) -> &Path {
        &self.link
    }

    /// Whether the device is plugged in.
    pub fn is_plugged(&self) -> bool {
        self.master.is_some()
    }

    /// Plugs the device in (a new pty behind the same path). Does nothing if already plugged.
    pub fn plug(&mut self) -> Result<(), SimPortError> {
        if self.master.is_some() {
            return Ok(());
        }
        let (mut master, slave) = TTYPort::pair()?;
        master.set_timeout(Duration::from_millis(5))?;
        let target = slave.name().ok_or(SimPortError::NoPath)?;
        // Point the link at the new slave atomically: a temporary link renamed over the old one.
        let tmp = self.link.with_extension("new");
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&target, &tmp)
            .and_then(|()| std::fs::rename(&tmp, &self.link))
            .map_err(|source| SimPortError::Link { path: self.link.clone(), source })?;
        self.master = Some(master);
        self._slave = Some(slave);
        Ok(())
    }

    /// Unplugs the device: the path disappears and the driver's open port hangs up.
    pub fn unplug(&mut self) {
        let _ = std::fs::remove_file(&self.link);
        self.master = None;
        self._slave = None;
    }

    /// Writes bytes as the device. Unplugged, the bytes go nowhere (`Ok`, as on a real cable).
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self.master.as_mut() {
            Some(master) => master.write_all(bytes).and_then(|()| master.flush()),
            None => Ok(()),
        }
    }

    /// Reads what the driver sent, waiting a few milliseconds at most; empty when nothing came
    /// or the device is unplugged.
    pub fn read(&mut self) -> Vec<u8> {
        let Some(master) = self.master.as_mut() else {
            return Vec::new();
        };
        let mut buf = [0u8; 512];
        match master.read(&mut buf) {
            Ok(n) => buf[..n].to_vec(),
            // Timeout, or no process holding the slave: nothing to read now.
            Err(_) => Vec::new(),
        }
    }
}

impl Drop for SimPort {
    fn drop(&mut self) {
        self.unplug();
        if let Some(dir) = &self.owned_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

//! A barcode scanner in serial mode, simulated on a real pseudo-terminal.
//!
//! It sends what a scanner sends: the code followed by its configured suffix. It can also send
//! raw bytes (line noise, a cut-off scan) and be unplugged and plugged back, so the driver in
//! [`super::driver`] is tested against the same bytes a real scanner would produce.

use std::path::Path;

use super::barcode::Suffix;
use super::sim_port::{SimPort, SimPortError};

/// A simulated barcode scanner.
#[derive(Debug)]
pub struct BarcodeSimulator {
    port: SimPort,
    suffix: Suffix,
}

impl BarcodeSimulator {
    /// A scanner sending `suffix` after each code, reachable at a fresh temporary path.
    pub fn new(suffix: Suffix) -> Result<Self, SimPortError> {
        Ok(Self { port: SimPort::in_temp_dir("barcode")?, suffix })
    }

    /// The path the driver opens.
    pub fn path(&self) -> &Path {
        self.port.path()
    }

    /// Scans `code`: sends it followed by the suffix.
    pub fn scan(&mut self, code: &str) -> std::io::Result<()> {
        let mut bytes = code.as_bytes().to_vec();
        bytes.extend_from_slice(self.suffix.bytes());
        self.port.write(&bytes)
    }

    /// Sends raw bytes (noise, a partial scan).
    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.port.write(bytes)
    }

    /// Pulls the cable.
    pub fn unplug(&mut self) {
        self.port.unplug();
    }

    /// Plugs the cable back (the same path, a new pseudo-terminal behind it).
    pub fn plug(&mut self) -> Result<(), SimPortError> {
        self.port.plug()
    }

    /// Whether it is plugged in.
    pub fn is_plugged(&self) -> bool {
        self.port.is_plugged()
    }
}

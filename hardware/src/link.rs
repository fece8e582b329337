//! A serial link that survives its device being unplugged and plugged back.
//!
//! Every device of the kiosk (printer, barcode scanner, NFC reader) sits behind one
//! [`SerialLink`]. The link opens the port lazily, turns a read timeout into "nothing yet", and
//! treats any other read or write error as the device being gone: it drops the handle at once
//! (keeping it open would make the kernel give a replugged USB device a new name) and tries to
//! open the path again, at most once per [`LinkSettings::retry_interval`]. The caller learns
//! that a (re)connection happened from [`SerialLink::connect`] returning [`Connected::Fresh`],
//! and re-initialises its device then (printer: `ESC @`; PN532: wake-up and SAM configuration).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, FlowControl, SerialPort, TTYPort};

/// How to reach one serial device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSettings {
    /// Device path, e.g. `/dev/serial/by-id/usb-…` or a pseudo-terminal.
    pub path: PathBuf,
    /// Line speed in baud.
    pub baud: u32,
    /// Flow control (ESC/POS printers often use RTS/CTS or XON/XOFF).
    pub flow_control: FlowControl,
    /// How long one read waits for bytes before reporting "nothing yet".
    pub read_timeout: Duration,
    /// Minimum time between two attempts to open a missing device.
    pub retry_interval: Duration,
}

impl LinkSettings {
    /// Settings with no flow control, a 100 ms read timeout and a 300 ms retry interval.
    pub fn new(path: impl Into<PathBuf>, baud: u32) -> Self {
        Self {
            path: path.into(),
            baud,
            flow_control: FlowControl::None,
            read_timeout: Duration::from_millis(100),
            retry_interval: Duration::from_millis(300),
        }
    }
}

/// Why a link could not carry bytes.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The port is closed and it is too early to try opening it again.
    #[error("{path}: device not connected")]
    NotConnected {
        /// The device path.
        path: PathBuf,
    },
    /// Opening the port failed (absent, busy, no permission).
    #[error("{path}: cannot open: {source}")]
    Open {
        /// The device path.
        path: PathBuf,
        /// What the serial layer said.
        #[source]
        source: serialport::Error,
    },
    /// A read or write failed: the device is considered unplugged and the port was closed.
    #[error("{path}: device lost: {source}")]
    Lost {
        /// The device path.
        path: PathBuf,
        /// The I/O error that revealed it.
        #[source]
        source: std::io::Error,
    },
}

/// What [`SerialLink::connect`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connected {
    /// The port was already open.
    Already,
    /// The port has just been opened: the device must be initialised.
    Fresh,
}

/// One serial device's port, reopened after errors.
#[derive(Debug)]
pub struct SerialLink {
    settings: LinkSettings,
    port: Option<TTYPort>,
    last_attempt: Option<Instant>,
}

impl SerialLink {
    /// A link that will open `settings.path` on first use.
    pub fn new(settings: LinkSettings) -> Self {
        Self { settings, port: None, last_attempt: None }
    }

    /// The settings this link uses.
    pub fn settings(&self) -> &LinkSettings {
        &self.settings
    }

    /// The device path.
    pub fn path(&self) -> &Path {
        &self.settings.path
    }

    /// Whether the port is open (it may still turn out to be gone on the next read or write).
    pub fn is_open(&self) -> bool {
        self.port.is_some()
    }

    /// Opens the port if it is closed and the retry interval has passed since the last attempt.
    /// Input left over from before the open (stale scans) is discarded.
    pub fn connect(&mut self) -> Result<Connected, LinkError> {
        if self.port.is_some() {
            return Ok(Connected::Already);
        }
        let now = Instant::now();
        if self.last_attempt.is_some_and(|t| now.duration_since(t) < self.settings.retry_interval) {
            return Err(self.not_connected());
        }
        self.last_attempt = Some(now);
        let port = serialport::new(self.settings.path.to_string_lossy(), self.settings.baud)
            .flow_control(self.settings.flow_control)
            .timeout(self.settings.read_timeout)
            .open_native()
            .map_err(|source| LinkError::Open { path: self.settings.path.clone(), source })?;
        if let Err(err) = port.clear(ClearBuffer::Input) {
            tracing::debug!(path = %self.settings.path.display(), %err, "could not clear stale input");
        }
        tracing::info!(path = %self.settings.path.display(), baud = self.settings.baud, "serial device connected");
        self.port = Some(port);
        Ok(Connected::Fresh)
    }

    /// Closes the port; the next [`connect`](Self::connect) may reopen it at once.
    pub fn disconnect(&mut self) {
        if self.port.take().is_some() {
            tracing::warn!(path = %self.settings.path.display(), "serial device disconnected");
        }
        self.last_attempt = None;
    }

    /// Writes all of `bytes` and flushes. On error the port is closed.
    ///
    /// A device that is slow to accept data (flow control holding the line while a printer prints,
    /// a full output buffer) makes single writes time out: that is waited through, for up to twice
    /// the time the bytes take on the wire plus two seconds, before the device counts as lost.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let wire = Duration::from_secs_f64(bytes.len() as f64 * 10.0 / f64::from(self.settings.baud.max(1)));
        let deadline = Instant::now() + wire * 2 + Duration::from_secs(2);
        let mut written = 0;
        while written < bytes.len() {
            let port = self
                .port
                .as_mut()
                .ok_or_else(|| LinkError::NotConnected { path: self.settings.path.clone() })?;
            match port.write(&bytes[written..]) {
                Ok(0) => return Err(self.lost(std::io::Error::from(std::io::ErrorKind::WriteZero))),
                Ok(n) => written += n,
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::Interrupted
                    ) && Instant::now() < deadline => {}
                Err(source) => return Err(self.lost(source)),
            }
        }
        let port =
            self.port.as_mut().ok_or_else(|| LinkError::NotConnected { path: self.settings.path.clone() })?;
        match port.flush() {
            Ok(()) => Ok(()),
            Err(source) => Err(self.lost(source)),
        }
    }

    /// Reads what is available into `buf`, waiting at most the read timeout. `Ok(0)` means
    /// nothing arrived in time. On any other error the port is closed.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, LinkError> {
        let port =
            self.port.as_mut().ok_or_else(|| LinkError::NotConnected { path: self.settings.path.clone() })?;
        match port.read(buf) {
            // A pty whose other side went away reads 0 bytes: that is a hang-up, not silence.
            Ok(0) => Err(self.lost(std::io::Error::from(std::io::ErrorKind::UnexpectedEof))),
            Ok(n) => Ok(n),
            Err(err)
                if matches!(err.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted) =>
            {
                Ok(0)
            }
            Err(source) => Err(self.lost(source)),
        }
    }

    /// Closes the port if its path has disappeared (a cheap unplug check while idle).
    /// Returns whether the link is still open.
    pub fn check_present(&mut self) -> bool {
        if self.port.is_some() && !self.settings.path.exists() {
            self.disconnect();
        }
        self.port.is_some()
    }

    fn not_connected(&self) -> LinkError {
        LinkError::NotConnected { path: self.settings.path.clone() }
    }

    fn lost(&mut self, source: std::io::Error) -> LinkError {
        self.disconnect();
        // Do not hammer a device that just failed: wait one retry interval before reopening.
        self.last_attempt = Some(Instant::now());
        LinkError::Lost { path: self.settings.path.clone(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pty pair: the master plays the device, the link opens the slave by path.
    fn pty() -> (TTYPort, PathBuf) {
        let (master, slave) = TTYPort::pair().expect("pty pair");
        let path = PathBuf::from(slave.name().expect("slave has a path"));
        drop(slave);
        (master, path)
    }

    #[test]
    fn carries_bytes_both_ways_and_reports_silence_as_zero() {
        let (mut device, path) = pty();
        let mut link = SerialLink::new(LinkSettings::new(&path, 9600));
        assert_eq!(link.connect().expect("opens"), Connected::Fresh);
        assert_eq!(link.connect().expect("still open"), Connected::Already);
        link.write_all(b"\x1b@hello").expect("writes");
        let mut got = [0u8; 16];
        device.set_timeout(Duration::from_secs(2)).expect("timeout");
        let n = device.read(&mut got).expect("device reads");
        assert_eq!(&got[..n], b"\x1b@hello");
        let mut buf = [0u8; 8];
        assert_eq!(link.read(&mut buf).expect("timeout is not an error"), 0);
        device.write_all(b"\x12").expect("device answers");
        let mut n = 0;
        for _ in 0..20 {
            n = link.read(&mut buf).expect("reads");
            if n > 0 {
                break;
            }
        }
        assert_eq!(&buf[..n], b"\x12");
    }

    #[test]
    fn a_device_slow_to_take_data_is_waited_for_not_dropped() {
        let (mut device, path) = pty();
        let mut link = SerialLink::new(LinkSettings::new(&path, 115_200));
        link.connect().expect("opens");
        // More than the pty buffers hold, and the device starts reading only after 400 ms:
        // single writes time out (100 ms) meanwhile.
        let payload: Vec<u8> = (0..256 * 1024).map(|i| (i % 251) as u8).collect();
        let expected = payload.len();
        let reader = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            device.set_timeout(Duration::from_millis(500)).expect("timeout");
            let mut got = Vec::new();
            let mut buf = [0u8; 8192];
            while got.len() < expected {
                match device.read(&mut buf) {
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => panic!("device read failed after {} bytes: {e}", got.len()),
                }
            }
            got
        });
        // Written in pieces, as successive jobs and status requests are: once the buffer is
        // full, the next write waits for room.
        for piece in payload.chunks(1024) {
            link.write_all(piece).expect("a slow device is not a lost device");
        }
        assert!(link.is_open());
        assert_eq!(reader.join().expect("reader"), payload);
    }

    #[test]
    fn a_missing_device_is_an_open_error_then_waits_before_retrying() {
        let mut settings = LinkSettings::new("/dev/borne-test-no-such-device", 9600);
        settings.retry_interval = Duration::from_secs(60);
        let mut link = SerialLink::new(settings);
        assert!(matches!(link.connect(), Err(LinkError::Open { .. })));
        assert!(matches!(link.connect(), Err(LinkError::NotConnected { .. })));
        assert!(matches!(link.write_all(b"x"), Err(LinkError::NotConnected { .. })));
    }

    #[test]
    fn unplugging_the_device_closes_the_link() {
        let (device, path) = pty();
        let mut link = SerialLink::new(LinkSettings::new(&path, 9600));
        link.connect().expect("opens");
        drop(device);
        let mut buf = [0u8; 8];
        let mut lost = false;
        for _ in 0..20 {
            match link.read(&mut buf) {
                Err(LinkError::Lost { .. }) => {
                    lost = true;
                    break;
                }
                Ok(_) => continue,
                Err(other) => panic!("unexpected {other}"),
            }
        }
        assert!(lost, "a hung-up pty must be reported as lost");
        assert!(!link.is_open());
    }
}

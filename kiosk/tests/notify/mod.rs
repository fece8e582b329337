//! systemd's side of the `sd_notify` protocol for tests: a real Unix datagram socket that the
//! kiosk finds in `NOTIFY_SOCKET`, as under systemd, and the messages it received.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The service manager's notification socket, bound in a directory of the test.
pub struct NotifySocket {
    socket: UnixDatagram,
    path: PathBuf,
    /// Every datagram received so far, in order.
    pub received: Vec<String>,
}

impl NotifySocket {
    /// Binds `dir/notify`.
    pub fn bind(dir: &Path) -> NotifySocket {
        let path = dir.join("notify");
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        socket.set_read_timeout(Some(Duration::from_millis(100))).expect("read timeout");
        NotifySocket { socket, path, received: Vec::new() }
    }

    /// The path to give the kiosk as `NOTIFY_SOCKET`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Receives for `duration`.
    pub fn drain(&mut self, duration: Duration) {
        let start = Instant::now();
        let mut buf = [0u8; 4096];
        while start.elapsed() < duration {
            if let Ok(n) = self.socket.recv(&mut buf) {
                self.received.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    }

    /// Receives until a datagram has a line equal to `line`; that datagram, or `None` after
    /// `timeout`.
    pub fn wait_for_line(&mut self, line: &str, timeout: Duration) -> Option<String> {
        let start = Instant::now();
        loop {
            if let Some(found) = self.received.iter().find(|m| m.lines().any(|l| l == line)) {
                return Some(found.clone());
            }
            if start.elapsed() > timeout {
                return None;
            }
            self.drain(Duration::from_millis(100));
        }
    }

    /// How many `WATCHDOG=1` pings arrived so far.
    pub fn pings(&self) -> usize {
        self.received.iter().filter(|m| m.lines().any(|l| l == "WATCHDOG=1")).count()
    }
}

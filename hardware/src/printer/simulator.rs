//! A simulated receipt printer on a real pseudo-terminal, in the kiosk's own process.
//!
//! The simulator owns the master side of a pty pair (`TTYPort::pair()`) and publishes the slave
//! under a stable path, a symlink like `/dev/serial/by-id/…` on a real kiosk. The driver opens that
//! path as it would open a USB printer, and both sides exchange the same bytes as with hardware.
//! Behaviour (status answers, held data while blocked, decoding and rendering) is [`Machine`]'s.
//!
//! - **Faults**: [`SimulatedPrinter::set_fault`] (paper out, near end, cover open, offline, mute).
//! - **Full buffer**: [`SimulatedPrinter::set_stalled`] stops reading, so the host's writes block.
//! - **Unplug**: [`SimulatedPrinter::unplug`] closes both pty sides and removes the symlink; the
//!   driver's next read fails as with a pulled USB cable. [`SimulatedPrinter::replug`] makes a
//!   new pty and points the symlink at it, as udev does for a replugged device.
//! - **Receipts**: every cut produces a [`SavedReceipt`]; with a receipts folder, it is also
//!   written there as `receipt-NNNN.png` and `receipt-NNNN.txt`, numbered after those already there.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};

use super::machine::{Fault, Machine};
use super::profile::Paper;
use super::render::Printout;

/// Why the simulator could not start or be replugged.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    /// No pty could be created.
    #[error("cannot create a pseudo-terminal: {0}")]
    Pty(#[from] serialport::Error),
    /// The symlink or receipts folder could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The simulator thread is gone.
    #[error("printer simulator stopped")]
    Stopped,
}

/// A receipt the simulator printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedReceipt {
    /// 1-based number within this folder.
    pub number: u32,
    /// Text dump, one line per printed line.
    pub text: String,
    /// The rendered paper as a one-bit PNG.
    pub png: Vec<u8>,
    /// Where the PNG was written, if a receipts folder is set.
    pub png_path: Option<PathBuf>,
    /// Where the text was written, if a receipts folder is set.
    pub text_path: Option<PathBuf>,
}

#[derive(Debug)]
struct Shared {
    machine: Mutex<Machine>,
    receipts: Mutex<Vec<SavedReceipt>>,
    printed: Condvar,
    dir: Option<PathBuf>,
    next_number: Mutex<u32>,
    wire: Mutex<Vec<u8>>,
    stalled: AtomicBool,
}

/// How many received bytes [`SimulatedPrinter::wire`] keeps (the most recent ones).
const WIRE_CAPACITY: usize = 1 << 20;

impl Shared {
    fn machine(&self) -> MutexGuard<'_, Machine> {
        self.machine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, printouts: Vec<Printout>) {
        for printout in printouts {
            let number = {
                let mut next = self.next_number.lock().unwrap_or_else(PoisonError::into_inner);
                *next += 1;
                *next
            };
            let text = printout.text();
            let png = match printout.image.to_png() {
                Ok(png) => png,
                Err(err) => {
                    tracing::error!(%err, "simulated receipt could not be rendered");
                    Vec::new()
                }
            };
            let (mut png_path, mut text_path) = (None, None);
            if let Some(dir) = &self.dir {
                let base = dir.join(format!("receipt-{number:04}"));
                let (p, t) = (base.with_extension("png"), base.with_extension("txt"));
                match std::fs::write(&p, &png).and_then(|()| std::fs::write(&t, &text)) {
                    Ok(()) => {
                        tracing::info!(path = %p.display(), "simulated receipt saved");
                        png_path = Some(p);
                        text_path = Some(t);
                    }
                    Err(err) => tracing::error!(dir = %dir.display(), %err, "simulated receipt not saved"),
                }
            }
            self.receipts.lock().unwrap_or_else(PoisonError::into_inner).push(SavedReceipt {
                number,
                text,
                png,
                png_path,
                text_path,
            });
        }
        self.printed.notify_all();
    }
}

enum Control {
    Unplug(Sender<()>),
    Replug(Sender<Result<(), SimulatorError>>),
    Stop,
}

/// A printer simulator running on its own thread.
#[derive(Debug)]
pub struct SimulatedPrinter {
    path: PathBuf,
    shared: Arc<Shared>,
    control: Sender<Control>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Control::Unplug(_) => "Unplug",
            Control::Replug(_) => "Replug",
            Control::Stop => "Stop",
        })
    }
}

impl SimulatedPrinter {
    /// Starts a plugged-in printer reachable at `path` (a symlink the simulator creates and
    /// removes), printing on `paper`, saving receipts to `receipts_dir` if given (created if needed).
    pub fn start(
        path: impl Into<PathBuf>,
        paper: Paper,
        receipts_dir: Option<PathBuf>,
    ) -> Result<Self, SimulatorError> {
        let path = path.into();
        let mut next_number = 0;
        if let Some(dir) = &receipts_dir {
            std::fs::create_dir_all(dir)
                .map_err(|source| SimulatorError::Io { path: dir.clone(), source })?;
            next_number = last_receipt_number(dir);
        }
        let shared = Arc::new(Shared {
            machine: Mutex::new(Machine::new(paper.dots())),
            receipts: Mutex::new(Vec::new()),
            printed: Condvar::new(),
            dir: receipts_dir,
            next_number: Mutex::new(next_number),
            wire: Mutex::new(Vec::new()),
            stalled: AtomicBool::new(false),
        });
        let pty = Pty::open(&path)?;
        let (control, control_rx) = mpsc::channel();
        let worker =
            Worker { path: path.clone(), shared: Arc::clone(&shared), control: control_rx, pty: Some(pty) };
        let thread = std::thread::Builder::new()
            .name("printer-simulator".into())
            .spawn(move || worker.run())
            .map_err(|source| SimulatorError::Io { path: path.clone(), source })?;
        Ok(Self { path, shared, control, thread: Some(thread) })
    }

    /// The path the driver should open.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder receipts are saved to, if any.
    pub fn receipts_dir(&self) -> Option<&Path> {
        self.shared.dir.as_deref()
    }

    /// Sets or clears a fault. Clearing the last blocking fault prints the held data.
    pub fn set_fault(&self, fault: Fault, on: bool) {
        let printouts = {
            let mut machine = self.shared.machine();
            machine.set_fault(fault, on);
            machine.take_printouts()
        };
        tracing::info!(?fault, on, "simulated printer fault");
        self.shared.record(printouts);
    }

    /// Stops (or resumes) reading from the line, like a printer whose input buffer is full: the
    /// host's writes then block once the pty's buffer is full.
    pub fn set_stalled(&self, stalled: bool) {
        self.shared.stalled.store(stalled, Ordering::SeqCst);
    }

    /// Pulls the cable: both pty sides are closed and the path disappears.
    pub fn unplug(&self) -> Result<(), SimulatorError> {
        let (tx, rx) = mpsc::channel();
        self.control.send(Control::Unplug(tx)).map_err(|_| SimulatorError::Stopped)?;
        rx.recv().map_err(|_| SimulatorError::Stopped)
    }

    /// Plugs the printer back: a new pty appears under the same path. Data held by the printer
    /// before the unplug is lost, as with a power cycle.
    pub fn replug(&self) -> Result<(), SimulatorError> {
        let (tx, rx) = mpsc::channel();
        self.control.send(Control::Replug(tx)).map_err(|_| SimulatorError::Stopped)?;
        rx.recv().map_err(|_| SimulatorError::Stopped)?
    }

    /// Every receipt printed so far.
    pub fn receipts(&self) -> Vec<SavedReceipt> {
        self.shared.receipts.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Waits until at least `count` receipts are printed or `timeout` passes; returns them all.
    pub fn wait_for_receipts(&self, count: usize, timeout: Duration) -> Vec<SavedReceipt> {
        let deadline = Instant::now() + timeout;
        let mut receipts = self.shared.receipts.lock().unwrap_or_else(PoisonError::into_inner);
        while receipts.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            receipts = match self.shared.printed.wait_timeout(receipts, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        receipts.clone()
    }

    /// Commands the simulator did not understand.
    pub fn unknown_commands(&self) -> Vec<Vec<u8>> {
        self.shared.machine().unknown().to_vec()
    }

    /// Every byte received from the host so far (the last MiB), exactly as it came off the wire.
    pub fn wire(&self) -> Vec<u8> {
        self.shared.wire.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Bytes received and not yet printed (held while blocked).
    pub fn held_bytes(&self) -> usize {
        self.shared.machine().held()
    }
}

impl Drop for SimulatedPrinter {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("printer simulator thread panicked");
        }
    }
}

/// The highest `receipt-NNNN.txt` number in `dir` (0 if none).
fn last_receipt_number(dir: &Path) -> u32 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("receipt-")?.strip_suffix(".txt")?.parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0)
}

/// One plugged-in pty: the master (the printer's end) and the slave kept open so that the
/// master does not see a hang-up while the driver has its side closed.
struct Pty {
    master: TTYPort,
    _slave: TTYPort,
}

impl Pty {
    fn open(link: &Path) -> Result<Self, SimulatorError> {
        let (mut master, slave) = TTYPort::pair()?;
        master.set_timeout(Duration::from_millis(20))?;
        let target = slave.name().ok_or_else(|| SimulatorError::Io {
            path: link.to_path_buf(),
            source: std::io::Error::other("pty slave has no name"),
        })?;
        // Point the link at the new pty atomically (write a temporary link, rename it over).
        let temp = link.with_extension("borne-new-link");
        let io = |source| SimulatorError::Io { path: link.to_path_buf(), source };
        let _ = std::fs::remove_file(&temp);
        std::os::unix::fs::symlink(&target, &temp).map_err(io)?;
        std::fs::rename(&temp, link).map_err(io)?;
        tracing::debug!(link = %link.display(), %target, "simulated printer plugged in");
        Ok(Self { master, _slave: slave })
    }
}

struct Worker {
    path: PathBuf,
    shared: Arc<Shared>,
    control: Receiver<Control>,
    pty: Option<Pty>,
}

impl Worker {
    fn run(mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match self.control.try_recv() {
                Ok(Control::Stop) | Err(mpsc::TryRecvError::Disconnected) => break,
                Ok(Control::Unplug(done)) => {
                    self.pty = None;
                    if let Err(err) = std::fs::remove_file(&self.path) {
                        tracing::debug!(%err, "simulated printer link already gone");
                    }
                    let _ = done.send(());
                }
                Ok(Control::Replug(done)) => {
                    let result = match Pty::open(&self.path) {
                        Ok(pty) => {
                            self.pty = Some(pty);
                            Ok(())
                        }
                        Err(err) => Err(err),
                    };
                    let _ = done.send(result);
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
            let Some(pty) = self.pty.as_mut().filter(|_| !self.shared.stalled.load(Ordering::SeqCst)) else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            match pty.master.read(&mut buf) {
                Ok(0) => std::thread::sleep(Duration::from_millis(20)),
                Ok(n) => {
                    {
                        let mut wire = self.shared.wire.lock().unwrap_or_else(PoisonError::into_inner);
                        if wire.len() + n > WIRE_CAPACITY {
                            let excess = wire.len() + n - WIRE_CAPACITY;
                            let excess = excess.min(wire.len());
                            wire.drain(..excess);
                        }
                        wire.extend_from_slice(&buf[..n]);
                    }
                    let (replies, printouts) = {
                        let mut machine = self.shared.machine();
                        let replies = machine.receive(&buf[..n]);
                        (replies, machine.take_printouts())
                    };
                    if !replies.is_empty()
                        && let Err(err) = pty.master.write_all(&replies)
                    {
                        tracing::debug!(%err, "simulated printer could not answer");
                    }
                    self.shared.record(printouts);
                }
                Err(err) if err.kind() == std::io::ErrorKind::TimedOut => {}
                // No client on the slave side: wait for one.
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        self.pty = None;
        let _ = std::fs::remove_file(&self.path);
    }
}

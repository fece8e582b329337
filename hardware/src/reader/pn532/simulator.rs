//! A PN532 on UART, simulated on a real pseudo-terminal, speaking the frames of [`super::frame`].
//!
//! The simulated chip sleeps until it receives `0x55` (HSU wake-up), then ACKs every valid host
//! frame and answers the commands a host uses (Diagnose, GetFirmwareVersion, Read/WriteRegister,
//! SetParameters, SAMConfiguration, PowerDown, RFConfiguration, InListPassiveTarget for 106 kbps
//! type A, InDeselect, InRelease); anything else gets the error frame. Like the real chip it
//! stays silent on a frame with a bad checksum, resends its last response on a NACK, and an
//! InListPassiveTarget with infinite retries waits for a card until the host aborts it with ACK.
//!
//! Tests present and remove a card, inject faults (a response with a bad checksum, a truncated
//! response, garbage before the ACK, silence) and unplug or replug the reader. Replugging powers
//! the chip up again: asleep, unconfigured, as after a real USB reconnection.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::driver::cmd;
use super::frame::{self, Decoder, Frame, FrameFault, TFI_CHIP, TFI_HOST};
use crate::reader::sim_port::{SimPort, SimPortError};

/// A fault the simulator applies to the next command it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pn532Fault {
    /// The response goes out with a wrong data checksum (a NACK gets the good one).
    BadChecksum,
    /// Only the first half of the response goes out (a NACK gets the whole one).
    Truncated,
    /// Noise bytes go out before the ACK.
    Garbage,
    /// The command is ignored altogether: no ACK, no response.
    Silence,
}

/// What the simulated chip has seen (for tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Wake-ups (a `0x55` received while asleep).
    pub wake_ups: u32,
    /// SAMConfiguration commands answered.
    pub sam_configurations: u32,
    /// InListPassiveTarget commands received.
    pub polls: u32,
    /// NACKs received (each answered by resending the last response).
    pub nacks: u32,
    /// Host frames ignored for a bad checksum.
    pub bad_frames: u32,
}

#[derive(Debug)]
struct Shared {
    port: SimPort,
    /// Increases at every plug, so the chip thread knows it was power-cycled.
    generation: u64,
    card: Option<Vec<u8>>,
    remove_at: Option<Instant>,
    faults: VecDeque<Pn532Fault>,
    stats: SimStats,
}

/// A simulated PN532 reader; its chip runs on a thread until the simulator is dropped.
#[derive(Debug)]
pub struct Pn532Simulator {
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
}

impl Pn532Simulator {
    /// A plugged-in, sleeping PN532 at a fresh temporary path.
    pub fn new() -> Result<Self, SimPortError> {
        let port = SimPort::in_temp_dir("pn532")?;
        let path = port.path().to_path_buf();
        let shared = Arc::new(Mutex::new(Shared {
            port,
            generation: 0,
            card: None,
            remove_at: None,
            faults: VecDeque::new(),
            stats: SimStats::default(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("pn532-sim".into())
                .spawn(move || run_chip(&shared, &stop))
                .map_err(|source| SimPortError::Link { path: path.clone(), source })?
        };
        Ok(Self { shared, stop, thread: Some(thread), path })
    }

    /// The path the driver opens.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts a card with this UID (4, 7 or 10 bytes) on the reader, until [`remove`](Self::remove).
    pub fn present(&self, uid: &[u8]) {
        let mut s = lock(&self.shared);
        s.card = Some(uid.to_vec());
        s.remove_at = None;
    }

    /// Takes the card away.
    pub fn remove(&self) {
        let mut s = lock(&self.shared);
        s.card = None;
        s.remove_at = None;
    }

    /// Puts a card on the reader and takes it away after `hold`.
    pub fn tap(&self, uid: &[u8], hold: Duration) {
        let mut s = lock(&self.shared);
        s.card = Some(uid.to_vec());
        s.remove_at = Some(Instant::now() + hold);
    }

    /// Applies `fault` to the next command received.
    pub fn inject(&self, fault: Pn532Fault) {
        lock(&self.shared).faults.push_back(fault);
    }

    /// Faults injected but not applied yet.
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared).faults.len()
    }

    /// Sends raw bytes to the host, as line noise would.
    pub fn send_raw(&self, bytes: &[u8]) -> std::io::Result<()> {
        lock(&self.shared).port.write(bytes)
    }

    /// What the chip has seen so far.
    pub fn stats(&self) -> SimStats {
        lock(&self.shared).stats
    }

    /// Pulls the cable: the path disappears, the host's port hangs up.
    pub fn unplug(&self) {
        lock(&self.shared).port.unplug();
    }

    /// Plugs the reader back: same path, a new pseudo-terminal, a chip powered up asleep.
    pub fn plug(&self) -> Result<(), SimPortError> {
        let mut s = lock(&self.shared);
        if !s.port.is_plugged() {
            s.port.plug()?;
            s.generation += 1;
        }
        Ok(())
    }
}

impl Drop for Pn532Simulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The shared state, even if a test thread panicked while holding it.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The chip's own state, reset at each power-up.
struct Chip {
    generation: u64,
    asleep: bool,
    decoder: Decoder,
    /// MxRtyPassiveActivation: 0xFF means a poll waits until a card comes.
    passive_retries: u8,
    pending_poll: bool,
    last_response: Vec<u8>,
}

impl Chip {
    fn power_up(generation: u64) -> Self {
        Self {
            generation,
            asleep: true,
            decoder: Decoder::new(),
            passive_retries: 0xFF,
            pending_poll: false,
            last_response: Vec::new(),
        }
    }
}

fn run_chip(shared: &Mutex<Shared>, stop: &AtomicBool) {
    let mut chip = Chip::power_up(0);
    while !stop.load(Ordering::Relaxed) {
        {
            let mut s = lock(shared);
            if s.generation != chip.generation {
                chip = Chip::power_up(s.generation);
            }
            if s.remove_at.is_some_and(|t| Instant::now() >= t) {
                s.card = None;
                s.remove_at = None;
            }
            let bytes = s.port.read();
            receive(&mut chip, &mut s, &bytes);
            if chip.pending_poll
                && let Some(uid) = s.card.clone()
            {
                chip.pending_poll = false;
                respond(&mut chip, &mut s, &target_response(&uid), None);
            }
        }
        // Let test threads take the lock between two reads.
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn receive(chip: &mut Chip, s: &mut Shared, mut bytes: &[u8]) {
    if chip.asleep {
        let Some(i) = bytes.iter().position(|&b| b == 0x55) else {
            return;
        };
        chip.asleep = false;
        s.stats.wake_ups += 1;
        bytes = &bytes[i..];
    }
    chip.decoder.push(bytes);
    while let Some(item) = chip.decoder.next_frame() {
        match item {
            Ok(Frame::Info { tfi: TFI_HOST, data }) => command(chip, s, &data),
            Ok(Frame::Ack) => chip.pending_poll = false,
            Ok(Frame::Nack) => {
                s.stats.nacks += 1;
                let last = chip.last_response.clone();
                let _ = s.port.write(&last);
            }
            Ok(Frame::Info { .. } | Frame::Error) => {}
            // The wake-up's 0x55 bytes show up as garbage; a real chip ignores them too.
            Err(FrameFault::Garbage(_)) => {}
            Err(_) => s.stats.bad_frames += 1,
        }
        if chip.asleep {
            // PowerDown: what follows is ignored until the next wake-up.
            chip.decoder.clear();
            return;
        }
    }
}

fn command(chip: &mut Chip, s: &mut Shared, data: &[u8]) {
    let Some((&code, params)) = data.split_first() else {
        return;
    };
    let fault = s.faults.pop_front();
    match fault {
        Some(Pn532Fault::Silence) => return,
        Some(Pn532Fault::Garbage) => {
            let _ = s.port.write(&[0x13, 0x37, 0xFF, 0x42, 0x55, 0xFF]);
        }
        _ => {}
    }
    let _ = s.port.write(&frame::ACK);
    chip.pending_poll = false;
    let response: Vec<u8> = match code {
        cmd::DIAGNOSE => [&[code + 1][..], params].concat(),
        cmd::GET_FIRMWARE_VERSION => vec![0x03, 0x32, 0x01, 0x06, 0x07],
        cmd::READ_REGISTER => {
            let mut r = vec![0x07];
            r.resize(1 + params.len() / 2, 0x00);
            r
        }
        cmd::WRITE_REGISTER | cmd::SET_PARAMETERS | cmd::POWER_DOWN => vec![code + 1],
        cmd::SAM_CONFIGURATION if params.first() == Some(&0x01) => {
            s.stats.sam_configurations += 1;
            vec![0x15]
        }
        cmd::RF_CONFIGURATION => {
            if let [0x05, _, _, passive, ..] = params {
                chip.passive_retries = *passive;
            }
            vec![0x33]
        }
        cmd::IN_DESELECT | cmd::IN_RELEASE => vec![code + 1, 0x00],
        cmd::IN_LIST_PASSIVE_TARGET => {
            s.stats.polls += 1;
            match (params, &s.card) {
                ([0x01 | 0x02, 0x00, ..], Some(uid)) => target_response(uid),
                ([0x01 | 0x02, 0x00, ..], None) if chip.passive_retries == 0xFF => {
                    chip.pending_poll = true;
                    return;
                }
                _ => vec![0x4B, 0x00],
            }
        }
        _ => {
            chip.last_response = frame::ERROR_FRAME.to_vec();
            let _ = s.port.write(&frame::ERROR_FRAME);
            return;
        }
    };
    respond(chip, s, &response, fault);
    if code == cmd::POWER_DOWN {
        chip.asleep = true;
    }
}

/// InListPassiveTarget's answer for one type A card.
fn target_response(uid: &[u8]) -> Vec<u8> {
    // ATQA says the UID size (single 00 04, double 00 44, triple 00 84); SAK 08 = MIFARE Classic 1K.
    let atqa1 = match uid.len() {
        7 => 0x44,
        10 => 0x84,
        _ => 0x04,
    };
    let len = u8::try_from(uid.len()).unwrap_or(4);
    [&[0x4B, 0x01, 0x01, 0x00, atqa1, 0x08, len][..], uid].concat()
}

fn respond(chip: &mut Chip, s: &mut Shared, data: &[u8], fault: Option<Pn532Fault>) {
    let Ok(bytes) = frame::encode(TFI_CHIP, data) else {
        return;
    };
    chip.last_response = bytes.clone();
    let sent = match fault {
        Some(Pn532Fault::BadChecksum) => {
            let mut bad = bytes;
            let dcs = bad.len() - 2;
            bad[dcs] ^= 0x5A;
            bad
        }
        Some(Pn532Fault::Truncated) => bytes[..bytes.len() / 2].to_vec(),
        _ => bytes,
    };
    let _ = s.port.write(&sent);
}

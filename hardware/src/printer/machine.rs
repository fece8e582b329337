//! The simulated printer's behaviour, without I/O: bytes in, status answers and receipts out.
//!
//! It behaves like the printers the kiosk meets (and like emupos): real-time status requests are
//! answered at once even while the printer is blocked; while the paper is out, the cover open or
//! the printer offline, everything else is held in its buffer and printed when the fault clears,
//! so data already sent is neither lost nor printed twice. Keeping this apart from the pty
//! ([`super::simulator`]) lets the same model be driven byte by byte in tests.

use super::decoder::{Command, decode};
use super::encoder::{DLE, EOT};
use super::render::{Paper, Printout};

/// A fault the simulator can be put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The roll is empty: printing stops (`DLE EOT 4` = 0x7E).
    PaperOut,
    /// The roll is nearly empty: printing goes on (`DLE EOT 4` = 0x1E).
    PaperNearEnd,
    /// The cover is open: printing stops.
    CoverOpen,
    /// An error put the printer offline: printing stops.
    Offline,
    /// The printer does not answer status requests at all (powered off behind a USB adapter).
    Mute,
}

/// The set of faults in force.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// See [`Fault::PaperOut`].
    pub paper_out: bool,
    /// See [`Fault::PaperNearEnd`].
    pub paper_near_end: bool,
    /// See [`Fault::CoverOpen`].
    pub cover_open: bool,
    /// See [`Fault::Offline`].
    pub offline: bool,
    /// See [`Fault::Mute`].
    pub mute: bool,
}

impl Faults {
    fn set(&mut self, fault: Fault, on: bool) {
        match fault {
            Fault::PaperOut => self.paper_out = on,
            Fault::PaperNearEnd => self.paper_near_end = on,
            Fault::CoverOpen => self.cover_open = on,
            Fault::Offline => self.offline = on,
            Fault::Mute => self.mute = on,
        }
    }

    fn blocked(&self) -> bool {
        self.paper_out || self.cover_open || self.offline || self.mute
    }

    /// The answer to `DLE EOT n`, or `None` when the printer is mute.
    pub fn status(&self, n: u8) -> Option<u8> {
        if self.mute {
            return None;
        }
        let stopped = self.paper_out || self.cover_open || self.offline;
        Some(match n {
            1 => 0x12 | if stopped { 0x08 } else { 0 },
            2 => {
                0x12 | if self.cover_open { 0x04 } else { 0 }
                    | if self.paper_out { 0x20 } else { 0 }
                    | if self.offline { 0x40 } else { 0 }
            }
            4 => {
                0x12 | if self.paper_near_end || self.paper_out { 0x0C } else { 0 }
                    | if self.paper_out { 0x60 } else { 0 }
            }
            _ => 0x12,
        })
    }
}

/// A printer model: feed it bytes, collect answers and printouts.
#[derive(Debug, Clone)]
pub struct Machine {
    paper: Paper,
    pending: Vec<u8>,
    faults: Faults,
    done: Vec<Printout>,
}

impl Machine {
    /// A printer with paper `width_dots` wide and no fault.
    pub fn new(width_dots: u32) -> Self {
        Self {
            paper: Paper::new(width_dots),
            pending: Vec::new(),
            faults: Faults::default(),
            done: Vec::new(),
        }
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.faults
    }

    /// Sets or clears a fault; clearing the last blocking one prints what was held.
    pub fn set_fault(&mut self, fault: Fault, on: bool) {
        self.faults.set(fault, on);
        let mut replies = Vec::new();
        self.pump(&mut replies);
    }

    /// Bytes received from the host; returns the bytes to send back.
    pub fn receive(&mut self, data: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(data);
        let mut replies = Vec::new();
        self.pump(&mut replies);
        replies
    }

    /// Bytes received but not processed yet (held while blocked, or an incomplete command).
    pub fn held(&self) -> usize {
        self.pending.len()
    }

    /// Receipts cut since the last call.
    pub fn take_printouts(&mut self) -> Vec<Printout> {
        std::mem::take(&mut self.done)
    }

    /// Commands not understood so far.
    pub fn unknown(&self) -> &[Vec<u8>] {
        self.paper.unknown()
    }

    fn pump(&mut self, replies: &mut Vec<u8>) {
        let mut start = 0;
        while let Some((command, len)) = decode(&self.pending[start..]) {
            if let Command::Status(n) = command {
                replies.extend(self.faults.status(n));
            } else if self.faults.blocked() {
                break;
            } else if let Some(printout) = self.paper.apply(command) {
                self.done.push(printout);
            }
            start += len;
        }
        self.pending.drain(..start);
        if self.faults.blocked() {
            // Real-time requests are answered even with a full, blocked buffer.
            let mut i = 0;
            while i + 2 < self.pending.len() {
                if self.pending[i] == DLE && self.pending[i + 1] == EOT {
                    replies.extend(self.faults.status(self.pending[i + 2]));
                    self.pending.drain(i..i + 3);
                } else {
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_answers_match_the_bytes_measured_on_emupos() {
        let mut m = Machine::new(576);
        let ask = [DLE, EOT, 1, DLE, EOT, 2, DLE, EOT, 4];
        assert_eq!(m.receive(&ask), [0x12, 0x12, 0x12]);
        m.set_fault(Fault::PaperNearEnd, true);
        assert_eq!(m.receive(&ask), [0x12, 0x12, 0x1E]);
        m.set_fault(Fault::PaperNearEnd, false);
        m.set_fault(Fault::PaperOut, true);
        assert_eq!(m.receive(&ask), [0x1A, 0x32, 0x7E]);
        m.set_fault(Fault::PaperOut, false);
        m.set_fault(Fault::CoverOpen, true);
        assert_eq!(m.receive(&ask), [0x1A, 0x16, 0x12]);
        m.set_fault(Fault::Mute, true);
        assert_eq!(m.receive(&ask), [] as [u8; 0]);
    }

    #[test]
    fn data_sent_while_paper_is_out_prints_once_when_it_comes_back() {
        let mut m = Machine::new(576);
        m.set_fault(Fault::PaperOut, true);
        assert_eq!(m.receive(b"\x1b@hello\n\x1dV\x42\x00\x10\x04\x04"), [0x7E]);
        assert!(m.take_printouts().is_empty());
        m.set_fault(Fault::PaperOut, false);
        let out = m.take_printouts();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].lines, ["hello"]);
        assert!(m.take_printouts().is_empty());
    }
}

//! The host side of a PN532 over UART: wake-up, SAMConfiguration, polling for ISO 14443A cards.
//!
//! Each command is one exchange: send the frame, wait for the chip's ACK (resend once if none
//! comes: the chip ignores a frame with a bad checksum), then wait for the response. A response
//! with a bad checksum, or cut short, is asked again with a NACK. After a failed command the host
//! sends an ACK, which aborts whatever the chip was doing. Garbage between frames is skipped by
//! the [`Decoder`]. Nothing here panics on what the device sends.
//!
//! [`TapTracker`] turns the stream of polls into taps: a card is reported once when it arrives,
//! and again only after it has been away for a few polls.

use std::time::{Duration, Instant};

use super::frame::{self, Decoder, Frame, TFI_CHIP, TFI_HOST};
use crate::link::{LinkError, SerialLink};

/// PN532 command codes used by the driver and the simulator.
pub mod cmd {
    /// Diagnose.
    pub const DIAGNOSE: u8 = 0x00;
    /// GetFirmwareVersion.
    pub const GET_FIRMWARE_VERSION: u8 = 0x02;
    /// ReadRegister.
    pub const READ_REGISTER: u8 = 0x06;
    /// WriteRegister.
    pub const WRITE_REGISTER: u8 = 0x08;
    /// SetParameters.
    pub const SET_PARAMETERS: u8 = 0x12;
    /// SAMConfiguration.
    pub const SAM_CONFIGURATION: u8 = 0x14;
    /// PowerDown.
    pub const POWER_DOWN: u8 = 0x16;
    /// RFConfiguration.
    pub const RF_CONFIGURATION: u8 = 0x32;
    /// InDeselect.
    pub const IN_DESELECT: u8 = 0x44;
    /// InListPassiveTarget.
    pub const IN_LIST_PASSIVE_TARGET: u8 = 0x4A;
    /// InRelease.
    pub const IN_RELEASE: u8 = 0x52;
}

/// Timing of the exchanges with the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pn532Timing {
    /// How long to wait for the ACK of a command.
    pub ack_timeout: Duration,
    /// How long to wait for the response after the ACK.
    pub response_timeout: Duration,
    /// Pause between two polls for a card.
    pub poll_interval: Duration,
    /// Consecutive empty polls after which a card counts as removed.
    pub removal_polls: u32,
}

impl Default for Pn532Timing {
    /// ACK within 100 ms, response within 500 ms, a poll every 150 ms, removal after 2 empty polls.
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_millis(100),
            response_timeout: Duration::from_millis(500),
            poll_interval: Duration::from_millis(150),
            removal_polls: 2,
        }
    }
}

/// What went wrong in an exchange with the chip.
#[derive(Debug, thiserror::Error)]
pub enum Pn532Error {
    /// The serial link failed (device unplugged, cannot open).
    #[error(transparent)]
    Link(#[from] LinkError),
    /// No ACK to a command, even after resending it.
    #[error("no ACK to command 0x{0:02X}")]
    NoAck(u8),
    /// ACK but no (valid) response in time.
    #[error("no valid response to command 0x{command:02X} ({detail})")]
    NoResponse {
        /// The command code.
        command: u8,
        /// What was seen instead (nothing, a truncated frame, bad checksums).
        detail: &'static str,
    },
    /// The chip answered with an error frame (it did not understand the command).
    #[error("the PN532 refused command 0x{0:02X} (error frame)")]
    ErrorFrame(u8),
    /// The response does not have the expected shape.
    #[error("malformed response to command 0x{command:02X}: {detail}")]
    BadResponse {
        /// The command code.
        command: u8,
        /// What is wrong.
        detail: &'static str,
    },
    /// The chip is not a PN532.
    #[error("not a PN532 (IC 0x{0:02X})")]
    NotPn532(u8),
}

/// An ISO 14443A card found by InListPassiveTarget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeATarget {
    /// ATQA (SENS_RES).
    pub atqa: [u8; 2],
    /// SAK (SEL_RES).
    pub sak: u8,
    /// UID (NFCID1): 4, 7 or 10 bytes.
    pub uid: Vec<u8>,
}

/// Firmware reported by GetFirmwareVersion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Firmware {
    /// Firmware version.
    pub version: u8,
    /// Firmware revision.
    pub revision: u8,
}

/// Counters of faults the driver recovered from (for tests and diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Frames refused for a bad length or data checksum.
    pub bad_checksums: u32,
    /// Runs of garbage bytes skipped.
    pub garbage: u32,
    /// Responses cut short (bytes left without a complete frame at the timeout).
    pub truncated: u32,
    /// Commands sent again because no ACK came.
    pub resent: u32,
    /// NACKs sent to get a response again.
    pub nacks: u32,
}

/// A PN532 on a serial link.
#[derive(Debug)]
pub struct Pn532 {
    link: SerialLink,
    decoder: Decoder,
    timing: Pn532Timing,
    faults: FaultCounts,
}

impl Pn532 {
    /// A driver for the chip behind `link`.
    pub fn new(link: SerialLink, timing: Pn532Timing) -> Self {
        Self { link, decoder: Decoder::new(), timing, faults: FaultCounts::default() }
    }

    /// The serial link.
    pub fn link_mut(&mut self) -> &mut SerialLink {
        &mut self.link
    }

    /// The timing in use.
    pub fn timing(&self) -> Pn532Timing {
        self.timing
    }

    /// The faults recovered from so far.
    pub fn faults(&self) -> FaultCounts {
        self.faults
    }

    /// Wakes the chip and configures it: HSU wake-up, SAMConfiguration (normal mode),
    /// GetFirmwareVersion (checks it is a PN532), RFConfiguration MaxRetries so that a poll with
    /// no card returns at once instead of waiting forever.
    pub fn initialise(&mut self) -> Result<Firmware, Pn532Error> {
        self.decoder.clear();
        self.link.write_all(&frame::WAKE_UP)?;
        self.command(cmd::SAM_CONFIGURATION, &[0x01, 0x14, 0x01])?;
        let fw = self.command(cmd::GET_FIRMWARE_VERSION, &[])?;
        let [ic, version, revision, _support] = fw[..] else {
            return Err(Pn532Error::BadResponse {
                command: cmd::GET_FIRMWARE_VERSION,
                detail: "not 4 bytes",
            });
        };
        if ic != 0x32 {
            return Err(Pn532Error::NotPn532(ic));
        }
        // MaxRetries: ATR 0xFF, PSL 0x01, passive activation 0x02 (a poll returns NbTg=0 quickly).
        self.command(cmd::RF_CONFIGURATION, &[0x05, 0xFF, 0x01, 0x02])?;
        Ok(Firmware { version, revision })
    }

    /// Looks for one ISO 14443A card at 106 kbps. When one is found it is released again
    /// (InRelease) so the next poll finds it afresh.
    pub fn poll(&mut self) -> Result<Option<TypeATarget>, Pn532Error> {
        let c = cmd::IN_LIST_PASSIVE_TARGET;
        let data = self.command(c, &[0x01, 0x00])?;
        let bad = |detail| Pn532Error::BadResponse { command: c, detail };
        let (&count, rest) = data.split_first().ok_or(bad("empty"))?;
        if count == 0 {
            return Ok(None);
        }
        // Tg, SENS_RES (2), SEL_RES, NFCIDLength, NFCID1…
        let [_tg, a0, a1, sak, uid_len, tail @ ..] = rest else {
            return Err(bad("target data too short"));
        };
        let uid_len = usize::from(*uid_len);
        if ![4, 7, 10].contains(&uid_len) {
            return Err(bad("UID length is not 4, 7 or 10"));
        }
        let uid = tail.get(..uid_len).ok_or(bad("UID cut short"))?.to_vec();
        let target = TypeATarget { atqa: [*a0, *a1], sak: *sak, uid };
        if let Err(err) = self.command(cmd::IN_RELEASE, &[0x00]) {
            tracing::debug!(%err, "InRelease failed; the next poll will tell");
        }
        Ok(Some(target))
    }

    /// Sends one command and returns the response parameters (after the response code).
    pub fn command(&mut self, code: u8, params: &[u8]) -> Result<Vec<u8>, Pn532Error> {
        let mut data = Vec::with_capacity(params.len() + 1);
        data.push(code);
        data.extend_from_slice(params);
        let bytes = frame::encode(TFI_HOST, &data)
            .map_err(|_| Pn532Error::BadResponse { command: code, detail: "command too long" })?;
        let result = self.exchange(code, &bytes);
        if matches!(result, Err(Pn532Error::NoAck(_) | Pn532Error::NoResponse { .. })) {
            // Abort whatever the chip may still be doing before the next command.
            let _ = self.link.write_all(&frame::ACK);
            self.decoder.clear();
        }
        result
    }

    fn exchange(&mut self, code: u8, bytes: &[u8]) -> Result<Vec<u8>, Pn532Error> {
        let mut acked = false;
        for attempt in 0..2 {
            if attempt > 0 {
                self.faults.resent += 1;
                tracing::debug!(command = code, "no ACK from the PN532: sending the command again");
            }
            self.link.write_all(bytes)?;
            let deadline = Instant::now() + self.timing.ack_timeout;
            loop {
                match self.next_frame(deadline)? {
                    Wait::Frame(Frame::Ack) => {
                        acked = true;
                        break;
                    }
                    // A response left over from an earlier, aborted command, or a damaged frame.
                    Wait::Frame(other) => tracing::debug!(?other, "unexpected frame before the ACK, ignored"),
                    Wait::Bad => {}
                    Wait::Timeout => break,
                }
            }
            if acked {
                break;
            }
        }
        if !acked {
            return Err(Pn532Error::NoAck(code));
        }
        let mut nacks = 0;
        loop {
            let deadline = Instant::now() + self.timing.response_timeout;
            let detail = match self.next_frame(deadline)? {
                Wait::Frame(Frame::Info { tfi: TFI_CHIP, data })
                    if data.first() == Some(&code.wrapping_add(1)) =>
                {
                    return Ok(data[1..].to_vec());
                }
                Wait::Frame(Frame::Error) => return Err(Pn532Error::ErrorFrame(code)),
                Wait::Frame(other) => {
                    tracing::debug!(?other, "unexpected frame instead of the response, ignored");
                    continue;
                }
                Wait::Bad => "bad checksum",
                Wait::Timeout if self.decoder.pending() > 0 => {
                    self.faults.truncated += 1;
                    self.decoder.clear();
                    "truncated frame"
                }
                Wait::Timeout => "timeout",
            };
            if nacks == 2 || detail == "timeout" {
                return Err(Pn532Error::NoResponse { command: code, detail });
            }
            nacks += 1;
            self.faults.nacks += 1;
            tracing::debug!(command = code, detail, "asking the PN532 to send its response again (NACK)");
            self.link.write_all(&frame::NACK)?;
        }
    }

    /// The next frame before `deadline`, skipping (and counting) garbage.
    fn next_frame(&mut self, deadline: Instant) -> Result<Wait, Pn532Error> {
        let mut buf = [0u8; 256];
        loop {
            while let Some(item) = self.decoder.next_frame() {
                match item {
                    Ok(frame) => return Ok(Wait::Frame(frame)),
                    Err(fault) => {
                        tracing::debug!(%fault, "PN532 frame fault");
                        match fault {
                            frame::FrameFault::Garbage(_) => self.faults.garbage += 1,
                            _ => {
                                self.faults.bad_checksums += 1;
                                return Ok(Wait::Bad);
                            }
                        }
                    }
                }
            }
            if Instant::now() >= deadline {
                return Ok(Wait::Timeout);
            }
            let n = self.link.read(&mut buf)?;
            self.decoder.push(&buf[..n]);
        }
    }
}

/// What a wait for a frame ended with.
enum Wait {
    /// A valid frame.
    Frame(Frame),
    /// A frame with a bad checksum or length (already skipped).
    Bad,
    /// Nothing valid before the deadline.
    Timeout,
}

/// Turns polls into taps: one read when a card arrives, none while it stays, a new one after it
/// has been away for `removal_polls` polls in a row (or when another card replaces it).
#[derive(Debug)]
pub struct TapTracker {
    removal_polls: u32,
    present: Option<Vec<u8>>,
    misses: u32,
}

impl TapTracker {
    /// A tracker that forgets a card after `removal_polls` empty polls (at least 1).
    pub fn new(removal_polls: u32) -> Self {
        Self { removal_polls: removal_polls.max(1), present: None, misses: 0 }
    }

    /// Records a poll's result; returns the UID when it is a new tap.
    pub fn observe(&mut self, uid: Option<&[u8]>) -> Option<Vec<u8>> {
        match uid {
            Some(uid) => {
                self.misses = 0;
                if self.present.as_deref() == Some(uid) {
                    return None;
                }
                self.present = Some(uid.to_vec());
                Some(uid.to_vec())
            }
            None => {
                self.misses += 1;
                if self.misses >= self.removal_polls {
                    self.present = None;
                }
                None
            }
        }
    }

    /// Forgets the current card (after a reconnection).
    pub fn reset(&mut self) {
        self.present = None;
        self.misses = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::TapTracker;

    #[test]
    fn one_tap_one_read() {
        let mut t = TapTracker::new(2);
        let a: &[u8] = &[1, 2, 3, 4];
        let b: &[u8] = &[5, 6, 7, 8];
        assert_eq!(t.observe(Some(a)), Some(a.to_vec()));
        assert_eq!(t.observe(Some(a)), None);
        // One missed poll (flicker at the edge of the field) is not a removal.
        assert_eq!(t.observe(None), None);
        assert_eq!(t.observe(Some(a)), None);
        assert_eq!(t.observe(None), None);
        assert_eq!(t.observe(None), None);
        assert_eq!(t.observe(Some(a)), Some(a.to_vec()));
        assert_eq!(t.observe(Some(b)), Some(b.to_vec()));
    }
}

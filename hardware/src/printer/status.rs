//! Printer states, decoded from the real-time status bytes of `DLE EOT 1`, `2` and `4`.
//!
//! Real-time status requests are answered at once, even while the printer is blocked (cover
//! open, paper out) or its buffer is full, so the driver can always tell what is going on. Each
//! answer is one byte of the form `0xx1xx10` (`byte & 0x93 == 0x12`), which tells it apart from
//! anything else the printer might send. Bit meanings (Epson ESC/POS reference, confirmed with
//! emupos):
//!
//! | request | bit | meaning |
//! |---|---|---|
//! | `DLE EOT 1` printer | 0x08 | offline |
//! | `DLE EOT 2` offline cause | 0x04 | cover open |
//! | | 0x20 | printing stopped by paper end |
//! | | 0x40 | error |
//! | `DLE EOT 4` roll paper | 0x0C | paper near end |
//! | | 0x60 | paper end |

use std::fmt;

/// What the kiosk knows about its printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrinterState {
    /// Ready to print.
    Online,
    /// Ready, but the roll will soon run out.
    PaperNearEnd,
    /// No paper: jobs wait.
    PaperOut,
    /// The cover is open: jobs wait.
    CoverOpen,
    /// Connected but offline for another reason (error, or not answering status requests).
    Offline,
    /// The device path cannot be opened or the link broke.
    Unplugged,
}

impl PrinterState {
    /// Whether a job can be sent now.
    pub fn can_print(self) -> bool {
        matches!(self, PrinterState::Online | PrinterState::PaperNearEnd)
    }

    /// A short French phrase for staff and visitors.
    pub fn describe(self) -> &'static str {
        match self {
            PrinterState::Online => "imprimante prête",
            PrinterState::PaperNearEnd => "imprimante prête, papier bientôt épuisé",
            PrinterState::PaperOut => "plus de papier",
            PrinterState::CoverOpen => "capot ouvert",
            PrinterState::Offline => "imprimante hors ligne",
            PrinterState::Unplugged => "imprimante débranchée",
        }
    }

    /// A stable lowercase name for logs and telemetry (`online`, `paper_near_end`, …).
    pub fn name(self) -> &'static str {
        match self {
            PrinterState::Online => "online",
            PrinterState::PaperNearEnd => "paper_near_end",
            PrinterState::PaperOut => "paper_out",
            PrinterState::CoverOpen => "cover_open",
            PrinterState::Offline => "offline",
            PrinterState::Unplugged => "unplugged",
        }
    }
}

impl fmt::Display for PrinterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a byte has the fixed bits of a `DLE EOT` answer.
pub fn is_status_byte(byte: u8) -> bool {
    byte & 0x93 == 0x12
}

/// The answers to `DLE EOT 1`, `2` and `4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusBytes {
    /// Printer status (`DLE EOT 1`).
    pub printer: u8,
    /// Offline cause (`DLE EOT 2`).
    pub offline_cause: u8,
    /// Roll paper sensor (`DLE EOT 4`).
    pub paper: u8,
}

impl StatusBytes {
    /// The answers of a printer that is online with plenty of paper.
    pub const ONLINE: StatusBytes = StatusBytes { printer: 0x12, offline_cause: 0x12, paper: 0x12 };

    /// The state these bytes describe; cover and paper-out win over a generic offline flag.
    pub fn state(&self) -> PrinterState {
        if self.offline_cause & 0x04 != 0 {
            PrinterState::CoverOpen
        } else if self.paper & 0x60 == 0x60 || self.offline_cause & 0x20 != 0 {
            PrinterState::PaperOut
        } else if self.printer & 0x08 != 0 || self.offline_cause & 0x40 != 0 {
            PrinterState::Offline
        } else if self.paper & 0x0C != 0 {
            PrinterState::PaperNearEnd
        } else {
            PrinterState::Online
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(printer: u8, offline_cause: u8, paper: u8) -> PrinterState {
        StatusBytes { printer, offline_cause, paper }.state()
    }

    #[test]
    fn bytes_measured_on_emupos_map_to_states() {
        assert_eq!(state(0x12, 0x12, 0x12), PrinterState::Online);
        assert_eq!(state(0x12, 0x12, 0x1E), PrinterState::PaperNearEnd);
        assert_eq!(state(0x1A, 0x32, 0x7E), PrinterState::PaperOut);
        assert_eq!(state(0x1A, 0x16, 0x12), PrinterState::CoverOpen);
        assert_eq!(state(0x1A, 0x12, 0x12), PrinterState::Offline);
    }

    #[test]
    fn status_bytes_are_told_apart_from_other_bytes() {
        for b in [0x12, 0x1A, 0x16, 0x32, 0x1E, 0x7E] {
            assert!(is_status_byte(b), "{b:#x}");
        }
        for b in [0x00, 0x10, 0x0A, 0xFF] {
            assert!(!is_status_byte(b), "{b:#x}");
        }
    }
}

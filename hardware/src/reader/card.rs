//! The `CardRead` event, and the masking that keeps card numbers out of logs.
//!
//! A library card number or an NFC UID identifies a person, so it must never reach a log file in
//! clear. The decision (documented in `docs/hardware.md`): logs and screens show a **masked** form,
//! `****` followed by the last four characters (and only `****` for codes shorter than eight
//! characters, whose last four would give away too much). A keyed hash was considered and left
//! out: it would need a secret per kiosk to be managed, and the masked form is what desk staff
//! already see on receipts. The full code is only reachable through [`CardCode::reveal`], which
//! the kiosk calls when it really needs the number (e.g. to look a reader up).

use std::fmt;
use std::time::SystemTime;

/// Which kind of reader produced a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReaderKind {
    /// A barcode scanner sending lines over a serial port.
    Barcode,
    /// A PN532 NFC reader (ISO 14443A) over UART.
    Pn532,
}

impl fmt::Display for ReaderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReaderKind::Barcode => "barcode",
            ReaderKind::Pn532 => "pn532",
        })
    }
}

/// A card number or UID. `Debug` and `Display` show only the masked form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CardCode(String);

impl CardCode {
    /// Wraps a code (a barcode's text, or a UID in upper-case hexadecimal).
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    /// A UID as upper-case hexadecimal without separators, e.g. `DEADBEEF`.
    pub fn from_uid(uid: &[u8]) -> Self {
        Self(uid.iter().map(|b| format!("{b:02X}")).collect())
    }

    /// The masked form for logs and screens: `****1234`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// The code in clear. Never log it.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Number of characters of the code.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Whether the code is empty (a reader never produces one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for CardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardCode({})", self.masked())
    }
}

impl fmt::Display for CardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// `****` and the last four characters, or only `****` for codes shorter than eight characters.
pub fn mask(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() < 8 {
        return "****".to_string();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("****{tail}")
}

/// One card presented to a reader (one tap or one scan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRead {
    /// The reader that read it.
    pub kind: ReaderKind,
    /// The code (barcode) or UID (NFC).
    pub code: CardCode,
    /// When it was read.
    pub at: SystemTime,
}

impl CardRead {
    /// A read of `code` by a `kind` reader, now.
    pub fn now(kind: ReaderKind, code: CardCode) -> Self {
        Self { kind, code, at: SystemTime::now() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_last_four_of_long_codes() {
        assert_eq!(mask("9782070612888"), "****2888");
        assert_eq!(mask("12345678"), "****5678");
        assert_eq!(mask("1234567"), "****");
        assert_eq!(mask(""), "****");
    }

    #[test]
    fn debug_and_display_never_show_the_code() {
        let code = CardCode::new("29990001234567");
        assert_eq!(format!("{code}"), "****4567");
        assert!(!format!("{code:?}").contains("2999000"));
        assert_eq!(code.reveal(), "29990001234567");
        let read = CardRead::now(ReaderKind::Barcode, code);
        assert!(!format!("{read:?}").contains("2999000"));
    }

    #[test]
    fn uids_are_upper_case_hex() {
        let code = CardCode::from_uid(&[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(code.reveal(), "DEADBEEF");
        assert_eq!(code.masked(), "****BEEF");
    }
}

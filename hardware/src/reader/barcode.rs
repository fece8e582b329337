//! Barcode scanners in serial / USB-CDC mode: line framing, validation and debounce.
//!
//! A scanner sends the code followed by a suffix (CR by default, often LF or CRLF, sometimes a
//! custom byte). This module cuts the byte stream into lines ([`LineFramer`]), checks each line
//! ([`Validation`]: printable, length, pattern, check digit) and drops repeated scans of the same
//! code ([`Debouncer`]). It does no I/O; the driver thread in [`super::driver`] feeds it. Reasons
//! for rejecting a line ([`Rejection`]) never contain the line itself, so they can be logged.

use std::time::{Duration, Instant};

use regex::Regex;

/// What ends a scanned code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suffix {
    /// Carriage return (0x0D), the usual factory setting.
    Cr,
    /// Line feed (0x0A).
    Lf,
    /// CR then LF.
    CrLf,
    /// CR, LF or CRLF, whichever comes (empty lines are skipped).
    Any,
    /// Any other byte sequence, e.g. a tab or `#`.
    Custom(Vec<u8>),
}

impl Suffix {
    /// Reads a configuration value: `cr`, `lf`, `crlf`, `any`, or the suffix itself
    /// (e.g. `"\t"` or `"#"`). An empty value is refused.
    pub fn parse(value: &str) -> Result<Self, BarcodeConfigError> {
        Ok(match value.to_ascii_lowercase().as_str() {
            "cr" => Suffix::Cr,
            "lf" => Suffix::Lf,
            "crlf" => Suffix::CrLf,
            "any" => Suffix::Any,
            "" => return Err(BarcodeConfigError::EmptySuffix),
            _ => Suffix::Custom(value.as_bytes().to_vec()),
        })
    }

    /// The bytes a scanner appends (for [`Suffix::Any`], CR).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Suffix::Cr | Suffix::Any => b"\r",
            Suffix::Lf => b"\n",
            Suffix::CrLf => b"\r\n",
            Suffix::Custom(bytes) => bytes,
        }
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BarcodeConfigError {
    /// The suffix is empty.
    #[error("the suffix is empty: use cr, lf, crlf, any or the suffix characters")]
    EmptySuffix,
    /// The pattern is not a valid regular expression.
    #[error("pattern is not a valid regular expression: {0}")]
    Pattern(#[from] regex::Error),
    /// The check digit scheme is unknown.
    #[error("'{0}': use none, ean13 or luhn")]
    CheckDigit(String),
    /// The lengths are inconsistent.
    #[error("min_length {min} is greater than max_length {max}")]
    Lengths {
        /// Minimum length.
        min: usize,
        /// Maximum length.
        max: usize,
    },
}

/// Why a line was not accepted as a card code. Never carries the line itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The line grew past the framer's limit without a suffix (noise, wrong baud rate).
    #[error("line longer than {max} bytes without a suffix")]
    Overlong {
        /// The limit.
        max: usize,
    },
    /// Bytes sat without a suffix for too long (a cut-off scan).
    #[error("{len} bytes without a suffix, discarded")]
    Unterminated {
        /// How many bytes were discarded.
        len: usize,
    },
    /// The line has bytes outside printable ASCII (line noise, wrong baud rate).
    #[error("{len}-byte line with non-printable bytes")]
    NotPrintable {
        /// Length of the line.
        len: usize,
    },
    /// Too short.
    #[error("{len} characters, at least {min} expected")]
    TooShort {
        /// Length of the code.
        len: usize,
        /// Minimum.
        min: usize,
    },
    /// Too long.
    #[error("{len} characters, at most {max} expected")]
    TooLong {
        /// Length of the code.
        len: usize,
        /// Maximum.
        max: usize,
    },
    /// Does not match the configured pattern.
    #[error("{len} characters not matching the configured pattern")]
    Pattern {
        /// Length of the code.
        len: usize,
    },
    /// The check digit is wrong.
    #[error("wrong {scheme} check digit")]
    CheckDigit {
        /// The scheme.
        scheme: CheckDigit,
    },
}

/// Cuts a byte stream into lines at the configured suffix.
#[derive(Debug)]
pub struct LineFramer {
    suffix: Suffix,
    max_len: usize,
    buf: Vec<u8>,
    /// True while discarding an overlong line up to its next suffix.
    skipping: bool,
    last_byte: Option<Instant>,
}

impl LineFramer {
    /// A framer for `suffix`, refusing lines longer than `max_len` bytes.
    pub fn new(suffix: Suffix, max_len: usize) -> Self {
        Self { suffix, max_len: max_len.max(1), buf: Vec::new(), skipping: false, last_byte: None }
    }

    /// Forgets any partial line (after a reconnection).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.skipping = false;
        self.last_byte = None;
    }

    /// Feeds bytes; returns the complete lines (without suffix) and the overlong rejections.
    pub fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<Result<Vec<u8>, Rejection>> {
        let mut out = Vec::new();
        if !bytes.is_empty() {
            self.last_byte = Some(now);
        }
        for &b in bytes {
            self.buf.push(b);
            if let Some(line_len) = self.line_end() {
                let line = self.buf[..line_len].to_vec();
                self.buf.clear();
                if std::mem::take(&mut self.skipping) {
                    continue;
                }
                // Blank lines (e.g. the LF of a CRLF read with a CR suffix) are not scans.
                if line.trim_ascii().is_empty() {
                    continue;
                }
                out.push(Ok(line));
            } else if self.buf.len() > self.max_len + self.suffix.bytes().len() {
                if !self.skipping {
                    out.push(Err(Rejection::Overlong { max: self.max_len }));
                    self.skipping = true;
                }
                // Keep only what could be the start of a suffix.
                let keep = self.suffix.bytes().len().saturating_sub(1);
                let cut = self.buf.len() - keep;
                self.buf.drain(..cut);
            }
        }
        out
    }

    /// Discards a partial line that has waited more than `stale` for its suffix.
    pub fn expire(&mut self, now: Instant, stale: Duration) -> Option<Rejection> {
        let last = self.last_byte?;
        if self.buf.is_empty() || now.duration_since(last) < stale {
            return None;
        }
        let len = self.buf.len();
        let blank = self.buf.trim_ascii().is_empty();
        let was_skipping = self.skipping;
        self.reset();
        (!was_skipping && !blank).then_some(Rejection::Unterminated { len })
    }

    /// If the buffer ends with a suffix, the length of the line before it.
    fn line_end(&self) -> Option<usize> {
        let buf = &self.buf;
        match &self.suffix {
            Suffix::Any => match buf.last() {
                Some(b'\r' | b'\n') => Some(buf.len() - 1),
                _ => None,
            },
            suffix => buf.ends_with(suffix.bytes()).then(|| buf.len() - suffix.bytes().len()),
        }
    }
}

/// Check digit schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckDigit {
    /// No check digit.
    None,
    /// EAN-13 (13 digits, weights 1 and 3), as on books and many library cards.
    Ean13,
    /// Luhn (mod 10), as on many membership and payment-style card numbers.
    Luhn,
}

impl CheckDigit {
    /// Reads `none`, `ean13` or `luhn`.
    pub fn parse(value: &str) -> Result<Self, BarcodeConfigError> {
        match value.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "none" | "" => Ok(CheckDigit::None),
            "ean13" => Ok(CheckDigit::Ean13),
            "luhn" => Ok(CheckDigit::Luhn),
            _ => Err(BarcodeConfigError::CheckDigit(value.to_string())),
        }
    }

    /// Whether `code` carries a valid check digit under this scheme.
    pub fn verify(self, code: &str) -> bool {
        let digits: Option<Vec<u32>> = code.chars().map(|c| c.to_digit(10)).collect();
        match (self, digits) {
            (CheckDigit::None, _) => true,
            (_, None) => false,
            (CheckDigit::Ean13, Some(d)) => {
                d.len() == 13 && {
                    let sum: u32 =
                        d[..12].iter().enumerate().map(|(i, v)| v * if i % 2 == 0 { 1 } else { 3 }).sum();
                    (10 - sum % 10) % 10 == d[12]
                }
            }
            (CheckDigit::Luhn, Some(d)) => {
                d.len() >= 2 && {
                    let sum: u32 = d
                        .iter()
                        .rev()
                        .enumerate()
                        .map(|(i, &v)| if i % 2 == 1 { if v * 2 > 9 { v * 2 - 9 } else { v * 2 } } else { v })
                        .sum();
                    sum.is_multiple_of(10)
                }
            }
        }
    }
}

impl std::fmt::Display for CheckDigit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CheckDigit::None => "none",
            CheckDigit::Ean13 => "EAN-13",
            CheckDigit::Luhn => "Luhn",
        })
    }
}

/// What a scanned line must satisfy to be a card code.
#[derive(Debug, Clone)]
pub struct Validation {
    /// Minimum number of characters.
    pub min_len: usize,
    /// Maximum number of characters.
    pub max_len: usize,
    /// The whole code must match this pattern (anchored at both ends).
    pub pattern: Option<Regex>,
    /// Check digit scheme.
    pub check_digit: CheckDigit,
}

impl Default for Validation {
    /// 4 to 64 characters, no pattern, no check digit.
    fn default() -> Self {
        Self { min_len: 4, max_len: 64, pattern: None, check_digit: CheckDigit::None }
    }
}

impl Validation {
    /// A validation from configuration values; the pattern must match the whole code.
    pub fn new(
        min_len: usize,
        max_len: usize,
        pattern: Option<&str>,
        check_digit: CheckDigit,
    ) -> Result<Self, BarcodeConfigError> {
        if min_len > max_len {
            return Err(BarcodeConfigError::Lengths { min: min_len, max: max_len });
        }
        let pattern = pattern.map(|p| Regex::new(&format!("^(?:{p})$"))).transpose()?;
        Ok(Self { min_len, max_len, pattern, check_digit })
    }

    /// The code in `line`, or why it is refused. Spaces, tabs, CR and LF around the code are
    /// dropped first, so a scanner sending CRLF read with a CR (or LF) suffix still works.
    pub fn check(&self, line: &[u8]) -> Result<String, Rejection> {
        let line = line.trim_ascii();
        let len = line.len();
        if !line.iter().all(|b| (0x20..0x7f).contains(b)) {
            return Err(Rejection::NotPrintable { len });
        }
        let code = String::from_utf8_lossy(line).into_owned();
        let len = code.len();
        if len < self.min_len {
            return Err(Rejection::TooShort { len, min: self.min_len });
        }
        if len > self.max_len {
            return Err(Rejection::TooLong { len, max: self.max_len });
        }
        if let Some(pattern) = &self.pattern
            && !pattern.is_match(&code)
        {
            return Err(Rejection::Pattern { len });
        }
        if !self.check_digit.verify(&code) {
            return Err(Rejection::CheckDigit { scheme: self.check_digit });
        }
        Ok(code)
    }
}

/// Drops a code seen again within the window: one press of the trigger, one read.
///
/// The window runs from the *last time the code was seen*, so a scanner left pointing at a card
/// in continuous mode reads it once; another code is always accepted at once.
#[derive(Debug)]
pub struct Debouncer {
    window: Duration,
    last: Option<(String, Instant)>,
}

impl Debouncer {
    /// A debouncer with the given window (zero disables it).
    pub fn new(window: Duration) -> Self {
        Self { window, last: None }
    }

    /// Whether `code`, seen at `now`, is a new read.
    pub fn accept(&mut self, code: &str, now: Instant) -> bool {
        let repeated =
            matches!(&self.last, Some((last, at)) if last == code && now.duration_since(*at) < self.window);
        self.last = Some((code.to_string(), now));
        !repeated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(suffix: Suffix, input: &[&[u8]]) -> Vec<Result<Vec<u8>, Rejection>> {
        let mut framer = LineFramer::new(suffix, 16);
        let now = Instant::now();
        input.iter().flat_map(|chunk| framer.push(chunk, now)).collect()
    }

    #[test]
    fn frames_each_suffix_even_split_across_reads() {
        assert_eq!(
            lines(Suffix::Cr, &[b"12", b"34\r56", b"78\r"]),
            vec![Ok(b"1234".to_vec()), Ok(b"5678".to_vec())]
        );
        assert_eq!(
            lines(Suffix::CrLf, &[b"1234\r", b"\n5678\r\n"]),
            vec![Ok(b"1234".to_vec()), Ok(b"5678".to_vec())]
        );
        assert_eq!(lines(Suffix::Any, &[b"1234\r\n5678\n9999\r"]).len(), 3);
        assert_eq!(lines(Suffix::Custom(b"#".to_vec()), &[b"12\r34#"]), vec![Ok(b"12\r34".to_vec())]);
    }

    #[test]
    fn overlong_lines_are_rejected_once_and_the_next_line_survives() {
        let got = lines(Suffix::Cr, &[&[b'7'; 40], b"\r1234\r"]);
        assert_eq!(got, vec![Err(Rejection::Overlong { max: 16 }), Ok(b"1234".to_vec())]);
    }

    #[test]
    fn a_partial_line_expires() {
        let mut framer = LineFramer::new(Suffix::Cr, 16);
        let t0 = Instant::now();
        assert!(framer.push(b"12", t0).is_empty());
        assert_eq!(framer.expire(t0 + Duration::from_millis(100), Duration::from_secs(1)), None);
        assert_eq!(
            framer.expire(t0 + Duration::from_secs(2), Duration::from_secs(1)),
            Some(Rejection::Unterminated { len: 2 })
        );
        assert_eq!(framer.push(b"3456\r", t0), vec![Ok(b"3456".to_vec())]);
        // A lone LF left over (CRLF read with a CR suffix) expires silently.
        assert!(framer.push(b"\n", t0).is_empty());
        assert_eq!(framer.expire(t0 + Duration::from_secs(2), Duration::from_secs(1)), None);
    }

    #[test]
    fn check_digits() {
        assert!(CheckDigit::Ean13.verify("9782070612888"));
        assert!(!CheckDigit::Ean13.verify("9782070612887"));
        assert!(!CheckDigit::Ean13.verify("978207061288"));
        assert!(CheckDigit::Luhn.verify("79927398713"));
        assert!(!CheckDigit::Luhn.verify("79927398710"));
        assert!(!CheckDigit::Luhn.verify("7992739871A"));
    }

    #[test]
    fn validation_reasons_do_not_contain_the_code() {
        let v = Validation::new(6, 13, Some("29[0-9]+"), CheckDigit::None).expect("valid");
        assert_eq!(v.check(b"2912345"), Ok("2912345".to_string()));
        assert_eq!(v.check(b"\n2912345\r"), Ok("2912345".to_string()));
        assert_eq!(v.check(b"3912345"), Err(Rejection::Pattern { len: 7 }));
        assert_eq!(v.check(b"29"), Err(Rejection::TooShort { len: 2, min: 6 }));
        assert_eq!(v.check(b"29\x01\xff45"), Err(Rejection::NotPrintable { len: 6 }));
        let reason = v.check(b"3912345").expect_err("refused").to_string();
        assert!(!reason.contains("3912345"), "{reason}");
        assert!(Validation::new(9, 3, None, CheckDigit::None).is_err());
        assert!(Validation::new(1, 3, Some("(["), CheckDigit::None).is_err());
    }

    #[test]
    fn debounce_drops_repeats_within_the_window_only() {
        let mut d = Debouncer::new(Duration::from_millis(500));
        let t0 = Instant::now();
        assert!(d.accept("1234", t0));
        assert!(!d.accept("1234", t0 + Duration::from_millis(300)));
        assert!(d.accept("5678", t0 + Duration::from_millis(350)));
        assert!(d.accept("1234", t0 + Duration::from_millis(400)));
        assert!(d.accept("1234", t0 + Duration::from_millis(1000)));
    }
}

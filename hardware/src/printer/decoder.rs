//! ESC/POS decoder: splits a byte stream into the commands the simulator understands.
//!
//! The simulator must read exactly what a real printer reads, including streams cut anywhere by
//! serial reads, so [`decode`] looks at the front of a buffer and says either which command is
//! there and how long it is, or that more bytes are needed. Commands outside the subset the kiosk
//! uses are reported as [`Command::Unknown`] (a test asserts there are none).

/// One decoded ESC/POS command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Printable bytes (0x20..=0xFF except 0x7F), in the current code page.
    Text(Vec<u8>),
    /// `LF`: print the line.
    LineFeed,
    /// `CR`: ignored in line mode.
    CarriageReturn,
    /// `ESC @`
    Init,
    /// `ESC t n`
    CodePage(u8),
    /// `ESC E n`
    Bold(bool),
    /// `ESC - n` (0 off, 1 or 2 dots)
    Underline(u8),
    /// `GS B n`
    Reverse(bool),
    /// `ESC a n`
    Align(u8),
    /// `GS ! n` (high nibble width, low nibble height multiplier minus one)
    Size(u8),
    /// `ESC d n`
    Feed(u8),
    /// `GS V m [n]`
    Cut,
    /// `GS ( k` with cn = 49 (QR): function and parameters.
    Qr {
        /// fn: 65 model, 67 module size, 69 error level, 80 store, 81 print, 82 size info.
        function: u8,
        /// The parameters after fn.
        params: Vec<u8>,
    },
    /// `GS v 0 m xL xH yL yH d…`
    Raster {
        /// Bytes per row.
        row_bytes: usize,
        /// Rows.
        height: usize,
        /// Packed dots, MSB first, 1 = black.
        data: Vec<u8>,
    },
    /// `DLE EOT n`: real-time status request.
    Status(u8),
    /// Anything else: the bytes it was recognised by.
    Unknown(Vec<u8>),
}

/// The command at the front of `buf` and its length, or `None` if `buf` ends inside it.
pub fn decode(buf: &[u8]) -> Option<(Command, usize)> {
    let first = *buf.first()?;
    let at = |i: usize| buf.get(i).copied();
    Some(match first {
        0x0A => (Command::LineFeed, 1),
        0x0D => (Command::CarriageReturn, 1),
        0x10 => match at(1)? {
            0x04 => (Command::Status(at(2)?), 3),
            other => (Command::Unknown(vec![0x10, other]), 2),
        },
        0x1B => {
            let op = at(1)?;
            match op {
                b'@' => (Command::Init, 2),
                b't' => (Command::CodePage(at(2)?), 3),
                b'E' => (Command::Bold(at(2)? & 1 == 1), 3),
                b'-' => (Command::Underline(at(2)? % 48), 3),
                b'a' => (Command::Align(at(2)? % 48), 3),
                b'd' => (Command::Feed(at(2)?), 3),
                other => (Command::Unknown(vec![0x1B, other]), 2),
            }
        }
        0x1D => {
            let op = at(1)?;
            match op {
                b'B' => (Command::Reverse(at(2)? & 1 == 1), 3),
                b'!' => (Command::Size(at(2)?), 3),
                b'V' => {
                    let m = at(2)?;
                    if matches!(m, 65 | 66 | 97 | 98 | 103 | 104) {
                        at(3)?;
                        (Command::Cut, 4)
                    } else {
                        (Command::Cut, 3)
                    }
                }
                b'(' => {
                    let kind = at(2)?;
                    let len = usize::from(at(3)?) | (usize::from(at(4)?) << 8);
                    let end = 5 + len;
                    if buf.len() < end {
                        return None;
                    }
                    if kind == b'k' && len >= 2 && buf[5] == 49 {
                        (Command::Qr { function: buf[6], params: buf[7..end].to_vec() }, end)
                    } else {
                        (Command::Unknown(buf[..5].to_vec()), end)
                    }
                }
                b'v' => {
                    if at(2)? != b'0' {
                        return Some((Command::Unknown(vec![0x1D, b'v']), 2));
                    }
                    let row_bytes = usize::from(at(4)?) | (usize::from(at(5)?) << 8);
                    let height = usize::from(at(6)?) | (usize::from(at(7)?) << 8);
                    let end = 8 + row_bytes * height;
                    if buf.len() < end {
                        return None;
                    }
                    (Command::Raster { row_bytes, height, data: buf[8..end].to_vec() }, end)
                }
                other => (Command::Unknown(vec![0x1D, other]), 2),
            }
        }
        0x20..=0x7E | 0x80..=0xFF => {
            let len = buf.iter().take_while(|&&b| matches!(b, 0x20..=0x7E | 0x80..=0xFF)).count();
            (Command::Text(buf[..len].to_vec()), len)
        }
        other => (Command::Unknown(vec![other]), 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_commands_wait_for_more_bytes() {
        assert_eq!(decode(&[0x1B]), None);
        assert_eq!(decode(&[0x1D, b'v', b'0', 0, 1, 0, 2, 0, 0xFF]), None);
        assert_eq!(decode(&[0x1D, b'(', b'k', 4, 0, 49, 80]), None);
    }

    #[test]
    fn text_stops_at_the_first_control_byte() {
        assert_eq!(decode(b"ab\xe9\ncd"), Some((Command::Text(b"ab\xe9".to_vec()), 3)));
        assert_eq!(decode(&[0x10, 0x04, 0x02, 0x41]), Some((Command::Status(2), 3)));
        assert_eq!(decode(&[0x18]), Some((Command::Unknown(vec![0x18]), 1)));
    }
}

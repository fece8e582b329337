//! ESC/POS command encoder: turns layout calls into the bytes a receipt printer understands.
//!
//! The kiosk only needs a small, well-understood subset of ESC/POS, so it is written here rather
//! than taken from the `escpos` crate: that crate sends a CAN byte before each image (reported as
//! an unknown command by the emupos reference emulator), pulls in `image` for bitmaps, and its
//! serial driver needs libudev. Every command below is checked by the emupos oracle test.
//!
//! | call | bytes |
//! |---|---|
//! | [`Encoder::init`] | `ESC @`, `ESC t n` (the reset also resets the code page) |
//! | [`Encoder::bold`] / [`underline`](Encoder::underline) / [`reverse`](Encoder::reverse) | `ESC E n` / `ESC - n` / `GS B n` |
//! | [`Encoder::align`] | `ESC a n` |
//! | [`Encoder::size`] | `GS ! n` |
//! | [`Encoder::qr`] | `GS ( k` model 2, module size, error level M, store, print |
//! | [`Encoder::raster`] | `GS v 0` |
//! | [`Encoder::feed`] / [`cut`](Encoder::cut) | `ESC d n` / `GS V 66 0` |
//!
//! Text goes through the [`CodePage`], which never emits a control byte, so text cannot smuggle
//! commands in (visitor text is also cleaned by [`crate::sanitize::printable_text`] first).

use super::codepage::CodePage;
use super::raster::Raster;

/// `ESC`
pub const ESC: u8 = 0x1B;
/// `GS`
pub const GS: u8 = 0x1D;
/// `DLE`
pub const DLE: u8 = 0x10;
/// `EOT`
pub const EOT: u8 = 0x04;
/// Line feed: prints the line buffer.
pub const LF: u8 = 0x0A;

/// Horizontal alignment (`ESC a n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left = 0,
    /// Centred.
    Center = 1,
    /// Flush right.
    Right = 2,
}

/// Why a command cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A QR payload longer than a version-40 QR code at level M holds (2331 bytes).
    #[error("QR payload of {0} bytes is too long")]
    QrTooLong(usize),
    /// An image wider or higher than `GS v 0` allows.
    #[error("image of {width}x{height} dots is too large for GS v 0")]
    ImageTooLarge {
        /// Width in dots.
        width: u32,
        /// Height in dots.
        height: u32,
    },
}

/// Builds one ESC/POS byte stream.
#[derive(Debug, Clone)]
pub struct Encoder {
    page: CodePage,
    out: Vec<u8>,
}

impl Encoder {
    /// An empty stream whose text will be encoded in `page`.
    pub fn new(page: CodePage) -> Self {
        Self { page, out: Vec::with_capacity(2048) }
    }

    /// `ESC @` then `ESC t n`: resets the printer's modes and selects the code page.
    pub fn init(&mut self) -> &mut Self {
        self.out.extend_from_slice(&[ESC, b'@', ESC, b't', self.page.number()]);
        self
    }

    /// Text in the current style; `\n` ends a line. Control characters are dropped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            if c == '\n' {
                self.out.push(LF);
            } else {
                self.page.encode_char(c, &mut self.out);
            }
        }
        self
    }

    /// Text followed by a line feed.
    pub fn line(&mut self, text: &str) -> &mut Self {
        self.text(text);
        self.out.push(LF);
        self
    }

    /// An empty line.
    pub fn blank(&mut self) -> &mut Self {
        self.out.push(LF);
        self
    }

    /// Bold on or off (`ESC E n`).
    pub fn bold(&mut self, on: bool) -> &mut Self {
        self.out.extend_from_slice(&[ESC, b'E', u8::from(on)]);
        self
    }

    /// Underline on or off (`ESC - n`, one-dot line).
    pub fn underline(&mut self, on: bool) -> &mut Self {
        self.out.extend_from_slice(&[ESC, b'-', u8::from(on)]);
        self
    }

    /// White on black on or off (`GS B n`).
    pub fn reverse(&mut self, on: bool) -> &mut Self {
        self.out.extend_from_slice(&[GS, b'B', u8::from(on)]);
        self
    }

    /// Alignment of the following lines (`ESC a n`).
    pub fn align(&mut self, align: Align) -> &mut Self {
        self.out.extend_from_slice(&[ESC, b'a', align as u8]);
        self
    }

    /// Character size (`GS ! n`): `double` doubles width and height.
    pub fn size(&mut self, double: bool) -> &mut Self {
        self.out.extend_from_slice(&[GS, b'!', if double { 0x11 } else { 0x00 }]);
        self
    }

    /// A QR code (model 2, error correction M) of `payload`, `module` dots per module (1..=16).
    pub fn qr(&mut self, payload: &str, module: u8) -> Result<&mut Self, EncodeError> {
        let data = payload.as_bytes();
        if data.len() > 2331 {
            return Err(EncodeError::QrTooLong(data.len()));
        }
        let module = module.clamp(1, 16);
        let store_len = data.len() + 3;
        let (pl, ph) = ((store_len & 0xFF) as u8, (store_len >> 8) as u8);
        self.out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]); // model 2
        self.out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, module]); // module size
        self.out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 49]); // error correction M
        self.out.extend_from_slice(&[GS, b'(', b'k', pl, ph, 49, 80, 48]); // store
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]); // print
        Ok(self)
    }

    /// A one-bit image (`GS v 0`, normal density).
    pub fn raster(&mut self, image: &Raster) -> Result<&mut Self, EncodeError> {
        let row = image.row_bytes();
        if row > 0xFFFF || image.height() > 0xFFFF || row == 0 || image.height() == 0 {
            return Err(EncodeError::ImageTooLarge { width: image.width(), height: image.height() });
        }
        let (xl, xh) = ((row & 0xFF) as u8, (row >> 8) as u8);
        let (yl, yh) = ((image.height() & 0xFF) as u8, (image.height() >> 8) as u8);
        self.out.extend_from_slice(&[GS, b'v', b'0', 0, xl, xh, yl, yh]);
        self.out.extend_from_slice(image.bits());
        Ok(self)
    }

    /// Prints the buffer and feeds `lines` lines (`ESC d n`).
    pub fn feed(&mut self, lines: u8) -> &mut Self {
        self.out.extend_from_slice(&[ESC, b'd', lines]);
        self
    }

    /// Feeds to the cutter and cuts (`GS V 66 0`).
    pub fn cut(&mut self) -> &mut Self {
        self.out.extend_from_slice(&[GS, b'V', 66, 0]);
        self
    }

    /// The bytes so far.
    pub fn bytes(&self) -> &[u8] {
        &self.out
    }

    /// The finished stream.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// The real-time status requests `DLE EOT 1`, `DLE EOT 2`, `DLE EOT 4`, in that order.
pub const STATUS_REQUESTS: [u8; 9] = [DLE, EOT, 1, DLE, EOT, 2, DLE, EOT, 4];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_selects_the_code_page_after_the_reset() {
        let mut e = Encoder::new(CodePage::PC858);
        e.init();
        assert_eq!(e.bytes(), [0x1B, 0x40, 0x1B, 0x74, 19]);
    }

    #[test]
    fn qr_store_length_counts_the_three_header_bytes() {
        let mut e = Encoder::new(CodePage::WPC1252);
        e.qr("https://x.fr", 6).expect("short payload");
        let b = e.bytes();
        let store = b.windows(3).position(|w| w == [49, 80, 48]).expect("store command");
        assert_eq!(u16::from_le_bytes([b[store - 2], b[store - 1]]), 12 + 3);
    }

    #[test]
    fn raster_header_gives_bytes_per_row_and_height() {
        let mut e = Encoder::new(CodePage::WPC1252);
        e.raster(&Raster::new(20, 3)).expect("small image");
        assert_eq!(&e.bytes()[..8], [0x1D, b'v', b'0', 0, 3, 0, 3, 0]);
        assert_eq!(e.bytes().len(), 8 + 9);
    }
}

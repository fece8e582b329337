//! PN532 HSU (UART) frames: encoding, and a streaming decoder that resynchronises on noise.
//!
//! Shared by the driver (host side, TFI `D4`) and the simulator (chip side, TFI `D5`), so both
//! speak exactly the same bytes. Frame layout (PN532 user manual §6.2):
//!
//! - information frame `00 00 FF LEN LCS TFI PD… DCS 00`, with `LEN + LCS ≡ 0` and
//!   `TFI + ΣPD + DCS ≡ 0 (mod 256)`; extended frame `00 00 FF FF FF LENM LENL LCS TFI PD… DCS 00`;
//! - ACK `00 00 FF 00 FF 00`, NACK `00 00 FF FF 00 00`, error frame `00 00 FF 01 FF 7F 81 00`.
//!
//! The decoder searches for the `00 FF` start code, so any number of `00` preamble or postamble
//! bytes is fine, and reports bad checksums and skipped garbage as [`FrameFault`]s instead of
//! failing: a read may hold several frames, part of one, or noise.

/// Frame identifier of host → PN532 frames.
pub const TFI_HOST: u8 = 0xD4;
/// Frame identifier of PN532 → host frames.
pub const TFI_CHIP: u8 = 0xD5;
/// TFI of the application-level error frame.
pub const TFI_ERROR: u8 = 0x7F;
/// The ACK frame.
pub const ACK: [u8; 6] = [0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
/// The NACK frame ("send your last response again").
pub const NACK: [u8; 6] = [0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00];
/// The error frame (syntax error in the last command).
pub const ERROR_FRAME: [u8; 8] = [0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00];
/// HSU wake-up as libnfc sends it: two `0x55` then zeros, followed at once by SAMConfiguration.
pub const WAKE_UP: [u8; 16] = [0x55, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
/// Most bytes a frame carries after its TFI (PN532 limit: 264 data bytes).
pub const MAX_DATA: usize = 264;

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Acknowledgement.
    Ack,
    /// Negative acknowledgement.
    Nack,
    /// Application-level error frame.
    Error,
    /// Information frame.
    Info {
        /// `D4` (host → chip) or `D5` (chip → host).
        tfi: u8,
        /// The bytes after the TFI: command code then parameters.
        data: Vec<u8>,
    },
}

/// Something in the byte stream that is not a valid frame; the decoder has skipped past it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameFault {
    /// Bytes before a start code that were neither preamble nor postamble.
    #[error("{0} garbage byte(s) skipped")]
    Garbage(usize),
    /// `LEN + LCS` is not 0 modulo 256.
    #[error("bad length checksum")]
    BadLengthChecksum,
    /// `TFI + data + DCS` is not 0 modulo 256.
    #[error("bad data checksum")]
    BadDataChecksum,
    /// A frame with a length of zero or over the PN532 limit.
    #[error("impossible frame length {0}")]
    BadLength(usize),
}

/// A frame that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} data bytes do not fit in a PN532 frame (at most {MAX_DATA})")]
pub struct TooLong(pub usize);

/// Encodes an information frame: `tfi` then `data` (command code and parameters).
pub fn encode(tfi: u8, data: &[u8]) -> Result<Vec<u8>, TooLong> {
    if data.len() > MAX_DATA {
        return Err(TooLong(data.len()));
    }
    let len = data.len() + 1;
    let mut out = Vec::with_capacity(len + 10);
    out.extend_from_slice(&[0x00, 0x00, 0xFF]);
    if len <= 0xFF {
        let len = len as u8;
        out.extend_from_slice(&[len, len.wrapping_neg()]);
    } else {
        let (m, l) = ((len >> 8) as u8, (len & 0xFF) as u8);
        out.extend_from_slice(&[0xFF, 0xFF, m, l, m.wrapping_add(l).wrapping_neg()]);
    }
    out.push(tfi);
    out.extend_from_slice(data);
    let sum = data.iter().fold(tfi, |acc, b| acc.wrapping_add(*b));
    out.push(sum.wrapping_neg());
    out.push(0x00);
    Ok(out)
}

/// Streaming decoder: push bytes as they arrive, pull frames and faults in order.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that do not yet make a frame (besides zero padding). Non-zero after a
    /// response timeout means a truncated frame.
    pub fn pending(&self) -> usize {
        if self.buf.iter().all(|&b| b == 0) { 0 } else { self.buf.len() }
    }

    /// Drops everything held.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// The next frame or fault, or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, FrameFault>> {
        // Find the start code 00 FF.
        let Some(start) = self.buf.windows(2).position(|w| w == [0x00, 0xFF]) else {
            // Keep a trailing 00 (it may begin a start code); report what else is dropped.
            let keep = usize::from(self.buf.last() == Some(&0x00));
            let dropped = self.buf.len() - keep;
            let garbage = self.buf[..dropped].iter().filter(|&&b| b != 0x00).count();
            self.buf.drain(..dropped);
            return (garbage > 0).then_some(Err(FrameFault::Garbage(garbage)));
        };
        let garbage = self.buf[..start].iter().filter(|&&b| b != 0x00).count();
        if garbage > 0 {
            self.buf.drain(..start);
            return Some(Err(FrameFault::Garbage(garbage)));
        }
        let body = &self.buf[start + 2..];
        if body.len() < 2 {
            return None;
        }
        let (len, lcs) = (body[0], body[1]);
        match (len, lcs) {
            (0x00, 0xFF) => return Some(Ok(self.consume(start + 4, Frame::Ack))),
            (0xFF, 0x00) => return Some(Ok(self.consume(start + 4, Frame::Nack))),
            _ => {}
        }
        // (header length after the start code, frame length)
        let (header, len) = if (len, lcs) == (0xFF, 0xFF) {
            if body.len() < 5 {
                return None;
            }
            let (m, l, cs) = (body[2], body[3], body[4]);
            if m.wrapping_add(l).wrapping_add(cs) != 0 {
                return Some(Err(self.skip_start(start, FrameFault::BadLengthChecksum)));
            }
            (5, usize::from(m) << 8 | usize::from(l))
        } else {
            if len.wrapping_add(lcs) != 0 {
                return Some(Err(self.skip_start(start, FrameFault::BadLengthChecksum)));
            }
            (2, usize::from(len))
        };
        if len == 0 || len > MAX_DATA + 1 {
            return Some(Err(self.skip_start(start, FrameFault::BadLength(len))));
        }
        if body.len() < header + len + 1 {
            return None;
        }
        let payload = &body[header..header + len];
        let dcs = body[header + len];
        if payload.iter().fold(dcs, |acc, b| acc.wrapping_add(*b)) != 0 {
            return Some(Err(self.skip_start(start, FrameFault::BadDataChecksum)));
        }
        let frame = match payload {
            [TFI_ERROR] => Frame::Error,
            [tfi, data @ ..] => Frame::Info { tfi: *tfi, data: data.to_vec() },
            [] => return Some(Err(self.skip_start(start, FrameFault::BadLength(0)))),
        };
        Some(Ok(self.consume(start + 2 + header + len + 1, frame)))
    }

    fn consume(&mut self, end: usize, frame: Frame) -> Frame {
        self.buf.drain(..end);
        frame
    }

    /// Skips past a start code that led to a bad frame, so the search resumes after it.
    fn skip_start(&mut self, start: usize, fault: FrameFault) -> FrameFault {
        self.buf.drain(..start + 2);
        fault
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Vec<Result<Frame, FrameFault>> {
        let mut d = Decoder::new();
        d.push(bytes);
        std::iter::from_fn(|| d.next_frame()).collect()
    }

    #[test]
    fn encodes_the_frames_of_the_user_manual() {
        assert_eq!(
            encode(TFI_HOST, &[0x14, 0x01, 0x14, 0x01]).expect("fits"),
            [0x00, 0x00, 0xFF, 0x05, 0xFB, 0xD4, 0x14, 0x01, 0x14, 0x01, 0x02, 0x00]
        );
        assert_eq!(
            encode(TFI_HOST, &[0x4A, 0x01, 0x00]).expect("fits"),
            [0x00, 0x00, 0xFF, 0x04, 0xFC, 0xD4, 0x4A, 0x01, 0x00, 0xE1, 0x00]
        );
        let card = [0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 0xDE, 0xAD, 0xBE, 0xEF];
        assert_eq!(
            encode(TFI_CHIP, &card).expect("fits"),
            [
                0x00, 0x00, 0xFF, 0x0C, 0xF4, 0xD5, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 0xDE, 0xAD,
                0xBE, 0xEF, 0x96, 0x00
            ]
        );
        assert_eq!(encode(TFI_HOST, &[0; MAX_DATA + 1]), Err(TooLong(MAX_DATA + 1)));
    }

    #[test]
    fn decodes_ack_and_response_from_one_read() {
        let mut bytes = ACK.to_vec();
        bytes.extend(encode(TFI_CHIP, &[0x15]).expect("fits"));
        assert_eq!(
            decode_all(&bytes),
            vec![Ok(Frame::Ack), Ok(Frame::Info { tfi: TFI_CHIP, data: vec![0x15] })]
        );
        assert_eq!(decode_all(&NACK), vec![Ok(Frame::Nack)]);
        assert_eq!(decode_all(&ERROR_FRAME), vec![Ok(Frame::Error)]);
    }

    #[test]
    fn extended_frames_round_trip() {
        let data: Vec<u8> = (0..=255u8).chain(0..8).collect();
        let bytes = encode(TFI_CHIP, &data).expect("fits");
        assert_eq!(&bytes[3..5], &[0xFF, 0xFF]);
        assert_eq!(decode_all(&bytes), vec![Ok(Frame::Info { tfi: TFI_CHIP, data })]);
    }

    #[test]
    fn resynchronises_after_garbage_and_bad_checksums() {
        let good = encode(TFI_CHIP, &[0x03, 0x32, 0x01, 0x06, 0x07]).expect("fits");
        let mut bad_dcs = good.clone();
        let n = bad_dcs.len();
        bad_dcs[n - 2] ^= 0x5A;
        let mut bad_lcs = good.clone();
        bad_lcs[4] ^= 0x01;
        let mut stream = vec![0x13, 0x37, 0xAA];
        stream.extend(&bad_dcs);
        stream.extend(&bad_lcs);
        stream.extend(&good);
        let got = decode_all(&stream);
        assert_eq!(got[0], Err(FrameFault::Garbage(3)));
        assert!(got.contains(&Err(FrameFault::BadDataChecksum)), "{got:?}");
        assert!(got.contains(&Err(FrameFault::BadLengthChecksum)), "{got:?}");
        assert_eq!(
            got.last(),
            Some(&Ok(Frame::Info { tfi: TFI_CHIP, data: vec![0x03, 0x32, 0x01, 0x06, 0x07] }))
        );
    }

    #[test]
    fn a_truncated_frame_waits_then_shows_as_pending() {
        let good = encode(TFI_CHIP, &[0x4B, 0x00]).expect("fits");
        let mut d = Decoder::new();
        d.push(&good[..5]);
        assert_eq!(d.next_frame(), None);
        assert!(d.pending() > 0);
        d.push(&good[5..]);
        assert_eq!(d.next_frame(), Some(Ok(Frame::Info { tfi: TFI_CHIP, data: vec![0x4B, 0x00] })));
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        // A deterministic pseudo-random stream sprinkled with start codes.
        let mut x: u32 = 0x1234_5678;
        let mut d = Decoder::new();
        for round in 0..2000 {
            let mut chunk = Vec::new();
            for _ in 0..(round % 13) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                chunk.push(x as u8);
                if x.is_multiple_of(7) {
                    chunk.extend_from_slice(&[0x00, 0xFF]);
                }
            }
            d.push(&chunk);
            while d.next_frame().is_some() {}
        }
    }
}

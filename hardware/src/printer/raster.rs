//! One-bit images printed with `GS v 0`: the commune's logo and the simulator's page canvas.
//!
//! A [`Raster`] stores dots row by row, 8 per byte, most significant bit first, 1 = black: exactly
//! the layout `GS v 0` sends, so encoding is a copy. Logos come from PNG files (any colour type,
//! thresholded at mid grey, transparent = white), scaled down to fit the paper if needed.

use std::io::Cursor;

/// Why an image cannot be used as a logo.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    /// The PNG could not be decoded.
    #[error("cannot decode PNG: {0}")]
    Decode(#[from] png::DecodingError),
    /// The image is empty or larger than a printer accepts.
    #[error("image of {width}x{height} dots cannot be printed")]
    Size {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

/// A one-bit image, 1 = black dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    width: u32,
    height: u32,
    bits: Vec<u8>,
}

impl Raster {
    /// A white image of `width` x `height` dots.
    pub fn new(width: u32, height: u32) -> Self {
        let row = width.div_ceil(8) as usize;
        Self { width, height, bits: vec![0; row * height as usize] }
    }

    /// Width in dots.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in dots.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes per row.
    pub fn row_bytes(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// The packed rows, MSB first, 1 = black.
    pub fn bits(&self) -> &[u8] {
        &self.bits
    }

    /// An image from packed rows as `GS v 0` carries them; `None` if `bits` has the wrong length.
    pub fn from_bits(width: u32, height: u32, bits: Vec<u8>) -> Option<Self> {
        (bits.len() == width.div_ceil(8) as usize * height as usize).then_some(Self { width, height, bits })
    }

    /// Whether the dot at (`x`, `y`) is black (false outside the image).
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let byte = self.bits[y as usize * self.row_bytes() + (x / 8) as usize];
        byte & (0x80 >> (x % 8)) != 0
    }

    /// Makes the dot at (`x`, `y`) black or white (ignored outside the image).
    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x >= self.width || y >= self.height {
            return;
        }
        let index = y as usize * self.row_bytes() + (x / 8) as usize;
        let mask = 0x80 >> (x % 8);
        if black {
            self.bits[index] |= mask;
        } else {
            self.bits[index] &= !mask;
        }
    }

    /// Decodes a PNG into a one-bit image no wider than `max_width` dots (scaled down by an
    /// integer factor if needed).
    pub fn from_png(data: &[u8], max_width: u32) -> Result<Self, RasterError> {
        let mut decoder = png::Decoder::new(Cursor::new(data));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info()?;
        let size = reader.output_buffer_size().unwrap_or(0);
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf)?;
        let (width, height) = (info.width, info.height);
        if width == 0 || height == 0 || width > 4096 || height > 4096 || max_width == 0 {
            return Err(RasterError::Size { width, height });
        }
        let channels = info.color_type.samples();
        let luma = |x: u32, y: u32| -> bool {
            let at = (y as usize * info.width as usize + x as usize) * channels;
            let Some(px) = buf.get(at..at + channels) else { return false };
            let (value, alpha) = match channels {
                1 => (u32::from(px[0]), 255),
                2 => (u32::from(px[0]), u32::from(px[1])),
                3 => ((u32::from(px[0]) * 3 + u32::from(px[1]) * 6 + u32::from(px[2])) / 10, 255),
                _ => {
                    ((u32::from(px[0]) * 3 + u32::from(px[1]) * 6 + u32::from(px[2])) / 10, u32::from(px[3]))
                }
            };
            alpha >= 128 && value < 128
        };
        let factor = width.div_ceil(max_width).max(1);
        let mut out = Raster::new(width / factor, height / factor);
        for y in 0..out.height {
            for x in 0..out.width {
                out.set(x, y, luma(x * factor, y * factor));
            }
        }
        Ok(out)
    }

    /// Encodes the image as a one-bit greyscale PNG (black dots on white).
    pub fn to_png(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width.max(1), self.height.max(1));
            encoder.set_color(png::ColorType::Grayscale);
            encoder.set_depth(png::BitDepth::One);
            let mut writer = encoder.write_header()?;
            // PNG greyscale: 1 = white, so the bits are inverted.
            let data: Vec<u8> = if self.width == 0 || self.height == 0 {
                vec![0xFF]
            } else {
                self.bits.iter().map(|b| !b).collect()
            };
            writer.write_image_data(&data)?;
        }
        Ok(out)
    }

    /// The built-in Borne mark: a framed "B" pictogram of 96 x 48 dots, printed when the commune
    /// has no logo of its own (and on the test page).
    pub fn borne_mark() -> Self {
        let (w, h) = (96u32, 48u32);
        let mut r = Raster::new(w, h);
        for x in 0..w {
            for t in 0..3 {
                r.set(x, t, true);
                r.set(x, h - 1 - t, true);
            }
        }
        for y in 0..h {
            for t in 0..3 {
                r.set(t, y, true);
                r.set(w - 1 - t, y, true);
            }
        }
        // A kiosk screen: a filled rectangle with a stand.
        for y in 10..30 {
            for x in 30..66 {
                r.set(x, y, !(14..26).contains(&y) || !(34..62).contains(&x));
            }
        }
        for y in 30..40 {
            for x in 45..51 {
                r.set(x, y, true);
            }
        }
        for x in 36..60 {
            r.set(x, 40, true);
            r.set(x, 41, true);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip_keeps_every_dot() {
        let mark = Raster::borne_mark();
        let png = mark.to_png().expect("encodes");
        let back = Raster::from_png(&png, 576).expect("decodes");
        assert_eq!(back, mark);
    }

    #[test]
    fn wide_images_are_scaled_to_the_paper() {
        let wide = Raster::new(1000, 10);
        let png = wide.to_png().expect("encodes");
        let back = Raster::from_png(&png, 384).expect("decodes");
        assert!(back.width() <= 384 && back.width() >= 300, "{}", back.width());
    }
}

//! QR codes drawn for the screen: a link the visitor can scan with a phone to continue at home
//! ("Continuer sur votre téléphone"). Black modules on white with the 4-module quiet zone the QR
//! standard asks for, drawn into a pixel buffer so Slint shows it as an image.

use qrcode::{Color, QrCode};
use slint::{Image, Rgba8Pixel, SharedPixelBuffer};
use thiserror::Error;

/// White modules around the code, as the QR standard requires for readers to find it.
pub const QUIET_MODULES: u32 = 4;

/// Why a QR code could not be drawn.
#[derive(Debug, Error)]
pub enum QrError {
    /// The text does not fit in a QR code.
    #[error("cannot encode this link as a QR code: {0}")]
    Encode(#[from] qrcode::types::QrError),
    /// The picture would be too large to draw.
    #[error("the QR code picture would be too large ({0} pixels wide)")]
    TooLarge(u64),
}

/// The QR code of `text` as an RGBA pixel buffer at least `min_px` pixels wide (square), each
/// module a whole number of pixels so it stays sharp.
pub fn qr_pixels(text: &str, min_px: u32) -> Result<SharedPixelBuffer<Rgba8Pixel>, QrError> {
    let code = QrCode::new(text.as_bytes())?;
    let modules = u32::try_from(code.width()).map_err(|_| QrError::TooLarge(u64::MAX))?;
    let colors = code.to_colors();
    let total = modules + 2 * QUIET_MODULES;
    let module_px = min_px.div_ceil(total).max(1);
    let side = u64::from(total) * u64::from(module_px);
    let side = u32::try_from(side).ok().filter(|s| *s <= 4096).ok_or(QrError::TooLarge(side))?;
    let mut buffer = SharedPixelBuffer::<Rgba8Pixel>::new(side, side);
    let white = Rgba8Pixel { r: 255, g: 255, b: 255, a: 255 };
    let black = Rgba8Pixel { r: 0, g: 0, b: 0, a: 255 };
    let width = side as usize;
    for (i, pixel) in buffer.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = ((i % width) as u32 / module_px, (i / width) as u32 / module_px);
        let dark = x >= QUIET_MODULES
            && y >= QUIET_MODULES
            && x < QUIET_MODULES + modules
            && y < QUIET_MODULES + modules
            && colors
                .get(((y - QUIET_MODULES) * modules + (x - QUIET_MODULES)) as usize)
                .is_some_and(|c| *c == Color::Dark);
        *pixel = if dark { black } else { white };
    }
    Ok(buffer)
}

/// The QR code of `text` as a Slint image at least `min_px` pixels wide, or an empty image (with a
/// warning in the log) when it cannot be drawn: the rest of the screen still shows.
pub fn qr_image(text: &str, min_px: u32) -> Image {
    match qr_pixels(text, min_px) {
        Ok(buffer) => Image::from_rgba8(buffer),
        Err(e) => {
            tracing::warn!(error = %e, link = text, "no QR code for this link");
            Image::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(buffer: &SharedPixelBuffer<Rgba8Pixel>) -> String {
        let (w, h) = (buffer.width() as usize, buffer.height() as usize);
        let pixels = buffer.as_slice();
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x].r);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn the_code_is_big_enough_has_a_white_quiet_zone_and_decodes_to_the_link() {
        let link = "https://www.vernay-sur-loire.fr/etat-civil/actes";
        let buffer = qr_pixels(link, 300).expect("qr");
        assert!(buffer.width() >= 300 && buffer.width() == buffer.height(), "{}", buffer.width());
        assert!(buffer.width() < 400, "not much bigger than asked: {}", buffer.width());
        // The border (at least the quiet zone) is white; the code itself has black modules.
        let w = buffer.width() as usize;
        let pixels = buffer.as_slice();
        assert!(pixels[..w * 4].iter().all(|p| p.r == 255 && p.g == 255 && p.b == 255));
        assert!(pixels.iter().any(|p| p.r == 0));
        assert_eq!(decode(&buffer), link);
    }

    #[test]
    fn a_small_code_is_still_readable() {
        let buffer = qr_pixels("https://ants.gouv.fr", 120).expect("qr");
        assert!(buffer.width() >= 120);
        assert_eq!(decode(&buffer), "https://ants.gouv.fr");
    }

    #[test]
    fn text_too_long_for_a_qr_code_is_an_error_not_a_panic() {
        let long = "x".repeat(8000);
        assert!(matches!(qr_pixels(&long, 300), Err(QrError::Encode(_))));
        assert_eq!(qr_image(&long, 300).size().width, 0);
    }
}

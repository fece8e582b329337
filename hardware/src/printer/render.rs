//! The simulator's paper: applies decoded ESC/POS commands to a text dump and a one-bit image.
//!
//! The text dump follows the emupos reference emulator's conventions (one line per printed line,
//! trailing spaces removed, `[qr PAYLOAD]` and `[image WxH]` for graphics), so the same receipt
//! can be compared between the two. The image uses font A's 12 x 24 dot cell: glyphs come from
//! the public-domain `font8x8` set, scaled, with the few French characters it lacks (€, Œ, œ)
//! drawn here.

use font8x8::UnicodeFonts;

use super::codepage::{CodePage, Table};
use super::decoder::Command;
use super::raster::Raster;

const CELL_W: u32 = 12;
const CELL_H: u32 = 24;

/// A finished receipt as the simulator printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printout {
    /// One entry per printed line.
    pub lines: Vec<String>,
    /// The paper, 1 = black dot.
    pub image: Raster,
}

impl Printout {
    /// The text dump, one line per printed line.
    pub fn text(&self) -> String {
        let mut out = self.lines.join("\n");
        out.push('\n');
        out
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Style {
    bold: bool,
    underline: bool,
    reverse: bool,
    wide: u32,
    high: u32,
}

/// The paper being printed and the print modes in force.
#[derive(Debug, Clone)]
pub struct Paper {
    width: u32,
    page: Option<CodePage>,
    style: Style,
    align: u8,
    line: Vec<(char, Style)>,
    lines: Vec<String>,
    rows: Vec<Vec<bool>>,
    qr_module: u8,
    qr_data: Vec<u8>,
    unknown: Vec<Vec<u8>>,
}

impl Paper {
    /// Blank paper `width` dots wide, in the printer's power-on state.
    pub fn new(width: u32) -> Self {
        Self {
            width,
            page: None,
            style: Style { wide: 1, high: 1, ..Style::default() },
            align: 0,
            line: Vec::new(),
            lines: Vec::new(),
            rows: Vec::new(),
            qr_module: 3,
            qr_data: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// Whether nothing has been printed since the last cut.
    pub fn is_blank(&self) -> bool {
        self.lines.is_empty() && self.line.is_empty()
    }

    /// Commands that were not understood since the paper was created.
    pub fn unknown(&self) -> &[Vec<u8>] {
        &self.unknown
    }

    /// Applies one command; returns the receipt when the command cut the paper.
    pub fn apply(&mut self, command: Command) -> Option<Printout> {
        match command {
            Command::Text(bytes) => {
                for b in bytes {
                    let c = match self.page {
                        Some(page) => page.decode(b).unwrap_or('?'),
                        None if b.is_ascii() => b as char,
                        None => '?',
                    };
                    self.line.push((c, self.style));
                }
            }
            Command::LineFeed => self.print_line(1),
            Command::CarriageReturn | Command::Status(_) => {}
            Command::Init => {
                self.page = None;
                self.style = Style { wide: 1, high: 1, ..Style::default() };
                self.align = 0;
            }
            Command::CodePage(n) => {
                self.page = match n {
                    16 => Some(CodePage::with_number(Table::Wpc1252, n)),
                    19 => Some(CodePage::with_number(Table::Pc858, n)),
                    _ => {
                        self.unknown.push(vec![0x1B, b't', n]);
                        None
                    }
                }
            }
            Command::Bold(on) => self.style.bold = on,
            Command::Underline(n) => self.style.underline = n > 0,
            Command::Reverse(on) => self.style.reverse = on,
            Command::Align(n) => self.align = n.min(2),
            Command::Size(n) => {
                self.style.wide = u32::from(n >> 4) + 1;
                self.style.high = u32::from(n & 0x0F) + 1;
            }
            Command::Feed(n) => self.print_line(u32::from(n).max(1)),
            Command::Cut => {
                if !self.line.is_empty() {
                    self.print_line(1);
                }
                return Some(self.cut());
            }
            Command::Qr { function, params } => match function {
                67 => self.qr_module = params.first().copied().unwrap_or(3).clamp(1, 16),
                80 => self.qr_data = params.get(1..).unwrap_or_default().to_vec(),
                81 => self.print_qr(),
                65 | 69 => {}
                other => self.unknown.push(vec![0x1D, b'(', b'k', 49, other]),
            },
            Command::Raster { row_bytes, height, data } => {
                let width = (row_bytes * 8) as u32;
                if let Some(image) = Raster::from_bits(width, height as u32, data) {
                    self.lines.push(format!("[image {width}x{height}]"));
                    self.blit(&image);
                }
            }
            Command::Unknown(bytes) => self.unknown.push(bytes),
        }
        None
    }

    fn x_offset(&self, used: u32) -> u32 {
        let free = self.width.saturating_sub(used);
        match self.align {
            1 => free / 2,
            2 => free,
            _ => 0,
        }
    }

    fn print_line(&mut self, lines: u32) {
        let text: String = self.line.iter().map(|(c, _)| *c).collect();
        self.lines.push(text.trim_end().to_string());
        for _ in 1..lines {
            self.lines.push(String::new());
        }
        let high = self.line.iter().map(|(_, s)| s.high).max().unwrap_or(self.style.high);
        let used: u32 = self.line.iter().map(|(_, s)| CELL_W * s.wide).sum();
        let top = self.rows.len();
        let height = (CELL_H * high) as usize + 6;
        self.rows.resize(top + height, vec![false; self.width as usize]);
        let mut x = self.x_offset(used);
        let chars = std::mem::take(&mut self.line);
        for (c, style) in chars {
            let y0 = top + (CELL_H * (high - style.high)) as usize;
            self.draw_char(c, style, x, y0);
            x += CELL_W * style.wide;
        }
        let extra = (lines.saturating_sub(1) * (CELL_H + 6)) as usize;
        let len = self.rows.len();
        self.rows.resize(len + extra, vec![false; self.width as usize]);
    }

    fn draw_char(&mut self, c: char, style: Style, x0: u32, y0: usize) {
        let glyph = glyph(c);
        let (cw, ch) = (CELL_W * style.wide, CELL_H * style.high);
        for dy in 0..ch {
            for dx in 0..cw {
                // Scale the 8x8 glyph into the 12x24 cell: 8 columns over 12, 8 rows over 16 (+4 above).
                let gx = dx * 8 / cw;
                let gy_dot = dy * 24 / ch;
                let mut on = if (4..20).contains(&gy_dot) {
                    let row = glyph[((gy_dot - 4) / 2) as usize];
                    let left = if gx > 0 { row & (1 << (gx - 1)) != 0 } else { false };
                    row & (1 << gx) != 0 || (style.bold && left)
                } else {
                    false
                };
                if style.underline && gy_dot >= 22 {
                    on = true;
                }
                if style.reverse {
                    on = !on;
                }
                let (x, y) = ((x0 + dx) as usize, y0 + dy as usize);
                if on && x < self.width as usize && y < self.rows.len() {
                    self.rows[y][x] = true;
                }
            }
        }
    }

    fn print_qr(&mut self) {
        let payload = String::from_utf8_lossy(&self.qr_data).into_owned();
        self.lines.push(format!("[qr {payload}]"));
        let Ok(code) = qrcode::QrCode::new(&self.qr_data) else {
            self.unknown.push(b"qr-too-long".to_vec());
            return;
        };
        let modules = code.width() as u32;
        let scale = u32::from(self.qr_module);
        let quiet = 4 * scale;
        let side = modules * scale + 2 * quiet;
        let mut image = Raster::new(side, side);
        let colors = code.to_colors();
        for my in 0..modules {
            for mx in 0..modules {
                if colors[(my * modules + mx) as usize] == qrcode::Color::Dark {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            image.set(quiet + mx * scale + dx, quiet + my * scale + dy, true);
                        }
                    }
                }
            }
        }
        self.blit(&image);
    }

    fn blit(&mut self, image: &Raster) {
        let x0 = self.x_offset(image.width());
        let top = self.rows.len();
        self.rows.resize(top + image.height() as usize, vec![false; self.width as usize]);
        for y in 0..image.height() {
            for x in 0..image.width() {
                let px = (x0 + x) as usize;
                if image.get(x, y) && px < self.width as usize {
                    self.rows[top + y as usize][px] = true;
                }
            }
        }
    }

    fn cut(&mut self) -> Printout {
        let rows = std::mem::take(&mut self.rows);
        let mut image = Raster::new(self.width, rows.len().max(1) as u32);
        for (y, row) in rows.iter().enumerate() {
            for (x, &on) in row.iter().enumerate() {
                if on {
                    image.set(x as u32, y as u32, true);
                }
            }
        }
        Printout { lines: std::mem::take(&mut self.lines), image }
    }
}

/// The 8x8 glyph of `c` (row by row, bit 0 = leftmost dot); a box for unknown characters.
fn glyph(c: char) -> [u8; 8] {
    match c {
        '€' => [0x38, 0x44, 0x1F, 0x04, 0x1F, 0x44, 0x38, 0x00],
        'Œ' => [0xFE, 0x11, 0x11, 0x71, 0x11, 0x11, 0xFE, 0x00],
        'œ' => [0x00, 0x00, 0x36, 0x49, 0x79, 0x09, 0x76, 0x00],
        _ => font8x8::BASIC_FONTS
            .get(c)
            .or_else(|| font8x8::LATIN_FONTS.get(c))
            .or_else(|| font8x8::BOX_FONTS.get(c))
            .or_else(|| font8x8::BLOCK_FONTS.get(c))
            .or_else(|| font8x8::MISC_FONTS.get(c))
            .unwrap_or([0x7E, 0x42, 0x42, 0x42, 0x42, 0x42, 0x7E, 0x00]),
    }
}

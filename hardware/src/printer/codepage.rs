//! Character code pages of ESC/POS printers, for French text.
//!
//! A thermal printer prints single bytes through the code page selected with `ESC t n`. French
//! needs é è ê à ç ù œ « » €, which no page shares with UTF-8. Two pages cover it:
//!
//! - **WPC1252** (Windows Latin-1, `ESC t 16` on Epson): every French letter, including Œ œ
//!   (0x8C/0x9C), Ÿ and € (0x80). Preferred where the printer has it.
//! - **PC858** (PC850 with € at 0xD5, `ESC t 19` on Epson): é è ê à ç ù « » and €, but **no Œ/œ**,
//!   which are printed as "OE"/"oe".
//!
//! The `ESC t` number differs between printer makers, so it is configurable ([`CodePage::with_number`]).
//! Characters a page lacks are replaced by a close ASCII spelling (’ → ', … → ...) or `?`, never
//! by a control byte. The reverse direction ([`CodePage::decode`]) is used by the simulator.

/// An ESC/POS character code page able to print French.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// Windows-1252.
    Wpc1252,
    /// IBM PC858 (PC850 plus the euro sign).
    Pc858,
}

impl Table {
    /// The Epson `ESC t` number of this table (16 for WPC1252, 19 for PC858).
    pub fn epson_number(self) -> u8 {
        match self {
            Table::Wpc1252 => 16,
            Table::Pc858 => 19,
        }
    }

    /// The table's usual name, as in configuration files (`wpc1252`, `pc858`).
    pub fn name(self) -> &'static str {
        match self {
            Table::Wpc1252 => "wpc1252",
            Table::Pc858 => "pc858",
        }
    }

    /// Parses a configuration name (`wpc1252`, `cp1252`, `windows-1252`, `pc858`, `cp858`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "wpc1252" | "cp1252" | "windows-1252" | "1252" => Some(Table::Wpc1252),
            "pc858" | "cp858" | "858" => Some(Table::Pc858),
            _ => None,
        }
    }

    fn high_half(self) -> &'static [char; 128] {
        match self {
            Table::Wpc1252 => &WPC1252_HIGH,
            Table::Pc858 => &PC858_HIGH,
        }
    }
}

/// A code page as one printer model selects it: the table and its `ESC t` number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodePage {
    table: Table,
    number: u8,
}

impl CodePage {
    /// WPC1252 selected with Epson's `ESC t 16`.
    pub const WPC1252: CodePage = CodePage { table: Table::Wpc1252, number: 16 };
    /// PC858 selected with Epson's `ESC t 19`.
    pub const PC858: CodePage = CodePage { table: Table::Pc858, number: 19 };

    /// `table` selected with the printer-specific `ESC t number` (clones number pages differently).
    pub fn with_number(table: Table, number: u8) -> Self {
        Self { table, number }
    }

    /// The character table.
    pub fn table(self) -> Table {
        self.table
    }

    /// The `n` of `ESC t n` that selects this page.
    pub fn number(self) -> u8 {
        self.number
    }

    /// Appends the bytes that print `c` in this page: one byte when the page has it, an ASCII
    /// spelling ("oe", "...", "'") or `?` otherwise. Control characters produce nothing.
    pub fn encode_char(self, c: char, out: &mut Vec<u8>) {
        if c.is_ascii() {
            if !c.is_ascii_control() {
                out.push(c as u8);
            }
            return;
        }
        if let Some(pos) = self.table.high_half().iter().position(|&h| h == c) {
            // `pos` < 128, so the byte is 0x80..=0xFF.
            out.push(0x80 | pos as u8);
            return;
        }
        match fallback(c) {
            Some(spelling) => out.extend_from_slice(spelling.as_bytes()),
            None if c.is_control() => {}
            None => out.push(b'?'),
        }
    }

    /// Encodes `text` (see [`encode_char`](Self::encode_char)); `\n` becomes LF.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            if c == '\n' {
                out.push(b'\n');
            } else {
                self.encode_char(c, &mut out);
            }
        }
        out
    }

    /// The character a printable byte (0x20..=0xFF, not 0x7F) stands for in this page; `None`
    /// for control bytes and holes of the page.
    pub fn decode(self, byte: u8) -> Option<char> {
        match byte {
            0x20..=0x7E => Some(byte as char),
            0x80..=0xFF => {
                let c = self.table.high_half()[usize::from(byte - 0x80)];
                (c != HOLE).then_some(c)
            }
            _ => None,
        }
    }
}

/// ASCII spellings for characters common in French text that a page may lack.
fn fallback(c: char) -> Option<&'static str> {
    Some(match c {
        'œ' => "oe",
        'Œ' => "OE",
        'æ' => "ae",
        'Æ' => "AE",
        'Ÿ' => "Y",
        '€' => "EUR",
        '‘' | '’' | '‚' | '′' => "'",
        '“' | '”' | '„' | '″' => "\"",
        '‹' => "<",
        '›' => ">",
        '–' | '—' | '‐' | '‑' | '−' => "-",
        '…' => "...",
        '•' | '·' => "*",
        '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{2007}' => " ",
        _ => return None,
    })
}

/// Marks a byte with no character in a table.
const HOLE: char = '\u{fffd}';

/// Windows-1252, bytes 0x80..=0xFF (0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined).
const WPC1252_HIGH: [char; 128] = [
    '€', HOLE, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', HOLE, 'Ž', HOLE, //
    HOLE, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', HOLE, 'ž', 'Ÿ', //
    '\u{a0}', '¡', '¢', '£', '¤', '¥', '¦', '§', '¨', '©', 'ª', '«', '¬', '\u{ad}', '®', '¯', //
    '°', '±', '²', '³', '´', 'µ', '¶', '·', '¸', '¹', 'º', '»', '¼', '½', '¾', '¿', //
    'À', 'Á', 'Â', 'Ã', 'Ä', 'Å', 'Æ', 'Ç', 'È', 'É', 'Ê', 'Ë', 'Ì', 'Í', 'Î', 'Ï', //
    'Ð', 'Ñ', 'Ò', 'Ó', 'Ô', 'Õ', 'Ö', '×', 'Ø', 'Ù', 'Ú', 'Û', 'Ü', 'Ý', 'Þ', 'ß', //
    'à', 'á', 'â', 'ã', 'ä', 'å', 'æ', 'ç', 'è', 'é', 'ê', 'ë', 'ì', 'í', 'î', 'ï', //
    'ð', 'ñ', 'ò', 'ó', 'ô', 'õ', 'ö', '÷', 'ø', 'ù', 'ú', 'û', 'ü', 'ý', 'þ', 'ÿ', //
];

/// IBM PC858, bytes 0x80..=0xFF: PC850 with € at 0xD5 (where PC850 has the dotless ı).
const PC858_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '×', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '®', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', 'Á', 'Â', 'À', '©', '╣', '║', '╗', '╝', '¢', '¥', '┐', //
    '└', '┴', '┬', '├', '─', '┼', 'ã', 'Ã', '╚', '╔', '╩', '╦', '╠', '═', '╬', '¤', //
    'ð', 'Ð', 'Ê', 'Ë', 'È', '€', 'Í', 'Î', 'Ï', '┘', '┌', '█', '▄', '¦', 'Ì', '▀', //
    'Ó', 'ß', 'Ô', 'Ò', 'õ', 'Õ', 'µ', 'þ', 'Þ', 'Ú', 'Û', 'Ù', 'ý', 'Ý', '¯', '´', //
    '\u{ad}', '±', '‗', '¾', '¶', '§', '÷', '¸', '°', '¨', '·', '¹', '³', '²', '■', '\u{a0}', //
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_in_pc858_matches_the_published_table() {
        let bytes = CodePage::PC858.encode("éèêàçù«»€ÉÀÇÈÊîïôû");
        assert_eq!(
            bytes,
            [
                0x82, 0x8A, 0x88, 0x85, 0x87, 0x97, 0xAE, 0xAF, 0xD5, 0x90, 0xB7, 0x80, 0xD4, 0xD2, 0x8C,
                0x8B, 0x93, 0x96
            ]
        );
    }

    #[test]
    fn oe_ligature_is_spelled_out_in_pc858_but_kept_in_1252() {
        assert_eq!(CodePage::PC858.encode("Œuvre, cœur"), b"OEuvre, coeur");
        assert_eq!(CodePage::WPC1252.encode("Œuvre, cœur €"), b"\x8cuvre, c\x9cur \x80");
    }

    #[test]
    fn no_control_byte_comes_out_of_text() {
        let bytes = CodePage::WPC1252.encode("a\x1bb\x1dc\u{9b}d\u{2028}");
        assert_eq!(bytes, b"abcd?");
    }

    #[test]
    fn every_printable_byte_decodes_back_to_itself() {
        for page in [CodePage::WPC1252, CodePage::PC858] {
            for byte in 0x20u8..=0xFF {
                if let Some(c) = page.decode(byte) {
                    assert_eq!(page.encode(&c.to_string()), [byte], "{page:?} byte {byte:#x}");
                }
            }
        }
    }
}

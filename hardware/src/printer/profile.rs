//! Printer profiles: what differs between the receipt printers a kiosk may carry.
//!
//! Layout depends on the paper width (58 mm rolls print 32 columns of font A on 384 dots, 80 mm
//! rolls 48 columns on 576 dots) and text encoding on the code page the model offers. Both come
//! from the kiosk's configuration.

use super::codepage::CodePage;

/// Paper roll width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Paper {
    /// 58 mm roll: 32 columns, 384 dots.
    Mm58,
    /// 80 mm roll: 48 columns, 576 dots.
    Mm80,
}

impl Paper {
    /// The roll for a width in millimetres (58 or 80).
    pub fn from_mm(mm: u32) -> Option<Self> {
        match mm {
            58 => Some(Paper::Mm58),
            80 => Some(Paper::Mm80),
            _ => None,
        }
    }

    /// Characters per line in font A at normal size.
    pub fn columns(self) -> usize {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80 => 48,
        }
    }

    /// Printable width in dots (203 dpi).
    pub fn dots(self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }
}

/// One printer model as the kiosk drives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    /// Roll width.
    pub paper: Paper,
    /// Code page used for all text.
    pub code_page: CodePage,
}

impl Profile {
    /// An 80 mm printer with WPC1252 (e.g. Epson TM-T20III).
    pub const EPSON_80: Profile = Profile { paper: Paper::Mm80, code_page: CodePage::WPC1252 };
    /// A 58 mm printer with PC858 only (many compact clones).
    pub const COMPACT_58: Profile = Profile { paper: Paper::Mm58, code_page: CodePage::PC858 };

    /// A profile from its parts.
    pub fn new(paper: Paper, code_page: CodePage) -> Self {
        Self { paper, code_page }
    }

    /// Characters per line at normal size.
    pub fn columns(&self) -> usize {
        self.paper.columns()
    }
}

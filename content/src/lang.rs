//! The languages Borne speaks to citizens. French is the source language; English is complete for
//! the kiosk's own strings, while the commune's content stays in the language it was written in.

use std::fmt;
use std::str::FromStr;

/// A language of the kiosk's own strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// French, the source language.
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// The other language (for a FR/EN toggle).
    pub fn toggled(self) -> Self {
        match self {
            Self::Fr => Self::En,
            Self::En => Self::Fr,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code Borne does not speak.
#[derive(Debug, thiserror::Error)]
#[error("unknown language '{0}' (use fr or en)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" | "fr-fr" | "français" | "francais" => Ok(Self::Fr),
            "en" | "en-gb" | "en-us" | "english" => Ok(Self::En),
            other => Err(UnknownLang(other.to_string())),
        }
    }
}

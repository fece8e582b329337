//! `commune.toml`: who runs the kiosk (name, logo, languages, time zone, country, help desk).

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::check::FileCheck;

/// Languages the kiosk's own strings exist in.
pub const SUPPORTED_LANGUAGES: &[&str] = &["fr", "en"];

/// The commune's identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    /// Name shown on the welcome screen and printed on receipts.
    pub name: String,
    /// Logo file name, relative to the content directory.
    pub logo: Option<String>,
    /// Languages offered, first is the default; French is the source language.
    pub languages: Vec<String>,
    /// Time zone of the opening hours (IANA name, default Europe/Paris).
    pub timezone: Tz,
    /// ISO 3166 code of the country whose public holidays apply (default FR).
    pub country: String,
    /// Postal address of the town hall.
    pub address: Option<String>,
    /// Main phone number.
    pub phone: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Who to ask in person when the kiosk cannot answer.
    pub help_desk: String,
}

impl Commune {
    /// A commune with only a name and a help desk, in Europe/Paris time with French public
    /// holidays: for tools, benchmarks and tests that build content in code.
    pub fn minimal(name: &str, help_desk: &str) -> Self {
        Self {
            name: name.to_string(),
            logo: None,
            languages: vec!["fr".to_string()],
            timezone: Tz::Europe__Paris,
            country: "FR".to_string(),
            address: None,
            phone: None,
            website: None,
            help_desk: help_desk.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommune {
    name: Option<Spanned<String>>,
    logo: Option<Spanned<String>>,
    #[serde(default)]
    languages: Vec<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    country: Option<Spanned<String>>,
    address: Option<Spanned<String>>,
    phone: Option<Spanned<String>>,
    website: Option<Spanned<String>>,
    help_desk: Option<Spanned<String>>,
}

/// Parses and validates `commune.toml`. The logo's presence is checked by the loader.
pub(crate) fn load(text: &str, check: &mut FileCheck<'_>) -> Option<(Commune, Option<usize>)> {
    let raw = check.parse::<RawCommune>(text)?;
    let what = "the commune";
    let name = check.required(raw.name, 1, what, "name");
    let logo_line = raw.logo.as_ref().map(|l| check.line(l));
    let logo = check.optional(raw.logo, what, "logo");
    let mut languages = Vec::new();
    for lang in raw.languages {
        let line = check.line(&lang);
        let code = lang.into_inner().trim().to_lowercase();
        if SUPPORTED_LANGUAGES.contains(&code.as_str()) {
            languages.push(code);
        } else {
            check.error(
                Some(line),
                format!("language '{code}' is not supported (use {})", SUPPORTED_LANGUAGES.join(", ")),
            );
        }
    }
    if languages.is_empty() {
        languages = vec!["fr".to_string(), "en".to_string()];
    }
    let timezone = match raw.timezone {
        None => Some(Tz::Europe__Paris),
        Some(tz) => {
            let line = check.line(&tz);
            let name = tz.into_inner();
            match name.trim().parse::<Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    check.error(Some(line), format!("unknown time zone '{name}' (e.g. Europe/Paris)"));
                    None
                }
            }
        }
    };
    let country = match raw.country {
        None => Some("FR".to_string()),
        Some(c) => {
            let line = check.line(&c);
            let code = c.into_inner().trim().to_string();
            if code.parse::<opening_hours::localization::Country>().is_ok() {
                Some(code)
            } else {
                check.error(Some(line), format!("unknown country code '{code}' (e.g. FR, BE, CH)"));
                None
            }
        }
    };
    let address = check.optional(raw.address, what, "address");
    let phone = check.optional(raw.phone, what, "phone");
    let website = check.link(raw.website, what, "website");
    let help_desk = check.required(raw.help_desk, 1, what, "help_desk");
    Some((
        Commune {
            name: name?,
            logo,
            languages,
            timezone: timezone?,
            country: country?,
            address,
            phone,
            website,
            help_desk: help_desk?,
        },
        logo_line,
    ))
}

//! Reads every content file of a [`ContentSource`], validates it and builds a [`Content`].
//!
//! The loader never stops at the first mistake: it reads all files, reports every problem with its
//! location, and only then decides. Content with any error is refused as a whole, so a kiosk never
//! serves half of a broken edit (the [`crate::ContentStore`] keeps the previous content instead).

use std::collections::HashSet;
use std::fmt;

use sha2::{Digest, Sha256};

use crate::check::FileCheck;
use crate::problem::{LineIndex, Problem};
use crate::source::{ContentSource, KNOWN_FILES};
use crate::{Content, commune, faq, news, procedures, services, synonyms};

/// Content that loaded, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The validated content.
    pub content: Content,
    /// Problems that did not prevent loading.
    pub warnings: Vec<Problem>,
    /// The files exactly as they were read and validated, to keep a last good copy.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Content that could not be loaded: every problem found, errors and warnings.
#[derive(Debug, thiserror::Error)]
pub struct LoadError {
    /// Where the content was read from.
    pub origin: String,
    /// Every problem found, in file order.
    pub problems: Vec<Problem>,
}

impl LoadError {
    /// The number of errors (not counting warnings).
    pub fn error_count(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.error_count();
        write!(f, "{}: {} error{} in content", self.origin, count, if count == 1 { "" } else { "s" })?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// Loads and validates the content of `source`.
pub fn load(source: &ContentSource) -> Result<Loaded, LoadError> {
    let mut problems = Vec::new();
    let mut hasher = Sha256::new();
    let mut texts: Vec<Option<String>> = Vec::with_capacity(KNOWN_FILES.len());
    let mut present = Vec::with_capacity(KNOWN_FILES.len());
    let mut files = Vec::with_capacity(KNOWN_FILES.len() + 1);
    for name in KNOWN_FILES {
        let (exists, text) = read_text(source, name, &mut problems);
        present.push(exists);
        if let Some(text) = &text {
            files.push(((*name).to_string(), text.as_bytes().to_vec()));
            hasher.update(name.as_bytes());
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
        texts.push(text);
    }
    warn_unknown_files(source, &mut problems);
    let missing = |name: &str| KNOWN_FILES.iter().position(|n| *n == name).is_some_and(|i| !present[i]);
    let text_of = |name: &str| KNOWN_FILES.iter().position(|n| *n == name).and_then(|i| texts[i].as_deref());

    let commune = match text_of("commune.toml") {
        Some(text) => commune::load(text, &mut FileCheck::new("commune.toml", text, &mut problems)),
        None => {
            if missing("commune.toml") {
                problems.push(Problem::error(
                    "commune.toml",
                    None,
                    "file is missing (the commune's name, languages, help desk)",
                ));
            }
            None
        }
    };
    let faq = match text_of("faq.toml") {
        Some(text) => faq::load(text, &mut FileCheck::new("faq.toml", text, &mut problems)),
        None => {
            if missing("faq.toml") {
                problems.push(Problem::error(
                    "faq.toml",
                    None,
                    "file is missing (the questions and answers)",
                ));
            }
            Vec::new()
        }
    };
    let (tz, country) = commune
        .as_ref()
        .map_or((chrono_tz::Europe::Paris, "FR".to_string()), |(c, _)| (c.timezone, c.country.clone()));
    let services = text_of("services.toml").map_or_else(Vec::new, |text| {
        services::load(text, &mut FileCheck::new("services.toml", text, &mut problems), tz, &country)
    });
    let procedures = text_of("procedures.toml").map_or_else(Vec::new, |text| {
        let loaded = procedures::load(text, &mut FileCheck::new("procedures.toml", text, &mut problems));
        let service_ids: HashSet<&str> = services.iter().map(|s| s.id.as_str()).collect();
        let mut out = Vec::with_capacity(loaded.len());
        for item in loaded {
            if let Some(service) = &item.procedure.service
                && !service_ids.contains(service.as_str())
            {
                problems.push(Problem::error(
                    "procedures.toml",
                    item.service_line,
                    format!(
                        "procedure '{}' refers to service '{service}', which services.toml does not define",
                        item.procedure.id
                    ),
                ));
            }
            out.push(item.procedure);
        }
        out
    });
    let (news, events) = text_of("news.toml").map_or_else(
        || (Vec::new(), Vec::new()),
        |text| news::load(text, &mut FileCheck::new("news.toml", text, &mut problems)),
    );
    let synonyms = text_of("synonyms.toml").map_or_else(Vec::new, |text| {
        synonyms::load(text, &mut FileCheck::new("synonyms.toml", text, &mut problems))
    });

    let mut logo = None;
    if let Some((commune, logo_line)) = &commune
        && let Some(file) = &commune.logo
    {
        match source.read(file) {
            Ok(Some(bytes)) => {
                hasher.update(file.as_bytes());
                hasher.update(&bytes);
                files.push((file.clone(), bytes.clone()));
                logo = Some(bytes);
            }
            Ok(None) => problems.push(Problem::error(
                "commune.toml",
                *logo_line,
                format!("logo '{file}' is not in the content directory"),
            )),
            Err(e) => problems.push(Problem::error(
                "commune.toml",
                *logo_line,
                format!("cannot read logo '{file}': {e}"),
            )),
        }
    }

    let origin = source.describe();
    match commune {
        Some((commune, _)) if !problems.iter().any(Problem::is_error) => {
            let digest = hasher.finalize();
            let version = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
            Ok(Loaded {
                content: Content {
                    commune,
                    logo,
                    faq,
                    services,
                    procedures,
                    news,
                    events,
                    synonyms,
                    version,
                    origin,
                },
                warnings: problems,
                files,
            })
        }
        _ => Err(LoadError { origin, problems }),
    }
}

/// Reads a file as UTF-8, recording a located problem when it cannot be read or decoded. Returns
/// whether the file exists, and its text when it could be read.
fn read_text(
    source: &ContentSource,
    name: &'static str,
    problems: &mut Vec<Problem>,
) -> (bool, Option<String>) {
    match source.read(name) {
        Ok(None) => (false, None),
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(text) => (true, Some(text)),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let prefix = String::from_utf8_lossy(&bytes[..valid]);
                let line = LineIndex::new(&prefix).line_of(valid);
                problems.push(Problem::error(
                    name,
                    Some(line),
                    "is not valid UTF-8 text: save the file as UTF-8",
                ));
                (true, None)
            }
        },
        Err(e) => {
            problems.push(Problem::error(name, None, format!("cannot be read: {e}")));
            (true, None)
        }
    }
}

/// Warns about `.toml` files the loader does not know, which are usually misspelt names.
fn warn_unknown_files(source: &ContentSource, problems: &mut Vec<Problem>) {
    match source.toml_files() {
        Ok(names) => {
            for name in names.into_iter().filter(|n| !KNOWN_FILES.contains(&n.as_str())) {
                problems.push(Problem::warning(
                    name,
                    None,
                    format!("unknown file, ignored (known files: {})", KNOWN_FILES.join(", ")),
                ));
            }
        }
        Err(e) => {
            problems.push(Problem::error(source.describe(), None, format!("cannot list the directory: {e}")))
        }
    }
}

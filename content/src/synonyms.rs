//! `synonyms.toml`: words and abbreviations citizens use for the same thing.
//!
//! Kept as content rather than code so that staff can add the local names of places ("la biblio",
//! "l'Espace Jeunes") and the abbreviations they hear at the desk without a new release.

use serde::Deserialize;
use toml::Spanned;

use crate::check::FileCheck;

/// Terms that mean the same thing, all in lower case (e.g. `cni`, `carte nationale d'identité`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymGroup {
    /// Two or more equivalent words or expressions.
    pub terms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    synonyms: Vec<Spanned<RawGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    #[serde(default)]
    terms: Vec<Spanned<String>>,
}

/// Parses and validates `synonyms.toml`.
pub(crate) fn load(text: &str, check: &mut FileCheck<'_>) -> Vec<SynonymGroup> {
    let Some(raw) = check.parse::<RawFile>(text) else {
        return Vec::new();
    };
    let mut groups = Vec::with_capacity(raw.synonyms.len());
    for (index, spanned) in raw.synonyms.into_iter().enumerate() {
        let line = check.line(&spanned);
        let what = format!("synonym group #{}", index + 1);
        let terms: Vec<String> = check
            .text_list(spanned.into_inner().terms, &what, "terms")
            .into_iter()
            .map(|t| t.to_lowercase())
            .collect();
        if terms.len() < 2 {
            check.error(Some(line), format!("{what} needs at least two terms"));
        } else {
            groups.push(SynonymGroup { terms });
        }
    }
    groups
}

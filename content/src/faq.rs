//! `faq.toml`: the questions citizens ask and the commune's answers.
//!
//! The schema is a contract other tools rely on (`[[faq]]` with `id`, `question`, `answer`, and
//! optional `alternatives`, `keywords`, `category`, `link`): keep these names.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use crate::check::FileCheck;

/// One question and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqEntry {
    /// Stable identifier, e.g. `cni-perte`.
    pub id: String,
    /// The question as a citizen would ask it.
    pub question: String,
    /// The answer shown and printed; may span several lines.
    pub answer: String,
    /// Other phrasings of the question.
    pub alternatives: Vec<String>,
    /// Words that should lead to this entry.
    pub keywords: Vec<String>,
    /// Topic used for grouping and suggestions, e.g. `mediatheque`.
    pub category: Option<String>,
    /// A web page to continue online (shown as a QR code).
    pub link: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    faq: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Option<Spanned<String>>,
    question: Option<Spanned<String>>,
    answer: Option<Spanned<String>>,
    #[serde(default)]
    alternatives: Vec<Spanned<String>>,
    #[serde(default)]
    keywords: Vec<Spanned<String>>,
    category: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
}

/// Parses and validates `faq.toml`, keeping every valid entry and recording every problem.
pub(crate) fn load(text: &str, check: &mut FileCheck<'_>) -> Vec<FaqEntry> {
    let Some(raw) = check.parse::<RawFile>(text) else {
        return Vec::new();
    };
    if raw.faq.is_empty() {
        check.error(None, "no [[faq]] entry: the chatbot would have nothing to answer");
    }
    let mut seen = HashMap::new();
    let mut entries = Vec::with_capacity(raw.faq.len());
    for (index, spanned) in raw.faq.into_iter().enumerate() {
        let line = check.line(&spanned);
        let raw = spanned.into_inner();
        let id = check.id(raw.id, line, &format!("entry #{}", index + 1), &mut seen);
        let what = match &id {
            Some(id) => format!("entry '{id}'"),
            None => format!("entry #{}", index + 1),
        };
        let question = check.required(raw.question, line, &what, "question");
        let answer = check.required(raw.answer, line, &what, "answer");
        let alternatives = check.text_list(raw.alternatives, &what, "alternatives");
        let keywords = check.text_list(raw.keywords, &what, "keywords");
        let category = check.optional(raw.category, &what, "category");
        let link = check.link(raw.link, &what, "link");
        if let (Some(id), Some(question), Some(answer)) = (id, question, answer) {
            entries.push(FaqEntry { id, question, answer, alternatives, keywords, category, link });
        }
    }
    entries
}

//! `procedures.toml`: the démarches a citizen can start (steps, documents to bring, online link).

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use crate::check::FileCheck;

/// One administrative procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    /// Stable identifier, e.g. `carte-identite`.
    pub id: String,
    /// What the citizen wants to do, e.g. "Demander une carte d'identité".
    pub title: String,
    /// Theme used to group procedures in the catalogue, e.g. "Papiers d'identité".
    pub theme: String,
    /// One or two sentences.
    pub summary: String,
    /// The steps, in order.
    pub steps: Vec<String>,
    /// Documents to bring.
    pub documents: Vec<String>,
    /// Where to continue online.
    pub link: Option<String>,
    /// Id of the service (in `services.toml`) that handles it.
    pub service: Option<String>,
    /// What it costs, in words.
    pub cost: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    procedure: Vec<Spanned<RawProcedure>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    id: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    theme: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
    #[serde(default)]
    steps: Vec<Spanned<String>>,
    #[serde(default)]
    documents: Vec<Spanned<String>>,
    link: Option<Spanned<String>>,
    service: Option<Spanned<String>>,
    cost: Option<Spanned<String>>,
}

/// A procedure with the line of its `service` field, so that a dangling reference can be
/// reported once all services are known.
pub(crate) struct Loaded {
    pub procedure: Procedure,
    pub service_line: Option<usize>,
}

/// Parses and validates `procedures.toml` (service references are checked by the loader).
pub(crate) fn load(text: &str, check: &mut FileCheck<'_>) -> Vec<Loaded> {
    let Some(raw) = check.parse::<RawFile>(text) else {
        return Vec::new();
    };
    let mut seen = HashMap::new();
    let mut out = Vec::with_capacity(raw.procedure.len());
    for (index, spanned) in raw.procedure.into_iter().enumerate() {
        let line = check.line(&spanned);
        let raw = spanned.into_inner();
        let id = check.id(raw.id, line, &format!("procedure #{}", index + 1), &mut seen);
        let what = match &id {
            Some(id) => format!("procedure '{id}'"),
            None => format!("procedure #{}", index + 1),
        };
        let title = check.required(raw.title, line, &what, "title");
        let theme = check.required(raw.theme, line, &what, "theme");
        let summary = check.required(raw.summary, line, &what, "summary");
        let steps = check.text_list(raw.steps, &what, "steps");
        if steps.is_empty() {
            check.error(Some(line), format!("{what} has no steps"));
        }
        let documents = check.text_list(raw.documents, &what, "documents");
        let link = check.link(raw.link, &what, "link");
        let service_line = raw.service.as_ref().map(|s| check.line(s));
        let service = check.optional(raw.service, &what, "service");
        let cost = check.optional(raw.cost, &what, "cost");
        if let (Some(id), Some(title), Some(theme), Some(summary), false) =
            (id, title, theme, summary, steps.is_empty())
        {
            out.push(Loaded {
                procedure: Procedure { id, title, theme, summary, steps, documents, link, service, cost },
                service_line,
            });
        }
    }
    out
}

//! Helpers that turn raw TOML values into validated content while recording located problems.
//!
//! Every file module deserialises into "raw" structs whose fields are optional and carry their
//! byte span ([`toml::Spanned`]); a [`FileCheck`] then checks each field and records a
//! [`Problem`] naming the file, the line and the entry instead of failing on the first one.

use chrono::{NaiveDate, NaiveDateTime};
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::problem::{LineIndex, Problem};

/// Validation state for one file.
pub(crate) struct FileCheck<'p> {
    /// File name, e.g. `faq.toml`.
    pub file: &'static str,
    lines: LineIndex,
    problems: &'p mut Vec<Problem>,
}

impl<'p> FileCheck<'p> {
    /// Starts checking `file` whose text is `text`.
    pub fn new(file: &'static str, text: &str, problems: &'p mut Vec<Problem>) -> Self {
        Self { file, lines: LineIndex::new(text), problems }
    }

    /// Parses `text` as TOML into `T`, recording a located problem on failure.
    pub fn parse<T: DeserializeOwned>(&mut self, text: &str) -> Option<T> {
        match toml::from_str::<T>(text) {
            Ok(value) => Some(value),
            Err(e) => {
                let line = e.span().map(|s| self.lines.line_of(s.start));
                let message = e.message().trim().to_string();
                self.error(line, format!("invalid TOML: {message}"));
                None
            }
        }
    }

    /// The 1-based line where a spanned value starts.
    pub fn line<T>(&self, value: &Spanned<T>) -> usize {
        self.lines.line_of(value.span().start)
    }

    /// Records an error.
    pub fn error(&mut self, line: Option<usize>, message: impl Into<String>) {
        self.problems.push(Problem::error(self.file, line, message));
    }

    /// A required, non-blank text field of an entry described by `what` (e.g. "entry 'cni'").
    pub fn required(
        &mut self,
        field: Option<Spanned<String>>,
        entry_line: usize,
        what: &str,
        name: &str,
    ) -> Option<String> {
        match field {
            None => {
                self.error(Some(entry_line), format!("{what} has no {name}"));
                None
            }
            Some(value) => {
                let line = self.line(&value);
                let text = value.into_inner().trim().to_string();
                if text.is_empty() {
                    self.error(Some(line), format!("{what} has an empty {name}"));
                    None
                } else {
                    Some(text)
                }
            }
        }
    }

    /// An optional text field: absent is fine, present but blank is an error.
    pub fn optional(&mut self, field: Option<Spanned<String>>, what: &str, name: &str) -> Option<String> {
        let value = field?;
        let line = self.line(&value);
        let text = value.into_inner().trim().to_string();
        if text.is_empty() {
            self.error(Some(line), format!("{what} has an empty {name} (remove the line or fill it)"));
            None
        } else {
            Some(text)
        }
    }

    /// A list of non-blank texts; blank items are reported and skipped.
    pub fn text_list(&mut self, items: Vec<Spanned<String>>, what: &str, name: &str) -> Vec<String> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let line = self.line(&item);
            let text = item.into_inner().trim().to_string();
            if text.is_empty() {
                self.error(Some(line), format!("{what} has an empty item in {name}"));
            } else {
                out.push(text);
            }
        }
        out
    }

    /// An optional `http(s)` link.
    pub fn link(&mut self, field: Option<Spanned<String>>, what: &str, name: &str) -> Option<String> {
        let line = field.as_ref().map(|f| self.line(f));
        let text = self.optional(field, what, name)?;
        match url::Url::parse(&text) {
            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => Some(text),
            Ok(url) => {
                self.error(
                    line,
                    format!("{what} has a {name} with scheme '{}': use http or https", url.scheme()),
                );
                None
            }
            Err(e) => {
                self.error(line, format!("{what} has an invalid {name} '{text}': {e}"));
                None
            }
        }
    }

    /// A required date written `YYYY-MM-DD`.
    pub fn date(
        &mut self,
        field: Option<Spanned<String>>,
        entry_line: usize,
        what: &str,
        name: &str,
    ) -> Option<NaiveDate> {
        let line = field.as_ref().map(|f| self.line(f));
        let text = self.required(field, entry_line, what, name)?;
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                self.error(line, format!("{what} has {name} '{text}', expected a date like 2026-12-24"));
                None
            }
        }
    }

    /// A date and time written `YYYY-MM-DDTHH:MM` (local time of the commune).
    pub fn date_time(
        &mut self,
        field: Option<Spanned<String>>,
        entry_line: usize,
        what: &str,
        name: &str,
    ) -> Option<NaiveDateTime> {
        let line = field.as_ref().map(|f| self.line(f));
        let text = self.required(field, entry_line, what, name)?;
        let parsed = NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M"));
        match parsed {
            Ok(dt) => Some(dt),
            Err(_) => {
                self.error(
                    line,
                    format!("{what} has {name} '{text}', expected a date and time like 2026-12-12T14:00"),
                );
                None
            }
        }
    }

    /// Checks that an entry id is present, well-formed and unique within the file.
    pub fn id(
        &mut self,
        field: Option<Spanned<String>>,
        entry_line: usize,
        kind: &str,
        seen: &mut std::collections::HashMap<String, usize>,
    ) -> Option<String> {
        let Some(field) = field else {
            self.error(Some(entry_line), format!("{kind} has no id"));
            return None;
        };
        let line = self.line(&field);
        let id = field.into_inner().trim().to_string();
        if id.is_empty() {
            self.error(Some(line), format!("{kind} has an empty id"));
            return None;
        }
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            self.error(
                Some(line),
                format!(
                    "{kind} id '{id}' may only use letters a-z, digits, '-' and '_' (no spaces or accents)"
                ),
            );
            return None;
        }
        if let Some(first) = seen.get(&id) {
            self.error(Some(line), format!("{kind} id '{id}' is already used at line {first}"));
            return None;
        }
        seen.insert(id.clone(), line);
        Some(id)
    }
}

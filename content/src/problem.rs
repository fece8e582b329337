//! Located problems found while loading content.
//!
//! Content is written by town-hall staff with a text editor, so every problem must say *where* it is
//! (file, line) and *what* is wrong in plain words, like a compiler does:
//! `faq.toml:42: entry 'cni-perte' has no answer`. Loading collects every problem it can find
//! instead of stopping at the first one, so an author fixes a whole file in one pass.

use std::fmt;

/// How serious a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth fixing, but the content is still usable (e.g. an unknown file in the directory).
    Warning,
    /// The content cannot be served as it is.
    Error,
}

/// One problem in one content file, with its location when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// File name relative to the content directory, e.g. `faq.toml`.
    pub file: String,
    /// 1-based line number, when the problem can be pinned to a line.
    pub line: Option<usize>,
    /// What is wrong, in plain words.
    pub message: String,
}

impl Problem {
    /// An error located in `file` at `line`.
    pub fn error(file: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, file: file.into(), line, message: message.into() }
    }

    /// A warning located in `file` at `line`.
    pub fn warning(file: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, file: file.into(), line, message: message.into() }
    }

    /// True for errors, false for warnings.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: ", self.file, line)?,
            None => write!(f, "{}: ", self.file)?,
        }
        if self.severity == Severity::Warning {
            write!(f, "warning: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Converts byte offsets of a file's text into 1-based line numbers.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { line_starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(exact) => exact + 1,
            Err(next) => next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based_and_follow_newlines() {
        let index = LineIndex::new("a\nbc\n\nd");
        assert_eq!(index.line_of(0), 1);
        assert_eq!(index.line_of(1), 1);
        assert_eq!(index.line_of(2), 2);
        assert_eq!(index.line_of(5), 3);
        assert_eq!(index.line_of(6), 4);
    }

    #[test]
    fn display_reads_like_a_compiler_message() {
        let p = Problem::error("faq.toml", Some(42), "entry 'cni-perte' has no answer");
        assert_eq!(p.to_string(), "faq.toml:42: entry 'cni-perte' has no answer");
        let w = Problem::warning("services.toml", None, "no service");
        assert_eq!(w.to_string(), "services.toml: warning: no service");
    }
}

//! Cleans a question typed on a public kiosk before anything else looks at it.
//!
//! Anything can arrive (a cat on the keyboard, a pasted 100 KB text, binary from a broken
//! scanner): control characters are replaced by spaces, whitespace collapsed, the text cut to
//! [`MAX_CHARS`] characters, and questions without a single letter or digit are refused with a
//! reason the kiosk can show.

/// Longest question considered, in characters; the rest is ignored.
pub const MAX_CHARS: usize = 500;

/// Why a question cannot be read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputProblem {
    /// Nothing but spaces.
    Empty,
    /// Characters, but no letter or digit (emoji, punctuation, control characters).
    NoWords,
}

impl InputProblem {
    /// What the kiosk says, in French.
    pub fn message(self) -> &'static str {
        match self {
            Self::Empty => {
                "Je n'ai pas reçu de question. Tapez votre question, par exemple « horaires de la mairie »."
            }
            Self::NoWords => {
                "Je n'ai pas compris votre message : écrivez votre question avec des mots, par exemple « perte carte d'identité »."
            }
        }
    }
}

/// Returns the question cleaned for analysis, or why it cannot be read.
pub fn sanitize(question: &str) -> Result<String, InputProblem> {
    let mut cleaned = String::with_capacity(question.len().min(MAX_CHARS * 4));
    let mut count = 0;
    let mut last_space = true;
    for c in question.chars() {
        if count >= MAX_CHARS {
            break;
        }
        let c = if c.is_control() || c.is_whitespace() || c == '\u{FFFD}' { ' ' } else { c };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        cleaned.push(c);
        count += 1;
    }
    let cleaned = cleaned.trim_end().to_string();
    if cleaned.is_empty() {
        Err(InputProblem::Empty)
    } else if !cleaned.chars().any(char::is_alphanumeric) {
        Err(InputProblem::NoWords)
    } else {
        Ok(cleaned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_and_refuses() {
        assert_eq!(sanitize("  a\u{0}b\n c  "), Ok("a b c".to_string()));
        assert_eq!(sanitize(" \t\n"), Err(InputProblem::Empty));
        assert_eq!(sanitize("😀🎉 !!"), Err(InputProblem::NoWords));
        assert_eq!(sanitize(&"x".repeat(100_000)).map(|s| s.chars().count()), Ok(MAX_CHARS));
    }
}

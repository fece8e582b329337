//! Which language a question is written in. The commune's FAQ is French; a visitor may ask in
//! English (the kiosk has an English mode) or another language a multilingual model knows. The
//! chatbot still answers from the French FAQ, and the front-ends say in one line that the answer
//! is in French; the second stage also uses it, because lexical evidence means little for a
//! question that is not French.
//!
//! Detection is [`whatlang`]'s trigram model restricted to the languages a French kiosk meets,
//! with one guard: short kiosk questions ("horaires piscine", "c koi le pass") are often too
//! short for trigrams, so a question with a French function word or no clear foreign verdict
//! stays French.

use serde::Serialize;
use whatlang::{Detector, Lang};

/// The language of a question, as far as the chatbot can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// French, or too short to tell (the default: the kiosk is French first).
    #[default]
    French,
    /// English.
    English,
    /// Another language (Spanish, German, Italian, Portuguese, Dutch, Arabic...).
    Other,
}

impl Language {
    /// The ISO 639-1 code (`fr`, `en`), or `other`.
    pub fn code(self) -> &'static str {
        match self {
            Self::French => "fr",
            Self::English => "en",
            Self::Other => "other",
        }
    }
}

/// French words that only a French sentence uses (articles, pronouns, question words): one of
/// them keeps a question French whatever the trigrams say.
const FRENCH_MARKERS: &[&str] = &[
    "le", "les", "des", "du", "un", "une", "je", "j", "tu", "il", "nous", "vous", "est", "et", "ou", "où",
    "pour", "pr", "avec", "mon", "ma", "mes", "quel", "quelle", "quand", "comment", "combien", "pourquoi",
    "qui", "quoi", "koi", "kel", "c", "ce", "cest", "c'est", "dans", "sur", "au", "aux", "faire", "faut",
    "peut", "puis", "jpeux", "svp", "stp", "bonjour", "bjr", "merci", "est-ce", "ai", "suis", "pas", "ne",
    "d", "l", "qu",
];

/// English words that a French question never uses.
const ENGLISH_MARKERS: &[&str] = &[
    "the", "how", "what", "where", "when", "which", "who", "why", "can", "could", "i", "my", "do", "does",
    "is", "are", "to", "for", "get", "need", "want", "of", "it", "you", "your", "open", "with", "there",
    "have", "has", "much", "many", "should", "would", "lost", "new", "any", "library", "town", "hall",
    "please", "hello", "hi",
];

/// The language of `text` (an already cleaned question).
pub fn detect(text: &str) -> Language {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let french = words.iter().filter(|w| FRENCH_MARKERS.contains(w)).count();
    let english = words.iter().filter(|w| ENGLISH_MARKERS.contains(w)).count();
    if english >= 1 && english > french {
        return Language::English;
    }
    let detector = Detector::with_allowlist(vec![
        Lang::Fra,
        Lang::Eng,
        Lang::Spa,
        Lang::Deu,
        Lang::Ita,
        Lang::Por,
        Lang::Nld,
        Lang::Ara,
        Lang::Rus,
        Lang::Ukr,
        Lang::Tur,
    ]);
    let info = detector.detect(text);
    if let Some(info) = info.filter(|i| i.is_reliable() && words.len() >= 4) {
        return match info.lang() {
            Lang::Fra => Language::French,
            Lang::Eng if french == 0 => Language::English,
            Lang::Eng => Language::French,
            _ if french >= 2 => Language::French,
            _ => Language::Other,
        };
    }
    // Too short to tell: a non-Latin script is certainly not French; anything else is taken as
    // French, the kiosk's language.
    if french == 0 && text.chars().any(|c| c.is_alphabetic() && !c.is_ascii() && !is_latin(c)) {
        Language::Other
    } else {
        Language::French
    }
}

/// Whether a letter belongs to the Latin script (accented French letters included).
fn is_latin(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kiosk_questions_in_french_stay_french() {
        for q in [
            "horaires piscine",
            "c koi les horaires de la mediatheque",
            "je veux refaire ma carte d'identité",
            "inscription cantine",
            "recensement",
            "Comment obtenir un acte de naissance ?",
        ] {
            assert_eq!(detect(q), Language::French, "{q}");
        }
    }

    #[test]
    fn english_questions_are_english() {
        for q in [
            "how do I get a library card",
            "where can I throw away an old sofa",
            "What are the opening hours of the swimming pool?",
            "lost my passport what should i do",
        ] {
            assert_eq!(detect(q), Language::English, "{q}");
        }
    }

    #[test]
    fn other_languages_are_other() {
        assert_eq!(
            detect("¿Dónde está la biblioteca municipal y a qué hora abre mañana por la mañana?"),
            Language::Other
        );
        assert_eq!(detect("Где находится библиотека"), Language::Other);
    }
}

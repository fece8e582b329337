//! French text analysis shared by indexing and querying, so that both sides see the same terms.
//!
//! The pipeline is made of tantivy's own tokenizer parts: [`SimpleTokenizer`] (splits on anything
//! that is not a letter or digit, which also splits elisions: `l'école` gives `l` + `école`),
//! [`RemoveLongFilter`], [`LowerCaser`], tantivy's French [`StopWordFilter`] (which lists the elided
//! particles `l`, `d`, `j`, `qu`, `n`, `s`, `c`, `m`, `t`), [`AsciiFoldingFilter`] (accents folded
//! so `ecole` and `école` meet), a second stop-word pass on folded forms (the French list is
//! accented, citizens often type without accents) plus question fillers ("comment", "faire",
//! "bonjour") and finally the Snowball French [`Stemmer`].
//!
//! Besides the stems, the folded surface words are kept for typo correction (edit distance is
//! measured on words, not on stems) and for the character trigram field.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, WhitespaceTokenizer,
};

/// Name under which the stemming analyzer is registered in the tantivy index.
pub const STEM_TOKENIZER: &str = "borne_fr";
/// Name under which the trigram field's (whitespace) analyzer is registered.
pub const TRIGRAM_TOKENIZER: &str = "borne_trigram";

/// Folded forms of accented French stop words (tantivy's list is accented), the elided particles
/// that are not already in it, and question fillers that carry no topic in a kiosk question.
const EXTRA_STOP_WORDS: &[&str] = &[
    // folded forms of tantivy's accented French stop words
    "a", "meme", "ete", "etee", "etees", "etant", "etes", "etais", "etait", "etions", "etiez", "etaient",
    "fumes", "futes", "eumes", "eutes", "eut", "cela", "cel", "etre", "avoir", // elisions and clitics
    "qu", "jusqu", "lorsqu", "puisqu", "quelqu", // question fillers and politeness
    "est", "comment", "quoi", "faire", "fait", "fais", "faut", "peut", "peux", "puis", "pouvez", "pourrais",
    "pourriez", "dois", "doit", "devez", "veux", "voudrais", "voudrait", "aimerais", "savoir", "sais",
    "bonjour", "bonsoir", "salut", "merci", "svp", "stp", "oui", "non", "bien", "si", "alors", "donc",
    "aussi", "chose", "quelque", "cest", "ya", "ca", "voila", "madame", "monsieur", "hello", "coucou", "ok",
    "dire", "tout", "tous", "toute", "toutes", "estce", "sil", "vous", "plait",
];

/// The analyzers of the crate. Cloning is cheap enough to do per question.
#[derive(Clone)]
pub struct Analyzer {
    /// Text to folded, lower-cased, stop-word-free words.
    surface: TextAnalyzer,
    /// One word to its stem.
    stemmer: TextAnalyzer,
}

/// One analyzed word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lower-cased, accent-folded word as written.
    pub folded: String,
    /// Its French stem.
    pub stem: String,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// Builds the analyzers.
    pub fn new() -> Self {
        let surface = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter_dynamic(french_stop_words())
            .filter_dynamic(AsciiFoldingFilter)
            .filter_dynamic(StopWordFilter::remove(EXTRA_STOP_WORDS.iter().map(|w| (*w).to_string())))
            .build();
        let stemmer =
            TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(Language::French)).build();
        Self { surface, stemmer }
    }

    /// The full pipeline as one tantivy analyzer, registered on the index for the text fields.
    pub fn indexing_analyzer() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter_dynamic(french_stop_words())
            .filter_dynamic(AsciiFoldingFilter)
            .filter_dynamic(StopWordFilter::remove(EXTRA_STOP_WORDS.iter().map(|w| (*w).to_string())))
            .filter_dynamic(Stemmer::new(Language::French))
            .build()
    }

    /// The analyzer of the trigram field: trigrams are computed by [`trigrams`], tantivy only
    /// splits them on spaces.
    pub fn trigram_analyzer() -> TextAnalyzer {
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build()
    }

    /// Folded words of `text`, stop words removed.
    pub fn folded_words(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stream = self.surface.token_stream(text);
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    /// The stem of one folded word.
    pub fn stem(&mut self, folded: &str) -> String {
        let mut stream = self.stemmer.token_stream(folded);
        match stream.next() {
            Some(token) => token.text.clone(),
            None => folded.to_string(),
        }
    }

    /// Words of `text` with their stems.
    pub fn words(&mut self, text: &str) -> Vec<Word> {
        self.folded_words(text)
            .into_iter()
            .map(|folded| {
                let stem = self.stem(&folded);
                Word { folded, stem }
            })
            .collect()
    }

    /// Stems of `text`, in order.
    pub fn stems(&mut self, text: &str) -> Vec<String> {
        self.words(text).into_iter().map(|w| w.stem).collect()
    }
}

fn french_stop_words() -> StopWordFilter {
    // tantivy ships the French list with its default `stopwords` feature; fall back to an empty
    // filter rather than failing if a build ever disables it.
    StopWordFilter::new(Language::French).unwrap_or_else(|| StopWordFilter::remove(Vec::new()))
}

/// Character trigrams of folded words, each word padded with `#` so that word starts and ends
/// count (`passeport` → `#pa pas ass ... rt#`). Joined by spaces for the trigram field.
pub fn trigrams<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for word in words {
        let chars: Vec<char> = std::iter::once('#').chain(word.chars()).chain(std::iter::once('#')).collect();
        if chars.len() < 4 {
            continue;
        }
        for window in chars.windows(3) {
            out.push(window.iter().collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_elides_and_stems() {
        let mut a = Analyzer::new();
        assert_eq!(
            a.folded_words("L'école est fermée aujourd'hui ?"),
            vec!["ecole", "fermee", "aujourd", "hui"]
        );
        assert_eq!(a.stems("passeports"), a.stems("passeport"));
        assert_eq!(a.stems("médiathèque"), a.stems("mediatheque"));
    }
}

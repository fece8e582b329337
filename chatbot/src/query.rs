//! Turns a citizen's question into weighted search terms.
//!
//! Steps, in order: SMS and informal spellings are rewritten ([`crate::lexicon::SMS`]); the text
//! is analyzed ([`crate::analysis`]); each word that the FAQ never uses is corrected to the FAQ
//! words within the allowed edit distance and with the same first letter ([`crate::fuzzy`]);
//! derivational relatives (FAQ stems sharing a 6-letter prefix, or one letter longer or shorter:
//! `inscrir`/`inscript`, `pac`/`pacs`) are added; finally synonym groups (the commune's
//! `synonyms.toml` plus [`crate::lexicon::ACRONYMS`]) add the other expressions of a group found
//! in the question, as do the built-in word families ([`crate::lexicon::FAMILIES`]) and everyday /
//! administrative pairs ([`crate::lexicon::THESAURUS`]). Each variant carries a weight: 1 for the
//! word itself, [`FUZZY_WEIGHT`]`^edits` for a correction, [`PREFIX_WEIGHT`] for a relative,
//! [`SYNONYM_WEIGHT`], [`FAMILY_WEIGHT`] or [`THESAURUS_WEIGHT`] for a group's other words.

use std::collections::{HashMap, HashSet};

use crate::analysis::Analyzer;
use crate::fuzzy::{allowed_edits, distance_within};
use crate::lexicon::{ACRONYMS, FAMILIES, SMS, THESAURUS};

/// Weight of a typo correction, per edit.
pub const FUZZY_WEIGHT: f32 = 0.7;
/// Weight of a synonym's words.
pub const SYNONYM_WEIGHT: f32 = 0.8;
/// Weight of another member of a word family (`ouvre` → `ouverture`).
pub const FAMILY_WEIGHT: f32 = 0.8;
/// Weight of an everyday / administrative near-synonym (`fils` → `mineur`).
pub const THESAURUS_WEIGHT: f32 = 0.6;
/// Weight of a vocabulary stem sharing a long prefix with an unknown stem (derivation:
/// `reconnaitre` / `reconnaissance`).
pub const PREFIX_WEIGHT: f32 = 0.5;

/// One word of the question and the index terms (stems) that stand for it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTerm {
    /// The folded word as typed (after SMS rewriting).
    pub folded: String,
    /// Its stem.
    pub stem: String,
    /// Stems to search, with weights in (0, 1]; the word's own stem first when the FAQ uses it.
    pub variants: Vec<(String, f32)>,
    /// Inverse document frequency of the term (of its best variant), for coverage.
    pub idf: f32,
    /// Whether the FAQ uses the word's own stem (otherwise it was corrected, related or is
    /// unknown, and the trigram field gets a say).
    pub known: bool,
}

/// What the FAQ's words are: used for typo correction and term statistics.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    /// Folded word → stem, for every word of the FAQ.
    words: HashMap<String, String>,
    /// Stem → number of entries using it.
    doc_freq: HashMap<String, u32>,
    /// Number of entries.
    docs: u32,
}

impl Vocabulary {
    /// Records the words of one entry.
    pub fn add_entry(&mut self, words: &[crate::analysis::Word]) {
        self.docs += 1;
        let mut seen = HashSet::new();
        for w in words {
            self.words.entry(w.folded.clone()).or_insert_with(|| w.stem.clone());
            if seen.insert(w.stem.as_str()) {
                *self.doc_freq.entry(w.stem.clone()).or_default() += 1;
            }
        }
    }

    /// Whether any entry uses this stem.
    pub fn has_stem(&self, stem: &str) -> bool {
        self.doc_freq.contains_key(stem)
    }

    /// BM25-style inverse document frequency; a stem no entry uses gets the highest value.
    pub fn idf(&self, stem: &str) -> f32 {
        let n = self.docs as f32;
        let df = self.doc_freq.get(stem).copied().unwrap_or(0) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The IDF of a stem no entry uses (the highest possible).
    pub fn max_idf(&self) -> f32 {
        self.idf("")
    }

    /// Stems of FAQ words within the allowed edit distance of `folded`, with their distance.
    fn corrections(&self, folded: &str) -> Vec<(String, usize)> {
        let max = allowed_edits(folded.chars().count());
        if max == 0 {
            return Vec::new();
        }
        let mut best: HashMap<&str, usize> = HashMap::new();
        let first = folded.chars().next();
        for (word, stem) in &self.words {
            // Typos rarely hit the first letter; requiring it avoids "grise" → "prise".
            if word.chars().next() != first {
                continue;
            }
            if let Some(d) = distance_within(folded, word, max) {
                let e = best.entry(stem.as_str()).or_insert(d);
                *e = (*e).min(d);
            }
        }
        let min = best.values().copied().min().unwrap_or(0);
        // Keep only the closest corrections: a one-edit fix beats two-edit guesses.
        best.into_iter().filter(|(_, d)| *d == min).map(|(s, d)| (s.to_string(), d)).collect()
    }

    /// Vocabulary stems related to `stem` by derivation: sharing a prefix of at least 6 letters
    /// (both at least 6 long), or extending / being extended by it by one letter when the shorter
    /// one has at least 3 (`pac` / `pacs`: the stemmer strips a final s from acronyms only).
    fn prefix_relatives(&self, stem: &str) -> Vec<String> {
        let len = stem.chars().count();
        let prefix: Option<String> = (len >= 6).then(|| stem.chars().take(6).collect());
        self.doc_freq
            .keys()
            .filter(|s| *s != stem)
            .filter(|s| {
                let l = s.chars().count();
                let long_prefix = prefix.as_deref().is_some_and(|p| l >= 6 && s.starts_with(p));
                let one_more = l.min(len) >= 3
                    && l.abs_diff(len) == 1
                    && (s.starts_with(stem) || stem.starts_with(s.as_str()));
                long_prefix || one_more
            })
            .cloned()
            .collect()
    }
}

/// One group of equivalent expressions, each as a sequence of stems, and the weight its members
/// lend each other.
#[derive(Debug, Clone)]
struct SynonymGroup {
    expressions: Vec<Vec<String>>,
    weight: f32,
}

/// Synonym groups: the commune's, the built-in acronyms, word families and thesaurus.
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    groups: Vec<SynonymGroup>,
}

impl Synonyms {
    /// Analyzes the commune's groups and the built-in ones.
    pub fn new(analyzer: &mut Analyzer, commune_groups: &[borne_content::SynonymGroup]) -> Self {
        let builtin = |groups: &'static [&'static [&'static str]], weight: f32| {
            groups.iter().map(move |g| (g.iter().map(|t| (*t).to_string()).collect::<Vec<_>>(), weight))
        };
        let all = commune_groups
            .iter()
            .map(|g| (g.terms.clone(), SYNONYM_WEIGHT))
            .chain(builtin(ACRONYMS, SYNONYM_WEIGHT))
            .chain(builtin(FAMILIES, FAMILY_WEIGHT))
            .chain(builtin(THESAURUS, THESAURUS_WEIGHT));
        let mut groups = Vec::new();
        for (terms, weight) in all {
            let mut expressions: Vec<Vec<String>> = Vec::new();
            for stems in terms.iter().map(|t| analyzer.stems(t)) {
                // Inflected forms often share a stem: keep each expression once.
                if !stems.is_empty() && !expressions.contains(&stems) {
                    expressions.push(stems);
                }
            }
            if expressions.len() >= 2 {
                groups.push(SynonymGroup { expressions, weight });
            }
        }
        Self { groups }
    }

    /// For each position of `stems`, the stems the groups add there, with their weights.
    fn expansions(&self, stems: &[String]) -> Vec<Vec<(String, f32)>> {
        let mut out: Vec<Vec<(String, f32)>> = vec![Vec::new(); stems.len()];
        for group in &self.groups {
            for (i, expr) in group.expressions.iter().enumerate() {
                let Some(pos) = find_seq(stems, expr) else { continue };
                for (j, other) in group.expressions.iter().enumerate() {
                    if i != j {
                        out[pos].extend(other.iter().map(|s| (s.clone(), group.weight)));
                    }
                }
            }
        }
        out
    }
}

fn find_seq(haystack: &[String], needle: &[String]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Rewrites SMS and informal words (whole words, case-insensitive) into standard French.
pub fn rewrite_informal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            let lower = word.to_lowercase();
            match SMS.iter().find(|(from, _)| *from == lower) {
                Some((_, to)) => out.push_str(to),
                None => out.push_str(word),
            }
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Builds the weighted terms of a question.
pub fn build_terms(
    question: &str,
    analyzer: &mut Analyzer,
    vocab: &Vocabulary,
    synonyms: &Synonyms,
) -> Vec<QueryTerm> {
    let text = rewrite_informal(question);
    let words = analyzer.words(&text);
    let stems: Vec<String> = words.iter().map(|w| w.stem.clone()).collect();
    let synonym_stems = synonyms.expansions(&stems);
    let mut terms: Vec<QueryTerm> = Vec::with_capacity(words.len());
    let mut seen = HashSet::new();
    for (word, syns) in words.into_iter().zip(synonym_stems) {
        if !seen.insert(word.stem.clone()) {
            continue;
        }
        let mut variants: Vec<(String, f32)> = Vec::new();
        let known = vocab.has_stem(&word.stem);
        if known {
            variants.push((word.stem.clone(), 1.0));
        } else {
            for (stem, edits) in vocab.corrections(&word.folded) {
                variants.push((stem, FUZZY_WEIGHT.powi(edits as i32)));
            }
        }
        // Derivational relatives (verb/noun: inscrire/inscription) share a long prefix that the
        // Snowball stemmer does not conflate.
        for stem in vocab.prefix_relatives(&word.stem) {
            if !variants.iter().any(|(s, _)| *s == stem) {
                variants.push((stem, PREFIX_WEIGHT));
            }
        }
        for (stem, weight) in syns {
            if !vocab.has_stem(&stem) {
                continue;
            }
            match variants.iter_mut().find(|(s, _)| *s == stem) {
                Some(existing) => existing.1 = existing.1.max(weight),
                None => variants.push((stem, weight)),
            }
        }
        // Numbers ("10 ans", "bulletin n3") search but carry no topic: no weight in coverage.
        let idf = if word.folded.chars().all(|c| c.is_ascii_digit()) {
            0.0
        } else if variants.is_empty() {
            vocab.idf(&word.stem)
        } else {
            variants.iter().map(|(s, _)| vocab.idf(s)).fold(f32::INFINITY, f32::min)
        };
        terms.push(QueryTerm { folded: word.folded, stem: word.stem, variants, idf, known });
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds the terms of `question` against a vocabulary made of `entries`.
    fn terms_against(entries: &[&str], question: &str) -> Vec<QueryTerm> {
        let mut analyzer = Analyzer::new();
        let mut vocab = Vocabulary::default();
        for entry in entries {
            let words = analyzer.words(entry);
            vocab.add_entry(&words);
        }
        let synonyms = Synonyms::new(&mut analyzer, &[]);
        build_terms(question, &mut analyzer, &vocab, &synonyms)
    }

    fn weight_of(terms: &[QueryTerm], folded: &str, entry_word: &str) -> Option<f32> {
        let stem = Analyzer::new().stems(entry_word).pop()?;
        let term = terms.iter().find(|t| t.folded == folded)?;
        term.variants.iter().find(|(s, _)| *s == stem).map(|(_, w)| *w)
    }

    #[test]
    fn word_families_join_forms_the_stemmer_keeps_apart() {
        let terms = terms_against(
            &["Horaires d'ouverture de la mairie", "Déclarer une perte"],
            "ça ouvre quand, j'ai perdu",
        );
        assert_eq!(weight_of(&terms, "ouvre", "ouverture"), Some(FAMILY_WEIGHT));
        assert_eq!(weight_of(&terms, "perdu", "perte"), Some(FAMILY_WEIGHT));
    }

    #[test]
    fn everyday_words_reach_administrative_ones_with_a_lower_weight() {
        let terms = terms_against(
            &["Carte d'identité d'un mineur", "Tarifs des concessions"],
            "cni de mon fils prix",
        );
        assert_eq!(weight_of(&terms, "fils", "mineur"), Some(THESAURUS_WEIGHT));
        assert_eq!(weight_of(&terms, "prix", "tarifs"), Some(THESAURUS_WEIGHT));
        // The word itself, when the FAQ uses it, keeps full weight over any group's lending.
        let terms = terms_against(&["Inscrire son fils à la cantine", "Mineur"], "fils");
        assert_eq!(weight_of(&terms, "fils", "fils"), Some(1.0));
    }

    #[test]
    fn rewrites_sms() {
        assert_eq!(rewrite_informal("slt jai perdu ma cni stp"), "salut j'ai perdu ma cni s'il te plaît");
        assert_eq!(rewrite_informal("C ouvert ajd ?"), "c'est ouvert aujourd'hui ?");
    }
}

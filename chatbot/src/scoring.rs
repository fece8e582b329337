//! Lexical evidence beyond BM25: how well each candidate entry covers the question.
//!
//! BM25 scores are not comparable between questions (a long question scores higher), so the
//! second stage also reads scale-free measures of each candidate:
//!
//! - `coverage`: share of the question's information (IDF-weighted) that the entry contains: each
//!   question term counts `idf × weight of the best variant present in the entry`; a word no FAQ
//!   entry uses weighs the maximal IDF and is never covered, which is what makes "carte grise"
//!   or "pharmacie de garde" fall below the threshold even though "carte" is a FAQ word;
//! - `question_coverage`: the reverse, share of the entry's own question (or of its best
//!   alternative phrasing), IDF-weighted, that the citizen's question contains: it separates "Inscription sur la liste électorale" from "... : en cas de déménagement";
//! - `margin`: relative lead of the best fused score over the second, `(s1 - s2) / s1`;
//! - `strength`: `ln(1 + s1)`, how much evidence there is in absolute terms;
//! - `missing`: the highest IDF among the question's words that the entry does not contain,
//!   divided by the highest possible IDF: one specific word the entry lacks ("grise",
//!   "isolement") is a strong sign that the question is about something else, even when the
//!   other words match well;
//!
//! These are the lexical half of the second stage's features ([`crate::candidates`]); the
//! learned model that turns them into a probability is [`crate::ranker`].
//!
//! Candidates are also reranked by coverage ([`Rerank`]) before the best one is chosen: BM25
//! alone favours an entry that repeats one query word many times over one that contains all of
//! them.

use std::collections::{HashMap, HashSet};

use crate::query::QueryTerm;

/// Factor of the reranked score of an entry whose question or alternative is exactly what was asked.
pub const EXACT_PHRASING_BOOST: f32 = 2.0;

/// How candidates are reranked after the fused search:
/// `R(d) = S(d) · (coverage_floor + coverage(d)) · (question_floor + question_coverage(d))`,
/// multiplied by [`EXACT_PHRASING_BOOST`] when the question is exactly one of the entry's
/// phrasings ([`is_exact_phrasing`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rerank {
    /// Added to coverage (a high value makes coverage matter less).
    pub coverage_floor: f32,
    /// Added to question coverage.
    pub question_floor: f32,
}

impl Default for Rerank {
    fn default() -> Self {
        Self { coverage_floor: 0.0, question_floor: 1.0 }
    }
}

impl Rerank {
    /// The reranked score of a candidate.
    pub fn score(&self, fused: f32, f: &Features) -> f32 {
        fused * (self.coverage_floor + f.coverage) * (self.question_floor + f.question_coverage)
    }
}

/// The features of one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Features {
    /// IDF-weighted share of the question found in the entry.
    pub coverage: f32,
    /// IDF-weighted share of the entry's question (or best alternative) found in the question.
    pub question_coverage: f32,
    /// Relative lead over the next candidate.
    pub margin: f32,
    /// `ln(1 + fused score)`.
    pub strength: f32,
    /// Highest IDF of a question word missing from the entry, over the highest possible IDF.
    pub missing: f32,
}

/// IDF-weighted share of `terms` present in an entry whose stems are `stems`.
pub fn coverage(terms: &[QueryTerm], stems: &HashSet<String>) -> f32 {
    let total: f32 = terms.iter().map(|t| t.idf).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let covered: f32 = terms
        .iter()
        .map(|t| {
            let best =
                t.variants.iter().filter(|(s, _)| stems.contains(s)).map(|(_, w)| *w).fold(0.0, f32::max);
            t.idf * best
        })
        .sum();
    covered / total
}

/// IDF-weighted share of the entry's best phrasing (question or one alternative, as stems with
/// their IDF) found among `query_stems` (each stem with the weight of the variant that brought it:
/// a word reached through a synonym or a correction counts for less than the word itself).
pub fn question_coverage(phrasings: &[Vec<(String, f32)>], query_stems: &HashMap<&str, f32>) -> f32 {
    phrasings
        .iter()
        .map(|p| {
            let total: f32 = p.iter().map(|(_, idf)| idf).sum();
            let found: f32 =
                p.iter().filter_map(|(s, idf)| query_stems.get(s.as_str()).map(|w| idf * w)).sum();
            if total > 0.0 { found / total } else { 0.0 }
        })
        .fold(0.0, f32::max)
}

/// Whether the question says exactly one of the entry's phrasings (same set of stems): a
/// suggestion tapped or copied back must lead to its own entry.
pub fn is_exact_phrasing(phrasings: &[Vec<(String, f32)>], terms: &[QueryTerm]) -> bool {
    let asked: HashSet<&str> = terms.iter().map(|t| t.stem.as_str()).collect();
    !asked.is_empty()
        && phrasings.iter().any(|p| {
            let stems: HashSet<&str> = p.iter().map(|(s, _)| s.as_str()).collect();
            stems == asked
        })
}

/// Highest IDF among `terms` absent from an entry whose stems are `stems`, over `max_idf`.
pub fn missing(terms: &[QueryTerm], stems: &HashSet<String>, max_idf: f32) -> f32 {
    if max_idf <= 0.0 {
        return 0.0;
    }
    terms
        .iter()
        .filter(|t| !t.variants.iter().any(|(s, _)| stems.contains(s)))
        .map(|t| t.idf / max_idf)
        .fold(0.0, f32::max)
}

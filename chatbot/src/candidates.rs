//! The second stage's input: a small pool of candidate entries for a question, each described by
//! a fixed list of numeric features, so that one learned model ([`crate::ranker`]) can both rank
//! them and decide between answering, asking "Vouliez-vous dire ?" and refusing.
//!
//! The pool is the lexical top [`LEXICAL_POOL`] (by coverage-reranked BM25, see
//! [`crate::scoring`]) and, when a sentence-embedding model is ready, the top [`SEMANTIC_POOL`] by
//! cosine: an English question or a paraphrase sharing no word still gets its entry considered.
//!
//! Features come in two blocks. The lexical block ([`LEXICAL_FEATURES`]) exists in every build;
//! the semantic block ([`SEMANTIC_FEATURES`]) is appended when the question's similarities are
//! known. Question-level features (how much of the question the FAQ's vocabulary knows, its
//! language, an hours intent) are repeated on every candidate: they move the decision, not the
//! order. Each name here is a contract with the weight files in `chatbot/weights/`, which list
//! the names they were trained on; [`crate::ranker::Ranker`] refuses a file whose names differ.

use std::collections::HashMap;

/// How many lexical candidates the second stage considers.
pub const LEXICAL_POOL: usize = 10;

/// How many more candidates the embedding ranking adds when a model is ready (more for a
/// question that is not French: its lexical candidates are mostly noise).
pub const SEMANTIC_POOL: usize = 5;

/// [`SEMANTIC_POOL`] for a question that is not in French.
pub const FOREIGN_SEMANTIC_POOL: usize = 10;

/// Names of the lexical features, in vector order.
pub const LEXICAL_FEATURES: &[&str] = &[
    "coverage",
    "question_coverage",
    "missing",
    "strength",
    "relative_score",
    "lexical_margin",
    "lexical_first",
    "lexical_rank",
    "exact_phrasing",
    "keyword_hit",
    "unknown_words",
    "question_length",
    "not_french",
    "hours_intent",
    "hours_entry",
];

/// Names of the semantic features, appended after the lexical ones.
pub const SEMANTIC_FEATURES: &[&str] = &[
    "cosine",
    "answer_cosine",
    "cosine_z",
    "answer_cosine_z",
    "semantic_margin",
    "semantic_first",
    "semantic_rank",
    "fused_rank",
    "coverage_cosine_z",
    "not_french_cosine_z",
    "not_french_answer_cosine_z",
    "not_french_semantic_margin",
    "not_french_semantic_rank",
];

/// The question's cosine similarity to every entry (both vectors indexed by entry), from a
/// sentence-embedding model.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Similarities {
    /// Best cosine over the entry's question and alternatives.
    pub phrasing: Vec<f32>,
    /// Cosine with the entry's answer (its first sentences); empty when not embedded.
    pub answer: Vec<f32>,
}

impl Similarities {
    /// Whether these similarities fit an FAQ of `entries` entries.
    pub fn fits(&self, entries: usize) -> bool {
        self.phrasing.len() == entries && (self.answer.is_empty() || self.answer.len() == entries)
    }
}

/// What the engine measured of one candidate, before the features are derived.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LexicalEvidence {
    /// Index of the entry in the FAQ.
    pub entry: usize,
    /// Fused BM25 score (0 when the search did not return the entry).
    pub fused: f32,
    /// Coverage-reranked score (see [`crate::scoring::Rerank`]); 0 when not returned.
    pub reranked: f32,
    /// IDF-weighted share of the question found in the entry.
    pub coverage: f32,
    /// IDF-weighted share of the entry's best phrasing found in the question.
    pub question_coverage: f32,
    /// Highest IDF of a question word missing from the entry, over the highest possible IDF.
    pub missing: f32,
    /// Whether the question says exactly one of the entry's phrasings.
    pub exact: bool,
    /// Whether a question word is among the entry's keywords or category.
    pub keyword_hit: bool,
    /// Whether the entry is about opening hours (its text speaks of hours or opening).
    pub hours_entry: bool,
}

/// What is known of the question itself.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QuestionEvidence {
    /// IDF-weighted share of the question's words the FAQ does not know at all.
    pub unknown_words: f32,
    /// Number of terms of the question.
    pub terms: usize,
    /// Whether the question is not in French.
    pub not_french: bool,
    /// Whether the question asks about opening hours.
    pub hours_intent: bool,
}

/// One candidate with its features.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateFeatures {
    /// Index of the entry in the FAQ.
    pub entry: usize,
    /// Cosine of the entry's best phrasing, when a model took part.
    pub similarity: Option<f32>,
    /// The feature vector: [`LEXICAL_FEATURES`], then [`SEMANTIC_FEATURES`] when a model took part.
    pub features: Vec<f32>,
}

fn flag(b: bool) -> f32 {
    if b { 1.0 } else { 0.0 }
}

/// Mean and standard deviation of `values` (0 deviation when they do not vary).
fn mean_sd(values: &[f32]) -> (f32, f32) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f32;
    let mean = values.iter().sum::<f32>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n;
    (mean, var.sqrt())
}

fn z(value: f32, (mean, sd): (f32, f32)) -> f32 {
    if sd > 1e-6 { ((value - mean) / sd).clamp(-10.0, 10.0) } else { 0.0 }
}

/// Builds the pool and its features. `lexical` is every candidate the lexical stage measured,
/// best reranked first (the first [`LEXICAL_POOL`] are kept); `measure` gives the lexical
/// evidence of an entry the embeddings bring in; `similarities`, when given, must fit the FAQ.
pub fn pool(
    lexical: &[LexicalEvidence],
    question: &QuestionEvidence,
    similarities: Option<&Similarities>,
    mut measure: impl FnMut(usize) -> LexicalEvidence,
) -> Vec<CandidateFeatures> {
    let mut members: Vec<LexicalEvidence> = lexical.iter().take(LEXICAL_POOL).copied().collect();
    let lexical_rank: HashMap<usize, usize> =
        members.iter().enumerate().map(|(rank, e)| (e.entry, rank)).collect();
    let mut semantic_rank: HashMap<usize, usize> = HashMap::new();
    if let Some(sims) = similarities {
        let mut order: Vec<usize> = (0..sims.phrasing.len()).collect();
        order.sort_by(|&a, &b| sims.phrasing[b].total_cmp(&sims.phrasing[a]));
        for (rank, &entry) in order.iter().enumerate() {
            semantic_rank.insert(entry, rank);
            let depth = if question.not_french { FOREIGN_SEMANTIC_POOL } else { SEMANTIC_POOL };
            if rank < depth && !lexical_rank.contains_key(&entry) {
                members.push(measure(entry));
            }
        }
    }
    let top = members.iter().map(|e| e.reranked).fold(0.0f32, f32::max);
    let best_other = |entry: usize, value: &dyn Fn(&LexicalEvidence) -> f32| {
        members.iter().filter(|e| e.entry != entry).map(value).fold(0.0f32, f32::max)
    };
    let phrasing_stats = similarities.map(|s| mean_sd(&s.phrasing));
    let answer_stats = similarities.filter(|s| !s.answer.is_empty()).map(|s| mean_sd(&s.answer));
    members
        .iter()
        .map(|e| {
            let rank = lexical_rank.get(&e.entry).copied();
            // Lexical evidence of a question that is not French is mostly accidental (an English
            // "information" matching a French "information"): it is gated off, and the
            // semantic features get their own weights for such questions.
            let gate = if question.not_french { 0.0 } else { 1.0 };
            let mut features = vec![
                gate * e.coverage,
                gate * e.question_coverage,
                gate * e.missing,
                gate * (1.0 + e.fused.max(0.0)).ln(),
                gate * if top > 0.0 { e.reranked / top } else { 0.0 },
                gate * if top > 0.0 {
                    (e.reranked - best_other(e.entry, &|o| o.reranked)) / top
                } else {
                    0.0
                },
                gate * flag(rank == Some(0)),
                gate * rank.map_or(0.0, |r| 1.0 / (1.0 + r as f32)),
                gate * flag(e.exact),
                gate * flag(e.keyword_hit),
                question.unknown_words,
                (1.0 + question.terms as f32).ln(),
                flag(question.not_french),
                flag(question.hours_intent),
                flag(question.hours_intent && e.hours_entry),
            ];
            let mut similarity = None;
            if let (Some(sims), Some(pstats)) = (similarities, phrasing_stats) {
                let cos = sims.phrasing.get(e.entry).copied().unwrap_or(0.0);
                let answer = sims.answer.get(e.entry).copied().unwrap_or(cos);
                let others = sims
                    .phrasing
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != e.entry)
                    .map(|(_, c)| *c)
                    .fold(f32::MIN, f32::max);
                let srank = semantic_rank.get(&e.entry).copied();
                let cz = z(cos, pstats);
                let az = answer_stats.map_or(cz, |s| z(answer, s));
                let margin = if others > f32::MIN { cos - others } else { 0.0 };
                let srank_recip = srank.map_or(0.0, |r| 1.0 / (1.0 + r as f32));
                let foreign = flag(question.not_french);
                // Reciprocal-rank fusion of both rankings (K = 10), a robust agreement signal.
                let fused_rank = rank.map_or(0.0, |r| 1.0 / (11.0 + r as f32))
                    + srank.map_or(0.0, |r| 1.0 / (11.0 + r as f32));
                features.extend([
                    cos,
                    answer,
                    cz,
                    az,
                    margin,
                    flag(srank == Some(0)),
                    srank_recip,
                    fused_rank * 10.0,
                    gate * e.coverage * cz,
                    foreign * cz,
                    foreign * az,
                    foreign * margin,
                    foreign * srank_recip,
                ]);
                similarity = Some(cos);
            }
            CandidateFeatures { entry: e.entry, similarity, features }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(entry: usize, reranked: f32) -> LexicalEvidence {
        LexicalEvidence { entry, fused: reranked, reranked, coverage: 0.5, ..LexicalEvidence::default() }
    }

    #[test]
    fn lexical_features_only_without_a_model() {
        let lexical = [evidence(3, 8.0), evidence(1, 4.0)];
        let pool = pool(&lexical, &QuestionEvidence::default(), None, |e| evidence(e, 0.0));
        assert_eq!(pool.len(), 2);
        assert!(pool.iter().all(|c| c.features.len() == LEXICAL_FEATURES.len()));
        let margin = LEXICAL_FEATURES.iter().position(|n| *n == "lexical_margin").expect("named");
        assert!((pool[0].features[margin] - 0.5).abs() < 1e-6);
        assert!((pool[1].features[margin] + 0.5).abs() < 1e-6);
    }

    #[test]
    fn the_embeddings_bring_in_an_entry_no_word_matched() {
        let lexical = [evidence(0, 2.0)];
        let mut phrasing = vec![0.80; 12];
        phrasing[9] = 0.95;
        let sims = Similarities { phrasing, answer: Vec::new() };
        let pool = pool(&lexical, &QuestionEvidence::default(), Some(&sims), |e| evidence(e, 0.0));
        assert!(pool.iter().any(|c| c.entry == 9));
        let width = LEXICAL_FEATURES.len() + SEMANTIC_FEATURES.len();
        assert!(pool.iter().all(|c| c.features.len() == width));
        let first = LEXICAL_FEATURES.len() + 5; // semantic_first
        let nine = pool.iter().find(|c| c.entry == 9).expect("in the pool");
        assert_eq!(nine.features[first], 1.0);
        assert_eq!(nine.similarity, Some(0.95));
    }
}

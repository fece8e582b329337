//! Hybrid ranking: fuses the lexical ranking with sentence-embedding similarities, and mixes both
//! signals into the confidence that decides between answering and "je ne sais pas".
//!
//! This module is plain arithmetic and is compiled in every build, so the fusion is tested without
//! libtorch; the embeddings themselves come from `crate::semantic` (cargo feature `semantic`).
//!
//! - **Ranking**: weighted reciprocal-rank fusion. An entry at rank `r_lex` (1-based) of the
//!   lexical ranking and `r_sem` of the embedding ranking scores
//!   `(1 - w) / (K + r_lex) + w / (K + r_sem)` with `w` = [`crate::SemanticConfig::rank_weight`]
//!   and `K` = [`RRF_K`]; an entry absent from a ranking gets nothing from it. Ranks, not raw
//!   scores, are fused because BM25 scores and cosines live on unrelated scales, and because
//!   cosines differ per model (multilingual-e5 puts almost everything between 0.8 and 0.95).
//! - **Confidence**: `(1 - c) × lexical confidence + c × semantic confidence`, with
//!   `c` = [`crate::SemanticConfig::confidence_weight`]. The semantic confidence of an entry is
//!   a logistic of how far its cosine stands out from the cosines of all entries (a z-score), so
//!   it does not depend on where a given model puts its cosines: `1 / (1 + e^(-(z - Z_CENTER)))`.

/// The `K` of reciprocal-rank fusion. Smaller than the customary 60 because an FAQ has tens to a
/// thousand entries and only the first few ranks matter.
pub const RRF_K: f32 = 10.0;

/// How many entries of each ranking take part in the fusion.
pub const FUSION_DEPTH: usize = 20;

/// The z-score (in standard deviations above the mean cosine) at which the semantic confidence is
/// one half. A paraphrase of an entry typically stands 3 to 5 deviations above the FAQ's mean.
pub const Z_CENTER: f32 = 3.0;

/// One entry after fusion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fused {
    /// Index of the entry in the FAQ.
    pub entry: usize,
    /// Reciprocal-rank fusion score (only the order matters).
    pub score: f32,
    /// Mixed confidence in [0, 1].
    pub confidence: f32,
    /// Cosine similarity of the entry to the question.
    pub similarity: f32,
}

/// Semantic confidence of every entry: a logistic of the z-score of its similarity among all
/// entries' similarities (see the module documentation). All zeros when there are fewer than two
/// entries or the similarities do not vary.
pub fn semantic_confidences(similarities: &[f32]) -> Vec<f32> {
    let n = similarities.len();
    if n < 2 {
        return vec![0.0; n];
    }
    let mean = similarities.iter().sum::<f32>() / n as f32;
    let var = similarities.iter().map(|s| (s - mean).powi(2)).sum::<f32>() / n as f32;
    let sd = var.sqrt();
    if sd.is_nan() || sd <= 1e-6 {
        return vec![0.0; n];
    }
    similarities.iter().map(|s| 1.0 / (1.0 + (-((s - mean) / sd - Z_CENTER)).exp())).collect()
}

/// Fuses `lexical` (entry index and calibrated lexical confidence, best first) with
/// `similarities` (the question's cosine to every entry, indexed by entry), best first.
pub fn fuse(
    lexical: &[(usize, f32)],
    similarities: &[f32],
    rank_weight: f32,
    confidence_weight: f32,
) -> Vec<Fused> {
    let w = rank_weight.clamp(0.0, 1.0);
    let c = confidence_weight.clamp(0.0, 1.0);
    let sem_conf = semantic_confidences(similarities);
    let mut by_similarity: Vec<usize> = (0..similarities.len()).collect();
    by_similarity.sort_by(|&a, &b| similarities[b].total_cmp(&similarities[a]));
    let mut scores: Vec<(usize, f32, f32)> = Vec::new(); // entry, rrf score, lexical confidence
    for (rank, &(entry, lex_conf)) in lexical.iter().take(FUSION_DEPTH).enumerate() {
        scores.push((entry, (1.0 - w) / (RRF_K + rank as f32 + 1.0), lex_conf));
    }
    for (rank, &entry) in by_similarity.iter().take(FUSION_DEPTH).enumerate() {
        let part = w / (RRF_K + rank as f32 + 1.0);
        match scores.iter_mut().find(|s| s.0 == entry) {
            Some(s) => s.1 += part,
            None => scores.push((entry, part, 0.0)),
        }
    }
    let mut fused: Vec<Fused> = scores
        .into_iter()
        .map(|(entry, score, lex_conf)| {
            let sem = sem_conf.get(entry).copied().unwrap_or(0.0);
            Fused {
                entry,
                score,
                confidence: (1.0 - c) * lex_conf + c * sem,
                similarity: similarities.get(entry).copied().unwrap_or(0.0),
            }
        })
        .collect();
    fused.sort_by(|a, b| b.score.total_cmp(&a.score));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_zero_keeps_the_lexical_order_and_confidence() {
        let lexical = [(2, 0.9), (0, 0.4)];
        let sims = [0.1, 0.2, 0.3, 0.99];
        let fused = fuse(&lexical, &sims, 0.0, 0.0);
        assert_eq!(fused[0].entry, 2);
        assert_eq!(fused[1].entry, 0);
        assert!((fused[0].confidence - 0.9).abs() < 1e-6);
    }

    #[test]
    fn an_entry_found_only_by_embeddings_can_win() {
        // No lexical candidate at all (a paraphrase sharing no word): the embedding ranking decides.
        let mut sims = vec![0.2; 30];
        sims[7] = 0.9;
        let fused = fuse(&[], &sims, 0.3, 0.5);
        assert_eq!(fused[0].entry, 7);
        assert!(fused[0].confidence > 0.45, "{:?}", fused[0]);
    }

    #[test]
    fn agreement_beats_a_lexical_lead() {
        let lexical = [(1, 0.6), (2, 0.5)];
        let mut sims = vec![0.1; 10];
        sims[2] = 0.8;
        sims[1] = 0.05;
        assert_eq!(fuse(&lexical, &sims, 0.5, 0.2)[0].entry, 2);
    }

    #[test]
    fn flat_similarities_give_no_semantic_confidence() {
        assert_eq!(semantic_confidences(&[0.5, 0.5, 0.5]), vec![0.0; 3]);
        assert_eq!(semantic_confidences(&[0.5]), vec![0.0]);
    }
}

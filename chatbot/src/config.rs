//! Settings of the chatbot.

use crate::index::FieldWeights;
use crate::scoring::{CALIBRATION, Rerank};

/// Default answer threshold on the calibrated confidence.
///
/// Chosen on the French FAQ benchmark's dev set (`/work/shared/eval/faq-fr/queries-dev.jsonl`,
/// 126 in-scope and 98 out-of-scope questions) with `examples/tune.rs`: sweeping the threshold
/// over the default settings, the own-decision overall accuracy (in-scope answered right +
/// out-of-scope refused, over all) forms a plateau between 0.42 and 0.44 (0.839 to 0.848) and
/// drops on both sides (0.81 at 0.35, 0.83 at 0.40 and 0.50, 0.81 at 0.60). 0.43 sits in the middle of
/// the plateau rather than on the single best point, which would be fitted to a few questions.
/// Raise it to refuse more (fewer wrong answers, more "je ne sais pas").
pub const DEFAULT_THRESHOLD: f32 = 0.43;

/// Settings of a [`crate::Chatbot`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChatbotConfig {
    /// Answer when the best entry's confidence is at least this, else say "je ne sais pas".
    pub threshold: f32,
    /// Weights of the fields in the fused score.
    pub weights: FieldWeights,
    /// How candidates are reranked by coverage.
    pub rerank: Rerank,
    /// Logistic calibration coefficients of the confidence (see [`crate::scoring`]).
    pub calibration: [f32; 6],
    /// How many candidates a reply lists (`topk`).
    pub top_k: usize,
    /// How many entries a refusal suggests.
    pub suggestions: usize,
}

impl Default for ChatbotConfig {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            weights: FieldWeights::default(),
            rerank: Rerank::default(),
            calibration: CALIBRATION,
            top_k: 5,
            suggestions: 3,
        }
    }
}

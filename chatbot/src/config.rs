//! Settings of the chatbot.

use std::path::PathBuf;

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
    /// Sentence-embedding matching (used only by builds with the cargo feature `semantic`).
    pub semantic: SemanticConfig,
}

/// Settings of sentence-embedding matching (see [`crate::fusion`] and, with the cargo feature
/// `semantic`, `crate::semantic`). Present in every build so configuration files and `--model`
/// mean the same everywhere; a build without the feature logs one line and ignores `model`.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticConfig {
    /// A sentence-transformers model directory (config.json, vocab.txt or sentencepiece.bpe.model,
    /// 1_Pooling/, modules.json, model.safetensors). `None`: lexical matching only.
    pub model: Option<PathBuf>,
    /// Where FAQ embeddings are cached, keyed by model and content. `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// Weight of the embedding ranking in the reciprocal-rank fusion, in [0, 1]; the lexical
    /// ranking gets `1 - rank_weight`. See [`DEFAULT_RANK_WEIGHT`].
    pub rank_weight: f32,
    /// Weight of the embedding evidence in the confidence, in [0, 1]. See [`DEFAULT_CONFIDENCE_WEIGHT`].
    pub confidence_weight: f32,
}

/// Default [`SemanticConfig::rank_weight`]: 0, chosen by two-fold cross-validation on the dev set
/// (even/odd questions, grid 0–0.7 × 0–0.8, own-decision overall accuracy): for all-MiniLM-L6-v2
/// every positive weight loses on both folds; for multilingual-e5-small no weight chosen on one
/// fold beats lexical on the other (docs/performance.md, "Semantic matching"). So a model changes
/// nothing, and is not even loaded, until a commune sets a weight (`chatbot.semantic_rank_weight`).
pub const DEFAULT_RANK_WEIGHT: f32 = 0.0;

/// Default [`SemanticConfig::confidence_weight`]: 0, chosen with [`DEFAULT_RANK_WEIGHT`].
pub const DEFAULT_CONFIDENCE_WEIGHT: f32 = 0.0;

impl SemanticConfig {
    /// Whether the embedding evidence can change a reply: a positive rank or confidence weight.
    pub fn changes_answers(&self) -> bool {
        self.rank_weight > 0.0 || self.confidence_weight > 0.0
    }
}

impl Default for SemanticConfig {
    fn default() -> Self {
        Self {
            model: None,
            cache_dir: None,
            rank_weight: DEFAULT_RANK_WEIGHT,
            confidence_weight: DEFAULT_CONFIDENCE_WEIGHT,
        }
    }
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
            semantic: SemanticConfig::default(),
        }
    }
}

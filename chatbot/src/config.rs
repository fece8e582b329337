//! Settings of the chatbot.

use std::path::PathBuf;

use crate::index::FieldWeights;
use crate::ranker::Ranker;
use crate::scoring::Rerank;

/// Settings of a [`crate::Chatbot`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChatbotConfig {
    /// Answer when the best entry's probability is at least this; `None` (the default): the
    /// threshold learned with the ranker's weights (see [`crate::ranker`]).
    pub threshold: Option<f32>,
    /// Weights of the fields in the fused score.
    pub weights: FieldWeights,
    /// How candidates are reranked by coverage.
    pub rerank: Rerank,
    /// The second stage for lexical matching alone.
    pub lexical_ranker: Ranker,
    /// The second stage when a sentence-embedding model takes part.
    pub semantic_ranker: Ranker,
    /// How many candidates a reply lists (`topk`).
    pub top_k: usize,
    /// How many entries a refusal suggests.
    pub suggestions: usize,
    /// Sentence-embedding matching: the model, in process with the cargo feature `semantic`, else
    /// in the `borne-embed` sidecar.
    pub semantic: SemanticConfig,
}

/// Settings of sentence-embedding matching (see [`crate::candidates`]). Present in every build so
/// configuration files and `--model` mean the same everywhere.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SemanticConfig {
    /// A sentence-transformers model directory (config.json, vocab.txt or sentencepiece.bpe.model,
    /// 1_Pooling/, modules.json, model.safetensors). `None`: lexical matching only.
    pub model: Option<PathBuf>,
    /// Where FAQ embeddings are cached, keyed by model and content. `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// The `borne-embed` program that runs the model in its own process, for builds without the
    /// cargo feature `semantic`. `None`: looked for beside the running
    /// program, then in `/usr/lib/borne/`.
    pub embedder: Option<PathBuf>,
}

impl Default for ChatbotConfig {
    fn default() -> Self {
        Self {
            threshold: None,
            weights: FieldWeights::default(),
            rerank: Rerank::default(),
            lexical_ranker: Ranker::lexical(),
            semantic_ranker: Ranker::semantic(),
            top_k: 5,
            suggestions: 3,
            semantic: SemanticConfig::default(),
        }
    }
}

//! The rust-bert sentence-embedding model (cargo feature `semantic`): loads a
//! sentence-transformers BERT-family model from a local directory (never the network) and embeds
//! questions and FAQ texts, in process. The same model runs in the `borne-embed` sidecar
//! (`src/bin/borne-embed.rs`) for builds of `borne` without the feature.
//!
//! Lives behind the feature because it needs libtorch 2.4.0 (about 530 MB, see docs/chatbot.md),
//! which a kiosk without a model should not carry.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rust_bert::pipelines::common::{ModelType, TokenizerOption};
use rust_bert::pipelines::sentence_embeddings::{SentenceEmbeddingsConfig, SentenceEmbeddingsModel};
use rust_bert::resources::LocalResource;
use sha2::{Digest, Sha256};

use crate::embedder::{Embedder, Role};
use crate::semantic::{SemanticError, normalized};

/// How many sentences are embedded per forward pass.
const BATCH: usize = 32;

fn read_json(path: &Path) -> Result<serde_json::Value, SemanticError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| SemanticError::Io { path: path.to_path_buf(), source })?;
    serde_json::from_str(&text).map_err(|source| SemanticError::Json { path: path.to_path_buf(), source })
}

fn require(dir: &Path, file: &'static str) -> Result<PathBuf, SemanticError> {
    let path = dir.join(file);
    if path.is_file() { Ok(path) } else { Err(SemanticError::Missing { dir: dir.to_path_buf(), file }) }
}

fn resource(path: PathBuf) -> Box<LocalResource> {
    Box::new(LocalResource { local_path: path })
}

/// A loaded sentence-embedding model. Embedding is serialised by a mutex: a kiosk asks one
/// question at a time, and libtorch already uses the cores it is given.
pub struct SemanticModel {
    model: Mutex<SentenceEmbeddingsModel>,
    dir: PathBuf,
    key: String,
    query_prefix: String,
    passage_prefix: String,
}

impl std::fmt::Debug for SemanticModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SemanticModel").field("dir", &self.dir).field("key", &self.key).finish()
    }
}

impl SemanticModel {
    /// Loads the sentence-transformers model in `dir`: `config.json` (a BERT-family encoder),
    /// `modules.json`, `1_Pooling/config.json`, `sentence_bert_config.json`, `model.safetensors`,
    /// and either `vocab.txt` (WordPiece, e.g. all-MiniLM-L6-v2) or `sentencepiece.bpe.model`
    /// (XLM-R tokenizer, e.g. multilingual-e5-small). Optional `config_sentence_transformers.json`
    /// `prompts.query` / `prompts.passage` are prefixed to questions / FAQ texts (e5 wants `"query: "`).
    pub fn load(dir: &Path) -> Result<Self, SemanticError> {
        let config = require(dir, "config.json")?;
        let modules = require(dir, "modules.json")?;
        let pooling = require(dir, "1_Pooling/config.json")?;
        let sbert = require(dir, "sentence_bert_config.json")?;
        let weights = require(dir, "model.safetensors")?;
        // rust-bert panics on invalid JSON: check every file it parses first.
        let config_json = read_json(&config)?;
        for path in [&modules, &pooling, &sbert] {
            read_json(path)?;
        }
        let tokenizer_config = dir.join("tokenizer_config.json");
        let tok_json =
            if tokenizer_config.is_file() { read_json(&tokenizer_config)? } else { serde_json::json!({}) };
        let lower_case = tok_json.get("do_lower_case").and_then(|v| v.as_bool()).unwrap_or(false);
        let (tokenizer, vocab) = if dir.join("vocab.txt").is_file() {
            (ModelType::Bert, dir.join("vocab.txt"))
        } else {
            (ModelType::XLMRoberta, require(dir, "sentencepiece.bpe.model")?)
        };
        let st_config = dir.join("config_sentence_transformers.json");
        let prompts = if st_config.is_file() { read_json(&st_config)? } else { serde_json::json!({}) };
        let prompt = |name: &str| {
            prompts.pointer(&format!("/prompts/{name}")).and_then(|v| v.as_str()).map(str::to_string)
        };
        let query_prefix = prompt("query").unwrap_or_default();
        let passage_prefix = prompt("passage").unwrap_or_else(|| query_prefix.clone());

        let weights_len = std::fs::metadata(&weights)
            .map_err(|source| SemanticError::Io { path: weights.clone(), source })?
            .len();
        let mut hasher = Sha256::new();
        hasher.update(config_json.to_string().as_bytes());
        hasher.update(weights_len.to_le_bytes());
        hasher.update(query_prefix.as_bytes());
        hasher.update([0]);
        hasher.update(passage_prefix.as_bytes());
        let key = format!("{:x}", hasher.finalize());

        let vocab_str = vocab.to_string_lossy().into_owned();
        let sentence_config = SentenceEmbeddingsConfig {
            modules_config_resource: resource(modules),
            transformer_type: ModelType::Bert,
            transformer_config_resource: resource(config),
            transformer_weights_resource: resource(weights),
            pooling_config_resource: resource(pooling),
            dense_config_resource: None,
            dense_weights_resource: None,
            sentence_bert_config_resource: resource(sbert),
            tokenizer_config_resource: resource(tokenizer_config),
            tokenizer_vocab_resource: resource(vocab.clone()),
            tokenizer_merges_resource: None,
            device: tch::Device::Cpu,
            kind: None,
        };
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let tokenizer = TokenizerOption::from_file(tokenizer, &vocab_str, None, lower_case, None, None)?;
            SentenceEmbeddingsModel::new_with_tokenizer(sentence_config, tokenizer)
        }));
        let model = match loaded {
            Ok(Ok(model)) => model,
            Ok(Err(e)) => return Err(SemanticError::Model(e.to_string())),
            Err(_) => {
                return Err(SemanticError::Model("rust-bert panicked while loading the model".to_string()));
            }
        };
        Ok(Self { model: Mutex::new(model), dir: dir.to_path_buf(), key, query_prefix, passage_prefix })
    }

    /// The model directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Identifies the model (its config, weights size and prompts) in cache keys.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Limits libtorch to `threads` intra-op threads for the whole process (one was measured
    /// faster than two on a busy 2-core kiosk: docs/performance.md).
    pub fn set_threads(threads: usize) {
        tch::set_num_threads(i32::try_from(threads.max(1)).unwrap_or(1));
    }

    fn embed_prefixed(&self, prefix: &str, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        let model = self.model.lock().map_err(|_| SemanticError::Model("model lock poisoned".to_string()))?;
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(BATCH) {
            // A panic inside rust-bert or libtorch becomes an error: the lock is not poisoned
            // (the guard lives outside the closure) and the caller answers lexically.
            let encoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.encode(chunk)))
                .map_err(|_| SemanticError::Model("rust-bert panicked while embedding".to_string()))?;
            let vectors = encoded.map_err(|e| SemanticError::Model(e.to_string()))?;
            out.extend(vectors.into_iter().map(normalized));
        }
        Ok(out)
    }

    /// The unit-length embedding of a question.
    pub fn embed_query(&self, question: &str) -> Result<Vec<f32>, SemanticError> {
        self.embed_prefixed(&self.query_prefix, &[question])?
            .pop()
            .ok_or_else(|| SemanticError::Model("no embedding returned".to_string()))
    }

    /// Unit-length embeddings of FAQ texts (questions, alternatives, answers' first sentences).
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        self.embed_prefixed(&self.passage_prefix, texts)
    }
}

impl Embedder for SemanticModel {
    fn key(&self) -> &str {
        &self.key
    }

    fn embed(&self, role: Role, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        match role {
            Role::Query => self.embed_prefixed(&self.query_prefix, texts),
            Role::Passage => self.embed_prefixed(&self.passage_prefix, texts),
        }
    }
}

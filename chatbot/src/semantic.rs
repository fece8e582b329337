//! Sentence-embedding matching with rust-bert (cargo feature `semantic`): loads a
//! sentence-transformers BERT-family model from a local directory (never the network), embeds the
//! FAQ's questions, alternatives and answers' first sentences once per content version, caches
//! those vectors on disk, and gives each question's cosine similarities to every entry for the
//! semantic features of [`crate::candidates`].
//!
//! Lives behind a feature because it needs libtorch 2.4.0 (about 530 MB, see docs/chatbot.md),
//! which a kiosk without a model should not carry.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rust_bert::pipelines::common::{ModelType, TokenizerOption};
use rust_bert::pipelines::sentence_embeddings::{SentenceEmbeddingsConfig, SentenceEmbeddingsModel};
use rust_bert::resources::LocalResource;
use sha2::{Digest, Sha256};

use crate::candidates::Similarities;
use crate::engine::TextKind;

/// How many sentences are embedded per forward pass when embedding the FAQ.
const BATCH: usize = 32;

/// Magic bytes at the start of an embedding cache file (format version 1).
const CACHE_MAGIC: &[u8; 8] = b"BORNEMB2";

/// Why a model could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    /// A file the model directory must have is missing.
    #[error("model directory {dir}: missing {file}")]
    Missing {
        /// The model directory.
        dir: PathBuf,
        /// The missing file, relative to it.
        file: &'static str,
    },
    /// A JSON file of the model is not valid.
    #[error("model file {path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// rust-bert or libtorch refused the model or failed to run it.
    #[error("model error: {0}")]
    Model(String),
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

    fn embed(&self, prefix: &str, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        let model = self.model.lock().map_err(|_| SemanticError::Model("model lock poisoned".to_string()))?;
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(BATCH) {
            let vectors = model.encode(chunk).map_err(|e| SemanticError::Model(e.to_string()))?;
            out.extend(vectors.into_iter().map(normalized));
        }
        Ok(out)
    }

    /// The unit-length embedding of a question.
    pub fn embed_query(&self, question: &str) -> Result<Vec<f32>, SemanticError> {
        self.embed(&self.query_prefix, &[question])?
            .pop()
            .ok_or_else(|| SemanticError::Model("no embedding returned".to_string()))
    }

    /// Unit-length embeddings of FAQ texts (questions and alternatives).
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        self.embed(&self.passage_prefix, texts)
    }
}

fn normalized(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// The embeddings of one content version's FAQ: one vector per text (question, alternative or
/// the answer's first sentences), each tagged with its entry and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticIndex {
    /// Fingerprint of the embedded texts (see [`fingerprint`]); ties the index to an engine.
    pub fingerprint: String,
    entries: usize,
    owners: Vec<(usize, TextKind)>,
    vectors: Vec<Vec<f32>>,
}

/// Fingerprint of the texts to embed: entry index, kind and text of each.
pub fn fingerprint(texts: &[(usize, TextKind, String)]) -> String {
    let mut hasher = Sha256::new();
    for (entry, kind, text) in texts {
        hasher.update((*entry as u64).to_le_bytes());
        hasher.update([u8::from(*kind == TextKind::Answer)]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    format!("{:x}", hasher.finalize())
}

/// Whether [`SemanticIndex::build`] read the vectors from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Read from the cache: nothing was embedded.
    Hit,
    /// Embedded now (and written to the cache when there is one).
    Miss,
    /// No cache directory configured.
    Disabled,
}

impl SemanticIndex {
    /// Embeds `texts` (entry index, phrasing) of an FAQ of `entries` entries, or reads them
    /// from `cache_dir` when this model already embedded these exact texts.
    pub fn build(
        model: &SemanticModel,
        entries: usize,
        texts: &[(usize, TextKind, String)],
        cache_dir: Option<&Path>,
    ) -> Result<(Self, CacheOutcome), SemanticError> {
        let fingerprint = fingerprint(texts);
        let owners: Vec<(usize, TextKind)> = texts.iter().map(|(e, k, _)| (*e, *k)).collect();
        let cache_file =
            cache_dir.map(|d| d.join(format!("emb-{}-{}.bin", &model.key()[..16], &fingerprint[..16])));
        if let Some(path) = &cache_file {
            match read_cache(path, texts.len()) {
                Ok(Some(vectors)) => {
                    return Ok((Self { fingerprint, entries, owners, vectors }, CacheOutcome::Hit));
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "ignoring unreadable embedding cache"),
            }
        }
        let refs: Vec<&str> = texts.iter().map(|(_, _, t)| t.as_str()).collect();
        let vectors = model.embed_passages(&refs)?;
        let outcome = match (&cache_file, cache_dir) {
            (Some(path), Some(dir)) => {
                if let Err(e) = write_cache(dir, path, &vectors) {
                    tracing::warn!(error = %e, "cannot write the embedding cache");
                }
                CacheOutcome::Miss
            }
            _ => CacheOutcome::Disabled,
        };
        Ok((Self { fingerprint, entries, owners, vectors }, outcome))
    }

    /// Cosine similarity of a unit-length question vector to every entry: the best of its
    /// phrasings, and its answer's first sentences (empty when no answer was embedded).
    pub fn similarities(&self, query: &[f32]) -> Similarities {
        let mut phrasing = vec![-1.0f32; self.entries];
        let mut answer = vec![-1.0f32; self.entries];
        let mut answers = false;
        for ((owner, kind), v) in self.owners.iter().zip(&self.vectors) {
            let cos: f32 = v.iter().zip(query).map(|(a, b)| a * b).sum();
            let best = match kind {
                TextKind::Phrasing => phrasing.get_mut(*owner),
                TextKind::Answer => {
                    answers = true;
                    answer.get_mut(*owner)
                }
            };
            if let Some(b) = best {
                *b = b.max(cos);
            }
        }
        if !answers {
            answer.clear();
        }
        Similarities { phrasing, answer }
    }
}

fn read_cache(path: &Path, expected: usize) -> Result<Option<Vec<Vec<f32>>>, SemanticError> {
    let io = |source| SemanticError::Io { path: path.to_path_buf(), source };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io)?;
    let bad = || SemanticError::Model(format!("{}: not an embedding cache of this FAQ", path.display()));
    let header = bytes.get(..16).ok_or_else(bad)?;
    if &header[..8] != CACHE_MAGIC {
        return Err(bad());
    }
    let count = u32::from_le_bytes([header[8], header[9], header[10], header[11]]) as usize;
    let dim = u32::from_le_bytes([header[12], header[13], header[14], header[15]]) as usize;
    if count != expected || bytes.len() != 16 + count * dim * 4 {
        return Err(bad());
    }
    let floats: Vec<f32> =
        bytes[16..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Ok(Some(floats.chunks(dim.max(1)).map(<[f32]>::to_vec).collect()))
}

fn write_cache(dir: &Path, path: &Path, vectors: &[Vec<f32>]) -> Result<(), SemanticError> {
    let io = |source| SemanticError::Io { path: path.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(io)?;
    let dim = vectors.first().map_or(0, Vec::len);
    let mut bytes = Vec::with_capacity(16 + vectors.len() * dim * 4);
    bytes.extend_from_slice(CACHE_MAGIC);
    bytes.extend_from_slice(&(vectors.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&(dim as u32).to_le_bytes());
    for v in vectors {
        for x in v {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    // Written aside then renamed, so a crash never leaves a half-written cache behind.
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

//! Sentence-embedding matching, the part every build has: the embeddings of one content version's
//! FAQ ([`SemanticIndex`]), computed by an [`Embedder`] (the rust-bert model in process with the
//! cargo feature `semantic`, or the `borne-embed` sidecar, see [`crate::process_embedder`]),
//! cached on disk keyed by the model and the texts, and each question's cosine similarities to
//! every entry for the semantic features of [`crate::candidates`].
//!
//! The model itself ([`SemanticModel`], rust-bert + libtorch) is in `semantic_model.rs`, behind
//! the feature, and re-exported here.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::candidates::Similarities;
use crate::embedder::{Embedder, Role};
use crate::engine::TextKind;

#[cfg(feature = "semantic")]
pub use crate::semantic_model::SemanticModel;

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
    /// rust-bert or libtorch refused the model or failed to run it (in process, or as the
    /// `borne-embed` sidecar reported it).
    #[error("model error: {0}")]
    Model(String),
    /// The `borne-embed` sidecar could not be started, or broke its protocol while starting.
    #[error("{program}: {reason}")]
    Sidecar {
        /// The program.
        program: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The embedder cannot answer now: the sidecar is busy, stopped, restarting or given up.
    /// Whoever made it so has already logged why; the question is answered lexically.
    #[error("embedder unavailable: {0}")]
    Unavailable(String),
}

/// `v` scaled to unit length (unchanged when it is all zeros).
pub(crate) fn normalized(mut v: Vec<f32>) -> Vec<f32> {
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
    /// from `cache_dir` when this model (its [`Embedder::key`]) already embedded these exact texts.
    pub fn build(
        model: &dyn Embedder,
        entries: usize,
        texts: &[(usize, TextKind, String)],
        cache_dir: Option<&Path>,
    ) -> Result<(Self, CacheOutcome), SemanticError> {
        let fingerprint = fingerprint(texts);
        let owners: Vec<(usize, TextKind)> = texts.iter().map(|(e, k, _)| (*e, *k)).collect();
        // The key comes from the model (or from a sidecar's ready line): hashed, so that whatever
        // it holds makes a plain file name.
        let model_id = format!("{:x}", Sha256::digest(model.key().as_bytes()));
        let cache_file =
            cache_dir.map(|d| d.join(format!("emb-{}-{}.bin", &model_id[..16], &fingerprint[..16])));
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
        let vectors = model.embed(Role::Passage, &refs)?;
        if vectors.len() != texts.len() {
            return Err(SemanticError::Model(format!("{} vectors for {} texts", vectors.len(), texts.len())));
        }
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

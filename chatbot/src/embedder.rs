//! What computes sentence embeddings for semantic matching, whatever runs the model: the
//! [`Embedder`] trait, implemented by the rust-bert model in process (cargo feature `semantic`,
//! [`crate::semantic::SemanticModel`]) and by [`crate::process_embedder::ProcessEmbedder`], which
//! runs the same model in the `borne-embed` sidecar so that a `borne` built without libtorch can
//! use it; and where that program is looked for ([`find_program`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::semantic::SemanticError;

/// The sidecar's program name.
pub const PROGRAM: &str = "borne-embed";

/// Where the `borne-semantic-fr` package installs the sidecar.
pub const SYSTEM_PROGRAM: &str = "/usr/lib/borne/borne-embed";

/// What a text is to the model: e5-style models prefix questions and FAQ texts differently
/// (`config_sentence_transformers.json`, `prompts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A visitor's question.
    Query,
    /// An FAQ text: a question, an alternative, an answer's first sentences.
    Passage,
}

/// Computes unit-length sentence embeddings. Shared between the thread that embeds the FAQ and
/// the threads that answer questions.
pub trait Embedder: Send + Sync + std::fmt::Debug {
    /// Identifies the model (its configuration, weights and prompts) in embedding cache keys:
    /// two embedders with the same key give the same vectors.
    fn key(&self) -> &str;

    /// One unit-length vector per text, in order.
    fn embed(&self, role: Role, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError>;

    /// Whether the embedder can answer now (a sidecar may be restarting).
    fn available(&self) -> bool {
        true
    }

    /// After a failure: waits, at most `timeout`, until the embedder may answer again; false
    /// when it will not (the default: an in-process model that failed fails the same way again).
    fn wait_available(&self, timeout: Duration) -> bool {
        let _ = timeout;
        false
    }
}

/// Where the sidecar is looked for, in order: `configured` alone when given (the kiosk's
/// `chatbot.embedder`), else [`PROGRAM`] beside `current_exe`, then [`SYSTEM_PROGRAM`].
pub fn candidates(configured: Option<&Path>, current_exe: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = configured {
        return vec![path.to_path_buf()];
    }
    let mut places = Vec::new();
    if let Some(dir) = current_exe.and_then(Path::parent) {
        places.push(dir.join(PROGRAM));
    }
    places.push(PathBuf::from(SYSTEM_PROGRAM));
    places
}

/// The sidecar program to run: the first of [`candidates`] that is a file, for the running
/// executable; `Err` with every place looked at when none is.
pub fn find_program(configured: Option<&Path>) -> Result<PathBuf, Vec<PathBuf>> {
    let exe = std::env::current_exe().ok();
    let places = candidates(configured, exe.as_deref());
    places.iter().find(|p| p.is_file()).cloned().ok_or(places)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_program_alone_else_beside_the_executable_then_the_system_one() {
        assert_eq!(
            candidates(Some(Path::new("/opt/e")), Some(Path::new("/usr/bin/borne"))),
            [PathBuf::from("/opt/e")]
        );
        assert_eq!(
            candidates(None, Some(Path::new("/usr/bin/borne"))),
            [PathBuf::from("/usr/bin/borne-embed"), PathBuf::from("/usr/lib/borne/borne-embed")]
        );
        assert_eq!(candidates(None, None), [PathBuf::from(SYSTEM_PROGRAM)]);
        let missing = find_program(Some(Path::new("/nonexistent/borne-embed"))).expect_err("missing");
        assert_eq!(missing, [PathBuf::from("/nonexistent/borne-embed")]);
    }
}

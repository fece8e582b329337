//! The errors of the chatbot: only building an index can fail, answering never does.

/// Why the chatbot could not be built or reloaded.
#[derive(Debug, thiserror::Error)]
pub enum ChatbotError {
    /// tantivy failed to build or open the in-memory index.
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The benchmark file could not be read.
    #[error("benchmark FAQ is not valid JSON: {0}")]
    BenchmarkJson(#[from] serde_json::Error),
}

//! The FAQ chatbot: finds the commune's FAQ entry that answers a French question, or says honestly
//! that it does not know; answers "is it open?" questions live from the services' hours.
//!
//! Map of the crate, in the order a question goes through it:
//!
//! - [`sanitize`]: cleans raw input (control characters, length) and refuses unreadable input;
//! - [`lexicon`]: built-in SMS spellings, clippings and administrative acronyms;
//! - [`analysis`]: the French tantivy analysis pipeline (elision, stop words, accents, stemming);
//! - [`fuzzy`]: edit distance and the typo tolerance per word length;
//! - [`query`]: question → weighted terms (SMS rewriting, typo correction, synonym expansion);
//! - [`index`]: the in-RAM tantivy index and the fused, field-weighted BM25 search;
//! - [`scoring`]: coverage, question coverage and the coverage rerank of the lexical candidates;
//! - [`semantic`]: the FAQ's embeddings, their on-disk cache and each question's similarities;
//!   `semantic_model` (cargo feature `semantic`): the rust-bert sentence-embedding model;
//! - [`embedder`]: what computes embeddings: the model in process, or [`process_embedder`], the
//!   `borne-embed` sidecar (`src/bin/borne-embed.rs`) spoken to with [`embed_protocol`];
//! - [`language`]: which language a question is in (the FAQ is French);
//! - [`candidates`]: the second stage's pool of candidates and their features, lexical and
//!   (with a model) semantic;
//! - [`ranker`]: the learned second stage: ranks the pool and decides between answering, asking
//!   "Vouliez-vous dire ?" and refusing (weights in `chatbot/weights/`);
//! - [`live_hours`]: hours questions answered from the services' hours at a given instant;
//! - [`reply`]: the reply and its JSON line;
//! - [`engine`]: one indexed snapshot of the content;
//! - [`chatbot`]: the [`Chatbot`] in service, swapping engines atomically on reload;
//! - [`config`]: [`ChatbotConfig`] and the default threshold;
//! - [`feedback`]: "was this helpful?" votes, counters and the masked log of unanswered questions;
//! - [`benchmark`]: the `faq-fr` benchmark's FAQ as content, for evaluation;
//! - [`error`]: the error type, [`ChatbotError`].
//!
//! Examples: `examples/jsonl.rs` (one JSON line per question on stdin, the `borne ask --jsonl`
//! and benchmark contract) and `examples/train.rs` (trains the second stage's weights,
//! cross-validated, and reports every question set with a frozen slice).
//!
//! ```no_run
//! # fn demo(content: &borne_content::Content) -> Result<(), borne_chatbot::ChatbotError> {
//! use borne_chatbot::{Chatbot, ChatbotConfig};
//! let bot = Chatbot::new(content, ChatbotConfig::default())?;
//! let now = chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Europe::Paris, 2026, 12, 25, 10, 0, 0).unwrap();
//! let reply = bot.ask("la médiathèque est ouverte ?", now);
//! println!("{}", reply.text);
//! # Ok(()) }
//! ```

pub mod analysis;
pub mod benchmark;
pub mod candidates;
pub mod chatbot;
pub mod config;
pub mod embed_protocol;
pub mod embedder;
pub mod engine;
pub mod error;
pub mod feedback;
pub mod fuzzy;
pub mod index;
pub mod language;
pub mod lexicon;
pub mod live_hours;
pub mod process_embedder;
pub mod query;
pub mod ranker;
pub mod reply;
pub mod sanitize;
pub mod scoring;
pub mod semantic;
#[cfg(feature = "semantic")]
pub mod semantic_model;
mod semantic_state;

pub use candidates::Similarities;
pub use chatbot::Chatbot;
pub use config::{ChatbotConfig, SemanticConfig};
pub use engine::{Ranked, TextKind};
pub use error::ChatbotError;
pub use index::FieldWeights;
pub use language::Language;
pub use ranker::Ranker;
pub use reply::{Candidate, Reply, ReplyKind};
pub use sanitize::{InputProblem, MAX_CHARS};

//! The chatbot in service: an engine that can be swapped while questions keep being answered,
//! and, with a model configured, the sentence-embedding side (`semantic_state`): the model in
//! process (cargo feature `semantic`) or in the `borne-embed` sidecar, with the FAQ's
//! embeddings computed on a background thread whenever content loads.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use chrono::DateTime;
use chrono_tz::Tz;

use borne_content::Content;

use crate::candidates::Similarities;
use crate::config::ChatbotConfig;
use crate::engine::{Engine, Ranked};
use crate::error::ChatbotError;
use crate::reply::Reply;

use crate::semantic_state::SemanticState;

/// The FAQ chatbot. Cheap to share between threads (`&self` everywhere); [`Chatbot::reload`]
/// builds a new index aside and swaps it in atomically: questions asked during a rebuild are
/// answered by the previous content.
///
/// With a model configured ([`crate::SemanticConfig::model`]), run in process by a build with the
/// cargo feature `semantic` or else by the `borne-embed` sidecar ([`crate::process_embedder`]),
/// questions are ranked by lexical and embedding evidence together (the semantic features of
/// [`crate::candidates`], with the semantic ranker) as soon as the FAQ's embeddings are ready;
/// until then, and whenever the model is missing or broken or the sidecar is down, the chatbot
/// is lexical-only, with the lexical ranker's own weights.
#[derive(Debug)]
pub struct Chatbot {
    engine: ArcSwap<Engine>,
    config: ChatbotConfig,
    semantic: Option<SemanticState>,
}

impl Chatbot {
    /// Builds a chatbot on `content`; with a semantic model configured, loads it on a background
    /// thread (in process, or by starting the `borne-embed` sidecar) and embeds the FAQ there:
    /// questions are answered lexically until the embeddings are ready. A model that does not
    /// load, or no program to run it, logs one line and leaves the chatbot lexical-only.
    pub fn new(content: &Content, config: ChatbotConfig) -> Result<Self, ChatbotError> {
        let engine = Arc::new(Engine::build(content)?);
        let semantic = SemanticState::start(&config.semantic, Arc::clone(&engine));
        Ok(Self { engine: ArcSwap::new(engine), config, semantic })
    }

    /// Rebuilds the index from new content and swaps it in; on error the previous content stays.
    /// With a semantic model, the new FAQ is embedded in the background (or read from the cache);
    /// until then questions are answered lexically.
    pub fn reload(&self, content: &Content) -> Result<(), ChatbotError> {
        let engine = Arc::new(Engine::build(content)?);
        if let Some(state) = &self.semantic {
            state.embed_in_background(Arc::clone(&engine));
        }
        self.engine.store(engine);
        tracing::info!(version = %content.version, "chatbot reloaded");
        Ok(())
    }

    /// The question's cosine similarity to every entry of `engine`, when semantic matching is
    /// ready for it.
    fn similarities_for(&self, engine: &Arc<Engine>, question: &str) -> Option<Similarities> {
        self.semantic.as_ref()?.similarities(engine, question)
    }

    /// Answers `question` as of instant `now` (used for live opening hours).
    pub fn ask(&self, question: &str, now: DateTime<Tz>) -> Reply {
        let engine = self.engine.load_full();
        let similarities = self.similarities_for(&engine, question);
        engine.ask_with(question, now, &self.config, similarities.as_ref())
    }

    /// Answers `question` with given similarities (`None`: lexically), for tools that compute
    /// or cache them themselves (`examples/train.rs`).
    pub fn ask_with(&self, question: &str, now: DateTime<Tz>, similarities: Option<&Similarities>) -> Reply {
        self.engine.load_full().ask_with(question, now, &self.config, similarities)
    }

    /// The question's similarities to every entry of the content in service, when a model is
    /// loaded and the FAQ's embeddings are ready.
    pub fn similarities(&self, question: &str) -> Option<Similarities> {
        let engine = self.engine.load_full();
        self.similarities_for(&engine, question)
    }

    /// The reply showing entry `id`'s answer: what one tap on a "Vouliez-vous dire ?" choice or
    /// a suggestion shows. `None` when the content in service has no such entry.
    pub fn answer_entry(&self, id: &str) -> Option<Reply> {
        self.engine.load().answer_entry(id)
    }

    /// The entries ranked for `question`, with the evidence of each probability (for debugging
    /// and training).
    pub fn explain(&self, question: &str) -> Vec<Ranked> {
        let engine = self.engine.load_full();
        let similarities = self.similarities_for(&engine, question);
        engine.explain(question, &self.config, similarities.as_ref())
    }

    /// [`Chatbot::explain`] with given similarities (`None`: lexically).
    pub fn explain_with(&self, question: &str, similarities: Option<&Similarities>) -> Vec<Ranked> {
        self.engine.load_full().explain(question, &self.config, similarities)
    }

    /// Whether a semantic model is loaded or loading (in process or in the sidecar): false
    /// without a model, without a program to run it, and once it failed to load.
    pub fn semantic_loaded(&self) -> bool {
        self.semantic.as_ref().is_some_and(SemanticState::alive)
    }

    /// Waits until the current FAQ's embeddings are ready, at most `timeout`; true when semantic
    /// matching is on for the current content. False at once without a model, and (once known)
    /// when the model did not load or embedding failed.
    pub fn wait_semantic(&self, timeout: Duration) -> bool {
        self.semantic.as_ref().is_some_and(|state| state.wait_ready(&self.engine, timeout))
    }

    /// How the last FAQ embedding went (read from the cache or computed), once it is done.
    pub fn embedding_outcome(&self) -> Option<crate::semantic::CacheOutcome> {
        self.semantic.as_ref()?.outcome()
    }

    /// The answer threshold in force: the configured one, else the one learned with the ranker
    /// that answers now (semantic once the FAQ's embeddings are ready, else lexical).
    pub fn answer_threshold(&self) -> f32 {
        if let Some(t) = self.config.threshold {
            return t;
        }
        let engine = self.engine.load_full();
        if self.semantic_ready(&engine) {
            self.config.semantic_ranker.answer_threshold()
        } else {
            self.config.lexical_ranker.answer_threshold()
        }
    }

    fn semantic_ready(&self, engine: &Arc<Engine>) -> bool {
        self.semantic.as_ref().is_some_and(|s| s.is_ready_for(engine))
    }

    /// Replaces the settings (the index is kept; the semantic model stays as loaded).
    pub fn set_config(&mut self, config: ChatbotConfig) {
        self.config = config;
    }

    /// The settings in use.
    pub fn config(&self) -> &ChatbotConfig {
        &self.config
    }

    /// Number of FAQ entries currently indexed.
    pub fn entry_count(&self) -> usize {
        self.engine.load().len()
    }
}

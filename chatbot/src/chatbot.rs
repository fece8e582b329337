//! The chatbot in service: an engine that can be swapped while questions keep being answered,
//! and (cargo feature `semantic`) the sentence-embedding model with the FAQ's embeddings, computed
//! on a background thread whenever content loads.

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

#[cfg(feature = "semantic")]
use crate::semantic_state::SemanticState;

/// The FAQ chatbot. Cheap to share between threads (`&self` everywhere); [`Chatbot::reload`]
/// builds a new index aside and swaps it in atomically: questions asked during a rebuild are
/// answered by the previous content.
///
/// With a model configured ([`crate::SemanticConfig::model`]) and the cargo feature `semantic`,
/// questions are ranked by lexical and embedding evidence together (the semantic features of
/// [`crate::candidates`], with the semantic ranker) as soon as the FAQ's embeddings are ready;
/// until then, and whenever the model is missing or broken, the chatbot is lexical-only, with
/// the lexical ranker's own weights.
#[derive(Debug)]
pub struct Chatbot {
    engine: ArcSwap<Engine>,
    config: ChatbotConfig,
    #[cfg(feature = "semantic")]
    semantic: Option<Arc<SemanticState>>,
}

impl Chatbot {
    /// Builds a chatbot on `content`; with a semantic model configured, loads it (a failure logs
    /// one line and leaves the chatbot lexical-only) and starts embedding the FAQ in the
    /// background: questions are answered lexically until the embeddings are ready.
    pub fn new(content: &Content, config: ChatbotConfig) -> Result<Self, ChatbotError> {
        let engine = Arc::new(Engine::build(content)?);
        #[cfg(feature = "semantic")]
        {
            let semantic =
                config.semantic.model.as_deref().and_then(|dir| SemanticState::load(dir, &config.semantic));
            if let Some(state) = &semantic {
                state.embed_in_background(Arc::clone(&engine));
            }
            Ok(Self { engine: ArcSwap::new(engine), config, semantic })
        }
        #[cfg(not(feature = "semantic"))]
        {
            if let Some(dir) = &config.semantic.model {
                tracing::warn!(
                    model = %dir.display(),
                    "this build has no semantic support (cargo feature `semantic`): the model is ignored, lexical matching only"
                );
            }
            Ok(Self { engine: ArcSwap::new(engine), config })
        }
    }

    /// Rebuilds the index from new content and swaps it in; on error the previous content stays.
    /// With a semantic model, the new FAQ is embedded in the background (or read from the cache);
    /// until then questions are answered lexically.
    pub fn reload(&self, content: &Content) -> Result<(), ChatbotError> {
        let engine = Arc::new(Engine::build(content)?);
        #[cfg(feature = "semantic")]
        if let Some(state) = &self.semantic {
            state.embed_in_background(Arc::clone(&engine));
        }
        self.engine.store(engine);
        tracing::info!(version = %content.version, "chatbot reloaded");
        Ok(())
    }

    /// The question's cosine similarity to every entry of `engine`, when semantic matching is
    /// ready for it.
    #[cfg(feature = "semantic")]
    fn similarities_for(&self, engine: &Arc<Engine>, question: &str) -> Option<Similarities> {
        self.semantic.as_ref()?.similarities(engine, question)
    }

    /// Without the `semantic` feature there are never similarities.
    #[cfg(not(feature = "semantic"))]
    fn similarities_for(&self, _engine: &Arc<Engine>, _question: &str) -> Option<Similarities> {
        None
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

    /// Whether a semantic model is loaded (always false in builds without the `semantic` feature).
    pub fn semantic_loaded(&self) -> bool {
        #[cfg(feature = "semantic")]
        return self.semantic.is_some();
        #[cfg(not(feature = "semantic"))]
        false
    }

    /// Waits until the current FAQ's embeddings are ready, at most `timeout`; true when semantic
    /// matching is on for the current content. False at once without a model (or without the
    /// feature), and when embedding failed.
    pub fn wait_semantic(&self, timeout: Duration) -> bool {
        #[cfg(feature = "semantic")]
        if let Some(state) = &self.semantic {
            return state.wait_ready(&self.engine, timeout);
        }
        let _ = timeout;
        false
    }

    /// How the last FAQ embedding went (read from the cache or computed), once it is done.
    #[cfg(feature = "semantic")]
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

    #[cfg(feature = "semantic")]
    fn semantic_ready(&self, engine: &Arc<Engine>) -> bool {
        self.semantic.as_ref().is_some_and(|s| s.is_ready_for(engine))
    }

    #[cfg(not(feature = "semantic"))]
    fn semantic_ready(&self, _engine: &Arc<Engine>) -> bool {
        false
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

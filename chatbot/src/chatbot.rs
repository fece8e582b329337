//! The chatbot in service: an engine that can be swapped while questions keep being answered.

use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::DateTime;
use chrono_tz::Tz;

use borne_content::Content;

use crate::config::ChatbotConfig;
use crate::engine::{Engine, Ranked};
use crate::error::ChatbotError;
use crate::reply::Reply;

/// The FAQ chatbot. Cheap to share between threads (`&self` everywhere); [`Chatbot::reload`]
/// builds a new index aside and swaps it in atomically: questions asked during a rebuild are
/// answered by the previous content.
#[derive(Debug)]
pub struct Chatbot {
    engine: ArcSwap<Engine>,
    config: ChatbotConfig,
}

impl Chatbot {
    /// Builds a chatbot on `content`.
    pub fn new(content: &Content, config: ChatbotConfig) -> Result<Self, ChatbotError> {
        Ok(Self { engine: ArcSwap::from_pointee(Engine::build(content)?), config })
    }

    /// Rebuilds the index from new content and swaps it in; on error the previous content stays.
    pub fn reload(&self, content: &Content) -> Result<(), ChatbotError> {
        let engine = Engine::build(content)?;
        self.engine.store(Arc::new(engine));
        tracing::info!(version = %content.version, "chatbot reloaded");
        Ok(())
    }

    /// Answers `question` as of instant `now` (used for live opening hours).
    pub fn ask(&self, question: &str, now: DateTime<Tz>) -> Reply {
        self.engine.load().ask(question, now, &self.config)
    }

    /// The entries ranked for `question`, with the evidence of each confidence (for debugging
    /// and calibration).
    pub fn explain(&self, question: &str) -> Vec<Ranked> {
        self.engine.load().explain(question, &self.config)
    }

    /// Replaces the settings (the index is kept).
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

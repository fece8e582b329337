//! Builds the chatbot the way every command and mode needs it: on the content in service, with the
//! threshold from the configuration, and the feedback log in the state directory.

use std::path::{Path, PathBuf};

use anyhow::Context;
use borne_chatbot::feedback::FeedbackLog;
use borne_chatbot::{Chatbot, ChatbotConfig, SemanticConfig};
use borne_content::Content;

use crate::config::Config;

/// File name of the feedback and gap log inside the state directory.
pub const FEEDBACK_FILE: &str = "feedback.jsonl";

/// The chatbot for `content`, with the threshold of `config`.
pub fn build(content: &Content, config: &Config) -> anyhow::Result<Chatbot> {
    let cache_dir = config
        .chatbot
        .embedding_cache
        .clone()
        .or_else(|| config.kiosk.state_dir.as_ref().map(|d| d.join("embeddings")));
    let chatbot_config = ChatbotConfig {
        threshold: config.chatbot.threshold,
        semantic: SemanticConfig {
            model: config.chatbot.model.clone(),
            cache_dir,
            ..SemanticConfig::default()
        },
        ..ChatbotConfig::default()
    };
    Chatbot::new(content, chatbot_config).context("cannot index the FAQ")
}

/// Where the feedback log lives for this state directory.
pub fn feedback_path(state_dir: &Path) -> PathBuf {
    state_dir.join(FEEDBACK_FILE)
}

/// The feedback log: on disk in the state directory when there is one, else in memory.
pub fn feedback_log(config: &Config) -> FeedbackLog {
    let capacity = config.chatbot.gap_log_capacity;
    match &config.kiosk.state_dir {
        Some(dir) => match FeedbackLog::open(&feedback_path(dir), capacity) {
            Ok(log) => log,
            Err(e) => {
                tracing::warn!(error = %e, "cannot open the feedback log; keeping it in memory");
                FeedbackLog::in_memory(capacity)
            }
        },
        None => FeedbackLog::in_memory(capacity),
    }
}

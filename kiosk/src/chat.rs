//! Builds the chatbot the way every command and mode needs it: on the content in service, with the
//! threshold and semantic settings from the configuration, and the feedback log in the state
//! directory.

use std::path::{Path, PathBuf};

use anyhow::Context;
use borne_chatbot::feedback::FeedbackLog;
use borne_chatbot::{Chatbot, ChatbotConfig, SemanticConfig};
use borne_content::Content;

use crate::config::Config;

/// File name of the feedback and gap log inside the state directory.
pub const FEEDBACK_FILE: &str = "feedback.jsonl";

/// The chatbot for `content`, with the settings of `config`.
pub fn build(content: &Content, config: &Config) -> anyhow::Result<Chatbot> {
    Chatbot::new(content, chatbot_config(config)).context("cannot index the FAQ")
}

/// The chatbot's settings from the kiosk's configuration: threshold, semantic model, embedding
/// cache (default `<state_dir>/embeddings`) and the semantic weights.
fn chatbot_config(config: &Config) -> ChatbotConfig {
    for (key, value) in [
        ("chatbot.semantic_rank_weight", config.chatbot.semantic_rank_weight),
        ("chatbot.semantic_confidence_weight", config.chatbot.semantic_confidence_weight),
    ] {
        if value.is_some() {
            tracing::warn!(
                key,
                "no longer used: the chatbot's learned ranking weighs the embeddings itself; remove it"
            );
        }
    }
    let cache_dir = config
        .chatbot
        .embedding_cache
        .clone()
        .or_else(|| config.kiosk.state_dir.as_ref().map(|d| d.join("embeddings")));
    ChatbotConfig {
        threshold: config.chatbot.threshold,
        semantic: SemanticConfig {
            model: config.chatbot.model.clone(),
            cache_dir,
            embedder: config.chatbot.embedder.clone(),
        },
        ..ChatbotConfig::default()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chatbot_key_of_the_configuration_reaches_the_chatbot() {
        let mut config = Config::default();
        config.kiosk.state_dir = Some(PathBuf::from("/var/lib/borne"));
        config.chatbot.threshold = Some(0.5);
        config.chatbot.model = Some(PathBuf::from("/opt/model"));
        config.chatbot.embedder = Some(PathBuf::from("/opt/borne-embed"));
        let chatbot = chatbot_config(&config);
        assert_eq!(chatbot.threshold, Some(0.5));
        assert_eq!(chatbot.semantic.model.as_deref(), Some(Path::new("/opt/model")));
        assert_eq!(chatbot.semantic.cache_dir.as_deref(), Some(Path::new("/var/lib/borne/embeddings")));
        assert_eq!(chatbot.semantic.embedder.as_deref(), Some(Path::new("/opt/borne-embed")));
    }
}

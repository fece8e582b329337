//! Semantic matching end to end (cargo feature `semantic`): a real sentence-transformers model
//! from `BORNE_SEMANTIC_MODEL` (scripts/test.sh installs all-MiniLM-L6-v2 from PyPI), the FAQ
//! embedding cache, and the lexical-only fallback on a broken model. Without the feature, checks
//! that a configured model is ignored with one clear log line.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use borne_chatbot::{Chatbot, ChatbotConfig};
use borne_content::Content;

/// The small French FAQ of these tests.
fn content() -> Content {
    let text = include_str!("data/semantic-faq.json");
    borne_chatbot::benchmark::content_from_benchmark_json(text).expect("test FAQ")
}

fn now() -> chrono::DateTime<chrono_tz::Tz> {
    chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Europe::Paris, 2026, 3, 10, 10, 0, 0)
        .single()
        .expect("valid time")
}

/// Collects what tracing writes, to check log lines.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// The default settings with a model directory.
fn config_with_model(model: PathBuf) -> ChatbotConfig {
    ChatbotConfig {
        semantic: borne_chatbot::SemanticConfig { model: Some(model), ..Default::default() },
        ..Default::default()
    }
}

/// Runs `f` with tracing captured; returns its result and the log.
fn with_log<T>(f: impl FnOnce() -> T) -> (T, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    (out, captured.text())
}

#[cfg(not(feature = "semantic"))]
#[test]
fn without_the_feature_a_model_is_ignored_with_one_log_line() {
    let config = config_with_model(PathBuf::from("/nonexistent/model"));
    let (bot, log) = with_log(|| Chatbot::new(&content(), config).expect("chatbot"));
    assert!(!bot.semantic_loaded());
    assert!(!bot.wait_semantic(Duration::from_millis(10)));
    assert_eq!(log.matches("no semantic support").count(), 1, "{log}");
    assert_eq!(bot.ask("horaires de la piscine", now()).id.as_deref(), Some("piscine"));
}

#[cfg(feature = "semantic")]
mod with_model {
    use super::*;
    use borne_chatbot::semantic::CacheOutcome;

    /// A model directory with every file present but an invalid config.json.
    fn broken_model_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (file, text) in [
            ("config.json", "{ not json"),
            ("modules.json", "[]"),
            ("sentence_bert_config.json", "{}"),
            ("model.safetensors", "garbage"),
            ("vocab.txt", "[PAD]\n"),
        ] {
            std::fs::write(dir.path().join(file), text).expect("write");
        }
        std::fs::create_dir(dir.path().join("1_Pooling")).expect("mkdir");
        std::fs::write(dir.path().join("1_Pooling/config.json"), "{}").expect("write");
        dir
    }

    /// The model directory the test command installed.
    fn model_dir() -> PathBuf {
        let dir = std::env::var_os("BORNE_SEMANTIC_MODEL").expect(
            "set BORNE_SEMANTIC_MODEL to a sentence-transformers model directory (scripts/test.sh does)",
        );
        PathBuf::from(dir)
    }

    /// The default settings with the test model and an embedding cache.
    fn semantic_config(cache: Option<PathBuf>) -> ChatbotConfig {
        ChatbotConfig {
            semantic: borne_chatbot::SemanticConfig {
                model: Some(model_dir()),
                cache_dir: cache,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn a_paraphrase_sharing_no_word_is_answered_only_with_semantic_matching() {
        // No word in common with "Quels sont les horaires de la piscine municipale ?".
        let question = "swimming pool opening times";
        let lexical = Chatbot::new(&content(), ChatbotConfig::default()).expect("bot");
        assert_ne!(lexical.ask(question, now()).id.as_deref(), Some("piscine"));
        let hybrid = Chatbot::new(&content(), semantic_config(None)).expect("bot");
        assert!(hybrid.semantic_loaded());
        assert!(hybrid.wait_semantic(Duration::from_secs(120)), "FAQ embeddings not ready");
        let reply = hybrid.ask(question, now());
        assert_eq!(reply.id.as_deref(), Some("piscine"), "{reply:?}");
        assert_eq!(hybrid.explain(question)[0].id, "piscine");
        assert!(hybrid.explain(question)[0].similarity.is_some());
        // Lexical questions keep working in hybrid mode.
        assert_eq!(
            hybrid.ask("comment s'inscrire sur les listes électorales", now()).id.as_deref(),
            Some("elections")
        );
    }

    #[test]
    fn the_second_load_reads_the_embedding_cache() {
        let cache = tempfile::tempdir().expect("tempdir");
        let first = Chatbot::new(&content(), semantic_config(Some(cache.path().to_path_buf()))).expect("bot");
        assert!(first.wait_semantic(Duration::from_secs(120)));
        assert_eq!(first.embedding_outcome(), Some(CacheOutcome::Miss));
        let second =
            Chatbot::new(&content(), semantic_config(Some(cache.path().to_path_buf()))).expect("bot");
        assert!(second.wait_semantic(Duration::from_secs(120)));
        assert_eq!(second.embedding_outcome(), Some(CacheOutcome::Hit));
        let q = "swimming pool opening times";
        assert_eq!(first.ask(q, now()).topk, second.ask(q, now()).topk);
        // Changed content: a new cache entry, not a stale hit.
        let mut changed = content();
        changed.faq[0].question = "Comment obtenir un passeport ?".to_string();
        second.reload(&changed).expect("reload");
        assert!(second.wait_semantic(Duration::from_secs(120)));
        assert_eq!(second.embedding_outcome(), Some(CacheOutcome::Miss));
    }

    #[test]
    fn a_broken_model_falls_back_to_lexical_with_one_log_line() {
        let dir = broken_model_dir();
        let config = config_with_model(dir.path().to_path_buf());
        let (bot, log) = with_log(|| Chatbot::new(&content(), config).expect("chatbot"));
        assert!(!bot.semantic_loaded());
        assert_eq!(
            log.matches("semantic model not loaded, the chatbot runs lexical-only").count(),
            1,
            "{log}"
        );
        assert!(log.contains("config.json"), "{log}");
        assert_eq!(bot.ask("horaires de la piscine", now()).id.as_deref(), Some("piscine"));
    }

    #[test]
    fn a_missing_model_falls_back_to_lexical() {
        let config = config_with_model(PathBuf::from("/nonexistent/model"));
        let (bot, log) = with_log(|| Chatbot::new(&content(), config).expect("chatbot"));
        assert!(!bot.semantic_loaded());
        assert!(log.contains("missing config.json"), "{log}");
        assert!(!bot.wait_semantic(Duration::from_millis(10)));
    }
}

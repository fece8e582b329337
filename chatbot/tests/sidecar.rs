//! The chatbot with its model in the `borne-embed` sidecar, as the `borne` package runs it: a
//! build without the cargo feature `semantic` (no libtorch) and `SemanticConfig::embedder`.
//!
//! Every test runs with a small sidecar written in Python that speaks the same protocol with
//! "concept" vectors (no model, so it runs on every `cargo test`), and again with the real
//! `borne-embed` and multilingual-e5-small when `BORNE_EMBED` (the program, built with
//! `--features semantic`) and `BORNE_SEMANTIC_MODEL` are set, as in the semantic step of
//! scripts/test.sh: ready, questions answered with similarities, the sidecar killed mid-way
//! (lexical answers, one log line, then the restarted sidecar), a model it cannot load, the FAQ
//! embedding cache keyed by the sidecar's model.

#![cfg(not(feature = "semantic"))]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use borne_chatbot::semantic::CacheOutcome;
use borne_chatbot::{Chatbot, ChatbotConfig, SemanticConfig};
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

/// A sidecar in Python: one dimension per topic of the test FAQ, counting the question's words of
/// that topic, French or English (and a constant, so no vector is zero). A model directory without
/// `config.json` fails to load, as with `borne-embed`.
const FAKE: &str = r#"#!/usr/bin/env python3
import json, os, sys
d = sys.argv[2]
if not os.path.isfile(os.path.join(d, "config.json")):
    print(json.dumps({"failed": "model directory %s: missing config.json" % d}), flush=True)
    sys.exit(1)
TOPICS = [["carte", "identit", "papiers", "passport"], ["piscine", "nager", "swimming", "pool"],
          ["encombrants", "chets", "waste"], ["diath", "livres", "library", "books"],
          ["marier", "mariage", "wedding"], ["lectoral", "voter", "vote", "election"]]
def vector(text):
    words = text.lower().split()
    return [float(sum(1 for w in words if any(k in w for k in topic))) for topic in TOPICS] + [0.1]
print(json.dumps({"ready": {"protocol": 1, "key": "fake-topics", "dim": 7}}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    print(json.dumps({"id": req["id"], "vectors": [vector(t) for t in req["texts"]]}), flush=True)
"#;

/// A sidecar to test with, and a model directory of its own (so that its process can be told
/// from other tests' by its command line).
struct Sidecar {
    name: &'static str,
    program: PathBuf,
    model: PathBuf,
    _dir: tempfile::TempDir,
}

/// The Python sidecar, and the real one when the environment names it.
fn sidecars() -> Vec<Sidecar> {
    use std::os::unix::fs::PermissionsExt;
    let mut found = Vec::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let program = dir.path().join("fake-embed");
    std::fs::write(&program, FAKE).expect("write the fake sidecar");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let model = dir.path().join("model");
    std::fs::create_dir(&model).expect("model dir");
    std::fs::write(model.join("config.json"), "{}").expect("config.json");
    found.push(Sidecar { name: "python", program, model, _dir: dir });
    match (std::env::var_os("BORNE_EMBED"), std::env::var_os("BORNE_SEMANTIC_MODEL")) {
        (Some(program), Some(model)) => {
            let dir = tempfile::tempdir().expect("tempdir");
            let link = dir.path().join("multilingual-e5-small");
            std::os::unix::fs::symlink(&model, &link).expect("symlink to the model");
            found.push(Sidecar { name: "borne-embed", program: program.into(), model: link, _dir: dir });
        }
        _ => eprintln!(
            "the real borne-embed is not tested: set BORNE_EMBED and BORNE_SEMANTIC_MODEL (scripts/test.sh does)"
        ),
    }
    found
}

fn config(program: &Path, model: &Path, cache: Option<&Path>) -> ChatbotConfig {
    ChatbotConfig {
        semantic: SemanticConfig {
            model: Some(model.to_path_buf()),
            cache_dir: cache.map(Path::to_path_buf),
            embedder: Some(program.to_path_buf()),
        },
        ..ChatbotConfig::default()
    }
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
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let log = String::from_utf8_lossy(&captured.0.lock().expect("log buffer")).into_owned();
    (out, log)
}

/// The pid of this process's child running with `model` on its command line.
fn sidecar_pid(model: &Path) -> Option<u32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
        let ppid = stat.rsplit(')').next()?.split_whitespace().nth(1)?;
        let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
        let model = model.as_os_str().as_encoded_bytes();
        (ppid == me && cmdline.windows(model.len()).any(|w| w == model)).then_some(pid)
    })
}

/// Index of the highest value.
fn argmax(values: &[f32]) -> usize {
    values.iter().enumerate().fold(0, |best, (i, v)| if *v > values[best] { i } else { best })
}

const POOL: &str = "swimming pool opening times";

#[test]
fn the_sidecar_gives_each_question_its_similarities_to_every_entry() {
    for sidecar in sidecars() {
        let name = sidecar.name;
        let bot = Chatbot::new(&content(), config(&sidecar.program, &sidecar.model, None)).expect("bot");
        assert!(bot.semantic_loaded(), "{name}: loading in the background");
        assert!(bot.wait_semantic(Duration::from_secs(300)), "{name}: FAQ embeddings not ready");
        let similarities = bot.similarities(POOL).expect("similarities");
        assert!(similarities.fits(bot.entry_count()), "{name}: {similarities:?}");
        assert_eq!(content().faq[argmax(&similarities.phrasing)].id, "piscine", "{name}: {similarities:?}");
        let ranked = bot.explain(POOL);
        assert!(ranked.iter().all(|r| r.similarity.is_some()), "{name}: {ranked:?}");
        assert!(bot.ask(POOL, now()).topk.iter().any(|c| c.id == "piscine"), "{name}");
        // Dropping the chatbot stops its sidecar.
        let pid = sidecar_pid(&sidecar.model).expect("the sidecar runs");
        drop(bot);
        let deadline = Instant::now() + Duration::from_secs(10);
        while sidecar_pid(&sidecar.model) == Some(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(sidecar_pid(&sidecar.model), None, "{name}: the sidecar outlived the chatbot");
    }
}

#[test]
fn a_killed_sidecar_means_lexical_answers_and_one_log_line_until_it_is_back() {
    let question = "horaires de la piscine";
    let lexical = Chatbot::new(&content(), ChatbotConfig::default()).expect("lexical bot");
    let expected = lexical.ask(question, now());
    assert_eq!(expected.id.as_deref(), Some("piscine"));
    for sidecar in sidecars() {
        let name = sidecar.name;
        let ((), log) = with_log(|| {
            let bot = Chatbot::new(&content(), config(&sidecar.program, &sidecar.model, None)).expect("bot");
            assert!(bot.wait_semantic(Duration::from_secs(300)), "{name}: FAQ embeddings not ready");
            assert!(bot.similarities(question).is_some(), "{name}");
            let pid = sidecar_pid(&sidecar.model).expect("the sidecar runs");
            let killed = Command::new("kill").args(["-9", &pid.to_string()]).status().expect("kill");
            assert!(killed.success());
            // The question that meets the dead sidecar, and those asked while it restarts, are
            // answered lexically.
            let reply = bot.ask(question, now());
            assert_eq!(
                (reply.id.as_deref(), &reply.text),
                (expected.id.as_deref(), &expected.text),
                "{name}"
            );
            assert!(bot.explain(question).iter().all(|r| r.similarity.is_none()), "{name}: lexical");
            let deadline = Instant::now() + Duration::from_secs(300);
            while bot.similarities(question).is_none() {
                assert!(Instant::now() < deadline, "{name}: the sidecar did not come back");
                std::thread::sleep(Duration::from_millis(100));
            }
            let again = sidecar_pid(&sidecar.model).expect("restarted");
            assert_ne!(again, pid, "{name}");
            assert!(bot.explain(POOL).iter().all(|r| r.similarity.is_some()), "{name}: semantic again");
        });
        assert_eq!(log.matches("borne-embed stopped").count(), 1, "{name}: {log}");
        assert_eq!(log.matches("WARN").count(), 1, "{name}: one warning only: {log}");
        assert!(log.contains("borne-embed restarted"), "{name}: {log}");
    }
}

#[test]
fn a_model_the_sidecar_cannot_load_means_lexical_with_one_log_line() {
    for sidecar in sidecars() {
        let name = sidecar.name;
        let broken = tempfile::tempdir().expect("tempdir");
        let (bot, log) = with_log(|| {
            let bot = Chatbot::new(&content(), config(&sidecar.program, broken.path(), None)).expect("bot");
            assert!(!bot.wait_semantic(Duration::from_secs(300)), "{name}");
            bot
        });
        assert!(!bot.semantic_loaded(), "{name}");
        assert_eq!(
            log.matches("semantic model not loaded, the chatbot runs lexical-only").count(),
            1,
            "{name}: {log}"
        );
        assert!(log.contains("missing config.json"), "{name}: {log}");
        assert_eq!(bot.ask("horaires de la piscine", now()).id.as_deref(), Some("piscine"));
    }
}

#[test]
fn without_a_sidecar_program_the_model_is_ignored_with_one_log_line() {
    let missing = Path::new("/nonexistent/borne-embed");
    let (bot, log) = with_log(|| {
        Chatbot::new(&content(), config(missing, Path::new("/usr/share/borne/models/x"), None)).expect("bot")
    });
    assert!(!bot.semantic_loaded());
    assert!(!bot.wait_semantic(Duration::from_millis(10)));
    assert_eq!(log.matches("no borne-embed program").count(), 1, "{log}");
    assert!(log.contains("/nonexistent/borne-embed"), "{log}");
    assert_eq!(bot.ask("horaires de la piscine", now()).id.as_deref(), Some("piscine"));
}

#[test]
fn the_faq_embedding_cache_is_keyed_by_the_sidecars_model() {
    for sidecar in sidecars() {
        let name = sidecar.name;
        let cache = tempfile::tempdir().expect("tempdir");
        let config = config(&sidecar.program, &sidecar.model, Some(cache.path()));
        let first = Chatbot::new(&content(), config.clone()).expect("bot");
        assert!(first.wait_semantic(Duration::from_secs(300)), "{name}");
        assert_eq!(first.embedding_outcome(), Some(CacheOutcome::Miss), "{name}");
        let before = first.similarities(POOL);
        drop(first);
        let second = Chatbot::new(&content(), config).expect("bot");
        assert!(second.wait_semantic(Duration::from_secs(300)), "{name}");
        assert_eq!(second.embedding_outcome(), Some(CacheOutcome::Hit), "{name}");
        assert_eq!(second.similarities(POOL), before, "{name}");
    }
}

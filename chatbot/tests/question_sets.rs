//! Regression guards on every question set the project has, through the chatbot's own decision:
//! the faq-fr benchmark's dev set (`../shared/eval/faq-fr/`, skipped with a note when absent),
//! the project's French and English questions over the same FAQ, and the kiosk's two sets over the
//! demo content. Each measure must stay within a small margin of the level measured with the
//! shipped weights (`chatbot/weights/`). These are guards, not quality figures: most of these
//! questions were used to fit the weights; the figures that say how the chatbot does on questions
//! it never saw are the cross-validated ones and the frozen slice's, in docs/chatbot.md
//! (`examples/train.rs` computes them).
//!
//! With the cargo feature `semantic` and `BORNE_SEMANTIC_MODEL` (multilingual-e5-small, prepared
//! by scripts/semantic-setup.sh), the same sets are also guarded with the model.

use std::path::{Path, PathBuf};

use borne_chatbot::benchmark::{
    BenchQuery, Metrics, content_from_benchmark_json, evaluate, queries_from_jsonl,
};
use borne_chatbot::{Chatbot, ChatbotConfig};
use borne_content::Content;
use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;

/// How far a measure may move against the chatbot before the test fails (about two questions of
/// a hundred).
const MARGIN: f64 = 0.02;

/// The levels a set must keep: measured, then the guard allows [`MARGIN`] worse.
#[derive(Debug, Clone, Copy)]
struct Levels {
    top1: f64,
    within_one_tap: f64,
    confidently_wrong: f64,
    oos_answered: f64,
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn benchmark_content() -> Option<Content> {
    let path = repo("../shared/eval/faq-fr/faq.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("note: {} is absent, the benchmark's sets are skipped", path.display());
        return None;
    };
    Some(content_from_benchmark_json(&text).expect("benchmark FAQ parses"))
}

fn demo_content() -> Content {
    borne_content::load(&borne_content::ContentSource::Embedded).expect("demo content").content
}

fn queries(path: &Path) -> Option<Vec<BenchQuery>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(queries_from_jsonl(&text).expect("questions parse"))
}

fn paris(y: i32, m: u32, d: u32) -> DateTime<Tz> {
    chrono_tz::Europe::Paris.with_ymd_and_hms(y, m, d, 10, 0, 0).single().expect("date")
}

/// Checks `m` against `levels`, naming the set and the measure that fell.
fn check(set: &str, m: &Metrics, levels: Levels) -> Vec<String> {
    eprintln!(
        "{set}: top-1 {:.3}, direct right {:.3}, within one tap {:.3}, confidently wrong {:.3}, out of scope answered {:.3}, clarified {:.3}",
        m.top1, m.answered_correct, m.within_one_tap, m.confidently_wrong, m.oos_answered, m.clarified
    );
    let mut fell = Vec::new();
    if m.top1 < levels.top1 - MARGIN {
        fell.push(format!("{set}: top-1 {:.3} < {}", m.top1, levels.top1));
    }
    if m.within_one_tap < levels.within_one_tap - MARGIN {
        fell.push(format!("{set}: within one tap {:.3} < {}", m.within_one_tap, levels.within_one_tap));
    }
    if m.confidently_wrong > levels.confidently_wrong + MARGIN {
        fell.push(format!(
            "{set}: confidently wrong {:.3} > {}",
            m.confidently_wrong, levels.confidently_wrong
        ));
    }
    if m.out_of_scope > 0 && m.oos_answered > levels.oos_answered + MARGIN {
        fell.push(format!("{set}: out of scope answered {:.3} > {}", m.oos_answered, levels.oos_answered));
    }
    fell
}

/// Runs every set with `config` (the model, if any, already in it) against its levels.
fn guard(config: &ChatbotConfig, levels: &[(&str, Levels)]) {
    let level = |name: &str| levels.iter().find(|(n, _)| *n == name).map(|(_, l)| *l);
    let mut fell = Vec::new();
    let mut run = |content: &Content, now: DateTime<Tz>, sets: &[(&str, PathBuf)]| {
        let bot = Chatbot::new(content, config.clone()).expect("index builds");
        if config.semantic.model.is_some() {
            assert!(bot.wait_semantic(std::time::Duration::from_secs(600)), "FAQ embeddings not ready");
        }
        for (name, path) in sets {
            let (Some(qs), Some(l)) = (queries(path), level(name)) else {
                eprintln!("note: {} absent, skipped", path.display());
                continue;
            };
            fell.extend(check(name, &evaluate(&bot, &qs, now), l));
        }
    };
    if let Some(bench) = benchmark_content() {
        run(
            &bench,
            paris(2026, 3, 10),
            &[
                ("faq-fr dev", repo("../shared/eval/faq-fr/queries-dev.jsonl")),
                ("faq-fr extra", repo("chatbot/tests/data/faq-fr-extra.jsonl")),
                ("faq-fr english", repo("chatbot/tests/data/faq-fr-english.jsonl")),
            ],
        );
    }
    run(
        &demo_content(),
        paris(2026, 12, 2),
        &[
            ("demo", repo("tests/data/demo-questions.jsonl")),
            ("demo visitors", repo("tests/data/demo-questions-visitors.jsonl")),
        ],
    );
    assert!(fell.is_empty(), "{fell:#?}");
}

#[test]
fn lexical_matching_keeps_its_level_on_every_set() {
    guard(&ChatbotConfig::default(), LEXICAL);
}

/// Levels of lexical matching with `chatbot/weights/lexical.json`, measured on the whole sets.
const LEXICAL: &[(&str, Levels)] = &[
    (
        "faq-fr dev",
        Levels { top1: 0.857, within_one_tap: 0.968, confidently_wrong: 0.0, oos_answered: 0.020 },
    ),
    (
        "faq-fr extra",
        Levels { top1: 0.796, within_one_tap: 0.915, confidently_wrong: 0.021, oos_answered: 0.065 },
    ),
    (
        "faq-fr english",
        Levels { top1: 0.282, within_one_tap: 0.403, confidently_wrong: 0.0, oos_answered: 0.0 },
    ),
    ("demo", Levels { top1: 0.708, within_one_tap: 0.838, confidently_wrong: 0.046, oos_answered: 0.119 }),
    (
        "demo visitors",
        Levels { top1: 0.760, within_one_tap: 0.788, confidently_wrong: 0.014, oos_answered: 0.127 },
    ),
];

#[cfg(feature = "semantic")]
#[test]
fn semantic_matching_keeps_its_level_on_every_set() {
    let Some(model) = std::env::var_os("BORNE_SEMANTIC_MODEL") else {
        panic!("set BORNE_SEMANTIC_MODEL to multilingual-e5-small (scripts/semantic-setup.sh does)");
    };
    let mut config = ChatbotConfig::default();
    config.semantic.model = Some(PathBuf::from(model));
    guard(&config, SEMANTIC);
}

/// Levels with `chatbot/weights/semantic.json` and multilingual-e5-small, measured on the whole
/// sets.
#[cfg(feature = "semantic")]
const SEMANTIC: &[(&str, Levels)] = &[
    (
        "faq-fr dev",
        Levels { top1: 0.881, within_one_tap: 0.960, confidently_wrong: 0.024, oos_answered: 0.010 },
    ),
    (
        "faq-fr extra",
        Levels { top1: 0.851, within_one_tap: 0.932, confidently_wrong: 0.013, oos_answered: 0.117 },
    ),
    (
        "faq-fr english",
        Levels { top1: 0.589, within_one_tap: 0.774, confidently_wrong: 0.016, oos_answered: 0.062 },
    ),
    ("demo", Levels { top1: 0.771, within_one_tap: 0.896, confidently_wrong: 0.042, oos_answered: 0.119 }),
    (
        "demo visitors",
        Levels { top1: 0.870, within_one_tap: 0.952, confidently_wrong: 0.014, oos_answered: 0.073 },
    ),
];

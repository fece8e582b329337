//! Regression guard on the French FAQ benchmark's dev set (`/work/shared/eval/faq-fr/`, outside
//! the repository): fails if top-1 or own-decision overall accuracy fall below the measured level
//! minus a small margin. Skipped, with a note, when the benchmark folder is absent.

use std::path::Path;

use borne_chatbot::benchmark::{content_from_benchmark_json, evaluate, queries_from_jsonl};
use borne_chatbot::{Chatbot, ChatbotConfig};
use chrono::TimeZone;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/eval/faq-fr/");

/// Measured on the dev set when the defaults were chosen (see the crate's report).
const MEASURED_TOP1: f64 = 0.865;
const MEASURED_OVERALL: f64 = 0.862;
const MARGIN: f64 = 0.02;

#[test]
fn dev_set_does_not_regress() {
    let dir = Path::new(DIR);
    if !dir.join("faq.json").exists() {
        eprintln!("note: {DIR} is absent, benchmark regression test skipped");
        return;
    }
    let faq = std::fs::read_to_string(dir.join("faq.json")).expect("faq.json");
    let queries = std::fs::read_to_string(dir.join("queries-dev.jsonl")).expect("queries-dev.jsonl");
    let content = content_from_benchmark_json(&faq).expect("benchmark FAQ parses");
    assert_eq!(content.faq.len(), 74);
    let queries = queries_from_jsonl(&queries).expect("queries parse");
    let bot = Chatbot::new(&content, ChatbotConfig::default()).expect("index builds");
    let now = chrono_tz::Europe::Paris.with_ymd_and_hms(2026, 3, 10, 10, 0, 0).single().expect("date");
    let m = evaluate(&bot, &queries, now);
    eprintln!("dev metrics: {m:?}");
    assert!(m.top1 >= MEASURED_TOP1 - MARGIN, "top-1 {:.3} fell below {MEASURED_TOP1} - {MARGIN}", m.top1);
    assert!(
        m.overall >= MEASURED_OVERALL - MARGIN,
        "overall accuracy {:.3} fell below {MEASURED_OVERALL} - {MARGIN}",
        m.overall
    );
}

//! Reads one question per line on stdin and prints one JSON line per question (flushed), the
//! contract of the `faq-fr` benchmark's `score.py` and of `borne ask --jsonl`.
//!
//! Usage: `jsonl --faq-json FILE [--threshold T] [--explain]` (benchmark FAQ) or
//! `jsonl --content DIR [--threshold T]` (a commune's content directory). `--explain` adds the
//! ranking evidence of the best candidates to each line. Semantic matching (build with
//! `--features semantic`): `--model DIR [--cache DIR]`;
//! the FAQ embeddings are awaited before the first question, and their time is logged to stderr.

use std::io::{BufRead, Write};

use borne_chatbot::{Chatbot, ChatbotConfig};
use borne_content::ContentSource;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut faq_json = None;
    let mut content_dir = None;
    let mut config = ChatbotConfig::default();
    let mut explain = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--faq-json" => faq_json = args.next(),
            "--content" => content_dir = args.next(),
            "--threshold" => {
                config.threshold = Some(args.next().ok_or("--threshold needs a value")?.parse()?)
            }
            "--explain" => explain = true,
            "--model" => config.semantic.model = Some(args.next().ok_or("--model needs a value")?.into()),
            "--cache" => config.semantic.cache_dir = Some(args.next().ok_or("--cache needs a value")?.into()),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let content = match (faq_json, content_dir) {
        (Some(path), _) => {
            borne_chatbot::benchmark::content_from_benchmark_json(&std::fs::read_to_string(path)?)?
        }
        (None, Some(dir)) => borne_content::load(&ContentSource::Directory(dir.into()))?.content,
        (None, None) => return Err("give --faq-json FILE or --content DIR".into()),
    };
    let started = std::time::Instant::now();
    let bot = Chatbot::new(&content, config)?;
    if bot.semantic_loaded() {
        let ready = bot.wait_semantic(std::time::Duration::from_secs(600));
        eprintln!(
            "semantic ready={ready} after {} ms (model load + FAQ embedding)",
            started.elapsed().as_millis()
        );
    }
    let tz = content.commune.timezone;
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        // The example, not the library, reads the clock: live hours are as of each question.
        let reply = bot.ask(&line, chrono::Utc::now().with_timezone(&tz));
        let mut json = reply.to_json();
        if explain && let Some(obj) = json.as_object_mut() {
            let ranked: Vec<_> = bot.explain(&line).into_iter().take(3).collect();
            obj.insert("explain".to_string(), serde_json::to_value(ranked)?);
        }
        writeln!(out, "{json}")?;
        out.flush()?;
    }
    Ok(())
}

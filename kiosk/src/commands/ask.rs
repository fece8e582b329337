//! `borne ask`: the chatbot from the command line, for a person (one question, the answer in
//! words) or for tools (`--jsonl`: one question per line in, one JSON line per question out,
//! flushed, the contract used by outside evaluation tools).

use std::io::{BufRead, Write};

use anyhow::Context;

use crate::chat;
use crate::cli::AskArgs;
use crate::clock::Clock;
use crate::config::Config;

/// Answers the question(s) of `args`; `config` already holds `--content` and `--threshold`.
pub fn run(args: &AskArgs, config: &Config) -> anyhow::Result<()> {
    let content = super::load_content(config)?;
    let bot = chat::build(&content, config)?;
    // A one-shot command waits for the FAQ embeddings (the kiosk itself answers lexically meanwhile).
    if bot.semantic_loaded() && !bot.wait_semantic(std::time::Duration::from_secs(300)) {
        tracing::warn!("FAQ embeddings not ready, answering lexically");
    }
    let clock = Clock::new(content.commune.timezone, args.now.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.jsonl {
        for line in std::io::stdin().lock().lines() {
            let line = line.context("cannot read standard input")?;
            let reply = bot.ask(line.trim_end_matches('\r'), clock.now());
            writeln!(out, "{}", reply.to_json())?;
            out.flush()?;
        }
    } else if let Some(question) = &args.question {
        let reply = bot.ask(question, clock.now());
        if reply.is_answer() && reply.language != borne_chatbot::Language::French {
            writeln!(out, "(This answer is in French.)")?;
        }
        writeln!(out, "{}", reply.plain_text())?;
        if let Some(link) = &reply.link {
            writeln!(out, "En ligne : {link}")?;
        }
    }
    Ok(())
}

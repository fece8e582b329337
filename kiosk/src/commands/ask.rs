//! `borne ask`: the chatbot from the command line, for a person (one question, the answer in
//! words) or for tools (`--jsonl`: one question per line in, one JSON line per question out,
//! flushed, the contract used by outside evaluation tools).

use std::io::{BufRead, Write};

use anyhow::{Context, bail};
use borne_content::{ContentSource, load};

use crate::chat;
use crate::cli::AskArgs;
use crate::clock::Clock;
use crate::config::Config;

/// Answers the question(s) of `args`.
pub fn run(args: &AskArgs, config: &Config) -> anyhow::Result<()> {
    let source = match args.content.as_ref().or(config.content.dir.as_ref()) {
        Some(dir) => ContentSource::Directory(dir.clone()),
        None => ContentSource::Embedded,
    };
    let content = match load(&source) {
        Ok(loaded) => loaded.content,
        Err(err) => {
            for problem in &err.problems {
                eprintln!("{problem}");
            }
            bail!("the content of {} has {} error(s)", err.origin, err.error_count());
        }
    };
    if let Some(t) = args.threshold
        && !(0.0..=1.0).contains(&t)
    {
        bail!("--threshold {t}: give a confidence between 0 and 1");
    }
    let bot = chat::build(&content, config, args.threshold)?;
    let clock = match &args.now {
        Some(text) => Clock::starting_at(content.commune.timezone, text)?,
        None => Clock::system(content.commune.timezone),
    };
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
        writeln!(out, "{}", reply.text)?;
        if let Some(link) = &reply.link {
            writeln!(out, "En ligne : {link}")?;
        }
    }
    Ok(())
}

//! `borne faq gaps`: the questions visitors asked that the kiosk could not answer (or answered
//! badly), grouped by similar wording, most frequent first, so staff know which entry to write next.

use std::path::Path;

use anyhow::{Context, bail};
use borne_chatbot::feedback::FeedbackLog;

use crate::chat;

/// Prints the gaps found in the feedback log of `state_dir`.
pub fn run(state_dir: Option<&Path>, limit: usize, json: bool) -> anyhow::Result<()> {
    let Some(state_dir) = state_dir else {
        bail!("no state directory: give --state-dir DIR or set kiosk.state_dir in the configuration");
    };
    let path = chat::feedback_path(state_dir);
    let log =
        FeedbackLog::open(&path, usize::MAX).with_context(|| format!("cannot read {}", path.display()))?;
    let gaps = log.gaps(limit);
    if json {
        println!("{}", serde_json::to_string_pretty(&gaps).context("cannot print JSON")?);
        return Ok(());
    }
    if gaps.is_empty() {
        println!("No unanswered question recorded in {}.", path.display());
        return Ok(());
    }
    println!("Most frequent unanswered questions ({}):", path.display());
    for gap in gaps {
        print!("{:>4} × {}", gap.count, gap.example);
        if let Some(id) = &gap.nearest_id {
            print!("   [nearest entry: {id}]");
        }
        println!();
        for variant in &gap.variants {
            println!("         also: {variant}");
        }
    }
    Ok(())
}

//! The demo content (`content/demo/`), when present: every FAQ entry must be found from its own
//! question and from each alternative phrasing, and the services' names trigger live hours.

use borne_chatbot::{Chatbot, ChatbotConfig, ReplyKind};
use borne_content::ContentSource;
use chrono::TimeZone;

#[test]
fn demo_entries_find_themselves() {
    let dir = ContentSource::demo_dir();
    if !dir.join("faq.toml").exists() {
        eprintln!("note: {} has no faq.toml yet, demo content test skipped", dir.display());
        return;
    }
    let loaded = match borne_content::load(&ContentSource::Directory(dir.clone())) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("note: demo content does not load yet ({e}), test skipped");
            return;
        }
    };
    let content = loaded.content;
    let bot = Chatbot::new(&content, ChatbotConfig::default()).expect("index builds");
    let now = chrono_tz::Europe::Paris.with_ymd_and_hms(2026, 3, 10, 10, 0, 0).single().expect("date");
    let mut misses = Vec::new();
    let mut total = 0;
    for entry in &content.faq {
        for q in std::iter::once(&entry.question).chain(entry.alternatives.iter()) {
            total += 1;
            let reply = bot.ask(q, now);
            let top = reply.topk.first().map(|c| c.id.as_str());
            if top != Some(entry.id.as_str()) && !matches!(reply.kind, ReplyKind::LiveHours { .. }) {
                misses.push(format!("{q} -> {top:?} (expected {})", entry.id));
            }
        }
    }
    eprintln!("{} of {total} demo phrasings missed: {misses:#?}", misses.len());
    assert!(misses.len() * 50 <= total, "too many demo phrasings missed: {misses:#?}");
}

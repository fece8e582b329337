//! The words of the welcome screen that are built in Rust (and so translated here, not by `@tr`):
//! the date, the time and today's opening hours of each service.

use borne_content::hours_text::{clock, date_words, describe_state};
use borne_content::{Content, Lang};
use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;

/// "Dimanche 29 novembre 2026" / "Sunday 29 November 2026".
pub fn date_text(now: DateTime<Tz>, lang: Lang) -> String {
    let words = format!("{} {}", date_words(now.date_naive(), lang), now.year());
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => format!("{}{}", first.to_uppercase(), chars.as_str()),
        None => words,
    }
}

/// "14h05" / "14:05", as the content crate phrases times.
pub fn time_text(now: DateTime<Tz>, lang: Lang) -> String {
    clock(now.hour(), now.minute(), lang)
}

/// One line per service: its name and whether it is open now, until when, or when it opens next.
pub fn today_hours(content: &Content, now: DateTime<Tz>, lang: Lang) -> String {
    content
        .services
        .iter()
        .map(|service| {
            format!("{} : {}", service.name, describe_state(&service.hours.state_at(now), now, lang))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

//! `news.toml`: the commune's news items and upcoming events.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use toml::Spanned;

use crate::check::FileCheck;

/// A news item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsItem {
    /// Stable identifier.
    pub id: String,
    /// Headline.
    pub title: String,
    /// Publication date.
    pub date: NaiveDate,
    /// Text of the item.
    pub body: String,
    /// Where to read more.
    pub link: Option<String>,
}

/// An event in the commune's agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable identifier.
    pub id: String,
    /// Name of the event.
    pub title: String,
    /// Start, in the commune's local time.
    pub starts: NaiveDateTime,
    /// End, in the commune's local time, when known.
    pub ends: Option<NaiveDateTime>,
    /// Where it takes place.
    pub place: Option<String>,
    /// Description.
    pub body: String,
    /// Where to read more.
    pub link: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    news: Vec<Spanned<RawNews>>,
    #[serde(default)]
    event: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNews {
    id: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    body: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    id: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    starts: Option<Spanned<String>>,
    ends: Option<Spanned<String>>,
    place: Option<Spanned<String>>,
    body: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
}

/// Parses and validates `news.toml`; news are returned newest first, events soonest first.
pub(crate) fn load(text: &str, check: &mut FileCheck<'_>) -> (Vec<NewsItem>, Vec<Event>) {
    let Some(raw) = check.parse::<RawFile>(text) else {
        return (Vec::new(), Vec::new());
    };
    let mut seen = HashMap::new();
    let mut news = Vec::with_capacity(raw.news.len());
    for (index, spanned) in raw.news.into_iter().enumerate() {
        let line = check.line(&spanned);
        let raw = spanned.into_inner();
        let id = check.id(raw.id, line, &format!("news #{}", index + 1), &mut seen);
        let what = id.as_ref().map_or(format!("news #{}", index + 1), |id| format!("news '{id}'"));
        let title = check.required(raw.title, line, &what, "title");
        let date = check.date(raw.date, line, &what, "date");
        let body = check.required(raw.body, line, &what, "body");
        let link = check.link(raw.link, &what, "link");
        if let (Some(id), Some(title), Some(date), Some(body)) = (id, title, date, body) {
            news.push(NewsItem { id, title, date, body, link });
        }
    }
    let mut events = Vec::with_capacity(raw.event.len());
    for (index, spanned) in raw.event.into_iter().enumerate() {
        let line = check.line(&spanned);
        let raw = spanned.into_inner();
        let id = check.id(raw.id, line, &format!("event #{}", index + 1), &mut seen);
        let what = id.as_ref().map_or(format!("event #{}", index + 1), |id| format!("event '{id}'"));
        let title = check.required(raw.title, line, &what, "title");
        let starts = check.date_time(raw.starts, line, &what, "starts");
        let ends_line = raw.ends.as_ref().map(|e| check.line(e));
        let ends = match raw.ends {
            Some(ends) => check.date_time(Some(ends), line, &what, "ends"),
            None => None,
        };
        if let (Some(starts), Some(ends)) = (starts, ends)
            && ends < starts
        {
            check.error(ends_line, format!("{what} ends before it starts"));
        }
        let place = check.optional(raw.place, &what, "place");
        let body = check.required(raw.body, line, &what, "body");
        let link = check.link(raw.link, &what, "link");
        if let (Some(id), Some(title), Some(starts), Some(body)) = (id, title, starts, body) {
            events.push(Event { id, title, starts, ends, place, body, link });
        }
    }
    news.sort_by_key(|n| std::cmp::Reverse(n.date));
    events.sort_by_key(|e| e.starts);
    (news, events)
}

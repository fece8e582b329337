//! The "Actualités et agenda" screen's data: the commune's news newest first, and the events still
//! to come (or under way) as of the kiosk's clock, soonest first, with their dates and times
//! phrased in the visitor's language and a small QR code of each link.

use borne_content::hours_text::{clock, date_words};
use borne_content::{Content, Event, Lang};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Tz;

use crate::generated::{EventRow, NewsRow};
use crate::qr::qr_image;
use crate::strings::Text;

/// Smallest side of a news or event QR code on screen, in pixels.
pub const QR_PX: u32 = 180;

/// Upper-cases the first letter ("lundi…" → "Lundi…").
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// "lundi 30 novembre 2026" / "Monday 30 November 2026".
fn day(date: NaiveDate, lang: Lang) -> String {
    format!("{} {}", date_words(date, lang), date.year())
}

fn time(at: NaiveDateTime, lang: Lang) -> String {
    clock(at.hour(), at.minute(), lang)
}

/// When `event` takes place, in `lang`: "Samedi 12 décembre 2026, de 14h00 à 19h00",
/// "Du lundi 4 janvier 2027 à 8h00 au samedi 16 janvier 2027 à 18h00", "… à 11h00".
pub fn event_when(event: &Event, lang: Lang) -> String {
    let starts = event.starts;
    let at = |moment: NaiveDateTime| {
        Text::EventAt
            .get(lang)
            .replace("{date}", &day(moment.date(), lang))
            .replace("{time}", &time(moment, lang))
    };
    let text = match event.ends {
        Some(ends) if ends.date() == starts.date() => Text::EventSameDay
            .get(lang)
            .replace("{date}", &day(starts.date(), lang))
            .replace("{start}", &time(starts, lang))
            .replace("{end}", &time(ends, lang)),
        Some(ends) => Text::EventSpan.get(lang).replace("{start}", &at(starts)).replace("{end}", &at(ends)),
        None => at(starts),
    };
    capitalised(&text)
}

/// Whether `event` is over at `now` (its end, or its start when it has no end, has passed).
pub fn is_past(event: &Event, now: DateTime<Tz>) -> bool {
    event.ends.unwrap_or(event.starts) < now.naive_local()
}

/// The news rows, newest first.
pub fn news_rows(content: &Content, lang: Lang) -> Vec<NewsRow> {
    let mut items: Vec<_> = content.news.iter().collect();
    items.sort_by_key(|n| std::cmp::Reverse(n.date));
    items
        .into_iter()
        .map(|n| NewsRow {
            date: capitalised(&day(n.date, lang)).into(),
            title: n.title.as_str().into(),
            body: n.body.trim().into(),
            link: n.link.clone().unwrap_or_default().into(),
            qr: n.link.as_deref().map(|l| qr_image(l, QR_PX)).unwrap_or_default(),
        })
        .collect()
}

/// The events not over at `now`, soonest first.
pub fn event_rows(content: &Content, now: DateTime<Tz>, lang: Lang) -> Vec<EventRow> {
    let mut events: Vec<_> = content.events.iter().filter(|e| !is_past(e, now)).collect();
    events.sort_by_key(|e| e.starts);
    events
        .into_iter()
        .map(|e| EventRow {
            when: event_when(e, lang).into(),
            title: e.title.as_str().into(),
            place: e.place.clone().unwrap_or_default().into(),
            body: e.body.trim().into(),
            link: e.link.clone().unwrap_or_default().into(),
            qr: e.link.as_deref().map(|l| qr_image(l, QR_PX)).unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("date")
    }

    fn event(id: &str, starts: &str, ends: Option<&str>) -> Event {
        Event {
            id: id.into(),
            title: format!("Événement {id}"),
            starts: at(starts),
            ends: ends.map(at),
            place: Some("Place du Martroi".into()),
            body: "Entrée libre.".into(),
            link: None,
        }
    }

    #[test]
    fn event_times_in_french_and_english() {
        let same_day = event("a", "2026-12-12T14:00", Some("2026-12-12T19:00"));
        assert_eq!(event_when(&same_day, Lang::Fr), "Samedi 12 décembre 2026, de 14h00 à 19h00");
        assert_eq!(event_when(&same_day, Lang::En), "Saturday 12 December 2026, 14:00 to 19:00");
        let span = event("b", "2027-01-04T08:00", Some("2027-01-16T18:00"));
        assert_eq!(
            event_when(&span, Lang::Fr),
            "Du lundi 4 janvier 2027 à 8h00 au samedi 16 janvier 2027 à 18h00"
        );
        assert!(event_when(&span, Lang::En).starts_with("From Monday 4 January 2027 at "));
        let open_end = event("c", "2027-01-09T11:00", None);
        assert_eq!(event_when(&open_end, Lang::Fr), "Samedi 9 janvier 2027 à 11h00");
    }

    #[test]
    fn past_events_are_hidden_ongoing_ones_kept_soonest_first() {
        let tz = chrono_tz::Europe::Paris;
        let commune = borne_content::Commune::minimal("Vernay", "l'accueil");
        let mut content = Content::from_faq(commune, Vec::new(), "test");
        content.events = vec![
            event("later", "2026-12-20T10:00", None),
            event("past", "2026-12-01T10:00", Some("2026-12-01T12:00")),
            event("ongoing", "2026-12-01T08:00", Some("2026-12-15T18:00")),
            event("ended-this-morning", "2026-12-02T08:00", None),
        ];
        let now = tz.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).single().expect("now");
        let titles: Vec<String> =
            event_rows(&content, now, Lang::Fr).iter().map(|r| r.title.to_string()).collect();
        assert_eq!(titles, ["Événement ongoing", "Événement later"]);
        let later = now + chrono::Duration::days(30);
        assert!(event_rows(&content, later, Lang::Fr).is_empty());
    }
}

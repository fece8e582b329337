//! Live answers to "is it open?" questions, computed from the services' hours at a given instant.
//!
//! A question is an hours question when it has an hours intent word (horaires, ouvert, fermé,
//! heure, quand, aujourd'hui, demain, a weekday...) and names a service (its name, an alias or
//! its id, accents folded, each word matched within the allowed edit distance). The reply says
//! the state now (`describe_state`) and, when a day is named, that day's hours (`describe_day`).
//! The instant is always a parameter: the library never reads the system clock.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Weekday};
use chrono_tz::Tz;

use borne_content::hours_text::{date_words, describe_day, describe_state};
use borne_content::{Lang, Service};

use crate::analysis::Analyzer;
use crate::fuzzy::{allowed_edits, distance_within};

/// Folded words that say the question is about opening hours (weekday names and "aujourd'hui",
/// "demain" are handled as days and count too).
const INTENT_WORDS: &[&str] = &[
    "horaire",
    "horaires",
    "ouvert",
    "ouverte",
    "ouverts",
    "ouvertes",
    "ouvre",
    "ouvrent",
    "ouvrez",
    "ouverture",
    "ouvertures",
    "ferme",
    "fermee",
    "fermes",
    "fermees",
    "ferment",
    "fermez",
    "fermeture",
    "fermetures",
    "heure",
    "heures",
    "quand",
    "jusqu",
    "midi",
    "soir",
    "matin",
];

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("lundi", Weekday::Mon),
    ("mardi", Weekday::Tue),
    ("mercredi", Weekday::Wed),
    ("jeudi", Weekday::Thu),
    ("vendredi", Weekday::Fri),
    ("samedi", Weekday::Sat),
    ("dimanche", Weekday::Sun),
];

/// The day a question asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskedDay {
    /// "aujourd'hui".
    Today,
    /// "demain".
    Tomorrow,
    /// A weekday name: the next such day, today included.
    Weekday(Weekday),
}

impl AskedDay {
    /// The date meant, seen from `today`.
    pub fn date(self, today: NaiveDate) -> NaiveDate {
        match self {
            Self::Today => today,
            Self::Tomorrow => today + Duration::days(1),
            Self::Weekday(w) => {
                let ahead = (7 + w.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
                today + Duration::days(i64::from(ahead))
            }
        }
    }
}

/// Whether folded `words` ask about opening hours at all ("horaires", "ouvert", a weekday...),
/// whichever service they name, if any.
pub fn has_hours_intent(words: &[String]) -> bool {
    words.iter().any(|w| {
        INTENT_WORDS.contains(&w.as_str()) || WEEKDAYS.iter().any(|(name, _)| name == w) || w == "demain"
    })
}

/// A detected hours question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursQuestion {
    /// Index of the service in the list given to [`ServiceMatcher::detect`].
    pub service: usize,
    /// The day named, if any.
    pub day: Option<AskedDay>,
}

/// Recognizes services and hours intents in questions.
#[derive(Debug, Clone, Default)]
pub struct ServiceMatcher {
    /// Per service, its names as folded word sequences.
    names: Vec<Vec<Vec<String>>>,
}

impl ServiceMatcher {
    /// Prepares the names, aliases and ids of `services`.
    pub fn new(services: &[Service], analyzer: &mut Analyzer) -> Self {
        let names = services
            .iter()
            .map(|s| {
                std::iter::once(s.name.as_str())
                    .chain(s.aliases.iter().map(String::as_str))
                    .chain(std::iter::once(s.id.as_str()))
                    .map(|n| analyzer.folded_words(&n.replace(['-', '_'], " ")))
                    .filter(|w| !w.is_empty())
                    .collect()
            })
            .collect();
        Self { names }
    }

    /// The hours question in `words` (folded words of the question), if it is one.
    pub fn detect(&self, words: &[String]) -> Option<HoursQuestion> {
        let mut day = None;
        let mut intent = false;
        for (i, w) in words.iter().enumerate() {
            if let Some((_, wd)) = WEEKDAYS.iter().find(|(name, _)| name == w) {
                day = Some(AskedDay::Weekday(*wd));
            } else if w == "demain" {
                day = Some(AskedDay::Tomorrow);
            } else if w == "aujourd" || (w == "hui" && i > 0) {
                day = day.or(Some(AskedDay::Today));
            } else if INTENT_WORDS.contains(&w.as_str()) {
                intent = true;
            }
        }
        if !intent && day.is_none() {
            return None;
        }
        let mut best: Option<(usize, usize)> = None;
        for (service, names) in self.names.iter().enumerate() {
            for name in names {
                if name.iter().all(|n| words.iter().any(|w| word_matches(w, n))) {
                    let len = name.len();
                    if best.is_none_or(|(_, l)| len > l) {
                        best = Some((service, len));
                    }
                }
            }
        }
        best.map(|(service, _)| HoursQuestion { service, day })
    }
}

fn word_matches(typed: &str, name: &str) -> bool {
    typed == name || distance_within(typed, name, allowed_edits(name.chars().count())).is_some()
}

/// The French text of a live hours answer for `service` at `now`.
pub fn live_text(service: &Service, day: Option<AskedDay>, now: DateTime<Tz>) -> String {
    let now = now.with_timezone(&service.hours.timezone());
    let state = service.hours.state_at(now);
    let mut text = format!("{} : {}.", service.name, describe_state(&state, now, Lang::Fr));
    if let Some(day) = day {
        let date = day.date(now.date_naive());
        let hours = service.hours.day(date);
        let label = match day {
            AskedDay::Today => "Aujourd'hui".to_string(),
            AskedDay::Tomorrow => format!("Demain ({})", date_words(date, Lang::Fr)),
            AskedDay::Weekday(_) => capitalize(&date_words(date, Lang::Fr)),
        };
        text.push_str(&format!(" {label} : {}.", describe_day(&hours, Lang::Fr)));
    }
    text
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

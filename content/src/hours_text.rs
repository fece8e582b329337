//! Opening states and day hours put into plain French or English words ("Ouvert jusqu'à 18h00",
//! "Fermé aujourd'hui (jour férié), ouvre demain à 9h00"), shared by the kiosk screens, the
//! terminal session and the chatbot's live answers so that they all say the same thing.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Weekday};
use chrono_tz::Tz;

use crate::hours::{ClosedReason, DayHours, OpenState};
use crate::lang::Lang;

/// "9h00" in French, "9:00" in English.
pub fn clock(hour: u32, minute: u32, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("{hour}h{minute:02}"),
        Lang::En => format!("{hour}:{minute:02}"),
    }
}

fn clock_of(minutes: u16, lang: Lang) -> String {
    let m = u32::from(minutes) % (24 * 60);
    clock(m / 60, m % 60, lang)
}

/// The name of a weekday.
pub fn weekday_name(day: Weekday, lang: Lang) -> &'static str {
    const FR: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    const EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    let i = day.num_days_from_monday() as usize;
    match lang {
        Lang::Fr => FR[i],
        Lang::En => EN[i],
    }
}

/// The name of a month (1-based).
pub fn month_name(month: u32, lang: Lang) -> &'static str {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let i = (month.clamp(1, 12) - 1) as usize;
    match lang {
        Lang::Fr => FR[i],
        Lang::En => EN[i],
    }
}

/// A date in words: "mardi 24 décembre" / "Tuesday 24 December".
pub fn date_words(date: NaiveDate, lang: Lang) -> String {
    let day = if lang == Lang::Fr && date.day() == 1 { "1er".to_string() } else { date.day().to_string() };
    format!("{} {} {}", weekday_name(date.weekday(), lang), day, month_name(date.month(), lang))
}

/// When `at` is, relative to `now`: "à 14h00", "demain à 9h00", "mardi à 9h00", "le 5 janvier à 9h00".
fn when(at: DateTime<Tz>, now: DateTime<Tz>, lang: Lang) -> String {
    let time = clock(at.hour(), at.minute(), lang);
    let days = (at.date_naive() - now.date_naive()).num_days();
    match (lang, days) {
        (Lang::Fr, 0) => format!("à {time}"),
        (Lang::Fr, 1) => format!("demain à {time}"),
        (Lang::Fr, 2..=6) => format!("{} à {time}", weekday_name(at.weekday(), lang)),
        (Lang::Fr, _) => format!("le {} à {time}", date_words(at.date_naive(), lang)),
        (Lang::En, 0) => format!("at {time}"),
        (Lang::En, 1) => format!("tomorrow at {time}"),
        (Lang::En, 2..=6) => format!("on {} at {time}", weekday_name(at.weekday(), lang)),
        (Lang::En, _) => format!("on {} at {time}", date_words(at.date_naive(), lang)),
    }
}

/// One sentence describing an opening state at `now`.
pub fn describe_state(state: &OpenState, now: DateTime<Tz>, lang: Lang) -> String {
    match state {
        OpenState::Open { until, special } => {
            let mut text = match (lang, until) {
                (Lang::Fr, Some(until)) => format!("Ouvert maintenant, jusqu'{}", fr_until(*until, now)),
                (Lang::Fr, None) => "Ouvert maintenant".to_string(),
                (Lang::En, Some(until)) => format!("Open now, until {}", en_until(*until, now)),
                (Lang::En, None) => "Open now".to_string(),
            };
            if let Some(reason) = special {
                text.push_str(&format!(" ({reason})"));
            }
            text
        }
        OpenState::Closed { reason, reopens } => {
            let head = match (lang, reason) {
                (Lang::Fr, ClosedReason::Regular) => "Fermé en ce moment".to_string(),
                (Lang::Fr, ClosedReason::PublicHoliday) => "Fermé aujourd'hui (jour férié)".to_string(),
                (Lang::Fr, ClosedReason::Exceptional(r)) => format!("Fermé exceptionnellement ({r})"),
                (Lang::En, ClosedReason::Regular) => "Closed now".to_string(),
                (Lang::En, ClosedReason::PublicHoliday) => "Closed today (public holiday)".to_string(),
                (Lang::En, ClosedReason::Exceptional(r)) => format!("Exceptionally closed ({r})"),
            };
            match (lang, reopens) {
                (Lang::Fr, Some(at)) => format!("{head}, ouvre {}", when(*at, now, lang)),
                (Lang::Fr, None) => format!("{head}, pas de réouverture prévue"),
                (Lang::En, Some(at)) => format!("{head}, opens {}", when(*at, now, lang)),
                (Lang::En, None) => format!("{head}, no reopening planned"),
            }
        }
        OpenState::Unknown => match lang {
            Lang::Fr => "Horaires à confirmer auprès du service".to_string(),
            Lang::En => "Hours to be confirmed with the service".to_string(),
        },
    }
}

fn fr_until(until: DateTime<Tz>, now: DateTime<Tz>) -> String {
    let time = clock(until.hour(), until.minute(), Lang::Fr);
    match (until.date_naive() - now.date_naive()).num_days() {
        0 => format!("à {time}"),
        1 => format!("à demain {time}"),
        _ => format!("au {} à {time}", date_words(until.date_naive(), Lang::Fr)),
    }
}

fn en_until(until: DateTime<Tz>, now: DateTime<Tz>) -> String {
    let time = clock(until.hour(), until.minute(), Lang::En);
    match (until.date_naive() - now.date_naive()).num_days() {
        0 => time,
        1 => format!("tomorrow {time}"),
        _ => format!("{} at {time}", date_words(until.date_naive(), Lang::En)),
    }
}

/// A day's hours in words: "9h00-12h00, 14h00-17h30", "fermé (jour férié)".
pub fn describe_day(day: &DayHours, lang: Lang) -> String {
    let mut text = if day.closed_all_day() {
        match lang {
            Lang::Fr => "fermé".to_string(),
            Lang::En => "closed".to_string(),
        }
    } else {
        day.spans
            .iter()
            .map(|s| format!("{}-{}", clock_of(s.start, lang), clock_of(s.end, lang)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(closure) = &day.closure {
        text.push_str(&format!(" ({})", closure.reason));
    } else if day.public_holiday {
        text.push_str(match lang {
            Lang::Fr => " (jour férié)",
            Lang::En => " (public holiday)",
        });
    }
    text
}

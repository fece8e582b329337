//! The rows of the "Horaires et services" screen: for each service, open or closed now and what that
//! means, the week day by day, the exceptional closures to come, and how to reach it — in the words
//! the content crate uses for every screen (`hours_text`), in the visitor's language.

use borne_content::hours::OpenState;
use borne_content::hours_text::{date_words, describe_day, describe_state};
use borne_content::{Content, Lang};
use chrono::DateTime;
use chrono_tz::Tz;

use crate::generated::ServiceRow;

/// One row per service of `content`, as of `now`.
pub fn service_rows(content: &Content, now: DateTime<Tz>, lang: Lang) -> Vec<ServiceRow> {
    let today = now.date_naive();
    content
        .services
        .iter()
        .map(|service| {
            let state = service.hours.state_at(now);
            let week = service
                .hours
                .week(today)
                .iter()
                .map(|day| format!("{} : {}", date_words(day.date, lang), describe_day(day, lang)))
                .collect::<Vec<_>>()
                .join("\n");
            let closures = service
                .hours
                .closures()
                .iter()
                .filter(|c| c.to >= today)
                .map(|c| {
                    let dates = if c.from == c.to {
                        date_words(c.from, lang)
                    } else {
                        format!("{} → {}", date_words(c.from, lang), date_words(c.to, lang))
                    };
                    format!("{dates} : {}", c.reason)
                })
                .collect::<Vec<_>>()
                .join("\n");
            let contact = [service.address.as_deref(), service.phone.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            ServiceRow {
                name: service.name.as_str().into(),
                open: matches!(state, OpenState::Open { .. }),
                state: describe_state(&state, now, lang).into(),
                week: week.into(),
                closures: closures.into(),
                contact: contact.into(),
            }
        })
        .collect()
}

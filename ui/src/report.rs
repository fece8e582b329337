//! "Signaler un problème": one question per page (category, where, what, an optional contact), a
//! summary to confirm or correct, then the ticket number shown big, printed on the receipt printer
//! and handed to the [`UiReporter`] (telemetry and the local incidents file in the kiosk program).
//!
//! The pages and their navigation are in `ui/ui/report.slint`; this module reads what the visitor
//! chose and typed from the `Api` global, files the report, and clears it.
//!
//! [`UiReporter`]: crate::reporter::UiReporter

use std::sync::Arc;

use borne_content::Lang;
use chrono::{DateTime, Datelike};
use chrono_tz::Tz;
use slint::{ComponentHandle, SharedString};

use crate::generated::{Api, AppWindow};
use crate::kiosk::UiServices;
use crate::strings::Text;

/// Longest place the keyboard types, in characters.
pub const MAX_PLACE_CHARS: usize = 120;
/// Longest description the keyboard types, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Longest contact (phone or e-mail) the keyboard types, in characters.
pub const MAX_CONTACT_CHARS: usize = 80;

/// What a problem is about, as the visitor chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Street lights.
    Lighting,
    /// Roads and pavements (holes, damaged pavement).
    Roads,
    /// Cleanliness (rubbish, graffiti).
    Cleanliness,
    /// Anything else.
    Other,
}

impl Category {
    /// Every category, in the order shown.
    pub const ALL: [Category; 4] =
        [Category::Lighting, Category::Roads, Category::Cleanliness, Category::Other];

    /// The stable code used in `Api.report-category` and in telemetry (`lighting`, `roads`,
    /// `cleanliness`, `other`).
    pub fn code(self) -> &'static str {
        match self {
            Category::Lighting => "lighting",
            Category::Roads => "roads",
            Category::Cleanliness => "cleanliness",
            Category::Other => "other",
        }
    }

    /// The category of `code`.
    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Its name in `lang` (the printed ticket uses French).
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Category::Lighting => Text::CategoryLighting,
            Category::Roads => Text::CategoryRoads,
            Category::Cleanliness => Text::CategoryCleanliness,
            Category::Other => Text::CategoryOther,
        }
        .get(lang)
    }
}

/// A problem reported by a visitor, once confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The ticket number given to the visitor (see [`crate::ticket`]).
    pub ticket: String,
    /// What it is about.
    pub category: Category,
    /// Where, in the visitor's words.
    pub place: String,
    /// What, in the visitor's words.
    pub description: String,
    /// A phone number or e-mail to call back, when the visitor gave one. Personal data: never in
    /// telemetry, logs or the printed ticket.
    pub contact: Option<String>,
    /// When it was confirmed, in the commune's time zone.
    pub reported_at: DateTime<Tz>,
}

impl Incident {
    /// Place and description as one text, in French (printed on the ticket; masked for telemetry).
    pub fn text(&self) -> String {
        format!("Lieu : {}\n{}", self.place, self.description)
    }
}

/// What became of the printed ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketPrint {
    /// It came out of the printer.
    Printed,
    /// It waits for the printer to be ready.
    Queued,
}

/// The form on screen, when complete enough to file (a category, a place and a description).
fn form(api: &Api<'_>) -> Option<(Category, String, String, Option<String>)> {
    let category = Category::from_code(&api.get_report_category())?;
    let place = api.get_report_place().trim().to_string();
    let description = api.get_report_what().trim().to_string();
    let contact = api.get_report_contact().trim().to_string();
    if place.is_empty() || description.is_empty() {
        return None;
    }
    Some((category, place, description, (!contact.is_empty()).then_some(contact)))
}

/// Files the report on screen: gives it a ticket number, shows it, then prints the ticket and
/// hands the report to the reporter on a thread of its own (printing waits for the printer).
pub(crate) fn send(app: &AppWindow, services: &Arc<UiServices>, lang: Lang) {
    let api = app.global::<Api>();
    let Some((category, place, description, contact)) = form(&api) else {
        tracing::warn!("incident report sent incomplete: ignored");
        return;
    };
    let reported_at = (services.now)();
    let ticket = services.tickets.next(reported_at.year());
    let incident = Incident { ticket: ticket.clone(), category, place, description, contact, reported_at };
    tracing::info!(ticket = %ticket, category = category.code(), "incident reported on the touchscreen");
    api.set_report_ticket(ticket.as_str().into());
    api.set_report_print_message(Text::TicketPrinting.get(lang).into());
    api.set_report_step(5);

    let services = Arc::clone(services);
    let weak = app.as_weak();
    let spawned = std::thread::Builder::new().name("borne-ui-incident".into()).spawn(move || {
        if let Some(reporter) = &services.reporter {
            reporter.incident(&incident);
        }
        let message = match &services.printer {
            None => Text::TicketNoPrinter,
            Some(printer) => match printer.print_incident(&incident) {
                Ok(TicketPrint::Printed) => Text::TicketPrinted,
                Ok(TicketPrint::Queued) => Text::TicketQueued,
                Err(reason) => {
                    tracing::warn!(ticket = %incident.ticket, %reason, "incident ticket not printed");
                    Text::TicketNotPrinted
                }
            },
        }
        .get(lang);
        let ticket = incident.ticket;
        let shown = weak.upgrade_in_event_loop(move |app| {
            let api = app.global::<Api>();
            if api.get_report_ticket() == ticket.as_str() {
                api.set_report_print_message(message.into());
            }
        });
        if let Err(e) = shown {
            tracing::warn!(error = %e, "the touchscreen is not running");
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot file the incident report");
        api.set_report_print_message(Text::TicketNotPrinted.get(lang).into());
    }
}

/// Forgets everything of the report: choices, typed text, ticket.
pub(crate) fn clear(app: &AppWindow) {
    let api = app.global::<Api>();
    api.set_report_step(0);
    api.set_report_category(SharedString::new());
    api.set_report_place(SharedString::new());
    api.set_report_what(SharedString::new());
    api.set_report_contact(SharedString::new());
    api.set_report_ticket(SharedString::new());
    api.set_report_print_message(SharedString::new());
}

/// Shows the report screen at `step` (0 category … 4 summary, 5 ticket) with demo values, for
/// screenshots.
pub(crate) fn stage(app: &AppWindow, step: i32) {
    clear(app);
    let api = app.global::<Api>();
    api.set_screen("report".into());
    if step >= 1 {
        api.set_report_category(Category::Lighting.code().into());
        api.set_report_place("rue des Lilas, devant l'école".into());
    }
    if step >= 2 {
        api.set_report_what("le lampadaire ne s'allume plus le soir".into());
    }
    if step >= 5 {
        api.set_report_ticket("2026-0042".into());
        api.set_report_print_message(Text::TicketPrinted.get(Lang::Fr).into());
    }
    api.set_report_step(step);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_codes_round_trip_and_have_both_labels() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
            assert_ne!(c.label(Lang::Fr), c.label(Lang::En));
        }
        assert_eq!(Category::from_code("voirie"), None);
    }
}

//! `services.toml`: the commune's public services, where they are and when they are open.

use std::collections::HashMap;

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::check::FileCheck;
use crate::hours::{Closure, ServiceHours};

/// A public service (town hall desk, library, swimming pool...).
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Stable identifier, e.g. `mediatheque`.
    pub id: String,
    /// Name shown to citizens.
    pub name: String,
    /// Other names citizens use for it ("bibliothèque", "biblio").
    pub aliases: Vec<String>,
    /// Grouping, e.g. `culture`.
    pub category: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Opening hours, holidays and exceptional closures.
    pub hours: ServiceHours,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    service: Vec<Spanned<RawService>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    category: Option<Spanned<String>>,
    address: Option<Spanned<String>>,
    phone: Option<Spanned<String>>,
    hours: Option<Spanned<String>>,
    #[serde(default)]
    closures: Vec<Spanned<RawClosure>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    from: Option<Spanned<String>>,
    to: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    hours: Option<Spanned<String>>,
}

/// Parses and validates `services.toml` for a commune in `tz` / `country`.
pub(crate) fn load(text: &str, check: &mut FileCheck<'_>, tz: Tz, country: &str) -> Vec<Service> {
    let Some(raw) = check.parse::<RawFile>(text) else {
        return Vec::new();
    };
    let mut seen = HashMap::new();
    let mut services = Vec::with_capacity(raw.service.len());
    for (index, spanned) in raw.service.into_iter().enumerate() {
        let line = check.line(&spanned);
        let raw = spanned.into_inner();
        let id = check.id(raw.id, line, &format!("service #{}", index + 1), &mut seen);
        let what = id.as_ref().map_or(format!("service #{}", index + 1), |id| format!("service '{id}'"));
        let name = check.required(raw.name, line, &what, "name");
        let aliases = check.text_list(raw.aliases, &what, "aliases");
        let category = check.optional(raw.category, &what, "category");
        let address = check.optional(raw.address, &what, "address");
        let phone = check.optional(raw.phone, &what, "phone");
        let hours_line = raw.hours.as_ref().map_or(line, |h| check.line(h));
        let weekly = check.required(raw.hours, line, &what, "hours");
        let closures = load_closures(raw.closures, check, &what);
        let hours = match (weekly, closures) {
            (Some(weekly), Some(closures)) => match ServiceHours::new(&weekly, closures, tz, country) {
                Ok(hours) => Some(hours),
                Err(e) => {
                    check.error(Some(hours_line), format!("{what}: {e}"));
                    None
                }
            },
            _ => None,
        };
        if let (Some(id), Some(name), Some(hours)) = (id, name, hours) {
            services.push(Service { id, name, aliases, category, address, phone, hours });
        }
    }
    services
}

/// Validates the closures of one service; `None` if any of them is invalid.
fn load_closures(
    raw: Vec<Spanned<RawClosure>>,
    check: &mut FileCheck<'_>,
    what: &str,
) -> Option<Vec<Closure>> {
    let mut closures = Vec::with_capacity(raw.len());
    let mut valid = true;
    for spanned in raw {
        let line = check.line(&spanned);
        let raw = spanned.into_inner();
        let what = format!("{what} closure");
        let from = check.date(raw.from, line, &what, "from");
        let to = match raw.to {
            Some(to) => check.date(Some(to), line, &what, "to"),
            None => from,
        };
        let reason = check.required(raw.reason, line, &what, "reason");
        let hours_line = raw.hours.as_ref().map(|h| check.line(h));
        let hours = check.optional(raw.hours, &what, "hours");
        if let Some(hours) = &hours
            && let Err(e) = ServiceHours::new(hours, Vec::new(), chrono_tz::UTC, "FR")
        {
            check.error(hours_line, format!("{what}: {e}"));
            valid = false;
        }
        match (from, to, reason) {
            (Some(from), Some(to), Some(_)) if to < from => {
                check.error(Some(line), format!("{what} ends ({to}) before it starts ({from})"));
                valid = false;
            }
            (Some(from), Some(to), Some(reason)) => closures.push(Closure { from, to, reason, hours }),
            _ => valid = false,
        }
    }
    valid.then_some(closures)
}

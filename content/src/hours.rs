//! Opening hours: weekly hours in OpenStreetMap `opening_hours` syntax, public holidays and the
//! commune's exceptional closures, evaluated at a given instant in the commune's time zone.
//!
//! Parsing and evaluation are done by the `opening-hours` crate (the reference Rust implementation
//! of the OSM syntax, with an embedded public-holiday calendar per country). Exceptional closures
//! are written separately by staff (a date range and a reason) and are appended to the expression as
//! dated rules, so that the crate's evaluation (next change, schedule of a day) accounts for them;
//! the reason is looked up from the closure list.

use std::fmt;
use std::ops::Range;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;
use opening_hours::localization::{Country, TzLocation};
use opening_hours::{Context, OpeningHours, RuleKind};

/// How far ahead to look for the next opening (a service closed for longer is "closed until
/// further notice").
const LOOKAHEAD_DAYS: i64 = 400;

/// A period where a service is exceptionally closed, or open with special hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// First day (inclusive).
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Why, in French, shown to citizens.
    pub reason: String,
    /// Special opening times on those days (OSM time spans such as `10:00-16:00`); `None` means
    /// closed all day.
    pub hours: Option<String>,
}

impl Closure {
    /// True when `date` falls within the closure.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// The closure as an OSM rule appended after the weekly hours, e.g.
    /// `2026 Dec 24-2026 Dec 26 off` or `2026 Dec 31 10:00-16:00`.
    fn osm_rule(&self) -> String {
        let day = |d: NaiveDate| format!("{} {} {:02}", d.year(), MONTHS[d.month0() as usize], d.day());
        let dates = if self.from == self.to {
            day(self.from)
        } else {
            format!("{}-{}", day(self.from), day(self.to))
        };
        match &self.hours {
            Some(hours) => format!("{dates} {hours}"),
            None => format!("{dates} off"),
        }
    }
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Why weekly hours or a closure could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum HoursError {
    /// The weekly `hours` expression is not valid OSM syntax.
    #[error("hours '{expression}' are not valid opening_hours syntax: {reason}")]
    Weekly {
        /// The expression as written.
        expression: String,
        /// The parser's explanation.
        reason: String,
    },
    /// A closure's `hours` is not a valid list of time spans.
    #[error("closure hours '{hours}' are not valid (write them like 10:00-12:00,14:00-16:00): {reason}")]
    ClosureHours {
        /// The spans as written.
        hours: String,
        /// The parser's explanation.
        reason: String,
    },
    /// The country code has no holiday calendar.
    #[error("unknown country '{0}'")]
    Country(String),
}

/// An opening span within one day, in minutes from local midnight (`end` may pass 24:00 when a
/// service closes after midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSpan {
    /// Opening minute from midnight.
    pub start: u16,
    /// Closing minute from midnight.
    pub end: u16,
}

impl fmt::Display for OpenSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

/// Formats minutes from midnight as `HH:MM` (wrapping past midnight).
pub fn hhmm(minutes: u16) -> String {
    let m = if minutes > 24 * 60 { minutes - 24 * 60 } else { minutes };
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The hours of one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayHours {
    /// The date.
    pub date: NaiveDate,
    /// Opening spans, in order; empty when closed all day.
    pub spans: Vec<OpenSpan>,
    /// The exceptional closure or special hours in force that day.
    pub closure: Option<Closure>,
    /// Whether the day is a public holiday in the commune's country.
    pub public_holiday: bool,
}

impl DayHours {
    /// True when the service does not open at all that day.
    pub fn closed_all_day(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Why a service is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedReason {
    /// Outside its regular weekly hours.
    Regular,
    /// Closed all day because it is a public holiday.
    PublicHoliday,
    /// An exceptional closure, with the reason written by staff.
    Exceptional(String),
}

/// Whether a service is open at an instant, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenState {
    /// Open now.
    Open {
        /// When it closes; `None` when it never closes within the look-ahead.
        until: Option<DateTime<Tz>>,
        /// The reason for special hours in force today, if any.
        special: Option<String>,
    },
    /// Closed now.
    Closed {
        /// Why.
        reason: ClosedReason,
        /// Next opening; `None` when it does not reopen within the look-ahead.
        reopens: Option<DateTime<Tz>>,
    },
    /// The hours say the state is unknown (OSM `unknown` rules).
    Unknown,
}

/// The evaluated opening hours of one service.
#[derive(Clone)]
pub struct ServiceHours {
    weekly: String,
    closures: Vec<Closure>,
    schedule: OpeningHours<TzLocation<Tz>>,
    tz: Tz,
}

impl fmt::Debug for ServiceHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceHours")
            .field("weekly", &self.weekly)
            .field("closures", &self.closures)
            .field("tz", &self.tz)
            .finish()
    }
}

impl PartialEq for ServiceHours {
    fn eq(&self, other: &Self) -> bool {
        self.weekly == other.weekly && self.closures == other.closures && self.tz == other.tz
    }
}

impl ServiceHours {
    /// Parses weekly hours and closures for a commune in `tz` whose holidays are those of
    /// `country` (ISO code such as `FR`).
    pub fn new(weekly: &str, closures: Vec<Closure>, tz: Tz, country: &str) -> Result<Self, HoursError> {
        let country: Country = country.parse().map_err(|_| HoursError::Country(country.to_string()))?;
        let weekly = weekly.trim().to_string();
        weekly.parse::<OpeningHours>().map_err(|e| HoursError::Weekly {
            expression: weekly.clone(),
            reason: one_line(&e.to_string()),
        })?;
        for closure in &closures {
            if let Some(hours) = &closure.hours {
                hours.parse::<OpeningHours>().map_err(|e| HoursError::ClosureHours {
                    hours: hours.clone(),
                    reason: one_line(&e.to_string()),
                })?;
            }
        }
        let mut expression = weekly.clone();
        for closure in &closures {
            expression.push_str("; ");
            expression.push_str(&closure.osm_rule());
        }
        let schedule = expression
            .parse::<OpeningHours>()
            .map_err(|e| HoursError::Weekly {
                expression: expression.clone(),
                reason: one_line(&e.to_string()),
            })?
            .with_context(
                Context::default().with_holidays(country.holidays()).with_locale(TzLocation::new(tz)),
            );
        Ok(Self { weekly, closures, schedule, tz })
    }

    /// The weekly hours as written.
    pub fn weekly(&self) -> &str {
        &self.weekly
    }

    /// The exceptional closures, as written.
    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    /// The time zone the hours are expressed in.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The closure in force on `date`, if any (the last one written wins, as in the evaluation).
    pub fn closure_on(&self, date: NaiveDate) -> Option<&Closure> {
        self.closures.iter().rev().find(|c| c.covers(date))
    }

    /// Whether `date` is a public holiday in the commune's country.
    pub fn is_public_holiday(&self, date: NaiveDate) -> bool {
        self.schedule.get_context().holidays.get_public().contains(date)
    }

    /// The opening spans of `date`.
    pub fn day(&self, date: NaiveDate) -> DayHours {
        let spans = self
            .schedule
            .schedule_at(date)
            .into_iter()
            .filter(|r| r.kind == RuleKind::Open)
            .map(|r| OpenSpan {
                start: r.range.start.mins_from_midnight(),
                end: r.range.end.mins_from_midnight(),
            })
            .collect();
        DayHours {
            date,
            spans,
            closure: self.closure_on(date).cloned(),
            public_holiday: self.is_public_holiday(date),
        }
    }

    /// The next seven days starting with `date`.
    pub fn week(&self, date: NaiveDate) -> Vec<DayHours> {
        (0..7).filter_map(|i| date.checked_add_signed(Duration::days(i))).map(|d| self.day(d)).collect()
    }

    /// Whether the service is open at `now`, until when, or why not and when it reopens.
    pub fn state_at<T: TimeZone>(&self, now: DateTime<T>) -> OpenState {
        let now = now.with_timezone(&self.tz);
        let today = now.date_naive();
        match self.schedule.state(now).0 {
            RuleKind::Open => OpenState::Open {
                until: self.schedule.next_change(now),
                special: self.closure_on(today).filter(|c| c.hours.is_some()).map(|c| c.reason.clone()),
            },
            RuleKind::Unknown => OpenState::Unknown,
            RuleKind::Closed => {
                let reason = match self.closure_on(today) {
                    Some(c) if c.hours.is_none() => ClosedReason::Exceptional(c.reason.clone()),
                    _ if self.is_public_holiday(today) && self.day(today).closed_all_day() => {
                        ClosedReason::PublicHoliday
                    }
                    _ => ClosedReason::Regular,
                };
                OpenState::Closed { reason, reopens: self.next_opening(now) }
            }
        }
    }

    /// The spans when the service is open between `from` and `to`, in order and clipped to them;
    /// spans that touch are merged into one. `unknown` rules count as closed. Used to keep a
    /// screen awake during hours written in this syntax (the kiosk's power-saving hours).
    pub fn open_ranges(&self, from: DateTime<Tz>, to: DateTime<Tz>) -> Vec<Range<DateTime<Tz>>> {
        let mut spans: Vec<Range<DateTime<Tz>>> = Vec::new();
        for open in self.schedule.iter_range(from, to).filter(|r| r.kind == RuleKind::Open) {
            match spans.last_mut() {
                Some(last) if last.end >= open.range.start => last.end = last.end.max(open.range.end),
                _ => spans.push(open.range),
            }
        }
        spans
    }

    /// The next instant at or after `now` when the service opens.
    pub fn next_opening(&self, now: DateTime<Tz>) -> Option<DateTime<Tz>> {
        let horizon = now + Duration::days(LOOKAHEAD_DAYS);
        self.schedule.iter_range(now, horizon).find(|r| r.kind == RuleKind::Open).map(|r| r.range.start)
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

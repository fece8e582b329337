//! Screen power-saving hours: whether the kiosk's screen is awake at an instant, and when that
//! changes next.
//!
//! A kiosk in a town hall should not glow all night. Outside the hours the commune sets (written
//! in OpenStreetMap `opening_hours` syntax, or those of one of its services plus a margin) the
//! screen sleeps; a touch keeps it awake for a few minutes; at the start of the hours it wakes by
//! itself. This module is the pure part of that: no clock, no window, no device. The touchscreen
//! ([`crate::Kiosk::enable_sleep`]) asks it every 30 s and after each touch; the kiosk program
//! turns the backlight off and on.
//!
//! Everything is computed in the commune's time zone with the `opening-hours` crate (through
//! [`ServiceHours`]), so public holidays (`PH off`) and daylight-saving changes are those of the
//! service hours shown to citizens.

use std::ops::Range;

use borne_content::hours::HoursError;
use borne_content::{Content, ServiceHours};
use chrono::{DateTime, Duration};
use chrono_tz::Tz;

/// How far ahead the next change is looked for: a screen asleep for longer (a service closed for
/// the summer) reports no next change, and is still re-evaluated every 30 s.
const LOOKAHEAD_DAYS: i64 = 8;

/// Which hours keep the screen awake, as configured (`[screen]` in the kiosk's configuration).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AwakeRule {
    /// No power-saving hours: always awake.
    #[default]
    Always,
    /// Awake during these hours (OSM `opening_hours` syntax, e.g. `Mo-Fr 08:00-19:00`).
    Hours(String),
    /// Awake while the content's service with this id is open, plus `margin` before and after.
    FollowService {
        /// The service's id in `services.toml`.
        service: String,
        /// How long before opening the screen wakes, and after closing it stays awake.
        margin: Duration,
    },
}

/// The screen's power-saving settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SleepSettings {
    /// The hours the screen is awake by itself.
    pub rule: AwakeRule,
    /// How long a touch keeps the screen awake outside those hours (also a touch just before
    /// they end: a visitor is never blacked out mid-gesture).
    pub wake_on_touch: Duration,
}

impl Default for SleepSettings {
    fn default() -> Self {
        Self { rule: AwakeRule::Always, wake_on_touch: Duration::minutes(5) }
    }
}

/// Why the awake hours cannot be worked out.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// `follow_service` names a service the content does not have.
    #[error("no service '{service}' in the content (its services: {known})")]
    UnknownService {
        /// The id asked for.
        service: String,
        /// The ids the content has, comma-separated.
        known: String,
    },
    /// The hours are not valid `opening_hours` syntax.
    #[error(transparent)]
    Hours(#[from] HoursError),
}

/// Hours during which the screen is awake by schedule (touches aside).
#[derive(Debug, Clone)]
pub struct AwakeHours {
    hours: ServiceHours,
    margin: Duration,
}

/// Whether the screen is awake now, and when that changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerState {
    /// The screen is on.
    pub awake: bool,
    /// When it changes next, as far as the schedule and the last touch say; `None` when not
    /// within the next 8 days (or never, with no power-saving hours).
    pub next_change: Option<DateTime<Tz>>,
}

/// Checks that `expression` is valid `opening_hours` syntax (the time zone and holidays do not
/// matter for that); the error says what the parser found.
pub fn check_hours(expression: &str) -> Result<(), HoursError> {
    ServiceHours::new(expression, Vec::new(), chrono_tz::Europe::Paris, "FR").map(|_| ())
}

impl AwakeRule {
    /// The awake hours as of `content` (its time zone, public holidays and services); `None` means
    /// always awake.
    pub fn resolve(&self, content: &Content) -> Result<Option<AwakeHours>, ScheduleError> {
        match self {
            AwakeRule::Always => Ok(None),
            AwakeRule::Hours(expression) => {
                let commune = &content.commune;
                let hours = ServiceHours::new(expression, Vec::new(), commune.timezone, &commune.country)?;
                Ok(Some(AwakeHours { hours, margin: Duration::zero() }))
            }
            AwakeRule::FollowService { service, margin } => match content.service(service) {
                Some(found) => Ok(Some(AwakeHours { hours: found.hours.clone(), margin: *margin })),
                None => Err(ScheduleError::UnknownService {
                    service: service.clone(),
                    known: content.services.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", "),
                }),
            },
        }
    }
}

impl AwakeHours {
    /// Awake during `hours`, widened by `margin` on each side.
    pub fn new(hours: ServiceHours, margin: Duration) -> Self {
        Self { hours, margin }
    }

    /// The awake spans overlapping `from..to` (open spans widened by the margin, merged when they
    /// meet: a lunch break shorter than twice the margin keeps the screen awake).
    fn spans(&self, from: DateTime<Tz>, to: DateTime<Tz>) -> Vec<Range<DateTime<Tz>>> {
        let m = self.margin;
        let from = from.with_timezone(&self.hours.timezone());
        let to = to.with_timezone(&self.hours.timezone());
        let mut spans: Vec<Range<DateTime<Tz>>> = Vec::new();
        for open in self.hours.open_ranges(from - m, to + m) {
            let wide = (open.start - m)..(open.end + m);
            match spans.last_mut() {
                Some(last) if last.end >= wide.start => last.end = last.end.max(wide.end),
                _ => spans.push(wide),
            }
        }
        spans
    }

    /// Whether the schedule keeps the screen awake at `now`.
    pub fn awake_at(&self, now: DateTime<Tz>) -> bool {
        self.spans(now, now + Duration::seconds(1)).iter().any(|s| s.contains(&now))
    }

    /// When the schedule next switches the screen on or off after `now`.
    pub fn next_change(&self, now: DateTime<Tz>) -> Option<DateTime<Tz>> {
        let horizon = now + Duration::days(LOOKAHEAD_DAYS);
        let spans = self.spans(now, horizon);
        if let Some(current) = spans.iter().find(|s| s.contains(&now)) {
            // A span reaching the horizon was cut there: its real end is not known.
            return (current.end < horizon + self.margin).then_some(current.end);
        }
        spans.iter().map(|s| s.start).find(|start| *start > now)
    }
}

impl SleepSettings {
    /// The screen's state at `now` under `hours` (`None`: always awake), the last touch having
    /// been at `last_touch`.
    pub fn state(
        &self,
        hours: Option<&AwakeHours>,
        last_touch: Option<DateTime<Tz>>,
        now: DateTime<Tz>,
    ) -> PowerState {
        let Some(hours) = hours else { return PowerState { awake: true, next_change: None } };
        let touched_until = last_touch.map(|t| t + self.wake_on_touch).filter(|until| now < *until);
        match touched_until {
            Some(until) => {
                // Awake by the touch; after it, the schedule decides.
                let next_change = if hours.awake_at(until) { hours.next_change(until) } else { Some(until) };
                PowerState { awake: true, next_change }
            }
            None => PowerState { awake: hours.awake_at(now), next_change: hours.next_change(now) },
        }
    }
}

#[cfg(test)]
mod tests {
    use borne_content::{ContentSource, ContentStore};
    use chrono::TimeZone;
    use chrono_tz::Europe::Paris;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
        Paris.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("a local time that exists")
    }

    fn hours(expression: &str, margin_minutes: i64) -> AwakeHours {
        let hours = ServiceHours::new(expression, Vec::new(), Paris, "FR").expect("valid hours");
        AwakeHours::new(hours, Duration::minutes(margin_minutes))
    }

    fn settings() -> SleepSettings {
        SleepSettings { rule: AwakeRule::Hours("x".into()), wake_on_touch: Duration::minutes(5) }
    }

    #[test]
    fn awake_hours_across_days() {
        let h = hours("Mo-Fr 08:00-19:00; Sa 09:00-12:30", 0);
        // Friday 4 December 2026.
        assert!(!h.awake_at(at(2026, 12, 4, 7, 59)));
        assert_eq!(h.next_change(at(2026, 12, 4, 7, 59)), Some(at(2026, 12, 4, 8, 0)));
        assert!(h.awake_at(at(2026, 12, 4, 8, 0)));
        assert!(h.awake_at(at(2026, 12, 4, 18, 59)));
        assert_eq!(h.next_change(at(2026, 12, 4, 10, 0)), Some(at(2026, 12, 4, 19, 0)));
        assert!(!h.awake_at(at(2026, 12, 4, 19, 0)));
        // Friday evening → Saturday 09:00; Saturday 12:30 → Monday 08:00.
        assert_eq!(h.next_change(at(2026, 12, 4, 19, 0)), Some(at(2026, 12, 5, 9, 0)));
        assert!(h.awake_at(at(2026, 12, 5, 12, 0)));
        assert_eq!(h.next_change(at(2026, 12, 5, 12, 0)), Some(at(2026, 12, 5, 12, 30)));
        assert_eq!(h.next_change(at(2026, 12, 5, 12, 30)), Some(at(2026, 12, 7, 8, 0)));
        assert!(!h.awake_at(at(2026, 12, 6, 11, 0)), "Sunday: asleep all day");
    }

    #[test]
    fn always_awake_without_hours_and_around_the_clock() {
        let s = settings();
        assert_eq!(s.state(None, None, at(2026, 12, 4, 3, 0)), PowerState { awake: true, next_change: None });
        let h = hours("24/7", 0);
        assert_eq!(
            s.state(Some(&h), None, at(2026, 12, 4, 3, 0)),
            PowerState { awake: true, next_change: None }
        );
    }

    #[test]
    fn a_touch_at_23_00_keeps_it_awake_five_minutes_then_it_sleeps() {
        let s = settings();
        let h = hours("Mo-Fr 08:00-19:00; Sa 09:00-12:30", 0);
        // Tuesday 1 December 2026, 23:00: asleep until Wednesday 08:00.
        let night = at(2026, 12, 1, 23, 0);
        let asleep = PowerState { awake: false, next_change: Some(at(2026, 12, 2, 8, 0)) };
        assert_eq!(s.state(Some(&h), None, night), asleep);
        let touch = Some(night);
        assert_eq!(
            s.state(Some(&h), touch, night),
            PowerState { awake: true, next_change: Some(at(2026, 12, 1, 23, 5)) }
        );
        assert!(s.state(Some(&h), touch, at(2026, 12, 1, 23, 4)).awake);
        assert_eq!(s.state(Some(&h), touch, at(2026, 12, 1, 23, 5)), asleep);
        // A touch at 18:58 keeps a visitor's screen on past 19:00, until 19:03.
        let touch = Some(at(2026, 12, 1, 18, 58));
        assert_eq!(
            s.state(Some(&h), touch, at(2026, 12, 1, 19, 1)),
            PowerState { awake: true, next_change: Some(at(2026, 12, 1, 19, 3)) }
        );
        // A touch at 07:58 runs into the hours: awake until 19:00.
        let touch = Some(at(2026, 12, 1, 7, 58));
        assert_eq!(
            s.state(Some(&h), touch, at(2026, 12, 1, 7, 59)),
            PowerState { awake: true, next_change: Some(at(2026, 12, 1, 19, 0)) }
        );
    }

    #[test]
    fn daylight_saving_changes_in_europe_paris() {
        let h = hours("Mo-Su 08:00-19:00", 0);
        // Last Sunday of March 2026 (29th): the night is an hour shorter.
        let evening = at(2026, 3, 28, 19, 30);
        let wakes = h.next_change(evening).expect("wakes");
        assert_eq!(wakes, at(2026, 3, 29, 8, 0));
        assert_eq!(wakes.offset().to_string(), "CEST");
        assert_eq!(wakes - evening, Duration::hours(11) + Duration::minutes(30));
        // Last Sunday of October 2026 (25th): an hour longer.
        let evening = at(2026, 10, 24, 19, 30);
        let wakes = h.next_change(evening).expect("wakes");
        assert_eq!(wakes, at(2026, 10, 25, 8, 0));
        assert_eq!(wakes.offset().to_string(), "CET");
        assert_eq!(wakes - evening, Duration::hours(13) + Duration::minutes(30));
        assert!(!h.awake_at(at(2026, 10, 25, 7, 59)) && h.awake_at(at(2026, 10, 25, 8, 0)));
        // Hours across the change itself (the clocks go back at 03:00 CEST).
        let night = hours("Su 01:00-04:00", 0);
        let start = at(2026, 10, 25, 1, 0);
        let end = night.next_change(start).expect("ends");
        assert_eq!(end - start, Duration::hours(4), "01:00 CEST to 04:00 CET is four hours");
    }

    #[test]
    fn following_a_service_with_a_margin_and_a_public_holiday() {
        let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
        let content = store.current();
        let rule = AwakeRule::FollowService { service: "mairie".into(), margin: Duration::minutes(15) };
        let h = rule.resolve(&content).expect("resolved").expect("hours");
        // Tuesday 10 November 2026: the town hall opens 08:30-12:00 and 13:30-17:30.
        assert!(!h.awake_at(at(2026, 11, 10, 8, 14)));
        assert_eq!(h.next_change(at(2026, 11, 10, 7, 0)), Some(at(2026, 11, 10, 8, 15)));
        assert!(h.awake_at(at(2026, 11, 10, 8, 15)));
        assert_eq!(h.next_change(at(2026, 11, 10, 9, 0)), Some(at(2026, 11, 10, 12, 15)));
        assert!(!h.awake_at(at(2026, 11, 10, 12, 30)), "lunch break");
        assert_eq!(h.next_change(at(2026, 11, 10, 12, 30)), Some(at(2026, 11, 10, 13, 15)));
        assert_eq!(h.next_change(at(2026, 11, 10, 14, 0)), Some(at(2026, 11, 10, 17, 45)));
        // Wednesday 11 November (Armistice, a public holiday: "PH off"): asleep all day, awake
        // again on Thursday 12th at 08:15.
        assert!(!h.awake_at(at(2026, 11, 11, 10, 0)));
        assert_eq!(h.next_change(at(2026, 11, 10, 18, 0)), Some(at(2026, 11, 12, 8, 15)));
        // A margin longer than half the lunch break keeps the screen on through it.
        let rule = AwakeRule::FollowService { service: "mairie".into(), margin: Duration::minutes(45) };
        let h = rule.resolve(&content).expect("resolved").expect("hours");
        assert!(h.awake_at(at(2026, 11, 10, 12, 45)));
        assert_eq!(h.next_change(at(2026, 11, 10, 9, 0)), Some(at(2026, 11, 10, 18, 15)));

        let unknown = AwakeRule::FollowService { service: "mairie-annexe".into(), margin: Duration::zero() };
        let err = unknown.resolve(&content).expect_err("unknown service").to_string();
        assert!(err.contains("no service 'mairie-annexe'") && err.contains("mediatheque"), "{err}");
    }

    #[test]
    fn written_hours_use_the_communes_holidays_and_bad_syntax_is_refused() {
        let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
        let content = store.current();
        let rule = AwakeRule::Hours("Mo-Fr 08:00-19:00; PH off".into());
        let h = rule.resolve(&content).expect("resolved").expect("hours");
        assert!(!h.awake_at(at(2026, 12, 25, 10, 0)), "Christmas Day");
        assert!(h.awake_at(at(2026, 12, 24, 10, 0)));
        assert!(AwakeRule::Always.resolve(&content).expect("resolved").is_none());
        let err = check_hours("Mo-Fr 8h-19h").expect_err("not OSM syntax").to_string();
        assert!(err.contains("Mo-Fr 8h-19h"), "{err}");
        assert!(check_hours("Mo-Fr 08:00-19:00; Sa 09:00-12:30").is_ok());
    }
}

//! The kiosk's clock, in the commune's time zone, with an optional start instant for tests and
//! demonstrations (`--now`): time then runs on from that instant.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A clock that reads local time in the commune's time zone.
#[derive(Debug, Clone)]
pub struct Clock {
    tz: Tz,
    start: Option<(DateTime<Utc>, Instant)>,
}

/// A `--now` value that is not a date and time.
#[derive(Debug, thiserror::Error)]
#[error("--now '{0}': expected a local date and time like 2026-12-24T10:00 (or RFC 3339 with an offset)")]
pub struct BadNow(String);

impl Clock {
    /// The system clock, or one starting at `start` (the `--now` option) when given.
    pub fn new(tz: Tz, start: Option<&str>) -> Result<Self, BadNow> {
        match start {
            Some(text) => Self::starting_at(tz, text),
            None => Ok(Self::system(tz)),
        }
    }

    /// The system clock.
    pub fn system(tz: Tz) -> Self {
        Self { tz, start: None }
    }

    /// A clock that starts at `text` (local time in `tz`, or RFC 3339) and runs on.
    pub fn starting_at(tz: Tz, text: &str) -> Result<Self, BadNow> {
        let start = parse_instant(tz, text).ok_or_else(|| BadNow(text.to_string()))?;
        Ok(Self { tz, start: Some((start, Instant::now())) })
    }

    /// The current local time.
    pub fn now(&self) -> DateTime<Tz> {
        let utc = match self.start {
            None => Utc::now(),
            Some((start, at)) => {
                start + Duration::from_std(at.elapsed()).unwrap_or_else(|_| Duration::zero())
            }
        };
        utc.with_timezone(&self.tz)
    }
}

fn parse_instant(tz: Tz, text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .and_then(|naive| tz.from_local_datetime(&naive).earliest())
        .map(|dt| dt.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;
    use chrono_tz::Europe::Paris;

    #[test]
    fn local_time_is_read_in_the_commune_time_zone() {
        let clock = Clock::starting_at(Paris, "2026-12-24T10:00").expect("valid");
        let now = clock.now();
        assert_eq!((now.hour(), now.minute()), (10, 0));
        assert_eq!(now.offset().to_string(), "CET");
        let clock = Clock::starting_at(Paris, "2026-07-14T08:00:00Z").expect("valid");
        assert_eq!(clock.now().hour(), 10);
        assert!(Clock::starting_at(Paris, "demain").is_err());
    }
}

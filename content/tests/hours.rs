//! Opening-hours evaluation at given instants: weekdays, lunch breaks, Sundays, public holidays,
//! exceptional closures and special hours, around closing time and across daylight-saving changes.

use borne_content::hours_text::{describe_day, describe_state};
use borne_content::{ClosedReason, Closure, Lang, OpenState, ServiceHours};
use chrono::{DateTime, NaiveDate, TimeZone};
use chrono_tz::Europe::Paris;
use chrono_tz::Tz;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
    Paris.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid local time")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn town_hall() -> ServiceHours {
    ServiceHours::new("Mo-Fr 08:30-12:00,13:30-17:30; Sa 09:00-12:00; PH off", Vec::new(), Paris, "FR")
        .expect("valid hours")
}

#[test]
fn open_on_a_weekday_until_the_lunch_break() {
    // Monday 30 November 2026, 10:15.
    let state = town_hall().state_at(at(2026, 11, 30, 10, 15));
    assert_eq!(state, OpenState::Open { until: Some(at(2026, 11, 30, 12, 0)), special: None });
    assert_eq!(
        describe_state(&state, at(2026, 11, 30, 10, 15), Lang::Fr),
        "Ouvert maintenant, jusqu'à 12h00"
    );
    assert_eq!(describe_state(&state, at(2026, 11, 30, 10, 15), Lang::En), "Open now, until 12:00");
}

#[test]
fn just_before_and_just_after_closing_time() {
    let hours = town_hall();
    assert!(matches!(hours.state_at(at(2026, 11, 30, 17, 29)), OpenState::Open { .. }));
    let after = hours.state_at(at(2026, 11, 30, 17, 30));
    assert_eq!(
        after,
        OpenState::Closed { reason: ClosedReason::Regular, reopens: Some(at(2026, 12, 1, 8, 30)) }
    );
    assert_eq!(
        describe_state(&after, at(2026, 11, 30, 17, 30), Lang::Fr),
        "Fermé en ce moment, ouvre demain à 8h30"
    );
}

#[test]
fn lunch_break_reopens_the_same_day() {
    let now = at(2026, 11, 30, 12, 30);
    let state = town_hall().state_at(now);
    assert_eq!(
        state,
        OpenState::Closed { reason: ClosedReason::Regular, reopens: Some(at(2026, 11, 30, 13, 30)) }
    );
    assert_eq!(describe_state(&state, now, Lang::Fr), "Fermé en ce moment, ouvre à 13h30");
}

#[test]
fn closed_on_sunday_opens_on_monday() {
    // Sunday 29 November 2026.
    let now = at(2026, 11, 29, 11, 0);
    let state = town_hall().state_at(now);
    assert_eq!(
        state,
        OpenState::Closed { reason: ClosedReason::Regular, reopens: Some(at(2026, 11, 30, 8, 30)) }
    );
    assert_eq!(describe_state(&state, now, Lang::En), "Closed now, opens tomorrow at 8:30");
}

#[test]
fn public_holiday_is_closed_with_its_reason() {
    // Friday 25 December 2026 is Christmas; Saturday 26 is a normal Saturday.
    let now = at(2026, 12, 25, 10, 0);
    let hours = town_hall();
    let state = hours.state_at(now);
    assert_eq!(
        state,
        OpenState::Closed { reason: ClosedReason::PublicHoliday, reopens: Some(at(2026, 12, 26, 9, 0)) }
    );
    assert_eq!(describe_state(&state, now, Lang::Fr), "Fermé aujourd'hui (jour férié), ouvre demain à 9h00");
    let day = hours.day(date(2026, 12, 25));
    assert!(day.public_holiday && day.closed_all_day());
    assert_eq!(describe_day(&day, Lang::Fr), "fermé (jour férié)");
    // Easter Monday 2027 (29 March) is computed, not listed by hand.
    assert!(hours.is_public_holiday(date(2027, 3, 29)));
    assert!(!hours.is_public_holiday(date(2027, 3, 30)));
}

#[test]
fn exceptional_closure_overrides_weekly_hours_and_gives_its_reason() {
    let closure = Closure {
        from: date(2026, 12, 21),
        to: date(2026, 12, 23),
        reason: "inventaire".into(),
        hours: None,
    };
    let hours = ServiceHours::new("Mo-Sa 10:00-18:00; PH off", vec![closure], Paris, "FR").expect("valid");
    let now = at(2026, 12, 22, 11, 0);
    let state = hours.state_at(now);
    assert_eq!(
        state,
        OpenState::Closed {
            reason: ClosedReason::Exceptional("inventaire".into()),
            reopens: Some(at(2026, 12, 24, 10, 0)),
        }
    );
    assert_eq!(
        describe_state(&state, now, Lang::Fr),
        "Fermé exceptionnellement (inventaire), ouvre jeudi à 10h00"
    );
    assert!(matches!(hours.state_at(at(2026, 12, 20 + 4, 11, 0)), OpenState::Open { .. }));
    assert_eq!(describe_day(&hours.day(date(2026, 12, 21)), Lang::Fr), "fermé (inventaire)");
}

#[test]
fn special_hours_replace_the_day_schedule() {
    let closure = Closure {
        from: date(2026, 12, 31),
        to: date(2026, 12, 31),
        reason: "horaires réduits".into(),
        hours: Some("10:00-16:00".into()),
    };
    let hours = ServiceHours::new("Mo-Sa 09:00-19:00; PH off", vec![closure], Paris, "FR").expect("valid");
    let state = hours.state_at(at(2026, 12, 31, 15, 0));
    assert_eq!(
        state,
        OpenState::Open { until: Some(at(2026, 12, 31, 16, 0)), special: Some("horaires réduits".into()) }
    );
    assert!(matches!(
        hours.state_at(at(2026, 12, 31, 17, 0)),
        OpenState::Closed { reason: ClosedReason::Regular, .. }
    ));
    // The day before is untouched.
    assert!(matches!(hours.state_at(at(2026, 12, 30, 18, 30)), OpenState::Open { .. }));
}

#[test]
fn daylight_saving_changes_keep_local_times() {
    // Spring forward: Sunday 29 March 2026, 02:00 -> 03:00. A service open every day 08:00-18:00.
    let hours = ServiceHours::new("Mo-Su 08:00-18:00", Vec::new(), Paris, "FR").expect("valid");
    let before_dawn = Paris.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).single().expect("exists");
    assert_eq!(
        hours.state_at(before_dawn),
        OpenState::Closed { reason: ClosedReason::Regular, reopens: Some(at(2026, 3, 29, 8, 0)) }
    );
    let afternoon = at(2026, 3, 29, 17, 0);
    assert_eq!(
        hours.state_at(afternoon),
        OpenState::Open { until: Some(at(2026, 3, 29, 18, 0)), special: None }
    );
    // Instants given in UTC are evaluated in Paris time: 16:00 UTC is 18:00 CEST, closed.
    let utc = chrono::Utc.with_ymd_and_hms(2026, 3, 29, 16, 0, 0).single().expect("valid");
    assert!(matches!(hours.state_at(utc), OpenState::Closed { .. }));
    // Fall back: Sunday 25 October 2026, 03:00 -> 02:00. 16:30 UTC is 17:30 CET, open.
    let utc = chrono::Utc.with_ymd_and_hms(2026, 10, 25, 16, 30, 0).single().expect("valid");
    assert_eq!(hours.state_at(utc), OpenState::Open { until: Some(at(2026, 10, 25, 18, 0)), special: None });
}

#[test]
fn night_service_spanning_the_dst_gap() {
    // A service open 01:00-04:00; on 29 March 2026 the hour 02:00-03:00 does not exist.
    let hours = ServiceHours::new("Mo-Su 01:00-04:00", Vec::new(), Paris, "FR").expect("valid");
    let now = Paris.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).single().expect("exists");
    match hours.state_at(now) {
        OpenState::Open { until: Some(until), .. } => {
            assert_eq!(until, at(2026, 3, 29, 4, 0));
            assert_eq!((until - now).num_minutes(), 90, "one real hour less that night");
        }
        other => panic!("expected open, got {other:?}"),
    }
}

#[test]
fn week_view_lists_seven_days_with_spans() {
    let week = town_hall().week(date(2026, 11, 30));
    assert_eq!(week.len(), 7);
    assert_eq!(describe_day(&week[0], Lang::Fr), "8h30-12h00, 13h30-17h30");
    assert_eq!(describe_day(&week[5], Lang::En), "9:00-12:00");
    assert_eq!(describe_day(&week[6], Lang::Fr), "fermé");
}

#[test]
fn invalid_hours_are_refused_with_the_parser_reason() {
    let err =
        ServiceHours::new("Lu-Ve 9h-12h", Vec::new(), Paris, "FR").expect_err("French day names are not OSM");
    assert!(err.to_string().contains("Lu-Ve 9h-12h"), "{err}");
    let bad_closure = Closure {
        from: date(2026, 1, 1),
        to: date(2026, 1, 1),
        reason: "x".into(),
        hours: Some("10h".into()),
    };
    assert!(ServiceHours::new("Mo-Fr 09:00-12:00", vec![bad_closure], Paris, "FR").is_err());
}

#[test]
fn closed_for_good_has_no_reopening() {
    let hours = ServiceHours::new("off", Vec::new(), Paris, "FR").expect("valid");
    let now = at(2026, 11, 30, 10, 0);
    let state = hours.state_at(now);
    assert_eq!(state, OpenState::Closed { reason: ClosedReason::Regular, reopens: None });
    assert_eq!(describe_state(&state, now, Lang::Fr), "Fermé en ce moment, pas de réouverture prévue");
}

#[test]
fn open_ranges_list_the_open_spans_clipped_and_skip_holidays() {
    let hours = town_hall();
    // Tuesday 10 November 2026 from 10:00 to Thursday 12th 09:00: Wednesday 11th is a holiday.
    let spans = hours.open_ranges(at(2026, 11, 10, 10, 0), at(2026, 11, 12, 9, 0));
    let expected = [
        at(2026, 11, 10, 10, 0)..at(2026, 11, 10, 12, 0),
        at(2026, 11, 10, 13, 30)..at(2026, 11, 10, 17, 30),
        at(2026, 11, 12, 8, 30)..at(2026, 11, 12, 9, 0),
    ];
    assert_eq!(spans, expected);
    assert!(hours.open_ranges(at(2026, 11, 11, 0, 0), at(2026, 11, 11, 23, 0)).is_empty());
}

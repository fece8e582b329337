//! The demo content as a whole: every service's hours evaluated all year round give a
//! coherent answer (open with a closing time after now, or closed with a reopening after now), and
//! the answers of the FAQ are consistent with the rest of the content.

use borne_content::{ContentSource, OpenState, load};
use chrono::{Duration, TimeZone};

#[test]
fn every_service_gives_a_coherent_state_all_year_round() {
    let content = load(&ContentSource::Embedded).expect("demo content").content;
    let tz = content.commune.timezone;
    let start = tz.with_ymd_and_hms(2026, 12, 1, 0, 30, 0).single().expect("valid");
    for service in &content.services {
        // Every 97 minutes for a year: every time of day, every weekday, every holiday.
        let mut open_samples = 0;
        let samples = 365 * 24 * 60 / 97;
        for step in 0..samples {
            let now = start + Duration::minutes(97 * step);
            match service.hours.state_at(now) {
                OpenState::Open { until, .. } => {
                    open_samples += 1;
                    if let Some(until) = until {
                        assert!(until > now, "{}: open at {now} until {until}", service.id);
                    }
                }
                OpenState::Closed { reopens, .. } => {
                    let reopens =
                        reopens.unwrap_or_else(|| panic!("{} never reopens after {now}", service.id));
                    assert!(reopens > now, "{}: closed at {now}, reopens {reopens}", service.id);
                    assert!(
                        matches!(service.hours.state_at(reopens), OpenState::Open { .. }),
                        "{}: not open when it reopens at {reopens}",
                        service.id
                    );
                }
                OpenState::Unknown => panic!("{}: unknown state at {now}", service.id),
            }
        }
        // A public service is open at least a few hours a week, and not around the clock.
        let share = open_samples as f64 / samples as f64;
        assert!(share > 0.02 && share < 0.9, "{}: open {:.0}% of the time", service.id, share * 100.0);
    }
}

#[test]
fn procedures_and_faq_are_consistent() {
    let content = load(&ContentSource::Embedded).expect("demo content").content;
    for procedure in &content.procedures {
        if let Some(id) = &procedure.service {
            assert!(content.service(id).is_some(), "procedure {} -> unknown service {id}", procedure.id);
        }
    }
    let categories: std::collections::BTreeSet<_> =
        content.faq.iter().filter_map(|e| e.category.as_deref()).collect();
    assert!(categories.len() >= 8, "FAQ covers too few topics: {categories:?}");
    for entry in &content.faq {
        assert!(entry.answer.len() >= 40, "answer of {} is too short to help", entry.id);
    }
}

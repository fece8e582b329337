//! Start-up cost of content: loading and validating the demo content, and evaluating opening
//! hours (what every screen refresh and live answer does). Numbers go to `docs/performance.md`.

#![allow(missing_docs)] // criterion_group! generates undocumented public items

use std::hint::black_box;

use borne_content::{ContentSource, load};
use chrono::TimeZone;
use criterion::{Criterion, criterion_group, criterion_main};

fn content(c: &mut Criterion) {
    c.bench_function("load embedded demo content", |b| {
        b.iter(|| black_box(load(&ContentSource::Embedded).map(|l| l.content.faq.len())))
    });

    let content = load(&ContentSource::Embedded).map(|l| l.content);
    let Ok(content) = content else {
        return;
    };
    let tz = content.commune.timezone;
    let Some(now) = tz.with_ymd_and_hms(2026, 12, 24, 17, 45, 0).single() else {
        return;
    };
    c.bench_function("state of every demo service", |b| {
        b.iter(|| {
            for service in &content.services {
                black_box(service.hours.state_at(now));
            }
        })
    });
    c.bench_function("week of every demo service", |b| {
        b.iter(|| {
            for service in &content.services {
                black_box(service.hours.week(now.date_naive()));
            }
        })
    });
}

criterion_group!(benches, content);
criterion_main!(benches);

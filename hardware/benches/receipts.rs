//! Driver overhead: time to lay out and encode each receipt type, on both printer profiles.
//! Also prints each receipt's size and its wire time at 9600, 19200 and 115200 baud (10 bits per
//! byte on an 8N1 line). Numbers go to `docs/performance.md`.

#![allow(missing_docs)] // criterion_group! generates undocumented public items

#[path = "../tests/printer_common/mod.rs"]
mod common;

use std::hint::black_box;

use borne_hardware::printer::Profile;
use borne_hardware::printer::receipt::{answer_sheet, incident_ticket, procedure_sheet, test_page};
use criterion::{Criterion, criterion_group, criterion_main};

fn receipts(c: &mut Criterion) {
    let head = common::letterhead();
    let (faq, procedure, incident) = (common::faq(), common::procedure(), common::incident());
    for (profile, label) in [(Profile::EPSON_80, "80mm wpc1252"), (Profile::COMPACT_58, "58mm pc858")] {
        for receipt in common::all_receipts(&profile) {
            let n = receipt.bytes.len() as f64;
            eprintln!(
                "{label} {:<9} {:>5} bytes, wire {:>6.0} ms @9600, {:>5.0} ms @19200, {:>4.0} ms @115200",
                receipt.kind.name(),
                receipt.bytes.len(),
                n * 10.0 / 9600.0 * 1000.0,
                n * 10.0 / 19200.0 * 1000.0,
                n * 10.0 / 115200.0 * 1000.0
            );
        }
        c.bench_function(&format!("encode answer sheet ({label})"), |b| {
            b.iter(|| black_box(answer_sheet(&profile, &head, &faq, Some("carte perdue ?"))))
        });
        c.bench_function(&format!("encode procedure sheet ({label})"), |b| {
            b.iter(|| black_box(procedure_sheet(&profile, &head, &procedure)))
        });
        c.bench_function(&format!("encode incident ticket ({label})"), |b| {
            b.iter(|| black_box(incident_ticket(&profile, &head, &incident)))
        });
        c.bench_function(&format!("encode test page ({label})"), |b| {
            b.iter(|| black_box(test_page(&profile, &head)))
        });
    }
}

criterion_group!(benches, receipts);
criterion_main!(benches);

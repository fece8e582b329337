//! The barcode reader driver against a simulated scanner on a real pseudo-terminal: suffixes,
//! debounce, validation, garbage, unplug and replug.

mod common;

use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use borne_hardware::link::LinkSettings;
use borne_hardware::reader::barcode::{CheckDigit, Rejection, Suffix, Validation};
use borne_hardware::reader::sim_barcode::BarcodeSimulator;
use borne_hardware::reader::{BarcodeSettings, ReaderEvent, ReaderHandle, ReaderKind, ReaderSettings, spawn};
use common::*;

fn start(
    sim: &BarcodeSimulator,
    adjust: impl FnOnce(&mut BarcodeSettings),
) -> (ReaderHandle, Receiver<ReaderEvent>) {
    let mut settings = BarcodeSettings::new(LinkSettings::new(sim.path(), 9600));
    adjust(&mut settings);
    let (tx, rx) = mpsc::channel();
    let handle = spawn(ReaderSettings::Barcode(settings), tx).expect("reader thread");
    wait_connected(&rx);
    (handle, rx)
}

#[test]
fn scans_end_with_cr_lf_crlf_or_a_custom_suffix() {
    for (scanner, driver) in [
        (Suffix::Cr, Suffix::Cr),
        (Suffix::Lf, Suffix::Lf),
        (Suffix::CrLf, Suffix::CrLf),
        (Suffix::Cr, Suffix::Any),
        (Suffix::Lf, Suffix::Any),
        (Suffix::CrLf, Suffix::Any),
        // A scanner sending CRLF read by a driver set to CR or LF alone.
        (Suffix::CrLf, Suffix::Cr),
        (Suffix::CrLf, Suffix::Lf),
        (Suffix::Custom(b"\t".to_vec()), Suffix::Custom(b"\t".to_vec())),
        (Suffix::Custom(b"#END".to_vec()), Suffix::Custom(b"#END".to_vec())),
    ] {
        let mut sim = BarcodeSimulator::new(scanner.clone()).expect("simulator");
        let (_reader, events) = start(&sim, |s| {
            s.suffix = driver.clone();
            s.stale_line = Duration::from_millis(100);
        });
        sim.scan("29990001234567").expect("scan");
        sim.scan("29990007654321").expect("scan");
        assert_eq!(next_card(&events), "29990001234567", "{scanner:?} read as {driver:?}");
        assert_eq!(next_card(&events), "29990007654321", "{scanner:?} read as {driver:?}");
        // CRLF read with "any" must not produce an extra (empty or rejected) line.
        // (Waiting past the stale-line delay: a leftover LF must not become a rejection.)
        let extra = drain_for(&events, Duration::from_millis(250));
        assert!(extra.is_empty(), "{scanner:?} read as {driver:?}: unexpected {extra:?}");
    }
}

#[test]
fn a_code_split_across_writes_is_one_scan() {
    let mut sim = BarcodeSimulator::new(Suffix::Cr).expect("simulator");
    let (_reader, events) = start(&sim, |_| {});
    sim.send_raw(b"2999000").expect("write");
    std::thread::sleep(Duration::from_millis(50));
    sim.send_raw(b"1234567\r").expect("write");
    assert_eq!(next_card(&events), "29990001234567");
}

#[test]
fn repeated_scans_within_the_debounce_window_read_once() {
    let mut sim = BarcodeSimulator::new(Suffix::Cr).expect("simulator");
    let (_reader, events) = start(&sim, |s| s.debounce = Duration::from_millis(1000));
    for _ in 0..3 {
        sim.scan("29990001234567").expect("scan");
    }
    sim.scan("29990007654321").expect("scan");
    let got = drain_for(&events, Duration::from_millis(300));
    assert_eq!(cards(&got), ["29990001234567", "29990007654321"]);
    std::thread::sleep(Duration::from_millis(1100));
    sim.scan("29990001234567").expect("scan");
    assert_eq!(next_card(&events), "29990001234567", "after the window the same card reads again");
}

#[test]
fn invalid_codes_are_rejected_with_a_reason_and_valid_ones_pass() {
    let mut sim = BarcodeSimulator::new(Suffix::Cr).expect("simulator");
    let validation = Validation::new(13, 13, Some("97[89][0-9]{10}"), CheckDigit::Ean13).expect("valid");
    let (_reader, events) = start(&sim, |s| s.validation = validation);
    sim.scan("9782070612887").expect("scan"); // wrong check digit
    sim.scan("978207061288").expect("scan"); // too short
    sim.scan("1234567890128").expect("scan"); // valid EAN-13, wrong prefix
    sim.scan("9782070612888").expect("scan"); // valid
    let got = drain_for(&events, Duration::from_millis(300));
    let rejected: Vec<&Rejection> = got
        .iter()
        .filter_map(|e| match e {
            ReaderEvent::Rejected { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        rejected,
        [
            &Rejection::CheckDigit { scheme: CheckDigit::Ean13 },
            &Rejection::TooShort { len: 12, min: 13 },
            &Rejection::Pattern { len: 13 },
        ]
    );
    assert_eq!(cards(&got), ["9782070612888"]);
}

#[test]
fn garbage_and_overlong_lines_are_rejected_and_reading_goes_on() {
    let mut sim = BarcodeSimulator::new(Suffix::Cr).expect("simulator");
    let (_reader, events) = start(&sim, |s| s.max_line = 32);
    sim.send_raw(b"\x00\xff\x13\x80abc\x1b\r").expect("noise");
    sim.send_raw(&[b'9'; 100]).expect("overlong");
    sim.send_raw(b"\r").expect("end of the overlong line");
    sim.scan("29990001234567").expect("scan");
    let got = drain_for(&events, Duration::from_millis(300));
    let reasons: Vec<String> = got
        .iter()
        .filter_map(|e| match e {
            ReaderEvent::Rejected { reason, kind: ReaderKind::Barcode } => Some(reason.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{got:?}");
    assert!(reasons[0].contains("non-printable"), "{reasons:?}");
    assert!(reasons[1].contains("longer than 32"), "{reasons:?}");
    assert!(reasons.iter().all(|r| !r.contains("999")), "reasons must not echo the input: {reasons:?}");
    assert_eq!(cards(&got), ["29990001234567"]);
}

#[test]
fn a_cut_off_scan_is_discarded_after_a_while() {
    let mut sim = BarcodeSimulator::new(Suffix::Cr).expect("simulator");
    let (_reader, events) = start(&sim, |s| s.stale_line = Duration::from_millis(200));
    sim.send_raw(b"299900").expect("partial");
    let (event, _) = wait_for(&events, "Rejected", |e| matches!(e, ReaderEvent::Rejected { .. }));
    assert_eq!(
        event,
        ReaderEvent::Rejected { kind: ReaderKind::Barcode, reason: Rejection::Unterminated { len: 6 } }
    );
    sim.scan("29990001234567").expect("scan");
    assert_eq!(next_card(&events), "29990001234567");
}

#[test]
fn unplug_is_reported_and_scans_work_again_after_replug() {
    let mut sim = BarcodeSimulator::new(Suffix::Cr).expect("simulator");
    let (_reader, events) = start(&sim, |_| {});
    sim.scan("29990001234567").expect("scan");
    assert_eq!(next_card(&events), "29990001234567");
    for round in 0..2 {
        sim.unplug();
        wait_disconnected(&events);
        // Scans while unplugged go nowhere.
        sim.scan("29990000000000").expect("scan into the void");
        sim.plug().expect("replug");
        wait_connected(&events);
        let code = format!("2999000765432{round}");
        sim.scan(&code).expect("scan");
        assert_eq!(next_card(&events), code, "round {round}");
    }
}

#[test]
fn a_reader_absent_at_start_is_reported_then_found() {
    let mut sim = BarcodeSimulator::new(Suffix::Cr).expect("simulator");
    sim.unplug();
    let settings = BarcodeSettings::new(LinkSettings::new(sim.path(), 9600));
    let (tx, events) = mpsc::channel();
    let _reader = spawn(ReaderSettings::Barcode(settings), tx).expect("reader thread");
    wait_disconnected(&events);
    sim.plug().expect("plug");
    wait_connected(&events);
    sim.scan("29990001234567").expect("scan");
    assert_eq!(next_card(&events), "29990001234567");
}

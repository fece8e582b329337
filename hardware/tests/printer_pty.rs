//! The printer driver against the simulated printer, over real pseudo-terminals: receipts,
//! code pages byte for byte, paper out in the middle of a queue, cover open, a mute printer,
//! unplug and replug, and printer commands typed by a visitor.

mod printer_common;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use borne_hardware::link::LinkSettings;
use borne_hardware::printer::receipt::{answer_sheet, incident_ticket, test_page};
use borne_hardware::printer::{
    DriverSettings, Fault, JobError, Paper, PrinterDriver, PrinterEvent, PrinterState, Profile, ReceiptKind,
    SimulatedPrinter,
};

const LONG: Duration = Duration::from_secs(10);

fn settings(sim: &SimulatedPrinter, profile: Profile) -> DriverSettings {
    let mut link = LinkSettings::new(sim.path(), 19200);
    link.retry_interval = Duration::from_millis(200);
    let mut s = DriverSettings::new(link, profile);
    s.poll_interval = Duration::from_millis(200);
    s.status_timeout = Duration::from_millis(300);
    s
}

/// Waits for the given state among the events; returns how long it took.
fn wait_state(events: &Receiver<PrinterEvent>, want: PrinterState, timeout: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let left = timeout.checked_sub(start.elapsed()).unwrap_or_default();
        match events.recv_timeout(left) {
            Ok(PrinterEvent::State(s)) if s == want => return start.elapsed(),
            Ok(_) => {}
            Err(e) => panic!("no {want:?} event within {timeout:?}: {e}"),
        }
    }
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn every_receipt_type_prints_on_both_profiles_and_is_saved_as_png_and_text() {
    for (profile, paper) in [(Profile::EPSON_80, Paper::Mm80), (Profile::COMPACT_58, Paper::Mm58)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let receipts_dir = dir.path().join("receipts");
        let sim = SimulatedPrinter::start(printer_common::link_path(&dir), paper, Some(receipts_dir.clone()))
            .expect("sim");
        let (driver, events) = PrinterDriver::start(settings(&sim, profile)).expect("driver");
        wait_state(&events, PrinterState::Online, LONG);
        let receipts = printer_common::all_receipts(&profile);
        let tickets: Vec<_> = receipts.iter().map(|r| driver.submit(r.clone()).expect("queued")).collect();
        for ticket in &tickets {
            assert_eq!(ticket.wait(LONG), Some(Ok(())));
        }
        let printed = sim.wait_for_receipts(4, LONG);
        assert_eq!(printed.len(), 4);
        let expect = [
            (ReceiptKind::Answer, "[qr https://www.service-public.fr/particuliers/vosdroits/F1341]"),
            (ReceiptKind::Procedure, "[qr https://ants.gouv.fr]"),
            (ReceiptKind::Incident, "N° 2026-0042"),
            (ReceiptKind::Test, "« guillemets » 12,50 €"),
        ];
        for ((kind, line), saved) in expect.iter().zip(&printed) {
            assert!(saved.text.lines().any(|l| l == *line), "{kind:?} lacks {line}:\n{}", saved.text);
            assert!(saved.text.contains("Mairie de"), "{kind:?} header");
            let png = std::fs::read(saved.png_path.as_ref().expect("saved png")).expect("png on disk");
            let decoder = png::Decoder::new(std::io::Cursor::new(png));
            let info = decoder.read_info().expect("valid png").info().clone();
            assert_eq!(info.width, paper.dots());
            assert!(info.height > 400, "a receipt is long: {}", info.height);
            let text = std::fs::read_to_string(saved.text_path.as_ref().expect("saved txt")).expect("txt");
            assert_eq!(text, saved.text);
        }
        assert!(sim.unknown_commands().is_empty(), "{:?}", sim.unknown_commands());
        // The QR codes on the rendered paper scan (rqrr, a decoder independent of the encoder).
        for (saved, link) in printed.iter().zip([
            "https://www.service-public.fr/particuliers/vosdroits/F1341",
            "https://ants.gouv.fr",
            "https://vernay.example.fr/signalement/2026-0042",
            "https://borne.example.org/test",
        ]) {
            assert_eq!(scan_qr(&saved.png), [link.to_string()], "receipt {}", saved.number);
        }
    }
}

/// Every QR code found in a one-bit PNG.
fn scan_qr(png_bytes: &[u8]) -> Vec<String> {
    let image = borne_hardware::printer::Raster::from_png(png_bytes, 4096).expect("decodes");
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        if image.get(x as u32, y as u32) { 0 } else { 255 }
    });
    prepared.detect_grids().iter().map(|g| g.decode().expect("QR decodes").1).collect()
}

#[test]
fn accents_and_euro_are_byte_exact_on_the_wire_for_both_code_pages() {
    for (profile, select, expected) in [
        (
            Profile::EPSON_80,
            [0x1B, 0x74, 16],
            // é è ê ë à â ç ù û ü î ï ô œ  in Windows-1252
            vec![
                0xE9, 0x20, 0xE8, 0x20, 0xEA, 0x20, 0xEB, 0x20, 0xE0, 0x20, 0xE2, 0x20, 0xE7, 0x20, 0xF9,
                0x20, 0xFB, 0x20, 0xFC, 0x20, 0xEE, 0x20, 0xEF, 0x20, 0xF4, 0x20, 0x9C,
            ],
        ),
        (
            Profile::COMPACT_58,
            [0x1B, 0x74, 19],
            // the same in PC858, œ spelled "oe"
            vec![
                0x82, 0x20, 0x8A, 0x20, 0x88, 0x20, 0x89, 0x20, 0x85, 0x20, 0x83, 0x20, 0x87, 0x20, 0x97,
                0x20, 0x96, 0x20, 0x81, 0x20, 0x8C, 0x20, 0x8B, 0x20, 0x93, 0x20, b'o', b'e',
            ],
        ),
    ] {
        let euro_line: &[u8] = if profile.code_page.number() == 16 {
            b"\xab guillemets \xbb 12,50 \x80"
        } else {
            b"\xae guillemets \xaf 12,50 \xd5"
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let sim = SimulatedPrinter::start(printer_common::link_path(&dir), profile.paper, None).expect("sim");
        let (driver, events) = PrinterDriver::start(settings(&sim, profile)).expect("driver");
        wait_state(&events, PrinterState::Online, LONG);
        let ticket =
            driver.submit(test_page(&profile, &printer_common::letterhead()).expect("page")).expect("queued");
        assert_eq!(ticket.wait(LONG), Some(Ok(())));
        let printed = sim.wait_for_receipts(1, LONG);
        let wire = sim.wire();
        // The driver's own init selects the page, then the receipt's ESC @ is followed by it again.
        assert_eq!(find(&wire, &[0x1B, 0x40]), Some(0), "ESC @ first");
        assert_eq!(&wire[2..5], &select);
        assert!(find(&wire, &expected).is_some(), "accents of {:?} not found byte-exact", profile.code_page);
        assert!(find(&wire, euro_line).is_some(), "« » € of {:?} not found byte-exact", profile.code_page);
        let letters = if profile.code_page.number() == 16 { "ô œ" } else { "ô oe" };
        assert!(
            printed[0].text.contains(&format!("é è ê ë à â ç ù û ü î ï {letters}")),
            "{}",
            printed[0].text
        );
        assert!(printed[0].text.contains("É È Ê À Â Ç Ù Î Ô"), "{}", printed[0].text);
    }
}

#[test]
fn paper_out_mid_queue_holds_jobs_then_prints_each_exactly_once() {
    let profile = Profile::EPSON_80;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = SimulatedPrinter::start(printer_common::link_path(&dir), Paper::Mm80, None).expect("sim");
    let (driver, events) = PrinterDriver::start(settings(&sim, profile)).expect("driver");
    wait_state(&events, PrinterState::Online, LONG);
    let head = printer_common::letterhead();
    let make =
        |asked: &str| answer_sheet(&profile, &head, &printer_common::faq(), Some(asked)).expect("answer");

    let first = driver.submit(make("question numéro 1")).expect("queued");
    assert_eq!(first.wait(LONG), Some(Ok(())));
    assert_eq!(sim.wait_for_receipts(1, LONG).len(), 1);

    sim.set_fault(Fault::PaperOut, true);
    wait_state(&events, PrinterState::PaperOut, LONG);
    let second = driver.submit(make("question numéro 2")).expect("queued");
    let third = driver.submit(make("question numéro 3")).expect("queued");
    // While the paper is out nothing is sent or printed, and the jobs are still pending.
    assert_eq!(second.wait(Duration::from_millis(800)), None);
    assert_eq!(third.wait(Duration::from_millis(10)), None);
    assert_eq!(sim.receipts().len(), 1);
    assert_eq!(driver.state(), PrinterState::PaperOut);

    sim.set_fault(Fault::PaperOut, false);
    wait_state(&events, PrinterState::Online, LONG);
    assert_eq!(second.wait(LONG), Some(Ok(())));
    assert_eq!(third.wait(LONG), Some(Ok(())));
    let printed = sim.wait_for_receipts(3, LONG);
    // Give a duplicate every chance to show up before counting.
    std::thread::sleep(Duration::from_millis(600));
    let printed_now = sim.receipts();
    assert_eq!(printed_now.len(), 3, "each job printed once");
    for (i, receipt) in printed.iter().enumerate() {
        let line = format!("question numéro {}", i + 1);
        assert!(receipt.text.lines().any(|l| l == line), "receipt {i} is job {}:\n{}", i + 1, receipt.text);
    }
}

#[test]
fn a_job_waiting_on_an_open_cover_fails_with_the_reason_after_the_allowed_wait() {
    let profile = Profile::EPSON_80;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = SimulatedPrinter::start(printer_common::link_path(&dir), Paper::Mm80, None).expect("sim");
    let mut s = settings(&sim, profile);
    s.max_wait = Duration::from_millis(700);
    let (driver, events) = PrinterDriver::start(s).expect("driver");
    wait_state(&events, PrinterState::Online, LONG);
    sim.set_fault(Fault::CoverOpen, true);
    wait_state(&events, PrinterState::CoverOpen, LONG);
    let ticket =
        driver.submit(test_page(&profile, &printer_common::letterhead()).expect("page")).expect("queued");
    match ticket.wait(LONG) {
        Some(Err(JobError::NotReady { state: PrinterState::CoverOpen, .. })) => {}
        other => panic!("expected a cover-open failure, got {other:?}"),
    }
    let failed = events
        .try_iter()
        .any(|e| matches!(e, PrinterEvent::Failed { reason, .. } if reason.contains("capot ouvert")));
    assert!(failed, "a Failed event names the cause");
    sim.set_fault(Fault::CoverOpen, false);
    wait_state(&events, PrinterState::Online, LONG);
    std::thread::sleep(Duration::from_millis(500));
    assert!(sim.receipts().is_empty(), "a failed job is not printed later");
}

#[test]
fn near_end_still_prints_and_a_mute_printer_is_offline() {
    let profile = Profile::EPSON_80;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = SimulatedPrinter::start(printer_common::link_path(&dir), Paper::Mm80, None).expect("sim");
    let (driver, events) = PrinterDriver::start(settings(&sim, profile)).expect("driver");
    wait_state(&events, PrinterState::Online, LONG);
    sim.set_fault(Fault::PaperNearEnd, true);
    wait_state(&events, PrinterState::PaperNearEnd, LONG);
    let ticket =
        driver.submit(test_page(&profile, &printer_common::letterhead()).expect("page")).expect("queued");
    assert_eq!(ticket.wait(LONG), Some(Ok(())));
    assert_eq!(sim.wait_for_receipts(1, LONG).len(), 1);
    sim.set_fault(Fault::Mute, true);
    wait_state(&events, PrinterState::Offline, LONG);
    sim.set_fault(Fault::Mute, false);
    wait_state(&events, PrinterState::PaperNearEnd, LONG);
    // Offline by its own status bits (an error), not by silence.
    sim.set_fault(Fault::Offline, true);
    wait_state(&events, PrinterState::Offline, LONG);
    sim.set_fault(Fault::Offline, false);
    wait_state(&events, PrinterState::PaperNearEnd, LONG);
    sim.set_fault(Fault::PaperNearEnd, false);
    wait_state(&events, PrinterState::Online, LONG);
}

#[test]
fn unplug_is_detected_and_replug_reinitialises_the_printer_within_two_seconds() {
    let profile = Profile::COMPACT_58;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = SimulatedPrinter::start(printer_common::link_path(&dir), Paper::Mm58, None).expect("sim");
    // The kiosk's default timings, not the tests' faster ones.
    let mut link = LinkSettings::new(sim.path(), 19200);
    link.retry_interval = Duration::from_millis(300);
    let (driver, events) = PrinterDriver::start(DriverSettings::new(link, profile)).expect("driver");
    wait_state(&events, PrinterState::Online, LONG);

    let unplugged_at = Instant::now();
    sim.unplug().expect("unplug");
    wait_state(&events, PrinterState::Unplugged, LONG);
    let detected = unplugged_at.elapsed();
    // A receipt asked for while the printer is away waits for it.
    let ticket =
        driver.submit(test_page(&profile, &printer_common::letterhead()).expect("page")).expect("queued");
    assert_eq!(ticket.wait(Duration::from_millis(500)), None);

    let before_replug = sim.wire().len();
    let replugged_at = Instant::now();
    sim.replug().expect("replug");
    wait_state(&events, PrinterState::Online, LONG);
    let ready = replugged_at.elapsed();
    assert_eq!(ticket.wait(LONG), Some(Ok(())));
    let printed = sim.wait_for_receipts(1, LONG);
    assert_eq!(printed.len(), 1);
    // The new connection was initialised: reset and code page before anything else.
    assert_eq!(&sim.wire()[before_replug..before_replug + 5], &[0x1B, 0x40, 0x1B, 0x74, 19]);
    eprintln!("unplug detected in {detected:?}, replug ready in {ready:?}");
    assert!(detected < Duration::from_secs(2), "unplug detected in {detected:?}");
    assert!(ready < Duration::from_secs(2), "replug ready in {ready:?}");
}

#[test]
fn printer_commands_typed_by_a_visitor_never_reach_the_printer_as_commands() {
    let profile = Profile::EPSON_80;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = SimulatedPrinter::start(printer_common::link_path(&dir), Paper::Mm80, None).expect("sim");
    let (driver, events) = PrinterDriver::start(settings(&sim, profile)).expect("driver");
    wait_state(&events, PrinterState::Online, LONG);
    let mut ticket = printer_common::incident();
    ticket.number = "42\x1bp\x00\x19\x7f".into(); // ESC p: cash drawer kick
    let mut faq = printer_common::faq();
    faq.answer.push_str(" \x1b@\x1dV\x41\x03\x1bt\x00 fin");
    let head = printer_common::letterhead();
    for receipt in [
        incident_ticket(&profile, &head, &ticket).expect("ticket"),
        answer_sheet(&profile, &head, &faq, Some("ma question\x10\x04\x01\x1b\x21\x30 ?")).expect("answer"),
    ] {
        let job = driver.submit(receipt).expect("queued");
        assert_eq!(job.wait(LONG), Some(Ok(())));
    }
    let printed = sim.wait_for_receipts(2, LONG);
    let wire = sim.wire();
    assert_eq!(count(&wire, &[0x1B, b'@']), 3, "driver init + one per receipt");
    assert_eq!(count(&wire, &[0x1D, b'V']), 2, "one cut per receipt");
    assert_eq!(count(&wire, &[0x1B, b'p']), 0, "no drawer kick");
    assert_eq!(count(&wire, &[0x1B, b't', 0]), 0, "no code page change");
    assert_eq!(count(&wire, &[0x1B, b'!']), 0, "no font change");
    assert!(printed[0].text.contains("N° 42p"), "{}", printed[0].text);
    assert!(printed[1].text.contains("ma question!0 ?"), "{}", printed[1].text);
    assert!(printed[1].text.contains("@VAt fin"), "{}", printed[1].text);
    assert!(sim.unknown_commands().is_empty(), "{:?}", sim.unknown_commands());
}

#[test]
fn a_job_cut_by_an_unplug_fails_clearly_and_is_not_sent_again() {
    use borne_hardware::printer::encoder::Encoder;
    use borne_hardware::printer::{JobError, Raster, Receipt};
    let profile = Profile::EPSON_80;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = SimulatedPrinter::start(printer_common::link_path(&dir), Paper::Mm80, None).expect("sim");
    let (driver, events) = PrinterDriver::start(settings(&sim, profile)).expect("driver");
    wait_state(&events, PrinterState::Online, LONG);
    // A long job (a 576 x 4000 dot image, 288 KB) that cannot fit in the pty while the printer
    // does not read: the driver is in the middle of writing it when the cable is pulled.
    let mut e = Encoder::new(profile.code_page);
    e.init().raster(&Raster::new(576, 4000)).expect("raster");
    e.cut();
    let big = Receipt { kind: ReceiptKind::Test, bytes: e.finish() };
    sim.set_stalled(true);
    let ticket = driver.submit(big).expect("queued");
    assert_eq!(ticket.wait(Duration::from_millis(700)), None, "still being written");
    let before = sim.wire().len();
    sim.unplug().expect("unplug");
    match ticket.wait(LONG) {
        Some(Err(JobError::LostDuringPrint(_))) => {}
        other => panic!("expected LostDuringPrint, got {other:?}"),
    }
    sim.set_stalled(false);
    sim.replug().expect("replug");
    wait_state(&events, PrinterState::Online, LONG);
    std::thread::sleep(Duration::from_millis(800));
    let wire = sim.wire();
    assert!(
        wire.len() - before < 100,
        "only init and status after the replug: {} bytes",
        wire.len() - before
    );
    assert!(sim.receipts().is_empty(), "the cut job was not printed, and not resent");
    // The printer is usable again.
    let ok =
        driver.submit(test_page(&profile, &printer_common::letterhead()).expect("page")).expect("queued");
    assert_eq!(ok.wait(LONG), Some(Ok(())));
    assert_eq!(sim.wait_for_receipts(1, LONG).len(), 1);
}

//! Measures the card readers' reaction times over real pseudo-terminals, for
//! `docs/performance.md`: unplug → `Disconnected`, replug → `Connected` (ready to read), for the
//! barcode scanner and the PN532, and the PN532's command round trips.
//!
//! Run: `cargo run -p borne-hardware --example reader_timing [ROUNDS]` (default 10 rounds).
//! Timings are printed, never asserted.

use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use borne_hardware::link::{LinkSettings, SerialLink};
use borne_hardware::reader::barcode::Suffix;
use borne_hardware::reader::pn532::driver::{Pn532, Pn532Timing};
use borne_hardware::reader::pn532::simulator::Pn532Simulator;
use borne_hardware::reader::sim_barcode::BarcodeSimulator;
use borne_hardware::reader::{BarcodeSettings, Pn532Settings, ReaderEvent, ReaderSettings, spawn};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);

    let mut scanner = BarcodeSimulator::new(Suffix::Cr)?;
    let (tx, events) = mpsc::channel();
    let settings = BarcodeSettings::new(LinkSettings::new(scanner.path(), 9600));
    let _reader = spawn(ReaderSettings::Barcode(settings), tx)?;
    wait(&events, is_connected)?;
    let (mut down, mut up) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        scanner.unplug();
        wait(&events, is_disconnected)?;
        down.push(t.elapsed());
        let t = Instant::now();
        scanner.plug()?;
        wait(&events, is_connected)?;
        up.push(t.elapsed());
    }
    report("barcode: unplug → disconnected", &mut down);
    report("barcode: replug → ready", &mut up);

    let chip = Pn532Simulator::new()?;
    let (tx, events) = mpsc::channel();
    let settings =
        Pn532Settings { link: LinkSettings::new(chip.path(), 115_200), timing: Pn532Timing::default() };
    let _reader = spawn(ReaderSettings::Pn532(settings), tx)?;
    wait(&events, is_connected)?;
    let (mut down, mut up, mut tap) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        chip.unplug();
        wait(&events, is_disconnected)?;
        down.push(t.elapsed());
        let t = Instant::now();
        chip.plug()?;
        wait(&events, is_connected)?;
        up.push(t.elapsed());
    }
    for i in 0..rounds {
        // Put the card down at varying moments of the poll cycle.
        std::thread::sleep(Duration::from_millis(500 + 37 * i as u64));
        let t = Instant::now();
        chip.tap(&[0xDE, 0xAD, 0xBE, i as u8], Duration::from_millis(400));
        wait(&events, |e| matches!(e, ReaderEvent::Card(_)))?;
        tap.push(t.elapsed());
    }
    report("pn532: unplug → disconnected", &mut down);
    report("pn532: replug → ready (wake-up, SAM, firmware, RF config)", &mut up);
    report("pn532: card put down → CardRead (150 ms poll interval)", &mut tap);
    drop(_reader);

    let mut link = SerialLink::new(LinkSettings::new(chip.path(), 115_200));
    link.connect()?;
    let mut host = Pn532::new(link, Pn532Timing::default());
    let t = Instant::now();
    host.initialise()?;
    println!("pn532: initialise from asleep: {:.2} ms", ms(t.elapsed()));
    let (mut empty, mut card) = (Vec::new(), Vec::new());
    for _ in 0..rounds * 20 {
        let t = Instant::now();
        host.poll()?;
        empty.push(t.elapsed());
    }
    chip.present(&[0xDE, 0xAD, 0xBE, 0xEF]);
    for _ in 0..rounds * 20 {
        let t = Instant::now();
        host.poll()?;
        card.push(t.elapsed());
    }
    report("pn532: poll round trip, no card (InListPassiveTarget)", &mut empty);
    report("pn532: poll round trip, card (InListPassiveTarget + InRelease)", &mut card);
    Ok(())
}

fn is_connected(e: &ReaderEvent) -> bool {
    matches!(e, ReaderEvent::Connected { .. })
}

fn is_disconnected(e: &ReaderEvent) -> bool {
    matches!(e, ReaderEvent::Disconnected { .. })
}

fn wait(events: &Receiver<ReaderEvent>, want: impl Fn(&ReaderEvent) -> bool) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(e) if want(&e) => return Ok(()),
            Ok(_) => {}
            Err(_) => return Err("the expected reader event did not come within 10 s".into()),
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let n = samples.len();
    if n == 0 {
        return;
    }
    println!(
        "{what}: median {:.2} ms, min {:.2}, max {:.2} ({n} samples)",
        ms(samples[n / 2]),
        ms(samples[0]),
        ms(samples[n - 1])
    );
}

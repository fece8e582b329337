//! The PN532 driver against the simulated chip on a real pseudo-terminal: initialisation,
//! polling, one read per tap, recovery from bad checksums, truncated frames, garbage and silence,
//! unplug and replug with re-initialisation.

mod common;

use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use borne_hardware::link::{LinkSettings, SerialLink};
use borne_hardware::reader::pn532::driver::{Firmware, Pn532, Pn532Error, Pn532Timing};
use borne_hardware::reader::pn532::simulator::{Pn532Fault, Pn532Simulator};
use borne_hardware::reader::{Pn532Settings, ReaderEvent, ReaderHandle, ReaderSettings, spawn};
use common::*;

const UID: [u8; 4] = [0xDE, 0xAD, 0xBE, 0xEF];

fn timing() -> Pn532Timing {
    Pn532Timing { poll_interval: Duration::from_millis(40), ..Pn532Timing::default() }
}

/// A host driver connected to `sim`, not initialised yet.
fn host(sim: &Pn532Simulator) -> Pn532 {
    let mut link = SerialLink::new(LinkSettings::new(sim.path(), 115_200));
    link.connect().expect("opens the pty");
    Pn532::new(link, timing())
}

fn start(sim: &Pn532Simulator) -> (ReaderHandle, Receiver<ReaderEvent>) {
    let settings = Pn532Settings { link: LinkSettings::new(sim.path(), 115_200), timing: timing() };
    let (tx, rx) = mpsc::channel();
    let handle = spawn(ReaderSettings::Pn532(settings), tx).expect("reader thread");
    wait_connected(&rx);
    (handle, rx)
}

#[test]
fn initialises_then_polls_and_extracts_uids() {
    let sim = Pn532Simulator::new().expect("simulator");
    let mut chip = host(&sim);
    assert_eq!(chip.initialise().expect("initialises"), Firmware { version: 1, revision: 6 });
    let stats = sim.stats();
    assert_eq!((stats.wake_ups, stats.sam_configurations), (1, 1));
    assert_eq!(chip.poll().expect("polls"), None);
    sim.present(&UID);
    let target = chip.poll().expect("polls").expect("a card");
    assert_eq!(target.uid, UID);
    assert_eq!((target.atqa, target.sak), ([0x00, 0x04], 0x08));
    let seven = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
    sim.present(&seven);
    assert_eq!(chip.poll().expect("polls").expect("a card").uid, seven);
    assert_eq!(chip.faults(), Default::default(), "a clean line needs no recovery");
}

#[test]
fn a_host_that_does_not_wake_the_chip_gets_no_answer() {
    let sim = Pn532Simulator::new().expect("simulator");
    let mut chip = host(&sim);
    assert!(matches!(chip.command(0x02, &[]), Err(Pn532Error::NoAck(0x02))));
    assert_eq!(chip.faults().resent, 1, "the command is sent twice before giving up");
    assert_eq!(sim.stats().wake_ups, 0);
}

#[test]
fn unknown_commands_get_the_error_frame() {
    let sim = Pn532Simulator::new().expect("simulator");
    let mut chip = host(&sim);
    chip.initialise().expect("initialises");
    assert!(matches!(chip.command(0x99, &[]), Err(Pn532Error::ErrorFrame(0x99))));
    // The link is still usable afterwards.
    assert_eq!(chip.command(0x02, &[]).expect("firmware"), [0x32, 0x01, 0x06, 0x07]);
}

#[test]
fn recovers_from_bad_checksums_truncated_frames_garbage_and_silence() {
    let sim = Pn532Simulator::new().expect("simulator");
    let mut chip = host(&sim);
    chip.initialise().expect("initialises");
    sim.present(&UID);

    sim.inject(Pn532Fault::BadChecksum);
    assert_eq!(chip.poll().expect("NACK gets the good frame").expect("card").uid, UID);
    assert_eq!(chip.faults().bad_checksums, 1);
    assert_eq!(sim.stats().nacks, 1);

    sim.inject(Pn532Fault::Truncated);
    assert_eq!(chip.poll().expect("NACK gets the whole frame").expect("card").uid, UID);
    assert_eq!(chip.faults().truncated, 1);
    assert_eq!(sim.stats().nacks, 2);

    sim.inject(Pn532Fault::Garbage);
    assert_eq!(chip.poll().expect("garbage skipped").expect("card").uid, UID);
    assert!(chip.faults().garbage >= 1);

    sim.inject(Pn532Fault::Silence);
    assert_eq!(chip.poll().expect("command resent").expect("card").uid, UID);
    assert_eq!(chip.faults().resent, 1);

    // Line noise between two commands.
    sim.send_raw(&[0x00, 0xFF, 0x07, 0x02, 0xAA, 0x00, 0x00, 0xFF]).expect("noise");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(chip.poll().expect("noise skipped").expect("card").uid, UID);

    // A chip that stays silent through the resend is given up on, with a reason, not a panic.
    sim.inject(Pn532Fault::Silence);
    sim.inject(Pn532Fault::Silence);
    let err = chip.command(0x02, &[]).expect_err("gives up");
    assert!(matches!(err, Pn532Error::NoAck(0x02)), "{err}");
    assert_eq!(sim.pending_faults(), 0);
    // The next command works.
    assert_eq!(chip.command(0x02, &[]).expect("firmware"), [0x32, 0x01, 0x06, 0x07]);
}

#[test]
fn one_tap_is_one_read_and_a_second_tap_reads_again() {
    let sim = Pn532Simulator::new().expect("simulator");
    let (_reader, events) = start(&sim);
    sim.present(&UID);
    assert_eq!(next_card(&events), "DEADBEEF");
    // The card stays on the reader for several polls: no second read.
    let polls = sim.stats().polls;
    let during = drain_for(&events, Duration::from_millis(400));
    assert!(cards(&during).is_empty(), "{during:?}");
    assert!(sim.stats().polls >= polls + 2, "the reader kept polling");
    sim.remove();
    std::thread::sleep(Duration::from_millis(300));
    sim.tap(&[0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66], Duration::from_millis(300));
    assert_eq!(next_card(&events), "04112233445566");
    sim.present(&UID);
    assert_eq!(next_card(&events), "DEADBEEF", "a card put back after removal reads again");
}

#[test]
fn faults_during_polling_do_not_lose_or_duplicate_a_tap() {
    let sim = Pn532Simulator::new().expect("simulator");
    let (_reader, events) = start(&sim);
    for fault in [Pn532Fault::BadChecksum, Pn532Fault::Truncated, Pn532Fault::Garbage, Pn532Fault::Silence] {
        sim.inject(fault);
    }
    sim.present(&UID);
    let got = drain_for(&events, Duration::from_secs(2));
    assert_eq!(cards(&got), ["DEADBEEF"], "{got:?}");
    assert_eq!(sim.pending_faults(), 0);
    // A poll that fails outright (no ACK even to the resend) makes the driver re-initialise the
    // chip; the card still on the reader is not read a second time, and no disconnection is seen.
    let before = sim.stats().sam_configurations;
    sim.inject(Pn532Fault::Silence);
    sim.inject(Pn532Fault::Silence);
    let got = drain_for(&events, Duration::from_secs(1));
    assert_eq!(sim.pending_faults(), 0);
    assert!(sim.stats().sam_configurations > before, "re-initialised after the failed poll");
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn unplug_is_reported_and_the_chip_is_reinitialised_after_replug() {
    let sim = Pn532Simulator::new().expect("simulator");
    let (_reader, events) = start(&sim);
    sim.present(&UID);
    assert_eq!(next_card(&events), "DEADBEEF");
    let mut on_reader = "DEADBEEF".to_string();
    for round in 1..=2u8 {
        sim.unplug();
        wait_disconnected(&events);
        sim.plug().expect("replug");
        wait_connected(&events);
        let stats = sim.stats();
        assert_eq!(stats.sam_configurations, u32::from(round) + 1, "woken and configured again");
        assert_eq!(stats.wake_ups, u32::from(round) + 1);
        // The card is still on the reader: after a reconnection it counts as a new tap.
        assert_eq!(next_card(&events), on_reader, "round {round}");
        sim.present(&[0x12, 0x34, 0x56, round]);
        on_reader = format!("123456{round:02X}");
        assert_eq!(next_card(&events), on_reader);
    }
}

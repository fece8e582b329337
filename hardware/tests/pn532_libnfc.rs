//! An independent check of the PN532 simulator: libnfc's `nfc-list` (Debian package
//! `libnfc-bin`, installed by `scripts/setup.sh`), a widely used PN532 host nobody here wrote,
//! finds the simulated card over a real pseudo-terminal and reads its UID.
//!
//! Without `nfc-list` the test fails and says how to install it; set `BORNE_SKIP_LIBNFC=1` to
//! skip it on purpose.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use borne_hardware::reader::pn532::simulator::Pn532Simulator;

#[test]
fn nfc_list_finds_the_simulated_card() {
    if std::env::var_os("BORNE_SKIP_LIBNFC").is_some() {
        eprintln!("BORNE_SKIP_LIBNFC set: libnfc check skipped");
        return;
    }
    let sim = Pn532Simulator::new().expect("simulator");
    sim.present(&[0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
    // libnfc is given the pty itself.
    let pty = std::fs::read_link(sim.path()).expect("simulator link");
    let child = Command::new("nfc-list")
        .env("LIBNFC_DEFAULT_DEVICE", format!("pn532_uart:{}", pty.display()))
        .env("LIBNFC_LOG_LEVEL", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) => panic!(
            "cannot run nfc-list ({err}): install it with `apt-get install libnfc-bin` \
             (scripts/setup.sh does), or set BORNE_SKIP_LIBNFC=1"
        ),
    };
    let start = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("nfc-list did not finish in 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "nfc-list failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 ISO14443A passive target(s) found"), "{stdout}");
    assert!(stdout.contains("UID (NFCID1): 04  11  22  33  44  55  66"), "{stdout}");
    assert!(stdout.contains("ATQA (SENS_RES): 00  44"), "{stdout}");
    let stats = sim.stats();
    assert!(stats.wake_ups >= 1 && stats.sam_configurations >= 1 && stats.polls >= 1, "{stats:?}");
}

//! Runs the simulated PN532 on its own, with a card on it, for independent hosts such as
//! libnfc's `nfc-list`:
//!
//! ```sh
//! cargo run -p borne-hardware --example pn532_sim -- 20 &     # prints the device path
//! LIBNFC_DEFAULT_DEVICE="pn532_uart:/tmp/borne-sim-…/pn532" nfc-list
//! ```
//!
//! Arguments: seconds to run (default 20), then the card UID in hex (default DEADBEEF).

use std::time::Duration;

use borne_hardware::reader::pn532::simulator::Pn532Simulator;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let uid_hex = args.next().unwrap_or_else(|| "DEADBEEF".into());
    let uid = (0..uid_hex.len())
        .step_by(2)
        .map(|i| uid_hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or("the UID must be hexadecimal")?;
    let sim = Pn532Simulator::new()?;
    sim.present(&uid);
    // libnfc opens the path it is given; give it the pty itself, not our symlink.
    let target = std::fs::read_link(sim.path())?;
    println!("{}", target.display());
    std::thread::sleep(Duration::from_secs(seconds));
    println!("{:?}", sim.stats());
    Ok(())
}

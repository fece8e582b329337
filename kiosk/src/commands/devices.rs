//! `borne devices`: the serial ports of this machine and the state of the configured devices.
//!
//! For a technician at the kiosk: is the reader plugged in, at the configured path, and can the
//! kiosk open it? Pseudo-terminals are not in the system's list of ports but are probed by path.

use std::io::Write;
use std::path::Path;

use borne_hardware::ports::{self, PathState};

use crate::config::Config;

/// Prints the ports and the devices' states.
pub fn run(config: &Config, out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(out, "Serial ports:")?;
    match ports::list() {
        Ok(list) if list.is_empty() => writeln!(out, "  (none listed)")?,
        Ok(list) => {
            for port in list {
                writeln!(out, "  {} ({})", port.path, port.bus)?;
            }
        }
        Err(err) => writeln!(out, "  cannot list the ports: {err}")?,
    }
    writeln!(out)?;
    writeln!(out, "Configured devices:")?;
    let printer = &config.devices.printer;
    writeln!(out, "  printer: {}", describe(printer.path.as_deref(), printer.baud))?;
    let reader = &config.devices.reader;
    writeln!(out, "  reader ({}): {}", reader.kind, describe(reader.path.as_deref(), reader.baud))?;
    Ok(())
}

/// "simulated (no path configured)" or "/dev/ttyACM0 at 9600 baud: present, openable".
fn describe(path: Option<&Path>, baud: u32) -> String {
    match path {
        None => "simulated (no path configured)".to_string(),
        Some(path) => {
            format!("{} at {baud} baud: {}", path.display(), describe_state(&ports::probe(path, baud)))
        }
    }
}

fn describe_state(state: &PathState) -> String {
    state.to_string()
}

//! What serial ports this machine has, and whether a configured device path can be opened.
//!
//! Used by `borne devices` so a technician can tell "the reader is not plugged in" from "it is
//! there but busy or not permitted" without starting the kiosk. Pseudo-terminals are not listed
//! by the system enumeration, but can still be probed by path.

use std::path::Path;
use std::time::Duration;

/// One serial port known to the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// Device path, e.g. `/dev/ttyUSB0`.
    pub path: String,
    /// Bus type as far as the system knows it (`usb`, `pci`, `bluetooth` or `unknown`).
    pub bus: &'static str,
}

/// The serial ports the system lists (from sysfs on Linux).
pub fn list() -> Result<Vec<PortInfo>, serialport::Error> {
    Ok(serialport::available_ports()?
        .into_iter()
        .map(|p| PortInfo {
            path: p.port_name,
            bus: match p.port_type {
                serialport::SerialPortType::UsbPort(_) => "usb",
                serialport::SerialPortType::PciPort => "pci",
                serialport::SerialPortType::BluetoothPort => "bluetooth",
                serialport::SerialPortType::Unknown => "unknown",
            },
        })
        .collect())
}

/// The state of a device path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    /// Nothing at that path: the device is unplugged (or the path is wrong).
    Absent,
    /// The device is there and can be opened.
    Openable,
    /// The device is there but cannot be opened (busy, permission…).
    Unopenable(String),
}

impl std::fmt::Display for PathState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathState::Absent => f.write_str("absent"),
            PathState::Openable => f.write_str("present, openable"),
            PathState::Unopenable(why) => write!(f, "present, cannot open: {why}"),
        }
    }
}

/// Looks at `path`: absent, or present and openable at `baud`, or present but not openable.
/// Opening is immediately undone; it fails if another program (a running kiosk) holds the port.
pub fn probe(path: &Path, baud: u32) -> PathState {
    if !path.exists() {
        return PathState::Absent;
    }
    match serialport::new(path.to_string_lossy(), baud).timeout(Duration::from_millis(50)).open_native() {
        Ok(_) => PathState::Openable,
        Err(err) => PathState::Unopenable(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serialport::SerialPort;

    #[test]
    fn probes_absent_openable_and_unopenable_paths() {
        assert_eq!(probe(Path::new("/dev/borne-test-no-such-port"), 9600), PathState::Absent);
        let (_master, slave) = serialport::TTYPort::pair().expect("pty");
        let path = slave.name().expect("path");
        assert_eq!(probe(Path::new(&path), 9600), PathState::Openable);
        // A regular file exists but is not a serial port.
        let file = std::env::temp_dir().join(format!("borne-probe-{}", std::process::id()));
        std::fs::write(&file, b"x").expect("file");
        assert!(matches!(probe(&file, 9600), PathState::Unopenable(_)));
        let _ = std::fs::remove_file(&file);
        assert!(list().is_ok());
    }
}

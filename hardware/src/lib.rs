//! Devices of a Borne kiosk: receipt printers (ESC/POS over serial) and card readers.
//!
//! Map of the crate (it grows with the device drivers and their simulators):
//!
//! - [`link`]: one serial port that is reopened after the device is unplugged and plugged back.
//! - [`sanitize`]: makes text typed by a visitor safe to send to a printer.
//! - [`ports`]: the system's serial ports, and whether a device path can be opened.
//! - [`printer`]: ESC/POS receipts, the printer driver thread and a simulated printer on a pty.
//! - [`reader`]: card readers (barcode scanners, PN532 NFC) and their simulators.

pub mod link;
pub mod liveness;
pub mod ports;
pub mod printer;
pub mod reader;
pub mod sanitize;

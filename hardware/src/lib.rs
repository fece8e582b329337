//! Devices of a Borne kiosk: receipt printers (ESC/POS over serial) and card readers.
//!
//! Map of the crate (it grows with the device drivers and their simulators):
//!
//! - [`sanitize`]: makes text typed by a visitor safe to send to a printer.
//!
//! The drivers, their simulators on pseudo-terminals and the status/unplug handling are the
//! subject of issue 4; nothing here pretends to drive a device before then.

pub mod sanitize;

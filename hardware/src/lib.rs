//! Devices of a Borne kiosk: receipt printers (ESC/POS over serial) and card readers.
//!
//! Map of the crate (it grows with the device drivers and their simulators):
//!
//! - [`link`]: one serial port that is reopened after the device is unplugged and plugged back.
//! - [`sanitize`]: makes text typed by a visitor safe to send to a printer.
//! - [`printer`]: ESC/POS receipts, the printer driver thread and a simulated printer on a pty.

pub mod link;
pub mod printer;
pub mod sanitize;

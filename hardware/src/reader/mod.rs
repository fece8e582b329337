//! Card readers: barcode scanners in serial mode and PN532 NFC readers, with their simulators.
//!
//! - [`card`]: the [`CardRead`](card::CardRead) event and the masking of card numbers in logs.
//! - [`barcode`]: line framing, validation (length, pattern, check digit) and debounce of scans.
//! - [`pn532`]: the PN532 frame codec, host driver and simulated chip.
//! - [`driver`]: the reader thread that turns either device into [`ReaderEvent`](driver::ReaderEvent)s
//!   on a channel, and follows unplug and replug.
//! - [`sim_port`], [`sim_barcode`]: simulated devices on real pseudo-terminals.

pub mod barcode;
pub mod card;
pub mod driver;
pub mod pn532;
pub mod sim_barcode;
pub mod sim_port;

pub use card::{CardCode, CardRead, ReaderKind};
pub use driver::{BarcodeSettings, Pn532Settings, ReaderEvent, ReaderHandle, ReaderSettings, spawn};

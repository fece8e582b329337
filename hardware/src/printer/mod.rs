//! The receipt printer: ESC/POS encoding, receipt templates, the driver thread and a simulator.
//!
//! | module | job |
//! |---|---|
//! | [`codepage`] | French text to WPC1252 / PC858 bytes and back |
//! | [`profile`] | paper width (58/80 mm) and code page of a printer model |
//! | [`encoder`] | ESC/POS commands: styles, alignment, size, QR, raster, feed, cut |
//! | [`layout`] | word wrapping to the paper's columns |
//! | [`raster`] | one-bit images (logos, the simulator's paper) and PNG |
//! | [`receipt`] | the receipt templates (answer, procedure, incident, test page) |
//! | [`status`] | `DLE EOT` status bytes and printer states |
//! | [`driver`] | the thread that owns the port: status polling, job queue, unplug/replug |
//! | [`decoder`], [`render`], [`machine`] | the simulated printer's parser, paper and behaviour |
//! | [`simulator`] | the simulated printer on a real pty |

pub mod codepage;
pub mod decoder;
pub mod driver;
pub mod encoder;
pub mod layout;
pub mod machine;
pub mod profile;
pub mod raster;
pub mod receipt;
pub mod render;
pub mod simulator;
pub mod status;

pub use codepage::{CodePage, Table};
pub use driver::{DriverSettings, JobError, JobId, JobTicket, PrinterDriver, PrinterEvent};
pub use machine::Fault;
pub use profile::{Paper, Profile};
pub use raster::Raster;
pub use receipt::{IncidentTicket, Letterhead, Receipt, ReceiptError, ReceiptKind};
/// Serial flow control, re-exported so that callers configure it without depending on `serialport`.
pub use serialport::FlowControl;
pub use simulator::{SavedReceipt, SimulatedPrinter, SimulatorError};
pub use status::PrinterState;

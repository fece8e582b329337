//! The PN532 NFC reader over UART (HSU): frame codec, host driver and a simulated chip, side by
//! side so that the driver and the simulator speak exactly the same bytes.

pub mod driver;
pub mod frame;
pub mod simulator;

//! What citizens see and read at a Borne kiosk.
//!
//! Map of the crate:
//!
//! - [`strings`]: the kiosk's own words (menus, buttons, messages) in French and English, used by
//!   the terminal session today and by the touchscreen UI once it exists.
//!
//! The Slint touchscreen UI is the subject of issue 6.

pub mod strings;

//! One module per `borne` subcommand.

pub mod ask;
pub mod config_show;
pub mod content_check;
pub mod content_import;
pub mod devices;
pub mod faq_gaps;
pub mod print;
pub mod run;
pub mod screenshot;

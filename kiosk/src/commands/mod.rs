//! One module per `borne` subcommand.

pub mod config_show;
pub mod content_check;
pub mod run;

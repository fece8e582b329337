//! `borne config show`: prints the effective configuration, so an admin sees what the file, the
//! environment and the defaults add up to.

use anyhow::Context;

use crate::config::Config;

/// Prints `config` as TOML on stdout.
pub fn run(config: &Config) -> anyhow::Result<()> {
    let text = toml::to_string_pretty(config).context("cannot print the configuration")?;
    print!("{text}");
    Ok(())
}

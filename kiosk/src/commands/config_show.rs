//! `borne config show`: prints the effective configuration, so an admin sees what the file, the
//! environment and the defaults add up to.

use anyhow::Context;

use crate::config::Config;

/// Prints `config` as TOML on stdout.
pub fn run(config: &Config) -> anyhow::Result<()> {
    // Credentials are never shown.
    let mut shown = config.clone();
    if shown.broker.password.is_some() {
        shown.broker.password = Some("********".into());
    }
    let text = toml::to_string_pretty(&shown).context("cannot print the configuration")?;
    print!("{text}");
    Ok(())
}

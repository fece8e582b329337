//! `borne print test` and `borne print faq ID`: print a receipt from the command line, on the
//! printer at `--printer PATH`, else the configured one, else the simulator (see [`crate::printing`]).
//! Installers use it to check a printer; the exit status says whether the receipt printed.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use borne_hardware::printer::receipt::{answer_sheet, test_page};

use crate::clock::Clock;
use crate::config::Config;
use crate::printing::{KioskPrinter, Printed, describe};

/// How long `borne print` waits for a printer that cannot print yet.
const COMMAND_WAIT_SECS: u64 = 10;

/// What to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// The test page.
    Test,
    /// The answer sheet of one FAQ entry.
    Faq(String),
}

/// Prints `what` and reports where it went; `config` already holds `--content`.
pub fn run(what: &What, printer: Option<&Path>, config: &Config) -> anyhow::Result<()> {
    let content = super::load_content(config)?;
    let kiosk_printer = KioskPrinter::start(config, printer)?;
    let now = Clock::system(content.commune.timezone).now();
    let head = kiosk_printer.letterhead(&content, config.content.dir.as_deref(), now);
    let profile = *kiosk_printer.profile();
    let receipt = match what {
        What::Test => test_page(&profile, &head)?,
        What::Faq(id) => {
            let Some(entry) = content.faq.iter().find(|e| &e.id == id) else {
                bail!("no FAQ entry '{id}' in the content (see `borne content check`)");
            };
            answer_sheet(&profile, &head, entry, None)?
        }
    };
    // A command does not wait as long as a kiosk: it ends, and an unprinted job with it.
    let timeout = Duration::from_secs(config.devices.printer.max_wait_secs.min(COMMAND_WAIT_SECS));
    match kiosk_printer.print(receipt, timeout).context("receipt not printed")? {
        Printed::Queued(state) => {
            bail!("receipt not printed: {} after {} s", state.describe(), timeout.as_secs())
        }
        printed => println!("{}", describe(&printed)),
    }
    Ok(())
}

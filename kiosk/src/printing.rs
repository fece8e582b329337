//! The kiosk's receipt printer: the configured serial printer, or the built-in simulator.
//!
//! Without `[devices.printer] path` (and without `--printer`), the kiosk starts the simulated
//! printer of `borne-hardware` on a pseudo-terminal and drives it through the very same driver as
//! a real one; receipts land in a folder as PNG + text: `devices.printer.receipts_dir`, else
//! `<kiosk.state_dir>/receipts`, else `borne-receipts` in the system's temporary directory
//! (never the working directory, which may be read-only or a source tree).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use anyhow::{Context, anyhow};
use borne_content::Content;
use borne_hardware::link::LinkSettings;
use borne_hardware::printer::{
    CodePage, DriverSettings, FlowControl, Letterhead, Paper, PrinterDriver, PrinterEvent, PrinterState,
    Profile, Raster, Receipt, SimulatedPrinter, Table,
};
use chrono::DateTime;
use chrono_tz::Tz;

use crate::config::{Config, PrinterConfig};

/// Where a printed receipt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printed {
    /// Sent to the serial printer at this path.
    Device(PathBuf),
    /// Still queued when the wait ended: the printer is in this state. The job prints when the
    /// printer can, unless it is still blocked after `max_wait_secs` or the kiosk stops first.
    Queued(PrinterState),
    /// Printed by the simulator and saved as these files (PNG, text).
    Simulated {
        /// The rendered receipt.
        png: PathBuf,
        /// Its text dump.
        text: PathBuf,
    },
}

/// A running printer driver, on hardware or on the simulator.
pub struct KioskPrinter {
    driver: PrinterDriver,
    profile: Profile,
    kiosk_id: String,
    device: Option<PathBuf>,
    /// The driver's events until someone takes them (telemetry); the driver also logs them.
    events: Mutex<Option<Receiver<PrinterEvent>>>,
    // Fields drop in order: the driver stops before its simulated device goes away, and the
    // folder of the simulator's link is removed last.
    simulator: Option<SimulatedPrinter>,
    _link_dir: Option<RemoveDirOnDrop>,
}

/// Removes an (empty) folder when dropped.
struct RemoveDirOnDrop(PathBuf);

impl Drop for RemoveDirOnDrop {
    fn drop(&mut self) {
        if let Err(err) = std::fs::remove_dir(&self.0) {
            tracing::debug!(dir = %self.0.display(), %err, "simulated printer folder not removed");
        }
    }
}

impl KioskPrinter {
    /// Starts the printer of `config`, or the one at `path` when given, or the simulator.
    pub fn start(config: &Config, path: Option<&Path>) -> anyhow::Result<Self> {
        let printer = &config.devices.printer;
        let profile = profile(printer)?;
        let device = path.map(Path::to_path_buf).or_else(|| printer.path.clone());
        let (simulator, link_dir) = match &device {
            Some(_) => (None, None),
            None => {
                let dir = receipts_dir(config);
                let link_dir = std::env::temp_dir().join(format!("borne-printer-{}", std::process::id()));
                std::fs::create_dir_all(&link_dir)
                    .with_context(|| format!("cannot create {}", link_dir.display()))?;
                let sim = SimulatedPrinter::start(link_dir.join("printer"), profile.paper, Some(dir))
                    .context("cannot start the simulated printer")?;
                (Some(sim), Some(RemoveDirOnDrop(link_dir)))
            }
        };
        let port = match (&device, &simulator) {
            (Some(path), _) => path.clone(),
            (None, Some(sim)) => sim.path().to_path_buf(),
            (None, None) => return Err(anyhow!("no printer path")),
        };
        let mut link = LinkSettings::new(port, printer.baud);
        link.flow_control = match printer.flow_control.as_str() {
            "software" => FlowControl::Software,
            "hardware" => FlowControl::Hardware,
            _ => FlowControl::None,
        };
        let mut settings = DriverSettings::new(link, profile);
        settings.max_wait = Duration::from_secs(printer.max_wait_secs);
        // State changes and job outcomes are logged by the driver; jobs report to their tickets,
        // and the events go to telemetry when it runs ([`KioskPrinter::take_events`]).
        let (driver, events) = PrinterDriver::start(settings).context("cannot start the printer driver")?;
        Ok(Self {
            driver,
            profile,
            kiosk_id: config.kiosk.id.clone(),
            device,
            events: Mutex::new(Some(events)),
            simulator,
            _link_dir: link_dir,
        })
    }

    /// The paper and code page in use.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The printer's state as last polled.
    pub fn state(&self) -> PrinterState {
        self.driver.state()
    }

    /// When the driver thread last went round its loop (for the watchdog).
    pub fn liveness(&self) -> borne_hardware::liveness::Liveness {
        self.driver.liveness()
    }

    /// The driver's events (state changes, jobs printed or failed), once: the first caller gets
    /// them. Events are kept in memory until then, so take them early or not at all.
    pub fn take_events(&self) -> Option<Receiver<PrinterEvent>> {
        self.events.lock().ok().and_then(|mut events| events.take())
    }

    /// Where simulated receipts are saved, when the printer is simulated.
    pub fn receipts_dir(&self) -> Option<&Path> {
        self.simulator.as_ref().and_then(|sim| sim.receipts_dir())
    }

    /// The header of receipts printed now for `content`'s commune (with its logo, if it has one).
    pub fn letterhead(&self, content: &Content, content_dir: Option<&Path>, now: DateTime<Tz>) -> Letterhead {
        let logo = match (&content.commune.logo, content_dir) {
            (Some(file), Some(dir)) => {
                let path = dir.join(file);
                match std::fs::read(&path).map_err(|e| e.to_string()).and_then(|bytes| {
                    Raster::from_png(&bytes, self.profile.paper.dots() / 2).map_err(|e| e.to_string())
                }) {
                    Ok(logo) => Some(logo),
                    Err(err) => {
                        tracing::warn!(path = %path.display(), %err, "logo not printable, using the Borne mark");
                        None
                    }
                }
            }
            _ => None,
        };
        Letterhead {
            commune: content.commune.name.clone(),
            help_desk: content.commune.help_desk.clone(),
            kiosk_id: self.kiosk_id.clone(),
            printed_at: now.format("%d/%m/%Y %H:%M").to_string(),
            logo,
        }
    }

    /// Prints `receipt` and waits until it is delivered or failed, or `timeout` passes (then
    /// [`Printed::Queued`]).
    pub fn print(&self, receipt: Receipt, timeout: Duration) -> anyhow::Result<Printed> {
        let before = self.simulator.as_ref().map_or(0, |sim| sim.receipts().len());
        let ticket = self.driver.submit(receipt)?;
        match ticket.wait(timeout) {
            Some(Ok(())) => {}
            Some(Err(err)) => return Err(err.into()),
            None => return Ok(Printed::Queued(self.state())),
        }
        match (&self.simulator, &self.device) {
            (Some(sim), _) => {
                let saved = sim.wait_for_receipts(before + 1, Duration::from_secs(5));
                let last = saved.last().filter(|_| saved.len() > before);
                match last.and_then(|r| Some((r.png_path.clone()?, r.text_path.clone()?))) {
                    Some((png, text)) => Ok(Printed::Simulated { png, text }),
                    None => Err(anyhow!("the simulated printer did not save the receipt")),
                }
            }
            (None, Some(path)) => Ok(Printed::Device(path.clone())),
            (None, None) => Err(anyhow!("no printer")),
        }
    }
}

/// Paper and code page from `[devices.printer]` (already validated).
fn profile(printer: &PrinterConfig) -> anyhow::Result<Profile> {
    let paper = Paper::from_mm(printer.paper_mm)
        .ok_or_else(|| anyhow!("devices.printer.paper_mm: {} mm: use 58 or 80", printer.paper_mm))?;
    let table = Table::from_name(&printer.code_page)
        .ok_or_else(|| anyhow!("devices.printer.code_page: '{}': use wpc1252 or pc858", printer.code_page))?;
    let number = printer.code_page_number.unwrap_or(table.epson_number());
    Ok(Profile::new(paper, CodePage::with_number(table, number)))
}

/// Where the simulated printer saves receipts (see the module documentation).
pub fn receipts_dir(config: &Config) -> PathBuf {
    if let Some(dir) = &config.devices.printer.receipts_dir {
        return dir.clone();
    }
    match &config.kiosk.state_dir {
        Some(state) => state.join("receipts"),
        None => std::env::temp_dir().join("borne-receipts"),
    }
}

/// How a printing outcome is told to a visitor or an operator, in French.
pub fn describe(printed: &Printed) -> String {
    match printed {
        Printed::Device(path) => format!("Reçu imprimé ({}).", path.display()),
        Printed::Queued(state) => {
            format!(
                "Reçu en attente ({}) : il sera imprimé dès que l'imprimante sera prête.",
                state.describe()
            )
        }
        Printed::Simulated { png, text } => {
            format!("Reçu imprimé par l'imprimante simulée : {} (texte : {})", png.display(), text.display())
        }
    }
}

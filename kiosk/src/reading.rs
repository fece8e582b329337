//! The kiosk's card reader: the configured reader, or a simulated one when no path is set.
//!
//! `[devices.reader]` chooses a barcode scanner or a PN532. Without a `path`, `borne run` starts
//! the matching simulator on a pseudo-terminal and the real driver reads it, so the whole chain
//! (bytes, framing, validation, events) runs as with hardware; the terminal session's
//! `carte CODE` command then "taps" a card on the simulator. Reader events arrive on a channel
//! from the reader's own thread; card numbers appear masked only (`****1234`).

use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use borne_content::Lang;
use borne_hardware::link::LinkSettings;
use borne_hardware::reader::barcode::{CheckDigit, Suffix, Validation};
use borne_hardware::reader::pn532::driver::Pn532Timing;
use borne_hardware::reader::pn532::simulator::Pn532Simulator;
use borne_hardware::reader::sim_barcode::BarcodeSimulator;
use borne_hardware::reader::{
    BarcodeSettings, Pn532Settings, ReaderEvent, ReaderHandle, ReaderKind, ReaderSettings,
};

use crate::config::ReaderConfig;

/// Checks the reader settings that have the right type but may be wrong; on error, the key and
/// the message.
pub fn check_config(config: &ReaderConfig) -> Result<(), (&'static str, String)> {
    Suffix::parse(&config.suffix).map_err(|e| ("devices.reader.suffix", e.to_string()))?;
    let check_digit =
        CheckDigit::parse(&config.check_digit).map_err(|e| ("devices.reader.check_digit", e.to_string()))?;
    Validation::new(config.min_length, config.max_length, config.pattern.as_deref(), check_digit).map_err(
        |e| {
            let key = if config.min_length > config.max_length {
                "devices.reader.min_length"
            } else {
                "devices.reader.pattern"
            };
            (key, e.to_string())
        },
    )?;
    if !(10..=5000).contains(&config.poll_interval_ms) {
        return Err((
            "devices.reader.poll_interval_ms",
            format!("{} is out of range (10 to 5000 ms; 150 is usual)", config.poll_interval_ms),
        ));
    }
    Ok(())
}

/// The driver settings for a reader at `path`.
pub fn settings(config: &ReaderConfig, path: &Path) -> anyhow::Result<ReaderSettings> {
    let link = LinkSettings::new(path, config.baud);
    Ok(match config.kind.as_str() {
        "pn532" => ReaderSettings::Pn532(Pn532Settings {
            link,
            timing: Pn532Timing {
                poll_interval: Duration::from_millis(config.poll_interval_ms),
                ..Pn532Timing::default()
            },
        }),
        _ => {
            let check_digit = CheckDigit::parse(&config.check_digit)?;
            let mut settings = BarcodeSettings::new(link);
            settings.suffix = Suffix::parse(&config.suffix)?;
            settings.validation = Validation::new(
                config.min_length,
                config.max_length,
                config.pattern.as_deref(),
                check_digit,
            )?;
            settings.debounce = Duration::from_millis(config.debounce_ms);
            settings.max_line = settings.max_line.max(config.max_length + 1);
            ReaderSettings::Barcode(settings)
        }
    })
}

/// A simulated reader that can be tapped.
#[derive(Debug)]
enum Simulator {
    Barcode(Mutex<BarcodeSimulator>),
    Pn532(Pn532Simulator),
}

/// Taps cards on the simulated reader (cheap to clone).
#[derive(Debug, Clone)]
pub struct Tapper(Arc<Simulator>);

impl Tapper {
    /// Presents `code` to the simulated reader: a barcode is scanned; for a PN532, `code` is the
    /// UID in hexadecimal (4, 7 or 10 bytes) and the card is held on the reader for half a second.
    pub fn tap(&self, code: &str) -> Result<(), TapError> {
        match &*self.0 {
            Simulator::Barcode(sim) => {
                let mut sim = sim.lock().map_err(|_| TapError::Device("simulator unavailable".into()))?;
                sim.scan(code).map_err(|e| TapError::Device(e.to_string()))
            }
            Simulator::Pn532(sim) => {
                let uid = parse_uid(code).ok_or(TapError::NotAUid)?;
                sim.tap(&uid, Duration::from_millis(500));
                Ok(())
            }
        }
    }
}

/// Why a card could not be presented to the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TapError {
    /// The code is not a UID in hexadecimal of 4, 7 or 10 bytes (PN532).
    NotAUid,
    /// The simulated device failed.
    Device(String),
}

impl TapError {
    /// What to tell the person at the terminal.
    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (TapError::NotAUid, Lang::Fr) => {
                "UID NFC : 8, 14 ou 20 chiffres hexadécimaux (par exemple DEADBEEF).".into()
            }
            (TapError::NotAUid, Lang::En) => {
                "NFC UID: 8, 14 or 20 hexadecimal digits (e.g. DEADBEEF).".into()
            }
            (TapError::Device(why), Lang::Fr) => format!("Lecteur simulé indisponible : {why}"),
            (TapError::Device(why), Lang::En) => format!("Simulated reader unavailable: {why}"),
        }
    }
}

fn parse_uid(text: &str) -> Option<Vec<u8>> {
    let hex: String = text.chars().filter(|c| !matches!(c, ':' | ' ' | '-')).collect();
    if ![8, 14, 20].contains(&hex.len()) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}

/// The running reader: its events, its thread and, when simulated, the simulator.
pub struct Reading {
    // Declared (so dropped) first: the reader thread stops before its simulated device goes
    // away, so a normal exit is not logged as an unplug.
    handle: ReaderHandle,
    /// Events from the reader thread, until taken by whoever handles them.
    events: Option<Receiver<ReaderEvent>>,
    /// The kind of reader.
    pub kind: ReaderKind,
    tapper: Option<Tapper>,
}

impl Reading {
    /// The tapper of the simulated reader, if the reader is simulated.
    pub fn tapper(&self) -> Option<Tapper> {
        self.tapper.clone()
    }

    /// When the reader thread last went round its loop (for the watchdog).
    pub fn liveness(&self) -> borne_hardware::liveness::Liveness {
        self.handle.liveness()
    }

    /// The reader's events (once; `None` afterwards).
    pub fn take_events(&mut self) -> Option<Receiver<ReaderEvent>> {
        self.events.take()
    }
}

/// Starts the configured reader, or its simulator when no path is configured.
pub fn start(config: &ReaderConfig) -> anyhow::Result<Reading> {
    let (simulator, path) = match &config.path {
        Some(path) => (None, path.clone()),
        None => {
            let sim = match config.kind.as_str() {
                "pn532" => {
                    Simulator::Pn532(Pn532Simulator::new().context("cannot start the simulated PN532")?)
                }
                _ => Simulator::Barcode(Mutex::new(
                    BarcodeSimulator::new(Suffix::parse(&config.suffix)?)
                        .context("cannot start the simulated scanner")?,
                )),
            };
            let path = match &sim {
                Simulator::Barcode(s) => {
                    s.lock().map_err(|_| anyhow::anyhow!("simulator poisoned"))?.path().to_path_buf()
                }
                Simulator::Pn532(s) => s.path().to_path_buf(),
            };
            (Some(Arc::new(sim)), path)
        }
    };
    let settings = settings(config, &path)?;
    let kind = settings.kind();
    if kind == ReaderKind::Pn532 && config.path.is_some() && config.baud != 115_200 {
        tracing::warn!(
            baud = config.baud,
            "a PN532 talks at 115200 baud unless reconfigured: set devices.reader.baud = 115200"
        );
    }
    let (tx, events) = mpsc::channel();
    let handle = borne_hardware::reader::spawn(settings, tx).context("cannot start the reader thread")?;
    tracing::info!(
        %kind,
        path = %path.display(),
        simulated = simulator.is_some(),
        "card reader started"
    );
    Ok(Reading { handle, events: Some(events), kind, tapper: simulator.map(Tapper) })
}

/// "Carte lue : ****1234. Bonjour !"
pub fn greeting(masked: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("Carte lue : {masked}. Bonjour et bienvenue !"),
        Lang::En => format!("Card read: {masked}. Hello and welcome!"),
    }
}

/// Said when something was read that is not a valid card.
pub fn not_recognised(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Carte non reconnue : veuillez la présenter à nouveau.",
        Lang::En => "Card not recognised: please present it again.",
    }
}

/// Said when a tap on the simulator produced nothing in time.
pub fn no_answer(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Le lecteur de cartes n'a rien lu.",
        Lang::En => "The card reader read nothing.",
    }
}

/// The help line of the simulated reader, for the session's screens.
pub fn simulator_help(kind: ReaderKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (ReaderKind::Barcode, Lang::Fr) => {
            "(Lecteur de cartes simulé : tapez « carte 29990001234567 » pour présenter une carte.)"
        }
        (ReaderKind::Barcode, Lang::En) => {
            "(Simulated card reader: type \"card 29990001234567\" to present a card.)"
        }
        (ReaderKind::Pn532, Lang::Fr) => {
            "(Lecteur NFC simulé : tapez « carte DEADBEEF » pour poser une carte de cet UID.)"
        }
        (ReaderKind::Pn532, Lang::En) => {
            "(Simulated NFC reader: type \"card DEADBEEF\" to tap a card with that UID.)"
        }
    }
}

/// The code in a typed `carte CODE` / `card CODE` command.
pub fn tap_command(line: &str) -> Option<&str> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace)?;
    (word.eq_ignore_ascii_case("carte") || word.eq_ignore_ascii_case("card"))
        .then(|| rest.trim())
        .filter(|code| !code.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tap_commands_and_uids() {
        assert_eq!(tap_command("carte 1234"), Some("1234"));
        assert_eq!(tap_command("  Card  DEADBEEF "), Some("DEADBEEF"));
        assert_eq!(tap_command("carte"), None);
        assert_eq!(tap_command("cartes 12"), None);
        assert_eq!(parse_uid("de:ad:be:ef"), Some(vec![0xDE, 0xAD, 0xBE, 0xEF]));
        assert_eq!(parse_uid("DEADBEE"), None);
        assert_eq!(parse_uid("DEADBEEG"), None);
    }

    #[test]
    fn config_errors_name_their_key() {
        let mut config = ReaderConfig { pattern: Some("([".into()), ..ReaderConfig::default() };
        assert_eq!(check_config(&config).map_err(|e| e.0), Err("devices.reader.pattern"));
        config.pattern = None;
        config.check_digit = "mod97".into();
        assert_eq!(check_config(&config).map_err(|e| e.0), Err("devices.reader.check_digit"));
        config.check_digit = "ean13".into();
        config.min_length = 70;
        assert_eq!(check_config(&config).map_err(|e| e.0), Err("devices.reader.min_length"));
    }
}

//! The kiosk's configuration: one TOML file, environment overrides, command-line flags.
//!
//! Every setting has a default, so a kiosk runs with no file at all (demo content, simulated
//! devices, no broker). Precedence, lowest first: built-in defaults, the file given by `--config`
//! (or `BORNE_CONFIG`), environment variables `BORNE_<SECTION>__<KEY>` (e.g.
//! `BORNE_KIOSK__IDLE_TIMEOUT_SECS=120`), then command-line flags. Errors name the bad key and
//! where it came from. The layering is done by `figment`.

use std::path::{Path, PathBuf};

use borne_content::{ContentSource, Lang};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Who this kiosk is and how it behaves with visitors.
    pub kiosk: KioskConfig,
    /// Where the commune's content comes from.
    pub content: ContentConfig,
    /// Receipt printer and card reader.
    pub devices: DevicesConfig,
    /// The MQTT broker for telemetry and remote commands.
    pub broker: BrokerConfig,
    /// The FAQ chatbot.
    pub chatbot: ChatbotSection,
}

/// `[chatbot]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChatbotSection {
    /// Answer only when the confidence (0 to 1) is at least this; below, say "je ne sais pas" and
    /// suggest the closest topics. Higher means fewer wrong answers and more refusals.
    pub threshold: f32,
    /// How many unanswered questions the local gap log keeps (`borne faq gaps`).
    pub gap_log_capacity: usize,
}

impl Default for ChatbotSection {
    fn default() -> Self {
        Self { threshold: borne_chatbot::DEFAULT_THRESHOLD, gap_log_capacity: 2000 }
    }
}

/// `[kiosk]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskConfig {
    /// Identifier of this kiosk, unique within the commune (an MQTT topic level).
    pub id: String,
    /// The site it stands in, e.g. `mediatheque` (an MQTT topic level).
    pub site: String,
    /// Language at the start of every session: `fr` or `en`.
    pub language: String,
    /// Seconds without a touch before the session is cleared and the welcome screen returns.
    pub idle_timeout_secs: u64,
    /// Writable directory for the kiosk's own state (last good content, later the telemetry
    /// spool); absent means nothing is kept on disk.
    pub state_dir: Option<PathBuf>,
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            id: "borne-demo".into(),
            site: "demo".into(),
            language: "fr".into(),
            idle_timeout_secs: 90,
            state_dir: None,
        }
    }
}

/// `[content]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ContentConfig {
    /// Directory of the commune's content files; absent means the embedded demo content.
    pub dir: Option<PathBuf>,
}

/// `[devices]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DevicesConfig {
    /// `[devices.printer]`
    pub printer: PrinterConfig,
    /// `[devices.reader]`
    pub reader: ReaderConfig,
}

/// `[devices.printer]`: an ESC/POS receipt printer on a serial port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrinterConfig {
    /// Serial device path (e.g. `/dev/borne-printer`); absent means the built-in simulator.
    pub path: Option<PathBuf>,
    /// Line speed.
    pub baud: u32,
    /// Paper width: 58 or 80 (mm).
    pub paper_mm: u32,
    /// Character code page: `wpc1252` (preferred, has œ) or `pc858` (œ printed as "oe").
    pub code_page: String,
    /// The printer's `ESC t` number for that page, when it is not Epson's (16 for wpc1252, 19 for
    /// pc858): see the printer's self-test page.
    pub code_page_number: Option<u8>,
    /// Flow control: `none`, `software` (XON/XOFF) or `hardware` (RTS/CTS).
    pub flow_control: String,
    /// How long a receipt waits for a printer that cannot print (no paper, cover open, unplugged)
    /// before it is given up with a message to the visitor.
    pub max_wait_secs: u64,
    /// Where the simulated printer saves receipts (PNG + text); default `<kiosk.state_dir>/receipts`,
    /// or `borne-receipts` in the system's temporary directory without a state directory.
    pub receipts_dir: Option<PathBuf>,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        Self {
            path: None,
            baud: 19200,
            paper_mm: 80,
            code_page: "wpc1252".into(),
            code_page_number: None,
            flow_control: "none".into(),
            max_wait_secs: 120,
            receipts_dir: None,
        }
    }
}

/// `[devices.reader]`: a card reader on a serial port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReaderConfig {
    /// `barcode` (scanner sending a code and CR/LF) or `pn532` (NFC over UART).
    pub kind: String,
    /// Serial device path; absent means the built-in simulator.
    pub path: Option<PathBuf>,
    /// Line speed (scanners: usually 9600; a PN532 talks at 115200).
    pub baud: u32,
    /// Barcode: what ends a code: `cr`, `lf`, `crlf`, `any` (CR, LF or CRLF), or the suffix
    /// characters themselves (e.g. `"\t"`).
    pub suffix: String,
    /// Barcode: a regular expression the whole code must match (e.g. `"29[0-9]{12}"`).
    pub pattern: Option<String>,
    /// Barcode: fewest characters in a code.
    pub min_length: usize,
    /// Barcode: most characters in a code.
    pub max_length: usize,
    /// Barcode: check digit: `none`, `ean13` or `luhn`.
    pub check_digit: String,
    /// Barcode: the same code scanned again within this many milliseconds is one scan.
    pub debounce_ms: u64,
    /// PN532: milliseconds between two polls for a card.
    pub poll_interval_ms: u64,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self {
            kind: "barcode".into(),
            path: None,
            baud: 9600,
            suffix: "any".into(),
            pattern: None,
            min_length: 4,
            max_length: 64,
            check_digit: "none".into(),
            debounce_ms: 1500,
            poll_interval_ms: 150,
        }
    }
}

/// `[broker]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerConfig {
    /// `mqtt://HOST:PORT` or `mqtts://HOST:PORT`; absent means no telemetry.
    pub url: Option<String>,
    /// Root of the topics (`borne/{site}/{kiosk_id}/...`).
    pub root: String,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self { url: None, root: borne_telemetry::topics::DEFAULT_ROOT.into() }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file given with `--config` does not exist or cannot be read.
    #[error("config file {path}: {reason}")]
    File {
        /// The path given.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// The file is not valid TOML, or a key is unknown or of the wrong type.
    #[error("{0}")]
    Syntax(String),
    /// A value is of the right type but not acceptable.
    #[error("{origin}: {key}: {message}")]
    Invalid {
        /// Where the configuration came from.
        origin: String,
        /// The key, e.g. `kiosk.idle_timeout_secs`.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Values given on the command line, which override the file and the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--content DIR`
    pub content_dir: Option<PathBuf>,
    /// `--lang`
    pub language: Option<String>,
    /// `--kiosk-id`
    pub kiosk_id: Option<String>,
    /// `--site`
    pub site: Option<String>,
    /// `--threshold` of `borne ask`
    pub threshold: Option<f32>,
}

impl Config {
    /// Loads the configuration: defaults, then `file`, then `BORNE_*` variables, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            match std::fs::metadata(path) {
                Ok(m) if m.is_file() => {}
                Ok(_) => return Err(ConfigError::File { path: path.into(), reason: "is not a file".into() }),
                Err(e) => return Err(ConfigError::File { path: path.into(), reason: e.to_string() }),
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(Env::prefixed("BORNE_").split("__").ignore(&["config", "log"]));
        let mut config: Config =
            figment.extract().map_err(|e| ConfigError::Syntax(describe_figment_error(e)))?;
        if let Some(dir) = &overrides.content_dir {
            config.content.dir = Some(dir.clone());
        }
        if let Some(lang) = &overrides.language {
            config.kiosk.language = lang.clone();
        }
        if let Some(id) = &overrides.kiosk_id {
            config.kiosk.id = id.clone();
        }
        if let Some(site) = &overrides.site {
            config.kiosk.site = site.clone();
        }
        if let Some(threshold) = overrides.threshold {
            config.chatbot.threshold = threshold;
        }
        let origin = file.map_or_else(|| "configuration".to_string(), |p| p.display().to_string());
        config.validate(&origin)?;
        Ok(config)
    }

    /// Checks values that have the right type but may still be wrong.
    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid =
            |key, message: String| ConfigError::Invalid { origin: origin.to_string(), key, message };
        borne_telemetry::topics::check_level("kiosk id", &self.kiosk.id)
            .map_err(|e| invalid("kiosk.id", e.to_string()))?;
        borne_telemetry::topics::check_level("site", &self.kiosk.site)
            .map_err(|e| invalid("kiosk.site", e.to_string()))?;
        self.kiosk.language.parse::<Lang>().map_err(|e| invalid("kiosk.language", e.to_string()))?;
        if !(1..=3600).contains(&self.kiosk.idle_timeout_secs) {
            return Err(invalid(
                "kiosk.idle_timeout_secs",
                format!("{} is out of range (1 to 3600 seconds; 90 is usual)", self.kiosk.idle_timeout_secs),
            ));
        }
        if ![58, 80].contains(&self.devices.printer.paper_mm) {
            return Err(invalid(
                "devices.printer.paper_mm",
                format!("{} mm: use 58 or 80", self.devices.printer.paper_mm),
            ));
        }
        if borne_hardware::printer::Table::from_name(&self.devices.printer.code_page).is_none() {
            return Err(invalid(
                "devices.printer.code_page",
                format!("'{}': use wpc1252 or pc858", self.devices.printer.code_page),
            ));
        }
        if !["none", "software", "hardware"].contains(&self.devices.printer.flow_control.as_str()) {
            return Err(invalid(
                "devices.printer.flow_control",
                format!("'{}': use none, software or hardware", self.devices.printer.flow_control),
            ));
        }
        if !(1..=3600).contains(&self.devices.printer.max_wait_secs) {
            return Err(invalid(
                "devices.printer.max_wait_secs",
                format!("{} is out of range (1 to 3600 seconds)", self.devices.printer.max_wait_secs),
            ));
        }
        for (key, baud) in [
            ("devices.printer.baud", self.devices.printer.baud),
            ("devices.reader.baud", self.devices.reader.baud),
        ] {
            if !(1200..=921_600).contains(&baud) {
                return Err(invalid(
                    key,
                    format!("{baud} is not a usual serial speed (e.g. 9600, 19200, 115200)"),
                ));
            }
        }
        if !["barcode", "pn532"].contains(&self.devices.reader.kind.as_str()) {
            return Err(invalid(
                "devices.reader.kind",
                format!("'{}': use barcode or pn532", self.devices.reader.kind),
            ));
        }
        crate::reading::check_config(&self.devices.reader).map_err(|(key, e)| invalid(key, e))?;
        if !(0.0..=1.0).contains(&self.chatbot.threshold) {
            return Err(invalid(
                "chatbot.threshold",
                format!("{} is not between 0 and 1", self.chatbot.threshold),
            ));
        }
        if self.chatbot.gap_log_capacity == 0 {
            return Err(invalid("chatbot.gap_log_capacity", "must be at least 1".to_string()));
        }
        if let Some(url) = &self.broker.url
            && !(url.starts_with("mqtt://") || url.starts_with("mqtts://"))
        {
            return Err(invalid("broker.url", format!("'{url}': use mqtt://HOST:PORT or mqtts://HOST:PORT")));
        }
        Ok(())
    }

    /// Where the content comes from: the configured directory, else the embedded demo content.
    pub fn content_source(&self) -> ContentSource {
        match &self.content.dir {
            Some(dir) => ContentSource::Directory(dir.clone()),
            None => ContentSource::Embedded,
        }
    }

    /// The session language.
    pub fn language(&self) -> Lang {
        self.kiosk.language.parse().unwrap_or_default()
    }
}

/// Figment errors can hold several problems; each names its key and source.
fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() { String::new() } else { format!("{}: ", e.path.join(".")) };
            let source = match e.metadata.as_ref() {
                Some(m) => match &m.source {
                    Some(source) => format!("{source}: "),
                    None => format!("{}: ", m.name),
                },
                None => String::new(),
            };
            format!("{source}{key}{}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

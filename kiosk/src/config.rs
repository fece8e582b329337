//! The kiosk's configuration: one TOML file, environment overrides, command-line flags.
//!
//! Every setting has a default, so a kiosk runs with no file at all (demo content, simulated
//! devices, no broker). Precedence, lowest first: built-in defaults, the file given by `--config`
//! (or `BORNE_CONFIG`), the drop-ins beside it (every `*.toml` of `<file>.d/`, e.g.
//! `/etc/borne/borne.toml.d/`, in name order: what packages such as borne-semantic-fr add),
//! environment variables `BORNE_<SECTION>__<KEY>` (e.g. `BORNE_KIOSK__IDLE_TIMEOUT_SECS=120`),
//! then command-line flags. Errors name the bad key and the file it came from. The layering is
//! done by `figment`.

use std::path::{Path, PathBuf};

use borne_content::{Content, ContentSource, Lang};
use borne_ui::screen_power::{AwakeRule, ScheduleError, SleepSettings};
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
    /// What is reported to the broker, and the spool that keeps it while the broker is away.
    pub telemetry: TelemetryConfig,
    /// The FAQ chatbot.
    pub chatbot: ChatbotSection,
    /// Power-saving hours of the touchscreen.
    pub screen: ScreenConfig,
}

/// `[screen]`: when the touchscreen sleeps (black window, backlight off) to save power and not
/// glow all night. Without `awake_hours` or `follow_service` it never sleeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScreenConfig {
    /// Hours the screen is awake, in OpenStreetMap `opening_hours` syntax (e.g.
    /// `"Mo-Fr 08:00-19:00; Sa 09:00-12:30; PH off"`), in the commune's time zone and with its
    /// public holidays. Absent: always awake (unless `follow_service`).
    pub awake_hours: Option<String>,
    /// Awake while this content service (its id in `services.toml`) is open, `margin_minutes`
    /// before and after; its holidays and exceptional closures count. Not with `awake_hours`.
    pub follow_service: Option<String>,
    /// With `follow_service`: minutes the screen wakes before the service opens and stays awake
    /// after it closes (0 to 240).
    pub margin_minutes: u32,
    /// Minutes a touch keeps the screen awake outside those hours (1 to 120).
    pub wake_on_touch_minutes: u32,
    /// The Linux backlight to power down while asleep: a device directory such as
    /// `/sys/class/backlight/rpi_backlight`, `auto` (the first one in `/sys/class/backlight`),
    /// or `none` (the window only goes black).
    pub backlight: String,
}

impl Default for ScreenConfig {
    fn default() -> Self {
        Self {
            awake_hours: None,
            follow_service: None,
            margin_minutes: 15,
            wake_on_touch_minutes: 5,
            backlight: "auto".into(),
        }
    }
}

impl ScreenConfig {
    /// The power-saving settings the touchscreen uses.
    pub fn sleep_settings(&self) -> SleepSettings {
        let rule = match (&self.awake_hours, &self.follow_service) {
            (Some(hours), _) => AwakeRule::Hours(hours.clone()),
            (None, Some(service)) => AwakeRule::FollowService {
                service: service.clone(),
                margin: chrono::Duration::minutes(i64::from(self.margin_minutes)),
            },
            (None, None) => AwakeRule::Always,
        };
        SleepSettings {
            rule,
            wake_on_touch: chrono::Duration::minutes(i64::from(self.wake_on_touch_minutes)),
        }
    }

    /// Checks the settings against the content in service: `follow_service` must name one of its
    /// services. Called at start-up, once the content is loaded (an error is logged and the screen
    /// stays awake: content must never stop the kiosk).
    pub fn check_content(&self, content: &Content) -> Result<(), ConfigError> {
        self.sleep_settings().rule.resolve(content).map(|_| ()).map_err(|e| {
            let key = match e {
                ScheduleError::UnknownService { .. } => "screen.follow_service",
                ScheduleError::Hours(_) => "screen.awake_hours",
            };
            ConfigError::Invalid { origin: "configuration".into(), key, message: e.to_string() }
        })
    }
}

/// `[chatbot]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChatbotSection {
    /// Answer only when the best entry's probability (0 to 1) is at least this; below, ask
    /// "Vouliez-vous dire ?" or say "je ne sais pas". Absent (the default): the threshold learned
    /// with the chatbot's weights (docs/chatbot.md). Higher means fewer wrong answers and more
    /// questions back.
    pub threshold: Option<f32>,
    /// How many unanswered questions the local gap log keeps (`borne faq gaps`).
    pub gap_log_capacity: usize,
    /// A sentence-transformers model directory for semantic matching (`--model DIR`), run in
    /// process by a build with the cargo feature `semantic`, else by the `borne-embed` program
    /// (package borne-semantic-fr). Absent: lexical matching only. Never downloaded: the
    /// directory must be on the kiosk.
    pub model: Option<PathBuf>,
    /// The `borne-embed` program; absent: beside `borne`, then `/usr/lib/borne/borne-embed`.
    pub embedder: Option<PathBuf>,
    /// Where the FAQ's embeddings are cached (keyed by model and content); default
    /// `<kiosk.state_dir>/embeddings`, or no cache without a state directory.
    pub embedding_cache: Option<PathBuf>,
    /// No longer used: the chatbot's learned second stage weighs the embeddings itself. Still
    /// accepted, with a warning, so that older configuration files keep loading.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_rank_weight: Option<f32>,
    /// No longer used, like `semantic_rank_weight`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_confidence_weight: Option<f32>,
}

impl Default for ChatbotSection {
    fn default() -> Self {
        Self {
            threshold: None,
            gap_log_capacity: 2000,
            model: None,
            embedder: None,
            embedding_cache: None,
            semantic_rank_weight: None,
            semantic_confidence_weight: None,
        }
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
    /// Seconds without a touch before "Êtes-vous toujours là ?" appears.
    pub idle_timeout_secs: u64,
    /// Seconds that question counts down before the session is cleared and the welcome screen
    /// returns.
    pub idle_warning_secs: u64,
    /// Whether the touchscreen window covers the whole screen (`borne run --windowed` turns it off
    /// for a try-out on a desktop).
    pub fullscreen: bool,
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
            idle_warning_secs: 20,
            fullscreen: true,
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
    /// MQTT user name (with Mosquitto's ACL, the kiosk id); absent means anonymous.
    pub username: Option<String>,
    /// Password, in the file itself (prefer `password_file`).
    pub password: Option<String>,
    /// A file holding the password (one line), readable by its owner only (mode 0600).
    pub password_file: Option<PathBuf>,
    /// MQTT keep-alive in seconds: a kiosk that vanishes shows offline after about 1.5 times this.
    pub keep_alive_secs: u64,
    /// `mqtts://`: the CA that signed the broker's certificate (PEM); absent means the system's
    /// trusted CAs.
    pub ca_file: Option<PathBuf>,
    /// `mqtts://`: the kiosk's client certificate (PEM), for brokers that require one.
    pub cert_file: Option<PathBuf>,
    /// `mqtts://`: the client certificate's private key (PEM, mode 0600).
    pub key_file: Option<PathBuf>,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            url: None,
            root: borne_telemetry::topics::DEFAULT_ROOT.into(),
            username: None,
            password: None,
            password_file: None,
            keep_alive_secs: 30,
            ca_file: None,
            cert_file: None,
            key_file: None,
        }
    }
}

impl BrokerConfig {
    /// The user name and password to log in with, reading the password file (which must not be
    /// readable by others). Never logged.
    pub fn credentials(&self) -> Result<Option<(String, String)>, ConfigError> {
        let Some(user) = &self.username else { return Ok(None) };
        let password = match (&self.password, &self.password_file) {
            (Some(p), _) => p.clone(),
            (None, Some(path)) => read_secret(path)?,
            (None, None) => String::new(),
        };
        Ok(Some((user.clone(), password)))
    }

    /// The TLS files, checking that the private key is readable by its owner only.
    pub fn tls_files(&self) -> Result<borne_telemetry::client::TlsFiles, ConfigError> {
        if let Some(key) = &self.key_file {
            check_private(key)?;
        }
        Ok(borne_telemetry::client::TlsFiles {
            ca: self.ca_file.clone(),
            client_cert: self.cert_file.clone(),
            client_key: self.key_file.clone(),
        })
    }
}

/// Refuses a secret file that others than its owner may read.
fn check_private(path: &Path) -> Result<(), ConfigError> {
    let fail = |reason: String| ConfigError::File { path: path.to_path_buf(), reason };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(fail(format!("readable by others (mode {mode:o}): chmod 600 it")));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

/// Reads a one-line secret from a file that only its owner may read.
fn read_secret(path: &Path) -> Result<String, ConfigError> {
    check_private(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::File { path: path.to_path_buf(), reason: e.to_string() })?;
    Ok(text.lines().next().unwrap_or_default().to_string())
}

/// `[telemetry]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// Seconds between two telemetry reports (1 to 86400).
    pub interval_secs: u64,
    /// Directory of the spool that keeps reports and events while the broker is unreachable;
    /// absent means `state_dir/spool`, or memory only when there is no state directory.
    pub spool_dir: Option<PathBuf>,
    /// Most messages the spool keeps (the oldest telemetry is dropped first when full).
    pub spool_max_records: usize,
    /// Most bytes of messages the spool keeps.
    pub spool_max_bytes: usize,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        let limits = borne_telemetry::spool::SpoolLimits::default();
        Self {
            interval_secs: 60,
            spool_dir: None,
            spool_max_records: limits.max_records,
            spool_max_bytes: limits.max_bytes,
        }
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
    /// `--broker`
    pub broker_url: Option<String>,
    /// `--telemetry-interval`
    pub telemetry_interval: Option<u64>,
    /// `--spool-dir`
    pub spool_dir: Option<PathBuf>,
    /// `--model DIR` of `borne ask` and `borne run`
    pub model: Option<PathBuf>,
}

/// The drop-in directory of configuration file `file`: `<file>.d` beside it
/// (`/etc/borne/borne.toml.d` for `/etc/borne/borne.toml`).
pub fn drop_in_dir(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(".d");
    file.with_file_name(name)
}

/// The drop-ins of `file`: the `*.toml` files of [`drop_in_dir`] (not hidden ones, so neither
/// editors' nor dpkg's leftovers such as `x.toml.dpkg-old` count), sorted by name. None when the
/// directory does not exist.
pub fn drop_ins(file: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    let dir = drop_in_dir(file);
    let unreadable = |e: std::io::Error| ConfigError::File { path: dir.clone(), reason: e.to_string() };
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(unreadable(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(unreadable)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".toml") && !name.starts_with('.') && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Where each value came from, for the messages of [`Config::validate`].
struct Origins {
    figment: Figment,
    /// Keys set by command-line flags.
    flags: Vec<&'static str>,
    /// For values from elsewhere: the main file, or "configuration".
    fallback: String,
}

impl Origins {
    /// The file that set `key` (a drop-in or the main file), "command line", or the fallback.
    fn of(&self, key: &str) -> String {
        if self.flags.contains(&key) {
            return "command line".to_string();
        }
        match self.figment.find_metadata(key).and_then(|m| m.source.as_ref()) {
            Some(figment::Source::File(path)) => path.display().to_string(),
            _ => self.fallback.clone(),
        }
    }
}

impl Config {
    /// Loads the configuration: defaults, then `file` and its drop-ins ([`drop_ins`]), then
    /// `BORNE_*` variables, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            match std::fs::metadata(path) {
                Ok(m) if m.is_file() => {}
                Ok(_) => return Err(ConfigError::File { path: path.into(), reason: "is not a file".into() }),
                Err(e) => return Err(ConfigError::File { path: path.into(), reason: e.to_string() }),
            }
            figment = figment.merge(Toml::file_exact(path));
            for drop_in in drop_ins(path)? {
                figment = figment.merge(Toml::file_exact(drop_in));
            }
        }
        // Only BORNE_<SECTION>__<KEY> variables are configuration (every top-level key is a
        // section). Others are not: BORNE_CONFIG and BORNE_LOG are read elsewhere, and tools set
        // their own (BORNE_CACHE, BORNE_SEMANTIC_MODEL of scripts/semantic-setup.sh, ...), which
        // must not stop `borne` from starting.
        figment =
            figment.merge(Env::prefixed("BORNE_").filter(|key| key.as_str().contains("__")).split("__"));
        let mut config: Config =
            figment.extract().map_err(|e| ConfigError::Syntax(describe_figment_error(e)))?;
        let flags = [
            ("content.dir", overrides.content_dir.is_some()),
            ("kiosk.language", overrides.language.is_some()),
            ("kiosk.id", overrides.kiosk_id.is_some()),
            ("kiosk.site", overrides.site.is_some()),
            ("chatbot.threshold", overrides.threshold.is_some()),
            ("chatbot.model", overrides.model.is_some()),
            ("broker.url", overrides.broker_url.is_some()),
            ("telemetry.interval_secs", overrides.telemetry_interval.is_some()),
            ("telemetry.spool_dir", overrides.spool_dir.is_some()),
        ];
        let origins = Origins {
            figment,
            flags: flags.iter().filter(|(_, set)| *set).map(|(key, _)| *key).collect(),
            fallback: file.map_or_else(|| "configuration".to_string(), |p| p.display().to_string()),
        };
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
            config.chatbot.threshold = Some(threshold);
        }
        if let Some(dir) = &overrides.model {
            config.chatbot.model = Some(dir.clone());
        }
        if let Some(url) = &overrides.broker_url {
            config.broker.url = Some(url.clone());
        }
        if let Some(secs) = overrides.telemetry_interval {
            config.telemetry.interval_secs = secs;
        }
        if let Some(dir) = &overrides.spool_dir {
            config.telemetry.spool_dir = Some(dir.clone());
        }
        config.validate(&origins)?;
        Ok(config)
    }

    /// Checks values that have the right type but may still be wrong.
    fn validate(&self, origins: &Origins) -> Result<(), ConfigError> {
        let invalid = |key, message: String| ConfigError::Invalid { origin: origins.of(key), key, message };
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
        if !(5..=300).contains(&self.kiosk.idle_warning_secs) {
            return Err(invalid(
                "kiosk.idle_warning_secs",
                format!("{} is out of range (5 to 300 seconds; 20 is usual)", self.kiosk.idle_warning_secs),
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
        if let Some(threshold) = self.chatbot.threshold
            && !(0.0..=1.0).contains(&threshold)
        {
            return Err(invalid("chatbot.threshold", format!("{threshold} is not between 0 and 1")));
        }
        if self.chatbot.gap_log_capacity == 0 {
            return Err(invalid("chatbot.gap_log_capacity", "must be at least 1".to_string()));
        }
        if let Some(url) = &self.broker.url {
            borne_telemetry::client::BrokerUrl::parse(url)
                .map_err(|e| invalid("broker.url", e.to_string()))?;
        }
        if !(1..=86_400).contains(&self.telemetry.interval_secs) {
            return Err(invalid(
                "telemetry.interval_secs",
                format!("{} is out of range (1 to 86400 seconds; 60 is usual)", self.telemetry.interval_secs),
            ));
        }
        if !(2..=3600).contains(&self.broker.keep_alive_secs) {
            return Err(invalid(
                "broker.keep_alive_secs",
                format!("{} is out of range (2 to 3600 seconds; 30 is usual)", self.broker.keep_alive_secs),
            ));
        }
        self.validate_screen(origins)?;
        if self.telemetry.spool_max_records == 0 || self.telemetry.spool_max_bytes < 64 * 1024 {
            return Err(invalid(
                "telemetry.spool_max_records",
                "the spool must hold at least 1 message and 65536 bytes".to_string(),
            ));
        }
        Ok(())
    }

    /// Checks `[screen]` (the service followed is checked once the content is loaded:
    /// [`ScreenConfig::check_content`]).
    fn validate_screen(&self, origins: &Origins) -> Result<(), ConfigError> {
        let invalid = |key, message: String| ConfigError::Invalid { origin: origins.of(key), key, message };
        let screen = &self.screen;
        if let Some(hours) = &screen.awake_hours {
            if screen.follow_service.is_some() {
                return Err(invalid(
                    "screen.follow_service",
                    "set either screen.awake_hours or screen.follow_service, not both".to_string(),
                ));
            }
            borne_ui::screen_power::check_hours(hours)
                .map_err(|e| invalid("screen.awake_hours", e.to_string()))?;
        }
        if screen.follow_service.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(invalid(
                "screen.follow_service",
                "is empty: give a service id from services.toml".into(),
            ));
        }
        if screen.margin_minutes > 240 {
            return Err(invalid(
                "screen.margin_minutes",
                format!("{} is out of range (0 to 240 minutes; 15 is usual)", screen.margin_minutes),
            ));
        }
        if !(1..=120).contains(&screen.wake_on_touch_minutes) {
            return Err(invalid(
                "screen.wake_on_touch_minutes",
                format!("{} is out of range (1 to 120 minutes; 5 is usual)", screen.wake_on_touch_minutes),
            ));
        }
        let backlight = screen.backlight.as_str();
        if !(backlight == "auto" || backlight == "none" || Path::new(backlight).is_absolute()) {
            return Err(invalid(
                "screen.backlight",
                format!(
                    "'{backlight}': use auto, none or a device directory such as /sys/class/backlight/rpi_backlight"
                ),
            ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn a_password_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\nignored\n").expect("write");
        let broker = BrokerConfig {
            username: Some("kiosk1".into()),
            password_file: Some(path.clone()),
            ..BrokerConfig::default()
        };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = broker.credentials().expect_err("0644 refused").to_string();
        assert!(err.contains("chmod 600") && !err.contains("s3cret"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert_eq!(broker.credentials().expect("ok"), Some(("kiosk1".into(), "s3cret".into())));
        assert_eq!(BrokerConfig::default().credentials().expect("ok"), None);
    }

    #[test]
    fn screen_hours_are_checked_naming_the_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("borne.toml");
        let load = |toml: &str| {
            std::fs::write(&file, toml).expect("write");
            Config::load(Some(&file), &Overrides::default())
        };
        let config = load("[screen]\nawake_hours = \"Mo-Fr 08:00-19:00; Sa 09:00-12:30\"\n").expect("valid");
        assert_eq!(
            config.screen.sleep_settings().rule,
            AwakeRule::Hours("Mo-Fr 08:00-19:00; Sa 09:00-12:30".into())
        );
        assert_eq!(config.screen.wake_on_touch_minutes, 5);
        assert_eq!(config.screen.backlight, "auto");
        for (toml, says) in [
            (
                "[screen]\nawake_hours = \"Mo-Fr 8h-19h\"\n",
                "screen.awake_hours: hours 'Mo-Fr 8h-19h' are not valid",
            ),
            (
                "[screen]\nawake_hours = \"24/7\"\nfollow_service = \"mairie\"\n",
                "screen.follow_service: set either",
            ),
            ("[screen]\nfollow_service = \" \"\n", "screen.follow_service: is empty"),
            ("[screen]\nwake_on_touch_minutes = 0\n", "screen.wake_on_touch_minutes: 0 is out of range"),
            ("[screen]\nmargin_minutes = 600\n", "screen.margin_minutes: 600 is out of range"),
            ("[screen]\nbacklight = \"rpi_backlight\"\n", "screen.backlight: 'rpi_backlight'"),
        ] {
            let err = load(toml).expect_err(toml).to_string();
            assert!(err.contains(says) && err.contains("borne.toml"), "{toml}: {err}");
        }

        let (store, _) = borne_content::ContentStore::open(ContentSource::Embedded, None).expect("content");
        let content = store.current();
        let config = load("[screen]\nfollow_service = \"mairie\"\nmargin_minutes = 30\n").expect("valid");
        config.screen.check_content(&content).expect("the demo has a town hall");
        assert_eq!(
            config.screen.sleep_settings().rule,
            AwakeRule::FollowService { service: "mairie".into(), margin: chrono::Duration::minutes(30) }
        );
        let config = load("[screen]\nfollow_service = \"piscine-olympique\"\n").expect("checked later");
        let err = config.screen.check_content(&content).expect_err("unknown service").to_string();
        assert!(err.contains("screen.follow_service: no service 'piscine-olympique'"), "{err}");
        Config::default().screen.check_content(&content).expect("no hours: always awake");
    }

    #[test]
    fn drop_ins_are_merged_in_name_order_after_the_file_and_errors_name_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("borne.toml");
        std::fs::write(
            &file,
            "[kiosk]\nid = \"mairie-01\"\nidle_timeout_secs = 120\n[chatbot]\nthreshold = 0.5\n",
        )
        .expect("write");
        // No directory: the file alone.
        let config = Config::load(Some(&file), &Overrides::default()).expect("load");
        assert_eq!((config.kiosk.idle_timeout_secs, config.chatbot.model), (120, None));
        let drop_ins = drop_in_dir(&file);
        assert_eq!(drop_ins, dir.path().join("borne.toml.d"));
        std::fs::create_dir(&drop_ins).expect("mkdir");
        let write =
            |name: &str, text: &str| std::fs::write(drop_ins.join(name), text).expect("write drop-in");
        write(
            "50-semantic-fr.toml",
            "[chatbot]\nmodel = \"/usr/share/borne/models/multilingual-e5-small\"\n",
        );
        write("20-site.toml", "[kiosk]\nidle_timeout_secs = 60\nsite = \"mediatheque\"\n");
        write("30-later.toml", "[kiosk]\nidle_timeout_secs = 75\n");
        // Not drop-ins: other extensions, dpkg's leftovers, hidden files, directories.
        write("40-old.toml.dpkg-old", "[kiosk]\nidle_timeout_secs = 1\n");
        write("README", "not toml");
        write(".hidden.toml", "[kiosk]\nidle_timeout_secs = 2\n");
        std::fs::create_dir(drop_ins.join("90-dir.toml")).expect("mkdir");
        assert_eq!(
            drop_ins_of(&file),
            ["20-site.toml", "30-later.toml", "50-semantic-fr.toml"],
            "only *.toml files, in name order"
        );
        let config = Config::load(Some(&file), &Overrides::default()).expect("load");
        assert_eq!(config.kiosk.id, "mairie-01", "kept from the main file");
        assert_eq!(config.kiosk.site, "mediatheque");
        assert_eq!(config.kiosk.idle_timeout_secs, 75, "the last drop-in by name wins");
        assert_eq!(config.chatbot.threshold, Some(0.5), "a drop-in's [chatbot] adds to the file's");
        assert_eq!(
            config.chatbot.model.as_deref(),
            Some(Path::new("/usr/share/borne/models/multilingual-e5-small"))
        );
        // A flag still wins over every file.
        let flag = Overrides { model: Some("/opt/model".into()), ..Overrides::default() };
        assert_eq!(
            Config::load(Some(&file), &flag).expect("load").chatbot.model.as_deref(),
            Some(Path::new("/opt/model"))
        );

        // Mistakes in a drop-in are reported naming the drop-in.
        write("60-typo.toml", "[chatbot]\nmodell = \"/x\"\n");
        let err = Config::load(Some(&file), &Overrides::default()).expect_err("unknown key").to_string();
        assert!(err.contains("60-typo.toml") && err.contains("modell"), "{err}");
        write("60-typo.toml", "[chatbot]\nthreshold = 1.5\n");
        let err = Config::load(Some(&file), &Overrides::default()).expect_err("bad value").to_string();
        assert!(err.contains("60-typo.toml: chatbot.threshold: 1.5 is not between 0 and 1"), "{err}");
        write("60-typo.toml", "[kiosk\n");
        let err = Config::load(Some(&file), &Overrides::default()).expect_err("bad toml").to_string();
        assert!(err.contains("60-typo.toml"), "{err}");
        // A value from the main file is still reported with the main file.
        std::fs::remove_file(drop_ins.join("60-typo.toml")).expect("rm");
        std::fs::write(&file, "[kiosk]\nidle_warning_secs = 1\n").expect("write");
        let err = Config::load(Some(&file), &Overrides::default()).expect_err("bad value").to_string();
        assert!(err.starts_with(&format!("{}: kiosk.idle_warning_secs", file.display())), "{err}");
        // A flag's bad value names the command line, not the file that also set it.
        let bad = Overrides { threshold: Some(2.0), ..Overrides::default() };
        std::fs::write(&file, "[chatbot]\nthreshold = 0.5\n").expect("write");
        let err = Config::load(Some(&file), &bad).expect_err("bad flag").to_string();
        assert!(err.starts_with("command line: chatbot.threshold"), "{err}");
    }

    /// The file names of `file`'s drop-ins.
    fn drop_ins_of(file: &Path) -> Vec<String> {
        drop_ins(file)
            .expect("drop-ins")
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn telemetry_flags_override_the_file_and_are_checked() {
        let overrides = Overrides {
            broker_url: Some("mqtt://127.0.0.1:1884".into()),
            telemetry_interval: Some(5),
            spool_dir: Some("/tmp/spool".into()),
            ..Overrides::default()
        };
        let config = Config::load(None, &overrides).expect("load");
        assert_eq!(config.broker.url.as_deref(), Some("mqtt://127.0.0.1:1884"));
        assert_eq!(config.telemetry.interval_secs, 5);
        assert_eq!(config.telemetry.spool_dir.as_deref(), Some(Path::new("/tmp/spool")));
        let bad = Overrides { telemetry_interval: Some(0), ..Overrides::default() };
        let err = Config::load(None, &bad).expect_err("0 s refused").to_string();
        assert!(err.contains("telemetry.interval_secs"), "{err}");
        let bad = Overrides { broker_url: Some("tcp://h:1".into()), ..Overrides::default() };
        let err = Config::load(None, &bad).expect_err("bad url").to_string();
        assert!(err.contains("broker.url"), "{err}");
    }
}

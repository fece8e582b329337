//! The `borne` command line (clap). `borne` alone runs the kiosk on its embedded defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  borne                                   run the kiosk on the demo content, simulated devices, no broker
  borne run --content /etc/borne/content  run on the commune's own content
  borne run --now 2026-12-24T10:00        run as if it were Christmas Eve, 10:00 (local time)
  borne content check ./content           check a content directory before publishing it
  borne ask 'jai perdu ma cni'            ask the chatbot, as a visitor would
  borne ask --jsonl < questions.txt       one JSON answer per line (for evaluation tools)
  borne faq gaps --state-dir /var/lib/borne   what visitors asked that the FAQ does not answer
  borne config show --config borne.toml   print the effective configuration
  borne devices                           serial ports, and whether the printer and reader are there
  borne print test --printer /dev/ttyUSB0 print the test page on a real printer
  borne print faq cni-perte               print an FAQ answer (simulated printer: PNG + text in a folder)
  borne screenshot --screen all --out-dir shots   every touchscreen screen as PNG, no display needed

Configuration: --config FILE (or BORNE_CONFIG), then its drop-ins (FILE.d/*.toml, in name
order), then BORNE_<SECTION>__<KEY> variables (e.g. BORNE_KIOSK__IDLE_TIMEOUT_SECS=120), then
flags. Logs: BORNE_LOG=debug.";

/// Borne: software for public touch kiosks in libraries, town halls and community centres.
#[derive(Debug, Parser)]
#[command(name = "borne", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Configuration file (TOML); without it, built-in defaults are used.
    #[arg(long, global = true, env = "BORNE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// What to do; `run` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of `run`, accepted without the word `run`.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the kiosk (the default).
    Run(RunArgs),
    /// Work with content directories.
    #[command(subcommand)]
    Content(ContentCommand),
    /// Work with the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Ask the chatbot a question (or many, one per line, with --jsonl).
    Ask(AskArgs),
    /// What visitors asked that the FAQ does not answer yet.
    #[command(subcommand)]
    Faq(FaqCommand),
    /// List the serial ports and the configured printer and card reader with their state.
    Devices,
    /// Print a receipt on the receipt printer (or the simulated one).
    #[command(subcommand)]
    Print(PrintCommand),
    /// Load tools for the broker and telemetry (simulated fleet, spool replay).
    #[command(subcommand)]
    Sim(SimCommand),
    /// Render a touchscreen screen to a PNG file, without any display (software renderer).
    Screenshot(ScreenshotArgs),
}

/// `borne print ...`
#[derive(Debug, Subcommand)]
pub enum PrintCommand {
    /// Print the test page: code page, accents, styles, QR code, logo.
    Test {
        #[command(flatten)]
        target: PrintTarget,
    },
    /// Print the answer sheet of one FAQ entry.
    Faq {
        /// The entry's id, e.g. cni-perte.
        id: String,
        #[command(flatten)]
        target: PrintTarget,
    },
}

/// `borne screenshot`: which screen, where to write it, and how it looks.
#[derive(Debug, Args)]
pub struct ScreenshotArgs {
    /// Screen to render: welcome, home, ask, answer, clarify, refusal, idle, hours, procedures,
    /// procedure, news, alert, maintenance, report, report-where, report-contact, report-summary,
    /// report-done, opinion, opinion-comment, opinion-thanks, or all.
    #[arg(long, value_name = "NAME")]
    pub screen: String,
    /// PNG file to write (one screen).
    #[arg(long, value_name = "FILE", required_unless_present = "out_dir")]
    pub out: Option<PathBuf>,
    /// Folder to write every screen into, as NAME.png (with `--screen all`).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Size in pixels, WIDTHxHEIGHT (portrait 1080x1920 by default).
    #[arg(long, value_name = "WxH", default_value = "1080x1920")]
    pub size: String,
    /// Interface language: fr (default) or en.
    #[arg(long, value_name = "LANG", default_value = "fr")]
    pub lang: String,
    /// Large-text mode.
    #[arg(long)]
    pub large_text: bool,
    /// High-contrast mode.
    #[arg(long)]
    pub high_contrast: bool,
    /// Content directory; the configured content, else the embedded demo content.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// The local time shown (e.g. 2026-11-30T10:00); now by default.
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,
    /// Physical pixels per layout pixel: `--size 540x960 --scale 0.5` is the 1080x1920 layout at half size.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub scale: f32,
}

/// Where `borne print` prints and from which content.
#[derive(Debug, Args)]
pub struct PrintTarget {
    /// Serial port of the printer; default: `devices.printer.path`, else the simulated printer.
    #[arg(long, value_name = "PATH")]
    pub printer: Option<PathBuf>,

    /// Content directory (overrides `content.dir`); the embedded demo content by default.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,
}

/// `borne sim ...`
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Run N simulated kiosks in this process against a broker and measure latency and CPU.
    Fleet {
        /// The broker: mqtt://HOST:PORT.
        #[arg(long, value_name = "URL")]
        broker: String,
        /// How many kiosks.
        #[arg(long, default_value_t = 100)]
        kiosks: usize,
        /// Seconds between two telemetry messages of each kiosk.
        #[arg(long, default_value_t = 1, value_name = "SECONDS")]
        interval: u64,
        /// Seconds of steady state to measure, once every kiosk is started.
        #[arg(long, default_value_t = 30, value_name = "SECONDS")]
        duration: u64,
        /// Site of the simulated kiosks.
        #[arg(long, default_value = "sim")]
        site: String,
        /// User name for every kiosk and the observer (anonymous without it).
        #[arg(long)]
        username: Option<String>,
        /// Password for --username.
        #[arg(long)]
        password: Option<String>,
    },
    /// Spool M messages, then connect and measure how fast the spool drains to the broker.
    Replay {
        /// The broker: mqtt://HOST:PORT.
        #[arg(long, value_name = "URL")]
        broker: String,
        /// How many messages.
        #[arg(long, default_value_t = 10_000)]
        messages: usize,
        /// Spool on disk here (fdatasync per message, as a kiosk) instead of in memory.
        #[arg(long, value_name = "DIR")]
        spool_dir: Option<PathBuf>,
        /// User name (anonymous without it).
        #[arg(long)]
        username: Option<String>,
        /// Password for --username.
        #[arg(long)]
        password: Option<String>,
    },
}

/// `borne ask ...`
#[derive(Debug, Args)]
pub struct AskArgs {
    /// Content directory (overrides `content.dir`); the embedded demo content by default.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,

    /// Answer as if the local time were this (e.g. 2026-12-24T10:00), for opening hours.
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,

    /// Answer only at or above this confidence, between 0 and 1 (overrides `chatbot.threshold`).
    #[arg(long, value_name = "T")]
    pub threshold: Option<f32>,

    /// Sentence-transformers model directory for semantic matching (overrides `chatbot.model`),
    /// run by the borne-embed program (package borne-semantic-fr) or, in builds with the
    /// `semantic` feature, in process; without either, one log line and lexical matching.
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,

    /// Read one question per line on standard input and print one JSON line per question:
    /// {"id": ID|null, "score": S, "answer": TEXT|null, "topk": [[ID, S], ...]}.
    #[arg(long, conflicts_with = "question")]
    pub jsonl: bool,

    /// The question, in French.
    #[arg(required_unless_present = "jsonl")]
    pub question: Option<String>,
}

/// `borne faq ...`
#[derive(Debug, Subcommand)]
pub enum FaqCommand {
    /// List the most frequent questions the kiosk could not answer, grouped by similar wording.
    Gaps {
        /// The kiosk's state directory (overrides `kiosk.state_dir`).
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
        /// How many topics to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `borne content ...`
#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Validate a content directory: prints every problem with file and line, exits non-zero on error.
    Check {
        /// The directory to check.
        dir: PathBuf,
    },
    /// Turn the faq-fr benchmark's faq.json into a content directory (commune.toml + faq.toml).
    ImportBenchmark {
        /// The benchmark's faq.json.
        faq_json: PathBuf,
        /// The directory to write (created; existing files are replaced).
        dir: PathBuf,
    },
}

/// `borne config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (defaults, file, environment) as TOML.
    Show,
}

/// Options of `borne run`.
#[derive(Debug, Args, Default, Clone)]
pub struct RunArgs {
    /// Content directory (overrides `content.dir`); the embedded demo content by default.
    #[arg(long, value_name = "DIR")]
    pub content: Option<PathBuf>,

    /// Language at the start of each session: fr or en.
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,

    /// Kiosk identifier (overrides `kiosk.id`).
    #[arg(long, value_name = "ID")]
    pub kiosk_id: Option<String>,

    /// Site name (overrides `kiosk.site`).
    #[arg(long, value_name = "NAME")]
    pub site: Option<String>,

    /// Pretend the clock reads this local time at start-up (e.g. 2026-12-24T10:00); time then runs on.
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,

    /// Sentence-transformers model directory for semantic matching (overrides `chatbot.model`),
    /// run by the borne-embed program (package borne-semantic-fr) or, in builds with the
    /// `semantic` feature, in process; without either, one log line and lexical matching.
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,

    /// Run without any screen: devices and telemetry only, until stopped.
    #[arg(long, conflicts_with = "terminal")]
    pub headless: bool,

    /// Use the terminal session even when standard input is not a terminal.
    #[arg(long)]
    pub terminal: bool,

    /// Open the touchscreen in a window instead of full screen (to try the kiosk on a desktop).
    #[arg(long)]
    pub windowed: bool,

    /// MQTT broker for telemetry and commands: mqtt://HOST:PORT or mqtts://HOST:PORT
    /// (overrides `broker.url`).
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,

    /// Seconds between two telemetry reports, 1 or more (overrides `telemetry.interval_secs`).
    #[arg(long, value_name = "SECONDS")]
    pub telemetry_interval: Option<u64>,

    /// Directory of the telemetry spool (overrides `telemetry.spool_dir`).
    #[arg(long, value_name = "DIR")]
    pub spool_dir: Option<PathBuf>,
}

//! `borne`: the kiosk program. It wires the commune's content, the chatbot, the devices, the
//! telemetry and the UI together; each lives in its own crate, and this binary only parses the
//! command line and configuration, chooses a mode and starts things (`anyhow` errors at this edge).
//!
//! Map: [`cli`] (arguments), [`config`] (file, environment, flags), [`clock`] (local time, `--now`),
//! [`commands`] (one module per subcommand), [`chat`] (the chatbot and its feedback log),
//! [`content_watch`] (reload on change), [`printing`] (the receipt printer, real or simulated),
//! [`reading`] (the card reader, real or simulated), [`telemetry`] (MQTT reports and commands),
//! [`screen`] (what commands put on the screen: alert, maintenance, screenshot; whether it sleeps),
//! [`backlight`] (the backlight powered down while the screen sleeps),
//! [`terminal`] (the kiosk in a terminal), [`touchscreen`] (the Slint UI wired to all the above),
//! [`watchdog`] (systemd: ready, status, the watchdog fed while every loop is alive).

mod backlight;
mod chat;
mod cli;
mod clock;
mod commands;
mod config;
mod content_watch;
mod printing;
mod reading;
mod reporting;
mod screen;
mod telemetry;
mod terminal;
mod touchscreen;
mod watchdog;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use cli::{Cli, Command, ConfigCommand, ContentCommand, FaqCommand, PrintCommand, RunArgs};
use config::{Config, Overrides};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("borne: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Content(ContentCommand::Check { dir })) => Ok(commands::content_check::run(&dir)),
        Some(Command::Content(ContentCommand::ImportBenchmark { faq_json, dir })) => {
            commands::content_import::run(&faq_json, &dir)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Ask(args)) => {
            init_logging("warn");
            let overrides = Overrides {
                content_dir: args.content.clone(),
                threshold: args.threshold,
                model: args.model.clone(),
                ..Overrides::default()
            };
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            commands::ask::run(&args, &config)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Faq(FaqCommand::Gaps { state_dir, limit, json })) => {
            let config = Config::load(cli.config.as_deref(), &Overrides::default())?;
            commands::faq_gaps::run(state_dir.as_deref().or(config.kiosk.state_dir.as_deref()), limit, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Devices) => {
            let config = Config::load(cli.config.as_deref(), &Overrides::default())?;
            commands::devices::run(&config, &mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config(ConfigCommand::Show)) => {
            let config = Config::load(cli.config.as_deref(), &Overrides::default())?;
            commands::config_show::run(&config)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Print(command)) => {
            init_logging("warn");
            let (what, target) = match command {
                PrintCommand::Test { target } => (commands::print::What::Test, target),
                PrintCommand::Faq { id, target } => (commands::print::What::Faq(id), target),
            };
            let overrides = Overrides { content_dir: target.content.clone(), ..Overrides::default() };
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            commands::print::run(&what, target.printer.as_deref(), &config)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Sim(command)) => {
            init_logging("warn");
            commands::sim::run(&command)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Screenshot(args)) => {
            init_logging("warn");
            let overrides = Overrides { content_dir: args.content.clone(), ..Overrides::default() };
            let config = Config::load(cli.config.as_deref(), &overrides)?;
            commands::screenshot::run(&args, &config)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Run(args)) => run(cli.config.as_deref(), &args),
        None => run(cli.config.as_deref(), &cli.run),
    }
}

fn run(config_file: Option<&std::path::Path>, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        content_dir: args.content.clone(),
        language: args.lang.clone(),
        kiosk_id: args.kiosk_id.clone(),
        site: args.site.clone(),
        threshold: None,
        broker_url: args.broker.clone(),
        telemetry_interval: args.telemetry_interval,
        spool_dir: args.spool_dir.clone(),
        model: args.model.clone(),
    };
    let config = Config::load(config_file, &overrides)?;
    let mode = commands::run::choose_mode(args, &config);
    // In a terminal session, logs would mix with the screen: only warnings by default.
    let default_level = if mode == commands::run::Mode::Terminal { "warn" } else { "info" };
    init_logging(default_level);
    commands::run::run(args, &config, mode)?;
    Ok(ExitCode::SUCCESS)
}

/// Logs go to stderr; `BORNE_LOG` (or `RUST_LOG`) sets the filter.
fn init_logging(default_level: &str) {
    let filter = std::env::var("BORNE_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

//! `borne-fleet`: the fleet dashboard's binary. Reads the configuration, opens the database,
//! starts the MQTT ingest, the alert rules and the web server.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use borne_fleet::alerts;
use borne_fleet::commands::CommandHub;
use borne_fleet::config::{ApiTokenConfig, FleetConfig, Role};
use borne_fleet::ingest::{self, IngestStats};
use borne_fleet::state::FleetState;
use borne_fleet::store::Store;
use borne_fleet::web::{self, AppState};
use clap::{Parser, Subcommand};

/// The fleet dashboard of Borne kiosks.
#[derive(Debug, Parser)]
#[command(name = "borne-fleet", version, about)]
struct Cli {
    /// The MQTT broker the kiosks report to: mqtt://HOST:PORT or mqtts://HOST:PORT.
    #[arg(long, env = "BORNE_FLEET_BROKER")]
    broker: Option<String>,
    /// Address and port of the web server.
    #[arg(long)]
    listen: Option<String>,
    /// Database: sqlite://PATH (default sqlite://fleet.db) or postgres://USER:PASS@HOST/DB.
    #[arg(long)]
    db: Option<String>,
    /// A read-only bearer token for the API and /metrics (at least 16 characters).
    #[arg(long, env = "BORNE_FLEET_API_TOKEN", hide_env_values = true)]
    api_token: Option<String>,
    /// The configuration file (default /etc/borne/fleet.toml when it exists).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Share the kiosks' messages with other instances through this MQTT 5 shared-subscription
    /// group (use PostgreSQL behind them).
    #[arg(long)]
    share_group: Option<String>,
    /// MQTT client id (must differ between instances).
    #[arg(long)]
    client_id: Option<String>,
    /// Mark the session cookie without `Secure` (plain-HTTP tests on localhost only).
    #[arg(long)]
    insecure_cookies: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prints the argon2 hash of a password read from standard input, for `[[users]]`.
    HashPassword,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Some(Command::HashPassword) = cli.command {
        let mut password = String::new();
        std::io::stdin().read_line(&mut password).context("cannot read the password from standard input")?;
        let password = password.trim_end_matches(['\n', '\r']);
        anyhow::ensure!(!password.is_empty(), "empty password");
        println!("{}", web::auth::hash_password(password).map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?);
        return Ok(());
    }
    let mut config = FleetConfig::load(cli.config.as_deref())?;
    if let Some(url) = cli.broker {
        config.broker.url = Some(url);
    }
    if let Some(listen) = cli.listen {
        config.web.listen = listen;
    }
    if let Some(db) = cli.db {
        config.database.url = db;
    }
    if let Some(group) = cli.share_group {
        config.broker.share_group = Some(group);
    }
    if let Some(id) = cli.client_id {
        config.broker.client_id = id;
    }
    if cli.insecure_cookies {
        config.web.secure_cookies = false;
    }
    if let Some(token) = cli.api_token {
        config.api_tokens.push(ApiTokenConfig { name: "cli".into(), token, role: Role::Viewer });
    }
    config.check()?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start tokio")?;
    runtime.block_on(run(config))
}

async fn run(config: FleetConfig) -> anyhow::Result<()> {
    let store = Store::connect(&config.database.url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&config.database.url)))?;
    let fleet = Arc::new(FleetState::from_views(store.kiosks().await?));
    let stats = Arc::new(IngestStats::default());
    if config.users.is_empty() {
        tracing::warn!(
            "no [[users]] in the configuration: nobody can log in to the dashboard (see docs/fleet.md)"
        );
    }
    let connection = match &config.broker.url {
        Some(url) => Some(ingest::connect(&config, url)?),
        None => {
            tracing::warn!("no broker: showing the database only, commands refused, no alert rules");
            None
        }
    };
    let hub = Arc::new(CommandHub::new(
        connection.as_ref().map(|c| c.0.clone()),
        &config.broker.root,
        store.clone(),
    ));
    let config = Arc::new(config);
    if let Some((client, eventloop)) = connection {
        tokio::spawn(ingest::run(
            client,
            eventloop,
            (*config).clone(),
            Arc::clone(&fleet),
            store.clone(),
            Arc::clone(&hub),
            Arc::clone(&stats),
        ));
        if config.broker.share_group.is_some() {
            tokio::spawn(ingest::refresh_loop(store.clone(), Arc::clone(&fleet)));
        }
        // Without a broker the picture of the fleet never moves: no rules.
        tokio::spawn(alerts::run(config.alerts.clone(), Arc::clone(&fleet), store.clone()));
    }
    tokio::spawn(ingest::purge_loop(store.clone(), config.database.retention_days));
    let listener = tokio::net::TcpListener::bind(&config.web.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.web.listen))?;
    tracing::info!(listen = %listener.local_addr()?, backend = store.backend(), kiosks = fleet.list().len(), "borne-fleet ready");
    let state = AppState::new(Arc::clone(&config), fleet, store, hub, stats);
    tokio::select! {
        served = web::serve(state, listener) => served.context("web server stopped")?,
        _ = shutdown() => tracing::info!("stopping"),
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            return;
        }
    }
    let _ = ctrl_c.await;
}

/// The database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

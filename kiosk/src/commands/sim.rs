//! `borne sim fleet` and `borne sim replay`: load tools for a broker and the telemetry client.
//!
//! `fleet` runs N simulated kiosks in this process, each a real telemetry client (its own MQTT
//! connection, status, Last Will, telemetry every S seconds, an in-memory spool), plus one
//! observer subscribed to all their telemetry, which measures the end-to-end latency (from the
//! `at` written by the kiosk to reception) and checks that every `seq` arrives. `replay` fills a
//! spool with M messages while no client runs, then starts one and measures how fast the spool
//! drains to the broker. Both print their numbers, with this process's CPU time and memory, for
//! `docs/performance.md`. They log in anonymously (or with `--username`/`--password`): use a
//! test broker.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use borne_telemetry::client::{self, BrokerUrl, ClientConfig, CommandHandler, KioskProbe, TelemetryHandle};
use borne_telemetry::messages::{Command, KioskState, Outcome};
use borne_telemetry::spool::{Lane, Spool, SpoolLimits, SyncPolicy};
use chrono::{DateTime, Utc};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};

use crate::cli::SimCommand;

struct SimProbe;

impl KioskProbe for SimProbe {
    fn state(&self) -> KioskState {
        KioskState {
            content_version: "sim".into(),
            printer: "none".into(),
            reader: "none".into(),
            paper: "unknown".into(),
            usage: Default::default(),
            ..KioskState::default()
        }
    }
}

struct SimCommands;

impl CommandHandler for SimCommands {
    fn handle(&self, command: &Command) -> Outcome {
        match command.name.as_str() {
            "ping" => Outcome::ok(),
            other => Outcome::failed(format!("{other}: not simulated")),
        }
    }
}

/// CPU seconds (user + system) used by this process so far, from `/proc/self/stat`.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 =
        status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs a `borne sim` command.
pub fn run(command: &SimCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    match command {
        SimCommand::Fleet { broker, kiosks, interval, duration, site, username, password } => {
            let url = BrokerUrl::parse(broker)?;
            let creds = username.clone().map(|u| (u, password.clone().unwrap_or_default()));
            runtime.block_on(fleet(url, creds, *kiosks, *interval, *duration, site))
        }
        SimCommand::Replay { broker, messages, spool_dir, username, password } => {
            let url = BrokerUrl::parse(broker)?;
            let creds = username.clone().map(|u| (u, password.clone().unwrap_or_default()));
            runtime.block_on(replay(url, creds, *messages, spool_dir.as_deref()))
        }
    }
}

fn sim_config(
    url: &BrokerUrl,
    creds: &Option<(String, String)>,
    site: &str,
    id: &str,
    interval: u64,
) -> ClientConfig {
    let mut config = ClientConfig::new(url.clone(), "borne", site, id);
    config.interval = Duration::from_secs(interval);
    config.credentials = creds.clone();
    config.version = env!("CARGO_PKG_VERSION").to_string();
    // The fleet's own kiosks would each get a persistent session; a simulation starts clean.
    config.session_expiry = Duration::from_secs(60);
    config
}

async fn fleet(
    url: BrokerUrl,
    creds: Option<(String, String)>,
    kiosks: usize,
    interval: u64,
    duration: u64,
    site: &str,
) -> anyhow::Result<()> {
    if kiosks == 0 {
        bail!("--kiosks must be at least 1");
    }
    // The observer first, so it sees everything.
    let mut options =
        MqttOptions::new(format!("borne-sim-observer-{}", std::process::id()), url.host.clone(), url.port);
    options.set_keep_alive(Duration::from_secs(30));
    if let Some((u, p)) = &creds {
        options.set_credentials(u.clone(), p.clone());
    }
    let (observer, mut events) = AsyncClient::new(options, 1000);
    observer.subscribe(format!("borne/{site}/+/telemetry"), QoS::AtLeastOnce).await?;
    let (lat_tx, mut lat_rx) = tokio::sync::mpsc::unbounded_channel::<(String, u64, f64)>();
    tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let now = Utc::now();
                    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&p.payload) else { continue };
                    let at = v["at"].as_str().and_then(|s| s.parse::<DateTime<Utc>>().ok());
                    let (Some(at), Some(seq), Some(id)) = (at, v["seq"].as_u64(), v["kiosk_id"].as_str())
                    else {
                        continue;
                    };
                    let ms = (now - at).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                    let _ = lat_tx.send((id.to_string(), seq, ms));
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "observer disconnected");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cpu0 = cpu_secs().unwrap_or(0.0);
    let started = Instant::now();
    let mut handles: Vec<TelemetryHandle> = Vec::with_capacity(kiosks);
    let probe: Arc<dyn KioskProbe> = Arc::new(SimProbe);
    let commands: Arc<dyn CommandHandler> = Arc::new(SimCommands);
    for i in 0..kiosks {
        let id = format!("sim-{i:05}");
        let config = sim_config(&url, &creds, site, &id, interval);
        let spool = Spool::in_memory(SpoolLimits::default());
        handles.push(client::start(config, spool, Arc::clone(&probe), Arc::clone(&commands))?);
        // Spread the connections (and so the reports) over one interval.
        tokio::time::sleep(Duration::from_secs(interval) / kiosks as u32).await;
    }
    let ramp = started.elapsed();
    let connected = handles.iter().filter(|h| h.stats().connections.load(Ordering::Relaxed) > 0).count();
    println!("{kiosks} kiosks started in {:.1} s ({connected} connected so far)", ramp.as_secs_f64());

    // Measure over `duration` seconds of steady state.
    let mut latencies = Vec::new();
    let mut per_kiosk: HashMap<String, Vec<u64>> = HashMap::new();
    while lat_rx.try_recv().is_ok() {}
    let cpu1 = cpu_secs().unwrap_or(0.0);
    let t1 = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(duration);
    while let Ok(Some((id, seq, ms))) = tokio::time::timeout_at(deadline, lat_rx.recv()).await {
        latencies.push(ms);
        per_kiosk.entry(id).or_default().push(seq);
    }
    let elapsed = t1.elapsed().as_secs_f64();
    let cpu2 = cpu_secs().unwrap_or(0.0);
    let published: u64 = handles.iter().map(|h| h.stats().acknowledged.load(Ordering::Relaxed)).sum();
    let spooled: u64 = handles.iter().map(|h| h.stats().spool_depth.load(Ordering::Relaxed)).sum();
    let mut gaps = 0u64;
    let mut dups = 0u64;
    for seqs in per_kiosk.values_mut() {
        let n = seqs.len() as u64;
        seqs.sort_unstable();
        seqs.dedup();
        dups += n - seqs.len() as u64;
        if let (Some(first), Some(last)) = (seqs.first(), seqs.last()) {
            gaps += (last - first + 1) - seqs.len() as u64;
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!(
        "steady state {elapsed:.1} s: {} telemetry messages received from {} kiosks ({:.0}/s), gaps {gaps}, duplicates {dups}",
        latencies.len(),
        per_kiosk.len(),
        latencies.len() as f64 / elapsed
    );
    println!(
        "end-to-end latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "simulator: CPU {:.1}% of one core in steady state ({:.1} s CPU while starting), RSS {:.0} MiB; \
         acknowledged {published}, still spooled {spooled}",
        (cpu2 - cpu1) / elapsed * 100.0,
        cpu1 - cpu0,
        rss_mib().unwrap_or(f64::NAN)
    );
    for handle in handles {
        drop(handle);
    }
    Ok(())
}

async fn replay(
    url: BrokerUrl,
    creds: Option<(String, String)>,
    messages: usize,
    spool_dir: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    // Room for the telemetry message the client adds at start, so nothing is dropped.
    let limits = SpoolLimits { max_records: messages + 16, max_bytes: usize::MAX / 2 };
    let mut spool = match spool_dir {
        Some(dir) => Spool::open(dir, limits, SyncPolicy::EveryRecord)?,
        None => Spool::in_memory(limits),
    };
    let topic = "borne/sim/replay-0/telemetry";
    let fill = Instant::now();
    for _ in 0..messages {
        spool.append(Lane::Telemetry, topic, |seq| {
            format!(
                r#"{{"seq":{seq},"at":"{}","kiosk_id":"replay-0","filler":"{}"}}"#,
                Utc::now().to_rfc3339(),
                "x".repeat(400)
            )
            .into_bytes()
        })?;
    }
    let fill_secs = fill.elapsed().as_secs_f64();
    println!(
        "spooled {messages} messages of ~500 bytes in {fill_secs:.2} s ({:.0}/s, {})",
        messages as f64 / fill_secs,
        if spool_dir.is_some() { "on disk, fdatasync per message" } else { "in memory" }
    );
    let config = sim_config(&url, &creds, "sim", "replay-0", 3600);
    let handle = client::start(config, spool, Arc::new(SimProbe), Arc::new(SimCommands))?;
    let stats = Arc::clone(handle.stats());
    let cpu0 = cpu_secs().unwrap_or(0.0);
    let start = Instant::now();
    // The client also spools one telemetry message at start: wait for all of them.
    let target = messages as u64 + 1;
    let deadline = start + Duration::from_secs(600);
    while stats.acknowledged.load(Ordering::Relaxed) < target {
        if Instant::now() > deadline {
            bail!("replay did not finish in 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "replayed {target} messages in {secs:.2} s: {:.0} messages/s (incl. connection), CPU {:.2} s",
        target as f64 / secs,
        cpu_secs().unwrap_or(0.0) - cpu0
    );
    handle.shutdown().await;
    Ok(())
}

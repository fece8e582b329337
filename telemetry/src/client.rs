//! The kiosk's MQTT client: status, telemetry, events and commands, with the spool in between.
//!
//! One tokio task owns the spool and decides what to publish; another owns rumqttc's `EventLoop`
//! and does nothing but `poll()` it and forward what happens (so no client call is ever awaited
//! inside the poll loop: the deadlock in `shared/notes/hardware-and-mqtt.md` cannot happen). The
//! kiosk talks to them through a [`TelemetryHandle`], from any thread.
//!
//! Delivery: every telemetry message, event and command reply is first appended to the
//! [`Spool`], then published with QoS 1 (at most [`WINDOW`] at a time), and removed from the
//! spool when the broker's PUBACK arrives. When the connection drops, everything not yet
//! acknowledged is published again, in order, from the spool after the reconnection (rumqttc's own
//! in-memory retransmissions of these messages are discarded, so the spool is the one source of
//! truth and the PUBACK ↔ message mapping stays exact). The session is persistent (fixed client
//! id, clean start off, a session expiry), so commands sent while the kiosk was away are delivered
//! when it comes back. MQTT 5 is used so that a publish refused by the broker's ACL comes back as
//! a PUBACK with reason "not authorized", which is logged (and the message dropped: retrying
//! cannot succeed).
//!
//! Status: on every connection the retained `status` is set to `online: true`; the Last Will sets
//! it to `online: false` when the connection dies; a clean stop publishes `online: false` itself.
//!
//! Cost: spool appends (one `fdatasync` each with a disk spool) run on the spool task itself, a
//! few milliseconds at the telemetry interval; measured at 0.3 % of one core for one report per
//! second (`docs/performance.md`). A kiosk producing many events per second would want them moved
//! to a blocking thread.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{LastWill, Packet, PubAckReason};
use rumqttc::v5::{AsyncClient, Event as MqttEvent, EventLoop, MqttOptions, Request};
use rumqttc::{Outgoing, TlsConfiguration, Transport};
use tokio::sync::{mpsc, oneshot};

use crate::messages::{
    COMMAND_NAMES, Command, Event, EventKind, KioskState, Outcome, Reply, Status, Telemetry,
};
use crate::spool::{Lane, Spool};
use crate::topics::{InvalidTopicLevel, KioskTopics};

/// Most spooled messages published and not yet acknowledged at once.
pub const WINDOW: usize = 32;

/// A broker address: `mqtt://HOST[:PORT]` (port 1883 by default) or `mqtts://HOST[:PORT]` (8883).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Whether TLS is used (`mqtts://`).
    pub tls: bool,
}

/// A configuration the client cannot work with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The broker URL is not `mqtt://HOST:PORT` or `mqtts://HOST:PORT`.
    #[error("broker url '{0}': use mqtt://HOST:PORT or mqtts://HOST:PORT")]
    BadUrl(String),
    /// A TLS file (CA, client certificate or key) cannot be read.
    #[error("TLS file {path}: {reason}")]
    TlsFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The site or kiosk id cannot be a topic level.
    #[error(transparent)]
    Topic(#[from] InvalidTopicLevel),
    /// The telemetry interval is out of range.
    #[error("telemetry interval {0} s is out of range (1 to 86400 s)")]
    Interval(u64),
}

impl BrokerUrl {
    /// Reads `mqtt://HOST[:PORT]` or `mqtts://HOST[:PORT]`.
    pub fn parse(url: &str) -> Result<Self, ClientError> {
        let bad = || ClientError::BadUrl(url.to_string());
        let (tls, rest) = if let Some(rest) = url.strip_prefix("mqtt://") {
            (false, rest)
        } else if let Some(rest) = url.strip_prefix("mqtts://") {
            (true, rest)
        } else {
            return Err(bad());
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
                (host, port.parse::<u16>().map_err(|_| bad())?)
            }
            _ => (rest, if tls { 8883 } else { 1883 }),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains('/') || host.contains('@') || port == 0 {
            return Err(bad());
        }
        Ok(Self { host: host.to_string(), port, tls })
    }
}

/// Everything the client needs to know.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The broker.
    pub broker: BrokerUrl,
    /// Topic root (usually `borne`).
    pub root: String,
    /// The kiosk's site.
    pub site: String,
    /// The kiosk's id.
    pub kiosk_id: String,
    /// Seconds between two telemetry messages.
    pub interval: Duration,
    /// MQTT keep-alive; a kiosk that vanishes without closing its connection is shown offline
    /// after about 1.5 times this.
    pub keep_alive: Duration,
    /// How long the broker keeps the session (and queues commands) while the kiosk is away.
    pub session_expiry: Duration,
    /// User name and password, when the broker wants them.
    pub credentials: Option<(String, String)>,
    /// The kiosk's version, as reported.
    pub version: String,
    /// A path on the disk whose free space is reported (the spool directory).
    pub disk_path: Option<PathBuf>,
    /// TLS files for `mqtts://`; without them the system's trusted CAs are used.
    pub tls: TlsFiles,
}

/// Files for TLS (PEM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA that signed the broker's certificate (the broker's certificate must name its host
    /// in subjectAltName: rustls ignores the CN).
    pub ca: Option<PathBuf>,
    /// The kiosk's client certificate, for brokers that require one.
    pub client_cert: Option<PathBuf>,
    /// Its private key (PKCS#8, PKCS#1 or SEC1).
    pub client_key: Option<PathBuf>,
}

impl TlsFiles {
    /// The rumqttc transport for these files (TLS with this CA, or the system's trusted CAs).
    pub fn transport(&self) -> Result<Transport, ClientError> {
        let read = |path: &PathBuf| {
            std::fs::read(path)
                .map_err(|e| ClientError::TlsFile { path: path.clone(), reason: e.to_string() })
        };
        let Some(ca) = &self.ca else { return Ok(Transport::tls_with_default_config()) };
        let client_auth = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => Some((read(cert)?, read(key)?)),
            (None, None) => None,
            (Some(path), None) | (None, Some(path)) => {
                return Err(ClientError::TlsFile {
                    path: path.clone(),
                    reason: "a client certificate needs its key, and the other way round".into(),
                });
            }
        };
        Ok(Transport::tls_with_config(TlsConfiguration::Simple { ca: read(ca)?, alpn: None, client_auth }))
    }
}

impl ClientConfig {
    /// A configuration with the usual defaults (60 s telemetry, 30 s keep-alive, 7 days session).
    pub fn new(broker: BrokerUrl, root: &str, site: &str, kiosk_id: &str) -> Self {
        Self {
            broker,
            root: root.to_string(),
            site: site.to_string(),
            kiosk_id: kiosk_id.to_string(),
            interval: Duration::from_secs(60),
            keep_alive: Duration::from_secs(30),
            session_expiry: Duration::from_secs(7 * 24 * 3600),
            credentials: None,
            version: String::new(),
            disk_path: None,
            tls: TlsFiles::default(),
        }
    }

    /// The fixed MQTT client id (the same at every start, for the persistent session).
    pub fn client_id(&self) -> String {
        format!("borne-{}-{}", self.site, self.kiosk_id)
    }
}

/// What the kiosk reports at each telemetry tick. Called on the client's task: keep it quick
/// (read counters and states; no I/O). Events it sends through an [`EventSink`] while making a
/// report are spooled right after that report, the last one at a clean stop included.
pub trait KioskProbe: Send + Sync + 'static {
    /// The content version, device states and usage since the previous call.
    fn state(&self) -> KioskState;
}

/// Carries out commands. Called on a blocking thread (`spawn_blocking`), one command at a time
/// per call; it may take a while (a content reload) without delaying MQTT.
pub trait CommandHandler: Send + Sync + 'static {
    /// Runs `command` (its name is one of [`COMMAND_NAMES`]) and says how it went.
    fn handle(&self, command: &Command) -> Outcome;
}

/// Counters of the client's work, for tests and measurements.
#[derive(Debug, Default)]
pub struct ClientStats {
    /// Connections established (CONNACK received).
    pub connections: AtomicU64,
    /// Spooled messages handed to the MQTT client (including re-sends after a reconnection).
    pub published: AtomicU64,
    /// Spooled messages acknowledged by the broker.
    pub acknowledged: AtomicU64,
    /// Publishes refused by the broker (PUBACK with an error reason, e.g. ACL).
    pub refused: AtomicU64,
    /// Messages waiting in the spool (updated after every change).
    pub spool_depth: AtomicU64,
}

enum Input {
    Event(EventKind),
    Reply(Option<String>, String, Outcome),
    Stop(oneshot::Sender<()>),
}

enum Net {
    Connected { session_present: bool },
    Sent(u16),
    Acked(u16, PubAckReason),
    Command(String, Vec<u8>, bool),
    Down(String),
}

/// Sends events to the running client from anywhere (cheap to clone).
#[derive(Clone)]
pub struct EventSink {
    tx: mpsc::UnboundedSender<Input>,
}

impl EventSink {
    /// Reports an event (non-blocking; callable from any thread; ignored once the client stopped).
    pub fn event(&self, kind: EventKind) {
        if self.tx.send(Input::Event(kind)).is_err() {
            tracing::debug!("telemetry stopped: event not reported");
        }
    }
}

/// The running client. Dropping it stops the tasks without the clean `offline` status (the
/// Last Will then says it); call [`TelemetryHandle::shutdown`] for a clean stop.
pub struct TelemetryHandle {
    tx: mpsc::UnboundedSender<Input>,
    stats: Arc<ClientStats>,
    task: Option<tokio::task::JoinHandle<()>>,
    poller: tokio::task::AbortHandle,
}

impl TelemetryHandle {
    /// Reports an event (non-blocking; callable from any thread).
    pub fn event(&self, kind: EventKind) {
        if self.tx.send(Input::Event(kind)).is_err() {
            tracing::debug!("telemetry stopped: event not reported");
        }
    }

    /// A sender of events for other threads.
    pub fn sink(&self) -> EventSink {
        EventSink { tx: self.tx.clone() }
    }

    /// The client's counters.
    pub fn stats(&self) -> &Arc<ClientStats> {
        &self.stats
    }

    /// Spools a last telemetry report, waits (up to 3 s) for the spool to drain, publishes
    /// `online: false`, disconnects, saves the spool's state.
    pub async fn shutdown(mut self) {
        let (done_tx, done_rx) = oneshot::channel();
        if self.tx.send(Input::Stop(done_tx)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), done_rx).await;
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
        }
    }
}

impl Drop for TelemetryHandle {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.poller.abort();
    }
}

/// Starts the client on the current tokio runtime.
pub fn start(
    config: ClientConfig,
    spool: Spool,
    probe: Arc<dyn KioskProbe>,
    handler: Arc<dyn CommandHandler>,
) -> Result<TelemetryHandle, ClientError> {
    let secs = config.interval.as_secs();
    if !(1..=86_400).contains(&secs) {
        return Err(ClientError::Interval(secs));
    }
    let topics = KioskTopics::new(&config.root, &config.site, &config.kiosk_id)?;
    let started_at = Utc::now();
    let offline = status_json(&config, started_at, false);
    let mut options = MqttOptions::new(config.client_id(), config.broker.host.clone(), config.broker.port);
    options
        .set_keep_alive(config.keep_alive)
        .set_clean_start(false)
        .set_session_expiry_interval(Some(config.session_expiry.as_secs().min(u32::MAX as u64) as u32))
        .set_outgoing_inflight_upper_limit(100)
        .set_last_will(LastWill::new(topics.status(), offline, QoS::AtLeastOnce, true, None));
    if let Some((user, password)) = &config.credentials {
        options.set_credentials(user.clone(), password.clone());
    }
    if config.broker.tls {
        options.set_transport(config.tls.transport()?);
    }
    let (client, eventloop) = AsyncClient::new(options, 128);
    let (tx, rx) = mpsc::unbounded_channel();
    let (net_tx, net_rx) = mpsc::unbounded_channel();
    let gate = Arc::new(Mutex::new(false));
    let poller = tokio::spawn(poll_loop(eventloop, Arc::clone(&gate), net_tx));
    let stats = Arc::new(ClientStats::default());
    let worker = Worker {
        config,
        topics,
        started_at,
        started: Instant::now(),
        client,
        gate,
        spool,
        probe,
        handler,
        sent: VecDeque::new(),
        in_flight: HashMap::new(),
        cursor: None,
        connected: false,
        failures: 0,
        stats: Arc::clone(&stats),
        tx: tx.clone(),
    };
    let poller_handle = poller.abort_handle();
    let task = tokio::spawn(async move {
        worker.run(rx, net_rx).await;
        poller.abort();
    });
    Ok(TelemetryHandle { tx, stats, task: Some(task), poller: poller_handle })
}

fn status_json(config: &ClientConfig, started_at: DateTime<Utc>, online: bool) -> Vec<u8> {
    let status = Status {
        online,
        kiosk_id: config.kiosk_id.clone(),
        site: config.site.clone(),
        version: config.version.clone(),
        started_at,
    };
    serde_json::to_vec(&status).unwrap_or_default()
}

/// Polls rumqttc's event loop and forwards what matters. Never calls the client.
async fn poll_loop(mut eventloop: EventLoop, gate: Arc<Mutex<bool>>, net: mpsc::UnboundedSender<Net>) {
    let mut backoff = Duration::from_millis(250);
    loop {
        let message = match eventloop.poll().await {
            Ok(MqttEvent::Incoming(Packet::ConnAck(ack))) => {
                backoff = Duration::from_millis(250);
                if let Ok(mut connected) = gate.lock() {
                    *connected = true;
                }
                Net::Connected { session_present: ack.session_present }
            }
            Ok(MqttEvent::Incoming(Packet::PubAck(ack))) => Net::Acked(ack.pkid, ack.reason),
            Ok(MqttEvent::Incoming(Packet::Publish(p))) => {
                Net::Command(String::from_utf8_lossy(&p.topic).into_owned(), p.payload.to_vec(), p.retain)
            }
            Ok(MqttEvent::Outgoing(Outgoing::Publish(pkid))) => Net::Sent(pkid),
            Ok(_) => continue,
            Err(e) => {
                // Under the gate, so the worker cannot hand over a publish meanwhile: forget
                // every publish rumqttc kept for a retransmission (the spool re-sends them) and
                // any event not yet seen from the dead connection.
                if let Ok(mut connected) = gate.lock() {
                    *connected = false;
                    eventloop.clean();
                    eventloop.pending.retain(|r| !matches!(r, Request::Publish(_)));
                    eventloop.state.events.clear();
                }
                if net.send(Net::Down(e.to_string())).is_err() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if net.send(message).is_err() {
            return;
        }
    }
}

struct Worker {
    config: ClientConfig,
    topics: KioskTopics,
    started_at: DateTime<Utc>,
    started: Instant,
    client: AsyncClient,
    gate: Arc<Mutex<bool>>,
    spool: Spool,
    probe: Arc<dyn KioskProbe>,
    handler: Arc<dyn CommandHandler>,
    /// What was handed to rumqttc, in order, until its packet id is known: `Some(seq)` for a
    /// spooled message, `None` for the status.
    sent: VecDeque<Option<u64>>,
    /// Packet id → spooled message (or status) awaiting its PUBACK.
    in_flight: HashMap<u16, Option<u64>>,
    /// The last spooled message handed over on this connection.
    cursor: Option<u64>,
    connected: bool,
    /// Failed connection attempts in a row.
    failures: u64,
    stats: Arc<ClientStats>,
    tx: mpsc::UnboundedSender<Input>,
}

impl Worker {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Input>, mut net: mpsc::UnboundedReceiver<Net>) {
        tracing::info!(
            broker = %format!("{}:{}", self.config.broker.host, self.config.broker.port),
            client_id = %self.config.client_id(),
            spooled = self.spool.len(),
            interval_secs = self.config.interval.as_secs(),
            "telemetry started"
        );
        let mut tick = tokio::time::interval(self.config.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut checkpoint = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                Some(message) = net.recv() => self.on_net(message),
                input = rx.recv() => match input {
                    Some(Input::Event(kind)) => self.append_event(kind),
                    Some(Input::Reply(id, name, outcome)) => self.append_reply(id, &name, outcome),
                    Some(Input::Stop(done)) => {
                        self.stop(&mut rx, &mut net).await;
                        let _ = done.send(());
                        return;
                    }
                    None => return,
                },
                _ = tick.tick() => self.append_telemetry(),
                _ = checkpoint.tick() => self.checkpoint(),
            }
            self.pump();
        }
    }

    fn on_net(&mut self, message: Net) {
        match message {
            Net::Connected { session_present } => {
                self.stats.connections.fetch_add(1, Ordering::Relaxed);
                tracing::info!(session_present, spooled = self.spool.len(), "connected to the broker");
                self.connected = true;
                let online = status_json(&self.config, self.started_at, true);
                if let Ok(connected) = self.gate.lock()
                    && *connected
                {
                    if self.client.try_publish(self.topics.status(), QoS::AtLeastOnce, true, online).is_ok() {
                        self.sent.push_back(None);
                    }
                    if let Err(e) = self.client.try_subscribe(self.topics.commands_filter(), QoS::AtLeastOnce)
                    {
                        tracing::warn!(error = %e, "cannot subscribe to commands");
                    }
                }
            }
            Net::Sent(pkid) => {
                if let Some(entry) = self.sent.pop_front() {
                    self.in_flight.insert(pkid, entry);
                }
            }
            Net::Acked(pkid, reason) => {
                let Some(entry) = self.in_flight.remove(&pkid) else { return };
                let ok = matches!(reason, PubAckReason::Success | PubAckReason::NoMatchingSubscribers);
                if !ok {
                    self.stats.refused.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(?reason, seq = ?entry, "the broker refused a publish (check its ACL)");
                }
                if let Some(seq) = entry {
                    // A refused message is dropped too: sending it again cannot succeed.
                    self.spool.ack(seq);
                    self.stats.acknowledged.fetch_add(1, Ordering::Relaxed);
                    self.stats.spool_depth.store(self.spool.len() as u64, Ordering::Relaxed);
                }
            }
            Net::Command(topic, _, true) => {
                // A retained command would run again at every connection: never obey one.
                tracing::warn!(%topic, "retained command ignored (publish commands without retain)");
            }
            Net::Command(topic, payload, false) => self.on_command(&topic, &payload),
            Net::Down(error) => {
                if self.connected {
                    self.failures = 0;
                    tracing::warn!(%error, spooled = self.spool.len(), "broker connection lost; spooling");
                } else {
                    // Said once, then about every minute (retries are every 0.25 to 5 s).
                    self.failures += 1;
                    if self.failures == 1 || self.failures.is_multiple_of(20) {
                        tracing::warn!(%error, attempts = self.failures, spooled = self.spool.len(), "broker unreachable");
                    } else {
                        tracing::debug!(%error, "broker unreachable");
                    }
                }
                self.connected = false;
                self.sent.clear();
                self.in_flight.clear();
                self.cursor = None;
            }
        }
    }

    /// Hands the next spooled messages to rumqttc, up to the window.
    fn pump(&mut self) {
        if !self.connected {
            return;
        }
        let busy = self.sent.iter().chain(self.in_flight.values()).filter(|e| e.is_some()).count();
        if busy >= WINDOW {
            return;
        }
        let Ok(connected) = self.gate.lock() else { return };
        if !*connected {
            return;
        }
        for record in self.spool.pending_after(self.cursor, WINDOW - busy) {
            let payload = record.payload.clone();
            if self.client.try_publish(record.topic.clone(), QoS::AtLeastOnce, false, payload).is_err() {
                break;
            }
            self.sent.push_back(Some(record.seq));
            self.cursor = Some(record.seq);
            self.stats.published.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn on_command(&mut self, topic: &str, payload: &[u8]) {
        let prefix = self.topics.commands_filter();
        let name = topic.strip_prefix(prefix.trim_end_matches('#')).unwrap_or(topic).to_string();
        let command = match Command::parse(&name, payload) {
            Ok(command) => command,
            Err((id, error)) => {
                tracing::warn!(command = %name, %error, "command refused");
                self.append_reply(id, &name, Outcome::failed(error.to_string()));
                return;
            }
        };
        if !COMMAND_NAMES.contains(&command.name.as_str()) {
            tracing::warn!(command = %name, "unknown command");
            let known = COMMAND_NAMES.join(", ");
            self.append_reply(
                Some(command.id),
                &name,
                Outcome::failed(format!("unknown command (known: {known})")),
            );
            return;
        }
        tracing::info!(command = %command.name, id = %command.id, "command received");
        let handler = Arc::clone(&self.handler);
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let id = command.id.clone();
            let name = command.name.clone();
            let outcome = match tokio::task::spawn_blocking(move || handler.handle(&command)).await {
                Ok(outcome) => outcome,
                Err(_) => Outcome::failed("the command failed inside the kiosk"),
            };
            let _ = tx.send(Input::Reply(Some(id), name, outcome));
        });
    }

    fn append(&mut self, lane: Lane, topic: &str, payload: impl FnOnce(u64) -> Vec<u8>) {
        if let Err(e) = self.spool.append(lane, topic, payload) {
            tracing::error!(error = %e, "cannot spool a message; it is lost");
        }
        self.stats.spool_depth.store(self.spool.len() as u64, Ordering::Relaxed);
    }

    fn append_event(&mut self, kind: EventKind) {
        let kiosk_id = self.config.kiosk_id.clone();
        let topic = self.topics.event();
        self.append(Lane::Event, &topic, |seq| {
            serde_json::to_vec(&Event { seq, at: Utc::now(), kiosk_id, kind }).unwrap_or_default()
        });
    }

    fn append_reply(&mut self, id: Option<String>, name: &str, outcome: Outcome) {
        let topic = self.topics.reply(id.as_deref().unwrap_or("unknown"));
        self.append(Lane::Event, &topic, |seq| {
            let reply = Reply {
                id,
                ok: outcome.ok,
                error: outcome.error,
                command: name.to_string(),
                seq,
                at: Utc::now(),
                data: outcome.data,
            };
            serde_json::to_vec(&reply).unwrap_or_default()
        });
    }

    fn append_telemetry(&mut self) {
        let kiosk = self.probe.state();
        let spool_depth = self.spool.len() as u64;
        let spool_dropped = self.spool.take_dropped();
        let disk_free_bytes = self.config.disk_path.as_deref().and_then(|p| fs4::available_space(p).ok());
        let kiosk_id = self.config.kiosk_id.clone();
        let version = self.config.version.clone();
        let uptime_secs = self.started.elapsed().as_secs();
        let telemetry = |seq| Telemetry {
            seq,
            at: Utc::now(),
            kiosk_id,
            uptime_secs,
            version,
            memory_rss_bytes: memory_rss_bytes(),
            disk_free_bytes,
            spool_depth,
            spool_dropped,
            kiosk,
        };
        let payload = move |seq| serde_json::to_vec(&telemetry(seq)).unwrap_or_default();
        let topic = self.topics.telemetry();
        self.append(Lane::Telemetry, &topic, payload);
    }

    fn checkpoint(&mut self) {
        if let Err(e) = self.spool.checkpoint() {
            tracing::error!(error = %e, "cannot save the spool's progress");
        }
    }

    async fn stop(
        &mut self,
        rx: &mut mpsc::UnboundedReceiver<Input>,
        net: &mut mpsc::UnboundedReceiver<Net>,
    ) {
        // A last report, so the usage since the previous one is not lost; it is spooled, so it
        // goes out now or at the next start.
        self.append_telemetry();
        // The events the probe sent while making that report (the kiosk's unanswered questions),
        // and any reply or event that came in meanwhile, are spooled with it.
        while let Ok(input) = rx.try_recv() {
            match input {
                Input::Event(kind) => self.append_event(kind),
                Input::Reply(id, name, outcome) => self.append_reply(id, &name, outcome),
                // Already stopping: dropping its sender lets that caller go on.
                Input::Stop(_) => {}
            }
        }
        self.pump();
        // Let what is spooled go out, then say goodbye.
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.connected && !self.spool.is_empty() && Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_millis(100), net.recv()).await {
                Ok(Some(message)) => self.on_net(message),
                Ok(None) => break,
                Err(_) => {}
            }
            self.pump();
        }
        if self.connected
            && let Ok(connected) = self.gate.lock()
            && *connected
        {
            let offline = status_json(&self.config, self.started_at, false);
            let _ = self.client.try_publish(self.topics.status(), QoS::AtLeastOnce, true, offline);
            let _ = self.client.try_disconnect();
        }
        // Give the poll loop a moment to send the status and the DISCONNECT.
        let wait = Instant::now() + Duration::from_secs(1);
        while Instant::now() < wait {
            match tokio::time::timeout(Duration::from_millis(100), net.recv()).await {
                Ok(Some(Net::Down(_))) | Ok(None) => break,
                Ok(Some(_)) | Err(_) => {}
            }
        }
        self.checkpoint();
        tracing::info!(spooled = self.spool.len(), "telemetry stopped");
    }
}

/// The process's resident memory, from `/proc/self/status` (Linux).
fn memory_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls() {
        let u = BrokerUrl::parse("mqtt://127.0.0.1:18830").expect("ok");
        assert_eq!((u.host.as_str(), u.port, u.tls), ("127.0.0.1", 18830, false));
        let u = BrokerUrl::parse("mqtts://broker.example.org").expect("ok");
        assert_eq!((u.host.as_str(), u.port, u.tls), ("broker.example.org", 8883, true));
        assert_eq!(BrokerUrl::parse("mqtt://h").expect("ok").port, 1883);
        for bad in ["http://h:1", "mqtt://", "mqtt://h:0", "mqtt://h:99999", "mqtt://u@h:1", "h:1883"] {
            assert!(BrokerUrl::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(memory_rss_bytes().is_some_and(|b| b > 1024 * 1024));
        }
    }
}

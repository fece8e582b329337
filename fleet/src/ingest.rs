//! Reading the kiosks: a persistent MQTT 5 session (QoS 1, fixed client id, clean start off) on
//! every kiosk's `status`, `telemetry`, `event` and `reply/+`, and the writer that stores what
//! comes in.
//!
//! Delivery is at least once into the database: the fleet acknowledges a message to the broker
//! (manual PUBACKs) only after the transaction holding it has committed, so a crash or a database
//! outage loses nothing — the broker delivers again what was not acknowledged, and
//! de-duplication by `seq` drops what was already stored. Messages are written in batches: all
//! that arrived while the previous batch was committing, in one transaction, which is what keeps
//! 1,000 kiosks a second on SQLite.
//!
//! With `broker.share_group`, telemetry, events and replies are read through MQTT 5 shared
//! subscriptions (`$share/{group}/…`), so that several `borne-fleet` instances split them; the
//! retained `status` topics are read by every instance without sharing (brokers do not send
//! retained messages to shared subscriptions), and each instance refreshes its picture of the
//! fleet from the shared database (`docs/scaling.md`).
//!
//! As in the kiosk's client, one task only polls rumqttc's event loop; every client call is made
//! from other tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use borne_telemetry::client::{BrokerUrl, TlsFiles};
use chrono::Utc;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{ConnectProperties, Packet, Publish};
use rumqttc::v5::{AsyncClient, Event as MqttEvent, EventLoop, MqttOptions};
use tokio::sync::mpsc;

use crate::commands::CommandHub;
use crate::config::FleetConfig;
use crate::state::{FleetState, Rejected};
use crate::store::{Store, Write};

/// Most messages written in one transaction.
const BATCH: usize = 5000;

/// Counters of the ingest, for `/metrics` and `/healthz`.
#[derive(Debug, Default)]
pub struct IngestStats {
    /// Messages stored.
    pub stored: AtomicU64,
    /// Messages dropped as already seen.
    pub duplicates: AtomicU64,
    /// Messages refused as malformed.
    pub malformed: AtomicU64,
    /// Transactions committed.
    pub batches: AtomicU64,
    /// Failed transactions (retried).
    pub store_errors: AtomicU64,
    /// Lag of the last committed batch's oldest message, in milliseconds: from the kiosk making
    /// it to its commit in the database.
    pub lag_ms: AtomicU64,
    /// The highest such lag since the last scrape of `/metrics`.
    pub max_lag_ms: AtomicU64,
    /// 1 while connected to the broker.
    pub connected: AtomicU64,
}

/// A broker configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Bad URL or TLS file.
    #[error(transparent)]
    Client(#[from] borne_telemetry::client::ClientError),
    /// Bad password file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// The MQTT filters this instance subscribes to: (filter, shared?).
pub fn filters(root: &str, share_group: Option<&str>) -> Vec<String> {
    let shared = |t: &str| match share_group {
        Some(group) => format!("$share/{group}/{root}/{t}"),
        None => format!("{root}/{t}"),
    };
    vec![format!("{root}/+/+/status"), shared("+/+/telemetry"), shared("+/+/event"), shared("+/+/reply/+")]
}

/// Connects (in the background: the client retries forever) and returns the client for
/// commands and the event loop for [`run`].
pub fn connect(config: &FleetConfig, url: &str) -> Result<(AsyncClient, EventLoop), IngestError> {
    let broker = BrokerUrl::parse(url)?;
    let mut options = MqttOptions::new(config.broker.client_id.clone(), broker.host.clone(), broker.port);
    let mut properties = ConnectProperties::new();
    properties.session_expiry_interval = Some(7 * 24 * 3600);
    properties.receive_maximum = Some(1000);
    properties.max_packet_size = Some(4 * 1024 * 1024);
    options
        .set_keep_alive(Duration::from_secs(config.broker.keep_alive_secs.max(5)))
        .set_clean_start(false)
        .set_connect_properties(properties)
        .set_manual_acks(true)
        .set_max_packet_size(Some(4 * 1024 * 1024));
    if let Some(user) = &config.broker.username {
        options.set_credentials(user.clone(), config.broker_password()?.unwrap_or_default());
    }
    if broker.tls {
        let files = TlsFiles { ca: config.broker.ca_file.clone(), client_cert: None, client_key: None };
        options.set_transport(files.transport()?);
    }
    Ok(AsyncClient::new(options, 1024))
}

/// Runs the ingest until the process stops: the poll loop and the writer.
pub async fn run(
    client: AsyncClient,
    eventloop: EventLoop,
    config: FleetConfig,
    state: Arc<FleetState>,
    store: Store,
    hub: Arc<CommandHub>,
    stats: Arc<IngestStats>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let filters = filters(&config.broker.root, config.broker.share_group.as_deref());
    let poller = tokio::spawn(poll_loop(eventloop, client.clone(), filters, tx, Arc::clone(&stats)));
    write_loop(client, rx, config.broker.root.clone(), state, store, hub, stats).await;
    poller.abort();
}

async fn poll_loop(
    mut eventloop: EventLoop,
    client: AsyncClient,
    filters: Vec<String>,
    tx: mpsc::UnboundedSender<Publish>,
    stats: Arc<IngestStats>,
) {
    let mut backoff = Duration::from_millis(250);
    loop {
        match eventloop.poll().await {
            Ok(MqttEvent::Incoming(Packet::ConnAck(ack))) => {
                backoff = Duration::from_millis(250);
                stats.connected.store(1, Ordering::Relaxed);
                tracing::info!(session_present = ack.session_present, "connected to the broker");
                // Subscribing again at each connection also brings the retained statuses back.
                let client = client.clone();
                let filters = filters.clone();
                tokio::spawn(async move {
                    for filter in filters {
                        if let Err(e) = client.subscribe(filter.clone(), QoS::AtLeastOnce).await {
                            tracing::error!(%filter, error = %e, "cannot subscribe");
                        }
                    }
                });
            }
            Ok(MqttEvent::Incoming(Packet::Publish(publish))) => {
                if tx.send(publish).is_err() {
                    return;
                }
            }
            Ok(MqttEvent::Incoming(Packet::SubAck(ack))) => {
                if ack
                    .return_codes
                    .iter()
                    .any(|c| !matches!(c, rumqttc::v5::mqttbytes::v5::SubscribeReasonCode::Success(_)))
                {
                    tracing::error!(codes = ?ack.return_codes, "the broker refused a subscription (ACL?)");
                }
            }
            Ok(_) => {}
            Err(e) => {
                stats.connected.store(0, Ordering::Relaxed);
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "broker unreachable");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn write_loop(
    client: AsyncClient,
    mut rx: mpsc::UnboundedReceiver<Publish>,
    root: String,
    state: Arc<FleetState>,
    store: Store,
    hub: Arc<CommandHub>,
    stats: Arc<IngestStats>,
) {
    while let Some(first) = rx.recv().await {
        let mut taken = vec![first];
        while taken.len() < BATCH {
            match rx.try_recv() {
                Ok(publish) => taken.push(publish),
                Err(_) => break,
            }
        }
        let mut writes: Vec<Write> = Vec::with_capacity(taken.len() * 2);
        let mut replies = Vec::new();
        let mut oldest_lag: f64 = 0.0;
        let received_at = Utc::now();
        let mut stored = 0u64;
        for publish in &taken {
            let topic = String::from_utf8_lossy(&publish.topic);
            match state.absorb(&root, &topic, &publish.payload, received_at) {
                Ok(absorbed) => {
                    stored += 1;
                    writes.extend(absorbed.writes);
                    replies.extend(absorbed.reply);
                    oldest_lag = oldest_lag.max(absorbed.lag_secs.unwrap_or(0.0));
                }
                Err(Rejected::Duplicate(seq)) => {
                    stats.duplicates.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%topic, seq, "duplicate dropped");
                }
                Err(Rejected::Malformed { what, reason }) => {
                    stats.malformed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(%topic, what, %reason, "malformed message dropped");
                }
                Err(Rejected::Topic | Rejected::Ignored) => {}
            }
        }
        let mut backoff = Duration::from_millis(200);
        while !writes.is_empty() {
            match store.apply(&writes).await {
                Ok(()) => break,
                Err(e) => {
                    stats.store_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(error = %e, messages = taken.len(), "cannot store; retrying (nothing is acknowledged meanwhile)");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
        let committed = Utc::now();
        let lag_ms =
            ((oldest_lag + (committed - received_at).num_milliseconds() as f64 / 1000.0) * 1000.0) as u64;
        stats.lag_ms.store(lag_ms, Ordering::Relaxed);
        stats.max_lag_ms.fetch_max(lag_ms, Ordering::Relaxed);
        stats.stored.fetch_add(stored, Ordering::Relaxed);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        for (id, body) in replies {
            hub.deliver(&id, body);
        }
        for publish in &taken {
            if publish.qos != QoS::AtMostOnce
                && let Err(e) = client.ack(publish).await
            {
                tracing::warn!(error = %e, "cannot acknowledge (the broker will send it again)");
            }
        }
    }
}

/// Deletes history older than the retention, every hour.
pub async fn purge_loop(store: Store, retention_days: u64) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let before = Utc::now() - chrono::Duration::days(i64::try_from(retention_days).unwrap_or(36500));
        match store.purge(before).await {
            Ok(deleted) => tracing::info!(deleted, retention_days, "old history purged"),
            Err(e) => tracing::error!(error = %e, "cannot purge old history"),
        }
    }
}

/// With a shared subscription, takes the other instances' updates from the database.
pub async fn refresh_loop(store: Store, state: Arc<FleetState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        match store.kiosks().await {
            Ok(views) => state.refresh(views),
            Err(e) => tracing::warn!(error = %e, "cannot refresh the fleet from the database"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_never_shared_and_the_rest_is() {
        let shared = filters("borne", Some("fleet"));
        assert_eq!(shared[0], "borne/+/+/status");
        assert!(shared[1..].iter().all(|f| f.starts_with("$share/fleet/borne/+/+/")), "{shared:?}");
        assert!(filters("borne", None).iter().all(|f| f.starts_with("borne/")));
    }
}

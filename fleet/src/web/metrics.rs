//! `/metrics` in the Prometheus text format (prometheus-client), so that a commune's existing
//! Prometheus and Grafana plug in: per kiosk whether it is online, its paper and printer state,
//! its usage counted since this instance started, and the ingest's own health. Scraping needs
//! a viewer bearer token (Prometheus's `authorization` setting), like the API.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::AppState;
use super::auth::Caller;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KioskLabels {
    site: String,
    kiosk_id: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    site: String,
    kiosk_id: String,
    state: String,
}

/// Renders the registry for the current state of the fleet.
pub fn render(state: &AppState) -> String {
    let mut registry = Registry::with_prefix("borne");
    let online = Family::<KioskLabels, Gauge>::default();
    let last_seen = Family::<KioskLabels, Gauge>::default();
    let paper = Family::<StateLabels, Gauge>::default();
    let printer = Family::<StateLabels, Gauge>::default();
    let maintenance = Family::<KioskLabels, Gauge>::default();
    for kiosk in state.fleet.list() {
        let labels = KioskLabels { site: kiosk.site.clone(), kiosk_id: kiosk.kiosk_id.clone() };
        online.get_or_create(&labels).set(i64::from(kiosk.online));
        maintenance.get_or_create(&labels).set(i64::from(kiosk.maintenance));
        if let Some(seen) = kiosk.last_seen {
            last_seen.get_or_create(&labels).set(seen.timestamp());
        }
        for value in ["ok", "near_end", "out", "unknown"] {
            let labels = StateLabels {
                site: kiosk.site.clone(),
                kiosk_id: kiosk.kiosk_id.clone(),
                state: value.into(),
            };
            paper.get_or_create(&labels).set(i64::from(kiosk.paper == value));
        }
        if !kiosk.printer.is_empty() {
            let labels = StateLabels {
                site: kiosk.site.clone(),
                kiosk_id: kiosk.kiosk_id.clone(),
                state: kiosk.printer.clone(),
            };
            printer.get_or_create(&labels).set(1);
        }
    }
    registry.register("kiosk_online", "1 when the kiosk is connected to the broker", online);
    registry.register("kiosk_last_seen_timestamp_seconds", "When the kiosk was last heard from", last_seen);
    registry.register("kiosk_paper", "1 for the kiosk's current paper state", paper);
    registry.register("kiosk_printer", "1 for the kiosk's current printer state", printer);
    registry.register("kiosk_maintenance", "1 while the maintenance screen is on", maintenance);

    let families: Vec<(&str, &str, Family<KioskLabels, Counter>)> = vec![
        ("kiosk_sessions", "Visitor sessions ended", Family::default()),
        ("kiosk_questions", "Questions asked to the chatbot", Family::default()),
        ("kiosk_answered", "Questions answered", Family::default()),
        ("kiosk_refused", "Questions refused", Family::default()),
        ("kiosk_helpful_yes", "Answers voted helpful", Family::default()),
        ("kiosk_helpful_no", "Answers voted not helpful", Family::default()),
        ("kiosk_prints", "Receipts printed", Family::default()),
        ("kiosk_cards_read", "Cards read", Family::default()),
    ];
    for (key, usage) in state.fleet.totals() {
        let labels = KioskLabels { site: key.site, kiosk_id: key.kiosk_id };
        let values = [
            usage.sessions,
            usage.questions,
            usage.answered,
            usage.refused,
            usage.helpful_yes,
            usage.helpful_no,
            usage.prints,
            usage.cards_read,
        ];
        for ((_, _, family), value) in families.iter().zip(values) {
            family.get_or_create(&labels).inc_by(value);
        }
    }
    for (name, help, family) in families {
        registry.register(name, format!("{help} (since this borne-fleet started)"), family);
    }

    let stats = &state.ingest;
    let gauge = |value: u64| {
        let g = Gauge::<i64>::default();
        g.set(i64::try_from(value).unwrap_or(i64::MAX));
        g
    };
    let counter = |value: u64| {
        let c = Counter::<u64>::default();
        c.inc_by(value);
        c
    };
    let counters = [
        ("fleet_messages_stored", "Kiosk messages stored", &stats.stored),
        ("fleet_messages_duplicate", "Kiosk messages dropped as already seen", &stats.duplicates),
        ("fleet_messages_malformed", "Kiosk messages refused as malformed", &stats.malformed),
        ("fleet_store_errors", "Failed database transactions (retried)", &stats.store_errors),
    ];
    for (name, help, value) in counters {
        registry.register(name, help, counter(value.load(Ordering::Relaxed)));
    }
    registry.register(
        "fleet_ingest_lag_milliseconds",
        "From a kiosk making its message to its commit, last batch",
        gauge(stats.lag_ms.load(Ordering::Relaxed)),
    );
    registry.register(
        "fleet_ingest_max_lag_milliseconds",
        "The highest ingest lag since the previous scrape",
        gauge(stats.max_lag_ms.swap(0, Ordering::Relaxed)),
    );
    registry.register(
        "fleet_broker_connected",
        "1 while the MQTT session is up",
        gauge(stats.connected.load(Ordering::Relaxed)),
    );
    let mut text = String::new();
    if encode(&mut text, &registry).is_err() {
        text.clear();
    }
    text
}

/// `GET /metrics`.
pub async fn metrics(_caller: Caller, State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], render(&state))
        .into_response()
}

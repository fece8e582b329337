//! The MQTT client against a real Mosquitto (see `support`): status and Last Will, telemetry
//! content, events, every kind of command reply, a broker restart and a 30-second outage at one
//! message per second without loss or duplicate (after de-duplication by `seq`), and the ACL
//! refusing another kiosk's topics.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use borne_telemetry::client::{
    self, BrokerUrl, ClientConfig, CommandHandler, EventSink, KioskProbe, TelemetryHandle,
};
use borne_telemetry::messages::{Command, EventKind, KioskState, Outcome, Usage};
use borne_telemetry::spool::{Spool, SpoolLimits};
use support::{Broker, Watcher};

struct Probe {
    calls: AtomicU64,
}

impl KioskProbe for Probe {
    fn state(&self) -> KioskState {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        KioskState {
            content_version: "abc123".into(),
            printer: "none".into(),
            reader: "connected".into(),
            paper: "unknown".into(),
            usage: Usage { questions: n, answered: n, cards_read: 2, ..Usage::default() },
            ..KioskState::default()
        }
    }
}

struct Handler;

impl CommandHandler for Handler {
    fn handle(&self, command: &Command) -> Outcome {
        match command.name.as_str() {
            "ping" => {
                let mut data = serde_json::Map::new();
                data.insert("pong".into(), true.into());
                Outcome::ok_with(data)
            }
            other => Outcome::failed(format!("{other}: not available in this test")),
        }
    }
}

fn config(broker: &Broker, user: &str, kiosk_id: &str, interval_secs: u64) -> ClientConfig {
    let url = BrokerUrl::parse(&broker.url()).expect("url");
    let mut config = ClientConfig::new(url, "borne", "site1", kiosk_id);
    config.interval = Duration::from_secs(interval_secs);
    config.keep_alive = Duration::from_secs(5);
    config.version = "9.9.9-test".into();
    let password = support::USERS.iter().find(|(u, _)| *u == user).expect("user").1;
    config.credentials = Some((user.to_string(), password.to_string()));
    config
}

fn start(rt: &tokio::runtime::Runtime, config: ClientConfig, spool: Spool) -> TelemetryHandle {
    let _guard = rt.enter();
    client::start(config, spool, Arc::new(Probe { calls: AtomicU64::new(0) }), Arc::new(Handler))
        .expect("start")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

const LONG: Duration = Duration::from_secs(15);

#[test]
fn status_telemetry_events_commands_and_last_will() {
    if !support::enabled() {
        return;
    }
    let broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/#");
    let rt = runtime();
    let handle = start(&rt, config(&broker, "kiosk1", "kiosk1", 1), Spool::in_memory(SpoolLimits::default()));

    let status = watch.wait_for("status online", LONG, |s| s.topic == "borne/site1/kiosk1/status");
    assert_eq!(status.json["online"], true);
    assert_eq!(status.json["version"], "9.9.9-test");
    assert!(status.json["started_at"].is_string());
    let retained = broker.retained("borne/site1/kiosk1/status").expect("retained status");
    assert!(retained.contains("\"online\":true"), "{retained}");

    // Two telemetry messages, one second apart, with increasing seq.
    let first = watch.wait_for("telemetry", LONG, |s| s.topic.ends_with("/telemetry"));
    let t = &first.json;
    for key in [
        "seq",
        "at",
        "uptime_secs",
        "version",
        "content_version",
        "printer",
        "reader",
        "paper",
        "memory_rss_bytes",
        "spool_depth",
        "spool_dropped",
        "usage",
    ] {
        assert!(t.get(key).is_some(), "telemetry lacks {key}: {t}");
    }
    assert_eq!(t["content_version"], "abc123");
    assert_eq!(t["usage"]["cards_read"], 2);
    assert!(t["memory_rss_bytes"].as_u64().is_some_and(|m| m > 0));
    let seq1 = t["seq"].as_u64().expect("seq");
    let second = watch.wait_for("second telemetry", LONG, |s| {
        s.topic.ends_with("/telemetry") && s.json["seq"].as_u64().is_some_and(|q| q > seq1)
    });
    let at1 = chrono::DateTime::parse_from_rfc3339(t["at"].as_str().expect("at")).expect("rfc3339");
    let at2 = chrono::DateTime::parse_from_rfc3339(second.json["at"].as_str().expect("at")).expect("rfc3339");
    let gap = (at2 - at1).num_milliseconds();
    assert!((500..=2500).contains(&gap), "telemetry {gap} ms apart at a 1 s interval");

    // An event.
    handle.event(EventKind::ContentReloaded { version: "v2".into() });
    let event = watch.wait_for("event", LONG, |s| s.topic.ends_with("/event"));
    assert_eq!(event.json["type"], "content_reloaded");
    assert_eq!(event.json["version"], "v2");
    assert!(event.json["seq"].as_u64().is_some_and(|s| s > seq1));

    // Commands: handled, refused by the handler, unknown, malformed, without id.
    broker.publish("borne/site1/kiosk1/cmd/ping", r#"{"id":"p1"}"#);
    let reply = watch.wait_for("ping reply", LONG, |s| s.topic == "borne/site1/kiosk1/reply/p1");
    assert_eq!((reply.json["ok"].clone(), reply.json["pong"].clone()), (true.into(), true.into()));
    assert_eq!(reply.json["command"], "ping");
    broker.publish("borne/site1/kiosk1/cmd/restart", r#"{"id":"r1"}"#);
    let reply = watch.wait_for("restart reply", LONG, |s| s.topic == "borne/site1/kiosk1/reply/r1");
    assert_eq!(reply.json["ok"], false);
    assert!(reply.json["error"].as_str().is_some_and(|e| e.contains("not available")));
    broker.publish("borne/site1/kiosk1/cmd/self-destruct", r#"{"id":"x1"}"#);
    let reply = watch.wait_for("unknown reply", LONG, |s| s.topic == "borne/site1/kiosk1/reply/x1");
    assert_eq!(reply.json["ok"], false);
    assert!(reply.json["error"].as_str().is_some_and(|e| e.starts_with("unknown command")), "{}", reply.json);
    broker.publish("borne/site1/kiosk1/cmd/ping", "{not json");
    let reply = watch.wait_for("malformed reply", LONG, |s| s.topic == "borne/site1/kiosk1/reply/unknown");
    assert_eq!(reply.json["ok"], false);
    assert!(reply.json["id"].is_null());
    assert!(reply.json["error"].as_str().is_some_and(|e| e.starts_with("malformed command")));
    // Still alive after all that.
    broker.publish("borne/site1/kiosk1/cmd/ping", r#"{"id":"p2"}"#);
    watch.wait_for("second ping reply", LONG, |s| s.topic == "borne/site1/kiosk1/reply/p2");

    // Dropping the handle kills the connection without a goodbye: the Last Will says offline.
    drop(handle);
    let offline = watch
        .wait_for("last will", LONG, |s| s.topic == "borne/site1/kiosk1/status" && s.json["online"] == false);
    assert_eq!(offline.json["kiosk_id"], "kiosk1");
    let retained = broker.retained("borne/site1/kiosk1/status").expect("retained status");
    assert!(retained.contains("\"online\":false"), "{retained}");
}

#[test]
fn clean_shutdown_says_offline_and_commands_wait_for_a_returning_kiosk() {
    if !support::enabled() {
        return;
    }
    let broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/#");
    // A retained command, there before the kiosk subscribes: delivered as retained, not obeyed
    // (it would run again at every connection).
    let status = std::process::Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &broker.port.to_string(), "-u", "admin", "-P", "adminpw", "-q", "1"])
        .args(["-r", "-t", "borne/site1/kiosk1/cmd/ping", "-m", r#"{"id":"retained1"}"#])
        .status()
        .expect("mosquitto_pub");
    assert!(status.success());
    let rt = runtime();
    let handle =
        start(&rt, config(&broker, "kiosk1", "kiosk1", 60), Spool::in_memory(SpoolLimits::default()));
    watch.wait_for("online", LONG, |s| s.topic.ends_with("/status") && s.json["online"] == true);
    broker.publish("borne/site1/kiosk1/cmd/ping", r#"{"id":"live1"}"#);
    watch.wait_for("live command reply", LONG, |s| s.topic.ends_with("/reply/live1"));
    watch.drain(Duration::from_millis(500));
    assert!(
        watch.seen.iter().all(|s| !s.topic.ends_with("/reply/retained1")),
        "a retained command was obeyed"
    );
    rt.block_on(handle.shutdown());
    watch.wait_for("offline", LONG, |s| s.topic.ends_with("/status") && s.json["online"] == false);
    // A command sent while the kiosk is away is delivered when it comes back (persistent session).
    broker.publish("borne/site1/kiosk1/cmd/ping", r#"{"id":"while-away"}"#);
    let handle =
        start(&rt, config(&broker, "kiosk1", "kiosk1", 60), Spool::in_memory(SpoolLimits::default()));
    let reply = watch.wait_for("queued command reply", LONG, |s| s.topic.ends_with("/reply/while-away"));
    assert_eq!(reply.json["ok"], true);
    rt.block_on(handle.shutdown());
}

/// A probe that sends an event at every report, as the kiosk does with its unanswered questions.
struct ReportingProbe {
    sink: OnceLock<EventSink>,
    reports: AtomicU64,
}

impl KioskProbe for ReportingProbe {
    fn state(&self) -> KioskState {
        let n = self.reports.fetch_add(1, Ordering::Relaxed);
        if let Some(sink) = self.sink.get() {
            sink.event(EventKind::Unanswered {
                question: format!("question of report {n}"),
                reason: "refused".into(),
                nearest_id: None,
            });
        }
        KioskState::default()
    }
}

#[test]
fn events_sent_while_making_the_last_report_go_out_before_the_clean_stop() {
    if !support::enabled() {
        return;
    }
    let broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/#");
    let rt = runtime();
    let probe = Arc::new(ReportingProbe { sink: OnceLock::new(), reports: AtomicU64::new(0) });
    let handle = {
        let _guard = rt.enter();
        client::start(
            config(&broker, "kiosk1", "kiosk1", 60),
            Spool::in_memory(SpoolLimits::default()),
            Arc::clone(&probe) as Arc<dyn KioskProbe>,
            Arc::new(Handler),
        )
        .expect("start")
    };
    let _ = probe.sink.set(handle.sink());
    watch.wait_for("online", LONG, |s| s.topic.ends_with("/status") && s.json["online"] == true);
    watch.wait_for("first report", LONG, |s| s.topic.ends_with("/telemetry"));
    // At 60 s, the next report is the last one, made by the clean stop.
    rt.block_on(handle.shutdown());
    watch.wait_for("offline", LONG, |s| s.topic.ends_with("/status") && s.json["online"] == false);
    watch.drain(Duration::from_millis(300));
    let last_report = probe.reports.load(Ordering::Relaxed) - 1;
    let last_seq = *watch.seqs("/telemetry").last().expect("a report");
    let seen: Vec<String> = watch.seen.iter().map(|s| format!("{} {}", s.topic, s.json)).collect();
    let event = watch
        .seen
        .iter()
        .find(|s| {
            s.topic.ends_with("/event") && s.json["question"] == format!("question of report {last_report}")
        })
        .unwrap_or_else(|| panic!("the last report's event was lost: {seen:#?}"));
    assert_eq!(event.json["type"], "unanswered");
    assert_eq!(event.json["seq"].as_u64(), Some(last_seq + 1), "{seen:#?}");
}

#[test]
fn the_acl_refuses_another_kiosks_topics_and_the_client_notices() {
    if !support::enabled() {
        return;
    }
    let broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/#");
    let rt = runtime();
    // Logged in as kiosk1 but publishing as kiosk2.
    let handle = start(&rt, config(&broker, "kiosk1", "kiosk2", 1), Spool::in_memory(SpoolLimits::default()));
    let stats = Arc::clone(handle.stats());
    let deadline = std::time::Instant::now() + LONG;
    while stats.refused.load(Ordering::Relaxed) < 2 {
        assert!(std::time::Instant::now() < deadline, "no refused publish noticed");
        std::thread::sleep(Duration::from_millis(100));
    }
    watch.drain(Duration::from_millis(500));
    assert!(
        watch.seen.iter().all(|s| !s.topic.starts_with("borne/site1/kiosk2/")),
        "a denied publish got through: {:?}",
        watch.seen
    );
    // Refused messages are not kept for ever: the spool does not grow.
    assert!(stats.spool_depth.load(Ordering::Relaxed) <= 2);
    drop(handle);
}

#[test]
fn a_broker_restart_and_a_30_second_outage_lose_and_duplicate_nothing() {
    if !support::enabled() {
        return;
    }
    let mut broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/+/+/telemetry");
    let rt = runtime();
    let spool_dir = tempfile::tempdir().expect("tempdir");
    let spool = Spool::open(
        spool_dir.path(),
        SpoolLimits::default(),
        borne_telemetry::spool::SyncPolicy::EveryRecord,
    )
    .expect("spool");
    let handle = start(&rt, config(&broker, "kiosk1", "kiosk1", 1), spool);
    let stats = Arc::clone(handle.stats());
    watch.wait_for("first telemetry", LONG, |s| s.topic.ends_with("/telemetry"));
    std::thread::sleep(Duration::from_secs(4));

    // A restart: the broker is killed and started again at once.
    broker.stop(true);
    broker.restart();
    std::thread::sleep(Duration::from_secs(5));

    // A 30-second outage.
    broker.stop(false);
    std::thread::sleep(Duration::from_secs(30));
    assert!(stats.spool_depth.load(Ordering::Relaxed) >= 25, "telemetry was not spooled during the outage");
    broker.restart();
    std::thread::sleep(Duration::from_secs(5));
    rt.block_on(handle.shutdown());
    watch.drain(Duration::from_secs(2));

    let seqs = watch.seqs("/telemetry");
    let unique = support::dedup_contiguous(&seqs);
    let missing = support::gaps(&unique);
    assert!(missing.is_empty(), "missing telemetry seqs: {missing:?} (received {seqs:?})");
    assert!(unique.len() >= 40, "only {} telemetry messages over ~45 s", unique.len());
    eprintln!(
        "outage test: {} unique telemetry messages, {} duplicates before de-dup, published {} acked {}",
        unique.len(),
        seqs.len() - unique.len(),
        stats.published.load(Ordering::Relaxed),
        stats.acknowledged.load(Ordering::Relaxed)
    );
    // Nothing left behind: the spool is empty after the final acknowledgements.
    assert_eq!(stats.spool_depth.load(Ordering::Relaxed), 0);
    let reopened =
        Spool::open(spool_dir.path(), SpoolLimits::default(), borne_telemetry::spool::SyncPolicy::Never)
            .expect("reopen");
    assert!(reopened.is_empty(), "{} records left in the spool", reopened.len());
}

#[test]
fn tls_with_a_test_ca_connects_and_another_ca_is_refused() {
    if !support::enabled() {
        return;
    }
    let broker = Broker::start_with_tls();
    let tls_port = broker.tls_port.expect("tls port");
    let mut watch = Watcher::start(&broker, "borne/#");
    let rt = runtime();
    let tls_config = |ca: &str| {
        let mut config = config(&broker, "kiosk1", "kiosk1", 1);
        config.broker = BrokerUrl::parse(&format!("mqtts://127.0.0.1:{tls_port}")).expect("url");
        config.tls.ca = Some(broker.path(ca));
        config
    };

    // Signed by another CA: no connection, nothing published.
    let wrong = start(&rt, tls_config("other-ca.pem"), Spool::in_memory(SpoolLimits::default()));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(wrong.stats().connections.load(Ordering::Relaxed), 0, "connected despite an unknown CA");
    drop(wrong);
    watch.drain(Duration::from_millis(200));
    assert!(watch.seen.iter().all(|s| !s.topic.ends_with("/telemetry")), "{:?}", watch.seen);

    // The right CA: status and telemetry go through, over TLS.
    let handle = start(&rt, tls_config("ca.pem"), Spool::in_memory(SpoolLimits::default()));
    let status = watch.wait_for("online over TLS", LONG, |s| {
        s.topic == "borne/site1/kiosk1/status" && s.json["online"] == true
    });
    assert_eq!(status.json["kiosk_id"], "kiosk1");
    watch.wait_for("telemetry over TLS", LONG, |s| s.topic.ends_with("/telemetry"));
    assert!(handle.stats().connections.load(Ordering::Relaxed) >= 1);
    rt.block_on(handle.shutdown());
}

#[test]
fn a_client_certificate_logs_in_where_the_broker_requires_one() {
    if !support::enabled() {
        return;
    }
    let broker = Broker::start_with_tls();
    let mtls_port = broker.mtls_port.expect("mtls port");
    let mut watch = Watcher::start(&broker, "borne/#");
    let rt = runtime();
    let mtls_config = |with_cert: bool| {
        let mut config = config(&broker, "kiosk1", "kiosk1", 1);
        config.broker = BrokerUrl::parse(&format!("mqtts://localhost:{mtls_port}")).expect("url");
        config.credentials = None;
        config.tls.ca = Some(broker.path("ca.pem"));
        if with_cert {
            config.tls.client_cert = Some(broker.path("kiosk1.pem"));
            config.tls.client_key = Some(broker.path("kiosk1.key"));
        }
        config
    };
    // No certificate: refused by the broker.
    let without = start(&rt, mtls_config(false), Spool::in_memory(SpoolLimits::default()));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(without.stats().connections.load(Ordering::Relaxed), 0, "connected without a certificate");
    drop(without);
    // With kiosk1's certificate: its CN is its user name, so the ACL lets it publish its status.
    let handle = start(&rt, mtls_config(true), Spool::in_memory(SpoolLimits::default()));
    watch.wait_for("online with a client certificate", LONG, |s| {
        s.topic == "borne/site1/kiosk1/status" && s.json["online"] == true
    });
    watch.wait_for("telemetry with a client certificate", LONG, |s| s.topic.ends_with("/telemetry"));
    assert_eq!(handle.stats().refused.load(Ordering::Relaxed), 0);
    rt.block_on(handle.shutdown());
}

#[test]
fn a_full_spool_drops_the_oldest_telemetry_and_reports_how_many() {
    if !support::enabled() {
        return;
    }
    let mut broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/+/+/telemetry");
    broker.stop(false);
    let rt = runtime();
    // Room for 3 messages only; 1 report per second while the broker is down for about 6 s.
    let limits = SpoolLimits { max_records: 3, max_bytes: 1 << 20 };
    let handle = start(&rt, config(&broker, "kiosk1", "kiosk1", 1), Spool::in_memory(limits));
    std::thread::sleep(Duration::from_millis(6300));
    assert_eq!(handle.stats().spool_depth.load(Ordering::Relaxed), 3);
    broker.restart();
    // The three kept reports arrive, newest last; the report made after the drops says so.
    let reporting = watch
        .wait_for("a report of drops", LONG, |s| s.json["spool_dropped"].as_u64().is_some_and(|d| d > 0));
    assert!(reporting.json["spool_depth"].as_u64().is_some_and(|d| d >= 2), "{}", reporting.json);
    watch.drain(Duration::from_millis(1500));
    let seqs = watch.seqs("/telemetry");
    let unique = support::dedup_contiguous(&seqs);
    // What was kept, and what came after, arrives without a gap.
    assert!(support::gaps(&unique).is_empty(), "gap among the kept reports: {unique:?}");
    let dropped: u64 = watch.seen.iter().filter_map(|s| s.json["spool_dropped"].as_u64()).sum();
    assert!(dropped >= 3, "only {dropped} drops reported for ~6 reports in a 3-message spool: {seqs:?}");
    rt.block_on(handle.shutdown());
}

//! The same `borne-fleet` on PostgreSQL, and two instances sharing the kiosks' messages through
//! an MQTT 5 shared subscription (`--share-group`) with one PostgreSQL behind them: each stores
//! part of the messages, together they store every one exactly once, both show the whole fleet,
//! and a command's reply reaches the instance that sent it even when the other one received it.

mod support;

use std::time::Duration;

use support::{Fleet, OPERATOR_TOKEN, SimKiosk, VIEWER_TOKEN, mqtt, postgres};

fn stored(fleet: &Fleet) -> u64 {
    let (_, metrics) = fleet.get("/metrics", Some(VIEWER_TOKEN));
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("borne_fleet_messages_stored_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn two_instances_share_the_kiosks_on_postgresql() {
    if !mqtt::enabled() || !postgres::enabled() {
        return;
    }
    let db = postgres::Postgres::start();
    let broker = mqtt::Broker::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = db.url();
    let a = Fleet::start(
        &dir.path().join("a"),
        &broker.url(),
        "",
        &["--db", &url, "--share-group", "fleet", "--client-id", "fleet-a"],
    );
    let b = Fleet::start(
        &dir.path().join("b"),
        &broker.url(),
        "",
        &["--db", &url, "--share-group", "fleet", "--client-id", "fleet-b"],
    );
    let (_, health) = a.get("/healthz", None);
    assert!(health.contains("\"backend\":\"postgres\""), "{health}");

    let k1 = SimKiosk::start(&broker.url(), "mediatheque", "kiosk1", 1, None);
    let k2 = SimKiosk::start(&broker.url(), "mairie", "kiosk2", 1, None);
    for fleet in [&a, &b] {
        fleet.wait_json(
            "both kiosks online on each instance",
            "/api/kiosks",
            Duration::from_secs(30),
            |list| {
                list.as_array().is_some_and(|l| {
                    l.len() == 2 && l.iter().all(|k| k["online"] == true && k["last_seq"].is_u64())
                })
            },
        );
    }
    std::thread::sleep(Duration::from_secs(6));

    // A command sent through one instance: its reply may be read by the other, and still comes.
    for fleet in [&a, &b] {
        let (status, body) = fleet.post(
            "/api/kiosks/mairie/kiosk2/commands",
            OPERATOR_TOKEN,
            &serde_json::json!({"command": "ping"}),
        );
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"ok\":true"), "no reply: {body}");
    }
    k1.stop();
    k2.stop();
    std::thread::sleep(Duration::from_secs(2));

    let (stored_a, stored_b) = (stored(&a), stored(&b));
    assert!(stored_a > 0 && stored_b > 0, "both instances take a share: a {stored_a}, b {stored_b}");
    let rows = tokio::runtime::Runtime::new().expect("rt").block_on(async {
        let store = borne_fleet::store::Store::connect(&url).await.expect("postgres");
        assert_eq!(store.backend(), "postgres");
        let mut rows = Vec::new();
        for (site, id) in [("mediatheque", "kiosk1"), ("mairie", "kiosk2")] {
            rows.push(
                store.telemetry_rows(&borne_fleet::model::KioskKey::new(site, id)).await.expect("rows"),
            );
        }
        rows
    });
    for seqs in &rows {
        assert!(seqs.len() >= 6, "reports stored: {seqs:?}");
        // Telemetry and replies share the kiosk's numbering: kiosk2's replies leave holes, so
        // only kiosk1 must be contiguous; neither may hold a number twice (primary key).
        let mut unique = seqs.clone();
        unique.dedup();
        assert_eq!(&unique, seqs);
    }
    assert!(rows[0].windows(2).all(|w| w[1] == w[0] + 1), "a report of kiosk1 is missing: {:?}", rows[0]);
}

//! `borne-fleet` against a real Mosquitto and kiosks speaking through the kiosk's own MQTT
//! client: online/offline transitions and their history, telemetry history, de-duplication of a
//! kiosk's replayed messages, a command's round trip, and nothing lost across a fleet restart
//! (persistent session: what kiosks sent while the fleet was down arrives when it returns).

mod support;

use std::time::Duration;

use borne_telemetry::messages::{EventKind, Usage};
use support::{Fleet, OPERATOR_TOKEN, SimKiosk, VIEWER_TOKEN, mqtt};

fn kiosk_in<'a>(list: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    list.as_array()?.iter().find(|k| k["kiosk_id"] == id)
}

#[test]
fn kiosks_come_online_report_go_offline_and_answer_commands() {
    if !mqtt::enabled() {
        return;
    }
    let broker = mqtt::Broker::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start(dir.path(), &broker.url(), "", &[]);

    let kiosk = SimKiosk::start(&broker.url(), "mediatheque", "kiosk1", 1, None);
    if let Ok(mut state) = kiosk.probe.state.lock() {
        state.paper = "near_end".into();
        state.printer = "paper_near_end".into();
        state.usage = Usage { sessions: 2, questions: 5, answered: 4, refused: 1, ..Usage::default() };
    }
    let list = fleet.wait_json(
        "kiosk1 online with its paper state",
        "/api/kiosks",
        Duration::from_secs(20),
        |list| kiosk_in(list, "kiosk1").is_some_and(|k| k["online"] == true && k["paper"] == "near_end"),
    );
    let k = kiosk_in(&list, "kiosk1").expect("kiosk1");
    for field in ["site", "kiosk_id", "online", "last_seen", "printer", "paper"] {
        assert!(k.get(field).is_some(), "GET /api/kiosks lacks {field}: {k}");
    }
    assert_eq!(k["site"], "mediatheque");
    assert_eq!(k["printer"], "paper_near_end");
    assert_eq!(k["version"], "0.1.0-sim");

    // The OpenAPI description documents what the API really returns.
    let spec = fleet.json("/api/openapi.json");
    assert!(spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", spec["openapi"]);
    for path in
        ["/api/kiosks", "/api/kiosks/{site}/{kiosk_id}", "/api/kiosks/{site}/{kiosk_id}/commands", "/healthz"]
    {
        assert!(spec["paths"].get(path).is_some(), "{path} undocumented");
    }
    let documented = &spec["components"]["schemas"]["KioskView"]["properties"];
    for field in k.as_object().expect("object").keys() {
        assert!(documented.get(field).is_some(), "field {field} of /api/kiosks is not in the OpenAPI schema");
    }

    // The read-only token cannot send commands; the operator's can, and the reply comes back.
    let ping = serde_json::json!({"command": "ping", "wait_secs": 10});
    let (status, _) = fleet.post("/api/kiosks/mediatheque/kiosk1/commands", VIEWER_TOKEN, &ping);
    assert_eq!(status, 403);
    let (status, body) = fleet.post("/api/kiosks/mediatheque/kiosk1/commands", OPERATOR_TOKEN, &ping);
    assert_eq!(status, 200, "{body}");
    let result: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(result["reply"]["ok"], true, "{result}");
    assert_eq!(result["reply"]["command"], "ping");
    let id = result["id"].as_str().expect("id");
    let stored = fleet.json(&format!("/api/commands/{id}"));
    assert_eq!(stored["ok"], true);
    assert_eq!(stored["sent_by"], "token:ops");
    let (status, body) = fleet.post(
        "/api/kiosks/mediatheque/kiosk1/commands",
        OPERATOR_TOKEN,
        &serde_json::json!({"command": "format-disk"}),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown command"), "{body}");

    // A device event is kept in the kiosk's history.
    kiosk.event(EventKind::DeviceState {
        device: "printer".into(),
        state: "paper_out".into(),
        detail: Some("plus de papier".into()),
    });
    let detail =
        fleet.wait_json("the device event", "/api/kiosks/mediatheque/kiosk1", Duration::from_secs(10), |d| {
            d["recent_events"].as_array().is_some_and(|e| {
                e.iter().any(|e| e["type"] == "device_state" && e["body"]["state"] == "paper_out")
            })
        });
    assert_eq!(
        detail["usage_24h"]["questions"], 5,
        "one report's usage, counted once: {}",
        detail["usage_24h"]
    );
    assert_eq!(detail["usage_24h"]["answered"], 4);

    // Unanswered questions from the kiosks are grouped by meaning for the FAQ editors.
    for question in ["ou garer mon velo", "où garer mon vélo ?", "horaires de la piscine"] {
        kiosk.event(EventKind::Unanswered {
            question: question.into(),
            reason: "refused".into(),
            nearest_id: None,
        });
    }
    let top =
        fleet.wait_json("the unanswered questions", "/api/unanswered", Duration::from_secs(10), |groups| {
            groups
                .as_array()
                .is_some_and(|g| g.iter().map(|g| g["count"].as_u64().unwrap_or(0)).sum::<u64>() == 3)
        });
    assert_eq!(top[0]["count"], 2, "the two wordings of one question are one group: {top}");
    assert_eq!(top[0]["kiosks"], 1);

    // Killed: the Last Will makes it offline, and the history has both transitions. The live
    // state changes as the message arrives, the stored history once its batch commits: wait for
    // both.
    kiosk.crash();
    let detail =
        fleet.wait_json("kiosk1 offline", "/api/kiosks/mediatheque/kiosk1", Duration::from_secs(20), |d| {
            d["online"] == false && d["status_history"].as_array().is_some_and(|h| h.len() >= 2)
        });
    let history: Vec<bool> =
        detail["status_history"].as_array().expect("history").iter().map(|c| c["online"] == true).collect();
    assert_eq!(history, vec![false, true], "newest first: {}", detail["status_history"]);
    let offline = fleet.json("/api/kiosks?online=false");
    assert!(kiosk_in(&offline, "kiosk1").is_some(), "{offline}");

    // Prometheus sees the same.
    let (status, metrics) = fleet.get("/metrics", Some(VIEWER_TOKEN));
    assert_eq!(status, 200);
    assert!(metrics.contains("borne_kiosk_online{site=\"mediatheque\",kiosk_id=\"kiosk1\"} 0"), "{metrics}");
    assert!(
        metrics.contains("borne_kiosk_questions_total{site=\"mediatheque\",kiosk_id=\"kiosk1\"} 5"),
        "{metrics}"
    );
    let (status, _) = fleet.get("/metrics", None);
    assert_eq!(status, 401, "metrics need a token");
    let (status, _) = fleet.get("/api/kiosks", None);
    assert_eq!(status, 401, "the API needs a token");
    let (status, _) = fleet.get("/api/kiosks", Some("wrong-token-0123456789"));
    assert_eq!(status, 401);
}

#[test]
fn replayed_and_repeated_messages_are_stored_once() {
    if !mqtt::enabled() {
        return;
    }
    let mut broker = mqtt::Broker::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start(&dir.path().join("fleet"), &broker.url(), "", &[]);

    // The same message delivered twice (at-least-once delivery) is one row.
    let report = serde_json::json!({
        "seq": 9_000_000_001u64, "at": chrono::Utc::now().to_rfc3339(), "kiosk_id": "kiosk2", "uptime_secs": 5,
        "version": "0.1.0", "memory_rss_bytes": 1000, "disk_free_bytes": null, "spool_depth": 0, "spool_dropped": 0,
        "content_version": "abc", "printer": "online", "reader": "none", "paper": "ok",
        "usage": {"sessions": 1, "questions": 3, "answered": 3, "refused": 0, "helpful_yes": 1, "helpful_no": 0,
                  "prints": 1, "cards_read": 0, "mean_session_secs": 30.0}
    })
    .to_string();
    let incident =
        serde_json::json!({"seq": 9_000_000_002u64, "at": "2026-11-29T10:00:01Z", "kiosk_id": "kiosk2",
        "type": "incident", "category": "roads", "description": "trou rue des Lilas", "ticket": "2026-0007"})
        .to_string();
    for _ in 0..2 {
        broker.publish("borne/mairie/kiosk2/telemetry", &report);
        broker.publish("borne/mairie/kiosk2/event", &incident);
    }
    let incidents = fleet.wait_json("the incident", "/api/incidents", Duration::from_secs(10), |list| {
        list.as_array().is_some_and(|l| !l.is_empty())
    });
    assert_eq!(incidents.as_array().map(Vec::len), Some(1), "{incidents}");
    assert_eq!(incidents[0]["ticket"], "2026-0007");
    assert_eq!(incidents[0]["status"], "new");
    let metrics = {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (_, m) = fleet.get("/metrics", Some(VIEWER_TOKEN));
            if m.contains("borne_fleet_messages_duplicate_total 2") || std::time::Instant::now() > deadline {
                break m;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    assert!(metrics.contains("borne_fleet_messages_duplicate_total 2"), "{metrics}");
    let detail = fleet.json("/api/kiosks/mairie/kiosk2");
    assert_eq!(detail["usage_24h"]["questions"], 3, "the report delivered twice is counted once");

    // A kiosk whose broker goes away spools, then replays; what the fleet had already stored
    // before the outage is not stored twice, and nothing is missing.
    let spool = dir.path().join("spool");
    let kiosk = SimKiosk::start(&broker.url(), "mediatheque", "kiosk1", 1, Some(&spool));
    fleet.wait_json("kiosk1 reports", "/api/kiosks/mediatheque/kiosk1", Duration::from_secs(20), |d| {
        d["last_seq"].is_u64()
    });
    broker.stop(false);
    std::thread::sleep(Duration::from_secs(4));
    broker.restart();
    std::thread::sleep(Duration::from_secs(4));
    kiosk.stop();
    let store_check = tokio::runtime::Runtime::new().expect("rt").block_on(async {
        let store = borne_fleet::store::Store::connect(&fleet.db_url()).await.expect("db");
        store.telemetry_rows(&borne_fleet::model::KioskKey::new("mediatheque", "kiosk1")).await.expect("rows")
    });
    assert!(store_check.len() >= 8, "about one report a second for 8 s, outage included: {store_check:?}");
    let mut unique = store_check.clone();
    unique.dedup();
    assert_eq!(unique, store_check, "no report twice");
    // This kiosk sends only telemetry, so its numbers follow each other: no gap.
    assert!(store_check.windows(2).all(|w| w[1] == w[0] + 1), "a report is missing: {store_check:?}");
}

#[test]
fn nothing_is_lost_while_the_fleet_is_down_and_it_remembers_across_restarts() {
    if !mqtt::enabled() {
        return;
    }
    let broker = mqtt::Broker::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut fleet = Fleet::start(dir.path(), &broker.url(), "", &[]);
    let kiosk = SimKiosk::start(&broker.url(), "mediatheque", "kiosk1", 60, None);
    fleet.wait_json("kiosk1 online", "/api/kiosks", Duration::from_secs(20), |l| {
        kiosk_in(l, "kiosk1").is_some_and(|k| k["online"] == true)
    });
    let (status, body) = fleet.post(
        "/api/kiosks/mediatheque/kiosk1/commands",
        OPERATOR_TOKEN,
        &serde_json::json!({"command": "ping"}),
    );
    assert_eq!(status, 200, "{body}");

    fleet.stop(true);
    // While the fleet is down, the kiosk reports an incident: the broker keeps it for the
    // fleet's persistent session.
    kiosk.event(EventKind::Incident {
        category: "lighting".into(),
        description: "lampadaire éteint".into(),
        ticket: "2026-0001".into(),
    });
    std::thread::sleep(Duration::from_secs(1));
    fleet.restart();
    let incidents = fleet.wait_json(
        "the incident sent while the fleet was down",
        "/api/incidents",
        Duration::from_secs(20),
        |l| l.as_array().is_some_and(|l| l.iter().any(|i| i["ticket"] == "2026-0001")),
    );
    assert_eq!(incidents[0]["category"], "lighting");
    let detail = fleet.json("/api/kiosks/mediatheque/kiosk1");
    assert_eq!(detail["online"], true, "the state was kept: {detail}");
    assert!(
        detail["commands"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["command"] == "ping" && c["ok"] == true)),
        "{detail}"
    );
    kiosk.stop();
}

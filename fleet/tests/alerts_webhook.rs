//! The alerts end to end, against a real HTTP webhook receiver (a small axum server on
//! 127.0.0.1 recording what it is sent) and a real SQLite database in a temporary directory:
//! one POST per incident opened, one per incident resolved, none again after a restart, and
//! retries with backoff when the receiver fails. The engine is driven with a fake clock
//! (`Engine::tick(now)`), so nothing waits for time to pass; only the last test runs the real
//! background loop, and it waits for its first POST by polling, not by sleeping a fixed time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use borne_fleet::alerts::{self, Engine};
use borne_fleet::config::AlertsConfig;
use borne_fleet::model::AlertView;
use borne_fleet::state::FleetState;
use borne_fleet::store::{Store, Write};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// What the receiver saw.
#[derive(Clone, Default)]
struct Recorded {
    /// Every request, failed ones included.
    requests: Arc<AtomicUsize>,
    /// Requests answered 500 before the receiver starts accepting.
    fail_first: usize,
    /// The bodies accepted (answered 200).
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Recorded {
    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().expect("bodies").clone()
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn hook(State(recorded): State<Recorded>, Json(body): Json<Value>) -> StatusCode {
    if recorded.requests.fetch_add(1, Ordering::SeqCst) < recorded.fail_first {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    recorded.bodies.lock().expect("bodies").push(body);
    StatusCode::OK
}

/// Starts a receiver; returns its URL (with a "secret" path, as Slack's are) and its record.
async fn receiver(fail_first: usize) -> (String, Recorded) {
    let recorded = Recorded { fail_first, ..Recorded::default() };
    let app = Router::new().route("/hooks/T00/SECRET", post(hook)).with_state(recorded.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hooks/T00/SECRET"), recorded)
}

/// A temporary SQLite database (the directory lives as long as the returned guard).
async fn store() -> (tempfile::TempDir, String, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("fleet.db").display());
    let store = Store::connect(&url).await.expect("store");
    (dir, url, store)
}

fn config(webhook: &str) -> AlertsConfig {
    AlertsConfig {
        webhooks: vec![webhook.to_string()],
        clear_after_secs: 60,
        evaluate_every_secs: 1,
        ..AlertsConfig::default()
    }
}

/// Feeds the fleet one kiosk message, as the ingest would; returns the database writes it implies.
fn feed(fleet: &FleetState, kind: &str, payload: Value, at: DateTime<Utc>) -> Vec<Write> {
    let topic = format!("borne/mediatheque/borne-01/{kind}");
    fleet.absorb("borne", &topic, payload.to_string().as_bytes(), at).expect("absorbed").writes
}

fn online(fleet: &FleetState, at: DateTime<Utc>) {
    let status = json!({"online": true, "kiosk_id": "borne-01", "site": "mediatheque", "version": "0.1.0",
                        "started_at": "2026-11-29T09:00:00Z"});
    feed(fleet, "status", status, at);
}

fn paper(fleet: &FleetState, seq: u64, paper: &str, at: DateTime<Utc>) -> Vec<Write> {
    telemetry(fleet, seq, paper, (0, 0), at)
}

/// A telemetry report with this paper and these (questions, answered).
fn telemetry(fleet: &FleetState, seq: u64, paper: &str, chat: (u64, u64), at: DateTime<Utc>) -> Vec<Write> {
    let (questions, answered) = chat;
    let printer = match paper {
        "out" => "paper_out",
        "near_end" => "paper_near_end",
        _ => "online",
    };
    let report = json!({
        "seq": seq, "at": at, "kiosk_id": "borne-01", "uptime_secs": 3600, "version": "0.1.0",
        "memory_rss_bytes": 1000, "disk_free_bytes": null, "spool_depth": 0, "spool_dropped": 0,
        "content_version": "abc", "printer": printer, "reader": "connected", "paper": paper,
        "usage": {"sessions": 1, "questions": questions, "answered": answered, "refused": 0, "helpful_yes": 0,
                  "helpful_no": 0, "prints": 0, "cards_read": 0, "mean_session_secs": null},
        "screen": "touchscreen", "alert": null, "maintenance": false
    });
    feed(fleet, "telemetry", report, at)
}

async fn stored(store: &Store) -> Vec<AlertView> {
    store.alerts(Utc::now() - Duration::days(1)).await.expect("alerts")
}

/// The scene most tests start from: a webhook receiver failing its first `fail_first` requests,
/// a fresh database, and one online kiosk whose paper ran out at `t0`.
struct PaperOut {
    url: String,
    recorded: Recorded,
    _dir: tempfile::TempDir,
    store: Store,
    fleet: Arc<FleetState>,
    t0: chrono::DateTime<Utc>,
}

async fn paper_out(fail_first: usize) -> PaperOut {
    let (url, recorded) = receiver(fail_first).await;
    let (dir, _db, store) = store().await;
    let fleet = Arc::new(FleetState::default());
    let t0 = Utc::now();
    online(&fleet, t0);
    paper(&fleet, 1, "out", t0);
    PaperOut { url, recorded, _dir: dir, store, fleet, t0 }
}

#[tokio::test]
async fn paper_out_is_told_once_resolved_once_and_never_again_after_restarts() {
    let PaperOut { url, recorded, _dir, store, fleet, t0 } = paper_out(0).await;
    let at = |secs: i64| t0 + Duration::seconds(secs);

    let mut engine = Engine::start(config(&url), Arc::clone(&fleet), store.clone()).await.expect("engine");
    let report = engine.tick(at(0)).await;
    assert_eq!((report.opened, report.delivered, report.pending), (1, 1, 0), "{report:?}");
    let bodies = recorded.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let opened = &bodies[0];
    assert_eq!(opened["rule"], "paper_out");
    assert_eq!(opened["state"], "opened");
    assert_eq!(opened["site"], "mediatheque");
    assert_eq!(opened["kiosk_id"], "borne-01");
    assert_eq!(opened["text"], "⚠ Borne mediatheque/borne-01 : plus de papier");
    assert_eq!(opened["message"], "plus de papier");
    assert_eq!(opened["resolved_at"], Value::Null);
    let alerts = stored(&store).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(opened["alert_id"], alerts[0].id.as_str());
    assert!(alerts[0].notified_at.is_some(), "notified_at written once delivered");
    assert!(alerts[0].resolved_at.is_none());

    // Evaluated again and again while the paper is out: nothing more.
    for secs in 1..=5 {
        engine.tick(at(secs)).await;
    }
    // The paper flaps (a sensor at the edge) inside clear_after_secs: still the same incident.
    paper(&fleet, 2, "ok", at(6));
    engine.tick(at(6)).await;
    paper(&fleet, 3, "out", at(20));
    engine.tick(at(20)).await;
    assert_eq!(recorded.requests(), 1);
    assert_eq!(stored(&store).await.len(), 1, "no second alert");

    // borne-fleet restarts while the alert is open: nothing is told again.
    drop(engine);
    let mut engine = Engine::start(config(&url), Arc::clone(&fleet), store.clone()).await.expect("restart");
    assert_eq!(engine.open_alerts().len(), 1);
    let report = engine.tick(at(21)).await;
    assert_eq!(report.opened, 0, "{report:?}");
    assert_eq!(recorded.requests(), 1);

    // Paper back: the alert closes once it has been clear for clear_after_secs (60 s), once.
    paper(&fleet, 4, "ok", at(30));
    engine.tick(at(30)).await;
    engine.tick(at(89)).await;
    assert_eq!(recorded.requests(), 1, "clear for 59 s only");
    let report = engine.tick(at(90)).await;
    assert_eq!((report.resolved, report.delivered), (1, 1), "{report:?}");
    let bodies = recorded.bodies();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let resolved = &bodies[1];
    assert_eq!(resolved["state"], "resolved");
    assert_eq!(resolved["rule"], "paper_out");
    assert_eq!(resolved["alert_id"], opened["alert_id"]);
    assert!(resolved["resolved_at"].is_string());
    assert!(
        resolved["text"].as_str().is_some_and(|t| t.starts_with("✅ Borne mediatheque/borne-01 : résolu")),
        "{resolved}"
    );
    for secs in 91..=95 {
        engine.tick(at(secs)).await;
    }
    assert_eq!(recorded.requests(), 2);
    let alerts = stored(&store).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].resolved_at.map(|t| t.timestamp_millis()), Some(at(90).timestamp_millis()));

    // And once more from the same database: nothing open, nothing told.
    drop(engine);
    let mut engine = Engine::start(config(&url), Arc::clone(&fleet), store.clone()).await.expect("restart");
    assert!(engine.open_alerts().is_empty());
    engine.tick(at(100)).await;
    assert_eq!(recorded.requests(), 2);
}

#[tokio::test]
async fn a_failing_webhook_is_retried_with_backoff_and_notified_at_waits_for_success() {
    let PaperOut { url, recorded, _dir, store, fleet, t0 } = paper_out(2).await;
    let at = |secs: i64| t0 + Duration::seconds(secs);
    let mut engine = Engine::start(config(&url), Arc::clone(&fleet), store.clone()).await.expect("engine");

    let report = engine.tick(at(0)).await;
    assert_eq!((report.opened, report.delivered, report.pending), (1, 0, 1), "{report:?}");
    assert_eq!(recorded.requests(), 1);
    assert!(stored(&store).await[0].notified_at.is_none(), "not told yet");

    // The next attempt waits RETRY_AFTER_SECS[0].
    engine.tick(at(alerts::RETRY_AFTER_SECS[0] - 1)).await;
    assert_eq!(recorded.requests(), 1, "too early for a retry");
    engine.tick(at(alerts::RETRY_AFTER_SECS[0])).await;
    assert_eq!(recorded.requests(), 2, "second attempt (refused again)");
    let third = alerts::RETRY_AFTER_SECS[0] + alerts::RETRY_AFTER_SECS[1];
    engine.tick(at(third - 1)).await;
    assert_eq!(recorded.requests(), 2, "the wait doubled");
    let report = engine.tick(at(third)).await;
    assert_eq!((report.delivered, report.pending), (1, 0), "{report:?}");
    assert_eq!(recorded.requests(), 3);
    assert_eq!(recorded.bodies().len(), 1);
    let alerts = stored(&store).await;
    assert_eq!(alerts[0].notified_at.map(|t| t.timestamp_millis()), Some(at(third).timestamp_millis()));

    for secs in third + 1..third + 300 {
        engine.tick(at(secs)).await;
    }
    assert_eq!(recorded.requests(), 3, "delivered once, never again");
}

#[tokio::test]
async fn an_opening_never_told_is_retried_after_a_restart() {
    // No receiver at first: a port that refuses connections.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/hook", listener.local_addr().expect("address"))
    };
    let (_dir, _db, store) = store().await;
    let fleet = Arc::new(FleetState::default());
    let t0 = Utc::now();
    online(&fleet, t0);
    paper(&fleet, 1, "out", t0);
    let mut engine = Engine::start(config(&closed), Arc::clone(&fleet), store.clone()).await.expect("engine");
    let mut now = t0;
    let mut reports = Vec::new();
    for wait in std::iter::once(0).chain(alerts::RETRY_AFTER_SECS) {
        now += Duration::seconds(wait);
        reports.push(engine.tick(now).await);
    }
    let pending: Vec<usize> = reports.iter().map(|r| r.pending).collect();
    assert_eq!(pending, [1, 1, 1, 1, 0], "{reports:?}");
    assert_eq!(reports[4].abandoned, 1, "given up after the last attempt: {reports:?}");
    assert!(stored(&store).await[0].notified_at.is_none());

    // Restarted with a receiver that works: the untold opening is told, once.
    drop(engine);
    let (url, recorded) = receiver(0).await;
    let mut engine = Engine::start(config(&url), Arc::clone(&fleet), store.clone()).await.expect("restart");
    engine.tick(now + Duration::days(1)).await;
    engine.tick(now + Duration::days(1) + Duration::seconds(1)).await;
    let bodies = recorded.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(
        (bodies[0]["rule"].as_str(), bodies[0]["state"].as_str()),
        (Some("paper_out"), Some("opened"))
    );
    assert!(stored(&store).await[0].notified_at.is_some());
}

#[tokio::test]
async fn the_background_task_notifies_and_stays_silent_when_disabled() {
    let (url, recorded) = receiver(0).await;
    let (_dir, _db, store) = store().await;
    let fleet = Arc::new(FleetState::default());
    online(&fleet, Utc::now());
    paper(&fleet, 1, "out", Utc::now());

    // alerts.enabled = false: the task returns at once, having evaluated nothing.
    let disabled = AlertsConfig { enabled: false, ..config(&url) };
    tokio::time::timeout(
        StdDuration::from_secs(10),
        alerts::run(disabled, Arc::clone(&fleet), store.clone()),
    )
    .await
    .expect("a disabled engine returns");
    assert_eq!(recorded.requests(), 0);
    assert!(stored(&store).await.is_empty());

    // Enabled: the first evaluation comes one interval (evaluate_every_secs = 1) after the start.
    let task = tokio::spawn(alerts::run(config(&url), Arc::clone(&fleet), store.clone()));
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(20);
    while recorded.bodies().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no webhook POST from the background task");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    task.abort();
    let bodies = recorded.bodies();
    assert_eq!(bodies[0]["rule"], "paper_out");
}

#[tokio::test]
async fn an_alert_resolved_before_its_opening_was_told_is_told_neither_way() {
    let PaperOut { url, recorded, _dir, store, fleet, t0 } = paper_out(usize::MAX).await;
    let at = |secs: i64| t0 + Duration::seconds(secs);
    let mut engine = Engine::start(config(&url), Arc::clone(&fleet), store.clone()).await.expect("engine");
    engine.tick(at(0)).await;
    assert_eq!(recorded.requests(), 1, "refused");
    paper(&fleet, 2, "ok", at(1));
    engine.tick(at(1)).await;
    let report = engine.tick(at(61)).await;
    assert_eq!((report.resolved, report.pending), (1, 0), "{report:?}");
    for secs in 62..400 {
        engine.tick(at(secs)).await;
    }
    assert_eq!(recorded.requests(), 1, "no retry of the opening, no resolved notice");
    let alerts = stored(&store).await;
    assert!(alerts[0].resolved_at.is_some() && alerts[0].notified_at.is_none(), "{alerts:?}");
}

#[tokio::test]
async fn answer_rate_reads_the_stored_telemetry() {
    let (url, recorded) = receiver(0).await;
    let (_dir, _db, store) = store().await;
    let fleet = Arc::new(FleetState::default());
    let t0 = Utc::now();
    online(&fleet, t0);
    // 30 questions, 6 answered, in two reports: 20 %, under the default 50 %.
    for (seq, chat) in [(1, (10, 2)), (2, (20, 4))] {
        let writes = telemetry(&fleet, seq, "ok", chat, t0 - Duration::hours(1));
        store.apply(&writes).await.expect("stored");
    }
    let mut engine = Engine::start(config(&url), Arc::clone(&fleet), store.clone()).await.expect("engine");
    engine.tick(t0).await;
    let bodies = recorded.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["rule"], "answer_rate");
    assert_eq!(
        bodies[0]["text"],
        "⚠ Borne mediatheque/borne-01 : taux de réponse 20 % sur 24 h (6 questions sur 30), seuil 50 %"
    );
}

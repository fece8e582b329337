//! `borne run` with telemetry, against a real Mosquitto (started by the tests; see
//! `telemetry/tests/support`): the pinned flags, status and Last Will after `kill -9`, telemetry
//! and events of the real kiosk, every command's reply, a terminal session's usage, vote and
//! masked unanswered questions, and nothing spooled lost when the kiosk is killed while the
//! broker is away.

#[path = "../../telemetry/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use borne_telemetry::spool::{Spool, SpoolLimits, SyncPolicy};
use support::{Broker, Watcher};

const LONG: Duration = Duration::from_secs(20);

fn password_file(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("mqtt-password");
    std::fs::write(&path, "kiosk1pw\n").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

/// `borne run --headless` with the pinned flags, logging to `log`.
fn kiosk(url: &str, spool: &Path, secrets: &Path, log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_borne"))
        .args(["run", "--headless", "--broker", url, "--site", "site1", "--kiosk-id", "kiosk1"])
        .args(["--telemetry-interval", "1", "--spool-dir"])
        .arg(spool)
        .env_remove("BORNE_CONFIG")
        .env("BORNE_BROKER__USERNAME", "kiosk1")
        .env("BORNE_BROKER__PASSWORD_FILE", password_file(secrets))
        .env("BORNE_LOG", "debug")
        .env("BORNE_DEVICES__PRINTER__RECEIPTS_DIR", secrets.join("receipts"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log"))
        .spawn()
        .expect("start borne")
}

fn kill9(child: &mut Child) {
    let status = Command::new("kill").arg("-KILL").arg(child.id().to_string()).status().expect("kill");
    assert!(status.success());
    let _ = child.wait();
}

#[test]
fn a_headless_kiosk_reports_answers_commands_and_shows_offline_after_kill_9() {
    if !support::enabled() {
        return;
    }
    let broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/#");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("borne.log");
    let mut child = kiosk(&broker.url(), &dir.path().join("spool"), dir.path(), &log);

    let online = watch.wait_for("online", LONG, |s| s.topic == "borne/site1/kiosk1/status");
    assert_eq!(online.json["online"], true, "{}", std::fs::read_to_string(&log).unwrap_or_default());
    assert_eq!(online.json["version"], env!("CARGO_PKG_VERSION"));
    let t = watch.wait_for("telemetry", LONG, |s| s.topic == "borne/site1/kiosk1/telemetry").json;
    assert!(t["content_version"].as_str().is_some_and(|v| !v.is_empty()), "{t}");
    assert!(t["disk_free_bytes"].as_u64().is_some_and(|b| b > 0), "{t}");
    assert_eq!((t["screen"].as_str(), t["maintenance"].as_bool()), (Some("headless"), Some(false)), "{t}");
    assert!(t["alert"].is_null(), "{t}");
    // The simulated printer answers its status polls: online, with paper.
    watch.wait_for("printer in telemetry", LONG, |s| {
        s.topic.ends_with("/telemetry") && s.json["printer"] == "online" && s.json["paper"] == "ok"
    });
    // The simulated card reader connects: reported as an event, then in the telemetry.
    let event = watch.wait_for("reader event", LONG, |s| {
        s.topic == "borne/site1/kiosk1/event"
            && s.json["type"] == "device_state"
            && s.json["device"] == "reader"
    });
    assert_eq!(
        (event.json["device"].as_str(), event.json["state"].as_str()),
        (Some("reader"), Some("connected"))
    );
    watch.wait_for("reader in telemetry", LONG, |s| {
        s.topic.ends_with("/telemetry") && s.json["reader"] == "connected"
    });

    let ask = |watch: &mut Watcher, name: &str, id: &str| {
        broker.publish(&format!("borne/site1/kiosk1/cmd/{name}"), &format!(r#"{{"id":"{id}","text":"x"}}"#));
        let topic = format!("borne/site1/kiosk1/reply/{id}");
        watch.wait_for(name, LONG, |s| s.topic == topic).json
    };
    let pong = ask(&mut watch, "ping", "c1");
    assert_eq!(pong["ok"], true);
    assert_eq!(pong["version"], env!("CARGO_PKG_VERSION"));
    let reload = ask(&mut watch, "reload-content", "c2");
    assert_eq!(reload["ok"], true, "{reload}");
    assert_eq!(reload["content_version"], t["content_version"]);
    watch.wait_for("reload event", LONG, |s| s.json["type"] == "content_reloaded");
    for (name, id, says) in [
        ("alert", "c3", "without a touchscreen (headless mode)"),
        ("maintenance", "c4", "without a touchscreen (headless mode)"),
        ("screenshot", "c5", "without a touchscreen (headless mode)"),
        ("restart", "c7", "not available yet"),
    ] {
        let reply = ask(&mut watch, name, id);
        assert_eq!(reply["ok"], false, "{name}: {reply}");
        assert!(reply["error"].as_str().is_some_and(|e| e.contains(says)), "{name}: {reply}");
    }

    // The test page goes to the simulated printer, and the print is counted.
    let printed = ask(&mut watch, "print-test", "c6");
    assert_eq!(printed["ok"], true, "{printed}");
    assert_eq!(printed["printer"], "online", "{printed}");
    let receipts = dir.path().join("receipts");
    assert!(
        printed["printed"].as_str().is_some_and(|p| p.contains(&receipts.display().to_string())),
        "{printed}"
    );
    let page = std::fs::read_to_string(receipts.join("receipt-0001.txt")).expect("test page saved");
    assert!(page.contains("Page de test") && page.contains("kiosk1"), "{page}");
    watch.wait_for("print counted", LONG, |s| {
        s.topic.ends_with("/telemetry") && s.json["usage"]["prints"].as_u64() == Some(1)
    });

    kill9(&mut child);
    watch.wait_for("last will", LONG, |s| s.topic.ends_with("/status") && s.json["online"] == false);
    let retained = broker.retained("borne/site1/kiosk1/status").expect("retained");
    assert!(retained.contains("\"online\":false"), "{retained}");
    let log_text = std::fs::read_to_string(&log).expect("log");
    assert!(!log_text.contains("kiosk1pw"), "the password was logged");
    assert!(log_text.contains("connected to the broker"), "{log_text}");
}

#[test]
fn nothing_spooled_is_lost_when_the_kiosk_is_killed_while_the_broker_is_away() {
    if !support::enabled() {
        return;
    }
    let mut broker = Broker::start();
    broker.stop(false);
    let dir = tempfile::tempdir().expect("tempdir");
    let spool_dir = dir.path().join("spool");
    let log = dir.path().join("borne.log");
    let mut child = kiosk(&broker.url(), &spool_dir, dir.path(), &log);
    std::thread::sleep(Duration::from_secs(5));
    kill9(&mut child);

    // What the killed kiosk had spooled.
    let expected: Vec<u64> = {
        let spool = Spool::open(&spool_dir, SpoolLimits::default(), SyncPolicy::Never).expect("spool");
        spool.pending_after(None, usize::MAX).iter().map(|r| r.seq).collect()
    };
    assert!(
        expected.len() >= 3,
        "only {} messages spooled in 5 s: {}",
        expected.len(),
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    broker.restart();
    let mut watch = Watcher::start(&broker, "borne/#");
    let mut child = kiosk(&broker.url(), &spool_dir, dir.path(), &log);
    let last = *expected.last().expect("one");
    let deadline = Instant::now() + LONG;
    loop {
        watch.drain(Duration::from_millis(500));
        let got: std::collections::BTreeSet<u64> =
            watch.seen.iter().filter_map(|s| s.json["seq"].as_u64()).collect();
        let missing: Vec<u64> = expected.iter().filter(|s| !got.contains(s)).copied().collect();
        if missing.is_empty() {
            // Replayed in order, before anything newer.
            let order: Vec<u64> = watch.seen.iter().filter_map(|s| s.json["seq"].as_u64()).collect();
            let first_new = order.iter().position(|s| *s > last).unwrap_or(order.len());
            assert!(order[..first_new].windows(2).all(|w| w[0] < w[1]), "replay out of order: {order:?}");
            break;
        }
        assert!(Instant::now() < deadline, "spooled messages never arrived: {missing:?}");
    }
    kill9(&mut child);
}

#[test]
fn a_terminal_session_is_counted_its_vote_reported_and_its_unanswered_questions_sent_masked() {
    if !support::enabled() {
        return;
    }
    use std::io::Write;
    let broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/#");
    let dir = tempfile::tempdir().expect("tempdir");
    // One session: an out-of-scope question with a name and a phone number (refused), a question
    // answered well and voted helpful, then a good question whose answer is voted unhelpful; then
    // the input ends and the kiosk stops cleanly.
    let input = "\n1\nou faire immatriculer ma moto neuve, je m'appelle Dupont, 0612345678\n\
                 y a-t-il le wifi a la mediatheque\n1\njai perdu ma carte d'identite\n2\n\n0\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_borne"))
        .args(["run", "--terminal", "--broker", &broker.url(), "--site", "site1", "--kiosk-id", "kiosk1"])
        .args(["--telemetry-interval", "60", "--spool-dir"])
        .arg(dir.path().join("spool"))
        .env_remove("BORNE_CONFIG")
        .env("BORNE_BROKER__USERNAME", "kiosk1")
        .env("BORNE_BROKER__PASSWORD_FILE", password_file(dir.path()))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start borne");
    watch.wait_for("online", LONG, |s| s.topic.ends_with("/status") && s.json["online"] == true);
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let yes = watch.wait_for("vote yes", LONG, |s| s.json["type"] == "vote" && s.json["helpful"] == true);
    assert_eq!(yes.json["faq_id"], "mediatheque-wifi");
    let no = watch.wait_for("vote no", LONG, |s| s.json["type"] == "vote" && s.json["helpful"] == false);
    assert_eq!(no.json["faq_id"], "cni-perte");
    // `usage` counts since the previous report, and a report may go out between the questions
    // (the first one is sent as soon as the kiosk is up), so add up every report until the kiosk
    // announces its clean stop: the last report is sent just before that.
    watch.wait_for("offline", LONG, |s| s.topic.ends_with("/status") && s.json["online"] == false);
    watch.drain(Duration::from_millis(300));
    let reports: Vec<&serde_json::Value> =
        watch.seen.iter().filter(|s| s.topic.ends_with("/telemetry")).map(|s| &s.json["usage"]).collect();
    let total = |field: &str| reports.iter().filter_map(|u| u[field].as_u64()).sum::<u64>();
    let all = format!("{reports:?}");
    assert_eq!(total("questions"), 3, "{all}");
    assert_eq!(total("sessions"), 1, "{all}");
    assert_eq!(total("helpful_yes"), 1, "{all}");
    assert_eq!(total("helpful_no"), 1, "{all}");
    assert!(total("refused") >= 1, "{all}");
    assert!(
        reports.iter().any(|u| u["mean_session_secs"].as_f64().is_some_and(|s| s >= 0.0)),
        "no session length reported: {all}"
    );
    let _ = child.wait();

    // The gap log's new records go out with the reports as `unanswered` events, masked: the
    // refused question, and the one voted unhelpful (with the entry voted on); never the
    // question that was answered well.
    let unanswered: Vec<&serde_json::Value> = watch
        .seen
        .iter()
        .filter(|s| s.topic == "borne/site1/kiosk1/event" && s.json["type"] == "unanswered")
        .map(|s| &s.json)
        .collect();
    let all = format!("{unanswered:#?}");
    let refused: Vec<_> = unanswered.iter().filter(|e| e["reason"] == "refused").collect();
    assert_eq!(refused.len(), 1, "{all}");
    assert_eq!(
        refused[0]["question"], "ou faire immatriculer ma moto neuve, je m'appelle [nom], ##########",
        "{all}"
    );
    assert_eq!(refused[0]["kiosk_id"], "kiosk1", "{all}");
    assert!(refused[0]["seq"].is_u64() && refused[0]["at"].is_string(), "{all}");
    assert!(refused[0].get("nearest_id").is_some(), "{all}");
    println!("unanswered event: {}", refused[0]);
    let unhelpful: Vec<_> = unanswered.iter().filter(|e| e["reason"] == "unhelpful").collect();
    assert_eq!(unhelpful.len(), 1, "{all}");
    assert_eq!(
        (unhelpful[0]["question"].as_str(), unhelpful[0]["nearest_id"].as_str()),
        (Some("jai perdu ma carte d'identite"), Some("cni-perte")),
        "{all}"
    );
    assert!(
        unanswered.iter().all(|e| !e.to_string().contains("wifi")),
        "an answered question was sent: {all}"
    );
    assert!(
        unanswered.iter().all(|e| ["refused", "low_confidence", "unhelpful"].contains(&e["reason"].as_str().unwrap_or(""))),
        "{all}"
    );

    // Nothing else carries the visitor's words, and nothing at all the name or the number.
    for seen in &watch.seen {
        let text = seen.json.to_string();
        assert!(!text.contains("0612345678") && !text.contains("Dupont"), "personal data sent: {text}");
        if seen.json["type"] != "unanswered" {
            assert!(!text.contains("immatriculer"), "visitor text sent outside `unanswered`: {text}");
        }
    }
}

#[test]
fn the_fleet_simulator_measures_a_small_fleet_without_loss() {
    if !support::enabled() {
        return;
    }
    let broker = Broker::start();
    let out = Command::new(env!("CARGO_BIN_EXE_borne"))
        .args([
            "sim",
            "fleet",
            "--broker",
            &broker.url(),
            "--kiosks",
            "20",
            "--interval",
            "1",
            "--duration",
            "3",
        ])
        .args(["--username", "admin", "--password", "adminpw"])
        .env_remove("BORNE_CONFIG")
        .output()
        .expect("run borne sim");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("from 20 kiosks"), "{stdout}");
    assert!(stdout.contains("gaps 0, duplicates 0"), "{stdout}");
    assert!(stdout.contains("latency ms: p50"), "{stdout}");
    let received: u64 = stdout
        .split("telemetry messages received")
        .next()
        .and_then(|s| s.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .expect("a count");
    // 20 kiosks at 1/s for 3 s: about 60.
    assert!((40..=80).contains(&received), "{stdout}");
}

//! The fleet's live picture: one entry per kiosk, updated by every message the ingest reads and
//! read by the pages, the API, the metrics and the alert rules without touching the database.
//! [`FleetState::absorb`] turns one MQTT message into the state change and the database writes it
//! implies, dropping messages already seen (same kiosk, same `seq`: the kiosks deliver at least
//! once, and replay their spool after an outage).

use std::collections::{BTreeSet, HashMap};
use std::sync::RwLock;

use borne_telemetry::messages::{Event, Status, Telemetry};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{BannerView, EventView, IncidentView, KioskKey, KioskView, UsagePoint};
use crate::store::Write;

/// How many recent message numbers are remembered per kiosk for de-duplication (the database's
/// primary keys catch anything older).
const SEEN_WINDOW: usize = 4096;

/// What a topic under the root is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicKind {
    /// `…/status`.
    Status,
    /// `…/telemetry`.
    Telemetry,
    /// `…/event`.
    Event,
    /// `…/reply/{id}`.
    Reply(String),
    /// `…/cmd/{name}`: commands, the fleet's own among them; ignored.
    Command,
}

/// Splits `{root}/{site}/{kiosk_id}/{kind}[/{id}]`; `None` for anything else.
pub fn parse_topic(root: &str, topic: &str) -> Option<(KioskKey, TopicKind)> {
    let rest = topic.strip_prefix(root)?.strip_prefix('/')?;
    let mut levels = rest.split('/');
    let site = levels.next()?;
    let kiosk = levels.next()?;
    let kind = match (levels.next()?, levels.next(), levels.next()) {
        ("status", None, _) => TopicKind::Status,
        ("telemetry", None, _) => TopicKind::Telemetry,
        ("event", None, _) => TopicKind::Event,
        ("reply", Some(id), None) if !id.is_empty() => TopicKind::Reply(id.to_string()),
        ("cmd", Some(_), None) => TopicKind::Command,
        _ => return None,
    };
    if site.is_empty() || kiosk.is_empty() {
        return None;
    }
    Some((KioskKey::new(site, kiosk), kind))
}

/// Why a message was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// Not a kiosk topic.
    #[error("not a kiosk topic")]
    Topic,
    /// The JSON does not fit the message of its topic.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which message.
        what: &'static str,
        /// serde's words.
        reason: String,
    },
    /// Already received (same kiosk and `seq`).
    #[error("duplicate seq {0}")]
    Duplicate(u64),
    /// A topic the fleet does not store (commands).
    #[error("ignored")]
    Ignored,
}

/// What one message changed.
#[derive(Debug, Default)]
pub struct Absorbed {
    /// The writes for the database.
    pub writes: Vec<Write>,
    /// A command reply: its id and body.
    pub reply: Option<(String, Value)>,
    /// Seconds between the kiosk making the message and the fleet receiving it (telemetry,
    /// events and replies).
    pub lag_secs: Option<f64>,
}

#[derive(Debug, Clone)]
struct Entry {
    view: KioskView,
    seen: BTreeSet<u64>,
    totals: UsagePoint,
}

/// Every kiosk's current state, behind a lock.
#[derive(Debug, Default)]
pub struct FleetState {
    kiosks: RwLock<HashMap<KioskKey, Entry>>,
}

impl FleetState {
    /// A fleet that starts from what the database knew.
    pub fn from_views(views: Vec<KioskView>) -> Self {
        let kiosks = views
            .into_iter()
            .map(|view| (view.key(), Entry { view, seen: BTreeSet::new(), totals: UsagePoint::default() }))
            .collect();
        Self { kiosks: RwLock::new(kiosks) }
    }

    /// Replaces the views by the database's (several instances sharing the load each see only
    /// part of the messages); what de-duplicates and counts is kept.
    pub fn refresh(&self, views: Vec<KioskView>) {
        let Ok(mut kiosks) = self.kiosks.write() else { return };
        for view in views {
            let key = view.key();
            entry(&mut kiosks, &key).view = view;
        }
    }

    /// Every kiosk, sorted by site and id.
    pub fn list(&self) -> Vec<KioskView> {
        let Ok(kiosks) = self.kiosks.read() else { return Vec::new() };
        let mut list: Vec<KioskView> = kiosks.values().map(|e| e.view.clone()).collect();
        list.sort_by(|a, b| (&a.site, &a.kiosk_id).cmp(&(&b.site, &b.kiosk_id)));
        list
    }

    /// One kiosk.
    pub fn get(&self, key: &KioskKey) -> Option<KioskView> {
        self.kiosks.read().ok()?.get(key).map(|e| e.view.clone())
    }

    /// Usage counted since this process started, per kiosk (for `/metrics`).
    pub fn totals(&self) -> Vec<(KioskKey, UsagePoint)> {
        let Ok(kiosks) = self.kiosks.read() else { return Vec::new() };
        kiosks.iter().map(|(k, e)| (k.clone(), e.totals.clone())).collect()
    }

    /// Takes one MQTT message.
    pub fn absorb(
        &self,
        root: &str,
        topic: &str,
        payload: &[u8],
        received_at: DateTime<Utc>,
    ) -> Result<Absorbed, Rejected> {
        let (key, kind) = parse_topic(root, topic).ok_or(Rejected::Topic)?;
        let malformed = |what: &'static str| {
            move |e: serde_json::Error| Rejected::Malformed { what, reason: e.to_string() }
        };
        let mut kiosks = self.kiosks.write().map_err(|_| Rejected::Ignored)?;
        let mut out = Absorbed::default();
        match kind {
            TopicKind::Command => return Err(Rejected::Ignored),
            TopicKind::Status => {
                if payload.is_empty() {
                    // A cleared retained status: nothing to say.
                    return Err(Rejected::Ignored);
                }
                let status: Status = serde_json::from_slice(payload).map_err(malformed("status"))?;
                let entry = entry(&mut kiosks, &key);
                let view = &mut entry.view;
                if view.online != status.online || view.online_since.is_none() {
                    view.online = status.online;
                    view.online_since = Some(received_at);
                }
                if status.online {
                    view.last_seen = Some(received_at);
                }
                view.version = status.version.clone();
                view.started_at = Some(status.started_at);
                out.writes.push(Write::KioskStatus {
                    key: key.clone(),
                    online: status.online,
                    at: received_at,
                    version: status.version,
                    started_at: status.started_at,
                });
            }
            TopicKind::Telemetry => {
                let report: Telemetry = serde_json::from_slice(payload).map_err(malformed("telemetry"))?;
                let entry = entry(&mut kiosks, &key);
                fresh(entry, report.seq)?;
                let usage = UsagePoint {
                    at: report.at,
                    sessions: report.kiosk.usage.sessions,
                    questions: report.kiosk.usage.questions,
                    answered: report.kiosk.usage.answered,
                    refused: report.kiosk.usage.refused,
                    helpful_yes: report.kiosk.usage.helpful_yes,
                    helpful_no: report.kiosk.usage.helpful_no,
                    prints: report.kiosk.usage.prints,
                    cards_read: report.kiosk.usage.cards_read,
                };
                entry.totals.add(&usage);
                let newest = entry.view.last_seq.is_none_or(|last| report.seq > last);
                let view = &mut entry.view;
                view.last_seen = Some(received_at);
                if newest {
                    view.last_seq = Some(report.seq);
                    view.version = report.version.clone();
                    view.content_version = report.kiosk.content_version.clone();
                    view.printer = report.kiosk.printer.clone();
                    view.reader = report.kiosk.reader.clone();
                    view.paper = report.kiosk.paper.clone();
                    view.screen = report.kiosk.screen.clone();
                    view.alert = report.kiosk.alert.as_ref().map(|a| BannerView {
                        text: a.text.clone(),
                        level: a.level.clone(),
                        expires_at: a.expires_at,
                    });
                    view.maintenance = report.kiosk.maintenance;
                    view.uptime_secs = Some(report.uptime_secs);
                    view.memory_rss_bytes = report.memory_rss_bytes;
                    view.disk_free_bytes = report.disk_free_bytes;
                    view.spool_depth = Some(report.spool_depth);
                }
                out.lag_secs = Some(lag(report.at, received_at));
                out.writes.push(Write::Telemetry {
                    key: key.clone(),
                    seq: report.seq,
                    usage,
                    mean_session_secs: report.kiosk.usage.mean_session_secs,
                    devices: (report.kiosk.printer, report.kiosk.paper, report.kiosk.reader),
                    memory_rss_bytes: report.memory_rss_bytes,
                    received_at,
                });
                out.writes.push(Write::KioskReport(Box::new(view.clone())));
            }
            TopicKind::Event => {
                let event: Event = serde_json::from_slice(payload).map_err(malformed("event"))?;
                let body: Value = serde_json::from_slice(payload).map_err(malformed("event"))?;
                let entry = entry(&mut kiosks, &key);
                fresh(entry, event.seq)?;
                entry.view.last_seen = Some(received_at);
                let kind = body.get("type").and_then(Value::as_str).unwrap_or("unknown").to_string();
                if kind == "incident" {
                    let text = |f: &str| body.get(f).and_then(Value::as_str).unwrap_or("").to_string();
                    out.writes.push(Write::Incident(IncidentView {
                        site: key.site.clone(),
                        kiosk_id: key.kiosk_id.clone(),
                        ticket: text("ticket"),
                        at: event.at,
                        category: text("category"),
                        description: text("description"),
                        status: "new".to_string(),
                        updated_at: None,
                        updated_by: None,
                    }));
                }
                out.lag_secs = Some(lag(event.at, received_at));
                out.writes.push(Write::Event {
                    key: key.clone(),
                    event: EventView { seq: event.seq, at: event.at, kind, body },
                });
                out.writes.push(Write::Seen { key: key.clone(), at: received_at });
            }
            TopicKind::Reply(id) => {
                let body: Value = serde_json::from_slice(payload).map_err(malformed("reply"))?;
                let entry = entry(&mut kiosks, &key);
                if let Some(seq) = body.get("seq").and_then(Value::as_u64) {
                    fresh(entry, seq)?;
                }
                entry.view.last_seen = Some(received_at);
                if let Some(at) =
                    body.get("at").and_then(Value::as_str).and_then(|s| s.parse::<DateTime<Utc>>().ok())
                {
                    out.lag_secs = Some(lag(at, received_at));
                }
                out.writes.push(Write::Reply {
                    id: id.clone(),
                    key: key.clone(),
                    reply: body.clone(),
                    at: received_at,
                });
                out.writes.push(Write::Seen { key: key.clone(), at: received_at });
                out.reply = Some((id, body));
            }
        }
        Ok(out)
    }
}

fn entry<'a>(kiosks: &'a mut HashMap<KioskKey, Entry>, key: &KioskKey) -> &'a mut Entry {
    kiosks.entry(key.clone()).or_insert_with(|| Entry {
        view: KioskView::new(key),
        seen: BTreeSet::new(),
        totals: UsagePoint::default(),
    })
}

/// Records `seq` as seen; refuses it when it was.
fn fresh(entry: &mut Entry, seq: u64) -> Result<(), Rejected> {
    if !entry.seen.insert(seq) {
        return Err(Rejected::Duplicate(seq));
    }
    while entry.seen.len() > SEEN_WINDOW {
        entry.seen.pop_first();
    }
    Ok(())
}

fn lag(made: DateTime<Utc>, received: DateTime<Utc>) -> f64 {
    ((received - made).num_milliseconds() as f64 / 1000.0).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn telemetry(seq: u64, paper: &str, questions: u64) -> Vec<u8> {
        serde_json::json!({
            "seq": seq, "at": "2026-11-29T10:00:00Z", "kiosk_id": "b1", "uptime_secs": 5, "version": "0.1.0",
            "memory_rss_bytes": 1000, "disk_free_bytes": null, "spool_depth": 0, "spool_dropped": 0,
            "content_version": "abc", "printer": "online", "reader": "connected", "paper": paper,
            "usage": {"sessions": 1, "questions": questions, "answered": questions, "refused": 0, "helpful_yes": 0,
                      "helpful_no": 0, "prints": 0, "cards_read": 0, "mean_session_secs": null},
            "screen": "touchscreen", "alert": null, "maintenance": false
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn topics_are_split_and_others_refused() {
        let (key, kind) = parse_topic("borne", "borne/med/b1/reply/42").expect("reply");
        assert_eq!(
            (key.site.as_str(), key.kiosk_id.as_str(), kind),
            ("med", "b1", TopicKind::Reply("42".into()))
        );
        assert_eq!(parse_topic("borne", "borne/med/b1/telemetry").map(|t| t.1), Some(TopicKind::Telemetry));
        assert_eq!(parse_topic("borne", "borne/med/b1/cmd/ping").map(|t| t.1), Some(TopicKind::Command));
        assert!(parse_topic("borne", "borne/med/b1/telemetry/x").is_none());
        assert!(parse_topic("borne", "other/med/b1/status").is_none());
        assert!(parse_topic("borne", "borne/med").is_none());
    }

    #[test]
    fn a_replayed_report_is_dropped_and_the_newest_state_wins() {
        let fleet = FleetState::default();
        let now = Utc::now();
        fleet.absorb("borne", "borne/med/b1/telemetry", &telemetry(10, "near_end", 3), now).expect("10");
        fleet.absorb("borne", "borne/med/b1/telemetry", &telemetry(12, "out", 2), now).expect("12");
        // An older report arriving late (spool replay) is stored but does not roll the state back.
        fleet.absorb("borne", "borne/med/b1/telemetry", &telemetry(11, "ok", 1), now).expect("11");
        let error =
            fleet.absorb("borne", "borne/med/b1/telemetry", &telemetry(12, "out", 2), now).expect_err("dup");
        assert_eq!(error, Rejected::Duplicate(12));
        let view = fleet.get(&KioskKey::new("med", "b1")).expect("kiosk");
        assert_eq!((view.paper.as_str(), view.last_seq), ("out", Some(12)));
        assert!(!view.online, "only the retained status says online");
        let totals = fleet.totals();
        assert_eq!(totals[0].1.questions, 6, "each report counted once");
    }

    #[test]
    fn online_since_changes_only_with_the_status() {
        let fleet = FleetState::default();
        let status = |online: bool| {
            serde_json::json!({"online": online, "kiosk_id": "b1", "site": "med", "version": "0.1.0",
                               "started_at": "2026-11-29T09:00:00Z"})
            .to_string()
        };
        let now = Utc::now();
        let key = KioskKey::new("med", "b1");
        fleet.absorb("borne", "borne/med/b1/status", status(true).as_bytes(), now).expect("on");
        let since = fleet.get(&key).expect("kiosk").online_since;
        let later = now + chrono::Duration::seconds(5);
        fleet.absorb("borne", "borne/med/b1/status", status(true).as_bytes(), later).expect("on again");
        assert_eq!(fleet.get(&key).expect("kiosk").online_since, since, "still online since the first");
        let off = fleet.absorb("borne", "borne/med/b1/status", status(false).as_bytes(), later).expect("off");
        assert!(off.writes.iter().any(|w| matches!(w, Write::KioskStatus { online: false, .. })));
        let view = fleet.get(&key).expect("kiosk");
        assert!(!view.online);
        assert_eq!(view.online_since, Some(later));
    }

    #[test]
    fn garbage_is_refused_with_the_reason() {
        let fleet = FleetState::default();
        let error =
            fleet.absorb("borne", "borne/med/b1/telemetry", b"{not json", Utc::now()).expect_err("garbage");
        assert!(matches!(error, Rejected::Malformed { what: "telemetry", .. }), "{error:?}");
    }
}

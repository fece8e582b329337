//! The alert rules as one pure function, so that hysteresis can be tested with a fake clock: the
//! alerts open now, every kiosk's view, the usage of the answer-rate window and the time go in;
//! the alerts that stay open, open or close come out. No clock, no database, no network here: the
//! engine ([`super::Engine`]) reads them, writes the outcome and tells the webhooks.
//!
//! Each rule says one of four things about one kiosk ([`Condition`]):
//!
//! - `Raise`: the condition holds and is enough to open an alert (offline for `offline_minutes`,
//!   paper out…);
//! - `Holds`: it keeps an open alert open but does not open one (offline for less than
//!   `offline_minutes`; paper out now that the near-end alert is open; a device fault while the
//!   kiosk is in maintenance);
//! - `Clear`: the condition does not hold;
//! - `Unknown`: it cannot be told (the kiosk is offline so its device states are stale, the
//!   printer cannot say how much paper is left, too few questions for a rate): nothing opens, an
//!   open alert stays open and its clearing starts over.
//!
//! An open alert closes only once its rule has said `Clear` continuously for `clear_after_secs`;
//! anything else in that time keeps it open, so a flapping condition never opens a second alert.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::config::AlertsConfig;
use crate::model::{AlertView, KioskKey, KioskView, UsagePoint};

/// A printer or reader reported `none` by a kiosk that started less than this many seconds ago is
/// not absent yet: the reader says `none` until its first connection, just after start-up.
pub const START_GRACE_SECS: u64 = 120;

/// One alert rule. Its [`name`](Rule::name) is stable: it is stored in the database and returned
/// by the API (`rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The kiosk has been offline for `offline_minutes`.
    Offline,
    /// The printer has no paper.
    PaperOut,
    /// The paper roll is nearly finished (`paper_near_end`).
    PaperNearEnd,
    /// The printer is offline, unplugged or was not started (`printer_absent`).
    PrinterAbsent,
    /// The card reader is disconnected or was not started (`reader_absent`).
    ReaderAbsent,
    /// Fewer than `answer_rate_below_percent` % of the questions of the window were answered.
    AnswerRate,
}

impl Rule {
    /// Every rule, in the order they are evaluated.
    pub const ALL: [Rule; 6] = [
        Rule::Offline,
        Rule::PaperOut,
        Rule::PaperNearEnd,
        Rule::PrinterAbsent,
        Rule::ReaderAbsent,
        Rule::AnswerRate,
    ];

    /// The stable name: `offline`, `paper_out`, `paper_near_end`, `printer_absent`,
    /// `reader_absent`, `answer_rate`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Offline => "offline",
            Rule::PaperOut => "paper_out",
            Rule::PaperNearEnd => "paper_near_end",
            Rule::PrinterAbsent => "printer_absent",
            Rule::ReaderAbsent => "reader_absent",
            Rule::AnswerRate => "answer_rate",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.name() == name)
    }

    /// Whether the rule is about the kiosk's devices (paper, printer, reader): those are not
    /// raised while the kiosk is in maintenance, nor judged while it is offline.
    pub fn is_device(self) -> bool {
        matches!(self, Rule::PaperOut | Rule::PaperNearEnd | Rule::PrinterAbsent | Rule::ReaderAbsent)
    }
}

/// What one rule says of one kiosk now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The condition holds and opens an alert; the words for it (French, as sent).
    Raise(String),
    /// The condition keeps an open alert open but does not open one.
    Holds,
    /// The condition does not hold.
    Clear,
    /// It cannot be told now: nothing opens or closes.
    Unknown,
}

/// Usage of the answer-rate window, summed per kiosk; `None` when it could not be read.
pub type WindowUsage<'a> = Option<&'a HashMap<KioskKey, UsagePoint>>;

/// What `rule` says of `kiosk` at `now`.
pub fn condition(
    rule: Rule,
    config: &AlertsConfig,
    kiosk: &KioskView,
    usage: WindowUsage<'_>,
    now: DateTime<Utc>,
) -> Condition {
    if rule.is_device() && !kiosk.online {
        // The last report says how the devices were, not how they are.
        return Condition::Unknown;
    }
    let said = match rule {
        Rule::Offline => offline(config, kiosk, now),
        Rule::PaperOut => paper_out(kiosk),
        Rule::PaperNearEnd => paper_near_end(config, kiosk),
        Rule::PrinterAbsent => printer_absent(config, kiosk),
        Rule::ReaderAbsent => reader_absent(config, kiosk),
        Rule::AnswerRate => answer_rate(config, kiosk, usage),
    };
    match said {
        // A technician at the kiosk opens covers and unplugs things: not worth a message.
        Condition::Raise(_) if rule.is_device() && kiosk.maintenance => Condition::Holds,
        said => said,
    }
}

fn offline(config: &AlertsConfig, kiosk: &KioskView, now: DateTime<Utc>) -> Condition {
    if config.offline_minutes == 0 || kiosk.online {
        return Condition::Clear;
    }
    // `online_since` is the time of the last transition, so while offline: since when it is.
    let Some(since) = kiosk.online_since.or(kiosk.last_seen) else { return Condition::Unknown };
    let away = now - since;
    let threshold = Duration::minutes(i64::try_from(config.offline_minutes).unwrap_or(i64::MAX / 60_000));
    if away >= threshold {
        Condition::Raise(format!("hors ligne depuis {}", duration_fr(away)))
    } else {
        Condition::Holds
    }
}

fn paper_out(kiosk: &KioskView) -> Condition {
    if kiosk.paper == "out" || kiosk.printer == "paper_out" {
        return Condition::Raise("plus de papier".to_string());
    }
    match kiosk.paper.as_str() {
        "ok" | "near_end" => Condition::Clear,
        // `unknown` (cover open, printer absent) or nothing reported yet.
        _ => Condition::Unknown,
    }
}

fn paper_near_end(config: &AlertsConfig, kiosk: &KioskView) -> Condition {
    if !config.paper_near_end {
        return Condition::Clear;
    }
    if kiosk.paper == "near_end" || kiosk.printer == "paper_near_end" {
        return Condition::Raise("papier bientôt épuisé".to_string());
    }
    match kiosk.paper.as_str() {
        // Run out since: the paper-out alert says more, but "near end" is not resolved.
        "out" => Condition::Holds,
        "ok" => Condition::Clear,
        _ => Condition::Unknown,
    }
}

/// Whether a kiosk is too young for its `none` devices to mean anything.
fn starting(kiosk: &KioskView) -> bool {
    kiosk.uptime_secs.is_none_or(|uptime| uptime < START_GRACE_SECS)
}

fn printer_absent(config: &AlertsConfig, kiosk: &KioskView) -> Condition {
    if !config.printer_absent {
        return Condition::Clear;
    }
    let why = match kiosk.printer.as_str() {
        "offline" => "hors ligne",
        "unplugged" => "débranchée",
        "none" if starting(kiosk) => return Condition::Unknown,
        "none" => "non démarrée",
        "" => return Condition::Unknown,
        // online, paper_near_end, paper_out, cover_open: it is there.
        _ => return Condition::Clear,
    };
    Condition::Raise(format!("imprimante absente ({why})"))
}

fn reader_absent(config: &AlertsConfig, kiosk: &KioskView) -> Condition {
    if !config.reader_absent {
        return Condition::Clear;
    }
    let why = match kiosk.reader.as_str() {
        "connected" => return Condition::Clear,
        "disconnected" => "déconnecté",
        "none" if starting(kiosk) => return Condition::Unknown,
        "none" => "non démarré",
        _ => return Condition::Unknown,
    };
    Condition::Raise(format!("lecteur de carte absent ({why})"))
}

fn answer_rate(config: &AlertsConfig, kiosk: &KioskView, usage: WindowUsage<'_>) -> Condition {
    let threshold = config.answer_rate_below_percent;
    if threshold == 0 {
        return Condition::Clear;
    }
    let Some(point) = usage.and_then(|usage| usage.get(&kiosk.key())) else { return Condition::Unknown };
    if point.questions == 0 || point.questions < config.answer_rate_min_questions {
        return Condition::Unknown;
    }
    // Integers: answered / questions < threshold / 100, without rounding.
    if u128::from(point.answered) * 100 < u128::from(threshold) * u128::from(point.questions) {
        let percent = point.answered.saturating_mul(100) / point.questions;
        Condition::Raise(format!(
            "taux de réponse {percent} % sur {} h ({} questions sur {}), seuil {threshold} %",
            config.answer_rate_window_hours, point.answered, point.questions
        ))
    } else {
        Condition::Clear
    }
}

/// A duration in French words: `12 min`, `2 h 05`, `3 j 4 h`.
pub fn duration_fr(duration: Duration) -> String {
    let minutes = duration.num_minutes().max(0);
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes < 24 * 60 {
        format!("{} h {:02}", minutes / 60, minutes % 60)
    } else {
        format!("{} j {} h", minutes / (24 * 60), minutes % (24 * 60) / 60)
    }
}

/// The id of the alert `rule` opens for `key` at `at`: the same inputs give the same id, so the
/// evaluation stays pure.
pub fn alert_id(key: &KioskKey, rule: Rule, at: DateTime<Utc>) -> String {
    let mut hash = Sha256::new();
    for part in [key.site.as_bytes(), key.kiosk_id.as_bytes(), rule.name().as_bytes()] {
        hash.update(part);
        hash.update([0]);
    }
    hash.update(at.timestamp_millis().to_be_bytes());
    hash.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

/// An open alert as the engine remembers it between evaluations.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    /// The alert, as stored.
    pub alert: AlertView,
    /// Since when its rule has said `Clear` without interruption, if it does (not stored: after a
    /// restart the clearing starts over, which only delays the closing).
    pub clear_since: Option<DateTime<Utc>>,
}

impl Tracked {
    /// An open alert not clearing.
    pub fn new(alert: AlertView) -> Self {
        Self { alert, clear_since: None }
    }
}

/// What one evaluation decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Every alert open after this evaluation (the new ones among them): the next evaluation's
    /// input.
    pub open: Vec<Tracked>,
    /// The alerts opened now.
    pub opened: Vec<AlertView>,
    /// The alerts closed now (`resolved_at` set), with the clearing that closed them.
    pub resolved: Vec<Tracked>,
}

/// One evaluation: `open` are the alerts open before, `kiosks` the fleet now, `usage` the
/// answer-rate window's usage. Pure: the same inputs give the same outcome.
pub fn evaluate(
    config: &AlertsConfig,
    open: &[Tracked],
    kiosks: &[KioskView],
    usage: WindowUsage<'_>,
    now: DateTime<Utc>,
) -> Outcome {
    let by_key: HashMap<KioskKey, &KioskView> = kiosks.iter().map(|view| (view.key(), view)).collect();
    let clear_after = Duration::seconds(i64::try_from(config.clear_after_secs).unwrap_or(i64::MAX / 1000));
    let mut outcome = Outcome::default();
    let mut covered: HashSet<(KioskKey, String)> = HashSet::new();
    for tracked in open {
        let key = KioskKey::new(&tracked.alert.site, &tracked.alert.kiosk_id);
        let said = match (Rule::parse(&tracked.alert.rule), by_key.get(&key)) {
            // A rule this version does not know (a newer instance's): left as it is.
            (None, _) => Condition::Unknown,
            // A kiosk the fleet no longer knows has nothing wrong any more.
            (Some(_), None) => Condition::Clear,
            (Some(rule), Some(view)) => condition(rule, config, view, usage, now),
        };
        covered.insert((key, tracked.alert.rule.clone()));
        let mut tracked = tracked.clone();
        match said {
            Condition::Clear => {
                let since = *tracked.clear_since.get_or_insert(now);
                if now - since >= clear_after {
                    tracked.alert.resolved_at = Some(now);
                    outcome.resolved.push(tracked);
                    continue;
                }
            }
            Condition::Raise(_) | Condition::Holds | Condition::Unknown => tracked.clear_since = None,
        }
        outcome.open.push(tracked);
    }
    for view in kiosks {
        let key = view.key();
        for rule in Rule::ALL {
            if covered.contains(&(key.clone(), rule.name().to_string())) {
                continue;
            }
            if let Condition::Raise(message) = condition(rule, config, view, usage, now) {
                let alert = AlertView {
                    id: alert_id(&key, rule, now),
                    site: key.site.clone(),
                    kiosk_id: key.kiosk_id.clone(),
                    rule: rule.name().to_string(),
                    message,
                    opened_at: now,
                    resolved_at: None,
                    notified_at: None,
                };
                outcome.open.push(Tracked::new(alert.clone()));
                outcome.opened.push(alert);
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).single().expect("time")
    }

    fn secs(n: i64) -> Duration {
        Duration::seconds(n)
    }

    fn config() -> AlertsConfig {
        AlertsConfig {
            offline_minutes: 10,
            paper_near_end: true,
            printer_absent: true,
            reader_absent: true,
            answer_rate_below_percent: 50,
            answer_rate_window_hours: 24,
            answer_rate_min_questions: 20,
            clear_after_secs: 300,
            ..AlertsConfig::default()
        }
    }

    /// A healthy kiosk, online since an hour before `t0`.
    fn kiosk() -> KioskView {
        let mut view = KioskView::new(&KioskKey::new("mediatheque", "borne-01"));
        view.online = true;
        view.online_since = Some(t0() - Duration::hours(1));
        view.last_seen = Some(t0());
        view.printer = "online".into();
        view.paper = "ok".into();
        view.reader = "connected".into();
        view.uptime_secs = Some(3600);
        view
    }

    fn with(change: impl FnOnce(&mut KioskView)) -> KioskView {
        let mut view = kiosk();
        change(&mut view);
        view
    }

    /// Evaluates the rules over one kiosk at each given time, carrying the open alerts along, and
    /// returns every outcome.
    fn run(config: &AlertsConfig, steps: &[(DateTime<Utc>, KioskView)]) -> Vec<Outcome> {
        let mut open = Vec::new();
        let mut outcomes = Vec::new();
        for (now, view) in steps {
            let outcome = evaluate(config, &open, std::slice::from_ref(view), None, *now);
            open = outcome.open.clone();
            outcomes.push(outcome);
        }
        outcomes
    }

    fn rules(alerts: &[AlertView]) -> Vec<&str> {
        alerts.iter().map(|a| a.rule.as_str()).collect()
    }

    fn said(rule: Rule, view: &KioskView) -> Condition {
        condition(rule, &config(), view, None, t0())
    }

    #[test]
    fn names_are_stable_and_read_back() {
        let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(
            names,
            ["offline", "paper_out", "paper_near_end", "printer_absent", "reader_absent", "answer_rate"]
        );
        for rule in Rule::ALL {
            assert_eq!(Rule::parse(rule.name()), Some(rule));
        }
        assert_eq!(Rule::parse("disk_full"), None);
    }

    #[test]
    fn a_healthy_kiosk_raises_nothing() {
        let outcome = evaluate(&config(), &[], &[kiosk()], None, t0());
        assert_eq!(outcome, Outcome::default());
    }

    #[test]
    fn offline_opens_only_after_offline_minutes_counted_from_online_since() {
        let gone = with(|v| {
            v.online = false;
            v.online_since = Some(t0());
        });
        let outcomes = run(
            &config(),
            &[
                (t0() + secs(60), gone.clone()),
                (t0() + secs(599), gone.clone()),
                (t0() + secs(600), gone.clone()),
                (t0() + secs(720), gone.clone()),
            ],
        );
        assert!(outcomes[0].opened.is_empty() && outcomes[1].opened.is_empty(), "{outcomes:?}");
        assert_eq!(rules(&outcomes[2].opened), ["offline"]);
        let alert = &outcomes[2].opened[0];
        assert_eq!(alert.message, "hors ligne depuis 10 min");
        assert_eq!((alert.site.as_str(), alert.kiosk_id.as_str()), ("mediatheque", "borne-01"));
        assert_eq!(alert.opened_at, t0() + secs(600));
        assert!(outcomes[3].opened.is_empty(), "one alert per incident");
        assert_eq!(outcomes[3].open.len(), 1);
        // Disabled: never.
        let off = AlertsConfig { offline_minutes: 0, ..config() };
        assert_eq!(condition(Rule::Offline, &off, &gone, None, t0() + Duration::days(9)), Condition::Clear);
        // Never seen at all: nothing to count from.
        let unseen = with(|v| {
            v.online = false;
            v.online_since = None;
            v.last_seen = None;
        });
        assert_eq!(said(Rule::Offline, &unseen), Condition::Unknown);
    }

    #[test]
    fn a_kiosk_that_comes_back_briefly_keeps_its_offline_alert() {
        let gone = with(|v| {
            v.online = false;
            v.online_since = Some(t0());
        });
        let back = with(|v| v.online_since = Some(t0() + secs(700)));
        // Offline again just after: less than offline_minutes, but enough to keep the alert.
        let gone_again = with(|v| {
            v.online = false;
            v.online_since = Some(t0() + secs(760));
        });
        let outcomes = run(
            &config(),
            &[
                (t0() + secs(600), gone),
                (t0() + secs(700), back.clone()),
                (t0() + secs(760), gone_again.clone()),
                (t0() + secs(1200), gone_again.clone()),
                (t0() + secs(1500), gone_again),
            ],
        );
        assert_eq!(rules(&outcomes[0].opened), ["offline"]);
        for outcome in &outcomes[1..] {
            assert!(outcome.opened.is_empty() && outcome.resolved.is_empty(), "{outcome:?}");
            assert_eq!(outcome.open.len(), 1);
        }
    }

    #[test]
    fn flapping_does_not_reopen_and_the_alert_closes_after_clear_after_secs_of_calm() {
        let out = with(|v| {
            v.paper = "out".into();
            v.printer = "paper_out".into();
        });
        let ok = kiosk();
        let outcomes = run(
            &config(),
            &[
                (t0(), out.clone()),
                (t0() + secs(30), ok.clone()),
                (t0() + secs(60), out.clone()),
                (t0() + secs(90), ok.clone()),
                (t0() + secs(120), out.clone()),
                (t0() + secs(150), ok.clone()),
                // 299 s of calm: still open.
                (t0() + secs(449), ok.clone()),
                // 300 s: closed.
                (t0() + secs(450), ok.clone()),
                (t0() + secs(480), ok.clone()),
            ],
        );
        assert_eq!(rules(&outcomes[0].opened), ["paper_out"]);
        let id = outcomes[0].opened[0].id.clone();
        for (i, outcome) in outcomes[1..7].iter().enumerate() {
            assert!(outcome.opened.is_empty(), "step {}: {outcome:?}", i + 1);
            assert!(outcome.resolved.is_empty(), "step {}: {outcome:?}", i + 1);
            assert_eq!(outcome.open.len(), 1);
            assert_eq!(outcome.open[0].alert.id, id, "the same alert throughout");
        }
        assert_eq!(outcomes[1].open[0].clear_since, Some(t0() + secs(30)));
        assert_eq!(outcomes[2].open[0].clear_since, None, "the condition came back");
        let resolved = &outcomes[7].resolved;
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0].alert.id, id);
        assert_eq!(resolved[0].alert.resolved_at, Some(t0() + secs(450)));
        assert!(outcomes[7].open.is_empty());
        assert_eq!(outcomes[8], Outcome::default(), "closed once");
        // After closing, the condition again is a new incident.
        let again = evaluate(&config(), &outcomes[8].open, &[out], None, t0() + secs(500));
        assert_eq!(rules(&again.opened), ["paper_out"]);
        assert_ne!(again.opened[0].id, id);
    }

    #[test]
    fn clear_after_zero_closes_at_the_first_clear_evaluation() {
        let config = AlertsConfig { clear_after_secs: 0, ..config() };
        let out = with(|v| v.paper = "out".into());
        let outcomes = run(&config, &[(t0(), out), (t0() + secs(15), kiosk())]);
        assert_eq!(outcomes[1].resolved.len(), 1);
    }

    #[test]
    fn paper_out_and_near_end() {
        let near = with(|v| {
            v.paper = "near_end".into();
            v.printer = "paper_near_end".into();
        });
        let out = with(|v| {
            v.paper = "out".into();
            v.printer = "paper_out".into();
        });
        assert_eq!(said(Rule::PaperOut, &out), Condition::Raise("plus de papier".into()));
        assert_eq!(said(Rule::PaperOut, &near), Condition::Clear);
        assert_eq!(said(Rule::PaperNearEnd, &near), Condition::Raise("papier bientôt épuisé".into()));
        assert_eq!(said(Rule::PaperNearEnd, &out), Condition::Holds, "out does not open near-end");
        assert_eq!(said(Rule::PaperNearEnd, &kiosk()), Condition::Clear);
        let cover = with(|v| {
            v.paper = "unknown".into();
            v.printer = "cover_open".into();
        });
        assert_eq!(said(Rule::PaperOut, &cover), Condition::Unknown, "refilling: cannot tell");
        let no_near_end = AlertsConfig { paper_near_end: false, ..config() };
        assert_eq!(condition(Rule::PaperNearEnd, &no_near_end, &near, None, t0()), Condition::Clear);
        // Near end, then out: the near-end alert stays open beside the new paper-out one, and
        // both close once the roll is changed.
        let outcomes = run(
            &config(),
            &[(t0(), near), (t0() + secs(60), out), (t0() + secs(120), kiosk()), (t0() + secs(420), kiosk())],
        );
        assert_eq!(rules(&outcomes[0].opened), ["paper_near_end"]);
        assert_eq!(rules(&outcomes[1].opened), ["paper_out"]);
        assert_eq!(outcomes[1].open.len(), 2);
        let closed: Vec<&str> = outcomes[3].resolved.iter().map(|t| t.alert.rule.as_str()).collect();
        assert_eq!(closed, ["paper_near_end", "paper_out"]);
    }

    #[test]
    fn printer_absent() {
        for (state, words) in
            [("offline", "hors ligne"), ("unplugged", "débranchée"), ("none", "non démarrée")]
        {
            let view = with(|v| {
                v.printer = state.into();
                v.paper = "unknown".into();
            });
            assert_eq!(
                said(Rule::PrinterAbsent, &view),
                Condition::Raise(format!("imprimante absente ({words})")),
                "{state}"
            );
        }
        for state in ["online", "paper_near_end", "paper_out", "cover_open"] {
            assert_eq!(said(Rule::PrinterAbsent, &with(|v| v.printer = state.into())), Condition::Clear);
        }
        assert_eq!(said(Rule::PrinterAbsent, &with(|v| v.printer = String::new())), Condition::Unknown);
        let starting = with(|v| {
            v.printer = "none".into();
            v.uptime_secs = Some(5);
        });
        assert_eq!(said(Rule::PrinterAbsent, &starting), Condition::Unknown);
        let off = AlertsConfig { printer_absent: false, ..config() };
        assert_eq!(
            condition(Rule::PrinterAbsent, &off, &with(|v| v.printer = "unplugged".into()), None, t0()),
            Condition::Clear
        );
    }

    #[test]
    fn reader_absent_waits_for_the_start_up_and_is_off_by_default() {
        let disconnected = with(|v| v.reader = "disconnected".into());
        assert_eq!(
            said(Rule::ReaderAbsent, &disconnected),
            Condition::Raise("lecteur de carte absent (déconnecté)".into())
        );
        let none = with(|v| v.reader = "none".into());
        assert_eq!(
            said(Rule::ReaderAbsent, &none),
            Condition::Raise("lecteur de carte absent (non démarré)".into())
        );
        let just_started = with(|v| {
            v.reader = "none".into();
            v.uptime_secs = Some(START_GRACE_SECS - 1);
        });
        assert_eq!(said(Rule::ReaderAbsent, &just_started), Condition::Unknown);
        assert_eq!(said(Rule::ReaderAbsent, &kiosk()), Condition::Clear);
        assert!(!AlertsConfig::default().reader_absent);
        assert_eq!(
            condition(Rule::ReaderAbsent, &AlertsConfig::default(), &disconnected, None, t0()),
            Condition::Clear
        );
    }

    #[test]
    fn answer_rate_needs_enough_questions() {
        let key = kiosk().key();
        let usage = |questions: u64, answered: u64| {
            HashMap::from([(key.clone(), UsagePoint { questions, answered, ..UsagePoint::default() })])
        };
        let low = usage(40, 19);
        assert_eq!(
            condition(Rule::AnswerRate, &config(), &kiosk(), Some(&low), t0()),
            Condition::Raise("taux de réponse 47 % sur 24 h (19 questions sur 40), seuil 50 %".into())
        );
        assert_eq!(
            condition(Rule::AnswerRate, &config(), &kiosk(), Some(&usage(40, 20)), t0()),
            Condition::Clear
        );
        assert_eq!(
            condition(Rule::AnswerRate, &config(), &kiosk(), Some(&usage(19, 0)), t0()),
            Condition::Unknown,
            "fewer than answer_rate_min_questions"
        );
        assert_eq!(
            condition(Rule::AnswerRate, &config(), &kiosk(), Some(&HashMap::new()), t0()),
            Condition::Unknown
        );
        assert_eq!(condition(Rule::AnswerRate, &config(), &kiosk(), None, t0()), Condition::Unknown);
        let off = AlertsConfig { answer_rate_below_percent: 0, ..config() };
        assert_eq!(condition(Rule::AnswerRate, &off, &kiosk(), Some(&low), t0()), Condition::Clear);
        // It applies to an offline kiosk too: the usage is history, not a device state.
        let gone = with(|v| v.online = false);
        assert!(matches!(
            condition(Rule::AnswerRate, &config(), &gone, Some(&low), t0()),
            Condition::Raise(_)
        ));
        let outcome = evaluate(&config(), &[], &[kiosk()], Some(&low), t0());
        assert_eq!(rules(&outcome.opened), ["answer_rate"]);
    }

    #[test]
    fn maintenance_opens_no_device_alert_but_lets_an_open_one_close() {
        let out_in_maintenance = with(|v| {
            v.paper = "out".into();
            v.maintenance = true;
        });
        let outcome = evaluate(&config(), &[], std::slice::from_ref(&out_in_maintenance), None, t0());
        assert!(outcome.opened.is_empty(), "{outcome:?}");
        // An alert opened before the maintenance stays open while the paper is out, and closes
        // once the technician has changed the roll.
        let out = with(|v| v.paper = "out".into());
        let refilled = with(|v| v.maintenance = true);
        let outcomes = run(
            &config(),
            &[
                (t0(), out),
                (t0() + secs(60), out_in_maintenance),
                (t0() + secs(120), refilled.clone()),
                (t0() + secs(420), refilled),
            ],
        );
        assert_eq!(outcomes[1].open.len(), 1);
        assert_eq!(outcomes[1].open[0].clear_since, None);
        assert_eq!(outcomes[3].resolved.len(), 1);
        // Offline still counts in maintenance.
        let gone = with(|v| {
            v.maintenance = true;
            v.online = false;
            v.online_since = Some(t0());
        });
        assert!(matches!(
            condition(Rule::Offline, &config(), &gone, None, t0() + secs(600)),
            Condition::Raise(_)
        ));
    }

    #[test]
    fn an_offline_kiosk_s_device_alerts_neither_open_nor_close() {
        let out_then_gone = with(|v| {
            v.online = false;
            v.online_since = Some(t0());
            v.paper = "out".into();
        });
        let outcome = evaluate(&config(), &[], std::slice::from_ref(&out_then_gone), None, t0() + secs(60));
        assert!(outcome.opened.is_empty(), "stale device state: {outcome:?}");
        // Open before it left, still open long after: it is not known to be refilled.
        let refilled_then_gone = with(|v| {
            v.online = false;
            v.online_since = Some(t0() + secs(30));
        });
        let outcomes = run(
            &config(),
            &[
                (t0(), with(|v| v.paper = "out".into())),
                (t0() + secs(60), refilled_then_gone.clone()),
                (t0() + Duration::hours(2), refilled_then_gone),
            ],
        );
        assert!(outcomes[2].resolved.is_empty());
        let open: Vec<&str> = outcomes[2].open.iter().map(|t| t.alert.rule.as_str()).collect();
        assert_eq!(open, ["paper_out", "offline"]);
    }

    #[test]
    fn alerts_loaded_from_the_database_are_carried_not_reopened() {
        let out = with(|v| v.paper = "out".into());
        let first = evaluate(&config(), &[], std::slice::from_ref(&out), None, t0());
        // As after a restart: the stored alert, without its clearing.
        let mut stored = first.opened[0].clone();
        stored.notified_at = Some(t0());
        let loaded = vec![Tracked::new(stored.clone())];
        let outcome = evaluate(&config(), &loaded, &[out], None, t0() + Duration::hours(1));
        assert!(outcome.opened.is_empty());
        assert_eq!(outcome.open, loaded);
        // A rule switched off since, or a kiosk no longer known: it clears.
        let off = AlertsConfig { printer_absent: false, ..config() };
        let mut printer = stored.clone();
        printer.rule = "printer_absent".into();
        let outcome = evaluate(&off, &[Tracked::new(printer)], &[kiosk()], None, t0());
        assert_eq!(outcome.open[0].clear_since, Some(t0()));
        let outcome = evaluate(&config(), &[Tracked::new(stored.clone())], &[], None, t0());
        assert_eq!(outcome.open[0].clear_since, Some(t0()));
        // A rule from a newer version: left alone.
        let mut future = stored;
        future.rule = "disk_full".into();
        let outcome =
            evaluate(&config(), &[Tracked::new(future)], &[kiosk()], None, t0() + Duration::days(1));
        assert_eq!((outcome.open.len(), outcome.open[0].clear_since), (1, None));
    }

    #[test]
    fn ids_depend_on_kiosk_rule_and_time_only() {
        let key = KioskKey::new("mediatheque", "borne-01");
        let id = alert_id(&key, Rule::PaperOut, t0());
        assert_eq!(id.len(), 16);
        assert_eq!(id, alert_id(&key, Rule::PaperOut, t0()));
        assert_ne!(id, alert_id(&key, Rule::PaperNearEnd, t0()));
        assert_ne!(id, alert_id(&key, Rule::PaperOut, t0() + Duration::milliseconds(1)));
    }

    #[test]
    fn durations_read_in_french() {
        assert_eq!(duration_fr(secs(59)), "0 min");
        assert_eq!(duration_fr(secs(12 * 60 + 5)), "12 min");
        assert_eq!(duration_fr(secs(2 * 3600 + 5 * 60)), "2 h 05");
        assert_eq!(duration_fr(Duration::hours(76)), "3 j 4 h");
        assert_eq!(duration_fr(secs(-5)), "0 min");
    }
}

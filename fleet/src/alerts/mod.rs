//! Alerts: rules evaluated over the fleet every `alerts.evaluate_every_secs`, stored in the
//! database (the dashboard and `GET /api/alerts` show them) and told to webhooks once per
//! incident. See `docs/fleet.md`, section "Alerts".
//!
//! - [`rules`]: the rules and their hysteresis, as a pure function (tested with a fake clock).
//! - [`webhook`]: the JSON body and one POST at a time.
//! - [`Engine`]: this file: the memory of open alerts (loaded from the database at start, so a
//!   restart notifies nothing again), the database writes and the delivery queue with its
//!   retries; [`run`] is the task `borne-fleet` spawns.
//!
//! Delivery: an alert's opening is told once; `notified_at` is written only when every webhook
//! has accepted it. A failed delivery is tried again at the following evaluations, after
//! [`RETRY_AFTER_SECS`], then given up (and logged); an opening still untold when `borne-fleet`
//! starts is tried again then. Its closing is told once, and only when its opening was: an alert
//! that closes before its opening could be told is told neither way. Only one instance may run
//! the rules (`alerts.enabled`): two would tell each incident twice.

pub mod rules;
pub mod webhook;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::AlertsConfig;
use crate::model::{AlertView, KioskKey, UsagePoint};
use crate::state::FleetState;
use crate::store::{Store, StoreError};
use rules::Tracked;
use webhook::{Notice, NoticeKind, WebhookError, Webhooks};

/// Seconds to wait before each new attempt at a failed delivery: with the first attempt, five in
/// all over about four minutes (attempts happen at evaluations, so never sooner than the next
/// one).
pub const RETRY_AFTER_SECS: [i64; 4] = [15, 30, 60, 120];

/// The answer-rate rule's usage is read from the database at most this often (it sums a window
/// of hours: a few minutes late changes nothing, and reading it is the engine's heaviest query).
pub const USAGE_REFRESH_SECS: i64 = 300;

/// Why the engine cannot start.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// The open alerts could not be read.
    #[error("cannot read the open alerts: {0}")]
    Store(#[from] StoreError),
    /// The webhooks' HTTP client could not be made.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
}

/// A notice waiting to be delivered.
#[derive(Debug)]
struct Pending {
    notice: Notice,
    /// Attempts that failed so far.
    failures: usize,
    /// Not before this time.
    next_at: DateTime<Utc>,
    /// Which webhooks have accepted it (a retry goes only to the others).
    delivered: Vec<bool>,
}

/// What one evaluation did (for logs and tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Alerts opened and stored.
    pub opened: usize,
    /// Alerts closed and stored.
    pub resolved: usize,
    /// Notices every webhook accepted.
    pub delivered: usize,
    /// Notices given up after their last attempt.
    pub abandoned: usize,
    /// Notices still waiting for a delivery.
    pub pending: usize,
}

/// The alert engine: evaluates the rules, stores the outcome, tells the webhooks.
#[derive(Debug)]
pub struct Engine {
    config: AlertsConfig,
    fleet: Arc<FleetState>,
    store: Store,
    webhooks: Option<Webhooks>,
    open: Vec<Tracked>,
    outbox: Vec<Pending>,
    usage: Option<(DateTime<Utc>, HashMap<KioskKey, UsagePoint>)>,
}

impl Engine {
    /// An engine that remembers the alerts the database has open. Openings never told (their
    /// delivery failed, or `borne-fleet` stopped before it) are queued for the first evaluation.
    pub async fn start(
        config: AlertsConfig,
        fleet: Arc<FleetState>,
        store: Store,
    ) -> Result<Self, AlertError> {
        let webhooks = Some(Webhooks::new(&config.webhooks)?).filter(|hooks| !hooks.is_empty());
        let mut loaded: Vec<AlertView> =
            store.alerts(Utc::now()).await?.into_iter().filter(|a| a.resolved_at.is_none()).collect();
        loaded.sort_by_key(|a| a.opened_at);
        let mut engine =
            Self { config, fleet, store, webhooks, open: Vec::new(), outbox: Vec::new(), usage: None };
        let mut seen = BTreeSet::new();
        for alert in loaded {
            if !seen.insert((alert.site.clone(), alert.kiosk_id.clone(), alert.rule.clone())) {
                // Two engines ran at once (`alerts.enabled` on two instances): keep the oldest.
                tracing::warn!(alert_id = %alert.id, rule = %alert.rule, kiosk = %kiosk(&alert),
                    "a second open alert for the same kiosk and rule: closed without notice");
                if let Err(e) = engine.store.alert_resolved(&alert.id, Utc::now()).await {
                    tracing::error!(alert_id = %alert.id, error = %e, "cannot close a duplicate alert");
                }
                continue;
            }
            if alert.notified_at.is_none() {
                engine.queue(NoticeKind::Opened, alert.clone(), DateTime::<Utc>::MIN_UTC);
            }
            engine.open.push(Tracked::new(alert));
        }
        Ok(engine)
    }

    /// The alerts open now, as the engine remembers them.
    pub fn open_alerts(&self) -> &[Tracked] {
        &self.open
    }

    /// One evaluation at `now`: rules, database, deliveries due.
    pub async fn tick(&mut self, now: DateTime<Utc>) -> TickReport {
        let mut report = TickReport::default();
        let kiosks = self.fleet.list();
        self.refresh_usage(now).await;
        let usage = self.usage.as_ref().map(|(_, usage)| usage);
        let outcome = rules::evaluate(&self.config, &self.open, &kiosks, usage, now);
        let mut open = outcome.open;
        for alert in outcome.opened {
            match self.store.alert_opened(&alert).await {
                Ok(()) => {
                    tracing::warn!(alert_id = %alert.id, rule = %alert.rule, kiosk = %kiosk(&alert), message = %alert.message, "alert opened");
                    report.opened += 1;
                    self.queue(NoticeKind::Opened, alert, now);
                }
                Err(e) => {
                    // Forgotten, so that the next evaluation opens it again.
                    tracing::error!(rule = %alert.rule, kiosk = %kiosk(&alert), error = %e, "cannot store an alert");
                    open.retain(|tracked| tracked.alert.id != alert.id);
                }
            }
        }
        for mut tracked in outcome.resolved {
            let alert = &tracked.alert;
            let at = alert.resolved_at.unwrap_or(now);
            match self.store.alert_resolved(&alert.id, at).await {
                Ok(()) => {
                    tracing::info!(alert_id = %alert.id, rule = %alert.rule, kiosk = %kiosk(alert), "alert resolved");
                    report.resolved += 1;
                    let untold = self
                        .outbox
                        .iter()
                        .position(|p| p.notice.kind == NoticeKind::Opened && p.notice.alert.id == alert.id);
                    if let Some(index) = untold {
                        tracing::info!(alert_id = %alert.id, "resolved before its opening could be told: neither is sent");
                        self.outbox.remove(index);
                    } else if alert.notified_at.is_some() {
                        self.queue(NoticeKind::Resolved, tracked.alert, now);
                    }
                }
                Err(e) => {
                    // Still open: the next evaluation closes it again (its clearing is kept).
                    tracing::error!(alert_id = %alert.id, error = %e, "cannot store an alert's closing");
                    tracked.alert.resolved_at = None;
                    open.push(tracked);
                }
            }
        }
        self.open = open;
        self.deliver(now, &mut report).await;
        report.pending = self.outbox.len();
        report
    }

    /// Reads the answer-rate window's usage when the rule is on and the last reading is old.
    async fn refresh_usage(&mut self, now: DateTime<Utc>) {
        if self.config.answer_rate_below_percent == 0 {
            self.usage = None;
            return;
        }
        let fresh = self.usage.as_ref().is_some_and(|(at, _)| {
            let age = now - *at;
            age >= chrono::Duration::zero() && age < chrono::Duration::seconds(USAGE_REFRESH_SECS)
        });
        if fresh {
            return;
        }
        let hours = i64::try_from(self.config.answer_rate_window_hours).unwrap_or(24 * 366).min(24 * 366);
        match self.store.usage_all(now - chrono::Duration::hours(hours)).await {
            Ok(points) => {
                let mut sums: HashMap<KioskKey, UsagePoint> = HashMap::new();
                for (key, point) in points {
                    sums.entry(key).or_default().add(&point);
                }
                self.usage = Some((now, sums));
            }
            // The previous reading, if any, serves until the database answers.
            Err(e) => tracing::warn!(error = %e, "cannot read the usage for the answer-rate rule"),
        }
    }

    /// Queues a notice (nothing when there is no webhook).
    fn queue(&mut self, kind: NoticeKind, alert: AlertView, at: DateTime<Utc>) {
        if let Some(webhooks) = &self.webhooks {
            let delivered = vec![false; webhooks.len()];
            self.outbox.push(Pending { notice: Notice { kind, alert }, failures: 0, next_at: at, delivered });
        }
    }

    /// Makes the attempts due at `now`. A webhook that fails is not tried again in the same
    /// evaluation, so that an unreachable receiver costs one time-out per evaluation, not one per
    /// notice.
    async fn deliver(&mut self, now: DateTime<Utc>, report: &mut TickReport) {
        let Some(webhooks) = &self.webhooks else { return };
        let mut down = vec![false; webhooks.len()];
        let mut index = 0;
        while index < self.outbox.len() {
            let pending = &mut self.outbox[index];
            if pending.next_at > now {
                index += 1;
                continue;
            }
            let payload = webhook::payload(&pending.notice);
            let mut failed = false;
            for (hook, done) in pending.delivered.iter_mut().enumerate() {
                if *done || down[hook] {
                    continue;
                }
                match webhooks.post(hook, &payload).await {
                    Ok(()) => *done = true,
                    Err(e) => {
                        tracing::warn!(alert_id = %payload.alert_id, state = payload.state.name(), attempt = pending.failures + 1, error = %e, "webhook delivery failed");
                        down[hook] = true;
                        failed = true;
                    }
                }
            }
            if pending.delivered.iter().all(|done| *done) {
                let pending = self.outbox.remove(index);
                report.delivered += 1;
                tracing::info!(alert_id = %payload.alert_id, state = payload.state.name(), "webhooks told");
                if pending.notice.kind == NoticeKind::Opened {
                    if let Err(e) = self.store.alert_notified(&payload.alert_id, now).await {
                        tracing::error!(alert_id = %payload.alert_id, error = %e, "cannot record the alert as notified");
                    }
                    if let Some(tracked) = self.open.iter_mut().find(|t| t.alert.id == payload.alert_id) {
                        tracked.alert.notified_at = Some(now);
                    }
                }
                continue;
            }
            if failed {
                pending.failures += 1;
                match RETRY_AFTER_SECS.get(pending.failures - 1) {
                    Some(wait) => pending.next_at = now + chrono::Duration::seconds(*wait),
                    None => {
                        tracing::error!(alert_id = %payload.alert_id, state = payload.state.name(), attempts = pending.failures,
                            "webhook delivery given up (the alert stays on the dashboard)");
                        self.outbox.remove(index);
                        report.abandoned += 1;
                        continue;
                    }
                }
            }
            index += 1;
        }
    }
}

fn kiosk(alert: &AlertView) -> String {
    format!("{}/{}", alert.site, alert.kiosk_id)
}

/// The alert task `borne-fleet` spawns: nothing when `alerts.enabled` is false; otherwise loads
/// the open alerts (trying again while the database does not answer) and evaluates every
/// `evaluate_every_secs`, the first time one interval after the start, forever.
pub async fn run(config: AlertsConfig, fleet: Arc<FleetState>, store: Store) {
    if !config.enabled {
        tracing::info!("alerts.enabled is false: this instance evaluates no alert rule");
        return;
    }
    let every = std::time::Duration::from_secs(config.evaluate_every_secs.max(1));
    let mut engine = loop {
        match Engine::start(config.clone(), Arc::clone(&fleet), store.clone()).await {
            Ok(engine) => break engine,
            Err(e) => {
                tracing::error!(error = %e, "cannot start the alert rules: trying again");
                tokio::time::sleep(every.max(std::time::Duration::from_secs(5))).await;
            }
        }
    };
    tracing::info!(
        open = engine.open_alerts().len(),
        webhooks = engine.webhooks.as_ref().map_or(0, Webhooks::len),
        every_secs = every.as_secs(),
        "alert rules running"
    );
    // Not at once: the kiosks' retained statuses come in first (a kiosk back online while
    // borne-fleet was stopped is still offline in the database).
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let report = engine.tick(Utc::now()).await;
        if report != TickReport::default() {
            tracing::debug!(?report, "alert rules evaluated");
        }
    }
}

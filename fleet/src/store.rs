//! The fleet's database: SQLite by default (one file, WAL), PostgreSQL for large fleets, through
//! sqlx's Any driver so that the same queries and the same migration run on both. Placeholders
//! are written `$1, $2…`, which both accept; times are milliseconds in BIGINT and booleans 0/1,
//! which both store the same way; sums are added up in Rust, not by SQL (PostgreSQL's `SUM` of a
//! BIGINT is a NUMERIC, which the Any driver cannot read).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::model::{
    AlertView, BannerView, CommandView, EventView, IncidentView, KioskKey, KioskView, StatusChange,
    UnansweredView, UsagePoint, from_millis, to_millis,
};

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is neither `sqlite:` nor `postgres:`.
    #[error("database url '{0}': use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB")]
    BadUrl(String),
    /// sqlx said no.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// One change to write; the ingest batches them into one transaction.
#[derive(Debug, Clone)]
pub enum Write {
    /// A status message: online or not, the version and run it announces. The history gets a
    /// row only when `online` changes in the database (several instances may see the same status).
    KioskStatus {
        /// Whose.
        key: KioskKey,
        /// Online or not.
        online: bool,
        /// When the fleet received it.
        at: DateTime<Utc>,
        /// The version announced.
        version: String,
        /// When the kiosk's run started.
        started_at: DateTime<Utc>,
    },
    /// The state a telemetry report gave (`last_seq` and the device columns); an older report
    /// (spool replay, another instance's late write) never overwrites a newer one.
    KioskReport(Box<KioskView>),
    /// Something was heard from the kiosk at this time.
    Seen {
        /// Whose.
        key: KioskKey,
        /// When.
        at: DateTime<Utc>,
    },
    /// A telemetry report's counters and device states.
    Telemetry {
        /// Whose.
        key: KioskKey,
        /// Its `seq`.
        seq: u64,
        /// Its counters (and time).
        usage: UsagePoint,
        /// Mean session length.
        mean_session_secs: Option<f64>,
        /// Printer, paper and reader states.
        devices: (String, String, String),
        /// Memory of the kiosk.
        memory_rss_bytes: Option<u64>,
        /// When the fleet received it.
        received_at: DateTime<Utc>,
    },
    /// An event, as sent.
    Event {
        /// Whose.
        key: KioskKey,
        /// Its `seq`, type, time and body.
        event: EventView,
    },
    /// An incident reported at the kiosk (kept once per ticket).
    Incident(IncidentView),
    /// A command's reply.
    Reply {
        /// The command id.
        id: String,
        /// Whose (a reply to a command the fleet did not send is still stored).
        key: KioskKey,
        /// The reply, as sent.
        reply: serde_json::Value,
        /// When it came.
        at: DateTime<Utc>,
    },
}

/// The database handle (cheap to clone).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: &'static str,
}

fn u(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

fn i(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn oi(value: Option<u64>) -> Option<i64> {
    value.map(i)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, backend, connections) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let url = if rest.contains("mode=") {
                url.to_string()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (url, "sqlite", 4)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (url.to_string(), "postgres", 8)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == "sqlite" {
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool, backend })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Writes a batch in one transaction. Messages seen before (same kiosk and `seq`) are
    /// ignored by the primary keys.
    pub async fn apply(&self, batch: &[Write]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for write in batch {
            match write {
                Write::KioskStatus { key, online, at, version, started_at } => {
                    sqlx::query(
                        "INSERT INTO status_history (site, kiosk_id, at, online, version) SELECT $1, $2, $3, $4, $5 \
                         WHERE NOT EXISTS (SELECT 1 FROM kiosks WHERE site = $1 AND kiosk_id = $2 AND online = $4)",
                    )
                    .bind(key.site.clone())
                    .bind(key.kiosk_id.clone())
                    .bind(to_millis(*at))
                    .bind(i64::from(*online))
                    .bind(version.clone())
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO kiosks (site, kiosk_id, online, online_since, last_seen, started_at, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (site, kiosk_id) DO UPDATE SET \
                         online_since = CASE WHEN kiosks.online = excluded.online AND kiosks.online_since IS NOT NULL \
                           THEN kiosks.online_since ELSE excluded.online_since END, \
                         online = excluded.online, started_at = excluded.started_at, version = excluded.version, \
                         last_seen = CASE WHEN excluded.last_seen IS NULL THEN kiosks.last_seen \
                           WHEN kiosks.last_seen IS NULL OR excluded.last_seen > kiosks.last_seen \
                           THEN excluded.last_seen ELSE kiosks.last_seen END",
                    )
                    .bind(key.site.clone())
                    .bind(key.kiosk_id.clone())
                    .bind(i64::from(*online))
                    .bind(to_millis(*at))
                    .bind(online.then(|| to_millis(*at)))
                    .bind(to_millis(*started_at))
                    .bind(version.clone())
                    .execute(&mut *tx)
                    .await?;
                }
                Write::KioskReport(k) => {
                    sqlx::query(
                        "INSERT INTO kiosks (site, kiosk_id, online, last_seen, version, content_version, printer, \
                         reader, paper, screen, alert_json, maintenance, uptime_secs, memory_rss_bytes, \
                         disk_free_bytes, spool_depth, last_seq) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) \
                         ON CONFLICT (site, kiosk_id) DO UPDATE SET \
                         last_seen = CASE WHEN kiosks.last_seen IS NULL OR excluded.last_seen > kiosks.last_seen \
                           THEN excluded.last_seen ELSE kiosks.last_seen END, \
                         version = excluded.version, content_version = excluded.content_version, \
                         printer = excluded.printer, reader = excluded.reader, paper = excluded.paper, \
                         screen = excluded.screen, alert_json = excluded.alert_json, \
                         maintenance = excluded.maintenance, uptime_secs = excluded.uptime_secs, \
                         memory_rss_bytes = excluded.memory_rss_bytes, disk_free_bytes = excluded.disk_free_bytes, \
                         spool_depth = excluded.spool_depth, last_seq = excluded.last_seq \
                         WHERE kiosks.last_seq IS NULL OR excluded.last_seq > kiosks.last_seq",
                    )
                    .bind(k.site.clone())
                    .bind(k.kiosk_id.clone())
                    .bind(i64::from(k.online))
                    .bind(k.last_seen.map(to_millis))
                    .bind(k.version.clone())
                    .bind(k.content_version.clone())
                    .bind(k.printer.clone())
                    .bind(k.reader.clone())
                    .bind(k.paper.clone())
                    .bind(k.screen.clone())
                    .bind(k.alert.as_ref().and_then(|a| serde_json::to_string(a).ok()))
                    .bind(i64::from(k.maintenance))
                    .bind(oi(k.uptime_secs))
                    .bind(oi(k.memory_rss_bytes))
                    .bind(oi(k.disk_free_bytes))
                    .bind(oi(k.spool_depth))
                    .bind(oi(k.last_seq))
                    .execute(&mut *tx)
                    .await?;
                }
                Write::Seen { key, at } => {
                    sqlx::query(
                        "INSERT INTO kiosks (site, kiosk_id, last_seen) VALUES ($1, $2, $3) \
                         ON CONFLICT (site, kiosk_id) DO UPDATE SET last_seen = excluded.last_seen \
                         WHERE kiosks.last_seen IS NULL OR excluded.last_seen > kiosks.last_seen",
                    )
                    .bind(key.site.clone())
                    .bind(key.kiosk_id.clone())
                    .bind(to_millis(*at))
                    .execute(&mut *tx)
                    .await?;
                }
                Write::Telemetry {
                    key,
                    seq,
                    usage,
                    mean_session_secs,
                    devices,
                    memory_rss_bytes,
                    received_at,
                } => {
                    sqlx::query(
                        "INSERT INTO telemetry (site, kiosk_id, seq, at, received_at, sessions, questions, answered, \
                         refused, helpful_yes, helpful_no, prints, cards_read, mean_session_secs, printer, paper, \
                         reader, memory_rss_bytes) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) \
                         ON CONFLICT (site, kiosk_id, seq) DO NOTHING",
                    )
                    .bind(key.site.clone())
                    .bind(key.kiosk_id.clone())
                    .bind(i(*seq))
                    .bind(to_millis(usage.at))
                    .bind(to_millis(*received_at))
                    .bind(i(usage.sessions))
                    .bind(i(usage.questions))
                    .bind(i(usage.answered))
                    .bind(i(usage.refused))
                    .bind(i(usage.helpful_yes))
                    .bind(i(usage.helpful_no))
                    .bind(i(usage.prints))
                    .bind(i(usage.cards_read))
                    .bind(*mean_session_secs)
                    .bind(devices.0.clone())
                    .bind(devices.1.clone())
                    .bind(devices.2.clone())
                    .bind(oi(*memory_rss_bytes))
                    .execute(&mut *tx)
                    .await?;
                }
                Write::Event { key, event } => {
                    sqlx::query(
                        "INSERT INTO events (site, kiosk_id, seq, at, kind, body) VALUES ($1,$2,$3,$4,$5,$6) \
                         ON CONFLICT (site, kiosk_id, seq) DO NOTHING",
                    )
                    .bind(key.site.clone())
                    .bind(key.kiosk_id.clone())
                    .bind(i(event.seq))
                    .bind(to_millis(event.at))
                    .bind(event.kind.clone())
                    .bind(event.body.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                Write::Incident(incident) => {
                    sqlx::query(
                        "INSERT INTO incidents (site, kiosk_id, ticket, at, category, description, status) \
                         VALUES ($1,$2,$3,$4,$5,$6,'new') ON CONFLICT (site, kiosk_id, ticket) DO NOTHING",
                    )
                    .bind(incident.site.clone())
                    .bind(incident.kiosk_id.clone())
                    .bind(incident.ticket.clone())
                    .bind(to_millis(incident.at))
                    .bind(incident.category.clone())
                    .bind(incident.description.clone())
                    .execute(&mut *tx)
                    .await?;
                }
                Write::Reply { id, key, reply, at } => {
                    let ok = reply.get("ok").and_then(serde_json::Value::as_bool).map(i64::from);
                    let updated =
                        sqlx::query("UPDATE commands SET reply = $1, reply_at = $2, ok = $3 WHERE id = $4")
                            .bind(reply.to_string())
                            .bind(to_millis(*at))
                            .bind(ok)
                            .bind(id.clone())
                            .execute(&mut *tx)
                            .await?;
                    if updated.rows_affected() == 0 {
                        let command = reply.get("command").and_then(|c| c.as_str()).unwrap_or("").to_string();
                        sqlx::query(
                            "INSERT INTO commands (id, site, kiosk_id, name, args, sent_at, sent_by, reply, reply_at, ok) \
                             VALUES ($1,$2,$3,$4,'{}',$5,'',$6,$5,$7) ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(id.clone())
                        .bind(key.site.clone())
                        .bind(key.kiosk_id.clone())
                        .bind(command)
                        .bind(to_millis(*at))
                        .bind(reply.to_string())
                        .bind(ok)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every known kiosk.
    pub async fn kiosks(&self) -> Result<Vec<KioskView>, StoreError> {
        let rows = sqlx::query("SELECT * FROM kiosks ORDER BY site, kiosk_id").fetch_all(&self.pool).await?;
        rows.iter().map(kiosk_of).collect()
    }

    /// Telemetry reports of one kiosk since a time, oldest first.
    pub async fn usage(&self, key: &KioskKey, since: DateTime<Utc>) -> Result<Vec<UsagePoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, sessions, questions, answered, refused, helpful_yes, helpful_no, prints, cards_read \
             FROM telemetry WHERE site = $1 AND kiosk_id = $2 AND at >= $3 ORDER BY at",
        )
        .bind(key.site.clone())
        .bind(key.kiosk_id.clone())
        .bind(to_millis(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(usage_of).collect()
    }

    /// Every kiosk's usage since a time, per kiosk (for KPIs and the answer-rate rule).
    pub async fn usage_all(&self, since: DateTime<Utc>) -> Result<Vec<(KioskKey, UsagePoint)>, StoreError> {
        let rows = sqlx::query(
            "SELECT site, kiosk_id, at, sessions, questions, answered, refused, helpful_yes, helpful_no, prints, \
             cards_read FROM telemetry WHERE at >= $1 ORDER BY at",
        )
        .bind(to_millis(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    KioskKey::new(row.try_get::<String, _>("site")?, row.try_get::<String, _>("kiosk_id")?),
                    usage_of(row)?,
                ))
            })
            .collect()
    }

    /// The latest events of one kiosk (all kinds, or those given), newest first.
    pub async fn events(
        &self,
        key: &KioskKey,
        kinds: &[&str],
        limit: i64,
    ) -> Result<Vec<EventView>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, kind, body FROM events WHERE site = $1 AND kiosk_id = $2 ORDER BY at DESC, seq DESC LIMIT $3",
        )
        .bind(key.site.clone())
        .bind(key.kiosk_id.clone())
        .bind(if kinds.is_empty() { limit } else { limit * 20 })
        .fetch_all(&self.pool)
        .await?;
        let mut events = Vec::new();
        for row in &rows {
            let kind: String = row.try_get("kind")?;
            if !kinds.is_empty() && !kinds.contains(&kind.as_str()) {
                continue;
            }
            events.push(EventView {
                seq: u(Some(row.try_get("seq")?)).unwrap_or(0),
                at: from_millis(row.try_get("at")?),
                kind,
                body: json(&row.try_get::<String, _>("body")?),
            });
            if events.len() as i64 >= limit {
                break;
            }
        }
        Ok(events)
    }

    /// Online/offline transitions of one kiosk, newest first.
    pub async fn status_history(&self, key: &KioskKey, limit: i64) -> Result<Vec<StatusChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, online, version FROM status_history WHERE site = $1 AND kiosk_id = $2 ORDER BY at DESC LIMIT $3",
        )
        .bind(key.site.clone())
        .bind(key.kiosk_id.clone())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StatusChange {
                    at: from_millis(row.try_get("at")?),
                    online: row.try_get::<i64, _>("online")? != 0,
                    version: row.try_get("version")?,
                })
            })
            .collect()
    }

    /// Unanswered questions reported since a time, newest first.
    pub async fn unanswered(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<UnansweredView>, StoreError> {
        let rows = sqlx::query(
            "SELECT site, kiosk_id, at, body FROM events WHERE kind = 'unanswered' AND at >= $1 ORDER BY at DESC LIMIT $2",
        )
        .bind(to_millis(since))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let body = json(&row.try_get::<String, _>("body")?);
                let text = |field: &str| body.get(field).and_then(|v| v.as_str()).map(str::to_string);
                Ok(UnansweredView {
                    site: row.try_get("site")?,
                    kiosk_id: row.try_get("kiosk_id")?,
                    at: from_millis(row.try_get("at")?),
                    question: text("question").unwrap_or_default(),
                    reason: text("reason").unwrap_or_default(),
                    nearest_id: text("nearest_id"),
                })
            })
            .collect()
    }

    /// Incidents, newest first; `status` filters.
    pub async fn incidents(&self, status: Option<&str>, limit: i64) -> Result<Vec<IncidentView>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM incidents WHERE ($1 = '' OR status = $1) ORDER BY at DESC LIMIT $2")
                .bind(status.unwrap_or("").to_string())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(IncidentView {
                    site: row.try_get("site")?,
                    kiosk_id: row.try_get("kiosk_id")?,
                    ticket: row.try_get("ticket")?,
                    at: from_millis(row.try_get("at")?),
                    category: row.try_get("category")?,
                    description: row.try_get("description")?,
                    status: row.try_get("status")?,
                    updated_at: row.try_get::<Option<i64>, _>("updated_at")?.map(from_millis),
                    updated_by: row.try_get("updated_by")?,
                })
            })
            .collect()
    }

    /// Changes an incident's status; false when there is no such incident.
    pub async fn set_incident_status(
        &self,
        key: &KioskKey,
        ticket: &str,
        status: &str,
        by: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE incidents SET status = $1, updated_at = $2, updated_by = $3 WHERE site = $4 AND kiosk_id = $5 AND ticket = $6",
        )
        .bind(status.to_string())
        .bind(to_millis(Utc::now()))
        .bind(by.to_string())
        .bind(key.site.clone())
        .bind(key.kiosk_id.clone())
        .bind(ticket.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records a command as sent.
    pub async fn command_sent(&self, command: &CommandView) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO commands (id, site, kiosk_id, name, args, sent_at, sent_by) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(command.id.clone())
        .bind(command.site.clone())
        .bind(command.kiosk_id.clone())
        .bind(command.command.clone())
        .bind(command.args.to_string())
        .bind(to_millis(command.sent_at))
        .bind(command.sent_by.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One command and its reply, if any.
    pub async fn command(&self, id: &str) -> Result<Option<CommandView>, StoreError> {
        let row = sqlx::query("SELECT * FROM commands WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(command_of).transpose()
    }

    /// The latest commands sent to a kiosk, newest first.
    pub async fn commands(&self, key: &KioskKey, limit: i64) -> Result<Vec<CommandView>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM commands WHERE site = $1 AND kiosk_id = $2 ORDER BY sent_at DESC LIMIT $3",
        )
        .bind(key.site.clone())
        .bind(key.kiosk_id.clone())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(command_of).collect()
    }

    /// Opens an alert.
    pub async fn alert_opened(&self, alert: &AlertView) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alerts (id, site, kiosk_id, rule, message, opened_at, resolved_at, notified_at) \
             VALUES ($1,$2,$3,$4,$5,$6,NULL,NULL)",
        )
        .bind(alert.id.clone())
        .bind(alert.site.clone())
        .bind(alert.kiosk_id.clone())
        .bind(alert.rule.clone())
        .bind(alert.message.clone())
        .bind(to_millis(alert.opened_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks an alert as told to the webhooks.
    pub async fn alert_notified(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE alerts SET notified_at = $1 WHERE id = $2")
            .bind(to_millis(at))
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes an alert.
    pub async fn alert_resolved(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE alerts SET resolved_at = $1 WHERE id = $2")
            .bind(to_millis(at))
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Open alerts, and those closed since `since`, newest first.
    pub async fn alerts(&self, since: DateTime<Utc>) -> Result<Vec<AlertView>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM alerts WHERE resolved_at IS NULL OR resolved_at >= $1 ORDER BY opened_at DESC",
        )
        .bind(to_millis(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AlertView {
                    id: row.try_get("id")?,
                    site: row.try_get("site")?,
                    kiosk_id: row.try_get("kiosk_id")?,
                    rule: row.try_get("rule")?,
                    message: row.try_get("message")?,
                    opened_at: from_millis(row.try_get("opened_at")?),
                    resolved_at: row.try_get::<Option<i64>, _>("resolved_at")?.map(from_millis),
                    notified_at: row.try_get::<Option<i64>, _>("notified_at")?.map(from_millis),
                })
            })
            .collect()
    }

    /// Saves a login session (the token's hash only).
    pub async fn session_saved(
        &self,
        token_hash: &str,
        user: &str,
        role: &str,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_name, role, csrf, expires_at) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(token_hash.to_string())
        .bind(user.to_string())
        .bind(role.to_string())
        .bind(csrf.to_string())
        .bind(to_millis(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live session: (user, role, csrf).
    pub async fn session(&self, token_hash: &str) -> Result<Option<(String, String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT user_name, role, csrf FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash.to_string())
        .bind(to_millis(Utc::now()))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.try_get("user_name")?, row.try_get("role")?, row.try_get("csrf")?))).transpose()
    }

    /// Ends a session.
    pub async fn session_ended(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes history older than `before` (open incidents and open alerts are kept) and expired
    /// sessions. Returns the number of rows deleted.
    pub async fn purge(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let cutoff = to_millis(before);
        let mut deleted = 0;
        for sql in [
            "DELETE FROM telemetry WHERE at < $1",
            "DELETE FROM events WHERE at < $1",
            "DELETE FROM status_history WHERE at < $1",
            "DELETE FROM commands WHERE sent_at < $1",
            "DELETE FROM alerts WHERE resolved_at IS NOT NULL AND resolved_at < $1",
            "DELETE FROM incidents WHERE status = 'resolved' AND at < $1",
        ] {
            deleted += sqlx::query(sql).bind(cutoff).execute(&self.pool).await?.rows_affected();
        }
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(to_millis(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(deleted)
    }

    /// Rows in the telemetry table (for tests and the health page).
    pub async fn telemetry_rows(&self, key: &KioskKey) -> Result<Vec<u64>, StoreError> {
        let rows = sqlx::query("SELECT seq FROM telemetry WHERE site = $1 AND kiosk_id = $2 ORDER BY seq")
            .bind(key.site.clone())
            .bind(key.kiosk_id.clone())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok(u(Some(row.try_get("seq")?)).unwrap_or(0))).collect()
    }
}

fn kiosk_of(row: &AnyRow) -> Result<KioskView, StoreError> {
    let alert: Option<String> = row.try_get("alert_json")?;
    Ok(KioskView {
        site: row.try_get("site")?,
        kiosk_id: row.try_get("kiosk_id")?,
        online: row.try_get::<i64, _>("online")? != 0,
        online_since: row.try_get::<Option<i64>, _>("online_since")?.map(from_millis),
        last_seen: row.try_get::<Option<i64>, _>("last_seen")?.map(from_millis),
        started_at: row.try_get::<Option<i64>, _>("started_at")?.map(from_millis),
        version: row.try_get("version")?,
        content_version: row.try_get("content_version")?,
        printer: row.try_get("printer")?,
        reader: row.try_get("reader")?,
        paper: row.try_get("paper")?,
        screen: row.try_get("screen")?,
        alert: alert.and_then(|a| serde_json::from_str::<BannerView>(&a).ok()),
        maintenance: row.try_get::<i64, _>("maintenance")? != 0,
        uptime_secs: u(row.try_get("uptime_secs")?),
        memory_rss_bytes: u(row.try_get("memory_rss_bytes")?),
        disk_free_bytes: u(row.try_get("disk_free_bytes")?),
        spool_depth: u(row.try_get("spool_depth")?),
        last_seq: u(row.try_get("last_seq")?),
    })
}

fn usage_of(row: &AnyRow) -> Result<UsagePoint, StoreError> {
    let n =
        |field: &str| -> Result<u64, StoreError> { Ok(u(Some(row.try_get::<i64, _>(field)?)).unwrap_or(0)) };
    Ok(UsagePoint {
        at: from_millis(row.try_get("at")?),
        sessions: n("sessions")?,
        questions: n("questions")?,
        answered: n("answered")?,
        refused: n("refused")?,
        helpful_yes: n("helpful_yes")?,
        helpful_no: n("helpful_no")?,
        prints: n("prints")?,
        cards_read: n("cards_read")?,
    })
}

fn command_of(row: &AnyRow) -> Result<CommandView, StoreError> {
    let reply: Option<String> = row.try_get("reply")?;
    Ok(CommandView {
        id: row.try_get("id")?,
        site: row.try_get("site")?,
        kiosk_id: row.try_get("kiosk_id")?,
        command: row.try_get("name")?,
        args: json(&row.try_get::<String, _>("args")?),
        sent_at: from_millis(row.try_get("sent_at")?),
        sent_by: row.try_get("sent_by")?,
        reply: reply.as_deref().map(json),
        reply_at: row.try_get::<Option<i64>, _>("reply_at")?.map(from_millis),
        ok: row.try_get::<Option<i64>, _>("ok")?.map(|v| v != 0),
    })
}

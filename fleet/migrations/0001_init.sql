-- Borne fleet: the schema, written once for SQLite and PostgreSQL (sqlx's Any driver runs the
-- same file on both). Times are milliseconds since 1970 (UTC) in BIGINT; booleans are 0/1.

CREATE TABLE kiosks (
    site TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    online BIGINT NOT NULL DEFAULT 0,
    online_since BIGINT,
    last_seen BIGINT,
    started_at BIGINT,
    version TEXT NOT NULL DEFAULT '',
    content_version TEXT NOT NULL DEFAULT '',
    printer TEXT NOT NULL DEFAULT '',
    reader TEXT NOT NULL DEFAULT '',
    paper TEXT NOT NULL DEFAULT '',
    screen TEXT NOT NULL DEFAULT '',
    alert_json TEXT,
    maintenance BIGINT NOT NULL DEFAULT 0,
    uptime_secs BIGINT,
    memory_rss_bytes BIGINT,
    disk_free_bytes BIGINT,
    spool_depth BIGINT,
    last_seq BIGINT,
    PRIMARY KEY (site, kiosk_id)
);

CREATE TABLE telemetry (
    site TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    sessions BIGINT NOT NULL,
    questions BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    helpful_yes BIGINT NOT NULL,
    helpful_no BIGINT NOT NULL,
    prints BIGINT NOT NULL,
    cards_read BIGINT NOT NULL,
    mean_session_secs DOUBLE PRECISION,
    printer TEXT NOT NULL,
    paper TEXT NOT NULL,
    reader TEXT NOT NULL,
    memory_rss_bytes BIGINT,
    PRIMARY KEY (site, kiosk_id, seq)
);
CREATE INDEX telemetry_at ON telemetry (at);
CREATE INDEX telemetry_kiosk_at ON telemetry (site, kiosk_id, at);

CREATE TABLE events (
    site TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (site, kiosk_id, seq)
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_kiosk_at ON events (site, kiosk_id, at);
CREATE INDEX events_kind_at ON events (kind, at);

CREATE TABLE status_history (
    site TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    online BIGINT NOT NULL,
    version TEXT NOT NULL DEFAULT ''
);
CREATE INDEX status_history_kiosk_at ON status_history (site, kiosk_id, at);

CREATE TABLE incidents (
    site TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    ticket TEXT NOT NULL,
    at BIGINT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    updated_at BIGINT,
    updated_by TEXT,
    PRIMARY KEY (site, kiosk_id, ticket)
);
CREATE INDEX incidents_at ON incidents (at);

CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    sent_by TEXT NOT NULL,
    reply TEXT,
    reply_at BIGINT,
    ok BIGINT
);
CREATE INDEX commands_kiosk_sent ON commands (site, kiosk_id, sent_at);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    message TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    resolved_at BIGINT,
    notified_at BIGINT
);
CREATE INDEX alerts_open ON alerts (resolved_at);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

//! Alerts: rules evaluated over the fleet every `alerts.evaluate_every_secs`, stored in the
//! database (the dashboard and `GET /api/alerts` show them) and told to webhooks once per
//! incident. See `docs/fleet-alerts.md`.
//!
//! - [`rules`]: the rules and their hysteresis, as a pure function (tested with a fake clock).

pub mod rules;

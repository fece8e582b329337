//! The fleet dashboard (`borne-fleet`): ingests every kiosk's MQTT status, telemetry and events,
//! stores their history and serves a web dashboard and API to the commune's IT staff.
//!
//! Map of the crate:
//!
//! - [`config`]: the TOML file, environment and flags; users, API tokens, alert rules.
//! - [`model`]: what the fleet knows about a kiosk, as the API returns it (a contract).
//! - [`state`]: the live picture of every kiosk, fed message by message, with de-duplication by
//!   `seq`.
//! - [`ingest`]: the persistent MQTT session and the batching writer (acknowledges only what is
//!   committed); shared subscriptions for several instances.
//! - [`store`]: SQLite or PostgreSQL through sqlx's Any driver: one schema, one set of queries.
//! - [`commands`]: commands to kiosks and their replies.
//! - [`alerts`]: the alert rules (with hysteresis) and their webhooks.
//! - [`web`]: the axum server: pages, JSON API, login, `/metrics`, OpenAPI.

pub mod alerts;
pub mod commands;
pub mod config;
pub mod ingest;
pub mod model;
pub mod state;
pub mod store;
pub mod web;

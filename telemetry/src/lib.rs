//! Telemetry and remote commands of a Borne kiosk over MQTT.
//!
//! Map of the crate (it grows with the MQTT client, messages and offline spool of issue 5):
//!
//! - [`topics`]: the topic names under `borne/{site}/{kiosk_id}/`, and the rules for the site and
//!   kiosk ids that appear in them.
//! - [`messages`]: the JSON status, telemetry, event, command and reply messages.
//! - [`client`]: the MQTT client (rumqttc, MQTT 5): status with Last Will, periodic telemetry,
//!   events, commands and replies, all through the spool.
//! - [`spool`]: the crash-safe on-disk spool that keeps telemetry and events until the broker
//!   has acknowledged them.

pub mod client;
pub mod messages;
pub mod spool;
pub mod topics;

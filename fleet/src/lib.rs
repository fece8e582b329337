//! The fleet dashboard (`borne-fleet`): ingests every kiosk's MQTT status, telemetry and events,
//! stores their history and serves a web dashboard and API to the commune's IT staff.
//!
//! This crate is empty on purpose until issue 7 builds it: no binary is shipped before it works.

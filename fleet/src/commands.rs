//! Sending commands to kiosks (`…/cmd/{name}`, QoS 1, never retained) and waiting for their
//! replies (`…/reply/{id}`). Every command is recorded with who sent it, and its reply when it
//! comes, so the kiosk page shows the history and a screenshot reply can be displayed.
//!
//! A reply is handed to the request that waits for it as soon as the ingest stores it; with
//! several instances sharing the subscriptions the reply may reach another instance, so the
//! waiting side also looks in the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use borne_telemetry::messages::COMMAND_NAMES;
use borne_telemetry::topics::check_level;
use chrono::Utc;
use rand::Rng;
use rumqttc::v5::AsyncClient;
use rumqttc::v5::mqttbytes::QoS;
use serde_json::{Map, Value};

use crate::model::{CommandView, KioskKey};
use crate::store::{Store, StoreError};

/// A command that cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Not one of the kiosk's commands.
    #[error("unknown command '{0}' (known: {known})", known = COMMAND_NAMES.join(", "))]
    Unknown(String),
    /// The site or kiosk id cannot be a topic level.
    #[error(transparent)]
    Topic(#[from] borne_telemetry::topics::InvalidTopicLevel),
    /// No broker configured.
    #[error("no broker: borne-fleet was started without --broker")]
    NoBroker,
    /// The MQTT client's queue is gone.
    #[error("cannot publish: {0}")]
    Publish(String),
    /// The database refused the record.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sends commands and hands replies to whoever waits for them.
pub struct CommandHub {
    client: Option<AsyncClient>,
    root: String,
    store: Store,
    /// Replies arrived for commands this instance sent, until their sender takes them.
    arrived: Mutex<HashMap<String, Value>>,
    /// Ids of commands this instance sent and still waits for.
    expected: Mutex<HashMap<String, std::time::Instant>>,
}

/// A fresh command id: `f` and 16 hex digits (letters and digits only, as the kiosk wants).
pub fn new_id() -> String {
    format!("f{:016x}", rand::rng().random::<u64>())
}

impl CommandHub {
    /// A hub publishing through `client` (none: commands are refused).
    pub fn new(client: Option<AsyncClient>, root: &str, store: Store) -> Self {
        Self {
            client,
            root: root.to_string(),
            store,
            arrived: Mutex::new(HashMap::new()),
            expected: Mutex::new(HashMap::new()),
        }
    }

    /// Records and publishes one command; returns its record (without reply yet). Call
    /// [`CommandHub::wait`] with its id to get the reply.
    pub async fn send(
        &self,
        key: &KioskKey,
        name: &str,
        args: Map<String, Value>,
        by: &str,
    ) -> Result<CommandView, CommandError> {
        if !COMMAND_NAMES.contains(&name) {
            return Err(CommandError::Unknown(name.to_string()));
        }
        check_level("site", &key.site)?;
        check_level("kiosk id", &key.kiosk_id)?;
        let client = self.client.as_ref().ok_or(CommandError::NoBroker)?;
        let id = new_id();
        let mut payload = args.clone();
        payload.insert("id".to_string(), Value::String(id.clone()));
        let record = CommandView {
            id: id.clone(),
            site: key.site.clone(),
            kiosk_id: key.kiosk_id.clone(),
            command: name.to_string(),
            args: Value::Object(args),
            sent_at: Utc::now(),
            sent_by: by.to_string(),
            reply: None,
            reply_at: None,
            ok: None,
        };
        self.store.command_sent(&record).await?;
        if let Ok(mut expected) = self.expected.lock() {
            // Forget what nobody waited for (a request that gave up).
            expected.retain(|_, sent| sent.elapsed() < Duration::from_secs(600));
            expected.insert(id.clone(), std::time::Instant::now());
        }
        let topic = format!("{}/{}/{}/cmd/{}", self.root, key.site, key.kiosk_id, name);
        let body = serde_json::to_vec(&Value::Object(payload)).unwrap_or_default();
        client
            .publish(topic, QoS::AtLeastOnce, false, body)
            .await
            .map_err(|e| CommandError::Publish(e.to_string()))?;
        tracing::info!(kiosk = %key, command = name, %id, by, "command sent");
        Ok(record)
    }

    /// Hands a stored reply to the request waiting for it (called by the ingest).
    pub fn deliver(&self, id: &str, reply: Value) {
        let expected = self.expected.lock().map(|mut e| e.remove(id).is_some()).unwrap_or(false);
        if expected && let Ok(mut arrived) = self.arrived.lock() {
            arrived.insert(id.to_string(), reply);
        }
    }

    /// Waits up to `timeout` for the reply to command `id`.
    pub async fn wait(&self, id: &str, timeout: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rounds = 0u32;
        loop {
            if let Some(reply) = self.arrived.lock().ok().and_then(|mut a| a.remove(id)) {
                return Some(reply);
            }
            // Another instance may have stored it (shared subscriptions).
            if rounds % 10 == 9
                && let Ok(Some(command)) = self.store.command(id).await
                && let Some(reply) = command.reply
            {
                self.forget(id);
                return Some(reply);
            }
            if tokio::time::Instant::now() >= deadline {
                self.forget(id);
                return None;
            }
            rounds += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn forget(&self, id: &str) {
        if let Ok(mut expected) = self.expected.lock() {
            expected.remove(id);
        }
        if let Ok(mut arrived) = self.arrived.lock() {
            arrived.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_letters_and_digits_the_kiosk_accepts() {
        let id = new_id();
        assert_eq!(id.len(), 17);
        assert!(check_level("id", &id).is_ok() && id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(new_id(), id);
    }
}

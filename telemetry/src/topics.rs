//! MQTT topic names of a kiosk. They are a contract with the fleet dashboard and outside tools:
//! `borne/{site}/{kiosk_id}/status`, `.../telemetry`, `.../event`, `.../cmd/{name}`,
//! `.../reply/{id}` (documented in `docs/mqtt.md`).

/// The default topic root.
pub const DEFAULT_ROOT: &str = "borne";

/// A site or kiosk id that cannot be used as an MQTT topic level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{value}' is not a valid {what}: use 1 to 64 letters, digits, '-' or '_' (no '/', '+', '#', spaces or accents)"
)]
pub struct InvalidTopicLevel {
    /// What was being named ("site", "kiosk id").
    pub what: &'static str,
    /// The rejected value.
    pub value: String,
}

/// Checks that `value` is usable as one topic level (and as a Mosquitto ACL `%u` user name).
pub fn check_level(what: &'static str, value: &str) -> Result<(), InvalidTopicLevel> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(InvalidTopicLevel { what, value: value.to_string() }) }
}

/// The topics of one kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskTopics {
    prefix: String,
}

impl KioskTopics {
    /// Topics for `kiosk_id` at `site` under `root` (usually [`DEFAULT_ROOT`]).
    pub fn new(root: &str, site: &str, kiosk_id: &str) -> Result<Self, InvalidTopicLevel> {
        check_level("site", site)?;
        check_level("kiosk id", kiosk_id)?;
        Ok(Self { prefix: format!("{}/{site}/{kiosk_id}", root.trim_end_matches('/')) })
    }

    /// `…/status`: retained online/offline state (and the Last Will).
    pub fn status(&self) -> String {
        format!("{}/status", self.prefix)
    }

    /// `…/telemetry`: periodic reports.
    pub fn telemetry(&self) -> String {
        format!("{}/telemetry", self.prefix)
    }

    /// `…/event`: discrete events.
    pub fn event(&self) -> String {
        format!("{}/event", self.prefix)
    }

    /// `…/cmd/#`: the filter for commands to this kiosk.
    pub fn commands_filter(&self) -> String {
        format!("{}/cmd/#", self.prefix)
    }

    /// `…/reply/{id}`: the answer to a command.
    pub fn reply(&self, command_id: &str) -> String {
        format!("{}/reply/{command_id}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_follow_the_documented_layout() {
        let t = KioskTopics::new("borne", "mediatheque", "borne-01").expect("valid");
        assert_eq!(t.status(), "borne/mediatheque/borne-01/status");
        assert_eq!(t.telemetry(), "borne/mediatheque/borne-01/telemetry");
        assert_eq!(t.event(), "borne/mediatheque/borne-01/event");
        assert_eq!(t.commands_filter(), "borne/mediatheque/borne-01/cmd/#");
        assert_eq!(t.reply("42"), "borne/mediatheque/borne-01/reply/42");
    }

    #[test]
    fn wildcards_and_separators_are_refused_in_ids() {
        for bad in ["", "a/b", "a+", "#", "é", "a b", &"x".repeat(65)] {
            assert!(check_level("kiosk id", bad).is_err(), "{bad:?} accepted");
        }
        let err = KioskTopics::new("borne", "site", "a/b").expect_err("refused");
        assert!(err.to_string().starts_with("'a/b' is not a valid kiosk id"));
    }
}

//! The configuration of `borne-fleet`: one TOML file (`--config`, default
//! `/etc/borne/fleet.toml` when it exists), `BORNE_FLEET_*` environment variables, then the
//! command-line flags, each overriding the one before. Every field has a default so that
//! `borne-fleet --broker mqtt://HOST:PORT --listen ADDR:PORT` is enough to start.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or an environment variable does not fit the schema.
    #[error("configuration: {0}")]
    Invalid(String),
    /// A secret file cannot be read, or is readable by others.
    #[error("{path}: {reason}")]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
}

/// Everything `borne-fleet` can be told.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FleetConfig {
    /// The MQTT broker and how to subscribe to it.
    pub broker: BrokerConfig,
    /// The web server.
    pub web: WebConfig,
    /// The database.
    pub database: DatabaseConfig,
    /// Who may log in.
    pub users: Vec<UserConfig>,
    /// Bearer tokens for the JSON API.
    pub api_tokens: Vec<ApiTokenConfig>,
    /// Alert rules and where they are sent.
    pub alerts: AlertsConfig,
}

/// `[broker]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrokerConfig {
    /// `mqtt://HOST:PORT` or `mqtts://HOST:PORT`; none: no ingest (the dashboard shows the
    /// database only).
    pub url: Option<String>,
    /// Topic root, as the kiosks use it.
    pub root: String,
    /// User name at the broker (`borne-fleet` in `deploy/mosquitto/acl`, or its `admin`).
    pub username: Option<String>,
    /// A file holding the password (one line, mode 600).
    pub password_file: Option<PathBuf>,
    /// The password itself (prefer `password_file`).
    pub password: Option<String>,
    /// The MQTT client id; must differ between instances of a shared group.
    pub client_id: String,
    /// MQTT 5 shared-subscription group: when set, telemetry and events are taken through
    /// `$share/{group}/…` so that several instances share the load.
    pub share_group: Option<String>,
    /// Keep-alive in seconds.
    pub keep_alive_secs: u64,
    /// CA that signed the broker's certificate (`mqtts://`).
    pub ca_file: Option<PathBuf>,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            url: None,
            root: borne_telemetry::topics::DEFAULT_ROOT.to_string(),
            username: None,
            password_file: None,
            password: None,
            client_id: "borne-fleet".to_string(),
            share_group: None,
            keep_alive_secs: 30,
            ca_file: None,
        }
    }
}

/// `[web]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// Whether the session cookie is marked `Secure` (true behind an HTTPS reverse proxy; false
    /// only for a plain-HTTP test on localhost).
    pub secure_cookies: bool,
    /// How long a login lasts, in hours.
    pub session_hours: u64,
    /// Failed logins allowed per client address and per user name in `login_window_secs`.
    pub login_attempts: u32,
    /// The window of `login_attempts`, in seconds.
    pub login_window_secs: u64,
    /// Default language of the pages (`fr` or `en`).
    pub lang: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_string(),
            secure_cookies: true,
            session_hours: 12,
            login_attempts: 5,
            login_window_secs: 300,
            lang: "fr".to_string(),
        }
    }
}

/// `[database]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite:///var/lib/borne-fleet/fleet.db` (default) or `postgres://USER:PASS@HOST/DB`.
    pub url: String,
    /// Days of telemetry, events and command history kept.
    pub retention_days: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://fleet.db".to_string(), retention_days: 90 }
    }
}

/// A role: what a logged-in person or a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees everything, changes nothing.
    Viewer,
    /// Also sends commands and updates incidents.
    Operator,
}

impl Role {
    /// The stable name (`viewer`, `operator`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
}

/// `[[users]]`: one person who may log in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Login name.
    pub name: String,
    /// Argon2 PHC string (`borne-fleet hash-password` makes one).
    pub password_hash: String,
    /// What they may do.
    pub role: Role,
}

/// `[[api_tokens]]`: a bearer token for the JSON API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenConfig {
    /// A name for the logs (never the token).
    pub name: String,
    /// The token (at least 16 characters).
    pub token: String,
    /// `viewer` (read-only, the default) or `operator` (may send commands).
    #[serde(default = "viewer")]
    pub role: Role,
}

fn viewer() -> Role {
    Role::Viewer
}

/// `[alerts]`: the rules and the webhooks they are sent to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Whether this instance evaluates the rules and sends the webhooks (default true). Several
    /// instances sharing one database would each open and notify the same incidents: leave it
    /// true on exactly one of them and set it to false on the others (`docs/fleet.md`, section "Alerts").
    pub enabled: bool,
    /// Webhook URLs (Mattermost, Slack, Teams incoming webhooks or any JSON receiver).
    pub webhooks: Vec<String>,
    /// Raise "offline" after this many minutes without the kiosk (0: never).
    pub offline_minutes: u64,
    /// Raise on paper near end (the paper-out alert is always raised).
    pub paper_near_end: bool,
    /// Raise when the printer is absent (unplugged, offline, none).
    pub printer_absent: bool,
    /// Raise when the card reader is disconnected.
    pub reader_absent: bool,
    /// Raise when fewer than this percentage of questions were answered in the last
    /// `answer_rate_window_hours` (0: never).
    pub answer_rate_below_percent: u64,
    /// The window of the answer-rate rule, in hours.
    pub answer_rate_window_hours: u64,
    /// Questions needed in the window before the answer rate means anything.
    pub answer_rate_min_questions: u64,
    /// A condition must have been clear this long before its alert closes (hysteresis).
    pub clear_after_secs: u64,
    /// How often the rules are evaluated, in seconds.
    pub evaluate_every_secs: u64,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            webhooks: Vec::new(),
            offline_minutes: 10,
            paper_near_end: true,
            printer_absent: true,
            reader_absent: false,
            answer_rate_below_percent: 50,
            answer_rate_window_hours: 24,
            answer_rate_min_questions: 20,
            clear_after_secs: 300,
            evaluate_every_secs: 15,
        }
    }
}

impl FleetConfig {
    /// Reads the file (when given or present at the default path) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(FleetConfig::default()));
        let default_path = Path::new("/etc/borne/fleet.toml");
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError::Invalid(format!("{}: no such file", path.display())));
                }
                figment = figment.merge(Toml::file(path));
            }
            None if default_path.exists() => figment = figment.merge(Toml::file(default_path)),
            None => {}
        }
        // BORNE_FLEET_BROKER and BORNE_FLEET_API_TOKEN are the flags' own variables, not keys.
        figment = figment.merge(Env::prefixed("BORNE_FLEET_").ignore(&["broker", "api_token"]).split("__"));
        let config: FleetConfig = figment.extract().map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// Refuses values that cannot work, naming the field.
    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        for token in &self.api_tokens {
            if token.token.len() < 16 {
                return bad(format!("api_tokens '{}': token shorter than 16 characters", token.name));
            }
        }
        for user in &self.users {
            if argon2::PasswordHash::new(&user.password_hash).is_err() {
                return bad(format!(
                    "users '{}': password_hash is not an argon2 PHC string (make one with `borne-fleet hash-password`)",
                    user.name
                ));
            }
        }
        if !matches!(self.web.lang.as_str(), "fr" | "en") {
            return bad(format!("web.lang '{}': use fr or en", self.web.lang));
        }
        if let Some(group) = &self.broker.share_group
            && (group.is_empty() || group.contains(['/', '+', '#']))
        {
            return bad(format!("broker.share_group '{group}': one topic level without / + #"));
        }
        if self.alerts.evaluate_every_secs == 0 {
            return bad("alerts.evaluate_every_secs: at least 1".to_string());
        }
        Ok(())
    }

    /// The broker password: from `password_file` (which must be mode 600) or `password`.
    pub fn broker_password(&self) -> Result<Option<String>, ConfigError> {
        if let Some(path) = &self.broker.password_file {
            let secret = |reason: String| ConfigError::SecretFile { path: path.clone(), reason };
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path).map_err(|e| secret(e.to_string()))?.permissions().mode();
                if mode & 0o077 != 0 {
                    return Err(secret(format!(
                        "readable by others (mode {:o}): chmod 600 it",
                        mode & 0o777
                    )));
                }
            }
            let text = std::fs::read_to_string(path).map_err(|e| secret(e.to_string()))?;
            return Ok(Some(text.lines().next().unwrap_or_default().to_string()));
        }
        Ok(self.broker.password.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_a_short_token_is_refused() {
        FleetConfig::default().check().expect("defaults");
        let mut config = FleetConfig::default();
        config.api_tokens.push(ApiTokenConfig {
            name: "grafana".into(),
            token: "short".into(),
            role: Role::Viewer,
        });
        let error = config.check().expect_err("short token").to_string();
        assert!(error.contains("grafana"), "{error}");
    }

    #[test]
    fn a_user_without_an_argon2_hash_is_refused_by_name() {
        let mut config = FleetConfig::default();
        config.users.push(UserConfig {
            name: "alice".into(),
            password_hash: "secret".into(),
            role: Role::Operator,
        });
        let error = config.check().expect_err("plain password").to_string();
        assert!(error.contains("alice") && error.contains("hash-password"), "{error}");
    }

    #[test]
    fn the_documented_configuration_file_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/fleet.toml");
        let documented = FleetConfig::load(Some(&path)).expect("deploy/fleet.toml");
        let json = |c: &FleetConfig| serde_json::to_value(c).expect("json");
        assert_eq!(
            json(&documented),
            json(&FleetConfig::default()),
            "deploy/fleet.toml drifted from the defaults"
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure returns figment's own error type.
    fn the_flags_variables_are_not_read_as_keys() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("BORNE_FLEET_BROKER", "mqtt://127.0.0.1:1883");
            jail.set_env("BORNE_FLEET_API_TOKEN", "a-token-of-sixteen-chars");
            jail.set_env("BORNE_FLEET_WEB__LISTEN", "0.0.0.0:9000");
            let config = FleetConfig::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.web.listen, "0.0.0.0:9000");
            Ok(())
        });
    }

    #[test]
    fn a_file_with_an_unknown_field_names_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fleet.toml");
        std::fs::write(&path, "[web]\nlisten = \"127.0.0.1:1\"\nlissen = 3\n").expect("write");
        let error = FleetConfig::load(Some(&path)).expect_err("unknown field").to_string();
        assert!(error.contains("lissen"), "{error}");
    }
}

//! What the fleet's end-to-end tests share: the real `borne-fleet` binary started on a free port
//! against a test Mosquitto (`telemetry/tests/support`), an HTTP client for its API, and kiosks
//! simulated by the kiosk's own MQTT client (`borne_telemetry::client`), so that the fleet reads
//! exactly the bytes a kiosk sends.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use borne_telemetry::client::{self, BrokerUrl, ClientConfig, CommandHandler, KioskProbe, TelemetryHandle};
use borne_telemetry::messages::{Command as KioskCommand, KioskState, Outcome, Usage};
use borne_telemetry::spool::{Spool, SpoolLimits};

pub mod postgres;

#[path = "../../../telemetry/tests/support/mod.rs"]
pub mod mqtt;

/// The operator token the tests' configuration declares.
pub const OPERATOR_TOKEN: &str = "operator-token-0123456789";
/// The read-only token given with `--api-token`.
pub const VIEWER_TOKEN: &str = "viewer-token-0123456789";

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A running `borne-fleet`.
pub struct Fleet {
    /// Its web address, `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its directory (database, configuration, log).
    pub dir: PathBuf,
    child: Option<Child>,
    port: u16,
    broker_url: String,
    extra: Vec<String>,
}

impl Fleet {
    /// Writes the configuration (admin credentials for the broker, one operator token, the
    /// given TOML appended) and starts the binary; waits for `/healthz`.
    pub fn start(dir: &Path, broker_url: &str, toml: &str, extra: &[&str]) -> Fleet {
        std::fs::create_dir_all(dir).expect("fleet dir");
        let password = dir.join("broker-password");
        std::fs::write(&password, "adminpw\n").expect("password");
        set_mode_600(&password);
        let config = format!(
            "[broker]\nusername = \"admin\"\npassword_file = \"{}\"\n\n[[api_tokens]]\nname = \"ops\"\ntoken = \"{OPERATOR_TOKEN}\"\nrole = \"operator\"\n\n{toml}",
            password.display()
        );
        std::fs::write(dir.join("fleet.toml"), config).expect("config");
        let mut fleet = Fleet {
            base: String::new(),
            dir: dir.to_path_buf(),
            child: None,
            port: free_port(),
            broker_url: broker_url.to_string(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        fleet.base = format!("http://127.0.0.1:{}", fleet.port);
        fleet.restart();
        fleet
    }

    /// The database URL used.
    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.dir.join("fleet.db").display())
    }

    /// Starts it again (same port, database and configuration).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("fleet.log"))
            .expect("log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_borne-fleet"));
        command
            .arg("--config")
            .arg(self.dir.join("fleet.toml"))
            .args(["--broker", &self.broker_url, "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--api-token", VIEWER_TOKEN, "--insecure-cookies"])
            .env("RUST_LOG", "info,borne_fleet=debug,sqlx=warn");
        if !self.extra.iter().any(|a| a == "--db") {
            command.args(["--db", &self.db_url()]);
        }
        command.args(&self.extra);
        let child = command.stdout(Stdio::null()).stderr(log).spawn().expect("start borne-fleet");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = http_get_blocking(&format!("{}/healthz", self.base), None)
                && response.0 == 200
            {
                break;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("borne-fleet exited ({status}):\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "borne-fleet did not answer /healthz:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it: SIGTERM, or SIGKILL.
    pub fn stop(&mut self, kill: bool) {
        if let Some(mut child) = self.child.take() {
            let signal = if kill { "-KILL" } else { "-TERM" };
            let _ = Command::new("kill").arg(signal).arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("fleet.log")).unwrap_or_default()
    }

    /// `GET path` with a bearer token: (status, body).
    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        http_get_blocking(&format!("{}{path}", self.base), token).expect("GET")
    }

    /// `GET path` as JSON with the viewer token, asserting 200.
    pub fn json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path, Some(VIEWER_TOKEN));
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    /// `POST path` with a JSON body and a bearer token: (status, body).
    pub fn post(&self, path: &str, token: &str, body: &serde_json::Value) -> (u16, String) {
        let url = format!("{}{path}", self.base);
        let body = body.clone();
        let token = token.to_string();
        runtime().block_on(async move {
            let response =
                reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await.expect("POST");
            (response.status().as_u16(), response.text().await.unwrap_or_default())
        })
    }

    /// Polls `GET path` (viewer) until `pred` holds, or panics with the last body and the log.
    pub fn wait_json(
        &self,
        what: &str,
        path: &str,
        timeout: Duration,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        loop {
            let (status, body) = self.get(path, Some(VIEWER_TOKEN));
            if status == 200
                && let Ok(value) = serde_json::from_str::<serde_json::Value>(&body)
                && pred(&value)
            {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; last {status} {body}\nlog:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.stop(true);
    }
}

fn set_mode_600(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        // reqwest's rustls needs a crypto provider: ring, as everywhere in Borne.
        let _ = rustls::crypto::ring::default_provider().install_default();
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
    })
}

/// `GET url` with an optional bearer token: (status, body).
pub fn http_get_blocking(url: &str, token: Option<&str>) -> Result<(u16, String), reqwest::Error> {
    let url = url.to_string();
    let token = token.map(str::to_string);
    runtime().block_on(async move {
        let mut request = reqwest::Client::new().get(url).timeout(Duration::from_secs(10));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        Ok((response.status().as_u16(), response.text().await.unwrap_or_default()))
    })
}

/// What a simulated kiosk reports, changeable by the test.
#[derive(Default)]
pub struct Probe {
    /// The state returned at the next report.
    pub state: Mutex<KioskState>,
}

impl KioskProbe for Probe {
    fn state(&self) -> KioskState {
        let mut state = self.state.lock().map(|s| s.clone()).unwrap_or_default();
        // Usage counts since the previous report: reported once.
        if let Ok(mut kept) = self.state.lock() {
            kept.usage = Usage::default();
        }
        state.screen = "touchscreen".into();
        state
    }
}

/// Answers `ping` and `alert` like a kiosk, refuses the rest.
pub struct Handler;

impl CommandHandler for Handler {
    fn handle(&self, command: &KioskCommand) -> Outcome {
        match command.name.as_str() {
            "ping" => {
                let mut data = serde_json::Map::new();
                data.insert("version".into(), "0.1.0-sim".into());
                Outcome::ok_with(data)
            }
            "alert" => {
                let mut data = serde_json::Map::new();
                data.insert("alert".into(), serde_json::Value::Object(command.args.clone()));
                data.insert("shown".into(), true.into());
                Outcome::ok_with(data)
            }
            other => Outcome::failed(format!("{other}: not in this simulation")),
        }
    }
}

/// A kiosk simulated in this process with the kiosk's real MQTT client.
pub struct SimKiosk {
    /// What it reports.
    pub probe: Arc<Probe>,
    /// The client.
    pub handle: Option<TelemetryHandle>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl SimKiosk {
    /// Starts kiosk `kiosk_id` (a user of the test broker: `kiosk1` or `kiosk2`) of `site`,
    /// reporting every `interval_secs`, spooling in `spool_dir` when given.
    pub fn start(
        broker_url: &str,
        site: &str,
        kiosk_id: &str,
        interval_secs: u64,
        spool_dir: Option<&Path>,
    ) -> SimKiosk {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
        let url = BrokerUrl::parse(broker_url).expect("url");
        let mut config = ClientConfig::new(url, "borne", site, kiosk_id);
        config.interval = Duration::from_secs(interval_secs);
        config.keep_alive = Duration::from_secs(5);
        config.version = "0.1.0-sim".into();
        let password =
            mqtt::USERS.iter().find(|(u, _)| *u == kiosk_id).map(|(_, p)| *p).expect("a test broker user");
        config.credentials = Some((kiosk_id.to_string(), password.to_string()));
        let spool = match spool_dir {
            Some(dir) => {
                Spool::open(dir, SpoolLimits::default(), borne_telemetry::spool::SyncPolicy::EveryRecord)
                    .expect("spool")
            }
            None => Spool::in_memory(SpoolLimits::default()),
        };
        let probe = Arc::new(Probe::default());
        if let Ok(mut state) = probe.state.lock() {
            state.content_version = "demo-1".into();
            state.printer = "online".into();
            state.reader = "connected".into();
            state.paper = "ok".into();
        }
        let handle = {
            let _guard = runtime.enter();
            client::start(config, spool, Arc::clone(&probe) as Arc<dyn KioskProbe>, Arc::new(Handler))
                .expect("client")
        };
        SimKiosk { probe, handle: Some(handle), runtime: Some(runtime) }
    }

    /// Sends an event now.
    pub fn event(&self, kind: borne_telemetry::messages::EventKind) {
        if let Some(handle) = &self.handle {
            handle.event(kind);
        }
    }

    /// Stops cleanly (publishes `online: false`).
    pub fn stop(mut self) {
        if let (Some(handle), Some(runtime)) = (self.handle.take(), self.runtime.take()) {
            runtime.block_on(handle.shutdown());
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }

    /// Dies without a word: the connection drops and the broker publishes the Last Will.
    pub fn crash(mut self) {
        if let Some(handle) = self.handle.take() {
            std::mem::forget(handle);
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for SimKiosk {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

//! A real Mosquitto for the tests: started on a free loopback port with a generated password file
//! and ACL in a temporary directory, stopped (by its own PID) when dropped; and a watcher, the
//! `mosquitto_sub` command-line client, recording everything under `borne/#` as an admin would.
//!
//! When `mosquitto` is not installed the tests fail, loudly: `scripts/setup.sh` installs it.
//! Set `BORNE_SKIP_MQTT_TESTS=1` to skip them on a development machine without it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// The users of the generated password file: (name, password).
pub const USERS: [(&str, &str); 3] = [("admin", "adminpw"), ("kiosk1", "kiosk1pw"), ("kiosk2", "kiosk2pw")];

/// The ACL documented in docs/mqtt.md: a kiosk writes only under its own prefix.
pub const ACL: &str = "\
user admin
topic readwrite #

pattern write borne/+/%u/status
pattern write borne/+/%u/telemetry
pattern write borne/+/%u/event
pattern write borne/+/%u/reply/#
pattern read borne/+/%u/cmd/#
";

/// Whether the MQTT tests should run (false only with BORNE_SKIP_MQTT_TESTS=1).
pub fn enabled() -> bool {
    if std::env::var("BORNE_SKIP_MQTT_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("BORNE_SKIP_MQTT_TESTS=1: MQTT test skipped");
        return false;
    }
    let found = Command::new("mosquitto").arg("-h").output().is_ok();
    assert!(
        found,
        "mosquitto is not installed: run scripts/setup.sh (apt-get install mosquitto mosquitto-clients), \
         or set BORNE_SKIP_MQTT_TESTS=1 to skip the MQTT tests"
    );
    true
}

/// A running Mosquitto.
pub struct Broker {
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// Its TLS port on 127.0.0.1, when started with [`Broker::start_with_tls`].
    pub tls_port: Option<u16>,
    /// Its TLS port that requires a client certificate (whose CN is the user name).
    pub mtls_port: Option<u16>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

impl Broker {
    /// Starts a broker with persistence, the password file and the ACL.
    pub fn start() -> Broker {
        Self::start_inner(false)
    }

    /// The same, with a second listener speaking TLS with a certificate from a test CA
    /// ([`Broker::path`]`("ca.pem")`; another CA, `other-ca.pem`, did not sign it).
    pub fn start_with_tls() -> Broker {
        Self::start_inner(true)
    }

    fn start_inner(tls: bool) -> Broker {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let d = dir.path();
        let tls_port = tls.then(|| {
            make_certificates(d);
            free_port()
        });
        let mtls_port = tls.then(free_port);
        std::fs::create_dir(d.join("data")).expect("data dir");
        let passwd = d.join("passwd");
        for (i, (user, password)) in USERS.iter().enumerate() {
            let mut cmd = Command::new("mosquitto_passwd");
            if i == 0 {
                cmd.arg("-c");
            }
            let status =
                cmd.arg("-b").arg(&passwd).arg(user).arg(password).status().expect("mosquitto_passwd");
            assert!(status.success());
        }
        std::fs::write(d.join("acl"), ACL).expect("acl");
        let conf = format!(
            "per_listener_settings false\nallow_anonymous false\npassword_file {}\nacl_file {}\n\
             persistence true\npersistence_location {}/\nautosave_interval 1\nlog_dest stderr\n\
             log_type error\nlog_type warning\nlog_type notice\nlog_type information\n\
             listener {port} 127.0.0.1\nmax_queued_messages 100000\n",
            passwd.display(),
            d.join("acl").display(),
            d.join("data").display()
        );
        let mut conf = conf;
        if let (Some(tls_port), Some(mtls_port)) = (tls_port, mtls_port) {
            let files = format!(
                "cafile {}\ncertfile {}\nkeyfile {}\n",
                d.join("ca.pem").display(),
                d.join("server.pem").display(),
                d.join("server.key").display()
            );
            conf.push_str(&format!("listener {tls_port} 127.0.0.1\n{files}"));
            conf.push_str(&format!(
                "listener {mtls_port} 127.0.0.1\n{files}require_certificate true\nuse_identity_as_username true\n"
            ));
        }
        std::fs::write(d.join("mosquitto.conf"), conf).expect("conf");
        if is_root() {
            // Mosquitto started as root drops to the `mosquitto` user before reading its files.
            let status = Command::new("chown").arg("-R").arg("mosquitto:").arg(d).status().expect("chown");
            assert!(status.success(), "chown to mosquitto failed");
            for f in ["passwd", "acl"] {
                let _ = Command::new("chmod").arg("0600").arg(d.join(f)).status();
            }
        }
        let mut broker = Broker { port, tls_port, mtls_port, dir, child: None };
        broker.restart();
        broker
    }

    /// The broker's log file.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    /// The URL for the kiosk.
    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// Starts the broker again (same port, same persistence) after [`Broker::stop`].
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("mosquitto.log"))
            .expect("log");
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(self.dir.path().join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start mosquitto");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto did not start:\n{}", self.log());
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("mosquitto exited ({status}):\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the broker: SIGTERM (it saves its sessions and queued messages), or SIGKILL.
    pub fn stop(&mut self, kill: bool) {
        if let Some(mut child) = self.child.take() {
            let signal = if kill { "-KILL" } else { "-TERM" };
            let _ = Command::new("kill").arg(signal).arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// Publishes as admin with `mosquitto_pub` (QoS 1).
    pub fn publish(&self, topic: &str, payload: &str) {
        let status = Command::new("mosquitto_pub")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-u",
                "admin",
                "-P",
                "adminpw",
                "-q",
                "1",
            ])
            .args(["-t", topic, "-m", payload])
            .status()
            .expect("mosquitto_pub");
        assert!(status.success(), "mosquitto_pub failed");
    }

    /// The retained message on `topic`, if any (as admin, waits up to 2 s).
    pub fn retained(&self, topic: &str) -> Option<String> {
        let out = Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-u", "admin", "-P", "adminpw"])
            .args(["-t", topic, "-C", "1", "-W", "2", "--retained-only"])
            .output()
            .expect("mosquitto_sub");
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (!text.is_empty()).then_some(text)
    }

    /// A path inside the broker's temporary directory (for the tests' own files).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop(true);
    }
}

/// A test CA (`ca.pem`), a server certificate for 127.0.0.1/localhost signed by it (v3, with
/// subjectAltName, as rustls requires), and an unrelated CA (`other-ca.pem`), made with openssl.
fn make_certificates(d: &std::path::Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").current_dir(d).args(args).output().expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    for (key, cert, cn) in
        [("ca.key", "ca.pem", "Borne Test CA"), ("other-ca.key", "other-ca.pem", "Other CA")]
    {
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "2",
            "-subj",
            &format!("/CN={cn}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
    }
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        d.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    // A client certificate for kiosk1 (CN = MQTT user name with use_identity_as_username).
    let words = |line: &str| line.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let req = words("req -newkey rsa:2048 -nodes -keyout kiosk1.key -out kiosk1.csr -subj /CN=kiosk1");
    run(&req.iter().map(String::as_str).collect::<Vec<_>>());
    std::fs::write(
        d.join("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .expect("ext");
    let sign = words(
        "x509 -req -in kiosk1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out kiosk1.pem -days 2 -extfile client.ext",
    );
    run(&sign.iter().map(String::as_str).collect::<Vec<_>>());
}

/// A message seen by the watcher.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Topic.
    pub topic: String,
    /// Whether it was delivered as retained.
    pub retained: bool,
    /// The payload parsed as JSON (Null when it is not JSON).
    pub json: serde_json::Value,
}

/// `mosquitto_sub` as admin on `borne/#`, QoS 1, persistent session (it gets what was published
/// while it was reconnecting).
pub struct Watcher {
    child: Child,
    rx: Receiver<Seen>,
    /// Everything seen so far.
    pub seen: Vec<Seen>,
}

impl Watcher {
    /// Subscribes to `filter` on `broker`.
    pub fn start(broker: &Broker, filter: &str) -> Watcher {
        let id = format!("watch-{}", std::process::id());
        let mut child = Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &broker.port.to_string(), "-u", "admin", "-P", "adminpw"])
            .args(["-c", "-i", &id, "-q", "1", "-t", filter, "-F", "%t\t%r\t%p"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto_sub");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let mut parts = line.splitn(3, '\t');
                let (Some(topic), Some(retained), Some(payload)) = (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let json = serde_json::from_str(payload).unwrap_or(serde_json::Value::Null);
                if tx.send(Seen { topic: topic.to_string(), retained: retained == "1", json }).is_err() {
                    break;
                }
            }
        });
        // Give the subscription a moment to be in place.
        std::thread::sleep(Duration::from_millis(300));
        Watcher { child, rx, seen: Vec::new() }
    }

    /// Waits until a message matching `pred` arrives (also looks at messages already seen).
    pub fn wait_for(&mut self, what: &str, timeout: Duration, pred: impl Fn(&Seen) -> bool) -> Seen {
        if let Some(s) = self.seen.iter().find(|s| pred(s)) {
            return s.clone();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(seen) => {
                    self.seen.push(seen.clone());
                    if pred(&seen) {
                        return seen;
                    }
                }
                Err(_) => panic!(
                    "timed out waiting for {what}; seen: {:#?}",
                    self.seen.iter().rev().take(10).collect::<Vec<_>>()
                ),
            }
        }
    }

    /// Collects for `duration`.
    pub fn drain(&mut self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while let Ok(seen) = self.rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            self.seen.push(seen);
        }
    }

    /// The seqs of the messages on topics ending with `suffix`, in arrival order.
    pub fn seqs(&self, suffix: &str) -> Vec<u64> {
        self.seen
            .iter()
            .filter(|s| s.topic.ends_with(suffix))
            .filter_map(|s| s.json["seq"].as_u64())
            .collect()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// De-duplicates `seqs` as a receiver would, and checks that they leave no gap.
pub fn dedup_contiguous(seqs: &[u64]) -> Vec<u64> {
    let mut unique: Vec<u64> = seqs.to_vec();
    unique.sort_unstable();
    unique.dedup();
    unique
}

/// Missing numbers between the first and the last of sorted, unique `seqs`.
pub fn gaps(unique: &[u64]) -> Vec<u64> {
    let mut missing = Vec::new();
    for w in unique.windows(2) {
        missing.extend(w[0] + 1..w[1]);
    }
    missing
}

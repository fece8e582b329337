//! The commune's broker as deployed (`deploy/mosquitto/`): `borne-broker-setup` and
//! `borne-add-kiosk` run into a temporary directory, then a real Mosquitto runs the real
//! `borne.conf` (only its `/etc/mosquitto/borne/` prefix and its port numbers rewritten), included
//! from a copy of Debian's main `mosquitto.conf` as on a server, and the MQTT command-line clients
//! check over TLS what the ACL promises: a kiosk speaks only for itself, borne-fleet reads every
//! kiosk and commands them but cannot impersonate one, strangers are refused, a removed kiosk is
//! locked out after a reload, and retained messages survive restarts.
//!
//! Needs `mosquitto`, `mosquitto-clients` and `openssl` (`scripts/setup.sh`); set
//! `BORNE_SKIP_MQTT_TESTS=1` to skip on a development machine without them.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Debian 12's `/etc/mosquitto/mosquitto.conf` (package mosquitto 2.0.11), with `{dir}` for the
/// test's directory in place of `/run`, `/var/lib` and `/var/log` and of `/etc/mosquitto`.
const DEBIAN_MAIN_CONF: &str = "\
# Place your local configuration in /etc/mosquitto/conf.d/
#
# A full description of the configuration file is at
# /usr/share/doc/mosquitto/examples/mosquitto.conf.example

pid_file {dir}/run/mosquitto.pid

persistence true
persistence_location {dir}/data/

log_dest file {dir}/log/mosquitto.log

include_dir {dir}/conf.d
";

/// Kiosk ids of the test, at site "mairie".
const KIOSK_A: &str = "borne-a";
const KIOSK_B: &str = "borne-b";

fn enabled() -> bool {
    if std::env::var("BORNE_SKIP_MQTT_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("BORNE_SKIP_MQTT_TESTS=1: deploy_broker test skipped");
        return false;
    }
    for tool in ["mosquitto", "mosquitto_pub", "mosquitto_passwd", "openssl"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} is not installed: run scripts/setup.sh (mosquitto, mosquitto-clients, openssl), \
             or set BORNE_SKIP_MQTT_TESTS=1 to skip the MQTT tests"
        );
    }
    true
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/mosquitto")
}

/// Runs one of the deploy scripts with `BORNE_BROKER_DIR` set to `broker_dir`.
fn script(name: &str, broker_dir: &Path, args: &[&str]) -> Output {
    Command::new(deploy_dir().join(name))
        .args(args)
        .env("BORNE_BROKER_DIR", broker_dir)
        .env_remove("BORNE_BROKER_PASSWD")
        .env_remove("BORNE_BROKER_ACL")
        .env_remove("BORNE_BROKER_ACL_TEMPLATE")
        .env_remove("BORNE_BROKER_GROUP")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A child process killed (by its own PID) when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Mosquitto under test.
struct Broker {
    dir: PathBuf,
    tls_port: u16,
    local_port: u16,
    child: Option<Guard>,
}

impl Broker {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log/mosquitto.log")).unwrap_or_default()
    }

    fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(self.dir.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mosquitto");
        self.child = Some(Guard(child));
        let deadline = Instant::now() + Duration::from_secs(5);
        for port in [self.tls_port, self.local_port] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(Instant::now() < deadline, "mosquitto did not start:\n{}", self.log());
                if let Some(Guard(child)) = self.child.as_mut()
                    && let Ok(Some(status)) = child.try_wait()
                {
                    panic!("mosquitto exited ({status}):\n{}", self.log());
                }
                std::thread::sleep(Duration::from_millis(30));
            }
        }
    }

    fn pid(&self) -> String {
        self.child.as_ref().map(|g| g.0.id().to_string()).expect("mosquitto is running")
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.pid()]).status().expect("kill");
        assert!(status.success(), "kill {signal}");
    }

    /// SIGTERM (mosquitto saves its database) or SIGKILL, and waits for the end.
    fn stop(&mut self, signal: &str) {
        self.signal(signal);
        if let Some(mut guard) = self.child.take() {
            let _ = guard.0.wait();
        }
    }

    /// The arguments common to every client: MQTT 5 over TLS, checking the broker's certificate
    /// against the CA that borne-broker-setup made, for the name "localhost".
    fn tls_args(&self, user: Option<(&str, &str)>) -> Vec<String> {
        let mut args: Vec<String> = ["-V", "mqttv5", "-h", "localhost", "-p", &self.tls_port.to_string()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push("--cafile".into());
        args.push(self.dir.join("borne/tls/ca.pem").display().to_string());
        if let Some((name, password)) = user {
            args.extend(["-u".into(), name.into(), "-P".into(), password.into()]);
        }
        args
    }

    /// `mosquitto_pub` at QoS 1 with `args` after the TLS and login arguments.
    fn publish(&self, user: Option<(&str, &str)>, args: &[&str]) -> Output {
        Command::new("mosquitto_pub")
            .args(self.tls_args(user))
            .args(["-q", "1"])
            .args(args)
            .output()
            .expect("mosquitto_pub")
    }

    /// Publishes and expects the broker to accept it.
    fn publish_ok(&self, user: (&str, &str), topic: &str, args: &[&str]) {
        let out = self.publish(Some(user), &[&["-t", topic], args].concat());
        let stderr = text(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "{} publishing on {topic}: {}, {stderr}",
            user.0,
            out.status
        );
    }

    /// Publishes and expects the ACL to refuse it: with MQTT 5 the PUBACK carries reason 135,
    /// which mosquitto_pub reports on stderr (its exit status stays 0).
    fn publish_denied(&self, user: (&str, &str), topic: &str) {
        let out = self.publish(Some(user), &["-t", topic, "-m", "{}"]);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("Not authorized"),
            "{} publishing on {topic} was not refused: {stderr}",
            user.0
        );
    }

    /// Expects the login to be refused at connection time.
    fn connect_refused(&self, user: Option<(&str, &str)>, what: &str) {
        let out = self.publish(user, &["-t", "borne/mairie/borne-a/status", "-m", "{}"]);
        let stderr = text(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("Not authorized"),
            "{what} was not refused: {}, {stderr}",
            out.status
        );
    }

    /// `mosquitto_sub` for at most one message on `filter` within `secs` seconds, in the
    /// background; prints "topic payload".
    fn subscribe(&self, user: (&str, &str), filter: &str, secs: u32, extra: &[&str]) -> Guard {
        let child = Command::new("mosquitto_sub")
            .args(self.tls_args(Some(user)))
            .args(["-q", "1", "-v", "-C", "1", "-W", &secs.to_string(), "-t", filter])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mosquitto_sub");
        Guard(child)
    }
}

/// Waits for a subscriber's output (it exits after one message or its -W timeout).
fn output_of(guard: Guard) -> String {
    let mut guard = guard;
    let mut stdout = String::new();
    if let Some(mut out) = guard.0.stdout.take() {
        use std::io::Read;
        let _ = out.read_to_string(&mut stdout);
    }
    let _ = guard.0.wait();
    stdout.trim().to_string()
}

/// Publishes every 200 ms (the subscription may not be in place yet) until `sub` got a message.
fn publish_until_received(
    broker: &Broker,
    user: (&str, &str),
    topic: &str,
    payload: &str,
    sub: Guard,
) -> String {
    let mut sub = sub;
    let deadline = Instant::now() + Duration::from_secs(5);
    while matches!(sub.0.try_wait(), Ok(None)) && Instant::now() < deadline {
        broker.publish_ok(user, topic, &["-m", payload]);
        std::thread::sleep(Duration::from_millis(200));
    }
    output_of(sub)
}

fn read_secret(path: &Path) -> String {
    let secret = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    secret.trim().to_string()
}

#[test]
fn the_commune_broker_enforces_the_kiosk_acl_over_tls() {
    if !enabled() {
        return;
    }
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_path_buf();
    let borne = dir.join("borne");

    // The scripts, as a technician runs them.
    let fleet_pw_file = dir.join("fleet.pw");
    let admin_pw_file = dir.join("admin.pw");
    let out = script(
        "borne-broker-setup",
        &borne,
        &[
            "--self-signed",
            "localhost",
            "--fleet-secret-out",
            &fleet_pw_file.display().to_string(),
            "--admin-secret-out",
            &admin_pw_file.display().to_string(),
        ],
    );
    assert!(out.status.success(), "borne-broker-setup: {}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "passwords written to files must not be printed");
    let a_pw_file = dir.join("a.pw");
    let out = script(
        "borne-add-kiosk",
        &borne,
        &[KIOSK_A, "--secret-out", &a_pw_file.display().to_string(), "--no-reload"],
    );
    assert!(out.status.success(), "borne-add-kiosk A: {}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "with --secret-out the password is not printed");
    let out = script("borne-add-kiosk", &borne, &[KIOSK_B, "--no-reload"]);
    assert!(out.status.success(), "borne-add-kiosk B: {}", text(&out.stderr));
    let b_password = text(&out.stdout).trim().to_string();
    assert_eq!(b_password.len(), 48, "one line with the password on stdout: {b_password:?}");

    {
        use std::os::unix::fs::PermissionsExt;
        for file in [&a_pw_file, &fleet_pw_file, &admin_pw_file] {
            let mode = std::fs::metadata(file).expect("secret file").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
        for file in ["passwd", "acl", "tls/server.key"] {
            let mode = std::fs::metadata(borne.join(file)).expect("broker file").permissions().mode();
            assert_eq!(mode & 0o007, 0, "{file} must not be readable by others");
        }
    }
    let passwd = std::fs::read_to_string(borne.join("passwd")).expect("passwd");
    assert!(!passwd.contains(&b_password), "the password file holds hashes only");
    let users: Vec<&str> = passwd.lines().filter_map(|l| l.split(':').next()).collect();
    assert_eq!(users, ["borne-fleet", "admin", KIOSK_A, KIOSK_B]);

    // What the script refuses.
    let again = script("borne-add-kiosk", &borne, &[KIOSK_A, "--no-reload"]);
    assert!(!again.status.success() && again.stdout.is_empty(), "an existing kiosk needs --force");
    for bad in ["borne a", "borne/a", "borne+", "#", "bornée", "admin", "borne-fleet", &"x".repeat(65)] {
        let out = script("borne-add-kiosk", &borne, &[bad, "--no-reload"]);
        assert!(!out.status.success() && out.stdout.is_empty(), "kiosk id {bad:?} was accepted");
    }
    let out = script(
        "borne-add-kiosk",
        &borne,
        &["borne-c", "--no-reload", "--print-config", "--host", "mqtt.example.org"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(
        printed.contains("url = \"mqtts://mqtt.example.org:8883\"")
            && printed.contains("username = \"borne-c\""),
        "{printed}"
    );
    let out = script("borne-add-kiosk", &borne, &["borne-c", "--remove", "--no-reload"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The real borne.conf, with only its directory and ports changed, included from Debian's
    // main file the way /etc/mosquitto/conf.d/borne.conf is.
    let real = std::fs::read_to_string(deploy_dir().join("borne.conf")).expect("borne.conf");
    let (tls_port, local_port) = (free_port(), free_port());
    let mut rewritten = (0, 0);
    let conf: Vec<String> = real
        .lines()
        .map(|line| {
            if line == "listener 8883" {
                rewritten.0 += 1;
                format!("listener {tls_port} 127.0.0.1")
            } else if line == "listener 1883 127.0.0.1" {
                rewritten.1 += 1;
                format!("listener {local_port} 127.0.0.1")
            } else {
                line.replace("/etc/mosquitto/borne/", &format!("{}/", borne.display()))
            }
        })
        .collect();
    assert_eq!(rewritten, (1, 1), "borne.conf no longer has its two listeners as the test expects");
    for sub in ["conf.d", "data", "log", "run"] {
        std::fs::create_dir(dir.join(sub)).expect("mkdir");
    }
    std::fs::write(dir.join("conf.d/borne.conf"), conf.join("\n") + "\n").expect("write borne.conf");
    std::fs::write(dir.join("mosquitto.conf"), DEBIAN_MAIN_CONF.replace("{dir}", &dir.display().to_string()))
        .expect("write mosquitto.conf");
    if is_root() {
        // Started as root, mosquitto becomes user mosquitto before it reads its files, as under
        // systemd: it must reach them (the setup script made borne/ readable by its group) and
        // own what it writes, as Debian's package arranges for /var/lib and /var/log.
        let run = |args: &[&str]| {
            let status = Command::new(args[0]).args(&args[1..]).status().expect(args[0]);
            assert!(status.success(), "{args:?}");
        };
        run(&["chmod", "755", &dir.display().to_string()]);
        for sub in ["data", "log", "run"] {
            run(&["chown", "mosquitto:", &dir.join(sub).display().to_string()]);
        }
    }

    let mut broker = Broker { dir: dir.clone(), tls_port, local_port, child: None };
    broker.start();

    let a = (KIOSK_A, read_secret(&a_pw_file));
    let a = (a.0, a.1.as_str());
    let b = (KIOSK_B, b_password.as_str());
    let fleet_pw = read_secret(&fleet_pw_file);
    let fleet = ("borne-fleet", fleet_pw.as_str());
    let admin_pw = read_secret(&admin_pw_file);
    let admin = ("admin", admin_pw.as_str());

    // A kiosk may read only its own commands: this subscription to B's is refused (MQTT 5 SUBACK
    // 135) and receives nothing while the test goes on.
    let a_spying = broker.subscribe(a, "borne/+/borne-b/cmd/#", 3, &[]);

    // A kiosk publishes its retained status; borne-fleet reads it.
    let status = r#"{"online":true,"version":"test"}"#;
    broker.publish_ok(a, "borne/mairie/borne-a/status", &["-r", "-m", status]);
    for suffix in ["telemetry", "event", "reply/42"] {
        broker.publish_ok(a, &format!("borne/mairie/borne-a/{suffix}"), &["-m", "{}"]);
    }
    let seen = output_of(broker.subscribe(fleet, "borne/+/+/status", 5, &[]));
    assert_eq!(seen, format!("borne/mairie/borne-a/status {status}"));

    // borne-fleet sends a command that kiosk A receives, also through its shared subscriptions.
    let a_cmd = broker.subscribe(a, "borne/mairie/borne-a/cmd/#", 5, &[]);
    let got = publish_until_received(&broker, fleet, "borne/mairie/borne-a/cmd/ping", r#"{"id":"1"}"#, a_cmd);
    assert_eq!(got, r#"borne/mairie/borne-a/cmd/ping {"id":"1"}"#);
    let fleet_shared = broker.subscribe(fleet, "$share/fleet/borne/+/+/telemetry", 5, &[]);
    let got =
        publish_until_received(&broker, a, "borne/mairie/borne-a/telemetry", r#"{"seq":1}"#, fleet_shared);
    assert_eq!(got, r#"borne/mairie/borne-a/telemetry {"seq":1}"#);

    // What the ACL refuses: a kiosk writing for another kiosk or commanding one, borne-fleet
    // impersonating a kiosk, anyone writing outside borne/.
    for topic in [
        "borne/mairie/borne-b/status",
        "borne/mairie/borne-b/telemetry",
        "borne/mairie/borne-b/event",
        "borne/mairie/borne-b/reply/1",
        "borne/mairie/borne-b/cmd/reboot",
        "borne/mairie/borne-a/cmd/reboot",
        "elsewhere/test",
    ] {
        broker.publish_denied(a, topic);
    }
    for topic in
        ["borne/mairie/borne-a/status", "borne/mairie/borne-a/telemetry", "borne/mairie/borne-a/reply/1"]
    {
        broker.publish_denied(fleet, topic);
    }
    broker.publish_ok(admin, "borne/mairie/borne-b/cmd/ping", &["-m", "{}"]);

    // Strangers: a wrong password, no login, plain MQTT on the TLS port.
    broker.connect_refused(Some((KIOSK_A, b.1)), "kiosk A with B's password");
    broker.connect_refused(Some(("nobody", "x")), "an unknown user");
    broker.connect_refused(None, "an anonymous client");
    let plain = Command::new("mosquitto_pub")
        .args(["-V", "mqttv5", "-h", "127.0.0.1", "-p", &tls_port.to_string(), "-u", a.0, "-P", a.1])
        .args(["-t", "borne/mairie/borne-a/status", "-m", "{}", "-q", "1"])
        .output()
        .expect("mosquitto_pub");
    assert!(!plain.status.success(), "plain MQTT on the TLS port was accepted");
    assert!(broker.log().contains("wrong version number"), "no TLS refusal in the log:\n{}", broker.log());
    // The loopback listener without TLS: same logins, same ACL.
    let local = |user: &[&str], topic: &str| {
        Command::new("mosquitto_pub")
            .args(["-V", "mqttv5", "-h", "127.0.0.1", "-p", &local_port.to_string()])
            .args(user)
            .args(["-t", topic, "-m", "{}", "-q", "1"])
            .output()
            .expect("mosquitto_pub")
    };
    let out = local(&["-u", "admin", "-P", admin.1], "borne/mairie/borne-a/cmd/ping");
    assert!(out.status.success() && out.stderr.is_empty(), "admin on loopback: {}", text(&out.stderr));
    let out = local(&[], "borne/mairie/borne-a/status");
    assert!(!out.status.success(), "anonymous accepted on the loopback listener");
    let out = local(&["-u", a.0, "-P", a.1], "borne/mairie/borne-b/status");
    assert!(text(&out.stderr).contains("Not authorized"), "ACL not applied on loopback");

    assert_eq!(output_of(a_spying), "", "kiosk A read kiosk B's commands");

    // A removed kiosk cannot log in any more once mosquitto reread its files, and its open
    // connection is cut then.
    broker.publish_ok(b, "borne/mairie/borne-b/telemetry", &["-m", "{}"]);
    let mut b_connected = broker.subscribe(b, "borne/mairie/borne-b/cmd/#", 5, &[]);
    let deadline = Instant::now() + Duration::from_secs(3);
    while broker.log().matches("u'borne-b')").count() < 2 {
        assert!(Instant::now() < deadline, "kiosk B's subscriber did not connect");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = script("borne-add-kiosk", &borne, &[KIOSK_B, "--remove", "--no-reload"]);
    assert!(out.status.success(), "--remove: {}", text(&out.stderr));
    broker.signal("-HUP");
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let out = broker.publish(Some(b), &["-t", "borne/mairie/borne-b/telemetry", "-m", "{}"]);
        if !out.status.success() && text(&out.stderr).contains("Not authorized") {
            break;
        }
        assert!(Instant::now() < deadline, "kiosk B still logs in after --remove and SIGHUP");
        std::thread::sleep(Duration::from_millis(100));
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while matches!(b_connected.0.try_wait(), Ok(None)) {
        assert!(Instant::now() < deadline, "kiosk B's open connection survived its removal");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stderr = String::new();
    if let Some(mut err) = b_connected.0.stderr.take() {
        use std::io::Read;
        let _ = err.read_to_string(&mut stderr);
    }
    assert!(stderr.contains("Not authorized"), "kiosk B's subscriber: {stderr}");
    broker.publish_ok(a, "borne/mairie/borne-a/event", &["-m", "{}"]);

    // Persistence: the retained status survives a clean restart, and one published more than
    // autosave_interval before a kill -9 survives that too.
    let retained =
        |broker: &Broker, topic: &str| output_of(broker.subscribe(fleet, topic, 3, &["--retained-only"]));
    broker.stop("-TERM");
    broker.start();
    assert_eq!(
        retained(&broker, "borne/mairie/borne-a/status"),
        format!("borne/mairie/borne-a/status {status}")
    );
    let offline = r#"{"online":false}"#;
    broker.publish_ok(a, "borne/mairie/borne-a/status", &["-r", "-m", offline]);
    std::thread::sleep(Duration::from_millis(3500));
    broker.stop("-KILL");
    broker.start();
    assert_eq!(
        retained(&broker, "borne/mairie/borne-a/status"),
        format!("borne/mairie/borne-a/status {offline}")
    );

    eprintln!("deploy_broker: {:.1} s", started.elapsed().as_secs_f64());
}

//! `borne run` under a service manager: the real binary, a real notification socket in
//! `NOTIFY_SOCKET` and a watchdog timeout in `WATCHDOG_USEC`, as systemd gives them. The kiosk
//! says READY with a status line once it serves, pings the watchdog while its loops are alive,
//! stops pinging while it is frozen, and says STOPPING on SIGTERM. (The touchscreen's READY is
//! checked in `touchscreen.rs`; a single stuck loop stopping the pings, in `kiosk/src/watchdog.rs`.)

mod notify;

use std::process::{Command, Stdio};
use std::time::Duration;

use notify::NotifySocket;

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().expect("kill");
    assert!(status.success(), "kill -{name}");
}

#[test]
fn headless_kiosk_is_ready_feeds_the_watchdog_and_says_stopping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut systemd = NotifySocket::bind(dir.path());
    let log = dir.path().join("borne.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_borne"))
        .args(["run", "--headless"])
        .env_remove("BORNE_CONFIG")
        .env("BORNE_KIOSK__STATE_DIR", dir.path().join("state"))
        .env("NOTIFY_SOCKET", systemd.path())
        // 300 ms: a ping about every 100 ms. WATCHDOG_PID names another process, as under cage,
        // where systemd's main process is the compositor: the kiosk must ping all the same.
        .env("WATCHDOG_USEC", "300000")
        .env("WATCHDOG_PID", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start borne");
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();

    let ready = systemd.wait_for_line("READY=1", Duration::from_secs(20));
    let ready = ready.unwrap_or_else(|| panic!("no READY=1: {:?}\n{}", systemd.received, log_text()));
    assert!(ready.contains("STATUS=headless"), "{ready}");

    let before = systemd.pings();
    systemd.drain(Duration::from_millis(1500));
    let alive = systemd.pings() - before;
    assert!(alive >= 5, "pings in 1.5 s with a 300 ms timeout: {alive}\n{}", log_text());

    // Frozen (SIGSTOP): no ping; systemd would kill it after the timeout. Then it goes on.
    signal(child.id(), "STOP");
    systemd.drain(Duration::from_millis(200)); // a ping already in flight
    let frozen_from = systemd.pings();
    systemd.drain(Duration::from_millis(800));
    assert_eq!(systemd.pings(), frozen_from, "a frozen kiosk must not ping");
    signal(child.id(), "CONT");
    systemd.drain(Duration::from_millis(800));
    assert!(systemd.pings() > frozen_from, "pings resume once it runs again");

    signal(child.id(), "TERM");
    let stopping = systemd.wait_for_line("STOPPING=1", Duration::from_secs(10));
    assert!(stopping.is_some(), "no STOPPING=1: {:?}\n{}", systemd.received, log_text());
    let status = child.wait().expect("wait");
    assert!(status.success(), "exit status {status:?}\n{}", log_text());
    assert!(log_text().contains("systemd watchdog on"), "{}", log_text());
}

#[test]
fn outside_systemd_the_kiosk_runs_without_notifications() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Command::new(env!("CARGO_BIN_EXE_borne"))
        .args(["run", "--headless"])
        .env_remove("BORNE_CONFIG")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env("BORNE_KIOSK__STATE_DIR", dir.path().join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start borne");
    std::thread::sleep(Duration::from_secs(2));
    signal(child.id(), "TERM");
    let out = child.wait_with_output().expect("wait");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("systemd watchdog on"), "{log}");
    assert!(log.contains("kiosk stopped"), "{log}");
}

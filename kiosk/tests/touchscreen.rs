//! The real touchscreen (`borne run` with the winit backend) on a real X server (Xvfb), driven by
//! MQTT commands through a real Mosquitto: the alert banner, the maintenance screen and the
//! `screenshot` command, checked on the pictures the kiosk itself sends back; and power-saving
//! hours: started out of hours, the screen is black, the (fake) backlight powered down and the
//! telemetry says `screen_asleep`.
//!
//! Needs `Xvfb` (Debian `xvfb`, installed by scripts/setup.sh) and mosquitto; skipped with
//! `BORNE_SKIP_XVFB=1` outside CI.

mod notify;
#[path = "../../telemetry/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use support::{Broker, Watcher};

const LONG: Duration = Duration::from_secs(30);
/// The urgent alert banner's colour in the normal theme (`Theme.alert`).
const URGENT_RED: [u8; 3] = [0xb3, 0x26, 0x1e];
/// The screens' background in the normal theme (`Theme.background`).
const BACKGROUND: [u8; 3] = [0xf4, 0xf1, 0xea];

/// The tests of this file take turns: each runs an X server, a broker and a kiosk drawing in
/// software, and two at once on a loaded 2-core machine made replies miss their deadline.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn xvfb_enabled() -> bool {
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
    if !in_ci && std::env::var("BORNE_SKIP_XVFB").is_ok_and(|v| v == "1") {
        eprintln!("BORNE_SKIP_XVFB=1: touchscreen test skipped");
        return false;
    }
    assert!(
        Command::new("Xvfb").arg("-help").stderr(Stdio::null()).status().is_ok(),
        "Xvfb is not installed: run scripts/setup.sh (apt-get install xvfb), or set BORNE_SKIP_XVFB=1"
    );
    support::enabled()
}

/// An X server on a free display number, stopped on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start(width: u32, height: u32) -> Xvfb {
        let number = (60..99)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let child = Command::new("Xvfb")
            .arg(format!(":{number}"))
            .args(["-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let socket = format!("/tmp/.X11-unix/X{number}");
        let start = Instant::now();
        while !Path::new(&socket).exists() {
            assert!(start.elapsed() < Duration::from_secs(10), "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Xvfb { child, display: format!(":{number}") }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The reply's picture: `(width, height, rgb)`.
fn picture(reply: &serde_json::Value) -> (u32, u32, Vec<u8>) {
    let data = base64::engine::general_purpose::STANDARD
        .decode(reply["png_base64"].as_str().expect("png_base64"))
        .expect("base64");
    let decoder = png::Decoder::new(std::io::Cursor::new(data));
    let mut reader = decoder.read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Share of the picture's pixels within a few levels of `colour`.
fn share(rgb: &[u8], colour: [u8; 3]) -> f64 {
    let pixels = rgb.chunks_exact(3);
    let total = pixels.len().max(1);
    let near = pixels.filter(|p| p.iter().zip(colour).all(|(a, b)| a.abs_diff(b) <= 3)).count();
    near as f64 / total as f64
}

/// `borne run` on the Xvfb display with telemetry to `broker` as `kiosk_id` of site `s1` (its
/// password file and state directory in `dir`), for the caller to complete and spawn.
fn touchscreen_kiosk(x: &Xvfb, broker: &Broker, dir: &Path, kiosk_id: &str) -> Command {
    use std::os::unix::fs::PermissionsExt;
    let password = dir.join(format!("{kiosk_id}.pw"));
    std::fs::write(&password, format!("{kiosk_id}pw\n")).expect("write");
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let mut command = Command::new(env!("CARGO_BIN_EXE_borne"));
    command
        .args(["run", "--broker", &broker.url(), "--site", "s1", "--kiosk-id", kiosk_id])
        .args(["--telemetry-interval", "1"])
        .env_remove("BORNE_CONFIG")
        .env_remove("WAYLAND_DISPLAY")
        .env("DISPLAY", &x.display)
        .env("SLINT_BACKEND", "winit-software")
        // Xvfb has no window manager and its RandR reports an 800×600 monitor, so winit's full
        // screen would shrink the window: the tests use a window of the layout's preferred size.
        .env("BORNE_KIOSK__FULLSCREEN", "false")
        .env("BORNE_KIOSK__STATE_DIR", dir.join("state"))
        .env("BORNE_BROKER__USERNAME", kiosk_id)
        .env("BORNE_BROKER__PASSWORD_FILE", password)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

#[test]
fn remote_commands_drive_the_real_touchscreen() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !xvfb_enabled() {
        return;
    }
    let x = Xvfb::start(1080, 1920);
    let broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/#");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("borne.log");
    let mut systemd = notify::NotifySocket::bind(dir.path());
    let mut child = touchscreen_kiosk(&x, &broker, dir.path(), "kiosk1")
        .args(["--spool-dir"])
        .arg(dir.path().join("spool"))
        // As under systemd: the touchscreen says READY once its event loop runs, and its loop is
        // one of those the watchdog needs alive to ping.
        .env("NOTIFY_SOCKET", systemd.path())
        .env("WATCHDOG_USEC", "3000000")
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start borne");
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let start = Instant::now();
    while !watch.seen.iter().any(|s| s.topic == "borne/s1/kiosk1/status" && s.json["online"] == true) {
        assert!(start.elapsed() < LONG, "the kiosk never came online:\n{}", log_text());
        watch.drain(Duration::from_millis(200));
    }

    let n = std::cell::Cell::new(0);
    let command = |watch: &mut Watcher, name: &str, body: &str| {
        n.set(n.get() + 1);
        let id = format!("t{}", n.get());
        let body = if body.is_empty() {
            format!(r#"{{"id":"{id}"}}"#)
        } else {
            format!(r#"{{"id":"{id}",{body}}}"#)
        };
        broker.publish(&format!("borne/s1/kiosk1/cmd/{name}"), &body);
        let topic = format!("borne/s1/kiosk1/reply/{id}");
        let start = Instant::now();
        loop {
            if let Some(reply) = watch.seen.iter().find(|s| s.topic == topic) {
                return reply.json.clone();
            }
            assert!(start.elapsed() < LONG, "no reply to {name}:\n{}", log_text());
            watch.drain(Duration::from_millis(100));
        }
    };
    // The window may take a moment after the broker connection: retry until the screen answers.
    let screenshot = |watch: &mut Watcher| {
        let start = Instant::now();
        loop {
            let reply = command(watch, "screenshot", "");
            if reply["ok"] == true {
                return reply;
            }
            let error = reply["error"].as_str().unwrap_or_default().to_string();
            assert!(error.contains("not up yet"), "{reply}\n{}", log_text());
            assert!(start.elapsed() < LONG, "the touchscreen never came up: {reply}\n{}", log_text());
            std::thread::sleep(Duration::from_millis(300));
        }
    };

    // The welcome screen, as the kiosk sees it: no banner.
    // The window takes its preferred size (1080×1920) once mapped.
    let start = Instant::now();
    let first = loop {
        let shot = screenshot(&mut watch);
        let size = (shot["width"].as_u64(), shot["height"].as_u64());
        if size == (Some(1080), Some(1920)) {
            break shot;
        }
        assert!(start.elapsed() < LONG, "the window never filled the screen: {size:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let saved = first["saved"].as_str().expect("saved on the kiosk");
    assert!(Path::new(saved).starts_with(dir.path().join("state/screenshots")) && Path::new(saved).exists());
    let (w, h, rgb) = picture(&first);
    assert_eq!((w, h), (540, 960), "reduced for the reply");
    assert!(share(&rgb, BACKGROUND) > 0.3, "the welcome screen's background is shown");
    assert!(share(&rgb, URGENT_RED) < 0.001, "no banner yet");

    // The window is up: systemd was told so, and the watchdog is fed (the UI loop included).
    let ready = systemd.wait_for_line("READY=1", LONG).expect("READY=1 from the touchscreen");
    assert!(ready.contains("STATUS=serving visitors on the touchscreen"), "{ready}");
    let pings = systemd.pings();
    systemd.drain(Duration::from_millis(2500));
    assert!(systemd.pings() > pings, "watchdog pings while the touchscreen runs: {:?}", systemd.received);

    // An urgent alert: on the screen, and in the telemetry.
    let reply = command(&mut watch, "alert", r#""text":"Coupure d'eau ce soir","level":"urgent""#);
    assert_eq!((reply["ok"].as_bool(), reply["shown"].as_bool()), (Some(true), Some(true)), "{reply}");
    let with_alert = picture(&screenshot(&mut watch)).2;
    let red = share(&with_alert, URGENT_RED);
    assert!(red > 0.01, "the red banner is on the screen ({red})");
    let report = watch.wait_for("alert in telemetry", LONG, |s| {
        s.topic == "borne/s1/kiosk1/telemetry" && s.json["alert"]["level"] == "urgent"
    });
    assert_eq!(report.json["alert"]["text"], "Coupure d'eau ce soir");
    assert_eq!(report.json["screen"], "touchscreen");

    // Maintenance covers everything, banner included.
    let reply = command(&mut watch, "maintenance", r#""on":true,"message":"Retour à 14 h""#);
    assert_eq!(reply["ok"], true, "{reply}");
    let in_maintenance = picture(&screenshot(&mut watch)).2;
    assert!(share(&in_maintenance, URGENT_RED) < 0.001, "the maintenance screen covers the banner");
    assert_ne!(in_maintenance, with_alert);
    watch.wait_for("maintenance in telemetry", LONG, |s| {
        s.topic == "borne/s1/kiosk1/telemetry" && s.json["maintenance"] == true
    });

    // Back in service, banner cleared: the welcome screen again.
    assert_eq!(command(&mut watch, "maintenance", r#""on":false"#)["ok"], true);
    assert_eq!(command(&mut watch, "alert", r#""clear":true"#)["ok"], true);
    let after = picture(&screenshot(&mut watch)).2;
    assert!(share(&after, URGENT_RED) < 0.001, "banner gone");
    assert!(share(&after, BACKGROUND) > 0.3);

    let _ = child.kill();
    let _ = child.wait();
    drop(x);
}

#[test]
fn out_of_hours_the_real_touchscreen_sleeps_and_powers_the_backlight_down() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !xvfb_enabled() {
        return;
    }
    let x = Xvfb::start(1080, 1920);
    let broker = Broker::start();
    let mut watch = Watcher::start(&broker, "borne/#");
    let dir = tempfile::tempdir().expect("tempdir");
    // A backlight laid out like /sys/class/backlight/rpi_backlight.
    let backlight = dir.path().join("sys/rpi_backlight");
    std::fs::create_dir_all(&backlight).expect("mkdir");
    for (file, value) in [("bl_power", "0\n"), ("brightness", "200\n"), ("max_brightness", "255\n")] {
        std::fs::write(backlight.join(file), value).expect("write");
    }
    let log = dir.path().join("borne.log");
    let mut child = touchscreen_kiosk(&x, &broker, dir.path(), "kiosk2")
        // Tuesday 1 December 2026 at 23:00, hours Monday to Friday 08:00-19:00.
        .args(["--now", "2026-12-01T23:00"])
        .env("BORNE_SCREEN__AWAKE_HOURS", "Mo-Fr 08:00-19:00")
        .env("BORNE_SCREEN__BACKLIGHT", &backlight)
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start borne");
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();

    let report = watch.wait_for("screen_asleep in telemetry", LONG, |s| {
        s.topic == "borne/s1/kiosk2/telemetry" && s.json["screen_asleep"] == true
    });
    assert_eq!(report.json["screen"], "touchscreen", "`screen` keeps its meaning");
    let start = Instant::now();
    while std::fs::read_to_string(backlight.join("bl_power")).unwrap_or_default().trim() != "4" {
        assert!(start.elapsed() < LONG, "bl_power never became 4:\n{}", log_text());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(std::fs::read_to_string(backlight.join("brightness")).expect("read").trim(), "200");

    // The screen as the kiosk sees it: black all over (once the window has its size).
    let start = Instant::now();
    loop {
        broker.publish("borne/s1/kiosk2/cmd/screenshot", r#"{"id":"shot"}"#);
        let reply = watch.wait_for("a screenshot reply", LONG, |s| s.topic == "borne/s1/kiosk2/reply/shot");
        watch.seen.retain(|s| s.topic != "borne/s1/kiosk2/reply/shot");
        if reply.json["ok"] == true && reply.json["height"].as_u64() == Some(1920) {
            let (_, _, rgb) = picture(&reply.json);
            let black = share(&rgb, [0, 0, 0]);
            assert!(black > 0.999, "the sleeping screen is black ({black})");
            break;
        }
        assert!(start.elapsed() < LONG, "no full-size screenshot: {}\n{}", reply.json, log_text());
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(log_text().contains("screen asleep"), "{}", log_text());

    let _ = child.kill();
    let _ = child.wait();
    drop(x);
}

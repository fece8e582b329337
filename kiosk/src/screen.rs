//! What remote commands put on the kiosk's screen: the alert banner (`alert`), the maintenance
//! screen (`maintenance`) and a picture of the screen (`screenshot`).
//!
//! Telemetry starts before the touchscreen opens, and commands queued while the kiosk was away
//! arrive as soon as it connects: [`Screen`] keeps the wanted state and applies it when the
//! touchscreen attaches, and telemetry reports it. A kiosk without a touchscreen (terminal or
//! headless run) refuses these commands, saying why. A screenshot is refused while a visitor is
//! using the kiosk: it could show what they typed. The touchscreen also tells [`Screen`] when it
//! sleeps outside its power-saving hours (`screen_asleep` in telemetry).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use base64::Engine;
use borne_hardware::sanitize::printable_text;
use borne_telemetry::messages::{AlertInfo, Outcome};
use borne_ui::{Alert, AlertLevel, KioskHandle};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The longest alert or maintenance message, in characters (a banner of two lines at most).
pub const MAX_MESSAGE_CHARS: usize = 200;
/// How long a screenshot waits for the UI thread.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(5);
/// Width of the picture sent in the reply (the full-size one is saved on the kiosk).
const REPLY_WIDTH: u32 = 540;
/// How many full-size screenshots the kiosk keeps.
const KEEP_SCREENSHOTS: usize = 5;

/// What the screen should show, as commands set it.
#[derive(Debug, Default, Clone)]
struct Wanted {
    alert: Option<(Alert, Option<DateTime<Utc>>)>,
    /// Incremented at each alert change, so that an expiry only clears its own alert.
    alert_generation: u64,
    maintenance: Option<Option<String>>,
}

/// The kiosk's screen as remote commands see it.
pub struct Screen {
    /// `touchscreen`, `terminal` or `headless`.
    mode: Mutex<&'static str>,
    ui: OnceLock<KioskHandle>,
    wanted: Mutex<Wanted>,
    screenshots_dir: PathBuf,
    /// The touchscreen is asleep (power-saving hours).
    asleep: AtomicBool,
}

fn text_arg(command_args: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match command_args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            let clean = printable_text(text).split_whitespace().collect::<Vec<_>>().join(" ");
            let chars = clean.chars().count();
            if chars > MAX_MESSAGE_CHARS {
                return Err(format!(
                    "\"{name}\" is too long: {chars} characters, at most {MAX_MESSAGE_CHARS}"
                ));
            }
            Ok((!clean.is_empty()).then_some(clean))
        }
        Some(other) => Err(format!("\"{name}\" must be a string, not {other}")),
    }
}

impl Screen {
    /// The screen of a run in `mode` (`touchscreen`, `terminal` or `headless`); screenshots are
    /// saved in `screenshots_dir`.
    pub fn new(mode: &'static str, screenshots_dir: PathBuf) -> Screen {
        Screen {
            mode: Mutex::new(mode),
            ui: OnceLock::new(),
            wanted: Mutex::new(Wanted::default()),
            screenshots_dir,
            asleep: AtomicBool::new(false),
        }
    }

    fn wanted(&self) -> MutexGuard<'_, Wanted> {
        self.wanted.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The touchscreen is up: shows it what commands asked for so far.
    pub fn attach(&self, handle: KioskHandle) {
        let wanted = self.wanted().clone();
        if let Some((alert, _)) = wanted.alert {
            handle.set_alert(Some(alert));
        }
        if let Some(message) = wanted.maintenance {
            handle.set_maintenance(true, message);
        }
        if self.ui.set(handle).is_err() {
            tracing::warn!("the touchscreen attached twice; keeping the first");
        }
    }

    /// How the kiosk meets visitors, for telemetry.
    pub fn mode(&self) -> &'static str {
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The touchscreen could not run: the kiosk carries on in `mode`.
    pub fn fell_back(&self, mode: &'static str) {
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner) = mode;
    }

    /// The alert shown now, for telemetry.
    pub fn alert(&self) -> Option<AlertInfo> {
        self.wanted().alert.as_ref().map(|(alert, expires_at)| AlertInfo {
            text: alert.text.clone(),
            level: alert.level.name().to_string(),
            expires_at: *expires_at,
        })
    }

    /// Whether the maintenance screen is on, for telemetry.
    pub fn maintenance(&self) -> bool {
        self.wanted().maintenance.is_some()
    }

    /// The touchscreen fell asleep (`true`, power-saving hours) or woke.
    pub fn set_asleep(&self, asleep: bool) {
        self.asleep.store(asleep, Ordering::Relaxed);
    }

    /// Whether the touchscreen is asleep now, for telemetry (always false without one).
    pub fn asleep(&self) -> bool {
        self.asleep.load(Ordering::Relaxed)
    }

    fn refuse_without_touchscreen(&self, command: &str) -> Option<Outcome> {
        let mode = self.mode();
        (mode != "touchscreen").then(|| {
            Outcome::failed(format!(
                "this kiosk runs without a touchscreen ({mode} mode): '{command}' has nothing to show; nothing was done"
            ))
        })
    }

    /// The `alert` command: `{"text", "level", "expires_at"}` shows a banner, `{"clear": true}`
    /// removes it.
    pub fn alert_command(self: &std::sync::Arc<Self>, args: &Map<String, Value>) -> Outcome {
        if let Some(refused) = self.refuse_without_touchscreen("alert") {
            return refused;
        }
        if args.get("clear").and_then(Value::as_bool) == Some(true) {
            let mut wanted = self.wanted();
            wanted.alert = None;
            wanted.alert_generation += 1;
            drop(wanted);
            if let Some(ui) = self.ui.get() {
                ui.set_alert(None);
            }
            tracing::info!("alert banner cleared by command");
            let mut data = Map::new();
            data.insert("alert".into(), Value::Null);
            return Outcome::ok_with(data);
        }
        let text = match text_arg(args, "text") {
            Ok(Some(text)) => text,
            Ok(None) => {
                return Outcome::failed("\"text\" is needed (or \"clear\": true to remove the banner)");
            }
            Err(why) => return Outcome::failed(why),
        };
        let level = match args.get("level") {
            None | Some(Value::Null) => AlertLevel::Info,
            Some(Value::String(name)) => match AlertLevel::parse(name) {
                Some(level) => level,
                None => {
                    return Outcome::failed(format!(
                        "unknown \"level\" '{name}': use info, warning or urgent"
                    ));
                }
            },
            Some(other) => return Outcome::failed(format!("\"level\" must be a string, not {other}")),
        };
        let expires_at = match args.get("expires_at") {
            None | Some(Value::Null) => None,
            Some(Value::String(at)) => match DateTime::parse_from_rfc3339(at) {
                Ok(at) if at.with_timezone(&Utc) > Utc::now() => Some(at.with_timezone(&Utc)),
                Ok(_) => return Outcome::failed(format!("\"expires_at\" {at} is already past")),
                Err(e) => {
                    return Outcome::failed(format!(
                        "\"expires_at\" is not an RFC 3339 date and time ({e}), e.g. 2026-12-01T18:00:00+01:00"
                    ));
                }
            },
            Some(other) => return Outcome::failed(format!("\"expires_at\" must be a string, not {other}")),
        };
        let alert = Alert { text, level };
        let generation = {
            let mut wanted = self.wanted();
            wanted.alert = Some((alert.clone(), expires_at));
            wanted.alert_generation += 1;
            wanted.alert_generation
        };
        if let Some(ui) = self.ui.get() {
            ui.set_alert(Some(alert));
        }
        if let Some(at) = expires_at {
            self.clear_alert_at(at, generation);
        }
        tracing::info!(level = level.name(), expires_at = ?expires_at, "alert banner set by command");
        let mut data = Map::new();
        data.insert("alert".into(), serde_json::to_value(self.alert()).unwrap_or(Value::Null));
        data.insert("shown".into(), Value::from(self.ui.get().is_some()));
        Outcome::ok_with(data)
    }

    /// Clears the alert of `generation` at `at`, unless another alert replaced it by then.
    fn clear_alert_at(self: &std::sync::Arc<Self>, at: DateTime<Utc>, generation: u64) {
        let screen = std::sync::Arc::clone(self);
        let spawned = std::thread::Builder::new().name("borne-alert-expiry".into()).spawn(move || {
            while let Ok(left) = (at - Utc::now()).to_std() {
                std::thread::sleep(left.min(Duration::from_secs(60)));
            }
            let mut wanted = screen.wanted();
            if wanted.alert_generation != generation {
                return;
            }
            wanted.alert = None;
            drop(wanted);
            if let Some(ui) = screen.ui.get() {
                ui.set_alert(None);
            }
            tracing::info!("alert banner expired");
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the alert's expiry timer; clear it by command");
        }
    }

    /// The `maintenance` command: `{"on": true, "message": "…"}` or `{"on": false}`.
    pub fn maintenance_command(&self, args: &Map<String, Value>) -> Outcome {
        if let Some(refused) = self.refuse_without_touchscreen("maintenance") {
            return refused;
        }
        let Some(on) = args.get("on").and_then(Value::as_bool) else {
            return Outcome::failed("\"on\" is needed: true shows the maintenance screen, false removes it");
        };
        let message = match text_arg(args, "message") {
            Ok(message) => message,
            Err(why) => return Outcome::failed(why),
        };
        self.wanted().maintenance = on.then(|| message.clone());
        if let Some(ui) = self.ui.get() {
            ui.set_maintenance(on, message);
        }
        tracing::info!(on, "maintenance screen set by command");
        let mut data = Map::new();
        data.insert("maintenance".into(), Value::from(on));
        data.insert("shown".into(), Value::from(self.ui.get().is_some()));
        Outcome::ok_with(data)
    }

    /// The `screenshot` command: a picture of the screen as it is now, unless a visitor is using
    /// the kiosk. The reply carries a reduced PNG (`png_base64`, at most 540 px wide); the full-size
    /// PNG is saved on the kiosk (`saved`), where the last few are kept.
    pub fn screenshot_command(&self) -> Outcome {
        if let Some(refused) = self.refuse_without_touchscreen("screenshot") {
            return refused;
        }
        let Some(ui) = self.ui.get() else {
            return Outcome::failed("the touchscreen is not up yet; try again in a few seconds");
        };
        let picture = match ui.snapshot(SNAPSHOT_WAIT) {
            Ok(Some(picture)) => picture,
            Ok(None) => {
                return Outcome::failed(
                    "a visitor is using the kiosk: no screenshot, to protect what they see and type; \
                     try again when it is back on the welcome screen",
                );
            }
            Err(e) => return Outcome::failed(format!("no screenshot: {e}")),
        };
        let (width, height) = (picture.width(), picture.height());
        let saved = match self.save(width, height, picture.as_bytes()) {
            Ok(path) => Some(path),
            Err(e) => {
                tracing::warn!(error = %e, "screenshot not saved on the kiosk");
                None
            }
        };
        let (small_width, small_height, small) = reduce(width, height, picture.as_bytes(), REPLY_WIDTH);
        let png = match encode_png(small_width, small_height, &small) {
            Ok(png) => png,
            Err(e) => return Outcome::failed(format!("no screenshot: cannot encode the picture: {e}")),
        };
        let mut data = Map::new();
        data.insert("width".into(), Value::from(width));
        data.insert("height".into(), Value::from(height));
        data.insert("png_width".into(), Value::from(small_width));
        data.insert("png_height".into(), Value::from(small_height));
        data.insert("png_base64".into(), Value::from(base64::engine::general_purpose::STANDARD.encode(png)));
        data.insert("saved".into(), saved.map_or(Value::Null, |p| Value::from(p.display().to_string())));
        Outcome::ok_with(data)
    }

    /// Saves the full-size picture and keeps only the newest few.
    fn save(&self, width: u32, height: u32, rgba: &[u8]) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(&self.screenshots_dir)?;
        let name = format!("screenshot-{}.png", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
        let path = self.screenshots_dir.join(name);
        let png = encode_png(width, height, rgba).map_err(std::io::Error::other)?;
        std::fs::File::create(&path)?.write_all(&png)?;
        prune(&self.screenshots_dir, KEEP_SCREENSHOTS);
        Ok(path)
    }
}

/// Deletes all but the newest `keep` screenshots of `dir`.
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut shots: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("screenshot-")))
        .collect();
    shots.sort();
    let excess = shots.len().saturating_sub(keep);
    for old in &shots[..excess] {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!(error = %e, file = %old.display(), "cannot delete an old screenshot");
        }
    }
}

/// Shrinks an RGBA picture to at most `max_width` wide by averaging whole blocks of pixels, and
/// drops the alpha channel: `(width, height, rgb)`.
fn reduce(width: u32, height: u32, rgba: &[u8], max_width: u32) -> (u32, u32, Vec<u8>) {
    let factor = width.div_ceil(max_width.max(1)).max(1);
    let (w, h) = ((width / factor).max(1), (height / factor).max(1));
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let mut sum = [0u32; 3];
            for dy in 0..factor {
                for dx in 0..factor {
                    let i = (((y * factor + dy) * width + x * factor + dx) * 4) as usize;
                    for (c, total) in sum.iter_mut().enumerate() {
                        *total += u32::from(rgba.get(i + c).copied().unwrap_or(0));
                    }
                }
            }
            rgb.extend(sum.map(|total| (total / (factor * factor)) as u8));
        }
    }
    (w, h, rgb)
}

/// Encodes an RGBA or RGB picture (told apart by its length) as an opaque RGB PNG (the screens
/// have no transparency; dropping alpha keeps files small). Also used by `borne screenshot`.
pub fn encode_png(width: u32, height: u32, pixels: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let rgb: Vec<u8> = if pixels.len() == (width * height * 4) as usize {
        pixels.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
    } else {
        pixels.to_vec()
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// The outcome as one line: `ok=… error=… data=…`.
    fn said(outcome: &Outcome) -> String {
        format!(
            "ok={} error={} data={}",
            outcome.ok,
            outcome.error.as_deref().unwrap_or(""),
            Value::Object(outcome.data.clone())
        )
    }

    fn args(json: &str) -> Map<String, Value> {
        match serde_json::from_str(json) {
            Ok(Value::Object(map)) => map,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn alerts_are_checked_kept_until_the_screen_attaches_and_cleared() {
        let dir = tempfile::tempdir().expect("tempdir");
        let screen = Arc::new(Screen::new("touchscreen", dir.path().to_path_buf()));
        let refused = [
            (r#"{}"#, "\"text\" is needed"),
            (r#"{"text": 3}"#, "must be a string"),
            (r#"{"text": "Fermé", "level": "loud"}"#, "unknown \"level\""),
            (r#"{"text": "Fermé", "expires_at": "demain"}"#, "RFC 3339"),
            (r#"{"text": "Fermé", "expires_at": "2020-01-01T00:00:00Z"}"#, "already past"),
        ];
        for (json, says) in refused {
            let outcome = screen.alert_command(&args(json));
            let text = said(&outcome);
            assert!(text.contains(says), "{json}: {text}");
            assert!(screen.alert().is_none());
        }
        let long = format!(r#"{{"text": "{}"}}"#, "a".repeat(MAX_MESSAGE_CHARS + 1));
        assert!(said(&screen.alert_command(&args(&long))).contains("too long"));

        let outcome =
            screen.alert_command(&args(r#"{"text": "Coupure\u0007 d'eau\n  ce soir", "level": "urgent"}"#));
        let text = said(&outcome);
        assert!(text.contains("ok=true") && text.contains("\"shown\":false"), "{text}");
        let alert = screen.alert().expect("kept for the screen");
        assert_eq!(alert.text, "Coupure d'eau ce soir", "control bytes and line breaks removed");
        assert_eq!(alert.level, "urgent");

        let soon = (Utc::now() + chrono::Duration::milliseconds(300)).to_rfc3339();
        screen.alert_command(&args(&format!(r#"{{"text": "Bientôt fini", "expires_at": "{soon}"}}"#)));
        assert_eq!(screen.alert().expect("alert").text, "Bientôt fini");
        let start = std::time::Instant::now();
        while screen.alert().is_some() {
            assert!(start.elapsed() < Duration::from_secs(5), "the alert never expired");
            std::thread::sleep(Duration::from_millis(20));
        }
        screen.alert_command(&args(r#"{"text": "Encore"}"#));
        screen.alert_command(&args(r#"{"clear": true}"#));
        assert!(screen.alert().is_none());
    }

    #[test]
    fn maintenance_needs_on_and_a_screen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let screen = Screen::new("touchscreen", dir.path().to_path_buf());
        assert!(said(&screen.maintenance_command(&args("{}"))).contains("\"on\" is needed"));
        screen.maintenance_command(&args(r#"{"on": true, "message": "Retour à 14 h"}"#));
        assert!(screen.maintenance());
        screen.maintenance_command(&args(r#"{"on": false}"#));
        assert!(!screen.maintenance());

        let headless = Arc::new(Screen::new("headless", dir.path().to_path_buf()));
        for outcome in [
            headless.alert_command(&args(r#"{"text": "x"}"#)),
            headless.maintenance_command(&args(r#"{"on": true}"#)),
            headless.screenshot_command(),
        ] {
            let text = said(&outcome);
            assert!(text.contains("without a touchscreen (headless mode)"), "{text}");
        }
        assert!(headless.alert().is_none() && !headless.maintenance());
    }

    #[test]
    fn pictures_are_reduced_by_averaging_blocks() {
        // 4×2 RGBA: left half white, right half black; reduced to 2×1.
        let mut rgba = Vec::new();
        for _ in 0..2 {
            rgba.extend([255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
        }
        let (w, h, rgb) = reduce(4, 2, &rgba, 2);
        assert_eq!((w, h), (2, 1));
        assert_eq!(rgb, vec![255, 255, 255, 0, 0, 0]);
        let png = encode_png(w, h, &rgb).expect("png");
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn only_the_newest_screenshots_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        for i in 0..8 {
            std::fs::write(dir.path().join(format!("screenshot-2026112{i}.png")), b"x").expect("write");
        }
        std::fs::write(dir.path().join("other.txt"), b"x").expect("write");
        prune(dir.path(), 5);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left.len(), 6, "{left:?}");
        assert!(
            left.contains(&"screenshot-20261127.png".to_string())
                && !left.contains(&"screenshot-20261122.png".to_string())
        );
    }
}

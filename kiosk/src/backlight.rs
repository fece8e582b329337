//! The screen's backlight, powered down while the touchscreen sleeps (power-saving hours).
//!
//! A black window still lights an LCD's backlight; Linux exposes it in
//! `/sys/class/backlight/<device>/`: writing `4` (`FB_BLANK_POWERDOWN`) to `bl_power` turns it
//! off and `0` (`FB_BLANK_UNBLANK`) on. Drivers without `bl_power` get `brightness` 0 instead, the
//! previous brightness being restored on waking. The writes happen on a thread of their own
//! ([`BacklightSwitch`]): some panel drivers take a while, and the UI thread must not wait. A
//! backlight that is missing or not writable (the systemd unit must allow it, see
//! `deploy/README.md`) is said once in the log; the black window works without it.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};

/// `FB_BLANK_UNBLANK`: backlight on.
const POWER_ON: &str = "0";
/// `FB_BLANK_POWERDOWN`: backlight off.
const POWER_DOWN: &str = "4";
/// Where Linux lists backlight devices.
pub const SYS_BACKLIGHT: &str = "/sys/class/backlight";

/// What went wrong with the backlight.
#[derive(Debug, thiserror::Error)]
pub enum BacklightError {
    /// The configured directory is not a backlight device (no `bl_power` nor `brightness`).
    #[error("{0} is not a backlight device directory (no bl_power nor brightness file)")]
    NotABacklight(PathBuf),
    /// A file of the device could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// One backlight device directory.
#[derive(Debug)]
pub struct Backlight {
    dir: PathBuf,
    /// The brightness before powering down, when the device has no `bl_power`.
    saved_brightness: Option<String>,
}

impl Backlight {
    /// The backlight of the `[screen] backlight` setting: `none` → `None`; `auto` → the first
    /// device of `/sys/class/backlight` (by name), or `None` when there is none (a desktop, a
    /// virtual machine); otherwise the directory given, which must be a backlight device.
    pub fn from_setting(setting: &str) -> Result<Option<Backlight>, BacklightError> {
        match setting {
            "none" => Ok(None),
            "auto" => Ok(Self::first_in(Path::new(SYS_BACKLIGHT))),
            dir => Self::open(Path::new(dir)).map(Some),
        }
    }

    /// The first backlight device (by name) in `class_dir`, laid out like `/sys/class/backlight`.
    pub fn first_in(class_dir: &Path) -> Option<Backlight> {
        let mut dirs: Vec<PathBuf> =
            std::fs::read_dir(class_dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        dirs.sort();
        dirs.iter().find_map(|dir| Self::open(dir).ok())
    }

    /// The backlight device in `dir` (with a `bl_power` or a `brightness` file).
    pub fn open(dir: &Path) -> Result<Backlight, BacklightError> {
        if dir.join("bl_power").is_file() || dir.join("brightness").is_file() {
            Ok(Backlight { dir: dir.to_path_buf(), saved_brightness: None })
        } else {
            Err(BacklightError::NotABacklight(dir.to_path_buf()))
        }
    }

    /// The device directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Powers the backlight down (`on` false) or up.
    pub fn set_power(&mut self, on: bool) -> Result<(), BacklightError> {
        let bl_power = self.dir.join("bl_power");
        if bl_power.is_file() {
            return write(&bl_power, if on { POWER_ON } else { POWER_DOWN });
        }
        let brightness = self.dir.join("brightness");
        if on {
            let level = match self.saved_brightness.take() {
                Some(level) => level,
                None => read(&self.dir.join("max_brightness"))?,
            };
            write(&brightness, &level)
        } else {
            let current = read(&brightness)?;
            if current != "0" {
                self.saved_brightness = Some(current);
            }
            write(&brightness, "0")
        }
    }
}

fn read(path: &Path) -> Result<String, BacklightError> {
    std::fs::read_to_string(path)
        .map(|text| text.trim().to_string())
        .map_err(|source| BacklightError::Io { path: path.to_path_buf(), source })
}

fn write(path: &Path, value: &str) -> Result<(), BacklightError> {
    std::fs::write(path, value).map_err(|source| BacklightError::Io { path: path.to_path_buf(), source })
}

/// Switches the backlight from a thread of its own: [`BacklightSwitch::set_asleep`] returns at
/// once. Without a backlight it does nothing.
#[derive(Clone)]
pub struct BacklightSwitch {
    tx: Option<Sender<bool>>,
}

impl BacklightSwitch {
    /// Finds the backlight of the `[screen] backlight` setting and starts its thread; problems are
    /// logged (one warning) and leave a switch that does nothing.
    pub fn start(setting: &str) -> BacklightSwitch {
        let backlight = match Backlight::from_setting(setting) {
            Ok(Some(backlight)) => backlight,
            Ok(None) => {
                tracing::info!(setting, "no backlight to power down: the sleeping screen is only black");
                return BacklightSwitch { tx: None };
            }
            Err(e) => {
                tracing::warn!(error = %e, "screen.backlight unusable: the sleeping screen is only black");
                return BacklightSwitch { tx: None };
            }
        };
        Self::spawn(backlight)
    }

    /// Starts the thread driving `backlight`.
    pub fn spawn(mut backlight: Backlight) -> BacklightSwitch {
        let (tx, rx) = channel::<bool>();
        let spawned = std::thread::Builder::new().name("borne-backlight".into()).spawn(move || {
            tracing::info!(dir = %backlight.dir().display(), "backlight powered down while the screen sleeps");
            let mut warned = false;
            while let Ok(asleep) = rx.recv() {
                match backlight.set_power(!asleep) {
                    Ok(()) => tracing::debug!(asleep, "backlight switched"),
                    Err(e) if !warned => {
                        warned = true;
                        tracing::warn!(
                            error = %e,
                            "cannot switch the backlight (is it writable by the kiosk? see deploy/README.md); \
                             the sleeping screen is only black"
                        );
                    }
                    Err(e) => tracing::debug!(error = %e, "backlight still not switchable"),
                }
            }
        });
        match spawned {
            Ok(_) => BacklightSwitch { tx: Some(tx) },
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the backlight thread: the sleeping screen is only black");
                BacklightSwitch { tx: None }
            }
        }
    }

    /// Powers the backlight down (`true`) or up, without waiting.
    pub fn set_asleep(&self, asleep: bool) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(asleep);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// A directory laid out like `/sys/class/backlight/<name>`.
    fn device(class: &Path, name: &str, bl_power: bool) -> PathBuf {
        let dir = class.join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        if bl_power {
            std::fs::write(dir.join("bl_power"), "0\n").expect("write");
        }
        std::fs::write(dir.join("brightness"), "180\n").expect("write");
        std::fs::write(dir.join("max_brightness"), "255\n").expect("write");
        dir
    }

    fn content(path: &Path) -> String {
        std::fs::read_to_string(path).expect("read").trim().to_string()
    }

    #[test]
    fn bl_power_is_4_asleep_and_0_awake() {
        let class = tempfile::tempdir().expect("tempdir");
        device(class.path(), "rpi_backlight", true);
        device(class.path(), "zz_other", true);
        let mut backlight = Backlight::first_in(class.path()).expect("found");
        assert!(backlight.dir().ends_with("rpi_backlight"), "the first by name");
        backlight.set_power(false).expect("down");
        assert_eq!(content(&backlight.dir().join("bl_power")), "4");
        assert_eq!(content(&backlight.dir().join("brightness")), "180", "brightness untouched");
        backlight.set_power(true).expect("up");
        assert_eq!(content(&backlight.dir().join("bl_power")), "0");
    }

    #[test]
    fn without_bl_power_brightness_goes_to_0_and_back() {
        let class = tempfile::tempdir().expect("tempdir");
        let dir = device(class.path(), "panel", false);
        let mut backlight = Backlight::open(&dir).expect("device");
        backlight.set_power(false).expect("down");
        assert_eq!(content(&dir.join("brightness")), "0");
        backlight.set_power(false).expect("down again");
        backlight.set_power(true).expect("up");
        assert_eq!(content(&dir.join("brightness")), "180", "the previous brightness is restored");
        std::fs::write(dir.join("brightness"), "0").expect("write");
        backlight.set_power(true).expect("up");
        assert_eq!(content(&dir.join("brightness")), "255", "never saved: the maximum");
    }

    #[test]
    fn settings_and_missing_devices() {
        let class = tempfile::tempdir().expect("tempdir");
        assert!(Backlight::from_setting("none").expect("none").is_none());
        assert!(Backlight::first_in(class.path()).is_none(), "no device");
        assert!(Backlight::first_in(&class.path().join("absent")).is_none());
        let err = Backlight::from_setting(&class.path().display().to_string()).expect_err("not a device");
        assert!(err.to_string().contains("is not a backlight device directory"), "{err}");
        // A switch without a backlight does nothing, and does not fail.
        let switch = BacklightSwitch::start("none");
        switch.set_asleep(true);
    }

    #[test]
    #[cfg(unix)]
    fn the_switch_writes_from_its_thread_and_survives_an_unwritable_device() {
        use std::os::unix::fs::PermissionsExt;
        let class = tempfile::tempdir().expect("tempdir");
        let dir = device(class.path(), "rpi_backlight", true);
        let switch = BacklightSwitch::spawn(Backlight::open(&dir).expect("device"));
        let wait_for = |value: &str| {
            let start = Instant::now();
            while content(&dir.join("bl_power")) != value {
                assert!(start.elapsed() < Duration::from_secs(5), "bl_power never became {value}");
                std::thread::sleep(Duration::from_millis(10));
            }
        };
        switch.set_asleep(true);
        wait_for("4");
        switch.set_asleep(false);
        wait_for("0");
        // Read-only (as /sys is under ProtectKernelTunables=yes): errors, logged, no panic.
        std::fs::set_permissions(dir.join("bl_power"), std::fs::Permissions::from_mode(0o444))
            .expect("chmod");
        let mut backlight = Backlight::open(&dir).expect("device");
        let writable = std::fs::OpenOptions::new().write(true).open(dir.join("bl_power")).is_ok();
        if !writable {
            let err = backlight.set_power(false).expect_err("read-only").to_string();
            assert!(err.contains("bl_power"), "{err}");
        }
        switch.set_asleep(true);
        switch.set_asleep(false);
    }
}

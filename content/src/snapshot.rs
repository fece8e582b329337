//! A copy of the last content that loaded without error, kept in the kiosk's state directory.
//!
//! A reload that fails keeps the previous content in memory, but a kiosk may restart (power cut,
//! upgrade) while its content directory holds a broken edit. With a snapshot, it starts on the last
//! good content instead of showing an "out of order" screen, and switches to the directory as soon
//! as the edit is fixed.
//!
//! The copy is replaced atomically enough for power loss: files are written and synced into
//! `last-good.new/`, the current copy is renamed to `last-good.old/`, the new one renamed into
//! place, then the old one removed. Reading falls back to `last-good.old/` if a cut happened
//! between the two renames.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const CURRENT: &str = "last-good";
const NEW: &str = "last-good.new";
const OLD: &str = "last-good.old";

/// The snapshot folder inside `state_dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    state_dir: PathBuf,
}

impl Snapshot {
    /// Snapshots kept under `state_dir/content/`.
    pub fn new(state_dir: &Path) -> Self {
        Self { state_dir: state_dir.join("content") }
    }

    /// Replaces the snapshot with `files` (relative names and bytes).
    pub fn save(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        fs::create_dir_all(&self.state_dir)?;
        let new = self.state_dir.join(NEW);
        let current = self.state_dir.join(CURRENT);
        let old = self.state_dir.join(OLD);
        if new.exists() {
            fs::remove_dir_all(&new)?;
        }
        fs::create_dir(&new)?;
        for (name, bytes) in files {
            let relative = Path::new(name);
            let safe = relative.components().all(|c| matches!(c, std::path::Component::Normal(_)));
            if !safe {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("unsafe file name '{name}'"),
                ));
            }
            let target = new.join(relative);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            let mut file = fs::File::create(target)?;
            file.write_all(bytes)?;
            file.sync_all()?;
        }
        sync_dir(&new)?;
        if old.exists() {
            fs::remove_dir_all(&old)?;
        }
        if current.exists() {
            fs::rename(&current, &old)?;
        }
        fs::rename(&new, &current)?;
        sync_dir(&self.state_dir)?;
        if old.exists() {
            fs::remove_dir_all(&old)?;
        }
        Ok(())
    }

    /// The directory holding the last good content, if there is one.
    pub fn dir(&self) -> Option<PathBuf> {
        [CURRENT, OLD]
            .iter()
            .map(|name| self.state_dir.join(name))
            .find(|dir| dir.join("commune.toml").is_file())
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    // Directory fsync makes the renames durable on Linux; other systems may refuse it.
    match fs::File::open(dir).and_then(|d| d.sync_all()) {
        Ok(()) => Ok(()),
        Err(e) if cfg!(unix) => Err(e),
        Err(_) => Ok(()),
    }
}

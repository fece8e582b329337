//! The content in service, swapped atomically on reload.
//!
//! Readers (chatbot, UI, printer templates) take a cheap snapshot ([`Arc<Content>`]) and keep using
//! it for as long as they need; a reload builds the new content on the side and swaps it in only if
//! it is valid, so a broken edit never takes the kiosk down: the last good content stays in service.
//! With a [`Snapshot`], the last good files are also kept on disk, so that a kiosk restarting on a
//! broken edit starts on them.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::Content;
use crate::loader::{LoadError, Loaded, load};
use crate::snapshot::Snapshot;
use crate::source::ContentSource;

/// How the store started.
#[derive(Debug)]
pub struct Opened {
    /// The content now in service.
    pub loaded: Loaded,
    /// When the source was broken and the snapshot was used instead: the source's problems.
    pub fell_back: Option<LoadError>,
}

/// Holds the content in service and the source it reloads from.
pub struct ContentStore {
    source: ContentSource,
    snapshot: Option<Snapshot>,
    current: ArcSwap<Content>,
}

impl ContentStore {
    /// Loads `source` for the first time. If it is broken and `snapshot` holds a last good copy,
    /// starts on that copy (and says so in [`Opened::fell_back`]); fails only when neither loads.
    pub fn open(source: ContentSource, snapshot: Option<Snapshot>) -> Result<(Self, Opened), LoadError> {
        let (loaded, fell_back) = match load(&source) {
            Ok(loaded) => {
                save_snapshot(snapshot.as_ref(), &source, &loaded);
                (loaded, None)
            }
            Err(err) => match snapshot.as_ref().and_then(Snapshot::dir) {
                Some(dir) => match load(&ContentSource::Directory(dir)) {
                    Ok(loaded) => (loaded, Some(err)),
                    Err(_) => return Err(err),
                },
                None => return Err(err),
            },
        };
        let current = ArcSwap::from_pointee(loaded.content.clone());
        Ok((Self { source, snapshot, current }, Opened { loaded, fell_back }))
    }

    /// The content in service now.
    pub fn current(&self) -> Arc<Content> {
        self.current.load_full()
    }

    /// Where content is reloaded from.
    pub fn source(&self) -> &ContentSource {
        &self.source
    }

    /// Reloads the source. On success the new content is in service and returned; on failure the
    /// previous content stays in service and the problems are returned.
    pub fn reload(&self) -> Result<Loaded, LoadError> {
        let loaded = load(&self.source)?;
        self.current.store(Arc::new(loaded.content.clone()));
        save_snapshot(self.snapshot.as_ref(), &self.source, &loaded);
        tracing::info!(version = %loaded.content.version, origin = %loaded.content.origin, "content reloaded");
        Ok(loaded)
    }
}

/// Keeps a copy of content read from a directory (the embedded demo needs none).
fn save_snapshot(snapshot: Option<&Snapshot>, source: &ContentSource, loaded: &Loaded) {
    if let (Some(snapshot), ContentSource::Directory(_)) = (snapshot, source)
        && let Err(e) = snapshot.save(&loaded.files)
    {
        tracing::warn!(error = %e, "cannot keep a copy of the last good content");
    }
}

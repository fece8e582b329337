//! The chatbot's semantic side in service (cargo feature `semantic`): the loaded model, the
//! embeddings of the FAQ in service, and the background thread that computes them when content
//! loads, so neither start-up nor the touchscreen waits for the model.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use arc_swap::{ArcSwap, ArcSwapOption};

use crate::candidates::Similarities;
use crate::config::SemanticConfig;
use crate::engine::Engine;
use crate::sanitize::sanitize;
use crate::semantic::{CacheOutcome, SemanticIndex, SemanticModel};

/// FAQ embeddings together with the engine (content snapshot) they were computed for.
#[derive(Debug)]
struct Ready {
    engine: Weak<Engine>,
    index: SemanticIndex,
}

/// The loaded model and the embeddings of the latest content.
#[derive(Debug)]
pub(crate) struct SemanticState {
    model: SemanticModel,
    cache_dir: Option<PathBuf>,
    ready: ArcSwapOption<Ready>,
    pending: AtomicUsize,
    outcome: Mutex<Option<CacheOutcome>>,
}

impl SemanticState {
    /// Loads the model in `dir`; on failure logs one line and returns `None` (lexical-only).
    pub(crate) fn load(dir: &Path, config: &SemanticConfig) -> Option<Arc<Self>> {
        // One intra-op thread: measured faster than two on a busy 2-core kiosk (docs/performance.md).
        tch::set_num_threads(1);
        let started = Instant::now();
        match SemanticModel::load(dir) {
            Ok(model) => {
                tracing::info!(model = %dir.display(), ms = started.elapsed().as_millis() as u64, "semantic model loaded");
                Some(Arc::new(Self {
                    model,
                    cache_dir: config.cache_dir.clone(),
                    ready: ArcSwapOption::empty(),
                    pending: AtomicUsize::new(0),
                    outcome: Mutex::new(None),
                }))
            }
            Err(e) => {
                tracing::warn!(model = %dir.display(), error = %e, "semantic model not loaded, the chatbot runs lexical-only");
                None
            }
        }
    }

    /// Embeds the FAQ of `engine` (or reads the cache) on a new thread.
    pub(crate) fn embed_in_background(self: &Arc<Self>, engine: Arc<Engine>) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        let state = Arc::clone(self);
        let spawned = std::thread::Builder::new().name("faq-embeddings".to_string()).spawn(move || {
            let started = Instant::now();
            let texts = engine.semantic_texts();
            match SemanticIndex::build(&state.model, engine.len(), &texts, state.cache_dir.as_deref()) {
                Ok((index, outcome)) => {
                    tracing::info!(
                        texts = texts.len(),
                        cache = ?outcome,
                        ms = started.elapsed().as_millis() as u64,
                        "FAQ embeddings ready"
                    );
                    state.ready.store(Some(Arc::new(Ready { engine: Arc::downgrade(&engine), index })));
                    if let Ok(mut o) = state.outcome.lock() {
                        *o = Some(outcome);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot embed the FAQ, lexical matching only for this content")
                }
            }
            state.pending.fetch_sub(1, Ordering::SeqCst);
        });
        if let Err(e) = spawned {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!(error = %e, "cannot start the FAQ embedding thread, lexical matching only");
        }
    }

    fn index_for(&self, engine: &Arc<Engine>) -> Option<Arc<Ready>> {
        self.ready.load_full().filter(|r| Weak::ptr_eq(&r.engine, &Arc::downgrade(engine)))
    }

    /// Whether the embeddings of `engine`'s FAQ are ready.
    pub(crate) fn is_ready_for(&self, engine: &Arc<Engine>) -> bool {
        self.index_for(engine).is_some()
    }

    /// The question's cosine to every entry of `engine`, if its embeddings are ready.
    pub(crate) fn similarities(&self, engine: &Arc<Engine>, question: &str) -> Option<Similarities> {
        let ready = self.index_for(engine)?;
        let cleaned = sanitize(question).ok()?;
        match self.model.embed_query(&cleaned) {
            Ok(v) => Some(ready.index.similarities(&v)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot embed the question, answering lexically");
                None
            }
        }
    }

    /// Waits until the engine in service has its embeddings, or nothing is pending, or `timeout`.
    pub(crate) fn wait_ready(&self, engine: &ArcSwap<Engine>, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.index_for(&engine.load_full()).is_some() {
                return true;
            }
            if self.pending.load(Ordering::SeqCst) == 0 || Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How the last embedding went.
    pub(crate) fn outcome(&self) -> Option<CacheOutcome> {
        self.outcome.lock().ok().and_then(|o| *o)
    }
}

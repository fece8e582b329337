//! The chatbot's semantic side in service: the embedder (the model in process in builds with the
//! cargo feature `semantic`, else the `borne-embed` sidecar), the embeddings of the FAQ in
//! service, and the background thread that loads the model and embeds the FAQ whenever content
//! loads, so that neither start-up nor the touchscreen waits for the model: questions are
//! answered lexically until the embeddings are ready, and whenever the embedder cannot answer.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use arc_swap::{ArcSwap, ArcSwapOption};

use crate::candidates::Similarities;
use crate::config::SemanticConfig;
use crate::embedder::{Embedder, Role};
use crate::engine::Engine;
use crate::sanitize::sanitize;
use crate::semantic::{CacheOutcome, SemanticError, SemanticIndex};

/// How many times the FAQ is embedded again when the sidecar broke during it.
const EMBED_ATTEMPTS: usize = 3;

/// FAQ embeddings together with the engine (content snapshot) they were computed for.
#[derive(Debug)]
struct Ready {
    engine: Weak<Engine>,
    index: SemanticIndex,
}

/// What runs the model.
#[derive(Debug, Clone)]
enum Backend {
    /// The rust-bert model in this process.
    #[cfg(feature = "semantic")]
    InProcess(PathBuf),
    /// The `borne-embed` sidecar.
    #[cfg_attr(feature = "semantic", allow(dead_code))]
    Sidecar {
        /// The program.
        program: PathBuf,
        /// The model directory it loads.
        model: PathBuf,
    },
}

impl Backend {
    /// The backend for `config` (with a model): in process with the feature, else the sidecar
    /// program, when there is one (else one log line and `None`).
    fn choose(model: &std::path::Path, config: &SemanticConfig) -> Option<Self> {
        #[cfg(feature = "semantic")]
        {
            let _ = &config.embedder;
            Some(Backend::InProcess(model.to_path_buf()))
        }
        #[cfg(not(feature = "semantic"))]
        match crate::embedder::find_program(config.embedder.as_deref()) {
            Ok(program) => Some(Backend::Sidecar { program, model: model.to_path_buf() }),
            Err(places) => {
                let looked: Vec<String> = places.iter().map(|p| p.display().to_string()).collect();
                tracing::warn!(
                    model = %model.display(),
                    looked_in = %looked.join(", "),
                    "no borne-embed program to run the semantic model (package borne-semantic-fr; this build has no semantic support in process): lexical matching only"
                );
                None
            }
        }
    }

    fn load(&self) -> Result<Arc<dyn Embedder>, SemanticError> {
        match self {
            #[cfg(feature = "semantic")]
            Backend::InProcess(dir) => {
                crate::semantic::SemanticModel::set_threads(1);
                Ok(Arc::new(crate::semantic::SemanticModel::load(dir)?))
            }
            Backend::Sidecar { program, model } => {
                Ok(Arc::new(crate::process_embedder::ProcessEmbedder::start(
                    program,
                    model,
                    crate::process_embedder::ProcessOptions::default(),
                )?))
            }
        }
    }

    fn model(&self) -> &std::path::Path {
        match self {
            #[cfg(feature = "semantic")]
            Backend::InProcess(dir) => dir,
            Backend::Sidecar { model, .. } => model,
        }
    }

    fn runner(&self) -> String {
        match self {
            #[cfg(feature = "semantic")]
            Backend::InProcess(_) => "in process".to_string(),
            Backend::Sidecar { program, .. } => program.display().to_string(),
        }
    }
}

/// What the background thread and the answering threads share.
#[derive(Debug)]
struct Shared {
    embedder: OnceLock<Arc<dyn Embedder>>,
    failed: AtomicBool,
    cache_dir: Option<PathBuf>,
    ready: ArcSwapOption<Ready>,
    /// Engines sent to the background thread and not yet embedded (or skipped).
    pending: AtomicUsize,
    outcome: Mutex<Option<CacheOutcome>>,
}

/// The semantic side of a [`crate::Chatbot`]. Dropping it ends the background thread (and with
/// it a sidecar).
#[derive(Debug)]
pub(crate) struct SemanticState {
    shared: Arc<Shared>,
    jobs: Sender<Arc<Engine>>,
}

impl SemanticState {
    /// With a model configured, starts the background thread that loads it and embeds
    /// `engine`'s FAQ; `None` without a model, or when nothing can run it (one log line).
    pub(crate) fn start(config: &SemanticConfig, engine: Arc<Engine>) -> Option<Self> {
        let model = config.model.as_deref()?;
        let backend = Backend::choose(model, config)?;
        let shared = Arc::new(Shared {
            embedder: OnceLock::new(),
            failed: AtomicBool::new(false),
            cache_dir: config.cache_dir.clone(),
            ready: ArcSwapOption::empty(),
            pending: AtomicUsize::new(1),
            outcome: Mutex::new(None),
        });
        let (jobs, received) = mpsc::channel();
        let _ = jobs.send(engine);
        let worker = Arc::clone(&shared);
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        let spawned = std::thread::Builder::new().name("semantic".to_string()).spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || run(&worker, &backend, &received));
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the semantic thread, lexical matching only");
            return None;
        }
        Some(Self { shared, jobs })
    }

    /// Embeds the FAQ of `engine` (or reads the cache) on the background thread.
    pub(crate) fn embed_in_background(&self, engine: Arc<Engine>) {
        if self.shared.failed.load(Ordering::SeqCst) {
            return;
        }
        self.shared.pending.fetch_add(1, Ordering::SeqCst);
        if self.jobs.send(engine).is_err() {
            self.shared.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Whether the model is loading or loaded (false once it failed to load).
    pub(crate) fn alive(&self) -> bool {
        !self.shared.failed.load(Ordering::SeqCst)
    }

    fn index_for(&self, engine: &Arc<Engine>) -> Option<Arc<Ready>> {
        self.shared.ready.load_full().filter(|r| Weak::ptr_eq(&r.engine, &Arc::downgrade(engine)))
    }

    /// Whether the embeddings of `engine`'s FAQ are ready and the embedder can answer.
    pub(crate) fn is_ready_for(&self, engine: &Arc<Engine>) -> bool {
        self.index_for(engine).is_some() && self.shared.embedder.get().is_some_and(|e| e.available())
    }

    /// The question's cosine to every entry of `engine`, if its embeddings are ready and the
    /// embedder answers.
    pub(crate) fn similarities(&self, engine: &Arc<Engine>, question: &str) -> Option<Similarities> {
        let ready = self.index_for(engine)?;
        let embedder = self.shared.embedder.get()?;
        let cleaned = sanitize(question).ok()?;
        match embedder.embed(Role::Query, &[cleaned.as_str()]) {
            Ok(mut vectors) if vectors.len() == 1 => vectors.pop().map(|v| ready.index.similarities(&v)),
            Ok(_) => None,
            Err(SemanticError::Unavailable(why)) => {
                tracing::debug!(reason = %why, "embedder unavailable, answering lexically");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot embed the question, answering lexically");
                None
            }
        }
    }

    /// Waits until the engine in service has its embeddings, or nothing is pending, or the
    /// model failed, or `timeout`.
    pub(crate) fn wait_ready(&self, engine: &ArcSwap<Engine>, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.index_for(&engine.load_full()).is_some() {
                return true;
            }
            if self.shared.failed.load(Ordering::SeqCst)
                || self.shared.pending.load(Ordering::SeqCst) == 0
                || Instant::now() >= deadline
            {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How the last embedding went.
    pub(crate) fn outcome(&self) -> Option<CacheOutcome> {
        self.shared.outcome.lock().ok().and_then(|o| *o)
    }
}

/// The background thread: loads the model, then embeds each engine it is sent (only the newest
/// of several waiting), until the chatbot is dropped.
fn run(shared: &Shared, backend: &Backend, jobs: &Receiver<Arc<Engine>>) {
    let started = Instant::now();
    let embedder = match backend.load() {
        Ok(embedder) => embedder,
        Err(e) => {
            shared.failed.store(true, Ordering::SeqCst);
            tracing::warn!(
                model = %backend.model().display(),
                runner = %backend.runner(),
                error = %e,
                "semantic model not loaded, the chatbot runs lexical-only"
            );
            return;
        }
    };
    tracing::info!(
        model = %backend.model().display(),
        runner = %backend.runner(),
        ms = started.elapsed().as_millis() as u64,
        "semantic model loaded"
    );
    let _ = shared.embedder.set(Arc::clone(&embedder));
    while let Ok(mut engine) = jobs.recv() {
        while let Ok(newer) = jobs.try_recv() {
            shared.pending.fetch_sub(1, Ordering::SeqCst);
            engine = newer;
        }
        embed_faq(shared, embedder.as_ref(), &engine);
        shared.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Embeds `engine`'s FAQ (or reads the cache) and puts it in service; tries again when the
/// sidecar broke meanwhile and comes back.
fn embed_faq(shared: &Shared, embedder: &dyn Embedder, engine: &Arc<Engine>) {
    let started = Instant::now();
    let texts = engine.semantic_texts();
    for attempt in 1..=EMBED_ATTEMPTS {
        match SemanticIndex::build(embedder, engine.len(), &texts, shared.cache_dir.as_deref()) {
            Ok((index, outcome)) => {
                tracing::info!(
                    texts = texts.len(),
                    cache = ?outcome,
                    ms = started.elapsed().as_millis() as u64,
                    "FAQ embeddings ready"
                );
                // The outcome first: whoever sees the index ready sees how it was made.
                if let Ok(mut o) = shared.outcome.lock() {
                    *o = Some(outcome);
                }
                shared.ready.store(Some(Arc::new(Ready { engine: Arc::downgrade(engine), index })));
                return;
            }
            Err(e) if attempt < EMBED_ATTEMPTS && embedder.wait_available(Duration::from_secs(600)) => {
                tracing::info!(error = %e, "embedding the FAQ again, the embedder is back");
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot embed the FAQ, lexical matching only for this content");
                return;
            }
        }
    }
}

//! The sentence-embedding model in its own process: [`ProcessEmbedder`] runs the `borne-embed`
//! sidecar (built with the cargo feature `semantic`, shipped by the `borne-semantic-fr` package)
//! and talks to it with the line protocol of [`crate::embed_protocol`], so that a `borne` built
//! without libtorch gets meaning-level matching when the package is installed.
//!
//! Failures never reach the visitor: every wait is bounded (start, question, FAQ batch), and a
//! sidecar that crashes, writes garbage or stops answering is killed, logged in one line, and the
//! chatbot answers lexically meanwhile. It is restarted in the background after a delay that
//! doubles with each failure in a row (1 s, 2 s, 4 s... at most 5 min); after
//! [`ProcessOptions::max_restarts`] failures in a row (about 4 minutes of trying with the
//! defaults) it is given up, with one more log line, until `borne` restarts. A successful answer
//! resets the count. A restarted sidecar must report the same model key as the first one (the FAQ
//! embeddings in service were computed with it); another key is given up at once.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use crate::embed_protocol::{
    LineError, MAX_REPLY_BYTES, MAX_TEXT_BYTES, MAX_TEXTS, PROTOCOL, Ready, Reply, Request, Startup,
    read_line,
};
use crate::embedder::{Embedder, Role};
use crate::semantic::{SemanticError, normalized};

/// Texts per request when embedding the FAQ (the protocol allows [`MAX_TEXTS`]).
const REQUEST_TEXTS: usize = 32;

/// Time limits and restart policy of a [`ProcessEmbedder`].
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessOptions {
    /// Longest wait for the sidecar's ready line (it loads the model first).
    pub start_timeout: Duration,
    /// Longest wait for a question's vector (and, again, for the sidecar to be free).
    pub query_timeout: Duration,
    /// Longest wait for one batch of FAQ texts.
    pub passage_timeout: Duration,
    /// Failures in a row after which the sidecar is given up until `borne` restarts.
    pub max_restarts: u32,
    /// Delay before the first restart; doubled after each failure in a row.
    pub first_backoff: Duration,
    /// Longest delay between two restarts.
    pub max_backoff: Duration,
}

impl Default for ProcessOptions {
    fn default() -> Self {
        Self {
            start_timeout: Duration::from_secs(300),
            query_timeout: Duration::from_secs(5),
            passage_timeout: Duration::from_secs(120),
            max_restarts: 8,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// What the sidecar's output thread passes on.
enum Incoming {
    Line(Result<String, LineError>),
    End,
}

/// Why a request did not get vectors.
enum Failure {
    /// The sidecar answered with an error: it is fine, this request is not.
    Reported(String),
    /// The sidecar crashed, wrote garbage or did not answer in time: it must go.
    Broken(String),
}

/// A running sidecar: the child, a thread writing its input, a thread reading its output.
struct Connection {
    child: Child,
    pid: u32,
    requests: Option<Sender<String>>,
    replies: Receiver<Incoming>,
    next_id: u64,
}

/// The first characters of a line, for a log message.
fn excerpt(line: &str) -> String {
    let cut: String = line.chars().take(60).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if cut.len() < line.len() { format!("{cut}...") } else { cut }
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

impl Connection {
    fn spawn(program: &Path, model: &Path) -> Result<Self, String> {
        let mut child = Command::new(program)
            .arg("--model")
            .arg(model)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start it: {e}"))?;
        let pid = child.id();
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("no pipes to it".to_string());
        };
        let (requests, to_write) = mpsc::channel::<String>();
        let (read, replies) = mpsc::channel::<Incoming>();
        let writer = std::thread::Builder::new().name("borne-embed-in".to_string()).spawn(move || {
            for line in to_write {
                if stdin
                    .write_all(line.as_bytes())
                    .and_then(|()| stdin.write_all(b"\n"))
                    .and_then(|()| stdin.flush())
                    .is_err()
                {
                    break;
                }
            }
        });
        let reader = std::thread::Builder::new().name("borne-embed-out".to_string()).spawn(move || {
            let mut stdout = BufReader::new(stdout);
            loop {
                let incoming = match read_line(&mut stdout, MAX_REPLY_BYTES) {
                    Ok(Some(line)) => Incoming::Line(line),
                    Ok(None) | Err(_) => Incoming::End,
                };
                let end = matches!(incoming, Incoming::End);
                if read.send(incoming).is_err() || end {
                    break;
                }
            }
        });
        if writer.is_err() || reader.is_err() {
            let _ = child.kill();
            let _ = child.wait();
            return Err("cannot start the threads that talk to it".to_string());
        }
        Ok(Self { child, pid, requests: Some(requests), replies, next_id: 1 })
    }

    /// How the sidecar went away, once its output closed.
    fn exit_reason(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return format!("it exited ({status})");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        "it closed its output".to_string()
    }

    fn next_line(&mut self, timeout: Duration) -> Result<String, String> {
        match self.replies.recv_timeout(timeout) {
            Ok(Incoming::Line(Ok(line))) => Ok(line),
            Ok(Incoming::Line(Err(e))) => Err(format!("unreadable output ({e})")),
            Ok(Incoming::End) | Err(RecvTimeoutError::Disconnected) => Err(self.exit_reason()),
            Err(RecvTimeoutError::Timeout) => Err(format!("no answer within {:.1} s", timeout.as_secs_f32())),
        }
    }

    /// Waits for the ready line. `Err(Ok(why))`: the model did not load; `Err(Err(why))`: the
    /// sidecar itself failed.
    fn handshake(&mut self, timeout: Duration) -> Result<Ready, Result<String, String>> {
        let line = self.next_line(timeout).map_err(Err)?;
        match serde_json::from_str::<Startup>(&line) {
            Ok(Startup::Ready(ready)) if ready.protocol == PROTOCOL && ready.dim > 0 => Ok(ready),
            Ok(Startup::Ready(ready)) => Err(Err(format!(
                "it speaks protocol {} with {} dimensions (this chatbot: protocol {PROTOCOL})",
                ready.protocol, ready.dim
            ))),
            Ok(Startup::Failed(why)) => Err(Ok(why)),
            Err(_) => Err(Err(format!("garbage instead of its ready line: {}", excerpt(&line)))),
        }
    }

    fn request(
        &mut self,
        role: Role,
        texts: &[&str],
        dim: usize,
        timeout: Duration,
    ) -> Result<Vec<Vec<f32>>, Failure> {
        let id = self.next_id;
        self.next_id += 1;
        let request = Request { id, role, texts: texts.iter().map(|t| cut(t, MAX_TEXT_BYTES)).collect() };
        let line = serde_json::to_string(&request).map_err(|e| Failure::Reported(e.to_string()))?;
        if self.requests.as_ref().is_none_or(|r| r.send(line).is_err()) {
            return Err(Failure::Broken(self.exit_reason()));
        }
        let line = self.next_line(timeout).map_err(Failure::Broken)?;
        let garbage = || Failure::Broken(format!("garbage instead of an answer: {}", excerpt(&line)));
        let reply: Reply = serde_json::from_str(&line).map_err(|_| garbage())?;
        if reply.id != Some(id) {
            return Err(garbage());
        }
        match (reply.vectors, reply.error) {
            (_, Some(error)) => Err(Failure::Reported(error)),
            (Some(vectors), None)
                if vectors.len() == texts.len()
                    && vectors.iter().all(|v| v.len() == dim && v.iter().all(|x| x.is_finite())) =>
            {
                Ok(vectors.into_iter().map(normalized).collect())
            }
            _ => Err(garbage()),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.requests = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the sidecar is in its life.
enum Link {
    Up(Connection),
    /// Stopped; a background thread restarts it after a delay.
    Restarting,
    /// Failed too often, or came back with another model: lexical until `borne` restarts.
    GaveUp,
    /// The embedder was dropped.
    Closed,
}

struct State {
    link: Link,
    failures: u32,
}

struct Shared {
    program: PathBuf,
    model: PathBuf,
    options: ProcessOptions,
    key: String,
    dim: usize,
    state: Mutex<State>,
    changed: Condvar,
    up: AtomicBool,
    dispatch: tracing::Dispatch,
}

/// Runs the `borne-embed` sidecar and embeds through it (see the module documentation for how
/// failures are handled). Dropping it kills the sidecar.
pub struct ProcessEmbedder {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ProcessEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessEmbedder")
            .field("program", &self.shared.program)
            .field("model", &self.shared.model)
            .field("key", &self.shared.key)
            .finish()
    }
}

impl ProcessEmbedder {
    /// Starts `program --model MODEL` and waits (at most [`ProcessOptions::start_timeout`]) for
    /// its ready line. A model the sidecar cannot load is a [`SemanticError::Model`]; a program
    /// that cannot start or breaks the protocol, a [`SemanticError::Sidecar`].
    pub fn start(program: &Path, model: &Path, options: ProcessOptions) -> Result<Self, SemanticError> {
        let sidecar = |reason: String| SemanticError::Sidecar { program: program.to_path_buf(), reason };
        let mut connection = Connection::spawn(program, model).map_err(sidecar)?;
        let ready = match connection.handshake(options.start_timeout) {
            Ok(ready) => ready,
            Err(Ok(why)) => return Err(SemanticError::Model(why)),
            Err(Err(why)) => return Err(sidecar(why)),
        };
        Ok(Self {
            shared: Arc::new(Shared {
                program: program.to_path_buf(),
                model: model.to_path_buf(),
                options,
                key: ready.key,
                dim: ready.dim,
                state: Mutex::new(State { link: Link::Up(connection), failures: 0 }),
                changed: Condvar::new(),
                up: AtomicBool::new(true),
                dispatch: tracing::dispatcher::get_default(Clone::clone),
            }),
        })
    }

    /// The sidecar program.
    pub fn program(&self) -> &Path {
        &self.shared.program
    }

    /// The length of the vectors.
    pub fn dim(&self) -> usize {
        self.shared.dim
    }

    /// The process id of the running sidecar (`None` while it is stopped), for diagnostics and
    /// tests.
    pub fn pid(&self) -> Option<u32> {
        match &self.shared.lock().link {
            Link::Up(connection) => Some(connection.pid),
            _ => None,
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state, when no other request holds it for longer than `timeout`.
    fn lock_within(&self, timeout: Duration) -> Option<MutexGuard<'_, State>> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.state.try_lock() {
                Ok(guard) => return Some(guard),
                Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
                Err(TryLockError::WouldBlock) if Instant::now() >= deadline => return None,
                Err(TryLockError::WouldBlock) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }

    fn backoff(&self, failures: u32) -> Duration {
        let factor = 1u32 << failures.saturating_sub(1).min(20);
        self.options.first_backoff.saturating_mul(factor).min(self.options.max_backoff)
    }

    fn request(
        self: &Arc<Self>,
        role: Role,
        texts: &[&str],
        timeout: Duration,
    ) -> Result<Vec<Vec<f32>>, SemanticError> {
        let mut state = self
            .lock_within(timeout)
            .ok_or_else(|| SemanticError::Unavailable("busy with another request".to_string()))?;
        let Link::Up(connection) = &mut state.link else {
            return Err(SemanticError::Unavailable("borne-embed is not running".to_string()));
        };
        let pid = connection.pid;
        match connection.request(role, texts, self.dim, timeout) {
            Ok(vectors) => {
                state.failures = 0;
                Ok(vectors)
            }
            Err(Failure::Reported(why)) => Err(SemanticError::Model(why)),
            Err(Failure::Broken(why)) => {
                self.up.store(false, Ordering::SeqCst);
                state.link = Link::Restarting; // drops the connection: the sidecar is killed
                state.failures += 1;
                if state.failures > self.options.max_restarts {
                    state.link = Link::GaveUp;
                    tracing::warn!(
                        program = %self.program.display(),
                        pid,
                        error = %why,
                        failures = state.failures,
                        "borne-embed stopped, and has failed too often: semantic matching off until borne restarts"
                    );
                } else {
                    let delay = self.backoff(state.failures);
                    tracing::warn!(
                        program = %self.program.display(),
                        pid,
                        error = %why,
                        "borne-embed stopped, answering lexically; restarting it in {:.0} s",
                        delay.as_secs_f32().ceil()
                    );
                    self.restart_later(delay, &mut state);
                }
                self.changed.notify_all();
                Err(SemanticError::Unavailable(why))
            }
        }
    }

    /// Starts a thread that restarts the sidecar after `delay` (the state says `Restarting`).
    fn restart_later(self: &Arc<Self>, delay: Duration, state: &mut State) {
        let shared = Arc::clone(self);
        let spawned = std::thread::Builder::new().name("borne-embed-restart".to_string()).spawn(move || {
            let dispatch = shared.dispatch.clone();
            tracing::dispatcher::with_default(&dispatch, || shared.restart_after(delay));
        });
        if let Err(e) = spawned {
            state.link = Link::GaveUp;
            tracing::warn!(error = %e, "cannot start a thread to restart borne-embed: semantic matching off until borne restarts");
        }
    }

    fn restart_after(self: &Arc<Self>, delay: Duration) {
        {
            let state = self.lock();
            let (state, _) = self
                .changed
                .wait_timeout_while(state, delay, |s| !matches!(s.link, Link::Closed))
                .unwrap_or_else(PoisonError::into_inner);
            if matches!(state.link, Link::Closed) {
                return;
            }
        }
        let started =
            Connection::spawn(&self.program, &self.model).and_then(|mut connection| {
                match connection.handshake(self.options.start_timeout) {
                    Ok(ready) => Ok((connection, ready)),
                    Err(Ok(why) | Err(why)) => Err(why),
                }
            });
        let mut state = self.lock();
        if matches!(state.link, Link::Closed) {
            return;
        }
        match started {
            Ok((connection, ready)) if ready.key == self.key && ready.dim == self.dim => {
                tracing::info!(program = %self.program.display(), pid = connection.pid, "borne-embed restarted");
                state.link = Link::Up(connection);
                self.up.store(true, Ordering::SeqCst);
            }
            Ok(_) => {
                state.link = Link::GaveUp;
                tracing::warn!(
                    program = %self.program.display(),
                    "borne-embed came back with another model than the FAQ embeddings were made with: semantic matching off until borne restarts"
                );
            }
            Err(why) => {
                state.failures += 1;
                if state.failures > self.options.max_restarts {
                    state.link = Link::GaveUp;
                    tracing::warn!(
                        program = %self.program.display(),
                        error = %why,
                        failures = state.failures,
                        "cannot restart borne-embed: semantic matching off until borne restarts"
                    );
                } else {
                    let delay = self.backoff(state.failures);
                    tracing::warn!(
                        program = %self.program.display(),
                        error = %why,
                        "cannot restart borne-embed; next try in {:.0} s",
                        delay.as_secs_f32().ceil()
                    );
                    self.restart_later(delay, &mut state);
                }
            }
        }
        self.changed.notify_all();
    }
}

impl Embedder for ProcessEmbedder {
    fn key(&self) -> &str {
        &self.shared.key
    }

    fn embed(&self, role: Role, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
        let timeout = match role {
            Role::Query => self.shared.options.query_timeout,
            Role::Passage => self.shared.options.passage_timeout,
        };
        let mut vectors = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(REQUEST_TEXTS.min(MAX_TEXTS)) {
            vectors.extend(self.shared.request(role, chunk, timeout)?);
        }
        Ok(vectors)
    }

    fn available(&self) -> bool {
        self.shared.up.load(Ordering::SeqCst)
    }

    fn wait_available(&self, timeout: Duration) -> bool {
        let state = self.shared.lock();
        let (state, _) = self
            .shared
            .changed
            .wait_timeout_while(state, timeout, |s| matches!(s.link, Link::Restarting))
            .unwrap_or_else(PoisonError::into_inner);
        matches!(state.link, Link::Up(_))
    }
}

impl Drop for ProcessEmbedder {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.link = Link::Closed; // kills a running sidecar
        self.shared.up.store(false, Ordering::SeqCst);
        self.shared.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sidecar in Python that speaks the protocol with 3-dimensional vectors. Its `--model`
    /// directory steers it: `mode` (or `mode-N` for its N-th start) is one of `good`, `crash`
    /// (exits on the first request), `garbage`, `hang`, `fail-load`, `silent` (never ready),
    /// `wrong-dim`; `key` is the key it reports; it counts its starts in `starts`.
    const FAKE: &str = r#"#!/usr/bin/env python3
import json, os, sys, time
d = sys.argv[2]
def cfg(name, default=""):
    try:
        return open(os.path.join(d, name)).read().strip()
    except OSError:
        return default
starts = int(cfg("starts", "0")) + 1
open(os.path.join(d, "starts"), "w").write(str(starts))
mode = cfg("mode-%d" % starts) or cfg("mode", "good")
if mode == "fail-load":
    print(json.dumps({"failed": "model directory: missing config.json"}), flush=True)
    sys.exit(1)
if mode == "silent":
    time.sleep(60)
print(json.dumps({"ready": {"protocol": 1, "key": cfg("key", "fake-key"), "dim": 3}}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    if mode == "crash":
        sys.exit(3)
    if mode == "garbage":
        print("Warning: something in libtorch", flush=True)
        continue
    if mode == "hang":
        time.sleep(60)
    dim = 2 if mode == "wrong-dim" else 3
    vecs = [[float(len(t)), 1.0, 0.5][:dim] for t in req["texts"]]
    print(json.dumps({"id": req["id"], "vectors": vecs}), flush=True)
"#;

    struct Fake {
        dir: tempfile::TempDir,
        program: PathBuf,
    }

    impl Fake {
        fn new(mode: &str) -> Fake {
            use std::os::unix::fs::PermissionsExt;
            let dir = tempfile::tempdir().expect("tempdir");
            let program = dir.path().join("fake-embed");
            std::fs::write(&program, FAKE).expect("write fake");
            std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let fake = Fake { dir, program };
            fake.set("mode", mode);
            fake
        }
        fn set(&self, name: &str, value: &str) {
            std::fs::write(self.dir.path().join(name), value).expect("write setting");
        }
        fn starts(&self) -> u32 {
            std::fs::read_to_string(self.dir.path().join("starts"))
                .map_or(0, |s| s.trim().parse().unwrap_or(0))
        }
        fn start(&self, options: ProcessOptions) -> Result<ProcessEmbedder, SemanticError> {
            ProcessEmbedder::start(&self.program, self.dir.path(), options)
        }
    }

    fn quick() -> ProcessOptions {
        ProcessOptions {
            start_timeout: Duration::from_secs(20),
            query_timeout: Duration::from_secs(20),
            passage_timeout: Duration::from_secs(20),
            max_restarts: 2,
            first_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(200),
        }
    }

    fn alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
    }

    #[test]
    fn a_good_sidecar_embeds_in_batches_and_is_killed_on_drop() {
        let fake = Fake::new("good");
        let embedder = fake.start(quick()).expect("start");
        assert_eq!((embedder.key(), embedder.dim()), ("fake-key", 3));
        let texts: Vec<String> = (0..70).map(|i| "x".repeat(i)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = embedder.embed(Role::Passage, &refs).expect("embed");
        assert_eq!(vectors.len(), 70);
        assert!(
            vectors.iter().all(|v| (v.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5),
            "unit length"
        );
        let pid = embedder.pid().expect("running");
        assert!(alive(pid));
        drop(embedder);
        assert!(!alive(pid), "the sidecar outlived its embedder");
    }

    #[test]
    fn a_model_that_does_not_load_and_a_sidecar_that_never_gets_ready_are_start_errors() {
        let err = Fake::new("fail-load").start(quick()).expect_err("fails").to_string();
        assert_eq!(err, "model error: model directory: missing config.json");
        let silent = Fake::new("silent");
        let started = Instant::now();
        let options = ProcessOptions { start_timeout: Duration::from_millis(300), ..quick() };
        let err = silent.start(options).expect_err("never ready").to_string();
        assert!(err.contains("no answer within 0.3 s"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let err = ProcessEmbedder::start(Path::new("/nonexistent/borne-embed"), Path::new("/m"), quick())
            .expect_err("missing")
            .to_string();
        assert!(err.starts_with("/nonexistent/borne-embed: cannot start it"), "{err}");
    }

    #[test]
    fn a_crash_is_answered_unavailable_then_the_sidecar_is_restarted() {
        let fake = Fake::new("good");
        fake.set("mode-1", "crash");
        let embedder = fake.start(quick()).expect("start");
        let err = embedder.embed(Role::Query, &["piscine"]).expect_err("crashed");
        assert!(matches!(err, SemanticError::Unavailable(ref why) if why.contains("exited")), "{err}");
        assert!(embedder.wait_available(Duration::from_secs(20)), "restarted");
        assert_eq!(fake.starts(), 2);
        assert_eq!(embedder.embed(Role::Query, &["piscine"]).expect("embeds again").len(), 1);
    }

    #[test]
    fn garbage_and_silence_count_as_failures() {
        for mode in ["garbage", "hang", "wrong-dim"] {
            let fake = Fake::new("good");
            fake.set("mode-1", mode);
            let options = ProcessOptions { query_timeout: Duration::from_millis(500), ..quick() };
            let embedder = fake.start(options).expect("start");
            let started = Instant::now();
            let err = embedder.embed(Role::Query, &["piscine"]).expect_err(mode);
            assert!(matches!(err, SemanticError::Unavailable(_)), "{mode}: {err}");
            assert!(started.elapsed() < Duration::from_secs(10), "{mode}: bounded wait");
            assert!(embedder.wait_available(Duration::from_secs(20)), "{mode}: restarted");
            assert!(embedder.embed(Role::Query, &["piscine"]).is_ok(), "{mode}: works again");
        }
    }

    #[test]
    fn a_sidecar_that_keeps_failing_is_given_up_and_another_model_is_refused() {
        let fake = Fake::new("crash");
        let embedder = fake.start(quick()).expect("start");
        for _ in 0..10 {
            let _ = embedder.embed(Role::Query, &["piscine"]);
            if !embedder.wait_available(Duration::from_secs(20)) {
                break;
            }
        }
        assert!(!embedder.available());
        assert!(!embedder.wait_available(Duration::from_millis(10)), "given up");
        assert_eq!(fake.starts(), 3, "the first start and max_restarts = 2 restarts");
        assert!(matches!(embedder.embed(Role::Query, &["x"]), Err(SemanticError::Unavailable(_))));

        let fake = Fake::new("good");
        fake.set("mode-1", "crash");
        let embedder = fake.start(quick()).expect("start");
        fake.set("key", "another-model");
        let _ = embedder.embed(Role::Query, &["piscine"]);
        assert!(!embedder.wait_available(Duration::from_secs(20)), "another key is given up");
        assert_eq!(fake.starts(), 2);
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        assert_eq!(cut("ééé", 3), "é");
        assert_eq!(cut("abc", 10), "abc");
        assert_eq!(excerpt(&"a\tb".repeat(40)).len(), 63);
    }
}

//! `borne run` (and `borne` alone): starts the kiosk.
//!
//! Chooses how to meet visitors: the touchscreen UI where there is a display (unless `--terminal`), else a
//! terminal session of the same kiosk when standard input is a terminal, else headless (devices and
//! telemetry only) until SIGINT or SIGTERM. Content is reloaded when its files change or on SIGHUP,
//! keeping the last good content when an edit is broken. Under systemd it says when it is ready and
//! keeps the watchdog fed while its loops are alive (`crate::watchdog`).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use borne_content::{ContentSource, ContentStore, Snapshot};
use borne_hardware::liveness::Liveness;
use borne_ui::strings::Text;

use crate::chat;
use crate::cli::RunArgs;
use crate::clock::Clock;
use crate::config::Config;
use crate::content_watch::{self, Reloader};
use crate::printing::KioskPrinter;
use crate::reading;
use crate::screen::Screen;
use crate::telemetry;
use crate::terminal::{CardFeed, TerminalSession};
use crate::touchscreen;
use crate::watchdog::Watchdog;

/// How the kiosk meets visitors in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The Slint touchscreen UI on the display.
    Touchscreen,
    /// A text session on the terminal.
    Terminal,
    /// No screen at all.
    Headless,
}

impl Mode {
    /// The mode's name in telemetry: `touchscreen`, `terminal` or `headless`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Touchscreen => "touchscreen",
            Mode::Terminal => "terminal",
            Mode::Headless => "headless",
        }
    }
}

/// Where live screenshots are saved: `<state_dir>/screenshots`, else the temporary directory.
fn screenshots_dir(config: &Config) -> std::path::PathBuf {
    config
        .kiosk
        .state_dir
        .as_ref()
        .map_or_else(|| std::env::temp_dir().join("borne-screenshots"), |dir| dir.join("screenshots"))
}

/// Whether a graphical display is reachable: a Wayland socket or an X display's local socket that
/// accepts connections (a remote `host:N` display is trusted as given), or, with `SLINT_BACKEND=linuxkms`
/// (no compositor: deploy/systemd/borne-kiosk-kms.service), a DRM device. An unset or dead
/// display falls back to the terminal or headless mode, saying why.
fn display_available() -> bool {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if var("SLINT_BACKEND").is_some_and(|backend| backend.starts_with("linuxkms")) {
        return drm_device_present();
    }
    if let Some(wayland) = var("WAYLAND_DISPLAY") {
        let socket = std::path::Path::new(&wayland);
        let socket = match var("XDG_RUNTIME_DIR") {
            Some(runtime) if socket.is_relative() => std::path::Path::new(&runtime).join(socket),
            _ => socket.to_path_buf(),
        };
        if accepts_connections(&socket) {
            return true;
        }
    }
    var("DISPLAY").is_some_and(|display| x_display_reachable(&display))
}

/// Whether the kernel offers a DRM display device (`/dev/dri/card*`) for Slint's linuxkms backend.
fn drm_device_present() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries.flatten().any(|entry| entry.file_name().to_string_lossy().starts_with("card"))
    })
}

/// `:N`, `:N.S` and `unix:N` are local sockets `/tmp/.X11-unix/XN` (reachable when a server
/// accepts a connection there); anything else (`host:N`) is a network display, trusted as given.
fn x_display_reachable(display: &str) -> bool {
    let (host, rest) = display.rsplit_once(':').unwrap_or((display, ""));
    if !(host.is_empty() || host == "unix") {
        return true;
    }
    let number = rest.split('.').next().unwrap_or("");
    !number.is_empty() && accepts_connections(std::path::Path::new(&format!("/tmp/.X11-unix/X{number}")))
}

/// Whether a display server listens on this Unix socket: a socket file left behind by a server
/// that died (a crash, a `kill -9`) refuses the connection.
fn accepts_connections(socket: &std::path::Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}

/// Decides the mode, telling the person at the terminal why in one line.
pub fn choose_mode(args: &RunArgs, config: &Config) -> Mode {
    if args.headless {
        return Mode::Headless;
    }
    let lang = config.language();
    if display_available() && !args.terminal {
        return Mode::Touchscreen;
    }
    let why = if display_available() { terminal_asked(lang) } else { Text::NoDisplay.get(lang) };
    if args.terminal || std::io::stdin().is_terminal() {
        eprintln!("borne: {why}; {}", terminal_note(lang));
        Mode::Terminal
    } else {
        eprintln!("borne: {why}; {}", Text::Headless.get(lang));
        Mode::Headless
    }
}

fn terminal_asked(lang: borne_content::Lang) -> &'static str {
    match lang {
        borne_content::Lang::Fr => "--terminal demandé",
        borne_content::Lang::En => "--terminal asked",
    }
}

fn terminal_note(lang: borne_content::Lang) -> &'static str {
    match lang {
        borne_content::Lang::Fr => "session de la borne dans le terminal.",
        borne_content::Lang::En => "kiosk session in the terminal.",
    }
}

/// Runs the kiosk until it is stopped.
pub fn run(args: &RunArgs, config: &Config, mode: Mode) -> anyhow::Result<()> {
    let source = config.content_source();
    let snapshot = config.kiosk.state_dir.as_deref().map(Snapshot::new);
    let (store, opened) = match ContentStore::open(source.clone(), snapshot) {
        Ok(opened) => opened,
        Err(err) => {
            for problem in &err.problems {
                eprintln!("{problem}");
            }
            bail!("cannot start: the content of {} has {} error(s)", err.origin, err.error_count());
        }
    };
    if let Some(err) = &opened.fell_back {
        for problem in &err.problems {
            tracing::error!(%problem, "content problem");
        }
        tracing::error!(
            errors = err.error_count(),
            "the content directory is broken: started on the last good copy; fix the files to switch back"
        );
    }
    let loaded = opened.loaded;
    for warning in &loaded.warnings {
        tracing::warn!(%warning, "content warning");
    }
    let store = Arc::new(store);
    let content = store.current();
    tracing::info!(
        kiosk = %config.kiosk.id,
        site = %config.kiosk.site,
        content = %content.origin,
        version = %content.version,
        faq = content.faq.len(),
        services = content.services.len(),
        "kiosk started"
    );
    log_devices_and_broker(config);
    // A followed service missing from the content (a typo, or a content edit that removed it)
    // must not stop the kiosk, which would then crash-loop on every restart: the screen stays
    // awake, and the log says which key to fix.
    if let Err(err) = config.screen.check_content(&content) {
        tracing::error!(error = %err, "power-saving hours ignored: the screen stays awake");
    }

    let clock = Clock::new(content.commune.timezone, args.now.as_deref())?;
    let chatbot = Arc::new(chat::build(&content, config)?);
    let feedback = Arc::new(chat::feedback_log(config));
    let reloader = Arc::new(Reloader {
        store: Arc::clone(&store),
        chatbot: Arc::clone(&chatbot),
        events: std::sync::OnceLock::new(),
    });
    let _watcher = match &source {
        ContentSource::Directory(dir) => match content_watch::watch(dir.clone(), Arc::clone(&reloader)) {
            Ok(watcher) => Some(watcher),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the content directory; reload with SIGHUP");
                None
            }
        },
        ContentSource::Embedded => None,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the I/O runtime")?;
    runtime.spawn(reload_on_sighup(Arc::clone(&reloader)));
    let watchdog = Arc::new(Watchdog::from_env());
    watchdog.watch("io-runtime", runtime_pulse(&runtime), IO_RUNTIME_MAX_SILENCE);

    // The printer runs on its own thread; a printer that cannot start does not stop the kiosk.
    let printer = match KioskPrinter::start(config, None) {
        Ok(printer) => {
            watchdog.watch("printer", printer.liveness(), PRINTER_MAX_SILENCE);
            if let Some(dir) = printer.receipts_dir() {
                tracing::info!(dir = %dir.display(), "simulated printer: receipts saved as PNG + text");
            }
            Some(Arc::new(printer))
        }
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "receipt printer unavailable");
            None
        }
    };

    // Telemetry runs on the runtime, never on the thread that meets visitors. A broker that is
    // down is not a problem (the spool keeps everything); a telemetry set-up that cannot work
    // (unreadable spool directory, password file open to others) is logged and the kiosk serves
    // visitors without it.
    // What remote commands ask of the screen is kept from the start: commands queued while the
    // kiosk was away arrive before the touchscreen opens.
    let screen = Arc::new(Screen::new(mode.name(), screenshots_dir(config)));
    let telemetry = {
        let _guard = runtime.enter();
        match telemetry::start(
            config,
            Arc::clone(&store),
            Arc::clone(&feedback),
            Arc::clone(&reloader),
            printer.clone(),
            clock.clone(),
            Arc::clone(&screen),
        ) {
            Ok(running) => running,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "telemetry not started");
                None
            }
        }
    };

    // A reader that cannot start (no pseudo-terminals for the simulator, bad settings) must not
    // stop the kiosk: everything else works without it.
    let mut reader = match reading::start(&config.devices.reader) {
        Ok(reader) => {
            watchdog.watch("card-reader", reader.liveness(), READER_MAX_SILENCE);
            Some(reader)
        }
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "card reader not started");
            None
        }
    };

    // The reader's events go through the telemetry's tap (counts, state changes) when it runs.
    let mut reader_events = reader.as_mut().and_then(|r| r.take_events());
    if let Some(running) = &telemetry
        && let Some(events) = reader_events.take()
    {
        reader_events = Some(telemetry::tap_reader(
            events,
            Arc::clone(&running.usage),
            Arc::clone(&running.reader_state),
            running.handle.sink(),
        ));
    }

    match mode {
        Mode::Touchscreen => {
            // The reader's events, through the telemetry tap when telemetry runs.
            let cards = reader_events.take();
            let shown = touchscreen::run(
                config,
                touchscreen::Parts {
                    store: Arc::clone(&store),
                    chatbot: Arc::clone(&chatbot),
                    feedback,
                    clock,
                    printer: printer.clone(),
                    cards,
                    screen: Arc::clone(&screen),
                    fullscreen: config.kiosk.fullscreen && !args.windowed,
                    usage: telemetry.as_ref().map(|running| Arc::clone(&running.usage)),
                    events: telemetry.as_ref().map(|running| running.handle.sink()),
                    watchdog: Arc::clone(&watchdog),
                },
            );
            // A display that refuses the window must not stop the kiosk: the devices and
            // telemetry carry on (and tell the fleet), until the service is stopped.
            if let Err(err) = shown {
                tracing::error!(
                    error = %format!("{err:#}"),
                    "the touchscreen cannot run: carrying on without a screen (devices and telemetry)"
                );
                screen.fell_back(Mode::Headless.name());
                watchdog.ready("no touchscreen (the display refused the window): devices and telemetry only");
                runtime.block_on(wait_for_stop())?;
            }
        }
        Mode::Terminal => {
            let mut session = TerminalSession::new(
                Arc::clone(&store),
                Arc::clone(&chatbot),
                feedback,
                clock,
                config.language(),
                config.kiosk.idle_timeout_secs,
            );
            if let Some(running) = &telemetry {
                session = session.with_telemetry(Arc::clone(&running.usage), running.handle.sink());
            }
            if let Some(reader) = reader.as_ref()
                && let Some(events) = reader_events.take()
            {
                session = session.with_cards(CardFeed { events, kind: reader.kind, tapper: reader.tapper() });
            }
            if let Some(printer) = &printer {
                session = session.with_printer(Arc::clone(printer), config.content.dir.clone());
            }
            watchdog.ready("serving visitors in the terminal");
            session.run(std::io::stdin(), &mut std::io::stdout())?;
        }
        Mode::Headless => {
            if let Some(events) = reader_events.take() {
                std::thread::spawn(move || for _ in events {});
            }
            watchdog.ready("headless: devices and telemetry, no screen");
            runtime.block_on(wait_for_stop())?
        }
    }
    watchdog.stopping();
    if let Some(running) = telemetry {
        runtime.block_on(running.handle.shutdown());
    }
    drop(reader);
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    tracing::info!("kiosk stopped");
    Ok(())
}

/// The longest the I/O runtime (telemetry, SIGHUP) may go without running its 1 s pulse task
/// before the watchdog gives up on the kiosk.
const IO_RUNTIME_MAX_SILENCE: Duration = Duration::from_secs(15);
/// The printer thread's bound: long, because sending a receipt with a QR code at 9,600 baud
/// takes seconds and the thread only goes round between writes.
const PRINTER_MAX_SILENCE: Duration = Duration::from_secs(60);
/// The card reader thread's bound (it goes round at every read timeout, well under a second).
const READER_MAX_SILENCE: Duration = Duration::from_secs(30);

/// A liveness the I/O runtime touches every second from a task of its own: stuck workers stop it.
fn runtime_pulse(runtime: &tokio::runtime::Runtime) -> Liveness {
    let alive = Liveness::new();
    let touched = alive.clone();
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            touched.touch();
        }
    });
    alive
}

/// Says plainly which devices and broker this run uses.
fn log_devices_and_broker(config: &Config) {
    let printer =
        config.devices.printer.path.as_ref().map_or("simulated".to_string(), |p| p.display().to_string());
    let reader =
        config.devices.reader.path.as_ref().map_or("simulated".to_string(), |p| p.display().to_string());
    tracing::info!(%printer, %reader, "devices configured");
    match &config.broker.url {
        Some(url) => tracing::info!(%url, user = ?config.broker.username, "broker configured"),
        None => tracing::info!("no broker configured: telemetry off"),
    }
}

#[cfg(unix)]
async fn reload_on_sighup(reloader: Arc<Reloader>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP");
        return;
    };
    while hangups.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading content");
        let reloader = Arc::clone(&reloader);
        let _ = tokio::task::spawn_blocking(move || content_watch::reload_and_log(&reloader)).await;
    }
}

#[cfg(not(unix))]
async fn reload_on_sighup(_reloader: Arc<Reloader>) {}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_stop() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot listen for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await.context("cannot listen for Ctrl-C")?;
    tracing::info!("stop requested");
    Ok(())
}

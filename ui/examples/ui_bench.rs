//! Touchscreen speed and memory, measured in one process with the software renderer (the one the
//! kiosk uses on a Raspberry Pi without GPU, `SLINT_BACKEND=winit-software`), at the portrait
//! 1080×1920 size:
//!
//! - start-up: demo content loaded, chatbot index built, window created, first frame drawn;
//! - frame time: a full repaint of each screen (`take_snapshot` redraws every pixel, the worst
//!   case: on a live kiosk only what changed is redrawn), median and worst of several;
//! - memory: resident set after visiting every screen, and its peak.
//!
//! Run it in release mode: `cargo run --release -p borne-ui --example ui_bench [-- WxH [FRAMES]]`.
//! The numbers go to docs/performance.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use borne_chatbot::{Chatbot, ChatbotConfig};
use borne_content::{ContentSource, ContentStore};
use borne_ui::idle::IdleSettings;
use borne_ui::offscreen::{Offscreen, Stage};
use borne_ui::{Kiosk, UiServices};
use chrono::TimeZone;
use slint::ComponentHandle;

/// `VmRSS` and `VmHWM` of this process, in MB.
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut args = std::env::args().skip(1);
    let size = args.next().unwrap_or_else(|| "1080x1920".into());
    let frames: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10).max(1);
    let (width, height) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .ok_or("size: use WIDTHxHEIGHT")?;

    let (store, _) = ContentStore::open(ContentSource::Embedded, None)?;
    let content = store.current();
    let tz = content.commune.timezone;
    let now = tz.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).single().ok_or("time")?;
    let chatbot = Arc::new(Chatbot::new(&content, ChatbotConfig::default())?);
    let content_ready = started.elapsed();

    let offscreen = Offscreen::install()?;
    let kiosk = Kiosk::new(UiServices {
        content: Arc::new(store),
        chatbot,
        now: Arc::new(move || now),
        printer: None,
        feedback: None,
        idle: IdleSettings::default(),
        reporter: None,
        tickets: borne_ui::ticket::TicketBook::in_memory(),
    })?;
    let window_ready = started.elapsed();
    offscreen.render(&kiosk, width, height, 1.0)?;
    let first_frame = started.elapsed();
    let (rss_start, _) = memory_mb();

    println!("start-up at {width}x{height} (software renderer, release):");
    println!("  content + chatbot index   {:7.1} ms", ms(content_ready));
    println!("  window created            {:7.1} ms", ms(window_ready));
    println!("  first frame drawn         {:7.1} ms", ms(first_frame));
    println!("  resident memory           {rss_start:7.1} MB");
    println!("full repaint of each screen, {frames} frames (median / worst):");
    for stage in Stage::ALL {
        kiosk.stage(stage);
        offscreen.render(&kiosk, width, height, 1.0)?;
        let mut times = Vec::with_capacity(frames);
        for _ in 0..frames {
            let t = Instant::now();
            let picture = kiosk.window().window().take_snapshot()?;
            times.push(t.elapsed());
            std::hint::black_box(picture);
        }
        times.sort();
        println!(
            "  {:<20} {:6.1} / {:6.1} ms",
            stage.name(),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
    let (rss, peak) = memory_mb();
    println!("after visiting every screen: resident {rss:.1} MB, peak {peak:.1} MB");
    Ok(())
}

//! `borne screenshot`: renders touchscreen screens to PNG files with Slint's software renderer on an
//! offscreen window, so pictures for the docs and reviews need no display, GPU or X server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use borne_content::{ContentStore, Lang};
use borne_ui::idle::IdleSettings;
use borne_ui::offscreen::{Offscreen, Stage};
use borne_ui::{Kiosk, UiServices};

use crate::chat;
use crate::cli::ScreenshotArgs;
use crate::clock::Clock;
use crate::config::Config;

/// Parses "1080x1920".
pub fn parse_size(text: &str) -> anyhow::Result<(u32, u32)> {
    let (w, h) = text.split_once(['x', 'X']).with_context(|| format!("size '{text}': use WIDTHxHEIGHT"))?;
    let w: u32 = w.trim().parse().with_context(|| format!("size '{text}': bad width"))?;
    let h: u32 = h.trim().parse().with_context(|| format!("size '{text}': bad height"))?;
    if !(320..=7680).contains(&w) || !(320..=7680).contains(&h) {
        bail!("size '{text}': each side must be between 320 and 7680 pixels");
    }
    Ok((w, h))
}

/// Renders the requested screen(s).
pub fn run(args: &ScreenshotArgs, config: &Config) -> anyhow::Result<()> {
    let (width, height) = parse_size(&args.size)?;
    if !(0.25..=4.0).contains(&args.scale) {
        bail!("scale {}: use a value between 0.25 and 4", args.scale);
    }
    let lang: Lang =
        args.lang.parse().map_err(|_| anyhow::anyhow!("language '{}': use fr or en", args.lang))?;
    let jobs: Vec<(Stage, PathBuf)> = if args.screen == "all" {
        let dir = args.out_dir.as_ref().context("--screen all needs --out-dir DIR")?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Stage::ALL.iter().map(|s| (*s, dir.join(format!("{}.png", s.name())))).collect()
    } else {
        let stage = Stage::from_name(&args.screen).with_context(|| {
            let names: Vec<_> = Stage::ALL.iter().map(|s| s.name()).collect();
            format!("no screen '{}': choose one of {}, or all", args.screen, names.join(", "))
        })?;
        let out = match (&args.out, &args.out_dir) {
            (Some(out), _) => out.clone(),
            (None, Some(dir)) => dir.join(format!("{}.png", stage.name())),
            (None, None) => bail!("--out FILE.png is needed"),
        };
        vec![(stage, out)]
    };

    let (store, opened) = ContentStore::open(config.content_source(), None)
        .map_err(|e| anyhow::anyhow!("the content of {} has {} error(s)", e.origin, e.error_count()))?;
    let content = opened.loaded.content;
    let clock = Arc::new(Clock::new(content.commune.timezone, args.now.as_deref())?);
    let chatbot = Arc::new(chat::build(&content, config)?);

    let offscreen = Offscreen::install()?;
    let kiosk = Kiosk::new(UiServices {
        content: Arc::new(store),
        chatbot,
        now: Arc::new(move || clock.now()),
        printer: None,
        feedback: None,
        idle: IdleSettings::default(),
        reporter: None,
        tickets: borne_ui::ticket::TicketBook::in_memory(),
    })?;
    kiosk.set_language(lang)?;
    kiosk.set_large_text(args.large_text);
    kiosk.set_high_contrast(args.high_contrast);
    for (stage, path) in jobs {
        kiosk.stage(stage);
        let image = offscreen.render(&kiosk, width, height, args.scale)?;
        write_png(&path, image.width(), image.height(), image.as_bytes())?;
        println!("{}", path.display());
    }
    Ok(())
}

/// Writes the picture as a PNG file.
fn write_png(path: &Path, width: u32, height: u32, rgba: &[u8]) -> anyhow::Result<()> {
    let png = crate::screen::encode_png(width, height, rgba)
        .with_context(|| format!("cannot encode {}", path.display()))?;
    std::fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1080x1920").expect("size"), (1080, 1920));
        assert_eq!(parse_size("1280X800").expect("size"), (1280, 800));
        assert!(parse_size("1080").is_err());
        assert!(parse_size("10x1920").is_err());
    }
}

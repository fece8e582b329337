//! WCAG AA contrast, measured: every pair of text and background colours the screens use, read from
//! `ui/ui/theme.slint` in both the normal and the high-contrast mode, must reach 4.5:1 (the AA level
//! for normal text; all kiosk text is at least 22 px, so this is stricter than needed for titles).
//! Run with `--nocapture` to print the table that docs/screens.md quotes.

use std::collections::HashMap;
use std::path::Path;

/// `name → (high-contrast colour, normal colour)` for every `Api.high-contrast ? #… : #…` colour.
fn theme_colours() -> HashMap<String, ([u8; 3], [u8; 3])> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/theme.slint");
    let source = std::fs::read_to_string(path).expect("theme.slint");
    let mut colours = HashMap::new();
    for line in source.lines() {
        let Some(rest) = line.trim().strip_prefix("out property <color> ") else { continue };
        let Some((name, value)) = rest.split_once(':') else { continue };
        let hexes: Vec<[u8; 3]> =
            value.split('#').skip(1).filter_map(|h| hex(&h[..6.min(h.len())])).collect();
        assert_eq!(hexes.len(), 2, "theme colour {name} is not `Api.high-contrast ? #rrggbb : #rrggbb`");
        colours.insert(name.trim().to_string(), (hexes[0], hexes[1]));
    }
    colours
}

fn hex(h: &str) -> Option<[u8; 3]> {
    let v = u32::from_str_radix(h, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

/// WCAG 2.x relative luminance.
fn luminance(c: [u8; 3]) -> f64 {
    let channel = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.040_45 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])
}

/// WCAG 2.x contrast ratio, from 1 to 21.
fn ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Text colour on background colour, as the `.slint` files combine them.
const PAIRS: &[(&str, &str)] = &[
    ("text", "background"),
    ("text", "surface"),
    ("muted", "background"),
    ("muted", "surface"),
    ("accent", "background"),
    ("accent", "surface"),
    ("on-accent", "accent"),
    ("on-alert", "alert"),
    ("on-alert", "warning"),
    ("on-badge", "open"),
    ("on-badge", "closed"),
];

#[test]
fn every_text_colour_meets_wcag_aa_in_both_modes() {
    let colours = theme_colours();
    let mut failures = Vec::new();
    println!("| text on background | normal | high contrast |\n| --- | --- | --- |");
    for (fg, bg) in PAIRS {
        let (Some(f), Some(b)) = (colours.get(*fg), colours.get(*bg)) else {
            panic!("theme.slint has no colour {fg} or {bg}");
        };
        let (high, normal) = (ratio(f.0, b.0), ratio(f.1, b.1));
        println!("| `{fg}` on `{bg}` | {normal:.1}:1 | {high:.1}:1 |");
        for (mode, value) in [("normal", normal), ("high contrast", high)] {
            if value < 4.5 {
                failures.push(format!("{fg} on {bg} in {mode} mode: {value:.2}:1"));
            }
        }
    }
    assert!(failures.is_empty(), "below WCAG AA 4.5:1: {failures:?}");
}

#[test]
fn the_ratio_matches_wcag_reference_values() {
    assert!((ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    assert!((ratio([0x77, 0x77, 0x77], [255, 255, 255]) - 4.48).abs() < 0.01);
    assert!((ratio([1, 2, 3], [1, 2, 3]) - 1.0).abs() < 1e-9);
}

//! `borne screenshot` end to end: the real binary renders every screen offscreen (no display) from
//! the embedded demo content, and the PNG files have the requested size and differ from each other.

use std::process::Command;

fn decode(path: &std::path::Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).expect("open")));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn renders_every_screen_without_a_display() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_borne"))
        .args(["screenshot", "--screen", "all", "--out-dir"])
        .arg(dir.path())
        .args(["--size", "540x960", "--now", "2026-11-30T10:00"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run borne");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names = ["welcome", "home", "ask", "answer", "refusal", "idle", "hours", "alert", "maintenance"];
    let mut images = Vec::new();
    for name in names {
        let (w, h, pixels) = decode(&dir.path().join(format!("{name}.png")));
        assert_eq!((w, h), (540, 960), "{name}");
        let distinct = pixels.chunks(3).take(200_000).collect::<std::collections::HashSet<_>>().len();
        assert!(distinct > 10, "{name} looks blank ({distinct} colours)");
        images.push(pixels);
    }
    for i in 0..images.len() {
        for j in i + 1..images.len() {
            assert!(images[i] != images[j], "{} and {} are the same picture", names[i], names[j]);
        }
    }

    // One screen, English, large text, high contrast: a different picture from the default one.
    let one = dir.path().join("home-en.png");
    let status = Command::new(env!("CARGO_BIN_EXE_borne"))
        .args(["screenshot", "--screen", "home", "--out"])
        .arg(&one)
        .args(["--size", "540x960", "--lang", "en", "--large-text", "--high-contrast"])
        .status()
        .expect("run borne");
    assert!(status.success());
    let (_, _, pixels) = decode(&one);
    assert!(pixels != images[1], "options change nothing");
    // High contrast: the background is black.
    assert_eq!(&pixels[..3], &[0, 0, 0]);

    let bad = Command::new(env!("CARGO_BIN_EXE_borne"))
        .args(["screenshot", "--screen", "nope", "--out"])
        .arg(dir.path().join("x.png"))
        .output()
        .expect("run borne");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("welcome, home, ask"));
}

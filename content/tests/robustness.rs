//! Whatever bytes a content file holds (a half-saved edit, a binary pasted by mistake, a file in
//! another encoding), loading reports problems and never panics.

use std::fs;

use borne_content::{ContentSource, load};
use proptest::prelude::*;

const COMMUNE: &str = "name = \"X\"\nhelp_desk = \"Accueil\"\n";

/// TOML-ish fragments, so that generated files get past the tokenizer often enough to reach
/// validation.
fn tomlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[[faq]]\n".to_string()),
        Just("[[service]]\n".to_string()),
        Just("id = \"a\"\n".to_string()),
        Just("question = \"q\"\n".to_string()),
        Just("answer = \"\"\"\nr\n\"\"\"\n".to_string()),
        Just("hours = \"Mo-Fr 09:00-12:00\"\n".to_string()),
        Just("closures = [{ from = \"2026-12-24\", reason = \"x\" }]\n".to_string()),
        Just("link = \"https://example.org\"\n".to_string()),
        Just("alternatives = [\"\", \"b\"]\n".to_string()),
        "[a-z_]{1,8} = \"[^\"\\\\]{0,12}\"\n",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("commune.toml"), COMMUNE).expect("write");
        fs::write(dir.path().join("faq.toml"), &bytes).expect("write");
        let _ = load(&ContentSource::Directory(dir.path().into()));
    }

    #[test]
    fn toml_like_files_never_panic_and_errors_are_located(faq in tomlish(), services in tomlish()) {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("commune.toml"), COMMUNE).expect("write");
        fs::write(dir.path().join("faq.toml"), &faq).expect("write");
        fs::write(dir.path().join("services.toml"), &services).expect("write");
        if let Err(err) = load(&ContentSource::Directory(dir.path().into())) {
            for problem in err.problems.iter().filter(|p| p.is_error()) {
                prop_assert!(!problem.message.is_empty());
                if let Some(line) = problem.line {
                    let text = if problem.file == "faq.toml" { &faq } else { &services };
                    prop_assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "{problem} beyond the file");
                }
            }
        }
    }
}

//! Loading and validating content directories: the demo content, and broken directories whose
//! problems must be reported with file, line and field, while a failed reload keeps the last good
//! content in service.

use std::fs;
use std::path::Path;

use borne_content::{ContentSource, ContentStore, Snapshot, load};

const COMMUNE: &str = r#"name = "Testville"
help_desk = "Demandez à l'accueil."
"#;

const FAQ: &str = r#"[[faq]]
id = "horaires"
question = "Quels sont les horaires ?"
answer = """
De 9h à 17h.
"""
link = "https://example.org/horaires"

[[faq]]
id = "carte"
question = "Comment avoir une carte ?"
alternatives = ["inscription"]
answer = "À l'accueil."
"#;

fn write_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

fn errors_of(dir: &Path) -> Vec<String> {
    let err = load(&ContentSource::Directory(dir.to_path_buf())).expect_err("content should be refused");
    err.problems.iter().filter(|p| p.is_error()).map(|p| p.to_string()).collect()
}

#[test]
fn a_minimal_directory_loads() {
    let dir = write_dir(&[("commune.toml", COMMUNE), ("faq.toml", FAQ)]);
    let loaded = load(&ContentSource::Directory(dir.path().into())).expect("valid");
    let content = loaded.content;
    assert_eq!(content.commune.name, "Testville");
    assert_eq!(content.commune.timezone, chrono_tz::Europe::Paris);
    assert_eq!(content.faq.len(), 2);
    assert_eq!(content.faq_entry("horaires").map(|e| e.answer.as_str()), Some("De 9h à 17h."));
    assert_eq!(content.version.len(), 12);
    assert!(loaded.warnings.is_empty());
}

#[test]
fn the_demo_content_is_complete_and_valid() {
    for source in [ContentSource::Embedded, ContentSource::Directory(ContentSource::demo_dir())] {
        let loaded = load(&source).unwrap_or_else(|e| panic!("demo content invalid: {e}"));
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let c = loaded.content;
        assert!(c.faq.len() >= 80, "{} FAQ entries", c.faq.len());
        assert!(c.services.len() >= 8, "{} services", c.services.len());
        assert!(c.procedures.len() >= 10, "{} procedures", c.procedures.len());
        assert!(c.news.len() >= 3 && c.events.len() >= 3);
        assert!(c.logo.is_some());
        assert!(c.commune.languages.contains(&"fr".to_string()));
    }
    // The embedded copy is the same as the directory in the source tree.
    let embedded = load(&ContentSource::Embedded).expect("valid").content;
    let dir = load(&ContentSource::Directory(ContentSource::demo_dir())).expect("valid").content;
    assert_eq!(embedded.version, dir.version);
}

#[test]
fn an_entry_without_answer_is_reported_at_its_line() {
    let faq = FAQ.replace("answer = \"À l'accueil.\"\n", "");
    let dir = write_dir(&[("commune.toml", COMMUNE), ("faq.toml", &faq)]);
    assert_eq!(errors_of(dir.path()), vec!["faq.toml:9: entry 'carte' has no answer".to_string()]);
}

#[test]
fn malformed_toml_is_reported_with_its_line() {
    let faq =
        FAQ.replace("question = \"Comment avoir une carte ?\"", "question = \"Comment avoir une carte ?");
    let dir = write_dir(&[("commune.toml", COMMUNE), ("faq.toml", &faq)]);
    let errors = errors_of(dir.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("faq.toml:11: invalid TOML"), "{errors:?}");
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let faq = r#"[[faq]]
id = "a"
question = ""
answer = "x"

[[faq]]
id = "a"
question = "Encore ?"
answer = "y"
link = "ftp://example.org"

[[faq]]
id = "b c"
question = "q"
anwser = "typo"
"#;
    let dir = write_dir(&[("commune.toml", COMMUNE), ("faq.toml", faq)]);
    let errors = errors_of(dir.path());
    // The unknown field is a deserialisation error and stops the parse of that file: check it alone.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("faq.toml:15") && errors[0].contains("anwser"), "{errors:?}");

    let faq = faq.replace("anwser = \"typo\"\n", "answer = \"ok\"\n");
    let dir = write_dir(&[("commune.toml", COMMUNE), ("faq.toml", &faq)]);
    let errors = errors_of(dir.path());
    assert_eq!(
        errors,
        vec![
            "faq.toml:3: entry 'a' has an empty question".to_string(),
            "faq.toml:7: entry #2 id 'a' is already used at line 2".to_string(),
            "faq.toml:10: entry #2 has a link with scheme 'ftp': use http or https".to_string(),
            "faq.toml:13: entry #3 id 'b c' may only use letters a-z, digits, '-' and '_' (no spaces or accents)"
                .to_string(),
        ]
    );
}

#[test]
fn services_hours_and_references_are_checked() {
    let services = r#"[[service]]
id = "mairie"
name = "Mairie"
hours = "Lu-Ve 9h-17h"

[[service]]
id = "piscine"
name = "Piscine"
hours = "Mo-Fr 12:00-14:00"
closures = [
  { from = "2026-12-26", to = "2026-12-24", reason = "travaux" },
  { from = "2026-13-01", reason = "?" },
]
"#;
    let procedures = r#"[[procedure]]
id = "cni"
title = "Carte d'identité"
theme = "Papiers"
summary = "Demander une carte."
steps = ["Prendre rendez-vous"]
service = "etat-civil"
"#;
    let dir = write_dir(&[
        ("commune.toml", COMMUNE),
        ("faq.toml", FAQ),
        ("services.toml", services),
        ("procedures.toml", procedures),
    ]);
    let errors = errors_of(dir.path());
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors[0].starts_with("services.toml:4: service 'mairie': hours 'Lu-Ve 9h-17h' are not valid"),
        "{errors:?}"
    );
    assert_eq!(
        errors[1],
        "services.toml:11: service 'piscine' closure ends (2026-12-24) before it starts (2026-12-26)"
    );
    assert_eq!(
        errors[2],
        "services.toml:12: service 'piscine' closure has from '2026-13-01', expected a date like 2026-12-24"
    );
    assert_eq!(
        errors[3],
        "procedures.toml:7: procedure 'cni' refers to service 'etat-civil', which services.toml does not define"
    );
}

#[test]
fn commune_and_files_problems_are_located() {
    let commune = "name = \"X\"\nhelp_desk = \"y\"\ntimezone = \"Europe/Pariss\"\nlogo = \"logo.png\"\n";
    let dir = write_dir(&[("commune.toml", commune), ("service.toml", "")]);
    let err = load(&ContentSource::Directory(dir.path().into())).expect_err("refused");
    let all: Vec<String> = err.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        all.contains(&"commune.toml:3: unknown time zone 'Europe/Pariss' (e.g. Europe/Paris)".to_string()),
        "{all:?}"
    );
    assert!(all.contains(&"faq.toml: file is missing (the questions and answers)".to_string()), "{all:?}");
    assert!(all.iter().any(|p| p.starts_with("service.toml: warning: unknown file")), "{all:?}");

    let commune = "name = \"X\"\nhelp_desk = \"y\"\nlogo = \"logo.png\"\n";
    let dir = write_dir(&[("commune.toml", commune), ("faq.toml", FAQ)]);
    assert_eq!(
        errors_of(dir.path()),
        vec!["commune.toml:3: logo 'logo.png' is not in the content directory".to_string()]
    );
}

#[test]
fn invalid_utf8_is_reported_with_its_line() {
    let dir = write_dir(&[("commune.toml", COMMUNE)]);
    let mut bytes = FAQ.as_bytes().to_vec();
    bytes.extend_from_slice(b"\n# caf\xe9 en latin-1\n");
    fs::write(dir.path().join("faq.toml"), bytes).expect("write");
    assert_eq!(
        errors_of(dir.path()),
        vec!["faq.toml:15: is not valid UTF-8 text: save the file as UTF-8".to_string()]
    );
}

#[test]
fn a_failed_reload_keeps_the_last_good_content() {
    let dir = write_dir(&[("commune.toml", COMMUNE), ("faq.toml", FAQ)]);
    let (store, _) = ContentStore::open(ContentSource::Directory(dir.path().into()), None).expect("valid");
    let first = store.current();
    assert_eq!(first.faq.len(), 2);

    // A broken edit: the reload fails, the previous content stays in service.
    fs::write(dir.path().join("faq.toml"), "[[faq]]\nid = \"x\"\n").expect("write");
    let err = store.reload().expect_err("broken");
    assert_eq!(err.problems[0].to_string(), "faq.toml:1: entry 'x' has no question");
    assert_eq!(store.current().version, first.version);
    assert_eq!(store.current().faq.len(), 2);

    // A good edit is taken.
    let more = format!("{FAQ}\n[[faq]]\nid = \"new\"\nquestion = \"Nouveau ?\"\nanswer = \"Oui.\"\n");
    fs::write(dir.path().join("faq.toml"), more).expect("write");
    store.reload().expect("valid");
    assert_eq!(store.current().faq.len(), 3);
    assert_ne!(store.current().version, first.version);
    // Snapshots taken before the reload are unchanged.
    assert_eq!(first.faq.len(), 2);
}

#[test]
fn a_kiosk_restarting_on_a_broken_edit_starts_on_the_last_good_copy() {
    let dir = write_dir(&[("commune.toml", COMMUNE), ("faq.toml", FAQ)]);
    let state = tempfile::tempdir().expect("tempdir");
    let snapshot = || Some(Snapshot::new(state.path()));
    let source = ContentSource::Directory(dir.path().into());

    let (_, opened) = ContentStore::open(source.clone(), snapshot()).expect("valid");
    assert!(opened.fell_back.is_none());
    let good_version = opened.loaded.content.version.clone();
    assert!(state.path().join("content/last-good/faq.toml").is_file());

    // Broken edit, then a restart: the snapshot is served, and the problems are reported.
    fs::write(dir.path().join("faq.toml"), "[[faq]]\nid = \"x\"\n").expect("write");
    let (store, opened) = ContentStore::open(source.clone(), snapshot()).expect("falls back");
    let problems = opened.fell_back.expect("fell back");
    assert_eq!(problems.problems[0].to_string(), "faq.toml:1: entry 'x' has no question");
    assert_eq!(store.current().version, good_version);
    assert_eq!(store.current().faq.len(), 2);

    // The fix is picked up by the next reload, and becomes the new snapshot.
    let more = format!("{FAQ}\n[[faq]]\nid = \"new\"\nquestion = \"Nouveau ?\"\nanswer = \"Oui.\"\n");
    fs::write(dir.path().join("faq.toml"), more).expect("write");
    store.reload().expect("valid");
    assert_eq!(store.current().faq.len(), 3);
    let saved = fs::read_to_string(state.path().join("content/last-good/faq.toml")).expect("read");
    assert!(saved.contains("id = \"new\""));

    // Without a snapshot, a broken directory is refused.
    fs::write(dir.path().join("faq.toml"), "[[faq]]\nid = \"x\"\n").expect("write");
    assert!(ContentStore::open(source, None).is_err());
}

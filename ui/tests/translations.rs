//! Every `@tr("…")` string of the `.slint` files has its English translation in the bundled `.po`
//! file, under the right context (the component's name, which is how Slint looks it up). A missing
//! entry would silently show French to an English-speaking visitor.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// `(context, French text)` of every `@tr` in `source`.
fn tr_strings(source: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut component = String::new();
    for line in source.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(at) = words.iter().position(|w| *w == "component" || *w == "global")
            && let Some(name) = words.get(at + 1)
            && (at == 0 || words[0] == "export")
        {
            component = name.trim_end_matches('{').to_string();
        }
        let mut rest = line;
        while let Some(start) = rest.find("@tr(\"") {
            let text = &rest[start + 5..];
            let mut value = String::new();
            let mut chars = text.char_indices();
            let mut end = text.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => {
                        end = i;
                        break;
                    }
                    _ => value.push(c),
                }
            }
            found.push((component.clone(), value));
            rest = &text[end..];
        }
    }
    found
}

/// Reads a `.po` file's entries: `(msgctxt, msgid) → msgstr`.
fn po_entries(po: &str) -> HashMap<(String, String), String> {
    fn unquote(s: &str) -> String {
        s.trim().trim_matches('"').replace("\\\"", "\"").replace("\\n", "\n")
    }
    let mut entries = HashMap::new();
    let (mut ctx, mut id, mut field) = (String::new(), String::new(), "");
    let mut text = String::new();
    let mut finish = |field: &str, text: &str, ctx: &mut String, id: &mut String| match field {
        "msgctxt" => *ctx = text.to_string(),
        "msgid" => *id = text.to_string(),
        "msgstr" => {
            entries.insert((ctx.clone(), id.clone()), text.to_string());
        }
        _ => {}
    };
    for line in po.lines().chain(std::iter::once("")) {
        let line = line.trim();
        if line.starts_with('"') {
            text.push_str(&unquote(line));
            continue;
        }
        finish(field, &text, &mut ctx, &mut id);
        field = "";
        text.clear();
        for key in ["msgctxt", "msgid", "msgstr"] {
            if let Some(value) = line.strip_prefix(key).filter(|v| v.starts_with(' ')) {
                field = key;
                text = unquote(value);
            }
        }
    }
    entries
}

#[test]
fn every_tr_string_has_an_english_translation() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR"));
    let po = std::fs::read_to_string(ui.join("translations/en/LC_MESSAGES/borne-ui.po")).expect("po");
    let entries = po_entries(&po);
    let mut missing = BTreeSet::new();
    let mut count = 0;
    for file in std::fs::read_dir(ui.join("ui")).expect("ui dir") {
        let path = file.expect("entry").path();
        if path.extension().is_none_or(|e| e != "slint") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("slint");
        for (context, text) in tr_strings(&source) {
            count += 1;
            if entries.get(&(context.clone(), text.clone())).is_none_or(|t| t.is_empty()) {
                let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                missing.insert(format!("{file}: msgctxt {context:?} msgid {text:?}"));
            }
        }
    }
    assert!(count > 20, "only {count} @tr strings found: the scan is broken");
    assert!(missing.is_empty(), "no English for:\n{}", missing.into_iter().collect::<Vec<_>>().join("\n"));
}

#[test]
fn the_scan_reads_contexts_and_escapes() {
    let source = "component Foo inherits Rectangle {\n  Text { text: @tr(\"Dites \\\"oui\\\"\"); }\n}\nexport component Bar {\n  t: @tr(\"Il reste {} s\", 3);\n}\n";
    assert_eq!(
        tr_strings(source),
        vec![
            ("Foo".to_string(), "Dites \"oui\"".to_string()),
            ("Bar".to_string(), "Il reste {} s".to_string())
        ]
    );
}

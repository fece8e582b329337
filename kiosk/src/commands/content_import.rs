//! `borne content import-benchmark`: serves the French FAQ benchmark (`faq-fr/faq.json`) as a
//! content directory, so that the chatbot is evaluated through the same loader and the same
//! `borne ask --jsonl` a kiosk uses.

use std::fs;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

#[derive(Serialize)]
struct FaqFile {
    faq: Vec<FaqOut>,
}

#[derive(Serialize)]
struct FaqOut {
    id: String,
    question: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    alternatives: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keywords: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    answer: String,
}

const COMMUNE: &str = "# Written by `borne content import-benchmark`: the faq-fr benchmark as content.\n\
name = \"Banc d'essai faq-fr\"\n\
help_desk = \"Adressez-vous à l'accueil de la mairie.\"\n\
languages = [\"fr\"]\n";

/// Converts `faq_json` into `commune.toml` + `faq.toml` in `dir`.
pub fn run(faq_json: &Path, dir: &Path) -> anyhow::Result<()> {
    let text = fs::read_to_string(faq_json).with_context(|| format!("cannot read {}", faq_json.display()))?;
    let entries = borne_chatbot::benchmark::faq_from_benchmark_json(&text)
        .with_context(|| format!("{} is not the benchmark's faq.json", faq_json.display()))?;
    let faq = FaqFile {
        faq: entries
            .into_iter()
            .map(|e| FaqOut {
                id: e.id,
                question: e.question,
                alternatives: e.alternatives,
                keywords: e.keywords,
                category: e.category,
                answer: e.answer,
            })
            .collect(),
    };
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    fs::write(dir.join("commune.toml"), COMMUNE).context("cannot write commune.toml")?;
    let toml = toml::to_string_pretty(&faq).context("cannot encode faq.toml")?;
    fs::write(dir.join("faq.toml"), toml).context("cannot write faq.toml")?;
    println!("{}: {} FAQ entries written", dir.display(), faq.faq.len());
    Ok(())
}

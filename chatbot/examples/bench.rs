//! Speed and memory of the chatbot on generated FAQs of 100, 1,000 and 10,000 entries: index build
//! time, query latency p50/p95 on one thread, resident memory. Numbers go to `docs/performance.md`.
//!
//! Run: `cargo run --release -p borne-chatbot --example bench` (each size in a fresh process with
//! `--size N`, so that memory is measured for that size alone).
//!
//! Semantic matching (build with `--features semantic`): `bench --model DIR [--size N]` measures,
//! for sizes 100 and 1,000 (or N), the FAQ embedding from a cold cache (model load + every
//! phrasing embedded), the start on a warm cache (model load, nothing embedded), the question
//! latency with the model on and resident memory.

use std::time::{Duration, Instant};

use borne_chatbot::{Chatbot, ChatbotConfig};
use borne_content::{Commune, Content, FaqEntry};
use chrono::TimeZone;

const VERBS: &[&str] = &[
    "demander",
    "renouveler",
    "obtenir",
    "déclarer",
    "payer",
    "réserver",
    "inscrire",
    "signaler",
    "annuler",
    "modifier",
    "récupérer",
    "contester",
];
const OBJECTS: &[&str] = &[
    "carte",
    "passeport",
    "acte",
    "badge",
    "abonnement",
    "place",
    "dossier",
    "attestation",
    "facture",
    "permis",
    "livret",
    "certificat",
    "ticket",
    "colis",
    "courrier",
    "salle",
    "prêt",
    "amende",
    "bac",
    "plan",
];
const CONTEXTS: &[&str] = &[
    "de la médiathèque",
    "de la piscine",
    "de la cantine",
    "de la déchetterie",
    "du marché",
    "de l'école",
    "du cimetière",
    "de la crèche",
    "du stade",
    "de la mairie annexe",
    "du centre social",
    "du conservatoire",
    "de l'espace jeunes",
    "du parking",
    "de la ludothèque",
    "du gymnase",
];
const DETAILS: &[&str] = &[
    "en ligne",
    "pour mon enfant",
    "pour une association",
    "après un déménagement",
    "en urgence",
    "le samedi",
    "pendant les vacances",
    "pour un proche âgé",
    "sans rendez-vous",
    "par courrier",
    "à distance",
    "avec un justificatif",
];

/// A small deterministic generator (xorshift), so every run measures the same FAQ.
struct Rng(u64);

impl Rng {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        items[(self.0 % items.len() as u64) as usize]
    }
}

fn generated_content(size: usize) -> Content {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let faq = (0..size)
        .map(|i| {
            let (verb, object, context, detail) =
                (rng.pick(VERBS), rng.pick(OBJECTS), rng.pick(CONTEXTS), rng.pick(DETAILS));
            FaqEntry {
                id: format!("q{i}"),
                question: format!("Comment {verb} un {object} {context} {detail} ?"),
                answer: format!(
                    "Pour {verb} un {object} {context}, présentez-vous à l'accueil avec une pièce d'identité. \
                     La démarche {detail} est possible ; comptez deux semaines de délai (réf. {i})."
                ),
                alternatives: vec![format!("{object} {context} {detail}"), format!("je veux {verb} mon {object}")],
                keywords: vec![(*object).to_string(), (*verb).to_string()],
                category: Some(context.replace(' ', "-")),
                link: None,
            }
        })
        .collect();
    Content::from_faq(Commune::minimal("Banc", "l'accueil"), faq, "generated")
}

/// Queries like visitors type them: words dropped, no accents, a typo.
fn queries(count: usize) -> Vec<String> {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    (0..count)
        .map(|i| match i % 4 {
            0 => format!("{} {} {}", rng.pick(VERBS), rng.pick(OBJECTS), rng.pick(CONTEXTS)),
            1 => format!("comment {} mon {} {}", rng.pick(VERBS), rng.pick(OBJECTS), rng.pick(DETAILS))
                .replace(['é', 'è'], "e"),
            2 => format!("{} {}", rng.pick(OBJECTS), rng.pick(CONTEXTS)).replacen('a', "aa", 1),
            _ => format!("quel temps fera-t-il demain {}", rng.pick(DETAILS)),
        })
        .collect()
}

fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// The time of each question, sorted, after `warmup` questions asked untimed.
fn latencies(
    bot: &Chatbot,
    questions: &[String],
    warmup: usize,
    now: chrono::DateTime<chrono_tz::Tz>,
) -> Vec<Duration> {
    for q in questions.iter().take(warmup) {
        std::hint::black_box(bot.ask(q, now));
    }
    let mut timed: Vec<Duration> = questions
        .iter()
        .map(|q| {
            let t = Instant::now();
            std::hint::black_box(bot.ask(q, now));
            t.elapsed()
        })
        .collect();
    timed.sort();
    timed
}

fn measure(size: usize) -> Result<(), Box<dyn std::error::Error>> {
    let before = rss_kib("VmRSS:").unwrap_or(0);
    let content = generated_content(size);
    let start = Instant::now();
    let bot = Chatbot::new(&content, ChatbotConfig::default())?;
    let build = start.elapsed();
    let now = chrono_tz::Europe::Paris.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).single().ok_or("bad date")?;
    let questions = queries(2000);
    let latencies = latencies(&bot, &questions, 100, now);
    let rss = rss_kib("VmRSS:").unwrap_or(0);
    let peak = rss_kib("VmHWM:").unwrap_or(0);
    println!(
        "| {size} | {:.1} ms | {:.3} ms | {:.3} ms | {:.1} MB | {:.1} MB | {:.1} MB |",
        build.as_secs_f64() * 1e3,
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.95).as_secs_f64() * 1e3,
        rss as f64 / 1024.0,
        peak as f64 / 1024.0,
        rss.saturating_sub(before) as f64 / 1024.0,
    );
    Ok(())
}

/// Semantic mode: cold and warm FAQ embedding, then question latency with the model on.
#[cfg(feature = "semantic")]
fn measure_semantic(size: usize, model: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let content = generated_content(size);
    let cache = tempfile::tempdir()?;
    let mut config = ChatbotConfig::default();
    config.semantic.model = Some(model.to_path_buf());
    config.semantic.cache_dir = Some(cache.path().to_path_buf());
    let ready_after = |config: ChatbotConfig| -> Result<(Chatbot, Duration), Box<dyn std::error::Error>> {
        let start = Instant::now();
        let bot = Chatbot::new(&content, config)?;
        if !bot.wait_semantic(Duration::from_secs(1800)) {
            return Err("the model did not load or the FAQ embedding failed (see the log)".into());
        }
        Ok((bot, start.elapsed()))
    };
    let (cold_bot, cold) = ready_after(config.clone())?;
    let phrasings: usize = content.faq.iter().map(|e| 1 + e.alternatives.len()).sum();
    drop(cold_bot);
    let (bot, warm) = ready_after(config)?;
    if bot.embedding_outcome() != Some(borne_chatbot::semantic::CacheOutcome::Hit) {
        return Err("the second start did not read the embedding cache".into());
    }
    let now = chrono_tz::Europe::Paris.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).single().ok_or("bad date")?;
    let questions = queries(320);
    let latencies = latencies(&bot, &questions[20..], 20, now);
    println!(
        "| {size} | {phrasings} | {:.1} s | {:.2} s | {:.1} ms | {:.1} ms | {:.0} MB | {:.0} MB |",
        cold.as_secs_f64(),
        warm.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.95).as_secs_f64() * 1e3,
        rss_kib("VmRSS:").unwrap_or(0) as f64 / 1024.0,
        rss_kib("VmHWM:").unwrap_or(0) as f64 / 1024.0,
    );
    Ok(())
}

/// The command line: `--size N`, and in builds with the `semantic` feature `--model DIR`.
#[derive(Default)]
struct Args {
    size: Option<usize>,
    model: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Args, Box<dyn std::error::Error>> {
    let mut parsed = Args::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--size" => parsed.size = Some(value()?.parse()?),
            "--model" => parsed.model = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(parsed)
}

/// Runs this program again for one size, so that each size's memory is measured alone.
fn run_child(size: usize, extra: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let status = std::process::Command::new(std::env::current_exe()?)
        .args(["--size", &size.to_string()])
        .args(extra)
        .status()?;
    if !status.success() {
        return Err(format!("size {size} failed").into());
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    if let Some(model) = &args.model {
        #[cfg(feature = "semantic")]
        {
            if let Some(size) = args.size {
                return measure_semantic(size, model);
            }
            println!(
                "| entries | phrasings | cold: load + embed | warm: load + cache read | query p50 | query p95 | resident | peak |"
            );
            println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
            let extra = vec!["--model".to_string(), model.display().to_string()];
            for size in [100, 1_000] {
                run_child(size, &extra)?;
            }
            return Ok(());
        }
        #[cfg(not(feature = "semantic"))]
        return Err(format!("--model {}: build with --features semantic", model.display()).into());
    }
    if let Some(size) = args.size {
        return measure(size);
    }
    println!("| entries | index build | query p50 | query p95 | resident | peak | added by the chatbot |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for size in [100, 1_000, 10_000] {
        run_child(size, &[])?;
    }
    Ok(())
}

//! Trains the chatbot's second stage ([`borne_chatbot::ranker`]) and reports what it does on
//! questions it was not fitted on.
//!
//! Every question set the project has takes part: the faq-fr benchmark's dev set
//! (`../shared/eval/faq-fr/queries-dev.jsonl`, when present) and the project's own sets over the
//! same FAQ (`chatbot/tests/data/faq-fr-extra.jsonl`, `faq-fr-english.jsonl`), and the kiosk's
//! sets over the demo content (`tests/data/demo-questions.jsonl`, `demo-questions-visitors.jsonl`).
//!
//! Discipline, so that no figure is measured on questions a weight saw:
//! - a **frozen slice** (a fifth of every set, chosen by a hash of the question's text, so it never
//!   moves) is never fitted on, nor used to choose a threshold; it is only scored at the end;
//! - the rest is split in [`FOLDS`] folds (by the same hash); each fold is scored by a model whose
//!   weights and thresholds were chosen on the other folds only (the cross-validated figures);
//! - the shipped weights are fitted on all non-frozen questions, and their thresholds chosen on the
//!   out-of-fold probabilities (each made by a model that had not seen the question).
//!
//! Usage (release is much faster with a model):
//! `cargo run --release -p borne-chatbot [--features semantic] --example train -- [--model DIR]
//! [--cache DIR] [--write]`. Without `--model` it trains the lexical weights; with it, the
//! semantic ones (and reports lexical-only too). `--write` writes `chatbot/weights/*.json`.
//! The question similarities are cached in `--cache` (default `target/train-cache`), keyed by
//! the model and the question.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use borne_chatbot::benchmark::{
    BenchQuery, Metrics, content_from_benchmark_json, metrics, queries_from_jsonl,
};
use borne_chatbot::candidates::{LEXICAL_FEATURES, SEMANTIC_FEATURES};
use borne_chatbot::ranker::{Decision, FORMAT, Ranker, WeightsFile, decide, probabilities};
use borne_chatbot::{Chatbot, ChatbotConfig, Reply, Similarities};
use borne_content::Content;
use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

/// Number of cross-validation folds.
const FOLDS: usize = 5;
/// L2 penalty of the model's weights (on standardised features).
const L2: f32 = 0.02;

type Error = Box<dyn std::error::Error>;

/// One question set over one content.
struct Set {
    name: &'static str,
    content: usize,
    queries: Vec<BenchQuery>,
}

/// One question with what the trainer needs of it.
struct Item {
    set: usize,
    query: BenchQuery,
    /// Frozen slice, or fold 0..FOLDS.
    fold: Option<usize>,
    similarities: Option<Similarities>,
    /// Candidates: (entry id, features, label).
    candidates: Vec<(String, Vec<f32>, bool)>,
}

fn bucket(query: &str) -> u8 {
    Sha256::digest(query.trim().to_lowercase().as_bytes())[0]
}

fn fold_of(query: &str) -> Option<usize> {
    let b = bucket(query) as usize;
    // A fifth frozen; the rest in FOLDS folds.
    if b.is_multiple_of(5) { None } else { Some((b / 5) % FOLDS) }
}

/// `count` out-of-scope questions of random letters (a fixed `seed`): words of 1 to 12 letters,
/// from a few words to 10,000 characters.
fn garbage(count: usize, seed: u32) -> Vec<BenchQuery> {
    let mut state = seed.wrapping_mul(2_654_435_761);
    let mut next = move |n: u32| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (state >> 16) % n.max(1)
    };
    (0..count)
        .map(|i| {
            let chars = [8, 20, 40, 80, 300, 10_000][i % 6];
            let mut query = String::new();
            while query.len() < chars {
                let word = 1 + next(12);
                for _ in 0..word {
                    query.push(char::from(b'a' + next(26) as u8));
                }
                query.push(' ');
            }
            BenchQuery {
                query: query.trim().to_string(),
                expected_id: None,
                also_ok: Vec::new(),
                variant: "garbage".to_string(),
                expected_service: None,
            }
        })
        .collect()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read_set(path: &Path) -> Result<Option<Vec<BenchQuery>>, Error> {
    if !path.is_file() {
        eprintln!("note: {} is absent, skipped", path.display());
        return Ok(None);
    }
    Ok(Some(queries_from_jsonl(&std::fs::read_to_string(path)?)?))
}

/// One question's pool for fitting: each candidate's features and whether it is right.
type Group<'a> = Vec<(&'a [f32], bool)>;

/// Training passes over the questions.
const EPOCHS: usize = 1500;

/// A fitted scorer.
struct Fitted {
    mean: Vec<f32>,
    scale: Vec<f32>,
    bias: f32,
    weights: Vec<f32>,
}

/// Fits the softmax-with-none model (see [`borne_chatbot::ranker`]) on standardised features by
/// full-batch gradient descent with momentum and an L2 penalty. Each question is one example:
/// its right candidate (or "none" when no candidate is right) should win.
fn fit(groups: &[Group], width: usize) -> Fitted {
    let rows: Vec<&[f32]> = groups.iter().flat_map(|g| g.iter().map(|(x, _)| *x)).collect();
    let n = rows.len().max(1) as f32;
    let mut mean = vec![0.0f32; width];
    for x in &rows {
        for (m, v) in mean.iter_mut().zip(x.iter()) {
            *m += v / n;
        }
    }
    let mut scale = vec![0.0f32; width];
    for x in &rows {
        for ((s, v), m) in scale.iter_mut().zip(x.iter()).zip(&mean) {
            *s += (v - m).powi(2) / n;
        }
    }
    for s in &mut scale {
        *s = if *s > 1e-8 { s.sqrt() } else { 1.0 };
    }
    let std: Vec<Vec<(Vec<f32>, bool)>> = groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|(x, ok)| {
                    (x.iter().zip(&mean).zip(&scale).map(|((v, m), s)| (v - m) / s).collect(), *ok)
                })
                .collect()
        })
        .collect();
    let q = groups.len().max(1) as f32;
    let (mut bias, mut w) = (0.0f32, vec![0.0f32; width]);
    let (mut vb, mut vw) = (0.0f32, vec![0.0f32; width]);
    let (lr, momentum) = (0.3f32, 0.9f32);
    for _ in 0..EPOCHS {
        let mut gb = 0.0f32;
        let mut gw = vec![0.0f32; width];
        for g in &std {
            let z: Vec<f32> =
                g.iter().map(|(x, _)| bias + x.iter().zip(&w).map(|(a, b)| a * b).sum::<f32>()).collect();
            let top = z.iter().copied().fold(0.0f32, f32::max);
            let e: Vec<f32> = z.iter().map(|v| (v - top).exp()).collect();
            let total = (-top).exp() + e.iter().sum::<f32>();
            let p: Vec<f32> = e.iter().map(|v| v / total).collect();
            let right: f32 = p.iter().zip(g).filter(|(_, (_, ok))| *ok).map(|(p, _)| p).sum();
            let any_right = g.iter().any(|(_, ok)| *ok);
            for (pi, (x, ok)) in p.iter().zip(g) {
                // d(-log P(target)) / dz_i = p_i - [i is a target] p_i / P(target); the target is
                // the right candidates, or "none" (which has no parameters) when none is right.
                let d = if any_right { pi - if *ok { pi / right.max(1e-12) } else { 0.0 } } else { *pi };
                gb += d;
                for (gw, v) in gw.iter_mut().zip(x) {
                    *gw += d * v;
                }
            }
        }
        vb = momentum * vb - lr * gb / q;
        bias += vb;
        for i in 0..width {
            vw[i] = momentum * vw[i] - lr * (gw[i] / q + L2 * w[i]);
            w[i] += vw[i];
        }
    }
    Fitted { mean, scale, bias, weights: w }
}

/// Most in-scope questions the chosen answer threshold may answer wrongly, over the questions it
/// is chosen on (the issue allows 0.05 on held-out questions: the margin is for generalisation).
const MAX_WRONG: f64 = 0.04;
/// Most out-of-scope questions it may answer (0.10 allowed on held-out questions).
const MAX_OOS_ANSWERED: f64 = 0.08;

/// Thresholds (answer, clarify, choice floor) chosen on scored questions (each: its candidates'
/// probabilities sorted best first with whether each is right, and whether the question is in
/// scope). The answer threshold is the lowest that keeps wrong answers within [`MAX_WRONG`] of
/// the in-scope questions and answers to out-of-scope ones within [`MAX_OOS_ANSWERED`]: as many
/// right answers as those bounds allow. Then, among the questions left unanswered, the clarify
/// threshold and choice floor make "Vouliez-vous dire ?" offer the right entry as often as
/// possible while asking it of out-of-scope questions, or without the right entry, as rarely.
fn choose_thresholds(scored: &[(Vec<(f32, bool)>, bool)]) -> (f32, f32, f32) {
    let in_scope = scored.iter().filter(|(_, s)| *s).count().max(1) as f64;
    let oos = scored.iter().filter(|(_, s)| !*s).count().max(1) as f64;
    let grid: Vec<f32> = (2..=98).map(|i| i as f32 / 100.0).collect();
    let mut answer = 0.98f32;
    for &t in grid.iter().rev() {
        let (mut wrong, mut oos_answered) = (0usize, 0usize);
        for (c, scope) in scored {
            if c.first().is_some_and(|(p, _)| *p >= t) {
                match (scope, c[0].1) {
                    (true, false) => wrong += 1,
                    (false, _) => oos_answered += 1,
                    _ => {}
                }
            }
        }
        if wrong as f64 / in_scope > MAX_WRONG || oos_answered as f64 / oos > MAX_OOS_ANSWERED {
            break;
        }
        answer = t;
    }
    let mut best = (f64::MIN, (answer, answer, 0.2));
    for &clarify in grid.iter().filter(|c| **c <= answer) {
        for floor in [0.02f32, 0.05, 0.1, 0.15, 0.2, 0.3] {
            let u: f64 = scored.iter().map(|(c, s)| clarify_utility(c, *s, answer, clarify, floor)).sum();
            if u > best.0 {
                best = (u, (answer, clarify, floor));
            }
        }
    }
    best.1
}

/// What "Vouliez-vous dire ?" is worth on one question left unanswered: the right entry among
/// the choices is one tap from its answer (+1); choices without it (−0.5) or asked of an
/// out-of-scope question (−0.5) waste the visitor's time; a refusal is neutral.
fn clarify_utility(c: &[(f32, bool)], in_scope: bool, answer: f32, clarify: f32, floor: f32) -> f64 {
    let probs: Vec<f32> = c.iter().map(|(p, _)| *p).collect();
    match (decide(&probs, answer, clarify, floor), in_scope) {
        (Decision::Clarify(n), true) => {
            if c.iter().take(n).any(|(_, ok)| *ok) {
                1.0
            } else {
                -0.5
            }
        }
        (Decision::Clarify(_), false) => -0.5,
        _ => 0.0,
    }
}

/// A weight file from a fit and thresholds.
fn weights_file(
    name: &str,
    features: &[&str],
    fitted: Fitted,
    (answer, clarify, floor): (f32, f32, f32),
    trained: String,
) -> WeightsFile {
    WeightsFile {
        format: FORMAT,
        name: name.to_string(),
        trained,
        features: features.iter().map(|s| s.to_string()).collect(),
        mean: fitted.mean,
        scale: fitted.scale,
        bias: fitted.bias,
        weights: fitted.weights,
        answer_threshold: answer,
        clarify_threshold: clarify,
        choice_floor: floor,
    }
}

/// The candidates of an item scored by `file`, sorted best first, with their labels.
fn scored(file: &WeightsFile, item: &Item) -> Vec<(f32, bool)> {
    let p = probabilities(file, item.candidates.iter().map(|(_, x, _)| x.as_slice()));
    let mut s: Vec<(f32, bool)> = p.into_iter().zip(item.candidates.iter().map(|(_, _, ok)| *ok)).collect();
    s.sort_by(|a, b| b.0.total_cmp(&a.0));
    s
}

fn trainable(item: &Item) -> bool {
    item.query.expected_service.is_none()
}

/// Whether an item is generated garbage: fitted on (the model must refuse it), but left out of
/// choosing thresholds, where its easy refusals would loosen the bound on out-of-scope answers.
fn is_garbage(item: &Item) -> bool {
    item.query.variant == "garbage"
}

/// The fitting groups of `items` (opening-hours questions are answered live, not ranked).
fn groups<'a>(items: &[&'a Item]) -> Vec<Group<'a>> {
    items
        .iter()
        .filter(|i| trainable(i))
        .map(|i| i.candidates.iter().map(|(_, x, ok)| (x.as_slice(), *ok)).collect())
        .collect()
}

/// Fits on `train` items and chooses thresholds on their own probabilities.
fn train_on(name: &str, features: &[&str], items: &[&Item]) -> WeightsFile {
    let fitted = fit(&groups(items), features.len());
    let mut file = weights_file(name, features, fitted, (0.5, 0.3, 0.2), String::new());
    let scored_items: Vec<_> = items
        .iter()
        .filter(|i| trainable(i) && !is_garbage(i))
        .map(|i| (scored(&file, i), i.query.expected_id.is_some()))
        .collect();
    let (a, c, f) = choose_thresholds(&scored_items);
    file.answer_threshold = a;
    file.clarify_threshold = c;
    file.choice_floor = f;
    file
}

/// The replies of `items` with the chatbot of their content set to `file`.
fn replies(
    bots: &mut [Chatbot],
    items: &[&Item],
    file: &WeightsFile,
    semantic: bool,
    now: &[DateTime<Tz>],
) -> Vec<Reply> {
    let Ok(ranker) = Ranker::from_json(&serde_json::to_string(file).unwrap_or_default(), semantic) else {
        return Vec::new();
    };
    for bot in bots.iter_mut() {
        let mut config = bot.config().clone();
        if semantic {
            config.semantic_ranker = ranker.clone();
        } else {
            config.lexical_ranker = ranker.clone();
        }
        bot.set_config(config);
    }
    items
        .iter()
        .map(|i| {
            let sims = if semantic { i.similarities.as_ref() } else { None };
            bots[i.set_content()].ask_with(&i.query.query, now[i.set_content()], sims)
        })
        .collect()
}

impl Item {
    fn set_content(&self) -> usize {
        self.set >> 8
    }
}

fn row(name: &str, m: &Metrics) -> String {
    format!(
        "| {name} | {} + {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
        m.in_scope,
        m.out_of_scope,
        m.top1,
        m.answered_correct,
        m.within_one_tap,
        m.confidently_wrong,
        m.oos_answered,
        m.clarified,
        m.hours_right
    )
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let (mut model, mut cache, mut write) = (None::<PathBuf>, repo("target/train-cache"), false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--model" => model = Some(args.next().ok_or("--model needs a directory")?.into()),
            "--cache" => cache = args.next().ok_or("--cache needs a directory")?.into(),
            "--write" => write = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let shared = repo("../shared/eval/faq-fr");
    let faq_json = shared.join("faq.json");
    let bench = content_from_benchmark_json(&std::fs::read_to_string(&faq_json)?)?;
    let demo = borne_content::load(&borne_content::ContentSource::Embedded)?.content;
    let contents: Vec<(&str, Content, DateTime<Tz>)> = vec![
        (
            "faq-fr",
            bench,
            chrono_tz::Europe::Paris.with_ymd_and_hms(2026, 3, 10, 10, 0, 0).single().ok_or("date")?,
        ),
        (
            "demo",
            demo,
            chrono_tz::Europe::Paris.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).single().ok_or("date")?,
        ),
    ];
    let mut sets: Vec<Set> = Vec::new();
    for (name, content, path) in [
        ("faq-fr dev", 0, shared.join("queries-dev.jsonl")),
        ("faq-fr extra", 0, repo("chatbot/tests/data/faq-fr-extra.jsonl")),
        ("faq-fr english", 0, repo("chatbot/tests/data/faq-fr-english.jsonl")),
        ("demo", 1, repo("tests/data/demo-questions.jsonl")),
        ("demo visitors", 1, repo("tests/data/demo-questions-visitors.jsonl")),
    ] {
        if let Some(queries) = read_set(&path)? {
            sets.push(Set { name, content, queries });
        }
    }
    // Garbage the kiosk must refuse (keyboard mashing, random letters, up to 10,000 characters),
    // generated with a fixed seed, over each content: no written set has any.
    for (name, content) in [("faq-fr garbage", 0), ("demo garbage", 1)] {
        sets.push(Set { name, content, queries: garbage(40, content as u32 + 1) });
    }

    let mut config = ChatbotConfig::default();
    config.semantic.model = model.clone();
    config.semantic.cache_dir = Some(cache.join("faq-embeddings"));
    let mut bots: Vec<Chatbot> =
        contents.iter().map(|(_, c, _)| Chatbot::new(c, config.clone())).collect::<Result<_, _>>()?;
    let semantic = model.is_some();
    if semantic {
        for bot in &bots {
            if !bot.wait_semantic(std::time::Duration::from_secs(1200)) {
                return Err("the model did not load or the FAQ could not be embedded (build with --features semantic)".into());
            }
        }
    }
    let nows: Vec<DateTime<Tz>> = contents.iter().map(|(_, _, n)| *n).collect();

    // Similarities, cached by model and question.
    let sims_path = cache.join(format!(
        "similarities-{}.json",
        model
            .as_deref()
            .and_then(|m| m.file_name())
            .map_or("none".into(), |n| n.to_string_lossy().into_owned())
    ));
    let mut sims_cache: HashMap<String, Similarities> = if semantic {
        std::fs::read_to_string(&sims_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    } else {
        HashMap::new()
    };
    let started = std::time::Instant::now();
    let mut items: Vec<Item> = Vec::new();
    for (s, set) in sets.iter().enumerate() {
        let bot = &bots[set.content];
        for q in &set.queries {
            let similarities = if semantic {
                let key = format!("{}\u{0}{}", contents[set.content].0, q.query);
                if let Some(hit) = sims_cache.get(&key) {
                    Some(hit.clone())
                } else {
                    let computed = bot.similarities(&q.query);
                    if let Some(c) = &computed {
                        sims_cache.insert(key, c.clone());
                    }
                    computed
                }
            } else {
                None
            };
            let ok = |id: &str| q.expected_id.as_deref() == Some(id) || q.also_ok.iter().any(|a| a == id);
            let candidates = bot
                .explain_with(&q.query, similarities.as_ref())
                .into_iter()
                .map(|r| {
                    let label = ok(&r.id);
                    (r.id, r.features, label)
                })
                .collect();
            items.push(Item {
                set: (set.content << 8) | s,
                query: q.clone(),
                fold: fold_of(&q.query),
                similarities,
                candidates,
            });
        }
    }
    if semantic {
        std::fs::create_dir_all(&cache)?;
        std::fs::write(&sims_path, serde_json::to_string(&sims_cache)?)?;
    }
    eprintln!("{} questions measured in {:.1} s", items.len(), started.elapsed().as_secs_f64());
    if semantic {
        // How the embeddings alone rank, per set: a reference for the second stage.
        for (s, set) in sets.iter().enumerate() {
            let ids: Vec<String> = contents[set.content].1.faq.iter().map(|e| e.id.clone()).collect();
            let (mut n, mut by_phrasing, mut by_answer, mut by_sum) = (0, 0, 0, 0);
            for i in items.iter().filter(|i| i.set & 0xff == s && i.query.expected_id.is_some()) {
                let Some(sims) = &i.similarities else { continue };
                let ok = |k: usize| {
                    ids.get(k).is_some_and(|id| {
                        i.query.expected_id.as_deref() == Some(id.as_str()) || i.query.also_ok.contains(id)
                    })
                };
                let argmax = |v: &dyn Fn(usize) -> f32| {
                    (0..ids.len()).max_by(|&a, &b| v(a).total_cmp(&v(b))).unwrap_or(0)
                };
                n += 1;
                by_phrasing += usize::from(ok(argmax(&|k| sims.phrasing[k])));
                by_answer += usize::from(!sims.answer.is_empty() && ok(argmax(&|k| sims.answer[k])));
                by_sum += usize::from(ok(argmax(&|k| {
                    sims.phrasing[k] + sims.answer.get(k).copied().unwrap_or(0.0)
                })));
            }
            eprintln!(
                "{}: embeddings alone, top-1 by phrasing {:.3}, by answer {:.3}, by both {:.3} ({n} in scope)",
                set.name,
                by_phrasing as f64 / n.max(1) as f64,
                by_answer as f64 / n.max(1) as f64,
                by_sum as f64 / n.max(1) as f64
            );
        }
    }
    let not_french = LEXICAL_FEATURES.iter().position(|f| *f == "not_french").unwrap_or(0);
    for (s, set) in sets.iter().enumerate() {
        let of_set: Vec<&Item> = items.iter().filter(|i| i.set & 0xff == s).collect();
        let foreign = of_set
            .iter()
            .filter(|i| i.candidates.first().is_some_and(|(_, x, _)| x[not_french] > 0.5))
            .count();
        eprintln!("{}: {} of {} questions taken as not French", set.name, foreign, of_set.len());
    }

    let features: Vec<&str> =
        LEXICAL_FEATURES.iter().chain(if semantic { SEMANTIC_FEATURES } else { &[] }).copied().collect();
    let name = if semantic { "semantic" } else { "lexical" };
    let width = features.len();
    for i in &items {
        for (_, x, _) in &i.candidates {
            assert_eq!(x.len(), width, "feature width");
        }
    }

    // Cross-validation: each fold scored by a model fitted (and thresholded) on the others.
    let mut cv_replies: Vec<Option<Reply>> = vec![None; items.len()];
    let mut oof: Vec<Option<Vec<(f32, bool)>>> = vec![None; items.len()];
    for k in 0..FOLDS {
        let train: Vec<&Item> = items.iter().filter(|i| i.fold.is_some_and(|f| f != k)).collect();
        let file = train_on(name, &features, &train);
        let test_idx: Vec<usize> = (0..items.len()).filter(|&i| items[i].fold == Some(k)).collect();
        let test: Vec<&Item> = test_idx.iter().map(|&i| &items[i]).collect();
        let r = replies(&mut bots, &test, &file, semantic, &nows);
        for (&i, reply) in test_idx.iter().zip(r) {
            cv_replies[i] = Some(reply);
            oof[i] = Some(scored(&file, &items[i]));
        }
        eprintln!(
            "fold {k}: thresholds answer {:.2} clarify {:.2} floor {:.2}",
            file.answer_threshold, file.clarify_threshold, file.choice_floor
        );
    }

    // The shipped weights: all non-frozen questions; thresholds on out-of-fold probabilities.
    let train: Vec<&Item> = items.iter().filter(|i| i.fold.is_some()).collect();
    let fitted = fit(&groups(&train), width);
    let oof_scored: Vec<(Vec<(f32, bool)>, bool)> = (0..items.len())
        .filter(|&i| items[i].fold.is_some() && trainable(&items[i]) && !is_garbage(&items[i]))
        .filter_map(|i| oof[i].clone().map(|s| (s, items[i].query.expected_id.is_some())))
        .collect();
    let thresholds = choose_thresholds(&oof_scored);
    let counts: Vec<String> = sets
        .iter()
        .enumerate()
        .map(|(s, set)| {
            let n = items.iter().filter(|i| i.set & 0xff == s && i.fold.is_some()).count();
            format!("{} {n}", set.name)
        })
        .collect();
    let file = weights_file(
        name,
        &features,
        fitted,
        thresholds,
        format!(
            "examples/train.rs, logistic regression (L2 {L2}) on {} non-frozen questions ({}); thresholds on {FOLDS}-fold out-of-fold probabilities{}",
            train.len(),
            counts.join(", "),
            if semantic { "; multilingual-e5-small" } else { "" }
        ),
    );

    // Frozen slice: the shipped weights, never fitted or thresholded on it.
    let frozen_idx: Vec<usize> = (0..items.len()).filter(|&i| items[i].fold.is_none()).collect();
    let frozen: Vec<&Item> = frozen_idx.iter().map(|&i| &items[i]).collect();
    let frozen_replies = replies(&mut bots, &frozen, &file, semantic, &nows);
    let mut frozen_by_idx: BTreeMap<usize, Reply> = BTreeMap::new();
    for (&i, r) in frozen_idx.iter().zip(frozen_replies) {
        frozen_by_idx.insert(i, r);
    }

    println!(
        "\n{} — thresholds: answer {:.2}, clarify {:.2}, choice floor {:.2}\n",
        name, file.answer_threshold, file.clarify_threshold, file.choice_floor
    );
    println!(
        "| set | questions (in + out of scope) | top-1 | direct right | within one tap | confidently wrong | out of scope answered | clarified | hours |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut groups: Vec<(String, Vec<usize>)> = sets
        .iter()
        .enumerate()
        .map(|(s, set)| {
            (set.name.to_string(), (0..items.len()).filter(|&i| items[i].set & 0xff == s).collect())
        })
        .collect();
    groups.push((
        "faq-fr French (dev + extra)".into(),
        (0..items.len())
            .filter(|&i| matches!(sets[items[i].set & 0xff].name, "faq-fr dev" | "faq-fr extra"))
            .collect(),
    ));
    groups.push((
        "demo (both sets)".into(),
        (0..items.len())
            .filter(|&i| matches!(sets[items[i].set & 0xff].name, "demo" | "demo visitors"))
            .collect(),
    ));
    for (group, idx) in &groups {
        for (label, frozen_part) in [("cross-validated", false), ("frozen slice", true)] {
            let chosen: Vec<usize> =
                idx.iter().copied().filter(|&i| items[i].fold.is_none() == frozen_part).collect();
            let qs: Vec<BenchQuery> = chosen.iter().map(|&i| items[i].query.clone()).collect();
            let rs: Vec<Reply> = chosen
                .iter()
                .filter_map(
                    |&i| if frozen_part { frozen_by_idx.get(&i).cloned() } else { cv_replies[i].clone() },
                )
                .collect();
            if rs.len() == qs.len() && !qs.is_empty() {
                println!("{}", row(&format!("{group}, {label}"), &metrics(&qs, &rs)));
            }
        }
    }
    if std::env::var_os("TRAIN_MISSES").is_some() {
        for (i, item) in items.iter().enumerate() {
            let Some(r) = &cv_replies[i] else { continue };
            let in_pool = item.candidates.iter().any(|c| c.2);
            let top = r.topk.first().map(|c| (c.id.as_str(), c.score)).unwrap_or(("-", 0.0));
            let right = item
                .query
                .expected_id
                .as_deref()
                .is_some_and(|e| e == top.0 || item.query.also_ok.iter().any(|a| a == top.0));
            let oos_answered = item.query.expected_id.is_none() && r.id.is_some();
            if (item.query.expected_id.is_some() && !right) || oos_answered {
                println!(
                    "MISS [{}] {:?} expected {:?} got {} {:.2} in_pool={in_pool} kind={:?}",
                    sets[item.set & 0xff].name,
                    item.query.query,
                    item.query.expected_id,
                    top.0,
                    top.1,
                    r.kind
                );
            }
        }
    }
    println!("\nweights ({name}):");
    for (f, w) in features.iter().zip(&file.weights) {
        println!("  {f:>22} {w:+.3}");
    }
    if write {
        let path = repo(&format!("chatbot/weights/{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&file)? + "\n")?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

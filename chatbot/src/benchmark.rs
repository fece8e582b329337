//! The French FAQ retrieval benchmark (`faq-fr`) as chatbot content, for the evaluation harness.
//!
//! The benchmark's `faq.json` is a list of `{id, question, answer, category, keywords?}`; this
//! module turns it into [`FaqEntry`] values and into a whole [`Content`] with a commune built in
//! code (no services, no synonyms: the benchmark measures FAQ retrieval only).

use borne_content::{Commune, Content, FaqEntry};
use serde::Deserialize;

use crate::error::ChatbotError;

#[derive(Deserialize)]
struct BenchEntry {
    id: String,
    question: String,
    answer: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    keywords: Option<Vec<String>>,
    #[serde(default)]
    alternatives: Option<Vec<String>>,
}

/// Parses the benchmark's `faq.json` into FAQ entries.
pub fn faq_from_benchmark_json(text: &str) -> Result<Vec<FaqEntry>, ChatbotError> {
    let raw: Vec<BenchEntry> = serde_json::from_str(text)?;
    Ok(raw
        .into_iter()
        .map(|e| FaqEntry {
            id: e.id,
            question: e.question,
            answer: e.answer,
            alternatives: e.alternatives.unwrap_or_default(),
            keywords: e.keywords.unwrap_or_default(),
            category: e.category,
            link: None,
        })
        .collect())
}

/// A whole [`Content`] around the benchmark's FAQ, with a placeholder commune.
pub fn content_from_benchmark_json(text: &str) -> Result<Content, ChatbotError> {
    let faq = faq_from_benchmark_json(text)?;
    Ok(Content::from_faq(Commune::minimal("Benchmark", "l'accueil de la mairie"), faq, "faq-fr benchmark"))
}

/// One benchmark question: `{query, expected_id | null, also_ok?, variant}`.
#[derive(Debug, Clone, Deserialize)]
pub struct BenchQuery {
    /// The question.
    pub query: String,
    /// The right entry, `None` when the question is out of scope.
    pub expected_id: Option<String>,
    /// Other acceptable entries.
    #[serde(default)]
    pub also_ok: Vec<String>,
    /// The kind of phrasing (`typo`, `sms`, `oos_near`...).
    #[serde(default)]
    pub variant: String,
    /// For an opening-hours question of the kiosk's own sets: the service it asks about (the
    /// right reply is that service's live hours).
    #[serde(default)]
    pub expected_service: Option<String>,
}

/// Parses a `queries-*.jsonl` file.
pub fn queries_from_jsonl(text: &str) -> Result<Vec<BenchQuery>, ChatbotError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(ChatbotError::from))
        .collect()
}

/// The benchmark's metrics, computed as `score.py` does (with its "kiosk outcome"), plus the
/// share of opening-hours questions answered live for the right service.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Number of in-scope questions (an expected entry).
    pub in_scope: usize,
    /// Number of out-of-scope questions.
    pub out_of_scope: usize,
    /// Top-1 accuracy on in-scope questions.
    pub top1: f64,
    /// Mean reciprocal rank of the first right entry in the best 5, in-scope.
    pub mrr5: f64,
    /// Overall accuracy at the best single confidence threshold.
    pub best_threshold_accuracy: f64,
    /// That threshold.
    pub best_threshold: f32,
    /// Own decision: share of in-scope questions answered with a right entry ("direct right").
    pub answered_correct: f64,
    /// Own decision: share of out-of-scope questions refused.
    pub oos_refused: f64,
    /// Own decision: (in-scope answered right + out-of-scope refused) / all.
    pub overall: f64,
    /// Kiosk outcome, in scope: answered right, or no answer and a right entry among the entries
    /// offered (the choices of "Vouliez-vous dire ?", else the first 3 candidates).
    pub within_one_tap: f64,
    /// Kiosk outcome, in scope: answered with a wrong entry.
    pub confidently_wrong: f64,
    /// Kiosk outcome, out of scope: answered with any entry.
    pub oos_answered: f64,
    /// Share of in-scope questions that got "Vouliez-vous dire ?".
    pub clarified: f64,
    /// Share of out-of-scope questions that got "Vouliez-vous dire ?".
    pub oos_clarified: f64,
    /// Opening-hours questions (an expected service), answered live for that service.
    pub hours_right: f64,
    /// Number of opening-hours questions.
    pub hours: usize,
    /// Top-1 accuracy per variant.
    pub top1_by_variant: std::collections::BTreeMap<String, f64>,
}

/// Asks every question to `bot` and computes the metrics.
pub fn evaluate(
    bot: &crate::Chatbot,
    queries: &[BenchQuery],
    now: chrono::DateTime<chrono_tz::Tz>,
) -> Metrics {
    let replies: Vec<crate::Reply> = queries.iter().map(|q| bot.ask(&q.query, now)).collect();
    metrics(queries, &replies)
}

/// The metrics of `replies`, one per question of `queries`, in order.
pub fn metrics(queries: &[BenchQuery], replies: &[crate::Reply]) -> Metrics {
    use crate::ReplyKind;
    let mut items: Vec<(f32, u8)> = Vec::new(); // 0 correct, 1 wrong, 2 oos
    let (mut rr, mut answered_ok, mut oos_refused, mut n_in) = (0.0, 0usize, 0usize, 0usize);
    let (mut tap, mut wrong, mut clarified, mut oos_clarified) = (0usize, 0usize, 0usize, 0usize);
    let (mut hours, mut hours_ok) = (0usize, 0usize);
    let mut by_variant: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for (q, reply) in queries.iter().zip(replies) {
        let ranked: Vec<&str> = reply.topk.iter().map(|c| c.id.as_str()).collect();
        if let Some(service) = &q.expected_service {
            hours += 1;
            hours_ok += usize::from(
                matches!(&reply.kind, ReplyKind::LiveHours { service_id } if service_id == service),
            );
            continue;
        }
        match &q.expected_id {
            Some(expected) => {
                n_in += 1;
                let ok = |id: &str| id == expected || q.also_ok.iter().any(|a| a == id);
                let correct = ranked.first().is_some_and(|id| ok(id));
                items.push((reply.score, u8::from(!correct)));
                let answered = reply.id.is_some();
                if reply.id.as_deref().is_some_and(ok) {
                    answered_ok += 1;
                    tap += 1;
                } else if answered {
                    wrong += 1;
                } else {
                    let offered: Vec<&str> = if reply.kind == ReplyKind::Clarify {
                        reply.choices.iter().map(|c| c.id.as_str()).collect()
                    } else {
                        ranked.iter().take(3).copied().collect()
                    };
                    tap += usize::from(offered.iter().take(3).any(|id| ok(id)));
                }
                clarified += usize::from(reply.kind == ReplyKind::Clarify);
                if let Some(rank) = ranked.iter().take(5).position(|id| ok(id)) {
                    rr += 1.0 / (rank as f64 + 1.0);
                }
                let v = by_variant.entry(q.variant.clone()).or_default();
                v.0 += usize::from(correct);
                v.1 += 1;
            }
            None => {
                items.push((reply.score, 2));
                if reply.id.is_none() {
                    oos_refused += 1;
                }
                oos_clarified += usize::from(reply.kind == ReplyKind::Clarify);
            }
        }
    }
    let n = items.len().max(1) as f64;
    let n_oos = items.len() - n_in;
    let mut thresholds: Vec<f32> = items.iter().map(|(s, _)| *s).collect();
    thresholds.push(f32::INFINITY);
    thresholds.sort_by(f32::total_cmp);
    let (mut best_acc, mut best_t) = (-1.0, 0.0);
    for t in thresholds {
        let good = items.iter().filter(|(s, k)| (*k == 0 && *s >= t) || (*k == 2 && *s < t)).count();
        let acc = good as f64 / n;
        if acc > best_acc {
            best_acc = acc;
            best_t = t;
        }
    }
    let correct = items.iter().filter(|(_, k)| *k == 0).count();
    let share = |k: usize, of: usize| k as f64 / of.max(1) as f64;
    Metrics {
        in_scope: n_in,
        out_of_scope: n_oos,
        top1: share(correct, n_in),
        mrr5: rr / n_in.max(1) as f64,
        best_threshold_accuracy: best_acc,
        best_threshold: best_t,
        answered_correct: share(answered_ok, n_in),
        oos_refused: share(oos_refused, n_oos),
        overall: (answered_ok + oos_refused) as f64 / n,
        within_one_tap: share(tap, n_in),
        confidently_wrong: share(wrong, n_in),
        oos_answered: share(n_oos - oos_refused, n_oos),
        clarified: share(clarified, n_in),
        oos_clarified: share(oos_clarified, n_oos),
        hours_right: share(hours_ok, hours),
        hours,
        top1_by_variant: by_variant.into_iter().map(|(k, (c, t))| (k, c as f64 / t as f64)).collect(),
    }
}

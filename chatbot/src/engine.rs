//! One immutable snapshot of everything needed to answer: the index of one version of the
//! content, its vocabulary, synonyms and services. [`crate::Chatbot`] swaps whole engines on
//! reload, so a question is always answered by one consistent snapshot. It measures the
//! candidates ([`crate::candidates`]), has the second stage rank them and decide
//! ([`crate::ranker`]), and words the reply.

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use chrono_tz::Tz;

use borne_content::{Content, Service};

use crate::analysis::Analyzer;
use crate::candidates::{CandidateFeatures, LexicalEvidence, QuestionEvidence, Similarities, pool};
use crate::config::ChatbotConfig;
use crate::error::ChatbotError;
use crate::index::{FaqIndex, IndexedEntry};
use crate::language::{Language, detect};
use crate::live_hours::{HoursQuestion, ServiceMatcher, has_hours_intent, live_text};
use crate::query::{QueryTerm, Synonyms, Vocabulary, build_terms, rewrite_informal};
use crate::ranker::{Decision, Ranker};
use crate::reply::{Candidate, Reply, ReplyKind};
use crate::sanitize::sanitize;
use crate::scoring::{EXACT_PHRASING_BOOST, coverage, is_exact_phrasing, missing, question_coverage};

/// How many fused-score candidates are reranked.
const RERANK_DEPTH: usize = 20;

/// Most characters of an answer embedded as its "first sentences".
const ANSWER_LEAD_CHARS: usize = 300;

/// Stems that make an entry an opening-hours entry.
const HOURS_STEMS: &[&str] = &["horair", "ouvert", "ouvr", "ferm", "ferme"];

/// An FAQ entry as the engine keeps it.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    question: String,
    answer: String,
    link: Option<String>,
    stems: HashSet<String>,
    /// Stems of the entry's keywords and category.
    keyword_stems: HashSet<String>,
    /// Whether the entry speaks of opening hours.
    hours: bool,
    /// The question and each alternative as stems with their IDF.
    phrasings: Vec<Vec<(String, f32)>>,
    /// The question and each alternative, as written (what semantic matching embeds).
    texts: Vec<String>,
    /// The answer's first sentences (embedded too).
    answer_lead: String,
}

/// What a text embedded for semantic matching stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// The entry's question or one of its alternatives.
    Phrasing,
    /// The first sentences of the entry's answer.
    Answer,
}

/// An entry ranked for a question by the second stage, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ranked {
    /// The entry's id.
    pub id: String,
    /// The entry's question.
    pub question: String,
    /// Probability that the entry answers the question (see [`crate::ranker`]).
    pub probability: f32,
    /// Cosine similarity of the entry's best phrasing to the question, when a model took part.
    pub similarity: Option<f32>,
    /// The features the ranker read ([`crate::candidates`] names them).
    pub features: Vec<f32>,
}

/// A snapshot of the content, indexed.
#[derive(Debug)]
pub struct Engine {
    index: FaqIndex,
    entries: Vec<Entry>,
    vocab: Vocabulary,
    synonyms: Synonyms,
    services: Vec<Service>,
    matcher: ServiceMatcher,
    help_desk: String,
    analyzer: AnalyzerCell,
}

/// The analyzer is cloned for each question (tantivy analyzers need `&mut`).
struct AnalyzerCell(Analyzer);

impl std::fmt::Debug for AnalyzerCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analyzer")
    }
}

/// The first sentences of an answer, at most [`ANSWER_LEAD_CHARS`] characters, cut at a sentence end
/// when there is one.
fn answer_lead(answer: &str) -> String {
    let mut lead = String::new();
    for sentence in answer.split_inclusive(['.', '!', '?', '\n']) {
        if !lead.is_empty() && lead.chars().count() + sentence.chars().count() > ANSWER_LEAD_CHARS {
            break;
        }
        lead.push_str(sentence);
    }
    lead.chars().take(ANSWER_LEAD_CHARS).collect::<String>().trim().to_string()
}

/// What the question is, before ranking: its terms and question-level evidence.
struct Asked {
    terms: Vec<QueryTerm>,
    evidence: QuestionEvidence,
}

impl Engine {
    /// Indexes `content`.
    pub fn build(content: &Content) -> Result<Self, ChatbotError> {
        let mut analyzer = Analyzer::new();
        let mut vocab = Vocabulary::default();
        let mut entries = Vec::with_capacity(content.faq.len());
        let mut indexed = Vec::with_capacity(content.faq.len());
        for e in &content.faq {
            let keywords = format!(
                "{} {}",
                e.keywords.join(" ; "),
                e.category.as_deref().unwrap_or_default().replace(['_', '-'], " ")
            );
            let alternatives = e.alternatives.join(" ; ");
            let all = format!("{} {} {} {}", e.question, alternatives, keywords, e.answer);
            let words = analyzer.words(&all);
            vocab.add_entry(&words);
            let phrasing_stems: HashSet<String> =
                analyzer.stems(&format!("{} {}", e.question, alternatives)).into_iter().collect();
            entries.push(Entry {
                id: e.id.clone(),
                question: e.question.clone(),
                answer: e.answer.clone(),
                link: e.link.clone(),
                stems: words.into_iter().map(|w| w.stem).collect(),
                keyword_stems: analyzer.stems(&keywords).into_iter().collect(),
                hours: HOURS_STEMS.iter().any(|s| phrasing_stems.contains(*s)),
                phrasings: std::iter::once(&e.question)
                    .chain(e.alternatives.iter())
                    .map(|p| analyzer.stems(p).into_iter().map(|s| (s, 0.0)).collect())
                    .collect(),
                texts: std::iter::once(&e.question).chain(e.alternatives.iter()).cloned().collect(),
                answer_lead: answer_lead(&e.answer),
            });
            indexed.push(IndexedEntry {
                question: e.question.clone(),
                alternatives,
                keywords,
                answer: e.answer.clone(),
            });
        }
        for entry in &mut entries {
            for phrasing in &mut entry.phrasings {
                for (stem, idf) in phrasing.iter_mut() {
                    *idf = vocab.idf(stem);
                }
            }
        }
        let index = FaqIndex::build(&indexed, &mut analyzer)?;
        let synonyms = Synonyms::new(&mut analyzer, &content.synonyms);
        let matcher = ServiceMatcher::new(&content.services, &mut analyzer);
        tracing::info!(entries = entries.len(), services = content.services.len(), "chatbot index built");
        Ok(Self {
            index,
            entries,
            vocab,
            synonyms,
            services: content.services.clone(),
            matcher,
            help_desk: content.commune.help_desk.clone(),
            analyzer: AnalyzerCell(analyzer),
        })
    }

    /// Number of FAQ entries indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the FAQ is empty (every question is then refused).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The terms and question-level evidence of a cleaned question.
    fn asked(&self, question: &str, language: Language) -> Asked {
        let mut analyzer = self.analyzer.0.clone();
        let terms = build_terms(question, &mut analyzer, &self.vocab, &self.synonyms);
        let total: f32 = terms.iter().map(|t| t.idf).sum();
        let unknown: f32 = terms
            .iter()
            .filter(|t| !t.variants.iter().any(|(s, _)| self.vocab.has_stem(s)))
            .map(|t| t.idf)
            .sum();
        let words = analyzer.folded_words(&rewrite_informal(question));
        let evidence = QuestionEvidence {
            unknown_words: if total > 0.0 { unknown / total } else { 1.0 },
            terms: terms.len(),
            not_french: language != Language::French,
            hours_intent: has_hours_intent(&words),
        };
        Asked { terms, evidence }
    }

    /// The lexical evidence of entry `index` for `terms`, with its fused and reranked scores.
    fn measure(
        &self,
        index: usize,
        terms: &[QueryTerm],
        query_stems: &HashMap<&str, f32>,
        fused: f32,
        config: &ChatbotConfig,
    ) -> Option<LexicalEvidence> {
        let entry = self.entries.get(index)?;
        let coverage = coverage(terms, &entry.stems);
        let question_coverage = question_coverage(&entry.phrasings, query_stems);
        let exact = is_exact_phrasing(&entry.phrasings, terms);
        let features = crate::scoring::Features {
            coverage,
            question_coverage,
            margin: 0.0,
            strength: (1.0 + fused).ln(),
            missing: missing(terms, &entry.stems, self.vocab.max_idf()),
        };
        Some(LexicalEvidence {
            entry: index,
            fused,
            reranked: config.rerank.score(fused, &features) * if exact { EXACT_PHRASING_BOOST } else { 1.0 },
            coverage,
            question_coverage,
            missing: features.missing,
            exact,
            keyword_hit: terms
                .iter()
                .any(|t| t.variants.iter().any(|(s, _)| entry.keyword_stems.contains(s))),
            hours_entry: entry.hours,
        })
    }

    /// The candidate pool of a question with its features (see [`crate::candidates`]).
    fn candidates(
        &self,
        asked: &Asked,
        similarities: Option<&Similarities>,
        config: &ChatbotConfig,
    ) -> Vec<CandidateFeatures> {
        let terms = &asked.terms;
        let hits = match self.index.search(terms, &config.weights, RERANK_DEPTH) {
            Ok(hits) => hits,
            Err(e) => {
                tracing::warn!(error = %e, "chatbot search failed");
                Vec::new()
            }
        };
        let mut query_stems: HashMap<&str, f32> = HashMap::new();
        for (stem, weight) in terms.iter().flat_map(|t| t.variants.iter()) {
            let best = query_stems.entry(stem.as_str()).or_default();
            *best = best.max(*weight);
        }
        let mut lexical: Vec<LexicalEvidence> = hits
            .iter()
            .filter_map(|&(i, fused)| self.measure(i, terms, &query_stems, fused, config))
            .collect();
        lexical.sort_by(|a, b| b.reranked.total_cmp(&a.reranked));
        let similarities = similarities.filter(|s| s.fits(self.entries.len()));
        pool(&lexical, &asked.evidence, similarities, |i| {
            let fused = hits.iter().find(|(h, _)| *h == i).map_or(0.0, |(_, f)| *f);
            self.measure(i, terms, &query_stems, fused, config)
                .unwrap_or(LexicalEvidence { entry: i, ..LexicalEvidence::default() })
        })
    }

    /// The ranker for this question: the semantic one when similarities take part.
    fn ranker<'a>(&self, config: &'a ChatbotConfig, semantic: bool) -> &'a Ranker {
        if semantic { &config.semantic_ranker } else { &config.lexical_ranker }
    }

    /// The pool of a cleaned question ranked by the second stage, best first.
    fn ranked(
        &self,
        asked: &Asked,
        similarities: Option<&Similarities>,
        config: &ChatbotConfig,
    ) -> Vec<Ranked> {
        let similarities = similarities.filter(|s| s.fits(self.entries.len()));
        let ranker = self.ranker(config, similarities.is_some());
        let pool = self.candidates(asked, similarities, config);
        let probabilities = ranker.probabilities(pool.iter().map(|c| c.features.as_slice()));
        let mut ranked: Vec<Ranked> = pool
            .into_iter()
            .zip(probabilities)
            .filter_map(|(c, probability)| {
                let entry = self.entries.get(c.entry)?;
                Some(Ranked {
                    id: entry.id.clone(),
                    question: entry.question.clone(),
                    probability,
                    similarity: c.similarity,
                    features: c.features,
                })
            })
            .collect();
        ranked.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        ranked
    }

    /// Every text to embed for semantic matching: (entry index, what it is, text).
    pub fn semantic_texts(&self) -> Vec<(usize, TextKind, String)> {
        self.entries
            .iter()
            .enumerate()
            .flat_map(|(i, e)| {
                e.texts
                    .iter()
                    .map(move |t| (i, TextKind::Phrasing, t.clone()))
                    .chain((!e.answer_lead.is_empty()).then(|| (i, TextKind::Answer, e.answer_lead.clone())))
            })
            .collect()
    }

    /// Entries ranked for a raw question (cleaned here), best first, with their evidence;
    /// `similarities` (per entry) adds the semantic features.
    pub fn explain(
        &self,
        question: &str,
        config: &ChatbotConfig,
        similarities: Option<&Similarities>,
    ) -> Vec<Ranked> {
        match sanitize(question) {
            Ok(q) => self.ranked(&self.asked(&q, detect(&q)), similarities, config),
            Err(_) => Vec::new(),
        }
    }

    /// Answers a question at instant `now` with lexical matching only.
    pub fn ask(&self, question: &str, now: DateTime<Tz>, config: &ChatbotConfig) -> Reply {
        self.ask_with(question, now, config, None)
    }

    /// The reply that shows entry `id`'s answer (a "Vouliez-vous dire ?" choice or a suggestion
    /// tapped), `None` when the FAQ has no such entry.
    pub fn answer_entry(&self, id: &str) -> Option<Reply> {
        let entry = self.entries.iter().find(|e| e.id == id)?;
        Some(Reply {
            kind: ReplyKind::Answer { faq_id: entry.id.clone() },
            id: Some(entry.id.clone()),
            text: entry.answer.clone(),
            answer: Some(entry.answer.clone()),
            score: 1.0,
            topk: vec![Candidate { id: entry.id.clone(), question: entry.question.clone(), score: 1.0 }],
            suggestions: Vec::new(),
            choices: Vec::new(),
            link: entry.link.clone(),
            language: Language::French,
        })
    }

    /// Answers a question at instant `now`; `similarities` (the question's cosines to every
    /// entry) adds the semantic features, see [`crate::candidates`] and [`crate::ranker`].
    pub fn ask_with(
        &self,
        question: &str,
        now: DateTime<Tz>,
        config: &ChatbotConfig,
        similarities: Option<&Similarities>,
    ) -> Reply {
        let cleaned = match sanitize(question) {
            Ok(q) => q,
            Err(problem) => {
                return Reply {
                    kind: ReplyKind::InvalidInput { problem },
                    id: None,
                    text: problem.message().to_string(),
                    answer: None,
                    score: 0.0,
                    topk: Vec::new(),
                    suggestions: Vec::new(),
                    choices: Vec::new(),
                    link: None,
                    language: Language::French,
                };
            }
        };
        let language = detect(&cleaned);
        let asked = self.asked(&cleaned, language);
        let similarities = similarities.filter(|s| s.fits(self.entries.len()));
        let ranked = self.ranked(&asked, similarities, config);
        let ranker = self.ranker(config, similarities.is_some());
        let topk: Vec<Candidate> = ranked
            .iter()
            .take(config.top_k)
            .map(|r| Candidate { id: r.id.clone(), question: r.question.clone(), score: r.probability })
            .collect();
        let probabilities: Vec<f32> = ranked.iter().map(|r| r.probability).collect();
        let decision = ranker.decide(&probabilities, config.threshold);
        let best = ranked.first();
        let score = best.map_or(0.0, |r| r.probability);
        let reply = |kind, id, text: String, answer, suggestions, choices, link| Reply {
            kind,
            id,
            text,
            answer,
            score,
            topk: topk.clone(),
            suggestions,
            choices,
            link,
            language,
        };

        if let Some(hq) = self.hours_question(&cleaned)
            && let Some(service) = self.services.get(hq.service)
        {
            let text = live_text(service, hq.day, now);
            let id = match (best, &decision) {
                (Some(b), Decision::Answer) => b.id.clone(),
                _ => format!("service:{}", service.id),
            };
            let mut r = reply(
                ReplyKind::LiveHours { service_id: service.id.clone() },
                Some(id),
                text.clone(),
                Some(text),
                Vec::new(),
                Vec::new(),
                None,
            );
            r.score = 1.0;
            return r;
        }

        match decision {
            Decision::Answer => {
                if let Some(entry) = best.and_then(|b| self.entries.iter().find(|e| e.id == b.id)) {
                    tracing::debug!(id = %entry.id, probability = score, "chatbot answered");
                    return reply(
                        ReplyKind::Answer { faq_id: entry.id.clone() },
                        Some(entry.id.clone()),
                        entry.answer.clone(),
                        Some(entry.answer.clone()),
                        Vec::new(),
                        Vec::new(),
                        entry.link.clone(),
                    );
                }
            }
            Decision::Clarify(n) => {
                tracing::debug!(probability = score, choices = n, "chatbot asks which entry was meant");
                let choices: Vec<Candidate> = topk.iter().take(n).cloned().collect();
                return reply(
                    ReplyKind::Clarify,
                    None,
                    "Vouliez-vous dire :".to_string(),
                    None,
                    Vec::new(),
                    choices,
                    None,
                );
            }
            Decision::Refuse => {}
        }
        let suggestions: Vec<Candidate> = topk.iter().take(config.suggestions).cloned().collect();
        tracing::debug!(probability = score, "chatbot refused");
        reply(ReplyKind::DontKnow, None, self.refusal_text(), None, suggestions, Vec::new(), None)
    }

    /// "Je ne sais pas" with the help desk, as one sentence (the help desk may end with its own
    /// full stop: no second one is added).
    fn refusal_text(&self) -> String {
        let desk = self.help_desk.trim();
        let end = if desk.ends_with(['.', '!', '?']) { "" } else { "." };
        if desk.is_empty() {
            "Je ne sais pas répondre à cette question.".to_string()
        } else {
            format!("Je ne sais pas répondre à cette question. Vous pouvez vous adresser à : {desk}{end}")
        }
    }

    fn hours_question(&self, cleaned: &str) -> Option<HoursQuestion> {
        if self.services.is_empty() {
            return None;
        }
        let mut analyzer = self.analyzer.0.clone();
        let words = analyzer.folded_words(&rewrite_informal(cleaned));
        self.matcher.detect(&words)
    }
}

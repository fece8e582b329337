//! One immutable snapshot of everything needed to answer: the index of one version of the
//! content, its vocabulary, synonyms and services. [`crate::Chatbot`] swaps whole engines on
//! reload, so a question is always answered by one consistent snapshot.

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use chrono_tz::Tz;

use borne_content::{Content, Service};

use crate::analysis::Analyzer;
use crate::config::ChatbotConfig;
use crate::error::ChatbotError;
use crate::index::{FaqIndex, IndexedEntry};
use crate::live_hours::{HoursQuestion, ServiceMatcher, live_text};
use crate::query::{QueryTerm, Synonyms, Vocabulary, build_terms, rewrite_informal};
use crate::reply::{Candidate, Reply, ReplyKind};
use crate::sanitize::sanitize;
use crate::scoring::{
    EXACT_PHRASING_BOOST, Features, confidence, coverage, is_exact_phrasing, missing, question_coverage,
};

/// How many fused-score candidates are reranked.
const RERANK_DEPTH: usize = 20;

/// An FAQ entry as the engine keeps it.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    question: String,
    answer: String,
    link: Option<String>,
    stems: HashSet<String>,
    /// The question and each alternative as stems with their IDF.
    phrasings: Vec<Vec<(String, f32)>>,
    /// The question and each alternative, as written (what semantic matching embeds).
    texts: Vec<String>,
}

/// An entry ranked for a question, with the evidence behind its confidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ranked {
    /// The entry's id.
    pub id: String,
    /// The entry's question.
    pub question: String,
    /// Fused BM25 score (see [`crate::index`]).
    pub fused: f32,
    /// Reranked score (see [`crate::scoring::Rerank`]).
    pub reranked: f32,
    /// Confidence features.
    pub features: Features,
    /// Calibrated confidence in [0, 1] (mixed with the embedding evidence in hybrid ranking).
    pub confidence: f32,
    /// Cosine similarity of the entry to the question, when semantic matching took part.
    pub similarity: Option<f32>,
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
            entries.push(Entry {
                id: e.id.clone(),
                question: e.question.clone(),
                answer: e.answer.clone(),
                link: e.link.clone(),
                stems: words.into_iter().map(|w| w.stem).collect(),
                phrasings: std::iter::once(&e.question)
                    .chain(e.alternatives.iter())
                    .map(|p| analyzer.stems(p).into_iter().map(|s| (s, 0.0)).collect())
                    .collect(),
                texts: std::iter::once(&e.question).chain(e.alternatives.iter()).cloned().collect(),
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

    /// The weighted terms of a cleaned question.
    fn terms(&self, question: &str) -> Vec<QueryTerm> {
        let mut analyzer = self.analyzer.0.clone();
        build_terms(question, &mut analyzer, &self.vocab, &self.synonyms)
    }

    /// Entries ranked for a cleaned question, best first.
    fn rank(&self, terms: &[QueryTerm], config: &ChatbotConfig) -> Vec<Ranked> {
        let hits = match self.index.search(terms, &config.weights, RERANK_DEPTH) {
            Ok(hits) => hits,
            Err(e) => {
                tracing::warn!(error = %e, "chatbot search failed");
                return Vec::new();
            }
        };
        let mut query_stems: HashMap<&str, f32> = HashMap::new();
        for (stem, weight) in terms.iter().flat_map(|t| t.variants.iter()) {
            let best = query_stems.entry(stem.as_str()).or_default();
            *best = best.max(*weight);
        }
        let mut ranked: Vec<Ranked> = hits
            .into_iter()
            .filter_map(|(i, fused)| {
                let entry = self.entries.get(i)?;
                let features = Features {
                    coverage: coverage(terms, &entry.stems),
                    question_coverage: question_coverage(&entry.phrasings, &query_stems),
                    margin: 0.0,
                    strength: (1.0 + fused).ln(),
                    missing: missing(terms, &entry.stems, self.vocab.max_idf()),
                };
                Some(Ranked {
                    id: entry.id.clone(),
                    question: entry.question.clone(),
                    fused,
                    reranked: config.rerank.score(fused, &features)
                        * if is_exact_phrasing(&entry.phrasings, terms) { EXACT_PHRASING_BOOST } else { 1.0 },
                    features,
                    confidence: 0.0,
                    similarity: None,
                })
            })
            .collect();
        ranked.sort_by(|a, b| b.reranked.total_cmp(&a.reranked));
        let first = ranked.first().map_or(0.0, |r| r.reranked);
        let second = ranked.get(1).map_or(0.0, |r| r.reranked);
        for (i, r) in ranked.iter_mut().enumerate() {
            r.features.margin = if first <= 0.0 {
                0.0
            } else if i == 0 {
                (first - second) / first
            } else {
                (r.reranked - first) / first
            };
            r.confidence = confidence(&r.features, &config.calibration);
        }
        ranked
    }

    /// Every phrasing to embed for semantic matching: (entry index, question or alternative).
    pub fn semantic_texts(&self) -> Vec<(usize, String)> {
        self.entries
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.texts.iter().map(move |t| (i, t.clone())))
            .collect()
    }

    /// The lexical ranking fused with the question's cosine similarity to every entry (indexed by
    /// entry), see [`crate::fusion`].
    fn hybrid(&self, lexical: Vec<Ranked>, similarities: &[f32], config: &ChatbotConfig) -> Vec<Ranked> {
        let index: HashMap<&str, usize> =
            self.entries.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
        let lex: Vec<(usize, f32)> =
            lexical.iter().filter_map(|r| index.get(r.id.as_str()).map(|&i| (i, r.confidence))).collect();
        let mut by_entry: HashMap<usize, Ranked> =
            lexical.into_iter().filter_map(|r| index.get(r.id.as_str()).map(|&i| (i, r))).collect();
        crate::fusion::fuse(
            &lex,
            similarities,
            config.semantic.rank_weight,
            config.semantic.confidence_weight,
        )
        .into_iter()
        .filter_map(|f| {
            let entry = self.entries.get(f.entry)?;
            let mut r = by_entry.remove(&f.entry).unwrap_or_else(|| Ranked {
                id: entry.id.clone(),
                question: entry.question.clone(),
                fused: 0.0,
                reranked: 0.0,
                features: Features::default(),
                confidence: 0.0,
                similarity: None,
            });
            r.confidence = f.confidence;
            r.similarity = Some(f.similarity);
            Some(r)
        })
        .collect()
    }

    /// Entries ranked for a raw question (cleaned here), best first, with their evidence;
    /// `similarities` (per entry) turns on hybrid ranking.
    pub fn explain(
        &self,
        question: &str,
        config: &ChatbotConfig,
        similarities: Option<&[f32]>,
    ) -> Vec<Ranked> {
        match sanitize(question) {
            Ok(q) => {
                let ranked = self.rank(&self.terms(&q), config);
                match similarities {
                    Some(s) if s.len() == self.entries.len() => self.hybrid(ranked, s, config),
                    _ => ranked,
                }
            }
            Err(_) => Vec::new(),
        }
    }

    /// Answers a question at instant `now` with lexical matching only.
    pub fn ask(&self, question: &str, now: DateTime<Tz>, config: &ChatbotConfig) -> Reply {
        self.ask_with(question, now, config, None)
    }

    /// Answers a question at instant `now`; `similarities` (the question's cosine to every entry,
    /// indexed by entry) turns on hybrid ranking, see [`crate::fusion`].
    pub fn ask_with(
        &self,
        question: &str,
        now: DateTime<Tz>,
        config: &ChatbotConfig,
        similarities: Option<&[f32]>,
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
                    link: None,
                };
            }
        };
        let terms = self.terms(&cleaned);
        let mut ranked = self.rank(&terms, config);
        if let Some(s) = similarities.filter(|s| s.len() == self.entries.len()) {
            ranked = self.hybrid(ranked, s, config);
        }
        let topk: Vec<Candidate> = ranked
            .iter()
            .take(config.top_k)
            .map(|r| Candidate { id: r.id.clone(), question: r.question.clone(), score: r.confidence })
            .collect();
        let best = ranked.first();
        let score = best.map_or(0.0, |r| r.confidence);

        if let Some(hq) = self.hours_question(&cleaned)
            && let Some(service) = self.services.get(hq.service)
        {
            let text = live_text(service, hq.day, now);
            let id = match best {
                Some(b) if b.confidence >= config.threshold => b.id.clone(),
                _ => format!("service:{}", service.id),
            };
            return Reply {
                kind: ReplyKind::LiveHours { service_id: service.id.clone() },
                id: Some(id),
                text: text.clone(),
                answer: Some(text),
                score: 1.0,
                topk,
                suggestions: Vec::new(),
                link: None,
            };
        }

        if let Some(b) = best.filter(|b| b.confidence >= config.threshold)
            && let Some(entry) = self.entries.iter().find(|e| e.id == b.id)
        {
            tracing::debug!(id = %entry.id, confidence = b.confidence, "chatbot answered");
            return Reply {
                kind: ReplyKind::Answer { faq_id: entry.id.clone() },
                id: Some(entry.id.clone()),
                text: entry.answer.clone(),
                answer: Some(entry.answer.clone()),
                score,
                topk,
                suggestions: Vec::new(),
                link: entry.link.clone(),
            };
        }

        let suggestions: Vec<Candidate> = topk.iter().take(config.suggestions).cloned().collect();
        let mut text = "Je ne sais pas répondre à cette question.".to_string();
        if !suggestions.is_empty() {
            text.push_str(" Questions proches :");
            for s in &suggestions {
                text.push_str(&format!("\n- {}", s.question));
            }
            text.push('\n');
        } else {
            text.push(' ');
        }
        text.push_str(&format!("Vous pouvez aussi vous adresser à : {}.", self.help_desk));
        tracing::debug!(confidence = score, "chatbot refused");
        Reply {
            kind: ReplyKind::DontKnow,
            id: None,
            text,
            answer: None,
            score,
            topk,
            suggestions,
            link: None,
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

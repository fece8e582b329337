//! The tantivy index of one FAQ, kept in RAM, and its weighted BM25 search.
//!
//! Every entry is one document with five searched fields: `question`, `alternatives`, `keywords`
//! (keywords and category), `answer`, and `trigrams` (character trigrams of the entry's question,
//! alternatives and keywords, for typos and compounds the word fields miss). A question is searched
//! as one boolean "should" query whose clauses are `TermQuery`s boosted by field weight × variant
//! weight, so tantivy computes the fused score
//!
//! ```text
//! S(d) = Σ_terms Σ_variants Σ_fields  w_field · w_variant · BM25_field(variant, d)
//!      + W_TRIGRAM / √|G| · Σ_{g ∈ G} BM25_trigrams(g, d)
//! ```
//!
//! with the weights of [`FieldWeights`] and G the trigrams of the question's words that the FAQ
//! does not use as such (misspelt beyond correction, compounds, unknown words).

use std::collections::HashSet;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::analysis::{Analyzer, STEM_TOKENIZER, TRIGRAM_TOKENIZER, trigrams};
use crate::error::ChatbotError;
use crate::query::QueryTerm;

/// Weights of the searched fields in the fused score.
///
/// The defaults (question and alternatives 2, keywords 1.5, answer 2, trigrams 1) come from a
/// small grid search on the benchmark's dev set (issue 3's `examples/tune.rs`, since replaced by
/// `examples/train.rs`, which trains the second stage on top of them). The answer weighs as
/// much as the question because citizens describe their situation ("mon chien aboie") in the
/// words of the answer more often than in those of the question's title.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldWeights {
    /// The entry's question.
    pub question: f32,
    /// Its other phrasings.
    pub alternatives: f32,
    /// Its keywords and category.
    pub keywords: f32,
    /// The answer text.
    pub answer: f32,
    /// Character trigrams (scaled by 1/√(number of query trigrams)).
    pub trigrams: f32,
}

impl Default for FieldWeights {
    fn default() -> Self {
        Self { question: 2.0, alternatives: 2.0, keywords: 1.5, answer: 2.0, trigrams: 1.0 }
    }
}

/// The searched text of one entry, before analysis.
#[derive(Debug, Clone)]
pub struct IndexedEntry {
    /// Question.
    pub question: String,
    /// Alternatives joined.
    pub alternatives: String,
    /// Keywords and category joined.
    pub keywords: String,
    /// Answer.
    pub answer: String,
}

/// A RAM tantivy index of FAQ entries.
pub struct FaqIndex {
    _index: Index,
    reader: IndexReader,
    ord: Field,
    question: Field,
    alternatives: Field,
    keywords: Field,
    answer: Field,
    trigrams: Field,
    docs: usize,
}

impl std::fmt::Debug for FaqIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqIndex").field("docs", &self.docs).finish()
    }
}

impl FaqIndex {
    /// Indexes `entries`; document `i` is entry `i`.
    pub fn build(entries: &[IndexedEntry], analyzer: &mut Analyzer) -> Result<Self, ChatbotError> {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(STEM_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let grams = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TRIGRAM_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let ord = builder.add_u64_field("ord", NumericOptions::default().set_stored());
        let question = builder.add_text_field("question", text.clone());
        let alternatives = builder.add_text_field("alternatives", text.clone());
        let keywords = builder.add_text_field("keywords", text.clone());
        let answer = builder.add_text_field("answer", text);
        let trigram_field = builder.add_text_field("trigrams", grams);
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(STEM_TOKENIZER, Analyzer::indexing_analyzer());
        index.tokenizers().register(TRIGRAM_TOKENIZER, Analyzer::trigram_analyzer());
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?;
        for (i, e) in entries.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(ord, i as u64);
            doc.add_text(question, &e.question);
            doc.add_text(alternatives, &e.alternatives);
            doc.add_text(keywords, &e.keywords);
            doc.add_text(answer, &e.answer);
            let words = analyzer.folded_words(&format!("{} {} {}", e.question, e.alternatives, e.keywords));
            doc.add_text(trigram_field, trigrams(words.iter().map(String::as_str)).join(" "));
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            _index: index,
            reader,
            ord,
            question,
            alternatives,
            keywords,
            answer,
            trigrams: trigram_field,
            docs: entries.len(),
        })
    }

    /// Number of indexed entries.
    pub fn len(&self) -> usize {
        self.docs
    }

    /// Whether the index has no entry.
    pub fn is_empty(&self) -> bool {
        self.docs == 0
    }

    /// Fused scores of the entries matching `terms`, best first: `(entry index, score)`.
    pub fn search(
        &self,
        terms: &[QueryTerm],
        weights: &FieldWeights,
        limit: usize,
    ) -> Result<Vec<(usize, f32)>, ChatbotError> {
        if self.docs == 0 || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let fields = [
            (self.question, weights.question),
            (self.alternatives, weights.alternatives),
            (self.keywords, weights.keywords),
            (self.answer, weights.answer),
        ];
        for term in terms {
            for (stem, w) in &term.variants {
                for (field, fw) in fields {
                    let q = TermQuery::new(Term::from_field_text(field, stem), IndexRecordOption::WithFreqs);
                    clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), fw * w))));
                }
            }
        }
        // Trigrams only for the words the FAQ does not use as such: known words are already
        // matched exactly, and their trigrams would only add noise.
        let grams: HashSet<String> =
            trigrams(terms.iter().filter(|t| !t.known).map(|t| t.folded.as_str())).into_iter().collect();
        if !grams.is_empty() && weights.trigrams > 0.0 {
            let w = weights.trigrams / (grams.len() as f32).sqrt();
            for g in grams {
                let q =
                    TermQuery::new(Term::from_field_text(self.trigrams, &g), IndexRecordOption::WithFreqs);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), w))));
            }
        }
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit.min(self.docs)).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(ord) = doc.get_first(self.ord).and_then(|v| v.as_u64()) {
                out.push((ord as usize, score));
            }
        }
        Ok(out)
    }
}

//! The second stage: one learned model that ranks the candidate pool ([`crate::candidates`]) and
//! decides what the visitor gets.
//!
//! The model is a conditional logit (a softmax over the pool) with a "none of them" option: each
//! candidate gets a score `z = bias + Σ wᵢ·xᵢ` on its standardised features `xᵢ = (fᵢ −
//! meanᵢ)/scaleᵢ` (see [`score`]; a hidden layer of 8 `tanh` units was tried and gained nothing
//! in cross-validation); the "none" option gets a score of 0,
//! and the probability that candidate `k` answers the question is `e^z_k / (1 + Σ e^z_j)`. So
//! a candidate is likely only when it stands out from the others *and* from "none": how far the
//! first stands from the second is part of the model, not a hand-made rule. Candidates are ranked
//! by it, and the best one's probability decides among three outcomes ([`Decision`]):
//!
//! - at least [`Ranker::answer_threshold`]: answer with the best entry;
//! - at least [`Ranker::clarify_threshold`]: "Vouliez-vous dire ?" with the candidates whose
//!   probability reaches [`Ranker::choice_floor`] (one to [`MAX_CHOICES`]);
//! - below: refuse, with the help desk and the closest topics.
//!
//! The weights and the three thresholds are learned by `examples/train.rs` (cross-validated, with
//! a frozen test slice it never fits on) and stored as versioned JSON files in `chatbot/weights/`:
//! one for lexical matching ([`LEXICAL_WEIGHTS`]) and one for lexical plus a sentence-embedding
//! model ([`SEMANTIC_WEIGHTS`]). They are compiled into the binary, so a kiosk needs no file to
//! answer.

use serde::{Deserialize, Serialize};

use crate::candidates::{LEXICAL_FEATURES, SEMANTIC_FEATURES};

/// The weight file of lexical-only matching (compiled in).
pub const LEXICAL_WEIGHTS: &str = include_str!("../weights/lexical.json");

/// The weight file of lexical plus multilingual-e5-small matching (compiled in).
pub const SEMANTIC_WEIGHTS: &str = include_str!("../weights/semantic.json");

/// The weight file format this code reads.
pub const FORMAT: u32 = 1;

/// Most entries offered by "Vouliez-vous dire ?".
pub const MAX_CHOICES: usize = 3;

/// Why a weight file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RankerError {
    /// Not valid JSON of the expected shape.
    #[error("weights file: {0}")]
    Json(#[from] serde_json::Error),
    /// Written for another format version.
    #[error("weights file: format {found}, this build reads format {FORMAT}")]
    Format {
        /// The file's format.
        found: u32,
    },
    /// Trained on other features than this build computes.
    #[error("weights file '{name}': trained on features {found:?}, this build computes {expected:?}")]
    Features {
        /// The file's name field.
        name: String,
        /// The file's features.
        found: Vec<String>,
        /// What this build computes.
        expected: Vec<String>,
    },
    /// A vector of the wrong length, or a value that is not a finite number.
    #[error("weights file '{name}': {field} is invalid")]
    Invalid {
        /// The file's name field.
        name: String,
        /// The faulty field.
        field: &'static str,
    },
}

/// A weight file as stored in `chatbot/weights/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsFile {
    /// Format version ([`FORMAT`]).
    pub format: u32,
    /// `lexical` or `semantic`.
    pub name: String,
    /// How and on what it was trained (free text, for people).
    pub trained: String,
    /// The feature names, in vector order.
    pub features: Vec<String>,
    /// Per feature, the mean subtracted before weighting.
    pub mean: Vec<f32>,
    /// Per feature, the scale divided by before weighting.
    pub scale: Vec<f32>,
    /// The logistic bias.
    pub bias: f32,
    /// One weight per (standardised) feature.
    pub weights: Vec<f32>,
    /// Answer when the best probability reaches this.
    pub answer_threshold: f32,
    /// Ask "Vouliez-vous dire ?" when the best probability reaches this (and not the answer threshold).
    pub clarify_threshold: f32,
    /// Offer a candidate as a choice when its probability reaches this.
    pub choice_floor: f32,
}

/// The learned second stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranker {
    file: WeightsFile,
}

/// What the chatbot does with a ranked pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Answer with the first candidate.
    Answer,
    /// Ask "Vouliez-vous dire ?" with the first `n` candidates.
    Clarify(usize),
    /// Refuse.
    Refuse,
}

impl Ranker {
    /// Reads a weight file; `semantic` says whether it must use the semantic features too.
    pub fn from_json(text: &str, semantic: bool) -> Result<Self, RankerError> {
        let file: WeightsFile = serde_json::from_str(text)?;
        if file.format != FORMAT {
            return Err(RankerError::Format { found: file.format });
        }
        let expected: Vec<String> = LEXICAL_FEATURES
            .iter()
            .chain(if semantic { SEMANTIC_FEATURES } else { &[] })
            .map(|s| s.to_string())
            .collect();
        if file.features != expected {
            return Err(RankerError::Features { name: file.name, found: file.features, expected });
        }
        let n = expected.len();
        let invalid = |field| RankerError::Invalid { name: file.name.clone(), field };
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        if file.mean.len() != n || !finite(&file.mean) {
            return Err(invalid("mean"));
        }
        if file.scale.len() != n || !file.scale.iter().all(|s| s.is_finite() && *s > 0.0) {
            return Err(invalid("scale"));
        }
        if file.weights.len() != n || !finite(&file.weights) || !file.bias.is_finite() {
            return Err(invalid("weights"));
        }

        for (field, t) in [
            ("answer_threshold", file.answer_threshold),
            ("clarify_threshold", file.clarify_threshold),
            ("choice_floor", file.choice_floor),
        ] {
            if !(0.0..=1.0).contains(&t) {
                return Err(invalid(field));
            }
        }
        Ok(Self { file })
    }

    /// The compiled-in lexical ranker.
    pub fn lexical() -> Self {
        // The compiled-in files are checked by this crate's tests: failing here is a build defect.
        Self::from_json(LEXICAL_WEIGHTS, false).expect("chatbot/weights/lexical.json is valid")
    }

    /// The compiled-in ranker for lexical plus sentence-embedding features.
    pub fn semantic() -> Self {
        Self::from_json(SEMANTIC_WEIGHTS, true).expect("chatbot/weights/semantic.json is valid")
    }

    /// The weight file behind this ranker.
    pub fn file(&self) -> &WeightsFile {
        &self.file
    }

    /// Whether this ranker reads the semantic features.
    pub fn is_semantic(&self) -> bool {
        self.file.features.len() > LEXICAL_FEATURES.len()
    }

    /// The score of one candidate (before the softmax). A vector of the wrong width (never
    /// built by [`crate::candidates::pool`]) gets a score no candidate loses to.
    pub fn score(&self, features: &[f32]) -> f32 {
        score(&self.file, features)
    }

    /// The probability that each candidate of a pool answers the question (in pool order); what
    /// is left to 1 is the probability that none does.
    pub fn probabilities<'a>(&self, pool: impl IntoIterator<Item = &'a [f32]>) -> Vec<f32> {
        probabilities(&self.file, pool)
    }

    /// Answer threshold on the best probability.
    pub fn answer_threshold(&self) -> f32 {
        self.file.answer_threshold
    }

    /// "Vouliez-vous dire ?" threshold on the best probability.
    pub fn clarify_threshold(&self) -> f32 {
        self.file.clarify_threshold
    }

    /// Lowest probability of an entry offered as a choice.
    pub fn choice_floor(&self) -> f32 {
        self.file.choice_floor
    }

    /// The decision for probabilities sorted best first, with `answer_threshold` in place of the
    /// file's when the commune set one.
    pub fn decide(&self, sorted: &[f32], answer_threshold: Option<f32>) -> Decision {
        decide(
            sorted,
            answer_threshold.unwrap_or(self.file.answer_threshold),
            self.file.clarify_threshold,
            self.file.choice_floor,
        )
    }
}

/// The score of a candidate's features under a weight file (see the module documentation):
/// `bias + Σ wᵢ·(fᵢ − meanᵢ)/scaleᵢ`; `-inf` for a vector of the wrong width.
pub fn score(file: &WeightsFile, features: &[f32]) -> f32 {
    if features.len() != file.weights.len() {
        return f32::NEG_INFINITY;
    }
    file.bias
        + features
            .iter()
            .zip(&file.mean)
            .zip(&file.scale)
            .zip(&file.weights)
            .map(|(((x, m), s), w)| (x - m) / s * w)
            .sum::<f32>()
}

/// The softmax-with-none probabilities of a pool's candidates under a weight file.
pub fn probabilities<'a>(file: &WeightsFile, pool: impl IntoIterator<Item = &'a [f32]>) -> Vec<f32> {
    let scores: Vec<f32> = pool.into_iter().map(|x| score(file, x)).collect();
    // Log-sum-exp with the "none" option's score 0, shifted by the largest score for stability.
    let top = scores.iter().copied().fold(0.0f32, f32::max);
    let none = (-top).exp();
    let total = none + scores.iter().map(|z| (z - top).exp()).sum::<f32>();
    scores.iter().map(|z| (z - top).exp() / total).collect()
}

/// The three-way decision on probabilities sorted best first (see the module documentation).
pub fn decide(sorted: &[f32], answer: f32, clarify: f32, floor: f32) -> Decision {
    let Some(&best) = sorted.first() else { return Decision::Refuse };
    if best >= answer {
        Decision::Answer
    } else if best >= clarify.min(answer) {
        let n = sorted.iter().take(MAX_CHOICES).take_while(|p| **p >= floor).count().max(1);
        Decision::Clarify(n)
    } else {
        Decision::Refuse
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_weights_are_valid() {
        assert!(!Ranker::lexical().is_semantic());
        assert!(Ranker::semantic().is_semantic());
    }

    #[test]
    fn probabilities_leave_room_for_none_and_favour_a_clear_lead() {
        let mut file = Ranker::lexical().file().clone();
        file.mean.iter_mut().for_each(|m| *m = 0.0);
        file.scale.iter_mut().for_each(|s| *s = 1.0);
        file.weights.iter_mut().for_each(|w| *w = 0.0);
        file.weights[0] = 4.0;
        file.bias = 0.0;
        let width = file.weights.len();
        let (mut strong, mut weak) = (vec![0.0; width], vec![0.0; width]);
        strong[0] = 1.0;
        weak[0] = 0.1;
        let p = probabilities(&file, [strong.as_slice(), weak.as_slice()]);
        assert!(p[0] > 0.8 && p[1] < 0.1, "{p:?}");
        assert!(p.iter().sum::<f32>() < 1.0);
        // Two equally strong candidates share the probability: neither is sure.
        let p = probabilities(&file, [strong.as_slice(), strong.as_slice()]);
        assert!((p[0] - p[1]).abs() < 1e-6 && p[0] < 0.5, "{p:?}");
        assert!(probabilities(&file, std::iter::empty::<&[f32]>()).is_empty());
    }

    #[test]
    fn three_outcomes() {
        assert_eq!(decide(&[0.9, 0.1], 0.6, 0.2, 0.1), Decision::Answer);
        assert_eq!(decide(&[0.4, 0.3, 0.15, 0.12], 0.6, 0.2, 0.14), Decision::Clarify(3));
        assert_eq!(decide(&[0.4, 0.05], 0.6, 0.2, 0.1), Decision::Clarify(1));
        assert_eq!(decide(&[0.1, 0.05], 0.6, 0.2, 0.1), Decision::Refuse);
        assert_eq!(decide(&[], 0.6, 0.2, 0.1), Decision::Refuse);
    }

    #[test]
    fn a_file_for_other_features_is_refused_by_name() {
        let mut file = Ranker::lexical().file().clone();
        file.features[0] = "something_else".to_string();
        let text = serde_json::to_string(&file).expect("serialises");
        let err = Ranker::from_json(&text, false).expect_err("refused");
        assert!(err.to_string().contains("something_else"), "{err}");
        let mut file = Ranker::lexical().file().clone();
        file.scale[2] = 0.0;
        let err =
            Ranker::from_json(&serde_json::to_string(&file).expect("json"), false).expect_err("bad scale");
        assert!(err.to_string().contains("scale"), "{err}");
    }
}

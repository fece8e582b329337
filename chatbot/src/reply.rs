//! What the chatbot answers, and its one-line JSON form (the `borne ask --jsonl` contract).

use serde::Serialize;
use serde_json::json;

use crate::language::Language;
use crate::sanitize::InputProblem;

/// The kind of reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyKind {
    /// An FAQ entry answers the question.
    Answer {
        /// The entry's id.
        faq_id: String,
    },
    /// The question asks about a service's opening hours; the text is computed from its hours at
    /// the instant given to [`crate::Chatbot::ask`].
    LiveHours {
        /// The service's id.
        service_id: String,
    },
    /// The chatbot is unsure between a few plausible entries: "Vouliez-vous dire ?", with those
    /// entries in [`Reply::choices`]; one tap on a choice shows its answer
    /// ([`crate::Chatbot::answer_entry`]).
    Clarify,
    /// The chatbot does not know: the text says so with the help desk; the closest topics are in
    /// [`Reply::suggestions`].
    DontKnow,
    /// The question could not be read (empty, no words).
    InvalidInput {
        /// Why.
        problem: InputProblem,
    },
}

/// An FAQ entry considered for a question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The entry's id.
    pub id: String,
    /// The entry's question, to show as a suggestion.
    pub question: String,
    /// Confidence in [0, 1] that this entry answers the question.
    pub score: f32,
}

/// The chatbot's reply to one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// What kind of reply this is.
    pub kind: ReplyKind,
    /// The id given in the JSON contract: the FAQ id answered; for live hours the best FAQ id
    /// when one matches with confidence at or above the threshold, else `service:<service id>`;
    /// `None` when refusing.
    pub id: Option<String>,
    /// The text to show or print: the answer, the live hours, "Vouliez-vous dire :", or the refusal
    /// with the help desk. The choices and suggestions are not in it: each front-end shows them
    /// from [`Reply::choices`] and [`Reply::suggestions`] (as buttons, or numbered lines with
    /// [`Reply::plain_text`]).
    pub text: String,
    /// The answer alone (FAQ answer or live hours), `None` when refusing.
    pub answer: Option<String>,
    /// Confidence in [0, 1] of the best FAQ candidate (1 for live hours, 0 for unreadable input).
    pub score: f32,
    /// The best FAQ candidates, best first (up to 5), given even when refusing.
    pub topk: Vec<Candidate>,
    /// When refusing: the closest entries (up to 3) to offer instead.
    pub suggestions: Vec<Candidate>,
    /// When clarifying ([`ReplyKind::Clarify`]): the plausible entries (one to three), best first.
    pub choices: Vec<Candidate>,
    /// The language the question seems to be written in. The FAQ is in French: a front-end tells a
    /// visitor who asked in English that the answer is in French.
    pub language: Language,
    /// A web page to continue online, when the answered entry has one.
    pub link: Option<String>,
}

impl Reply {
    /// Whether the chatbot answered (FAQ or live hours).
    pub fn is_answer(&self) -> bool {
        matches!(self.kind, ReplyKind::Answer { .. } | ReplyKind::LiveHours { .. })
    }

    /// The text with the choices or suggestions as lines, for a plain-text front-end
    /// (`borne ask`): what the touchscreen shows as buttons.
    pub fn plain_text(&self) -> String {
        let list = match self.kind {
            ReplyKind::Clarify => &self.choices,
            ReplyKind::DontKnow => &self.suggestions,
            _ => return self.text.clone(),
        };
        let mut text = self.text.clone();
        for c in list {
            text.push_str("\n- ");
            text.push_str(&c.question);
        }
        text
    }

    /// The JSON object of the `--jsonl` contract:
    /// `{"id": "<id>" | null, "score": <number>, "answer": "<text>" | null, "topk": [["<id>", <score>], ...]}`
    /// plus `"kind"` (`answer`, `live_hours`, `clarify`, `dont_know`, `invalid_input`),
    /// `"choices": ["<id>", ...]` when the chatbot asks "Vouliez-vous dire ?" (then `"id"` is
    /// null), and `"language"` (`fr`, `en`) when the question is not in French.
    pub fn to_json(&self) -> serde_json::Value {
        let kind = match &self.kind {
            ReplyKind::Answer { .. } => "answer",
            ReplyKind::LiveHours { .. } => "live_hours",
            ReplyKind::Clarify => "clarify",
            ReplyKind::DontKnow => "dont_know",
            ReplyKind::InvalidInput { .. } => "invalid_input",
        };
        let topk: Vec<serde_json::Value> = self.topk.iter().map(|c| json!([c.id, round(c.score)])).collect();
        let mut value = json!({
            "id": self.id,
            "score": round(self.score),
            "answer": self.answer,
            "topk": topk,
            "kind": kind,
        });
        if let Some(obj) = value.as_object_mut() {
            if self.kind == ReplyKind::Clarify {
                let choices: Vec<&str> = self.choices.iter().map(|c| c.id.as_str()).collect();
                obj.insert("choices".to_string(), json!(choices));
            }
            if self.language != Language::French {
                obj.insert("language".to_string(), json!(self.language.code()));
            }
        }
        value
    }
}

fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

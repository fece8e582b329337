//! Questions are answered, and answers and procedure sheets printed, on a worker thread so that the
//! screen never freezes: the UI thread sends a [`Job`], the worker runs the chatbot (or the printer)
//! and hands the [`Outcome`] back to the UI thread through Slint's event loop. A "Vouliez-vous
//! dire ?" choice or a refusal's suggestion tapped goes the same way ([`Job::ShowEntry`]): the
//! worker takes that entry's answer as it is, without asking its question again.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use borne_chatbot::{Language, Reply};
use borne_content::{Content, Lang};

use crate::kiosk::UiServices;

/// Work for the worker thread.
#[derive(Debug)]
pub enum Job {
    /// Answer a question asked in session `generation`.
    Ask {
        /// The question as typed or tapped.
        question: String,
        /// The session it was asked in: a later session drops the answer.
        generation: u64,
    },
    /// Show the answer of FAQ entry `id`: a choice or a suggestion tapped on a card.
    ShowEntry {
        /// The entry's id.
        id: String,
        /// The entry's question, as the button showed it (the new card's heading).
        question: String,
        /// What the visitor typed that led to this entry (for the "did it help?" log).
        asked: String,
        /// The language that question was asked in: the answer card says when it is in French.
        language: Language,
        /// The session it was tapped in: a later session drops the answer.
        generation: u64,
    },
    /// Find questions close to what is being typed.
    Suggest {
        /// The text typed so far.
        text: String,
    },
    /// Print an answer.
    Print {
        /// The question.
        question: String,
        /// The reply to print.
        reply: Box<Reply>,
        /// The language of the message shown after printing.
        lang: Lang,
    },
    /// Print a procedure's sheet.
    PrintProcedure {
        /// The procedure's id in the content.
        id: String,
        /// The language of the message shown afterwards.
        lang: Lang,
    },
}

/// What the worker hands back to the UI thread.
#[derive(Debug)]
pub enum Outcome {
    /// The reply to a question, or the answer of an entry tapped.
    Answered {
        /// The question (as typed, or the entry's question when one was tapped).
        question: String,
        /// What the visitor typed that led here (the question itself unless an entry was tapped).
        asked: String,
        /// The session it was asked in.
        generation: u64,
        /// The chatbot's reply.
        reply: Box<Reply>,
    },
    /// Questions close to `text`.
    Suggestions {
        /// The text they were computed for.
        text: String,
        /// FAQ questions, best first.
        questions: Vec<String>,
    },
    /// A print finished: the message to show the visitor.
    Printed(String),
}

/// Fewest characters typed before suggestions are offered.
pub const SUGGEST_FROM_CHARS: usize = 4;
/// Lowest confidence for a typing suggestion.
const SUGGEST_MIN_SCORE: f32 = 0.15;

/// Gives `reply` the link of the FAQ entry it answers when the chatbot left it out (live opening
/// hours are phrased from the services but answer an entry that has a link): the card's QR code
/// then shows the same link as the printed sheet of that entry.
pub fn add_entry_link(reply: &mut Reply, content: &Content) {
    if reply.link.is_none() && reply.is_answer() {
        reply.link = reply.id.as_deref().and_then(|id| content.faq_entry(id)).and_then(|e| e.link.clone());
    }
}

/// The answer of entry `id` (a choice or suggestion tapped), marked as asked in `language` so
/// that the card says when the answer is in French, with its link. Should a content reload have
/// removed the entry meanwhile, the entry's question is asked instead.
pub fn entry_reply(services: &UiServices, id: &str, question: &str, language: Language) -> Reply {
    let mut reply = services.chatbot.answer_entry(id).unwrap_or_else(|| {
        tracing::warn!(id, "the entry tapped is no longer in the content: its question is asked");
        services.chatbot.ask(question, (services.now)())
    });
    reply.language = language;
    add_entry_link(&mut reply, &services.content.current());
    reply
}

/// Starts the worker; `deliver` runs on the worker thread and must pass the outcome to the UI thread.
pub fn start(
    services: Arc<UiServices>,
    deliver: impl Fn(Outcome) + Send + 'static,
) -> std::io::Result<Sender<Job>> {
    let (tx, rx) = channel();
    std::thread::Builder::new()
        .name("borne-ui-answers".into())
        .spawn(move || work(&services, &rx, deliver))?;
    Ok(tx)
}

fn work(services: &UiServices, rx: &Receiver<Job>, deliver: impl Fn(Outcome)) {
    while let Ok(mut job) = rx.recv() {
        // Only the latest of several pending suggestions is worth computing.
        while matches!(job, Job::Suggest { .. }) {
            match rx.try_recv() {
                Ok(next) => job = next,
                Err(_) => break,
            }
        }
        let outcome = match job {
            Job::Ask { question, generation } => {
                let mut reply = services.chatbot.ask(&question, (services.now)());
                add_entry_link(&mut reply, &services.content.current());
                if let Some(log) = &services.feedback {
                    log.record_reply(
                        &question,
                        &reply,
                        services.chatbot.answer_threshold(),
                        chrono::Utc::now(),
                    );
                }
                tracing::info!(kind = ?reply.kind, score = reply.score, "question answered on the touchscreen");
                Outcome::Answered { asked: question.clone(), question, generation, reply: Box::new(reply) }
            }
            Job::ShowEntry { id, question, asked, language, generation } => {
                let reply = entry_reply(services, &id, &question, language);
                tracing::info!(id, "entry tapped on the touchscreen");
                Outcome::Answered { question, asked, generation, reply: Box::new(reply) }
            }
            Job::Suggest { text } => {
                let reply = services.chatbot.ask(&text, (services.now)());
                let questions = reply
                    .topk
                    .iter()
                    .filter(|c| c.score >= SUGGEST_MIN_SCORE)
                    .take(3)
                    .map(|c| c.question.clone())
                    .collect();
                Outcome::Suggestions { text, questions }
            }
            Job::Print { question, reply, lang } => {
                let message = match &services.printer {
                    Some(printer) => match printer.print_answer(&question, &reply, lang) {
                        Ok(message) | Err(message) => message,
                    },
                    None => String::new(),
                };
                Outcome::Printed(message)
            }
            Job::PrintProcedure { id, lang } => {
                let message = match &services.printer {
                    Some(printer) => match printer.print_procedure(&id, lang) {
                        Ok(message) | Err(message) => message,
                    },
                    None => String::new(),
                };
                Outcome::Printed(message)
            }
        };
        deliver(outcome);
    }
}

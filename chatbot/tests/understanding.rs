//! French understanding: typos, missing accents, SMS spellings, synonyms, out-of-scope refusal.

mod common;

use borne_chatbot::{Chatbot, ChatbotConfig, ReplyKind};
use common::{content, paris};

fn bot() -> Chatbot {
    Chatbot::new(&content(), ChatbotConfig::default()).expect("index builds")
}

fn answer_id(bot: &Chatbot, q: &str) -> Option<String> {
    let reply = bot.ask(q, paris(2026, 3, 10, 10, 0));
    match reply.kind {
        ReplyKind::Answer { faq_id } => Some(faq_id),
        _ => None,
    }
}

fn top_id(bot: &Chatbot, q: &str) -> Option<String> {
    bot.ask(q, paris(2026, 3, 10, 10, 0)).topk.first().map(|c| c.id.clone())
}

#[test]
fn exact_question_is_answered() {
    let bot = bot();
    assert_eq!(
        answer_id(&bot, "Comment faire une demande de passeport ?").as_deref(),
        Some("passeport-demande")
    );
}

#[test]
fn typos_are_tolerated() {
    let bot = bot();
    assert_eq!(top_id(&bot, "demande de pasport").as_deref(), Some("passeport-demande"));
    assert_eq!(top_id(&bot, "acte de naisance").as_deref(), Some("acte-naissance"));
    assert_eq!(top_id(&bot, "incription mediateque").as_deref(), Some("mediatheque-inscription"));
}

#[test]
fn missing_accents_match() {
    let bot = bot();
    assert_eq!(answer_id(&bot, "inscription liste electorale").as_deref(), Some("liste-electorale"));
    assert_eq!(answer_id(&bot, "s'inscrire a la mediatheque").as_deref(), Some("mediatheque-inscription"));
}

#[test]
fn sms_spellings_are_understood() {
    let bot = bot();
    assert_eq!(top_id(&bot, "jai perdu ma carte d'identite stp").as_deref(), Some("cni-perte"));
    assert_eq!(top_id(&bot, "slt cmt inscrire mon fils a la cantine svp").as_deref(), Some("cantine"));
}

#[test]
fn synonyms_expand_queries() {
    let bot = bot();
    // built-in acronym: cni ↔ carte nationale d'identité
    assert_eq!(answer_id(&bot, "perdu ma cni").as_deref(), Some("cni-perte"));
    // the commune's synonyms.toml group: déchetterie ↔ déchèterie
    assert_eq!(top_id(&bot, "horaires déchetterie meubles").as_deref(), Some("encombrants"));
}

#[test]
fn out_of_scope_questions_are_refused() {
    let bot = bot();
    for q in [
        "quel temps fera-t-il demain ?",
        "raconte-moi une blague",
        "comment faire une carte grise",
        "où est la pharmacie de garde ?",
        "bonjour",
    ] {
        let reply = bot.ask(q, paris(2026, 3, 10, 10, 0));
        assert_eq!(reply.kind, ReplyKind::DontKnow, "{q} should be refused, got {:?}", reply.id);
        assert!(reply.id.is_none());
        assert!(reply.text.contains("l'accueil de la mairie"), "{}", reply.text);
        assert!(reply.suggestions.len() <= 3);
    }
}

#[test]
fn refusal_suggests_close_entries() {
    let bot = bot();
    let reply = bot.ask("comment faire une carte grise", paris(2026, 3, 10, 10, 0));
    assert_eq!(reply.kind, ReplyKind::DontKnow);
    assert!(!reply.suggestions.is_empty());
    assert!(!reply.topk.is_empty());
    // The suggestions are shown once, by the front-end (buttons, or numbered lines): not in the text.
    assert!(reply.suggestions.iter().all(|s| !reply.text.contains(&s.question)), "{}", reply.text);
    assert!(reply.plain_text().contains(&reply.suggestions[0].question));
    assert!(!reply.text.contains(".."), "{}", reply.text);
}

#[test]
fn scores_are_probabilities() {
    let bot = bot();
    for q in ["passeport", "carte grise", "zzz", "cantine école enfant inscription"] {
        let reply = bot.ask(q, paris(2026, 3, 10, 10, 0));
        assert!((0.0..=1.0).contains(&reply.score), "{q}: {}", reply.score);
        for c in &reply.topk {
            assert!((0.0..=1.0).contains(&c.score));
        }
    }
}

#[test]
fn json_line_follows_the_contract() {
    let bot = bot();
    let json = bot.ask("perte carte d'identité", paris(2026, 3, 10, 10, 0)).to_json();
    assert_eq!(json["id"], "cni-perte");
    assert!(json["score"].as_f64().is_some());
    assert!(json["answer"].as_str().is_some());
    assert_eq!(json["topk"][0][0], "cni-perte");
    let refused = bot.ask("météo", paris(2026, 3, 10, 10, 0)).to_json();
    assert!(refused["id"].is_null());
    assert!(refused["answer"].is_null());
}

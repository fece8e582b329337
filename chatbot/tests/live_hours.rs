//! Live opening-hours answers at a fixed instant.

mod common;

use borne_chatbot::{Chatbot, ChatbotConfig, ReplyKind};
use common::{content, paris};

fn bot() -> Chatbot {
    Chatbot::new(&content(), ChatbotConfig::default()).expect("index builds")
}

#[test]
fn christmas_morning_is_a_closed_public_holiday() {
    let reply = bot().ask("la médiathèque est ouverte ?", paris(2026, 12, 25, 10, 0));
    assert_eq!(reply.kind, ReplyKind::LiveHours { service_id: "mediatheque".to_string() });
    assert!(reply.text.contains("Fermé aujourd'hui (jour férié)"), "{}", reply.text);
    assert!(reply.id.is_some());
}

#[test]
fn open_on_a_weekday_morning() {
    // Tuesday 10 March 2026, 10:00: the town hall is open until 12:00.
    let reply = bot().ask("mairie ouverte ?", paris(2026, 3, 10, 10, 0));
    assert_eq!(reply.kind, ReplyKind::LiveHours { service_id: "mairie".to_string() });
    assert!(reply.text.contains("Ouvert maintenant, jusqu'à 12h00"), "{}", reply.text);
}

#[test]
fn named_weekday_gives_that_day() {
    let reply = bot().ask("mairie samedi", paris(2026, 3, 10, 10, 0));
    assert_eq!(reply.kind, ReplyKind::LiveHours { service_id: "mairie".to_string() });
    assert!(reply.text.contains("Samedi 14 mars : 9h00-12h00"), "{}", reply.text);
    let reply = bot().ask("horaires biblio dimanche", paris(2026, 3, 10, 10, 0));
    assert_eq!(reply.kind, ReplyKind::LiveHours { service_id: "mediatheque".to_string() });
    assert!(reply.text.contains("Dimanche 15 mars : fermé"), "{}", reply.text);
}

#[test]
fn tomorrow_and_accentless_typo_service() {
    let reply = bot().ask("la mediateque ouvre demain ?", paris(2026, 3, 10, 19, 0));
    assert_eq!(reply.kind, ReplyKind::LiveHours { service_id: "mediatheque".to_string() });
    assert!(reply.text.contains("Fermé en ce moment"), "{}", reply.text);
    assert!(reply.text.contains("Demain (mercredi 11 mars) : 10h00-18h00"), "{}", reply.text);
}

#[test]
fn hours_intent_without_service_is_not_live() {
    let reply = bot().ask("quand ouvre la piscine ?", paris(2026, 3, 10, 10, 0));
    assert!(!matches!(reply.kind, ReplyKind::LiveHours { .. }));
}

#[test]
fn service_without_hours_intent_is_a_faq_question() {
    let reply = bot().ask("s'inscrire à la médiathèque", paris(2026, 3, 10, 10, 0));
    assert_eq!(reply.kind, ReplyKind::Answer { faq_id: "mediatheque-inscription".to_string() });
}

#[test]
fn live_id_falls_back_to_the_service() {
    // No FAQ entry about the town hall's hours: the JSON id names the service.
    let reply = bot().ask("horaires mairie", paris(2026, 3, 10, 10, 0));
    assert_eq!(reply.id.as_deref(), Some("service:mairie"));
}

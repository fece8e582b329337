//! Bad input never panics and gets a clear refusal; reload swaps the index.

mod common;

use borne_chatbot::{Chatbot, ChatbotConfig, InputProblem, ReplyKind};
use common::{content, entry, paris};
use proptest::prelude::*;

fn bot() -> Chatbot {
    Chatbot::new(&content(), ChatbotConfig::default()).expect("index builds")
}

#[test]
fn unreadable_inputs_are_refused() {
    let bot = bot();
    let now = paris(2026, 3, 10, 10, 0);
    for (q, problem) in [
        ("", InputProblem::Empty),
        ("   \t \n ", InputProblem::Empty),
        ("\u{1}\u{2}\u{7f}", InputProblem::Empty),
        ("😀😀🎉", InputProblem::NoWords),
        ("?!…", InputProblem::NoWords),
    ] {
        let reply = bot.ask(q, now);
        assert_eq!(reply.kind, ReplyKind::InvalidInput { problem }, "{q:?}");
        assert!(!reply.text.is_empty());
        assert!(reply.id.is_none());
    }
}

#[test]
fn huge_and_binary_inputs_do_not_break() {
    let bot = bot();
    let now = paris(2026, 3, 10, 10, 0);
    let huge = "passeport ".repeat(10_000);
    assert!(huge.len() >= 100_000);
    let reply = bot.ask(&huge, now);
    assert_eq!(reply.topk.first().map(|c| c.id.as_str()), Some("passeport-demande"));
    let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let binary = String::from_utf8_lossy(&bytes);
    let reply = bot.ask(&binary, now);
    assert!((0.0..=1.0).contains(&reply.score));
}

#[test]
fn reload_swaps_the_index() {
    let bot = bot();
    let now = paris(2026, 3, 10, 10, 0);
    assert_eq!(bot.ask("piscine municipale tarifs", now).kind, ReplyKind::DontKnow);
    let mut next = content();
    next.faq.push(entry(
        "piscine-tarifs",
        "Quels sont les tarifs de la piscine municipale ?",
        "L'entrée coûte 3 euros, 2 euros pour les moins de 18 ans.",
        &["piscine", "tarif", "prix"],
    ));
    next.faq.retain(|e| e.id != "passeport-demande");
    bot.reload(&next).expect("reload");
    assert_eq!(bot.entry_count(), next.faq.len());
    assert_eq!(
        bot.ask("piscine municipale tarifs", now).kind,
        ReplyKind::Answer { faq_id: "piscine-tarifs".to_string() }
    );
    assert!(bot.ask("demande de passeport", now).topk.iter().all(|c| c.id != "passeport-demande"));
}

#[test]
fn questions_are_answered_during_reloads() {
    let bot = std::sync::Arc::new(bot());
    let now = paris(2026, 3, 10, 10, 0);
    let reader = {
        let bot = bot.clone();
        std::thread::spawn(move || {
            for _ in 0..200 {
                let reply = bot.ask("perte carte d'identité", now);
                assert_eq!(reply.id.as_deref(), Some("cni-perte"));
            }
        })
    };
    for _ in 0..5 {
        bot.reload(&content()).expect("reload");
    }
    reader.join().expect("reader thread");
}

static SHARED: std::sync::LazyLock<Chatbot> = std::sync::LazyLock::new(bot);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    #[test]
    fn any_string_gets_a_reply(q in ".{0,300}") {
        let reply = SHARED.ask(&q, paris(2026, 3, 10, 10, 0));
        prop_assert!((0.0..=1.0).contains(&reply.score));
        prop_assert!(!reply.text.is_empty());
        prop_assert!(reply.topk.len() <= 5);
    }

    #[test]
    fn arbitrary_bytes_get_a_reply(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let q = String::from_utf8_lossy(&bytes);
        let reply = SHARED.ask(&q, paris(2026, 3, 10, 10, 0));
        prop_assert!((0.0..=1.0).contains(&reply.score));
        prop_assert!(!reply.text.is_empty());
    }
}

/// Garbage, 10,000 characters of it and text in no language the FAQ speaks get a refusal on the
/// demo content: never an answer, never a panic.
#[test]
fn garbage_long_and_foreign_text_is_refused() {
    let content = borne_content::load(&borne_content::ContentSource::Embedded).expect("demo").content;
    let bot = Chatbot::new(&content, ChatbotConfig::default()).expect("index builds");
    let now = paris(2026, 12, 2, 10, 0);
    let mut letters = String::new();
    let mut seed: u32 = 7;
    while letters.chars().count() < 10_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let c = (b'a' + (seed >> 16) as u8 % 26) as char;
        letters.push(c);
        if seed.is_multiple_of(7) {
            letters.push(' ');
        }
    }
    for q in [
        letters.as_str(),
        "xkcd qwrtz plmkoi zzzz",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit",
        "我想知道明天的天气怎么样",
        "ما هو الطقس غدا في المدينة",
        "asdfghjkl",
    ] {
        let reply = bot.ask(q, now);
        assert!(
            matches!(reply.kind, ReplyKind::DontKnow | ReplyKind::InvalidInput { .. }),
            "{:?} got {:?}",
            q.chars().take(40).collect::<String>(),
            reply.kind
        );
        assert!(reply.id.is_none());
    }
}

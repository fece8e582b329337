//! The terminal session's "Vouliez-vous dire :" and refusal, with the real `borne` binary on the
//! embedded demo content: the choices and the closest questions are numbered once, typing a number
//! shows that entry's answer (not its question asked again), a "no" on it is logged with the
//! visitor's own words, and in English the headings are English and the answer says it is French.
//!
//! Which questions clarify or refuse depends on the chatbot's learned weights, so the tests pick
//! them by asking the same binary (`borne ask --jsonl`) among a few candidates, and fail if none
//! behaves so.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use borne_content::{Content, ContentSource, ContentStore, FaqEntry};

/// Short, vague questions; the demo chatbot asks "Vouliez-vous dire ?" for some of them.
const AMBIGUOUS: [&str; 8] =
    ["inscription", "passeport", "carte", "horaires", "mariage", "ecole", "papiers", "piscine"];
/// Questions outside the demo FAQ.
const OUT_OF_SCOPE: [&str; 4] = [
    "je voudrais un livre de cuisine",
    "ou faire immatriculer ma moto neuve",
    "quel temps fera-t-il demain a paris",
    "combien coute un billet de train",
];

fn borne() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_borne"));
    cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    for (key, _) in std::env::vars() {
        if key.starts_with("BORNE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Runs `borne` with `input` on stdin and returns its output once it exits (30 s at most).
fn run_with_input(args: &[&str], envs: &[(&str, &str)], input: &str) -> Output {
    let mut child = borne()
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn borne");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    let start = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    assert!(out.status.success(), "borne failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The kind of the binary's reply to each of `questions` (`borne ask --jsonl`).
fn kinds(questions: &[&str]) -> Vec<String> {
    let out = run_with_input(&["ask", "--jsonl"], &[], &(questions.join("\n") + "\n"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .map(|v| v["kind"].as_str().expect("kind").to_string())
        .collect()
}

/// The first of `questions` the binary replies to with `kind`.
fn first_of_kind<'a>(questions: &[&'a str], kind: &str) -> &'a str {
    let kinds = kinds(questions);
    assert_eq!(kinds.len(), questions.len());
    questions
        .iter()
        .zip(&kinds)
        .find(|(_, k)| *k == kind)
        .map(|(q, _)| *q)
        .unwrap_or_else(|| panic!("the demo chatbot replies {kind} to none of {questions:?}: {kinds:?}"))
}

fn demo() -> std::sync::Arc<Content> {
    let (store, _) = ContentStore::open(ContentSource::Embedded, None).expect("demo content");
    store.current()
}

/// The numbered list that follows `heading` in `session`: its questions, in order.
fn listed_after(session: &str, heading: &str) -> Vec<String> {
    let start = session.find(heading).unwrap_or_else(|| panic!("no {heading:?} in:\n{session}"));
    let mut items = Vec::new();
    for line in session[start..].lines().skip(1) {
        let Some((number, question)) = line.trim_start().split_once(". ") else { break };
        if number != (items.len() + 1).to_string() {
            break;
        }
        items.push(question.to_string());
    }
    assert!(!items.is_empty(), "nothing listed after {heading:?}:\n{session}");
    items
}

/// The demo entry whose question is `question`.
fn entry<'a>(content: &'a Content, question: &str) -> &'a FaqEntry {
    content.faq.iter().find(|e| e.question == question).unwrap_or_else(|| panic!("no entry {question:?}"))
}

/// The first line of an entry's answer, as the session shows it.
fn first_line(entry: &FaqEntry) -> &str {
    entry.answer.trim().lines().next().expect("an answer")
}

#[test]
fn a_choice_is_picked_by_its_number_and_shows_that_entrys_answer() {
    let content = demo();
    let question = first_of_kind(&AMBIGUOUS, "clarify");
    let state = tempfile::tempdir().expect("tempdir");
    let state_env = state.path().display().to_string();
    // Start, ask, pick choice 2 (or 1), vote "no", back, quit.
    let probe = run_with_input(&["run", "--terminal"], &[], &format!("\n1\n{question}\n\n0\n"));
    let choices = listed_after(&String::from_utf8_lossy(&probe.stdout), "Vouliez-vous dire :");
    let n = choices.len().min(2);
    let input = format!("\n1\n{question}\n{n}\n2\n\n0\n");
    let out = run_with_input(&["run", "--terminal"], &[("BORNE_KIOSK__STATE_DIR", &state_env)], &input);
    let session = String::from_utf8_lossy(&out.stdout).into_owned();

    assert_eq!(listed_after(&session, "Vouliez-vous dire :"), choices, "{session}");
    assert!(choices.len() <= 3, "one to three choices: {choices:?}");
    let picked = entry(&content, &choices[n - 1]);
    let after = &session[session.find("Tapez un numéro pour voir sa réponse").expect("the pick prompt")..];
    let shown = after.find(&format!("  {}\n", picked.question)).expect("the entry's question heads it");
    let answer = after
        .find(first_line(picked))
        .unwrap_or_else(|| panic!("answer of {} not shown:\n{after}", picked.id));
    assert!(shown < answer, "{after}");
    assert!(!after.contains("Vouliez-vous dire :"), "the entry's question was not asked again:\n{after}");
    assert!(!session.contains("Cette réponse est en français."), "French question, French session");
    for choice in &choices {
        assert_eq!(
            session.matches(choice.as_str()).count(),
            1 + usize::from(choice == &picked.question),
            "{choice}"
        );
    }
    assert!(after.contains("Cette réponse vous a-t-elle aidé ?") && after.contains("Merci pour votre avis"));

    // The log: the vague question (a near miss), then the "no" with the visitor's words and the
    // entry they chose; the pick itself is no new question.
    let log = std::fs::read_to_string(state.path().join("feedback.jsonl")).expect("feedback log");
    let records: Vec<serde_json::Value> =
        log.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(records.len(), 2, "{log}");
    assert_eq!(records[1]["question"], question, "{log}");
    assert_eq!(records[1]["best_id"], picked.id.as_str(), "{log}");
}

#[test]
fn a_refusal_numbers_each_closest_question_once_and_one_is_picked_by_number() {
    let content = demo();
    let question = first_of_kind(&OUT_OF_SCOPE, "dont_know");
    let out = run_with_input(&["run", "--terminal"], &[], &format!("\n1\n{question}\n9\n1\n1\n\n0\n"));
    let session = String::from_utf8_lossy(&out.stdout).into_owned();

    let sentence = session
        .lines()
        .find(|l| l.trim_start().starts_with("Je ne sais pas répondre à cette question."))
        .unwrap_or_else(|| panic!("no refusal:\n{session}"));
    assert!(sentence.contains(content.commune.help_desk.trim().trim_end_matches('.')), "{sentence}");
    assert!(!sentence.contains(".."), "{sentence}");
    let related = listed_after(&session, "Questions proches :");
    for q in &related {
        assert!(!sentence.contains(q.as_str()), "the sentence lists {q:?} too");
        let before_pick =
            &session[..session.find("Ce numéro n'est pas dans la liste.").expect("9 is refused")];
        assert_eq!(before_pick.matches(q.as_str()).count(), 1, "{q:?} listed once:\n{session}");
    }
    let picked = entry(&content, &related[0]);
    let after = &session[session.find("Ce numéro n'est pas dans la liste.").expect("refused")..];
    assert!(after.contains(&format!("  {}\n", picked.question)), "{after}");
    assert!(after.contains(first_line(picked)), "answer of {} not shown:\n{after}", picked.id);
    assert!(after.contains("Merci pour votre avis"), "{after}");
}

#[test]
fn in_english_the_headings_are_english_and_the_answer_says_it_is_french() {
    let content = demo();
    let vague = first_of_kind(&AMBIGUOUS, "clarify");
    let refused = first_of_kind(&OUT_OF_SCOPE, "dont_know");
    let input = format!("\n1\n{vague}\n1\n1\n{refused}\n\n0\n");
    let out = run_with_input(&["run", "--terminal", "--lang", "en"], &[], &input);
    let session = String::from_utf8_lossy(&out.stdout).into_owned();

    let choices = listed_after(&session, "Did you mean:");
    let picked = entry(&content, &choices[0]);
    let note = session.find("  This answer is in French.\n").unwrap_or_else(|| panic!("no note:\n{session}"));
    let answer = session.find(first_line(picked)).unwrap_or_else(|| panic!("no answer:\n{session}"));
    assert!(note < answer, "the note comes first:\n{session}");
    assert!(session.contains("Did this answer help you?"), "{session}");
    assert!(!session.contains("Vouliez-vous dire") && !session.contains("Je ne sais pas"), "{session}");
    let sentence = session
        .lines()
        .find(|l| l.trim_start().starts_with("I don't know how to answer that. You can ask: "))
        .unwrap_or_else(|| panic!("no English refusal:\n{session}"));
    assert!(!sentence.contains(".."), "{sentence}");
    assert!(!listed_after(&session, "Related questions:").is_empty());
}

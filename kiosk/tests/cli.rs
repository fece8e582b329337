//! The `borne` binary, run as a user runs it: content checks with located errors and exit codes,
//! configuration errors naming the bad key, the terminal session with live hours and its idle reset,
//! headless mode stopping on SIGTERM.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn borne() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_borne"));
    cmd.env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("BORNE_CONFIG")
        .env_remove("BORNE_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("BORNE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/demo")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn copy_demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in fs::read_dir(demo_dir()).expect("demo dir") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    dir
}

/// Runs `borne` with `input` on stdin and returns its output once it exits.
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
    wait_with_timeout(child, Duration::from_secs(30))
}

fn wait_with_timeout(mut child: std::process::Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "borne did not exit in {limit:?}; stdout:\n{}\nstderr:\n{}",
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn content_check_accepts_the_demo_content() {
    let out = borne().args(["content", "check"]).arg(demo_dir()).output().expect("run");
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(": OK, content version"), "{stdout}");
    assert!(stdout.contains("Vernay-sur-Loire"), "{stdout}");
    assert!(text(&out.stderr).is_empty(), "warnings on demo content: {}", text(&out.stderr));
}

#[test]
fn content_check_locates_a_broken_entry_and_fails() {
    let dir = copy_demo();
    let faq_path = dir.path().join("faq.toml");
    let faq = fs::read_to_string(&faq_path).expect("read");
    // Remove the answer of the first entry: find its `answer = """...."""` block.
    let start = faq.find("answer = \"\"\"").expect("a multi-line answer");
    let end = start + faq[start + 12..].find("\"\"\"").expect("closing quotes") + 15;
    let broken = format!("{}{}", &faq[..start], &faq[end..]);
    fs::write(&faq_path, &broken).expect("write");
    let first_entry_line = broken.lines().position(|l| l.trim() == "[[faq]]").expect("an entry") + 1;
    let first_id = broken
        .lines()
        .find_map(|l| l.trim().strip_prefix("id = \"").map(|r| r.trim_end_matches('"').to_string()))
        .expect("an id");

    let out = borne().args(["content", "check"]).arg(dir.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("faq.toml:{first_entry_line}: entry '{first_id}' has no answer")),
        "{stderr}"
    );
    assert!(stderr.contains("1 error, content refused"), "{stderr}");
}

#[test]
fn content_check_locates_malformed_toml() {
    let dir = copy_demo();
    let path = dir.path().join("services.toml");
    let mut services = fs::read_to_string(&path).expect("read");
    services.push_str("\n[[service]]\nid = \"oops\nname = \"x\"\n");
    let bad_line = services.lines().count() - 1;
    fs::write(&path, services).expect("write");
    let out = borne().args(["content", "check"]).arg(dir.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("services.toml:{bad_line}: invalid TOML")), "{stderr}");
}

#[test]
fn content_check_on_a_missing_directory_says_so() {
    let out = borne().args(["content", "check", "/nonexistent/borne"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/borne: not a directory"));
}

#[test]
fn help_and_version_work() {
    let out = borne().arg("--help").output().expect("run");
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.contains("Examples:") && help.contains("borne content check"), "{help}");
    let out = borne().arg("--version").output().expect("run");
    assert_eq!(text(&out.stdout).trim(), format!("borne {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn configuration_errors_name_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("borne.toml");

    fs::write(&file, "[kiosk]\nidle_timeout_secs = \"long\"\n").expect("write");
    let out = borne().arg("--config").arg(&file).args(["config", "show"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("kiosk.idle_timeout_secs") && stderr.contains("borne.toml"), "{stderr}");

    fs::write(&file, "[kiosk]\nidle_timout_secs = 30\n").expect("write");
    let out = borne().arg("--config").arg(&file).args(["config", "show"]).output().expect("run");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("idle_timout_secs"), "{stderr}");

    fs::write(&file, "[kiosk]\nid = \"borne/1\"\n").expect("write");
    let out = borne().arg("--config").arg(&file).args(["config", "show"]).output().expect("run");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("kiosk.id: 'borne/1' is not a valid kiosk id"), "{stderr}");

    let out = borne().args(["config", "show"]).env("BORNE_KIOSK__LANGUAGE", "de").output().expect("run");
    assert!(text(&out.stderr).contains("kiosk.language: unknown language 'de'"), "{}", text(&out.stderr));

    let out = borne().args(["config", "show"]).env("BORNE_CHATBOT__THRESHOLD", "1.5").output().expect("run");
    assert!(
        text(&out.stderr).contains("chatbot.threshold: 1.5 is not between 0 and 1"),
        "{}",
        text(&out.stderr)
    );
    let out = borne().args(["ask", "--threshold", "2", "bonjour"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("chatbot.threshold: 2 is not between 0 and 1"),
        "{}",
        text(&out.stderr)
    );

    let out = borne().args(["--config", "/nonexistent.toml", "config", "show"]).output().expect("run");
    assert!(text(&out.stderr).contains("config file /nonexistent.toml"), "{}", text(&out.stderr));
}

#[test]
fn configuration_layers_defaults_file_and_environment() {
    let out = borne().args(["config", "show"]).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("idle_timeout_secs = 90") && shown.contains("id = \"borne-demo\""), "{shown}");

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("borne.toml");
    fs::write(&file, "[kiosk]\nid = \"mairie-01\"\nidle_timeout_secs = 120\n").expect("write");
    let out = borne()
        .arg("--config")
        .arg(&file)
        .args(["config", "show"])
        .env("BORNE_KIOSK__IDLE_TIMEOUT_SECS", "45")
        .output()
        .expect("run");
    let shown = text(&out.stdout);
    assert!(shown.contains("id = \"mairie-01\"") && shown.contains("idle_timeout_secs = 45"), "{shown}");

    // Drop-ins in borne.toml.d/ come after the file and before the environment.
    fs::create_dir(dir.path().join("borne.toml.d")).expect("mkdir");
    fs::write(
        dir.path().join("borne.toml.d/50-site.toml"),
        "[kiosk]\nsite = \"mediatheque\"\nidle_timeout_secs = 60\n",
    )
    .expect("write");
    let show = |env: &[(&str, &str)]| {
        let out = borne()
            .arg("--config")
            .arg(&file)
            .args(["config", "show"])
            .envs(env.iter().copied())
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let shown = show(&[]);
    assert!(shown.contains("site = \"mediatheque\"") && shown.contains("idle_timeout_secs = 60"), "{shown}");
    let shown = show(&[("BORNE_KIOSK__IDLE_TIMEOUT_SECS", "45")]);
    assert!(shown.contains("site = \"mediatheque\"") && shown.contains("idle_timeout_secs = 45"), "{shown}");
}

#[test]
fn terminal_session_shows_live_hours_on_a_public_holiday() {
    // Christmas Day 2026, 10:00: the town hall is closed for the public holiday.
    let out = run_with_input(&["run", "--terminal", "--now", "2026-12-25T10:00"], &[], "\n1\n0\n0\n");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(stdout.contains("Bienvenue — Vernay-sur-Loire"), "{stdout}");
    assert!(stdout.contains("Vendredi 25 décembre 10h00"), "{stdout}");
    assert!(stdout.contains("Fermé aujourd'hui (jour férié)"), "{stdout}");
    assert!(stdout.contains("Au revoir"), "{stdout}");
    assert!(text(&out.stderr).contains("Pas d'écran graphique"), "{}", text(&out.stderr));
}

#[test]
fn terminal_session_switches_language_and_shows_a_procedure() {
    let out = run_with_input(&["--terminal", "--now", "2026-12-01T10:00"], &[], "\n6\n3\n1\n0\n0\n");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(stdout.contains("What would you like to do?"), "{stdout}");
    assert!(stdout.contains("Steps :") && stdout.contains("Documents to bring :"), "{stdout}");
}

#[test]
fn terminal_session_returns_to_welcome_after_idle_timeout() {
    let mut child = borne()
        .args(["run", "--terminal", "--now", "2026-12-01T10:00"])
        .env("BORNE_KIOSK__IDLE_TIMEOUT_SECS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"\n2\n").expect("write");
    std::thread::sleep(Duration::from_millis(2500));
    drop(stdin);
    let out = wait_with_timeout(child, Duration::from_secs(20));
    let stdout = text(&out.stdout);
    let reset = stdout.find("retour à l'accueil").unwrap_or_else(|| panic!("no idle reset:\n{stdout}"));
    assert!(stdout[reset..].contains("Bienvenue — Vernay-sur-Loire"), "welcome not shown again:\n{stdout}");
}

#[test]
fn run_refuses_broken_content_at_start_with_located_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("commune.toml"), "name = \"X\"\n").expect("write");
    let out = run_with_input(&["run", "--headless", "--content"], &[], "");
    assert!(!out.status.success()); // --content needs a value
    let out = borne().args(["run", "--headless", "--content"]).arg(dir.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("commune.toml:1: the commune has no help_desk"), "{stderr}");
    assert!(stderr.contains("faq.toml: file is missing"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn headless_run_reloads_content_and_stops_on_sigterm() {
    let dir = copy_demo();
    let mut child = borne()
        .args(["run", "--headless", "--content"])
        .arg(dir.path())
        .env("BORNE_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = child.stderr.take().expect("stderr");
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&log);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().expect("lock").push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let wait_for = |needle: &str| {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if log.lock().expect("lock").contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("log never showed {needle:?}:\n{}", log.lock().expect("lock"));
    };
    wait_for("watching content for changes");
    // A broken edit is refused and the kiosk keeps running.
    fs::write(dir.path().join("faq.toml"), "[[faq]]\nid = \"x\"\n").expect("write");
    wait_for("content reload refused");
    wait_for("faq.toml:1: entry 'x' has no question");
    assert!(child.try_wait().expect("try_wait").is_none(), "kiosk exited on a broken edit");
    // SIGTERM stops it cleanly.
    let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().expect("kill");
    assert!(status.success());
    let out = wait_with_timeout(child, Duration::from_secs(10));
    assert!(out.status.success());
    reader.join().expect("reader");
    assert!(log.lock().expect("lock").contains("kiosk stopped"));
}

#[test]
fn screen_hours_errors_name_the_key_at_start_up() {
    let out = borne()
        .args(["config", "show"])
        .env("BORNE_SCREEN__AWAKE_HOURS", "Lu-Ve 8h-19h")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("screen.awake_hours: hours 'Lu-Ve 8h-19h' are not valid"), "{stderr}");

    // The service followed is checked once the content is loaded: one that the content lacks
    // (a typo, or an edit that removed it) is logged naming the key, and the kiosk serves all
    // the same with its screen awake (content must never stop it).
    let out =
        run_with_input(&["run", "--terminal"], &[("BORNE_SCREEN__FOLLOW_SERVICE", "mairie-annexe")], "\n0\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("screen.follow_service: no service 'mairie-annexe' in the content"), "{stderr}");
    assert!(stderr.contains("the screen stays awake"), "{stderr}");
    assert!(text(&out.stdout).contains("Bienvenue"), "the kiosk serves");
    let out = run_with_input(&["run", "--terminal"], &[("BORNE_SCREEN__FOLLOW_SERVICE", "mairie")], "\n0\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn the_documented_configuration_file_matches_the_defaults() {
    let documented = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/borne.toml");
    let with_file = borne().arg("--config").arg(&documented).args(["config", "show"]).output().expect("run");
    assert!(with_file.status.success(), "{}", text(&with_file.stderr));
    let defaults = borne().args(["config", "show"]).output().expect("run");
    assert_eq!(
        text(&with_file.stdout),
        text(&defaults.stdout),
        "deploy/borne.toml drifted from the defaults"
    );
}

#[test]
fn a_restart_on_broken_content_uses_the_last_good_copy() {
    let content = copy_demo();
    let state = tempfile::tempdir().expect("tempdir");
    let run = || {
        run_with_input(
            &[
                "run",
                "--terminal",
                "--now",
                "2026-12-25T10:00",
                "--content",
                &content.path().display().to_string(),
            ],
            &[("BORNE_KIOSK__STATE_DIR", &state.path().display().to_string())],
            "\n0\n",
        )
    };
    let first = run();
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(state.path().join("content/last-good/faq.toml").is_file());

    fs::write(content.path().join("faq.toml"), "[[faq]]\nid = \"x\"\n").expect("write");
    let second = run();
    let stderr = text(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    assert!(stderr.contains("faq.toml:1: entry 'x' has no question"), "{stderr}");
    assert!(stderr.contains("started on the last good copy"), "{stderr}");
    assert!(text(&second.stdout).contains("Bienvenue — Vernay-sur-Loire"));
}

#[test]
fn ask_answers_a_person_in_words() {
    let out = borne().args(["ask", "jai perdu ma carte d'identite"]).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer = text(&out.stdout);
    assert!(answer.contains("timbre fiscal"), "{answer}");
    assert!(answer.contains("En ligne : https://"), "{answer}");
}

#[test]
fn ask_jsonl_follows_the_contract() {
    let out = run_with_input(
        &["ask", "--jsonl", "--now", "2026-12-25T10:00"],
        &[],
        "jai perdu ma carte d'identite\nquel temps fera-t-il demain a paris\nla mairie est ouverte ?\n\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    assert_eq!(lines.len(), 4, "one line per question, empty ones included");
    for line in &lines {
        assert!(line["score"].is_number(), "{line}");
        assert!(line["topk"].as_array().is_some_and(|t| t.len() <= 5), "{line}");
        assert!(line.get("answer").is_some() && line.get("id").is_some(), "{line}");
    }
    assert_eq!(lines[0]["id"], "cni-perte");
    assert!(lines[0]["answer"].as_str().is_some_and(|a| a.contains("timbre fiscal")));
    assert!(lines[1]["id"].is_null(), "out of scope must be refused: {}", lines[1]);
    assert!(lines[1]["answer"].is_null());
    assert!(!lines[1]["topk"].as_array().expect("topk").is_empty(), "topk given even when refusing");
    let hours = lines[2]["answer"].as_str().expect("live answer");
    assert!(hours.contains("jour férié"), "{hours}");
    assert!(lines[3]["id"].is_null(), "an empty question is refused");
}

#[test]
fn unanswered_questions_are_logged_masked_and_grouped_as_gaps() {
    let state = tempfile::tempdir().expect("tempdir");
    let state_env = state.path().display().to_string();
    // Ask: two wordings of an out-of-scope topic (one with a phone number), then a good question
    // whose answer is voted unhelpful.
    let input = "\n1\nou faire immatriculer ma moto neuve\nimmatriculer une moto neuve 0612345678\njai perdu ma carte d'identite\n2\n\n0\n";
    let out = run_with_input(&["run", "--terminal"], &[("BORNE_KIOSK__STATE_DIR", &state_env)], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let session = text(&out.stdout);
    assert!(session.contains("Cette réponse vous a-t-elle aidé ?"), "{session}");
    assert!(session.contains("Merci pour votre avis"), "{session}");

    let log = fs::read_to_string(state.path().join("feedback.jsonl")).expect("feedback log");
    assert!(!log.contains("0612345678") && log.contains("##########"), "digits not masked: {log}");

    let out = borne().args(["faq", "gaps", "--json", "--state-dir"]).arg(state.path()).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let gaps: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let gaps = gaps.as_array().expect("a list");
    assert_eq!(gaps[0]["count"], 2, "the two wordings form one gap: {gaps:?}");
    assert!(gaps.iter().any(|g| g["nearest_id"] == "cni-perte"), "the unhelpful answer is listed: {gaps:?}");

    let out = borne().args(["faq", "gaps"]).output().expect("run");
    assert!(text(&out.stderr).contains("no state directory"), "{}", text(&out.stderr));
}

#[test]
fn the_benchmark_faq_is_served_as_content() {
    let faq_json = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/faq-fr/faq.json");
    if !faq_json.is_file() {
        eprintln!("skipped: {} is absent", faq_json.display());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out =
        borne().args(["content", "import-benchmark"]).arg(&faq_json).arg(dir.path()).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = borne().args(["content", "check"]).arg(dir.path()).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("74 FAQ entries"), "{}", text(&out.stdout));
    let content = dir.path().display().to_string();
    let out = run_with_input(
        &["ask", "--jsonl", "--content", &content],
        &[],
        "comment obtenir une copie de mon acte de naissance\n",
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(line["id"], "F1427", "{line}");
}

/// `borne` with `args` and `envs`, given `input` only once its card reader is ready (the log says
/// "card reader ready"): a card tapped on the simulator before the driver opened its port would be
/// lost, which no visitor can do but a test writing all its input at once can.
fn run_when_reader_ready(args: &[&str], envs: &[(&str, &str)], input: &str) -> Output {
    use std::io::BufRead;
    let mut child = borne()
        .args(args)
        // The terminal session logs warnings only by default; "card reader ready" is info.
        .env("BORNE_LOG", "info")
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn borne");
    let stderr = child.stderr.take().expect("stderr");
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("card reader ready") {
                let _ = ready_tx.send(());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    ready_rx.recv_timeout(Duration::from_secs(20)).expect("the simulated card reader never became ready");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    let mut out = wait_with_timeout(child, Duration::from_secs(30));
    out.stderr = log.join().expect("stderr reader").into_bytes();
    out
}

#[test]
fn terminal_session_greets_a_card_tapped_on_the_simulated_scanner() {
    let out = run_when_reader_ready(&["run", "--terminal"], &[], "\ncarte 12345678901\ncarte 12\n0\n");
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("tapez « carte"), "the welcome screen explains the simulated reader:\n{stdout}");
    assert!(stdout.contains("Carte lue : ****8901. Bonjour"), "{stdout}");
    // "12" is shorter than min_length (4): refused, without echoing it.
    assert!(stdout.contains("Carte non reconnue"), "{stdout}");
    let everything = format!("{stdout}{}", text(&out.stderr));
    assert!(!everything.contains("12345678901"), "the card number must not be shown or logged in clear");
}

#[test]
fn terminal_session_greets_an_nfc_card_and_applies_the_reader_settings() {
    let envs = [("BORNE_DEVICES__READER__KIND", "pn532"), ("BORNE_LOG", "info")];
    let out =
        run_when_reader_ready(&["run", "--terminal", "--lang", "en"], &envs, "card 04A1B2C3D4E5F6\n0\n");
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Card read: ****E5F6. Hello"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("****E5F6"), "the read is logged, masked:\n{stderr}");
    assert!(!stderr.contains("04A1B2C3D4E5F6"), "never in clear:\n{stderr}");

    // A scanner that requires an EAN-13 check digit refuses a wrong one.
    let envs = [("BORNE_DEVICES__READER__CHECK_DIGIT", "ean13")];
    let out =
        run_when_reader_ready(&["run", "--terminal"], &envs, "carte 9782070612887\ncarte 9782070612888\n0\n");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Carte non reconnue"), "{stdout}");
    assert!(stdout.contains("Carte lue : ****2888"), "{stdout}");
}

#[test]
fn devices_lists_ports_and_the_state_of_configured_devices() {
    let out = borne().arg("devices").output().expect("run borne devices");
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Serial ports:"), "{stdout}");
    assert!(stdout.contains("reader (barcode): simulated"), "{stdout}");

    let out = borne()
        .arg("devices")
        .env("BORNE_DEVICES__READER__PATH", "/dev/borne-test-no-reader")
        .env("BORNE_DEVICES__READER__KIND", "pn532")
        .output()
        .expect("run borne devices");
    assert!(text(&out.stdout).contains("reader (pn532): /dev/borne-test-no-reader at 9600 baud: absent"));

    // A real pseudo-terminal behind the configured path: present and openable.
    let sim = borne_hardware::reader::sim_barcode::BarcodeSimulator::new(
        borne_hardware::reader::barcode::Suffix::Cr,
    )
    .expect("simulated scanner");
    let out = borne()
        .arg("devices")
        .env("BORNE_DEVICES__READER__PATH", sim.path())
        .output()
        .expect("run borne devices");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("{} at 9600 baud: present, openable", sim.path().display())),
        "{stdout}"
    );
}

#[test]
fn reader_settings_errors_name_the_key() {
    let out = borne()
        .args(["config", "show"])
        .env("BORNE_DEVICES__READER__PATTERN", "([0-9]")
        .output()
        .expect("run borne");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("devices.reader.pattern"), "{}", text(&out.stderr));
}

#[test]
fn terminal_session_prints_an_answer_on_the_simulated_printer() {
    let receipts = tempfile::tempdir().expect("tempdir");
    let dir = receipts.path().display().to_string();
    let input = "\n1\njai perdu ma carte d'identite\np\n1\n\n0\n";
    let out =
        run_with_input(&["run", "--terminal"], &[("BORNE_DEVICES__PRINTER__RECEIPTS_DIR", &dir)], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let session = text(&out.stdout);
    assert!(session.contains("p. Imprimer cette réponse"), "{session}");
    let png = receipts.path().join("receipt-0001.png");
    assert!(session.contains(&format!("imprimante simulée : {}", png.display())), "{session}");
    assert!(session.contains("Merci pour votre avis"), "the vote still follows: {session}");
    let receipt = fs::read_to_string(receipts.path().join("receipt-0001.txt")).expect("receipt text");
    assert!(receipt.contains("jai perdu ma carte d'identite"), "the visitor's question: {receipt}");
    assert!(receipt.contains("timbre fiscal de 25 €"), "{receipt}");
    assert!(receipt.contains("[qr https://"), "{receipt}");
    assert!(fs::read(&png).expect("png").starts_with(b"\x89PNG"));

    // The procedure shown last can be printed from the procedures list.
    let input = "\n3\n1\np\n0\n0\n";
    let out =
        run_with_input(&["run", "--terminal"], &[("BORNE_DEVICES__PRINTER__RECEIPTS_DIR", &dir)], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let session = text(&out.stdout);
    assert!(session.contains("p. Imprimer la démarche : "), "{session}");
    assert!(session.contains("receipt-0002.png"), "{session}");
    let sheet = fs::read_to_string(receipts.path().join("receipt-0002.txt")).expect("procedure sheet");
    assert!(sheet.contains("Étapes") && sheet.contains("1. "), "{sheet}");
}

#[test]
fn print_commands_use_the_simulator_by_default_and_a_printer_given_by_path() {
    use borne_hardware::printer::{Paper, SimulatedPrinter};
    let receipts = tempfile::tempdir().expect("tempdir");
    let dir = receipts.path().display().to_string();
    let out = borne()
        .args(["print", "test"])
        .env("BORNE_DEVICES__PRINTER__RECEIPTS_DIR", &dir)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("receipt-0001.png"), "{}", text(&out.stdout));
    let page = fs::read_to_string(receipts.path().join("receipt-0001.txt")).expect("test page");
    assert!(page.contains("« guillemets » 12,50 €") && page.contains("Page de test"), "{page}");

    // A printer on a serial port, given with --printer: here a simulated one on a pty, in 58 mm PC858.
    let ptys = tempfile::tempdir().expect("tempdir");
    let sim = SimulatedPrinter::start(ptys.path().join("printer"), Paper::Mm58, None).expect("simulator");
    let out = borne()
        .args(["print", "faq", "cni-perte", "--printer"])
        .arg(sim.path())
        .envs([("BORNE_DEVICES__PRINTER__PAPER_MM", "58"), ("BORNE_DEVICES__PRINTER__CODE_PAGE", "pc858")])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("Reçu imprimé ({})", sim.path().display())));
    let printed = sim.wait_for_receipts(1, Duration::from_secs(5));
    assert_eq!(printed.len(), 1);
    assert!(printed[0].text.contains("timbre fiscal"), "{}", printed[0].text);
    assert!(sim.wire().windows(3).any(|w| w == [0x1B, b't', 19]), "PC858 selected");

    let out = borne()
        .args(["print", "faq", "no-such-entry"])
        .env("BORNE_DEVICES__PRINTER__RECEIPTS_DIR", &dir)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no FAQ entry 'no-such-entry'"), "{}", text(&out.stderr));

    let out = borne()
        .args(["print", "test", "--printer", "/dev/borne-no-such-printer"])
        .env("BORNE_DEVICES__PRINTER__MAX_WAIT_SECS", "1")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("receipt not printed"), "{}", text(&out.stderr));
}

#[test]
fn printer_configuration_errors_name_the_key() {
    for (key, value, message) in [
        (
            "BORNE_DEVICES__PRINTER__CODE_PAGE",
            "cp437",
            "devices.printer.code_page: 'cp437': use wpc1252 or pc858",
        ),
        ("BORNE_DEVICES__PRINTER__FLOW_CONTROL", "rts", "devices.printer.flow_control: 'rts'"),
        ("BORNE_DEVICES__PRINTER__MAX_WAIT_SECS", "0", "devices.printer.max_wait_secs: 0 is out of range"),
        ("BORNE_DEVICES__PRINTER__PAPER_MM", "76", "devices.printer.paper_mm: 76 mm: use 58 or 80"),
    ] {
        let out = borne().args(["print", "test"]).env(key, value).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{key}={value}");
        assert!(text(&out.stderr).contains(message), "{key}={value}: {}", text(&out.stderr));
    }
}

#[test]
fn config_show_masks_the_broker_password() {
    let out = borne()
        .args(["config", "show"])
        .env("BORNE_BROKER__USERNAME", "kiosk1")
        .env("BORNE_BROKER__PASSWORD", "hunter2-secret")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("username = \"kiosk1\""), "{shown}");
    assert!(!shown.contains("hunter2-secret") && shown.contains("********"), "{shown}");
}

#[test]
fn only_section_and_key_variables_are_configuration() {
    // BORNE_<SECTION>__<KEY> configures; other BORNE_ variables belong to tools (the test
    // scripts' BORNE_CACHE, BORNE_SEMANTIC_MODEL, ...) and must not stop the kiosk.
    let out = borne()
        .args(["config", "show"])
        .env("BORNE_KIOSK__ID", "borne-42")
        .env("BORNE_CACHE", "/tmp/cache")
        .env("BORNE_SEMANTIC_MODEL", "/tmp/model")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("id = \"borne-42\""), "{}", text(&out.stdout));
    // A misspelt key in a section is still an error.
    let out = borne().args(["config", "show"]).env("BORNE_KIOSK__IDD", "x").output().expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("idd"), "{}", text(&out.stderr));
}

/// The first line `borne run` (as `command` sets it up) writes to stderr; the kiosk is then stopped.
fn first_line_of_run(command: &mut Command) -> String {
    use std::io::BufRead;
    let mut child = command
        .args(["run"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn borne");
    let mut first = String::new();
    std::io::BufReader::new(child.stderr.take().expect("stderr")).read_line(&mut first).expect("read");
    let _ = child.kill();
    let _ = child.wait();
    first
}

#[test]
fn a_display_that_is_set_but_dead_is_not_used() {
    // DISPLAY names an X display nobody serves (on a test machine its socket file may even be
    // left over from a killed X server): the kiosk must not try to open a window there (it
    // would fail); it says so and carries on without a screen.
    let first = first_line_of_run(borne().env("DISPLAY", ":87"));
    assert!(first.contains("Pas d'écran graphique joignable"), "{first}");
    assert!(first.contains("sans écran"), "{first}");
    // A socket file left by a compositor that died: it exists but nobody listens.
    let dir = tempfile::tempdir().expect("tempdir");
    let stale = dir.path().join("wayland-0");
    drop(std::os::unix::net::UnixListener::bind(&stale).expect("bind"));
    assert!(stale.exists(), "the socket file stays after its server is gone");
    let first = first_line_of_run(borne().env("WAYLAND_DISPLAY", &stale));
    assert!(first.contains("Pas d'écran graphique joignable"), "{first}");
}

#[test]
fn linuxkms_without_a_drm_device_is_not_used() {
    // SLINT_BACKEND=linuxkms (the kiosk unit without a compositor) on a machine with no DRM
    // device: the kiosk says there is no display and carries on without a screen. (On a machine
    // with /dev/dri it would take the real screen: not here.)
    if std::path::Path::new("/dev/dri").exists() {
        eprintln!("linuxkms_without_a_drm_device_is_not_used: skipped, this machine has /dev/dri");
        return;
    }
    let first = first_line_of_run(
        borne().env("SLINT_BACKEND", "linuxkms").env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY"),
    );
    assert!(first.contains("Pas d'écran graphique joignable"), "{first}");
    assert!(first.contains("SLINT_BACKEND=linuxkms"), "{first}");
}

//! The dashboard in a real browser: headless Chromium driven through chromedriver (WebDriver,
//! with fantoccini), against the real `borne-fleet`, a real Mosquitto and two kiosks speaking
//! through the kiosk's own MQTT client. An operator logs in, sees both kiosks online, sees one
//! go offline (the page's script refreshes the table), sends an alert banner to the other and
//! reads the kiosk's reply on the page. The overview's picture is saved; with
//! `BORNE_UPDATE_DOCS=1` it replaces `docs/fleet/overview.png`.
//!
//! Chromium and chromedriver come from Debian (`scripts/setup.sh`); without them the test fails,
//! unless `BORNE_SKIP_BROWSER_TESTS=1`.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use support::{Fleet, SimKiosk, free_port, mqtt};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

fn enabled() -> bool {
    if std::env::var("BORNE_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("BORNE_SKIP_BROWSER_TESTS=1: browser test skipped");
        return false;
    }
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "chromium and chromium-driver are not installed: run scripts/setup.sh, or set BORNE_SKIP_BROWSER_TESTS=1"
    );
    true
}

struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1800,760",
    ];
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    args.push("--lang=fr-FR".into());
    let options =
        serde_json::json!({"binary": CHROMIUM, "args": args, "prefs": {"intl.accept_languages": "fr-FR,fr"}});
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

async fn text_of(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.prop("textContent").await.ok().flatten().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn wait_for_element(client: &Client, css: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while client.find(Locator::Css(css)).await.is_err() {
        if Instant::now() > deadline {
            let page = client.source().await.unwrap_or_default();
            panic!("no '{css}' on the page:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_for_text(client: &Client, css: &str, want: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let text = text_of(client, css).await;
        if text.contains(want) {
            return text;
        }
        if Instant::now() > deadline {
            let page = client.source().await.unwrap_or_default();
            panic!("'{css}' never said '{want}' (last: '{text}'); page:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn an_operator_logs_in_sees_a_kiosk_go_offline_and_sends_a_banner() {
    if !mqtt::enabled() || !enabled() {
        return;
    }
    let broker = mqtt::Broker::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let hash = borne_fleet::web::auth::hash_password("mot de passe du test").expect("hash");
    let users = format!("[[users]]\nname = \"marie\"\npassword_hash = \"{hash}\"\nrole = \"operator\"\n");
    let fleet = Fleet::start(&dir.path().join("fleet"), &broker.url(), &users, &[]);
    let k1 = SimKiosk::start(&broker.url(), "mediatheque", "kiosk1", 1, None);
    let k2 = SimKiosk::start(&broker.url(), "mairie", "kiosk2", 1, None);
    if let Ok(mut state) = k1.probe.state.lock() {
        state.paper = "near_end".into();
        state.printer = "paper_near_end".into();
    }
    fleet.wait_json("both kiosks online", "/api/kiosks", Duration::from_secs(20), |l| {
        l.as_array().is_some_and(|l| l.len() == 2 && l.iter().all(|k| k["online"] == true))
    });

    let driver = Driver::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let shot = runtime.block_on(async {
        let client = browser(&driver, &dir.path().join("chromium")).await;
        client.goto(&fleet.base).await.expect("overview");
        assert!(client.current_url().await.expect("url").path().starts_with("/login"), "anonymous → login");
        client.find(Locator::Css("#user")).await.expect("user").send_keys("marie").await.expect("type");
        client
            .find(Locator::Css("#password"))
            .await
            .expect("pw")
            .send_keys("mot de passe du test")
            .await
            .expect("type");
        client
            .find(Locator::Css("form.login button[type=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        wait_for_element(
            &client,
            "tr[data-kiosk='mediatheque/kiosk1'] .state.online",
            Duration::from_secs(10),
        )
        .await;
        wait_for_element(&client, "tr[data-kiosk='mairie/kiosk2'] .state.online", Duration::from_secs(10))
            .await;
        assert!(
            text_of(&client, "tr[data-kiosk='mairie/kiosk2'] .state").await.contains("En ligne"),
            "the browser asked for French"
        );

        // kiosk2 dies: the page's own refresh shows it offline, without a reload.
        k2.crash();
        wait_for_element(&client, "tr[data-kiosk='mairie/kiosk2'] .state.offline", Duration::from_secs(40))
            .await;

        // A banner to kiosk1, and its reply on the page.
        client
            .find(Locator::Css("tr[data-kiosk='mediatheque/kiosk1'] a"))
            .await
            .expect("link")
            .click()
            .await
            .expect("open");
        let text = client.find(Locator::Css("input[name=text]")).await.expect("banner text");
        text.send_keys("Fermeture exceptionnelle à 16 h").await.expect("type");
        client
            .find(Locator::Css("select[name=level] option[value=urgent]"))
            .await
            .expect("urgent")
            .click()
            .await
            .expect("pick");
        client
            .find(Locator::Css("button[name=command][value=alert]"))
            .await
            .expect("send")
            .click()
            .await
            .expect("click");
        let result =
            wait_for_text(&client, "#result", "Fermeture exceptionnelle", Duration::from_secs(20)).await;
        assert!(text_of(&client, "#result .reply.ok").await.len() > 1, "the reply says ok: {result}");
        assert!(result.contains("urgent"), "{result}");

        // The overview now: one kiosk offline, one with paper running out.
        client.goto(&fleet.base).await.expect("overview");
        wait_for_element(&client, "tr[data-kiosk='mairie/kiosk2'] .state.offline", Duration::from_secs(10))
            .await;
        let shot = client.screenshot().await.expect("screenshot");
        client.close().await.expect("close");
        shot
    });
    assert!(shot.starts_with(b"\x89PNG"), "a PNG picture");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fleet-overview.png");
    let _ = std::fs::write(&target, &shot);
    if std::env::var("BORNE_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/fleet/overview.png");
        std::fs::create_dir_all(docs.parent().expect("dir")).expect("docs/fleet");
        std::fs::write(docs, &shot).expect("docs picture");
    }
    // The command is on record with who sent it.
    let detail = fleet.json("/api/kiosks/mediatheque/kiosk1");
    assert!(
        detail["commands"].as_array().is_some_and(|c| c
            .iter()
            .any(|c| c["command"] == "alert" && c["sent_by"] == "marie" && c["ok"] == true)),
        "{}",
        detail["commands"]
    );
    k1.stop();
}

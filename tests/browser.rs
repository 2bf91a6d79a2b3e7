//! End-to-end tests of the browser UI in a real browser: Debian's chromium
//! driven through chromedriver (both installed by .ci/run) with fantoccini,
//! against the real server on 127.0.0.1:0. Every test fails on a console
//! error; screenshots go to target/browser-artifacts for a reviewer.

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Server, id_of, proposal};

/// Browser tests run one at a time: each starts browsers, and the machine is small.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const WAIT: Duration = Duration::from_secs(20);

/// A chromedriver on a free port.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (apt-get install chromium chromium-driver; .ci/run does)");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while reqwest::get(format!("{url}/status")).await.is_err() {
            assert!(started.elapsed() < WAIT, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver { child, url }
    }

    /// A new headless chromium at 1280x800, recording the console.
    async fn browser(&self) -> Client {
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"]
            },
            "goog:loggingPrefs": { "browser": "ALL" }
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!("an object") };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a browser session")
    }

    /// Console messages of level SEVERE (errors) since the last call.
    async fn console_errors(&self, browser: &Client) -> Vec<String> {
        let session = browser.session_id().await.expect("session").expect("an id");
        let logs: Value = reqwest::Client::new()
            .post(format!("{}/session/{session}/se/log", self.url))
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("log request")
            .json()
            .await
            .expect("json");
        logs["value"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn assert_no_console_errors(&self, browser: &Client, who: &str) {
        let errors = self.console_errors(browser).await;
        assert!(errors.is_empty(), "{who}'s browser logged errors: {errors:#?}");
    }

    /// As [`Driver::assert_no_console_errors`], but for the answers the test expects to be
    /// refusals (the browser logs every 4xx it is answered): those naming `expected`.
    async fn assert_no_console_errors_but(&self, browser: &Client, who: &str, expected: &str) {
        let errors = self.console_errors(browser).await;
        let unexpected: Vec<&String> = errors.iter().filter(|e| !e.contains(expected)).collect();
        assert!(unexpected.is_empty(), "{who}'s browser logged errors: {unexpected:#?}");
        assert!(errors.len() > unexpected.len(), "the expected refusal ({expected}) was logged");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens the sign-in link of `code` and waits until the page says who is signed in.
async fn sign_in(browser: &Client, server: &Server, code: &str) {
    browser.goto(&format!("{}/#token={}", server.base, server.token(code))).await.expect("open the link");
    wait_for_text(browser, "#identity", code).await;
}

async fn wait_for_text(browser: &Client, css: &str, wanted: &str) -> String {
    let started = Instant::now();
    loop {
        if let Ok(element) = browser.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && text.contains(wanted)
        {
            return text;
        }
        assert!(started.elapsed() < WAIT, "{css} never showed {wanted:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn go(browser: &Client, server: &Server, route: &str, wait_css: &str) {
    browser.goto(&format!("{}/#{route}", server.base)).await.expect("navigate");
    browser.wait().at_most(WAIT).for_element(Locator::Css(wait_css)).await.expect("the screen renders");
}

async fn editor_value(browser: &Client, proposal: &str) -> String {
    let script = "return document.querySelector(arguments[0]).value";
    let value = browser.execute(script, vec![json!(format!("textarea[data-focus-key=\"editor-{proposal}\"]"))]).await;
    value.expect("read the editor").as_str().expect("a string").to_string()
}

async fn screenshot_from_top(browser: &Client, name: &str) {
    browser.execute("window.scrollTo(0, 0)", vec![]).await.expect("scroll to the top");
    screenshot(browser, name).await;
}

async fn screenshot(browser: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    let png = browser.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// The chair's page on section 4 showing Alt 1, with what the tests about its text need.
struct Reading {
    server: Server,
    driver: Driver,
    chair: Client,
    alt1: String,
    /// The CSS selector of Alt 1's passage on the page.
    passage: String,
    /// Alt 1's text and heads when the page opened.
    text: String,
    heads: Value,
}

/// Starts a server (`name`), signs the chair in and opens section 4, where Alt 1's text shows.
async fn chair_reads_alt1(name: &str) -> Reading {
    let server = Server::start(name);
    let driver = Driver::start().await;
    let view = server.view().await;
    let alt1 = id_of(&view, 4, "Alt 1");
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    let passage = format!("[data-passage=\"{alt1}\"]");
    go(&chair, &server, "/section/4", &passage).await;
    let held = proposal(&view, 4, "Alt 1");
    let (text, heads) = (held["text"].as_str().expect("text").to_string(), held["heads"].clone());
    Reading { server, driver, chair, alt1, passage, text, heads }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_follows_edits_in_any_script_from_what_changed_alone() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Reading { server, driver, chair, alt1, passage: shown_text, mut text, mut heads } =
        chair_reads_alt1("browser-scripts").await;
    let fetched = view_fetches(&chair).await;
    // Each piece goes in the middle, after characters of one and two UTF-16 units put there
    // before: a page that counted positions otherwise would garble or misplace them.
    for piece in ["😀 ", "日本語 ", "e\u{301} ", "🇺🇳 ", "a "] {
        (text, heads) = insert_in_the_middle(&server, &alt1, (&text, &heads), piece).await;
    }
    // Compared in the page, and shown escaped: a split surrogate pair cannot leave it as a string.
    let read =
        "const t = document.querySelector(arguments[0]).textContent; return [t === arguments[1], JSON.stringify(t)]";
    let started = Instant::now();
    loop {
        let on_page = chair.execute(read, vec![json!(shown_text), json!(text)]).await.expect("read the page");
        if on_page[0] == json!(true) {
            break;
        }
        assert!(started.elapsed() < WAIT, "the page shows {}, the server {text:?}", on_page[1]);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(view_fetches(&chair).await, fetched, "from the live messages alone, no view request");
    driver.assert_no_console_errors(&chair, "HLCP").await;
    chair.close().await.expect("close");
}

/// Has UNSEC put `piece` in the middle of proposal `id`'s text (`held`: the text and its heads);
/// returns the text and heads after.
async fn insert_in_the_middle(server: &Server, id: &str, held: (&str, &Value), piece: &str) -> (String, Value) {
    let (text, heads) = held;
    let middle = text.chars().count() / 2;
    let edited: String = text.chars().take(middle).chain(piece.chars()).chain(text.chars().skip(middle)).collect();
    let body = json!({"text": edited, "base_heads": heads});
    let (status, answer) =
        server.call(Some("UNSEC"), Method::PUT, &format!("/api/proposals/{id}/text"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["text"], edited.as_str(), "applied as sent");
    (edited, answer["heads"].clone())
}

/// Makes the page lose its next `changed` message, as a network that dropped it would, and with
/// `arguments[0]` every `patch` after it too (a patch would also tell the page it missed
/// something): the page's listener reads `{"type": "lost"}` in their place. `window.lost`
/// counts the `changed` messages lost.
const LOSE_NEXT_CHANGE: &str = "
    const losePatches = arguments[0];
    window.sentData ??= Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data').get;
    window.lost = 0;
    Object.defineProperty(MessageEvent.prototype, 'data', { configurable: true, get() {
        const sent = window.sentData.call(this);
        const type = typeof sent === 'string' && JSON.parse(sent).type;
        if ((type === 'patch' && losePatches) || (type === 'changed' && window.lost === 0)) {
            if (type === 'changed') window.lost = 1;
            return JSON.stringify({ type: 'lost' });
        }
        return sent;
    } });";

/// The text the page shows in the element `arguments[0]` selects.
const SHOWN: &str = "return document.querySelector(arguments[0]).textContent";

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_lost_a_change_fetches_the_view_and_never_shows_a_text_the_server_did_not_have() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Reading { server, driver, chair, alt1, passage: shown_text, mut text, mut heads } =
        chair_reads_alt1("browser-lost-change").await;
    // First the patches that follow still come (they name texts the page does not hold), then
    // they are lost too: the next change's message alone must tell the page.
    for lose_patches in [false, true] {
        chair.execute(LOSE_NEXT_CHANGE, vec![json!(lose_patches)]).await.expect("lose the next change");
        let fetched = view_fetches(&chair).await;
        let mut texts = vec![text.clone()];
        for piece in ["first ", "second "] {
            // The second change starts from the first's text, which the page never received.
            (text, heads) = insert_in_the_middle(&server, &alt1, (&text, &heads), piece).await;
            texts.push(text.clone());
        }
        let started = Instant::now();
        loop {
            let shown = chair.execute(SHOWN, vec![json!(shown_text)]).await.expect("read the page");
            let shown = shown.as_str().expect("the passage's text");
            assert!(texts.iter().any(|text| text == shown), "the page shows a text the server never had: {shown:?}");
            if shown == text {
                break;
            }
            assert!(
                started.elapsed() < WAIT,
                "the page shows {shown:?}, the server {text:?} (patches lost: {lose_patches})"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let lost = chair.execute("return window.lost", vec![]).await.expect("read");
        assert_eq!(lost, json!(1), "the page lost the first change's message");
        assert!(view_fetches(&chair).await > fetched, "the page fetched the view it could not patch");
    }
    driver.assert_no_console_errors(&chair, "HLCP").await;
    chair.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sponsors_typing_into_one_proposal_at_once_end_with_the_same_merged_text() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-coedit");
    let driver = Driver::start().await;
    let alt2 = id_of(&server.view().await, 4, "Alt 2");
    let (desa, unctad) = (driver.browser().await, driver.browser().await);
    sign_in(&desa, &server, "DESA").await;
    sign_in(&unctad, &server, "UNCTAD").await;
    let editor = format!("textarea[data-focus-key=\"editor-{alt2}\"]");
    go(&desa, &server, "/section/4", &editor).await;
    go(&unctad, &server, "/section/4", &editor).await;
    let before = editor_value(&desa, &alt2).await;
    // The chair reads the section (no editor: not a sponsor); its page follows from the live socket.
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/section/4", "main h1").await;
    let chair_fetched = view_fetches(&chair).await;
    let typers_fetched = (view_fetches(&desa).await, view_fetches(&unctad).await);
    // Each of the chair's proposal cards is marked, to tell a card rebuilt from one kept.
    let mark = "document.querySelectorAll('section.card.proposal').forEach((c) => { c.dataset.seen = 'before'; })";
    chair.execute(mark, vec![]).await.expect("mark the cards");

    // DESA types at the end, UNCTAD at the start, at the same time.
    let put_caret = "const e = document.querySelector(arguments[0]); e.focus(); const at = arguments[1] ? e.value.length : 0; e.setSelectionRange(at, at);";
    desa.execute(put_caret, vec![json!(editor), json!(true)]).await.expect("caret at the end");
    unctad.execute(put_caret, vec![json!(editor), json!(false)]).await.expect("caret at the start");
    let (desa_area, unctad_area) = (
        desa.find(Locator::Css(&editor)).await.expect("editor"),
        unctad.find(Locator::Css(&editor)).await.expect("editor"),
    );
    let (typed_desa, typed_unctad) = (" Reviewed jointly by DESA.", "UNCTAD adds this opening. ");
    let (a, b) = tokio::join!(desa_area.send_keys(typed_desa), unctad_area.send_keys(typed_unctad));
    a.expect("DESA types");
    b.expect("UNCTAD types");

    let started = Instant::now();
    let merged = loop {
        let (in_desa, in_unctad) = (editor_value(&desa, &alt2).await, editor_value(&unctad, &alt2).await);
        let server_text = proposal(&server.view().await, 4, "Alt 2")["text"].as_str().expect("text").to_string();
        if in_desa == in_unctad
            && in_desa == server_text
            && in_desa.contains(typed_desa)
            && in_desa.contains(typed_unctad)
        {
            break in_desa;
        }
        assert!(
            started.elapsed() < WAIT,
            "no agreement:\nDESA:   {in_desa:?}\nUNCTAD: {in_unctad:?}\nserver: {server_text:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(merged, format!("{typed_unctad}{before}{typed_desa}"), "both edits, each where it was typed");
    let shown = wait_for_text(&chair, "main", typed_desa.trim()).await;
    assert!(shown.contains(typed_unctad.trim()), "the chair's page shows both edits: {shown}");
    let kept = "return [...document.querySelectorAll('section.card.proposal')]\
        .map((c) => [document.getElementById(c.getAttribute('aria-labelledby')).textContent, c.dataset.seen || 'new'])";
    let kept = chair.execute(kept, vec![]).await.expect("which cards were kept");
    assert_eq!(
        kept,
        json!([["Alt 1", "before"], ["Alt 2", "new"], ["Alt 3", "before"]]),
        "only the typed proposal's card was rebuilt"
    );
    assert_eq!(
        view_fetches(&chair).await,
        chair_fetched,
        "the reader's page followed the typing without a view request"
    );
    let typers_now = (view_fetches(&desa).await, view_fetches(&unctad).await);
    assert_eq!(typers_now, typers_fetched, "the typists' pages neither: their own saves come back as patches");
    driver.assert_no_console_errors(&chair, "HLCP").await;
    chair.close().await.expect("close");
    let shown = wait_for_text(&desa, ".co-editors", "UNCTAD").await;
    let unctad_caret =
        unctad.execute("return document.querySelector(arguments[0]).selectionStart", vec![json!(editor)]);
    let unctad_caret = unctad_caret.await.expect("caret").as_u64().expect("a number") as usize;
    let before_caret: String = merged.chars().take(unctad_caret).collect();
    let near: String = before_caret.chars().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
    assert!(shown.contains(near.trim()), "DESA sees where UNCTAD is editing ({near:?}): {shown}");
    wait_for_text(&desa, "#identity", "UNCTAD").await;
    desa.execute("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", vec![json!(editor)])
        .await
        .expect("scroll to the editor");
    screenshot(&desa, "co-editing").await;

    // DESA's edit was saved and the screen re-rendered since: DESA's caret is still in the
    // editor, so further keys land there without clicking again.
    let active = desa.active_element().await.expect("the focused element");
    let focused = active.attr("data-focus-key").await.expect("attribute");
    assert_eq!(focused.as_deref(), Some(format!("editor-{alt2}").as_str()), "the editor kept focus across re-renders");
    active.send_keys(" Then more.").await.expect("keep typing");
    let started = Instant::now();
    loop {
        let text = proposal(&server.view().await, 4, "Alt 2")["text"].as_str().expect("text").to_string();
        if text.ends_with("DESA. Then more.") {
            break;
        }
        assert!(started.elapsed() < WAIT, "the keys typed after a re-render did not reach the server: {text:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    driver.assert_no_console_errors(&desa, "DESA").await;
    driver.assert_no_console_errors(&unctad, "UNCTAD").await;
    desa.close().await.expect("close");
    unctad.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_objection_reaches_the_chairs_register_and_once_lifted_the_chair_adopts() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-adopt");
    let driver = Driver::start().await;
    let alt1 = id_of(&server.view().await, 1, "Alt 1");
    let (wbg, chair) = (driver.browser().await, driver.browser().await);
    sign_in(&wbg, &server, "WBG").await;
    sign_in(&chair, &server, "HLCP").await;

    let form = r#"form[aria-label="Your stance on Alt 1"]"#.to_string();
    go(&wbg, &server, "/section/1", &form).await;
    // The chair watches the overview: each card is marked, to tell a card rebuilt from one kept.
    go(&chair, &server, "/", "ol.cards").await;
    let fetched = view_fetches(&chair).await;
    let mark = "document.querySelectorAll('ol.cards > li').forEach((li) => { li.dataset.seen = 'before'; })";
    chair.execute(mark, vec![]).await.expect("mark the cards");
    let reason = "The plan needs a budget line first.";
    let wbg_fetched = view_fetches(&wbg).await;
    record_stance(&wbg, &form, "object", reason).await;
    wait_for_text(&wbg, "#toast", "Object").await;
    // WBG's own stance matrix shows the objection, from the live patch alone.
    let row = wait_for_text(&wbg, ".matrix tr.me", "Object").await;
    assert!(row.starts_with("WBG"), "{row}");
    assert_eq!(view_fetches(&wbg).await, wbg_fetched, "WBG's page followed its own write without a view request");

    let card = wait_for_text(&chair, "a[href=\"#/section/1\"]", "WBG").await;
    assert!(card.contains("Objecting"), "{card}");
    let kept = "return [...document.querySelectorAll('ol.cards > li')].map((li) => li.dataset.seen || 'new')";
    let kept = chair.execute(kept, vec![]).await.expect("which cards were kept");
    assert_eq!(
        kept,
        json!(["new", "before", "before", "before", "before"]),
        "only the changed section's card was rebuilt"
    );
    go(&chair, &server, "/desk", "table.register").await;
    let register = wait_for_text(&chair, "table.register", reason).await;
    assert!(register.contains("WBG"), "{register}");
    // While WBG objects, Alt 1 cannot be adopted: the button is off and says who blocks it.
    let adopt = format!("section[aria-labelledby=\"desk-1\"] button[aria-describedby=\"state-{alt1}\"]");
    let blocked = wait_for_text(&chair, &format!("#state-{alt1}"), "WBG objects").await;
    assert!(blocked.contains("Blocked until"), "{blocked}");
    let button = chair.find(Locator::Css(&adopt)).await.expect("adopt button");
    assert!(!button.is_enabled().await.expect("enabled?"), "a blocked proposal's adoption is disabled");

    record_stance(&wbg, &form, "support", "").await;
    wait_for_text(&wbg, "#toast", "Support").await;

    // The desk re-renders on every change, so the state is read afresh until it says so.
    wait_for_text(&chair, &format!("#state-{alt1}"), "Consensus rule met").await;
    assert_eq!(
        view_fetches(&chair).await,
        fetched,
        "the chair's page followed both changes from the live socket alone"
    );
    chair.find(Locator::Css(&adopt)).await.expect("adopt button").click().await.expect("click");
    let question = chair.get_alert_text().await.expect("a confirmation");
    assert!(question.contains("consensus rule is met"), "{question}");
    chair.accept_alert().await.expect("confirm");

    go(&chair, &server, "/", "ol.cards").await;
    let card = wait_for_text(&chair, "a[href=\"#/section/1\"]", "agreed").await;
    assert!(card.contains("Adopted by HLCP"), "{card}");
    assert_eq!(server.view().await["sections"][0]["status"], "agreed", "the server agrees");
    driver.assert_no_console_errors(&wbg, "WBG").await;
    driver.assert_no_console_errors(&chair, "HLCP").await;
    wbg.close().await.expect("close");
    chair.close().await.expect("close");
}

/// How many times the page fetched the whole view (`GET /api/negotiations/{id}`), as the browser counted.
async fn view_fetches(browser: &Client) -> u64 {
    let script = "return performance.getEntriesByType('resource')\
        .filter((e) => /^\\/api\\/negotiations\\/[^/]+$/.test(new URL(e.name).pathname)).length";
    browser.execute(script, vec![]).await.expect("count requests").as_u64().expect("a count")
}

async fn record_stance(browser: &Client, form: &str, stance: &str, reason: &str) {
    let radio = format!("{form} input[value=\"{stance}\"]");
    browser.find(Locator::Css(&radio)).await.expect("the stance choice").click().await.expect("choose");
    let area = browser.find(Locator::Css(&format!("{form} textarea"))).await.expect("reason box");
    area.clear().await.expect("clear");
    if !reason.is_empty() {
        area.send_keys(reason).await.expect("type the reason");
    }
    browser
        .find(Locator::Css(&format!("{form} button[type=submit]")))
        .await
        .expect("submit")
        .click()
        .await
        .expect("submit");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_observer_sees_no_controls_and_the_server_refuses_it_anyway() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-observer");
    let driver = Driver::start().await;
    let view = server.view().await;
    let alt1 = id_of(&view, 4, "Alt 1");
    let unu = driver.browser().await;
    sign_in(&unu, &server, "UNU").await;
    go(&unu, &server, "/section/4", "table.matrix").await;
    for control in ["textarea.editor", "form.stance-form", ".comment-add"] {
        assert!(unu.find(Locator::Css(control)).await.is_err(), "an observer has no {control}");
    }
    let identity = unu.find(Locator::Css("#identity")).await.expect("identity").text().await.expect("text");
    assert!(identity.contains("UNU") && identity.contains("observer"), "{identity}");
    driver.assert_no_console_errors(&unu, "UNU").await;
    let forced = unu
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(`/api/proposals/${arguments[0]}/stances/UNU`, {method: 'PUT', headers: {'content-type': 'application/json'}, body: JSON.stringify({stance: 'support', reason: ''})})
               .then(r => r.json().then(body => done([r.status, body.error])));",
            vec![json!(alt1)],
        )
        .await
        .expect("fetch from the page");
    assert_eq!(forced[0], 403, "{forced}");
    assert_eq!(server.view().await, view, "nothing changed");
    let errors = driver.console_errors(&unu).await;
    assert!(errors.iter().all(|e| e.contains("403 (Forbidden)")), "only the forced request failed: {errors:#?}");
    unu.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn screenshots_of_the_overview_a_redline_and_the_chairs_desk() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-screens");
    let driver = Driver::start().await;
    let alt2 = id_of(&server.view().await, 4, "Alt 2");
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;

    go(&chair, &server, "/", "ol.cards").await;
    let cards = chair.find_all(Locator::Css("ol.cards a.section-card")).await.expect("cards");
    assert_eq!(cards.len(), 5, "a card per section");
    wait_for_text(&chair, ".deadline", "Consultation").await;
    screenshot_from_top(&chair, "overview").await;

    go(&chair, &server, "/section/4", "table.matrix").await;
    let mode = format!("select[data-focus-key=\"mode-{alt2}\"]");
    chair.find(Locator::Css(&mode)).await.expect("mode switch").select_by_value("base").await.expect("redline");
    chair.wait().at_most(WAIT).for_element(Locator::Css(".redline ins")).await.expect("insertions marked");
    chair.wait().at_most(WAIT).for_element(Locator::Css(".redline del")).await.expect("deletions marked");
    let stale = chair.find_all(Locator::Css("table.matrix td.stale")).await.expect("cells");
    assert!(!stale.is_empty(), "stale stances are marked in the matrix");
    screenshot(&chair, "section-4-redline").await;

    go(&chair, &server, "/desk", "table.register").await;
    chair.wait().at_most(WAIT).for_element(Locator::Css("svg.chart polyline")).await.expect("a convergence chart");
    chair.wait().at_most(WAIT).for_element(Locator::Css("mark.bracket")).await.expect("a bracketed draft");
    screenshot_from_top(&chair, "chairs-desk").await;
    driver.assert_no_console_errors(&chair, "HLCP").await;
    chair.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_an_edit_a_participant_sees_the_changes_since_its_support() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-since-stance");
    let driver = Driver::start().await;
    let view = server.view().await;
    let alt1 = id_of(&view, 4, "Alt 1");
    let stance = format!("/api/proposals/{alt1}/stances/ITU");
    let (status, _) = server.call(Some("ITU"), Method::PUT, &stance, Some(json!({"stance": "support"}))).await;
    assert_eq!(status, StatusCode::OK);
    let itu = driver.browser().await;
    sign_in(&itu, &server, "ITU").await;
    go(&itu, &server, "/section/4", "table.matrix").await;
    assert!(itu.find(Locator::Css("button.since-stance")).await.is_err(), "no changes yet, nothing offered");

    // The sponsor adds a sentence; ITU's support is now on an earlier text.
    let added = "Progress is reviewed every year.";
    let current = proposal(&server.view().await, 4, "Alt 1").clone();
    let text = format!("{} {added}", current["text"].as_str().expect("text"));
    let body = json!({"text": text, "base_heads": current["heads"]});
    let (status, _) = server.call(Some("UNSEC"), Method::PUT, &format!("/api/proposals/{alt1}/text"), Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    let offered = wait_for_text(&itu, "button.since-stance", "Changes since your support").await;
    assert_eq!(offered, "Changes since your support");
    itu.find(Locator::Css("button.since-stance")).await.expect("the offer").click().await.expect("click");
    let inserted = wait_for_text(&itu, ".redline ins", added).await;
    assert!(inserted.contains(added), "{inserted}");
    let by = itu.find(Locator::Css(".redline ins")).await.expect("ins").attr("title").await.expect("title");
    assert!(by.is_some_and(|by| by.starts_with("UNSEC")), "the change names its author");
    driver.assert_no_console_errors(&itu, "ITU").await;
    itu.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chair_sets_the_deadline_and_invites_and_revokes_a_participant_from_the_desk() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-roster");
    let driver = Driver::start().await;
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/desk", "form.deadline-form").await;

    let deadline = chair.find(Locator::Css("#deadline-input")).await.expect("deadline field");
    deadline.send_keys("2026-12-12T17:00:00Z").await.expect("type");
    chair.find(Locator::Css("form.deadline-form button")).await.expect("button").click().await.expect("click");
    wait_for_text(&chair, "#deadline-now", "12 Dec, 17:00 UTC").await;
    // 2026-12-12T17:00:00Z is 1,797,094,800 s after 1970 (`date -u -d ... +%s`).
    assert_eq!(server.view().await["deadline"], 1_797_094_800_000_i64, "the server has it");

    for (field, text) in [("#new-code", "WHO"), ("#new-name", "World Health Organization")] {
        chair.find(Locator::Css(field)).await.expect("field").send_keys(text).await.expect("type");
    }
    let add = chair.find(Locator::Css("form.add-participant button")).await.expect("add");
    add.click().await.expect("click");
    wait_for_text(&chair, "tr[data-code=\"WHO\"]", "World Health Organization").await;
    let invite = chair.find(Locator::Css("tr[data-code=\"WHO\"] button.invite")).await.expect("invite");
    invite.click().await.expect("click");
    chair.wait().at_most(WAIT).for_element(Locator::Css("#link-WHO")).await.expect("the link is shown");
    let link = chair.execute("return document.querySelector('#link-WHO').value", vec![]).await.expect("link");
    let link = link.as_str().expect("a link").to_string();
    assert!(link.starts_with(&server.base) && link.contains("/#token="), "{link}");

    // The link signs WHO in, until the chair revokes it.
    let who = driver.browser().await;
    who.goto(&link).await.expect("open the link");
    wait_for_text(&who, "#identity", "WHO").await;
    chair
        .find(Locator::Css("tr[data-code=\"WHO\"] button.revoke"))
        .await
        .expect("revoke")
        .click()
        .await
        .expect("click");
    let question = chair.get_alert_text().await.expect("a confirmation");
    assert!(question.contains("WHO"), "{question}");
    chair.accept_alert().await.expect("confirm");
    wait_for_text(&chair, "#toast", "1 sign-in link(s) ended").await;
    who.refresh().await.expect("reload");
    who.wait().at_most(WAIT).for_element(Locator::Css("input#token")).await.expect("WHO is asked to sign in again");
    driver.assert_no_console_errors(&chair, "HLCP").await;
    chair.close().await.expect("close");
    who.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chair_reopens_an_agreed_section_from_the_desk() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-reopen");
    let driver = Driver::start().await;
    assert!(server.view().await["sections"][1]["adoption"].is_object(), "section 2 of the fixture is agreed");
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/desk", "form.reopen").await;
    assert!(chair.find(Locator::Css("section[aria-labelledby=\"desk-2\"]")).await.is_err(), "§2 is not open");
    let reason = "The budget line is missing.";
    chair.find(Locator::Css("#reopen-2")).await.expect("reason field").send_keys(reason).await.expect("type");
    let button = chair.find(Locator::Css("form[aria-label=\"Reopen §2\"] button")).await.expect("button");
    button.click().await.expect("click");
    wait_for_text(&chair, "section[aria-labelledby=\"desk-2\"]", "Adopt").await;
    let section = &server.view().await["sections"][1];
    assert_eq!(section["reopenings"][0]["reason"], reason, "{section}");
    driver.assert_no_console_errors(&chair, "HLCP").await;
    chair.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_sign_in_link_is_explained_and_a_new_screen_starts_at_its_top() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-signin-scroll");
    let driver = Driver::start().await;
    let stranger = driver.browser().await;
    stranger.goto(&format!("{}/#token=not-a-token", server.base)).await.expect("open a bad link");
    let problem = wait_for_text(&stranger, ".signin .error", "not valid").await;
    assert!(problem.contains("Ask the chair for a new one"), "plain words: {problem}");
    assert!(!problem.contains("401"), "no status codes: {problem}");
    stranger.close().await.expect("close");

    let itu = driver.browser().await;
    sign_in(&itu, &server, "ITU").await;
    go(&itu, &server, "/section/4", "table.matrix").await;
    itu.execute("window.scrollTo(0, document.body.scrollHeight)", vec![]).await.expect("scroll down");
    let down = itu.execute("return window.scrollY", vec![]).await.expect("scrollY").as_f64().expect("a number");
    assert!(down > 100.0, "the section page is long enough to scroll: {down}");
    itu.find(Locator::Css("#nav a[href=\"#/\"]")).await.expect("overview link").click().await.expect("click");
    itu.wait().at_most(WAIT).for_element(Locator::Css("ol.cards")).await.expect("the overview");
    let top = itu.execute("return window.scrollY", vec![]).await.expect("scrollY").as_f64().expect("a number");
    assert_eq!(top, 0.0, "the overview starts at its top");
    driver.assert_no_console_errors(&itu, "ITU").await;
    itu.close().await.expect("close");
}

/// WCAG 2 contrast of every element `css` matches against what is behind it, the text's colour
/// blended by the opacity of the element and its ancestors (computed here, in the page).
const CONTRASTS: &str = r#"
const parse = (c) => (c.match(/[\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
};
return [...document.querySelectorAll(arguments[0])].map((el) => {
  let opacity = 1, bg = null;
  for (let e = el; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    opacity *= Number(style.opacity);
    const b = parse(style.backgroundColor);
    if (!bg && b.length >= 3 && (b.length < 4 || b[3] > 0)) bg = b.slice(0, 3);
  }
  bg = bg || [255, 255, 255];
  const fg = parse(getComputedStyle(el).color).slice(0, 3).map((v, i) => v * opacity + bg[i] * (1 - opacity));
  const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
});
"#;

#[tokio::test(flavor = "multi_thread")]
async fn stale_stances_keep_a_readable_contrast_and_the_text_gap_is_explained() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-contrast");
    let driver = Driver::start().await;
    let itu = driver.browser().await;
    sign_in(&itu, &server, "ITU").await;
    go(&itu, &server, "/section/4", "table.matrix").await;
    let ratios = itu.execute(CONTRASTS, vec![json!(".matrix td.stale")]).await.expect("contrasts");
    let ratios: Vec<f64> = ratios.as_array().expect("a list").iter().map(|r| r.as_f64().expect("a ratio")).collect();
    assert!(!ratios.is_empty(), "topic 4 has stances given on an earlier text");
    assert!(ratios.iter().all(|r| *r >= 4.5), "stale cells at 4.5:1 or more: {ratios:?}");
    go(&itu, &server, "/", "ol.cards").await;
    let card = wait_for_text(&itu, "a[href=\"#/section/4\"]", "Text gap").await;
    assert!(card.contains("how far apart the live proposals' words are"), "{card}");
    itu.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_proposal_is_brought_into_view() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-new-proposal");
    let driver = Driver::start().await;
    let itu = driver.browser().await;
    sign_in(&itu, &server, "ITU").await;
    go(&itu, &server, "/section/4", "table.matrix").await;
    let open = Locator::XPath("//button[normalize-space()='Propose a new wording']");
    itu.find(open).await.expect("the button").click().await.expect("open the form");
    let form = itu.find(Locator::Css("form.new-proposal")).await.expect("the form");
    let label = form.find(Locator::Css("input[aria-label=\"Label\"]")).await.expect("label");
    label.clear().await.expect("clear");
    label.send_keys("Alt 9").await.expect("type");
    form.find(Locator::Css("button[type=\"submit\"]")).await.expect("submit").click().await.expect("propose");
    let started = Instant::now();
    let id = loop {
        let view = server.view().await;
        let found =
            view["sections"][3]["proposals"].as_array().expect("proposals").iter().find(|p| p["label"] == "Alt 9");
        if let Some(found) = found {
            break found["id"].as_str().expect("id").to_string();
        }
        assert!(started.elapsed() < WAIT, "the proposal was not stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let heading = format!("p-{id}");
    let in_view = "const e = document.getElementById(arguments[0]); if (!e) return null; \
        const r = e.getBoundingClientRect(); return r.top >= -1 && r.bottom <= window.innerHeight + 1 && document.activeElement === e;";
    let started = Instant::now();
    while itu.execute(in_view, vec![json!(heading)]).await.expect("where") != json!(true) {
        assert!(started.elapsed() < WAIT, "the new proposal's heading was not brought into view and focused");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver.assert_no_console_errors(&itu, "ITU").await;
    itu.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_secretariat_uploads_a_libreoffice_draft_and_the_chair_opens_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-opening");
    let driver = Driver::start().await;
    let secretariat = driver.browser().await;
    let link = format!("{}/#token={}", server.base, server.token(support::SECRETARIAT));
    secretariat.goto(&link).await.expect("open the link");
    wait_for_text(&secretariat, "main h1", "Open a negotiation").await;
    let fill = |css: &'static str, text: &'static str| {
        let browser = secretariat.clone();
        async move { browser.find(Locator::Css(css)).await.expect(css).send_keys(text).await.expect("type") }
    };
    fill("#open-title", "Coordination plan on cybersecurity").await;
    fill("#open-chair", "CHAIR").await;
    fill("#open-chair-name", "The Chair").await;
    let draft = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/drafts/hlcp-draft.docx");
    let draft = draft.canonicalize().expect("the fixture");
    let file = secretariat.find(Locator::Css("#open-draft")).await.expect("the file input");
    file.send_keys(draft.to_str().expect("path")).await.expect("choose the file");
    secretariat
        .find(Locator::Css("form.opening button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("open");
    wait_for_text(&secretariat, ".opened", "is open with 3 sections").await;
    screenshot(&secretariat, "secretariat-opened").await;
    let chair_link = secretariat.find(Locator::Css("#chair-link")).await.expect("the link").prop("value").await;
    let chair_link = chair_link.expect("value").expect("a link");
    assert!(chair_link.starts_with(&format!("{}/#token=", server.base)), "{chair_link}");
    driver.assert_no_console_errors(&secretariat, "the secretariat").await;
    secretariat.close().await.expect("close");

    let chair = driver.browser().await;
    chair.goto(&chair_link).await.expect("open the chair's link");
    wait_for_text(&chair, "#identity", "CHAIR").await;
    let overview = wait_for_text(&chair, "main", "Topic 3 – Support to Member States, upon request").await;
    assert!(overview.contains("Topic 1 – Security of UN system ICT operations"), "{overview}");
    assert!(overview.contains("Coordination plan on cybersecurity"), "{overview}");
    driver.assert_no_console_errors(&chair, "the chair").await;
    chair.close().await.expect("close");
}

/// What sticks out sideways at the current width: the page's own overflow, and every
/// scrolling box (a table in `.scroll`) wider than the box, as `tag.class` names.
async fn sideways(browser: &Client) -> Vec<String> {
    let script = "const out = []; const w = document.documentElement.clientWidth; \
        if (document.documentElement.scrollWidth > w) out.push(`page ${document.documentElement.scrollWidth} > ${w}`); \
        for (const e of document.querySelectorAll('main *')) { \
          const r = e.getBoundingClientRect(); \
          if (r.width > 0 && r.right > w + 1) out.push(`${e.tagName.toLowerCase()}.${e.className} \"${e.textContent.slice(0, 30)}\" right ${Math.round(r.right)}`); \
          if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible') \
            out.push(`${e.tagName.toLowerCase()}.${e.className} scrolls ${e.scrollWidth} > ${e.clientWidth}`); } \
        return out;";
    let found = browser.execute(script, vec![]).await.expect("measure");
    found.as_array().expect("a list").iter().map(|v| v.as_str().expect("text").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn at_390_px_no_screen_scrolls_sideways() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-narrow");
    let driver = Driver::start().await;
    let mut problems = Vec::new();
    for (who, screens) in [
        ("HLCP", vec![("/", "ol.cards"), ("/section/4", "table.matrix"), ("/desk", "table.register")]),
        ("ITU", vec![("/section/4", "table.matrix")]),
    ] {
        let browser = driver.browser().await;
        browser.set_window_size(390, 844).await.expect("a phone's width");
        sign_in(&browser, &server, who).await;
        for (route, wait_css) in screens {
            go(&browser, &server, route, wait_css).await;
            let width = browser.execute("return window.innerWidth", vec![]).await.expect("width");
            assert!(width.as_u64().expect("a number") <= 400, "the window is narrow: {width}");
            let name = format!("narrow-{}{}", who.to_lowercase(), route.replace('/', "-"));
            screenshot_from_top(&browser, &name).await;
            let table = format!("document.querySelector('{wait_css}').scrollIntoView()");
            browser.execute(&table, vec![]).await.expect("scroll to the table");
            screenshot(&browser, &format!("{name}-table")).await;
            problems.extend(sideways(&browser).await.into_iter().map(|p| format!("{who} {route}: {p}")));
        }
        driver.assert_no_console_errors(&browser, who).await;
        browser.close().await.expect("close");
    }
    let secretariat = driver.browser().await;
    secretariat.set_window_size(390, 844).await.expect("a phone's width");
    let link = format!("{}/#token={}", server.base, server.token(support::SECRETARIAT));
    secretariat.goto(&link).await.expect("open the link");
    wait_for_text(&secretariat, "main h1", "Open a negotiation").await;
    screenshot_from_top(&secretariat, "narrow-secretariat").await;
    problems.extend(sideways(&secretariat).await.into_iter().map(|p| format!("secretariat: {p}")));
    secretariat.close().await.expect("close");
    assert!(problems.is_empty(), "sideways at 390 px:\n{}", problems.join("\n"));
}

/// The serious and critical accessibility violations axe-core (tests/js, from npm) finds on
/// the page as it is now, one line each: rule, impact, help and where.
async fn axe_violations(browser: &Client) -> Vec<String> {
    let axe = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/js/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&axe).expect("axe-core (scripts/test.sh runs npm ci --prefix tests/js)");
    browser.execute(&format!("{source}\nwindow.axe = axe;"), vec![]).await.expect("load axe-core");
    let run = "const done = arguments[arguments.length - 1]; \
        axe.run(document, { resultTypes: ['violations'] }) \
          .then((r) => done(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') \
            .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`))) \
          .catch((e) => done([`axe failed: ${e}`]));";
    let found = browser.execute_async(run, vec![]).await.expect("run axe-core");
    found.as_array().expect("a list").iter().map(|v| v.as_str().expect("text").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn axe_core_finds_no_serious_or_critical_violation_on_any_screen() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-axe");
    let driver = Driver::start().await;
    let mut found = Vec::new();
    let browser = driver.browser().await;
    browser.goto(&format!("{}/", server.base)).await.expect("open");
    wait_for_text(&browser, "main h1", "Sign in").await;
    found.extend(axe_violations(&browser).await.into_iter().map(|v| format!("sign-in: {v}")));
    browser.close().await.expect("close");
    for (who, screens) in [
        (
            "HLCP",
            vec![
                ("/", "ol.cards"),
                ("/section/4", "table.matrix"),
                ("/section/2", "main h1"),
                ("/desk", "table.register"),
            ],
        ),
        ("ITU", vec![("/section/4", "table.matrix")]),
        ("UNU", vec![("/section/4", "table.matrix")]),
    ] {
        let browser = driver.browser().await;
        sign_in(&browser, &server, who).await;
        for (route, wait_css) in screens {
            go(&browser, &server, route, wait_css).await;
            found.extend(axe_violations(&browser).await.into_iter().map(|v| format!("{who} {route}: {v}")));
        }
        browser.close().await.expect("close");
    }
    let secretariat = driver.browser().await;
    let link = format!("{}/#token={}", server.base, server.token(support::SECRETARIAT));
    secretariat.goto(&link).await.expect("open the link");
    wait_for_text(&secretariat, "main h1", "Open a negotiation").await;
    found.extend(axe_violations(&secretariat).await.into_iter().map(|v| format!("secretariat: {v}")));
    secretariat.close().await.expect("close");
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_co_sponsor_joins_from_its_page_and_then_edits() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-cosponsor");
    let driver = Driver::start().await;
    let (itu, unesco) = (driver.browser().await, driver.browser().await);
    sign_in(&itu, &server, "ITU").await;
    sign_in(&unesco, &server, "UNESCO").await;
    go(&itu, &server, "/section/1", "main h1").await;
    go(&unesco, &server, "/section/1", "main h1").await;
    let open = Locator::XPath("//button[normalize-space()='Propose a new wording']");
    itu.find(open).await.expect("the button").click().await.expect("open the form");
    let form = itu.find(Locator::Css("form.new-proposal")).await.expect("the form");
    let label = form.find(Locator::Css("input[aria-label=\"Label\"]")).await.expect("label");
    label.clear().await.expect("clear");
    label.send_keys("Joint text").await.expect("type");
    let cosponsors = form.find(Locator::Css("input[aria-label=\"Co-sponsors\"]")).await.expect("co-sponsors");
    cosponsors.send_keys("UNESCO").await.expect("type");
    form.find(Locator::Css("button[type=\"submit\"]")).await.expect("submit").click().await.expect("propose");

    let join = Locator::XPath("//button[normalize-space()='Join Joint text as co-sponsor']");
    unesco.wait().at_most(WAIT).for_element(join).await.expect("UNESCO is offered to join");
    let said = wait_for_text(&itu, "main", "named, not joined yet: UNESCO").await;
    assert!(said.contains("Sponsored by ITU (named"), "only ITU sponsors it so far");
    let view = server.view().await;
    let id = view["sections"][0]["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .find(|p| p["label"] == "Joint text")
        .expect("stored")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let editor = format!("textarea[data-focus-key=\"editor-{id}\"]");
    assert!(unesco.find(Locator::Css(&editor)).await.is_err(), "no editor before joining");
    unesco.find(join).await.expect("join").click().await.expect("join");
    unesco.wait().at_most(WAIT).for_element(Locator::Css(&editor)).await.expect("an editor once joined");
    wait_for_text(&itu, "main", "Sponsored by ITU, UNESCO").await;
    let stored = server.view().await;
    let stance = &stored["sections"][0]["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .find(|p| p["id"] == id.as_str())
        .expect("it")["stances"]["UNESCO"];
    assert_eq!(stance["sponsor"], true, "the server records UNESCO as joined: {stance}");
    driver.assert_no_console_errors(&itu, "ITU").await;
    driver.assert_no_console_errors(&unesco, "UNESCO").await;
    itu.close().await.expect("close");
    unesco.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn others_changes_are_highlighted_and_announced_to_screen_readers() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-announce");
    let driver = Driver::start().await;
    let alt1 = id_of(&server.view().await, 4, "Alt 1");
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/section/4", "table.matrix").await;
    let announce = chair.find(Locator::Css("#announce")).await.expect("the live region");
    assert_eq!(announce.attr("aria-live").await.expect("attr").as_deref(), Some("polite"));
    assert_eq!(announce.text().await.expect("text"), "", "nothing to say yet");

    let stance = json!({"stance": "object", "reason": "The wording prejudges member states' requests."});
    let path = format!("/api/proposals/{alt1}/stances/UNCTAD");
    let (status, answer) = server.call(Some("UNCTAD"), Method::PUT, &path, Some(stance)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let card = format!("section.proposal.recent[aria-labelledby=\"p-{alt1}\"]");
    chair.wait().at_most(WAIT).for_element(Locator::Css(&card)).await.expect("Alt 1's card is highlighted");
    let said = wait_for_text(&chair, "#announce", "§4 Alt 1: stances").await;
    assert!(said.starts_with("Changed by others:"), "{said}");
    driver.assert_no_console_errors(&chair, "the chair").await;
    chair.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chair_records_its_own_stance_from_the_desk() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-desk-stance");
    let driver = Driver::start().await;
    let before = proposal(&server.view().await, 4, "Alt 1")["stances"]["HLCP"].clone();
    assert_ne!(before["stance"], "support", "the chair does not support Alt 1 yet: {before}");
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/desk", "table.register").await;
    let desk4 = chair.find(Locator::Css("section[aria-labelledby=\"desk-4\"]")).await.expect("§4 on the desk");
    let summary =
        desk4.find(Locator::XPath(".//summary[normalize-space()='Your stance on Alt 1']")).await.expect("fold");
    summary.click().await.expect("open it");
    let form = desk4.find(Locator::Css("form[aria-label=\"Your stance on Alt 1\"]")).await.expect("the form");
    form.find(Locator::Css("input[value=\"support\"]")).await.expect("support").click().await.expect("choose");
    form.find(Locator::Css("button[type=\"submit\"]")).await.expect("submit").click().await.expect("record");
    let started = Instant::now();
    loop {
        let now = proposal(&server.view().await, 4, "Alt 1")["stances"]["HLCP"].clone();
        if now["stance"] == "support" {
            break;
        }
        assert!(started.elapsed() < WAIT, "the chair's stance was not stored: {now}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver.assert_no_console_errors(&chair, "the chair").await;
    chair.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_convergence_chart_steps_through_dated_time_and_marks_a_reopening() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-chart");
    let driver = Driver::start().await;
    let id = server.negotiation().await;
    let reason = json!({"reason": "The budget line is missing."});
    let path = format!("/api/negotiations/{id}/sections/2/reopen");
    let (status, answer) = server.call(Some("HLCP"), Method::POST, &path, Some(reason)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/desk", "table.register").await;
    let chart = Locator::Css("section[aria-labelledby=\"desk-2\"] svg.chart");
    chair.wait().at_most(WAIT).for_element(chart).await.expect("§2's chart");
    let scroll = "document.querySelector('section[aria-labelledby=\"desk-2\"] svg.chart').scrollIntoView()";
    chair.execute(scroll, vec![]).await.expect("scroll to it");
    screenshot(&chair, "desk-chart-reopened").await;
    let read = "const svg = document.querySelector('section[aria-labelledby=\"desk-2\"] svg.chart'); return { \
        lines: [...svg.querySelectorAll('polyline')].map((l) => l.getAttribute('points')), \
        dates: [...svg.querySelectorAll('text.date')].map((t) => t.textContent), \
        marks: [...svg.querySelectorAll('text.mark-label')].map((t) => t.textContent) };";
    let found = chair.execute(read, vec![]).await.expect("read the chart");
    let marks: Vec<&str> =
        found["marks"].as_array().expect("marks").iter().map(|m| m.as_str().expect("text")).collect();
    assert_eq!(marks.len(), 1, "one reopening marked: {found}");
    assert!(marks[0].ends_with("reopened"), "{found}");
    let dates: Vec<&str> =
        found["dates"].as_array().expect("dates").iter().map(|d| d.as_str().expect("text")).collect();
    assert!(dates.len() >= 2 && dates.len() <= 6, "a few dated ticks: {dates:?}");
    // The fixture runs over days in November, and the reopening is today: ticks name days, like "12 Nov".
    assert!(
        dates.iter().all(|d| d.split(' ').count() == 2 && d.split(' ').next().expect("day").parse::<u32>().is_ok()),
        "{dates:?}"
    );
    for line in found["lines"].as_array().expect("lines") {
        let points: Vec<(f64, f64)> = line
            .as_str()
            .expect("points")
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').expect("x,y");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect();
        assert!(points.len() >= 2, "{line}");
        for pair in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            assert!(x0 == x1 || y0 == y1, "a step line moves across or up, never slanting: {pair:?} in {line}");
            assert!(x1 >= x0, "time runs left to right: {line}");
        }
    }
    driver.assert_no_console_errors(&chair, "the chair").await;
    chair.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overview_marks_what_others_changed_since_the_last_visit() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-last-visit");
    let driver = Driver::start().await;
    let itu = driver.browser().await;
    sign_in(&itu, &server, "ITU").await;
    go(&itu, &server, "/", "ol.cards").await;
    assert!(itu.find(Locator::Css(".since-visit")).await.is_err(), "a first visit has nothing to compare with");
    itu.goto("about:blank").await.expect("leave");

    let alt1 = id_of(&server.view().await, 4, "Alt 1");
    let stance = json!({"stance": "object", "reason": "Too narrow."});
    let path = format!("/api/proposals/{alt1}/stances/DESA");
    let (status, _) = server.call(Some("DESA"), Method::PUT, &path, Some(stance)).await;
    assert_eq!(status, StatusCode::OK);
    let mine = json!({"stance": "support", "reason": ""});
    let (status, _) =
        server.call(Some("ITU"), Method::PUT, &format!("/api/proposals/{alt1}/stances/ITU"), Some(mine)).await;
    assert_eq!(status, StatusCode::OK);

    go(&itu, &server, "/", "ol.cards").await;
    let news = wait_for_text(&itu, "a.section-card[href=\"#/section/4\"] .since-visit", "Since your last visit").await;
    assert_eq!(news, "Since your last visit: 1 change(s) by DESA", "ITU's own stance is not news to ITU");
    let marked = itu.find_all(Locator::Css(".since-visit")).await.expect("marks");
    assert_eq!(marked.len(), 1, "only §4 changed");
    driver.assert_no_console_errors(&itu, "ITU").await;
    itu.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overview_refuses_approval_with_blockers_and_verifies_a_tampered_file() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-files");
    let driver = Driver::start().await;
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/", "section.files").await;
    let word = Locator::XPath("//section[contains(@class,'files')]//button[normalize-space()='Word']");
    chair.find(word).await.expect("Word for approval").click().await.expect("ask");
    let refused = wait_for_text(&chair, ".approval-refused", "not ready for approval").await;
    assert!(refused.contains("§4"), "names the open section: {refused}");

    // A Markdown export whose topic 1 someone changed, and the export as it was made.
    let id = server.negotiation().await;
    let url = format!("{}/api/negotiations/{id}/export?format=md", server.base);
    let exported = reqwest::Client::new().get(url).bearer_auth(server.token("HLCP")).send().await.expect("export");
    let exported = exported.text().await.expect("text");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("browser-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let tampered = dir.join("tampered.md");
    std::fs::write(&tampered, exported.replacen("strengthen the security", "weaken the security", 1)).expect("write");
    let circulated = dir.join("circulated.md");
    std::fs::write(&circulated, &exported).expect("write");

    let verify = chair.find(Locator::Css("#verify-file")).await.expect("the verify field");
    verify.send_keys(tampered.to_str().expect("path")).await.expect("choose");
    let said = wait_for_text(&chair, ".verdict", "does NOT say what version").await;
    assert!(said.contains("§1") && said.contains("[-strengthen-]{+weaken+}"), "{said}");

    let since = chair.find(Locator::Css("#since-file")).await.expect("the since field");
    since.send_keys(circulated.to_str().expect("path")).await.expect("choose");
    let link = Locator::Css("a.since-link");
    chair.wait().at_most(WAIT).for_element(link).await.expect("a link to the tracked changes");
    let href = chair.find(link).await.expect("link").attr("href").await.expect("attr").expect("href");
    let version = accord_export::file_version(exported.as_bytes()).expect("a version").version;
    // As encodeURIComponent writes a version: its ':' and ';' escaped, the rest (ids, hex, '.') as is.
    let expected = format!("against={}", version.replace(':', "%3A").replace(';', "%3B"));
    assert!(href.contains("format=docx") && href.contains(&expected), "{href} should ask for changes since {version}");
    driver
        .assert_no_console_errors_but(
            &chair,
            "the chair",
            "for_approval=true - Failed to load resource: the server responded with a status of 409",
        )
        .await;
    chair.close().await.expect("close");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passage_is_commented_on_with_the_keyboard_alone() {
    use fantoccini::key::Key;
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-keyboard-comment");
    let driver = Driver::start().await;
    let alt1 = id_of(&server.view().await, 4, "Alt 1");
    let text = proposal(&server.view().await, 4, "Alt 1")["text"].as_str().expect("text").to_string();
    let words: String = text.split(' ').skip(2).take(4).collect::<Vec<_>>().join(" ");
    assert_eq!(text.matches(&words).count(), 1, "the quoted words are in the text once: {words}");

    // DESA reads Alt 1 (not its sponsor): it quotes the passage, writes, and presses Enter on the button.
    let desa = driver.browser().await;
    sign_in(&desa, &server, "DESA").await;
    go(&desa, &server, "/section/4", "table.matrix").await;
    let card = desa.find(Locator::Css(&format!("section.proposal[aria-labelledby=\"p-{alt1}\"]"))).await.expect("card");
    card.find(Locator::Css("input.quote")).await.expect("quote").send_keys(&words).await.expect("quote the words");
    let comment = card.find(Locator::Css("input[aria-label^=\"Comment on\"]")).await.expect("comment field");
    comment.send_keys("Which requests count?").await.expect("write");
    comment.send_keys(&format!("{}", Key::Tab)).await.expect("tab to the button");
    let focused = desa.execute("return document.activeElement.textContent", vec![]).await.expect("focus");
    assert_eq!(focused, json!("Comment"), "the keyboard reaches the button");
    desa.active_element().await.expect("button").send_keys(&format!("{}", Key::Enter)).await.expect("press Enter");

    let started = Instant::now();
    let stored = loop {
        let view = server.view().await;
        let comments = proposal(&view, 4, "Alt 1")["comments"].as_array().expect("comments").clone();
        if let Some(found) = comments.iter().find(|c| c["text"] == "Which requests count?") {
            break found.clone();
        }
        assert!(started.elapsed() < WAIT, "the comment was not stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(stored["quote"].as_str(), Some(words.as_str()), "on the quoted passage: {stored}");
    driver.assert_no_console_errors(&desa, "DESA").await;
    desa.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desk_says_when_only_editorial_differences_remain() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-editorial-only");
    let driver = Driver::start().await;
    let id = server.negotiation().await;
    // §1 has one proposal; a second that only spells a word otherwise leaves an editorial difference.
    let alt1 = proposal(&server.view().await, 1, "Alt 1")["text"].as_str().expect("text").to_string();
    assert!(alt1.contains("organization"), "the fixture's Alt 1 of §1 has the word");
    let body = json!({"label": "Alt 2", "text": alt1.replacen("organization", "organisation", 1), "rationale": ""});
    let path = format!("/api/negotiations/{id}/sections/1/proposals");
    let (status, answer) = server.call(Some("ITU"), Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (_, compromise) =
        server.call(Some("HLCP"), Method::GET, &format!("/api/negotiations/{id}/sections/1/compromise"), None).await;
    assert_eq!(compromise["against_leading"]["editorial_only"], true, "{compromise}");
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/desk", "table.register").await;
    let said = wait_for_text(&chair, "section[aria-labelledby=\"desk-1\"] .against-leading", "Editorial only").await;
    assert!(said.contains("Alt 2: 0 substantive, 1 editorial change(s)"), "{said}");

    let four = wait_for_text(&chair, "section[aria-labelledby=\"desk-4\"] .against-leading", "substantive").await;
    assert!(!four.contains("Editorial only"), "topic 4's proposals differ in substance: {four}");
    let bracket = Locator::Css("section[aria-labelledby=\"desk-4\"] mark.bracket.substantive");
    let why = chair.find(bracket).await.expect("a substantive bracket in topic 4's draft").attr("title").await;
    assert!(why.expect("title").is_some_and(|why| !why.is_empty()), "the bracket says why");
    // On the section page, a redline marks substantive hunks only, with why.
    let view = server.view().await;
    let (alt1_id, alt2_id) = (id_of(&view, 1, "Alt 1"), id_of(&view, 1, "Alt 2"));
    go(&chair, &server, "/section/1", "main h1").await;
    let mode = format!("select[data-focus-key=\"mode-{alt2_id}\"]");
    chair.find(Locator::Css(&mode)).await.expect("mode switch").select_by_value(&alt1_id).await.expect("redline");
    chair.wait().at_most(WAIT).for_element(Locator::Css(".redline ins")).await.expect("the respelling shown");
    assert!(chair.find(Locator::Css(".redline mark.substantive")).await.is_err(), "a respelling is not substantive");
    go(&chair, &server, "/section/4", "table.matrix").await;
    let alt2_of_4 = id_of(&view, 4, "Alt 2");
    let mode = format!("select[data-focus-key=\"mode-{alt2_of_4}\"]");
    chair.find(Locator::Css(&mode)).await.expect("mode switch").select_by_value("base").await.expect("redline");
    let mark = Locator::Css(".redline mark.substantive");
    chair.wait().at_most(WAIT).for_element(mark).await.expect("topic 4's Alt 2 changes the base text in substance");
    let why = chair.find(mark).await.expect("mark").attr("title").await.expect("title").expect("a reason");
    assert!(why.starts_with("changes") || why.starts_with("adds") || why.starts_with("names"), "{why}");
    driver.assert_no_console_errors(&chair, "the chair").await;
    chair.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chair_makes_a_package_on_the_desk_and_the_overview_shows_it_provisional() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-package");
    let driver = Driver::start().await;
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/desk", "form.package-form").await;
    chair.find(Locator::Css("#package-sections")).await.expect("field").send_keys("1, 2").await.expect("type");
    chair.find(Locator::Css("form.package-form button")).await.expect("button").click().await.expect("make it");
    wait_for_text(&chair, "section.packages ul", "§1 + §2").await;
    assert_eq!(server.view().await["sections"][1]["provisional"], true, "stored: §2 is provisional");
    go(&chair, &server, "/", "ol.cards").await;
    let said = wait_for_text(&chair, "a.section-card[href=\"#/section/2\"] .package", "in a package with §1").await;
    assert!(said.starts_with("Agreed provisionally"), "{said}");
    driver.assert_no_console_errors(&chair, "the chair").await;
    chair.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desk_shows_silence_counting_down_pending_confirmations_and_a_package() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start("browser-procedures");
    let (id, view) = (server.negotiation().await, server.view().await);
    let (alt1_of_1, alt1_of_5) = (id_of(&view, 1, "Alt 1"), id_of(&view, 5, "Alt 1"));
    // UNSEC accepts §5's Alt 1 ad referendum for two days; the chair supports and adopts it.
    let in_two_days = humantime::format_rfc3339_seconds(std::time::SystemTime::now() + Duration::from_secs(2 * 86_400));
    let ad_ref = json!({"stance": "reserve", "reason": "HLCM to endorse", "ad_ref_until": in_two_days.to_string()});
    let stances = format!("/api/proposals/{alt1_of_5}/stances");
    assert_eq!(
        server.call(Some("UNSEC"), Method::PUT, &format!("{stances}/UNSEC"), Some(ad_ref)).await.0,
        StatusCode::OK
    );
    server.call(Some("HLCP"), Method::PUT, &format!("{stances}/HLCP"), Some(json!({"stance": "support"}))).await;
    let adopt = format!("/api/negotiations/{id}/sections/5/adopt");
    assert_eq!(
        server.call(Some("HLCP"), Method::POST, &adopt, Some(json!({"proposal": alt1_of_5}))).await.0,
        StatusCode::OK
    );
    let packages = format!("/api/negotiations/{id}/packages");
    server.call(Some("HLCP"), Method::POST, &packages, Some(json!({"sections": [1, 5]}))).await;

    let driver = Driver::start().await;
    let chair = driver.browser().await;
    sign_in(&chair, &server, "HLCP").await;
    go(&chair, &server, "/desk", "section.procedures").await;
    let pending = wait_for_text(&chair, "section.procedures ul.pending", "UNSEC must confirm by").await;
    assert!(pending.contains("closes in 1 day 23 h"), "counting down to the date: {pending}");
    wait_for_text(&chair, "section.packages ul", "§1 + §5").await;
    // The chair puts §1's Alt 1 under silence for three hours from the desk.
    let field = format!("#silence-{alt1_of_1}");
    let set = "const f = document.querySelector(arguments[0]); const t = new Date(Date.now() + 3 * 3600e3 + 120e3); \
               t.setSeconds(0, 0); f.value = new Date(t - t.getTimezoneOffset() * 60e3).toISOString().slice(0, 16); \
               f.dispatchEvent(new Event('input'));";
    chair.execute(set, vec![json!(field)]).await.expect("a time three hours ahead");
    let form = chair.find(Locator::Css(&field)).await.expect("field").find(Locator::XPath("..")).await.expect("form");
    form.find(Locator::Css("button")).await.expect("button").click().await.expect("put under silence");
    let silence = wait_for_text(&chair, "section.procedures ul.silences", "§1 Alt 1 under silence until").await;
    assert!(silence.contains("silence closes in 3 h"), "{silence}");
    let stored = &server.view().await["sections"][0]["silence"];
    assert_eq!(stored["by"], "HLCP", "stored: {stored}");
    assert!(chair.find(Locator::Css(&field)).await.is_err(), "no second silence while one runs");
    assert!(axe_violations(&chair).await.is_empty(), "the desk stays accessible");
    driver.assert_no_console_errors(&chair, "the chair").await;
    chair.close().await.expect("close");
}

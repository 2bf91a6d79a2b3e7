//! End-to-end tests of the automerge-repo endpoint at `/sync`: the real
//! server, the real `accord sync` client on its own stores, raw WebSocket
//! frames, and the official JavaScript client (`@automerge/automerge-repo`
//! from npm, installed into tests/js by scripts/test.sh).

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Server, accord, fresh_store, id_of, proposal};
use tokio_tungstenite::tungstenite::Message;

/// `accord sync` of `store` with the server as `code`; its standard output.
fn sync(store: &Path, server: &Server, code: &str) -> String {
    accord(store, &["sync", "--server", &server.base, "--token", server.token(code)])
}

/// Replaces a proposal's text in a local store, as `code`, without the server.
fn edit_offline(store: &Path, proposal: &str, code: &str, text: &str) {
    let file = store.join(format!("edit-{code}.txt"));
    std::fs::write(&file, text).expect("write text");
    accord(store, &["edit", "--proposal", proposal, "--as", code, "--text-file", file.to_str().expect("utf-8 path")]);
}

/// The negotiation as a local store shows it (the same JSON as the server's view).
fn local_view(store: &Path) -> Value {
    serde_json::from_str(&accord(store, &["status", "--json"])).expect("status --json")
}

#[tokio::test(flavor = "multi_thread")]
async fn three_sponsors_edit_one_proposal_over_the_api_and_sync_one_offline_and_all_converge() {
    let server = Server::start("sync-three");
    let id = server.negotiation().await;
    let base = "Alpha one. Bravo two. Charlie three.";
    let path = format!("/api/negotiations/{id}/sections/4/proposals");
    let body = json!({"label": "Joint", "text": base, "rationale": "one text", "cosponsors": ["UNCTAD", "OHCHR"]});
    let (status, created) = server.call(Some("DESA"), Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let joint = created["id"].as_str().expect("id").to_string();
    // Named co-sponsors edit once they join.
    for who in ["UNCTAD", "OHCHR"] {
        let (status, joined) =
            server.call(Some(who), Method::POST, &format!("/api/proposals/{joint}/cosponsor"), Some(json!({}))).await;
        assert!(status.is_success(), "{joined}");
    }

    let ohchr = fresh_store("sync-three-ohchr");
    let unctad = fresh_store("sync-three-unctad");
    assert!(sync(&ohchr, &server, "OHCHR").contains("as OHCHR"));
    sync(&unctad, &server, "UNCTAD");

    // OHCHR goes offline and edits the start.
    edit_offline(&ohchr, &joint, "OHCHR", &base.replace("Alpha", "Amended"));
    // DESA edits the middle over the JSON API, from the heads it last saw.
    let heads = proposal(&server.view().await, 4, "Joint")["heads"].clone();
    let edit = json!({"text": base.replace("Bravo", "Better"), "base_heads": heads});
    let (status, edited) =
        server.call(Some("DESA"), Method::PUT, &format!("/api/proposals/{joint}/text"), Some(edit)).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    // UNCTAD edits the end and syncs at once.
    edit_offline(&unctad, &joint, "UNCTAD", &base.replace("Charlie", "Closing"));
    sync(&unctad, &server, "UNCTAD");
    // OHCHR comes back; UNCTAD syncs once more to receive OHCHR's words.
    sync(&ohchr, &server, "OHCHR");
    sync(&unctad, &server, "UNCTAD");

    let view = server.view().await;
    let expected = base.replace("Alpha", "Amended").replace("Bravo", "Better").replace("Charlie", "Closing");
    assert_eq!(proposal(&view, 4, "Joint")["text"], expected.as_str());
    assert_eq!(local_view(&ohchr), view, "OHCHR's copy and the server agree");
    assert_eq!(local_view(&unctad), view, "UNCTAD's copy and the server agree");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_takes_from_a_peer_only_the_documents_it_may_write() {
    let server = Server::start("sync-rules");
    let before = server.view().await;
    let alt1 = id_of(&before, 4, "Alt 1");
    let desa = fresh_store("sync-rules-desa");
    sync(&desa, &server, "DESA");

    // DESA's own stance is DESA's to write. Its local copy also gets a stance
    // forged for UNESCO, an edit of UNSEC's proposal and a section added as
    // the chair: a local store has no tokens, but the server does.
    accord(&desa, &["stance", "--proposal", &alt1, "--as", "DESA", "support"]);
    accord(&desa, &["stance", "--proposal", &alt1, "--as", "UNESCO", "object", "--reason", "forged"]);
    edit_offline(&desa, &alt1, "UNSEC", "Forged text.");
    let section_text = desa.join("section.txt");
    std::fs::write(&section_text, "Forged section.").expect("write");
    let section_args = ["add-section", "--as", "HLCP", "--number", "6", "--title", "Forged", "--lead", "ITU"];
    let mut args: Vec<&str> = section_args.to_vec();
    args.extend(["--text-file", section_text.to_str().expect("utf-8")]);
    accord(&desa, &args);

    // Documents DESA may not write are shared read-only: the protocol keeps DESA's client from sending them.
    let out = sync(&desa, &server, "DESA");
    assert_eq!(out.matches("not sent").count(), 3, "UNESCO's document, UNSEC's proposal, the negotiation: {out}");

    let after = server.view().await;
    let alt1_after = proposal(&after, 4, "Alt 1");
    assert_eq!(alt1_after["stances"]["DESA"]["stance"], "support", "DESA's own stance arrived");
    assert_eq!(alt1_after["text"], proposal(&before, 4, "Alt 1")["text"], "UNSEC's text is untouched");
    assert_eq!(alt1_after["stances"]["UNESCO"], proposal(&before, 4, "Alt 1")["stances"]["UNESCO"]);
    assert_eq!(after["sections"].as_array().expect("sections").len(), 5, "no section added");

    // Not even the chair writes the negotiation document over sync: it goes through the API,
    // where an adoption must meet the consensus rule.
    let chair = fresh_store("sync-rules-chair");
    sync(&chair, &server, "HLCP");
    let mut args: Vec<&str> = section_args.to_vec();
    args.extend(["--text-file", section_text.to_str().expect("utf-8")]);
    accord(&chair, &args);
    let (_, health) = server.call(None, Method::GET, "/api/health", None).await;
    let refused_before = health["sync"]["refused"].as_u64().expect("a count");
    let out = sync(&chair, &server, "HLCP");
    assert!(out.contains("written through the API"), "{out}");
    let (_, health) = server.call(None, Method::GET, "/api/health", None).await;
    assert!(health["sync"]["refused"].as_u64().expect("a count") > refused_before, "the refusal reached the server");
    let sections = server.view().await["sections"].as_array().expect("sections").len();
    assert_eq!(sections, 5, "no section added over sync");
}

/// The join message of the automerge-repo protocol (CBOR), claiming to be `sender`.
fn join_message(sender: &str) -> Vec<u8> {
    let mut cbor = vec![0xa3, 0x64];
    cbor.extend(b"type");
    cbor.push(0x64);
    cbor.extend(b"join");
    cbor.push(0x68);
    cbor.extend(b"senderId");
    let length = u8::try_from(sender.len()).expect("an id under 256 bytes");
    if length < 24 {
        cbor.push(0x60 + length);
    } else {
        cbor.extend([0x78, length]);
    }
    cbor.extend(sender.as_bytes());
    cbor.extend([0x78, 0x19]);
    cbor.extend(b"supportedProtocolVersions");
    cbor.extend([0x81, 0x61, b'1']);
    cbor
}

/// Sends `frames` on a sync socket opened with `code`'s token; whether the server then closed it.
async fn closed_after(server: &Server, code: &str, frames: Vec<Message>) -> bool {
    let url = format!("{}/sync?token={}", server.base.replacen("http", "ws", 1), server.token(code));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("upgrade");
    for frame in frames {
        if socket.send(frame).await.is_err() {
            return true;
        }
    }
    let until_closed = async {
        while let Some(message) = socket.next().await {
            if matches!(message, Err(_) | Ok(Message::Close(_))) {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), until_closed).await.is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_connections_need_a_token_are_pinned_to_it_and_survive_bad_frames() {
    let server = Server::start("sync-bad");
    let before = server.view().await;
    let client = reqwest::Client::new();
    for (query, expected) in [("", StatusCode::UNAUTHORIZED), ("?token=nope", StatusCode::UNAUTHORIZED)] {
        let response = client.get(format!("{}/sync{query}", server.base)).send().await.expect("sent");
        assert_eq!(response.status(), expected, "/sync{query}");
    }
    let plain = client.get(format!("{}/sync?token={}", server.base, server.token("DESA"))).send().await.expect("sent");
    assert_eq!(plain.status(), StatusCode::BAD_REQUEST, "a GET that is not a WebSocket upgrade");

    let desa_peer = format!("accord:{}:DESA", server.negotiation().await);
    let itu_peer = format!("accord:{}:ITU", server.negotiation().await);
    assert!(closed_after(&server, "DESA", vec![Message::binary(join_message(&itu_peer))]).await, "ITU's peer id");
    assert!(!closed_after_quickly(&server, "DESA", join_message(&desa_peer)).await, "its own peer id is welcome");
    let bad_frames = [
        vec![Message::binary(vec![0xff, 0x00, 0x13, 0x37])],
        vec![Message::binary(join_message(&desa_peer)), Message::binary(b"\xa1\x64type\x64sync".to_vec())],
        vec![Message::binary(vec![0u8; 17 * 1024 * 1024])],
    ];
    for frames in bad_frames {
        assert!(closed_after(&server, "DESA", frames).await, "a bad frame closes the connection");
    }
    let (status, health) = server.call(None, Method::GET, "/api/health", None).await;
    assert_eq!(status, StatusCode::OK, "the server still serves");
    assert_eq!(health["sync"]["running"], true, "{health}");
    assert_eq!(health["sync"]["refused"], 0, "{health}");
    assert_eq!(server.view().await, before, "and nothing changed");
}

/// Whether the server closes a socket within a second of `join` (it should not, for the right peer id).
async fn closed_after_quickly(server: &Server, code: &str, join: Vec<u8>) -> bool {
    let url = format!("{}/sync?token={}", server.base.replacen("http", "ws", 1), server.token(code));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("upgrade");
    socket.send(Message::binary(join)).await.expect("send join");
    let first = tokio::time::timeout(Duration::from_secs(5), socket.next()).await.expect("an answer to join");
    assert!(matches!(first, Some(Ok(Message::Binary(_)))), "a peer message answers the join: {first:?}");
    let closed = tokio::time::timeout(Duration::from_secs(1), socket.next()).await;
    matches!(closed, Ok(None | Some(Err(_) | Ok(Message::Close(_)))))
}

/// How the JavaScript client is run.
#[derive(Clone, Copy, PartialEq)]
enum Js {
    /// Edit; the server must take it.
    Edit,
    /// Edit; the server must ignore it.
    ExpectIgnored,
    /// First list the proposal as sponsored in one's own participant document, then edit.
    Claim,
}

/// Runs a script of tests/js (the official npm client) as `code` with `args`:
/// whether it exited successfully, and the JSON report it printed last.
fn run_js(script: &str, server: &Server, code: &str, args: &[&str]) -> (bool, Value) {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/js");
    assert!(
        js.join("node_modules/@automerge/automerge-repo").exists(),
        "the npm client is not installed: run scripts/test.sh, or npm ci --prefix tests/js"
    );
    let output = Command::new("node")
        .arg(js.join(script))
        .args(["--server", &server.base, "--token", server.token(code)])
        .args(args)
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout);
    let line = report.lines().last().unwrap_or_default();
    let parsed = serde_json::from_str(line)
        .unwrap_or_else(|_| panic!("no JSON report: {report} {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.success(), parsed)
}

/// Runs tests/js/sync-client.mjs: reads, then appends `append` to `proposal` as `mode` says.
fn js_client(server: &Server, code: &str, proposal: &str, append: &str, mode: Js) -> (bool, Value) {
    let mut args = vec!["--proposal", proposal, "--append", append];
    match mode {
        Js::Edit => {}
        Js::ExpectIgnored => args.push("--expect-ignored"),
        Js::Claim => args.push("--claim"),
    }
    run_js("sync-client.mjs", server, code, &args)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_javascript_client_reads_edits_and_is_held_to_the_same_rules() {
    let server = Server::start("sync-js");
    let id = server.negotiation().await;
    let alt3 = id_of(&server.view().await, 4, "Alt 3");

    let (ok, report) = js_client(&server, "OHCHR", &alt3, " Reviewed by OHCHR.", Js::Edit);
    assert!(ok, "OHCHR sponsors Alt 3: {report}");
    assert_eq!(report["title"], server.view().await["title"], "it read the negotiation document");
    let text = proposal(&server.view().await, 4, "Alt 3")["text"].as_str().expect("text").to_string();
    assert!(text.ends_with(" Reviewed by OHCHR."), "the server has the edit: {text}");
    let cli = serde_json::from_str::<Value>(&accord(&server.store, &["status", "--json"])).expect("json");
    assert_eq!(proposal(&cli, 4, "Alt 3")["text"], text.as_str(), "so does the CLI, on the server's store");

    let (ok, report) = js_client(&server, "ITU", &alt3, " Hijacked.", Js::ExpectIgnored);
    assert!(ok, "ITU does not sponsor Alt 3: the server ignores its edit: {report}");

    // A second negotiation in the same store: ITU's token does not open it.
    let other_id = accord(&server.store, &["init", "--title", "Another negotiation", "--chair", "BOSS"]);
    assert_ne!(other_id, id);
    let (ok, report) = js_client(&server, "ITU", &other_id, " Nosy.", Js::Edit);
    assert!(!ok, "a document outside the token's negotiation is not served: {report}");
    assert!(report["error"].as_str().unwrap_or_default().contains("unavailable"), "{report}");

    // Listing it as sponsored in ITU's own document (which ITU may write) does not open it either.
    let before = accord(&server.store, &["status", "--json", "--negotiation", &other_id]);
    let (ok, report) = js_client(&server, "ITU", &other_id, " Nosy.", Js::Claim);
    assert!(!ok, "a claimed document of another negotiation is not served: {report}");
    assert!(report["error"].as_str().unwrap_or_default().contains("unavailable"), "{report}");
    let after = accord(&server.store, &["status", "--json", "--negotiation", &other_id]);
    assert_eq!(before, after, "the other negotiation is unchanged");
    server.view().await;
}

/// Runs a hostile participant's attack with the official JavaScript client (tests/js/attack.mjs).
fn js_attack(server: &Server, code: &str, attack: &str) -> (bool, Value) {
    run_js("attack.mjs", server, code, &["--attack", attack])
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_changes_from_the_official_client_are_refused_and_change_nothing() {
    let server = Server::start("sync-attacks");
    let id = server.negotiation().await;
    let attacks = [
        ("HLCP", "forge-agreement", "written through the API"),
        ("ITU", "demote", "written through the API"),
        ("HLCP", "heads-as-text", "written through the API"),
        ("UNDP", "huge", "the most a change may be is 1048576"),
        ("UNODC", "forged-note", "the change says HLCP made it, but UNODC sent it"),
    ];
    for (code, attack, reason) in attacks {
        let view = server.view().await;
        let export =
            server.call(Some("HLCP"), Method::GET, &format!("/api/negotiations/{id}/export?format=md"), None).await;
        let history = server.call(Some("HLCP"), Method::GET, &format!("/api/negotiations/{id}/history"), None).await;
        let (_, health) = server.call(None, Method::GET, "/api/health", None).await;
        let refused_before = health["sync"]["refused"].as_u64().expect("a count");

        let (ok, report) = js_attack(&server, code, attack);
        assert!(ok && report["sent"] == true, "{attack} by {code}: {report}");
        let reasons: Vec<&str> =
            report["refused"].as_array().expect("refusals").iter().filter_map(|r| r["reason"].as_str()).collect();
        assert!(reasons.iter().any(|r| r.contains(reason)), "{attack} by {code}: refused because {reason:?}: {report}");
        // Proof it arrived: the server counted the refusal.
        let (status, health) = server.call(None, Method::GET, "/api/health", None).await;
        assert_eq!(status, StatusCode::OK, "the server answers");
        assert!(health["sync"]["refused"].as_u64().expect("a count") > refused_before, "{attack}: {health}");
        // And nothing changed: view, export, history.
        assert_eq!(server.view().await, view, "{attack}: the view is unchanged");
        let export_after =
            server.call(Some("HLCP"), Method::GET, &format!("/api/negotiations/{id}/export?format=md"), None).await;
        assert_eq!(export_after, export, "{attack}: the export is unchanged");
        let history_after =
            server.call(Some("HLCP"), Method::GET, &format!("/api/negotiations/{id}/history"), None).await;
        assert_eq!(history_after, history, "{attack}: the history is unchanged");
    }
    let history = accord(&server.store, &["history", "--section", "4"]);
    assert!(!history.contains("adopted Alt 3"), "no forged adoption in history: {history}");

    // 30 MB in one sync message: the server closes the connection before it is read whole.
    let view = server.view().await;
    let (ok, report) = js_attack(&server, "UNDP", "flood");
    assert!(ok && report["sent"] == true && report["closed"] == true, "{report}");
    let (status, _) = server.call(None, Method::GET, "/api/health", None).await;
    assert_eq!(status, StatusCode::OK, "the server answers");
    assert_eq!(server.view().await, view, "flood: the view is unchanged");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_co_sponsor_may_write_over_an_open_connection_once_it_joins() {
    let server = Server::start("sync-cosponsor");
    let id = server.negotiation().await;
    let path = format!("/api/negotiations/{id}/sections/4/proposals");
    let body = json!({"label": "Joint", "text": "Alpha one.", "rationale": "", "cosponsors": ["UNCTAD"]});
    let (status, created) = server.call(Some("DESA"), Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let joint = created["id"].as_str().expect("id").to_string();

    let (ok, report) = run_js("cosponsor.mjs", &server, "UNCTAD", &["--proposal", &joint]);
    assert!(ok, "{report}");
    let reason = report["refused_before"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("UNCTAD does not sponsor Joint (or has not joined it)"), "{report}");
    assert_eq!(report["refused_after"], json!([]), "after joining nothing is refused: {report}");

    let view = server.view().await;
    let joint = proposal(&view, 4, "Joint");
    assert_eq!(joint["text"], "Alpha one. After joining.", "only the edit made after joining is in: {joint}");
    assert_eq!(joint["stances"]["UNCTAD"]["sponsor"], true, "UNCTAD sponsors it now");
}

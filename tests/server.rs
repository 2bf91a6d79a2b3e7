//! End-to-end tests of `accord serve`: the real binary on 127.0.0.1:0 over a
//! real SQLite store, driven with a real HTTP client and WebSocket client.
//! Authorization rules, concurrent edits, bad input, live updates, and
//! acknowledged writes surviving `kill -9`.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::{Server, accord, fresh_store, id_of, proposal};

#[tokio::test]
async fn signing_in_sets_a_cookie_that_authenticates() {
    let server = Server::start("signin");
    let (status, body) = server.call(None, Method::GET, "/api/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"].as_str().expect("error").contains("sign in"));
    let client = Client::builder().cookie_store(true).build().expect("client");
    let bad =
        client.post(format!("{}/api/session", server.base)).json(&json!({"token": "nope"})).send().await.expect("sent");
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let good = client
        .post(format!("{}/api/session", server.base))
        .json(&json!({"token": server.token("ITU")}))
        .send()
        .await
        .expect("sent");
    assert_eq!(good.status(), StatusCode::OK);
    let me: Value =
        client.get(format!("{}/api/me", server.base)).send().await.expect("sent").json().await.expect("json");
    assert_eq!(me["participant"], "ITU");
    assert_eq!(me["role"], "convenor");
}

#[tokio::test]
async fn every_write_is_authorized_by_the_rules() {
    let server = Server::start("rules");
    let view = server.view().await;
    let negotiation = view["id"].as_str().expect("id").to_string();
    let alt1 = id_of(&view, 4, "Alt 1");
    let topic1 = id_of(&view, 1, "Alt 1");
    let stance = |code: &str| format!("/api/proposals/{alt1}/stances/{code}");
    let text = json!({"text": "Hijacked wording.", "base_heads": proposal(&view, 4, "Alt 1")["heads"]});
    let cases: Vec<(&str, Method, String, Value, StatusCode, &str)> = vec![
        (
            "ITU",
            Method::PUT,
            stance("UNESCO"),
            json!({"stance": "support"}),
            StatusCode::FORBIDDEN,
            "only your own stance",
        ),
        (
            "DESA",
            Method::PUT,
            format!("/api/proposals/{alt1}/text"),
            text.clone(),
            StatusCode::FORBIDDEN,
            "not a sponsor",
        ),
        ("UNU", Method::PUT, stance("UNU"), json!({"stance": "support"}), StatusCode::FORBIDDEN, "observer"),
        (
            "UNU",
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/4/proposals"),
            json!({"label": "Alt 9", "text": "x"}),
            StatusCode::FORBIDDEN,
            "observer",
        ),
        (
            "DESA",
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/1/adopt"),
            json!({"proposal": topic1}),
            StatusCode::FORBIDDEN,
            "only the chair or a convenor",
        ),
        ("DESA", Method::PUT, stance("DESA"), json!({"stance": "object"}), StatusCode::BAD_REQUEST, "needs a reason"),
        (
            "DESA",
            Method::PUT,
            stance("DESA"),
            json!({"stance": "object", "reason": "no\u{1b}[2J"}),
            StatusCode::BAD_REQUEST,
            "U+001B at character 3",
        ),
        (
            "UNSEC",
            Method::PUT,
            format!("/api/proposals/{alt1}/text"),
            json!({"text": "A bell \u{7}.", "base_heads": proposal(&view, 4, "Alt 1")["heads"]}),
            StatusCode::BAD_REQUEST,
            "U+0007 at character 8",
        ),
        (
            "ITU",
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/4/proposals"),
            json!({"label": "Alt\u{0}9", "text": "x"}),
            StatusCode::BAD_REQUEST,
            "the label holds a character that is not allowed",
        ),
        (
            "HLCP",
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/4/adopt"),
            json!({"proposal": alt1}),
            StatusCode::CONFLICT,
            "objects",
        ),
    ];
    for (who, method, path, body, status, message) in cases {
        let (got, answer) = server.call(Some(who), method, &path, Some(body)).await;
        assert_eq!(got, status, "{who} {path}: {answer}");
        assert!(answer["error"].as_str().expect("error").contains(message), "{who} {path}: {answer}");
    }
    assert_eq!(server.view().await, view, "refused writes changed nothing");

    let (status, answer) =
        server.call(Some("UNSEC"), Method::PUT, &format!("/api/proposals/{alt1}/text"), Some(text)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["text"], "Hijacked wording.");
    let (status, _) =
        server.call(Some("ITU"), Method::PUT, &stance("ITU"), Some(json!({"stance": "can-live-with"}))).await;
    assert_eq!(status, StatusCode::OK);
    let adopt = format!("/api/negotiations/{negotiation}/sections/1/adopt");
    let (status, answer) = server.call(Some("UNESCO"), Method::POST, &adopt, Some(json!({"proposal": topic1}))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["section"]["status"], "agreed");
}

#[tokio::test]
async fn three_sponsors_editing_at_once_all_keep_their_words() {
    let server = Server::start("concurrent");
    let negotiation = server.negotiation().await;
    let body =
        json!({"label": "Alt 4", "text": "The agencies will support member states.", "cosponsors": ["UNESCO", "DESA"]});
    let path = format!("/api/negotiations/{negotiation}/sections/4/proposals");
    let (status, created) = server.call(Some("ITU"), Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    for who in ["UNESCO", "DESA"] {
        let (status, answer) =
            server.call(Some(who), Method::POST, &format!("/api/proposals/{id}/cosponsor"), Some(json!({}))).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    }
    let base = proposal(&server.view().await, 4, "Alt 4")["heads"].clone();
    let edit = |who: &'static str, text: &'static str| {
        let body = json!({"text": text, "base_heads": base});
        let path = format!("/api/proposals/{id}/text");
        let server = &server;
        async move { server.call(Some(who), Method::PUT, &path, Some(body)).await }
    };
    let (a, b, c) = tokio::join!(
        edit("ITU", "The agencies will jointly support member states."),
        edit("UNESCO", "The UN agencies will support member states."),
        edit("DESA", "The agencies will support member states and stakeholders."),
    );
    for (status, answer) in [&a, &b, &c] {
        assert_eq!(*status, StatusCode::OK, "{answer}");
    }
    let text = proposal(&server.view().await, 4, "Alt 4")["text"].as_str().expect("text").to_string();
    assert_eq!(text, "The UN agencies will jointly support member states and stakeholders.");
}

#[tokio::test]
async fn malformed_requests_get_4xx_json_errors_and_change_nothing() {
    let server = Server::start("bad-input");
    let view = server.view().await;
    let negotiation = view["id"].as_str().expect("id").to_string();
    let alt1 = id_of(&view, 4, "Alt 1");
    let url = |path: &str| format!("{}{path}", server.base);
    let auth = format!("Bearer {}", server.token("UNSEC"));
    let text_path = format!("/api/proposals/{alt1}/text");
    let stance_path = format!("/api/proposals/{alt1}/stances/UNSEC");
    let heads = proposal(&view, 4, "Alt 1")["heads"].clone();
    let client = Client::new();
    type Case = (Method, String, &'static str, Vec<u8>, StatusCode);
    let cases: Vec<Case> = vec![
        (Method::PUT, text_path.clone(), "text/plain", b"hello".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (Method::PUT, text_path.clone(), "application/json", b"{not json".to_vec(), StatusCode::BAD_REQUEST),
        (Method::PUT, text_path.clone(), "application/json", vec![b'"', 0xff, 0xfe, b'"'], StatusCode::BAD_REQUEST),
        (
            Method::PUT,
            text_path.clone(),
            "application/json",
            br#"{"text": 5, "base_heads": []}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            text_path.clone(),
            "application/json",
            br#"{"text": "x", "base_heads": ["zz"]}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            text_path.clone(),
            "application/json",
            json!({"text": "x", "base_heads": ["ab".repeat(32)]}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            text_path.clone(),
            "application/json",
            json!({"text": "x".repeat(300_000), "base_heads": heads}).to_string().into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Method::PUT,
            text_path.clone(),
            "application/json",
            json!({"text": "x", "base_heads": [], "extra": 1}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            stance_path.clone(),
            "application/json",
            br#"{"stance": "maybe"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            text_path.clone(),
            "application/json",
            br#"{"text": "x", "base_heads": []}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            "/api/proposals/not-an-id/text".into(),
            "application/json",
            b"{}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            format!("/api/proposals/{}/text", negotiation),
            "application/json",
            json!({"text": "x", "base_heads": []}).to_string().into_bytes(),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/four/adopt"),
            "application/json",
            b"{}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/+4/proposals"),
            "application/json",
            json!({"label": "Alt 9", "text": "x"}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/04/proposals"),
            "application/json",
            json!({"label": "Alt 9", "text": "x"}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/4/proposals"),
            "application/json",
            json!({"label": "Alt 9", "text": "   "}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            format!("/api/negotiations/{negotiation}/sections/2/proposals"),
            "application/json",
            json!({"label": "Alt 9", "text": "Too late: section 2 is agreed."}).to_string().into_bytes(),
            StatusCode::CONFLICT,
        ),
        (
            Method::GET,
            "/api/negotiations/2222222222222222222222222/history".into(),
            "application/json",
            vec![],
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            format!("/api/negotiations/{negotiation}/export?format=pdf"),
            "application/json",
            vec![],
            StatusCode::BAD_REQUEST,
        ),
        (Method::GET, "/api/no/such/route".into(), "application/json", vec![], StatusCode::NOT_FOUND),
        (Method::DELETE, "/api/me".into(), "application/json", vec![], StatusCode::METHOD_NOT_ALLOWED),
        (Method::GET, "/not-the-api".into(), "application/json", vec![], StatusCode::NOT_FOUND),
    ];
    for (method, path, content_type, body, expected) in cases {
        let response = client
            .request(method.clone(), url(&path))
            .header("authorization", &auth)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("sent");
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, expected, "{method} {path}: {answer}");
        assert!(answer["error"].is_string(), "{method} {path}: a JSON error, got {answer}");
    }
    assert_eq!(server.view().await, view, "malformed requests changed nothing");
}

#[tokio::test]
async fn the_live_socket_pushes_each_stored_change() {
    let server = Server::start("live");
    let view = server.view().await;
    let negotiation = view["id"].as_str().expect("id");
    let alt3 = id_of(&view, 4, "Alt 3");
    let (mut socket, first) = live_socket(&server, negotiation, "HLCP").await;
    let (_, tag_before, _) = view_if_none_match(&server, negotiation, None).await;
    assert_eq!(first["etag"], tag_before.as_str(), "the socket's view names its version as GET does");
    let presence = next(&mut socket).await;
    assert_eq!(presence, json!({"type": "presence", "present": ["HLCP"]}));
    let path = format!("/api/proposals/{alt3}/stances/HLCP");
    let (status, _) = server.call(Some("HLCP"), Method::PUT, &path, Some(json!({"stance": "support"}))).await;
    assert_eq!(status, StatusCode::OK);
    let changed = next(&mut socket).await;
    assert_eq!(changed["type"], "changed");
    assert_eq!(changed["by"], "HLCP");
    let hlcp_document = view["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["code"] == "HLCP")
        .expect("HLCP")["document"]
        .clone();
    assert_eq!(changed["documents"], json!([hlcp_document]), "only HLCP's own document changed");
    // A patch follows: the one section that changed and the one proposal, with the stance.
    let patched = next(&mut socket).await;
    assert_eq!(patched["type"], "patch", "{patched}");
    assert_eq!(patched["seq"], changed["seq"]);
    let patch = &patched["patch"];
    let sections: Vec<&Value> = patch["sections"].as_array().expect("a patch").iter().collect();
    assert_eq!(sections.len(), 1, "{patch}");
    assert_eq!(sections[0]["number"], 4);
    assert!(sections[0].get("proposals").is_none(), "the section's proposals are named, not sent: {patch}");
    assert_eq!(patch["proposals"].as_array().map(Vec::len), Some(1), "only Alt 3 changed: {changed}");
    assert_eq!(patch["proposals"][0]["id"], alt3.as_str());
    assert_eq!(patch["proposals"][0]["stances"]["HLCP"]["stance"], "support");
    assert!(patch["proposals"][0].get("text").is_none(), "its text did not change: {changed}");
    assert_eq!(patch["numbers"], json!([1, 2, 3, 4, 5]));
    assert!(patch.get("negotiation").is_none(), "participants and title did not change");
    let (_, tag_after, _) = view_if_none_match(&server, negotiation, None).await;
    assert_eq!(patch["from"], tag_before.as_str(), "the patch applies to the version held");
    assert_eq!(patch["to"], tag_after.as_str(), "and leads to the version GET gives now");
    let after_stance = server.view().await;
    assert_eq!(proposal(&after_stance, 4, "Alt 3")["stances"]["HLCP"]["stance"], "support");
    assert_eq!(apply_patch(&view, patch, &[]), after_stance, "the view held, patched, is the view now");

    // Two quick edits by a sponsor: each arrives at once with the proposal's heads, the first
    // with its whole text, the second as what it changed in the first; patches follow after a
    // pause (one for both when they come within it).
    let alt1 = id_of(&view, 4, "Alt 1");
    let mut heads = proposal(&view, 4, "Alt 1")["heads"].clone();
    let mut messages = Vec::new();
    for text in ["Edited live.", "Edited live, twice."] {
        let body = json!({"text": text, "base_heads": heads});
        let (status, edited) =
            server.call(Some("UNSEC"), Method::PUT, &format!("/api/proposals/{alt1}/text"), Some(body)).await;
        assert_eq!(status, StatusCode::OK);
        let expected = match text {
            "Edited live." => json!([{"id": alt1, "text": text, "heads": edited["heads"]}]),
            _ => {
                json!([{"id": alt1, "heads": edited["heads"], "from": heads, "at": 11, "delete": 0, "insert": ", twice"}])
            }
        };
        heads = edited["heads"].clone();
        loop {
            let message = next(&mut socket).await;
            let done = message["type"] == "changed";
            if done {
                assert_eq!(message["proposals"], expected);
            }
            messages.push(message);
            if done {
                break;
            }
        }
    }
    let (_, tag_now, _) = view_if_none_match(&server, negotiation, None).await;
    let mut held = after_stance.clone();
    let mut from = tag_after.clone();
    while from != tag_now {
        let message = match messages.iter().position(|m| m["type"] == "patch") {
            Some(at) => messages.remove(at),
            None => next(&mut socket).await,
        };
        if message["type"] != "patch" {
            continue;
        }
        let patch = &message["patch"];
        assert_eq!(patch["from"], from.as_str(), "each patch starts from the version the last one led to");
        assert!(patch["sections"][0].get("base_text").is_none(), "the base text did not change: {patch}");
        let alt1_fields = patch["proposals"].as_array().expect("proposals").iter().find(|p| p["id"] == alt1.as_str());
        let alt1_fields = alt1_fields.expect("Alt 1 changed");
        assert!(alt1_fields.get("heads").is_some() && alt1_fields.get("text").is_none(), "heads, not the text again");
        held = apply_patch(&held, patch, &messages);
        from = patch["to"].as_str().expect("to").to_string();
    }
    assert_eq!(proposal(&held, 4, "Alt 1")["text"], "Edited live, twice.");
    assert_eq!(held, server.view().await, "the patches lead to the view now");

    let (second, _) = live_socket(&server, negotiation, "ITU").await;
    assert_eq!(next(&mut socket).await, json!({"type": "presence", "present": ["HLCP", "ITU"]}));
    drop(second);
    assert_eq!(next(&mut socket).await, json!({"type": "presence", "present": ["HLCP"]}));
}

#[tokio::test]
async fn a_cursor_sent_on_the_live_socket_reaches_the_others_with_who_sent_it() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let server = Server::start("cursors");
    let view = server.view().await;
    let negotiation = view["id"].as_str().expect("id");
    let alt1 = id_of(&view, 4, "Alt 1");
    let (mut chair, _) = live_socket(&server, negotiation, "HLCP").await;
    assert_eq!(next(&mut chair).await["type"], "presence");
    let (mut itu, _) = live_socket(&server, negotiation, "ITU").await;
    assert_eq!(next(&mut chair).await, json!({"type": "presence", "present": ["HLCP", "ITU"]}));
    for said in [
        "not json".to_string(),
        json!({"type": "cursor", "proposal": alt1, "start": 7, "end": 3}).to_string(),
        json!({"type": "cursor", "proposal": "not-an-id", "start": 1, "end": 2}).to_string(),
        json!({"type": "cursor", "proposal": alt1, "start": 3, "end": 7}).to_string(),
    ] {
        itu.send(Message::text(said)).await.expect("sent");
    }
    let cursor = next(&mut chair).await;
    assert_eq!(
        cursor,
        json!({"type": "cursor", "who": "ITU", "proposal": alt1, "start": 3, "end": 7}),
        "only the valid one"
    );
    itu.send(Message::Close(None)).await.expect("closed");
    assert_eq!(next(&mut chair).await, json!({"type": "presence", "present": ["HLCP"]}), "ITU left");
}

#[tokio::test]
async fn a_live_client_rebuilds_every_text_from_what_changed_messages_say() {
    let server = Server::start("live-texts");
    let view = server.view().await;
    let negotiation = view["id"].as_str().expect("id");
    let alt1 = id_of(&view, 4, "Alt 1");
    let (mut socket, first) = live_socket(&server, negotiation, "HLCP").await;
    let held = proposal(&first["view"], 4, "Alt 1").clone();
    let mut versions = vec![(held["text"].as_str().expect("text").to_string(), held["heads"].clone())];
    // Characters of one, two and more UTF-16 units, a combining accent, a flag of two.
    let pieces = ["é", "😀", "日本", "e\u{301}", " ", "\n", "word", "🇺🇳"];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut random = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let mut received = Vec::new();
    // A second client joins halfway: it starts from its own first view.
    let mut late: Option<(Socket, Value, Vec<Value>)> = None;
    for step in 0..40 {
        if step == 20 {
            let (socket, first) = live_socket(&server, negotiation, "ITU").await;
            late = Some((socket, proposal(&first["view"], 4, "Alt 1").clone(), Vec::new()));
        }
        // Mostly on the latest version; every fifth edit on an older one, as a co-sponsor's
        // stale page sends it (the server merges it into the current text).
        let stale = step % 5 == 4 && versions.len() > 2;
        let (base, base_heads) = versions[versions.len() - if stale { 3 } else { 1 }].clone();
        let chars: Vec<char> = base.chars().collect();
        let start = random(chars.len() + 1);
        let end = (start + random(4)).min(chars.len());
        let insert: String = (0..random(3)).map(|_| pieces[random(pieces.len())]).collect();
        let mut text: String = chars[..start].iter().collect::<String>() + &insert;
        text.extend(&chars[end..]);
        if text.is_empty() {
            text.push('x');
        }
        let body = json!({"text": text, "base_heads": base_heads});
        let (status, edited) =
            server.call(Some("UNSEC"), Method::PUT, &format!("/api/proposals/{alt1}/text"), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "step {step}: {edited}");
        if edited["heads"] == versions[versions.len() - 1].1 {
            continue; // The edit changed nothing (a stale one can land on what is there).
        }
        read_until_changed(&mut socket, &edited["heads"], &mut received).await;
        let rebuilt = announced_text(&received, Some(&held), &json!(alt1), &edited["heads"]);
        assert_eq!(rebuilt.as_deref(), edited["text"].as_str(), "step {step} (stale: {stale})");
        if let Some((socket, held, received)) = late.as_mut() {
            read_until_changed(socket, &edited["heads"], received).await;
            let rebuilt = announced_text(received, Some(held), &json!(alt1), &edited["heads"]);
            assert_eq!(rebuilt.as_deref(), edited["text"].as_str(), "step {step}, the client that joined late");
        }
        versions.push((edited["text"].as_str().expect("text").to_string(), edited["heads"].clone()));
    }
    let said: Vec<&Value> = received.iter().filter(|m| m["type"] == "changed").map(|m| &m["proposals"][0]).collect();
    assert_eq!(said.len(), versions.len() - 1, "one changed message per edit that changed the text");
    assert!(said.len() > 30, "the edits changed the text");
    assert!(said[0].get("text").is_some(), "the first carries the whole text: {}", said[0]);
    for entry in &said[1..] {
        assert!(entry.get("text").is_none() && entry.get("insert").is_some(), "then what changed: {entry}");
    }
}

/// Reads a live socket into `received` up to the `changed` message announcing `heads`.
async fn read_until_changed(socket: &mut Socket, heads: &Value, received: &mut Vec<Value>) {
    loop {
        let message = next(socket).await;
        let done = message["type"] == "changed" && &message["proposals"][0]["heads"] == heads;
        received.push(message);
        if done {
            return;
        }
    }
}

/// The text a live client holds of proposal `id` at `heads`, as ARCHITECTURE.md ("Live
/// socket") says: the view's proposal (`held`) if at those heads, else the `changed` message
/// among `received` that announced them, whole, or as one region replaced in the text at its
/// `from` heads (positions in UTF-16 code units). `None`: neither is held.
fn announced_text(received: &[Value], held: Option<&Value>, id: &Value, heads: &Value) -> Option<String> {
    if let Some(proposal) = held.filter(|p| &p["heads"] == heads) {
        return proposal["text"].as_str().map(str::to_string);
    }
    let changes = received.iter().filter(|m| m["type"] == "changed").flat_map(|m| m["proposals"].as_array());
    let said = changes.flatten().find(|p| &p["id"] == id && &p["heads"] == heads)?;
    if let Some(text) = said["text"].as_str() {
        return Some(text.to_string());
    }
    let before = announced_text(received, held, id, &said["from"])?;
    let at = |key: &str| said[key].as_u64().expect("a position") as usize;
    let mut units: Vec<u16> = before.encode_utf16().collect();
    units.splice(at("at")..at("at") + at("delete"), said["insert"].as_str().expect("insert").encode_utf16());
    Some(String::from_utf16(&units).expect("whole characters"))
}

/// A view with a live patch applied, as ARCHITECTURE.md ("Live socket") says a client applies
/// it: the fields a patch names replace those held, section by section and proposal by proposal;
/// a changed text comes from the `changed` message among `received` that announced its heads.
fn apply_patch(view: &Value, patch: &Value, received: &[Value]) -> Value {
    let merge = |held: Option<&Value>, fields: &Value| {
        let mut merged = held.cloned().unwrap_or_else(|| json!({}));
        for (key, value) in fields.as_object().expect("fields") {
            merged[key] = value.clone();
        }
        merged
    };
    let held_proposals: Vec<Value> = view["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["proposals"].as_array().expect("proposals").clone())
        .collect();
    let held = |id: &Value| held_proposals.iter().find(|p| &p["id"] == id);
    let patched_proposal = |id: &Value| {
        let fields = patch["proposals"].as_array().expect("proposals").iter().find(|p| &p["id"] == id);
        match fields {
            Some(fields) if fields.get("heads").is_some() && fields.get("text").is_none() => {
                let mut proposal = merge(held(id), fields);
                let text = announced_text(received, held(id), id, &fields["heads"]);
                proposal["text"] = json!(text.expect("a changed text announced before its patch"));
                proposal
            }
            Some(fields) => merge(held(id), fields),
            None => held(id).cloned().expect("a proposal the patch does not send is held"),
        }
    };
    let mut patched = view.clone();
    let sections = patched["sections"].as_array_mut().expect("sections");
    for fields in patch["sections"].as_array().expect("sections") {
        let index = sections.iter().position(|s| s["number"] == fields["number"]);
        let mut section = merge(index.map(|i| &sections[i]), fields);
        let ids = section.as_object_mut().expect("a section").remove("proposal_ids").expect("proposal_ids");
        section["proposals"] = ids.as_array().expect("ids").iter().map(patched_proposal).collect();
        match index {
            Some(i) => sections[i] = section,
            None => sections.push(section),
        }
    }
    let numbers = patch["numbers"].as_array().expect("numbers");
    sections.retain(|s| numbers.contains(&s["number"]));
    sections.sort_by_key(|s| numbers.iter().position(|n| *n == s["number"]));
    if let Some(fields) = patch.get("negotiation") {
        patched = merge(Some(&patched), fields);
    }
    patched
}

/// A live socket opened as `code`, and the view it starts with.
async fn live_socket(server: &Server, negotiation: &str, code: &str) -> (Socket, Value) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}/api/negotiations/{negotiation}/live", server.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert("authorization", format!("Bearer {}", server.token(code)).parse().expect("header"));
    let mut socket = tokio_tungstenite::connect_async(request).await.expect("connected").0;
    let first = next(&mut socket).await;
    assert_eq!(first["type"], "view", "a live socket starts with the view");
    (socket, first)
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text message of a live socket, as JSON (pings are skipped).
async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next()).await.expect("a message in time");
        let message = message.expect("open").expect("ok");
        if message.is_text() {
            return serde_json::from_str::<Value>(&message.into_text().expect("text")).expect("json");
        }
    }
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9_in_the_middle_of_a_burst() {
    let mut server = Server::start("crash");
    let negotiation = server.negotiation().await;
    let path = format!("/api/negotiations/{negotiation}/sections/4/proposals");
    let (sender, mut acks) = tokio::sync::mpsc::unbounded_channel();
    let mut writes = Vec::new();
    for round in 0..40 {
        let (client, url, token, sender) =
            (Client::new(), format!("{}{path}", server.base), server.token("ITU").to_string(), sender.clone());
        writes.push(tokio::spawn(async move {
            let body = json!({"label": format!("Burst {round}"), "text": format!("Burst wording {round}.")});
            let response = client.post(url).bearer_auth(token).json(&body).send().await;
            if response.is_ok_and(|r| r.status() == StatusCode::CREATED) {
                let _ = sender.send(round);
            }
        }));
    }
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 10 {
        acknowledged.push(acks.recv().await.expect("an acknowledgement"));
    }
    server.kill_hard();
    for write in writes {
        let _ = write.await;
    }
    while let Ok(round) = acks.try_recv() {
        acknowledged.push(round);
    }
    let restarted = Server::start_on(server.store.clone());
    let view = restarted.view().await;
    let labels: Vec<&str> = view["sections"][3]["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .filter_map(|p| p["label"].as_str())
        .collect();
    for round in &acknowledged {
        assert!(
            labels.contains(&format!("Burst {round}").as_str()),
            "acknowledged Burst {round} was lost; stored: {labels:?}"
        );
    }
}

#[tokio::test]
async fn a_token_opens_only_its_own_negotiation() {
    let store = fresh_store("two-negotiations");
    let other = accord(&store, &["init", "--title", "Another plan", "--chair", "BOSS"]);
    let boss = accord(&store, &["--negotiation", &other, "invite", "--as", "BOSS"]);
    let server = Server::start_on(store);
    let view = server.view().await;
    let hlcp = view["id"].as_str().expect("id");
    let alt3 = id_of(&view, 4, "Alt 3");
    let as_boss = |method: Method, path: String, body: Option<Value>| {
        let mut request = Client::new().request(method, format!("{}{path}", server.base)).bearer_auth(&boss);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let (status, me) = {
        let response = as_boss(Method::GET, "/api/me".into(), None).await.expect("sent");
        (response.status(), response.json::<Value>().await.expect("json"))
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["negotiation"], other.as_str());
    let attempts = [
        (Method::GET, format!("/api/negotiations/{hlcp}"), None, StatusCode::FORBIDDEN),
        (Method::GET, format!("/api/negotiations/{hlcp}/live"), None, StatusCode::FORBIDDEN),
        (
            Method::PUT,
            format!("/api/proposals/{alt3}/stances/BOSS"),
            Some(json!({"stance": "support"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            format!("/api/negotiations/{hlcp}/sections/4/proposals"),
            Some(json!({"label": "X", "text": "x"})),
            StatusCode::FORBIDDEN,
        ),
        (
            Method::GET,
            format!("/api/negotiations/{hlcp}/history?since=2026-11-01T00:00:00Z"),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            Method::GET,
            format!("/api/negotiations/{hlcp}/export?format=md&for_approval=true"),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            Method::POST,
            format!("/api/negotiations/{hlcp}/verify"),
            Some(json!({"name": "a.md", "base64": "eA=="})),
            StatusCode::FORBIDDEN,
        ),
        (
            Method::POST,
            "/api/negotiations".to_string(),
            Some(
                json!({"title": "T", "chair": {"code": "BOSS", "name": "B"}, "draft": {"name": "a.md", "base64": "IyBB"}}),
            ),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (method, path, body, expected) in attempts {
        let response = as_boss(method.clone(), path.clone(), body).await.expect("sent");
        assert_eq!(response.status(), expected, "{method} {path}");
    }
    let (status, _) = server.call(Some("HLCP"), Method::GET, &format!("/api/negotiations/{other}"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(server.view().await, view, "nothing changed");
}

#[tokio::test]
async fn writes_without_a_token_are_refused_and_the_cookie_alone_is_enough() {
    let server = Server::start("cookie");
    let view = server.view().await;
    let alt3 = id_of(&view, 4, "Alt 3");
    let path = format!("/api/proposals/{alt3}/stances/HLCP");
    let (status, _) = server.call(None, Method::PUT, &path, Some(json!({"stance": "support"}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let client = Client::builder().cookie_store(true).build().expect("client");
    let signed_in = client
        .post(format!("{}/api/session", server.base))
        .json(&json!({"token": server.token("HLCP")}))
        .send()
        .await
        .expect("sent");
    assert_eq!(signed_in.status(), StatusCode::OK);
    // The browser sends the page's origin with a write: this server's own.
    let response = client
        .put(format!("{}{path}", server.base))
        .header("origin", &server.base)
        .json(&json!({"stance": "support"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(proposal(&server.view().await, 4, "Alt 3")["stances"]["HLCP"]["stance"], "support");
    // Signing out forgets the cookie.
    let out = client.delete(format!("{}/api/session", server.base)).header("origin", &server.base).send().await;
    assert_eq!(out.expect("sent").status(), StatusCode::NO_CONTENT);
    let me = client.get(format!("{}/api/me", server.base)).send().await.expect("sent");
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "signed out");
}

#[tokio::test]
async fn a_page_of_another_origin_cannot_write_with_the_cookie() {
    let server = Server::start("csrf");
    let view = server.view().await;
    let negotiation = view["id"].as_str().expect("id").to_string();
    let alt3 = id_of(&view, 4, "Alt 3");
    let client = Client::builder().cookie_store(true).build().expect("client");
    let signed_in =
        client.post(format!("{}/api/session", server.base)).json(&json!({"token": server.token("OHCHR")})).send();
    assert_eq!(signed_in.await.expect("sent").status(), StatusCode::OK);
    // A page on another port of the same host: the browser sends the cookie (SameSite ignores ports).
    let evil = "http://127.0.0.1:1";
    let writes = [
        (Method::POST, format!("/api/proposals/{alt3}/withdraw")),
        (Method::POST, format!("/api/proposals/{alt3}/cosponsor")),
        (Method::PUT, format!("/api/proposals/{alt3}/stances/OHCHR")),
        (Method::PUT, format!("/api/proposals/{alt3}/text")),
        (Method::POST, format!("/api/proposals/{alt3}/comments")),
        (Method::POST, format!("/api/negotiations/{negotiation}/sections/4/proposals")),
        (Method::POST, format!("/api/negotiations/{negotiation}/sections/4/adopt")),
    ];
    let refused_before = server.view().await;
    for (method, path) in writes {
        // An auto-submitted HTML form: urlencoded, with the other page's origin.
        let form = client
            .request(method.clone(), format!("{}{path}", server.base))
            .header("origin", evil)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("stance=object&reason=forged")
            .send()
            .await
            .expect("sent");
        assert!(
            matches!(form.status(), StatusCode::FORBIDDEN | StatusCode::UNSUPPORTED_MEDIA_TYPE),
            "{method} {path}: the server answered {}",
            form.status()
        );
        // A script on that page sending JSON with the cookie.
        let script = client
            .request(method.clone(), format!("{}{path}", server.base))
            .header("origin", evil)
            .json(&json!({"stance": "object", "reason": "forged"}))
            .send()
            .await
            .expect("sent");
        assert_eq!(script.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let said: Value = script.json().await.expect("json");
        assert!(said["error"].as_str().expect("error").contains("this server's own pages"), "{said}");
    }
    assert_eq!(server.view().await, refused_before, "nothing changed");
}

#[tokio::test]
async fn a_participant_invited_from_the_command_line_can_work_at_once() {
    let server = Server::start("invite");
    let negotiation = server.negotiation().await;
    let token = accord(
        &server.store,
        &[
            "--negotiation",
            &negotiation,
            "invite",
            "--as",
            "WHO",
            "--role",
            "member",
            "--name",
            "World Health Organization",
        ],
    );
    let response = Client::new().get(format!("{}/api/me", server.base)).bearer_auth(&token).send().await.expect("sent");
    let me: Value = response.json().await.expect("json");
    assert_eq!(me["role"], "member", "{me}");
    let alt3 = id_of(&server.view().await, 4, "Alt 3");
    let response = Client::new()
        .put(format!("{}/api/proposals/{alt3}/stances/WHO", server.base))
        .bearer_auth(&token)
        .json(&json!({"stance": "can-live-with"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn comments_stay_on_their_passage_and_bad_passages_are_refused() {
    let server = Server::start("comments");
    let view = server.view().await;
    let alt1 = id_of(&view, 4, "Alt 1");
    let text = proposal(&view, 4, "Alt 1")["text"].as_str().expect("text").to_string();
    let byte_start = text.find("Member States").expect("the passage");
    let start = text[..byte_start].chars().count();
    let path = format!("/api/proposals/{alt1}/comments");
    let body = json!({"start": start, "end": start + 13, "text": "which ones?"});
    let (status, created) = server.call(Some("DESA"), Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let edit = json!({"text": format!("Preamble. {text}"), "base_heads": proposal(&view, 4, "Alt 1")["heads"]});
    let (status, _) = server.call(Some("UNSEC"), Method::PUT, &format!("/api/proposals/{alt1}/text"), Some(edit)).await;
    assert_eq!(status, StatusCode::OK);
    let comment = proposal(&server.view().await, 4, "Alt 1")["comments"][0].clone();
    assert_eq!(comment["quote"], "Member States");
    assert_eq!(comment["start"], start + 10);
    assert_eq!(comment["by"], "DESA");
    for (who, body, expected) in [
        ("DESA", json!({"start": 5, "end": 5, "text": "x"}), StatusCode::BAD_REQUEST),
        ("DESA", json!({"start": 0, "end": 100000, "text": "x"}), StatusCode::BAD_REQUEST),
        ("UNU", json!({"start": 0, "end": 3, "text": "x"}), StatusCode::FORBIDDEN),
    ] {
        let (status, answer) = server.call(Some(who), Method::POST, &path, Some(body)).await;
        assert_eq!(status, expected, "{answer}");
    }
}

#[tokio::test]
async fn the_api_is_described_by_openapi() {
    let server = Server::start("openapi");
    let (status, doc) = server.call(None, Method::GET, "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().expect("version").starts_with('3'));
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/session",
        "/api/me",
        "/api/negotiations/{id}",
        "/api/negotiations/{id}/sections/{number}/proposals",
        "/api/proposals/{id}/text",
        "/api/proposals/{id}/stances/{code}",
        "/api/negotiations/{id}/sections/{number}/adopt",
        "/api/negotiations/{id}/export",
    ] {
        assert!(paths.contains_key(path), "{path} is not described");
    }
    let text_body = &doc["components"]["schemas"]["TextBody"]["properties"];
    assert!(text_body["base_heads"].is_object(), "{text_body}");
}

#[tokio::test]
async fn every_export_format_is_served_with_its_content_type_and_verifies() {
    let server = Server::start("exports");
    let id = server.negotiation().await;
    let client = Client::new();
    for (format, content_type) in [
        ("md", "text/markdown"),
        ("html", "text/html"),
        ("akn", "application/akn+xml"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ] {
        let response = client
            .get(format!("{}/api/negotiations/{id}/export?format={format}", server.base))
            .bearer_auth(server.token("ITU"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::OK, "{format}");
        let served = response.headers()["content-type"].to_str().expect("ascii").to_string();
        assert!(served.starts_with(content_type), "{format}: {served}");
        let header = |name: &str| response.headers()[name].to_str().expect("ascii").to_string();
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("content-security-policy").starts_with("default-src 'none'"), "{format}");
        assert!(header("content-disposition").starts_with("attachment; filename=\"agreed-draft-"), "{format}");
        let file = server.store.join(format!("served.{format}"));
        std::fs::write(&file, response.bytes().await.expect("body")).expect("write");
        let checked = accord(&server.store, &["verify", file.to_str().expect("utf-8")]);
        assert!(checked.contains("matches"), "{format}: {checked}");
    }
}

#[tokio::test]
async fn a_redline_since_a_time_names_who_made_each_change() {
    let server = Server::start("since");
    let view = server.view().await;
    let negotiation = view["id"].as_str().expect("id").to_string();
    let alt3 = id_of(&view, 4, "Alt 3");
    let old = proposal(&view, 4, "Alt 3")["text"].as_str().expect("text").to_string();
    let new = old.replacen("fundamental freedoms", "human rights and fundamental freedoms", 1);
    let body = json!({"text": new, "base_heads": proposal(&view, 4, "Alt 3")["heads"]});
    let (status, answer) =
        server.call(Some("OHCHR"), Method::PUT, &format!("/api/proposals/{alt3}/text"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let path = format!("/api/negotiations/{negotiation}/sections/4/redline?to={alt3}&since=2026-11-08T00:00:00Z");
    let (status, answer) = server.call(Some("ITU"), Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let changed: Vec<&Value> =
        answer["segments"].as_array().expect("segments").iter().filter(|s| s["kind"] != "equal").collect();
    assert_eq!(changed.len(), 1, "{answer}");
    assert_eq!(changed[0]["kind"], "insert");
    assert_eq!(changed[0]["text"], "human rights and ");
    assert_eq!(changed[0]["by"], "OHCHR");
    let bad = path.replace("2026-11-08T00:00:00Z", "yesterday");
    let (status, answer) = server.call(Some("ITU"), Method::GET, &bad, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"].as_str().expect("error").contains("invalid time"), "{answer}");
}

#[tokio::test]
async fn a_revoked_or_expired_token_signs_nobody_in() {
    let server = Server::start("revoke");
    let negotiation = server.negotiation().await;
    let me = |token: String| {
        let base = server.base.clone();
        async move {
            reqwest::Client::new().get(format!("{base}/api/me")).bearer_auth(token).send().await.expect("sent").status()
        }
    };
    let token = accord(&server.store, &["invite", "--as", "UNDP"]);
    assert_eq!(me(token.clone()).await, StatusCode::OK, "a fresh token signs in");
    let said = accord(&server.store, &["revoke", "--as", "UNDP"]);
    assert!(said.contains("revoked") && said.contains("UNDP"), "{said}");
    assert_eq!(me(token).await, StatusCode::UNAUTHORIZED, "revoked at once, while the server runs");
    // A token given in 2020 for an hour has long expired.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
        .arg("--store")
        .arg(&server.store)
        .args(["--negotiation", &negotiation, "invite", "--as", "WBG", "--valid-for", "1h"])
        .env("ACCORD_NOW", "2020-01-01T00:00:00Z")
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let old = String::from_utf8(output.stdout).expect("utf-8").trim().to_string();
    assert_eq!(me(old).await, StatusCode::UNAUTHORIZED, "expired");
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_dropped_and_the_server_serves_on() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Server::start("slow-headers");
    let address = server.base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&address).await.expect("connect");
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await.expect("the first header lines arrive");
    // Never the blank line that ends the headers: the server closes within its header timeout (10 s).
    let mut buffer = [0u8; 512];
    let closed = tokio::time::timeout(Duration::from_secs(20), slow.read(&mut buffer)).await;
    let read = closed.expect("the server closed the connection in time").unwrap_or(0);
    let answer = String::from_utf8_lossy(&buffer[..read]);
    assert!(read == 0 || answer.starts_with("HTTP/1.1 408"), "closed or answered 408: {answer:?}");
    let (status, _) = server.call(None, Method::GET, "/api/health", None).await;
    assert_eq!(status, StatusCode::OK, "and serves others meanwhile");
}

/// How many views the server has built (`/api/health`).
async fn views_built(server: &Server) -> u64 {
    let (_, health) = server.call(None, Method::GET, "/api/health", None).await;
    health["views_built"].as_u64().expect("views_built")
}

/// The view as a browser asks for it, with the tag it already holds: status, `ETag`, body.
async fn view_if_none_match(server: &Server, negotiation: &str, etag: Option<&str>) -> (StatusCode, String, String) {
    let mut request =
        Client::new().get(format!("{}/api/negotiations/{negotiation}", server.base)).bearer_auth(server.token("HLCP"));
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let etag = response.headers().get("etag").map(|v| v.to_str().expect("ascii").to_string()).unwrap_or_default();
    (status, etag, response.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_clients_fetching_after_one_edit_cost_one_view_build_and_a_known_version_is_304() {
    let server = Server::start("one-view");
    let view = server.view().await;
    let negotiation = view["id"].as_str().expect("id").to_string();
    let (_, old_etag, _) = view_if_none_match(&server, &negotiation, None).await;
    let codes = ["HLCP", "ITU", "UNESCO", "UNODC", "UNSEC"];
    let mut sockets = Vec::new();
    for index in 0..50 {
        let (socket, _) = live_socket(&server, &negotiation, codes[index % codes.len()]).await;
        sockets.push(socket);
    }
    let before = views_built(&server).await;

    let alt3 = id_of(&view, 4, "Alt 3");
    let path = format!("/api/proposals/{alt3}/stances/HLCP");
    let body = json!({"stance": "object", "reason": "one edit, fifty readers"});
    let (status, _) = server.call(Some("HLCP"), Method::PUT, &path, Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    // Each client does what the page does on a `changed` message: fetch the view.
    let fetches = sockets.iter_mut().map(|socket| {
        let (server, negotiation) = (&server, &negotiation);
        async move {
            while next(socket).await["type"] != "changed" {}
            view_if_none_match(server, negotiation, None).await
        }
    });
    let answers = futures_util::future::join_all(fetches).await;
    for (status, etag, body) in &answers {
        assert_eq!(*status, StatusCode::OK);
        assert_ne!(etag, &old_etag, "a new version has a new tag");
        let fetched: Value = serde_json::from_str(body).expect("json");
        assert_eq!(proposal(&fetched, 4, "Alt 3")["stances"]["HLCP"]["reason"], "one edit, fifty readers");
    }
    assert_eq!(views_built(&server).await - before, 1, "fifty fetches after one edit: one view built");

    let (status, etag, body) = view_if_none_match(&server, &negotiation, Some(&answers[0].1)).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""), "the current version is not sent again");
    assert_eq!(etag, answers[0].1);
    let (status, _, _) = view_if_none_match(&server, &negotiation, Some(&old_etag)).await;
    assert_eq!(status, StatusCode::OK, "an older version gets the view");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_view_goes_gzip_compressed_to_clients_that_accept_it() {
    let server = Server::start("view-gzip");
    let negotiation = server.negotiation().await;
    let url = format!("{}/api/negotiations/{negotiation}", server.base);
    let get = |encoding: &'static str| {
        Client::new().get(&url).bearer_auth(server.token("HLCP")).header("accept-encoding", encoding).send()
    };
    let plain = get("identity").await.expect("sent");
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain = plain.bytes().await.expect("body");
    for refused in ["gzip;q=0", "br", "deflate, identity"] {
        let response = get(refused).await.expect("sent");
        assert_eq!(response.headers().get("content-encoding"), None, "{refused}");
    }
    let compressed = get("br, gzip;q=0.8").await.expect("sent");
    assert_eq!(compressed.headers().get("content-encoding").map(|v| v.to_str().expect("ascii")), Some("gzip"));
    assert_eq!(compressed.headers().get("vary").map(|v| v.to_str().expect("ascii")), Some("Accept-Encoding"));
    let compressed = compressed.bytes().await.expect("body");
    assert!(compressed.len() * 2 < plain.len(), "{} bytes for {}", compressed.len(), plain.len());
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut unpacked).expect("gzip");
    assert_eq!(unpacked, plain, "the same view");
}

#[tokio::test]
async fn the_chair_sets_the_deadline_adds_participants_and_invites_and_revokes_them() {
    let store = fresh_store("chair-routes");
    let other = accord(&store, &["init", "--title", "Another plan", "--chair", "BOSS"]);
    let boss = accord(&store, &["--negotiation", &other, "invite", "--as", "BOSS"]);
    let server = Server::start_on(store);
    let id = server.view().await["id"].as_str().expect("id").to_string();
    let path = |tail: &str| format!("/api/negotiations/{id}{tail}");

    // Refused: a member, an observer, and the chair of another negotiation; nothing changes.
    let before = server.view().await;
    let attempts = [
        (Method::PUT, path("/deadline"), json!({"deadline": "2026-12-12T17:00:00Z"})),
        (
            Method::POST,
            path("/participants"),
            json!({"code": "WHO", "name": "World Health Organization", "role": "member"}),
        ),
        (Method::POST, path("/participants/ITU/invite"), json!({})),
        (Method::DELETE, path("/participants/ITU/invite"), json!({})),
    ];
    for (method, route, body) in &attempts {
        for who in ["DESA", "UNU"] {
            let (status, answer) = server.call(Some(who), method.clone(), route, Some(body.clone())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who} {method} {route}: {answer}");
        }
        let response = Client::new()
            .request(method.clone(), format!("{}{route}", server.base))
            .bearer_auth(&boss)
            .json(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "BOSS {method} {route}");
    }
    assert_eq!(server.view().await, before, "refused requests changed nothing");
    let (status, _) =
        server.call(Some("HLCP"), Method::PUT, &path("/deadline"), Some(json!({"deadline": "next friday"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not a time");

    // The chair sets the deadline: 2026-12-12T17:00:00Z is 1,797,094,800,000 ms after 1970.
    let body = json!({"deadline": "2026-12-12T17:00:00Z"});
    let (status, answer) = server.call(Some("HLCP"), Method::PUT, &path("/deadline"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(server.view().await["deadline"], 1_797_094_800_000_i64);

    // A convenor adds WHO, then invites it; the token signs WHO in until it is revoked.
    let body = json!({"code": "WHO", "name": "World Health Organization", "role": "member"});
    let (status, answer) = server.call(Some("ITU"), Method::POST, &path("/participants"), Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, _) = server.call(Some("ITU"), Method::POST, &path("/participants"), Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "the code is taken");
    let view = server.view().await;
    let who = view["participants"].as_array().expect("participants").iter().find(|p| p["code"] == "WHO");
    assert_eq!(who.expect("WHO takes part")["role"], "member");
    let (status, _) =
        server.call(Some("HLCP"), Method::POST, &path("/participants/NOPE/invite"), Some(json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no such participant");
    let (status, invited) =
        server.call(Some("HLCP"), Method::POST, &path("/participants/WHO/invite"), Some(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let token = invited["token"].as_str().expect("a token");
    assert!(invited["link"].as_str().expect("a link").ends_with(&format!("/#token={token}")), "{invited}");
    let me = |token: String| {
        let url = format!("{}/api/me", server.base);
        async move { Client::new().get(url).bearer_auth(token).send().await.expect("sent") }
    };
    let response = me(token.to_string()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.expect("json")["participant"], "WHO");
    let (status, revoked) = server.call(Some("HLCP"), Method::DELETE, &path("/participants/WHO/invite"), None).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(me(token.to_string()).await.status(), StatusCode::UNAUTHORIZED, "the revoked token signs nobody in");
}

#[tokio::test]
async fn a_participant_sees_what_changed_since_its_stance() {
    let server = Server::start("since-stance");
    let view = server.view().await;
    let id = view["id"].as_str().expect("id").to_string();
    let alt1 = id_of(&view, 4, "Alt 1");
    let given_on = proposal(&view, 4, "Alt 1")["text"].as_str().expect("text").to_string();
    let stance = format!("/api/proposals/{alt1}/stances/ITU");
    let (status, _) = server.call(Some("ITU"), Method::PUT, &stance, Some(json!({"stance": "support"}))).await;
    assert_eq!(status, StatusCode::OK);
    // The sponsor then rewrites the opening and adds a sentence.
    let edited = format!("{} Progress is reviewed every year.", given_on.replacen("The", "All", 1));
    let body = json!({"text": edited, "base_heads": proposal(&server.view().await, 4, "Alt 1")["heads"]});
    let (status, _) = server.call(Some("UNSEC"), Method::PUT, &format!("/api/proposals/{alt1}/text"), Some(body)).await;
    assert_eq!(status, StatusCode::OK);

    let path = format!("/api/negotiations/{id}/sections/4/redline?from=stance&to={alt1}");
    let (status, answer) = server.call(Some("ITU"), Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["stance"]["stance"], "support");
    assert_eq!(answer["stance"]["stale"], true, "the stance was given on the earlier text");
    let segments = answer["segments"].as_array().expect("segments");
    let text_of = |skipped: &str| -> String {
        segments.iter().filter(|s| s["kind"] != skipped).map(|s| s["text"].as_str().expect("text")).collect()
    };
    assert_eq!(text_of("insert"), given_on, "unchanged and deleted runs give the text the stance was given on");
    assert_eq!(text_of("delete"), edited, "unchanged and inserted runs give the text now");
    let changes: Vec<&Value> = segments.iter().filter(|s| s["kind"] != "equal").collect();
    assert!(!changes.is_empty(), "{answer}");
    assert!(changes.iter().all(|s| s["by"] == "UNSEC"), "every change since is the sponsor's: {answer}");

    // Someone without a stance on it is told so; nothing is made up.
    let (status, answer) = server.call(Some("UNU"), Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert!(answer["error"].as_str().expect("error").contains("no stance on Alt 1"), "{answer}");
}

#[tokio::test]
async fn the_chair_reopens_an_agreed_section_for_a_reason() {
    let server = Server::start("reopen");
    let view = server.view().await;
    let id = view["id"].as_str().expect("id").to_string();
    assert!(view["sections"][1]["adoption"].is_object(), "section 2 of the fixture is agreed");
    let path = format!("/api/negotiations/{id}/sections/2/reopen");
    let reason = "The budget line is missing.";
    for (who, body, expected) in [
        ("DESA", json!({"reason": reason}), StatusCode::FORBIDDEN),
        ("UNU", json!({"reason": reason}), StatusCode::FORBIDDEN),
        ("HLCP", json!({"reason": "  "}), StatusCode::BAD_REQUEST),
        ("HLCP", json!({}), StatusCode::BAD_REQUEST),
    ] {
        let (status, answer) = server.call(Some(who), Method::POST, &path, Some(body)).await;
        assert_eq!(status, expected, "{who}: {answer}");
    }
    assert_eq!(server.view().await, view, "refused reopenings changed nothing");

    let (status, answer) = server.call(Some("HLCP"), Method::POST, &path, Some(json!({"reason": reason}))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let section = &server.view().await["sections"][1];
    assert!(section["adoption"].is_null() && section["agreed_text"].is_null(), "{section}");
    assert_eq!(section["reopenings"][0]["by"], "HLCP");
    assert_eq!(section["reopenings"][0]["reason"], reason);
    let (status, _) = server.call(Some("HLCP"), Method::POST, &path, Some(json!({"reason": reason}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "an open section is not reopened");
    let response = Client::new()
        .get(format!("{}/api/negotiations/{id}/export?format=md", server.base))
        .bearer_auth(server.token("HLCP"))
        .send()
        .await
        .expect("sent");
    let markdown = response.text().await.expect("text");
    assert!(markdown.contains("Reopened by HLCP on "), "the export keeps the reopening on record");
    assert!(markdown.contains(reason), "with its reason");
}

/// The LibreOffice draft of the fixtures, as `POST /api/negotiations` takes it.
fn draft_body(name: &str, bytes: &[u8]) -> Value {
    use base64::Engine;
    let base64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    json!({ "title": "Coordination plan", "chair": { "code": "CHAIR", "name": "The Chair" }, "draft": { "name": name, "base64": base64 } })
}

fn libreoffice_draft() -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/drafts/hlcp-draft.docx"))
        .expect("the fixture")
}

#[tokio::test]
async fn the_secretariat_opens_a_negotiation_from_a_word_draft_and_its_chair_signs_in() {
    let server = Server::start("open-draft");
    let (status, me) = server.call(Some(support::SECRETARIAT), Method::GET, "/api/me", None).await;
    assert_eq!((status, me["secretariat"].as_str()), (StatusCode::OK, Some("Secretariat")), "{me}");
    let body = draft_body("hlcp-draft.docx", &libreoffice_draft());
    let (status, opened) = server.call(Some(support::SECRETARIAT), Method::POST, "/api/negotiations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    assert_eq!((opened["sections"].as_u64(), opened["left_out"].as_u64()), (Some(3), Some(2)));
    assert!(opened["chair"]["link"].as_str().expect("link").starts_with(&format!("{}/#token=", server.base)));

    let chair = opened["chair"]["token"].as_str().expect("token");
    let client = Client::new();
    let me: Value = client
        .get(format!("{}/api/me", server.base))
        .bearer_auth(chair)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!((me["participant"].as_str(), me["role"].as_str()), (Some("CHAIR"), Some("chair")), "{me}");
    let id = opened["id"].as_str().expect("id");
    let view: Value = client
        .get(format!("{}/api/negotiations/{id}", server.base))
        .bearer_auth(chair)
        .send()
        .await
        .expect("view")
        .json()
        .await
        .expect("json");
    let titles: Vec<&str> =
        view["sections"].as_array().expect("sections").iter().map(|s| s["title"].as_str().expect("title")).collect();
    assert_eq!(
        titles,
        [
            "Topic 1 – Security of UN system ICT operations",
            "Topic 2 – Mainstreaming cybersecurity into programme planning",
            "Topic 3 – Support to Member States, upon request"
        ]
    );
    assert!(view["sections"][2]["base_text"].as_str().expect("text").contains("\n• technical assistance.\n"));
}

#[tokio::test]
async fn only_the_secretariat_opens_negotiations_and_bad_drafts_change_nothing() {
    let server = Server::start("open-refused");
    let body = draft_body("hlcp-draft.docx", &libreoffice_draft());
    for (who, expected) in
        [(Some("HLCP"), StatusCode::FORBIDDEN), (Some("DESA"), StatusCode::FORBIDDEN), (None, StatusCode::UNAUTHORIZED)]
    {
        let (status, answer) = server.call(who, Method::POST, "/api/negotiations", Some(body.clone())).await;
        assert_eq!(status, expected, "{who:?}: {answer}");
    }
    let (_, refused) = server.call(Some("HLCP"), Method::POST, "/api/negotiations", Some(body)).await;
    assert!(refused["error"].as_str().expect("message").contains("only the secretariat"), "{refused}");

    let secretariat = Some(support::SECRETARIAT);
    let mut not_base64 = draft_body("plan.docx", b"x");
    not_base64["draft"]["base64"] = json!("not base64!");
    let cases = [
        (not_base64, StatusCode::BAD_REQUEST, "not base64"),
        (
            draft_body("plan.pdf", b"%PDF-1.7"),
            StatusCode::BAD_REQUEST,
            "give a Word document (.docx) or Markdown (.md)",
        ),
        (draft_body("plan.md", b"No heading at all.\n"), StatusCode::BAD_REQUEST, "no top-level heading"),
        (
            draft_body("plan.md", b"# Topic\n\nText with a \x07 bell.\n"),
            StatusCode::BAD_REQUEST,
            "not allowed in a text",
        ),
    ];
    for (body, expected, said) in cases {
        let (status, answer) = server.call(secretariat, Method::POST, "/api/negotiations", Some(body)).await;
        assert_eq!(status, expected, "{answer}");
        assert!(answer["error"].as_str().expect("message").contains(said), "{answer}");
    }
    // `status` names no negotiation: it answers only while the store holds one, the demo's.
    assert!(accord(&server.store, &["status"]).contains("Coordination Plan"), "nothing else was stored");
}

#[tokio::test]
async fn history_since_a_time_lists_only_what_changed_after_it() {
    let server = Server::start("history-since");
    let id = server.negotiation().await;
    let (status, all) = server.call(Some("ITU"), Method::GET, &format!("/api/negotiations/{id}/history"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.as_array().expect("entries").len() > 50, "the fixture's history");
    let before = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
    let alt1 = id_of(&server.view().await, 4, "Alt 1");
    let stance = json!({"stance": "object", "reason": "Too narrow."});
    let (status, _) =
        server.call(Some("DESA"), Method::PUT, &format!("/api/proposals/{alt1}/stances/DESA"), Some(stance)).await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/api/negotiations/{id}/history?since={before}");
    let (status, since) = server.call(Some("ITU"), Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{since}");
    let since = since.as_array().expect("entries");
    assert_eq!(since.len(), 1, "only DESA's objection: {since:?}");
    assert_eq!((since[0]["by"].as_str(), since[0]["section"].as_u64()), (Some("DESA"), Some(4)));
    let (status, error) =
        server.call(Some("ITU"), Method::GET, &format!("/api/negotiations/{id}/history?since=yesterday"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"].as_str().expect("message").contains("write it like 2026-11-03T12:00:00Z"), "{error}");
}

/// An export's bytes as `code` downloads them.
async fn download(server: &Server, code: &str, query: &str) -> (StatusCode, Vec<u8>) {
    let id = server.negotiation().await;
    let url = format!("{}/api/negotiations/{id}/export?{query}", server.base);
    let response = Client::new().get(url).bearer_auth(server.token(code)).send().await.expect("export");
    (response.status(), response.bytes().await.expect("bytes").to_vec())
}

#[tokio::test]
async fn exports_for_approval_and_since_the_circulated_version_as_the_command_line_makes_them() {
    let server = Server::start("exports-approval");
    let (status, refused) = download(&server, "UNESCO", "format=docx&for_approval=true").await;
    assert_eq!(status, StatusCode::CONFLICT);
    let refused = String::from_utf8(refused).expect("JSON");
    assert!(
        refused.contains("not ready for approval: 3 section(s) are not agreed") && refused.contains("§4"),
        "{refused}"
    );

    let (status, circulated) = download(&server, "UNESCO", "format=docx").await;
    assert_eq!(status, StatusCode::OK);
    let version = accord_export::file_version(&circulated).expect("the export names its version").version;
    let alt1 = id_of(&server.view().await, 4, "Alt 1");
    let current = proposal(&server.view().await, 4, "Alt 1").clone();
    let text = format!("{} Reviewed yearly.", current["text"].as_str().expect("text"));
    let body = json!({"text": text, "base_heads": current["heads"]});
    let (status, _) = server.call(Some("UNSEC"), Method::PUT, &format!("/api/proposals/{alt1}/text"), Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, since) = download(&server, "UNESCO", &format!("format=docx&against={version}")).await;
    assert_eq!(status, StatusCode::OK);
    let named = accord_export::file_version(&since).expect("a version");
    assert_eq!(named.against.as_deref(), Some(version.as_str()), "the file says which version it tracks changes since");
    let (status, _) = download(&server, "UNESCO", &format!("format=md&against={version}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, refused) = download(&server, "UNESCO", "format=docx&against=yesterday-ish").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let refused: Value = serde_json::from_slice(&refused).expect("JSON");
    let message = refused["error"].as_str().expect("an error");
    assert!(
        message.contains("\"yesterday-ish\" is neither a version") && message.contains("2026-11-03T12:00:00Z"),
        "{refused}"
    );
}

#[tokio::test]
async fn verify_in_the_server_tells_the_same_file_from_a_changed_one() {
    use base64::Engine;
    let server = Server::start("exports-verify");
    let id = server.negotiation().await;
    let (_, markdown) = download(&server, "WBG", "format=md").await;
    let check =
        |bytes: &[u8]| json!({"name": "draft.md", "base64": base64::engine::general_purpose::STANDARD.encode(bytes)});
    let path = format!("/api/negotiations/{id}/verify");
    let (status, same) = server.call(Some("WBG"), Method::POST, &path, Some(check(&markdown))).await;
    assert_eq!((status, same["verdict"].as_str()), (StatusCode::OK, Some("same")), "{same}");
    let text = String::from_utf8(markdown).expect("utf-8");
    assert!(text.contains("strengthen the security"), "the fixture's topic 1");
    let tampered = text.replacen("strengthen the security", "weaken the security", 1);
    let (status, changed) = server.call(Some("WBG"), Method::POST, &path, Some(check(tampered.as_bytes()))).await;
    assert_eq!((status, changed["verdict"].as_str()), (StatusCode::OK, Some("changed")), "{changed}");
    assert_eq!(changed["differences"][0]["section"], 1, "{changed}");
    assert!(
        changed["differences"][0]["redline"].as_str().expect("redline").contains("[-strengthen-]{+weaken+}"),
        "{changed}"
    );
    let (status, error) = server.call(Some("WBG"), Method::POST, &path, Some(check(b"just some text"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"].as_str().expect("message").contains("not an export of Accord"), "{error}");
}

#[tokio::test]
async fn the_compromise_says_which_brackets_are_substantive() {
    let server = Server::start("bracket-kinds");
    let id = server.negotiation().await;
    let (status, compromise) =
        server.call(Some("HLCP"), Method::GET, &format!("/api/negotiations/{id}/sections/4/compromise"), None).await;
    assert_eq!(status, StatusCode::OK);
    let kinds = compromise["bracket_kinds"].as_array().expect("bracket kinds");
    assert_eq!(kinds.len() as u64, compromise["brackets"].as_u64().expect("count"), "one kind per bracket");
    assert!(kinds.iter().any(|k| k["kind"] == "substantive"), "topic 4's wordings differ in substance: {kinds:?}");
    assert!(kinds.iter().all(|k| !k["why"].as_str().expect("why").is_empty()));
}

#[tokio::test]
async fn only_chairs_make_packages_and_an_adopted_section_in_one_is_provisional() {
    let server = Server::start("packages");
    let id = server.negotiation().await;
    let path = format!("/api/negotiations/{id}/packages");
    let body = json!({"sections": [1, 2]});
    for (who, expected) in [("DESA", StatusCode::FORBIDDEN), ("UNU", StatusCode::FORBIDDEN)] {
        let (status, answer) = server.call(Some(who), Method::POST, &path, Some(body.clone())).await;
        assert_eq!(status, expected, "{who}: {answer}");
    }
    let (status, answer) = server.call(Some("HLCP"), Method::POST, &path, Some(json!({"sections": [3]}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, answer) = server.call(Some("HLCP"), Method::POST, &path, Some(json!({"sections": [1, 9]}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert!(server.view().await["sections"][1]["package"].as_array().expect("package").is_empty(), "nothing yet");
    let (status, answer) = server.call(Some("ITU"), Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "a convenor packages: {answer}");
    let view = server.view().await;
    assert_eq!(
        (view["sections"][1]["provisional"].as_bool(), view["sections"][0]["provisional"].as_bool()),
        (Some(true), Some(false))
    );
    let (status, answer) = server.call(Some("HLCP"), Method::POST, &path, Some(json!({"sections": [2, 4]}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
}

#[tokio::test]
async fn the_secretariats_tokens_can_be_revoked() {
    let server = Server::start("secretariat-revoke");
    let (status, _) = server.call(Some(support::SECRETARIAT), Method::GET, "/api/me", None).await;
    assert_eq!(status, StatusCode::OK, "the demo's secretariat signs in");
    let said = accord(&server.store, &["revoke", "--secretariat", "--name", "Secretariat"]);
    assert_eq!(said, "revoked 1 secretariat token(s) of Secretariat: they open no more negotiations");
    let (status, _) = server.call(Some(support::SECRETARIAT), Method::GET, "/api/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no longer");
    let body =
        json!({"title": "T", "chair": {"code": "C", "name": "C"}, "draft": {"name": "a.md", "base64": "IyBBCgp4Cg=="}});
    let (status, _) = server.call(Some(support::SECRETARIAT), Method::POST, "/api/negotiations", Some(body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A time `seconds` from now, as RFC 3339.
fn in_seconds(seconds: u64) -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now() + Duration::from_secs(seconds)).to_string()
}

#[tokio::test]
async fn the_server_records_an_adoption_by_silence_when_silence_ends() {
    let server = Server::start("silence");
    let id = server.negotiation().await;
    let view = server.view().await;
    let (alt1, objected) = (id_of(&view, 1, "Alt 1"), id_of(&view, 4, "Alt 1"));
    let path = format!("/api/negotiations/{id}/sections/1/silence");
    let body = |proposal: &str, until: String| Some(json!({"proposal": proposal, "until": until}));
    let refusals = [
        ("DESA", body(&alt1, in_seconds(60)), StatusCode::FORBIDDEN),
        ("HLCP", body(&alt1, "next week".into()), StatusCode::BAD_REQUEST),
        ("HLCP", body(&alt1, "2020-01-01T00:00:00Z".into()), StatusCode::BAD_REQUEST),
        ("HLCP", Some(json!({"proposal": alt1, "until": in_seconds(60), "extra": 1})), StatusCode::BAD_REQUEST),
    ];
    for (who, body, expected) in refusals {
        let (status, answer) = server.call(Some(who), Method::POST, &path, body.clone()).await;
        assert_eq!(status, expected, "{who} {body:?}: {answer}");
    }
    let four = format!("/api/negotiations/{id}/sections/4/silence");
    let (status, answer) = server.call(Some("HLCP"), Method::POST, &four, body(&objected, in_seconds(60))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer["error"].as_str().expect("error").contains("DESA objects"), "{answer}");
    assert_eq!(server.view().await, view, "refusals change nothing");

    let (mut socket, _) = live_socket(&server, &id, "UNU").await;
    let (status, answer) = server.call(Some("HLCP"), Method::POST, &path, body(&alt1, in_seconds(2))).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(server.view().await["sections"][0]["status"], "ready", "silence runs");
    // The chair's write, then the server's own record when silence ends, with no request.
    let mut recorded = None;
    while recorded.is_none() {
        let message = next(&mut socket).await;
        if message["type"] == "changed" && message["by"].is_null() {
            recorded = Some(message);
        }
    }
    let section = &server.view().await["sections"][0];
    assert_eq!(section["status"], "agreed");
    assert_eq!(section["adoption"]["by_silence"], true);
    assert_eq!(section["adoption"]["by"], "HLCP", "recorded in the name of whoever put it under silence");
    let (_, history) = server.call(Some("UNU"), Method::GET, &format!("/api/negotiations/{id}/history"), None).await;
    let entries = history.as_array().expect("entries");
    assert!(
        entries.iter().any(|e| e["what"].as_str().is_some_and(|w| w.contains("by silence procedure"))),
        "{history}"
    );
}

#[tokio::test]
async fn a_stance_may_accept_ad_referendum_and_only_a_reservation_may() {
    let server = Server::start("ad-ref");
    let id = server.negotiation().await;
    let alt1 = id_of(&server.view().await, 5, "Alt 1");
    let path = format!("/api/proposals/{alt1}/stances/UNSEC");
    let body =
        |stance: &str| Some(json!({"stance": stance, "reason": "HLCM to endorse", "ad_ref_until": in_seconds(3600)}));
    let (status, answer) = server.call(Some("UNSEC"), Method::PUT, &path, body("support")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, answer) = server.call(Some("UNSEC"), Method::PUT, &path, body("reserve")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let chair = format!("/api/proposals/{alt1}/stances/HLCP");
    server.call(Some("HLCP"), Method::PUT, &chair, Some(json!({"stance": "support"}))).await;
    let adopt = format!("/api/negotiations/{id}/sections/5/adopt");
    let (status, answer) = server.call(Some("HLCP"), Method::POST, &adopt, Some(json!({"proposal": alt1}))).await;
    assert_eq!(status, StatusCode::OK, "an acceptance ad referendum does not block: {answer}");
    let section = &server.view().await["sections"][4];
    assert_eq!(section["status"], "agreed-ad-ref");
    assert_eq!(section["confirmations"][0]["participant"], "UNSEC");
    let (status, answer) = server
        .call(Some("UNSEC"), Method::PUT, &path, Some(json!({"stance": "object", "reason": "HLCM did not endorse."})))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let section = &server.view().await["sections"][4];
    assert_eq!(section["status"], "blocked", "the objection voided the adoption");
    let reopened = section["reopenings"].as_array().expect("reopenings").last().expect("one").clone();
    assert_eq!(
        reopened["reason"],
        "UNSEC objected before confirming its acceptance ad referendum: HLCM did not endorse."
    );
    let (_, history) = server.call(Some("UNU"), Method::GET, &format!("/api/negotiations/{id}/history"), None).await;
    assert!(history.to_string().contains("reopened section 5"), "the voiding was recorded at once: {history}");
}

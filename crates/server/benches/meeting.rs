//! A meeting's load: N browser clients (30, 100, 300) on the live socket
//! while 5 sponsors type into their proposals, 4 edits a second each, for
//! 10 s; on the fixture and on a large negotiation (30 participants, 20
//! sections of 5 proposals, everyone's stance on everything).
//!
//! Clients behave as the shipped page does (web/assets/app.js): a `patch`
//! message that starts from the version the client holds is applied; one
//! from another version (re)arms a 120 ms timer, after which the client fetches
//! the whole view, revalidating with the `ETag` it holds, as a browser's HTTP
//! cache does. The lower bound is the same load with clients that only
//! read the live messages. The field's peers are automerge-repo 2.5.6's Node
//! sync server and Hocuspocus 4.7, the Yjs server (benches/js, `npm ci --prefix benches/js`),
//! with the same edit stream and Rust clients of their protocols: each client holds the five
//! typed proposals as automerge or Yjs documents, each typer appends the same marked words to
//! its own. Each server runs in its own process, so its CPU time is its own.
//!
//! The typing starts once every client holds the negotiation (its first view, or for the
//! field's servers its documents), as in a meeting whose participants have the page open; how
//! long the room took to fill, all clients joining at once, is printed too.
//!
//! Prints, per run: edit p50/p99 (a sponsor's `PUT` answered), delivery p99
//! (the edit sent → each client holding its text, from the `changed`
//! message), server CPU per edit and bytes clients received per edit.
//!
//! `MEETING_NEGOTIATION=fixture|large` and `MEETING_CLIENTS=100` run a part.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role, StanceKind,
    Timestamp, fixture,
};
use accord_store::{Grant, Persisted, Store};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

mod common;

use common::repo_peer::{RepoPeer, node_server_dir, spawn_node};
use common::yjs_peer::{YjsPeer, spawn_hocuspocus};
use common::{
    connect_client, cpu_seconds, machine, median_min_max, ms, node_version, quantile, serve_if_asked, spawn_accord,
};

const CLIENTS: [usize; 3] = [30, 100, 300];
const TYPERS: usize = 5;
const EVERY: Duration = Duration::from_millis(250);
const EDITS_EACH: usize = 40;
const REFETCH_AFTER: Duration = Duration::from_millis(120);
const RUNS: usize = 3;
/// In the order the summary reads them: the lower bound, the page, then the field's peers.
const BEHAVIOURS: [Behaviour; 4] = [Behaviour::LiveOnly, Behaviour::Page, Behaviour::Node, Behaviour::Hocuspocus];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Behaviour {
    /// As the shipped page: apply the patch, or fetch the view 120 ms after a change without one.
    Page,
    /// Only read the live messages (the lower bound).
    LiveOnly,
    /// The field's peer: automerge-repo's Node sync server, each client holding the five typed
    /// proposals as automerge documents, the typers splicing into them.
    Node,
    /// The field's Yjs peer: Hocuspocus, each client holding the five typed proposals as Yjs
    /// documents, the typers appending to them.
    Hocuspocus,
}

/// A store ready to serve: who types into what, and who reads.
struct Prepared {
    negotiation: DocumentId,
    /// Each typer's token and proposal.
    typers: Vec<(String, ProposalId)>,
    /// The typed proposals' texts, for the Node server's documents.
    texts: Vec<String>,
}

/// What one run measured.
struct Measured {
    /// From the first client connecting to the last one holding the negotiation (a meeting's
    /// room filling at once, as after a restart); the typing starts after.
    joined: Duration,
    edits: Vec<Duration>,
    edits_sent: usize,
    deliveries: Vec<Duration>,
    expected_deliveries: usize,
    cpu_seconds: f64,
    bytes: u64,
}

fn main() {
    if serve_if_asked() {
        return;
    }
    let js = node_server_dir();
    println!(
        "machine: {}; automerge 0.12.0, release build; automerge-repo 2.5.6 with automerge 3.5.0 and Hocuspocus 4.7.0 with yjs 13.6.33 (Node {}); clients: yrs 0.28.1",
        machine(),
        node_version()
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    println!(
        "| negotiation | clients | clients do | all joined ms | edit p50 ms | edit p99 ms | delivery p99 ms | delivered | server CPU ms/edit | KB received/edit |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut summary = Vec::new();
    let only = |name: &str| std::env::var(name).ok();
    let negotiations = match only("MEETING_NEGOTIATION").as_deref() {
        Some("fixture") => vec![false],
        Some("large") => vec![true],
        _ => vec![false, true],
    };
    let clients_counts = match only("MEETING_CLIENTS").and_then(|n| n.parse().ok()) {
        Some(n) => vec![n],
        None => CLIENTS.to_vec(),
    };
    for large in negotiations {
        for &clients in &clients_counts {
            for behaviour in BEHAVIOURS {
                let mut runs = Vec::new();
                for run in 0..RUNS {
                    let dir = std::env::temp_dir().join(format!("accord-meeting-{}-{run}", std::process::id()));
                    let _ = std::fs::remove_dir_all(&dir);
                    let prepared = prepare(&dir, large);
                    let measured = match behaviour {
                        Behaviour::Node | Behaviour::Hocuspocus => {
                            runtime.block_on(measure_field(&dir, &prepared, clients, &js, behaviour))
                        }
                        _ => runtime.block_on(measure(&dir, &prepared, clients, behaviour)),
                    };
                    let _ = std::fs::remove_dir_all(&dir);
                    runs.push(measured);
                }
                summary.push(report(large, clients, behaviour, &runs));
            }
        }
    }
    println!(
        "\n| negotiation | clients | CPU page/live-only | delivery p99 page/live-only | CPU page/node | delivery p99 page/node | CPU page/hocuspocus | delivery p99 page/hocuspocus |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for rows in summary.chunks(BEHAVIOURS.len()) {
        let (live, page, node, yjs) = (&rows[0], &rows[1], &rows[2], &rows[3]);
        let ratios = |to: &(&str, usize, f64, f64)| format!("{:.2} | {:.2}", page.2 / to.2, page.3 / to.3);
        println!("| {} | {} | {} | {} | {} |", live.0, live.1, ratios(live), ratios(node), ratios(yjs));
    }
}

/// Prints one row (medians of the runs, min-max); returns the medians of CPU and delivery p99.
fn report(large: bool, clients: usize, behaviour: Behaviour, runs: &[Measured]) -> (&'static str, usize, f64, f64) {
    let edits_done = |m: &Measured| m.edits_sent.max(1) as f64;
    let column = |f: &dyn Fn(&Measured) -> f64| {
        let (median, min, max) = median_min_max(&runs.iter().map(f).collect::<Vec<_>>());
        (median, format!("{median:.1} ({min:.1}-{max:.1})"))
    };
    // The field's protocols do not answer an edit: their clients apply it locally.
    let no_answer = matches!(behaviour, Behaviour::Node | Behaviour::Hocuspocus);
    let (_, edit_p50) = if no_answer { (0.0, "-".into()) } else { column(&|m| ms(quantile(&m.edits, 0.5))) };
    let (_, edit_p99) = if no_answer { (0.0, "-".into()) } else { column(&|m| ms(quantile(&m.edits, 0.99))) };
    let (delivery, delivery_p99) = column(&|m| ms(quantile(&m.deliveries, 0.99)));
    let (cpu, cpu_per_edit) = column(&|m| m.cpu_seconds * 1e3 / edits_done(m));
    let (_, kb) = column(&|m| m.bytes as f64 / 1024.0 / edits_done(m));
    let (_, joined) = column(&|m| ms(m.joined));
    let delivered: Vec<String> =
        runs.iter().map(|m| format!("{}/{}", m.deliveries.len(), m.expected_deliveries)).collect();
    let name = if large { "large" } else { "fixture" };
    let does = match behaviour {
        Behaviour::Page => "page",
        Behaviour::LiveOnly => "live only",
        Behaviour::Node => "automerge-repo node",
        Behaviour::Hocuspocus => "hocuspocus",
    };
    println!(
        "| {name} | {clients} | {does} | {joined} | {edit_p50} | {edit_p99} | {delivery_p99} | {} | {cpu_per_edit} | {kb} |",
        delivered.join(", ")
    );
    (name, clients, cpu, delivery)
}

/// A fresh store in `dir` with the negotiation, a token per typer and one for readers.
fn prepare(dir: &Path, large: bool) -> Prepared {
    let mut negotiation =
        if large { large_negotiation() } else { fixture::load("hlcp-cybersecurity").expect("fixture") };
    let mut store = Store::open(dir).expect("store");
    store.save(&mut negotiation, &mut Persisted::default()).expect("save");
    let view = negotiation.view().expect("view");
    let proposals = view
        .sections
        .iter()
        .flat_map(|s| &s.proposals)
        .filter(|p| !p.withdrawn && view.section(p.section).is_some_and(|s| s.adoption.is_none()));
    let (mut typers, mut texts) = (Vec::new(), Vec::new());
    for (index, proposal) in proposals.take(TYPERS).enumerate() {
        let sponsor = proposal.joined_sponsors()[0].clone();
        let token = format!("typer-{index}");
        store
            .add_token(&token, &Grant { negotiation: negotiation.id(), participant: sponsor }, Timestamp(0), None)
            .expect("token");
        typers.push((token, proposal.id));
        texts.push(proposal.text.clone());
    }
    assert_eq!(typers.len(), TYPERS, "enough open proposals to type into");
    let reader = view.participants[0].code.clone();
    store
        .add_token("reader", &Grant { negotiation: negotiation.id(), participant: reader }, Timestamp(0), None)
        .expect("token");
    Prepared { negotiation: negotiation.id(), typers, texts }
}

/// 30 participants, 20 sections with 5 proposals each, everyone's stance on every proposal.
fn large_negotiation() -> Negotiation {
    let code = |i: usize| -> ParticipantCode {
        format!("AG{}{}", (b'A' + (i / 26) as u8) as char, (b'A' + (i % 26) as u8) as char).parse().expect("code")
    };
    let at = |minute: i64| Timestamp(1_800_000_000_000 + minute * 60_000);
    let chair = NewParticipant { code: code(0), name: "Chair".into(), role: Role::Chair };
    let mut n =
        Negotiation::create(DocumentId::derive("meeting", "n"), "A large plan", chair, "bench", at(0)).expect("create");
    for i in 1..30 {
        let new = NewParticipant { code: code(i), name: format!("Agency {i}"), role: Role::Member };
        n.add_participant(new, &Attribution::new(code(0), at(1))).expect("participant");
    }
    let words =
        |seed: usize| (0..60).map(|w| format!("word{}", (seed * 31 + w * 7) % 211)).collect::<Vec<_>>().join(" ");
    for section in 1..=20u32 {
        let lead = code(section as usize);
        n.add_section(
            section,
            &format!("Topic {section}"),
            &lead,
            &words(section as usize),
            &Attribution::new(code(0), at(2)),
        )
        .expect("section");
        for k in 0..5 {
            let sponsor = code(1 + (section as usize * 5 + k) % 29);
            let new = NewProposal {
                id: ProposalId(DocumentId::derive("meeting", &format!("{section}-{k}"))),
                section,
                label: format!("Alt {}", k + 1),
                text: words(section as usize * 10 + k),
                rationale: String::new(),
                cosponsors: vec![],
            };
            let id = n.propose(new, &Attribution::new(sponsor, at(3))).expect("propose");
            for i in 0..30 {
                let kind = [StanceKind::Support, StanceKind::CanLiveWith, StanceKind::Reserve, StanceKind::Object]
                    [(i + k) % 4];
                n.record_stance(&id, kind, "as instructed", &Attribution::new(code(i), at(4))).expect("stance");
            }
        }
    }
    n
}

async fn measure(dir: &Path, prepared: &Prepared, clients: usize, behaviour: Behaviour) -> Measured {
    let (server, addr) = spawn_accord(dir);
    let pid = server.0.id();
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let url = format!("ws://{addr}/api/negotiations/{}/live", prepared.negotiation);
    let (stop, _) = tokio::sync::broadcast::channel::<()>(1);
    let (mut readers, mut views) = (Vec::new(), Vec::new());
    let joining = Instant::now();
    for _ in 0..clients {
        let mut request = url.as_str().into_client_request().expect("request");
        request.headers_mut().insert("authorization", "Bearer reader".parse().expect("header"));
        let socket = connect_client(request, None).await;
        let client = Client { addr: addr.clone(), negotiation: prepared.negotiation, behaviour, sent: sent.clone() };
        let (viewed, view) = tokio::sync::oneshot::channel();
        views.push(view);
        readers.push(tokio::spawn(client.follow(socket, viewed, stop.subscribe())));
    }
    for view in views {
        view.await.expect("every client receives the view first");
    }
    let joined = joining.elapsed();
    let cpu_before = cpu_seconds(pid);
    let typing = prepared.typers.iter().map(|(token, proposal)| type_into(&addr, token, *proposal, sent.clone()));
    let edits: Vec<Duration> = futures_util::future::join_all(typing).await.into_iter().flatten().collect();
    let (cpu, deliveries, bytes) = settle(pid, cpu_before, &stop, readers).await;
    drop(server);
    Measured {
        joined,
        expected_deliveries: clients * edits.len(),
        edits_sent: edits.len(),
        edits,
        deliveries,
        cpu_seconds: cpu,
        bytes,
    }
}

/// The same meeting on one of the field's servers (`behaviour`: automerge-repo's Node sync
/// server or Hocuspocus): each typer brings its proposal as a document and appends a marked word
/// every 250 ms; each client holds the five documents and notes when each marked word arrives.
async fn measure_field(dir: &Path, prepared: &Prepared, clients: usize, js: &Path, behaviour: Behaviour) -> Measured {
    let (server, url) = match behaviour {
        Behaviour::Hocuspocus => spawn_hocuspocus(js),
        _ => spawn_node(dir, js),
    };
    let pid = server.0.id();
    let documents: Vec<DocumentId> =
        (0..prepared.texts.len()).map(|k| DocumentId::derive("meeting-node", &k.to_string())).collect();
    let mut typers = Vec::new();
    for (k, text) in prepared.texts.iter().enumerate() {
        let mut typer = FieldPeer::connect(behaviour, &url, &format!("typer-{k}")).await;
        typer.create(documents[k], text).await;
        typers.push(typer);
    }
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let (stop, _) = tokio::sync::broadcast::channel::<()>(1);
    let mut readers = Vec::new();
    let joining = Instant::now();
    for index in 0..clients {
        let mut reader = FieldPeer::connect(behaviour, &url, &format!("reader-{index}")).await;
        for document in &documents {
            reader.fetch(*document).await;
        }
        readers.push(tokio::spawn(follow_field(reader, documents.clone(), sent.clone(), stop.subscribe())));
    }
    let joined = joining.elapsed();
    let cpu_before = cpu_seconds(pid);
    let typing = typers.into_iter().enumerate().map(|(k, typer)| type_field(typer, k, documents[k], sent.clone()));
    let edits_sent: usize = futures_util::future::join_all(typing).await.into_iter().sum();
    let (cpu, deliveries, bytes) = settle(pid, cpu_before, &stop, readers).await;
    drop(server);
    Measured {
        joined,
        edits: Vec::new(),
        edits_sent,
        expected_deliveries: clients * edits_sent,
        deliveries,
        cpu_seconds: cpu,
        bytes,
    }
}

/// A client of one of the field's servers, holding documents with a text each.
enum FieldPeer {
    Repo(RepoPeer),
    Yjs(YjsPeer),
}

impl FieldPeer {
    async fn connect(behaviour: Behaviour, url: &str, name: &str) -> FieldPeer {
        match behaviour {
            Behaviour::Hocuspocus => FieldPeer::Yjs(YjsPeer::connect(url).await),
            _ => FieldPeer::Repo(RepoPeer::connect(url, name).await),
        }
    }

    async fn create(&mut self, document: DocumentId, text: &str) {
        match self {
            FieldPeer::Repo(peer) => peer.create(document, text).await,
            FieldPeer::Yjs(peer) => peer.create(document, text).await,
        }
    }

    async fn fetch(&mut self, document: DocumentId) {
        match self {
            FieldPeer::Repo(peer) => peer.fetch(document).await,
            FieldPeer::Yjs(peer) => peer.fetch(document).await,
        }
    }

    fn text(&self, document: DocumentId) -> String {
        match self {
            FieldPeer::Repo(peer) => peer.text(document),
            FieldPeer::Yjs(peer) => peer.text(document),
        }
    }

    async fn append(&mut self, document: DocumentId, words: &str) {
        match self {
            FieldPeer::Repo(peer) => peer.splice(document, usize::MAX, words).await,
            FieldPeer::Yjs(peer) => peer.append(document, words).await,
        }
    }

    async fn receive_one(&mut self) -> Option<DocumentId> {
        match self {
            FieldPeer::Repo(peer) => peer.receive_one().await,
            FieldPeer::Yjs(peer) => peer.receive_one().await,
        }
    }

    async fn apply_until(&mut self, ticks: &mut tokio::time::Interval) {
        match self {
            FieldPeer::Repo(peer) => peer.apply_until(ticks).await,
            FieldPeer::Yjs(peer) => peer.apply_until(ticks).await,
        }
    }

    fn received(&self) -> u64 {
        match self {
            FieldPeer::Repo(peer) => peer.received,
            FieldPeer::Yjs(peer) => peer.received,
        }
    }
}

/// After the typing: a second for the last deliveries, then the server's CPU seconds since
/// `cpu_before`, and, the clients stopped, every delivery's latency and the bytes they received.
async fn settle(
    pid: u32,
    cpu_before: f64,
    stop: &tokio::sync::broadcast::Sender<()>,
    readers: Vec<tokio::task::JoinHandle<(Vec<Duration>, u64)>>,
) -> (f64, Vec<Duration>, u64) {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cpu = cpu_seconds(pid) - cpu_before;
    let _ = stop.send(());
    let (mut deliveries, mut bytes) = (Vec::new(), 0);
    for reader in readers {
        let (latencies, received) = reader.await.expect("reader");
        deliveries.extend(latencies);
        bytes += received;
    }
    (cpu, deliveries, bytes)
}

/// The marked word typer `k` appends in its `n`th edit.
fn node_marker(k: usize, n: usize) -> String {
    format!(" t{k}e{n}z")
}

/// One typer on a field's server: a marked word appended every 250 ms; returns how many it sent.
async fn type_field(
    mut typer: FieldPeer,
    k: usize,
    document: DocumentId,
    sent: Arc<Mutex<HashMap<String, Instant>>>,
) -> usize {
    let mut ticker = tokio::time::interval(EVERY);
    for n in 0..EDITS_EACH {
        typer.apply_until(&mut ticker).await;
        let marker = node_marker(k, n);
        sent.lock().expect("lock").insert(marker.clone(), Instant::now());
        typer.append(document, &marker).await;
    }
    EDITS_EACH
}

/// A client of a field's server until told to stop: the latency of every marked word it saw, and the bytes it received.
async fn follow_field(
    mut reader: FieldPeer,
    documents: Vec<DocumentId>,
    sent: Arc<Mutex<HashMap<String, Instant>>>,
    mut stop: tokio::sync::broadcast::Receiver<()>,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut seen = vec![0; documents.len()];
    loop {
        tokio::select! {
            _ = stop.recv() => break,
            document = reader.receive_one() => {
                let Some(k) = document.and_then(|d| documents.iter().position(|known| *known == d)) else { continue };
                let text = reader.text(documents[k]);
                while text.contains(&node_marker(k, seen[k])) {
                    let Some(began) = sent.lock().expect("lock").get(&node_marker(k, seen[k])).copied() else { break };
                    latencies.push(began.elapsed());
                    seen[k] += 1;
                }
            }
        }
    }
    (latencies, reader.received())
}

/// One sponsor typing: a word appended every 250 ms, each sent as the page's editor sends it.
async fn type_into(
    addr: &str,
    token: &str,
    proposal: ProposalId,
    sent: Arc<Mutex<HashMap<String, Instant>>>,
) -> Vec<Duration> {
    let (_, _, body) = http(addr, "GET", "/api/me", token, None, Asking::Plain).await;
    let me: Value = serde_json::from_slice(&body).expect("me");
    let path = format!("/api/negotiations/{}", me["negotiation"].as_str().expect("id"));
    let (_, _, body) = http(addr, "GET", &path, token, None, Asking::Plain).await;
    let view: Value = serde_json::from_slice(&body).expect("view");
    let found = view["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["proposals"].as_array().expect("proposals"))
        .find(|p| p["id"] == proposal.to_string())
        .expect("proposal");
    let (mut text, mut heads) = (found["text"].as_str().expect("text").to_string(), found["heads"].clone());
    let mut ticker = tokio::time::interval(EVERY);
    let mut edits = Vec::new();
    for n in 0..EDITS_EACH {
        ticker.tick().await;
        let marker = format!("{token}x{n}");
        let body = json!({"text": format!("{text} {marker}"), "base_heads": heads}).to_string();
        let began = Instant::now();
        sent.lock().expect("lock").insert(marker, began);
        let (status, _, answer) =
            http(addr, "PUT", &format!("/api/proposals/{proposal}/text"), token, Some(&body), Asking::Plain).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        edits.push(began.elapsed());
        let answer: Value = serde_json::from_slice(&answer).expect("answer");
        text = answer["text"].as_str().expect("text").to_string();
        heads = answer["heads"].clone();
    }
    edits
}

/// A browser-like client of the live socket.
struct Client {
    addr: String,
    negotiation: DocumentId,
    behaviour: Behaviour,
    sent: Arc<Mutex<HashMap<String, Instant>>>,
}

type Socket = common::ClientSocket;

impl Client {
    /// Reads the live socket until told to stop: the latency of every marker
    /// it saw arrive, and the bytes it received (live messages and views). Says when the
    /// first message, the view, came through `viewed`.
    async fn follow(
        self,
        mut socket: Socket,
        viewed: tokio::sync::oneshot::Sender<()>,
        mut stop: tokio::sync::broadcast::Receiver<()>,
    ) -> (Vec<Duration>, u64) {
        let mut viewed = Some(viewed);
        let mut latencies = Vec::new();
        let mut bytes = 0u64;
        let mut etag: Option<String> = None;
        let refetch = tokio::time::sleep(Duration::from_secs(3600));
        tokio::pin!(refetch);
        let mut armed = false;
        loop {
            tokio::select! {
                _ = stop.recv() => break,
                () = &mut refetch, if armed => {
                    armed = false;
                    let path = format!("/api/negotiations/{}", self.negotiation);
                    let (_, tag, body) = http(&self.addr, "GET", &path, "reader", None, Asking::Page { if_none_match: etag.as_deref() }).await;
                    bytes += body.len() as u64;
                    if !tag.is_empty() { etag = Some(tag); }
                }
                message = socket.next() => {
                    let Some(Ok(Message::Text(text))) = message else {
                        if matches!(message, None | Some(Err(_))) { break; }
                        continue;
                    };
                    bytes += text.len() as u64;
                    let Ok(message) = serde_json::from_str::<Value>(&text) else { continue };
                    if message["type"] == "view" {
                        etag = message["etag"].as_str().map(str::to_string);
                        if let Some(viewed) = viewed.take() { let _ = viewed.send(()); }
                    }
                    if message["type"] == "patch" && self.behaviour == Behaviour::Page {
                        let patch = &message["patch"];
                        if patch["from"].as_str() == etag.as_deref() {
                            etag = patch["to"].as_str().map(str::to_string);
                        } else {
                            refetch.as_mut().reset(tokio::time::Instant::now() + REFETCH_AFTER);
                            armed = true;
                        }
                    }
                    if message["type"] != "changed" { continue; }
                    for proposal in message["proposals"].as_array().into_iter().flatten() {
                        // The whole text the first time, then what changed: the word appended.
                        let said = proposal["text"].as_str().or(proposal["insert"].as_str()).unwrap_or_default();
                        let last = said.rsplit(' ').next().unwrap_or_default();
                        if let Some(began) = self.sent.lock().expect("lock").get(last) {
                            latencies.push(began.elapsed());
                        }
                    }

                }
            }
        }
        (latencies, bytes)
    }
}

/// How a request asks: as a page's fetch of the view does (the tag it holds, and gzip
/// accepted, as browsers always do: its size is counted, it is not read), or plainly.
#[derive(Clone, Copy)]
enum Asking<'a> {
    Page { if_none_match: Option<&'a str> },
    Plain,
}

/// One HTTP/1.1 request on its own connection: status, `ETag` and body.
async fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
    asking: Asking<'_>,
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n");
    if let Asking::Page { if_none_match } = asking {
        request.push_str("Accept-Encoding: gzip\r\n");
        if let Some(tag) = if_none_match {
            request.push_str(&format!("If-None-Match: {tag}\r\n"));
        }
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("a head") + 4;
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let etag = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().starts_with("etag:").then(|| l[5..].trim().to_string()))
        .unwrap_or_default();
    (status, etag, response[split..].to_vec())
}

//! Live fan-out: 30, 300 and 3,000 WebSocket clients on loopback subscribed
//! to one negotiation while a sponsor edits a proposal every 10 ms. Reports
//! deliveries per second and edit-to-delivery latency (p50, p99), next to a
//! minimal tokio-tungstenite broadcast server sending the same messages
//! (one of Accord's edit messages of the median size, as its clients received it, with
//! the word typed changed) at the same rate, in the same run, after opening each connection
//! with the same first message (the view, as Accord's live socket does). Goal: >= 0.8x its throughput,
//! p99 <= 1.25x. The raw server does what Accord must do per edit and no
//! more: a SQLite insert of the message committed with fsync (WAL,
//! `synchronous=FULL`, as the store), then the broadcast, sent as Accord
//! sends it (Nagle off, messages queued behind one flushed with it).
//!
//! A second anchor, *raw + automerge*, is the same server making each edit an automerge change
//! of the same text and storing that change instead of the message: what any server of an
//! automerge document pays per edit, so the rows show how much of Accord's extra time is the
//! CRDT itself and how much is Accord's.
//!
//! Accord's edits go through the hub (rights check, automerge change,
//! SQLite commit with fsync, announcement); latency runs from just before the
//! edit to the client having the message. Each edit appends " edit-N" to the
//! proposal; clients read N from the message (what it inserted). All servers first make 30 edits that are not measured (warm-up), once every
//! client holds its first message (Accord's live socket opens with the view).
//!
//! Each size runs five times, Accord then the anchors, so each run shares a minute of this
//! machine's noise; the rows give the median and the range over the runs, and the ratios are
//! taken within each run. (One run's p99 is decided by its two or three slowest edits, an
//! fsync stall or a preempted thread: single runs disagree by more than servers do.)
//! `FANOUT_CLIENTS=300` runs one client count, `FANOUT_RUNS=3` that many runs.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use accord_core::automerge::transaction::Transactable;
use accord_core::automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc};
use accord_core::{ParticipantCode, ProposalId, Splice, Timestamp, fixture};
use accord_server::AppState;
use accord_store::{Grant, Persisted, Store};
use common::{median_min_max, ms, quantile};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

const CLIENTS: [usize; 3] = [30, 300, 3000];
const RUNS: usize = 5;
const EDITS: usize = 200;
const EVERY: Duration = Duration::from_millis(10);
/// Edits made first and not measured, on both servers: the first ones also fill caches (the
/// negotiation's edit targets, the first live patch's view), which a meeting pays once.
const WARM_UP: usize = 30;
/// How much a client reads at a time (see `common::connect_client`).
const READ_CHUNK: usize = 8 * 1024;

/// What one run measured.
struct Run {
    deliveries: usize,
    expected: usize,
    per_second: f64,
    latencies: Vec<Duration>,
    /// The size of each view patch received.
    patch_bytes: Vec<usize>,
    message_bytes: usize,
    /// How long each edit's write took, before its message was sent.
    writes: Vec<Duration>,
    /// An edit message of the median size as the clients received it (Accord's runs: the
    /// raw servers send the same).
    message: String,
    /// The first message each client received (Accord's runs: the view; the raw servers
    /// send the same).
    greeting: Utf8Bytes,
    /// The text edited (Accord's runs): the raw automerge server starts from the same.
    proposal: String,
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let setting = |name: &str| std::env::var(name).ok().and_then(|n| n.parse::<usize>().ok());
    let runs = setting("FANOUT_RUNS").unwrap_or(RUNS).max(1);
    println!("Median (min-max) over {runs} runs of each server, alternately.");
    println!("| clients | server | deliveries/s | delivered | p50 ms | p99 ms | message bytes | view patches |");
    println!("|---|---|---|---|---|---|---|---|");
    for clients in setting("FANOUT_CLIENTS").map_or(CLIENTS.to_vec(), |n| vec![n]) {
        let (mut accord, mut raw, mut crdt) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let run = runtime.block_on(run_accord(clients));
            raw.push(runtime.block_on(run_raw(clients, &run, None)));
            crdt.push(runtime.block_on(run_raw(clients, &run, Some(&run.proposal))));
            accord.push(run);
        }
        report_writes(clients, "(accord's write itself: automerge change + SQLite commit)", &accord);
        report_writes(clients, "(raw's write itself: SQLite insert + commit)", &raw);
        report_writes(clients, "(raw + automerge's write itself: the change, then its insert + commit)", &crdt);
        report(clients, "raw: fsync'd SQLite insert, then tokio-tungstenite broadcast", &raw);
        report(clients, "raw + automerge: the same, storing an automerge change of the text", &crdt);
        report(clients, "accord live socket", &accord);
        report_ratios(clients, "raw", &accord, &raw);
        report_ratios(clients, "raw + automerge", &accord, &crdt);
    }
}

/// The row of ratios accord / `anchor`, taken within each run's pair.
fn report_ratios(clients: usize, anchor: &str, accord: &[Run], runs: &[Run]) {
    let pairs = || accord.iter().zip(runs);
    let throughput: Vec<f64> = pairs().map(|(a, r)| a.per_second / r.per_second).collect();
    let p99: Vec<f64> = pairs().map(|(a, r)| p99_ms(a) / p99_ms(r)).collect();
    println!(
        "| {clients} | ratio accord/{anchor}, within each run | {} | | | {} | | |",
        spread(&throughput, 2),
        spread(&p99, 2)
    );
}

fn p99_ms(run: &Run) -> f64 {
    ms(quantile(&run.latencies, 0.99))
}

/// The median of `values` and their range, as "m (min-max)".
fn spread(values: &[f64], decimals: usize) -> String {
    let (median, min, max) = median_min_max(values);
    format!("{median:.decimals$} ({min:.decimals$}-{max:.decimals$})")
}

async fn run_accord(clients: usize) -> Run {
    let dir = std::env::temp_dir().join(format!("accord-fanout-{}-{clients}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open(&dir).expect("store");
    let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
    store.save(&mut negotiation, &mut Persisted::default()).expect("save");
    let view = negotiation.view().expect("view");
    let alt1 = view.section(4).expect("topic 4").proposals[0].id;
    let grant = Grant { negotiation: negotiation.id(), participant: "HLCP".parse().expect("code") };
    store.add_token("reader", &grant, Timestamp(0), None).expect("token");
    let state = AppState::new(store, "bench".into());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(accord_server::run(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    let url = format!("ws://{addr}/api/negotiations/{}/live", negotiation.id());
    let sent = Arc::new((0..EDITS).map(|_| AtomicU64::new(0)).collect::<Vec<_>>());
    let start = Instant::now();
    let view = state.view(negotiation.id()).and_then(|view| view.live_message()).expect("the view");
    let greeting = Utf8Bytes::from(view.as_str().to_string());
    let readers = connect_all(clients, &url, Some("reader"), &sent, start).await;
    let sponsor: ParticipantCode = "UNSEC".parse().expect("code");
    let session = accord_server::session::Session { negotiation: negotiation.id(), participant: sponsor };
    let proposal = state.read(negotiation.id(), |n| Ok(n.proposal_text(&alt1)?.0)).expect("Alt 1");
    let mut end = proposal.chars().count();
    for warm in 0..WARM_UP {
        append(&state, &session, alt1, &mut end, &format!(" warm-{warm}"));
        tokio::time::sleep(EVERY).await;
    }
    let edits_began = Instant::now();
    let mut ticker = tokio::time::interval(EVERY);
    let mut writes = Vec::with_capacity(EDITS);
    for edit in 0..EDITS {
        ticker.tick().await;
        sent[edit].store(start.elapsed().as_nanos() as u64, Ordering::SeqCst);
        let writing = Instant::now();
        append(&state, &session, alt1, &mut end, &format!(" edit-{edit}"));
        writes.push(writing.elapsed());
    }
    let run = collect(readers, clients, edits_began).await;
    let _ = stop.send(());
    let _ = server.await;
    let _ = std::fs::remove_dir_all(&dir);
    Run { writes, proposal, greeting, ..run }
}

/// Types `words` at the end of proposal `id` (`end` characters long), as its sponsor typing on.
fn append(state: &AppState, session: &accord_server::session::Session, id: ProposalId, end: &mut usize, words: &str) {
    let insert = words.to_string();
    state.write(session, |n, by| n.splice_proposal(&id, &[Splice { pos: *end, delete: 0, insert }], by)).expect("edit");
    *end += words.chars().count();
}

/// A row of the time each edit's write took, before its message was sent.
fn report_writes(clients: usize, what: &str, runs: &[Run]) {
    let at = |q: f64| runs.iter().map(|run| ms(quantile(&run.writes, q))).collect::<Vec<_>>();
    println!("| {clients} | {what} | | | {} | {} | | |", spread(&at(0.5), 2), spread(&at(0.99), 2));
}

/// The raw server, sending what Accord's run sent (`accords`): its first message (the view)
/// to each client, then the same edit messages.
async fn run_raw(clients: usize, accords: &Run, crdt: Option<&str>) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (channel, _) = broadcast::channel::<Utf8Bytes>(256);
    let accept = tokio::spawn(accept_raw(listener, channel.clone(), accords.greeting.clone()));
    let sent = Arc::new((0..EDITS).map(|_| AtomicU64::new(0)).collect::<Vec<_>>());
    let start = Instant::now();
    let readers = connect_all(clients, &format!("ws://{addr}/"), None, &sent, start).await;
    let message = |words: &str| raw_message(&accords.message, words);
    let (dir, db) = durable_log(clients);
    let mut text = crdt.map(CrdtText::new);
    for warm in 0..WARM_UP {
        let words = format!(" warm-{warm}");
        let message = message(&words);
        let stored = text.as_mut().map_or_else(|| message.clone().into_bytes(), |t| t.append(&words));
        db.execute("INSERT INTO log (bytes) VALUES (?1)", [stored]).expect("a durable insert");
        let _ = channel.send(Utf8Bytes::from(message));
        tokio::time::sleep(EVERY).await;
    }
    let edits_began = Instant::now();
    let mut ticker = tokio::time::interval(EVERY);
    let mut writes = Vec::with_capacity(EDITS);
    for edit in 0..EDITS {
        ticker.tick().await;
        sent[edit].store(start.elapsed().as_nanos() as u64, Ordering::SeqCst);
        let writing = Instant::now();
        let words = format!(" edit-{edit}");
        let message = message(&words);
        tokio::task::block_in_place(|| {
            let stored = text.as_mut().map_or_else(|| message.clone().into_bytes(), |t| t.append(&words));
            db.execute("INSERT INTO log (bytes) VALUES (?1)", [stored])
        })
        .expect("a durable insert");
        writes.push(writing.elapsed());
        let _ = channel.send(Utf8Bytes::from(message));
    }
    let run = collect(readers, clients, edits_began).await;
    accept.abort();
    let _ = std::fs::remove_dir_all(dir);
    Run { message_bytes: accords.message.len(), writes, ..run }
}

/// What an automerge server must do per edit before storing it, and no more: the proposal's
/// text in an automerge document, each edit a change appended to it (one transaction), saved
/// as the bytes since the heads before it (what Accord's store appends).
struct CrdtText {
    doc: Automerge,
    text: ObjId,
}

impl CrdtText {
    fn new(initial: &str) -> CrdtText {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let text = tx.put_object(ROOT, "text", ObjType::Text).expect("text object");
        tx.splice_text(&text, 0, 0, initial).expect("initial text");
        tx.commit();
        CrdtText { doc, text }
    }

    /// Appends `words` to the text as one change; returns the bytes to store.
    fn append(&mut self, words: &str) -> Vec<u8> {
        let before = self.doc.get_heads();
        let end = self.doc.length(&self.text);
        let mut tx = self.doc.transaction();
        tx.splice_text(&self.text, end, 0, words).expect("an append");
        tx.commit();
        self.doc.save_after(&before)
    }
}

/// The raw server's message for `words` typed (" edit-N"): one of Accord's `changed` messages
/// (`accords`, as its clients received it) with the words it carried replaced, so that both
/// servers send the same bytes and the clients, which look through each message, read the same.
fn raw_message(accords: &str, words: &str) -> String {
    let at = accords.find(" edit-").expect("Accord's message carries the words typed");
    let digits = accords[at + " edit-".len()..].chars().take_while(char::is_ascii_digit).count();
    format!("{}{words}{}", &accords[..at], &accords[at + " edit-".len() + digits..])
}

/// The raw server's store: one table in SQLite, every insert committed with fsync.
fn durable_log(clients: usize) -> (std::path::PathBuf, rusqlite::Connection) {
    let dir = std::env::temp_dir().join(format!("accord-fanout-raw-{}-{clients}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let db = rusqlite::Connection::open(dir.join("raw.sqlite3")).expect("open");
    db.pragma_update(None, "journal_mode", "WAL").expect("wal");
    db.pragma_update(None, "synchronous", "FULL").expect("full");
    db.execute_batch("CREATE TABLE log (seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL)").expect("table");
    (dir, db)
}

/// The minimal broadcast server: every connection gets `greeting`, then every message.
async fn accept_raw(listener: TcpListener, channel: broadcast::Sender<Utf8Bytes>, greeting: Utf8Bytes) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { return };
        // As Accord's server does: small messages go out at once (no Nagle delay).
        let _ = stream.set_nodelay(true);
        let mut messages = channel.subscribe();
        let greeting = greeting.clone();
        tokio::spawn(async move {
            let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else { return };
            if socket.send(Message::Text(greeting)).await.is_err() {
                return;
            }
            // As Accord's live socket does: what queued behind a message goes with one flush.
            while let Ok(message) = messages.recv().await {
                if socket.feed(Message::Text(message)).await.is_err() {
                    return;
                }
                while let Ok(queued) = messages.try_recv() {
                    if socket.feed(Message::Text(queued)).await.is_err() {
                        return;
                    }
                }
                if socket.flush().await.is_err() {
                    return;
                }
            }
        });
    }
}

type Reader = tokio::task::JoinHandle<Latencies>;

/// Connects `clients` readers, each returning the latency of every edit it received, and
/// waits until every one has had its first message (the view: Accord's live socket opens with
/// it, and the raw servers send the same): what is measured is the fan-out of edits, not the
/// last clients' first views still on their way (3,000 times the fixture's 44 KB).
async fn connect_all(
    clients: usize,
    url: &str,
    token: Option<&str>,
    sent: &Arc<Vec<AtomicU64>>,
    start: Instant,
) -> Vec<Reader> {
    let (mut readers, mut greetings) = (Vec::with_capacity(clients), Vec::with_capacity(clients));
    for _ in 0..clients {
        let mut request = url.into_client_request().expect("request");
        if let Some(token) = token {
            request.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
        }
        let socket = common::connect_client(request, Some(READ_CHUNK)).await;
        let sent = Arc::clone(sent);
        let (greeted, greeting) = tokio::sync::oneshot::channel();
        greetings.push(greeting);
        readers.push(tokio::spawn(async move { read_edits(socket, greeted, sent, start).await }));
    }
    for greeting in greetings {
        greeting.await.expect("every client receives the view first");
    }
    readers
}

/// Reads edits until it has them all (or their time is long past); says through `greeted`
/// when the first message came.
async fn read_edits(
    mut socket: common::ClientSocket,
    greeted: tokio::sync::oneshot::Sender<()>,
    sent: Arc<Vec<AtomicU64>>,
    start: Instant,
) -> Latencies {
    let mut latencies = Latencies::default();
    let mut greeted = Some(greeted);
    let deadline = tokio::time::sleep(EVERY * EDITS as u32 + Duration::from_secs(10));
    tokio::pin!(deadline);
    while latencies.edits.len() < EDITS {
        let message = tokio::select! {
            message = socket.next() => message,
            () = &mut deadline => break,
        };
        let Some(Ok(Message::Text(text))) = message else {
            if matches!(message, None | Some(Err(_))) {
                break;
            }
            continue;
        };
        if let Some(greeted) = greeted.take() {
            let _ = greeted.send(());
            continue;
        }
        // View patches (Accord only) are counted apart, with their size.
        if text.contains("\"type\":\"patch\"") {
            latencies.patch_bytes.push(text.len());
            continue;
        }
        let Some(edit) = edit_number(&text) else { continue };
        let now = start.elapsed().as_nanos() as u64;
        latencies.edits.push(Duration::from_nanos(now.saturating_sub(sent[edit].load(Ordering::SeqCst))));
        latencies.edit_bytes.push(text.len());
        // The first, then one with a three-digit N, as most are (the median size).
        if latencies.sample.is_none() || edit == 100 {
            latencies.sample = Some(text.to_string());
        }
    }
    latencies
}

/// What one reader measured: each edit's message and its size, and the size of each view patch.
#[derive(Default)]
struct Latencies {
    edits: Vec<Duration>,
    edit_bytes: Vec<usize>,
    /// One edit message received, whole.
    sample: Option<String>,
    patch_bytes: Vec<usize>,
}

/// The N of the first "edit-N" in a message.
fn edit_number(text: &str) -> Option<usize> {
    let rest = &text[text.find("edit-")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| *n < EDITS)
}

/// Waits for every reader; throughput counts from the first edit to the
/// last delivery (readers stop once they have every edit).
async fn collect(readers: Vec<Reader>, clients: usize, edits_began: Instant) -> Run {
    let (mut latencies, mut patch_bytes, mut edit_bytes, mut samples) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for reader in readers {
        let read = reader.await.unwrap_or_default();
        latencies.extend(read.edits);
        patch_bytes.extend(read.patch_bytes);
        edit_bytes.extend(read.edit_bytes);
        samples.extend(read.sample);
    }
    let elapsed = edits_began.elapsed().as_secs_f64();
    let deliveries = latencies.len();
    let size = (!edit_bytes.is_empty()).then(|| median(&edit_bytes));
    Run {
        deliveries,
        expected: clients * EDITS,
        per_second: deliveries as f64 / elapsed.max(1e-9),
        latencies,
        message_bytes: size.unwrap_or(0),
        message: samples
            .iter()
            .find(|sample| Some(sample.len()) == size)
            .or(samples.first())
            .cloned()
            .unwrap_or_default(),
        patch_bytes,
        writes: Vec::new(),
        proposal: String::new(),
        greeting: Utf8Bytes::default(),
    }
}

fn median(sizes: &[usize]) -> usize {
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    sorted[sorted.len() / 2]
}

fn report(clients: usize, server: &str, runs: &[Run]) {
    let each = |f: &dyn Fn(&Run) -> f64| runs.iter().map(f).collect::<Vec<_>>();
    let (delivered, expected) = runs.iter().fold((0, 0), |(d, e), run| (d + run.deliveries, e + run.expected));
    let patches: Vec<usize> = runs.iter().flat_map(|run| run.patch_bytes.iter().copied()).collect();
    println!(
        "| {clients} | {server} | {} | {delivered}/{expected} | {} | {} | {} | {} |",
        spread(&each(&|run| run.per_second), 0),
        spread(&each(&|run| ms(quantile(&run.latencies, 0.5))), 2),
        spread(&each(&p99_ms), 2),
        runs[0].message_bytes,
        match patches.len() {
            0 => String::new(),
            n => format!(
                "{:.1} per client, {} bytes each (median)",
                n as f64 / (clients * runs.len()) as f64,
                median(&patches)
            ),
        }
    );
}

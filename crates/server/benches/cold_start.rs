//! Cold start: a store holding 100 negotiations (the HLCP fixture under 100
//! names); time from opening the store to the first served request (the
//! full view of one negotiation over HTTP on loopback), next to raw
//! automerge loading the same bytes (that negotiation's chunks read from
//! SQLite and `Automerge::load`ed), in the same run. 15 rounds, page cache warm.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use accord_core::automerge::Automerge;
use accord_core::{ParticipantCode, Timestamp, fixture};
use accord_server::AppState;
use accord_store::{Grant, Persisted, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const NEGOTIATIONS: usize = 100;
const ROUNDS: usize = 15;

fn main() {
    let dir = std::env::temp_dir().join(format!("accord-cold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (id, token) = fill(&dir);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ours.push(runtime.block_on(first_request(&dir, &id, &token)));
        raw.push(raw_load(&dir, &id));
    }
    println!(
        "store: {NEGOTIATIONS} negotiations, {} bytes",
        std::fs::metadata(dir.join("accord.sqlite3")).map(|m| m.len()).unwrap_or(0)
    );
    println!("| start | median ms | min-max ms |");
    println!("|---|---|---|");
    report("raw: read the negotiation's chunks + automerge load", &raw);
    report("accord: open store + serve first GET of the view", &ours);
    println!("ratio median: {:.2}", median(&ours).as_secs_f64() / median(&raw).as_secs_f64());
    let _ = std::fs::remove_dir_all(&dir);
}

/// 100 negotiations and a token for the chair of the last one.
fn fill(dir: &std::path::Path) -> (String, String) {
    let mut store = Store::open(dir).expect("store");
    let script = fixture::script("hlcp-cybersecurity").expect("fixture");
    let mut last = None;
    for index in 0..NEGOTIATIONS {
        let mut negotiation = fixture::replay(&format!("cold-{index}"), script).expect("replay");
        store.save(&mut negotiation, &mut Persisted::default()).expect("save");
        last = Some(negotiation.id());
    }
    let id = last.expect("a negotiation");
    let code: ParticipantCode = "HLCP".parse().expect("code");
    store.add_token("bench-token", &Grant { negotiation: id, participant: code }, Timestamp(0), None).expect("token");
    (id.to_string(), "bench-token".to_string())
}

async fn first_request(dir: &std::path::Path, id: &str, token: &str) -> Duration {
    let start = Instant::now();
    let store = Store::open(dir).expect("store");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(accord_server::run(listener, AppState::new(store, "bench".into()), async {
        let _ = stopped.await;
    }));
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET /api/negotiations/{id} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let elapsed = start.elapsed();
    assert!(response.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&response[..80.min(response.len())]));
    let _ = stop.send(());
    let _ = server.await;
    elapsed
}

fn raw_load(dir: &std::path::Path, id: &str) -> Duration {
    let start = Instant::now();
    let conn = rusqlite::Connection::open(dir.join("accord.sqlite3")).expect("open");
    let mut statement =
        conn.prepare("SELECT document, bytes FROM chunks WHERE negotiation = ?1 ORDER BY seq").expect("prepare");
    let rows =
        statement.query_map([id], |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))).expect("query");
    let mut bytes: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for row in rows {
        let (document, chunk) = row.expect("row");
        bytes.entry(document).or_default().extend_from_slice(&chunk);
    }
    let docs: Vec<Automerge> = bytes.values().map(|b| Automerge::load(b).expect("load")).collect();
    assert!(!docs.is_empty());
    start.elapsed()
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn report(what: &str, samples: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (min, max) =
        (samples.iter().min().copied().unwrap_or_default(), samples.iter().max().copied().unwrap_or_default());
    println!("| {what} | {:.2} | {:.2}-{:.2} |", ms(median(samples)), ms(min), ms(max));
}

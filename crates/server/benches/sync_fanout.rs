//! Sync fan-out: one writer splices a word into a 2,000-word document every
//! 250 ms while 10, 30 or 100 readers hold it, over the automerge-repo
//! protocol, on Accord's `/sync` (every change through the gate, stored
//! with fsync, then relayed) and on the field's reference server,
//! automerge-repo 2.5.6's Node sync server (benches/js/sync-server.mjs), on
//! the same machine with the same edit stream and the same Rust clients.
//! Each server runs as its own process, so its CPU time is its own: the
//! bench reports delivery latency (splice to every reader having it),
//! server CPU seconds and peak memory, three runs each.
//!
//! Needs Node.js and the packages of benches/js: `npm ci --prefix benches/js`.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord_core::{Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ProposalId, Role, Timestamp};
use accord_store::{Grant, Persisted, Store};

mod common;

use common::repo_peer::{RepoPeer, node_server_dir, spawn_node};
use common::{ServerProcess, cpu_seconds, machine, ms, peak_mib, quantile, serve_if_asked, spawn_accord};

const WORDS: usize = 2_000;
const EDITS: usize = 40;
const EVERY: Duration = Duration::from_millis(250);
const RUNS: usize = 3;
const READERS: [usize; 3] = [10, 30, 100];

fn main() {
    if serve_if_asked() {
        return;
    }
    let js = node_server_dir();
    println!("machine: {}; automerge 0.12.0 (Rust), automerge-repo 2.5.6 with automerge 3.5.0 (Node)", machine());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    println!("| server | readers | run | delivered | p50 ms | p99 ms | server CPU s | peak MiB |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut summary = Vec::new();
    for readers in READERS {
        for run in 1..=RUNS {
            for server in [Server::Accord, Server::Node] {
                let result = runtime.block_on(measure(server, readers, &js));
                println!(
                    "| {} | {readers} | {run} | {}/{} | {:.2} | {:.2} | {:.2} | {:.1} |",
                    server.name(),
                    result.latencies.len(),
                    readers * EDITS,
                    ms(quantile(&result.latencies, 0.5)),
                    ms(quantile(&result.latencies, 0.99)),
                    result.cpu_seconds,
                    result.peak_mib
                );
                summary.push((server, readers, result));
            }
        }
    }
    println!(
        "\n| readers | p99 ratio accord/node (median of runs) | CPU ratio accord/node (median of runs) | peak memory ratio |"
    );
    println!("|---|---|---|---|");
    for readers in READERS {
        let of =
            |server: Server| summary.iter().filter(move |(s, r, _)| *s == server && *r == readers).map(|(_, _, m)| m);
        let median = |mut values: Vec<f64>| {
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        let p99 = |s| median(of(s).map(|m| ms(quantile(&m.latencies, 0.99))).collect());
        let cpu = |s| median(of(s).map(|m| m.cpu_seconds).collect());
        let mem = |s| median(of(s).map(|m| m.peak_mib).collect());
        println!(
            "| {readers} | {:.2} | {:.2} | {:.2} |",
            p99(Server::Accord) / p99(Server::Node),
            cpu(Server::Accord) / cpu(Server::Node),
            mem(Server::Accord) / mem(Server::Node)
        );
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Server {
    Accord,
    Node,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Accord => "accord",
            Server::Node => "automerge-repo node",
        }
    }
}

struct Measured {
    latencies: Vec<Duration>,
    cpu_seconds: f64,
    peak_mib: f64,
}

/// Where the clients connect, who they say they are, and which document.
struct Setup {
    child: ServerProcess,
    url_writer: String,
    url_reader: String,
    writer_peer: String,
    reader_peer: Box<dyn Fn(usize) -> String>,
    document: DocumentId,
    /// The writer brings the document (Node), or finds it on the server (Accord).
    writer_creates: bool,
}

async fn measure(server: Server, readers: usize, js: &Path) -> Measured {
    let dir = std::env::temp_dir().join(format!("accord-sync-fanout-{}-{readers}-{:?}", std::process::id(), server));
    let _ = std::fs::remove_dir_all(&dir);
    let setup = match server {
        Server::Accord => accord_setup(&dir),
        Server::Node => node_setup(&dir, js),
    };
    let pid = setup.child.0.id();
    let sent: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let mut writer = RepoPeer::connect(&setup.url_writer, &setup.writer_peer).await;
    if setup.writer_creates {
        writer.create(setup.document, &words()).await;
    } else {
        writer.fetch(setup.document).await;
    }
    let mut tasks = Vec::new();
    for index in 0..readers {
        let mut reader = RepoPeer::connect(&setup.url_reader, &(setup.reader_peer)(index)).await;
        reader.fetch(setup.document).await;
        let (sent, latencies) = (sent.clone(), latencies.clone());
        tasks.push(tokio::spawn(follow(reader, setup.document, sent, latencies)));
    }
    let cpu_before = cpu_seconds(pid);
    write(&mut writer, setup.document, &sent).await;
    let wait_until = Instant::now() + Duration::from_secs(5);
    while latencies.lock().expect("lock").len() < readers * EDITS && Instant::now() < wait_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu = cpu_seconds(pid) - cpu_before;
    let peak = peak_mib(pid);
    for task in tasks {
        task.abort();
    }
    drop(setup.child);
    let _ = std::fs::remove_dir_all(&dir);
    let latencies = latencies.lock().expect("lock").clone();
    Measured { latencies, cpu_seconds: cpu, peak_mib: peak }
}

/// Accord: a negotiation with DESA's 2,000-word proposal; DESA writes, ITU's connections read.
fn accord_setup(dir: &Path) -> Setup {
    let code = |c: &str| c.parse().expect("code");
    let by = |c: &str| Attribution::new(code(c), Timestamp(1_800_000_000_000));
    let chair = NewParticipant { code: code("CHAIR"), name: "Chair".into(), role: Role::Chair };
    let mut n =
        Negotiation::create(DocumentId::derive("fanout", "n"), "Bench", chair, "bench", Timestamp(0)).expect("create");
    for who in ["DESA", "ITU"] {
        n.add_participant(NewParticipant { code: code(who), name: who.into(), role: Role::Member }, &by("CHAIR"))
            .expect("participant");
    }
    n.add_section(1, "Section", &code("DESA"), "base", &by("CHAIR")).expect("section");
    let id = ProposalId(DocumentId::derive("fanout", "proposal"));
    let new = NewProposal {
        id,
        section: 1,
        label: "Alt 1".into(),
        text: words(),
        rationale: String::new(),
        cosponsors: vec![],
    };
    n.propose(new, &by("DESA")).expect("propose");
    let mut store = Store::open(dir).expect("store");
    store.save(&mut n, &mut Persisted::default()).expect("save");
    for (token, who) in [("writer", "DESA"), ("reader", "ITU")] {
        store
            .add_token(token, &Grant { negotiation: n.id(), participant: code(who) }, Timestamp(0), None)
            .expect("token");
    }
    drop(store);
    let (child, addr) = spawn_accord(dir);
    let negotiation = n.id();
    Setup {
        child,
        url_writer: format!("ws://{addr}/sync?token=writer"),
        url_reader: format!("ws://{addr}/sync?token=reader"),
        writer_peer: format!("accord:{negotiation}:DESA"),
        reader_peer: Box::new(move |_| format!("accord:{negotiation}:ITU")),
        document: id.0,
        writer_creates: false,
    }
}

/// The Node server on a fresh directory; the writer brings the document.
fn node_setup(dir: &Path, js: &Path) -> Setup {
    let (child, url) = spawn_node(dir, js);
    Setup {
        child,
        url_writer: url.clone(),
        url_reader: url,
        writer_peer: "writer".into(),
        reader_peer: Box::new(|index| format!("reader-{index}")),
        document: DocumentId::from_bytes(*b"fanout-bench-doc"),
        writer_creates: true,
    }
}

fn words() -> String {
    (0..WORDS).map(|i| format!("word{}", i % 97)).collect::<Vec<_>>().join(" ")
}

/// Splices a marked word every 250 ms, applying what the server sends meanwhile.
async fn write(writer: &mut RepoPeer, document: DocumentId, sent: &Arc<Mutex<Vec<Instant>>>) {
    let mut ticks = tokio::time::interval(EVERY);
    for edit in 0..EDITS {
        writer.apply_until(&mut ticks).await;
        sent.lock().expect("lock").push(Instant::now());
        writer.splice(document, (edit * 7 * 9) % 5_000, &format!(" m{edit}x ")).await;
    }
}

/// Applies what the server sends, noting when each marked word arrives.
async fn follow(
    mut reader: RepoPeer,
    document: DocumentId,
    sent: Arc<Mutex<Vec<Instant>>>,
    latencies: Arc<Mutex<Vec<Duration>>>,
) {
    let mut seen = 0;
    loop {
        reader.receive_one().await;
        let text = reader.text(document);
        while text.contains(&format!(" m{seen}x ")) {
            let Some(at) = sent.lock().expect("lock").get(seen).copied() else { break };
            latencies.lock().expect("lock").push(at.elapsed());
            seen += 1;
        }
    }
}

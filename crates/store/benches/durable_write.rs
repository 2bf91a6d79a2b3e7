//! Durable writes: a stance recorded and saved (one automerge change,
//! appended to SQLite and committed with `synchronous=FULL`), next to a raw
//! SQLite loop inserting a blob of the same size and committing, on the
//! same disk in the same run. Reports acknowledged writes per second and
//! p50/p99 latency, for the whole write and for the store's save alone.
//! Goal: p99 <= 1.2x raw.

use std::time::{Duration, Instant};

use accord_core::{Attribution, StanceKind, Timestamp, fixture};
use accord_store::{Persisted, Store};
use rusqlite::{Connection, params};

const WRITES: usize = 300;

fn main() {
    let dir = std::env::temp_dir().join(format!("accord-durable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open(&dir).expect("store");
    let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
    let mut persisted = Persisted::default();
    store.save(&mut negotiation, &mut persisted).expect("initial save");
    let view = negotiation.view().expect("view");
    let proposal = view.sections[3].proposals[2].id;
    let itu = view.participants.iter().find(|p| p.code.as_str() == "ITU").expect("ITU").document;
    let raw = raw_connection(&dir);
    let (mut ours, mut theirs, mut sizes, mut saves) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..WRITES {
        let by = Attribution::new("ITU".parse().expect("code"), Timestamp(1_800_000_000_000 + round as i64));
        let before = negotiation.documents()[&itu].get_heads();
        let start = Instant::now();
        negotiation.record_stance(&proposal, StanceKind::CanLiveWith, &format!("burst {round}"), &by).expect("stance");
        let saving = Instant::now();
        store.save(&mut negotiation, &mut persisted).expect("save");
        saves.push(saving.elapsed());
        ours.push(start.elapsed());
        let size = negotiation.documents()[&itu].save_after(&before).len();
        sizes.push(size);
        theirs.push(raw_write(&raw, round, size));
    }
    println!("each write appends {} bytes on average", sizes.iter().sum::<usize>() / sizes.len());
    println!("| writer | writes/s | p50 ms | p99 ms | min-max ms |");
    println!("|---|---|---|---|---|");
    report("raw SQLite insert + commit", &theirs);
    report("accord store save alone (the chunk append)", &saves);
    report("accord stance + save (whole acknowledged write)", &ours);
    let ratio = |samples: &[Duration]| quantile(samples, 0.99).as_secs_f64() / quantile(&theirs, 0.99).as_secs_f64();
    println!("ratio p99 vs raw: save alone {:.2}, whole write {:.2}", ratio(&saves), ratio(&ours));
    let _ = std::fs::remove_dir_all(&dir);
}

fn raw_connection(dir: &std::path::Path) -> Connection {
    let conn = Connection::open(dir.join("raw.sqlite3")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
    conn.pragma_update(None, "synchronous", "FULL").expect("full");
    conn.execute_batch("CREATE TABLE blobs (seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL)").expect("table");
    conn
}

/// One insert of `size` bytes in its own committed transaction.
fn raw_write(conn: &Connection, round: usize, size: usize) -> Duration {
    let bytes = vec![(round % 251) as u8; size];
    let start = Instant::now();
    conn.execute("BEGIN", []).expect("begin");
    conn.execute("INSERT INTO blobs (bytes) VALUES (?1)", params![bytes]).expect("insert");
    conn.execute("COMMIT", []).expect("commit");
    start.elapsed()
}

fn quantile(samples: &[Duration], q: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn report(what: &str, samples: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = samples.iter().sum::<Duration>().as_secs_f64() / samples.len() as f64;
    println!(
        "| {what} | {:.0} | {:.2} | {:.2} | {:.2}-{:.2} |",
        1.0 / mean,
        ms(quantile(samples, 0.5)),
        ms(quantile(samples, 0.99)),
        ms(quantile(samples, 0.0)),
        ms(quantile(samples, 1.0))
    );
}

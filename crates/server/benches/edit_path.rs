//! The browser edit path: a sponsor's browser sends `{text, base_heads}`
//! where the heads are stale (another sponsor edited since); the server
//! applies the difference as a concurrent change (`edit_proposal_at`) and
//! persists it to SQLite. Measured on a 2,000-word proposal with 50,000
//! changes of history, next to a raw automerge `update_text` on the current
//! document (no rights check, no history lookup, no persistence) in the
//! same run. Goal: p99 <= 20 ms.

use std::time::{Duration, Instant};

use accord_core::automerge::transaction::Transactable;
use accord_core::automerge::{ObjType, ROOT, ReadDoc};
use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role, Splice,
    Timestamp,
};
use accord_store::{Persisted, Store};

mod common;

use common::{machine, quantile};

const WORDS: usize = 2_000;
const HISTORY: usize = 50_000;
const EDITS: usize = 200;

fn main() {
    println!("machine: {}; automerge 0.12.0, rusqlite (bundled SQLite), WAL, synchronous=FULL", machine());
    let dir = std::env::temp_dir().join(format!("accord-edit-path-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open(&dir).expect("store");
    let (mut negotiation, id) = proposal_with_history();
    let mut persisted = Persisted::default();
    store.save(&mut negotiation, &mut persisted).expect("initial save");
    let text_len = negotiation.view().expect("view").proposal(&id).expect("p").text.split_whitespace().count();
    println!(
        "proposal: {text_len} words, {} changes of history",
        negotiation.documents()[&id.0].get_changes(&[]).len()
    );
    let mut ours = Vec::new();
    for round in 0..EDITS {
        let stale = negotiation.proposal_heads(&id).expect("heads");
        let before = negotiation.view().expect("view").proposal(&id).expect("p").text.clone();
        other_sponsor_types(&mut negotiation, &id, round);
        let browser_text = replace_word(&before, round);
        let start = Instant::now();
        negotiation.edit_proposal_at(&id, &stale, &browser_text, &by("DESA", round)).expect("edit");
        store.save(&mut negotiation, &mut persisted).expect("save");
        ours.push(start.elapsed());
    }
    let raw = raw_update_text();
    report("accord: stale heads + concurrent apply + persist", &ours);
    report("raw automerge update_text on the current doc", &raw);
    println!("ratio p99: {:.2}", quantile(&ours, 0.99).as_secs_f64() / quantile(&raw, 0.99).as_secs_f64());
    let _ = std::fs::remove_dir_all(&dir);
}

fn code(text: &str) -> ParticipantCode {
    text.parse().expect("code")
}

fn by(who: &str, minute: usize) -> Attribution {
    Attribution::new(code(who), Timestamp(1_800_000_000_000 + minute as i64 * 60_000))
}

fn base_text() -> String {
    (0..WORDS).map(|i| format!("word{}", i % 97)).collect::<Vec<_>>().join(" ")
}

/// A 2,000-word proposal by DESA and UNODC built from 50,000 keystroke changes.
fn proposal_with_history() -> (Negotiation, ProposalId) {
    let participant = |code_text: &str, role| NewParticipant { code: code(code_text), name: code_text.into(), role };
    let mut n = Negotiation::create(
        DocumentId::derive("bench", "edit"),
        "Bench",
        participant("CHAIR", Role::Chair),
        "bench",
        Timestamp(0),
    )
    .expect("create");
    for who in ["DESA", "UNODC"] {
        n.add_participant(participant(who, Role::Member), &by("CHAIR", 0)).expect("participant");
    }
    n.add_section(1, "Section", &code("DESA"), "base", &by("CHAIR", 0)).expect("section");
    let id = ProposalId(DocumentId::derive("bench", "proposal"));
    let new = NewProposal {
        id,
        section: 1,
        label: "Alt 1".into(),
        text: base_text(),
        rationale: String::new(),
        cosponsors: vec![code("UNODC")],
    };
    n.propose(new, &by("DESA", 0)).expect("propose");
    n.cosponsor(&id, &by("UNODC", 0)).expect("join");
    for i in 0..HISTORY / 2 {
        let pos = (i * 7919) % (WORDS * 5);
        n.splice_proposal(&id, &[Splice { pos, delete: 0, insert: "x".into() }], &by("UNODC", 1)).expect("type");
        n.splice_proposal(&id, &[Splice { pos, delete: 1, insert: String::new() }], &by("UNODC", 1)).expect("erase");
    }
    (n, id)
}

/// The other sponsor edits in between, so the browser's heads are stale.
fn other_sponsor_types(n: &mut Negotiation, id: &ProposalId, round: usize) {
    let splice = Splice { pos: (round * 131) % 1000, delete: 0, insert: "y".into() };
    n.splice_proposal(id, &[splice], &by("UNODC", round)).expect("other sponsor");
}

fn replace_word(text: &str, round: usize) -> String {
    let mut words: Vec<&str> = text.split(' ').collect();
    let index = (round * 37) % words.len();
    words[index] = "amended";
    words.join(" ")
}

/// `update_text` with a one-word change on an automerge document of the
/// same size and history, without Accord.
fn raw_update_text() -> Vec<Duration> {
    let mut doc = accord_core::automerge::Automerge::new();
    let mut tx = doc.transaction();
    let text = tx.put_object(ROOT, "text", ObjType::Text).expect("text");
    tx.splice_text(&text, 0, 0, &base_text()).expect("splice");
    tx.commit();
    for i in 0..HISTORY / 2 {
        let pos = (i * 7919) % (WORDS * 5);
        let mut tx = doc.transaction();
        tx.splice_text(&text, pos, 0, "x").expect("type");
        tx.commit();
        let mut tx = doc.transaction();
        tx.splice_text(&text, pos, 1, "").expect("erase");
        tx.commit();
    }
    let mut samples = Vec::new();
    for round in 0..EDITS {
        let current = doc.text(&text).expect("text");
        let new_text = replace_word(&current, round);
        let start = Instant::now();
        let mut tx = doc.transaction();
        tx.update_text(&text, &new_text).expect("update");
        tx.commit();
        samples.push(start.elapsed());
    }
    samples
}

fn report(what: &str, samples: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "| {what} | {:.2} | {:.2} | {:.2}-{:.2} |",
        ms(quantile(samples, 0.5)),
        ms(quantile(samples, 0.99)),
        ms(quantile(samples, 0.0)),
        ms(quantile(samples, 1.0))
    );
}

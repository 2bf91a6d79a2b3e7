//! The gate's cost: a peer's one-change edit of a proposal with 50,000
//! changes of history (2,000 words), admitted through the gate, next to the
//! ungated path, automerge applying the same change to a document of the
//! same history, in the same run. Goal: p99 <= 2x.

mod common;

use std::time::{Duration, Instant};

use accord_core::automerge::Automerge;
use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role, Splice,
    Timestamp,
};
use common::{Stats, ms, print_machine};

const WORDS: usize = 2_000;
const HISTORY: usize = 50_000;
const ROUNDS: usize = 300;

fn main() {
    print_machine();
    let (mut server, id) = proposal_with_history();
    let mut peer = Negotiation::from_documents(server.id(), server.documents().clone(), "peer").expect("peer");
    let mut ungated: Automerge = server.documents()[&id.0].clone();
    println!("proposal: {WORDS} words, {} changes of history", ungated.get_changes(&[]).len());
    let (mut gated_times, mut raw_times) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let splice = Splice { pos: (round * 131) % 1000, delete: 0, insert: "word ".into() };
        peer.splice_proposal(&id, &[splice], &by("UNODC", round)).expect("the peer edits");
        let changes = server.documents()[&id.0].get_changes_added(&peer.documents()[&id.0]);
        assert_eq!(changes.len(), 1);
        let start = Instant::now();
        ungated.apply_changes(changes.clone()).expect("apply");
        raw_times.push(start.elapsed());
        let start = Instant::now();
        let admission = server.admit(id.0, &code("UNODC"), changes).expect("admit");
        gated_times.push(start.elapsed());
        assert_eq!(admission.accepted.len(), 1, "{admission:?}");
    }
    let (gated, raw) = (Stats::of(&gated_times), Stats::of(&raw_times));
    println!("| path | p50 ms | p99 ms | min-max ms |");
    println!("|---|---|---|---|");
    let row =
        |name: &str, s: &Stats| println!("| {name} | {} | {} | {}-{} |", ms(s.median), ms(s.p99), ms(s.min), ms(s.max));
    row("ungated: automerge applies the change", &raw);
    row("accord: the gate checks and applies it", &gated);
    println!("ratio p99 gated/ungated: {:.2}", ratio(gated.p99, raw.p99));
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn code(text: &str) -> ParticipantCode {
    text.parse().expect("code")
}

fn by(who: &str, minute: usize) -> Attribution {
    Attribution::new(code(who), Timestamp(1_800_000_000_000 + minute as i64 * 60_000))
}

/// A 2,000-word proposal by DESA and UNODC built from 50,000 keystroke changes.
fn proposal_with_history() -> (Negotiation, ProposalId) {
    let participant = |code_text: &str, role| NewParticipant { code: code(code_text), name: code_text.into(), role };
    let mut n = Negotiation::create(
        DocumentId::derive("bench", "gate"),
        "Bench",
        participant("CHAIR", Role::Chair),
        "server",
        Timestamp(0),
    )
    .expect("create");
    for who in ["DESA", "UNODC"] {
        n.add_participant(participant(who, Role::Member), &by("CHAIR", 0)).expect("participant");
    }
    n.add_section(1, "Section", &code("DESA"), "base", &by("CHAIR", 0)).expect("section");
    let id = ProposalId(DocumentId::derive("bench", "proposal"));
    let text = (0..WORDS).map(|i| format!("word{}", i % 97)).collect::<Vec<_>>().join(" ");
    let new = NewProposal {
        id,
        section: 1,
        label: "Alt 1".into(),
        text,
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

//! Replays real editing traces through the core's proposal-edit API
//! (`Negotiation::splice_proposal`: rights check, one attributed change per
//! transaction) and through raw automerge (one transaction and commit per
//! trace transaction) in the same run. Reports time and peak heap for both,
//! and their ratios. Goal: time ratio <= 1.10, peak memory <= 1.2x.

mod common;

use std::time::{Duration, Instant};

use accord_core::automerge::transaction::{CommitOptions, Transactable};
use accord_core::automerge::{Automerge, ObjType, ROOT, ReadDoc};
use accord_core::{
    Attribution, ChangeNote, DocumentId, Negotiation, NewParticipant, NewProposal, ProposalId, Role, Splice, Timestamp,
};
use common::{Stats, Trace, load_trace, ms, print_machine};
use peak_alloc::PeakAlloc;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

const RUNS: usize = 5;

fn main() {
    print_machine();
    println!(
        "| trace | txns | raw automerge median (min-max) ms | raw + accord's commit note, ms | accord median (min-max) ms | ratio vs raw | ratio vs raw + note | raw peak MiB | accord peak MiB | memory ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for name in ["automerge-paper.json.gz", "ascii_only/seph-blog1.json.gz"] {
        let trace = load_trace(name);
        bench_trace(name, &trace);
    }
}

fn bench_trace(name: &str, trace: &Trace) {
    let (mut raw_times, mut core_times, mut noted_times) = (Vec::new(), Vec::new(), Vec::new());
    let (mut raw_peak, mut core_peak) = (0f32, 0f32);
    for _ in 0..RUNS {
        let (time, peak) = measure(|| replay_raw(trace));
        raw_times.push(time);
        raw_peak = raw_peak.max(peak);
        noted_times.push(measure(|| replay_raw_noted(trace)).0);
        let (time, peak) = measure(|| replay_core(trace));
        core_times.push(time);
        core_peak = core_peak.max(peak);
    }
    let (raw, core, noted) = (Stats::of(&raw_times), Stats::of(&core_times), Stats::of(&noted_times));
    println!(
        "| {name} | {} | {} ({}-{}) | {} ({}-{}) | {} ({}-{}) | {:.3} | {:.3} | {:.1} | {:.1} | {:.3} |",
        trace.txns.len(),
        ms(raw.median),
        ms(raw.min),
        ms(raw.max),
        ms(noted.median),
        ms(noted.min),
        ms(noted.max),
        ms(core.median),
        ms(core.min),
        ms(core.max),
        core.median.as_secs_f64() / raw.median.as_secs_f64(),
        core.median.as_secs_f64() / noted.median.as_secs_f64(),
        raw_peak,
        core_peak,
        core_peak / raw_peak
    );
}

/// Time and peak heap growth (MiB) of one replay; the result is dropped outside the timing.
fn measure<T>(replay: impl FnOnce() -> T) -> (Duration, f32) {
    PEAK.reset_peak_usage();
    let baseline = PEAK.current_usage_as_mb();
    let start = Instant::now();
    let result = replay();
    let elapsed = start.elapsed();
    let peak = PEAK.peak_usage_as_mb() - baseline;
    drop(result);
    (elapsed, peak)
}

/// Raw automerge committing each transaction with the same attribution note
/// accord writes: separates the cost of attribution from accord's own code.
fn replay_raw_noted(trace: &Trace) -> Automerge {
    replay_raw_with(trace, |index| {
        let note = ChangeNote {
            by: "DESA".parse().expect("code"),
            at: Timestamp(index as i64 * 1000),
            what: String::new(),
            section: None,
        };
        CommitOptions::default().with_message(note.to_message()).with_time(index as i64)
    })
}

fn replay_raw(trace: &Trace) -> Automerge {
    replay_raw_with(trace, |index| CommitOptions::default().with_time(index as i64))
}

fn replay_raw_with(trace: &Trace, options: impl Fn(usize) -> CommitOptions) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let text = tx.put_object(ROOT, "text", ObjType::Text).expect("text");
    tx.commit();
    for (index, txn) in trace.txns.iter().enumerate() {
        let mut tx = doc.transaction();
        for (pos, del, insert) in &txn.patches {
            tx.splice_text(&text, *pos, *del as isize, insert).expect("splice");
        }
        tx.commit_with(options(index));
    }
    assert_eq!(doc.text(&text).expect("text").len(), trace.end_content.len());
    doc
}

fn replay_core(trace: &Trace) -> Negotiation {
    let (mut negotiation, id) = negotiation_with_empty_proposal();
    for (index, txn) in trace.txns.iter().enumerate() {
        let splices: Vec<Splice> = txn
            .patches
            .iter()
            .map(|(pos, del, insert)| Splice { pos: *pos, delete: *del, insert: insert.clone() })
            .collect();
        let by = Attribution::new("DESA".parse().expect("code"), Timestamp(index as i64 * 1000));
        negotiation.splice_proposal(&id, &splices, &by).expect("sponsor splices");
    }
    assert_eq!(negotiation.view().expect("view").proposal(&id).expect("p").text.len(), trace.end_content.len());
    negotiation
}

fn negotiation_with_empty_proposal() -> (Negotiation, ProposalId) {
    let participant = |code: &str, role| NewParticipant { code: code.parse().expect("code"), name: code.into(), role };
    let at = Timestamp(0);
    let chair = participant("CHAIR", Role::Chair);
    let mut n = Negotiation::create(DocumentId::derive("bench", "n"), "Bench", chair, "bench", at).expect("create");
    let by = Attribution::new("CHAIR".parse().expect("code"), at);
    n.add_participant(participant("DESA", Role::Member), &by).expect("participant");
    n.add_section(1, "Section", &"DESA".parse().expect("code"), "", &by).expect("section");
    let proposal = NewProposal {
        id: ProposalId(DocumentId::derive("bench", "p")),
        section: 1,
        label: "Alt 1".into(),
        text: String::new(),
        rationale: String::new(),
        cosponsors: vec![],
    };
    let id = n.propose(proposal, &Attribution::new("DESA".parse().expect("code"), at)).expect("propose");
    (n, id)
}

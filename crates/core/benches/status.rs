//! Status of the HLCP fixture grown to 30 participants and 20 proposals per
//! section, every member but its sponsor with a stance on each added proposal
//! (the fixture's own proposals keep the fixture's stances): milliseconds per
//! `Negotiation::view()` (the status call), next to reading the same
//! documents raw (automerge `hydrate` of every document) in the same run:
//! with no document changed since the last view, after one stance changed
//! (what a meeting's views see), and first (nothing memoised).

mod common;

use std::time::{Duration, Instant};

use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role, StanceKind,
    Timestamp, fixture,
};
use common::{Stats, ms, print_machine};

const PARTICIPANTS: usize = 30;
const PROPOSALS_PER_SECTION: usize = 20;
const ROUNDS: usize = 30;

fn main() {
    print_machine();
    let negotiation = grown_fixture();
    let view = negotiation.view().expect("view");
    let proposals: usize = view.sections.iter().map(|s| s.proposals.len()).sum();
    println!(
        "negotiation: {} participants, {} sections, {proposals} proposals, {} documents",
        view.participants.len(),
        view.sections.len(),
        negotiation.documents().len()
    );
    let fresh = negotiation.clone_without_memo();
    let first = time(|| fresh.view().expect("view").sections.len());
    let mut changing = negotiation.clone();
    let (mut ours, mut after_stance, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        ours.push(time(|| negotiation.view().expect("view").sections.len()));
        change_one_stance(&mut changing, round);
        after_stance.push(time(|| changing.view().expect("view").sections.len()));
        raw.push(time(|| negotiation.documents().values().map(|d| d.hydrate(None).is_object() as usize).sum()));
    }
    let (ours, after_stance, raw) = (Stats::of(&ours), Stats::of(&after_stance), Stats::of(&raw));
    println!("| read | median ms | min-max ms |");
    println!("|---|---|---|");
    println!("| raw automerge hydrate of every document | {} | {}-{} |", ms(raw.median), ms(raw.min), ms(raw.max));
    println!("| accord status (view), no document changed | {} | {}-{} |", ms(ours.median), ms(ours.min), ms(ours.max));
    let (median, min, max) = (ms(after_stance.median), ms(after_stance.min), ms(after_stance.max));
    println!("| accord status (view) after one stance changed | {median} | {min}-{max} |");
    println!("| accord status, first call (nothing memoised) | {} | |", ms(first));
    println!("ratio status/raw: {:.2}", ours.median.as_secs_f64() / raw.median.as_secs_f64());
    println!("ratio status after one stance/raw: {:.2}", after_stance.median.as_secs_f64() / raw.median.as_secs_f64());
}

/// One member changes its stance on one proposal: one document changes, as between two views of a meeting.
fn change_one_stance(negotiation: &mut Negotiation, round: usize) {
    let view = negotiation.view().expect("view");
    let mut live = view.sections.iter().flat_map(|s| &s.proposals).filter(|p| !p.withdrawn);
    let proposal = live.nth(round % 10).expect("a live proposal");
    let (member, _) = proposal.stances.iter().find(|(_, s)| !s.sponsor).expect("a member who is not a sponsor");
    let kind = [StanceKind::Support, StanceKind::Object][round % 2];
    let by = Attribution::new(member.clone(), Timestamp(1_800_000_000_000 + round as i64));
    negotiation.record_stance(&proposal.id, kind, "changed", &by).expect("stance");
}

fn time(work: impl FnOnce() -> usize) -> Duration {
    let start = Instant::now();
    std::hint::black_box(work());
    start.elapsed()
}

fn code(text: &str) -> ParticipantCode {
    text.parse().expect("code")
}

/// The fixture plus members P13..P30 and proposals up to 20 per section,
/// each a variation of the base text, with a stance from every member but its sponsor.
fn grown_fixture() -> Negotiation {
    let mut n = fixture::load("hlcp-cybersecurity").expect("fixture");
    let at = |minute: i64| Timestamp(1_800_000_000_000 + minute * 60_000);
    let chair = Attribution::new(code("HLCP"), at(0));
    let existing = n.view().expect("view").participants.len();
    for index in existing + 1..=PARTICIPANTS {
        let code = code(&format!("P{index}"));
        n.add_participant(NewParticipant { code, name: format!("Agency {index}"), role: Role::Member }, &chair)
            .expect("participant");
    }
    let view = n.view().expect("view");
    let members: Vec<ParticipantCode> =
        view.participants.iter().filter(|p| p.role.is_member()).map(|p| p.code.clone()).collect();
    // Agreed sections take no new proposals.
    for section in view.sections.iter().filter(|s| s.adoption.is_none()) {
        for index in section.proposals.len()..PROPOSALS_PER_SECTION {
            let sponsor = &members[index % members.len()];
            let words: Vec<&str> = section.base_text.split(' ').collect();
            let mut text = words.clone();
            text[(index * 7) % words.len()] = "amended";
            let new = NewProposal {
                id: ProposalId(DocumentId::derive("bench-status", &format!("{}-{index}", section.number))),
                section: section.number,
                label: format!("Alt {}", index + 1),
                text: text.join(" "),
                rationale: "variation".into(),
                cosponsors: vec![],
            };
            let id = n.propose(new, &Attribution::new(sponsor.clone(), at(1))).expect("propose");
            for (m, member) in members.iter().enumerate() {
                if member != sponsor {
                    let kind = [StanceKind::Support, StanceKind::CanLiveWith, StanceKind::Reserve, StanceKind::Object]
                        [(m + index) % 4];
                    n.record_stance(&id, kind, "bench reason", &Attribution::new(member.clone(), at(2)))
                        .expect("stance");
                }
            }
        }
    }
    n
}

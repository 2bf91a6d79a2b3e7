//! Property: the view built again after some documents changed
//! (`Negotiation::view_after`, which keeps the sections no changed proposal
//! belongs to) is the view built from scratch (`Negotiation::view`), after
//! any sequence of text edits, stances, withdrawals, comments, merges
//! from another replica and the procedures with time (acceptances ad referendum,
//! adoptions waiting for them, silence), evaluated at a clock that moves on, on the
//! HLCP fixture.

use accord_core::{Attribution, Negotiation, ParticipantCode, ProposalView, StanceKind, Timestamp, fixture};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// A sponsor of the `pick`th live proposal appends a word to it.
    Edit { pick: usize },
    /// The same, made on another replica and merged in.
    EditElsewhere { pick: usize },
    /// A member records a stance on the `pick`th live proposal.
    Stance { pick: usize, member: usize, kind: usize },
    /// A sponsor withdraws the `pick`th live proposal.
    Withdraw { pick: usize },
    /// A member comments on the first word of the `pick`th live proposal.
    Comment { pick: usize, member: usize },
    /// A member accepts the `pick`th live proposal ad referendum, for `steps` steps.
    AdRef { pick: usize, member: usize, steps: usize },
    /// The chair adopts the `pick`th live proposal (when the rule allows).
    Adopt { pick: usize },
    /// The chair puts the `pick`th live proposal under silence for `steps` steps.
    Silence { pick: usize, steps: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..20usize).prop_map(|pick| Op::Edit { pick }),
        2 => (0..20usize).prop_map(|pick| Op::EditElsewhere { pick }),
        2 => (0..20usize, 0..20usize, 0..4usize).prop_map(|(pick, member, kind)| Op::Stance { pick, member, kind }),
        1 => (0..20usize).prop_map(|pick| Op::Withdraw { pick }),
        1 => (0..20usize, 0..20usize).prop_map(|(pick, member)| Op::Comment { pick, member }),
        2 => (0..20usize, 0..20usize, 1..4usize).prop_map(|(pick, member, steps)| Op::AdRef { pick, member, steps }),
        1 => (0..20usize).prop_map(|pick| Op::Adopt { pick }),
        1 => (0..20usize, 1..4usize).prop_map(|(pick, steps)| Op::Silence { pick, steps }),
    ]
}

fn time(step: usize) -> Timestamp {
    Timestamp(1_900_000_000_000 + step as i64 * 1000)
}

fn by(who: &ParticipantCode, step: usize) -> Attribution {
    Attribution::new(who.clone(), time(step))
}

/// The `pick`th proposal (mod their number) that is live, in a section still open.
fn live(n: &Negotiation, pick: usize) -> Option<ProposalView> {
    let view = n.view().expect("view");
    let open: Vec<ProposalView> = view
        .sections
        .iter()
        .filter(|s| s.adoption.is_none())
        .flat_map(|s| s.proposals.iter().filter(|p| !p.withdrawn).cloned())
        .collect();
    (!open.is_empty()).then(|| open[pick % open.len()].clone())
}

fn apply(n: &mut Negotiation, op: &Op, step: usize) {
    let members: Vec<ParticipantCode> = n.view().expect("view").participants.iter().map(|p| p.code.clone()).collect();
    let Some(proposal) = live(
        n,
        match op {
            Op::Edit { pick } | Op::EditElsewhere { pick } | Op::Withdraw { pick } | Op::Adopt { pick } => *pick,
            Op::Stance { pick, .. } | Op::Comment { pick, .. } | Op::AdRef { pick, .. } | Op::Silence { pick, .. } => {
                *pick
            }
        },
    ) else {
        return;
    };
    let sponsor = proposal.sponsors[0].clone();
    let heads = n.proposal_heads(&proposal.id).expect("heads");
    let more = format!("{} word{step}", proposal.text);
    let _ = match op {
        Op::Edit { .. } => n.edit_proposal_at(&proposal.id, &heads, &more, &by(&sponsor, step)).map(|_| ()),
        Op::EditElsewhere { .. } => {
            let mut elsewhere = n.clone_without_memo();
            let edited = elsewhere.edit_proposal_at(&proposal.id, &heads, &more, &by(&sponsor, step)).map(|_| ());
            n.merge(&elsewhere).expect("merge");
            edited
        }
        Op::Stance { member, kind, .. } => {
            let kind = [StanceKind::Support, StanceKind::CanLiveWith, StanceKind::Reserve, StanceKind::Object][*kind];
            n.record_stance(&proposal.id, kind, "a reason", &by(&members[member % members.len()], step))
        }
        Op::Withdraw { .. } => n.withdraw(&proposal.id, &by(&sponsor, step)),
        Op::Comment { member, .. } => {
            let end = proposal.text.find(' ').unwrap_or(proposal.text.len()).max(1);
            let who = &members[member % members.len()];
            n.comment(&proposal.id, &format!("c{step}"), 0, end, "why this word", &by(who, step))
        }
        Op::AdRef { member, steps, .. } => {
            let who = &members[member % members.len()];
            n.record_ad_ref(&proposal.id, time(step + steps), "headquarters", &by(who, step))
        }
        Op::Adopt { .. } => n.adopt(proposal.section, &proposal.id, &by(&members[0], step)),
        Op::Silence { steps, .. } => {
            n.silence(proposal.section, &proposal.id, time(step + steps), &by(&members[0], step))
        }
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_view_built_again_where_documents_changed_is_the_view_built_whole(ops in prop::collection::vec(op(), 1..12)) {
        let mut n = fixture::load("hlcp-cybersecurity").expect("fixture");
        n.take_dirty();
        let mut before = n.view_at(time(0)).expect("view");
        for (step, op) in ops.iter().enumerate() {
            apply(&mut n, op, step);
            let changed = n.take_dirty();
            let after = n.view_after(time(step), &before, &changed).expect("view after");
            let whole = n.clone_without_memo().view_at(time(step)).expect("whole view");
            prop_assert_eq!(&after, &whole, "after {:?} (changed {:?})", op, changed);
            before = after;
        }
    }
}

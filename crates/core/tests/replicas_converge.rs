//! Property: replicas that apply random concurrent proposal edits and
//! stances, and merge in random orders, end with identical views
//! (ARCHITECTURE.md, invariant 5); and each stance in the end is one that its
//! participant actually recorded (checked against a trivial model).

use std::collections::{BTreeMap, BTreeSet};

use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role, Splice,
    StanceKind, Timestamp,
};
use proptest::prelude::*;

const MEMBERS: [&str; 4] = ["CHAIR", "ITU", "DESA", "UNODC"];
const KINDS: [StanceKind; 4] = [StanceKind::Support, StanceKind::CanLiveWith, StanceKind::Reserve, StanceKind::Object];

#[derive(Clone, Debug)]
enum Op {
    /// A sponsor of proposal `proposal` splices its text on `replica`.
    Edit { replica: usize, proposal: usize, at: f64, delete: usize, insert: String },
    /// Member `member` records a stance on `replica`.
    Stance { replica: usize, member: usize, proposal: usize, kind: usize },
    /// `from` sends everything it has to `to`.
    Sync { from: usize, to: usize },
}

fn code(text: &str) -> ParticipantCode {
    text.parse().expect("valid code")
}

fn at(step: usize) -> Attribution {
    Attribution::new(code("CHAIR"), Timestamp(1_000 + step as i64))
}

/// Two proposals: Alt 1 by DESA alone, Alt 2 by ITU and UNODC.
fn start() -> (Negotiation, Vec<ProposalId>) {
    let new = |who: &str, role| NewParticipant { code: code(who), name: who.into(), role };
    let mut n =
        Negotiation::create(DocumentId::derive("prop", "n"), "T", new("CHAIR", Role::Chair), "origin", Timestamp(0))
            .expect("create");
    for (who, role) in [("ITU", Role::Convenor), ("DESA", Role::Member), ("UNODC", Role::Member)] {
        n.add_participant(new(who, role), &at(0)).expect("participant");
    }
    n.add_section(1, "S", &code("ITU"), "base text here", &at(0)).expect("section");
    let mut ids = Vec::new();
    for (label, who, cosponsors) in [("Alt 1", "DESA", vec![]), ("Alt 2", "ITU", vec![code("UNODC")])] {
        let proposal = NewProposal {
            id: ProposalId(DocumentId::derive("prop", label)),
            section: 1,
            label: label.into(),
            text: "the agencies will coordinate".into(),
            rationale: String::new(),
            cosponsors,
        };
        ids.push(n.propose(proposal, &Attribution::new(code(who), Timestamp(1))).expect("propose"));
    }
    n.cosponsor(&ids[1], &Attribution::new(code("UNODC"), Timestamp(2))).expect("UNODC joins Alt 2");
    (n, ids)
}

fn sponsor_of(proposal: usize, pick: usize) -> &'static str {
    match proposal {
        0 => "DESA",
        _ => ["ITU", "UNODC"][pick % 2],
    }
}

fn op(replicas: usize) -> impl Strategy<Value = Op> {
    let edit = (0..replicas, 0..2usize, 0.0..1.0f64, 0..4usize, "[a-z ]{0,6}")
        .prop_map(|(replica, proposal, at, delete, insert)| Op::Edit { replica, proposal, at, delete, insert });
    let stance = (0..replicas, 0..4usize, 0..2usize, 0..4usize)
        .prop_map(|(replica, member, proposal, kind)| Op::Stance { replica, member, proposal, kind });
    let sync = (0..replicas, 0..replicas).prop_map(|(from, to)| Op::Sync { from, to });
    prop_oneof![3 => edit, 3 => stance, 1 => sync]
}

fn apply(
    replicas: &mut [Negotiation],
    ids: &[ProposalId],
    step: usize,
    op: &Op,
    recorded: &mut BTreeMap<(String, usize), BTreeSet<StanceKind>>,
) {
    let time = Timestamp(10_000 + step as i64);
    match op {
        Op::Edit { replica, proposal, at, delete, insert } => {
            let n = &mut replicas[*replica];
            let id = ids[*proposal];
            let len = n.view().expect("view").proposal(&id).expect("p").text.chars().count();
            let pos = ((len as f64) * at) as usize;
            let splice = Splice { pos, delete: (*delete).min(len - pos), insert: insert.clone() };
            let by = Attribution::new(code(sponsor_of(*proposal, step)), time);
            n.splice_proposal(&id, &[splice], &by).expect("sponsor splices");
        }
        Op::Stance { replica, member, proposal, kind } => {
            let who = MEMBERS[*member];
            let by = Attribution::new(code(who), time);
            replicas[*replica].record_stance(&ids[*proposal], KINDS[*kind], "a reason", &by).expect("stance");
            recorded.entry((who.to_string(), *proposal)).or_default().insert(KINDS[*kind]);
        }
        Op::Sync { from, to } => {
            let source = replicas[*from].clone();
            replicas[*to].merge(&source).expect("merge");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn replicas_end_with_identical_views(
        replica_count in 2..5usize,
        ops in proptest::collection::vec(op(4), 1..40),
        order in Just(()).prop_perturb(|_, mut rng| {
            let mut order: Vec<usize> = (0..4).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            order
        }),
    ) {
        let (origin, ids) = start();
        let mut replicas: Vec<Negotiation> = (0..replica_count)
            .map(|i| Negotiation::from_documents(origin.id(), origin.documents().clone(), &format!("r{i}")).expect("replica"))
            .collect();
        let mut recorded = BTreeMap::new();
        for (step, op) in ops.iter().enumerate() {
            let op = clamp(op, replica_count);
            apply(&mut replicas, &ids, step, &op, &mut recorded);
        }
        let order: Vec<usize> = order.into_iter().filter(|i| *i < replica_count).collect();
        for pair in order.windows(2) {
            let source = replicas[pair[0]].clone();
            replicas[pair[1]].merge(&source).expect("merge");
        }
        let last = replicas[*order.last().expect("a replica")].clone();
        for replica in replicas.iter_mut() {
            replica.merge(&last).expect("merge");
        }
        let first = replicas[0].view().expect("view");
        for replica in &replicas[1..] {
            prop_assert_eq!(&replica.view().expect("view"), &first);
        }
        for section in &first.sections {
            for (index, proposal) in section.proposals.iter().enumerate() {
                for (who, stance) in &proposal.stances {
                    if stance.sponsor && stance.at.is_none() { continue; }
                    let options = recorded.get(&(who.to_string(), index)).expect("a recorded stance");
                    prop_assert!(options.contains(&stance.stance));
                }
            }
        }
    }
}

/// Maps replica indexes drawn for four replicas onto the ones that exist.
fn clamp(op: &Op, replicas: usize) -> Op {
    match op.clone() {
        Op::Edit { replica, proposal, at, delete, insert } => {
            Op::Edit { replica: replica % replicas, proposal, at, delete, insert }
        }
        Op::Stance { replica, member, proposal, kind } => {
            Op::Stance { replica: replica % replicas, member, proposal, kind }
        }
        Op::Sync { from, to } => Op::Sync { from: from % replicas, to: to % replicas },
    }
}

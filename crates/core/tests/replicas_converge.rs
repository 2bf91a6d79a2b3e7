//! Property: replicas that write concurrently (proposal edits by anyone,
//! stances, a co-sponsor joining, withdrawals, adoptions) and merge in random
//! orders end with identical views (ARCHITECTURE.md, invariant 5). Checked
//! against a trivial model of what each replica knows, written here by hand:
//!
//! - a write is refused exactly when the rules say (only joined sponsors edit
//!   or withdraw, nothing is written to a withdrawn proposal, one adoption per
//!   section, an adoption only when every member accepts the current text),
//!   and a refused write changes nothing;
//! - the stance that stands is the latest: one that no later stance of the
//!   same participant on the same proposal, written knowing it, replaced;
//! - text inserted into a proposal that nobody deleted from survives merging;
//! - a withdrawal, a co-sponsor's joining and an adoption made anywhere are
//!   seen everywhere, and the agreed text is the one adopted, at its heads.

use std::collections::{BTreeMap, BTreeSet};

use accord_core::automerge::ChangeHash;
use accord_core::{
    Attribution, DocumentId, Error, Negotiation, NegotiationView, NewParticipant, NewProposal, ParticipantCode,
    ProposalId, Role, Splice, StanceKind, Timestamp,
};
use proptest::prelude::*;

const MEMBERS: [&str; 4] = ["CHAIR", "ITU", "DESA", "UNODC"];
const KINDS: [StanceKind; 4] = [StanceKind::Support, StanceKind::CanLiveWith, StanceKind::Reserve, StanceKind::Object];
const ALT_2: usize = 1;
const START_TEXT: &str = "the agencies will coordinate";

#[derive(Clone, Debug)]
enum Op {
    /// Member `who` tries to splice a unique marker word into `proposal` on `replica`.
    Edit { replica: usize, who: usize, proposal: usize, at: f64, delete: usize },
    /// Member `member` records a stance on `replica`.
    Stance { replica: usize, member: usize, proposal: usize, kind: usize },
    /// Every member supports `proposal` on `replica` (so adoptions happen).
    Agree { replica: usize, proposal: usize },
    /// UNODC joins `proposal` as co-sponsor (it is named on Alt 2 only).
    Join { replica: usize, proposal: usize },
    /// One of the proposal's named sponsors tries to withdraw it.
    Withdraw { replica: usize, proposal: usize, pick: usize },
    /// The chair tries to adopt `proposal` for the section.
    Adopt { replica: usize, proposal: usize },
    /// `from` sends everything it has to `to`.
    Sync { from: usize, to: usize },
}

/// What one replica knows, by the rules alone.
#[derive(Clone, Default)]
struct Known {
    /// Steps of the stance records this replica has seen.
    stances: BTreeSet<usize>,
    withdrawn: [bool; 2],
    joined: bool,
    adopted: bool,
}

impl Known {
    fn merge(&mut self, other: &Known) {
        self.stances.extend(&other.stances);
        self.withdrawn = [self.withdrawn[0] || other.withdrawn[0], self.withdrawn[1] || other.withdrawn[1]];
        self.joined |= other.joined;
        self.adopted |= other.adopted;
    }

    /// Whether `who` may change `proposal`: a named sponsor that joined, on a live proposal.
    fn may_edit(&self, who: &str, proposal: usize) -> bool {
        let sponsor = match proposal {
            0 => who == "DESA",
            _ => who == "ITU" || (who == "UNODC" && self.joined),
        };
        sponsor && !self.withdrawn[proposal]
    }
}

/// One stance record: who, on what, at which step, and which records of the
/// same participant on the same proposal its replica knew when it was made.
struct StanceRecord {
    key: (String, usize),
    step: usize,
    knew: BTreeSet<usize>,
}

/// The whole model: each replica's knowledge and what was written.
#[derive(Default)]
struct Model {
    known: Vec<Known>,
    stances: Vec<StanceRecord>,
    /// What accepted edits inserted (a unique marker word each), by proposal, in order.
    inserts: [Vec<String>; 2],
    /// Whether any accepted edit deleted text from the proposal.
    deleted: [bool; 2],
    /// Accepted adoptions: step, proposal, the text adopted.
    adoptions: Vec<(usize, usize, String)>,
}

fn code(text: &str) -> ParticipantCode {
    text.parse().expect("valid code")
}

fn at(step: usize) -> Attribution {
    Attribution::new(code("CHAIR"), Timestamp(1_000 + step as i64))
}

fn time(step: usize) -> Timestamp {
    Timestamp(10_000 + step as i64)
}

/// Two proposals: Alt 1 by DESA alone, Alt 2 by ITU naming UNODC, which has not joined yet.
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
            text: START_TEXT.into(),
            rationale: String::new(),
            cosponsors,
        };
        ids.push(n.propose(proposal, &Attribution::new(code(who), Timestamp(1))).expect("propose"));
    }
    (n, ids)
}

fn named_sponsor(proposal: usize, pick: usize) -> &'static str {
    match proposal {
        0 => "DESA",
        _ => ["ITU", "UNODC"][pick % 2],
    }
}

fn op(replicas: usize) -> impl Strategy<Value = Op> {
    let delete = prop_oneof![Just(0usize), 1..4usize];
    let edit = (0..replicas, 0..4usize, 0..2usize, 0.0..1.0f64, delete)
        .prop_map(|(replica, who, proposal, at, delete)| Op::Edit { replica, who, proposal, at, delete });
    let stance = (0..replicas, 0..4usize, 0..2usize, 0..4usize)
        .prop_map(|(replica, member, proposal, kind)| Op::Stance { replica, member, proposal, kind });
    let agree = (0..replicas, 0..2usize).prop_map(|(replica, proposal)| Op::Agree { replica, proposal });
    let join = (0..replicas, 0..2usize).prop_map(|(replica, proposal)| Op::Join { replica, proposal });
    let withdraw = (0..replicas, 0..2usize, 0..2usize).prop_map(|(replica, proposal, pick)| Op::Withdraw {
        replica,
        proposal,
        pick,
    });
    let adopt = (0..replicas, 0..2usize).prop_map(|(replica, proposal)| Op::Adopt { replica, proposal });
    let sync = (0..replicas, 0..replicas).prop_map(|(from, to)| Op::Sync { from, to });
    prop_oneof![4 => edit, 4 => stance, 1 => agree, 1 => join, 1 => withdraw, 2 => adopt, 2 => sync]
}

/// Every document's heads: what a refused write must leave as it was.
fn heads(n: &Negotiation) -> BTreeMap<DocumentId, Vec<ChangeHash>> {
    n.documents().iter().map(|(id, doc)| (*id, doc.get_heads())).collect()
}

/// Whether every member accepts the proposal's current text in this view:
/// support or can-live-with given on it (a joined sponsor's implicit support counts).
fn all_accept(view: &NegotiationView, id: &ProposalId) -> bool {
    let proposal = view.proposal(id).expect("proposal");
    MEMBERS.iter().all(|member| {
        proposal.stances.get(&code(member)).is_some_and(|stance| {
            !stance.stale && matches!(stance.stance, StanceKind::Support | StanceKind::CanLiveWith)
        })
    })
}

/// What the rules say of a write and what the replica did with it.
#[derive(Debug, PartialEq)]
struct Decided {
    allowed: bool,
    accepted: bool,
}

fn decided(allowed: bool, accepted: bool) -> Decided {
    Decided { allowed, accepted }
}

/// Applies one op to its replica.
fn apply(replicas: &mut [Negotiation], ids: &[ProposalId], model: &mut Model, step: usize, op: &Op) -> Decided {
    match *op {
        Op::Edit { replica, who, proposal, at, delete } => {
            let who = MEMBERS[who];
            let n = &mut replicas[replica];
            let len = n.view().expect("view").proposal(&ids[proposal]).expect("p").text.chars().count();
            let pos = ((len as f64) * at) as usize;
            let delete = delete.min(len - pos);
            let insert = format!(" m{step}x ");
            let splice = Splice { pos, delete, insert: insert.clone() };
            let allowed = model.known[replica].may_edit(who, proposal);
            let done = n.splice_proposal(&ids[proposal], &[splice], &Attribution::new(code(who), time(step)));
            if done.is_ok() {
                model.inserts[proposal].push(insert);
                model.deleted[proposal] |= delete > 0;
            }
            decided(allowed, done.is_ok())
        }
        Op::Stance { replica, member, proposal, kind } => {
            let stance = StanceOf { who: MEMBERS[member], proposal, kind: KINDS[kind] };
            record(&mut replicas[replica], ids, model, step, replica, stance)
        }
        Op::Agree { replica, proposal } => {
            let each: Vec<Decided> = MEMBERS
                .iter()
                .map(|who| {
                    let stance = StanceOf { who, proposal, kind: StanceKind::Support };
                    record(&mut replicas[replica], ids, model, step, replica, stance)
                })
                .collect();
            let allowed = !model.known[replica].withdrawn[proposal];
            decided(allowed, if allowed { each.iter().all(|d| d.accepted) } else { each.iter().any(|d| d.accepted) })
        }
        Op::Join { replica, proposal } => {
            let allowed = proposal == ALT_2 && !model.known[replica].withdrawn[ALT_2];
            let done = replicas[replica].cosponsor(&ids[proposal], &Attribution::new(code("UNODC"), time(step)));
            model.known[replica].joined |= done.is_ok();
            decided(allowed, done.is_ok())
        }
        Op::Withdraw { replica, proposal, pick } => {
            let who = named_sponsor(proposal, pick);
            let allowed = model.known[replica].may_edit(who, proposal);
            let done = replicas[replica].withdraw(&ids[proposal], &Attribution::new(code(who), time(step)));
            model.known[replica].withdrawn[proposal] |= done.is_ok();
            decided(allowed, done.is_ok())
        }
        Op::Adopt { replica, proposal } => {
            let known = &model.known[replica];
            let view = replicas[replica].view().expect("view");
            let allowed = !known.adopted && !known.withdrawn[proposal] && all_accept(&view, &ids[proposal]);
            let done = replicas[replica].adopt(1, &ids[proposal], &Attribution::new(code("CHAIR"), time(step)));
            if done.is_ok() {
                model.known[replica].adopted = true;
                let text = view.proposal(&ids[proposal]).expect("p").text.clone();
                model.adoptions.push((step, proposal, text));
            } else if known.adopted {
                assert!(matches!(done, Err(Error::AlreadyAgreed { .. })), "a second adoption: {done:?}");
            }
            decided(allowed, done.is_ok())
        }
        Op::Sync { from, to } => {
            let source = replicas[from].clone();
            replicas[to].merge(&source).expect("merge");
            let known = model.known[from].clone();
            model.known[to].merge(&known);
            decided(true, true)
        }
    }
}

/// A stance to record: who takes it, on which proposal.
struct StanceOf<'a> {
    who: &'a str,
    proposal: usize,
    kind: StanceKind,
}

/// Records a stance on replica number `replica` and the model's record of it.
fn record(
    negotiation: &mut Negotiation,
    ids: &[ProposalId],
    model: &mut Model,
    step: usize,
    replica: usize,
    StanceOf { who, proposal, kind }: StanceOf,
) -> Decided {
    let allowed = !model.known[replica].withdrawn[proposal];
    let by = Attribution::new(code(who), time(step));
    let done = negotiation.record_stance(&ids[proposal], kind, "a reason", &by);
    if done.is_ok() {
        let key = (who.to_string(), proposal);
        let knew = model
            .stances
            .iter()
            .filter(|r| r.key == key && model.known[replica].stances.contains(&r.step))
            .map(|r| r.step)
            .collect();
        model.stances.push(StanceRecord { key, step, knew });
        model.known[replica].stances.insert(step);
    }
    decided(allowed, done.is_ok())
}

/// The steps of the stances of `key` that no later stance written knowing them replaced.
fn standing(model: &Model, key: &(String, usize)) -> BTreeSet<usize> {
    let of_key: Vec<&StanceRecord> = model.stances.iter().filter(|r| &r.key == key).collect();
    of_key.iter().filter(|r| !of_key.iter().any(|later| later.knew.contains(&r.step))).map(|r| r.step).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn replicas_end_with_identical_views(
        replica_count in 2..5usize,
        ops in proptest::collection::vec(op(4), 1..48),
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
        let mut model = Model { known: vec![Known::default(); replica_count], ..Model::default() };
        for (step, op) in ops.iter().enumerate() {
            let op = clamp(op, replica_count);
            let target = target(&op);
            let before = heads(&replicas[target]);
            let decided = apply(&mut replicas, &ids, &mut model, step, &op);
            prop_assert_eq!(decided.accepted, decided.allowed, "step {}: {:?} not decided as the rules say", step, op);
            if !decided.accepted {
                prop_assert_eq!(&heads(&replicas[target]), &before, "a refused write changed the replica");
            }
        }
        merge_all(&mut replicas, &order);
        let view = replicas[0].view().expect("view");
        for replica in &replicas[1..] {
            prop_assert_eq!(&replica.view().expect("view"), &view);
        }
        check_stances(&view, &ids, &model)?;
        check_text(&view, &ids, &model)?;
        check_outcome(&replicas[0], &view, &ids, &model)?;
    }
}

/// The replica an op writes to.
fn target(op: &Op) -> usize {
    match *op {
        Op::Edit { replica, .. }
        | Op::Stance { replica, .. }
        | Op::Agree { replica, .. }
        | Op::Join { replica, .. }
        | Op::Withdraw { replica, .. }
        | Op::Adopt { replica, .. } => replica,
        Op::Sync { to, .. } => to,
    }
}

/// Merges the replicas in `order`, then the last one into every other.
fn merge_all(replicas: &mut [Negotiation], order: &[usize]) {
    let order: Vec<usize> = order.iter().copied().filter(|i| *i < replicas.len()).collect();
    for pair in order.windows(2) {
        let source = replicas[pair[0]].clone();
        replicas[pair[1]].merge(&source).expect("merge");
    }
    let last = replicas[*order.last().expect("a replica")].clone();
    for replica in replicas.iter_mut() {
        replica.merge(&last).expect("merge");
    }
}

/// The stance shown for each participant is a standing one; a sponsor with
/// no stance of its own shows implicit support exactly when it has joined.
fn check_stances(view: &NegotiationView, ids: &[ProposalId], model: &Model) -> Result<(), TestCaseError> {
    let joined = model.known.iter().any(|k| k.joined);
    for (index, id) in ids.iter().enumerate() {
        let proposal = view.proposal(id).expect("proposal");
        for member in MEMBERS {
            let key = (member.to_string(), index);
            let standing = standing(model, &key);
            let shown = proposal.stances.get(&code(member));
            if standing.is_empty() {
                let sponsor = member == named_sponsor(index, 0) || (index == ALT_2 && member == "UNODC" && joined);
                prop_assert_eq!(shown.is_some_and(|s| s.sponsor && s.at.is_none()), sponsor, "{} on {}", member, index);
            } else {
                let at = shown.and_then(|s| s.at);
                prop_assert!(
                    standing.iter().any(|step| Some(time(*step)) == at),
                    "{member} on {index}: shown {at:?}, standing {standing:?}"
                );
            }
        }
        let unodc_shown = proposal.joined_sponsors().contains(&code("UNODC"));
        prop_assert_eq!(unodc_shown, index == ALT_2 && joined);
    }
    Ok(())
}

/// In a proposal nobody deleted from, taking out what was inserted, latest
/// first (a later insert may land inside an earlier one), finds each insert
/// once and leaves the text the proposal started with.
fn check_text(view: &NegotiationView, ids: &[ProposalId], model: &Model) -> Result<(), TestCaseError> {
    for (index, id) in ids.iter().enumerate() {
        if model.deleted[index] {
            continue;
        }
        let mut text = view.proposal(id).expect("proposal").text.clone();
        for insert in model.inserts[index].iter().rev() {
            prop_assert_eq!(text.matches(insert.as_str()).count(), 1, "{:?} in {:?}", insert, text);
            text = text.replacen(insert.as_str(), "", 1);
        }
        prop_assert_eq!(text.as_str(), START_TEXT);
    }
    Ok(())
}

/// Withdrawals and the adoption made anywhere hold everywhere; the agreed
/// text is the one adopted, and the proposal had it at the adopted heads.
fn check_outcome(
    negotiation: &Negotiation,
    view: &NegotiationView,
    ids: &[ProposalId],
    model: &Model,
) -> Result<(), TestCaseError> {
    for (index, id) in ids.iter().enumerate() {
        let withdrawn = model.known.iter().any(|k| k.withdrawn[index]);
        prop_assert_eq!(view.proposal(id).expect("proposal").withdrawn, withdrawn);
    }
    let section = view.section(1).expect("section");
    prop_assert_eq!(section.adoption.is_some(), !model.adoptions.is_empty());
    if let Some(adoption) = &section.adoption {
        let chosen = model.adoptions.iter().find(|(step, _, _)| time(*step) == adoption.at);
        let Some((_, proposal, text)) = chosen else {
            return Err(TestCaseError::fail(format!("agreed at {:?}, no adoption then", adoption.at)));
        };
        prop_assert_eq!(&adoption.proposal, &ids[*proposal]);
        prop_assert_eq!(&adoption.text, text);
        prop_assert_eq!(section.agreed_text.as_ref(), Some(text));
        let heads: Vec<ChangeHash> = adoption.proposal_heads.iter().map(|h| h.parse().expect("a hash")).collect();
        prop_assert_eq!(&negotiation.proposal_text_at(&ids[*proposal], &heads).expect("text at heads"), text);
    }
    Ok(())
}

/// Maps replica indexes drawn for four replicas onto the ones that exist.
fn clamp(op: &Op, replicas: usize) -> Op {
    let r = |replica: usize| replica % replicas;
    match op.clone() {
        Op::Edit { replica, who, proposal, at, delete } => Op::Edit { replica: r(replica), who, proposal, at, delete },
        Op::Stance { replica, member, proposal, kind } => Op::Stance { replica: r(replica), member, proposal, kind },
        Op::Agree { replica, proposal } => Op::Agree { replica: r(replica), proposal },
        Op::Join { replica, proposal } => Op::Join { replica: r(replica), proposal },
        Op::Withdraw { replica, proposal, pick } => Op::Withdraw { replica: r(replica), proposal, pick },
        Op::Adopt { replica, proposal } => Op::Adopt { replica: r(replica), proposal },
        Op::Sync { from, to } => Op::Sync { from: r(from), to: r(to) },
    }
}

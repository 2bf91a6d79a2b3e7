//! Who made each change of a redline: written by hand for a proposal two
//! sponsors edit in turn, against the base text and against an earlier version.

use accord_core::authorship::{AuthoredSegment, Since};
use accord_core::redline::SegmentKind;
use accord_core::{Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ProposalId, Role, Timestamp};

const BASE: &str = "The agencies will support member states.";

fn at(minute: i64) -> Timestamp {
    Timestamp(1_700_000_000_000 + minute * 60_000)
}

fn by(who: &str, minute: i64) -> Attribution {
    Attribution::new(who.parse().expect("code"), at(minute))
}

/// A chair and two members; DESA proposes with UNODC, who joins.
fn negotiation(text: &str) -> (Negotiation, ProposalId) {
    let chair = NewParticipant { code: "CHAIR".parse().expect("code"), name: "Chair".into(), role: Role::Chair };
    let mut n = Negotiation::create(DocumentId::derive("t", "n"), "Plan", chair, "r", at(0)).expect("create");
    for who in ["DESA", "UNODC"] {
        let new = NewParticipant { code: who.parse().expect("code"), name: who.into(), role: Role::Member };
        n.add_participant(new, &by("CHAIR", 1)).expect("add");
    }
    n.add_section(1, "Topic", &"DESA".parse().expect("code"), BASE, &by("CHAIR", 2)).expect("section");
    let new = NewProposal {
        id: ProposalId(DocumentId::derive("t", "p")),
        section: 1,
        label: "Alt 1".into(),
        text: text.into(),
        rationale: String::new(),
        cosponsors: vec!["UNODC".parse().expect("code")],
    };
    let id = n.propose(new, &by("DESA", 3)).expect("propose");
    n.cosponsor(&id, &by("UNODC", 4)).expect("join");
    (n, id)
}

fn seg(kind: SegmentKind, text: &str, who: Option<(&str, i64)>) -> AuthoredSegment {
    AuthoredSegment {
        kind,
        text: text.into(),
        by: who.map(|(code, _)| code.parse().expect("code")),
        at: who.map(|(_, minute)| at(minute)),
    }
}

use SegmentKind::{Delete, Equal, Insert};

#[test]
fn each_sponsor_s_changes_against_the_base_text_carry_its_name_and_time() {
    // DESA proposes "support all member states", UNODC then replaces "will"
    // by "shall"; the readable redline folds the one word between the changes.
    let (mut n, id) = negotiation("The agencies will support all member states.");
    n.edit_proposal(&id, "The agencies shall support all member states.", &by("UNODC", 10)).expect("edit");
    let segments = n.authored_redline(&id, Since::Text(BASE), None).expect("redline");
    assert_eq!(
        segments,
        vec![
            seg(Equal, "The agencies ", None),
            seg(Delete, "will support ", Some(("UNODC", 10))),
            seg(Insert, "shall support ", Some(("UNODC", 10))),
            seg(Insert, "all ", Some(("DESA", 3))),
            seg(Equal, "member states.", None),
        ]
    );
}

#[test]
fn words_the_proposer_dropped_from_the_base_are_its_deletions() {
    let (n, id) = negotiation("The agencies will support states.");
    let segments = n.authored_redline(&id, Since::Text(BASE), None).expect("redline");
    assert_eq!(
        segments,
        vec![
            seg(Equal, "The agencies will support ", None),
            seg(Delete, "member ", Some(("DESA", 3))),
            seg(Equal, "states.", None),
        ]
    );
}

#[test]
fn changes_since_an_earlier_version_name_only_who_made_them_since() {
    let (mut n, id) = negotiation("The agencies will support all member states.");
    let circulated = n.proposal_heads(&id).expect("heads");
    n.edit_proposal(&id, "The agencies will support all member states and regions.", &by("UNODC", 20)).expect("edit");
    n.edit_proposal(&id, "The agencies will support all member states and regions, upon request.", &by("DESA", 30))
        .expect("edit");
    n.edit_proposal(&id, "The agencies support all member states and regions, upon request.", &by("UNODC", 40))
        .expect("edit");
    let segments = n.authored_redline(&id, Since::Heads(&circulated), None).expect("redline");
    assert_eq!(
        segments,
        vec![
            seg(Equal, "The agencies ", None),
            seg(Delete, "will ", Some(("UNODC", 40))),
            seg(Equal, "support all member states", None),
            seg(Insert, " and regions", Some(("UNODC", 20))),
            seg(Insert, ", upon request", Some(("DESA", 30))),
            seg(Equal, ".", None),
        ]
    );
}

#[test]
fn a_new_proposal_since_a_version_is_all_inserted_by_its_authors() {
    let (mut n, id) = negotiation("Support states.");
    n.edit_proposal(&id, "Support all states.", &by("UNODC", 5)).expect("edit");
    let segments = n.authored_redline(&id, Since::Heads(&[]), None).expect("redline");
    assert_eq!(
        segments,
        vec![
            seg(Insert, "Support ", Some(("DESA", 3))),
            seg(Insert, "all ", Some(("UNODC", 5))),
            seg(Insert, "states.", Some(("DESA", 3))),
        ]
    );
}

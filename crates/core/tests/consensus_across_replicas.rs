//! Consensus across replicas (ARCHITECTURE.md, "Adoption across replicas"):
//! an adoption stands at the heads it was given on; what came after or
//! concurrently (an objection, an edit, another adoption) is shown, never
//! rewrites it; and every replica ends with the same view.

use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ProposalId, Role, StanceKind, Timestamp,
};

fn by(who: &str, minute: i64) -> Attribution {
    Attribution::new(who.parse().expect("code"), Timestamp(1_793_610_000_000 + minute * 60_000))
}

/// CHAIR, DESA and UNODC; section 1 with Alt 1 (DESA) and Alt 2 (UNODC),
/// each supported by every member, so either may be adopted.
fn origin() -> (Negotiation, ProposalId, ProposalId) {
    let chair = NewParticipant { code: "CHAIR".parse().expect("code"), name: "Chair".into(), role: Role::Chair };
    let mut n =
        Negotiation::create(DocumentId::derive("cx", "n"), "Plan", chair, "origin", by("CHAIR", 0).at).expect("create");
    for who in ["DESA", "UNODC"] {
        let new = NewParticipant { code: who.parse().expect("code"), name: who.into(), role: Role::Member };
        n.add_participant(new, &by("CHAIR", 1)).expect("add");
    }
    n.add_section(1, "One", &"DESA".parse().expect("code"), "Base.", &by("CHAIR", 2)).expect("section");
    let mut ids = Vec::new();
    for (key, who) in [("alt1", "DESA"), ("alt2", "UNODC")] {
        let new = NewProposal {
            id: ProposalId(DocumentId::derive("cx", key)),
            section: 1,
            label: if key == "alt1" { "Alt 1".into() } else { "Alt 2".into() },
            text: format!("Wording of {who}."),
            rationale: String::new(),
            cosponsors: vec![],
        };
        ids.push(n.propose(new, &by(who, 3)).expect("propose"));
    }
    for id in &ids {
        for who in ["CHAIR", "DESA", "UNODC"] {
            n.record_stance(id, StanceKind::Support, "", &by(who, 4)).expect("stance");
        }
    }
    (n, ids[0], ids[1])
}

fn replica(n: &Negotiation, name: &str) -> Negotiation {
    Negotiation::from_documents(n.id(), n.documents().clone(), name).expect("replica")
}

fn merge_both_ways(a: &mut Negotiation, b: &mut Negotiation) {
    let (a_copy, b_copy) = (a.clone(), b.clone());
    a.merge(&b_copy).expect("merge");
    b.merge(&a_copy).expect("merge");
    assert_eq!(a.view().expect("view"), b.view().expect("view"), "replicas agree");
}

#[test]
fn an_adoption_stands_when_a_concurrent_objection_arrives_and_the_objection_is_shown() {
    let (origin, alt1, _) = origin();
    let (mut chair, mut desa) = (replica(&origin, "chair"), replica(&origin, "desa"));
    chair.adopt(1, &alt1, &by("CHAIR", 10)).expect("the rule holds where the chair adopts");
    desa.record_stance(&alt1, StanceKind::Object, "on second thought, no", &by("DESA", 10)).expect("object");
    merge_both_ways(&mut chair, &mut desa);
    let view = chair.view().expect("view");
    let section = view.section(1).expect("section");
    assert_eq!(section.agreed_text.as_deref(), Some("Wording of DESA."), "the adoption stands");
    assert!(
        section.outstanding.iter().any(|o| o.participant.as_str() == "DESA" && o.reason == "on second thought, no"),
        "the objection that came meanwhile is shown: {:?}",
        section.outstanding
    );
}

#[test]
fn an_edit_made_concurrently_with_the_adoption_does_not_change_the_agreed_text() {
    let (origin, alt1, _) = origin();
    let (mut chair, mut desa) = (replica(&origin, "chair"), replica(&origin, "desa"));
    chair.adopt(1, &alt1, &by("CHAIR", 10)).expect("adopt");
    desa.edit_proposal(&alt1, "Wording of DESA, amended.", &by("DESA", 10)).expect("edit");
    merge_both_ways(&mut chair, &mut desa);
    let view = chair.view().expect("view");
    let section = view.section(1).expect("section");
    assert_eq!(section.agreed_text.as_deref(), Some("Wording of DESA."), "agreed is what was adopted");
    assert_eq!(view.proposal(&alt1).expect("alt 1").text, "Wording of DESA, amended.", "the edit is shown");
    assert!(view.proposal(&alt1).expect("alt 1").stances.values().any(|s| s.stale), "support given before it is stale");
}

#[test]
fn two_concurrent_adoptions_end_as_one_on_every_replica_and_both_stay_in_history() {
    let (origin, alt1, alt2) = origin();
    let (mut a, mut b) = (replica(&origin, "a"), replica(&origin, "b"));
    a.adopt(1, &alt1, &by("CHAIR", 10)).expect("adopt Alt 1");
    b.adopt(1, &alt2, &by("CHAIR", 10)).expect("adopt Alt 2");
    merge_both_ways(&mut a, &mut b);
    let agreed = a.view().expect("view").section(1).expect("section").agreed_text.clone().expect("agreed");
    assert!(agreed == "Wording of DESA." || agreed == "Wording of UNODC.", "one of the two: {agreed}");
    let adoptions = a.history(Some(1)).expect("history").into_iter().filter(|e| e.what.starts_with("adopted")).count();
    assert_eq!(adoptions, 2, "history keeps both acts");
    // Adopting again is refused: the section is agreed.
    assert!(a.adopt(1, &alt1, &by("CHAIR", 11)).is_err());
}

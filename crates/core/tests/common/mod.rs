//! A negotiation for the edit paths' properties: one proposal with two sponsors.

use accord_core::{
    Attribution, DocumentId, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role, Timestamp,
};

pub fn code(text: &str) -> ParticipantCode {
    text.parse().expect("code")
}

pub fn by(who: &str) -> Attribution {
    Attribution::new(code(who), Timestamp(1_000))
}

/// A negotiation (ids derived from `name`) whose one proposal, `text`, DESA made and UNODC joined.
pub fn two_sponsors(name: &str, text: &str) -> (Negotiation, ProposalId) {
    let new = |who: &str, role| NewParticipant { code: code(who), name: who.into(), role };
    let mut n = Negotiation::create(DocumentId::derive(name, "n"), "T", new("CHAIR", Role::Chair), "r", Timestamp(0))
        .expect("create");
    for who in ["DESA", "UNODC"] {
        n.add_participant(new(who, Role::Member), &by("CHAIR")).expect("participant");
    }
    n.add_section(1, "S", &code("DESA"), "base", &by("CHAIR")).expect("section");
    let id = ProposalId(DocumentId::derive(name, "p"));
    let proposal = NewProposal {
        id,
        section: 1,
        label: "Alt 1".into(),
        text: text.into(),
        rationale: String::new(),
        cosponsors: vec![code("UNODC")],
    };
    n.propose(proposal, &by("DESA")).expect("propose");
    n.cosponsor(&id, &by("UNODC")).expect("join");
    (n, id)
}

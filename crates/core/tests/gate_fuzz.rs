//! Fuzzing the gate: random automerge changes, as a hostile replica could
//! make them, to every kind of document (the negotiation's, one's own and
//! another's participant document, a proposal, a new document), signed by
//! random notes, from random participants. The gate must never panic, and
//! whatever it accepts must leave a negotiation every reader can read whole
//! and within the rules. `GATE_FUZZ_CASES` sets how many cases run (the
//! long run in BENCHMARKS.md used 1,000,000).

use accord_core::automerge::transaction::{CommitOptions, Transactable};
use accord_core::automerge::{Automerge, ObjType, ROOT, ReadDoc};
use accord_core::{
    Attribution, ChangeNote, DocumentId, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role,
    StanceKind, Timestamp,
};
use proptest::prelude::*;

fn code(text: &str) -> ParticipantCode {
    text.parse().expect("code")
}

fn by(who: &str) -> Attribution {
    Attribution::new(code(who), Timestamp(1_793_610_000_000))
}

const PEOPLE: [&str; 4] = ["CHAIR", "DESA", "UNSEC", "UNU"];

/// CHAIR, DESA and UNSEC (members) and UNU (observer); section 1 with UNSEC's
/// Alt 1 (DESA named, not joined); section 2 agreed.
fn server() -> (Negotiation, ProposalId) {
    let chair = NewParticipant { code: code("CHAIR"), name: "Chair".into(), role: Role::Chair };
    let mut n =
        Negotiation::create(DocumentId::derive("fuzz", "n"), "Plan", chair, "server", by("CHAIR").at).expect("create");
    for (who, role) in [("DESA", Role::Member), ("UNSEC", Role::Member), ("UNU", Role::Observer)] {
        n.add_participant(NewParticipant { code: code(who), name: who.into(), role }, &by("CHAIR")).expect("add");
    }
    n.add_section(1, "One", &code("DESA"), "Base one.", &by("CHAIR")).expect("section");
    n.add_section(2, "Two", &code("DESA"), "Base two.", &by("CHAIR")).expect("section");
    let new = |key: &str, section, text: &str, cosponsors: Vec<ParticipantCode>| NewProposal {
        id: ProposalId(DocumentId::derive("fuzz", key)),
        section,
        label: "Alt 1".into(),
        text: text.into(),
        rationale: String::new(),
        cosponsors,
    };
    let alt = n.propose(new("alt", 1, "Text one.", vec![code("DESA")]), &by("UNSEC")).expect("propose");
    let two = n.propose(new("two", 2, "Text two.", vec![]), &by("UNSEC")).expect("propose");
    for who in ["CHAIR", "DESA"] {
        n.record_stance(&two, StanceKind::Support, "", &by(who)).expect("stance");
    }
    n.adopt(2, &two, &by("CHAIR")).expect("adopt");
    (n, alt)
}

/// A value a hostile peer may put.
#[derive(Clone, Debug)]
enum Put {
    Str(String),
    Int(i64),
    Bool(bool),
    Map,
    List,
    Text(String),
}

/// An edit of a document.
#[derive(Clone, Debug)]
enum Edit {
    Put(String, Put),
    Delete(String),
    /// Into the text at `text` (if there is one).
    Splice(usize, usize, String),
    /// A field inside the map or list at `key`, if it is one.
    Nested(String, String, Put),
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("kind".to_string()),
        Just("text".to_string()),
        Just("label".to_string()),
        Just("section".to_string()),
        Just("sponsors".to_string()),
        Just("withdrawn".to_string()),
        Just("created_at".to_string()),
        Just("sections".to_string()),
        Just("participants".to_string()),
        Just("title".to_string()),
        Just("agreed".to_string()),
        Just("stance:2c8PzYfCdnNvqcDTUB5DVTjCnAKR".to_string()),
        Just("sponsor:2c8PzYfCdnNvqcDTUB5DVTjCnAKR".to_string()),
        Just("comment:x".to_string()),
        Just("stance".to_string()),
        Just("reason".to_string()),
        "[a-z:]{1,8}",
    ]
}

fn put() -> impl Strategy<Value = Put> {
    prop_oneof![
        "[ -~]{0,12}".prop_map(Put::Str),
        prop_oneof![Just("object".to_string()), Just("support".to_string()), Just("proposal".to_string())]
            .prop_map(Put::Str),
        "[\\x00-\\x1f]{1,3}".prop_map(Put::Str),
        any::<i64>().prop_map(Put::Int),
        (0i64..5).prop_map(Put::Int),
        any::<bool>().prop_map(Put::Bool),
        Just(Put::Map),
        Just(Put::List),
        "[ -~]{0,12}".prop_map(Put::Text),
        (1usize..400_000).prop_map(|n| Put::Str("x".repeat(n))),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (key(), put()).prop_map(|(k, v)| Edit::Put(k, v)),
        key().prop_map(Edit::Delete),
        (0usize..12, 0usize..6, "[ -~\\x00-\\x08]{0,8}")
            .prop_map(|(at, delete, insert)| Edit::Splice(at, delete, insert)),
        (key(), key(), put()).prop_map(|(outer, inner, v)| Edit::Nested(outer, inner, v)),
    ]
}

/// Which document a change goes to.
#[derive(Clone, Copy, Debug)]
enum Target {
    Negotiation,
    OwnParticipant,
    OtherParticipant,
    Proposal,
    New,
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Negotiation),
        Just(Target::OwnParticipant),
        Just(Target::OtherParticipant),
        Just(Target::Proposal),
        Just(Target::New),
    ]
}

/// The message a change carries.
fn message() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        (0usize..4).prop_map(|who| {
            Some(
                ChangeNote { by: code(PEOPLE[who]), at: Timestamp(1), what: "did it".into(), section: Some(1) }
                    .to_message(),
            )
        }),
        "[ -~]{0,20}".prop_map(Some),
    ]
}

fn put_value(tx: &mut impl Transactable, obj: &accord_core::automerge::ObjId, key: &str, value: &Put) {
    let _ = match value {
        Put::Str(text) => tx.put(obj, key, text.as_str()),
        Put::Int(n) => tx.put(obj, key, *n),
        Put::Bool(b) => tx.put(obj, key, *b),
        Put::Map => tx.put_object(obj, key, ObjType::Map).map(|_| ()),
        Put::List => tx.put_object(obj, key, ObjType::List).map(|_| ()),
        Put::Text(text) => tx.put_object(obj, key, ObjType::Text).and_then(|t| tx.splice_text(&t, 0, 0, text)),
    };
}

fn apply(doc: &mut Automerge, edits: &[Edit], message: Option<String>) {
    let mut tx = doc.transaction();
    for edit in edits {
        match edit {
            Edit::Put(key, value) => put_value(&mut tx, &ROOT, key, value),
            Edit::Delete(key) => {
                let _ = tx.delete(ROOT, key.as_str());
            }
            Edit::Splice(at, delete, insert) => {
                if let Ok(Some((_, text))) = tx.get(ROOT, "text") {
                    let len = tx.length(&text);
                    let at = (*at).min(len);
                    let delete = (*delete).min(len - at) as isize;
                    let _ = tx.splice_text(&text, at, delete, insert);
                }
            }
            Edit::Nested(outer, inner, value) => {
                if let Ok(Some((_, obj))) = tx.get(ROOT, outer.as_str()) {
                    put_value(&mut tx, &obj, inner, value);
                }
            }
        }
    }
    let options = match message {
        Some(message) => CommitOptions::default().with_message(message),
        None => CommitOptions::default(),
    };
    tx.commit_with(options);
}

fn document_of(server: &Negotiation, target: Target, peer: &str, alt: ProposalId) -> DocumentId {
    match target {
        Target::Negotiation => server.id(),
        Target::OwnParticipant => accord_core::participant_document_id(server.id(), &code(peer)),
        Target::OtherParticipant => {
            let other = if peer == "UNSEC" { "DESA" } else { "UNSEC" };
            accord_core::participant_document_id(server.id(), &code(other))
        }
        Target::Proposal => alt.0,
        Target::New => DocumentId::derive("fuzz", "new"),
    }
}

/// What must hold of any negotiation the gate let changes into.
fn check_readable_and_within_the_rules(server: &Negotiation) -> Result<(), TestCaseError> {
    let view = server.view().map_err(|e| TestCaseError::fail(format!("unreadable: {e}")))?;
    prop_assert!(view.unreadable.is_empty(), "the gate let in something unreadable: {:?}", view.unreadable);
    prop_assert_eq!(view.sections.len(), 2, "sections are the chair's");
    prop_assert!(view.section(2).is_some_and(|s| s.agreed_text.as_deref() == Some("Text two.")));
    prop_assert_eq!(view.participants.len(), 4);
    for proposal in view.sections.iter().flat_map(|s| &s.proposals) {
        prop_assert!(proposal.text.len() <= accord_core::MAX_PROPOSAL_TEXT_BYTES);
        prop_assert!(proposal.text.chars().all(accord_core::allowed_in_text), "{:?}", proposal.text);
        for stance in proposal.stances.values() {
            prop_assert!(stance.stance != StanceKind::Object || !stance.reason.trim().is_empty());
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("GATE_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(300)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn whatever_a_peer_sends_the_gate_lets_in_only_a_readable_negotiation_within_the_rules(
        peer in 0usize..4,
        target in target(),
        batches in prop::collection::vec((prop::collection::vec(edit(), 1..5), message()), 1..4),
    ) {
        let (mut server, alt) = server();
        let peer_code = PEOPLE[peer];
        let document = document_of(&server, target, peer_code, alt);
        let mut theirs = server.documents().get(&document).cloned().unwrap_or_default();
        theirs.set_actor(accord_core::actor_for(&code(peer_code), "hostile"));
        for (edits, message) in batches {
            apply(&mut theirs, &edits, message);
        }
        let changes = match server.documents().get(&document) {
            Some(ours) => ours.get_changes_added(&theirs),
            None => theirs.get_changes(&[]),
        };
        let admission = server.admit(document, &code(peer_code), changes.clone()).expect("the gate answers");
        prop_assert_eq!(admission.accepted.len() + admission.refused.len(), changes.len(), "every change decided");
        if matches!(target, Target::Negotiation | Target::OtherParticipant) || peer_code == "UNU" {
            prop_assert!(admission.accepted.is_empty(), "{target:?} by {peer_code}: {admission:?}");
        }
        check_readable_and_within_the_rules(&server)?;
    }
}

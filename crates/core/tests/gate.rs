//! The gate on changes from other replicas: each attack a hostile peer
//! could send over /sync, built as raw automerge changes on a replica, is
//! refused with its reason and changes nothing; what the API allows passes.

use accord_core::automerge::transaction::Transactable;
use accord_core::automerge::{Automerge, Change, ObjType, ROOT, ReadDoc};
use accord_core::gate::Admission;
use accord_core::{
    Attribution, ChangeNote, DocumentId, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role,
    StanceKind, Timestamp,
};

fn code(text: &str) -> ParticipantCode {
    text.parse().expect("code")
}

fn by(who: &str, minute: i64) -> Attribution {
    Attribution::new(code(who), Timestamp(1_793_610_000_000 + minute * 60_000))
}

/// CHAIR, DESA, UNESCO, UNSEC (members), UNU (observer); section 1 with
/// UNSEC's Alt 1, section 2 agreed.
fn server() -> (Negotiation, ProposalId) {
    let chair = NewParticipant { code: code("CHAIR"), name: "Chair".into(), role: Role::Chair };
    let mut n = Negotiation::create(DocumentId::derive("gate", "n"), "Plan", chair, "server", by("CHAIR", 0).at)
        .expect("create");
    for (who, role) in
        [("DESA", Role::Member), ("UNESCO", Role::Member), ("UNSEC", Role::Member), ("UNU", Role::Observer)]
    {
        n.add_participant(NewParticipant { code: code(who), name: who.into(), role }, &by("CHAIR", 1)).expect("add");
    }
    n.add_section(1, "One", &code("DESA"), "Base one.", &by("CHAIR", 2)).expect("section");
    n.add_section(2, "Two", &code("DESA"), "Base two.", &by("CHAIR", 2)).expect("section");
    let alt = propose(&mut n, "alt1", 1, "UNSEC", "Alt 1", "Text one.", &["DESA"]);
    let two = propose(&mut n, "two", 2, "UNSEC", "Alt 1", "Text two.", &[]);
    for who in ["CHAIR", "DESA", "UNESCO"] {
        n.record_stance(&two, StanceKind::Support, "", &by(who, 4)).expect("stance");
    }
    n.adopt(2, &two, &by("CHAIR", 5)).expect("adopt");
    (n, alt)
}

fn propose(
    n: &mut Negotiation,
    key: &str,
    section: u32,
    who: &str,
    label: &str,
    text: &str,
    with: &[&str],
) -> ProposalId {
    let new = NewProposal {
        id: ProposalId(DocumentId::derive("gate", key)),
        section,
        label: label.into(),
        text: text.into(),
        rationale: String::new(),
        cosponsors: with.iter().map(|c| code(c)).collect(),
    };
    n.propose(new, &by(who, 3)).expect("propose")
}

/// A replica of the server's negotiation, as a peer holds it after syncing.
fn replica(server: &Negotiation) -> Negotiation {
    Negotiation::from_documents(server.id(), server.documents().clone(), "peer").expect("replica")
}

/// The changes `peer`'s replica has in `document` that the server lacks.
fn new_changes(server: &Negotiation, peer: &Negotiation, document: DocumentId) -> Vec<Change> {
    let theirs = &peer.documents()[&document];
    match server.documents().get(&document) {
        Some(ours) => ours.get_changes_added(theirs),
        None => theirs.get_changes(&[]),
    }
}

/// Sends `peer`'s new changes of `document` to the server as `who`.
fn send(server: &mut Negotiation, peer: &Negotiation, document: DocumentId, who: &str) -> Admission {
    let changes = new_changes(server, peer, document);
    assert!(!changes.is_empty(), "the hostile change exists and reaches the gate");
    server.admit(document, &code(who), changes).expect("admit")
}

fn refused_because(admission: &Admission, reason: &str) {
    assert!(admission.accepted.is_empty(), "nothing accepted: {admission:?}");
    assert!(!admission.refused.is_empty());
    assert!(admission.refused.iter().all(|r| r.reason.contains(reason)), "refused because {reason:?}: {admission:?}");
}

fn participant_document(n: &Negotiation, who: &str) -> DocumentId {
    accord_core::participant_document_id(n.id(), &code(who))
}

#[test]
fn a_member_s_own_stance_passes_and_is_applied() {
    let (mut server, alt) = server();
    let mut desa = replica(&server);
    desa.record_stance(&alt, StanceKind::Object, "too narrow", &by("DESA", 10)).expect("stance");
    let document = participant_document(&server, "DESA");
    let admission = send(&mut server, &desa, document, "DESA");
    assert!(admission.refused.is_empty(), "{admission:?}");
    assert_eq!(admission.accepted.len(), 1);
    let view = server.view().expect("view");
    assert_eq!(view.proposal(&alt).expect("alt").stances[&code("DESA")].reason, "too narrow");
}

#[test]
fn a_stance_forged_into_another_participant_s_document_is_refused() {
    let (mut server, alt) = server();
    let mut desa = replica(&server);
    desa.record_stance(&alt, StanceKind::Object, "forged", &by("UNESCO", 10)).expect("written locally");
    let before = server.view().expect("view");
    let unesco = participant_document(&server, "UNESCO");
    let admission = send(&mut server, &desa, unesco, "DESA");
    refused_because(&admission, "this is UNESCO's document, not DESA's");
    assert_eq!(server.view().expect("view"), before);
}

#[test]
fn an_objection_without_a_reason_written_raw_is_refused() {
    let (mut server, alt) = server();
    let mut desa = replica(&server);
    desa.record_stance(&alt, StanceKind::Support, "", &by("DESA", 10)).expect("stance");
    let document = participant_document(&server, "DESA");
    server.admit(document, &code("DESA"), new_changes(&server, &desa, document)).expect("admit");
    let mut doc = desa.documents()[&document].clone();
    let mut tx = doc.transaction();
    let key = format!("stance:{alt}");
    let (_, entry) = tx.get(ROOT, key.as_str()).expect("read").expect("the stance");
    tx.put(&entry, "stance", "object").expect("put");
    tx.put(&entry, "reason", "  ").expect("put");
    tx.commit();
    desa.merge_document(document, &doc).expect("merge");
    refused_because(&send(&mut server, &desa, document, "DESA"), "an objection needs a reason");
    let view = server.view().expect("view");
    assert_eq!(view.proposal(&alt).expect("alt").stances[&code("DESA")].stance, StanceKind::Support);
}

#[test]
fn a_note_naming_someone_else_is_refused() {
    let (mut server, alt) = server();
    let mut desa = replica(&server);
    let document = participant_document(&server, "DESA");
    // DESA's own document, written by DESA, but its note says the chair adopted something.
    desa.record_stance(&alt, StanceKind::Support, "", &by("DESA", 10)).expect("stance");
    let mut doc = desa.documents()[&document].clone();
    let note = ChangeNote {
        by: code("CHAIR"),
        at: by("CHAIR", 11).at,
        what: "adopted Alt 3 as the agreed text of section 1".into(),
        section: Some(1),
    };
    let mut tx = doc.transaction();
    tx.put(ROOT, "sponsor:x", 1).expect("put");
    tx.commit_with(accord_core::automerge::transaction::CommitOptions::default().with_message(note.to_message()));
    desa.merge_document(document, &doc).expect("merge");
    let admission = send(&mut server, &desa, document, "DESA");
    assert_eq!(admission.accepted.len(), 1, "DESA's own stance passes: {admission:?}");
    assert_eq!(admission.refused.len(), 1, "{admission:?}");
    assert!(admission.refused[0].reason.contains("the change says CHAIR made it, but DESA sent it"), "{admission:?}");
    let history = server.history(None).expect("history");
    assert!(!history.iter().any(|e| e.what.contains("adopted Alt 3")), "history shows no forged adoption");
}

#[test]
fn the_negotiation_document_is_not_written_over_sync_even_by_the_chair() {
    let (mut server, alt) = server();
    let mut chair = replica(&server);
    chair.add_section(3, "Forged", &code("DESA"), "Forged.", &by("CHAIR", 10)).expect("locally");
    let _ = alt;
    let before = server.view().expect("view");
    let negotiation = server.id();
    refused_because(&send(&mut server, &chair, negotiation, "CHAIR"), "written through the API");
    assert_eq!(server.view().expect("view"), before);
}

#[test]
fn only_joined_sponsors_edit_a_proposal_and_only_its_text() {
    let (mut server, alt) = server();
    // UNESCO is no sponsor; DESA was named but has not joined.
    for who in ["UNESCO", "DESA"] {
        let mut peer = replica(&server);
        let doc = peer.documents()[&alt.0].clone();
        let mut doc = doc;
        let text = doc.get(ROOT, "text").expect("read").expect("text").1;
        doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
            tx.splice_text(&text, 0, 0, "Hijacked. ")?;
            Ok(())
        })
        .expect("splice");
        peer.merge_document(alt.0, &doc).expect("merge");
        refused_because(&send(&mut server, &peer, alt.0, who), "does not sponsor Alt 1");
    }
    // UNSEC, its sponsor: a splice passes, a new label does not.
    let mut unsec = replica(&server);
    unsec.edit_proposal(&alt, "Text one, amended.", &by("UNSEC", 12)).expect("edit");
    let admission = send(&mut server, &unsec, alt.0, "UNSEC");
    assert!(admission.refused.is_empty(), "{admission:?}");
    let mut doc = unsec.documents()[&alt.0].clone();
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "label", "Agreed text")?;
        Ok(())
    })
    .expect("put");
    unsec.merge_document(alt.0, &doc).expect("merge");
    refused_because(&send(&mut server, &unsec, alt.0, "UNSEC"), "only its text changes");
    let view = server.view().expect("view");
    assert_eq!(view.proposal(&alt).expect("alt").text, "Text one, amended.");
    assert_eq!(view.proposal(&alt).expect("alt").label, "Alt 1");
}

#[test]
fn a_change_too_large_and_a_text_over_the_limit_are_refused() {
    let (mut server, alt) = server();
    let mut desa = replica(&server);
    let document = participant_document(&server, "DESA");
    desa.record_stance(&alt, StanceKind::Support, "", &by("DESA", 10)).expect("stance");
    let mut doc = desa.documents()[&document].clone();
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "padding", "x".repeat(3 * 1024 * 1024))?;
        Ok(())
    })
    .expect("put");
    desa.merge_document(document, &doc).expect("merge");
    let admission = send(&mut server, &desa, document, "DESA");
    assert_eq!(admission.refused.len(), 1, "{admission:?}");
    assert!(admission.refused[0].reason.contains("the most a change may be is 1048576"), "{admission:?}");

    // A peer that does not check (the core would refuse this text locally too).
    let mut unsec = replica(&server);
    let mut doc = unsec.documents()[&alt.0].clone();
    doc.set_actor(accord_core::actor_for(&code("UNSEC"), "peer"));
    let text = doc.get(ROOT, "text").expect("read").expect("text").1;
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.splice_text(&text, 0, 0, &"word ".repeat(60_000))?;
        Ok(())
    })
    .expect("splice");
    unsec.merge_document(alt.0, &doc).expect("merge");
    refused_because(&send(&mut server, &unsec, alt.0, "UNSEC"), "at most 262144 bytes");
}

#[test]
fn a_new_proposal_passes_if_the_api_would_take_it() {
    let (mut server, _) = server();
    let mut desa = replica(&server);
    let fresh = propose(&mut desa, "fresh", 1, "DESA", "Alt 2", "A new wording.", &[]);
    let admission = send(&mut server, &desa, fresh.0, "DESA");
    assert!(admission.refused.is_empty(), "{admission:?}");
    let own = participant_document(&server, "DESA");
    server.admit(own, &code("DESA"), new_changes(&server, &desa, own)).expect("admit");
    assert_eq!(server.view().expect("view").proposal(&fresh).expect("listed").text, "A new wording.");

    // Into the agreed section (made for section 1, moved by a peer that does not check): refused.
    let mut desa = replica(&server);
    let late = propose(&mut desa, "late", 1, "DESA", "Alt 9", "Too late.", &[]);
    let mut doc = desa.documents()[&late.0].clone();
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "section", 2)?;
        Ok(())
    })
    .expect("put");
    desa.merge_document(late.0, &doc).expect("merge");
    refused_because(&send(&mut server, &desa, late.0, "DESA"), "section 2 is already agreed");
    let mut desa = replica(&server);
    let named = propose(&mut desa, "named", 1, "UNESCO", "Alt 7", "In UNESCO's name.", &[]);
    refused_because(&send(&mut server, &desa, named.0, "DESA"), "the change says UNESCO made it, but DESA sent it");
}

#[test]
fn a_change_building_on_a_refused_one_is_refused_and_observers_write_nothing() {
    let (mut server, alt) = server();
    let mut unsec = replica(&server);
    let mut doc = unsec.documents()[&alt.0].clone();
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "section", 2)?;
        Ok(())
    })
    .expect("put");
    unsec.merge_document(alt.0, &doc).expect("merge");
    unsec.edit_proposal(&alt, "Text one, later.", &by("UNSEC", 13)).expect("edit on top");
    let admission = send(&mut server, &unsec, alt.0, "UNSEC");
    assert_eq!(admission.refused.len(), 2, "{admission:?}");
    assert!(admission.refused[1].reason.contains("builds on change"), "{admission:?}");

    let mut unu = replica(&server);
    let own = participant_document(&server, "UNU");
    let mut doc = Automerge::new();
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.put_object(ROOT, "stance:x", ObjType::Map)?;
        Ok(())
    })
    .expect("put");
    unu.merge_document(own, &doc).expect("merge");
    refused_because(&send(&mut server, &unu, own, "UNU"), "UNU is not a member");
}

#[test]
fn a_change_without_a_note_is_its_sender_s_and_its_actor_is_no_one_else_s() {
    let (mut server, alt) = server();
    let own = participant_document(&server, "DESA");
    // What an automerge-repo client writes: no note, its own actor.
    let mut desa = replica(&server);
    desa.record_stance(&alt, StanceKind::Support, "", &by("DESA", 10)).expect("stance");
    let mut doc = desa.documents()[&own].clone();
    doc.set_actor(accord_core::automerge::ActorId::from(b"javascript-client".as_slice()));
    let key = format!("sponsor:{alt}");
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.put(ROOT, key.as_str(), 1)?;
        Ok(())
    })
    .expect("put");
    desa.merge_document(own, &doc).expect("merge");
    let admission = send(&mut server, &desa, own, "DESA");
    assert!(admission.refused.is_empty(), "{admission:?}");
    let history = server.history(None).expect("history");
    let last = history.iter().find(|e| e.what.contains("another automerge-repo client")).expect("listed");
    assert_eq!(last.by.as_ref().map(ToString::to_string).as_deref(), Some("DESA"), "attributed to its sender");

    // UNSEC writes with the actor DESA's client writes with: refused.
    let mut unsec = replica(&server);
    let unsec_doc = participant_document(&server, "UNSEC");
    let mut doc = Automerge::new();
    doc.set_actor(accord_core::automerge::ActorId::from(b"javascript-client".as_slice()));
    let key = format!("sponsor:{alt}");
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.put(ROOT, key.as_str(), 1)?;
        Ok(())
    })
    .expect("put");
    unsec.merge_document(unsec_doc, &doc).expect("merge");
    refused_because(&send(&mut server, &unsec, unsec_doc, "UNSEC"), "this automerge actor writes for DESA, not UNSEC");
}

/// A raw put of `withdrawn` into the proposal, as a peer that does not check would write it.
fn put_withdrawn(peer: &mut Negotiation, alt: ProposalId, who: &str, value: bool) {
    let mut doc = peer.documents()[&alt.0].clone();
    doc.set_actor(accord_core::actor_for(&code(who), "peer"));
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "withdrawn", value)?;
        Ok(())
    })
    .expect("put");
    peer.merge_document(alt.0, &doc).expect("merge");
}

#[test]
fn only_a_sponsor_withdraws_and_a_withdrawn_proposal_changes_no_more() {
    let (mut server, alt) = server();
    let before = server.view().expect("view");
    // UNESCO is no sponsor; DESA was named but has not joined.
    for who in ["UNESCO", "DESA"] {
        let mut peer = replica(&server);
        put_withdrawn(&mut peer, alt, who, true);
        refused_because(&send(&mut server, &peer, alt.0, who), "does not sponsor Alt 1");
    }
    assert_eq!(server.view().expect("view"), before, "nothing refused changed anything");

    let mut unsec = replica(&server);
    unsec.withdraw(&alt, &by("UNSEC", 20)).expect("withdrawn on the peer");
    let admission = send(&mut server, &unsec, alt.0, "UNSEC");
    assert!(admission.refused.is_empty(), "its sponsor withdraws it: {admission:?}");
    let view = server.view().expect("view");
    let withdrawn = view.proposal(&alt).expect("still listed");
    assert!(withdrawn.withdrawn);
    assert!(!withdrawn.adoptable);
    assert_eq!(withdrawn.text, "Text one.", "its text stays on the record");

    // Afterwards: no edit, no revival, no stance, no adoption.
    let mut unsec = replica(&server);
    let mut doc = unsec.documents()[&alt.0].clone();
    doc.set_actor(accord_core::actor_for(&code("UNSEC"), "peer"));
    let text = doc.get(ROOT, "text").expect("read").expect("text").1;
    doc.transact::<_, _, accord_core::automerge::AutomergeError>(|tx| {
        tx.splice_text(&text, 0, 0, "Revived. ")?;
        Ok(())
    })
    .expect("splice");
    unsec.merge_document(alt.0, &doc).expect("merge");
    refused_because(&send(&mut server, &unsec, alt.0, "UNSEC"), "Alt 1 was withdrawn");
    let mut unsec = replica(&server);
    put_withdrawn(&mut unsec, alt, "UNSEC", false);
    refused_because(&send(&mut server, &unsec, alt.0, "UNSEC"), "Alt 1 was withdrawn");
    let mut desa = replica(&server);
    assert!(desa.record_stance(&alt, StanceKind::Support, "", &by("DESA", 21)).is_err(), "the API refuses a stance");
    assert!(server.adopt(1, &alt, &by("CHAIR", 22)).is_err(), "and the adoption");
    let after = server.view().expect("view");
    assert_eq!(after.proposal(&alt).expect("alt").text, "Text one.");
    assert!(after.proposal(&alt).expect("alt").withdrawn);
}

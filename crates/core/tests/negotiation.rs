//! The negotiation model end to end on the HLCP fixture and on small
//! negotiations built here: rules, staleness, adoption, history.

use accord_core::convergence::SectionStatus;
use accord_core::{
    Attribution, DocumentId, Error, Negotiation, NewParticipant, NewProposal, ParticipantCode, ProposalId, Role,
    StanceKind, Timestamp, fixture,
};

fn code(text: &str) -> ParticipantCode {
    text.parse().expect("valid participant code")
}

fn by(who: &str, minute: i64) -> Attribution {
    Attribution::new(code(who), Timestamp(1_700_000_000_000 + minute * 60_000))
}

fn participant(who: &str, role: Role) -> NewParticipant {
    NewParticipant { code: code(who), name: format!("{who} agency"), role }
}

/// A chair, a convenor, two members and an observer, with one section.
fn small_negotiation() -> Negotiation {
    let chair = participant("CHAIR", Role::Chair);
    let mut n = Negotiation::create(DocumentId::derive("test", "n"), "Plan", chair, "replica-a", by("CHAIR", 0).at)
        .expect("create");
    for (who, role) in
        [("ITU", Role::Convenor), ("DESA", Role::Member), ("UNODC", Role::Member), ("UNU", Role::Observer)]
    {
        n.add_participant(participant(who, role), &by("CHAIR", 1)).expect("add participant");
    }
    n.add_section(1, "Topic 1", &code("ITU"), "The agencies will support member states.", &by("CHAIR", 2))
        .expect("add section");
    n
}

fn propose(n: &mut Negotiation, who: &str, label: &str, text: &str) -> ProposalId {
    let new = NewProposal {
        id: ProposalId(DocumentId::derive("test", label)),
        section: 1,
        label: label.to_string(),
        text: text.to_string(),
        rationale: "because".to_string(),
        cosponsors: vec![],
    };
    n.propose(new, &by(who, 3)).expect("propose")
}

/// Alt 1 of section 1, proposed by DESA naming UNODC as co-sponsor.
fn joint_proposal(n: &mut Negotiation, text: &str) -> ProposalId {
    let new = NewProposal {
        id: ProposalId(DocumentId::derive("test", "joint")),
        section: 1,
        label: "Alt 1".into(),
        text: text.into(),
        rationale: String::new(),
        cosponsors: vec![code("UNODC")],
    };
    n.propose(new, &by("DESA", 3)).expect("propose")
}

fn stance(n: &mut Negotiation, who: &str, id: &ProposalId, kind: StanceKind, reason: &str) {
    n.record_stance(id, kind, reason, &by(who, 4)).expect("record stance");
}

#[test]
fn fixture_sections_end_as_the_fixture_readme_says() {
    let view = fixture::load("hlcp-cybersecurity").expect("fixture loads").view().expect("view");
    let statuses: Vec<SectionStatus> = view.sections.iter().map(|s| s.status).collect();
    use SectionStatus::*;
    assert_eq!(statuses, vec![Ready, Agreed, Agreed, Blocked, Open]);
    let topic4 = view.section(4).expect("topic 4");
    assert!(topic4.proposals.len() >= 3);
    assert!(topic4.text_gap.expect("three live proposals") > 0.0);
    assert!(topic4.outstanding.iter().any(|o| o.stance == StanceKind::Object && !o.reason.is_empty()));
    let stale = topic4.proposals.iter().flat_map(|p| p.stances.values()).filter(|s| s.stale).count();
    assert!(stale > 0, "the fixture's edits leave stale stances");
}

#[test]
fn fixture_loads_identically_every_time() {
    let a = fixture::load("hlcp-cybersecurity").expect("fixture loads");
    let b = fixture::load("hlcp-cybersecurity").expect("fixture loads");
    assert_eq!(a.view().expect("view"), b.view().expect("view"));
    let heads = |n: &Negotiation| n.documents().values().map(|d| d.get_heads()).collect::<Vec<_>>();
    assert_eq!(heads(&a), heads(&b));
}

#[test]
fn unknown_fixture_names_the_available_ones() {
    let error = fixture::load("nope").expect_err("no such fixture");
    assert!(error.to_string().contains("hlcp-cybersecurity"), "{error}");
}

#[test]
fn adoption_needs_every_member_and_records_the_version() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "The agencies will support member states and stakeholders.");
    stance(&mut n, "CHAIR", &alt, StanceKind::Support, "");
    stance(&mut n, "ITU", &alt, StanceKind::CanLiveWith, "");
    let refused = n.adopt(1, &alt, &by("CHAIR", 5)).expect_err("UNODC has not spoken");
    assert!(refused.to_string().contains("UNODC has not taken a stance"), "{refused}");
    stance(&mut n, "UNODC", &alt, StanceKind::Support, "");
    n.adopt(1, &alt, &by("CHAIR", 6)).expect("consensus reached");
    let view = n.view().expect("view");
    let section = view.section(1).expect("section 1");
    assert_eq!(section.status, SectionStatus::Agreed);
    assert_eq!(section.agreed_text.as_deref(), Some("The agencies will support member states and stakeholders."));
    let adoption = section.adoption.as_ref().expect("adoption recorded");
    assert_eq!(adoption.by, code("CHAIR"));
    assert_eq!(adoption.proposal_heads, view.proposal(&alt).expect("proposal").heads);
}

#[test]
fn an_objection_blocks_until_withdrawn() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "New wording.");
    for who in ["CHAIR", "ITU"] {
        stance(&mut n, who, &alt, StanceKind::Support, "");
    }
    stance(&mut n, "UNODC", &alt, StanceKind::Object, "drops the enforcement angle");
    let refused = n.adopt(1, &alt, &by("ITU", 5)).expect_err("objection");
    assert!(matches!(refused, Error::ConsensusNotReached { .. }));
    assert!(refused.to_string().contains("UNODC objects: drops the enforcement angle"), "{refused}");
    assert_eq!(n.view().expect("view").section(1).expect("s").status, SectionStatus::Blocked);
    stance(&mut n, "UNODC", &alt, StanceKind::Support, "");
    n.adopt(1, &alt, &by("ITU", 6)).expect("convenor adopts once the objection is withdrawn");
}

#[test]
fn an_edit_makes_earlier_stances_stale() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "First wording.");
    stance(&mut n, "ITU", &alt, StanceKind::Support, "");
    n.edit_proposal(&alt, "Second wording.", &by("DESA", 5)).expect("sponsor edits");
    let view = n.view().expect("view");
    let proposal = view.proposal(&alt).expect("proposal");
    assert!(proposal.stances[&code("ITU")].stale);
    assert!(!proposal.stances[&code("DESA")].stale, "a sponsor's support follows its own edits");
    stance(&mut n, "ITU", &alt, StanceKind::Support, "");
    assert!(!n.view().expect("view").proposal(&alt).expect("p").stances[&code("ITU")].stale);
}

#[test]
fn the_rules_refuse_wrong_writes_and_change_nothing() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "Wording.");
    let before = n.view().expect("view");
    let heads_before: Vec<_> = n.documents().values().map(|d| d.get_heads()).collect();
    let cases: Vec<(Result<(), Error>, &str)> = vec![
        (n.edit_proposal(&alt, "Hijacked.", &by("UNODC", 5)), "not a sponsor"),
        (n.record_stance(&alt, StanceKind::Support, "", &by("UNU", 5)), "observer"),
        (n.record_stance(&alt, StanceKind::Object, "  ", &by("UNODC", 5)), "needs a reason"),
        (n.record_stance(&alt, StanceKind::Support, "", &by("NOBODY", 5)), "unknown participant"),
        (n.adopt(1, &alt, &by("DESA", 5)), "only the chair or a convenor"),
        (n.adopt(9, &alt, &by("CHAIR", 5)), "unknown section"),
        (n.set_base_text(1, "x", &by("UNODC", 5)), "only the chair or a convenor"),
    ];
    for (result, expected) in cases {
        let error = result.expect_err(expected);
        assert!(error.to_string().contains(expected), "{error} should say {expected}");
    }
    let unknown = ProposalId(DocumentId::derive("test", "missing"));
    let error = n.record_stance(&unknown, StanceKind::Support, "", &by("ITU", 5)).expect_err("unknown");
    assert!(error.to_string().contains("unknown proposal"), "{error}");
    assert_eq!(n.view().expect("view"), before);
    let heads_after: Vec<_> = n.documents().values().map(|d| d.get_heads()).collect();
    assert_eq!(heads_after, heads_before);
}

#[test]
fn concurrent_edits_of_two_sponsors_merge() {
    let mut a = small_negotiation();
    let id = joint_proposal(&mut a, "The agencies will support member states.");
    a.cosponsor(&id, &by("UNODC", 3)).expect("UNODC joins");
    let mut b = Negotiation::from_documents(a.id(), a.documents().clone(), "replica-b").expect("replica b");
    a.edit_proposal(&id, "The agencies will jointly support member states.", &by("DESA", 4)).expect("edit a");
    b.edit_proposal(&id, "The agencies will support member states and stakeholders.", &by("UNODC", 4)).expect("edit b");
    a.merge(&b).expect("merge b into a");
    b.merge(&a).expect("merge a into b");
    let text = a.view().expect("view").proposal(&id).expect("p").text.clone();
    assert_eq!(text, "The agencies will jointly support member states and stakeholders.");
    assert_eq!(a.view().expect("view"), b.view().expect("view"));
}

#[test]
fn history_attributes_every_change_and_reads_the_past() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "First wording.");
    n.edit_proposal(&alt, "Second wording.", &by("DESA", 10)).expect("edit");
    let history = n.history(Some(1)).expect("history");
    assert!(history.iter().all(|e| e.by.is_some()));
    let whats: Vec<&str> = history.iter().map(|e| e.what.as_str()).collect();
    assert!(whats.contains(&"proposed Alt 1") && whats.contains(&"edited Alt 1"), "{whats:?}");
    let earlier = n.as_of(by("DESA", 5).at).expect("as of minute 5");
    assert_eq!(earlier.view().expect("view").proposal(&alt).expect("p").text, "First wording.");
    assert_eq!(n.view().expect("view").proposal(&alt).expect("p").text, "Second wording.");
}

#[test]
fn convergence_history_follows_the_fixture_over_time() {
    let n = fixture::load("hlcp-cybersecurity").expect("fixture loads");
    let points = accord_core::trend::history(&n, 4, 100).expect("history");
    assert!(points.len() > 5);
    assert!(points.windows(2).all(|w| w[0].at < w[1].at));
    assert_eq!(points.last().expect("a point").status, SectionStatus::Blocked);
    assert!(points.iter().any(|p| p.text_gap.is_some()));
}

#[test]
fn text_gap_is_zero_for_identical_proposals_and_grows_as_they_part() {
    let mut n = small_negotiation();
    let gap = |n: &Negotiation| n.view().expect("view").section(1).expect("s").text_gap;
    let a = propose(&mut n, "DESA", "Alt 1", "The agencies will support member states.");
    assert_eq!(gap(&n), None, "one proposal has nothing to be apart from");
    propose(&mut n, "UNODC", "Alt 2", "The agencies will support member states.");
    assert_eq!(gap(&n), Some(0.0));
    n.edit_proposal(&a, "The agencies will coordinate internally.", &by("DESA", 6)).expect("edit");
    let apart = gap(&n).expect("two proposals");
    n.edit_proposal(&a, "Entirely different wording here", &by("DESA", 7)).expect("edit");
    let further = gap(&n).expect("two proposals");
    assert!(0.0 < apart && apart < further && further <= 1.0, "{apart} then {further}");
}

#[test]
fn a_named_cosponsor_counts_as_supporting_only_after_joining() {
    let mut n = small_negotiation();
    let id = joint_proposal(&mut n, "Joint wording.");
    for who in ["CHAIR", "ITU"] {
        stance(&mut n, who, &id, StanceKind::Support, "");
    }
    let refused = n.adopt(1, &id, &by("CHAIR", 4)).expect_err("UNODC was named, not asked");
    assert!(refused.to_string().contains("UNODC has not taken a stance"), "{refused}");
    let error = n.cosponsor(&id, &by("ITU", 4)).expect_err("ITU was not named");
    assert!(error.to_string().contains("not a sponsor"), "{error}");
    n.cosponsor(&id, &by("UNODC", 5)).expect("named co-sponsor joins");
    n.adopt(1, &id, &by("CHAIR", 6)).expect("every member accepts");
}

#[test]
fn each_participant_document_holds_only_its_owners_changes() {
    let n = fixture::load("hlcp-cybersecurity").expect("fixture loads");
    let view = n.view().expect("view");
    for participant in &view.participants {
        let Some(doc) = n.documents().get(&participant.document) else { continue };
        for change in doc.get_changes(&[]) {
            let note = accord_core::ChangeNote::from_message(change.message().expect("a note")).expect("a note");
            assert_eq!(note.by, participant.code, "{}'s document has a change by {}", participant.code, note.by);
        }
    }
}

#[test]
fn adopting_an_agreed_section_again_is_refused() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "Wording.");
    for who in ["CHAIR", "ITU", "UNODC"] {
        stance(&mut n, who, &alt, StanceKind::Support, "");
    }
    n.adopt(1, &alt, &by("CHAIR", 5)).expect("adopt");
    let error = n.adopt(1, &alt, &by("ITU", 6)).expect_err("already agreed");
    assert!(error.to_string().contains("section 1 is already agreed (Alt 1 was adopted)"), "{error}");
}

#[test]
fn section_numbers_start_at_one() {
    let mut n = small_negotiation();
    let error = n.add_section(0, "Zero", &code("ITU"), "Text.", &by("CHAIR", 5)).expect_err("zero");
    assert!(error.to_string().contains("start at 1"), "{error}");
}

#[test]
fn a_malformed_proposal_document_is_left_out_of_the_view() {
    use accord_core::automerge::transaction::Transactable;
    let mut n = small_negotiation();
    let good = propose(&mut n, "DESA", "Alt 1", "Good wording.");
    let bad = propose(&mut n, "UNODC", "Alt 2", "Soon broken.");
    let mut broken = n.documents()[&bad.0].clone();
    let mut tx = broken.transaction();
    tx.put(accord_core::automerge::ROOT, "label", 42).expect("put");
    tx.commit();
    n.merge_document(bad.0, &broken).expect("merge the peer's change");
    let view = n.view().expect("the view survives a malformed document");
    assert!(view.proposal(&good).is_some());
    assert!(view.proposal(&bad).is_none());
    assert_eq!(view.unreadable.len(), 1);
    assert_eq!(view.unreadable[0].document, bad.0);
}

#[test]
fn an_edit_made_on_an_older_copy_keeps_newer_edits_of_other_sponsors() {
    let mut n = small_negotiation();
    let id = joint_proposal(&mut n, "The agencies will support member states.");
    n.cosponsor(&id, &by("UNODC", 3)).expect("UNODC joins");
    let base = n.proposal_heads(&id).expect("heads");
    let (text, heads) = n
        .edit_proposal_at(&id, &base, "The agencies will jointly support member states.", &by("DESA", 4))
        .expect("DESA edits the current text");
    assert_eq!(text, "The agencies will jointly support member states.");
    let (merged, _) = n
        .edit_proposal_at(&id, &base, "The agencies will support member states and stakeholders.", &by("UNODC", 5))
        .expect("UNODC edits from the older copy");
    assert_eq!(merged, "The agencies will jointly support member states and stakeholders.");
    assert_ne!(n.proposal_heads(&id).expect("heads"), heads);
    let unknown = vec![accord_core::automerge::ChangeHash([7; 32])];
    let error = n.edit_proposal_at(&id, &unknown, "x", &by("DESA", 6)).expect_err("unknown heads");
    assert!(error.to_string().contains("unknown base heads"), "{error}");
    let error = n.edit_proposal_at(&id, &base, "x", &by("ITU", 6)).expect_err("not a sponsor");
    assert!(error.to_string().contains("not a sponsor"), "{error}");
}

#[test]
fn a_late_deletion_next_to_a_newer_insertion_keeps_the_insertion() {
    let mut n = small_negotiation();
    let id = joint_proposal(&mut n, "Agencies will support member states.");
    n.cosponsor(&id, &by("UNODC", 3)).expect("join");
    let base = n.proposal_heads(&id).expect("heads");
    n.edit_proposal_at(&id, &base, "Agencies will actively support member states.", &by("UNODC", 4)).expect("newer");
    let (merged, _) =
        n.edit_proposal_at(&id, &base, "Agencies will member states.", &by("DESA", 5)).expect("late deletion");
    assert_eq!(merged, "Agencies will actively member states.");
}

#[test]
fn a_comment_stays_on_its_passage_while_the_text_changes() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "The agencies will support member states.");
    n.comment(&alt, "c1", 26, 39, "say which member states", &by("UNODC", 5)).expect("comment");
    let quote = |n: &Negotiation| {
        let view = n.view().expect("view");
        let comment = view.proposal(&alt).expect("p").comments[0].clone();
        (comment.quote, comment.start, comment.by)
    };
    assert_eq!(quote(&n), ("member states".to_string(), 26, code("UNODC")));
    n.edit_proposal(&alt, "All the agencies will jointly support member states.", &by("DESA", 6)).expect("edit");
    assert_eq!(quote(&n).0, "member states");
    assert_eq!(quote(&n).1, 38, "moved right by the 12 characters inserted before it");
    let errors = [
        n.comment(&alt, "c2", 5, 5, "empty passage", &by("UNODC", 7)),
        n.comment(&alt, "c3", 0, 999, "past the end", &by("UNODC", 7)),
        n.comment(&alt, "c4", 0, 3, "  ", &by("UNODC", 7)),
        n.comment(&alt, "bad id!", 0, 3, "x", &by("UNODC", 7)),
        n.comment(&alt, "c5", 0, 3, "x", &by("UNU", 7)),
    ];
    for error in errors {
        let error = error.expect_err("refused");
        assert!(error.to_string().contains("invalid comment") || error.to_string().contains("observer"), "{error}");
    }
}

#[test]
fn whole_documents_are_writable_only_by_their_owners_the_rule_sync_applies() {
    let n = fixture::load("hlcp-cybersecurity").expect("fixture");
    let view = n.view().expect("view");
    let alt2 = view.sections[3].proposals.iter().find(|p| p.label == "Alt 2").expect("Alt 2").id;
    let own = |who: &str| view.participants.iter().find(|p| p.code == code(who)).expect("participant").document;
    let may = |who: &str, doc| n.may_write(&code(who), &doc).expect("rule");

    assert!(may("HLCP", n.id()) && may("ITU", n.id()), "chair and convenors write the negotiation document");
    assert!(!may("DESA", n.id()), "a member does not");
    assert!(may("DESA", own("DESA")) && !may("DESA", own("UNESCO")), "each writes only its own document");
    assert!(!may("UNU", own("UNU")), "an observer writes nothing, not even its own document");
    assert!(may("DESA", alt2.0) && may("UNCTAD", alt2.0) && !may("ITU", alt2.0), "sponsors write their proposal");
    assert!(!may("HLCP", accord_core::DocumentId::derive("test", "stranger")), "unknown documents: no one");

    let referenced = n.referenced_documents().expect("documents");
    assert!(referenced.contains(&n.id()) && referenced.contains(&own("UNU")) && referenced.contains(&alt2.0));
    assert!(n.documents().keys().all(|doc| referenced.contains(doc)), "everything held is referenced");
}

#[test]
fn a_named_co_sponsor_edits_only_once_it_has_joined() {
    let mut n = small_negotiation();
    let id = joint_proposal(&mut n, "The agencies will support member states.");
    let before = n.view().expect("view");
    let error = n.edit_proposal(&id, "Rewritten before joining.", &by("UNODC", 4)).expect_err("not joined yet");
    assert!(matches!(error, Error::NotJoined { .. }), "{error}");
    assert_eq!(n.view().expect("view"), before);
    let shown: Vec<String> =
        before.proposal(&id).expect("p").joined_sponsors().iter().map(ToString::to_string).collect();
    assert_eq!(shown, vec!["DESA".to_string()], "only who joined is shown as sponsor");
    n.cosponsor(&id, &by("UNODC", 5)).expect("join");
    n.edit_proposal(&id, "Rewritten after joining.", &by("UNODC", 6)).expect("a joined sponsor edits");
    assert_eq!(n.view().expect("view").proposal(&id).expect("p").text, "Rewritten after joining.");
}

#[test]
fn an_ill_formed_adoption_leaves_the_rest_of_the_negotiation_readable() {
    use accord_core::automerge::transaction::Transactable;
    use accord_core::automerge::{ObjType, ROOT, ReadDoc};
    let mut n = small_negotiation();
    let id = joint_proposal(&mut n, "The agencies will support member states.");
    // What the JavaScript client writes by default: heads as a list of text objects.
    let mut doc = n.documents()[&n.id()].clone();
    let mut tx = doc.transaction();
    let (_, sections) = tx.get(ROOT, "sections").expect("read").expect("sections");
    let (_, section) = tx.get(&sections, "1").expect("read").expect("section 1");
    let agreed = tx.put_object(&section, "agreed", ObjType::Map).expect("agreed");
    tx.put(&agreed, "text", "TEXT THAT NOBODY AGREED").expect("put");
    tx.put(&agreed, "proposal", id.to_string()).expect("put");
    tx.put(&agreed, "label", "Alt 1").expect("put");
    tx.put(&agreed, "by", "CHAIR").expect("put");
    let heads = tx.put_object(&agreed, "proposal_heads", ObjType::List).expect("list");
    let head = tx.insert_object(&heads, 0, ObjType::Text).expect("text");
    tx.splice_text(&head, 0, 0, "abc").expect("splice");
    tx.commit();
    let negotiation = n.id();
    n.merge_document(negotiation, &doc).expect("merge");
    let view = n.view().expect("the negotiation still reads");
    let section = view.section(1).expect("section 1");
    assert_eq!(section.agreed_text, None, "an adoption that does not read is not shown as agreed");
    assert_eq!(view.participants.len(), 5, "participants still read");
    assert!(
        view.unreadable.iter().any(|u| u.document == negotiation && u.error.contains("adoption of section 1")),
        "{:?}",
        view.unreadable
    );
}

#[test]
fn a_write_naming_a_document_that_is_not_a_proposal_names_no_proposal() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "The agencies will assist member states.");
    let before = n.version();
    let desa_document = ProposalId(accord_core::participant_document_id(n.id(), &code("DESA")));
    let negotiation_document = ProposalId(n.id());
    for id in [desa_document, negotiation_document] {
        let unknown = |result: Result<(), Error>| matches!(result, Err(Error::UnknownProposal(named)) if named == id);
        assert!(unknown(n.record_stance(&id, StanceKind::Object, "no", &by("UNODC", 5))), "stance on {id}");
        assert!(unknown(n.withdraw(&id, &by("DESA", 5))), "withdrawal of {id}");
        assert!(unknown(n.cosponsor(&id, &by("UNODC", 5))), "joining {id}");
        assert!(unknown(n.comment(&id, "c1", 0, 3, "why", &by("UNODC", 5))), "comment on {id}");
        let heads = n.documents()[&id.0].get_heads();
        assert!(unknown(n.edit_proposal_at(&id, &heads, "new words", &by("DESA", 5)).map(|_| ())), "edit of {id}");
    }
    assert_eq!(n.version(), before, "nothing was written");
    n.record_stance(&alt, StanceKind::Support, "", &by("UNODC", 6)).expect("a proposal still takes stances");
}

#[test]
fn an_agreed_section_reopens_for_a_reason_keeping_stances_and_history() {
    let mut n = small_negotiation();
    let alt = propose(&mut n, "DESA", "Alt 1", "The agencies will support member states and stakeholders.");
    for who in ["CHAIR", "ITU", "UNODC"] {
        stance(&mut n, who, &alt, StanceKind::Support, "");
    }
    let refused = n.reopen(1, "too early", &by("CHAIR", 5)).expect_err("not agreed yet");
    assert!(matches!(refused, Error::NotAgreed(1)), "{refused}");
    n.adopt(1, &alt, &by("CHAIR", 6)).expect("consensus reached");
    let agreed = n.view().expect("view");
    let before = n.version();
    for (attempt, expected) in [
        (n.reopen(1, "budget missing", &by("DESA", 7)), "only the chair or a convenor"),
        (n.reopen(1, "   ", &by("CHAIR", 7)), "needs a reason"),
        (n.reopen(2, "no such section", &by("CHAIR", 7)), "unknown section 2"),
    ] {
        let message = attempt.expect_err(expected).to_string();
        assert!(message.contains(expected), "{message:?} should say {expected:?}");
    }
    assert_eq!(n.version(), before, "refused reopenings changed nothing");

    n.reopen(1, "The budget line is missing.", &by("ITU", 8)).expect("a convenor reopens");
    let view = n.view().expect("view");
    let section = view.section(1).expect("section 1");
    assert_ne!(section.status, SectionStatus::Agreed);
    assert_eq!((section.agreed_text.as_ref(), section.adoption.as_ref()), (None, None));
    let reopening = &section.reopenings[0];
    assert_eq!(
        (reopening.by.as_str(), reopening.at, reopening.reason.as_str(), reopening.label.as_str()),
        ("ITU", by("ITU", 8).at, "The budget line is missing.", "Alt 1")
    );
    assert_eq!(
        section.proposals[0].stances,
        agreed.section(1).expect("section 1").proposals[0].stances,
        "stances stay"
    );
    let history = n.history(Some(1)).expect("history");
    let adopted = history.iter().find(|e| e.what.contains("adopted")).expect("the adoption stays in history");
    assert_eq!(adopted.by, Some(code("CHAIR")));
    let reopened = history.iter().find(|e| e.what.contains("reopened")).expect("the reopening is in history");
    assert_eq!((reopened.by.clone(), reopened.at), (Some(code("ITU")), by("ITU", 8).at));
    assert!(reopened.what.contains("The budget line is missing."), "{}", reopened.what);

    // Adopted again: the new adoption stands, the reopening stays on record.
    n.adopt(1, &alt, &by("CHAIR", 9)).expect("adopted again");
    let section = n.view().expect("view").section(1).cloned().expect("section 1");
    assert_eq!(section.status, SectionStatus::Agreed);
    assert_eq!(section.reopenings.len(), 1);
}

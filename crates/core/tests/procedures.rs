//! The silence procedure and agreement ad referendum, at their boundaries, on the HLCP
//! fixture: §1's Alt 1 has no objection (ready), §5's Alt 1 waits for UNSEC's reservation
//! and the chair's stance. Expected states are written by hand from the rules in
//! ARCHITECTURE.md ("Procedures with time").

use accord_core::convergence::SectionStatus;
use accord_core::{
    Attribution, DocumentId, Error, Negotiation, NegotiationView, NewProposal, ParticipantCode, ProposalId, StanceKind,
    Timestamp, fixture,
};

const START: i64 = 1_900_000_000_000;

fn at(minute: i64) -> Timestamp {
    Timestamp(START + minute * 60_000)
}

fn by(who: &str, minute: i64) -> Attribution {
    by_at(who, at(minute))
}

fn by_at(who: &str, when: Timestamp) -> Attribution {
    let who: ParticipantCode = who.parse().expect("code");
    Attribution::new(who, when)
}

fn alt1(n: &Negotiation, section: usize) -> ProposalId {
    n.view().expect("view").sections[section - 1].proposals[0].id
}

fn status(view: &NegotiationView, section: u32) -> SectionStatus {
    view.section(section).expect("section").status
}

fn just_before(time: Timestamp) -> Timestamp {
    Timestamp(time.0 - 1)
}

/// §1's Alt 1 under silence from minute 0 until minute 60.
fn silenced() -> (Negotiation, ProposalId) {
    let mut n = fixture::load("hlcp-cybersecurity").expect("fixture");
    let alt = alt1(&n, 1);
    n.silence(1, &alt, at(60), &by("HLCP", 0)).expect("under silence");
    (n, alt)
}

#[test]
fn silence_that_holds_adopts_at_its_end_and_settling_records_what_was_read() {
    let (mut n, alt) = silenced();
    let before_end = n.view_at(just_before(at(60))).expect("view");
    let silence = before_end.sections[0].silence.as_ref().expect("silence shown");
    assert!(silence.running && silence.broken_by.is_none() && !silence.held);
    assert_eq!(status(&before_end, 1), SectionStatus::Ready, "not agreed a millisecond before the end");
    assert_eq!(before_end.next_due(), Some(at(60)));

    let at_end = n.view_at(at(60)).expect("view");
    assert_eq!(status(&at_end, 1), SectionStatus::Agreed, "agreed from the moment silence ends");
    let adoption = at_end.sections[0].adoption.as_ref().expect("adopted");
    assert!(adoption.by_silence);
    assert!(!at_end.sections[0].silence.as_ref().expect("silence").running, "held: it runs no more");
    assert_eq!((adoption.proposal, adoption.by.as_str(), adoption.at), (alt, "HLCP", at(60)));
    assert_eq!(at_end.next_due(), None);
    assert_eq!(status(&n.view().expect("view"), 1), SectionStatus::Ready, "not recorded yet");

    let recorded = n.settle(at(61)).expect("settled");
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(n.view().expect("view"), n.view_at(at(61)).expect("view"), "recording changes nothing read");
    assert_eq!(n.view().expect("view").sections[0], at_end.sections[0]);
    let history = n.history(Some(1)).expect("history");
    let entry = history.last().expect("an entry");
    assert!(entry.what.contains("by silence procedure"), "{}", entry.what);
    assert_eq!(entry.at, at(60), "recorded at the end of silence, not when it was written");
    assert!(n.settle(at(62)).expect("settled").is_empty(), "nothing is recorded twice");
}

#[test]
fn an_objection_a_millisecond_before_the_end_breaks_silence_and_one_at_the_end_does_not() {
    let (mut n, alt) = silenced();
    n.record_stance(&alt, StanceKind::Object, "Not without a budget line.", &by_at("DESA", just_before(at(60))))
        .expect("objection");
    let view = n.view_at(at(90)).expect("view");
    let broken = view.sections[0].silence.as_ref().and_then(|s| s.broken_by.clone()).expect("broken");
    assert_eq!((broken.participant.as_str(), broken.at), ("DESA", just_before(at(60))));
    assert_eq!(broken.reason, "Not without a budget line.");
    assert!(!view.sections[0].silence.as_ref().expect("silence").running, "a broken silence runs no more");
    assert_eq!(status(&view, 1), SectionStatus::Blocked, "not adopted");
    assert!(n.settle(at(90)).expect("settled").is_empty());

    let (mut n, alt) = silenced();
    n.record_stance(&alt, StanceKind::Object, "Too late.", &by_at("DESA", at(60))).expect("objection");
    let view = n.view_at(at(60)).expect("view");
    assert_eq!(status(&view, 1), SectionStatus::Agreed, "silence had held when the objection came");
    assert_eq!(view.sections[0].outstanding.len(), 1, "the late objection still shows");
}

#[test]
fn an_objection_lifted_before_the_end_no_longer_breaks_silence() {
    let (mut n, alt) = silenced();
    n.record_stance(&alt, StanceKind::Object, "Wait.", &by("DESA", 10)).expect("objection");
    assert!(n.view_at(at(20)).expect("view").sections[0].silence.as_ref().expect("s").broken_by.is_some());
    n.record_stance(&alt, StanceKind::CanLiveWith, "", &by("DESA", 20)).expect("lifted");
    assert_eq!(status(&n.view_at(at(60)).expect("view"), 1), SectionStatus::Agreed);
}

#[test]
fn an_edit_during_silence_voids_it() {
    let (mut n, alt) = silenced();
    let (text, _) = n.proposal_text(&alt).expect("text");
    n.edit_proposal(&alt, &format!("{text} Amended."), &by("HLCM", 30)).expect("edited");
    let view = n.view_at(at(120)).expect("view");
    let silence = view.sections[0].silence.as_ref().expect("silence");
    assert!(silence.voided && !silence.held && !silence.running);
    assert_ne!(status(&view, 1), SectionStatus::Agreed);
    assert_eq!(view.next_due(), None);
    assert!(n.settle(at(120)).expect("settled").is_empty());
}

#[test]
fn silence_is_refused_where_it_cannot_run_and_refusals_change_nothing() {
    let mut n = fixture::load("hlcp-cybersecurity").expect("fixture");
    let before = n.view().expect("view");
    let (one, four, two) = (alt1(&n, 1), alt1(&n, 4), alt1(&n, 2));
    assert!(matches!(n.silence(1, &one, at(0), &by("HLCP", 0)), Err(Error::NotInFuture(_))));
    assert!(matches!(n.silence(1, &one, at(60), &by("DESA", 0)), Err(Error::NotChair { .. })));
    let objected = n.silence(4, &four, at(60), &by("HLCP", 0)).expect_err("§4's Alt 1 is objected to");
    assert!(matches!(&objected, Error::SilenceObjected { who, .. } if who.as_str() == "DESA"), "{objected}");
    assert!(matches!(n.silence(2, &two, at(60), &by("HLCP", 0)), Err(Error::AlreadyAgreed { .. })));
    assert!(matches!(n.silence(5, &one, at(60), &by("HLCP", 0)), Err(Error::WrongSection { .. })));
    assert_eq!(n.view().expect("view"), before, "refusals change nothing");
    n.silence(1, &one, at(60), &by("ITU", 0)).expect("a convenor may");
    assert!(matches!(n.silence(1, &one, at(90), &by("HLCP", 1)), Err(Error::AlreadyUnderSilence { .. })));
}

/// §5's Alt 1 with UNSEC accepting ad referendum until minute 100, then adopted at minute 10.
fn adopted_ad_ref() -> (Negotiation, ProposalId) {
    let mut n = fixture::load("hlcp-cybersecurity").expect("fixture");
    let alt = alt1(&n, 5);
    n.record_ad_ref(&alt, at(100), "Pending HLCM endorsement.", &by("UNSEC", 0)).expect("ad ref");
    n.record_stance(&alt, StanceKind::Support, "", &by("HLCP", 1)).expect("chair");
    assert!(n.view().expect("view").sections[4].proposals[0].adoptable, "an acceptance ad ref does not block");
    n.adopt(5, &alt, &by("HLCP", 10)).expect("adopted");
    (n, alt)
}

#[test]
fn an_adoption_ad_referendum_waits_for_confirmation_until_its_date() {
    let (n, _) = adopted_ad_ref();
    let view = n.view_at(just_before(at(100))).expect("view");
    assert_eq!(status(&view, 5), SectionStatus::AgreedAdRef);
    let pending: Vec<_> = view.sections[4].pending_confirmations().collect();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].participant.as_str(), pending[0].until), ("UNSEC", at(100)));
    assert_eq!(view.next_due(), Some(at(100)));

    let lapsed = n.view_at(at(100)).expect("view");
    assert_eq!(status(&lapsed, 5), SectionStatus::Agreed, "the date passing unopposed confirms");
    let confirmation = &lapsed.sections[4].confirmations[0];
    assert_eq!((confirmation.confirmed_at, confirmation.lapsed), (Some(at(100)), true));

    let mut n = n;
    n.settle(at(101)).expect("settled");
    assert_eq!(n.view().expect("view").sections[4], lapsed.sections[4], "recording changes nothing read");
}

#[test]
fn a_confirmation_before_the_date_makes_it_agreed_at_once() {
    let (mut n, alt) = adopted_ad_ref();
    n.record_stance(&alt, StanceKind::Support, "HLCM endorsed.", &by("UNSEC", 50)).expect("confirmed");
    let view = n.view_at(at(51)).expect("view");
    assert_eq!(status(&view, 5), SectionStatus::Agreed);
    let confirmation = &view.sections[4].confirmations[0];
    assert_eq!((confirmation.confirmed_at, confirmation.lapsed), (Some(at(50)), false));
}

#[test]
fn an_objection_before_the_date_voids_the_adoption_and_one_after_it_does_not() {
    let (mut n, alt) = adopted_ad_ref();
    n.record_stance(&alt, StanceKind::Object, "HLCM did not endorse.", &by_at("UNSEC", just_before(at(100))))
        .expect("objection");
    let view = n.view_at(at(200)).expect("view");
    let section = &view.sections[4];
    assert!(section.adoption.is_none(), "voided");
    assert_eq!(section.status, SectionStatus::Blocked);
    let reopening = section.reopenings.last().expect("read as reopened");
    assert_eq!((reopening.by.as_str(), reopening.at), ("HLCP", just_before(at(100))));
    assert_eq!(
        reopening.reason,
        "UNSEC objected before confirming its acceptance ad referendum: HLCM did not endorse."
    );
    n.settle(at(200)).expect("settled");
    assert_eq!(n.view().expect("view").sections[4], view.sections[4], "recorded as read");
    assert!(n.procedure_times().expect("times").is_empty(), "nothing left to end by itself");

    let (mut n, alt) = adopted_ad_ref();
    n.record_stance(&alt, StanceKind::Object, "Too late.", &by("UNSEC", 100)).expect("objection");
    assert_eq!(status(&n.view_at(at(100)).expect("view"), 5), SectionStatus::Agreed);
}

#[test]
fn an_acceptance_ad_referendum_needs_a_future_date_and_a_current_text() {
    let mut n = fixture::load("hlcp-cybersecurity").expect("fixture");
    let alt = alt1(&n, 5);
    let refused = n.record_ad_ref(&alt, at(0), "x", &by("UNSEC", 0)).expect_err("a date in the past");
    assert_eq!(refused.to_string(), "the date of an acceptance ad referendum must be later than now");
    n.record_ad_ref(&alt, at(100), "", &by("UNSEC", 0)).expect("ad ref");
    n.record_stance(&alt, StanceKind::Support, "", &by("HLCP", 1)).expect("chair");
    let (text, _) = n.proposal_text(&alt).expect("text");
    n.edit_proposal(&alt, &format!("{text} Amended."), &by("HLCM", 2)).expect("edited");
    n.record_stance(&alt, StanceKind::Support, "", &by("HLCP", 3)).expect("chair again");
    let blockers = &n.view().expect("view").sections[4].proposals[0].blockers;
    assert!(
        blockers.iter().any(|b| b.to_string().starts_with("UNSEC said reserve on an earlier text")),
        "{blockers:?}"
    );
}

#[test]
fn a_voiding_once_recorded_stays_when_another_proposal_is_adopted() {
    let (mut n, alt) = adopted_ad_ref();
    assert_eq!(n.procedure_times().expect("times"), [at(100)]);
    n.record_stance(&alt, StanceKind::Object, "HLCM did not endorse.", &by("UNSEC", 20)).expect("objection");
    assert_eq!(n.settle(at(21)).expect("settled").len(), 1, "the voiding is recorded at once");
    let text = "Organizations will coordinate their response to incidents.";
    let new = NewProposal {
        id: ProposalId(DocumentId::derive("procedures", "alt2")),
        section: 5,
        label: "Alt 2".into(),
        text: text.into(),
        rationale: String::new(),
        cosponsors: Vec::new(),
    };
    let alt2 = n.propose(new, &by("UNSEC", 22)).expect("proposed");
    let members: Vec<ParticipantCode> =
        n.view().expect("view").participants.iter().filter(|p| p.role.is_member()).map(|p| p.code.clone()).collect();
    for member in members.iter().filter(|m| m.as_str() != "UNSEC") {
        n.record_stance(&alt2, StanceKind::Support, "", &by(member.as_str(), 23)).expect("support");
    }
    n.adopt(5, &alt2, &by("HLCP", 40)).expect("Alt 2 adopted");
    let section = &n.view().expect("view").sections[4];
    assert_eq!(
        (section.status, section.adoption.as_ref().expect("adopted").label.as_str()),
        (SectionStatus::Agreed, "Alt 2")
    );
    let reopening = section.reopenings.last().expect("the voiding stays");
    assert!(reopening.reason.starts_with("UNSEC objected before confirming"), "{}", reopening.reason);
    assert!(section.confirmations.is_empty(), "Alt 2 was accepted outright");
}

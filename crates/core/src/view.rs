//! The read model: one negotiation composed from all its documents, with
//! everything derived that the CLI, server and exporters show (staleness,
//! tallies, blockers, status, outstanding disagreements, text gap).
//!
//! It is a pure function of the documents' contents and the time it is evaluated at (which
//! procedures' times have passed, see [`crate::procedure`]), so every replica holding the
//! same changes computes the same view at one time (invariants 5 and 13). Its JSON form is
//! the contract of `accord status --json` and of the server's API.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::comment::CommentView;
use crate::consensus::{self, Blocker};
use crate::convergence::{self, Outstanding, SectionStatus, Standing, Tally};
use crate::distances::Distances;
use crate::document::text_fingerprint;
use crate::negotiation_doc::{Adoption, Reopening, SectionRecord};
use crate::participant_doc::ParticipantRecord;
use crate::procedure::{self, Confirmation, SilenceView};
use crate::proposal_doc::{self, ProposalRecord};
use crate::{
    DocumentId, Error, Negotiation, Participant, ParticipantCode, ProposalId, StanceKind, StanceView, Stances,
    Timestamp,
};

/// A whole negotiation as participants see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NegotiationView {
    /// The negotiation's id.
    pub id: DocumentId,
    /// Its title.
    pub title: String,
    /// The end of the consultation window, if set.
    pub deadline: Option<Timestamp>,
    /// Who takes part.
    pub participants: Vec<Participant>,
    /// The sections, by number.
    pub sections: Vec<SectionView>,
    /// Documents that could not be read (written by a peer that does not
    /// follow the schema); the view is built without them.
    pub unreadable: Vec<UnreadableDocument>,
}

/// A document left out of the view, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnreadableDocument {
    /// Its id.
    pub document: DocumentId,
    /// What is wrong with it.
    pub error: String,
}

/// One section with its proposals and where it stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SectionView {
    /// Its number.
    pub number: u32,
    /// Its title.
    pub title: String,
    /// The lead participant.
    pub lead: ParticipantCode,
    /// Where it stands.
    pub status: SectionStatus,
    /// The text under negotiation.
    pub base_text: String,
    /// The agreed text, once adopted.
    pub agreed_text: Option<String>,
    /// The record of the adoption, once adopted.
    pub adoption: Option<Adoption>,
    /// Each time the section was opened again after an adoption, oldest first.
    pub reopenings: Vec<Reopening>,
    /// The sections agreed together with this one, itself included (empty: none).
    pub package: Vec<u32>,
    /// Adopted, but part of a package not every section of which is adopted:
    /// nothing is agreed until everything is.
    pub provisional: bool,
    /// The section's silence procedure, running or ended (until adopted otherwise or reopened).
    pub silence: Option<SilenceView>,
    /// The acceptances ad referendum its adoption waits for or had (empty: none).
    pub confirmations: Vec<Confirmation>,
    /// How far apart the live proposals are (0 identical, 1 nothing in
    /// common); `None` with fewer than two live proposals.
    pub text_gap: Option<f64>,
    /// Its proposals, oldest first, withdrawn ones included.
    pub proposals: Vec<ProposalView>,
    /// Objections and reservations on live proposals.
    pub outstanding: Vec<Outstanding>,
}

/// One proposal with its stances and whether it can be adopted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProposalView {
    /// Its id.
    pub id: ProposalId,
    /// The section it proposes wording for.
    pub section: u32,
    /// Its label.
    pub label: String,
    /// Who sponsors it: the proposer and the co-sponsors it named (a
    /// co-sponsor's support counts once it joins, see `StanceView::sponsor`).
    pub sponsors: Vec<ParticipantCode>,
    /// Why.
    pub rationale: String,
    /// The current wording.
    pub text: String,
    /// Whether its sponsors withdrew it.
    pub withdrawn: bool,
    /// The current heads of its document (hex): the version stances refer to.
    pub heads: Vec<String>,
    /// When it was put forward.
    pub created_at: Timestamp,
    /// When its document last changed: its text's last edit, for a live
    /// proposal (the date its wording carries in exports).
    pub changed_at: Timestamp,
    /// Stances by participant; sponsors who confirmed sponsorship hold an implicit support.
    pub stances: Stances,
    /// Stances counted over members.
    pub tally: Tally,
    /// Whether the consensus rule allows adopting it now.
    pub adoptable: bool,
    /// What keeps it from adoption.
    pub blockers: Vec<Blocker>,
    /// Comments on passages of its text, oldest first.
    pub comments: Vec<CommentView>,
}

impl NegotiationView {
    /// The earliest time after the view's own at which a procedure ends by itself (a
    /// silence, an acceptance ad referendum): the view changes then without any change.
    pub fn next_due(&self) -> Option<Timestamp> {
        procedure::next_due(
            self.sections.iter().filter_map(|s| s.silence.as_ref()),
            self.sections.iter().flat_map(|s| &s.confirmations),
        )
    }

    /// The section with this number.
    pub fn section(&self, number: u32) -> Option<&SectionView> {
        self.sections.iter().find(|s| s.number == number)
    }

    /// The proposal with this id, in whichever section.
    pub fn proposal(&self, id: &ProposalId) -> Option<&ProposalView> {
        self.sections.iter().flat_map(|s| &s.proposals).find(|p| &p.id == id)
    }
}

impl ProposalView {
    /// The sponsors that joined it (the proposer, and named co-sponsors once
    /// they joined): who is shown as its sponsors.
    pub fn joined_sponsors(&self) -> Vec<ParticipantCode> {
        self.sponsors.iter().filter(|code| self.stances.get(*code).is_some_and(|s| s.sponsor)).cloned().collect()
    }
}

impl SectionView {
    /// The members whose headquarters must still confirm its adoption.
    pub fn pending_confirmations(&self) -> impl Iterator<Item = &Confirmation> {
        self.confirmations.iter().filter(|c| c.pending())
    }

    /// The proposals not withdrawn.
    pub fn live_proposals(&self) -> impl Iterator<Item = &ProposalView> {
        self.proposals.iter().filter(|p| !p.withdrawn)
    }
}

/// Builds the view of a negotiation from its documents, evaluated at `now`.
pub(crate) fn build(negotiation: &Negotiation, now: Timestamp) -> Result<NegotiationView, Error> {
    let record = negotiation.record()?;
    let mut unreadable: Vec<UnreadableDocument> = record
        .problems
        .iter()
        .map(|problem| UnreadableDocument { document: negotiation.id(), error: problem.clone() })
        .collect();
    let participant_records = read_participants(negotiation, &record.participants, &mut unreadable);
    let proposals = proposal_views(negotiation, &record.participants, &participant_records, &mut unreadable, |_| true);
    let distances = negotiation.distances();
    let mut sections: Vec<SectionView> =
        record.sections.into_iter().map(|s| section_view(s, &proposals, distances, now)).collect();
    mark_provisional(&mut sections);
    let mut participants = record.participants;
    participants.sort_by(|a, b| (a.role, &a.code).cmp(&(b.role, &b.code)));
    Ok(NegotiationView {
        id: negotiation.id(),
        title: record.title,
        deadline: record.deadline,
        participants,
        sections,
        unreadable,
    })
}

/// Marks the adopted sections whose package is not all adopted as provisional.
fn mark_provisional(sections: &mut [SectionView]) {
    let adopted: Vec<u32> = sections.iter().filter(|s| s.adoption.is_some()).map(|s| s.number).collect();
    for section in sections.iter_mut() {
        section.provisional = section.adoption.is_some() && section.package.iter().any(|n| !adopted.contains(n));
    }
}

/// The view after the documents `changed` changed, from the view `before` them. When only
/// proposal documents changed, the negotiation's and the participants' records are as
/// before, and so is every section none of those proposals belongs to: only the sections
/// they belong to are built again, the others are kept. Otherwise (or when a procedure of
/// `before` ended by `now`) the whole view is built. Equal to [`build`] either way
/// (property-tested).
pub(crate) fn rebuild(
    negotiation: &Negotiation,
    now: Timestamp,
    before: &NegotiationView,
    changed: &[DocumentId],
) -> Result<NegotiationView, Error> {
    let ended = before.next_due().is_some_and(|due| due <= now);
    let touched = if ended { None } else { touched_sections(negotiation, before, changed) };
    let Some(touched) = touched else { return build(negotiation, now) };
    let record = negotiation.record()?;
    // What cannot be read is as before: only readable proposals changed (see touched_sections).
    let mut unreadable = Vec::new();
    let participant_records = read_participants(negotiation, &record.participants, &mut unreadable);
    let in_touched = |section: u32| touched.contains(&section);
    let proposals =
        proposal_views(negotiation, &record.participants, &participant_records, &mut unreadable, in_touched);
    let distances = negotiation.distances();
    let mut sections = Vec::with_capacity(record.sections.len());
    for section in record.sections {
        match touched.contains(&section.number) {
            true => sections.push(section_view(section, &proposals, distances, now)),
            false => match before.section(section.number) {
                Some(kept) => sections.push(kept.clone()),
                None => return build(negotiation, now),
            },
        }
    }
    mark_provisional(&mut sections);
    Ok(NegotiationView { sections, ..without_sections(before) })
}

/// The sections the `changed` documents touch, if they are all proposals that were and are
/// readable (`None`: build it all).
fn touched_sections(
    negotiation: &Negotiation,
    before: &NegotiationView,
    changed: &[DocumentId],
) -> Option<BTreeSet<u32>> {
    let doc = negotiation.document(&negotiation.id())?;
    let participants = &negotiation.reads().negotiation(negotiation.id(), doc).ok()?.participants;
    let mut touched = BTreeSet::new();
    for document in changed {
        let not_a_proposal = *document == negotiation.id() || participants.iter().any(|p| p.document == *document);
        let was_unreadable = before.unreadable.iter().any(|u| u.document == *document);
        if not_a_proposal || was_unreadable {
            return None;
        }
        let read = negotiation.reads().proposal(*document, negotiation.document(document)?).ok()?;
        touched.insert(read.record.section);
        if let Some(was) = before.proposal(&ProposalId(*document)) {
            touched.insert(was.section);
        }
    }
    Some(touched)
}

/// The negotiation's own fields of `view`, without its sections.
fn without_sections(view: &NegotiationView) -> NegotiationView {
    NegotiationView {
        id: view.id,
        title: view.title.clone(),
        deadline: view.deadline,
        participants: view.participants.clone(),
        sections: Vec::new(),
        unreadable: view.unreadable.clone(),
    }
}

/// The views of the proposals the participants sponsor whose section `wanted` takes, sorted
/// as sections list them; unreadable proposal documents are noted and left out.
fn proposal_views(
    negotiation: &Negotiation,
    participants: &[Participant],
    records: &BTreeMap<ParticipantCode, Arc<ParticipantRecord>>,
    unreadable: &mut Vec<UnreadableDocument>,
    wanted: impl Fn(u32) -> bool,
) -> Vec<ProposalView> {
    let mut proposals = Vec::new();
    for id in sponsored_ids(records) {
        let Some(doc) = negotiation.document(&id.0) else { continue };
        match negotiation.reads().proposal(id.0, doc) {
            Ok(read) if !wanted(read.record.section) => {}
            Ok(read) => {
                let fields = read.record.clone();
                let mut view = proposal_view(id, fields, read.heads.clone(), participants, records);
                view.changed_at = read.changed_at.unwrap_or(view.created_at).max(view.created_at);
                view.comments = comments_on(doc, &id, records);
                proposals.push(view);
            }
            Err(error) => unreadable.push(UnreadableDocument { document: id.0, error: error.to_string() }),
        }
    }
    proposals.sort_by(|a, b| (a.created_at, &a.label, a.id).cmp(&(b.created_at, &b.label, b.id)));
    proposals
}

fn read_participants(
    negotiation: &Negotiation,
    participants: &[Participant],
    unreadable: &mut Vec<UnreadableDocument>,
) -> BTreeMap<ParticipantCode, Arc<ParticipantRecord>> {
    let mut records = BTreeMap::new();
    for participant in participants {
        let Some(doc) = negotiation.document(&participant.document) else { continue };
        match negotiation.reads().participant(participant.document, doc) {
            Ok(record) => {
                records.insert(participant.code.clone(), record);
            }
            Err(error) => {
                unreadable.push(UnreadableDocument { document: participant.document, error: error.to_string() })
            }
        }
    }
    records
}

fn sponsored_ids(
    records: &BTreeMap<ParticipantCode, Arc<ParticipantRecord>>,
) -> std::collections::BTreeSet<ProposalId> {
    records.values().flat_map(|r| r.sponsored.iter().copied()).collect()
}

/// The comments on proposal `id`, their passages where they are now.
fn comments_on(
    doc: &automerge::Automerge,
    id: &ProposalId,
    records: &BTreeMap<ParticipantCode, Arc<ParticipantRecord>>,
) -> Vec<CommentView> {
    let Ok(text) = proposal_doc::text_obj(doc) else { return Vec::new() };
    let mut comments: Vec<CommentView> = records
        .iter()
        .flat_map(|(by, record)| record.comments.iter().filter(|c| c.proposal == *id).map(move |c| (by, c)))
        .filter_map(|(by, comment)| crate::comment::resolve(doc, &text, by, comment))
        .collect();
    comments.sort_by(|a, b| (a.at, &a.by, &a.id).cmp(&(b.at, &b.by, &b.id)));
    comments
}

fn proposal_view(
    id: ProposalId,
    fields: ProposalRecord,
    heads: Vec<String>,
    participants: &[Participant],
    records: &BTreeMap<ParticipantCode, Arc<ParticipantRecord>>,
) -> ProposalView {
    let fingerprint = text_fingerprint(&fields.text);
    let mut stances = BTreeMap::new();
    for participant in participants {
        let own = records.get(&participant.code);
        // Named by the proposer and confirmed in the participant's own document.
        let sponsor = fields.sponsors.contains(&participant.code) && own.is_some_and(|r| r.sponsored.contains(&id));
        let recorded = own.and_then(|r| r.stances.get(&id));
        let stance = match recorded {
            Some(s) => StanceView {
                stance: s.kind,
                reason: s.reason.clone(),
                stale: !sponsor && s.text_sha != fingerprint,
                at: Some(s.at),
                sponsor,
                ad_ref_until: s.ad_ref_until.filter(|_| s.kind == StanceKind::Reserve),
            },
            None if sponsor => StanceView {
                stance: StanceKind::Support,
                reason: String::new(),
                stale: false,
                at: None,
                sponsor,
                ad_ref_until: None,
            },
            None => continue,
        };
        stances.insert(participant.code.clone(), stance);
    }
    let mut view = ProposalView {
        id,
        section: fields.section,
        label: fields.label,
        sponsors: fields.sponsors,
        rationale: fields.rationale,
        text: fields.text,
        withdrawn: fields.withdrawn,
        heads,
        created_at: fields.created_at,
        changed_at: fields.created_at,
        stances,
        tally: Tally::default(),
        adoptable: false,
        blockers: Vec::new(),
        comments: Vec::new(),
    };
    view.tally = convergence::tally(participants, &view.stances);
    view.blockers = consensus::blockers(participants, view.withdrawn, &view.stances);
    view.adoptable = view.blockers.is_empty();
    view
}

fn section_view(
    section: SectionRecord,
    proposals: &[ProposalView],
    distances: &Distances,
    now: Timestamp,
) -> SectionView {
    let proposals: Vec<ProposalView> = proposals.iter().filter(|p| p.section == section.number).cloned().collect();
    let live: Vec<&ProposalView> = proposals.iter().filter(|p| !p.withdrawn).collect();
    let standings: Vec<Standing> = live.iter().map(|p| Standing { tally: p.tally, adoptable: p.adoptable }).collect();
    let texts: Vec<&str> = live.iter().map(|p| p.text.as_str()).collect();
    let outstanding = live.iter().flat_map(|p| convergence::outstanding(p.id, &p.label, &p.stances)).collect();
    let agreement = agreement(&section, &proposals, now);
    let status = match &agreement.adoption {
        Some(_) if agreement.confirmations.iter().any(Confirmation::pending) => SectionStatus::AgreedAdRef,
        Some(_) => SectionStatus::Agreed,
        None => convergence::status(false, &standings),
    };
    SectionView {
        number: section.number,
        title: section.title,
        lead: section.lead,
        status,
        base_text: section.base_text,
        agreed_text: agreement.adoption.as_ref().map(|a| a.text.clone()),
        adoption: agreement.adoption,
        reopenings: agreement.reopenings,
        package: section.package,
        provisional: false,
        silence: agreement.silence,
        confirmations: agreement.confirmations,
        text_gap: convergence::text_gap(&texts, distances),
        outstanding,
        proposals,
    }
}

/// What a section's adoption is at `now`, procedures evaluated.
struct Agreement {
    adoption: Option<Adoption>,
    reopenings: Vec<Reopening>,
    silence: Option<SilenceView>,
    confirmations: Vec<Confirmation>,
}

/// What the procedures read of a proposal (see [`procedure::Concerned`]).
fn concerned(proposal: &ProposalView) -> procedure::Concerned<'_> {
    procedure::Concerned {
        id: proposal.id,
        label: &proposal.label,
        text: &proposal.text,
        heads: &proposal.heads,
        withdrawn: proposal.withdrawn,
        stances: &proposal.stances,
    }
}

/// The recorded adoption, or the one a silence that held makes; voided (and read as
/// reopened) by an objection before a confirmation ad referendum was due.
fn agreement(section: &SectionRecord, proposals: &[ProposalView], now: Timestamp) -> Agreement {
    let find = |id| proposals.iter().find(|p| p.id == id);
    let concerned_by = |id| find(id).map(concerned);
    let mut adoption = section.agreed.clone();
    let mut reopenings = section.reopenings.clone();
    let silence = section
        .silence
        .as_ref()
        .map(|s| procedure::silence(s, adoption.as_ref(), concerned_by(s.proposal).as_ref(), now));
    if let (None, Some(held)) = (&adoption, silence.as_ref().filter(|s| s.held)) {
        adoption = concerned_by(held.procedure.proposal).map(|p| procedure::adoption_by_silence(&held.procedure, &p));
    }
    let none = Stances::new();
    let stances = |a: &Adoption| find(a.proposal).map_or(&none, |p| &p.stances);
    if let Some(breach) = adoption.as_ref().and_then(|a| procedure::voiding(a, stances(a))) {
        let voided = adoption.take().expect("an adoption voided");
        reopenings.push(procedure::reopening_by(&voided, &breach));
        reopenings.sort_by(|a, b| (a.at, &a.by).cmp(&(b.at, &b.by)));
    }
    let confirmations = adoption.as_ref().map(|a| procedure::confirmations(a, stances(a), now)).unwrap_or_default();
    if let Some(adoption) = adoption.as_mut() {
        procedure::settle_due(adoption, &confirmations, now);
    }
    Agreement { adoption, reopenings, silence, confirmations }
}

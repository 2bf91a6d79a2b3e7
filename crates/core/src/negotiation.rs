//! [`Negotiation`]: the set of automerge documents that make up one
//! negotiation, and every write a participant can make to it.
//!
//! Each write names who acts and when ([`Attribution`]), is checked against
//! the rules in [`crate::authorization`], and lands as one automerge change in
//! the one document that participant owns. Reading goes through
//! [`Negotiation::view`], which composes all documents into one read model.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ReadDoc};

use crate::authorization::{self, DocumentRole};
use crate::characters;
use crate::consensus;
use crate::distances::Distances;
use crate::document::{self, actor_for, note, text_fingerprint};
use crate::edit_target::EditTargets;
use crate::late_edit;
use crate::negotiation_doc::{self, Adoption, NegotiationRecord, Participant};
use crate::participant_doc::{self, StanceRecord};
use crate::proposal_doc::{self, NewProposalRecord, ProposalRecord};
use crate::view::{self, NegotiationView};
use crate::{Attribution, DocumentId, Error, ParticipantCode, ProposalId, Role, StanceKind, Timestamp};

/// One negotiation: its negotiation document, one document per participant
/// and one per proposal, held in memory. Storage is the caller's: load the
/// documents' bytes with [`Negotiation::from_documents`], save the ones
/// [`Negotiation::take_dirty`] names.
#[derive(Clone, Debug)]
pub struct Negotiation {
    id: DocumentId,
    replica: String,
    docs: BTreeMap<DocumentId, Automerge>,
    dirty: BTreeSet<DocumentId>,
    /// What the keystroke path keeps between edits.
    edit_targets: EditTargets,
    /// Distances between proposal texts already computed, for the text gap.
    distances: Distances,
}

/// A participant to add.
#[derive(Clone, Debug)]
pub struct NewParticipant {
    /// Its code, e.g. `DESA`.
    pub code: ParticipantCode,
    /// Its full name.
    pub name: String,
    /// Its role.
    pub role: Role,
}

/// A proposal to put forward.
#[derive(Clone, Debug)]
pub struct NewProposal {
    /// The id for the proposal's document (the caller picks it, randomly).
    pub id: ProposalId,
    /// The section it proposes wording for.
    pub section: u32,
    /// Its label, e.g. "Alt 4".
    pub label: String,
    /// The proposed wording.
    pub text: String,
    /// Why.
    pub rationale: String,
    /// Sponsors besides the proposer.
    pub cosponsors: Vec<ParticipantCode>,
}

/// One splice of a proposal's text, in characters (Unicode code points).
#[derive(Clone, Debug, PartialEq)]
pub struct Splice {
    /// Where it starts.
    pub pos: usize,
    /// How many characters it deletes.
    pub delete: usize,
    /// What it inserts.
    pub insert: String,
}

impl Negotiation {
    /// Starts a new negotiation chaired by `chair`; `replica` names this copy
    /// (one per machine or store) so each participant writes with its own actor here.
    pub fn create(
        id: DocumentId,
        title: &str,
        chair: NewParticipant,
        replica: &str,
        at: Timestamp,
    ) -> Result<Self, Error> {
        let by = Attribution::new(chair.code.clone(), at);
        characters::check("title", title)?;
        if !chair.role.chairs() {
            return Err(Error::NotChair { who: chair.code, action: "open a negotiation" });
        }
        let mut doc = Automerge::new();
        document::write(&mut doc, actor_for(&by.by, replica), &note(&by, "opened the negotiation", None), |tx| {
            negotiation_doc::init(tx, title)
        })?;
        let mut negotiation = Negotiation {
            id,
            replica: replica.to_string(),
            docs: BTreeMap::from([(id, doc)]),
            dirty: BTreeSet::from([id]),
            edit_targets: EditTargets::default(),
            distances: Distances::default(),
        };
        negotiation.insert_participant(chair, &by)?;
        Ok(negotiation)
    }

    /// A negotiation from its documents (as loaded from storage or sync).
    /// Documents not yet received may be missing; the negotiation document may not.
    pub fn from_documents(id: DocumentId, docs: BTreeMap<DocumentId, Automerge>, replica: &str) -> Result<Self, Error> {
        let negotiation = Negotiation {
            id,
            replica: replica.to_string(),
            docs,
            dirty: BTreeSet::new(),
            edit_targets: EditTargets::default(),
            distances: Distances::default(),
        };
        negotiation.record()?;
        Ok(negotiation)
    }

    /// A copy that shares no memo of text distances with this one (for
    /// measuring a first status call).
    pub fn clone_without_memo(&self) -> Negotiation {
        Negotiation { distances: Distances::default(), ..self.clone() }
    }

    /// The negotiation's id (that of its negotiation document).
    pub fn id(&self) -> DocumentId {
        self.id
    }

    /// This replica's name.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// All documents held, by id.
    pub fn documents(&self) -> &BTreeMap<DocumentId, Automerge> {
        &self.docs
    }

    /// The ids of documents changed since the last call; the caller saves
    /// them, all in one transaction (a save of only some of them could leave
    /// a participant document listing a proposal that was never saved).
    pub fn take_dirty(&mut self) -> Vec<DocumentId> {
        std::mem::take(&mut self.dirty).into_iter().collect()
    }

    /// Merges another replica's documents into this one (sync, offline edits).
    pub fn merge(&mut self, other: &Negotiation) -> Result<(), Error> {
        for (id, theirs) in &other.docs {
            self.merge_document(*id, theirs)?;
        }
        Ok(())
    }

    /// Merges one document received from elsewhere; returns whether anything changed.
    pub fn merge_document(&mut self, id: DocumentId, theirs: &Automerge) -> Result<bool, Error> {
        let changed = match self.docs.get_mut(&id) {
            Some(ours) => {
                let added = ours.get_changes_added(theirs);
                let changed = !added.is_empty();
                ours.apply_changes(added)?;
                changed
            }
            None => {
                self.docs.insert(id, theirs.clone());
                true
            }
        };
        if changed {
            self.dirty.insert(id);
        }
        Ok(changed)
    }

    /// Applies a chunk of saved changes read back from storage (written by
    /// another process); returns whether the document changed. Unlike
    /// [`Negotiation::merge_document`] it marks nothing to be saved again.
    pub fn apply_stored(&mut self, id: DocumentId, bytes: &[u8]) -> Result<bool, Error> {
        match self.docs.get_mut(&id) {
            Some(doc) => {
                let before = doc.get_heads();
                doc.load_incremental(bytes)?;
                Ok(doc.get_heads() != before)
            }
            None => {
                self.docs.insert(id, Automerge::load(bytes)?);
                Ok(true)
            }
        }
    }

    /// The composed read model: everything the CLI, server and exporters show.
    pub fn view(&self) -> Result<NegotiationView, Error> {
        view::build(self)
    }

    /// Adds a participant (chair or convenor only). Its own document is
    /// created by its first write.
    pub fn add_participant(&mut self, new: NewParticipant, by: &Attribution) -> Result<(), Error> {
        let participants = self.participants()?;
        authorization::check_chair(&participants, &by.by, "add participants")?;
        if participants.iter().any(|p| p.code == new.code) {
            return Err(Error::DuplicateParticipant(new.code));
        }
        self.insert_participant(new, by)
    }

    fn insert_participant(&mut self, new: NewParticipant, by: &Attribution) -> Result<(), Error> {
        characters::check("participant name", &new.name)?;
        let participant = Participant {
            document: participant_doc::document_id(self.id, &new.code),
            code: new.code,
            name: new.name,
            role: new.role,
        };
        let what = format!("added participant {} ({})", participant.code, participant.role);
        self.write_negotiation(by, &what, None, |tx| negotiation_doc::put_participant(tx, &participant))
    }

    /// Adds a section with its base text (chair or convenor only).
    pub fn add_section(
        &mut self,
        number: u32,
        title: &str,
        lead: &ParticipantCode,
        base_text: &str,
        by: &Attribution,
    ) -> Result<(), Error> {
        let record = self.record()?;
        authorization::check_chair(&record.participants, &by.by, "add sections")?;
        authorization::participant(&record.participants, lead)?;
        characters::check("section title", title)?;
        characters::check("base text", base_text)?;
        if number == 0 {
            return Err(Error::InvalidSection);
        }
        if record.sections.iter().any(|s| s.number == number) {
            return Err(Error::DuplicateSection(number));
        }
        let what = format!("added section {number}: {title}");
        self.write_negotiation(by, &what, Some(number), |tx| {
            negotiation_doc::put_section(tx, number, title, lead, base_text)
        })
    }

    /// Replaces a section's base text (chair or convenor only).
    pub fn set_base_text(&mut self, number: u32, text: &str, by: &Attribution) -> Result<(), Error> {
        let record = self.record()?;
        authorization::check_chair(&record.participants, &by.by, "change base texts")?;
        characters::check("base text", text)?;
        section(&record, number)?;
        let what = format!("changed the base text of section {number}");
        self.write_negotiation(by, &what, Some(number), |tx| negotiation_doc::update_base_text(tx, number, text))
    }

    /// Sets the deadline of the consultation window (chair or convenor only).
    pub fn set_deadline(&mut self, deadline: Timestamp, by: &Attribution) -> Result<(), Error> {
        authorization::check_chair(&self.participants()?, &by.by, "set the deadline")?;
        self.write_negotiation(by, "set the deadline", None, |tx| negotiation_doc::put_deadline(tx, deadline))
    }

    /// Puts forward a proposal for a section; the proposer and cosponsors sponsor it.
    pub fn propose(&mut self, new: NewProposal, by: &Attribution) -> Result<ProposalId, Error> {
        let record = self.record()?;
        authorization::check_member(&record.participants, &by.by)?;
        section(&record, new.section)?;
        let sponsors = self.check_new_proposal(&record, &new, by)?;
        let mut doc = Automerge::new();
        let fields = NewProposalRecord {
            section: new.section,
            label: new.label.trim(),
            rationale: &new.rationale,
            sponsors: &sponsors,
            text: &new.text,
            created_at: by.at,
        };
        let what = format!("proposed {}", fields.label);
        document::write(&mut doc, self.actor(by), &note(by, &what, Some(new.section)), |tx| {
            proposal_doc::init(tx, &fields)
        })?;
        self.write_own(by, &what, Some(new.section), |tx| participant_doc::put_sponsored(tx, &new.id, new.section))?;
        self.docs.insert(new.id.0, doc);
        self.dirty.insert(new.id.0);
        Ok(new.id)
    }

    /// Joins a proposal as sponsor: `by` must have been named a sponsor by
    /// its proposer. Only then does `by` hold the implicit support of a sponsor.
    pub fn cosponsor(&mut self, id: &ProposalId, by: &Attribution) -> Result<(), Error> {
        let proposal = self.check_proposal_write(id, by)?;
        let what = format!("joined {} as sponsor", proposal.label);
        self.write_own(by, &what, Some(proposal.section), |tx| participant_doc::put_sponsored(tx, id, proposal.section))
    }

    fn check_new_proposal(
        &self,
        record: &NegotiationRecord,
        new: &NewProposal,
        by: &Attribution,
    ) -> Result<Vec<ParticipantCode>, Error> {
        if self.docs.contains_key(&new.id.0) {
            return Err(Error::DuplicateProposal(new.id));
        }
        let label = new.label.trim();
        if label.is_empty() {
            return Err(Error::EmptyLabel);
        }
        characters::check("label", label)?;
        characters::check("proposal text", &new.text)?;
        characters::check("rationale", &new.rationale)?;
        let view = self.view()?;
        let taken = view.section(new.section).is_some_and(|s| s.live_proposals().any(|p| p.label == label));
        if taken {
            return Err(Error::DuplicateLabel { section: new.section, label: label.to_string() });
        }
        let mut sponsors = vec![by.by.clone()];
        for cosponsor in &new.cosponsors {
            authorization::check_member(&record.participants, cosponsor)?;
            if !sponsors.contains(cosponsor) {
                sponsors.push(cosponsor.clone());
            }
        }
        Ok(sponsors)
    }

    /// Replaces a proposal's text (sponsors only), as minimal splices so
    /// concurrent edits of other sponsors merge.
    pub fn edit_proposal(&mut self, id: &ProposalId, text: &str, by: &Attribution) -> Result<(), Error> {
        let proposal = self.check_proposal_write(id, by)?;
        characters::check("proposal text", text)?;
        let what = format!("edited {}", proposal.label);
        self.write_to(id.0, by, &what, Some(proposal.section), |tx| {
            let obj = proposal_doc::text_obj(tx)?;
            tx.update_text(&obj, text)?;
            Ok(())
        })
    }

    /// Replaces a proposal's text as edited on a copy made at `base_heads`
    /// (sponsors only): the difference between the text at those heads and
    /// `text` is applied to the current text (see [`crate::late_edit`]), so
    /// other sponsors' newer edits are kept. Returns the merged text and new heads.
    pub fn edit_proposal_at(
        &mut self,
        id: &ProposalId,
        base_heads: &[ChangeHash],
        text: &str,
        by: &Attribution,
    ) -> Result<(String, Vec<ChangeHash>), Error> {
        let proposal = self.check_proposal_write(id, by)?;
        characters::check("proposal text", text)?;
        let doc = self.docs.get(&id.0).ok_or(Error::UnknownProposal(*id))?;
        check_base_heads(doc, base_heads)?;
        let obj = proposal_doc::text_obj(doc)?;
        let late = if base_heads == doc.get_heads().as_slice() {
            None
        } else {
            Some(late_edit::splices_onto_current(doc, &obj, base_heads, text)?)
        };
        let note = note(by, format!("edited {}", proposal.label), Some(proposal.section));
        let actor = self.actor(by);
        let doc = self.docs.get_mut(&id.0).ok_or(Error::UnknownProposal(*id))?;
        document::write(doc, actor, &note, |tx| {
            match &late {
                None => tx.update_text(&obj, text)?,
                Some(splices) => {
                    for splice in splices {
                        let delete = isize::try_from(splice.delete).expect("bounded by the text length");
                        tx.splice_text(&obj, splice.pos, delete, &splice.insert)?;
                    }
                }
            }
            Ok(())
        })?;
        self.dirty.insert(id.0);
        Ok((doc.text(&obj)?, doc.get_heads()))
    }

    /// Applies splices to a proposal's text in one change (sponsors only):
    /// the path for keystroke-level editors.
    pub fn splice_proposal(&mut self, id: &ProposalId, splices: &[Splice], by: &Attribution) -> Result<(), Error> {
        let negotiation_doc = self.docs.get(&self.id).ok_or_else(|| Error::DocumentNotHeld(self.id))?;
        if !self.edit_targets.role(self.id, negotiation_doc, &by.by)?.is_member() {
            return Err(Error::ObserverCannotWrite(by.by.clone()));
        }
        let doc = self.docs.get_mut(&id.0).ok_or(Error::UnknownProposal(*id))?;
        let target = self.edit_targets.proposal(id.0, doc)?;
        if target.withdrawn {
            return Err(Error::Withdrawn(target.label.clone()));
        }
        if !target.sponsors.contains(&by.by) {
            let sponsors = target.sponsors.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            return Err(Error::NotSponsor { who: by.by.clone(), label: target.label.clone(), sponsors });
        }
        for splice in splices {
            characters::check("proposal text", &splice.insert)?;
        }
        let len = target.length_after(splices)?;
        let note = note(by, String::new(), None);
        let actor = actor_for(&by.by, &self.replica);
        document::write(doc, actor, &note, |tx| {
            for splice in splices {
                let delete = isize::try_from(splice.delete).expect("bounded by the text length");
                tx.splice_text(&target.text, splice.pos, delete, &splice.insert)?;
            }
            Ok(())
        })?;
        target.advance(doc.get_heads(), len);
        self.dirty.insert(id.0);
        Ok(())
    }

    /// Withdraws a proposal (sponsors only).
    pub fn withdraw(&mut self, id: &ProposalId, by: &Attribution) -> Result<(), Error> {
        let proposal = self.check_proposal_write(id, by)?;
        let what = format!("withdrew {}", proposal.label);
        self.write_to(id.0, by, &what, Some(proposal.section), proposal_doc::put_withdrawn)
    }

    fn check_proposal_write(&self, id: &ProposalId, by: &Attribution) -> Result<ProposalRecord, Error> {
        let proposal = self.proposal(id)?;
        authorization::check_sponsor(&self.participants()?, &by.by, &proposal.label, &proposal.sponsors)?;
        if proposal.withdrawn {
            return Err(Error::Withdrawn(proposal.label));
        }
        Ok(proposal)
    }

    /// Records `by`'s stance on the proposal's current version, replacing any earlier one.
    pub fn record_stance(
        &mut self,
        id: &ProposalId,
        kind: StanceKind,
        reason: &str,
        by: &Attribution,
    ) -> Result<(), Error> {
        authorization::check_member(&self.participants()?, &by.by)?;
        let reason = reason.trim();
        characters::check("reason", reason)?;
        if kind == StanceKind::Object && reason.is_empty() {
            return Err(Error::ObjectionNeedsReason);
        }
        let proposal = self.proposal(id)?;
        if proposal.withdrawn {
            return Err(Error::Withdrawn(proposal.label));
        }
        let stance = StanceRecord {
            kind,
            reason: reason.to_string(),
            at: by.at,
            heads: self.proposal_heads(id)?.iter().map(ToString::to_string).collect(),
            text_sha: text_fingerprint(&proposal.text),
        };
        let what = format!("recorded {kind} on {}", proposal.label);
        self.write_own(by, &what, Some(proposal.section), |tx| participant_doc::put_stance(tx, id, &stance))
    }

    /// Comments on characters `start..end` of a proposal's current text
    /// (any member; observers write nothing). `id` is the caller's choice.
    pub fn comment(
        &mut self,
        proposal: &ProposalId,
        id: &str,
        start: usize,
        end: usize,
        text: &str,
        by: &Attribution,
    ) -> Result<(), Error> {
        authorization::check_member(&self.participants()?, &by.by)?;
        characters::check("comment", text)?;
        let fields = self.proposal(proposal)?;
        let doc = self.docs.get(&proposal.0).ok_or(Error::UnknownProposal(*proposal))?;
        let (first, last) = crate::comment::anchor(doc, &proposal_doc::text_obj(doc)?, id, start, end, text)?;
        let record = crate::comment::CommentRecord {
            id: id.to_string(),
            proposal: *proposal,
            first,
            last,
            text: text.trim().to_string(),
            at: by.at,
        };
        let what = format!("commented on {}", fields.label);
        self.write_own(by, &what, Some(fields.section), |tx| participant_doc::put_comment(tx, &record))
    }

    /// Adopts a proposal as the section's agreed text (chair or convenor),
    /// if the consensus rule allows; otherwise says who blocks and why.
    pub fn adopt(&mut self, number: u32, id: &ProposalId, by: &Attribution) -> Result<(), Error> {
        let record = self.record()?;
        authorization::check_chair(&record.participants, &by.by, "adopt a proposal")?;
        if let Some(agreed) = &section(&record, number)?.agreed {
            return Err(Error::AlreadyAgreed { section: number, label: agreed.label.clone() });
        }
        let view = self.view()?;
        let proposal = view.proposal(id).ok_or(Error::UnknownProposal(*id))?;
        if proposal.section != number {
            return Err(Error::WrongSection {
                label: proposal.label.clone(),
                requested: number,
                actual: proposal.section,
            });
        }
        let blockers = consensus::blockers(&view.participants, proposal);
        if !blockers.is_empty() {
            return Err(Error::ConsensusNotReached { label: proposal.label.clone(), blockers });
        }
        let adoption = Adoption {
            text: proposal.text.clone(),
            proposal: *id,
            label: proposal.label.clone(),
            by: by.by.clone(),
            at: by.at,
            proposal_heads: proposal.heads.clone(),
        };
        let what = format!("adopted {} as the agreed text of section {number}", proposal.label);
        self.write_negotiation(by, &what, Some(number), |tx| negotiation_doc::put_adoption(tx, number, &adoption))
    }

    /// The current heads of a proposal's document.
    pub fn proposal_heads(&self, id: &ProposalId) -> Result<Vec<ChangeHash>, Error> {
        Ok(self.docs.get(&id.0).ok_or(Error::UnknownProposal(*id))?.get_heads())
    }

    /// A proposal's current text and heads, read directly (no hydrate).
    pub fn proposal_text(&self, id: &ProposalId) -> Result<(String, Vec<ChangeHash>), Error> {
        let doc = self.docs.get(&id.0).ok_or(Error::UnknownProposal(*id))?;
        Ok((doc.text(proposal_doc::text_obj(doc)?)?, doc.get_heads()))
    }

    /// A proposal's text as it was at `heads` (any earlier version).
    pub fn proposal_text_at(&self, id: &ProposalId, heads: &[ChangeHash]) -> Result<String, Error> {
        let doc = self.docs.get(&id.0).ok_or(Error::UnknownProposal(*id))?;
        proposal_doc::text_at(doc, heads)
    }

    /// What kind of document `id` is and so who may write it; `None` for a
    /// document this negotiation does not reference.
    pub fn document_role(&self, id: &DocumentId) -> Result<Option<DocumentRole>, Error> {
        if *id == self.id {
            return Ok(Some(DocumentRole::Negotiation));
        }
        if let Some(owner) = authorization::owner_of(&self.participants()?, id) {
            return Ok(Some(DocumentRole::Participant(owner)));
        }
        match self.docs.get(id).map(proposal_doc::read) {
            Some(Ok(proposal)) => Ok(Some(DocumentRole::Proposal { sponsors: proposal.sponsors })),
            Some(Err(_)) => Ok(None),
            // Not received yet (made offline, arriving by sync): whoever lists it as sponsored made it.
            None => {
                let sponsors: Vec<ParticipantCode> = self
                    .participant_records()
                    .into_iter()
                    .filter(|(_, record)| record.sponsored.contains(&ProposalId(*id)))
                    .map(|(code, _)| code)
                    .collect();
                Ok((!sponsors.is_empty()).then_some(DocumentRole::Proposal { sponsors }))
            }
        }
    }

    /// Whether `who` may write document `id` (the rule the sync endpoint applies).
    pub fn may_write(&self, who: &ParticipantCode, id: &DocumentId) -> Result<bool, Error> {
        let Some(role) = self.document_role(id)? else { return Ok(false) };
        Ok(authorization::may_write_document(&self.participants()?, who, &role))
    }

    /// Every document the negotiation references: its own, each participant's
    /// (held or not yet), and each proposal a held participant document lists.
    /// What a replica fetches to hold the whole negotiation.
    pub fn referenced_documents(&self) -> Result<BTreeSet<DocumentId>, Error> {
        let mut ids = BTreeSet::from([self.id]);
        ids.extend(self.participants()?.iter().map(|p| p.document));
        for (_, record) in self.participant_records() {
            ids.extend(record.sponsored.iter().map(|proposal| proposal.0));
        }
        Ok(ids)
    }

    /// The readable participant documents held, by owner.
    fn participant_records(&self) -> Vec<(ParticipantCode, participant_doc::ParticipantRecord)> {
        let Ok(participants) = self.participants() else { return Vec::new() };
        participants
            .into_iter()
            .filter_map(|p| Some((p.code, participant_doc::read(self.docs.get(&p.document)?).ok()?)))
            .collect()
    }

    pub(crate) fn distances(&self) -> &Distances {
        &self.distances
    }

    pub(crate) fn document(&self, id: &DocumentId) -> Option<&Automerge> {
        self.docs.get(id)
    }

    /// The participants alone (cheaper than the whole record).
    pub(crate) fn participants(&self) -> Result<Vec<Participant>, Error> {
        let doc = self.docs.get(&self.id).ok_or(Error::DocumentNotHeld(self.id))?;
        negotiation_doc::read_participants(self.id, doc)
    }

    pub(crate) fn record(&self) -> Result<NegotiationRecord, Error> {
        let doc = self.docs.get(&self.id).ok_or(Error::DocumentNotHeld(self.id))?;
        negotiation_doc::read(self.id, doc)
    }

    pub(crate) fn proposal(&self, id: &ProposalId) -> Result<ProposalRecord, Error> {
        let doc = self.docs.get(&id.0).ok_or(Error::UnknownProposal(*id))?;
        proposal_doc::read(doc)
    }

    fn actor(&self, by: &Attribution) -> automerge::ActorId {
        actor_for(&by.by, &self.replica)
    }

    fn write_negotiation(
        &mut self,
        by: &Attribution,
        what: &str,
        section: Option<u32>,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.write_to(self.id, by, what, section, edit)
    }

    /// Writes `by`'s own participant document, creating it on first use.
    fn write_own(
        &mut self,
        by: &Attribution,
        what: &str,
        section: Option<u32>,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let id = participant_doc::document_id(self.id, &by.by);
        self.docs.entry(id).or_default();
        let result = self.write_to(id, by, what, section, edit);
        if self.docs.get(&id).is_some_and(|doc| doc.get_heads().is_empty()) {
            self.docs.remove(&id);
        }
        result
    }

    fn write_to(
        &mut self,
        id: DocumentId,
        by: &Attribution,
        what: &str,
        section: Option<u32>,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let actor = self.actor(by);
        let doc = self.docs.get_mut(&id).ok_or_else(|| Error::DocumentNotHeld(id))?;
        document::write(doc, actor, &note(by, what, section), edit)?;
        self.dirty.insert(id);
        Ok(())
    }
}

/// The most heads an edit may name: a text has as many heads as concurrent
/// writers, and a long list only costs look-ups.
const MAX_BASE_HEADS: usize = 64;

/// Heads an edit was based on must be some, not too many, and all known.
fn check_base_heads(doc: &Automerge, base_heads: &[ChangeHash]) -> Result<(), Error> {
    if base_heads.is_empty() || base_heads.len() > MAX_BASE_HEADS {
        return Err(Error::InvalidHeads(format!("{} heads", base_heads.len())));
    }
    match doc.get_missing_deps(base_heads).first() {
        Some(unknown) if base_heads.contains(unknown) => Err(Error::UnknownHeads(unknown.to_string())),
        _ => Ok(()),
    }
}

fn section(record: &NegotiationRecord, number: u32) -> Result<&negotiation_doc::SectionRecord, Error> {
    record.sections.iter().find(|s| s.number == number).ok_or(Error::UnknownSection(number))
}

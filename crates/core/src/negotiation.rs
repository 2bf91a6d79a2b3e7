//! [`Negotiation`]: the set of automerge documents that make up one
//! negotiation, and every write a participant can make to it.
//!
//! Each write names who acts and when ([`Attribution`]), is checked against
//! the rules in [`crate::authorization`], and lands as one automerge change in
//! the one document that participant owns. Reading goes through
//! [`Negotiation::view`], which composes all documents into one read model.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};

use crate::authorization::{self, DocumentRole};
use crate::characters;
use crate::distances::Distances;
use crate::document::{self, actor_for, note};
use crate::edit_target::EditTargets;
use crate::negotiation_doc::{self, NegotiationRecord, Participant};
use crate::participant_doc;
use crate::proposal_doc::{self, ProposalRecord};
use crate::reads::Reads;
use crate::view::{self, NegotiationView};
use crate::{Attribution, DocumentId, Error, ParticipantCode, ProposalId, Role, Timestamp};

/// One negotiation: its negotiation document, one document per participant
/// and one per proposal, held in memory. Storage is the caller's: load the
/// documents' bytes with [`Negotiation::from_documents`], save the ones
/// [`Negotiation::take_dirty`] names.
#[derive(Clone, Debug)]
pub struct Negotiation {
    id: DocumentId,
    replica: String,
    pub(crate) docs: BTreeMap<DocumentId, Automerge>,
    pub(crate) dirty: BTreeSet<DocumentId>,
    /// What the keystroke path keeps between edits.
    pub(crate) edit_targets: EditTargets,
    /// Distances between proposal texts already computed, for the text gap.
    distances: Distances,
    /// Records last read from each document, so a view rereads only what changed.
    reads: Reads,
    /// Who made the changes that carry no note (made by another automerge-repo
    /// client): the participant whose connection sent them, as the gate saw.
    pub(crate) authors: BTreeMap<ActorId, ParticipantCode>,
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
            reads: Reads::default(),
            authors: BTreeMap::new(),
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
            reads: Reads::default(),
            authors: BTreeMap::new(),
        };
        negotiation.record()?;
        Ok(negotiation)
    }

    /// A copy that shares no memo of text distances with this one (for
    /// measuring a first status call).
    pub fn clone_without_memo(&self) -> Negotiation {
        Negotiation { distances: Distances::default(), reads: Reads::default(), ..self.clone() }
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

    /// Who made the changes without a note (see [`Negotiation::admit`]), by actor.
    pub fn authors(&self) -> &BTreeMap<ActorId, ParticipantCode> {
        &self.authors
    }

    /// Adds authors of note-less changes, as the store keeps them.
    pub fn add_authors(&mut self, authors: impl IntoIterator<Item = (ActorId, ParticipantCode)>) {
        self.authors.extend(authors);
    }

    /// Who made `change`: its note, else the participant whose connection sent it.
    pub(crate) fn author_of(&self, change: &automerge::Change) -> Option<ParticipantCode> {
        match change.message().and_then(crate::ChangeNote::from_message) {
            Some(note) => Some(note.by),
            None => self.authors.get(change.actor_id()).cloned(),
        }
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

    /// The composed read model as the documents record it: no procedure's time is counted
    /// as passed until its outcome is recorded ([`Negotiation::settle`]). What exports show,
    /// so a file depends only on the version it names.
    pub fn view(&self) -> Result<NegotiationView, Error> {
        view::build(self, Timestamp(i64::MIN))
    }

    /// The composed read model evaluated at `now`: what the CLI and server show. A silence
    /// or an acceptance ad referendum whose time passed by `now` reads as ended, recorded
    /// or not (invariant 13).
    pub fn view_at(&self, now: Timestamp) -> Result<NegotiationView, Error> {
        view::build(self, now)
    }

    /// The view at `now` after the documents `changed` changed, from `before`, the view
    /// just before them: the same as [`Negotiation::view_at`], built again only where those
    /// documents reach (the sections of the proposals that changed, when nothing else did).
    pub fn view_after(
        &self,
        now: Timestamp,
        before: &NegotiationView,
        changed: &[DocumentId],
    ) -> Result<NegotiationView, Error> {
        view::rebuild(self, now, before, changed)
    }

    /// Whether `who` chairs this negotiation (chair or convenor), for actions
    /// outside the documents, such as issuing sign-in links: `NotChair` if not.
    pub fn check_chairs(&self, who: &ParticipantCode, action: &'static str) -> Result<(), Error> {
        authorization::check_chair(&self.participants()?, who, action)
    }

    /// The heads of proposal `id` when `who` gave its stance on it (`None`: no stance), so a
    /// participant can see what changed since ("changes since your support").
    pub fn stance_heads(&self, who: &ParticipantCode, id: &ProposalId) -> Result<Option<Vec<ChangeHash>>, Error> {
        self.proposal(id)?;
        let own = participant_doc::document_id(self.id, who);
        let Some(stance) = self.participant_record(own).and_then(|record| record.stances.get(id).cloned()) else {
            return Ok(None);
        };
        let heads = stance.heads.iter().map(|head| head.parse::<ChangeHash>());
        let heads = heads.collect::<Result<Vec<_>, _>>();
        heads.map(Some).map_err(|_| Error::MalformedDocument("participant".into(), "a stance's heads".into()))
    }

    /// The current heads of a proposal's document.
    pub fn proposal_heads(&self, id: &ProposalId) -> Result<Vec<ChangeHash>, Error> {
        Ok(self.docs.get(&id.0).ok_or(Error::UnknownProposal(*id))?.get_heads())
    }

    /// A proposal's current text and heads, read directly (no hydrate).
    pub fn proposal_text(&self, id: &ProposalId) -> Result<(String, Vec<ChangeHash>), Error> {
        let doc = self.docs.get(&id.0).ok_or(Error::UnknownProposal(*id))?;
        let heads = doc.get_heads();
        // The splice path keeps the text it made (reading it out of automerge costs more).
        if let Some(text) = self.edit_targets.text_at(id.0, &heads) {
            return Ok((text.to_owned(), heads));
        }
        Ok((doc.text(proposal_doc::text_obj(doc)?)?, heads))
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
        participants.into_iter().filter_map(|p| Some((p.code, self.participant_record(p.document)?))).collect()
    }

    /// Whether `who`'s own document lists `proposal` as sponsored: it joined it.
    pub(crate) fn joined(&self, who: &ParticipantCode, proposal: &ProposalId) -> bool {
        let id = participant_doc::document_id(self.id, who);
        self.participant_record(id).is_some_and(|record| record.sponsored.contains(proposal))
    }

    /// A participant document's record, if it is held and readable.
    pub(crate) fn participant_record(&self, id: DocumentId) -> Option<participant_doc::ParticipantRecord> {
        let doc = self.docs.get(&id)?;
        self.reads.participant(id, doc).ok().map(|record| (*record).clone())
    }

    pub(crate) fn reads(&self) -> &Reads {
        &self.reads
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
        Ok((*self.shared_record()?).clone())
    }

    /// The negotiation document's record as read once for its heads, without a copy.
    pub(crate) fn shared_record(&self) -> Result<std::sync::Arc<NegotiationRecord>, Error> {
        let doc = self.docs.get(&self.id).ok_or(Error::DocumentNotHeld(self.id))?;
        self.reads.negotiation(self.id, doc)
    }

    /// The record of proposal `id`: `UnknownProposal` unless a participant
    /// lists it as sponsored and its document is held, so a write naming
    /// another kind of document is refused as naming no proposal.
    pub(crate) fn proposal(&self, id: &ProposalId) -> Result<ProposalRecord, Error> {
        let doc = self.docs.get(&id.0).filter(|_| self.lists_proposal(id)).ok_or(Error::UnknownProposal(*id))?;
        Ok(self.reads.proposal(id.0, doc)?.record.clone())
    }

    /// Whether a participant's document lists `id` among the proposals it sponsors.
    fn lists_proposal(&self, id: &ProposalId) -> bool {
        let Some(doc) = self.docs.get(&self.id) else { return false };
        let Ok(record) = self.reads.negotiation(self.id, doc) else { return false };
        record.participants.iter().any(|participant| {
            let record = self
                .docs
                .get(&participant.document)
                .and_then(|doc| self.reads.participant(participant.document, doc).ok());
            record.is_some_and(|record| record.sponsored.contains(id))
        })
    }

    pub(crate) fn actor(&self, by: &Attribution) -> automerge::ActorId {
        actor_for(&by.by, &self.replica)
    }

    pub(crate) fn write_negotiation(
        &mut self,
        by: &Attribution,
        what: &str,
        section: Option<u32>,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.write_to(self.id, by, what, section, edit)
    }

    /// Writes `by`'s own participant document, creating it on first use.
    pub(crate) fn write_own(
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

    pub(crate) fn write_to(
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

/// The section numbered `number`, or an error.
pub(crate) fn section(record: &NegotiationRecord, number: u32) -> Result<&negotiation_doc::SectionRecord, Error> {
    record.sections.iter().find(|s| s.number == number).ok_or(Error::UnknownSection(number))
}

//! What the keystroke path needs to know about the proposals it edits and
//! the roles of their editors, kept between edits.
//!
//! Reading a proposal's fields means hydrating its document, which grows
//! with its history; a keystroke must not pay for that. Entries are valid
//! while the document's heads are the ones they were read at, and the
//! splice path moves them forward after its own change, so a change from
//! anywhere else (a merge, another write) makes them re-read.
//!
//! An entry keeps the proposal's text too, with the splices applied as
//! automerge applies them (positions in Unicode code points): every edit is
//! announced with the text it made, and reading a text out of automerge
//! costs more than the change itself.

use std::collections::HashMap;

use automerge::{Automerge, ChangeHash, ObjId, ReadDoc};

use crate::negotiation_doc;
use crate::participant_doc;
use crate::proposal_doc::{self, ProposalRecord};
use crate::{DocumentId, Error, ParticipantCode, ProposalId, Role, Splice};

/// Cached facts for the splice path.
#[derive(Clone, Debug, Default)]
pub(crate) struct EditTargets {
    proposals: HashMap<DocumentId, ProposalTarget>,
    roles: Option<RoleTable>,
    /// What each participant document lists as sponsored, at its heads.
    joined: HashMap<DocumentId, (Vec<ChangeHash>, Vec<ProposalId>)>,
}

/// A proposal's fields as the splice path needs them, valid at `heads`.
#[derive(Clone, Debug)]
pub(crate) struct ProposalTarget {
    heads: Vec<ChangeHash>,
    pub text_obj: ObjId,
    text: String,
    /// The text's length in code points, as splice positions count.
    len: usize,
    pub sponsors: Vec<ParticipantCode>,
    pub label: String,
    pub withdrawn: bool,
}

#[derive(Clone, Debug)]
struct RoleTable {
    heads: Vec<ChangeHash>,
    roles: HashMap<ParticipantCode, Role>,
}

impl EditTargets {
    /// The role of `code`, from the negotiation document.
    pub fn role(&mut self, id: DocumentId, negotiation: &Automerge, code: &ParticipantCode) -> Result<Role, Error> {
        let heads = negotiation.get_heads();
        if self.roles.as_ref().is_none_or(|table| table.heads != heads) {
            let participants = negotiation_doc::read_participants(id, negotiation)?;
            let roles = participants.into_iter().map(|p| (p.code, p.role)).collect();
            self.roles = Some(RoleTable { heads, roles });
        }
        let roles = &self.roles.as_ref().expect("filled above").roles;
        roles.get(code).copied().ok_or_else(|| Error::UnknownParticipant(code.clone()))
    }

    /// Whether the participant whose own document is `own` (absent: not
    /// written yet) lists `proposal` as sponsored, i.e. joined it.
    pub fn joined(&mut self, id: DocumentId, own: Option<&Automerge>, proposal: &ProposalId) -> bool {
        let Some(doc) = own else { return false };
        let heads = doc.get_heads();
        let stale = self.joined.get(&id).is_none_or(|(at, _)| *at != heads);
        if stale {
            let sponsored = participant_doc::read(doc).map(|record| record.sponsored).unwrap_or_default();
            self.joined.insert(id, (heads, sponsored));
        }
        self.joined.get(&id).is_some_and(|(_, sponsored)| sponsored.contains(proposal))
    }

    /// The proposal whose document is `doc`.
    pub fn proposal(&mut self, id: DocumentId, doc: &Automerge) -> Result<&mut ProposalTarget, Error> {
        let heads = doc.get_heads();
        let stale = self.proposals.get(&id).is_none_or(|target| target.heads != heads);
        if stale {
            self.proposals.insert(id, ProposalTarget::read(doc, heads)?);
        }
        Ok(self.proposals.get_mut(&id).expect("inserted above"))
    }

    /// Keeps `target`, what a write other than a splice (a whole text edited) made of proposal `id`.
    pub fn edited(&mut self, id: DocumentId, target: ProposalTarget) {
        self.proposals.insert(id, target);
    }

    /// The text of proposal `id` if the entry is valid at `heads` (the document's current ones).
    pub fn text_at(&self, id: DocumentId, heads: &[ChangeHash]) -> Option<&str> {
        let target = self.proposals.get(&id)?;
        (target.heads == heads).then_some(target.text.as_str())
    }
}

impl ProposalTarget {
    /// The entry for a proposal whose fields are `record`'s and whose text is now `text`, at `heads`.
    pub fn new(heads: Vec<ChangeHash>, text_obj: ObjId, text: String, record: &ProposalRecord) -> ProposalTarget {
        ProposalTarget {
            heads,
            len: text.chars().count(),
            text_obj,
            text,
            sponsors: record.sponsors.clone(),
            label: record.label.clone(),
            withdrawn: record.withdrawn,
        }
    }

    fn read(doc: &Automerge, heads: Vec<ChangeHash>) -> Result<ProposalTarget, Error> {
        let text_obj = proposal_doc::text_obj(doc)?;
        let text = doc.text(&text_obj)?;
        Ok(ProposalTarget::new(heads, text_obj, text, &proposal_doc::read(doc)?))
    }

    /// The text after `splices` and its length in code points, or the first splice out of range.
    pub fn text_after(&self, splices: &[Splice]) -> Result<(String, usize), Error> {
        let (mut text, mut len) = (self.text.clone(), self.len);
        for splice in splices {
            if splice.pos > len || splice.delete > len - splice.pos {
                return Err(Error::SpliceOutOfRange { pos: splice.pos, delete: splice.delete, len });
            }
            let start = byte_offset(&text, splice.pos);
            let end = start + byte_offset(&text[start..], splice.delete);
            text.replace_range(start..end, &splice.insert);
            len = len - splice.delete + splice.insert.chars().count();
        }
        Ok((text, len))
    }

    /// Moves the entry to the document's state after our own change, which made `text`.
    pub fn advance(&mut self, heads: Vec<ChangeHash>, (text, len): (String, usize)) {
        self.heads = heads;
        self.text = text;
        self.len = len;
    }
}

/// Where the code point at `chars` starts in `text` (its end if `chars` is its length).
fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(at, _)| at)
}

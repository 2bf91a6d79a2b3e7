//! Writes to proposal documents (their sponsors): putting a wording
//! forward, editing it (whole texts, edits made on an older copy, and
//! keystroke splices), and withdrawing it.

use automerge::{Automerge, ChangeHash, ReadDoc};

use crate::authorization;
use crate::characters::{self, MAX_PROPOSAL_TEXT_BYTES, MAX_SHORT_TEXT_BYTES};
use crate::document::{self, actor_for, apply_splices, note};
use crate::edit_target::ProposalTarget;
use crate::late_edit;
use crate::negotiation::section;
use crate::negotiation_doc::NegotiationRecord;
use crate::participant_doc;
use crate::proposal_doc::{self, NewProposalRecord, ProposalRecord};
use crate::{Attribution, Error, Negotiation, NewProposal, ParticipantCode, ProposalId, Splice};

impl Negotiation {
    /// Puts forward a proposal for a section; the proposer and cosponsors sponsor it.
    pub fn propose(&mut self, new: NewProposal, by: &Attribution) -> Result<ProposalId, Error> {
        let record = self.record()?;
        authorization::check_member(&record.participants, &by.by)?;
        if let Some(agreed) = &section(&record, new.section)?.agreed {
            return Err(Error::AlreadyAgreed { section: new.section, label: agreed.label.clone() });
        }
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
        characters::check_within("label", label, MAX_SHORT_TEXT_BYTES)?;
        characters::check_within("proposal text", &new.text, MAX_PROPOSAL_TEXT_BYTES)?;
        characters::check_within("rationale", &new.rationale, MAX_SHORT_TEXT_BYTES)?;
        if new.text.trim().is_empty() {
            return Err(Error::EmptyText);
        }
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
        characters::check_within("proposal text", text, MAX_PROPOSAL_TEXT_BYTES)?;
        let splices = late_edit::splices_between(&proposal.text, text);
        let what = format!("edited {}", proposal.label);
        self.write_to(id.0, by, &what, Some(proposal.section), |tx| {
            let obj = proposal_doc::text_obj(tx)?;
            apply_splices(tx, &obj, &splices)
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
        characters::check_within("proposal text", text, MAX_PROPOSAL_TEXT_BYTES)?;
        let doc = self.docs.get(&id.0).ok_or(Error::UnknownProposal(*id))?;
        check_base_heads(doc, base_heads)?;
        let obj = proposal_doc::text_obj(doc)?;
        let current = base_heads == doc.get_heads().as_slice();
        let splices = if current {
            late_edit::splices_between(&proposal.text, text)
        } else {
            late_edit::splices_onto_current(doc, &obj, base_heads, text)?
        };
        let note = note(by, format!("edited {}", proposal.label), Some(proposal.section));
        let actor = self.actor(by);
        let doc = self.docs.get_mut(&id.0).ok_or(Error::UnknownProposal(*id))?;
        document::write(doc, actor, &note, |tx| apply_splices(tx, &obj, &splices))?;
        self.dirty.insert(id.0);
        // On the current heads the splices make exactly `text`; merged, automerge says what it is.
        let merged = if current { text.to_owned() } else { doc.text(&obj)? };
        let heads = doc.get_heads();
        self.edit_targets.edited(id.0, ProposalTarget::new(heads.clone(), obj, merged.clone(), &proposal));
        Ok((merged, heads))
    }

    /// Applies splices to a proposal's text in one change (sponsors only):
    /// the path for keystroke-level editors.
    pub fn splice_proposal(&mut self, id: &ProposalId, splices: &[Splice], by: &Attribution) -> Result<(), Error> {
        let negotiation = self.id();
        let actor = actor_for(&by.by, self.replica());
        let negotiation_doc = self.docs.get(&negotiation).ok_or(Error::DocumentNotHeld(negotiation))?;
        let role = self.edit_targets.role(negotiation, negotiation_doc, &by.by)?;
        let own = participant_doc::document_id(negotiation, &by.by);
        let joined = self.edit_targets.joined(own, self.docs.get(&own), id);
        let doc = self.docs.get_mut(&id.0).ok_or(Error::UnknownProposal(*id))?;
        let target = self.edit_targets.proposal(id.0, doc)?;
        authorization::check_editor(role, &by.by, &target.label, &target.sponsors, joined)?;
        if target.withdrawn {
            return Err(Error::Withdrawn(target.label.clone()));
        }
        for splice in splices {
            characters::check("proposal text", &splice.insert)?;
        }
        let after = target.text_after(splices)?;
        let length = after.0.len();
        if length > MAX_PROPOSAL_TEXT_BYTES {
            return Err(Error::TooLong { field: "proposal text", length, limit: MAX_PROPOSAL_TEXT_BYTES });
        }
        document::write(doc, actor, &note(by, String::new(), None), |tx| apply_splices(tx, &target.text_obj, splices))?;
        target.advance(doc.get_heads(), after);
        self.dirty.insert(id.0);
        Ok(())
    }

    /// Withdraws a proposal (sponsors only).
    pub fn withdraw(&mut self, id: &ProposalId, by: &Attribution) -> Result<(), Error> {
        let proposal = self.check_proposal_write(id, by)?;
        let what = format!("withdrew {}", proposal.label);
        self.write_to(id.0, by, &what, Some(proposal.section), proposal_doc::put_withdrawn)
    }

    pub(crate) fn check_proposal_write(&self, id: &ProposalId, by: &Attribution) -> Result<ProposalRecord, Error> {
        let proposal = self.proposal(id)?;
        let role = authorization::participant(&self.participants()?, &by.by)?.role;
        authorization::check_editor(role, &by.by, &proposal.label, &proposal.sponsors, self.joined(&by.by, id))?;
        if proposal.withdrawn {
            return Err(Error::Withdrawn(proposal.label));
        }
        Ok(proposal)
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

//! Writes to a participant's own document: its stances, the proposals it
//! joins as co-sponsor, and its comments.

use crate::authorization;
use crate::characters::{self, MAX_SHORT_TEXT_BYTES};
use crate::document::text_fingerprint;
use crate::participant_doc::{self, StanceRecord};
use crate::proposal_doc;
use crate::{Attribution, Error, Negotiation, ProposalId, StanceKind, Timestamp};

impl Negotiation {
    /// Joins a proposal as sponsor: `by` must have been named a sponsor by
    /// its proposer. Only then does `by` hold the implicit support of a sponsor.
    pub fn cosponsor(&mut self, id: &ProposalId, by: &Attribution) -> Result<(), Error> {
        let proposal = self.proposal(id)?;
        authorization::check_named(&self.participants()?, &by.by, &proposal.label, &proposal.sponsors)?;
        if proposal.withdrawn {
            return Err(Error::Withdrawn(proposal.label));
        }
        let what = format!("joined {} as sponsor", proposal.label);
        self.write_own(by, &what, Some(proposal.section), |tx| participant_doc::put_sponsored(tx, id, proposal.section))
    }

    /// Records `by`'s stance on the proposal's current version, replacing any earlier one.
    pub fn record_stance(
        &mut self,
        id: &ProposalId,
        kind: StanceKind,
        reason: &str,
        by: &Attribution,
    ) -> Result<(), Error> {
        self.put_stance(id, kind, reason, None, by)
    }

    /// Records `by`'s acceptance of the proposal's current version ad referendum: a
    /// reservation that lets it be adopted, subject to confirmation by `by`'s headquarters
    /// until `until` (see [`crate::procedure`]).
    pub fn record_ad_ref(
        &mut self,
        id: &ProposalId,
        until: Timestamp,
        reason: &str,
        by: &Attribution,
    ) -> Result<(), Error> {
        if until <= by.at {
            return Err(Error::NotInFuture("date of an acceptance ad referendum"));
        }
        self.put_stance(id, StanceKind::Reserve, reason, Some(until), by)
    }

    fn put_stance(
        &mut self,
        id: &ProposalId,
        kind: StanceKind,
        reason: &str,
        ad_ref_until: Option<Timestamp>,
        by: &Attribution,
    ) -> Result<(), Error> {
        authorization::check_member(&self.participants()?, &by.by)?;
        let reason = reason.trim();
        characters::check_within("reason", reason, MAX_SHORT_TEXT_BYTES)?;
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
            ad_ref_until,
        };
        let what = match ad_ref_until {
            Some(_) => format!("accepted {} ad referendum", proposal.label),
            None => format!("recorded {kind} on {}", proposal.label),
        };
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
        characters::check_within("comment", text, MAX_SHORT_TEXT_BYTES)?;
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
}

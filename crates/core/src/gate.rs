//! The gate: changes another replica sends (an automerge-repo peer over
//! `/sync`) pass the rules the API's writes pass before they join the
//! negotiation (ARCHITECTURE.md, invariant 2). A change is accepted or
//! refused whole, with the reason; a refused change changes nothing, and a
//! change that depends on one is refused too.
//!
//! What a peer may send, by document:
//! - the negotiation document: nothing (the chair and convenors write it
//!   through the API, where adoption meets the consensus rule);
//! - its own participant document: stances, co-sponsoring and comments that
//!   read as the schema says, with the stance rules (an objection has a
//!   reason), within [`MAX_PARTICIPANT_DOCUMENT_BYTES`];
//! - a proposal it sponsors (and joined): splices of its text within
//!   [`MAX_PROPOSAL_TEXT_BYTES`], and its withdrawal; nothing else changes
//!   after a proposal is made;
//! - a new proposal: one that reads as a proposal of an open section, with
//!   the peer among its sponsors, a label no live proposal of the section
//!   has, and a text within the limit.
//!
//! Every change is at most [`MAX_CHANGE_BYTES`], holds only characters a
//! text may hold, and carries no message, or Accord's note naming the peer:
//! a change cannot say someone else made it.

use std::collections::{BTreeMap, HashSet};

use automerge::hydrate::Value;
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, ReadDoc, ScalarValue, legacy};

use crate::authorization::{self, DocumentRole};
use crate::characters;
use crate::participant_doc::{self, ParticipantRecord};
use crate::proposal_doc::{self, ProposalRecord};
use crate::{ChangeNote, DocumentId, Error, Negotiation, ParticipantCode, ProposalId, StanceKind};

/// The largest change a peer may send.
pub const MAX_CHANGE_BYTES: usize = 1024 * 1024;
pub use crate::characters::MAX_PROPOSAL_TEXT_BYTES;
/// The most a participant document may hold (keys and strings, in bytes).
pub const MAX_PARTICIPANT_DOCUMENT_BYTES: usize = 1024 * 1024;

/// A change the gate refused, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The change.
    pub change: ChangeHash,
    /// Why, in words for the peer.
    pub reason: String,
}

/// What the gate did with a batch of changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Admission {
    /// The changes now in the negotiation.
    pub accepted: Vec<ChangeHash>,
    /// The changes left out, each with its reason.
    pub refused: Vec<Refusal>,
}

/// What kind of document a batch is for, as the gate checks it.
enum Target {
    Refused(String),
    Participant,
    Proposal(ProposalRecord),
    NewProposal,
}

impl Negotiation {
    /// Admits `changes` (in causal order, as automerge lists them) to
    /// `document`, sent by `peer`: the accepted ones are applied (and the
    /// document marked to be saved), the others refused with their reasons.
    pub fn admit(
        &mut self,
        document: DocumentId,
        peer: &ParticipantCode,
        changes: Vec<Change>,
    ) -> Result<Admission, Error> {
        let mut admission = Admission::default();
        let held = self.document(&document);
        let known = |hash: &ChangeHash| held.is_some_and(|doc| doc.get_change_meta_by_hash(hash).is_some());
        let fresh: Vec<Change> = changes.into_iter().filter(|c| !known(&c.hash())).collect();
        if fresh.is_empty() {
            return Ok(admission);
        }
        let target = self.target(document, peer)?;
        let (accepted, refused) = match target {
            Target::Refused(reason) => (Vec::new(), fresh.iter().map(|c| refusal(c, &reason)).collect()),
            Target::NewProposal => self.admit_new_proposal(peer, fresh),
            Target::Proposal(fields) => self.admit_proposal_edits(document, peer, fresh, &fields),
            Target::Participant => self.admit_participant_changes(document, peer, fresh),
        };
        admission.refused = refused;
        if accepted.is_empty() {
            return Ok(admission);
        }
        admission.accepted = accepted.iter().map(Change::hash).collect();
        for change in accepted.iter().filter(|c| c.message().is_none()) {
            self.authors.insert(change.actor_id().clone(), peer.clone());
        }
        match self.docs.get_mut(&document) {
            Some(doc) => doc.apply_changes(accepted)?,
            None => {
                let mut doc = Automerge::new();
                doc.apply_changes(accepted)?;
                self.docs.insert(document, doc);
            }
        }
        self.dirty.insert(document);
        Ok(admission)
    }

    /// Whether `peer` may write `document` at all, and how it is checked.
    fn target(&self, document: DocumentId, peer: &ParticipantCode) -> Result<Target, Error> {
        let participants = self.participants()?;
        if authorization::check_member(&participants, peer).is_err() {
            return Ok(Target::Refused(format!("{peer} is not a member of this negotiation: it writes nothing")));
        }
        Ok(match (self.document(&document).is_some(), self.document_role(&document)?) {
            (_, Some(DocumentRole::Negotiation)) => Target::Refused(
                "the negotiation document is written through the API (by the chair and convenors), not over sync"
                    .into(),
            ),
            (_, Some(DocumentRole::Participant(owner))) if owner == *peer => Target::Participant,
            (_, Some(DocumentRole::Participant(owner))) => {
                Target::Refused(format!("this is {owner}'s document, not {peer}'s"))
            }
            (false, _) => Target::NewProposal,
            (true, Some(DocumentRole::Proposal { .. })) => {
                let fields = self.proposal(&ProposalId(document))?;
                match self.may_edit(&fields, document, peer) {
                    Ok(()) => Target::Proposal(fields),
                    Err(reason) => Target::Refused(reason),
                }
            }
            (true, None) => Target::Refused("this document is not part of the negotiation".into()),
        })
    }

    /// Whether `peer` may edit the proposal `fields` describes: a sponsor
    /// that joined, while the proposal is live.
    fn may_edit(&self, fields: &ProposalRecord, document: DocumentId, peer: &ParticipantCode) -> Result<(), String> {
        let joined = self.joined(peer, &ProposalId(document));
        if !fields.sponsors.contains(peer) || !joined {
            return Err(format!(
                "{peer} does not sponsor {} (or has not joined it): only its sponsors edit it",
                fields.label
            ));
        }
        if fields.withdrawn {
            return Err(format!("{} was withdrawn: it changes no more", fields.label));
        }
        Ok(())
    }

    /// Edits of a proposal, checked change by change from their operations
    /// (a proposal's history can be long: nothing is copied).
    fn admit_proposal_edits(
        &self,
        document: DocumentId,
        peer: &ParticipantCode,
        changes: Vec<Change>,
        fields: &ProposalRecord,
    ) -> (Vec<Change>, Vec<Refusal>) {
        let Some(doc) = self.document(&document) else { return (Vec::new(), Vec::new()) };
        let mut batch = Batch::new(doc, &self.authors);
        let mut length = proposal_doc::text_obj(doc).ok().and_then(|t| doc.text(&t).ok()).map_or(0, |t| t.len());
        for change in changes {
            let verdict =
                batch.common_checks(&change, peer).and_then(|()| proposal_change(doc, &change, fields, length));
            if let Ok(inserted) = &verdict {
                length += inserted;
            }
            batch.settle(change, verdict.map(|_| ()));
        }
        batch.finish()
    }

    /// Changes to a participant's own document, each checked on a copy of
    /// the document as it grows (participant documents are small).
    fn admit_participant_changes(
        &self,
        document: DocumentId,
        peer: &ParticipantCode,
        changes: Vec<Change>,
    ) -> (Vec<Change>, Vec<Refusal>) {
        let mut grown = self.document(&document).cloned().unwrap_or_default();
        let start = grown.clone();
        let mut batch = Batch::new(&start, &self.authors);
        for change in changes {
            let verdict = batch.common_checks(&change, peer).and_then(|()| participant_change(&mut grown, &change));
            batch.settle(change, verdict);
        }
        batch.finish()
    }

    /// A new proposal's changes, all or none: the document they build must
    /// be a proposal `peer` may make.
    fn admit_new_proposal(&self, peer: &ParticipantCode, changes: Vec<Change>) -> (Vec<Change>, Vec<Refusal>) {
        let verdict = self.new_proposal(peer, &changes);
        match verdict {
            Ok(()) => (changes, Vec::new()),
            Err(reason) => (Vec::new(), changes.iter().map(|c| refusal(c, &reason)).collect()),
        }
    }

    fn new_proposal(&self, peer: &ParticipantCode, changes: &[Change]) -> Result<(), String> {
        let mut doc = Automerge::new();
        for change in changes {
            check_change(change, peer, &self.authors)?;
            doc.apply_changes([change.clone()]).map_err(|e| e.to_string())?;
        }
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err("a document this server does not hold must come whole, from its first change".into());
        }
        let fields = proposal_doc::read(&doc).map_err(|e| format!("not a proposal of this negotiation: {e}"))?;
        let record = self.record().map_err(|e| e.to_string())?;
        let section = record.sections.iter().find(|s| s.number == fields.section);
        match section {
            None => return Err(format!("there is no section {}", fields.section)),
            Some(s) if s.agreed.is_some() => return Err(format!("section {} is already agreed", s.number)),
            Some(_) => {}
        }
        if !fields.sponsors.contains(peer) {
            return Err(format!(
                "{peer} is not among the sponsors it names: a proposal is made by one of its sponsors"
            ));
        }
        for sponsor in &fields.sponsors {
            authorization::check_member(&record.participants, sponsor).map_err(|e| e.to_string())?;
        }
        check_proposal_fields(&fields)?;
        let taken = self
            .view()
            .map_err(|e| e.to_string())?
            .section(fields.section)
            .is_some_and(|s| s.live_proposals().any(|p| p.label == fields.label.trim()));
        if taken {
            return Err(format!("section {} already has a proposal labelled {:?}", fields.section, fields.label));
        }
        Ok(())
    }
}

/// A batch of changes to one held document: which are accepted so far, so
/// that a change building on a refused one is refused too.
struct Batch<'d> {
    doc: &'d Automerge,
    authors: &'d BTreeMap<ActorId, ParticipantCode>,
    accepted: Vec<Change>,
    accepted_hashes: HashSet<ChangeHash>,
    refused: Vec<Refusal>,
}

impl<'d> Batch<'d> {
    fn new(doc: &'d Automerge, authors: &'d BTreeMap<ActorId, ParticipantCode>) -> Self {
        Batch { doc, authors, accepted: Vec::new(), accepted_hashes: HashSet::new(), refused: Vec::new() }
    }

    /// What every change must be, whatever its document, and that it builds
    /// only on changes the document has or this batch accepted.
    fn common_checks(&self, change: &Change, peer: &ParticipantCode) -> Result<(), String> {
        let has =
            |dep: &ChangeHash| self.accepted_hashes.contains(dep) || self.doc.get_change_meta_by_hash(dep).is_some();
        if let Some(dep) = change.deps().iter().find(|dep| !has(dep)) {
            return Err(format!("it builds on change {dep}, which this server refused or does not have"));
        }
        check_change(change, peer, self.authors)
    }

    fn settle(&mut self, change: Change, verdict: Result<(), String>) {
        match verdict {
            Ok(()) => {
                self.accepted_hashes.insert(change.hash());
                self.accepted.push(change);
            }
            Err(reason) => self.refused.push(refusal(&change, &reason)),
        }
    }

    fn finish(self) -> (Vec<Change>, Vec<Refusal>) {
        (self.accepted, self.refused)
    }
}

/// What every change must be: within the size limit, only characters a text
/// may hold, no message but Accord's note naming the peer, and not written
/// with an actor another participant's connection writes with (history would
/// name the wrong author).
fn check_change(
    change: &Change,
    peer: &ParticipantCode,
    authors: &BTreeMap<ActorId, ParticipantCode>,
) -> Result<(), String> {
    if let Some(owner) = authors.get(change.actor_id()).filter(|owner| *owner != peer) {
        return Err(format!("this automerge actor writes for {owner}, not {peer}"));
    }
    if change.raw_bytes().len() > MAX_CHANGE_BYTES {
        return Err(format!(
            "the change is {} bytes; the most a change may be is {MAX_CHANGE_BYTES}",
            change.raw_bytes().len()
        ));
    }
    match change.message() {
        None => {}
        Some(message) => match ChangeNote::from_message(message) {
            Some(note) if note.by == *peer => {}
            Some(note) => return Err(format!("the change says {} made it, but {peer} sent it", note.by)),
            None => return Err("a change's message is Accord's note naming who made it, or nothing".into()),
        },
    }
    for op in change.decode().operations {
        if let legacy::OpType::Put(ScalarValue::Str(text)) = &op.action {
            characters::check("text", text).map_err(|e| e.to_string())?;
        }
        if let legacy::Key::Map(key) = &op.key {
            characters::check("key", key).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// A change to a proposal after it was made: splices of its text, and its
/// withdrawal, keeping the text (now `length` bytes at most) within the
/// limit; the bytes it inserts.
fn proposal_change(doc: &Automerge, change: &Change, fields: &ProposalRecord, length: usize) -> Result<usize, String> {
    let text = proposal_doc::text_obj(doc).map_err(|e| e.to_string())?;
    let ObjId::Id(counter, actor, _) = &text else { return Err("the proposal has no text".into()) };
    let text_obj = legacy::ObjectId::Id(legacy::OpId(*counter, actor.clone()));
    let mut inserted = 0usize;
    for op in change.decode().operations {
        match (&op.obj, &op.key, &op.action) {
            (obj, legacy::Key::Seq(_), legacy::OpType::Put(ScalarValue::Str(s))) if *obj == text_obj && op.insert => {
                inserted += s.len()
            }
            (obj, legacy::Key::Seq(_), legacy::OpType::Delete) if *obj == text_obj => {}
            (legacy::ObjectId::Root, legacy::Key::Map(key), legacy::OpType::Put(ScalarValue::Boolean(true)))
                if key == "withdrawn" => {}
            _ => {
                return Err(format!(
                    "after a proposal is made only its text changes (and its sponsors may withdraw it); this change does more to {}",
                    fields.label
                ));
            }
        }
    }
    if length + inserted > MAX_PROPOSAL_TEXT_BYTES {
        return Err(format!(
            "a proposal's text may be at most {MAX_PROPOSAL_TEXT_BYTES} bytes; this would make it {}",
            length + inserted
        ));
    }
    Ok(inserted)
}

/// A change to a participant document, applied to `doc` if it passes: the
/// document it makes still reads as one, within its size, with the stance
/// rules met by what changed.
fn participant_change(doc: &mut Automerge, change: &Change) -> Result<(), String> {
    let before = participant_doc::read(doc).unwrap_or_default();
    let mut after_doc = doc.clone();
    after_doc.apply_changes([change.clone()]).map_err(|e| e.to_string())?;
    let size = content_bytes(&after_doc.hydrate(None));
    if size > MAX_PARTICIPANT_DOCUMENT_BYTES {
        return Err(format!(
            "a participant document may hold at most {MAX_PARTICIPANT_DOCUMENT_BYTES} bytes; this would make it {size}"
        ));
    }
    let after = participant_doc::read(&after_doc)
        .map_err(|e| format!("the document would no longer read as a participant's: {e}"))?;
    check_participant_changes(&before, &after)?;
    *doc = after_doc;
    Ok(())
}

/// The stance and comment rules, for every entry that changed.
fn check_participant_changes(before: &ParticipantRecord, after: &ParticipantRecord) -> Result<(), String> {
    for (proposal, stance) in &after.stances {
        if before.stances.get(proposal) == Some(stance) {
            continue;
        }
        if stance.kind == StanceKind::Object && stance.reason.trim().is_empty() {
            return Err(Error::ObjectionNeedsReason.to_string());
        }
        if stance.ad_ref_until.is_some() && stance.kind != StanceKind::Reserve {
            return Err(Error::AdRefIsAReservation.to_string());
        }
    }
    for comment in after.comments.iter().filter(|c| !before.comments.contains(c)) {
        if comment.text.trim().is_empty() {
            return Err("a comment needs words".into());
        }
    }
    Ok(())
}

/// A new proposal's own fields: a label, a text within the limit, not withdrawn.
fn check_proposal_fields(fields: &ProposalRecord) -> Result<(), String> {
    if fields.label.trim().is_empty() {
        return Err(Error::EmptyLabel.to_string());
    }
    if fields.text.trim().is_empty() {
        return Err("a proposal needs a text".into());
    }
    if fields.text.len() > MAX_PROPOSAL_TEXT_BYTES {
        return Err(format!(
            "a proposal's text may be at most {MAX_PROPOSAL_TEXT_BYTES} bytes; this one is {}",
            fields.text.len()
        ));
    }
    if fields.withdrawn {
        return Err("a new proposal cannot start withdrawn".into());
    }
    Ok(())
}

/// The bytes of every key and string a hydrated value holds.
fn content_bytes(value: &Value) -> usize {
    match value {
        Value::Map(map) => map.iter().map(|(key, value)| key.len() + content_bytes(&value.value)).sum(),
        Value::List(list) => list.iter().map(|item| content_bytes(&item.value)).sum(),
        Value::Text(text) => String::from(text).len(),
        Value::Scalar(ScalarValue::Str(text)) => text.len(),
        Value::Scalar(ScalarValue::Bytes(bytes)) => bytes.len(),
        Value::Scalar(_) => 8,
    }
}

fn refusal(change: &Change, reason: &str) -> Refusal {
    Refusal { change: change.hash(), reason: reason.to_string() }
}

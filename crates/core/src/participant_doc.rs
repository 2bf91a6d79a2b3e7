//! A participant document, written only by its own participant: its stances
//! and the proposals it sponsors.
//!
//! Layout (flat, so that two replicas of one participant may both create
//! the document and still merge without losing entries):
//! `{"stance:PROPOSAL_ID": {stance, reason, at, heads: [..], text_sha, ad_ref_until?},
//!   "sponsor:PROPOSAL_ID": section,
//!   "comment:ID": {proposal, first, last (cursors), text, at}}`.
//! The document's id derives from the negotiation's id and the participant's
//! code, and it is created by the participant's own first write. A new
//! stance replaces the whole entry, so concurrent stances of one participant
//! resolve to one of them, never a mix of two.

use std::collections::BTreeMap;

use automerge::hydrate::{Map, Value};
use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ObjType, ROOT};

use crate::comment::CommentRecord;
use crate::document::put_str_list;
use crate::fields;
use crate::{DocumentId, Error, ParticipantCode, ProposalId, StanceKind, Timestamp};

const STANCE: &str = "stance:";
const SPONSOR: &str = "sponsor:";
const COMMENT: &str = "comment:";

/// A stance as recorded: what, why, when, and on which version of the text.
#[derive(Clone, Debug, PartialEq)]
pub struct StanceRecord {
    /// The position taken.
    pub kind: StanceKind,
    /// Why (required for objections; may be empty otherwise).
    pub reason: String,
    /// When it was given.
    pub at: Timestamp,
    /// The proposal's heads when it was given (hex change hashes).
    pub heads: Vec<String>,
    /// SHA-256 of the proposal text it was given on.
    pub text_sha: String,
    /// A reservation ad referendum: until when headquarters may confirm or object.
    pub ad_ref_until: Option<Timestamp>,
}

/// A participant document's fields.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct ParticipantRecord {
    pub stances: BTreeMap<ProposalId, StanceRecord>,
    pub sponsored: Vec<ProposalId>,
    pub comments: Vec<CommentRecord>,
}

/// The id of `code`'s participant document in the negotiation `negotiation`.
pub fn document_id(negotiation: DocumentId, code: &ParticipantCode) -> DocumentId {
    DocumentId::derive(&negotiation.to_string(), code.as_str())
}

/// Reads a participant document.
pub(crate) fn read(doc: &Automerge) -> Result<ParticipantRecord, Error> {
    let root = fields::root(doc)?;
    let mut record = ParticipantRecord::default();
    let mut keys: Vec<&String> = root.keys().collect();
    keys.sort();
    for key in keys {
        if let Some(proposal) = key.strip_prefix(STANCE) {
            let Some(Value::Map(entry)) = root.get(key) else {
                return Err(fields::malformed(key, "expected a map"));
            };
            record.stances.insert(proposal.parse()?, read_stance(entry)?);
        } else if let Some(proposal) = key.strip_prefix(SPONSOR) {
            record.sponsored.push(proposal.parse()?);
        } else if let Some(id) = key.strip_prefix(COMMENT) {
            let Some(Value::Map(entry)) = root.get(key) else {
                return Err(fields::malformed(key, "expected a map"));
            };
            record.comments.push(read_comment(id, entry)?);
        }
    }
    Ok(record)
}

fn read_stance(entry: &Map) -> Result<StanceRecord, Error> {
    Ok(StanceRecord {
        kind: fields::require_str(entry, "stance")?.parse()?,
        reason: fields::get_str(entry, "reason")?.unwrap_or_default(),
        at: Timestamp(fields::get_int(entry, "at")?.unwrap_or_default()),
        heads: fields::get_str_list(entry, "heads")?,
        text_sha: fields::get_str(entry, "text_sha")?.unwrap_or_default(),
        ad_ref_until: fields::get_int(entry, "ad_ref_until")?.map(Timestamp),
    })
}

fn read_comment(id: &str, entry: &Map) -> Result<CommentRecord, Error> {
    Ok(CommentRecord {
        id: id.to_string(),
        proposal: fields::require_str(entry, "proposal")?.parse()?,
        first: fields::require_str(entry, "first")?,
        last: fields::require_str(entry, "last")?,
        text: fields::require_str(entry, "text")?,
        at: Timestamp(fields::get_int(entry, "at")?.unwrap_or_default()),
    })
}

/// Adds a comment (ids are chosen by the caller, so adding never conflicts).
pub(crate) fn put_comment(tx: &mut Transaction<'_>, comment: &CommentRecord) -> Result<(), Error> {
    let entry = tx.put_object(ROOT, format!("{COMMENT}{}", comment.id), ObjType::Map)?;
    tx.put(&entry, "proposal", comment.proposal.to_string())?;
    tx.put(&entry, "first", comment.first.as_str())?;
    tx.put(&entry, "last", comment.last.as_str())?;
    tx.put(&entry, "text", comment.text.as_str())?;
    tx.put(&entry, "at", comment.at.millis())?;
    Ok(())
}

/// Records (or replaces) the participant's stance on a proposal.
pub(crate) fn put_stance(tx: &mut Transaction<'_>, proposal: &ProposalId, stance: &StanceRecord) -> Result<(), Error> {
    let entry = tx.put_object(ROOT, format!("{STANCE}{proposal}"), ObjType::Map)?;
    tx.put(&entry, "stance", stance.kind.as_str())?;
    tx.put(&entry, "reason", stance.reason.as_str())?;
    tx.put(&entry, "at", stance.at.millis())?;
    put_str_list(tx, &entry, "heads", &stance.heads)?;
    tx.put(&entry, "text_sha", stance.text_sha.as_str())?;
    if let Some(until) = stance.ad_ref_until {
        tx.put(&entry, "ad_ref_until", until.millis())?;
    }
    Ok(())
}

/// Lists a proposal among those the participant sponsors.
pub(crate) fn put_sponsored(tx: &mut Transaction<'_>, proposal: &ProposalId, section: u32) -> Result<(), Error> {
    tx.put(ROOT, format!("{SPONSOR}{proposal}"), i64::from(section))?;
    Ok(())
}

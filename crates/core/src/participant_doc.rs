//! A participant document, written only by its own participant: its stances
//! and the proposals it sponsors.
//!
//! Layout: `{kind: "participant", code, stances: {PROPOSAL_ID: {stance,
//! reason, at, heads: [..], text_sha}}, sponsored: {PROPOSAL_ID: section}}`.
//! A new stance replaces the whole entry, so concurrent stances of one
//! participant resolve to one of them, never a mix of two.

use std::collections::BTreeMap;

use automerge::hydrate::Map;
use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ObjType, ROOT};

use crate::document::{put_str_list, require_obj};
use crate::fields;
use crate::{Error, ParticipantCode, ProposalId, StanceKind, Timestamp};

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
}

/// A participant document's fields.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct ParticipantRecord {
    pub stances: BTreeMap<ProposalId, StanceRecord>,
    pub sponsored: Vec<ProposalId>,
}

/// Reads a participant document.
pub(crate) fn read(doc: &Automerge) -> Result<ParticipantRecord, Error> {
    let root = fields::root(doc)?;
    let mut record = ParticipantRecord::default();
    for (proposal, entry) in fields::map_entries(&root, "stances")? {
        record.stances.insert(proposal.parse()?, read_stance(entry)?);
    }
    for key in fields::map_keys(&root, "sponsored")? {
        record.sponsored.push(key.parse()?);
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
    })
}

/// Writes the skeleton of a new participant document.
pub(crate) fn init(tx: &mut Transaction<'_>, code: &ParticipantCode) -> Result<(), Error> {
    tx.put(ROOT, "kind", "participant")?;
    tx.put(ROOT, "code", code.as_str())?;
    tx.put_object(ROOT, "stances", ObjType::Map)?;
    tx.put_object(ROOT, "sponsored", ObjType::Map)?;
    Ok(())
}

/// Records (or replaces) the participant's stance on a proposal.
pub(crate) fn put_stance(tx: &mut Transaction<'_>, proposal: &ProposalId, stance: &StanceRecord) -> Result<(), Error> {
    let stances = require_obj(tx, &ROOT, "stances", ObjType::Map)?;
    let entry = tx.put_object(&stances, proposal.to_string(), ObjType::Map)?;
    tx.put(&entry, "stance", stance.kind.as_str())?;
    tx.put(&entry, "reason", stance.reason.as_str())?;
    tx.put(&entry, "at", stance.at.millis())?;
    put_str_list(tx, &entry, "heads", &stance.heads)?;
    tx.put(&entry, "text_sha", stance.text_sha.as_str())?;
    Ok(())
}

/// Lists a proposal among those the participant sponsors.
pub(crate) fn put_sponsored(tx: &mut Transaction<'_>, proposal: &ProposalId, section: u32) -> Result<(), Error> {
    let sponsored = require_obj(tx, &ROOT, "sponsored", ObjType::Map)?;
    tx.put(&sponsored, proposal.to_string(), i64::from(section))?;
    Ok(())
}

//! A participant document, written only by its own participant: its stances
//! and the proposals it sponsors.
//!
//! Layout: `{kind: "participant", code, stances: {PROPOSAL_ID: {stance,
//! reason, at, heads: [..], text_sha}}, sponsored: {PROPOSAL_ID: section}}`.
//! A new stance replaces the whole entry, so concurrent stances of one
//! participant resolve to one of them, never a mix of two.

use std::collections::BTreeMap;

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjType, ROOT, ReadDoc};

use crate::document::{get_int, get_str, get_str_list, map_keys, put_str_list, require_obj, require_str};
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
pub(crate) fn read(doc: &impl ReadDoc) -> Result<ParticipantRecord, Error> {
    let mut record = ParticipantRecord::default();
    if let Some(stances) = crate::document::get_obj(doc, &ROOT, "stances", ObjType::Map)? {
        for key in doc.keys(&stances).collect::<Vec<_>>() {
            let entry = require_obj(doc, &stances, &key, ObjType::Map)?;
            record.stances.insert(key.parse()?, read_stance(doc, &entry)?);
        }
    }
    for key in map_keys(doc, &ROOT, "sponsored")? {
        record.sponsored.push(key.parse()?);
    }
    Ok(record)
}

fn read_stance(doc: &impl ReadDoc, entry: &automerge::ObjId) -> Result<StanceRecord, Error> {
    Ok(StanceRecord {
        kind: require_str(doc, entry, "stance")?.parse()?,
        reason: get_str(doc, entry, "reason")?.unwrap_or_default(),
        at: Timestamp(get_int(doc, entry, "at")?.unwrap_or_default()),
        heads: get_str_list(doc, entry, "heads")?,
        text_sha: get_str(doc, entry, "text_sha")?.unwrap_or_default(),
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

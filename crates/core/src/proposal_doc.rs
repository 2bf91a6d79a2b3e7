//! A proposal document, written only by its sponsors: a competing wording
//! for one section.
//!
//! Layout: `{kind: "proposal", section, label, rationale, sponsors: [CODE..],
//! text: Text, withdrawn, created_by, created_at}`.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ChangeHash, ObjId, ObjType, ROOT, ReadDoc};

use crate::document::{get_bool, get_int, get_str, get_str_list, put_str_list, put_text, require_obj, require_str};
use crate::{Error, ParticipantCode, Timestamp};

/// A proposal document's fields.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ProposalRecord {
    pub section: u32,
    pub label: String,
    pub rationale: String,
    pub sponsors: Vec<ParticipantCode>,
    pub text: String,
    pub withdrawn: bool,
    pub created_at: Timestamp,
}

/// What a new proposal starts with.
pub(crate) struct NewProposalRecord<'a> {
    pub section: u32,
    pub label: &'a str,
    pub rationale: &'a str,
    pub sponsors: &'a [ParticipantCode],
    pub text: &'a str,
    pub created_at: Timestamp,
}

/// Reads a proposal document.
pub(crate) fn read(doc: &impl ReadDoc) -> Result<ProposalRecord, Error> {
    Ok(ProposalRecord {
        section: section(doc)?,
        sponsors: sponsors(doc)?,
        label: label(doc)?,
        rationale: get_str(doc, &ROOT, "rationale")?.unwrap_or_default(),
        text: require_str(doc, &ROOT, "text")?,
        withdrawn: get_bool(doc, &ROOT, "withdrawn")?,
        created_at: Timestamp(get_int(doc, &ROOT, "created_at")?.unwrap_or_default()),
    })
}

/// Whether the document is a proposal document.
pub(crate) fn is_proposal(doc: &impl ReadDoc) -> bool {
    matches!(get_str(doc, &ROOT, "kind"), Ok(Some(kind)) if kind == "proposal")
}

/// The sponsors alone.
pub(crate) fn sponsors(doc: &impl ReadDoc) -> Result<Vec<ParticipantCode>, Error> {
    get_str_list(doc, &ROOT, "sponsors")?.iter().map(|code| code.parse()).collect()
}

/// The label alone.
pub(crate) fn label(doc: &impl ReadDoc) -> Result<String, Error> {
    require_str(doc, &ROOT, "label")
}

/// The section number alone.
pub(crate) fn section(doc: &impl ReadDoc) -> Result<u32, Error> {
    let section = get_int(doc, &ROOT, "section")?.unwrap_or_default();
    u32::try_from(section).map_err(|_| Error::MalformedDocument("proposal".into(), "bad section number".into()))
}

/// The id of the proposal's text object.
pub(crate) fn text_obj(doc: &impl ReadDoc) -> Result<ObjId, Error> {
    require_obj(doc, &ROOT, "text", ObjType::Text)
}

/// The proposal's text as it was at `heads`.
pub(crate) fn text_at(doc: &impl ReadDoc, heads: &[ChangeHash]) -> Result<String, Error> {
    let text = text_obj(doc)?;
    Ok(doc.text_at(&text, heads)?)
}

/// Writes a new proposal document.
pub(crate) fn init(tx: &mut Transaction<'_>, new: &NewProposalRecord<'_>) -> Result<(), Error> {
    tx.put(ROOT, "kind", "proposal")?;
    tx.put(ROOT, "section", i64::from(new.section))?;
    tx.put(ROOT, "label", new.label)?;
    tx.put(ROOT, "rationale", new.rationale)?;
    let sponsors: Vec<String> = new.sponsors.iter().map(ToString::to_string).collect();
    put_str_list(tx, &ROOT, "sponsors", &sponsors)?;
    put_text(tx, &ROOT, "text", new.text)?;
    tx.put(ROOT, "withdrawn", false)?;
    tx.put(ROOT, "created_at", new.created_at.millis())?;
    Ok(())
}

/// Marks the proposal withdrawn: it stays in history but leaves the table.
pub(crate) fn put_withdrawn(tx: &mut Transaction<'_>) -> Result<(), Error> {
    tx.put(ROOT, "withdrawn", true)?;
    Ok(())
}

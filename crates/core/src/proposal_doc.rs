//! A proposal document, written only by its sponsors: a competing wording
//! for one section.
//!
//! Layout: `{kind: "proposal", section, label, rationale, sponsors: [CODE..],
//! text: Text, withdrawn, created_by, created_at}`.

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc};

use crate::document::{put_str_list, put_text, require_obj};
use crate::fields;
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

/// Reads a proposal document; an error if it is not one.
pub(crate) fn read(doc: &Automerge) -> Result<ProposalRecord, Error> {
    let root = fields::root(doc)?;
    if fields::get_str(&root, "kind")?.as_deref() != Some("proposal") {
        return Err(Error::MalformedDocument("document".into(), "not a proposal".into()));
    }
    let sponsors = fields::get_str_list(&root, "sponsors")?;
    Ok(ProposalRecord {
        section: fields::get_section_number(&root, "section")?,
        sponsors: sponsors.iter().map(|code| code.parse()).collect::<Result<_, _>>()?,
        label: fields::require_str(&root, "label")?,
        rationale: fields::get_str(&root, "rationale")?.unwrap_or_default(),
        text: fields::require_str(&root, "text")?,
        withdrawn: fields::get_bool(&root, "withdrawn")?,
        created_at: Timestamp(fields::get_int(&root, "created_at")?.unwrap_or_default()),
    })
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

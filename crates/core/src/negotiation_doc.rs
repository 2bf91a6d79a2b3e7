//! The negotiation document, written only by the chair and convenors:
//! title, deadline, participants (with the ids of their documents), sections
//! with base texts, and the adoptions that made section text agreed.
//!
//! Layout: `{kind: "negotiation", title, deadline?, participants: {CODE: {name,
//! role}}, sections: {"N": {number, title, lead, base_text: Text,
//! agreed?: {text: Text, proposal, label, by, at, proposal_heads: [..], by_silence?,
//! ad_ref?: {CODE: {until, reason}}, settled?: {CODE: {at, lapsed}}},
//! reopenings?: {"AT-BY": {by, at, reason, label}}, package?: ["1", "4"],
//! silence?: {proposal, label, by, at, until, text_sha}}}}`.
//! Maps keyed by code and number keep concurrent additions from duplicating.

use std::collections::BTreeMap;

use automerge::hydrate::{Map, Value};
use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use serde::Serialize;

use crate::document::{get_obj, put_str_list, put_text, require_obj};
use crate::fields;
use crate::participant_doc;
use crate::{DocumentId, Error, ParticipantCode, ProposalId, Role, Timestamp};

/// A participant as the negotiation document lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Participant {
    /// The agency's code, e.g. `ITU`.
    pub code: ParticipantCode,
    /// Its full name.
    pub name: String,
    /// Its role in this negotiation.
    pub role: Role,
    /// The id of the participant's own document (stances, sponsored
    /// proposals), derived from the negotiation's id and the code.
    pub document: DocumentId,
}

/// A section's stored fields.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SectionRecord {
    pub number: u32,
    pub title: String,
    pub lead: ParticipantCode,
    pub base_text: String,
    pub agreed: Option<Adoption>,
    pub reopenings: Vec<Reopening>,
    /// The sections agreed together with this one (itself included; empty: none).
    pub package: Vec<u32>,
    pub silence: Option<Silence>,
}

/// A proposal put under silence: adopted at `until` unless a member objects before then
/// or its text changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Silence {
    /// The proposal under silence.
    pub proposal: ProposalId,
    /// Its label then.
    pub label: String,
    /// Who put it under silence (chair or convenor): the adoption is recorded in its name.
    pub by: ParticipantCode,
    /// When.
    pub at: Timestamp,
    /// When silence ends.
    pub until: Timestamp,
    /// SHA-256 of the text put under silence: an edit voids the procedure.
    #[serde(skip)]
    pub text_sha: String,
}

/// A member that accepted ad referendum: its headquarters may confirm or object until `until`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdRef {
    /// Who.
    pub participant: ParticipantCode,
    /// Until when.
    pub until: Timestamp,
    /// What it said.
    pub reason: String,
}

/// How an acceptance ad referendum ended, recorded once its time passed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Settled {
    /// When it was confirmed (or the time, when it lapsed into confirmation).
    pub at: Timestamp,
    /// Taken as confirmed because the time passed without an objection.
    pub lapsed: bool,
}

/// An agreed section opened again: who, when, why, and the wording that had been adopted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reopening {
    /// Who reopened it (chair or convenor).
    pub by: ParticipantCode,
    /// When.
    pub at: Timestamp,
    /// Why (required).
    pub reason: String,
    /// The label of the proposal whose adoption was undone.
    pub label: String,
}

/// The record of an adoption: which wording became the section's agreed text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Adoption {
    /// The agreed text.
    pub text: String,
    /// The adopted proposal.
    pub proposal: ProposalId,
    /// Its label at adoption.
    pub label: String,
    /// Who adopted it.
    pub by: ParticipantCode,
    /// When.
    pub at: Timestamp,
    /// The proposal's heads (hex change hashes) at adoption: the exact version agreed.
    pub proposal_heads: Vec<String>,
    /// Adopted by silence procedure: no member objected before the silence ended (`at`).
    pub by_silence: bool,
    /// The members that accepted ad referendum, whose headquarters may confirm or object.
    pub ad_ref: Vec<AdRef>,
    /// The outcomes of those acceptances, recorded once their time passed, by participant.
    pub settled: BTreeMap<ParticipantCode, Settled>,
}

/// The negotiation document's fields.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NegotiationRecord {
    pub title: String,
    pub deadline: Option<Timestamp>,
    pub participants: Vec<Participant>,
    pub sections: Vec<SectionRecord>,
    /// Entries left out because they do not follow the schema (written by a
    /// peer that does not): the rest of the document still reads.
    pub problems: Vec<String>,
}

/// Reads only the participants of negotiation `id`: what every rights
/// check needs, without hydrating the section texts.
pub(crate) fn read_participants(id: DocumentId, doc: &Automerge) -> Result<Vec<Participant>, Error> {
    let map = require_obj(doc, &ROOT, "participants", ObjType::Map)?;
    match ReadDoc::hydrate(doc, &map, None)? {
        Value::Map(map) => Ok(participants_of(id, &map)?.0),
        _ => Err(fields::malformed("participants", "expected a map")),
    }
}

/// The participants that read as the schema says, and what was wrong with the others.
fn participants_of(id: DocumentId, map: &Map) -> Result<(Vec<Participant>, Vec<String>), Error> {
    let (mut participants, mut problems) = (Vec::new(), Vec::new());
    for (code, entry) in fields::entries(map)? {
        match participant_of(id, code, entry) {
            Ok(participant) => participants.push(participant),
            Err(error) => problems.push(format!("participant {code} left out: {error}")),
        }
    }
    Ok((participants, problems))
}

fn participant_of(id: DocumentId, code: &str, entry: &Map) -> Result<Participant, Error> {
    let code: ParticipantCode = code.parse()?;
    Ok(Participant {
        document: participant_doc::document_id(id, &code),
        code,
        name: fields::require_str(entry, "name")?,
        role: fields::require_str(entry, "role")?.parse()?,
    })
}

/// Reads the whole negotiation document of negotiation `id`.
pub(crate) fn read(id: DocumentId, doc: &Automerge) -> Result<NegotiationRecord, Error> {
    let root = fields::root(doc)?;
    let (participants, mut problems) = participants_of(id, fields::require_map(&root, "participants")?)?;
    let mut sections = Vec::new();
    for (key, entry) in fields::map_entries(&root, "sections")? {
        match read_section(key, entry, &mut problems) {
            Ok(section) => sections.push(section),
            Err(error) => problems.push(format!("section {key} left out: {error}")),
        }
    }
    sections.sort_by_key(|s| s.number);
    Ok(NegotiationRecord {
        title: fields::require_str(&root, "title")?,
        deadline: fields::get_int(&root, "deadline").unwrap_or_default().map(Timestamp),
        participants,
        sections,
        problems,
    })
}

/// A section; an adoption that does not read is left out (and said), so the
/// section reads as not agreed rather than not at all.
fn read_section(key: &str, entry: &Map, problems: &mut Vec<String>) -> Result<SectionRecord, Error> {
    let agreed = match fields::get_map(entry, "agreed").and_then(|agreed| agreed.map(read_adoption).transpose()) {
        Ok(agreed) => agreed,
        Err(error) => {
            problems.push(format!("the adoption of section {key} left out (the section reads as not agreed): {error}"));
            None
        }
    };
    let reopenings = match fields::map_entries(entry, "reopenings")
        .and_then(|all| all.into_iter().map(|(_, reopening)| read_reopening(reopening)).collect::<Result<Vec<_>, _>>())
    {
        Ok(mut reopenings) => {
            reopenings.sort_by(|a, b| (a.at, &a.by).cmp(&(b.at, &b.by)));
            reopenings
        }
        Err(error) => {
            problems.push(format!("the reopenings of section {key} left out: {error}"));
            Vec::new()
        }
    };
    let package = match fields::get_str_list(entry, "package") {
        Ok(numbers) => numbers.iter().filter_map(|n| n.parse().ok()).collect(),
        Err(error) => {
            problems.push(format!("the package of section {key} left out: {error}"));
            Vec::new()
        }
    };
    let silence = match fields::get_map(entry, "silence").and_then(|silence| silence.map(read_silence).transpose()) {
        Ok(silence) => silence,
        Err(error) => {
            problems.push(format!("the silence procedure of section {key} left out: {error}"));
            None
        }
    };
    Ok(SectionRecord {
        number: key.parse().map_err(|_| fields::malformed(key, "not a section number"))?,
        title: fields::require_str(entry, "title")?,
        lead: fields::require_str(entry, "lead")?.parse()?,
        base_text: fields::require_str(entry, "base_text")?,
        agreed,
        reopenings,
        package,
        silence,
    })
}

fn read_silence(silence: &Map) -> Result<Silence, Error> {
    Ok(Silence {
        proposal: fields::require_str(silence, "proposal")?.parse()?,
        label: fields::require_str(silence, "label")?,
        by: fields::require_str(silence, "by")?.parse()?,
        at: Timestamp(fields::get_int(silence, "at")?.unwrap_or_default()),
        until: Timestamp(fields::get_int(silence, "until")?.unwrap_or_default()),
        text_sha: fields::require_str(silence, "text_sha")?,
    })
}

fn read_reopening(reopening: &Map) -> Result<Reopening, Error> {
    Ok(Reopening {
        by: fields::require_str(reopening, "by")?.parse()?,
        at: Timestamp(fields::get_int(reopening, "at")?.unwrap_or_default()),
        reason: fields::require_str(reopening, "reason")?,
        label: fields::require_str(reopening, "label")?,
    })
}

fn read_adoption(agreed: &Map) -> Result<Adoption, Error> {
    Ok(Adoption {
        text: fields::require_str(agreed, "text")?,
        proposal: fields::require_str(agreed, "proposal")?.parse()?,
        label: fields::require_str(agreed, "label")?,
        by: fields::require_str(agreed, "by")?.parse()?,
        at: Timestamp(fields::get_int(agreed, "at")?.unwrap_or_default()),
        proposal_heads: fields::get_str_list(agreed, "proposal_heads")?,
        by_silence: fields::get_bool(agreed, "by_silence")?,
        ad_ref: fields::map_entries(agreed, "ad_ref")?
            .into_iter()
            .map(|(code, entry)| read_ad_ref(code, entry))
            .collect::<Result<_, _>>()?,
        settled: fields::map_entries(agreed, "settled")?
            .into_iter()
            .map(|(code, entry)| read_settled(code, entry))
            .collect::<Result<_, _>>()?,
    })
}

fn read_ad_ref(code: &str, entry: &Map) -> Result<AdRef, Error> {
    Ok(AdRef {
        participant: code.parse()?,
        until: Timestamp(fields::get_int(entry, "until")?.unwrap_or_default()),
        reason: fields::get_str(entry, "reason")?.unwrap_or_default(),
    })
}

fn read_settled(code: &str, entry: &Map) -> Result<(ParticipantCode, Settled), Error> {
    let at = Timestamp(fields::get_int(entry, "at")?.unwrap_or_default());
    Ok((code.parse()?, Settled { at, lapsed: fields::get_bool(entry, "lapsed")? }))
}

/// Writes the skeleton of a new negotiation document.
pub(crate) fn init(tx: &mut Transaction<'_>, title: &str) -> Result<(), Error> {
    tx.put(ROOT, "kind", "negotiation")?;
    tx.put(ROOT, "title", title)?;
    tx.put_object(ROOT, "participants", ObjType::Map)?;
    tx.put_object(ROOT, "sections", ObjType::Map)?;
    Ok(())
}

/// Adds (or replaces) one participant entry.
pub(crate) fn put_participant(tx: &mut Transaction<'_>, participant: &Participant) -> Result<(), Error> {
    let map = require_obj(tx, &ROOT, "participants", ObjType::Map)?;
    let entry = tx.put_object(&map, participant.code.as_str(), ObjType::Map)?;
    tx.put(&entry, "name", participant.name.as_str())?;
    tx.put(&entry, "role", participant.role.as_str())?;
    Ok(())
}

/// Adds a section with its base text.
pub(crate) fn put_section(
    tx: &mut Transaction<'_>,
    number: u32,
    title: &str,
    lead: &ParticipantCode,
    base_text: &str,
) -> Result<(), Error> {
    let map = require_obj(tx, &ROOT, "sections", ObjType::Map)?;
    let entry = tx.put_object(&map, number.to_string(), ObjType::Map)?;
    tx.put(&entry, "number", i64::from(number))?;
    tx.put(&entry, "title", title)?;
    tx.put(&entry, "lead", lead.as_str())?;
    put_text(tx, &entry, "base_text", base_text)?;
    Ok(())
}

/// Replaces a section's base text with minimal splices.
pub(crate) fn update_base_text(tx: &mut Transaction<'_>, number: u32, text: &str) -> Result<(), Error> {
    let entry = section_entry(tx, number)?;
    let base = require_obj(tx, &entry, "base_text", ObjType::Text)?;
    let splices = crate::late_edit::splices_between(&tx.text(&base)?, text);
    crate::document::apply_splices(tx, &base, &splices)
}

/// Records an adoption as the section's agreed text.
pub(crate) fn put_adoption(tx: &mut Transaction<'_>, number: u32, adoption: &Adoption) -> Result<(), Error> {
    let entry = section_entry(tx, number)?;
    let agreed = tx.put_object(&entry, "agreed", ObjType::Map)?;
    put_text(tx, &agreed, "text", &adoption.text)?;
    tx.put(&agreed, "proposal", adoption.proposal.to_string())?;
    tx.put(&agreed, "label", adoption.label.as_str())?;
    tx.put(&agreed, "by", adoption.by.as_str())?;
    tx.put(&agreed, "at", adoption.at.millis())?;
    put_str_list(tx, &agreed, "proposal_heads", &adoption.proposal_heads)?;
    if adoption.by_silence {
        tx.put(&agreed, "by_silence", true)?;
    }
    if !adoption.ad_ref.is_empty() {
        let all = tx.put_object(&agreed, "ad_ref", ObjType::Map)?;
        for ad_ref in &adoption.ad_ref {
            let entry = tx.put_object(&all, ad_ref.participant.as_str(), ObjType::Map)?;
            tx.put(&entry, "until", ad_ref.until.millis())?;
            tx.put(&entry, "reason", ad_ref.reason.as_str())?;
        }
    }
    Ok(())
}

/// Records how a member's acceptance ad referendum of the section's adoption ended.
pub(crate) fn put_settled(
    tx: &mut Transaction<'_>,
    number: u32,
    who: &ParticipantCode,
    settled: Settled,
) -> Result<(), Error> {
    let entry = section_entry(tx, number)?;
    let agreed = require_obj(tx, &entry, "agreed", ObjType::Map)?;
    let all = map_in(tx, &agreed, "settled")?;
    let record = tx.put_object(&all, who.as_str(), ObjType::Map)?;
    tx.put(&record, "at", settled.at.millis())?;
    tx.put(&record, "lapsed", settled.lapsed)?;
    Ok(())
}

/// Puts a proposal of section `number` under silence, replacing any earlier procedure.
pub(crate) fn put_silence(tx: &mut Transaction<'_>, number: u32, silence: &Silence) -> Result<(), Error> {
    let entry = section_entry(tx, number)?;
    let record = tx.put_object(&entry, "silence", ObjType::Map)?;
    tx.put(&record, "proposal", silence.proposal.to_string())?;
    tx.put(&record, "label", silence.label.as_str())?;
    tx.put(&record, "by", silence.by.as_str())?;
    tx.put(&record, "at", silence.at.millis())?;
    tx.put(&record, "until", silence.until.millis())?;
    tx.put(&record, "text_sha", silence.text_sha.as_str())?;
    Ok(())
}

/// Ends section `number`'s silence procedure (adopted otherwise, or reopened).
pub(crate) fn delete_silence(tx: &mut Transaction<'_>, number: u32) -> Result<(), Error> {
    let entry = section_entry(tx, number)?;
    if get_obj(tx, &entry, "silence", ObjType::Map)?.is_some() {
        tx.delete(&entry, "silence")?;
    }
    Ok(())
}

/// Opens an agreed section again: its adoption is removed and the reopening recorded.
pub(crate) fn reopen(tx: &mut Transaction<'_>, number: u32, reopening: &Reopening) -> Result<(), Error> {
    let entry = section_entry(tx, number)?;
    tx.delete(&entry, "agreed")?;
    delete_silence(tx, number)?;
    let all = map_in(tx, &entry, "reopenings")?;
    let key = format!("{}-{}", reopening.at.millis(), reopening.by);
    let record = tx.put_object(&all, key.as_str(), ObjType::Map)?;
    tx.put(&record, "by", reopening.by.as_str())?;
    tx.put(&record, "at", reopening.at.millis())?;
    tx.put(&record, "reason", reopening.reason.as_str())?;
    tx.put(&record, "label", reopening.label.as_str())?;
    Ok(())
}

/// Puts section `number` in the package of `members` (itself among them).
pub(crate) fn put_package(tx: &mut Transaction<'_>, number: u32, members: &[u32]) -> Result<(), Error> {
    let entry = section_entry(tx, number)?;
    let members: Vec<String> = members.iter().map(ToString::to_string).collect();
    put_str_list(tx, &entry, "package", &members)?;
    Ok(())
}

/// Sets the deadline of the consultation window.
pub(crate) fn put_deadline(tx: &mut Transaction<'_>, deadline: Timestamp) -> Result<(), Error> {
    tx.put(ROOT, "deadline", deadline.millis())?;
    Ok(())
}

/// The map at `key` of `obj`, made if it is not there yet.
fn map_in(tx: &mut Transaction<'_>, obj: &automerge::ObjId, key: &str) -> Result<automerge::ObjId, Error> {
    match get_obj(tx, obj, key, ObjType::Map)? {
        Some(map) => Ok(map),
        None => Ok(tx.put_object(obj, key, ObjType::Map)?),
    }
}

fn section_entry(tx: &Transaction<'_>, number: u32) -> Result<automerge::ObjId, Error> {
    let map = require_obj(tx, &ROOT, "sections", ObjType::Map)?;
    get_obj(tx, &map, &number.to_string(), ObjType::Map)?.ok_or(Error::UnknownSection(number))
}

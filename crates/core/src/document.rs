//! Small typed accessors over automerge documents, and the one way Accord
//! writes to a document: a transaction committed with a [`ChangeNote`].
//!
//! Readers are lenient in one way only: a missing optional field reads as
//! absent. A field of the wrong type is a [`Error::MalformedDocument`], since
//! it can only come from a peer that does not follow the schema.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use sha2::{Digest, Sha256};

use crate::{Attribution, ChangeNote, Error, ParticipantCode};

/// Reads a string field; `None` when absent.
pub(crate) fn get_str(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Result<Option<String>, Error> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(text) => Ok(Some(text.to_string())),
            _ => Err(malformed(key, "expected a string")),
        },
        Some((Value::Object(ObjType::Text), id)) => Ok(Some(doc.text(&id)?)),
        Some(_) => Err(malformed(key, "expected a string")),
    }
}

/// Reads a required string field.
pub(crate) fn require_str(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Result<String, Error> {
    get_str(doc, obj, key)?.ok_or_else(|| malformed(key, "missing"))
}

/// Reads an integer field; `None` when absent.
pub(crate) fn get_int(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Result<Option<i64>, Error> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(n) | ScalarValue::Timestamp(n) => Ok(Some(*n)),
            ScalarValue::Uint(n) => i64::try_from(*n).map(Some).map_err(|_| malformed(key, "too large")),
            _ => Err(malformed(key, "expected an integer")),
        },
        Some(_) => Err(malformed(key, "expected an integer")),
    }
}

/// Reads a boolean field; absent reads as `false`.
pub(crate) fn get_bool(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Result<bool, Error> {
    match doc.get(obj, key)? {
        None => Ok(false),
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Boolean(b) => Ok(*b),
            _ => Err(malformed(key, "expected a boolean")),
        },
        Some(_) => Err(malformed(key, "expected a boolean")),
    }
}

/// The id of a nested object of the given type; `None` when absent.
pub(crate) fn get_obj(doc: &impl ReadDoc, obj: &ObjId, key: &str, expected: ObjType) -> Result<Option<ObjId>, Error> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((Value::Object(kind), id)) if kind == expected => Ok(Some(id)),
        Some(_) => Err(malformed(key, "unexpected type")),
    }
}

/// The id of a required nested object.
pub(crate) fn require_obj(doc: &impl ReadDoc, obj: &ObjId, key: &str, expected: ObjType) -> Result<ObjId, Error> {
    get_obj(doc, obj, key, expected)?.ok_or_else(|| malformed(key, "missing"))
}

/// The keys of a map field (empty when the map is absent).
pub(crate) fn map_keys(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Result<Vec<String>, Error> {
    Ok(match get_obj(doc, obj, key, ObjType::Map)? {
        Some(map) => doc.keys(&map).collect(),
        None => Vec::new(),
    })
}

/// A list of strings (empty when absent).
pub(crate) fn get_str_list(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Result<Vec<String>, Error> {
    let Some(list) = get_obj(doc, obj, key, ObjType::List)? else {
        return Ok(Vec::new());
    };
    let mut items = Vec::new();
    for (value, _) in doc.values(&list) {
        match value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(text) => items.push(text.to_string()),
                _ => return Err(malformed(key, "expected a list of strings")),
            },
            Value::Object(_) => return Err(malformed(key, "expected a list of strings")),
        }
    }
    Ok(items)
}

/// Writes a new text object holding `text` under `key`.
pub(crate) fn put_text(tx: &mut Transaction<'_>, obj: &ObjId, key: &str, text: &str) -> Result<ObjId, Error> {
    let id = tx.put_object(obj, key, ObjType::Text)?;
    tx.splice_text(&id, 0, 0, text)?;
    Ok(id)
}

/// Writes a new list of strings under `key`.
pub(crate) fn put_str_list(tx: &mut Transaction<'_>, obj: &ObjId, key: &str, items: &[String]) -> Result<(), Error> {
    let list = tx.put_object(obj, key, ObjType::List)?;
    for (index, item) in items.iter().enumerate() {
        tx.insert(&list, index, item.as_str())?;
    }
    Ok(())
}

/// The actor id a participant writes with from one replica: stable per
/// (participant, replica), so history shows one actor per agency and machine.
pub fn actor_for(code: &ParticipantCode, replica: &str) -> ActorId {
    let digest = Sha256::digest(format!("{code}/{replica}"));
    ActorId::from(&digest[..16])
}

/// Runs `edit` in one transaction of `doc` as `who`, and commits it with a
/// change note. On error nothing is written.
pub(crate) fn write<T>(
    doc: &mut Automerge,
    actor: ActorId,
    note: &ChangeNote,
    edit: impl FnOnce(&mut Transaction<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    doc.set_actor(actor);
    let mut tx = doc.transaction();
    match edit(&mut tx) {
        Ok(value) => {
            let options =
                CommitOptions::default().with_message(note.to_message()).with_time(note.at.millis().div_euclid(1000));
            tx.commit_with(options);
            Ok(value)
        }
        Err(error) => {
            tx.rollback();
            Err(error)
        }
    }
}

/// A change note for `who` doing `what`.
pub(crate) fn note(who: &Attribution, what: impl Into<String>, section: Option<u32>) -> ChangeNote {
    ChangeNote { by: who.by.clone(), at: who.at, what: what.into(), section }
}

/// SHA-256 of a text, hex: how stances remember which wording they were given on.
pub fn text_fingerprint(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn malformed(key: &str, problem: &str) -> Error {
    Error::MalformedDocument(format!("field {key:?}"), problem.to_string())
}

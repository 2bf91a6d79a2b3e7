//! The one way Accord writes to a document: a transaction committed with a
//! [`ChangeNote`]; and the object-id lookups writes need.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, ObjId, ObjType, ReadDoc, Value};
use sha2::{Digest, Sha256};

use crate::fields::malformed;
use crate::{Attribution, ChangeNote, Error, ParticipantCode, Splice, Timestamp};

/// The id of a nested object of the given type; `None` when absent. For
/// the write path, which needs object ids; reading goes through [`crate::fields`].
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

/// Applies splices to a text in order, each to the text the one before left.
pub(crate) fn apply_splices(
    tx: &mut automerge::transaction::Transaction<'_>,
    text: &automerge::ObjId,
    splices: &[Splice],
) -> Result<(), Error> {
    for splice in splices {
        let delete = isize::try_from(splice.delete).expect("bounded by the text length");
        tx.splice_text(text, splice.pos, delete, &splice.insert)?;
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
    if doc.get_actor() != &actor {
        doc.set_actor(actor);
    }
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

/// When `doc` last changed: the latest time its newest changes (its heads)
/// record, from their notes or else automerge's seconds.
pub(crate) fn last_changed(doc: &Automerge) -> Option<Timestamp> {
    doc.get_heads()
        .iter()
        .filter_map(|head| doc.get_change_meta_by_hash(head))
        .map(|meta| match meta.message.as_deref().and_then(ChangeNote::from_message) {
            Some(note) => note.at,
            None => Timestamp(meta.timestamp.saturating_mul(1000)),
        })
        .max()
}

/// A change note for `who` doing `what`.
pub(crate) fn note(who: &Attribution, what: impl Into<String>, section: Option<u32>) -> ChangeNote {
    ChangeNote { by: who.by.clone(), at: who.at, what: what.into(), section }
}

/// SHA-256 of a text, hex: how stances remember which wording they were given on.
pub fn text_fingerprint(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

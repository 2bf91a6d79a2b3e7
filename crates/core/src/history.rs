//! History: every change of every document, attributed to a participant and
//! a time, and the negotiation as it was at any earlier moment.
//!
//! History is never rewritten (invariant 3): reading an earlier state builds
//! new documents from the changes made up to that moment, leaving the
//! negotiation untouched.

use std::collections::{BTreeMap, HashSet};

use automerge::{Automerge, Change};
use serde::Serialize;

use crate::proposal_doc;
use crate::{ChangeNote, DocumentId, Error, Negotiation, ParticipantCode, Timestamp};

/// One change in the record.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct HistoryEntry {
    /// When.
    pub at: Timestamp,
    /// Who, when the change says so (changes from other tools may not).
    pub by: Option<ParticipantCode>,
    /// What was done.
    pub what: String,
    /// The section concerned, if one.
    pub section: Option<u32>,
    /// The document changed.
    pub document: DocumentId,
    /// The change's hash (hex).
    pub change: String,
}

impl Negotiation {
    /// Every change, oldest first; only those concerning `section` when given.
    pub fn history(&self, section: Option<u32>) -> Result<Vec<HistoryEntry>, Error> {
        let mut entries = Vec::new();
        for (id, doc) in self.documents() {
            let proposal = proposal_doc::read(doc).ok();
            for change in doc.get_changes(&[]) {
                let mut entry = entry_of(*id, &change, self.author_of(&change));
                if let (Some(proposal), true) = (&proposal, entry.what.is_empty()) {
                    entry.what = format!("edited {}", proposal.label);
                    entry.section = Some(proposal.section);
                }
                if section.is_none() || entry.section == section {
                    entries.push(entry);
                }
            }
        }
        entries.sort_by(|a, b| (a.at, &a.change).cmp(&(b.at, &b.change)));
        Ok(entries)
    }

    /// The negotiation as it was at `at`: every document rebuilt from the
    /// changes made up to then (and the changes they depend on).
    pub fn as_of(&self, at: Timestamp) -> Result<Negotiation, Error> {
        let mut docs = BTreeMap::new();
        for (id, doc) in self.documents() {
            let then = document_as_of(doc, at)?;
            if !then.get_heads().is_empty() {
                docs.insert(*id, then);
            }
        }
        if !docs.contains_key(&self.id()) {
            return Err(Error::NotYetOpen);
        }
        let mut then = Negotiation::from_documents(self.id(), docs, self.replica())?;
        then.add_authors(self.authors().clone());
        Ok(then)
    }
}

/// When a change was made: its note's time, or automerge's seconds.
fn change_time(change: &Change) -> Timestamp {
    match change.message().and_then(ChangeNote::from_message) {
        Some(note) => note.at,
        None => Timestamp(change.timestamp().saturating_mul(1000)),
    }
}

/// An entry for `change`, made by `author` (its note's, or the participant
/// whose connection sent it). A change from another tool says what it did
/// only in the words history gives it: its own message is not shown as fact.
fn entry_of(document: DocumentId, change: &Change, author: Option<ParticipantCode>) -> HistoryEntry {
    let note = change.message().and_then(ChangeNote::from_message);
    let (by, what, section) = match note {
        Some(note) => (Some(note.by), note.what, note.section),
        None => (author, "change made with another automerge-repo client".to_string(), None),
    };
    HistoryEntry { at: change_time(change), by, what, section, document, change: change.hash().to_string() }
}

fn document_as_of(doc: &Automerge, at: Timestamp) -> Result<Automerge, Error> {
    let mut included = HashSet::new();
    let mut kept = Vec::new();
    for change in doc.get_changes(&[]) {
        let deps_kept = change.deps().iter().all(|dep| included.contains(dep));
        if deps_kept && change_time(&change) <= at {
            included.insert(change.hash());
            kept.push(change);
        }
    }
    let mut then = Automerge::new();
    then.apply_changes(kept)?;
    Ok(then)
}

//! A memo of records read from documents. Building a view reads every
//! document of a negotiation, and most of that time is automerge decoding
//! (BENCHMARKS.md, "Status of a large negotiation"); between two views of a
//! meeting usually one document changed. A document's content is a pure
//! function of its heads, so a record read at the same heads is the same
//! record: the memo keeps the last one read per document with the heads it
//! was read at, and changes no result. Like the distances memo, it is shared
//! by clones of a negotiation; only readable documents are kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use automerge::{Automerge, ChangeHash};

use crate::negotiation_doc::NegotiationRecord;
use crate::participant_doc::ParticipantRecord;
use crate::proposal_doc::ProposalRecord;
use crate::{DocumentId, Error, Timestamp, document, negotiation_doc, participant_doc, proposal_doc};

/// What a proposal's document says, with what the view shows of its history.
#[derive(Clone, Debug)]
pub(crate) struct ProposalRead {
    pub record: ProposalRecord,
    /// Its heads, as the view writes them.
    pub heads: Vec<String>,
    pub changed_at: Option<Timestamp>,
}

/// The last record read from each document, by the heads it was read at.
#[derive(Clone, Debug, Default)]
pub(crate) struct Reads {
    negotiations: Memo<NegotiationRecord>,
    participants: Memo<ParticipantRecord>,
    proposals: Memo<ProposalRead>,
}

impl Reads {
    pub fn negotiation(&self, id: DocumentId, doc: &Automerge) -> Result<Arc<NegotiationRecord>, Error> {
        self.negotiations.read(id, doc, |doc| negotiation_doc::read(id, doc))
    }

    pub fn participant(&self, id: DocumentId, doc: &Automerge) -> Result<Arc<ParticipantRecord>, Error> {
        self.participants.read(id, doc, participant_doc::read)
    }

    pub fn proposal(&self, id: DocumentId, doc: &Automerge) -> Result<Arc<ProposalRead>, Error> {
        self.proposals.read(id, doc, |doc| {
            Ok(ProposalRead {
                record: proposal_doc::read(doc)?,
                heads: doc.get_heads().iter().map(ToString::to_string).collect(),
                changed_at: document::last_changed(doc),
            })
        })
    }
}

/// Records of one kind, by document.
#[derive(Debug)]
struct Memo<T> {
    known: Arc<Mutex<HashMap<DocumentId, ReadAt<T>>>>,
}

/// A record and the heads of the document it was read from.
type ReadAt<T> = (Vec<ChangeHash>, Arc<T>);

impl<T> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo { known: self.known.clone() }
    }
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo { known: Arc::default() }
    }
}

impl<T> Memo<T> {
    fn read(
        &self,
        id: DocumentId,
        doc: &Automerge,
        read: impl FnOnce(&Automerge) -> Result<T, Error>,
    ) -> Result<Arc<T>, Error> {
        let heads = doc.get_heads();
        let known = self
            .known
            .lock()
            .ok()
            .and_then(|known| known.get(&id).filter(|(at, _)| *at == heads).map(|(_, record)| record.clone()));
        if let Some(record) = known {
            return Ok(record);
        }
        let record = Arc::new(read(doc)?);
        if let Ok(mut known) = self.known.lock() {
            known.insert(id, (heads, record.clone()));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Attribution, StanceKind, Timestamp, fixture};

    #[test]
    fn a_view_through_the_memo_is_the_view_read_afresh_even_when_clones_diverge() {
        let original = fixture::load("hlcp-cybersecurity").expect("fixture");
        let before = original.view().expect("view");
        let alt = &before.sections[3].proposals[2];
        let itu = "ITU".parse().expect("code");
        assert_ne!(alt.stances.get(&itu).map(|s| s.reason.as_str()), Some("read again"));
        // The clone shares the memo and changes one participant document.
        let mut changed = original.clone();
        let by = Attribution::new(itu.clone(), Timestamp(1_900_000_000_000));
        changed.record_stance(&alt.id, StanceKind::Object, "read again", &by).expect("stance");
        let now = changed.view().expect("view");
        assert_eq!(now.sections[3].proposals[2].stances[&itu].reason, "read again");
        assert_eq!(now, changed.clone_without_memo().view().expect("fresh view"));
        // The original, at the older heads, reads its own record, not the clone's.
        assert_eq!(original.view().expect("view"), before);
        assert_eq!(before, original.clone_without_memo().view().expect("fresh view"));
    }
}

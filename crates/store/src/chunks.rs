//! Documents as append-only chunks: load them all, save what changed.

use std::collections::{BTreeMap, HashMap};

use accord_core::automerge::{Automerge, ChangeHash};
use accord_core::{DocumentId, Negotiation};
use rusqlite::params;

use crate::{Store, StoreError};

/// After this many chunks a document is rewritten as one, so loading stays quick.
const COMPACT_AFTER: i64 = 64;

/// The heads of each document as last saved: what the next save starts from.
#[derive(Clone, Debug, Default)]
pub struct Persisted {
    heads: HashMap<DocumentId, Vec<ChangeHash>>,
}

impl Store {
    /// Loads a negotiation; `replica` names the writer (see `Negotiation::create`).
    pub fn load(&self, id: DocumentId, replica: &str) -> Result<(Negotiation, Persisted), StoreError> {
        let mut statement =
            self.conn.prepare("SELECT document, bytes FROM chunks WHERE negotiation = ?1 ORDER BY seq")?;
        let rows =
            statement.query_map([id.to_string()], |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?)))?;
        let mut bytes: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for row in rows {
            let (document, chunk) = row?;
            bytes.entry(document).or_default().extend_from_slice(&chunk);
        }
        let mut docs = BTreeMap::new();
        let mut persisted = Persisted::default();
        for (document, bytes) in bytes {
            let corrupt = |reason: String| StoreError::Corrupt {
                negotiation: id.to_string(),
                document: document.clone(),
                reason,
            };
            let doc_id: DocumentId = document.parse().map_err(|e: accord_core::Error| corrupt(e.to_string()))?;
            let doc = Automerge::load(&bytes).map_err(|e| corrupt(e.to_string()))?;
            persisted.heads.insert(doc_id, doc.get_heads());
            docs.insert(doc_id, doc);
        }
        Ok((Negotiation::from_documents(id, docs, replica)?, persisted))
    }

    /// Appends the changes of every document the negotiation changed since
    /// the last save, in one transaction; on error nothing is saved.
    pub fn save(&mut self, negotiation: &mut Negotiation, persisted: &mut Persisted) -> Result<(), StoreError> {
        let dirty = negotiation.take_dirty();
        let negotiation_id = negotiation.id().to_string();
        let tx = self.conn.transaction()?;
        let mut saved = Vec::new();
        for id in &dirty {
            let doc = &negotiation.documents()[id];
            let since = persisted.heads.get(id).map(Vec::as_slice).unwrap_or(&[]);
            let chunk = if since.is_empty() { doc.save() } else { doc.save_after(since) };
            if !chunk.is_empty() {
                tx.execute(
                    "INSERT INTO chunks (negotiation, document, bytes) VALUES (?1, ?2, ?3)",
                    params![negotiation_id, id.to_string(), chunk],
                )?;
                compact_if_long(&tx, &negotiation_id, id, doc)?;
            }
            saved.push((*id, doc.get_heads()));
        }
        tx.commit()?;
        persisted.heads.extend(saved);
        Ok(())
    }
}

fn compact_if_long(
    tx: &rusqlite::Transaction<'_>,
    negotiation: &str,
    id: &DocumentId,
    doc: &Automerge,
) -> Result<(), StoreError> {
    let count: i64 = tx.query_row(
        "SELECT COUNT(*) FROM chunks WHERE negotiation = ?1 AND document = ?2",
        params![negotiation, id.to_string()],
        |row| row.get(0),
    )?;
    if count > COMPACT_AFTER {
        tx.execute(
            "DELETE FROM chunks WHERE negotiation = ?1 AND document = ?2",
            params![negotiation, id.to_string()],
        )?;
        tx.execute(
            "INSERT INTO chunks (negotiation, document, bytes) VALUES (?1, ?2, ?3)",
            params![negotiation, id.to_string(), doc.save()],
        )?;
    }
    Ok(())
}

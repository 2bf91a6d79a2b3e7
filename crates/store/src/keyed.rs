//! Chunks addressed by automerge-repo storage keys, so that the sync
//! endpoint's storage (samod's `Storage`, in accord-sync) reads and writes
//! the very chunks the rest of Accord loads and saves: one copy of every
//! document, one durability story.
//!
//! automerge-repo names a document's data `[doc, "snapshot" | "incremental",
//! name]` and loads all of it with `load_incremental`, which is how our own
//! chunks load too. A chunk Accord saved itself has no name and is offered
//! as the incremental `seq-N`; a chunk samod put keeps its `kind/name` in the
//! `key` column, and putting the same name again replaces it. Deleting a
//! name deletes only that chunk (samod deletes what its own compacted
//! snapshot already holds). A chunk written by our compaction on load gets a
//! name no earlier chunk had, so a late delete of an old name cannot take
//! it. Values that are not document chunks (the storage id) live in
//! `sync_values`.

use accord_core::DocumentId;
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Store, StoreError};

/// The two kinds of document chunk automerge-repo stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkKind {
    /// A whole document.
    Snapshot,
    /// Some changes.
    Incremental,
}

impl ChunkKind {
    /// The key component automerge-repo uses for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Snapshot => "snapshot",
            ChunkKind::Incremental => "incremental",
        }
    }

    /// The kind a key component names, if any.
    pub fn parse(component: &str) -> Option<ChunkKind> {
        match component {
            "snapshot" => Some(ChunkKind::Snapshot),
            "incremental" => Some(ChunkKind::Incremental),
            _ => None,
        }
    }
}

/// A document chunk with its automerge-repo name.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyedChunk {
    /// Snapshot or incremental.
    pub kind: ChunkKind,
    /// The last component of its key.
    pub name: String,
    /// The automerge bytes.
    pub bytes: Vec<u8>,
}

/// Adds the `key` column to stores made before the sync endpoint existed.
pub(crate) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let has_key: bool =
        conn.query_row("SELECT COUNT(*) > 0 FROM pragma_table_info('chunks') WHERE name = 'key'", [], |row| {
            row.get(0)
        })?;
    if !has_key {
        match conn.execute_batch("ALTER TABLE chunks ADD COLUMN key TEXT") {
            // Another process opening the same old store added it first.
            Err(error) if error.to_string().contains("duplicate column") => {}
            other => other?,
        }
    }
    conn.execute_batch("CREATE INDEX IF NOT EXISTS chunks_by_key ON chunks (document, key)")?;
    add_column(conn, "tokens", "expires_at", "INTEGER")
}

/// Adds a column to a table of an older store, unless it has it.
fn add_column(conn: &Connection, table: &str, column: &str, kind: &str) -> Result<(), StoreError> {
    let has: bool = conn.query_row(
        &format!("SELECT COUNT(*) > 0 FROM pragma_table_info('{table}') WHERE name = '{column}'"),
        [],
        |row| row.get(0),
    )?;
    if !has {
        match conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}")) {
            // Another process opening the same old store added it first.
            Err(error) if error.to_string().contains("duplicate column") => {}
            other => other?,
        }
    }
    Ok(())
}

/// The key of a chunk written by compaction in place of chunks up to `seq`.
/// An incremental, not a snapshot: samod reads a document's snapshots, then
/// its incrementals, so a compaction between the two reads must leave what
/// it wrote where the second read looks.
pub(crate) fn compacted_key(seq: i64) -> String {
    format!("incremental/compacted-{seq}")
}

/// The name under which an unnamed chunk is offered.
fn unnamed(seq: i64) -> String {
    format!("seq-{seq}")
}

impl Store {
    /// The negotiation a stored document belongs to, if any chunk of it is stored.
    pub fn negotiation_of(&self, document: DocumentId) -> Result<Option<DocumentId>, StoreError> {
        let negotiation: Option<String> = self
            .conn
            .prepare_cached("SELECT negotiation FROM chunks WHERE document = ?1 LIMIT 1")?
            .query_row([document.to_string()], |row| row.get(0))
            .optional()?;
        Ok(negotiation.and_then(|id| id.parse().ok()))
    }

    /// Every chunk of `document` of this kind, named.
    pub fn keyed_chunks(&self, document: DocumentId, kind: ChunkKind) -> Result<Vec<KeyedChunk>, StoreError> {
        let mut statement =
            self.conn.prepare_cached("SELECT seq, key, bytes FROM chunks WHERE document = ?1 ORDER BY seq")?;
        let rows = statement.query_map([document.to_string()], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?, row.get::<_, Vec<u8>>(2)?))
        })?;
        let mut chunks = Vec::new();
        for row in rows {
            let (seq, key, bytes) = row?;
            let (chunk_kind, name) = match key.as_deref().and_then(|key| key.split_once('/')) {
                Some((stored_kind, name)) => match ChunkKind::parse(stored_kind) {
                    Some(stored_kind) => (stored_kind, name.to_string()),
                    None => continue,
                },
                None => (ChunkKind::Incremental, unnamed(seq)),
            };
            if chunk_kind == kind {
                chunks.push(KeyedChunk { kind, name, bytes });
            }
        }
        Ok(chunks)
    }

    /// Stores (or replaces) the named chunk of `document`, which belongs to
    /// `negotiation`; durable when this returns.
    pub fn put_keyed_chunk(
        &self,
        negotiation: DocumentId,
        document: DocumentId,
        chunk: &KeyedChunk,
    ) -> Result<(), StoreError> {
        let key = format!("{}/{}", chunk.kind.as_str(), chunk.name);
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM chunks WHERE document = ?1 AND key = ?2", params![document.to_string(), key])?;
        tx.execute(
            "INSERT INTO chunks (negotiation, document, bytes, key) VALUES (?1, ?2, ?3, ?4)",
            params![negotiation.to_string(), document.to_string(), chunk.bytes, key],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes the named chunk of `document`, if it is there.
    pub fn delete_keyed_chunk(&self, document: DocumentId, kind: ChunkKind, name: &str) -> Result<(), StoreError> {
        let document = document.to_string();
        let unnamed_seq = name.strip_prefix("seq-").and_then(|seq| seq.parse::<i64>().ok());
        match unnamed_seq {
            Some(seq) if kind == ChunkKind::Incremental => self.conn.execute(
                "DELETE FROM chunks WHERE document = ?1 AND seq = ?2 AND key IS NULL",
                params![document, seq],
            )?,
            _ => self.conn.execute(
                "DELETE FROM chunks WHERE document = ?1 AND key = ?2",
                params![document, format!("{}/{name}", kind.as_str())],
            )?,
        };
        Ok(())
    }

    /// A value stored by the sync endpoint under `key` (not a document chunk).
    pub fn sync_value(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.conn.query_row("SELECT bytes FROM sync_values WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    }

    /// Every sync value whose key starts with `prefix`.
    pub fn sync_values_under(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut statement = self.conn.prepare("SELECT key, bytes FROM sync_values ORDER BY key")?;
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?)))?;
        let mut values = Vec::new();
        for row in rows {
            let (key, bytes) = row?;
            if key.starts_with(prefix) {
                values.push((key, bytes));
            }
        }
        Ok(values)
    }

    /// Stores (or replaces) a sync value; durable when this returns.
    pub fn put_sync_value(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.conn.execute("INSERT OR REPLACE INTO sync_values (key, bytes) VALUES (?1, ?2)", params![key, bytes])?;
        Ok(())
    }

    /// Deletes a sync value, if it is there.
    pub fn delete_sync_value(&self, key: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM sync_values WHERE key = ?1", [key])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use accord_core::automerge::Automerge;
    use accord_core::fixture;

    use super::*;
    use crate::Persisted;

    fn store(name: &str) -> (Store, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("accord-keyed-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        (Store::open(&dir).expect("open"), dir)
    }

    #[test]
    fn accord_chunks_are_offered_as_named_incrementals_and_named_chunks_replace_and_delete() {
        let (mut store, dir) = store("names");
        let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
        store.save(&mut negotiation, &mut Persisted::default()).expect("save");
        let id = negotiation.id();
        assert_eq!(store.negotiation_of(id).expect("lookup"), Some(id));

        let ours = store.keyed_chunks(id, ChunkKind::Incremental).expect("chunks");
        assert_eq!(ours.len(), 1);
        assert!(ours[0].name.starts_with("seq-"));
        let mut loaded = Automerge::new();
        loaded.load_incremental(&ours[0].bytes).expect("loads");
        assert_eq!(loaded.get_heads(), negotiation.documents()[&id].get_heads());

        let snapshot = KeyedChunk { kind: ChunkKind::Snapshot, name: "abc".into(), bytes: vec![1, 2] };
        store.put_keyed_chunk(id, id, &snapshot).expect("put");
        store.put_keyed_chunk(id, id, &KeyedChunk { bytes: vec![3], ..snapshot.clone() }).expect("put again");
        let snapshots = store.keyed_chunks(id, ChunkKind::Snapshot).expect("chunks");
        assert_eq!(snapshots, vec![KeyedChunk { bytes: vec![3], ..snapshot }]);

        store.delete_keyed_chunk(id, ChunkKind::Incremental, &ours[0].name).expect("delete");
        store.delete_keyed_chunk(id, ChunkKind::Snapshot, "abc").expect("delete");
        assert!(store.keyed_chunks(id, ChunkKind::Incremental).expect("chunks").is_empty());
        assert!(store.keyed_chunks(id, ChunkKind::Snapshot).expect("chunks").is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn sync_values_round_trip() {
        let (store, dir) = store("values");
        store.put_sync_value("storage-adapter-id", b"one").expect("put");
        store.put_sync_value("storage-adapter-id", b"two").expect("replace");
        assert_eq!(store.sync_value("storage-adapter-id").expect("get"), Some(b"two".to_vec()));
        assert_eq!(store.sync_values_under("storage").expect("range").len(), 1);
        store.delete_sync_value("storage-adapter-id").expect("delete");
        assert_eq!(store.sync_value("storage-adapter-id").expect("get"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}

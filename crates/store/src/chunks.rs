//! Documents as append-only chunks: load them all, save what changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use accord_core::automerge::{ActorId, Automerge, ChangeHash};
use accord_core::{DocumentId, Negotiation, ParticipantCode};
use rusqlite::{TransactionBehavior, params};

use crate::{Store, StoreError};

/// A document loaded from more chunks than this is rewritten as one, so loading stays quick.
const COMPACT_AFTER: usize = 64;

/// The heads of each document as last saved (what the next save starts
/// from), and the last chunk read or written here (what the next refresh
/// starts after).
#[derive(Clone, Debug, Default)]
pub struct Persisted {
    heads: HashMap<DocumentId, Vec<ChangeHash>>,
    last_seq: i64,
    /// The connection and its `data_version` when the store was last read through it: while
    /// SQLite answers the same number, no other connection committed and a refresh reads nothing.
    seen: Option<(u64, i64)>,
    /// The authors of note-less changes the store holds: a save inserts only the others (each
    /// sync peer's replica adds one; inserting them all again cost every write one statement each).
    authors: BTreeSet<ActorId>,
}

/// One document's chunks as read: their bytes in order, how many, and the last one's seq.
#[derive(Default)]
struct Stored {
    bytes: Vec<u8>,
    chunks: usize,
    last_seq: i64,
}

/// A negotiation's chunks appended after a seq. The `+` keeps SQLite off the index by
/// negotiation (every chunk of it, read on each write) for the seq's own order: only the
/// chunks since are read.
const SINCE: &str = "SELECT document, bytes, seq FROM chunks WHERE seq > ?2 AND +negotiation = ?1 ORDER BY seq";

/// Whether any chunk of a negotiation was appended after a seq (as [`SINCE`], asked on each save).
const ANY_SINCE: &str = "SELECT EXISTS (SELECT 1 FROM chunks WHERE seq > ?2 AND +negotiation = ?1)";

impl Store {
    /// Loads a negotiation; `replica` names the writer (see `Negotiation::create`).
    pub fn load(&self, id: DocumentId, replica: &str) -> Result<(Negotiation, Persisted), StoreError> {
        let mut docs = BTreeMap::new();
        let mut persisted = Persisted::default();
        // Read before the chunks: a commit by another connection in between is read next time.
        let seen = Some(self.data_version()?);
        let mut long = Vec::new();
        for (document, stored) in self.read_chunks(id)? {
            let corrupt = |reason: String| StoreError::Corrupt {
                negotiation: id.to_string(),
                document: document.clone(),
                reason,
            };
            let doc_id: DocumentId = document.parse().map_err(|e: accord_core::Error| corrupt(e.to_string()))?;
            let doc = Automerge::load(&stored.bytes).map_err(|e| corrupt(e.to_string()))?;
            persisted.heads.insert(doc_id, doc.get_heads());
            persisted.last_seq = persisted.last_seq.max(stored.last_seq);
            if stored.chunks > COMPACT_AFTER {
                long.push((doc_id, stored.last_seq));
            }
            docs.insert(doc_id, doc);
        }
        if let Err(error) = self.compact(id, &long, &docs) {
            // Compaction only speeds up later loads; a read-only or busy store still serves.
            tracing::warn!(%error, negotiation = %id, "could not compact stored documents");
        }
        let mut negotiation = Negotiation::from_documents(id, docs, replica)?;
        self.bring_in_authors(&mut negotiation, &mut persisted)?;
        persisted.seen = seen;
        Ok((negotiation, persisted))
    }

    /// Gives the negotiation the authors the store holds, noting them as held.
    fn bring_in_authors(&self, negotiation: &mut Negotiation, persisted: &mut Persisted) -> Result<(), StoreError> {
        let authors = self.authors(negotiation.id())?;
        persisted.authors.extend(authors.iter().map(|(actor, _)| actor.clone()));
        negotiation.add_authors(authors);
        Ok(())
    }

    /// Who made the changes without a note in negotiation `id` (see `Negotiation::authors`).
    fn authors(&self, id: DocumentId) -> Result<Vec<(ActorId, ParticipantCode)>, StoreError> {
        let mut statement =
            self.conn.prepare_cached("SELECT actor, participant FROM authors WHERE negotiation = ?1")?;
        let rows =
            statement.query_map([id.to_string()], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
        let mut authors = Vec::new();
        for row in rows {
            let (actor, participant) = row?;
            if let (Ok(actor), Ok(participant)) = (actor.parse(), participant.parse()) {
                authors.push((actor, participant));
            }
        }
        Ok(authors)
    }

    /// Brings in chunks other processes appended since `persisted` was last
    /// read (a CLI command writing while the server runs); returns the
    /// documents that changed. Chunks saved through `persisted` are not read
    /// back, unless others appended before them (then they change nothing).
    pub fn refresh(
        &self,
        negotiation: &mut Negotiation,
        persisted: &mut Persisted,
    ) -> Result<Vec<DocumentId>, StoreError> {
        // Read before the chunks: a commit by another connection in between is read next time.
        let seen = Some(self.data_version()?);
        if persisted.seen == seen {
            return Ok(Vec::new());
        }
        let mut statement = self.conn.prepare_cached(SINCE)?;
        let rows = statement.query_map(params![negotiation.id().to_string(), persisted.last_seq], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, i64>(2)?))
        })?;
        let mut changed = Vec::new();
        for row in rows {
            let (document, bytes, seq) = row?;
            persisted.last_seq = seq;
            let Ok(doc_id) = document.parse::<DocumentId>() else { continue };
            if negotiation.apply_stored(doc_id, &bytes)? {
                changed.push(doc_id);
                persisted.heads.insert(doc_id, negotiation.documents()[&doc_id].get_heads());
            }
        }
        if !changed.is_empty() {
            self.bring_in_authors(negotiation, persisted)?;
        }
        persisted.seen = seen;
        Ok(changed)
    }

    /// This connection, and SQLite's count of commits other connections made to the
    /// database (it changes with each one; this connection's own leave it as it is).
    fn data_version(&self) -> Result<(u64, i64), StoreError> {
        let version = self.conn.prepare_cached("PRAGMA data_version")?.query_row([], |row| row.get(0))?;
        Ok((self.connection, version))
    }

    fn read_chunks(&self, id: DocumentId) -> Result<BTreeMap<String, Stored>, StoreError> {
        let mut statement =
            self.conn.prepare("SELECT document, bytes, seq FROM chunks WHERE negotiation = ?1 ORDER BY seq")?;
        let rows = statement.query_map([id.to_string()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, i64>(2)?))
        })?;
        let mut documents: BTreeMap<String, Stored> = BTreeMap::new();
        for row in rows {
            let (document, chunk, seq) = row?;
            let stored = documents.entry(document).or_default();
            stored.bytes.extend_from_slice(&chunk);
            stored.chunks += 1;
            stored.last_seq = seq;
        }
        Ok(documents)
    }

    /// Appends the changes of every document the negotiation changed since
    /// the last save, in one transaction; on error nothing is saved. Returns
    /// the documents saved: not those a write touched without changing them
    /// (nothing to announce).
    pub fn save(
        &mut self,
        negotiation: &mut Negotiation,
        persisted: &mut Persisted,
    ) -> Result<Vec<DocumentId>, StoreError> {
        let dirty = negotiation.take_dirty();
        let negotiation_id = negotiation.id().to_string();
        // Immediate: the write lock first, so no other process appends between the check below
        // and this transaction's own chunks.
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let others_appended: bool =
            tx.prepare_cached(ANY_SINCE)?.query_row(params![negotiation_id, persisted.last_seq], |row| row.get(0))?;
        let (mut saved, mut changed) = (Vec::new(), Vec::new());
        let mut last_seq = persisted.last_seq;
        for id in &dirty {
            let doc = &negotiation.documents()[id];
            let since = persisted.heads.get(id).map(Vec::as_slice).unwrap_or(&[]);
            let chunk = if since.is_empty() { doc.save() } else { doc.save_after(since) };
            if !chunk.is_empty() {
                tx.prepare_cached("INSERT INTO chunks (negotiation, document, bytes) VALUES (?1, ?2, ?3)")?
                    .execute(params![negotiation_id, id.to_string(), chunk])?;
                last_seq = tx.last_insert_rowid();
                changed.push(*id);
            }
            saved.push((*id, doc.get_heads()));
        }
        let new_authors: Vec<_> =
            negotiation.authors().iter().filter(|(actor, _)| !persisted.authors.contains(*actor)).collect();
        for (actor, participant) in &new_authors {
            tx.prepare_cached("INSERT OR IGNORE INTO authors (negotiation, actor, participant) VALUES (?1, ?2, ?3)")?
                .execute(params![negotiation_id, actor.to_hex_string(), participant.as_str()])?;
        }
        tx.commit()?;
        persisted.authors.extend(new_authors.into_iter().map(|(actor, _)| actor.clone()));
        persisted.heads.extend(saved);
        // Its own chunks need no reading back; chunks others appended before them still do.
        if !others_appended {
            persisted.last_seq = last_seq;
        }
        Ok(changed)
    }
}

impl Store {
    /// Rewrites each of `long` (a document and the last chunk loaded of it)
    /// as one chunk in the place of the chunks loaded, in one transaction;
    /// chunks another process appended since stay, after it. Done when
    /// loading, not when saving, so no acknowledged write waits for it.
    fn compact(
        &self,
        negotiation: DocumentId,
        long: &[(DocumentId, i64)],
        docs: &BTreeMap<DocumentId, Automerge>,
    ) -> Result<(), StoreError> {
        if long.is_empty() {
            return Ok(());
        }
        let tx = self.conn.unchecked_transaction()?;
        for (id, last_seq) in long {
            let (negotiation, document) = (negotiation.to_string(), id.to_string());
            tx.execute(
                "DELETE FROM chunks WHERE negotiation = ?1 AND document = ?2 AND seq <= ?3",
                params![negotiation, document, last_seq],
            )?;
            tx.execute(
                "INSERT INTO chunks (seq, negotiation, document, bytes, key) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![last_seq, negotiation, document, docs[id].save(), crate::keyed::compacted_key(*last_seq)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use accord_core::{Attribution, StanceKind, Timestamp, fixture};

    use super::*;

    fn store(name: &str) -> (Store, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("accord-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        (Store::open(&dir).expect("open"), dir)
    }

    fn chunk_count(store: &Store) -> i64 {
        store.conn.query_row("SELECT COUNT(*) FROM chunks", [], |row| row.get(0)).expect("count")
    }

    fn stance(negotiation: &mut Negotiation, round: i64) {
        record(negotiation, "ITU", &format!("round {round}"), round);
    }

    /// `who` supports topic 4's Alt 3 for `reason`, `after` milliseconds into the test's time.
    fn record(negotiation: &mut Negotiation, who: &str, reason: &str, after: i64) {
        let proposal = negotiation.view().expect("view").sections[3].proposals[2].id;
        let by = Attribution::new(who.parse().expect("code"), Timestamp(1_800_000_000_000 + after));
        negotiation.record_stance(&proposal, StanceKind::Support, reason, &by).expect("stance");
    }

    #[test]
    fn saves_append_and_loading_gives_back_the_same_negotiation() {
        let (mut store, dir) = store("roundtrip");
        let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
        let mut persisted = Persisted::default();
        store.save(&mut negotiation, &mut persisted).expect("save");
        let after_first = chunk_count(&store);
        stance(&mut negotiation, 1);
        store.save(&mut negotiation, &mut persisted).expect("save");
        assert_eq!(chunk_count(&store), after_first + 1, "one changed document, one chunk");
        let (loaded, _) = store.load(negotiation.id(), "test").expect("load");
        assert_eq!(loaded.view().expect("view"), negotiation.view().expect("view"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_save_inserts_only_the_authors_the_store_does_not_hold() {
        let (mut store, dir) = store("authors");
        // Counts every insert tried, ignored or not (a BEFORE trigger runs before the conflict).
        store
            .conn
            .execute_batch(
                "CREATE TABLE tried (n INTEGER);
                 CREATE TRIGGER counted BEFORE INSERT ON authors BEGIN INSERT INTO tried VALUES (1); END;",
            )
            .expect("trigger");
        let tried = |store: &Store| -> i64 {
            store.conn.query_row("SELECT COUNT(*) FROM tried", [], |row| row.get(0)).expect("count")
        };
        let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
        let peer = |code: &str| (ActorId::random(), code.parse::<ParticipantCode>().expect("code"));
        negotiation.add_authors([peer("ITU"), peer("ITU"), peer("UNESCO")]);
        let mut persisted = Persisted::default();
        store.save(&mut negotiation, &mut persisted).expect("save");
        assert_eq!(tried(&store), 3, "three authors, three inserts");
        stance(&mut negotiation, 1);
        store.save(&mut negotiation, &mut persisted).expect("save");
        assert_eq!(tried(&store), 3, "none again");
        negotiation.add_authors([peer("UNODC")]);
        stance(&mut negotiation, 2);
        store.save(&mut negotiation, &mut persisted).expect("save");
        assert_eq!(tried(&store), 4, "only the new one");
        let (mut loaded, mut persisted) = store.load(negotiation.id(), "test").expect("load");
        assert_eq!(loaded.authors(), negotiation.authors(), "all four kept");
        stance(&mut loaded, 3);
        store.save(&mut loaded, &mut persisted).expect("save");
        assert_eq!(tried(&store), 4, "a load knows the authors the store holds");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The fixture saved, then ITU's stance saved 80 times: a long chunk list.
    fn saved_80_times(store: &mut Store) -> (Negotiation, Persisted) {
        let mut negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
        let mut persisted = Persisted::default();
        store.save(&mut negotiation, &mut persisted).expect("save");
        for round in 0..80 {
            stance(&mut negotiation, round);
            store.save(&mut negotiation, &mut persisted).expect("save");
        }
        (negotiation, persisted)
    }

    #[test]
    fn a_long_chunk_list_is_compacted_on_load_keeping_later_appends() {
        let (mut store, dir) = store("compact");
        let (mut negotiation, mut persisted) = saved_80_times(&mut store);
        let before = chunk_count(&store);
        let (loaded, _) = store.load(negotiation.id(), "test").expect("load");
        assert!(chunk_count(&store) < before - 70, "{} chunks left of {before}", chunk_count(&store));
        assert_eq!(loaded.view().expect("view"), negotiation.view().expect("view"));
        stance(&mut negotiation, 99);
        store.save(&mut negotiation, &mut persisted).expect("append after compaction");
        let (reloaded, _) = store.load(negotiation.id(), "test").expect("load");
        assert_eq!(reloaded.view().expect("view"), negotiation.view().expect("view"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn compaction_keeps_what_another_process_appended_after_the_chunks_were_read() {
        let (mut store, dir) = store("compact-race");
        let (mut negotiation, mut persisted) = saved_80_times(&mut store);
        // A load reads the chunks and decides what to compact...
        let id = negotiation.id();
        let mut long = Vec::new();
        let mut docs = BTreeMap::new();
        for (document, stored) in store.read_chunks(id).expect("read") {
            let doc_id: DocumentId = document.parse().expect("id");
            if stored.chunks > COMPACT_AFTER {
                long.push((doc_id, stored.last_seq));
            }
            docs.insert(doc_id, Automerge::load(&stored.bytes).expect("load"));
        }
        assert_eq!(long.len(), 1, "ITU's document has a long chunk list");
        // ...while another process (its own connection) appends to the same document...
        let mut other = Store::open(&dir).expect("a second connection");
        stance(&mut negotiation, 99);
        let before = chunk_count(&store);
        other.save(&mut negotiation, &mut persisted).expect("the other process appends");
        assert_eq!(chunk_count(&store), before + 1, "the append is in the store");
        // ...then compacts what it read.
        store.compact(id, &long, &docs).expect("compact");
        assert!(chunk_count(&store) < before - 70, "compacted: {} chunks", chunk_count(&store));
        let (reloaded, _) = Store::open(&dir).expect("open").load(id, "test").expect("load");
        let itu = |n: &Negotiation| {
            n.view().expect("view").sections[3].proposals[2].stances[&"ITU".parse().expect("code")].reason.clone()
        };
        assert_eq!(itu(&reloaded), "round 99", "the append made after the read survives compaction");
        assert_eq!(reloaded.view().expect("view"), negotiation.view().expect("view"));
        let _ = std::fs::remove_dir_all(dir);
    }

    fn max_seq(store: &Store) -> i64 {
        store.conn.query_row("SELECT MAX(seq) FROM chunks", [], |row| row.get(0)).expect("max")
    }

    fn reason(negotiation: &Negotiation, who: &str) -> String {
        let view = negotiation.view().expect("view");
        view.sections[3].proposals[2].stances[&who.parse().expect("code")].reason.clone()
    }

    #[test]
    fn two_writers_each_bring_in_what_the_other_appended_and_skip_their_own() {
        let (mut server, dir) = store("two-writers");
        let mut fixture = fixture::load("hlcp-cybersecurity").expect("fixture");
        server.save(&mut fixture, &mut Persisted::default()).expect("save");
        let id = fixture.id();
        let (mut ours, mut ours_saved) = server.load(id, "server").expect("load");
        let mut cli = Store::open(&dir).expect("a second connection, as a command's");
        let (mut theirs, mut theirs_saved) = cli.load(id, "cli").expect("load");

        record(&mut ours, "ITU", "server 1", 0);
        server.save(&mut ours, &mut ours_saved).expect("save");
        assert_eq!(ours_saved.last_seq, max_seq(&server), "its own chunk is not read back");

        record(&mut theirs, "UNESCO", "command 1", 0);
        cli.save(&mut theirs, &mut theirs_saved).expect("save");
        let theirs_seq = max_seq(&cli);
        assert!(theirs_saved.last_seq < theirs_seq, "the server's chunk came before: still to read");

        // The server writes again before it refreshes: the command's chunk stays to be read.
        record(&mut ours, "ITU", "server 2", 0);
        server.save(&mut ours, &mut ours_saved).expect("save");
        assert!(ours_saved.last_seq < theirs_seq, "the command's chunk is not skipped");
        let brought = server.refresh(&mut ours, &mut ours_saved).expect("refresh");
        assert_eq!(reason(&ours, "UNESCO"), "command 1", "brought in: {brought:?}");
        assert_eq!(ours_saved.last_seq, max_seq(&server));

        cli.refresh(&mut theirs, &mut theirs_saved).expect("refresh");
        assert_eq!(reason(&theirs, "ITU"), "server 2");
        assert_eq!(theirs.view().expect("view"), ours.view().expect("view"));
        assert!(server.refresh(&mut ours, &mut ours_saved).expect("refresh").is_empty(), "nothing new");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_refresh_reads_the_chunks_only_after_another_connection_committed() {
        let (mut server, dir) = store("data-version");
        let mut fixture = fixture::load("hlcp-cybersecurity").expect("fixture");
        server.save(&mut fixture, &mut Persisted::default()).expect("save");
        let (mut ours, mut ours_saved) = server.load(fixture.id(), "server").expect("load");
        let mut cli = Store::open(&dir).expect("a second connection, as a command's");
        let (mut theirs, mut theirs_saved) = cli.load(fixture.id(), "cli").expect("load");
        // A row this connection itself commits (of no document: a read would only pass it by).
        let row = "INSERT INTO chunks (negotiation, document, bytes) VALUES (?1, 'none', x'00')";
        server.conn.execute(row, [fixture.id().to_string()]).expect("insert");
        let before = ours_saved.last_seq;
        assert!(before < max_seq(&server), "the row is stored after what was read");
        server.refresh(&mut ours, &mut ours_saved).expect("refresh");
        assert_eq!(ours_saved.last_seq, before, "no other connection committed: nothing is read");

        record(&mut theirs, "UNESCO", "command", 0);
        cli.save(&mut theirs, &mut theirs_saved).expect("save");
        server.refresh(&mut ours, &mut ours_saved).expect("refresh");
        assert_eq!(reason(&ours, "UNESCO"), "command", "another connection's commit is read");
        assert_eq!(ours_saved.last_seq, max_seq(&server));
        let _ = std::fs::remove_dir_all(dir);
    }
}

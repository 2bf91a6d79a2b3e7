//! accord-store: where negotiations live on disk, shared by the `accord`
//! command and the server.
//!
//! One SQLite database (`STORE/accord.sqlite3`, WAL, `synchronous=FULL`)
//! holds every document as append-only chunks of automerge changes: a save
//! appends what changed since the last save, all dirty documents in one
//! transaction, so a save is all or nothing and a write acknowledged after
//! it survives a crash. Since chunks only add changes, two processes saving
//! concurrently both keep their changes. Sign-in tokens are stored as
//! SHA-256 hashes, never in the clear.

mod chunks;
mod keyed;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use accord_core::DocumentId;
use rusqlite::Connection;

pub use chunks::Persisted;
pub use keyed::{ChunkKind, KeyedChunk};
pub use tokens::{Grant, hash_token};

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (disk, permissions, corruption).
    #[error("storage failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The directory could not be created.
    #[error("cannot create the store directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A stored document does not load.
    #[error("stored document {document} of negotiation {negotiation} is corrupt: {reason}")]
    Corrupt {
        /// The negotiation.
        negotiation: String,
        /// The document.
        document: String,
        /// Why.
        reason: String,
    },
    /// The negotiation's documents do not form a negotiation.
    #[error(transparent)]
    Negotiation(#[from] accord_core::Error),
}

/// The database file in a store directory.
pub const DATABASE: &str = "accord.sqlite3";

/// An open store.
pub struct Store {
    conn: Connection,
    /// Tells this connection from others in the process: what a refresh saw of the
    /// database is only comparable on the connection that saw it (see [`Persisted`]).
    connection: u64,
}

/// The number the next connection opened in this process takes.
static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// Opens (creating if needed) the store in directory `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory { path: dir.to_path_buf(), source })?;
        let conn = Connection::open(dir.join(DATABASE))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        keyed::migrate(&conn)?;
        Ok(Store { conn, connection: NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed) })
    }

    /// Another connection to the same store, so one negotiation's reads and
    /// writes need not wait for another's in this process (SQLite still
    /// commits one write at a time).
    pub fn reopen(&self) -> Result<Store, StoreError> {
        let path = self.conn.path().map(PathBuf::from).unwrap_or_default();
        Store::open(path.parent().unwrap_or(Path::new(".")))
    }

    /// The ids of the negotiations in the store, sorted.
    pub fn negotiation_ids(&self) -> Result<Vec<DocumentId>, StoreError> {
        let mut statement = self.conn.prepare("SELECT DISTINCT negotiation FROM chunks ORDER BY negotiation")?;
        let ids = statement.query_map([], |row| row.get::<_, String>(0))?;
        let mut parsed = Vec::new();
        for id in ids {
            if let Ok(id) = id?.parse() {
                parsed.push(id);
            }
        }
        Ok(parsed)
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chunks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    negotiation TEXT NOT NULL,
    document TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks (negotiation, document, seq);
CREATE TABLE IF NOT EXISTS sync_values (
    key TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS authors (
    negotiation TEXT NOT NULL,
    actor TEXT NOT NULL,
    participant TEXT NOT NULL,
    PRIMARY KEY (negotiation, actor)
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    negotiation TEXT NOT NULL,
    participant TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS secretariat_tokens (
    hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
";

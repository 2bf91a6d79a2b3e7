//! samod's `Storage` over Accord's SQLite store.
//!
//! A document's chunks are the ones `accord-store` loads and saves (see its
//! `keyed` module), so what a peer syncs is durable the moment samod's put
//! returns and the rest of Accord sees it with `Store::refresh`. samod's
//! trait has no way to report an error, so a failure is logged, counted,
//! and reported to whoever built the storage ([`StorageEvents::failed`]),
//! which stops syncing rather than pretend; from the first failure on, the
//! storage itself puts and deletes nothing more (samod would take the failed
//! put for done and delete what it superseded).
//!
//! Each chunk row records its negotiation. A document already stored knows
//! it; a new one (a participant's first stance, a proposal made offline)
//! takes it from [`SyncStorage::register`], which the share policy calls for
//! every document it lets a peer write.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use accord_core::DocumentId;
use accord_store::{ChunkKind, KeyedChunk, Store, StoreError};
use samod::storage::{Storage, StorageKey};

/// What the storage tells its owner.
pub trait StorageEvents: Send + Sync + 'static {
    /// A chunk of `document`, of `negotiation`, is now on disk.
    fn stored(&self, negotiation: DocumentId, document: DocumentId);
    /// A write could not be made durable.
    fn failed(&self, error: &StoreError);
}

/// No one listening (the `accord sync` client).
pub(crate) struct Unobserved;

impl StorageEvents for Unobserved {
    fn stored(&self, _: DocumentId, _: DocumentId) {}
    fn failed(&self, _: &StoreError) {}
}

/// samod's storage over one Accord store directory.
#[derive(Clone)]
pub struct SyncStorage {
    inner: Arc<Inner>,
}

struct Inner {
    store: Mutex<Store>,
    /// Where the store lives, for messages.
    dir: PathBuf,
    /// The negotiation of documents not stored yet.
    registered: Mutex<HashMap<DocumentId, DocumentId>>,
    /// Documents samod has loaded (and so holds in memory from now on).
    loaded: Mutex<HashSet<DocumentId>>,
    failures: AtomicU64,
    /// Set by the first failure: from then on nothing is put or deleted (samod takes a
    /// failed put for done, and would go on to delete what that put superseded).
    failed: AtomicBool,
    events: Box<dyn StorageEvents>,
}

impl SyncStorage {
    /// Opens a second connection to the store in `dir`.
    pub fn open(dir: &Path, events: impl StorageEvents) -> Result<SyncStorage, StoreError> {
        let store = Store::open(dir)?;
        Ok(SyncStorage {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                dir: dir.to_path_buf(),
                registered: Mutex::default(),
                loaded: Mutex::default(),
                failures: AtomicU64::new(0),
                failed: AtomicBool::new(false),
                events: Box::new(events),
            }),
        })
    }

    /// Records that `document` belongs to `negotiation`, for its first chunk.
    pub fn register(&self, document: DocumentId, negotiation: DocumentId) {
        lock(&self.inner.registered).insert(document, negotiation);
    }

    /// Whether samod has loaded `document` (so changes made outside samod must be pushed to it).
    pub fn is_loaded(&self, document: DocumentId) -> bool {
        lock(&self.inner.loaded).contains(&document)
    }

    /// How many writes failed since the storage was opened.
    pub fn failures(&self) -> u64 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    async fn blocking<T: Send + 'static>(&self, work: impl FnOnce(&Inner) -> T + Send + 'static) -> T {
        let inner = self.inner.clone();
        match tokio::task::spawn_blocking(move || work(&inner)).await {
            Ok(value) => value,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
}

/// Where a key points.
enum Target {
    /// `[doc, kind]`: every chunk of that kind.
    Chunks(DocumentId, ChunkKind),
    /// `[doc, kind, name]`: one chunk.
    Chunk(DocumentId, ChunkKind, String),
    /// Anything else, by its joined key.
    Value(String),
}

fn target(key: &StorageKey) -> Target {
    let joined = key.to_string();
    let parts: Vec<&str> = joined.split('/').collect();
    let document = parts.first().and_then(|doc| doc.parse::<DocumentId>().ok());
    let kind = parts.get(1).and_then(|kind| ChunkKind::parse(kind));
    match (document, kind, parts.len()) {
        (Some(document), Some(kind), 2) => Target::Chunks(document, kind),
        (Some(document), Some(kind), 3) => Target::Chunk(document, kind, parts[2].to_string()),
        _ => Target::Value(joined),
    }
}

fn key_of(document: DocumentId, kind: ChunkKind, name: &str) -> Option<StorageKey> {
    StorageKey::from_parts([document.to_string().as_str(), kind.as_str(), name]).ok()
}

impl Inner {
    fn load(&self, key: &StorageKey) -> Result<Option<Vec<u8>>, StoreError> {
        let store = lock(&self.store);
        match target(key) {
            Target::Chunk(document, kind, name) => {
                Ok(store.keyed_chunks(document, kind)?.into_iter().find(|c| c.name == name).map(|c| c.bytes))
            }
            Target::Chunks(..) => Ok(None),
            Target::Value(key) => store.sync_value(&key),
        }
    }

    fn load_range(&self, prefix: &StorageKey) -> Result<HashMap<StorageKey, Vec<u8>>, StoreError> {
        let store = lock(&self.store);
        match target(prefix) {
            Target::Chunks(document, kind) => {
                lock(&self.loaded).insert(document);
                let chunks = store.keyed_chunks(document, kind)?;
                Ok(chunks.into_iter().filter_map(|c| Some((key_of(document, kind, &c.name)?, c.bytes))).collect())
            }
            Target::Chunk(..) | Target::Value(_) => {
                let mut values = HashMap::new();
                for (key, bytes) in store.sync_values_under(&prefix.to_string())? {
                    if let Ok(key) = StorageKey::from_parts(key.split('/')) {
                        values.insert(key, bytes);
                    }
                }
                Ok(values)
            }
        }
    }

    fn put(&self, key: &StorageKey, bytes: Vec<u8>) -> Result<(), StoreError> {
        let store = lock(&self.store);
        let Target::Chunk(document, kind, name) = target(key) else {
            return store.put_sync_value(&key.to_string(), &bytes);
        };
        let registered = lock(&self.registered).get(&document).copied();
        let negotiation = match store.negotiation_of(document)? {
            Some(stored) if registered.is_some_and(|claimed| claimed != stored) => {
                tracing::warn!(%document, %stored, "sync refused a write to a document of another negotiation");
                return Ok(());
            }
            Some(negotiation) => negotiation,
            None => match registered {
                Some(negotiation) => negotiation,
                None => {
                    // The share policy registers every document it lets a peer write, so this
                    // is a peer writing what it was never given; kept aside for inspection.
                    tracing::warn!(%document, "sync stored a document no negotiation references");
                    return store.put_sync_value(&format!("unclaimed/{key}"), &bytes);
                }
            },
        };
        store.put_keyed_chunk(negotiation, document, &KeyedChunk { kind, name, bytes })?;
        drop(store);
        self.events.stored(negotiation, document);
        Ok(())
    }

    fn delete(&self, key: &StorageKey) -> Result<(), StoreError> {
        let store = lock(&self.store);
        match target(key) {
            Target::Chunk(document, kind, name) => store.delete_keyed_chunk(document, kind, &name),
            Target::Chunks(..) => Ok(()),
            Target::Value(key) => store.delete_sync_value(&key),
        }
    }

    fn report(&self, what: &str, key: &StorageKey, error: &StoreError) {
        self.failed.store(true, Ordering::SeqCst);
        self.failures.fetch_add(1, Ordering::Relaxed);
        tracing::error!(%error, %key, store = %self.dir.display(), "sync storage could not {what}");
        self.events.failed(error);
    }
}

impl Storage for SyncStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        self.blocking(move |inner| {
            inner.load(&key).unwrap_or_else(|error| {
                inner.report("load", &key, &error);
                None
            })
        })
        .await
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        self.blocking(move |inner| {
            inner.load_range(&prefix).unwrap_or_else(|error| {
                inner.report("load", &prefix, &error);
                HashMap::new()
            })
        })
        .await
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        self.blocking(move |inner| {
            if inner.failed.load(Ordering::SeqCst) {
                tracing::error!(%key, "sync storage failed earlier: not storing");
                return;
            }
            if let Err(error) = inner.put(&key, data) {
                inner.report("store", &key, &error);
            }
        })
        .await
    }

    async fn delete(&self, key: StorageKey) {
        self.blocking(move |inner| {
            if inner.failed.load(Ordering::SeqCst) {
                tracing::error!(%key, "sync storage failed earlier: not deleting");
                return;
            }
            if let Err(error) = inner.delete(&key) {
                inner.report("delete", &key, &error);
            }
        })
        .await
    }
}

/// Locks, going on after a panic elsewhere (the guarded data stays consistent: SQLite transactions).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

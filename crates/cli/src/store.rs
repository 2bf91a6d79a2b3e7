//! The local store: a directory of automerge documents, one file each.
//!
//! Layout: `STORE/negotiations/ID/DOC.automerge`. Each command writes with
//! a fresh replica name, so a copied store directory can never reuse an
//! actor and sequence number of the original (history names participants
//! from the change notes, not from actors). A
//! command holds an exclusive lock on `STORE/lock` from load to save, so two
//! commands never overwrite each other's changes; each document is written
//! to a temporary file, synced and renamed over the old one, so a crash
//! leaves either the old or the new document, never half of one.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use accord_core::automerge::Automerge;
use accord_core::{DocumentId, Negotiation};
use anyhow::{Context, Result, bail};

const EXTENSION: &str = "automerge";

/// An open store, locked for the life of the value.
pub struct Store {
    root: PathBuf,
    replica: String,
    _lock: File,
}

impl Store {
    /// Opens (creating if needed) the store at `root` and locks it.
    pub fn open(root: &Path) -> Result<Store> {
        fs::create_dir_all(root.join("negotiations"))
            .with_context(|| format!("cannot create the store directory {}", root.display()))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join("lock"))
            .with_context(|| format!("cannot open {}", root.join("lock").display()))?;
        lock.lock().with_context(|| format!("cannot lock the store {}", root.display()))?;
        let replica = uuid::Uuid::new_v4().to_string();
        Ok(Store { root: root.to_path_buf(), replica, _lock: lock })
    }

    /// The replica name this command writes with.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// The ids of the negotiations in the store.
    pub fn negotiation_ids(&self) -> Result<Vec<DocumentId>> {
        let mut ids = Vec::new();
        for entry in fs::read_dir(self.root.join("negotiations"))? {
            let name = entry?.file_name();
            if let Ok(id) = name.to_string_lossy().parse::<DocumentId>() {
                ids.push(id);
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Picks the negotiation named by `wanted` (id or unique prefix), or the
    /// only one in the store.
    pub fn resolve(&self, wanted: Option<&str>) -> Result<DocumentId> {
        let ids = self.negotiation_ids()?;
        let matching: Vec<DocumentId> = match wanted {
            Some(prefix) => ids.iter().copied().filter(|id| id.to_string().starts_with(prefix)).collect(),
            None => ids.clone(),
        };
        match (matching.as_slice(), wanted) {
            ([one], _) => Ok(*one),
            ([], None) => bail!(
                "the store {} holds no negotiation: create one with `accord init --fixture hlcp-cybersecurity`",
                self.root.display()
            ),
            ([], Some(prefix)) => bail!("no negotiation {prefix:?} in the store {}", self.root.display()),
            (several, _) => bail!(
                "the store {} holds several negotiations matching ({}): name one with --negotiation ID",
                self.root.display(),
                several.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// Loads a negotiation's documents.
    pub fn load(&self, id: DocumentId) -> Result<Negotiation> {
        let dir = self.negotiation_dir(id);
        let mut docs = BTreeMap::new();
        for entry in fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
                continue;
            }
            let Some(doc_id) = path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse().ok()) else {
                continue;
            };
            let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let doc = Automerge::load(&bytes).with_context(|| format!("{} is not a valid document", path.display()))?;
            docs.insert(doc_id, doc);
        }
        Negotiation::from_documents(id, docs, &self.replica)
            .with_context(|| format!("the negotiation in {} cannot be read", dir.display()))
    }

    /// Writes the documents the negotiation changed since it was loaded.
    pub fn save(&self, negotiation: &mut Negotiation) -> Result<()> {
        let dir = self.negotiation_dir(negotiation.id());
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for id in negotiation.take_dirty() {
            let doc = &negotiation.documents()[&id];
            write_atomically(&dir.join(format!("{id}.{EXTENSION}")), &doc.save())?;
        }
        File::open(&dir).and_then(|d| d.sync_all()).with_context(|| format!("cannot sync {}", dir.display()))
    }

    fn negotiation_dir(&self, id: DocumentId) -> PathBuf {
        self.root.join("negotiations").join(id.to_string())
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = path.with_extension("tmp");
    let mut file = File::create(&temporary).with_context(|| format!("cannot write {}", temporary.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    fs::rename(&temporary, path).with_context(|| format!("cannot replace {}", path.display()))
}

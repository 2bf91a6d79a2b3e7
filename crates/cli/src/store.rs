//! The command line's view of the store (accord-store's SQLite database in
//! the `--store` directory): picking the negotiation a command is about,
//! loading it, saving what the command changed.

use std::path::{Path, PathBuf};

use accord_core::{DocumentId, Negotiation};
use accord_store::{Persisted, Store};
use anyhow::{Context, Result, bail};

/// An open store.
pub struct LocalStore {
    root: PathBuf,
    store: Store,
    replica: String,
}

/// A negotiation loaded by a command, with what is already on disk.
pub struct Loaded {
    /// The negotiation.
    pub negotiation: Negotiation,
    persisted: Persisted,
}

impl LocalStore {
    /// Opens the store in `root`, creating it only if `create` (a command
    /// that reads must not leave an empty store behind a mistyped path).
    pub fn open(root: &Path, create: bool) -> Result<LocalStore> {
        if !create && !root.join(accord_store::DATABASE).exists() {
            bail!(
                "there is no store at {}: start one with `accord init --fixture hlcp-cybersecurity` \
                 (or point --store at an existing one)",
                root.display()
            );
        }
        let store = Store::open(root).with_context(|| format!("cannot open the store {}", root.display()))?;
        // A fresh replica name per command: a copied store never reuses an actor's sequence numbers.
        let replica = uuid::Uuid::new_v4().to_string();
        Ok(LocalStore { root: root.to_path_buf(), store, replica })
    }

    /// The replica name this command writes with.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// The underlying store, for adding tokens.
    pub fn inner(&self) -> &Store {
        &self.store
    }

    /// The underlying store and replica name, for the server to own.
    pub fn into_parts(self) -> (Store, String) {
        (self.store, self.replica)
    }

    /// The ids of the negotiations in the store.
    pub fn negotiation_ids(&self) -> Result<Vec<DocumentId>> {
        Ok(self.store.negotiation_ids()?)
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

    /// Loads the negotiation a command names (see [`LocalStore::resolve`]).
    pub fn load_wanted(&self, wanted: Option<&str>) -> Result<Loaded> {
        self.load(self.resolve(wanted)?)
    }

    /// Loads a negotiation.
    pub fn load(&self, id: DocumentId) -> Result<Loaded> {
        let (negotiation, persisted) =
            self.store.load(id, &self.replica).with_context(|| format!("cannot load negotiation {id}"))?;
        Ok(Loaded { negotiation, persisted })
    }

    /// Saves a negotiation new to the store.
    pub fn save_new(&mut self, negotiation: &mut Negotiation) -> Result<()> {
        let mut persisted = Persisted::default();
        self.store.save(negotiation, &mut persisted).context("cannot save the negotiation")?;
        Ok(())
    }

    /// Saves what changed in a loaded negotiation.
    pub fn save(&mut self, loaded: &mut Loaded) -> Result<()> {
        self.store.save(&mut loaded.negotiation, &mut loaded.persisted).context("cannot save the negotiation")?;
        Ok(())
    }
}

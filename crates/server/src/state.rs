//! What every request shares: the hub behind its one lock, and the sync
//! endpoint's state (the served copies of documents, the connections).

use std::sync::{Arc, Mutex};

use accord_store::Store;

use crate::hub::Hub;
use crate::sync::SyncService;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    hub: Arc<Mutex<Hub>>,
    sync: Arc<SyncService>,
}

impl AppState {
    /// State over an open store; `replica` names this server as a writer.
    pub fn new(store: Store, replica: String) -> AppState {
        AppState { hub: Arc::new(Mutex::new(Hub::new(store, replica))), sync: Arc::new(SyncService::default()) }
    }

    /// The sync endpoint's state.
    pub fn sync(&self) -> &Arc<SyncService> {
        &self.sync
    }

    /// Runs `work` on the hub. The hub does blocking work (SQLite commits
    /// with fsync, building views), so the async worker thread hands its
    /// other tasks over while it waits for the lock and works. After a panic
    /// under the lock, the negotiations in memory are dropped and reloaded
    /// from disk, so nothing that was not stored can be served.
    pub fn with<T>(&self, work: impl FnOnce(&mut Hub) -> T) -> T {
        tokio::task::block_in_place(|| {
            let mut hub = self.hub.lock().unwrap_or_else(|poisoned| {
                let mut hub = poisoned.into_inner();
                hub.forget_all();
                self.hub.clear_poison();
                hub
            });
            work(&mut hub)
        })
    }
}

//! What every request shares: the hub behind its one lock, and the sync
//! endpoint's state (the served copies of documents, the connections).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use accord_store::Store;

use crate::hub::Hub;
use crate::sync::SyncService;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    hub: Arc<Mutex<Hub>>,
    sync: Arc<SyncService>,
    /// The hub's count of views built, read by `/api/health` without waiting for the hub.
    views_built: Arc<AtomicU64>,
}

impl AppState {
    /// State over an open store; `replica` names this server as a writer.
    pub fn new(store: Store, replica: String) -> AppState {
        let hub = Hub::new(store, replica);
        let views_built = hub.views_built();
        AppState { hub: Arc::new(Mutex::new(hub)), sync: Arc::new(SyncService::default()), views_built }
    }

    /// How many negotiation views the server has built since it started.
    pub fn views_built(&self) -> u64 {
        self.views_built.load(Ordering::Relaxed)
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

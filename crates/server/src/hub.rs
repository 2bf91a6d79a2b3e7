//! The hub: the rooms (one per negotiation in memory, each behind its own
//! lock) and what is shared across negotiations: the store's sign-in tokens,
//! which negotiation a document belongs to, and the stream of [`Changed`]
//! events every room emits. The hub does not know who listens to them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use accord_core::DocumentId;
use accord_store::{Grant, Store};
use tokio::sync::broadcast;

use crate::error::ApiError;
use crate::room::{Changed, Room, now};

/// How many change events a slow listener may lag behind before it misses some.
const EVENT_BACKLOG: usize = 1024;

/// The rooms and what they share.
pub struct Hub {
    /// For tokens and documents' negotiations; each room has its own connection.
    store: Mutex<Store>,
    replica: String,
    rooms: Mutex<HashMap<DocumentId, Arc<Mutex<Room>>>>,
    events: broadcast::Sender<Changed>,
    views_built: Arc<AtomicU64>,
}

impl Hub {
    /// A hub over an open store; `replica` names this server as a writer.
    pub fn new(store: Store, replica: String) -> Hub {
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        let (rooms, views_built) = (Mutex::default(), Arc::default());
        Hub { store: Mutex::new(store), replica, rooms, events, views_built }
    }

    /// How many negotiation views were built since the server started.
    pub fn views_built(&self) -> u64 {
        self.views_built.load(Ordering::Relaxed)
    }

    /// Every stored change from now on, as [`Changed`] events.
    pub fn subscribe(&self) -> broadcast::Receiver<Changed> {
        self.events.subscribe()
    }

    /// Who `token` signs in.
    pub fn grant(&self, token: &str) -> Result<Option<Grant>, ApiError> {
        Ok(self.store().grant(token, now())?)
    }

    /// This server's name as a writer.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// The secretariat member `token` signs in, if any.
    pub fn secretariat(&self, token: &str) -> Result<Option<String>, ApiError> {
        Ok(self.store().secretariat(token, now())?)
    }

    /// Stores a negotiation just made (from a secretariat's draft); its room opens on first use.
    pub fn store_new(&self, negotiation: &mut accord_core::Negotiation) -> Result<(), ApiError> {
        self.store().save(negotiation, &mut accord_store::Persisted::default())?;
        Ok(())
    }

    /// Issues a new sign-in token for `grant`, valid until `expires`.
    pub fn issue(&self, grant: &Grant, expires: Option<accord_core::Timestamp>) -> Result<String, ApiError> {
        Ok(self.store().issue_token(grant, now(), expires)?)
    }

    /// Ends every sign-in token of `participant` in `negotiation`; how many there were.
    pub fn revoke(
        &self,
        negotiation: DocumentId,
        participant: &accord_core::ParticipantCode,
    ) -> Result<usize, ApiError> {
        Ok(self.store().revoke(negotiation, participant)?)
    }

    /// The negotiation a stored document belongs to (`None`: not stored yet).
    pub fn stored_negotiation(&self, document: DocumentId) -> Result<Option<DocumentId>, ApiError> {
        Ok(self.store().negotiation_of(document)?)
    }

    /// The room of negotiation `id`, opened (with its own store connection)
    /// the first time it is asked for. Ids come from sign-in grants, so only
    /// stored negotiations get a room.
    pub fn room(&self, id: DocumentId) -> Result<Arc<Mutex<Room>>, ApiError> {
        if let Some(room) = lock(&self.rooms).get(&id) {
            return Ok(room.clone());
        }
        let store = self.store().reopen()?;
        let room = Room::new(id, store, self.replica.clone(), self.events.clone(), self.views_built.clone());
        Ok(lock(&self.rooms).entry(id).or_insert_with(|| Arc::new(Mutex::new(room))).clone())
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}

/// A lock held only for a lookup or one statement: a panic under it leaves nothing half done.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

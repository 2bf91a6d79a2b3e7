//! What every request shares: the hub with its rooms. Handlers reach a
//! negotiation through here, one call per request: one lock (the
//! negotiation's own) and one refresh from the store.

use std::sync::{Arc, Mutex};

use accord_core::automerge::Change;
use accord_core::gate::Admission;
use accord_core::{Attribution, DocumentId, Negotiation, ParticipantCode};
use accord_store::{Grant, Store};
use axum::extract::ws::Utf8Bytes;
use tokio::sync::broadcast;

use crate::error::ApiError;
use crate::hub::Hub;
use crate::room::{Changed, Room};
use crate::served_view::ServedView;
use crate::session::Session;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    hub: Arc<Hub>,
}

/// A live subscription: the messages, the sender to relay a client's own, and the view to start from.
pub type Joined = (broadcast::Receiver<Utf8Bytes>, broadcast::Sender<Utf8Bytes>, ServedView);

impl AppState {
    /// State over an open store; `replica` names this server as a writer.
    pub fn new(store: Store, replica: String) -> AppState {
        AppState { hub: Arc::new(Hub::new(store, replica)) }
    }

    /// How many negotiation views the server has built since it started.
    pub fn views_built(&self) -> u64 {
        self.hub.views_built()
    }

    /// Every stored change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Changed> {
        self.hub.subscribe()
    }

    /// Who `token` signs in.
    pub fn grant(&self, token: &str) -> Result<Option<Grant>, ApiError> {
        tokio::task::block_in_place(|| self.hub.grant(token))
    }

    /// This server's name as a writer (see `Negotiation::create`).
    pub fn replica(&self) -> &str {
        self.hub.replica()
    }

    /// The secretariat member `token` signs in, if any.
    pub fn secretariat(&self, token: &str) -> Result<Option<String>, ApiError> {
        tokio::task::block_in_place(|| self.hub.secretariat(token))
    }

    /// Stores a negotiation just made (see [`Hub::store_new`]).
    pub fn store_new(&self, negotiation: &mut Negotiation) -> Result<(), ApiError> {
        tokio::task::block_in_place(|| self.hub.store_new(negotiation))
    }

    /// Issues a sign-in token for `grant` (see [`Hub::issue`]).
    pub fn issue(&self, grant: &Grant, expires: Option<accord_core::Timestamp>) -> Result<String, ApiError> {
        tokio::task::block_in_place(|| self.hub.issue(grant, expires))
    }

    /// Ends every sign-in token of `participant` in `negotiation`.
    pub fn revoke(&self, negotiation: DocumentId, participant: &ParticipantCode) -> Result<usize, ApiError> {
        tokio::task::block_in_place(|| self.hub.revoke(negotiation, participant))
    }

    /// The negotiation a stored document belongs to (`None`: not stored yet).
    pub fn stored_negotiation(&self, document: DocumentId) -> Result<Option<DocumentId>, ApiError> {
        tokio::task::block_in_place(|| self.hub.stored_negotiation(document))
    }

    /// The negotiation's view at its current version (built once per change).
    pub fn view(&self, id: DocumentId) -> Result<ServedView, ApiError> {
        self.in_room(id, Room::view)
    }

    /// Reads negotiation `id`.
    pub fn read<T>(
        &self,
        id: DocumentId,
        read: impl FnOnce(&Negotiation) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.in_room(id, |room| room.read(read))
    }

    /// Writes to the session's negotiation as its participant (see [`Room::write`]).
    pub fn write<T>(
        &self,
        session: &Session,
        write: impl FnOnce(&mut Negotiation, &Attribution) -> Result<T, accord_core::Error>,
    ) -> Result<T, ApiError> {
        Ok(self.write_counted(session, write)?.0)
    }

    /// As [`AppState::write`], with the negotiation's change count after the write.
    pub fn write_counted<T>(
        &self,
        session: &Session,
        write: impl FnOnce(&mut Negotiation, &Attribution) -> Result<T, accord_core::Error>,
    ) -> Result<(T, u64), ApiError> {
        self.in_room(session.negotiation, |room| {
            let value = room.write(&session.participant, write)?;
            Ok((value, room.change_count()))
        })
    }

    /// Offers a sync peer's changes to one document (see [`Room::admit`]).
    pub fn admit(
        &self,
        id: DocumentId,
        peer: &ParticipantCode,
        document: DocumentId,
        changes: Vec<Change>,
    ) -> Result<Admission, ApiError> {
        self.in_room(id, |room| room.admit(peer, document, changes))
    }

    /// How many times negotiation `id` changed since its room opened.
    pub fn seq(&self, id: DocumentId) -> Result<u64, ApiError> {
        self.in_room(id, Room::seq)
    }

    /// Subscribes `who` to negotiation `id`'s live messages (see [`Room::join`]).
    pub fn join(&self, id: DocumentId, who: &ParticipantCode) -> Result<Joined, ApiError> {
        self.in_room(id, |room| room.join(who))
    }

    /// Ends one live socket of `who`.
    pub fn leave(&self, id: DocumentId, who: &ParticipantCode) {
        let _ = self.in_room(id, |room| {
            room.leave(who);
            Ok(())
        });
    }

    /// Runs `work` in negotiation `id`'s room, under its lock. A room does
    /// blocking work (SQLite commits with fsync, building views), so the async
    /// worker thread hands its other tasks over while it waits and works.
    /// After a panic under the lock, the negotiation in memory is dropped and
    /// read again from disk, so nothing that was not stored can be served.
    fn in_room<T>(&self, id: DocumentId, work: impl FnOnce(&mut Room) -> Result<T, ApiError>) -> Result<T, ApiError> {
        tokio::task::block_in_place(|| {
            let room = self.hub.room(id)?;
            let mut held = lock_room(&room);
            let result = work(&mut held);
            if held.patch_wanted() {
                schedule_patch(room.clone());
            }
            if let Some(at) = held.settle_wanted() {
                schedule_settle(room.clone(), at);
            }
            result
        })
    }
}

/// Sends the room's patch once it is due (see [`Room::patch_due_at`]), off the request that
/// made the change: the text distances its view needs first, without the room's lock, then
/// the patch under it.
fn schedule_patch(room: Arc<Mutex<Room>>) {
    tokio::spawn(async move {
        // Changes made meanwhile move the time on (typing), up to a limit. The room's lock may
        // be held through a commit: the worker thread hands its other tasks over meanwhile.
        loop {
            let due = tokio::task::block_in_place(|| lock_room(&room).patch_due_at());
            match due {
                Some(at) if at > std::time::Instant::now() => tokio::time::sleep_until(at.into()).await,
                _ => break,
            }
        }
        let _ = tokio::task::spawn_blocking(move || {
            let ahead = lock_room(&room).patch_distances();
            if let Some(ahead) = ahead {
                ahead.compute();
            }
            lock_room(&room).send_patch()
        })
        .await;
    });
}

/// Records what the room's procedures came to once time `at` comes, off any request.
fn schedule_settle(room: Arc<Mutex<Room>>, at: accord_core::Timestamp) {
    let wait = u64::try_from(at.millis().saturating_sub(crate::room::now().millis())).unwrap_or(0);
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        let _ = tokio::task::spawn_blocking(move || {
            let mut held = lock_room(&room);
            if let Err(error) = held.settle() {
                tracing::error!(error = error.message(), "could not record what a procedure came to");
            }
            if held.patch_wanted() {
                schedule_patch(room.clone());
            }
            // Another procedure may end later: schedule it from here, since no request may come.
            if let Some(next) = held.settle_wanted() {
                schedule_settle(room.clone(), next);
            }
        })
        .await;
    });
}

fn lock_room(room: &Mutex<Room>) -> std::sync::MutexGuard<'_, Room> {
    room.lock().unwrap_or_else(|poisoned| {
        let mut held = poisoned.into_inner();
        held.forget();
        room.clear_poison();
        held
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use accord_core::{NewParticipant, Role, fixture};
    use accord_store::Persisted;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_to_one_negotiation_does_not_wait_for_another_that_is_busy() {
        let dir = std::env::temp_dir().join(format!("accord-state-rooms-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut store = Store::open(&dir).expect("store");
        let mut busy = fixture::load("hlcp-cybersecurity").expect("fixture");
        store.save(&mut busy, &mut Persisted::default()).expect("save");
        let chair = NewParticipant { code: "CHAIR".parse().expect("code"), name: "Chair".into(), role: Role::Chair };
        let other_id = DocumentId::derive("state-test", "other meeting");
        let mut other =
            Negotiation::create(other_id, "Another meeting", chair, "test", crate::room::now()).expect("create");
        store.save(&mut other, &mut Persisted::default()).expect("save");
        let state = AppState::new(store, "test".into());
        let session = Session { negotiation: other_id, participant: "CHAIR".parse().expect("code") };

        // The first meeting's room is held, as by a long view build or a slow fsync.
        let busy_room = state.hub.room(busy.id()).expect("room");
        let held = busy_room.lock().expect("lock");
        let (done, finished) = std::sync::mpsc::channel();
        let writer = state.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().expect("runtime");
            let written = runtime.block_on(async {
                writer.write(&session, |n, by| n.set_deadline(accord_core::Timestamp(1_900_000_000_000), by))
            });
            let _ = done.send(written.is_ok());
        });
        let written = finished.recv_timeout(Duration::from_secs(20));
        drop(held);
        assert_eq!(written, Ok(true), "the other meeting's write finished while the first was held");
        let deadline = state.view(other_id).expect("view").view.deadline;
        assert_eq!(deadline, Some(accord_core::Timestamp(1_900_000_000_000)), "and it was stored");
        let _ = std::fs::remove_dir_all(dir);
    }
}
